"""Fragility curve, critical shock and next-wave levels."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.book import OrderBook
from liqcascade.cascade import (
    CascadeConfig,
    critical_shock,
    fragility_curve,
    next_wave_levels,
    prepare_cascade,
    simulate_cascade,
)
from liqcascade.errors import InputError
from liqcascade.positions._book import PositionBook, StopBook
from reference.cascade_cases import random_case


def _market(seed: int = 3) -> tuple[OrderBook, PositionBook, StopBook]:
    rng = np.random.default_rng(seed)
    mid = 2000.0
    book = OrderBook.parametric(mid, 5e6, beta=0.8, n_levels=400, max_distance=0.3)
    n = 3000
    side = rng.choice(np.array([1, -1], np.int8), n)
    size = rng.lognormal(0, 1, n)
    lev = rng.choice([5.0, 10.0, 20.0, 50.0], n)
    entry = mid * (1 + rng.normal(0, 0.03, n))
    liq = entry * (1 - side / lev * 0.9)
    bkr = entry * (1 - side / lev)
    pos = PositionBook(side, size, entry, size * entry / lev, liq, bkr)
    m = 800
    sside = rng.choice(np.array([1, -1], np.int8), m)
    trig = mid * (1 + sside * rng.uniform(0.005, 0.2, m))
    stops = StopBook(sside, trig, rng.lognormal(0, 1, m))
    return book, pos, stops


def test_curve_equals_single_cascades() -> None:
    book, pos, stops = _market()
    pm = prepare_cascade(book, pos, stops)
    shocks = np.linspace(-0.2, 0.2, 41)
    fc = fragility_curve(pm, shocks=shocks, insurance_fund=1e5)
    for s, row in zip(shocks, fc.frame.itertuples(), strict=True):
        r = simulate_cascade(pm, shock=float(s), insurance_fund=1e5)
        # the fragility kernel and simulate_cascade compute the price on two routes
        assert row.final_price == pytest.approx(r.final_price, rel=1e-12)
        assert row.rounds == r.rounds
        assert row.liquidated_usd == pytest.approx(r.liquidated_usd, rel=1e-12)
        assert row.stops_usd == pytest.approx(r.stops_sell_usd + r.stops_buy_usd, rel=1e-12)
        assert row.bad_debt_usd == pytest.approx(r.bad_debt_usd, rel=1e-12, abs=1e-6)
        assert row.book_exhausted == r.book_exhausted
        assert row.n_liquidated == r.n_liquidated
        assert row.unfilled_base == pytest.approx(r.unfilled_base, rel=1e-12, abs=1e-9)
    down = fc.frame[fc.frame["shock"] <= 0]
    assert np.all(np.diff(down["final_price"].to_numpy()) >= 0)
    assert (down["amplification"].dropna() >= 1 - 1e-12).all()
    s = fc.summary()
    assert s["down_5pct_final_move"] <= -0.05 + 1e-12
    assert len(fc.plot().data) == 3


def test_curve_with_inputs_and_config() -> None:
    book, pos, stops = _market()
    cfg = CascadeConfig(refill_fraction=0.3)
    fc = fragility_curve(book, pos, stops, shocks=[-0.05], config=cfg)
    r = simulate_cascade(book, pos, stops, shock=-0.05, config=cfg)
    assert fc.frame["final_price"].iloc[0] == pytest.approx(r.final_price, rel=1e-12)


def test_critical_shock_is_the_first_crossing() -> None:
    book, pos, stops = _market()
    pm = prepare_cascade(book, pos, stops)
    cs = critical_shock(pm, total_move=-0.08, tol=1e-7)
    target = book.mid * 0.92
    at = simulate_cascade(pm, shock=cs.shock)
    assert at.final_price <= target or at.book_exhausted
    before = simulate_cascade(pm, shock=cs.shock + 2e-7)
    assert before.final_price > target and not before.book_exhausted
    assert -0.08 <= float(cs) < 0
    up = critical_shock(pm, total_move=0.06)
    assert 0 < up.shock <= 0.06
    with pytest.raises(InputError, match="total_move"):
        critical_shock(pm, total_move=0.0)


def test_critical_shock_on_random_small_cases() -> None:
    rng = np.random.default_rng(9)
    for _ in range(20):
        c = random_case(rng)
        pm = prepare_cascade(c.book, c.positions, c.stops)
        cs = critical_shock(pm, total_move=-0.1, tol=1e-8)
        r = simulate_cascade(pm, shock=cs.shock)
        assert r.final_price <= c.book.mid * 0.9 * (1 + 1e-12) or r.book_exhausted
        if cs.shock < -2e-8:
            r0 = simulate_cascade(pm, shock=cs.shock + 2e-8)
            assert r0.final_price > c.book.mid * 0.9 and not r0.book_exhausted


def test_next_wave_levels_sums() -> None:
    _, pos, stops = _market()
    nw = next_wave_levels(pos, stops, 2000.0, levels=[1900.0, 1800.0, 1700.0])
    f = nw.frame
    longs = pos.side == 1
    liq, size = pos.liq_price, pos.size
    m = longs & (liq < 1900) & (liq >= 1800)
    assert f["liquidations_usd"].iloc[0] == pytest.approx((size * liq)[m].sum())
    sm = (stops.side == -1) & (stops.trigger < 1900) & (stops.trigger >= 1800)
    assert f["stops_usd"].iloc[0] == pytest.approx((stops.size * stops.trigger)[sm].sum())
    cm = longs & (liq < 2000) & (liq >= 1800)
    csm = (stops.side == -1) & (stops.trigger < 2000) & (stops.trigger >= 1800)
    cum = (size * liq)[cm].sum() + (stops.size * stops.trigger)[csm].sum()
    assert f["cumulative_usd"].iloc[0] == pytest.approx(cum)
    assert f["next_level"].tolist() == [1800.0, 1700.0, 1600.0]
    assert nw.at(1800.0)["level"] == 1800.0
    with pytest.raises(InputError, match="below the price"):
        next_wave_levels(pos, stops, 2000.0, levels=[2100.0])


def test_next_wave_default_round_levels() -> None:
    _, pos, stops = _market()
    down = next_wave_levels(pos, stops, 2013.0)
    assert down.frame["level"].iloc[0] == 2000.0
    assert (np.diff(down.frame["level"]) < 0).all()
    assert all(lv % 50 == 0 for lv in down.frame["level"])
    up = next_wave_levels(pos, stops, 2013.0, direction="up")
    assert up.frame["level"].iloc[0] > 2013.0
    assert up.frame["cumulative_usd"].is_monotonic_increasing
    assert len(up.plot().data) == 2


def test_released_between_takes_the_bands_inside_in_both_directions() -> None:
    _, pos, stops = _market()
    down = next_wave_levels(pos, stops, 2000.0, levels=[1900.0, 1800.0, 1700.0])
    f = down.frame
    assert down.released_between(1900.0, 1700.0) == pytest.approx(f["released_usd"].iloc[:2].sum())
    assert down.released_between(1900.0, 1800.0) == pytest.approx(f["released_usd"].iloc[0])
    assert down.released_between(1899.0, 1700.0) == pytest.approx(f["released_usd"].iloc[1])
    # a rise: bands (2100, 2200], (2200, 2300], (2300, 2400]; the band (2200, 2300]
    # alone lies inside [2200, 2300] (the old test also took the bands ending at 2200
    # and starting at 2300)
    up = next_wave_levels(pos, stops, 2000.0, levels=[2100.0, 2200.0, 2300.0], direction="up")
    g = up.frame
    assert g["next_level"].tolist() == [2200.0, 2300.0, 2400.0]
    assert up.released_between(2300.0, 2200.0) == pytest.approx(g["released_usd"].iloc[1])
    shorts = (pos.side == -1) & (pos.liq_price > 2200) & (pos.liq_price <= 2300)
    buys = (stops.side == 1) & (stops.trigger > 2200) & (stops.trigger <= 2300)
    want = (pos.size * pos.liq_price)[shorts].sum() + (stops.size * stops.trigger)[buys].sum()
    assert up.released_between(2300.0, 2200.0) == pytest.approx(want)
    assert up.released_between(2400.0, 2100.0) == pytest.approx(g["released_usd"].sum())
