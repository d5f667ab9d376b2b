"""Files saved by a spreadsheet: decimal commas in a ``;`` CSV are read, a workbook is refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade._tables import read_user_table
from liqcascade.data import read_file
from liqcascade.errors import InputError

_ROWS = [
    ("2025-06-01 00:00:00+00:00", "2528.06", "2528.8", "2515.34", "2525.76", "19395.965"),
    ("2025-06-01 01:00:00+00:00", "2525.77", "2530.38", "2492.0", "2507.29", "23362.9272"),
    ("2025-06-01 02:00:00+00:00", "2507.3", "2512.0", "2500.1", "2510", "1000"),
]


def _write(path: Path, sep: str, decimal: str) -> Path:
    lines = [sep.join(("ts", "open", "high", "low", "close", "volume"))]
    lines += [sep.join([r[0]] + [v.replace(".", decimal) for v in r[1:]]) for r in _ROWS]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_semicolon_csv_with_decimal_commas_reads_as_with_points(tmp_path: Path) -> None:
    commas = read_file(_write(tmp_path / "c.csv", ";", ","))[0].frame
    points = read_file(_write(tmp_path / "p.csv", ";", "."))[0].frame
    assert len(commas) == 3
    np.testing.assert_allclose(commas["close"], [2525.76, 2507.29, 2510.0], rtol=1e-12)
    pd.testing.assert_frame_equal(commas, points, rtol=1e-12)


def test_semicolon_user_table_with_decimal_commas(tmp_path: Path) -> None:
    p = tmp_path / "pos.csv"
    p.write_text("side;size;entry_price;note\nlong;1,5;3456,78;a,b\nshort;2;3400;x\n")
    df = read_user_table(p)
    np.testing.assert_allclose(df["size"], [1.5, 2.0], rtol=1e-12)
    np.testing.assert_allclose(df["entry_price"], [3456.78, 3400.0], rtol=1e-12)
    assert list(df["note"]) == ["a,b", "x"]  # text with a comma stays text


def test_comma_separated_file_is_not_read_with_decimal_commas(tmp_path: Path) -> None:
    p = tmp_path / "q.csv"
    p.write_text('side,size\nlong,"1,5"\n')
    assert list(read_user_table(p)["size"]) == ["1,5"]


def _xlsx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return path


def _ods(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office/>")
    return path


@pytest.mark.parametrize(
    "make",
    [
        lambda d: _xlsx(d / "book.xlsx"),
        lambda d: _xlsx(d / "book.zip"),  # told by content, not name
        lambda d: _ods(d / "sheet.ods"),
        lambda d: (
            (d / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
            and d / "old.xls"
        ),
    ],
    ids=["xlsx", "xlsx-named-zip", "ods", "xls"],
)
def test_a_workbook_is_refused_with_what_to_do(tmp_path: Path, make: object) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(InputError, match=r"is an Excel workbook: save the sheet as CSV and ingest"):
        read_file(path)
    with pytest.raises(InputError, match=r"is an Excel workbook: save the sheet as CSV and give"):
        read_user_table(path)
