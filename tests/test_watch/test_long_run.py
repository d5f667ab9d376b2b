"""A long watch session holds a bounded live-depth history and writes the same lines.

Every interval stores an order-book snapshot; the session's in-memory inputs kept every
one since it started, and appending copied them all at each interval (quadratic in the
session's length). Only the snapshots a bar at or after the market's can read are kept
(:meth:`Watcher._trim_depth`); the lines must be those of a session keeping them all,
and an earlier bar asked for afterwards must read the store's snapshots again.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade.live import Watcher, WatchOptions
from test_watch.fake import ReplayExchange

MIN = 60_000
START = int(pd.Timestamp("2025-07-20 03:30", tz="UTC").value // 1_000_000)


def _session(tmp: Path, name: str) -> tuple[Watcher, ReplayExchange]:
    ex = ReplayExchange(START)
    opts = WatchOptions(
        exchanges=[ex], store=tmp / f"{name}.duckdb", since="2025-07-10", liquidity="static"
    )
    w = Watcher(opts, clock=lambda: ex.now_ms, sleep=lambda s: None, log=lambda s: None)
    return w, ex


def _text(line: dict[str, Any]) -> str:
    """The line as JSON text (NaN written as NaN: equal lines give equal text)."""
    return json.dumps(line, sort_keys=True, default=str)


def test_long_session_holds_a_bounded_depth_and_the_same_lines(
    tmp_path: Path, monkeypatch: Any
) -> None:
    bounded, ex_b = _session(tmp_path, "bounded")
    lines_b, held = [], []
    for _ in range(100):  # 100 intervals of 10 minutes: 16 h 40 min, four new bars
        lines_b.append(_text(bounded.tick()))
        held.append(len(bounded._inputs.live_depth))
        ex_b.now_ms += 10 * MIN
    # a session that keeps every snapshot (the behaviour before the bound)
    monkeypatch.setattr(Watcher, "_trim_depth", lambda self, label: None)
    whole, ex_w = _session(tmp_path, "whole")
    lines_w = []
    for _ in range(100):
        lines_w.append(_text(whole.tick()))
        ex_w.now_ms += 10 * MIN
    n_whole = len(whole._inputs.live_depth)
    whole.close()
    monkeypatch.undo()
    assert lines_b == lines_w
    sources = {json.loads(t)["depth_source"] for t in lines_b}
    assert len([s for s in sources if s.startswith("live ")]) >= 3  # snapshots were read
    per_snapshot = n_whole // 100
    # at most the snapshots since a bar's close less an hour: 9 hours at 10 minutes
    assert max(held[10:]) <= 55 * per_snapshot < n_whole
    # the market's bar again: its snapshot is still held
    now = bounded._market
    assert bounded.market_at(now["label"])["depth_source"] == now["depth_source"]
    # an earlier bar than the market's: read from the store again, as a fresh session does
    label = bounded._market["label"] - pd.Timedelta(hours=8)
    again = bounded.market_at(label)
    fresh, ex_f = _session(tmp_path, "fresh")
    ex_f.now_ms = ex_b.now_ms
    fresh.close()
    fresh.store, fresh._reads = bounded.store, bounded._reads  # its writer and its reads
    ref = fresh.market_at(label)
    assert again["depth_source"] == ref["depth_source"]
    assert again["depth_source"].startswith("live ")
    a, b = again["static_critical_shock"], ref["static_critical_shock"]
    assert a == b or (math.isnan(a) and math.isnan(b))  # the same computation, twice
    bounded.close()
