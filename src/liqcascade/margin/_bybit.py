"""Bybit USDT perpetual liquidation prices, isolated margin (no fees)."""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade.errors import InputError
from liqcascade.margin._inputs import _bankruptcy, position_arrays
from liqcascade.margin._result import LiqResult

#: Maintenance rate of Bybit's first risk-limit tier for ETHUSDT and BTCUSDT (fraction).
BYBIT_DEFAULT_MMR: float = 0.005

#: Position value (USD) up to which Bybit's first risk limit (the default rate above)
#: applies, as recalled for 2024 (Bybit's margin-parameters page; the venue revises it).
#: A contract not listed is read with ETHUSDT's.
BYBIT_FIRST_RISK_LIMIT_USD: dict[str, float] = {"ETHUSDT": 1_000_000.0, "BTCUSDT": 2_000_000.0}


def bybit_risk_limit_caveat(symbol: str, notional: Any) -> str | None:
    """The caveat of a position priced at the first risk limit's rate though above its value.

    Parameters
    ----------
    symbol : str
        Contract (``ETHUSDT``); any spelling :func:`liqcascade._symbols.split_symbol` reads.
    notional : float or array
        Position value at entry, USD.

    Returns
    -------
    str or None
        One line naming the largest position's value and the limit, or None when every
        position is within Bybit's first risk limit.
    """
    from liqcascade._symbols import contract_symbol, split_symbol

    contract = contract_symbol(split_symbol(str(symbol))[0] or "ETH")
    limit = BYBIT_FIRST_RISK_LIMIT_USD.get(contract, BYBIT_FIRST_RISK_LIMIT_USD["ETHUSDT"])
    top = float(np.max(np.asarray(notional, dtype=np.float64), initial=0.0))
    if top <= limit:
        return None
    return (
        f"a position of {top:,.0f} USD is above Bybit's first risk limit ({limit:,.0f} USD "
        f"for {contract}, as recalled) and is priced at that limit's maintenance rate "
        f"{100 * BYBIT_DEFAULT_MMR:g} %; its own risk limit's rate is higher and its "
        "liquidation price nearer the entry: give that rate as the maintenance-rate override"
    )


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
