"""The market date: the latest bar close that every series of an asset's market reaches.

The estimated market of an asset (:mod:`liqcascade.market`) stands at the close of a
4-hour open-interest bar and reads, up to that close, the order-book totals (its depth),
the hourly prices (its mid and bars) and the funding (the position book's side signal).
One rule for every date: each of them must reach that close. The default date is
therefore not the open interest's last bar alone but the last open-interest bar that
closed by the earliest of those series' ends: a store whose open interest is one day
ahead of its order-book totals has its market one day back, and
:attr:`MarketDate.held_back_by` names the series that holds it there. A date given past
one of their ends is refused naming it (:func:`market_date` with ``as_of``).

Series the market reads but does without (the taker volumes, the long/short ratios, the
live depth snapshots) may lag: they hold nothing back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade._prices import verb_text
from liqcascade._time import bar_step, utc_index
from liqcascade.errors import InputError

__all__ = [
    "MARKET_SERIES",
    "MarketDate",
    "ingest_warnings",
    "load_market_date",
    "market_date",
    "series_end",
    "series_names",
    "series_text",
]

#: The series the estimated market needs up to its date (key -> how messages name it),
#: in the order a tie names them. The open interest first: its bars are the market's.
MARKET_SERIES: dict[str, str] = {
    "open_interest": "open interest",
    "book_totals": "order-book totals",
    "prices": "hourly prices",
    "funding": "funding",
}

#: The market's bar (``liqcascade.market.MARKET_BAR``, held equal by a test).
_BAR = pd.Timedelta(hours=4)


def series_end(frame: pd.DataFrame | pd.Series, default_step: pd.Timedelta = _BAR) -> pd.Timestamp:
    """The close of the last bar of ``frame`` (labelled by bar open), UTC.

    Parameters
    ----------
    frame : pandas.DataFrame or pandas.Series
        Bars indexed by their open time (a naive index is UTC), sorted, not empty.
    default_step : pandas.Timedelta, default 4 hours
        The bar length when ``frame`` has a single bar (else its most common step,
        :func:`liqcascade._time.bar_step`).
    """
    idx = utc_index(frame.index)
    step = bar_step(idx) if len(idx) > 1 else default_step
    if pd.isna(step):
        step = default_step
    return pd.Timestamp(idx[-1]) + step


@dataclass(frozen=True)
class MarketDate:
    """An asset's default market date and the series that set it.

    Attributes
    ----------
    asset : str
        Base asset.
    label : pandas.Timestamp
        Open time (UTC) of the open-interest bar the market stands on.
    ends : dict
        Series key (:data:`MARKET_SERIES`) -> the close of its last bar, UTC; only the
        series the data hold.
    held_back_by : tuple of str
        The keys of the series whose end holds the market before the open interest's
        last bar (those that end earliest, in :data:`MARKET_SERIES` order); empty when
        the market stands on that bar.
    """

    asset: str
    label: pd.Timestamp
    ends: dict[str, pd.Timestamp] = field(default_factory=dict)
    held_back_by: tuple[str, ...] = ()

    @property
    def close(self) -> pd.Timestamp:
        """The close of the market's bar (UTC): the instant the market is known."""
        return self.label + _BAR

    @property
    def open_interest_end(self) -> pd.Timestamp:
        """The close of the open interest's last bar (UTC)."""
        return self.ends["open_interest"]

    def note(self) -> str | None:
        """One line saying which series holds the market back, or None.

        ``"ETH's market date is 2025-08-01 00:00 UTC: the order-book totals end there
        (open interest reaches 2025-08-02 00:00)"``.
        """
        if not self.held_back_by:
            return None
        end = self.ends[self.held_back_by[0]]
        there = "there" if end == self.close else f"{end:%Y-%m-%d %H:%M}"
        return (
            f"{self.asset}'s market date is {self.close:%Y-%m-%d %H:%M} UTC: "
            f"{series_text(self.held_back_by)} {there} (open interest reaches "
            f"{self.open_interest_end:%Y-%m-%d %H:%M})"
        )

    def to_dict(self) -> dict[str, Any] | None:
        """``{"series": [names], "ends", "open_interest_ends", "note"}`` (ISO times), or None.

        The commands' ``market.held_back_by``: ``None`` when nothing holds the market
        back.
        """
        if not self.held_back_by:
            return None
        return {
            "series": [MARKET_SERIES[k] for k in self.held_back_by],
            "ends": self.ends[self.held_back_by[0]].isoformat(),
            "open_interest_ends": self.open_interest_end.isoformat(),
            "note": self.note(),
        }


