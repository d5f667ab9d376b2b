"""The multi-venue loop in plain Python, written from docs/contagion.md (no liqcascade imports).

An independent reading of the "Method" section: venues whose books are dicts
``{price: base}`` (best level first, a level leaves the dict when it is used up), the
single-venue cascade of docs/design.md stepped one round at a time (orders in trigger order,
each at the VWAP of its slice, what the book cannot absorb closes at the exhaustion
price and ends the venue's cascade; shortfalls on the opening fund, gains after),
arbitrage across links level by level within a cost and a USD capacity per round, push
oracles with deviation and heartbeat, and Aave v3.3 liquidation calls whose seized
collateral is sold on a venue or into a constant-product pool.

Supported: price or market-order shocks, any number of venues and links, lending
markets with ``beta``, ``deviation``, ``heartbeat``, ``sell_to`` and the debt's three
legs (USD, the collateral's asset, the oracle source's); no cascade
extensions (refill, fees, partial liquidation) and no protocol fee.

A link's capacity "lasts" while more than a billionth of it is left: the rounding
residue of a spent budget trades nothing.

Where the doc states the down move only, the up move is its mirror in the shock's
frame: the venue behind the cascade (the rich one in a fall, the cheap one in a rise)
is traded on the side the cascade walks, the other on its re-quoted opposite side; a
trade on the opposite side moves the price back against the cascade and has the cascade
side re-quoted around the new price.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

#: Sweeps over the links per round.
MAX_SWEEPS = 50
#: A link's capacity for the round has run out when less than this share of it is left
#: (what a spent budget leaves is rounding: ``q = budget / price``, then ``q · price``).
SPENT = 1e-9


class RefVenue:
    """One venue: books as dicts, positions and stops as lists, the fund."""

    def __init__(
        self,
        name: str,
        mid: float,
        bids: list[tuple[float, float]],
        asks: list[tuple[float, float]],
        positions: list[tuple[int, float, float, float]],
        stops: list[tuple[int, float, float]],
        fund: float,
        down: bool,
    ) -> None:
        self.name = name
        self.mid = mid
        self.down = down
        self.price = mid
        cas, opp = (bids, asks) if down else (asks, bids)
        # the ladders' shapes (level / mid) that market makers re-quote around a price
        self.cas_shape = [(p / mid, q) for p, q in cas]
        self.opp_shape = [(p / mid, q) for p, q in opp]
        self.cas: dict[float, float] = dict(cas)
        self.opp: dict[float, float] = {}
        self.requote_opp()
        moving = 1 if down else -1  # longs and sell stops fall with a down move
        # open orders on the side the cascade triggers: [trigger, size, bankruptcy, is_pos]
        self.orders = [[liq, size, bkr, True] for side, size, liq, bkr in positions
                       if side == moving]  # fmt: skip
        self.orders += [[trig, size, 0.0, False] for side, trig, size in stops if side == -moving]
        self.fund_open = fund
        self.gains = 0.0
        self.bad = 0.0
        self.liq_usd = 0.0
        self.stop_usd = 0.0
        self.n_liq = 0
        self.n_stop = 0
        self.rounds = 0
        self.halted = False
        self.arb_base = 0.0

    # ---- geometry of the frame
    def beyond(self, p: float, q: float) -> bool:
        """Price ``p`` is at or beyond ``q`` in the cascade's direction."""
        return p <= q if self.down else p >= q

    @property
    def fund(self) -> float:
        return self.fund_open + self.gains

    def requote_opp(self) -> None:
        self.opp = {self.price * r: q for r, q in self.opp_shape}

    def requote_cas(self) -> None:
        self.cas = {self.price * r: q for r, q in self.cas_shape}

    # ---- the books, best level first
    @staticmethod
    def best(book: dict[float, float]) -> tuple[float, float] | None:
        for p, q in book.items():
            return p, q
        return None

    def take_cas(self, q: float) -> None:
        """Trade ``q`` base on the cascade side: price moves there, the other side is re-quoted."""
        p, rem = next(iter(self.cas.items()))
        self.price = p
        if rem - q <= 0.0:
            del self.cas[p]
        else:
            self.cas[p] = rem - q
        self.requote_opp()

    def take_opp(self, q: float) -> None:
        """Trade ``q`` base on the opposite side: price moves back, the cascade side re-quoted."""
        p, rem = next(iter(self.opp.items()))
        self.price = p
        if rem - q <= 0.0:
            del self.opp[p]
        else:
            self.opp[p] = rem - q
        self.requote_cas()

    # ---- one round of the single-venue cascade
    def cascade_round(self, shock: tuple[str, float] | None) -> dict[str, float]:
        out = {"triggered": 0.0, "liq_usd": 0.0}
        if self.halted:
            return out
        if shock is not None and shock[0] == "usd":
            u = shock[1]
            for p in list(self.cas):
                if u <= 0.0:
                    break
                rem = self.cas[p]
                self.price = p
                if rem * p >= u:
                    if rem - u / p <= 0.0:
                        del self.cas[p]
                    else:
                        self.cas[p] = rem - u / p
                    u = 0.0
                else:
                    u -= rem * p
                    del self.cas[p]
            if u > 0.0:  # the order ran the book out: this is the venue's last round
                self.halted = True
        else:
            if shock is not None:
                self.price = shock[1]
            # the round starts at the current price: levels before it are gone
            for p in [p for p in self.cas if p != self.price and self.beyond(self.price, p)]:
                del self.cas[p]
        start = self.price
        fired = [o for o in self.orders if self.beyond(start, o[0])]
        if not fired:
            return out
        for o in fired:
            self.orders.remove(o)
        # highest trigger first in a fall (lowest in a rise); positions first on ties
        fired.sort(key=lambda o: (-o[0] if self.down else o[0], not o[3]))
        closes: list[tuple[list[Any], float]] = []
        last = None
        p_x = start
        ran_out = False
        for o in fired:
            need, usd = o[1], 0.0
            while need > 0.0 and self.cas:
                p, rem = next(iter(self.cas.items()))
                last = p
                take = min(rem, need)
                usd += take * p
                need -= take
                if rem - take <= 0.0:
                    del self.cas[p]
                else:
                    self.cas[p] = rem - take
            if need > 0.0 and not ran_out:
                ran_out = True
                p_x = last if last is not None else start
            closes.append((o, usd + need * p_x if need > 0.0 else usd))
        if last is not None:
            self.price = last
        if ran_out:
            # settlement: what the new price has reached closes there; the cascade ends
            for o in [o for o in self.orders if self.beyond(self.price, o[0])]:
                self.orders.remove(o)
                closes.append((o, o[1] * self.price))
            self.halted = True
        shortfall = 0.0
        round_liq = 0.0
        for o, val in closes:
            if not o[3]:
                self.stop_usd += val
                self.n_stop += 1
                continue
            round_liq += val
            self.n_liq += 1
            owed = o[2] * o[1]
            pnl = val - owed if self.down else owed - val
            if pnl >= 0.0:
                self.gains += pnl
            else:
                shortfall -= pnl
        self.liq_usd += round_liq
        self.bad += max(0.0, shortfall - self.fund_open)
        self.fund_open = max(0.0, self.fund_open - shortfall)
        self.rounds += 1
        out["triggered"] = 1.0
        out["liq_usd"] = round_liq
        return out

    def market_sell(self, base: float) -> None:
        """A liquidator's market sell: the bids (the cascade side in a fall)."""
        need = base
        while need > 0.0:
            book = self.cas if self.down else self.opp
            lvl = self.best(book)
            if lvl is None:
                break
            q = min(need, lvl[1])
            if self.down:
                self.take_cas(q)
            else:
                self.take_opp(q)
            need -= q


