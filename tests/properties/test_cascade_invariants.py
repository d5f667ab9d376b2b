"""Invariants of the cascade engine (docs/design.md semantics after issue 17, default config)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from books import entry_beyond
from floats import assert_same
from liqcascade.book import OrderBook
from liqcascade.cascade import prepare_cascade, simulate_cascade
from liqcascade.positions._book import PositionBook, StopBook
from profiles import examples

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
    # the bankruptcy at or beyond the liquidation (PositionBook's rule); a small gap on
    # these thin bids closes past it (shortfalls)
    gap = draw(st.lists(st.floats(0.0, 6.0), min_size=n, max_size=n))
    bkr = [li - g for li, g in zip(liq, gap, strict=True)]
    pos = PositionBook(np.ones(n, np.int8), size, [110.0] * n, [5.0] * n, liq, bkr)
    m = draw(st.integers(0, 6))
    trig = draw(st.lists(st.floats(65.0, 100.0), min_size=m, max_size=m))
    ssize = draw(st.lists(st.floats(0.05, 2.0), min_size=m, max_size=m))
    stops = StopBook(-np.ones(m, np.int8), trig, ssize)
    return book, pos, stops


#: Smallest distance (fraction of the mid) of an order kept clear of the mid: ``MID·(1 ∓ d)``
#: then differs from ``MID`` in float (a subnormal ``d`` would round back onto it).
CLEAR = 1e-9


@st.composite
def two_sided_markets(draw: Any, *, clear_of_mid: bool = False) -> tuple[Any, ...]:
    """Bids and asks within 30 % of mid; longs and shorts with liquidation prices from
    2 % inside mid to 60 % below (longs) / 300 % above (shorts); stops both ways.

    Bankruptcy prices from 1 USD beyond the liquidation price to 35 USD inside it: high
    leverage that closes at a loss to the fund and low leverage whose margin surplus
    the fund receives. ``F0`` from 0 to 50 USD.

    ``clear_of_mid``: no order triggers at the mid itself; every liquidation price and
    stop trigger lies at least :data:`CLEAR` beyond it on its own side (drawn so, not
    filtered: a filter rejects most examples, as soon as one of up to 16 orders is
    drawn at or inside the mid).
    """
    near = CLEAR if clear_of_mid else -0.02
    sides = []
    for sign in (-1.0, 1.0):
        n = draw(st.integers(0, 8))
        dist = sorted(draw(st.lists(st.integers(1, 300), min_size=n, max_size=n, unique=True)))
        sides.append([MID * (1 + sign * d / 1000) for d in dist])
        sides.append(draw(st.lists(st.floats(0.05, 3.0), min_size=n, max_size=n)))
    book = OrderBook(MID, *sides)
    n = draw(st.integers(0, 10))
    side = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n)), np.int8)
    size = draw(st.lists(st.floats(0.05, 2.5), min_size=n, max_size=n))
    d = np.array(draw(st.lists(st.floats(near, 0.6), min_size=n, max_size=n)))
    liq = np.where(side == 1, MID * (1 - d), MID * (1 + 5 * d))
    gap = np.array(draw(st.lists(st.floats(0.0, 35.0), min_size=n, max_size=n)))  # as above
    bkr = np.where(side == 1, liq - gap, liq + gap)
    pos = PositionBook(side, size, entry_beyond(side, liq, 100.0), [5.0] * n, liq, bkr)
    m = draw(st.integers(0, 6))
    sside = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=m, max_size=m)), np.int8)
    sd = np.array(draw(st.lists(st.floats(max(near, 0.0), 0.6), min_size=m, max_size=m)))
    trig = np.where(sside == -1, MID * (1 - sd), MID * (1 + 5 * sd))
    stops = StopBook(sside, trig, draw(st.lists(st.floats(0.05, 2.0), min_size=m, max_size=m)))
    f0 = draw(st.one_of(st.just(0.0), st.floats(0.0, 50.0)))
    return book, pos, stops, f0


def _shocks(down: bool) -> Any:
    """2-5 distinct shocks of one sign, in the issue's ranges (-0.99, 0) and (0, 5)."""
    rng = st.floats(-0.99, -1e-6) if down else st.floats(1e-6, 5.0)
    return st.lists(rng, min_size=2, max_size=5, unique=True)


