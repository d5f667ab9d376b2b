"""Fitting GARCH, GJR-GARCH and EGARCH on percent log returns with ``arch``."""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from arch import arch_model
from plotly.subplots import make_subplots

from liqcascade._limits import check_count, check_whole
from liqcascade._plotly_text import plain
from liqcascade._tables import number_series
from liqcascade._time import check_time_order
from liqcascade.errors import InputError
from liqcascade.volatility import _formulas as F
from liqcascade.volatility._diagnostics import DEFAULT_LAGS, ClusteringTest, clustering_test
from liqcascade.volatility._leverage import LeverageEstimate
from liqcascade.volatility._multistart import best_of, start_points
from liqcascade.volatility._returns import bars_per_day, bars_per_year
from liqcascade.volatility._slsqp import fit_arch

MIN_OBS = 100
"""Fewest returns a fit accepts: below this the GARCH likelihood is too flat to trust."""

BOUND_SLACK = 1e-6
"""Slack of ``arch``'s stationarity constraint below which a fit is at the bound."""

BOUND_PARAMS: tuple[str, ...] = ("alpha[1]", "gamma[1]", "beta[1]")
"""The variance recursion's parameters, whose Wald p-values are not standard when the fit
sits on the stationarity bound (:attr:`VolatilityFit.at_stationarity_bound`)."""


def bound_note(param: str, at_bound: bool) -> str:
    """``"at the bound: not standard"`` beside a Wald p-value the bound makes non-standard.

    At the stationarity bound the estimate is a constraint, not an interior optimum, and
    the Wald p-values of α, β and γ (:data:`BOUND_PARAMS`) do not have their usual
    distribution (the parameter lies on the edge of the space it is tested in): where
    they are printed, these words follow them (``p = 0.03, at the bound: not standard``).

    Parameters
    ----------
    param : str
        The parameter's name in ``arch`` (``"gamma[1]"``).
    at_bound : bool
        Whether the fit sits on the bound (:attr:`VolatilityFit.at_stationarity_bound`,
        ``persistence_at_bound`` in ``vol --json``).

    Returns
    -------
    str
        The words, ``""`` for another parameter or a fit off the bound.

    >>> bound_note("gamma[1]", True), bound_note("nu", True), bound_note("gamma[1]", False)
    ('at the bound: not standard', '', '')
    """
    return "at the bound: not standard" if at_bound and param in BOUND_PARAMS else ""


_ARCH_SPEC: dict[str, dict[str, Any]] = {
    "garch": {"vol": "GARCH", "p": 1, "o": 0, "q": 1},
    "gjr": {"vol": "GARCH", "p": 1, "o": 1, "q": 1},
    "egarch": {"vol": "EGARCH", "p": 1, "o": 1, "q": 1},
}
_MODEL_NAMES = {"garch": "GARCH(1,1)", "gjr": "GJR-GARCH(1,1,1)", "egarch": "EGARCH(1,1,1)"}
_DIST_NAMES = {"normal": "normal", "t": "Student-t", "skewt": "skew-t (Hansen)"}


def check_model(model: str) -> str:
    """Validate a model name (``garch``, ``gjr``, ``egarch``), case-insensitive.

    Parameters
    ----------
    model : str
        ``"garch"``, ``"gjr"`` or ``"egarch"``, any case.

    Returns
    -------
    str
        The lower-case name.

    Raises
    ------
    InputError
        For another name (``param="model"``).
    """
    m = str(model).lower()
    if m not in F.MODELS:
        raise InputError(
            f"model must be one of {', '.join(F.MODELS)} (got {model!r})", param="model"
        )
    return m


def check_dist(dist: str) -> str:
    """Validate an error distribution (``normal``, ``t``, ``skewt``), case-insensitive.

    Parameters
    ----------
    dist : str
        ``"normal"``, ``"t"`` or ``"skewt"``, any case.

    Returns
    -------
    str
        The lower-case name.

    Raises
    ------
    InputError
        For another name (``param="dist"``).
    """
    d = str(dist).lower()
    if d not in F.DISTS:
        raise InputError(f"dist must be one of {', '.join(F.DISTS)} (got {dist!r})", param="dist")
    return d


def arch_spec(returns: pd.Series, model: str, dist: str) -> Any:
    """The ``arch`` model liqcascade fits: constant mean, (1,1) orders, no rescaling.

    Parameters
    ----------
    returns : pandas.Series
        Percent log returns (``100 × Δlog close``) per bar.
    model : {"garch", "gjr", "egarch"}
        Variance model.
    dist : {"normal", "t", "skewt"}
        Error distribution.

    Returns
    -------
    arch.univariate.base.ARCHModel
        Unfitted.
    """
    d: Any = check_dist(dist)
    return arch_model(
        returns, mean="Constant", dist=d, rescale=False, **_ARCH_SPEC[check_model(model)]
    )


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


