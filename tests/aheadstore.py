"""A store whose ETH series run past the bundle's end, as a nightly job leaves it.

:func:`ahead_store` writes the bundled ETH open interest (and, on request, its funding
and futures order-book totals) into a fresh store with one or more days more: the last
day's bars again, a day later each time. The other series stay the bundle's, so the
store's open interest runs ahead of what the market also needs (ops29 R1, R2).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liqcascade.data import book_totals_series, load_book_totals, load_series
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._store import Store

__all__ = ["DAY", "ahead_frame", "ahead_store"]

DAY = pd.Timedelta(days=1)


def ahead_frame(frame: pd.DataFrame, days: int, per_day: int) -> pd.DataFrame:
    """``frame`` (indexed by bar open, UTC) and ``days`` more days of its last ``per_day`` bars."""
    last = frame.iloc[-per_day:]
    more = [last.set_axis(pd.DatetimeIndex(last.index) + DAY * (d + 1)) for d in range(days)]
    return pd.concat([frame, *more])


def _series(kind: str, venue: str, frame: pd.DataFrame) -> SeriesFrame:
    out = frame.rename_axis("ts").reset_index()
    out["ts"] = pd.DatetimeIndex(out["ts"]).tz_convert("UTC").as_unit("us")
    return SeriesFrame(kind, venue, "ETHUSDT", "4h", out, file="ahead")


def ahead_store(path: Path, days: int = 1, *, funding: bool = False, totals: bool = False) -> Path:
    """Write ETH's open interest ``days`` days past the bundle into a new store at ``path``.

    Parameters
    ----------
    path : Path
        The store file (created).
    days : int
        Days added after the bundle's last (2025-07-31).
    funding, totals : bool
        Also write the funding and the futures order-book totals, as far.

    Returns
    -------
    Path
        ``path``.
    """
    oi = load_series("open_interest", asset="ETH", interval="4h", store=False)
    frames = [_series("open_interest", "all-venues", ahead_frame(oi, days, 6))]
    if funding:
        f = load_series("funding", asset="ETH", interval="4h", store=False)
        frames.append(_series("funding", "all-venues", ahead_frame(f, days, 6)))
    if totals:
        t = ahead_frame(load_book_totals("ETH", "futures", store=False), days, 3)
        frames.append(book_totals_series(t, symbol="ETHUSDT", venue="all-venues", file="ahead"))
    with Store(path) as store:
        store.ingest(frames)
    return path
