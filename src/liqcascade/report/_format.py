"""One formatter for every number a person reads in the report: prose, tables, hover text.

Nothing here ever prints scientific notation. Amounts in US dollars read ``$1.2 M``,
``$3,698``, ``$2.18 bn``; shares read ``12.3 %``; p-values read ``< 0.001``; dates read
``2025-07-31`` (or ``2025-07-31 20:00 UTC`` with a time).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._prices import is_finite, percent_text
from liqcascade._pvalue import p_said, pvalue_text

__all__ = [
    "MINUS",
    "NBSP",
    "SCI_NOTATION",
    "column_name",
    "date_text",
    "dec",
    "estimate",
    "format_table",
    "interval",
    "num",
    "p_text",
    "pct",
    "prose_html",
    "pvalue",
    "script_json",
    "signed_num",
    "table_html",
    "usd",
    "usd_alike",
    "usd_in_text",
    "usd_m",
    "usd_sig",
]

SCI_NOTATION = re.compile(r"\d\.?\d*[eE][+-]?\d+")
"""What scientific notation looks like (``1.053e+05``, ``2E-7``): must never be shown."""

_DASH = "–"
MINUS = "\u2212"
"""The minus sign every negative figure of the page reads with (``−$5.0 M``, ``−0.58``)."""
NBSP = "\u00a0"
"""The no-break space that joins a figure and its unit in a table cell."""

# words that read better in capitals or with their symbol in a column header
_WORDS = {
    "usd": "(USD)",
    "pct": "(%)",
    "hhi": "HHI",
    "oi": "open interest",
    "adl": "ADL",
    "mae": "MAE",
    "es": "ES",
    "var": "VaR",
    "aic": "AIC",
    "bic": "BIC",
    "p": "p",
    "n": "n",
    "eth": "ETH",
    "btc": "BTC",
    "arb": "arbitrage",
    "loglik": "log-likelihood",
}


def num(x: Any, digits: int = 3) -> str:
    """A plain number with thousands separators and about ``digits`` significant digits.

    Parameters
    ----------
    x : float
        Any real number (NaN and None print as a dash).
    digits : int, default 3
        Significant digits kept below 1,000; larger numbers print as integers.

    Returns
    -------
    str
        ``"105,300"``, ``"0.0123"``, ``"−0.58"`` (a minus sign, not a hyphen), ``"–"``;
        never scientific notation.
    """
    if x is None or not is_finite(x):
        return _DASH
    v = float(x)
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}".replace("-", MINUS)
    decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    decimals = min(decimals, 8)
    text = f"{v:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", MINUS)


def dec(x: Any, decimals: int) -> str:
    """A figure to ``decimals`` places with the minus sign: ``0.008``, ``−0.063``.

    Parameters
    ----------
    x : float
        The figure (any unit: the caller names it).
    decimals : int
        Digits after the point.

    A value that rounds to zero prints unsigned (``0.000``); a missing or non-finite
    value prints the dash.
    """
    if x is None or not is_finite(x):
        return _DASH
    text = f"{float(x):.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text.replace("-", MINUS)


def signed_num(x: Any, decimals: int) -> str:
    """:func:`dec` with the sign always written: ``+0.012``, ``−1.10``.

    Parameters
    ----------
    x, decimals
        As :func:`dec` (zero prints unsigned, never ``−0.00``; missing, the dash).
    """
    text = dec(x, decimals)
    if text == _DASH or text.startswith(MINUS) or float(text) == 0:
        return text
    return "+" + text


def usd(x: Any, *, signed: bool = False) -> str:
    """US dollars, scaled for reading: ``$3,698``, ``$1.2 M``, ``$2.18 bn``.

    Parameters
    ----------
    x : float
        Amount in USD.
    signed : bool, default False
        Prefix ``+`` on positive amounts.
    """
    if x is None or not is_finite(x):
        return _DASH
    v = float(x)
    sign = MINUS if v < 0 else ("+" if signed and v > 0 else "")
    a = abs(v)
    if a >= 1e9:
        body = f"{a / 1e9:,.2f} bn"
    elif a >= 1e6:
        m = a / 1e6
        body = f"{m:,.1f} M" if m < 100 else f"{m:,.0f} M"
    elif a >= 100:
        body = f"{a:,.0f}"
    elif a >= 1:
        body = f"{a:,.2f}"
    elif a == 0:
        body = "0"
    else:
        body = num(a, 2)
    return f"{sign}${body}"


def _millions(x: float) -> str:
    """An amount in USD millions, unsigned, as a column in millions writes it: ``0.98``."""
    return f"{x:,.1f}" if x >= 0.995 else (f"{x:.2f}" if x >= 0.095 else num(x, 1))


def usd_alike(*xs: Any) -> tuple[str, ...]:
    """Amounts compared (a sentence, a table's column), in one scale and one precision.

    :func:`usd` writes an amount under $1 M in dollars and one above in millions, so a
    comparison read ``$981,194 vs $43.1 M``; when any amount reads in millions (or
    billions), an amount under $1 M is written in millions as well. Below a million it
    writes cents under $100 only (``$3.24`` beside ``$4,299``): when any amount reads in
    whole dollars, so do all (``$3``).

    >>> usd_alike(981_194.0, 43.1e6), usd_alike(3_500.0, 980.0), usd_alike(3.24, 4_299.0)
    (('$0.98 M', '$43.1 M'), ('$3,500', '$980'), ('$3', '$4,299'))
    """
    texts = tuple(usd(x) for x in xs)
    if not any(_MILLIONS.search(t) for t in texts):
        if not any(is_finite(x) and 100 <= abs(float(x)) for x in xs):
            return texts
        return tuple(
            t if not is_finite(x) or abs(float(x)) >= 100 else _whole_usd(float(x))
            for t, x in zip(texts, xs, strict=True)
        )
    return tuple(
        t
        if _MILLIONS.search(t) or not is_finite(x) or float(x) == 0
        else f"{MINUS if float(x) < 0 else ''}${_millions(abs(float(x)) / 1e6)} M"
        for t, x in zip(texts, xs, strict=True)
    )


def _whole_usd(x: float) -> str:
    """An amount under $100 in whole dollars, as :func:`usd` writes $100 and more."""
    r = round(x)
    return f"{MINUS if r < 0 else ''}${abs(r)}"


_WRITTEN_USD = re.compile(r"\$(\d[\d,]*(?:\.\d+)?) ?(bn|[MBk])?(?!\w|[.,]\d)")
"""An amount as free text writes it: ``$1.2M``, ``$900M``, ``$5 M``, ``$27,862,775``."""
_SCALE = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9, "bn": 1e9}


def usd_in_text(text: str) -> str:
    """``text`` with each dollar amount written as :func:`usd` writes it.

    For the library's free text (a preset's stated assumptions): ``$1.2M`` reads
    ``$1.2 M``, ``$2M`` ``$2.0 M``, ``$27,862,775`` ``$27.9 M``, as every amount of the
    page does. Other text is left as it is.

    >>> usd_in_text("99.9 % to $1.2M, 97.5 % to $2M; 850 accounts, $900M; $500")
    '99.9 % to $1.2 M, 97.5 % to $2.0 M; 850 accounts, $900 M; $500'
    """

    def one(m: re.Match[str]) -> str:
        return usd(float(m.group(1).replace(",", "")) * _SCALE[m.group(2) or ""])

    return _WRITTEN_USD.sub(one, text)


def usd_sig(x: Any) -> str:
    """An amount to 3 significant figures (a modelled figure's honest precision).

    Below a dollar it reads ``< $1`` (a rounding residue of the model, not an amount);
    from $1 M up it is :func:`usd`.

    >>> usd_sig(1553.2), usd_sig(0.0081), usd_sig(0.0), usd_sig(12_345_678.0), usd_sig(81.24)
    ('$1,550', '< $1', '$0', '$12.3 M', '$81.2')
    """
    small = _small(x, 1.0, "$0", "$1")
    if small is not None:
        return small
    v = float(x)
    r = float(f"{v:.3g}")
    if abs(r) >= 1e6:
        return usd(v if abs(v) >= 1e6 else r)
    sign = MINUS if r < 0 else ""
    return f"{sign}${num(abs(r), 3)}"


def pct(x: Any, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.123`` → ``"12.3 %"``, ``−5.0 %`` with a typographic minus.

    :func:`liqcascade._prices.percent_text` (its parameters: the fraction, the decimals,
    ``signed`` for a ``+`` on moves and returns) with U+2212 for the hyphen.
    """
    return percent_text(x, digits, signed=signed).replace("-", MINUS)


def pp(x: Any, digits: int = 2, *, signed: bool = True) -> str:
    """A difference of two percentages (a fraction) in percentage points: ``"−4.07 pp"``.

    ``pp(-0.0407)`` is −9.07 % − (−5.00 %): a difference of percentages, not a relative
    move (that is :func:`pct` of the ratio).

    >>> pp(-0.0407), pp(0.0), pp(0.012, 1)
    ('−4.07 pp', '0.00 pp', '+1.2 pp')
    """
    return pct(x, digits, signed=signed).replace(" %", " pp")


pvalue = pvalue_text
"""A p-value as read in a paper (``< 0.001``, ``0.032``, ``0.41``): the command line's
rule, :func:`liqcascade._pvalue.pvalue_text` itself."""

p_text = p_said
"""A p-value in a sentence (``p < 0.001``, ``Kupiec p = 0.098``):
:func:`liqcascade._pvalue.p_said` itself."""


def date_text(t: Any, *, time: bool = False, bar: bool = False) -> str:
    """A date (``2025-07-31``) or, with ``time``, ``2025-07-31 20:00 UTC``.

    With ``time`` a midnight prints as the date alone (a daily value); ``bar`` prints
    the hour always (an intraday bar that opens at 00:00: ``2025-02-03 00:00 UTC``).
    """
    if t is None or (isinstance(t, float) and not math.isfinite(t)):
        return _DASH
    ts = pd.Timestamp(t)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC")
    if bar or (time and (ts.hour or ts.minute)):
        return f"{ts:%Y-%m-%d %H:%M} UTC"
    return f"{ts:%Y-%m-%d}"


def interval(lo: Any, hi: Any, fmt: Any = num) -> str:
    """An interval as every section writes it: ``lo–hi``, or ``lo to hi`` across a sign.

    Parameters
    ----------
    lo, hi : float
        The ends, in the unit ``fmt`` writes (sorted here).
    fmt : callable, default :func:`num`
        Writes one end (``usd``, ``pct``, ``lambda x: signed_num(x, 2)``).

    Returns
    -------
    str
        The ends joined by an en dash (``$13,001–$13,358``, ``20.1 %–24.1 %``); when an
        end is written with a sign (``−0.07``, ``+0.09``) by ``to`` (``−0.07 to +0.09``),
        which a dash beside a minus sign would make hard to read; a dash if an end is
        missing.

    >>> interval(13_001.2, 13_358.0, usd), interval(0.09, -0.07, lambda x: signed_num(x, 2))
    ('$13,001–$13,358', '−0.07 to +0.09')
    """
    if not (is_finite(lo) and is_finite(hi)):
        return _DASH
    a, b = (fmt(x) for x in sorted((float(lo), float(hi))))
    signed = any(t[:1] in (MINUS, "+", "-") for t in (a, b))
    return f"{a} to {b}" if signed else f"{a}{_DASH}{b}"


def estimate(x: Any, lo: Any, hi: Any, fmt: Any = num, label: str = "") -> str:
    """A figure and its interval, as every section writes them: ``12.3 (p05–p95 10.1–14.8)``.

    Parameters
    ----------
    x, lo, hi : float
        The figure and its interval's ends, in the unit ``fmt`` writes.
    fmt : callable, default :func:`num`
        Writes each of the three (:func:`usd`, :func:`pct`, ...).
    label : str, default ""
        What the interval is (``"p05–p95"``, ``"Wilson 90 %"``), before its ends.

    >>> estimate(0.0843, 0.0642, 0.0984, lambda x: pct(x, 2), "p05–p95")
    '8.43 % (p05–p95 6.42 %–9.84 %)'
    """
    band = interval(lo, hi, fmt)
    return f"{fmt(x)} ({label} {band})" if label else f"{fmt(x)} ({band})"


def usd_m(x: Any) -> str:
    """An amount as a column headed ``(USD M)`` writes it, in millions: ``7.7``, ``0.98``.

    One unit for every cell of the column (the header names it), whatever the amount:
    ``$981,194`` reads ``0.98``, ``$7,000`` ``0.007``; under $1,000 (a model's rounding
    residue at this scale) ``< 0.001``, where :func:`usd_sig` wrote ``< $1`` beside
    ``$0.007 M``.

    >>> usd_m(7.71e6), usd_m(981_194.0), usd_m(7_000.0), usd_m(-2.5e6), usd_m(0.4), usd_m(0.0)
    ('7.7', '0.98', '0.007', '−2.5', '< 0.001', '0')
    """
    small = _small(x, 1e3, "0", "0.001")
    if small is not None:
        return small
    v = float(x)
    return (MINUS if v < 0 else "") + _millions(abs(v) / 1e6)


def _small(x: Any, floor: float, zero: str, under: str) -> str | None:
    """The text of a missing, zero or below-``floor`` amount (``< $1``); None for others.

    Parameters
    ----------
    x : float
        The amount, USD.
    floor : float
        Below it (in USD, either sign) the amount reads as a residue: ``< {under}``.
    zero, under : str
        How zero and the floor read (``"$0"``, ``"$1"``; ``"0"``, ``"0.001"``).
    """
    if x is None or not is_finite(x):
        return _DASH
    v = float(x)
    if v == 0:
        return zero
    if abs(v) < floor:
        return f"< {under}" if v > 0 else f"> {MINUS}{under}"
    return None


def column_name(name: Any) -> str:
    """A readable column header from a snake_case key: ``"long_liq_usd"`` → ``"long liq (USD)"``."""
    text = str(name)
    if "_" not in text and text.lower() == text and text not in _WORDS:
        return text
    if "_" not in text:
        return _WORDS.get(text, text)
    words = [_WORDS.get(w, w) for w in text.split("_") if w]
    out = " ".join(words)
    # put a unit that landed mid-header at the end: "notional (USD) total" → "notional total (USD)"
    for unit in ("(USD)", "(%)"):
        if unit in out and not out.endswith(unit):
            out = out.replace(f" {unit}", "") + f" {unit}"
    return out


_YEAR_COLUMNS = ("period", "year")
"""Columns whose integers are calendar years (2024), written without a separator."""


def _cell(v: Any, column: str) -> str:
    if v is None:
        return _DASH
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, pd.Timestamp | datetime | date | np.datetime64):
        return date_text(v, time=True)
    if isinstance(v, int | np.integer):
        # a count reads as num() writes it in prose (3,059 rows); a year keeps its digits
        text = str(int(v)) if column.lower() in _YEAR_COLUMNS else f"{int(v):,}"
        return text.replace("-", MINUS)
    if isinstance(v, float | np.floating):
        if not math.isfinite(float(v)):
            return _DASH
        low = column.lower()
        if low.startswith("p ") or low in ("p", "p-value", "p value") or "p-value" in low:
            return pvalue(v)
        if "(usd)" in low and abs(float(v)) >= 1e5:
            return usd(v)
        return num(v, 4)
    if isinstance(v, list | tuple | np.ndarray):
        return ", ".join(_cell(x, column) for x in list(v)[:6]) + (" …" if len(v) > 6 else "")
    text = str(v)
    if text in ("nan", "NaN", "None"):
        return _DASH
    text = text.replace(" -> ", " → ")  # a span as the prose writes it (the CLI's is ASCII)
    return SCI_NOTATION.sub(lambda m: num(float(m.group(0)), 4), text)


