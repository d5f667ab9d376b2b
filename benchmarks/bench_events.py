"""Support-level detection kernel and the full support study on the bundled ETH data."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks._scale import scaled
from benchmarks._timing import best_of
from liqcascade import datasets
from liqcascade.events import SupportParams, support_study
from liqcascade.events._kernels import find_pivots, find_pivots_py, scan_zones, scan_zones_py


def _args(df: Any, p: SupportParams) -> tuple[Any, ...]:
    low = np.ascontiguousarray(df["low"].to_numpy(dtype=float))
    close = np.ascontiguousarray(df["close"].to_numpy(dtype=float))
    piv = find_pivots(low, p.pivot)
    return (
        low,
        close,
        piv + p.pivot,
        piv,
        low[piv],
        np.ones(len(piv)),
        p.band,
        p.zone_tol,
        p.break_tol,
        p.min_away,
        p.max_age,
        True,
    )


def run() -> list[dict[str, Any]]:
    p = SupportParams()
    hourly = datasets.load_ohlcv("ETH", "1h", scaled(None, "2025-01-01"))
    daily = datasets.load_ohlcv("ETH", "1d", scaled("2022-01-01", "2024-06-01"), "2025-12-31")
    a_h = _args(hourly, p)
    a_d = _args(daily, p)
    scan_zones(*a_d)  # compile
    rows: list[dict[str, Any]] = []
    rows.append(
        {
            "name": f"events: pivots + zone scan, ETH 1h ({len(hourly):,} bars)",
            "seconds": best_of(lambda: (find_pivots(a_h[0], p.pivot), scan_zones(*a_h)), 3),
            "reference_seconds": best_of(
                lambda: (find_pivots_py(a_h[0], p.pivot), scan_zones_py(*a_h)), 1
            ),
            "target_seconds": 0.05,
            "notes": "numba kernel vs its plain-Python twin on the same input",
        }
    )
    rows.append(
        {
            "name": f"events: zone scan, ETH 1d 2022-2025 ({len(daily):,} bars)",
            "seconds": best_of(lambda: scan_zones(*a_d), 5),
            "reference_seconds": best_of(lambda: scan_zones_py(*a_d), 3),
            "notes": "one random-level draw costs one such scan",
        }
    )
    rows.append(
        {
            "name": "events: support_study ETH 1d (200 random-level draws, 108-point grid)",
            "seconds": best_of(
                lambda: support_study(daily, p, n_random=scaled(200, 5), n_boot=scaled(1000, 20)), 2
            ),
            "target_seconds": 5.0,
            "notes": "what `liqcascade support-study` does after loading",
        }
    )
    return rows
