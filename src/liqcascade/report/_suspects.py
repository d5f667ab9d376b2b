"""Recorded liquidation bars their own move cannot explain: the check, for any asset.

:func:`suspect_bars` runs :func:`liqcascade.data.suspect_liquidation_bars` on the
report's own assets (the data section lists them; the cascade replay and the
validation chart flag the ones they show). The bars stay in every score: only labels
change.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from liqcascade._time import utc_time
from liqcascade.report._cut import bars, closed_by
from liqcascade.report._format import date_text, pct, usd


def suspect_bars(assets: Any, as_of: Any) -> pd.DataFrame:
    """Recorded liquidation bars their own 4-hour move cannot explain, every asset.

    Parameters
    ----------
    assets : iterable of str
        The assets to check (their own store or bundled series).
    as_of : date, timestamp or str, optional
        Every series is cut at it (bars closed by then); None reads every bar.

    Returns
    -------
    DataFrame
        ``suspect_liquidation_bars``'s columns (``ts``, ``side``, ``usd`` in USD,
        ``move`` and ``intensity_x``, ``rank``) and ``asset``, most extreme first.
    """
    from liqcascade.data import resample_ohlcv, suspect_liquidation_bars
    from liqcascade.report._data import series

    out = []
    for a in assets:
        h = bars(a, "1h", as_of)
        b4 = resample_ohlcv(h, "4h")[["open", "high", "low"]]
        f = suspect_liquidation_bars(
            closed_by(series("liquidations", a, "4h"), "4h", as_of),
            b4,
            closed_by(series("open_interest", a, "4h"), "4h", as_of),
        )
        out.append(f.assign(asset=a))
    both = pd.concat(out, ignore_index=True)
    return both.sort_values("intensity_x", ascending=False, ignore_index=True)


def within(s: pd.DataFrame, asset: str, start: Any, end: Any) -> pd.DataFrame:
    """The flagged bars of ``asset`` opened in ``[start, end]`` (UTC, inclusive)."""
    if not len(s):
        return s
    ts = pd.DatetimeIndex(s["ts"])
    lo, hi = utc_time(start), utc_time(end)
    keep = (s["asset"].to_numpy() == asset) & (ts >= lo) & (ts <= hi)
    return s[keep]


def bar_words(r: Any) -> str:
    """``"longs 2025-06-12 20:00 UTC: $206 M on a 1.00 % move, 1,234× the median intensity"``.

    Without brackets of its own: the sentences that list the bars put them in brackets
    (``"... flagged (longs ...: ..., 122× the median intensity); ..."``).
    """
    return (
        f"{r['side']}s {date_text(r['ts'], bar=True)}: {usd(r['usd'])} on a "
        f"{pct(r['move'], 2)} move, {r['intensity_x']:,.0f}× the median intensity"
    )


def day_flag(s: pd.DataFrame, asset: str, day: pd.Timestamp, day_total: float) -> str:
    """A clause flagging the suspect bars of one recorded day, or ``""`` when it has none.

    ``day_total`` is the day's recorded liquidations (USD), both sides: the clause gives
    each flagged bar's share of it.
    """
    f = within(s, asset, day, day + pd.Timedelta(hours=23, minutes=59))
    if not len(f):
        return ""
    share = float(f["usd"].sum()) / day_total if day_total > 0 else float("nan")
    word = "is dominated by" if share >= 0.5 else "holds"
    return (
        f"the day's record {word} a bar flagged as implausible for its own move ("
        + "; ".join(bar_words(r) for _, r in f.iterrows())
        + f", {pct(share, 0)} of the day's recorded total): it may be an artefact of the "
        "feed; it is kept in every score"
    )


def rows(s: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Flagged bars for summary.json: ``ts`` (ISO), ``side``, ``usd``, ``move``, ``intensity_x``."""
    if s is None or not len(s):
        return []
    return [
        {
            "ts": pd.Timestamp(r["ts"]).isoformat(),
            "side": str(r["side"]),
            "usd": float(r["usd"]),
            "move": float(r["move"]),
            "intensity_x": float(r["intensity_x"]),
        }
        for _, r in s.iterrows()
    ]
