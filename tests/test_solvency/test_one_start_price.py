"""Review of session 24: one price before the shock, and the scenario's fund before ADL.

- ``solvency --positions F --book B --engine path`` said the price before the shock was
  the size-weighted entry price and ran from the book's mid: two functions worked it
  out. :func:`~liqcascade.solvency._exchange.start_price` is now the one rule (the given
  mid, else the book's mid, else the size-weighted entry), checked once, naming the
  file's row (it was ``liq_price: PositionBook: position 0``).
- A scenario's ``fund_end_usd`` (row, table, repr) was the fund after the *first
  evaluated* policy's ADL: now the fund before ADL whatever the order, labelled so; the
  fund after each policy's ADL is in its own ADL row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.positions import PositionBook
from liqcascade.solvency import Exchange, StressScenario, run_solvency

TOL = 1e-6


def _write(tmp_path: Path, name: str, text: str) -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


def _book(tmp_path: Path, mid: float) -> Path:
    """An order book of one level a side, 1 USD either side of ``mid``."""
    return _write(tmp_path, "book.csv", f"side,price,size\nbid,{mid - 1},10\nask,{mid + 1},10\n")


def test_path_engine_on_a_book_starts_at_its_mid_and_says_so(tmp_path: Path) -> None:
    f = _write(tmp_path, "one.csv", "account,side,size,entry_price,leverage\na,long,1,2000,5\n")
    book = _book(tmp_path, 2900.0)
    r = run_cli("solvency", "--positions", str(f), "--book", str(book), "--engine", "path",
                "--scenario=-10%", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = r.json()
    # the line said 2,000 (the weighted entry) and the run ended at 2,900 x 0.9
    assert d["pre_shock_price"]["usd"] == pytest.approx(2900.0, abs=TOL)
    assert d["pre_shock_price"]["source"] == f"the mid of the order book {book}"
    assert d["scenarios"][0]["final_price"] == pytest.approx(2900.0 * 0.9, abs=TOL)


def test_past_liquidation_on_the_path_engine_names_the_files_row(tmp_path: Path) -> None:
    f = _write(tmp_path, "l20.csv", "side,size,entry_price,leverage\nlong,1,3000,20\n")
    book = _book(tmp_path, 2800.0)  # below the 20x long's 2,861.45
    r = run_cli("solvency", "--positions", str(f), "--book", str(book), "--engine", "path")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        f"error: {f}: data row 1 (file line 2): already beyond its liquidation price 2,861.45 at "
        f"the price "
        f"before the shock (mid of the order book {book}) 2,800.00"
    )


@pytest.mark.parametrize(
    "rows",
    [
        "a,long,1,2000,5\nb,long,1,3000,20\n",  # two longs: weighted entry 2,500
        "a,long,1,3000,20\nb,short,1,2000,2\n",  # hedged: weighted entry 2,500
    ],
)
def test_ordinary_books_past_at_the_weighted_entry_say_to_give_mid(
    tmp_path: Path, rows: str
) -> None:
    f = _write(tmp_path, "p.csv", "account,side,size,entry_price,leverage\n" + rows)
    r = run_cli("solvency", "--positions", str(f), "--scenario=-1%")
    assert r.exit_code == 2
    assert "at the price before the shock (size-weighted entry price of" in r.stderr
    assert r.stderr.strip().endswith("2,500.00; give --mid (the price before the shock)")
    ok = run_cli("solvency", "--positions", str(f), "--mid", "2950", "--scenario=-1%")
    assert ok.exit_code == 0, ok.stderr


def test_start_price_is_the_mid_else_the_books_else_the_weighted_entry() -> None:
    from liqcascade.book import OrderBook
    from liqcascade.solvency._exchange import start_price

    pos = PositionBook(
        np.array([1, -1], np.int8), np.array([1.0, 3.0]), np.array([2000.0, 3000.0]),
        np.array([100.0, 300.0]), np.array([1910.0, 3100.0]), np.array([1900.0, 3150.0]),
    )  # fmt: skip
    ob = OrderBook.from_levels(2800.0, [[2799.0, 10.0]], [[2801.0, 10.0]])
    assert start_price(pos, ob, 2700.0) == (pytest.approx(2700.0), "mid")
    assert start_price(pos, ob) == (pytest.approx(2800.0), "book")
    assert start_price(pos) == (pytest.approx((2000.0 + 9000.0) / 4.0), "entry")
    # run_solvency's path engine starts there too
    res = run_solvency(Exchange(pos, insurance_fund=0.0), [StressScenario("s", -0.1)],
                       order_book=ob, engine="path")  # fmt: skip
    assert res.outcomes[0].final_price == pytest.approx(2800.0 * 0.9, abs=TOL)


#: A 50x long whose bad debt a whole-position queue overshoots (the reviewer's ov.csv).
OV = (
    "account,side,size,entry_price,leverage\n"
    "a,long,10,3000,50\nb,short,50,3000,2\nc,short,1,3000,2\n"
)


@pytest.mark.parametrize("first", ["binance", "socialized"])
def test_the_scenarios_fund_is_before_adl_whichever_policy_comes_first(
    tmp_path: Path, first: str
) -> None:
    f = _write(tmp_path, "ov.csv", OV)
    args = ["solvency", "--positions", str(f), "--insurance-fund", "0", "--scenario=-20%",
            "--whole-positions"]  # fmt: skip
    d = run_cli(*args, "--adl-policy", first, "--json").json()
    s = d["scenarios"][0]
    assert s["bad_debt_usd"] == pytest.approx(5400.0, abs=TOL) and not s["survives"]
    # was 21,600 with binance first (its overshoot) and 0 with socialized first
    assert s["fund_end_usd"] == pytest.approx(0.0, abs=TOL)
    assert s["fund_before_adl_usd"] == pytest.approx(0.0, abs=TOL)
    after = {"binance": 21600.0, "socialized": 0.0}[first]
    assert d["adl"][first]["fund_end_usd"] == pytest.approx(after, abs=TOL)


def test_the_table_and_repr_label_the_fund_before_adl(tmp_path: Path) -> None:
    f = _write(tmp_path, "ov.csv", OV)
    r = run_cli("solvency", "--positions", str(f), "--insurance-fund", "0", "--scenario=-20%",
                "--whole-positions", "--adl-policy", "all", env={"COLUMNS": "240"})  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "fund before ADL (USD)" in r.stdout and "fund after ADL (USD)" in r.stdout
    adl = r.stdout.split("ADL policies on")[1]
    binance = next(line for line in adl.splitlines() if "binance" in line)
    assert "21,600" in binance
    from liqcascade.positions import read_given_positions

    pos = read_given_positions(f, reference_price=3000.0)
    o = run_solvency(Exchange(pos, insurance_fund=0.0, mid=3000.0), [StressScenario("s", -0.2)],
                     engine="path", whole_positions=True).outcomes[0]  # fmt: skip
    assert "fund_before_adl_usd=0" in repr(o) and "fund_end_usd" not in repr(o)
