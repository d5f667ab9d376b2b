"""Invariants of the positions likelihood's observation profile (hypothesis).

The law (``positions/_likelihood.py``): ``P(y = 0) = p_zero``; for ``y > 0``,
``log y ~ N(log(scale · mu + floor), sigma²)``. :func:`profile_obs` profiles
``(scale, floor, sigma, p_zero)`` out for given book liquidations ``mu``; its
log-likelihood includes the ``−log y`` Jacobian term. Hence, exactly:

- recorded amounts times ``k``: ``scale`` and ``floor`` times ``k``, ``sigma`` and
  ``p_zero`` unchanged, the log-likelihood shifted by ``−n₊ · log k`` (``n₊`` the
  weighted count of positive bars: only they carry the Jacobian);
- book liquidations times ``k``: ``scale`` divided by ``k``, the rest unchanged;
- the profile's log-likelihood is the hurdle law's at its own parameters, and at
  least the hurdle law's at any fixed ``(scale, floor, sigma, p_zero)``;
- the bars' order does not matter, and an integer weight is the bar repeated.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.positions._likelihood import _FastProfile, hurdle_lognormal_loglik, profile_obs
from profiles import examples


def _case(seed: int, weighted: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Book liquidations, recorded amounts (USD, some zero) and bootstrap weights."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 200))
    mu = rng.lognormal(10, 2, n) * (rng.random(n) > rng.uniform(0, 0.5))
    true_scale, floor = 10 ** rng.uniform(-3, -1), 10 ** rng.uniform(3, 5)
    y = (true_scale * mu + floor) * np.exp(rng.normal(0, rng.uniform(0.3, 1.5), n))
    y[rng.random(n) < 0.1] = 0.0
    y[0] = max(y[0], 1.0)  # at least one positive bar
    w = rng.integers(0, 3, n).astype(np.float64) if weighted else np.ones(n)
    w[0] = max(w[0], 1.0)
    return mu, y, w


def _hurdle_sum(mu, y, w, obs) -> float:
    med = obs["scale"] * mu + obs["floor_usd"]
    ll = hurdle_lognormal_loglik(y, med, obs["sigma"], obs["p_zero"])
    on = w > 0  # a bar of weight 0 is not drawn (0 · log 0 would be NaN)
    return float(np.sum(w[on] * ll[on]))


_K = st.floats(1e-3, 1e3).filter(lambda k: abs(math.log(k)) > 1e-3)


@settings(max_examples=examples(25), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), weighted=st.booleans(), k=_K)
def test_amounts_times_k_scale_the_profile_and_shift_the_loglik(seed, weighted, k) -> None:
    mu, y, w = _case(seed, weighted)
    n_pos = float(np.sum(w * (y > 0)))
    ll, obs = profile_obs(mu, y, w)
    llk, obsk = profile_obs(mu, k * y, w)
    # the trust-region solver stops at its tolerances (scale and floor to ~1e-5,
    # the log-likelihood to ~1e-10 relative: see Objective.exact's note)
    assert_same(llk, ll - n_pos * math.log(k), rtol=1e-9, atol=1e-6)
    assert_same(obsk["sigma"], obs["sigma"], rtol=1e-6)
    assert obsk["p_zero"] == obs["p_zero"]  # a ratio of weight sums, no arithmetic on y
    assert_same(obsk["scale"], k * obs["scale"], rtol=1e-3)
    assert_same(obsk["floor_usd"], k * obs["floor_usd"], rtol=1e-3)
    # the kernel's profile reaches the least-squares minimum to rounding
    fa, fb = _FastProfile(y, w), _FastProfile(k * y, w)
    fll, fobs = fa(mu)
    fllk, fobsk = fb(mu)
    assert_same(fllk, fll - n_pos * math.log(k), rtol=1e-10, atol=1e-7)
    if fa.fallbacks == 0 and fb.fallbacks == 0:
        # the minimum is flat along the scale/floor trade-off: a last-bit change of
        # the objective moves the arg-min by ~1e-6 relative there
        assert_same(fobsk["scale"], k * fobs["scale"], rtol=1e-4)
        assert_same(fobsk["floor_usd"], k * fobs["floor_usd"], rtol=1e-4)


@settings(max_examples=examples(25), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), weighted=st.booleans(), k=_K)
def test_book_liquidations_times_k_divide_the_scale(seed, weighted, k) -> None:
    mu, y, w = _case(seed, weighted)
    fa = _FastProfile(y, w)
    ll, obs = fa(mu)
    llk, obsk = fa(k * mu)
    assert_same(llk, ll, rtol=1e-10, atol=1e-7)
    assert_same(obsk["sigma"], obs["sigma"], rtol=1e-6)
    if fa.fallbacks == 0:  # flat along the scale/floor trade-off (see above)
        assert_same(obsk["scale"], obs["scale"] / k, rtol=1e-4)
        assert_same(obsk["floor_usd"], obs["floor_usd"], rtol=1e-4)


@settings(max_examples=examples(25), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    weighted=st.booleans(),
    ds=st.floats(-3.0, 3.0),
    df=st.floats(-3.0, 3.0),
    sigma=st.floats(0.05, 4.0),
    p_zero=st.floats(0.0, 0.9),
)
def test_the_profile_is_the_maximum_over_fixed_parameters(
    seed, weighted, ds, df, sigma, p_zero
) -> None:
    mu, y, w = _case(seed, weighted)
    ll, obs = profile_obs(mu, y, w)
    # the profile's value is the law's log-likelihood at its own parameters
    assert_same(_hurdle_sum(mu, y, w, obs), ll, rtol=1e-10, atol=1e-6)
    # and no fixed point does better (up to the solver's last digits)
    other = {
        "scale": obs["scale"] * math.exp(ds),
        "floor_usd": obs["floor_usd"] * math.exp(df),
        "sigma": sigma,
        "p_zero": p_zero,
    }
    fixed = _hurdle_sum(mu, y, w, other)
    assert fixed <= ll + 1e-6 * abs(ll)
    # the profiled sigma and p_zero alone, at the profile's (scale, floor), are optimal
    for s in (0.5 * obs["sigma"], 0.9 * obs["sigma"], 1.1 * obs["sigma"]):
        assert _hurdle_sum(mu, y, w, obs | {"sigma": s}) < ll
    if 0.0 < obs["p_zero"] < 1.0:
        for p in (0.5 * obs["p_zero"], min(0.99, 1.5 * obs["p_zero"])):
            assert _hurdle_sum(mu, y, w, obs | {"p_zero": p}) < ll


@settings(max_examples=examples(25), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), perm_seed=st.integers(0, 2**32 - 1))
def test_bar_order_and_integer_weights(seed, perm_seed) -> None:
    mu, y, w = _case(seed, True)
    fa = _FastProfile(y, w)
    ll, obs = fa(mu)
    perm = np.random.default_rng(perm_seed).permutation(y.size)
    fp = _FastProfile(y[perm], w[perm])
    llp, obsp = fp(mu[perm])
    assert_same(llp, ll, rtol=1e-10, atol=1e-7)
    assert_same(obsp["sigma"], obs["sigma"], rtol=1e-6)
    # a weight of m is the bar repeated m times (the bootstrap's meaning)
    rep = np.repeat(np.arange(y.size), w.astype(np.int64))
    fr = _FastProfile(y[rep], None)
    llr, obsr = fr(mu[rep])
    assert_same(llr, ll, rtol=1e-10, atol=1e-7)
    assert_same(obsr["p_zero"], obs["p_zero"], rtol=1e-12)
    assert_same(obsr["sigma"], obs["sigma"], rtol=1e-6)
    if fa.fallbacks == 0 and fp.fallbacks == 0 and fr.fallbacks == 0:
        want = [obs["scale"], obs["floor_usd"]]
        assert_same([obsp["scale"], obsp["floor_usd"]], want, rtol=1e-4)
        assert_same([obsr["scale"], obsr["floor_usd"]], want, rtol=1e-4)
