"""Bars of an asset cut at the report's as-of date (every bar closed by then).

The per-asset sections (volatility, support, stops) read their asset's bars
through :func:`bars`, so a report run with ``--as-of`` sees nothing after that date.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

_STEP = {
    "1h": pd.Timedelta(hours=1),
    "4h": pd.Timedelta(hours=4),
    "8h": pd.Timedelta(hours=8),
    "1d": pd.Timedelta(days=1),
}
_TICK = pd.Timedelta(microseconds=1)


def as_of_end(as_of: Any) -> pd.Timestamp | None:
    """The inclusive end instant of ``as_of`` (a bare date: the end of that day), or None."""
    if as_of is None:
        return None
    from liqcascade._time import utc_end

    return utc_end(as_of)


def closed_by(frame: pd.DataFrame, interval: str, as_of: Any) -> pd.DataFrame:
    """The rows of ``frame`` (bars labelled by their open) closed by ``as_of``.

    Parameters
    ----------
    frame : DataFrame
        Bars indexed by their UTC open time.
    interval : {"1h", "4h", "8h", "1d"}
        Bar length.
    as_of : date, timestamp or str, optional
        The report's as-of date; ``None`` keeps every bar.
    """
    end = as_of_end(as_of)
    if end is None:
        return frame
    last_open = end - _STEP[interval] + _TICK  # the last bar that closes by ``end``
    return frame[pd.DatetimeIndex(frame.index) <= last_open]


def bars(asset: str, interval: str, as_of: Any, start: Any = None) -> pd.DataFrame:
    """The OHLCV bars of ``asset`` from ``start``, closed by ``as_of``.

    Read from the default store when it holds them, else the bundle
    (:func:`liqcascade.report._data.series`).
    """
    from liqcascade.report._data import series

    return closed_by(series("ohlcv", asset, interval, start), interval, as_of)
