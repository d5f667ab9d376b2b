"""The calibrated paths without the book's impact: the index walks, nothing is forced.

``calibrated_cascade(..., impact=False)`` (``stress --scenario shock --no-cascade``)
keeps the shock's continuation (the same index paths, the same draws) and removes only
what the forced orders do to price: each run's market is its order book with no
positions and no stops, so the price is the index path. The liquidations are still
counted along each path, as the Monte Carlo counts them: every position of the run's
own book whose liquidation price the path's extreme crosses, USD at its liquidation
price (a position already at or past it at the mid is not counted, as the shock rows
count): :meth:`PreparedSide.crossed_usd <liqcascade.cascade._prepare.PreparedSide.crossed_usd>`
with the mid, the count the event back-test makes of its other side.
"""

from __future__ import annotations

from liqcascade.cascade._prepare import PreparedMarket, prepare_cascade
from liqcascade.positions import PositionBook, StopBook

__all__ = ["without_forced_orders"]


def without_forced_orders(pm: PreparedMarket) -> PreparedMarket:
    """``pm``'s order book with no positions and no stops (same venue and symbol)."""
    pos = pm.positions
    return prepare_cascade(pm.book, PositionBook.empty(pos.venue, pos.symbol), StopBook.empty())
