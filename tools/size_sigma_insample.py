"""In-sample evidence for the size-dependent log-sd (docs/validation.md, issue 14).

For each fit of an expanding-window calibration, on the fit's own window only: the
variance function's likelihood gain over one log-sd (AIC, one parameter more), the
alternative form ``log sigma = a + b log median``'s, and the window's predicted over
recorded dollars with the law's mean under one log-sd, under the variance function,
and with ``level_factor`` (1 by construction).

``--band`` adds the back-test over the fits' months with the band as shipped (one
log-sd) and with the size-dependent log-sd (each fit's ``day_share`` re-calibrated on
its window with it): the decision's development check and its one test run.

    PYTHONPATH=src python tools/size_sigma_insample.py ETH BTC
    PYTHONPATH=src python tools/size_sigma_insample.py ETH --file F.json --band
"""

from __future__ import annotations

import argparse
import math
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from liqcascade._time import to_utc
from liqcascade.market._inputs import load_market_frames
from liqcascade.positions import load_asset_calibration
from liqcascade.positions._expanding import (
    AssetCalibration,
    MonthlyFit,
    _recorded,
    _set_medians,
    calibrate_day_share,
    expanding_predictions,
    metrics_for,
)
from liqcascade.positions._size_sigma import fit_size_sigma, floor_share


def _loglinear_gain(r: np.ndarray, lm: np.ndarray, ll0: float) -> float:
    """AIC gain of ``log sigma = a + b (log median - mean)`` over one log-sd."""

    def nll(x: np.ndarray) -> float:
        v = np.exp(2.0 * (x[0] + x[1] * (lm - lm.mean())))
        return 0.5 * float(np.sum(math.log(2 * math.pi) + np.log(v) + r * r / v))

    res = minimize(nll, [math.log(float(np.std(r))), 0.0], method="Nelder-Mead",
                   options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000})  # fmt: skip
    return 2.0 * (-float(res.fun) - ll0) - 2.0


def window(fit: MonthlyFit) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The fit's window (UTC, inclusive)."""
    t1 = to_utc(fit.fit_end) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return to_utc(fit.fit_start), t1


def insample_row(frames: object, fit: MonthlyFit) -> dict[str, float]:
    """One fit's in-sample figures on its own window (main fit)."""
    t0, t1 = window(fit)
    ts, meds = _set_medians(frames, [fit.params], t0, t1)  # type: ignore[arg-type]
    y = _recorded(frames, ts)  # type: ignore[arg-type]
    ok = np.isfinite(y).all(axis=1)
    yy, mm = y[ok].ravel(), meds[0][ok].ravel()
    p = fit.params
    fn = fit_size_sigma(yy, mm, p.floor_usd)
    pos = yy > 0
    r = np.log(yy[pos]) - np.log(mm[pos])
    ll0 = fn.loglik_const
    s2 = fn.s_big**2 + (fn.s_small**2 - fn.s_big**2) * floor_share(mm, p.floor_usd)
    rec = float(yy.sum())
    return {
        "n": fn.n,
        "sigma": p.sigma,
        "s_small": fn.s_small,
        "s_big": fn.s_big,
        "aic_gain": fn.aic_gain,
        "aic_gain_loglinear": _loglinear_gain(r, np.log(mm[pos]), ll0),
        "level_law_one_sigma": (1 - p.p_zero) * math.exp(0.5 * p.sigma**2) * float(mm.sum()) / rec,
        "level_law_size_sigma": (1 - p.p_zero) * float(np.sum(mm * np.exp(0.5 * s2))) / rec,
        "level_median": float(mm.sum()) / rec,
    }


def band_comparison(frames: object, cal: AssetCalibration) -> dict[str, dict[str, float]]:
    """The back-test's metrics over the fits' months, with the one-sigma band and the other.

    ``"one_sigma"``: the calibration as it is (the back-test's default);
    ``"size_sigma"``: each fit's ``day_share`` re-calibrated on its window with the
    size-dependent log-sd, and the band drawn with it. The point predictions are the
    same (``level_factor``); the correlations, level and MAE do not move.
    """
    fits = []
    for f in cal.fits:
        t0, t1 = window(f)
        share = calibrate_day_share(frames, [f.params, *f.bootstrap], t0, t1, size_sigma=True)  # type: ignore[arg-type]
        fits.append(replace(f, day_share=share))
    new = replace(cal, fits=fits)
    months = sorted(f.month for f in cal.fits)
    start = to_utc(months[0] + "-01")
    end = to_utc(months[-1] + "-01") + pd.offsets.MonthBegin(1) - pd.Timedelta(microseconds=1)
    out: dict[str, dict[str, float]] = {}
    for name, c, flag in (("one_sigma", cal, False), ("size_sigma", new, True)):
        bars, days, _ = expanding_predictions(frames, c, start, end, size_sigma=flag)  # type: ignore[arg-type]
        m = metrics_for(bars, days) or {}
        row = {k: float(m[k]) for k in KEYS if k in m}
        row["level"] = m["predicted_usd"] / m["recorded_usd"]
        for mo in months:
            sel = bars.index.strftime("%Y-%m") == mo
            mm = metrics_for(bars[sel], days) or {}
            row[f"coverage_90_daily_{mo}"] = float(mm.get("coverage_90_daily", math.nan))
        row.update({f"day_share_{f.month}": f.day_share for f in c.fits})
        out[name] = row
    return out


KEYS = (
    "corr_daily",
    "spearman_daily",
    "corr_daily_long",
    "spearman_daily_long",
    "corr_daily_short",
    "spearman_daily_short",
    "coverage_90_daily",
    "mae_daily_usd",
)


def main() -> None:
    """Print the in-sample table; with ``--band``, the band comparison too."""
    ap = argparse.ArgumentParser()
    ap.add_argument("assets", nargs="+")
    ap.add_argument("--file", help="a calibration file instead of the package's")
    ap.add_argument("--band", action="store_true", help="compare the bands (back-test)")
    a = ap.parse_args()
    for asset in a.assets:
        frames = load_market_frames(asset, "4h", False)
        cal = (load_asset_calibration(asset, a.file) if a.file
               else load_asset_calibration(asset, store=False))  # fmt: skip
        for f in cal.fits:
            row = insample_row(frames, f)
            print(asset, f.month, f.fit_start, f.fit_end, f"day_share={f.day_share}",
                  " ".join(f"{k}={v:.4g}" for k, v in row.items()), flush=True)  # fmt: skip
        if a.band:
            for name, r in band_comparison(frames, cal).items():
                print(asset, name, " ".join(f"{k}={v:.4g}" for k, v in r.items()), flush=True)


if __name__ == "__main__":
    main()
