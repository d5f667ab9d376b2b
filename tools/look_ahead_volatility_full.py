"""The look-ahead audit of the report's volatility section in its full mode.

``tests/test_look_ahead_audit_models.py`` audits the section in the quick mode (the
daily GJR and EGARCH fits, the GJR periods, the Student-t comparison); the full mode
adds the hourly GJR fit and its periods, EGARCH's periods and the normal and skew-t
rows of the model comparison, about 12 s an asset, too slow for the suite (four runs an
asset). This runs the same check on it once: every number and word of the section at
2025-04-30 (its last daily bar closes at the cut, 2025-05-01) on the bundle and on a
store whose bars from the cut on are changed (``tests/futures.py``) must be the same
(1e-12 relative), and at 2025-05-31 the daily GJR parameters must differ (so the check
can fail). docs/validation.md, "The look-ahead audit", records the result. Run from
the repository root (a few minutes)::

    PYTHONPATH=src:tests python tools/look_ahead_volatility_full.py [--asset ETH --asset BTC]

Exit status 1 when a figure at the date moved or nothing after it did.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from futures import perturbed_store
from test_look_ahead_audit import CUT, _changed
from test_look_ahead_audit_models import AFTER, BEFORE, _same_tree, _vol_section


def audit(asset: str, store: Path, none: Path) -> bool:
    """Whether ``asset``'s full-mode section at :data:`BEFORE` is unmoved and later moves."""
    runs = {}
    for as_of in (BEFORE, AFTER):
        for label, path in (("bundle", none), ("changed", store)):
            os.environ["LIQCASCADE_STORE"] = str(path)
            t = time.perf_counter()
            runs[as_of, label] = _vol_section(as_of, quick=False, asset=asset)
            print(f"{asset} {as_of} {label}: {time.perf_counter() - t:.1f} s", flush=True)
    real, other = runs[BEFORE, "bundle"], runs[BEFORE, "changed"]
    ok = True
    try:
        _same_tree(other, real)
    except AssertionError as exc:
        print(f"{asset}: a figure at {BEFORE} moved: {exc}")
        ok = False
    n_hourly = len(real["periods_hourly"])
    moved = {
        fit: _changed(*(_numbers(runs[AFTER, k][key]) for k in ("bundle", "changed")))
        for fit, key in (("daily", "fit_1d_gjr_t"), ("hourly", "leverage_hourly_gjr"))
    }
    print(
        f"{asset}: full mode at {BEFORE} (hourly fit, {n_hourly} hourly periods, "
        f"{len(real['aic_table'])} comparison rows): {'unmoved' if ok else 'MOVED'}; at "
        f"{AFTER}: "
        + ", ".join(f"the {k} fit {'moves' if v else 'DOES NOT MOVE'}" for k, v in moved.items())
    )
    return ok and all(moved.values())


def _numbers(tree: object) -> np.ndarray:
    """Every finite-or-NaN float of a JSON-like value, in order."""
    if isinstance(tree, dict):
        return np.concatenate([_numbers(v) for v in tree.values()] or [np.empty(0)])
    if isinstance(tree, list | tuple):
        return np.concatenate([_numbers(v) for v in tree] or [np.empty(0)])
    return np.array([tree], np.float64) if isinstance(tree, float) else np.empty(0)


def main(argv: list[str] | None = None) -> int:
    """Run the audit for each asset asked; 0 when every check holds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asset", action="append", help="ETH and/or BTC (default both)")
    args = ap.parse_args(argv)
    assets = tuple(a.upper() for a in (args.asset or ["ETH", "BTC"]))
    with tempfile.TemporaryDirectory() as tmp:
        store = perturbed_store(Path(tmp) / "store.duckdb", CUT, assets)
        none = Path(tmp) / "none" / "store.duckdb"  # no file: no store, the bundle alone
        results = [audit(a, store, none) for a in assets]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
