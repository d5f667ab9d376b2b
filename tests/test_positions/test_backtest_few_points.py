"""``liqmap backtest`` on periods too short to score, and ``--no-bands``.

A daily correlation over fewer than three days is +1, -1 or undefined whatever the
data, and the interval of a difference with the range baseline needs two 7-day
blocks: the back-test says "too few" instead of printing ``nan`` or a comparison made
on NaN. One bar with a recorded liquidation is "too few to score", not "no recorded
liquidations". ``--no-bands`` leaves the band out for the identified book too (it was
silently ignored: the band and ``coverage_90_daily`` printed as without it).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade import positions
from liqcascade.market import book_backtest
from liqcascade.positions._backtest import (
    MIN_INTERVAL_DAYS,
    MIN_SCORE_DAYS,
    BacktestResult,
    unscored_reason,
)

WIDE = {"COLUMNS": "250"}


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_one_day_prints_no_nan_and_no_verdict() -> None:
    r = run_cli("liqmap", "backtest", "--asset", "ETH", "--start", "2025-07-31",
                "--end", "2025-07-31", env=WIDE)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert not re.search(r"\bnan\b", r.stdout), r.stdout
    rows = {ln.split()[0]: ln.split()[1:] for ln in r.stdout.splitlines() if ln.strip()}
    assert rows["corr_daily"] == ["n/a"] and rows["range_baseline_corr_daily"] == ["n/a"]
    assert rows["days"] == ["1"]
    flat = _flat(r.stdout)
    assert (
        "out of sample: 1 day with a recorded liquidation: too few days to score (a daily "
        f"correlation needs at least {MIN_SCORE_DAYS}); no verdict against the range baseline"
    ) in flat
    # no comparison table, so no "model ≤" made on NaN
    assert "model vs range baseline" not in flat and "model ≤" not in flat


def test_a_few_days_compare_strictly_but_give_no_verdict() -> None:
    r = run_cli("liqmap", "backtest", "--asset", "BTC", "--start", "2025-07-01",
                "--end", "2025-07-05", env=WIDE)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert not re.search(r"\bnan\b", r.stdout), r.stdout
    row = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("total, Pearson"))
    assert row.split()[-1] == "n/a" and "n/a (n/a … n/a)" in row
    assert (
        f"out of sample: 5 days, too few for the interval of a difference (at least "
        f"{MIN_INTERVAL_DAYS}, two 7-day blocks): no verdict"
    ) in _flat(r.stdout)


def test_one_bar_is_too_few_to_score_not_unrecorded() -> None:
    r = run_cli("liqmap", "backtest", "--asset", "BTC", "--start", "2025-07-01T12:00",
                "--end", "2025-07-01T13:00", env=WIDE)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "2025-07-01: 1 bar (" in r.stdout  # not "1 bars"
    assert "1 bar with a recorded liquidation: too few to score (at least 3)" in r.stdout
    assert "no recorded liquidation" not in r.stdout
    j = run_cli("liqmap", "backtest", "--asset", "BTC", "--start", "2025-07-01T12:00",
                "--end", "2025-07-01T13:00", "--json").json()  # fmt: skip
    assert (j["bars"], j["recorded_bars"], j["metrics"]) == (1, 1, None)


def test_a_cohort_parameter_set_says_too_few_days_too() -> None:
    params = Path(positions.__file__).parent / "calibrated_params.json"  # the 0.1 cohort book's
    r = run_cli("liqmap", "backtest", "--asset", "ETH", "--start", "2025-07-31",
                "--end", "2025-07-31", "--params", str(params), env=WIDE)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert not re.search(r"\bnan\b", r.stdout), r.stdout
    assert (
        "too few days with a recorded liquidation to score (a daily correlation needs at least 3)"
    ) in _flat(r.stdout)


@pytest.mark.parametrize(
    ("metrics", "bars", "said"),
    [
        (None, 0, "no recorded liquidation in the period"),
        (None, 2, "2 bars with a recorded liquidation: too few to score (at least 3)"),
        ({"days": 1.0, "corr_daily": math.nan}, 6,
         "1 day with a recorded liquidation: too few days to score (a daily correlation "
         "needs at least 3)"),
        ({"days": 2.0, "corr_daily": math.nan}, 12, "2 days with a recorded liquidation"),
        ({"days": 3.0, "corr_daily": 0.5}, 18, None),
        # the cohort book's metrics carry no day count: its NaN correlation says it
        ({"corr_daily": math.nan}, 6, "too few days with a recorded liquidation to score"),
        ({"corr_daily": 0.7}, 60, None),
    ],
)  # fmt: skip
def test_unscored_reason(metrics: dict | None, bars: int, said: str | None) -> None:
    got = unscored_reason(metrics, bars)
    if said is None:
        assert got is None
    else:
        assert got is not None and got.startswith(said)


@pytest.fixture(scope="module")
def week() -> BacktestResult:
    return book_backtest("ETH", "2025-07-01", "2025-07-07", store=False)


def test_without_bands_drops_the_band_and_its_score_only(week: BacktestResult) -> None:
    bare = week.without_bands()
    assert week.frame["predicted_long_usd_p05"].notna().all()  # the original is untouched
    assert bare.frame.filter(regex="_p05$|_p95$").isna().all().all()
    assert week.daily is not None and bare.daily is not None
    assert bare.daily[["predicted_usd_p05", "predicted_usd_p95"]].isna().all().all()
    pd.testing.assert_series_equal(bare.daily["predicted_usd"], week.daily["predicted_usd"])
    cols = ["predicted_long_usd", "predicted_short_usd", "recorded_long_usd"]
    pd.testing.assert_frame_equal(bare.frame[cols], week.frame[cols])
    for a, b in ((week.metrics, bare.metrics), (week.metrics_out_of_sample,
                                                 bare.metrics_out_of_sample)):  # fmt: skip
        assert a is not None and b is not None
        assert math.isfinite(a["coverage_90_daily"]) and math.isnan(b["coverage_90_daily"])
        assert {k: v for k, v in a.items() if k != "coverage_90_daily"} == {
            k: v for k, v in b.items() if k != "coverage_90_daily"
        }
    assert all(math.isnan(m["metrics"]["coverage_90_daily"]) for m in bare.months)


def test_bands_false_skips_the_band_work(
    week: BacktestResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bands=False`` walks the main fit only and draws nothing; same as without_bands()."""
    from liqcascade.positions import _expanding

    walked: list[int] = []
    real = _expanding._set_medians

    def counting(frames: Any, sets: Any, start: Any, end: Any) -> Any:
        walked.append(len(sets))
        return real(frames, sets, start, end)

    def no_draws(*a: Any, **k: Any) -> Any:
        raise AssertionError("bands=False drew the band")

    monkeypatch.setattr(_expanding, "_set_medians", counting)
    monkeypatch.setattr(_expanding, "predictive_draws", no_draws)
    bare = book_backtest("ETH", "2025-07-01", "2025-07-07", store=False, bands=False)
    assert walked and set(walked) == {1}  # the main fit, not its bootstrap refits
    dropped = week.without_bands()
    pd.testing.assert_frame_equal(bare.frame, dropped.frame)
    assert bare.daily is not None and dropped.daily is not None
    pd.testing.assert_frame_equal(bare.daily, dropped.daily)
    for a, b in ((bare.metrics, dropped.metrics),
                 (bare.metrics_out_of_sample, dropped.metrics_out_of_sample)):  # fmt: skip
        assert a is not None and b is not None and a.keys() == b.keys()
        for k in a:
            assert a[k] == pytest.approx(b[k], rel=1e-12, nan_ok=True), k
    assert all(math.isnan(m["metrics"]["coverage_90_daily"]) for m in bare.months)


def test_no_bands_is_honoured_for_the_identified_book() -> None:
    args = ("liqmap", "backtest", "--asset", "ETH", "--start", "2025-07-01",
            "--end", "2025-07-07", "--json")  # fmt: skip
    with_band, without = run_cli(*args).json(), run_cli(*args, "--no-bands").json()
    assert with_band["metrics"]["coverage_90_daily"] is not None
    assert without["metrics"]["coverage_90_daily"] is None
    assert with_band["series"][0]["predicted_long_usd_p05"] is not None
    assert all(r["predicted_long_usd_p05"] is None for r in without["series"])
    assert all(d["predicted_usd_p95"] is None for d in without["daily"])
    assert without["predicted_long_usd"] == with_band["predicted_long_usd"]
    assert without["metrics"]["corr_daily"] == with_band["metrics"]["corr_daily"]
    text = run_cli(*args[:-1], "--no-bands", env=WIDE).stdout
    row = next(ln for ln in text.splitlines() if ln.strip().startswith("coverage_90_daily"))
    assert row.split()[1:] == ["n/a"]
