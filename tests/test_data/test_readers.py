"""Readers: every layout, recognised by content, on real excerpts and generated files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade.data import read_file
from liqcascade.errors import InputError

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"


def one(path: Path, **kw: object):
    series = read_file(path, **kw)
    assert len(series) == 1, [s.summary() for s in series]
    return series[0]


def ts0(s) -> pd.Timestamp:
    return s.frame["ts"].iloc[0]


# -- real excerpts ---------------------------------------------------------------------------
# (file, layout, kind, rows, first ts, a column, its first value)
REAL = [
    ("ETHUSDT_1d_binance_spot.csv.gz", "ohlcv", "ohlcv", 60, "2017-08-17", "close", 302.0),
    ("BTCUSDT_1d_binance_spot.csv.gz", "ohlcv", "ohlcv", 60, "2017-08-17", "open", 4261.48),
    ("BTCUSDT_1h_binance_spot.csv.gz", "ohlcv", "ohlcv", 60, "2021-04-04 20:00", "close", 58025.11),
    ("ETHUSDT_30m_binance_spot.csv.gz", "ohlcv", "ohlcv", 60, "2024-01-01", "close", 2291.05),
    (
        "ETHUSDT_1h_binance_usdm_perp_2020-2024.csv.gz",
        "ohlcv",
        "ohlcv",
        60,
        "2020-01-01",
        "volume",
        14947.691,
    ),
    (
        "ETHUSDT_1m_binance_2022-12-01_2023-01-04.csv.gz",
        "ohlcv",
        "ohlcv",
        60,
        "2022-12-01 03:00",
        "close",
        1286.39,
    ),
    (
        "ETHUSDT_5m_binance_2022-06-15_2022-07-19.csv.gz",
        "ohlcv",
        "ohlcv",
        60,
        "2022-06-15 03:00",
        "low",
        1202.97,
    ),
    (
        "ETHUSDT_5m_binance_spot_2025-08-19_2025-09-21.csv.gz",
        "binance-kline-export",
        "ohlcv",
        60,
        "2025-08-19 15:10",
        "trades",
        28471.0,
    ),
    (
        "ETHUSDT_15m_bybit_perp_2025-10-07_2025-10-17.csv.gz",
        "ohlcv",
        "ohlcv",
        60,
        "2025-10-07 10:45",
        "quote_volume",
        34891859.335,
    ),
    (
        "coinglass_ETH_4h_liquidations_binance.csv.gz",
        "coinglass-liquidations",
        "liquidations",
        60,
        "2024-11-13 20:00",
        "long_usd",
        5375477.18726924,
    ),
    (
        "coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz",
        "coinglass-oi-ohlc",
        "open_interest",
        60,
        "2024-11-22 20:00",
        "oi_usd",
        20036071379.0,
    ),
    (
        "coinglass_ETH_4h_open_interest_coin_margined.csv.gz",
        "coinglass-oi-ohlc",
        "open_interest",
        60,
        "2024-11-13 20:00",
        "oi_open_usd",
        782797640.0,
    ),
    (
        "coinglass_ETH_4h_open_interest_stablecoin_margined.csv.gz",
        "coinglass-oi-ohlc",
        "open_interest",
        60,
        "2024-11-13 20:00",
        "oi_usd",
        1373375.09,
    ),
    (
        "coinglass_ETH_4h_funding_oi_weighted.csv.gz",
        "coinglass-funding-ohlc",
        "funding",
        60,
        "2024-11-13 20:00",
        "rate",
        0.00012642,
    ),
    (
        "coinglass_ETH_4h_funding_volume_weighted.csv.gz",
        "coinglass-funding-ohlc",
        "funding",
        60,
        "2024-11-13 20:00",
        "rate",
        0.00012161,
    ),
    (
        "coinglass_ETH_8h_funding_binance.csv.gz",
        "coinglass-funding-ohlc",
        "funding",
        60,
        "2024-11-29",
        "rate",
        0.00033037,
    ),
    (
        "coinglass_ETH_8h_funding_bybit.csv.gz",
        "coinglass-funding-ohlc",
        "funding",
        60,
        "2024-12-10",
        "rate",
        0.0001,
    ),
    (
        "coinglass_ETH_8h_funding_okx.csv.gz",
        "coinglass-funding-ohlc",
        "funding",
        60,
        "2024-11-22",
        "rate",
        0.0002727822,
    ),
    (
        "coinglass_ETH_8h_funding_hyperliquid.csv.gz",
        "coinglass-funding-ohlc",
        "funding",
        60,
        "2024-12-24",
        "rate",
        0.00004776,
    ),
    (
        "coinglass_ETH_4h_spot_taker_buy_sell.csv.gz",
        "coinglass-taker",
        "taker",
        60,
        "2024-11-21 20:00",
        "sell_usd",
        116718202.3388,
    ),
    (
        "funding_ETHUSDT_binance_2020-2023.csv.gz",
        "funding-table",
        "funding",
        60,
        "2020-01-01",
        "rate",
        0.0001,
    ),
    (
        "funding_ETHUSDT_bybit_2020-2023.csv.gz",
        "funding-table",
        "funding",
        60,
        "2021-01-01",
        "rate",
        0.00040403,
    ),
    (
        "funding_ETHUSDT_gate_2020-2023.csv.gz",
        "funding-table",
        "funding",
        60,
        "2019-12-31 21:00",
        "rate",
        0.0001,
    ),
    (
        "funding_ETHUSDT_htx_2020-2023.csv.gz",
        "funding-table",
        "funding",
        60,
        "2021-01-01",
        "rate",
        0.0001,
    ),
    (
        "funding_ETHUSDT_kucoin_2020-2023.csv.gz",
        "funding-table",
        "funding",
        60,
        "2021-01-01 04:00",
        "rate",
        0.000404,
    ),
    (
        "funding_ETHUSDT_mexc_2020-2023.csv.gz",
        "funding-table",
        "funding",
        60,
        "2021-01-01",
        "rate",
        0.0002,
    ),
]


@pytest.mark.parametrize(
    ("name", "layout", "kind", "rows", "first", "col", "value"), REAL, ids=[r[0] for r in REAL]
)
def test_real_excerpt(name, layout, kind, rows, first, col, value) -> None:
    s = one(INGEST / name)
    assert (s.layout, s.kind, s.rows) == (layout, kind, rows)
    assert ts0(s) == pd.Timestamp(first, tz="UTC")
    assert str(s.frame["ts"].dtype) == "datetime64[us, UTC]"
    assert s.frame[col].iloc[0] == pytest.approx(value, rel=1e-12)


def test_real_dydx_hourly_funding_interval_inferred() -> None:
    s = one(INGEST / "funding_ETHUSDT_dydx_2020-2023.csv.gz")
    assert s.interval == "1h"
    assert s.symbol == "ETH-USDT"
    assert (s.frame["interval_hours"] == 1.0).all()
    # the Binance excerpt is 8-hourly
    assert (
        one(INGEST / "funding_ETHUSDT_binance_2020-2023.csv.gz").frame["interval_hours"].iloc[0]
        == 8.0
    )


def test_real_hourly_seam_is_a_gap_not_filled() -> None:
    s = one(INGEST / "ETHUSDT_1h_binance_spot.csv.gz")
    assert s.interval == "1h" and s.rows == 46
    assert s.gaps == 1
    assert s.largest_gap == pd.Timedelta(hours=28)
    assert "src" not in s.frame.columns


def test_real_kline_export_keeps_extras() -> None:
    s = one(INGEST / "ETHUSDT_5m_binance_spot_2025-08-19_2025-09-21.csv.gz")
    f = s.frame
    assert f["quote_volume"].iloc[0] == pytest.approx(18664809.37035)
    assert f["taker_buy_volume"].iloc[0] == pytest.approx(2161.8649)
    assert s.interval == "5m"


def test_real_coinalyze_two_symbols_epoch_seconds() -> None:
    series = read_file(INGEST / "coinalyze_binance_coinm_open_interest_1d.csv.gz")
    assert [s.symbol for s in series] == ["BTCUSD_PERP.A"]  # the excerpt's 60 rows are BTC
    s = series[0]
    assert ts0(s) == pd.Timestamp("2021-09-15", tz="UTC")  # timestamp 1631664000 s
    assert s.frame["oi_usd"].iloc[0] == 718741000.0
    assert s.frame["oi_high_usd"].iloc[0] == 751628700.0
    assert s.interval == "1d"


def test_real_hyperliquid_daily_by_coin() -> None:
    series = read_file(INGEST / "hyperliquid_daily_liquidated_notional_ETH_BTC.csv.gz")
    by = {s.symbol: s for s in series}
    assert set(by) == {"BTC", "ETH"}
    eth = by["ETH"]
    assert eth.venue == "hyperliquid" and eth.kind == "liquidations"
    assert eth.frame["total_usd"].iloc[0] == pytest.approx(59788.87760299999)
    assert sum(s.rows for s in series) == 60


@pytest.mark.parametrize(
    ("name", "notional", "base"),
    [
        ("coinglass_ETH_8h_futures_orderbook_bids_asks_usd.csv.gz", 37678815.1099, 12316.623),
        ("coinglass_ETH_4h_spot_orderbook_bids_asks_usd.csv.gz", 10899837.3011, 3461.9712),
    ],
)
def test_real_coinglass_orderbook_as_depth(name: str, notional: float, base: float) -> None:
    s = one(INGEST / name)
    assert s.kind == "depth" and s.rows == 120
    bid = s.frame[s.frame["side"] == "bid"].iloc[0]
    assert bid["notional_usd"] == pytest.approx(notional)
    assert bid["depth_base"] == pytest.approx(base)
    assert bid["distance"] == 0.01
    # a documented conversion: a note, not a warning (nothing for the user to act on)
    assert any("not verified" in n for n in s.notes)
    assert not any("not verified" in w for w in s.warnings)


def test_real_parquet_by_venue_splits_series() -> None:
    series = read_file(INGEST / "perp_1h_by_venue_2025-03_2026-03.parquet")
    raw = pd.read_parquet(INGEST / "perp_1h_by_venue_2025-03_2026-03.parquet")
    keys = {(s.venue, s.symbol) for s in series}
    assert keys == set(zip(raw["venue"], raw["coin"], strict=True))
    assert sum(s.rows for s in series) == len(raw)
    s = next(s for s in series if (s.venue, s.symbol) == ("binance", "ETH"))
    r = raw[(raw["venue"] == "binance") & (raw["coin"] == "ETH")].sort_values("timestamp")
    np.testing.assert_allclose(s.frame["close"], r["c"])


def test_real_funding_parquet_by_venue() -> None:
    series = read_file(INGEST / "funding_by_venue_2025-03_2026-03.parquet")
    by = {(s.venue, s.symbol): s for s in series}
    assert ("hyperliquid", "ETH") in by
    assert by[("hyperliquid", "ETH")].interval == "1h"
    assert (by[("hyperliquid", "ETH")].frame["interval_hours"] == 1.0).all()


def test_real_unsupported_defi_file_names_columns() -> None:
    with pytest.raises(
        InputError,
        match=r"chainlink_ETHUSD_daily.csv.gz: unrecognised layout "
        r"\(columns seen: date_utc, sample_time_utc",
    ):
        read_file(INGEST / "chainlink_ETHUSD_daily.csv.gz")


def test_layout_by_content_not_name(tmp_path: Path) -> None:
    # A CoinGlass liquidation file under a misleading name is still read as liquidations.
    p = tmp_path / "ETHUSDT_1d_binance_spot.csv.gz"
    shutil.copy(INGEST / "coinglass_ETH_4h_liquidations_binance.csv.gz", p)
    assert one(p).kind == "liquidations"


# -- generated files in the documented layouts -------------------------------------------
@pytest.mark.parametrize("header", [True, False], ids=["header", "no-header"])
@pytest.mark.parametrize("unit", ["ms", "us"])
def test_binance_klines(tmp_path: Path, gen, header: bool, unit: str) -> None:
    b = gen.bars(30)
    k = gen.klines_frame(b, unit)
    p = gen.write_csv(tmp_path / "k.csv", k, header=header)
    s = one(p)
    assert s.layout == "binance-klines" and s.interval == "1h"
    pd.testing.assert_series_equal(
        s.frame["ts"], b["ts"].astype("datetime64[us, UTC]"), check_names=False
    )
    np.testing.assert_allclose(s.frame["close"], b["close"])
    np.testing.assert_allclose(s.frame["trades"], k["count"])
    np.testing.assert_allclose(s.frame["quote_volume"], k["quote_volume"])


def test_binance_klines_zip(tmp_path: Path, gen) -> None:
    b = gen.bars(24, step="4h")
    p = gen.write_zip(
        tmp_path / "ETHUSDT-4h-2024-03.zip",
        "ETHUSDT-4h-2024-03.csv",
        gen.klines_frame(b),
        header=False,
    )
    s = one(p)
    assert s.interval == "4h" and s.rows == 24
    np.testing.assert_allclose(s.frame["high"], b["high"])


def test_zip_with_two_members_is_rejected(tmp_path: Path) -> None:
    import zipfile

    p = tmp_path / "two.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("a.csv", "x\n1\n")
        zf.writestr("b.csv", "x\n1\n")
    with pytest.raises(InputError, match="exactly one file"):
        read_file(p)


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_generic_epoch_units_detected(tmp_path: Path, gen, unit: str) -> None:
    b = gen.bars(10, step="1D")
    secs = pd.DatetimeIndex(b["ts"]).as_unit("s").asi8
    mult = {"s": 1, "ms": 1000, "us": 1_000_000}[unit]
    df = b.drop(columns="ts").assign(Timestamp=secs * mult)
    df.columns = [c.upper() if c != "Timestamp" else c for c in df.columns]
    s = one(gen.write_csv(tmp_path / "x.csv.gz", df))
    assert s.layout == "ohlcv" and s.interval == "1d"
    assert list(s.frame["ts"]) == list(b["ts"])


def test_generic_iso_and_date_text(tmp_path: Path, gen) -> None:
    b = gen.bars(5, step="1D")
    df = b.assign(ts=b["ts"].dt.strftime("%Y-%m-%d")).rename(columns={"ts": "Date"})
    df = df.rename(columns=str.capitalize)
    s = one(gen.write_csv(tmp_path / "d.csv", df))
    assert list(s.frame["ts"]) == list(b["ts"])
    df2 = b.assign(ts=b["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    df2 = df2.rename(columns={"open": "o", "high": "h", "low": "l", "close": "c", "volume": "v"})
    s2 = one(gen.write_csv(tmp_path / "e.csv", df2))
    np.testing.assert_allclose(s2.frame["open"], b["open"])


def test_generic_parquet(tmp_path: Path, gen) -> None:
    b = gen.bars(12)
    p = tmp_path / "b.parquet"
    b.rename(columns={"ts": "datetime"}).to_parquet(p)
    s = one(p)
    np.testing.assert_allclose(s.frame["low"], b["low"])


def test_book_depth(tmp_path: Path, gen) -> None:
    s = one(gen.write_csv(tmp_path / "ETHUSDT-bookDepth-2024-01-01.csv", gen.book_depth()))
    assert s.layout == "binance-bookdepth" and s.kind == "depth" and s.venue == "binance"
    f = s.frame
    assert s.rows == 30
    first = f[f["ts"] == f["ts"].min()]
    bids = first[first["side"] == "bid"].sort_values("distance")
    assert list(bids["distance"]) == [0.01, 0.02, 0.03, 0.04, 0.05]
    assert list(bids["depth_base"]) == [100.0, 200.0, 300.0, 400.0, 500.0]
    assert bids["notional_usd"].iloc[0] == pytest.approx(230000.0)


def test_metrics(tmp_path: Path, gen) -> None:
    s = one(gen.write_csv(tmp_path / "m.csv", gen.metrics()))
    assert (s.layout, s.kind, s.symbol, s.venue, s.interval) == (
        "binance-metrics",
        "open_interest",
        "ETHUSDT",
        "binance",
        "5m",
    )
    assert s.frame["oi_base"].iloc[1] == 1_001_000.0
    assert s.frame["oi_usd"].iloc[1] == pytest.approx(1_001_000.0 * 2300.0)


def test_funding_rate(tmp_path: Path, gen) -> None:
    s = one(gen.write_csv(tmp_path / "f.csv", gen.funding_rate()))
    assert (s.layout, s.kind, s.interval) == ("binance-fundingrate", "funding", "8h")
    assert s.frame["rate"].iloc[2] == pytest.approx(0.00012)
    assert (s.frame["interval_hours"] == 8).all()
    assert s.frame["ts"].iloc[0] == pd.Timestamp("2024-01-01 00:00:00.005", tz="UTC")


def test_liquidation_snapshot(tmp_path: Path, gen) -> None:
    s = one(gen.write_csv(tmp_path / "l.csv", gen.liquidation_snapshot()))
    assert (s.layout, s.kind, s.interval) == (
        "binance-liquidationsnapshot",
        "liquidation_events",
        "events",
    )
    f = s.frame
    assert list(f["side"]) == ["long", "long", "short", "long"]  # sorted by (ts, side, price)
    assert f["qty"].sum() == pytest.approx(5.45)
    assert f["average_price"].iloc[0] == 2251.0


def test_okx_liquidation_orders(tmp_path: Path, gen) -> None:
    series = read_file(gen.write_csv(tmp_path / "okx.csv", gen.okx_liquidations()))
    by_symbol = {s.symbol: s for s in series}
    assert set(by_symbol) == {"BTC-USDT-SWAP", "ETH-USDT-SWAP"}
    eth = by_symbol["ETH-USDT-SWAP"]
    assert (eth.layout, eth.kind, eth.interval, eth.venue) == (
        "okx-liquidation-orders",
        "liquidation_events",
        "events",
        "okx",
    )
    f = eth.frame
    # posSide names the position; in net mode the sell order's side does (a long)
    assert list(f["side"]) == ["long", "short", "long"]
    # sz in contracts x OKX's contract value: 0.1 ETH, 0.01 BTC
    np.testing.assert_allclose(f["qty"], [1.2, 0.3, 15.0], rtol=1e-12)
    assert list(f["price"]) == [3712.45, 3740.1, 3705.2]
    np.testing.assert_allclose(by_symbol["BTC-USDT-SWAP"].frame["qty"], [0.4], rtol=1e-12)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"side": "hold"}, "data row 2: side 'hold' is not buy or sell"),
        ({"posSide": "both"}, "data row 2: posSide 'both' is not long, short or net"),
        ({"side": "sell"}, "data row 2: posSide 'short' with side 'sell'"),
        ({"instId": "DOGE-USDT-SWAP"}, "data row 2: instId 'DOGE-USDT-SWAP': its contract value"),
        ({"instId": "BTC-USD-SWAP"}, "data row 2: instId 'BTC-USD-SWAP' is an inverse contract"),
        # a ctVal of 0 stored a liquidation of no size; a negative one was refused as qty
        ({"ctVal": "0.0"}, "data row 2: ctVal '0.0' is not a contract value"),
        ({"ctVal": "-0.1"}, "data row 2: ctVal '-0.1' is not a contract value"),
        ({"ctVal": "ten"}, "data row 2: ctVal 'ten' is not a contract value"),
    ],
)
def test_okx_liquidation_orders_refused_naming_the_row(
    tmp_path: Path, gen, row: dict[str, str], message: str
) -> None:
    df = gen.okx_liquidations()
    for col, value in row.items():
        df.loc[1, col] = value
    p = gen.write_csv(tmp_path / "okx.csv", df)
    with pytest.raises(InputError, match="okx.csv: " + message.replace("(", r"\(")) as exc:
        read_file(p)
    assert (exc.value.file, exc.value.row) == (str(p), 2)


def test_okx_contract_value_from_the_file(tmp_path: Path, gen) -> None:
    df = gen.okx_liquidations().assign(ctVal=[0.1, 0.1, 0.1, 0.01])
    df.loc[3, "instId"] = "DOGE-USDT-SWAP"
    df.loc[3, "ctVal"] = 1000.0
    series = read_file(gen.write_csv(tmp_path / "okx.csv", df), symbol="DOGE-USDT-SWAP")
    assert series[0].frame["qty"].tolist() == [40_000.0]


def test_ccxt_json_ohlcv(tmp_path: Path, gen) -> None:
    b = gen.bars(20, step="15min")
    ms = pd.DatetimeIndex(b["ts"]).as_unit("ms").asi8
    rows = [
        [int(t), o, h, lo, c, v]
        for t, o, h, lo, c, v in zip(
            ms, b["open"], b["high"], b["low"], b["close"], b["volume"], strict=True
        )
    ]
    p = tmp_path / "ohlcv.json"
    p.write_text(json.dumps(rows))
    s = one(p)
    assert (s.layout, s.interval) == ("ccxt-ohlcv", "15m")
    np.testing.assert_allclose(s.frame["volume"], b["volume"])


def test_ccxt_json_open_interest_and_funding(tmp_path: Path) -> None:
    t0 = 1_704_067_200_000
    oi = [
        {
            "symbol": "ETH/USDT:USDT",
            "openInterestAmount": 1e6 + i,
            "openInterestValue": (1e6 + i) * 2300,
            "timestamp": t0 + i * 3_600_000,
            "datetime": "x",
            "info": {"a": 1},
        }
        for i in range(5)
    ]
    p = tmp_path / "oi.json"
    p.write_text(json.dumps(oi))
    s = one(p)
    assert (s.layout, s.kind, s.symbol, s.interval) == (
        "ccxt-open-interest",
        "open_interest",
        "ETH/USDT:USDT",
        "1h",
    )
    assert s.frame["oi_base"].iloc[4] == 1e6 + 4
    fr = [
        {
            "symbol": "ETH/USDT:USDT",
            "fundingRate": 0.0001 * (i + 1),
            "timestamp": t0 + i * 28_800_000,
            "info": {},
        }
        for i in range(4)
    ]
    p2 = tmp_path / "fr.json"
    p2.write_text(json.dumps(fr))
    s2 = one(p2)
    assert s2.kind == "funding" and s2.interval == "8h"
    assert s2.frame["interval_hours"].iloc[0] == 8.0
    assert s2.frame["rate"].iloc[3] == pytest.approx(0.0004)


def test_ambiguous_ohlc_needs_kind(tmp_path: Path) -> None:
    p = tmp_path / "amb.csv"
    # 1 <= |close| < 1e5: open interest in USD or funding in percent (3.5 % per 8 h: still
    # within the funding bound, MAX_FUNDING_RATE = 5 %)
    p.write_text("time,open,high,low,close\n1731528000000,3,4,2,3.5\n1731542400000,3.5,3.6,3,3.2\n")
    with pytest.raises(InputError, match="give kind as open_interest or funding") as e:
        read_file(p)
    assert e.value.param == "kind" and str(e.value.file).endswith("amb.csv")
    assert e.value.for_flags({"kind": "--kind"}).endswith("give --kind as open_interest or funding")
    s = one(p, kind="open_interest")
    assert s.frame["oi_usd"].tolist() == [3.5, 3.2]
    s2 = one(p, kind="funding")
    assert s2.frame["rate"].tolist() == pytest.approx([0.035, 0.032])


def test_kind_mismatch_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"\.csv\.gz: kind funding: the file is CoinGlass aggregated"
    ):
        read_file(INGEST / "coinglass_ETH_4h_liquidations_binance.csv.gz", kind="funding")


def test_unrecognised_layout_names_columns(tmp_path: Path) -> None:
    """As the file writes them (the user searches the file for them), and how one of
    them was compared."""
    p = tmp_path / "w.csv"
    p.write_text("alpha,Beta Col\n1,2\n")
    with pytest.raises(
        InputError,
        match=r"w.csv: unrecognised layout \(columns seen: alpha, Beta Col; Beta Col is "
        r"compared as beta_col\)",
    ):
        read_file(p)


def test_headerless_wrong_width(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(InputError, match="no header and 3 columns"):
        read_file(p)


def test_symbol_and_venue_options(tmp_path: Path) -> None:
    series = read_file(
        INGEST / "hyperliquid_daily_liquidated_notional_ETH_BTC.csv.gz", symbol="ETH"
    )
    assert [s.symbol for s in series] == ["ETH"]
    with pytest.raises(InputError, match="symbol SOL: the file holds BTC, ETH") as e:
        read_file(INGEST / "hyperliquid_daily_liquidated_notional_ETH_BTC.csv.gz", symbol="SOL")
    assert e.value.param == "symbol"
    s = one(
        INGEST / "ETHUSDT_1d_binance_spot.csv.gz", venue="binance", symbol="ETHUSDT", interval="1d"
    )
    assert (s.venue, s.symbol, s.interval) == ("binance", "ETHUSDT", "1d")


def test_single_row_needs_interval(tmp_path: Path) -> None:
    p = tmp_path / "one.csv"
    p.write_text("timestamp,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,3\n")
    with pytest.raises(InputError, match="cannot infer the bar interval from a single"):
        read_file(p)
    assert one(p, interval="1d").interval == "1d"


def test_unit_change_inside_an_ohlcv_file(tmp_path: Path, gen) -> None:
    """C18: prices ×1000 from some row on are a unit change: error naming that row."""
    df = gen.bars(30, seed=4)
    df.loc[12:, ["open", "high", "low", "close"]] *= 1000
    src = gen.write_csv(tmp_path / "o.csv", df)
    with pytest.raises(InputError) as e:
        read_file(src)
    msg = str(e.value)
    assert msg.startswith(f"{src}: data row 13: close ") and "data row 12" in msg
    assert "unit change" in msg
    # unsorted input is checked in time order: the jump is found where the time order has it
    shuffled = gen.write_csv(tmp_path / "s.csv", df.iloc[::-1])
    with pytest.raises(InputError, match=r"data row 18: close .* unit change"):
        read_file(shuffled)
    # a 4x move in one bar (beyond any liquid asset's, below the 5x bound) is kept
    df2 = gen.bars(30, seed=4)
    df2.loc[12:, ["open", "high", "low", "close"]] *= 4
    df2.loc[12, "open"] = df2.loc[12, "low"] = df2.loc[11, "close"]
    assert one(gen.write_csv(tmp_path / "ok.csv", df2)).rows == 30


def test_a_coinglass_taker_file_with_two_column_pairs_reads_one_series(tmp_path: Path) -> None:
    # CoinGlass's BTC taker file fills taker_* (4-hourly, coin units) on some rows and
    # aggregated_* (another series: daily, USD) on others: the coin pair is read, at the
    # close column, the other rows left out with one warning; a row with neither pair is
    # refused by its number
    head = "time,aggregated_buy_volume_usd,aggregated_sell_volume_usd,taker_buy_volume_usd,"
    head += "taker_sell_volume_usd,close\n"
    t0 = 1733875200000
    rows = [f"{t0 + i * 14_400_000},,,{100 + i},{90 + i},2" for i in range(4)]
    rows += [f"{t0 + i * 14_400_000},{1e10 + i},{9e9 + i},,,2" for i in range(4, 6)]
    p = tmp_path / "coinglass_BTC_4h_taker_buy_sell.csv"
    p.write_text(head + "\n".join(rows) + "\n")
    (s,) = read_file(p, symbol="BTCUSDT")
    assert s.kind == "taker" and s.rows == 4 and s.layout == "coinglass-taker-coin"
    assert s.frame["buy_usd"].tolist() == [200.0, 202.0, 204.0, 206.0]
    assert any("2 rows carry only aggregated_buy_volume_usd" in w for w in s.warnings)
    p.write_text(head + "\n".join([*rows[:2], f"{t0 + 2 * 14_400_000},,,,,2", *rows[3:]]) + "\n")
    with pytest.raises(InputError, match="data row 3"):
        read_file(p, symbol="BTCUSDT")


def test_a_latin1_csv_is_named_as_not_utf8(tmp_path: Path) -> None:
    # it was "not a text, Parquet, gzip or zip file": a wrong cause for a text file
    p = tmp_path / "bars.csv"
    p.write_bytes("timestamp,open,high,low,close,volume\n2025-01-01 00:00,1,2,0.5,1.5,10\n"
                  "# café\n".encode("latin-1"))  # fmt: skip
    with pytest.raises(InputError, match=r"bars\.csv: not UTF-8 text \(byte \d+ is not UTF-8\)"):
        read_file(p)


def test_a_utf8_character_across_the_sniffed_head_is_not_an_error(tmp_path: Path) -> None:
    # the delimiter is sniffed from the first 4,096 bytes; a two-byte character cut at
    # that mark is valid UTF-8 and must not be refused as binary
    head = "timestamp,open,high,low,close,volume,note\n"
    rows = [f"2025-01-01 {h:02d}:00,1,2,0.5,1.5,10,x\n" for h in range(24)]
    body = head + "".join(rows)
    pad = 4095 - len(body.encode()) - len("2025-01-02 00:00,1,2,0.5,1.5,10,")
    last = "2025-01-02 00:00,1,2,0.5,1.5,10," + "x" * pad + "é\n"
    data = (body + last).encode()
    assert data[:4096].endswith("é".encode()[:1])  # the mark cuts the character
    p = tmp_path / "bars.csv"
    p.write_bytes(data)
    (got,) = read_file(p, kind="ohlcv", symbol="ETHUSDT")
    assert len(got.frame) == 25 and got.kind == "ohlcv"


def test_a_bad_row_named_is_the_files_first_though_the_file_splits_by_symbol(
    tmp_path: Path, gen
) -> None:
    """The file is read per symbol (BTC's series first); the error names data row 1,
    ETH's, the first bad row of the file, not the first of the first series."""
    df = gen.okx_liquidations()
    df["bkPx"] = -df["bkPx"]
    p = gen.write_csv(tmp_path / "okx.csv", df)
    with pytest.raises(InputError) as exc:
        read_file(p)
    # the file's own column (OKX's bkPx, read as price as it is)
    assert str(exc.value).startswith(f"{p}: data row 1: bkPx must be > 0")
    assert (exc.value.file, exc.value.row) == (str(p), 1)


def test_a_layouts_note_is_said_once_per_file(tmp_path: Path, gen, cli) -> None:
    """Two symbols in one file are two series; the layout's note is the file's, once."""
    p = gen.write_csv(tmp_path / "okx.csv", gen.okx_liquidations())
    r = cli("data", "ingest", str(p), "--store", str(tmp_path / "s.duckdb"), "--json")
    assert r.exit_code == 0, r.stderr
    notes = json.loads(r.stdout)["notes"]
    assert len(notes) == len(set(notes)) == 1 and "ctVal" in notes[0]
    text = cli("data", "ingest", str(p), "--store", str(tmp_path / "s.duckdb"))
    assert text.stderr.count("note:") == 1


def test_a_kind_refusal_names_liquidation_events_by_their_public_kind(tmp_path: Path, gen) -> None:
    """OKX's orders are liquidation events: the message says ``liquidations`` (what
    ``data list`` and ``--kind`` name them), never the table's ``liquidation_events``."""
    p = gen.write_csv(tmp_path / "okx.csv", gen.okx_liquidations())
    with pytest.raises(InputError, match=r"which holds liquidations$") as exc:
        read_file(p, kind="funding")
    assert "liquidation_events" not in str(exc.value) and exc.value.param == "kind"
    with pytest.raises(InputError, match=r"which holds liquidations$"):
        read_file(p, funding_units="percent")


@pytest.mark.parametrize(
    ("frame", "fixed", "given"),
    [("okx_liquidations", "okx", "bybit"), ("metrics", "binance", "okx")],
    ids=["okx-orders", "binance-metrics"],
)
def test_a_venues_own_layout_refuses_another_venue(
    tmp_path: Path, gen, frame: str, fixed: str, given: str
) -> None:
    """OKX's orders in OKX's contracts were stored as bybit's under ``venue="bybit"``:
    every layout that fixes its venue refuses another, naming the file and that venue;
    the same venue in any case is its own label."""
    p = gen.write_csv(tmp_path / f"{frame}.csv", getattr(gen, frame)())
    with pytest.raises(
        InputError, match=f"venue {given}: the file is .* whose venue is {fixed}"
    ) as exc:
        read_file(p, venue=given)
    assert (exc.value.file, exc.value.param) == (str(p), "venue")
    assert {s.venue for s in read_file(p, venue=fixed.upper())} == {fixed}
    assert {s.venue for s in read_file(p)} == {fixed}


def test_a_venue_free_layout_takes_any_venue(tmp_path: Path, gen) -> None:
    """Klines fix no venue (other venues export the same columns): any label is kept."""
    p = gen.write_csv(tmp_path / "ETHUSDT-1h.csv", gen.bars(24, step="1h"))
    assert {s.venue for s in read_file(p, venue="bybit")} == {"bybit"}


def test_cli_refuses_another_venue_for_okx_orders(tmp_path: Path, gen, cli) -> None:
    p = gen.write_csv(tmp_path / "okx.csv", gen.okx_liquidations())
    store = tmp_path / "s.duckdb"
    r = cli("data", "ingest", str(p), "--venue", "bybit", "--store", str(store))
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith(f"error: {p}: --venue bybit: the file is OKX")
    assert lines[0].endswith(
        "whose venue is okx (its sizes are that venue's): leave it out or give okx"
    )
    assert not store.exists()  # refused before the store is opened


def test_okx_qty_is_the_decimal_product(tmp_path: Path, gen) -> None:
    """12 contracts x 0.1 ETH was stored as 1.2000000000000002 (a float product's noise):
    qty is rounded to QTY_DIGITS significant digits, the decimal product itself."""
    df = gen.okx_liquidations().assign(sz=[12, 3, 7, 40])
    series = read_file(gen.write_csv(tmp_path / "okx.csv", df), symbol="ETH-USDT-SWAP")
    assert 12 * 0.1 != 1.2  # the noise the rounding removes
    assert [repr(q) for q in series[0].frame["qty"]] == ["1.2", "0.3", "0.7"]


@pytest.mark.parametrize(
    "x", [1.2000000000000002, 0.30000000000000004, 123456.789, 1.5e-7 * 3, 7e13 / 3, -0.7, 0.0]
)
def test_significant_digits_are_the_formatted_decimal(x: float) -> None:
    """Rounding by scaling gives the float nearest the 12-digit decimal (``%.12g``)."""
    from liqcascade.data._layouts import QTY_DIGITS, _significant

    got = _significant(pd.Series([x, np.nan, np.inf]))
    assert got.iloc[0] == float(f"{x:.{QTY_DIGITS}g}")  # exact: the same float, by design
    assert np.isnan(got.iloc[1]) and got.iloc[2] == np.inf
