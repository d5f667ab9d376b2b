"""The one date rule: ``liqcascade._time.resolve_as_of``."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from liqcascade._time import as_of_instant, is_bare_date, resolve_as_of, utc_end
from liqcascade.errors import InputError
from liqcascade.market._inputs import closed_by, closed_mask

IDX4 = pd.date_range("2025-07-30", "2025-07-31 20:00", freq="4h", tz="UTC")
IDX1 = pd.date_range("2025-07-30", "2025-07-31 23:00", freq="1h", tz="UTC")


def test_a_bare_date_is_the_close_of_that_days_last_bar() -> None:
    want = pd.Timestamp("2025-07-30 20:00", tz="UTC")
    for value in ("2025-07-30", dt.date(2025, 7, 30), utc_end("2025-07-30")):
        assert resolve_as_of(value, IDX4) == want
    assert resolve_as_of("2025-07-30", IDX1) == pd.Timestamp("2025-07-30 23:00", tz="UTC")
    assert as_of_instant("2025-07-30") == pd.Timestamp("2025-07-31", tz="UTC")


def test_an_instant_reads_only_bars_closed_by_then() -> None:
    # the 4h bar opening 08:00 closes at 12:00: at 12:00 it is the last one, at 11:59 not
    t = pd.Timestamp("2025-07-31 12:00", tz="UTC")
    assert resolve_as_of(t, IDX4) == pd.Timestamp("2025-07-31 08:00", tz="UTC")
    assert resolve_as_of("2025-07-31T11:59", IDX4) == pd.Timestamp("2025-07-31 04:00", tz="UTC")
    assert resolve_as_of(t, IDX1) == pd.Timestamp("2025-07-31 11:00", tz="UTC")
    # a naive timestamp is UTC; a midnight Timestamp is an instant, not a day
    assert resolve_as_of(pd.Timestamp("2025-07-31"), IDX4) == pd.Timestamp(
        "2025-07-30 20:00", tz="UTC"
    )


def test_none_is_the_last_bar_and_errors_name_the_option() -> None:
    assert resolve_as_of(None, IDX4) == IDX4[-1]
    with pytest.raises(InputError, match=r"^as_of ") as e:
        resolve_as_of("2025-07-29", IDX4)
    assert e.value.param == "as_of" and e.value.for_flags({"as_of": "--as-of"}).startswith(
        "--as-of "
    )
    with pytest.raises(InputError, match=r"^as_of: not a date") as e:
        resolve_as_of("not a date", IDX4)
    assert e.value.param == "as_of"


def test_closed_by_is_the_open_plus_step_cut() -> None:
    # a bar counts once open + step <= instant: at 12:00 the 08:00 4h bar is in, at 11:59 not
    frame = pd.DataFrame({"x": range(len(IDX4))}, index=IDX4)
    step = pd.Timedelta(hours=4)
    t = pd.Timestamp("2025-07-31 12:00", tz="UTC")
    mask = closed_mask(IDX4, t, step)
    assert mask.dtype == bool and int(mask.sum()) == 9 and IDX4[mask][-1] == t - step
    assert closed_by(frame, t, step).index.equals(IDX4[mask])
    assert int(closed_mask(IDX4, t - pd.Timedelta(microseconds=1), step).sum()) == 8
    assert not closed_mask(IDX4, IDX4[0], step).any()


_DAY_END = pd.Timestamp("2025-08-01", tz="UTC")  # the close of 2025-07-31's last bar


@pytest.mark.parametrize(
    "value",
    [
        "2025-07-31",
        " 2025-07-31 ",
        "2025-7-31",
        "20250731",
        "2025/07/31",
        "Jul 31 2025",
        "July 31, 2025",  # 13 characters: a day all the same
        "2025-07-31T",  # a T with no time: pandas reads the day
        dt.date(2025, 7, 31),
    ],
)
def test_a_bare_date_is_what_pandas_reads_as_a_day(value: object) -> None:
    assert is_bare_date(value)
    assert as_of_instant(value) == _DAY_END
    assert utc_end(value) == _DAY_END - pd.Timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("2025-07-31 00:00", "2025-07-31"),
        ("2025-07-31T00", "2025-07-31"),  # an hour
        ("2025-07-31T00:00Z", "2025-07-31"),
        (pd.Timestamp("2025-07-31"), "2025-07-31"),
        (dt.datetime(2025, 7, 31), "2025-07-31"),
    ],
)
def test_a_time_is_the_instant_pandas_reads(value: object, instant: str) -> None:
    assert not is_bare_date(value)
    assert as_of_instant(value) == utc_end(value) == pd.Timestamp(instant, tz="UTC")


@pytest.mark.parametrize("value", ["2025-07", "2025", "2025Q3", " 2025-07 "])
def test_a_month_a_quarter_or_a_year_is_refused_as_an_as_of(value: str) -> None:
    # which instant of July is meant? pandas would read its first; a user rarely means it
    assert not is_bare_date(value)
    with pytest.raises(InputError, match=r"is a month, a quarter or a year, not a date") as e:
        as_of_instant(value, "--as-of")
    assert str(e.value).startswith(f"--as-of: {value.strip()!r}") and e.value.param is None


@pytest.mark.parametrize("value", ["12:00", "now", "today", "", " ", "x", "NaT", "2025-02-30",
                                   "2025-07-31Z", "2025-13-01", 20250731, None])  # fmt: skip
def test_a_time_alone_a_word_or_an_unreadable_string_is_no_bare_date(value: object) -> None:
    assert not is_bare_date(value)


@pytest.mark.parametrize("value", ["", "x", "NaT", "2025-02-30", "2025-07-31Z"])
def test_an_unreadable_as_of_is_one_named_error(value: str) -> None:
    with pytest.raises(InputError, match=r"^as_of(:| is empty)") as e:
        as_of_instant(value)
    assert e.value.param == "as_of" and "\n" not in str(e.value)