def _run_growing(mk: Any, shocks: list[float]) -> list[Any]:
    book, pos, stops, f0 = mk
    pm = prepare_cascade(book, pos, stops)
    return [simulate_cascade(pm, shock=s, insurance_fund=f0) for s in sorted(shocks, key=abs)]


def _closed_base(r: Any) -> float:
    return float(
        r.position_outcomes()["closed_base"].sum() + r.stop_outcomes()["closed_base"].sum()
    )


def _check_closed_set(mk: Any, r: Any) -> None:
    """Closed = every order on the moving side whose trigger the final price reached."""
    _, pos, stops, _ = mk
    down = r.direction == "down"
    p = r.final_price
    want = (
        (pos.side == 1) & (pos.liq_price >= p) if down else (pos.side == -1) & (pos.liq_price <= p)
    )
    assert np.array_equal(r.liquidated_mask, want)
    sw = (
        (stops.side == -1) & (stops.trigger >= p)
        if down
        else (stops.side == 1) & (stops.trigger <= p)
    )
    assert np.array_equal(r.stop_outcomes()["fired"].to_numpy(), sw)


@pytest.mark.parametrize("down", [True, False])
@given(data=st.data())
def test_a_larger_shock_never_moves_back_nor_closes_less_nor_shows_less_bad_debt(
    down: bool, data: Any
) -> None:
    """Issue 17's "Done when": for random books and shocks in (−0.99, 0) and (0, 5), as
    the shock grows the final price never moves back, and the closed set, the closed
    size and the bad debt never shrink (fills by trigger priority, shortfalls drawn on
    the opening fund, gains credited after the cascade: docs/cascade.md)."""
    mk = data.draw(two_sided_markets())
    runs = _run_growing(mk, data.draw(_shocks(down)))
    for r in runs:
        _check_closed_set(mk, r)
    for a, b in itertools.pairwise(runs):
        assert b.final_price <= a.final_price if down else b.final_price >= a.final_price
        assert not (a.liquidated_mask & ~b.liquidated_mask).any()
        fa, fb = a.stop_outcomes()["fired"].to_numpy(), b.stop_outcomes()["fired"].to_numpy()
        assert not (fa & ~fb).any()
        assert b.n_liquidated >= a.n_liquidated and b.n_stops >= a.n_stops
        assert _closed_base(b) >= _closed_base(a) - 1e-9
        assert b.bad_debt_usd >= a.bad_debt_usd - 1e-9 * max(1.0, a.bad_debt_usd)
        assert b.shortfall_usd >= a.shortfall_usd - 1e-9 * max(1.0, a.shortfall_usd)
        # every order's close price moves with the shock (never back)
        for oa, ob in (
            (a.position_outcomes(), b.position_outcomes()),
            (a.stop_outcomes(), b.stop_outcomes()),
        ):
            closed = oa["closed_base"].to_numpy() > 0
            ca, cb = oa["close_price"].to_numpy()[closed], ob["close_price"].to_numpy()[closed]
            tol = 1e-12 * MID
            assert (cb <= ca + tol).all() if down else (cb >= ca - tol).all()


