"""Parameter uncertainty of a variance forecast: draws of the estimates.

The forecast of a fitted GARCH/GJR model is a point: it takes the estimates as if they
were the truth. On 1,000 daily ETH returns the GJR-GARCH-t ``beta[1]`` has a standard
error as large as itself, so the point hides most of what is unknown. This module
draws parameter sets from the estimates' asymptotic normal law (mean the estimates,
covariance ``arch``'s robust one), keeps the draws that define a stationary model of
the same family, and recomputes the whole forecast for each (the filtered variance up
to the last bar included): Krinsky and Robb's (1986) simulation of a nonlinear
function of estimates.

:func:`forecast_variance_draws` runs ``arch``'s own analytic forecast per draw; the
tests check it against a plain-Python twin (``tests/reference/volatility_reference.py``:
the recursion and the analytic multi-step forecast written out).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from liqcascade._limits import check_count, check_seed, check_whole
from liqcascade.errors import InputError
from liqcascade.volatility import _formulas as F

if TYPE_CHECKING:
    from liqcascade.volatility._fit import VolatilityFit

__all__ = ["DRAW_MODELS", "forecast_variance_draws", "valid_draw"]

#: Models whose forecast is analytic at every horizon (EGARCH's needs simulation).
DRAW_MODELS: tuple[str, ...] = ("garch", "gjr")
#: Degrees of freedom a Student-t draw must exceed (``arch``'s own lower bound).
T_NU_MIN = 2.05
#: Candidate draws tried per draw kept before giving up.
MAX_TRIES_PER_DRAW = 50


def valid_draw(params: dict[str, float], model: str, dist: str) -> bool:
    """Whether a parameter set defines a stationary model of the fitted family.

    ``omega > 0``, ``alpha, beta >= 0``, GJR ``alpha + gamma >= 0``, persistence below
    1, Student-t ``nu > 2.05``; the skew-t's ``eta > 2`` (no unit-variance error at or
    below it: the formulas refuse it) and ``lambda`` inside (−1, 1).
    """
    if not all(math.isfinite(v) for v in params.values()):
        return False
    if params["omega"] <= 0 or params["alpha[1]"] < 0 or params["beta[1]"] < 0:
        return False
    if model == "gjr" and params["alpha[1]"] + params["gamma[1]"] < 0:
        return False
    if "nu" in params and params["nu"] <= T_NU_MIN:
        return False
    if "eta" in params and params["eta"] <= 2.0:
        return False
    if "lambda" in params and not -1.0 < params["lambda"] < 1.0:
        return False
    return F.persistence(params, model, dist) < 1.0


def forecast_variance_draws(
    fit: VolatilityFit, horizon: int, *, n_draws: int = 200, seed: int = 0
) -> np.ndarray:
    """Variance forecasts of ``fit`` under ``n_draws`` draws of its parameters.

    Parameters
    ----------
    fit : VolatilityFit
        A GARCH or GJR fit (:func:`~liqcascade.volatility.fit_volatility`).
    horizon : int
        Bars ahead (>= 1).
    n_draws : int, default 200
        Parameter sets kept.
    seed : int, default 0
        Seed of the draws (the same seed gives the same draws).

    Returns
    -------
    numpy.ndarray
        ``(n_draws, horizon)``: the variance of each bar ahead (percent² per bar) under
        each draw. Empty (0 rows) when the covariance is not finite or positive
        semi-definite, or when too few draws are stationary.

    Raises
    ------
    InputError
        EGARCH (no analytic multi-step forecast), ``horizon`` or ``n_draws`` not a whole
        number >= 1 (or more draws x bars than the memory holds), ``seed`` not a whole
        number >= 0.
    """
    if fit.model not in DRAW_MODELS:
        raise InputError(
            f"model {fit.model}: parameter draws need an analytic forecast "
            f"({', '.join(DRAW_MODELS)})",
            param="model",
        )
    horizon = check_whole(horizon, "horizon")
    n_draws = check_whole(n_draws, "n_draws")
    seed = check_seed(seed)
    check_count("n_draws", n_draws, 8 * (horizon + len(fit.params) + 4))
    names = list(fit.params.index)
    mean = fit.params.to_numpy(dtype=float)
    cov = np.asarray(fit.result.param_cov, dtype=float)
    if not np.isfinite(cov).all() or np.linalg.eigvalsh((cov + cov.T) / 2).min() < -1e-12:
        return np.empty((0, horizon))
    rng = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    for _ in range(MAX_TRIES_PER_DRAW):
        batch = rng.multivariate_normal(mean, cov, size=n_draws, method="eigh")
        for row in batch:
            if valid_draw(dict(zip(names, row.tolist(), strict=True)), fit.model, fit.dist):
                kept.append(row)
                if len(kept) == n_draws:
                    break
        if len(kept) == n_draws:
            break
    if len(kept) < n_draws:
        return np.empty((0, horizon))
    model = fit.result.model
    out = np.empty((n_draws, horizon))
    for i, row in enumerate(kept):
        fc = model.forecast(params=row, horizon=horizon, reindex=False)
        out[i] = np.asarray(fc.variance.iloc[-1], dtype=float)
    return out
