"""Invariants of the support study's statistics (hypothesis): Newey–West, the block
bootstrap and the overlap-adjusted mean test.

- Newey–West with a Bartlett kernel: its long-run variance is a non-negative
  quadratic form (so ``se ≥ 0``); ``se`` is invariant to adding a constant and scales
  with ``|k|``; lag 0 is the sample variance over ``n``; a lag past ``n − 1`` is ``n − 1``.
- The circular block bootstrap: the same draws give ``CI(x + c) = CI(x) + c`` and
  ``CI(k·x) = k·CI(x)`` (k > 0), ``low ≤ high``, within the data's range.
- The overlap-adjusted test: its ``se`` and ``df`` are invariant to a constant and to
  the bars' origin, ``se`` scales with ``|k|``.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.events._stats import block_bootstrap_ci, newey_west_mean, overlap_adjusted_mean
from profiles import examples


def _series(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.standard_t(4, n)
    phi = rng.uniform(-0.8, 0.9)
    x = np.empty(n)
    prev = 0.0
    for i in range(n):  # an AR(1): autocorrelated, the case HAC is for
        prev = phi * prev + e[i]
        x[i] = prev
    return x * rng.uniform(0.001, 10.0) + rng.normal(0, 1)


@settings(max_examples=examples(60), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 150),
    lag=st.integers(0, 200),
    c=st.floats(-100.0, 100.0),
    k=st.floats(-50.0, 50.0).filter(lambda v: abs(v) > 1e-3),
)
def test_newey_west_invariants(seed, n, lag, c, k) -> None:
    x = _series(seed, n)
    t = newey_west_mean(x, lag)
    assert t.n == n and t.lag == min(lag, n - 1)
    assert t.se >= 0.0 or math.isnan(t.se)
    # a constant moves the mean only
    tc = newey_west_mean(x + c, lag)
    assert_same(tc.mean, t.mean + c, rtol=1e-12, atol=1e-9 * (abs(c) + abs(t.mean)))
    scale = float(np.max(np.abs(x - x.mean())))
    assert_same(tc.se, t.se, rtol=1e-7, atol=1e-12 * (abs(c) + scale))
    # a scale scales the standard error by |k| and flips the t-statistic's sign with k
    tk = newey_west_mean(k * x, lag)
    assert_same(tk.se, abs(k) * t.se, rtol=1e-10)
    if t.se > 0:
        assert_same(tk.t_stat, math.copysign(1.0, k) * t.t_stat, rtol=1e-9, atol=1e-12)
        assert_same(tk.p_value, t.p_value, rtol=1e-9, atol=1e-15)
    # lag 0: the (population) sample variance over n
    t0 = newey_west_mean(x, 0)
    assert_same(t0.se, math.sqrt(float(np.var(x)) / n), rtol=1e-10)
    # a lag past n − 1 is n − 1
    assert_same(newey_west_mean(x, n + 5).se, newey_west_mean(x, n - 1).se, rtol=1e-14)


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 120),
    block=st.integers(1, 30),
    c=st.floats(-100.0, 100.0),
    k=st.floats(0.01, 50.0),
)
def test_block_bootstrap_is_equivariant(seed, n, block, c, k) -> None:
    x = _series(seed, n)
    lo, hi = block_bootstrap_ci(x, block, np.random.default_rng(seed), n_boot=200)
    assert lo <= hi
    assert x.min() - 1e-9 <= lo and hi <= x.max() + 1e-9
    lc, hc = block_bootstrap_ci(x + c, block, np.random.default_rng(seed), n_boot=200)
    tol = 1e-9 * (abs(c) + float(np.max(np.abs(x))))
    assert_same([lc, hc], [lo + c, hi + c], rtol=1e-12, atol=tol)
    lk, hk = block_bootstrap_ci(k * x, block, np.random.default_rng(seed), n_boot=200)
    assert_same([lk, hk], [k * lo, k * hi], rtol=1e-10, atol=1e-12)


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(3, 60),
    h=st.integers(1, 40),
    shift=st.integers(-1000, 1000),
    c=st.floats(-1.0, 1.0),
    k=st.floats(0.01, 50.0),
)
def test_overlap_adjusted_mean_invariants(seed, n, h, shift, c, k) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.05, n)
    bars = np.sort(rng.choice(5000, n, replace=False)).astype(np.int64)
    t = overlap_adjusted_mean(x, bars, h)
    if math.isnan(t.se):
        return
    assert t.se > 0 and 0 < t.df <= n  # Satterthwaite df: never more than n
    tb = overlap_adjusted_mean(x, bars + shift, h)  # the bars' origin does not matter
    assert_same([tb.se, tb.df], [t.se, t.df], rtol=1e-9)
    tc = overlap_adjusted_mean(x + c, bars, h)
    assert_same([tc.se, tc.df], [t.se, t.df], rtol=1e-6)
    tk = overlap_adjusted_mean(k * x, bars, h)
    assert_same([tk.se, tk.df, tk.t_stat], [k * t.se, t.df, t.t_stat], rtol=1e-9)
