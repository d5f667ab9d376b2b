"""The identified book's grid kernel: twin equality, a hand-computed case, the likelihood."""

from __future__ import annotations

import math

import numpy as np
import pytest

from floats import assert_same
from liqcascade.positions._grid_kernels import grid_walk_nb, grid_walk_py
from liqcascade.positions._likelihood import hurdle_lognormal_loglik, profile_obs
from liqcascade.positions._model import BookParams, distance_weights, leverage_mix


def _inputs(seed: int, n: int = 60) -> tuple:
    rng = np.random.default_rng(seed)
    close = 2000 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = np.r_[2000.0, close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.02, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.02, n))
    target = rng.uniform(50, 150, n)
    share = rng.uniform(0.2, 0.8, n)
    p = BookParams(dist_median=float(rng.uniform(0.01, 0.2)), dist_sigma=1.0, turnover=0.2)
    w, safe, j0 = distance_weights(p)
    h = p.grid_step
    log_p0 = math.floor((math.log(low.min()) - 0.8) / h) * h
    n_grid = int((math.log(high.max()) + 0.8 - log_p0) / h) + 2
    return open_, low, high, target, share, w, safe, j0, log_p0, h, n_grid, p.turnover


@pytest.mark.parametrize("seed", range(8))
def test_kernel_equals_twin(seed: int) -> None:
    args = _inputs(seed)
    a, b = grid_walk_nb(*args), grid_walk_py(*args)
    for x, y in zip(a, b, strict=True):
        assert_same(x, y, rtol=1e-9, atol=1e-6)


def test_book_holds_its_target_and_liquidates_only_within_the_range() -> None:
    args = _inputs(3)
    ll, ls, ol, os_, *_ = grid_walk_nb(*args)
    target = args[3]
    # after rebalancing and before liquidation the book equals the target; liquidation
    # only removes size, so the end-of-bar book never exceeds it
    assert np.all(ol + os_ <= target * (1 + 1e-9))
    assert np.all(ll >= 0) and np.all(ls >= 0)


def test_one_bar_by_hand() -> None:
    # one distance bin at j0 = 4 steps (1 %), all long, no safe share: a bar whose low is
    # 2 % below the open liquidates everything at exp(-4h) x open
    h = 0.0025
    log_p0 = math.floor(math.log(1000.0) / h) * h - 200 * h
    o = float(np.exp(log_p0 + 200 * h))
    out = grid_walk_nb(
        np.array([o]), np.array([o * 0.98]), np.array([o]), np.array([10.0]), np.array([1.0]),
        np.array([1.0]), 0.0, 4, log_p0, h, 400, 0.0,
    )  # fmt: skip
    assert out[0][0] == pytest.approx(10.0 * math.exp(log_p0 + 196 * h), rel=1e-12)
    assert out[2][0] == pytest.approx(0.0, abs=1e-12)


def test_leverage_mix_sums_to_one_with_a_safe_share() -> None:
    mix = leverage_mix(BookParams(dist_median=0.3, dist_sigma=1.5))
    assert mix["share"].sum() == pytest.approx(1.0, rel=1e-12)
    assert mix["share"].iloc[-1] > 0.1  # effectively never liquidated
    assert mix["effective_leverage"].iloc[0] <= 125.0 * 1.01


def test_likelihood_golden_and_profile() -> None:
    y = np.array([0.0, 100.0, math.e * 100.0])
    ll = hurdle_lognormal_loglik(y, np.array([1.0, 100.0, 100.0]), 1.0, 0.25)
    assert ll[0] == pytest.approx(math.log(0.25))
    base = math.log(0.75) - 0.5 * math.log(2 * math.pi)
    assert ll[1] == pytest.approx(base - math.log(100.0))
    assert ll[2] == pytest.approx(base - 0.5 - math.log(math.e * 100.0))
    rng = np.random.default_rng(0)
    mu = rng.uniform(1e6, 1e8, 3000)
    y = (0.01 * mu + 2e5) * np.exp(rng.normal(0, 0.5, 3000))
    _, obs = profile_obs(mu, y)
    assert obs["scale"] == pytest.approx(0.01, rel=0.05)
    assert obs["sigma"] == pytest.approx(0.5, rel=0.05)
