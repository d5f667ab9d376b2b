"""Liquidations in other units (thousands of USD, or 1000x) are refused before they are stored.

A CoinGlass liquidation file with both USD columns divided by 1000 was ingested without a
word and then scored as the record by ``liqmap backtest`` (coverage 0.000, every verdict
"tie"). :func:`check_reference_levels` compares a liquidation file's totals, over the bars
it shares with a known series (6 or more with liquidations), with that series': the
store's, the bundled one of the same venue, and Binance's bundled one for a file labelled
all-venue (100x) or unknown (500x).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import read_file
from liqcascade.data._series import check_reference_levels
from liqcascade.data.bundled import load
from liqcascade.errors import InputError

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
LIQ_4H = INGEST / "coinglass_ETH_4h_liquidations_binance.csv.gz"
HL_1D = INGEST / "hyperliquid_daily_liquidated_notional_ETH_BTC.csv.gz"
_USD = ["aggregated_long_liquidation_usd", "aggregated_short_liquidation_usd"]


def _scaled(src: Path, out: Path, factor: float, cols: list[str]) -> Path:
    df = pd.read_csv(src)
    for c in cols:
        df[c] = df[c].astype(float) * factor
    df.to_csv(out, index=False)
    return out


def _bundled_csv(name: str, out: Path, asset: str | None = None) -> Path:
    df = load(name)
    if asset is not None:
        df = df[df["asset"] == asset].drop(columns="asset")
    df.rename(columns={"liquidated_usd": "total_usd"}).reset_index().to_csv(out, index=False)
    return out


@pytest.mark.parametrize(
    ("name", "symbol", "venue", "asset", "interval"),
    [
        ("eth_liquidations_4h", "ETH", "binance", None, "4h"),
        ("btc_liquidations_4h", "BTC", "binance", None, "4h"),
        ("hyperliquid_liquidations_1d", "ETH", "hyperliquid", "ETH", "1d"),
        ("hyperliquid_liquidations_1d", "BTC", "hyperliquid", "BTC", "1d"),
    ],
)
def test_every_bundled_liquidation_series_passes_and_its_1000x_is_refused(
    tmp_path: Path, name: str, symbol: str, venue: str, asset: str | None, interval: str
) -> None:
    f = _bundled_csv(name, tmp_path / f"{name}.csv", asset)
    check_reference_levels(read_file(f, symbol=symbol, venue=venue, interval=interval), None)
    check_reference_levels(read_file(f, symbol=symbol, interval=interval), None)  # no venue
    cols = ["total_usd"] if asset else ["long_usd", "short_usd"]
    for factor, said in ((1e-3, "1/1,000 of"), (1e3, "1,000×")):
        g = _scaled(f, tmp_path / f"x{factor:g}.csv", factor, cols)
        # unlabelled (unknown), a daily file is beside no bundled series: Hyperliquid's is
        # no stand-in for all venues' (test_an_all_venue_daily_file_is_not_judged_by_hyperliquids)
        for kw in ({"venue": venue}, {}) if venue == "binance" else ({"venue": venue},):
            with pytest.raises(InputError) as e:
                check_reference_levels(read_file(g, symbol=symbol, interval=interval, **kw), None)
            msg = str(e.value)
            assert f"liquidations {symbol}" in msg and f" in the file is {said} the $" in msg
            assert "total long_usd + short_usd $" in msg
            assert "or more apart is a file in other units (cents, thousands)" in msg
            assert (
                "thousands of USD: give USD (the amounts × 1,000)"
                if factor < 1
                else "USD × 1,000 (thousandths): give USD (the amounts / 1,000)"
            ) in msg


def test_the_real_downloads_pass_and_thousands_of_usd_are_refused(tmp_path: Path) -> None:
    check_reference_levels(read_file(LIQ_4H, venue="binance", symbol="ETH"), None)
    check_reference_levels(read_file(LIQ_4H, symbol="ETH"), None)
    for coin in ("ETH", "BTC"):
        check_reference_levels(read_file(HL_1D, venue="hyperliquid", symbol=coin), None)
    f = _scaled(LIQ_4H, tmp_path / "liq_k.csv", 1e-3, _USD)
    with pytest.raises(InputError) as e:
        check_reference_levels(read_file(f, venue="binance", symbol="ETH"), None)
    msg = str(e.value)
    assert msg.startswith(f"{f}: liquidations ETH 4h: total long_usd + short_usd $")
    assert "in the file is 1/1,000 of the $" in msg and "bundled eth_liquidations_4h" in msg
    assert "5× or more apart" in msg
    with pytest.raises(InputError, match=r"500× or more apart"):
        check_reference_levels(read_file(f, symbol="ETH"), None)
    with pytest.raises(InputError, match=r"100× or more apart"):
        check_reference_levels(read_file(f, venue="all-venues", symbol="ETH"), None)


def test_an_all_venue_daily_file_is_not_judged_by_hyperliquids(tmp_path: Path) -> None:
    """A correct all-venue daily file (about $50 M a day) on dates where Hyperliquid's
    bundled daily liquidations were thousands of USD (2023) is not refused: Hyperliquid's
    series is no reference for all venues' (review32: "19,400× the $32,877")"""
    hl = load("hyperliquid_liquidations_1d")
    hl = hl[(hl["asset"] == "BTC") & (hl.index < pd.Timestamp("2024-01-01", tz="UTC"))]
    assert len(hl) >= 60 and float(hl["liquidated_usd"].median()) < 1e5  # the trap is real
    days = pd.DataFrame({"time": hl.index[:60], "total_usd": 5e7}).set_index("time")
    f = tmp_path / "all_venues_btc_1d.csv"
    days.reset_index().to_csv(f, index=False)
    for kw in ({}, {"venue": "all-venues"}, {"venue": "coinglass"}):
        check_reference_levels(read_file(f, symbol="BTC", interval="1d", **kw), None)


