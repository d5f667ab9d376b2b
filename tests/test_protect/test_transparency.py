"""Transparency metrics: the early-warning maths against scipy and a hand count; a
short real run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from liqcascade.errors import InputError
from liqcascade.protect import (
    METRICS,
    early_warning,
    spearman,
    top_decile_precision,
    transparency_metrics,
)


def test_spearman_matches_scipy_on_random_cases() -> None:
    rng = np.random.default_rng(11)
    for _ in range(40):
        n = int(rng.integers(5, 80))
        a = rng.normal(size=n)
        b = 0.5 * a + rng.normal(size=n)
        if rng.random() < 0.5:  # ties
            a = np.round(a, 1)
            b = np.round(b, 1)
        assert spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)


def test_spearman_drops_nan_pairs() -> None:
    a = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    b = np.array([2.0, 1.0, 3.0, np.nan, 7.0])
    assert spearman(a, b) == pytest.approx(stats.spearmanr([1, 2, 5], [2, 1, 7]).statistic)


def test_top_decile_precision_hand_count() -> None:
    # 20 days: metric top decile (>= 90th pct) = days 18, 19; target top decile days 19, 5
    m = np.arange(20, dtype=float)
    t = np.zeros(20)
    t[19], t[5] = 10.0, 9.0
    prec, n = top_decile_precision(m, t)
    # 90th percentile of 0..19 = 17.1 -> days 18, 19; target >= q(0.9) of t = 0 ... : 9, 10
    assert n == 2
    assert prec == pytest.approx(0.5)


def test_early_warning_uses_next_day() -> None:
    idx = pd.date_range("2025-01-01", periods=60, freq="1D", tz="UTC")
    rng = np.random.default_rng(2)
    liq = pd.Series(rng.lognormal(16, 1, 60), index=idx)
    frame = pd.DataFrame({c: rng.normal(size=60) for c in METRICS}, index=idx)
    frame["stop_density"] = liq.shift(-1).to_numpy()  # a perfect one-day-ahead signal
    frame["distance_to_cascade"] = -liq.shift(-1).to_numpy()  # oriented negatively
    w = early_warning(frame, liq).set_index("metric")
    assert w.loc["stop_density", "spearman"] == pytest.approx(1.0)
    assert w.loc["stop_density", "precision"] == pytest.approx(1.0)
    assert w.loc["fragility (−distance_to_cascade)", "spearman"] == pytest.approx(1.0)
    assert abs(w.loc["leverage_ratio", "spearman"]) < 0.5
    assert w["base_rate"].iloc[0] == pytest.approx(0.1, abs=0.03)


@pytest.fixture(scope="module")
def short_run():  # type: ignore[no-untyped-def]
    return transparency_metrics("2025-03-01", "2025-03-12")


def test_short_real_run(short_run) -> None:  # type: ignore[no-untyped-def]
    f = short_run.frame
    assert len(f) == 12
    assert ((f["share_25x"] >= 0) & (f["share_25x"] <= 1)).all()
    assert (f["mean_leverage"] >= 1).all()
    assert ((f["distance_to_cascade"] > 0) & (f["distance_to_cascade"] <= 0.1)).all()
    assert ((f["liq_hhi"] > 0) & (f["liq_hhi"] <= 1)).all()
    assert (f["leverage_ratio"] > 0).all() and (f["stop_density"] >= 0).all()
    assert f["liquidations_usd"].notna().all()
    s = short_run.summary()
    assert s["days"] == 12 and len(s["early_warning"]) == len(METRICS)


def test_out_of_period() -> None:
    with pytest.raises(InputError, match="fewer than 2 days inside the open-interest period"):
        transparency_metrics("2020-01-01", "2020-02-01")
