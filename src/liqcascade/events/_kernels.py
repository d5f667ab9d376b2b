"""Array kernels of the support-level scan (numba), each with a plain-Python ``*_py`` twin.

Kernels trust their inputs (sorted, finite, consistent lengths); the public functions in
:mod:`liqcascade.events._detect` validate.

Zone state codes (``end_reason``): 0 still active at the last bar, 1 broken (a close below
``price·(1 − break_tol)``), 2 expired (``max_age`` bars without a fresh pivot).
"""

from __future__ import annotations

import numpy as np

from liqcascade._numba import njit
from liqcascade._typing import BoolArray, FloatArray, IntArray

ACTIVE = 0
BROKEN = 1
EXPIRED = 2


def find_pivots_py(low: FloatArray, k: int) -> IntArray:
    """Indices ``i`` whose low is strictly lower than the ``k`` lows either side (reference)."""
    n = len(low)
    out: list[int] = []
    for i in range(k, n - k):
        li = low[i]
        ok = True
        for j in range(i - k, i + k + 1):
            if j != i and low[j] <= li:
                ok = False
                break
        if ok:
            out.append(i)
    return np.asarray(out, dtype=np.int64)


@njit
def find_pivots(low: FloatArray, k: int) -> IntArray:  # pragma: no cover - compiled
    """Swing lows: ``low[i] < low[j]`` for every ``j`` in ``[i − k, i + k]``, ``j != i``.

    Parameters
    ----------
    low : float64 array of shape (n,)
        Bar lows (USD).
    k : int
        Pivot half-window, bars (>= 1).

    Returns
    -------
    int64 array
        Pivot bar indices, ascending. A pivot at ``i`` is known only at the close of bar
        ``i + k``.
    """
    n = low.shape[0]
    out = np.empty(max(n, 0), dtype=np.int64)
    m = 0
    for i in range(k, n - k):
        li = low[i]
        ok = True
        for j in range(i - k, i + k + 1):
            if j != i and low[j] <= li:
                ok = False
                break
        if ok:
            out[m] = i
            m += 1
    return out[:m]


def scan_zones_py(
    low: FloatArray,
    close: FloatArray,
    cand_bar: IntArray,
    cand_pivot: IntArray,
    cand_price: FloatArray,
    cand_weight: FloatArray,
    band: float,
    zone_tol: float,
    break_tol: float,
    min_away: int,
    max_age: int,
    merge: bool,
) -> tuple[IntArray, IntArray, IntArray, BoolArray, FloatArray, IntArray, FloatArray, IntArray]:
    """Plain-Python twin of :func:`scan_zones` (same inputs, same outputs)."""
    n = len(low)
    nc = len(cand_bar)
    z_price = np.zeros(nc)
    z_wsum = np.zeros(nc)
    z_wpsum = np.zeros(nc)
    z_birth = np.zeros(nc, dtype=np.int64)
    z_pivot = np.zeros(nc, dtype=np.int64)
    z_last = np.zeros(nc, dtype=np.int64)
    z_away = np.zeros(nc, dtype=np.int64)
    z_ntest = np.zeros(nc, dtype=np.int64)
    z_end = np.full(nc, -1, dtype=np.int64)
    z_reason = np.zeros(nc, dtype=np.int64)
    z_npiv = np.zeros(nc, dtype=np.int64)
    active: list[int] = []
    nz = 0
    t_bar: list[int] = []
    t_zone: list[int] = []
    t_nth: list[int] = []
    t_held: list[bool] = []
    t_price: list[float] = []
    c = 0
    for t in range(n):
        still: list[int] = []
        for z in active:
            if t - z_last[z] > max_age:
                z_end[z] = t
                z_reason[z] = EXPIRED
                continue
            p = z_price[z]
            if low[t] <= p * (1.0 + band):
                if z_away[z] >= min_away:
                    z_ntest[z] += 1
                    t_bar.append(t)
                    t_zone.append(z)
                    t_nth.append(int(z_ntest[z]))
                    t_held.append(bool(close[t] >= p * (1.0 - break_tol)))
                    t_price.append(float(p))
                z_away[z] = 0
            else:
                z_away[z] += 1
            if close[t] < p * (1.0 - break_tol):
                z_end[z] = t
                z_reason[z] = BROKEN
                continue
            still.append(z)
        active = still
        while c < nc and cand_bar[c] == t:
            p = cand_price[c]
            w = cand_weight[c]
            best = -1
            if merge:
                best_d = zone_tol
                for z in active:
                    d = abs(p / z_price[z] - 1.0)
                    if d <= best_d:
                        best_d = d
                        best = z
            if best >= 0:
                z_wsum[best] += w
                z_wpsum[best] += w * p
                z_price[best] = z_wpsum[best] / z_wsum[best]
                z_last[best] = t
                z_npiv[best] += 1
            else:
                z = nz
                nz += 1
                z_price[z] = p
                z_wsum[z] = w
                z_wpsum[z] = w * p
                z_birth[z] = t
                z_pivot[z] = cand_pivot[c]
                z_last[z] = t
                z_npiv[z] = 1
                away = 0
                j = t
                while j > cand_pivot[c] and low[j] > p * (1.0 + band):
                    away += 1
                    j -= 1
                z_away[z] = away
                active.append(z)
            c += 1
    tests = (
        np.asarray(t_bar, dtype=np.int64),
        np.asarray(t_zone, dtype=np.int64),
        np.asarray(t_nth, dtype=np.int64),
        np.asarray(t_held, dtype=np.bool_),
        np.asarray(t_price, dtype=np.float64),
    )
    zinfo = np.empty((nz, 6), dtype=np.int64)
    zinfo[:, 0] = z_pivot[:nz]
    zinfo[:, 1] = z_birth[:nz]
    zinfo[:, 2] = z_end[:nz]
    zinfo[:, 3] = z_reason[:nz]
    zinfo[:, 4] = z_npiv[:nz]
    zinfo[:, 5] = z_ntest[:nz]
    return (*tests, zinfo, z_price[:nz].copy(), z_last[:nz].copy())


