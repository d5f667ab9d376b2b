r"""The margin a stated liquidation price implies: each venue's formula inverted.

Every venue's rule (:func:`liqcascade.margin.liq_price`) liquidates where the
position's equity ``m + s·q·(LP − EP)`` falls to its maintenance margin ``MM``. Given
the liquidation price ``LP``, the margin is therefore

.. math::

    m = s\,q\,(EP - LP) + MM(LP)

with ``MM`` the venue's: Binance ``q·LP·MMR − cum`` of the tier of the notional
``q·LP`` (the tier the forward kernel settles on; ``MM`` is continuous across tiers, so
``m`` is strictly monotone in ``LP`` and the inverse unique), Bybit ``q·EP·MMR`` (on the
entry value), Hyperliquid ``q·LP·l``. A venue registered without a closed form is
inverted numerically (:func:`implied_margin_reference`, scipy's ``brentq`` on the
forward formula), which is also the closed forms' plain-Python check.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.margin._bybit import BYBIT_DEFAULT_MMR
from liqcascade.margin._dispatch import _hyperliquid_max, _table, venue_rules
from liqcascade.margin._inputs import position_arrays
from liqcascade.margin._tiers import TierTable

__all__ = ["implied_margin", "implied_margin_reference"]


def _arrays(
    side: Any, size: Any, entry_price: Any, liq_price: Any
) -> tuple[np.ndarray, FloatArray, FloatArray, FloatArray]:
    """Flat, broadcast (side, size, entry, liq) arrays; ``liq_price`` finite and >= 0 USD."""
    try:
        lp = np.ravel(np.asarray(liq_price, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise InputError(f"liq_price: {exc}", param="liq_price") from None
    s, q, ep, zero = position_arrays(side, size, entry_price, np.zeros(lp.shape))
    lp = np.ascontiguousarray(np.broadcast_to(lp, zero.shape))
    bad = np.flatnonzero(~(np.isfinite(lp) & (lp >= 0)))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"liq_price[{i}] must be finite and >= 0 USD (got {lp[i]:g})", param="liq_price"
        )
    return s, q, ep, lp


def implied_margin(
    venue: str,
    side: Any,
    size: Any,
    entry_price: Any,
    liq_price: Any,
    *,
    symbol: str = "ETHUSDT",
    tiers: str | Path | TierTable | None = None,
    mmr: float | None = None,
) -> FloatArray:
    """The isolated margin for which ``venue``'s liquidation price is ``liq_price``, USD.

    The inverse of :func:`liqcascade.margin.liq_price` in its margin: for a cross
    position whose account states its liquidation price, the margin the account
    effectively lends the position (its *effective isolated margin*).

    Parameters
    ----------
    venue : str
        A name of :data:`~liqcascade.margin.VENUE_RULES` (``binance``, ``bybit``,
        ``hyperliquid``), case-insensitive.
    side, size, entry_price : scalars or arrays
        ``±1`` (or ``"long"``/``"short"``), base units, USD.
    liq_price : float or array
        The stated liquidation price, USD, finite and >= 0. A long's 0 (never
        liquidated) gives the least margin that keeps it so (a 1x long's).
    symbol, tiers, mmr
        As :func:`liqcascade.margin.liq_price` (the tier table, max leverage or
        maintenance rate the forward formula uses).

    Returns
    -------
    array of float
        One margin per position, USD: ``s·size·(entry − liq) + MM(liq)``. It is <= 0
        where the stated price lies at or beyond the entry (no isolated margin gives it):
        the caller decides what to do with such a position.

    Raises
    ------
    InputError
        An unknown venue, a bad side/size/price (``param`` names it), a ``liq_price``
        that is negative, NaN or infinite (``param="liq_price"``).

    Examples
    --------
    >>> from liqcascade.margin import liq_price
    >>> m = implied_margin("binance", 1, 10.0, 3700.0, 3529.116)
    >>> round(float(m[0]), 1)
    1850.0
    >>> round(float(liq_price("binance", 1, 10.0, 3700.0, m).liq_price[0]), 3)
    3529.116
    """
    rules = venue_rules(venue)
    s, q, ep, lp = _arrays(side, size, entry_price, liq_price)
    sf = s.astype(np.float64)
    if rules.name == "binance":
        table = _table(symbol, tiers)
        if mmr is not None:
            table = table.with_mmr(mmr)
        t = table.tier_index(q * lp)
        mm = q * lp * table.mmr[t] - table.cum[t]
    elif rules.name == "bybit":
        mm = q * ep * (BYBIT_DEFAULT_MMR if mmr is None else float(mmr))
    elif rules.name == "hyperliquid":
        mm = q * lp / (2.0 * _hyperliquid_max(symbol, mmr))
    else:  # a venue registered without a closed form here
        return implied_margin_reference(venue, s, q, ep, lp, symbol=symbol, tiers=tiers, mmr=mmr)
    return np.asarray(sf * q * (ep - lp) + mm, dtype=np.float64)


def implied_margin_reference(
    venue: str,
    side: Any,
    size: Any,
    entry_price: Any,
    liq_price: Any,
    *,
    symbol: str = "ETHUSDT",
    tiers: str | Path | TierTable | None = None,
    mmr: float | None = None,
) -> FloatArray:
    """:func:`implied_margin` found numerically, one position at a time (the twin).

    Solves ``liq_price(venue, side, size, entry, m) = stated`` for ``m`` with scipy's
    ``brentq`` (the forward formula is monotone in the margin: a long's liquidation
    price falls as its margin grows, a short's rises). A long's stated 0 gives the
    least margin whose price is 0.

    Parameters
    ----------
    venue, side, size, entry_price, liq_price, symbol, tiers, mmr
        As :func:`implied_margin`.

    Returns
    -------
    array of float
        One margin per position, USD; NaN where no margin >= 0 gives the stated price
        (it lies at or beyond the entry).
    """
    from scipy.optimize import brentq

    rules = venue_rules(venue)
    s, q, ep, lp = _arrays(side, size, entry_price, liq_price)
    out = np.full(s.size, math.nan)
    for i in range(s.size):
        si, qi, ei, li = int(s[i]), float(q[i]), float(ep[i]), float(lp[i])

        # a long's 0 is reached at every margin from the least one on: aim just above it
        target = li + (1e-12 * ei if si > 0 and li == 0 else 0.0)

        def gap(m: float, si: int = si, qi: float = qi, ei: float = ei, t: float = target) -> float:
            r = rules.liq_price(si, qi, ei, m, symbol=symbol, tiers=tiers, mmr=mmr)
            return float(r.liq_price[0]) - t

        hi = 2.0 * qi * ei if si > 0 else qi * (2.0 * li + ei)
        lo_gap, hi_gap = gap(0.0), gap(hi)
        if lo_gap == 0:
            out[i] = 0.0
        elif lo_gap * hi_gap < 0:
            out[i] = brentq(gap, 0.0, hi, xtol=1e-12, rtol=1e-14)
    return out
