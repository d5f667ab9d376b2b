"""The market's inputs, loaded through one door: ``data.load_series`` (file -> store -> bundled).

Only :mod:`liqcascade.data`, :mod:`liqcascade.market`, :mod:`liqcascade.report` and the
command line load data; every model takes the frames this module loads as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade._time import closed_mask, resolve_as_of
from liqcascade.data import (
    SeriesNotFound,
    bundled,
    bundled_book_totals,
    load_series,
    price_at,
    resample_ohlcv,
)
from liqcascade.errors import InputError

__all__ = [
    "MarketInputs",
    "bars_until",
    "book_totals_for",
    "bundled_book_totals",
    "closed_by",
    "closed_mask",
    "load_market_inputs",
    "long_short_for",
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
    long_short : pandas.DataFrame or None
        The venue's long/short account ratio (``global_account_long_pct``, percent) where
        one is recorded (bundled: BTC), a side signal of the identified book.
    sources : dict
        Series name -> ``"bundled:NAME"``, ``"store:PATH"`` or ``"file:PATH"``.
    live_depth : pandas.DataFrame or None
        Binance's live depth snapshots stored by ``liqcascade watch`` (the store's
        ``depth`` kind, interval ``events``), if any (see :mod:`liqcascade.book._live`).
    """

    asset: str
    open_interest: pd.DataFrame
    prices: pd.DataFrame
    funding: pd.DataFrame | None
    taker: pd.DataFrame | None
    book_totals: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    long_short: pd.DataFrame | None = None
    live_depth: pd.DataFrame | None = None


def _series(kind: str, asset: str, interval: str, store: StoreArg) -> pd.DataFrame | None:
    """The series, or None when neither the store nor the bundle holds it.

    A store that cannot be read, or stored rows at another level, raise: not "absent".
    """
    try:
        return load_series(kind, asset=asset, interval=interval, store=store)
    except SeriesNotFound:
        return None


def book_totals_for(asset: str, store: Any = None) -> tuple[pd.DataFrame, str]:
    """The futures order-book totals of ``asset``: the store's, else the bundled ones.

    Returns ``(totals, source)``.

    Raises
    ------
    InputError
        If neither holds any (names the asset and the file to ingest).
    """
    from liqcascade.data import load_book_totals

    totals = load_book_totals(asset.upper(), "futures", store=store)
    return totals, str(totals.attrs.get("source", ""))


def _contract_hint(asset: str) -> str:
    """``". SOLUSDT is a contract: did you mean SOL, its base asset?"``, or ``""``.

    An asset is a base asset (``SOL``); a contract's symbol given instead (``SOLUSDT``,
    ``SOL/USDT:USDT``) finds none of the store's series, which are kept under the base.
    """
    from liqcascade.data import base_asset

    base = base_asset(asset)
    if not base or base == asset:
        return ""
    return f". {asset} is a contract: did you mean {base}, its base asset?"


def load_market_inputs(asset: str = "ETH", *, store: StoreArg = None) -> MarketInputs:
    """Load every series the estimated market of ``asset`` needs.

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset: any asset whose series are in the store, or a bundled one (ETH and
        BTC, 2024-11 -> 2025-07 for the derivatives series).
    store : str, Path, bool, optional
        As in :func:`liqcascade.data.load_series` (``None``: the default store if it
        exists, ``False``: bundled data only).

    Raises
    ------
    InputError
        If open interest, hourly prices or book totals are missing (names ``asset``
        and the series).
    """
    a = asset.upper()
    oi = _series("open_interest", a, "4h", store)
    if oi is None:
        raise InputError(
            f"asset: no 4-hourly open interest for {a}: not in the store and not bundled "
            f"(bundled: {', '.join(bundled.assets())}); ingest its open interest into the "
            f"store: `liqcascade data ingest FILE`{_contract_hint(a)}",
            param="asset",
        )
    px = _series("ohlcv", a, "1h", store)
    if px is None:
        raise InputError(
            f"asset: no hourly prices for {a}: not in the store and not bundled; ingest "
            "its hourly OHLCV bars into the store: `liqcascade data ingest FILE`",
            param="asset",
        )
    funding = _series("funding", a, "4h", store)
    taker = _series("taker", a, "4h", store)
    totals, totals_src = book_totals_for(a, store)
    sources = {
        "open_interest": str(oi.attrs.get("source", "")),
        "prices": str(px.attrs.get("source", "")),
        "book_totals": totals_src,
    }
    if funding is not None:
        sources["funding"] = str(funding.attrs.get("source", ""))
    if taker is not None:
        sources["taker"] = str(taker.attrs.get("source", ""))
    long_short, sources["long_short"] = long_short_for(a, store)
    live = _live_depth(a, store)
    if live is not None:
        sources["live_depth"] = str(live.attrs.get("source", ""))
    return MarketInputs(a, oi, px, funding, taker, totals, sources, long_short, live)


