"""Time bounds shared by every layer: UTC timestamps, inclusive date ends, the as-of rule."""

from __future__ import annotations

import datetime as dt
import numbers
import re
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from liqcascade._prices import verb_text
from liqcascade._typing import BoolArray
from liqcascade.errors import InputError

__all__ = [
    "STALE_DAYS",
    "after_the_end",
    "as_of_instant",
    "bar_step",
    "bar_text",
    "check_day_month",
    "check_time_order",
    "closed_mask",
    "days_since",
    "ends_text",
    "is_bare_date",
    "resolve_as_of",
    "starts_text",
    "to_utc",
    "utc_end",
    "utc_index",
    "utc_indexed",
    "utc_time",
    "zone_name_hint",
]

FrameT = TypeVar("FrameT", pd.DataFrame, pd.Series)

#: A market older than this many whole days (:func:`days_since` its bar's close) is not
#: today's: a weekend and a day of slack (the daily refresh job keeps a live store within
#: a day). The one threshold of the report's front page and the commands' age note.
STALE_DAYS = 3


def days_since(close: Any, now: Any = None) -> int:
    """Whole days (floored) from ``close`` to ``now`` (default: the clock), UTC.

    The age of a market is counted from its bar's close, the instant it is known (a
    market whose 4-hour bar closed 30 days and 2 hours ago is 30 days old).

    Parameters
    ----------
    close, now : datetime-like
        The market's close and the present (a naive time is UTC).

    Returns
    -------
    int
        Whole days, floored (negative when ``now`` is before ``close``).

    >>> days_since("2025-08-01 00:00", "2025-08-31 02:00")
    30
    """
    t = pd.Timestamp.now(tz="UTC") if now is None else utc_time(now)
    return int((t - utc_time(close)).days)


_TICK = pd.Timedelta(microseconds=1)
#: The latest instant an as-of is read as (pandas' last nanosecond timestamp, to the µs):
#: every series ends long before it, and a later one (``9999-12-31``'s close, the year
#: 10000) is beyond what Python's datetime formats.
_LATEST = pd.Timestamp.max.tz_localize("UTC").floor("us")


def bar_text(bar_open: Any, bar_close: Any) -> str:
    """``bar 2024-11-25 20:00–2024-11-26 00:00 UTC``: a bar named by both ends.

    How the command line and the report name the market's 4-hour bar, so that its
    open is never read as its close.

    Parameters
    ----------
    bar_open, bar_close : datetime-like
        The bar's open and close, UTC.
    """
    a, b = pd.Timestamp(bar_open), pd.Timestamp(bar_close)
    return f"bar {a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M} UTC"


