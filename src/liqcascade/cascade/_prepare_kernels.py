"""Compiled passes of the packed preparation (:mod:`liqcascade.cascade._prepare`).

The gathers after the sort are random reads; reading three columns of 1M rows at
random costs three cache misses per position. So each side's orders are first copied,
in one sequential pass, into rows of their own (``trigger, size, bankruptcy, index``:
32 bytes, one cache line at most), numbered on that side; the packed codes carry the
side-local row number, and the pass after the sort reads one row per order. The
side-local numbers keep the input order, so ties still come out in input order
(``numpy.argsort(kind="stable")``'s order, exactly).

The kernels release the GIL, so the two sides can run on two threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade._numba import njit
from liqcascade._typing import FloatArray

__all__ = ["compact_rows_kernel", "finish_rows_kernel", "side_counts_kernel"]


@njit(nogil=True)
def side_counts_kernel(side: Any, size: FloatArray, trigger: FloatArray) -> Any:  # pragma: no cover
    """Rows with ``side == 1`` and with ``side == −1``; first row sized with a NaN trigger.

    The third value is the first row with ``size > 0`` and a NaN trigger (−1 if none).
    """
    a = 0
    b = 0
    bad = -1
    for i in range(side.shape[0]):
        v = side[i]
        a += int(v == 1)
        b += int(v == -1)
        t = trigger[i]
        if t != t and size[i] > 0 and bad < 0:
            bad = i
    return a, b, bad


@njit(nogil=True)
def compact_rows_kernel(  # pragma: no cover - compiled
    side: Any,
    want: int,
    trigger: FloatArray,
    size: FloatArray,
    bkr: FloatArray,
    sign: float,
    nb: int,
    rows: FloatArray,
    codes: Any,
) -> None:
    """Fill rows and packed codes of the orders with ``side == want``, in input order.

    ``rows`` (``(m + 1, 4)``) and ``codes`` (``m + 1``) hold one spare slot: the
    pass writes every order and advances only on the wanted ones (no branch to
    mispredict). Row ``j`` is ``(trigger, size, bankruptcy, original index)`` (the
    index stored as a float64, exact below 2^53; ``bkr`` may be ``size`` again when
    there is none). Code ``j`` sorts like ``key = −(sign · trigger)`` (see
    :func:`~liqcascade.cascade._kernels.sort_codes_kernel`); its low ``nb`` bits are
    ``j``.
    """
    one = np.empty(1)
    bits = one.view(np.uint64)
    top = np.uint64(1) << np.uint64(63)
    nan_h = ~np.uint64(0)
    sh = np.uint64(nb)
    j = 0
    for i in range(side.shape[0]):
        t = trigger[i]
        rows[j, 0] = t
        rows[j, 1] = size[i]
        rows[j, 2] = bkr[i]
        rows[j, 3] = i
        one[0] = -(sign * t) + 0.0
        b = bits[0]
        h = ~b if b & top else b | top
        h = nan_h if t != t else h
        codes[j] = ((h >> sh) << sh) | np.uint64(j)
        j += int(side[i] == want)


@njit(nogil=True)
def finish_rows_kernel(  # pragma: no cover - compiled
    codes: Any,
    nb: int,
    rows: FloatArray,
    sign: float,
    with_bkr: bool,
    order: Any,
    skey: FloatArray,
    sz: FloatArray,
    bx: FloatArray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
) -> None:
    """Sorted codes to the sorted side: index, key, size, bankruptcy and prefix sums.

    Runs of codes equal in their truncated key bits are ordered by the exact key, ties
    by index (within a run the codes are in input order). Returns ``(order, key, size,
    bkr_x, cum_size, cum_bkr)`` (filled in place): ``bkr_x = sign · bankruptcy``; the
    prefix sums accumulate in order as ``numpy.cumsum`` does, ``cum_bkr`` counting
    ``bkr_x · size`` where ``bkr_x`` is finite (``bkr_x`` and ``cum_bkr`` are not
    touched when not ``with_bkr``).
    """
    m = codes.shape[0]
    mask = (np.uint64(1) << np.uint64(nb)) - np.uint64(1)
    sh = np.uint64(nb)
    ties = False
    prev = ~np.uint64(0)
    for j in range(m):
        c = codes[j]
        r = np.int64(c & mask)
        order[j] = np.int64(rows[r, 3])
        skey[j] = -(sign * rows[r, 0])
        sz[j] = rows[r, 1]
        if with_bkr:
            bx[j] = sign * rows[r, 2]
        h = c >> sh
        if j > 0 and h == prev:
            ties = True
        prev = h
    if ties:
        j = 0
        while j < m:
            e = j + 1
            hj = codes[j] >> sh
            while e < m and (codes[e] >> sh) == hj:
                e += 1
            for a in range(j + 1, e):  # insertion sort by exact key: stable
                kv = skey[a]
                iv = order[a]
                sv = sz[a]
                bv = bx[a] if with_bkr else 0.0
                t = a
                while t > j and kv < skey[t - 1]:
                    skey[t] = skey[t - 1]
                    order[t] = order[t - 1]
                    sz[t] = sz[t - 1]
                    if with_bkr:
                        bx[t] = bx[t - 1]
                    t -= 1
                skey[t] = kv
                order[t] = iv
                sz[t] = sv
                if with_bkr:
                    bx[t] = bv
            j = e
    cum_size[0] = 0.0
    if with_bkr:
        cum_bkr[0] = 0.0
    acc = 0.0
    c2 = 0.0
    for j in range(m):
        s = sz[j]
        acc += s
        cum_size[j + 1] = acc
        if with_bkr:
            b = bx[j]
            c2 += b * s if np.isfinite(b) else 0.0
            cum_bkr[j + 1] = c2
