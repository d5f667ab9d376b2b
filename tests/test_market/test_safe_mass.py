"""The identified book's never-liquidated mass in the market (``MarketSpec(safe_mass=True)``).

The safe mass is held as two positions (liquidation price 0 for the long, inf for the
short): with it the book's sizes sum to the open interest the book was walked on, it
places no stops, and no cascade, however deep, liquidates it.
"""

from __future__ import annotations

import numpy as np
import pytest

from floats import assert_same
from liqcascade.cascade import simulate_cascade
from liqcascade.market import MarketSpec, estimated_market
from liqcascade.positions._model import walk

DATE = "2025-06-15"


@pytest.fixture(scope="module")
def pair() -> tuple:
    on = estimated_market(MarketSpec("ETH", DATE, store=False, safe_mass=True))
    off = estimated_market(MarketSpec("ETH", DATE, store=False))
    return on, off


def test_safe_mass_adds_two_never_liquidated_positions_and_no_stops(pair: tuple) -> None:
    on, off = pair
    assert len(on.positions) == len(off.positions) + 2
    safe = on.positions.liq_price == 0.0
    safe |= np.isinf(on.positions.liq_price)
    assert int(safe.sum()) == 2
    assert set(on.positions.side[safe].tolist()) == {1, -1}
    assert len(on.stops) == len(off.stops)
    assert_same(on.stops.size, off.stops.size)


@pytest.mark.parametrize("shock", [-0.6, 3.0])
def test_safe_mass_never_triggers(pair: tuple, shock: float) -> None:
    on, off = pair
    r_on = simulate_cascade(on.book, on.positions, on.stops, shock=shock)
    r_off = simulate_cascade(off.book, off.positions, off.stops, shock=shock)
    safe = (on.positions.liq_price == 0.0) | np.isinf(on.positions.liq_price)
    assert not r_on.liquidated_mask[safe].any()
    # the rest of the book liquidates exactly as without the safe mass
    assert r_on.n_liquidated == r_off.n_liquidated
    assert r_on.final_price == pytest.approx(r_off.final_price, rel=1e-12)


def test_totals_equal_the_open_interest_the_book_holds() -> None:
    spec = MarketSpec("ETH", DATE, store=False, safe_mass=True, with_stops=False,
                      sizing="open_interest", share=0.25)  # fmt: skip
    m = estimated_market(spec)
    from liqcascade.market._inputs import load_market_frames

    fr = load_market_frames("ETH", "4h", False).until(m.as_of)
    run = walk(fr, m.book_fit.params)
    held = (run.open_long_base[-1] + run.open_short_base[-1]) * 0.25
    assert_same(float(m.positions.size.sum()), held, rtol=1e-9)
    # the book held at the last bar is its open interest at the open less that bar's
    # liquidations: within a few per cent of the recorded open interest (base units)
    oi_base = m.open_interest_usd / float(fr.ohlc["close"].iloc[-1]) * 0.25
    assert float(m.positions.size.sum()) == pytest.approx(oi_base, rel=0.05)
