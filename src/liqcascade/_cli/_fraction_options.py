"""Fraction options take a percent too: ``--oi-share 20%`` is ``--oi-share 0.2``.

An option is a fraction option when its annotation carries :data:`FRACTION` after its
``typer.Option`` (``Annotated[float, typer.Option(help=...), FRACTION]``): its type stays
``float``, so typer reads and shows it as before (``<float>``, its default), on every
typer this package runs on. :func:`guard_fraction_options` makes each of them read
``N%`` as ``N/100`` (:func:`~liqcascade._cli._common.fraction_value`, the reader of
``--shock`` too) before typer reads the value, and refuse anything else that is not a
number with the command line's own line, ``error: --oi-share must be a fraction (0.2)
or a percent (20%) (got 'abc')``, where typer answered "Input should be a valid
number". The option's own range checks then see the fraction.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

from liqcascade._cli._common import fraction_value
from liqcascade._cli._int_options import command_tree, read_before_typer
from liqcascade.errors import InputError

__all__ = ["FRACTION", "fraction_params", "guard_fraction_options", "read_fraction"]


class _Fraction:
    """The mark of a fraction option (:data:`FRACTION`)."""

    def __repr__(self) -> str:
        return "FRACTION"


#: Put after an option's ``typer.Option`` in its ``Annotated``: the option is a fraction
#: that takes a percent too.
FRACTION = _Fraction()


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
    try:
        value = fraction_value(text)
    except ValueError:
        raise InputError(
            f"{flag} must be a fraction (0.2) or a percent (20%) (got {text!r})"
        ) from None
    return value if text.strip().endswith("%") else text


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
    for _, param in fraction_params(command):
        read_before_typer(param, read_fraction)
