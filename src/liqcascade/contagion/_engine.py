"""``simulate_contagion``: several venues and lending markets, round by round."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from liqcascade._limits import check_count, check_real, check_whole
from liqcascade.cascade import FINE_STEP_S, LiquidityParams, resolve_shock
from liqcascade.contagion._arbitrage import Link, cross_venues
from liqcascade.contagion._clock_venue import ClockVenueState, latent_book
from liqcascade.contagion._lending import LendingMarket, LendingState, oracle_read
from liqcascade.contagion._result import ContagionResult, VenueOutcome
from liqcascade.contagion._venue import Venue, VenueState
from liqcascade.errors import InputError

__all__ = ["simulate_contagion"]

#: Sweeps over the links per round (a sweep can reopen a gap another link closed).
MAX_SWEEPS: int = 50

#: A link's round budget at or below this share of its capacity is spent. What is left
#: after the crossings that used it up is the rounding residue of ``budget -= usd``
#: (~1e-11 USD of $100k); crossing on it moved both venues to their best levels and
#: re-quoted their books, in some worlds and not others by the last bit.
SPENT_SHARE: float = 1e-9

#: Where the first shock lands: ``"venue"``, the shocked venue alone (the others follow
#: through arbitrage, the index and lending); ``"market"``, every venue's price moves by
#: the same fraction at once (a market-wide fall: the venues' median, the marks' index,
#: moves with it).
SCOPES: tuple[str, ...] = ("venue", "market")


def _check(
    venues: Sequence[Venue], links: Sequence[Link], lending: Sequence[LendingMarket], shocked: str
) -> None:
    names = [v.name for v in venues]
    if not names:
        raise InputError("at least one venue is required", param="venues")
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InputError(
            f"venue names must be unique (repeated: {', '.join(sorted(dup))})", param="venues"
        )
    known = set(names)
    if shocked not in known:
        raise InputError(
            f"shock_venue: unknown venue {shocked!r} (venues: {', '.join(names)})",
            param="shock_venue",
        )
    for i, ln in enumerate(links):
        for key, v in (("a", ln.a), ("b", ln.b)):
            if v not in known:
                raise InputError(f"links[{i}].{key}: unknown venue {v!r}", param="links")
    for m in lending:
        for s in m.oracle.sources:
            if s not in known:
                raise InputError(
                    f"lending {m.name!r}: oracle source: unknown venue {s!r}", param="lending"
                )
        if m.sell_to != "dex" and m.sell_to not in known:
            raise InputError(
                f"lending {m.name!r}: sell_to: unknown venue {m.sell_to!r}", param="lending"
            )


def simulate_contagion(
    venues: Sequence[Venue],
    links: Sequence[Link] = (),
    lending: Sequence[LendingMarket] = (),
    *,
    shock_venue: str,
    shock_price: float | None = None,
    shock: float | None = None,
    shock_sell_usd: float | None = None,
    shock_buy_usd: float | None = None,
    max_rounds: int = 500,
    liquidity: LiquidityParams | None = None,
    round_s: float = FINE_STEP_S,
    scope: str = "venue",
) -> ContagionResult:
    """Run a cascade that starts on one venue and spreads by arbitrage and oracles.

    Each round ``k``:

    1. every venue runs one round of the single-venue cascade (docs/design.md
       semantics, the cascade package's kernel) at its current price; the shocked
       venue's first round starts with the shock;
    2. arbitrage: every link whose price gap exceeds its cost trades, level by
       level, up to its USD capacity for the round (sweeps over the links repeat
       until none trades); the rich venue is sold on the side the cascade walks,
       the cheap one bought on its opposite side, re-quoted around its price;
    3. every lending market's oracle reads its source venues (all at the same
       instant, after arbitrage) and updates on deviation or heartbeat; accounts with
       health factor < 1 are liquidated (Aave v3.3 close factor, bonus, dust rule) and
       liquidators sell the seized collateral on a venue (which the next round's
       cascade and oracles see, whatever the markets' order) or a DEX pool.

    The loop ends after a round in which nothing happened and no oracle lags
    its source, or after ``max_rounds``. With every link's capacity 0 and no
    lending market selling on a venue, each venue is exactly
    :func:`liqcascade.cascade.simulate_cascade` on its own.

    With ``liquidity`` (the calibrated response) the venues run on its clock
    (:mod:`liqcascade.contagion._clock_venue`): round ``k`` is at ``(k − 1) ·
    round_s`` seconds; before it, time passes on every venue (resilience) and the
    shock moves the shocked venue's resting point; the index is the median of the
    venues' prices; each venue then runs one step of the single-venue clock (latent
    depth, withdrawal, liquidations on the mark ``w · price + (1 − w) · index`` queued
    and released at the venue's rate, chunks, the fee). Step 1 is unchanged; the loop
    also goes on while a venue's queue is not empty. The lending markets keep their
    timing in rounds (a heartbeat of ``h`` rounds is ``h · round_s`` seconds).

    Parameters
    ----------
    venues : sequence of Venue
    links : sequence of Link
    lending : sequence of LendingMarket
    shock_venue : str
        Name of the venue the shock hits.
    shock_price, shock, shock_sell_usd, shock_buy_usd : float
        Exactly one, as in :func:`liqcascade.cascade.simulate_cascade` (a target
        price in USD, a fraction of the venue's mid, or a market order in USD).
    max_rounds : int, default 500
    liquidity : LiquidityParams, optional
        The calibrated liquidity response (:func:`liqcascade.cascade.load_liquidity`'s
        ``params`` or a draw); its ``arbitrage_half_life_s`` is not used (the links are
        the arbitrage), its ``liquidation_fee`` replaces the venues' own. None: the
        static books (the upper bound in general, not always: a venue whose displayed
        book runs out halts there; :meth:`ContagionResult.static_bound` says per figure).
    round_s : float, default FINE_STEP_S (30)
        Seconds per round on the clock (with ``liquidity``).
    scope : {"venue", "market"}, default "venue"
        Where the shock lands (:data:`SCOPES`): the shocked venue alone, or every venue
        at once by the same relative move (``shock`` or ``shock_price``, read as a move
        of ``shock_venue``'s mid; a market order cannot be market-wide).

    Returns
    -------
    ContagionResult
    """
    _check(venues, links, lending, shock_venue)
    max_rounds = check_whole(max_rounds, "max_rounds")  # 2.5 raised range()'s TypeError
    clocked = liquidity is not None
    if clocked:  # each clocked venue keeps 7 float64 per round, allocated up front
        check_count("max_rounds", max_rounds, 56.0 * len(venues))
    if clocked:
        round_s = check_real(round_s, "round_s", least=0.0, strict=True)
    if scope not in SCOPES:
        raise InputError(f"scope must be venue or market (got {scope!r})", param="scope")
    by_name = {v.name: v for v in venues}
    mid = by_name[shock_venue].book.mid
    dirsign, kind, value = resolve_shock(mid, shock_price, shock, shock_sell_usd, shock_buy_usd)
    if scope == "market" and kind != 0:
        raise InputError(
            "a market-wide shock is a price move (shock or shock_price), not a market order",
            param="scope",
        )
    states = _states(venues, dirsign, liquidity, round_s, max_rounds)
    clock = {n: s for n, s in states.items() if isinstance(s, ClockVenueState)}
    order = [v.name for v in venues]

    def src_price(m: LendingMarket) -> float:
        return oracle_read(m.oracle, [states[s].price for s in m.oracle.sources])

    lstates = [LendingState(m, src_price(m)) for m in lending]
    rows: list[dict[str, Any]] = []
    lrows: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    rounds = 0
    rounds_to_spread: int | None = None
    shock_arg = (kind, dirsign * value if kind == 0 else value)
    # round 1's shock by venue: the shocked venue's, or the same relative move on each
    hit = {shock_venue: shock_arg}
    if scope == "market":
        hit = {v.name: (kind, dirsign * value * v.book.mid / mid) for v in venues}
    for k in range(1, max_rounds + 1):
        active = False
        rnd: dict[str, dict[str, float]] = {}
        p0 = {name: states[name].price for name in order}
        mark_ix = math.nan
        if clocked:  # time passes, the shock; the index is read at the round's start
            for name in order:
                clock[name].advance(k, hit.get(name) if k == 1 else None)
            mark_ix = dirsign * float(np.median([states[n].price for n in order]))
        for name in order:
            st = states[name]
            if clocked:
                r = clock[name].cascade_round(None, mark_ix)
            else:
                r = st.cascade_round(hit.get(name) if k == 1 else None)
            st.requote()
            if r["triggered"] or st.price != p0[name]:
                active = True
            rnd[name] = r | {"cascade_price": st.price}
        # ---- arbitrage
        arb: dict[str, float] = dict.fromkeys(order, 0.0)
        budgets = [ln.capacity_usd for ln in links]
        for _ in range(MAX_SWEEPS):
            traded = False
            for i, ln in enumerate(links):
                if budgets[i] <= SPENT_SHARE * ln.capacity_usd < math.inf:
                    continue  # spent: what is left is the subtraction's rounding residue
                f = cross_venues(states[ln.a], states[ln.b], ln.cost, budgets[i])
                if f is None:
                    continue
                traded = active = True
                budgets[i] -= f.buy_usd
                arb[f.buy_venue] += f.base
                arb[f.sell_venue] -= f.base
                flows.append({"round": k, "link": i, "buy_venue": f.buy_venue,
                              "sell_venue": f.sell_venue, "base": f.base,
                              "buy_usd": f.buy_usd, "sell_usd": f.sell_usd})  # fmt: skip
            if not traded:
                break
        # ---- oracles and lending
        defi_sold: dict[str, float] = dict.fromkeys(order, 0.0)
        pending = False
        # every oracle reads its venues at one instant, before any liquidator of the round
        # sells: a market listed later read the sales of those before it, so the order
        # of the markets changed their prices; every sale now reaches them next round
        read = [src_price(ls.market) for ls in lstates]
        for ls, sp in zip(lstates, read, strict=True):
            m = ls.market
            updated = ls.update_oracle(sp, k)
            tok, usd, rep, bad = ls.liquidate()
            if tok > 0:
                active = True
                if m.sell_to == "dex":
                    ls.dex_sell(tok)
                else:
                    vs = states[m.sell_to]
                    base = usd / vs.price
                    defi_sold[m.sell_to] += vs.market_sell(base)
            if updated:
                active = True
            pending = pending or ls.pending(sp)
            lrows.append({"round": k, "market": m.name, "oracle_price": ls.collateral_price,
                          "source_price": sp, "oracle_updated": updated,
                          "pushed_price": ls.oracle_source,
                          "liquidated_usd": usd, "debt_repaid_usd": rep, "bad_debt_usd": bad,
                          "dex_price": ls.dex_price})  # fmt: skip
            if clocked:
                lrows[-1]["t_s"] = (k - 1) * round_s
        for name in order:
            st = states[name]
            r = rnd[name]
            rows.append({"round": k, "venue": name, "price": st.price,
                         "cascade_price": r["cascade_price"],
                         "liquidated_usd": r["liq_usd"], "stops_usd": r["stop_usd"],
                         "cascade_filled_base": r["filled_base"], "arb_base": arb[name],
                         "defi_sold_base": defi_sold[name]})  # fmt: skip
            if clocked:  # the clock: time, index, the venue's queue and withdrawal
                rows[-1].update({"t_s": (k - 1) * round_s, "index_price": dirsign * mark_ix,
                                 "queue_base": r["queue_base"],
                                 "withdrawn": r["withdrawn"]})  # fmt: skip
                pending = pending or r["queue_base"] > 0.0
        if rounds_to_spread is None:
            outside = any(rnd[n]["liq_usd"] > 0 for n in order if n != shock_venue)
            outside = outside or any(r_["liquidated_usd"] > 0 for r_ in lrows if r_["round"] == k)
            if outside:
                rounds_to_spread = k
        if active:
            rounds = k
        elif not pending:
            break
    outcomes = {
        n: VenueOutcome(
            name=n,
            initial_price=states[n].mid,
            final_price=states[n].price,
            liquidated_usd=states[n].liq_usd,
            stops_usd=states[n].stop_usd,
            n_liquidated=states[n].n_liq,
            n_stops=states[n].n_stop,
            rounds=states[n].rounds,
            insurance_fund_end=states[n].fund,
            bad_debt_usd=states[n].bad,
            book_exhausted=states[n].exhausted,
            unfilled_base=states[n].unfilled,
            arb_net_base=states[n].arb_base,
            **(clock[n].outcome_extra() if clocked else {}),
        )
        for n in order
    }
    defi = {
        ls.market.name: {
            "liquidated_usd": ls.liquidated_usd,
            "debt_repaid_usd": ls.repaid_usd,
            "bad_debt_usd": ls.bad_debt_usd,
            "n_liquidations": ls.n_liquidations,
            "n_accounts_liquidated": len(ls.liquidated_accounts),
            "n_accounts": int(ls.market.collateral.size),
            # left out before the run (already below HF 1): the CLI JSON's inputs key too
            "n_dropped_initially_liquidatable": ls.market.n_dropped_initially_liquidatable,
            "n_reverted": ls.n_reverted,
            # the oracle's last pushed price (its source venues' mean), and the collateral's
            # (beta times the source's move), each under its own key
            "final_oracle_price": ls.oracle_source,
            "final_collateral_price": ls.collateral_price,
            "initial_collateral_price": ls.market.collateral_price,
            "n_oracle_updates": ls.n_oracle_updates,
            "price_floor_hit": ls.price_floor_hit,
            **lowest_collateral(lrows, ls.market.name, ls.market.collateral_price, ls.source0),
        }
        for ls in lstates
    }
    return ContagionResult(
        venues=outcomes,
        defi=defi,
        shock_venue=shock_venue,
        scope=scope,
        direction="down" if dirsign > 0 else "up",
        rounds=rounds,
        rounds_to_spread=rounds_to_spread,
        hit_max_rounds=rounds == max_rounds,
        _rows=rows,
        _lending_rows=lrows,
        _flows=flows,
        _accounts={ls.market.name: ls.accounts_frame() for ls in lstates},
        clock=_clock_info(liquidity, round_s, rounds) if clocked else None,
        liquidity="calibrated" if clocked else "static",  # what ran (docs/contagion.md)
    )


def lowest_collateral(
    rows: Sequence[dict[str, Any]], market: str, start_price: float, start_push: float
) -> dict[str, Any]:
    """A lending market's lowest collateral price of a run, when, and its liquidations' prices.

    The final price is where the oracle last pushed, often after the venues recovered;
    the accounts were liquidated at the prices the oracle printed on the way, which can
    be twice as far down. Read from the market's rows of
    :meth:`ContagionResult.lending_frame`, the start (round 0) included.

    Parameters
    ----------
    rows : sequence of dict
        The run's lending rows (``round``, ``market``, ``oracle_price`` the collateral's
        price USD, ``pushed_price`` the oracle's last push USD, ``liquidated_usd``, and on
        the clock ``t_s`` seconds from the shock).
    market : str
        The lending market's name.
    start_price, start_push : float
        The collateral's price and the oracle's price before the shock, USD.

    Returns
    -------
    dict
        ``lowest_collateral_price`` (USD), ``lowest_oracle_price`` (the oracle's push then,
        USD), ``lowest_round`` (0: the start), ``lowest_t_s`` (seconds from the shock on the
        clock, else None), ``liquidation_price_range`` (``[low, high]`` of the collateral
        prices at which accounts were liquidated, USD; None when none was).
    """
    mine = [r for r in rows if r["market"] == market]
    low = min(mine, key=lambda r: r["oracle_price"], default=None)
    if low is None or low["oracle_price"] >= start_price:
        out: dict[str, Any] = {"lowest_collateral_price": start_price,
                               "lowest_oracle_price": start_push, "lowest_round": 0,
                               "lowest_t_s": None}  # fmt: skip
    else:
        out = {"lowest_collateral_price": low["oracle_price"],
               "lowest_oracle_price": low["pushed_price"], "lowest_round": low["round"],
               "lowest_t_s": low.get("t_s")}  # fmt: skip
    paid = [r["oracle_price"] for r in mine if r["liquidated_usd"] > 0]
    out["liquidation_price_range"] = [min(paid), max(paid)] if paid else None
    return out


def _states(
    venues: Sequence[Venue],
    dirsign: float,
    liquidity: LiquidityParams | None,
    round_s: float,
    max_rounds: int,
) -> dict[str, VenueState]:
    """Each venue's state: the static book's, or the clock's on the latent book."""
    if liquidity is None:
        return {v.name: VenueState(v, dirsign) for v in venues}
    p = liquidity
    out: dict[str, VenueState] = {}
    for v in venues:
        lv = dataclasses.replace(v, book=latent_book(v.book, p.latent_depth, p.visible_distance))
        out[v.name] = ClockVenueState(lv, dirsign, p, round_s, max_rounds)
    return out


def _clock_info(p: LiquidityParams | None, round_s: float, rounds: int) -> dict[str, Any]:
    """What the clock ran: its step, the time of the last active round, the mechanisms."""
    assert p is not None
    return {
        "round_s": round_s,
        "elapsed_s": max(0, rounds - 1) * round_s,
        "index": "median of the venues' prices at the start of each round",
        "mechanisms": mechanisms(p),
    }


def mechanisms(p: LiquidityParams) -> dict[str, float | None]:
    """The calibrated mechanisms a clocked contagion run carries (``None``: off / unlimited)."""
    d = p.to_dict()
    return {k: d[k] for k in ("latent_depth", "visible_distance", "resilience_half_life_s",
                              "withdrawal_per_speed", "withdrawal_max", "mark_price_weight",
                              "liquidation_rate_usd_s", "partial_chunk", "partial_interval_s",
                              "liquidation_fee")}  # fmt: skip
