"""Hot loops of the stop-policy backtest: the path walk and the fill model.

Each compiled kernel (``*_nb``) has a plain-Python twin (``*_py``) that the tests hold
equal to it on random cases. Kernels trust their inputs (the public functions check).

Fill model (one stop-market order, see ``docs/protect.md``)
-----------------------------------------------------------
When a stop triggers at ``P0`` the book is taken as the parametric depth curve
``D(δ) = D1 · (δ / 0.01)^β`` (cumulative USD within distance ``δ`` of ``P0``) on the
side the order hits. The order is batched with every crowd stop whose trigger lies
within ``window`` beyond ``P0`` on the side price came from (orders triggered within
the same move execute together, as one cascade round of docs/design.md). The batch of
``Q`` USD walks the book to ``δ* = 0.01 · (Q / D1)^(1/β)``; since price is linear in
``δ`` the notional-weighted average price is ``P0 · (1 − s · β/(β+1) · δ*)``
(``s`` = +1 for a sell). The slippage is ``β/(β+1) · δ*`` (fraction of ``P0``).
Crowd stops: one lump of ``round_mass · D1`` USD just beyond every round number
(Osler 2003: sell stops just below, buy stops just above; offset ``offset``) and one
lump of ``swing_mass · D1`` USD just beyond the recent swing extreme.
"""

from __future__ import annotations

import math
import types
from typing import Any

import numpy as np

from liqcascade._numba import njit
from liqcascade._typing import FloatArray, Int8Array, IntArray

__all__ = [
    "crowd_in_window_py",
    "fill_batch_nb",
    "fill_batch_py",
    "stop_walk_nb",
    "stop_walk_py",
]


def stop_walk_py(
    open_: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    entry_bar: IntArray,
    side: Int8Array,
    stop: FloatArray,
    horizon: int,
) -> tuple[IntArray, Int8Array, FloatArray]:
    """Walk each trade's bars after entry until its stop triggers or the horizon ends.

    Parameters
    ----------
    open_, high, low, close : arrays of float
        Bars (USD).
    entry_bar : array of int
        Bar whose close is the entry price.
    side : array of int8
        ``+1`` long (sell stop below), ``-1`` short (buy stop above).
    stop : array of float
        Stop trigger price, USD.
    horizon : int
        Holding period, bars after the entry bar.

    Returns
    -------
    exit_bar : array of int
        Bar of the exit (the stop bar, or the last bar of the horizon).
    stopped : array of int8
        1 if the stop triggered.
    trigger_px : array of float
        Price the stop-market order was sent at: the stop, or the bar's open when
        price gapped through it; for unstopped trades the exit close, USD.
    """
    n = len(entry_bar)
    nb = len(close)
    exit_bar = np.empty(n, np.int64)
    stopped = np.zeros(n, np.int8)
    trig = np.empty(n, np.float64)
    for i in range(n):
        e = int(entry_bar[i])
        last = min(e + horizon, nb - 1)
        exit_bar[i] = last
        trig[i] = close[last]
        s = stop[i]
        for j in range(e + 1, last + 1):
            if side[i] > 0:
                if open_[j] <= s:
                    stopped[i], exit_bar[i], trig[i] = 1, j, open_[j]
                    break
                if low[j] <= s:
                    stopped[i], exit_bar[i], trig[i] = 1, j, s
                    break
            else:
                if open_[j] >= s:
                    stopped[i], exit_bar[i], trig[i] = 1, j, open_[j]
                    break
                if high[j] >= s:
                    stopped[i], exit_bar[i], trig[i] = 1, j, s
                    break
    return exit_bar, stopped, trig


stop_walk_nb = njit(stop_walk_py)


