"""The clock engine: kernel = plain-Python twin; static reduction; monotonicity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.book import OrderBook
from liqcascade.cascade import (
    CascadeConfig,
    cascade_py,
    prepare_cascade,
    prepare_market,
    simulate_cascade,
)
from liqcascade.cascade._clock import LiquidityParams, default_grid, simulate_clock
from liqcascade.cascade._clock_reference import clock_py
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook
from profiles import examples
from properties.test_cascade_invariants import two_sided_markets


def _market(rng: np.random.Generator, n_pos: int = 40, n_stop: int = 20, n_lvl: int = 60):
    mid = 100.0
    tick = rng.uniform(0.05, 0.3)
    bp = mid - tick * np.arange(1, n_lvl + 1)
    bp = bp[bp > 1.0]
    ap = mid + tick * np.arange(1, n_lvl + 1)
    bq = rng.uniform(0.2, 3.0, bp.size)
    aq = rng.uniform(0.2, 3.0, ap.size)
    book = OrderBook(mid, bp, bq, ap, aq)
    side = rng.choice(np.array([1, -1], np.int8), n_pos)
    size = rng.uniform(0.1, 2.0, n_pos)
    entry = rng.uniform(95, 105, n_pos)
    lev = rng.uniform(5, 60, n_pos)
    margin = entry * size / lev
    liq = np.where(side == 1, entry * (1 - 0.9 / lev), entry * (1 + 0.9 / lev))
    bkr = np.where(side == 1, entry * (1 - 1 / lev), entry * (1 + 1 / lev))
    pos = PositionBook(side, size, entry, margin, liq, bkr)
    sside = rng.choice(np.array([1, -1], np.int8), n_stop)
    trig = np.where(sside == -1, rng.uniform(85, 99.5, n_stop), rng.uniform(100.5, 115, n_stop))
    stops = StopBook(sside, trig, rng.uniform(0.1, 1.5, n_stop))
    return book, pos, stops


def _random_params(rng: np.random.Generator) -> LiquidityParams:
    on = rng.random(7) < 0.6
    return LiquidityParams(
        resilience_half_life_s=float(rng.uniform(5, 600)) if on[0] else math.inf,
        latent_depth=float(rng.uniform(0, 3)) if on[1] else 0.0,
        withdrawal_per_speed=float(rng.uniform(0, 50)) if on[2] else 0.0,
        withdrawal_max=float(rng.uniform(0, 0.8)) if on[2] else 0.0,
        arbitrage_half_life_s=float(rng.uniform(5, 300)) if on[3] else math.inf,
        venue_share=float(rng.uniform(0.1, 1.0)),
        mark_price_weight=float(rng.uniform(0, 1)) if on[4] else 1.0,
        liquidation_rate_usd_s=float(rng.uniform(0.5, 20)) if on[5] else math.inf,
        partial_chunk=float(rng.uniform(0.1, 1.0)) if on[6] else 1.0,
        partial_interval_s=float(rng.uniform(5, 60)),
        liquidation_fee=float(rng.uniform(0, 0.02)),
    )


def _twin(pm, params: LiquidityParams, path, dt, down: bool, fund: float):
    b, p, s = pm.book, pm.positions, pm.stops
    if down:
        lv, sz, pside, sside = b.bid_price, b.bid_size, 1, -1
    else:
        lv, sz, pside, sside = b.ask_price, b.ask_size, -1, 1
    pm_ = p.side == pside
    liq = p.liq_price[pm_]
    large = p.size[pm_] * liq > pm.partial_threshold_usd
    sm = s.side == sside
    return clock_py(
        b.mid,
        list(lv),
        list(sz),
        list(liq),
        list(p.size[pm_]),
        list(p.bankruptcy_price[pm_]),
        list(large),
        list(s.trigger[sm]),
        list(s.size[sm]),
        list(path),
        list(dt),
        down=down,
        insurance_fund=fund,
        **{k: v for k, v in params.__dict__.items()},
    )


def _check_accounting(r, f0: float) -> None:
    """Issue 17's rule on the clock: no netting, not even within a step."""
    assert r.shortfall_usd >= 0.0 and r.liquidation_surplus_usd >= 0.0
    assert_same(r.bad_debt_usd, max(0.0, r.shortfall_usd - f0), rtol=1e-12, atol=1e-9)
    fund = max(0.0, f0 - r.shortfall_usd) + r.liquidation_surplus_usd
    assert_same(r.insurance_fund_end, fund, rtol=1e-12, atol=1e-9)


