"""Bad analysis input files of sweep 13: the real fault named, not a consequence of it.

A positions file in cents got a leverage-tier message; a file of another asset (the
Hyperliquid positions export's ``asset`` column) was judged as Binance ETHUSDT.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from clihelpers import run_cli
from test_reliability._helpers import assert_refused

DATA = Path(__file__).resolve().parents[1] / "data"
CONTAGION = DATA / "contagion"


def test_positions_in_cents_get_the_unit_error_not_a_leverage_one(tmp_path: Path) -> None:
    for f in CONTAGION.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    pos = pd.read_csv(tmp_path / "positions_a.csv")
    pos["entry_price"] *= 100  # row 4 (50x, 12 M USD) used to be refused for its leverage
    pos.to_csv(tmp_path / "positions_a.csv", index=False)
    r = run_cli("contagion", "--config", str(tmp_path / "two_venues.toml"))
    line = assert_refused(
        r, "positions_a.csv: data row 1 (file line 2): entry_price", "venues[0]'s mid 2,000"
    )
    assert "unit error" in line and "leverage" not in line


def test_asset_column_names_the_contract_and_one_asset_per_file(tmp_path: Path) -> None:
    rows = "asset,side,size,entry_price,leverage\nBTC,long,1,76000,30\nBTC,short,1,76000,30\n"
    f = tmp_path / "hl.csv"
    f.write_text(rows)
    r = run_cli("liqmap", "--positions", str(f), "--price", "76000", "--json")
    assert r.exit_code == 0, r.stderr
    # the Hyperliquid layout (asset, no symbol) takes Hyperliquid's rules: BTC's 40x cap;
    # with a venue column, that venue's (13 M USD at 29x: Binance BTCUSDT's cap is 20x)
    big = tmp_path / "big.csv"
    big.write_text("asset,side,size,entry_price,leverage\nBTC,long,173.6,76000,41\n")
    assert_refused(run_cli("liqmap", "--positions", str(big), "--price", "76000"),
                   "big.csv: data row 1 (file line 2): leverage 41 is above the Hyperliquid "
                   "maximum "
                   "40x")  # fmt: skip
    cex = tmp_path / "cex.csv"
    cex.write_text("asset,venue,side,size,entry_price,leverage\nBTC,binance,long,173.6,76000,29\n")
    assert_refused(run_cli("liqmap", "--positions", str(cex), "--price", "76000"),
                   "cex.csv: data row 1 (file line 2): leverage 29 is above the Binance maximum "
                   "20x",
                   "(BTCUSDT)")  # fmt: skip
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(rows + "ETH,long,10,2300,10\n")
    assert_refused(run_cli("liqmap", "--positions", str(mixed), "--price", "76000"),
                   "mixed.csv: data row 3 (file line 4): asset: ETH, "
                   "another asset than data row 1's BTC")  # fmt: skip


BOM = b"\xef\xbb\xbf"  # Windows Notepad's UTF-8


def test_a_toml_config_with_a_byte_order_mark_reads_as_without(tmp_path: Path) -> None:
    """CSVs with a BOM were read; a TOML config was refused at line 1, column 1."""
    from liqcascade.collateral import load_config as load_collateral

    for f in CONTAGION.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    plain = tmp_path / "two_venues.toml"
    bom = tmp_path / "bom.toml"
    bom.write_bytes(BOM + plain.read_bytes())
    a = run_cli("contagion", "--config", str(plain), "--json")
    b = run_cli("contagion", "--config", str(bom), "--json")
    assert a.exit_code == 0 and b.exit_code == 0, b.stderr
    assert b.json()["venues"] == a.json()["venues"]
    preset = Path(__file__).resolve().parents[2] / "src/liqcascade/collateral/presets/oct-2025.toml"
    coll = tmp_path / "coll.toml"
    coll.write_bytes(BOM + preset.read_bytes())
    assert load_collateral(coll) == load_collateral(preset)
    broken = tmp_path / "broken.toml"  # a BOM is skipped, a real syntax error still said
    broken.write_bytes(BOM + b"[scenario\n")
    assert_refused(run_cli("contagion", "--config", str(broken)), "broken.toml: not valid TOML")


def test_a_json_file_with_a_byte_order_mark_reads_as_without(tmp_path: Path) -> None:
    """Every user text file goes through one reader (``_paths.read_utf8``): a summary
    saved by Notepad compares as the file it was."""
    from liqcascade._paths import read_json, read_utf8

    doc = {"front": {"as_of": "2025-07-31T20:00:00+00:00", "headlines": {}}}
    plain, bom = tmp_path / "plain.json", tmp_path / "bom.json"
    plain.write_text(json.dumps(doc))
    bom.write_bytes(BOM + plain.read_bytes())
    assert read_utf8(bom) == read_utf8(plain) and not read_utf8(bom).startswith("\ufeff")
    assert read_json(bom) == read_json(plain) == doc
