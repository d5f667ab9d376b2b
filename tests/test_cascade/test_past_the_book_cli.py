"""Issue 17 item 2 on the real estimated market: a shock past the book is never reported as safe."""

from __future__ import annotations

import pytest

from clihelpers import run_cli


@pytest.mark.parametrize("shock", ["-0.5", "500%"])  # a +500 % rise: said as a percent
def test_cascade_past_the_book_books_the_losses(shock: str) -> None:
    r = run_cli("cascade", f"--shock={shock}", "--liquidity", "static", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["book_exhausted"] is True
    assert out["n_liquidated"] > 0 and out["unfilled_base"] > 0
    key = "liquidated_long_usd" if shock.startswith("-") else "liquidated_short_usd"
    assert out[key] > 0
    assert out["bad_debt_usd"] > 0
    # everything closed past the book closed at the price reached
    assert out["final_price"] == pytest.approx(out["shock_price"], rel=1e-12)


def test_solvency_bad_debt_at_minus_50_is_at_least_that_at_minus_30() -> None:
    rows = {}
    for s in ("-0.3", "-0.5"):
        r = run_cli("solvency", "--insurance-fund", "2e6", f"--scenario={s}", "--json")
        assert r.exit_code == 0, r.stderr
        (rows[s],) = r.json()["scenarios"]
    assert rows["-0.5"]["book_exhausted"] is True
    assert rows["-0.5"]["bad_debt_usd"] >= rows["-0.3"]["bad_debt_usd"] > 0
    assert rows["-0.5"]["n_liquidated"] >= rows["-0.3"]["n_liquidated"]
    assert not rows["-0.5"]["survives"]
