"""The event back-test's look-ups made from guesses or from arrays read once.

- the clock's searches from the last step's answers (``_left_near``, ``_right_from``,
  ``_level_near``) equal ``np.searchsorted`` (and the prefix end ``triggered`` keeps)
  for any guess, on sorted arrays with repeated values, infinities and NaN last;
- ``RecordedBars.positions`` equals ``get_indexer`` on the deduplicated record, sorted
  or not;
- ``HourlyBars.closed_part`` reads the bars a frame's selection would (NaN skipped as a
  frame's ``min``/``max`` skips it);
- ``median_step`` equals the frame's median step.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.cascade._clock_kernels import _left_near, _level_near, _level_of, _right_from
from liqcascade.cascade._event_liquidations import HourlyBars, RecordedBars
from liqcascade.positions._incremental import median_step
from profiles import examples

_VALUES = st.sampled_from([-math.inf, -2.0, -1.0, -0.5, 0.0, 0.25, 1.0, 1.5, 3.0, math.inf])


@st.composite
def _sorted_case(draw: st.DrawFn) -> tuple[np.ndarray, float, int]:
    """A sorted array (repeats, infinities, NaN last), a value and a guess around it."""
    vals = sorted(draw(st.lists(_VALUES, max_size=12)))
    n_nan = draw(st.integers(0, 2))
    a = np.array(vals + [math.nan] * n_nan, dtype=np.float64)
    v = draw(st.one_of(_VALUES, st.just(math.nan), st.floats(-3.0, 3.0)))
    guess = draw(st.integers(-2, a.size + 2))
    return a, v, guess


@settings(max_examples=examples(150), deadline=None)
@given(_sorted_case())
def test_left_near_is_searchsorted(case: tuple[np.ndarray, float, int]) -> None:
    a, v, guess = case
    assert _left_near(a, v, guess) == int(np.searchsorted(a, v, side="left"))


@settings(max_examples=examples(150), deadline=None)
@given(_sorted_case())
def test_right_from_is_the_trigger_prefix_end(case: tuple[np.ndarray, float, int]) -> None:
    a, v, guess = case
    lo = min(max(guess, 0), a.size)  # a prefix end: inside [0, len]
    want = max(int(np.searchsorted(a, v, side="right")), lo)  # triggered()'s rule
    assert _right_from(a, v, lo) == want


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.floats(0.0, 5.0), min_size=1, max_size=12), st.floats(-1.0, 30.0),
       st.integers(-3, 15))  # fmt: skip
def test_level_near_is_level_of(sizes: list[float], c: float, hint: int) -> None:
    qc = np.concatenate([[0.0], np.cumsum(sizes)])  # cumulative depth: repeats where 0
    assert _level_near(qc, c, hint) == _level_of(qc, c)


def test_recorded_bars_positions_are_get_indexer() -> None:
    idx = pd.DatetimeIndex(
        ["2025-01-01 04:00", "2025-01-01 00:00", "2025-01-01 08:00", "2025-01-01 04:00"],
        tz="UTC",
    )
    rec = pd.DataFrame({"long_usd": [1.0, 2.0, 3.0, 4.0], "short_usd": [5.0, 6.0, 7.0, 8.0]},
                       index=idx)  # fmt: skip
    ask = pd.date_range("2024-12-31 20:00", periods=5, freq="4h", tz="UTC")
    dedup = rec[~rec.index.duplicated(keep="last")]
    for frame in (rec, rec.sort_index(kind="stable")):
        got = RecordedBars.of(frame)
        want = pd.DatetimeIndex(frame[~frame.index.duplicated(keep="last")].index)
        assert np.array_equal(got.positions(ask), want.get_indexer(ask))
    # sorted: the last of the repeated 04:00 bars is the one read (4.0 long)
    got = RecordedBars.of(rec.sort_index(kind="stable"))
    at = got.positions(ask)
    assert list(at) == [-1, 0, 1, 2, -1]
    assert got.long_usd[at[2]] == 4.0
    assert len(dedup) == 3


def test_closed_part_reads_the_event_bar_hours() -> None:
    hours = pd.DataFrame(
        {"open": [10.0, 11.0, 12.0, 13.0], "high": [10.5, math.nan, 12.5, 99.0],
         "low": [9.5, 8.0, math.nan, 1.0]},
        index=pd.date_range("2025-01-01 12:00", periods=4, freq="h", tz="UTC"),
    )  # fmt: skip
    b0, ts = pd.Timestamp("2025-01-01 12:00", tz="UTC"), pd.Timestamp("2025-01-01 15:00", tz="UTC")
    got = HourlyBars.of(hours).closed_part(b0.value, ts.value)
    # 12:00-14:00 only (15:00 is the trigger bar, not closed by ts); NaN skipped
    assert got == (10.0, 8.0, 12.5)
    assert HourlyBars.of(hours).closed_part(ts.value, ts.value) is None
    assert HourlyBars.of(hours).rows(-4, 2).open.tolist() == [10.0, 11.0]


def test_median_step_is_the_frame_median() -> None:
    even = pd.date_range("2025-01-01", periods=5, freq="4h", tz="UTC")
    gap = even.delete(2)
    for idx in (even, gap, even[:2]):
        assert median_step(idx) == pd.Timedelta(pd.Series(idx).diff().median())
    assert median_step(even) == pd.Timedelta(hours=4)
