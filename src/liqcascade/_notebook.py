"""A result's notebook table: one row per summary figure, as its ``_repr_html_``.

The short view a notebook shows of an object that holds arrays (a position book, an
estimated market, a stress market): the figures of its ``summary()``, never its arrays.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from liqcascade._prices import fmt_or_na

__all__ = ["summary_html"]


def _cell(v: Any) -> str:
    """A figure compact (thousands separated, n/a for NaN), anything else as text."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return html.escape(str(v))
    if isinstance(v, int):
        return f"{v:,}"
    return fmt_or_na(v, lambda x: f"{x:,.2f}" if abs(x) >= 1000 else f"{x:.6g}")


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
