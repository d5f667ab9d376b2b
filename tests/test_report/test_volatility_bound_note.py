"""The report's leverage-by-period table marks a fit on the stationarity bound.

``liqcascade vol --by-period`` prints "at the bound: not standard" beside the γ p-value
of a period whose fit sits on the bound (``persistence_at_bound``: ETH 2017); the
report's table printed the same p-value unmarked.
"""

from __future__ import annotations

import pandas as pd

from liqcascade.report._volatility_section import _lev_tables
from liqcascade.volatility import bound_note, leverage_by_period


def _rows(bound: list[bool]) -> pd.DataFrame:
    n = len(bound)
    return pd.DataFrame(
        {"label": [str(2017 + i) for i in range(n)],
         "start": [pd.Timestamp(f"{2017 + i}-01-01", tz="UTC") for i in range(n)],
         "end": [pd.Timestamp(f"{2017 + i}-12-31", tz="UTC") for i in range(n)],
         "model": ["gjr"] * n, "n_obs": [365] * n, "gamma": [0.1] * n, "ci_low": [-0.1] * n,
         "ci_high": [0.3] * n, "pvalue": [0.03] * n, "verdict": ["not significant"] * n,
         "persistence_at_bound": bound}
    )  # fmt: skip


def test_a_period_on_the_bound_is_marked_with_the_command_lines_words() -> None:
    t = _lev_tables(_rows([True, False]), _rows([False]))
    assert list(t["fit"]) == ["at the bound: not standard", "", ""]
    assert t["fit"].iloc[0] == bound_note("gamma[1]", True)  # the CLI's words, one source
    assert list(t.columns)[-2:] == ["verdict", "fit"]  # beside the p-value's row, last


def test_no_period_on_the_bound_no_column() -> None:
    t = _lev_tables(_rows([False, False]), None)
    assert "fit" not in t.columns and list(t.columns)[-1] == "verdict"


def test_eth_2017_is_marked() -> None:
    from liqcascade.data import load_series

    close = load_series("ohlcv", asset="ETH", interval="1d")["close"]
    close = close[close.index < pd.Timestamp("2019-01-01", tz="UTC")]
    df = leverage_by_period(close, models=("gjr",), dist="t").to_frame()
    t = _lev_tables(df, None)
    marked = dict(zip(t["period"], t["fit"], strict=True))
    assert marked["2017 (2017-08-18 → 2017-12-31)"] == "at the bound: not standard"
    assert marked["2018"] == ""  # off the bound: unmarked
