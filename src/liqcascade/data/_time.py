"""Timestamps: parsing any column to UTC, bar intervals, gaps, symbols."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from liqcascade._time import to_utc
from liqcascade.errors import InputError

__all__ = [
    "base_asset",
    "count_gaps",
    "format_interval",
    "infer_interval",
    "interval_ms",
    "parse_times",
    "to_utc",
]

_UNITS_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def epoch_unit(values: np.ndarray) -> str:
    """Unit of epoch numbers by magnitude: s (< 1e11), ms (< 1e14), us (< 1e17), else ns.

    1e11 s is the year 5138 and 1e11 ms is 1973-03, so any real market time is unambiguous.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return "ms"
    m = float(np.nanmedian(np.abs(finite)))
    if m < 1e11:
        return "s"
    if m < 1e14:
        return "ms"
    if m < 1e17:
        return "us"
    return "ns"


def parse_times(col: pd.Series, file: str, name: str) -> pd.Series:
    """Parse a time column (ISO text, date, or epoch s/ms/µs by magnitude) to UTC.

    Parameters
    ----------
    col : pandas.Series
        Raw column.
    file, name : str
        File and column name, for error messages.

    Returns
    -------
    pandas.Series
        ``datetime64[us, UTC]``; unparseable values raise :class:`InputError` naming the row.
    """
    if pd.api.types.is_datetime64_any_dtype(col):
        out = pd.to_datetime(col, utc=True)
    elif pd.api.types.is_numeric_dtype(col):
        vals = col.to_numpy(dtype="float64")
        if np.isfinite(vals).any() and np.nanmedian(np.abs(vals)) < 1e7:
            raise InputError(
                f"{file}: column {name!r}: numbers too small to be epoch times "
                f"(e.g. {vals[np.isfinite(vals)][0]:g})"
            )
        unit = epoch_unit(vals)
        ints = pd.array(np.round(vals), dtype="Float64").astype("Int64")
        out = pd.to_datetime(pd.Series(ints, index=col.index), unit=unit, utc=True)  # type: ignore[call-overload]
    else:
        text = col.astype("string").str.strip()
        if text.str.fullmatch(r"-?\d+(\.\d+)?").fillna(False).all() and text.notna().any():
            return parse_times(pd.to_numeric(text), file, name)
        try:
            out = pd.to_datetime(text, utc=True, format="ISO8601")
        except (ValueError, TypeError):
            try:
                out = pd.to_datetime(text, utc=True, format="mixed")
            except (ValueError, TypeError) as exc:
                bad = _first_bad_time(text)
                raise InputError(
                    f"{file}: row {bad + 1}: {name}: not a time: {text.iloc[bad]!r}"
                ) from exc
    out = out.astype("datetime64[us, UTC]")
    return out


def _first_bad_time(text: pd.Series) -> int:
    for i, v in enumerate(text.tolist()):
        if v is None or v is pd.NA:
            continue
        try:
            pd.Timestamp(v)
        except (ValueError, TypeError):
            return i
    return 0


def interval_ms(interval: str) -> int | None:
    """Milliseconds in an interval label like ``"4h"`` (``None`` for ``"events"``)."""
    m = re.fullmatch(r"(\d+)\s*([smhdw])", interval.strip().lower())
    if m is None:
        if interval.strip().lower() in ("events", "irregular"):
            return None
        raise InputError(f"--interval: not an interval like 1m, 4h, 1d: {interval!r}")
    return int(m.group(1)) * _UNITS_MS[m.group(2)]


def format_interval(ms: int) -> str:
    """Label of an interval in ms: ``3_600_000 -> "1h"``."""
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS_MS[unit]
        if ms % size == 0 and ms >= size:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def infer_interval(ts: pd.Series | pd.DatetimeIndex) -> str:
    """Bar interval from timestamps: the most common step between distinct times.

    Steps are rounded to the second (funding times a few ms off the hour still give
    ``"8h"``); ties go to the shorter step. Fewer than two distinct times give
    ``"events"`` (no interval can be inferred).
    """
    values = _ms(ts)
    if values.size < 2:
        return "events"
    steps = np.diff(np.unique(values))
    steps = np.round(steps / 1000.0).astype(np.int64) * 1000
    steps = steps[steps > 0]
    if steps.size == 0:
        return "events"
    uniq, counts = np.unique(steps, return_counts=True)
    return format_interval(int(uniq[np.argmax(counts)]))


def _ms(ts: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    idx = pd.DatetimeIndex(ts)
    return np.asarray(idx.as_unit("ms").asi8, dtype=np.int64)


def count_gaps(ts: pd.Series | pd.DatetimeIndex, interval: str) -> tuple[int, pd.Timedelta | None]:
    """Gaps in a sorted bar series: steps longer than ``interval`` (count, largest step).

    A step is a gap when it exceeds 1.5 intervals (timestamps a few ms off the grid,
    as in some venues' funding times, are not gaps). Gaps are reported, never filled.
    """
    step = interval_ms(interval)
    values = _ms(ts)
    if step is None or values.size < 2:
        return 0, None
    d = np.diff(values)
    gaps = d[d > 1.5 * step]
    if gaps.size == 0:
        return 0, None
    return int(gaps.size), pd.Timedelta(milliseconds=int(gaps.max()))


_QUOTES = ("USDT", "USDC", "BUSD", "FDUSD", "USD", "PERP", "EUR")


def base_asset(symbol: str) -> str:
    """Base asset of a market symbol: ETHUSDT, ETH/USDT:USDT, ETH-USDT, ETHUSD_PERP.A -> ETH."""
    s = symbol.strip().upper()
    for sep in ("/", "-", "_", ":", "."):
        if sep in s:
            s = s.split(sep, 1)[0]
    for q in _QUOTES:
        if s.endswith(q) and len(s) > len(q):
            return s[: -len(q)]
    return s