def cross(x: RefVenue, y: RefVenue, cost: float, budget: float) -> dict[str, Any] | None:
    """Arbitrage across one link while the sell price beats the buy price by the cost."""
    if budget <= 0:
        return None
    fx = (x.price if x.down else -x.price, y.price if y.down else -y.price)
    behind, ahead = (x, y) if fx[0] >= fx[1] else (y, x)
    down = x.down
    base = buy_usd = sell_usd = 0.0
    while budget > 0:
        a = RefVenue.best(behind.cas)
        b = RefVenue.best(ahead.opp)
        if a is None or b is None:
            break
        sell_px, buy_px = (a[0], b[0]) if down else (b[0], a[0])
        if not sell_px > buy_px * (1.0 + cost):
            break
        q = min(a[1], b[1])
        if q * buy_px > budget:
            q = budget / buy_px
        behind.take_cas(q)
        ahead.take_opp(q)
        base += q
        buy_usd += q * buy_px
        sell_usd += q * sell_px
        budget -= q * buy_px
        if q < min(a[1], b[1]):
            break
    if base <= 0:
        return None
    buyer, seller = (ahead, behind) if down else (behind, ahead)
    buyer.arb_base += base
    seller.arb_base -= base
    return {"buy_venue": buyer.name, "sell_venue": seller.name, "base": base,
            "buy_usd": buy_usd, "sell_usd": sell_usd}  # fmt: skip


