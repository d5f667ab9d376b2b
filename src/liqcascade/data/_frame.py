"""Frames of the data layer: one canonical series read from a file, and bars resampled.

:class:`SeriesFrame` is a series read from a file, before it goes into the store;
:func:`resample_ohlcv` turns finer OHLCV bars into coarser ones, the one way every
package does it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from liqcascade._time import utc_indexed
from liqcascade.data._kinds import public_kind
from liqcascade.data._time import gap_fields, interval_ms
from liqcascade.errors import InputError

__all__ = ["DROPPED_ROWS_SHOWN", "SeriesFrame", "bars_per_day", "resample_ohlcv"]

#: How many dropped row numbers a warning and a summary name (the first, in file order).
DROPPED_ROWS_SHOWN = 5


@dataclass
class SeriesFrame:
    """A canonical frame of one series with its identity and provenance.

    Parameters
    ----------
    kind : str
        Canonical kind (see :data:`liqcascade.data.KINDS`).
    venue, symbol, interval : str
        The series key in the store (interval like ``"1h"``, or ``"events"``).
    frame : pandas.DataFrame
        Columns of the kind, with ``ts`` a ``datetime64[us, UTC]`` column, and ``_row``,
        the 1-based data row of the source file (dropped before storing).
    file : str
        Source file name (for messages).
    layout : str
        Name of the recognised layout.
    warnings : list of str
        What the user should look at (rows left out or dropped, labels defaulted).
    notes : list of str
        Expected, documented conversions of the layout (CoinGlass percent per 8 h read
        as a fraction, book totals stored at distance 0.01...): nothing to act on.
    dropped_rows : list of int
        Data rows (1-based, file order) left out for a missing required value (only with
        ``drop_missing``).
    gaps : int
        Steps longer than the interval (reported, never filled).
    largest_gap : pandas.Timedelta or None
        The longest step.
    units_known : bool
        The units are settled, so :meth:`~liqcascade.data.Store.ingest` does not judge
        them again (:func:`~liqcascade.data._funding_units.check_series_funding_units`):
        the reader judged them from the values (a file) or was told them (a file's
        declared ``funding_units``), or the source's contract fixes
        them (a venue's API through ccxt: funding as a fraction per interval; a squeeze at
        a venue's cap is real, however far it looks from a calm market's rates). False
        for a series a caller built.
    columns_as_written : dict of str to str
        Canonical column -> the file's own header for it, for the columns read as they
        are under another name (CoinGlass's ``close`` is ``oi_usd``): validation's
        messages name the column the user can find in the file. Empty when none.
    """

    kind: str
    venue: str
    symbol: str
    interval: str
    frame: pd.DataFrame
    file: str = ""
    layout: str = ""
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped_rows: list[int] = field(default_factory=list)
    gaps: int = 0
    largest_gap: pd.Timedelta | None = None
    units_known: bool = False
    columns_as_written: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Number of rows."""
        return len(self.frame)

    def summary(self) -> dict[str, object]:
        """A JSON-able description of the series."""
        ts = self.frame["ts"]
        return {
            "file": self.file,
            "layout": self.layout,
            "kind": public_kind(self.kind),  # liquidations (interval events), as data list
            "venue": self.venue,
            "symbol": self.symbol,
            "interval": self.interval,
            "rows": self.rows,
            "first": ts.min() if self.rows else None,
            "last": ts.max() if self.rows else None,
            "gaps": self.gaps,
            **gap_fields(self.largest_gap),  # ISO 8601 text and seconds
            "rows_dropped": len(self.dropped_rows),
            "dropped_rows_first": self.dropped_rows[:DROPPED_ROWS_SHOWN],
        }


# ----------------------------------------------------------------- bars
_DAY_MS = 86_400_000
#: How each OHLCV column of a bar aggregates the finer bars in it.
_OHLCV_AGG = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}


def bars_per_day(interval: str) -> float:
    """Bars per calendar day at ``interval`` (``"1h"`` -> 24, ``"1d"`` -> 1, ``"1w"`` -> 1/7).

    From :func:`liqcascade.data._time.interval_ms` (crypto trades 24/7).

    Parameters
    ----------
    interval : str
        A bar length: a number and a unit, s, m, h, d or w (``"1m"``, ``"4h"``,
        ``"1d"``, ``"1w"``).

    Returns
    -------
    float
        Bars per 24 hours (fractional for bars longer than a day).

    Raises
    ------
    InputError
        ``interval`` is not a bar interval like ``"4h"`` (``param="interval"``).
    """
    ms = interval_ms(interval)
    if ms is None:
        raise InputError(f"interval: not a bar interval: {interval!r}", param="interval")
    return _DAY_MS / ms


def _bar_offset(interval: str) -> BaseOffset:
    """The pandas offset of a bar ``interval``: a data-layer label or a pandas frequency.

    One day is pandas' calendar ``Day`` (the offset ``"1D"`` gives, midnight UTC); any
    other length is a fixed tick (``"30m"`` -> 30 minutes, not pandas' month end;
    ``"2d"`` -> 48 hours, so that its bins count from the epoch too).
    """
    try:
        ms = interval_ms(interval)
    except InputError:
        ms = None
    if ms is not None:
        if ms == _DAY_MS:
            return pd.tseries.frequencies.to_offset("1D")
        return pd.tseries.frequencies.to_offset(pd.Timedelta(ms, unit="ms"))
    try:
        off = pd.tseries.frequencies.to_offset(interval)
    except (ValueError, TypeError):
        off = None
    if off is None or getattr(off, "n", 0) <= 0:
        raise InputError(
            f"interval: not a bar interval like 1h, 4h, 1d: {interval!r}", param="interval"
        )
    return off


