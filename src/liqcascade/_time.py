"""Time bounds shared by every layer: UTC timestamps and inclusive date ends."""

from __future__ import annotations

from typing import Any

import pandas as pd


def to_utc(value: Any) -> pd.Timestamp:
    """A :class:`pandas.Timestamp` in UTC (naive input is read as UTC)."""
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def utc_end(value: Any) -> pd.Timestamp:
    """An inclusive end bound in UTC: a bare date string means the end of that day.

    ``"2025-07-31"`` gives 2025-07-31 23:59:59.999999 UTC, so a range ending on a date
    holds that whole day; any other value is taken as given (:func:`to_utc`).
    """
    ts = to_utc(value)
    if isinstance(value, str) and len(value.strip()) <= 10:
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return ts
