"""The static books' figures are called an upper bound only when they bound.

`contagion --preset oct-2025 --shock=-0.99` printed "static books (upper bound): CEX
$60,553,718" below the calibrated run's $83.8–85.0 M: hyperliquid's displayed book runs
out (the venue halts there, 208 of its 275 positions liquidated against the calibrated
run's 275) and bybit's deeper static fall closes the same 275 positions at lower prices
(liquidations count at their fill prices).
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade.contagion import oct_2025
from liqcascade.contagion._liquidity import run_setup
from liqcascade.contagion._result import BOUND_RTOL


@pytest.fixture(scope="module")
def setup():  # type: ignore[no-untyped-def]
    return oct_2025({})


def test_a_deep_shock_says_the_static_books_do_not_bound_and_why(setup) -> None:  # type: ignore[no-untyped-def]
    cal = run_setup(setup, shock=-0.99)
    b = cal.static_bound()
    assert b is not None and cal.static_upper_bound is not None
    assert cal.static_upper_bound["cex_liquidated_usd"] < cal.cex_liquidated_usd
    assert b["cex_liquidated_usd"] is False and b["defi_liquidated_usd"] is True
    assert b["venues"] == {"bybit": "lower_fill_prices", "hyperliquid": "book_ran_out"}
    st = cal.static_venues
    assert st is not None and st["hyperliquid"].book_exhausted
    assert st["hyperliquid"].n_liquidated < cal.venues["hyperliquid"].n_liquidated
    assert st["bybit"].n_liquidated >= cal.venues["bybit"].n_liquidated
    assert cal.summary()["static_bound"] == b


def test_the_default_run_keeps_its_upper_bound(setup) -> None:  # type: ignore[no-untyped-def]
    cal = run_setup(setup, shock=-0.12)
    assert cal.static_bound() == {
        "cex_liquidated_usd": True,
        "defi_liquidated_usd": True,
        "venues": {},
    }
    assert "static_bound" not in run_setup(setup, shock=-0.12, liquidity="static").summary()


def test_cli_text_names_the_venues_and_the_reasons() -> None:
    r = run_cli("contagion", "--preset", "oct-2025", "--shock=-0.99")
    assert r.exit_code == 0, r.stderr
    line = " ".join(x for x in r.stdout.splitlines() if "static books" in x)
    assert "static books (upper bound)" not in line
    assert "CEX $59,490,879 (below the calibrated run: not a bound here)" in line
    assert "DeFi $140,131,023 (upper bound)" in line
    assert "hyperliquid: its displayed book ran out and the venue halted there" in line
    assert "bybit: the static fall went deeper and closed as many positions at lower" in line
    default = run_cli("contagion", "--preset", "oct-2025")
    assert "static books (upper bound): CEX $47,870,720, DeFi $4,151,492" in default.stdout
    # the lending rules' lines name what the snapshot counts (1,981 accounts kept)
    assert "1,981 accounts: $7,047,442,606 of collateral at 114,198.00" in default.stdout
    assert "aave-v3-wbtc: bundled snapshot: every debt counted: USD stablecoins" in default.stdout


def test_the_same_accounts_on_a_deeper_path_still_bound(setup) -> None:  # type: ignore[no-untyped-def]
    # at -5 % both runs liquidate the same two Aave accounts; the static path goes deeper,
    # so their debt owed in BTC/ETH is repaid a fraction of a cent cheaper (a relative
    # 1.5e-9): within BOUND_RTOL the static figure still bounds and the text says so
    cal = run_setup(setup, shock=-0.05)
    ub = cal.static_upper_bound
    assert ub is not None
    short = 1.0 - ub["defi_liquidated_usd"] / cal.defi_liquidated_usd
    assert -BOUND_RTOL < short < BOUND_RTOL
    assert cal.static_bound() == {
        "cex_liquidated_usd": True,
        "defi_liquidated_usd": True,
        "venues": {},
    }