def crowd_in_window_py(
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
    """Crowd stop notional (USD) batched with an order triggered at ``p0``.

    ``dirsign`` +1: sell stops (crowd just below round numbers and below the swing
    low) with triggers in ``[p0, p0·(1+window)]``; −1 mirrors (buy stops just above,
    triggers in ``[p0·(1−window), p0]``).
    """
    if dirsign > 0:
        lo, hi = p0, p0 * (1.0 + window)
    else:
        lo, hi = p0 * (1.0 - window), p0
    total = 0.0
    if step > 0 and round_mass > 0:
        # the round numbers whose crowd level r·(1 ∓ offset) can lie in [lo, hi]
        shift = 1.0 - offset if dirsign > 0 else 1.0 + offset
        k0 = math.floor(lo / shift / step) - 1
        k1 = math.ceil(hi / shift / step) + 1
        for k in range(k0, k1 + 1):
            r = k * step
            if r <= 0:
                continue
            lev = r * (1.0 - offset) if dirsign > 0 else r * (1.0 + offset)
            if lo <= lev <= hi:
                total += round_mass * d1
    if swing > 0 and swing_mass > 0:
        lev = swing * (1.0 - offset) if dirsign > 0 else swing * (1.0 + offset)
        if lo <= lev <= hi:
            total += swing_mass * d1
    return total


_crowd_nb = njit(crowd_in_window_py)


def fill_batch_py(
    trigger: FloatArray,
    dirsign: FloatArray,
    order_usd: FloatArray,
    d1: FloatArray,
    swing: FloatArray,
    step: FloatArray,
    beta: float,
    round_mass: float,
    swing_mass: float,
    offset: float,
    window: float,
    max_distance: float,
) -> tuple[FloatArray, FloatArray]:
    """Fill price and slippage of stop-market orders (module docstring's fill model).

    Parameters
    ----------
    trigger : array of float
        Price the order is sent at, USD.
    dirsign : array of float
        +1 sell (a long's stop), −1 buy.
    order_usd : array of float
        The order's own notional, USD.
    d1 : array of float
        Book depth within 1 % on the hit side, USD.
    swing : array of float
        Recent swing low (sells) / high (buys), USD (0: none).
    step : array of float
        Round-number step, USD.
    beta, round_mass, swing_mass, offset, window, max_distance : float
        Fill-model parameters (:class:`FillModel`).

    Returns
    -------
    fill : array of float
        Average fill price, USD.
    slippage : array of float
        ``s·(trigger − fill)/trigger`` (fraction, >= 0).
    """
    n = len(trigger)
    fill = np.empty(n, np.float64)
    slip = np.empty(n, np.float64)
    for i in range(n):
        q = order_usd[i] + crowd_in_window_py(
            trigger[i],
            dirsign[i],
            d1[i],
            swing[i],
            step[i],
            round_mass,
            swing_mass,
            offset,
            window,
        )
        dstar = 0.01 * (q / d1[i]) ** (1.0 / beta)
        dstar = min(dstar, max_distance)
        s = beta / (beta + 1.0) * dstar
        slip[i] = s
        fill[i] = trigger[i] * (1.0 - dirsign[i] * s)
    return fill, slip


def _compiled_twin(py: Any, **compiled: Any) -> Any:
    """``py`` compiled, its calls to the module-level names ``compiled`` going to those.

    One body for both twins: the plain-Python ``py`` calls plain-Python helpers, and
    its compiled twin is the same code object compiled with those names bound to the
    helpers' compiled twins (a closure would do the same but defeat numba's on-disk
    cache: its key pickles the closure's dispatchers, which differ per process).
    """
    name = py.__name__.removesuffix("_py") + "_nb"
    glob = {**py.__globals__, **compiled}
    f = types.FunctionType(py.__code__, glob, name, py.__defaults__, py.__closure__)
    f.__qualname__ = name
    f.__doc__ = f"Compiled twin of :func:`{py.__name__}` (the same code)."
    return njit(f)


fill_batch_nb = _compiled_twin(fill_batch_py, crowd_in_window_py=_crowd_nb)
