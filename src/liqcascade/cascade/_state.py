"""``market_state``: the estimated market of a date, as :mod:`liqcascade.market` builds it.

Kept for callers of 0.1; new code uses :func:`liqcascade.market.estimated_market`.
"""

from __future__ import annotations

from typing import Any

from liqcascade.market import BINANCE_BOOK_SHARE, MarketSpec, MarketState, estimated_market

__all__ = ["BINANCE_BOOK_SHARE", "MarketState", "market_state"]


def market_state(
    asset: str = "ETH", as_of: Any = None, *, params: Any = None, book_scale: float | None = None
) -> MarketState:
    """The estimated market of ``as_of``: ``estimated_market(MarketSpec(...))``.

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset (bundled: ETH, BTC).
    as_of : datetime-like, optional
        Date (UTC); a bare date is the close of that day's last bar
        (:func:`liqcascade._time.resolve_as_of`); default the last open-interest bar.
    params : EstimationParams, optional
        Position-estimation parameters (default: the shipped calibration).
    book_scale : float, optional
        Multiplies the all-venue depth; default :data:`BINANCE_BOOK_SHARE` (0.25).

    Returns
    -------
    MarketState
    """
    return estimated_market(
        MarketSpec(asset=asset, as_of=as_of, params=params, depth_scale=book_scale)
    )
