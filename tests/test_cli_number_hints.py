"""Number options typed with a decimal comma get the number to write, not typer's line."""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade._cli._number_hints import number_hint


@pytest.mark.parametrize(
    ("text", "write"),
    [("1,5", "1.5"), ("-0,25", "-0.25"), ("3698,2500", "3698.2500"), ("10,0", "10.0")],
)
def test_a_decimal_comma_is_named(text: str, write: str) -> None:
    hint = number_hint(text, "--entry")
    assert hint == f"--entry {text} is not a number: write {write} (a decimal point)"


def test_thousands_still_read_as_thousands() -> None:
    assert number_hint("115,764", "--entry") == (
        "--entry 115,764 is not a number: write 115764 (no thousands separators)"
    )
    assert number_hint("1,5x", "--entry") is None  # not a number either way: typer's line


def test_on_the_command_line() -> None:
    r = run_cli("stops", "recommend", "--side", "long", "--entry", "3698,5", "--size", "1",
                "--leverage", "10")  # fmt: skip
    assert r.exit_code == 2
    assert (
        r.stderr.strip() == "error: --entry 3698,5 is not a number: write 3698.5 (a decimal point)"
    )


@pytest.mark.parametrize(("text", "write"), [("15x", "15"), ("12.5X", "12.5"), ("20 ×", "20")])
def test_a_multiple_written_as_traders_do_is_named(text: str, write: str) -> None:
    assert number_hint(text, "--leverage") == (
        f"--leverage {text} is not a number: write {write} (the multiple alone)"
    )


def test_leverage_15x_on_the_command_line() -> None:
    r = run_cli("stops", "recommend", "--side", "long", "--entry", "3650", "--size", "135",
                "--leverage", "15x")  # fmt: skip
    assert r.exit_code == 2
    assert (
        r.stderr.strip() == "error: --leverage 15x is not a number: write 15 (the multiple alone)"
    )
