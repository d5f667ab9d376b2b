"""The full report end to end: ``liqcascade report`` in a fresh subprocess (ETH and BTC).

One warm-up run first (numba's on-disk cache filled, as after installation and a first
run), then the timed run: Python start, imports, every section of both assets, the page
and summary.json written. The row also states the process's CPU seconds (the report
runs in two lanes on a 2-core machine), each lane's section CPU seconds, the slowest
sections from summary.json and the machine's 1-minute load average when the timed run
started (other jobs' load stretches the wall time: compare CPU seconds then), and the
peak memory of the larger lane (:mod:`benchmarks._memory`). Both runs read the bundled
data only (a store path that does not exist, as ``bench_memory``'s report row): with
the developer's default store present (``~/.liqcascade/store.duckdb``, even a nearly
empty one) every section looks its series up there first, which cost about 3 s of this
row on the 2-core machine in session 25 (18.5 s against 15.1 s, the same code).

Then ``liqcascade report --quick`` twice over, in turn: with the bundled data only and
with a small store beside it (24 hourly SOL bars: nothing of ETH or BTC, as a
developer's default store often is), best of each. The difference is what looking the
store up costs the report: its look-ups share one connection to the store since
session 26 (:mod:`liqcascade._store_reads`; each opened it again before, 127 times).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks._memory import run_child
from benchmarks._scale import repeats, scaled


def _run_once(out: Path) -> tuple[float, float, float | None]:
    """Wall seconds, CPU seconds (both lanes) and peak RSS in MiB (the larger lane)."""
    smoke = scaled([], ["--quick", "--asset", "ETH", "--section", "data"])
    env = {"LIQCASCADE_STORE": str(out.parent / "none.duckdb")}  # the bundled data only
    wall, usage, peak = run_child(["report", *smoke, "--out", str(out)], env=env)
    return wall, usage.ru_utime + usage.ru_stime, peak


def _small_store(folder: Path) -> Path:
    """A store of 24 hourly SOL bars, ingested as a user would (``data ingest``)."""
    ts = pd.date_range("2024-01-01", periods=24, freq="1h", tz="UTC")
    close = [100.0 + 0.1 * i for i in range(24)]
    bars = {"open": close, "high": close, "low": close, "close": close, "volume": 1000.0}
    csv = folder / "sol_1h.csv"
    pd.DataFrame({"ts": ts.strftime("%Y-%m-%d %H:%M:%S"), **bars}).to_csv(csv, index=False)
    store = folder / "small.duckdb"
    ingest = ["data", "ingest", str(csv), "--venue", "binance", "--symbol", "SOLUSDT"]
    run_child([*ingest, "--store", str(store)])
    return store


def run_quick_store() -> list[dict]:
    """The quick report (ETH + BTC, subprocess) without a store and with a small one."""
    quick = ["report", "--quick", *scaled([], ["--asset", "ETH", "--section", "data"])]
    best: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stores = {"none": folder / "none.duckdb", "small": _small_store(folder)}
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        for _ in range(repeats(2)):  # in turn, so that a change of load falls on both
            for what, store in stores.items():
                out = folder / f"out-{what}"
                wall, usage, _ = run_child(
                    [*quick, "--out", str(out)], env={"LIQCASCADE_STORE": str(store)}
                )
                cpu = usage.ru_utime + usage.ru_stime
                if what not in best or wall < best[what][0]:
                    best[what] = (wall, cpu)
    (w0, c0), (w1, c1) = best["none"], best["small"]
    return [
        {
            "name": "liqcascade report --quick (ETH + BTC, subprocess), bundled data only",
            "seconds": w0,
            "repeats": repeats(2),
            "notes": f"CPU {c0:.1f} s; no store (a path that does not exist); load average "
            f"{load:.1f} at the start",
        },
        {
            "name": "liqcascade report --quick (ETH + BTC, subprocess), with a small store",
            "seconds": w1,
            "repeats": repeats(2),
            "notes": f"CPU {c1:.1f} s; a store of 24 hourly SOL bars (nothing of ETH or BTC): "
            f"{w1 - w0:+.1f} s wall, {c1 - c0:+.1f} s CPU against the row above (the "
            "look-ups share one connection to it; before session 26: about +3 s)",
        },
    ]


def run() -> list[dict]:
    return _run_full() + run_quick_store()


def _run_full() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(scaled(1, 0)):
            _run_once(Path(tmp) / "warm")  # fills numba's cache if it is cold
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        wall, cpu, peak = _run_once(Path(tmp) / "timed")
        timings = json.loads((Path(tmp) / "timed" / "summary.json").read_text())["timings"]
    slow = sorted(timings.items(), key=lambda kv: -kv[1]["cpu_s"])[:3]
    top = ", ".join(f"{k} {v['cpu_s']:.1f} s" for k, v in slow)
    lanes = " + ".join(
        f"{sum(v['cpu_s'] for v in timings.values() if v['lane'] == n):.1f}"
        for n in sorted({v["lane"] for v in timings.values()})
    )
    return [
        {
            "name": "liqcascade report, end to end (ETH + BTC, every section, subprocess)",
            "seconds": wall,
            "target_seconds": 15.0,
            "repeats": 1,
            "peak_rss_mib": peak,
            "notes": (
                f"CPU {cpu:.1f} s over two lanes (sections {lanes} s by lane); slowest "
                f"sections (CPU): {top}; load average {load:.1f} at the start; bundled data "
                "only (no store)"
            ),
        }
    ]
