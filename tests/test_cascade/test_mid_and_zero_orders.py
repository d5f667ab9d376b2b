"""``cascade`` with files: a ``--mid`` off the book is the option's fault; a zero order is no shock.

``--mid 370000`` on a book about 3,700 was refused as the book's row ("data row 2: ask
3702 is not above mid 370000"); ``--shock 0`` was refused while ``--shock-sell-usd 0``
ran a cascade that moved nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from test_reliability._helpers import assert_refused

D = Path(__file__).resolve().parents[1] / "data" / "book"
POS = ("--positions", str(D / "positions.csv"))
BOOK = str(D / "book.csv")


def test_a_mid_far_from_the_book_names_the_option_and_the_books_prices() -> None:
    r = run_cli("cascade", *POS, "--book", BOOK, "--mid", "10000", "--shock", "-0.05")
    line = assert_refused(r, "error: --mid 10,000 is outside ", "book.csv's prices ",
                          "more than 10x away is a unit error", "best bid", "best ask")  # fmt: skip
    assert "data row" not in line
    # a mid among the levels: the book's level on its wrong side is named, as before
    # (test_cli.test_malformed_book_names_file_and_row)


def test_a_mid_between_the_sides_still_runs() -> None:
    r = run_cli("cascade", *POS, "--book", BOOK, "--mid", "100", "--shock", "-0.05")
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize("flag", ["--shock-sell-usd", "--shock-buy-usd", "--shock"])
def test_a_zero_shock_is_refused_alike(flag: str) -> None:
    r = run_cli("cascade", *POS, "--book", BOOK, "--mid", "100", f"{flag}=0")
    assert_refused(r, f"error: {flag} must be non-zero (a ")
