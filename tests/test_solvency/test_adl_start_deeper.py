"""When the fund covers every fall run, the ADL-start line says how to search deeper.

Trial 35: a $1 M fund covered the default scenarios, and the line read "the fund covers
every fall run, down to -30 % (no deeper fall sought)": a board asking where ADL starts
had no figure and no word on how to get one. A deeper ``--scenario`` extends the search.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clihelpers import run_cli


def _one_long(tmp_path: Path) -> str:
    # docs/solvency.md's hand case: one 10x long at 100, margin 10, bankruptcy 90; a fund
    # of 5 pays the shortfall (90 − P1) · 1 until P1 = 85: ADL starts at −15 %
    f = tmp_path / "one.csv"
    f.write_text("side,size,entry_price,margin\nlong,1,100,10\n")
    return str(f)


def test_the_line_says_how_to_search_deeper(tmp_path: Path) -> None:
    args = ("solvency", "--positions", _one_long(tmp_path), "--mid", "100",
            "--insurance-fund", "5", "--scenario=-5%")  # fmt: skip
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("ADL start"))
    assert line == (
        "ADL start: the fund covers every fall run, down to -5 % (no deeper fall sought: a "
        "deeper --scenario, e.g. --scenario=-60%, extends the search to it)"
    )


def test_a_deeper_scenario_finds_the_start_by_hand(tmp_path: Path) -> None:
    args = ("solvency", "--positions", _one_long(tmp_path), "--mid", "100",
            "--insurance-fund", "5", "--scenario=-5%", "--scenario=-60%", "--json")  # fmt: skip
    a = json.loads(run_cli(*args).stdout)["adl_start"]
    assert a["shock"] == pytest.approx(-0.15, abs=a["tolerance"])
