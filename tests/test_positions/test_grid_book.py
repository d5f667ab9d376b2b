"""The identified book's grid kernel: twin equality, a hand-computed case, the likelihood."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.positions._grid_kernels import (
    TwinGrid,
    grid_advance_nb,
    grid_advance_py,
    grid_walk_nb,
    grid_walk_py,
)
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


@pytest.mark.parametrize("seed", range(4))
def test_without_open_sizes_the_walk_is_the_same(seed: int) -> None:
    """``open_sizes=False`` (the event back-test's paths) skips the per-bar open sizes
    only: the kernel and its twin give the same liquidations, maps and end state as with
    them, in two pieces (the second not the state's first bar), and empty open sizes."""
    open_, low, high, target, share, w, safe_share, j0, log_p0, h, n_grid, to = _inputs(seed)
    width, cut = 9, 25
    runs = {}
    for sizes in (True, False):
        state = [np.zeros(n_grid) for _ in range(4)] + [np.zeros(4)]
        twin = TwinGrid(n_grid)
        got: list[list[np.ndarray]] = [[], []]
        for k, s in enumerate((slice(0, cut), slice(cut, None))):
            bars = (open_[s], low[s], high[s], target[s], share[s], w, safe_share, j0, log_p0,
                    h, 1.0 - to)  # fmt: skip
            n = len(open_[s])
            ml, ms = np.zeros((n, width)), np.zeros((n, width))
            nb = grid_advance_nb(*state, k == 0, *bars, open_[s], ml, ms, sizes)
            py = grid_advance_py(twin, *bars, open_[s], width, open_sizes=sizes)
            got[0] += [*nb, ml, ms]
            got[1] += list(py)
        for x, y in zip(got[0], got[1], strict=True):  # kernel == twin, either way
            assert_same(x, y, rtol=1e-9, atol=1e-6)
        runs[sizes] = (got[0], [*state])
    (with_, end_with), (without, end_without) = runs[True], runs[False]
    for k, (x, y) in enumerate(zip(with_, without, strict=True)):
        if k % 6 in (2, 3):  # open_long, open_short
            assert x.shape == (len(x),) and len(x) > 0 and y.shape == (0,)
        else:  # liquidations and maps: the same numbers
            assert_same(x, y, rtol=1e-12, atol=1e-12)
    for x, y in zip(end_with, end_without, strict=True):
        assert_same(x, y, rtol=1e-12, atol=1e-12)
    # the sizes summed are those of the book at each bar's end (positive somewhere)
    assert float(with_[2].max()) > 0.0


def test_end_of_bar_book_never_exceeds_its_target() -> None:
    """Liquidation only removes size, so the end-of-bar book is at most the target (that
    the book equals it after rebalancing, and that liquidations come only from bins
    inside the bar's range, is :func:`test_walk_rebalances_to_target_and_liquidates_the_range`)."""
    args = _inputs(3)
    ll, ls, ol, os_, *_ = grid_walk_nb(*args)
    target = args[3]
    assert np.all(ol + os_ <= target * (1 + 1e-9))
    assert np.all(ll >= 0) and np.all(ls >= 0)


def _walk_case(
    seed: int, n: int, flat: int, dist_median: float, dist_sigma: float, turnover: float
) -> tuple:
    """Continuous bars (each opens at the previous close), bar ``flat`` with
    ``low == high == open == close``; the grid reaches 0.8 (log) beyond the range, more
    than the deepest distance bin (``delta_max`` 0.7)."""
    rng = np.random.default_rng(seed)
    step = rng.normal(0, rng.uniform(0.003, 0.05), n)
    step[flat] = 0.0
    close = 2000 * np.exp(np.cumsum(step))
    open_ = np.r_[2000.0, close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.03, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.03, n))
    high[flat] = low[flat] = open_[flat]
    target = rng.uniform(50, 150, n)
    share = rng.uniform(0.0, 1.0, n)
    p = BookParams(dist_median=dist_median, dist_sigma=dist_sigma, turnover=turnover)
    w, safe, j0 = distance_weights(p)
    h = p.grid_step
    log_p0 = math.floor((math.log(low.min() * 0.95) - 0.8) / h) * h
    n_grid = int((math.log(high.max() * 1.05) + 0.8 - log_p0) / h) + 2
    return open_, low, high, target, share, w, safe, j0, log_p0, h, n_grid, p.turnover


@given(
    st.integers(0, 2**31 - 1), st.integers(2, 40), st.integers(0, 39), st.floats(0.005, 0.3),
    st.floats(0.3, 2.0), st.floats(0.0, 0.5), st.floats(0.0, 0.05), st.floats(0.0, 0.05),
)  # fmt: skip
def test_walk_rebalances_to_target_and_liquidates_the_range(
    seed: int, n: int, flat: int, dist_median: float, dist_sigma: float, turnover: float,
    down: float, up: float,
) -> None:  # fmt: skip
    """The identified book walk, bar by bar (``grid_advance_nb``), on continuous bars:

    - after rebalancing the book (grid and safe size) equals the bar's target (an excess
      is scaled down to it, a shortfall opened: the assertion holds whatever the gap);
    - the bar liquidates exactly the long bins priced at or above its low and the short
      bins at or below its high, and all of them lie inside ``[low, high]`` (a bin above
      the high would have gone in an earlier bar, whose low was at most this bar's open);
    - widening one bar's range never lowers that bar's liquidations;
    - a bar with ``low == high == open`` liquidates nothing.
    """
    flat %= n
    args = _walk_case(seed, n, flat, dist_median, dist_sigma, turnover)
    open_, low, high, target, share, w, safe_share, j0, log_p0, h, n_grid, to = args
    prices = np.exp(log_p0 + np.arange(n_grid) * h)
    state = [np.zeros(n_grid) for _ in range(4)] + [np.zeros(4)]
    none = np.zeros((1, 0))
    # prices outside the grid: a bar that rebalances and liquidates nothing
    no_low = np.array([math.exp(log_p0 + (n_grid + 1) * h)])
    no_high = np.array([math.exp(log_p0 - 2 * h)])
    ll = np.zeros(n)
    ls = np.zeros(n)
    for i in range(n):
        bar = (open_[i : i + 1], low[i : i + 1], high[i : i + 1], target[i : i + 1],
               share[i : i + 1], w, safe_share, j0, log_p0, h, 1.0 - to, open_[i : i + 1],
               none, none)  # fmt: skip
        reb = [a.copy() for a in state]
        grid_advance_nb(*reb, i == 0, bar[0], no_low, no_high, *bar[3:])
        lsz, ssz, _le, _se, sf = reb
        held = lsz.sum() + ssz.sum() + sf[0] + sf[1]
        assert held == pytest.approx(target[i], rel=1e-9), (i, held, target[i])
        out = grid_advance_nb(*state, i == 0, *bar)
        ll[i], ls[i] = out[0][0], out[1][0]
        eps = 1e-8 * h  # a bin priced at the bar's low or high, to rounding, may go either way
        in_range = (prices >= low[i] * (1 - eps)) & (prices <= high[i] * (1 + eps))
        assert ll[i] <= float((lsz * prices)[in_range].sum()) * (1 + 1e-9) + 1e-9
        assert ls[i] <= float((ssz * prices)[in_range].sum()) * (1 + 1e-9) + 1e-9
        sure_l = float((lsz * prices)[prices >= low[i] * (1 + eps)].sum())
        sure_s = float((ssz * prices)[prices <= high[i] * (1 - eps)].sum())
        assert ll[i] >= sure_l * (1 - 1e-9) - 1e-9
        assert ls[i] >= sure_s * (1 - 1e-9) - 1e-9
    assert ll[flat] == 0.0 and ls[flat] == 0.0
    # the bar-by-bar walk is the one-call walk
    one = grid_walk_nb(*args)
    assert_same(one[0], ll, rtol=1e-9, atol=1e-9)
    assert_same(one[1], ls, rtol=1e-9, atol=1e-9)
    # widen one bar's range (the others unchanged): its liquidations never fall
    k = (seed // 7) % n
    wide_low, wide_high = low.copy(), high.copy()
    wide_low[k] *= 1 - down
    wide_high[k] *= 1 + up
    wide = grid_walk_nb(open_, wide_low, wide_high, *args[3:])
    assert wide[0][k] >= ll[k] * (1 - 1e-12)
    assert wide[1][k] >= ls[k] * (1 - 1e-12)


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
