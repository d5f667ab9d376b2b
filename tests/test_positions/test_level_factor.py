"""The back-test's level: the fitting window's recorded over median dollars.

The observation law's mean factor ``exp(sigma^2 / 2)`` is right only when one log-sd
holds for every bar; the record's is wider on small bars than on the large ones that
carry the dollars. :func:`level_factor` is the ratio estimator on the fit's own window:
it agrees with the law's factor on data the law generated, makes the window's totals
match when the log-sd depends on the bar's size, and reads no bar after the window.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqcascade.positions._expanding import MonthlyFit, level_factor, predict_month
from liqcascade.positions._model import MarketFrames, walk
from test_positions.test_bootstrap import TRUTH, _frames


def _window(fr: MarketFrames) -> tuple[pd.Timestamp, pd.Timestamp]:
    idx = fr.oi.index
    return pd.Timestamp(idx[0]), pd.Timestamp(idx[len(idx) // 2])


def test_level_factor_is_the_law_mean_when_the_law_holds() -> None:
    # 200 simulated days from the law itself (sigma 0.7, p_zero 0.02): the ratio of
    # recorded to median dollars estimates (1 - p_zero) exp(sigma^2 / 2) = 1.2516
    fr = _frames(11, days=200)
    got = level_factor(fr, TRUTH, pd.Timestamp(fr.oi.index[0]), pd.Timestamp(fr.oi.index[-1]))
    law = (1 - TRUTH.p_zero) * math.exp(0.5 * TRUTH.sigma**2)
    assert got == pytest.approx(law, rel=0.10)


def _heteroskedastic(fr: MarketFrames) -> MarketFrames:
    """The same market, its record redrawn with a log-sd of 1.4 on floor-sized bars, 0.4 on
    the rest (what the shipped fits' residuals look like)."""
    run = walk(fr, TRUTH)
    rng = np.random.default_rng(5)
    out = {}
    for side, mu in (("long_usd", run.mu_long_usd), ("short_usd", run.mu_short_usd)):
        med = TRUTH.scale * mu + TRUTH.floor_usd
        sd = np.where(med < 2.0 * TRUTH.floor_usd, 1.4, 0.4)
        out[side] = med * np.exp(sd * rng.standard_normal(mu.shape[0]))
    liq = pd.DataFrame(out, index=run.ts)
    return MarketFrames(oi=fr.oi, ohlc=fr.ohlc, funding=fr.funding, liquidations=liq, asset="SIM")


def test_level_factor_matches_the_window_totals_and_reads_nothing_after_it() -> None:
    fr = _heteroskedastic(_frames(3, days=120))
    t0, t1 = _window(fr)
    got = level_factor(fr, TRUTH, t0, t1)
    run = walk(fr, TRUTH)
    sel = (run.ts >= t0) & (run.ts <= t1)
    med = run.medians()
    rec = fr.liquidations.reindex(run.ts)  # type: ignore[union-attr]
    want = (rec["long_usd"] + rec["short_usd"]).to_numpy()[sel].sum() / (
        med[0][sel] + med[1][sel]
    ).sum()
    assert got == pytest.approx(want, rel=1e-9)
    # a single sigma fitted to these bars (~1.0) would inflate the large bars' mean
    sigma_law = float(np.std(np.log(rec["long_usd"].to_numpy()[sel] / med[0][sel])))
    assert got < 0.85 * math.exp(0.5 * sigma_law**2)
    # the record after the window does not enter
    later = fr.liquidations.copy()  # type: ignore[union-attr]
    later.loc[later.index > t1] *= 7.0
    fr2 = MarketFrames(oi=fr.oi, ohlc=fr.ohlc, funding=fr.funding, liquidations=later)
    assert level_factor(fr2, TRUTH, t0, t1) == pytest.approx(got, rel=1e-12)


def test_predict_month_scales_the_median_by_the_fit_window_level() -> None:
    fr = _heteroskedastic(_frames(4, days=120))
    t0, t1 = _window(fr)
    fit = MonthlyFit(
        month="2024-04", fit_start=str(t0.date()), fit_end=str((t1 - pd.Timedelta(days=1)).date()),
        params=TRUTH, bootstrap=[], daily_log_residuals=[], baseline_scales={},
        loglik=0.0, n_bars=0,
    )  # fmt: skip
    w0 = pd.Timestamp(fit.fit_start, tz="UTC")
    w1 = pd.Timestamp(fit.fit_end, tz="UTC") + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    # predicting the fitting window itself reproduces its recorded total
    bars, _ = predict_month(fr, fit, w0, w1, bands=False)
    rec = fr.liquidations.reindex(bars.index)  # type: ignore[union-attr]
    pred = (bars["predicted_long_usd"] + bars["predicted_short_usd"]).sum()
    assert pred == pytest.approx((rec["long_usd"] + rec["short_usd"]).sum(), rel=1e-9)
    # the next weeks: the same factor times each bar's median
    a = w1 + pd.Timedelta(microseconds=1)
    nxt, _ = predict_month(fr, fit, a, a + pd.Timedelta(days=20), bands=False)
    run = walk(fr, TRUTH)
    sel = (run.ts >= a) & (run.ts <= a + pd.Timedelta(days=20))
    k = level_factor(fr, TRUTH, w0, w1)
    np.testing.assert_allclose(nxt["predicted_long_usd"], k * run.medians()[0][sel], rtol=1e-9)


def test_level_factor_without_a_record_is_the_law_mean() -> None:
    fr = _frames(2, days=40)
    bare = MarketFrames(oi=fr.oi, ohlc=fr.ohlc, funding=fr.funding)
    t0, t1 = _window(fr)
    law = (1 - TRUTH.p_zero) * math.exp(0.5 * TRUTH.sigma**2)
    assert level_factor(bare, TRUTH, t0, t1) == pytest.approx(law, rel=1e-12)
