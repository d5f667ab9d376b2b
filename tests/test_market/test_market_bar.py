"""The market's bar has one length: ``liqcascade.market.MARKET_BAR``.

Modules above ``market`` use it; the few below it, or kept from loading it, hold a
literal of their own, which must stay equal to it.
"""

from __future__ import annotations

import pandas as pd

from liqcascade.market import MARKET_BAR


def test_the_copies_below_market_equal_it() -> None:
    from liqcascade._cli import _data_cut
    from liqcascade.positions import _estimate

    assert MARKET_BAR == pd.Timedelta(hours=4)
    assert _estimate._BAR == MARKET_BAR
    assert _data_cut._OI_STEP == MARKET_BAR


def test_the_modules_above_market_use_it() -> None:
    from liqcascade.cascade import _event_markets, _insample
    from liqcascade.live import _watch

    for module in (_event_markets, _insample, _watch):
        assert module._BAR is MARKET_BAR, module.__name__
