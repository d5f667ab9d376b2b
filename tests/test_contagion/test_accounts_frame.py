"""Which accounts a run liquidated: ``ContagionResult.accounts_frame(market)``.

A lending analyst asks which of their accounts go; the result gave counts and sums
only. The frame has one row per account, labelled by its data row in the accounts file
(the accounts dropped below HF 1 at the start leave gaps), and its figures add up to the
market's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clihelpers import run_cli
from liqcascade.contagion import simulate_contagion
from liqcascade.contagion._config import build_setup, load_config
from liqcascade.errors import InputError
from test_contagion.test_account_legs import FILE, _with_accounts

# 0xa HF 1.006 at 2,000 (WETH's LT 0.83); 0xb below HF 1 at the start (dropped);
# 0xc far from liquidation; 0xd near it, half its debt owed in WETH
CSV = (
    "user,collateral,debt_usd,debt_collateral\n"
    "0xa,10,16500,0\n0xb,10,17000,0\n0xc,10,5000,0\n0xd,10,8000,4.2\n"
)


def test_the_frame_names_the_accounts_liquidated_and_adds_up(tmp_path: Path) -> None:
    setup = build_setup(load_config(_with_accounts(tmp_path, FILE, CSV)))
    res = simulate_contagion(setup.venues, setup.links, setup.lending, shock_venue="a",
                             shock=-0.06)  # fmt: skip
    name = setup.lending[0].name
    a = res.accounts_frame(name)
    d = res.defi[name]
    assert a.index.tolist() == [1, 3, 4]  # data row 2 (0xb) was left out at the start
    assert d["n_dropped_initially_liquidatable"] == 1
    # the health factor at the start by Aave's formula, every leg at 2,000 USD
    hf = [10 * 2000 * 0.83 / 16500, 10 * 2000 * 0.83 / 5000, 10 * 2000 * 0.83 / (8000 + 8400)]
    np.testing.assert_allclose(a["health_factor"], hf, rtol=1e-12)
    assert a["liquidated"].sum() == d["n_accounts_liquidated"]
    assert a.loc[1, "liquidated"] and a.loc[4, "liquidated"] and not a.loc[3, "liquidated"]
    for col, key in (
        ("collateral_seized_usd", "liquidated_usd"),
        ("debt_repaid_usd", "debt_repaid_usd"),
        ("bad_debt_usd", "bad_debt_usd"),
    ):
        assert a[col].sum() == pytest.approx(d[key], rel=1e-12, abs=1e-9), col  # fmt: skip
    # the seized tokens leave the account; its first call's round is recorded
    np.testing.assert_allclose(a["collateral_end"], a["collateral"] - a["collateral_seized"],
                               rtol=1e-12)  # fmt: skip
    assert (a.loc[a["liquidated"], "first_round"] >= 1).all()
    assert (a.loc[~a["liquidated"], "first_round"] == 0).all()
    with pytest.raises(InputError, match=r"unknown lending market 'x' \(markets: aave-weth\)"):
        res.accounts_frame("x")


def test_the_command_writes_the_frame_of_every_market(tmp_path: Path) -> None:
    cfg = _with_accounts(tmp_path, FILE, CSV)
    out = tmp_path / "new" / "accounts.csv"  # a folder that does not exist yet is made
    r = run_cli("contagion", "--config", str(cfg), "--liquidity", "static", "--json",
                "--accounts-csv", str(out))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "note: accounts: 3 rows written to" in r.stderr
    got = pd.read_csv(out)
    assert got.columns[:3].tolist() == ["market", "account", "collateral"]
    assert got["account"].tolist() == [1, 3, 4]
    m = r.json()["defi"]["markets"]["aave-weth"]
    assert got["collateral_seized_usd"].sum() == pytest.approx(m["liquidated_usd"], rel=1e-9)
    assert int(got["liquidated"].sum()) == m["n_accounts_liquidated"]


def test_an_accounts_csv_that_is_a_folder_exits_2_before_the_run(tmp_path: Path) -> None:
    cfg = _with_accounts(tmp_path, FILE, CSV)
    r = run_cli("contagion", "--config", str(cfg), "--accounts-csv", str(tmp_path))
    assert r.exit_code == 2
    assert r.stderr == f"error: --accounts-csv: {tmp_path} is a folder, not a file\n"
