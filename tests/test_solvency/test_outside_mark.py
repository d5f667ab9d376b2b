"""A central bad debt outside its own 80 % range is marked, as liqmap marks its figures.

The text table printed ``138,509 (116,246 … 128,404)`` with no mark (session 25).
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from liqcascade._cli import _common
from liqcascade._cli._outside import OUTSIDE, mark_outside
from liqcascade._cli.liqmap import _band_cell
from liqcascade._cli.solvency import _render


def _scenario(bad: float, lo: float, hi: float) -> dict[str, Any]:
    return {"name": "crash -30%", "final_price": 100.0, "liquidated_usd": 1e6,
            "fund_before_adl_usd": 5e5, "bad_debt_usd": bad, "min_buffer": 0.1,
            "reserve_ratio_end": 1.2, "survives": True, "shortfall_usd": 5e5 + bad,
            "fund_draw_usd": 5e5, "fund_covers": False, "buffer_covers": True,
            "interval": {"bad_debt_p10_usd": lo, "bad_debt_p90_usd": hi, "n_book_draws": 1},
            "static_upper_bound": {"bad_debt_usd": 2e5}}  # fmt: skip


def _text(*scenarios: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    buf = io.StringIO()
    monkeypatch.setattr(_common.stdout, "file", buf)
    monkeypatch.setattr(_common.stdout, "_width", 250)
    _render({"scenarios": list(scenarios), "liquidity": "calibrated", "adl": {},
             "reserve_buffer": 0.06})  # fmt: skip
    return buf.getvalue()


def test_a_bad_debt_outside_its_range_is_marked_and_footnoted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _text(_scenario(138_509, 116_246, 128_404), monkeypatch=monkeypatch)
    assert f"138,509{OUTSIDE} (116,246 … 128,404)" in text
    assert (
        "* on a figure: outside its interval: the liquidated and bad debt figures are the "
        "central parameters' run" in text
    )
    inside = _text(_scenario(120_000, 116_246, 128_404), monkeypatch=monkeypatch)
    assert "120,000 (116,246 … 128,404)" in inside and "outside its interval" not in inside


def test_liqmap_and_solvency_mark_alike() -> None:
    assert _band_cell(3.34e6, 1.99e6, 3.27e6) == f"3.34 M{OUTSIDE} (1.99–3.27 M)"
    assert mark_outside("5 (1 … 4)", 5.0, 1.0, 4.0) == f"5{OUTSIDE} (1 … 4)"
    assert mark_outside("3 (1 … 4)", 3.0, 1.0, 4.0) == "3 (1 … 4)"
    assert mark_outside("3", 3.0, None, None) == "3"
