"""``eth_minute_path``: every bar's open, high, low and close are minutes of the path."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same, same_value
from liqcascade import datasets
from liqcascade.collateral import ETH_BARS, eth_minute_path
from profiles import examples


def _per_bar(path: pd.Series, bars: pd.DataFrame) -> pd.DataFrame:
    """Open, high, low and close of the path inside each bar's interval."""
    n = len(path) // len(bars)
    g = pd.Series(path.to_numpy(), index=np.arange(len(path)) // n).groupby(level=0)
    out = pd.DataFrame({"open": g.first(), "high": g.max(), "low": g.min(), "close": g.last()})
    return out.set_axis(bars.index[: len(out)])


def _check_exact(path: pd.Series, bars: pd.DataFrame) -> None:
    got = _per_bar(path, bars)
    want = bars.loc[got.index, ["open", "high", "low", "close"]]
    # the path's values are the bars' own floats at the four points: bit-equal, and
    # linear interpolation between them never leaves [low, high]
    for c in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(got[c].to_numpy(), want[c].to_numpy(), err_msg=c)


def test_recorded_oct_10_bars_reach_their_extremes() -> None:
    bars = datasets.load(ETH_BARS["binance-30m"])
    start, end = "2025-10-10T12:00:00Z", "2025-10-11T12:00:00Z"
    path = eth_minute_path(bars, start, end)
    b = bars[(bars.index >= start) & (bars.index < end)]
    assert len(path) == 30 * len(b)
    _check_exact(path, b)
    # the 21:00 bar's low (3,435.00; the path used to stop at 3,445.69) and the 21:30
    # bar's high are on the path
    assert path.min() == b["low"].min() == 3435.0
    assert path["2025-10-10T21:30":"2025-10-10T21:59"].max() == b.loc["2025-10-10T21:30", "high"]


def test_the_four_points_sit_on_whole_minutes() -> None:
    idx = pd.date_range("2025-01-01", periods=2, freq="30min", tz="UTC")
    down = pd.DataFrame(
        {"open": [100.0, 90.0], "high": [130.0, 95.0], "low": [70.0, 80.0], "close": [90.0, 92.0]},
        index=idx,
    )
    p = eth_minute_path(down, idx[0], idx[-1] + pd.Timedelta("30min")).to_numpy()
    # bar 1 closes down: open (min 0) -> high (min 10) -> low (min 19) -> close (min 29)
    assert (p[0], p[10], p[19], p[29]) == (100.0, 130.0, 70.0, 90.0)
    assert_same(p[5], 115.0, rtol=1e-12)  # halfway open -> high
    # bar 2 closes up: open -> low -> high -> close
    assert (p[30], p[40], p[49], p[59]) == (90.0, 80.0, 95.0, 92.0)


@settings(max_examples=examples(60), deadline=None)
@given(
    n=st.sampled_from([4, 5, 7, 15, 30, 60]),
    raw=st.lists(st.tuples(*[st.floats(100.0, 5000.0) for _ in range(4)]), min_size=2, max_size=6),
)
def test_any_interval_reaches_every_bar_extreme(n: int, raw: list) -> None:
    rows = [(o, max(o, h, lo, c), min(o, h, lo, c), c) for o, h, lo, c in raw]
    idx = pd.date_range("2025-01-01", periods=len(rows), freq=f"{n}min", tz="UTC")
    bars = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=idx)
    path = eth_minute_path(bars, idx[0], idx[-1] + pd.Timedelta(minutes=n))
    assert len(path) == n * len(bars)
    _check_exact(path, bars)


def test_short_bars_keep_their_extremes() -> None:
    for n in (2, 3):
        idx = pd.date_range("2025-01-01", periods=3, freq=f"{n}min", tz="UTC")
        bars = pd.DataFrame(
            {"open": [10.0, 9.0, 9.5], "high": [12.0, 11.0, 10.0],
             "low": [8.0, 7.0, 9.0], "close": [9.0, 10.0, 9.5]},
            index=idx,
        )  # fmt: skip
        path = eth_minute_path(bars, idx[0], idx[-1] + pd.Timedelta(minutes=n))
        g = _per_bar(path, bars)
        np.testing.assert_array_equal(g["high"].to_numpy(), bars["high"].to_numpy())
        np.testing.assert_array_equal(g["low"].to_numpy(), bars["low"].to_numpy())


def test_a_missing_bar_keeps_every_later_bar_on_its_own_minutes() -> None:
    # 30-minute bars with the second one missing (first two bars not adjacent): each
    # later bar's open still sits on its own open time, and the gap is bridged linearly
    idx = pd.DatetimeIndex(["2025-10-10 20:00", "2025-10-10 21:00", "2025-10-10 21:30"],
                           tz="UTC")  # fmt: skip
    bars = pd.DataFrame({"open": [100.0, 90.0, 80.0], "high": [101.0, 91.0, 81.0],
                         "low": [99.0, 89.0, 79.0], "close": [100.5, 89.5, 80.5]},
                        index=idx)  # fmt: skip
    path = eth_minute_path(bars, idx[0], idx[-1] + pd.Timedelta("30min"))
    assert path.index.equals(pd.date_range(idx[0], periods=120, freq="1min"))
    for t, row in bars.iterrows():
        assert same_value(path[t], row["open"])  # every bar opens on its own minute
    # the missing 20:30 bar: a straight line from the first bar's close (20:29) to 21:00
    gap = path["2025-10-10 20:29":"2025-10-10 21:00"].to_numpy()
    assert_same(np.diff(gap), np.full(31, (90.0 - 100.5) / 31), rtol=1e-9)