class VolatilityFit:
    """A fitted GARCH-family model of percent log returns.

    Built by :func:`fit_volatility`. Returns are ``100 × Δlog close`` (percent), so
    ``omega`` and variances are percent² per bar; the mean model is a constant ``mu``
    (percent per bar) — crypto returns show no usable autocorrelation in the mean at
    these horizons, and the constant keeps the variance estimates comparable to the
    literature.

    Parameters
    ----------
    returns : pandas.Series
        The returns fitted (percent per bar).
    model : {"garch", "gjr", "egarch"}
        Variance model.
    dist : {"normal", "t", "skewt"}
        Error distribution.
    interval : str
        Bar interval (``"1d"``, ``"1h"``); sets the day and year scaling.
    result : arch.univariate.base.ARCHModelResult
        The ``arch`` result, kept whole for anything not wrapped here.
    asset : str, optional
        Label.
    lags : int, default 10
        Lags of the clustering diagnostics.
    settled : bool, default False
        The optimiser stopped on its line search (SLSQP exit 8) and a restart from that
        point stopped at the same point (:func:`settle`): the point is taken as the
        optimum to the optimiser's precision, and :attr:`converged` is True.
    starts : int, default 1
        Starts the optimiser ran from (:func:`fit_volatility`: 1 for GARCH and GJR, 4
        for EGARCH).
    starts_agreed : int, default 1
        How many of them ended at this fit's optimum (log-likelihood within 0.01 nats,
        ``_multistart.AGREE_LOGLIK``).
    """

    def __init__(
        self,
        returns: pd.Series,
        model: str,
        dist: str,
        interval: str,
        result: Any,
        asset: str | None = None,
        lags: int = DEFAULT_LAGS,
        settled: bool = False,
        starts: int = 1,
        starts_agreed: int = 1,
    ) -> None:
        self.returns = returns
        self.model = model
        self.dist = dist
        self.interval = interval
        self.result = result
        self.asset = asset
        self.lags = lags
        self.settled = settled
        self.starts = starts
        self.starts_agreed = starts_agreed

    # --- estimates ---------------------------------------------------------------
    @property
    def n_obs(self) -> int:
        """Returns fitted."""
        return int(self.result.nobs)

    @cached_property
    def params(self) -> pd.Series:
        """Estimates, named as ``arch`` names them.

        ``mu, omega, alpha[1], gamma[1], beta[1]`` then ``nu`` (t) or ``eta, lambda`` (skew-t).
        """
        return pd.Series(self.result.params, dtype=float)

    @cached_property
    def std_err(self) -> pd.Series:
        """Robust (Bollerslev–Wooldridge) standard errors, as ``arch`` computes them."""
        return pd.Series(self.result.std_err, dtype=float)

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values (normal reference)."""
        return pd.Series(self.result.pvalues, dtype=float)

    @property
    def loglik(self) -> float:
        """Log-likelihood."""
        return float(self.result.loglikelihood)

    @property
    def aic(self) -> float:
        """Akaike information criterion."""
        return float(self.result.aic)

    @property
    def bic(self) -> float:
        """Bayesian information criterion."""
        return float(self.result.bic)

    @property
    def converged(self) -> bool:
        """Whether the optimiser converged: ``convergence_flag == 0``, or :attr:`settled`."""
        return int(self.result.convergence_flag) == 0 or self.settled

    @cached_property
    def filter_lyapunov(self) -> float:
        """EGARCH: the sample Lyapunov exponent of the variance filter at the estimate.

        See :func:`liqcascade.volatility._formulas.egarch_lyapunov`: negative when the
        filter is invertible (it forgets its start), positive when it amplifies a change
        in the parameters at every step. NaN for GARCH and GJR, whose filter
        ``σ²_t = … + β σ²_{t-1}`` contracts by ``β < 1`` whatever the data.
        """
        if self.model != "egarch":
            return math.nan
        return F.egarch_lyapunov(self.params, np.asarray(self.result.std_resid, dtype=float))

    @property
    def invertible(self) -> bool:
        """Whether the variance filter is invertible at the estimate.

        Always for GARCH and GJR; for EGARCH when :attr:`filter_lyapunov` < 0. Outside
        that region the likelihood is a comb of needles (at the highest end of BTC's
        daily 2025 EGARCH, lowering ``omega`` by 1e-5 costs 840 nats): its highest needle
        is found or missed by the machine's last bits, and no standard error applies.
        """
        return self.model != "egarch" or bool(self.filter_lyapunov < 0.0)

    @cached_property
    def reliable(self) -> bool:
        """Converged, invertible, and the Hessian-based covariance has a positive finite
        diagonal.

        A fit can "converge" to a degenerate point (a parameter on a bound, a flat
        direction) where the Hessian is singular: its robust standard errors are then
        meaningless (tiny), so tests and verdicts from such a fit are not to be trusted.
        An EGARCH fit whose filter is not :attr:`invertible` is no estimate either.
        """  # noqa: D205
        if not self.converged or not self.invertible:
            return False
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cov = self.result.model.compute_param_cov(
                    np.asarray(self.params, dtype=float), robust=False
                )
        except (ValueError, np.linalg.LinAlgError):
            return False
        d = np.diag(np.asarray(cov, dtype=float))
        return bool(np.all(np.isfinite(d)) and np.all(d > 0))

    @property
    def status(self) -> str:
        """``"ok"``, ``"did not converge"``, ``"unreliable (non-invertible filter)"`` or
        ``"unreliable (singular Hessian)"``.
        """  # noqa: D205
        if not self.converged:
            return "did not converge"
        if not self.invertible:
            return "unreliable (non-invertible filter)"
        return "ok" if self.reliable else "unreliable (singular Hessian)"

    @property
    def convergence_message(self) -> str:
        """The optimiser's message (and, when :attr:`settled`, why it is accepted)."""
        msg = str(getattr(self.result.optimization_result, "message", ""))
        if self.settled:
            msg += " (a restart from that point stops at the same point: its optimum)"
        return msg

    @cached_property
    def persistence(self) -> float:
        """Variance persistence (see :func:`liqcascade.volatility.persistence`).

        GARCH ``α+β``; GJR ``α+β+κγ`` (κ = E[e²1(e<0)], 0.5 for normal/t); EGARCH ``β``.
        """
        return F.persistence(self.params, self.model, self.dist)

    @cached_property
    def persistence_se(self) -> float:
        """Standard error of :attr:`persistence` (delta method on the fit's covariance).

        The gradient of the persistence in the parameters (``α``, ``β`` and ``κ`` for
        ``γ``; ``β`` alone for EGARCH) against arch's robust parameter covariance; the
        skew-t's ``κ`` is held at its estimate. NaN where the covariance is unavailable.
        """
        names = list(self.params.index)
        grad = np.zeros(len(names))
        weights = {"beta[1]": 1.0}
        if self.model != "egarch":
            weights["alpha[1]"] = 1.0
        if self.model == "gjr":
            weights["gamma[1]"] = F.negative_share(self.params, self.dist)
        for name, w in weights.items():
            grad[names.index(name)] = w
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cov = np.asarray(self.result.param_cov, dtype=float)
        except (ValueError, np.linalg.LinAlgError):
            return math.nan
        var = float(grad @ cov @ grad)
        return math.sqrt(var) if math.isfinite(var) and var >= 0.0 else math.nan

    @property
    def at_stationarity_bound(self) -> bool:
        """True when the estimate sits on ``arch``'s stationarity constraint.

        ``arch`` fits GARCH and GJR under ``α + β + γ/2 ≤ 1`` and EGARCH under ``β < 1``;
        when the constraint's slack is below :data:`BOUND_SLACK` the optimum is the
        bound, not an interior estimate: the persistence is a constraint there (the
        data's likelihood may peak beyond it), and a symmetric interval around it (``±
        1.96`` :attr:`persistence_se`) would run past a value the fit cannot take.
        """
        p = self.params
        if self.model == "egarch":
            slack = 1.0 - float(p["beta[1]"])
        else:
            gamma = float(p["gamma[1]"]) if "gamma[1]" in p else 0.0
            slack = 1.0 - (float(p["alpha[1]"]) + float(p["beta[1]"]) + 0.5 * gamma)
        return bool(slack < BOUND_SLACK)

    @property
    def near_integrated(self) -> bool:
        """True when a unit root in the variance cannot be excluded.

        The persistence's 95 % interval (``± 1.96`` :attr:`persistence_se`) reaches 1, or
        its standard error is unavailable and the persistence is at least 0.98. The
        long-run level (:attr:`annualized_vol`) and :attr:`half_life_days` are then not
        identified by the data.
        """
        p, se = self.persistence, self.persistence_se
        if not math.isfinite(se):
            return bool(p >= 0.98)
        return bool(p + 1.96 * se >= 1.0)

    @property
    def half_life_bars(self) -> float:
        """Bars for a variance shock to halve (inf when persistence ≥ 1).

        NaN when :attr:`near_integrated`: the data do not identify it (``summary()``
        and ``liqcascade vol`` say "not identified"); the formula's value at the point
        estimate is ``liqcascade.volatility.half_life_bars(fit.persistence)``.
        """
        if self.near_integrated:
            return math.nan
        return F._half_life(self.persistence)

    @property
    def half_life_days(self) -> float:
        """Half-life in days (hourly bars / 24); NaN when :attr:`near_integrated`."""
        return self.half_life_bars / bars_per_day(self.interval)

    @cached_property
    def unconditional_variance(self) -> float:
        """Long-run variance per bar (percent²); NaN when persistence ≥ 1."""
        return F.unconditional_variance(self.params, self.model, self.dist)

    @property
    def annualized_vol(self) -> float:
        """Long-run volatility, annualised, percent: ``√(σ̄² · bars per year)``.

        NaN when :attr:`near_integrated` (a unit root in the variance cannot be
        excluded, so the long-run level is not identified: ``summary()`` gives None and
        ``liqcascade vol`` "not identified"; :attr:`sample_annualized_vol` is the
        model-free figure), and when the persistence is 1 or more.
        """
        if self.near_integrated:
            return math.nan
        return math.sqrt(self.unconditional_variance * bars_per_year(self.interval))

    @property
    def sample_annualized_vol(self) -> float:
        """Sample standard deviation of the returns, annualised, percent (model-free)."""
        return float(np.std(self.returns.to_numpy(), ddof=1)) * math.sqrt(
            bars_per_year(self.interval)
        )

    @property
    def conditional_volatility(self) -> pd.Series:
        """Fitted σ_t, percent per bar."""
        return pd.Series(self.result.conditional_volatility, index=self.returns.index)

    @property
    def annualized_conditional_volatility(self) -> pd.Series:
        """Fitted σ_t annualised, percent (× √ bars per year)."""
        s = self.conditional_volatility * math.sqrt(bars_per_year(self.interval))
        return s.rename("conditional_vol_pct")

    @property
    def std_resid(self) -> pd.Series:
        """Standardised residuals ``(r − μ)/σ_t``."""
        return pd.Series(self.result.std_resid, index=self.returns.index)

    # --- leverage effect and diagnostics -------------------------------------------
    @cached_property
    def leverage(self) -> LeverageEstimate | None:
        """``gamma[1]`` with 95 % interval and verdict (None for symmetric GARCH)."""
        if "gamma[1]" not in self.params:
            return None
        return LeverageEstimate.from_values(
            self.model,
            self.dist,
            float(self.params["gamma[1]"]),
            float(self.std_err["gamma[1]"]),
            float(self.pvalues["gamma[1]"]),
        )

    @cached_property
    def asymmetry(self) -> tuple[float, float, float]:
        """GJR: how much more a fall raises next-bar variance than an equal rise.

        ``(α + γ) / α`` — the news impact of a negative shock over that of a positive one
        of the same size (1: no asymmetry; 2: twice as much) — with its 95 % interval by
        the delta method on ``arch``'s robust covariance (gradient ``−γ/α²`` in ``α``,
        ``1/α`` in ``γ``). NaN for GARCH and EGARCH (whose asymmetry is not a ratio of
        two coefficients), and the interval NaN where the covariance is unavailable.

        Returns
        -------
        (ratio, ci_low, ci_high)
            Dimensionless.
        """
        nan = math.nan
        if self.model != "gjr":
            return nan, nan, nan
        a, g = float(self.params["alpha[1]"]), float(self.params["gamma[1]"])
        if not a > 0.0:
            return nan, nan, nan
        ratio = (a + g) / a
        names = list(self.params.index)
        grad = np.zeros(len(names))
        grad[names.index("alpha[1]")] = -g / (a * a)
        grad[names.index("gamma[1]")] = 1.0 / a
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cov = np.asarray(self.result.param_cov, dtype=float)
        except (ValueError, np.linalg.LinAlgError):
            return ratio, nan, nan
        var = float(grad @ cov @ grad)
        if not (math.isfinite(var) and var >= 0.0):
            return ratio, nan, nan
        se = math.sqrt(var)
        return ratio, ratio - 1.96 * se, ratio + 1.96 * se

    @property
    def leverage_verdict(self) -> str | None:
        """The leverage verdict a reader may trust.

        :attr:`leverage`'s verdict when the fit is :attr:`reliable`, else its
        :attr:`status` (``"did not converge"`` …); None for symmetric GARCH.
        """
        lev = self.leverage
        if lev is None:
            return None
        return str(lev.verdict) if self.reliable else self.status

    @cached_property
    def diagnostics_raw(self) -> ClusteringTest:
        """ARCH-LM and Ljung–Box on the squared (demeaned) returns."""
        return clustering_test(self.returns, lags=self.lags, series="returns")

    @cached_property
    def diagnostics_std(self) -> ClusteringTest:
        """ARCH-LM and Ljung–Box on the squared standardised residuals (model leftovers)."""
        return clustering_test(
            self.std_resid, lags=self.lags, series="standardised residuals", demean=False
        )

    # --- curves ------------------------------------------------------------------
    def news_impact(
        self, n: int = 201, span: float = 5.0, sigma2: float | None = None
    ) -> pd.DataFrame:
        """News impact curve (Engle & Ng 1993): next-bar variance against today's shock.

        Parameters
        ----------
        n : int, default 201
            Points.
        span : float, default 5
            Shocks from ``−span·σ̄`` to ``+span·σ̄``.
        sigma2 : float, optional
            The lagged variance ``σ²_{t-1}`` the curve is drawn at (percent² per bar).
            Default: the sample variance of the returns — the same level for every
            model, so curves compare, and finite even when a fit is near-integrated
            (whose long-run variance is then not identified).

        Returns
        -------
        pandas.DataFrame
            ``shock_pct`` (percent return surprise), ``variance`` (percent² per bar),
            ``vol_annual_pct`` (annualised percent).
        """
        s2 = float(np.var(self.returns.to_numpy(), ddof=1)) if sigma2 is None else sigma2
        if not math.isfinite(s2) or s2 <= 0:
            raise InputError(f"sigma2 must be > 0 (got {s2})", param="sigma2")
        eps = np.linspace(-span, span, n) * math.sqrt(s2)
        var = F.next_variance(self.params, self.model, eps, s2)
        return pd.DataFrame(
            {
                "shock_pct": eps,
                "variance": var,
                "vol_annual_pct": np.sqrt(var * bars_per_year(self.interval)),
            }
        )

    def forecast(self, horizon: int = 10, *, seed: int = 0) -> pd.DataFrame:
        """Variance forecast from the last bar.

        Analytic for GARCH/GJR (and EGARCH at horizon 1); EGARCH beyond one step by
        ``arch``'s simulation (1,000 paths, ``seed``).

        Parameters
        ----------
        horizon : int, default 10
            Steps ahead, bars, >= 1.
        seed : int, default 0
            Seed of the EGARCH simulation (unused otherwise).

        Returns
        -------
        pandas.DataFrame
            One row per step ``h``: ``variance`` (percent² per bar), ``vol_pct`` (per
            bar), ``vol_annual_pct``.

        Raises
        ------
        InputError
            If ``horizon`` is not a whole number >= 1 (2.5 raised arch's ValueError) or
            too long for the memory.
        """
        horizon = check_whole(horizon, "horizon")
        check_count("horizon", horizon, 8 * 4)  # the forecast's arrays, before arch's
        method = "analytic" if (self.model != "egarch" or horizon == 1) else "simulation"
        kw: dict[str, Any] = {}
        if method == "simulation":
            # shocks from a freshly seeded copy of the fitted error distribution
            dist = self.result.model.distribution
            n_dist = len(self.params) - (3 if self.model == "garch" else 4) - 1
            shape = np.asarray(self.params.iloc[len(self.params) - n_dist :], dtype=float)
            kw["rng"] = type(dist)(seed=np.random.default_rng(seed)).simulate(shape)
        fc = self.result.forecast(horizon=horizon, method=method, reindex=False, **kw)
        var = np.asarray(fc.variance.iloc[-1], dtype=float)
        return pd.DataFrame(
            {
                "h": np.arange(1, horizon + 1),
                "variance": var,
                "vol_pct": np.sqrt(var),
                "vol_annual_pct": np.sqrt(var * bars_per_year(self.interval)),
            }
        )

    def simulate(self, horizon: int, n_paths: int, *, method: str = "model", seed: int = 0) -> Any:
        """Simulated return paths from the last bar (see :func:`simulate_paths`).

        Parameters
        ----------
        horizon : int
            Bars per path, > 0.
        n_paths : int
            Paths, > 0.
        method : {"model", "fhs"}, default "model"
            Shocks from the fitted error distribution, or resampled standardised residuals.
        seed : int, default 0
            Seed of the draws.

        Returns
        -------
        VolatilityPaths
            Percent log returns and variances (percent²), ``(n_paths, horizon)``.
        """
        from liqcascade.volatility._simulate import simulate_paths

        return simulate_paths(self, horizon, n_paths, method=method, seed=seed)  # type: ignore[arg-type]

    # --- views -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The headline numbers (the keys of ``liqcascade vol --json``)."""
        lev = self.leverage
        bound = self.at_stationarity_bound
        return {
            "asset": self.asset,
            "interval": self.interval,
            "model": self.model,
            "dist": self.dist,
            "start": self.returns.index[0].isoformat(),
            "end": self.returns.index[-1].isoformat(),
            "n_obs": self.n_obs,
            "converged": self.converged,
            "reliable": self.reliable,
            "status": self.status,
            "starts": self.starts,
            "starts_agreed": self.starts_agreed,
            "params": {k: float(v) for k, v in self.params.items()},
            "std_err": {k: float(v) for k, v in self.std_err.items()},
            "pvalues": {k: float(v) for k, v in self.pvalues.items()},
            "leverage_model": lev.model if lev else None,
            "leverage_gamma": lev.gamma if lev else None,
            "leverage_pvalue": lev.pvalue if lev else None,
            "leverage_ci": [lev.ci_low, lev.ci_high] if lev else None,
            "leverage_verdict": self.leverage_verdict,
            # GJR: a fall's variance impact over an equal rise's, (α + γ) / α, 95 % interval
            "asymmetry_ratio": _finite(self.asymmetry[0]),
            "asymmetry_ci": [_finite(x) for x in self.asymmetry[1:]]
            if math.isfinite(self.asymmetry[0])
            else None,
            "persistence": self.persistence,
            # at the bound the persistence is the constraint: no symmetric interval
            "persistence_se": None if bound else _finite(self.persistence_se),
            "persistence_at_bound": bound,
            "near_integrated": self.near_integrated,
            # not identified when a unit root cannot be excluded (near_integrated)
            "half_life_days": None if self.near_integrated else _finite(self.half_life_days),
            "annualized_vol": None if self.near_integrated else _finite(self.annualized_vol),
            "sample_annualized_vol": self.sample_annualized_vol,
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "arch_lm_pvalue_raw": self.diagnostics_raw.arch_lm_pvalue,
            "arch_lm_pvalue_std": self.diagnostics_std.arch_lm_pvalue,
            "ljung_box_pvalue_raw": self.diagnostics_raw.ljung_box_pvalue,
            "ljung_box_pvalue_std": self.diagnostics_std.ljung_box_pvalue,
        }

    def summary(self) -> pd.Series:
        """Headline figures as a Series (parameters excluded; see :meth:`to_frame`)."""
        d = self.to_dict()
        keep = {k: v for k, v in d.items() if not isinstance(v, dict | list)}
        return pd.Series(keep, dtype=object, name=f"{_MODEL_NAMES[self.model]} {self.dist}")

    def to_frame(self) -> pd.DataFrame:
        """Parameter table: estimate, std_err, t, pvalue, 95 % interval."""
        ci = self.result.conf_int()
        return pd.DataFrame(
            {
                "estimate": self.params,
                "std_err": self.std_err,
                "t": pd.Series(self.result.tvalues, dtype=float),
                "pvalue": self.pvalues,
                "ci_low": ci["lower"].astype(float),
                "ci_high": ci["upper"].astype(float),
            }
        ).rename_axis("param")

    def plot(self, realized: pd.Series | None = None, max_points: int = 1800) -> go.Figure:
        """Conditional volatility (with realised volatility, if given) and the news impact
        curve, both annualised percent.

        Parameters
        ----------
        realized : pandas.Series, optional
            Realised volatility (annualised percent), e.g. from
            :func:`realized_volatility` on hourly bars.
        max_points : int, default 1800
            Longer series are thinned (every k-th point) to keep the figure light.
        """  # noqa: D205
        fig = make_subplots(
            rows=1,
            cols=2,
            column_widths=[0.65, 0.35],
            subplot_titles=("volatility, annualised %", "news impact curve"),
        )
        cv = _thin(self.annualized_conditional_volatility, max_points)
        if realized is not None:
            rv = _thin(realized.dropna(), max_points)
            fig.add_trace(
                go.Scatter(
                    x=rv.index, y=rv.values, name="realised (intraday)", line={"color": "#bdc3c7"}
                ),
                row=1,
                col=1,
            )
        fig.add_trace(
            go.Scatter(
                x=cv.index,
                y=cv.values,
                name=f"{_MODEL_NAMES[self.model]} σ_t",
                line={"color": "#c0392b"},
            ),
            row=1,
            col=1,
        )
        nic = self.news_impact()
        fig.add_trace(
            go.Scatter(
                x=nic["shock_pct"],
                y=nic["vol_annual_pct"],
                name="next-bar vol after a shock",
                line={"color": "#2c3e50"},
            ),
            row=1,
            col=2,
        )
        fig.update_xaxes(title_text=f"shock ε_(t-1), % per {self.interval} bar", row=1, col=2)
        fig.update_yaxes(title_text="annualised %", row=1, col=1)
        fig.update_layout(
            height=420,
            margin={"t": 50, "l": 60, "r": 20, "b": 40},
            title=f"{plain(self.asset or '')} {self.interval} — {_MODEL_NAMES[self.model]}, "
            f"{_DIST_NAMES[self.dist]} errors",
        )
        return fig

    def _repr_html_(self) -> str:
        head = (
            f"<h4>{html.escape(_MODEL_NAMES[self.model])}, "
            f"{html.escape(_DIST_NAMES[self.dist])} errors — "
            f"{html.escape(str(self.asset or ''))} {html.escape(self.interval)}, "
            f"{self.n_obs:,} returns</h4>"
        )
        return head + self.summary().to_frame().to_html() + self.to_frame().to_html()

    def __repr__(self) -> str:
        return (
            f"VolatilityFit(model={self.model!r}, dist={self.dist!r}, interval={self.interval!r}, "
            f"n_obs={self.n_obs}, persistence={self.persistence:.4f}, "
            f"annualized_vol={self.annualized_vol:.1f})"
        )


