"""``stress --portfolio`` notes the columns it does not read, as ``liqmap --positions`` does.

Trial 23: a portfolio's extra ``comment`` column was ignored without a word, while
``liqmap --positions`` prints ``note: FILE: N columns not read: ...`` for the same kind
of file. One helper prints both (``positions.note_unread``, from the library readers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli

ROWS = (
    "symbol,side,size,entry_price,leverage,stop_price{extra}\nETHUSDT,long,10,3700,20,3600{val}\n"
)


def _file(tmp_path: Path, extra: str = "", val: str = "") -> str:
    p = tmp_path / "port.csv"
    p.write_text(ROWS.format(extra=extra, val=val))
    return str(p)


def test_extra_column_noted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = _file(tmp_path, ",comment", ",x")
    r = run_cli("stress", "--portfolio", f, "--scenario", "shock", "--shocks=-5%")
    assert r.exit_code == 0, r.stderr
    # printed on stderr by the command line's log handler (captured here by pytest)
    notes = [m.getMessage() for m in caplog.records if "not read" in m.getMessage()]
    assert len(notes) == 1, r.stderr
    assert notes[0].startswith(f"note: {f}: 1 column not read: comment; a portfolio file reads ")
    assert "entry_price" in notes[0] and "stop_price" in notes[0]


def test_no_note_without_extra_columns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    r = run_cli("stress", "--portfolio", _file(tmp_path), "--scenario", "shock", "--shocks=-5%")
    assert r.exit_code == 0, r.stderr
    assert not [m for m in caplog.records if "not read" in m.getMessage()]


def test_a_refused_portfolio_prints_its_error_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Bad input is one ``error:`` line: the note waits until the file has been read.

    The note was printed before the library read the file, so a refused file with an
    extra column printed ``note: ...`` and then ``error: ...`` (liqmap --positions notes
    only a file it read).
    """
    p = tmp_path / "bad.csv"
    p.write_text("symbol,side,size,entry_price,leverage,comment\nETHUSDT,long,-10,3700,20,x\n")
    r = run_cli("stress", "--portfolio", str(p), "--scenario", "shock", "--shocks=-5%")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == f"error: {p}: data row 1 (file line 2): size must be > 0 (got -10.0)"
    assert not [m for m in caplog.records if "not read" in m.getMessage()]
