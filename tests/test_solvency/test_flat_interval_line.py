"""A calibrated run whose 80 % interval has no width says why, under the table.

Trial 35: ``solvency --positions book.csv --book ob.csv --liquidity calibrated --asset
ETH`` printed ``1,628,410 (1,628,410 … 1,628,410)`` and ``0 (0 … 0)`` in every row: on
a positions file the interval is over the liquidity calibration's 12 draws alone, and
at 2025-07-31 each of them closes the same positions at the same prices. Read as it
stood it is a certainty; the line says what it spans.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade._cli._solvency_text import flat_interval_line
from liqcascade.book import OrderBook


def _scen(name: str, lo: float, hi: float, books: int = 1) -> dict:  # type: ignore[type-arg]
    iv = {"liquidated_p10_usd": lo, "liquidated_p90_usd": hi, "bad_debt_p10_usd": 0.0,
          "bad_debt_p90_usd": 0.0, "final_price_p10": 3328.551, "final_price_p90": 3328.551,
          "n_draws": 12, "n_book_draws": books}  # fmt: skip
    return {"name": name, "interval": iv}


def test_the_line_names_the_flat_scenarios_and_what_the_interval_spans() -> None:
    every = flat_interval_line({"scenarios": [_scen("-10%", 5.0, 5.0), _scen("-30%", 7.0, 7.0)]})
    assert every is not None
    assert every.startswith("80 % over the draws: in every scenario all 12 draws give the same")
    assert "the liquidity calibration's alone (no position-book draws" in every
    some = flat_interval_line({"scenarios": [_scen("-10%", 5.0, 5.0), _scen("-30%", 6.0, 7.0)]})
    assert some is not None and "in -10 % all 12 draws" in some
    # 12 liquidity × 10 book draws that agree: all 120 named, not "the calibration's alone"
    books = flat_interval_line({"scenarios": [_scen("-5%", 5.0, 5.0, books=10)]})
    assert books is not None and "all 120 draws" in books and "alone" not in books


def test_no_line_when_every_interval_has_width_or_there_is_none() -> None:
    assert flat_interval_line({"scenarios": [_scen("-10%", 4.0, 5.0)]}) is None
    assert flat_interval_line({"scenarios": [{"name": "-10%"}]}) is None  # static, path


def test_a_positions_file_on_the_calibrated_response(tmp_path: Path) -> None:
    book = tmp_path / "ob.csv"
    OrderBook.parametric(3698.39, 30e6).to_frame().to_csv(book, index=False)
    pos = tmp_path / "pos.csv"
    pos.write_text("side,size,entry_price,leverage\nlong,10,3700,20\nlong,5,3650,10\n"
                   "short,4,3700,10\n")  # fmt: skip
    args = ("solvency", "--positions", str(pos), "--book", str(book), "--liquidity",
            "calibrated", "--asset", "ETH", "--scenario=-10%", "--scenario=-20%")  # fmt: skip
    out = json.loads(run_cli(*args, "--json").stdout)
    for s in out["scenarios"]:  # the draws agree on this date: the interval has no width
        iv = s["interval"]
        assert iv["n_book_draws"] == 1 and iv["n_draws"] == 12
        assert iv["liquidated_p90_usd"] == pytest.approx(iv["liquidated_p10_usd"], rel=1e-9)
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert "80 % over the draws: in every scenario all 12 draws give the same figures" in (
        " ".join(r.stdout.split())
    )
