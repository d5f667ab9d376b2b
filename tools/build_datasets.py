"""Convert the team's real market data into the package's bundled Parquet files.

Run from the repository root with the shared data folder beside it::

    python tools/build_datasets.py ../shared/data

This is a maintainer's tool: nothing in the package or its tests reads the shared
folder. It writes ``src/liqcascade/data/bundled/_files/<name>.parquet`` (zstd) in the
canonical layouts of docs/design.md ("Canonical data"), one file per dataset named in
``liqcascade.data.bundled._registry``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade.data._layouts import COINGLASS_FUNDING_HOURS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "liqcascade" / "data" / "bundled" / "_files"


def _utc(s: pd.Series, unit: str | None = None) -> pd.Series:
    if unit:
        return pd.to_datetime(s, unit=unit, utc=True)
    return pd.to_datetime(s, utc=True, format="mixed")


def _ohlcv(df: pd.DataFrame, ts: pd.Series, extra: dict[str, str] | None = None) -> pd.DataFrame:
    cols = {c.lower(): c for c in df.columns}
    out = pd.DataFrame(
        {
            "ts": ts.values,
            "open": df[cols["open"]].astype("float64").values,
            "high": df[cols["high"]].astype("float64").values,
            "low": df[cols["low"]].astype("float64").values,
            "close": df[cols["close"]].astype("float64").values,
            "volume": df[cols["volume"]].astype("float64").values,
        }
    )
    for new, old in (extra or {}).items():
        out[new] = df[old].astype("float64").values
    return out.sort_values("ts").drop_duplicates("ts", keep="last").reset_index(drop=True)


def _write(name: str, df: pd.DataFrame) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    df.to_parquet(OUT / f"{name}.parquet", compression="zstd", compression_level=9, index=False)
    print(
        f"{name:32s} {len(df):>8d} rows  {(OUT / f'{name}.parquet').stat().st_size / 1e3:8.1f} kB"
    )


def build(src: Path) -> None:
    p = src / "prices"
    d = src / "derivatives"
    # --- prices -------------------------------------------------------------------
    for asset in ("ETH", "BTC"):
        df = pd.read_csv(p / f"{asset}USDT_1d_binance_spot.csv.gz")
        _write(f"{asset.lower()}_1d", _ohlcv(df, _utc(df["timestamp"])))
        df = pd.read_csv(p / f"{asset}USDT_1h_binance_spot.csv.gz")
        _write(f"{asset.lower()}_1h", _ohlcv(df, _utc(df["ts"])))
    df = pd.read_csv(p / "ETHUSDT_30m_binance_spot.csv.gz")
    _write("eth_30m", _ohlcv(df, _utc(df["timestamp"])))
    df = pd.read_csv(p / "ETHUSDT_1h_binance_usdm_perp_2020-2024.csv.gz")
    _write("eth_perp_1h", _ohlcv(df, _utc(df["Date"])))
    df = pd.read_csv(p / "ETHUSDT_5m_binance_2022-06-15_2022-07-19.csv.gz")
    _write("eth_5m_2022_06", _ohlcv(df, _utc(df["timestamp"])))
    df = pd.read_csv(p / "ETHUSDT_1m_binance_2022-12-01_2023-01-04.csv.gz")
    _write("eth_1m_2022_12", _ohlcv(df, _utc(df["timestamp"])))
    df = pd.read_csv(p / "ETHUSDT_5m_binance_spot_2025-08-19_2025-09-21.csv.gz")
    _write(
        "eth_5m_2025_08",
        _ohlcv(
            df,
            _utc(df["Open time"]),
            {
                "quote_volume": "Quote asset volume",
                "trades": "Number of trades",
                "taker_buy_volume": "Taker buy base asset volume",
            },
        ),
    )
    df = pd.read_csv(p / "ETHUSDT_15m_bybit_perp_2025-10-07_2025-10-17.csv.gz")
    _write("eth_bybit_15m_2025_10", _ohlcv(df, _utc(df["timestamp"]), {"quote_volume": "turnover"}))
    df = pd.read_parquet(p / "perp_1h_by_venue_2025-03_2026-03.parquet")
    out = pd.DataFrame(
        {
            "ts": df["timestamp"].dt.tz_convert("UTC"),
            "venue": df["venue"].astype(str),
            "asset": df["coin"].astype(str),
            "open": df["o"],
            "high": df["h"],
            "low": df["l"],
            "close": df["c"],
            "volume": df["v"],
        }
    ).sort_values(["venue", "asset", "ts"])
    _write("perp_1h_by_venue", out.reset_index(drop=True))

    # --- CoinGlass (4h / 8h, 2024-11 -> 2025-07) ----------------------------------
    build_coinglass(d, "ETH")
    # ETH's extras: volume-weighted and per-venue funding, spot taker flow
    _write(
        "eth_funding_4h_volume_weighted",
        _funding(_cg(d / "coinglass_ETH_4h_funding_volume_weighted.csv.gz")),
    )
    frames = []
    for venue in ("binance", "bybit", "okx", "hyperliquid"):
        # the venue's own interval (Hyperliquid: its hourly rate, sampled every 8 h)
        hours = COINGLASS_FUNDING_HOURS.get(venue, 8.0)
        f = _funding(_cg(d / f"coinglass_ETH_8h_funding_{venue}.csv.gz"), hours=hours)
        f.insert(1, "venue", venue)
        frames.append(f)
    _write("eth_funding_8h_by_venue", pd.concat(frames, ignore_index=True))
    df = _cg(d / "coinglass_ETH_4h_spot_taker_buy_sell.csv.gz")
    _write(
        "eth_spot_taker_4h",
        pd.DataFrame(
            {
                "ts": df["ts"],
                "buy_usd": df["aggregated_buy_volume_usd"],
                "sell_usd": df["aggregated_sell_volume_usd"],
            }
        ),
    )

    # --- Coinalyze coin-margined open interest (daily) ----------------------------
    df = pd.read_csv(d / "coinalyze_binance_coinm_open_interest_1d.csv.gz")
    _write(
        "coinm_oi_1d",
        pd.DataFrame(
            {
                "ts": _utc(df["timestamp"], unit="s"),
                "asset": df["coin_symbol"].astype(str),
                "symbol": df["symbol"].astype(str),
                "oi_usd": df["oi_close"].astype(float),
                "oi_open_usd": df["oi_open"].astype(float),
                "oi_high_usd": df["oi_high"].astype(float),
                "oi_low_usd": df["oi_low"].astype(float),
            }
        )
        .sort_values(["asset", "ts"])
        .reset_index(drop=True),
    )

    # --- funding histories -----------------------------------------------------------
    frames = []
    for venue in ("binance", "bybit", "dydx", "gate", "htx", "kucoin", "mexc"):
        df = pd.read_csv(d / f"funding_ETHUSDT_{venue}_2020-2023.csv.gz")
        ts = _utc(df["Date"])
        step = ts.sort_values().diff().dt.total_seconds().median() / 3600.0
        frames.append(
            pd.DataFrame(
                {
                    "ts": ts,
                    "venue": venue,
                    "rate": df["Funding Rate"].astype(float),
                    "interval_hours": float(round(step)),
                }
            )
            .sort_values("ts")
            .drop_duplicates("ts", keep="last")
        )
    _write("eth_funding_2020_2023", pd.concat(frames, ignore_index=True))
    df = pd.read_parquet(d / "funding_by_venue_2025-03_2026-03.parquet")
    df = df.sort_values(["venue", "coin", "timestamp"])
    step = df.groupby(["venue", "coin"])["timestamp"].transform(
        lambda s: s.diff().dt.total_seconds().median() / 3600.0
    )
    _write(
        "funding_by_venue_2025",
        pd.DataFrame(
            {
                "ts": df["timestamp"].dt.tz_convert("UTC"),
                "venue": df["venue"].astype(str),
                "asset": df["coin"].astype(str),
                "rate": df["funding_rate"].astype(float),
                "interval_hours": np.round(step).astype(float),
            }
        ).reset_index(drop=True),
    )

    # --- liquidations: Hyperliquid daily ---------------------------------------------
    df = pd.read_csv(src / "liquidations" / "hyperliquid_daily_liquidated_notional_ETH_BTC.csv.gz")
    _write(
        "hyperliquid_liquidations_1d",
        pd.DataFrame(
            {
                "ts": _utc(df["time"]),
                "asset": df["coin"].astype(str),
                "liquidated_usd": df["daily_notional_liquidated"].astype(float),
            }
        )
        .sort_values(["asset", "ts"])
        .reset_index(drop=True),
    )

    # --- DeFi -----------------------------------------------------------------------
    f = src / "defi"
    for name in (
        "aave_wbtc_liquidations",
        "aave_wbtc_collateral_liquidations",
        "aave_wbtc_collateral_open_positions",
        "aave_wbtc_collateral_accounts",
        "aave_wbtc_price_history",
    ):
        _write(name, pd.read_parquet(f / f"{name}.parquet"))
    df = pd.read_csv(f / "compound_v3_liquidations.csv.gz")
    df.insert(0, "ts", _utc(df["timestamp"], unit="s"))
    _write("compound_v3_liquidations", df.sort_values("ts").reset_index(drop=True))
    df = pd.read_csv(f / "chainlink_ETHUSD_daily.csv.gz")
    _write(
        "chainlink_eth_usd_1d",
        pd.DataFrame(
            {
                "ts": _utc(df["update_block_time_utc"]),
                "date": pd.to_datetime(df["date_utc"]).dt.tz_localize("UTC"),
                "price": df["eth_price_usd"].astype(float),
                "round_id": df["round_id"].astype(str),
            }
        ),
    )
    shutil.copy(f / "aave_v3_reserve_params_2025-10-23.json", OUT / "aave_v3_reserve_params.json")
    print("aave_v3_reserve_params.json copied")
    build_btc_derivatives(d)
    build_positions(src / "positions")
    build_collateral(src / "collateral")


def _cg(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    df["ts"] = _utc(df["time"], unit="ms")
    return df.sort_values("ts").drop_duplicates("ts", keep="last").reset_index(drop=True)


def _funding(df: pd.DataFrame, hours: float = 8.0) -> pd.DataFrame:
    """CoinGlass funding OHLC in percent per ``hours`` -> a fraction per that interval.

    The bar's close. CoinGlass quotes each venue's rate per the venue's own funding
    interval: 8 h for the aggregates, Binance, Bybit and OKX; 1 h for Hyperliquid, which
    pays hourly (its 0.00125 % is Hyperliquid's hourly baseline, not 0.00125 % per 8 h: on
    2025-03-08 -> 2025-07-31 these rows equal Hyperliquid's own hourly rates, median
    ratio 1.00, in funding_by_venue_2025-03_2026-03.parquet).
    """
    return pd.DataFrame(
        {"ts": df["ts"], "rate": df["close"].astype(float) / 100.0, "interval_hours": hours}
    )


def _book_totals(df: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """Order-book totals near mid: USD and base quantity per side."""
    return pd.DataFrame(
        {
            "ts": df["ts"],
            "bids_usd": df[f"{prefix}bids_usd"].astype(float),
            "bids_base": df[f"{prefix}bids_quantity"].astype(float),
            "asks_usd": df[f"{prefix}asks_usd"].astype(float),
            "asks_base": df[f"{prefix}asks_quantity"].astype(float),
        }
    )


def build_coinglass(d: Path, asset: str) -> None:
    """The CoinGlass series every derivatives asset has, in one layout (ETH, BTC).

    Liquidations (Binance), open interest (all venues; stablecoin- and coin-margined),
    OI-weighted funding, futures and spot order-book totals, futures taker flow.
    """
    a, low = asset.upper(), asset.lower()
    df = _cg(d / f"coinglass_{a}_4h_liquidations_binance.csv.gz")
    _write(
        f"{low}_liquidations_4h",
        pd.DataFrame(
            {
                "ts": df["ts"],
                "long_usd": df["aggregated_long_liquidation_usd"].astype(float),
                "short_usd": df["aggregated_short_liquidation_usd"].astype(float),
            }
        ),
    )
    for suffix, kind in (
        ("", "all_venues_usd"),
        ("_stablecoin", "stablecoin_margined"),
        ("_coin", "coin_margined"),
    ):
        df = _cg(d / f"coinglass_{a}_4h_open_interest_{kind}.csv.gz")
        _write(
            f"{low}_oi_4h{suffix}",
            pd.DataFrame(
                {
                    "ts": df["ts"],
                    "oi_usd": df["close"].astype(float),
                    "oi_open_usd": df["open"].astype(float),
                    "oi_high_usd": df["high"].astype(float),
                    "oi_low_usd": df["low"].astype(float),
                }
            ),
        )
    _write(
        f"{low}_funding_4h_oi_weighted",
        _funding(_cg(d / f"coinglass_{a}_4h_funding_oi_weighted.csv.gz")),
    )
    df = _cg(d / f"coinglass_{a}_8h_futures_orderbook_bids_asks_usd.csv.gz")
    _write(f"{low}_futures_book_8h", _book_totals(df, "aggregated_"))
    df = _cg(d / f"coinglass_{a}_4h_spot_orderbook_bids_asks_usd.csv.gz")
    _write(f"{low}_spot_book_4h", _book_totals(df))
    df = _cg(d / f"coinglass_{a}_4h_taker_buy_sell.csv.gz")
    _write(f"{low}_taker_4h", _taker_usd(df, _bar_closes(low, "4h")))


def _bar_closes(low: str, interval: str) -> pd.Series:
    """Close of each bar (USDT per coin), from the bundled Binance spot hourly klines.

    A bar's close is the close of its last hour (the 4-hour bar at 08:00 closes with the
    hour opening at 11:00). Read from the 1 h file this script wrote before.
    """
    px = pd.read_parquet(OUT / f"{low}_1h.parquet")
    close = px.set_index(pd.to_datetime(px["ts"], utc=True))["close"]
    return close.resample(interval).last()


def _taker_usd(df: pd.DataFrame, closes: pd.Series) -> pd.DataFrame:
    """CoinGlass futures taker buy/sell volume in USD: the file's coin units x the close.

    CoinGlass's ``taker_*_volume_usd`` columns hold base-coin units, not USD, despite
    their names (docs/data.md, "Taker volume units"; BTC's converted 4-hour series
    agrees with CoinGlass's own daily USD series, ``btc_taker_1d``). Each 4-hour bar is
    converted at its close; a row without the pair (BTC's daily rows) stays empty.
    """
    close = closes.reindex(pd.DatetimeIndex(df["ts"])).to_numpy()
    buy = df["taker_buy_volume_usd"].astype(float).to_numpy()
    sell = df["taker_sell_volume_usd"].astype(float).to_numpy()
    has = ~np.isnan(buy) | ~np.isnan(sell)
    if np.isnan(close[has]).any():
        raise SystemExit("taker: a bar with taker volume has no close to convert it at")
    return pd.DataFrame({"ts": df["ts"], "buy_usd": buy * close, "sell_usd": sell * close})


def build_btc_derivatives(d: Path) -> None:
    """BTC's CoinGlass series (as ETH's), Binance's own BTCUSDT book, long/short ratios."""
    build_coinglass(d, "BTC")
    # the BTC taker file's other series: CoinGlass's daily futures taker volume in USD
    df = _cg(d / "coinglass_BTC_4h_taker_buy_sell.csv.gz")
    daily = df[df["aggregated_buy_volume_usd"].notna() | df["aggregated_sell_volume_usd"].notna()]
    _write(
        "btc_taker_1d",
        pd.DataFrame(
            {
                "ts": daily["ts"],
                "buy_usd": daily["aggregated_buy_volume_usd"].astype(float),
                "sell_usd": daily["aggregated_sell_volume_usd"].astype(float),
            }
        ).reset_index(drop=True),
    )
    df = _cg(d / "coinglass_BTCUSDT_4h_binance_futures_orderbook_bids_asks_usd.csv.gz")
    _write("btc_binance_book_4h", _book_totals(df))
    # long/short ratios: percent of accounts (or of top traders' positions) long
    parts = []
    for col, fname, pre in (
        ("global_account_long_pct", "global_long_short_account_ratio", "global_account"),
        ("top_account_long_pct", "top_trader_long_short_account_ratio", "top_account"),
        ("top_position_long_pct", "top_trader_long_short_position_ratio", "top_position"),
    ):
        df = _cg(d / f"coinglass_BTCUSDT_4h_binance_{fname}.csv.gz")
        parts.append(df.set_index("ts")[f"{pre}_long_percent"].astype(float).rename(col))
    _write("btc_long_short_4h", pd.concat(parts, axis=1).sort_index().reset_index())


def build_positions(f: Path) -> None:
    """Hyperliquid leaderboard accounts' positions and market snapshots (Feb 2026)."""
    df = pd.read_csv(f / "hyperliquid_leaderboard_positions_ETH_BTC_2026-02.csv.gz")
    _write(
        "hyperliquid_positions_2026_02",
        pd.DataFrame(
            {
                "ts": _utc(df["snapshot_utc"]),
                "address": df["address"].astype(str),
                "account_value": df["account_value"].astype(float),
                "asset": df["coin"].astype(str),
                "side": df["side"].str.lower().astype(str),
                "size": df["size"].astype(float),
                "entry_price": df["entry_px"].astype(float),
                "leverage": df["leverage"].astype(float),
                "position_value": df["position_value"].astype(float),
                "mark_price": df["mark_px_implied"].astype(float),
                "unrealized_pnl": df["unrealized_pnl"].astype(float),
                "liq_price": pd.to_numeric(df["liquidation_px"], errors="coerce"),
            }
        )
        .sort_values(["ts", "asset", "address"])
        .reset_index(drop=True),
    )
    df = pd.read_csv(f / "hyperliquid_markets_ETH_BTC_2026-02.csv.gz")
    _write(
        "hyperliquid_markets_2026_02",
        pd.DataFrame(
            {
                "ts": _utc(df["snapshot_utc"]),
                "asset": df["coin"].astype(str),
                "mark_price": df["mark_px"].astype(float),
                "index_price": df["index_px"].astype(float),
                "oi_usd": df["open_interest_usd"].astype(float),
                "oi_base": df["open_interest_coins"].astype(float),
                "funding_pct_1h": df["funding_pct"].astype(float),
                "volume_24h_usd": df["volume24h"].astype(float),
                "max_leverage": df["max_leverage"].astype(float),
            }
        )
        .sort_values(["ts", "asset"])
        .reset_index(drop=True),
    )


def build_collateral(f: Path) -> None:
    """Binance USDe/USDT minute bars (crash window held back) and Aave Horizon's RWA table."""
    df = pd.read_csv(f / "USDEUSDT_1m_binance_2025-09-09_2026-01-15_gap.csv.gz")
    _write("usde_1m", _ohlcv(df, _utc(df["ts"])))
    shutil.copy(f / "aave_horizon_rwa_params.csv", OUT / "aave_horizon_rwa_params.csv")
    print("aave_horizon_rwa_params.csv copied")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
