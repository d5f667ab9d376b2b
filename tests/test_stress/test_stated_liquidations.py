"""A portfolio file's stated ``liq_price`` and cross rows are said not to be what is priced.

Trial 35 (an exchange's export, 63 cross rows with their account's liquidation price):
``stress`` priced every row as an isolated position on its own leverage and only listed
``liq_price`` and ``margin_mode`` among the unread columns, so a cross long whose venue
price was 10 % below the mid showed a 20 % chance of liquidation in a day, at the
isolated price 2 % away. The warning names the rows.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from liqcascade.stress import read_portfolio

HEAD = "symbol,side,size,entry_price,leverage,margin_mode,liq_price\n"


def test_isolated_price_by_hand() -> None:
    # Binance ETHUSDT tier 0 (MMR 0.4 %, cum 0): a 10 ETH long at 3,700, 20x, has
    # WB = 1,850 and LP = (1,850 − 37,000) / (10 · 0.004 − 10) = 3,529.12
    assert (1850 - 37000) / (10 * 0.004 - 10) == pytest.approx(3529.116, abs=1e-3)


def test_stated_prices_away_from_the_isolated_one_are_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    f = tmp_path / "export.csv"
    f.write_text(
        HEAD
        + "ETHUSDT,long,10,3700,20,cross,3400\n"  # the account's price: 3.7 % off
        + "ETHUSDT,long,10,3700,20,isolated,3530\n"  # within 1 % of 3,529.12: not named
        + "ETHUSDT,long,10,3700,20,isolated,\n"  # none stated
    )
    with caplog.at_level(logging.WARNING, logger="liqcascade"):
        pf = read_portfolio(f)
    assert pf.liq_price[0] == pytest.approx(3529.116, abs=1e-2)  # isolated, as before
    warn = [m for m in caplog.messages if m.startswith("warning:")]
    assert len(warn) == 1
    assert warn[0].startswith(
        f"warning: {f}: 1 row states a liq_price more than 1 % from the isolated one computed "
        "here (data row 1) and 1 row is on cross margin:"
    )
    assert "not read" in warn[0]


def test_an_isolated_file_that_agrees_is_not_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    f = tmp_path / "iso.csv"
    f.write_text(HEAD + "ETHUSDT,long,10,3700,20,isolated,3529.12\n")
    with caplog.at_level(logging.WARNING, logger="liqcascade"):
        read_portfolio(f)
    assert not [m for m in caplog.messages if m.startswith("warning:")]