def to_utc(value: Any, option: str = "date", *, required: bool = False) -> pd.Timestamp:
    """A :class:`pandas.Timestamp` in UTC (naive input is read as UTC), to the microsecond.

    The package's one reader of a date or time a user gives (a parameter, a flag, a
    configuration file's key): a value it cannot read is refused naming ``option``,
    with what to write instead of a time-zone name (:func:`zone_name_hint`).

    The package's times are microseconds (``datetime64[us, UTC]``): a finer value is
    floored to its microsecond, which keeps every "at or before" comparison with them
    (a bar closed by ``12:00:00.0000009`` is a bar closed by 12:00).

    Parameters
    ----------
    value : date, datetime, Timestamp or str
        Anything :class:`pandas.Timestamp` reads but a number (``20250310`` was read as
        nanoseconds since 1970: a number is refused, the unit unknown). ``None``
        and ``NaT`` give ``NaT``; a string that reads as no time (``""``, ``"NaT"``)
        is refused.
    option : str, default "date"
        Where ``value`` was given: a parameter (``"start"``, ``"end"``: the error's
        ``param``), a configuration key (``"venues[0].mid_at"``) or a command-line flag
        (``"--since"``), which a refusal names (then only in the message).
    required : bool, default False
        Refuse ``None`` and ``NaT`` too (a time that must be given), with the same
        message as any other value that reads as no time.

    Raises
    ------
    InputError
        If ``value`` is not a time (``"start: not a date or time: '2025-13-45'"``; with
        ``required``, ``"start: not a date or time: None"``), or is a date whose day
        and month cannot be told apart (:func:`check_day_month`).
    """
    if isinstance(value, numbers.Number):  # pd.Timestamp(20250310): ns after 1970
        raise InputError(
            f"{option}: a number is not a date: give 'YYYY-MM-DD' or a UTC time (got {value!r})",
            param=_param(option),
        )
    check_day_month(value, option)
    if isinstance(value, str) and not value.strip():
        raise InputError(
            f"{option} is empty: give a date (YYYY-MM-DD) or a UTC time", param=_param(option)
        )
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        ts = None
    if ts is None or (ts is pd.NaT and (required or isinstance(value, str))):
        raise InputError(
            f"{option}: not a date or time: {value!r}{zone_name_hint(value)}",
            param=_param(option),
        )
    if ts is not pd.NaT and ts.nanosecond:
        ts = ts.floor("us")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def utc_index(index: Any) -> pd.DatetimeIndex:
    """``index`` as a UTC :class:`pandas.DatetimeIndex`: naive times read as UTC, others converted.

    The package's one normaliser of a time index (bar labels, snapshot times, a minute
    path's): a time without a zone is UTC, as :func:`to_utc` reads a single time; a time
    with one is the same instant in UTC (``2025-03-01 01:00+01:00`` is ``00:00`` UTC).

    Parameters
    ----------
    index : pandas.DatetimeIndex or array-like of datetimes
        The times.

    Returns
    -------
    pandas.DatetimeIndex
        The same instants, in UTC (its name and unit kept).

    Examples
    --------
    >>> utc_index(pd.DatetimeIndex(["2025-03-01 00:00"]))[0]
    Timestamp('2025-03-01 00:00:00+0000', tz='UTC')
    >>> utc_index(pd.DatetimeIndex(["2025-03-01 01:00"]).tz_localize("Europe/Berlin"))[0]
    Timestamp('2025-03-01 00:00:00+0000', tz='UTC')
    """
    idx = pd.DatetimeIndex(index)
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def utc_time(t: Any) -> pd.Timestamp:
    """``t`` as a UTC :class:`pandas.Timestamp`: a naive time read as UTC, others converted.

    :func:`utc_index` for one time, and nothing else: unlike :func:`to_utc` it takes
    whatever :class:`pandas.Timestamp` takes (numbers as ns since epoch, ambiguous
    dates as pandas parses them), keeps nanoseconds and names no parameter. For times
    the package has already read (a stored date, an event's ``ts``, a bar's label).

    Parameters
    ----------
    t : datetime-like
        The time (anything :class:`pandas.Timestamp` accepts).

    Returns
    -------
    pandas.Timestamp
        The same instant, in UTC.

    Examples
    --------
    >>> utc_time("2025-03-01 00:00")
    Timestamp('2025-03-01 00:00:00+0000', tz='UTC')
    >>> utc_time(pd.Timestamp("2025-03-01 01:00", tz="Europe/Berlin"))
    Timestamp('2025-03-01 00:00:00+0000', tz='UTC')
    """
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def utc_indexed(obj: FrameT) -> FrameT:
    """``obj`` with a naive DatetimeIndex read as UTC; any other index as it is.

    The one rule of every public function that takes a time-indexed frame or series
    (prices, bars, open interest, closes): a time without a zone is UTC, as the date
    parameters read it (:func:`to_utc`) and the files' readers do. Applied at the
    function's entry, before the index is compared with an aware time (pandas raised
    TypeError). The caller's object is not changed. Unlike :func:`utc_index`, an index
    with a zone keeps it: its instants already compare with UTC times, and the callers'
    own steps (a daily resample) follow the caller's zone, as they always have.

    Parameters
    ----------
    obj : pandas.DataFrame or pandas.Series
        The frame or series.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        ``obj`` itself, or a new object on an index localised to UTC.
    """
    idx = obj.index
    if isinstance(idx, pd.DatetimeIndex) and idx.tz is None:
        return obj.set_axis(utc_index(idx))
    return obj


def utc_end(value: Any, option: str = "date") -> pd.Timestamp:
    """An inclusive end bound in UTC: a bare date string means the end of that day.

    ``"2025-07-31"`` gives 2025-07-31 23:59:59.999999 UTC, so a range ending on a date
    holds that whole day; any other value is taken as given (:func:`to_utc`).

    Parameters
    ----------
    value : date, datetime, Timestamp or str
        The end bound (naive values are read as UTC).
    option : str, default "date"
        The parameter ``value`` was given as, named by a refusal (:func:`to_utc`).

    Returns
    -------
    pandas.Timestamp
    """
    ts = to_utc(value, option)
    if is_bare_date(value):
        ts = ts + pd.Timedelta(days=1) - _TICK
    return ts


#: A date with the day and the month as numbers and the year last (4 or 2 digits):
#: ``01.07.2025``, ``01/07/2025``, ``01-07-25``, then anything (a time of day).
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")


