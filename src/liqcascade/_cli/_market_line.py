"""The market a command's text output used: one header line; later scenarios labelled.

The commands' JSON carries the market's fingerprint under ``market``
(:meth:`liqcascade.market.MarketState.fingerprint`); the text views of ``stress``,
``solvency`` and ``stops recommend`` print it as one line
("market ETH at 2024-11-25 20:00 UTC (bar closed 2024-11-26 00:00), mid 3,414.49")
and label a recorded scenario dated after the market ("2025-10-10 — recorded after the
market date: a what-if"). A market older than a few days is said once per command, as
``note: not today's market: …`` on stderr (:func:`age_note`). The market's caveats
(``MarketState.caveats``) are not printed here: the market layer logs each once as
``warning: ...`` on stderr.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "after_market",
    "age_days",
    "age_note",
    "bar_words",
    "is_stale",
    "market_line",
    "store_note",
    "what_if",
]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _ts(text: Any) -> pd.Timestamp | None:
    from liqcascade._time import utc_time

    return utc_time(text) if text else None


def market_line(market: Mapping[str, Any]) -> str:
    """``market ETH at 2024-11-25 20:00 UTC (bar closed 2024-11-26 00:00), mid 3,414.49``.

    ``market``: a market fingerprint (``asset``, ``as_of`` the bar's label,
    ``close_time``, ``mid`` in USD).
    """
    mid = market.get("mid")
    at = f", mid {float(mid):,.2f}" if mid is not None else ""
    note = store_note(market)
    return f"market {market.get('asset', '?')} at {bar_words(market)}{at}" + (
        f"; {note}" if note else ""
    )


def age_days(market: Mapping[str, Any], now: Any = None) -> int | None:
    """Whole days (floored) from the market's close to ``now`` (default: the clock), UTC.

    The market is known at its bar's close (``close_time``), as the report counts its
    ``data_age_days``; None for a market without one (a state built by hand).
    """
    from liqcascade._time import days_since

    close = market.get("close_time")
    return None if not close else days_since(close, now)


def is_stale(days: int | None) -> bool:
    """Whether a market ``days`` old (:func:`age_days`) is not today's: the JSON's ``stale``.

    True past :data:`liqcascade._time.STALE_DAYS` whole days (the report's front-page
    threshold and the age note's); False for a recent market or one without an age.
    """
    from liqcascade._time import STALE_DAYS

    return days is not None and days > STALE_DAYS


def age_note(market: Mapping[str, Any], now: Any = None, *, asked: str | None = None) -> str | None:
    """``not today's market: BTC at … (bar closed …); the data end there …``, or None.

    What every command that builds a market says once (``note: …`` on stderr) when the
    market is older than :data:`liqcascade._time.STALE_DAYS` (the report's front-page
    threshold; :func:`age_days`); None for a recent market or one without a close. The
    words hold no day count, so that a log or a page quoting them reads the same every
    day (the count is the JSON's ``data_age_days``).

    Parameters
    ----------
    market : mapping
        A market fingerprint (``asset``, ``as_of`` its bar's label, ``close_time``).
    now : datetime-like, optional
        The present (default: the clock), UTC.
    asked : str, optional
        The market date the command was given (``--as-of``, as typed): the note says
        it is the date asked, as the report's front page does, not that the data end
        there.
    """
    days = age_days(market, now)
    if not is_stale(days):
        return None
    which = f"{market.get('asset', '?')} at {bar_words(market)}"
    if asked is not None:
        return f"the market of the date asked (--as-of {asked}): {which}"
    return (
        f"not today's market: {which}; the data end there (--as-of chooses another date "
        "within them)"
    )


def bar_words(market: Mapping[str, Any]) -> str:
    """``2024-11-25 20:00 UTC (bar closed 2024-11-26 00:00)``: the market's bar, both ends.

    ``market``: a market fingerprint (``as_of`` the bar's label, its open;
    ``close_time``, when the market is known). Both are named, so that the label (the
    JSON's ``bar_open``, ``market.as_of``) is not read as the instant the market is
    known (the JSON's top-level ``as_of`` and ``bar_close``) or the other way round.
    """
    label = _ts(market.get("as_of"))
    close = _ts(market.get("close_time"))
    when = f"{label:%Y-%m-%d %H:%M} UTC" if label is not None else "an unknown date"
    return when + (f" (bar closed {close:%Y-%m-%d %H:%M})" if close is not None else "")


def store_note(market: Mapping[str, Any]) -> str | None:
    """``series from the store (x.duckdb): prices`` when the market read a store, else None.

    ``market``: a market fingerprint, whose ``sources`` map each series to where it was
    read (``"store:/path/x.duckdb + bundled:eth_1h"``: the store's rows, the bundle's
    before them). Bundled data and the package's calibrations are the default and are
    not named; a store is, so that a figure that moved with a user's data says why.
    """
    from pathlib import PurePath

    from liqcascade.data import source_parts

    series: dict[str, list[str]] = {}
    files: list[str] = []
    for what, src in (market.get("sources") or {}).items():
        name = str(what).replace("_", " ")
        for part in source_parts(str(src)):
            if part.where != "store":
                continue
            f = PurePath(part.name)
            if f.suffix == ".duckdb":
                series.setdefault(f.name, []).append(name)
            else:  # a calibration file beside the store: <store>.calibrations/<kind>/<A>.json
                files.append(f"{name} from the store ({'/'.join(f.parts[-3:])})")
    out = [f"series from the store ({n}): {', '.join(w)}" for n, w in series.items()] + files
    return "; ".join(out) or None


def after_market(label: str, market: Mapping[str, Any]) -> bool:
    """Whether the recorded episode ``label`` (a day or START/END) runs past the market.

    True when the last day named in ``label`` ends after the market's close (its label
    when no close is given); False when ``label`` names no day or the market no date.
    """
    import pandas as pd

    days = _DAY.findall(label)
    when = _ts(market.get("close_time")) or _ts(market.get("as_of"))
    if not days or when is None:
        return False
    end = pd.Timestamp(days[-1], tz="UTC") + pd.Timedelta(days=1)
    return bool(end > when)


def what_if(label: str, market: Mapping[str, Any]) -> str:
    """``label``, and "— recorded after the market date: a what-if" when it is later."""
    if after_market(label, market):
        return f"{label} — recorded after the market date: a what-if"
    return label
