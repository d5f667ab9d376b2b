"""Simulated return paths from a fitted model (parametric shocks or FHS)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import check_count, check_seed, check_whole
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.volatility._formulas import _next_variance as next_variance

if TYPE_CHECKING:
    from liqcascade.volatility._fit import VolatilityFit

SimMethod = Literal["model", "fhs"]


@dataclass(frozen=True)
class VolatilityPaths(SummaryDict):
    """Simulated returns and variances, shape ``(n_paths, horizon)``.

    Parameters
    ----------
    returns : ndarray
        Percent log returns per bar (``100 × Δlog price``), including ``mu``.
    variance : ndarray
        Conditional variance of each bar's return, percent².
    method : {"model", "fhs"}
        Shocks from the fitted error distribution, or resampled standardised residuals.
    seed : int
        Seed of the draws.
    """

    returns: FloatArray
    variance: FloatArray
    method: str
    seed: int

    def price_paths(self, last_price: float) -> FloatArray:
        """Price paths ``last_price · exp(cumsum(r)/100)`` (same units as ``last_price``).

        Parameters
        ----------
        last_price : float
            Price at the end of the sample (e.g. USD).

        Returns
        -------
        ndarray
            ``(n_paths, horizon)`` prices at the end of each bar.
        """
        return np.asarray(last_price * np.exp(np.cumsum(self.returns, axis=1) / 100.0))

    def to_frame(self) -> pd.DataFrame:
        """Per-step quantiles of the cumulative return (percent) and mean volatility."""
        cum = np.cumsum(self.returns, axis=1)
        q = np.quantile(cum, [0.01, 0.05, 0.5, 0.95, 0.99], axis=0)
        return pd.DataFrame(
            {
                "h": np.arange(1, cum.shape[1] + 1),
                "cum_p01": q[0],
                "cum_p05": q[1],
                "cum_p50": q[2],
                "cum_p95": q[3],
                "cum_p99": q[4],
                "mean_variance": self.variance.mean(axis=0),
            }
        )

    def summary(self) -> pd.Series:
        """Paths, horizon, and quantiles of the total return over the horizon (percent)."""
        tot = self.returns.sum(axis=1)
        return pd.Series(
            {
                "method": self.method,
                "seed": self.seed,
                "paths": self.returns.shape[0],
                "horizon": self.returns.shape[1],
                "total_return_p05": float(np.quantile(tot, 0.05)),
                "total_return_p50": float(np.quantile(tot, 0.5)),
                "total_return_p95": float(np.quantile(tot, 0.95)),
            },
            dtype=object,
        )

    def _repr_html_(self) -> str:
        return f"<h4>{html.escape(self.method)} paths</h4>" + self.summary().to_frame().to_html()

    def __repr__(self) -> str:
        from liqcascade._notebook import summary_repr

        return summary_repr("VolatilityPaths", self.summary().to_dict())


#: Bytes per path and bar of a simulation at its peak (the shocks, variances, returns and
#: the draw's temporaries, float64).
_PATH_BAR_BYTES = 48


def simulate_paths(
    fit: VolatilityFit,
    horizon: int,
    n_paths: int,
    *,
    method: SimMethod = "model",
    seed: int = 0,
) -> VolatilityPaths:
    """Simulate ``n_paths`` return paths of ``horizon`` bars from the end of the sample.

    The first bar's variance is the model's one-step forecast (known at the last bar);
    each later variance follows the fitted recursion (:func:`next_variance`) from the
    simulated shocks. Shocks: ``"model"`` draws the fitted error distribution (Student-t
    with its ``nu``, etc.) through ``arch``; ``"fhs"`` resamples the fit's standardised
    residuals with replacement (filtered historical simulation: the empirical tails).

    Parameters
    ----------
    fit : VolatilityFit
        A fitted model.
    horizon : int
        Bars per path (> 0).
    n_paths : int
        Paths (> 0).
    method : {"model", "fhs"}, default "model"
        Shock source.
    seed : int, default 0
        Seed (``numpy.random.default_rng``): equal seeds give equal paths.

    Returns
    -------
    VolatilityPaths

    Raises
    ------
    InputError
        Naming the parameter: ``horizon`` or ``n_paths`` not a whole number >= 1 (2.5
        raised numpy's TypeError) or more paths x bars than the memory holds (numpy's
        MemoryError), ``seed`` not a whole number >= 0, an unknown ``method``.
    """
    horizon = check_whole(horizon, "horizon")
    n_paths = check_whole(n_paths, "n_paths")
    if method not in ("model", "fhs"):
        raise InputError(f"method must be 'model' or 'fhs' (got {method!r})", param="method")
    check_count("n_paths", n_paths, _PATH_BAR_BYTES * horizon)
    rng = np.random.default_rng(check_seed(seed))
    p = fit.params
    mu = float(p["mu"])
    if method == "model":
        dist = fit.result.model.distribution
        n_shape = {"normal": 0, "t": 1, "skewt": 2}[fit.dist]
        shape = np.asarray(p.iloc[len(p) - n_shape :] if n_shape else [], dtype=float)
        draw = type(dist)(seed=rng).simulate(shape)
        z = np.asarray(draw(n_paths * horizon), dtype=float).reshape(n_paths, horizon)
    else:
        pool = fit.std_resid.dropna().to_numpy()
        z = pool[rng.integers(0, pool.size, size=(n_paths, horizon))]
    resid = np.asarray(fit.result.resid, dtype=float)
    s2_last = float(np.asarray(fit.conditional_volatility)[-1] ** 2)
    s2 = np.full(n_paths, float(next_variance(p, fit.model, resid[-1], s2_last)))
    var = np.empty((n_paths, horizon))
    ret = np.empty((n_paths, horizon))
    for h in range(horizon):
        var[:, h] = s2
        eps = np.sqrt(s2) * z[:, h]
        ret[:, h] = mu + eps
        s2 = next_variance(p, fit.model, eps, s2)
    return VolatilityPaths(returns=ret, variance=var, method=method, seed=seed)
