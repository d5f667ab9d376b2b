"""`--shock` takes a fraction or a percent; a bare 5 is refused, not read as +500 %."""

from __future__ import annotations

import pytest

from clihelpers import run_cli
from liqcascade._cli._common import parse_shock

#: A percent at or past -100 % is refused by the reader itself, in percent (session 22).
CASES = [("-0.05", -0.05), ("-5%", -0.05), (" 2.5% ", 0.025), ("0.3", 0.3), ("-99%", -0.99)]


@pytest.mark.parametrize(("text", "want"), [*CASES, (None, None)])
def test_parse_shock(text: str | None, want: float | None) -> None:
    got = parse_shock(text)
    assert got == pytest.approx(want) if want is not None else got is None


@pytest.mark.parametrize("args", [("--liquidity", "static"), ()])
def test_a_percent_and_a_fraction_give_the_same_answer(args: tuple[str, ...]) -> None:
    a = run_cli("cascade", "--asset", "ETH", *args, "--shock=-5%", "--json")
    b = run_cli("cascade", "--asset", "ETH", *args, "--shock", "-0.05", "--json")
    assert a.exit_code == 0 == b.exit_code, a.stderr + b.stderr
    assert a.json()["shock_price"] == b.json()["shock_price"]


BAD = [("5", "+500 % move"), ("-1", "-100 % move"), ("abc", "a fraction (-0.05) or a percent")]


@pytest.mark.parametrize(("value", "needle"), BAD)
def test_a_bare_number_of_one_or_more_is_refused(value: str, needle: str) -> None:
    r = run_cli("cascade", "--asset", "ETH", f"--shock={value}")
    assert r.exit_code == 2 and needle in r.stderr and r.stderr.count("\n") == 1, r.stderr