def test_kernel_equals_twin_on_random_cases() -> None:
    rng = np.random.default_rng(18)
    seen = {"exhausted": 0, "down": 0, "up": 0, "queue": 0, "bad": 0}
    for i in range(300):
        book, pos, stops = _market(rng)
        thr = float(rng.uniform(20, 200)) if rng.random() < 0.5 else None
        pm = prepare_cascade(book, pos, stops, partial_threshold_usd=thr)
        params = _random_params(rng)
        down = bool(rng.random() < 0.5)
        shock = float(rng.uniform(0.005, 0.12)) * (-1 if down else 1)
        n = int(rng.integers(2, 40))
        dt = np.concatenate([[0.0], rng.uniform(1, 120, n - 1)])
        path = book.mid * (1 + shock) * np.exp(np.cumsum(np.r_[0, rng.normal(0, 0.004, n - 1)]))
        fund = float(rng.uniform(0, 20))
        r = simulate_clock(
            pm, shock_price=path[0], params=params, index_path=path, dt=dt, insurance_fund=fund
        )
        t = _twin(pm, params, path, dt, down, fund)
        ctx = f"case {i}: {params}"
        assert r.n_liquidated == t["n_liquidated"], ctx
        assert r.n_stops == t["n_stops"], ctx
        assert r.active_steps == t["active_steps"], ctx
        assert r.book_exhausted == t["book_exhausted"], ctx
        assert_same(r.extreme_price, t["extreme_price"], rtol=1e-12)
        assert_same(r.final_price, t["final_price"], rtol=1e-12)
        assert_same(r.trace["price"].to_numpy(), np.array(t["prices"]), rtol=1e-12)
        for key, tk in (
            ("liquidated_usd", "liquidated_usd"),
            ("stops_usd", "stops_usd"),
            ("insurance_fund_end", "insurance_fund_end"),
            ("bad_debt_usd", "bad_debt_usd"),
            ("shortfall_usd", "shortfall_usd"),
            ("liquidation_surplus_usd", "liquidation_surplus_usd"),
            ("unfilled_base", "unfilled_base"),
            ("queue_base", "queue_base"),
        ):
            assert_same(getattr(r, key), t[tk], rtol=1e-9, atol=1e-7)
        _check_accounting(r, fund)
        seen["exhausted"] += r.book_exhausted
        seen["down" if down else "up"] += 1
        seen["queue"] += r.queue_base > 0
        seen["bad"] += r.bad_debt_usd > 0
    assert min(seen.values()) >= 5, seen


@pytest.mark.parametrize("seed", range(3))
def test_reduces_to_static_reference_when_book_lasts(seed: int) -> None:
    """Every mechanism off: each step is one round of docs/design.md's static semantics."""
    rng = np.random.default_rng(100 + seed)
    checked = 0
    for _ in range(150):
        book, pos, stops = _market(rng)
        pm = prepare_cascade(book, pos, stops)
        shock = float(rng.uniform(-0.1, 0.1))
        p1 = book.mid * (1 + shock)
        ref = cascade_py(
            book.mid,
            book.bid_price,
            book.bid_size,
            book.ask_price,
            book.ask_size,
            pos.side,
            pos.size,
            pos.liq_price,
            pos.bankruptcy_price,
            stops.side,
            stops.trigger,
            stops.size,
            shock_price=p1,
            insurance_fund=1.0,
        )
        if ref["book_exhausted"]:
            continue
        r = simulate_clock(pm, shock_price=p1, dt=np.zeros(ref["rounds"] + 3), insurance_fund=1.0)
        assert r.active_steps == ref["rounds"]
        assert r.n_liquidated == ref["n_liquidated"]
        assert r.n_stops == ref["n_stops"]
        assert_same(r.extreme_price, ref["final_price"])
        assert_same(r.final_price, ref["final_price"])
        # the clock fills a step's orders by trigger priority and books every close on
        # its own (issue 17), as the static engine does a round's: the same closes
        liq = ref["liquidated_long_usd"] + ref["liquidated_short_usd"]
        assert_same(r.liquidated_usd, liq, rtol=1e-9)
        assert_same(r.stops_usd, ref["stops_sell_usd"] + ref["stops_buy_usd"], rtol=1e-9)
        for key in ("bad_debt_usd", "insurance_fund_end", "shortfall_usd"):
            assert_same(getattr(r, key), ref[key], rtol=1e-9, atol=1e-9)
        assert_same(r.liquidation_surplus_usd, ref["liquidation_surplus_usd"], rtol=1e-9, atol=1e-9)
        checked += 1
    assert checked >= 50


