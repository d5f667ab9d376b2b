"""Invariants of the contagion loop's arbitrage crossing and lending state (hypothesis).

Arbitrage (``cross_venues``): every unit trades only while the sell price beats the buy
price by the cost, so ``sell_usd ≥ (1 + cost) · buy_usd``; the buy notional stays within
the budget; a higher cost never moves more base, a larger budget never less; the base
bought on one venue is the base sold on the other; a second crossing right after an
unbudgeted one finds nothing (the gap is closed to the cost).

Lending (``LendingState``): one ``liquidate`` round conserves collateral tokens
(before = after + seized + protocol fee) and debt (before = after + repaid, or the whole
debt repaid-or-written-off when the collateral runs out); healthy accounts are not
touched; the DEX pool keeps ``x · y`` and pays between the post- and pre-trade prices.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.book import OrderBook
from liqcascade.contagion import LendingMarket, Oracle, Venue, VenueState, cross_venues
from liqcascade.contagion._lending import LendingState
from liqcascade.positions import PositionBook
from profiles import examples


def _pair(seed: int, down: bool, gap: float) -> tuple[VenueState, VenueState]:
    rng = np.random.default_rng(seed)
    e = np.empty(0)
    pos = PositionBook(np.empty(0, np.int8), e, e, e, e, e)
    n = int(rng.integers(1, 30))
    tick = rng.uniform(0.02, 0.5)
    bp = 100.0 - tick * np.arange(1, n + 1)
    ap = 100.0 + tick * np.arange(1, n + 1)
    ob = OrderBook(100.0, bp[bp > 1], rng.uniform(0.1, 3, (bp > 1).sum()), ap,
                   rng.uniform(0.1, 3, n))  # fmt: skip
    d = 1.0 if down else -1.0
    hi = VenueState(Venue("hi", ob, pos), d)
    lo = VenueState(Venue("lo", ob, pos), d)
    lo.price_x = hi.price_x - 100.0 * gap  # the cheap venue (in the frame) moved further
    lo.requote()
    return hi, lo


_ARB = {
    "seed": st.integers(0, 2**32 - 1),
    "down": st.booleans(),
    "gap": st.floats(0.0, 0.3),
    "c1": st.floats(0.0, 0.05),
    "c2": st.floats(0.0, 0.05),
    "b1": st.one_of(st.just(math.inf), st.floats(1.0, 2000.0)),
    "b2": st.one_of(st.just(math.inf), st.floats(1.0, 2000.0)),
}


@settings(max_examples=examples(60), deadline=None)
@given(**_ARB)
def test_arbitrage_crossing_invariants(seed, down, gap, c1, c2, b1, b2) -> None:
    lo_c, hi_c = sorted((c1, c2))
    lo_b, hi_b = sorted((b1, b2))

    def run(cost: float, budget: float):
        hi, lo = _pair(seed, down, gap)
        return cross_venues(hi, lo, cost, budget), hi, lo

    f, hi, lo = run(lo_c, lo_b)
    base = 0.0 if f is None else f.base
    if f is not None:
        assert f.base > 0
        assert f.sell_usd >= (1.0 + lo_c) * f.buy_usd * (1 - 1e-12)
        assert f.buy_usd <= lo_b * (1 + 1e-12)
        # base bought on one venue is base sold on the other
        buyer, seller = (lo, hi) if down else (hi, lo)
        assert (f.buy_venue, f.sell_venue) == (buyer.name, seller.name)
        assert_same(buyer.arb_base, f.base) and assert_same(seller.arb_base, -f.base)
    # a higher cost never moves more, a larger budget never less
    f_c = run(hi_c, lo_b)[0]
    assert (0.0 if f_c is None else f_c.base) <= base * (1 + 1e-12) + 1e-12
    f_b = run(lo_c, hi_b)[0]
    assert (0.0 if f_b is None else f_b.base) >= base * (1 - 1e-12) - 1e-12
    # unbudgeted: the gap is closed to the cost, a second crossing finds nothing
    _, hi2, lo2 = run(lo_c, math.inf)
    assert cross_venues(hi2, lo2, lo_c, math.inf) is None


@settings(max_examples=examples(60), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    drop=st.floats(0.0, 0.6),
    fee=st.one_of(st.just(0.0), st.floats(0.0, 0.2)),
)
def test_lending_round_conserves_collateral_and_debt(seed, drop, fee) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    coll = rng.uniform(0.05, 50.0, n)
    ltv = rng.uniform(0.3, 1.1, n)  # debt over threshold-weighted collateral at the start
    lt, price0 = 0.83, 2000.0
    debt = coll * price0 * lt * ltv
    debt[rng.random(n) < 0.1] = 0.0
    m = LendingMarket("aave", coll, debt, lt, float(rng.uniform(1.0, 1.15)), Oracle(("v",), 0.0),
                      collateral_price=price0, protocol_fee=fee)  # fmt: skip
    s = LendingState(m, 1.0)
    s.update_oracle(1.0 - drop, 1)
    p = s.collateral_price
    assert_same(p, price0 * (1.0 - drop))
    hf = m.health_factors(p)
    c0, d0 = s.collateral.copy(), s.debt.copy()
    s_tok, s_usd, rep, bad = s.liquidate()
    dc, dd = c0 - s.collateral, d0 - s.debt
    touched = (dc > 0) | (dd > 0)
    # healthy accounts (HF >= 1) are never touched; counts add up
    assert not (touched & (hf >= 1.0)).any()
    assert s.n_liquidations == int(touched.sum()) == len(s.liquidated_accounts)
    assert (s.collateral >= 0).all() and (s.debt >= 0).all()
    # collateral: what left the accounts is the seized tokens plus the protocol's fee
    assert dc.sum() >= s_tok * (1 - 1e-12) - 1e-12
    if fee == 0.0:
        assert_same(dc.sum(), s_tok, rtol=1e-12, atol=1e-12)
    assert_same(s_usd, s_tok * p, rtol=1e-12, atol=1e-9)
    # debt: repaid plus written off is what left the books
    assert_same(dd.sum(), rep + bad, rtol=1e-12, atol=1e-6)
    assert (s.liquidated_usd, s.repaid_usd, s.bad_debt_usd) == (s_usd, rep, bad)
    # the liquidator never repays more than the bonus-adjusted collateral it seized
    assert rep <= s_usd * (1 + 1e-12) + 1e-9
    # DEX: constant product, paid between the post- and pre-trade prices
    if s_tok > 0:
        k0, p_before = s.dex_x * s.dex_y, s.dex_price
        usd = s.dex_sell(s_tok)
        assert_same(s.dex_x * s.dex_y, k0, rtol=1e-12)
        assert s.dex_price * s_tok * (1 - 1e-12) <= usd <= p_before * s_tok * (1 + 1e-12)
