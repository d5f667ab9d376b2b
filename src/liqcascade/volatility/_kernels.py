"""Numba kernels of the GARCH-family log-likelihood (flat arrays, trusted inputs).

One pass computes what ``arch``'s ``ARCHModel._loglikelihood`` computes for a constant
mean: the residuals ``y − μ``, the variance recursion (``arch``'s compiled
``garch_recursion`` for GARCH/GJR of power 2, ``egarch_recursion`` for EGARCH, each with
its bounds check), the per-observation log densities (normal, Student-t, Hansen's
skew-t) and their sum. Every floating-point operation is the one ``arch`` does, in the
same order: the per-observation ``log``, ``exp`` and ``sqrt`` are the C library's, as in
``arch`` and in NumPy's float64 loops on this machine's CPUs, and the sum is NumPy's
pairwise summation (:func:`pairwise_sum`), so the value equals ``arch``'s to the last bit
where the C library and NumPy agree (tested: equal to ~1e-13 relative or better). The
distributions' constants (``lnΓ``, skew-t's ``a``, ``b``, ``c``) depend on the shape
parameters alone: the caller computes them as ``arch`` does (:mod:`._loglik`) and passes
them in.

The orders liqcascade fits (GARCH(1,1), GJR(1,1,1), EGARCH(1,1,1)) run variance and
density in one loop (:func:`_garch11_one_loop`, :func:`_egarch111_one_loop`): the
density's logs of a bar then overlap the recursion's wait on the bar before, 5-35 %
less time a pass, with the same operations in the same order as the separate passes
(tested equal to them).

The pure-Python twins (``*_py``) run the same loops uncompiled; the tests hold them equal
to the kernels and the kernels equal to ``arch``.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from liqcascade._numba import njit
from liqcascade._typing import FloatArray
from liqcascade.volatility._formulas import SQRT_2_OVER_PI

#: The variance models (``kind``): ``arch``'s GARCH of power 2 (GJR when ``o`` > 0), EGARCH.
VOL_GARCH = 0
VOL_EGARCH = 1

#: The error distributions (``dist``): normal, Student-t, Hansen's skew-t.
DIST_NORMAL = 0
DIST_T = 1
DIST_SKEWT = 2

#: ``arch``'s EGARCH centring constant E|z| = sqrt(2/π) (its recursions' literal
#: 0.79788456080286535587989211 is the same double): the package's one constant.
SQRT2_OV_PI = SQRT_2_OVER_PI

#: The cap of EGARCH's log variance in ``arch``'s compiled recursion, ``log(DBL_MAX)``
#: (its pure-Python fallback caps 0.1 lower: :mod:`._loglik` passes the one ``arch`` uses).
LNSIGMA_MAX = math.log(sys.float_info.max)

_DBL_MAX = sys.float_info.max
_BLOCK = 128  # NumPy's PW_BLOCKSIZE


@njit
def _block_sum(a: FloatArray, start: int, n: int) -> float:  # pragma: no cover - compiled
    """NumPy's sum of a run of at most 128 values: eight running partial sums, then the rest."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[start + i]
        return res
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = 8
    stop = n - (n % 8)
    while i < stop:
        k = start + i
        r0 += a[k]
        r1 += a[k + 1]
        r2 += a[k + 2]
        r3 += a[k + 3]
        r4 += a[k + 4]
        r5 += a[k + 5]
        r6 += a[k + 6]
        r7 += a[k + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[start + i]
        i += 1
    return res


@njit
def pairwise_sum(a: FloatArray) -> float:  # pragma: no cover - compiled
    """NumPy's pairwise sum: bit for bit ``np.sum`` of a contiguous float64 array.

    Runs of at most 128 are summed by :func:`_block_sum`; a longer run splits at half
    its length rounded down to a multiple of 8 and adds its halves' sums. NumPy recurses;
    this walks the same tree with a stack (a cached numba function must not recurse).

    Parameters
    ----------
    a : ndarray of float64
        The values.

    Returns
    -------
    float
        Their sum.
    """
    size = 2 * 64 + 2  # a run halves at each level: at most 64 levels
    f_start = np.empty(size, dtype=np.int64)
    f_n = np.empty(size, dtype=np.int64)
    f_state = np.empty(size, dtype=np.int64)
    vals = np.empty(size)
    top, nv = 0, 0
    f_start[0], f_n[0], f_state[0] = 0, a.shape[0], 0
    while top >= 0:
        s, n, state = f_start[top], f_n[top], f_state[top]
        if n <= _BLOCK:
            vals[nv] = _block_sum(a, s, n)
            nv += 1
            top -= 1
            continue
        n2 = n // 2
        n2 -= n2 % 8
        if state == 0:  # the left half first
            f_state[top] = 1
            top += 1
            f_start[top], f_n[top], f_state[top] = s, n2, 0
        elif state == 1:  # then the right
            f_state[top] = 2
            top += 1
            f_start[top], f_n[top], f_state[top] = s + n2, n - n2, 0
        else:  # both done: left + right
            nv -= 1
            vals[nv - 1] = vals[nv - 1] + vals[nv]
            top -= 1
    return vals[0]


@njit
def _bounded(s: float, lo: float, hi: float) -> float:  # pragma: no cover - compiled
    """``arch``'s ``bounds_check``: below ``lo`` → ``lo``; above ``hi`` → ``hi + log(s/hi)``."""
    if s < lo:
        return lo
    if s > hi:
        if s > _DBL_MAX:
            return hi + 1000.0
        return hi + math.log(s / hi)
    return s


@njit
def garch_variance(
    resids: FloatArray,
    vp: FloatArray,
    p: int,
    o: int,
    q: int,
    backcast: float,
    var_bounds: FloatArray,
    sigma2: FloatArray,
) -> None:  # pragma: no cover - compiled
    """``arch``'s GARCH(p, o, q) recursion of power 2 (GJR when ``o`` > 0), into ``sigma2``.

    Parameters
    ----------
    resids : ndarray of float64
        Residuals ``y − μ`` (percent per bar).
    vp : ndarray of float64
        ``omega, alpha[1..p], gamma[1..o], beta[1..q]`` (``omega`` in percent²).
    p, o, q : int
        Orders.
    backcast : float
        Pre-sample variance (percent²).
    var_bounds : ndarray, shape (n, 2)
        ``arch``'s per-bar lower and upper variance bounds (percent²).
    sigma2 : ndarray of float64
        Output: conditional variances (percent²).
    """
    for t in range(resids.shape[0]):
        s = vp[0]
        loc = 1
        for j in range(p):
            if t - 1 - j < 0:
                s += vp[loc] * backcast
            else:
                e = abs(resids[t - 1 - j])
                s += vp[loc] * (e * e)
            loc += 1
        for j in range(o):
            if t - 1 - j < 0:
                s += vp[loc] * 0.5 * backcast
            else:
                e = resids[t - 1 - j]
                s += vp[loc] * (abs(e) * abs(e)) * (1.0 if e < 0.0 else 0.0)
            loc += 1
        for j in range(q):
            if t - 1 - j < 0:
                s += vp[loc] * backcast
            else:
                s += vp[loc] * sigma2[t - 1 - j]
            loc += 1
        sigma2[t] = _bounded(s, var_bounds[t, 0], var_bounds[t, 1])


@njit(inline="always")
def _egarch_bounded(
    v: float, lo: float, hi: float, lnsigma_max: float
) -> tuple[float, float]:  # pragma: no cover - compiled
    """One EGARCH bar's variance and log variance within ``arch``'s bounds.

    The log variance ``v`` capped at ``lnsigma_max``; its variance below ``lo`` → ``lo``,
    above ``hi`` → ``hi + log(s) − log(hi)``, the log variance following (``arch``'s
    ``egarch_recursion``). Returns ``(s, v)``.
    """
    if v > lnsigma_max:
        v = lnsigma_max
    s = math.exp(v)
    if s < lo:
        s = lo
        v = math.log(s)
    elif s > hi:
        s = hi + math.log(s) - math.log(hi)
        v = math.log(s)
    return s, v


@njit
def egarch_variance(
    resids: FloatArray,
    vp: FloatArray,
    p: int,
    o: int,
    q: int,
    backcast: float,
    var_bounds: FloatArray,
    lnsigma_max: float,
    sigma2: FloatArray,
) -> None:  # pragma: no cover - compiled
    """``arch``'s EGARCH(p, o, q) recursion, into ``sigma2``.

    Parameters
    ----------
    resids, vp, p, o, q, var_bounds, sigma2
        As :func:`garch_variance` (``vp``: ``omega, alpha, gamma, beta`` of the log
        variance).
    backcast : float
        Pre-sample log variance.
    lnsigma_max : float
        Cap of the log variance (:data:`LNSIGMA_MAX`).
    """
    n = resids.shape[0]
    lns = np.empty(n)
    z = np.empty(n)
    az = np.empty(n)
    for t in range(n):
        v = vp[0]
        loc = 1
        for j in range(p):
            if t - 1 - j >= 0:
                v += vp[loc] * (az[t - 1 - j] - SQRT2_OV_PI)
            loc += 1
        for j in range(o):
            if t - 1 - j >= 0:
                v += vp[loc] * z[t - 1 - j]
            loc += 1
        for j in range(q):
            if t - 1 - j < 0:
                v += vp[loc] * backcast
            else:
                v += vp[loc] * lns[t - 1 - j]
            loc += 1
        s, v = _egarch_bounded(v, var_bounds[t, 0], var_bounds[t, 1], lnsigma_max)
        lns[t] = v
        sigma2[t] = s
        z[t] = resids[t] / math.sqrt(s)
        az[t] = abs(z[t])


@njit
def _sign(x: float) -> float:  # pragma: no cover - compiled
    """``np.sign`` of a float: -1, 0, 1, or NaN."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    if x == 0.0:
        return 0.0
    return x


@njit
def _density(e: float, s: float, dist: int, c: FloatArray) -> float:  # pragma: no cover
    """One bar's log density (nats) from its residual and variance (:func:`densities`)."""
    if dist == DIST_NORMAL:
        return -0.5 * ((c[0] + math.log(s)) + (e * e) / s)
    if dist == DIST_T:
        v = c[0] - 0.5 * math.log(s)
        return v - c[1] * math.log(1.0 + (e * e) / (s * c[2]))
    zt = e / math.sqrt(s)
    v = c[0] - math.log(s) / 2.0
    w = (c[1] * zt + c[2]) / (1.0 + _sign(zt + c[3]) * c[4])
    return v - c[5] * math.log(1.0 + (w * w) / c[6])


@njit
def densities(
    resids: FloatArray, sigma2: FloatArray, dist: int, c: FloatArray, lls: FloatArray
) -> None:  # pragma: no cover - compiled
    """``arch``'s per-observation log densities, into ``lls``.

    Parameters
    ----------
    resids, sigma2 : ndarray of float64
        Residuals (percent) and conditional variances (percent²).
    dist : int
        :data:`DIST_NORMAL`, :data:`DIST_T` or :data:`DIST_SKEWT`.
    c : ndarray of float64
        The distribution's constants (:func:`liqcascade.volatility._loglik.dist_constants`):
        normal ``[log 2π]``; t ``[lnΓ term, (ν+1)/2, ν−2]``; skew-t ``[log b + c, b, a,
        a/b, λ (clipped), (η+1)/2, η−2]``.
    lls : ndarray of float64
        Output: log densities (nats).
    """
    for t in range(resids.shape[0]):
        lls[t] = _density(resids[t], sigma2[t], dist, c)


@njit
def loglik(
    y: FloatArray,
    mu: float,
    vp: FloatArray,
    kind: int,
    p: int,
    o: int,
    q: int,
    backcast: float,
    var_bounds: FloatArray,
    dist: int,
    c: FloatArray,
    lnsigma_max: float,
    sigma2: FloatArray,
    lls: FloatArray,
) -> float:  # pragma: no cover - compiled
    """The log-likelihood of a constant-mean GARCH-family model, as ``arch`` sums it.

    Parameters
    ----------
    y : ndarray of float64
        Returns fitted (percent per bar).
    mu : float
        Constant mean (percent per bar).
    vp : ndarray of float64
        The variance model's parameters (:func:`garch_variance`, :func:`egarch_variance`).
    kind : int
        :data:`VOL_GARCH` or :data:`VOL_EGARCH`.
    p, o, q : int
        Orders.
    backcast : float
        Pre-sample variance (GARCH, percent²) or log variance (EGARCH).
    var_bounds : ndarray, shape (n, 2)
        ``arch``'s variance bounds.
    dist : int
        The distribution (:func:`densities`).
    c : ndarray of float64
        Its constants.
    lnsigma_max : float
        EGARCH's log-variance cap.
    sigma2, lls : ndarray of float64
        Outputs: conditional variances (percent²) and log densities (nats).

    Returns
    -------
    float
        The log-likelihood (nats): NumPy's pairwise sum of ``lls``.
    """
    n = y.shape[0]
    resids = np.empty(n)
    for t in range(n):
        resids[t] = y[t] - mu
    if kind == VOL_EGARCH and p == 1 and o == 1 and q == 1:
        _egarch111_one_loop(resids, vp, dist, backcast, var_bounds, lnsigma_max, c, sigma2, lls)
    elif kind == VOL_EGARCH:
        egarch_variance(resids, vp, p, o, q, backcast, var_bounds, lnsigma_max, sigma2)
        densities(resids, sigma2, dist, c, lls)
    elif kind == VOL_GARCH and p == 1 and o <= 1 and q == 1:
        _garch11_one_loop(resids, vp, o, dist, backcast, var_bounds, c, sigma2, lls)
    else:
        garch_variance(resids, vp, p, o, q, backcast, var_bounds, sigma2)
        densities(resids, sigma2, dist, c, lls)
    return pairwise_sum(lls)


@njit
def _garch11_one_loop(
    resids: FloatArray,
    vp: FloatArray,
    o: int,
    dist: int,
    backcast: float,
    var_bounds: FloatArray,
    c: FloatArray,
    sigma2: FloatArray,
    lls: FloatArray,
) -> None:  # pragma: no cover - compiled
    """GARCH(1,1) or GJR(1,1,1) (``o`` 0 or 1): variance and density of each bar in one loop."""
    omega, alpha = vp[0], vp[1]
    gamma = vp[2] if o == 1 else 0.0
    beta = vp[2 + o]
    for t in range(resids.shape[0]):
        s = omega
        if t == 0:
            s += alpha * backcast
            if o == 1:
                s += gamma * 0.5 * backcast
            s += beta * backcast
        else:
            e1 = resids[t - 1]
            a1 = abs(e1)
            s += alpha * (a1 * a1)
            if o == 1:
                s += gamma * (a1 * a1) * (1.0 if e1 < 0.0 else 0.0)
            s += beta * sigma2[t - 1]
        s = _bounded(s, var_bounds[t, 0], var_bounds[t, 1])
        sigma2[t] = s
        lls[t] = _density(resids[t], s, dist, c)


@njit
def fd_gradient(
    y: FloatArray,
    x0: FloatArray,
    h: FloatArray,
    f0: float,
    kind: int,
    p: int,
    o: int,
    q: int,
    backcast: float,
    var_bounds: FloatArray,
    dist: int,
    consts: FloatArray,
    lnsigma_max: float,
    sigma2: FloatArray,
    lls: FloatArray,
) -> FloatArray:  # pragma: no cover - compiled
    """SciPy's forward-difference gradient of the negative log-likelihood, in one call.

    For each parameter ``i``: ``x = x0`` with ``x[i] = x0[i] + h[i]``, ``f = −loglik(x)``
    and ``g[i] = (f − f0) / ((x0[i] + h[i]) − x0[i])``: SciPy's ``approx_derivative``
    (``'2-point'``) operation for operation, given its steps ``h`` (bounds-adjusted).

    Parameters
    ----------
    y, kind, p, o, q, backcast, var_bounds, dist, lnsigma_max
        As :func:`loglik`.
    x0 : ndarray of float64
        The point: ``mu``, the variance parameters, the distribution's.
    h : ndarray of float64
        The steps, one per parameter.
    f0 : float
        The negative log-likelihood at ``x0`` (nats).
    consts : ndarray, shape (n_params, n_constants)
        The distribution's constants at each perturbed point (:func:`densities`).
    sigma2, lls : ndarray of float64
        Scratch of the sample's length.

    Returns
    -------
    ndarray of float64
        The gradient (nats per unit of each parameter).
    """
    k = x0.shape[0]
    kv = 1 + p + o + q
    g = np.empty(k)
    vp = np.empty(kv)
    for i in range(k):
        for j in range(kv):
            vp[j] = x0[1 + j]
        mu = x0[0]
        if i == 0:
            mu = x0[0] + h[0]
        elif i <= kv:
            vp[i - 1] = x0[i] + h[i]
        ll = loglik(
            y, mu, vp, kind, p, o, q, backcast, var_bounds, dist, consts[i],
            lnsigma_max, sigma2, lls,
        )  # fmt: skip
        g[i] = (-ll - f0) / ((x0[i] + h[i]) - x0[i])
    return g


# --- the pure-Python twin ------------------------------------------------------------


def loglik_py(
    y: FloatArray,
    mu: float,
    vp: FloatArray,
    kind: int,
    p: int,
    o: int,
    q: int,
    backcast: float,
    var_bounds: FloatArray,
    dist: int,
    c: FloatArray,
    lnsigma_max: float,
    sigma2: FloatArray,
    lls: FloatArray,
) -> float:
    """:func:`loglik` in plain Python and NumPy: the recursions as loops, densities as arrays.

    Written apart from the kernel (the densities as ``arch`` writes them, whole arrays at
    a time; the sum by ``np.sum``), for the tests to hold the two equal. Parameters and
    return as :func:`loglik`.
    """
    n = y.shape[0]
    resids = np.asarray(y, dtype=np.float64) - mu
    lns = np.empty(n)
    z = np.empty(n)
    for t in range(n):
        v = float(vp[0])
        loc = 1
        if kind == VOL_EGARCH:
            for j in range(p):
                v += vp[loc] * (abs(z[t - 1 - j]) - SQRT2_OV_PI) if t - 1 - j >= 0 else 0.0
                loc += 1
            for j in range(o):
                v += vp[loc] * z[t - 1 - j] if t - 1 - j >= 0 else 0.0
                loc += 1
            for j in range(q):
                v += vp[loc] * (backcast if t - 1 - j < 0 else lns[t - 1 - j])
                loc += 1
            v = min(v, lnsigma_max)
            s = math.exp(v)
            if s < var_bounds[t, 0]:
                s = float(var_bounds[t, 0])
                v = math.log(s)
            elif s > var_bounds[t, 1]:
                s = var_bounds[t, 1] + math.log(s) - math.log(var_bounds[t, 1])
                v = math.log(s)
            lns[t], sigma2[t] = v, s
            z[t] = resids[t] / math.sqrt(s)
            continue
        for j in range(p):
            v += vp[loc] * (backcast if t - 1 - j < 0 else resids[t - 1 - j] ** 2)
            loc += 1
        for j in range(o):
            if t - 1 - j < 0:
                v += vp[loc] * 0.5 * backcast
            else:
                v += vp[loc] * resids[t - 1 - j] ** 2 * float(resids[t - 1 - j] < 0)
            loc += 1
        for j in range(q):
            v += vp[loc] * (backcast if t - 1 - j < 0 else sigma2[t - 1 - j])
            loc += 1
        lo, hi = var_bounds[t, 0], var_bounds[t, 1]
        if v < lo:
            v = lo
        elif v > hi:
            v = hi + 1000.0 if v > _DBL_MAX else hi + math.log(v / hi)
        sigma2[t] = v
    s2 = sigma2[:n]
    if dist == DIST_NORMAL:
        out = -0.5 * (c[0] + np.log(s2) + resids**2.0 / s2)
    elif dist == DIST_T:
        out = c[0] - 0.5 * np.log(s2)
        out -= c[1] * np.log(1 + resids**2.0 / (s2 * c[2]))
    else:
        zt = resids / s2**0.5
        out = c[0] - np.log(s2) / 2
        w = ((c[1] * zt + c[2]) / (1 + np.sign(zt + c[3]) * c[4])) ** 2
        out -= c[5] * np.log(1 + w / c[6])
    lls[:n] = out
    return float(np.sum(out))


@njit
def _egarch111_one_loop(
    resids: FloatArray,
    vp: FloatArray,
    dist: int,
    backcast: float,
    var_bounds: FloatArray,
    lnsigma_max: float,
    c: FloatArray,
    sigma2: FloatArray,
    lls: FloatArray,
) -> None:  # pragma: no cover - compiled
    """EGARCH(1,1,1): variance and density of each bar in one loop (:func:`loglik`)."""
    omega, alpha, gamma, beta = vp[0], vp[1], vp[2], vp[3]
    lns1 = 0.0
    z1 = 0.0
    az1 = 0.0
    for t in range(resids.shape[0]):
        v = omega
        if t == 0:
            v += beta * backcast
        else:
            v += alpha * (az1 - SQRT2_OV_PI)
            v += gamma * z1
            v += beta * lns1
        s, v = _egarch_bounded(v, var_bounds[t, 0], var_bounds[t, 1], lnsigma_max)
        lns1 = v
        e = resids[t]
        z1 = e / math.sqrt(s)
        az1 = abs(z1)
        sigma2[t] = s
        lls[t] = _density(e, s, dist, c)


@njit
def loglik_points(
    y: FloatArray,
    points: FloatArray,
    kind: int,
    p: int,
    o: int,
    q: int,
    backcast: float,
    var_bounds: FloatArray,
    dist: int,
    consts: FloatArray,
    lnsigma_max: float,
    out: FloatArray,
) -> None:  # pragma: no cover - compiled
    """:func:`loglik` at each row of ``points``, in one call (a numerical Hessian's points).

    Parameters
    ----------
    y, kind, p, o, q, backcast, var_bounds, dist, lnsigma_max
        As :func:`loglik`.
    points : ndarray, shape (m, n_params)
        Each row ``mu``, the variance parameters, the distribution's.
    consts : ndarray, shape (m, n_constants)
        The distribution's constants at each row (:func:`densities`).
    out : ndarray of float64, shape (m,)
        Output: the log-likelihood at each row (nats).
    """
    n = y.shape[0]
    kv = 1 + p + o + q
    sigma2 = np.empty(n)
    lls = np.empty(n)
    vp = np.empty(kv)
    for r in range(points.shape[0]):
        for j in range(kv):
            vp[j] = points[r, 1 + j]
        out[r] = loglik(
            y, points[r, 0], vp, kind, p, o, q, backcast, var_bounds, dist, consts[r],
            lnsigma_max, sigma2, lls,
        )  # fmt: skip
