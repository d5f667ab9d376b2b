"""The fund's odds out of sample on a rolling origin (solvency._survival_rolling).

The rolling scoring against a plain-Python reference (window by window, its origin,
the history before it and the baselines refitted there, by loops) on random series;
history's forecasts and scores by hand on a tiny series; properties (a perfect forecast
scores best, the same bars give the same result, nothing after the date is read).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from liqcascade.solvency._fund_odds import fund_survival
from liqcascade.solvency._survival import window_falls
from liqcascade.solvency._survival_rolling import rolling_out_of_sample, score_windows, t_fit
from profiles import examples

H = pd.Timedelta(hours=1)
T0 = pd.Timestamp("2024-01-01", tz="UTC")


def _bars(low: np.ndarray, close: np.ndarray) -> pd.DataFrame:
    idx = pd.date_range(T0, periods=len(low), freq="1h")
    return pd.DataFrame({"low": low, "close": close}, index=idx)


def _walk(n: int, seed: int, sigma: float = 0.01) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.standard_t(3, n) * sigma))
    low = close * np.exp(-np.abs(rng.normal(0, 2 * sigma, n)))
    return _bars(low, close)


def _reference(bars: pd.DataFrame, hours: int, every: str, burn: int, falls: tuple) -> dict:
    """Plain Python: each window's origin, the history and the fits there, its scores."""
    rows = [(t, float(r.low), float(r.close)) for t, r in bars.iterrows()]
    last = rows[-1][0] + H
    first = (rows[0][0] + pd.Timedelta(days=burn)).ceil("D")
    origins = list(pd.date_range(first, last, freq=every, inclusive="left"))
    closes = {t: c for t, _, c in rows}
    fits = []
    for o in origins:
        rets = []
        t = rows[0][0]
        while t + 2 * H <= o:  # a return: two consecutive closes known by the origin
            a, b = closes.get(t), closes.get(t + H)
            if a is not None and b is not None:
                rets.append(math.log(b / a))
            t += H
        if len(rets) < 30:
            fits.append(None)
            continue
        x = np.array(rets)
        df, _, sc = stats.t.fit(x, floc=0.0)  # scipy's own fit (the module writes it out)
        fits.append((float(np.std(x, ddof=1)), df, sc))
    starts, f = window_falls(bars, hours)  # window_falls is checked on its own
    scores: dict[str, list[float]] = {"history": [], "normal": [], "student_t": []}
    logs: dict[str, list[float]] = {"history": [], "normal": [], "student_t": []}
    for s, fall in zip(starts, f, strict=True):
        mine = [i for i, o in enumerate(origins) if o <= s]
        if not mine or fits[mine[-1]] is None:
            continue
        o = origins[mine[-1]]
        past = [g for s2, g in zip(starts, f, strict=True) if s2 + hours * H <= o]
        if not past:
            continue
        sig, df, sc = fits[mine[-1]]
        b = {"history": 0.0, "normal": 0.0, "student_t": 0.0}
        ll = dict(b)
        for d in falls:
            y = 1.0 if fall <= -d else 0.0
            k = sum(1 for g in past if g <= -d)
            x = math.log(1 - d) / math.sqrt(hours)
            p = {
                "history": k / len(past),
                "normal": min(1.0, 2 * stats.norm.cdf(x / sig)),
                "student_t": min(1.0, 2 * stats.t.cdf(x / sc, df)),
            }
            for name, q in p.items():
                b[name] += (q - y) ** 2
                q = (k + 0.5) / (len(past) + 1) if name == "history" else q
                q = min(max(q, 1e-12), 1 - 1e-12)
                ll[name] += math.log(q) if y else math.log(1 - q)
        for name in b:
            scores[name].append(b[name])
            logs[name].append(ll[name])
    return {"n": len(scores["history"]), "brier": scores, "log": logs}


