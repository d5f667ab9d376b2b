"""``PreparedSide.crossed_usd``: the one count of the positions an extreme crosses.

Until session 25 it was counted twice: ``cascade/_no_impact.crossed_usd`` sorted a
``PositionBook`` per call (the stress shocks without the cascade, with the rule at the
mid), and the event back-test added up its other side from the prepared market's sorted
side (``_backtest._other_side_notional`` and ``searchsorted``, every position counted).
Both are kept here, as they were, as the reference the one function is held to on many
random books: ties at the mid and at the extremes, positions already past their
liquidation price at the mid, never-liquidated longs, both sides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from books import entry_beyond
from floats import assert_same
from liqcascade.book import OrderBook
from liqcascade.cascade import PreparedMarket, prepare_cascade
from liqcascade.positions import PositionBook
from profiles import examples

MID = 100.0
#: Prices drawn on a grid, so that liquidation prices, the mid and the extremes tie.
GRID = st.sampled_from([0.0, 60.0, 90.0, 95.0, 99.5, 100.0, 100.5, 101.0, 105.0, 140.0])
PRICES = st.one_of(GRID, st.floats(50.0, 150.0))


def _no_impact_then(positions: PositionBook, mid: float, extremes: Any, d: float) -> Any:
    """``cascade/_no_impact.crossed_usd`` as it was (session 24)."""
    lp = positions.liq_price
    on = (positions.side == int(d)) & (positions.side * (lp - mid) < 0)
    key = d * lp[on]
    order = np.argsort(key)
    ks = key[order]
    usd = (positions.size * lp)[on][order]
    tail = np.concatenate((np.cumsum(usd[::-1])[::-1], [0.0]))
    return tail[np.searchsorted(ks, d * np.asarray(extremes, dtype=np.float64), side="left")]


def _backtest_then(prepared: PreparedMarket, d: float, back: Any) -> Any:
    """The event back-test's other side as it was (``_other_side_notional``, session 24)."""
    s = prepared.side(-d)
    liq = -s.dirsign * s.pos_key
    cum = np.concatenate([[0.0], np.cumsum(s.pos_size * liq)])
    if d > 0:
        k = np.searchsorted(liq, back, side="right")
    else:
        k = np.searchsorted(-liq, -back, side="right")
    return cum[k]


@st.composite
def books(draw: Any) -> tuple[PreparedMarket, np.ndarray]:
    n = draw(st.integers(0, 25))
    side = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n)), np.int8)
    size = draw(st.lists(st.floats(0.01, 50.0), min_size=n, max_size=n))
    liq = np.array(draw(st.lists(PRICES, min_size=n, max_size=n)), dtype=np.float64)
    liq = np.where((side == -1) & (liq == 0.0), np.inf, liq)  # a short never liquidated
    entry = entry_beyond(side, liq, MID)
    pos = PositionBook(side, size, entry, [5.0] * n, liq, liq)
    ob = OrderBook(MID, [99.0, 98.0], [1.0, 1.0], [101.0, 102.0], [1.0, 1.0])
    m = draw(st.integers(1, 12))
    ext = np.array(draw(st.lists(PRICES, min_size=m, max_size=m)), dtype=np.float64)
    return prepare_cascade(ob, pos), ext


@settings(max_examples=examples(150), deadline=None)
@given(books(), st.sampled_from([1.0, -1.0]))
def test_with_the_mid_rule_it_is_the_no_impact_count(case: Any, d: float) -> None:
    pm, ext = case
    got = pm.side(d).crossed_usd(ext, mid=MID)
    assert_same(got, _no_impact_then(pm.positions, MID, ext, d), rtol=1e-12, atol=1e-9)


@settings(max_examples=examples(150), deadline=None)
@given(books(), st.sampled_from([1.0, -1.0]))
def test_without_it_it_is_the_backtests_other_side(case: Any, d: float) -> None:
    pm, back = case
    got = pm.side(-d).crossed_usd(back)
    assert_same(got, _backtest_then(pm, d, back), rtol=1e-12, atol=1e-9)


def test_by_hand() -> None:
    """Longs 95 / 90 / 101 and shorts 105 / 99 at a mid of 100 (101 and 99: already past)."""
    side = np.array([1, 1, 1, -1, -1], np.int8)
    liq = np.array([95.0, 90.0, 101.0, 105.0, 99.0])
    pos = PositionBook(side, [1.0, 2.0, 3.0, 1.0, 5.0], entry_beyond(side, liq, MID), [5.0] * 5,
                       liq, liq)  # fmt: skip
    pm = prepare_cascade(OrderBook(MID, [99.0], [1.0], [101.0], [1.0]), pos)
    falls = np.array([100.0, 95.0, 94.0, 90.0, 50.0])
    assert_same(pm.side(1.0).crossed_usd(falls, mid=MID), [0.0, 95.0, 95.0, 275.0, 275.0])
    # without the rule the long past the mid (101 × 3) is counted at any fall
    assert_same(pm.side(1.0).crossed_usd(falls), [303.0, 398.0, 398.0, 578.0, 578.0])
    rises = np.array([104.9, 105.0, 200.0])
    assert_same(pm.side(-1.0).crossed_usd(rises, mid=MID), [0.0, 105.0, 105.0])
    assert_same(pm.side(-1.0).crossed_usd(rises), [495.0, 600.0, 600.0])
