"""Development check of the regime-dispersion fit on data BEFORE 2024-11 only.

Compares the former η fit of the shock rule (matching the 75/90/95/99 % quantile log
ratios of the standardised further moves to their median) with the maximum-likelihood
fit (:func:`liqcascade.cascade._backtest.fit_dispersion`), per asset:

- the rule fitted on every pooled event before 2024-11 (k, b, γ, η);
- in sample, for history's own ≥ 5 % 4-hour falls before 2024-11: the model's chance of
  reaching −27 % within 24 h of a −5 % shock (their σ before the fall, innovations
  drawn from the standardised hourly residuals before 2024-11, per-path regimes) against
  the share that did, and the median total fall against theirs;
- the MAE of the diffusion-only median move of the back-test's own trigger events
  (2 % ETH, 1.5 % BTC) on the development splits of docs/liquidity.md, each event
  predicted by the rule refitted at its month start on earlier events, beside the
  empirical baseline.

The hourly prices are cut at 2024-11-01 before anything is computed: nothing of the
back-test window is read. Run from the repository root::

    PYTHONPATH=src python tools/shock_rule_dev.py ETH BTC
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pandas as pd

from liqcascade import datasets
from liqcascade.cascade import follow_through
from liqcascade.cascade._backtest import (
    DEFAULT_TRIGGERS,
    ShockRule,
    _further,
    _standard_extremes,
    detect_events,
    ewma_sigma,
    fit_shock_rule,
    fit_vol_rule,
    median_rule,
    month_start,
    pooled_events,
    standardised_residuals,
)
from liqcascade.cascade._clock import default_grid, regime_scales

CUT = pd.Timestamp("2024-11-01", tz="UTC")
SPLITS = {
    "ETH": [("2022-01-01", "2024-10-31"), ("2020-01-01", "2021-12-31")],
    "BTC": [("2023-06-01", "2024-10-31"), ("2022-06-01", "2023-05-31")],
}
_OLD_LEVELS = (75, 90, 95, 99)
_OLD_GRID = np.round(np.arange(0.0, 1.001, 0.05), 2)


def old_rule(events: pd.DataFrame) -> ShockRule:
    """The former fit: η by quantile matching (session 3's ``fit_shock_rule``)."""
    ev = events.dropna(subset=["sigma"])
    if len(ev) < 10:
        return ShockRule()
    grid = default_grid()
    k, b, g, r = median_rule(ev, grid)
    r = r[r > 0]
    if r.size < 10:
        return ShockRule(k, b, g, 0.0)
    rq = np.quantile(r, np.asarray((*_OLD_LEVELS, 50)) / 100.0)
    target = np.log(rq[:-1] / rq[-1])
    best_eta, best_err = 0.0, math.inf
    for eta in _OLD_GRID:
        t = -_standard_extremes(grid, dispersion=float(eta))[::-1]
        e = float(np.abs(np.log(t[list(_OLD_LEVELS)] / t[50]) - target).sum())
        if e < best_err:
            best_eta, best_err = float(eta), e
    k2, b2 = fit_vol_rule(ev, grid, shock_weight=g, dispersion=best_eta)
    return ShockRule(k2, b2, g, best_eta)


FITS = {"quantile (old)": old_rule, "likelihood (new)": fit_shock_rule}


def tail_check(rule: ShockRule, ohlc: pd.DataFrame, n_paths: int = 4000) -> dict:
    """Model vs history after the ≥ 5 % 4-h falls before the cut (in sample)."""
    hist = follow_through(ohlc, drop=-0.05)
    sig = ewma_sigma(ohlc).to_numpy(np.float64)
    resid = standardised_residuals(ohlc)
    pool = resid[np.isfinite(resid)]
    pool = pool / pool.std()
    dt = default_grid()
    rng = np.random.default_rng(0)
    share, med = [], []
    for ts in hist.events["ts"]:
        i = int(ohlc.index.get_loc(ts))
        s = sig[i - 3]  # known at the reference close, before the fall
        if not math.isfinite(s):
            continue
        sp = float(rule.post_sigma(s, -0.05))
        step = float(rule.multiplier(s, -0.05)) * sp * np.sqrt(dt / 3600.0)
        z = pool[rng.integers(0, pool.size, (n_paths, dt.size))]
        z = z * regime_scales(rng, n_paths, rule.dispersion)[:, None]
        low = np.minimum(0.0, np.cumsum(z * step, axis=1).min(axis=1))
        total = 0.95 * np.exp(low) - 1.0
        share.append(float((total <= -0.27).mean()))
        med.append(float(np.median(total)))
    h = hist.events
    return {
        "n_falls": len(share),
        "model_p27": float(np.mean(share)),
        "history_p27": float((h["total"] <= -0.27).mean()),
        "model_median_total": float(np.median(med)),
        "history_median_total": float(h["total"].median()),
    }


def split_mae(
    fit, pool: pd.DataFrame, ev: pd.DataFrame, resid: np.ndarray, start: str, end: str
) -> dict:
    """MAE (pp) of the median move, rule refitted monthly, and the empirical baseline.

    Two medians: the diffusion-only ``k · s^b · q50(η)`` (normal walks; invariant to η
    by construction, ``k`` is refitted under it) and the Monte Carlo median of 400
    paths drawn as the back-test draws them (residuals before the event, per-path
    regimes), which η does move.
    """
    grid = default_grid()
    rng = np.random.default_rng(1)
    t0, t1 = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)
    win = ev[(ev["ts"] >= t0) & (ev["ts"] < t1)].dropna(subset=["sigma"])
    before = ev[ev["ts"] < t0]
    ratio = {}
    for d in ("down", "up"):
        b = before[before["direction"] == d]
        src = b if len(b) >= 10 else before
        ratio[d] = float((src["realised_move"] / src["trigger_move"]).median())
    rules: dict = {}
    err, err_b, err_mc = [], [], []
    for e in win.to_dict("records"):
        ms = month_start(e["ts"])
        if ms not in rules:
            rules[ms] = fit(pool[pool["ts"] + pd.Timedelta(hours=24) <= ms])
        r = rules[ms]
        q50 = abs(float(_standard_extremes(grid, dispersion=r.dispersion)[50]))
        fur = (
            float(r.multiplier(e["sigma"], e["trigger_move"]))
            * float(r.post_sigma(e["sigma"], e["trigger_move"]))
            * q50
        )
        sgn = -1.0 if e["direction"] == "down" else 1.0
        pred = math.expm1(math.log1p(e["trigger_move"]) + sgn * fur)
        err.append(abs(pred - e["realised_move"]))
        z_pool = resid[: int(e["bar"])]
        z_pool = z_pool[np.isfinite(z_pool)]
        z_pool = z_pool / z_pool.std()
        sp = float(r.post_sigma(e["sigma"], e["trigger_move"]))
        step = float(r.multiplier(e["sigma"], e["trigger_move"])) * sp * np.sqrt(grid / 3600.0)
        z = z_pool[rng.integers(0, z_pool.size, (400, grid.size))]
        z = z * regime_scales(rng, 400, r.dispersion)[:, None]
        walk = np.cumsum(z * step, axis=1)
        ext = np.maximum(0.0, -sgn * walk).max(axis=1)  # further log move, >= 0
        pred_mc = math.expm1(math.log1p(e["trigger_move"]) + sgn * float(np.median(ext)))
        err_mc.append(abs(pred_mc - e["realised_move"]))
        err_b.append(abs(e["trigger_move"] * ratio[e["direction"]] - e["realised_move"]))
    etas = sorted({r.dispersion for r in rules.values()})
    return {
        "split": f"{start} -> {end}",
        "n": len(err),
        "model_mae_pp": 100 * float(np.mean(err)),
        "model_mc_mae_pp": 100 * float(np.mean(err_mc)),
        "empirical_mae_pp": 100 * float(np.mean(err_b)),
        "eta_range": [etas[0], etas[-1]] if etas else None,
    }


