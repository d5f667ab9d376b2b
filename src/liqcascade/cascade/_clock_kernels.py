"""Numba kernels of the liquidity response on a clock (flat arrays, trusted inputs).

The static engine (:mod:`liqcascade.cascade._kernels`) runs rounds through a book
that never changes except by being eaten. The clock engine runs *time steps* of
``dt`` seconds and adds the liquidity response around the same book:

- the book's state is one number, the **consumed depth** ``c`` (effective base units
  taken from the best level down): ``c = c_I + f + e``, where ``c_I`` is the depth
  above the *index* price (the exogenous move: the shock, then any index path),
  ``f`` the permanent impact that arbitrage carried to other venues, and ``e`` this
  venue's own transient displacement by forced orders;
- **resilience**: ``e`` decays with half-life ``resilience_half_life_s`` (providers
  refill what was taken, toward the resting book);
- **arbitrage**: a share ``1 − 2^(−dt / arbitrage_half_life_s)`` of ``e`` leaves the
  venue each step and is absorbed by the whole market, whose depth is this venue's
  divided by ``venue_share``: ``f += venue_share · moved``;
- **latent depth**: a level at distance ``δ`` beyond ``visible_distance`` holds
  ``(1 + latent_depth · (δ / visible_distance − 1))`` times its displayed size;
- **withdrawal**: when price moves fast, providers pull ``ω = min(withdrawal_max,
  withdrawal_per_speed · speed)`` of the depth (``speed`` = fractional move of the
  previous step per minute), so an order of ``q`` base consumes ``q / (1 − ω)``;
- **the venue**: liquidations trigger on the mark price ``w · price + (1 − w) ·
  index``, join a queue, and leave it at ``liquidation_rate_usd_s`` USD per second;
  large positions (marked at preparation) leave in chunks (an exponential drain of
  ``partial_chunk`` per ``partial_interval_s``); a fee goes to the fund.
- **fills and accounting** (the static engine's rules, issue 17): a step's orders (the
  pieces the venue releases and the stops the price triggers) take the book one
  after another in trigger order, each closing at the VWAP of its own slice; what the
  book cannot absorb closes at the price reached. Every released piece of a position
  is its own close, with the result ``size · (k · x_close − bankruptcy_x)``, ``k = 1 +
  dirsign · fee``. A negative result (a shortfall) draws on the opening fund only,
  the excess is bad debt; surpluses (fees included) are credited after the run, never
  netted against a shortfall, even within one step: ``bad_debt = max(0, Σ shortfall
  − F0)``. The venue's queue is kept as *cohorts* (the positions triggered in one
  step: a range in trigger order, with the share of their size still queued), so a
  step's pieces are known position by position.

A step is settled by ranges, not position by position where it can be: without
chunks every member of a cohort releases the same share, so a range of its positions
and the stops among them take consecutive units; when those units all close at one
price (one level, or the price reached past the fill) the range's surpluses and
shortfalls come from binary searches in the bankruptcies sorted per 64-position block
and per 4096-position superblock (``PreparedSide.clock_sorted``, built once per
prepared side). In a range not at one price, a block with no stop inside is all
surplus or all shortfall by its bankruptcy bounds (prefix sums) or, at one price,
splits by one search; only the other blocks go position by position.

With every mechanism off (no decay, no latent depth, no withdrawal, ``w = 1``,
infinite rate) each step is one round of the static semantics (the same closes, bad
debt and fund; the tests hold the two equal, also past the book's end). When the
book runs out, what it cannot absorb closes at the price reached (docs/design.md's
settlement) and the run ends.

Everything runs in the down frame (``x = dirsign · price``), like the static kernel.
The plain-Python twin is :func:`liqcascade.cascade._clock_reference.clock_py`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade._numba import NUMBA_DISABLED, njit
from liqcascade._typing import FloatArray, IntArray
from liqcascade.cascade._walk import book_close, draw_fund, drop_stale_caches, triggered

if NUMBA_DISABLED:
    prange = range
else:
    from numba import prange  # type: ignore[assignment]

# indices of the parameter vector (see LiquidityParams.vector)
P_RESIL = 0  # resilience half-life, s (inf: none)
P_LATENT = 1  # latent depth coefficient (0: none) -- applied in the cumulative arrays
P_VISIBLE = 2  # visible distance, fraction of mid
P_WSPEED = 3  # withdrawal per unit speed (fraction per (fractional move per minute))
P_WMAX = 4  # maximum withdrawal fraction, < 1
P_ARB = 5  # arbitrage half-life, s (inf: none)
P_SHARE = 6  # venue share of the whole market's depth, (0, 1]
P_MARKW = 7  # weight of the trade price in the mark, (0, 1]
P_RATE = 8  # liquidation rate, USD per second (inf: unlimited)
P_CHUNK = 9  # partial-liquidation chunk, fraction (1: whole)
P_CHUNK_S = 10  # partial-liquidation interval, s
P_FEE = 11  # liquidation fee to the fund, fraction of notional
N_PARAMS = 12

# columns of the per-step trace
C_PRICE = 0  # |price| after the step, USD
C_INDEX = 1  # |index| (with permanent impact), USD
C_FILLED = 2  # base filled in the step
C_Q = 3  # base ordered in the step (liquidations released + stops)
C_LIQ_USD = 4  # liquidated notional so far, USD
C_QUEUE = 5  # base waiting in the liquidation queue after the step
C_OMEGA = 6  # withdrawal fraction of the step
N_TRACE = 7

# the running state of a clock span (clock_span's ``st``; counts and flags as floats)
S_E = 0  # displacement by forced orders, effective base
S_F = 1  # permanent impact carried by arbitrage, effective base
S_PRICE = 2  # frame price after the last step
S_PREV = 3  # frame price at the start of the last step (withdrawal's speed)
S_EXTREME = 4  # furthest frame price reached
S_LEFT = 5  # opening fund left, USD
S_GAINS = 6  # surpluses and fees, USD
S_SHORT = 7  # shortfalls, USD
S_BAD = 8  # bad debt, USD
S_LIQ = 9  # liquidated notional, USD
S_STOP = 10  # stops notional, USD
S_UNFILLED = 11  # base closed at the price reached past the book
S_NLIQ = 12  # positions triggered
S_NSTOP = 13  # stops triggered
S_POS = 14  # positions triggered so far (prefix end)
S_STOPP = 15  # stops triggered so far (prefix end)
S_LARGE = 16  # large positions triggered so far (rank prefix end)
S_QQ = 17  # venue queue, base
S_QB = 18  # its bankruptcy_x * size
S_LQ = 19  # chunk queue, base
S_LB = 20  # its bankruptcy_x * size
S_NCO = 21  # live cohorts in co_w
S_ACTIVE = 22  # steps with orders
S_EXHAUSTED = 23  # the book ran out (1.0)
S_STEPS = 24  # steps the last span ran
S_Q = 25  # base ordered in the last step
S_FILLED = 26  # base the book filled in the last step
S_OMEGA = 27  # withdrawn fraction of the last step
S_IDX = 28  # index of the last step (frame, with the permanent impact)
N_STATE = 29


@njit(inline="always")
def latent_weight(d: float, latent: float, visible: float) -> float:  # pragma: no cover
    """Latent depth: how many times its displayed size a level at distance ``d`` holds.

    ``1 + latent · (d / visible − 1)`` beyond the visible distance, 1 within it
    (``d``, ``visible``: fractions of mid).
    """
    if d > visible:
        return 1.0 + latent * (d / visible - 1.0)
    return 1.0


@njit
def latent_weights(  # pragma: no cover - compiled
    dist: FloatArray, latent: float, visible: float
) -> FloatArray:
    """:func:`latent_weight` of every distance in ``dist`` (fractions of mid)."""
    out = np.empty(dist.shape[0])
    for j in range(dist.shape[0]):
        out[j] = latent_weight(dist[j], latent, visible)
    return out


@njit(inline="always")
def time_passes(  # pragma: no cover - compiled
    e: float, f: float, dt: float, h_a: float, share: float, h_r: float
) -> Any:
    """``dt`` seconds pass: arbitrage and resilience act on the displacement ``e``.

    A share ``1 − 2^(−dt / h_a)`` of the displacement (effective base) leaves the
    venue, ``share`` of it staying as permanent impact ``f``; what is left of ``e``
    decays by ``2^(−dt / h_r)`` (resilience). ``inf`` half-lives switch either off.
    Returns ``(e, f)``.
    """
    return decay(e, f, decay_factors(dt, h_a, h_r), h_a, share, h_r)


@njit(inline="always")
def decay_factors(dt: float, h_a: float, h_r: float) -> Any:  # pragma: no cover - compiled
    """``(2^(−dt / h_a), 2^(−dt / h_r))``: what :func:`time_passes` keeps of ``e`` in ``dt`` s.

    A step's factors depend on its length only: :func:`clock_span` computes them once
    per distinct ``dt`` (the clock's grid has two) instead of twice per step.
    """
    return 2.0 ** (-dt / h_a), 2.0 ** (-dt / h_r)


@njit(inline="always")
def decay(  # pragma: no cover - compiled
    e: float, f: float, factors: Any, h_a: float, share: float, h_r: float
) -> Any:
    """:func:`time_passes` with the step's :func:`decay_factors` given. Returns ``(e, f)``."""
    if h_a < np.inf and e > 0.0:
        moved = e * (1.0 - factors[0])
        e -= moved
        f += share * moved
    if h_r < np.inf and e > 0.0:
        e *= factors[1]
    return e, f


@njit
def effective_depth(  # pragma: no cover - compiled
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_q: FloatArray,
    latent: float,
    visible: float,
) -> tuple[FloatArray, FloatArray]:
    """Cumulative effective size (base) and notional (USD) over the levels, ``n + 1`` each."""
    n = lvl_x.shape[0]
    qc = np.zeros(n + 1)
    nc = np.zeros(n + 1)
    m = abs(mid_x)
    for j in range(n):
        w = 1.0
        if latent > 0.0:
            w = latent_weight(abs(lvl_x[j] - mid_x) / m, latent, visible)
        qe = lvl_q[j] * w
        qc[j + 1] = qc[j] + qe
        nc[j + 1] = nc[j] + qe * lvl_abs[j]
    return qc, nc


#: Steps a search from a guess takes before the binary search (:func:`_left_near`).
NEAR_STEPS = 4


@njit(inline="always")
def _left_near(a: FloatArray, v: float, i: int) -> int:  # pragma: no cover - compiled
    """``np.searchsorted(a, v, side="left")``, looked for from the guess ``i`` first.

    ``a`` is sorted (NaN last, as numpy sorts). The answer is the one ``i`` with
    ``a[i − 1] < v`` (or ``i = 0``) and not ``a[i] < v`` (or ``i = len(a)``): it is
    checked at the guess and up to :data:`NEAR_STEPS` neighbours, else found by the
    binary search (the same answer either way). A step of the clock moves the price a
    few levels at most: the last answer finds the next in a few comparisons, not the
    dozen of a binary search. A guess outside ``[0, len(a)]`` or a NaN ``v`` goes
    straight to the binary search.
    """
    n = a.shape[0]
    if v == v and 0 <= i <= n:
        for _ in range(NEAR_STEPS):
            if i > 0 and not (a[i - 1] < v):
                i -= 1
            elif i < n and a[i] < v:
                i += 1
            else:
                return i
    return int(np.searchsorted(a, v, side="left"))


@njit(inline="always")
def _right_from(a: FloatArray, v: float, lo: int) -> int:  # pragma: no cover - compiled
    """``max(np.searchsorted(a, v, side="right"), lo)``, looked for from ``lo`` up.

    :func:`liqcascade.cascade._walk.triggered`'s prefix end that never goes back:
    ``a`` sorted (NaN last, counted above every number). When ``a[lo] > v`` nothing
    new is triggered (one comparison); else the answer is searched from ``lo + 1`` up
    to :data:`NEAR_STEPS` places, then by the binary search.
    """
    n = a.shape[0]
    if v != v:
        r = int(np.searchsorted(a, v, side="right"))
        return r if r > lo else lo
    if lo >= n or v < a[lo] or a[lo] != a[lo]:
        return lo
    i = lo + 1  # a[i - 1] <= v
    for _ in range(NEAR_STEPS):
        if i == n or v < a[i] or a[i] != a[i]:
            return i
        i += 1
    return int(np.searchsorted(a, v, side="right"))


@njit
def _level_of(qc: FloatArray, c: float) -> int:  # pragma: no cover - compiled
    """The level holding consumption ``c`` (the last level touched): ``qc[j] < c <= qc[j+1]``."""
    return _level_near(qc, c, -1)


@njit(inline="always")
def _level_near(qc: FloatArray, c: float, hint: int) -> int:  # pragma: no cover - compiled
    """:func:`_level_of` looked for from the level ``hint`` (< 0: none; :func:`_left_near`)."""
    j = _left_near(qc, c, hint + 1 if hint >= 0 else -1) - 1
    n = qc.shape[0] - 1
    if j < 0:
        j = 0
    if j > n - 1:
        j = n - 1
    return j


@njit
def _notional_at(
    qc: FloatArray, nc: FloatArray, lvl_abs: FloatArray, c: float
) -> float:  # pragma: no cover
    """Cumulative notional (USD) of the first ``c`` effective base units."""
    n = qc.shape[0] - 1
    if n == 0:
        return 0.0
    if c >= qc[n]:
        return nc[n]
    j = int(np.searchsorted(qc, c, side="right")) - 1
    if j < 0:
        j = 0
    return nc[j] + (c - qc[j]) * lvl_abs[j]


@njit(inline="always")
def _units_value(  # pragma: no cover - compiled
    u: float,
    jl: int,
    u_f: float,
    c: float,
    inv: float,
    n0: float,
    n_new: float,
    qc: FloatArray,
    nc: FloatArray,
    lvl_abs: FloatArray,
    px_abs: float,
) -> Any:
    """Value (USD) of a step's first ``u`` base units taking the book in trigger order.

    The step's orders take effective depth from consumption ``c`` on, ``inv = 1 / (1 −
    ω)`` effective units per base unit (withdrawal); units past ``u_f`` (what the book
    filled) close at ``px_abs``, the price reached. ``n0``/``n_new``: cumulative
    notional at ``c`` and at the step's end; ``1 − ω`` of each effective unit is filled.
    ``jl`` is a level at or before the one holding the units' end (queries go forward).
    Returns ``(value, jl)``: ``jl`` the level holding the end (``qc[jl] <= c + u · inv``).
    """
    if u < u_f:
        x = c + u * inv
        n = qc.shape[0] - 1
        while jl + 1 < n and qc[jl + 1] <= x:
            jl += 1
        return (nc[jl] + (x - qc[jl]) * lvl_abs[jl] - n0) / inv, jl
    return (n_new - n0) / inv + px_abs * (u - u_f), jl


@njit(inline="always")
def _range_sums(  # pragma: no cover - compiled
    a: int,
    e: int,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
) -> Any:
    """``Σ size`` (base) and ``Σ size · bankruptcy_x`` (USD) of positions ``[a, e)``."""
    sz = cum_size[e] - cum_size[a]
    sb = cum_bkr[e] - cum_bkr[a]
    if large_rank.shape[0] > 0:
        ra = int(np.searchsorted(large_rank, a, side="left"))
        re = int(np.searchsorted(large_rank, e, side="left"))
        sz += large_cum_size[re] - large_cum_size[ra]
        sb += large_cum_bkr[re] - large_cum_bkr[ra]
    return sz, sb


SUPER = 4096  # positions per superblock (64 blocks) of the sorted-bankruptcy arrays


@njit
def sorted_blocks_kernel(  # pragma: no cover - compiled
    bkr_x: FloatArray, size: FloatArray, sblock: int
) -> FloatArray:
    """Each ``sblock``-position superblock of positions sorted by bankruptcy.

    Returns ``(3, n)``: the sorted bankruptcies (frame, USD; not finite counts as 0),
    then the running sums (from the superblock's start, inclusive) of ``size`` (base)
    and ``bankruptcy · size`` (USD) in that order, so that a superblock closing at one
    price splits into surpluses and shortfalls by one binary search. The same layout as
    :func:`~liqcascade.cascade._kernels.block_sorted_kernel` for the 64-position blocks
    (a stable sort here too), which insertion-sorts and would be slow on 4096.
    """
    n = bkr_x.shape[0]
    srt = np.empty((3, n))
    v = np.empty(min(n, sblock))
    for b0 in range(0, n, sblock):
        m = min(n, b0 + sblock) - b0
        for j in range(m):
            x = bkr_x[b0 + j]
            v[j] = x if np.isfinite(x) else 0.0
        o = np.argsort(v[:m], kind="mergesort")
        a1 = 0.0
        a2 = 0.0
        for j in range(m):
            x = v[o[j]]
            w = size[b0 + o[j]]
            a1 += w
            a2 += x * w
            srt[0, b0 + j] = x
            srt[1, b0 + j] = a1
            srt[2, b0 + j] = a2
    return srt


@njit(inline="always")
def _split_sorted(  # pragma: no cover - compiled
    a: int, e: int, kx: float, srt: FloatArray, r0: int
) -> Any:
    """A sorted (super)block ``[a, e)`` at one price: ``(Σ size, surplus, shortfall)``.

    ``srt[r0]`` holds its bankruptcies sorted, ``srt[r0 + 1]`` / ``srt[r0 + 2]`` the
    running sums of size and ``bkr_x · size`` from ``a`` in that order; surplus ``Σ size
    · (kx − bkr_x)`` over ``bkr_x <= kx``, shortfall ``Σ size · (bkr_x − kx)`` over the
    rest (one binary search).
    """
    r = a  # first of the sorted bankruptcies above kx
    hi = e
    while r < hi:
        h = (r + hi) >> 1
        if srt[r0, h] <= kx:
            r = h + 1
        else:
            hi = h
    p_sz = srt[r0 + 1, r - 1] if r > a else 0.0
    p_bx = srt[r0 + 2, r - 1] if r > a else 0.0
    t_sz = srt[r0 + 1, e - 1]
    t_bx = srt[r0 + 2, e - 1]
    return t_sz, kx * p_sz - p_bx, (t_bx - p_bx) - kx * (t_sz - p_sz)


@njit
def _one_price_sums(  # pragma: no cover - compiled
    a: int,
    e: int,
    kx: float,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    srt: FloatArray,
    block: int,
) -> Any:
    """Positions ``[a, e)`` closing at one price: ``(Σ size, surplus, shortfall)``.

    ``kx = k · x``; the sums are in base and USD per unit of release share. Each
    position's result is ``size · (kx − bkr_x)``. Whole superblocks split by one search
    in their sorted bankruptcies; a block (or its part in the range) is all surplus or
    all shortfall by its bankruptcy bounds when it can be (sums), else a whole block
    splits by one search, a part goes position by position.
    """
    n = pos_size.shape[0]
    sz = 0.0
    gp = 0.0
    sp = 0.0
    i = a
    while i < e:
        if i % SUPER == 0 and min(n, i + SUPER) <= e:
            e2 = min(n, i + SUPER)
            t, gg, ss = _split_sorted(i, e2, kx, srt, 3)
            sz += t
            gp += gg
            sp += ss
            i = e2
            continue
        b = i // block
        e2 = min(e, (b + 1) * block)
        whole_blk = i == b * block and e2 == min(n, i + block)
        gain_all = blk_max[b] <= kx
        if gain_all or blk_min[b] > kx:
            if whole_blk:
                t = srt[1, e2 - 1]
                tb = srt[2, e2 - 1]
            else:
                t, tb = _range_sums(
                    i, e2, cum_size, cum_bkr, large_rank, large_cum_size, large_cum_bkr
                )
            sz += t
            if gain_all:
                gp += kx * t - tb
            else:
                sp += tb - kx * t
        elif whole_blk:
            t, gg, ss = _split_sorted(i, e2, kx, srt, 0)
            sz += t
            gp += gg
            sp += ss
        else:
            for h in range(i, e2):
                bx = pos_bkr_x[h]
                d = pos_size[h] * (kx - (bx if np.isfinite(bx) else 0.0))
                sz += pos_size[h]
                if d >= 0.0:
                    gp += d
                else:
                    sp -= d
        i = e2
    return sz, gp, sp


@njit
def _close_ranges(  # pragma: no cover - compiled
    a: int,
    e0: int,
    w: float,
    u: float,
    v_prev: float,
    j: int,
    jl: int,
    pos_key: FloatArray,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    srt: FloatArray,
    block: int,
    stop_key: FloatArray,
    cum_stop: FloatArray,
    stop_to: int,
    u_f: float,
    c: float,
    inv: float,
    n0: float,
    n_new: float,
    qc: FloatArray,
    nc: FloatArray,
    lvl_abs: FloatArray,
    px_abs: float,
    dirsign: float,
    fee: float,
) -> Any:
    """Positions ``[a, e0)`` of a cohort releasing share ``w`` each, by ranges at one price.

    The cohort's rest, else each superblock (``SUPER`` positions), and the stops among
    them take consecutive units; a range whose units all close at one price (the level
    they sit in, or the price reached past the fill) splits into surpluses and
    shortfalls by searches in the sorted bankruptcies (:func:`_one_price_sums`).
    ``u``, ``v_prev``, ``j``, ``jl``: :func:`_close_step`'s walk so far. Returns ``(a,
    e, u, v_prev, j, jl, positions' value, stops' value, gains, shortfalls)``: ``a``
    the first position not settled and ``e`` the end of its superblock (to go block by
    block; ``a = e0`` when all are), the walk's new state, and what the ranges added
    (USD).
    """
    d_pos = 0.0
    d_stop = 0.0
    g = 0.0
    s = 0.0
    kf = 1.0 + dirsign * fee
    whole_rest = True
    e = e0
    while a < e0:
        e = e0 if whole_rest else min(e0, (a // SUPER + 1) * SUPER)
        if j < stop_to and stop_key[j] < pos_key[a]:
            # the stops strictly before the range, as one block
            j1 = j + int(np.searchsorted(stop_key[j:stop_to], pos_key[a], side="left"))
            u += cum_stop[j1] - cum_stop[j]
            v1, jl = _units_value(u, jl, u_f, c, inv, n0, n_new, qc, nc, lvl_abs, px_abs)
            d_stop += v1 - v_prev
            v_prev = v1
            j = j1
        j_in = j  # the stops inside the range (before its last position)
        if j < stop_to and stop_key[j] < pos_key[e - 1]:
            j_in = j + int(np.searchsorted(stop_key[j:stop_to], pos_key[e - 1], side="left"))
        sz, _ = _range_sums(a, e, cum_size, cum_bkr, large_rank, large_cum_size, large_cum_bkr)
        x_best = dirsign * (px_abs if u >= u_f else lvl_abs[jl])
        u_e = u + w * sz + (cum_stop[j_in] - cum_stop[j])
        v1, jl1 = _units_value(u_e, jl, u_f, c, inv, n0, n_new, qc, nc, lvl_abs, px_abs)
        x_worst = dirsign * (px_abs if u_e >= u_f else lvl_abs[jl1])
        if x_best != x_worst:
            if whole_rest and (a // SUPER + 1) * SUPER < e0:
                whole_rest = False  # try the superblock
                continue
            break
        t_sz, gp, sp = _one_price_sums(
            a, e, kf * x_best, pos_size, pos_bkr_x, cum_size, cum_bkr, large_rank,
            large_cum_size, large_cum_bkr, blk_max, blk_min, srt, block,
        )  # fmt: skip
        vp = dirsign * x_best * (w * t_sz)
        d_pos += vp
        d_stop += (v1 - v_prev) - vp
        g += w * gp
        s += w * sp
        v_prev = v1
        u = u_e
        jl = jl1
        j = j_in
        a = e
        whole_rest = True  # past a straddle: the rest may be at one price again
    return a, e, u, v_prev, j, jl, d_pos, d_stop, g, s


@njit
def _close_step(  # pragma: no cover - compiled
    co_w: FloatArray,
    n_co: int,
    pos_key: FloatArray,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    pos_large: np.ndarray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    srt: FloatArray,
    block: int,
    whole: bool,
    stop_key: FloatArray,
    cum_stop: FloatArray,
    stop_from: int,
    stop_to: int,
    u_f: float,
    c: float,
    inv: float,
    n0: float,
    n_new: float,
    qc: FloatArray,
    nc: FloatArray,
    lvl_abs: FloatArray,
    px_abs: float,
    dirsign: float,
    fee: float,
) -> Any:
    """A step's closes: the released pieces and the new stops, in trigger order.

    Cohort ``k`` (positions ``co_w[k, 5]`` to ``co_w[k, 6]``) releases ``co_w[k, 3]``
    (positions closed whole) or ``co_w[k, 4]`` (in chunks) of each member's size; stops
    ``[stop_from, stop_to)`` close whole (a stop before a position only on a strictly
    smaller key). Each order's value is the value of its units (:func:`_units_value`);
    each piece's result is booked by :func:`~liqcascade.cascade._walk.book_close`.

    Without chunks (``whole``: every member of a cohort releases the same share) a
    cohort of more than one block first settles its ranges at one price
    (:func:`_close_ranges`); a block of positions with no stop inside is all surplus
    or all shortfall by its bankruptcy bounds (prefix sums) when it can be; the other
    blocks go position by position. Returns ``(positions' value, stops' value, gains,
    shortfalls)`` in USD.
    """
    u = 0.0
    v_prev = 0.0
    v_pos = 0.0
    v_stop = 0.0
    g = 0.0
    s = 0.0
    j = stop_from
    jl = 0  # level holding the units taken so far
    if qc.shape[0] > 1:
        jl = int(np.searchsorted(qc, c, side="right")) - 1
        if jl < 0:
            jl = 0
    kf = 1.0 + dirsign * fee
    lin = dirsign + fee
    n_pos = pos_key.shape[0]
    for k in range(n_co):
        rn = co_w[k, 3]
        rl = co_w[k, 4]
        if rn <= 0.0 and rl <= 0.0:
            continue
        w = rn if rn > rl else rl  # without chunks, every member's share
        a = int(co_w[k, 5])
        e0 = int(co_w[k, 6])
        e_lim = a  # the end of the range found not at one price
        while a < e0:
            if whole and a >= e_lim and e0 - a > block:
                a, e_lim, u, v_prev, j, jl, d_pos, d_stop, d_g, d_s = _close_ranges(
                    a, e0, w, u, v_prev, j, jl, pos_key, pos_size, pos_bkr_x, cum_size, cum_bkr,
                    large_rank, large_cum_size, large_cum_bkr, blk_max, blk_min, srt, block,
                    stop_key,
                    cum_stop, stop_to, u_f, c, inv, n0, n_new, qc, nc, lvl_abs, px_abs,
                    dirsign, fee,
                )  # fmt: skip
                v_pos += d_pos
                v_stop += d_stop
                g += d_g
                s += d_s
                if a >= e0:
                    break
            e = min(e0, (a // block + 1) * block)
            done = False
            if whole:
                if j < stop_to and stop_key[j] < pos_key[a]:
                    # the stops strictly before the block, as one block
                    j1 = j + int(np.searchsorted(stop_key[j:stop_to], pos_key[a], side="left"))
                    u += cum_stop[j1] - cum_stop[j]
                    v1, jl = _units_value(u, jl, u_f, c, inv, n0, n_new, qc, nc, lvl_abs, px_abs)
                    v_stop += v1 - v_prev
                    v_prev = v1
                    j = j1
                if not (j < stop_to and stop_key[j] < pos_key[e - 1]):
                    # no stop inside: the block's positions take consecutive units; all
                    # surplus when its largest bankruptcy is inside k · the worst price
                    # its units reach, all shortfall when its smallest is beyond k ·
                    # the best (prefix sums); else position by position
                    sz, sb = _range_sums(
                        a, e, cum_size, cum_bkr, large_rank, large_cum_size, large_cum_bkr
                    )
                    x_best = dirsign * (px_abs if u >= u_f else lvl_abs[jl])
                    u_e = u + w * sz
                    v1, jl1 = _units_value(u_e, jl, u_f, c, inv, n0, n_new, qc, nc, lvl_abs, px_abs)
                    x_worst = dirsign * (px_abs if u_e >= u_f else lvl_abs[jl1])
                    b = a // block
                    gain_all = blk_max[b] <= kf * x_worst
                    if gain_all or blk_min[b] > kf * x_best:
                        pnl = lin * (v1 - v_prev) - w * sb
                        if gain_all:
                            g += pnl
                        else:
                            s -= pnl
                        done = True
                    elif x_best == x_worst and a == b * block and e == min(n_pos, a + block):
                        # a whole block at one price: one search in its sorted bankruptcies
                        _, gp, sp = _split_sorted(a, e, kf * x_best, srt, 0)
                        g += w * gp
                        s += w * sp
                        done = True
                    if done:
                        v_pos += v1 - v_prev
                        v_prev = v1
                        u = u_e
                        jl = jl1
            if not done:
                for i in range(a, e):
                    base = (rl if pos_large[i] else rn) * pos_size[i]
                    if base <= 0.0:
                        continue
                    if j < stop_to and stop_key[j] < pos_key[i]:
                        # the stops strictly before this position, as one block
                        j1 = j + int(np.searchsorted(stop_key[j:stop_to], pos_key[i], side="left"))
                        u += cum_stop[j1] - cum_stop[j]
                        v1, jl = _units_value(
                            u, jl, u_f, c, inv, n0, n_new, qc, nc, lvl_abs, px_abs
                        )
                        v_stop += v1 - v_prev
                        v_prev = v1
                        j = j1
                    u += base
                    v1, jl = _units_value(u, jl, u_f, c, inv, n0, n_new, qc, nc, lvl_abs, px_abs)
                    val = v1 - v_prev
                    v_prev = v1
                    v_pos += val
                    g, s = book_close(val, base, pos_bkr_x[i], dirsign, fee, g, s)
            a = e
    if j < stop_to:
        u += cum_stop[stop_to] - cum_stop[j]
        v1, jl = _units_value(u, jl, u_f, c, inv, n0, n_new, qc, nc, lvl_abs, px_abs)
        v_stop += v1 - v_prev
    return v_pos, v_stop, g, s


@njit
def _close_rest(  # pragma: no cover - compiled
    co_w: FloatArray,
    n_co: int,
    a0: int,
    e1: int,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    pos_large: np.ndarray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    srt: FloatArray,
    block: int,
    whole: bool,
    px_abs: float,
    dirsign: float,
    fee: float,
) -> Any:
    """The settlement's closes at ``px_abs``: what is left in the queues, and ``[a0, e1)``.

    A range whose members close the same share (no chunks, or the positions the price
    reached) settles at once (:func:`_one_price_sums`), the others position by
    position. Returns ``(gains, shortfalls)`` in USD
    (:func:`~liqcascade.cascade._walk.book_close`).
    """
    g = 0.0
    s = 0.0
    kx = (1.0 + dirsign * fee) * dirsign * px_abs
    for k in range(n_co + 1):
        if k < n_co:
            wn = co_w[k, 0]
            wl = co_w[k, 1] + co_w[k, 2]
            a = int(co_w[k, 5])
            e0 = int(co_w[k, 6])
        else:  # the positions the price reached: whole
            wn = 1.0
            wl = 1.0
            a = a0
            e0 = e1
        if wn <= 0.0 and wl <= 0.0:
            continue
        if whole or k == n_co:
            w = wn if wn > wl else wl
            _, gp, sp = _one_price_sums(
                a, e0, kx, pos_size, pos_bkr_x, cum_size, cum_bkr, large_rank,
                large_cum_size, large_cum_bkr, blk_max, blk_min, srt, block,
            )  # fmt: skip
            g += w * gp
            s += w * sp
        else:
            for i in range(a, e0):
                base = (wl if pos_large[i] else wn) * pos_size[i]
                if base > 0.0:
                    g, s = book_close(px_abs * base, base, pos_bkr_x[i], dirsign, fee, g, s)
    return g, s


@njit(inline="always")
def book_position(  # pragma: no cover - compiled
    ix: float,
    f: float,
    e: float,
    lvl_x: FloatArray,
    lvl_key: FloatArray,
    qc: FloatArray,
) -> Any:
    """Where the book stands: consumption and prices from the index and the impacts.

    The index ``ix`` (frame) has consumed the levels beyond it, the permanent impact
    ``f`` and the displacement ``e`` (effective base) the units after them. Returns
    ``(c_base, c, idx_x, price_x)``: the consumption without and with the
    displacement, the index with the permanent impact (the level holding ``c_base``
    when ``f > eps``, else ``ix``) and the price (the level holding ``c`` when ``e >
    eps``, else ``idx_x``); ``eps`` is 1e-12 of the book's effective depth.
    """
    c_base, c, idx_x, price_x, _, _, _ = book_position_near(
        ix, f, e, lvl_x, lvl_key, qc, -1, -1, -1
    )
    return c_base, c, idx_x, price_x


@njit(inline="always")
def book_position_near(  # pragma: no cover - compiled
    ix: float,
    f: float,
    e: float,
    lvl_x: FloatArray,
    lvl_key: FloatArray,
    qc: FloatArray,
    h_i: int,
    h_f: int,
    h_e: int,
) -> Any:
    """:func:`book_position` with its three searches looked for from the last step's answers.

    ``h_i``: the index's place among the levels; ``h_f``, ``h_e``: the levels holding
    the consumption with the permanent impact and with the displacement (< 0: none;
    :func:`_left_near`). Returns ``(c_base, c, idx_x, price_x, h_i, h_f, h_e)``, the
    places found (the hints given where a search was not needed): the same numbers as
    :func:`book_position`.
    """
    n_lvl = lvl_x.shape[0]
    total = float(qc[n_lvl])
    eps = 1e-12 * (total if total > 0.0 else 1.0)
    j_i = _left_near(lvl_key, -ix, h_i)
    c_i = float(qc[j_i]) if j_i <= n_lvl else total
    idx_x = ix
    if f > eps:
        ci_f = c_i + f
        if ci_f >= total:
            ci_f = total
        h_f = _level_near(qc, ci_f, h_f)
        idx_x = lvl_x[h_f]
        c_base = ci_f
    else:
        c_base = c_i
    c = c_base + e
    if c >= total:
        c = total
    if e > eps and n_lvl > 0:
        h_e = _level_near(qc, c, h_e)
        price_x = lvl_x[h_e]
    else:
        price_x = idx_x
    return c_base, c, idx_x, price_x, j_i, h_f, h_e


@njit
def clock_span(  # pragma: no cover - compiled
    st: FloatArray,
    co_w: FloatArray,
    index_x: FloatArray,
    dt: FloatArray,
    later0: bool,
    mark_ix: float,
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_key: FloatArray,
    qc: FloatArray,
    nc: FloatArray,
    pos_key: FloatArray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    pos_large: np.ndarray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    srt: FloatArray,
    block: int,
    stop_key: FloatArray,
    cum_stop: FloatArray,
    dirsign: float,
    pars: FloatArray,
    record: bool,
) -> FloatArray:
    """THE steps of the liquidity response, from the state ``st`` (updated in place).

    :func:`clock_kernel` runs one span over a whole index path from a fresh state; the
    contagion loop (:mod:`liqcascade.contagion._clock_venue`) runs a span of one step
    per round on each venue, carrying ``st`` and the queue's cohorts ``co_w`` across
    rounds. Each step: time passes (arbitrage and resilience, :func:`time_passes`; not
    before the first step unless ``later0``), the book's state and price, withdrawal,
    triggers on the mark, the queue (chunks, the rate), fills and closes, settlement
    when the book runs out (then the span stops).

    Parameters
    ----------
    st : array (N_STATE,)
        The running state (``S_*`` indices): read at the start, written at the end.
        ``S_STEPS`` is set to the steps run; ``S_Q``, ``S_FILLED``, ``S_OMEGA`` and
        ``S_IDX`` to the last step's base ordered and filled, withdrawn fraction and
        index (frame).
    co_w : array (rows, 7)
        The queue's cohorts (:func:`clock_kernel`), ``S_NCO`` of them live; at least
        one row per step the cohorts can reach.
    later0 : bool
        The span's first step comes after an earlier one (time passes before it and
        its price speed is measured).
    mark_ix : float
        The index liquidations mark against (frame); NaN: the step's own index
        (``index_x`` with the permanent impact), as in the single-venue cascade.
    Other parameters : as :func:`clock_kernel`.

    Returns
    -------
    array
        The per-step trace of the steps run (empty unless ``record``).
    """
    n_lvl = lvl_x.shape[0]
    n_steps = index_x.shape[0]
    total = float(qc[n_lvl])
    h_r = pars[P_RESIL]
    h_a = pars[P_ARB]
    share = pars[P_SHARE]
    w_speed = pars[P_WSPEED]
    w_max = pars[P_WMAX]
    mark_w = pars[P_MARKW]
    rate = pars[P_RATE]
    chunk = pars[P_CHUNK]
    chunk_s = pars[P_CHUNK_S]
    fee = pars[P_FEE]
    trace = np.empty((n_steps if record else 0, N_TRACE))
    whole = chunk >= 1.0  # large positions join the venue's queue whole at once
    e = st[S_E]
    f = st[S_F]
    price_x = st[S_PRICE]
    prev_x = st[S_PREV]
    extreme_x = st[S_EXTREME]
    left = st[S_LEFT]  # what is left of the opening fund: shortfalls draw on it only
    gains = st[S_GAINS]  # surpluses and fees, credited after the run
    shortfalls = st[S_SHORT]
    bad = st[S_BAD]
    liq_usd = st[S_LIQ]
    stop_usd = st[S_STOP]
    unfilled = st[S_UNFILLED]
    n_liq = int(st[S_NLIQ])
    n_stop = int(st[S_NSTOP])
    pos_ptr = int(st[S_POS])
    stop_ptr = int(st[S_STOPP])
    large_ptr = int(st[S_LARGE])
    qq = st[S_QQ]  # queue of whole positions, base
    qb = st[S_QB]  # their bankruptcy_x * size
    lq = st[S_LQ]  # queue of partially liquidated positions, base
    lb = st[S_LB]
    n_co = int(st[S_NCO])
    active = int(st[S_ACTIVE])
    exhausted = st[S_EXHAUSTED] > 0.0
    idx_x = st[S_IDX]
    q = 0.0
    filled = 0.0
    omega = 0.0
    n_run = 0
    dt_last = np.nan  # the step length of ``factors`` (time_passes' decays)
    factors = (1.0, 1.0)
    h_i = -1  # the last step's places in the book (book_position_near's guesses)
    h_f = -1
    h_e = -1
    for t in range(n_steps):
        n_run = t + 1
        # ---- time passes: arbitrage and resilience act on the displacement
        later = t > 0 or later0
        if later:
            if dt[t] != dt_last:  # the factors of a new step length (NaN: never equal)
                dt_last = dt[t]
                factors = decay_factors(dt_last, h_a, h_r)
            e, f = decay(e, f, factors, h_a, share, h_r)
        c_base, c, idx_x, price_x, h_i, h_f, h_e = book_position_near(
            index_x[t], f, e, lvl_x, lvl_key, qc, h_i, h_f, h_e
        )
        if price_x < extreme_x:
            extreme_x = price_x
        # ---- providers withdraw when price moves fast
        omega = 0.0
        if w_speed > 0.0 and later and dt[t] > 0.0:
            speed = abs(price_x - prev_x) / abs(mid_x) / (dt[t] / 60.0)
            omega = w_speed * speed
            if omega > w_max:
                omega = w_max
        prev_x = price_x
        # ---- triggers: liquidations on the mark, stops on the trade price
        mark_x = mark_w * price_x + (1.0 - mark_w) * (idx_x if mark_ix != mark_ix else mark_ix)
        # triggered(pos_key, stop_key, mark_x, price_x, pos_ptr, stop_ptr), from the ends
        new_pos = _right_from(pos_key, -mark_x, pos_ptr)
        new_stop = _right_from(stop_key, -price_x, stop_ptr)
        new_large = int(np.searchsorted(large_rank, new_pos, side="left"))
        # the queue's live cohorts, then the step's new one
        k2 = 0
        for k in range(n_co):
            if co_w[k, 0] > 0.0 or co_w[k, 1] > 0.0 or co_w[k, 2] > 0.0:
                if k2 != k:
                    co_w[k2] = co_w[k]
                k2 += 1
        n_co = k2
        if new_pos > pos_ptr:
            n_large = new_large - large_ptr
            co_w[n_co, 5] = pos_ptr
            co_w[n_co, 6] = new_pos
            co_w[n_co, 0] = 1.0 if n_large < new_pos - pos_ptr else 0.0
            co_w[n_co, 1] = 0.0
            co_w[n_co, 2] = 1.0 if n_large > 0 else 0.0
            n_co += 1
        stop_from = stop_ptr
        qq += cum_size[new_pos] - cum_size[pos_ptr]
        qb += cum_bkr[new_pos] - cum_bkr[pos_ptr]
        lq += large_cum_size[new_large] - large_cum_size[large_ptr]
        lb += large_cum_bkr[new_large] - large_cum_bkr[large_ptr]
        q_stop = cum_stop[new_stop] - cum_stop[stop_ptr]
        n_liq += new_pos - pos_ptr
        n_stop += new_stop - stop_ptr
        pos_ptr = new_pos
        stop_ptr = new_stop
        large_ptr = new_large
        # ---- the venue releases liquidations: chunks of large positions, then the rate
        if lq > 0.0:
            if chunk >= 1.0:
                rel = lq
                rho = 1.0
            else:
                rho = 1.0 - (1.0 - chunk) ** (dt[t] / chunk_s)
                rel = lq * rho
            rb = lb * (rel / lq)
            lq -= rel
            lb -= rb
            qq += rel
            qb += rb
            for k in range(n_co):
                if co_w[k, 2] > 0.0:
                    if rho >= 1.0:
                        co_w[k, 1] += co_w[k, 2]
                        co_w[k, 2] = 0.0
                    else:
                        moved = co_w[k, 2] * rho
                        co_w[k, 2] -= moved
                        co_w[k, 1] += moved
        q_pos = qq
        b_pos = qb
        phi = 1.0  # share of the venue's queue released in the step
        if rate < np.inf:
            cap = rate * dt[t] / abs(price_x)
            if cap < q_pos:
                phi = cap / qq
                b_pos = qb * phi
                q_pos = cap
        released = False
        for k in range(n_co):
            released = released or co_w[k, 0] > 0.0 or co_w[k, 1] > 0.0
            for h in range(2):
                if phi >= 1.0:
                    co_w[k, 3 + h] = co_w[k, h]
                    co_w[k, h] = 0.0
                else:
                    co_w[k, 3 + h] = co_w[k, h] * phi
                    co_w[k, h] -= co_w[k, 3 + h]
        qq -= q_pos
        qb -= b_pos
        if qq < 0.0:
            qq = 0.0
        q = q_pos + q_stop
        filled = 0.0
        ran_out = False
        if q > 0.0:
            active += 1
            need = q / (1.0 - omega)
            room = total - c
            take = need if need <= room else room
            if take < 0.0:
                take = 0.0
            c_new = c + take
            notional = _notional_at(qc, nc, lvl_abs, c_new) - _notional_at(qc, nc, lvl_abs, c)
            filled = take * (1.0 - omega)
            ran_out = need > room
            if take > 0.0:
                price_x = lvl_x[_level_of(qc, c_new)]
            e = c_new - c_base
            # the step's orders take the book in trigger order, each closing at the
            # VWAP of its own slice (issue 17); what the book cannot absorb closes at
            # the price reached. Each released piece of a position is its own close:
            # a shortfall draws on the opening fund only, a surplus (fees included)
            # is credited after the run, never netted against a shortfall.
            px = dirsign * price_x
            if released:
                inv = 1.0 / (1.0 - omega)
                n0 = _notional_at(qc, nc, lvl_abs, c)
                v_pos, v_stop, g_s, s_s = _close_step(
                    co_w, n_co, pos_key, pos_size, pos_bkr_x, pos_large, cum_size, cum_bkr,
                    large_rank, large_cum_size, large_cum_bkr, blk_max, blk_min, srt, block,
                    whole, stop_key,
                    cum_stop, stop_from, stop_ptr, filled, c, inv, n0, n0 + notional, qc,
                    nc, lvl_abs, px, dirsign, fee,
                )  # fmt: skip
                liq_usd += v_pos
                stop_usd += v_stop
                gains += g_s
                shortfalls += s_s
                left, bad = draw_fund(s_s, left, bad)
            else:  # stops only: their fills and the rest at the price reached
                stop_usd += notional * (1.0 - omega) + px * (q - filled)
            if ran_out:
                exhausted = True
                unfilled += q - filled
                # settlement: everything still open at or beyond the price reached
                end_pos, end_stop = triggered(
                    pos_key, stop_key, price_x, price_x, pos_ptr, stop_ptr
                )
                end_large = int(np.searchsorted(large_rank, end_pos, side="left"))
                g_s, s_s = _close_rest(
                    co_w, n_co, pos_ptr, end_pos, pos_size, pos_bkr_x, pos_large,
                    cum_size, cum_bkr, large_rank, large_cum_size, large_cum_bkr, blk_max,
                    blk_min, srt, block, whole, px, dirsign, fee,
                )  # fmt: skip
                gains += g_s
                shortfalls += s_s
                left, bad = draw_fund(s_s, left, bad)
                s_q = cum_size[end_pos] - cum_size[pos_ptr] + qq + lq
                s_q += large_cum_size[end_large] - large_cum_size[large_ptr]
                s_stop = cum_stop[end_stop] - cum_stop[stop_ptr]
                n_liq += end_pos - pos_ptr
                n_stop += end_stop - stop_ptr
                pos_ptr = end_pos
                stop_ptr = end_stop
                large_ptr = end_large
                qq = 0.0
                qb = 0.0
                lq = 0.0
                lb = 0.0
                liq_usd += px * s_q
                stop_usd += px * s_stop
                unfilled += s_q + s_stop
            if price_x < extreme_x:
                extreme_x = price_x
        if record:
            trace[t, C_PRICE] = dirsign * price_x
            trace[t, C_INDEX] = dirsign * idx_x
            trace[t, C_FILLED] = filled
            trace[t, C_Q] = q if q > 0.0 else 0.0  # a step with no order records 0
            trace[t, C_LIQ_USD] = liq_usd
            trace[t, C_QUEUE] = qq + lq
            trace[t, C_OMEGA] = omega
        if ran_out:
            if record:
                trace = trace[: t + 1]
            break
    st[S_E] = e
    st[S_F] = f
    st[S_PRICE] = price_x
    st[S_PREV] = prev_x
    st[S_EXTREME] = extreme_x
    st[S_LEFT] = left
    st[S_GAINS] = gains
    st[S_SHORT] = shortfalls
    st[S_BAD] = bad
    st[S_LIQ] = liq_usd
    st[S_STOP] = stop_usd
    st[S_UNFILLED] = unfilled
    st[S_NLIQ] = n_liq
    st[S_NSTOP] = n_stop
    st[S_POS] = pos_ptr
    st[S_STOPP] = stop_ptr
    st[S_LARGE] = large_ptr
    st[S_QQ] = qq
    st[S_QB] = qb
    st[S_LQ] = lq
    st[S_LB] = lb
    st[S_NCO] = n_co
    st[S_ACTIVE] = active
    st[S_EXHAUSTED] = 1.0 if exhausted else 0.0
    st[S_STEPS] = n_run
    st[S_Q] = q
    st[S_FILLED] = filled
    st[S_OMEGA] = omega
    st[S_IDX] = idx_x
    return trace


@njit
def clock_kernel(  # pragma: no cover - compiled
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_key: FloatArray,
    qc: FloatArray,
    nc: FloatArray,
    pos_key: FloatArray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    pos_large: np.ndarray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    srt: FloatArray,
    block: int,
    stop_key: FloatArray,
    cum_stop: FloatArray,
    index_x: FloatArray,
    dt: FloatArray,
    dirsign: float,
    f0: float,
    pars: FloatArray,
    record: bool,
) -> Any:
    """One cascade on a clock in the down frame.

    Parameters
    ----------
    mid_x : float
        Pre-shock mid, frame coordinates.
    lvl_x, lvl_abs, lvl_key : arrays
        Levels best first: frame price, |price| (USD), ``−lvl_x``.
    qc, nc : arrays (levels + 1)
        Cumulative effective size and notional (:func:`effective_depth`).
    pos_key, cum_size, cum_bkr, large_rank, large_cum_size, large_cum_bkr,
    pos_size, pos_bkr_x, pos_large, blk_max, blk_min, stop_key, cum_stop : arrays
        The prepared side (see :class:`liqcascade.cascade.PreparedMarket`).
    srt : array (6, positions)
        Each block's and each superblock's bankruptcies sorted, with running sums of
        size (base) and ``bkr_x · size`` (USD)
        (:meth:`liqcascade.cascade._prepare.PreparedSide.clock_sorted`).
    block : int
        Positions per block of ``blk_max`` / ``blk_min`` (bankruptcy bounds).
    index_x : array (steps)
        Exogenous index price at each step, frame coordinates (``index_x[0]`` is
        the shock price).
    dt : array (steps)
        Length of each step, seconds.
    dirsign : float
        +1 down move, −1 up move.
    f0 : float
        Insurance fund at the start, USD.
    pars : array
        The parameters (``P_*`` indices).
    record : bool
        Keep the per-step trace.

    Returns
    -------
    tuple
        ``(extreme_x, price_x, active_steps, liq_usd, stop_usd, n_liq, n_stop, fund,
        bad_debt, exhausted, unfilled, queue_left, trace, shortfalls, gains)``: ``fund``
        is what is left of ``f0`` plus ``gains`` (surpluses and fees, USD),
        ``bad_debt = max(0, shortfalls − f0)``.
    """
    n_steps = index_x.shape[0]
    st = np.zeros(N_STATE)
    st[S_LEFT] = f0
    price0 = index_x[0] if n_steps > 0 else mid_x
    st[S_PRICE] = price0
    st[S_PREV] = price0
    st[S_EXTREME] = price0
    # the queue's cohorts (the positions triggered in one step, a range in trigger
    # order): the share of each member's size in the venue's queue (positions closed
    # whole: co_mn; in chunks: co_ml), in the chunk queue (co_al), released in the step
    # columns: mn, ml, al, released (whole), released (chunks), first, end (exact floats)
    co_w = np.empty((n_steps, 7))
    trace = clock_span(
        st, co_w, index_x, dt, np.bool_(False), np.nan, mid_x, lvl_x, lvl_abs, lvl_key, qc, nc,
        pos_key, cum_size, cum_bkr, large_rank, large_cum_size, large_cum_bkr, pos_size,
        pos_bkr_x, pos_large, blk_max, blk_min, srt, block, stop_key, cum_stop, dirsign,
        pars, record,
    )  # fmt: skip
    return (
        st[S_EXTREME],
        st[S_PRICE],
        int(st[S_ACTIVE]),
        st[S_LIQ],
        st[S_STOP],
        int(st[S_NLIQ]),
        int(st[S_NSTOP]),
        st[S_LEFT] + st[S_GAINS],
        st[S_BAD],
        st[S_EXHAUSTED] > 0.0,
        st[S_UNFILLED],
        st[S_QQ] + st[S_LQ],
        trace,
        st[S_SHORT],
        st[S_GAINS],
    )


@njit(parallel=True)
def clock_paths_kernel(  # pragma: no cover - compiled
    mid_x: float,
    lvl_x: FloatArray,
    lvl_abs: FloatArray,
    lvl_key: FloatArray,
    qc: FloatArray,
    nc: FloatArray,
    pos_key: FloatArray,
    cum_size: FloatArray,
    cum_bkr: FloatArray,
    large_rank: IntArray,
    large_cum_size: FloatArray,
    large_cum_bkr: FloatArray,
    pos_size: FloatArray,
    pos_bkr_x: FloatArray,
    pos_large: np.ndarray,
    blk_max: FloatArray,
    blk_min: FloatArray,
    srt: FloatArray,
    block: int,
    stop_key: FloatArray,
    cum_stop: FloatArray,
    shock_x: float,
    sigma: FloatArray,
    z: FloatArray,
    dt: FloatArray,
    dirsign: float,
    f0: float,
    pars: FloatArray,
) -> FloatArray:
    """Many clock cascades, one per index path (parallel over paths).

    The index of path ``p`` starts at ``shock_x`` and moves as
    ``x_t = x_(t−1) · exp(sigma[t] · z[p, t])`` (a zero-drift log walk; ``sigma``
    per step, ``sigma[0]`` unused).

    Returns
    -------
    ndarray (paths, 6)
        Extreme ``|price|`` reached in the direction of the move (USD), final
        ``|price|``, liquidated USD, the index's furthest ``|price|`` against the
        move (USD), bad debt USD, book exhausted (0/1).
    """
    n_paths = z.shape[0]
    n_steps = z.shape[1]
    out = np.empty((n_paths, 6))
    for p in prange(n_paths):
        idx = np.empty(n_steps)
        x = shock_x
        back = shock_x
        for t in range(n_steps):
            if t > 0:
                x = x * np.exp(sigma[t] * z[p, t])
            idx[t] = x
            if x > back:
                back = x
        r = clock_kernel(
            mid_x,
            lvl_x,
            lvl_abs,
            lvl_key,
            qc,
            nc,
            pos_key,
            cum_size,
            cum_bkr,
            large_rank,
            large_cum_size,
            large_cum_bkr,
            pos_size,
            pos_bkr_x,
            pos_large,
            blk_max,
            blk_min,
            srt,
            block,
            stop_key,
            cum_stop,
            idx,
            dt,
            dirsign,
            f0,
            pars,
            np.bool_(False),  # not a literal: clock_kernel's one compile serves all
        )
        out[p, 0] = dirsign * r[0]
        out[p, 1] = dirsign * r[1]
        out[p, 2] = r[3]
        out[p, 3] = dirsign * back
        out[p, 4] = r[8]
        out[p, 5] = 1.0 if r[9] else 0.0
    return out


# the kernels that inline the shared steps: compiled again when those changed
drop_stale_caches(clock_span, clock_kernel, clock_paths_kernel)
