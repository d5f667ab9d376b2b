"""The market book of a stress path: positions and stops sorted once, depth curves."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from liqcascade._typing import FloatArray
from liqcascade.book import OrderBook
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook

__all__ = ["StressBook", "stress_book"]


def _prefix(x: FloatArray) -> FloatArray:
    out = np.zeros(x.size + 1)
    np.cumsum(x, out=out[1:])
    return out


@dataclass(frozen=True, eq=False)
class StressBook:
    """A fixed market book in the flat form the path kernels read.

    Down side: longs (liquidation price) and sell stops (trigger), sorted by trigger
    descending; up side: shorts and buy stops, ascending. ``cumb_*`` are prefix sums
    of size (base units), ``cumliq_*`` of liquidated notional ``size·liq_price``
    (USD, positions only, stops add 0). Depth: ``dist_*`` fractional distance from
    the pre-cascade price (0 first), ``depth_*`` cumulative USD notional to there.
    The ``raw_*`` arrays are the unsorted inputs the pure-Python twins scan.

    Build with :func:`stress_book`. ``StressBook.empty()`` is a market without
    positions (no cascade), used for assets without an estimated book.

    Attributes
    ----------
    trig_dn, trig_up : array of float
        Triggers, USD: a long's liquidation price or a sell stop's trigger (down
        side, descending); a short's liquidation price or a buy stop's trigger (up
        side, ascending).
    cumb_dn, cumb_up : array of float
        Prefix sums of the sorted orders' sizes, base-asset units (length
        orders + 1, starting at 0).
    cumliq_dn, cumliq_up : array of float
        Prefix sums of liquidated notional ``size·liq_price``, USD (positions only;
        a stop adds 0), length orders + 1.
    dist_dn, dist_up : array of float
        Distance of each depth level from the order book's mid, a fraction (0.01 is
        1 %), starting at 0; ``[0]`` without an order book.
    depth_dn, depth_up : array of float
        Cumulative order-book notional (``price·size``) to each ``dist_*`` level,
        USD, starting at 0; ``[0]`` without an order book.
    raw_trig_dn, raw_trig_up : array of float
        The unsorted triggers, USD (positions first, then stops).
    raw_size_dn, raw_size_up : array of float
        The unsorted sizes, base-asset units.
    raw_isliq_dn, raw_isliq_up : array of bool
        True for a position (a liquidation), False for a stop.
    """

    trig_dn: FloatArray
    cumb_dn: FloatArray
    cumliq_dn: FloatArray
    dist_dn: FloatArray
    depth_dn: FloatArray
    trig_up: FloatArray
    cumb_up: FloatArray
    cumliq_up: FloatArray
    dist_up: FloatArray
    depth_up: FloatArray
    raw_trig_dn: FloatArray = field(repr=False)
    raw_size_dn: FloatArray = field(repr=False)
    raw_isliq_dn: np.ndarray = field(repr=False)
    raw_trig_up: FloatArray = field(repr=False)
    raw_size_up: FloatArray = field(repr=False)
    raw_isliq_up: np.ndarray = field(repr=False)

    @classmethod
    def empty(cls) -> StressBook:
        """No positions, no stops, no depth: paths carry no cascade."""
        z = np.zeros(0)
        one = np.zeros(1)
        b = np.zeros(0, dtype=bool)
        return cls(z, one, one, one, one, z, one, one, one, one, z, z, b, z, z, b)

    @property
    def n_orders(self) -> int:
        """Positions plus stops on both sides."""
        return int(self.trig_dn.size + self.trig_up.size)

    def past_start(self, price: float) -> dict[str, float]:
        """Orders already at or beyond ``price`` (USD) when a path starts there.

        The path kernels start their running extremes at the start price, so a long
        whose liquidation price (or a sell stop whose trigger) is at or above it, and a
        short (buy stop) at or below it, never fires on a path: it was due before the
        path began. They are counted here so a result can say so instead of dropping
        them silently.

        Parameters
        ----------
        price : float
            The paths' start price, USD.

        Returns
        -------
        dict
            ``n_orders`` and ``base`` (base units) past the start on each side
            (``*_long`` for the down side, ``*_short`` for the up side) and in all.
        """
        dn = self.raw_trig_dn >= price
        up = self.raw_trig_up <= price
        n_dn, n_up = int(dn.sum()), int(up.sum())
        b_dn, b_up = float(self.raw_size_dn[dn].sum()), float(self.raw_size_up[up].sum())
        return {
            "n_orders": n_dn + n_up,
            "n_orders_long": n_dn,
            "n_orders_short": n_up,
            "base": b_dn + b_up,
            "base_long": b_dn,
            "base_short": b_up,
        }

    def kernel_args(self) -> tuple[FloatArray, ...]:
        """The ten arrays of :func:`liqcascade.stress._kernels.cascade_step`, in order."""
        return (
            self.trig_dn,
            self.cumb_dn,
            self.cumliq_dn,
            self.dist_dn,
            self.depth_dn,
            self.trig_up,
            self.cumb_up,
            self.cumliq_up,
            self.dist_up,
            self.depth_up,
        )


def _depth(mid: float, price: FloatArray, size: FloatArray) -> tuple[FloatArray, FloatArray]:
    dist = np.concatenate([[0.0], np.abs(price - mid) / mid])
    cum = _prefix(price * size)
    return np.ascontiguousarray(dist), np.ascontiguousarray(cum)


def stress_book(
    positions: PositionBook,
    stops: StopBook | None = None,
    book: OrderBook | None = None,
) -> StressBook:
    """Sort a position book, stops and an order book once for the path kernels.

    Parameters
    ----------
    positions : PositionBook
        Leveraged positions (liquidation prices, USD; sizes, base units).
    stops : StopBook, optional
        Resting stops.
    book : OrderBook, optional
        The order book whose depth (USD against distance from mid, as a fraction)
        every step's cascade walks; without one, liquidations are counted but
        price does not respond.

    Returns
    -------
    StressBook
    """
    if not isinstance(positions, PositionBook):
        raise InputError(
            f"positions must be a PositionBook (got {type(positions).__name__})",
            param="positions",
        )
    if stops is None:
        stops = StopBook.empty()
    ok = (positions.size > 0) & np.isfinite(positions.liq_price) & (positions.liq_price > 0)
    sides = {}
    for s, pside, sside in ((1.0, 1, -1), (-1.0, -1, 1)):
        pm = ok & (positions.side == pside)
        sm = stops.side == sside
        trig = np.concatenate([positions.liq_price[pm], stops.trigger[sm]])
        size = np.concatenate([positions.size[pm], stops.size[sm]])
        isliq = np.concatenate([np.ones(int(pm.sum()), bool), np.zeros(int(sm.sum()), bool)])
        order = np.argsort(-s * trig, kind="stable")
        ts, zs, ls = trig[order], size[order], isliq[order]
        sides[s] = (
            np.ascontiguousarray(ts),
            _prefix(zs),
            _prefix(np.where(ls, zs * ts, 0.0)),
            trig,
            size,
            isliq,
        )
    if book is None:
        d_dn = c_dn = d_up = c_up = np.zeros(1)
    else:
        d_dn, c_dn = _depth(book.mid, book.bid_price, book.bid_size)
        d_up, c_up = _depth(book.mid, book.ask_price, book.ask_size)
    dn, up = sides[1.0], sides[-1.0]
    return StressBook(
        trig_dn=dn[0],
        cumb_dn=dn[1],
        cumliq_dn=dn[2],
        dist_dn=d_dn,
        depth_dn=c_dn,
        trig_up=up[0],
        cumb_up=up[1],
        cumliq_up=up[2],
        dist_up=d_up,
        depth_up=c_up,
        raw_trig_dn=dn[3],
        raw_size_dn=dn[4],
        raw_isliq_dn=dn[5],
        raw_trig_up=up[3],
        raw_size_up=up[4],
        raw_isliq_up=up[5],
    )