def _thin(s: pd.Series, max_points: int) -> pd.Series:
    if len(s) <= max_points:
        return s
    step = math.ceil(len(s) / max_points)
    return s.iloc[::step]


@dataclass(frozen=True)
class FitSettings:
    """What to fit: model, error distribution and interval (validated on creation).

    Parameters
    ----------
    model : {"garch", "gjr", "egarch"}, default "gjr"
        GJR is the default: it nests GARCH and its ``gamma[1]`` is the leverage effect.
    dist : {"normal", "t", "skewt"}, default "t"
        Student-t by default: crypto returns are fat-tailed (ν ≈ 3 on ETH daily).
    interval : str, default "1d"
        Bar interval (``1d``, ``1h``, ``4h``, ``30m``).
    min_obs : int, default 100
        Fewest returns accepted.
    lags : int, default 10
        Lags of the clustering diagnostics.
    """

    model: str = "gjr"
    dist: str = "t"
    interval: str = "1d"
    min_obs: int = MIN_OBS
    lags: int = DEFAULT_LAGS

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", check_model(self.model))
        object.__setattr__(self, "dist", check_dist(self.dist))
        bars_per_day(self.interval)
        check_whole(self.min_obs, "min_obs", least=10)  # NaN and 10.5 passed the < 10 test
        check_whole(self.lags, "lags")


