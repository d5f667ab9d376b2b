"""An order-book file's depth against the most the bundled market ever showed.

A book file's ``size`` is in base units (ETH, BTC). An export whose sizes are USD
notional (or another scale) reads without any fault of form: every level is positive,
the book is not crossed. Its depth, though, is thousands of times the market's, and a
cascade through it stops at once, which reads as safety. The one scale a book of an
asset can be measured against is the bundled all-venue futures order book of that
asset (CoinGlass's bid and ask totals near mid, the band the package takes as ±1 %):
a book holding more than :data:`DEPTH_SCALE` times the largest total of its side ever
recorded is said in a warning, naming the file. It stays a warning, not a refusal: a
book made deeper on purpose (a what-if) is the user's to run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from liqcascade.errors import InputError

if TYPE_CHECKING:
    from liqcascade.book._orderbook import OrderBook

__all__ = ["DEPTH_SCALE", "depth_scale_text", "warn_depth_scale"]

_LOG = logging.getLogger("liqcascade.book")

#: How many times the largest bundled all-venue total a book's side may hold within
#: 1 % of its mid before its sizes are taken for another unit.
DEPTH_SCALE = 5.0

#: The band of the bundled totals, fraction of mid (taken as ±1 %; not verified).
BAND = 0.01


def depth_scale_text(book: OrderBook, asset: str, name: str) -> str | None:
    """The warning for a book deeper than ``asset``'s market can be, or None.

    Parameters
    ----------
    book : OrderBook
        The book read from the file.
    asset : str
        The base asset the book is read as (``"ETH"``, ``"BTC"``). An asset without
        bundled book totals is not checked (None), nor a book whose mid is off the
        asset's price scale (:func:`liqcascade.positions.asset_scale_text`: another
        coin's, which the price checks speak of).
    name : str
        The file's name, for the text.

    Returns
    -------
    str or None
        ``"warning: FILE: its bids within 1% of mid M hold X M USD, Rx the most ..."``
        for the first side (bids, then asks) holding more than :data:`DEPTH_SCALE`
        times the largest bundled total of that side (USD); None otherwise.
    """
    from liqcascade.data import bundled_book_totals
    from liqcascade.positions import asset_scale_text

    try:
        totals = bundled_book_totals(asset)
    except InputError:
        return None
    if asset_scale_text(book.mid, asset, "mid") is not None:  # another coin's book
        return None
    for side in ("bid", "ask"):
        held = book.notional_within(BAND, side)
        most = float(totals[f"{side}s_usd"].max())
        if most > 0 and held > DEPTH_SCALE * most:
            return (
                f"warning: {name}: its {side}s within {BAND:.0%} of mid {book.mid:,.6g} hold "
                f"{held / 1e6:,.0f} M USD, {held / most:,.0f}x the most {asset}'s whole futures "
                f"market showed in the bundled data ({most / 1e6:,.0f} M USD): size is in "
                f"{asset}; sizes in USD make a book too deep for any cascade to move"
            )
    return None


def warn_depth_scale(book: OrderBook, asset: str, name: str) -> None:
    """Log :func:`depth_scale_text`'s warning (logger ``liqcascade.book``), if any.

    Parameters
    ----------
    book : OrderBook
        The book read from the file.
    asset : str
        The base asset it is read as.
    name : str
        The file's name.
    """
    text = depth_scale_text(book, asset, name)
    if text is not None:
        _LOG.warning(text)
