"""Numba kernels of the margin maths, each with a pure-Python ``*_py`` twin.

Kernels trust their inputs (flat contiguous arrays, validated by the public
functions in :mod:`liqcascade.margin`).

Binance tier re-evaluation
--------------------------
For one position (side ``s``, size ``q``, entry ``EP``, margin ``M``) and tier ``k``,

    LP_k = (M + cum_k - s*q*EP) / (q*mmr_k - s*q)

The kernel starts from the tier of the entry notional ``q*EP``, computes ``LP_k``,
looks up the tier ``j`` of the notional at the liquidation price ``q*LP_k`` and,
while ``j != k``, repeats with ``k = j``; at most ``n_tiers + 1`` times. A long whose
``LP`` would be <= 0 cannot be liquidated and gets ``LP = 0``.

With a continuous maintenance margin (``cum`` consistent, checked by
:func:`~liqcascade.margin.load_tiers`), ``MM(N) = N*mmr - cum`` is convex in ``N``
and equity minus maintenance margin is concave and monotone in price, so each step
is a Newton step on a concave monotone function: after the first step the
iterates move monotonically to the unique root and settle within ``n_tiers``
steps. If a (user-made, inconsistent) table still makes the iteration cycle, the
kernel falls back to scanning every tier for a self-consistent solution (``LP_k``
inside tier ``k``) and keeps the most conservative one (the highest for a long,
the lowest for a short); if none is self-consistent it keeps the last iterate and
sets ``status = 1``.
"""

from __future__ import annotations

import numpy as np

from liqcascade._numba import njit
from liqcascade._typing import FloatArray, Int8Array, IntArray


@njit
def _tier_nb(floor: FloatArray, notional: float) -> int:
    """Index ``k`` with ``floor[k] <= notional < floor[k+1]`` (clipped to the table)."""
    lo = 0
    hi = floor.shape[0] - 1
    if notional < floor[0]:
        return 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if floor[mid] <= notional:
            lo = mid
        else:
            hi = mid - 1
    return lo


@njit
def _lp_nb(s: float, q: float, ep: float, m: float, mmr: float, cum: float) -> float:
    lp = (m + cum - s * q * ep) / (q * mmr - s * q)
    if lp <= 0.0:  # also turns -0.0 into 0.0
        lp = 0.0
    return lp


@njit
def binance_liq_kernel(
    side: Int8Array,
    size: FloatArray,
    entry: FloatArray,
    margin: FloatArray,
    floor: FloatArray,
    mmr: FloatArray,
    cum: FloatArray,
    liq_out: FloatArray,
    tier_out: IntArray,
    status_out: Int8Array,
) -> None:
    """Binance USDⓈ-M liquidation prices with tier re-evaluation (writes the ``*_out`` arrays).

    Parameters
    ----------
    side : int8 array
        ``+1`` long, ``-1`` short.
    size, entry, margin : float arrays
        Size (base units), entry price (USD), margin / wallet balance (USD).
    floor, mmr, cum : float arrays
        Tier table: notional floors (USD, ascending from 0), maintenance rates
        (fractions), maintenance amounts (USD).
    liq_out : float array
        Liquidation price, USD (0 for a long that cannot be liquidated).
    tier_out : int64 array
        0-based tier used (tier of the notional at the liquidation price).
    status_out : int8 array
        0 settled, 1 no self-consistent tier (inconsistent table).
    """
    n = side.shape[0]
    nt = floor.shape[0]
    for i in range(n):
        s = float(side[i])
        q = size[i]
        ep = entry[i]
        m = margin[i]
        k = _tier_nb(floor, q * ep)
        lp = _lp_nb(s, q, ep, m, mmr[k], cum[k])
        settled = False
        for _ in range(nt + 1):
            lp = _lp_nb(s, q, ep, m, mmr[k], cum[k])
            j = _tier_nb(floor, q * lp)
            if j == k:
                settled = True
                break
            k = j
        st = 0
        if not settled:
            best = -1
            best_lp = 0.0
            for j in range(nt):
                lpj = _lp_nb(s, q, ep, m, mmr[j], cum[j])
                if _tier_nb(floor, q * lpj) == j:
                    if best < 0 or (s > 0 and lpj > best_lp) or (s < 0 and lpj < best_lp):
                        best = j
                        best_lp = lpj
            if best >= 0:
                k = best
                lp = best_lp
            else:
                st = 1
        liq_out[i] = lp
        tier_out[i] = k
        status_out[i] = st


def _tier_py(floor: FloatArray, notional: float) -> int:
    k = 0
    for j in range(len(floor)):
        if floor[j] <= notional:
            k = j
    return k


def _lp_py(s: float, q: float, ep: float, m: float, mmr: float, cum: float) -> float:
    lp = (m + cum - s * q * ep) / (q * mmr - s * q)
    return 0.0 if lp <= 0.0 else lp


def binance_liq_kernel_py(
    side: Int8Array,
    size: FloatArray,
    entry: FloatArray,
    margin: FloatArray,
    floor: FloatArray,
    mmr: FloatArray,
    cum: FloatArray,
    liq_out: FloatArray,
    tier_out: IntArray,
    status_out: Int8Array,
) -> None:
    """Pure-Python twin of :func:`binance_liq_kernel` (same arguments, same outputs)."""
    nt = len(floor)
    for i in range(len(side)):
        s, q, ep, m = float(side[i]), float(size[i]), float(entry[i]), float(margin[i])
        k = _tier_py(floor, q * ep)
        lp = _lp_py(s, q, ep, m, float(mmr[k]), float(cum[k]))
        settled = False
        for _ in range(nt + 1):
            lp = _lp_py(s, q, ep, m, float(mmr[k]), float(cum[k]))
            j = _tier_py(floor, q * lp)
            if j == k:
                settled = True
                break
            k = j
        st = 0
        if not settled:
            best, best_lp = -1, 0.0
            for j in range(nt):
                lpj = _lp_py(s, q, ep, m, float(mmr[j]), float(cum[j]))
                if _tier_py(floor, q * lpj) == j and (
                    best < 0 or (s > 0 and lpj > best_lp) or (s < 0 and lpj < best_lp)
                ):
                    best, best_lp = j, lpj
            if best >= 0:
                k, lp = best, best_lp
            else:
                st = 1
        liq_out[i] = lp
        tier_out[i] = k
        status_out[i] = st


def empty_outputs(n: int) -> tuple[FloatArray, IntArray, Int8Array]:
    """Output buffers for :func:`binance_liq_kernel`: liquidation price, tier, status."""
    return np.empty(n, np.float64), np.empty(n, np.int64), np.empty(n, np.int8)
