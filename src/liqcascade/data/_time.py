"""Timestamps: parsing any column to UTC, bar intervals, gaps."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from liqcascade._time import to_utc
from liqcascade.errors import InputError, row_ref

__all__ = [
    "count_gaps",
    "duration_iso",
    "duration_text",
    "format_interval",
    "gap_fields",
    "infer_interval",
    "interval_ms",
    "parse_times",
    "plausible_range",
    "row_ref",
    "to_utc",
]

_UNITS_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


#: Earliest plausible market time: nothing traded before Bitcoin's first block (2009-01-03).
EARLIEST = pd.Timestamp("2009-01-01", tz="UTC")
#: Latest plausible market time: now plus this (clocks and time zones a day apart).
AHEAD = pd.Timedelta(days=1)

_EPOCH_UNITS = ("s", "ms", "us", "ns")
_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}
_TO_US = {"s": 1_000_000.0, "ms": 1_000.0, "us": 1.0, "ns": 1e-3}


def plausible_range() -> tuple[pd.Timestamp, pd.Timestamp]:
    """(earliest, latest) market times accepted on ingest: 2009-01-01 .. now + 1 day (UTC)."""
    return EARLIEST, pd.Timestamp.now(tz="UTC").floor("s") + AHEAD


def _unit_codes(values: np.ndarray) -> np.ndarray:
    """Per value: 0 s (< 1e11), 1 ms (< 1e14), 2 us (< 1e17), 3 ns; -1 when not finite."""
    a = np.abs(values)
    code = np.searchsorted(np.array([1e11, 1e14, 1e17]), a, side="right").astype(np.int64)
    code[~np.isfinite(values)] = -1
    return code


def epoch_unit(values: np.ndarray) -> str:
    """Unit of epoch numbers by magnitude: s (< 1e11), ms (< 1e14), us (< 1e17), else ns.

    The unit most values have (ties to the smaller). 1e11 s is the year 5138 and 1e11 ms
    is 1973-03, so any real market time is unambiguous.
    """
    codes = _unit_codes(np.asarray(values, dtype="float64"))
    codes = codes[codes >= 0]
    if codes.size == 0:
        return "ms"
    return _EPOCH_UNITS[int(np.argmax(np.bincount(codes, minlength=4)))]


def _from_epoch(col: pd.Series, file: str, name: str) -> pd.Series:
    """Epoch numbers (one unit for the whole column) to UTC, within the plausible range."""
    vals = col.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(vals)
    if finite.any() and np.nanmedian(np.abs(vals[finite])) < 1e7:
        raise InputError(
            f"{file}: column {name!r}: numbers too small to be epoch times "
            f"(e.g. {vals[finite][0]:g}){_date_number_hint(vals[finite][0])}"
        )
    unit = epoch_unit(vals)
    codes = _unit_codes(vals)
    off = np.flatnonzero((codes >= 0) & (codes != _EPOCH_UNITS.index(unit)))
    if off.size:
        i = int(off[0])
        other = _EPOCH_UNITS[int(codes[i])]
        raise InputError(
            f"{name} {_show(col.iloc[i])} is epoch "
            f"{_UNIT_NAMES[other]} but the file's other times are epoch {_UNIT_NAMES[unit]} "
            "(one unit per file)",
            file=file,
            row=i + 1,
        )
    if pd.api.types.is_integer_dtype(col) and unit != "ns" and not col.isna().any():
        us = col.to_numpy(dtype="int64") * int(_TO_US[unit])  # exact; |value| < 1e17
        us_f = us.astype("float64")
    else:
        us_f = vals * _TO_US[unit]
        us = None
    lo, hi = plausible_range()
    lo_us, hi_us = lo.value / 1e3, hi.value / 1e3
    with np.errstate(invalid="ignore"):
        bad = finite & ((us_f < lo_us) | (us_f > hi_us))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name} {_show(col.iloc[i])} (epoch "
            f"{_UNIT_NAMES[unit]}) is {_when(us_f[i])}, outside the plausible range "
            f"{lo:%Y-%m-%d} .. {hi:%Y-%m-%d}{_date_number_hint(vals[i])}",
            file=file,
            row=i + 1,
        )
    if us is None:
        ints = np.where(finite, np.round(np.where(finite, us_f, 0.0)), 0).astype("int64")
    else:
        ints = us
    idx = pd.to_datetime(ints, unit="us", utc=True).as_unit("us")
    out = pd.Series(idx.where(finite), index=col.index)  # not finite -> NaT
    return out.astype("datetime64[us, UTC]")


#: Day 0 of spreadsheets' day numbers (Excel's, LibreOffice's): 45658 is 2025-01-01.
_SPREADSHEET_EPOCH = pd.Timestamp("1899-12-30", tz="UTC")


def _date_number_hint(v: float) -> str:
    """What a number refused as an epoch time looks like, if a date: ``"; they look …"``.

    A date written as the number ``20250101`` (YYYYMMDD) or a spreadsheet's day number
    (``45658``, days since 1899-12-30) within the plausible range; ``""`` otherwise.
    """
    if not np.isfinite(v) or v < 0:
        return ""
    lo, hi = plausible_range()
    advice = ": write the dates as text (2025-01-01)"
    if float(v).is_integer() and 10_000_000 <= v < 100_000_000:
        try:
            day = pd.Timestamp(f"{int(v)}", tz="UTC")
        except (ValueError, TypeError):
            day = None
        if day is not None and lo <= day <= hi:
            return f"; they look like dates written YYYYMMDD: {int(v)} is {day:%Y-%m-%d}{advice}"
    if v >= 100_000:  # days (year 2173 on): beyond any plausible date; within pandas' ns range
        return ""
    day = _SPREADSHEET_EPOCH + pd.Timedelta(days=float(v))
    if lo <= day <= hi:
        return f"; they look like spreadsheet day numbers: {v:g} is {day:%Y-%m-%d}{advice}"
    return ""


def _show(v: object) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v)) if abs(float(v)) < 1e20 else f"{float(v):g}"
    return str(v).strip()


def _when(us: float) -> str:
    years = us / 1e6 / 86_400 / 365.2425 + 1970
    if 1 < years < 9999:
        return f"{pd.Timestamp(int(us), unit='us', tz='UTC'):%Y-%m-%d %H:%M}"
    return f"the year {years:,.0f}"


def _check_range(out: pd.Series, file: str, name: str, raw: pd.Series) -> None:
    lo, hi = plausible_range()
    bad = (out < lo) | (out > hi)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{name} {_show(raw.iloc[i])} is outside the plausible "
            f"range {lo:%Y-%m-%d} .. {hi:%Y-%m-%d}",
            file=file,
            row=i + 1,
        )


_NUMBER = r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?"


def parse_times(col: pd.Series, file: str, name: str, notes: list[str] | None = None) -> pd.Series:
    """Parse a time column (ISO text, date, or epoch s/ms/µs/ns) to UTC, checked.

    One form per column: epoch numbers in one unit (seconds, milliseconds,
    microseconds or nanoseconds, told apart by magnitude), or text times. Every time
    must lie in :func:`plausible_range` (2009-01-01 .. now + 1 day).

    Dates written with the day and the month as numbers (``02/01/2024 03:00``,
    ``2.1.2024``, ``02-01-24``) are read one way for the whole column, never guessed
    cell by cell: day-first when some first field is above 12, month-first when some
    second field is; when every field is 12 or less, the one reading that gives sorted,
    evenly spaced times, else the column is refused (see :func:`_day_month_iso`).

    Parameters
    ----------
    col : pandas.Series
        Raw column, in file order (position ``i`` is data row ``i + 1``).
    file, name : str
        File and column name, for error messages.
    notes : list of str, optional
        Receives a ``"FILE: …"`` note when the reading was a choice the user should
        know of (dates read day-first, or month-first told by the spacing of the times).

    Returns
    -------
    pandas.Series
        ``datetime64[us, UTC]``; missing values are ``NaT`` (:func:`validate` names them).

    Raises
    ------
    InputError
        ``"FILE: data row N: …"`` for the first row at fault: not a time, a unit or form
        other than the rest of the column's, a date whose day and month cannot be told
        apart, or a time outside the plausible range.
    """
    if pd.api.types.is_datetime64_any_dtype(col):
        out = pd.to_datetime(col, utc=True).astype("datetime64[us, UTC]")
        _check_range(out, file, name, col)
        return out
    if pd.api.types.is_bool_dtype(col):
        raise InputError(f"{file}: column {name!r}: true/false values are not times")
    if pd.api.types.is_numeric_dtype(col):
        return _from_epoch(col, file, name)
    text = col.astype("string").str.strip()
    text = text.mask(text.fillna("") == "")
    present = text.notna().to_numpy()
    is_num = text.str.fullmatch(_NUMBER).fillna(False).to_numpy(dtype=bool)
    n_num, n_text = int(is_num.sum()), int((present & ~is_num).sum())
    if n_num and n_text:
        # One form per file: name the first row of the minority form.
        odd = is_num if n_num < n_text else present & ~is_num
        i = int(np.flatnonzero(odd)[0])
        kind = "an epoch number" if n_num < n_text else "not an epoch number"
        others = "text times" if n_num < n_text else "epoch numbers"
        raise InputError(
            f"{name}: {text.iloc[i]!r} is {kind} but the file's "
            f"other times are {others} (one time format per file)",
            file=file,
            row=i + 1,
        )
    if n_num:
        return _from_epoch(pd.to_numeric(text), file, name)
    iso = _iso_one_offset(text)
    if iso is not None:  # no time of day alone, no mixed offsets: ISO refuses them
        _check_dated(text, file, name, words_only=True)
    else:
        _check_dated(text, file, name)
        _check_offsets(text, present, file, name)
    read = iso if iso is not None else _read_text_times(text, file, name, notes)
    out = read.astype("datetime64[us, UTC]")
    _check_range(out, file, name, text)
    return out


#: A time of day with no date (``00:00``, ``13:45:10.5``, ``1:00 PM``, ``12:00+02:00``).
_TIME_ONLY = (
    r"(?i)T?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*(?:[ap]\.?m\.?)?\s*"
    r"(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?"
)
#: Words pandas reads as the current time, or a day relative to it.
_NOW_WORDS = ("now", "today", "tomorrow", "yesterday")
#: A time of day, then a UTC offset (``Z``, ``UTC``, ``GMT``, ``+02:00``, ``+0200``, ``-05``)
#: ending the value.
_OFFSET = (
    r"(?i)(?:\d:\d{2}(?::\d{2})?|T\d{4}(?:\d{2})?)(?:[.,]\d+)?\s*(?:[ap]\.?m\.?\s*)?"
    r"(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)$"
)


def _read_text_times(text: pd.Series, file: str, name: str, notes: list[str] | None) -> pd.Series:
    """Text times to UTC: ISO 8601 (offsets each honoured), else day and month told apart."""
    try:
        return pd.to_datetime(text, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        iso = _day_month_iso(text, file, name, notes)
        readable = text if iso is None else iso
        try:
            return _parse_text(readable)
        except (ValueError, TypeError, OverflowError) as exc:
            bad = _first_bad_time(readable)
            raise InputError(
                f"{name}: not a time: {text.iloc[bad]!r}", file=file, row=bad + 1
            ) from exc


def _iso_one_offset(text: pd.Series) -> pd.Series | None:
    """``text`` read as ISO 8601 in UTC when every time is, all with one offset or none.

    One pass of pandas' ISO reader without ``utc=True``, which refuses a time of day
    with no date and a column mixing offsets (or times with and without one): None
    then, and :func:`parse_times` runs its row-by-row checks, which name the row. The
    checks' patterns cost about a second per million rows; this reading, what the
    column costs anyway.
    """
    try:
        out = pd.to_datetime(text, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return None
    if not isinstance(out.dtype, pd.DatetimeTZDtype):
        return out.dt.tz_localize("UTC")
    return out.dt.tz_convert("UTC")


def _check_dated(text: pd.Series, file: str, name: str, *, words_only: bool = False) -> None:
    """Refuse a value with no date in it: a time of day alone, or a word such as ``now``.

    pandas reads ``"00:00"`` as midnight of the day it runs and ``"now"`` as the moment
    it runs, both within the plausible range: a file of times of day (its dates in
    another column) was stored at the day of the ingest. ``words_only``: the words
    alone are looked for (a column ISO 8601 read whole has no time of day alone), among
    the values short enough to be one.
    """
    n = len(text)
    word = np.zeros(n, dtype=bool)
    if words_only:
        alone = word.copy()
        short = np.flatnonzero(text.str.len().fillna(0).to_numpy() <= max(map(len, _NOW_WORDS)))
        word[short] = text.iloc[short].str.lower().isin(_NOW_WORDS).fillna(False).to_numpy(bool)
    else:
        alone = text.str.fullmatch(_TIME_ONLY).fillna(False).to_numpy(dtype=bool)
        word[:] = text.str.lower().isin(_NOW_WORDS).fillna(False).to_numpy(dtype=bool)
    if alone.any() or word.any():
        i = int(np.flatnonzero(alone | word)[0])
        what = (
            "is a time of day with no date (it would be read as today's)"
            if alone[i]
            else "is not a date (it would be read as the time of the ingest)"
        )
        raise InputError(
            f"{name}: {text.iloc[i]!r} {what}; give each row's "
            "date and time in one column (2024-01-02 03:00)",
            file=file,
            row=i + 1,
        )


def _check_offsets(text: pd.Series, present: np.ndarray, file: str, name: str) -> None:
    """Refuse a column where some times carry a UTC offset and others do not.

    A time without an offset is read as UTC; beside times written with ``+01:00`` it is
    most likely the same local time, and would be moved by the offset. Every time with
    an offset (any offsets: a local time across a DST change), or none, is read.
    """
    aware = text.str.contains(_OFFSET).fillna(False).to_numpy(dtype=bool)
    naive = present & ~aware
    if not aware.any() or not naive.any():
        return
    # name the first row of the fewer (of equally many, the form the first row lacks)
    first = int(np.flatnonzero(present)[0])
    n_aware, n_naive = int(aware.sum()), int(naive.sum())
    odd_aware = n_aware < n_naive or (n_aware == n_naive and not aware[first])
    i = int(np.flatnonzero(aware if odd_aware else naive)[0])
    j = int(np.flatnonzero(naive if odd_aware else aware)[0])
    has = "has a UTC offset" if odd_aware else "has no UTC offset"
    other = "has none" if odd_aware else "has one"
    raise InputError(
        f"{name} {text.iloc[i]!r} {has} but {row_ref(j + 1)}'s "
        f"{text.iloc[j]!r} {other}: a time without an offset is read as UTC (one time "
        "format per file: give every time its offset, or none)",
        file=file,
        row=i + 1,
    )


def _parse_text(text: pd.Series) -> pd.Series:
    """Text times to UTC: ISO 8601 for the whole column, else pandas' reading of each."""
    try:
        return pd.to_datetime(text, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return pd.to_datetime(text, utc=True, format="mixed")


#: A date with the day and the month as numbers, the year last (4 or 2 digits), one
#: separator (``/``, ``.`` or ``-``), then anything (the time of day, an offset).
_DAY_MONTH = r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)(.*)$"
_ACCEPTED = (
    "write ISO 8601 times (2024-01-02 03:00, never ambiguous), or DD/MM/YYYY or "
    "MM/DD/YYYY dates in a column where some day is above 12"
)