def check_day_month(value: Any, option: str = "date") -> None:
    """Refuse a date whose day and month are both numbers of 12 or less, and differ.

    pandas reads ``"01.07.2025"`` month-first (7 January) but ``"31.07.2025"``
    day-first (31 July): a user's date was read one way or the other by its day. A
    date written with the day and the month as numbers is taken only when they can be
    told apart (a field above 12, or both the same); otherwise it is refused naming
    both readings. ISO 8601 (``2025-07-01``) is never ambiguous. Values that are not
    such strings pass unchecked.

    Parameters
    ----------
    value : Any
        A date, datetime, Timestamp or string.
    option : str, default "date"
        The parameter's name (the error's ``param``), or a command-line flag (then only
        named in the message).

    Raises
    ------
    InputError
        ``"as_of: '01.07.2025': day and month cannot be told apart (2025-07-01
        day-first, 2025-01-07 month-first): write it as YYYY-MM-DD"``.
    """
    if not isinstance(value, str):
        return
    m = _DAY_MONTH.match(value)
    if m is None:
        return
    first, second = int(m.group(1)), int(m.group(3))
    if first > 12 or second > 12 or first == second or 0 in (first, second):
        return
    year = int(m.group(4)) + (2000 if len(m.group(4)) == 2 else 0)
    by_day = dt.date(year, second, first)
    by_month = dt.date(year, first, second)
    raise InputError(
        f"{option}: {value.strip()!r}: day and month cannot be told apart ({by_day:%Y-%m-%d} "
        f"day-first, {by_month:%Y-%m-%d} month-first): write it as YYYY-MM-DD",
        param=_param(option),
    )


def is_bare_date(value: Any) -> bool:
    """Whether ``value`` names a day rather than an instant.

    A :class:`datetime.date` (not a datetime) is a bare date; so is a string that
    pandas reads as a day and nothing finer: its :class:`pandas.Period` has a daily
    resolution (``"2025-07-31"``, ``"2025-7-31"``, ``"20250731"``, ``"2025/07/31"``,
    ``"Jul 31 2025"``, ``"July 31, 2025"``; spaces around it are ignored). A string
    with a time of day (``"2025-07-31 00:00"``, ``"2025-07-31T00"``), a time alone
    (``"12:00"``), a month or a year (``"2025-07"``, ``"2025"``), a word pandas reads as
    the current time (``"now"``, ``"today"``) and a string pandas cannot read are not:
    the callers take those as the instant pandas reads, or refuse them. A ``T`` with no
    time after it (``"2025-07-31T"``) is read as the day, as pandas does.

    Parameters
    ----------
    value : Any
        A date, datetime, Timestamp or string.

    Returns
    -------
    bool
    """
    if isinstance(value, str):
        period = _period(value)
        return period is not None and period.freqstr == "D"
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _period(text: str) -> pd.Period | None:
    """The period pandas reads ``text`` as (a day, a month, an hour …); None if it cannot."""
    try:
        period = pd.Period(text.strip())
    except (ValueError, TypeError, OverflowError):
        return None
    return None if period is pd.NaT else period


#: A date or time followed by a time-zone name: an abbreviation (``EST``, ``CET``) or an
#: area/location (``Europe/Berlin``). pandas reads none but UTC and GMT; the package reads
#: none on purpose: an abbreviation is ambiguous (``CST`` is three zones, ``IST`` three).
_ZONE_NAME = re.compile(
    r"(?P<when>.*\d)\s*(?P<zone>[A-Z]{2,5}|[A-Z][A-Za-z_]+(?:/[A-Za-z_+\-0-9]+)+)"
)


def zone_name_hint(value: Any) -> str:
    """What to write instead of a time-zone name, for a refusal of ``value``; else "".

    Parameters
    ----------
    value : Any
        A date or time that could not be read.

    Returns
    -------
    str
        ``" (a time-zone name ... the time in UTC)"`` when ``value`` is a readable date
        or time followed by a zone name (``"2025-07-31 20:00 EST"``), to append to the
        refusal; an empty string otherwise.

    Examples
    --------
    >>> zone_name_hint("2025-07-31 20:00 EST")[:30]
    ' (a time-zone name such as EST'
    >>> zone_name_hint("2025-07-31 20:00 later")
    ''
    """
    m = _ZONE_NAME.fullmatch(value.strip()) if isinstance(value, str) else None
    if m is None:
        return ""
    try:
        pd.Timestamp(m["when"])
    except (ValueError, TypeError, OverflowError):
        return ""
    return (
        f" (a time-zone name such as {m['zone']} is not read, names being ambiguous: write "
        f"an offset, as in {m['when']}-05:00 for 5 hours behind UTC, or the time in UTC)"
    )


