"""Integer options refuse a value beyond a 64-bit integer with the command line's own line.

A 5000-digit ``--seed`` printed typer's reader's message ("Unable to parse input string
as an integer, exceeded maximum size"; Python's "Exceeds the limit (4300 digits) for
integer string conversion" with older typer), not ``error: --seed: ...``; a 23-digit
``--paths`` or ``--max-rounds`` read, then ended in an internal error (exit 1).
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
import typer.main

from clihelpers import run_cli
from liqcascade._cli._int_options import INT64_MAX, int_params
from liqcascade.cli import build_app

HUGE = "1" * 5000


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, cmd)]
    for name, sub in (getattr(cmd, "commands", None) or {}).items():
        out += _commands(sub, (*path, name))
    return out


def _int_options() -> list[tuple[tuple[str, ...], str]]:
    """``(command path, --flag)`` of every option whose Python parameter is an ``int``.

    Read from each command's callback annotations (not from typer's view of them, which
    the guard reads), over the whole click command tree; count flags (``-vv``) take no
    value and are left out.
    """
    out = []
    for path, cmd in _commands(typer.main.get_command(build_app())):
        if cmd.callback is None:
            continue
        hints = typing.get_type_hints(cmd.callback)
        for p in cmd.params:
            if p.param_type_name != "option" or getattr(p, "count", False):
                continue
            kinds = set(typing.get_args(hints[p.name]) or (hints[p.name],)) - {type(None)}
            if kinds == {int}:
                out.append((path, max(p.opts, key=len)))
    return sorted(out)


OPTIONS = _int_options()


def test_every_int_option_is_found_and_guarded() -> None:
    named = {
        (("stress",), "--seed"),
        (("stress",), "--paths"),
        (("liqmap", "calibrate"), "--bootstrap"),
        (("liqmap", "calibrate"), "--jobs"),
        (("support-study",), "--boot"),
    }
    assert named <= set(OPTIONS) and len(OPTIONS) >= 20, OPTIONS
    guarded = sorted(
        (path, max(p.opts, key=len)) for path, p in int_params(typer.main.get_command(build_app()))
    )
    assert guarded == OPTIONS


@pytest.mark.parametrize(("path", "flag"), OPTIONS, ids=[" ".join((*p, f)) for p, f in OPTIONS])
def test_a_value_of_thousands_of_digits_is_one_error_line(path: tuple[str, ...], flag: str) -> None:
    r = run_cli(*path, flag, HUGE)
    assert r.exit_code == 2, (r.stdout, r.stderr[:300])
    assert (
        r.stderr == f"error: {flag}: too large: 5000 digits (at most {INT64_MAX:,} in magnitude)\n"
    )
    assert r.stdout == ""
    neg = run_cli(*path, flag, "-" + HUGE)
    assert neg.exit_code == 2 and neg.stderr == r.stderr


def test_the_limit_is_a_64_bit_integer_and_values_within_it_read_as_before() -> None:
    top = str(INT64_MAX)
    # the largest 64-bit integer is read (the missing portfolio is what stress says next)
    within = run_cli("stress", "--seed", top)
    assert within.exit_code == 2 and "--portfolio" in within.stderr, within.stderr
    over = run_cli("stress", "--seed", str(INT64_MAX + 1))
    assert over.stderr == (
        f"error: --seed: too large: {INT64_MAX + 1} (at most {INT64_MAX:,} in magnitude)\n"
    )
    below = run_cli("stress", "--seed", str(-INT64_MAX - 1))
    assert below.exit_code == 2 and "too large" in below.stderr
    # the values that ended in an internal error (exit 1) before
    paths = run_cli("cascade", "backtest", "--paths", "99999999999999999999999")
    assert (paths.exit_code, paths.stderr.count("\n")) == (2, 1)
    assert paths.stderr.startswith("error: --paths: too large: 99999999999999999999999 ")
    rounds = run_cli(
        "cascade", "--liquidity", "static", "--max-rounds", "1" + "0" * 23, "--shock", "-0.1"
    )
    assert rounds.exit_code == 2 and rounds.stderr.startswith("error: --max-rounds: too large")
    # a value that is not a number is typer's to refuse, as before
    word = run_cli("stress", "--seed", "abc")
    assert word.exit_code == 2 and "too large" not in word.stderr
