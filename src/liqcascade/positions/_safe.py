"""The identified book's *safe* mass as positions that never liquidate.

:meth:`liqcascade.positions._model.BookRun.book` leaves out the safe share (openings
beyond ``delta_max`` log units from liquidation: low leverage, hedged books,
well-funded cross accounts), so a market built from it holds only the liquidatable
book. :func:`safe_book` returns that mass as two positions (one long, one short) that
a cascade can hold but never liquidates: ``liq_price = 0`` for the long and ``inf``
for the short (the :class:`~liqcascade.positions.PositionBook` convention), margin
equal to notional (1x, fully funded). The model does not track the safe mass's
entry prices, so both are entered at the last bar's close.
"""

from __future__ import annotations

import numpy as np

from liqcascade.errors import InputError
from liqcascade.positions._book import PositionBook
from liqcascade.positions._model import BookRun


def safe_book(
    run: BookRun, venue_share: float | None = None, symbol: str = "ETHUSDT"
) -> PositionBook:
    """The safe (never-liquidated) long and short size at the run's end as positions.

    Parameters
    ----------
    run : BookRun
        A walked book (:func:`liqcascade.positions._model.walk`).
    venue_share : float, optional
        Multiplier of the aggregated sizes, as in :meth:`BookRun.book` (default the
        fit's ``scale``). Use the same value as for the liquidatable book.
    symbol : str
        Symbol of the positions.

    Returns
    -------
    PositionBook
        Up to two positions (sides with zero safe size are left out): size in base
        units, entry at the last close (USD), margin ``size * entry`` (USD),
        liquidation and bankruptcy price ``0`` (long) or ``inf`` (short).
    """
    v = run.params.scale if venue_share is None else float(venue_share)
    if not (np.isfinite(v) and v > 0):
        raise InputError(
            f"venue_share must be finite and > 0 (got {venue_share!r})", param="venue_share"
        )
    long_sz, short_sz = run.safe_size()
    price = float(run.prep.close[-1])
    side, size = [], []
    for s, sz in ((1, long_sz), (-1, short_sz)):
        if sz * v > 0:
            side.append(s)
            size.append(sz * v)
    sd = np.asarray(side, dtype=np.int8)
    sz_a = np.asarray(size, dtype=np.float64)
    never = np.where(sd > 0, 0.0, np.inf)
    return PositionBook(
        side=sd,
        size=sz_a,
        entry_price=np.full(sd.shape[0], price),
        margin=sz_a * price,
        liq_price=never,
        bankruptcy_price=never.copy(),
        venue="binance",
        symbol=symbol,
    )


__all__ = ["safe_book"]
