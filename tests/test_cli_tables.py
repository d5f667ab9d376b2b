"""Human tables never cut numbers (review-ops7 finding 10): `_common.keep_numbers_whole`."""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.table import Table

from liqcascade._cli import _common

NUMBERS = ["3,513,474.12", "13,917,240", "460,772 (0 … 1,276,418)", "0.0812345", "12.43%"]


def _table() -> Table:
    t = Table(title="t")
    for h in ("scenario", "price reached", "liquidated (USD)", "bad debt (USD)", "x", "min buffer"):
        t.add_column(h, justify="right")
    t.add_row("2025-10-10", *NUMBERS)
    t.add_row("a long scenario name", *NUMBERS)
    return t


def _render(table: Table, width: int, fix: bool) -> str:
    buf = io.StringIO()
    # soft_wrap as the CLI's consoles: lines wider than the terminal are left to it
    kind = _common._Console if fix else Console
    c = kind(file=buf, width=width, soft_wrap=True)
    c.print(table)
    return buf.getvalue()


def test_narrow_terminal_keeps_every_number_whole() -> None:
    before = _render(_table(), 60, fix=False)
    assert "…" in before.replace("0 … 1", "")  # rich alone cuts them (the reviewer's 3,513…)
    after = _render(_table(), 60, fix=True)
    cells = [c.strip() for line in after.splitlines() for c in re.split(r"[│┃]", line)]
    for word in " ".join(NUMBERS).split():
        assert word in cells or any(word in c.split() for c in cells), word
    assert not re.search(r"\d…|…\d", after)
    assert "3,513,474.12" in after and "1,276,418)" in after


def test_table_that_fits_is_unchanged() -> None:
    assert _render(_table(), 200, fix=True) == _render(_table(), 200, fix=False)


def test_cli_consoles_keep_numbers() -> None:
    assert isinstance(_common.stdout, _common._Console)
    t = _common.keep_numbers_whole(_table())
    mins = [c.min_width for c in t.columns]
    assert mins[1] == len("3,513,474.12") and mins[3] == len("1,276,418)")
    assert all(c.overflow == "fold" for c in t.columns)


def test_headers_stay_whole_where_there_is_room() -> None:
    def table() -> Table:
        t = Table()
        for h in ("policy", "avg_slippage", "max_drawdown"):
            t.add_column(h)
        t.add_row("vol-declustered", "0.000540556", "0.8")
        return t

    roomy = _common.keep_numbers_whole(table(), width=200)
    assert [c.min_width for c in roomy.columns] == [6, 12, 12]
    tight = _common.keep_numbers_whole(table(), width=25)  # no room: numbers only
    assert [c.min_width for c in tight.columns] == [None, 11, 3]
    assert "0.000540556" in _render(table(), 25, fix=True)


def test_no_wrap_column_folds_instead_of_cutting() -> None:
    """A ``no_wrap`` column lost the end of its cells, unmarked (clia22: ``+0.06``)."""
    t = Table()
    t.add_column("difference (90 %)", justify="right", no_wrap=True)
    t.add_column("verdict", no_wrap=True)
    t.add_row("+0.024 (-0.003 … +0.067)", "model beats")
    out = _render(t, 24, fix=True)
    assert "+0.067)" in out and "beats" in out


def test_range_comparison_keeps_every_number_at_80_columns(monkeypatch) -> None:
    """``liqmap backtest | cat`` (80 columns): its verdict table cut ``+0.067`` to ``+0.06``."""
    from liqcascade._cli import liqmap_validate
    from liqcascade.positions import COMPARISONS

    m: dict[str, float] = {}
    for side, kind in COMPARISONS:
        m[("corr" if kind == "corr" else "spearman") + f"_daily{side}"] = 0.5301
        m[f"range_baseline_{kind}_daily{side}"] = 0.5062
        k = f"range_baseline_{kind}_diff_daily{side}"
        m[k], m[k + "_p05"], m[k + "_p95"] = 0.0241, 0.0012, 0.0671
    buf = io.StringIO()
    console = _common._Console(file=buf, width=80, soft_wrap=True)
    monkeypatch.setattr(_common, "stdout", console)
    liqmap_validate._render_range_comparison(m, "out-of-sample months only")
    out = buf.getvalue()
    words = out.split()
    for number in ("0.530", "0.506", "+0.024", "(+0.001", "+0.067)"):
        assert number in words, number
    assert "beats" in words and "Spearman" in words
    rows = out.splitlines()[1:]  # the title is one line, left to the terminal to wrap
    assert max(len(line) for line in rows) <= 80
