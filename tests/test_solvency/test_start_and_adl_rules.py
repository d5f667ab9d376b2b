"""Session 24 (exchange risk team): one rule at the start, the fund after ADL, which ADL table.

- A position already beyond its liquidation price at the price before the shock is
  refused by ``solvency`` and ``cascade`` (files, naming the row, the price and the
  liquidation price) and by ``run_solvency`` (a book built in Python), as ``stress
  --portfolio`` refuses it: before, the path and cascade engines never liquidated such
  a long on a rise and booked it as bad debt on any fall.
- A whole-position queue's overshoot is credited to the fund (docs/solvency.md, the
  ledger): each ADL policy's ``fund_end_usd`` is the fund the liquidations left plus
  it; the scenario's row keeps the fund before ADL (labelled so), one figure whatever
  policy comes first.
- The ADL table is the worst scenario's (the largest bad debt), and says so.
- ``liq_fee`` is one fraction in [0, 1) for both commands and their library entry points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.cascade import CascadeConfig
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from liqcascade.solvency import Exchange, StressScenario, run_solvency
from test_solvency._helpers import write_positions

TOL = 1e-9


def _book_file(tmp_path: Path, mid: float) -> Path:
    """A small order book around ``mid`` (bids and asks 0.1 % apart, 50 levels a side)."""
    f = tmp_path / "book.csv"
    k = np.arange(1, 51)
    lines = ["side,price,size"]
    lines += [f"bid,{mid * (1 - 0.001 * i):.4f},5" for i in k]
    lines += [f"ask,{mid * (1 + 0.001 * i):.4f},5" for i in k]
    f.write_text("\n".join(lines) + "\n")
    return f


# ------------------------------------------------------------------ beyond at the start
def test_solvency_refuses_a_long_beyond_its_liquidation_price_at_the_given_mid(
    tmp_path: Path,
) -> None:
    # the long a (liq 1,910) at a mid of 1,900: it would be liquidated before any shock
    f = write_positions(tmp_path)
    r = run_cli("solvency", "--positions", str(f), "--mid", "1900", "--scenario=+1%")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        f"error: {f}: data row 1 (file line 2): already beyond its liquidation price 1,910.00 at "
        f"the given "
        "mid 1,900.00"
    )
    assert r.stdout == ""


def test_solvency_and_cascade_refuse_it_at_the_books_mid(tmp_path: Path) -> None:
    f = write_positions(tmp_path)
    book = _book_file(tmp_path, 1905.0)  # mid 1,905: below the long a's 1,910
    s = run_cli("solvency", "--positions", str(f), "--book", str(book), "--scenario=+10%")
    assert s.exit_code == 2
    assert (
        f"{f}: data row 1 (file line 2): already beyond its liquidation price 1,910.00 at "
        in s.stderr
    )
    assert f"mid of the order book {book}) 1,905.00" in s.stderr
    c = run_cli("cascade", "--positions", str(f), "--book", str(book), "--shock", "0.1")
    assert c.exit_code == 2
    assert c.stderr.strip() == (
        f"error: {f}: data row 1 (file line 2): already beyond its liquidation price 1,910.00 at "
        f"the mid of "
        f"{book} 1,905.00"
    )


def test_solvency_refuses_it_at_the_size_weighted_entry_price(tmp_path: Path) -> None:
    # no mid: the path engine starts at the size-weighted entry price, 1,950 here, where
    # the long (liq 1,960) is already past it
    f = tmp_path / "p.csv"
    f.write_text(
        "side,size,entry_price,margin,liq_price,bankruptcy_price\n"
        "long,1,2000,40,1960,1950\nlong,1,1900,190,1720,1710\n"
    )
    r = run_cli("solvency", "--positions", str(f), "--scenario=-5%")
    assert r.exit_code == 2
    # the refusal says the price is the weighted entry and what to give instead
    assert r.stderr.strip() == (
        f"error: {f}: data row 1 (file line 2): already beyond its liquidation price 1,960.00 at "
        f"the price "
        f"before the shock (size-weighted entry price of {f}) 1,950.00; give --mid (the "
        "price before the shock)"
    )
    # the library names the parameter; a mid where both hold runs
    from liqcascade.solvency import run_solvency_request

    with pytest.raises(InputError) as e:
        run_solvency_request(0.0, positions=f, scenarios=[StressScenario("s", -0.05)])
    assert e.value.param == "mid" and e.value.file == str(f)
    ok = run_cli("solvency", "--positions", str(f), "--mid", "1980", "--scenario=-5%")
    assert ok.exit_code == 0, ok.stderr


def test_run_solvency_refuses_a_book_built_in_python() -> None:
    pos = PositionBook(
        np.array([1, -1], np.int8), np.array([1.0, 1.0]), np.array([2000.0, 2000.0]),
        np.array([100.0, 200.0]), np.array([1910.0, 2190.0]), np.array([1900.0, 2200.0]),
    )  # fmt: skip
    ex = Exchange(pos, insurance_fund=0.0, mid=2195.0)  # the short is past its 2,190
    with pytest.raises(InputError) as e:
        run_solvency(ex, [StressScenario("s", -0.05)], engine="path")
    assert e.value.param == "liq_price"
    assert str(e.value) == (
        "liq_price: PositionBook: position 1: already beyond its liquidation price 2,190.00 at the "
        "given mid 2,195.00"
    )
    # the same book at a mid both are short of runs
    ok = run_solvency(Exchange(pos, insurance_fund=0.0, mid=2000.0),
                      [StressScenario("s", -0.05)], engine="path")  # fmt: skip
    assert ok.outcomes[0].n_liquidated == 1


# ------------------------------------------------------------------ overshoot to the fund
def test_whole_position_overshoot_goes_to_the_fund(tmp_path: Path) -> None:
    # -8 % from 2,000 -> 1,840: long a (bankrupt at 1,900) loses 60; the 50 fund covers
    # 50, bad debt 10. The whole-position queue closes the short c in full: its capacity
    # |1,840 - 1,900| x 1 = 60, so the haircut is 60 and 50 overshoots the 10.
    f = write_positions(tmp_path)
    r = run_cli("solvency", "--positions", str(f), "--insurance-fund", "50", "--mid", "2000",
                "--scenario=-8%", "--whole-positions", "--adl-policy", "binance",
                "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    s, a = d["scenarios"][0], d["adl"]["binance"]
    assert s["bad_debt_usd"] == pytest.approx(10.0, abs=TOL)
    assert a["overshoot_usd"] == pytest.approx(50.0, abs=TOL)
    # the fund: 50 - the 50 it covered + 0 surplus, then + the overshoot
    # (the scenario's row: before ADL, whichever policy; the policy's row: after its ADL)
    assert s["fund_before_adl_usd"] == pytest.approx(0.0, abs=TOL)
    assert s["fund_end_usd"] == pytest.approx(s["fund_before_adl_usd"], abs=TOL)
    assert a["fund_end_usd"] == pytest.approx(50.0, abs=TOL)
    # conservation: fund_end = fund_start - covered by the fund + surpluses + overshoot,
    # and the haircut = what ADL covered + the overshoot
    assert a["fund_end_usd"] == pytest.approx(50.0 - 50.0 + 0.0 + a["overshoot_usd"], abs=TOL)
    assert a["haircut_usd"] == pytest.approx(a["covered_usd"] + a["overshoot_usd"], abs=TOL)


def test_fund_after_adl_per_policy_in_the_library() -> None:
    from test_solvency.test_exchange import _book

    ex = Exchange(_book(), insurance_fund=50.0, mid=2000.0)
    o = run_solvency(ex, [StressScenario("s", -0.08)], engine="path", whole_positions=True,
                     policies=("binance", "socialized")).outcomes[0]  # fmt: skip
    for p, r in o.adl.items():
        assert o.fund_after_adl(p) == pytest.approx(o.fund_end_usd + r.overshoot_usd, abs=TOL)
    assert o.adl["binance"].overshoot_usd == pytest.approx(50.0, abs=TOL)
    assert o.adl["socialized"].overshoot_usd == pytest.approx(0.0, abs=TOL)  # pro-rata: exact
    assert o.fund_after_adl(None) == o.fund_end_usd


# ------------------------------------------------------------------ the ADL table's scenario
def test_adl_table_is_the_worst_scenarios_and_says_so(tmp_path: Path) -> None:
    f = write_positions(tmp_path)
    args = ["solvency", "--positions", str(f), "--insurance-fund", "50", "--mid", "2000"]
    # b (170 USD of bad debt, more than the winners can give) after a (10 USD, closable)
    r = run_cli(*args, "--scenario=b=-0.12", "--scenario=-8%")
    assert r.exit_code == 0, r.stderr
    assert "ADL policies on b (the scenario with the largest bad debt)" in r.stdout
    from test_solvency.test_exchange import _book

    res = run_solvency(Exchange(_book(), insurance_fund=50.0, mid=2000.0),
                       [StressScenario("b", -0.12), StressScenario("a", -0.08)],
                       engine="path")  # fmt: skip
    assert res.adl_outcome.name == "b" == res.worst.name
    assert res.to_dict()["adl_scenario"] == "b"


# ------------------------------------------------------------------ one liq_fee range
@pytest.mark.parametrize(
    ("command", "bound"),
    [(["solvency"], "0.05"), (["cascade", "--shock", "-0.05", "--liquidity", "static"], "1")],
)
def test_liq_fee_of_one_is_refused_alike(command: list[str], bound: str) -> None:
    # one wording; solvency's exchange fee is bounded at 5 % (exch30 §3: 0.5 read as 50 %)
    r = run_cli(*command, "--liq-fee", "1")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        f"error: --liq-fee must be a fraction in [0, {bound}) (got 1; for 1 % give 0.01)"
    )


def test_liq_fee_rule_of_the_library_entry_points() -> None:
    from liqcascade.cascade import run_cascade_request
    from liqcascade.solvency import run_solvency_request
    from test_solvency.test_exchange import _book

    for call, name, bound in (
        (lambda: CascadeConfig(liquidation_fee=1.0), "liquidation_fee", "1"),
        (lambda: Exchange(_book(), insurance_fund=0.0, liquidation_fee=1.0), "liquidation_fee",
         "1"),
        (lambda: run_cascade_request(shock=-0.05, liq_fee=1.0), "liq_fee", "1"),
        # the command's request bounds an exchange's fee at 5 % (exch30 §3)
        (lambda: run_solvency_request(0.0, liq_fee=1.0), "liq_fee", r"0\.05"),
    ):  # fmt: skip
        with pytest.raises(InputError, match=rf"^{name} must be a fraction in \[0, {bound}\)") as e:
            call()
        assert e.value.param == name
    assert CascadeConfig(liquidation_fee=0.999).liquidation_fee == pytest.approx(0.999)
