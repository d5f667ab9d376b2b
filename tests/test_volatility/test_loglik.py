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
from liqcascade.volatility import _kernels as K
from liqcascade.volatility import arch_spec, fit_arch, log_returns
from liqcascade.volatility._loglik import FastLoglik, dist_constants, fast_loglik, installed
from profiles import examples

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
    bounds = np.empty((n, 2))  # tight bounds make the clipping branches run
    bounds[:, 0] = rng.uniform(0.5, 1.0) if tight else 1e-8
    bounds[:, 1] = rng.uniform(1.0, 3.0) if tight else 1e8
    dp = {K.DIST_NORMAL: [], K.DIST_T: [rng.uniform(2.1, 30)]}.get(
        dist, [rng.uniform(2.1, 30), rng.uniform(-1.2, 1.2)]
    )
    c = dist_constants(dist, np.asarray(dp, dtype=float))
    mu, backcast = float(rng.normal(0, 0.2)), float(rng.uniform(0.1, 4.0))
    out = [(np.zeros(n), np.zeros(n)) for _ in range(2)]
    args = (y, mu, vp, kind, p, o, q, backcast, bounds, dist, c, K.LNSIGMA_MAX)
    got = K.loglik(*args, *out[0])
    want = K.loglik_py(*args, *out[1])
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-12)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-12, atol=1e-12)


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
