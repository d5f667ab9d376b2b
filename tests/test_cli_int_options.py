"""Integer options refuse a value of thousands of digits with the command line's own line.

A 5000-digit ``--seed`` printed typer's reader's message ("Unable to parse input string
as an integer, exceeded maximum size"; Python's "Exceeds the limit (4300 digits) for
integer string conversion" with older typer), not ``error: --seed: ...``.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
import typer.main

from clihelpers import run_cli
from liqcascade._cli._int_options import MAX_DIGITS, int_params, max_digits
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
    assert r.stderr == f"error: {flag}: too long for an integer: 5000 digits (at most 4300)\n"
    assert r.stdout == ""
    neg = run_cli(*path, flag, "-" + HUGE)
    assert neg.exit_code == 2 and neg.stderr == r.stderr


def test_the_limit_is_where_reading_fails_and_values_within_it_read_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert max_digits() == MAX_DIGITS == 4300
    # 4300 digits is read (the missing portfolio is what stress says next), 4301 is not
    within = run_cli("stress", "--seed", "1" * 4300)
    assert within.exit_code == 2 and "--portfolio" in within.stderr, within.stderr[:300]
    over = run_cli("stress", "--seed", "1" * 4301)
    assert over.stderr == "error: --seed: too long for an integer: 4301 digits (at most 4300)\n"
    # a value that is not a number is typer's to refuse, as before
    word = run_cli("stress", "--seed", "abc")
    assert word.exit_code == 2 and "too long" not in word.stderr
    # a lower limit of Python's own (PYTHONINTMAXSTRDIGITS) is the one said
    monkeypatch.setattr("sys.get_int_max_str_digits", lambda: 640)
    assert max_digits() == 640
    low = run_cli("stress", "--paths", "1" * 641)
    assert low.stderr == "error: --paths: too long for an integer: 641 digits (at most 640)\n"
    monkeypatch.setattr("sys.get_int_max_str_digits", lambda: 0)  # 0: Python has no limit
    assert max_digits() == MAX_DIGITS
