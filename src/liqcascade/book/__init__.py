"""Order books: L2 snapshots, depth curves (Binance bookDepth, parametric, calibrated).

>>> from liqcascade.book import OrderBook
>>> ob = OrderBook.parametric(2000.0, 50e6, beta=1.0, n_levels=100, max_distance=0.05)
>>> round(ob.notional_within(0.01) / 1e6, 1)
50.0
"""

from liqcascade.book._calibrate import (
    BETA_FUTURES,
    book_from_totals,
    book_totals_at,
    calibrated_book,
    depth_beta,
    fit_beta,
)
from liqcascade.book._orderbook import OrderBook

__all__ = [
    "BETA_FUTURES",
    "OrderBook",
    "book_from_totals",
    "book_totals_at",
    "calibrated_book",
    "depth_beta",
    "fit_beta",
]