@njit
def scan_zones(
    low: FloatArray,
    close: FloatArray,
    cand_bar: IntArray,
    cand_pivot: IntArray,
    cand_price: FloatArray,
    cand_weight: FloatArray,
    band: float,
    zone_tol: float,
    break_tol: float,
    min_away: int,
    max_age: int,
    merge: bool,
) -> tuple[
    IntArray, IntArray, IntArray, BoolArray, FloatArray, IntArray, FloatArray, IntArray
]:  # pragma: no cover - compiled
    """Scan bars once: confirm zones, record tests, expire zones.

    Parameters
    ----------
    low, close : float64 arrays of shape (n,)
        Bar lows and closes (USD).
    cand_bar : int64 array of shape (m,)
        Bar at whose close each candidate level becomes known (ascending).
    cand_pivot : int64 array of shape (m,)
        The candidate's pivot bar (``cand_bar − k``); bars after it count toward the
        zone's initial time away.
    cand_price : float64 array of shape (m,)
        Candidate level (USD).
    cand_weight : float64 array of shape (m,)
        Weight of the candidate in a merged zone's price (1, or the pivot bar's volume).
    band, zone_tol, break_tol : float
        Fractions (see :class:`~liqcascade.events.SupportParams`).
    min_away, max_age : int
        Bars.
    merge : bool
        Merge a candidate into the nearest active zone within ``zone_tol``.

    Returns
    -------
    tuple
        ``(test_bar, test_zone, test_nth, test_held, test_zone_price, zone_info,
        zone_price, zone_last)``; ``zone_info`` has columns pivot bar, confirmation bar,
        end bar (−1 if active at the end), end reason, number of pivots, number of tests.
    """
    n = low.shape[0]
    nc = cand_bar.shape[0]
    z_price = np.zeros(nc)
    z_wsum = np.zeros(nc)
    z_wpsum = np.zeros(nc)
    z_birth = np.zeros(nc, dtype=np.int64)
    z_pivot = np.zeros(nc, dtype=np.int64)
    z_last = np.zeros(nc, dtype=np.int64)
    z_away = np.zeros(nc, dtype=np.int64)
    z_ntest = np.zeros(nc, dtype=np.int64)
    z_end = np.full(nc, -1, dtype=np.int64)
    z_reason = np.zeros(nc, dtype=np.int64)
    z_npiv = np.zeros(nc, dtype=np.int64)
    active = np.empty(nc, dtype=np.int64)
    na = 0
    nz = 0
    cap = 64
    t_bar = np.empty(cap, dtype=np.int64)
    t_zone = np.empty(cap, dtype=np.int64)
    t_nth = np.empty(cap, dtype=np.int64)
    t_held = np.empty(cap, dtype=np.bool_)
    t_price = np.empty(cap, dtype=np.float64)
    nt = 0
    c = 0
    for t in range(n):
        keep = 0
        for a in range(na):
            z = active[a]
            if t - z_last[z] > max_age:
                z_end[z] = t
                z_reason[z] = EXPIRED
                continue
            p = z_price[z]
            if low[t] <= p * (1.0 + band):
                if z_away[z] >= min_away:
                    z_ntest[z] += 1
                    if nt == cap:
                        cap *= 2
                        t_bar2 = np.empty(cap, dtype=np.int64)
                        t_zone2 = np.empty(cap, dtype=np.int64)
                        t_nth2 = np.empty(cap, dtype=np.int64)
                        t_held2 = np.empty(cap, dtype=np.bool_)
                        t_price2 = np.empty(cap, dtype=np.float64)
                        t_bar2[:nt] = t_bar[:nt]
                        t_zone2[:nt] = t_zone[:nt]
                        t_nth2[:nt] = t_nth[:nt]
                        t_held2[:nt] = t_held[:nt]
                        t_price2[:nt] = t_price[:nt]
                        t_bar = t_bar2
                        t_zone = t_zone2
                        t_nth = t_nth2
                        t_held = t_held2
                        t_price = t_price2
                    t_bar[nt] = t
                    t_zone[nt] = z
                    t_nth[nt] = z_ntest[z]
                    t_held[nt] = close[t] >= p * (1.0 - break_tol)
                    t_price[nt] = p
                    nt += 1
                z_away[z] = 0
            else:
                z_away[z] += 1
            if close[t] < p * (1.0 - break_tol):
                z_end[z] = t
                z_reason[z] = BROKEN
                continue
            active[keep] = z
            keep += 1
        na = keep
        while c < nc and cand_bar[c] == t:
            p = cand_price[c]
            w = cand_weight[c]
            best = -1
            if merge:
                best_d = zone_tol
                for a in range(na):
                    z = active[a]
                    d = abs(p / z_price[z] - 1.0)
                    if d <= best_d:
                        best_d = d
                        best = z
            if best >= 0:
                z_wsum[best] += w
                z_wpsum[best] += w * p
                z_price[best] = z_wpsum[best] / z_wsum[best]
                z_last[best] = t
                z_npiv[best] += 1
            else:
                z = nz
                nz += 1
                z_price[z] = p
                z_wsum[z] = w
                z_wpsum[z] = w * p
                z_birth[z] = t
                z_pivot[z] = cand_pivot[c]
                z_last[z] = t
                z_npiv[z] = 1
                away = 0
                j = t
                while j > cand_pivot[c] and low[j] > p * (1.0 + band):
                    away += 1
                    j -= 1
                z_away[z] = away
                active[na] = z
                na += 1
            c += 1
    zinfo = np.empty((nz, 6), dtype=np.int64)
    for z in range(nz):
        zinfo[z, 0] = z_pivot[z]
        zinfo[z, 1] = z_birth[z]
        zinfo[z, 2] = z_end[z]
        zinfo[z, 3] = z_reason[z]
        zinfo[z, 4] = z_npiv[z]
        zinfo[z, 5] = z_ntest[z]
    return (
        t_bar[:nt].copy(),
        t_zone[:nt].copy(),
        t_nth[:nt].copy(),
        t_held[:nt].copy(),
        t_price[:nt].copy(),
        zinfo,
        z_price[:nz].copy(),
        z_last[:nz].copy(),
    )


def forward_log_returns_py(close: FloatArray, bars: IntArray, h: int) -> FloatArray:
    """``ln(close[t + h] / close[t])`` for each ``t`` in ``bars``; NaN past the end (reference)."""
    n = len(close)
    out = np.full(len(bars), np.nan)
    for i, t in enumerate(bars):
        if t + h < n:
            out[i] = np.log(close[t + h] / close[t])
    return out


@njit
def forward_log_returns(
    close: FloatArray, bars: IntArray, h: int
) -> FloatArray:  # pragma: no cover - compiled
    """``ln(close[t + h] / close[t])`` for each event bar ``t``; NaN when ``t + h`` is past the end.

    Parameters
    ----------
    close : float64 array of shape (n,)
        Closes (USD), > 0.
    bars : int64 array
        Event bars.
    h : int
        Horizon in bars (>= 1).
    """
    n = close.shape[0]
    out = np.full(bars.shape[0], np.nan)
    for i in range(bars.shape[0]):
        t = bars[i]
        if t + h < n:
            out[i] = np.log(close[t + h] / close[t])
    return out
