"""Timing helper shared by the ``bench_*.py`` modules."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from benchmarks import _scale


def best_of(fn: Callable[[], Any], repeats: int) -> float:
    """Best (smallest) wall time of ``repeats`` calls of ``fn``, in seconds.

    One call in smoke mode (:func:`benchmarks._scale.repeats`).
    """
    best = float("inf")
    for _ in range(_scale.repeats(repeats)):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
