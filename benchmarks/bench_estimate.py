"""Estimated position book: the whole bundled 4h history (ETH, 2024-11-22 -> 2025-07-31,
1,507 bars plus 180 warm-up bars), with the shipped calibrated parameters, end to end
(inputs joined, book walked, cohorts and book built) and the kernel alone, against the
plain-Python twin (timed on the first 300 bars, the twin being quadratic in bars).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks._timing import best_of
from liqcascade.positions import load_calibrated, run_estimation
from liqcascade.positions._estimate import (
    CLOSE_RULES,
    OI_MODES,
    _ratios,
    default_inputs,
    prepare_inputs,
    split_signal,
)
from liqcascade.positions._kernels import estimate_walk_nb, estimate_walk_py


def _identified() -> list[dict[str, object]]:
    """The identified book's whole back-test of one asset over the bundled period."""
    from liqcascade._time import to_utc
    from liqcascade.positions._backtest import backtest_identified, load_market_frames
    from liqcascade.positions._expanding import load_asset_calibration

    out: list[dict[str, object]] = []
    for asset in ("ETH", "BTC"):
        frames = load_market_frames(asset, store=False)
        cal = load_asset_calibration(asset)
        t0, t1 = to_utc("2024-11-22"), to_utc("2025-07-31 23:59:59")

        def go(
            frames: Any = frames, cal: Any = cal, a: str = asset, t0: Any = t0, t1: Any = t1
        ) -> Any:
            f = frames.until(t1)  # fresh cache: every walk recomputed
            return backtest_identified(a, t0, t1, cal, frames=f)

        go()
        out.append(
            {
                "name": f"identified book back-test, {asset}, whole bundled period "
                "(each month by the fit before it, 11 parameter sets per month, bands, baselines)",
                "seconds": best_of(go, 3),
                "target_seconds": 5.0,
                "repeats": 3,
            }
        )
    return out


def run() -> list[dict[str, object]]:
    """Time the estimated book over the whole 4h history, and its kernel vs the twin."""
    p = load_calibrated().params
    oi, px = default_inputs()
    run_estimation(oi, px, p)  # load the compiled kernel
    whole = best_of(lambda: run_estimation(oi, px, p).book, 5)

    df, _ = prepare_inputs(oi, px, p)
    share = np.clip(p.base_long_share + p.split_strength * split_signal(p, df.index, None), 0, 1)
    ll, _, sl, _ = _ratios(p.leverages, p.position_notional_usd, p.tiers)

    def args(n: int) -> tuple[Any, ...]:
        cols = [df[c].to_numpy()[:n].copy() for c in ("oi_base", "low", "high", "close", "entry")]
        return (*cols, share[:n].copy(), np.asarray(p.leverage_weights), ll, sl,
                CLOSE_RULES.index(p.close_rule), OI_MODES.index(p.oi_mode), p.turnover)  # fmt: skip

    full, small = args(len(df)), args(300)
    kernel = best_of(lambda: estimate_walk_nb(*full), 5)
    kernel_small = best_of(lambda: estimate_walk_nb(*small), 5)
    ref_small = best_of(lambda: estimate_walk_py(*small), 1)
    return [
        *_identified(),
        {
            "name": f"estimated book, whole 4h history ({len(oi):,} bars + warm-up), end to end",
            "seconds": whole,
            "target_seconds": 10.0,
            "repeats": 5,
            "notes": "shipped calibrated parameters (track mode, pro rata, 20 % turnover)",
        },
        {"name": f"estimate kernel alone, {len(df):,} bars", "seconds": kernel, "repeats": 5},
        {
            "name": "estimate kernel, first 300 bars",
            "seconds": kernel_small,
            "reference_seconds": ref_small,
            "repeats": 5,
            "notes": "reference = plain-Python twin on the same 300 bars",
        },
    ]