def aave_call(
    coll: float, debt: float, price: float, lt: float, bonus: float
) -> tuple[str, float, float, float]:
    """One Aave v3.3 ``liquidationCall`` (docs/contagion.md, step 3).

    Returns ``(outcome, collateral seized, debt repaid, bad debt)``; ``outcome`` is
    ``"none"`` (HF >= 1), ``"revert"`` (dust) or ``"ok"``.
    """
    hf = coll * price * lt / debt
    if not hf < 1.0:
        return "none", 0.0, 0.0, 0.0
    full = hf <= 0.95 or coll * price < 2000.0 or debt < 2000.0
    repay = debt if full else 0.5 * debt
    seize = repay * bonus / price
    if seize > coll:  # all the collateral goes, the rest of the debt is bad debt
        return "ok", coll, coll * price / bonus, debt - coll * price / bonus
    if repay < debt and (debt - repay < 1000.0 or (coll - seize) * price < 1000.0):
        return "revert", 0.0, 0.0, 0.0
    return "ok", seize, repay, 0.0


class RefLending:
    """A lending market, its oracle and its DEX pool."""

    def __init__(self, spec: dict[str, Any], source0: float) -> None:
        self.spec = spec
        self.coll = list(spec["collateral"])
        self.debt = list(spec["debt_usd"])
        # the debt's other legs (docs/contagion.md, step 3): owed in the collateral's own
        # asset (tokens, at the collateral's price) and moving with the oracle's source
        # (USD at the start, times the source's move)
        self.dcoll = list(spec.get("debt_collateral", [0.0] * len(self.coll)))
        self.dsrc = list(spec.get("debt_source_usd", [0.0] * len(self.coll)))
        self.source0 = source0
        self.oracle = source0
        self.last = 0
        self.dex_x = spec["dex_depth_usd"] / spec["collateral_price"]
        self.dex_y = spec["dex_depth_usd"]
        self.liquidated_usd = self.repaid = self.bad = 0.0
        self.n_liq = self.n_reverted = 0

    @property
    def price(self) -> float:
        s = self.spec
        return max(s["collateral_price"] * (1 + s["beta"] * (self.oracle / self.source0 - 1)),
                   1e-12)  # fmt: skip

    def update(self, src: float, k: int) -> bool:
        dev, hb = self.spec["deviation"], self.spec["heartbeat"]
        moved = abs(src / self.oracle - 1.0) > dev
        due = hb > 0 and k - self.last >= hb
        if due:
            self.last = k
        if (moved or due) and src != self.oracle:
            self.oracle = src
            self.last = k
            return True
        return False

    def liquidate(self) -> tuple[float, float]:
        """Every account below HF 1 gets one call; returns (tokens, USD) seized."""
        p = self.price
        moved = max(self.oracle / self.source0, 0.0)
        tok = usd = 0.0
        for i in range(len(self.coll)):
            debt = self.debt[i] + self.dcoll[i] * p + self.dsrc[i] * moved
            if not (debt > 0 and self.coll[i] > 0):
                continue
            what, seize, repay, bad = aave_call(
                self.coll[i], debt, p, self.spec["liq_threshold"], self.spec["liq_bonus"]
            )
            if what == "revert":
                self.n_reverted += 1
            if what != "ok":
                continue
            self.coll[i] = max(self.coll[i] - seize, 0.0)
            left = 0.0 if bad > 0 else max(debt - repay, 0.0) / debt  # each leg's share kept
            self.debt[i] *= left
            self.dcoll[i] *= left
            self.dsrc[i] *= left
            self.n_liq += 1
            tok += seize
            usd += seize * p
            self.liquidated_usd += seize * p
            self.repaid += repay
            self.bad += bad
        return tok, usd

    def dex_sell(self, tokens: float) -> None:
        k = self.dex_x * self.dex_y
        self.dex_x += tokens
        self.dex_y = k / self.dex_x


