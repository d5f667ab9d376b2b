"""The multi-venue loop: exactness against the single-venue engine, arbitrage, spread."""

from __future__ import annotations

import numpy as np
import pytest

from floats import assert_same
from liqcascade.cascade import CascadeConfig, simulate_cascade
from liqcascade.contagion import Link, Venue, simulate_contagion
from liqcascade.errors import InputError
from reference.contagion_cases import random_venue

SHOCKS = [
    {"shock": -0.05},
    {"shock": -0.12},
    {"shock": 0.06},
    {"shock_sell_usd": 3e7},
    {"shock_buy_usd": 2e7},
]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("cfg", [CascadeConfig(), CascadeConfig(refill_fraction=0.3),
                                 CascadeConfig(liquidation_fee=0.005)])  # fmt: skip
def test_capacity_zero_equals_single_venue_engine_exactly(seed: int, cfg: CascadeConfig) -> None:
    rng = np.random.default_rng(seed)
    vs = [
        Venue(v.name, v.book, v.positions, v.stops, insurance_fund=1e5, config=cfg)
        for v in (random_venue(n, m, rng) for n, m in (("a", 2000.0), ("b", 2003.0), ("c", 1996.0)))
    ]
    shock = SHOCKS[seed % len(SHOCKS)]
    links = [Link("a", "b", 0.0, 0.0), Link("b", "c", 0.001, 0.0), Link("a", "c", 0.0, 0.0)]
    res = simulate_contagion(vs, links, shock_venue="a", **shock)  # type: ignore[arg-type]
    down = res.direction == "down"
    for v in vs:
        if v.name == "a":
            ref = simulate_cascade(v.book, v.positions, v.stops, insurance_fund=1e5, config=cfg,
                                   **shock)  # type: ignore[arg-type]  # fmt: skip
        else:
            # the other venues see no shock: a "shock" at their own mid, in the shock's direction
            mid = v.book.mid
            target = mid if down else np.nextafter(mid, np.inf)
            ref = simulate_cascade(v.book, v.positions, v.stops, insurance_fund=1e5, config=cfg,
                                   shock_price=target)  # fmt: skip
        out = res.venues[v.name]
        # counts exactly; the price to 1e-12 (a level's price, or a computed target when
        # nothing triggers); the amounts to 1e-9: simulate_cascade sums a round's closes
        # by blocks (cascade_fast_kernel), the venue steps the order-by-order kernel
        assert out.final_price == pytest.approx(ref.final_price, rel=1e-12), v.name
        assert out.rounds == ref.rounds
        assert out.n_liquidated == ref.n_liquidated
        assert out.n_stops == ref.n_stops
        assert out.book_exhausted == ref.book_exhausted
        assert_same(
            out.liquidated_usd, ref.liquidated_long_usd + ref.liquidated_short_usd, rtol=1e-9
        )
        assert_same(out.stops_usd, ref.stops_sell_usd + ref.stops_buy_usd, rtol=1e-9)
        assert_same(out.insurance_fund_end, ref.insurance_fund_end, rtol=1e-9)
        assert_same(out.bad_debt_usd, ref.bad_debt_usd, rtol=1e-9)
        assert_same(out.unfilled_base, ref.unfilled_base, rtol=1e-9)
        assert out.arb_net_base == 0.0
    assert res.flows_frame().empty


def test_per_round_prices_match_the_engine_trace() -> None:
    rng = np.random.default_rng(3)
    v = random_venue("solo", 2000.0, rng, n=80)
    res = simulate_contagion([v], shock_venue="solo", shock=-0.08)
    ref = simulate_cascade(v.book, v.positions, v.stops, shock=-0.08)
    tr = ref.to_frame() if hasattr(ref, "to_frame") else None
    prices = res.to_frame()["price"].to_numpy()[: ref.rounds]
    expected = np.array([t["price"] for t in ref.summary()["trace"]])
    assert ref.rounds >= 2
    assert_same(prices, expected)
    del tr


def _spread_tol(vs: list[Venue]) -> float:
    worst = 0.0
    for v in vs:
        b = v.book
        tick = max(np.max(np.abs(np.diff(b.bid_price[:50]))), np.max(np.diff(b.ask_price[:50])))
        worst = max(worst, (b.ask_price[0] - b.bid_price[0] + 2 * tick) / b.mid)
    return worst


