"""What an estimated book's dollars are: one line under the text, ``units`` in the JSON.

The position book is identified from Binance's recorded liquidation feed, which fixes
only venue share × the feed's under-reporting: every dollar the book carries (positions,
liquidations, stops, margin, bad debt) is on that record's scale, a small fraction of
the aggregated open interest (ETH about 0.45 %, BTC about 0.11 % at 2025-07-31), not
market dollars; prices, order-book depth and open interest are market dollars. The
commands that print an estimated book's dollars (``cascade``, ``solvency``, ``stress``,
``contagion``) emit through :func:`emit`, which says so (README, "Binance-feed dollars").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from liqcascade._cli import _common

__all__ = ["book_units", "emit"]


def _pct(x: float) -> str:
    """``0.45 %``, ``0.50 %``, ``20 %``: a share of open interest to two significant digits."""
    from liqcascade._prices import percent_text

    v = 100 * x
    return percent_text(x, max(0, 1 - math.floor(math.log10(v))) if v > 0 else 0)


#: What of an estimated book's output is in Binance-feed dollars (``cascade``, ``solvency``).
BOOK_DOLLARS = "the estimated book's dollars (positions, liquidations, stops, margin, bad debt)"


def book_units(
    market: Mapping[str, Any] | None, *, feed: str = BOOK_DOLLARS, own: str | None = None
) -> dict[str, Any] | None:
    """The JSON's ``units``: the estimated book's scale against open interest; None without one.

    Parameters
    ----------
    market : mapping or None
        A market fingerprint (:meth:`liqcascade.market.MarketState.fingerprint`): its
        ``open_interest_usd`` (market dollars), the identified book's
        ``long_notional_usd`` and ``short_notional_usd`` (at the Binance scale, whatever
        the run's ``share``) and ``share`` (of open interest the run sized the book to).
    feed : str
        What of the output is in Binance-feed dollars (:data:`BOOK_DOLLARS`; ``stress``:
        its market liquidations, the portfolio's figures being the user's).
    own : str, optional
        The dollars that are not the feed's, said after the book's scale (``stress``: the
        portfolio's; ``solvency``: at which scale the fund and liabilities given meet the
        bad debt).

    Returns
    -------
    dict or None
        ``book_dollars`` ("Binance-feed"), ``book_share_of_oi`` (the identified book's
        notional over the aggregated open interest at the market bar, fraction; None
        without open interest), ``run_book_share_of_oi`` (the book this run holds: that
        × ``share`` / :data:`~liqcascade.market.BINANCE_BOOK_SHARE`: this run's, for a
        venue of ``share`` of open interest) and ``text`` (the line the text output
        prints). None when the command ran on no estimated market (files: their dollars
        are the user's).
    """
    from liqcascade.market import BINANCE_BOOK_SHARE

    if not market or "long_notional_usd" not in market:
        return None
    oi = float(market.get("open_interest_usd") or math.nan)
    book = float(market["long_notional_usd"]) + float(market.get("short_notional_usd") or 0.0)
    share = book / oi if oi > 0 else math.nan
    factor = float(market.get("share") or BINANCE_BOOK_SHARE) / BINANCE_BOOK_SHARE
    run = share * factor
    asset = market.get("asset", "the asset")
    text = f"units: {feed} are Binance-feed dollars, on the scale of Binance's recorded "
    text += "liquidation feed"
    if math.isfinite(share):
        text += f": the book is {_pct(share)} of {asset}'s aggregated open interest at the bar"
        if abs(factor - 1.0) > 1e-9:
            venue = _pct(factor * BINANCE_BOOK_SHARE)
            text += f" (this run's, for a venue of {venue} of open interest: {_pct(run)})"
    text += f"; {own}" if own else ""
    text += "; prices, order-book depth and open interest are market dollars"
    finite = math.isfinite(share)
    return {
        "book_dollars": "Binance-feed",
        "book_share_of_oi": share if finite else None,
        "run_book_share_of_oi": run if finite else None,
        "text": text,
    }


def emit(
    result: dict[str, Any],
    as_json: bool,
    render: Callable[[dict[str, Any]], None],
    *,
    feed: str = BOOK_DOLLARS,
    own: str | None = None,
) -> None:
    """:func:`liqcascade._cli._common.emit` with the book's units.

    ``result["units"]`` (:func:`book_units` of ``result["market"]``, ``feed`` and
    ``own``) in the JSON, and its line printed under the text view; nothing added
    without an estimated market.
    """
    units = book_units(result.get("market"), feed=feed, own=own)
    if units is None:
        _common.emit(result, as_json, render)
        return
    result["units"] = units

    def show(res: dict[str, Any]) -> None:
        render(res)
        _common.line(units["text"])

    _common.emit(result, as_json, show)
