"""Session 26: a contract without a packaged tier table, one rule for every caller.

``margin.liq_price`` (and ``margin liq-price --symbol SOLUSDT``) refused such a contract
while ``stops`` (protect's ``liquidation_price``), the estimated market and ``stress
--portfolio`` priced it with ETHUSDT's table and said so (``tiers_caveat``). The rule
now lives in the margin package (``symbol_tiers``): every caller gets ETHUSDT's table
and the same caveat; a contract that is not a USDT perpetual is still refused.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.margin import (
    FALLBACK_TIERS,
    leverage_refusal,
    liq_price,
    load_tiers,
    max_leverage_for,
    symbol_tiers,
    tiers_caveat,
)
from liqcascade.positions import read_positions
from liqcascade.protect import liquidation_price

#: Prices of the same position under one table agree to float noise (USD, relative).
REL = 1e-12


def test_symbol_tiers_is_the_packaged_table_or_the_fallback_with_its_caveat() -> None:
    table, caveat = symbol_tiers("BTCUSDT")
    assert table.symbol == "BTCUSDT" and caveat is None
    for spelling in ("SOLUSDT", "sol/usdt:usdt", "SOL-PERP", "sol"):
        table, caveat = symbol_tiers(spelling)
        assert table.symbol == FALLBACK_TIERS == "ETHUSDT"
        assert caveat == tiers_caveat("SOL") and caveat is not None and "SOLUSDT" in caveat
    with pytest.raises(InputError, match=r"^symbol 'ETHUSD': no packaged tier table"):
        symbol_tiers("ETHUSD")  # a COIN-M contract: not the USDT one's table
    with pytest.raises(InputError, match="no packaged tier table"):
        load_tiers("SOLUSDT")  # a table asked for by name is still that table or refused


def test_liq_price_of_a_contract_without_a_table_is_protects_with_the_caveat() -> None:
    r = liq_price("binance", "long", 100.0, 150.0, leverage=20.0, symbol="SOLUSDT")
    assert r.tiers == "ETHUSDT"
    assert r.caveats == (tiers_caveat("SOL"),)
    want = liquidation_price(1, 150.0, 100.0, 20.0, asset="SOL")  # stops' path
    assert float(r.liq_price[0]) == pytest.approx(want, rel=REL)
    eth = liq_price("binance", "long", 100.0, 150.0, leverage=20.0, symbol="ETHUSDT")
    assert eth.caveats == () and eth.tiers == "ETHUSDT"
    assert liq_price("binance", "long", 1.0, 6e4, leverage=20.0, symbol="BTC").caveats == ()
    assert liq_price("bybit", "long", 1.0, 150.0, leverage=20.0, symbol="SOLUSDT").caveats == ()
    # the leverage caps read the same table: 125x at 15,000 USD of notional
    assert max_leverage_for("binance", "SOLUSDT", 15_000.0)[0] == pytest.approx(125.0)
    refused = leverage_refusal("binance", "SOLUSDT", 126.0, 15_000.0)
    assert refused is not None and "maximum 125x" in refused[1]


def test_cli_liq_price_of_solusdt_says_whose_table(tmp_path: Path) -> None:
    args = ("margin", "liq-price", "--side", "long", "--size", "100", "--entry", "150",
            "--leverage", "20", "--symbol", "SOLUSDT")  # fmt: skip
    r = run_cli(*args, "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["tiers"] == "ETHUSDT" and out["caveats"] == [tiers_caveat("SOL")]
    assert out["liq_price"] == pytest.approx(liquidation_price(1, 150.0, 100.0, 20.0, "SOL"),
                                             rel=REL)  # fmt: skip
    text = run_cli(*args)
    assert text.exit_code == 0, text.stderr
    assert f"caveat: {tiers_caveat('SOL')}" in " ".join(text.stdout.split())


def test_a_positions_row_of_such_a_contract_is_priced_so_and_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    f = tmp_path / "pos.csv"
    f.write_text("side,size,entry_price,leverage,symbol\nlong,100,150,20,SOLUSDT\n")
    with caplog.at_level(logging.WARNING, logger="liqcascade"):
        book = read_positions(f)
    want = liquidation_price(1, 150.0, 100.0, 20.0, asset="SOL")
    assert float(book.liq_price[0]) == pytest.approx(want, rel=REL)
    assert [m.getMessage() for m in caplog.records] == [f"warning: {f}: {tiers_caveat('SOL')}"]
