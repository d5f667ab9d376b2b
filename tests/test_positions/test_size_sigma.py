"""The size-dependent log-sd of the observation law (``positions._size_sigma``).

``sigma_i^2 = s_big^2 + (s_small^2 - s_big^2) w_i`` with ``w_i`` the floor's share of
the bar's median, fitted by maximum likelihood given the medians; the back-test's band
draws each bar with its own log-sd (``predictive_draws(..., sigmas)``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.positions._expanding import (
    MonthlyFit,
    calibrate_day_share,
    predict_month,
    predictive_draws,
    size_sigmas,
    window_bar_sigmas,
)
from liqcascade.positions._model import BookParams
from liqcascade.positions._size_sigma import (
    SizeSigma,
    constant_sigma,
    fit_size_sigma,
    floor_share,
    size_sigma_loglik,
    size_sigma_loglik_py,
)
from profiles import examples
from test_positions.test_bootstrap import TRUTH, _frames
from test_positions.test_level_factor import _heteroskedastic, _window


@pytest.mark.parametrize("seed", range(5))
def test_loglik_matches_its_plain_python_twin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    r = rng.normal(0.0, 1.0, n)
    w = rng.random(n)
    s_small, s_big = rng.uniform(0.2, 2.0, 2)
    got = size_sigma_loglik(r, w, s_small, s_big)
    assert got == pytest.approx(size_sigma_loglik_py(r, w, s_small, s_big), rel=1e-12)


def test_loglik_by_hand() -> None:
    # r = (0, 1), w = (1, 0), s_small 2, s_big 1: v = (4, 1);
    # -0.5 * (2 log 2pi + log 4 + 0 / 4 + 1 / 1) = -3.0310242
    got = size_sigma_loglik(np.array([0.0, 1.0]), np.array([1.0, 0.0]), 2.0, 1.0)
    assert got == pytest.approx(-0.5 * (2 * math.log(2 * math.pi) + math.log(4.0) + 1.0), rel=1e-12)
    assert got == pytest.approx(-3.0310242, abs=1e-6)


def test_fit_by_hand_on_two_groups() -> None:
    # ten floor-only bars (w = 1) with log residuals +-2 and ten bars the book dominates
    # (w = 1e-9) with +-0.5: the maximum is each group's root mean square, 2 and 0.5
    floor = 1.0
    med = np.r_[np.full(10, 1.0), np.full(10, 1e9)]
    r = np.r_[np.tile([2.0, -2.0], 5), np.tile([0.5, -0.5], 5)]
    fn = fit_size_sigma(med * np.exp(r), med, floor)
    assert fn.s_small == pytest.approx(2.0, rel=1e-5)
    assert fn.s_big == pytest.approx(0.5, rel=1e-5)
    assert fn.n == 20
    # one log-sd: sqrt((4 + 0.25) / 2); the gain is the log-likelihood difference
    s0 = math.sqrt(2.125)
    ll0 = -0.5 * 20 * (math.log(2 * math.pi * s0**2) + 1.0)
    ll1 = -0.5 * 10 * (math.log(2 * math.pi * 4.0) + 1.0) - 0.5 * 10 * (
        math.log(2 * math.pi * 0.25) + 1.0
    )
    assert fn.loglik_const == pytest.approx(ll0, rel=1e-9)
    assert fn.loglik == pytest.approx(ll1, rel=1e-6)
    assert fn.aic_gain == pytest.approx(2 * (ll1 - ll0) - 2, rel=1e-6)


def test_fit_recovers_a_simulated_variance_function() -> None:
    rng = np.random.default_rng(3)
    floor = 2e5
    med = floor * np.exp(rng.uniform(0.0, 4.0, 4000))  # floor share 0.02 ... 1
    sd = np.sqrt(0.5**2 + (1.4**2 - 0.5**2) * floor_share(med, floor))
    y = med * np.exp(sd * rng.standard_normal(med.size))
    fn = fit_size_sigma(y, med, floor)
    assert fn.s_small == pytest.approx(1.4, rel=0.06)
    assert fn.s_big == pytest.approx(0.5, rel=0.10)
    assert fn.aic_gain > 100


def test_one_log_sd_data_give_no_gain_and_equal_log_sds() -> None:
    rng = np.random.default_rng(4)
    floor = 2e5
    med = floor * np.exp(rng.uniform(0.0, 4.0, 4000))
    fn = fit_size_sigma(med * np.exp(0.8 * rng.standard_normal(med.size)), med, floor)
    assert fn.s_small == pytest.approx(0.8, rel=0.06)
    assert fn.s_big == pytest.approx(0.8, rel=0.06)
    assert fn.aic_gain < 10  # chi-square(1) / AIC: rarely above a few units


def test_zeros_are_the_hurdles_and_a_flat_share_is_one_log_sd() -> None:
    med = np.full(30, 5.0)
    r = np.tile([1.0, -1.0, 0.0], 10)
    y = med * np.exp(r)
    y[:3] = 0.0  # left out
    fn = fit_size_sigma(y, med, 1.0)  # every floor share 0.2: s_small, s_big not apart
    assert fn.n == 27
    assert fn.s_small == fn.s_big == pytest.approx(math.sqrt(np.mean(r[3:] ** 2)), rel=1e-12)
    assert fn.aic_gain == pytest.approx(-2.0)


@settings(max_examples=examples(60), deadline=None)
@given(
    s_small=st.floats(0.05, 3.0),
    s_big=st.floats(0.05, 3.0),
    floor=st.floats(0.0, 1e7),
    meds=st.lists(st.floats(1.0, 1e9), min_size=1, max_size=40),
)
def test_each_bar_log_sd_is_positive_and_between_the_two(
    s_small: float, s_big: float, floor: float, meds: list[float]
) -> None:
    fn = SizeSigma(s_small, s_big, math.nan, math.nan, 0)
    sig = fn.sigma(np.array(meds), floor)
    assert np.all(sig > 0)
    assert np.all(sig >= min(s_small, s_big) * (1 - 1e-12))
    assert np.all(sig <= max(s_small, s_big) * (1 + 1e-12))


@settings(max_examples=examples(40), deadline=None)
@given(
    sigma=st.floats(0.1, 2.0),
    p_zero=st.floats(0.0, 0.5),
    share=st.floats(0.0, 0.9),
    seed=st.integers(0, 2**31),
)
def test_constant_sigmas_reproduce_the_one_sigma_draws(
    sigma: float, p_zero: float, share: float, seed: int
) -> None:
    p = BookParams(sigma=sigma, p_zero=p_zero, floor_usd=1e5)
    rng = np.random.default_rng(seed)
    med = rng.uniform(1e5, 1e7, (1, 9, 2))
    day = np.repeat(np.arange(3), 3)
    sig = window_bar_sigmas([p], [constant_sigma(sigma)], med)
    assert sig.shape == (1, 9, 2)
    assert np.allclose(sig, sigma, rtol=1e-12)
    a = predictive_draws(med, [p], day, share, 7, np.random.default_rng(seed))
    b = predictive_draws(med, [p], day, share, 7, np.random.default_rng(seed), sig)
    np.testing.assert_allclose(b, a, rtol=1e-12)
    # the same seed, the same draws
    c = predictive_draws(med, [p], day, share, 7, np.random.default_rng(seed), sig)
    np.testing.assert_array_equal(b, c)


def test_size_sigmas_per_set_and_the_draws_follow_each_bar_log_sd() -> None:
    rng = np.random.default_rng(8)
    floor = 2e5
    p = BookParams(sigma=1.0, p_zero=0.0, floor_usd=floor)
    med = floor * np.exp(rng.uniform(0.0, 4.0, (1, 3000, 2)))
    sd = np.sqrt(0.45**2 + (1.5**2 - 0.45**2) * floor_share(med[0], floor))
    y = med[0] * np.exp(sd * rng.standard_normal(sd.shape))
    y[5, 1] = np.nan  # a bar with one side missing is left out
    (fn,) = size_sigmas([p], med, y)
    assert fn.n == 2 * 2999
    assert fn.s_small == pytest.approx(1.5, rel=0.05)
    assert fn.s_big == pytest.approx(0.45, rel=0.10)
    # draws on two bars: one floor-only, one the book dominates
    two = np.array([[[floor, floor], [1e3 * floor, 1e3 * floor]]])
    sig = window_bar_sigmas([p], [fn], two)
    d = predictive_draws(two, [p], np.array([0, 1]), 0.0, 20000, np.random.default_rng(0), sig)
    assert np.std(np.log(d[:, 0, :])) == pytest.approx(fn.s_small, rel=0.03)
    assert np.std(np.log(d[:, 1, :])) == pytest.approx(fn.s_big, rel=0.05)
    assert np.median(d[:, 1, 0]) == pytest.approx(1e3 * floor, rel=0.02)


def test_predict_month_option_keeps_the_point_and_redraws_the_band() -> None:
    # a record with log-sd 1.4 on floor-sized bars, 0.4 on the rest: the default band is
    # the one sigma's (unchanged), the option's draws each bar with the window's fit
    fr = _heteroskedastic(_frames(4, days=120))
    t0, t1 = _window(fr)
    fit = MonthlyFit(
        month="2024-04", fit_start=str(t0.date()), fit_end=str((t1 - pd.Timedelta(days=1)).date()),
        params=TRUTH, bootstrap=[], daily_log_residuals=[], baseline_scales={},
        loglik=0.0, n_bars=0, day_share=0.1,
    )  # fmt: skip
    a = pd.Timestamp(fit.fit_end, tz="UTC") + pd.Timedelta(days=1)
    b = a + pd.Timedelta(days=20)
    one, one_d = predict_month(fr, fit, a, b)
    again, _ = predict_month(fr, fit, a, b, size_sigma=False)
    pd.testing.assert_frame_equal(one, again)
    size, size_d = predict_month(fr, fit, a, b, size_sigma=True)
    for c in ("predicted_long_usd", "predicted_short_usd"):
        np.testing.assert_allclose(size[c], one[c], rtol=1e-12)
    np.testing.assert_allclose(size_d["predicted_usd"], one_d["predicted_usd"], rtol=1e-12)
    # the 4-hour band: wider than one sigma's (0.7) on the smallest bars, narrower on the largest
    ratio = np.log(size["predicted_long_usd_p95"] / size["predicted_long_usd_p05"]) / np.log(
        one["predicted_long_usd_p95"] / one["predicted_long_usd_p05"]
    )
    pred = size["predicted_long_usd"].to_numpy()
    small, big = pred <= np.quantile(pred, 0.25), pred >= np.quantile(pred, 0.9)
    assert np.median(ratio[small]) > 1.3
    assert np.median(ratio[big]) < 0.9
    # the same month, the same draws
    size2, _ = predict_month(fr, fit, a, b, size_sigma=True)
    pd.testing.assert_frame_equal(size, size2)


def test_calibrate_day_share_with_the_option_on_one_sigma_data() -> None:
    # data from the one-sigma law: the variance function finds s_small ~ s_big, and the
    # day share the option calibrates is near the one it was simulated with
    fr = _frames(7, days=200, day_share=0.4)
    got = calibrate_day_share(
        fr, [TRUTH], fr.oi.index[0], fr.oi.index[-1], draws_per_set=400, size_sigma=True
    )
    assert 0.2 <= got <= 0.6, got
