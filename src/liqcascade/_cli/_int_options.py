"""Integer options refuse a value beyond a 64-bit integer, with the CLI's own line.

typer's readers answer a value of thousands of digits with their own message
(pydantic's "Unable to parse input string as an integer, exceeded maximum size";
click's ``int()``: "Exceeds the limit (4300 digits) for integer string conversion"),
and a value that reads but exceeds what numpy and the compiled kernels hold ended in
an internal error (exit 1). :func:`guard_int_options` makes every integer option of a
command tree refuse both before typer reads them: exit 2 and one line, ``error: --seed:
too large: 5000 digits (at most 9,223,372,036,854,775,807 in magnitude)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, get_args, get_origin

from liqcascade.errors import InputError

__all__ = [
    "INT64_MAX",
    "command_tree",
    "guard_int_options",
    "int_params",
    "int_problem",
    "option_flag",
    "read_before_typer",
]

#: The largest magnitude an integer option takes: a 64-bit integer's, what numpy and the
#: compiled kernels hold (``--max-rounds`` of 10**23 ended in numba's "Int value is too
#: large", ``--paths`` in numpy's "Maximum allowed dimension exceeded": exit 1).
INT64_MAX = 2**63 - 1

#: Digits of :data:`INT64_MAX`: a value with more is beyond it, read or not.
_MAX_DIGITS = len(str(INT64_MAX))


def int_problem(flag: str, text: str) -> str | None:
    """What is wrong with ``text`` as the value of the integer option ``flag``, or None.

    Only its size: a value beyond :data:`INT64_MAX` in magnitude (a long one is not
    read: Python refuses to read more than 4,300 digits, and is slow near it) is named
    by its digits when it is long; anything else, a word included, is left to typer.

    Examples
    --------
    >>> int_problem("--seed", "1" * 5000)
    '--seed: too large: 5000 digits (at most 9,223,372,036,854,775,807 in magnitude)'
    >>> int_problem("--paths", "-99999999999999999999") is not None
    True
    >>> int_problem("--paths", "9223372036854775807") is None
    True
    """
    v = text.strip()
    digits = sum(ch.isdecimal() for ch in v)
    if digits <= _MAX_DIGITS:
        try:
            if abs(int(v.replace("_", ""))) <= INT64_MAX:
                return None
        except ValueError:  # not an integer: typer's own message
            return None
    shown = v if len(v) <= 2 * _MAX_DIGITS else f"{digits} digits"
    return f"{flag}: too large: {shown} (at most {INT64_MAX:,} in magnitude)"


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
    for path, cmd in command_tree(command):
        for param in getattr(cmd, "params", ()):
            if _takes_int(param):
                yield path, param


def command_tree(command: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(command path, command)`` of ``command`` and every subcommand, breadth first.

    The path is the subcommand names from ``command`` down (``()`` for ``command``).
    """
    stack: list[tuple[tuple[str, ...], Any]] = [((), command)]
    while stack:
        path, cmd = stack.pop(0)
        yield path, cmd
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            stack.append(((*path, name), sub))


def option_flag(param: Any) -> str:
    """How the user wrote ``param``: its longest ``--flag``, else its name."""
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("-")]
    return max(opts, key=len) if opts else str(param.name).upper()


def read_before_typer(param: Any, read: Callable[[str, str], Any]) -> None:
    """Make the click ``param`` pass each value typed, ``read(text, flag)``, before typer.

    ``read`` returns what typer is to read (the text, or a value it stands for) or
    raises :class:`~liqcascade.errors.InputError`, which ends the command with its line.
    Values not typed (a default, None) pass untouched; a list's items one by one.
    """
    typer_read = param.process_value
    flag = option_flag(param)

    def process_value(ctx: Any, value: Any) -> Any:
        if isinstance(value, list | tuple):
            value = type(value)(read(v, flag) if isinstance(v, str) else v for v in value)
        elif isinstance(value, str):
            value = read(value, flag)
        return typer_read(ctx, value)

    param.process_value = process_value


def _within_int64(text: str, flag: str) -> str:
    """``text`` unchanged, unless it is beyond a 64-bit integer (:func:`int_problem`)."""
    if (problem := int_problem(flag, text)) is not None:
        raise InputError(problem)
    return text


def guard_int_options(command: Any) -> None:
    """Make every integer option of the click ``command`` tree refuse too large a value.

    A value beyond :data:`INT64_MAX` in magnitude raises
    :class:`~liqcascade.errors.InputError` (:func:`int_problem`'s line) before typer
    reads it; other values are read as before.

    Parameters
    ----------
    command : click.Command
        The command line's root command (``typer.main.get_command(app)``), changed in
        place.
    """
    for _, param in int_params(command):
        read_before_typer(param, _within_int64)
