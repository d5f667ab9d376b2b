"""The order books built from a depth curve hold the curve they were built from.

:meth:`OrderBook.parametric` lays levels on ``D(δ) = D1 · (δ / 1 %)^β`` (docs/design.md,
docs/liquidity.md): the cumulative notional through every level must be the curve at
that level's distance, on both sides, whatever the mid, ``D1``, ``β``, tick or range.
:meth:`OrderBook.from_book_depth` spreads each band of Binance's cumulative
``bookDepth`` over its levels: the cumulative base size at every band edge must be the
frame's depth there, and every level must lie inside its band. Both books feed every
cascade that runs on a calibrated or recorded book.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.book import OrderBook
from profiles import examples


@settings(max_examples=examples(60), deadline=None)
@given(
    mid=st.floats(1.0, 1e5),
    d1_bid=st.floats(1e3, 1e9),
    ask_ratio=st.floats(0.1, 10.0),
    beta=st.floats(0.2, 2.0),
    n_levels=st.integers(1, 3000),
    max_distance=st.floats(0.002, 0.9),
)
def test_parametric_book_holds_its_depth_curve_at_every_level(
    mid: float, d1_bid: float, ask_ratio: float, beta: float, n_levels: int, max_distance: float
) -> None:
    d1_ask = d1_bid * ask_ratio
    ob = OrderBook.parametric(
        mid, d1_bid, d1_ask, beta=beta, n_levels=n_levels, max_distance=max_distance
    )
    tick = mid * max_distance / n_levels
    k = np.arange(1, n_levels + 1)
    dist = k * tick / mid
    for d1, p, q, sign in ((d1_bid, ob.bid_price, ob.bid_size, -1.0),
                           (d1_ask, ob.ask_price, ob.ask_size, 1.0)):  # fmt: skip
        assert p.size == n_levels and bool(np.all(q > 0))
        assert_same(p, mid * (1.0 + sign * dist), rtol=1e-12)
        # the curve D(δ) = D1 (δ / 0.01)^β, level by level, from the cumulative notional
        assert_same(np.cumsum(p * q), d1 * (dist / 0.01) ** beta, rtol=1e-9, atol=0.0)
    # between two levels the notional within is the curve at the nearer one
    j = n_levels // 2
    half = (j + 0.5) * tick / mid
    want = d1_bid * ((j * tick / mid) / 0.01) ** beta if j else 0.0
    assert math.isclose(ob.notional_within(half, "bid"), want, rel_tol=1e-9, abs_tol=1e-6)


@settings(max_examples=examples(60), deadline=None)
@given(
    mid=st.floats(10.0, 1e5),
    tick_frac=st.floats(1e-5, 1e-2),
    beta=st.floats(0.3, 1.5),
    max_distance=st.floats(0.02, 0.5),
)
def test_a_given_tick_keeps_the_curve_and_the_range(
    mid: float, tick_frac: float, beta: float, max_distance: float
) -> None:
    tick = mid * tick_frac
    n = math.floor(max_distance / tick_frac + 1e-9)
    if n < 1 or n > 20_000:
        return
    ob = OrderBook.parametric(mid, 5e6, beta=beta, tick=tick, max_distance=max_distance)
    assert ob.n_levels == (n, n)
    assert_same(np.diff(ob.ask_price), np.full(n - 1, tick), rtol=1e-9, atol=1e-9 * mid)
    assert ob.ask_price[-1] <= mid * (1 + max_distance) * (1 + 1e-12)
    # the whole side holds the curve at the deepest level
    deepest = n * tick / mid
    total = float((ob.bid_price * ob.bid_size).sum())
    assert math.isclose(total, 5e6 * (deepest / 0.01) ** beta, rel_tol=1e-9)


@st.composite
def book_depth_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, float]:
    """One bookDepth snapshot: some of ±1…5 %, cumulative base depth (some bands empty)."""
    mid = draw(st.floats(50.0, 1e5))
    rows = []
    for sign in (-1, 1):
        pcts = draw(st.lists(st.integers(1, 5), min_size=0, max_size=5, unique=True))
        cum = 0.0
        for p in sorted(pcts):
            cum += draw(st.sampled_from([0.0, 1.0])) * draw(st.floats(0.01, 1e4))
            rows.append({"percentage": sign * p, "depth": cum, "notional": cum * mid})
    frame = pd.DataFrame(rows, columns=["percentage", "depth", "notional"])
    return frame.sample(frac=1.0, random_state=draw(st.integers(0, 99))), mid


@settings(max_examples=examples(80), deadline=None)
@given(case=book_depth_frames(), lpp=st.integers(1, 40))
def test_book_depth_levels_add_up_to_the_cumulative_depth_at_every_band(
    case: tuple[pd.DataFrame, float], lpp: int
) -> None:
    frame, mid = case
    ob = OrderBook.from_book_depth(frame, mid, levels_per_percent=lpp)
    for sign, p, q in ((-1, ob.bid_price, ob.bid_size), (1, ob.ask_price, ob.ask_size)):
        side = frame[np.sign(frame["percentage"]) == sign].sort_values(
            "percentage", key=lambda s: s.abs()
        )
        dist = np.abs(p / mid - 1.0)
        assert bool(np.all(q > 0)) and bool(np.all(np.sign(p - mid) == sign))
        lo = 0.0
        for pct, depth in zip(side["percentage"].abs(), side["depth"], strict=True):
            hi = pct / 100.0
            inside = dist <= hi + 1e-12
            assert math.isclose(float(q[inside].sum()), depth, rel_tol=1e-9, abs_tol=1e-9)
            band = inside & (dist > lo + 1e-12)
            if band.any():  # a band's levels are evenly spaced, the last on its edge
                assert math.isclose(float(dist[band].max()), hi, rel_tol=1e-9)
                assert int(band.sum()) == max(1, round((hi - lo) * 100 * lpp))
            lo = hi
        # nothing beyond the deepest band
        total = float(side["depth"].iloc[-1]) if len(side) else 0.0
        assert math.isclose(float(q.sum()), total, rel_tol=1e-9, abs_tol=1e-9)