def market_date(
    asset: str,
    open_interest: pd.DataFrame,
    others: Mapping[str, pd.DataFrame | None],
    *,
    as_of: Any = None,
    required: tuple[str, ...] = (),
) -> MarketDate:
    """The last open-interest bar that closed by the end of every series the market needs.

    One rule for both dates: every series the data hold must reach the market bar's
    close. Without ``as_of`` the bar is the last one they all reach (a lagging series
    holds it back, :attr:`MarketDate.held_back_by`); with ``as_of`` it is the bar of that
    date (:func:`liqcascade._time.resolve_as_of` on the open interest), refused when a
    series ends before that bar closes. A series in ``required`` that the data do not
    hold at all is refused either way.

    Parameters
    ----------
    asset : str
        Base asset (named by the messages).
    open_interest : pandas.DataFrame
        The asset's 4-hourly open interest, indexed by bar open (UTC), not empty.
    others : mapping
        The other series of :data:`MARKET_SERIES` (``book_totals``, ``prices``,
        ``funding``) -> their bars, or None (or empty) when the data hold none: a series
        nobody holds holds nothing back, unless ``required``.
    as_of : date, datetime, pandas.Timestamp or str, optional
        A date given (UTC; a bare date is the close of that day's last bar); None: the
        default date.
    required : tuple of str, default ()
        Keys of :data:`MARKET_SERIES` the caller cannot do without (the estimated
        market: ``("book_totals", "prices", "funding")``).

    Returns
    -------
    MarketDate

    Raises
    ------
    InputError
        ``param="asset"``: a series ends before the open interest's first bar closes (no
        bar of the market has every series), or a ``required`` series is not in the data.
        ``param="as_of"``: ``as_of`` before the open interest's first bar closes, or
        after the end of a series (the message names the series and its end).
    """
    from liqcascade._time import after_the_end, resolve_as_of

    a = asset.upper()
    lacking = [k for k in required if others.get(k) is None or not len(others[k])]  # type: ignore[arg-type]
    if lacking:
        names = " and no ".join(MARKET_SERIES[k] for k in lacking)
        them = "it" if len(lacking) == 1 else "them"
        raise InputError(
            f"asset: no {names} for {a}: not in the store and not bundled; the estimated "
            f"market needs {them}: ingest {them} into the store: `liqcascade data ingest FILE`",
            param="asset",
        )
    oi_idx = utc_index(open_interest.index)
    ends = {"open_interest": pd.Timestamp(oi_idx[-1]) + _BAR}
    for key in MARKET_SERIES:
        frame = others.get(key)
        if key != "open_interest" and frame is not None and len(frame):
            ends[key] = series_end(frame, _BAR)
    if as_of is not None:
        why = "the estimated market needs it"
        label = resolve_as_of(as_of, oi_idx, _BAR, series=f"the {a} open interest", purpose=why)
        for key, end in ends.items():
            if label + _BAR > end:  # this series has no bar closed by the market's close
                frame = others[key]
                assert frame is not None  # an end is only taken of a series held
                last = pd.Timestamp(utc_index(frame.index)[-1])
                what = f"the {a} {MARKET_SERIES[key]}"
                raise after_the_end(as_of, what, last, end - last, purpose=why)
        return MarketDate(a, pd.Timestamp(label), ends, ())
    limit = min(ends.values())
    n = int((oi_idx + _BAR <= limit).sum())  # sorted bars: those closed by the limit
    first = tuple(k for k in MARKET_SERIES if ends.get(k) == limit)
    if n == 0:
        raise InputError(
            f"asset {a}: {series_text(first)} {limit:%Y-%m-%d %H:%M} UTC, before the first "
            f"open-interest bar closes ({oi_idx[0] + _BAR:%Y-%m-%d %H:%M}): no bar has every "
            "series the market needs; ingest data that reach it into the store "
            "(`liqcascade data ingest`)",
            param="asset",
        )
    label = pd.Timestamp(oi_idx[n - 1])
    held = () if label + _BAR >= ends["open_interest"] else first
    return MarketDate(a, label, ends, held)


def series_text(keys: tuple[str, ...]) -> str:
    """The series of ``keys`` (:data:`MARKET_SERIES`) as a subject with its verb.

    ``"the order-book totals end"``, ``"the funding ends"``, ``"the order-book totals
    and the funding end"``.

    Parameters
    ----------
    keys : tuple of str
        Keys of :data:`MARKET_SERIES`, at least one.
    """
    return f"{series_names(keys)} {verb_text(series_names(keys), 'end')}"


