"""Kernels of the liquidation map: bucket sums in one pass over a book.

``bin_book_nb`` is compiled with :func:`liqcascade._numba.njit`; ``bin_book_py`` is its
plain-Python twin (same loop, same summation order) used by the tests. Kernels trust
their inputs: the public :func:`liqcascade.positions.liquidation_map` validates.
"""

from __future__ import annotations

import math

import numpy as np

from liqcascade._numba import njit
from liqcascade._typing import FloatArray, Int8Array


def bin_book_py(
    values: FloatArray,
    weights: FloatArray,
    group: Int8Array,
    edges: FloatArray,
    out: FloatArray,
) -> None:
    """Add ``weights`` into ``out[group, key]`` by bucket of ``values`` (in place).

    Parameters
    ----------
    values : array of float
        Trigger prices, USD. Values that are not finite and > 0 are skipped.
    weights : array of float
        USD notional per value.
    group : array of int8
        Row of ``out`` per value: 0 → buckets ``[lo, hi)`` (fired by a fall),
        1 → buckets ``(lo, hi]`` (fired by a rise).
    edges : array of float
        Increasing bucket edges, USD (``nb + 1``), evenly or geometrically spaced.
    out : array of float, shape (2, nb + 2)
        Column 0 collects values below the range, ``1..nb`` the buckets, ``nb + 1``
        values above the range.
    """
    nb = edges.shape[0] - 1
    lo = edges[0]
    hi = edges[nb]
    width = (hi - lo) / nb
    for n in range(values.shape[0]):
        v = values[n]
        if not (math.isfinite(v) and v > 0.0):
            continue
        g = group[n]
        # a first guess from the (average) width, then exact comparisons with the edges
        x = (v - lo) / width
        if x < -1.0:
            k = 0
        elif x > nb + 1.0:
            k = nb + 1
        else:
            k = int(math.floor(x)) + 1  # noqa: RUF046  (numba: keep the int)
        if k < 0:
            k = 0
        if k > nb + 1:
            k = nb + 1
        # invariant wanted: edges[k-1] <= v < edges[k] (k = 0: v < lo; k = nb+1: v >= hi)
        while k >= 1 and v < edges[k - 1]:
            k -= 1
        while k <= nb and v >= edges[k]:
            k += 1
        if g == 1 and k >= 1 and v == edges[k - 1]:
            k -= 1  # (lo, hi]: a value on an edge belongs to the bucket below it
        out[g, k] += weights[n]


bin_book_nb = njit(bin_book_py)


def bin_book(
    values: FloatArray,
    weights: FloatArray,
    group: Int8Array,
    edges: FloatArray,
    out: FloatArray,
    *,
    use_numba: bool = True,
) -> None:
    """Dispatch to the compiled kernel (or the plain-Python twin)."""
    fn = bin_book_nb if use_numba else bin_book_py
    fn(
        np.ascontiguousarray(values, dtype=np.float64),
        np.ascontiguousarray(weights, dtype=np.float64),
        np.ascontiguousarray(group, dtype=np.int8),
        np.ascontiguousarray(edges, dtype=np.float64),
        out,
    )
