"""The liquidity response on a clock in plain Python (the oracle of the clock kernel).

Plain loops over levels, positions and stops; no sorting, no prefix sums, no
binary search. Every position keeps its own queue; the venue releases the same
fraction of every queued position, which is what the kernel's aggregate queue does.
The semantics are documented in :mod:`liqcascade.cascade._clock_kernels` and
``docs/liquidity.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["clock_py"]


def clock_py(
    mid: float,
    levels: Sequence[float],
    sizes: Sequence[float],
    pos_liq: Sequence[float],
    pos_size: Sequence[float],
    pos_bkr: Sequence[float],
    pos_large: Sequence[bool],
    stop_trigger: Sequence[float],
    stop_size: Sequence[float],
    index_path: Sequence[float],
    dt: Sequence[float],
    *,
    down: bool = True,
    insurance_fund: float = 0.0,
    resilience_half_life_s: float = math.inf,
    latent_depth: float = 0.0,
    visible_distance: float = 0.01,
    withdrawal_per_speed: float = 0.0,
    withdrawal_max: float = 0.0,
    arbitrage_half_life_s: float = math.inf,
    venue_share: float = 1.0,
    mark_price_weight: float = 1.0,
    liquidation_rate_usd_s: float = math.inf,
    partial_chunk: float = 1.0,
    partial_interval_s: float = 1.0,
    liquidation_fee: float = 0.0,
) -> dict[str, Any]:
    """Run one cascade on a clock with plain loops.

    Parameters
    ----------
    mid : float
        Pre-shock mid, USD.
    levels, sizes : sequences
        The moving side's levels best first (bids for a fall), USD and base units.
    pos_liq, pos_size, pos_bkr, pos_large : sequences
        The moving side's positions (longs for a fall): liquidation price (USD), size
        (base), bankruptcy price (USD), liquidated in chunks (bool).
    stop_trigger, stop_size : sequences
        The moving side's stops (sell stops for a fall).
    index_path : sequence
        The exogenous index price at every step, USD (the first is the shock price).
    dt : sequence
        Step lengths, seconds.
    down : bool
        A fall (True) or a rise.
    insurance_fund, resilience_half_life_s, latent_depth, visible_distance,
    withdrawal_per_speed, withdrawal_max, arbitrage_half_life_s, venue_share,
    mark_price_weight, liquidation_rate_usd_s, partial_chunk, partial_interval_s,
    liquidation_fee
        See :class:`liqcascade.cascade.LiquidityParams`.

    Returns
    -------
    dict
        ``extreme_price``, ``final_price``, ``active_steps``, ``liquidated_usd``,
        ``stops_usd``, ``n_liquidated``, ``n_stops``, ``insurance_fund_end``,
        ``bad_debt_usd``, ``shortfall_usd``, ``liquidation_surplus_usd`` (USD: every
        released piece of a position is its own close; shortfalls draw on the opening
        fund only, surpluses and fees are credited after the run), ``book_exhausted``,
        ``unfilled_base``, ``queue_base``, ``prices`` (per step).
    """
    n_lvl = len(levels)
    n_pos = len(pos_liq)
    n_stop = len(stop_trigger)

    def beyond(p: float, q: float) -> bool:  # p at or beyond q in the move's direction
        return p <= q if down else p >= q

    def further(p: float, q: float) -> bool:  # p strictly further than q
        return p < q if down else p > q

    eff = []
    for j in range(n_lvl):
        w = 1.0
        d = abs(levels[j] - mid) / mid
        if latent_depth > 0.0 and d > visible_distance:
            w = 1.0 + latent_depth * (d / visible_distance - 1.0)
        eff.append(sizes[j] * w)
    # The whole book's depth is the running sum that level_at and c_i accumulate, added
    # left to right: Python 3.12's sum() compensates, and a total one ulp above the
    # running sum leaves a book taken to its last level with room to fill.
    total = 0.0
    for v in eff:
        total += v
    eps = 1e-12 * (total if total > 0 else 1.0)

    def level_at(c: float) -> int:
        """Index of the level holding consumption c (the last level touched)."""
        acc = 0.0
        for j in range(n_lvl):
            acc += eff[j]
            if c <= acc:
                return j
        return n_lvl - 1

    def notional_to(c: float) -> float:
        acc = 0.0
        usd = 0.0
        for j in range(n_lvl):
            if c <= acc + eff[j]:
                return usd + (c - acc) * levels[j]
            acc += eff[j]
            usd += eff[j] * levels[j]
        return usd

    triggered = [False] * n_pos
    queue = [0.0] * n_pos  # base waiting in the venue's queue
    chunk_left = [0.0] * n_pos  # base of a large position not yet released
    stop_done = [False] * n_stop
    e = f = 0.0
    opening = insurance_fund  # what is left of the opening fund: shortfalls draw on it
    gains = 0.0  # surpluses and fees, credited after the run
    shortfalls = 0.0
    bad = liq = stops_usd = unfilled = 0.0
    n_liq = n_st = active = 0
    exhausted = False
    price = index_path[0] if index_path else mid
    prev = price
    extreme = price
    prices: list[float] = []
    for t in range(len(index_path)):
        if t > 0:
            if math.isfinite(arbitrage_half_life_s) and e > 0.0:
                moved = e * (1.0 - 2.0 ** (-dt[t] / arbitrage_half_life_s))
                e -= moved
                f += venue_share * moved
            if math.isfinite(resilience_half_life_s) and e > 0.0:
                e *= 2.0 ** (-dt[t] / resilience_half_life_s)
        ix = index_path[t]
        c_i = 0.0
        for j in range(n_lvl):
            if further(ix, levels[j]):  # the level lies between mid and the index
                c_i += eff[j]
        idx = ix
        c_base = c_i
        if f > eps:
            c_base = min(c_i + f, total)
            idx = levels[level_at(c_base)]
        c = min(c_base + e, total)
        price = levels[level_at(c)] if (e > eps and n_lvl) else idx
        if further(price, extreme):
            extreme = price
        omega = 0.0
        if withdrawal_per_speed > 0.0 and t > 0 and dt[t] > 0:
            speed = abs(price - prev) / mid / (dt[t] / 60.0)
            omega = min(withdrawal_max, withdrawal_per_speed * speed)
        prev = price
        mark = mark_price_weight * price + (1.0 - mark_price_weight) * idx
        for i in range(n_pos):
            if not triggered[i] and pos_size[i] > 0 and beyond(mark, pos_liq[i]):
                triggered[i] = True
                n_liq += 1
                if pos_large[i]:
                    chunk_left[i] = pos_size[i]
                else:
                    queue[i] = pos_size[i]
        q_stop = 0.0
        fired: list[int] = []
        for k in range(n_stop):
            if not stop_done[k] and beyond(price, stop_trigger[k]):
                stop_done[k] = True
                n_st += 1
                q_stop += stop_size[k]
                fired.append(k)
        for i in range(n_pos):
            if chunk_left[i] > 0.0:
                if partial_chunk >= 1.0:
                    rel = chunk_left[i]
                else:
                    rel = chunk_left[i] * (
                        1.0 - (1.0 - partial_chunk) ** (dt[t] / partial_interval_s)
                    )
                chunk_left[i] -= rel
                queue[i] += rel
        waiting = sum(queue)
        frac = 1.0
        if math.isfinite(liquidation_rate_usd_s) and waiting > 0.0:
            cap = liquidation_rate_usd_s * dt[t] / abs(price)
            if cap < waiting:
                frac = cap / waiting
        released = [queue[i] * frac for i in range(n_pos)]
        for i in range(n_pos):
            queue[i] -= released[i]
        q_pos = sum(released)
        q = q_pos + q_stop
        if q <= 0.0:
            prices.append(price)
            continue
        active += 1
        need = q / (1.0 - omega)
        room = total - c
        take = max(0.0, min(need, room))
        c_new = c + take
        n0 = notional_to(c)
        n_new = notional_to(c_new)
        filled = take * (1.0 - omega)
        ran_out = need > room
        if take > 0.0:
            price = levels[level_at(c_new)]
        e = c_new - c_base
        # the step's orders take the book one after another in trigger order (a stop
        # before a position only on a strictly earlier trigger), each closing at the
        # VWAP of its own slice; units past what the book filled close at the price
        # reached (issue 17's fills)
        keep = 1.0 - omega
        sgn = -1.0 if down else 1.0  # trigger order: furthest from the move first
        orders = [(sgn * pos_liq[i], 0, i) for i in range(n_pos) if released[i] > 0.0]
        orders += [(sgn * stop_trigger[k], 1, k) for k in fired]
        orders.sort()
        u = v_prev = 0.0
        for _, kind, i in orders:
            base = released[i] if kind == 0 else stop_size[i]
            u += base
            if u < filled:
                v = keep * (notional_to(c + u / keep) - n0)
            else:
                v = keep * (n_new - n0) + price * (u - filled)
            val = v - v_prev
            v_prev = v
            if kind == 1:
                stops_usd += val
                continue
            liq += val
            # each released piece is its own close: a shortfall draws on the opening
            # fund only, a surplus is credited after the run (issue 17's rule, no netting)
            pnl = (val - base * pos_bkr[i]) if down else (base * pos_bkr[i] - val)
            pnl += liquidation_fee * val
            if pnl >= 0.0:
                gains += pnl
            else:
                shortfalls -= pnl
                bad += max(0.0, -pnl - opening)
                opening = max(0.0, opening + pnl)
        if ran_out:
            exhausted = True
            unfilled += q - filled
            s_q = s_stop = 0.0
            for i in range(n_pos):
                left = queue[i] + chunk_left[i]
                if not triggered[i] and pos_size[i] > 0 and beyond(price, pos_liq[i]):
                    triggered[i] = True
                    n_liq += 1
                    left = pos_size[i]
                if left > 0.0:
                    s_q += left
                    queue[i] = chunk_left[i] = 0.0
                    # the settlement: each position's rest is one more close at price
                    pnl = left * ((price - pos_bkr[i]) if down else (pos_bkr[i] - price))
                    pnl += liquidation_fee * price * left
                    if pnl >= 0.0:
                        gains += pnl
                    else:
                        shortfalls -= pnl
                        bad += max(0.0, -pnl - opening)
                        opening = max(0.0, opening + pnl)
            for k in range(n_stop):
                if not stop_done[k] and beyond(price, stop_trigger[k]):
                    stop_done[k] = True
                    n_st += 1
                    s_stop += stop_size[k]
            liq += price * s_q
            stops_usd += price * s_stop
            unfilled += s_q + s_stop
        if further(price, extreme):
            extreme = price
        prices.append(price)
        if ran_out:
            break
    return {
        "extreme_price": extreme,
        "final_price": price,
        "active_steps": active,
        "liquidated_usd": liq,
        "stops_usd": stops_usd,
        "n_liquidated": n_liq,
        "n_stops": n_st,
        "insurance_fund_end": opening + gains,
        "bad_debt_usd": bad,
        "shortfall_usd": shortfalls,
        "liquidation_surplus_usd": gains,
        "book_exhausted": exhausted,
        "unfilled_base": unfilled,
        "queue_base": sum(queue) + sum(chunk_left),
        "prices": prices,
    }


def clock_paths_py(
    mid: float,
    levels: Sequence[float],
    sizes: Sequence[float],
    pos_liq: Sequence[float],
    pos_size: Sequence[float],
    pos_bkr: Sequence[float],
    pos_large: Sequence[bool],
    stop_trigger: Sequence[float],
    stop_size: Sequence[float],
    shock_price: float,
    sigma: Sequence[float],
    z: Sequence[Sequence[float]],
    dt: Sequence[float],
    *,
    down: bool = True,
    insurance_fund: float = 0.0,
    **params: float,
) -> list[tuple[float, float, float, float, float, float]]:
    """Many cascades on a clock, one per index path, with plain loops.

    The oracle of :func:`liqcascade.cascade._clock_kernels.clock_paths_kernel`.
    Path ``p``'s index starts at ``shock_price`` (USD) and moves as
    ``x_t = x_(t−1) · exp(sigma[t] · z[p][t])`` (``sigma[0]`` unused); each path is
    run by :func:`clock_py` (the other arguments and ``params`` are its own).

    Returns
    -------
    list of tuple
        Per path: extreme price reached in the direction of the move (USD), final
        price (USD), liquidated USD, the index's furthest price against the move
        (USD: the highest for a fall, the lowest for a rise), bad debt (USD), book
        exhausted (1.0 or 0.0).
    """
    out = []
    for zp in z:
        path = []
        x = float(shock_price)
        for t in range(len(dt)):
            if t > 0:
                x = x * math.exp(sigma[t] * zp[t])
            path.append(x)
        back = max(path) if down else min(path)
        r = clock_py(
            mid,
            levels,
            sizes,
            pos_liq,
            pos_size,
            pos_bkr,
            pos_large,
            stop_trigger,
            stop_size,
            path,
            dt,
            down=down,
            insurance_fund=insurance_fund,
            **params,
        )
        out.append(
            (
                r["extreme_price"],
                r["final_price"],
                r["liquidated_usd"],
                back,
                r["bad_debt_usd"],
                1.0 if r["book_exhausted"] else 0.0,
            )
        )
    return out
