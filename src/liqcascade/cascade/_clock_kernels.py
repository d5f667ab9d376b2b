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
- **accounting** (the static engine's conservative rule, issue 17): each step's
  orders close pooled at one price; the step's net loss (and the settlement's) draws
  on the opening fund only, the excess is bad debt; net surpluses and fees are
  credited after the run.

With every mechanism off (no decay, no latent depth, no withdrawal, ``w = 1``,
infinite rate) each step is one round of the static semantics; the tests hold the
two equal where the book is not exhausted. When the book runs out, what it cannot
absorb closes at the price reached (DESIGN.md's settlement) and the run ends.

Everything runs in the down frame (``x = dirsign · price``), like the static kernel.
The plain-Python twin is :func:`liqcascade.cascade._clock_reference.clock_py`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade._numba import NUMBA_DISABLED, njit
from liqcascade._typing import FloatArray, IntArray
from liqcascade.cascade._walk import draw_fund, drop_stale_caches, triggered

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
            d = abs(lvl_x[j] - mid_x) / m
            if d > visible:
                w = 1.0 + latent * (d / visible - 1.0)
        qe = lvl_q[j] * w
        qc[j + 1] = qc[j] + qe
        nc[j + 1] = nc[j] + qe * lvl_abs[j]
    return qc, nc


@njit
def _level_of(qc: FloatArray, c: float) -> int:  # pragma: no cover - compiled
    """The level holding consumption ``c`` (the last level touched): ``qc[j] < c <= qc[j+1]``."""
    j = int(np.searchsorted(qc, c, side="left")) - 1
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
    stop_key, cum_stop : arrays
        The prepared side (see :class:`liqcascade.cascade.PreparedMarket`).
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
        bad_debt, exhausted, unfilled, queue_left, trace)``.
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
    eps = 1e-12 * (total if total > 0.0 else 1.0)
    trace = np.empty((n_steps if record else 0, N_TRACE))
    e = 0.0
    f = 0.0
    left = f0  # what is left of the opening fund: shortfalls draw on it only
    gains = 0.0  # surpluses and fees, credited after the run
    bad = 0.0
    liq_usd = 0.0
    stop_usd = 0.0
    unfilled = 0.0
    n_liq = 0
    n_stop = 0
    pos_ptr = 0
    stop_ptr = 0
    large_ptr = 0
    qq = 0.0  # queue of whole positions, base
    qb = 0.0  # their bankruptcy_x * size
    lq = 0.0  # queue of partially liquidated positions, base
    lb = 0.0
    active = 0
    exhausted = False
    price_x = index_x[0] if n_steps > 0 else mid_x
    prev_x = price_x
    extreme_x = price_x
    for t in range(n_steps):
        # ---- time passes: arbitrage and resilience act on the displacement
        if t > 0:
            if h_a < np.inf and e > 0.0:
                moved = e * (1.0 - 2.0 ** (-dt[t] / h_a))
                e -= moved
                f += share * moved
            if h_r < np.inf and e > 0.0:
                e *= 2.0 ** (-dt[t] / h_r)
        ix = index_x[t]
        j_i = int(np.searchsorted(lvl_key, -ix, side="left"))
        c_i = float(qc[j_i]) if j_i <= n_lvl else total
        idx_x = ix
        if f > eps:
            ci_f = c_i + f
            if ci_f >= total:
                ci_f = total
            idx_x = lvl_x[_level_of(qc, ci_f)]
            c_base = ci_f
        else:
            c_base = c_i
        c = c_base + e
        if c >= total:
            c = total
        if e > eps and n_lvl > 0:
            price_x = lvl_x[_level_of(qc, c)]
        else:
            price_x = idx_x
        if price_x < extreme_x:
            extreme_x = price_x
        # ---- providers withdraw when price moves fast
        omega = 0.0
        if w_speed > 0.0 and t > 0 and dt[t] > 0.0:
            speed = abs(price_x - prev_x) / abs(mid_x) / (dt[t] / 60.0)
            omega = w_speed * speed
            if omega > w_max:
                omega = w_max
        prev_x = price_x
        # ---- triggers: liquidations on the mark, stops on the trade price
        mark_x = mark_w * price_x + (1.0 - mark_w) * idx_x
        new_pos, new_stop = triggered(pos_key, stop_key, mark_x, price_x, pos_ptr, stop_ptr)
        new_large = int(np.searchsorted(large_rank, new_pos, side="left"))
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
            else:
                rel = lq * (1.0 - (1.0 - chunk) ** (dt[t] / chunk_s))
            rb = lb * (rel / lq)
            lq -= rel
            lb -= rb
            qq += rel
            qb += rb
        q_pos = qq
        b_pos = qb
        if rate < np.inf:
            cap = rate * dt[t] / abs(price_x)
            if cap < q_pos:
                b_pos = qb * (cap / qq)
                q_pos = cap
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
            fr = filled / q
            vwap = notional / take if take > 0.0 else dirsign * price_x
            # what the book cannot absorb closes at the price reached
            px = dirsign * price_x
            a = fr * vwap + (1.0 - fr) * px
            a_x = dirsign * a
            liq_usd += a * q_pos
            stop_usd += a * q_stop
            # the step's pooled close: a net loss draws on the opening fund only, a net
            # surplus is credited after the run (the static engine's rule, issue 17)
            pnl = a_x * q_pos - b_pos + fee * a * q_pos
            if pnl >= 0.0:
                gains += pnl
            else:
                left, bad = draw_fund(-pnl, left, bad)
            if ran_out:
                exhausted = True
                unfilled += q - filled
                # settlement: everything still open at or beyond the price reached
                end_pos, end_stop = triggered(
                    pos_key, stop_key, price_x, price_x, pos_ptr, stop_ptr
                )
                end_large = int(np.searchsorted(large_rank, end_pos, side="left"))
                s_q = cum_size[end_pos] - cum_size[pos_ptr] + qq + lq
                s_q += large_cum_size[end_large] - large_cum_size[large_ptr]
                s_b = cum_bkr[end_pos] - cum_bkr[pos_ptr] + qb + lb
                s_b += large_cum_bkr[end_large] - large_cum_bkr[large_ptr]
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
                pnl = price_x * s_q - s_b + fee * px * s_q  # the settlement, one close
                if pnl >= 0.0:
                    gains += pnl
                else:
                    left, bad = draw_fund(-pnl, left, bad)
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
    return (
        extreme_x,
        price_x,
        active,
        liq_usd,
        stop_usd,
        n_liq,
        n_stop,
        left + gains,
        bad,
        exhausted,
        unfilled,
        qq + lq,
        trace,
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
            stop_key,
            cum_stop,
            idx,
            dt,
            dirsign,
            f0,
            pars,
            False,
        )
        out[p, 0] = dirsign * r[0]
        out[p, 1] = dirsign * r[1]
        out[p, 2] = r[3]
        out[p, 3] = dirsign * back
        out[p, 4] = r[8]
        out[p, 5] = 1.0 if r[9] else 0.0
    return out


# the kernels that inline the shared steps: compiled again when those changed
drop_stale_caches(clock_kernel, clock_paths_kernel)
