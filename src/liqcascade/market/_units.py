"""What an estimated book's dollars are: the scale of the liquidation feed it was identified from.

The identified position book is fitted to one venue's recorded liquidations (the
bundle's: Binance's, through CoinGlass), which fix only the product venue share × the
feed's under-reporting. Every dollar the book carries (positions, liquidations, stops,
margin, bad debt) is on that record's scale, a small fraction of the aggregated open
interest (ETH about 0.45 %, BTC about 0.11 % at 2025-07-31), not market dollars; prices,
order-book depth and open interest are market dollars. :func:`book_units` measures that
fraction for a market and names the feed; the command line's ``units`` line and field
and the report's units sentences are written from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liqcascade._prices import percent_text
from liqcascade.market._params import BINANCE_BOOK_SHARE

if TYPE_CHECKING:
    from liqcascade.market._state import MarketState

__all__ = ["BOOK_DOLLARS", "DEFAULT_FEED", "BookUnits", "book_units", "calibration_feed",
           "feed_dollars", "share_percent"]  # fmt: skip

#: What of an estimated book's output is in feed dollars (the default of :meth:`BookUnits.text`).
BOOK_DOLLARS = "the estimated book's dollars (positions, liquidations, stops, margin, bad debt)"

#: The venue label of the bundled liquidation record every shipped calibration was fitted on.
DEFAULT_FEED = "binance"

# how a venue label of the store is written in prose (others: as stored)
_FEED_NAMES = {"binance": "Binance"}


def share_percent(x: float) -> str:
    """``0.45 %``, ``0.011 %``, ``20 %``: a share of open interest to two significant digits.

    Parameters
    ----------
    x : float
        A fraction (0.0045 = 0.45 %), > 0; 0 or less is written with no decimals.
    """
    v = 100 * x
    return percent_text(x, max(0, 1 - math.floor(math.log10(v))) if v > 0 else 0)


def feed_dollars(feed: str) -> str:
    """``"Binance-feed"`` (``"okx-feed"``; ``"feed"`` when ``feed`` is ``""``): a book's dollars.

    Parameters
    ----------
    feed : str
        The venue label of a recorded liquidation feed (:func:`calibration_feed`).
    """
    name = _FEED_NAMES.get(feed, feed)
    return f"{name}-feed" if name else "feed"


def calibration_feed(meta: Mapping[str, Any] | None) -> str:
    """The venue label of the liquidation record a book calibration was fitted on.

    Parameters
    ----------
    meta : mapping or None
        A calibration's ``meta`` (:attr:`liqcascade.positions.AssetCalibration.meta`):
        its ``feed`` (the venue label of the recorded liquidations, which ``liqmap
        calibrate`` writes), else its ``sources["liquidations"]``
        (``"bundled:NAME"``: the bundled dataset's venue).

    Returns
    -------
    str
        ``"binance"`` for the package's calibrations and for a record that names none
        (a book given as parameters is on the shipped scale); a store's venue label
        (``"okx"``; ``"okx + binance"`` when the bundle filled the store's gaps);
        ``""`` when the record came from a store or file and the calibration names no
        ``feed``.
    """
    from liqcascade.data import bundled, source_parts

    meta = meta or {}
    if meta.get("feed"):
        return str(meta["feed"])
    src = str((meta.get("sources") or {}).get("liquidations", ""))
    venues = []
    for part in source_parts(src):
        if part.where != "bundled" or part.name not in bundled.DATASETS:
            return ""
        venues.append(bundled.DATASETS[part.name].venue)
    return " + ".join(dict.fromkeys(venues)) or DEFAULT_FEED


@dataclass(frozen=True)
class BookUnits:
    """The scale of an estimated book's dollars: its share of open interest and its feed.

    Made by :func:`book_units` from a market (:class:`MarketState` or its fingerprint).

    Attributes
    ----------
    asset : str
        The market's base asset (``"ETH"``).
    book_share_of_oi : float
        The identified book's long plus short notional (at the feed's scale, before the
        run's venue sizing) over the aggregated open interest at the market bar:
        fraction (0.0045 = 0.45 %); NaN without open interest.
    run_book_share_of_oi : float
        The book the run holds, for a venue of ``share`` of open interest:
        ``book_share_of_oi × share / BINANCE_BOOK_SHARE`` (fraction; NaN without open
        interest). Equal to ``book_share_of_oi`` at the default share.
    share : float
        The venue's share of aggregated open interest the run sized the book to
        (fraction; :data:`~liqcascade.market.BINANCE_BOOK_SHARE` by default).
    feed : str
        The venue label of the recorded liquidation feed the book was identified from
        (``"binance"``: the bundled record; a store's label otherwise; ``""`` when the
        calibration did not write it).
    """

    asset: str
    book_share_of_oi: float
    run_book_share_of_oi: float
    share: float = BINANCE_BOOK_SHARE
    feed: str = DEFAULT_FEED

    @property
    def feed_name(self) -> str:
        """The feed in prose: ``"Binance"``, a store's label as stored, ``""`` when unknown."""
        return _FEED_NAMES.get(self.feed, self.feed)

    @property
    def book_dollars(self) -> str:
        """``"Binance-feed"`` (``"okx-feed"``; ``"feed"`` when the feed is not known)."""
        return feed_dollars(self.feed)

    @property
    def feed_per_market_usd(self) -> float:
        """Book (feed) dollars per market dollar of a venue's own balance.

        A venue of ``share`` of open interest holds ``share`` × open interest in market
        dollars and ``run_book_share_of_oi`` × open interest on the book's scale, so a
        market-dollar amount of its own (an insurance fund, its users' balances) is
        ``run_book_share_of_oi / share`` = ``book_share_of_oi / BINANCE_BOOK_SHARE``
        of it on the book's scale (ETH at 2025-07-31: 0.018, a $1 B fund reads $18 M):
        fraction, whatever ``share``; NaN without open interest.
        """
        return self.run_book_share_of_oi / self.share if self.share > 0 else math.nan

    @property
    def record(self) -> str:
        """``"Binance's recorded liquidation feed"`` (the record the book's scale is that of)."""
        if self.feed_name:
            return f"{self.feed_name}'s recorded liquidation feed"
        return "the recorded liquidation feed the book was fitted on"

    def text(self, what: str = BOOK_DOLLARS, own: str | None = None) -> str:
        """The ``units:`` line: which dollars are the feed's, the book's share, the rest.

        Parameters
        ----------
        what : str, default :data:`BOOK_DOLLARS`
            What of the output is in feed dollars (``stress``: its market liquidations).
        own : str, optional
            The dollars that are not the feed's, said after the book's scale (the
            portfolio's; the fund and liabilities a user gives).
        """
        text = f"units: {what} are {self.book_dollars} dollars, on the scale of {self.record}"
        share = self.book_share_of_oi
        if math.isfinite(share):
            text += f": the book is {share_percent(share)} of {self.asset}'s aggregated "
            text += "open interest at the bar"
            if abs(self.share / BINANCE_BOOK_SHARE - 1.0) > 1e-9:
                run = share_percent(self.run_book_share_of_oi)
                text += f" (this run's, for a venue of {share_percent(self.share)} of "
                text += f"open interest: {run})"
        text += f"; {own}" if own else ""
        return text + "; prices, order-book depth and open interest are market dollars"

    def to_dict(self, what: str = BOOK_DOLLARS, own: str | None = None) -> dict[str, Any]:
        """The commands' JSON ``units``.

        Parameters
        ----------
        what : str, default :data:`BOOK_DOLLARS`
            What of the output is in feed dollars, as :meth:`text`.
        own : str, optional
            The dollars that are not the feed's, as :meth:`text`.

        Returns
        -------
        dict
            ``book_dollars``, both shares (fractions; None without open interest) and
            ``text`` (:meth:`text` of ``what`` and ``own``).
        """
        finite = math.isfinite(self.book_share_of_oi)
        return {
            "book_dollars": self.book_dollars,
            "book_share_of_oi": self.book_share_of_oi if finite else None,
            "run_book_share_of_oi": self.run_book_share_of_oi if finite else None,
            "text": self.text(what, own),
        }


def book_units(market: MarketState | Mapping[str, Any] | None) -> BookUnits | None:
    """The scale of a market's estimated book: its share of open interest and its feed.

    Parameters
    ----------
    market : MarketState, mapping or None
        The market (:func:`~liqcascade.market.estimated_market`) or its fingerprint
        (:meth:`MarketState.fingerprint`, the ``market`` of the commands' JSON): its
        ``open_interest_usd`` (market dollars, USD), the whole book's
        ``long_notional_usd`` and ``short_notional_usd`` (USD at the feed's scale,
        whatever the run's ``share``), ``share`` (fraction of open interest) and
        ``liquidation_feed`` (absent: ``"binance"``).

    Returns
    -------
    BookUnits or None
        None without a market or a book (files: their dollars are the user's).

    Examples
    --------
    >>> from liqcascade.market import book_units, estimated_market
    >>> u = book_units(estimated_market(asset="ETH", as_of="2025-07-31"))
    >>> u.book_dollars, round(u.book_share_of_oi, 4)
    ('Binance-feed', 0.0045)
    """
    if market is not None and not isinstance(market, Mapping):
        market = market.fingerprint()
    if not market or "long_notional_usd" not in market:
        return None
    oi = float(market.get("open_interest_usd") or math.nan)
    book = float(market["long_notional_usd"]) + float(market.get("short_notional_usd") or 0.0)
    share_of_oi = book / oi if oi > 0 else math.nan
    share = float(market.get("share") or BINANCE_BOOK_SHARE)
    return BookUnits(
        asset=str(market.get("asset", "the asset")),
        book_share_of_oi=share_of_oi,
        run_book_share_of_oi=share_of_oi * share / BINANCE_BOOK_SHARE,
        share=share,
        feed=str(market.get("liquidation_feed", DEFAULT_FEED)),
    )