def format_table(df: pd.DataFrame, *, rename: bool = True) -> pd.DataFrame:
    """Every cell as text a person reads; readable column names.

    Parameters
    ----------
    df : DataFrame
        The table as computed (floats, timestamps, snake_case keys).
    rename : bool, default True
        Turn snake_case headers into words.

    Returns
    -------
    DataFrame
        Same shape, string cells, no scientific notation anywhere.
    """
    out = df.copy()
    if rename:
        out.columns = [column_name(c) for c in out.columns]
    cols = [str(c) for c in out.columns]
    data = {
        c: _one_usd_scale([_cell(v, c) for v in out.iloc[:, i].tolist()])
        for i, c in enumerate(cols)
    }
    return pd.DataFrame(data, columns=cols)


_PLAIN_USD = re.compile(
    rf"([{MINUS}+]?)\$(\d{{1,3}}(?:,\d{{3}})+|\d{{1,3}}(?:\.\d+)?)(?![\d.,]| M\b| bn\b)"
)
_MILLIONS = re.compile(r"\$[\d,.]+ (?:M|bn)\b")
_AMOUNTS_ONLY = re.compile(rf"(?:[{MINUS}+]?\$[\d,.]+(?: M| bn)?|[\s{_DASH}(),;]|\.\.\.|…|\bto\b)+")
"""A cell of dollar amounts and the marks between them (an interval ``$1.1 M–$1.5 M``,
``−$240,501 to $1.5 M``)."""


