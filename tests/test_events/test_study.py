"""The event study on the bundled real ETH data: every headline figure, recomputed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.errors import InputError
from liqcascade.events import (
    HORIZONS_DAYS,
    SupportParams,
    detect_support,
    resample_ohlcv,
    support_study,
)


@pytest.fixture(scope="module")
def eth() -> pd.DataFrame:
    return datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-12-31")


@pytest.fixture(scope="module")
def study(eth: pd.DataFrame):
    return support_study(eth, seed=0, n_random=200, n_boot=1000)


def test_headline_counts_on_real_eth(study) -> None:
    d = study.detection
    assert len(d.ohlcv) == 1461
    assert d.n_tests == 80
    assert d.n_zones == 78
    assert len(d.event_bars) == 70
    assert int(d.tests["held"].sum()) == 57
    # every test bar's low touches its zone's band; held ⇔ close above the break line
    p = d.params
    t = d.tests
    assert (t["low"] <= t["zone_price"] * (1 + p.band) + 1e-9).all()
    assert (t["held"] == (t["close"] >= t["zone_price"] * (1 - p.break_tol))).all()


def test_forward_returns_recomputed_independently(study, eth: pd.DataFrame) -> None:
    close = eth["close"]
    bars = study.detection.event_bars
    for h in HORIZONS_DAYS:
        fwd = np.log(close.shift(-h) / close).to_numpy()[bars]
        fwd = fwd[np.isfinite(fwd)]
        row = study.horizons.loc[h]
        assert row["n"] == len(fwd)
        assert row["mean"] == pytest.approx(fwd.mean(), rel=1e-10)
        assert row["median"] == pytest.approx(np.median(fwd), rel=1e-10)
        assert row["win_rate"] == pytest.approx((fwd > 0).mean())
        base = np.log(close.shift(-h) / close).dropna()
        assert row["baseline_mean"] == pytest.approx(base.mean(), rel=1e-10)
        assert row["baseline_win_rate"] == pytest.approx((base > 0).mean())
        assert row["ci_low"] < row["mean"] < row["ci_high"]
        assert 0 <= row["random_level_pctile"] <= 1


def test_claim_verdict_on_real_eth(study) -> None:
    c = study.claim
    assert study.win_rate_1_10 == pytest.approx(0.5314, abs=5e-4)
    assert c["computed_win_rate_1_10"] == pytest.approx(study.win_rate_1_10)
    assert c["baseline_win_rate_1_10"] == pytest.approx(0.5047, abs=5e-4)
    assert study.mean_20_plus == pytest.approx(-0.00157, abs=5e-5)
    assert c["win_rate_in_claimed_range"] is False
    assert c["long_horizons_significantly_negative"] == 0
    assert c["verdict"] == "not supported"
    lo, hi = c["n_tests_range_over_grid"]
    assert lo == 38 and hi == 212
    cc = c["closest_to_claimed_count"]
    assert abs(cc["n_tests"] - 162) == int((study.sensitivity["n_tests"] - 162).abs().min())
    assert cc["verdict_at_these_params"] == "not supported"
    # at no grid setting is any 20+ day horizon significantly negative
    assert (study.sensitivity["sig_neg_20_plus"] == 0).all()
    assert "6 of 108 settings give a 1–10 day win rate in 55–60 %" in c["notes"]
    # p-values of the adjusted test at 20+ days are far from significance
    assert (study.horizons.loc[[20, 30, 40, 60], "p_value_adj"] > 0.5).all()


def test_sensitivity_grid_rows_match_a_direct_detection(study, eth: pd.DataFrame) -> None:
    s = study.sensitivity
    assert len(s) == 108
    row = s[
        (s["pivot"] == 5)
        & np.isclose(s["zone_tol"], 0.015)
        & np.isclose(s["band"], 0.01)
        & (s["min_away"] == 3)
    ]
    assert int(row["n_tests"].iloc[0]) == study.detection.n_tests
    assert float(row["win_rate_1_10"].iloc[0]) == pytest.approx(study.win_rate_1_10)
    r2 = s.iloc[7]
    det = detect_support(
        eth,
        SupportParams(
            pivot=int(r2["pivot"]),
            zone_tol=float(r2["zone_tol"]),
            band=float(r2["band"]),
            min_away=int(r2["min_away"]),
        ),
    )
    assert det.n_tests == int(r2["n_tests"])
    # looser pivots find more swing lows and more tests
    by_pivot = s.groupby("pivot")["n_tests"].mean()
    assert by_pivot.is_monotonic_decreasing


def test_seed_determinism_and_seed_effect(eth: pd.DataFrame) -> None:
    a = support_study(eth, seed=3, n_random=30, n_boot=200, grid={})
    b = support_study(eth, seed=3, n_random=30, n_boot=200, grid={})
    c = support_study(eth, seed=4, n_random=30, n_boot=200, grid={})
    pd.testing.assert_frame_equal(a.horizons, b.horizons)
    assert not np.allclose(a.horizons["ci_low"], c.horizons["ci_low"])
    # the detection itself does not depend on the seed
    assert a.horizons["mean"].equals(c.horizons["mean"])


def test_random_levels_are_tested_by_the_same_rule(eth: pd.DataFrame) -> None:
    s = support_study(eth, seed=1, n_random=100, n_boot=100, grid={})
    h = s.horizons
    # random-level win rates are proper fractions, distributed around the real one
    assert (
        (h["random_level_win_p05"] <= h["random_level_win_rate"])
        & (h["random_level_win_rate"] <= h["random_level_win_p95"])
    ).all()
    assert h["random_level_win_rate"].between(0.3, 0.7).all()


def test_result_objects(study) -> None:
    d = study.to_dict()
    assert set(d["horizons"]["1"]) >= {
        "n",
        "mean",
        "median",
        "win_rate",
        "t_stat",
        "p_value",
        "ci_low",
        "ci_high",
        "baseline_mean",
        "baseline_win_rate",
        "random_level_win_rate",
    }
    assert d["n_tests"] == 80
    assert study.plot().data
    win = study.plot_win_rate()
    assert [t.name for t in win.data] == [
        "random pseudo-levels, 5–95 % of draws",
        "after support tests",
        "every day (baseline)",
    ]
    assert list(win.data[1].y) == list(study.horizons["win_rate"])
    assert list(win.data[2].y) == list(study.horizons["baseline_win_rate"])
    assert study.detection.plot().data
    assert "<table" in study._repr_html_()
    assert study.summary()["verdict"] == "not supported"


def test_intervals_4h(eth: pd.DataFrame) -> None:
    hourly = datasets.load_ohlcv("ETH", "1h", "2024-01-01", "2024-12-31")
    four = resample_ohlcv(hourly, "4h")
    # OHLC roll-up by hand for the first bin
    first = hourly.iloc[:4]
    assert four["low"].iloc[0] == first["low"].min()
    assert four["close"].iloc[0] == first["close"].iloc[-1]
    assert four["volume"].iloc[0] == pytest.approx(first["volume"].sum())
    s = support_study(four, interval="4h", n_random=5, n_boot=50, grid={})
    assert s.horizons.loc[1, "bars"] == 6 and s.horizons.loc[60, "bars"] == 360


def test_bad_inputs(eth: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="interval must be one of") as e:
        support_study(eth, interval="2h")
    assert e.value.param == "interval"
    with pytest.raises(InputError, match="longest horizon") as e:
        support_study(eth.iloc[:60])
    assert e.value.param == "ohlcv"
    with pytest.raises(InputError, match=r"n_random must be >= 0 \(got -1\)"):
        support_study(eth, n_random=-1)
    with pytest.raises(InputError, match=r"n_boot must be >= 1 \(got 0\)"):
        support_study(eth, n_boot=0)
    with pytest.raises(InputError, match=r"^seed must be >= 0 \(got -1\)") as e:
        support_study(eth, seed=-1)
    assert e.value.param == "seed"
    assert math.isnan(
        support_study(eth.iloc[:200], n_random=0, n_boot=10, grid={})
        .horizons["random_level_win_rate"]
        .iloc[0]
    )


@pytest.mark.parametrize(
    ("step", "words"),
    [
        (pd.Timedelta(days=1), "1 day"),
        (pd.Timedelta(days=2), "2 days"),
        (pd.Timedelta(hours=4), "4 hours"),
        (pd.Timedelta(hours=1), "1 hour"),
        (pd.Timedelta(hours=36), "36 hours"),
        (pd.Timedelta(minutes=90), "90 minutes"),
        (pd.Timedelta(minutes=1), "1 minute"),
        (pd.Timedelta(seconds=30), "30 seconds"),
        (pd.Timedelta(seconds=1), "1 second"),
        (pd.Timedelta(days=1, seconds=1), "1 day"),  # 3 significant figures of a day
        (pd.Timedelta(days=1, hours=12, seconds=30), "1.5 days"),
        (pd.Timedelta(milliseconds=1500), "1.5 seconds"),
    ],
)
def test_a_step_in_words(step: pd.Timedelta, words: str) -> None:
    from liqcascade.events._load import in_words

    assert in_words(step) == words


def test_load_bars_names_its_parameters(tmp_path) -> None:
    from liqcascade.events._load import load_bars

    daily = datasets.load_ohlcv("ETH", "1d", "2024-01-01", "2024-03-31").reset_index()
    f = tmp_path / "eth_1d.csv"
    daily.to_csv(f, index=False)
    with pytest.raises(InputError) as e:
        load_bars("ETH", "4h", data_file=f)
    assert e.value.param == "interval"
    assert str(e.value) == "interval 4h: the bars are 1 day apart (median step), coarser than 4h"
    with pytest.raises(InputError) as e:
        load_bars("DOGE", "1d")
    assert e.value.param == "asset" and str(e.value).startswith("asset: ")


def test_series_without_support_tests() -> None:
    n = 200
    c = 100 * np.exp(np.arange(n) * 0.01)  # a steady rise: no swing lows, no tests
    idx = pd.date_range("2024-01-01", periods=n, tz="UTC", name="ts")
    df = pd.DataFrame({"low": c * 0.99, "close": c}, index=idx)
    s = support_study(df, n_random=5, n_boot=10)
    assert s.detection.n_tests == 0 and s.detection.n_zones == 0
    assert s.horizons["n"].eq(0).all()
    assert s.claim["verdict"] == "not testable with these data"  # nothing to score
    assert s.sensitivity["n_tests"].eq(0).all()
