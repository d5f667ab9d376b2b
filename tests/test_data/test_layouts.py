"""The layout registry: every rule reachable, first match wins, every real file's layout.

The layout of each real file (the bundled datasets and the excerpts under
``tests/data/ingest``) is written down here: a change to the registry that reads any of
them as another layout fails, naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import LAYOUTS, read_file
from liqcascade.data._layout import LayoutRule, Probe
from liqcascade.data._layouts import REGISTRY, detect
from liqcascade.data._readers import read_raw
from liqcascade.errors import InputError

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
BUNDLED = Path(__file__).resolve().parents[2] / "src" / "liqcascade" / "data" / "bundled" / "_files"

#: Layout of each real excerpt under tests/data/ingest (None: refused as unrecognised;
#: "refused": recognised, and refused for what it holds).
INGEST_LAYOUTS: dict[str, str | None] = {
    "BTCUSDT_1d_binance_spot.csv.gz": "ohlcv",
    "BTCUSDT_1h_binance_spot.csv.gz": "ohlcv",
    "ETHUSDT_15m_bybit_perp_2025-10-07_2025-10-17.csv.gz": "ohlcv",
    "ETHUSDT_1d_binance_spot.csv.gz": "ohlcv",
    "ETHUSDT_1h_binance_spot.csv.gz": "ohlcv",
    "ETHUSDT_1h_binance_usdm_perp_2020-2024.csv.gz": "ohlcv",
    "ETHUSDT_1m_binance_2022-12-01_2023-01-04.csv.gz": "ohlcv",
    "ETHUSDT_30m_binance_spot.csv.gz": "ohlcv",
    "ETHUSDT_5m_binance_2022-06-15_2022-07-19.csv.gz": "ohlcv",
    "ETHUSDT_5m_binance_spot_2025-08-19_2025-09-21.csv.gz": "binance-kline-export",
    "chainlink_ETHUSD_daily.csv.gz": None,
    "coinalyze_binance_coinm_open_interest_1d.csv.gz": "coinalyze-oi",
    "coinglass_ETH_4h_funding_oi_weighted.csv.gz": "coinglass-funding-ohlc",
    "coinglass_ETH_4h_funding_volume_weighted.csv.gz": "coinglass-funding-ohlc",
    "coinglass_ETH_4h_liquidations_binance.csv.gz": "coinglass-liquidations",
    "coinglass_ETH_4h_open_interest_all_venues_usd.csv.gz": "coinglass-oi-ohlc",
    "coinglass_ETH_4h_open_interest_coin_margined.csv.gz": "coinglass-oi-ohlc",
    "coinglass_ETH_4h_open_interest_stablecoin_margined.csv.gz": "coinglass-oi-ohlc",
    "coinglass_ETH_4h_spot_orderbook_bids_asks_usd.csv.gz": "coinglass-orderbook",
    "coinglass_ETH_4h_spot_taker_buy_sell.csv.gz": "coinglass-taker",
    "coinglass_ETH_4h_taker_buy_sell.csv.gz": "refused",  # coin units, no close to convert at
    "coinglass_ETH_8h_funding_binance.csv.gz": "coinglass-funding-ohlc",
    "coinglass_ETH_8h_funding_bybit.csv.gz": "coinglass-funding-ohlc",
    "coinglass_ETH_8h_funding_hyperliquid.csv.gz": "coinglass-funding-ohlc",
    "coinglass_ETH_8h_funding_okx.csv.gz": "coinglass-funding-ohlc",
    "coinglass_ETH_8h_futures_orderbook_bids_asks_usd.csv.gz": "coinglass-orderbook",
    "funding_ETHUSDT_binance_2020-2023.csv.gz": "funding-table",
    "funding_ETHUSDT_bybit_2020-2023.csv.gz": "funding-table",
    "funding_ETHUSDT_dydx_2020-2023.csv.gz": "funding-table",
    "funding_ETHUSDT_gate_2020-2023.csv.gz": "funding-table",
    "funding_ETHUSDT_htx_2020-2023.csv.gz": "funding-table",
    "funding_ETHUSDT_kucoin_2020-2023.csv.gz": "funding-table",
    "funding_ETHUSDT_mexc_2020-2023.csv.gz": "funding-table",
    "funding_by_venue_2025-03_2026-03.parquet": "funding-table",
    "hyperliquid_daily_liquidated_notional_ETH_BTC.csv.gz": "hyperliquid-daily-liquidations",
    "perp_1h_by_venue_2025-03_2026-03.parquet": "ohlcv",
}

#: (layout, kind) of each bundled dataset file read back (None: unrecognised, not a market
#: series in a layout the readers know).
BUNDLED_LAYOUTS: dict[str, tuple[str, str] | str | None] = {
    # a '#' comment line read as the header: every data row has more fields than it (pandas
    # took the extra ones as an index, silently; they are a malformed line now)
    "aave_horizon_rwa_params.csv": "malformed",
    "aave_v3_reserve_params.json": "not rows",  # a JSON object of reserves, not a table
    "aave_wbtc_collateral_accounts.parquet": None,
    "aave_wbtc_collateral_liquidations.parquet": None,
    "aave_wbtc_collateral_open_positions.parquet": None,
    "aave_wbtc_liquidations.parquet": None,
    "aave_wbtc_price_history.parquet": None,
    "btc_1d.parquet": ("ohlcv", "ohlcv"),
    "btc_1h.parquet": ("ohlcv", "ohlcv"),
    "btc_binance_book_4h.parquet": ("coinglass-orderbook", "depth"),
    "btc_funding_4h_oi_weighted.parquet": ("canonical", "funding"),
    "btc_futures_book_8h.parquet": ("coinglass-orderbook", "depth"),
    "btc_liquidations_4h.parquet": ("canonical", "liquidations"),
    "btc_long_short_4h.parquet": ("long-short-wide", "long_short"),
    "btc_oi_4h.parquet": ("canonical", "open_interest"),
    "btc_oi_4h_coin.parquet": ("canonical", "open_interest"),
    "btc_oi_4h_stablecoin.parquet": ("canonical", "open_interest"),
    "btc_spot_book_4h.parquet": ("coinglass-orderbook", "depth"),
    "btc_taker_1d.parquet": ("coinglass-taker", "taker"),
    "btc_taker_4h.parquet": ("coinglass-taker", "taker"),
    "chainlink_eth_usd_1d.parquet": None,
    "coinm_oi_1d.parquet": ("canonical", "open_interest"),
    "compound_v3_liquidations.parquet": None,
    "eth_1d.parquet": ("ohlcv", "ohlcv"),
    "eth_1h.parquet": ("ohlcv", "ohlcv"),
    "eth_1m_2022_12.parquet": ("ohlcv", "ohlcv"),
    "eth_30m.parquet": ("ohlcv", "ohlcv"),
    "eth_5m_2022_06.parquet": ("ohlcv", "ohlcv"),
    "eth_5m_2025_08.parquet": ("ohlcv", "ohlcv"),
    "eth_bybit_15m_2025_10.parquet": ("ohlcv", "ohlcv"),
    "eth_funding_2020_2023.parquet": ("canonical", "funding"),
    "eth_funding_4h_oi_weighted.parquet": ("canonical", "funding"),
    "eth_funding_4h_volume_weighted.parquet": ("canonical", "funding"),
    "eth_funding_8h_by_venue.parquet": ("canonical", "funding"),
    "eth_futures_book_8h.parquet": ("coinglass-orderbook", "depth"),
    "eth_liquidations_4h.parquet": ("canonical", "liquidations"),
    "eth_oi_4h.parquet": ("canonical", "open_interest"),
    "eth_oi_4h_coin.parquet": ("canonical", "open_interest"),
    "eth_oi_4h_stablecoin.parquet": ("canonical", "open_interest"),
    "eth_perp_1h.parquet": ("ohlcv", "ohlcv"),
    "eth_spot_book_4h.parquet": ("coinglass-orderbook", "depth"),
    "eth_spot_taker_4h.parquet": ("coinglass-taker", "taker"),
    "eth_taker_4h.parquet": ("coinglass-taker", "taker"),
    "funding_by_venue_2025.parquet": ("canonical", "funding"),
    "hyperliquid_liquidations_1d.parquet": None,
    "hyperliquid_markets_2026_02.parquet": ("canonical", "open_interest"),
    "hyperliquid_positions_2026_02.parquet": None,
    "perp_1h_by_venue.parquet": ("ohlcv", "ohlcv"),
    "usde_1m.parquet": ("ohlcv", "ohlcv"),
}


def _detected(path: Path) -> tuple[str, str] | str | None:
    try:
        raw, headerless = read_raw(path)
    except InputError as exc:
        if "malformed CSV" in str(exc):
            return "malformed"
        assert "without a list of rows" in str(exc)
        return "not rows"
    try:
        layout = detect(raw, headerless, str(path), None)
    except InputError as exc:
        return None if "unrecognised layout" in str(exc) else "refused"
    return layout.name, layout.kind


def test_every_ingest_excerpt_is_listed() -> None:
    files = {p.name for p in INGEST.iterdir() if p.name != "README.md"}
    assert files == set(INGEST_LAYOUTS)


@pytest.mark.parametrize("name", sorted(INGEST_LAYOUTS))
def test_each_real_excerpt_reads_as_its_layout(name: str) -> None:
    got = _detected(INGEST / name)
    assert (got[0] if isinstance(got, tuple) else got) == INGEST_LAYOUTS[name], name


def test_every_bundled_file_is_listed() -> None:
    assert {p.name for p in BUNDLED.iterdir()} == set(BUNDLED_LAYOUTS)


@pytest.mark.parametrize("name", sorted(BUNDLED_LAYOUTS))
def test_each_bundled_file_reads_as_its_layout(name: str) -> None:
    assert _detected(BUNDLED / name) == BUNDLED_LAYOUTS[name], name


# -- the registry itself ---------------------------------------------------------------------
def test_layouts_lists_every_rule_once_with_its_description() -> None:
    names = list(dict.fromkeys(r.name for r in REGISTRY))
    assert list(LAYOUTS) == names
    assert all(LAYOUTS[n] for n in names)
    # a layout's description is given on its first rule only
    first = {n: next(r for r in REGISTRY if r.name == n) for n in names}
    assert all(r.describe == "" for r in REGISTRY if first[r.name] is not r)


DATA_MD = Path(__file__).resolve().parents[2] / "docs" / "data.md"


def _docs_layout_names() -> list[str]:
    """The names in docs/data.md's layout table (its first column: `name`, `name`…)."""
    lines = DATA_MD.read_text(encoding="utf-8").splitlines()
    start = lines.index("| name | layout | recognised by | kind | notes |") + 2
    names: list[str] = []
    for line in lines[start:]:
        if not line.startswith("| "):
            break
        first = line.split(" | ")[0].removeprefix("| ")
        names += re.findall(r"`([^`]+)`", first)
    return names


