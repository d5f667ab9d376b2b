"""The report's forward-return table prints each p beside the statistic it belongs to."""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.events import support_levels, support_study
from liqcascade.report._format import dec, pvalue
from liqcascade.report._support_section import SupportView, tables


@pytest.fixture(scope="module")
def view() -> SupportView:
    bars = datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-07-31")
    s = support_study(bars, seed=0, n_random=10, n_boot=100, grid={"pivot": (5,), "min_away": (3,)})
    levels = support_levels(s.detection)
    return SupportView("ETH", s, 0.0441, 1.0, bars.index[0], bars.index[-1], levels)


def test_t_beside_its_own_p(view: SupportView) -> None:
    t = tables(view)[0].frame
    h = view.study.horizons
    cols = list(t.columns)
    # the referee saw "t (Newey–West)" −0.40 beside the adjusted p 0.86 at 60 days
    assert "t (Newey–West)" not in cols
    i = cols.index("t (overlap-adjusted)")
    assert cols[i + 1 : i + 3] == ["p (overlap-adjusted)", "p (placebo)"]
    row = t[t["days"] == 60].iloc[0]
    assert row["t (overlap-adjusted)"] == dec(h.loc[60, "t_stat_adj"], 2)
    assert row["p (overlap-adjusted)"] == pvalue(h.loc[60, "p_value_adj"])
    assert row["p (placebo)"] == pvalue(h.loc[60, "p_value_placebo"])
    # the t printed is the adjusted one (−0.18 at 60 days), not Newey–West's (−0.40)
    assert h.loc[60, "t_stat_adj"] == pytest.approx(-0.178, abs=0.005)
    assert row["t (overlap-adjusted)"] != dec(h.loc[60, "t_stat"], 2)
    assert isinstance(t, pd.DataFrame)
