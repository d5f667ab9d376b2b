"""A table whose numbers pass the terminal keeps its header words whole.

``solvency`` at 80 columns printed "reserv" over "e ratio" and "surviv" over "es": the
numbers alone were wider than the terminal, so no header word was given room.
"""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.table import Table

from liqcascade._cli._common import keep_numbers_whole

HEADS = ["scenario", "price reached", "liquidated (USD)", "fund before ADL (USD)", "bad debt (USD)",
         "min buffer", "reserve ratio", "survives", "static bad debt (bound)"]  # fmt: skip
ROW = ["2025-10-10", "2,908.04", "45,421,321", "1,165", "6,220,539 (5,127,090 … 7,162,013)",
       "11.13%", "0.9487", "no", "9,824,256"]  # fmt: skip


def _rendered(width: int) -> str:
    t = Table()
    for h in HEADS:
        t.add_column(h, justify="right")
    t.add_row(*ROW)
    buf = io.StringIO()
    console = Console(file=buf, width=width)
    console.print(keep_numbers_whole(t, width), crop=False)  # as the CLI: lines wrap, not cut
    return buf.getvalue()


def test_headers_whole_when_the_numbers_pass_the_terminal() -> None:
    out = _rendered(80)
    cells = [c.strip() for line in out.splitlines() for c in re.split(r"[┃│]", line)]
    words = {w for c in cells for w in c.split()}
    for word in ("reserve", "survives", "liquidated", "scenario"):
        assert word in words, (word, out)
    for number in ROW[1:4]:
        assert number in out  # numbers still whole


def test_a_table_that_fits_is_unchanged() -> None:
    wide = _rendered(200)
    assert "reserve ratio" in wide and "static bad debt (bound)" in wide
