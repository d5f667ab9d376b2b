"""Binance liquidationSnapshot frames for the data tests, one layout for every test.

A liquidationSnapshot row is one update of a liquidation order (limit, IOC) at its trade
time; :func:`liquidation_snapshot` builds the frame from the columns a test varies.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

T0 = pd.Timestamp("2024-01-02 03:00:00", tz="UTC").value // 10**6
"""The snapshots' first trade time, ms since the epoch."""


def liquidation_snapshot(
    ms: Sequence[int],
    side: Sequence[str],
    qty: Sequence[float],
    *,
    price: float | Sequence[float],
    average_price: float | Sequence[float],
    status: str | Sequence[str] = "FILLED",
    filled: Sequence[float] | None = None,
) -> pd.DataFrame:
    """A liquidationSnapshot frame, a row per entry of ``ms``.

    Parameters
    ----------
    ms : sequence of int
        Each row's trade time, ms after :data:`T0`.
    side : sequence of str
        The order's side (``"SELL"`` liquidates a long).
    qty : sequence of float
        The order's original quantity, base units.
    price, average_price : float or sequence of float
        The order's price and its average fill price, USD (one for all rows, or a row each).
    status : str or sequence of str, default "FILLED"
        The order status of each row.
    filled : sequence of float, optional
        The last and accumulated fill quantity, base units; ``qty`` when None.
    """
    fill = list(qty if filled is None else filled)
    return pd.DataFrame(
        {
            "time": [T0 + m for m in ms],
            "side": list(side),
            "order_type": "LIMIT",
            "time_in_force": "IOC",
            "original_quantity": list(qty),
            "price": price if isinstance(price, float) else list(price),
            "average_price": average_price
            if isinstance(average_price, float)
            else list(average_price),
            "order_status": status if isinstance(status, str) else list(status),
            "last_fill_quantity": fill,
            "accumulated_fill_quantity": fill,
        }
    )
