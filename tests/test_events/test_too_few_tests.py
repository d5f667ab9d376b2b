"""The support study's verdict needs enough test days; figures never print as nan."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clihelpers import run_cli
from liqcascade import datasets
from liqcascade.events import support_study
from liqcascade.events._study import MIN_TEST_DAYS, NOT_TESTABLE


def test_one_test_is_not_scored() -> None:
    # 2025-06-01 → 2025-07-31: one support test (its 60-day return runs past the data)
    bars = datasets.load_ohlcv("ETH", "1d", "2025-06-01", "2025-07-31")
    s = support_study(bars, n_random=20, n_boot=100, grid={})
    assert s.detection.n_tests == 1
    c = s.claim
    assert c["verdict"] == NOT_TESTABLE
    assert c["notes"].startswith("Too few test days to score the claim: the 1–10 day win ")
    assert f"rest on 1 test day, at least {MIN_TEST_DAYS} are needed" in c["notes"]
    assert "1 test at these parameters" in c["notes"]
    # one test day: its 20-day return is placed among the rotations; 60 days run past the end
    assert "60 d n/a (p n/a)" in c["notes"] and "20 d +20.41 % (p " in c["notes"]
    assert "nan" not in c["notes"]


def test_no_test_is_not_testable() -> None:
    n = 200
    c = 100 * np.exp(np.arange(n) * 0.01)  # a steady rise: no swing lows, no tests
    idx = pd.date_range("2024-01-01", periods=n, tz="UTC", name="ts")
    s = support_study(pd.DataFrame({"low": c * 0.99, "close": c}, index=idx), n_random=5,
                      n_boot=10, grid={})  # fmt: skip
    assert s.claim["verdict"] == NOT_TESTABLE
    assert "Nothing to assess" in s.claim["notes"] and "nan" not in s.claim["notes"]


def test_cli_prints_not_testable_and_no_nan() -> None:
    args = ("support-study", "--no-sensitivity", "--boot", "100", "--draws", "20",
            "--start", "2025-06-01")  # fmt: skip
    r = run_cli(*args, env={"COLUMNS": "120"})
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("1 support test (1 distinct bar) on 5 zones, 1d bars")
    assert "claim verdict: not testable with these data" in r.stdout
    assert "nan" not in r.stdout
    r = run_cli(*args, "--pivot", "1000", env={"COLUMNS": "120"})
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("0 support tests (0 distinct bars) on 0 zones")
    assert "claim verdict: not testable with these data" in r.stdout
    assert "Nothing to assess" in r.stdout