def _param(option: str) -> str | None:
    """The parameter ``option`` names; None for a flag, a file's key or the default "date".

    A flag (``"--as-of"``) and a configuration key (``"venues[0].mid_at"``) are only named
    in the message: they are no library parameter.
    """
    return option if option.isidentifier() and option != "date" else None


def as_of_instant(value: Any, option: str = "as_of") -> pd.Timestamp:
    """The instant an ``as_of`` value stands for (UTC).

    A bare date (:func:`is_bare_date`) is the close of that day's last bar: the next
    midnight UTC. Anything else (a timestamp, a datetime, a string with a time) is
    taken as given. The inclusive day end of :func:`utc_end` (23:59:59.999999) is the
    same instant as the next midnight for :func:`resolve_as_of`. An instant after
    2262-04-11 23:47:16.854775 (pandas' last nanosecond time) is read as that instant:
    after every series' last bar either way.

    Parameters
    ----------
    value : date, datetime, Timestamp or str
        The as-of (naive values are read as UTC).
    option : str, default "as_of"
        The parameter's name, or a command-line flag (then only named in the message).

    Returns
    -------
    pandas.Timestamp

    Raises
    ------
    InputError
        If ``value`` is not a time, or names a month or a year (``"2025-07"``: which
        instant of it is meant?); the message names ``option``, the parameter's name,
        which is also the error's ``param``: the command line shows its flag.
    """
    check_day_month(value, option)
    if _coarser_than_a_day(value):  # before pd.Timestamp, which deprecates reading "2025Q3"
        raise InputError(
            f"{option}: {value.strip()!r} is a month, a quarter or a year, not a date: give a day "
            "(YYYY-MM-DD) or a UTC time",
            param=_param(option),
        )
    ts = to_utc(value, option, required=True)  # None, NaT: refused
    if is_bare_date(value):
        ts = ts.normalize() + pd.Timedelta(days=1)
    return min(ts, _LATEST)


def _coarser_than_a_day(value: Any) -> bool:
    """Whether ``value`` is a string pandas reads as a month, a quarter or a year."""
    period = _period(value) if isinstance(value, str) else None
    return period is not None and period.end_time - period.start_time > pd.Timedelta(days=1)


