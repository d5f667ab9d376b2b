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
        {
            "name": f"estimated book, whole 4h history ({len(oi):,} bars + warm-up), end to end",
            "seconds": whole,
            "target_seconds": 10.0,
            "repeats": 5,
            "notes": "shipped calibrated parameters (track mode, pro rata, 20 % turnover)",
        },
        {
            "name": f"estimate kernel alone, {len(df):,} bars",
            "seconds": kernel,
            "repeats": 5,
        },
        {
            "name": "estimate kernel, first 300 bars",
            "seconds": kernel_small,
            "reference_seconds": ref_small,
            "repeats": 5,
            "notes": "reference = plain-Python twin on the same 300 bars",
        },
    ]
