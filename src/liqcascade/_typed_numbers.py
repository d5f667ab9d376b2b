"""Numbers typed as people write them (``20x``, ``5%``, ``3,820``, ``$3650``, ``95k``): the fix.

A value that is not a number to :func:`float` but is one as a trader writes it (a
multiple's sign, a percent sign, a currency sign, a thousands suffix, thousands
separators, a decimal comma) is refused, never read as the number it looks like (a file
is data, a command line is exact: one reading of each value), with the number to write:
:func:`number_fix`. The command line's options and every reader of a user's file
(positions, stops, a stress portfolio, an order book) word their refusal from it, so a
typo gets the same fix in a file as on the command line.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["PercentReading", "not_a_number", "number_fix", "number_refusal"]

#: How a percent (``5%``) is told to be written where it is not read: ``"fraction"``
#: (the value is a fraction: write 0.05), ``"number"`` (a unit of its own, such as
#: volatility units: write 5), or None (a unit a percent cannot stand for, such as USD:
#: no number is written for it).
PercentReading = Literal["fraction", "number"] | None

_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}
_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_SUFFIXED = re.compile(rf"(?P<num>{_NUM})\s*(?P<unit>[kKmMbB])")
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:[,_ \u00a0\u202f']\d{3})+(?:\.\d+)?")
#: A decimal comma (``1,5``, ``3698,25``): a comma not followed by exactly three digits
#: cannot separate thousands.
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,(?:\d{1,2}|\d{4,})")
#: A multiple as a trader writes leverage (``15x``, ``20×``, ``x20``).
_TIMES = re.compile(rf"(?P<num>{_NUM})\s*[xX\u00d7]|[xX\u00d7]\s*(?P<pre>{_NUM})")
#: A percent; its number may carry thousands separators or a decimal comma (``2,5%``).
_PERCENT = re.compile(r"(?P<num>[-+]?[\d.,_ \u00a0\u202f']*\d)\s*%")
#: A currency sign or code before or after the number (``$3650``, ``-$5``, ``3650 USD``).
_CURRENCY = re.compile(
    r"(?P<sign>[-+]?)\s*(?:\$|US\$|USD\s*)(?P<rest>.+)|(?P<body>.+?)\s*(?:\$|USD|usd|USDT)",
)


def _plain(text: str) -> float | None:
    """``text`` as a number if :func:`float` reads it, else None."""
    try:
        return float(text)
    except ValueError:
        return None


def _without_currency(t: str) -> tuple[str, bool]:
    """``t`` with a currency sign or code dropped, and whether one was."""
    m = _CURRENCY.fullmatch(t)
    if m is None:
        return t, False
    if m["rest"] is not None:
        return f"{m['sign']}{m['rest'].strip()}", True
    return m["body"].strip(), True


def number_fix(text: str, *, percent: PercentReading = "number") -> tuple[str | None, str] | None:
    """The number to write for ``text``, typed as people write numbers; None if no typo.

    Parameters
    ----------
    text : str
        The value as typed (spaces around it ignored).
    percent : {"number", "fraction", None}, default "number"
        What a percent stands for where the value is read (:data:`PercentReading`).

    Returns
    -------
    tuple of (str or None, str), or None
        ``(write, why)``: the number to write (as :func:`float` reads it; None where no
        number can be named: a percent of USD) and why (``"the multiple alone"``; may
        be empty). None when ``text`` is a number already, or no typo this knows of.

    Examples
    --------
    >>> number_fix("20x"), number_fix("$3,650")
    (('20', 'the multiple alone'), ('3650', 'no currency sign, no thousands separators'))
    >>> number_fix("5%", percent="fraction"), number_fix("95k"), number_fix("3700")
    (('0.05', 'a fraction: 5 % is 0.05'), ('95000', ''), None)
    """
    t = text.strip()
    if not t or _plain(t) is not None:
        return None
    body, currency = _without_currency(t)
    notes = ["no currency sign"] if currency else []
    fix = _body_fix(body, percent)
    if fix is None:
        return ("".join(body.split()), notes[0]) if currency and _plain(body) is not None else None
    write, why = fix
    return write, ", ".join([*notes, why] if why else notes)


def _body_fix(t: str, percent: PercentReading) -> tuple[str | None, str] | None:
    """:func:`number_fix` of ``t`` without a currency sign."""
    if (m := _TIMES.fullmatch(t)) is not None:
        return _num(m["num"] or m["pre"]), "the multiple alone"
    if (m := _PERCENT.fullmatch(t)) is not None:
        num, notes = m["num"], []
        if _plain(num) is None or "_" in num:  # 2,5% or 1,250%: the number's own fix first
            inner = _body_fix(num, None)
            if inner is None or inner[0] is None:
                return None
            num, notes = inner[0], [inner[1]]
        if percent == "fraction":
            value = f"{float(num) / 100:.15g}"
            return value, ", ".join([*notes, f"a fraction: {_num(num)} % is {value}"])
        if percent == "number":
            return _num(num), ", ".join([*notes, "the number alone, not a percent"])
        return None, "a percent is not read here: write the value itself"
    if (m := _SUFFIXED.fullmatch(t)) is not None:
        return f"{float(m['num']) * _SUFFIX[m['unit'].lower()]:.15g}", ""
    if _GROUPED.fullmatch(t):
        return re.sub(r"[,_ \u00a0\u202f']", "", t), "no thousands separators"
    if _DECIMAL_COMMA.fullmatch(t):
        return t.replace(",", "."), "a decimal point"
    return None


def _num(text: str) -> str:
    """A matched number as typed, without a ``+`` sign or a trailing point."""
    return text.lstrip("+").rstrip(".") or "0"


def number_refusal(text: str, *, percent: PercentReading = "number") -> str | None:
    """The fix for ``text`` as a refusal's tail (``"write 20 (the multiple alone)"``); or None.

    Parameters
    ----------
    text : str
        The value as typed.
    percent : {"number", "fraction", None}, default "number"
        What a percent stands for there (:data:`PercentReading`).

    Returns
    -------
    str or None
        ``"write 3820 (no thousands separators)"``, ``"write 95000"``, or the reason
        alone where no number can be named; None where :func:`number_fix` is.

    Examples
    --------
    >>> number_refusal("3,820"), number_refusal("5%", percent=None)
    ('write 3820 (no thousands separators)', 'a percent is not read here: write the value itself')
    """
    fix = number_fix(text, percent=percent)
    if fix is None:
        return None
    write, why = fix
    if write is None:
        return why
    return f"write {write} ({why})" if why else f"write {write}"


def not_a_number(column: str, cell: object) -> str:
    """A file's refusal of ``cell`` in ``column``: ``"leverage is not a number ('20x')"``.

    With the number to write where the cell is one written as traders write numbers
    (:func:`number_refusal`; a percent is not one: a file's number columns hold
    amounts, prices, sizes and multiples): ``"leverage is not a number ('20x'): write 20
    (the multiple alone)"``. The reader puts the file and the row before it.

    Parameters
    ----------
    column : str
        The column, as the message names it.
    cell : object
        The cell as read (text; its ``str`` otherwise).

    Returns
    -------
    str

    Examples
    --------
    >>> not_a_number("entry_price", " 3,820 ")
    "entry_price is not a number ('3,820'): write 3820 (no thousands separators)"
    >>> not_a_number("size", "abc")
    "size is not a number ('abc')"
    """
    text = str(cell).strip()
    fix = number_refusal(text, percent=None)
    return f"{column} is not a number ({text!r})" + (f": {fix}" if fix else "")