def fit_volatility(
    returns: pd.Series,
    model: str = "gjr",
    dist: str = "t",
    *,
    interval: str = "1d",
    asset: str | None = None,
    min_obs: int = MIN_OBS,
    lags: int = DEFAULT_LAGS,
) -> VolatilityFit:
    """Fit a GARCH-family model to percent log returns with ``arch``.

    ``arch_model(returns, mean="Constant", vol=…, p=1, o=…, q=1, dist=dist,
    rescale=False).fit(disp="off")`` — no re-implementation of the likelihood; the
    wrapper adds the derived quantities, diagnostics and verdicts. GARCH and GJR are
    fitted from arch's start. EGARCH is fitted from arch's start and three more (a
    persistence grid, :mod:`liqcascade.volatility._multistart`), and the best reliable
    end is kept (:func:`fit_from_starts`): on a single year its likelihood has several
    optima, and arch's start alone ends at one or another by the machine's thread count.

    Parameters
    ----------
    returns : pandas.Series
        Percent log returns (see :func:`log_returns`), UTC DatetimeIndex (a naive one
        is read as UTC); a numpy array is refused (``param="returns"``).
    model : {"garch", "gjr", "egarch"}, default "gjr"
        Variance model.
    dist : {"normal", "t", "skewt"}, default "t"
        Error distribution.
    interval : str, default "1d"
        Bar interval: sets half-life (days) and annualisation (365 days a year).
    asset : str, optional
        Label; default the asset :func:`load_close` labelled the closes with
        (``returns.attrs["asset"]``, carried by :func:`log_returns`).
    min_obs : int, default 100
        Fewest returns accepted.
    lags : int, default 10
        Lags of the clustering diagnostics.

    Returns
    -------
    VolatilityFit
        Check ``converged``: a failed optimisation is reported there, not raised.

    Raises
    ------
    InputError
        Unknown model/dist/interval, timestamps not strictly increasing (unsorted or
        duplicated: the first one out of order is named), fewer than ``min_obs``
        returns, or values that are obviously prices (:func:`check_not_prices`).
    """
    s = FitSettings(model=model, dist=dist, interval=interval, min_obs=min_obs, lags=lags)
    r = number_series(returns, "returns")  # an array raised AttributeError
    check_time_order(r.index, "returns")  # a shuffled series fitted another model
    r = r.dropna()
    if len(r) < s.min_obs:
        raise InputError(
            f"too few observations: {len(r)} return{'' if len(r) == 1 else 's'} "
            f"(need >= {s.min_obs})",
            param="returns",
        )
    check_not_prices(r)
    if asset is None:  # the label load_close gave the closes, carried by log_returns
        asset = getattr(returns, "attrs", {}).get("asset")
    am = arch_spec(r, s.model, s.dist)
    return fit_from_starts(r, s, start_points(am, r, s.model), asset=asset, model=am)


