r"""A log-sd that depends on the bar's size: the observation law's variance function.

The book's observation law is hurdle log-normal with one log-sd ``sigma`` for every
bar (:mod:`liqcascade.positions._likelihood`). On the record the log residual's spread
falls with the bar's size: about 1.3-1.6 on the bars whose median is the floor alone
(the feed's background of small liquidations, which the book does not model), about
0.45-0.65 on the bars the book dominates (which carry most of the dollars). The
variance function here mixes the two by the floor's share of the bar's median:

.. math::

    \sigma_i^2 = s_{big}^2 + (s_{small}^2 - s_{big}^2)\, w_i, \qquad
    w_i = \min(\mathrm{floor} / \mathrm{median}_i, 1)

Two parameters, bounded on both sides (the log-sd of a floor-only bar and its limit on
a bar the book dominates); one ``sigma`` is the case ``s_small = s_big``. It is a
second step: given a fit's medians (the shape fit, ``scale``, ``floor`` and ``p_zero``
untouched) ``(s_small, s_big)`` maximise the likelihood of the positive bars' log
residuals (:func:`fit_size_sigma`). A ``log sigma = a + b log median`` form was
fitted too and was worse on every fitting window (docs/validation.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from liqcascade._typing import FloatArray

_LOG2PI = math.log(2.0 * math.pi)

#: The fewest positive bars with which the two log-sds are estimated; below it (or when
#: every bar has the same floor share) both are the one ``sigma`` of the residuals.
MIN_POSITIVE_BARS: int = 20


def floor_share(median: FloatArray, floor_usd: float) -> FloatArray:
    """The floor's share of each bar's median, ``min(floor / median, 1)`` (fraction).

    Parameters
    ----------
    median : array
        Medians of the positive part, USD (> 0).
    floor_usd : float
        The law's floor, USD (>= 0).
    """
    med = np.asarray(median, dtype=np.float64)
    return np.asarray(np.minimum(floor_usd / np.maximum(med, 1e-300), 1.0), dtype=np.float64)


def size_sigma_loglik(resid: FloatArray, share: FloatArray, s_small: float, s_big: float) -> float:
    """Gaussian log-likelihood of log residuals under the variance function.

    Parameters
    ----------
    resid : array
        ``log y - log median`` of the positive bars (log units).
    share : array
        Each bar's floor share (:func:`floor_share`), in [0, 1].
    s_small, s_big : float
        Log-sd of a floor-only bar and of a bar without floor (log units, > 0).

    Returns
    -------
    float
        ``sum(-0.5 * (log(2 pi v_i) + r_i^2 / v_i))``, ``v_i = s_big^2 + (s_small^2 -
        s_big^2) w_i`` (the density of ``log y``; the law's density of ``y`` adds
        ``-sum(log y)``, the same for every variance function).
    """
    r = np.asarray(resid, dtype=np.float64)
    v = s_big**2 + (s_small**2 - s_big**2) * np.asarray(share, dtype=np.float64)
    return float(-0.5 * np.sum(_LOG2PI + np.log(v) + r * r / v))


def size_sigma_loglik_py(
    resid: FloatArray, share: FloatArray, s_small: float, s_big: float
) -> float:
    """Plain-Python twin of :func:`size_sigma_loglik` (a loop over bars), for tests."""
    total = 0.0
    for r, w in zip(resid, share, strict=True):
        v = s_big * s_big + (s_small * s_small - s_big * s_big) * float(w)
        total += -0.5 * (_LOG2PI + math.log(v) + float(r) * float(r) / v)
    return total


@dataclass(frozen=True)
class SizeSigma:
    """A fitted variance function (see the module docstring).

    Attributes
    ----------
    s_small, s_big : float
        Log-sd of a floor-only bar and of a bar without floor (log units, > 0).
    loglik, loglik_const : float
        Log-likelihood of the positive bars' log residuals under the variance function
        and under one log-sd (its maximum, ``sqrt(mean r^2)``), given the medians.
    n : int
        Positive bars used.
    """

    s_small: float
    s_big: float
    loglik: float
    loglik_const: float
    n: int

    @property
    def aic_gain(self) -> float:
        """AIC of one log-sd minus that of the variance function (one parameter more)."""
        return 2.0 * (self.loglik - self.loglik_const) - 2.0

    def sigma(self, median: FloatArray, floor_usd: float) -> FloatArray:
        """Each bar's log-sd (log units, > 0) for medians ``median`` (USD) and ``floor_usd``."""
        w = floor_share(median, floor_usd)
        return np.sqrt(self.s_big**2 + (self.s_small**2 - self.s_big**2) * w)


def constant_sigma(sigma: float, n: int = 0) -> SizeSigma:
    """The variance function of one log-sd ``sigma`` (log units): the law as fitted."""
    return SizeSigma(s_small=sigma, s_big=sigma, loglik=math.nan, loglik_const=math.nan, n=n)


def fit_size_sigma(y: FloatArray, median: FloatArray, floor_usd: float) -> SizeSigma:
    """Maximum-likelihood ``(s_small, s_big)`` on the positive bars, given the medians.

    Parameters
    ----------
    y : array
        Recorded amounts, USD (>= 0; the zeros are the hurdle's and are left out).
    median : array
        The fit's median per bar, USD (> 0), aligned with ``y``.
    floor_usd : float
        The fit's floor, USD.

    Returns
    -------
    SizeSigma
        With fewer than :data:`MIN_POSITIVE_BARS` positive bars, or a floor share that
        does not vary, both log-sds are the one of the residuals (``sqrt(mean r^2)``).
    """
    yy = np.asarray(y, dtype=np.float64)
    med = np.asarray(median, dtype=np.float64)
    pos = np.isfinite(yy) & (yy > 0) & (med > 0)
    r = np.log(yy[pos]) - np.log(med[pos])
    w = floor_share(med[pos], floor_usd)
    n = int(r.shape[0])
    if n == 0:
        raise ValueError("fit_size_sigma: no positive recorded amount")
    s0 = math.sqrt(max(float(np.mean(r * r)), 1e-12))
    ll0 = size_sigma_loglik(r, np.zeros_like(r), s0, s0)
    if n < MIN_POSITIVE_BARS or float(np.ptp(w)) < 1e-6:
        return SizeSigma(s0, s0, ll0, ll0, n)
    r2 = r * r

    def nll(x: FloatArray) -> tuple[float, FloatArray]:
        a, b = math.exp(2.0 * x[0]), math.exp(2.0 * x[1])
        v = b + (a - b) * w
        g = 0.5 * (1.0 / v - r2 / (v * v))  # d nll / d v
        f = 0.5 * float(np.sum(_LOG2PI + np.log(v) + r2 / v))
        return f, np.array([2.0 * a * float(g @ w), 2.0 * b * float(g @ (1.0 - w))])

    x0 = np.array([math.log(s0), math.log(s0)])
    res = minimize(nll, x0, jac=True, method="L-BFGS-B", bounds=[(-12.0, 5.0)] * 2,
                   options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 500})  # fmt: skip
    s_small, s_big = (math.exp(float(v)) for v in res.x)
    ll = size_sigma_loglik(r, w, s_small, s_big)
    if not ll >= ll0:  # never worse than the one log-sd it contains
        return SizeSigma(s0, s0, ll0, ll0, n)
    return SizeSigma(s_small, s_big, ll, ll0, n)


__all__ = [
    "MIN_POSITIVE_BARS",
    "SizeSigma",
    "constant_sigma",
    "fit_size_sigma",
    "floor_share",
    "size_sigma_loglik",
    "size_sigma_loglik_py",
]
