"""The fast likelihood evaluation computes the fit the reference computes.

``liqmap calibrate --asset A`` evaluates the profile likelihood with numba kernels
(:mod:`liqcascade.positions._fit_kernels`) and searches with a Nelder–Mead that
settles close comparisons on the reference evaluation
(:mod:`liqcascade.positions._twotier`). Checked here: each kernel against its
plain-Python twin on random cases, the walk's liquidations against the full walk's,
the fast profile against scipy's trust-region profile, the search against scipy's
Nelder–Mead (same evaluations, same end), and on real ETH data the fit and a refit
against the reference engine, and the refits across ``jobs``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from floats import assert_same
from liqcascade._time import to_utc
from liqcascade.errors import InputError
from liqcascade.positions._fit_kernels import grid_mu_nb, grid_mu_py, profile_ab_nb, profile_ab_py
from liqcascade.positions._grid_kernels import grid_walk_nb
from liqcascade.positions._likelihood import (
    _FastProfile,
    bootstrap_fits,
    fit_book,
    profile_obs,
)
from liqcascade.positions._model import BookParams
from liqcascade.positions._twotier import NOISE, TwoTier, nelder_mead


def _walk_inputs(rng: np.random.Generator, n: int, n_grid: int) -> tuple:
    """Random walk inputs inside a grid of ``n_grid`` bins (step 0.0025, centred prices)."""
    h = 0.0025
    log_p0 = math.log(1000.0)
    mid = log_p0 + h * n_grid / 2
    lc = mid + np.cumsum(rng.normal(0, 0.01, n))
    lc = np.clip(lc, log_p0 + 0.3, log_p0 + h * n_grid - 0.3)
    close = np.exp(lc)
    open_ = np.r_[close[0], close[:-1]]
    wick = np.abs(rng.normal(0, 0.006, (2, n)))
    high = np.maximum(open_, close) * (1 + wick[0])
    low = np.minimum(open_, close) * (1 - wick[1])
    target = 1e6 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    share = rng.uniform(0.2, 0.8, n)
    nj = int(rng.integers(5, 120))
    w = rng.exponential(1.0, nj) * (rng.random(nj) > 0.2)
    safe = float(rng.uniform(0.0, 0.6))
    w = w / max(w.sum(), 1e-12) * (1 - safe)
    turnover = float(rng.choice([0.0, rng.uniform(0, 0.6)]))
    return (open_, low, high, target, share, w, safe, int(rng.integers(1, 4)), log_p0, h, n_grid,
            turnover)  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_mu_kernel_equals_the_full_walk_and_its_twin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    args = _walk_inputs(rng, int(rng.integers(20, 160)), int(rng.integers(400, 900)))
    ml, ms = grid_mu_nb(*args)
    full = grid_walk_nb(*args)
    # same terms in the same order: the loops only skip empty (zero) bins
    assert_same(ml, full[0], rtol=1e-14, atol=0.0)
    assert_same(ms, full[1], rtol=1e-14, atol=0.0)
    pl, ps = grid_mu_py(*args)  # the dict twin sums in another order
    assert_same(ml, pl, rtol=1e-9, atol=1e-6)
    assert_same(ms, ps, rtol=1e-9, atol=1e-6)


def _profile_case(rng: np.random.Generator) -> tuple:
    n = int(rng.integers(30, 300))
    mu = rng.lognormal(10, 2, n) * (rng.random(n) > rng.uniform(0, 0.5))
    true_scale, floor = 10 ** rng.uniform(-3, -1), 10 ** rng.uniform(3, 5)
    y = (true_scale * mu + floor) * np.exp(rng.normal(0, rng.uniform(0.3, 1.5), n))
    y[rng.random(n) < 0.05] = 0.0
    w = rng.integers(0, 3, n).astype(np.float64) if rng.random() < 0.5 else np.ones(n)
    return mu, y, w


@pytest.mark.parametrize("seed", range(60))
def test_profile_kernel_equals_its_twin(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    mu, y, w = _profile_case(rng)
    pos = y > 0
    wp = w * pos
    ly = np.log(np.where(pos, y, 1.0))
    sref = float(np.sum(wp * y) / max(np.sum(wp * mu), 1e-300))
    fref = float(np.exp(np.sum(wp * ly) / wp.sum()))
    a, b, f, u = profile_ab_nb(mu, ly, wp, sref, fref)
    pa, pb, pf, pu = profile_ab_py(mu, ly, wp, sref, fref)
    assert u == pu
    assert_same([a, b, f], [pa, pb, pf], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("seed", range(60))
def test_fast_profile_is_the_trust_region_profile(seed: int) -> None:
    # where the kernel's searches agree on one minimum, its log-likelihood is the
    # reference's to far below the search's NOISE (the TwoTier contract), and so are
    # the profiled sigma and p_zero; elsewhere it is the reference itself
    rng = np.random.default_rng(300 + seed)
    mu, y, w = _profile_case(rng)
    if not (w * (y > 0)).sum():
        return
    ll, obs = _FastProfile(y, w)(mu)
    ll_ref, obs_ref = profile_obs(mu, y, w)
    assert abs(ll - ll_ref) < NOISE / 10
    assert_same([obs["sigma"], obs["p_zero"]], [obs_ref["sigma"], obs_ref["p_zero"]], rtol=1e-8)
    assert_same([obs["scale"], obs["floor_usd"]], [obs_ref["scale"], obs_ref["floor_usd"]],
                rtol=1e-3)  # fmt: skip


def _rugged(c: np.ndarray, a: np.ndarray):  # type: ignore[no-untyped-def]
    def f(x: np.ndarray) -> float:
        z = a @ (np.asarray(x) - c)
        return float(np.sum(np.log1p(z**2)) + 0.1 * np.sum(np.cos(3 * np.asarray(x))))

    return f


@pytest.mark.parametrize("noisy", [False, True])
def test_settled_nelder_mead_is_scipys(noisy: bool) -> None:
    # on random objectives: the same evaluations (count, an int) and the same end as
    # scipy's Nelder-Mead on the exact objective, also when the fast tier is off by
    # up to 1e-9 (its comparisons are settled on the exact tier)
    rng = np.random.default_rng(7)
    for _ in range(60):
        d = int(rng.integers(2, 8))
        f = _rugged(rng.normal(size=d), rng.normal(size=(d, d)))
        x0 = rng.normal(size=d)
        sim = np.vstack([x0] + [x0 + rng.uniform(0.05, 0.5) * np.eye(d)[i] for i in range(d)])
        maxiter = int(rng.integers(5, 300))
        calls: list[int] = []

        def counted(x: np.ndarray, f=f, calls=calls) -> float:  # type: ignore[no-untyped-def]
            calls.append(1)
            return f(x)

        ref = minimize(counted, x0, method="Nelder-Mead", options={
            "maxiter": maxiter, "xatol": 1e-3, "fatol": 1e-3, "initial_simplex": sim})  # fmt: skip
        n_ref = len(calls)
        calls.clear()

        def fast(x: np.ndarray, f=f) -> float:  # type: ignore[no-untyped-def]
            v = counted(x)
            return v + (1e-9 * math.sin(1e3 * float(np.sum(x))) if noisy else 0.0)

        tt = TwoTier(fast, f, lambda x: x.tobytes())
        x, fx = nelder_mead(tt, sim, maxiter, 1e-3, 1e-3)
        assert len(calls) == n_ref
        assert_same(x, ref.x)
        assert_same(fx, float(ref.fun))


def test_two_tier_settles_near_ties_on_the_exact_values() -> None:
    exact = {0: 1.0, 1: 1.0 + NOISE / 2, 2: 3.0}
    tt = TwoTier(lambda x: exact[int(x[0])] - (0.6 * NOISE if int(x[0]) == 1 else 0.0),
                 lambda x: exact[int(x[0])], lambda x: int(x[0]))  # fmt: skip
    xs = [np.array([0.0]), np.array([1.0]), np.array([2.0])]
    vals = tt.settle(xs, [tt(x) for x in xs])
    # the fast values order 1 before 0; the exact ones 0 before 1
    assert vals[0] < vals[1]
    assert tt.is_exact(xs[0]) and tt.is_exact(xs[1]) and not tt.is_exact(xs[2])


@pytest.fixture(scope="module")
def eth() -> object:
    from liqcascade.market._inputs import load_market_frames

    return load_market_frames("ETH", "4h", None)


_SMALL = {"n_sobol": 8, "n_local": 2, "maxiter": 60, "restarts": 1}


def test_fit_equals_the_reference_engine_on_real_eth(eth: object) -> None:
    # a reduced global search (8 Sobol points, 2 local searches) on ETH to 2025-01-31
    t0, t1 = to_utc("2024-11-13"), to_utc("2025-02-01") - pd.Timedelta(microseconds=1)
    ref = fit_book(eth, t0, t1, engine="reference", **_SMALL)  # type: ignore[arg-type]
    new = fit_book(eth, t0, t1, engine="numba", **_SMALL)  # type: ignore[arg-type]
    assert new.evaluations == ref.evaluations  # the same points visited
    assert len(new.optima) == len(ref.optima)
    for (la, pa), (lb, pb) in zip(new.optima, ref.optima, strict=True):
        assert_same(la, lb, rtol=1e-12)
        assert_same(list(pa.to_dict().values()), list(pb.to_dict().values()), rtol=1e-12)


def test_refits_equal_the_reference_and_do_not_depend_on_jobs(eth: object) -> None:
    t0, t1 = to_utc("2024-11-13"), to_utc("2025-01-01") - pd.Timedelta(microseconds=1)
    fit = fit_book(eth, t0, t1, **_SMALL)  # type: ignore[arg-type]
    kw = {"n": 2, "seed": 3, **_SMALL, "maxiter": 40, "restarts": 0}
    one = bootstrap_fits(eth, t0, t1, fit.params, **kw)  # type: ignore[arg-type]
    two = bootstrap_fits(eth, t0, t1, fit.params, jobs=2, **kw)  # type: ignore[arg-type]
    ref = bootstrap_fits(eth, t0, t1, fit.params, engine="reference", **kw)  # type: ignore[arg-type]
    again = bootstrap_fits(eth, t0, t1, fit.params, **kw)  # type: ignore[arg-type]
    for a, b, c, d in zip(one, two, ref, again, strict=True):
        va, vb, vc, vd = (list(p.to_dict().values()) for p in (a, b, c, d))
        assert va == vd  # same process, same seed: bit-equal
        assert_same(va, vb)
        assert_same(va, vc)


def test_bad_engine_and_jobs_are_input_errors(eth: object) -> None:
    t0, t1 = to_utc("2024-11-13"), to_utc("2025-01-01")
    with pytest.raises(InputError, match="engine"):
        fit_book(eth, t0, t1, engine="fast")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="jobs"):
        bootstrap_fits(eth, t0, t1, BookParams(), jobs=0)  # type: ignore[arg-type]