def resample_ohlcv(bars: pd.DataFrame, interval: str) -> pd.DataFrame:
    """OHLCV bars aggregated to ``interval`` bars labelled by their UTC-aligned open.

    Per bar: the first and last non-missing open and close, the max high, the min low
    and the summed volume (columns the input lacks are left out; others are dropped).
    Bins are counted from the Unix epoch, so a bar's open is a multiple of ``interval``
    after 1970-01-01 00:00 UTC whatever the first input bar (4-hour bars open at 00:00,
    04:00, ... UTC; daily bars at midnight UTC). Bins without input bars are not made,
    and bars with a missing price are dropped.

    Sorted input on a UTC index with float columns and an interval shorter than a day
    is binned directly (the resample's values bit for bit, its index and attrs;
    tested), which costs a fraction of a millisecond for the few bars of a ``watch``
    interval; anything else goes through pandas' resample.

    Parameters
    ----------
    bars : pandas.DataFrame
        Finer bars (prices in USD or quote currency, volume in base units) indexed by
        their UTC open time (a naive index is read as UTC).
    interval : str
        The bar length: a data-layer label (``"30m"``, ``"4h"``, ``"1d"``) or a pandas
        fixed frequency (``"15min"``, ``"1D"``).

    Returns
    -------
    pandas.DataFrame
        The coarser bars, indexed by their UTC open time.

    Raises
    ------
    InputError
        ``interval`` is not a bar interval (``param="interval"``).
    """
    off = _bar_offset(interval)
    bars = utc_indexed(bars)
    cols = [c for c in _OHLCV_AGG if c in bars.columns]
    out = _bars_direct(bars, off, cols)
    return out if out is not None else _resampled(bars, off, cols)


def _resampled(bars: pd.DataFrame, off: Any, cols: list[str]) -> pd.DataFrame:
    """:func:`resample_ohlcv` by pandas' resample (any input)."""
    agg = {c: _OHLCV_AGG[c] for c in cols}
    # a calendar day is cut at midnight whatever the origin (pandas warns if one is given)
    origin = "start_day" if isinstance(off, pd.offsets.Day) else "epoch"
    out = bars.resample(off, label="left", closed="left", origin=origin).agg(agg)
    return out.dropna()  # type: ignore[no-any-return]


def _bars_direct(bars: pd.DataFrame, off: Any, cols: list[str]) -> pd.DataFrame | None:
    """:func:`_resampled` without the resample, or None where it does not apply.

    It applies to a non-empty, sorted UTC index, float64 columns and a fixed interval.
    Each row's bar is ``floor(ns / step)``; first and last non-missing values by one
    search in the positions of the non-missing ones, max and min by ``fmax``/``fmin``
    (NaN skipped), the volume by pandas' own group sum (the resample's compensated
    sum); bars without rows are not made, those with a missing price are dropped.
    """
    idx = bars.index
    if not (isinstance(idx, pd.DatetimeIndex) and len(idx) and idx.is_monotonic_increasing):
        return None
    if str(idx.tz) != "UTC" or any(bars[c].dtype != np.float64 for c in cols):
        return None
    if not isinstance(off, pd.offsets.Tick) or off.nanos <= 0:
        return None
    step = int(off.nanos)
    g = idx.as_unit("ns").asi8 // step
    starts = np.flatnonzero(np.diff(g, prepend=g[0] - 1))
    ends = np.append(starts[1:], len(g))
    out: dict[str, Any] = {}
    for c in cols:
        v = bars[c].to_numpy(np.float64)
        if c == "volume":  # pandas' own group sum (its compensated order, NaN skipped)
            out[c] = pd.Series(v).groupby(g, sort=False).sum().to_numpy(np.float64)
        elif c == "high":
            out[c] = np.fmax.reduceat(v, starts)
        elif c == "low":
            out[c] = np.fmin.reduceat(v, starts)
        else:  # first (open) or last (close) non-missing value of each bar
            ok = np.flatnonzero(~np.isnan(v))
            r = np.full(len(starts), np.nan)
            if len(ok):
                if c == "open":  # the first non-missing row at or after the bar's start
                    k = np.minimum(np.searchsorted(ok, starts), len(ok) - 1)
                else:  # the last one before its end
                    k = np.maximum(np.searchsorted(ok, ends) - 1, 0)
                has = (ok[k] >= starts) & (ok[k] < ends)
                r[has] = v[ok[k[has]]]
            out[c] = r
    keep = np.ones(len(starts), bool)
    for c in cols:
        keep &= ~np.isnan(out[c])
    bins = g[starts][keep]
    # the resample's index keeps a freq where the bars kept are evenly spaced in its bins
    # (pandas turns such a mask into a slice): the interval times their spacing
    d = np.diff(bins)
    freq: Any = None
    if len(bins) <= 1:
        freq = off
    elif (d == d[0]).all():
        freq = off * int(d[0])
    labels = pd.DatetimeIndex(bins * step, tz="UTC").as_unit(idx.unit)
    frame = pd.DataFrame({c: out[c][keep] for c in cols}, index=labels)
    frame.index = pd.DatetimeIndex(frame.index, freq=freq, name=idx.name)
    frame.attrs = dict(bars.attrs)
    return frame