def _day_month_iso(
    text: pd.Series, file: str, name: str, notes: list[str] | None
) -> pd.Series | None:
    """A column of ``DD/MM/YYYY`` or ``MM/DD/YYYY`` dates rewritten as ISO, read one way.

    pandas' ``format="mixed"`` guesses each cell on its own: ``30/12/2023`` day-first
    but ``02/01/2024`` month-first (February 1), so a day-first file silently moved
    bars by months. Here the whole column is read one way: day-first when some first
    field is above 12, month-first when some second field is (both: refused). When every
    field is 12 or less both readings are valid dates; the one giving sorted, evenly
    spaced times is taken if exactly one does, else the column is refused naming its
    first row the two readings disagree on. A two-digit year is 20YY.

    Returns
    -------
    pandas.Series or None
        The column as ``YYYY-MM-DD…`` text (time of day kept); None when no value is
        such a date (the column is left to pandas).

    Raises
    ------
    InputError
        Such dates mixed with other forms, both layouts present, or the layout not
        decidable.
    """
    parts = text.str.extract(_DAY_MONTH, expand=True)
    present = text.notna().to_numpy(dtype=bool)
    hit = parts[0].notna().to_numpy(dtype=bool)
    if not hit.any():
        return None
    if (present & ~hit).any():
        first = int(np.flatnonzero(present)[0])
        i = int(np.flatnonzero(present & (hit != hit[first]))[0])
        raise InputError(
            f"{name}: {text.iloc[i]!r} is not written like "
            f"{row_ref(first + 1)}'s {text.iloc[first]!r} (one time format per file)",
            file=file,
            row=i + 1,
        )
    rows = np.flatnonzero(hit)
    first_f = parts[0].iloc[rows].astype("int64").to_numpy()
    second_f = parts[2].iloc[rows].astype("int64").to_numpy()
    year = parts[3].iloc[rows].astype("int64").to_numpy()
    year = np.where(parts[3].iloc[rows].str.len().to_numpy() == 2, 2000 + year, year)
    rest = parts[4].iloc[rows].to_numpy(dtype=object)
    day_rows, month_rows = rows[first_f > 12], rows[second_f > 12]
    if day_rows.size and month_rows.size:
        d, m = int(day_rows[0]), int(month_rows[0])
        if d == m:  # both fields above 12: no date at all
            raise InputError(f"{name}: not a time: {text.iloc[d]!r}", file=file, row=d + 1)
        late, early = (d, m) if d > m else (m, d)
        ways = {d: "day-first (DD/MM/YYYY)", m: "month-first (MM/DD/YYYY)"}
        raise InputError(
            f"{name} {text.iloc[late]!r} can only be "
            f"{ways[late]} but {row_ref(early + 1)}'s {text.iloc[early]!r} can only be "
            f"{ways[early]}: one layout per column; {_ACCEPTED}",
            file=file,
            row=late + 1,
        )
    by_day = _iso_text(text.index[rows], year, second_f, first_f, rest)
    by_month = _iso_text(text.index[rows], year, first_f, second_f, rest)
    day_first: bool
    if day_rows.size:
        i = int(day_rows[0])
        day_first = True
        why = f"{row_ref(i + 1)}'s {text.iloc[i]!r} has a day above 12"
    elif month_rows.size or (first_f == second_f).all():
        day_first, why = False, ""  # month-first for sure, or both readings the same
    else:
        ok_day, ok_month = _even(by_day), _even(by_month)
        if ok_day == ok_month:
            k = int(rows[first_f != second_f][0])
            both = "both readings give" if ok_day else "neither reading gives"
            raise InputError(
                f"{name} {text.iloc[k]!r}: day and month cannot "
                f"be told apart (no field above 12 in the column, and {both} sorted, evenly "
                f"spaced times); {_ACCEPTED}",
                file=file,
                row=k + 1,
            )
        day_first = ok_day
        why = (
            "every day and month is 12 or less, and only this reading gives sorted, evenly "
            "spaced times"
        )
    if why and notes is not None:
        way = "day-first (DD/MM/YYYY)" if day_first else "month-first (MM/DD/YYYY)"
        notes.append(f"{file}: {name} read {way} for the whole column: {why}")
    out = pd.Series(pd.NA, index=text.index, dtype="string")
    out.iloc[rows] = (by_day if day_first else by_month).to_numpy()
    return out


