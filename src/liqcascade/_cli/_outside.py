"""A figure printed outside its own interval: one mark and one footnote for every table.

A command's central figure (the main fit's book, the central parameters' run) need not
lie inside the spread of the same figure over its draws; a table that prints both marks
such a figure with :data:`OUTSIDE` and prints :func:`outside_note` under it.
"""

from __future__ import annotations

__all__ = ["OUTSIDE", "mark_outside", "outside_note"]

#: Marks a figure outside its own interval (``3.34 M* (1.99–3.27 M)``).
OUTSIDE = "*"


def mark_outside(text: str, value: float, lo: float | None, hi: float | None) -> str:
    """``text`` (``"VALUE (LO – HI)"``) with :data:`OUTSIDE` after the value when outside.

    Parameters
    ----------
    text : str
        The cell: the value, then its interval in parentheses (or the value alone).
    value : float
        The figure (the units of ``lo`` and ``hi``).
    lo, hi : float, optional
        Its interval's ends (None: no interval, nothing marked).

    Returns
    -------
    str
        ``text``, or ``"VALUE* (LO – HI)"`` when ``value`` lies outside ``[lo, hi]``.
    """
    if lo is None or hi is None or lo <= value <= hi:
        return text
    head, sep, band = text.partition(" (")
    return f"{head}{OUTSIDE}{sep}{band}"


def outside_note(figure: str, interval: str, marked: str = "") -> str:
    """The footnote of :data:`OUTSIDE`: what the figure and its interval are.

    ``outside_note("the figure is the main fit's book", "the interval the spread of the
    same figure over the fit's 10 bootstrap refits")``; ``marked`` names the column the
    mark is on when the table carries another ``*`` (``"on a bad debt"``).
    """
    on = f"{marked}: " if marked else ""
    return f"{OUTSIDE} {on}outside its interval: {figure}, {interval}, which need not hold it"
