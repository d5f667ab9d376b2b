"""Sorting positions, stops and levels once, so that many shocks reuse it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from liqcascade._typing import FloatArray, IntArray
from liqcascade.book._orderbook import OrderBook
from liqcascade.errors import InputError
from liqcascade.positions._book import PositionBook, StopBook

__all__ = ["PreparedMarket", "PreparedSide", "prepare_cascade"]


@dataclass(frozen=True, eq=False)
class PreparedSide:
    """Flat arrays of one direction of the cascade, in the down frame (see ``_kernels``).

    ``dirsign`` is +1 for the down side (bids, longs, sell stops) and −1 for the
    up side (asks, shorts, buy stops); frame coordinate ``x = dirsign · price``.
    """

    dirsign: float
    mid_x: float
    lvl_x: FloatArray
    lvl_abs: FloatArray
    lvl_q: FloatArray
    lvl_key: FloatArray
    pos_index: IntArray  # original index of each sorted position
    pos_key: FloatArray
    pos_size: FloatArray
    pos_bkr_x: FloatArray
    pos_large: np.ndarray
    cum_size: FloatArray
    cum_bkr: FloatArray
    large_rank: IntArray
    large_cum_size: FloatArray
    large_cum_bkr: FloatArray
    stop_index: IntArray
    stop_key: FloatArray
    stop_size: FloatArray
    cum_stop: FloatArray

    def kernel_args(self) -> tuple[object, ...]:
        """Arguments of the kernels up to the shock."""
        return (
            self.mid_x,
            self.lvl_x,
            self.lvl_abs,
            self.lvl_q,
            self.lvl_key,
            self.pos_key,
            self.cum_size,
            self.cum_bkr,
            self.large_rank,
            self.large_cum_size,
            self.large_cum_bkr,
            self.stop_key,
            self.cum_stop,
        )


@dataclass(frozen=True, eq=False)
class PreparedMarket:
    """A book, positions and stops sorted once for repeated cascades.

    Build with :func:`prepare_cascade`; pass to :func:`simulate_cascade`,
    :func:`fragility_curve` or :func:`critical_shock` in place of the inputs.

    Attributes
    ----------
    book : OrderBook
    positions : PositionBook
    stops : StopBook
    partial_threshold_usd : float
        Threshold used to mark partially liquidated positions (only used when a
        config turns partial liquidation on); ``inf`` when none were marked.
    down, up : PreparedSide
        The two directions.
    """

    book: OrderBook
    positions: PositionBook
    stops: StopBook
    partial_threshold_usd: float
    down: PreparedSide = field(repr=False)
    up: PreparedSide = field(repr=False)

    def side(self, dirsign: float) -> PreparedSide:
        """The down (+1) or up (−1) side."""
        return self.down if dirsign > 0 else self.up


def _prefix(x: FloatArray) -> FloatArray:
    out = np.zeros(x.size + 1)
    np.cumsum(x, out=out[1:])
    return out


def _side(
    dirsign: float,
    book: OrderBook,
    pos: PositionBook,
    stops: StopBook,
    threshold: float,
) -> PreparedSide:
    s = dirsign
    if s > 0:
        lp, lq = book.bid_price, book.bid_size
        pmask = pos.side == 1
        smask = stops.side == -1
    else:
        lp, lq = book.ask_price, book.ask_size
        pmask = pos.side == -1
        smask = stops.side == 1
    lvl_x = np.ascontiguousarray(s * lp)
    pidx = np.nonzero(pmask)[0].astype(np.int64)
    liq = pos.liq_price[pidx]
    pkey = -(s * liq)
    order = np.argsort(pkey)
    pidx = pidx[order]
    pkey = np.ascontiguousarray(pkey[order])
    size = pos.size[pidx]
    bkr_x = s * pos.bankruptcy_price[pidx]
    liq_sorted = pos.liq_price[pidx]
    with np.errstate(invalid="ignore", over="ignore"):
        notional_at_liq = np.where(np.isfinite(liq_sorted), size * liq_sorted, np.inf)
    large = notional_at_liq > threshold
    # bankruptcy may be inf for positions that never trigger; keep prefix sums finite
    bkr_size = np.where(np.isfinite(bkr_x), bkr_x * size, 0.0)
    small_size = np.where(large, 0.0, size)
    small_bkr = np.where(large, 0.0, bkr_size)
    large_rank = np.nonzero(large)[0].astype(np.int64)
    sidx = np.nonzero(smask)[0].astype(np.int64)
    skey = -(s * stops.trigger[sidx])
    so = np.argsort(skey)
    sidx = sidx[so]
    skey = np.ascontiguousarray(skey[so])
    ssize = stops.size[sidx]
    return PreparedSide(
        dirsign=s,
        mid_x=s * book.mid,
        lvl_x=lvl_x,
        lvl_abs=np.ascontiguousarray(lp),
        lvl_q=np.ascontiguousarray(lq),
        lvl_key=np.ascontiguousarray(-lvl_x),
        pos_index=pidx,
        pos_key=pkey,
        pos_size=np.ascontiguousarray(size),
        pos_bkr_x=np.ascontiguousarray(bkr_x),
        pos_large=large,
        cum_size=_prefix(small_size),
        cum_bkr=_prefix(small_bkr),
        large_rank=large_rank,
        large_cum_size=_prefix(size[large]),
        large_cum_bkr=_prefix(bkr_size[large]),
        stop_index=sidx,
        stop_key=skey,
        stop_size=np.ascontiguousarray(ssize),
        cum_stop=_prefix(ssize),
    )


def prepare_cascade(
    book: OrderBook,
    positions: PositionBook,
    stops: StopBook | None = None,
    *,
    partial_threshold_usd: float | None = None,
) -> PreparedMarket:
    """Sort the positions and stops by trigger once (O(n log n)) for repeated cascades.

    Parameters
    ----------
    book : OrderBook
        The order book (prices USD, sizes base units).
    positions : PositionBook
        Leveraged positions with liquidation and bankruptcy prices (USD).
    stops : StopBook, optional
        Resting stop-market orders.
    partial_threshold_usd : float, optional
        Mark positions above this notional (USD at their liquidation price) for
        partial liquidation; needed only when a config turns
        ``partial_liquidation`` on (default: none marked; :func:`simulate_cascade`
        re-prepares when the config asks for a threshold the market was not prepared with).

    Returns
    -------
    PreparedMarket
    """
    if not isinstance(book, OrderBook):
        raise InputError(f"book must be an OrderBook (got {type(book).__name__})")
    if not isinstance(positions, PositionBook):
        raise InputError(f"positions must be a PositionBook (got {type(positions).__name__})")
    if stops is None:
        stops = StopBook.empty()
    if not isinstance(stops, StopBook):
        raise InputError(f"stops must be a StopBook (got {type(stops).__name__})")
    if len(positions):
        trig = (positions.size > 0) & np.isnan(positions.liq_price)
        if trig.any():
            raise InputError(f"positions: row {int(np.argmax(trig)) + 1}: liq_price is NaN")
    thr = np.inf if partial_threshold_usd is None else float(partial_threshold_usd)
    return PreparedMarket(
        book=book,
        positions=positions,
        stops=stops,
        partial_threshold_usd=thr,
        down=_side(1.0, book, positions, stops, thr),
        up=_side(-1.0, book, positions, stops, thr),
    )