@pytest.mark.parametrize("down", [True, False])
@given(data=st.data())
def test_a_shock_past_the_whole_book_closes_every_triggered_order_at_the_price_reached(
    down: bool, data: Any
) -> None:
    book, pos, stops, f0 = mk = data.draw(two_sided_markets())
    levels = book.bid_price if down else book.ask_price
    edge = ((levels.min() if down else levels.max()) if levels.size else MID) / MID - 1.0
    edge = min(edge, -1e-6) if down else max(edge, 1e-6)
    shock = data.draw(st.floats(-0.99, edge) if down else st.floats(edge, 5.0))
    p1 = MID * (1 + shock)
    assume(levels.size == 0 or (p1 < levels.min() if down else p1 > levels.max()))
    assume(p1 < MID if down else p1 > MID)
    r = simulate_cascade(book, pos, stops, shock=shock, insurance_fund=f0)
    assert r.final_price == pytest.approx(p1, rel=1e-15)
    _check_closed_set(mk, r)
    assert r.rounds == (1 if r.n_liquidated + r.n_stops else 0)
    assert r.book_exhausted == (r.rounds == 1)
    po, so = r.position_outcomes(), r.stop_outcomes()
    for o, closed in ((po, r.liquidated_mask), (so, so["fired"].to_numpy())):
        assert_same(o["close_price"].to_numpy()[closed], np.full(int(closed.sum()), p1))
        assert (o["book_base"] == 0).all()
    closed_base = float(pos.size[r.liquidated_mask].sum() + so["closed_base"].sum())
    assert r.unfilled_base == pytest.approx(closed_base, rel=1e-12)
    # the fund: shortfalls (P1 beyond bankruptcy) draw on F0, surpluses credited after
    sign = 1.0 if down else -1.0
    m = r.liquidated_mask
    pnl = sign * (p1 - pos.bankruptcy_price[m]) * pos.size[m]
    short, gain = float(-pnl[pnl < 0].sum()), float(pnl[pnl > 0].sum())
    assert r.bad_debt_usd == pytest.approx(max(0.0, short - f0), rel=1e-9, abs=1e-9)
    assert r.insurance_fund_end == pytest.approx(max(0.0, f0 - short) + gain, rel=1e-9, abs=1e-9)


@given(two_sided_markets(), st.floats(0.0, 600.0), st.floats(0.0, 600.0))
def test_larger_usd_sell_never_ends_higher(mk: Any, a: float, b: float) -> None:
    book, pos, stops, _ = mk
    small, large = sorted((a, b))
    r1 = simulate_cascade(book, pos, stops, shock_sell_usd=small)
    r2 = simulate_cascade(book, pos, stops, shock_sell_usd=large)
    assert r2.final_price <= r1.final_price
    assert r2.n_liquidated >= r1.n_liquidated and r2.n_stops >= r1.n_stops
    assert not (r1.liquidated_mask & ~r2.liquidated_mask).any()


@given(markets(), st.floats(-0.5, 0.0), st.floats(0.0, 50.0))
def test_conservation_of_fills(mk: Any, shock: float, f0: float) -> None:
    book, pos, stops = mk
    r = simulate_cascade(book, pos, stops, shock=shock, insurance_fund=f0)
    p1 = r.shock_price
    price, after = r.book_after()
    before = book.bid_size
    # the cascade consumed what the shock left: levels at or below the shock price
    keep = price <= p1
    consumed_usd = float(((before - after) * price)[keep].sum())
    filled_usd = sum(t["filled_base"] * t["vwap"] for t in r.trace)
    assert np.isclose(filled_usd, consumed_usd, rtol=1e-9, atol=1e-9)
    # what the book could not absorb closed at the price reached
    closed_usd = r.liquidated_long_usd + r.stops_sell_usd
    backstop = r.unfilled_base * r.final_price
    assert np.isclose(closed_usd, filled_usd + backstop, rtol=1e-9, atol=1e-9)
    assert (r.unfilled_base > 0) <= r.book_exhausted
    # base: per-order book fills add up to the book consumed; every triggered order closes
    po, so = r.position_outcomes(), r.stop_outcomes()
    book_base = po["book_base"].sum() + so["book_base"].sum()
    assert np.isclose(book_base, float((before - after)[keep].sum()), rtol=1e-9, atol=1e-9)
    assert_same(po["closed_base"].to_numpy(), np.where(r.liquidated_mask, pos.size, 0.0))
    closed = po["closed_base"].sum() + so["closed_base"].sum()
    assert np.isclose(closed, book_base + r.unfilled_base, rtol=1e-9, atol=1e-9)
    assert np.isclose(po["notional_usd"].sum(), r.liquidated_long_usd, rtol=1e-9, atol=1e-9)


