"""Does each shipped monthly fit of the identified book reach its likelihood's maximum?

For every month of the expanding refit (``positions/calibrated/<ASSET>.json``), this
re-runs the fit's own objective — the profile log-likelihood of the book's shape
parameters on the fit's own window (2024-11-13 -> the last day before the month; no
bar of the month it predicts is read) — from many starting points: a scrambled
Sobol set (seeded), the shipped fit and the fixed start grid, with Nelder–Mead (the
fitter's own local search) from the best ``--local`` well-separated ones — separately
in each leverage-mix mode (median log-distance to liquidation below / above
``--split``), so that both modes' maxima are found. It prints, per month, the shipped
fit's log-likelihood (as stored and recomputed), the best found, the gap, and each
mode's maximum (a profile of the likelihood over the mode).

Run from the repository root::

    PYTHONPATH=src python tools/multistart_book.py --asset ETH --asset BTC

``--json PATH`` writes the table (and the best parameters) as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._time import to_utc
from liqcascade.market import load_market_frames
from liqcascade.positions import load_asset_calibration
from liqcascade.positions._likelihood import (
    _STEP,
    _to_x,
    book_objective,
    default_starts,
    multistart_minimise,
)


def month_row(
    frames: Any, fit: Any, n_sobol: int, n_local: int, split: float, seed: int, maxiter: int
) -> dict[str, Any]:
    """Multi-start search of one monthly fit's own objective, in each leverage-mix mode.

    The box is cut at ``dist_median = split`` into a *near* part (positions close to
    liquidation) and a *far* part; each part is searched by
    :func:`multistart_minimise` (its Sobol points, the fixed start grid and the shipped
    fit, those that fall in it), the objective clipped to the part. The best of the
    two is the global maximum found; each part's best is that mode's profile maximum.
    """
    t0 = to_utc(fit.fit_start)
    t1 = to_utc(fit.fit_end) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    obj = book_objective(frames, t0, t1)
    keys = obj.keys
    lo, hi = obj.box()
    steps = [_STEP[k] for k in keys]
    x_ship = np.array(_to_x(fit.params, keys))
    given = [x_ship] + [np.array(_to_x(s, keys)) for s in default_starts(obj.base)]
    cut = math.log(split)
    out: dict[str, Any] = {}
    for mode, (a, b) in (("near", (lo[0], cut)), ("far", (cut, hi[0]))):
        lo_m, hi_m = lo.copy(), hi.copy()
        lo_m[0], hi_m[0] = a, b

        def nll(x: Any, lo_m: Any = lo_m, hi_m: Any = hi_m) -> float:
            return -obj.evaluate([float(v) for v in np.clip(x, lo_m, hi_m)])[0]

        inside = [x for x in given if a <= x[0] <= b]
        ends = multistart_minimise(nll, lo_m, hi_m, steps, starts=inside, n_sobol=n_sobol,
                                   n_local=n_local, seed=seed, maxiter=maxiter)  # fmt: skip
        f, x = ends[0]
        out[mode] = (-f, obj.params(list(np.clip(x, lo_m, hi_m))))
    ll_ship = obj.evaluate(list(x_ship))[0]
    mode_best = max(out, key=lambda m: out[m][0])
    best_ll, best = out[mode_best]
    shown = (*keys, "scale", "sigma")
    return {
        "month": fit.month,
        "fit_end": fit.fit_end,
        "n_bars": obj.n_bars,
        "loglik_stored": fit.loglik,
        "loglik_shipped": ll_ship,
        "loglik_best": best_ll,
        "gap": best_ll - ll_ship,
        "best_mode": mode_best,
        "best_near": out["near"][0],
        "best_far": out["far"][0],
        "near": {k: float(getattr(out["near"][1], k)) for k in shown},
        "far": {k: float(getattr(out["far"][1], k)) for k in shown},
        "shipped": {k: float(getattr(fit.params, k)) for k in shown},
        "best": {k: float(getattr(best, k)) for k in shown},
        "evaluations": len(obj.cache),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--asset", action="append", default=None)
    ap.add_argument("--sobol", type=int, default=64, help="Sobol points per mode (power of 2)")
    ap.add_argument("--local", type=int, default=6, help="local searches per mode")
    ap.add_argument("--split", type=float, default=0.3, help="mode split, dist_median")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--maxiter", type=int, default=250)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    rows = []
    for asset in a.asset or ["ETH", "BTC"]:
        frames = load_market_frames(asset, "4h", None)
        cal = load_asset_calibration(asset)
        print(f"{asset}: month  fit_end     bars  stored      shipped     best        gap    "
              f"near (d<{a.split})  far (d>={a.split})  best (mode: dist_median, dist_sigma, "
              "turnover, scale)")  # fmt: skip
        for fit in cal.fits:
            t = time.time()
            r = month_row(frames, fit, a.sobol, a.local, a.split, a.seed, a.maxiter)
            r["asset"] = asset
            rows.append(r)
            b = r["best"]
            print(f"{asset}  {r['month']}  {r['fit_end']}  {r['n_bars']:4d}  "
                  f"{r['loglik_stored']:10.2f}  {r['loglik_shipped']:10.2f}  "
                  f"{r['loglik_best']:10.2f}  {r['gap']:6.2f}  {r['best_near']:10.2f}  "
                  f"{r['best_far']:10.2f}  ({r['best_mode']}: {b['dist_median']:.4f}, "
                  f"{b['dist_sigma']:.3f}, "
                  f"{b['turnover']:.3f}, {b['scale']:.5f})  [{time.time() - t:.0f} s]",
                  flush=True)  # fmt: skip
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
