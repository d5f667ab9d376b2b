"""A result's short views: a table of its summary figures (``_repr_html_``), one line (``repr``).

The short view a notebook shows of an object that holds arrays (a position book, an
estimated market, a stress market): the figures of its ``summary()``, never its arrays.
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from liqcascade._prices import fmt_or_na

__all__ = ["summary_html", "summary_repr"]


def _figure(v: Any) -> str:
    """A figure compact (thousands separated, n/a for NaN), anything else as text."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):  # numpy's bool_ is not Real
        return str(v)
    if isinstance(v, numbers.Integral):  # numpy's too (a Series' summary holds them)
        return f"{int(v):,}"
    return fmt_or_na(float(v), lambda x: f"{x:,.2f}" if abs(x) >= 1000 else f"{x:.6g}")


def _cell(v: Any) -> str:
    """:func:`_figure`, escaped for HTML."""
    return html.escape(_figure(v))


def summary_repr(name: str, figures: Mapping[Any, Any], keys: Sequence[str] = ()) -> str:
    """``Name(key=figure, ...)``: the one-line repr of an object that holds frames or arrays.

    Its summary figures (formatted as in :func:`summary_html`), never its arrays: the
    dataclass default printed every bar of an OHLCV frame, every bucket edge.

    Parameters
    ----------
    name : str
        The class's name.
    figures : mapping
        Name -> value (a ``summary()``, a dict or a Series).
    keys : sequence of str, optional
        The figures shown, in this order (those absent skipped); default all.

    Returns
    -------
    str
    """
    items = [(k, figures[k]) for k in keys if k in figures] if keys else list(figures.items())
    return f"{name}({', '.join(f'{k}={_figure(v)}' for k, v in items)})"


def summary_html(caption: str, figures: Mapping[str, Any]) -> str:
    """An HTML table of ``figures`` (name, value) under ``caption``, escaped.

    Parameters
    ----------
    caption : str
        The table's caption (the object's class and what it is of).
    figures : mapping
        Name -> value (numbers formatted with thousands separators; NaN as n/a).

    Returns
    -------
    str
        ``<table>`` markup.
    """
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{_cell(v)}</td></tr>"
        for k, v in figures.items()
    )
    return f"<table><caption>{html.escape(caption)}</caption>{rows}</table>"
