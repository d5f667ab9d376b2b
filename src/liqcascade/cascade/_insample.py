"""Which back-test events were simulated on a fit that read data after them.

Each event of the event back-test is predicted from the market at its previous close;
that market's position book is the expanding-window fit of the month of the market's
4-hour bar (:meth:`liqcascade.positions._expanding.AssetCalibration.fit_for`). Before
the first fit whose data end by the bar there is no such fit, and the earliest one is
used: trained on data after the event, which include the event and its outcome. The
liquidity calibration of every event is fitted on events before it, so those events
are *liquidity out of sample, book in sample*; the others are out of sample in both.

The flag is a function of the event's time and the book calibration's fits alone, so
a stored back-test that lacks it (the shipped ETH and BTC files) gets it exactly at
read time (:func:`stored_book_in_sample`).

The same holds for the depth exponent β (:func:`liqcascade.book.beta_for`): an event
with fewer than 30 book-totals bars (8-hour: 10 days) closed before
its market uses the *assumed* β, the median of the shipped assets' full-period fits,
which include bars after it. The flag is a function of the event's time and the
asset's book totals alone (:func:`stored_beta_assumed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from liqcascade._time import utc_time
from liqcascade.market import MARKET_BAR

__all__ = [
    "beta_assumed_text",
    "book_in_sample",
    "book_in_sample_flags",
    "book_out_of_sample_from",
    "stored_beta_assumed",
    "stored_book_in_sample",
]

_BAR = MARKET_BAR
_DAY = pd.Timedelta(days=1)


def book_in_sample(calibration: Any, ts: Any, close: Any = None) -> bool:
    """Whether the event at ``ts`` is simulated on a book fit trained on data after it.

    Parameters
    ----------
    calibration : AssetCalibration
        The asset's expanding-window book calibration (its ``fits``: ``month``,
        ``fit_end`` a date whose whole day is in the fit).
    ts : datetime-like
        The event's time (its previous hourly close, UTC).
    close : datetime-like, optional
        The close of the market's 4-hour bar (default: ``ts`` floored to 4 hours, the
        market's date rule with every bar present).

    Returns
    -------
    bool
        True when the fit the market uses (that of the bar's month) ends after the
        bar's close: its data include the event's 24 hours.
    """
    c = utc_time(ts).floor("4h") if close is None else utc_time(close)
    label = c - _BAR
    month = pd.Timestamp(year=label.year, month=label.month, day=1, tz="UTC")
    fit, oos = calibration.fit_for(month)
    return (not oos) and utc_time(fit.fit_end) + _DAY > c


def book_in_sample_flags(calibration: Any, ts: Sequence[Any]) -> list[bool]:
    """:func:`book_in_sample` of each time of ``ts`` (ISO strings or timestamps)."""
    return [book_in_sample(calibration, t) for t in ts]


def book_out_of_sample_from(calibration: Any) -> pd.Timestamp:
    """The first instant (UTC) whose market has a book fit trained before it.

    The day after the earliest fit's data end: ``2025-03-01`` for the shipped ETH and
    BTC calibrations (fit for 2025-03, trained on 2024-11-13 → 2025-02-28).
    """
    return min(utc_time(f.fit_end) for f in calibration.fits) + _DAY


def stored_book_in_sample(
    asset: str, per_event: dict[str, list[Any]], store: Any = None
) -> tuple[list[bool] | None, pd.Timestamp | None]:
    """``(flags, first out-of-sample instant)`` of a stored back-test's events.

    The stored ``book_in_sample`` column when the record has it (``liqcascade cascade
    calibrate`` stores it; an older record does not); otherwise derived from the events'
    times and ``asset``'s book calibration (the store's, else the package's: the one the
    events' markets used; ``store=False`` for a package back-test). ``(None, None)``
    when the asset has no book calibration
    (:class:`~liqcascade.errors.CalibrationNotFound`); a calibration file that cannot be
    read or parsed raises (naming the file), it is not "none".
    """
    from liqcascade._calibrations import find_calibration
    from liqcascade.errors import CalibrationNotFound
    from liqcascade.positions import AssetCalibration

    cal = None
    try:
        found = find_calibration("book", asset, store)
    except CalibrationNotFound:
        pass
    else:
        cal = AssetCalibration.from_dict(found.doc, found.source)
    first = None if cal is None else book_out_of_sample_from(cal)
    stored = per_event.get("book_in_sample")
    if isinstance(stored, list) and len(stored) == len(per_event.get("ts", [])):
        return [bool(x) for x in stored], first
    if cal is None:
        return None, None
    return book_in_sample_flags(cal, per_event.get("ts", [])), first


def stored_beta_assumed(
    asset: str, per_event: dict[str, list[Any]], store: Any = None
) -> list[bool] | None:
    """Per stored event, whether its market used the assumed depth exponent β.

    The stored ``beta_assumed`` column when the record has it for every event
    (``liqcascade cascade calibrate`` stores it; the shipped ETH and BTC files, older, do
    not); otherwise :class:`liqcascade.book.BetaHistory` of ``asset``'s book totals (the
    store's, else the bundled ones; ``store=False``: the bundled ones, a package
    back-test's) at each event's market instant: the close of the 4-hour bar of its
    previous hourly close (the market's date rule with every bar present, as
    :func:`book_in_sample`'s default). None when the asset has no book totals.
    """
    from liqcascade.book import BetaHistory
    from liqcascade.errors import InputError
    from liqcascade.market import book_totals_for

    ts = per_event.get("ts", [])
    stored = per_event.get("beta_assumed")
    if isinstance(stored, list) and len(stored) == len(ts):
        return [bool(x) for x in stored]
    try:
        totals, _ = book_totals_for(asset, store)
    except InputError:
        return None
    history = BetaHistory(asset, totals)
    return [history.at(utc_time(t).floor("4h"))[1].startswith("assumed: ") for t in ts]


def beta_assumed_text(n_assumed: int, n_events: int, last: str = "") -> str:
    """``"3 of 125 events (to 2024-11-26) use the assumed depth exponent beta 0.76 (…)…"``.

    The back-test's events whose market used the assumed depth exponent, in the words
    the back-test, the calibrated cascade and the report share; ``last`` the last such
    event's date (ISO; optional). ``""`` when none is.
    """
    from liqcascade.book import assumed_beta, assumed_beta_words

    if not n_assumed or not n_events:
        return ""
    to = f" (to {last[:10]})" if last else ""
    return (
        f"{n_assumed} of {n_events} events{to} use the assumed depth exponent beta "
        f"{assumed_beta():.2f} ({assumed_beta_words()}): too few book-totals bars before them "
        "for their own fit"
    )