def _iso_text(
    index: pd.Index, year: np.ndarray, month: np.ndarray, day: np.ndarray, rest: np.ndarray
) -> pd.Series:
    """``YYYY-MM-DD`` + the rest of each value (its time of day), as text."""

    def digits(v: np.ndarray, width: int) -> pd.Series:
        return pd.Series(v, index=index).astype("string").str.zfill(width)

    return (
        digits(year, 4) + "-" + digits(month, 2) + "-" + digits(day, 2)
        + pd.Series(rest, index=index, dtype="string")
    )  # fmt: skip


def _even(text: pd.Series) -> bool:
    """Whether ISO ``text`` parses to sorted times, every step between them the same."""
    try:
        t = _parse_text(text)
    except (ValueError, TypeError, OverflowError):
        return False
    v = pd.DatetimeIndex(t).as_unit("us").asi8
    if v.size < 2:
        return True
    d = np.diff(v)
    return bool((d >= 0).all()) and np.unique(d[d > 0]).size <= 1


def _first_bad_time(text: pd.Series) -> int:
    """Position of the first value that does not parse as a time on its own."""
    for i, v in enumerate(text.tolist()):
        if v is None or v is pd.NA:
            continue
        try:
            t = pd.to_datetime(v, utc=True)
            t.as_unit("us")
        except (ValueError, TypeError, OverflowError):
            return i
        lo, hi = plausible_range()
        if not lo <= t <= hi:
            return i
    return 0


