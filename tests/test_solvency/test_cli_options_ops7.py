"""Solvency options that contradicted each other or were silently ignored (review-ops7
findings 5 and 6): scenario names and bare numbers, --mid, estimated-market options
with --positions, the pre-shock price of a file, empty and impossible files."""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from floats import same_value
from liqcascade.errors import InputError
from liqcascade.solvency import StressScenario
from test_solvency._helpers import write_positions


def _err(r) -> str:  # type: ignore[no-untyped-def]
    assert r.exit_code == 2, (r.exit_code, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    return lines[0]


@pytest.mark.parametrize("name", ["a", "-10%"])
def test_repeated_scenario_name_is_refused(tmp_path: Path, name: str) -> None:
    pos = write_positions(tmp_path)
    args = ["a=-0.1", "a=-0.2"] if name == "a" else ["-0.1", "-10%"]
    cmd = ["solvency", "--positions", str(pos)]
    for a in args:
        cmd += ["--scenario", a]
    line = _err(run_cli(*cmd))
    assert "--scenario" in line and repr(name) in line and "twice" in line


@pytest.mark.parametrize("text", ["5", "a=-5", "1", "-1", "150"])
def test_bare_number_outside_unit_interval_is_refused(tmp_path: Path, text: str) -> None:
    line = _err(run_cli("solvency", "--positions", str(write_positions(tmp_path)),
                        "--scenario", text))  # fmt: skip
    val = text.split("=")[-1]
    # cascade's --shock wording (parse_shock): the move in spaced percent, then the forms
    move = f"{float(val) * 100:+.0f} %"
    assert line.startswith(f"error: --scenario {val} as a fraction is a {move} move: write ")
    assert "-0.05 or -5% for a 5 % fall" in line


def test_percent_and_fraction_still_parse(tmp_path: Path) -> None:
    r = run_cli("solvency", "--positions", str(write_positions(tmp_path)), "--scenario", "5%",
                "--scenario", "b=-0.05", "--scenario", "-50%", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    shocks = {s["name"]: s["shock"] for s in r.json()["scenarios"]}
    assert set(shocks) == {"+5%", "b", "-50%"}  # _prices.shock_name
    assert same_value(shocks["+5%"], 0.05) and same_value(shocks["-50%"], -0.5)


def test_shock_message_is_plain() -> None:
    with pytest.raises(InputError) as e:
        StressScenario("x", -1.5)
    assert "not 0" not in str(e.value) and "-150 %" in str(e.value) and "above -1" in str(e.value)
    with pytest.raises(InputError, match="shock is 0"):
        StressScenario("x", 0.0)
    line = _err(run_cli("solvency", "--scenario", "-150%"))
    assert "inf" not in line and "not 0" not in line and "--scenario" in line


def test_mid_with_estimated_market_is_refused() -> None:
    # refused before the market is built (no store needed)
    line = _err(run_cli("solvency", "--as-of", "2025-07-31", "--mid", "3000"))
    assert line.startswith("error: --mid ") and "--positions" in line


def test_mid_with_book_and_cascade_is_refused(tmp_path: Path) -> None:
    book = Path(__file__).parents[1] / "data" / "book" / "book.csv"
    pos = tmp_path / "p.csv"
    pos.write_text("side,size,entry_price,margin\nlong,1,100,10\nshort,1,100,10\n")
    line = _err(run_cli("solvency", "--positions", str(pos), "--book", str(book),
                        "--mid", "100"))  # fmt: skip
    assert "--mid" in line and "--book" in line


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--oi-share", "0.5"], ["--oi-share", "--positions"]),
        # since session 26 --asset names the file's rows' asset: ETH prices read as BTC's
        (["--asset", "BTC"], ["the BTC market's mid", "unit error"]),
        (["--as-of", "2025-07-01"], ["--as-of", "--positions"]),
        (["--asset", "BTC", "--as-of", "2025-07-01", "--liquidity", "calibrated"],
         ["--as-of", "--book"]),  # calibrated without a book: the path engine
        (["--accounts-per-cohort", "10"], ["--accounts-per-cohort", "--positions"]),
        (["--book-model", "legacy"], ["--book-model", "--positions"]),
    ],
)  # fmt: skip
def test_estimated_market_options_with_positions_are_refused(
    tmp_path: Path, extra: list[str], named: list[str]
) -> None:
    line = _err(run_cli("solvency", "--positions", str(write_positions(tmp_path)), *extra))
    for flag in named:
        assert flag in line, line


