"""The solvency section's figures draw what differs (review14 item 15)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from liqcascade.report._solvency_section import _adl_figure, _bad_debt_figure

L = 100e6  # liabilities, USD


def _outcome(name: str, bad: float, lo: float, hi: float, static: float) -> Any:
    return SimpleNamespace(
        name=name, bad_debt_usd=bad, min_buffer=bad / L,
        interval={"bad_debt_p10_usd": lo, "bad_debt_p90_usd": hi},
        static_upper_bound={"bad_debt_usd": static},
    )  # fmt: skip


def _view(gap_30: float = 21.4e6) -> Any:
    casc = [_outcome("-10%", 2.35e6, 2.0e6, 2.65e6, 3.78e6),
            _outcome("-30%", 21.4e6, 17.35e6, 24.83e6, 32.68e6)]  # fmt: skip
    gap = [_outcome("-10%", 2.35e6, 0, 0, 0), _outcome("-30%", gap_30, 0, 0, 0)]
    return SimpleNamespace(
        asset="ETH", exchange=SimpleNamespace(liabilities=L),
        cascade=SimpleNamespace(outcomes=casc, adl_outcome=casc[1]),
        gap_only=SimpleNamespace(outcomes=gap),
    )  # fmt: skip


def test_bad_debt_is_one_bar_with_its_interval_and_the_static_bound() -> None:
    """Two identical bars per scenario (cascade = gap fills) said nothing; the 80 % interval
    and the static bound, quoted in the text, were not drawn."""
    fig = _bad_debt_figure(_view())
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 1
    assert list(bars[0].y) == pytest.approx([2.35, 21.4])
    assert list(bars[0].error_y.array) == pytest.approx([0.30, 3.43])
    assert list(bars[0].error_y.arrayminus) == pytest.approx([0.35, 4.05])
    static = next(t for t in fig.data if "static" in t.name)
    assert list(static.y) == pytest.approx([3.78, 32.68])
    assert not any("gap fills" in t.name for t in fig.data)
    assert "gap fills alone give the same as the cascade" in fig.layout.title.text
    # written as the page writes a percentage, with its space
    assert {s.name for s in fig.layout.shapes} == {"6 % buffer", "10 % buffer", "14 % buffer"}


def test_gap_fills_are_drawn_where_they_differ() -> None:
    fig = _bad_debt_figure(_view(gap_30=19.0e6))
    gap = next(t for t in fig.data if "gap fills" in str(t.name))
    assert list(gap.x) == ["−30 %"] and list(gap.y) == pytest.approx([19.0])
    assert "the same as the cascade" not in fig.layout.title.text


def test_adl_figure_draws_the_columns_that_differ() -> None:
    """Haircut and notional are the same under every policy (the deficit sets them); the
    policies differ in whom they hit, which the figure now draws."""
    adl = pd.DataFrame(
        {
            "policy": ["binance", "socialized"],
            "n_accounts": [11893, 14561],
            "gini": [0.703, 0.714],
            "bottom_quartile_haircut_to_equity": [0.208, 0.214],
            "max_haircut_to_equity": [0.493, 0.451],
            "haircut_usd": [11.9512e6, 11.9512e6],
            "notional_usd": [52.87972e6, 52.87972e6],
        }
    )
    fig = _adl_figure(_view(), adl)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [
        "accounts hit",
        "Gini of haircuts (0 = even)",
        "bottom-quartile haircut / equity (%)",
        "max haircut / equity (%)",
    ]
    assert list(fig.data[0].x) == [11893, 14561]
    assert list(fig.data[3].x) == pytest.approx([49.3, 45.1])
    cap = fig.layout.title.text
    assert cap.endswith("the same under every policy: haircut $12.0 M and notional closed $52.9 M")
