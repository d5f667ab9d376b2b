"""The market's inputs, loaded through one door: ``data.load_series`` (file -> store -> bundled).

Only :mod:`liqcascade.data`, :mod:`liqcascade.market`, :mod:`liqcascade.report` and the
command line load data; every model takes the frames this module loads as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade._time import resolve_as_of
from liqcascade.data import bundled
from liqcascade.data._series import load_series
from liqcascade.errors import InputError

__all__ = [
    "MarketInputs",
    "bars_until",
    "bundled_book_totals",
    "closed_by",
    "load_market_inputs",
    "ohlc_bars",
    "price_at",
]

StoreArg = str | Path | bool | None


@dataclass(frozen=True, eq=False)
class MarketInputs:
    """The series a market at a date is estimated from, and where each came from.

    Attributes
    ----------
    asset : str
        Base asset (``"ETH"``, ``"BTC"``).
    open_interest : pandas.DataFrame
        Aggregated open interest, 4-hourly, ``oi_usd`` (USD at bar close).
    prices : pandas.DataFrame
        Hourly OHLCV (USD, base units).
    funding : pandas.DataFrame or None
        Aggregated funding (``rate``), the position estimate's long/short signal.
    taker : pandas.DataFrame or None
        Taker buy/sell volume (``buy_usd``, ``sell_usd``), the alternative signal.
    book_totals : pandas.DataFrame
        All-venue futures order-book totals within 1 % of mid (``bids_usd``, ``asks_usd``).
    sources : dict
        Series name -> ``"bundled:NAME"``, ``"store:PATH"`` or ``"file:PATH"``.
    """

    asset: str
    open_interest: pd.DataFrame
    prices: pd.DataFrame
    funding: pd.DataFrame | None
    taker: pd.DataFrame | None
    book_totals: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)


def _series(kind: str, asset: str, interval: str, store: StoreArg) -> pd.DataFrame | None:
    try:
        return load_series(kind, asset=asset, interval=interval, store=store)
    except InputError:
        return None


def bundled_book_totals(asset: str = "ETH", market: str = "futures") -> pd.DataFrame:
    """The bundled all-venue order-book totals of ``asset`` (``market`` futures or spot)."""
    try:
        return bundled.load_book_totals(market, asset=asset)
    except KeyError as exc:
        raise InputError(f"--asset: {exc.args[0]}") from None


def load_market_inputs(asset: str = "ETH", *, store: StoreArg = None) -> MarketInputs:
    """Load every series the estimated market of ``asset`` needs.

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset; the bundled data cover ETH and BTC (2024-11 -> 2025-07 for the
        derivatives series).
    store : str, Path, bool, optional
        As in :func:`liqcascade.data.load_series` (``None``: the default store if it
        exists, ``False``: bundled data only).

    Raises
    ------
    InputError
        If open interest, hourly prices or book totals are missing (names ``asset``).
    """
    a = asset.upper()
    oi = _series("open_interest", a, "4h", store)
    if oi is None:
        raise InputError(
            f"--asset: no 4-hourly open interest for {asset} (bundled: "
            f"{', '.join(bundled.assets())}); ingest it with `liqcascade data ingest`"
        )
    px = _series("ohlcv", a, "1h", store)
    if px is None:
        raise InputError(f"--asset: no hourly prices for {asset}")
    funding = _series("funding", a, "4h", store)
    taker = _series("taker", a, "4h", store)
    totals = bundled_book_totals(a, "futures")
    name = f"{a.lower()}_futures_book_8h"
    sources = {
        "open_interest": str(oi.attrs.get("source", "")),
        "prices": str(px.attrs.get("source", "")),
        "book_totals": f"bundled:{name}",
    }
    if funding is not None:
        sources["funding"] = str(funding.attrs.get("source", ""))
    if taker is not None:
        sources["taker"] = str(taker.attrs.get("source", ""))
    return MarketInputs(a, oi, px, funding, taker, totals, sources)


def closed_by(frame: pd.DataFrame, instant: pd.Timestamp, step: pd.Timedelta) -> pd.DataFrame:
    """The bars of ``frame`` (labelled by open time, ``step`` long) closed by ``instant``."""
    closes = pd.DatetimeIndex(frame.index) + step
    return frame[closes <= instant]


def ohlc_bars(hourly: pd.DataFrame, interval: str = "4h") -> pd.DataFrame:
    """Hourly OHLCV resampled to ``interval`` bars labelled by their UTC-aligned open."""
    agg = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    agg = {k: v for k, v in agg.items() if k in hourly.columns}
    out = hourly.resample(interval, label="left", closed="left", origin="epoch").agg(agg)
    return out.dropna()  # type: ignore[no-any-return]


def price_at(asset: str, as_of: Any, *, prices: pd.DataFrame | None = None) -> float:
    """Close of the last hourly bar closed at or before ``as_of`` (USD).

    ``as_of`` None: the last hourly bar. Bundled prices unless ``prices`` is given.
    """
    if prices is None:
        try:
            prices = bundled.load_ohlcv(asset, "1h")
        except KeyError as exc:
            raise InputError(f"--asset: {exc.args[0]}") from None
    label = resolve_as_of(as_of, pd.DatetimeIndex(prices.index), "1h")
    return float(prices["close"].loc[label])


def bars_until(
    asset: str, interval: str, as_of: Any = None, *, store: StoreArg = None
) -> pd.DataFrame:
    """OHLCV bars of ``asset`` at ``interval`` closed at or before ``as_of`` (all if None).

    Loaded through :func:`liqcascade.data.load_series`; the one date rule of
    :func:`liqcascade._time.resolve_as_of` (a bare date: the close of that day).
    """
    df = load_series("ohlcv", asset=asset, interval=interval, store=store)
    if as_of is None or df.empty:
        return df
    label = resolve_as_of(as_of, pd.DatetimeIndex(df.index), interval)
    return df[df.index <= label]
