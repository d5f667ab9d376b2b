"""An exchange built from the estimated market: its share of positions and of depth."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from liqcascade._limits import SPLIT_ACCOUNT_BYTES, check_count, check_seed
from liqcascade.book import OrderBook
from liqcascade.errors import InputError
from liqcascade.market import EXCHANGE_OI_SHARE, MarketSpec, MarketState, estimated_market
from liqcascade.positions import PositionBook

__all__ = ["estimated_exchange_market", "split_accounts"]


def split_accounts(
    book: PositionBook,
    per_position: int = 50,
    sigma: float = 1.5,
    seed: int = 0,
    min_notional: float = 10.0,
) -> PositionBook:
    """Split each (cohort) position into ``per_position`` accounts of log-normal sizes.

    The estimated book holds one position per cohort (entry bar × leverage), not per
    user. ADL's distribution across users needs accounts: each cohort is split into
    accounts whose sizes (and margins, so the leverage and the liquidation and
    bankruptcy prices are unchanged) are log-normal weights ``exp(σ Z)``, normalised.
    ``σ = 1.5`` gives the heavy-tailed account sizes of retail venues (the largest
    tenth of accounts holds roughly 60 % of the notional). An assumption, seeded.

    Parameters
    ----------
    book : PositionBook
        Cohort positions.
    per_position : int, default 50
        Accounts per position, >= 1.
    sigma : float, default 1.5
        Log-normal dispersion of account sizes, >= 0.
    seed : int, default 0
        Random seed.
    min_notional : float, default 10.0
        Accounts below this notional at entry (USD) are dropped: the estimated book's
        old cohorts decay towards zero size, and such dust accounts would otherwise
        count as users in ADL's distribution figures. Set 0 to keep every account.

    Returns
    -------
    PositionBook
        Up to ``len(book) * per_position`` positions with account ids ``0..``.

    Raises
    ------
    InputError
        Naming the parameter: ``per_position`` below 1 or past the memory, ``sigma``
        not finite and >= 0 (or so large the weights overflow), ``min_notional`` not
        finite and >= 0, ``seed`` not a whole number >= 0 (a NaN ``min_notional`` or an
        infinite ``sigma`` returned an empty book).
    """
    if per_position < 1:
        raise InputError(f"per_position must be >= 1 (got {per_position})", param="per_position")
    if not (math.isfinite(sigma) and sigma >= 0):
        raise InputError(f"sigma must be >= 0 and finite (got {sigma})", param="sigma")
    if not (math.isfinite(min_notional) and min_notional >= 0):
        raise InputError(
            f"min_notional must be a finite number >= 0 USD (got {min_notional})",
            param="min_notional",
        )
    n = len(book)
    k = int(per_position)
    check_count("per_position", k, n * SPLIT_ACCOUNT_BYTES)  # before allocating
    rng = np.random.default_rng(check_seed(seed, "seed"))
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
        w = np.exp(sigma * rng.standard_normal((n, k)))
        w /= w.sum(axis=1, keepdims=True)
    if not np.isfinite(w).all():  # exp overflowed: inf / inf dropped every account
        raise InputError(
            f"sigma {sigma:g} is too large: the account weights overflow", param="sigma"
        )
    rep = np.repeat(np.arange(n), k)
    wf = w.ravel()
    size = book.size[rep] * wf
    keep = size * book.entry_price[rep] >= min_notional
    rep, wf, size = rep[keep], wf[keep], size[keep]
    return PositionBook(
        book.side[rep],
        size,
        book.entry_price[rep],
        book.margin[rep] * wf,
        book.liq_price[rep],
        book.bankruptcy_price[rep],
        np.arange(rep.size, dtype=np.int64),
        book.opened_ms[rep],
        venue=book.venue,
        symbol=book.symbol,
        cross=book.cross[rep],
    )


def estimated_exchange_market(
    asset: str = "ETH",
    as_of: Any = None,
    oi_share: float = EXCHANGE_OI_SHARE,
    *,
    params: Any = None,
    state: MarketState | None = None,
) -> tuple[PositionBook, OrderBook]:
    """One exchange's positions and order book: the estimated market at its share.

    The estimated book is calibrated to Binance's recorded liquidations, Binance
    taken to hold :data:`~liqcascade.market.BINANCE_BOOK_SHARE` (0.25) of aggregated
    open interest. An exchange holding ``oi_share`` of it gets the positions scaled by
    ``oi_share / 0.25`` and ``oi_share`` of the all-venue displayed depth
    (:class:`liqcascade.market.MarketSpec` with ``share=oi_share``).

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset (bundled: ETH, BTC).
    as_of : datetime-like, optional
        Date (UTC); a bare date is the close of that day's last bar. Default: the
        last open-interest bar.
    oi_share : float, default :data:`~liqcascade.market.EXCHANGE_OI_SHARE` (0.2)
        The exchange's share of aggregated open interest, in (0, 1].
    params : EstimationParams, optional
        Position-estimation parameters (default: the shipped calibration).
    state : MarketState, optional
        An estimated market already built with ``share=oi_share`` (then ``asset``,
        ``as_of`` and ``params`` are ignored).

    Returns
    -------
    (PositionBook, OrderBook)

    Notes
    -----
    Until 0.1 the positions were scaled by ``oi_share`` on top of the estimate's own
    Binance scale (``venue_share``), i.e. the exchange held ``oi_share`` of *Binance's*
    positions but ``oi_share`` of the *all-venue* depth: the positions were 4 times
    too small for the depth (0.2 / 0.25 = 0.8 of Binance's positions against 0.2 of
    the all-venue depth is the consistent sizing).
    """
    if state is None:
        spec = MarketSpec(asset=asset, as_of=as_of, share=oi_share, params=params,
                          with_stops=False)  # fmt: skip
        state = estimated_market(spec)
    return state.positions, state.book