def test_static_params_equal_the_static_engine_on_the_real_market() -> None:
    from liqcascade.cascade import market_state

    pm = prepare_market(market_state("ETH", "2025-03-01"))
    for shock in (-0.03, -0.05, 0.04):
        s = simulate_cascade(pm, shock=shock, insurance_fund=1e5)
        if s.book_exhausted:
            continue
        c = simulate_clock(pm, shock=shock, dt=np.zeros(s.rounds + 2), insurance_fund=1e5)
        assert_same(c.extreme_price, s.final_price)
        assert_same(c.liquidated_usd, s.liquidated_long_usd + s.liquidated_short_usd, rtol=1e-9)
        assert_same(c.stops_usd, s.stops_sell_usd + s.stops_buy_usd, rtol=1e-9)
        for key in ("bad_debt_usd", "insurance_fund_end", "shortfall_usd"):
            assert_same(getattr(c, key), getattr(s, key), rtol=1e-9, atol=1e-6)


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    a=st.floats(0.002, 0.15),
    b=st.floats(0.002, 0.15),
    resil=st.floats(10, 1000),
    latent=st.floats(0, 3),
    markw=st.floats(0, 1),
)
def test_extreme_move_monotone_in_shock(seed, a, b, resil, latent, markw) -> None:
    """A deeper shock never ends the fall (or rise) less far, whatever the response."""
    rng = np.random.default_rng(seed)
    book, pos, stops = _market(rng)
    pm = prepare_cascade(book, pos, stops)
    p = LiquidityParams(
        resilience_half_life_s=resil,
        latent_depth=latent,
        mark_price_weight=markw,
        arbitrage_half_life_s=60.0,
        venue_share=0.3,
    )
    lo, hi = sorted((a, b))
    for sgn in (-1.0, 1.0):
        r_small = simulate_clock(pm, shock=sgn * lo, params=p)
        r_big = simulate_clock(pm, shock=sgn * hi, params=p)
        if sgn < 0:
            assert r_big.extreme_price <= r_small.extreme_price + 1e-9
        else:
            assert r_big.extreme_price >= r_small.extreme_price - 1e-9


def test_each_mechanism_damps_or_deepens_as_documented() -> None:
    from liqcascade.cascade import market_state

    pm = prepare_market(market_state("ETH", "2025-03-01"))
    base = simulate_clock(pm, shock=-0.04).extreme_price
    damp = {
        "resilience_half_life_s": 60.0,
        "latent_depth": 1.0,
        "liquidation_rate_usd_s": 1e5,
        "mark_price_weight": 0.3,
    }
    for k, v in damp.items():
        r = simulate_clock(pm, shock=-0.04, params=LiquidityParams(**{k: v}))
        assert r.extreme_price >= base - 1e-9, k
    r = simulate_clock(
        pm, shock=-0.04, params=LiquidityParams(withdrawal_per_speed=50.0, withdrawal_max=0.6)
    )
    assert r.extreme_price <= base + 1e-9
    arb = LiquidityParams(arbitrage_half_life_s=30.0, venue_share=0.25)
    assert simulate_clock(pm, shock=-0.04, params=arb).extreme_price >= base - 1e-9


def test_grid_and_params_validate() -> None:
    g = default_grid()
    assert g[0] == 0.0 and abs(g.sum() - 24 * 3600) < 1e-6
    with pytest.raises(InputError, match="latent_depth"):
        LiquidityParams(latent_depth=-1)
    with pytest.raises(InputError, match="withdrawal_max"):
        LiquidityParams(withdrawal_max=1.0)
    d = LiquidityParams(resilience_half_life_s=30.0).to_dict()
    assert d["arbitrage_half_life_s"] is None
    assert LiquidityParams.from_dict(d) == LiquidityParams(resilience_half_life_s=30.0)
    with pytest.raises(InputError, match="unknown"):
        LiquidityParams.from_dict({"nope": 1})


