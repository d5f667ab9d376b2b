"""Arbitrage crossing on hand-worked books."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.book import OrderBook
from liqcascade.contagion import Venue, VenueState, cross_venues
from liqcascade.positions import PositionBook


def _pair() -> tuple[VenueState, VenueState]:
    e = np.empty(0)
    pos = PositionBook(np.empty(0, np.int8), e, e, e, e, e)
    ob = OrderBook(
        100.0, [99.9, 99.5, 99.0], [1.0, 2.0, 5.0], [100.1, 100.5, 101.0], [1.0, 1.0, 5.0]
    )
    hi = VenueState(Venue("hi", ob, pos), 1.0)
    lo = VenueState(Venue("lo", ob, pos), 1.0)
    lo.price_x = 98.0  # the cheap venue traded down to 98; its asks re-quote around it
    lo.requote()
    return hi, lo


def test_cross_zero_cost() -> None:
    # lo's asks: 98*1.001 = 98.098 (1), 98*1.005 = 98.49 (1), 98*1.01 = 98.98 (5)
    # sell 99.9x1 / buy 98.098x1; 99.5x1 / 98.49x1; 99.5x1 / 98.98x1; 99.0x4 / 98.98x4; asks gone
    hi, lo = _pair()
    f = cross_venues(hi, lo, 0.0, np.inf)
    assert f is not None
    assert (f.buy_venue, f.sell_venue) == ("lo", "hi")
    assert f.base == pytest.approx(7.0)
    assert f.buy_usd == pytest.approx(98.098 + 98.49 + 5 * 98.98)
    assert f.sell_usd == pytest.approx(99.9 + 2 * 99.5 + 4 * 99.0)
    assert hi.price == pytest.approx(99.0)
    assert lo.price == pytest.approx(98.98)
    assert hi.arb_base == -f.base and lo.arb_base == f.base
    # hi keeps 1 unit at 99.0; lo's opposite side is empty
    assert hi.cascade_level() == (pytest.approx(99.0), pytest.approx(1.0))
    assert lo.opp_level() is None


def test_cross_cost_threshold() -> None:
    # 99.5 > 98.98 * 1.005 = 99.4749 trades; 99.0 > 99.4749 does not
    hi, lo = _pair()
    f = cross_venues(hi, lo, 0.005, np.inf)
    assert f is not None and f.base == pytest.approx(3.0)


def test_cross_budget() -> None:
    # $150: 1 unit at 98.098, then 51.902 / 98.49 = 0.52698 units
    hi, lo = _pair()
    f = cross_venues(hi, lo, 0.0, 150.0)
    assert f is not None
    assert f.base == pytest.approx(1.0 + (150.0 - 98.098) / 98.49)
    assert f.buy_usd == pytest.approx(150.0)


def test_no_gap_no_trade() -> None:
    hi, lo = _pair()
    lo.price_x = 100.0
    lo.requote()
    assert cross_venues(hi, lo, 0.0, np.inf) is None
    assert cross_venues(hi, lo, 0.0, 0.0) is None
