"""``liqmap --positions F --asset A``: the file's symbol-less rows are A's (their tiers).

A BTC positions file without a symbol column was read as ETHUSDT's rows by ``liqmap``
(``--asset`` was refused with files) while ``cascade`` and ``solvency`` took ``--asset``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli

ROWS = "side,size,entry_price,leverage\nlong,1,116000,10\nlong,2,114000,20\nshort,1,118000,10\n"


def _file(tmp_path: Path) -> str:
    p = tmp_path / "btcpos.csv"
    p.write_text(ROWS)
    return str(p)


def test_a_btc_file_without_symbols_is_refused_as_eth(tmp_path: Path) -> None:
    f = _file(tmp_path)
    r = run_cli("liqmap", "--positions", f, "--price", "115000")
    assert r.exit_code == 2 and r.stdout == ""
    line = r.stderr.strip()
    assert line.startswith(f"error: {f}: no symbol column") and "\n" not in line
    assert "BTC's scale" in line and "--asset BTC" in line


def test_asset_names_the_rows_and_prices_them_with_its_tiers(tmp_path: Path) -> None:
    f = _file(tmp_path)
    r = run_cli("liqmap", "--positions", f, "--price", "115000", "--asset", "BTC", "--json")
    assert r.exit_code == 0, r.stderr
    sym = tmp_path / "sym.csv"
    sym.write_text(ROWS.replace("side,", "symbol,side,").replace("\nl", "\nBTCUSDT,l")
                   .replace("\ns", "\nBTCUSDT,s"))  # fmt: skip
    s = run_cli("liqmap", "--positions", str(sym), "--price", "115000", "--json")
    assert s.exit_code == 0, s.stderr
    a, b = r.json(), s.json()
    # the same book as the file that names BTCUSDT on every row: the same map
    for key in ("cumulative_long_liq_usd", "cumulative_short_liq_usd", "totals"):
        assert a[key].keys() == b[key].keys()
        assert a[key] == pytest.approx(b[key], rel=1e-12), key
    assert sum(a["cumulative_long_liq_usd"].values()) > 0