@settings(max_examples=examples(12), deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    days=st.integers(6, 14),
    hours=st.sampled_from([1, 3, 24]),
    every=st.sampled_from(["1D", "2D", "12h"]),
)
def test_numpy_agrees_with_the_plain_python_reference(
    seed: int, days: int, hours: int, every: str
) -> None:
    b = _walk(24 * days, seed)
    falls = (0.01, 0.02, 0.05)
    got = rolling_out_of_sample(
        b, horizons=((hours, "h", "w"),), falls=falls, every=every, burn_in_days=2
    )
    ref = _reference(b, hours, every, 2, falls)
    if ref["n"] == 0:
        assert got is None or not got["horizons"]
        return
    assert got is not None
    h = got["horizons"][0]
    assert h["n"] == ref["n"]
    for name in ("history", "normal", "student_t"):
        # the fits agree with scipy's to its optimiser's tolerance (test_t_fit_is_scipys)
        assert h["brier"][name] == pytest.approx(np.mean(ref["brier"][name]), rel=1e-4, abs=1e-9)
        assert h["log_score"][name] == pytest.approx(np.mean(ref["log"][name]), rel=1e-4)
    for base in ("normal", "student_t"):
        d = np.array(ref["brier"]["history"]) - np.array(ref["brier"][base])
        assert h["brier_vs"][base]["mean"] == pytest.approx(d.mean(), rel=1e-3, abs=1e-7)
        lo, hi = h["brier_vs"][base]["lo"], h["brier_vs"][base]["hi"]
        assert lo <= h["brier_vs"][base]["mean"] <= hi


@settings(max_examples=examples(20), deadline=None)
@given(seed=st.integers(0, 2**31 - 1), df=st.sampled_from([1.5, 3.0, 8.0, 40.0]))
def test_t_fit_is_scipys(seed: int, df: float) -> None:
    x = np.random.default_rng(seed).standard_t(df, 3000) * 0.01
    want_df, _, want_scale = stats.t.fit(x, floc=0.0)
    got_df, got_scale = t_fit(x)
    assert got_df == pytest.approx(want_df, rel=2e-3)
    assert got_scale == pytest.approx(want_scale, rel=2e-4)
    # from a warm start (the previous origin's fit) the same
    assert t_fit(x, (got_df * 1.3, got_scale * 0.8))[1] == pytest.approx(got_scale, rel=1e-5)


def _tiny() -> pd.DataFrame:
    # 72 hourly bars; windows of 3 bars from the end start at bars 3, 6, ..., 69; the
    # windows starting at bars 9, 30, 51 and 63 hold a low of 80 (a fall of ~20 %)
    rng = np.random.default_rng(7)
    close = 100 * np.exp(rng.normal(0, 0.001, 72))
    low = close * 0.999
    for s in (9, 30, 51, 63):
        low[s + 1] = 80.0
    return _bars(low, close)


def test_golden_history_forecasts_by_hand() -> None:
    # origins every 6 h from 48 h (two days in): 48, 54, 60, 66; each scores its two
    # windows (48 & 51, 54 & 57, 60 & 63, 66 & 69) from the windows that ended by it:
    # 15 (2 deep: 9, 30), 17 (3: + 51), 19 (3), 21 (4: + 63)
    out = rolling_out_of_sample(
        _tiny(), horizons=((3, "3 h", "w"),), falls=(0.1,), every="6h", burn_in_days=2
    )
    assert out is not None and out["origins"] == 4
    h = out["horizons"][0]
    assert h["n"] == 8 and h["first_window"] == (T0 + 48 * H).isoformat()
    k = np.array([2, 2, 3, 3, 3, 3, 4, 4])
    n = np.array([15, 15, 17, 17, 19, 19, 21, 21])
    y = np.array([0, 1, 0, 0, 0, 1, 0, 0])
    brier = np.mean((k / n - y) ** 2)
    assert h["brier"]["history"] == pytest.approx(brier, abs=1e-12)
    q = (k + 0.5) / (n + 1)
    assert h["log_score"]["history"] == pytest.approx(
        np.mean(np.where(y == 1, np.log(q), np.log(1 - q))), abs=1e-12
    )
    assert h["rows"][0]["realised"] == pytest.approx(2 / 8)


