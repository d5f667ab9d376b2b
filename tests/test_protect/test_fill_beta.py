"""The stop back-test's fill β is the asset's own, fitted before the entries (review-lookahead8 #6).

It was ETH's full-period 0.73 for every asset and date, unsaid. Now: the asset's β from
its book-totals bars closed by the entry window's start where there are enough of them,
else the asset's calibrated full-period β (BTC 0.79, as contagion reads it). The default
last entry day follows the asset's hourly data (31 December of the last year they run
past: 2025-12-31 for the bundle).
"""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade.book import BETA_FUTURES
from liqcascade.book._calibrate import beta_for
from liqcascade.data import load_book_totals
from liqcascade.protect import BacktestSettings, backtest_stops
from liqcascade.protect._backtest import default_entry_end

_FAST = {
    "policies": ("fixed",),
    "sides": ("long",),
    "entries": ("random",),
    "settings": BacktestSettings(n_random=20),
    "crash": False,
    "store": False,
}


def test_entries_after_the_totals_start_use_the_assets_own_beta() -> None:
    bt = backtest_stops(start="2025-04-01", end="2025-05-31", asset="BTC", **_FAST)  # type: ignore[arg-type]
    totals = load_book_totals("BTC", "futures", store=False)
    want, source = beta_for("BTC", totals, pd.Timestamp("2025-04-01", tz="UTC"))
    assert source.startswith("fitted: median of fit_beta over")
    assert bt.fill.beta == want and want != BETA_FUTURES  # BTC's own, from before the entries
    s = bt.summary()
    assert s["fill_model"]["beta"] == want and s["fill_model"]["beta_source"] == source
    assert not any("is ETH's" in c for c in s["caveats"])


def test_entries_before_any_totals_use_the_assets_calibrated_beta() -> None:
    bt = backtest_stops(start="2021-06-01", end="2021-07-31", asset="BTC", **_FAST)  # type: ignore[arg-type]
    want, source = beta_for("BTC")  # BTC's full-period β, as contagion reads it
    assert source.startswith("package:") and want != BETA_FUTURES
    assert bt.fill.beta == pytest.approx(want, abs=1e-12)
    assert bt.summary()["fill_model"]["beta_source"] == source
    assert not any("is ETH's" in c or "depth exponent" in c for c in bt.caveats())
    eth = backtest_stops(start="2021-06-01", end="2021-07-31", asset="ETH", **_FAST)  # type: ignore[arg-type]
    assert eth.fill.beta == pytest.approx(BETA_FUTURES, abs=1e-12)  # ETH's own is 0.73


def test_default_entry_end_is_the_last_year_end_the_data_run_past() -> None:
    def idx(a: str, b: str) -> pd.DatetimeIndex:
        return pd.date_range(a, b, freq="1h", tz="UTC")

    assert default_entry_end(idx("2021-04-04 20:00", "2026-03-31 23:00")) == pd.Timestamp(
        "2025-12-31", tz="UTC"
    )  # the bundled BTC (and ETH): the documented default
    assert default_entry_end(idx("2019-01-01", "2026-12-31 23:00")) == pd.Timestamp(
        "2026-12-31", tz="UTC"
    )
    assert default_entry_end(idx("2026-02-01", "2026-07-30 23:00")) == pd.Timestamp(
        "2026-07-30", tz="UTC"
    )  # no year end inside the data: the last bar's day


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_the_bundled_default_end_is_unchanged(asset: str) -> None:
    from liqcascade.data import load_series

    h = load_series("ohlcv", asset=asset, interval="1h", store=False)
    assert default_entry_end(pd.DatetimeIndex(h.index)) == pd.Timestamp("2025-12-31", tz="UTC")
