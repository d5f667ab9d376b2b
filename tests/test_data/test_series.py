"""load_series: --data FILE, else the store (if it holds the series), else the bundled data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.data import Store, base_asset, bundled_name, load_series, read_file
from liqcascade.errors import InputError

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"


def coinglass_oi(path: Path, start: str, n: int, seed: int = 3) -> pd.DataFrame:
    """A CoinGlass-layout OI file for a period the bundle lacks (2025-09)."""
    rng = np.random.default_rng(seed)
    t = pd.date_range(start, periods=n, freq="4h", tz="UTC")
    close = 3e10 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[3e10, close[:-1]]
    df = pd.DataFrame(
        {
            "datetime_utc": t.astype(str),
            "time": pd.DatetimeIndex(t).as_unit("ms").asi8,
            "open": open_.round(0),
            "high": (np.maximum(open_, close) * 1.001).round(0),
            "low": (np.minimum(open_, close) * 0.999).round(0),
            "close": close.round(0),
            "snapshot": 20251001,
        }
    )
    df.to_csv(path, index=False, compression="gzip")
    return df


def test_bundled_when_no_store(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LIQCASCADE_STORE", str(tmp_path / "absent.duckdb"))
    df = load_series("ohlcv", asset="ETH", interval="1d", end="2017-08-31")
    assert df.attrs["source"] == "bundled:eth_1d"
    pd.testing.assert_frame_equal(
        df, datasets.load_ohlcv("ETH", "1d", end="2017-08-31"), check_freq=False
    )
    assert not (tmp_path / "absent.duckdb").exists()  # reading never creates a store
    assert load_series("open_interest").attrs["source"] == "bundled:eth_oi_4h"
    assert load_series("liquidations").attrs["source"] == "bundled:eth_liquidations_4h"
    assert load_series("funding").attrs["source"] == "bundled:eth_funding_4h_oi_weighted"
    f = load_series("funding", venue="binance", end="2020-01-02")
    assert f["rate"].iloc[0] == pytest.approx(0.0001) and f.attrs["venue"] == "binance"
    h = load_series("liquidations", interval="1d", venue="hyperliquid", end="2023-06-14")
    assert h["total_usd"].iloc[0] == pytest.approx(59788.87760299999)


def test_bundled_names() -> None:
    assert bundled_name("ohlcv", "BTC", "1h") == "btc_1h"
    assert bundled_name("ohlcv", "ETH", "1h", "binance-usdm") == "eth_perp_1h"
    assert bundled_name("open_interest", "ETH") == "eth_oi_4h"
    assert bundled_name("ohlcv", "ETH", "2h") is None


def test_store_precedes_bundled(tmp_path: Path) -> None:
    src = tmp_path / "oi.csv.gz"
    raw = coinglass_oi(src, "2025-09-01", 30)
    store = tmp_path / "s.duckdb"
    with Store(store) as s:
        s.ingest(read_file(src, venue="coinglass"))
    df = load_series("open_interest", asset="ETH", interval="4h", start="2025-09-01", store=store)
    assert df.attrs["source"] == f"store:{store}"
    assert df.attrs["venue"] == "coinglass"
    np.testing.assert_allclose(df["oi_usd"].to_numpy(), raw["close"].to_numpy())
    assert df.index[0] == pd.Timestamp("2025-09-01", tz="UTC")
    # over all time the stored rows extend the bundled series (D20)
    full = load_series("open_interest", asset="ETH", interval="4h", store=store)
    bundled = load_series("open_interest", asset="ETH", interval="4h", store=False)
    assert full.attrs["source"] == f"store:{store} + bundled:eth_oi_4h"
    assert len(full) == len(bundled) + 30 and full.index.is_monotonic_increasing
    assert str(df.index.dtype) == "datetime64[us, UTC]" and df.index.name == "ts"
    # inclusive date end
    d = load_series("open_interest", store=store, start="2025-09-02", end="2025-09-02")
    assert len(d) == 6
    # a period the store does not cover falls back to the bundled data
    old = load_series("open_interest", store=store, start="2025-01-01", end="2025-01-31")
    assert old.attrs["source"] == "bundled:eth_oi_4h" and len(old) == 186
    # another asset does not match ETH
    with pytest.raises(InputError, match="no open_interest SOL 4h data"):
        load_series("open_interest", asset="SOL", interval="4h", store=store)


def test_default_store_from_env(tmp_path: Path, monkeypatch) -> None:
    store = tmp_path / "env.duckdb"
    with Store(store) as s:
        s.ingest(read_file(INGEST / "ETHUSDT_1h_binance_spot.csv.gz", venue="binance"))
    monkeypatch.setenv("LIQCASCADE_STORE", str(store))
    df = load_series("ohlcv", interval="1h", start="2023-12-30", end="2023-12-31")
    assert df.attrs["source"].startswith(f"store:{store}")
    stored = read_file(INGEST / "ETHUSDT_1h_binance_spot.csv.gz", venue="binance")[0]
    assert set(stored.frame["ts"][stored.frame["ts"] < "2024-01-01"]) <= set(df.index)
    assert load_series("ohlcv", interval="1h", store=False).attrs["source"] == "bundled:eth_1h"


def test_data_file_first(tmp_path: Path) -> None:
    src = tmp_path / "oi.csv.gz"
    raw = coinglass_oi(src, "2025-09-01", 12)
    store = tmp_path / "s.duckdb"
    other = tmp_path / "o.csv.gz"
    coinglass_oi(other, "2025-09-01", 12, seed=9)
    with Store(store) as s:
        s.ingest(read_file(other))
    df = load_series("open_interest", data_file=src, store=store)
    assert df.attrs["source"] == f"file:{src}"
    np.testing.assert_allclose(df["oi_usd"].to_numpy(), raw["close"].to_numpy())
    with pytest.raises(InputError, match=r"missing required ohlcv column: volume"):
        load_series("ohlcv", data_file=src)
    with pytest.raises(InputError, match="which holds liquidations"):
        load_series("funding", data_file=INGEST / "coinglass_ETH_4h_liquidations_binance.csv.gz")
    with pytest.raises(InputError, match="no such file"):
        load_series("ohlcv", data_file=tmp_path / "missing.csv")


def test_data_file_multi_series_filtered() -> None:
    df = load_series(
        "ohlcv",
        asset="BTC",
        venue="bybit",
        interval="1h",
        data_file=INGEST / "perp_1h_by_venue_2025-03_2026-03.parquet",
    )
    assert df.attrs["venue"] == "bybit" and df.attrs["symbol"] == "BTC"
    assert df["close"].iloc[0] > 50_000


def test_nothing_anywhere_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no depth ETH data"):
        load_series("depth", store=False)
    with pytest.raises(InputError, match=r"^store: .*no such store") as e:
        load_series("ohlcv", store="/nonexistent/x.duckdb")
    assert e.value.param == "store"


@pytest.mark.parametrize(
    ("symbol", "base"),
    [
        ("ETHUSDT", "ETH"),
        ("ETH/USDT:USDT", "ETH"),
        ("ETH-USDT", "ETH"),
        ("ETHUSD_PERP.A", "ETH"),
        ("BTC", "BTC"),
        ("ETHFI/USDT", "ETHFI"),
        ("BTCUSDC", "BTC"),
    ],
)
def test_base_asset(symbol: str, base: str) -> None:
    assert base_asset(symbol) == base


def test_cli_coinglass_layouts_with_kind_feed_load_series(cli, tmp_path: Path) -> None:
    # issue 10: CoinGlass liquidation and OI OHLC history via `data ingest --kind ...`
    store = tmp_path / "s.duckdb"
    oi = tmp_path / "oi.csv.gz"
    raw = coinglass_oi(oi, "2025-09-01", 18)
    liq = tmp_path / "liq.csv"
    t = pd.date_range("2025-09-01", periods=18, freq="4h", tz="UTC")
    pd.DataFrame(
        {
            "datetime_utc": t.astype(str),
            "time": pd.DatetimeIndex(t).as_unit("ms").asi8,
            "aggregated_long_liquidation_usd": np.arange(18) * 1000.0,
            "aggregated_short_liquidation_usd": np.arange(18) * 10.0,
            "snapshot": 20251001,
        }
    ).to_csv(liq, index=False)
    r1 = cli("data", "ingest", str(oi), "--kind", "open_interest", "--store", str(store), "--json")
    r2 = cli("data", "ingest", str(liq), "--kind", "liquidations", "--store", str(store), "--json")
    assert (r1.exit_code, r2.exit_code) == (0, 0), r1.stderr + r2.stderr
    assert r1.json()["rows_added"] == 18 and r2.json()["rows_added"] == 18
    o = load_series("open_interest", store=store, start="2025-09-01", end="2025-09-03")
    lq = load_series("liquidations", store=store, start="2025-09-01", end="2025-09-03")
    assert o.attrs["source"].startswith("store:") and lq.attrs["source"].startswith("store:")
    np.testing.assert_allclose(o["oi_high_usd"].to_numpy(), raw["high"].to_numpy())
    assert lq["long_usd"].sum() == 1000.0 * sum(range(18))
    assert lq["short_usd"].iloc[-1] == 170.0


def test_store_merges_with_bundled_rows(tmp_path: Path) -> None:
    """D20: a small stored series extends the bundled one; stored rows win on overlap."""
    store = tmp_path / "s.duckdb"
    series = read_file(INGEST / "ETHUSDT_1h_binance_spot.csv.gz", venue="binance")[0]
    frame = series.frame.copy()
    frame.loc[0, ["open", "high", "low", "close"]] *= 1.01  # a revised first bar
    series.frame = frame
    with Store(store) as s:
        s.ingest([series])
    bundled = load_series("ohlcv", interval="1h", store=False)
    merged = load_series("ohlcv", interval="1h", store=store)
    assert merged.attrs["source"] == f"store:{store} + bundled:eth_1h"
    assert merged.index.is_unique and merged.index.is_monotonic_increasing
    assert set(bundled.index) <= set(merged.index)  # every bundled bar kept
    assert len(merged) == len(bundled.index.union(pd.DatetimeIndex(frame["ts"])))
    t0 = pd.Timestamp(frame["ts"].iloc[0])
    assert merged.loc[t0, "close"] == frame["close"].iloc[0]  # the stored row wins
    later = bundled.index[bundled.index > "2025-01-01"]
    pd.testing.assert_frame_equal(merged.loc[later], bundled.loc[later], check_freq=False)


def test_data_file_sorted_with_one_warning(tmp_path: Path, gen, caplog) -> None:
    """E26: --data files (vol, support-study) with unsorted or agreeing duplicate rows
    are sorted / de-duplicated with one warning line each, as `data ingest` does."""
    df = gen.bars(20, seed=5)
    src = gen.write_csv(tmp_path / "o.csv", pd.concat([df.iloc[10:], df.iloc[:10], df.iloc[[3]]]))
    with caplog.at_level("WARNING", logger="liqcascade.data"):
        out = load_series("ohlcv", interval="1h", data_file=src)
    assert out.index.is_monotonic_increasing and out.index.is_unique and len(out) == 20
    msgs = [r.getMessage() for r in caplog.records]
    assert msgs == [
        f"warning: {src}: timestamps were not sorted; sorted them",
        f"warning: {src}: dropped 1 duplicate row that agrees",
    ]
    assert out.attrs["warnings"] == [m.removeprefix("warning: ") for m in msgs]


@pytest.mark.parametrize(
    ("bounds", "message", "params"),
    [
        ({"start": "nope"}, "start: not a date or time: 'nope'", ("start",)),
        ({"end": "2025-13-40"}, "end: not a date or time: '2025-13-40'", ("end",)),
        ({"start": " "}, "start is empty: give a date (YYYY-MM-DD) or a UTC time", ("start",)),
        ({"start": "2025-01-01", "end": "2024-01-01"},
         "start (2025-01-01) is after end (2024-01-01)", ("start", "end")),
        ({"start": "2025-01-01 12:00", "end": "2025-01-01 11:00"},
         "start (2025-01-01 12:00) is after end (2025-01-01 11:00)", ("start", "end")),
    ],
)  # fmt: skip
def test_bad_bounds_are_input_errors(bounds: dict, message: str, params: tuple) -> None:
    # pandas' DateParseError, and an empty frame for start > end, before
    with pytest.raises(InputError) as e:
        load_series("ohlcv", asset="ETH", store=False, **bounds)
    assert str(e.value) == message and e.value.params == params


def test_a_date_only_end_still_includes_its_day() -> None:
    df = load_series("ohlcv", asset="ETH", interval="1h", start="2024-01-01 12:00",
                     end="2024-01-01", store=False)  # fmt: skip
    assert len(df) == 12 and df.index[-1] == pd.Timestamp("2024-01-01 23:00", tz="UTC")
