"""A store holding an asset the package does not bundle, for end-to-end tests of any asset.

:func:`relabelled_store` writes the bundled BTC series into a fresh DuckDB store under
another symbol (default ``SOLUSDT``), with prices divided by ``price_scale`` (and base
volumes multiplied by it), so dollar amounts stay those of real data while price
levels are not the bundled asset's. The commands then see an asset with real data
that nothing in the package was calibrated on or written for.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liqcascade.data import load_series
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._store import Store

__all__ = ["NEW_ASSET_SERIES", "copy_calibrations", "relabelled_store"]

#: (kind, interval) of the bar series written; the long/short ratios (4h) and the
#: futures and spot order-book totals (as ``all-venues`` / ``all-venues-spot``) too.
NEW_ASSET_SERIES: tuple[tuple[str, str], ...] = (
    ("ohlcv", "1h"),
    ("ohlcv", "1d"),
    ("open_interest", "4h"),
    ("liquidations", "4h"),
    ("funding", "4h"),
    ("taker", "4h"),
)

_PRICE = ("open", "high", "low", "close")


def relabelled_store(
    path: Path,
    symbol: str = "SOLUSDT",
    source: str = "BTC",
    price_scale: float = 500.0,
    end: str | None = None,
    *,
    book_totals: bool = True,
    long_short: bool = True,
    shift_days: int = 0,
    liquidations_venue: str | None = None,
) -> Path:
    """Write the bundled ``source`` series into a store at ``path`` as ``symbol``.

    Parameters
    ----------
    path : Path
        The store file (created).
    symbol : str
        Store symbol of the new asset (its base asset is what ``--asset`` names).
    source : str
        The bundled asset whose series are copied.
    price_scale : float
        Prices are divided by it, base-unit volumes multiplied (USD amounts unchanged).
    end : str, optional
        Drop rows after this date (inclusive, UTC).
    book_totals : bool
        Also write the futures and spot order-book totals (False: a store a user has not
        added them to yet).
    long_short : bool
        Also write the long/short account ratios.
    shift_days : int
        Every timestamp moved this many days later (364 keeps weekdays): the asset's
        data then lie in a period the bundle does not cover (``end`` cuts before it).
    liquidations_venue : str, optional
        The venue label the recorded liquidations are stored under (default the bundled
        series', ``binance``): another venue's feed.

    Returns
    -------
    Path
        ``path``.
    """
    frames = []
    shift = pd.Timedelta(days=shift_days)
    for kind, interval in NEW_ASSET_SERIES:
        df = load_series(kind, asset=source, interval=interval, store=False, end=end).copy()
        if kind == "ohlcv":
            for c in _PRICE:
                df[c] = df[c] / price_scale
            df["volume"] = df["volume"] * price_scale
        venue = str(df.attrs.get("venue") or "unknown")
        if kind == "liquidations" and liquidations_venue is not None:
            venue = liquidations_venue
        frame = df.reset_index()
        frame["ts"] = (pd.DatetimeIndex(frame["ts"]).tz_convert("UTC") + shift).as_unit("us")
        frames.append(SeriesFrame(kind, venue, symbol, interval, frame, file="bundled"))
    from liqcascade.data import book_totals_series, load_book_totals, long_short_series

    if long_short:
        ls = load_series("long_short", asset=source, store=False, end=end).copy()
        ls.index = pd.DatetimeIndex(ls.index) + shift
        frames.append(long_short_series(ls, symbol=symbol, venue="binance", file="bundled"))
    for market, venue in (("futures", "all-venues"), ("spot", "all-venues-spot"))[
        : 2 if book_totals else 0
    ]:
        tot = load_book_totals(source, market, store=False, end=end).copy()
        tot.index = pd.DatetimeIndex(tot.index) + shift
        for c in ("bids_base", "asks_base"):
            tot[c] = tot[c] * price_scale  # base units scale with prices; USD unchanged
        frames.append(book_totals_series(tot, symbol=symbol, venue=venue, file="bundled"))
    with Store(path) as store:
        store.ingest(frames)
    return path


def copy_calibrations(
    store: Path, kinds: tuple[str, ...] = ("book", "liquidity"), symbol: str = "SOLUSDT"
) -> Path:
    """Write the package's BTC calibrations as the store's own for the relabelled asset.

    The relabelled asset's series are BTC's, so BTC's shipped fits are the ones its own
    data give (``liqcascade liqmap calibrate`` and ``liqcascade cascade calibrate``
    produce them in minutes; the tests of those commands run that path). Returns
    ``store``.
    """
    from liqcascade._calibrations import find_calibration, write_calibration
    from liqcascade.data import base_asset

    asset = base_asset(symbol)
    for kind in kinds:
        doc = {**find_calibration(kind, "BTC", False).doc, "asset": asset}
        if isinstance(doc.get("calibrations"), list):  # the liquidity file's months
            doc["calibrations"] = [{**c, "asset": asset} for c in doc["calibrations"]]
        write_calibration(kind, asset, doc, store)
    return store
