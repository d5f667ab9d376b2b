"""The liqmap back-test against the range baseline: the difference of daily correlations
with its 7-day block-bootstrap interval and verdict (statistics: test_liquidity/
test_backtest_significance.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from floats import same_value
from liqcascade._significance import verdict
from liqcascade.market import book_backtest
from liqcascade.positions._backtest import (
    COMPARISONS,
    daily_sides,
    range_baseline_comparisons,
    range_baseline_verdicts,
)
from liqcascade.positions._expanding import metrics_for


def _bars(days: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2025-03-01", periods=6 * days, freq="4h", tz="UTC")
    n = idx.size
    rec_l, rec_s = rng.lognormal(14, 1.2, n), rng.lognormal(13.5, 1.2, n)
    f = pd.DataFrame(
        {
            "recorded_long_usd": rec_l,
            "recorded_short_usd": rec_s,
            "predicted_long_usd": rec_l * rng.lognormal(0, 0.7, n),
            "predicted_short_usd": rec_s * rng.lognormal(0, 0.7, n),
            "range_long_usd": rec_l * rng.lognormal(0, 0.9, n),
            "range_short_usd": rec_s * rng.lognormal(0, 0.9, n),
            "absret_long_usd": rec_l * rng.lognormal(0, 1.0, n),
            "absret_short_usd": rec_s * rng.lognormal(0, 1.0, n),
        },
        index=idx,
    )
    f.iloc[7:13, :2] = np.nan  # a day without a record: left out, as in metrics_for
    return f


def test_differences_are_the_metrics_differences() -> None:
    bars = _bars(60, 1)
    days = pd.DataFrame(
        {"predicted_usd_p05": 0.0, "predicted_usd_p95": 1e12},
        index=pd.date_range("2025-03-01", periods=60, freq="D", tz="UTC"),
    )
    m = metrics_for(bars, days)
    assert m is not None
    c = range_baseline_comparisons(bars)
    assert len(daily_sides(bars)) == m["days"]
    for side, kind in COMPARISONS:
        model = m[f"{'corr' if kind == 'corr' else 'spearman'}_daily{side}"]
        base = m[f"range_baseline_{kind}_daily{side}"]
        k = f"range_baseline_{kind}_diff_daily{side}"
        assert same_value(c[k], model - base, rtol=1e-9, atol=1e-12)
        assert c[k + "_p05"] <= c[k + "_p95"]
    v = range_baseline_verdicts(c)
    assert set(v) == {f"{kind}_daily{side}" for side, kind in COMPARISONS}
    assert all(x in ("beats", "ties", "loses") for x in v.values())
    assert range_baseline_verdicts(None) == dict.fromkeys(v)


def test_model_equal_to_its_baseline_ties_everywhere() -> None:
    bars = _bars(30, 2)
    bars["range_long_usd"] = bars["predicted_long_usd"]
    bars["range_short_usd"] = bars["predicted_short_usd"]
    c = range_baseline_comparisons(bars)
    for side, kind in COMPARISONS:
        k = f"range_baseline_{kind}_diff_daily{side}"
        assert (c[k], c[k + "_p05"], c[k + "_p95"]) == (0.0, 0.0, 0.0)
    assert set(range_baseline_verdicts(c).values()) == {"ties"}


def test_real_backtest_carries_the_intervals() -> None:
    """BTC over the report's period (the bundled data): 18 new keys, the old ones kept."""
    res = book_backtest("BTC", "2025-03-01", "2025-07-31", store=False)
    m = res.metrics
    assert m is not None
    for k in ("corr_daily", "corr_daily_long", "corr_daily_short", "baseline_corr_daily",
              "spearman_daily", "range_baseline_corr_daily", "range_baseline_spearman_daily",
              "coverage_90_daily"):  # fmt: skip
        assert np.isfinite(m[k])
    v = range_baseline_verdicts(m)
    for side, kind in COMPARISONS:
        k = f"range_baseline_{kind}_diff_daily{side}"
        lo, d, hi = m[k + "_p05"], m[k], m[k + "_p95"]
        assert -2.0 <= lo <= hi <= 2.0 and np.isfinite(d)
        assert v[f"{kind}_daily{side}"] == verdict(lo, hi, lower_is_better=False)
        # the strict comparison of the target is a different statement: a win by
        # a margin inside the interval is a tie, never a loss
        strict = (
            m[f"{'corr' if kind == 'corr' else 'spearman'}_daily{side}"]
            > m[f"range_baseline_{kind}_daily{side}"]
        )
        if strict:
            assert v[f"{kind}_daily{side}"] != "loses"
    assert res.to_dict(series=False)["metrics"] is m
