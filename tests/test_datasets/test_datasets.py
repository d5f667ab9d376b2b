"""The bundled real data: known prints, ranges, canonical layouts, provenance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets


def test_known_prints_eth_daily() -> None:
    # Checked against known prints (data/README.md).
    d = datasets.load_ohlcv("ETH", "1d")

    def day(text: str) -> pd.Series:
        return d.loc[pd.Timestamp(text, tz="UTC")]

    row = day("2022-06-18")
    assert row["low"] == pytest.approx(881.56, abs=0.01)
    assert row["close"] == pytest.approx(995.13, abs=0.01)
    row = day("2025-08-24")
    assert row["high"] == pytest.approx(4956.8, abs=0.1)
    assert row["close"] == pytest.approx(4780.2, abs=0.1)
    row = day("2025-10-10")
    assert (row["open"], row["low"]) == pytest.approx((4368.0, 3435.0), abs=1.0)
    assert row["close"] == pytest.approx(3829.7, abs=0.1)


@pytest.mark.parametrize(
    ("asset", "interval", "first", "last", "rows"),
    [
        ("ETH", "1d", "2017-08-17", "2025-12-31", 3059),
        ("BTC", "1d", "2017-08-17", "2025-12-31", 3059),
        ("ETH", "1h", "2017-08-17", "2026-03-31", 75417),
    ],
)
def test_ranges(asset: str, interval: str, first: str, last: str, rows: int) -> None:
    d = datasets.load_ohlcv(asset, interval)
    assert len(d) == rows
    assert d.index[0].strftime("%Y-%m-%d") == first
    assert d.index[-1].strftime("%Y-%m-%d") == last
    assert str(d.index.tz) == "UTC"
    assert d.index.is_monotonic_increasing and d.index.is_unique


def test_canonical_ohlcv_is_consistent() -> None:
    for name in ("eth_1d", "btc_1d", "eth_1h", "btc_1h", "eth_30m", "eth_perp_1h"):
        d = datasets.load(name)
        assert list(d.columns[:5]) == ["open", "high", "low", "close", "volume"]
        assert (d[["open", "high", "low", "close"]] > 0).all().all()
        assert (d["high"] >= d[["open", "close"]].max(axis=1) - 1e-9).all()
        assert (d["low"] <= d[["open", "close"]].min(axis=1) + 1e-9).all()
        assert (d["volume"] >= 0).all()


def test_hourly_rolls_up_to_daily_within_half_percent() -> None:
    h = datasets.load_ohlcv("ETH", "1h", start="2021-01-01", end="2021-12-31")
    d = datasets.load_ohlcv("ETH", "1d", start="2021-01-01", end="2021-12-31")
    daily_close = h["close"].resample("1D").last().reindex(d.index)
    rel = (daily_close / d["close"] - 1).abs().dropna()
    assert rel.quantile(0.99) < 0.005


def test_start_end_are_inclusive_and_dates_cover_the_day() -> None:
    h = datasets.load_ohlcv("ETH", "1h", start="2025-10-10", end="2025-10-10")
    assert len(h) == 24
    assert h.index[0] == pd.Timestamp("2025-10-10 00:00", tz="UTC")
    assert h.index[-1] == pd.Timestamp("2025-10-10 23:00", tz="UTC")


def test_coinglass_series_canonical() -> None:
    liq = datasets.load_liquidations()
    assert list(liq.columns) == ["long_usd", "short_usd"]
    assert liq.index[0] == pd.Timestamp("2024-11-13 20:00", tz="UTC")
    assert liq.index[-1] <= pd.Timestamp("2025-07-31 23:59", tz="UTC")
    assert (liq >= 0).all().all()
    oi = datasets.load_open_interest()
    assert "oi_usd" in oi and oi["oi_usd"].between(5e9, 1e11).all()
    f = datasets.load_funding()
    # percent per 8 h in the source -> fraction: typical |rate| ~ 1e-4
    assert f["rate"].abs().median() < 1e-3
    assert (f["interval_hours"] == 8).all()


def test_funding_by_venue_joins_histories() -> None:
    f = datasets.load_funding(venue="binance")
    assert f.index[0].year == 2020 and f.index[-1].year == 2026
    assert f.index.is_monotonic_increasing and f.index.is_unique
    with pytest.raises(KeyError):
        datasets.load_funding(venue="nowhere")


def test_hyperliquid_funding_is_one_rate_per_hour_across_the_seam() -> None:
    """CoinGlass's Hyperliquid rows (to 2025-07) and Hyperliquid's own (from 2025-03-08).

    Hyperliquid pays hourly, and CoinGlass quotes that hourly rate (sampled every 8 h):
    labelled per 8 h, it read 8x too low beside the venue's own hourly series.
    """
    f = datasets.load_funding(venue="hyperliquid")
    per_hour = f["rate"] / f["interval_hours"]
    cg = per_hour[f.index < pd.Timestamp("2025-03-08 09:00", tz="UTC")]
    own = per_hour[f.index >= pd.Timestamp("2025-03-08 09:00", tz="UTC")]
    assert len(cg) > 200 and len(own) > 3000
    assert (f.loc[cg.index, "interval_hours"] == 1).all()
    # the baseline rate, 0.00125 % an hour, is the median of both
    assert cg.median() == pytest.approx(1.25e-5, rel=0.05)
    assert own.median() == pytest.approx(1.25e-5, rel=0.05)
    # an 8-hourly venue keeps its 8 h interval
    assert (datasets.load_funding(venue="bybit").loc[:"2025-03-01", "interval_hours"] == 8).all()


def test_unknown_names_raise() -> None:
    with pytest.raises(KeyError, match="unknown dataset"):
        datasets.load("nope")
    with pytest.raises(KeyError, match="no bundled OHLCV"):
        datasets.load_ohlcv("ETH", "4h")


def test_provenance_lists_every_dataset() -> None:
    p = datasets.provenance()
    assert set(datasets.names()) <= set(p["name"])
    assert p["source"].str.len().min() > 10
    assert (p["rows"] > 0).all()


def test_aave_params_have_weth() -> None:
    params = datasets.load_aave_reserve_params()
    eth = params["data"]["ethereum"]
    text = str(eth)
    assert "WETH" in text


def test_loaders_return_copies() -> None:
    a = datasets.load_ohlcv("ETH", "1d")
    a["close"] = np.nan
    b = datasets.load_ohlcv("ETH", "1d")
    assert b["close"].notna().all()


def test_bundle_size_under_budget() -> None:
    from importlib.resources import files

    total = sum(p.stat().st_size for p in (files("liqcascade.data.bundled") / "_files").iterdir())  # type: ignore[attr-defined]
    assert total < 20e6


def test_provenance_rows_are_the_rows_loaded() -> None:
    # the table counts rows from each file's Parquet footer, without reading the data
    p = datasets.provenance().set_index("name")
    for name in datasets.names():
        assert p.loc[name, "rows"] == len(datasets.load(name)), name
