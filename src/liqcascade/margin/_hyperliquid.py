"""Hyperliquid perpetual liquidation prices (isolated, or cross with one position)."""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade._symbols import base_asset
from liqcascade.errors import InputError
from liqcascade.margin._inputs import _bankruptcy, position_arrays
from liqcascade.margin._result import LiqResult

#: Max leverage by asset used when none is given (Hyperliquid's listing, 2024-2025).
HYPERLIQUID_MAX_LEVERAGE: dict[str, float] = {"BTC": 40.0, "ETH": 25.0, "SOL": 20.0}


def hyperliquid_asset(symbol: str) -> str:
    """Coin of a symbol: ``"ETHUSDT"``, ``"ETH-PERP"``, ``"ETH/USDC:USDC"`` -> ``"ETH"``.

    :func:`liqcascade._symbols.base_asset` (the one symbol -> asset rule), under the
    name Hyperliquid's functions use.

    Parameters
    ----------
    symbol : str
        A symbol in any of the forms above (case-insensitive).

    Returns
    -------
    str
        The upper-case coin, the quote (USDT, USDC, USD) and ``PERP`` removed.
    """
    return base_asset(symbol)


def hyperliquid_max_leverage(symbol: str) -> float:
    """Max leverage of a coin from :data:`HYPERLIQUID_MAX_LEVERAGE`, or InputError.

    Parameters
    ----------
    symbol : str
        Contract or coin (:func:`hyperliquid_asset` reads the coin).

    Returns
    -------
    float
        Max leverage (x).

    Raises
    ------
    InputError
        If the coin has no listed max leverage (``param=("symbol", "mmr")``).
    """
    coin = hyperliquid_asset(symbol)
    if coin not in HYPERLIQUID_MAX_LEVERAGE:
        known = ", ".join(sorted(HYPERLIQUID_MAX_LEVERAGE))
        raise InputError(
            f"symbol {symbol!r}: no Hyperliquid max leverage known (known: {known}); give "
            "mmr, its maintenance rate 1 / (2 x max leverage)",
            param=("symbol", "mmr"),
        )
    return HYPERLIQUID_MAX_LEVERAGE[coin]


def hyperliquid_liq_price(
    side: Any,
    size: Any,
    entry_price: Any,
    margin: Any,
    symbol: str = "ETH",
    *,
    max_leverage: float | None = None,
) -> LiqResult:
    r"""Hyperliquid liquidation price, vectorised.

    Parameters
    ----------
    side : int, str or array
        ``+1`` long, ``-1`` short.
    size : float or array
        Base units, > 0.
    entry_price : float or array
        USD, > 0.
    margin : float or array
        Isolated margin of the position (or the account value for a cross account
        holding only this position), USD.
    symbol : str, default "ETH"
        Coin, used to look up the max leverage (BTC 40×, ETH 25×, SOL 20×).
    max_leverage : float, optional
        Max leverage of the asset, overriding the table.

    Returns
    -------
    LiqResult
        ``mmr`` is ``l = 1/maint_leverage``; ``maintenance_amount`` 0; ``tier`` 0.

    Notes
    -----
    Maintenance margin is half the initial margin at max leverage, so the
    maintenance leverage is ``2 * max_leverage`` and ``l = 1/(2 * max_leverage)``.
    Hyperliquid's documented formula is

    .. math::

        LP = EP - s\,\frac{margin\_available}{size\,(1 - l\,s)}

    with ``margin_available = margin - size*EP*l`` (margin above maintenance at
    entry). It is the price where equity ``margin + s*size*(LP - EP)`` equals
    maintenance ``size*LP*l``. A long's ``LP`` is floored at 0.

    Examples
    --------
    >>> round(float(hyperliquid_liq_price(1, 1.0, 2000.0, 200.0).liq_price[0]), 4)
    1836.7347
    """
    lev = hyperliquid_max_leverage(symbol) if max_leverage is None else float(max_leverage)
    if not (np.isfinite(lev) and lev >= 1):
        raise InputError(f"max_leverage must be >= 1 (got {max_leverage})", param="max_leverage")
    s, q, ep, m = position_arrays(side, size, entry_price, margin)
    ell = 1.0 / (2.0 * lev)
    available = m - q * ep * ell
    liq = np.maximum(ep - s * available / q / (1.0 - ell * s), 0.0)
    n = s.shape[0]
    return LiqResult(
        liq_price=liq,
        bankruptcy_price=_bankruptcy(s, q, ep, m),
        mmr=np.full(n, ell),
        maintenance_amount=np.zeros(n),
        tier=np.zeros(n, dtype=np.int64),
        notional=q * ep,
        side=s,
        size=q,
        entry_price=ep,
        margin=m,
        venue="hyperliquid",
    )
