"""Which leverage-mix mode does each bootstrap refit of the identified book sit in?

For every month of an expanding-window calibration (``positions/calibrated/<ASSET>.json``
or the files given with ``--dir``), prints the main fit's mode and scale and, over its
bootstrap refits, how many sit in the *near* mode (median log-distance to liquidation
below ``--split``, 0.3) and how many in the *far* mode, and the range of the book's
``scale`` (venue share x feed under-reporting; the book's size is proportional to it)
over the refits and over the parameter sets the band uses (main fit + refits, p05 and
p95 as ``numpy.percentile``). Reads the files only; no fit is run.

Run from the repository root::

    PYTHONPATH=src python tools/bootstrap_modes.py --asset ETH --asset BTC [--dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from liqcascade.positions import load_asset_calibration


def rows(asset: str, directory: str | None, split: float) -> list[dict[str, object]]:
    """One row per month: modes of the main fit and of the refits, scale band."""
    path = None if directory is None else Path(directory) / f"{asset}.json"
    cal = load_asset_calibration(asset, path)
    out = []
    for f in cal.fits:
        near = sum(b.dist_median < split for b in f.bootstrap)
        sets = [f.params, *f.bootstrap]
        sc = np.array([p.scale for p in sets])
        out.append({
            "asset": cal.asset, "month": f.month,
            "main": "near" if f.params.dist_median < split else "far",
            "main_scale": f.params.scale, "near": near, "far": len(f.bootstrap) - near,
            "refit_scale_min": float(sc[1:].min()), "refit_scale_max": float(sc[1:].max()),
            "p05": float(np.percentile(sc, 5)), "p95": float(np.percentile(sc, 95)),
        })  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asset", action="append", default=None)
    ap.add_argument("--dir", default=None, help="directory of <ASSET>.json files")
    ap.add_argument("--split", type=float, default=0.3)
    a = ap.parse_args(argv)
    print("| asset | month | main fit | refits near / far | main scale | refits' scale "
          "| band sets p05-p95 | p95/p05 |")  # fmt: skip
    print("|---|---|---|---|---:|---|---|---:|")
    for asset in a.asset or ["ETH", "BTC"]:
        for r in rows(asset, a.dir, a.split):
            print(f"| {r['asset']} | {r['month']} | {r['main']} | {r['near']} / {r['far']} "
                  f"| {r['main_scale']:.4f} | {r['refit_scale_min']:.4f}-"
                  f"{r['refit_scale_max']:.4f} | {r['p05']:.4f}-{r['p95']:.4f} "
                  f"| {r['p95'] / r['p05']:.1f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
