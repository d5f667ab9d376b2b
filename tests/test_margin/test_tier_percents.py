"""Tier tables typed in percent, Binance's own bracket names, Bybit's risk limits, cross wallets.

A table whose maintenance rate is at or above its row's initial margin ``1/max_leverage``
(0.4 typed for 0.4 % beside 125x) is refused naming the file, the row and the percent;
Binance's ``leverageBracket`` fields read as the tier columns; a Bybit position above the
first risk limit priced at its rate carries a caveat; a cross wallet with a leverage is
refused in cross terms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.margin import binance_liq_price, liq_price, load_tiers


def _write(p: Path, text: str) -> Path:
    p.write_text(text, encoding="utf-8")
    return p


def test_percent_rates_are_refused_naming_file_row_and_percent(tmp_path: Path) -> None:
    p = _write(tmp_path / "pct.csv", "notional_floor,notional_cap,max_leverage,mmr,cum\n"
               "0,50000,125,0.4,0\n50000,600000,100,0.5,500\n")  # fmt: skip
    with pytest.raises(InputError) as exc:
        load_tiers(p)
    msg = str(exc.value)
    assert msg.startswith(f"{p}: data row 1: mmr 0.4 is at or above the initial margin rate")
    assert "1/max_leverage = 0.008 of 125x" in msg and "(for 0.4 % give 0.004)" in msg


def test_a_later_row_at_its_initial_margin_is_named(tmp_path: Path) -> None:
    """mmr == 1/max_leverage (0.5 at 2x) is refused too: liquidated on opening."""
    d = load_tiers("ETHUSDT").to_frame().drop(columns="tier")
    d.loc[d.index[-1], "max_leverage"] = 2.0  # last row mmr 0.5: exactly 1/2
    p = tmp_path / "edge.csv"
    d.to_csv(p, index=False)
    with pytest.raises(InputError, match=rf"data row {len(d)}: mmr 0.5 is at or above"):
        load_tiers(p)


def test_packaged_tables_pass_the_initial_margin_check() -> None:
    for sym in ("ETHUSDT", "BTCUSDT"):
        t = load_tiers(sym)
        assert np.all(t.mmr * t.max_leverage < 1)


def test_binance_bracket_field_names_are_read(tmp_path: Path) -> None:
    p = _write(tmp_path / "brackets.csv",
               "bracket,initialLeverage,notionalCap,notionalFloor,maintMarginRatio,cum\n"
               "1,125,50000,0,0.004,0\n2,100,600000,50000,0.005,50\n")  # fmt: skip
    t = load_tiers(p)
    np.testing.assert_allclose(t.max_leverage, [125.0, 100.0], rtol=0)
    np.testing.assert_allclose(t.mmr, [0.004, 0.005], rtol=0)
    r = binance_liq_price(1, 1.0, 2000.0, 100.0, tiers=p)
    assert r.liq_price[0] == pytest.approx(1907.6305, abs=5e-5)  # the packaged table's figure


def test_cli_percent_table_exits_2(tmp_path: Path) -> None:
    p = _write(tmp_path / "pct.csv", "notional_floor,notional_cap,max_leverage,mmr,cum\n"
               "0,50000,125,0.4,0\n")  # fmt: skip
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "10", "--entry", "3000",
                "--leverage", "2", "--tiers", str(p))  # fmt: skip
    assert r.exit_code == 2
    assert r.stderr.startswith(f"error: {p}: data row 1 (file line 2): mmr 0.4 is at or above")


def test_bybit_above_first_risk_limit_has_a_caveat() -> None:
    big = liq_price("bybit", 1, 300.0, 3698.0, leverage=100)  # 1,109,400 USD > 1,000,000
    assert big.liq_price[0] == pytest.approx(3679.51, abs=1e-6)  # unchanged figure
    assert len(big.caveats) == 1 and "first risk limit (1,000,000 USD for ETHUSDT" in big.caveats[0]
    assert "1,109,400 USD" in big.caveats[0]
    assert liq_price("bybit", 1, 3.0, 3698.0, leverage=100).caveats == ()
    # BTC's first limit is higher; an explicit rate is the user's own: no caveat
    assert liq_price("bybit", 1, 15.0, 115_000.0, leverage=50, symbol="BTCUSDT").caveats == ()
    assert liq_price("bybit", 1, 300.0, 3698.0, leverage=50, mmr=0.01).caveats == ()


def test_cli_bybit_caveat_in_json_and_text() -> None:
    args = ("margin", "liq-price", "--side", "long", "--size", "300", "--entry", "3698",
            "--leverage", "100", "--venue", "bybit")  # fmt: skip
    j = run_cli(*args, "--json")
    assert j.exit_code == 0, j.stderr
    assert any("first risk limit" in c for c in j.json()["caveats"])
    t = run_cli(*args)
    assert t.exit_code == 0 and "caveat: a position of 1,109,400 USD is above Bybit's" in t.stdout


def test_cli_cross_wallet_with_leverage_is_refused_in_cross_terms() -> None:
    r = run_cli("margin", "liq-price", "--side", "short", "--size", "10", "--entry", "3698",
                "--margin", "10000", "--leverage", "20")  # fmt: skip
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert line.startswith("error: --margin 10,000.00 and --leverage 20 disagree")
    assert "for a cross account the margin is the wallet balance" in line
    assert "\n" not in line
