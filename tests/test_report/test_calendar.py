"""The report follows the asset's own data and date, not the bundle's calendar.

Review-lookahead8 #1 and #2:

- the cascade section's all-venue book is the report's asset's own totals at the market's
  close (a BTC report walked ETH's totals, one bar before the market's);
- the validation window is the months the asset's calibration has fits for, cut at the
  date (it ended 2025-07-31 whatever the asset's period);
- the support study's bars end at the date and start a fixed span before it;
- another asset's stress sample is sized with ETH/BTC's last prices by the date even when
  their data end before it (the stress section then prices its own asset only).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from floats import assert_same
from liqcascade.data import load_book_totals
from liqcascade.errors import InputError
from liqcascade.market import MarketSpec, estimated_market
from liqcascade.positions._expanding import load_asset_calibration
from liqcascade.report._cascade_section import _all_venue_book
from liqcascade.report._section import validation_window
from liqcascade.report._stress_section import _sizing_prices, sample_portfolio
from liqcascade.report._support_section import SPAN_YEARS, study_start

UTC = "UTC"


def _fits(*months: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(month=m) for m in months]


def test_validation_window_is_the_fitted_months_cut_at_the_date() -> None:
    # the shipped ETH and BTC fits (2025-03 → 2025-07) at the default date: as before
    for a in ("ETH", "BTC"):
        cal = load_asset_calibration(a, store=False)
        start, end = validation_window(cal.fits, "2025-07-31")
        assert start == pd.Timestamp("2025-03-01", tz=UTC)
        assert end == pd.Timestamp("2025-07-31 23:59:59.999999", tz=UTC)
    # a later period: the window follows the fits (it ended 2025-07-31 for every asset)
    start, end = validation_window(_fits("2026-03", "2026-07", "2026-05"), "2026-07-30")
    assert start == pd.Timestamp("2026-03-01", tz=UTC)
    assert end == pd.Timestamp("2026-07-30 23:59:59.999999", tz=UTC)
    # a date after the last fitted month: that month's end (no month without its fit)
    _, end = validation_window(_fits("2026-03", "2026-04"), "2026-09-15")
    assert end == pd.Timestamp("2026-04-30 23:59:59.999999", tz=UTC)
    # an intraday date cuts there
    _, end = validation_window(_fits("2025-03"), pd.Timestamp("2025-03-10 08:00", tz=UTC))
    assert end == pd.Timestamp("2025-03-10 08:00", tz=UTC)
    with pytest.raises(InputError, match="no monthly fit"):
        validation_window([], "2025-07-31")
    # a date before the first fitted month: no month to predict (it said "no open interest")
    with pytest.raises(InputError, match=r"^as_of 2025-02-10 is before .* \(2025-03\)") as e:
        validation_window(_fits("2025-03"), "2025-02-10")
    assert e.value.param == "as_of"


def test_the_support_study_spans_a_fixed_number_of_years_before_the_date() -> None:
    assert SPAN_YEARS == 3
    assert study_start("2025-07-31") == pd.Timestamp("2022-01-01", tz=UTC)  # as shipped
    assert study_start("2026-07-30") == pd.Timestamp("2023-01-01", tz=UTC)
    assert study_start(pd.Timestamp("2024-01-01 04:00", tz=UTC)) == pd.Timestamp(
        "2021-01-01", tz=UTC
    )


def test_the_all_venue_book_is_the_report_assets_own_at_the_market_close() -> None:
    btc = estimated_market(MarketSpec("BTC", "2025-07-31", store=False))
    book = _all_venue_book(btc)
    totals = load_book_totals("BTC", "futures", store=False)
    closed = totals[pd.DatetimeIndex(totals.index) + pd.Timedelta(hours=8) <= btc.close_time]
    row = closed.iloc[-1]  # the totals bar closed by the market's close (8-hour bars)
    assert_same(btc.depth_1pct_usd, (float(row["bids_usd"]), float(row["asks_usd"])))
    assert_same(book.notional_within(0.01, "bid"), btc.depth_1pct_usd[0], rtol=0.02)
    assert_same(book.notional_within(0.01, "ask"), btc.depth_1pct_usd[1], rtol=0.02)
    eth = load_book_totals("ETH", "futures", store=False)
    eth_row = eth[pd.DatetimeIndex(eth.index) + pd.Timedelta(hours=8) <= btc.close_time].iloc[-1]
    assert abs(book.notional_within(0.01, "bid") - float(eth_row["bids_usd"])) > 0.5 * float(
        eth_row["bids_usd"]
    )  # not ETH's depth (BTC's is far larger)
    # the venue book is the same totals times the venue's share
    assert_same(
        btc.book.notional_within(0.01, "bid"),
        btc.depth_scale * book.notional_within(0.01, "bid"),
        rtol=1e-9,
    )


def test_another_assets_sample_is_sized_at_eth_and_btcs_last_prices_by_the_date() -> None:
    at, when = _sizing_prices(pd.Timestamp("2025-05-16", tz=UTC))
    assert set(at) == {"ETH", "BTC"} and when == "at the market date"
    late, when = _sizing_prices(pd.Timestamp("2026-07-31", tz=UTC))
    from liqcascade.data import load_series

    eth = load_series("ohlcv", asset="ETH", interval="1h", store=False)
    assert_same(late["ETH"], float(eth["close"].iloc[-1]))  # the data end before the date
    assert when == f"at their last prices in the data ({eth.index[-1]:%Y-%m-%d})"
    _, text = sample_portfolio({**late, "SHF": 3000.0}, "SHF", when)
    assert f"dollar notionals at their last prices in the data ({eth.index[-1]:%Y-%m-%d})" in text
