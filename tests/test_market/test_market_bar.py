"""The market's bar has one length: ``liqcascade.market.MARKET_BAR``.

Modules above ``market`` use it; the few below it, or kept from loading it, hold a
literal of their own, which must stay equal to it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade.market import MARKET_BAR


def test_the_copies_below_market_equal_it() -> None:
    from liqcascade._cli import _data_cut
    from liqcascade.data import _market_date
    from liqcascade.positions import _estimate

    assert MARKET_BAR == pd.Timedelta(hours=4)
    assert _estimate._BAR == MARKET_BAR
    assert _data_cut._OI_STEP == MARKET_BAR
    assert _market_date._BAR == MARKET_BAR


def test_the_modules_above_market_use_it() -> None:
    from liqcascade.cascade import _event_markets, _insample
    from liqcascade.live import _watch

    for module in (_event_markets, _insample, _watch):
        assert module._BAR is MARKET_BAR, module.__name__


def test_the_stop_models_bars_take_the_market_bar_at_as_of_whole() -> None:
    """``default_stop_prices`` reads up to the close of the market bar opening at as_of
    (its end is the estimate's bar, the market's, not a literal of its own)."""
    import liqcascade.data as bundled
    from liqcascade.positions import default_stop_prices

    t = pd.Timestamp("2025-06-02 08:00", tz="UTC")
    bars = default_stop_prices("ETH", as_of=t, days=3)
    hourly = bundled.ohlcv("ETH", "1h", start=t - pd.Timedelta(days=1), end=t + MARKET_BAR)
    last_hour = t + MARKET_BAR - pd.Timedelta(hours=1)
    assert bars.index[-1] == t
    assert float(bars["close"].iloc[-1]) == pytest.approx(
        float(hourly.loc[last_hour, "close"]), rel=1e-12
    )
