"""Fraction options take a percent too: ``--oi-share 20%`` is ``--oi-share 0.2``.

An option is a fraction option when its annotation carries :data:`FRACTION` after its
``typer.Option`` (``Annotated[float, typer.Option(help=...), FRACTION]``): its type stays
``float``, so typer reads and shows it as before (``<float>``, its default), on every
typer this package runs on. :func:`guard_fraction_options` makes each of them read
``N%`` as ``N/100`` (:func:`fraction_value`, the reader of
``--shock`` too) before typer reads the value, and refuse anything else that is not a
number with the command line's own line, ``error: --oi-share must be a fraction (0.2)
or a percent (20%) (got 'abc')``, where typer answered "Input should be a valid
number". The option's own range checks then see the fraction; when one refuses a value
typed as a percent, :func:`in_percent` words its range in percent too
(``--reserve-buffer must be a percent in [0, 100) (got 600%)``, not a fraction's
``[0, 1) (got 6; for 6 % give 0.06)``).
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from typing import Any

from liqcascade._cli._int_options import command_tree, read_before_typer
from liqcascade._typed_numbers import number_refusal
from liqcascade.errors import InputError

__all__ = [
    "FRACTION",
    "fraction_params",
    "fraction_value",
    "guard_fraction_options",
    "in_percent",
    "read_fraction",
]


class _Fraction:
    """The mark of a fraction option (:data:`FRACTION`)."""

    def __repr__(self) -> str:
        return "FRACTION"


#: Put after an option's ``typer.Option`` in its ``Annotated``: the option is a fraction
#: that takes a percent too.
FRACTION = _Fraction()
#: The values typed for each fraction option of the running command, by flag (in order).
_TYPED: dict[str, list[str]] = {}
#: A range in a refusal: ``FLAG must be [words] in [lo, hi)`` or ``FLAG must be [words] >= x``.
_RANGE = re.compile(
    r"(?P<flag>--[a-z0-9-]+) must be [a-z ]*?"
    r"(?:in (?P<lo_b>[\[(])(?P<lo>[^,()\[\]]+), (?P<hi>[^,()\[\]]+)(?P<hi_b>[\])])"
    r"|(?P<op>[<>]=?) (?P<bound>[-+0-9.e]+))"
)
_GOT = re.compile(r" ?\(got [^)]*\)")


def fraction_value(text: str) -> float:
    """``text`` as a fraction: ``"0.2"`` is 0.2, ``"20%"`` (a percent) is 0.2 too.

    The one reader of a fraction or a percent on the command line (``--shock``, every
    fraction option: :mod:`liqcascade._cli._fraction_options`). Spaces around the
    number are ignored; anything else raises :class:`ValueError`.

    Examples
    --------
    >>> fraction_value("-5%"), fraction_value(" 0.25 ")
    (-0.05, 0.25)
    """
    t = text.strip()
    return float(t[:-1]) / 100.0 if t.endswith("%") else float(t)


def read_fraction(text: str, flag: str) -> str | float:
    """The value of the fraction option ``flag`` as typer is to read it.

    Parameters
    ----------
    text : str
        The value as typed.
    flag : str
        The option (``"--oi-share"``), named by the refusal.

    Returns
    -------
    str or float
        A percent (``"20%"``) as its fraction (0.2); a number as typed (typer reads it
        as before).

    Raises
    ------
    InputError
        If ``text`` is neither a number nor a percent.

    Examples
    --------
    >>> read_fraction("20%", "--oi-share"), read_fraction("0.2", "--oi-share")
    (0.2, '0.2')
    """
    _TYPED.setdefault(flag, []).append(text.strip())
    try:
        value = fraction_value(text)
    except ValueError:
        fix = number_refusal(text, percent="fraction")  # 0,2 or 2,5%: the number to write
        raise InputError(
            f"{flag} must be a fraction (0.2) or a percent (20%) (got {text!r})"
            + (f": {fix}" if fix else "")
        ) from None
    return value if text.strip().endswith("%") else text


def _pct(bound: str) -> str | None:
    """A fraction's bound as a percent (``"0.005"`` -> ``"0.5"``); None if not a number."""
    try:
        return f"{round(float(bound) * 100, 10):g}"
    except ValueError:
        return None


def in_percent(line: str) -> str:
    """``line`` with a fraction option's range in percent, if its value was one.

    A range check sees the fraction a percent stands for and words its range as a
    fraction's (``--oi-share must be in (0, 1] (got 6.0)``); to a user who typed
    ``600%`` that reads as another unit. When the option named before ``must be`` was
    typed once, as a percent, its range is given in percent and the value as typed
    (``--oi-share must be a percent in (0, 100] (got 600%)``); any other line is
    returned as it is.

    Parameters
    ----------
    line : str
        An error's line, options shown as flags.

    Returns
    -------
    str
        The line, the range in percent where the value was a percent.

    Examples
    --------
    >>> _TYPED["--bucket"] = ["60%"]
    >>> in_percent("--bucket must be in (0, 0.5] (got 0.6)")
    '--bucket must be a percent in (0, 50] (got 60%)'
    >>> in_percent("--range must be in (0, 1) (got 6.0)")
    '--range must be in (0, 1) (got 6.0)'
    """
    m = _RANGE.search(line)
    typed = _TYPED.get(m.group("flag"), []) if m else []
    if m is None or len(typed) != 1 or not typed[0].endswith("%"):
        return line
    if m.group("op"):
        bound = _pct(m.group("bound"))
        rule = None if bound is None else f"{m.group('op')} {bound} %"
    else:
        lo, hi = _pct(m.group("lo")), _pct(m.group("hi"))
        rule = (
            None
            if lo is None or hi is None
            else (f"a percent in {m.group('lo_b')}{lo}, {hi}{m.group('hi_b')}")
        )
    if rule is None:
        return line
    rest, n = _GOT.subn(f" (got {typed[0]})", line[m.end() :], count=1)
    if n == 0:
        rest += f" (got {typed[0]})"
    return f"{line[: m.start()]}{m.group('flag')} must be {rule}{rest}"


def fraction_params(command: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(command path, parameter)`` of every fraction option of a click command tree.

    The options whose callback annotation carries :data:`FRACTION`.
    """
    for path, cmd in command_tree(command):
        if getattr(cmd, "callback", None) is None:
            continue
        hints = typing.get_type_hints(cmd.callback, include_extras=True)
        for param in getattr(cmd, "params", ()):
            if any(m is FRACTION for m in getattr(hints.get(param.name), "__metadata__", ())):
                yield path, param


def guard_fraction_options(command: Any) -> None:
    """Make every fraction option of the click ``command`` tree take a percent too.

    Parameters
    ----------
    command : click.Command
        The command line's root command (``typer.main.get_command(app)``), changed in
        place.
    """
    _TYPED.clear()  # a new command line
    for _, param in fraction_params(command):
        read_before_typer(param, read_fraction)
