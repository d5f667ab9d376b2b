from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.cascade._history import follow_through
from liqcascade.errors import InputError


def _bars(closes: list[float], lows: list[float]) -> pd.DataFrame:
    idx = pd.date_range("2024-01-01", periods=len(closes), freq="1h", tz="UTC")
    return pd.DataFrame({"close": closes, "low": lows}, index=idx)


def test_hand_worked_episode() -> None:
    # 100 -> 94 in 2 bars (-6 %), then a low of 90 within the horizon, then recovery
    closes = [100, 99, 94, 95, 93, 96, 97, 98, 99, 100]
    lows = [99, 98, 93, 94, 90, 95, 96, 97, 98, 99]
    ft = follow_through(_bars(closes, lows), drop=-0.05, window_hours=2, horizon_hours=3)
    assert ft.n == 1
    ev = ft.events.iloc[0]
    assert ev["ts"] == pd.Timestamp("2024-01-01 02:00", tz="UTC")
    assert ev["fall"] == pytest.approx(-0.06)
    assert ev["further"] == pytest.approx(90 / 94 - 1)
    assert ev["total"] == pytest.approx(-0.10)
    assert ft.share_total_beyond(-0.0999) == 1.0
    assert ft.share_total_beyond(-0.11) == 0.0


def test_episodes_do_not_overlap_and_no_fall_gives_none() -> None:
    closes = [100, 94, 88, 83, 78, 77, 76, 75]
    lows = [c - 1 for c in closes]
    ft = follow_through(_bars(closes, lows), drop=-0.05, window_hours=1, horizon_hours=2)
    # triggers at bar 1, then the search resumes at bar 4 (1 + 1 + 2)
    assert list(ft.events["ts"].dt.hour) == [1, 4]
    flat = follow_through(_bars([100.0] * 10, [99.5] * 10))
    assert flat.n == 0 and np.isnan(flat.summary()["further_median"])


def test_bad_options() -> None:
    with pytest.raises(InputError, match=r"drop must be a negative fraction \(got 0.05\)") as e:
        follow_through(_bars([1.0, 1.0], [1.0, 1.0]), drop=0.05)
    assert e.value.param == "drop"  # the CLI names its own option from it
    for name in ("window_hours", "horizon_hours"):
        with pytest.raises(InputError, match=rf"^{name} must be >= 1 \(got 0\)$") as e:
            follow_through(_bars([1.0, 1.0], [1.0, 1.0]), **{name: 0})
        assert e.value.param == name


def test_real_eth_hourly() -> None:
    h = datasets.load_ohlcv("ETH", "1h")
    ft = follow_through(h)
    s = ft.summary()
    # ETH had hundreds of 4-hour falls of 5 % or more since 2017
    assert 100 < s["n_episodes"] < 2000
    assert (ft.events["fall"] <= -0.05).all()
    assert (ft.events["further"] <= 0).all() and (ft.events["total"] <= ft.events["fall"]).all()
    assert -0.10 < s["further_median"] < 0.0
    # the 2022-06-13 or 2021-05-19 crashes give falls beyond -25 % within a day
    assert s["total_min"] < -0.25
