"""What the estimated book's dollars are: the recorded liquidation feed's scale.

The position book is identified from Binance's recorded liquidations: only the product
``scale`` = venue share × the feed's under-reporting is identified, so every dollar the
book carries (positions, liquidations, stops, margin, bad debt) is on the scale of that
record, a small fraction of the market's aggregated open interest; prices, order-book
depth and open interest are market dollars. :func:`book_share` is the fraction at the
report's market, as the library measures it (:func:`liqcascade.market.book_units`, which
the command line's ``units`` line prints too); the texts below say it where the report
prints book dollars.
"""

from __future__ import annotations

import math
import re
from typing import Any


def book_share(ctx: Any) -> float:
    """The estimated book's notional over the aggregated open interest at the market bar.

    Parameters
    ----------
    ctx : ReportContext
        The report's context (its :attr:`market`).

    Returns
    -------
    float
        Fraction (0.0011 = 0.11 %); NaN without open interest.
    """

    def run() -> float:
        from liqcascade.market import book_units

        units = book_units(ctx.market)
        return math.nan if units is None else units.book_share_of_oi

    return float(ctx.memo("units.book_share", run))


def book_feed(ctx: Any) -> tuple[str, str]:
    """``(book_dollars, record)`` of the report's market: whose feed its book's dollars are.

    ``("Binance-feed", "Binance's recorded liquidation feed")`` for the package's
    calibrations; a store's own calibration, fitted on another venue's recorded
    liquidations, names that venue (:class:`liqcascade.market.BookUnits`).
    """

    def run() -> tuple[str, str]:
        from liqcascade.market import BookUnits, book_units

        units = book_units(ctx.market) or BookUnits(ctx.asset, math.nan, math.nan)
        return units.book_dollars, units.record

    return ctx.memo("units.book_feed", run)  # type: ignore[no-any-return]


#: The feed of the package's calibrations, as :func:`book_feed` gives it.
BINANCE_FEED = ("Binance-feed", "Binance's recorded liquidation feed")


def feed_unit(feed: str = BINANCE_FEED[0], unit: str = "USD M") -> str:
    """A chart's or column's unit for the book's dollars: ``"USD M, Binance feed"``.

    Parameters
    ----------
    feed : str, default ``"Binance-feed"``
        Whose recorded feed the dollars are scaled to (:func:`book_feed`'s first item).
    unit : str, default ``"USD M"``
        The unit the figures are in (millions of dollars).
    """
    return f"{unit}, {feed.removesuffix('-feed')} feed"


_USD_M = re.compile(r"\b(?:USD M|M USD)\b(?!, )")


def feed_titles(fig: Any, feed: str = BINANCE_FEED[0]) -> Any:
    """Name the feed in every ``USD M`` of a figure's axis, colour-bar and panel titles.

    ``"notional per bucket (M USD)"`` reads ``"notional per bucket (USD M, Binance
    feed)"``: the book's dollars are on the scale of a recorded feed (a fraction of the
    market's), and on paper the front page's units line is pages away. Returns ``fig``.
    """
    sub = feed_unit(feed)

    def fix(text: Any) -> Any:
        return _USD_M.sub(sub, text) if isinstance(text, str) else text

    lay = fig.layout
    for k in lay.to_plotly_json():
        if re.fullmatch(r"[xy]axis\d*", k) and lay[k].title is not None:
            lay[k].title.text = fix(lay[k].title.text)
    for a in lay.annotations or ():
        a.text = fix(a.text)
    for t in fig.data:
        bar = getattr(t, "colorbar", None)
        if bar is not None and bar.title is not None and bar.title.text:
            bar.title.text = fix(bar.title.text)
    return fig


def share_text(share: float) -> str:
    """``"about 0.11 %"`` (two significant digits), or ``"a fraction"`` without a figure."""
    from liqcascade.market import share_percent

    if not math.isfinite(share) or share <= 0:
        return "a fraction"
    return f"about {share_percent(share)}"


def front_line(shares: dict[str, float], records: dict[str, str] | None = None) -> str:
    """The front page's one line on units, every asset's share of open interest.

    ``records``: each asset's feed (:func:`book_feed`'s second item; default Binance's).
    """
    each = ", ".join(f"{a} {share_text(s).removeprefix('about ')}" for a, s in shares.items())
    feeds = " and ".join(dict.fromkeys((records or {}).get(a, BINANCE_FEED[1]) for a in shares))
    return (
        f"Units: book dollars (liquidations, margin, bad debt) are on the scale of {feeds} "
        f"({each} of open interest); depth is in market dollars."
    )


