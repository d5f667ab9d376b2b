"""A positions file whose row is liquidated at its own entry is refused by every reader
(cascade, liqmap, contagion files as well as solvency's: review-ops7 finding 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.positions import read_positions

DATA = Path(__file__).resolve().parents[1] / "data" / "book"


def _with_row(tmp_path: Path, row: str) -> Path:
    lines = (DATA / "positions.csv").read_text().splitlines()
    f = tmp_path / "pos.csv"
    f.write_text("\n".join([lines[0], *lines[1:3], row]) + "\n")
    return f


@pytest.mark.parametrize(("row", "words"), [  # entries near the book's mid (100)
    ("long,1,100,5,125", "at or above the entry price 100.00 of a long"),
    ("short,1,100,5,95", "at or below the entry price 100.00 of a short"),
])  # fmt: skip
def test_wrong_side_liq_price_is_refused_naming_the_row(
    tmp_path: Path, row: str, words: str
) -> None:
    header = (DATA / "positions.csv").read_text().splitlines()[0]
    assert header.split(",")[:5] == ["side", "size", "entry_price", "margin", "liq_price"]
    f = _with_row(tmp_path, row)
    with pytest.raises(InputError) as e:
        read_positions(f)
    assert e.value.row == 3 and words in str(e.value)
    r = run_cli("cascade", "--positions", str(f), "--book", str(DATA / "book.csv"),
                "--shock", "-0.05")  # fmt: skip
    assert r.exit_code == 2 and "row 3" in r.stderr and words in r.stderr, r.stderr


def test_right_side_rows_pass(tmp_path: Path) -> None:
    book = read_positions(_with_row(tmp_path, "long,1,2000,100,1900"))
    assert len(book) == 3 and book.liq_price[-1] == 1900.0
