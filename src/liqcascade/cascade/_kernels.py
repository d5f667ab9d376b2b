"""Numba kernels of the cascade engine (flat arrays, trusted inputs).

Everything runs in a *down frame*: for a down move the coordinate is ``x = price``;
for an up move ``x = −price``, so asks become levels sorted by decreasing ``x``,
shorts trigger when ``liq_x >= mark_x`` like longs do, and a short's fund
contribution ``(bankruptcy − vwap)`` becomes ``(vwap_x − bankruptcy_x)``. Positions
and stops are sorted once by trigger (``key = −trigger_x`` ascending, see
:mod:`liqcascade.cascade._prepare`), so the orders triggered at a price are a
prefix found by binary search and a round's quantity and fund change are
differences of prefix sums: O(log n + levels touched) per round.

When a round runs the book out (DESIGN.md, "Fills" and "Settlement"), its orders
close at ``a_k = (book notional + unfilled · P_x) / Q_k`` and every position and
stop still open whose trigger is at or beyond the exhaustion price ``P_x`` closes
at ``P_x`` in the same round: one more binary search and prefix-sum difference.

The pure-Python twin, written straight from DESIGN.md's semantics with plain
loops over positions and levels, is :func:`liqcascade.cascade._reference.cascade_py`;
the tests hold the two equal.
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
T_FUND = 9  # fund after the round, USD
T_CLOSE = 10  # |a_k|: price every order triggered in the round closes at, USD
T_POS_SET = 11  # positions closed so far, settlement at the exhaustion price included
T_STOP_SET = 12  # stops closed so far, settlement included
T_SETTLED = 13  # base closed by the settlement at the exhaustion price
T_RAN_OUT = 14  # 1 when the round ran the book out (price = P_x), else 0
N_TRACE = 15

#: columns of the fragility kernel's output
N_GRID = 10


@njit
def cascade_kernel(  # pragma: no cover - compiled
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_q: FloatArray,
    lvl_key: FloatArray,
    pos_key: FloatArray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
    stop_key: FloatArray,
    cum_stop: FloatArray,
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

    Parameters
    ----------
    mid_x : float
        Mid in frame coordinates.
    lvl_x, lvl_abs, lvl_q, lvl_key : arrays
        Levels best first: frame price, |price| (USD), size (base), ``−lvl_x``.
    pos_key : array
        ``−liq_x`` of the positions on the moving side, ascending.
    cum_size, cum_bkr : arrays (n + 1)
        Prefix sums of size and ``bankruptcy_x · size`` over *whole* (not
        partially liquidated) positions in ``pos_key`` order.
    large_rank, large_cum_size, large_cum_bkr : arrays
        Sorted ranks of the partially liquidated positions and prefix sums over them.
    stop_key, cum_stop : arrays
        ``−trigger_x`` of the stops on the moving side, ascending; prefix sums of size.
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
        Keep the per-round trace.

    Returns
    -------
    tuple
        ``(shock_x, price_x, rounds, liq_usd, stop_usd, n_liq, n_stop, fund, bad,
        exhausted, unfilled, ib, cur_rem, scale, trace)``.
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
    fund = f0
    bad = 0.0
    liq_usd = 0.0
    stop_usd = 0.0
    unfilled = 0.0
    n_liq = 0
    n_stop = 0
    pos_ptr = 0
    stop_ptr = 0
    large_ptr = 0
    coh_s = np.zeros(n_chunks)
    coh_b = np.zeros(n_chunks)
    coh_entry = np.full(n_chunks, -(10**9))
    # chunk_rest[j]: fraction of a large position still open after its j-th chunk
    chunk_rest = np.zeros(n_chunks + 1)
    for j in range(n_chunks - 1, -1, -1):
        chunk_rest[j] = chunk_rest[j + 1] + chunks[j + 1] if j + 1 < n_chunks else 0.0
    k = 0
    n_pos = pos_key.shape[0]
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
        pending = False
        for i in range(n_chunks):
            age = k - coh_entry[i]
            if 0 < age < n_chunks and coh_s[i] > 0.0:
                pending = True
        if new_pos == pos_ptr and new_stop == stop_ptr and not pending:
            break
        # new cohort of partially liquidated positions enters this round
        slot = k % n_chunks
        coh_s[slot] = large_cum_size[new_large] - large_cum_size[large_ptr]
        coh_b[slot] = large_cum_bkr[new_large] - large_cum_bkr[large_ptr]
        coh_entry[slot] = k
        q_pos = cum_size[new_pos] - cum_size[pos_ptr]
        b_pos = cum_bkr[new_pos] - cum_bkr[pos_ptr]
        for i in range(n_chunks):
            age = k - coh_entry[i]
            if 0 <= age < n_chunks and coh_s[i] > 0.0:
                q_pos += chunks[age] * coh_s[i]
                b_pos += chunks[age] * coh_b[i]
        q_stop = cum_stop[new_stop] - cum_stop[stop_ptr]
        n_liq += new_pos - pos_ptr
        n_stop += new_stop - stop_ptr
        pos_ptr = new_pos
        stop_ptr = new_stop
        large_ptr = new_large
        q = q_pos + q_stop
        if withdrawal > 0.0:
            scale *= 1.0 - withdrawal
            cur_rem *= 1.0 - withdrawal
        # ---- walk the book
        need = q
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
        if last >= 0:
            price_x = lvl_x[last]
        ran_out = need > 0.0
        price_abs = dirsign * price_x
        # fills: every order of the round closes at a_k; what the book could not
        # absorb closes at the price reached (P_x = price_x when the book ran out)
        fr = filled / q if q > 0.0 else 0.0
        vwap = notional / filled if filled > 0.0 else price_abs
        if ran_out:
            close_abs = (notional + need * price_abs) / q
        else:
            close_abs = vwap
        close_x = dirsign * close_abs
        liq_usd += close_abs * q_pos
        stop_usd += close_abs * q_stop
        net = close_x * q_pos - b_pos + fee * close_abs * q_pos
        settled = 0.0
        if ran_out:
            exhausted = True
            unfilled += need
            # settlement: every position and stop still open whose trigger is at or
            # beyond P_x closes at P_x in this round; the cascade ends
            mark_x = mark_w * price_x + (1.0 - mark_w) * index_x
            set_pos = int(np.searchsorted(pos_key, -mark_x, side="right"))
            if set_pos < pos_ptr:
                set_pos = pos_ptr
            set_stop = int(np.searchsorted(stop_key, -price_x, side="right"))
            if set_stop < stop_ptr:
                set_stop = stop_ptr
            set_large = int(np.searchsorted(large_rank, set_pos, side="left"))
            s_pos = cum_size[set_pos] - cum_size[pos_ptr]
            s_bkr = cum_bkr[set_pos] - cum_bkr[pos_ptr]
            s_pos += large_cum_size[set_large] - large_cum_size[large_ptr]
            s_bkr += large_cum_bkr[set_large] - large_cum_bkr[large_ptr]
            for i in range(n_chunks):  # the chunks partial liquidation had left open
                age = k - coh_entry[i]
                if 0 <= age < n_chunks and coh_s[i] > 0.0:
                    s_pos += chunk_rest[age] * coh_s[i]
                    s_bkr += chunk_rest[age] * coh_b[i]
            s_stop = cum_stop[set_stop] - cum_stop[stop_ptr]
            n_liq += set_pos - pos_ptr
            n_stop += set_stop - stop_ptr
            liq_usd += price_abs * s_pos
            stop_usd += price_abs * s_stop
            net += price_x * s_pos - s_bkr + fee * price_abs * s_pos
            settled = s_pos + s_stop
            unfilled += settled
        else:
            set_pos = pos_ptr
            set_stop = stop_ptr
        if q > 0.0 or settled > 0.0:
            # adding the round's net and clipping at zero is "gains first, then shortfalls"
            fund += net
            if fund < 0.0:
                bad -= fund
                fund = 0.0
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
    _ = n_pos
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
    )


@njit(parallel=True)
def fragility_kernel(  # pragma: no cover - compiled
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_q: FloatArray,
    lvl_key: FloatArray,
    pos_key: FloatArray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
    stop_key: FloatArray,
    cum_stop: FloatArray,
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
            cum_size,
            cum_bkr,
            large_rank,
            large_cum_size,
            large_cum_bkr,
            stop_key,
            cum_stop,
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
