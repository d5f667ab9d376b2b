from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.margin import (
    binance_liq_price,
    hyperliquid_liq_price,
    leverage_refusal,
    liq_price,
)
from liqcascade.positions import PositionBook, StopBook, read_positions, read_stops

DATA = Path(__file__).resolve().parents[1] / "data" / "positions"
GOOD = "side,size,entry_price,margin\nlong,1,2000,100\nshort,2,2000,400\n"


def test_read_positions_sample_file() -> None:
    book = read_positions(DATA / "positions.csv")
    assert isinstance(book, PositionBook) and len(book) == 6
    assert book.venue == "mixed" and book.symbol == "mixed"
    np.testing.assert_array_equal(book.side, [1, -1, 1, 1, -1, 1])
    np.testing.assert_array_equal(book.account, [0, 1, 2, 3, 4, 5])
    # row 1: docs/design.md golden value
    assert book.liq_price[0] == pytest.approx(1907.6305, abs=5e-5)
    assert book.bankruptcy_price[0] == pytest.approx(1900.0, rel=1e-12)
    # row 2: short 2.5 ETH at 2100, 10x -> margin 525; (525 + 5250) / (2.5 * 1.004)
    assert book.margin[1] == pytest.approx(525.0)
    assert book.liq_price[1] == pytest.approx(5775 / 2.51, rel=1e-12)
    # row 3: 100 ETH at 2000 (tier 2, cum 50), 20x -> margin 10,000
    assert book.liq_price[2] == pytest.approx(189_950 / 99.5, rel=1e-12)
    # row 4: Bybit golden value 19,700 (1 BTC, 20,000, 50x, MMR 0.5 %)
    assert book.liq_price[3] == pytest.approx(19_700.0)
    # row 5: Hyperliquid ETH (l = 0.02): (EP + margin/size) / (1 + l)
    assert book.liq_price[4] == pytest.approx((2500 + 100) / 1.02, rel=1e-12)
    # row 6: given prices used as given
    assert book.liq_price[5] == 1500 and book.bankruptcy_price[5] == 1440
    assert book.margin[5] == pytest.approx(180.0)