def test_a_quiet_window_is_not_compared(tmp_path: Path) -> None:
    # five bars (fewer than MIN_LIQUIDATION_BARS) at 1/1000: too few to tell a unit
    df = pd.read_csv(LIQ_4H).iloc[20:25]
    df[_USD] = df[_USD] * 1e-3
    df.to_csv(tmp_path / "few.csv", index=False)
    check_reference_levels(read_file(tmp_path / "few.csv", venue="binance", symbol="ETH"), None)
    df = pd.read_csv(LIQ_4H).iloc[20:26]  # six: compared
    df[_USD] = df[_USD] * 1e-3
    df.to_csv(tmp_path / "six.csv", index=False)
    with pytest.raises(InputError, match=r"\(6 bars compared\)"):
        check_reference_levels(read_file(tmp_path / "six.csv", venue="binance", symbol="ETH"), None)


def test_open_interest_refusal_writes_dollars_not_scientific_notation(tmp_path: Path) -> None:
    oi = INGEST / "coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz"
    df = pd.read_csv(oi)
    usd = [c for c in df.columns if c not in ("time", "datetime_utc", "snapshot")]
    f = _scaled(oi, tmp_path / "oi_k.csv", 1e-3, usd)
    with pytest.raises(InputError) as e:
        check_reference_levels(read_file(f), None)
    msg = str(e.value)
    assert "e+0" not in msg and "e+1" not in msg
    assert "median oi_usd $" in msg and "in the file is 1/1,000 of the $" in msg


BOOK_8H = INGEST / "coinglass_ETH_8h_futures_orderbook_bids_asks_usd.csv.gz"
SPOT_BOOK_4H = INGEST / "coinglass_ETH_4h_spot_orderbook_bids_asks_usd.csv.gz"


def test_order_book_totals_in_thousands_are_refused(tmp_path: Path) -> None:
    # CoinGlass's all-venue book totals, stored as depth at 1 % of mid: in $k the estimated
    # market's book was 1/1000 and a -5 % shock ran to -40 % (book exhausted)
    for venue in (None, "all-venues", "unknown"):
        kw = {"venue": venue} if venue else {}
        check_reference_levels(read_file(BOOK_8H, **kw), None)
    check_reference_levels(read_file(SPOT_BOOK_4H, venue="all-venues-spot"), None)
    usd = ["aggregated_bids_usd", "aggregated_asks_usd"]
    for factor, said in ((1e-3, "1/1,000 of"), (1e3, "1,000×")):
        f = _scaled(BOOK_8H, tmp_path / f"book{factor:g}.csv", factor, usd)
        for venue, limit in (("all-venues", "5×"), ("unknown", "500×")):
            with pytest.raises(InputError) as e:
                check_reference_levels(read_file(f, venue=venue, symbol="ETH"), None)
            msg = str(e.value)
            assert msg.startswith(f"{f}: depth ETH 8h: median notional_usd $")
            assert f"in the file is {said} the $" in msg
            assert "of bundled eth_futures_book_8h (bids_usd + asks_usd)" in msg
            assert f"{limit} or more apart" in msg
    # one exchange's book is a part of all venues': not compared
    check_reference_levels(read_file(f, venue="binance", symbol="ETH"), None)
    # unlabelled, one small exchange's book (a 181st of all venues') is real, not $k
    small = _scaled(BOOK_8H, tmp_path / "small.csv", 1 / 181, usd)
    check_reference_levels(read_file(small, symbol="ETH"), None)