def contagion_py(
    venues: list[dict[str, Any]],
    links: list[tuple[str, str, float, float]],
    lending: list[dict[str, Any]],
    shock_venue: str,
    shock: tuple[str, float],
    max_rounds: int = 500,
    scope: str = "venue",
) -> dict[str, Any]:
    """Run the loop of docs/contagion.md.

    Parameters
    ----------
    venues : list of dict
        ``name, mid, bids, asks`` (lists of ``(price, base)`` best first), ``positions``
        (``(side, size, liq, bankruptcy)``), ``stops`` (``(side, trigger, size)``, side
        −1 a sell stop), ``fund`` (USD).
    links : list of ``(a, b, cost, capacity_usd)``
    lending : list of dict
        ``collateral, debt_usd, liq_threshold, liq_bonus, collateral_price, beta,
        sources, deviation, heartbeat, sell_to, dex_depth_usd`` and optionally
        ``debt_collateral`` (tokens), ``debt_source_usd`` (USD at the start) and
        ``aggregate`` (``"mean"``, the default, or ``"median"`` of the sources' prices).
    shock : ``("price", P1)`` or ``("usd", amount)`` with ``down`` given by its sign:
        ``("usd", +x)`` a sell, ``("usd", -x)`` a buy of ``x`` USD.
    scope : ``"venue"`` (the shock hits ``shock_venue``) or ``"market"`` (a price shock:
        every venue to ``P1 · its mid / shock_venue's mid`` in round 1).
    """
    down, shock_arg = _shock_frame(venues, shock_venue, shock)
    hits = _hits(venues, shock_venue, shock_arg, scope)
    vs = {v["name"]: RefVenue(v["name"], v["mid"], v["bids"], v["asks"], v["positions"],
                              v["stops"], v["fund"], down) for v in venues}  # fmt: skip

    def venue_round(k: int) -> tuple[bool, bool]:
        active = outside = False
        for name, v in vs.items():
            p0 = v.price
            r = v.cascade_round(hits.get(name) if k == 1 else None)
            v.requote_opp()  # market makers re-quote after every cascade round
            active = active or bool(r["triggered"]) or v.price != p0
            outside = outside or (name != shock_venue and r["liq_usd"] > 0)
        return active, outside

    return _rounds(vs, links, lending, max_rounds, venue_round, lambda: False)


def _shock_frame(
    venues: list[dict[str, Any]], shock_venue: str, shock: tuple[str, float]
) -> tuple[bool, tuple[str, float]]:
    """``(down, shock)``: the cascade's direction and the shock as a venue round takes it."""
    mid = next(v["mid"] for v in venues if v["name"] == shock_venue)
    if shock[0] == "price":
        return shock[1] <= mid, shock
    return shock[1] > 0, ("usd", abs(shock[1]))


def _hits(
    venues: list[dict[str, Any]], shock_venue: str, shock_arg: tuple[str, float], scope: str
) -> dict[str, tuple[str, float]]:
    """Round 1's shock by venue: the shocked venue's, or the same relative move on each."""
    if scope == "venue":
        return {shock_venue: shock_arg}
    assert shock_arg[0] == "price", "a market-wide shock is a price move"
    mid = next(v["mid"] for v in venues if v["name"] == shock_venue)
    return {v["name"]: ("price", shock_arg[1] * v["mid"] / mid) for v in venues}


