"""Numba kernels of the stress paths (flat arrays, trusted inputs).

A path over a *fixed* book needs no copy of the book: every long (and sell stop)
with a trigger at or above the lowest price reached is gone, every short (and buy
stop) at or below the highest. A path's state is therefore its running extremes
``lo`` and ``hi``; triggers are sorted once (down side descending, up side
ascending, see :mod:`liqcascade.stress._market`) so the orders a price reaches are a
prefix found by binary search, and their base size and USD notional are differences
of prefix sums: O(log n) per round, whatever the book's size.

One step of a path (:func:`cascade_step`): an exogenous move takes price from the
previous level to ``x``; if ``x`` passes the running extreme, the newly triggered
positions and stops sell (buy) ``Q`` base units, i.e. ``Q·x`` USD, into the step's
book, whose cumulative depth (USD against the fractional distance from ``x``) is
piecewise linear between the calibrated levels; the market order moves price to
``x·(1 ∓ d(Q·x))``, which may trigger more; rounds repeat until nothing new
triggers. The book is taken as refreshed around the new price at every step (the
steps are hours to days apart); the cascade's displacement is permanent.

The pure-Python twins (``*_py``) scan the unsorted positions with plain loops and
are held equal to the kernels by the tests.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from liqcascade._normal import SQRT_2_OVER_PI
from liqcascade._numba import NUMBA_DISABLED, njit
from liqcascade._typing import FloatArray

if NUMBA_DISABLED:
    prange = range
else:
    from numba import prange  # type: ignore[assignment]

#: arch's EGARCH centring constant E|z| for a standard normal, √(2/π): the package's
#: one (volatility's fits and forecasts read it too).
EGARCH_ABS_MEAN: float = SQRT_2_OVER_PI

MODEL_GJR = 0  # GARCH is GJR with gamma = 0
MODEL_EGARCH = 1


@njit
def _count_down(trig: FloatArray, y: float) -> int:  # pragma: no cover - compiled
    """Number of entries of ``trig`` (sorted descending) that are >= ``y``."""
    lo, hi = 0, trig.size
    while lo < hi:
        mid = (lo + hi) // 2
        if trig[mid] >= y:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _count_up(trig: FloatArray, y: float) -> int:  # pragma: no cover - compiled
    """Number of entries of ``trig`` (sorted ascending) that are <= ``y``."""
    lo, hi = 0, trig.size
    while lo < hi:
        mid = (lo + hi) // 2
        if trig[mid] <= y:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _impact(usd: float, dist: FloatArray, cum: FloatArray) -> float:  # pragma: no cover
    """Fractional distance a market order of ``usd`` walks (piecewise-linear depth)."""
    n = cum.size
    if n < 2 or usd <= 0.0:
        return 0.0
    if usd >= cum[n - 1]:
        return dist[n - 1]
    lo, hi = 0, n - 1  # find j with cum[j] <= usd < cum[j+1]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if cum[mid] <= usd:
            lo = mid
        else:
            hi = mid
    w = (usd - cum[lo]) / (cum[hi] - cum[lo])
    return dist[lo] + w * (dist[hi] - dist[lo])


@njit
def cascade_step(  # pragma: no cover - compiled
    x: float,
    pref: float,
    lo: float,
    hi: float,
    trig_dn: FloatArray,
    cumb_dn: FloatArray,
    cumliq_dn: FloatArray,
    dist_dn: FloatArray,
    depth_dn: FloatArray,
    trig_up: FloatArray,
    cumb_up: FloatArray,
    cumliq_up: FloatArray,
    dist_up: FloatArray,
    depth_up: FloatArray,
    impact: float,
    max_rounds: int,
) -> tuple[float, float, float]:
    """Cascade after an exogenous move to ``x`` given the running extremes.

    ``pref`` is the step's opening price (USD): the triggered base size is valued
    at it, so the order's USD size does not depend on ``x`` and a deeper move never
    triggers less (the round map is monotone in ``x``).

    Returns ``(price, liquidated_long_usd, liquidated_short_usd)``: the post-cascade
    price (USD) and the liquidated notional (USD at the liquidation prices) newly
    triggered. ``impact`` scales the book impact (0 turns the feedback off:
    liquidations are still counted at ``x``).
    """
    if x < lo:
        n0 = _count_down(trig_dn, lo)
        y = x
        q_prev = -1.0
        n1 = n0
        for _ in range(max_rounds):
            n1 = _count_down(trig_dn, y)
            q = cumb_dn[n1] - cumb_dn[n0]
            if q == q_prev:
                break
            q_prev = q
            y = x * (1.0 - impact * _impact(q * pref, dist_dn, depth_dn))
        return y, cumliq_dn[n1] - cumliq_dn[n0], 0.0
    if x > hi:
        n0 = _count_up(trig_up, hi)
        y = x
        q_prev = -1.0
        n1 = n0
        for _ in range(max_rounds):
            n1 = _count_up(trig_up, y)
            q = cumb_up[n1] - cumb_up[n0]
            if q == q_prev:
                break
            q_prev = q
            y = x * (1.0 + impact * _impact(q * pref, dist_up, depth_up))
        return y, 0.0, cumliq_up[n1] - cumliq_up[n0]
    return x, 0.0, 0.0


@njit(inline="always")
def next_variance(  # pragma: no cover - compiled
    ratio: float,
    sig: float,
    s2: float,
    par: tuple[float, float, float, float, float],
    model: int,
    sigma2_cap: float,
) -> float:
    """The variance of a path's next step after its price moved by ``ratio``.

    The one variance step of :func:`mc_kernel` and :func:`price_paths_kernel` (compiled
    into each: ``inline="always"``). The step's return ``e = 100·log(ratio) − mu``
    (percent, the mean taken off) feeds the GJR (GARCH: ``gamma = 0``) or EGARCH
    recursion; the result is capped at ``sigma2_cap``.

    Parameters
    ----------
    ratio : float
        The step's closing price over its opening price (after the cascade, if any).
    sig : float
        The step's volatility, percent (``sqrt(s2)``).
    s2 : float
        The step's variance, percent².
    par : tuple of float
        ``mu, omega, alpha, gamma, beta`` in ``arch``'s percent units.
    model : int
        0 GJR, 1 EGARCH.
    sigma2_cap : float
        Ceiling on the variance, percent².

    Returns
    -------
    float
        The next step's variance, percent².
    """
    mu, omega, alpha, gamma, beta = par
    e = 100.0 * math.log(ratio) - mu
    if model == 1:
        ls2 = (
            omega + alpha * (abs(e) / sig - EGARCH_ABS_MEAN) + gamma * e / sig + beta * math.log(s2)
        )
        v = math.exp(min(ls2, 700.0))
    else:
        neg = 1.0 if e < 0.0 else 0.0
        v = omega + (alpha + gamma * neg) * e * e + beta * s2
    if v > sigma2_cap:
        v = sigma2_cap
    return v


@njit(parallel=True)
def mc_kernel(  # pragma: no cover - compiled
    z: FloatArray,
    p0: float,
    mu: float,
    omega: float,
    alpha: float,
    gamma: float,
    beta: float,
    model: int,
    sigma2_0: float,
    sigma2_cap: float,
    trig_dn: FloatArray,
    cumb_dn: FloatArray,
    cumliq_dn: FloatArray,
    dist_dn: FloatArray,
    depth_dn: FloatArray,
    trig_up: FloatArray,
    cumb_up: FloatArray,
    cumliq_up: FloatArray,
    dist_up: FloatArray,
    depth_up: FloatArray,
    impact: float,
    max_rounds: int,
) -> FloatArray:
    """Monte Carlo paths with the cascade at every step and volatility feedback.

    Parameters
    ----------
    z : 2-D array (paths, steps)
        Standardised innovations (unit variance).
    p0 : float
        Start price, USD.
    mu, omega, alpha, gamma, beta : float
        Fitted parameters in ``arch``'s percent units (returns ``100·Δlog``).
    model : int
        0 GJR (GARCH with ``gamma = 0``), 1 EGARCH.
    sigma2_0 : float
        Variance of the first step, percent².
    sigma2_cap : float
        Ceiling on the variance, percent² (keeps fat-tailed draws finite).
    trig_*, cumb_*, cumliq_*, dist_*, depth_* : arrays
        The sorted book (see :func:`cascade_step`).
    impact, max_rounds
        Impact scale (1 on, 0 off) and round limit per step.

    Returns
    -------
    2-D array (paths, 5)
        Final price, lowest, highest (USD), liquidated long, short notional (USD).
    """
    n, t = z.shape
    par = (mu, omega, alpha, gamma, beta)
    out = np.empty((n, 5))
    for i in prange(n):
        p = p0
        lo = p0
        hi = p0
        s2 = sigma2_0
        liq_l = 0.0
        liq_s = 0.0
        for k in range(t):
            sig = math.sqrt(s2)
            x = p * math.exp((mu + sig * z[i, k]) / 100.0)
            y, dl, ds = cascade_step(
                x,
                p,
                lo,
                hi,
                trig_dn,
                cumb_dn,
                cumliq_dn,
                dist_dn,
                depth_dn,
                trig_up,
                cumb_up,
                cumliq_up,
                dist_up,
                depth_up,
                impact,
                max_rounds,
            )
            liq_l += dl
            liq_s += ds
            s2 = next_variance(y / p, sig, s2, par, model, sigma2_cap)
            p = y
            if y < lo:
                lo = y
            if y > hi:
                hi = y
        out[i, 0] = p
        out[i, 1] = lo
        out[i, 2] = hi
        out[i, 3] = liq_l
        out[i, 4] = liq_s
    return out


@njit
def price_paths_kernel(  # pragma: no cover - compiled
    z: FloatArray,
    p0: float,
    mu: float,
    omega: float,
    alpha: float,
    gamma: float,
    beta: float,
    model: int,
    sigma2_0: float,
    sigma2_cap: float,
) -> FloatArray:
    """Final prices of :func:`mc_kernel`'s paths without a book (no cascade), step by step.

    The VaR back-test's paths (:func:`liqcascade.stress.var_backtest`): with an empty
    book :func:`cascade_step` returns the exogenous move itself (``x·(1 − 1·0)`` is
    ``x``), so a path is its variance recursion alone. The arithmetic is
    :func:`mc_kernel`'s, operation for operation (column 0 of its output, the same
    floats); the loops are turned round, every path advanced one step at a time, so the
    paths' independent chains of ``sqrt``, ``exp`` and ``log`` overlap in the processor
    instead of waiting on each other (about 3-4 times faster on one thread).

    Parameters
    ----------
    z : 2-D array (paths, steps)
        Standardised innovations (unit variance).
    p0 : float
        Start price, USD.
    mu, omega, alpha, gamma, beta : float
        Fitted parameters in ``arch``'s percent units (returns ``100·Δlog``).
    model : int
        0 GJR (GARCH with ``gamma = 0``), 1 EGARCH.
    sigma2_0 : float
        Variance of the first step, percent².
    sigma2_cap : float
        Ceiling on the variance, percent².

    Returns
    -------
    1-D array (paths,)
        Final price of each path, USD.
    """
    n, t = z.shape
    par = (mu, omega, alpha, gamma, beta)
    p = np.full(n, p0)
    s2 = np.full(n, sigma2_0)
    for k in range(t):
        for i in range(n):
            sig = math.sqrt(s2[i])
            x = p[i] * math.exp((mu + sig * z[i, k]) / 100.0)
            s2[i] = next_variance(x / p[i], sig, s2[i], par, model, sigma2_cap)
            p[i] = x
    return p


@njit
def replay_kernel(  # pragma: no cover - compiled
    low: FloatArray,
    high: FloatArray,
    close: FloatArray,
    p_start: float,
    trig_dn: FloatArray,
    cumb_dn: FloatArray,
    cumliq_dn: FloatArray,
    dist_dn: FloatArray,
    depth_dn: FloatArray,
    trig_up: FloatArray,
    cumb_up: FloatArray,
    cumliq_up: FloatArray,
    dist_up: FloatArray,
    depth_up: FloatArray,
    impact: float,
    max_rounds: int,
) -> FloatArray:
    """One recorded path of bars (low, then high, then close) with the cascade.

    The cascade's displacement is carried by a factor ``g`` multiplying the
    recorded prices from then on; with ``impact = 0``, ``g`` stays 1 and the path
    is the recorded one exactly.

    Returns
    -------
    2-D array (bars, 5)
        Low, high, close (USD) of the simulated path, liquidated long and short
        notional in the bar (USD).
    """
    t = close.size
    out = np.empty((t, 5))
    g = 1.0
    lo = p_start
    hi = p_start
    pref = p_start
    for k in range(t):
        out[k, 3] = 0.0
        out[k, 4] = 0.0
        for j in range(2):  # the bar's low (column 0), then its high (column 1)
            x = (low[k] if j == 0 else high[k]) * g
            y, dl, ds = cascade_step(
                x, pref, lo, hi, trig_dn, cumb_dn, cumliq_dn, dist_dn, depth_dn,
                trig_up, cumb_up, cumliq_up, dist_up, depth_up, impact, max_rounds,
            )  # fmt: skip
            if y != x:
                g *= y / x
            if j == 0:
                lo = min(lo, y)
            else:
                hi = max(hi, y)
            out[k, j] = y
            out[k, 3] += dl
            out[k, 4] += ds
        c = close[k] * g
        out[k, 2] = min(max(c, out[k, 0]), out[k, 1])
        pref = out[k, 2]
    return out


# --- pure-Python twins -------------------------------------------------------------


def impact_py(usd: float, dist: list[float], cum: list[float]) -> float:
    """Walk the cumulative depth level by level (twin of the kernel's bisection)."""
    if len(cum) < 2 or usd <= 0.0:
        return 0.0
    if usd >= cum[-1]:
        return dist[-1]
    for j in range(len(cum) - 1):
        if cum[j] <= usd < cum[j + 1]:
            w = (usd - cum[j]) / (cum[j + 1] - cum[j])
            return dist[j] + w * (dist[j + 1] - dist[j])
    return dist[-1]  # pragma: no cover


def cascade_step_py(
    x: float, pref: float, lo: float, hi: float, book: Any, impact: float, max_rounds: int
) -> tuple[float, float, float]:
    """Twin of :func:`cascade_step` on an unsorted :class:`~._market.StressBook`.

    Scans every order: down side triggers ``trigger >= price`` (not yet gone:
    ``trigger < lo``), up side ``trigger <= price`` (``trigger > hi``).
    """
    for down in (True, False):
        if down and not x < lo:
            continue
        if not down and not x > hi:
            continue
        trig = book.raw_trig_dn if down else book.raw_trig_up
        size = book.raw_size_dn if down else book.raw_size_up
        isliq = book.raw_isliq_dn if down else book.raw_isliq_up
        dist = list(book.dist_dn if down else book.dist_up)
        cum = list(book.depth_dn if down else book.depth_up)
        y = x
        q_prev = -1.0
        hit: list[int] = []
        for _ in range(max_rounds):
            if down:
                hit = [j for j in range(len(trig)) if lo > trig[j] >= y]
            else:
                hit = [j for j in range(len(trig)) if hi < trig[j] <= y]
            q = float(math.fsum(size[j] for j in hit))
            if math.isclose(q, q_prev, rel_tol=1e-12, abs_tol=1e-12):
                break
            q_prev = q
            d = impact * impact_py(q * pref, dist, cum)
            y = x * (1.0 - d) if down else x * (1.0 + d)
        usd = float(math.fsum(size[j] * trig[j] for j in hit if isliq[j]))
        return (y, usd, 0.0) if down else (y, 0.0, usd)
    return x, 0.0, 0.0


def next_variance_py(
    ratio: float,
    sig: float,
    s2: float,
    params: tuple[float, float, float, float, float],
    model: int,
    sigma2_cap: float,
) -> float:
    """Twin of :func:`next_variance` (``params = mu, omega, alpha, gamma, beta``), percent²."""
    mu, omega, alpha, gamma, beta = params
    e = 100.0 * math.log(ratio) - mu
    if model == MODEL_EGARCH:
        ls2 = (
            omega + alpha * (abs(e) / sig - EGARCH_ABS_MEAN) + gamma * e / sig + beta * math.log(s2)
        )
        s2 = math.exp(min(ls2, 700.0))
    else:
        s2 = omega + (alpha + (gamma if e < 0 else 0.0)) * e * e + beta * s2
    return min(s2, sigma2_cap)


def mc_paths_py(
    z: FloatArray,
    p0: float,
    params: tuple[float, float, float, float, float],
    model: int,
    sigma2_0: float,
    sigma2_cap: float,
    book: Any,
    impact: float,
    max_rounds: int,
) -> FloatArray:
    """Twin of :func:`mc_kernel` with plain loops (``params = mu, omega, alpha, gamma, beta``)."""
    mu = params[0]
    out = np.empty((z.shape[0], 5))
    for i in range(z.shape[0]):
        p = lo = hi = p0
        s2 = sigma2_0
        liq_l = liq_s = 0.0
        for k in range(z.shape[1]):
            sig = math.sqrt(s2)
            x = p * math.exp((mu + sig * float(z[i, k])) / 100.0)
            y, dl, ds = cascade_step_py(x, p, lo, hi, book, impact, max_rounds)
            liq_l += dl
            liq_s += ds
            s2 = next_variance_py(y / p, sig, s2, params, model, sigma2_cap)
            p = y
            lo = min(lo, y)
            hi = max(hi, y)
        out[i] = (p, lo, hi, liq_l, liq_s)
    return out


def price_paths_py(
    z: FloatArray,
    p0: float,
    params: tuple[float, float, float, float, float],
    model: int,
    sigma2_0: float,
    sigma2_cap: float,
) -> FloatArray:
    """Twin of :func:`price_paths_kernel`: one path at a time, plain loops.

    ``params = mu, omega, alpha, gamma, beta``; the final price of each path (USD).
    """
    mu = params[0]
    out = np.empty(z.shape[0])
    for i in range(z.shape[0]):
        p = p0
        s2 = sigma2_0
        for k in range(z.shape[1]):
            sig = math.sqrt(s2)
            x = p * math.exp((mu + sig * float(z[i, k])) / 100.0)
            s2 = next_variance_py(x / p, sig, s2, params, model, sigma2_cap)
            p = x
        out[i] = p
    return out


def replay_py(
    low: FloatArray,
    high: FloatArray,
    close: FloatArray,
    p_start: float,
    book: Any,
    impact: float,
    max_rounds: int,
) -> FloatArray:
    """Twin of :func:`replay_kernel`."""
    out = np.empty((close.size, 5))
    g = 1.0
    lo = hi = pref = p_start
    for k in range(close.size):
        x = float(low[k]) * g
        y, dl, ds = cascade_step_py(x, pref, lo, hi, book, impact, max_rounds)
        if y != x:
            g *= y / x
        lo = min(lo, y)
        out[k, 0], out[k, 3], out[k, 4] = y, dl, ds
        x = float(high[k]) * g
        y, dl, ds = cascade_step_py(x, pref, lo, hi, book, impact, max_rounds)
        if y != x:
            g *= y / x
        hi = max(hi, y)
        out[k, 1] = y
        out[k, 3] += dl
        out[k, 4] += ds
        out[k, 2] = min(max(float(close[k]) * g, out[k, 0]), out[k, 1])
        pref = float(out[k, 2])
    return out