def market_factor(share: float) -> float:
    """Market dollars of a venue's own book per feed dollar of the estimated book.

    A venue of ``s`` of open interest holds ``s`` × open interest in market dollars and,
    sized by :class:`~liqcascade.market.MarketSpec`'s ``share``,
    ``share × s / BINANCE_BOOK_SHARE`` × open interest on the feed's scale: the ratio is
    ``BINANCE_BOOK_SHARE / share`` whatever ``s`` (the inverse of
    :attr:`~liqcascade.market.BookUnits.feed_per_market_usd`). It reads a feed-scale
    figure as the market's only if the market's book scaled with the feed's, which the
    data do not identify.

    Parameters
    ----------
    share : float
        The identified book's notional over aggregated open interest (:func:`book_share`),
        fraction.

    Returns
    -------
    float
        The factor (ETH at 2025-07-31: about 56); NaN without a share.

    >>> round(market_factor(0.0045), 1), market_factor(float("nan"))
    (55.6, nan)
    """
    from liqcascade.market import BINANCE_BOOK_SHARE

    if not (math.isfinite(share) and share > 0):
        return math.nan
    return BINANCE_BOOK_SHARE / share


def qualifier(asset: str, share: float, record: str = BINANCE_FEED[1]) -> str:
    """One sentence for a section that prints book dollars (``record``: :func:`book_feed`)."""
    return (
        f"Units: the book's dollars are on the scale of {record} "
        f"(only venue share × the feed's under-reporting is identified), {share_text(share)} "
        f"of {asset}'s aggregated open interest at the market bar, not market dollars. Ratios "
        "within the book (its shares, bad debt in % of liabilities) do not depend on that "
        "scale, except through the cascade, which walks the book against order-book depth "
        "in market dollars."
    )


def cascade_consequence(asset: str, share: float) -> str:
    """The cascade's consequence: a book in feed dollars walks depth in market dollars."""
    return (
        f"Units: the book is in feed dollars ({share_text(share)} of {asset}'s aggregated "
        "open interest: venue share × the feed's under-reporting) and is walked against "
        "order-book depth in market dollars; if the feed under-reports, the forced "
        "selling, and with it the cascade's own carry, are lower bounds."
    )


CARRY_LOWER_BOUND = "a lower bound: a partial book sold into full depth"
"""Why the cascade's own carry is a lower bound, in a clause for a card or a claim (as
short as the front page's one A4 page allows): the book is partial, on the scale of
Binance's recorded feed (the front page's units line gives its share of open interest;
the glossary's "Book dollars, feed dollars"), and is walked through the order book's
whole depth in market dollars (:func:`cascade_consequence`)."""


def feed_dollars(share: float, feed: str = BINANCE_FEED[0]) -> str:
    """What a book-dollar figure is, in a clause beside a claim made in market dollars.

    ``feed``: the book's dollars (:func:`book_feed`'s first item, ``"Binance-feed"``).
    """
    share_words = share_text(share).removeprefix("about ")
    return (
        f"{feed} dollars ({share_words} of open interest): the market-wide amount is "
        "not identified by the data"
    )


def market_scale_text(share: float, book_usd: float, short: bool = False) -> str:
    """What a book-dollar amount says against a claim in market dollars: the scale's span.

    The book is ``share`` of open interest, so the market-wide amount is not identified:
    had the market's liquidations scaled with open interest, it would be ``1 / share``
    times the book's (``"the book is 0.45 % of open interest: scaled to all of it, ~223×
    ($4.57 bn); not identified either"``). ``""`` without a finite positive share.

    Parameters
    ----------
    share : float
        The book's notional over aggregated open interest (fraction, :func:`book_share`).
    book_usd : float
        The amount in book (feed) dollars, USD.
    short : bool, default False
        The front page's words: ``"0.45 % of OI: scaled to all OI, ~223× ($4.57 bn);
        neither is identified"``.
    """
    from liqcascade.report._format import usd

    if not math.isfinite(share) or share <= 0:
        return ""
    k = 1.0 / share
    part = share_text(share).removeprefix("about ")
    if short:
        return (
            f"{part} of OI: scaled to all OI, ~{k:,.0f}× ({usd(book_usd * k)}); "
            "neither is identified"
        )
    return (
        f"the book is {part} of open interest: scaled to all of it, ~{k:,.0f}× "
        f"({usd(book_usd * k)}); not identified either"
    )


def carry_bound_text(share: float, short: bool = False) -> str:
    """:data:`CARRY_LOWER_BOUND` with the book's share of open interest (``share``, fraction).

    ``"a lower bound: a partial book (0.45 % of open interest) sold into full depth"``
    (``short``: ``"a lower bound (a book of 0.45 % of OI sold into full depth)"``); the
    constant's words without a finite positive share.
    """
    if not math.isfinite(share) or share <= 0:
        return CARRY_LOWER_BOUND
    part = share_text(share).removeprefix("about ")
    if short:
        return f"a lower bound (a book of {part} of OI sold into full depth)"
    return f"a lower bound: a partial book ({part} of open interest) sold into full depth"