def _live_depth(asset: str, store: StoreArg) -> pd.DataFrame | None:
    """Binance's stored live depth snapshots of ``asset`` (never bundled data), or None."""
    try:
        df = load_series("depth", asset=asset, venue="binance", interval="events", store=store)
    except SeriesNotFound:
        return None
    return df if str(df.attrs.get("source", "")).startswith("store:") else None


def bundled_long_short(asset: str) -> pd.DataFrame | None:
    """The bundled long/short account ratios of ``asset`` (percent long), or None.

    None only for an asset without them (the loader's ``KeyError``); a bundled file
    that cannot be read is a broken install and raises.
    """
    try:
        return bundled.load_long_short(asset=asset.upper())
    except KeyError:
        return None


def long_short_for(asset: str, store: Any = None) -> tuple[pd.DataFrame | None, str]:
    """The venue's long/short ratios of ``asset`` and their source (optional series).

    Through the data layer first (a ``long_short`` kind of
    :func:`liqcascade.data.load_series`: store, then bundled), else the bundled loader
    (BTC only); ``(None, "none")`` when neither has them (ETH has none bundled).
    Only a series nobody holds (:class:`~liqcascade.data.SeriesNotFound`) reads as
    absent: a store that cannot be opened, or stored rows refused at read, raise.
    """
    a = asset.upper()
    try:
        df = load_series("long_short", asset=a, interval="4h", store=store)
    except SeriesNotFound:
        df = None
    if df is not None and "global_account_long_pct" in df.columns:
        return df, str(df.attrs.get("source", "")) or "data layer"
    df = bundled_long_short(a)
    return df, (f"bundled:{a.lower()}_long_short_4h" if df is not None else "none")


def closed_by(frame: pd.DataFrame, instant: pd.Timestamp, step: pd.Timedelta) -> pd.DataFrame:
    """The bars of ``frame`` (labelled by open time, ``step`` long) closed by ``instant``.

    The rows of :func:`closed_mask` of its index; on a sorted index, the leading rows
    found by one binary search (a slice, no mask and no copy: ``watch`` asks it of the
    whole hourly history every interval).
    """
    idx = frame.index
    if isinstance(idx, pd.DatetimeIndex) and idx.is_monotonic_increasing:
        return frame.iloc[: idx.searchsorted(instant - step, side="right")]
    return frame[closed_mask(idx, instant, step)]


#: The 4-hour (or any) bars of hourly prices: :func:`liqcascade.data.resample_ohlcv`.
ohlc_bars = resample_ohlcv


def _ohlc(frame: pd.DataFrame, interval: str) -> pd.DataFrame:
    """The open, high, low and close of ``frame`` at ``interval`` (USD; no volume)."""
    return resample_ohlcv(frame[["open", "high", "low", "close"]], interval)


def bars_until(
    asset: str, interval: str, as_of: Any = None, *, store: StoreArg = None
) -> pd.DataFrame:
    """OHLCV bars of ``asset`` at ``interval`` closed at or before ``as_of`` (all if None).

    Loaded through :func:`liqcascade.data.load_series`; the one date rule of
    :func:`liqcascade._time.resolve_as_of` (a bare date: the close of that day).

    Parameters
    ----------
    asset : str
        Base asset (``"ETH"``, ``"BTC"`` ...).
    interval : str
        Bar length (``"1h"``, ``"4h"``, ``"1d"`` ...).
    as_of : datetime-like, optional
        The cut-off, UTC (naive read as UTC): bars labelled by their open time are
        kept when they closed (open + ``interval``) at or before it; None keeps all.
    store : str, Path, bool, optional
        The store to look in (``None`` the default store if it exists, ``False``
        the bundled data only; :func:`liqcascade.data.load_series`).

    Returns
    -------
    pandas.DataFrame
        OHLCV bars (prices USD(T), volume base-asset units), UTC index of bar open
        times.
    """
    df = load_series("ohlcv", asset=asset, interval=interval, store=store)
    if as_of is None or df.empty:
        return df
    label = resolve_as_of(as_of, pd.DatetimeIndex(df.index), interval)
    return df[df.index <= label]


# ----------------------------------------------------------------- position-book frames
def _check_store(store: Any) -> Any:
    if isinstance(store, str | Path) and not Path(store).exists():
        raise InputError(f"store: {store}: no such store", param="store")
    return store


def _load_both(kind: str, asset: str, interval: str | None, store: Any) -> list[pd.DataFrame]:
    """The series from the store (if it holds it) and from the bundle, store first.

    A source that does not hold the series (:class:`~liqcascade.data.SeriesNotFound`)
    adds nothing; any other error of :func:`~liqcascade.data.load_series` (a store that
    cannot be opened, stored rows refused at read) raises.
    """
    out: list[pd.DataFrame] = []
    if store is not False:
        try:
            s = load_series(kind, asset=asset, interval=interval, store=store)
            if str(s.attrs.get("source", "")).startswith(("store:", "file:")):
                out.append(s)
        except SeriesNotFound:
            pass
    try:
        out.append(load_series(kind, asset=asset, interval=interval, store=False))
    except SeriesNotFound:
        pass
    return out


