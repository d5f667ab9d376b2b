"""Session 26: a positions file read as one asset is priced, and checked, as that asset's.

- A file without a symbol column read with ``asset="BTC"`` (``solvency --positions F
  --asset BTC``) was priced with ETHUSDT's tiers (the reader's default contract): its
  rows now take the asset's contract (``BTCUSDT``), as an ``asset`` column's rows do.
- A file of several assets read as one was refused at its first row of another asset,
  with the hint to give that one (which its other rows then refused), and its book
  (``symbol="mixed"``) passed any asset check: the file is refused in one line naming
  it and its assets, and a mixed book passes no asset check.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade._symbols import check_same_asset
from liqcascade.errors import InputError
from liqcascade.margin import liq_price
from liqcascade.positions import PositionBook, read_positions

#: One table, one formula: the same prices to float noise (relative).
REL = 1e-12


def test_a_file_without_symbols_read_as_btc_takes_btcusdt_tiers(tmp_path: Path) -> None:
    f = tmp_path / "pos.csv"
    # 600,000 USD at 20x: liquidated near 570,000 USD of notional, in ETHUSDT's 0.5 %
    # tier (50k-600k) but BTCUSDT's 1 % one (500k-8M): the two tables disagree there
    f.write_text("side,size,entry_price,leverage\nlong,10,60000,20\nshort,10,60000,20\n")
    book = read_positions(f, asset="BTC")
    btc = liq_price("binance", [1, -1], 10.0, 60_000.0, leverage=20.0, symbol="BTCUSDT")
    eth = liq_price("binance", [1, -1], 10.0, 60_000.0, leverage=20.0, symbol="ETHUSDT")
    assert abs(float(btc.liq_price[0] - eth.liq_price[0])) > 30.0  # the case tells them apart
    assert book.liq_price == pytest.approx(btc.liq_price, rel=REL)
    assert book.symbol == "BTCUSDT"
    # without an asset the file is still ETHUSDT's (the default contract), as before
    assert read_positions(f).liq_price == pytest.approx(eth.liq_price, rel=REL)
    # a symbol given beside the asset is the caller's and is kept
    assert read_positions(f, asset="BTC", symbol="ETHUSDT").liq_price == pytest.approx(
        eth.liq_price, rel=REL
    )


@pytest.mark.parametrize("asset", ["BTCUSDT", "btc/usdt:usdt", "BTC-PERP"])
def test_an_asset_given_as_a_contract_takes_that_contracts_tiers(
    tmp_path: Path, asset: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Its base asset's contract (BTCUSDT), not BTCUSDTUSDT priced with ETHUSDT's tiers
    under a caveat naming a table no venue has."""
    f = tmp_path / "pos.csv"
    f.write_text("side,size,entry_price,leverage\nlong,10,60000,20\n")
    btc = liq_price("binance", [1], 10.0, 60_000.0, leverage=20.0, symbol="BTCUSDT")
    with caplog.at_level(logging.WARNING, logger="liqcascade"):
        book = read_positions(f, asset=asset)
    assert book.symbol == "BTCUSDT"
    assert book.liq_price == pytest.approx(btc.liq_price, rel=REL)
    assert not [r for r in caplog.records if "margin tiers" in r.getMessage()]


def _mixed(tmp_path: Path) -> Path:
    f = tmp_path / "mixed.csv"
    f.write_text(
        "side,size,entry_price,margin,liq_price,bankruptcy_price,symbol\n"
        "long,1,105,6,99.5,99,ETHUSDT\nlong,2,104,16,98.5,96,BTCUSDT\n"
        "short,1.5,95,9.75,100.8,101.5,ETHUSDT\n"
    )
    return f


def test_a_file_of_several_assets_read_as_one_is_refused_naming_them(tmp_path: Path) -> None:
    f = _mixed(tmp_path)
    for asset in ("BTC", "eth", "SOL"):
        with pytest.raises(InputError) as e:
            read_positions(f, asset=asset)
        assert str(e.value) == (
            f"{f}: holds the positions of several assets (ETH, BTC), read as asset "
            f"{asset.upper()}'s: one price moves one asset's positions; split the file by asset"
        )
        assert (e.value.param, e.value.file) == ("asset", str(f))
    assert read_positions(f).symbol == "mixed"  # without an asset: read, no asset's book


def test_a_mixed_book_passes_no_asset_check(tmp_path: Path) -> None:
    book = read_positions(_mixed(tmp_path))
    for asset in ("ETH", "BTC"):
        with pytest.raises(InputError, match=r"^asset \(.*\) is not the positions' asset \(mixed"):
            check_same_asset(asset, book.symbol, param="asset", what="asset")
    # nor does a frame of it relabelled as one asset's
    df = book.to_frame()
    with pytest.raises(InputError, match=r"^symbol BTCUSDT \(BTC\) is not df's symbol column's"):
        PositionBook.from_frame(df, symbol="BTCUSDT")
    assert PositionBook.from_frame(df).symbol == "mixed"


def test_solvency_cli_refuses_a_mixed_file_in_one_line(tmp_path: Path, data_dir: Path) -> None:
    f = _mixed(tmp_path)
    book = data_dir / "book" / "book.csv"
    r = run_cli("solvency", "--positions", str(f), "--book", str(book), "--asset", "BTC",
                "--liquidity", "calibrated")  # fmt: skip
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error: {f}: holds the positions of several assets (ETH, BTC)")
