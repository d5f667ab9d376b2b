"""The cascade in plain Python, written straight from docs/design.md (the oracle).

Issue 17 changed two of docs/design.md's rules: within a round the triggered orders take
the book one after another in trigger order (each at the VWAP of its own slice; what
the book cannot absorb at the exhaustion price), and shortfalls are drawn on the
opening fund only while surpluses and fees are credited after the cascade.

Readable loops over levels, positions and stops; no sorting, no prefix sums. The
numba kernel (:mod:`liqcascade.cascade._kernels`) must agree with it: the tests
compare them on thousands of random cases. It also implements the extensions of
:class:`~liqcascade.cascade.CascadeConfig` the same way, in the simplest form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["cascade_py"]


def _bkr_usd(bkr: float, base: float) -> float:
    """``bankruptcy · base`` (USD); a bankruptcy price that is not finite counts as 0."""
    return bkr * base if math.isfinite(bkr) else 0.0


def cascade_py(
    mid: float,
    bid_price: Sequence[float],
    bid_size: Sequence[float],
    ask_price: Sequence[float],
    ask_size: Sequence[float],
    pos_side: Sequence[int],
    pos_size: Sequence[float],
    pos_liq: Sequence[float],
    pos_bkr: Sequence[float],
    stop_side: Sequence[int],
    stop_trigger: Sequence[float],
    stop_size: Sequence[float],
    *,
    shock_price: float | None = None,
    shock_sell_usd: float | None = None,
    shock_buy_usd: float | None = None,
    insurance_fund: float = 0.0,
    refill_fraction: float = 0.0,
    withdrawal_fraction: float = 0.0,
    mark_price_weight: float = 1.0,
    partial_threshold_usd: float = math.inf,
    chunk_fractions: Sequence[float] = (1.0,),
    liquidation_fee: float = 0.0,
    max_rounds: int | None = None,
) -> dict[str, Any]:
    """Run one cascade with plain loops.

    Parameters
    ----------
    mid : float
        Mid price, USD.
    bid_price, bid_size, ask_price, ask_size : sequences
        Levels best first (USD, base units).
    pos_side, pos_size, pos_liq, pos_bkr : sequences
        Positions: +1 long / −1 short, size (base), liquidation and bankruptcy price (USD).
    stop_side, stop_trigger, stop_size : sequences
        Stops: −1 sell / +1 buy, trigger (USD), size (base).
    shock_price, shock_sell_usd, shock_buy_usd : float
        Exactly one: a target price (USD) or an exogenous market order (USD).
    insurance_fund : float
        Fund at the start, USD.
    refill_fraction, withdrawal_fraction, mark_price_weight, liquidation_fee, max_rounds
        Extensions (see ``CascadeConfig``); the defaults are docs/design.md's semantics.
    partial_threshold_usd, chunk_fractions
        Positions with ``size · liq_price > partial_threshold_usd`` sell
        ``chunk_fractions[j] · size`` in the j-th round after they trigger.

    Returns
    -------
    dict
        docs/design.md's keys, ``liquidation_surplus_usd`` (gross surpluses and fees credited
        to the fund after the cascade) and ``shortfall_usd`` (gross closes beyond
        bankruptcy, drawn on the opening fund), plus, per position, ``pos_round``
        (round it closed, 0 never),
        ``pos_closed`` (base closed), ``pos_book`` (base the book filled; the rest
        closed at the exhaustion price), ``pos_notional`` (USD) and ``pos_settled``
        (closed by the settlement at the exhaustion price); the same per stop
        (``stop_*``); ``book_after`` (remaining sizes of the moving side's levels) and
        ``trace`` rows ``{round, price, filled_base, vwap}`` (``vwap`` of the part the
        book filled, the exhaustion price when it filled nothing).
    """
    given = [x is not None for x in (shock_price, shock_sell_usd, shock_buy_usd)]
    if sum(given) != 1:
        raise ValueError("give exactly one of shock_price, shock_sell_usd, shock_buy_usd")
    if shock_price is not None:
        down = shock_price <= mid
    else:
        down = shock_sell_usd is not None

    # the side of the book the cascade eats, as a mutable list of remaining sizes
    if down:
        levels = list(bid_price)
        remaining = list(bid_size)
    else:
        levels = list(ask_price)
        remaining = list(ask_size)
    n_levels = len(levels)
    book_exhausted = False

    def beyond(p: float, q: float) -> bool:
        """True when price p is at or beyond q in the direction of the move."""
        return p <= q if down else p >= q

    # ---- 1. the shock
    price = mid
    if shock_price is not None:
        for i in range(n_levels):
            if (down and levels[i] > shock_price) or (not down and levels[i] < shock_price):
                remaining[i] = 0.0
        price = shock_price
    else:
        usd = shock_sell_usd if down else shock_buy_usd
        assert usd is not None
        last = -1
        for i in range(n_levels):
            if usd <= 0.0:
                break
            if remaining[i] <= 0.0:
                continue
            last = i
            if remaining[i] * levels[i] >= usd:
                remaining[i] = remaining[i] - usd / levels[i]
                usd = 0.0
            else:
                usd -= remaining[i] * levels[i]
                remaining[i] = 0.0
        if last >= 0:
            price = levels[last]
        if usd > 0.0:
            book_exhausted = True
    shock_result = price
    index_price = price

    # ---- 2.-4. rounds
    n_pos = len(pos_side)
    n_stop = len(stop_side)
    pos_round = [0] * n_pos
    pos_closed = [0.0] * n_pos
    pos_book = [0.0] * n_pos
    pos_notional = [0.0] * n_pos
    pos_settled = [False] * n_pos
    chunks_done = [0] * n_pos
    stop_round = [0] * n_stop
    stop_closed = [0.0] * n_stop
    stop_book = [0.0] * n_stop
    stop_notional = [0.0] * n_stop
    stop_settled = [False] * n_stop
    n_chunks = len(chunk_fractions)
    fund = insurance_fund
    bad_debt = 0.0
    gains = 0.0  # surpluses and fees, credited after the cascade
    shortfalls = 0.0  # closes beyond bankruptcy, drawn on the opening fund
    first = 0  # first level of the moving side with size left
    liq_long = liq_short = stops_sell = stops_buy = 0.0
    n_liquidated = n_stops = 0
    unfilled = 0.0
    trace: list[dict[str, float]] = []
    moving_side = 1 if down else -1  # longs / sell stops (-1) for a down move
    k = 0
    while True:
        if max_rounds is not None and k >= max_rounds:
            break
        mark = mark_price_weight * price + (1.0 - mark_price_weight) * index_price
        orders: list[tuple[str, int, float]] = []  # (kind, index, base)
        for i in range(n_pos):
            if pos_side[i] != moving_side:
                continue
            large = pos_size[i] * pos_liq[i] > partial_threshold_usd if n_chunks > 1 else False
            if pos_round[i] == 0:
                if beyond(mark, pos_liq[i]):
                    pos_round[i] = k + 1
                    n_liquidated += 1
                    if large:
                        orders.append(("pos", i, chunk_fractions[0] * pos_size[i]))
                        chunks_done[i] = 1
                    else:
                        orders.append(("pos", i, pos_size[i]))
            elif large and chunks_done[i] < n_chunks:
                orders.append(("pos", i, chunk_fractions[chunks_done[i]] * pos_size[i]))
                chunks_done[i] += 1
        for j in range(n_stop):
            if stop_side[j] == -moving_side and stop_round[j] == 0:
                if beyond(price, stop_trigger[j]):
                    stop_round[j] = k + 1
                    n_stops += 1
                    orders.append(("stop", j, stop_size[j]))
        if not orders:
            break
        k += 1
        if withdrawal_fraction > 0.0:
            for i in range(n_levels):
                remaining[i] = remaining[i] * (1.0 - withdrawal_fraction)

        # 3. fills by trigger priority: the round's orders take the book one after
        # another, highest trigger first for a down move (lowest for an up move);
        # ties: positions before stops, then input order
        def order_key(o: tuple[str, int, float]) -> tuple[float, int, int]:
            kind, idx, _ = o
            trig = pos_liq[idx] if kind == "pos" else stop_trigger[idx]
            return (-trig if down else trig, 0 if kind == "pos" else 1, idx)

        orders.sort(key=order_key)
        start_price = price
        filled = 0.0
        notional = 0.0
        need_total = 0.0
        last = -1
        ran_out = False
        p_x = price
        # (kind, index, base, USD closed, base the book filled): what closes this round
        closes: list[tuple[str, int, float, float, float]] = []
        for kind, idx, base in orders:
            need = base
            got = 0.0
            usd = 0.0
            while need > 0.0 and first < n_levels:
                if remaining[first] <= 0.0:
                    first += 1
                    continue
                last = first
                take = min(remaining[first], need)
                got += take
                usd += levels[first] * take
                remaining[first] = remaining[first] - take
                need = need - take if take < need else 0.0
            if need > 0.0 and not ran_out:
                # the book is out: P_x is the last level the round touched
                ran_out = True
                p_x = levels[last] if last >= 0 else start_price
            filled += got
            notional += usd
            need_total += need
            # the part the book could not absorb closes at the price reached
            closes.append((kind, idx, base, usd + need * p_x if need > 0.0 else usd, got))
        if last >= 0:
            price = levels[last]
        vwap = notional / filled if filled > 0.0 else price
        if ran_out:
            book_exhausted = True
            unfilled += need_total
            # settlement: every position and stop still open whose trigger is at or
            # beyond P_x closes at P_x in this round, and the cascade ends
            mark = mark_price_weight * price + (1.0 - mark_price_weight) * index_price
            for i in range(n_pos):
                if pos_side[i] != moving_side:
                    continue
                large = pos_size[i] * pos_liq[i] > partial_threshold_usd if n_chunks > 1 else False
                if pos_round[i] == 0:
                    if beyond(mark, pos_liq[i]):
                        pos_round[i] = k
                        pos_settled[i] = True
                        n_liquidated += 1
                        closes.append(("pos", i, pos_size[i], pos_size[i] * price, 0.0))
                        unfilled += pos_size[i]
                elif large and chunks_done[i] < n_chunks:
                    rest = sum(chunk_fractions[chunks_done[i] :]) * pos_size[i]
                    chunks_done[i] = n_chunks
                    closes.append(("pos", i, rest, rest * price, 0.0))
                    unfilled += rest
            for j in range(n_stop):
                if stop_side[j] == -moving_side and stop_round[j] == 0:
                    if beyond(price, stop_trigger[j]):
                        stop_round[j] = k
                        stop_settled[j] = True
                        n_stops += 1
                        closes.append(("stop", j, stop_size[j], stop_size[j] * price, 0.0))
                        unfilled += stop_size[j]
        # 4. accounting: a close beyond bankruptcy draws its shortfall on the opening
        # fund only; surpluses and fees are credited after the cascade
        for kind, idx, base, usd, book_part in closes:
            if kind == "stop":
                stop_closed[idx] += base
                stop_notional[idx] += usd
                stop_book[idx] += book_part
                if down:
                    stops_sell += usd
                else:
                    stops_buy += usd
                continue
            pos_closed[idx] += base
            pos_notional[idx] += usd
            pos_book[idx] += book_part
            if down:
                liq_long += usd
                pnl = usd - _bkr_usd(pos_bkr[idx], base)
            else:
                liq_short += usd
                pnl = _bkr_usd(pos_bkr[idx], base) - usd
            pnl += liquidation_fee * usd
            if pnl >= 0.0:
                gains += pnl
            else:
                shortfalls += -pnl
        bad_debt = max(0.0, shortfalls - insurance_fund)
        fund = max(0.0, insurance_fund - shortfalls) + gains
        trace.append({"round": k, "price": price, "filled_base": filled, "vwap": vwap})
        if ran_out:
            break
        if refill_fraction > 0.0 and filled > 0.0 and last >= 0:
            remaining[last] += refill_fraction * filled
            first = min(first, last)

    return {
        "initial_price": mid,
        "shock_price": shock_result,
        "final_price": price,
        "rounds": k,
        "liquidated_long_usd": liq_long,
        "liquidated_short_usd": liq_short,
        "n_liquidated": n_liquidated,
        "stops_sell_usd": stops_sell,
        "stops_buy_usd": stops_buy,
        "n_stops": n_stops,
        "insurance_fund_end": fund,
        "bad_debt_usd": bad_debt,
        "liquidation_surplus_usd": gains,
        "shortfall_usd": shortfalls,
        "book_exhausted": book_exhausted,
        "unfilled_base": unfilled,
        "trace": trace,
        "pos_round": pos_round,
        "pos_closed": pos_closed,
        "pos_book": pos_book,
        "pos_notional": pos_notional,
        "pos_settled": pos_settled,
        "stop_round": stop_round,
        "stop_closed": stop_closed,
        "stop_book": stop_book,
        "stop_notional": stop_notional,
        "stop_settled": stop_settled,
        "book_after": remaining,
    }
