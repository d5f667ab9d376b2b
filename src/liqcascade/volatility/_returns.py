"""Price series for volatility work: loading closes and building percent log returns."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._tables import PARQUET_SUFFIXES
from liqcascade.errors import InputError

INTERVALS: dict[str, float] = {"1d": 1.0, "4h": 6.0, "1h": 24.0, "30m": 48.0}
"""Bars per day of each supported interval (crypto trades 24/7)."""

DAYS_PER_YEAR = 365.0
"""Crypto trades every day: annualisation uses 365 days (8,760 hours)."""


def bars_per_day(interval: str) -> float:
    """Bars per calendar day at ``interval`` (1 for ``1d``, 24 for ``1h``)."""
    if interval not in INTERVALS:
        raise InputError(
            f"interval must be one of {', '.join(INTERVALS)} (got {interval!r})", param="interval"
        )
    return INTERVALS[interval]


def bars_per_year(interval: str) -> float:
    """Bars per year: 365 daily bars or 8,760 hourly bars."""
    return DAYS_PER_YEAR * bars_per_day(interval)


def _utc(value: Any) -> pd.Timestamp | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _end_bound(value: Any) -> pd.Timestamp | None:
    ts = _utc(value)
    if ts is None:
        return None
    # A bare date (midnight) as the end includes that whole day.
    if ts == ts.normalize() and not (isinstance(value, str) and len(value) > 10):
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return ts


def log_returns(close: pd.Series, start: Any = None, end: Any = None) -> pd.Series:
    """Percent log returns ``100 × diff(log(close))`` over the closes inside ``[start, end]``.

    Parameters
    ----------
    close : pandas.Series
        Closing prices (quote currency, e.g. USDT), indexed by a UTC DatetimeIndex.
    start, end : datetime-like, optional
        Inclusive bounds on the closes used. A bare date as ``end`` includes that whole
        day. ``n`` closes inside the range give ``n − 1`` returns, each stamped at the
        later close (the first close in the range only anchors the first return).

    Returns
    -------
    pandas.Series
        Returns in percent, named ``"return_pct"``.

    Raises
    ------
    InputError
        If a close is not a positive finite number, or ``start`` is after ``end``.
    """
    s = close.sort_index()
    lo, hi = _utc(start), _end_bound(end)
    if lo is not None and hi is not None and lo > hi:
        raise InputError(
            f"start ({lo:%Y-%m-%d}) is after end ({hi:%Y-%m-%d})", param=("start", "end")
        )
    if lo is not None:
        s = s[s.index >= lo]
    if hi is not None:
        s = s[s.index <= hi]
    values = s.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        where = s.index[int(np.argmax(bad))]
        raise InputError(f"close must be a positive number (got {values[bad][0]} at {where})")
    r = pd.Series(100.0 * np.diff(np.log(values)), index=s.index[1:], name="return_pct")
    return r


def _load_data_file(path: Path) -> pd.Series:
    """Minimal reader of a user's OHLCV file (used when ``liqcascade.data`` has none)."""
    if not path.exists():
        raise InputError(f"data_file: {path}: no such file", param="data_file")
    try:
        df = pd.read_parquet(path) if path.suffix.lower() in PARQUET_SUFFIXES else pd.read_csv(path)
    except Exception as exc:  # pragma: no cover - depends on the file
        raise InputError(f"data_file: {path}: cannot read: {exc}", param="data_file") from exc
    cols = {c.lower().strip(): c for c in df.columns}
    tcol = next(
        (cols[c] for c in ("ts", "timestamp", "time", "date", "open time") if c in cols), None
    )
    ccol = cols.get("close")
    if tcol is None or ccol is None:
        raise InputError(
            f"data_file: {path}: needs a time column (ts/timestamp/date) and 'close'",
            param="data_file",
        )
    t = df[tcol]
    ts = (
        pd.to_datetime(t, unit="ms", utc=True)
        if pd.api.types.is_numeric_dtype(t)
        else pd.to_datetime(t, utc=True, errors="coerce")
    )
    if ts.isna().any():
        row = int(np.argmax(ts.isna())) + 1
        raise InputError(
            f"data_file: {path}: row {row}: bad time {t[ts.isna()].iloc[0]!r}", param="data_file"
        )
    close = pd.to_numeric(df[ccol], errors="coerce")
    if close.isna().any():
        row = int(np.argmax(close.isna())) + 1
        raise InputError(f"data_file: {path}: row {row}: close is not a number", param="data_file")
    return pd.Series(close.to_numpy(float), index=pd.DatetimeIndex(ts, name="ts"), name="close")


def load_close(
    asset: str = "ETH",
    interval: str = "1d",
    *,
    start: Any = None,
    end: Any = None,
    data_file: str | Path | None = None,
    store: str | Path | None = None,
) -> pd.Series:
    """Closing prices (USDT) of ``asset`` at ``interval``: ``data_file``, store, or bundled.

    Uses ``liqcascade.data.load_series`` when it is available (precedence: the data
    file, then the store, then the bundled data); otherwise the bundled
    :func:`liqcascade.datasets.load_ohlcv` (and a minimal CSV/Parquet reader for
    ``data_file``). The bounds are applied by :func:`log_returns`, not here, except to
    trim what is loaded.
    """
    bars_per_day(interval)  # validates the interval
    loader = None
    try:
        from liqcascade import data as _data

        loader = getattr(_data, "load_series", None)
    except ImportError:  # pragma: no cover
        loader = None
    if loader is not None:
        df = loader(
            "ohlcv",
            asset=asset,
            interval=interval,
            start=start,
            end=end,
            data_file=data_file,
            store=store,
        )
        close = df["close"] if isinstance(df, pd.DataFrame) else df
    elif data_file is not None:
        close = _load_data_file(Path(data_file))
    else:
        import liqcascade.market._bundled as _bundled

        # InputError(param="asset") when the series is not bundled
        close = _bundled.ohlcv(asset, interval)["close"]
    close = close.astype(float).sort_index()
    if close.index.has_duplicates:
        close = close[~close.index.duplicated(keep="last")]
    return close


def annualise(vol_per_bar: float | np.ndarray, interval: str) -> Any:
    """Scale a per-bar volatility (percent) to annual percent: × √(bars per year)."""
    return vol_per_bar * math.sqrt(bars_per_year(interval))