def ratio_quantiles(rule: ShockRule, pool: pd.DataFrame) -> dict:
    """Quantile / median ratios of the standardised further moves: data vs the rule's η."""
    ev = pool.dropna(subset=["sigma"])
    sig = rule.post_sigma(ev["sigma"].to_numpy(np.float64), ev["trigger_move"].to_numpy())
    r = _further(ev) / sig
    r = r[r > 0]
    lv = np.asarray([1, 10, 25, 75, 90, 95, 99, 99.9])
    dq = np.quantile(r, lv / 100) / np.median(r)
    grid = default_grid()
    rng = np.random.default_rng(3)
    z = rng.standard_normal((40_000, grid.size)) * np.sqrt(grid / 3600.0)
    z[:, 0] = 0.0
    m = -np.minimum.accumulate(np.cumsum(z, axis=1), axis=1)[:, -1]
    m = m * regime_scales(rng, m.size, rule.dispersion)
    m = m[m > 0]
    mq = np.quantile(m, lv / 100) / np.median(m)
    return {
        "levels": lv.tolist(),
        "data": np.round(dq, 3).tolist(),
        "model": np.round(mq, 3).tolist(),
        "data_max": round(float(r.max() / np.median(r)), 2),
    }


def main(assets: list[str]) -> None:
    for asset in assets:
        ohlc = datasets.load_ohlcv(asset, "1h")
        ohlc = ohlc[ohlc.index < CUT]  # nothing of the back-test window
        f = DEFAULT_TRIGGERS[asset]
        pool = pooled_events(ohlc, f)
        ev = detect_events(ohlc, f)
        resid = standardised_residuals(ohlc)
        for name, fit in FITS.items():
            rule = fit(pool)
            out = {
                "asset": asset,
                "fit": name,
                "n_pooled": len(pool),
                "rule": [rule.k, rule.b, rule.shock_weight, rule.dispersion],
                "tail": tail_check(rule, ohlc),
                "ratio_quantiles": ratio_quantiles(rule, pool),
                "splits": [split_mae(fit, pool, ev, resid, a, b) for a, b in SPLITS[asset]],
            }
            print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main([a.upper() for a in (sys.argv[1:] or ["ETH", "BTC"])])
