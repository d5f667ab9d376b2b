"""One EWMA recursion: the daily EWMA variances and covariances read one function.

``volatility.ewma_variance``, the unit-long VaR back-test's EWMA baseline and the
portfolio back-test's EWMA covariance were three copies of RiskMetrics' recursion;
they now read :func:`liqcascade.volatility.ewma_covariance`. The copies as they were
are kept here verbatim, and every figure is held to them within 1e-12 relative
(the products round in another order: a unit in the last place per step, damped by λ).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.volatility import ewma_covariance, ewma_variance
from profiles import examples

LAM = 0.94
RTOL = 1e-12


def _old_volatility_ewma_variance(r: np.ndarray, lam: float = LAM) -> np.ndarray:
    """``volatility._oos.ewma_variance`` before: the forecast of each return."""
    out = np.empty(r.size)
    if r.size == 0:
        return out
    s2 = float(np.mean(r[: min(30, r.size)] ** 2))
    for i in range(r.size):
        out[i] = s2
        s2 = lam * s2 + (1.0 - lam) * r[i] * r[i]
    return out


def _old_var_backtest_ewma_var(r: np.ndarray) -> np.ndarray:
    """``stress._var_backtest._ewma_var`` before: the next day's, after each return."""
    out = np.empty(r.size)
    s2 = float(np.mean(r[: min(30, r.size)] ** 2))
    for i, x in enumerate(r):
        s2 = LAM * s2 + (1.0 - LAM) * x * x
        out[i] = s2
    return out


def _old_portfolio_ewma_cov(r: np.ndarray) -> np.ndarray:
    """``stress._portfolio_backtest._ewma_cov`` before: (days, assets) -> (days, k, k)."""
    out = np.empty((r.shape[0], r.shape[1], r.shape[1]))
    head = r[: min(30, r.shape[0])]
    s = head.T @ head / head.shape[0]
    for i in range(r.shape[0]):
        s = LAM * s + (1.0 - LAM) * np.outer(r[i], r[i])
        out[i] = s
    return out


def _returns(seed: int, n: int, k: int, scale: float) -> np.ndarray:
    """Fat-tailed percent returns with a common factor (correlated assets)."""
    rng = np.random.default_rng(seed)
    common = rng.standard_t(3, size=(n, 1))
    return scale * (0.7 * common + rng.standard_t(4, size=(n, k)))


@settings(max_examples=examples(80), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    scale=st.floats(0.01, 30.0),
    lam=st.floats(0.5, 0.999),
)
def test_ewma_variance_is_the_old_copy_within_1e_12(
    seed: int, n: int, scale: float, lam: float
) -> None:
    r = _returns(seed, n, 1, scale)[:, 0]
    assert_same(ewma_variance(r, lam), _old_volatility_ewma_variance(r, lam), rtol=RTOL, atol=0)


@settings(max_examples=examples(80), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400), scale=st.floats(0.01, 30.0))
def test_the_unit_long_back_tests_ewma_is_the_old_copy_within_1e_12(
    seed: int, n: int, scale: float
) -> None:
    r = _returns(seed, n, 1, scale)[:, 0]
    got = ewma_covariance(r, LAM, after=True)[:, 0, 0]
    assert_same(got, _old_var_backtest_ewma_var(r), rtol=RTOL, atol=0)


@settings(max_examples=examples(80), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    k=st.integers(1, 4),
    scale=st.floats(0.01, 30.0),
)
def test_the_portfolio_back_tests_ewma_is_the_old_copy_within_1e_12(
    seed: int, n: int, k: int, scale: float
) -> None:
    r = _returns(seed, n, k, scale)
    got = ewma_covariance(r, LAM, after=True)
    old = _old_portfolio_ewma_cov(r)
    assert got.shape == old.shape == (n, k, k)
    # off-diagonal terms can pass near 0: relative to the variances they sit between
    size = np.sqrt(np.einsum("tii->ti", old)[:, :, None] * np.einsum("tii->ti", old)[:, None, :])
    assert np.all(np.abs(got - old) <= RTOL * size)
    assert_same(np.einsum("tii->ti", got), np.einsum("tii->ti", old), rtol=RTOL, atol=0)


def test_before_and_after_are_one_step_apart_and_the_start_is_the_first_30_days() -> None:
    r = _returns(7, 100, 2, 3.0)
    before, after = ewma_covariance(r), ewma_covariance(r, after=True)
    assert_same(before[1:], after[:-1], rtol=0, atol=0)  # the same recursion, read twice
    assert_same(before[0], r[:30].T @ r[:30] / 30, rtol=1e-15, atol=0)
    assert_same(after[-1], LAM * before[-1] + (1 - LAM) * np.outer(r[-1], r[-1]), rtol=1e-14)
    assert ewma_covariance(np.empty(0)).shape == (0, 1, 1) and ewma_variance([]).shape == (0,)
    assert_same(after, np.transpose(after, (0, 2, 1)), rtol=1e-15, atol=0)  # symmetric


@pytest.mark.parametrize("n", [1, 29, 30, 31])
def test_a_short_history_starts_from_every_return_it_has(n: int) -> None:
    r = _returns(3, n, 1, 2.0)[:, 0]
    assert ewma_variance(r)[0] == pytest.approx(np.mean(r[: min(30, n)] ** 2), rel=1e-15)
