"""Kernel of Wilder's average true range: the smoothing recursion over the bars.

``wilder_smooth_nb`` is compiled with :func:`liqcascade._numba.njit`; ``wilder_smooth_py``
is its plain-Python twin (the same loop, the same operations in the same order, so the
two agree to the last bit). :func:`liqcascade.positions.wilder_atr` computes the true
ranges and the seed and calls the kernel; the stop model calls it once per book and
date (about a thousand times in a report), where the loop in Python cost about 0.4 s.
"""

from __future__ import annotations

from liqcascade._numba import njit
from liqcascade._typing import FloatArray


def wilder_smooth_py(tr: FloatArray, atr: FloatArray, start: int, period: int) -> None:
    """Write ``atr[t] = atr[t-1] + (tr[t] - atr[t-1]) / period`` for ``t >= start`` (in place).

    Parameters
    ----------
    tr : array of float
        True range per bar, USD.
    atr : array of float
        Average true range per bar, USD; ``atr[start - 1]`` holds the seed, the bars
        from ``start`` on are written.
    start : int
        First bar smoothed (>= 1).
    period : int
        Smoothing window, bars (>= 1): the weight of a new bar is ``1 / period``.
    """
    a = atr[start - 1]
    for t in range(start, tr.shape[0]):
        a = a + (tr[t] - a) / period
        atr[t] = a


wilder_smooth_nb = njit(wilder_smooth_py)