def _one_usd_scale(cells: list[str]) -> list[str]:
    """A column of dollar amounts in one scale: when a cell reads in millions, so do all.

    :func:`usd` writes an amount under $1 M in dollars (``$382,824``) and one above in
    millions (``$1.2 M``); a column holding both read as two units. A cell of dollar
    amounts alone — one amount, or an interval ``$240,501–$301,333`` — has each plain
    amount written in millions (``$0.38 M``, ``$0.24 M–$0.30 M``); ``$0``, other cells
    and a column with no amount in millions are left as they are.
    """
    if not any(_MILLIONS.search(c) for c in cells):
        return cells
    return [_cell_in_millions(c) if _AMOUNTS_ONLY.fullmatch(c) else c for c in cells]


def _cell_in_millions(cell: str) -> str:
    """Each plain dollar amount of ``cell`` in millions (``$240,501`` → ``$0.24 M``)."""

    def one(m: re.Match[str]) -> str:
        x = float(m.group(2).replace(",", "")) / 1e6
        return m.group(0) if x == 0 else f"{m.group(1)}${_millions(x)} M"

    return _PLAIN_USD.sub(one, cell)


_WORD = re.compile(r"[A-Za-z]{3,}")
_LONG_TOKEN = re.compile(r"\S{21,}")
_UNIT_GAP = re.compile(r"(?<=\d) (?=(?:M|bn|k|%|pp|x|×|USD|UTC)\b|[%×])")
"""The space between a figure and its unit (``$12.0 M``, ``5.3 %``): never a line break."""
_BREAK_AFTER = re.compile(r"([_/.])(?=\S)")
_NOT_WORDS = re.compile(r"\bUTC\b")


