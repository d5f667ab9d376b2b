"""Session 26: a positions file read as one asset is priced, and checked, as that asset's.

- A file without a symbol column read with ``asset="BTC"`` (``solvency --positions F
  --asset BTC``) was priced with ETHUSDT's tiers (the reader's default contract): its
  rows now take the asset's contract (``BTCUSDT``), as an ``asset`` column's rows do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.margin import liq_price
from liqcascade.positions import read_positions

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
