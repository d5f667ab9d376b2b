"""The support levels at the data's end: which zones a trader's level is (trader34's F2).

``support-study`` said what a test of support had been worth on average, but not where
the support levels stand now: a trader watching 3,500 could not learn whether the study
counts it as one. ``SupportDetection.active_zones`` and the command's ``support_levels``
(text and JSON) name them.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade import datasets
from liqcascade.events import SupportParams, detect_support


def _bars(lows: list[float]) -> pd.DataFrame:
    idx = pd.date_range("2024-01-01", periods=len(lows), freq="D", tz="UTC")
    low = np.asarray(lows, dtype=float)
    return pd.DataFrame({"open": low + 2, "high": low + 5, "low": low, "close": low + 3}, idx)


def test_active_zones_by_hand() -> None:
    # pivot 2: a swing low of 90 at bar 5, confirmed at bar 7; bar 12 (90.5) comes back
    # within the 1 % band (90.9) after 4 bars away and closes 93.5, above the break at
    # 89.1: a test that holds; it is a swing low too, within 1 % of 90, merged into the
    # zone at bar 14 (price the mean, 90.25). Bar 20's swing low 91.5 is 1.4 % from 90.25:
    # a new zone, never touched (its lows stay above 91.15). Last close 99 + 3 = 102.
    lows = [100, 99, 98, 97, 95, 90, 96, 97, 99, 100, 101, 99, 90.5, 95, 98, 99, 100, 98, 95,
            93, 91.5, 93, 95, 97, 99]  # fmt: skip
    p = SupportParams(pivot=2, zone_tol=0.01, band=0.01, break_tol=0.01, min_away=3)
    z = detect_support(_bars(lows), p).active_zones()
    assert list(z.columns) == [
        "zone", "price", "distance", "confirmed_ts", "n_pivots", "n_tests", "n_held",
        "last_test_ts",
    ]  # fmt: skip
    assert z["price"].tolist() == pytest.approx([91.5, 90.25], abs=1e-9)  # nearest first
    assert z["distance"].tolist() == pytest.approx([91.5 / 102 - 1, 90.25 / 102 - 1], rel=1e-12)
    new, old = z.iloc[0], z.iloc[1]
    assert new["n_tests"] == 0 and new["n_held"] == 0 and pd.isna(new["last_test_ts"])
    assert new["confirmed_ts"] == pd.Timestamp("2024-01-23", tz="UTC")  # bar 20 + 2
    assert old["confirmed_ts"] == pd.Timestamp("2024-01-08", tz="UTC")  # bar 5 + 2
    assert (old["n_pivots"], old["n_tests"], old["n_held"]) == (2, 1, 1)
    assert old["last_test_ts"] == pd.Timestamp("2024-01-13", tz="UTC")  # bar 12


def test_eth_at_the_market_date_has_the_swing_low_of_2025_07_24() -> None:
    # by hand from the bundled daily bars: the low of 2025-07-24, 3,502.85, is strictly
    # below the five lows either side (3,506.79 … 3,527.00; 3,573.76 … 3,716.04), known on
    # 2025-07-29; every low since stays above 3,502.85 × 1.01 = 3,537.9: not tested yet
    bars = datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-07-31")
    z = detect_support(bars).active_zones()
    top = z.iloc[0]
    assert top["price"] == pytest.approx(3502.85, abs=0.005)
    assert top["distance"] == pytest.approx(3502.85 / 3698.39 - 1, abs=1e-9)
    assert top["confirmed_ts"] == pd.Timestamp("2025-07-29", tz="UTC")
    assert top["n_tests"] == 0
    assert (z["distance"].abs().diff().dropna() >= 0).all()


def test_the_command_names_the_levels_and_what_a_test_was_worth() -> None:
    r = run_cli("support-study", "--no-sensitivity", "--draws", "20", "--boot", "100")
    assert r.exit_code == 0, r.stderr
    line = [x for x in r.stdout.splitlines() if x.startswith("support levels at the data's end")]
    assert len(line) == 1
    assert "close 3,698.39" in line[0] and "3,502.85 (-5.29 %, confirmed 2025-07-29" in line[0]
    assert "on every day" in line[0]
    j = run_cli("support-study", "--no-sensitivity", "--draws", "20", "--boot", "100", "--json")
    lv = json.loads(j.stdout)["support_levels"]
    assert lv["last_close"] == pytest.approx(3698.39, abs=0.005)
    assert lv["zones"][0]["price"] == pytest.approx(3502.85, abs=0.005)
    assert lv["zones"][0]["last_test"] is None and lv["zones"][0]["n_tests"] == 0


def test_no_tests_still_names_the_levels() -> None:
    # pivot 30 from 2025-03-01: no test, two zones, the swing lows of 2025-04-09 (1,385.05)
    # and 2025-06-22 (2,111.89), each known 30 days later; no win rate to set beside them
    r = run_cli("support-study", "--no-sensitivity", "--pivot", "30", "--start", "2025-03-01")
    assert r.exit_code == 0, r.stderr
    line = [x for x in r.stdout.splitlines() if x.startswith("support levels at the data's end")]
    assert len(line) == 1
    assert "2,111.89 (-42.90 %, confirmed 2025-07-22" in line[0]
    assert "1,385.05 (-62.55 %, confirmed 2025-05-09" in line[0]
    assert "What a test" not in line[0]
