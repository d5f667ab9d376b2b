"""A margin and a leverage that disagree: the message says what each implies.

It said "the margin given is 20x" for a margin of 100 USD against leverage 10 (200 USD):
20x is the leverage that margin implies, not a multiple of the margin, and a margin
four times as large read "5x". Each branch is worded by what it is.
"""

from __future__ import annotations

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.margin import margin_disagreement


@pytest.mark.parametrize(
    ("margin", "implies"),
    [(100.0, "implies 20x leverage"), (400.0, "implies 5x leverage"),
     (3.0, "implies 667x leverage"), (0.0, "implies unbounded leverage")],
    ids=["smaller", "larger", "tiny", "zero"],
)  # fmt: skip
def test_each_branch_says_the_leverage_the_margin_implies(margin: float, implies: str) -> None:
    off = margin_disagreement(np.array([2000.0]), np.array([margin]), np.array([10.0]))
    assert off is not None and off[0] == 0
    text = off[1]
    assert text.startswith(f"margin {margin:,.2f} and leverage 10 disagree: the margin given, "
                           f"{margin:,.2f} USD, {implies} on the notional size * entry_price "
                           "= 2,000.00 USD, where leverage 10 gives a margin of size * "
                           "entry_price / leverage = 200.00 USD (more than 1 % apart)")  # fmt: skip
    # what to give: one of them, or the margin that agrees with the leverage asked
    assert text.endswith("or both agreeing (margin 200.00 with leverage 10)")
    assert "the margin given is" not in text


def test_the_command_line_names_both_flags_and_the_margin_that_agrees() -> None:
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--margin", "400", "--leverage", "10")  # fmt: skip
    assert r.exit_code == 2 and r.stdout == ""
    line = r.stderr.strip()
    assert line.startswith("error: --margin 400.00 and --leverage 10 disagree: the margin "
                           "given, 400.00 USD, implies 5x leverage")  # fmt: skip
    assert "leverage 10 gives a margin of size * entry_price / leverage = 200.00 USD" in line
    assert "(margin 200.00 with leverage 10)" in line and len(r.stderr.splitlines()) == 1