def check_not_prices(returns: pd.Series) -> None:
    """Refuse a series that is obviously prices, not returns: every value positive, median > 1.

    Percent log returns change sign every few bars; a series of closes is all positive
    and at its price's scale (a GJR fit of ETH's daily closes gave ``mu`` 1,818 and a
    "reliable" status).

    Parameters
    ----------
    returns : pandas.Series
        The values to be fitted (NaN dropped).

    Raises
    ------
    InputError
        ``param="returns"``, with the units hint (:func:`log_returns`).
    """
    v = returns.to_numpy(dtype=float)
    median = float(np.median(v))
    if v.size and bool(np.all(v > 0)) and median > 1.0:
        raise InputError(
            f"returns look like prices (all {v.size:,} values positive, median {median:,.2f}): "
            "give percent log returns, liqcascade.volatility.log_returns(close)",
            param="returns",
        )


def fit_from_starts(
    returns: pd.Series,
    settings: FitSettings,
    starts: list[np.ndarray | None],
    *,
    asset: str | None = None,
    model: Any = None,
) -> VolatilityFit:
    """Fit from each start (each answered by :func:`settle`) and keep the best end.

    The kept end is the reliable one with the highest log-likelihood; when no end is
    reliable, the converged one; when none converged, the highest
    (:func:`liqcascade.volatility._multistart.best_of`: the order of ``starts`` does
    not matter). Its :attr:`VolatilityFit.starts` and
    :attr:`VolatilityFit.starts_agreed` say how many starts ran and ended there.

    Parameters
    ----------
    returns : pandas.Series
        Percent log returns, no NaN, at least ``settings.min_obs``.
    settings : FitSettings
        Model, distribution, interval, diagnostics lags.
    starts : list of (array or None)
        Parameter vectors in ``arch``'s order; ``None`` is arch's own start. A vector
        ``arch`` refuses (outside its bounds or constraints) is replaced by arch's own
        start, as ``arch`` does.
    asset : str, optional
        Label.
    model : arch.univariate.base.ARCHModel, optional
        The model to fit (default :func:`arch_spec` of ``returns``).

    Returns
    -------
    VolatilityFit
        The kept end.

    Raises
    ------
    ValueError
        If ``starts`` is empty.
    """
    s = settings
    am = arch_spec(returns, s.model, s.dist) if model is None else model
    ends = []
    for start in starts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence is read from the result below
            res = fit_arch(am, disp="off", show_warning=False, starting_values=start)
        res, settled = settle(am, res)
        ends.append(
            VolatilityFit(
                returns, s.model, s.dist, s.interval, res, asset=asset, lags=s.lags,
                settled=settled, starts=len(starts),
            )
        )  # fmt: skip
    kept, agreed = best_of(ends)
    kept.starts_agreed = agreed
    return kept


