"""Each bar's close for a CoinGlass taker file in coin units, from the hourly prices held.

CoinGlass's futures taker export (``taker_buy_volume_usd, taker_sell_volume_usd``) holds
coin units and no price (docs/data.md, "Taker volume units"). ``data ingest`` converts
it at each bar's close taken from the asset's hourly prices the commands read
(:func:`~liqcascade.data.load_series`: the store's, filled by the bundle's), by the
rule the bundled ``eth_taker_4h`` and ``btc_taker_4h`` were converted with
(``tools/build_datasets.py``): a bar's close is the close of the last hour inside it
that the prices hold (``close.resample(interval).last()``; the 4-hour bar at 08:00
closes with the hour opening at 11:00).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade._symbols import base_asset
from liqcascade.data._columns import first_of
from liqcascade.data._layouts import (
    _TAKER_COIN,
    HOUR_CLOSE,
    SYMBOL_COLUMNS,
    TAKER_COIN_UNITS,
    TAKER_REMEDY,
)
from liqcascade.data._readers import _time_col, symbol_from_name
from liqcascade.data._series import SeriesNotFound, load_series
from liqcascade.data._source import source_parts
from liqcascade.data._time import infer_interval, interval_ms, parse_times
from liqcascade.errors import InputError

__all__ = ["add_hour_closes", "bar_closes"]

_HOUR = pd.Timedelta(hours=1)


def bar_closes(bars: pd.DatetimeIndex, length: pd.Timedelta, hours: pd.Series) -> np.ndarray:
    """The close of each bar: the close of the last hour inside it that ``hours`` holds.

    Parameters
    ----------
    bars : pandas.DatetimeIndex
        Each bar's open (UTC), any order; ``NaT`` gets no close.
    length : pandas.Timedelta
        The bars' length (at least an hour).
    hours : pandas.Series
        Hourly closes (USD per coin) indexed by each hour's open (UTC), sorted.

    Returns
    -------
    numpy.ndarray
        float64, one per bar, USD per coin: the close of the latest hour opening in
        ``[bar, bar + length)``; NaN where no hour opens inside the bar. On bars aligned
        to ``length`` from midnight this is ``hours.resample(length).last()`` at the bars.
    """
    h = hours.dropna()
    at = pd.DatetimeIndex(h.index).as_unit("ns").asi8
    t = pd.DatetimeIndex(bars).as_unit("ns")
    out = np.full(len(t), np.nan)
    ok = ~np.asarray(t.isna(), dtype=bool)
    if not ok.any() or not len(at):
        return out
    start = t.asi8[ok]
    last = np.searchsorted(at, start + length.value, side="left") - 1  # last hour before the end
    inside = (last >= 0) & (at[np.maximum(last, 0)] >= start)
    vals = np.full(start.shape, np.nan)
    vals[inside] = h.to_numpy(dtype="float64")[last[inside]]
    out[ok] = vals
    return out


def _symbol(raw: pd.DataFrame, name: str, symbol: str | None) -> str:
    """The market the file is read as: the caller's, the file's column, its name's."""
    if symbol is not None:
        return symbol
    col = first_of(raw, *SYMBOL_COLUMNS)
    if col is not None:
        held = sorted({str(v).strip() for v in raw[col].dropna()})
        if len(held) == 1:
            return held[0]
        raise InputError(
            f"the file holds {', '.join(held) or 'no symbol'} in its {col} column: give "
            "symbol (one market a file: each bar's close converts the coin units)",
            file=name,
            param="symbol",
        )
    named = symbol_from_name(name)
    if named is None:
        raise InputError(
            "the taker volumes are coin units, converted at each bar's close from the "
            "asset's hourly prices, and neither the file nor its name says which asset: "
            "give symbol (e.g. SOLUSDT)",
            file=name,
            param="symbol",
        )
    return named


def _bar_length(ts: pd.Series, name: str, interval: str | None) -> pd.Timedelta:
    """The bars' length: ``interval``, else the most common step; at least an hour."""
    label = interval if interval is not None else infer_interval(pd.DatetimeIndex(ts.dropna()))
    ms = interval_ms(label)
    if ms is None:
        raise InputError(
            "interval must be given (e.g. 4h): a bar's close is the close of its last "
            "hour, and a single timestamp does not say where the bar ends",
            file=name,
            param="interval",
        )
    if ms < 3_600_000:
        raise InputError(
            f"the bars are {label} long, shorter than the hourly prices a bar's close is "
            "taken from: add each bar's close (USD per coin) as a column close",
            file=name,
        )
    return pd.Timedelta(milliseconds=ms)


