"""Integer options refuse a value too long to be read as a number, with the CLI's own line.

Python reads at most 4,300 digits into an ``int`` (``sys.get_int_max_str_digits``), and
typer's readers answer a longer value with their own message (click's ``int()``:
"Exceeds the limit (4300 digits) for integer string conversion"; pydantic's: "Unable
to parse input string as an integer, exceeded maximum size"). :func:`guard_int_options`
makes every integer option of a command tree refuse it before they read it: exit 2 and
one line, ``error: --seed: too long for an integer: 5000 digits (at most 4300)``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any, get_args, get_origin

from liqcascade.errors import InputError

__all__ = ["MAX_DIGITS", "guard_int_options", "int_params", "max_digits"]

#: Digits of an integer option's value at most: Python's default limit of ``int(str)``,
#: and pydantic's (typer >= 0.2x reads values with pydantic).
MAX_DIGITS = 4300


def max_digits() -> int:
    """Digits an integer option takes at most: :data:`MAX_DIGITS`, or Python's lower limit.

    Python's limit is lower when ``PYTHONINTMAXSTRDIGITS`` (or ``-X int_max_str_digits``)
    sets it so; 0 there means no limit, and :data:`MAX_DIGITS` holds.
    """
    limit = sys.get_int_max_str_digits()
    return min(MAX_DIGITS, limit) if limit else MAX_DIGITS


def _is_int_type(annotation: Any) -> bool:
    """``int``, or a list or tuple of ``int`` only."""
    if annotation is int:
        return True
    args = [a for a in get_args(annotation) if a is not Ellipsis]
    return get_origin(annotation) in (list, tuple) and bool(args) and all(a is int for a in args)


def _takes_int(param: Any) -> bool:
    """Whether the click ``param`` takes integers (a count flag, ``-vv``, takes no value)."""
    if getattr(param, "count", False) or getattr(param, "is_flag", False):
        return False
    descriptor = getattr(param, "type_descriptor", None)  # typer >= 0.2x: the annotation
    if descriptor is not None:
        return _is_int_type(descriptor.annotation)
    kind = type(getattr(param, "type", None))  # older typer: click's own types
    return any(c.__name__ == "IntParamType" for c in kind.__mro__)


def int_params(command: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(command path, parameter)`` of every integer parameter of a click command tree.

    The path is the subcommand names from ``command`` down (``("liqmap", "calibrate")``;
    ``()`` for the root's own options).
    """
    stack: list[tuple[tuple[str, ...], Any]] = [((), command)]
    while stack:
        path, cmd = stack.pop(0)
        for param in getattr(cmd, "params", ()):
            if _takes_int(param):
                yield path, param
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            stack.append(((*path, name), sub))


def _flag(param: Any) -> str:
    """How the user wrote ``param``: its longest ``--flag``, else its name."""
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("-")]
    return max(opts, key=len) if opts else str(param.name).upper()


def _guard(param: Any) -> None:
    """Make ``param`` refuse a value of more than :func:`max_digits` digits."""
    read = param.process_value
    flag = _flag(param)

    def process_value(ctx: Any, value: Any) -> Any:
        limit = max_digits()
        for v in value if isinstance(value, list | tuple) else (value,):
            if isinstance(v, str):
                n = sum(ch.isdecimal() for ch in v)
                if n > limit:
                    raise InputError(
                        f"{flag}: too long for an integer: {n} digits (at most {limit})"
                    )
        return read(ctx, value)

    param.process_value = process_value


def guard_int_options(command: Any) -> None:
    """Make every integer option of the click ``command`` tree refuse too long a value.

    A value with more digits than :func:`max_digits` raises
    :class:`~liqcascade.errors.InputError` (``--seed: too long for an integer: 5000
    digits (at most 4300)``) before typer reads it; other values are read as before.

    Parameters
    ----------
    command : click.Command
        The command line's root command (``typer.main.get_command(app)``), changed in
        place.
    """
    for _, param in int_params(command):
        _guard(param)
