"""Protect speed: the stop-policy path walk (compiled vs plain Python), the fill model,
the full real-data backtest, and the daily transparency recomputation.

Walk input: 100,000 trades on a 50,000-bar seeded random-walk hourly path, 120-bar
horizon (the reference twin runs on 2,000 trades and is scaled by 50, see notes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks._scale import scaled
from benchmarks._timing import best_of
from liqcascade.protect import backtest_stops, transparency_metrics
from liqcascade.protect._kernels import fill_batch_nb, fill_batch_py, stop_walk_nb, stop_walk_py


def _path(n: int, seed: int = 5) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    c = 2000 * np.exp(np.cumsum(rng.normal(0, 0.007, n)))
    o = np.concatenate([[2000.0], c[:-1]])
    hi = np.maximum(o, c) * 1.002
    lo = np.minimum(o, c) * 0.998
    return o, hi, lo, c


def run() -> list[dict[str, Any]]:
    """Timings (seconds)."""
    o, hi, lo, c = _path(scaled(50_000, 2_000))
    rng = np.random.default_rng(1)
    m = scaled(100_000, 1_000)
    eb = rng.integers(0, len(c) - 1_000, m).astype(np.int64)
    side = rng.choice(np.array([-1, 1], np.int8), m)
    stop = c[eb] * (1 - side * rng.uniform(0.01, 0.1, m))
    stop_walk_nb(o, hi, lo, c, eb[:10], side[:10], stop[:10], 120)  # compile
    t_nb = best_of(lambda: stop_walk_nb(o, hi, lo, c, eb, side, stop, 120), 3)
    k = scaled(2_000, 100)
    t_py = best_of(lambda: stop_walk_py(o, hi, lo, c, eb[:k], side[:k], stop[:k], 120), 1) * (m / k)
    trig = c[eb]
    args = (
        trig, side.astype(float), np.full(m, 1e5), np.full(m, 1e7), trig * 0.98,
        np.full(m, 100.0), 0.73, 0.25, 0.5, 0.001, 0.005, 0.4,
    )  # fmt: skip
    fill_batch_nb(*[a[:5] if isinstance(a, np.ndarray) else a for a in args])
    t_fnb = best_of(lambda: fill_batch_nb(*args), 3)
    t_fpy = best_of(
        lambda: fill_batch_py(*[a[:k] if isinstance(a, np.ndarray) else a for a in args]), 1
    )
    t_bt = best_of(lambda: backtest_stops(start=scaled("2020-01-01", "2024-06-01")), 1)
    t_tm = best_of(lambda: transparency_metrics(scaled(None, "2025-07-28")), 1)
    return [
        {
            "name": "protect: stop walk, 100k trades x 120 bars",
            "seconds": t_nb,
            "reference_seconds": t_py,
            "notes": "reference: the _py twin on 2,000 trades, scaled x50",
        },
        {
            "name": "protect: fill model, 100k stop fills",
            "seconds": t_fnb,
            "reference_seconds": t_fpy * (m / k),
            "notes": "reference: the _py twin on 2,000 fills, scaled x50",
        },
        {
            "name": "protect: full stop-policy backtest (ETH 1h 2020-2025, 3 policies)",
            "seconds": t_bt,
            "target_seconds": 60.0,
            "notes": "includes the GARCH fit and support detection",
        },
        {
            "name": "protect: daily transparency metrics 2024-11 -> 2025-07",
            "seconds": t_tm,
            "target_seconds": 60.0,
            "notes": "252 days: estimated book, stops, map and critical shock per day",
        },
    ]
