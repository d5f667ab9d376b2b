"""Closed-form quantities of a fitted GARCH-family model.

All functions take the parameters as ``arch`` names them (``omega``, ``alpha[1]``,
``gamma[1]``, ``beta[1]``, ``nu``, ``eta``, ``lambda``) and returns in percent
(``100 × Δlog close``), so variances are in percent² per bar.

Conventions (``arch``'s, checked against its recursions in the tests):

- GARCH(1,1): ``σ²_t = ω + α ε²_{t-1} + β σ²_{t-1}``.
- GJR-GARCH(1,1,1): ``σ²_t = ω + α ε²_{t-1} + γ ε²_{t-1} 1[ε_{t-1} < 0] + β σ²_{t-1}``;
  ``γ > 0`` means falls raise volatility more than rises (the leverage effect).
- EGARCH(1,1,1): ``ln σ²_t = ω + α (|e_{t-1}| − √(2/π)) + γ e_{t-1} + β ln σ²_{t-1}``,
  ``e = ε/σ``; ``γ < 0`` means falls raise volatility more (the leverage effect).
  ``arch`` centres ``|e|`` with the normal ``√(2/π)`` whatever the error distribution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
from scipy import integrate

from liqcascade._limits import real_number
from liqcascade._normal import SQRT_2_OVER_PI
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError

Model = Literal["garch", "gjr", "egarch"]
Params: TypeAlias = Mapping[str, float] | pd.Series

MODELS: tuple[str, ...] = ("garch", "gjr", "egarch")
DISTS: tuple[str, ...] = ("normal", "t", "skewt")


def _param(params: Params, key: str) -> float:
    """``params[key]`` as a finite float, or InputError (``param="params"``)."""
    try:
        raw = params[key]
    except (KeyError, IndexError, TypeError):
        raise InputError(
            f"params must hold {key!r} (arch's name; got keys {sorted(map(str, params))})"
            if isinstance(params, Mapping | pd.Series)
            else f"params must be a mapping or a pandas Series of arch's names (got {params!r})",
            param="params",
        ) from None
    v = real_number(raw)
    if v is None or not math.isfinite(v):
        raise InputError(f"params[{key!r}] must be a finite number (got {raw!r})", param="params")
    return v


def _model(model: str) -> str:
    """``model`` lower-cased, or InputError: another name fell through to GJR's formula."""
    m = str(model).lower()
    if m not in MODELS:
        raise InputError(f"model must be one of {', '.join(MODELS)} (got {model!r})", param="model")
    return m


def _dist_params(params: Params, dist: str) -> list[float]:
    """The distribution's shape, checked: ``nu > 2`` (t), ``eta > 2`` and ``|lambda| < 1``.

    Outside them the unit-variance error does not exist: ``nu = 2`` gave NaN moments,
    ``nu <= 1`` a math domain error.
    """
    d = str(dist).lower()
    if d not in DISTS:
        raise InputError(f"dist must be one of {', '.join(DISTS)} (got {dist!r})", param="dist")
    if d == "normal":
        return []
    names = ("nu",) if d == "t" else ("eta", "lambda")
    shape = [_param(params, k) for k in names]
    if shape[0] <= 2.0:
        raise InputError(
            f"params[{names[0]!r}] must be > 2 for a unit-variance {d} error (got {shape[0]:g})",
            param="params",
        )
    if d == "skewt" and not -1.0 < shape[1] < 1.0:
        raise InputError(
            f"params['lambda'] must be in (-1, 1) for the skew-t (got {shape[1]:g})",
            param="params",
        )
    return shape


@lru_cache(maxsize=256)
def _moments(dist: str, shape: tuple[float, ...]) -> tuple[float, float]:
    """``(κ, E|e|)`` of the standardised error: κ = E[e² 1(e<0)]."""
    if dist == "normal":
        return 0.5, SQRT_2_OVER_PI
    from arch.univariate.distribution import Normal, SkewStudent, StudentsT

    classes: dict[str, Any] = {"normal": Normal, "t": StudentsT, "skewt": SkewStudent}
    d = classes[dist]()
    params = np.asarray(shape, dtype=float)

    if dist == "t":
        nu = shape[0]
        # E|e| of a unit-variance Student-t(nu), closed form.
        e_abs = (
            2.0
            * math.sqrt(nu - 2.0)
            * math.exp(math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2))
            / ((nu - 1.0) * math.sqrt(math.pi))
        )
        return 0.5, e_abs

    # Skew-t: integrate the density (arch's log-likelihood at unit variance) over e.
    def pdf(x: float) -> float:
        ll = d.loglikelihood(params, np.array([x]), np.ones(1), individual=True)
        return float(np.exp(np.asarray(ll, dtype=float)[0]))

    kappa = integrate.quad(lambda x: x * x * pdf(x), -np.inf, 0.0, limit=200)[0]
    e_abs = integrate.quad(lambda x: -x * pdf(x), -np.inf, 0.0, limit=200)[0]
    e_abs += integrate.quad(lambda x: x * pdf(x), 0.0, np.inf, limit=200)[0]
    return float(kappa), float(e_abs)


