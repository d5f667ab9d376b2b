"""Detection mechanics on a constructed series whose answer is known by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.events import SupportParams, detect_support
from liqcascade.events._kernels import (
    find_pivots,
    find_pivots_py,
    forward_log_returns,
    forward_log_returns_py,
    scan_zones,
    scan_zones_py,
)

P = SupportParams(pivot=2, zone_tol=0.015, band=0.01, break_tol=0.01, min_away=3, max_age=90)


def planted(n: int = 30) -> pd.DataFrame:
    """Flat lows/closes at 110 with planted swing lows and touches.

    bar 5: low 100 (pivot, confirmed at 7); bar 8: low 100.8 (a touch too soon after the
    pivot: only 2 bars away; also a pivot merged at 10); bar 15: low 100.5 close 105
    (test 1, held; pivot merged at 17); bar 21: low 99.5 close 98 (test 2, broken).
    """
    low = np.full(n, 110.0)
    close = np.full(n, 110.0)
    vol = np.ones(n)
    low[5] = 100.0
    low[8] = 100.8
    vol[8] = 3.0
    low[15], close[15] = 100.5, 105.0
    low[21], close[21] = 99.5, 98.0
    idx = pd.date_range("2024-01-01", periods=n, freq="D", tz="UTC", name="ts")
    return pd.DataFrame(
        {"open": close, "high": close + 1, "low": low, "close": close, "volume": vol}, index=idx
    )


def test_planted_series_gives_exactly_the_planted_tests() -> None:
    det = detect_support(planted(), P)
    t = det.tests
    assert t["bar"].tolist() == [15, 21]
    assert t["zone"].tolist() == [0, 0]
    assert t["nth"].tolist() == [1, 2]
    assert t["held"].tolist() == [True, False]
    # zone price at bar 15: mean of pivots 100 and 100.8 (merged at bar 10)
    assert t["zone_price"].iloc[0] == pytest.approx(100.4)
    # at bar 21: pivot 100.5 merged at bar 17
    assert t["zone_price"].iloc[1] == pytest.approx((100 + 100.8 + 100.5) / 3)
    z = det.zones
    assert len(z) == 2
    assert z["end"].tolist() == ["broken", "active"]
    assert z["n_pivots"].tolist() == [3, 1]
    assert z["n_tests"].tolist() == [2, 0]
    assert z["end_ts"].iloc[0] == det.ohlcv.index[21]
    assert z["confirmed_ts"].tolist() == [det.ohlcv.index[7], det.ohlcv.index[23]]
    assert z["price"].iloc[1] == pytest.approx(99.5)
    assert det.event_bars.tolist() == [15, 21]


def test_volume_weighted_zone_price() -> None:
    det = detect_support(planted(), SupportParams(**{**P.to_dict(), "volume_weighted": True}))
    # (100·1 + 100.8·3) / 4 at bar 15
    assert det.tests["zone_price"].iloc[0] == pytest.approx(100.6)
    assert det.tests["bar"].tolist() == [15, 21]


def test_expiry_by_age() -> None:
    det = detect_support(planted(), SupportParams(**{**P.to_dict(), "max_age": 4}))
    z = det.zones
    # zone 0 refreshed at bar 10, so it expires at bar 15 (15 - 10 > 4) before the touch
    assert z["end"].iloc[0] == "expired"
    assert z["end_ts"].iloc[0] == det.ohlcv.index[15]
    assert 15 not in det.tests["bar"].tolist()


def test_min_away_zero_counts_the_early_touch() -> None:
    det = detect_support(planted(), SupportParams(**{**P.to_dict(), "min_away": 0}))
    assert det.tests["bar"].tolist()[:1] == [8]


def test_forward_returns_by_hand() -> None:
    df = planted()
    close = df["close"].to_numpy()
    bars = np.array([15, 21, 28], dtype=np.int64)
    r1 = forward_log_returns(close, bars, 1)
    assert r1[0] == pytest.approx(math.log(110 / 105))
    assert r1[1] == pytest.approx(math.log(110 / 98))
    assert r1[2] == pytest.approx(0.0)
    r5 = forward_log_returns(close, bars, 5)
    assert r5[0] == pytest.approx(math.log(110 / 105))
    assert math.isnan(r5[2])
    np.testing.assert_allclose(r5, forward_log_returns_py(close, bars, 5), equal_nan=True)


def _walk(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = 1000 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
    low = c * np.exp(-np.abs(rng.normal(0, 0.02, n)))
    # some exact ties in lows
    low[rng.integers(0, n, n // 20)] = np.round(low[rng.integers(0, n, n // 20)], -1)
    return low, c, rng.uniform(1, 10, n)


@pytest.mark.parametrize("seed", range(12))
def test_kernel_equals_python_twin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    low, close, vol = _walk(rng, n)
    k = int(rng.integers(1, 6))
    np.testing.assert_array_equal(find_pivots(low, k), find_pivots_py(low, k))
    piv = find_pivots_py(low, k)
    args = (
        low,
        close,
        (piv + k).astype(np.int64),
        piv.astype(np.int64),
        low[piv],
        vol[piv] if seed % 2 else np.ones(len(piv)),
        float(rng.uniform(0, 0.03)),
        float(rng.uniform(0, 0.04)),
        float(rng.uniform(0, 0.03)),
        int(rng.integers(0, 5)),
        int(rng.integers(5, 120)),
        bool(seed % 3),
    )
    a = scan_zones(*args)
    b = scan_zones_py(*args)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float), rtol=1e-12)


def test_bad_frames_raise_input_error() -> None:
    df = planted()
    with pytest.raises(InputError, match="close"):
        detect_support(df.drop(columns="close"), P)
    bad = df.copy()
    bad.iloc[3, bad.columns.get_loc("low")] = -1.0
    with pytest.raises(InputError, match="row 4"):
        detect_support(bad, P)
    with pytest.raises(InputError, match="pivot"):
        SupportParams(pivot=0)
    with pytest.raises(InputError, match="band"):
        SupportParams(band=-0.1)
