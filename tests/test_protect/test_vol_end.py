"""The vol policies' entries end with the daily bars their volatility is filtered from."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.protect import BacktestSettings, backtest_stops
from liqcascade.protect import _backtest as bt

#: The daily bars end here, the hourly ones run on (as a store holding newer hourly bars).
DAILY_END = pd.Timestamp("2025-06-30", tz="UTC")


@pytest.fixture
def short_daily(monkeypatch: pytest.MonkeyPatch) -> None:
    load = bt._load_ohlcv

    def cut(asset: str, interval: str, store: Any) -> pd.DataFrame:
        bars = load(asset, interval, store)
        return bars[bars.index <= DAILY_END] if interval == "1d" else bars

    monkeypatch.setattr(bt, "_load_ohlcv", cut)


def _run(**kw: Any) -> Any:
    return backtest_stops(("fixed", "vol"), ("long",), ("random",), start="2025-06-01",
                          settings=BacktestSettings(n_random=40), crash=False, store=False,
                          **kw)  # fmt: skip


def test_default_end_stops_at_the_last_daily_bar(short_daily: None) -> None:
    # before: the default end (2025-12-31, from the hourly bars) took July on, which
    # was refused for want of a volatility (before that, the window's median stood in)
    meta = _run().meta
    assert pd.Timestamp(meta["entries_last"]) < DAILY_END + pd.Timedelta(days=1)
    assert pd.Timestamp(meta["entries_last"]) >= pd.Timestamp("2025-06-25", tz="UTC")
    assert pd.Timestamp(meta["vol_fit"]["end"]) == DAILY_END


def test_a_given_end_past_the_daily_bars_is_refused(short_daily: None) -> None:
    with pytest.raises(InputError, match=r"daily volatility runs to 2025-06-30") as e:
        _run(end="2025-07-31")
    assert e.value.param == "end"
