"""Numba kernels of the cascade engine (flat arrays, trusted inputs).

Everything runs in a *down frame*: for a down move the coordinate is ``x = price``;
for an up move ``x = −price``, so asks become levels sorted by decreasing ``x``,
shorts trigger when ``liq_x >= mark_x`` like longs do, and a short's fund
contribution ``(bankruptcy − vwap)`` becomes ``(vwap_x − bankruptcy_x)``. Positions
and stops are sorted once by trigger (``key = −trigger_x`` ascending, see
:mod:`liqcascade.cascade._prepare`), so the orders triggered at a price are a
prefix found by binary search.

Fills by trigger priority (issue 17): within a round the triggered orders take the
book one after another in that sorted order (positions before stops on equal keys),
each at the VWAP of its own slice of the walk; the part the book cannot absorb closes
at the exhaustion price ``P_x``. Every position and stop still open whose trigger is
at or beyond ``P_x`` closes at ``P_x`` in the same round (DESIGN.md, "Settlement").
Accounting: each close's shortfall (beyond bankruptcy) is drawn on the opening fund
``F0`` only, the excess is bad debt; surpluses and fees are credited after the
cascade. Work per cascade: O(orders closed + levels touched + log n per round).

The pure-Python twin, written straight from these semantics with plain loops over
positions and levels, is :func:`liqcascade.cascade._reference.cascade_py`; the tests
hold the two equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade._numba import NUMBA_DISABLED, njit
from liqcascade._typing import FloatArray, IntArray

if NUMBA_DISABLED:
    prange = range
else:
    from numba import prange  # type: ignore[assignment]

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

#: columns of the fragility kernel's output
N_GRID = 10


@njit
def _take(  # pragma: no cover - compiled
    base: float, ib: int, cur_rem: float, lvl_abs: FloatArray, lvl_q: FloatArray, scale: float
) -> Any:
    """Walk the book for one order of ``base`` units from level ``ib``.

    Returns ``(filled, notional, need_left, ib, cur_rem, last)``: base filled, its USD
    value, base the book could not absorb, the book's new state and the last level
    touched (−1 when none).
    """
    n_lvl = lvl_q.shape[0]
    need = base
    filled = 0.0
    notional = 0.0
    last = -1
    while need > 0.0 and ib < n_lvl:
        avail = cur_rem
        last = ib
        if avail >= need:
            filled += need
            notional += lvl_abs[ib] * need
            cur_rem = avail - need
            need = 0.0
            if cur_rem <= 0.0:
                ib += 1
                cur_rem = lvl_q[ib] * scale if ib < n_lvl else 0.0
        else:
            filled += avail
            notional += lvl_abs[ib] * avail
            need -= avail
            ib += 1
            cur_rem = lvl_q[ib] * scale if ib < n_lvl else 0.0
    return filled, notional, need, ib, cur_rem, last


@njit
def cascade_kernel(  # pragma: no cover - compiled
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_q: FloatArray,
    lvl_key: FloatArray,
    pos_key: FloatArray,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    pos_large: Any,
    large_rank: IntArray,
    stop_key: FloatArray,
    stop_size: FloatArray,
    shock_kind: int,
    shock_value: float,
    dirsign: float,
    f0: float,
    refill: float,
    withdrawal: float,
    mark_w: float,
    chunks: FloatArray,
    fee: float,
    max_rounds: int,
    record: bool,
) -> Any:
    """One cascade in the down frame.

    Within a round the triggered orders (positions, their pending chunks and stops)
    take the book one after another in trigger order: ascending key (highest trigger
    first for a down move), positions before stops on equal keys, then sorted order.
    Each closes at the VWAP of its own slice of the walk; what the book cannot absorb
    closes at the exhaustion price ``P_x``. Shortfalls (a close beyond bankruptcy) are
    drawn on the opening fund ``f0`` only; surpluses and fees are credited after the
    cascade (DESIGN.md "Fills" and "Accounting" as changed by issue 17).

    Parameters
    ----------
    mid_x : float
        Mid in frame coordinates.
    lvl_x, lvl_abs, lvl_q, lvl_key : arrays
        Levels best first: frame price, |price| (USD), size (base), ``−lvl_x``.
    pos_key : array
        ``−liq_x`` of the positions on the moving side, ascending.
    pos_size, pos_bkr_x, pos_large : arrays
        Per sorted position: size (base), bankruptcy price (frame, USD; not finite
        counts as 0) and whether it is liquidated in chunks.
    large_rank : array of int
        Sorted ranks of the positions liquidated in chunks (ascending).
    stop_key, stop_size : arrays
        ``−trigger_x`` of the stops on the moving side, ascending; their sizes (base).
    shock_kind : int
        0 a price target ``shock_value`` (frame coordinates), 1 a market order of
        ``shock_value`` USD.
    dirsign : float
        +1 down move, −1 up move (``|x| = dirsign · x``).
    f0, refill, withdrawal, mark_w, fee : float
        Insurance fund (USD) and the extensions (see ``CascadeConfig``).
    chunks : array
        Chunk fractions for partial liquidation (``[1.0]`` when off).
    max_rounds : int
        0 for no limit.
    record : bool
        Keep the per-round trace and the per-order closes.

    Returns
    -------
    tuple
        ``(shock_x, price_x, rounds, liq_usd, stop_usd, n_liq, n_stop, fund, bad,
        exhausted, unfilled, ib, cur_rem, scale, trace, gains, shortfalls, pos_val,
        pos_book, stop_val, stop_book)``: ``fund`` is the fund at the end (opening
        balance left plus the gains), ``gains`` / ``shortfalls`` the gross USD credited
        / drawn; per sorted position and stop (empty unless ``record``) the USD closed
        and the base the book filled.
    """
    n_lvl = lvl_x.shape[0]
    n_chunks = chunks.shape[0]
    ib = 0
    scale = 1.0
    cur_rem = lvl_q[0] if n_lvl > 0 else 0.0
    price_x = mid_x
    exhausted = False
    # ---- shock
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
    shock_x = price_x
    index_x = price_x
    # ---- rounds
    cap = 64 if record else 1
    trace = np.empty((cap, N_TRACE))
    n_pos = pos_key.shape[0]
    n_stops = stop_key.shape[0]
    pos_val = np.zeros(n_pos if record else 0)
    pos_book = np.zeros(n_pos if record else 0)
    stop_val = np.zeros(n_stops if record else 0)
    stop_book = np.zeros(n_stops if record else 0)
    fund = f0
    left = f0  # what is left of the opening fund: shortfalls draw on it only
    bad = 0.0
    gains = 0.0
    shortfalls = 0.0
    liq_usd = 0.0
    stop_usd = 0.0
    unfilled = 0.0
    n_liq = 0
    n_stop = 0
    pos_ptr = 0
    stop_ptr = 0
    large_ptr = 0
    # cohorts of chunked positions: ranks [coh_lo, coh_hi) of large_rank, round entered
    coh_lo = np.zeros(n_chunks, np.int64)
    coh_hi = np.zeros(n_chunks, np.int64)
    coh_entry = np.full(n_chunks, -(10**9))
    pend_j = np.empty(large_rank.shape[0], np.int64)
    pend_f = np.empty(large_rank.shape[0])
    # chunk_rest[j]: fraction of a large position still open after its j-th chunk
    chunk_rest = np.zeros(n_chunks + 1)
    for j in range(n_chunks - 1, -1, -1):
        chunk_rest[j] = chunk_rest[j + 1] + chunks[j + 1] if j + 1 < n_chunks else 0.0
    k = 0
    while True:
        if max_rounds > 0 and k >= max_rounds:
            break
        mark_x = mark_w * price_x + (1.0 - mark_w) * index_x
        new_pos = int(np.searchsorted(pos_key, -mark_x, side="right"))
        if new_pos < pos_ptr:
            new_pos = pos_ptr
        new_stop = int(np.searchsorted(stop_key, -price_x, side="right"))
        if new_stop < stop_ptr:
            new_stop = stop_ptr
        new_large = int(np.searchsorted(large_rank, new_pos, side="left"))
        # pending chunks of earlier cohorts, oldest cohort first (= trigger order)
        n_pend = 0
        for age in range(n_chunks - 1, 0, -1):
            c = k - age
            sl = c % n_chunks if c >= 0 else 0
            if c < 0 or coh_entry[sl] != c:
                continue
            for r in range(coh_lo[sl], coh_hi[sl]):
                pend_j[n_pend] = large_rank[r]
                pend_f[n_pend] = chunks[age]
                n_pend += 1
        if new_pos == pos_ptr and new_stop == stop_ptr and n_pend == 0:
            break
        # new cohort of partially liquidated positions enters this round
        slot = k % n_chunks
        coh_lo[slot] = large_ptr
        coh_hi[slot] = new_large
        coh_entry[slot] = k
        p0 = pos_ptr
        s0 = stop_ptr
        n_liq += new_pos - pos_ptr
        n_stop += new_stop - stop_ptr
        pos_ptr = new_pos
        stop_ptr = new_stop
        large_ptr = new_large
        if withdrawal > 0.0:
            scale *= 1.0 - withdrawal
            cur_rem *= 1.0 - withdrawal
        # ---- the round's orders take the book one after another, in trigger order
        start_abs = dirsign * price_x
        filled = 0.0
        notional = 0.0
        need = 0.0
        q_pos = 0.0
        q_stop = 0.0
        v_pos = 0.0
        v_stop = 0.0
        last = -1
        ran_out = False
        p_abs = start_abs
        g_r = 0.0  # the round's surpluses and fees
        s_r = 0.0  # the round's shortfalls
        n_pp = n_pend + new_pos - p0
        t = 0
        si = s0
        while t < n_pp or si < new_stop:
            j = -1
            base = 0.0
            if t < n_pp:
                if t < n_pend:
                    j = pend_j[t]
                    base = pend_f[t] * pos_size[j]
                else:
                    j = p0 + t - n_pend
                    base = chunks[0] * pos_size[j] if pos_large[j] else pos_size[j]
                if si < new_stop and stop_key[si] < pos_key[j]:
                    j = -1
            i = -1
            if j >= 0:
                t += 1
            else:
                i = si
                base = stop_size[i]
                si += 1
            f, nt, nd, ib, cur_rem, lt = _take(base, ib, cur_rem, lvl_abs, lvl_q, scale)
            if lt >= 0:
                last = lt
            if nd > 0.0 and not ran_out:
                ran_out = True
                p_abs = lvl_abs[last] if last >= 0 else start_abs
            filled += f
            notional += nt
            val = nt + nd * p_abs if nd > 0.0 else nt
            need += nd
            if j >= 0:
                q_pos += base
                v_pos += val
                bx = pos_bkr_x[j]
                pnl = dirsign * val + fee * val - (bx * base if np.isfinite(bx) else 0.0)
                if pnl >= 0.0:
                    g_r += pnl
                else:
                    s_r -= pnl
                if record:
                    pos_val[j] += val
                    pos_book[j] += f
            else:
                q_stop += base
                v_stop += val
                if record:
                    stop_val[i] += val
                    stop_book[i] += f
        if last >= 0:
            price_x = lvl_x[last]
        q = q_pos + q_stop
        price_abs = dirsign * price_x
        fr = filled / q if q > 0.0 else 0.0
        vwap = notional / filled if filled > 0.0 else price_abs
        close_abs = (v_pos + v_stop) / q if q > 0.0 else price_abs
        settled = 0.0
        if ran_out:
            exhausted = True
            # settlement: every position and stop still open whose trigger is at or
            # beyond P_x closes at P_x in this round; the cascade ends
            mark_x = mark_w * price_x + (1.0 - mark_w) * index_x
            set_pos = int(np.searchsorted(pos_key, -mark_x, side="right"))
            if set_pos < pos_ptr:
                set_pos = pos_ptr
            set_stop = int(np.searchsorted(stop_key, -price_x, side="right"))
            if set_stop < stop_ptr:
                set_stop = stop_ptr
            for j in range(pos_ptr, set_pos):
                base = pos_size[j]
                settled += base
                val = base * price_abs
                v_pos += val
                bx = pos_bkr_x[j]
                pnl = dirsign * val + fee * val - (bx * base if np.isfinite(bx) else 0.0)
                if pnl >= 0.0:
                    g_r += pnl
                else:
                    s_r -= pnl
                if record:
                    pos_val[j] += val
            for age in range(n_chunks):  # the chunks partial liquidation had left open
                c = k - age
                if c < 0 or chunk_rest[age] <= 0.0:
                    continue
                sl = c % n_chunks
                if coh_entry[sl] != c:
                    continue
                for r in range(coh_lo[sl], coh_hi[sl]):
                    j = large_rank[r]
                    base = chunk_rest[age] * pos_size[j]
                    settled += base
                    val = base * price_abs
                    v_pos += val
                    bx = pos_bkr_x[j]
                    pnl = dirsign * val + fee * val - (bx * base if np.isfinite(bx) else 0.0)
                    if pnl >= 0.0:
                        g_r += pnl
                    else:
                        s_r -= pnl
                    if record:
                        pos_val[j] += val
            for i in range(stop_ptr, set_stop):
                base = stop_size[i]
                settled += base
                val = base * price_abs
                v_stop += val
                if record:
                    stop_val[i] += val
            n_liq += set_pos - pos_ptr
            n_stop += set_stop - stop_ptr
            unfilled += need + settled
        else:
            set_pos = pos_ptr
            set_stop = stop_ptr
        # one addition per round to each total, so that a cascade stepped one round per
        # call (contagion) does the same operations in the same order
        liq_usd += v_pos
        stop_usd += v_stop
        # accounting: shortfalls draw on the opening fund only; gains are credited after
        if s_r > left:
            bad += s_r - left
            left = 0.0
        else:
            left -= s_r
        gains += g_r
        shortfalls += s_r
        fund = left + gains
        if record:
            if k >= trace.shape[0]:
                bigger = np.empty((2 * trace.shape[0], N_TRACE))
                bigger[: trace.shape[0]] = trace
                trace = bigger
            trace[k, T_PRICE] = price_abs
            trace[k, T_FILLED] = filled
            trace[k, T_VWAP] = vwap
            trace[k, T_Q] = q
            trace[k, T_FR] = fr
            trace[k, T_POS_END] = pos_ptr
            trace[k, T_STOP_END] = stop_ptr
            trace[k, T_QPOS] = q_pos
            trace[k, T_QSTOP] = q_stop
            trace[k, T_FUND] = fund
            trace[k, T_CLOSE] = close_abs
            trace[k, T_POS_SET] = set_pos
            trace[k, T_STOP_SET] = set_stop
            trace[k, T_SETTLED] = settled
            trace[k, T_RAN_OUT] = 1.0 if ran_out else 0.0
        pos_ptr = set_pos
        stop_ptr = set_stop
        k += 1
        if ran_out:
            break
        if refill > 0.0 and filled > 0.0 and last >= 0:
            if ib != last:
                ib = last
                cur_rem = 0.0
            cur_rem += refill * filled
    return (
        shock_x,
        price_x,
        k,
        liq_usd,
        stop_usd,
        n_liq,
        n_stop,
        fund,
        bad,
        exhausted,
        unfilled,
        ib,
        cur_rem,
        scale,
        trace[: k if record else 0],
        gains,
        shortfalls,
        pos_val,
        pos_book,
        stop_val,
        stop_book,
    )


@njit(parallel=True)
def fragility_kernel(  # pragma: no cover - compiled
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_q: FloatArray,
    lvl_key: FloatArray,
    pos_key: FloatArray,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    pos_large: Any,
    large_rank: IntArray,
    stop_key: FloatArray,
    stop_size: FloatArray,
    shocks_x: FloatArray,
    shock_kind: int,
    dirsign: float,
    f0: float,
    refill: float,
    withdrawal: float,
    mark_w: float,
    chunks: FloatArray,
    fee: float,
    max_rounds: int,
) -> FloatArray:
    """Many cascades on the same prepared side, one per shock (parallel over shocks).

    Returns
    -------
    ndarray of shape (n_shocks, N_GRID)
        Columns: final ``|price|``, liquidated USD, stops USD, rounds, exhausted (0/1),
        bad debt USD, fund end USD, shock ``|price|``, positions liquidated, base
        closed at the exhaustion price (``unfilled_base``).
    """
    n = shocks_x.shape[0]
    out = np.empty((n, N_GRID))
    for i in prange(n):
        r = cascade_kernel(
            mid_x,
            lvl_x,
            lvl_abs,
            lvl_q,
            lvl_key,
            pos_key,
            pos_size,
            pos_bkr_x,
            pos_large,
            large_rank,
            stop_key,
            stop_size,
            shock_kind,
            shocks_x[i],
            dirsign,
            f0,
            refill,
            withdrawal,
            mark_w,
            chunks,
            fee,
            max_rounds,
            False,
        )
        out[i, 0] = dirsign * r[1]
        out[i, 1] = r[3]
        out[i, 2] = r[4]
        out[i, 3] = r[2]
        out[i, 4] = 1.0 if r[9] else 0.0
        out[i, 5] = r[8]
        out[i, 6] = r[7]
        out[i, 7] = dirsign * r[0]
        out[i, 8] = r[5]
        out[i, 9] = r[10]
    return out


@njit
def sort_codes_kernel(  # pragma: no cover - compiled
    values: FloatArray, idx: IntArray, sign: float, nb: int
) -> Any:
    """``uint64`` codes that sort like ``key = −(sign · values[idx])``.

    A code is the key's top ``64 − nb`` order bits, then its index ``idx[j]`` (``nb``
    bits). The order bits are the IEEE-754 pattern made unsigned-monotone (negatives
    flipped, positives with the sign bit set); ``−0.0`` counts as ``+0.0`` and NaN
    sorts last. Sorting the codes (one ``numpy.sort`` of integers, no permutation to
    carry) orders the keys up to ties in the truncated bits, which
    :func:`finish_codes_kernel` resolves.
    """
    m = idx.shape[0]
    codes = np.empty(m, np.uint64)
    one = np.empty(1)
    bits = one.view(np.uint64)
    top = np.uint64(1) << np.uint64(63)
    sh = np.uint64(nb)
    for j in range(m):
        i = idx[j]
        k = -(sign * values[i])
        if k != k:
            h = ~np.uint64(0)
        else:
            one[0] = k + 0.0
            b = bits[0]
            h = ~b if b & top else b | top
        codes[j] = ((h >> sh) << sh) | np.uint64(i)
    return codes


@njit
def finish_codes_kernel(  # pragma: no cover - compiled
    codes: Any, nb: int, values: FloatArray, sign: float
) -> Any:
    """Sorted codes to ``(index, key)`` in ``numpy.argsort(kind="stable")``'s order.

    Each run of codes equal in their truncated key bits is ordered by the exact key,
    ties by index (within a run the codes are already in index order).
    """
    m = codes.shape[0]
    mask = (np.uint64(1) << np.uint64(nb)) - np.uint64(1)
    sh = np.uint64(nb)
    order = np.empty(m, np.int64)
    skey = np.empty(m)
    for j in range(m):
        i = np.int64(codes[j] & mask)
        order[j] = i
        skey[j] = -(sign * values[i])
    j = 0
    while j < m:
        e = j + 1
        hj = codes[j] >> sh
        while e < m and (codes[e] >> sh) == hj:
            e += 1
        for a in range(j + 1, e):  # within a run the codes are in index order: stable
            kv = skey[a]
            iv = order[a]
            t = a
            while t > j and kv < skey[t - 1]:
                skey[t] = skey[t - 1]
                order[t] = order[t - 1]
                t -= 1
            skey[t] = kv
            order[t] = iv
        j = e
    return order, skey


@njit
def gather_sorted_kernel(  # pragma: no cover - compiled
    pidx: IntArray, size_all: FloatArray, bkr_all: FloatArray, s: float
) -> Any:
    """One pass over sorted positions: size, bankruptcy (frame) and prefix sums.

    Returns ``(size, bkr_x, cum_size, cum_bkr)``; ``cum_bkr`` counts ``bkr_x · size``
    (0 where ``bkr_x`` is not finite). The sums accumulate in order, as
    ``numpy.cumsum`` does.
    """
    m = pidx.shape[0]
    size = np.empty(m)
    bkr_x = np.empty(m)
    cum_size = np.empty(m + 1)
    cum_bkr = np.empty(m + 1)
    cum_size[0] = 0.0
    cum_bkr[0] = 0.0
    a = 0.0
    c = 0.0
    for j in range(m):
        i = pidx[j]
        sz = size_all[i]
        bx = s * bkr_all[i]
        size[j] = sz
        bkr_x[j] = bx
        bs = bx * sz if np.isfinite(bx) else 0.0
        a += sz
        c += bs
        cum_size[j + 1] = a
        cum_bkr[j + 1] = c
    return size, bkr_x, cum_size, cum_bkr


@njit
def gather_stops_kernel(sidx: IntArray, size_all: FloatArray) -> Any:  # pragma: no cover
    """One pass over sorted stops: ``(size, cum_size)``."""
    m = sidx.shape[0]
    size = np.empty(m)
    cum = np.empty(m + 1)
    cum[0] = 0.0
    a = 0.0
    for j in range(m):
        sz = size_all[sidx[j]]
        size[j] = sz
        a += sz
        cum[j + 1] = a
    return size, cum
