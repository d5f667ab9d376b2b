"""The covariance's numerical Hessian with its points in one call (``volatility._hessian``).

Held to statsmodels' ``approx_hess3`` over the same likelihood, and the fitted model's
covariance to ``arch``'s own ``compute_param_cov``.
"""

from __future__ import annotations

import copy
import warnings

import arch.univariate.base as base
import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.numdiff import approx_hess3

from liqcascade import datasets
from liqcascade._numba import NUMBA_DISABLED
from liqcascade.volatility import _kernels as K
from liqcascade.volatility import arch_spec, fit_arch, log_returns
from liqcascade.volatility._hessian import BatchedCov, approx_hess
from liqcascade.volatility._loglik import FastLoglik, dist_constants

compiled = pytest.mark.skipif(NUMBA_DISABLED, reason="numba disabled: arch's likelihood")

CASES = [(m, d) for m in ("garch", "gjr", "egarch") for d in ("normal", "t", "skewt")]
#: the same points, the same values, the same formula: equal to the last bits on this
#: machine (stated as 1e-12 relative)
REL = 1e-12


@pytest.fixture(scope="module")
def eth_daily() -> pd.Series:
    return log_returns(datasets.load_ohlcv("ETH", "1d")["close"], "2021-01-01", "2024-12-31")


def _fit(r: pd.Series, model: str, dist: str) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_arch(arch_spec(r, model, dist), disp="off", show_warning=False)


def _kwargs(m: object) -> dict[str, object]:
    resids = m.resids(m.starting_values())  # type: ignore[attr-defined]
    return {
        "sigma2": np.zeros(resids.shape[0]),
        "backcast": m._backcast,  # type: ignore[attr-defined]
        "var_bounds": m.volatility.variance_bounds(resids),  # type: ignore[attr-defined]
        "individual": False,
    }


@compiled
@pytest.mark.parametrize(("model", "dist"), CASES, ids=[f"{m}-{d}" for m, d in CASES])
def test_the_hessian_is_statsmodels(model: str, dist: str, eth_daily: pd.Series) -> None:
    res = _fit(eth_daily, model, dist)
    m = res.model  # type: ignore[attr-defined]
    fast = m._loglikelihood
    assert isinstance(fast, FastLoglik)
    rng = np.random.default_rng(len(model) + len(dist))
    x0 = np.asarray(res.params, dtype=float)  # type: ignore[attr-defined]
    for x in (x0, x0 * (1 + rng.uniform(-1e-3, 1e-3, x0.size))):
        kw = _kwargs(m)
        want = approx_hess3(x, copy.deepcopy(fast), kwargs=kw)  # a copy: nothing remembered
        got = approx_hess(x, fast, kwargs=kw)
        np.testing.assert_allclose(got, want, rtol=REL, atol=0)
        again = approx_hess(x, fast, kwargs=kw)  # every point remembered now
        np.testing.assert_allclose(again, got, rtol=0, atol=0)


@compiled
@pytest.mark.parametrize(("model", "dist"), [("gjr", "t"), ("egarch", "skewt")])
def test_the_fitted_models_covariance_is_archs(model: str, dist: str, eth_daily: pd.Series) -> None:
    res = _fit(eth_daily, model, dist)
    m = res.model  # type: ignore[attr-defined]
    assert isinstance(vars(m)["compute_param_cov"], BatchedCov)
    x = np.asarray(res.params, dtype=float)  # type: ignore[attr-defined]
    plain = base.approx_hess
    for robust in (False, True):
        got = m.compute_param_cov(x, robust=robust)
        assert base.approx_hess is plain  # arch's module left as it was
        ref = copy.deepcopy(m)  # arch's method, statsmodels' Hessian, nothing remembered
        want = type(ref).compute_param_cov(ref, x, robust=robust)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)
    se = np.asarray(res.std_err, dtype=float)  # type: ignore[attr-defined]
    assert np.all(np.isfinite(se)) and np.all(se > 0)


def test_another_objective_goes_to_statsmodels() -> None:
    def f(x: np.ndarray) -> float:
        return float(x[0] ** 2 * x[1] + np.sin(x[1]))

    x = np.array([0.3, 1.2])
    np.testing.assert_allclose(approx_hess(x, f), approx_hess3(x, f), rtol=0, atol=0)


@compiled
def test_the_points_kernel_is_loglik_at_each_point() -> None:
    rng = np.random.default_rng(5)
    for kind, dist, (p, o, q) in [(K.VOL_GARCH, K.DIST_T, (1, 1, 1)),
                                  (K.VOL_EGARCH, K.DIST_SKEWT, (1, 1, 1)),
                                  (K.VOL_GARCH, K.DIST_NORMAL, (2, 0, 1))]:  # fmt: skip
        n = int(rng.integers(50, 600))
        y = rng.standard_t(4, n) * 2.0
        bounds = np.column_stack([np.full(n, 1e-6), np.full(n, 1e6)])
        kv = 1 + p + o + q
        nd = {K.DIST_NORMAL: 0, K.DIST_T: 1, K.DIST_SKEWT: 2}[dist]
        pts = np.empty((12, 1 + kv + nd))
        pts[:, 0] = rng.normal(0, 0.1, 12)
        pts[:, 1] = rng.uniform(0.05, 0.3, 12)
        pts[:, 2:kv] = rng.uniform(0.0, 0.1, (12, kv - 2))
        pts[:, kv] = rng.uniform(0.5, 0.85, 12)
        if nd:
            pts[:, 1 + kv] = rng.uniform(3.0, 20.0, 12)
        if nd == 2:
            pts[:, 2 + kv] = rng.uniform(-0.5, 0.5, 12)
        consts = np.array([dist_constants(dist, row[1 + kv :]) for row in pts])
        out = np.empty(12)
        K.loglik_points(y, pts, kind, p, o, q, 1.5, bounds, dist, consts, K.LNSIGMA_MAX, out)
        for r in range(12):
            vp = pts[r, 1 : 1 + kv].copy()
            scratch = (np.empty(n), np.empty(n))
            want = K.loglik(y, pts[r, 0], vp, kind, p, o, q, 1.5, bounds, dist, consts[r],
                            K.LNSIGMA_MAX, *scratch)  # fmt: skip
            assert out[r] == pytest.approx(want, rel=1e-15, abs=0)