def series_names(keys: tuple[str, ...] | list[str]) -> str:
    """The series of ``keys`` (:data:`MARKET_SERIES`), joined as one subject.

    ``"the open interest"``, ``"the order-book totals and the funding"``.

    Parameters
    ----------
    keys : tuple of str
        Keys of :data:`MARKET_SERIES`, at least one.
    """
    names = [f"the {MARKET_SERIES[k]}" for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def load_market_date(asset: str, store: str | Path | bool | None = None) -> MarketDate:
    """:func:`market_date` of ``asset`` on the series the market reads (store, then bundled).

    The same series :func:`liqcascade.market.load_market_inputs` reads: the 4-hourly open
    interest, the futures order-book totals, the hourly prices and the 4-hourly funding,
    each through :func:`liqcascade.data.load_series`.

    Parameters
    ----------
    asset : str
        Base asset (any case).
    store : str, Path, bool, optional
        As in :func:`liqcascade.data.load_series` (``None``: the default store if it
        exists, ``False``: the bundled data only).

    Returns
    -------
    MarketDate

    Raises
    ------
    SeriesNotFound
        No open interest for ``asset``.
    InputError
        As :func:`market_date`; a store that cannot be read.
    """
    from liqcascade.data._inputs import load_book_totals
    from liqcascade.data._series import SeriesNotFound, load_series

    a = asset.upper()
    oi = load_series("open_interest", asset=a, interval="4h", store=store)
    others: dict[str, pd.DataFrame | None] = {}
    for key, kind, interval in (("prices", "ohlcv", "1h"), ("funding", "funding", "4h")):
        try:
            others[key] = load_series(kind, asset=a, interval=interval, store=store)
        except SeriesNotFound:
            others[key] = None
    try:
        others["book_totals"] = load_book_totals(a, "futures", store=store)
    except SeriesNotFound:
        others["book_totals"] = None
    return market_date(a, oi, others)


def _market_key(s: Any) -> str | None:
    """The key of :data:`MARKET_SERIES` an ingested series is, or None (not one of them).

    By kind, venue and interval, as the market reads them: the futures order-book totals
    are the ``depth`` bars of the all-venue futures book (a venue's ``bookDepth`` or the
    watch's snapshots are depth too, but not those totals); the hourly prices are the
    ``1h`` bars (daily bars or 5-minute ones are not).
    """
    from liqcascade.data._inputs import BOOK_VENUES

    kind, venue, interval = str(s.kind), str(s.venue).lower(), str(s.interval)
    if kind in ("open_interest", "funding"):
        return kind
    if kind == "ohlcv" and interval == "1h":
        return "prices"
    if kind == "depth" and interval != "events" and venue in BOOK_VENUES["futures"]:
        return "book_totals"
    return None


def ingest_warnings(series: list[Any], store: str | Path) -> list[str]:
    """What an ingest of ``series`` leaves ahead of its asset's market date, one line each.

    For each asset of the ingested series the market reads (open interest, order-book
    totals, hourly prices, funding): when one of them now reaches past the market date
    (:func:`load_market_date`) because another series holds it back, a line naming the
    lagging series and how far they must reach. A store whose open interest has no bar
    every series reaches says so (the market's message).

    Parameters
    ----------
    series : list of SeriesFrame
        The series just ingested (their ``kind``, ``venue``, ``interval``, ``symbol``
        and rows).
    store : str or Path
        The store they were ingested into.

    Returns
    -------
    list of str
        ``"ETH: the open interest now reaches 2025-08-02 00:00 UTC, but the market date
        stays at 2025-08-01 00:00 until the order-book totals and the funding reach
        2025-08-02 00:00 (commands given no date use 2025-08-01 00:00)"``.
    """
    from liqcascade._symbols import base_asset
    from liqcascade.data._series import SeriesNotFound

    ingested: dict[str, dict[str, pd.Timestamp]] = {}  # asset -> key -> the rows' end
    for s in series:
        key = _market_key(s)
        asset = base_asset(str(s.symbol)) or str(s.symbol).upper()
        if key is None or not asset or not len(s.frame):
            continue
        end = series_end(s.frame.set_index("ts"), _BAR)
        ends = ingested.setdefault(asset, {})
        ends[key] = max(end, ends.get(key, end))
    out = []
    for asset, reached in ingested.items():
        try:
            when = load_market_date(asset, store)
        except SeriesNotFound:  # no open interest: no market to date
            continue
        except InputError as exc:  # no bar has every series: the market's own words
            out.append(str(exc))
            continue
        # the series this ingest took past the market date (not one it did not touch)
        ahead = tuple(k for k in MARKET_SERIES if reached.get(k, when.close) > when.close)
        if not ahead or not when.held_back_by:
            continue
        moved = series_names(ahead)
        now = max(when.ends[k] for k in ahead)
        reach = min(when.open_interest_end, now)
        lagging = series_names(when.held_back_by)
        out.append(
            f"{asset}: {moved} now {verb_text(moved, 'reach')} {now:%Y-%m-%d %H:%M} UTC, but "
            f"the market date stays at {when.close:%Y-%m-%d %H:%M} until {lagging} "
            f"{verb_text(lagging, 'reach')} {reach:%Y-%m-%d %H:%M} (commands given no date "
            f"use {when.close:%Y-%m-%d %H:%M})"
        )
    return out