def test_docs_table_names_every_registered_layout_and_nothing_else() -> None:
    """A new layout needs its row in docs/data.md's table, under its registry name."""
    named = _docs_layout_names()
    assert len(named) >= len(LAYOUTS) - 1  # the table was found and read
    assert set(named) == set(LAYOUTS), (
        f"docs/data.md's layout table: rows missing for {sorted(set(LAYOUTS) - set(named))}, "
        f"names not registered {sorted(set(named) - set(LAYOUTS))} (the first column holds "
        "each row's layout names as liqcascade.data.LAYOUTS has them)"
    )


def test_ingest_help_lists_every_registered_layout(cli) -> None:
    r = cli("data", "ingest", "--help", env={"COLUMNS": "200"})
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    assert ", ".join(LAYOUTS) in text


def _example(rule: LayoutRule) -> pd.DataFrame:
    """A small frame with the first column of each group the rule needs."""
    cols = [g[0] for g in rule.needs]
    extra: dict[str, float] = {}
    if rule.name in ("ohlcv", "binance-klines", "binance-kline-export"):
        extra["volume"] = 10.0
    if rule.name == "coinglass-taker-coin":
        extra["close"] = 3000.0
    if rule.name == "coinglass-long-short":
        cols = ["global_account_long_percent"]
    if rule.name == "long-short-wide":
        cols = ["global_account_long_pct"]
    value = {"coinglass-oi-ohlc": 2e9, "coinglass-funding-ohlc": 0.01}.get(rule.name, 50.0)
    data: dict[str, object] = {"time": [1_700_000_000_000, 1_700_014_400_000]}
    for c in cols:
        data[c] = ["SELL", "BUY"] if c in ("side", "measure") else [value, value]
    data.update({c: [v, v] for c, v in extra.items()})
    return pd.DataFrame(data)


