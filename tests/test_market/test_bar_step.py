"""``liqcascade._time.bar_step``: the most common positive step of a bar index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade._time import bar_step
from liqcascade.errors import InputError
from profiles import examples


def _bar_step_reference(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The pandas computation bar_step replaced: the smallest mode of the positive steps."""
    idx = pd.DatetimeIndex(index)
    steps = pd.Series(idx[1:] - idx[:-1])
    steps = steps[steps > pd.Timedelta(0)]
    return pd.Timedelta(steps.mode().min())


def test_known_steps() -> None:
    idx4 = pd.date_range("2025-01-01", periods=50, freq="4h", tz="UTC")
    assert bar_step(idx4) == pd.Timedelta(hours=4)
    # a gap and a repeated label do not change the most common step
    gappy = idx4.delete([10, 11, 12]).append(idx4[-1:])
    assert bar_step(gappy) == pd.Timedelta(hours=4)
    # ties: the smallest of the equally common steps
    tie = pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 01:00", "2025-01-01 03:00"], tz="UTC")
    assert bar_step(tie) == pd.Timedelta(hours=1)
    # naive, another unit, and a NaT (no step to or from it)
    naive = pd.date_range("2025-01-01", periods=5, freq="1D").as_unit("s")
    assert bar_step(naive) == pd.Timedelta(days=1)
    assert bar_step(naive.insert(2, pd.NaT)) == pd.Timedelta(days=1)
    with pytest.raises(InputError, match="fewer than two bars"):
        bar_step(idx4[:1])


@settings(max_examples=examples(80), deadline=None)
@given(
    steps=st.lists(st.sampled_from([-3600, 0, 60, 900, 3600, 3600, 14_400, 86_400]), min_size=1,
                   max_size=60),
    unit=st.sampled_from(["s", "ms", "us", "ns"]),
    tz=st.sampled_from([None, "UTC"]),
)  # fmt: skip
def test_matches_the_pandas_mode(steps: list[int], unit: str, tz: str | None) -> None:
    start = pd.Timestamp("2025-03-01", tz=tz).as_unit(unit)
    secs = np.concatenate([[0], np.cumsum(steps)])
    idx = pd.DatetimeIndex([start + pd.Timedelta(seconds=int(x)) for x in secs]).as_unit(unit)
    got, want = bar_step(idx), _bar_step_reference(idx)
    if pd.isna(want):
        assert pd.isna(got)
    else:
        assert got == want
