"""How likely the ADL start's fall is: history's frequency (solvency._survival).

The counting (non-overlapping windows laid back from the run's date, a close to the
lowest hourly low within the window) against a plain-Python reference on random series
with gaps, golden values by hand on a small series, and its properties (monotone in
the depth, k <= n, the interval holds p).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.solvency._fund_odds import fund_survival
from liqcascade.solvency._survival import fall_count, out_of_sample, window_falls
from profiles import examples

H = pd.Timedelta(hours=1)
T0 = pd.Timestamp("2024-01-01", tz="UTC")


def _bars(low: list[float], close: list[float], drop: tuple[int, ...] = ()) -> pd.DataFrame:
    idx = pd.date_range(T0, periods=len(low), freq="1h")
    df = pd.DataFrame({"low": low, "close": close}, index=idx)
    return df.drop(idx[list(drop)])


def _reference(bars: pd.DataFrame, hours: int, end: pd.Timestamp | None) -> list[tuple]:
    """Plain Python: windows laid back from the last bar's close, one by one."""
    rows = {t: (float(r.low), float(r.close)) for t, r in bars.iterrows()}
    if end is not None:
        rows = {t: v for t, v in rows.items() if t + H <= end}
    if not rows:
        return []
    first, stop = min(rows), max(rows) + H
    out = []
    while True:
        start = stop - hours * H
        ref = start - H
        if ref < first:
            break
        lows = [rows[start + i * H][0] for i in range(hours) if start + i * H in rows]
        if ref in rows and lows:
            out.append((start, min(lows) / rows[ref][1] - 1.0))
        stop = start
    return out[::-1]


def _small() -> pd.DataFrame:
    # windows of 3 bars from the end: bars 1-3 (ref close 0), 4-6 (ref 3), 7-9 (ref 6)
    low = [100, 95, 99, 100, 90, 100, 100, 99, 98, 97]
    close = [100, 100, 100, 100, 100, 100, 100, 100, 100, 100]
    return _bars(low, close)


def test_golden_windows_by_hand() -> None:
    starts, f = window_falls(_small(), 3)
    assert list(starts) == [T0 + H, T0 + 4 * H, T0 + 7 * H]
    np.testing.assert_allclose(f, [-0.05, -0.10, -0.03], atol=1e-12)


def test_golden_gaps_by_hand() -> None:
    # a missing bar inside a window: its lowest low over the bars present
    _, f = window_falls(_bars([100, 95, 99, 100, 90, 100, 100, 99, 98, 97], [100] * 10, (5,)), 3)
    np.testing.assert_allclose(f, [-0.05, -0.10, -0.03], atol=1e-12)
    # the close before a window missing: that window is not a trial
    starts, f = window_falls(
        _bars([100, 95, 99, 100, 90, 100, 100, 99, 98, 97], [100] * 10, (3,)), 3
    )
    assert list(starts) == [T0 + H, T0 + 7 * H]
    np.testing.assert_allclose(f, [-0.05, -0.03], atol=1e-12)


def test_golden_count_and_exact_interval_by_hand() -> None:
    _, f = window_falls(_small(), 3)
    c = fall_count(f, 0.06)  # one window of three fell 6 % or more (the −10 %)
    assert (c["k"], c["n"]) == (1, 3)
    assert c["p"] == pytest.approx(1 / 3, abs=1e-12)
    lo, hi = c["interval"]
    # Clopper–Pearson, k = 1 of 3: P(X >= 1 | lo) = 0.025 → lo = 1 − 0.975^(1/3);
    # P(X <= 1 | hi) = 0.025 → (1 − hi)^3 + 3 hi (1 − hi)^2 = 0.025
    assert lo == pytest.approx(1 - 0.975 ** (1 / 3), abs=1e-9)
    assert (1 - hi) ** 3 + 3 * hi * (1 - hi) ** 2 == pytest.approx(0.025, abs=1e-9)
    assert fall_count(f, 0.04)["k"] == 2
    assert fall_count(f, 0.11)["k"] == 0


def test_end_cuts_the_bars_and_lays_the_windows_back_from_it() -> None:
    # end at bar 7's close (T0 + 7 h): bars 0-6; windows 4-6 (ref 3) and 1-3 (ref 0)
    starts, f = window_falls(_small(), 3, T0 + 7 * H)
    assert list(starts) == [T0 + H, T0 + 4 * H]
    np.testing.assert_allclose(f, [-0.05, -0.10], atol=1e-12)


def test_nothing_after_the_date_is_read() -> None:
    b = _small()
    crash = b.copy()
    crash.loc[crash.index >= T0 + 7 * H, ["low", "close"]] = 10.0
    s = {"shock": -0.07, "interval": [-0.06, -0.08], "deepest": -0.3}
    a = fund_survival(b, s, T0 + 7 * H, horizons=((3, "3 h", "periods"),), split=T0 + 4 * H)
    z = fund_survival(crash, s, T0 + 7 * H, horizons=((3, "3 h", "periods"),), split=T0 + 4 * H)
    assert a == z
    assert a is not None and a["horizons"][0]["k"] == 1 and a["horizons"][0]["n"] == 2