@pytest.mark.parametrize(
    "index", [i for i, r in enumerate(REGISTRY) if r.width is None], ids=lambda i: REGISTRY[i].name
)
def test_every_rule_is_reachable(index: int) -> None:
    # no earlier rule shadows it: its own columns are read as its layout
    rule = REGISTRY[index]
    df = _example(rule)
    probe = Probe(df, "x.csv", None, "top_account")
    first = next(r for r in REGISTRY if r.recognises(probe, False))
    assert first is rule, f"{rule.name} is shadowed by {first.name}"
    assert detect(df, False, "x.csv", None, "top_account").name == rule.name


def test_more_specific_layouts_come_first() -> None:
    # CoinGlass's liquidation columns with the canonical long_usd: CoinGlass's layout
    df = pd.DataFrame({"time": [1], "aggregated_long_liquidation_usd": [1.0],
                       "aggregated_short_liquidation_usd": [2.0], "long_usd": [3.0]})  # fmt: skip
    assert detect(df, False, "x.csv", None).name == "coinglass-liquidations"
    # a kline header with Binance's export column is the export, without it the klines
    kl = {"open_time": [1], "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0],
          "volume": [1.0], "close_time": [2]}  # fmt: skip
    assert detect(pd.DataFrame(kl), False, "x.csv", None).name == "binance-klines"
    kl["quote_asset_volume"] = [1.0]
    assert detect(pd.DataFrame(kl), False, "x.csv", None).name == "binance-kline-export"


