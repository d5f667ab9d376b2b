"""Bybit USDT perpetual liquidation prices, isolated margin (no fees)."""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade.errors import InputError
from liqcascade.margin._inputs import _bankruptcy, position_arrays
from liqcascade.margin._result import LiqResult

#: Maintenance rate of Bybit's first risk-limit tier for ETHUSDT and BTCUSDT (fraction).
BYBIT_DEFAULT_MMR: float = 0.005


def bybit_liq_price(
    side: Any, size: Any, entry_price: Any, margin: Any, mmr: float = BYBIT_DEFAULT_MMR
) -> LiqResult:
    r"""Bybit isolated-margin liquidation price, vectorised.

    Parameters
    ----------
    side : int, str or array
        ``+1`` long, ``-1`` short.
    size : float or array
        Base units, > 0.
    entry_price : float or array
        USD, > 0.
    margin : float or array
        Initial (isolated) margin ``IM``, USD; with leverage ``L``, ``IM = EP*size/L``
        (:func:`~liqcascade.margin.margin_from_leverage`).
    mmr : float, default 0.005
        Maintenance margin rate, fraction (0.5 % is the first risk-limit tier of
        ETHUSDT/BTCUSDT; larger positions sit in higher risk limits: pass theirs).

    Returns
    -------
    LiqResult
        ``maintenance_amount`` 0 and ``tier`` 0 (one rate).

    Notes
    -----
    .. math::

        LP_{long} = EP - (IM - MM)/size,\quad LP_{short} = EP + (IM - MM)/size,
        \quad MM = EP\cdot size\cdot MMR

    Bybit computes maintenance on the entry value, so this is the price at which
    the position's loss equals ``IM - MM``. Closing fees are ignored. A long's ``LP``
    is floored at 0.

    Examples
    --------
    >>> bybit_liq_price(1, 1.0, 20_000.0, 400.0, mmr=0.005).liq_price
    array([19700.])
    """
    if not (np.isfinite(mmr) and 0 <= mmr < 1):
        raise InputError(f"mmr must be a fraction in [0, 1) (got {mmr:g})", param="mmr")
    s, q, ep, m = position_arrays(side, size, entry_price, margin)
    mm = ep * q * mmr
    liq = np.maximum(ep - s * (m - mm) / q, 0.0)
    n = s.shape[0]
    return LiqResult(
        liq_price=liq,
        bankruptcy_price=_bankruptcy(s, q, ep, m),
        mmr=np.full(n, float(mmr)),
        maintenance_amount=np.zeros(n),
        tier=np.zeros(n, dtype=np.int64),
        notional=q * ep,
        side=s,
        size=q,
        entry_price=ep,
        margin=m,
        venue="bybit",
    )