def interval_ms(interval: str) -> int | None:
    """Milliseconds in an interval label like ``"4h"`` (``None`` for ``"events"``).

    Raises
    ------
    InputError
        Not such a label, or zero (``param="interval"``).
    """
    m = re.fullmatch(r"(\d+)\s*([smhdw])", interval.strip().lower())
    if m is None:
        if interval.strip().lower() in ("events", "irregular"):
            return None
        raise InputError(
            f"interval: not an interval like 1m, 4h, 1d: {interval!r}", param="interval"
        )
    ms = int(m.group(1)) * _UNITS_MS[m.group(2)]
    if ms <= 0:
        raise InputError(f"interval must be longer than 0 (got {interval!r})", param="interval")
    return ms


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

    Parameters
    ----------
    ts : pandas.Series or pandas.DatetimeIndex
        Timestamps (bar labels or event times), any order.

    Returns
    -------
    str
        The step (rounded to the second) as an interval string (``"1h"``, ``"8h"``,
        ``"1d"``, ``"90s"`` ...), or ``"events"``.
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


def _parts(td: pd.Timedelta) -> list[tuple[int, str]]:
    """Whole days, hours, minutes and seconds of ``td`` (>= 0; sub-second: rounded)."""
    left = max(0, round(td.total_seconds()))
    out = []
    for size, unit in ((86_400, "D"), (3_600, "H"), (60, "M"), (1, "S")):
        n, left = divmod(left, size)
        out.append((n, unit))
    return out


