"""Ingest speed: the 75k-row hourly ETH file, read + validated + stored in DuckDB.

The file is regenerated in a temporary folder from the bundled ``eth_1h`` dataset in the
original CSV.gz layout (``ts,open,high,low,close,volume,src``), so nothing outside the
package is read.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks._scale import scaled
from benchmarks._timing import best_of
from liqcascade import datasets
from liqcascade.data import Store, read_file


def _write_hourly(folder: Path) -> Path:
    df = datasets.load("eth_1h").reset_index()
    df = df.iloc[-scaled(len(df), 500) :]
    df["ts"] = df["ts"].dt.strftime("%Y-%m-%d %H:%M:%S+00:00")
    df["src"] = "liqcascade-bundle"
    path = folder / "ETHUSDT_1h_binance_spot.csv.gz"
    df[["ts", "open", "high", "low", "close", "volume", "src"]].to_csv(
        path, index=False, compression="gzip"
    )
    return path


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = _write_hourly(folder)
        n = 0

        def read_only() -> None:
            nonlocal n
            n = sum(s.rows for s in read_file(path))

        counter = {"i": 0}

        def ingest_fresh() -> None:
            counter["i"] += 1
            with Store(folder / f"s{counter['i']}.duckdb") as st:
                st.ingest(read_file(path))

        store = folder / "again.duckdb"
        with Store(store) as st:
            st.ingest(read_file(path))

        def ingest_again() -> None:
            with Store(store) as st:
                res = st.ingest(read_file(path))
            assert res.rows_added == 0

        t_read = best_of(read_only, 3)
        t_fresh = best_of(ingest_fresh, 3)
        t_again = best_of(ingest_again, 3)
    return [
        {
            "name": f"data: read + validate hourly ETH CSV.gz ({n:,} rows)",
            "seconds": t_read,
            "notes": "layout detection, time parsing, validation, gap count",
        },
        {
            "name": f"data: ingest hourly ETH CSV.gz into a new store ({n:,} rows)",
            "seconds": t_fresh,
            "target_seconds": 5.0,
            "notes": "read + validate + one DuckDB transaction (ON CONFLICT DO NOTHING)",
        },
        {
            "name": "data: re-ingest the same file (idempotent, 0 rows added)",
            "seconds": t_again,
            "target_seconds": 5.0,
            "notes": "every key already stored",
        },
    ]
