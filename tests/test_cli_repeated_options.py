"""An option given twice is refused, not read as its last value (clia22 finding 4)."""

from __future__ import annotations

import pytest
import typer.main

from clihelpers import run_cli
from liqcascade._cli._repeated_options import repeated_option
from liqcascade.cli import build_app


@pytest.fixture(scope="module")
def root():
    return typer.main.get_command(build_app())


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["collateral", "--pricing", "index", "--pricing", "nav"],
         "--pricing given twice ('index', 'nav'): give it once"),
        (["data", "ingest", "f.csv", "--venue", "binance", "--venue=bybit"],
         "--venue given twice ('binance', 'bybit'): give it once"),
        (["margin", "liq-price", "--margin", "100", "--margin", "200", "--margin", "3"],
         "--margin given 3 times ('100', '200', '3'): give it once"),
        (["-v", "cascade", "--shock", "-0.05", "--shock=-10%"],  # a group run without a sub
         "--shock given twice ('-0.05', '-10%'): give it once"),
        (["liqmap", "backtest", "--json", "--json"], "--json given twice: give it once"),
    ],
    ids=["value", "equals-form", "three-times", "group-command", "flag"],
)  # fmt: skip
def test_repeated_option_is_named_with_its_values(root, args, line) -> None:
    assert repeated_option(root, args) == line


@pytest.mark.parametrize(
    "args",
    [
        ["diff", "a", "b", "--alert", "x=1", "--alert", "y=2"],  # multiple=True
        ["liqmap", "calibrate", "--month", "2025-01", "--month", "2025-02"],
        ["-vv", "-v", "data", "list"],  # a counter
        ["margin", "liq-price", "--margin", "--margin"],  # the value of the first is a word
        ["collateral", "--pricing", "a", "--pricing", "b", "--help"],  # help printed
        ["stress", "--shocks=-5%,-10%", "--", "--shocks"],  # after --: not an option
    ],
    ids=["multiple", "multiple-sub", "count", "value-looks-like-option", "help", "end"],
)
def test_allowed_repeats(root, args) -> None:
    assert repeated_option(root, args) is None


def test_flag_pair_halves_count_as_one_option(root) -> None:
    line = repeated_option(root, ["solvency", "--whole-positions", "--no-whole-positions"])
    assert line == (
        "--whole-positions given twice (--whole-positions, --no-whole-positions): give it once"
    )


def test_cli_exits_2_with_one_line() -> None:
    """``margin liq-price --margin 100 --margin 200`` priced 200 and exited 0."""
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--margin", "100", "--margin", "200")  # fmt: skip
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: --margin given twice ('100', '200'): give it once"
    assert r.stdout == ""
