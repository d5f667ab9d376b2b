"""Number options typed as people write prices: ``95k``, ``115,764``: a hint to write 95000.

typer answers ``--entry 95k`` with "Input should be a valid number, unable to parse
string as a number". :func:`guard_number_options` makes every float option of the
command tree (the fraction options keep their own reader,
:mod:`liqcascade._cli._fraction_options`) refuse a value with a thousands suffix
(``k``, ``m``, ``b``), thousands separators (``115,764``, ``115 764``, ``115_764``),
a decimal comma (``1,5``) or a multiple's sign (``--leverage 15x``) with the command
line's own line naming the number to write: ``error: --entry 95k is not a number: write
95000``. Any other value passes to typer as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from liqcascade._cli._fraction_options import fraction_params
from liqcascade._cli._int_options import command_tree, read_before_typer
from liqcascade.errors import InputError

__all__ = ["guard_number_options", "number_hint"]

_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}
_SUFFIXED = re.compile(r"(?P<num>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>[kKmMbB])")
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:[,_ ]\d{3})+(?:\.\d+)?")
#: A decimal comma (``1,5``, ``3698,25``): a comma not followed by exactly three digits
#: cannot separate thousands.
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,(?:\d{1,2}|\d{4,})")
#: A multiple as a trader writes leverage (``15x``, ``20×``).
_TIMES = re.compile(r"(?P<num>[-+]?\d+(?:\.\d+)?)\s*[xX\u00d7]")


def number_hint(text: str, flag: str) -> str | None:
    """The refusal of ``text`` typed for ``flag``, naming the number to write; or None.

    >>> number_hint("95k", "--entry")
    '--entry 95k is not a number: write 95000'
    >>> number_hint("115,764", "--entry")
    '--entry 115,764 is not a number: write 115764 (no thousands separators)'
    >>> number_hint("1,5", "--leverage")
    '--leverage 1,5 is not a number: write 1.5 (a decimal point)'
    >>> number_hint("15x", "--leverage")
    '--leverage 15x is not a number: write 15 (the multiple alone)'
    >>> number_hint("3700", "--entry") is None
    True
    """
    t = text.strip()
    if (m := _TIMES.fullmatch(t)) is not None:
        return f"{flag} {t} is not a number: write {m['num']} (the multiple alone)"
    if (m := _SUFFIXED.fullmatch(t)) is not None:
        value = float(m["num"]) * _SUFFIX[m["unit"].lower()]
        return f"{flag} {t} is not a number: write {value:.15g}"
    if _GROUPED.fullmatch(t):
        plain = re.sub(r"[,_ ]", "", t)
        return f"{flag} {t} is not a number: write {plain} (no thousands separators)"
    if _DECIMAL_COMMA.fullmatch(t):
        return f"{flag} {t} is not a number: write {t.replace(',', '.')} (a decimal point)"
    return None


def _read(text: str, flag: str) -> str:
    """``text`` unchanged, unless :func:`number_hint` refuses it."""
    try:
        float(text)
    except ValueError:
        if (hint := number_hint(text, flag)) is not None:
            raise InputError(hint) from None
    return text


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
        read_before_typer(param, _read)
