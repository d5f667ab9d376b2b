"""Invariants of the cascade engine (DESIGN.md semantics, default config)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.book import OrderBook
from liqcascade.cascade import prepare_cascade, simulate_cascade
from liqcascade.positions._book import PositionBook, StopBook

MID = 100.0


@st.composite
def markets(draw: Any) -> tuple[OrderBook, PositionBook, StopBook]:
    nb = draw(st.integers(0, 8))
    dist = sorted(draw(st.lists(st.integers(1, 300), min_size=nb, max_size=nb, unique=True)))
    bp = [MID * (1 - d / 1000) for d in dist]
    bq = draw(st.lists(st.floats(0.05, 3.0), min_size=nb, max_size=nb))
    book = OrderBook(MID, bp, bq, [101.0, 102.0], [1.0, 1.0])
    n = draw(st.integers(0, 10))
    size = draw(st.lists(st.floats(0.05, 2.5), min_size=n, max_size=n))
    liq = draw(st.lists(st.floats(65.0, 102.0), min_size=n, max_size=n))
    gap = draw(st.lists(st.floats(-1.0, 6.0), min_size=n, max_size=n))
    bkr = [li - g for li, g in zip(liq, gap, strict=True)]
    pos = PositionBook(np.ones(n, np.int8), size, [110.0] * n, [5.0] * n, liq, bkr)
    m = draw(st.integers(0, 6))
    trig = draw(st.lists(st.floats(65.0, 100.0), min_size=m, max_size=m))
    ssize = draw(st.lists(st.floats(0.05, 2.0), min_size=m, max_size=m))
    stops = StopBook(-np.ones(m, np.int8), trig, ssize)
    return book, pos, stops


@given(markets(), st.floats(0.0, 0.35), st.floats(0.0, 0.35))
def test_larger_down_shock_never_ends_higher(mk: Any, a: float, b: float) -> None:
    book, pos, stops = mk
    small, large = sorted((a, b))
    pm = prepare_cascade(book, pos, stops)
    r1 = simulate_cascade(pm, shock=-small)
    r2 = simulate_cascade(pm, shock=-large)
    assert r2.final_price <= r1.final_price
    if r1.book_exhausted or r2.book_exhausted:
        return  # see test_larger_usd_sell_never_ends_higher
    # the triggered set only grows: more positions, more notional at the trigger price
    assert r2.n_liquidated >= r1.n_liquidated and r2.n_stops >= r1.n_stops
    trig1 = (pos.size * pos.liq_price)[r1.liquidated_mask].sum()
    trig2 = (pos.size * pos.liq_price)[r2.liquidated_mask].sum()
    assert trig2 >= trig1 - 1e-9
    assert r1.liquidated_mask[~r2.liquidated_mask].sum() == 0
    # every long at or above the final price has been liquidated, none below the last trigger
    if not r2.book_exhausted:
        assert np.all(r2.liquidated_mask == (pos.liq_price >= r2.final_price))


@given(markets(), st.floats(0.0, 600.0), st.floats(0.0, 600.0))
def test_larger_usd_sell_never_ends_higher(mk: Any, a: float, b: float) -> None:
    book, pos, stops = mk
    small, large = sorted((a, b))
    r1 = simulate_cascade(book, pos, stops, shock_sell_usd=small)
    r2 = simulate_cascade(book, pos, stops, shock_sell_usd=large)
    assert r2.final_price <= r1.final_price
    # DESIGN.md stops the cascade when the book runs out, so positions at the lowest bid
    # may stay untriggered: the triggered set is monotone only while the book lasts
    if not (r1.book_exhausted or r2.book_exhausted):
        assert r2.n_liquidated >= r1.n_liquidated


@given(markets(), st.floats(-0.35, 0.0), st.floats(0.0, 50.0))
def test_conservation_of_fills(mk: Any, shock: float, f0: float) -> None:
    book, pos, stops = mk
    r = simulate_cascade(book, pos, stops, shock=shock, insurance_fund=f0)
    p1 = r.shock_price
    price, after = r.book_after()
    before = book.bid_size
    # the cascade consumed what the shock left: levels at or below the shock price
    keep = price <= p1
    consumed_usd = float(((before - after) * price)[keep].sum())
    filled_usd = sum(t["filled_base"] * t["vwap"] for t in r.trace if t["filled_base"] > 0)
    assert np.isclose(filled_usd, consumed_usd, rtol=1e-9, atol=1e-9)
    assert np.isclose(r.liquidated_long_usd + r.stops_sell_usd, filled_usd, rtol=1e-9, atol=1e-9)
    # base: per-order fills add up to the book consumed
    po, so = r.position_outcomes(), r.stop_outcomes()
    filled_base = po["filled_base"].sum() + so["filled_base"].sum()
    assert np.isclose(filled_base, float((before - after)[keep].sum()), rtol=1e-9, atol=1e-9)
    assert np.isclose(po["notional_usd"].sum(), r.liquidated_long_usd, rtol=1e-9, atol=1e-9)


@given(markets(), st.floats(-0.35, 0.0), st.floats(0.0, 50.0))
def test_fund_and_bad_debt_identity(mk: Any, shock: float, f0: float) -> None:
    book, pos, stops = mk
    r = simulate_cascade(book, pos, stops, shock=shock, insurance_fund=f0)
    po = r.position_outcomes()
    pnl = po["notional_usd"].to_numpy() - pos.bankruptcy_price * po["filled_base"].to_numpy()
    gains = pnl[pnl > 0].sum()
    shortfalls = -pnl[pnl < 0].sum()
    lhs = f0 + gains - shortfalls
    rhs = r.insurance_fund_end - r.bad_debt_usd
    assert np.isclose(lhs, rhs, rtol=1e-9, atol=1e-7)
    assert r.insurance_fund_end >= 0 and r.bad_debt_usd >= 0


@given(markets(), st.floats(-0.35, 0.35))
def test_deterministic(mk: Any, shock: float) -> None:
    book, pos, stops = mk
    a = simulate_cascade(book, pos, stops, shock=shock).summary()
    b = simulate_cascade(book, pos, stops, shock=shock).summary()
    assert repr(a) == repr(b)
