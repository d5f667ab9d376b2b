"""One venue on the calibrated response's clock inside the multi-venue loop.

With ``liquidity="calibrated"`` each venue of :func:`~liqcascade.contagion.simulate_contagion`
runs the single-venue cascade's clock (:func:`liqcascade.cascade._clock_kernels.clock_span`,
the same steps :func:`~liqcascade.cascade._clock.simulate_clock` runs), one step per
round, with its state carried from round to round. Round ``k`` is at ``(k − 1) ·
round_s`` seconds (``round_s``: the clock's fine step,
:data:`~liqcascade.cascade._clock.FINE_STEP_S`, 30 s); the first round is the shock's
instant (no time passes, the venue's finite rate releases nothing yet).

The book's state is the clock's: consumption of the cascade side's effective depth
(:func:`latent_book`: the displayed levels times the latent-depth weights) as the
venue's resting point (``ix`` and the permanent consumption ``f`` beyond it) plus the
displacement ``e`` by forced orders. What acts on it:

* the shock moves the shocked venue's resting point (as it moves the index of the
  single-venue clock);
* resilience: before each round ``e`` decays with the calibrated half-life
  (:func:`~liqcascade.cascade._clock_kernels.time_passes`); the calibration's own
  arbitrage (``arbitrage_half_life_s``) is off, the links being the arbitrage;
* the step (:func:`~liqcascade.cascade._clock_kernels.clock_span`): withdrawal by the
  price's speed over the last round, liquidations triggered on the mark ``w · price +
  (1 − w) · index`` (the index: the median of all venues' prices at the round's start,
  passed in by the loop), the venue's queue released at ``liquidation_rate_usd_s``,
  large positions in chunks, the fee to the insurance fund, fills and closes in trigger
  order, settlement when the book runs out (the venue then runs no further step);
* between rounds, arbitrage sales on the cascade side move the resting point to where
  they traded (the displacement they meet becomes permanent: the other venues' price
  is the market's); DeFi liquidators' sales add to the displacement (forced flow, which
  resilience refills); buys on the opposite side re-quote the cascade side around the
  new price (full shape, as on the static book): the resting point is then that price.

With resilience off, no withdrawal, an infinite rate, mark weight 1 and the venue's fee
each round is one round of the static cascade on the latent book (the loop's
``liquidity="static"`` rounds on :func:`latent_book`; tested within 1e-9).
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import numpy as np

from liqcascade.book import OrderBook
from liqcascade.cascade import (
    BLOCK,
    N_STATE,
    P_ARB,
    P_RESIL,
    S_ACTIVE,
    S_BAD,
    S_E,
    S_EXHAUSTED,
    S_EXTREME,
    S_F,
    S_FILLED,
    S_GAINS,
    S_LARGE,
    S_LEFT,
    S_LIQ,
    S_LQ,
    S_NLIQ,
    S_NSTOP,
    S_OMEGA,
    S_POS,
    S_PREV,
    S_PRICE,
    S_Q,
    S_QQ,
    S_STOP,
    S_UNFILLED,
    LiquidityParams,
    PreparedMarket,
    book_position,
    clock_span,
    effective_depth,
    latent_weights,
    shock_walk,
    time_passes,
)
from liqcascade.contagion._venue import Venue, VenueState
from liqcascade.errors import InputError

__all__ = ["ClockVenueState", "latent_book"]


def latent_book(book: OrderBook, latent_depth: float, visible_distance: float) -> OrderBook:
    """``book`` with the latent depth of the calibrated response (sizes scaled per level).

    A level at distance ``δ`` from mid beyond ``visible_distance`` holds
    :func:`~liqcascade.cascade._clock_kernels.latent_weight` ``= 1 + λ · (δ / visible −
    1)`` times its displayed size: the clock's effective depth.

    Parameters
    ----------
    book : OrderBook
    latent_depth : float
        ``λ >= 0`` (0: the book unchanged).
    visible_distance : float
        Distance from mid (fraction) the displayed book is measured to.
    """
    if not (np.isfinite(latent_depth) and latent_depth >= 0):
        raise InputError(f"latent_depth must be >= 0 (got {latent_depth})", param="latent_depth")
    if latent_depth == 0:
        return book
    m = book.mid

    def scale(p: np.ndarray, q: np.ndarray) -> np.ndarray:
        d = np.ascontiguousarray(np.abs(p - m) / m, dtype=np.float64)
        return np.asarray(q * latent_weights(d, latent_depth, visible_distance), np.float64)

    return OrderBook(
        m,
        book.bid_price,
        scale(book.bid_price, book.bid_size),
        book.ask_price,
        scale(book.ask_price, book.ask_size),
    )


class ClockVenueState(VenueState):
    """A venue's state on the clock (frame of the shock; see the module docstring).

    Parameters
    ----------
    venue : Venue
        Its book already carrying the latent depth (:func:`latent_book`).
    dirsign : float
        +1 a fall, −1 a rise.
    params : LiquidityParams
        The calibrated response (its arbitrage is the links', so switched off here).
    round_s : float
        Seconds per round.
    max_rounds : int
        Rounds the loop can run (rows of the queue's cohort table).
    """

    def __init__(
        self,
        venue: Venue,
        dirsign: float,
        params: LiquidityParams,
        round_s: float,
        max_rounds: int,
        pm: PreparedMarket | None = None,
    ) -> None:
        super().__init__(venue, dirsign, pm)
        p = params.with_(arbitrage_half_life_s=math.inf)
        self.params = p
        # the step's parameters: time has already passed (advance) when it runs
        self.pars = p.vector()
        self.pars[P_RESIL] = math.inf
        self.pars[P_ARB] = math.inf
        self.round_s = float(round_s)
        self.st = np.zeros(N_STATE)
        self.st[S_LEFT] = self.fund_open
        self.st[S_PRICE] = self.st[S_PREV] = self.st[S_EXTREME] = self.price_x
        self.co_w = np.empty((max_rounds + 1, 7))
        self.ix = self.price_x  # resting point: the index the book is walked from (frame)
        self.later = False  # a round after the first (time passes, speed measured)
        self.shock_exhausted = False
        self.queue_peak_usd = 0.0
        s = self.side
        self._side_args = (
            s.pos_key, s.cum_size, s.cum_bkr, s.large_rank, s.large_cum_size,
            s.large_cum_bkr, s.pos_size, s.pos_bkr_x, s.pos_large, s.blk_max, s.blk_min,
            s.clock_sorted(), BLOCK, s.stop_key, s.cum_stop,
        )  # fmt: skip
        self._depth()

    # ---- the book as the clock sees it -----------------------------------------
    def _depth(self) -> None:
        """Cumulative effective depth of the current ladder (its sizes carry the latent depth)."""
        qc, nc = effective_depth(self.side.mid_x, self.c_x, self.c_abs, self.c_q, 0.0, 0.01)
        self.qc, self.nc = qc, nc
        self._qc = qc.tolist()  # for bisect (a scalar search, many per arbitrage sweep)
        self._pos_key: tuple[float, float, float, int] | None = None

    def _materialise(self) -> None:
        if not self._c_dirty:
            return
        super()._materialise()
        self._depth()
        self.ix = self.price_x  # re-quoted around the price: nothing consumed, nothing displaced
        self.st[S_F] = 0.0
        self.st[S_E] = 0.0

    def _position(self) -> tuple[float, float]:
        """``(c_base, c)``: consumption of the resting point and with the displacement."""
        key = (self.ix, float(self.st[S_F]), float(self.st[S_E]), id(self.qc))
        if key != self._pos_key:  # the state moved since the last look
            c_base, c, _idx, _px = book_position(key[0], key[1], key[2], self.c_x, self.c_key,
                                                 self.qc)  # fmt: skip
            self._pos_key, self._pos_val = key, (float(c_base), float(c))
        return self._pos_val

    @property
    def queue_base(self) -> float:
        """Base waiting in the venue's liquidation queue (whole and chunked positions)."""
        return float(self.st[S_QQ] + self.st[S_LQ])

    # ---- the round ----------------------------------------------------------------
    def advance(self, k: int, shock: tuple[int, float] | None = None) -> None:
        """Start round ``k``: time passes (resilience), the shock (round 1), the price.

        The price is then the one the round's step starts from, which the loop reads
        for the index.
        """
        if self.halted:
            return
        self._materialise()
        if k > 1:
            self.later = True
            e, _f = time_passes(
                self.st[S_E], self.st[S_F], self.round_s, math.inf, 1.0,
                self.params.resilience_half_life_s,
            )  # fmt: skip
            self.st[S_E] = e
        if shock is not None:
            if self.started:
                raise InputError(f"venue {self.name!r}: the shock must come first")
            self._shock(*shock)
        _c_base, _c, _idx, px = book_position(
            self.ix, self.st[S_F], self.st[S_E], self.c_x, self.c_key, self.qc
        )
        self.price_x = float(px)

    def _shock(self, kind: int, value: float) -> None:
        """The shock moves the resting point: a price target, or a market order's walk."""
        s = self.side
        px, ib, cur_rem, exhausted = shock_walk(
            s.mid_x, self.c_x, self.c_abs, self.c_q, self.c_key, kind, float(value)
        )
        if kind == 0:
            self.ix = float(px)
            self.st[S_F] = 0.0
        else:
            n = self.c_q.size
            if ib < n and cur_rem < self.c_q[ib]:  # a level partly taken: the last one
                self.ix = float(self.c_x[ib])
                self.st[S_F] = float(self.c_q[ib] - cur_rem)
            elif ib > 0:  # the last level taken whole
                self.ix = float(self.c_x[ib - 1])
                self.st[S_F] = float(self.c_q[ib - 1])
        self.st[S_E] = 0.0
        self.shock_exhausted = bool(exhausted)
        self.started = True

    def cascade_round(
        self, shock: tuple[int, float] | None = None, mark_ix: float = math.nan
    ) -> dict[str, float]:
        """One clock step from the state :meth:`advance` left (``shock`` must be None).

        Parameters
        ----------
        mark_ix : float
            The index the mark is anchored to, frame (the loop's median of venue prices).

        Returns
        -------
        dict
            As :meth:`VenueState.cascade_round`, plus ``queue_base`` (base left in the
            venue's queue) and ``withdrawn`` (the withdrawn fraction of the step).
        """
        out = {"triggered": 0.0, "liq_usd": 0.0, "stop_usd": 0.0, "filled_base": 0.0,
               "vwap": float("nan"), "liq_base": 0.0, "queue_base": self.queue_base,
               "withdrawn": 0.0}  # fmt: skip
        if shock is not None:
            raise InputError(f"venue {self.name!r}: the shock comes with advance()")
        if self.halted:
            return out
        self._materialise()
        st = self.st
        liq0, stop0 = float(st[S_LIQ]), float(st[S_STOP])
        clock_span(
            st, self.co_w, np.array([self.ix]), np.array([self.round_s if self.later else 0.0]),
            self.later, float(mark_ix), self.side.mid_x, self.c_x, self.c_abs, self.c_key,
            self.qc, self.nc, *self._side_args, self.dirsign, self.pars, False,
        )  # fmt: skip
        self.started = True
        self.price_x = float(st[S_PRICE])
        self.liq_usd = float(st[S_LIQ])
        self.stop_usd = float(st[S_STOP])
        self.n_liq = int(st[S_NLIQ])
        self.n_stop = int(st[S_NSTOP])
        self.rounds = int(st[S_ACTIVE])
        self.fund_open = float(st[S_LEFT])
        self.gains = float(st[S_GAINS])
        self.fund = self.fund_open + self.gains
        self.bad = float(st[S_BAD])
        self.unfilled = float(st[S_UNFILLED])
        if st[S_EXHAUSTED] > 0.0 or self.shock_exhausted:
            self.exhausted = True
            self.halted = True
        self.queue_peak_usd = max(self.queue_peak_usd, self.queue_base * self.price)
        out["queue_base"] = self.queue_base
        out["withdrawn"] = float(st[S_OMEGA])
        if st[S_Q] > 0.0:
            out["triggered"] = 1.0
            out["liq_usd"] = self.liq_usd - liq0
            out["stop_usd"] = self.stop_usd - stop0
            out["filled_base"] = float(st[S_FILLED])
        return out

    # ---- trading between rounds -------------------------------------------------
    def _next_level(self) -> tuple[int, float, float, float] | None:
        """``(level, base left on it, c_base, c)`` of the next unit of the cascade side."""
        self._materialise()
        c_base, c = self._position()
        j = bisect.bisect_right(self._qc, c) - 1  # the level holding the next unit
        if j >= len(self._qc) - 1:
            return None
        return j, self._qc[j + 1] - c, c_base, c

    def cascade_level(self) -> tuple[float, float] | None:
        """Next level of the cascade side: (real price USD, remaining effective base), or None."""
        nxt = self._next_level()
        if nxt is None:
            return None
        return float(self.c_abs[nxt[0]]), nxt[1]

    def take_cascade(self, q: float, forced: bool = False) -> None:
        """Take ``q`` base (<= remaining) from the current cascade-side level.

        An arbitrage sale (``forced`` False) moves the resting point to where it
        traded; a forced sale (a DeFi liquidator) adds to the displacement. The price
        moves to the level, the opposite side is re-quoted around it.
        """
        nxt = self._next_level()
        if nxt is None:
            return
        j, rem, c_base, c = nxt
        full = q >= rem
        if forced:
            end = self._qc[j + 1] if full else c + q
            e = end - c_base
            while full and c_base + e < end:  # the level's end reached, not an ulp short
                e = float(np.nextafter(e, math.inf))
            self.st[S_E] = e
        else:
            self.ix = float(self.c_x[j])
            # a level taken whole sits exactly at its end: qc[j] + q[j] is qc[j + 1]
            self.st[S_F] = float(self.c_q[j]) if full else (c + q) - self._qc[j]
            self.st[S_E] = 0.0
        self.price_x = float(self.c_x[j])
        self.requote()

    def outcome_extra(self) -> dict[str, Any]:
        """The clock's per-venue figures: base liquidated, queue left (base), its peak (USD)."""
        s, st = self.side, self.st
        triggered = s.cum_size[int(st[S_POS])] + s.large_cum_size[int(st[S_LARGE])]
        return {
            "liquidated_base": float(triggered) - self.queue_base,
            "queue_left_base": self.queue_base,
            "queue_peak_usd": self.queue_peak_usd,
        }