@given(markets(), st.floats(-0.5, 0.0), st.floats(0.0, 50.0))
def test_fund_and_bad_debt_identity(mk: Any, shock: float, f0: float) -> None:
    book, pos, stops = mk
    r = simulate_cascade(book, pos, stops, shock=shock, insurance_fund=f0)
    po = r.position_outcomes()
    pnl = po["notional_usd"].to_numpy() - pos.bankruptcy_price * po["closed_base"].to_numpy()
    gains = pnl[pnl > 0].sum()
    shortfalls = -pnl[pnl < 0].sum()
    lhs = f0 + gains - shortfalls
    rhs = r.insurance_fund_end - r.bad_debt_usd
    assert np.isclose(lhs, rhs, rtol=1e-9, atol=1e-7)
    assert r.insurance_fund_end >= 0 and r.bad_debt_usd >= 0
    # issue 17: shortfalls draw on F0 only; the gains are credited after the cascade
    assert np.isclose(r.bad_debt_usd, max(0.0, shortfalls - f0), rtol=1e-9, atol=1e-7)
    assert np.isclose(r.insurance_fund_end, max(0.0, f0 - shortfalls) + gains, atol=1e-7)
    assert np.isclose(r.liquidation_surplus_usd, gains, rtol=1e-9, atol=1e-7)


@pytest.mark.parametrize("down", [True, False])
@given(data=st.data())
def test_fills_and_the_fund_add_up_on_either_side(down: bool, data: Any) -> None:
    """The two tests above on two-sided markets, rises too: ``markets()`` holds longs and
    sell stops only and they take falls only, so a short's fills or its bankruptcy
    arithmetic (its loss is ``bankruptcy x base - close notional``) were never checked."""
    book, pos, stops, f0 = data.draw(two_sided_markets())
    shock = data.draw(st.floats(-0.99, -1e-6) if down else st.floats(1e-6, 5.0))
    r = simulate_cascade(book, pos, stops, shock=shock, insurance_fund=f0)
    assert r.direction == ("down" if down else "up")
    p1 = r.shock_price
    price, after = r.book_after()
    before = book.bid_size if down else book.ask_size
    assert_same(price, book.bid_price if down else book.ask_price)
    keep = price <= p1 if down else price >= p1  # what the shock left to the cascade
    consumed_usd = float(((before - after) * price)[keep].sum())
    filled_usd = sum(t["filled_base"] * t["vwap"] for t in r.trace)
    assert np.isclose(filled_usd, consumed_usd, rtol=1e-9, atol=1e-9)
    liq_usd, stop_usd = (
        (r.liquidated_long_usd, r.stops_sell_usd)
        if down
        else (r.liquidated_short_usd, r.stops_buy_usd)
    )
    assert (r.liquidated_short_usd if down else r.liquidated_long_usd) == 0.0
    assert np.isclose(liq_usd + stop_usd, filled_usd + r.unfilled_base * r.final_price,
                      rtol=1e-9, atol=1e-9)  # fmt: skip
    po, so = r.position_outcomes(), r.stop_outcomes()
    book_base = po["book_base"].sum() + so["book_base"].sum()
    assert np.isclose(book_base, float((before - after)[keep].sum()), rtol=1e-9, atol=1e-9)
    closed = po["closed_base"].sum() + so["closed_base"].sum()
    assert np.isclose(closed, book_base + r.unfilled_base, rtol=1e-9, atol=1e-9)
    assert np.isclose(po["notional_usd"].sum(), liq_usd, rtol=1e-9, atol=1e-9)
    # the fund: a long loses when it closes below bankruptcy, a short above it
    notional, base = po["notional_usd"].to_numpy(), po["closed_base"].to_numpy()
    pnl = pos.side * (notional - pos.bankruptcy_price * base)
    gains, shortfalls = float(pnl[pnl > 0].sum()), float(-pnl[pnl < 0].sum())
    scale = max(1.0, f0, gains, shortfalls)
    assert r.bad_debt_usd == pytest.approx(max(0.0, shortfalls - f0), rel=1e-9, abs=1e-9 * scale)
    assert r.insurance_fund_end == pytest.approx(
        max(0.0, f0 - shortfalls) + gains, rel=1e-9, abs=1e-9 * scale
    )
    assert r.liquidation_surplus_usd == pytest.approx(gains, rel=1e-9, abs=1e-9 * scale)


