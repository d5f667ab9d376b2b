"""Steps shared by the cascade kernels (numba, inlined into their callers).

The shock, a walk through one level, the triggers, the fund and the per-round trace.

:func:`liqcascade.cascade._kernels.cascade_kernel` (order by order),
:func:`liqcascade.cascade._kernels.cascade_fast_kernel` (by blocks) and
:func:`liqcascade.cascade._clock_kernels.clock_kernel` (on a clock) take these steps
the same way; each is written once here and inlined (``inline="always"``), so the
kernels compile to what they did with the steps written out, and give the same
results bit for bit. Everything is in the down frame (see
:mod:`liqcascade.cascade._kernels`). The plain-Python twins
(:mod:`liqcascade.cascade._reference`, :mod:`liqcascade.cascade._clock_reference`)
keep their own plain loops: they are the oracles.

numba's on-disk cache keys a kernel on its own file only, so a kernel cached before
this module changed would run the steps as they were: :func:`drop_stale_caches`, called
by both kernel modules at import, empties such a kernel's cache (it then compiles again).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from liqcascade._numba import NUMBA_DISABLED, njit
from liqcascade._typing import FloatArray

# columns of the per-round trace matrix
T_PRICE = 0  # |price| after the round, USD
T_FILLED = 1  # base filled
T_VWAP = 2  # |vwap|, USD (nan when nothing filled)
T_Q = 3  # base ordered (positions + stops)
T_FR = 4  # fill ratio
T_POS_END = 5  # positions triggered so far (prefix length in sorted order)
T_STOP_END = 6  # stops triggered so far
T_QPOS = 7  # base ordered by liquidations
T_QSTOP = 8  # base ordered by stops
T_FUND = 9  # fund after the round, USD: opening balance left + gains so far
T_CLOSE = 10  # average |close| of the round's orders (each has its own slice), USD
T_POS_SET = 11  # positions closed so far, settlement at the exhaustion price included
T_STOP_SET = 12  # stops closed so far, settlement included
T_SETTLED = 13  # base closed by the settlement at the exhaustion price
T_RAN_OUT = 14  # 1 when the round ran the book out (price = P_x), else 0
N_TRACE = 15


def drop_stale_caches(*kernels: Any) -> None:
    """Empty the on-disk numba cache of ``kernels`` saved before this module last changed.

    numba invalidates a kernel's cache when the kernel's own file changes, not when a
    step inlined from here does. Reads numba's cache index path (an internal): where it
    is not there, or the files cannot be read or written, nothing is done.
    """
    if NUMBA_DISABLED:
        return
    try:
        changed = os.stat(__file__).st_mtime
    except OSError:
        return
    for kernel in kernels:
        cache = getattr(kernel, "_cache", None)
        index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
        if not isinstance(index, str):
            continue
        try:
            if os.stat(index).st_mtime < changed:
                cache.flush()  # type: ignore[union-attr]
        except OSError:
            continue


@njit(inline="always")
def shock_walk(  # pragma: no cover - compiled
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_q: FloatArray,
    lvl_key: FloatArray,
    shock_kind: int,
    shock_value: float,
) -> Any:
    """The shock: a price target or a market order of ``shock_value`` USD.

    ``shock_kind`` 0: price moves to ``shock_value`` (frame coordinates) and the levels
    before it are gone; 1: a market order of ``shock_value`` USD walks the book and
    price moves to the last level it touches. Returns ``(price_x, ib, cur_rem,
    exhausted)``: the frame price, the first level left, the base left on it and
    whether the order ran the book out.
    """
    n_lvl = lvl_x.shape[0]
    ib = 0
    cur_rem = lvl_q[0] if n_lvl > 0 else 0.0
    price_x = mid_x
    exhausted = False
    if shock_kind == 0:
        price_x = shock_value
        ib = int(np.searchsorted(lvl_key, -shock_value, side="left"))
        cur_rem = lvl_q[ib] if ib < n_lvl else 0.0
    else:
        u = shock_value
        last = -1
        while u > 0.0 and ib < n_lvl:
            avail = cur_rem
            usd = avail * lvl_abs[ib]
            last = ib
            if usd >= u:
                cur_rem = avail - u / lvl_abs[ib]
                u = 0.0
                if cur_rem <= 0.0:
                    ib += 1
                    cur_rem = lvl_q[ib] if ib < n_lvl else 0.0
            else:
                u -= usd
                ib += 1
                cur_rem = lvl_q[ib] if ib < n_lvl else 0.0
        if last >= 0:
            price_x = lvl_x[last]
        if u > 0.0:
            exhausted = True
    return price_x, ib, cur_rem, exhausted


@njit(inline="always")
def take_level(need: float, cur_rem: float) -> Any:  # pragma: no cover - compiled
    """An order needing ``need`` base takes what it can of a level holding ``cur_rem``.

    Returns ``(got, need, cur_rem, emptied)``: the base taken at the level's price,
    what the order still needs, what is left on the level and whether the book moves
    on to the next level (the level is used up). Scalars only: an array argument
    would cost reference counting on every level of a walk.
    """
    avail = cur_rem
    if avail >= need:
        got = need
        cur_rem = avail - need
        need = 0.0
        emptied = cur_rem <= 0.0
    else:
        got = avail
        need -= avail
        emptied = True
    return got, need, cur_rem, emptied


@njit(inline="always")
def triggered(  # pragma: no cover - compiled
    pos_key: FloatArray,
    stop_key: FloatArray,
    mark_x: float,
    price_x: float,
    pos_ptr: int,
    stop_ptr: int,
) -> Any:
    """Prefix ends of the positions the mark triggers and the stops the price triggers.

    Keys are ``−trigger_x`` ascending, so the orders triggered are a prefix; the ends
    never go back (``>= pos_ptr``, ``>= stop_ptr``). Returns ``(pos_end, stop_end)``.
    """
    new_pos = int(np.searchsorted(pos_key, -mark_x, side="right"))
    if new_pos < pos_ptr:
        new_pos = pos_ptr
    new_stop = int(np.searchsorted(stop_key, -price_x, side="right"))
    if new_stop < stop_ptr:
        new_stop = stop_ptr
    return new_pos, new_stop


@njit(inline="always")
def draw_fund(short: float, left: float, bad: float) -> Any:  # pragma: no cover - compiled
    """A shortfall of ``short`` USD drawn on what is ``left`` of the opening fund.

    The part the fund cannot cover is bad debt. Returns ``(left, bad)`` in USD.
    """
    if short > left:
        bad += short - left
        left = 0.0
    else:
        left -= short
    return left, bad


@njit(inline="always")
def book_round(  # pragma: no cover - compiled
    v_pos: float,
    v_stop: float,
    g_r: float,
    s_r: float,
    liq_usd: float,
    stop_usd: float,
    left: float,
    bad: float,
    gains: float,
    shortfalls: float,
) -> Any:
    """A round's closes booked: ``v_pos`` USD liquidated, ``v_stop`` USD of stops.

    One addition per round to each total (so that a cascade stepped one round per call,
    as the contagion engine does, does the same operations in the same order). The
    round's shortfalls ``s_r`` draw on what is left of the opening fund only
    (:func:`draw_fund`); its surpluses and fees ``g_r`` are credited after the cascade.
    Returns ``(liq_usd, stop_usd, left, bad, gains, shortfalls)`` in USD.
    """
    left, bad = draw_fund(s_r, left, bad)
    return liq_usd + v_pos, stop_usd + v_stop, left, bad, gains + g_r, shortfalls + s_r


@njit(inline="always")
def withdraw(withdrawal: float, scale: float, cur_rem: float) -> Any:  # pragma: no cover
    """Providers pull ``withdrawal`` of the book at the start of a round.

    Returns the new ``(scale, cur_rem)``: the scale of the levels not reached yet and
    the base left on the current level.
    """
    if withdrawal > 0.0:
        scale *= 1.0 - withdrawal
        cur_rem *= 1.0 - withdrawal
    return scale, cur_rem


@njit(inline="always")
def book_close(  # pragma: no cover - compiled
    val: float, base: float, bx: float, dirsign: float, fee: float, g: float, s: float
) -> Any:
    """A position of ``base`` units closed for ``val`` USD: its surplus or shortfall.

    The result is ``dirsign · val + fee · val − bx · base`` (``bx`` the frame
    bankruptcy price; not finite counts as 0): added to the gains ``g`` when >= 0,
    else its opposite to the shortfalls ``s``. Returns ``(g, s)`` in USD.
    """
    pnl = dirsign * val + fee * val - (bx * base if np.isfinite(bx) else 0.0)
    if pnl >= 0.0:
        g += pnl
    else:
        s -= pnl
    return g, s


@njit(inline="always")
def refill_book(  # pragma: no cover - compiled
    refill: float, filled: float, last: int, ib: int, cur_rem: float
) -> Any:
    """Providers refill ``refill · filled`` base at the last level a round touched.

    Returns the book's new ``(ib, cur_rem)`` (unchanged without refill or fill).
    """
    if refill > 0.0 and filled > 0.0 and last >= 0:
        if ib != last:
            ib = last
            cur_rem = 0.0
        cur_rem += refill * filled
    return ib, cur_rem


@njit(inline="always")
def trace_round(  # pragma: no cover - compiled
    trace: FloatArray,
    k: int,
    price_abs: float,
    filled: float,
    notional: float,
    q: float,
    pos_end: int,
    stop_end: int,
    q_pos: float,
    q_stop: float,
    fund: float,
    close_abs: float,
    pos_set: int,
    stop_set: int,
    settled: float,
    ran_out: bool,
) -> FloatArray:
    """Row ``k`` of the per-round trace (``T_*`` columns); the matrix doubles when full.

    ``filled`` base of the round's ``q`` filled for ``notional`` USD give the fill ratio
    and the VWAP (``price_abs`` when nothing filled). Returns the trace (a new, larger
    matrix when it grew).
    """
    if k >= trace.shape[0]:
        bigger = np.empty((2 * trace.shape[0], N_TRACE))
        bigger[: trace.shape[0]] = trace
        trace = bigger
    trace[k, T_PRICE] = price_abs
    trace[k, T_FILLED] = filled
    trace[k, T_VWAP] = notional / filled if filled > 0.0 else price_abs
    trace[k, T_Q] = q
    trace[k, T_FR] = filled / q if q > 0.0 else 0.0
    trace[k, T_POS_END] = pos_end
    trace[k, T_STOP_END] = stop_end
    trace[k, T_QPOS] = q_pos
    trace[k, T_QSTOP] = q_stop
    trace[k, T_FUND] = fund
    trace[k, T_CLOSE] = close_abs
    trace[k, T_POS_SET] = pos_set
    trace[k, T_STOP_SET] = stop_set
    trace[k, T_SETTLED] = settled
    trace[k, T_RAN_OUT] = 1.0 if ran_out else 0.0
    return trace