def duration_iso(td: pd.Timedelta) -> str:
    """An ISO 8601 duration, zero parts left out: ``P1DT10H``, ``PT4H``, ``PT0S``.

    Parameters
    ----------
    td : pandas.Timedelta
        A duration >= 0 (whole seconds; a fraction is rounded).

    Returns
    -------
    str
        ``P[nD][T[nH][nM][nS]]``; days are 24 h (no months or years, which vary).
    """
    (d, _), *time = _parts(td)
    clock = "".join(f"{n}{u}" for n, u in time if n)
    text = "P" + (f"{d}D" if d else "") + (f"T{clock}" if clock else "")
    return "PT0S" if text == "P" else text


def duration_text(td: pd.Timedelta) -> str:
    """A duration for people, zero parts left out: ``1 d 10 h``, ``4 h``, ``2 d 15 min``.

    Parameters
    ----------
    td : pandas.Timedelta
        A duration >= 0 (whole seconds; a fraction is rounded).
    """
    names = {"D": "d", "H": "h", "M": "min", "S": "s"}
    text = " ".join(f"{n} {names[u]}" for n, u in _parts(td) if n)
    return text or "0 s"


def gap_fields(largest: pd.Timedelta | None) -> dict[str, str | float | None]:
    """A series' longest step as JSON fields: ``largest_gap`` (ISO 8601), ``largest_gap_s``.

    Parameters
    ----------
    largest : pandas.Timedelta or None
        The longest step of the series (:func:`count_gaps`), or None (no gap counted).

    Returns
    -------
    dict
        ``{"largest_gap": "P1DT10H", "largest_gap_s": 122400.0}`` (seconds); None values
        for None.
    """
    if largest is None or pd.isna(largest):
        return {"largest_gap": None, "largest_gap_s": None}
    return {"largest_gap": duration_iso(largest), "largest_gap_s": largest.total_seconds()}


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
