"""An accounts table or file gives every debt leg; the oracles of a round read one instant.

A lending analyst's export owes USDC, USDT and WETH: an accounts file took ``debt_usd``
only, and a ``debt_weth`` column beside it was left out without a word (the accounts
then counted part of their debt); folding the WETH into ``debt_usd`` held it at $1 per
dollar while ETH fell. The legs the bundled snapshot uses (``debt_collateral`` in the
collateral's tokens, ``debt_source_usd`` moving with the oracle's venues) are now columns
of a file and keys of a table, and a debt or per-account-rules column the model does not
read is refused. Separately, a market listed later read its oracle venues after the
liquidators of the markets before it had sold there, so the order of the ``[[lending]]``
tables changed the figures.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.book import OrderBook
from liqcascade.contagion import LendingMarket, Oracle, Venue, simulate_contagion
from liqcascade.contagion._config import build_setup, load_config
from liqcascade.positions import PositionBook
from test_contagion.test_cli import CFG


def _with_accounts(tmp: Path, accounts: str, csv: str | None = None) -> Path:
    """``two_venues.toml`` with its accounts line replaced (and ``acc.csv`` written)."""
    text = CFG.read_text()
    old = re.search(r"^accounts = .*$", text, re.MULTILINE)
    assert old is not None
    p = tmp / "config.toml"
    p.write_text(text.replace(old.group(0), f"accounts = {accounts}"))
    for f in ("positions_a.csv", "positions_b.csv"):
        (tmp / f).write_text((CFG.parent / f).read_text())
    if csv is not None:
        (tmp / "acc.csv").write_text(csv)
    return p


FILE = '{ kind = "file", path = "acc.csv" }'


def test_a_files_debt_legs_reach_the_market(tmp_path: Path) -> None:
    csv = "user,collateral,debt_usd,debt_collateral,debt_source_usd,health_factor\n"
    csv += "0xa,10,6000,2.5,1000,1.2\n0xb,4,0,1,0,3.3\n"
    m = build_setup(load_config(_with_accounts(tmp_path, FILE, csv))).lending[0]
    assert m.collateral.tolist() == pytest.approx([10.0, 4.0], rel=1e-12)
    assert m.debt_usd.tolist() == pytest.approx([6000.0, 0.0], abs=1e-9)
    assert m.debt_collateral is not None and m.debt_source_usd is not None
    assert m.debt_collateral.tolist() == pytest.approx([2.5, 1.0], rel=1e-12)
    assert m.debt_source_usd.tolist() == pytest.approx([1000.0, 0.0], abs=1e-9)
    # the health factor at the start price (2,000 USD, WETH's LT 0.83) counts every leg
    hf = m.health_factors(2000.0)
    assert hf[0] == pytest.approx(10 * 2000 * 0.83 / (6000 + 2.5 * 2000 + 1000), rel=1e-12)
    assert hf[1] == pytest.approx(4 * 0.83 / 1, rel=1e-12)


def test_a_table_takes_the_legs_and_needs_no_debt_usd(tmp_path: Path) -> None:
    table = '{ kind = "table", collateral = [10.0, 4.0], debt_collateral = [8.0, 1.0] }'
    m = build_setup(load_config(_with_accounts(tmp_path, table))).lending[0]
    assert m.debt_usd.tolist() == [0.0, 0.0]
    assert m.debt_collateral is not None
    assert m.debt_collateral.tolist() == pytest.approx([8.0, 1.0], rel=1e-12)


@pytest.mark.parametrize(
    ("header", "row", "words"),
    [
        # left out without a word before: the accounts counted the stablecoins only
        (
            "collateral,debt_usd,debt_weth",
            "10,6000,2.5",
            "acc.csv: column 'debt_weth' is not read: give each account's debt in debt_usd",
        ),
        # an export's e-mode threshold: each account took the market's (0.83) silently
        (
            "collateral,debt_usd,liquidation_threshold",
            "10,6000,93%",
            "acc.csv: column 'liquidation_threshold' is not read: a lending market has one "
            "liq_threshold",
        ),
        ("collateral,debt_usd,eModeCategory", "10,6000,1", "column 'e_mode_category' is not read"),
        # the columns seen are named (the message named the missing ones only)
        (
            "user,collateral_amount,debt_usdc",
            "0xa,10,6000",
            "acc.csv: missing columns: collateral, debt_usd (columns seen: user, "
            "collateral_amount, debt_usdc)",
        ),
    ],
)
def test_a_column_the_model_would_misread_exits_2(
    tmp_path: Path, header: str, row: str, words: str
) -> None:
    p = _with_accounts(tmp_path, FILE, f"{header}\n{row}\n")
    r = run_cli("contagion", "--config", str(p), "--liquidity", "static", "--json")
    lines = r.stderr.splitlines()
    assert r.exit_code == 2 and len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and words in lines[0], lines[0]


def test_an_address_and_a_health_factor_column_are_left_out(tmp_path: Path) -> None:
    plain = _with_accounts(tmp_path, FILE, "collateral,debt_usd\n10,16500\n25,40500\n")
    ref = build_setup(load_config(plain)).lending[0]
    (tmp_path / "acc.csv").write_text(
        "user,collateral,debt_usd,health_factor\n0xa,10,16500,1.01\n0xb,25,40500,1.02\n"
    )
    m = build_setup(load_config(plain)).lending[0]
    assert m.debt_usd.tolist() == pytest.approx(ref.debt_usd.tolist(), rel=1e-12)


# -- an e-mode loan: WETH owed against WETH does not fall due with ETH ----------------------
def _one_venue(mid: float = 2000.0) -> Venue:
    e = np.empty(0)
    pos = PositionBook(np.empty(0, np.int8), e, e, e, e, e)
    return Venue("v", OrderBook.parametric(mid, 5e7, n_levels=3000), pos)


def _weth_loan(name: str, **debt: np.ndarray) -> LendingMarket:
    # 10 WETH at 2,000 USD, LT 0.93 and bonus 1 % (an ETH e-mode), 8.5 WETH of debt
    return LendingMarket(name, np.array([10.0]), debt.pop("debt_usd", np.array([0.0])), 0.93,
                         1.01, Oracle(("v",), 0.0), collateral_price=2000.0,
                         dex_depth_usd=1e8, **debt)  # fmt: skip


def test_weth_debt_given_as_weth_survives_a_fall_that_the_usd_reading_liquidates() -> None:
    as_weth = _weth_loan("weth", debt_collateral=np.array([8.5]))
    as_usd = _weth_loan("usd", debt_usd=np.array([8.5 * 2000.0]))
    r = simulate_contagion([_one_venue()], lending=[as_weth, as_usd], shock_venue="v",
                           shock_price=1600.0)  # fmt: skip
    # HF 10 · p · 0.93 / (8.5 · p) = 1.094 at every price; read as $17,000 it is
    # 10 · 1,600 · 0.93 / 17,000 = 0.875 at 1,600: wholly liquidated (HF <= 0.95)
    assert r.defi["weth"]["n_accounts_liquidated"] == 0
    assert r.defi["usd"]["n_accounts_liquidated"] == 1
    low = r.defi["usd"]["lowest_collateral_price"]
    assert low == pytest.approx(1600.0, rel=1e-3)
    seized = min(17_000.0 * 1.01 / low, 10.0) * low
    assert r.defi["usd"]["liquidated_usd"] == pytest.approx(seized, rel=1e-9)


# -- the order of the lending markets ------------------------------------------------------
def _thin_venue() -> Venue:
    e = np.empty(0)
    pos = PositionBook(np.empty(0, np.int8), e, e, e, e, e)
    return Venue("v", OrderBook.parametric(2000.0, 1e6, n_levels=3000), pos)


def _seller() -> LendingMarket:
    # 1,000 WETH against $1.7M: HF 0.88 at 1,800, its ~990 seized WETH sold on v
    return LendingMarket("seller", np.array([1000.0]), np.array([1.7e6]), 0.83, 1.05,
                         Oracle(("v",), 0.0), collateral_price=2000.0,
                         sell_to="v")  # fmt: skip


def _reader() -> LendingMarket:
    # accounts between HF 1 at 1,800 and at the price v falls to under the seller's sale
    coll = np.full(20, 10.0)
    debt = 10 * np.linspace(1790.0, 1700.0, 20) * 0.83
    return LendingMarket("reader", coll, debt, 0.83, 1.05, Oracle(("v",), 0.0),
                         collateral_price=2000.0, dex_depth_usd=1e8)  # fmt: skip


def test_every_oracle_reads_the_round_at_one_instant_whatever_the_order() -> None:
    runs = {}
    for order in ("seller first", "reader first"):
        lending = [_seller(), _reader()]
        lending = lending if order == "seller first" else lending[::-1]
        runs[order] = simulate_contagion([_thin_venue()], lending=lending, shock_venue="v",
                                         shock_price=1800.0)  # fmt: skip
    r = runs["seller first"]
    first = r.lending_frame().query("round == 1").set_index("market")["source_price"]
    # the seller's sale moved v (the next round reads it), but not the reader's round 1
    assert r.to_frame().query("round == 1")["defi_sold_base"].iloc[0] > 0
    assert first["reader"] == pytest.approx(first["seller"], rel=1e-12)
    for key in ("n_accounts_liquidated", "liquidated_usd", "lowest_collateral_price"):
        a, b = runs["seller first"].defi["reader"][key], runs["reader first"].defi["reader"][key]
        assert a == pytest.approx(b, rel=1e-12), key


@pytest.mark.parametrize(
    ("table", "words"),
    [
        (
            '{ kind = "table", collateral = [10.0, 4.0] }',
            "config.toml: lending[0].accounts: no debt: give debt_usd (or debt_collateral, "
            "debt_source_usd), one value per account",
        ),
        (
            '{ kind = "table", collateral = [10.0, 4.0], debt_usd = [1.0, 2.0], '
            "debt_collateral = [1.0] }",
            "config.toml: lending[0].accounts: collateral and debt_collateral differ in length "
            "(2 and 1 accounts)",
        ),
    ],
)
def test_a_table_without_debt_or_of_uneven_legs_exits_2(
    tmp_path: Path, table: str, words: str
) -> None:
    r = run_cli("contagion", "--config", str(_with_accounts(tmp_path, table)), "--json")
    assert r.exit_code == 2 and r.stderr == f"error: {words}\n", r.stderr