def test_single_venue_book_and_defaults(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text(GOOD)
    book = read_positions(p)
    assert book.venue == "binance" and book.symbol == "ETHUSDT"
    ref = binance_liq_price([1, -1], [1.0, 2.0], 2000.0, [100.0, 400.0])
    np.testing.assert_array_equal(book.liq_price, ref.liq_price)
    book = read_positions(p, venue="bybit", symbol="BTCUSDT")
    assert book.venue == "bybit" and book.symbol == "BTCUSDT"


def test_parquet_equals_csv(tmp_path: Path) -> None:
    df = pd.read_csv(DATA / "positions.csv")
    q = tmp_path / "positions.parquet"
    df.to_parquet(q)
    a, b = read_positions(DATA / "positions.csv"), read_positions(q)
    for name in ("side", "size", "entry_price", "margin", "liq_price", "bankruptcy_price"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_integer_accounts_kept(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text("account,side,size,entry_price,leverage\n7,long,1,2000,10\n7,short,1,2000,10\n")
    np.testing.assert_array_equal(read_positions(p).account, [7, 7])


def test_header_only_is_empty_book(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text("side,size,entry_price,margin\n")
    assert len(read_positions(p)) == 0


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ("side,size,entry_price,margin\nlong,1,2000,100\nlong,-1,2000,100\n",
         "data row 2: size must be > 0 (got -1)"),
        ("side,size,entry_price,margin\nlong,0,2000,100\n", "data row 1: size must be > 0 (got 0)"),
        ("side,size,entry_price,leverage\nlong,1,2000,10\nshort,1,2000,0\n",
         "data row 2: leverage must be > 0 (got 0)"),
        ("side,size,entry_price,leverage\nlong,1,2000,150\n",
         "data row 1: leverage 150 is above the Binance maximum 125x for a notional of 2,000 USD "
         "(ETHUSDT)"),
        ("side,size,entry_price,leverage\nlong,100,2000,101\n",
         "data row 1: leverage 101 is above the Binance maximum 100x for a notional of 200,000 USD "
         "(ETHUSDT)"),
        ("side,size,entry_price,leverage\nlong,1000000,2000,1\n",
         "data row 1: leverage 1: the notional of 2,000,000,000 USD exceeds the last bracket of "
         "the Binance tier table (ETHUSDT: up to 1,200,000,000 USD); no such position can be "
         "opened"),
        ("side,size,entry_price,margin\nlong,1,2000,100\nup,1,2000,100\n",
         "data row 2: side must be long or short (buy/sell) (got 'up')"),
        ("side,size,entry_price,margin,venue\nlong,1,2000,100,okx\n",
         "data row 1: venue must be one of binance, bybit, hyperliquid (got 'okx')"),
        ("side,size,entry_price,margin\nlong,1,NaN,100\n",
         "data row 1: entry_price is missing or NaN"),
        ("side,size,entry_price,margin\nlong,1,,100\n",
         "data row 1: entry_price is missing or NaN"),
        ("side,size,entry_price,margin\nlong,1,2000,abc\n",
         "data row 1: margin is not a number ('abc')"),
        ("side,size,entry_price,margin,leverage\nlong,1,2000,,\n",
         "data row 1: margin or leverage is missing"),
        ("side,size,margin\nlong,1,100\n", "missing column: entry_price"),
        ("side,size,entry_price\nlong,1,2000\n", "needs a margin or a leverage column"),
        ("side,size,entry_price,margin,liq_price\nlong,1,2000,100,-5\n",
         "data row 1: liq_price must be >= 0 (got -5)"),
        ("side,size,entry_price,margin,symbol\nlong,1,2000,100,DOGEUSD\n",
         "data row 1: symbol 'DOGEUSD': no packaged tier table"),
    ],
    ids=["neg-size", "zero-size", "lev-0", "lev-over-tier1", "lev-over-tier2", "past-table", "side",
         "venue", "nan", "empty", "non-numeric", "no-margin", "missing-col", "no-margin-col",
         "neg-liq", "unknown-symbol"],
)  # fmt: skip
def test_bad_positions_name_file_and_row(tmp_path: Path, body: str, msg: str) -> None:
    p = tmp_path / "positions.csv"
    p.write_text(body)
    with pytest.raises(InputError) as exc:
        read_positions(p)
    assert str(exc.value).startswith(f"{p}: {msg}")


@pytest.mark.parametrize(
    ("venue", "size", "lev"),
    [("binance", 1.0, 0.5), ("binance", 1.0, 150.0), ("binance", 100.0, 101.0),
     ("bybit", 1.0, 101.0), ("hyperliquid", 1.0, 26.0)],
    ids=["below-1x", "over-tier1", "over-tier2", "bybit", "hyperliquid"],
)  # fmt: skip
def test_file_and_liq_price_refuse_a_leverage_in_the_same_words(
    tmp_path: Path, venue: str, size: float, lev: float
) -> None:
    # one rule (margin.leverage_refusal): the file adds file and row, liq_price the param
    symbol = "ETH" if venue == "hyperliquid" else "ETHUSDT"
    refused = leverage_refusal(venue, symbol, lev, size * 2000.0)
    assert refused is not None and refused[0] == 0
    body = f"leverage {refused[1]}"
    with pytest.raises(InputError) as direct:
        liq_price(venue, "long", size, 2000.0, leverage=lev, symbol=symbol)
    assert str(direct.value) == body and direct.value.param == "leverage"
    p = tmp_path / "positions.csv"
    p.write_text(f"side,size,entry_price,leverage,venue,symbol\nlong,{size:g},2000,{lev:g},"
                 f"{venue},{symbol}\n")  # fmt: skip
    with pytest.raises(InputError) as in_file:
        read_positions(p)
    assert str(in_file.value) == f"{p}: data row 1: {body}"
    if size == 1e6:  # the notional past the last bracket names the bracket's cap
        assert "(ETHUSDT: up to 1,200,000,000 USD)" in body


def test_leverage_refusal_skips_rows_without_leverage() -> None:
    assert leverage_refusal("binance", "ETHUSDT", [np.nan, 10.0], [2000.0, 2000.0]) is None
    refused = leverage_refusal("binance", "ETHUSDT", [np.nan, 126.0], 2000.0)
    assert refused is not None and refused[0] == 1


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_positions(tmp_path / "nope.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(InputError, match=r"bad\.parquet: cannot read"):
        read_positions(bad)


def test_read_stops() -> None:
    stops = read_stops(DATA / "stops.csv")
    assert isinstance(stops, StopBook) and len(stops) == 3
    np.testing.assert_array_equal(stops.side, [-1, 1, -1])
    np.testing.assert_array_equal(stops.trigger, [1950, 2150, 1899.5])
    np.testing.assert_array_equal(stops.size, [1.5, 0.75, 10])


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ("side,trigger_price,size\nsell,1900,1\nhold,1900,1\n",
         "data row 2: side must be sell or buy (got 'hold')"),
        ("side,trigger_price,size\nsell,0,1\n", "data row 1: trigger_price must be > 0 (got 0)"),
        ("side,trigger_price,size\nsell,1900,x\n", "data row 1: size is not a number ('x')"),
        ("side,trigger_price,size\nbuy,1900,nan\n", "data row 1: size is missing or NaN"),
        ("side,size\nsell,1\n", "missing column: trigger_price"),
    ],
    ids=["side", "zero-trigger", "non-numeric", "nan", "missing-col"],
)  # fmt: skip
def test_bad_stops(tmp_path: Path, body: str, msg: str) -> None:
    p = tmp_path / "stops.csv"
    p.write_text(body)
    with pytest.raises(InputError) as exc:
        read_stops(p)
    assert str(exc.value).startswith(f"{p}: {msg}")


def test_stops_trigger_alias(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("side,trigger,size\nbuy,2100,2\n")
    assert read_stops(p).trigger[0] == 2100


def test_blank_venue_and_symbol_cells_take_defaults(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text(
        "side,size,entry_price,leverage,venue,symbol\n"
        "long,1,20000,50,,\n"
        "long,1,20000,50, Bybit ,btcusdt\n"
    )
    book = read_positions(p, venue="binance", symbol="BTCUSDT")
    assert book.venue == "mixed" and book.symbol == "BTCUSDT"
    # row 1 priced by Binance BTCUSDT tier 1 (0.4 %), row 2 by Bybit (0.5 %)
    assert book.liq_price[0] == pytest.approx(20_000 * 0.98 / 0.996, rel=1e-12)
    assert book.liq_price[1] == pytest.approx(19_700.0)


def test_parquet_nan_names_row(tmp_path: Path) -> None:
    q = tmp_path / "p.parquet"
    pd.DataFrame(
        {"side": ["long", "short"], "size": [1.0, np.nan], "entry_price": 2000.0, "margin": 100.0}
    ).to_parquet(q)
    with pytest.raises(InputError) as exc:
        read_positions(q)
    assert str(exc.value) == f"{q}: data row 2: size is missing or NaN"


@pytest.mark.parametrize("column", ["asset", "coin"])
def test_asset_column_is_read_as_the_symbol(tmp_path: Path, column: str) -> None:
    """The Hyperliquid positions export names its coin in ``asset``: not ETHUSDT's rows."""
    p = tmp_path / "hl.csv"
    p.write_text(f"{column},venue,side,size,entry_price,margin\n"
                 "BTC,binance,long,10,60000,30000\nbtc,binance,short,20,60000,60000\n")  # fmt: skip
    book = read_positions(p, reference_price=60_000.0)
    assert book.symbol == "BTCUSDT"
    args = ([1, -1], [10.0, 20.0], 60_000.0, [30_000.0, 60_000.0])
    ref = binance_liq_price(*args, tiers="BTCUSDT")
    np.testing.assert_allclose(book.liq_price, ref.liq_price, rtol=1e-12)
    # 600k and 1.2M USD: BTCUSDT's tier 3 (1 %), ETHUSDT's (0.65 %): the tables differ
    assert not np.allclose(book.liq_price, binance_liq_price(*args, tiers="ETHUSDT").liq_price)
    # a symbol column, where there is one, names the contract; blanks take the default
    q = tmp_path / "both.csv"
    q.write_text(f"{column},symbol,side,size,entry_price,margin\nBTC,ETHUSDT,long,1,2000,100\n")
    assert read_positions(q).symbol == "ETHUSDT"
    b = tmp_path / "blank.csv"
    b.write_text(f"{column},side,size,entry_price,margin\n,long,1,2000,100\n")
    assert read_positions(b).symbol == "ETHUSDT"


@pytest.mark.parametrize("column", ["asset", "coin"])
def test_the_hyperliquid_layout_takes_hyperliquid_margin_rules(
    tmp_path: Path, column: str, caplog: pytest.LogCaptureFixture
) -> None:
    # the Hyperliquid export has no venue column: its rows were priced with Binance's
    # tiers (and its 25x ETH rows above $50M refused as over Binance's 20x)
    p = tmp_path / "hl.csv"
    p.write_text(f"address,{column},side,size,entry_price,leverage\n"
                 "0xa,ETH,long,10,2000,10\n0xb,ETH,short,30000,2000,25\n")  # fmt: skip
    with caplog.at_level("WARNING", logger="liqcascade.positions"):
        book = read_positions(p, reference_price=2000.0)
    assert book.venue == "hyperliquid" and book.symbol == "ETHUSDT"
    want = hyperliquid_liq_price([1, -1], [10.0, 30_000.0], 2000.0, [2000.0, 2.4e6], "ETH")
    np.testing.assert_allclose(book.liq_price, want.liq_price, rtol=1e-12)
    # l = 1/50 for ETH: the long's (2000 - (2000 - 400) / 10 / 0.98)
    assert book.liq_price[0] == pytest.approx(2000 - 160 / 0.98, rel=1e-12)
    (note,) = [r.getMessage() for r in caplog.records]
    assert note == (
        f"note: {p}: no venue column, and {'an' if column == 'asset' else 'a'} {column} column "
        "with no symbol (the Hyperliquid "
        "positions layout): read with Hyperliquid's margin rules (maintenance half the "
        "initial margin at the coin's listed max leverage: BTC 40x, ETH 25x, SOL 20x); a "
        "venue column (binance, bybit, hyperliquid) chooses another venue's"
    )
    # a venue named by the caller, or in every row, is used and says nothing
    caplog.clear()
    with caplog.at_level("WARNING", logger="liqcascade.positions"):
        small = tmp_path / "small.csv"
        small.write_text(f"{column},side,size,entry_price,leverage\nETH,long,10,2000,10\n")
        assert read_positions(small, venue="binance").venue == "binance"
        q = tmp_path / "venue.csv"
        q.write_text(f"{column},venue,side,size,entry_price,leverage\nETH,bybit,long,10,2000,10\n")
        assert read_positions(q).venue == "bybit"
    assert not caplog.records
    # a file with a symbol column keeps Binance's rules
    r = tmp_path / "cex.csv"
    r.write_text("symbol,side,size,entry_price,leverage\nETHUSDT,long,10,2000,10\n")
    assert read_positions(r).venue == "binance"


@pytest.mark.parametrize(
    ("header", "cells", "words"),
    [("asset", ("BTC", "ETH"), "asset: ETH, another asset than data row 1's BTC"),
     ("symbol", ("BTCUSDT", "ETH-PERP"), "symbol: ETH, another asset than data row 1's BTC")],
)  # fmt: skip
def test_a_file_mixing_assets_is_not_read_as_one_market(
    tmp_path: Path, header: str, cells: tuple[str, str], words: str
) -> None:
    p = tmp_path / "mixed.csv"
    p.write_text(f"{header},side,size,entry_price,margin\n{cells[0]},long,1,60000,3000\n"
                 f"{cells[0]},long,1,60000,3000\n{cells[1]},long,1,2000,100\n")  # fmt: skip
    with pytest.raises(InputError) as exc:
        read_positions(p, reference_price=60_000.0)
    assert str(exc.value).startswith(f"{p}: data row 3: {words}: the file is read as one market")
    # read without a price (per-row margin maths only), the book says "mixed"
    assert read_positions(p).symbol == "mixed"
    # ETH and ETHUSDT are one asset
    q = tmp_path / "eth.csv"
    q.write_text(
        "symbol,side,size,entry_price,margin\nETH,long,1,2000,100\nETHUSDT,long,1,2000,90\n"
    )
    assert len(read_positions(q, reference_price=2000.0)) == 2


# ----------------------------------------------------- margin mode (real Hyperliquid exports)

#: A cross long whose stated liquidation price lies far below what its own margin gives
#: (the account's equity holds it), and a cross short liquidated below its entry (the
#: account is losing elsewhere): both as Hyperliquid's API states them.
_CROSS_ROWS = "0xa,ETH,long,10,2000,20,1200\n0xb,ETH,short,5,2900,20,2429.66\n"


def test_hyperliquid_cross_rows_keep_their_stated_liquidation_price(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    p = tmp_path / "hl.csv"
    p.write_text("address,asset,side,size,entry_price,leverage,liq_price\n" + _CROSS_ROWS)
    with caplog.at_level("WARNING", logger="liqcascade.positions"):
        book = read_positions(p)
    np.testing.assert_array_equal(book.liq_price, [1200.0, 2429.66])
    # the long's own margin (2000 / 20 per coin) goes bankrupt at 1900, before its stated
    # liquidation: no shortfall is booked before the venue's price (bankruptcy = it)
    assert book.bankruptcy_price[0] == 1200.0
    # the short's own-margin bankruptcy, 2900 * 1.05 = 3045, lies beyond 2429.66: kept
    assert book.bankruptcy_price[1] == pytest.approx(3045.0, rel=1e-12)
    assert [r.getMessage() for r in caplog.records][-1] == (
        f"note: {p}: rows without a margin_mode read as cross (Hyperliquid's default): a "
        "stated liq_price is used as given, not checked against the row's own margin; a "
        "margin_mode column (isolated, cross) says otherwise"
    )


def test_a_hyperliquid_cross_long_without_a_liquidation_price_is_never_liquidated(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The export leaves liq_price empty where the account cannot be liquidated (2.8 % of
    the bundled ETH notional, 7.0 % of BTC's, all longs): it was priced at its set
    leverage's isolated liquidation, 20x from the entry, which overstated liquidations."""
    p = tmp_path / "hl.csv"
    p.write_text(
        "address,asset,side,size,entry_price,leverage,liq_price\n"
        "0xa,ETH,long,10,2000,20,\n0xb,ETH,short,5,2900,20,\n0xc,ETH,long,1,2000,20,1500\n"
    )
    with caplog.at_level("WARNING", logger="liqcascade.positions"):
        book = read_positions(p)
    assert book.liq_price[0] == 0.0 and book.bankruptcy_price[0] == 0.0  # never
    # a short has no price that never liquidates it: its own margin's, as before
    want = hyperliquid_liq_price([-1], [5.0], 2900.0, [2900.0 * 5 / 20], "ETH")
    assert book.liq_price[1] == pytest.approx(want.liq_price[0], rel=1e-12)
    assert book.liq_price[2] == 1500.0  # stated
    notes = [r.getMessage() for r in caplog.records if "never liquidated" in r.getMessage()]
    assert notes == [
        f"warning: {p}: 1 cross long row without a liq_price read as never liquidated "
        "(Hyperliquid leaves it empty where the account cannot be liquidated)"
    ]
    shorts = [r.getMessage() for r in caplog.records if "cross short" in r.getMessage()]
    assert shorts == [
        f"warning: {p}: 1 cross short row without a liq_price priced from their own margin "
        "at the set leverage (a short's losses have no bound: the account's own liquidation "
        "price is not in the file)"
    ]
    # another file's layout, or no liq_price column at all: computed from the row's margin
    rows = "long,10,2000,20,\nshort,5,2900,20,\n"
    p.write_text("symbol,side,size,entry_price,leverage,liq_price\n" + rows.replace("l", "ETH,l")
                 .replace("s", "ETH,s"))  # fmt: skip
    assert read_positions(p).liq_price[0] > 1800.0
    p.write_text("asset,side,size,entry_price,leverage\nETH,long,10,2000,20\n")
    assert read_positions(p).liq_price[0] > 1800.0


def test_hyperliquids_export_rules_are_its_rows_only(tmp_path: Path) -> None:
    """review15 #1: an asset column with Binance rows (a venue cell, or the caller's venue)
    took Hyperliquid's cross default and its 'never liquidated' empty liq_price."""
    p = tmp_path / "mixed.csv"
    p.write_text(
        "side,size,entry_price,leverage,asset,venue,liq_price\n"
        "long,1,3000,10,ETH,binance,\nlong,1,3000,10,ETH,hyperliquid,\n"
    )
    book = read_positions(p)
    # Binance's isolated price for the first (as at 7010471), never for Hyperliquid's
    want = liq_price("binance", np.array([1]), np.array([1.0]), np.array([3000.0]),
                     np.array([300.0]), symbol="ETHUSDT")  # fmt: skip
    assert book.liq_price[0] == pytest.approx(want.liq_price[0], rel=1e-12)
    assert book.liq_price[1] == 0.0
    q = tmp_path / "hl.csv"  # the export's layout, read with another venue's rules
    q.write_text("asset,side,size,entry_price,leverage,liq_price\nETH,long,1,3000,10,\n")
    assert read_positions(q, venue="binance").liq_price[0] == pytest.approx(
        want.liq_price[0], rel=1e-12
    )
    assert read_positions(q).liq_price[0] == 0.0


@pytest.mark.parametrize("column", ["margin_mode", "leverage_type"])
def test_an_isolated_row_is_still_checked_against_its_margin(tmp_path: Path, column: str) -> None:
    p = tmp_path / "hl.csv"
    p.write_text(
        f"address,asset,side,size,entry_price,leverage,liq_price,{column}\n"
        "0xa,ETH,long,10,2000,20,1200,Isolated\n0xb,ETH,short,5,2900,20,2429.66,\n"
    )
    with pytest.raises(InputError) as got:
        read_positions(p)
    assert str(got.value) == (
        f"{p}: data row 1: liq_price 1,200.00 lies below the bankruptcy price 1,900.00 its margin "
        "of 1,000.00 USD gives (entry_price - margin / size): the margin would run out before "
        "the liquidation; correct liq_price or the margin/leverage, or leave liq_price empty "
        "to compute it"
    )
    # cross in the cell: the same row is read as stated
    p.write_text(p.read_text().replace("Isolated", "cross"))
    assert read_positions(p).liq_price[0] == 1200.0


def test_margin_mode_in_any_file_and_its_bad_values(tmp_path: Path) -> None:
    p = tmp_path / "cex.csv"
    p.write_text("symbol,side,size,entry_price,leverage,liq_price,margin_mode\n"
                 "ETHUSDT,short,5,2900,20,2429.66,\n")  # fmt: skip
    with pytest.raises(
        InputError, match=r"data row 1: liq_price 2,429.66 is at or below the entry"
    ):
        read_positions(p)  # a file of another layout: isolated unless it says cross
    p.write_text(p.read_text().replace("2429.66,", "2429.66,CROSS"))
    assert read_positions(p).liq_price[0] == 2429.66
    p.write_text(p.read_text().replace("CROSS", "portfolio"))
    with pytest.raises(InputError) as got:
        read_positions(p)
    assert (
        str(got.value)
        == f"{p}: data row 1: margin_mode must be isolated or cross (got 'portfolio')"
    )


def test_a_hyperliquid_coin_without_a_known_rule_says_what_to_do(tmp_path: Path) -> None:
    p = tmp_path / "account.csv"
    p.write_text("address,coin,side,size,entry_price,leverage,liq_price\n"
                 "0xa,ETH,long,10,2000,20,1200\n0xa,HYPE,long,100,30,5,\n")  # fmt: skip
    with pytest.raises(InputError) as got:
        read_positions(p)
    assert str(got.value) == (
        f"{p}: data row 2: coin HYPE: Hyperliquid's margin rule (its maintenance rate) is known "
        "here for BTC (40x), ETH (25x), SOL (20x) only, so this row's liquidation cannot be "
        "priced; keep the rows of those coins (filter the export on its coin column: a "
        "positions file is read as one market's book)"
    )


def test_the_bundled_hyperliquid_export_reads_with_its_stated_prices(tmp_path: Path) -> None:
    from liqcascade.datasets import load_hyperliquid_positions

    df = load_hyperliquid_positions("ETH").reset_index()
    df = df[df["ts"] == df["ts"].max()]
    p = tmp_path / "hl_eth.csv"
    df.to_csv(p, index=False)
    book = read_positions(p)
    assert len(book) == len(df) == 260
    stated = df["liq_price"].notna().to_numpy()
    np.testing.assert_array_equal(book.liq_price[stated], df["liq_price"].to_numpy()[stated])


def test_solvency_reads_a_hyperliquid_cross_export(tmp_path: Path) -> None:
    from clihelpers import run_cli

    p = tmp_path / "hl.csv"
    p.write_text("address,asset,side,size,entry_price,leverage,liq_price\n" + _CROSS_ROWS)
    r = run_cli("solvency", "--positions", str(p), "--mid", "2100", "--insurance-fund", "5",
                "--scenario", "-10%", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    # the short's stated 2,429.66 (below its entry) is not refused again by solvency; at
    # 2100 -10 % = 1890 neither row is liquidated (the long's stated price is 1200)
    assert r.json()["scenarios"][0]["liquidated_usd"] == 0.0


def test_buy_and_sell_read_as_long_and_short(tmp_path: Path) -> None:
    """``cascade``/``liqmap --positions`` refused ``buy``, which ``margin`` and ``stress``
    read as long (clia22): one rule for every reader of a position's side."""
    p = tmp_path / "positions.csv"
    p.write_text(
        "side,size,entry_price,margin\nBuy,1,2000,100\n sell ,1,2000,100\nLONG,1,2000,100\n"
    )
    book = read_positions(p)
    assert list(book.side) == [1, -1, 1]
    words = tmp_path / "words.csv"
    words.write_text("side,size,entry_price,margin\nlong,1,2000,100\nshort,1,2000,100\n")
    same = read_positions(words)
    assert book.liq_price[:2] == pytest.approx(same.liq_price, rel=1e-12)
