"""The bundled datasets behind the models' defaults.

Models take their frames as arguments (``prices=``, ``oi=``, ``data=`` ...). Where a
model still offers a default (the bundled real data, so
:func:`liqcascade.margin.aave_reserve` or :func:`liqcascade.positions.calibrate` run
without arguments), it loads it here. This module sits in the data layer and imports
nothing above it, so a model of any layer may call it; :mod:`liqcascade.market._bundled`
re-exports it for the layers above ``market``. Commands and report sections load
through :mod:`liqcascade.market._inputs` and :func:`liqcascade.data.load_series` (store
first, then bundled).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd

from liqcascade._time import resolve_as_of, utc_indexed
from liqcascade.data import bundled
from liqcascade.errors import InputError

__all__ = [
    "aave_reserve_params",
    "book_totals",
    "bundled_assets",
    "bundled_book_totals",
    "bundled_price_range",
    "dataset",
    "dataset_index",
    "derivatives",
    "ohlcv",
    "price_at",
]


def ohlcv(
    asset: str = "ETH", interval: str = "1h", start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Bundled Binance spot OHLCV of ``asset`` at ``interval`` (``1d``, ``1h``), USD.

    Raises
    ------
    InputError
        If no such series is bundled (names ``asset``).
    """
    try:
        return bundled.load_ohlcv(asset.upper(), interval, start=start, end=end)
    except KeyError as exc:
        raise InputError(f"asset: {exc.args[0]}", param="asset") from None


def derivatives(kind: str, asset: str = "ETH") -> pd.DataFrame:
    """Bundled CoinGlass 4-hourly ``kind`` of ``asset``.

    ``kind``: ``open_interest``, ``liquidations``, ``funding`` (OI-weighted) or ``taker``.
    """
    loaders = {
        "open_interest": bundled.load_open_interest,
        "liquidations": bundled.load_liquidations,
        "taker": bundled.load_taker,
        "funding": bundled.load_funding,
    }
    try:
        return loaders[kind](asset=asset.upper())  # type: ignore[no-any-return, operator]
    except KeyError as exc:
        raise InputError(
            f"asset: no bundled {kind} for {asset} ({exc.args[0]})", param="asset"
        ) from None


def dataset(name: str, start: Any = None, end: Any = None) -> pd.DataFrame:
    """A bundled dataset by name (:func:`liqcascade.datasets.load`)."""
    return bundled.load(name, start, end)


def dataset_index(name: str) -> pd.DatetimeIndex:
    """The time index of a bundled dataset."""
    return pd.DatetimeIndex(bundled.load(name).index)


def book_totals(market: str = "futures", asset: str = "ETH") -> pd.DataFrame:
    """Bundled all-venue order-book totals within 1 % of mid (``bids_usd``, ``asks_usd``)."""
    try:
        return bundled.load_book_totals(asset.upper(), market=market)
    except KeyError as exc:
        raise InputError(f"asset: {exc.args[0]}", param="asset") from None


def aave_reserve_params() -> dict[str, Any]:
    """Bundled Aave v3 reserve parameters snapshot (per chain)."""
    return bundled.load_aave_reserve_params()


def bundled_assets() -> tuple[str, ...]:
    """Assets with bundled derivatives series."""
    return tuple(bundled.assets())


@lru_cache(maxsize=8)
def bundled_price_range(asset: str) -> tuple[float, float]:
    """The lowest and highest daily close of ``asset`` in the bundled data, USD.

    The scale a price of ``asset`` is on: positions read as ``asset`` whose prices lie
    far outside it are another asset's (or in another unit), as
    :func:`liqcascade.positions.read_positions` checks a file without a symbol.

    Parameters
    ----------
    asset : str
        Base asset (``"ETH"``, ``"BTC"``).

    Returns
    -------
    tuple of float
        ``(lowest, highest)`` daily close, USD.

    Raises
    ------
    InputError
        No bundled daily prices of ``asset`` (names ``asset``).
    """
    close = ohlcv(asset, "1d")["close"]
    return float(close.min()), float(close.max())


def bundled_book_totals(asset: str = "ETH", market: str = "futures") -> pd.DataFrame:
    """The bundled all-venue order-book totals of ``asset`` (``market`` futures or spot).

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset.
    market : {"futures", "spot", "binance"}, default "futures"
        All-venue futures or spot books, or Binance's perpetual alone (BTC only).

    Returns
    -------
    pandas.DataFrame
        ``bids_usd`` and ``asks_usd``: displayed notional near mid (the band the
        package takes as ±1 %; CoinGlass's default range, not verified), USD, UTC
        index.

    Raises
    ------
    InputError
        No bundled totals of ``asset``.
    """
    try:
        return bundled.load_book_totals(asset, market=market)
    except KeyError as exc:
        raise InputError(f"asset: {exc.args[0]}", param="asset") from None


def price_at(asset: str, as_of: Any, *, prices: pd.DataFrame | None = None) -> float:
    """Close of the last hourly bar closed at or before ``as_of`` (USD).

    ``as_of`` None: the last hourly bar. Bundled prices unless ``prices`` is given.

    Parameters
    ----------
    asset : str
        Base asset (read only for the bundled prices).
    as_of : datetime-like or None
        The instant, UTC (naive read as UTC; a bare date: the close of that day's
        last bar; :func:`liqcascade._time.resolve_as_of`).
    prices : pandas.DataFrame, optional
        Hourly bars with a ``close`` column (USD), indexed by UTC bar-open times (a
        naive index is read as UTC); default the bundled hourly bars of ``asset``.

    Returns
    -------
    float
        The close, USD.
    """
    if prices is None:
        try:
            prices = bundled.load_ohlcv(asset, "1h")
        except KeyError as exc:
            raise InputError(f"asset: {exc.args[0]}", param="asset") from None
    prices = utc_indexed(prices)  # a naive index compared with an aware time: TypeError
    label = resolve_as_of(as_of, pd.DatetimeIndex(prices.index), "1h")
    return float(prices["close"].loc[label])
