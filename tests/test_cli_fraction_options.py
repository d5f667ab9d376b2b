"""Every fraction option takes a percent too: ``--oi-share 20%`` is ``--oi-share 0.2``.

``cascade --shock -5%`` read a percent, but ``solvency --oi-share 20%``, ``liqmap
--bucket 0.5%``, ``stops backtest --fixed-pct 5%`` and every other option whose help
calls it a fraction ended in typer's "Input should be a valid number". A word is
refused with the command line's own line, naming the option and both forms.
"""

from __future__ import annotations

import typing

import pytest
import typer.main

from clihelpers import run_cli
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
    line = assert_refused(run_cli("solvency", "--reserve-buffer", "-6%"))
    assert "--reserve-buffer" in line and "-0.06" in line
