"""Every fraction option takes a percent too: ``--oi-share 20%`` is ``--oi-share 0.2``.

``cascade --shock -5%`` read a percent, but ``solvency --oi-share 20%``, ``liqmap
--bucket 0.5%``, ``stops backtest --fixed-pct 5%`` and every other option whose help
calls it a fraction ended in typer's "Input should be a valid number". A word is
refused with the command line's own line, naming the option and both forms.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
import typer.main

from clihelpers import run_cli
from liqcascade._cli import _fraction_options
from liqcascade._cli._fraction_options import fraction_params
from liqcascade._cli._int_options import command_tree
from liqcascade.cli import build_app
from test_reliability._helpers import assert_refused


def _float_options_called_fractions() -> set[tuple[tuple[str, ...], str]]:
    """``(command path, --flag)`` of every float option whose help says "fraction"."""
    out = set()
    for path, cmd in command_tree(typer.main.get_command(build_app())):
        if cmd.callback is None:
            continue
        hints = typing.get_type_hints(cmd.callback)
        for p in cmd.params:
            kinds = set(typing.get_args(hints[p.name]) or (hints[p.name],)) - {type(None)}
            if kinds == {float} and "fraction" in (p.help or "").lower():
                out.add((path, max(p.opts, key=len)))
    return out


def test_every_option_called_a_fraction_is_marked() -> None:
    command = typer.main.get_command(build_app())
    marked = {(path, max(p.opts, key=len)) for path, p in fraction_params(command)}
    assert _float_options_called_fractions() <= marked
    named = {
        (("solvency",), "--oi-share"),
        (("solvency",), "--reserve-buffer"),
        (("liqmap",), "--bucket"),
        (("liqmap",), "--range"),
        (("stops", "backtest"), "--fixed-pct"),
        (("cascade",), "--liq-fee"),
        (("margin", "liq-price"), "--mmr"),
        (("support-study",), "--zone-tol"),
        (("support-study",), "--band"),
        (("support-study",), "--break-tol"),
    }
    assert named <= marked


@pytest.mark.parametrize(
    ("args", "key", "expected"),
    [
        (("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "3000",
          "--leverage", "10"), "--mmr", ("0.5%", "0.005")),
    ],
)  # fmt: skip
def test_a_percent_is_the_fraction(
    args: tuple[str, ...], key: str, expected: tuple[str, str]
) -> None:
    pct, frac = expected
    a = run_cli(*args, key, pct, "--json")
    b = run_cli(*args, key, frac, "--json")
    assert a.exit_code == 0 == b.exit_code, a.stderr + b.stderr
    assert a.json() == b.json()


def test_liqmap_bucket_and_range_take_percents() -> None:
    a = run_cli("liqmap", "--bucket", "1%", "--range", "10%", "--json")
    b = run_cli("liqmap", "--bucket", "0.01", "--range", "0.1", "--json")
    assert a.exit_code == 0 == b.exit_code, a.stderr + b.stderr
    assert a.json() == b.json()


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("solvency", "--oi-share", "abc"), "--oi-share"),
        (("liqmap", "--bucket", "%"), "--bucket"),
        (("stops", "backtest", "--fixed-pct", "five"), "--fixed-pct"),
        (("support-study", "--zone-tol", "1.5 %%"), "--zone-tol"),
    ],
)
def test_junk_is_refused_naming_both_forms(args: tuple[str, ...], flag: str) -> None:
    line = assert_refused(run_cli(*args))
    assert line == (f"error: {flag} must be a fraction (0.2) or a percent (20%) (got {args[-1]!r})")


def test_the_options_own_range_checks_read_the_fraction() -> None:
    """-6% reaches the check as -0.06 (refused as below 0), and is shown as typed."""
    line = assert_refused(run_cli("solvency", "--reserve-buffer", "-6%"))
    assert line == "error: --reserve-buffer must be >= 0 % (got -6%)"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("solvency", "--reserve-buffer", "600%"),
         "--reserve-buffer must be a percent in [0, 100) (got 600%)"),
        (("solvency", "--oi-share", "0%"), "--oi-share must be a percent in (0, 100] (got 0%)"),
        (("liqmap", "--bucket", "60%"), "--bucket must be a percent in (0, 50] (got 60%)"),
        (("liqmap", "--range", "100 %"), "--range must be a percent in (0, 100) (got 100 %)"),
        (("stops", "backtest", "--fixed-pct", "150%"),
         "--fixed-pct must be a percent in (0, 100) (got 150%)"),
        (("support-study", "--zone-tol", "600%"),
         "--zone-tol must be a percent in [0, 100) (got 600%)"),
        (("cascade", "backtest", "--trigger", "-5%"),
         "--trigger must be a percent in (0, 100) (got -5%)"),
        (("margin", "liq-price", "--side", "long", "--size", "1", "--entry", "2000",
          "--leverage", "10", "--mmr", "600%"),
         "--mmr must be a percent in (0, 100) for binance (got 600%)"),
    ],
    ids=["reserve-buffer", "oi-share", "bucket", "range", "fixed-pct", "zone-tol", "trigger",
         "mmr"],
)  # fmt: skip
def test_a_percent_out_of_range_is_refused_in_percent(args: tuple[str, ...], expected: str) -> None:
    """A user who typed a percent reads the range in percent, not a fraction's hint."""
    assert assert_refused(run_cli(*args)) == f"error: {expected}"


def test_pol_build_words_its_buffer_range_in_percent(tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("user,balance\na,10\nb,20\n")
    args = ("pol", "build", str(users), "--out", str(tmp_path / "t"), "--reserves", "100")
    line = assert_refused(run_cli(*args, "--reserve-buffer", "600%"))
    assert line == "error: --reserve-buffer must be a percent in [0, 100) (got 600%)"


def test_a_fraction_out_of_range_keeps_the_fractions_wording() -> None:
    """6 typed as a number: the fraction's range, and the hint for a percent meant."""
    line = assert_refused(run_cli("solvency", "--reserve-buffer", "6"))
    assert line == "error: --reserve-buffer must be a fraction in [0, 1) (got 6; for 6 % give 0.06)"


def test_in_percent_leaves_other_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the range of the option typed once, as a percent, is reworded."""
    monkeypatch.setattr(_fraction_options, "_TYPED", {"--bucket": ["60%"], "--band": ["1%", "2%"]})
    for line in (
        "--range must be in (0, 1) (got 6.0)",  # not typed as a percent
        "--band must be in [0, 1) (got 6.0)",  # typed twice: which one is unknown
        "--bucket applies to the map only",  # no range
        "--bucket must be in (0, x] (got 0.6)",  # a bound that is not a number
    ):
        assert _fraction_options.in_percent(line) == line
    assert (
        _fraction_options.in_percent("--bucket must be < 0.5")
        == "--bucket must be < 50 % (got 60%)"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [(("cascade", "--shock", "-100%"), "--shock must be above -100 % (got -100%)"),
     (("cascade", "--shock", "-150%"), "--shock must be above -100 % (got -150%)"),
     (("contagion", "--preset", "oct-2025", "--shock", "-100%"),
      "--shock must be above -100 % (got -100%)")],
)  # fmt: skip
def test_a_percent_shock_past_minus_100_is_refused_in_percent(
    args: tuple[str, ...], expected: str
) -> None:
    """rest22: ``--shock -100%`` said "must be a fraction > -1 (got -1)"."""
    assert assert_refused(run_cli(*args)) == f"error: {expected}"
