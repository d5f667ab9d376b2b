"""The volatility study behind ``liqcascade vol``: one fit, its leverage effect, by period."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from liqcascade._tables import number_series
from liqcascade.errors import InputError
from liqcascade.volatility._fit import FitSettings, VolatilityFit, fit_volatility
from liqcascade.volatility._oos import VolatilityOOS, volatility_oos
from liqcascade.volatility._periods import LeverageByPeriod, default_periods, leverage_by_period
from liqcascade.volatility._returns import returns_in_range


@dataclass
class VolatilityStudy:
    """A GARCH-family fit with its leverage effect, overall and by period.

    Attributes
    ----------
    fit : VolatilityFit
        The requested model on the returns of the range.
    leverage_fit : VolatilityFit or None
        A GJR fit beside a symmetric ``garch`` (which has no leverage term), else None.
    periods : LeverageByPeriod or None
        The leverage effect per period (``by_period=True``), else None.
    source : str
        Where the closes came from (``close.attrs["source"]``, default ``"bundled"``).
    warnings : list of str
        Reasons not to trust the fit (no convergence, a degenerate optimum).
    oos : VolatilityOOS or str or None
        The out-of-sample score of the three models (daily bars), or why there is none.
    """

    fit: VolatilityFit
    leverage_fit: VolatilityFit | None
    periods: LeverageByPeriod | None
    source: str
    warnings: list[str] = field(default_factory=list)
    oos: VolatilityOOS | str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The keys of ``liqcascade vol --json``: the fit's, the leverage effect, periods."""
        fit = self.fit
        out = fit.to_dict()
        if self.leverage_fit is not None:
            lev = self.leverage_fit.leverage
            assert lev is not None
            out.update(
                leverage_model="gjr",
                leverage_gamma=lev.gamma,
                leverage_pvalue=lev.pvalue,
                leverage_ci=[lev.ci_low, lev.ci_high],
                leverage_verdict=self.leverage_fit.leverage_verdict,
            )
            beside = self.leverage_fit.to_dict()
            out.update(
                asymmetry_ratio=beside["asymmetry_ratio"], asymmetry_ci=beside["asymmetry_ci"]
            )
        elif not fit.reliable:
            out["leverage_verdict"] = fit.status
        out["periods"] = [] if self.periods is None else self.periods.to_list()
        out["data_source"] = self.source
        if isinstance(self.oos, VolatilityOOS):
            out["oos"] = self.oos.to_dict()
        else:
            reason = self.oos or "scored on daily bars only (interval 1d)"
            out["oos"] = {"available": False, "reason": reason}
        return out


def _range_closes(close: pd.Series, returns: pd.Series) -> pd.Series:
    """The closes of the returns' range, with the close before the first that anchors it."""
    pos = max(int(close.index.searchsorted(returns.index[0])) - 1, 0)
    anchor = close.index[pos]
    return close.loc[close.index.isin(returns.index) | (close.index == anchor)]


def volatility_study(
    close: pd.Series,
    *,
    model: str = "gjr",
    dist: str = "t",
    interval: str = "1d",
    start: Any = None,
    end: Any = None,
    asset: str | None = None,
    by_period: bool = False,
    realized_var: pd.Series | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> VolatilityStudy:
    """Fit ``model`` to the percent log returns of ``close`` in ``[start, end]``.

    Parameters
    ----------
    close : pandas.Series
        Closing prices (USD), UTC DatetimeIndex (:func:`load_close`).
    model : {"garch", "gjr", "egarch"}, default "gjr"
        Variance model; beside ``garch`` a GJR fit gives the leverage effect.
    dist : {"normal", "t", "skewt"}, default "t"
        Error distribution.
    interval : str, default "1d"
        Bar interval of ``close``.
    start, end : datetime-like, optional
        First and last close used (a bare-date ``end`` holds the whole day).
    asset : str, optional
        Label (upper-cased).
    by_period : bool, default False
        Also fit the leverage effect per period (:func:`default_periods`).
    realized_var : pandas.Series, optional
        Daily realised variance (percent²) from intraday bars: the out-of-sample
        score's second proxy. The score (:func:`volatility_oos`) runs on daily bars.
    on_progress : callable, optional
        Called with 0 once the inputs are checked, then with 1 after each fit.

    Returns
    -------
    VolatilityStudy

    Raises
    ------
    InputError
        Unknown model, dist or interval; ``start`` after ``end``; fewer than
        :data:`MIN_OBS` returns in the range (naming ``start`` and ``end``), or in the
        whole series when neither is given (naming ``close``).
    """
    close = number_series(close, "close")  # a naive index is UTC; text refused
    settings = FitSettings(model=model, dist=dist, interval=interval)
    label = None if asset is None else asset.upper()
    returns = returns_in_range(close, start, end)  # counted below, against min_obs
    if len(returns) < settings.min_obs:
        # no range asked: the series itself is too short (not start/end's doing)
        whole = start is None and end is None
        raise InputError(
            f"{'close' if whole else 'start/end'}: too few observations: {len(returns)} "
            f"return{'' if len(returns) == 1 else 's'} of {label or 'the series'} "
            f"{interval}{'' if whole else ' in the range'} (need >= {settings.min_obs})",
            param="close" if whole else ("start", "end"),
        )
    step = on_progress or (lambda n: None)
    step(0)  # the checks passed: the work starts
    fit = fit_volatility(returns, settings.model, settings.dist, interval=interval, asset=label)
    fit.reliable  # noqa: B018 - computed here, inside the caller's progress
    step(1)
    lev_fit = None
    if fit.leverage is None:  # symmetric GARCH: the leverage effect from a GJR beside it
        lev_fit = fit_volatility(returns, "gjr", settings.dist, interval=interval)
        step(1)
    periods = None
    if by_period:
        inside = _range_closes(close, returns)
        periods = leverage_by_period(
            inside,
            models=("gjr" if settings.model == "garch" else settings.model,),
            dist=settings.dist,
            interval=interval,
            periods=default_periods(pd.DatetimeIndex(inside.index)),
            on_progress=step,
        )
    warnings = []
    if not fit.converged:
        warnings.append(f"the optimiser did not converge: {fit.convergence_message}")
    elif not fit.reliable:
        warnings.append(
            "the fit is at a degenerate point (singular Hessian): do not trust its tests"
        )
    oos = None
    if interval == "1d":
        oos = volatility_oos(
            returns, dist=settings.dist, realized_var=realized_var, on_progress=step
        )
    source = str(close.attrs.get("source", "bundled"))
    return VolatilityStudy(fit, lev_fit, periods, source, warnings, oos)