def test_golden_scores_by_hand() -> None:
    # two windows, one depth: history 1 of 4 before (p 0.25; log at 1.5 / 5 = 0.3)
    p = {"normal": np.array([[0.5], [0.1]])}
    s = score_windows(p, np.array([[1.0], [1.0]]), np.array([4, 4]), np.array([[1.0], [0.0]]))
    np.testing.assert_allclose(s["brier"]["history"][:, 0], [0.5625, 0.0625])
    np.testing.assert_allclose(s["brier"]["normal"][:, 0], [0.25, 0.01])
    np.testing.assert_allclose(s["log_score"]["history"][:, 0], [math.log(0.3), math.log(0.7)])
    np.testing.assert_allclose(s["log_score"]["normal"][:, 0], [math.log(0.5), math.log(0.9)])


@settings(max_examples=examples(60), deadline=None)
@given(
    y=st.lists(st.booleans(), min_size=1, max_size=30),
    q=st.lists(st.floats(0.0, 1.0), min_size=30, max_size=30),
)
def test_a_perfect_forecast_scores_best(y: list[bool], q: list[float]) -> None:
    yy = np.array(y, dtype=float)[:, None]
    other = np.array(q[: len(y)])[:, None]
    k, n = np.zeros_like(yy), np.ones(len(y), dtype=int)
    s = score_windows({"perfect": yy, "other": other}, k, n, yy)
    assert s["brier"]["perfect"].sum() == 0.0
    assert s["brier"]["perfect"].sum() <= s["brier"]["other"].sum()
    assert s["log_score"]["perfect"].sum() >= s["log_score"]["other"].sum() - 1e-9
    assert s["log_score"]["perfect"].sum() == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=examples(8), deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_deterministic_and_blind_after_the_date(seed: int) -> None:
    b = _walk(24 * 10, seed)
    kw = {"horizons": ((3, "3 h", "w"),), "every": "1D", "burn_in_days": 2}
    end = T0 + 24 * 8 * H
    a = rolling_out_of_sample(b, end, **kw)
    assert a == rolling_out_of_sample(b, end, **kw)
    crash = b.copy()
    crash.loc[crash.index + H > end, ["low", "close"]] = 1.0
    assert a == rolling_out_of_sample(crash, end, **kw)


def test_fund_survival_carries_it_and_a_short_history_has_none() -> None:
    s = {"shock": -0.05, "interval": [-0.04, -0.06], "deepest": -0.3}
    assert fund_survival(_walk(24 * 40, 3), s)["rolling"] is None  # under a year of bars
    long = fund_survival(_walk(24 * 420, 3, sigma=0.004), s)
    roll = long["rolling"]
    assert roll["method"] == "expanding" and roll["level"] == pytest.approx(0.90)
    assert [h["hours"] for h in roll["horizons"]] == [1, 24, 720]
    day = roll["horizons"][1]
    assert {"history", "normal", "student_t"} == set(day["brier"])
    assert day["brier_vs"]["student_t"]["verdict"] in ("beats", "ties", "loses")


def test_the_difference_of_one_window_has_no_interval_and_equal_ones_tie() -> None:
    from liqcascade.solvency._survival_rolling import _difference

    one = _difference(np.array([0.3]), lower_is_better=True)
    assert one["mean"] == pytest.approx(0.3) and one["verdict"] is None and one["lo"] is None
    same = _difference(np.zeros(5), lower_is_better=True)
    assert same["verdict"] == "ties" and same["lo"] == same["hi"] == 0.0
    worse = _difference(np.full(5, 0.1), lower_is_better=True)
    assert worse["verdict"] == "loses"