def _wordy(cell: str) -> bool:
    """Whether a cell reads as words (a run of 3+ letters; the ``UTC`` of a time is not)."""
    return bool(_WORD.search(_NOT_WORDS.sub("", cell)))


def _breakable(text: str) -> str:
    """``text`` HTML-escaped, with a break chance inside each long file name.

    After each ``_``, ``/`` or ``.`` of a token of 21+ characters, so a prose cell can
    be narrower than its longest file name.
    """
    out, last = [], 0
    for m in _LONG_TOKEN.finditer(text):
        out.append(html.escape(text[last : m.start()], quote=False))
        out.append(_BREAK_AFTER.sub(r"\1<wbr>", html.escape(m.group(0), quote=False)))
        last = m.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def _column_kinds(t: pd.DataFrame) -> list[str]:
    """Per column: ``"t"`` prose, ``"k"`` names (words without spaces), ``""`` figures.

    A column is of words when most of its filled cells hold a word of 3+ letters, and
    prose when most of those cells also hold a space.
    """
    out = []
    for i in range(t.shape[1]):
        cells = [c for c in t.iloc[:, i].tolist() if c and c not in (_DASH, "—")]
        words = [c for c in cells if _wordy(c) or c == "no"]
        if not cells or 2 * len(words) <= len(cells):
            out.append("")
        else:
            out.append("t" if 2 * sum(" " in c for c in words) > len(words) else "k")
    return out