@given(markets(), st.floats(-0.35, 0.35))
def test_deterministic(mk: Any, shock: float) -> None:
    book, pos, stops = mk
    a = simulate_cascade(book, pos, stops, shock=shock).summary()
    b = simulate_cascade(book, pos, stops, shock=shock).summary()
    assert repr(a) == repr(b)


@settings(max_examples=examples(60))
@given(
    two_sided_markets(clear_of_mid=True),
    st.sampled_from(["shock", "shock_sell_usd", "shock_buy_usd", "at_mid"]),
)
def test_a_zero_shock_on_a_market_with_nothing_triggered_changes_nothing(mk: Any, how: str) -> None:
    """api18: shock 0 (each way of giving it) is legal and degenerate: nothing happens.

    Only where no order triggers at the mid itself: a long already at or below its
    liquidation price or a stop at the mid closes at the first round of any shock, a
    zero one included, so the markets keep every trigger clear of the mid.
    """
    book, pos, stops, f0 = mk
    kw = {"shock_price": MID} if how == "at_mid" else {how: 0.0}
    r = simulate_cascade(book, pos, stops, insurance_fund=f0, **kw)  # type: ignore[arg-type]
    assert r.shock_price == MID and r.final_price == MID  # no arithmetic: the mid itself
    assert r.rounds == 0 and r.n_liquidated == 0 and r.n_stops == 0
    assert r.liquidated_usd == 0.0 and r.bad_debt_usd == 0.0
    assert r.insurance_fund_end == f0


@st.composite
def deep_markets(draw: Any) -> tuple[OrderBook, PositionBook]:
    """A deep book at an ETH-like mid (up to 120 levels of odd sizes) and positions up to
    a whale's: the sums over many levels where a difference of totals leaves residue."""
    mid = 3698.39
    n_lvl = draw(st.integers(1, 120))
    step = 1e-4
    bp = [mid * (1 - step * (k + 1)) for k in range(n_lvl)]
    bq = draw(st.lists(st.floats(0.01, 400.0), min_size=n_lvl, max_size=n_lvl))
    book = OrderBook(mid, bp, bq, [mid * (1 + step * (k + 1)) for k in range(n_lvl)], bq[::-1])
    n = draw(st.integers(1, 10))
    side = np.array(draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n)), np.int8)
    size = draw(st.lists(st.floats(0.05, 20000.0), min_size=n, max_size=n))
    d = np.array(draw(st.lists(st.floats(1e-4, 0.02), min_size=n, max_size=n)))
    liq = np.where(side == 1, mid * (1 - d), mid * (1 + d))
    bkr = np.where(side == 1, liq * 0.99, liq * 1.01)
    pos = PositionBook(side, size, entry_beyond(side, liq, mid), [5.0] * n, liq, bkr)
    return book, pos


@given(
    st.one_of(two_sided_markets(), deep_markets()),
    st.sampled_from([True, False]),
    st.one_of(st.floats(1e-6, 0.005), st.floats(1e-6, 0.99)),
)
def test_stop_usd_is_exactly_zero_when_no_stop_fired_and_never_negative(
    mk: Any, down: bool, size: float
) -> None:
    """The USD of stops is a sum of fills, not a total minus a total: no float residue.

    Before session 24 the block kernel took the stops' USD as the round's notional minus
    the positions' (4.5e-08 USD with no stop fired, -2.2e-08 on a larger shock).
    """
    book, pos, stops, f0 = mk if len(mk) == 4 else (*mk, StopBook.empty(), 0.0)
    for stop_book in (stops, StopBook.empty()):
        r = simulate_cascade(book, pos, stop_book, shock=-size if down else size, insurance_fund=f0)
        usd = r.stops_sell_usd + r.stops_buy_usd
        assert r.stops_sell_usd >= 0.0 and r.stops_buy_usd >= 0.0
        if r.n_stops == 0:
            assert usd == 0.0  # exactly: nothing fired, nothing to round
