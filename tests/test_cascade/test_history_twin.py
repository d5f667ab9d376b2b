"""The follow-through history against a plain loop over hourly bars, and its invariants.

The twin walks the bars one by one with a "busy until" mark instead of the library's
jumping index, and scans each horizon's lows with its own loop. Compared on the
bundled ETH and BTC hourly bars (several definitions) and on random series.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade import datasets
from liqcascade.cascade._history import follow_through
from profiles import examples


def _episodes_py(
    close: list[float], low: list[float], drop: float, window: int, horizon: int
) -> list[tuple[int, float, float, float]]:
    """(bar, fall, further, total) per episode, with plain loops."""
    out = []
    busy_until = 0  # first bar a new episode may start at
    n = len(close)
    for t in range(n):
        if t < busy_until or t < window or t + 1 >= n:
            continue
        ref = close[t - window]
        fall = close[t] / ref - 1.0
        if not fall <= drop:
            continue
        m = math.inf
        for h in range(1, horizon + 1):
            if t + h < n:
                m = min(m, low[t + h])
        out.append((t, fall, min(0.0, m / close[t] - 1.0), min(fall, m / ref - 1.0)))
        busy_until = t + 1 + horizon
    return out


def _check(ohlc: pd.DataFrame, drop: float, window: int, horizon: int) -> int:
    ft = follow_through(ohlc, drop=drop, window_hours=window, horizon_hours=horizon)
    close = [float(v) for v in ohlc["close"]]
    low = [float(v) for v in ohlc["low"]]
    want = _episodes_py(close, low, drop, window, horizon)
    ev = ft.events
    assert ft.n == len(want)
    if not want:
        return 0
    bars = [w[0] for w in want]
    assert list(ev["ts"]) == list(ohlc.index[bars])  # timestamps read from the index
    assert_same(ev["close"].to_numpy(), np.array([close[b] for b in bars]))
    assert_same(ev["fall"].to_numpy(), np.array([w[1] for w in want]))
    assert_same(ev["further"].to_numpy(), np.array([w[2] for w in want]))
    assert_same(ev["total"].to_numpy(), np.array([w[3] for w in want]))
    return ft.n


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_equals_a_plain_loop_on_the_bundled_hourly_bars(asset: str) -> None:
    ohlc = datasets.load_ohlcv(asset, "1h")
    seen = 0
    for drop, window, horizon in ((-0.05, 4, 24), (-0.03, 1, 6), (-0.08, 12, 48), (-0.02, 2, 1)):
        seen += _check(ohlc, drop, window, horizon) > 0
    assert seen == 4  # every definition finds real episodes


@settings(max_examples=examples(60), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 300),
    drop=st.floats(-0.2, -0.001),
    window=st.integers(1, 12),
    horizon=st.integers(1, 30),
)
def test_equals_a_plain_loop_on_random_series(seed, n, drop, window, horizon) -> None:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, rng.uniform(0.002, 0.04), n)))
    low = close * (1 - rng.uniform(0, 0.03, n))
    idx = pd.date_range("2024-01-01", periods=n, freq="1h", tz="UTC")
    _check(pd.DataFrame({"close": close, "low": low}, index=idx), drop, window, horizon)


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    drop=st.floats(-0.1, -0.005),
    window=st.integers(1, 8),
    horizon=st.integers(1, 30),
    a=st.floats(-0.5, 0.0),
    b=st.floats(-0.5, 0.0),
)
def test_episodes_never_overlap_and_the_tail_share_is_monotone(
    seed, drop, window, horizon, a, b
) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    low = close * (1 - rng.uniform(0, 0.02, n))
    idx = pd.date_range("2024-01-01", periods=n, freq="1h", tz="UTC")
    ft = follow_through(
        pd.DataFrame({"close": close, "low": low}, index=idx),
        drop=drop,
        window_hours=window,
        horizon_hours=horizon,
    )
    pos = idx.get_indexer(pd.DatetimeIndex(ft.events["ts"]))
    assert (np.diff(pos) >= horizon + 1).all()  # the next search starts past the horizon
    ev = ft.events
    assert (ev["fall"] <= drop).all() and (ev["further"] <= 0).all()
    assert (ev["total"] <= ev["fall"]).all()
    lo, hi = sorted((a, b))
    if ft.n:
        assert ft.share_total_beyond(lo) <= ft.share_total_beyond(hi)
        assert ft.share_total_beyond(drop) == 1.0  # every episode fell at least drop
    else:
        assert math.isnan(ft.share_total_beyond(lo))