def negative_share(params: Params, dist: str) -> float:
    """κ = E[e² · 1(e < 0)] of the standardised error distribution.

    Exactly 0.5 for the normal and Student-t; for the skew-t it is computed by
    numerical integration (``λ > 0``, a right-skewed error, gives κ < 0.5).

    Parameters
    ----------
    params : mapping or pandas.Series
        Fitted parameters under ``arch``'s names (returns in percent). Only the
        distribution's shape is read: ``nu`` (``"t"``), ``eta`` and ``lambda``
        (``"skewt"``).
    dist : {"normal", "t", "skewt"}
        Error distribution.

    Returns
    -------
    float
        κ, dimensionless, in (0, 1).
    """
    return _moments(str(dist).lower(), tuple(_dist_params(params, dist)))[0]


def expected_abs(params: Params, dist: str) -> float:
    """E|e| of the standardised error distribution (√(2/π) for the normal).

    Parameters
    ----------
    params : mapping or pandas.Series
        Fitted parameters under ``arch``'s names (returns in percent). Only the
        distribution's shape is read (``nu``; ``eta``, ``lambda``).
    dist : {"normal", "t", "skewt"}
        Error distribution.

    Returns
    -------
    float
        E|e| of the unit-variance error, dimensionless.
    """
    return _moments(str(dist).lower(), tuple(_dist_params(params, dist)))[1]


def persistence(params: Params, model: str, dist: str = "normal") -> float:
    """Persistence of the variance process (dimensionless).

    GARCH: ``α + β``. GJR: ``α + β + κγ`` with ``κ = E[e² 1(e<0)]`` (0.5 for the normal
    and Student-t, numerically integrated for the skew-t). EGARCH: ``β`` (persistence of
    ``ln σ²``).

    Parameters
    ----------
    params : mapping or pandas.Series
        Fitted parameters under ``arch``'s names (returns in percent).
    model : {"garch", "gjr", "egarch"}
        Variance model.
    dist : {"normal", "t", "skewt"}, default "normal"
        Error distribution (GJR's κ).
    """
    model = _model(model)
    beta = _param(params, "beta[1]")
    if model == "egarch":
        return beta
    alpha = _param(params, "alpha[1]")
    if model == "garch":
        return alpha + beta
    return alpha + beta + negative_share(params, dist) * _param(params, "gamma[1]")


def half_life_bars(p: float) -> float:
    """Bars for a variance shock to halve: ``ln 0.5 / ln p`` (inf when ``p ≥ 1``, 0 if ≤ 0).

    Parameters
    ----------
    p : float
        Persistence per bar (:func:`persistence`), dimensionless.

    Returns
    -------
    float
        Half-life, bars (multiply by the bar length for time).
    """
    v = real_number(p)
    if v is None or math.isnan(v):
        raise InputError(f"p must be a number (got {p!r})", param="p")
    return _half_life(v)


def _half_life(p: float) -> float:
    """:func:`half_life_bars` unchecked (a failed fit's NaN persistence gives inf)."""
    if not p < 1.0:  # NaN too
        return math.inf
    if p <= 0.0:
        return 0.0
    return math.log(0.5) / math.log(p)


def unconditional_variance(params: Params, model: str, dist: str = "normal") -> float:
    """Long-run variance per bar, percent².

    GARCH/GJR: ``ω / (1 − persistence)`` (nan when persistence ≥ 1). EGARCH:
    ``exp(E[ln σ²])`` with ``E[ln σ²] = (ω + α (E|e| − √(2/π))) / (1 − β)`` — the
    geometric-mean level of the variance (below its arithmetic mean, by Jensen).

    Parameters
    ----------
    params : mapping or pandas.Series
        Fitted parameters under ``arch``'s names (returns in percent).
    model : {"garch", "gjr", "egarch"}
        Variance model.
    dist : {"normal", "t", "skewt"}, default "normal"
        Error distribution.
    """
    model = _model(model)
    p = persistence(params, model, dist)
    if not math.isfinite(p) or p >= 1.0:
        return math.nan
    omega = _param(params, "omega")
    if model == "egarch":
        alpha = _param(params, "alpha[1]")
        mean_log = (omega + alpha * (expected_abs(params, dist) - SQRT_2_OVER_PI)) / (1.0 - p)
        return math.exp(mean_log)
    return omega / (1.0 - p)


