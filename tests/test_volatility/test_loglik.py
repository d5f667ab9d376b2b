"""The compiled log-likelihood (``volatility._kernels``, ``volatility._loglik``).

Held to ``arch``'s ``_loglikelihood`` on the bundled returns at many parameter points,
to its pure-Python twin on random series, and the fits that use it to ``arch``'s.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from arch import arch_model
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade import datasets
from liqcascade._numba import NUMBA_DISABLED
from liqcascade.volatility import _kernels as K
from liqcascade.volatility import arch_spec, fit_arch, log_returns
from liqcascade.volatility._loglik import FastLoglik, dist_constants, fast_loglik, installed
from profiles import examples

#: the fits use the kernel only when numba compiles it (``fast_loglik`` is None otherwise)
compiled = pytest.mark.skipif(NUMBA_DISABLED, reason="numba disabled: arch's likelihood")

CASES = [(m, d) for m in ("garch", "gjr", "egarch") for d in ("normal", "t", "skewt")]
#: arch computes the same operations in the same order: equal to the last bits on this
#: machine; the tolerance leaves room for a C library whose log differs by an ulp
REL = 1e-12


@pytest.fixture(scope="module")
def btc_daily() -> pd.Series:
    return log_returns(datasets.load_ohlcv("BTC", "1d")["close"])


def _fitted(r: pd.Series, model: str, dist: str) -> tuple[object, np.ndarray]:
    am = arch_spec(r, model, dist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = am.fit(disp="off", show_warning=False)  # arch's own objective
    return am, np.asarray(res.params, dtype=float)


def _args(am: object) -> tuple[np.ndarray, float, np.ndarray]:
    resids = am.resids(am.starting_values())  # type: ignore[attr-defined]
    v = am.volatility  # type: ignore[attr-defined]
    return resids, float(v.backcast(resids)), v.variance_bounds(resids)


@compiled
@pytest.mark.parametrize(("model", "dist"), CASES, ids=[f"{m}-{d}" for m, d in CASES])
def test_equals_archs_loglikelihood_on_bundled_returns(
    model: str, dist: str, btc_daily: pd.Series
) -> None:
    am, x0 = _fitted(btc_daily, model, dist)
    fast = fast_loglik(am)
    assert isinstance(fast, FastLoglik)
    resids, backcast, bounds = _args(am)
    rng = np.random.default_rng(7)
    finite = 0
    for _ in range(120):  # around the optimum, and far from it (bounds reached)
        x = x0 * (1 + rng.choice([0.02, 0.3]) * rng.standard_normal(x0.size))
        s_arch, s_fast = np.zeros(resids.size), np.zeros(resids.size)
        want = am._loglikelihood(x, s_arch, backcast, bounds)  # type: ignore[attr-defined]
        got = fast(x, s_fast, backcast, bounds)
        np.testing.assert_allclose(got, want, rtol=REL)  # NaN where arch's is (nu < 2)
        np.testing.assert_allclose(s_fast, s_arch, rtol=REL)  # sigma2 filled as arch fills it
        terms = am._loglikelihood(x, s_arch, backcast, bounds, individual=True)  # type: ignore[attr-defined]
        np.testing.assert_allclose(fast(x, s_fast, backcast, bounds, True), terms, rtol=REL)
        finite += bool(np.isfinite(want))
    assert finite >= 80  # most points are inside the model's domain


@compiled
def test_a_sample_cut_by_last_obs_is_the_cut_one(btc_daily: pd.Series) -> None:
    am = arch_spec(btc_daily, "gjr", "t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = am.fit(disp="off", last_obs=1500)
        fast = fit_arch(am, disp="off", last_obs=1500)
    assert installed(fast.model) and not installed(am)
    assert fast.nobs == plain.nobs == 1500
    assert fast.loglikelihood == pytest.approx(plain.loglikelihood, rel=1e-9)
    np.testing.assert_allclose(fast.params, plain.params, rtol=1e-4, atol=1e-6)


@compiled
@pytest.mark.parametrize(("model", "dist"), CASES, ids=[f"{m}-{d}" for m, d in CASES])
def test_fits_and_standard_errors_equal_archs(model: str, dist: str, btc_daily: pd.Series) -> None:
    r = btc_daily.iloc[-1200:]
    am = arch_spec(r, model, dist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = fit_arch(am, disp="off", show_warning=False)
        plain = fit_arch(arch_spec(r, model, dist), disp="off", show_warning=False)
        ref = arch_spec(r, model, dist)
        ref._loglikelihood = ref._loglikelihood  # marks it taken: fit_arch leaves it alone
        archs = fit_arch(ref, disp="off", show_warning=False)
    assert installed(fast.model) and not installed(archs.model)
    # the same objective values: the optimiser's path and end are arch's (within its
    # tolerance where an ulp of the C library's log moved a finite difference)
    assert fast.loglikelihood == pytest.approx(archs.loglikelihood, rel=1e-9)
    np.testing.assert_allclose(fast.params, archs.params, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(fast.std_err, archs.std_err, rtol=1e-3)
    np.testing.assert_allclose(fast.params, plain.params, rtol=1e-12)  # deterministic


def test_models_the_kernel_does_not_cover_are_left_to_arch(btc_daily: pd.Series) -> None:
    y = btc_daily.iloc[-800:]
    uncovered = [
        arch_model(y, mean="AR", lags=1, vol="GARCH", dist="t"),
        arch_model(y, mean="Constant", vol="GARCH", power=1.0, dist="t"),
        arch_model(y, mean="Constant", vol="HARCH", lags=[1, 5], dist="normal"),
        arch_model(y, mean="Constant", vol="GARCH", dist="ged"),
        arch_model(y, mean="Zero", vol="GARCH", dist="normal"),
    ]
    for am in uncovered:
        assert fast_loglik(am) is None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = fit_arch(am, disp="off", show_warning=False)
        assert not installed(res.model)
        assert np.isfinite(res.loglikelihood)


def test_the_skewt_constants_clip_lambda_as_arch_does() -> None:
    c = dist_constants(K.DIST_SKEWT, np.array([5.0, 1.0]))
    assert c[4] == pytest.approx(1.0 - 1e-6, rel=1e-15)
    c = dist_constants(K.DIST_SKEWT, np.array([5.0, -0.3]))
    assert c[4] == pytest.approx(-0.3, rel=1e-15)
    b, a = c[1], c[2]
    assert b > 0 and a < 0  # a has lambda's sign; b**2 = 1 + 3 lambda**2 - a**2
    assert b**2 == pytest.approx(1 + 3 * 0.09 - a**2, rel=1e-12)


def _bounds_and_dist(
    rng: np.random.Generator, n: int, tight: bool, dist: int
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Random variance bounds (tight ones make the clipping branches run), the density's
    constants, mu and the backcast, drawn in that order."""
    bounds = np.empty((n, 2))
    bounds[:, 0] = rng.uniform(0.5, 1.0) if tight else 1e-8
    bounds[:, 1] = rng.uniform(1.0, 3.0) if tight else 1e8
    dp = {K.DIST_NORMAL: [], K.DIST_T: [rng.uniform(2.1, 30)]}.get(
        dist, [rng.uniform(2.1, 30), rng.uniform(-1.2, 1.2)]
    )
    c = dist_constants(dist, np.asarray(dp, dtype=float))
    return bounds, c, float(rng.normal(0, 0.2)), float(rng.uniform(0.1, 4.0))