def _rounds(
    vs: dict[str, Any],
    links: list[tuple[str, str, float, float]],
    lending: list[dict[str, Any]],
    max_rounds: int,
    venue_round: Any,
    queued: Any,
) -> dict[str, Any]:
    """The rounds of the loop: ``venue_round(k)`` (every venue's step: ``(active,
    outside)``), then arbitrage over the links, then the lending markets; ``queued()``
    says whether a venue still holds forced orders (the loop then goes on)."""

    def src(m: dict[str, Any]) -> float:
        prices = [vs[s].price for s in m["sources"]]
        if m.get("aggregate", "mean") == "median":  # the middle one, or the middle two's mean
            mid = sorted(prices)
            h = len(mid) // 2
            return mid[h] if len(mid) % 2 else (mid[h - 1] + mid[h]) / 2
        return sum(prices) / len(prices)

    ls = [RefLending(m, src(m)) for m in lending]
    flows: list[dict[str, Any]] = []
    rounds = 0
    spread: int | None = None
    # each venue's extreme price: the start, after every round's cascade step, every end
    extreme = {n: v.price for n, v in vs.items()}

    def read_extremes() -> None:
        for n, v in vs.items():
            if (v.price < extreme[n]) if v.down else (v.price > extreme[n]):
                extreme[n] = v.price

    for k in range(1, max_rounds + 1):
        active, outside = venue_round(k)
        read_extremes()
        budgets = [ln[3] for ln in links]
        for _ in range(MAX_SWEEPS):
            traded = False
            for i, (a, b, cost, _cap) in enumerate(links):
                f = cross(vs[a], vs[b], cost, budgets[i])
                if f is None:
                    continue
                traded = active = True
                budgets[i] -= f["buy_usd"]
                if budgets[i] <= SPENT * links[i][3] < math.inf:
                    budgets[i] = 0.0
                flows.append({"round": k, "link": i, **f})
            if not traded:
                break
        pending = queued()
        read = [src(m.spec) for m in ls]  # every oracle at one instant, before any sale
        for m, sp in zip(ls, read, strict=True):
            updated = m.update(sp, k)
            tok, usd = m.liquidate()
            if tok > 0:
                active = True
                if m.spec["sell_to"] == "dex":
                    m.dex_sell(tok)
                else:
                    v = vs[m.spec["sell_to"]]
                    v.market_sell(usd / v.price)
            if usd > 0:
                outside = True
            active = active or updated
            pending = pending or (m.spec["heartbeat"] > 0 and sp != m.oracle)
        read_extremes()
        if spread is None and outside:
            spread = k
        if active:
            rounds = k
        elif not pending:
            break
    return {
        "venues": {n: _venue_out(v) | {"extreme_price": extreme[n]} for n, v in vs.items()},
        "defi": [
            {
                "liquidated_usd": m.liquidated_usd,
                "debt_repaid_usd": m.repaid,
                "bad_debt_usd": m.bad,
                "n_liquidations": m.n_liq,
                "n_reverted": m.n_reverted,
            }
            for m in ls
        ],
        "flows": flows,
        "rounds": rounds,
        "rounds_to_spread": spread,
    }


def _venue_out(v: Any) -> dict[str, Any]:
    """A venue's figures at the end (a clocked venue adds the base left in its queue)."""
    out = {
        "final_price": v.price,
        "liquidated_usd": v.liq_usd,
        "stops_usd": v.stop_usd,
        "n_liquidated": v.n_liq,
        "n_stops": v.n_stop,
        "rounds": v.rounds,
        "insurance_fund_end": v.fund,
        "bad_debt_usd": v.bad,
        "arb_net_base": v.arb_base,
    }
    if isinstance(v, RefClockVenue):
        out["queue_left_base"] = v.queue
    return out


# --------------------------------------------------------------------------- on the clock