def _merge(frames: list[pd.DataFrame]) -> tuple[pd.DataFrame | None, str]:
    """First frame wins where frames overlap; sources joined with ``+``."""
    if not frames:
        return None, ""
    out = frames[0]
    for f in frames[1:]:
        out = out.combine_first(f)
    out = out[~out.index.duplicated(keep="first")].sort_index()
    srcs = [str(f.attrs.get("source", "?")) for f in frames]
    return out, " + ".join(dict.fromkeys(srcs))


def load_backtest_data(
    asset: str = "ETH", interval: str = "4h", end: Any = None, store: Any = None
) -> Any:
    """Open interest, prices, recorded liquidations, funding and taker series (all bars).

    Each comes from the store where it holds the series, then from the bundled data
    for the bars the store lacks. Returns a
    :class:`liqcascade.positions.ValidationData` (the inputs of the cohort book).

    Raises
    ------
    InputError
        If no open interest or no prices exist for ``asset`` at ``interval``.
    """
    from liqcascade.positions import ValidationData

    asset = asset.upper()
    store = _check_store(store)
    oi, oi_src = _merge(_load_both("open_interest", asset, interval, store))
    if oi is None or oi.empty:
        raise InputError(
            f"asset: no open interest for {asset} at {interval}: not in the store and not "
            "bundled (ingest its open interest into the store: `liqcascade data ingest FILE`)",
            param="asset",
        )
    price_frames = [
        _ohlc(f, interval) for f in _load_both("ohlcv", asset, interval, store) if "close" in f
    ]
    if interval != "1h":
        price_frames += [
            _ohlc(f, interval) for f in _load_both("ohlcv", asset, "1h", store) if "close" in f
        ]
    ohlc, px_src = _merge(price_frames)
    if ohlc is None:
        raise InputError(
            f"asset: no prices for {asset} at {interval} or 1h: not in the store and not bundled",
            param="asset",
        )
    if "oi_usd" not in oi.columns or oi["oi_usd"].isna().any():
        if "oi_base" not in oi.columns:
            raise InputError(f"open interest for {asset} has neither oi_usd nor oi_base")
        usd = oi["oi_base"] * ohlc["close"].reindex(oi.index)
        oi = oi.assign(oi_usd=oi["oi_usd"].fillna(usd) if "oi_usd" in oi else usd)
    rec_frames = _load_both("liquidations", asset, interval, store)
    rec, rec_src = _merge(rec_frames)
    if rec is not None and not {"long_usd", "short_usd"} <= set(rec.columns):
        rec = None
    if rec is not None:  # whose feed the record is (a calibration's ``meta["feed"]``)
        rec = rec[["long_usd", "short_usd"]]
        venues = (str(f.attrs.get("venue") or "unknown") for f in rec_frames)
        rec.attrs["venue"] = " + ".join(dict.fromkeys(venues))
    fund, fund_src = _merge(_load_both("funding", asset, None, store))
    taker, taker_src = _merge(_load_both("taker", asset, interval, store))
    return ValidationData(
        oi=oi[["oi_usd"]].dropna(),
        ohlc=ohlc,
        recorded=rec,
        funding=fund,
        taker=taker,
        sources={
            "open_interest": oi_src,
            "prices": px_src,
            "liquidations": rec_src or "none",
            "funding": fund_src or "none",
            "taker": taker_src or "none",
        },
    )


def load_market_frames(asset: str = "ETH", interval: str = "4h", store: Any = None) -> Any:
    """The frames the identified book reads, for ``asset`` (store first, then bundled).

    Open interest, prices, recorded liquidations, funding and taker as in
    :func:`load_backtest_data`, plus the venue's long/short account ratio where one is
    bundled (BTC). Returns a :class:`liqcascade.positions._model.MarketFrames`; the
    model functions take it as an argument.

    Raises
    ------
    InputError
        As :func:`load_backtest_data`: no open interest or prices for ``asset``, a
        store that cannot be opened, or stored rows refused at read (never read as
        "absent": the bundle is not put in their place).
    """
    from liqcascade.positions import MarketFrames

    v = load_backtest_data(asset, interval, None, store)  # store first, then bundled
    long_short, ls_src = long_short_for(asset, store)
    sources = dict(v.sources)
    sources["long_short"] = ls_src
    return MarketFrames(
        oi=v.oi,
        ohlc=v.ohlc,
        funding=v.funding,
        long_short=long_short,
        taker=v.taker,
        liquidations=v.recorded,
        asset=asset.upper(),
        sources=sources,
    )
