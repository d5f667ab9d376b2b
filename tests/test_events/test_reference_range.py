"""Where the support tolerances come from: the ranges docs/support.md quotes, recomputed."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade import datasets
from liqcascade.events import REFERENCE_RANGE, median_daily_range, params_for_asset

DOC = Path(__file__).resolve().parents[2] / "docs" / "support.md"


def _range(asset: str, end: str) -> float:
    return median_daily_range(datasets.load_ohlcv(asset, "1d", "2022-01-01", end))


def test_reference_range_is_eths_2022_2025_median_rounded() -> None:
    full = _range("ETH", "2025-12-31")
    assert full == pytest.approx(0.0447, abs=5e-5)
    assert round(full, 3) == REFERENCE_RANGE  # 4.47 % → 4.5 %
    # to the market date (the report's window) it is 4.41 %, not 4.5 %
    assert _range("ETH", "2025-07-31") == pytest.approx(0.0441, abs=5e-5)


def test_btc_scale_uses_the_whole_window() -> None:
    bars = datasets.load_ohlcv("BTC", "1d", "2022-01-01", "2025-07-31")
    params, rng, k = params_for_asset("BTC", bars)
    assert rng == pytest.approx(0.0342, abs=5e-5) and k == pytest.approx(0.76, abs=5e-3)
    assert (params.zone_tol, params.band, params.break_tol) == (0.011, 0.008, 0.008)
    # what was known at the end of 2022 (4.0 %) is not the whole window's 3.4 %: a test in
    # 2022 is scored with tolerances set partly by the calmer bars after it
    assert median_daily_range(bars.loc[:"2022-12-31"]) == pytest.approx(0.040, abs=5e-4)


def test_docs_say_what_is_estimated_from_the_whole_window() -> None:
    text = DOC.read_text()
    assert "### 1. Support zones (no look-ahead)" not in text
    assert "What is estimated from the whole window" in text
    assert "4.47 % of the close, rounded to 4.5 %" in text and "4.41 %" in text
