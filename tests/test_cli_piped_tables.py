"""Tables printed where no screen reads them (a pipe, a log, cron): no word cut, no trailing spaces.

With no terminal on any standard stream and no ``COLUMNS``, rich falls back to 80
columns: ``solvency`` printed ``hyperliqu`` over ``id`` and ``scenar`` over ``io``, and
every line ended in the spaces that pad it to the width.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from rich.table import Table

from liqcascade._cli import _common

HEADERS = (
    "policy", "accounts", "notional (USD)", "haircut (USD)", "fund after ADL (USD)", "gini",
    "bottom-quartile share", "scenario", "survives", "min reserve ratio",
)  # fmt: skip
ROWS = (
    ("hyperliquid", "11894", "52,879,718", "11,951,201", "1,736", "0.703", "1.39 %",
     "2025-10-10 *", "yes", "21.38 %"),
    ("socialized", "14561", "52,879,718", "11,951,201", "1,736", "0.714", "1.43 %", "-30 %",
     "no", "0.95 %"),
)  # fmt: skip


def _table() -> Table:
    t = Table(title="ADL policies on -30%")
    for h in HEADERS:
        t.add_column(h, justify="right")
    for r in ROWS:
        t.add_row(*r)
    return t


def _no_terminal(*args: object) -> os.terminal_size:
    raise OSError("not a terminal")


@pytest.fixture
def out(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stdout captured, no COLUMNS and no terminal on any standard stream (cron)."""
    buf = io.StringIO()
    monkeypatch.setattr(_common.stdout, "_file", buf)
    monkeypatch.setattr(_common.stdout, "_width", None)
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(os, "get_terminal_size", _no_terminal)
    return buf


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\s│┃┏┓┗┛━┳┻╇┡┩└┘─┴]+", text))


def test_a_piped_table_cuts_no_word(out: io.StringIO) -> None:
    assert _common.stdout.width == 80 and _common.stdout._width_unknown()
    _common.stdout.print(_table())
    text = out.getvalue()
    printed = _words(text)
    for word in {w for cell in (*HEADERS, *(c for r in ROWS for c in r)) for w in cell.split()}:
        assert word in printed, (word, text)
    # a number's percent sign stays beside it: no line holds a '%' cell alone
    assert not re.search(r"[│┃]\s+%\s+[│┃]", text), text
    assert not any(line.endswith(" ") for line in text.splitlines()), text


def test_piped_lines_lose_their_trailing_spaces(out: io.StringIO) -> None:
    """emit's two-column table (no box) padded its every line to the width."""
    _common.emit({"shock_price": 3513.47, "asset": "ETH", "a_longer_key": "x"}, False)
    _common.line("report written to /tmp/r/report.html")
    lines = out.getvalue().splitlines()
    assert len(lines) == 4 and lines[-1] == "report written to /tmp/r/report.html"
    assert not any(line.endswith(" ") for line in lines), lines
    assert lines[1].split() == ["asset", "ETH"]


def test_a_known_width_keeps_its_layout(monkeypatch: pytest.MonkeyPatch, out: io.StringIO) -> None:
    """COLUMNS, or a terminal on another stream (``| less``): the width is the reader's."""
    monkeypatch.setattr(_common.stdout, "_width", 200)
    assert not _common.stdout._width_unknown()
    monkeypatch.setattr(_common.stdout, "_width", None)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=0: os.terminal_size((132, 40)))
    assert not _common.stdout._width_unknown() and _common.stdout.width == 132
    monkeypatch.setattr(os, "get_terminal_size", _no_terminal)
    monkeypatch.setattr(_common.stdout, "_width", 80)  # a terminal of 80 columns
    _common.stdout.print(_table())
    # the numbers' columns are kept (as before); words of text may fold within 80
    for number in ("52,879,718", "11,951,201", "21.38 %"):
        assert number in out.getvalue()


def test_a_percent_stays_with_its_number_at_any_width(
    monkeypatch: pytest.MonkeyPatch, out: io.StringIO
) -> None:
    monkeypatch.setattr(_common.stdout, "_width", 40)
    t = Table("scenario", "price reached", "10–90 %", "min reserve ratio")
    t.add_row("-30 %", "2,588.87", "-19.82 % … -5.35 %", "21.38 %")
    _common.stdout.print(t)
    text = out.getvalue()
    assert "21.38 %" in text and "-19.82 %" in text and "10–90 %" in text, text


def _fragility_table() -> Table:
    """``cascade --fragility``'s shape: more columns than 80 hold, intervals in cells."""
    t = Table("shock", "price reached", "move", "10–90 % move", "liquidated (USD)",
              "10–90 % liquidated (USD)", "bad debt (USD)", "10–90 % bad debt (USD)")  # fmt: skip
    t.add_row("-10 %", "3,328.55", "-14.02 %", "-21.47 % … -10.56 %", "161,210,004",
              "98,118,022 … 240,771,511", "1,520,338", "402,113 … 3,993,001")  # fmt: skip
    return t


def test_a_piped_table_keeps_its_rows_whole(out: io.StringIO) -> None:
    """btc31 F6: in a log, an interval printed over two lines ("-21.47 % …" / "-10.56 %")."""
    _common.stdout.print(_fragility_table())
    lines = out.getvalue().splitlines()
    row = [ln for ln in lines if "-10 %" in ln]
    assert len(row) == 1, lines
    for cell in ("-21.47 % … -10.56 %", "98,118,022 … 240,771,511", "402,113 … 3,993,001"):
        assert cell in row[0], lines
    assert len(lines) == 5 and max(map(len, lines)) > 80  # wider than rich's fallback


def test_a_terminal_of_known_width_still_folds(
    monkeypatch: pytest.MonkeyPatch, out: io.StringIO
) -> None:
    """A terminal's layout is the reader's: its cells fold to its width, as before."""
    monkeypatch.setattr(_common.stdout, "_width", 80)  # a terminal of 80 columns
    _common.stdout.print(_fragility_table())
    lines = out.getvalue().splitlines()
    assert not any("-21.47 % … -10.56 %" in ln for ln in lines)  # folded within 80
    assert any("161,210,004" in ln for ln in lines)  # numbers whole (keep_numbers_whole)
