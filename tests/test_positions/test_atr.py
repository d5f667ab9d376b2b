"""Wilder's ATR: the compiled recursion against a plain-Python reference and golden values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.positions import PositionBook, StopModelWeights, model_stops_detailed, wilder_atr
from liqcascade.positions._atr_kernels import wilder_smooth_nb, wilder_smooth_py
from liqcascade.positions._stops import _candidate_levels, _Chart, _check_prices
from profiles import examples


def _atr_reference(
    high: list[float], low: list[float], close: list[float], period: int
) -> list[float]:
    """Wilder's ATR in plain Python: the loop the compiled kernel replaced."""
    n = len(high)
    tr = [high[0] - low[0]] if n else []
    for i in range(1, n):
        prev = close[i - 1]
        tr.append(max(high[i] - low[i], abs(high[i] - prev), abs(low[i] - prev)))
    out: list[float] = []
    total = 0.0
    for i in range(min(period, n)):  # running mean of the true ranges seen so far
        total += tr[i]
        out.append(total / (i + 1))
    for i in range(min(period, n), n):
        out.append(out[-1] + (tr[i] - out[-1]) / period)
    return out


def _bars(seed: int, n: int, px: float, vol: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = px * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
    # gaps: the open jumps from the previous close, so |high - prev| or |low - prev| wins
    mid = close * np.exp(rng.normal(0.0, vol, n))
    high = np.maximum(mid, close) * (1 + rng.uniform(0.0, vol, n))
    low = np.minimum(mid, close) * (1 - rng.uniform(0.0, vol, n))
    return pd.DataFrame({"high": high, "low": low, "close": close})


def test_golden_values() -> None:
    # period 3; bar 4 gaps up from the close of 12 (TR 8 = 20 - 12), bar 5 gaps down
    # from 19 (TR 10 = 19 - 9): TR = 2, 3, 2, 3, 8, 10
    df = pd.DataFrame(
        {
            "high": [10.0, 12.0, 11.0, 13.0, 20.0, 10.0],
            "low": [8.0, 9.0, 9.0, 10.0, 18.0, 9.0],
            "close": [9.0, 11.0, 10.0, 12.0, 19.0, 9.5],
        }
    )
    want = [2.0, 5 / 2, 7 / 3, 23 / 9, 118 / 27, 506 / 81]
    assert_same(wilder_atr(df, 3), want, rtol=1e-14, atol=0.0)
    # constant true range: the ATR is that range from the first bar on
    flat = pd.DataFrame({"high": [101.0] * 30, "low": [99.0] * 30, "close": [100.0] * 30})
    assert_same(wilder_atr(flat, 14), np.full(30, 2.0), rtol=1e-14, atol=0.0)


def test_short_and_empty_series() -> None:
    df = pd.DataFrame({"high": [10.0, 12.0], "low": [8.0, 9.0], "close": [9.0, 11.0]})
    assert_same(wilder_atr(df, 14), [2.0, 2.5], rtol=1e-14, atol=0.0)  # fewer bars than the period
    assert wilder_atr(df.iloc[:0], 14).shape == (0,)
    assert_same(wilder_atr(df, 1), [2.0, 3.0], rtol=1e-14, atol=0.0)  # period 1: the true range


@settings(max_examples=examples(60), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 400),
    period=st.integers(1, 40),
    px=st.floats(1e-3, 1e5),
    vol=st.floats(1e-4, 0.2),
)
def test_matches_the_plain_python_loop(
    seed: int, n: int, period: int, px: float, vol: float
) -> None:
    df = _bars(seed, n, px, vol)
    got = wilder_atr(df, period)
    ref = _atr_reference(df["high"].tolist(), df["low"].tolist(), df["close"].tolist(), period)
    assert got.shape == (n,)
    assert_same(got, ref, rtol=1e-12, atol=0.0)


@settings(max_examples=examples(40), deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 300), period=st.integers(1, 30))
def test_kernel_matches_its_twin(seed: int, n: int, period: int) -> None:
    rng = np.random.default_rng(seed)
    tr = rng.uniform(0.0, 50.0, n)
    start = int(rng.integers(1, n))
    a, b = np.zeros(n), np.zeros(n)
    a[start - 1] = b[start - 1] = float(tr[:start].mean())
    wilder_smooth_nb(tr, a, start, period)
    wilder_smooth_py(tr, b, start, period)
    assert_same(a, b, rtol=1e-12, atol=0.0)
    assert np.all(a[start:] >= 0.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_residual_keeps_its_whole_size_only_without_a_valid_level(seed: int) -> None:
    # the split reads "has a valid level" from the one candidate matrix the stops use;
    # here it is recomputed apart, as the model computed it before (a second matrix)
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2025-01-01", periods=200, freq="4h", tz="UTC")
    prices = _bars(seed, 200, 2000.0, 0.01).set_index(idx)
    n = 300
    side = rng.choice([1, -1], n).astype(np.int8)
    entry = float(prices["close"].iloc[-1]) * (1 + rng.uniform(-0.05, 0.05, n))
    lev = rng.choice([1.5, 3.0, 10.0, 50.0, 150.0], n)
    liq = np.where(side == 1, entry * (1 - 0.9 / lev), entry * (1 + 0.9 / lev))
    size = rng.uniform(0.1, 5.0, n)
    opened = rng.choice(np.r_[idx.as_unit("ms").asi8[50:], -1], n)
    book = PositionBook(side, size, entry, size * entry / lev, liq, liq, opened_ms=opened)
    w = StopModelWeights(fixed=0.0, round=0.5, swing=0.5, atr=0.0)  # some books find none
    ms = model_stops_detailed(book, prices, weights=w)
    assert ms.positions is not None
    bar = np.searchsorted(idx.as_unit("ms").asi8, opened, side="right") - 1
    bar = np.where(opened < 0, len(idx) - 1, np.maximum(bar, 0))
    sign = np.where(side == 1, 1.0, -1.0)
    trig, cw, _ = _candidate_levels(
        entry, sign, bar, _Chart.of(_check_prices(prices)[1], None, w), w
    )
    with np.errstate(invalid="ignore"):
        valid = (
            np.isfinite(trig)
            & (trig > 0)
            & (sign[:, None] * (entry[:, None] - trig) > 0)
            & (sign[:, None] * (trig - liq[:, None]) > 0)
        )
    has_valid = (valid & (cw[None, :] > 0)).any(axis=1)
    assert 0 < has_valid.sum() < n  # both cases occur
    kept = np.bincount(ms.residual_parent, weights=ms.positions.size, minlength=n) / size
    assert_same(kept[~has_valid], 1.0, rtol=1e-12, atol=0.0)
    assert_same(kept[has_valid], 1.0 - w.stop_share, rtol=1e-9, atol=1e-12)
