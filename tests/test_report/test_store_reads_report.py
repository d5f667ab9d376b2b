"""A report with a small store beside it opens the store once and says the same.

The store holds nothing of the report's asset (24 hourly SOL bars), as a developer's
default store often does. Each of the report's look-ups used to open the store, list
what it holds and close it again (37 connections for these two sections of ETH, 127
for the quick report of ETH and BTC: some 3 s); now they share one read-only
connection for the report (:mod:`liqcascade._store_reads`). Counted connections, not
seconds: the speed is a benchmark's row (``benchmarks/bench_report.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from floats import same_value
from liqcascade.data import Store, read_file
from liqcascade.data._store import open_store_paths
from liqcascade.report import build_report

SECTIONS = ("data", "liqmap")  # the data section lists the store; the map reads the market
#: Connections a one-lane report may open to the store: one, and one spare (the fork
#: rule or a writer closing the shared reader makes the next look-up open it again).
MAX_CONNECTIONS = 2


def _small_store(folder: Path) -> Path:
    ts = pd.date_range("2024-01-01", periods=24, freq="1h", tz="UTC")
    close = [100.0 + 0.1 * i for i in range(24)]
    csv = folder / "sol_1h.csv"
    bars = {"open": close, "high": close, "low": close, "close": close, "volume": 1000.0}
    pd.DataFrame({"ts": ts.strftime("%Y-%m-%d %H:%M:%S"), **bars}).to_csv(csv, index=False)
    path = folder / "store.duckdb"
    with Store(path) as st:
        assert st.ingest(read_file(csv, venue="binance", symbol="SOLUSDT")).rows_added == 24
    return path


def _figures(summary: Path) -> dict[str, Any]:
    """summary.json without what differs from run to run (the time it was made, also on the
    front page, and timings: two runs can straddle a minute) and the command that re-runs
    it (it names each run's own ``--out`` and the store that fed it)."""
    doc = json.loads(summary.read_text())
    out = {k: v for k, v in doc.items() if k not in ("generated", "timings", "command")}
    if isinstance(out.get("front"), dict):
        out["front"] = {k: v for k, v in out["front"].items() if k not in ("generated", "command")}
    return out


def _differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Where two JSON documents differ (floats within the project's tolerance)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}/{k}: only one has it" for k in sorted(set(a) ^ set(b), key=str)]
        for k in sorted(set(a) & set(b), key=str):
            out += _differences(a[k], b[k], f"{where}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items against {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _differences(x, y, f"{where}[{i}]")]  # fmt: skip
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(a, int | float) and isinstance(b, int | float) and same_value(a, b)
        return [] if ok else [f"{where}: {a!r} against {b!r}"]
    return [] if a == b else [f"{where}: {a!r} against {b!r}"]


def test_the_differences_helper_sees_a_change() -> None:
    assert _differences({"a": [1.0, "x"]}, {"a": [1.0, "x"]}) == []
    assert _differences({"a": [1.0, "x"]}, {"a": [1.1, "x"]}) == ["/a[0]: 1.0 against 1.1"]
    assert _differences({"a": 1}, {"b": 1}) == ["/a: only one has it", "/b: only one has it"]


def test_a_small_store_is_opened_once_and_the_figures_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    store = _small_store(tmp_path)
    seen = connects
    monkeypatch.setenv("LIQCASCADE_STORE", str(store))
    with_store = build_report(
        tmp_path / "with", sections=SECTIONS, quick=True, asset="ETH", workers=1
    )
    opened = seen.count(str(store))
    assert 1 <= opened <= MAX_CONNECTIONS, f"the store was opened {opened} times"
    assert open_store_paths() == []  # closed when the report returned

    monkeypatch.setenv("LIQCASCADE_STORE", str(tmp_path / "none.duckdb"))
    without = build_report(tmp_path / "without", sections=SECTIONS, quick=True, asset="ETH",
                           workers=1)  # fmt: skip
    assert not (tmp_path / "none.duckdb").exists()  # reading a missing store makes none
    assert _differences(_figures(with_store["summary"]), _figures(without["summary"])) == []
