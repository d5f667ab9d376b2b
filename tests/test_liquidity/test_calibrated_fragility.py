"""The calibrated fragility curve and critical shock (the static one is the upper bound)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.cascade import (
    calibrated_fragility,
    fragility_curve,
    load_liquidity,
    prepare_market,
    simulate_clock,
)
from liqcascade.cascade._calibrated_fragility import _critical
from liqcascade.errors import InputError


def test_critical_interpolates_the_first_crossing() -> None:
    shocks = np.array([-0.01, -0.02, -0.03])
    assert _critical(shocks, np.array([-0.05, -0.08, -0.12]), -0.10) == pytest.approx(-0.025)
    assert _critical(shocks, np.array([-0.11, -0.12, -0.13]), -0.10) == pytest.approx(-0.01)
    assert math.isnan(_critical(shocks, np.array([-0.02, -0.03, -0.04]), -0.10))
    assert _critical(-shocks, np.array([0.05, 0.08, 0.12]), 0.10) == pytest.approx(0.025)


def test_static_book_bounds_the_calibrated_carry() -> None:
    """The static book is the upper bound of the cascade's own carry (like with like).

    The calibrated 24-hour move is the carry plus the ordinary continuation of price
    after the shock; the static book models only the carry, so it bounds that, at
    every shock and under every parameter draw, and the 24-hour move is reported
    beside it (at small shocks it can be deeper than the static book: continuation).
    """
    from liqcascade.cascade import market_volatility
    from liqcascade.market import MarketSpec, estimated_market

    st = estimated_market(MarketSpec("ETH", "2025-07-31"))
    ts, sigma, resid = market_volatility(st)
    pm = prepare_market(st)
    grid = np.array([-0.02, -0.05, -0.08, -0.12])
    cf = calibrated_fragility(pm, calibration=load_liquidity("ETH", ts), sigma_hourly=sigma,
                              residuals=resid, shocks=grid, n_paths=60)  # fmt: skip
    static = fragility_curve(pm, shocks=grid).to_frame()["final_move"].to_numpy()
    c = cf.curve
    cal = load_liquidity("ETH", ts)
    for d in cal.draws:  # every draw's carry (the index held at the shock price)
        carry = [simulate_clock(pm, shock=float(s), params=d).extreme_move for s in grid]
        assert (static <= np.asarray(carry) + 1e-9).all()
    assert (static <= c["carry_p10"].to_numpy() + 1e-9).all()
    assert (c["carry_p10"] <= c["carry_median"]).all() and (
        c["carry_median"] <= c["carry_p90"]
    ).all()
    # the carry starts at the shock and goes no further than the 24-h move's median
    assert (c["carry_p90"].to_numpy() <= grid + 1e-12).all()
    assert (c["move_median"].to_numpy() <= c["carry_median"].to_numpy() + 1e-12).all()


def test_calibrated_fragility_on_the_real_market() -> None:
    from liqcascade.cascade import market_volatility
    from liqcascade.market import MarketSpec, estimated_market

    st = estimated_market(MarketSpec("ETH", "2025-07-31"))
    ts, sigma, resid = market_volatility(st)
    pm = prepare_market(st)
    grid = np.array([-0.02, -0.05, -0.08, -0.12])
    cf = calibrated_fragility(
        pm,
        calibration=load_liquidity("ETH", ts),
        sigma_hourly=sigma,
        residuals=resid,
        shocks=grid,
        n_paths=60,
    )
    c = cf.curve
    assert (np.diff(c["move_median"]) < 0).all()  # deeper shock, deeper move
    assert (c["move_p10"] <= c["move_median"]).all() and (c["move_median"] <= c["move_p90"]).all()
    assert (c["move_median"] <= c["shock"] + 1e-12).all()
    assert -0.12 <= cf.critical_shock <= -0.02
    assert cf.critical_by_draw.size == len(load_liquidity("ETH", ts).draws)
    with pytest.raises(InputError, match="total_move"):
        calibrated_fragility(
            pm, calibration=load_liquidity("ETH"), sigma_hourly=sigma, total_move=0
        )


@pytest.mark.parametrize("total_move", [-0.10, 0.06])
def test_each_draws_crossing_is_the_whole_grids(total_move: float) -> None:
    """Each draw's run stops at the first shock (by size) whose median reaches the move:
    its critical shock equals the one read off the whole grid, run shock by shock here
    (a grid given out of order: the crossing reads it by size)."""
    from dataclasses import replace

    from liqcascade.cascade import calibrated_cascade, market_volatility
    from liqcascade.market import MarketSpec, estimated_market

    st = estimated_market(MarketSpec("ETH", "2025-07-31"))
    ts, sigma, resid = market_volatility(st)
    pm = prepare_market(st)
    cal = load_liquidity("ETH", ts)
    grid = np.sign(total_move) * np.array([0.08, 0.02, 0.12, 0.05, 0.03])
    cf = calibrated_fragility(pm, calibration=cal, sigma_hourly=sigma, residuals=resid,
                              shocks=grid, n_paths=60, total_move=total_move, seed=5)  # fmt: skip
    want = []
    for g, d in enumerate(cal.draws, start=1):
        one = replace(cal, params=d, draws=(d,))
        med = [
            np.median(calibrated_cascade(pm, shock=float(s), calibration=one, sigma_hourly=sigma,
                                         residuals=resid, n_paths=20, seed=5 + g).moves)
            for s in grid
        ]  # fmt: skip
        want.append(_critical(grid, np.asarray(med), total_move))
    assert np.isfinite(want).sum() >= 2  # crossings inside the grid, not only NaN
    np.testing.assert_allclose(cf.critical_by_draw, want, rtol=1e-12, equal_nan=True)
