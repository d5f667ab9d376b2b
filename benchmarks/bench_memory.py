"""Peak memory (resident set) of what a user's laptop runs, each in a fresh subprocess.

- ``data ingest`` of the bundled hourly ETH file (75k rows) and of five years of
  synthetic 1-minute bars (2,628,000 rows, a random walk written as CSV.gz in the
  generic OHLCV layout), each into a new store;
- ``liqcascade report --quick`` (the larger of its two lanes).

The peak is read inside the child (:mod:`benchmarks._memory`); the row's seconds are the
wall time of that one run. The files are written in a temporary folder; nothing
outside the package is read.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._memory import run_child
from benchmarks._scale import scaled
from benchmarks.bench_data import _write_hourly

MINUTES = 5 * 525_600


def _write_minutes(folder: Path) -> Path:
    rng = np.random.default_rng(1)
    n = scaled(MINUTES, 1_000)
    # the smoke run's thousand minutes at a time when ETH was near the walk's 2,000 USD
    start = scaled("2020-01-01", "2024-06-01")
    ts = pd.date_range(start, periods=n, freq="1min", tz="UTC")
    close = 2000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, n)))
    open_ = np.r_[close[0], close[:-1]]
    df = pd.DataFrame(
        {
            "ts": ts.strftime("%Y-%m-%d %H:%M:%S+00:00"),
            "open": open_.round(2),
            "high": (np.maximum(open_, close) * (1 + rng.uniform(0, 1e-3, n))).round(2),
            "low": (np.minimum(open_, close) * (1 - rng.uniform(0, 1e-3, n))).round(2),
            "close": close.round(2),
            "volume": rng.uniform(1.0, 1000.0, n).round(3),
        }
    )
    path = folder / "ETHUSDT_1m_synthetic.csv.gz"
    df.to_csv(path, index=False, compression={"method": "gzip", "compresslevel": 1})
    return path


def run() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for path, what in (
            (_write_hourly(folder), "hourly ETH CSV.gz, 75,417 rows"),
            (_write_minutes(folder), f"5 years of 1-minute bars, CSV.gz, {MINUTES:,} rows"),
        ):
            env = {"LIQCASCADE_STORE": str(folder / f"{path.stem}.duckdb")}
            wall, _, peak = run_child(["data", "ingest", str(path), "--venue", "binance"], env)
            mib = path.stat().st_size / 2**20
            rows.append(
                {
                    "name": f"data ingest, {what}, into a new store: peak memory",
                    "seconds": wall,
                    "repeats": 1,
                    "peak_rss_mib": peak,
                    "notes": f"file {mib:.0f} MiB on disk; peak RSS of the process",
                }
            )
        env = {"LIQCASCADE_STORE": str(folder / "none.duckdb")}  # the bundled data only
        report = [
            "report",
            "--quick",
            *scaled([], ["--asset", "ETH", "--section", "data"]),
            "--out",
            str(folder / "report"),
        ]
        for _ in range(scaled(1, 0)):  # fills numba's cache if it is cold (compiling takes memory)
            run_child(report, env)
        wall, _, peak = run_child(report, env)
        rows.append(
            {
                "name": "liqcascade report --quick: peak memory (the larger lane)",
                "seconds": wall,
                "repeats": 1,
                "peak_rss_mib": peak,
                "notes": "bundled data only (an empty store); after a warm-up run (numba's "
                "cache filled)",
            }
        )
    return rows