def test_surplus_is_credited_after_the_run_not_before_a_later_shortfall() -> None:
    """Issue 17's rule on the clock: a step's net loss draws on the opening fund only.

    Step 1 closes a long at 99 with a surplus of 9 (bankruptcy 90); step 2 closes one
    (liquidation 99, bankruptcy 98) at 86, across a gap in the bids, with a shortfall
    of 12. With a 5 USD fund the shortfall leaves 7 of bad debt; the surplus is credited
    after the run (fund 9), as in the static engine. (Crediting it first would have
    hidden the bad debt: fund 2, bad debt 0.)
    """
    book = OrderBook(100.0, [99.0, 86.0, 80.0], [1.0, 1.0, 10.0], [101.0], [1.0])
    side = np.array([1, 1], np.int8)
    pos = PositionBook(side, [1.0, 1.0], [100.0, 100.0], [10.0, 2.0], [99.5, 99.0], [90.0, 98.0])
    pm = prepare_cascade(book, pos, StopBook.empty())
    r = simulate_clock(pm, shock_price=99.5, dt=np.zeros(5), insurance_fund=5.0)
    assert r.active_steps == 2
    assert r.n_liquidated == 2
    assert_same(r.bad_debt_usd, 7.0)
    assert_same(r.insurance_fund_end, 9.0)
    s = simulate_cascade(pm, shock_price=99.5, insurance_fund=5.0)
    assert_same(s.bad_debt_usd, r.bad_debt_usd)
    assert_same(s.insurance_fund_end, r.insurance_fund_end)


def test_a_step_books_its_surplus_and_its_shortfall_apart() -> None:
    """One step closes a shortfall and a surplus: no netting, fills by trigger priority.

    Shock to 99.5 triggers both longs in step 0. B (liquidation 99.7, bankruptcy 99.5)
    comes first and fills at 99: shortfall 0.5; A (99.6, bankruptcy 90) fills at 98:
    surplus 8. With a 0.2 USD fund: bad debt 0.3, fund 0 + 8 = 8. (Before: the step's
    two closes pooled at 98.5 and netted, -1 + 8.5 = 7.5 >= 0: bad debt 0, fund 7.7.)
    """
    book = OrderBook(100.0, [99.0, 98.0, 90.0], [1.0, 1.0, 10.0], [101.0], [1.0])
    side = np.array([1, 1], np.int8)
    pos = PositionBook(side, [1.0, 1.0], [100.0, 100.0], [10.0, 0.5], [99.6, 99.7], [90.0, 99.5])
    pm = prepare_cascade(book, pos, StopBook.empty())
    r = simulate_clock(pm, shock_price=99.5, dt=np.zeros(4), insurance_fund=0.2)
    assert r.active_steps == 1 and r.n_liquidated == 2
    assert_same(r.liquidated_usd, 99.0 + 98.0)
    assert_same(r.shortfall_usd, 0.5)
    assert_same(r.liquidation_surplus_usd, 8.0)
    assert_same(r.bad_debt_usd, 0.3)
    assert_same(r.insurance_fund_end, 8.0)
    s = simulate_cascade(pm, shock_price=99.5, insurance_fund=0.2)
    assert_same(s.bad_debt_usd, r.bad_debt_usd)
    assert_same(s.insurance_fund_end, r.insurance_fund_end)
    # the twin books the same closes
    t = clock_py(100.0, [99.0, 98.0, 90.0], [1.0, 1.0, 10.0], [99.6, 99.7], [1.0, 1.0],
                 [90.0, 99.5], [False, False], [], [], [99.5] * 4, [0.0] * 4,
                 insurance_fund=0.2)  # fmt: skip
    assert_same(t["bad_debt_usd"], 0.3)
    assert_same(t["insurance_fund_end"], 8.0)