@settings(max_examples=examples(60), deadline=None)
@given(
    n=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from([K.VOL_GARCH, K.VOL_EGARCH]),
    dist=st.sampled_from([K.DIST_NORMAL, K.DIST_T, K.DIST_SKEWT]),
    orders=st.sampled_from([(1, 0, 1), (1, 1, 1), (2, 1, 1), (1, 0, 0), (0, 1, 2)]),
    tight=st.booleans(),
)
def test_the_kernel_equals_its_python_twin(
    n: int, seed: int, kind: int, dist: int, orders: tuple[int, int, int], tight: bool
) -> None:
    rng = np.random.default_rng(seed)
    y = rng.standard_t(4, size=n) * rng.uniform(0.1, 5.0)
    p, o, q = orders
    vp = np.concatenate([[rng.uniform(0.01, 0.5)], rng.uniform(-0.2 if kind else 0, 0.3, p + o)])
    vp = np.concatenate([vp, rng.uniform(0.0, 0.95 / max(q, 1), q)])
    if kind == K.VOL_EGARCH:
        vp[0] = rng.uniform(-0.5, 0.5)
    bounds, c, mu, backcast = _bounds_and_dist(rng, n, tight, dist)
    out = [(np.zeros(n), np.zeros(n)) for _ in range(2)]
    args = (y, mu, vp, kind, p, o, q, backcast, bounds, dist, c, K.LNSIGMA_MAX)
    got = K.loglik(*args, *out[0])
    want = K.loglik_py(*args, *out[1])
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-12)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-12, atol=1e-12)


