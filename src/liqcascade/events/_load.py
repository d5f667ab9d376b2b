"""Bars for the support study: the store and bundled data, or a user file, at 1d, 4h or 1h."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade._time import to_utc, utc_end
from liqcascade.errors import InputError
from liqcascade.events._study import bars_per_day, resample_ohlcv


def _asset_bars(
    asset: str, base: str, start: Any, end: Any, store: str | Path | None = None
) -> tuple[pd.DataFrame, str]:
    """The bars of ``asset``: ``store``'s (default: the user's) merged with the bundle's.

    Read by :func:`liqcascade.data.load_series` (stored rows win where both hold a bar,
    bundled rows fill the rest). Raises the bundle's :class:`InputError`
    (``param="asset"``) when neither holds the asset
    (:class:`~liqcascade.data.SeriesNotFound`); a store that cannot be opened (a
    ``store`` given that does not exist included), or stored rows refused at read, raise
    as they are (they name the store). As the report reads them.
    """
    import liqcascade.data as _bundled
    from liqcascade.data import SeriesNotFound, load_series

    a = asset.upper()
    try:
        df = load_series("ohlcv", asset=a, interval=base, start=start, end=end, store=store)
    except SeriesNotFound:
        _bundled.ohlcv(a, base, start, end)  # InputError(param="asset"): what it holds
        raise
    source = str(df.attrs.get("source", ""))
    if source.startswith("bundled:"):
        return df, f"bundled Binance spot {a} {base}"
    return df, f"store {a} {base} ({source})"


_UNITS: tuple[tuple[str, int], ...] = (("day", 86_400), ("hour", 3_600), ("minute", 60))


def in_words(step: pd.Timedelta) -> str:
    """A bar step in words: ``1 day``, ``4 hours``, ``90 minutes``, ``1.5 seconds``.

    The largest unit (day, hour, minute) that holds a whole number of it; a step no
    such unit divides reads as the largest unit it reaches, to 3 significant figures
    (``1.5 days``); a step under a minute in seconds.

    Parameters
    ----------
    step : Timedelta
        A positive step.

    Returns
    -------
    str
    """

    def count(x: float, name: str) -> str:
        text = f"{x:.0f}" if x == int(x) else f"{x:.3g}"
        return f"{text} {name}" + ("" if text == "1" else "s")

    sec = step.total_seconds()
    for name, size in _UNITS:
        if sec >= size and sec % size == 0:
            return count(sec // size, name)
    for name, size in _UNITS:
        if sec >= size:
            return count(sec / size, name)
    return count(sec, "second")


def _day(t: Any, none: str) -> str:
    """A range end as a day (``none`` when not given)."""
    return none if t is None else f"{to_utc(t, 'start'):%Y-%m-%d}"


def load_bars(
    asset: str = "ETH",
    interval: str = "1d",
    start: Any = None,
    end: Any = None,
    data_file: str | Path | None = None,
    store: str | Path | None = None,
) -> tuple[pd.DataFrame, str]:
    """OHLCV bars for the study, and a note on where they came from.

    Parameters
    ----------
    asset : str
        Asset when no file is given: the store's bars merged with the bundled ones
        (``ETH``, ``BTC``), as the report reads them.
    interval : {"1d", "4h", "1h"}
        Bar interval. Finer bars are aggregated to it (UTC-aligned bins; the bundled
        hourly ETH gives ``4h``); coarser bars are an error.
    start, end : datetime-like, optional
        Inclusive range (UTC; naive values are read as UTC); an ``end`` given as a date
        (``"2024-06-30"``, a :class:`datetime.date`) holds that whole day, a time is
        taken as given (a :class:`pandas.Timestamp` or a :class:`datetime.datetime` at
        midnight is that instant), as :func:`liqcascade.volatility.log_returns` reads it.
    data_file : path, optional
        A user OHLCV file, read by :func:`liqcascade.data.load_series` (any layout the
        ingestion layer recognises).
    store : path, optional
        The DuckDB store to read the asset's bars from, merged with the bundled ones;
        default the user's store (``$LIQCASCADE_STORE`` or
        ``~/.liqcascade/store.duckdb``, if it exists). One that does not exist is an
        :class:`InputError` (``param="store"``). Not read with ``data_file``.

    Returns
    -------
    tuple of (DataFrame, str)
        The bars (``open``, ``high``, ``low``, ``close``, ``volume``; UTC index) and
        where they came from.
    """
    step = pd.Timedelta(days=1) / bars_per_day(interval)
    if data_file is not None:
        from liqcascade.data import load_series

        path = Path(data_file)
        df = load_series("ohlcv", asset=asset, data_file=path)  # cut below (its span said)
        source = str(path)
    else:
        df, source = _asset_bars(asset, "1d" if interval == "1d" else "1h", start, end, store)
    whole = df
    if end is not None:
        df = df[df.index <= utc_end(end, "end")]
    if start is not None:
        df = df[df.index >= to_utc(start, "start")]
    if df.empty and not whole.empty:  # the range missed the data: say where they are
        raise InputError(
            f"start/end: no bars from {_day(start, 'the first')} to {_day(end, 'the last')}; "
            f"the bars of {source} run "
            f"{whole.index[0]:%Y-%m-%d} -> {whole.index[-1]:%Y-%m-%d}",
            param=("start", "end"),
        )
    if len(df) > 1:
        spacing = pd.Timedelta(pd.Series(df.index).diff().median())
        if spacing > step * 1.01:
            raise InputError(
                f"interval {interval}: the bars are {in_words(spacing)} apart (median step), "
                f"coarser than {interval}",
                param="interval",
            )
        if spacing < step * 0.99:
            df = resample_ohlcv(df, "1D" if interval == "1d" else interval)
            source += f", aggregated to {interval}"
    return df, source
