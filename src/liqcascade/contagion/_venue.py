"""One perpetual venue inside the multi-venue loop: the cascade engine stepped one round at a time.

Each round calls the cascade package's own kernel
(:func:`liqcascade.cascade._kernels.cascade_kernel`) with ``max_rounds = 1`` on the
*remaining* state (levels from the first untouched one, positions and stops not
yet triggered), starting from the venue's current price. Because the kernel's
round is a pure function of that state, a venue that nothing else touches goes
through exactly the rounds :func:`liqcascade.cascade.simulate_cascade` would run,
with the same floating-point operations in the same order (tested).

Between rounds the venue can also be traded by arbitrage and by DeFi liquidators:
sells walk the same remaining levels of the cascade side; buys take the opposite
side, which market makers re-quote around the current price with the shape of the
original ladder (``level / mid`` ratios) after every cascade round and whenever a
trade moves the price along the cascade side; what buys take from it is not
replaced until then. Symmetrically, when arbitrage buys lift the price, market
makers re-quote the cascade side around the new price (full original shape): the
liquidity arbitrage brings from the other venues. Neither happens to a venue that
only cascades, so the exactness above holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from liqcascade._limits import check_insurance_fund
from liqcascade.book import OrderBook
from liqcascade.cascade import (
    T_FILLED,
    T_QPOS,
    T_VWAP,
    CascadeConfig,
    PreparedMarket,
    PreparedSide,
    cascade_kernel,
    prepare_cascade,
)
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook

__all__ = ["Venue", "VenueState"]

_ONE_CHUNK = np.ones(1)


@dataclass(frozen=True, eq=False)
class Venue:
    """A centralised perpetual venue: its book, positions, stops, fund and cascade settings.

    Parameters
    ----------
    name : str
        Unique name (used by links, oracles and the shock).
    book : OrderBook
        The venue's order book (prices USD, sizes base units).
    positions : PositionBook
        Its leveraged positions with liquidation and bankruptcy prices computed
        under the venue's margin rules (see :mod:`liqcascade.margin`).
    stops : StopBook, optional
        Resting stop-market orders.
    insurance_fund : float, default 0.0
        Insurance fund at the start, USD, >= 0 and at most
        :data:`~liqcascade._limits.MAX_USD` (1e15).
    config : CascadeConfig, optional
        Cascade extensions of the static books. The multi-venue loop supports
        ``refill_fraction``, ``liquidation_fee`` and the defaults; ``withdrawal_fraction``,
        ``mark_price_weight < 1`` and ``partial_liquidation`` carry state across
        rounds that the one-round kernel call does not keep, so they are refused. On the
        calibrated response's clock (:mod:`liqcascade.contagion._clock_venue`) the
        calibration's resilience and fee take the place of ``refill_fraction`` and
        ``liquidation_fee``.
    """

    name: str
    book: OrderBook
    positions: PositionBook
    stops: StopBook | None = None
    insurance_fund: float = 0.0
    config: CascadeConfig = field(default_factory=CascadeConfig)

    def __post_init__(self) -> None:
        if not self.name:
            raise InputError("venue name must not be empty")
        if not isinstance(self.book, OrderBook):
            raise InputError(f"venue {self.name!r}: book must be an OrderBook")
        if not isinstance(self.positions, PositionBook):
            raise InputError(f"venue {self.name!r}: positions must be a PositionBook")
        # 1e300 ran, text raised numpy's TypeError
        check_insurance_fund(self.insurance_fund, f"venue {self.name!r}: insurance_fund")
        c = self.config
        if c.withdrawal_fraction != 0.0:
            raise InputError(f"venue {self.name!r}: withdrawal_fraction is not supported here")
        if c.mark_price_weight != 1.0:
            raise InputError(f"venue {self.name!r}: mark_price_weight must be 1 here")
        if c.partial_liquidation:
            raise InputError(f"venue {self.name!r}: partial_liquidation is not supported here")

    def prepare(self) -> PreparedMarket:
        """The venue sorted once for the cascade kernel."""
        return prepare_cascade(self.book, self.positions, self.stops)


class VenueState:
    """Mutable state of one venue during a multi-venue cascade (frame of the shock).

    ``dirsign`` is +1 for a down move (cascade side: bids, longs, sell stops) and
    −1 for an up move; prices in the frame are ``x = dirsign · price``.

    Parameters
    ----------
    venue : Venue
        The venue (book, positions, stops, insurance fund, cascade settings).
    dirsign : float
        +1.0 for a down move, -1.0 for an up move.
    pm : PreparedMarket, optional
        The venue's sorted book (:meth:`Venue.prepare`), reused when given.
    """

    def __init__(self, venue: Venue, dirsign: float, pm: PreparedMarket | None = None) -> None:
        self.venue = venue
        self.name = venue.name
        self.dirsign = dirsign
        pm = pm if pm is not None else venue.prepare()
        self.side: PreparedSide = pm.side(dirsign)
        self.opp: PreparedSide = pm.side(-dirsign)
        self.mid = venue.book.mid
        self.opp_rel = self.opp.lvl_abs / self.mid
        self.price_x = dirsign * self.mid
        # the cascade-side ladder (the original one until arbitrage buys re-anchor it)
        self.c_x = self.side.lvl_x
        self.c_abs = self.side.lvl_abs
        self.c_q = self.side.lvl_q
        self.c_key = self.side.lvl_key
        self.c_rel = self.side.lvl_abs / self.mid
        self._c_dirty = False
        self.ib = 0
        self.cur_rem = float(self.side.lvl_q[0]) if self.side.lvl_q.size else 0.0
        self.pos_ptr = 0
        self.stop_ptr = 0
        self.fund = float(venue.insurance_fund)
        self.fund_open = self.fund  # opening balance left (shortfalls draw on it)
        self.gains = 0.0  # surpluses and fees, credited after the cascade
        self.bad = 0.0
        self.liq_usd = 0.0
        self.stop_usd = 0.0
        self.n_liq = 0
        self.n_stop = 0
        self.rounds = 0
        self.unfilled = 0.0
        self.exhausted = False
        self.halted = False
        self.started = False
        # opposite side, re-quoted every round around the current price
        self.jb = 0
        self.cur_opp = float(self.opp.lvl_q[0]) if self.opp.lvl_q.size else 0.0
        self.opp_anchor = self.mid
        self.arb_base = 0.0  # net base bought by arbitrage (negative: sold)
        self.defi_sold_base = 0.0

    @property
    def price(self) -> float:
        """Current (last trade) price, USD."""
        return float(self.dirsign * self.price_x)

    def requote(self) -> None:
        """Market makers re-quote the opposite side around the current price."""
        self.jb = 0
        self.cur_opp = float(self.opp.lvl_q[0]) if self.opp.lvl_q.size else 0.0
        self.opp_anchor = self.price

    def requote_cascade(self) -> None:
        """Market makers re-quote the cascade side around the current price (after buys)."""
        self._c_dirty = True

    def _materialise(self) -> None:
        if not self._c_dirty:
            return
        self._c_dirty = False
        anchor = self.price
        self.c_abs = np.ascontiguousarray(anchor * self.c_rel)
        self.c_x = np.ascontiguousarray(self.dirsign * self.c_abs)
        self.c_key = np.ascontiguousarray(-self.c_x)
        self.c_q = self.side.lvl_q
        self.ib = 0
        self.cur_rem = float(self.c_q[0]) if self.c_q.size else 0.0

    def cascade_round(self, shock: tuple[int, float] | None = None) -> dict[str, float]:
        """Run one round of the cascade kernel from the current state.

        Parameters
        ----------
        shock : (kind, value), optional
            The exogenous shock, on the first round of the shocked venue only
            (kind 0 a frame price, 1 a market order in USD), as the kernel takes it.

        Returns
        -------
        dict
            ``triggered`` (0/1), ``liq_usd``, ``stop_usd``, ``filled_base``, ``vwap``,
            ``liq_base`` of the round.
        """
        out = {"triggered": 0.0, "liq_usd": 0.0, "stop_usd": 0.0, "filled_base": 0.0,
               "vwap": float("nan"), "liq_base": 0.0}  # fmt: skip
        if self.halted:
            return out
        self._materialise()
        s = self.side
        cfg = self.venue.config
        ib, pp, sp = self.ib, self.pos_ptr, self.stop_ptr
        if shock is not None:
            if self.started:
                raise InputError(f"venue {self.name!r}: the shock must come first")
            kind, value = shock
            lvl_q = self.c_q
        else:
            kind, value = 0, self.price_x
            lvl_q = self.c_q[ib:].copy()
            if lvl_q.size:
                lvl_q[0] = self.cur_rem
        self.started = True
        r = cascade_kernel(
            self.price_x if shock is None else s.mid_x,
            self.c_x[ib:],
            self.c_abs[ib:],
            lvl_q,
            self.c_key[ib:],
            s.pos_key[pp:],
            s.pos_size[pp:],
            s.pos_bkr_x[pp:],
            s.pos_large[pp:],
            s.large_rank,
            s.stop_key[sp:],
            s.stop_size[sp:],
            kind,
            float(value),
            self.dirsign,
            self.fund_open,
            cfg.refill_fraction,
            0.0,
            1.0,
            _ONE_CHUNK,
            cfg.liquidation_fee,
            1,
            True,
        )
        (_shock_x, price_x, k, liq_usd, stop_usd, n_liq, n_stop) = r[:7]
        (_fund, bad, exhausted, unfilled, ib_new, cur, _scale, trace) = r[7:15]
        gains, shortfalls = float(r[15]), float(r[16])
        self.price_x = float(price_x)
        self.ib = ib + int(ib_new)
        self.cur_rem = float(cur)
        self.pos_ptr = pp + int(n_liq)
        self.stop_ptr = sp + int(n_stop)
        # shortfalls draw on what is left of the opening fund; gains are credited
        # after the cascade (the static accounting, issue 17)
        self.fund_open = max(0.0, self.fund_open - shortfalls)
        self.gains += gains
        self.fund = self.fund_open + self.gains
        self.bad += float(bad)
        self.liq_usd += float(liq_usd)
        self.stop_usd += float(stop_usd)
        self.n_liq += int(n_liq)
        self.n_stop += int(n_stop)
        self.rounds += int(k)
        self.unfilled += float(unfilled)
        if exhausted:
            self.exhausted = True
            self.halted = True
        if k:
            out["triggered"] = 1.0
            out["liq_usd"] = float(liq_usd)
            out["stop_usd"] = float(stop_usd)
            out["filled_base"] = float(trace[0, T_FILLED])
            out["vwap"] = float(trace[0, T_VWAP])
            out["liq_base"] = float(trace[0, T_QPOS])
        return out

    # ---- trading between rounds -------------------------------------------------
    def cascade_level(self) -> tuple[float, float] | None:
        """Next level of the cascade side: (real price USD, remaining base), or None."""
        self._materialise()
        if self.ib >= self.c_abs.size:
            return None
        return float(self.c_abs[self.ib]), self.cur_rem

    def take_cascade(self, q: float, forced: bool = False) -> None:
        """Take ``q`` base (<= remaining) from the current cascade-side level.

        The price moves to that level and market makers re-quote the opposite side
        around it. ``forced`` (a liquidator's sale, not arbitrage) makes no difference
        to a static book; the clock's venue (:mod:`liqcascade.contagion._clock_venue`)
        counts it as displacement that resilience refills.

        Parameters
        ----------
        q : float
            Base-asset units taken, at most the level's remaining size.
        forced : bool, default False
            A forced sale (a liquidator's), not arbitrage.
        """
        self._materialise()
        price = float(self.c_abs[self.ib])
        self.cur_rem -= q
        self.price_x = self.dirsign * price
        if self.cur_rem <= 0.0:
            self.ib += 1
            self.cur_rem = float(self.c_q[self.ib]) if self.ib < self.c_q.size else 0.0
        self.requote()

    def opp_level(self) -> tuple[float, float] | None:
        """Next level of the re-quoted opposite side: (real price USD, remaining base)."""
        if self.jb >= self.opp.lvl_abs.size:
            return None
        return float(self.opp_anchor * self.opp_rel[self.jb]), self.cur_opp

    def take_opp(self, q: float) -> None:
        """Take ``q`` base (<= remaining) from the current opposite-side level.

        The price moves to that level and market makers re-quote the cascade side
        around it (the original ladder's shape, full sizes).

        Parameters
        ----------
        q : float
            Base-asset units taken, at most the level's remaining size.
        """
        price = float(self.opp_anchor * self.opp_rel[self.jb])
        self.cur_opp -= q
        self.price_x = self.dirsign * price
        if self.cur_opp <= 0.0:
            self.jb += 1
            self.cur_opp = float(self.opp.lvl_q[self.jb]) if self.jb < self.opp.lvl_q.size else 0.0
        self.requote_cascade()

    def market_sell(self, base: float) -> float:
        """An exogenous market sell of ``base`` units (e.g. a DeFi liquidator); returns filled base.

        In a down frame the sell walks the cascade side (the bids the cascade walks);
        in an up frame it takes the re-quoted bids (the opposite side).

        Parameters
        ----------
        base : float
            Base-asset units to sell.

        Returns
        -------
        float
            Base-asset units filled (less than ``base`` when the bids ran out).
        """
        need = base
        while need > 0:
            lvl = self.cascade_level() if self.dirsign > 0 else self.opp_level()
            if lvl is None:
                break
            q = min(need, lvl[1])
            if self.dirsign > 0:
                self.take_cascade(q, forced=True)
            else:
                self.take_opp(q)
            need -= q
        filled = base - need
        self.defi_sold_base += filled
        return filled