@settings(max_examples=examples(120), deadline=None)
@given(
    n=st.integers(1, 3000),
    seed=st.integers(0, 2**32 - 1),
    model=st.sampled_from([(K.VOL_GARCH, 0), (K.VOL_GARCH, 1), (K.VOL_EGARCH, 1)]),
    dist=st.sampled_from([K.DIST_NORMAL, K.DIST_T, K.DIST_SKEWT]),
    tight=st.booleans(),
)
def test_the_one_loop_kernels_equal_the_separate_passes(
    n: int, seed: int, model: tuple[int, int], dist: int, tight: bool
) -> None:
    # GARCH(1,1), GJR(1,1,1), EGARCH(1,1,1): variance and density in one loop, the same
    # operations as garch_variance / egarch_variance, then densities
    kind, o = model
    rng = np.random.default_rng(seed)
    y = rng.standard_t(3, size=n) * rng.uniform(0.1, 5.0)
    vp = np.concatenate([[rng.uniform(0.01, 0.5)], rng.uniform(-0.2 if kind else 0, 0.3, 1 + o)])
    vp = np.concatenate([vp, [rng.uniform(0.0, 0.99)]])
    if kind == K.VOL_EGARCH:
        vp[0] = rng.uniform(-0.5, 0.5)
    bounds, c, mu, backcast = _bounds_and_dist(rng, n, tight, dist)
    s1, l1 = np.zeros(n), np.zeros(n)
    got = K.loglik(y, mu, vp, kind, 1, o, 1, backcast, bounds, dist, c, K.LNSIGMA_MAX, s1, l1)
    resids = y - mu
    s2, l2 = np.zeros(n), np.zeros(n)
    if kind == K.VOL_EGARCH:
        K.egarch_variance(resids, vp, 1, o, 1, backcast, bounds, K.LNSIGMA_MAX, s2)
    else:
        K.garch_variance(resids, vp, 1, o, 1, backcast, bounds, s2)
    K.densities(resids, s2, dist, c, l2)
    # the same operations in the same order: equal to the last bit (stated as 1e-15)
    np.testing.assert_allclose(s1, s2, rtol=1e-15, atol=0)
    np.testing.assert_allclose(l1, l2, rtol=1e-15, atol=1e-300)
    assert got == pytest.approx(K.pairwise_sum(l2), rel=1e-15, abs=1e-300)


@settings(max_examples=examples(60), deadline=None)
@given(n=st.integers(0, 5000), seed=st.integers(0, 2**32 - 1))
def test_the_sum_is_numpys_pairwise_sum(n: int, seed: int) -> None:
    a = np.random.default_rng(seed).standard_normal(n) * 1e3
    # numpy's order of additions: equal to the last bit (stated as 1e-15 relative)
    assert K.pairwise_sum(a) == pytest.approx(float(np.sum(a)), rel=1e-15, abs=1e-300)


def test_the_sum_adds_in_numpys_order_not_one_by_one() -> None:
    # 1 + 2**-53 + ... : a running sum loses every small term, numpy's blocks keep some
    a = np.concatenate([[1.0], np.full(1023, 2.0**-53)])
    running = 0.0
    for v in a:
        running += v
    assert running == 1.0
    assert K.pairwise_sum(a) == pytest.approx(float(np.sum(a)), rel=1e-16)
    assert K.pairwise_sum(a) > 1.0


