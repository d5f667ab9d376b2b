"""The calibrated paths without the book's impact: the index walks, nothing is forced.

``calibrated_cascade(..., impact=False)`` (``stress --scenario shock --no-cascade``)
keeps the shock's continuation (the same index paths, the same draws) and removes only
what the forced orders do to price: each run's market is its order book with no
positions and no stops, so the price is the index path. The liquidations are still
counted along each path, as the Monte Carlo counts them: every position of the run's
own book whose liquidation price the path's extreme crosses, USD at its liquidation
price (a position already at or past it at the mid is not counted, as the shock rows
count).
"""

from __future__ import annotations

import numpy as np

from liqcascade._typing import FloatArray
from liqcascade.cascade._prepare import PreparedMarket, prepare_cascade
from liqcascade.positions import PositionBook, StopBook

__all__ = ["crossed_usd", "without_forced_orders"]


def without_forced_orders(pm: PreparedMarket) -> PreparedMarket:
    """``pm``'s order book with no positions and no stops (same venue and symbol)."""
    pos = pm.positions
    return prepare_cascade(pm.book, PositionBook.empty(pos.venue, pos.symbol), StopBook.empty())


def crossed_usd(positions: PositionBook, mid: float, extremes: FloatArray, d: float) -> FloatArray:
    """Notional (USD, at the liquidation prices) whose liquidation each extreme crosses.

    Parameters
    ----------
    positions : PositionBook
        The book counted.
    mid : float
        The price before the shock, USD: positions at or past their liquidation price
        there are not counted.
    extremes : array of float
        The furthest price of each path in the move's direction, USD.
    d : float
        ``1.0`` a fall (longs whose liquidation price is at or above the extreme),
        ``-1.0`` a rise (shorts at or below it).

    Returns
    -------
    numpy.ndarray of float
        One figure per extreme, USD.
    """
    lp = positions.liq_price
    on = (positions.side == int(d)) & (positions.side * (lp - mid) < 0)
    key = d * lp[on]  # crossed when key >= d * extreme
    order = np.argsort(key)
    ks = key[order]
    usd = (positions.size * lp)[on][order]
    tail = np.concatenate((np.cumsum(usd[::-1])[::-1], [0.0]))  # tail[i] = sum of usd[i:]
    return tail[np.searchsorted(ks, d * np.asarray(extremes, dtype=np.float64), side="left")]
