"""The bundled datasets: file, kind, provenance and caveats of each.

Every file under ``_files/`` was converted from real market data by
``tools/build_datasets.py``; nothing is synthetic. Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    """Metadata of one bundled dataset.

    Parameters
    ----------
    name : str
        Loader name, e.g. ``"eth_1h"``.
    kind : str
        Canonical frame kind: ``ohlcv``, ``open_interest``, ``funding``,
        ``liquidations``, ``book_totals``, ``taker``, ``defi`` or ``reference``.
    asset : str
        Base asset (``ETH``, ``BTC``) or ``multi``.
    interval : str
        Bar interval (``1d``, ``4h``, ``1h``...) or ``events`` / ``snapshot``.
    venue : str
        Venue the data describes.
    source : str
        Where the data was collected from, and the original file name.
    range : str
        First and last timestamp as documented.
    units : str
        Units of the value columns.
    caveats : str
        What the user must know before trusting a figure built on it.
    """

    name: str
    kind: str
    asset: str
    interval: str
    venue: str
    source: str
    range: str
    units: str
    caveats: str = ""

    @property
    def file(self) -> str:
        """File name inside the package's ``_files`` folder."""
        return f"{self.name}.parquet"


_CG = (
    "CoinGlass API, merged from daily snapshots (latest snapshot wins); CoinGlass revises "
    "old bars by up to ~15 %"
)
COINGLASS_SOURCE = _CG
"""The source every CoinGlass series shares, with its caveat (the report says it once)."""

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "eth_1d",
            "ohlcv",
            "ETH",
            "1d",
            "binance-spot",
            "Binance spot klines (ETHUSDT_1d_binance_spot.csv.gz)",
            "2017-08-17 -> 2025-12-31",
            "price USDT, volume ETH",
            "3,059 rows, no gaps; checked: 2022-06-18 low 881.6 close 995.1; "
            "2025-10-10 open 4,368 low 3,435 close 3,829.7",
        ),
        Dataset(
            "btc_1d",
            "ohlcv",
            "BTC",
            "1d",
            "binance-spot",
            "Binance spot klines (BTCUSDT_1d_binance_spot.csv.gz)",
            "2017-08-17 -> 2025-12-31",
            "price USDT, volume BTC",
            "no gaps",
        ),
        Dataset(
            "eth_1h",
            "ohlcv",
            "ETH",
            "1h",
            "binance-spot",
            "Binance spot klines merged from three public collections "
            "(ETHUSDT_1h_binance_spot.csv.gz)",
            "2017-08-17 -> 2026-03-31",
            "price USDT, volume ETH",
            "29 gaps (exchange outages) incl. a 28 h seam 2023-12-30 21:00 -> "
            "2023-12-31 23:00; rolls up to the daily file within 0.5 %",
        ),
        Dataset(
            "btc_1h",
            "ohlcv",
            "BTC",
            "1h",
            "binance-spot",
            "Binance spot klines (BTCUSDT_1h_binance_spot.csv.gz)",
            "2021-04-04 -> 2026-03-31",
            "price USDT, volume BTC",
            "merged collections",
        ),
        Dataset(
            "eth_30m",
            "ohlcv",
            "ETH",
            "30m",
            "binance-spot",
            "Binance spot klines (ETHUSDT_30m_binance_spot.csv.gz)",
            "2024-01-01 -> 2026-03-31",
            "price USDT, volume ETH",
            "covers 2025-08-24 and 2025-10-10",
        ),
        Dataset(
            "eth_perp_1h",
            "ohlcv",
            "ETH",
            "1h",
            "binance-usdm",
            "Binance USD-M perpetual klines (ETHUSDT_1h_binance_usdm_perp_2020-2024.csv.gz)",
            "2020-01-01 -> 2024-04-18",
            "price USDT, volume ETH",
            "perpetual, not spot",
        ),
        Dataset(
            "eth_5m_2022_06",
            "ohlcv",
            "ETH",
            "5m",
            "binance-spot",
            "Binance klines (ETHUSDT_5m_binance_2022-06-15_2022-07-19.csv.gz)",
            "2022-06-15 -> 2022-07-19",
            "price USDT, volume ETH",
            "the June 2022 crash (3AC/Celsius); the source holds 10,000 bars",
        ),
        Dataset(
            "eth_1m_2022_12",
            "ohlcv",
            "ETH",
            "1m",
            "binance-spot",
            "Binance klines (ETHUSDT_1m_binance_2022-12-01_2023-01-04.csv.gz)",
            "2022-12-01 -> 2023-01-04",
            "price USDT, volume ETH",
            "the source holds 50,000 bars",
        ),
        Dataset(
            "eth_5m_2025_08",
            "ohlcv",
            "ETH",
            "5m",
            "binance-spot",
            "Binance kline export layout (ETHUSDT_5m_binance_spot_2025-08-19_2025-09-21.csv.gz)",
            "2025-08-19 -> 2025-09-21",
            "price USDT, volume ETH, quote_volume USDT",
            "one 18 h gap on 2025-09-20",
        ),
        Dataset(
            "eth_bybit_15m_2025_10",
            "ohlcv",
            "ETH",
            "15m",
            "bybit-perp",
            "Bybit perpetual klines (ETHUSDT_15m_bybit_perp_2025-10-07_2025-10-17.csv.gz)",
            "2025-10-07 -> 2025-10-17",
            "price USDT, volume ETH, quote_volume (turnover) USD",
            "low 3,311.76 on 2025-10-10; the source holds 1,000 bars",
        ),
        Dataset(
            "perp_1h_by_venue",
            "ohlcv",
            "multi",
            "1h",
            "binance,bybit,hyperliquid,...",
            "hourly perpetual candles by venue (perp_1h_by_venue_2025-03_2026-03.parquet)",
            "2025-03-06 -> 2026-03-05",
            "price USD, volume base",
            "long frame with venue and asset columns",
        ),
        Dataset(
            "eth_liquidations_4h",
            "liquidations",
            "ETH",
            "4h",
            "binance",
            _CG + " (coinglass_ETH_4h_liquidations_binance.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "USD notional per 4 h bar",
            "Binance only, not all venues; long_usd = longs liquidated",
        ),
        Dataset(
            "eth_oi_4h",
            "open_interest",
            "ETH",
            "4h",
            "all-venues",
            _CG + " (coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz)",
            "2024-11-22 -> 2025-07-31",
            "USD; oi_usd is the bar's close",
            "aggregated across venues",
        ),
        Dataset(
            "eth_oi_4h_stablecoin",
            "open_interest",
            "ETH",
            "4h",
            "all-venues",
            _CG + " (coinglass_ETH_4h_open_interest_stablecoin_margined.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "as delivered by CoinGlass",
            "stablecoin-margined split; the unit of this series is uncertain "
            "(values ~1.4e6 suggest ETH, not USD)",
        ),
        Dataset(
            "eth_oi_4h_coin",
            "open_interest",
            "ETH",
            "4h",
            "all-venues",
            _CG + " (coinglass_ETH_4h_open_interest_coin_margined.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "USD",
            "coin-margined split",
        ),
        Dataset(
            "eth_funding_4h_oi_weighted",
            "funding",
            "ETH",
            "4h",
            "all-venues",
            _CG + " (coinglass_ETH_4h_funding_oi_weighted.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "rate: fraction per 8 h (source: percent)",
            "OI-weighted across venues; bar close",
        ),
        Dataset(
            "eth_funding_4h_volume_weighted",
            "funding",
            "ETH",
            "4h",
            "all-venues",
            _CG + " (coinglass_ETH_4h_funding_volume_weighted.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "rate: fraction per 8 h (source: percent)",
            "volume-weighted across venues; bar close",
        ),
        Dataset(
            "eth_funding_8h_by_venue",
            "funding",
            "ETH",
            "8h",
            "binance,bybit,okx,hyperliquid",
            _CG + " (coinglass_ETH_8h_funding_{venue}.csv.gz)",
            "2024-11 -> 2025-07",
            "rate: fraction per interval_hours (source: percent); 8 h, but 1 h for "
            "hyperliquid, which pays hourly (CoinGlass quotes its hourly rate, sampled "
            "every 8 h)",
            "long frame with a venue column",
        ),
        Dataset(
            "eth_futures_book_8h",
            "book_totals",
            "ETH",
            "8h",
            "all-venues",
            _CG + " (coinglass_ETH_8h_futures_orderbook_bids_asks_usd.csv.gz)",
            "2024-11-21 -> 2025-07-31",
            "USD and ETH",
            "aggregated futures bid/ask totals within CoinGlass's default range "
            "(believed +/-1 % of mid, not verified)",
        ),
        Dataset(
            "eth_spot_book_4h",
            "book_totals",
            "ETH",
            "4h",
            "all-venues",
            _CG + " (coinglass_ETH_4h_spot_orderbook_bids_asks_usd.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "USD and ETH",
            "spot; same range caveat",
        ),
        Dataset(
            "eth_taker_4h",
            "taker",
            "ETH",
            "4h",
            "all-venues",
            _CG + " (coinglass_ETH_4h_taker_buy_sell.csv.gz)",
            "2024-11-13 20:00 -> 2025-05-12 16:00",
            "USD (converted: the source's taker_*_volume_usd hold ETH, not USD)",
            "futures taker buy/sell volume, 1,080 bars, none missing; the source's columns "
            "are named *_usd but hold coin units (see btc_taker_4h): buy_usd and sell_usd are "
            "those ETH times the bar's close (Binance spot, eth_1h), the traded value to "
            "within the bar's price range; the buy/sell imbalance is the source's",
        ),
        Dataset(
            "eth_spot_taker_4h",
            "taker",
            "ETH",
            "4h",
            "all-venues",
            _CG + " (coinglass_ETH_4h_spot_taker_buy_sell.csv.gz)",
            "2024-11-21 -> 2025-07-31",
            "USD",
            "spot taker buy/sell volume",
        ),
        Dataset(
            "coinm_oi_1d",
            "open_interest",
            "multi",
            "1d",
            "binance-coinm",
            "Coinalyze (coinalyze_binance_coinm_open_interest_1d.csv.gz)",
            "2021-09-15 -> 2025-07-31",
            "USD",
            "Binance coin-margined perps ETHUSD_PERP.A and BTCUSD_PERP.A only",
        ),
        Dataset(
            "eth_funding_2020_2023",
            "funding",
            "ETH",
            "8h",
            "binance,bybit,dydx,gate,htx,kucoin,mexc",
            "public funding collections (funding_ETHUSDT_{venue}_2020-2023.csv.gz)",
            "2020-01-01 -> 2023-12-31",
            "rate: fraction per interval",
            "dydx is hourly; times already shifted to UTC; long frame with venue",
        ),
        Dataset(
            "funding_by_venue_2025",
            "funding",
            "multi",
            "1h",
            "binance,bybit,hyperliquid,...",
            "funding per venue (funding_by_venue_2025-03_2026-03.parquet)",
            "2025-03-06 -> 2026-03-05",
            "rate: fraction per interval",
            "interval_hours inferred from the spacing of each venue's series",
        ),
        Dataset(
            "hyperliquid_liquidations_1d",
            "liquidations",
            "multi",
            "1d",
            "hyperliquid",
            "Hyperliquid stats (hyperliquid_daily_liquidated_notional_ETH_BTC.csv.gz)",
            "2023-06-14 -> 2025-05",
            "USD notional per day",
            "long + short combined",
        ),
        Dataset(
            "aave_wbtc_liquidations",
            "defi",
            "BTC",
            "events",
            "aave",
            "Aave V2/V3 Ethereum liquidation events (aave_wbtc_liquidations.parquet)",
            "2022-02 -> 2026-02",
            "token amounts and USD",
            "WBTC collateral only (cbBTC's are in aave_wbtc_collateral_liquidations)",
        ),
        Dataset(
            "aave_wbtc_collateral_liquidations",
            "defi",
            "BTC",
            "events",
            "aave",
            "Aave collateral liquidations (aave_wbtc_collateral_liquidations.parquet)",
            "2020-12 -> 2026-02",
            "token amounts and USD",
            "83 events on 2025-10-10/11",
        ),
        Dataset(
            "aave_wbtc_collateral_open_positions",
            "defi",
            "BTC",
            "snapshot",
            "aave",
            "Aave open positions snapshot (aave_wbtc_collateral_open_positions.parquet)",
            "snapshot",
            "tokens",
            "one row per account and borrowed asset",
        ),
        Dataset(
            "aave_wbtc_collateral_accounts",
            "defi",
            "BTC",
            "snapshot",
            "aave",
            "Aave accounts with WBTC collateral (aave_wbtc_collateral_accounts.parquet)",
            "snapshot",
            "-",
            "",
        ),
        Dataset(
            "aave_wbtc_price_history",
            "defi",
            "multi",
            "1d",
            "aave",
            "daily prices used by the Aave files (aave_wbtc_price_history.parquet)",
            "2025-02 -> 2026-02",
            "USD",
            "",
        ),
        Dataset(
            "compound_v3_liquidations",
            "defi",
            "multi",
            "events",
            "compound",
            "Compound v3 liquidations (compound_v3_liquidations.csv.gz)",
            "2025-09-22 -> 2026",
            "USD",
            "Ethereum cUSDTv3 from 2025-09-22; 25 events, $17.4M on 2025-10-10",
        ),
        Dataset(
            "chainlink_eth_usd_1d",
            "reference",
            "ETH",
            "1d",
            "chainlink",
            "Chainlink ETH/USD oracle daily samples (chainlink_ETHUSD_daily.csv.gz)",
            "2023-01-24 -> 2025-12-25",
            "USD",
            "one sample per day",
        ),
        Dataset(
            "btc_liquidations_4h",
            "liquidations",
            "BTC",
            "4h",
            "binance",
            _CG + " (coinglass_BTC_4h_liquidations_binance.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "USD notional per 4 h bar",
            "Binance only, not all venues; same endpoint as ETH's",
        ),
        Dataset(
            "btc_oi_4h",
            "open_interest",
            "BTC",
            "4h",
            "all-venues",
            _CG + " (coinglass_BTC_4h_open_interest_all_venues_usd.csv.gz)",
            "2024-11-22 -> 2025-07-31",
            "USD",
            "aggregated over venues; oi_usd = bar close, oi_*_usd the bar's OHLC",
        ),
        Dataset(
            "btc_oi_4h_stablecoin",
            "open_interest",
            "BTC",
            "4h",
            "all-venues",
            _CG + " (coinglass_BTC_4h_open_interest_stablecoin_margined.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "uncertain (see ETH's)",
            "unit uncertain, as for ETH",
        ),
        Dataset(
            "btc_oi_4h_coin",
            "open_interest",
            "BTC",
            "4h",
            "all-venues",
            _CG + " (coinglass_BTC_4h_open_interest_coin_margined.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "USD",
            "coin-margined contracts only",
        ),
        Dataset(
            "btc_funding_4h_oi_weighted",
            "funding",
            "BTC",
            "4h",
            "all-venues",
            _CG + " (coinglass_BTC_4h_funding_oi_weighted.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "fraction per 8 h (CoinGlass percent / 100)",
            "OI-weighted across venues; bar close",
        ),
        Dataset(
            "btc_futures_book_8h",
            "book_totals",
            "BTC",
            "8h",
            "all-venues",
            _CG + " (coinglass_BTC_8h_futures_orderbook_bids_asks_usd.csv.gz)",
            "2024-11-22 -> 2025-07-31",
            "USD and BTC",
            "totals within CoinGlass's default range around mid (believed +-1 %, not verified)",
        ),
        Dataset(
            "btc_spot_book_4h",
            "book_totals",
            "BTC",
            "4h",
            "all-venues",
            _CG + " (coinglass_BTC_4h_spot_orderbook_bids_asks_usd.csv.gz)",
            "2024-11-13 -> 2025-07-31",
            "USD and BTC",
            "spot books; same range caveat",
        ),
        Dataset(
            "btc_binance_book_4h",
            "book_totals",
            "BTC",
            "4h",
            "binance",
            _CG + " (coinglass_BTCUSDT_4h_binance_futures_orderbook_bids_asks_usd.csv.gz)",
            "2024-11-16 -> 2025-07-31",
            "USD and BTC",
            "Binance BTCUSDT perpetual only; same range caveat",
        ),
        Dataset(
            "btc_taker_4h",
            "taker",
            "BTC",
            "4h",
            "all-venues",
            _CG + " (coinglass_BTC_4h_taker_buy_sell.csv.gz, its taker_*_volume_usd pair)",
            "2024-11-13 20:00 -> 2025-05-12 16:00 (rows to 2025-07-31, empty after)",
            "USD (converted: the source's taker_*_volume_usd hold BTC, not USD)",
            "futures taker buy/sell volume. The source's columns are named *_usd but hold "
            "coin units: converted at each bar's close (Binance spot, btc_1h), the 5 bars of "
            "04:00-24:00 UTC sum to a median 0.73 of CoinGlass's own daily USD series "
            "(btc_taker_1d; 0.65-0.79 over 80 % of the 152 days both have), and that ratio "
            "does not move with the price, as it would if the source held USD. 233 rows are "
            "empty: the 00:00 UTC bar of each day from 2024-12-11 (the source's later "
            "snapshots hold the daily series there) and every bar after 2025-05-12 16:00, "
            "though the source file runs to 2025-07-31",
        ),
        Dataset(
            "btc_taker_1d",
            "taker",
            "BTC",
            "1d",
            "all-venues",
            _CG + " (coinglass_BTC_4h_taker_buy_sell.csv.gz, its aggregated_*_volume_usd rows)",
            "2024-12-11 -> 2025-07-31",
            "USD",
            "CoinGlass's daily futures taker buy/sell volume, the other series of the BTC "
            "taker file (one row a day at 00:00 UTC, from later snapshots); kept as the USD "
            "reference that shows the 4-hourly pair's unit (see btc_taker_4h)",
        ),
        Dataset(
            "btc_long_short_4h",
            "long_short",
            "BTC",
            "4h",
            "binance",
            _CG + " (coinglass_BTCUSDT_4h_binance_{global_long_short_account_ratio,"
            "top_trader_long_short_account_ratio,top_trader_long_short_position_ratio}.csv.gz)",
            "2024-11-21 -> 2025-07-31",
            "percent long",
            "Binance BTCUSDT perpetual: share of accounts long (all; top traders) and share "
            "of top traders' position size long; no such series for ETH",
        ),
        Dataset(
            "hyperliquid_positions_2026_02",
            "positions",
            "multi",
            "snapshot",
            "hyperliquid",
            "Hyperliquid clearinghouseState of leaderboard accounts, scraped about every "
            "6 h (hyperliquid_leaderboard_positions_ETH_BTC_2026-02.csv.gz)",
            "2026-02-04 -> 2026-02-22",
            "size base units; prices, values USD; leverage x (as set)",
            "32,829 ETH and BTC positions of 994 large accounts, 94 snapshots; leverage is "
            "the leverage set, not the effective one; liq_price NaN = the cross account "
            "cannot be liquidated at any price; large accounts only, not retail",
        ),
        Dataset(
            "hyperliquid_markets_2026_02",
            "reference",
            "multi",
            "snapshot",
            "hyperliquid",
            "Hyperliquid metaAndAssetCtxs (hyperliquid_markets_ETH_BTC_2026-02.csv.gz)",
            "2026-02-03 -> 2026-02-15",
            "USD; funding percent per hour",
            "126 snapshots: mark, index, open interest, funding, volume, max leverage",
        ),
        Dataset(
            "usde_1m",
            "ohlcv",
            "USDE",
            "1m",
            "binance-spot",
            "Binance USDe/USDT klines (USDEUSDT_1m_binance_2025-09-09_2026-01-15_gap.csv.gz)",
            "2025-09-09 12:00 -> 2026-01-15",
            "price USDT, volume USDe",
            "2025-10-10 12:00 -> 2025-10-11 12:00 missing from the source file (the depeg's "
            "window: nothing is validated against it); late rows have volume 0",
        ),
    ]
}

AAVE_RESERVE_PARAMS_FILE = "aave_v3_reserve_params.json"
AAVE_RESERVE_PARAMS_SOURCE = (
    "Aave V3 reserve parameters on 10 chains, fetched 2025-10-23 "
    "(aave_v3_reserve_params_2025-10-23.json); WETH liquidation threshold 0.83 on Ethereum"
)

AAVE_HORIZON_PARAMS_FILE = "aave_horizon_rwa_params.csv"
AAVE_HORIZON_PARAMS_SOURCE = (
    "Aave Horizon (RWA market) parameters per tokenised asset, transcribed from "
    "aave/aave-v3-horizon deployment inputs (aave_horizon_rwa_params.csv; first line "
    "names the commits)"
)
