"""Percents in the report's text read ``6 %``, as ``_prices.percent_text`` writes them.

The whole-book takeaway joined the flags' keys (``shock -10%``, summary.json's form) into
the page's text; the stress chart's VaR labels spaced their percent by a hand-written
replace. Both go through ``_prices.percent_label`` now; the solvency chart's buffer
labels are checked here too (they wrote ``6%`` before session 25).
"""

from __future__ import annotations

import re
from types import SimpleNamespace as NS

import plotly.graph_objects as go
import pytest

from liqcascade.report import _solvency_section as sol
from liqcascade.report import _stress_section as st

GLUED = re.compile(r"\d%")


def test_the_whole_book_takeaway_writes_a_shock_as_the_page_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(st, "_above_central", lambda v: "")
    flags = {"shock -10%": True, "shock +5%": True, "shock -2%": False,
             "replay 2022-06-13 (recorded path)": True, "Monte Carlo p99": True}  # fmt: skip
    v = NS(whole_book=lambda: flags, market=NS(side_notional=lambda: (1.2e9, 0.9e9)))
    text = st._whole_book_takeaway(v)  # type: ignore[arg-type]
    assert not GLUED.search(text), text
    assert text.startswith(
        "The book truly runs out in: shock −10 %, shock +5 %, replay 2022-06-13 (recorded "
        "path), Monte Carlo p99 — "
    )


def test_flag_labels_keep_what_is_not_a_shock() -> None:
    assert st._flag_label("shock -20%") == "shock −20 %"
    assert st._flag_label("shock +10%") == "shock +10 %"
    assert st._flag_label("replay 2025-10-10") == "replay 2025-10-10"  # dates keep hyphens
    assert st._flag_label("Monte Carlo p95") == "Monte Carlo p95"


def test_the_solvency_buffer_labels_are_spaced() -> None:
    fig = go.Figure()
    sol._cut_axis(fig, ["−10 %"], [1.0], [2.0], [3.0])  # nothing above the cut
    texts = [str(a.text) for a in fig.layout.annotations]
    assert texts == ["6 %", "10 %", "14 %"]
    fig = go.Figure()
    note = sol._cut_axis(fig, ["−30 %"], [69.8], [80.0], [185.1])  # above the 35 % cut
    texts = [str(a.text) for a in fig.layout.annotations]
    assert not any(GLUED.search(t) for t in texts), texts
    assert texts[-1].startswith("above 35 %:<br>−30 %: ↑ 69.8 %") and isinstance(note, str)