def test_a_queued_piece_is_its_own_close() -> None:
    """The venue's rate splits a position into pieces; each piece is booked alone.

    One long of 2 (liquidation 99.8, bankruptcy 98.6), rate 99 USD/s over 1-s steps:
    about one unit a step. The first piece fills at 99 (surplus 0.4), the second at 98
    (shortfall 0.6): bad debt 0.6 with no fund, although the position's net is -0.2.
    """
    book = OrderBook(100.0, [99.0, 98.0, 97.0], [1.0, 1.0, 5.0], [101.0], [1.0])
    pos = PositionBook(np.array([1], np.int8), [2.0], [100.0], [2.8], [99.8], [98.6])
    pm = prepare_cascade(book, pos, StopBook.empty())
    p = LiquidityParams.static().with_(liquidation_rate_usd_s=99.5)
    r = simulate_clock(pm, shock_price=99.5, params=p, dt=np.r_[1.0, np.ones(5)])
    assert r.active_steps == 2 and r.queue_base == 0.0
    assert_same(r.shortfall_usd, 0.6, rtol=1e-9)
    assert_same(r.liquidation_surplus_usd, 0.4, rtol=1e-9)
    assert_same(r.bad_debt_usd, 0.6, rtol=1e-9)


@settings(max_examples=examples(60), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), fund=st.floats(0.0, 30.0))
def test_bad_debt_is_the_shortfalls_beyond_the_opening_fund(seed: int, fund: float) -> None:
    """Random markets and responses (every mechanism): ``bad = max(0, Σ shortfall − F0)``,
    ``fund_end = max(0, F0 − Σ shortfall) + Σ surplus``, and the twin's sums of its
    position-by-position closes are the kernel's."""
    rng = np.random.default_rng(seed)
    book, pos, stops = _market(rng, n_pos=25, n_stop=10)
    thr = float(rng.uniform(20, 200)) if rng.random() < 0.5 else None
    pm = prepare_cascade(book, pos, stops, partial_threshold_usd=thr)
    params = _random_params(rng)
    down = bool(rng.random() < 0.5)
    shock = float(rng.uniform(0.005, 0.2)) * (-1 if down else 1)
    n = int(rng.integers(2, 30))
    dt = np.concatenate([[0.0], rng.uniform(1, 120, n - 1)])
    path = book.mid * (1 + shock) * np.exp(np.cumsum(np.r_[0, rng.normal(0, 0.004, n - 1)]))
    r = simulate_clock(
        pm, shock_price=path[0], params=params, index_path=path, dt=dt, insurance_fund=fund
    )
    _check_accounting(r, fund)
    t = _twin(pm, params, path, dt, down, fund)
    assert_same(r.shortfall_usd, t["shortfall_usd"], rtol=1e-9, atol=1e-7)
    assert_same(r.liquidation_surplus_usd, t["liquidation_surplus_usd"], rtol=1e-9, atol=1e-7)


@st.composite
def _surplus_markets(draw):
    """The static engine's property markets (``two_sided_markets``: longs and shorts
    bankrupt from 1 USD beyond liquidation to 35 USD inside it, stops both ways, ``F0``
    0 to 50 USD), with a fee of 0 to 2 %."""
    book, pos, stops, f0 = draw(two_sided_markets())
    fee = draw(st.one_of(st.just(0.0), st.floats(0.0, 0.02)))
    return book, pos, stops, f0, fee


@pytest.mark.parametrize("down", [True, False])
@settings(max_examples=examples(80), deadline=None)
@given(data=st.data())
def test_bad_debt_never_shrinks_as_the_shock_grows_with_every_mechanism_off(down, data) -> None:
    """Every mechanism off (a fee allowed): each step is a static round, so the clock's
    bad debt is the static engine's and never shrinks as the shock grows (shocks in
    (−0.99, 0) and (0, 5), as issue 17's property)."""
    book, pos, stops, f0, fee = data.draw(_surplus_markets())
    rng = st.floats(-0.99, -1e-6) if down else st.floats(1e-6, 5.0)
    shocks = sorted(data.draw(st.lists(rng, min_size=2, max_size=4, unique=True)), key=abs)
    pm = prepare_cascade(book, pos, stops)
    p = LiquidityParams.static().with_(liquidation_fee=fee)
    dt = np.zeros(len(pos) + len(stops) + 3)  # more steps than the rounds can take
    prev = None
    for s in shocks:
        r = simulate_clock(pm, shock=s, params=p, dt=dt, insurance_fund=f0)
        _check_accounting(r, f0)
        ref = simulate_cascade(
            pm, shock=s, insurance_fund=f0, config=CascadeConfig(liquidation_fee=fee)
        )
        assert_same(r.bad_debt_usd, ref.bad_debt_usd, rtol=1e-9, atol=1e-9)
        assert_same(r.shortfall_usd, ref.shortfall_usd, rtol=1e-9, atol=1e-9)
        if prev is not None:
            assert r.bad_debt_usd >= prev.bad_debt_usd - 1e-9 * max(1.0, prev.bad_debt_usd)
            assert r.shortfall_usd >= prev.shortfall_usd - 1e-9 * max(1.0, prev.shortfall_usd)
        prev = r


