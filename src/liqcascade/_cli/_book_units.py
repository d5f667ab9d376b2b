"""What an estimated book's dollars are: one line under the text, ``units`` in the JSON.

The commands that print an estimated book's dollars (``cascade``, ``solvency``,
``stress``, ``contagion``) emit through :func:`emit`, which says so (README, "Binance-feed
dollars"). What the scale is, and which venue's recorded liquidation feed sets it, is the
library's :func:`liqcascade.market.book_units`; this module only prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from liqcascade._cli import _common

__all__ = ["book_units", "emit"]

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
