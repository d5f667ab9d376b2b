"""Test books' prices kept to :class:`~liqcascade.positions.PositionBook`'s rules."""

from __future__ import annotations

from typing import Any

import numpy as np


def entry_beyond(side: Any, liq: Any, entry: Any) -> np.ndarray:
    """``entry`` (USD) moved onto each position's side of its liquidation price.

    A book's long lies above its ``liq_price``, a short below (the positions files'
    rule, applied by ``PositionBook`` since session 22): where ``entry`` is not, the
    entry is put 1 % past the liquidation price. A position never liquidated (a long's
    price <= 0, a short's inf) keeps ``entry``. The maps and cascades these books feed
    read ``liq_price`` and ``bankruptcy_price``, not the entry.
    """
    s = np.asarray(side)
    lq = np.asarray(liq, dtype=np.float64)
    e = np.broadcast_to(np.asarray(entry, dtype=np.float64), lq.shape)
    live = np.isfinite(lq) & (lq > 0)
    long_e = np.where(live & (e <= lq), lq * 1.01, e)
    short_e = np.where(live & (e >= lq), lq / 1.01, e)
    return np.where(s == 1, long_e, short_e)
