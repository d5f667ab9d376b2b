"""The contagion loop on the calibrated response's clock (``liquidity=LiquidityParams``).

* against the plain-Python loop on the clock (``contagion_clock_py``) on random worlds
  with random mechanisms: resilience, latent depth, withdrawal, the mark anchored to
  the median index, a finite liquidation rate (the queue), the fee;
* with resilience, withdrawal and the rate off, mark weight 1 and the venues' own fee,
  the clocked loop is the static loop on the latent books (today's latent-only run);
* golden figures of a hand-sized world; the outputs the clock adds.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from floats import assert_same
from liqcascade.book import OrderBook
from liqcascade.cascade._clock import FINE_STEP_S, LiquidityParams
from liqcascade.contagion import Link, Venue, lowest_prices, simulate_contagion
from liqcascade.contagion._clock_venue import latent_book
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from reference.contagion_reference import contagion_clock_py
from test_contagion.test_reference import _scope, _venue_spec, _world

#: The mechanisms the plain-Python loop takes.
KEYS = ("latent_depth", "visible_distance", "resilience_half_life_s", "withdrawal_per_speed",
        "withdrawal_max", "mark_price_weight", "liquidation_rate_usd_s",
        "liquidation_fee")  # fmt: skip


def _params(seed: int) -> LiquidityParams:
    rng = np.random.default_rng(7000 + seed)
    on = rng.random(5) < 0.7
    return LiquidityParams(
        latent_depth=float(rng.choice([0.0, 2.0, 8.0])),
        visible_distance=float(rng.choice([0.005, 0.01])),
        resilience_half_life_s=float(rng.uniform(10, 300)) if on[0] else math.inf,
        withdrawal_per_speed=float(rng.uniform(0, 50)) if on[1] else 0.0,
        withdrawal_max=float(rng.uniform(0, 0.8)) if on[1] else 0.0,
        mark_price_weight=float(rng.uniform(0, 1)) if on[2] else 1.0,
        liquidation_rate_usd_s=float(rng.uniform(1e3, 1e6)) if on[3] else math.inf,
        liquidation_fee=float(rng.uniform(0, 0.01)) if on[4] else 0.0,
    )


@pytest.mark.parametrize("chunk", range(4))
def test_clocked_loop_equals_plain_python_on_random_worlds(chunk: int) -> None:
    for seed in range(50 * chunk, 50 * (chunk + 1)):
        vs, links, spec, market, shock_kw, shock, fund = _world(seed)
        p, scope = _params(seed), _scope(seed, shock)
        got = simulate_contagion(vs, [Link(*ln) for ln in links], [market], shock_venue="a",
                                 liquidity=p, scope=scope, **shock_kw)  # fmt: skip
        ref = contagion_clock_py([_venue_spec(v, fund) for v in vs], links, [spec], "a", shock,
                                 {k: getattr(p, k) for k in KEYS}, scope=scope)  # fmt: skip
        where = f"world {seed} ({scope})"
        assert got.rounds == ref["rounds"], where
        assert got.rounds_to_spread == ref["rounds_to_spread"], where
        for v in vs:
            out, want = got.venues[v.name], ref["venues"][v.name]
            for key in ("rounds", "n_liquidated", "n_stops"):
                assert getattr(out, key) == want[key], (where, v.name, key)
            for key in ("final_price", "liquidated_usd", "stops_usd", "insurance_fund_end",
                        "bad_debt_usd", "arb_net_base", "queue_left_base"):  # fmt: skip
                assert_same(getattr(out, key), want[key], rtol=1e-7, atol=1e-5)
            low = lowest_prices(got)[v.name]  # the start, each step and each round's end
            assert_same(low, want["extreme_price"], rtol=1e-7, atol=1e-5)
        d, w = got.defi["m"], ref["defi"][0]
        for key in ("n_liquidations", "n_reverted"):
            assert d[key] == w[key], (where, key)
        for key in ("liquidated_usd", "debt_repaid_usd", "bad_debt_usd"):
            assert_same(d[key], w[key], rtol=1e-7, atol=1e-5)
        fl = got.flows_frame()
        assert len(fl) == len(ref["flows"]), where
        if len(fl):
            assert_same(fl["base"].to_numpy(), [f["base"] for f in ref["flows"]], rtol=1e-7,
                        atol=1e-6)  # fmt: skip


def test_the_random_worlds_exercise_every_mechanism() -> None:
    """The twin comparison above is not vacuous: queues, withdrawal and refills happen."""
    queued = withdrawn = refilled = 0
    for seed in range(60):
        vs, links, _spec, market, shock_kw, _shock, _fund = _world(seed)
        p = _params(seed)
        r = simulate_contagion(vs, [Link(*ln) for ln in links], [market], shock_venue="a",
                               liquidity=p, **shock_kw)  # fmt: skip
        df = r.to_frame()
        queued += int((df["queue_base"] > 0).any())
        withdrawn += int((df["withdrawn"] > 0).any())
        refilled += int(math.isfinite(p.resilience_half_life_s) and r.rounds > 2)
    assert queued >= 10 and withdrawn >= 10 and refilled >= 10


@pytest.mark.parametrize("chunk", range(3))
def test_mechanisms_off_equal_the_latent_only_static_loop(chunk: int) -> None:
    for seed in range(40 * chunk, 40 * (chunk + 1)):
        vs, links, _spec, market, shock_kw, _shock, _fund = _world(seed)
        rng = np.random.default_rng(seed)
        lam = float(rng.choice([0.0, 2.0, 8.0, 32.0]))
        vis = float(rng.choice([0.005, 0.01, 0.02]))
        latent = [dataclasses.replace(v, book=latent_book(v.book, lam, vis)) for v in vs]
        lk = [Link(*ln) for ln in links]
        want = simulate_contagion(latent, lk, [market], shock_venue="a", **shock_kw)
        p = LiquidityParams(latent_depth=lam, visible_distance=vis)  # every clock mechanism off
        got = simulate_contagion(vs, lk, [market], shock_venue="a", liquidity=p, **shock_kw)
        where = f"world {seed}"
        assert (got.rounds, got.rounds_to_spread) == (want.rounds, want.rounds_to_spread), where
        for n, w in want.venues.items():
            o = got.venues[n]
            for key in ("n_liquidated", "n_stops", "rounds", "book_exhausted"):
                assert getattr(o, key) == getattr(w, key), (where, n, key)
            for key in ("final_price", "liquidated_usd", "stops_usd", "insurance_fund_end",
                        "bad_debt_usd", "arb_net_base", "unfilled_base"):  # fmt: skip
                assert_same(getattr(o, key), getattr(w, key), rtol=1e-9, atol=1e-6)
            assert o.queue_left_base == 0.0
        assert_same(got.defi_liquidated_usd, want.defi_liquidated_usd, rtol=1e-9, atol=1e-6)


def _hand_world() -> list[Venue]:
    """Two venues, ten 1-unit bid levels 1 USD apart below 100, three longs each."""
    bids = [[99.0 - k, 1.0] for k in range(10)]
    asks = [[101.0 + k, 1.0] for k in range(10)]
    out = []
    for name in ("a", "b"):
        ob = OrderBook.from_levels(100.0, bids, asks)
        liq = np.array([97.5, 95.5, 93.5])
        pos = PositionBook(np.ones(3, np.int8), np.ones(3), np.full(3, 100.0), np.full(3, 5.0),
                           liq, liq - 1.0)  # fmt: skip
        out.append(Venue(name, ob, pos))
    return out


def test_golden_hand_world_with_a_finite_rate() -> None:
    """A price shock to 97 on venue a, no link, a rate of 10 USD/s.

    Round 1 (t = 0): the mark (weight 1) is at 97, the long at 97.5 joins the queue;
    the shock's instant releases nothing (0 s at a finite rate). Round 2 (t = 30 s):
    up to 10 · 30 / 97 = 3.1 base may leave: the whole unit does and fills on the
    level at 97 (the shock consumed the levels 99 and 98, strictly above 97).
    """
    vs = _hand_world()
    p = LiquidityParams(liquidation_rate_usd_s=10.0)
    r = simulate_contagion(vs, shock_venue="a", shock_price=97.0, liquidity=p)
    df = r.to_frame()
    a = df[df.venue == "a"].reset_index(drop=True)
    assert a["t_s"].tolist()[:2] == [0.0, FINE_STEP_S]
    assert a.loc[0, "queue_base"] == 1.0 and a.loc[0, "liquidated_usd"] == 0.0
    assert a.loc[1, "queue_base"] == 0.0
    assert a.loc[1, "liquidated_usd"] == pytest.approx(97.0, rel=1e-12)
    assert r.venues["a"].final_price == 97.0  # the level at 97 held the unit
    assert r.venues["a"].n_liquidated == 1 and r.venues["a"].queue_peak_usd == 97.0
    assert r.venues["b"].liquidated_usd == 0.0
    # the static books liquidate the same long at once (round 1)
    s = simulate_contagion(vs, shock_venue="a", shock_price=97.0)
    assert s.venues["a"].liquidated_usd == pytest.approx(97.0, rel=1e-12)
    assert s.to_frame().loc[0, "liquidated_usd"] == pytest.approx(97.0, rel=1e-12)


def test_golden_mark_anchored_to_the_median_index() -> None:
    """Three venues, a shock to 97 on a: the index is the median price, 100.

    With mark weight 0.2 venue a's mark is 0.2 · 97 + 0.8 · 100 = 99.4: its long at
    97.5 is not triggered in round 1 (weight 1 triggers it).
    """
    vs = _hand_world()
    vs.append(dataclasses.replace(vs[1], name="c"))
    p = LiquidityParams(mark_price_weight=0.2)
    r = simulate_contagion(vs, shock_venue="a", shock_price=97.0, liquidity=p)
    assert r.to_frame().loc[0, "index_price"] == 100.0
    assert r.venues["a"].n_liquidated == 0
    one = simulate_contagion(vs, shock_venue="a", shock_price=97.0, liquidity=LiquidityParams())
    assert one.venues["a"].n_liquidated == 1


def test_resilience_refills_the_displacement() -> None:
    """A fall beyond the shock by forced orders comes back with the half-life."""
    vs = _hand_world()[:1]
    keep = simulate_contagion(vs, shock_venue="a", shock_price=97.0, liquidity=LiquidityParams())
    back = simulate_contagion(vs, shock_venue="a", shock_price=97.0,
                              liquidity=LiquidityParams(resilience_half_life_s=1.0))  # fmt: skip
    # the long filled at the level 97 (the price reached): no displacement beyond the
    # level; after 30 half-lives the book is back at the shock's resting point, 97
    assert keep.venues["a"].final_price == 97.0
    assert back.venues["a"].final_price == 97.0
    heavy = dataclasses.replace(vs[0], positions=PositionBook(
        np.ones(1, np.int8), np.array([3.0]), np.array([100.0]), np.array([5.0]),
        np.array([97.5]), np.array([90.0])))  # fmt: skip
    keep = simulate_contagion([heavy], shock_venue="a", shock_price=97.0,
                              liquidity=LiquidityParams())  # fmt: skip
    back = simulate_contagion([heavy], shock_venue="a", shock_price=97.0,
                              liquidity=LiquidityParams(resilience_half_life_s=1.0))  # fmt: skip
    assert keep.venues["a"].final_price == 95.0  # 3 units: the levels 97, 96, 95
    assert back.venues["a"].final_price == 97.0  # refilled to the resting point
    assert back.venues["a"].liquidated_usd == keep.venues["a"].liquidated_usd


def test_outputs_of_the_clock() -> None:
    vs, links, _spec, market, shock_kw, _shock, _fund = _world(5)
    p = _params(5)
    r = simulate_contagion(vs, [Link(*ln) for ln in links], [market], shock_venue="a",
                           liquidity=p, **shock_kw)  # fmt: skip
    s = r.summary()
    assert s["clock"]["round_s"] == FINE_STEP_S
    assert s["clock"]["elapsed_s"] == (r.rounds - 1) * FINE_STEP_S
    assert s["clock"]["mechanisms"]["mark_price_weight"] == p.mark_price_weight
    assert {"queue_left_base", "queue_peak_usd"} <= set(s["venues"]["a"])
    df = r.to_frame()
    assert {"t_s", "index_price", "queue_base", "withdrawn"} <= set(df.columns)
    st = simulate_contagion(vs, [Link(*ln) for ln in links], [market], shock_venue="a",
                            **shock_kw)  # fmt: skip
    assert "clock" not in st.summary() and "queue_left_base" not in st.summary()["venues"]["a"]
    assert "t_s" not in st.to_frame().columns
    # the label says what ran (it said "static" on the clock: the library trial of session 23)
    assert s["liquidity"] == r.liquidity == "calibrated"
    assert st.summary()["liquidity"] == "static"
    with pytest.raises(InputError, match="round_s"):
        simulate_contagion(vs, shock_venue="a", liquidity=p, round_s=0.0, **shock_kw)
