"""Prices and quantities as a person reads them, on any price level (CLI and report).

Also the one "n/a" rule of printed figures (:func:`fmt_or_na`): what is not a finite
number prints ``n/a``, never ``nan``, ``inf`` or ``None``; the one plural rule of a
count (:func:`count_text`: ``1 day``, ``3 days``, never ``day(s)``) and of a list of names
(:func:`names_text`: ``column: a``, ``columns: a, b``, never ``column(s)``); and the one
way a fraction reads as a percent (:func:`percent_text`: ``5 %``, never ``5%``).

A price keeps :data:`PRICE_DIGITS` significant figures relative to a reference price (the
asset's own): ETH at $3,698 and BTC at $115,764 print as whole dollars, SOL at $232.41 as
``$232.4``, an alt-coin at $0.2312 as ``$0.2312``. Every price of one table shares the
reference, so levels 0.5 % apart stay distinct and columns line up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "NA",
    "PRICE_DIGITS",
    "count_text",
    "fmt_or_na",
    "is_finite",
    "names_text",
    "percent_label",
    "percent_text",
    "price_decimals",
    "price_range",
    "price_text",
    "quantity_text",
    "shock_name",
    "verb_text",
]

PRICE_DIGITS: int = 4
"""Significant figures of a price at the reference level (whole dollars from $1,000 up)."""

_DASH = "–"


def is_finite(x: Any) -> bool:
    """Whether ``x`` is a finite number (False for None, NaN, inf and non-numbers).

    Parameters
    ----------
    x : Any
        A value that may be a number.

    Returns
    -------
    bool
    """
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


#: How a figure that is not a finite number prints (:func:`fmt_or_na`).
NA: str = "n/a"


def fmt_or_na(x: Any, spec: str | Callable[[float], str] = "") -> str:
    """``x`` formatted by ``spec``, or ``"n/a"`` when it is not a finite number.

    The one rule of every printed figure: None, NaN, ±inf and non-numbers are
    :data:`NA` (:func:`is_finite`), so no text says ``nan``, ``inf`` or ``None``. A
    formatter whose form a format spec cannot say (a percent with a typographic minus, a
    size-dependent form) passes a function and gets the same rule.

    >>> fmt_or_na(0.4567, ".2f"), fmt_or_na(None, ".2f"), fmt_or_na(float("inf"), ".1%")
    ('0.46', 'n/a', 'n/a')
    >>> fmt_or_na(-0.05, lambda v: f"{v * 100:+.1f} %")
    '-5.0 %'

    Parameters
    ----------
    x : Any
        The figure (a number, numpy scalar, None or NaN).
    spec : str or callable, default ""
        A format spec for :func:`format` (``".2f"``, ``"+.1%"``, ``",.0f"``), or a
        function of the figure as a float that returns its text.

    Returns
    -------
    str
    """
    if not is_finite(x):
        return NA
    if callable(spec):
        return spec(float(x))
    return format(x if isinstance(x, int | float) else float(x), spec)


def price_decimals(ref: float) -> int:
    """Decimals that give :data:`PRICE_DIGITS` significant figures at price ``ref`` (USD).

    >>> [price_decimals(x) for x in (115_764.0, 3698.4, 232.4, 0.23)]
    [0, 0, 1, 4]

    Parameters
    ----------
    ref : float
        Reference price, USD (non-finite or 0: 2 decimals).

    Returns
    -------
    int
        Decimals, 0 to 10.
    """
    if not is_finite(ref) or float(ref) == 0:
        return 2
    return min(10, max(0, PRICE_DIGITS - 1 - math.floor(math.log10(abs(float(ref))))))


def price_text(x: Any, ref: Any = None, *, dollar: bool = True) -> str:
    """A price with separators and the reference's decimals: ``$3,698``, ``$232.4``, ``$0.2312``.

    Parameters
    ----------
    x : float
        The price, USD.
    ref : float, optional
        The reference price, USD (the asset's price; default ``x`` itself).
    dollar : bool, default True
        Prefix ``$``.

    Returns
    -------
    str
        Never scientific notation; a dash for a missing value.
    """
    if not is_finite(x):
        return _DASH
    v = float(x)
    d = price_decimals(float(ref) if is_finite(ref) and float(ref) != 0 else v)
    body = f"{abs(v):,.{d}f}"
    sign = "−" if v < 0 and float(body.replace(",", "")) != 0 else ""
    return f"{sign}{'$' if dollar else ''}{body}"


def price_range(lo: Any, hi: Any, ref: Any = None, *, sep: str = "–") -> str:
    """``"237.4–238.6"``: two prices (no ``$``) with the decimals of ``ref`` (default ``lo``).

    Parameters
    ----------
    lo, hi : float
        The two prices, USD.
    ref : float, optional
        Reference price, USD; default ``lo``.
    sep : str, default "–"
        Between the two prices.

    Returns
    -------
    str
    """
    r = ref if is_finite(ref) else lo
    return f"{price_text(lo, r, dollar=False)}{sep}{price_text(hi, r, dollar=False)}"


def count_text(n: int, unit: str, *, grouped: bool = False) -> str:
    """``"1 day"``, ``"3 days"``: a count with its unit, plural when not one.

    >>> count_text(1, "day"), count_text(3, "interval"), count_text(12000, "path", grouped=True)
    ('1 day', '3 intervals', '12,000 paths')

    Parameters
    ----------
    n : int
        The count.
    unit : str
        The unit, singular (``"day"``); ``"s"`` is added when ``n`` is not 1.
    grouped : bool, default False
        Thousands separators (``12,000``).

    Returns
    -------
    str
    """
    shown = f"{n:,}" if grouped else f"{n}"
    return f"{shown} {unit}{'' if n == 1 else 's'}"


def verb_text(subject: str, verb: str) -> str:
    """``verb`` (its plural form, ``"end"``) agreeing with ``subject`` in the present tense.

    >>> verb_text("the ETH open interest", "end"), verb_text("the order-book totals", "end")
    ('ends', 'end')

    A subject is plural when its last word is (ends in ``s``: "totals", "prices", "bars";
    "series" is singular) or when it joins two names with "and".

    Parameters
    ----------
    subject : str
        What the verb is about, as the message names it.
    verb : str
        The plural form (``"end"``, ``"start"``, ``"reach"``).

    Returns
    -------
    str
    """
    words = subject.split()
    last = words[-1] if words else ""
    plural = "and" in words or (last.endswith("s") and last != "series")
    if plural:
        return verb
    return f"{verb}es" if verb.endswith(("s", "sh", "ch", "x")) else f"{verb}s"


def names_text(unit: str, names: Iterable[object]) -> str:
    """``"column: a"``, ``"columns: a, b"``: a list of names after its unit, plural when not one.

    >>> names_text("column", ["entry_price"]), names_text("column", ["low", "volume"])
    ('column: entry_price', 'columns: low, volume')

    Parameters
    ----------
    unit : str
        What the names are, singular (``"column"``); ``"s"`` is added unless one name.
    names : iterable
        The names, in the order they are to be read.

    Returns
    -------
    str
    """
    shown = [str(n) for n in names]
    return f"{unit}{'' if len(shown) == 1 else 's'}: {', '.join(shown)}"


#: A percent written glued to its number in a label (``-10.0%``, ``+5%``).
_GLUED_PERCENT = re.compile(r"([+-]?\d+(?:\.\d+)?)%")


def percent_label(label: str) -> str:
    """A label's glued percents written as :func:`percent_text` writes one, spaced.

    For the text view of names the JSON keeps as they are (a scenario ``"-10%"``, a
    shock grid ``"-30%,-20%"``): only the spacing changes.

    >>> percent_label("shock -10.0%"), percent_label("-30%,+5%"), percent_label("2025-10-10")
    ('shock -10.0 %', '-30 %, +5 %', '2025-10-10')

    Parameters
    ----------
    label : str
        The name or label (a shock grid's comma-separated percents).

    Returns
    -------
    str
    """
    spaced = _GLUED_PERCENT.sub(r"\1 %", label)
    return re.sub(r"% ?,(?=\S)", "%, ", spaced)


def shock_name(x: float) -> str:
    """The name of a shock scenario: its signed percent, glued, as few decimals as it needs.

    One name for one shock, whether it is a default scenario or typed by the user
    (``-0.1``, ``-10%``, ``-10.0%`` are all ``"-10%"``): the key of the scenario in
    JSON outputs (``solvency``'s ``scenarios[].name``, ``min_buffer_survives``,
    ``breaks``; ``stress``'s ``label`` and ``scenarios[].scenario``). Glued, as a key
    a script types; text views space it with :func:`percent_label` (``"-10 %"``).
    Decimals are kept while they carry the value (``-0.125`` is ``"-12.5%"``, not
    ``"-12%"``), at most four.

    >>> shock_name(-0.1), shock_name(0.05), shock_name(-0.125), shock_name(-0.100000001)
    ('-10%', '+5%', '-12.5%', '-10%')

    Parameters
    ----------
    x : float
        The shock, a fraction of the price (-0.1 is a 10 % fall); finite.

    Returns
    -------
    str
    """
    v = 100.0 * float(x)
    for digits in range(5):
        text = f"{v:+.{digits}f}"
        if math.isclose(float(text), v, rel_tol=1e-6, abs_tol=1e-9):
            break
    return f"{text}%"


def percent_text(x: Any, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percent, the number and ``%`` apart: ``0.0843`` → ``"8.4 %"``.

    The package's one way to write a percent in text (messages, the report's
    :func:`liqcascade.report._format.pct`, which swaps in a typographic minus), never
    ``{x:.1%}``'s ``8.4%``. A value that rounds to zero loses its sign (``"0.0 %"``).

    >>> percent_text(0.0843, 2), percent_text(-0.05, 0, signed=True), percent_text(0.2, 0)
    ('8.43 %', '-5 %', '20 %')

    Parameters
    ----------
    x : float
        The fraction (0.05 is 5 %).
    digits : int, default 1
        Decimals of the percent.
    signed : bool, default False
        ``+`` on positive values (moves).

    Returns
    -------
    str
        A dash for a missing or non-finite value.
    """
    if x is None or not is_finite(x):
        return _DASH
    v = 100.0 * float(x)
    text = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    if float(text) == 0:
        text = text.replace("-", "").replace("+", "")
    return f"{text} %"


def quantity_text(x: Any, *, signed: bool = False) -> str:
    """A quantity of coins with separators, up to 3 significant figures: ``161,000``, ``0.32``.

    >>> quantity_text(161000.0), quantity_text(10.0), quantity_text(0.3196)
    ('161,000', '10', '0.32')
    >>> quantity_text(1e6, signed=True), quantity_text(-5.0, signed=True)
    ('+1,000,000', '-5')

    Parameters
    ----------
    x : float
        A quantity, base units (coins).
    signed : bool, default False
        ``+`` on positive quantities (a net size: long); a negative one has its ``-``
        either way.

    Returns
    -------
    str
        A dash for a missing value; never scientific notation.
    """
    if not is_finite(x):
        return _DASH
    v = float(x)
    if v == 0:
        return "0"
    r = float(f"{v:.3g}")
    plus = "+" if signed and r > 0 else ""
    if abs(r) >= 1000 or r == int(r):
        return f"{plus}{r:,.0f}"
    decimals = min(10, max(0, 2 - math.floor(math.log10(abs(r)))))
    return plus + f"{r:,.{decimals}f}".rstrip("0").rstrip(".")
