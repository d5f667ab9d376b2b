"""A positions file whose row is liquidated at its own entry is refused by every reader
(cascade, liqmap, contagion files as well as solvency's: review-ops7 finding 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, read_positions

DATA = Path(__file__).resolve().parents[1] / "data" / "book"


def _with_row(tmp_path: Path, row: str) -> Path:
    lines = (DATA / "positions.csv").read_text().splitlines()
    f = tmp_path / "pos.csv"
    # every field given, empty ones too: a short line is refused as a cut file
    row += "," * (lines[0].count(",") - row.count(","))
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
    assert r.exit_code == 2 and "data row 3" in r.stderr and words in r.stderr, r.stderr


def test_right_side_rows_pass(tmp_path: Path) -> None:
    book = read_positions(_with_row(tmp_path, "long,1,2000,100,1900"))
    assert len(book) == 3 and book.liq_price[-1] == 1900.0


# -- the bankruptcy price lies at or beyond the liquidation price ---------------------------
def _file(tmp_path: Path, rows: list[str]) -> Path:
    f = tmp_path / "bank.csv"
    header = "side,size,entry_price,margin,liq_price,bankruptcy_price,margin_mode"
    f.write_text("\n".join([header, *rows]) + "\n")
    return f


@pytest.mark.parametrize(("row", "words"), [
    ("long,1,3000,300,2900,2950,isolated",
     "data row 2: bankruptcy_price 2,950.00 is above the liq_price 2,900.00 of a long"),
    ("short,1,3000,300,3100,3050,isolated",
     "data row 2: bankruptcy_price 3,050.00 is below the liq_price 3,100.00 of a short"),
    ("long,1,3000,300,,2990,isolated",  # the liq_price computed from the margin (~2,715)
     "data row 2: bankruptcy_price 2,990.00 is above the liq_price"),
])  # fmt: skip
def test_a_bankruptcy_price_before_the_liquidation_is_refused(
    tmp_path: Path, row: str, words: str
) -> None:
    f = _file(tmp_path, ["long,1,3000,300,2800,2700,isolated", row])
    with pytest.raises(InputError) as e:
        read_positions(f)
    assert e.value.row == 2 and words in str(e.value), str(e.value)
    assert "at or beyond the liquidation" in str(e.value)


def test_the_bankruptcy_rule_exempts_never_values_and_cross_rows(tmp_path: Path) -> None:
    book = read_positions(_file(tmp_path, [
        "long,1,3000,300,2900,2900,isolated",  # at the liquidation price: allowed
        "long,1,3000,3000,0,100,isolated",  # a long never liquidated (liq_price 0)
        "long,1,3000,300,2900,2950,cross",  # the account's equity sets both
        "short,1,3000,300,3100,3150,isolated",
    ]))  # fmt: skip
    assert list(book.bankruptcy_price[[0, 3]]) == [2900.0, 3150.0]


# -- PositionBook applies the bankruptcy rule too (session 23) ------------------------------
def test_a_book_built_in_python_refuses_a_bankruptcy_before_the_liquidation() -> None:
    with pytest.raises(InputError, match=r"^PositionBook: position 0: bankruptcy_price 2,950.00 "
                       r"is above the liq_price 2,900.00 of a long") as e:  # fmt: skip
        PositionBook([1], [1.0], [3000.0], [300.0], [2900.0], [2950.0])
    assert e.value.param == "bankruptcy_price" and "--" not in str(e.value)
    assert "cross=True" in str(e.value)  # the exemption a Python caller can give
    with pytest.raises(InputError, match=r"position 1: bankruptcy_price 3,050.00 is below"):
        PositionBook([1, -1], [1.0, 1.0], [3000.0] * 2, [300.0] * 2, [2900.0, 3100.0],
                     [2800.0, 3050.0])  # fmt: skip
    frame = PositionBook([1], [1.0], [3000.0], [300.0], [2900.0], [2800.0]).to_frame()
    with pytest.raises(InputError, match=r"bankruptcy_price 2,950\.00 is above"):
        PositionBook.from_frame(frame.assign(bankruptcy_price=[2950.0]))


def test_the_books_bankruptcy_rule_exempts_never_values_and_cross_positions() -> None:
    book = PositionBook(
        [1, 1, -1, 1, -1],
        [1.0] * 5,
        [3000.0] * 5,
        [300.0, 3000.0, 300.0, 300.0, 300.0],
        [2900.0, 0.0, np.inf, 2900.0, 3100.0],
        [2900.0, 100.0, np.inf, 2950.0, 3050.0],
        cross=[False, False, False, True, True],
    )  # at the liquidation price; a long never liquidated; a short never; two cross
    # the exemption travels with the positions
    again = [book.subset([3, 4]), book.scaled(2.0), PositionBook.from_frame(book.to_frame()),
             PositionBook.concat([book, book.subset([0])])]  # fmt: skip
    assert [b.cross.sum() for b in again] == [2, 2, 2, 2]
    assert book.to_frame()["margin_mode"].tolist()[-2:] == ["cross", "cross"]
    with pytest.raises(InputError, match="margin_mode in row 0 is 'x'") as e:
        PositionBook.from_frame(book.to_frame().assign(margin_mode=["x"] * 5))
    assert e.value.param == "cross"


def test_an_isolated_rows_liq_price_within_tolerance_is_its_bankruptcy_too(
    tmp_path: Path,
) -> None:
    """Its margin's bankruptcy (2,700) lies 10 before the stated liq_price 2,690 (within 1 %
    of the entry): the row was read with it, which PositionBook now refuses."""
    book = read_positions(_file(tmp_path, [
        "long,1,3000,300,2690,,isolated",
        "short,1,3000,300,3310,,isolated",
        "long,1,3000,300,2800,,isolated",  # before the margin's bankruptcy: that one kept
    ]))  # fmt: skip
    np.testing.assert_allclose(book.bankruptcy_price, [2690.0, 3310.0, 2700.0], rtol=1e-12)
