"""The observation law's intrabar term: exposure by hand, profile against a reference,
recovery on simulated data, the book untouched, and the shipped fits carry it.

The grid opens a bar's positions at its open, so the positions opened and liquidated
within a bar are carried by ``intrabar * exposure`` in the median of the recorded
amounts (``exposure``: open interest at the open times the bar's move against the
side). The book itself (positions, sizes) does not depend on it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from floats import assert_same
from liqcascade.positions._expanding import load_asset_calibration
from liqcascade.positions._likelihood import profile_obs
from liqcascade.positions._model import (
    BookParams,
    MarketFrames,
    intrabar_exposure,
    prepare,
    walk,
)


def _market(seed: int = 0, n: int = 300) -> MarketFrames:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2024-01-01", periods=n, freq="4h", tz="UTC")
    close = 2000.0 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[2000.0, close[:-1]]
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.004, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.004, n)))
    ohlc = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close}, index=idx)
    oi = pd.DataFrame({"oi_usd": 1e9 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))}, index=idx)
    return MarketFrames(oi=oi, ohlc=ohlc)


def test_exposure_by_hand() -> None:
    fr = _market()
    prep = prepare(fr, BookParams(seed_days=0))
    xl, xs = intrabar_exposure(prep)
    i = 17
    # open interest at the open = the previous bar's close OI, in base units
    oi_prev = float(fr.oi["oi_usd"].iloc[i - 1] / fr.ohlc["close"].iloc[i - 1])
    o, lo, hi = (float(fr.ohlc[c].iloc[i]) for c in ("open", "low", "high"))
    assert xl[i] == pytest.approx(oi_prev * (o - lo), rel=1e-12)
    assert xs[i] == pytest.approx(oi_prev * (hi - o), rel=1e-12)
    assert (xl >= 0).all() and (xs >= 0).all()


def test_intrabar_changes_the_predictions_not_the_book() -> None:
    fr = _market(1)
    p0 = BookParams(dist_median=0.05, dist_sigma=0.8, turnover=0.1, scale=0.01, floor_usd=1e4)
    p1 = p0.with_(intrabar=0.002)
    r0, r1 = walk(fr, p0), walk(fr, p1)
    assert_same(r1.mu_long_usd, r0.mu_long_usd)
    b0, b1 = r0.book(), r1.book()
    assert_same(b1.size, b0.size)
    assert_same(b1.liq_price, b0.liq_price)
    xl, xs = r1.exposure()
    g = math.exp(0.5 * p1.sigma**2)
    assert_same(r1.predicted_long_usd, r0.predicted_long_usd + 0.002 * xl * g, rtol=1e-10)
    assert_same(r1.predicted_short_usd, r0.predicted_short_usd + 0.002 * xs * g, rtol=1e-10)
    # intrabar = 0 is the former law exactly
    assert_same(r0.medians()[0], 0.01 * r0.mu_long_usd + 1e4)


def _reference(mu: np.ndarray, ex: np.ndarray, y: np.ndarray) -> float:
    pos = y > 0
    ly = np.log(np.where(pos, y, 1.0))

    def f(x: np.ndarray) -> float:
        med = math.exp(x[0]) * mu + math.exp(x[1]) * ex + math.exp(x[2])
        return float(np.sum(pos * (ly - np.log(med)) ** 2))

    best = math.inf
    for x0 in ((-4.0, -6.0, 10.0), (-5.0, -4.0, 11.0), (-6.0, -8.0, 9.0)):
        res = minimize(f, np.array(x0), method="Nelder-Mead",
                       options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 8000})  # fmt: skip
        best = min(best, float(res.fun))
    return best


@pytest.mark.parametrize("seed", range(4))
def test_profile_with_exposure_recovers_and_matches_a_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    mu = rng.lognormal(15, 1.5, n)
    mu[rng.random(n) < 0.3] = 0.0
    ex = rng.lognormal(16, 1.0, n)
    scale, coef, floor, sd = rng.uniform(0.005, 0.02), rng.uniform(5e-4, 2e-3), 1e5, 0.5
    y = (scale * mu + coef * ex + floor) * np.exp(rng.normal(0, sd, n))
    _, obs = profile_obs(mu, y, None, ex)
    # sampling error of three overlapping terms in a log fit of 3,000 bars: ~10 % sd
    assert obs["scale"] == pytest.approx(scale, rel=0.3)
    assert obs["intrabar"] == pytest.approx(coef, rel=0.3)
    assert obs["sigma"] == pytest.approx(sd, rel=0.05)
    # the least-squares profile reaches the optimum a Nelder–Mead search finds
    assert obs["sigma"] ** 2 * n <= _reference(mu, ex, y) * (1 + 1e-6)
    # without exposure the term is absent (0), as before
    _, obs0 = profile_obs(mu, y)
    assert "intrabar" not in obs0


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_shipped_fits_say_whether_they_carry_the_intrabar_term(asset: str) -> None:
    cal = load_asset_calibration(asset)
    used = "intrabar" in cal.meta["likelihood"]
    for f in cal.fits:
        assert (f.params.intrabar > 0) == used
        assert all((b.intrabar > 0) == used for b in f.bootstrap)
