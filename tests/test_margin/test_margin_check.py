"""margin liq-price --margin that makes the position liquidatable at once (C12)."""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.margin import liq_price


@pytest.mark.parametrize(("margin", "lev"), [(4.0, "500x"), (1.0, "2000x"), (0.0, "unbounded")])
def test_margin_above_the_maximum_leverage(margin: float, lev: str) -> None:
    with pytest.raises(InputError) as e:
        liq_price("binance", "long", 1.0, 2000.0, margin, check_margin=True)
    assert e.value.param == "margin"
    assert str(e.value) == (
        f"margin {margin:g} USD is {lev} leverage, above the Binance maximum 125x for a "
        "notional of 2,000 USD (ETHUSDT); give at least 16.00 USD"
    )
    # without the check (position books) the prices are still computed
    liq_price("binance", "long", 1.0, 2000.0, margin)


def test_margin_within_the_maximum_passes() -> None:
    r = liq_price("binance", "long", 1.0, 2000.0, 100.0, check_margin=True)
    assert r.item(0)["liq_price"] == pytest.approx(1907.6305, abs=1e-3)  # docs/design.md golden
    r = liq_price("bybit", "short", 1.0, 2000.0, 20.0, check_margin=True)  # exactly 100x
    assert r.item(0)["liq_price"] > 2000.0


def test_cli_names_the_margin_flag() -> None:
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--margin", "4", "--json")  # fmt: skip
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("error: --margin 4 USD is 500x leverage, above the Binance")
    assert r.stderr.count("\n") == 1