def test_kernel_equals_twin_over_many_blocks() -> None:
    """Markets of several 64-position blocks: the kernel's block shortcuts (all surplus,
    all shortfall by prefix sums) give the twin's position-by-position closes."""
    rng = np.random.default_rng(77)
    for _ in range(30):
        book, pos, stops = _market(rng, n_pos=260, n_stop=60, n_lvl=150)
        thr = float(rng.uniform(20, 200)) if rng.random() < 0.3 else None
        pm = prepare_cascade(book, pos, stops, partial_threshold_usd=thr)
        params = _random_params(rng)
        down = bool(rng.random() < 0.5)
        shock = float(rng.uniform(0.005, 0.3)) * (-1 if down else 1)
        n = int(rng.integers(2, 25))
        dt = np.concatenate([[0.0], rng.uniform(1, 120, n - 1)])
        path = book.mid * (1 + shock) * np.exp(np.cumsum(np.r_[0, rng.normal(0, 0.004, n - 1)]))
        fund = float(rng.uniform(0, 50))
        r = simulate_clock(
            pm, shock_price=path[0], params=params, index_path=path, dt=dt, insurance_fund=fund
        )
        t = _twin(pm, params, path, dt, down, fund)
        for key in ("liquidated_usd", "stops_usd", "bad_debt_usd", "shortfall_usd",
                    "liquidation_surplus_usd", "insurance_fund_end"):  # fmt: skip
            assert_same(getattr(r, key), t[key], rtol=1e-9, atol=1e-7)
        _check_accounting(r, fund)


def test_kernel_equals_twin_over_superblocks() -> None:
    """Markets of several 4096-position superblocks on a deep book, so that a step's
    pieces often close at one price: the kernel's range splits (superblocks and blocks
    by their sorted bankruptcies, the rest one by one) give the twin's closes."""
    rng = np.random.default_rng(4096)
    seen_bad = 0
    for i in range(6):
        book, pos, stops = _market(rng, n_pos=24000, n_stop=3000, n_lvl=80)
        deep = float(rng.uniform(30, 300))
        book = OrderBook(
            book.mid, book.bid_price, book.bid_size * deep, book.ask_price, book.ask_size * deep
        )
        thr = float(rng.uniform(20, 200)) if i % 3 == 2 else None
        pm = prepare_cascade(book, pos, stops, partial_threshold_usd=thr)
        params = _random_params(rng)
        params = LiquidityParams(  # a finite rate: the queue is released over several steps
            **{**params.__dict__, "liquidation_rate_usd_s": float(rng.uniform(50, 2000))}
        )
        down = bool(i % 2 == 0)
        shock = float(rng.uniform(0.06, 0.15)) * (-1 if down else 1)
        n = int(rng.integers(5, 25))
        dt = np.concatenate([[0.0], rng.uniform(5, 60, n - 1)])
        path = book.mid * (1 + shock) * np.exp(np.cumsum(np.r_[0, rng.normal(0, 0.002, n - 1)]))
        fund = float(rng.uniform(0, 50))
        r = simulate_clock(
            pm, shock_price=path[0], params=params, index_path=path, dt=dt, insurance_fund=fund
        )
        t = _twin(pm, params, path, dt, down, fund)
        assert r.n_liquidated == t["n_liquidated"] > 4096
        for key in ("liquidated_usd", "stops_usd", "bad_debt_usd", "shortfall_usd",
                    "liquidation_surplus_usd", "insurance_fund_end", "queue_base"):  # fmt: skip
            assert_same(getattr(r, key), t[key], rtol=1e-9, atol=1e-7)
        _check_accounting(r, fund)
        seen_bad += r.bad_debt_usd > 0
    assert seen_bad >= 2
