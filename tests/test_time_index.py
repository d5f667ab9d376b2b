"""``_time.utc_index``: the one normaliser of a time index, and the places that use it.

Six places normalised an index to UTC each on its own (a stop backtest's depth, the
stops' bar times, the VaR back-test's closed days, the collateral loop's minutes, a
heatmap's snapshot times, the command line's bar cut); they call :func:`utc_index`, and
:func:`utc_indexed` (a frame's or a series' naive index) is built on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade._cli._data_cut import DataCut, closed_bars
from liqcascade._time import utc_index, utc_indexed
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, heatmap_from_books

NAIVE = pd.date_range("2025-03-01 00:00", periods=3, freq="h", name="ts", unit="us")
UTC = NAIVE.tz_localize("UTC")
#: the same instants on Berlin's clock (UTC+1 in March): 01:00, 02:00, 03:00
BERLIN = UTC.tz_convert("Europe/Berlin")


@pytest.mark.parametrize("given", [NAIVE, UTC, BERLIN], ids=["naive", "utc", "berlin"])
def test_utc_index_is_the_same_instants_in_utc_name_and_unit_kept(given: pd.DatetimeIndex) -> None:
    got = utc_index(given)
    assert str(got.tz) == "UTC"
    assert got.equals(UTC)  # naive read as UTC; a zoned one the same instants
    assert got.name == "ts" and got.unit == "us"


def test_utc_index_reads_a_list_of_times() -> None:
    got = utc_index([pd.Timestamp("2025-03-01 01:00", tz="Europe/Berlin"),
                     pd.Timestamp("2025-03-01 01:00", tz="Europe/Berlin")])  # fmt: skip
    assert list(got) == [pd.Timestamp("2025-03-01 00:00", tz="UTC")] * 2


def test_utc_indexed_localises_a_naive_index_and_leaves_the_caller_s_object() -> None:
    s = pd.Series([1.0, 2.0, 3.0], index=NAIVE)
    got = utc_indexed(s)
    assert got.index.equals(UTC) and got.index.freq == s.index.freq
    np.testing.assert_allclose(got.to_numpy(), [1.0, 2.0, 3.0], rtol=1e-12)
    assert s.index.tz is None  # the caller's series as it was


def test_utc_indexed_keeps_a_zoned_index_in_its_zone_and_other_indexes_as_they_are() -> None:
    zoned = pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=BERLIN)
    assert utc_indexed(zoned) is zoned  # unlike utc_index: the caller's zone is kept
    ranged = pd.Series([1.0, 2.0])
    assert utc_indexed(ranged) is ranged


def test_a_heatmap_s_zoned_snapshot_times_are_utc() -> None:
    """Its times were left in a zoned snapshot's zone; its docstring says UTC."""
    book = PositionBook(np.array([1], np.int8), np.array([1.0]), np.array([2200.0]),
                        np.array([220.0]), np.array([2000.0]), np.array([1980.0]))  # fmt: skip
    snaps = [(t, book, None, 2100.0) for t in BERLIN]
    hm = heatmap_from_books(snaps)
    assert hm.times.equals(UTC.rename(None))
    naive = heatmap_from_books([(t, book, None, 2100.0) for t in NAIVE])
    assert naive.times.equals(hm.times)


def test_the_bar_cut_prints_a_zoned_frame_s_times_in_utc() -> None:
    """The refusal says "UTC": a Berlin-indexed frame's last bar was printed on Berlin's clock."""
    frame = pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=BERLIN)
    late = DataCut(pd.Timestamp("2025-03-01 05:00", tz="UTC"), "--as-of", "")
    with pytest.raises(InputError) as e:
        closed_bars(frame, pd.Timedelta(hours=1), late, "the bars")
    # the end is the last bar's close, as the market date's note quotes it (store30)
    assert "the bars end 2025-03-01 03:00 UTC (the close of its last bar, 2025-03-01 02:00)" in str(
        e.value
    )
    cut = DataCut(pd.Timestamp("2025-03-01 02:00", tz="UTC"), "--as-of", "")
    kept = closed_bars(frame, pd.Timedelta(hours=1), cut, "the bars")
    assert list(kept["close"]) == [1.0, 2.0]  # the bars that closed by 02:00 UTC


# ----------------------------------------------------------- utc_time: one timestamp (session 23)
# A dozen places normalised one Timestamp on their own (the market line, the book's
# in-sample split, the scores, the back-test, the clock's score, the calibrations' fit in
# force, the incremental book, the report's crash note and suspect bars); they call
# :func:`utc_time`.


@pytest.mark.parametrize(
    "given",
    ["2025-03-01 01:00", pd.Timestamp("2025-03-01 01:00", tz="UTC"), BERLIN[1]],
    ids=["naive", "utc", "berlin"],
)
def test_utc_time_is_the_same_instant_in_utc(given: object) -> None:
    from liqcascade._time import utc_time

    got = utc_time(given)
    assert str(got.tz) == "UTC"
    assert got == UTC[1]  # naive read as UTC; Berlin's 02:00 is 01:00 UTC


def test_utc_time_keeps_what_to_utc_refuses_or_floors() -> None:
    from liqcascade._time import to_utc, utc_time

    ns = pd.Timestamp("2025-03-01 00:00:00.000000001")
    assert utc_time(ns).nanosecond == 1  # to_utc floors to the microsecond
    assert to_utc(ns).nanosecond == 0
    assert utc_time(0) == pd.Timestamp("1970-01-01", tz="UTC")  # a number: ns since epoch
    with pytest.raises(InputError):
        to_utc(0)


def test_the_crash_note_dates_a_zoned_market_date_in_utc() -> None:
    """``after_note`` printed a zoned ``as_of``'s local date: Berlin's 10-10 01:00 is 10-09 UTC."""
    from liqcascade.report._october import after_note

    note = after_note(pd.Timestamp("2025-10-10 01:00", tz="Europe/Berlin"))
    assert "after the market date (2025-10-09)" in note  # was (2025-10-10): the crash day
    assert after_note("2025-10-09 23:00") == note  # the same instant, naive UTC


def test_suspect_bars_within_a_zoned_window_are_the_same_instants() -> None:
    from liqcascade.report._suspects import within

    s = pd.DataFrame({"ts": UTC, "asset": ["ETH"] * 3})
    got = within(s, "ETH", BERLIN[1], BERLIN[2])  # 02:00 to 03:00 Berlin: 01:00 to 02:00 UTC
    assert list(got["ts"]) == list(UTC[1:])
    assert len(within(s, "ETH", "2025-03-01 01:00", "2025-03-01 02:00")) == 2
