"""What an estimated book's dollars are: one line under the text, ``units`` in the JSON.

The commands that print an estimated book's dollars (``cascade``, ``solvency``,
``stress``, ``contagion``) emit through :func:`emit`, which says so (README, "Binance-feed
dollars"); the figures ``liqmap --out`` writes carry the same line under the plot and
the ``units`` in the figure's metadata (:func:`note_figure`). What the scale is, and
which venue's recorded liquidation feed sets it, is the library's
:func:`liqcascade.market.book_units`; this module only prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from liqcascade._cli import _common

__all__ = ["book_units", "emit", "note_figure"]

#: The dollars a note passed as ``own`` names: ``own(units)`` gets the book's units.
Own = str | Callable[[Any], str] | None


def book_units(
    market: Mapping[str, Any] | None, *, what: str | None = None, own: Own = None
) -> dict[str, Any] | None:
    """The JSON's ``units`` of a market fingerprint; None without an estimated book.

    Parameters
    ----------
    market : mapping or None
        A market fingerprint (:meth:`liqcascade.market.MarketState.fingerprint`).
    what : str, optional
        What of the output is in feed dollars (default
        ``liqcascade.market.BOOK_DOLLARS``; ``stress``: its market liquidations, the
        portfolio's figures being the user's).
    own : str or callable, optional
        The dollars that are not the feed's, said after the book's scale (``stress``: the
        portfolio's; ``solvency``: at which scale the fund and liabilities given meet the
        bad debt); a callable gets the :class:`~liqcascade.market.BookUnits`.

    Returns
    -------
    dict or None
        :meth:`liqcascade.market.BookUnits.to_dict`: ``book_dollars``,
        ``book_share_of_oi``, ``run_book_share_of_oi`` (fractions) and ``text``. None
        when the command ran on no estimated market (files: their dollars are the user's).
    """
    from liqcascade import market as mk

    units = mk.book_units(market)
    if units is None:
        return None
    note = own(units) if callable(own) else own
    return units.to_dict(mk.BOOK_DOLLARS if what is None else what, note)


def emit(
    result: dict[str, Any],
    as_json: bool,
    render: Callable[[dict[str, Any]], None],
    *,
    what: str | None = None,
    own: Own = None,
) -> None:
    """:func:`liqcascade._cli._common.emit` with the book's units.

    ``result["units"]`` (:func:`book_units` of ``result["market"]``, ``what`` and
    ``own``) in the JSON, and its line printed under the text view; nothing added
    without an estimated market.
    """
    units = book_units(result.get("market"), what=what, own=own)
    if units is None:
        _common.emit(result, as_json, render)
        return
    result["units"] = units

    def show(res: dict[str, Any]) -> None:
        render(res)
        _common.line(units["text"])

    _common.emit(result, as_json, show)


#: Characters per line of a figure's units note (plotly does not wrap annotations).
_NOTE_WIDTH = 150


def note_figure(fig: Any, units: Mapping[str, Any] | None, **meta: Any) -> None:
    """Put a book's units on a plotly figure: a note under the plot and the metadata.

    The note (``units["text"]``, wrapped) is drawn under the plot, so the HTML and the
    PNG say it; the figure's ``layout.meta`` (kept in the HTML's figure JSON) gets
    ``units`` (the JSON's ``units``: ``book_dollars``, the shares, ``text``) and ``meta``.
    Nothing without units (a positions file: its dollars are the user's).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Changed in place (its bottom margin grows by the note's lines).
    units : mapping or None
        :func:`book_units` of the figure's market.
    **meta
        More metadata for ``layout.meta`` (the market's times: ``as_of``, ``bar_open``,
        ``bar_close``, ISO strings).
    """
    import textwrap

    from liqcascade._plotly_text import plain

    if units is None:
        return
    lines = textwrap.wrap(str(units["text"]), _NOTE_WIDTH)
    bottom = int(fig.layout.margin.b or 40)
    fig.add_annotation(
        text="<br>".join(plain(ln) for ln in lines), xref="paper", yref="paper", x=0.0,
        y=0.0, yshift=-bottom, xanchor="left", yanchor="top", align="left",
        showarrow=False, font={"size": 10},
    )  # fmt: skip
    fig.update_layout(
        margin={"b": bottom + 16 * len(lines) + 8},
        height=int(fig.layout.height or 520) + 16 * len(lines),
        meta={"units": dict(units), **meta},
    )
