"""Order books calibrated to the bundled CoinGlass order-book totals.

CoinGlass publishes, per bar, the aggregated futures (and spot) bid and ask
totals within its default range around mid, in USD and in base units. The range
is believed to be ±1 % of mid (not verified by CoinGlass's documentation); we take
``D1`` (the cumulative notional within 1 %) to be those totals.

The shape exponent ``β`` of ``D(δ) = D1 · (δ / 0.01)^β`` is fitted from the same
data: the ratio of the USD total to the base total is the size-weighted average
price of the resting orders, so ``m = (vwap_ask − vwap_bid) / (vwap_ask + vwap_bid)``
is their average distance from mid. For the curve above, the average distance
within 1 % is ``0.01 · β / (β + 1)``, hence ``β = m / (0.01 − m)``. On the bundled
futures totals (759 bars, 2024-11 → 2025-07) ``m`` is 0.42 % with a 0.04 %
standard deviation, giving ``β ≈ 0.73``: depth is concave, thinning away from mid.
That the average sits well inside 1 % also supports the ±1 % range assumption.
Beyond 1 % the curve is extrapolated with the same exponent (no bundled data
reaches further out); the square-root impact law (Donier & Bonart 2015) would
instead imply ``β = 2`` for the *latent* liquidity that arrives over hours — a
cascade lasting seconds meets the displayed book, which is what we fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from liqcascade.book._orderbook import OrderBook
from liqcascade.errors import InputError

__all__ = ["BETA_FUTURES", "book_totals_at", "calibrated_book", "fit_beta"]

#: Median fitted exponent on the bundled futures totals (see :func:`fit_beta`).
BETA_FUTURES: float = 0.73


def _ts(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def fit_beta(totals: pd.DataFrame | None = None, market: str = "futures") -> pd.Series:
    """Per-bar depth-curve exponent fitted from book totals (see module notes).

    Parameters
    ----------
    totals : DataFrame, optional
        Columns ``bids_usd``, ``bids_base``, ``asks_usd``, ``asks_base``; default the
        bundled totals of ``market``.
    market : {"futures", "spot"}
        Which bundled totals to use when ``totals`` is None.

    Returns
    -------
    pandas.Series
        ``β`` per bar (dimensionless), indexed like ``totals``.
    """
    if totals is None:
        from liqcascade import datasets

        totals = datasets.load_book_totals(market)
    vb = totals["bids_usd"] / totals["bids_base"]
    va = totals["asks_usd"] / totals["asks_base"]
    m = (va - vb) / (va + vb)
    beta = m / (0.01 - m)
    return beta.where((m > 0) & (m < 0.01)).rename("beta")


def book_totals_at(as_of: Any = None, market: str = "futures") -> pd.Series:
    """The bundled book-totals bar nearest ``as_of`` (default: the last bar)."""
    from liqcascade import datasets

    tot = datasets.load_book_totals(market)
    if as_of is None:
        return tot.iloc[-1]
    ts = _ts(as_of)
    i = int(np.argmin(np.abs((pd.DatetimeIndex(tot.index) - ts).total_seconds())))
    return tot.iloc[i]


def calibrated_book(
    as_of: Any = None,
    mid: float | None = None,
    *,
    beta: float | None = None,
    market: str = "futures",
    scale: float = 1.0,
    tick: float | None = None,
    n_levels: int = 4000,
    max_distance: float = 0.4,
) -> OrderBook:
    """A parametric ETH book with ``D1`` from the bundled CoinGlass totals nearest ``as_of``.

    Parameters
    ----------
    as_of : datetime-like, optional
        Date (UTC); the nearest bundled bar is used (the totals run 2024-11 → 2025-07;
        later dates use the last bar). Default: the last bar.
    mid : float, optional
        Mid price, USD; default the bundled ETH hourly close at or before ``as_of``
        (the last close when ``as_of`` is None).
    beta : float, optional
        Depth exponent; default the median of :func:`fit_beta` over the bundled
        ``market`` totals (0.73 futures, 0.46 spot). Per-bar fits are noisier
        (futures: 0.42 → 1.59, standard deviation 0.12), so the median is used.
    market : {"futures", "spot"}
        Which totals.
    scale : float, default 1.0
        Multiplies ``D1`` (e.g. a venue's share of the aggregated market, to get
        one venue's book from the all-venue totals).
    tick, n_levels, max_distance
        As in :meth:`OrderBook.parametric`; the defaults cover ±40 % of mid in
        4,000 levels per side.

    Notes
    -----
    The totals aggregate all venues CoinGlass tracks; the book is therefore the
    market-wide displayed book, not one venue's.
    """
    from liqcascade import datasets

    if not (np.isfinite(scale) and scale > 0):
        raise InputError(f"scale must be > 0 (got {scale})")
    row = book_totals_at(as_of, market)
    if mid is None:
        h = datasets.load_ohlcv("ETH", "1h")
        if as_of is None:
            mid = float(h["close"].iloc[-1])
        else:
            ts = _ts(as_of)
            before = h[h.index <= ts]
            if before.empty:
                raise InputError(f"as_of {ts:%Y-%m-%d} is before the bundled ETH prices")
            mid = float(before["close"].iloc[-1])
    if beta is None:
        beta = BETA_FUTURES if market == "futures" else float(fit_beta(None, market).median())
    return OrderBook.parametric(
        float(mid),
        float(row["bids_usd"]) * scale,
        float(row["asks_usd"]) * scale,
        beta=float(beta),
        tick=tick,
        n_levels=n_levels,
        max_distance=max_distance,
    )
