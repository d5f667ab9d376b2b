"""Out-of-sample score of the daily variance models: one-day-ahead forecasts, QLIKE, DM.

The rule (docs/volatility.md, "Out of sample"), fixed before any score was seen:

- **test window**: the two years of returns ending at the last return of the range
  (:data:`TEST_YEARS`), at least :data:`MIN_TRAIN` returns before it;
- **refits**: at the window's first day and at each calendar quarter's first day inside
  it, each model is refitted on every return before that day (an expanding window);
  between refits its parameters are fixed and its variance filter runs forward on the
  new returns (``arch``'s ``fix``), so each forecast uses only what was known the day
  before;
- **models**: GARCH(1,1), GJR-GARCH(1,1,1) and EGARCH(1,1,1) with the study's error
  law; **baselines**: RiskMetrics' EWMA (λ = 0.94) and the trailing 30-day mean of the
  squared returns;
- **score**: mean QLIKE (Patton 2011), ``proxy / h + ln h`` with ``h`` the forecast
  variance and ``proxy`` the squared daily return and, where hourly bars exist, the
  realised variance from them; differences tested by Diebold–Mariano with a
  Newey–West variance (lag :func:`dm_lag`) against the better baseline.

Plain-Python twins of :func:`qlike` and :func:`ewma_variance` live in
``tests/reference/vol_oos_reference.py``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._significance import dm_pvalue
from liqcascade._typing import FloatArray
from liqcascade.volatility._fit import arch_spec, check_dist
from liqcascade.volatility._slsqp import fit_arch

OOS_MODELS: tuple[str, ...] = ("garch", "gjr", "egarch")
"""The models scored (the report's volatility section fits the same three)."""

TEST_YEARS = 2
"""Length of the test window, years, ending at the last return."""

MIN_TRAIN = 500
"""Fewest returns before the test window: below this there is no out-of-sample score."""

EWMA_LAMBDA = 0.94
"""RiskMetrics' daily decay of the EWMA baseline."""

TRAILING_DAYS = 30
"""Returns in the trailing-variance baseline."""

ALPHA = 0.05
"""Level of the Diebold–Mariano test behind "beats" and "loses"."""

BASELINES: dict[str, str] = {"ewma": "EWMA 0.94", "trailing_30d": "trailing 30-day"}
"""The baselines' keys and the names printers give them."""


def qlike(proxy: FloatArray, h: FloatArray) -> FloatArray:
    """QLIKE loss of each variance forecast: ``proxy / h + ln h``.

    Patton (2011)'s loss that ranks forecasts the same whatever the noise of an unbiased
    proxy; written without the term in the proxy alone (``− ln proxy − 1``), so a zero
    return is scored, and the differences between two forecasts are those of the
    normalised form ``proxy/h − ln(proxy/h) − 1``.

    Parameters
    ----------
    proxy : array of float
        The variance realised (percent², e.g. the squared daily return), >= 0.
    h : array of float
        The forecast variance (percent²), > 0.

    Returns
    -------
    ndarray of float
        One loss per case (ln of percent²: compare, do not read alone).
    """
    p = np.asarray(proxy, dtype=np.float64)
    v = np.asarray(h, dtype=np.float64)
    return np.asarray(p / v + np.log(v))


def ewma_covariance(
    returns: FloatArray, lam: float = EWMA_LAMBDA, *, after: bool = False
) -> FloatArray:
    """EWMA (RiskMetrics) covariance of each day's returns: the one recursion of the package.

    ``H_0 = (1/m) Σ r_j r_jᵀ`` over the first ``m = min(30, n)`` returns (forgotten after
    a few hundred steps: ``0.94^500 < 1e-13``), ``H_t = λ H_{t−1} + (1 − λ) r_{t−1} r_{t−1}ᵀ``.
    :func:`ewma_variance` (one asset) and the stress back-tests' EWMA baselines (the
    unit long's variance, a portfolio's covariance) all read it.

    Parameters
    ----------
    returns : array of float, shape (n,) or (n, k)
        Percent log returns, in time order (columns: assets).
    lam : float, default 0.94
        Decay, in (0, 1).
    after : bool, default False
        False: the forecast of each return, made the day before (``H_t``, ``t = 0 … n−1``);
        True: the forecast made after each return, of the next day (``H_{t+1}``).

    Returns
    -------
    ndarray of float, shape (n, k, k)
        Percent², one matrix per return (``k = 1`` for a 1-D ``returns``).
    """
    r = np.asarray(returns, dtype=np.float64)
    r = r[:, None] if r.ndim == 1 else r
    n, k = r.shape
    out = np.empty((n + 1, k, k))
    if n == 0:
        return out[:0]
    head = r[: min(TRAILING_DAYS, n)]
    out[0] = head.T @ head / head.shape[0]
    # H_{t+1} = λ H_t + (1 − λ) r_t r_tᵀ, one matrix entry at a time on Python floats
    # (the same IEEE products and sums as numpy's, a fraction of its per-step cost)
    prods = (r[:, :, None] * r[:, None, :]).reshape(n, k * k)
    flat = out.reshape(n + 1, k * k)
    w = 1.0 - lam
    for j in range(k * k):
        h = float(flat[0, j])
        col = []
        for x in prods[:, j].tolist():
            h = lam * h + w * x
            col.append(h)
        flat[1:, j] = col
    return out[1:] if after else out[:-1]


def ewma_variance(returns: FloatArray, lam: float = EWMA_LAMBDA) -> FloatArray:
    """EWMA (RiskMetrics) variance forecast of each return, made the bar before.

    ``h_0 = mean(r_0², …, r_29²)`` (the first 30 returns; forgotten after a few hundred
    steps: ``0.94^500 < 1e-13``), ``h_t = λ h_{t−1} + (1 − λ) r²_{t−1}``: one asset's
    :func:`ewma_covariance`.

    Parameters
    ----------
    returns : array of float
        Percent log returns, in time order.
    lam : float, default 0.94
        Decay, in (0, 1).

    Returns
    -------
    ndarray of float
        ``h_t`` (percent²), one per return.
    """
    r = np.asarray(returns, dtype=np.float64).ravel()
    return np.asarray(ewma_covariance(r, lam)[:, 0, 0], dtype=np.float64)


def trailing_variance(returns: FloatArray, window: int = TRAILING_DAYS) -> FloatArray:
    """Mean of the ``window`` squared returns before each return (NaN for the first ones).

    Parameters
    ----------
    returns : array of float
        Percent log returns, in time order.
    window : int, default 30
        Returns averaged.

    Returns
    -------
    ndarray of float
        Percent², one per return.
    """
    r2 = np.asarray(returns, dtype=np.float64) ** 2
    c = np.concatenate([[0.0], np.cumsum(r2)])
    out = np.full(r2.size, np.nan)
    out[window:] = (c[window:-1] - c[: -window - 1]) / window
    return out


def dm_lag(n: int) -> int:
    """Newey–West lag of the DM test: ``floor(4 (n / 100)^(2/9))`` (6 for two years)."""
    return math.floor(4.0 * (max(n, 1) / 100.0) ** (2.0 / 9.0))


def oos_window(index: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the test window: the two years ending at the last return."""
    last = pd.Timestamp(index[-1]).normalize()
    return last - pd.DateOffset(years=TEST_YEARS) + pd.Timedelta(days=1), last


def refit_days(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """The window's first day, then each calendar quarter's first day up to ``end``."""
    quarters = pd.date_range(start, end, freq="QS", tz=start.tz)
    return [start, *[q for q in quarters if q > start]]


def _refit(model: str, dist: str, returns: pd.Series, day: pd.Timestamp, warm: Any) -> Any:
    """Fit on the returns before ``day`` (``arch``'s ``last_obs``): from the previous
    refit's estimate, else (or if that fails to converge) from ``arch``'s start.

    The model holds the whole series, so the result can forecast past ``day`` with its
    parameters fixed; its backcast and starting values come from the fitted sample only.
    """  # noqa: D205
    spec = arch_spec(returns, model, dist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if warm is not None:
            res = fit_arch(spec, disp="off", last_obs=day, starting_values=warm)
            if int(res.convergence_flag) == 0:
                return res
        return fit_arch(spec, disp="off", last_obs=day)


def model_forecasts(
    returns: pd.Series,
    model: str,
    dist: str,
    refits: list[pd.Timestamp],
    on_progress: Callable[[float], None] | None = None,
) -> tuple[pd.Series, int]:
    """One-day-ahead variance forecasts of ``model`` from its first refit day on.

    At each refit day the model is fitted on every return before it (``arch``'s
    ``last_obs``); until the next refit day its parameters stay fixed and ``arch``'s
    one-step forecast runs its filter forward on the returns as they come
    (``forecast(start=…)``): the forecast of the return stamped ``t`` is made at the
    return before it.

    Parameters
    ----------
    returns : pandas.Series
        Percent log returns (the whole range), UTC index.
    model : {"garch", "gjr", "egarch"}
        Variance model.
    dist : {"normal", "t", "skewt"}
        Error distribution.
    refits : list of pandas.Timestamp
        Refit days, increasing (:func:`refit_days`), each after the first return.
    on_progress : callable, optional
        Called with 1 after each refit.

    Returns
    -------
    (pandas.Series, int)
        The forecast variance of each return from ``refits[0]`` on (percent²), and how
        many refits did not converge (their estimate is still used).
    """
    idx = pd.DatetimeIndex(returns.index)
    parts, warm, failed = [], None, 0
    for k, day in enumerate(refits):
        res = _refit(model, dist, returns, day, warm)
        failed += int(res.convergence_flag) != 0
        warm = np.asarray(res.params, dtype=np.float64)
        nxt = refits[k + 1] if k + 1 < len(refits) else None
        first = int(idx.searchsorted(day))  # the first return forecast from this refit
        stop = len(idx) if nxt is None else int(idx.searchsorted(nxt))
        if stop <= first:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = res.forecast(horizon=1, start=idx[first - 1], reindex=False)
        h = np.asarray(fc.variance.iloc[:, 0], dtype=np.float64)  # origins first-1 … end
        parts.append(pd.Series(h[: stop - first], index=idx[first:stop]))
        if on_progress is not None:
            on_progress(1)
    return pd.concat(parts), failed


@dataclass(frozen=True)
class ProxyScore:
    """The scores against one proxy of the realised variance.

    Parameters
    ----------
    proxy : str
        ``"squared return"`` or ``"realised variance (hourly bars)"``.
    n : int
        Days scored (a day without the proxy is left out).
    qlike : dict
        Mean QLIKE of each model and baseline (lower is better).
    best_baseline : str
        The baseline with the lower mean QLIKE.
    dm_pvalue : dict
        Each model's two-sided DM p-value against ``best_baseline``.
    verdict : dict
        Each model's ``"beats"``, ``"loses"`` or ``"ties"`` against it (p < 0.05 and the
        sign of the mean difference).
    """

    proxy: str
    n: int
    qlike: dict[str, float]
    best_baseline: str
    dm_pvalue: dict[str, float]
    verdict: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields."""
        return {
            "proxy": self.proxy, "n": self.n, "qlike": dict(self.qlike),
            "best_baseline": self.best_baseline, "dm_pvalue": dict(self.dm_pvalue),
            "verdict": dict(self.verdict),
        }  # fmt: skip


def score(frame: pd.DataFrame, proxy: pd.Series, name: str) -> ProxyScore:
    """QLIKE of each forecast column of ``frame`` against ``proxy``, and DM tests.

    Parameters
    ----------
    frame : pandas.DataFrame
        Forecast variances (percent²): one column per model of :data:`OOS_MODELS` and
        per baseline of :data:`BASELINES`, one row per day.
    proxy : pandas.Series
        The realised variance (percent²) on the same days (NaN: day left out).
    name : str
        The proxy's name.
    """
    both = frame.assign(_proxy=proxy).dropna()
    p = both.pop("_proxy").to_numpy(dtype=np.float64)
    loss = {c: qlike(p, both[c].to_numpy(dtype=np.float64)) for c in both.columns}
    mean = {c: float(v.mean()) for c, v in loss.items()}
    best = min(BASELINES, key=lambda b: mean[b])
    lag = dm_lag(len(p))
    pv, said = {}, {}
    for m in OOS_MODELS:
        d = loss[m] - loss[best]
        pv[m] = dm_pvalue(d, lag)
        said[m] = "ties" if not pv[m] < ALPHA else ("beats" if d.mean() < 0 else "loses")
    return ProxyScore(name, len(p), mean, best, pv, said)


@dataclass(frozen=True)
class VolatilityOOS:
    """The out-of-sample score of the three variance models (see the module docstring).

    Parameters
    ----------
    start, end : str
        First and last day of the test window, ``YYYY-MM-DD``.
    dist : str
        The models' error distribution.
    refits : int
        Refit days (the window's first day and each quarter's).
    refits_not_converged : int
        Refits whose optimiser did not report convergence, all models together.
    scores : list of ProxyScore
        Against the squared return, then (when given) the realised variance.
    forecasts : pandas.DataFrame
        The forecasts (percent²), one column per model and baseline.
    """

    start: str
    end: str
    dist: str
    refits: int
    refits_not_converged: int
    scores: list[ProxyScore]
    forecasts: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The ``oos`` block of ``liqcascade vol --json``."""
        return {
            "available": True, "start": self.start, "end": self.end, "dist": self.dist,
            "models": list(OOS_MODELS), "baselines": dict(BASELINES),
            "refits": self.refits, "refits_not_converged": self.refits_not_converged,
            "loss": "QLIKE = proxy/h + ln h (lower is better)",
            "dm_lag": dm_lag(self.scores[0].n), "scores": [s.to_dict() for s in self.scores],
        }  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        """One row per forecast and proxy: mean QLIKE, DM p-value and verdict."""
        rows = []
        for s in self.scores:
            for c, q in s.qlike.items():
                rows.append({"proxy": s.proxy, "n": s.n, "forecast": c, "qlike": q,
                             "dm_pvalue": s.dm_pvalue.get(c, math.nan),
                             "verdict": s.verdict.get(c, "baseline")})  # fmt: skip
        return pd.DataFrame(rows)


def volatility_oos(
    returns: pd.Series,
    *,
    dist: str = "t",
    realized_var: pd.Series | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> VolatilityOOS | str:
    """Score GARCH, GJR and EGARCH out of sample on the last two years of daily returns.

    Parameters
    ----------
    returns : pandas.Series
        Daily percent log returns (the whole range), UTC index.
    dist : {"normal", "t", "skewt"}, default "t"
        The models' error distribution.
    realized_var : pandas.Series, optional
        Daily realised variance (percent²) on the returns' days, e.g.
        ``realized_volatility(hourly_close, annualize=False) ** 2``: a second proxy.
    on_progress : callable, optional
        Called with 1 after each refit.

    Returns
    -------
    VolatilityOOS, or str
        The scores, or why there are none (too few returns before the window).
    """
    dist = check_dist(dist)
    idx = pd.DatetimeIndex(returns.index)
    if len(idx) < MIN_TRAIN + 2:
        return f"fewer than {MIN_TRAIN} returns before a test window"
    start, end = oos_window(idx)
    before = int((idx < start).sum())
    if before < MIN_TRAIN:
        return (
            f"{before} returns before the test window {start:%Y-%m-%d} → {end:%Y-%m-%d} "
            f"(need >= {MIN_TRAIN})"
        )
    refits = refit_days(start, end)
    cols, failed = {}, 0
    for m in OOS_MODELS:
        cols[m], f = model_forecasts(returns, m, dist, refits, on_progress)
        failed += f
    r = returns.to_numpy(dtype=np.float64)
    test = idx >= start
    cols["ewma"] = pd.Series(ewma_variance(r), index=idx)[test]
    cols["trailing_30d"] = pd.Series(trailing_variance(r), index=idx)[test]
    frame = pd.DataFrame(cols)
    r2 = returns[test] ** 2
    scores = [score(frame, r2, "squared return")]
    if realized_var is not None:
        rv = pd.Series(realized_var, dtype=float)
        rv.index = pd.DatetimeIndex(rv.index).normalize()
        days = pd.DatetimeIndex(frame.index).normalize()
        aligned = pd.Series(rv.reindex(days).to_numpy(), index=frame.index)
        if aligned.notna().sum() >= MIN_TRAIN // 5:
            scores.append(score(frame, aligned, "realised variance (hourly bars)"))
    return VolatilityOOS(
        f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}", dist, len(refits), failed, scores, frame
    )