@pytest.mark.parametrize(("width", "name"), [(12, "binance-klines"), (6, "ccxt-ohlcv")])
def test_a_headerless_file_is_named_by_its_width(width: int, name: str) -> None:
    df = pd.DataFrame([[1.0] * width])
    layout = detect(df, True, "h.csv", None)
    assert layout.name == name and layout.header is not None
    assert list(df.columns) == list(layout.header)  # renamed in place


def test_unrecognised_names_the_file_the_columns_and_the_closest_layouts(tmp_path: Path) -> None:
    p = tmp_path / "half_taker.csv"
    p.write_text("time,taker_buy_volume_usd,note\n1700000000000,5,x\n")
    with pytest.raises(InputError) as exc:
        read_file(p)
    msg = str(exc.value)
    assert msg.startswith(
        f"{p}: unrecognised layout (columns seen: time, taker_buy_volume_usd, note)"
    )
    assert "closest: coinglass-taker-coin (lacks taker_sell_volume_usd)" in msg
    assert msg.endswith("see liqcascade.data.LAYOUTS (docs/data.md) for the layouts read")
    # no layout sharing a column: no closest named
    p.write_text("alpha,beta\n1,2\n")
    with pytest.raises(InputError) as exc:
        read_file(p)
    assert "closest" not in str(exc.value)


def test_unrecognised_names_the_header_as_written_and_cautions_on_canonical_qty(
    tmp_path: Path,
) -> None:
    """OKX's columns without posSide: the message shows ``instId``, the user's spelling,
    and the canonical layout it names as close says qty must be base units (renaming
    ``sz``, a contract count, to qty stored contracts as ETH)."""
    p = tmp_path / "noposside.csv"
    p.write_text("ts,instId,side,sz,bkPx\n1733472000123,ETH-USDT-SWAP,sell,12,3712.45\n")
    with pytest.raises(InputError) as exc:
        read_file(p)
    msg = str(exc.value)
    assert "(columns seen: ts, instId, side, sz, bkPx; instId is compared as inst_id)" in msg
    assert "okx-liquidation-orders (lacks posSide)" in msg  # as OKX writes it
    assert "canonical (lacks price, qty; qty is in base units such as ETH, not a venue's" in msg


def test_symbol_columns_are_normalised_names_as_contributing_says() -> None:
    """The readers compare normalised column names: a market column added under the name
    a file writes (``instId``) would never match; CONTRIBUTING says to add the normalised
    one and names each column of the tuple as a file writes it."""
    from liqcascade._tables import norm_column
    from liqcascade.data._layouts import SYMBOL_COLUMNS

    assert all(norm_column(c) == c for c in SYMBOL_COLUMNS)
    text = " ".join((Path(__file__).resolve().parents[2] / "CONTRIBUTING.md").read_text(
        encoding="utf-8").split())  # fmt: skip
    said = re.search(r"A market column named otherwise than (.+?) is added to", text)
    assert said is not None
    written = re.findall(r"`([A-Za-z_]+)`", said.group(1))
    assert sorted(norm_column(c) for c in written) == sorted(SYMBOL_COLUMNS)
    assert "by its normalised name" in text and "`instId` is `inst_id`" in text


@pytest.mark.parametrize(
    ("header", "closest"),
    [
        ("timestamp,longShortRatio,longAccount\n1700000000000,1.2,0.55\n",
         "binance-long-short (lacks shortAccount)"),
        ("ts,instId,side,posSide,sz\n1700000000000,ETH-USDT-SWAP,sell,long,3\n",
         "okx-liquidation-orders (lacks bkPx)"),
    ],
    ids=["binance long/short", "okx"],
)  # fmt: skip
def test_the_closest_layout_names_what_it_lacks_as_its_files_write_it(
    tmp_path: Path, header: str, closest: str
) -> None:
    """The header is compared normalised (``short_account``), but the hint names the
    missing column as the venue's file spells it, which the user can look for."""
    p = tmp_path / "near.csv"
    p.write_text(header)
    with pytest.raises(InputError) as exc:
        read_file(p)
    assert closest in str(exc.value), str(exc.value)