class RefClockVenue:
    """One venue on the calibrated response's clock (docs/contagion.md, "Liquidity").

    Plain lists: the cascade side's levels with their effective sizes (the displayed
    size times the latent-depth weight), the venue's resting point (a price and the
    effective base consumed up to it), the displacement ``e`` by forced orders, one
    queue entry per triggered position. Written from the documentation of the clock
    (docs/liquidity.md) and of the contagion loop, not from the kernels. The book's
    state is kept as two consumptions (the resting point's and the current one, whose
    difference is the displacement), so a level taken whole ends exactly at its end.
    """

    def __init__(
        self,
        name: str,
        mid: float,
        bids: list[tuple[float, float]],
        asks: list[tuple[float, float]],
        positions: list[tuple[int, float, float, float]],
        stops: list[tuple[int, float, float]],
        fund: float,
        down: bool,
        params: dict[str, float],
    ) -> None:
        self.name = name
        self.mid = mid
        self.down = down
        self.prm = params
        lam, vis = params["latent_depth"], params["visible_distance"]

        def latent(side: list[tuple[float, float]]) -> list[tuple[float, float]]:
            out = []
            for p, q in side:
                d = abs(p - mid) / mid
                out.append((p, q * (1.0 + lam * (d / vis - 1.0)) if lam > 0 and d > vis else q))
            return out

        cas, opp = (latent(bids), latent(asks)) if down else (latent(asks), latent(bids))
        self.cas_shape = [(p / mid, q) for p, q in cas]
        self.opp_shape = [(p / mid, q) for p, q in opp]
        self.levels = [p for p, _ in cas]
        self.eff = [q for _, q in cas]
        self.total = 0.0
        for q in self.eff:
            self.total += q
        self.eps = 1e-12 * (self.total if self.total > 0 else 1.0)
        self.price = mid
        self.opp: dict[float, float] = {}
        self.requote_opp()
        self.rest_price = mid  # where the venue rests without its displacement
        self.rest_c = 0.0  # effective base consumed up to it
        self.cons = 0.0  # effective base consumed with the displacement by forced orders
        self.prev = mid
        self.later = False
        moving = 1 if down else -1
        self.pos = [{"liq": liq, "size": size, "bkr": bkr, "hit": False, "queue": 0.0}
                    for side, size, liq, bkr in positions if side == moving]  # fmt: skip
        self.stops = [{"trig": trig, "size": size, "done": False}
                      for side, trig, size in stops if side == -moving]  # fmt: skip
        self.opening = fund
        self.gains = 0.0
        self.bad = 0.0
        self.liq_usd = 0.0
        self.stop_usd = 0.0
        self.n_liq = 0
        self.n_stop = 0
        self.rounds = 0
        self.halted = False
        self.exhausted = False
        self.arb_base = 0.0

    # ---- geometry
    def beyond(self, p: float, q: float) -> bool:
        return p <= q if self.down else p >= q

    def further(self, p: float, q: float) -> bool:
        return p < q if self.down else p > q

    @property
    def fund(self) -> float:
        return self.opening + self.gains

    @property
    def queue(self) -> float:
        return sum(o["queue"] for o in self.pos)

    def cum(self, j: int) -> float:
        """Effective base of the first ``j`` levels."""
        acc = 0.0
        for k in range(j):
            acc += self.eff[k]
        return acc

    def level_at(self, c: float) -> int:
        """The level holding consumption ``c`` (the last level touched)."""
        acc = 0.0
        for j in range(len(self.eff)):
            acc += self.eff[j]
            if c <= acc:
                return j
        return len(self.eff) - 1

    def notional_to(self, c: float) -> float:
        acc = usd = 0.0
        for j in range(len(self.eff)):
            if c <= acc + self.eff[j]:
                return usd + (c - acc) * self.levels[j]
            acc += self.eff[j]
            usd += self.eff[j] * self.levels[j]
        return usd

    def consumed(self) -> float:
        return min(self.cons, self.total)

    def price_now(self) -> float:
        if self.cons - self.rest_c > self.eps and self.levels:
            return self.levels[self.level_at(self.consumed())]
        return self.rest_price

    # ---- the books between rounds
    def requote_opp(self) -> None:
        self.opp = {self.price * r: q for r, q in self.opp_shape}

    def requote_cas(self) -> None:
        """Re-quoted around the price: nothing consumed, nothing displaced."""
        self.levels = [self.price * r for r, _ in self.cas_shape]
        self.rest_price = self.price
        self.rest_c = 0.0
        self.cons = 0.0

    def next_level(self) -> tuple[int, float] | None:
        c = self.consumed()
        acc = 0.0
        for j in range(len(self.eff)):
            acc += self.eff[j]
            if acc > c:
                return j, acc - c
        return None

    @property
    def cas(self) -> dict[float, float]:
        """The cascade side's next level and what is left on it (what arbitrage reads)."""
        nxt = self.next_level()
        return {} if nxt is None else {self.levels[nxt[0]]: nxt[1]}

    def take_cas(self, q: float, forced: bool = False) -> None:
        nxt = self.next_level()
        assert nxt is not None
        j, rem = nxt
        end = self.cum(j + 1) if q >= rem else self.consumed() + q
        self.cons = end
        if not forced:  # arbitrage: the resting point moves where it traded
            self.rest_c = end
            self.rest_price = self.levels[j]
        self.price = self.levels[j]
        self.requote_opp()

    # the opposite side is a plain dict book, as the static venue's: its trade is the same
    take_opp = RefVenue.take_opp

    def market_sell(self, base: float) -> None:
        need = base
        while need > 0.0:
            if self.down:
                nxt = self.next_level()
                if nxt is None:
                    break
                q = min(need, nxt[1])
                self.take_cas(q, forced=True)
            else:
                lvl = RefVenue.best(self.opp)
                if lvl is None:
                    break
                q = min(need, lvl[1])
                self.take_opp(q)
            need -= q

    # ---- the round
    def advance(self, k: int, shock: tuple[str, float] | None, round_s: float) -> None:
        if self.halted:
            return
        if k > 1:
            self.later = True
            h = self.prm["resilience_half_life_s"]
            e = self.cons - self.rest_c
            if math.isfinite(h) and e > 0.0:
                self.cons = self.rest_c + e * 2.0 ** (-round_s / h)
        if shock is not None:
            if shock[0] == "price":
                self.rest_price = shock[1]
                self.rest_c = 0.0
                for j in range(len(self.levels)):
                    if self.further(self.rest_price, self.levels[j]):
                        self.rest_c += self.eff[j]
            else:  # a market order walks the levels; the venue rests at the last one
                u = shock[1]
                c = 0.0
                for j in range(len(self.levels)):
                    if u <= 0.0:
                        break
                    self.rest_price = self.levels[j]
                    if self.eff[j] * self.levels[j] >= u:
                        c += u / self.levels[j]
                        u = 0.0
                    else:
                        u -= self.eff[j] * self.levels[j]
                        c += self.eff[j]
                self.rest_c = c
                self.exhausted = u > 0.0
            self.cons = self.rest_c
        self.price = self.price_now()

    def clock_round(self, index: float, round_s: float) -> dict[str, float]:
        out = {"triggered": 0.0, "liq_usd": 0.0}
        if self.halted:
            return out
        prm = self.prm
        dt = round_s if self.later else 0.0
        c = self.consumed()
        price = self.price_now()
        omega = 0.0
        if prm["withdrawal_per_speed"] > 0.0 and self.later:
            speed = abs(price - self.prev) / self.mid / (dt / 60.0)
            omega = min(prm["withdrawal_max"], prm["withdrawal_per_speed"] * speed)
        self.prev = price
        w = prm["mark_price_weight"]
        mark = w * price + (1.0 - w) * index
        for o in self.pos:
            if not o["hit"] and o["size"] > 0 and self.beyond(mark, o["liq"]):
                o["hit"] = True
                o["queue"] = o["size"]
                self.n_liq += 1
        fired = []
        for s in self.stops:
            if not s["done"] and self.beyond(price, s["trig"]):
                s["done"] = True
                self.n_stop += 1
                fired.append(s)
        waiting = self.queue
        frac = 1.0
        rate = prm["liquidation_rate_usd_s"]
        if math.isfinite(rate) and waiting > 0.0:
            cap = rate * dt / abs(price)
            if cap < waiting:
                frac = cap / waiting
        released = []
        for o in self.pos:
            if o["queue"] > 0.0:
                r = o["queue"] * frac
                o["queue"] -= r
                if r > 0.0:
                    released.append((o, r))
        q = sum(r for _, r in released) + sum(s["size"] for s in fired)
        if q <= 0.0:
            self.price = price
            self.halted = self.exhausted  # a market-order shock ran the book out
            return out
        out["triggered"] = 1.0
        self.rounds += 1
        need = q / (1.0 - omega)
        room = self.total - c
        take = max(0.0, min(need, room))
        c_new = c + take
        n0 = self.notional_to(c)
        n_new = self.notional_to(c_new)
        filled = take * (1.0 - omega)
        ran_out = need > room
        if take > 0.0:
            price = self.levels[self.level_at(c_new)]
        self.cons = c_new
        keep = 1.0 - omega
        sgn = -1.0 if self.down else 1.0  # trigger order: furthest from the move first
        orders = [(sgn * o["liq"], 0, i, r) for i, (o, r) in enumerate(released)]
        orders += [(sgn * s["trig"], 1, i, s["size"]) for i, s in enumerate(fired)]
        orders.sort()
        u = v_prev = 0.0
        fee = prm["liquidation_fee"]
        round_liq = 0.0
        for _, kind, i, base in orders:
            u += base
            if u < filled:
                v = keep * (self.notional_to(c + u / keep) - n0)
            else:
                v = keep * (n_new - n0) + price * (u - filled)
            val = v - v_prev
            v_prev = v
            if kind == 1:
                self.stop_usd += val
                continue
            round_liq += val
            self.book(val, base, released[i][0]["bkr"], fee)
        if ran_out:
            self.exhausted = True
            for o in self.pos:
                left = o["queue"]
                if not o["hit"] and o["size"] > 0 and self.beyond(price, o["liq"]):
                    o["hit"] = True
                    self.n_liq += 1
                    left = o["size"]
                if left > 0.0:
                    o["queue"] = 0.0
                    round_liq += price * left
                    self.book(price * left, left, o["bkr"], fee)
            for s in self.stops:
                if not s["done"] and self.beyond(price, s["trig"]):
                    s["done"] = True
                    self.n_stop += 1
                    self.stop_usd += price * s["size"]
        self.liq_usd += round_liq
        out["liq_usd"] = round_liq
        self.price = price
        if ran_out or self.exhausted:
            self.halted = True
        return out

    def book(self, val: float, base: float, bkr: float, fee: float) -> None:
        """A piece closed for ``val`` USD: its surplus after the run, its shortfall now."""
        pnl = (val - base * bkr) if self.down else (base * bkr - val)
        pnl += fee * val
        if pnl >= 0.0:
            self.gains += pnl
        else:
            self.bad += max(0.0, -pnl - self.opening)
            self.opening = max(0.0, self.opening + pnl)