def bar_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The bar interval of ``index``: its most common step between consecutive labels.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Bar labels, sorted.

    Returns
    -------
    pandas.Timedelta
        The most common positive step (the smallest of equally common ones); NaT
        when no step is positive.

    Raises
    ------
    InputError
        With fewer than two bars.
    """
    idx = pd.DatetimeIndex(index)
    if len(idx) < 2:
        raise InputError("cannot infer a bar interval from fewer than two bars")
    # on the integers (the index's unit): a Series' mode cost ~0.3 ms, once per as-of
    v = idx.asi8
    nat = np.iinfo(np.int64).min  # NaT: no step to or from it
    steps = (v[1:] - v[:-1])[(v[1:] != nat) & (v[:-1] != nat)]
    steps = steps[steps > 0]
    if steps.size == 0:  # no positive step: NaT
        return pd.Timedelta(np.timedelta64("NaT", idx.unit))
    values, counts = np.unique(steps, return_counts=True)
    return pd.Timedelta(np.timedelta64(int(values[counts == counts.max()].min()), idx.unit))


def resolve_as_of(
    value: Any,
    index: pd.DatetimeIndex,
    interval: pd.Timedelta | str | None = None,
    *,
    option: str = "as_of",
    series: str | None = None,
    purpose: str | None = None,
) -> pd.Timestamp:
    """The label of the last bar of ``index`` closed at or before ``value``.

    The one date rule of the package: bars are labelled by their open time and close
    one ``interval`` later; the market "as of" an instant is built from the bars
    closed by then and nothing after. A bare date is the close of that day's last
    bar (:func:`as_of_instant`); ``None`` is the last bar.

    Parameters
    ----------
    value : date, datetime, pandas.Timestamp, str or None
        The as-of (UTC; naive values are read as UTC).
    index : pandas.DatetimeIndex
        Bar labels (open times, UTC), sorted.
    interval : pandas.Timedelta or str, optional
        Bar length; default the most common step of ``index`` (:func:`bar_step`).
    option : str, default "as_of"
        The parameter's name: named by the error messages and their ``param`` (the
        command line shows it as its flag).
    series : str, optional
        What ``index`` is, for the error messages ("the ETH open interest"); default
        "the series".
    purpose : str, optional
        Why it is needed, added to the error messages ("the estimated market needs
        it").

    Returns
    -------
    pandas.Timestamp
        A label of ``index``.

    Raises
    ------
    InputError
        If no bar of ``index`` has closed by ``value``, or ``value`` is after the last
        bar's close. The message echoes ``value`` as given and names ``option`` and
        ``series``: "as_of 2017-09-01: the ETH open interest starts 2024-11-22 20:00
        UTC (the estimated market needs it)".
    """
    param = _param(option)
    idx = pd.DatetimeIndex(index)
    if len(idx) == 0:
        raise InputError(f"{option}: no bars to resolve it on", param=param)
    if value is None:
        return pd.Timestamp(idx[-1])
    if isinstance(interval, str) and interval.endswith("d"):
        interval = interval[:-1] + "D"
    step = pd.Timedelta(interval) if interval is not None else bar_step(idx)
    instant = as_of_instant(value, option)
    # a bar is closed at `instant` when label + step <= instant; the inclusive day end
    # (23:59:59.999999) counts as the next midnight
    n = int(idx.searchsorted(instant - step + _TICK, side="right"))
    what = series or "the series"
    if n == 0:
        raise InputError(
            f"{option} {_given(value)}: {starts_text(what, idx[0], step, purpose)}", param=param
        )
    if instant > idx[-1] + step + _TICK:
        raise after_the_end(value, what, idx[-1], step, option=option, purpose=purpose)
    return pd.Timestamp(idx[n - 1])


def after_the_end(
    value: Any,
    what: str,
    last_open: pd.Timestamp,
    step: pd.Timedelta,
    *,
    option: str = "as_of",
    purpose: str | None = None,
) -> InputError:
    """The refusal of an as-of after a series' end (:func:`resolve_as_of`'s words).

    ``"as_of 2025-09-01: the ETH open interest ends 2025-08-01 00:00 UTC (the close of
    its last bar, 2025-07-31 20:00; the estimated market needs it): give an earlier
    date, or ingest data that reach it into the store"``.

    Parameters
    ----------
    value : date, datetime, pandas.Timestamp, str
        The as-of as given (echoed verbatim).
    what : str
        The series ("the ETH open interest"); the verb agrees with it.
    last_open : pandas.Timestamp
        The series' last bar's label (open time, UTC).
    step : pandas.Timedelta
        Its bar length.
    option : str, default "as_of"
        The parameter's name (the message's and the error's ``param``).
    purpose : str, optional
        Why the series is needed.

    Returns
    -------
    InputError
        To raise.
    """
    return InputError(
        f"{option} {_given(value)}: {ends_text(what, last_open, step, purpose)}: give an "
        "earlier date, or ingest data that reach it into the store",
        param=_param(option),
    )


def ends_text(
    what: str, last_open: pd.Timestamp, step: pd.Timedelta, purpose: str | None = None
) -> str:
    """Where a series ends, by its last bar's **close** (the market date note's convention).

    ``"the ETH open interest ends 2025-08-01 00:00 UTC (the close of its last bar,
    2025-07-31 20:00; the estimated market needs it)"``; the verb agrees with ``what``
    ("the order-book totals end").

    Parameters
    ----------
    what : str
        The series, as the message names it ("the ETH open interest").
    last_open : pandas.Timestamp
        Its last bar's label (open time, UTC).
    step : pandas.Timedelta
        The bar length: the last bar closes at ``last_open + step``.
    purpose : str, optional
        Why it is needed, added in the parentheses.
    """
    why = f"; {purpose}" if purpose else ""
    return (
        f"{what} {verb_text(what, 'end')} {last_open + step:%Y-%m-%d %H:%M} UTC (the close of its "
        f"last bar, {last_open:%Y-%m-%d %H:%M}{why})"
    )


def starts_text(
    what: str, first_open: pd.Timestamp, step: pd.Timedelta, purpose: str | None = None
) -> str:
    """Where a series starts, by its first bar's open, and when that bar closes.

    ``"the ETH open interest starts 2024-11-22 20:00 UTC (its first bar closes
    2024-11-23 00:00; the estimated market needs it)"``; the verb agrees with ``what``.

    Parameters
    ----------
    what : str
        The series, as the message names it.
    first_open : pandas.Timestamp
        Its first bar's label (open time, UTC).
    step : pandas.Timedelta
        The bar length.
    purpose : str, optional
        Why it is needed, added in the parentheses.
    """
    why = f"; {purpose}" if purpose else ""
    return (
        f"{what} {verb_text(what, 'start')} {first_open:%Y-%m-%d %H:%M} UTC (its first bar closes "
        f"{first_open + step:%Y-%m-%d %H:%M}{why})"
    )


def _given(value: Any) -> str:
    """``value`` as the user gave it (a string verbatim; a time in ISO form)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def check_time_order(index: pd.Index, name: str) -> None:
    """Refuse an index whose timestamps are not strictly increasing (unsorted or duplicated).

    The package's rule for a time series a user gives (returns, closes, bars):
    unsorted or duplicate timestamps are a clear error, never sorted or fitted as
    they come (a shuffled series fitted a different model; a repeated timestamp made
    a return out of two rows of one time). Only a :class:`pandas.DatetimeIndex` is
    checked: any other index is the caller's to refuse or keep.

    Parameters
    ----------
    index : pandas.Index
        The series' or frame's index.
    name : str
        The parameter the series was given as: the error's ``param``, named in the
        message.

    Raises
    ------
    InputError
        ``"returns: timestamps must be strictly increasing (sorted, no duplicates):
        row 6, 2022-01-02 00:00:00+00:00, repeats the one before it"``, naming the first
        row (from 1) whose timestamp is not after the one before it; a missing
        timestamp (NaT), naming its row.
    """
    if not isinstance(index, pd.DatetimeIndex):
        return
    if index.is_monotonic_increasing and index.is_unique:
        return
    if index.hasnans:  # NaT: no time to order
        i = int(np.argmax(index.isna()))
        raise InputError(f"{name}: row {i + 1}: the timestamp is missing (NaT)", param=name)
    v = index.asi8
    i = int(np.argmax(v[1:] <= v[:-1])) + 1  # the first not after the one before it
    how = "repeats the one before it" if v[i] == v[i - 1] else f"comes before {index[i - 1]}"
    raise InputError(
        f"{name}: timestamps must be strictly increasing (sorted, no duplicates): "
        f"row {i + 1}, {index[i]}, {how}",
        param=name,
    )


