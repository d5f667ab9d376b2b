"""Binance USDⓈ-M liquidation prices (isolated and single-position cross), one-way mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liqcascade._numba import read_only
from liqcascade.margin._inputs import _bankruptcy, position_arrays
from liqcascade.margin._kernels import binance_liq_kernel, empty_outputs
from liqcascade.margin._result import LiqResult
from liqcascade.margin._tiers import TierTable, load_tiers


def binance_liq_price(
    side: Any,
    size: Any,
    entry_price: Any,
    margin: Any,
    tiers: str | Path | TierTable = "ETHUSDT",
    *,
    mmr: float | None = None,
) -> LiqResult:
    r"""Binance USDⓈ-M liquidation price, isolated margin, one-way mode, vectorised.

    Parameters
    ----------
    side : int, str or array
        ``+1`` / ``"long"``, ``-1`` / ``"short"`` (int8 arrays preferred).
    size : float or array
        Position size, base units (ETH), > 0.
    entry_price : float or array
        Entry price, USD, > 0.
    margin : float or array
        Isolated wallet balance of the position (USD, >= 0). For cross margin with one
        position per account pass the account's wallet balance
        (:func:`binance_cross_liq_price`).
    tiers : str, Path or TierTable, default "ETHUSDT"
        Leverage brackets (:func:`~liqcascade.margin.load_tiers`).
    mmr : float, optional
        Flat maintenance rate (fraction) overriding the tiers, with ``cum = 0``.

    Returns
    -------
    LiqResult
        Arrays (length = broadcast length of the inputs; scalars give length 1).

    Notes
    -----
    .. math::

        LP = \frac{WB + cum - s\,q\,EP}{q\,MMR - s\,q}

    with ``s = +1`` long, ``-1`` short, ``MMR`` and ``cum`` of the tier of the notional
    at the liquidation price ``q * LP``: starting from the entry notional's tier the
    tier is re-evaluated until it is stable (see :mod:`liqcascade.margin._kernels`
    for the rule and the cycle fallback). At ``LP``, equity ``WB + s q (LP - EP)``
    equals maintenance margin ``q LP MMR - cum``. A long whose ``LP`` would be <= 0
    gets 0 (it cannot be liquidated). Fees and funding are ignored.

    Examples
    --------
    >>> binance_liq_price(1, 1.0, 2000.0, 100.0).liq_price.round(4)
    array([1907.6305])
    """
    s, q, ep, m = position_arrays(side, size, entry_price, margin)
    table = load_tiers(tiers)
    if mmr is not None:
        table = table.with_mmr(mmr)
    liq, tier, status = empty_outputs(s.shape[0])
    # read-only views of the inputs: one compile whatever their origins (read_only)
    ins = read_only(q, ep, m, table.notional_floor, table.mmr, table.cum)
    binance_liq_kernel(s, *ins, liq, tier, status)
    entry = table.tier_index(q * ep)  # the entry notional's tier (the position screen's)
    return LiqResult(
        liq_price=liq,
        bankruptcy_price=_bankruptcy(s, q, ep, m),
        mmr=table.mmr[tier],
        maintenance_amount=table.cum[tier],
        tier=tier,
        notional=q * ep,
        side=s,
        size=q,
        entry_price=ep,
        margin=m,
        venue="binance",
        status=status,
        tier_at_entry=entry,
        mmr_at_entry=table.mmr[entry],
        maintenance_amount_at_entry=table.cum[entry],
        tiers=table.symbol,
    )


def binance_cross_liq_price(
    side: Any,
    size: Any,
    entry_price: Any,
    wallet_balance: Any,
    tiers: str | Path | TierTable = "ETHUSDT",
    *,
    mmr: float | None = None,
) -> LiqResult:
    """Binance cross-margin liquidation price for accounts holding one position each.

    Binance's cross formula reduces to the isolated one with the account's wallet
    balance (USD) as ``WB`` when the account has no other position; this is that
    case. Arguments as :func:`binance_liq_price`.

    Parameters
    ----------
    side : int, str or array
        ``+1`` / ``"long"``, ``-1`` / ``"short"``.
    size : float or array
        Position size, base units, > 0.
    entry_price : float or array
        Entry price, USD, > 0.
    wallet_balance : float or array
        The account's cross wallet balance, USD, >= 0.
    tiers : str, Path or TierTable, default "ETHUSDT"
        Leverage brackets (:func:`~liqcascade.margin.load_tiers`).
    mmr : float, optional
        Flat maintenance rate (fraction) overriding the tiers, with ``cum = 0``.

    Returns
    -------
    LiqResult
        As :func:`binance_liq_price`, with ``margin`` the wallet balance.
    """
    return binance_liq_price(side, size, entry_price, wallet_balance, tiers, mmr=mmr)
