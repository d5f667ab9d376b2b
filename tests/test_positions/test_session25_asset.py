"""Session 25: a positions file read as one asset refuses rows of another.

An ``ETHUSDT`` book read with ``asset="BTC"`` (``solvency --positions F --asset BTC``)
was read without a word: ``ETHUSDT`` is also the symbol a book without one takes
(``DEFAULT_SYMBOL``), which passes any asset. The reader now checks what the file
states, naming the file, the row, the symbol and the asset.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.positions import read_given_positions, read_positions

ROWS = ("long,1,105,6,99.5,99", "long,2,104,16,98.5,96", "short,1.5,95,9.75,100.8,101.5")
HEAD = "side,size,entry_price,margin,liq_price,bankruptcy_price"


def _file(tmp_path: Path, column: str, cells: tuple[str, str, str]) -> Path:
    f = tmp_path / "pos.csv"
    lines = [f"{HEAD},{column}", *(f"{r},{c}" for r, c in zip(ROWS, cells, strict=True))]
    f.write_text("\n".join(lines) + "\n")
    return f


def test_an_eth_book_read_as_btc_is_refused(tmp_path: Path) -> None:
    f = _file(tmp_path, "symbol", ("ETHUSDT", "ETHUSDT", "ETHUSDT"))
    with pytest.raises(InputError) as e:
        read_positions(f, asset="BTC")
    assert str(e.value) == (
        f"{f}: data row 1: symbol ETHUSDT (ETH) does not match asset BTC; 2 more rows like "
        "it (data rows 2, 3); leave asset out, or give ETH"
    )
    assert (e.value.param, e.value.file, e.value.row) == ("asset", str(f), 1)
    with pytest.raises(InputError, match="does not match asset BTC"):
        read_given_positions(f, asset="btc")
    assert len(read_positions(f, asset="eth")) == 3  # its own asset, any case


def test_rows_that_state_no_asset_pass(tmp_path: Path) -> None:
    f = _file(tmp_path, "symbol", ("BTCUSDT", "", "BTCUSDT"))
    assert len(read_positions(f, asset="BTC")) == 3
    g = _file(tmp_path, "coin", ("BTC", "ETH", "BTC"))  # Hyperliquid's column names the coin
    # rows of two assets (session 26: the file and its assets, not "give ETH", which
    # its BTC rows would refuse in turn)
    want = r"holds the positions of several assets \(BTC, ETH\), read as asset BTC's"
    with pytest.raises(InputError, match=want):
        read_positions(g, asset="BTC", venue="binance")
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join([HEAD, *ROWS]) + "\n")
    assert len(read_positions(plain, asset="BTC")) == 3  # no symbol column: states nothing


def test_solvency_positions_with_another_asset_exit_2(tmp_path: Path, data_dir: Path) -> None:
    f = _file(tmp_path, "symbol", ("ETHUSDT", "ETHUSDT", "ETHUSDT"))
    book = data_dir / "book" / "book.csv"
    r = run_cli("solvency", "--positions", str(f), "--book", str(book), "--asset", "BTC",
                "--liquidity", "calibrated")  # fmt: skip
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        f"error: {f}: data row 1 (file line 2): symbol ETHUSDT (ETH) does not match --asset BTC; "
        f"2 more "
        "rows like it (data rows 2, 3); leave asset out, or give ETH\n"
    )