@pytest.mark.parametrize("seed", range(6))
def test_unlimited_capacity_zero_cost_prices_agree_after_every_round(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    names = ["a", "b", "c"]
    vs = [random_venue(n, 2000.0 + 3 * i, rng, d1=3e6, levels=1500) for i, n in enumerate(names)]
    links = [Link("a", "b"), Link("b", "c"), Link("a", "c")]
    res = simulate_contagion(vs, links, shock_venue="a", shock=-0.06 if seed % 2 else 0.05)
    piv = res.to_frame().pivot(index="round", columns="venue", values="price")
    tol = _spread_tol(vs)
    gap = (piv.max(axis=1) - piv.min(axis=1)) / piv.mean(axis=1)
    assert len(piv) >= 1
    # agreement to within the quoted spread plus a tick (prices are last trades on a grid)
    assert (gap <= tol).all(), (gap.max(), tol)
    # without the links the venues end far apart
    iso = simulate_contagion(vs, shock_venue="a", shock=-0.06 if seed % 2 else 0.05)
    fin = [o.final_price for o in iso.venues.values()]
    assert (max(fin) - min(fin)) / 2000 > 10 * tol


def test_arbitrage_spreads_the_cascade_and_capacity_limits_it() -> None:
    rng = np.random.default_rng(7)
    vs = [random_venue(n, 2000.0, rng, n=200) for n in ("a", "b")]
    shares = []
    for cap in (0.0, 1e6, 1e7, np.inf):
        r = simulate_contagion(vs, [Link("a", "b", 0.0005, cap)], shock_venue="a", shock=-0.07)
        flows = r.flows_frame()
        if cap == 0:
            assert flows.empty
        else:
            per_round = flows.groupby("round")["buy_usd"].sum()
            assert (per_round <= cap * (1 + 1e-12)).all()
        shares.append(r.venues["b"].liquidated_usd)
    # arbitrage carries the cascade to b; capacity 0 leaves b at its own (no-shock) outcome
    assert shares[0] < shares[1] and shares[0] < shares[-1]


def test_cost_threshold_stops_arbitrage() -> None:
    rng = np.random.default_rng(8)
    vs = [random_venue(n, 2000.0, rng) for n in ("a", "b")]
    r = simulate_contagion(vs, [Link("a", "b", cost=0.5)], shock_venue="a", shock=-0.05)
    assert r.flows_frame().empty
    r2 = simulate_contagion(vs, [Link("a", "b", cost=0.01)], shock_venue="a", shock=-0.05)
    fl = r2.flows_frame()
    assert not fl.empty
    # every unit traded had sell > buy * (1 + cost): so does the average
    assert (fl["sell_usd"] > fl["buy_usd"] * 1.01).all()


def test_contagion_share_and_rounds_to_spread() -> None:
    rng = np.random.default_rng(9)
    a = random_venue("a", 2000.0, rng, n=150)
    b = random_venue("b", 2000.0, rng, n=150)
    r = simulate_contagion([a, b], [Link("a", "b")], shock_venue="a", shock=-0.06)
    la, lb = r.venues["a"].liquidated_usd, r.venues["b"].liquidated_usd
    assert r.contagion_share == pytest.approx(lb / (la + lb))
    assert r.rounds_to_spread is not None and 1 <= r.rounds_to_spread <= r.rounds
    df = r.to_frame()
    first = df[(df.venue == "b") & (df.liquidated_usd > 0)]["round"].min()
    assert r.rounds_to_spread == first


def test_bad_inputs() -> None:
    rng = np.random.default_rng(1)
    a = random_venue("a", 2000.0, rng)
    with pytest.raises(InputError, match=r"links\[0\]\.b: unknown venue 'okx'"):
        simulate_contagion([a], [Link("a", "okx")], shock_venue="a", shock=-0.05)
    with pytest.raises(InputError, match=r"^shock_venue: unknown venue 'zz' \(venues: a\)$"):
        simulate_contagion([a], shock_venue="zz", shock=-0.05)
    with pytest.raises(InputError, match="exactly one"):
        simulate_contagion([a], shock_venue="a")
    with pytest.raises(InputError, match="unique"):
        simulate_contagion([a, a], shock_venue="a", shock=-0.05)
    with pytest.raises(InputError, match="withdrawal"):
        Venue("x", a.book, a.positions, config=CascadeConfig(withdrawal_fraction=0.1))
    with pytest.raises(InputError, match="capacity"):
        Link("a", "b", 0.0, -1.0)


def test_result_outputs() -> None:
    rng = np.random.default_rng(2)
    vs = [random_venue(n, 2000.0, rng) for n in ("a", "b")]
    r = simulate_contagion(vs, [Link("a", "b")], shock_venue="a", shock=-0.05)
    s = r.summary()
    assert set(s) >= {"venues", "defi", "contagion_share", "rounds"}
    assert set(s["venues"]["a"]) >= {"final_price", "liquidated_usd", "rounds"}
    df = r.to_frame()
    assert len(df) == 2 * df["round"].nunique()
    fig = r.plot()
    assert len(fig.data) == 2
    assert "ContagionResult" in r._repr_html_()


@pytest.mark.parametrize("seed", range(20))
def test_capacity_zero_matches_plain_python_reference(seed: int) -> None:
    from liqcascade.cascade import cascade_py

    rng = np.random.default_rng(500 + seed)
    vs = [random_venue(n, 2000.0, rng, n=60, levels=300) for n in ("a", "b")]
    frac = float(rng.uniform(-0.15, 0.1))
    res = simulate_contagion(vs, [Link("a", "b", 0.0, 0.0)], shock_venue="a", shock=frac)
    v = vs[0]
    b, p, s = v.book, v.positions, v.stops
    assert s is not None
    ref = cascade_py(b.mid, b.bid_price, b.bid_size, b.ask_price, b.ask_size, p.side, p.size,
                     p.liq_price, p.bankruptcy_price, s.side, s.trigger, s.size,
                     shock_price=b.mid * (1 + frac))  # fmt: skip
    out = res.venues["a"]
    assert out.final_price == pytest.approx(ref["final_price"], rel=1e-12)
    assert out.rounds == ref["rounds"]
    liq = ref["liquidated_long_usd"] + ref["liquidated_short_usd"]
    assert out.liquidated_usd == pytest.approx(liq, rel=1e-9, abs=1e-6)
    assert out.bad_debt_usd == pytest.approx(ref["bad_debt_usd"], rel=1e-9, abs=1e-6)
    assert out.n_liquidated == ref["n_liquidated"]