def table_html(df: pd.DataFrame, *, labelled_by: str | None = None) -> str:
    """A table as the page shows it: figures right-aligned, columns of words left-aligned.

    Parameters
    ----------
    df : DataFrame
        The table as computed; :func:`format_table` writes every cell.
    labelled_by : str, optional
        The id of the element that names the table (its caption above it): written as
        ``aria-labelledby``, so a screen reader announces the table by its caption.

    Returns
    -------
    str
        ``<table class="dataframe">`` with a header row. Cells of a column of prose
        (most filled cells hold a word of 3+ letters and a space) carry ``class="t"``:
        left-aligned, with a break chance (``<wbr>``) after each ``_``, ``/`` and ``.``
        of a long file name, so a long source or caveat wraps instead of pushing the
        table past the page; a column of names (words without spaces,
        ``eth_1h``) carries ``class="k"``: left-aligned, kept whole, as figures are.
        A figure of a body cell keeps its unit on its line (``$12.0 M`` joined by a
        no-break space, :data:`NBSP`), so a cell breaks only between figures; a date
        (``2022-06-13``) is kept on one line (:data:`_DATE`). Every cell is HTML-escaped.
    """
    t = format_table(df)
    kinds = _column_kinds(t)

    def cell(tag: str, value: str, i: int) -> str:
        cls = f' class="{kinds[i]}"' if kinds[i] else ""
        body = _breakable(value) if kinds[i] == "t" else html.escape(value, quote=False)
        if tag == "td":
            body = _DATE.sub(r'<span class="nw">\1</span>', _UNIT_GAP.sub(NBSP, body))
        return f"<{tag}{cls}>{body}</{tag}>"

    head = "".join(cell("th", str(c), i) for i, c in enumerate(t.columns))
    rows = "".join(
        "<tr>" + "".join(cell("td", str(v), i) for i, v in enumerate(r)) + "</tr>\n"
        for r in t.itertuples(index=False, name=None)
    )
    label = f' aria-labelledby="{html.escape(labelled_by)}"' if labelled_by else ""
    return (
        f'<table class="dataframe"{label}>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table>"
    )