def test_positions_run_says_its_pre_shock_price(tmp_path: Path) -> None:
    pos = tmp_path / "p.csv"
    pos.write_text("side,size,entry_price,margin\nlong,1,2000,100\nshort,2,2100,300\n"
                   "long,0.5,1900,40\n")  # fmt: skip
    r = run_cli("solvency", "--positions", str(pos), "--scenario", "-0.1", "--json")
    assert r.exit_code == 0, r.stderr
    p0 = r.json()["pre_shock_price"]
    assert same_value(p0["usd"], (2000 + 2 * 2100 + 0.5 * 1900) / 3.5)
    assert "size-weighted entry price" in p0["source"] and str(pos) in p0["source"]
    # the path engine gaps to P0 (1 + shock): its final price says P0 was used
    assert same_value(r.json()["scenarios"][0]["final_price"], p0["usd"] * 0.9)
    r = run_cli("solvency", "--positions", str(pos), "--scenario", "-0.1", "--mid", "2050")
    assert r.exit_code == 0, r.stderr
    assert "price before the shock 2,050.00 USD (mid (given))" in r.stdout
    assert "market " not in r.stdout.splitlines()[0]


def test_pre_shock_price_of_a_book_is_its_mid(tmp_path: Path) -> None:
    book = Path(__file__).parents[1] / "data" / "book" / "book.csv"
    pos = tmp_path / "p.csv"
    pos.write_text("side,size,entry_price,margin\nlong,1,100,10\nshort,1,100,10\n")
    r = run_cli("solvency", "--positions", str(pos), "--book", str(book), "--scenario",
                "-0.05", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    p0 = r.json()["pre_shock_price"]
    assert same_value(p0["usd"], 100.0) and str(book) in p0["source"]


def test_header_only_file_is_named(tmp_path: Path) -> None:
    pos = tmp_path / "empty.csv"
    pos.write_text("side,size,entry_price,margin\n")
    line = _err(run_cli("solvency", "--positions", str(pos)))
    # inputs22: worded as cascade's and liqmap's, naming the option
    assert f"--positions: {pos}: " in line and "no position rows (a header only)" in line


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("long,1,2000,100,2500", "at or above"),
        ("short,1,2000,100,1500", "at or below"),
        ("long,1,2000,100,2000", "at or above"),
    ],
)
def test_liq_price_on_the_wrong_side_of_entry_is_refused(
    tmp_path: Path, row: str, where: str
) -> None:
    pos = tmp_path / "wrong.csv"
    pos.write_text("side,size,entry_price,margin,liq_price\nlong,1,2000,100,1900\n" + row + "\n")
    line = _err(run_cli("solvency", "--positions", str(pos)))
    assert f"{pos}: data row 2 (file line 3): liq_price" in line and where in line


@pytest.mark.parametrize("engine", [[], ["--engine", "path"]])
@pytest.mark.parametrize("liquidity", ["calibrated", "static"])
def test_liquidity_with_the_path_engine_is_refused(
    tmp_path: Path, engine: list[str], liquidity: str
) -> None:
    # the path engine walks no book: a liquidity choice would be silently ignored
    line = _err(run_cli("solvency", "--positions", str(write_positions(tmp_path)),
                        "--liquidity", liquidity, *engine))  # fmt: skip
    assert line.startswith(f"error: --liquidity {liquidity} needs --book"), line
    assert "--engine cascade" in line
