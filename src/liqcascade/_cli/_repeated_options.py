"""An option given twice is refused: ``--pricing index --pricing nav`` is not ``nav``.

click keeps the last value of an option given more than once and says nothing, so
``collateral --pricing index --pricing nav`` ran with ``nav``, ``data ingest --venue
binance --venue bybit`` labelled the rows ``bybit``, and ``margin liq-price --margin 100
--margin 200`` priced 200. Click does not tell a parsed value from a repeated one, so
:func:`refuse_repeated_options` reads the arguments before click parses them: it walks
them down the command tree to the command that runs, then counts each of its options
by every name it answers to (its aliases, ``--opt=value``, both halves of a
``--x/--no-x`` pair). An option declared ``multiple`` (``stress --shocks``, ``diff
--alert``) and a counter (``-vv``) may repeat; any other given twice ends the run
before any work: exit 2 and ``error: --pricing given twice ('index', 'nav'): give it
once``.
"""

from __future__ import annotations

from typing import Any

from liqcascade.errors import InputError

__all__ = ["refuse_repeated_options", "repeated_option"]

#: What stops the reading of options: click's end of options, and help (printed as is).
_END, _HELP = "--", "--help"


def _takes_values(param: Any) -> int:
    """How many arguments after its name the click option ``param`` reads (0: a flag)."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return 0
    return max(int(getattr(param, "nargs", 1) or 1), 1)


def _names(command: Any) -> dict[str, Any]:
    """Every name (``--pricing``, ``-p``, ``--no-json``) of ``command``'s options -> option."""
    names: dict[str, Any] = {}
    for p in getattr(command, "params", ()):
        if getattr(p, "param_type_name", "") != "option":
            continue
        for opt in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ())):
            names[opt] = p
    return names


def _commands_and_args(root: Any, args: list[str]) -> list[tuple[Any, list[str]]]:
    """Each command ``args`` pass through, walked down from ``root``, with its arguments.

    A group's are its options before the subcommand (``-v``, ``--quiet``), skipped
    with their values; a group run without a subcommand (``cascade --shock -5%``, whose
    subcommands are ``backtest`` …) gets the rest. The last is the command that runs.
    """
    out: list[tuple[Any, list[str]]] = []
    cmd, i = root, 0
    while getattr(cmd, "commands", None):
        names, start = _names(cmd), i
        while i < len(args) and args[i].startswith("-") and args[i] != _END:
            p = names.get(args[i].split("=", 1)[0])
            i += 1 + (_takes_values(p) if p is not None and "=" not in args[i] else 0)
        if i >= len(args) or args[i] not in cmd.commands:
            out.append((cmd, args[start:]))  # the group runs (or click refuses the word)
            return out
        out.append((cmd, args[start:i]))
        cmd, i = cmd.commands[args[i]], i + 1
    out.append((cmd, args[i:]))
    return out


def _given(command: Any, args: list[str]) -> dict[Any, list[tuple[str, str | None]]]:
    """Each option of ``command`` in ``args`` -> ``(name as typed, value or None)`` per use."""
    names = _names(command)
    seen: dict[Any, list[tuple[str, str | None]]] = {}
    i = 0
    while i < len(args) and args[i] != _END:
        a = args[i]
        i += 1
        if not a.startswith("-"):
            continue
        name, eq, attached = a.partition("=")
        p = names.get(name) if name.startswith("--") else names.get(a)
        if p is None and not a.startswith("--") and len(a) > 2:  # -p5: a short one's value
            name, eq, attached = a[:2], "=", a[2:]
            p = names.get(name)
        if p is None:
            continue  # not an option of this command (a value, or one click refuses)
        n = _takes_values(p)
        if eq:
            value: str | None = attached
        elif n:
            value, i = " ".join(args[i : i + n]), i + n
        else:
            value = None
        seen.setdefault(p, []).append((name, value))
    return seen


def repeated_option(root: Any, args: list[str]) -> str | None:
    """The refusal of an option given more than once in ``args``, or None.

    Parameters
    ----------
    root : click.Command
        The command line's root command (``typer.main.get_command(app)``).
    args : list of str
        The arguments after the program name.

    Returns
    -------
    str or None
        ``"--pricing given twice ('index', 'nav'): give it once"`` for the first option
        (in the order typed) given more than once that is neither ``multiple`` nor a
        counter; None when there is none, or when help is asked.
    """
    for command, rest in _commands_and_args(root, args):
        if _HELP in rest[: rest.index(_END) if _END in rest else len(rest)]:
            return None
        for p, uses in _given(command, rest).items():
            if len(uses) < 2 or getattr(p, "multiple", False) or getattr(p, "count", False):
                continue
            return _refusal(p, uses)
    return None


def _refusal(param: Any, uses: list[tuple[str, str | None]]) -> str:
    """The line for ``param`` given more than once, ``uses`` as typed: name, value or None."""
    flag = max((o for o in param.opts if o.startswith("--")), key=len, default=uses[0][0])
    times = "twice" if len(uses) == 2 else f"{len(uses)} times"
    if all(v is None for _, v in uses):  # a flag: what was typed, when not all the same
        typed = [n for n, _ in uses]
        shown = f" ({', '.join(typed)})" if len(set(typed)) > 1 else ""
    else:
        shown = f" ({', '.join(repr(v) for _, v in uses)})"
    return f"{flag} given {times}{shown}: give it once"


def refuse_repeated_options(root: Any, args: list[str]) -> None:
    """Raise :class:`~liqcascade.errors.InputError` for an option given twice in ``args``.

    Parameters
    ----------
    root : click.Command
        The command line's root command.
    args : list of str
        The arguments after the program name.

    Raises
    ------
    InputError
        :func:`repeated_option`'s line.
    """
    if (line := repeated_option(root, args)) is not None:
        raise InputError(line)
