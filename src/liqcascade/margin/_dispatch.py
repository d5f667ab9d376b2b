"""One entry point for every venue's liquidation price."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liqcascade.errors import InputError
from liqcascade.margin._binance import binance_liq_price
from liqcascade.margin._bybit import BYBIT_DEFAULT_MMR, bybit_liq_price
from liqcascade.margin._hyperliquid import hyperliquid_liq_price
from liqcascade.margin._inputs import margin_from_leverage, position_arrays
from liqcascade.margin._result import LiqResult
from liqcascade.margin._tiers import TierTable

VENUES: tuple[str, ...] = ("binance", "bybit", "hyperliquid")


def liq_price(
    venue: str,
    side: Any,
    size: Any,
    entry_price: Any,
    margin: Any = None,
    *,
    leverage: Any = None,
    symbol: str = "ETHUSDT",
    tiers: str | Path | TierTable | None = None,
    mmr: float | None = None,
) -> LiqResult:
    """Liquidation and bankruptcy prices on ``venue``, from margin or leverage.

    Parameters
    ----------
    venue : {"binance", "bybit", "hyperliquid"}
        Margin rules to apply.
    side, size, entry_price : scalars or arrays
        ``±1`` (or ``"long"``/``"short"``), base units, USD.
    margin : float or array, optional
        Isolated margin, USD. Exactly one of ``margin`` and ``leverage``.
    leverage : float or array, optional
        Leverage at entry; margin ``= size * entry_price / leverage``.
    symbol : str, default "ETHUSDT"
        Contract: picks Binance's packaged tier table and Hyperliquid's max leverage.
    tiers : str, Path or TierTable, optional
        Binance tier table overriding ``symbol``'s.
    mmr : float, optional
        Maintenance rate override, fraction (Binance: flat rate with cum 0; Bybit:
        the rate, default 0.005; Hyperliquid: ``l``, i.e. max leverage ``1/(2*mmr)``).

    Returns
    -------
    LiqResult
    """
    v = str(venue).strip().lower()
    if v not in VENUES:
        raise InputError(f"unknown venue {venue!r} (expected one of: {', '.join(VENUES)})")
    if (margin is None) == (leverage is None):
        raise InputError("give exactly one of margin and leverage")
    if margin is None:
        _, q, ep, _ = position_arrays(side, size, entry_price, 0.0)
        margin = margin_from_leverage(q, ep, leverage)
    if v == "binance":
        return binance_liq_price(side, size, entry_price, margin, tiers or symbol, mmr=mmr)
    if v == "bybit":
        return bybit_liq_price(
            side, size, entry_price, margin, BYBIT_DEFAULT_MMR if mmr is None else mmr
        )
    if mmr is not None and not (0 < mmr < 0.5):
        raise InputError(f"mmr must be in (0, 0.5) for hyperliquid (got {mmr})")
    max_lev = None if mmr is None else 1.0 / (2.0 * mmr)
    return hyperliquid_liq_price(side, size, entry_price, margin, symbol, max_leverage=max_lev)
