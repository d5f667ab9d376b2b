"""The fitted return model of Monte Carlo paths and its joint innovations.

Each asset's daily percent log returns are fitted with ``arch`` (through
:func:`liqcascade.volatility.fit_volatility`); a path evolves each asset's variance
by the fitted recursion (GJR-GARCH or EGARCH), fed with the *cascade-augmented*
return so that liquidations raise the next step's volatility. Innovations:

- ``method="garch"``: drawn from the fitted error distribution (``arch``'s
  standardised ``ppf``); several assets are joined by a Gaussian copula with the
  correlation of their standardised residuals on common days (the dependence of
  the bodies; tail dependence beyond the copula's is not modelled);
- ``method="fhs"``: filtered historical simulation — days of standardised
  residuals bootstrapped *jointly* (one day index for every asset), so the
  dependence between assets, tails included, is the recorded one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from liqcascade._json import SummaryDict
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.stress._kernels import MODEL_EGARCH, MODEL_GJR

__all__ = ["METHODS", "AssetModel", "JointModel", "fit_joint_model"]

METHODS: tuple[str, ...] = ("garch", "fhs")

#: Ceiling on a path's daily variance, percent² (a 40 % daily sigma): keeps the
#: fat-tailed recursion finite on extreme draws; ETH's largest daily move since 2017
#: is −27 % (2020-03-12).
SIGMA2_CAP: float = 1600.0


@dataclass(frozen=True, eq=False)
class AssetModel:
    """One asset's fitted variance recursion (``arch``'s percent units).

    Attributes
    ----------
    asset : str
    p0 : float
        Start price, USD.
    model : str
        ``"garch"``, ``"gjr"`` or ``"egarch"``.
    mu, omega, alpha, gamma, beta : float
        Parameters (``gamma = 0`` for GARCH). ``mu`` is the daily drift of the
        paths, percent: 0 under the default ``drift="zero"`` of
        :func:`fit_joint_model`, the fitted constant mean under ``drift="fitted"``.
    sigma2_0 : float
        The fitted one-step-ahead variance at the start, percent².
    dist_params : array
        Parameters of the fitted error distribution (``nu``; ``eta, lambda``).
    distribution : arch.univariate.distribution.Distribution
        The fitted standardised error distribution (``arch``'s object; its ``ppf``
        gives the innovations).
    mu_fitted : float
        The fitted constant mean, percent a day (kept for the record whatever ``mu``).
    """

    asset: str
    p0: float
    model: str
    mu: float
    omega: float
    alpha: float
    gamma: float
    beta: float
    sigma2_0: float
    dist_params: FloatArray
    distribution: Any = field(repr=False)
    mu_fitted: float = math.nan

    @property
    def model_code(self) -> int:
        """Kernel code: 0 GJR/GARCH, 1 EGARCH."""
        return MODEL_EGARCH if self.model == "egarch" else MODEL_GJR

    def ppf(self, u: FloatArray) -> FloatArray:
        """Standardised innovations of the fitted distribution at probabilities ``u``.

        Parameters
        ----------
        u : array of float
            Probabilities, each in (0, 1).

        Returns
        -------
        array of float
            The standardised (unit-variance) innovations, same shape as ``u``.
        """
        p = self.dist_params if self.dist_params.size else None
        return np.asarray(self.distribution.ppf(u, p), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class JointModel(SummaryDict):
    """Fitted models of the assets of a portfolio and how their innovations join.

    Attributes
    ----------
    assets : tuple of str
    models : tuple of AssetModel
    method : {"garch", "fhs"}
    corr : 2-D array
        Correlation of the standardised residuals on common days.
    resid : 2-D array (days, assets)
        Standardised residuals on common days (FHS bootstrap pool).
    start, end : pandas.Timestamp
        Span of the fitted returns.
    drift : {"zero", "fitted"}
        The paths' drift (see :func:`fit_joint_model`).
    """

    assets: tuple[str, ...]
    models: tuple[AssetModel, ...]
    method: str
    corr: FloatArray
    resid: FloatArray = field(repr=False)
    start: pd.Timestamp
    end: pd.Timestamp
    drift: str = "zero"

    def innovations(self, rng: np.random.Generator, n: int, horizon: int) -> list[FloatArray]:
        """Standardised innovations, one (n, horizon) array per asset, from ``rng``.

        Parameters
        ----------
        rng : numpy.random.Generator
            The random source (the chunk's, so a seed gives the same paths).
        n : int
            Number of paths.
        horizon : int
            Steps per path (days: the model is fitted on daily returns).

        Returns
        -------
        list of 2-D array (n, horizon)
            One array per asset, in the order of ``assets``: unit-variance draws of
            the fitted distribution joined by the copula (``"garch"``), or recorded
            standardised residuals bootstrapped by common day (``"fhs"``).
        """
        k = len(self.assets)
        if self.method == "fhs":
            idx = rng.integers(0, self.resid.shape[0], size=(n, horizon))
            return [np.ascontiguousarray(self.resid[idx, j]) for j in range(k)]
        g = rng.standard_normal(size=(k, n, horizon))
        if k > 1:
            chol = np.linalg.cholesky(self.corr)
            g = np.einsum("ij,jnt->int", chol, g)
        u = np.clip(stats.norm.cdf(g), 1e-12, 1 - 1e-12)
        return [np.ascontiguousarray(m.ppf(u[j])) for j, m in enumerate(self.models)]

    def summary(self) -> dict[str, Any]:
        """Parameters per asset, method, span."""
        return {
            "method": self.method,
            "drift": self.drift,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "models": {
                m.asset: {
                    "model": m.model,
                    "p0": m.p0,
                    "mu": m.mu,
                    "mu_fitted": m.mu_fitted,
                    "omega": m.omega,
                    "alpha": m.alpha,
                    "gamma": m.gamma,
                    "beta": m.beta,
                    "sigma_0_pct": math.sqrt(m.sigma2_0),
                }
                for m in self.models
            },
            "corr": self.corr.tolist(),
        }


def asset_model(fit: Any, p0: float, drift: str = "fitted") -> AssetModel:
    """An :class:`AssetModel` from a :class:`liqcascade.volatility.VolatilityFit`.

    ``drift="zero"`` sets the paths' mean to 0 (``mu_fitted`` keeps the fitted one).
    """
    res = fit.result
    fc = res.forecast(horizon=1, reindex=False)
    s2 = float(fc.variance.to_numpy()[-1, 0])
    return result_model(res, str(fit.asset or ""), fit.model, p0, s2, drift)


def result_model(
    res: Any, asset: str, model: str, p0: float, sigma2_0: float, drift: str = "fitted"
) -> AssetModel:
    """An :class:`AssetModel` from ``arch``'s fitted result and a start variance.

    Parameters
    ----------
    res : arch.univariate.base.ARCHModelResult
        The fit of the asset's daily percent log returns.
    asset : str
        Label.
    model : {"garch", "gjr", "egarch"}
        The variance model ``res`` fitted.
    p0 : float
        Start price, USD (1: paths in multiples of the start).
    sigma2_0 : float
        The variance of the first step, percent² (capped at :data:`SIGMA2_CAP`).
    drift : {"zero", "fitted"}, default "fitted"
        The paths' daily mean: 0, or the fitted constant (``mu_fitted`` keeps it either way).
    """
    par = res.params
    dist_names = list(res.model.distribution.parameter_names())
    mu = float(par.get("mu", 0.0))
    s2 = float(sigma2_0)
    return AssetModel(
        asset=asset,
        p0=float(p0),
        model=model,
        mu=mu if drift == "fitted" else 0.0,
        omega=float(par["omega"]),
        alpha=float(par["alpha[1]"]),
        gamma=float(par.get("gamma[1]", 0.0)),
        beta=float(par["beta[1]"]),
        sigma2_0=min(s2, SIGMA2_CAP),
        dist_params=np.array([float(par[n]) for n in dist_names]),
        distribution=res.model.distribution,
        mu_fitted=mu,
    )


def fit_joint_model(
    assets: list[str] | tuple[str, ...],
    prices: dict[str, float],
    *,
    as_of: pd.Timestamp,
    method: str = "fhs",
    model: str = "gjr",
    dist: str = "t",
    start: Any = "2017-08-17",
    fits: dict[str, Any] | None = None,
    drift: str = "zero",
    closes: dict[str, pd.Series] | None = None,
) -> JointModel:
    """Fit each asset's daily returns up to ``as_of`` and join them.

    Parameters
    ----------
    assets : list of str
        ``"ETH"``, ``"BTC"`` or any asset whose daily closes ``closes`` holds.
    prices : dict
        Start price per asset, USD.
    as_of : pandas.Timestamp
        Last daily bar (label, UTC) of the fitted returns: bars labelled after it are not
        read (a market's is ``StressMarket.last_daily``, the last bar closed by its
        close).
    method : {"fhs", "garch"}, default "fhs"
        Innovations (see module docstring). FHS is the default: it keeps the
        recorded fat tails and the joint ETH–BTC tail dependence.
    model : {"gjr", "egarch", "garch"}, default "gjr"
    dist : {"t", "normal", "skewt"}, default "t"
    start : datetime-like, default the first bundled day
    fits : dict, optional
        Pre-computed :class:`~liqcascade.volatility.VolatilityFit` per asset (reused).
    drift : {"zero", "fitted"}, default "zero"
        The paths' daily mean. Zero is the risk convention: the constant mean fitted
        on years of a rising market (ETH: about +0.1 % a day) would put the 30-day
        median above today's price and shrink the VaR by a forecast nobody can make.
        ``"fitted"`` keeps the fitted mean. The variance recursion is the same either
        way (the residual is the return less the drift the path was drawn with).
    closes : dict, optional
        Asset -> daily closes (USD, UTC days), e.g. a store's; the returns are cut at
        ``as_of``. An asset not in it uses the bundled daily closes. Timestamps must be
        strictly increasing: an unsorted or duplicated series is refused
        (``param="closes"``, the first time out of order named).

    Returns
    -------
    JointModel
    """
    import liqcascade.data as _bundled
    from liqcascade.volatility import check_dist, check_model, fit_volatility, log_returns

    if method not in METHODS:
        raise InputError(
            f"method must be one of {', '.join(METHODS)} (got {method!r})", param="method"
        )
    model = check_model(model)
    dist = check_dist(dist)
    if drift not in ("zero", "fitted"):
        raise InputError(f"drift must be 'zero' or 'fitted' (got {drift!r})", param="drift")
    fitted = []
    resid = []
    for a in assets:
        f = (fits or {}).get(a)
        if f is None:
            close, name = (closes or {}).get(a), "closes"  # refused as the caller's param
            if close is None:
                close, name = _bundled.ohlcv(a, "1d")["close"], "close"
            r = log_returns(close, start, as_of, name=name)
            f = fit_volatility(r, model, dist, interval="1d", asset=a)
        fitted.append(asset_model(f, prices[a], drift))
        resid.append(f.std_resid.rename(a))
    return join_models(fitted, resid, method=method, drift=drift)


def join_models(
    models: list[AssetModel], resid: list[pd.Series], *, method: str = "fhs", drift: str = "zero"
) -> JointModel:
    """The :class:`JointModel` of fitted assets: their residuals on common days joined.

    Parameters
    ----------
    models : list of AssetModel
        One per asset, in the paths' order.
    resid : list of pandas.Series
        Each asset's standardised residuals (dimensionless), indexed by day (UTC); the
        days all of them hold, without a NaN, are the FHS pool and give the correlation.
    method : {"fhs", "garch"}, default "fhs"
    drift : {"zero", "fitted"}, default "zero"

    Raises
    ------
    InputError
        Fewer than 100 common days.
    """
    assets = [m.asset for m in models]
    frame = pd.concat(resid, axis=1, join="inner").dropna()
    if len(frame) < 100:
        raise InputError(f"too few common days of returns for {', '.join(assets)}: {len(frame)}")
    pool = np.ascontiguousarray(frame.to_numpy(dtype=np.float64))
    corr = np.atleast_2d(np.corrcoef(pool, rowvar=False)) if len(assets) > 1 else np.ones((1, 1))
    return JointModel(
        assets=tuple(assets),
        models=tuple(models),
        method=method,
        corr=corr,
        resid=pool,
        start=frame.index[0],
        end=frame.index[-1],
        drift=drift,
    )