@settings(max_examples=examples(60), deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(2, 300),
    hours=st.sampled_from([1, 2, 5, 24]),
    cut=st.integers(0, 40),
)
def test_numpy_agrees_with_the_plain_python_reference(
    seed: int, n: int, hours: int, cut: int
) -> None:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    low = close * np.exp(-np.abs(rng.normal(0, 0.02, n)))
    drop = tuple(np.flatnonzero(rng.random(n) < 0.1))
    b = _bars(list(low), list(close), drop)
    end = None if cut == 0 else T0 + (n - cut) * H
    starts, f = window_falls(b, hours, end)
    ref = _reference(b, hours, end)
    assert list(starts) == [s for s, _ in ref]
    np.testing.assert_allclose(f, [x for _, x in ref], rtol=0, atol=1e-12)


@settings(max_examples=examples(60), deadline=None)
@given(
    falls=st.lists(st.floats(-0.9, 0.5, allow_nan=False), min_size=0, max_size=60),
    d1=st.floats(0.0, 0.9),
    d2=st.floats(0.0, 0.9),
)
def test_count_properties(falls: list[float], d1: float, d2: float) -> None:
    f = np.array(falls)
    a, b = fall_count(f, min(d1, d2)), fall_count(f, max(d1, d2))
    assert b["k"] <= a["k"] <= a["n"]  # deeper: never more windows
    assert a["n"] == len(falls)
    for c in (a, b):
        if c["n"]:
            lo, hi = c["interval"]
            assert lo - 1e-12 <= c["p"] <= hi + 1e-12
            assert 0.0 <= lo <= hi <= 1.0
        else:
            assert c["p"] is None and c["interval"] is None


def _walk(n: int, seed: int = 0, sigma: float = 0.01) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, sigma, n)))
    return _bars(list(close * 0.999), list(close))


def test_out_of_sample_baselines_by_hand_and_split() -> None:
    b = _walk(24 * 400)
    split = T0 + 24 * 200 * H
    o = out_of_sample(b, split, horizons=((24, "24 h", "days"),), falls=(0.05,))
    r = o["horizons"][0]
    assert r["n_before"] + r["n_after"] <= 399 and r["n_after"] == 200
    # the normal baseline: 2 Φ(ln(1 − d) / (σ √24)), σ of the hourly log returns before it
    from scipy.stats import norm

    closes = b.loc[b.index + H <= split, "close"].to_numpy()
    sigma = float(np.std(np.diff(np.log(closes)), ddof=1))
    assert o["sigma_1h"] == pytest.approx(sigma, rel=1e-9)
    want = 2 * norm.cdf(math.log(0.95) / (sigma * math.sqrt(24)))
    assert r["rows"][0]["normal"] == pytest.approx(want, rel=1e-9)
    # history's forecast is the frequency of the windows that end by the split
    starts, f = window_falls(b, 24)
    before = f[np.asarray(starts + 24 * H <= split)]
    assert r["rows"][0]["history"] == pytest.approx(np.mean(before <= -0.05), abs=1e-12)
    after = f[np.asarray(starts >= split)]
    y = (after <= -0.05).astype(float)
    assert r["rows"][0]["realised"] == pytest.approx(y.mean(), abs=1e-12)
    assert r["brier"]["history"] == pytest.approx(np.mean((r["rows"][0]["history"] - y) ** 2))


def test_no_adl_start_counts_the_deepest_fall_run() -> None:
    s = {"shock": None, "interval": [None, None], "deepest": -0.06}
    out = fund_survival(_small(), s, horizons=((3, "3 h", "periods"),), split=T0 + 4 * H)
    assert out is not None and out["adl_start"] is False
    assert out["depth"] == pytest.approx(0.06)
    assert out["horizons"][0]["k"] == 1 and out["horizons"][0]["range"] == [None, None]
    assert fund_survival(_small(), None) is None


def test_short_history_prints_dashes_not_a_traceback() -> None:
    # 40 days of bars: one 30-day window, none before the split: history has no
    # forecast there (None in the JSON), and the text prints a dash for its score
    import json

    from liqcascade._cli._solvency_text import out_of_sample_line, survival_line
    from liqcascade._json import dumps

    b = _walk(24 * 40, seed=3, sigma=0.02)
    s = {"shock": -0.05, "interval": [-0.04, -0.06], "deepest": -0.3}
    fs = json.loads(dumps(fund_survival(b, s)))
    month = next(h for h in fs["out_of_sample"]["horizons"] if h["hours"] == 720)
    assert month["n_before"] == 0 and month["rows"][0]["history"] is None
    out = {"fund_survival": fs, "liquidity": "calibrated"}
    assert fs["rolling"] is None  # under a year of bars: no rolling check, no line
    assert out_of_sample_line(out) is None
    assert survival_line(out).startswith("a fall this deep (-5.0 %")
