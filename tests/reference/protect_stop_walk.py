"""Independent references for the protect kernels (numpy only, no liqcascade imports).

Written from ``docs/protect.md`` and the module docstring of ``protect/_kernels.py``,
not from the kernels' loops:

- :func:`stop_walk_ref` finds each trade's stop bar with one vectorised test over its
  holding window: the first bar after entry whose open *or* extreme reaches the stop.
  The order goes out at the stop, or at the open when the bar opened through it (a gap
  is never filled better than the open).
- :func:`crowd_ref` enumerates the round numbers of the window with ``np.arange`` and
  counts the crowd lumps (just below a round number for sell stops, just above for
  buys; one more lump just beyond the swing extreme) whose level lies in the window.
"""

from __future__ import annotations

import math

import numpy as np


def stop_walk_ref(
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    entry_bar: np.ndarray,
    side: np.ndarray,
    stop: np.ndarray,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exit bar, stopped flag (0/1) and order price (USD) of each trade.

    A long (``side`` +1) is stopped on the first bar ``j`` in ``(entry, entry +
    horizon]`` with ``open[j] <= stop`` or ``low[j] <= stop``; a short mirrors it with
    ``>=`` on the open and the high. Unstopped trades exit at the window's last bar (the
    data's last bar at most) at its close.
    """
    n = len(entry_bar)
    exit_bar = np.empty(n, np.int64)
    stopped = np.zeros(n, np.int8)
    price = np.empty(n)
    nb = len(close)
    for i in range(n):
        e = int(entry_bar[i])
        last = min(e + horizon, nb - 1)
        s = float(stop[i])
        o = open_[e + 1 : last + 1]
        if side[i] > 0:
            gapped = o <= s
            mask = gapped | (low[e + 1 : last + 1] <= s)
        else:
            gapped = o >= s
            mask = gapped | (high[e + 1 : last + 1] >= s)
        if mask.any():
            k = int(np.argmax(mask))
            exit_bar[i] = e + 1 + k
            stopped[i] = 1
            price[i] = o[k] if gapped[k] else s
        else:
            exit_bar[i] = last
            price[i] = close[last]
    return exit_bar, stopped, price


def crowd_ref(
    p0: float,
    dirsign: float,
    d1: float,
    swing: float,
    step: float,
    round_mass: float,
    swing_mass: float,
    offset: float,
    window: float,
) -> float:
    """Crowd stop notional (USD) batched with an order sent at ``p0`` (docs/protect.md).

    A sell (``dirsign`` +1) is batched with the sell stops whose level lies in
    ``[p0, p0·(1 + window)]``: a lump of ``round_mass · d1`` USD at ``r·(1 − offset)``
    for every positive multiple ``r`` of ``step``, and ``swing_mass · d1`` USD at
    ``swing·(1 − offset)``. A buy mirrors it (``[p0·(1 − window), p0]``, levels
    ``·(1 + offset)``).
    """
    if dirsign > 0:
        lo, hi = p0, p0 * (1.0 + window)
        below = 1.0 - offset
    else:
        lo, hi = p0 * (1.0 - window), p0
        below = 1.0 + offset
    total = 0.0
    if step > 0 and round_mass > 0:
        # every multiple r whose level r * below can lie in [lo, hi], one spare each side
        k = np.arange(math.floor(lo / below / step) - 1, math.ceil(hi / below / step) + 2)
        r = k * step
        lev = r * below
        inside = (r > 0) & (lev >= lo) & (lev <= hi)
        total += round_mass * d1 * int(inside.sum())
    if swing > 0 and swing_mass > 0:
        lev = swing * below
        if lo <= lev <= hi:
            total += swing_mass * d1
    return total