def contagion_clock_py(
    venues: list[dict[str, Any]],
    links: list[tuple[str, str, float, float]],
    lending: list[dict[str, Any]],
    shock_venue: str,
    shock: tuple[str, float],
    params: dict[str, float],
    round_s: float = 30.0,
    max_rounds: int = 500,
    scope: str = "venue",
) -> dict[str, Any]:
    """The loop of docs/contagion.md on the calibrated response's clock.

    As :func:`contagion_py`, with ``params`` the response's mechanisms
    (``latent_depth``, ``visible_distance``, ``resilience_half_life_s``,
    ``withdrawal_per_speed``, ``withdrawal_max``, ``mark_price_weight``,
    ``liquidation_rate_usd_s``, ``liquidation_fee``): round ``k`` is at ``(k − 1) ·
    round_s`` s; before it time passes on every venue and the shock moves the shocked
    venue's resting point; the index is the median of the venues' prices; each venue
    runs one step of the clock. ``scope`` as in :func:`contagion_py`.
    """
    down, shock_arg = _shock_frame(venues, shock_venue, shock)
    hits = _hits(venues, shock_venue, shock_arg, scope)
    vs = {v["name"]: RefClockVenue(v["name"], v["mid"], v["bids"], v["asks"], v["positions"],
                                   v["stops"], v["fund"], down, params)
          for v in venues}  # fmt: skip

    def venue_round(k: int) -> tuple[bool, bool]:
        active = outside = False
        p0 = {n: v.price for n, v in vs.items()}
        for name, v in vs.items():
            v.advance(k, hits.get(name) if k == 1 else None, round_s)
        index = statistics.median(v.price for v in vs.values())
        for name, v in vs.items():
            r = v.clock_round(index, round_s)
            v.requote_opp()
            active = active or bool(r["triggered"]) or v.price != p0[name]
            outside = outside or (name != shock_venue and r["liq_usd"] > 0)
        return active, outside

    return _rounds(
        vs, links, lending, max_rounds, venue_round, lambda: any(v.queue > 0.0 for v in vs.values())
    )
