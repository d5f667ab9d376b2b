"""How much of the book the accounts holding several positions hold, and what they make.

``solvency`` prices a hedged (cross or unified) account leg by leg: it does not net it
(docs/solvency.md, "Caveats"). It warned with the accounts' rows only; the warning and the
JSON now say how much that concerns: the accounts' notional at the price before the
shock and its share of the book, the part that is a long against a short in one
account, and per scenario what their positions make of the liquidations and the
shortfall. Each figure is checked by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.positions import PositionBook
from liqcascade.solvency import Exchange, StressScenario, run_solvency
from liqcascade.solvency._accounts import shared_exposure, shared_in_run

#: Account 1 holds a hedge (long and short, 20x), account 2 a 10x long, account 3 a
#: 10x short (tests/test_solvency/test_board_reading.py's book).
UNIFIED = (
    "account,side,size,entry_price,leverage,margin_mode\n"
    "1,long,10,3700,20,cross\n"
    "1,short,10,3700,20,cross\n"
    "2,long,10,3700,10,isolated\n"
    "3,short,10,3700,10,isolated\n"
)
MID = 3698.39


def test_the_warning_and_the_json_say_how_much_of_the_book_is_shared(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    f = tmp_path / "unified.csv"
    f.write_text(UNIFIED)
    args = ("solvency", "--positions", str(f), "--mid", str(MID), "--scenario", "-10%")
    with caplog.at_level("WARNING"):
        r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    warn = [x for x in caplog.messages if x.startswith("warning:")]
    assert len(warn) == 1 and "account 1 (rows 1, 2)" in warn[0]
    # 20 ETH × 3,698.39 = 73,967.8 of 40 ETH × 3,698.39 = 147,935.6: half the book, all of
    # it a long against a short in account 1
    assert warn[0].endswith(
        "their positions hold 73,968 USD notional at 3,698.39 (50.0 % of the book's "
        "147,936 USD), of which 73,968 USD (50.0 % of the book, in 1 account) is a long "
        "against a short in the same account: a hedge whose price risk cancels in a netted "
        "account"
    ), warn[0]
    r = run_cli(*args, "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    e = out["shared_accounts_exposure"]
    assert (e["n_accounts"], e["n_hedged"]) == (1, 1) and e["price"] == pytest.approx(MID)
    assert e["notional_usd"] == pytest.approx(73_967.8, abs=0.01)
    assert e["book_notional_usd"] == pytest.approx(147_935.6, abs=0.01)
    assert e["share_of_book"] == pytest.approx(0.5, abs=1e-12)
    assert e["offset_notional_usd"] == pytest.approx(73_967.8, abs=0.01)
    # P1 = 3,328.551: account 1's long closes there, 33,285.51 USD, short of its bankruptcy
    # price 3,515 by (3,515 − P1) × 10 = 1,864.49 of the scenario's 1,878.98
    s = e["scenarios"]["-10%"]
    assert s["liquidated_usd"] == pytest.approx(33_285.51, abs=0.01)
    assert s["shortfall_usd"] == pytest.approx(1_864.49, abs=0.01)
    assert out["scenarios"][0]["shortfall_usd"] == pytest.approx(1_878.98, abs=0.01)
    note = out["notes"][-1]
    assert "make 33,286 of the 66,571 USD liquidated and 1,864 of the 1,879 USD" in note


def test_a_book_of_own_accounts_has_no_exposure(tmp_path: Path) -> None:
    f = tmp_path / "own.csv"
    f.write_text("account,side,size,entry_price,leverage\n1,long,10,3700,10\n2,short,10,3700,10\n")
    r = run_cli("solvency", "--positions", str(f), "--mid", str(MID), "--scenario", "-10%",
                "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["shared_accounts_exposure"] is None


def _book(account: list[int], side: list[int], size: list[float]) -> PositionBook:
    """10x positions at 100 (long: liquidation 91, bankruptcy 90; short: 109, 110)."""
    n = len(side)
    return PositionBook(
        side=side, size=size, entry_price=[100.0] * n,
        margin=[10.0 * s for s in size],
        liq_price=[91.0 if d > 0 else 109.0 for d in side],
        bankruptcy_price=[90.0 if d > 0 else 110.0 for d in side], account=account,
    )  # fmt: skip


def test_a_partial_hedge_offsets_its_smaller_leg_twice_and_same_sides_offset_nothing() -> None:
    # account 1: long 10 against short 4 (8 offset); account 2: two longs; account 3 alone
    book = _book([1, 1, 2, 2, 3], [1, -1, 1, 1, -1], [10.0, 4.0, 1.0, 2.0, 5.0])
    e = shared_exposure(book, 100.0)
    assert (e.n_accounts, e.n_hedged) == (2, 1)
    assert e.notional_usd == pytest.approx(1700.0, rel=1e-12)  # 17 of 22 units × 100
    assert e.share_of_book == pytest.approx(17 / 22, rel=1e-12)
    assert e.offset_notional_usd == pytest.approx(800.0, rel=1e-12)
    same = shared_exposure(_book([2, 2, 3], [1, 1, -1], [1.0, 2.0, 5.0]), 100.0)
    assert same.n_hedged == 0 and same.offset_notional_usd == 0.0
    assert same.text().endswith("none of it a long against a short in the same account")


@pytest.mark.parametrize("fee", [0.0, 0.01], ids=["no-fee", "fee"])
def test_one_shared_account_makes_the_whole_run_by_the_engines_own_accounting(
    fee: float,
) -> None:
    """Every position in one account: their figures are the scenario's (path engine)."""
    book = _book([7, 7, 7], [1, 1, -1], [1.0, 2.0, 1.0])
    res = run_solvency(
        Exchange(book, insurance_fund=0.0, mid=100.0, liquidation_fee=fee),
        [StressScenario("gap", -0.2)], engine="path",
    )  # fmt: skip
    o = res.outcomes[0]
    mine = res.to_dict()["shared_accounts_exposure"]["scenarios"]["gap"]
    # P1 = 80: both longs close there, 3 × 80 = 240 USD, short of 90 by 30 less the fee
    assert mine["liquidated_usd"] == pytest.approx(o.liquidated_usd, rel=1e-12)
    assert mine["liquidated_usd"] == pytest.approx(240.0, rel=1e-12)
    assert mine["shortfall_usd"] == pytest.approx(o.shortfall_usd, rel=1e-12)
    assert mine["shortfall_usd"] == pytest.approx(30.0 - fee * 240.0, rel=1e-12)


def test_positions_alone_in_their_accounts_make_nothing() -> None:
    import numpy as np

    book = _book([1, 2], [1, 1], [1.0, 1.0])
    got = shared_in_run(book, np.array([True, True]), np.array([80.0, 80.0]), True, 0.0)
    assert got == {"liquidated_usd": 0.0, "shortfall_usd": 0.0}