@compiled
def test_a_point_evaluated_again_is_remembered_not_recomputed(btc_daily: pd.Series) -> None:
    import copy
    import pickle

    am = arch_spec(btc_daily.iloc[-900:], "gjr", "t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_arch(am, disp="off", show_warning=False)
    fast = res.model._loglikelihood
    assert isinstance(fast, FastLoglik)
    x = np.asarray(res.params, dtype=float)
    classic = res.model.compute_param_cov(x, robust=False)
    n = len(fast._values)
    assert n > 20  # the Hessian's points
    again = res.model.compute_param_cov(x, robust=False)
    assert len(fast._values) == n  # every point known
    np.testing.assert_allclose(again, classic, rtol=1e-15)
    # the robust covariance's Hessian is the same points; its scores (terms) are computed
    robust = res.model.compute_param_cov(x)
    assert len(fast._values) == n
    ref = arch_spec(btc_daily.iloc[-900:], "gjr", "t")
    ref._adjust_sample(None, None)
    want = ref.compute_param_cov(x, backcast=res.model._backcast)  # arch's own, from scratch
    # the scores are finite differences of per-observation terms: where NumPy's sums take
    # other SIMD paths than the kernel's replay (an AVX-512 CPU), their last bits differ
    # and the differences carry ~1e-12 of absolute error into the small covariances
    # (2e-8 relative on an element 1e-5 of a matrix up to 1e-2): tolerance in the matrix's scale
    np.testing.assert_allclose(robust, want, rtol=1e-9, atol=1e-9 * np.abs(want).max())
    # a changed point, backcast or sample is another key
    s2 = np.zeros(900)
    resids = res.model.resids(x)
    bounds = res.model.volatility.variance_bounds(resids)
    v1 = fast(x, s2, 1.0, bounds)
    v2 = fast(x, s2, 1.0 + 1e-12, bounds)
    assert v1 != v2
    assert copy.deepcopy(res.model)._loglikelihood._values == {}
    assert pickle.loads(pickle.dumps(fast))._values == {}


@compiled
@pytest.mark.parametrize(("model", "dist"), CASES, ids=[f"{m}-{d}" for m, d in CASES])
def test_the_gradient_is_scipys_forward_difference(
    model: str, dist: str, btc_daily: pd.Series
) -> None:
    from scipy.optimize._numdiff import approx_derivative

    from liqcascade.volatility._loglik import FDGradient

    am, x0 = _fitted(btc_daily.iloc[-700:], model, dist)
    fast = fast_loglik(am)
    assert fast is not None
    resids, backcast, bounds = _args(am)
    arch_bounds = am.bounds() + am.volatility.bounds(resids)  # type: ignore[attr-defined]
    arch_bounds += am.distribution.bounds(resids)  # type: ignore[attr-defined]
    lb = np.array([b[0] for b in arch_bounds], dtype=float)
    ub = np.array([b[1] for b in arch_bounds], dtype=float)
    eps = float(np.sqrt(np.finfo(float).eps))
    grad = FDGradient(fast, arch_bounds, eps)
    rng = np.random.default_rng(3)
    points = [x0, np.clip(x0, lb, ub)]
    points += [np.clip(x0 * (1 + 0.05 * rng.standard_normal(x0.size)), lb, ub) for _ in range(20)]
    points.append(np.where(np.isfinite(ub), ub, x0))  # at upper bounds: backward steps
    for x in points:
        s = np.zeros(resids.size)
        args = (s, backcast, bounds)
        want = approx_derivative(
            fast, x, method="2-point", abs_step=eps, bounds=(lb, ub), args=args
        )  # what SLSQP computes when given no gradient
        got = grad(x, *args)
        # the same steps and differences of the same values: equal to the last bit here
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@compiled
def test_a_fit_with_the_gradient_is_the_fit_without(btc_daily: pd.Series) -> None:
    import arch.univariate.base as base

    from liqcascade.volatility import _slsqp

    r = btc_daily.iloc[-1000:]
    out = []
    for patch in (True, False):
        saved = _slsqp.with_fd_gradient
        if not patch:
            _slsqp.with_fd_gradient = lambda m: m  # type: ignore[assignment]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(fit_arch(arch_spec(r, "egarch", "skewt"), disp="off"))
        finally:
            _slsqp.with_fd_gradient = saved
    assert base.minimize.__module__.startswith("scipy")  # put back
    fd, plain = out
    # the same path: the same iterations to the same end
    assert fd.optimization_result.nit == plain.optimization_result.nit
    np.testing.assert_allclose(fd.params, plain.params, rtol=1e-12)
    assert fd.loglikelihood == pytest.approx(plain.loglikelihood, rel=1e-14)
