"""Number options typed as people write prices: ``95k``, ``115,764``: a hint to write 95000.

typer answers ``--entry 95k`` with "Input should be a valid number, unable to parse
string as a number", which does not echo the value. :func:`guard_number_options` makes
every float option of the command tree (the fraction options keep their own reader,
:mod:`liqcascade._cli._fraction_options`) refuse a value that is not a number with the
command line's own line naming the option, the value and, for a number written as
traders write one (a thousands suffix ``95k``, thousands separators ``115,764``, a
decimal comma ``1,5``, a multiple's sign ``15x``, a percent ``1.5%``, a currency sign
``$3650``: :func:`liqcascade._typed_numbers.number_fix`, the rule the file readers
share), the number to write: ``error: --entry 95k is not a number: write 95000``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from liqcascade._cli._fraction_options import fraction_params
from liqcascade._cli._int_options import command_tree, read_before_typer
from liqcascade._typed_numbers import PercentReading, number_refusal
from liqcascade.errors import InputError

__all__ = ["guard_number_options", "number_hint", "percent_reading"]


def number_hint(text: str, flag: str, *, percent: PercentReading = "number") -> str | None:
    """The refusal of ``text`` typed for ``flag``, naming the number to write; or None.

    Parameters
    ----------
    text : str
        The value as typed.
    flag : str
        The option, first in the line.
    percent : {"number", "fraction", None}, default "number"
        What a percent stands for in the option (:func:`percent_reading`).

    Returns
    -------
    str or None
        The line; None when ``text`` is a number, or no typo with a known fix.

    Examples
    --------
    >>> number_hint("95k", "--entry")
    '--entry 95k is not a number: write 95000'
    >>> number_hint("115,764", "--entry")
    '--entry 115,764 is not a number: write 115764 (no thousands separators)'
    >>> number_hint("1,5", "--leverage")
    '--leverage 1,5 is not a number: write 1.5 (a decimal point)'
    >>> number_hint("15x", "--leverage")
    '--leverage 15x is not a number: write 15 (the multiple alone)'
    >>> number_hint("1.5%", "--k")
    '--k 1.5% is not a number: write 1.5 (the number alone, not a percent)'
    >>> number_hint("3700", "--entry") is None
    True
    """
    fix = number_refusal(text, percent=percent)
    return None if fix is None else f"{flag} {text.strip()} is not a number: {fix}"


def percent_reading(help_text: str | None) -> PercentReading:
    """What a percent typed for a float option stands for, from the option's help.

    An amount in USD has no percent (None: the line names no number); a weight or a
    fraction is a fraction (``50%`` is 0.5); any other unit (a multiple, volatility
    units, seconds) is told to drop the sign (``1.5%``: write 1.5).

    Examples
    --------
    >>> percent_reading("Entry price, USD."), percent_reading("Weight of the trade price")
    (None, 'fraction')
    >>> percent_reading("Distance in horizon-volatility units.")
    'number'
    """
    words = (help_text or "").lower()
    if "usd" in words:
        return None
    return "fraction" if "weight" in words or "fraction" in words else "number"


def _reader(percent: PercentReading) -> Any:
    """A reader (:func:`~liqcascade._cli._int_options.read_before_typer`) of one option."""

    def read(text: str, flag: str) -> str:
        """``text`` unchanged if a number; else the option's own refusal."""
        try:
            float(text)
        except ValueError:
            hint = number_hint(text, flag, percent=percent)
            shown = text.strip() or repr(text)
            raise InputError(
                hint or f"{flag} {shown} is not a number: write a plain number (such as 1.5 or 2e3)"
            ) from None
        return text

    return read


def _takes_float(param: Any) -> bool:
    """Whether the click ``param`` takes one float (not a flag)."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return False
    descriptor = getattr(param, "type_descriptor", None)  # typer >= 0.2x: the annotation
    if descriptor is not None:
        ann = descriptor.annotation
        return ann is float or (getattr(ann, "__args__", None) or ()) == (float, type(None))
    kind = type(getattr(param, "type", None))  # older typer: click's own types
    return any(c.__name__ == "FloatParamType" for c in kind.__mro__)


def _float_params(command: Any) -> Iterator[Any]:
    fractions = {id(p) for _, p in fraction_params(command)}
    for _, cmd in command_tree(command):
        for param in getattr(cmd, "params", ()):
            if id(param) not in fractions and _takes_float(param):
                yield param


def guard_number_options(command: Any) -> None:
    """Make every float option of the click ``command`` tree hint at ``95k``, ``115,764``.

    Parameters
    ----------
    command : click.Command
        The command line's root command (``typer.main.get_command(app)``), changed in
        place.
    """
    for param in _float_params(command):
        read_before_typer(param, _reader(percent_reading(getattr(param, "help", None))))
