from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.volatility import realized_volatility
from reference.volatility_reference import realized_vol_py


def test_by_hand_two_days() -> None:
    idx = pd.date_range("2024-01-01 22:00", periods=4, freq="h", tz="UTC")
    close = pd.Series([100.0, 101.0, 99.0, 100.0], index=idx)
    rv = realized_volatility(close, min_bars=1, annualize=False)
    d1 = 100 * math.log(101 / 100)  # 23:00 bar, day 1
    d2a, d2b = 100 * math.log(99 / 101), 100 * math.log(100 / 99)  # 00:00, 01:00 bars, day 2
    assert rv.iloc[0] == pytest.approx(abs(d1))
    assert rv.iloc[1] == pytest.approx(math.hypot(d2a, d2b))
    assert realized_volatility(close, min_bars=1).iloc[1] == pytest.approx(
        math.hypot(d2a, d2b) * math.sqrt(365)
    )


def test_against_reference_on_random_cases() -> None:
    rng = np.random.default_rng(3)
    for _ in range(25):
        n = int(rng.integers(30, 200))
        idx = pd.date_range("2024-03-01", periods=n, freq="h", tz="UTC")
        keep = rng.random(n) > 0.2  # gaps
        keep[:2] = True
        idx = idx[keep]
        close = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(idx)))), index=idx)
        got = realized_volatility(close, min_bars=5)
        ref = realized_vol_py(list(close.index), list(close.to_numpy()), 5)
        assert list(got.index) == sorted(ref)
        np.testing.assert_allclose(got.to_numpy(), [ref[d] for d in sorted(ref)], rtol=1e-12)


def test_real_hourly_rv_tracks_daily_close_to_close() -> None:
    h = datasets.load_ohlcv("ETH", "1h", start="2022-01-01", end="2022-12-31")["close"]
    d = datasets.load_ohlcv("ETH", "1d", start="2022-01-01", end="2022-12-31")["close"]
    rv = realized_volatility(h)
    cc = 100 * np.log(d).diff().std() * math.sqrt(365)
    mean_rv = float(np.sqrt((rv.dropna() ** 2).mean()))
    # same variance over the year within 25 % (RV is a noisy but unbiased proxy)
    assert 0.75 < mean_rv / cc < 1.25
    assert rv.dropna().between(5, 500).all()