def next_variance(
    params: Params,
    model: str,
    eps: FloatArray | float,
    sigma2_prev: FloatArray | float,
) -> FloatArray:
    """One-step variance ``σ²_t`` given the shock ``ε_{t-1}`` (percent) and ``σ²_{t-1}``.

    Vectorised over ``eps`` and ``sigma2_prev`` (broadcast). The news impact curve is
    this function of ``ε`` at a fixed ``σ²_{t-1}``.

    Parameters
    ----------
    params : mapping or pandas.Series
        Fitted parameters under ``arch``'s names (returns in percent). ``gamma[1]`` is
        read as 0 when absent (GARCH).
    model : {"garch", "gjr", "egarch"}
        Variance model.
    eps : float or array of float
        Previous shock ``ε_{t-1}`` (return minus ``mu``), percent.
    sigma2_prev : float or array of float
        Previous conditional variance ``σ²_{t-1}``, percent², > 0.

    Returns
    -------
    array of float
        ``σ²_t``, percent² per bar (0-d for scalar inputs).

    Raises
    ------
    InputError
        ``param="params"``, ``"model"``, ``"eps"`` or ``"sigma2_prev"``: a parameter
        missing or not finite, another model, a shock that is not finite, a previous
        variance that is not finite and > 0, or a variance past float range (a NaN or
        infinite input gave a NaN or infinite variance; ``eps = 1e300`` overflowed).
    """
    model = _model(model)
    for key in ("omega", "alpha[1]", "beta[1]") + (("gamma[1]",) if "gamma[1]" in params else ()):
        _param(params, key)
    e = np.asarray(eps, dtype=float)
    s2 = np.asarray(sigma2_prev, dtype=float)
    if not np.isfinite(e).all():
        raise InputError(f"eps must be finite (got {e[~np.isfinite(e)].ravel()[0]:g})", param="eps")
    if not (np.isfinite(s2) & (s2 > 0)).all():
        bad = s2[~(np.isfinite(s2) & (s2 > 0))].ravel()[0]
        raise InputError(f"sigma2_prev must be finite and > 0 (got {bad:g})", param="sigma2_prev")
    with np.errstate(over="ignore", invalid="ignore"):
        out = _next_variance(params, model, e, s2)
    if not np.isfinite(out).all():
        raise InputError(
            "eps and sigma2_prev give a variance past float range "
            f"(largest |eps| {float(np.abs(e).max()):g}, sigma2_prev {float(s2.max()):g})",
            param=("eps", "sigma2_prev"),
        )
    return out


def _next_variance(
    params: Params,
    model: str,
    eps: FloatArray | float,
    sigma2_prev: FloatArray | float,
) -> FloatArray:
    """:func:`next_variance` unchecked, for the simulation's loop (inputs already valid)."""
    e = np.asarray(eps, dtype=float)
    sigma2_prev = np.asarray(sigma2_prev, dtype=float)
    omega = float(params["omega"])
    alpha = float(params["alpha[1]"])
    beta = float(params["beta[1]"])
    gamma = float(params.get("gamma[1]", 0.0))
    if model == "egarch":
        z = e / np.sqrt(sigma2_prev)
        ln_s2 = omega + alpha * (np.abs(z) - SQRT_2_OVER_PI) + gamma * z
        ln_s2 = ln_s2 + beta * np.log(sigma2_prev)
        return np.asarray(np.exp(ln_s2), dtype=float)
    out = omega + alpha * e**2 + beta * sigma2_prev
    if model == "gjr":
        out = out + gamma * e**2 * (e < 0)
    return np.asarray(out, dtype=float)


def egarch_lyapunov(params: Params, std_resid: FloatArray) -> float:
    """Sample Lyapunov exponent of the EGARCH(1,1,1) log-variance filter.

    The filter ``h_t = ln σ²_t = ω + α(|ε_{t-1}| e^{−h_{t-1}/2} − √(2/π))
    + γ ε_{t-1} e^{−h_{t-1}/2} + β h_{t-1}`` rebuilds the variance from the returns; its
    sensitivity to its own past is ``∂h_t/∂h_{t-1} = β − (α|e_{t-1}| + γ e_{t-1})/2``
    (``e = ε/σ``). The exponent is the mean of ``ln|∂h_t/∂h_{t-1}|`` over the sample.
    Negative: the filter forgets its starting value, and the likelihood is a smooth
    function of the parameters (the filter is invertible; Straumann & Mikosch 2006,
    Wintenberger 2013). Positive: a small change in a parameter is amplified at every
    step, and the likelihood is a comb of needles whose tips an optimiser finds or
    misses by the last bits of its arithmetic.

    Parameters
    ----------
    params : mapping or pandas.Series
        EGARCH parameters under ``arch``'s names (``alpha[1]``, ``gamma[1]``,
        ``beta[1]``; ``gamma[1]`` read as 0 when absent).
    std_resid : array of float
        Standardised residuals ``e_t`` (dimensionless) of the fit at ``params``.

    Returns
    -------
    float
        The exponent (per bar); NaN when no residual is finite.
    """
    e = np.asarray(std_resid, dtype=float)
    e = e[np.isfinite(e)]
    if e.size == 0:
        return math.nan
    alpha = float(params["alpha[1]"])
    gamma = float(params.get("gamma[1]", 0.0))
    beta = float(params["beta[1]"])
    d = np.abs(beta - 0.5 * (alpha * np.abs(e) + gamma * e))
    with np.errstate(divide="ignore"):
        return float(np.mean(np.log(d)))