def _describe(prices: pd.DataFrame) -> str:
    """Where the hourly closes came from, as a note names it."""
    parts = []
    for part in source_parts(str(prices.attrs.get("source", ""))):
        if part.where == "store":
            who = f"{prices.attrs.get('venue')}/{prices.attrs.get('symbol')}"
            parts.append(f"the store's {who} 1h bars ({part.name})")
        else:
            parts.append(f"the {part.where} {part.name}")
    return " and ".join(parts) or "the hourly prices"


def _bars(n: int) -> str:
    return f"{n} bar" if n == 1 else f"{n:,} bars"


def _span(prices: pd.DataFrame) -> str:
    first, last = prices.index[0], prices.index[-1]
    return f"{first:%Y-%m-%d %H:%M} -> {last:%Y-%m-%d %H:%M} UTC"


def add_hour_closes(
    raw: pd.DataFrame,
    name: str,
    *,
    symbol: str | None,
    interval: str | None,
    store: Path | None,
    drop_missing: bool,
) -> tuple[pd.DataFrame, str]:
    """``raw`` with each bar's close (USD per coin) added as :data:`HOUR_CLOSE`.

    Parameters
    ----------
    raw : pandas.DataFrame
        A CoinGlass futures taker file without a close column (normalised names).
    name : str
        The file, for messages.
    symbol, interval : str, optional
        The caller's labels (else the file's, as :func:`~liqcascade.data.read_file`).
    store : Path or None
        The store to read prices from (None: there is none yet, the bundle only).
    drop_missing : bool
        Leave the bars without an hourly close empty (validation then leaves them out,
        counted) instead of refusing the file.

    Returns
    -------
    (pandas.DataFrame, str)
        The frame with the column, and the note saying where the closes came from.

    Raises
    ------
    InputError
        No hourly prices of the asset (naming what to ingest), no asset to look them up
        by (``symbol``), bars shorter than an hour or of unknown length (``interval``),
        or, without ``drop_missing``, the first bar (in file order) with no hourly
        close inside it, naming its row and the span of the prices held.
    """
    sym = _symbol(raw, name, symbol)
    asset = base_asset(sym)
    tcol = _time_col(raw, name)
    ts = parse_times(raw[tcol], name, tcol)
    length = _bar_length(ts, name, interval)
    try:
        prices = load_series("ohlcv", asset=asset, interval="1h", store=store or False)
    except SeriesNotFound:
        where = f"the store ({store})" if store is not None else "the store (none yet)"
        raise InputError(
            f"{TAKER_COIN_UNITS}, converted at each bar's close from {asset}'s hourly "
            f"prices, and neither {where} nor the bundle holds any: ingest them first, in a "
            f"call of their own (`liqcascade data ingest {asset}USDT_1h_….csv`), then this "
            f"file; or {TAKER_REMEDY}",
            file=name,
        ) from None
    close = bar_closes(pd.DatetimeIndex(ts), length, prices["close"])
    has = (raw[_TAKER_COIN[0]].notna() | raw[_TAKER_COIN[1]].notna()).to_numpy()
    lacking = np.flatnonzero(has & np.isnan(close) & ts.notna().to_numpy())
    src = _describe(prices)
    if lacking.size and not drop_missing:
        i = int(lacking[0])
        bar = f"{ts.iloc[i]:%Y-%m-%d %H:%M}"
        raise InputError(
            f"no {asset} hourly close inside the bar {bar} UTC to convert "
            f"its coin units at; the hourly prices, {src}, run {_span(prices)}: ingest the "
            "missing hours, or drop_missing leaves such bars out (counted in a warning)",
            file=name,
            param="drop_missing",
            row=i + 1,
        )
    note = (
        "taker volume in coin units converted to USD at each bar's close, the close of its "
        f"last hour in {src}"
    )
    own = bar_closes(pd.DatetimeIndex(ts) + (length - _HOUR), _HOUR, prices["close"])
    earlier = int((has & ~np.isnan(close) & np.isnan(own)).sum())
    if earlier:  # the bundle's rule: the last hour the prices hold inside the bar
        note += f"; {_bars(earlier)} missing that hour at the latest hour held inside them"
    if lacking.size:
        note += f"; {_bars(lacking.size)} with no hour held left out"
    return raw.assign(**{HOUR_CLOSE: close}), note
