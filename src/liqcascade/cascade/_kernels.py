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
at or beyond ``P_x`` closes at ``P_x`` in the same round (docs/design.md, "Settlement").
Accounting: each close's shortfall (beyond bankruptcy) is drawn on the opening fund
``F0`` only, the excess is bad debt; surpluses and fees are credited after the
cascade. :func:`cascade_kernel` visits every closed order (O(orders closed + levels
touched + log n per round)): partial liquidation, the contagion engine's one-round
steps and the per-order detail use it. :func:`cascade_fast_kernel` gives the same
results without the per-order closes in O(levels touched · log n + blocks closed +
positions in blocks it cannot decide by their bankruptcy bounds); ``simulate_cascade``
and the fragility curve use it when no position is liquidated in chunks.

The steps both kernels take alike (the shock, a level of a walk, the triggers, the
fund, the trace row, refill and withdrawal) are written once in
:mod:`liqcascade.cascade._walk` and inlined. The pure-Python twin, written straight
from these semantics with plain loops over positions and levels, is
:func:`liqcascade.cascade._reference.cascade_py`; the tests hold the two equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade._numba import NUMBA_DISABLED, njit
from liqcascade._typing import FloatArray, IntArray
from liqcascade.cascade._walk import (
    N_TRACE,
    book_close,
    book_round,
    drop_stale_caches,
    refill_book,
    shock_walk,
    take_level,
    trace_round,
    triggered,
    withdraw,
)

if NUMBA_DISABLED:
    prange = range
else:
    from numba import prange  # type: ignore[assignment]

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
        last = ib
        got, need, cur_rem, emptied = take_level(need, cur_rem)
        filled += got
        notional += lvl_abs[ib] * got
        if emptied:
            ib += 1
            cur_rem = lvl_q[ib] * scale if ib < n_lvl else 0.0
    return filled, notional, need, ib, cur_rem, last


