from __future__ import annotations

import pytest

from clihelpers import run_cli, run_cli_subprocess


def test_version() -> None:
    from liqcascade import __version__

    r = run_cli("--version")
    assert r.exit_code == 0
    assert __version__ in r.stdout


def test_unknown_option_is_one_error_line_exit_2() -> None:
    r = run_cli_subprocess("report", "--no-such-option")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "--no-such-option" in lines[0]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("args", "line"),
    [
        # click suggested unrelated options from a difflib ratio of 0.6
        (
            ["report", "--store", "x"],
            "error: No such option: --store; this command reads the "
            "store that LIQCASCADE_STORE names (default ~/.liqcascade/store.duckdb)",
        ),
        (["liqmap", "--frobnicate"], "error: No such option: --frobnicate"),
        (["liqmap", "--asett", "BTC"], "error: No such option: --asett (did you mean --asset?)"),
        (
            ["stress", "--horizon", "3"],
            "error: No such option: --horizon (did you mean --horizon-days?)",
        ),
    ],
)
def test_unknown_option_suggests_only_close_names(args: list[str], line: str) -> None:
    r = run_cli(*args)
    assert r.exit_code == 2
    assert r.stderr.strip() == line


def test_unknown_command_exit_2() -> None:
    r = run_cli_subprocess("frobnicate")
    assert r.exit_code == 2
    assert r.stderr.strip().startswith("error:")


def test_input_error_names_the_parameter_and_keeps_old_messages() -> None:
    from liqcascade.errors import InputError

    e = InputError("as_of must be a date (got 'x')", param="as_of")
    assert str(e) == "as_of must be a date (got 'x')" and e.param == "as_of"
    assert e.for_flags({"as_of": "--as-of"}) == "--as-of must be a date (got 'x')"
    assert e.for_flags({}) == str(e)  # no flag: the library name stays
    two = InputError("start (2025) is after end (2024)", param=("start", "end"))
    assert two.for_flags({"start": "--from", "end": "--to"}) == "--from (2025) is after --to (2024)"
    bare = InputError("too few rows", param="ohlcv")  # the name is prefixed when absent
    assert str(bare) == "ohlcv: too few rows"
    assert bare.for_flags({"ohlcv": "--start/--end"}) == "--start/--end: too few rows"
    # only whole words, never inside a flag, an identifier or a file name
    w = InputError("end_date and --end and end.csv: end must be > 0", param="end")
    assert w.for_flags({"end": "--end"}) == "end_date and --end and end.csv: --end must be > 0"
    f = InputError("size must be > 0", file="p.csv", row=3, param="size")
    assert str(f) == "p.csv: data row 3: size must be > 0"
    assert f.for_flags({"size": "--size"}) == "p.csv: data row 3: --size must be > 0"
    # a field of its owner names the parameter (no prefix) but is never shown as a flag
    q = InputError("PositionBook.size[1] must be > 0 (got -1)", param="size")
    assert str(q) == "PositionBook.size[1] must be > 0 (got -1)"
    assert q.for_flags({"size": "--size"}) == str(q)
    assert str(InputError("sizes.csv is empty", param="size")) == "size: sizes.csv is empty"
    old = InputError("--x must be > 0 (got 0)")  # messages naming a flag keep working
    assert old.param is None and old.for_flags({"x": "--y"}) == "--x must be > 0 (got 0)"


def test_cli_shows_library_parameters_as_the_command_flags() -> None:
    # library `entry_price` -> --entry (declared), `leverage` -> --leverage (same name)
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "-1",
                "--margin", "1")  # fmt: skip
    assert r.exit_code == 2 and r.stderr.strip() == "error: --entry must be > 0 (got -1)"
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--margin", "1", "--venue", "bybit", "--tiers", "x.csv")  # fmt: skip
    assert r.stderr.strip() == "error: --tiers applies to --venue binance only"
    # a flag the command does not have is never invented: the library name stays
    r = run_cli("support-study", "--draws", "-1")
    assert r.stderr.strip() == "error: --draws must be >= 0 (got -1)"


def test_registries_list_every_venue_and_adl_policy() -> None:
    from pathlib import Path

    from liqcascade.margin import VENUE_RULES
    from liqcascade.solvency import ADL_POLICY_RULES

    docs = Path(__file__).resolve().parents[1] / "docs"
    margin_help = run_cli("margin", "liq-price", "--help").stdout
    solvency_help = run_cli("solvency", "--help").stdout.replace("\n", " ")
    margin_doc = (docs / "margin.md").read_text(encoding="utf-8").lower()
    solvency_doc = (docs / "solvency.md").read_text(encoding="utf-8")
    for venue in VENUE_RULES:
        assert venue in margin_help and venue in margin_doc
    for policy in ADL_POLICY_RULES:
        assert policy in solvency_help and f"| `{policy}` |" in solvency_doc


def test_an_internal_error_is_one_line_that_says_where_v_goes(monkeypatch) -> None:
    # a bug (not bad input) is exit 1 and one line; the hint must be one a user can follow
    # ("-v" after the command name is an unknown option)
    import liqcascade.margin

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(liqcascade.margin, "liq_price", boom)
    r = run_cli("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
                "--leverage", "10")  # fmt: skip
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "error: internal error: RuntimeError: boom (for the traceback, put -v before the "
        "command: liqcascade -v COMMAND ...)"
    ]
    monkeypatch.setenv("LIQCASCADE_DEBUG", "")
    with pytest.raises(RuntimeError, match="boom"):
        run_cli("-v", "margin", "liq-price", "--side", "long", "--size", "1", "--entry",
                "2000", "--leverage", "10")  # fmt: skip