def closed_mask(opens: Any, instant: pd.Timestamp, step: pd.Timedelta) -> BoolArray:
    """Which bars (labelled by open time ``opens``, ``step`` long) closed by ``instant``.

    The one cut of "closed by": a bar counts once its close (open + ``step``) is at or
    before ``instant``. Labels and ``instant`` must both be UTC-aware or both naive.

    Parameters
    ----------
    opens : DatetimeIndex or array-like of datetimes
        Each bar's open time.
    instant : pandas.Timestamp
        The cut-off.
    step : pandas.Timedelta
        The bars' length.

    Returns
    -------
    numpy.ndarray of bool
        True for a bar closed by ``instant``, one per label.
    """
    return np.asarray(pd.DatetimeIndex(opens) + step <= instant, dtype=bool)


def time_range(text: str, option: str = "window") -> tuple[pd.Timestamp, pd.Timestamp]:
    """The inclusive UTC bounds of a ``START/END`` range (the package's one range grammar).

    Parameters
    ----------
    text : str
        Two dates or times separated by ``/``, naive ones read as UTC; an END given as a
        bare date includes that whole UTC day (its last minute, 23:59, is the bound).
        A single bare date is that whole day (``2025-07-31`` is
        ``2025-07-31/2025-07-31``); a single time is refused.
    option : str, default "window"
        The parameter the range was given as (named by a refusal).

    Returns
    -------
    (pandas.Timestamp, pandas.Timestamp)
        Start and end (inclusive), UTC.

    Raises
    ------
    InputError
        Not two parts (nor one date), a part that is not a time, or an end not after
        the start.
    """
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) == 1 and is_bare_date(parts[0]):
        parts = [parts[0], parts[0]]  # one date: that whole UTC day
    if len(parts) != 2:
        raise InputError(
            f"{option} must be START/END, two dates or UTC times, or one date (its whole "
            f"day) (got {text!r})",
            param=_param(option),
        )
    start, end = (to_utc(p.strip(), option) for p in parts)
    if is_bare_date(parts[1]):
        end = end + pd.Timedelta(days=1) - pd.Timedelta(minutes=1)
    if end <= start:
        raise InputError(f"{option}: end must be after start (got {text!r})", param=_param(option))
    return start, end