@njit(inline="always")
def _end_round(  # pragma: no cover - compiled
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
    record: bool,
    trace: FloatArray,
    k: int,
    price_abs: float,
    filled: float,
    notional: float,
    q: float,
    pos_ptr: int,
    stop_ptr: int,
    q_pos: float,
    q_stop: float,
    close_abs: float,
    set_pos: int,
    set_stop: int,
    settled: float,
    ran_out: bool,
) -> Any:
    """The end of round ``k``, the same in both kernels: its closes booked, the fund, the trace.

    :func:`~liqcascade.cascade._walk.book_round` books the round's ``v_pos`` USD
    liquidated and ``v_stop`` USD of stops (one addition per round to each total; the
    shortfalls ``s_r`` draw on the opening fund only); the fund is what is left of it
    plus the gains (USD); with ``record``, row ``k`` of the trace
    (:func:`~liqcascade.cascade._walk.trace_round`). Returns ``(liq_usd, stop_usd,
    left, bad, gains, shortfalls, fund, trace)`` (USD; the trace may be a new, larger
    matrix).
    """
    liq_usd, stop_usd, left, bad, gains, shortfalls = book_round(
        v_pos, v_stop, g_r, s_r, liq_usd, stop_usd, left, bad, gains, shortfalls
    )
    fund = left + gains
    if record:
        trace = trace_round(
            trace, k, price_abs, filled, notional, q, pos_ptr, stop_ptr, q_pos, q_stop,
            fund, close_abs, set_pos, set_stop, settled, ran_out,
        )  # fmt: skip
    return liq_usd, stop_usd, left, bad, gains, shortfalls, fund, trace


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
    cascade (docs/design.md "Fills" and "Accounting" as changed by issue 17).

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
    n_chunks = chunks.shape[0]
    scale = 1.0
    price_x, ib, cur_rem, exhausted = shock_walk(
        mid_x, lvl_x, lvl_abs, lvl_q, lvl_key, shock_kind, shock_value
    )
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
        new_pos, new_stop = triggered(pos_key, stop_key, mark_x, price_x, pos_ptr, stop_ptr)
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
        scale, cur_rem = withdraw(withdrawal, scale, cur_rem)
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
                g_r, s_r = book_close(val, base, pos_bkr_x[j], dirsign, fee, g_r, s_r)
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
        close_abs = (v_pos + v_stop) / q if q > 0.0 else price_abs
        settled = 0.0
        if ran_out:
            exhausted = True
            # settlement: every position and stop still open whose trigger is at or
            # beyond P_x closes at P_x in this round; the cascade ends
            mark_x = mark_w * price_x + (1.0 - mark_w) * index_x
            set_pos, set_stop = triggered(pos_key, stop_key, mark_x, price_x, pos_ptr, stop_ptr)
            for j in range(pos_ptr, set_pos):
                base = pos_size[j]
                settled += base
                val = base * price_abs
                v_pos += val
                g_r, s_r = book_close(val, base, pos_bkr_x[j], dirsign, fee, g_r, s_r)
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
                    g_r, s_r = book_close(val, base, pos_bkr_x[j], dirsign, fee, g_r, s_r)
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
        liq_usd, stop_usd, left, bad, gains, shortfalls, fund, trace = _end_round(
            v_pos, v_stop, g_r, s_r, liq_usd, stop_usd, left, bad, gains, shortfalls, record,
            trace, k, price_abs, filled, notional, q, pos_ptr, stop_ptr, q_pos, q_stop,
            close_abs, set_pos, set_stop, settled, ran_out,
        )  # fmt: skip
        pos_ptr, stop_ptr, k = set_pos, set_stop, k + 1
        if ran_out:
            break
        ib, cur_rem = refill_book(refill, filled, last, ib, cur_rem)
    return (
        shock_x, price_x, k, liq_usd, stop_usd, n_liq, n_stop, fund, bad, exhausted, unfilled,
        ib, cur_rem, scale, trace[: k if record else 0], gains, shortfalls,
        pos_val, pos_book, stop_val, stop_book,
    )  # fmt: skip


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
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    cum_stop: FloatArray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    blk_sb: FloatArray,
    blk_ps: FloatArray,
    blk_pb: FloatArray,
    block: int,
    mcum: FloatArray,
    mpos: FloatArray,
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

    Without partial liquidation each runs :func:`cascade_fast_kernel` on the prefix sums
    and block bounds (``cum_size`` … ``block``, see ``PreparedSide.fast_args``),
    otherwise :func:`cascade_kernel`.

    Returns
    -------
    ndarray of shape (n_shocks, N_GRID)
        Columns: final ``|price|``, liquidated USD, stops USD, rounds, exhausted (0/1),
        bad debt USD, fund end USD, shock ``|price|``, positions liquidated, base
        closed at the exhaustion price (``unfilled_base``).
    """
    n = shocks_x.shape[0]
    out = np.empty((n, N_GRID))
    fast = large_rank.shape[0] == 0  # no position is liquidated in chunks
    for i in prange(n):
        if fast:
            r = cascade_fast_kernel(
                mid_x,
                lvl_x,
                lvl_abs,
                lvl_q,
                lvl_key,
                pos_key,
                pos_size,
                pos_bkr_x,
                cum_size,
                cum_bkr,
                stop_key,
                cum_stop,
                blk_max,
                blk_min,
                blk_sb,
                blk_ps,
                blk_pb,
                block,
                mcum,
                mpos,
                shock_kind,
                shocks_x[i],
                dirsign,
                f0,
                refill,
                withdrawal,
                mark_w,
                fee,
                max_rounds,
                np.bool_(False),  # not a literal: the callee's one compile serves all
            )
        else:
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
                np.bool_(False),  # not a literal: the callee's one compile serves all
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


# ----------------------------------------------------------------------------------
# The same cascade without visiting every closed order (issue 20's speed)
# ----------------------------------------------------------------------------------
#: positions per block of the bankruptcy bounds (see :func:`block_bounds_kernel`)
BLOCK = 64


@njit
def block_bounds_kernel(bkr_x: FloatArray, block: int) -> Any:  # pragma: no cover - compiled
    """Per block of ``block`` sorted positions: max and min bankruptcy (frame, USD).

    A bankruptcy price that is not finite counts as 0, as in the accounting.
    """
    n = bkr_x.shape[0]
    nb = (n + block - 1) // block
    mx = np.empty(nb)
    mn = np.empty(nb)
    for b in range(nb):
        hi = -np.inf
        lo = np.inf
        for j in range(b * block, min(n, (b + 1) * block)):
            v = bkr_x[j]
            if not np.isfinite(v):
                v = 0.0
            if v > hi:
                hi = v
            if v < lo:
                lo = v
        mx[b] = hi
        mn[b] = lo
    return mx, mn


@njit
def _units_w(  # pragma: no cover - compiled
    u: float, t: int, uu: FloatArray, wu: FloatArray, labs: FloatArray, m: int, p_abs: float
) -> Any:
    """USD value of the first ``u`` position units of the round, and the level holding them.

    ``t`` is a level at or before the one holding unit ``u`` (queries go forward); the
    returned ``t`` has ``uu[t] <= u < uu[t + 1]``, or ``t = m`` past the book's part
    (those units close at ``p_abs``).
    """
    while t < m and uu[t + 1] <= u:
        t += 1
    if t >= m:
        return wu[m] + (u - uu[m]) * p_abs, t
    return wu[t] + (u - uu[t]) * labs[t], t


@njit
def _round_pnl(  # pragma: no cover - compiled
    a0: int,
    e0: int,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    blk_sb: FloatArray,
    blk_ps: FloatArray,
    blk_pb: FloatArray,
    block: int,
    uu: FloatArray,
    wu: FloatArray,
    labs: FloatArray,
    m: int,
    p_abs: float,
    dirsign: float,
    fee: float,
) -> Any:
    """Surpluses and shortfalls of positions ``[a0, e0)`` closing one after another.

    Position ``j`` closes the units ``[cum_size[j] − cum_size[a0], cum_size[j+1] −
    cum_size[a0])`` of the round's positions: local level ``t`` holds units
    ``[uu[t], uu[t+1])`` at ``|price| labs[t]`` (``wu[t]`` USD before it), the units past
    ``uu[m]`` close at ``p_abs``; so any range's value telescopes. A close's result is
    ``size · (k · x_close − bkr_x)`` with ``k = 1 + dirsign · fee``: a block whose
    largest bankruptcy is at or inside ``k ·`` the worst price its units reach is all
    surplus, one whose smallest is beyond ``k ·`` the best price all shortfall (both by
    prefix sums); only the other blocks are visited position by position.
    Returns ``(gains, shortfalls, value)`` in USD.
    """
    g = 0.0
    s = 0.0
    c0 = cum_size[a0]
    kf = 1.0 + dirsign * fee
    lin = dirsign + fee
    t = np.int64(0)  # level holding the unit just after the current point (int64: one
    # compile of _units_w, not a second for a literal 0)
    tw = 0  # level holding the unit just before the block's end
    a = a0
    w_a = 0.0
    while a < e0:
        b = a // block
        e = min(e0, (b + 1) * block)
        ua = cum_size[a] - c0
        ue = cum_size[e] - c0
        w_a, t = _units_w(ua, t, uu, wu, labs, m, p_abs)
        x_best = dirsign * (p_abs if t >= m else labs[t])
        while tw < m and uu[tw + 1] < ue:
            tw += 1
        x_worst = dirsign * (p_abs if tw >= m else labs[tw])
        gain_all = blk_max[b] <= kf * x_worst
        if gain_all or blk_min[b] > kf * x_best:
            w_e, t = _units_w(ue, t, uu, wu, labs, m, p_abs)
            pnl = lin * (w_e - w_a) - (cum_bkr[e] - cum_bkr[a])
            if gain_all:
                g += pnl
            else:
                s -= pnl
        elif t == tw and a == b * block and (e == a + block or e == blk_sb.shape[0]):
            # a whole block closing at one price: split it by one binary search in the
            # block's positions sorted by bankruptcy (shortfall where bkr_x > k · x)
            w_e, t = _units_w(ue, t, uu, wu, labs, m, p_abs)
            pnl = lin * (w_e - w_a) - (cum_bkr[e] - cum_bkr[a])
            kx = kf * x_best
            r = a  # first of the block's sorted bankruptcies above k · x
            hi = e
            while r < hi:
                h = (r + hi) >> 1
                if blk_sb[h] <= kx:
                    r = h + 1
                else:
                    hi = h
            s_sz = blk_ps[e - 1] - (blk_ps[r - 1] if r > a else 0.0)
            s_bx = blk_pb[e - 1] - (blk_pb[r - 1] if r > a else 0.0)
            short = s_bx - kx * s_sz
            s += short
            g += pnl + short
        else:
            w_prev = w_a
            for j in range(a, e):
                w_next, t = _units_w(cum_size[j + 1] - c0, t, uu, wu, labs, m, p_abs)
                bx = pos_bkr_x[j]
                pnl = lin * (w_next - w_prev) - (bx * pos_size[j] if np.isfinite(bx) else 0.0)
                w_prev = w_next
                if pnl >= 0.0:
                    g += pnl
                else:
                    s -= pnl
        a = e
    w_all, t = _units_w(cum_size[e0] - c0, t, uu, wu, labs, m, p_abs)
    return g, s, w_all


@njit
def merge_orders_kernel(  # pragma: no cover - compiled
    pos_key: FloatArray, pos_size: FloatArray, stop_key: FloatArray, stop_size: FloatArray
) -> Any:
    """Positions and stops merged in fill order; running sums of size and position size.

    The merged order is the kernels' trigger order (a stop before a position only on a
    strictly smaller key). Returns ``(mcum, mpos)`` of length ``n + m + 1``: the base
    of all orders, and of the positions only, before each merged order. With the mark
    at the trade price a round's orders are a contiguous merged range, so the position
    units among its first ``c`` base units are one search in ``mcum``.
    """
    n = pos_key.shape[0]
    m = stop_key.shape[0]
    mcum = np.empty(n + m + 1)
    mpos = np.empty(n + m + 1)
    mcum[0] = 0.0
    mpos[0] = 0.0
    a = 0.0
    b = 0.0
    i = 0
    j = 0
    for k in range(n + m):
        if j < m and (i >= n or stop_key[j] < pos_key[i]):
            a += stop_size[j]
            j += 1
        else:
            a += pos_size[i]
            b += pos_size[i]
            i += 1
        mcum[k + 1] = a
        mpos[k + 1] = b
    return mcum, mpos


@njit
def _merged_units(  # pragma: no cover - compiled
    c: float, i: int, m0: int, m1: int, mcum: FloatArray, mpos: FloatArray
) -> Any:
    """Position units among the first ``c`` base units of merged orders ``[m0, m1)``.

    ``i`` is a merged index known to start at or before ``c`` (queries go forward);
    gallops to the last such index. Returns ``(units, i)``.
    """
    base = mcum[m0]
    lo = i
    step = 1
    hi = lo + 1
    while hi < m1 and mcum[hi] - base <= c:
        lo = hi
        hi = lo + step
        step *= 2
    if hi > m1:
        hi = m1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if mcum[mid] - base <= c:
            lo = mid
        else:
            hi = mid
    units = (mpos[lo] - mpos[m0]) + min(mpos[lo + 1] - mpos[lo], c - (mcum[lo] - base))
    return units, lo


@njit
def _first_stop(  # pragma: no cover - compiled
    kj: float, a: int, s1: int, stop_key: FloatArray
) -> int:
    """First stop index in ``[a, s1]`` whose key is ``>= kj`` (galloping from ``a``)."""
    if a >= s1 or stop_key[a] >= kj:
        return a
    lo = a  # stop_key[lo] < kj
    step = 1
    hi = lo + 1
    while hi < s1 and stop_key[hi] < kj:
        lo = hi
        step *= 2
        hi = lo + step
    if hi > s1:
        hi = s1
    x = lo + 1
    y = hi
    while x < y:
        h = (x + y) >> 1
        if stop_key[h] < kj:
            x = h + 1
        else:
            y = h
    return x


@njit
def _pos_units(  # pragma: no cover - compiled
    c: float,
    lo: int,
    a_lo: int,
    ms_lo: float,
    p0: int,
    p1: int,
    s0: int,
    s1: int,
    pos_key: FloatArray,
    stop_key: FloatArray,
    cum_size: FloatArray,
    cum_stop: FloatArray,
) -> Any:
    """Position units among the first ``c`` base units of the round's merged walk.

    The round's orders take the book in trigger order: positions ``[p0, p1)`` and stops
    ``[s0, s1)`` merged by key, a stop before a position only on a strictly smaller key;
    position ``j`` starts at ``mstart(j)`` = the sizes of the positions and stops before
    it. ``lo`` is the last position known to start at or before ``c`` (``p0 − 1``: none),
    ``a_lo`` the first stop after it and ``ms_lo`` its start; the search gallops forward
    from there (queries come in increasing ``c``). Returns ``(units, lo, a_lo, ms_lo)``.
    """
    cp0 = cum_size[p0]
    cs0 = cum_stop[s0]
    step = 1
    hi = lo + 1
    while hi < p1:
        a_hi = _first_stop(pos_key[hi], a_lo, s1, stop_key)
        ms = (cum_size[hi] - cp0) + (cum_stop[a_hi] - cs0)
        if ms > c:
            break
        lo = hi
        a_lo = a_hi
        ms_lo = ms
        hi = lo + step
        step *= 2
    if hi > p1:
        hi = p1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        a_mid = _first_stop(pos_key[mid], a_lo, s1, stop_key)
        ms = (cum_size[mid] - cp0) + (cum_stop[a_mid] - cs0)
        if ms <= c:
            lo = mid
            a_lo = a_mid
            ms_lo = ms
        else:
            hi = mid
    if lo < p0:
        return 0.0, lo, a_lo, ms_lo
    units = min(cum_size[lo + 1] - cp0, (cum_size[lo] - cp0) + (c - ms_lo))
    return units, lo, a_lo, ms_lo


@njit
def cascade_fast_kernel(  # pragma: no cover - compiled
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_q: FloatArray,
    lvl_key: FloatArray,
    pos_key: FloatArray,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    stop_key: FloatArray,
    cum_stop: FloatArray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    blk_sb: FloatArray,
    blk_ps: FloatArray,
    blk_pb: FloatArray,
    block: int,
    mcum: FloatArray,
    mpos: FloatArray,
    shock_kind: int,
    shock_value: float,
    dirsign: float,
    f0: float,
    refill: float,
    withdrawal: float,
    mark_w: float,
    fee: float,
    max_rounds: int,
    record: bool,
) -> Any:
    """:func:`cascade_kernel` without partial liquidation, in O(levels + blocks) a round.

    Same semantics (fills by trigger priority, gains credited after the cascade) and the
    same returns, except that the per-order closes (the last four arrays) are empty:
    :func:`cascade_kernel` gives them when asked. A round walks the book once for its
    whole order (positions ``[p0, p1)`` and stops merged by trigger); the USD each range
    of positions closes telescopes over the levels touched (``_pos_units`` maps each
    level's slice of the walk to position units), and the surpluses and shortfalls
    come by blocks (:func:`_round_pnl`).
    """
    n_lvl = lvl_x.shape[0]
    scale = 1.0
    price_x, ib, cur_rem, exhausted = shock_walk(
        mid_x, lvl_x, lvl_abs, lvl_q, lvl_key, shock_kind, shock_value
    )
    shock_x = price_x
    index_x = price_x
    cap = 64 if record else 1
    trace = np.empty((cap, N_TRACE))
    empty = np.zeros(0)
    # the round's walk: local level t covers [lc[t], lc[t+1]) base at |price| labs[t];
    # uu[t] position units precede lc[t]; wu[t] is their USD value
    lc = np.empty(n_lvl + 2)
    labs = np.empty(n_lvl + 2)
    uu = np.empty(n_lvl + 2)
    wu = np.empty(n_lvl + 2)
    zero1 = np.zeros(1)
    # with the mark at the trade price, every round's orders are one merged range
    merged = mark_w == 1.0 and mcum.shape[0] == pos_key.shape[0] + stop_key.shape[0] + 1
    fund = f0
    left = f0
    bad = 0.0
    gains = 0.0
    shortfalls = 0.0
    liq_usd = 0.0
    stop_usd = 0.0
    unfilled = 0.0
    n_liq = 0
    n_stop = 0
    # int64, not the literal 0: typing the loop would compile _pos_units and _round_pnl
    # once more for a literal first pass (the same code; the final types are int64)
    pos_ptr = np.int64(0)
    stop_ptr = np.int64(0)
    k = 0
    while True:
        if max_rounds > 0 and k >= max_rounds:
            break
        mark_x = mark_w * price_x + (1.0 - mark_w) * index_x
        new_pos, new_stop = triggered(pos_key, stop_key, mark_x, price_x, pos_ptr, stop_ptr)
        if new_pos == pos_ptr and new_stop == stop_ptr:
            break
        p0 = pos_ptr
        s0 = stop_ptr
        n_liq += new_pos - pos_ptr
        n_stop += new_stop - stop_ptr
        pos_ptr = new_pos
        stop_ptr = new_stop
        scale, cur_rem = withdraw(withdrawal, scale, cur_rem)
        start_abs = dirsign * price_x
        q_pos = cum_size[new_pos] - cum_size[p0]
        q_stop = cum_stop[new_stop] - cum_stop[s0]
        q = q_pos + q_stop
        # ---- one walk of the book for the round's whole order
        need = q
        filled = 0.0
        notional = 0.0
        last = -1
        m = np.int64(0)  # not a literal (see pos_ptr)
        lc[0] = 0.0
        while need > 0.0 and ib < n_lvl:
            last = ib
            labs[m] = lvl_abs[ib]
            got, need, cur_rem, emptied = take_level(need, cur_rem)
            filled += got
            notional += lvl_abs[ib] * got
            if emptied:
                ib += 1
                cur_rem = lvl_q[ib] * scale if ib < n_lvl else 0.0
            m += 1
            lc[m] = filled
        ran_out = need > 0.0
        p_abs = lvl_abs[last] if last >= 0 else start_abs
        # position units before each level boundary (all of them when no stop fired)
        wu[0] = 0.0
        uu[0] = 0.0
        j_lo = p0 - 1
        a_lo = s0
        ms_lo = 0.0
        i_m = p0 + s0
        for t in range(1, m + 1):
            if new_stop == s0:
                ut = min(lc[t], q_pos)
            elif new_pos == p0:
                ut = 0.0
            elif merged:
                ut, i_m = _merged_units(lc[t], i_m, p0 + s0, new_pos + new_stop, mcum, mpos)
            else:
                ut, j_lo, a_lo, ms_lo = _pos_units(
                    lc[t], j_lo, a_lo, ms_lo, p0, new_pos, s0, new_stop,
                    pos_key, stop_key, cum_size, cum_stop,
                )  # fmt: skip
            if ut < uu[t - 1]:
                ut = uu[t - 1]
            if ut > q_pos:
                ut = q_pos
            uu[t] = ut
            wu[t] = wu[t - 1] + labs[t - 1] * (ut - uu[t - 1])
        g_r, s_r, v_pos = _round_pnl(
            p0, new_pos, cum_size, cum_bkr, pos_size, pos_bkr_x, blk_max, blk_min,
            blk_sb, blk_ps, blk_pb, block,
            uu, wu, labs, m, p_abs, dirsign, fee,
        )  # fmt: skip
        if new_stop == s0:
            v_stop = 0.0  # no stop fired: exactly (notional - wu[m] leaves float residue)
        else:  # the round's notional less the positions', never below 0 by residue
            book_stop = filled - uu[m]
            v_stop = max(0.0, (notional - wu[m]) + p_abs * (q_stop - book_stop))
        if last >= 0:
            price_x = lvl_x[last]
        price_abs = dirsign * price_x
        close_abs = (v_pos + v_stop) / q if q > 0.0 else price_abs
        settled = 0.0
        if ran_out:
            exhausted = True
            mark_x = mark_w * price_x + (1.0 - mark_w) * index_x
            set_pos, set_stop = triggered(pos_key, stop_key, mark_x, price_x, pos_ptr, stop_ptr)
            if set_pos > pos_ptr:
                g2, s2, v2 = _round_pnl(
                    pos_ptr, set_pos, cum_size, cum_bkr, pos_size, pos_bkr_x, blk_max, blk_min,
                    blk_sb, blk_ps, blk_pb, block, zero1, zero1, zero1, np.int64(0), price_abs,
                    dirsign, fee,
                )  # fmt: skip
                g_r += g2
                s_r += s2
                v_pos += v2
                settled += cum_size[set_pos] - cum_size[pos_ptr]
            if set_stop > stop_ptr:
                qs2 = cum_stop[set_stop] - cum_stop[stop_ptr]
                settled += qs2
                v_stop += qs2 * price_abs
            n_liq += set_pos - pos_ptr
            n_stop += set_stop - stop_ptr
            unfilled += need + settled
        else:
            set_pos = pos_ptr
            set_stop = stop_ptr
        liq_usd, stop_usd, left, bad, gains, shortfalls, fund, trace = _end_round(
            v_pos, v_stop, g_r, s_r, liq_usd, stop_usd, left, bad, gains, shortfalls, record,
            trace, k, price_abs, filled, notional, q, pos_ptr, stop_ptr, q_pos, q_stop,
            close_abs, set_pos, set_stop, settled, ran_out,
        )  # fmt: skip
        pos_ptr, stop_ptr, k = set_pos, set_stop, k + 1
        if ran_out:
            break
        ib, cur_rem = refill_book(refill, filled, last, ib, cur_rem)
    return (
        shock_x, price_x, k, liq_usd, stop_usd, n_liq, n_stop, fund, bad, exhausted, unfilled,
        ib, cur_rem, scale, trace[: k if record else 0], gains, shortfalls,
        empty, empty, empty, empty,
    )  # fmt: skip


@njit
def block_sorted_kernel(  # pragma: no cover - compiled
    bkr_x: FloatArray, size: FloatArray, block: int
) -> Any:
    """Each block's positions sorted by bankruptcy (frame, USD; not finite counts as 0).

    Returns ``(sb, ps, pb)``: per block, the sorted bankruptcies and the running sums
    (from the block's start, inclusive) of ``size`` and ``bankruptcy · size`` in that
    order, so a block closing at one price splits into surpluses and shortfalls by
    one binary search.
    """
    n = bkr_x.shape[0]
    sb = np.empty(n)
    ps = np.empty(n)
    pb = np.empty(n)
    for b0 in range(0, n, block):
        e = min(n, b0 + block)
        for j in range(b0, e):  # insertion sort of (bkr, size) pairs; near-sorted input
            v = bkr_x[j]
            if not np.isfinite(v):
                v = 0.0
            w = size[j]
            t = j
            while t > b0 and sb[t - 1] > v:
                sb[t] = sb[t - 1]
                ps[t] = ps[t - 1]
                t -= 1
            sb[t] = v
            ps[t] = w
        a1 = 0.0
        a2 = 0.0
        for j in range(b0, e):
            a2 += sb[j] * ps[j]
            a1 += ps[j]
            ps[j] = a1
            pb[j] = a2
    return sb, ps, pb


# the kernels that inline the shared steps: compiled again when those changed
drop_stale_caches(_take, cascade_kernel, cascade_fast_kernel, fragility_kernel)