SLSQP_LINE_SEARCH = 8
"""SLSQP's exit "Positive directional derivative for linesearch": no step improves."""
SLSQP_ITERATIONS = 9
"""SLSQP's exit "Iteration limit reached"."""
SAME_POINT_RTOL = 1e-9
"""Relative agreement of log-likelihoods (and 1e-6 of parameters) that makes a
restart's end point the same point as the first fit's."""


def settle(model: Any, result: Any) -> tuple[Any, bool]:
    """One restart from where the optimiser stopped, when a restart can answer its flag.

    SLSQP's convergence flag depends on the last bits of the likelihood it evaluates,
    and those change with the machine's BLAS thread count and CPU (docs/design.md,
    "Thread counts and reproducibility"): the same fit can end "converged" on one
    machine and on exit 8 (the line search finds no improving step) on another, at
    the same optimum. Two exits are answered by restarting from the end point:

    - exit 9 (iteration limit): the restart continues; it is kept when it converges
      at a log-likelihood no lower than the first fit's (a restart that leaves for a
      worse point, as EGARCH on a single year can, is not an answer);
    - exit 8: if the restart converges (as above), it is kept; if it stops on exit 8
      at the same point (log-likelihood within :data:`SAME_POINT_RTOL`, parameters
      within 1e-6 relative), no step from there improves the likelihood: the point is
      accepted as the optimum to the optimiser's precision (``settled``).

    Any other flag (0, or a failure a restart does not answer) is returned as it is.

    Parameters
    ----------
    model : arch.univariate.base.ARCHModel
        The model fitted.
    result : arch.univariate.base.ARCHModelResult
        Its first fit.

    Returns
    -------
    (result, settled)
        The result kept, and whether it is accepted as converged despite exit 8.
    """
    flag = int(result.convergence_flag)
    if flag not in (SLSQP_LINE_SEARCH, SLSQP_ITERATIONS):
        return result, False
    start = np.asarray(result.params, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = fit_arch(model, disp="off", show_warning=False, starting_values=start)
    ll, ll2 = float(result.loglikelihood), float(again.loglikelihood)
    tol = SAME_POINT_RTOL * max(1.0, abs(ll))
    if int(again.convergence_flag) == 0 and ll2 >= ll - tol:
        return again, False
    same = (
        flag == SLSQP_LINE_SEARCH
        and int(again.convergence_flag) == SLSQP_LINE_SEARCH
        and abs(ll2 - ll) <= tol
        and bool(np.allclose(np.asarray(again.params, dtype=float), start, rtol=1e-6, atol=0))
    )
    return result, same
