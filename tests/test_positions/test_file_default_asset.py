"""The asset of a positions file's rows without a symbol, in ``cascade`` and ``solvency``.

Until session 26 a BTC positions file without a ``symbol`` column ran in ``cascade
--positions F --book B`` and ``solvency --positions F`` with ETHUSDT's tier table
without a word (1 position liquidated where ``BTCUSDT``'s tiers liquidate 2), and
``--asset BTC`` was refused with files. ``--asset`` now names the asset of such rows;
without it, a file whose prices are off ETH's bundled price range is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.data import bundled_price_range
from liqcascade.errors import InputError
from liqcascade.positions import read_positions

#: A BTC desk's positions (no symbol column), and the same with one, at BTC's prices.
ROWS = "long,100,116000,10\nlong,50,117000,20\nshort,30,114000,10\n"
#: A BTC book around 115,764 USD: 20 levels a side, 11.6 USD apart, 10 BTC each.
MID, STEP = 115_764.08, 11.57


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    bare = tmp_path / "btcpos.csv"
    bare.write_text("side,size,entry_price,leverage\n" + ROWS)
    sym = tmp_path / "btcpos_sym.csv"
    sym.write_text(
        "symbol,side,size,entry_price,leverage\n"
        + "".join(f"BTCUSDT,{r}\n" for r in ROWS.splitlines())
    )
    book = tmp_path / "btcbook.csv"
    lines = [f"bid,{MID - STEP * (i + 0.5):.2f},10" for i in range(800)]
    lines += [f"ask,{MID + STEP * (i + 0.5):.2f},10" for i in range(20)]
    book.write_text("side,price,size\n" + "\n".join(lines) + "\n")
    return bare, sym, book


def test_a_btc_file_without_symbols_is_refused_as_eth(tmp_path: Path) -> None:
    bare, _, _ = _files(tmp_path)
    _, hi = bundled_price_range("ETH")
    assert 116_000 > 10 * hi  # the rule's premise: BTC prices are off ETH's scale
    with pytest.raises(InputError) as exc:
        read_positions(bare, default_scale=True)
    msg = str(exc.value)
    assert str(bare) in msg and "read as ETHUSDT" in msg and "(BTC's scale)" in msg
    assert "add a symbol column (BTCUSDT) or give asset BTC" in msg
    assert exc.value.params == ("asset",)
    # read as BTC, the same rows pass and take BTCUSDT's tiers
    assert read_positions(bare, asset="BTC", default_scale=True).symbol == "BTCUSDT"
    # the library's default without the keyword is unchanged
    assert read_positions(bare).symbol == "ETHUSDT"


def test_eth_prices_read_as_btc_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "eth.csv"
    # 150 USD: ETH's 2020 price, 21x under BTC's lowest bundled close (3,189.02)
    f.write_text("side,size,entry_price,leverage\nlong,1,150,10\nshort,2,140,10\n")
    assert read_positions(f, default_scale=True).symbol == "ETHUSDT"
    with pytest.raises(InputError, match=r"read as BTCUSDT.*give asset ETH"):
        read_positions(f, asset="BTC", default_scale=True)


def test_cascade_files_take_the_asset_given(tmp_path: Path) -> None:
    bare, sym, book = _files(tmp_path)
    base = ["cascade", "--book", str(book), "--shock-price", "105600", "--json"]
    r = run_cli(*base, "--positions", str(bare))
    assert r.exit_code == 2
    err = " ".join(r.stderr.split())
    assert err.startswith(f"error: {bare}: no symbol column")
    assert "add a symbol column (BTCUSDT) or give --asset BTC" in err
    assert len(r.stderr.strip().splitlines()) == 1
    with_asset = run_cli(*base, "--positions", str(bare), "--asset", "BTC")
    with_symbol = run_cli(*base, "--positions", str(sym))
    assert with_asset.exit_code == 0 and with_symbol.exit_code == 0, with_asset.stderr
    a, s = with_asset.json(), with_symbol.json()
    # BTCUSDT's tiers liquidate both longs; ETHUSDT's (the old default) only one
    assert a["n_liquidated"] == s["n_liquidated"] == 2
    assert a["liquidated_long_usd"] == pytest.approx(s["liquidated_long_usd"], rel=1e-9)
    # a symbol column of another asset than --asset is refused
    r = run_cli(*base, "--positions", str(sym), "--asset", "ETH")
    assert r.exit_code == 2 and "does not match --asset ETH" in r.stderr


def test_solvency_files_take_the_asset_given(tmp_path: Path) -> None:
    bare, sym, _ = _files(tmp_path)
    base = ["solvency", "--mid", str(MID), "--scenario", "-8.8%", "--json"]
    r = run_cli(*base, "--positions", str(bare))
    assert r.exit_code == 2
    assert "give --asset BTC" in " ".join(r.stderr.split())
    with_asset = run_cli(*base, "--positions", str(bare), "--asset", "BTC")
    with_symbol = run_cli(*base, "--positions", str(sym))
    assert with_asset.exit_code == 0 and with_symbol.exit_code == 0, with_asset.stderr
    a, s = with_asset.json(), with_symbol.json()
    assert a["scenarios"][0]["liquidated_usd"] == pytest.approx(
        s["scenarios"][0]["liquidated_usd"], rel=1e-9
    )
    # --as-of with a file still picks only calibrated liquidity's calibration
    r = run_cli(*base, "--positions", str(bare), "--asset", "BTC", "--as-of", "2025-07-01")
    assert r.exit_code == 2 and "--as-of with --positions only selects" in r.stderr
