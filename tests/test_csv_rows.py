"""A bad row of a user's CSV is named by its data row and its file line, for every reader.

pandas refused a line with an extra field naming a line of its own count ("Expected 4
fields in line 4, saw 5": past a quoted line break neither the data row nor the file
line); a value error named the data row alone, which a user opening the file in an
editor finds one line off (the header is line 1). Every ``error:`` line now reads
``FILE: data row N (file line M): ...``: exit 2, one line, no traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade._tables import file_line, read_user_table, with_file_line
from liqcascade.errors import InputError

BOOK = Path(__file__).resolve().parent / "data" / "book" / "book.csv"
POS_HEADER = "side,size,entry_price,leverage\n"

#: (file body after the header, data row, file line, what the message says)
CASES = {
    "bad-number": ("long,1,3000,10\nshort,abc,3100,5\n", 2, 3, "size is not a number"),
    "short-row": ("long,1,3000,10\nshort,2,3100\nlong,1,3000,10\n", 2, 3,
                  "malformed CSV: expected 4 fields, saw 3"),
    "extra-column": ("long,1,3000,10\nlong,1,3000,10\nshort,2,3100,5,9\n", 3, 4,
                     "malformed CSV: expected 4 fields, saw 5"),
    # a quoted field's line break and a blank line: data row 3 starts on line 6
    "quoted-newline": ('long,1,3000,10\n\n"long\nx",2,3100,5\nlong,1,3000,10,7\n', 3, 6,
                       "malformed CSV: expected 4 fields, saw 5"),
    # one more field on every data row: pandas read the first as an index, the rest shifted
    "trailing-separator": ("long,1,3000,10,\nshort,2,3100,5,\n", 1, 2,
                           "malformed CSV: expected 4 fields, saw 5"),
    "blank-lines": ("\nlong,1,3000,10\n\n\nshort,-2,3100,5\n", 2, 6, "size"),
}  # fmt: skip


def _one_error(r: object) -> str:
    code, out, err = r.exit_code, r.stdout, r.stderr  # type: ignore[attr-defined]
    assert code == 2, err
    assert "Traceback" not in err and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("error: ")
    return line


@pytest.mark.parametrize("case", list(CASES))
def test_a_positions_file_names_data_row_and_file_line(tmp_path: Path, case: str) -> None:
    body, row, line, what = CASES[case]
    p = tmp_path / "positions.csv"
    p.write_text(POS_HEADER + body)
    assert file_line(p, row) == line
    r = run_cli("cascade", "--positions", str(p), "--book", str(BOOK), "--shock", "-0.05")
    got = _one_error(r)
    assert got.startswith(f"error: {p}: data row {row} (file line {line}): "), got
    assert what in got


def test_an_order_book_and_a_portfolio_say_the_same(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text("side,price,size\nbid,99,2\n\nbid,98,x\nask,101,1\n")
    pos = tmp_path / "positions.csv"
    pos.write_text(POS_HEADER + "long,1,100,10\n")
    got = _one_error(run_cli("cascade", "--positions", str(pos), "--book", str(book),
                             "--shock", "-0.05"))  # fmt: skip
    assert got.startswith(f"error: {book}: data row 2 (file line 4): "), got
    port = tmp_path / "portfolio.csv"
    port.write_text("symbol,side,size,entry_price,leverage\nETHUSDT,long,1,3000,10,4\n")
    got = _one_error(run_cli("stress", "--portfolio", str(port), "--scenario", "shock"))
    assert got == (
        f"error: {port}: data row 1 (file line 2): malformed CSV: expected 5 fields, saw 6"
    )


def test_a_price_file_of_data_ingest_names_both(tmp_path: Path) -> None:
    f = tmp_path / "ETHUSDT_1h.csv"
    f.write_text(
        "ts,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,10\n\n"
        "1700003600000,1,2,0.5,1.5,10,3\n"
    )
    got = _one_error(run_cli("data", "ingest", str(f), "--store", str(tmp_path / "s.duckdb")))
    assert got == f"error: {f}: data row 2 (file line 4): malformed CSV: expected 6 fields, saw 7"


def test_the_library_names_a_malformed_line_before_pandas_does(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(POS_HEADER + CASES["quoted-newline"][0])
    with pytest.raises(InputError) as e:
        read_user_table(p)
    assert str(e.value) == (
        f"{p}: data row 3 (file line 6): malformed CSV: expected 4 fields, saw 5"
    )
    assert "Error tokenizing" not in str(e.value)


def test_with_file_line_leaves_what_it_cannot_place(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text(POS_HEADER + "long,1,3000,10\n")
    named = f"{p}: data row 1 (file line 2): size ..."
    assert with_file_line(f"{p}: data row 1: size ...") == named
    assert with_file_line(named) == named  # said once
    assert with_file_line(f"{p}: data row 9: x") == f"{p}: data row 9: x"  # no such row
    gone = f"{tmp_path / 'gone.csv'}: data row 1: x"
    assert with_file_line(gone) == gone
    pq = tmp_path / "p.parquet"
    pq.write_bytes(b"PAR1")
    assert file_line(pq, 1) is None  # a Parquet file has rows, no lines
    headerless = tmp_path / "h.csv"
    headerless.write_text("1700000000000,1,2\n\n1700003600000,1,2\n")
    assert file_line(headerless, 2) == 3  # no header: data row 1 is line 1