_DATE = re.compile(r"(?<![\w-])(\d{4}-\d{2}-\d{2})(?![\w-])")
"""A date of a table cell (``2022-06-13``): kept on one line (``<span class="nw">``), so a
narrow column never breaks it after a hyphen (``2022-06-`` / ``13``)."""

_CODE = re.compile(r"`([^`]+)`")
_FLAG = re.compile(r"(?<![\w-])(--[a-z][\w-]*)")


def prose_html(text: str, *, options: bool = True) -> str:
    """A sentence of the page as HTML: escaped, with its code and command options set.

    Parameters
    ----------
    text : str
        Prose as the sections write it (also in summary.json), where a name or command
        may sit between backticks (`` `liqcascade cascade follow-through --asset ETH` ``).
    options : bool, default True
        Keep each command option on one line (the front page's narrow cards and claims);
        without, each option is as written (a section's full-width takeaways, which wrap
        at a space first).

    Returns
    -------
    str
        The text HTML-escaped; a backticked span as ``<code>`` (the reader saw the
        backticks themselves); each command option (``--refresh``) in a
        ``<span class="nw">`` the page keeps on one line, so no line breaks between
        its two hyphens (``report --`` / ``refresh``); always, a figure and its unit
        joined by a no-break space (:data:`NBSP`: ``$0.98 M`` never breaks before its
        ``M``, nor ``2.13 %`` before its ``%``, as in a table cell). Copied, it reads as
        written but for that space.
    """
    body = _UNIT_GAP.sub(NBSP, _CODE.sub(r"<code>\1</code>", html.escape(text, quote=False)))
    return _FLAG.sub(r'<span class="nw">\1</span>', body) if options else body


_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def script_json(text: str) -> str:
    r"""JSON text made safe inside the page's ``<script type="application/json">``.

    Parameters
    ----------
    text : str
        JSON as :func:`json.dumps` writes it (a figure's spec, whose trace names and
        hover text may hold a user's asset or file name).

    Returns
    -------
    str
        The same JSON with every ``<``, ``>`` and ``&`` written as its ``\u`` escape
        (only strings can hold them, and ``JSON.parse`` reads them back unchanged), so
        no text in it ends the script element (``</script>``) or turns the HTML
        parser's script states (``<!--<script>``, which would make the element's own
        end tag not end it and swallow the page after it).
    """
    return re.sub(r"[<>&]", lambda m: _SCRIPT_UNSAFE[m.group(0)], text)


def join_words(items: Iterable[str], empty: str = "none") -> str:
    """``"a, b and c"``."""
    xs = [str(x) for x in items]
    if not xs:
        return empty
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]
