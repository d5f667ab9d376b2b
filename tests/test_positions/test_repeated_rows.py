"""A positions file's exact repeated rows are kept, with one warning naming them (session 24).

Two identical positions can be real, so they are not refused; but a file exported twice
doubles the exposure, and until session 24 it was read without a word.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.positions import read_positions

HEAD = "account,side,size,entry_price,leverage\n"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "repeat" in r.getMessage()]


def test_repeated_rows_are_kept_and_named(tmp_path: Path, caplog) -> None:
    f = tmp_path / "p.csv"
    f.write_text(HEAD + "1,long,10,3600,20\n1,long,10,3600,20\n2,short,5,3700,10\n"
                 "2,short,5,3700,10\n1,long,10,3600,20\n")  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="liqcascade.positions"):
        book = read_positions(f)
    assert len(book) == 5  # kept
    (w,) = _warnings(caplog)
    assert w == (
        f"warning: {f}: data rows 2 (= data row 1), 4 (= data row 3), 5 (= data row 1) repeat "
        "an earlier row exactly: kept and counted (two identical positions can be real); drop "
        "the repeat if the file was exported twice"
    )


def test_rows_that_differ_in_one_cell_are_not_repeats(tmp_path: Path, caplog) -> None:
    f = tmp_path / "p.csv"
    f.write_text(HEAD + "1,long,10,3600,20\n2,long,10,3600,20\n1,long,10,3600.5,20\n")
    with caplog.at_level(logging.WARNING, logger="liqcascade.positions"):
        read_positions(f)
    assert _warnings(caplog) == []


def test_solvency_warns_and_runs(tmp_path: Path, caplog) -> None:
    f = tmp_path / "dup.csv"
    f.write_text(HEAD + "1,long,10,3600,20\n1,long,10,3600,20\n2,short,5,3700,10\n")
    with caplog.at_level(logging.WARNING, logger="liqcascade.positions"):
        r = run_cli("solvency", "--positions", str(f), "--mid", "3600", "--scenario=-10%",
                    "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert _warnings(caplog) == [
        f"warning: {f}: data row 2 (= data row 1) repeats an earlier row exactly: kept and "
        "counted (two identical positions can be real); drop the repeat if the file was "
        "exported twice"
    ]
    assert r.json()["n_positions"] == 3
