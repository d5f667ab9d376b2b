"""Quantiles of samples kept sorted: numpy's default (linear) method, to the last bit.

``numpy.quantile`` partitions its input at every call: the VaR back-test asked it for
the quantiles of every window's past losses (thousands of calls on samples that grow by
one span at a time). A quantile of the linear method depends only on the sample's size
and two of its order statistics, so a sample kept sorted gives it without a partition:
:func:`sorted_quantile` repeats numpy's arithmetic (the virtual index ``(n − 1)·q``,
its fractional part ``g``, and numpy's two-sided interpolation ``a + (b − a)·g``, or
``b − (b − a)·(1 − g)`` when ``g >= 0.5``) on the same floats, so its result equals
``numpy.quantile`` bit for bit (the tests hold them equal on random samples).
:class:`ExpandingSample` keeps an expanding sample sorted as it grows.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["ExpandingSample", "sorted_quantile", "sorted_quantiles"]

#: Entries added at once above which :meth:`ExpandingSample.upto` sorts the whole sample
#: again rather than inserting them one by one.
_MERGE = 64


def sorted_quantile(s: Sequence[float] | np.ndarray, q: float) -> float:
    """``numpy.quantile(s, q)`` (linear method) of a sample ``s`` sorted ascending.

    Parameters
    ----------
    s : sequence or 1-d array of float
        The sample, sorted ascending, non-empty, no NaN (any unit).
    q : float
        The quantile, a fraction in [0, 1].

    Returns
    -------
    float
        The quantile, in the unit of ``s``.
    """
    n = len(s)
    vi = (n - 1) * q
    if vi >= n - 1:  # numpy takes the largest value
        return float(s[n - 1])
    if vi < 0:  # q < 0 is not asked for; numpy takes the smallest value
        return float(s[0])
    i = math.floor(vi)
    g = vi - i
    a, b = float(s[i]), float(s[i + 1])
    d = b - a
    return b - d * (1.0 - g) if g >= 0.5 else a + d * g


def sorted_quantiles(s: Sequence[float] | np.ndarray, qs: Sequence[float]) -> list[float]:
    """:func:`sorted_quantile` of ``s`` (sorted ascending) at each of ``qs`` (fractions)."""
    return [sorted_quantile(s, q) for q in qs]


class ExpandingSample:
    """A sample that only grows, kept sorted: its quantiles at every size, cheaply.

    Takes the entries of ``values`` whose ``keep`` is True, in order: :meth:`upto`
    adds those before a position (once each), and :meth:`quantiles` reads the sample
    so far.

    Parameters
    ----------
    values : 1-d array of float
        Every entry the sample may take, in the order it takes them (no NaN).
    keep : 1-d array of bool
        Per entry of ``values``: whether it enters the sample.
    """

    def __init__(self, values: Any, keep: Any) -> None:
        self._values = np.asarray(values, dtype=np.float64)
        self._keep = np.asarray(keep, dtype=bool)
        self._taken = 0
        self._sorted: list[float] = []

    def upto(self, m: int) -> ExpandingSample:
        """Add the kept entries of ``values[:m]`` not added yet (``m`` never decreases)."""
        if m > self._taken:
            new = self._values[self._taken : m][self._keep[self._taken : m]]
            if new.size > _MERGE:  # the first fill: one sort
                self._sorted = np.sort(np.concatenate([self._sorted, new])).tolist()
            else:
                for x in new.tolist():
                    bisect.insort(self._sorted, x)
            self._taken = m
        return self

    def __len__(self) -> int:
        return len(self._sorted)

    def quantiles(self, qs: Sequence[float]) -> list[float]:
        """The sample's quantiles at ``qs`` (fractions): ``numpy.quantile``'s values."""
        return sorted_quantiles(self._sorted, qs)
