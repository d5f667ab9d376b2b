"""An exchange built from the estimated market: its share of positions and of depth."""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade._limits import SPLIT_ACCOUNT_BYTES, check_count, check_seed
from liqcascade.errors import InputError
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
    """
    if per_position < 1:
        raise InputError(f"--accounts-per-cohort must be >= 1 (got {per_position})")
    if not sigma >= 0:
        raise InputError(f"sigma must be >= 0 (got {sigma})")
    n = len(book)
    k = int(per_position)
    check_count("--accounts-per-cohort", k, n * SPLIT_ACCOUNT_BYTES)  # before allocating
    rng = np.random.default_rng(check_seed(seed, "seed"))
    w = np.exp(sigma * rng.standard_normal((n, k)))
    w /= w.sum(axis=1, keepdims=True)
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
    )


def estimated_exchange_market(
    asset: str = "ETH",
    as_of: Any = None,
    oi_share: float = 0.2,
    *,
    params: Any = None,
    book: PositionBook | None = None,
) -> tuple[PositionBook, Any]:
    """The estimated market-wide positions and order book, scaled to one exchange's share.

    Parameters
    ----------
    asset : str, default "ETH"
        Bundled data cover ETH.
    as_of : datetime-like, optional
        Date (UTC), up to the last bundled open interest bar (default: that bar).
    oi_share : float, default 0.2
        The exchange's share of market-wide open interest, in (0, 1]; position sizes,
        margins and the displayed depth are scaled by it.
    params : EstimationParams, optional
        Position-estimation parameters (default: the shipped calibration).
    book : PositionBook, optional
        The market-wide estimated book at ``as_of`` if already computed.

    Returns
    -------
    (PositionBook, OrderBook)
    """
    if not (0 < oi_share <= 1):
        raise InputError(f"--oi-share must be in (0, 1] (got {oi_share})")
    if asset.upper() != "ETH":
        raise InputError(f"--asset: no bundled market data for {asset} (bundled: ETH)")
    import liqcascade.positions as positions_pkg
    from liqcascade.book import OrderBook, calibrated_book

    if book is None:
        estimate: Any = getattr(positions_pkg, "estimate_book", None)
        if estimate is None:  # not re-exported by positions/__init__.py yet
            from liqcascade.positions._estimate import estimate_book as estimate
        book = estimate(as_of, params=params)
    if as_of is None:
        from liqcascade import datasets

        as_of = datasets.load_open_interest().index[-1]
    ob = calibrated_book(as_of)
    ob_s = OrderBook(ob.mid, ob.bid_price, ob.bid_size * oi_share, ob.ask_price,
                     ob.ask_size * oi_share)  # fmt: skip
    return book.scaled(oi_share), ob_s
