"""Out-of-sample back-test of the stress Monte Carlo's VaR against simple baselines.

At every month-end from the first with ``min_days`` of history (to the last with a
window left to forecast: data ending on a month-end fit nothing there), the stress model
(GJR-t by default, fitted with ``arch`` on the daily percent log returns up to that
day only; the previous month's parameters as the optimiser's start) forecasts the
VaR of a unit long position in the asset over ``h`` days, for every window that
starts before the next month-end. Windows of one horizon do not overlap: they are
consecutive blocks of ``h`` daily returns. The forecast is the stress Monte Carlo
without the cascade (the position book cannot be estimated before 2024-11): filtered
historical simulation, paths of :func:`liqcascade.stress._kernels.mc_kernel` (with an
empty book: :func:`~liqcascade.stress._kernels.price_paths_kernel`, the same arithmetic)
fed with standardised residuals of the fit bootstrapped day by day, the variance at the
start filtered with the month-end parameters through the returns before the window. For
``h = 1`` the bootstrap's quantile is exact: ``mu + sigma_t · q`` with ``q`` the
empirical quantile of the residuals.

Baselines, on the same data before each window:

- ``hs``: historical simulation, the empirical quantile of every past ``h``-day
  loss (overlapping) since the first day (the model's expanding window);
- ``hs_1y``: the same on the last 365 days only;
- ``ewma``: RiskMetrics, a normal VaR with the EWMA (lambda 0.94) daily variance
  scaled by ``h`` and zero mean.

A return across a missing day (the closes skip a day) is not one day's: it is left out
of the fits, the EWMA and the historical losses, and no window holding it is scored
(``settings["notes"]`` names the days; :class:`_Days`).

Scores (:func:`score`): exceedances against the nominal rate, Kupiec's
unconditional-coverage likelihood ratio, Christoffersen's independence ratio
(both chi-square with one degree of freedom), and the mean quantile (pinball)
loss, which ranks forecasts of the same quantile (lower is better).

Losses are fractions of the position's value: ``1 − P(t+h)/P(t)``.

A report at a market date shows only what was knowable then:
:meth:`VarBacktest.scored_by` keeps the windows whose last close had closed by the
market's time and scores them again (each was forecast by the month-end fit before it,
as in the whole back-test); :meth:`VarBacktest.reads_after` says whether the whole
back-test reads data after that time.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from liqcascade._json import SummaryDict
from liqcascade._limits import check_count, check_level, check_seed, real_array
from liqcascade._prices import count_text
from liqcascade._tables import number_series
from liqcascade._time import closed_mask, is_bare_date, to_utc, utc_index
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError

__all__ = [
    "BASELINES",
    "DRIFTS",
    "KUPIEC_ALPHA",
    "METHOD_NAMES",
    "MIN_EXPECTED_EXCEEDANCES",
    "MIN_SCORE_WINDOWS",
    "PINBALL_RESAMPLES",
    "SCOPE_CLOSED_BY",
    "VarBacktest",
    "christoffersen",
    "christoffersen_py",
    "kupiec",
    "kupiec_coverage",
    "kupiec_py",
    "pinball",
    "pinball_py",
    "score",
    "var_backtest",
]

#: The baselines of the back-test (see the module docstring).
BASELINES: tuple[str, ...] = ("hs", "hs_1y", "ewma")

#: Each method's name in words (the report's table and ``stress --scenario backtest``).
METHOD_NAMES: dict[str, str] = {
    "model": "GJR-t FHS (the stress model)",
    "hs": "historical simulation (expanding)",
    "hs_1y": "historical simulation (last year)",
    "ewma": "normal EWMA (RiskMetrics)",
}

#: Drift of the model's paths: ``"zero"`` (risk convention) or the ``"fitted"`` mean.
DRIFTS: tuple[str, ...] = ("zero", "fitted")

#: Bytes per Monte Carlo path and day of a multi-day forecast at its peak (the residual
#: indices, int64, and the drawn residuals, float64), and per path whatever the horizon
#: (the kernel's five float64 outcomes, the loss and its quantile copy): ``paths`` is
#: checked against the memory for the longest horizon before the first fit.
_PATH_DAY_BYTES = 16
_PATH_BYTES = 56

MIN_SCORE_WINDOWS = 10
"""Fewest windows of the scored horizon closed by a market date that
:meth:`VarBacktest.knowable_at` scores alone (the cascade back-test's rule for events,
``MIN_SCORE_EVENTS``): with fewer, it scores the whole back-test, which reads data after
that date (the report's VaR card and ``liqcascade stress --scenario backtest`` say so)."""

PINBALL_RESAMPLES = 1000
"""Bootstrap resamples of every pinball interval the report and the command line print:
a 90 % interval's tails hold 50 resamples each, enough for a verdict; the library's
default (more) cost the report ~1.5 s of CPU per asset for the 8 intervals it quotes."""


def _xlogy(x: float, y: float) -> float:
    """``x·log(y)`` with ``0·log(0) = 0``."""
    return 0.0 if x == 0 else x * math.log(y)


def _hits(hits: Any) -> np.ndarray:
    """``hits`` as a one-dimensional bool array: each a bool, 0 or 1 (``param="hits"``).

    ``np.asarray(hits, dtype=bool)`` read NaN, 2 and -1 as exceedances.
    """
    raw = np.asarray(hits)
    if raw.dtype.kind == "b" and raw.ndim == 1:
        return raw
    if raw.ndim != 1 or raw.dtype.kind not in "iuf":
        raise InputError(
            f"hits must be a one-dimensional array of bools (got {raw.dtype} of shape {raw.shape})",
            param="hits",
        )
    bad = np.flatnonzero((raw != 0) & (raw != 1))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"hits[{i}] must be True/False or 1/0 (got {raw[i]!r})", param="hits")
    return raw.astype(bool)


def kupiec(hits: Any, level: float) -> tuple[float, float]:
    """Kupiec's unconditional-coverage test of a VaR's exceedances.

    Parameters
    ----------
    hits : array of bool
        One per forecast: the loss exceeded the VaR.
    level : float
        The VaR's confidence (0.99: exceedances expected with probability 0.01).

    Returns
    -------
    (float, float)
        The likelihood ratio ``-2 log[L(p) / L(x/n)]`` and its chi-square(1) p-value.

    Raises
    ------
    InputError
        ``level`` not a fraction in (0, 1) (0 or below raised "math domain error", NaN
        gave a ratio of 0 and a p-value of 1: a perfect score); ``hits`` not bools or
        0/1 (NaN and 2 were counted as exceedances).
    """
    level = check_level(level)
    if not 0.0 < 1.0 - level < 1.0:  # 1e-300: 1 - level rounds to 1 and log(0) failed
        raise InputError(
            f"level must be a fraction in (0, 1) that 1 - level can tell from 1 (got {level:g})",
            param="level",
        )
    h = _hits(hits)
    n, x = int(h.size), int(h.sum())
    if n == 0:
        return math.nan, math.nan
    p = 1.0 - level
    pi = x / n
    ll0 = _xlogy(n - x, 1 - p) + _xlogy(x, p)
    ll1 = _xlogy(n - x, 1 - pi) + _xlogy(x, pi)
    lr = max(0.0, -2.0 * (ll0 - ll1))
    return lr, float(stats.chi2.sf(lr, 1))


KUPIEC_ALPHA = 0.05
"""Significance of Kupiec's coverage verdict (:func:`kupiec_coverage`): it fails below."""

MIN_EXPECTED_EXCEEDANCES = 1.0
"""Fewest exceedances a level must expect over its windows (windows × (1 − level)) for
Kupiec's coverage verdict (:func:`kupiec_coverage`): below, "not testable" (72 30-day
windows cannot test a 99 % VaR: they expect 0.72 exceedances, docs/stress.md)."""


def kupiec_coverage(row: dict[str, Any]) -> str:
    """Kupiec's coverage verdict at :data:`KUPIEC_ALPHA` of one score row, in words.

    The one rule of ``liqcascade stress --scenario backtest`` (``coverage``) and of every
    text of the report that says whether the model passes Kupiec's test.

    Parameters
    ----------
    row : dict
        A row of :attr:`VarBacktest.scores` (:meth:`VarBacktest.row`): ``n`` (windows),
        ``exceedances``' ``rate`` and the ``expected`` rate (fractions), ``kupiec_p``.

    Returns
    -------
    str
        ``"passes"``; ``"fails: too few"`` (exceedances: an over-cautious VaR) or
        ``"fails: too many"`` (p under :data:`KUPIEC_ALPHA`); ``"not testable"`` (the
        windows expect fewer than :data:`MIN_EXPECTED_EXCEEDANCES` exceedances); ``"n/a"``
        (no window, or no finite p-value).
    """
    n, expected, p = int(row["n"]), float(row["expected"]), float(row["kupiec_p"])
    if n == 0 or not math.isfinite(p):
        return "n/a"
    if n * expected < MIN_EXPECTED_EXCEEDANCES:
        return "not testable"
    if p >= KUPIEC_ALPHA:
        return "passes"
    return "fails: too few" if float(row["rate"]) < expected else "fails: too many"


def kupiec_py(hits: Sequence[bool], level: float) -> float:
    """Twin of :func:`kupiec` (the ratio only) with plain loops and products."""
    n = len(hits)
    x = 0
    for b in hits:
        x += 1 if b else 0
    p = 1.0 - level
    pi = x / n
    # log-likelihoods summed term by term (products underflow for long samples)
    ll0 = 0.0
    ll1 = 0.0
    for b in hits:
        ll0 += math.log(p) if b else math.log(1 - p)
        if b:
            ll1 += math.log(pi)
        elif pi < 1:
            ll1 += math.log(1 - pi)
    return max(0.0, -2.0 * (ll0 - ll1))


def christoffersen(hits: Any) -> tuple[float, float]:
    """Christoffersen's independence test (does an exceedance make the next one likelier).

    Parameters
    ----------
    hits : array of bool
        One per forecast, in time order: the loss exceeded the VaR.

    Returns
    -------
    (float, float)
        The likelihood ratio of a first-order Markov chain of exceedances against
        independent ones, and its chi-square(1) p-value (NaN with fewer than 2 forecasts).

    Raises
    ------
    InputError
        ``param="hits"``: not bools or 0/1 (NaN and 2 were counted as exceedances).
    """
    h = _hits(hits)
    if h.size < 2:
        return math.nan, math.nan
    a, b = h[:-1], h[1:]
    n00 = int(np.sum(~a & ~b))
    n01 = int(np.sum(~a & b))
    n10 = int(np.sum(a & ~b))
    n11 = int(np.sum(a & b))
    return _christoffersen_lr(n00, n01, n10, n11)


def _christoffersen_lr(n00: int, n01: int, n10: int, n11: int) -> tuple[float, float]:
    n = n00 + n01 + n10 + n11
    pi = (n01 + n11) / n
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    ll0 = _xlogy(n00 + n10, 1 - pi) + _xlogy(n01 + n11, pi)
    ll1 = _xlogy(n00, 1 - pi01) + _xlogy(n01, pi01) + _xlogy(n10, 1 - pi11) + _xlogy(n11, pi11)
    lr = max(0.0, -2.0 * (ll0 - ll1))
    return lr, float(stats.chi2.sf(lr, 1))


def christoffersen_py(hits: Sequence[bool]) -> float:
    """Twin of :func:`christoffersen` (the ratio only): transitions counted in a loop."""
    c = {(False, False): 0, (False, True): 0, (True, False): 0, (True, True): 0}
    for i in range(1, len(hits)):
        c[(bool(hits[i - 1]), bool(hits[i]))] += 1
    n00, n01, n10, n11 = c[(False, False)], c[(False, True)], c[(True, False)], c[(True, True)]
    n = n00 + n01 + n10 + n11
    pi = (n01 + n11) / n

    def ll(k0: int, k1: int, q: float) -> float:
        out = 0.0
        for _ in range(k0):
            out += math.log(1 - q)
        for _ in range(k1):
            out += math.log(q)
        return out

    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    ll1 = ll(n00, n01, pi01) + ll(n10, n11, pi11)
    return max(0.0, -2.0 * (ll(n00 + n10, n01 + n11, pi) - ll1))


def pinball(loss: Any, var: Any, level: float) -> float:
    """Mean quantile (pinball) loss of VaR forecasts ``var`` for realised ``loss``.

    ``rho(u) = u·(level − 1{u < 0})`` with ``u = loss − var`` (both fractions of
    the position's value); minimised in expectation by the true ``level`` quantile.

    Parameters
    ----------
    loss : array of float
        Realised losses, fractions of the position's value (positive = loss).
    var : array of float
        The VaR forecasts of the same windows, in the units of ``loss``.
    level : float
        The VaR's confidence as a fraction in (0, 1), e.g. 0.99.

    Returns
    -------
    float
        The mean pinball loss, in the units of ``loss`` (lower is better); NaN when
        there is no forecast.

    Raises
    ------
    InputError
        ``level`` not a fraction in (0, 1); ``loss`` or ``var`` not one-dimensional
        arrays of finite numbers of one length (a NaN gave a NaN score, unpaired
        arrays numpy's broadcast error).
    """
    level = check_level(level)
    x, v = real_array(loss, "loss"), real_array(var, "var")
    if x.shape != v.shape:
        raise InputError(f"loss and var differ in length ({x.size} vs {v.size})", param="var")
    if not x.size:
        return math.nan  # no forecast to score, as kupiec's
    with np.errstate(over="ignore", invalid="ignore"):
        out = _pinball(x, v, level)
    if not math.isfinite(out):
        raise InputError("loss and var are too large: their pinball loss overflows", param="loss")
    return out


def _pinball(loss: FloatArray, var: FloatArray, level: float) -> float:
    """:func:`pinball` unchecked (the back-test's scores, whatever their forecasts)."""
    u = loss - var
    return float(np.mean(np.maximum(level * u, (level - 1.0) * u)))


def pinball_py(loss: Sequence[float], var: Sequence[float], level: float) -> float:
    """Twin of :func:`pinball` with a plain loop."""
    tot = 0.0
    for x, v in zip(loss, var, strict=True):
        u = x - v
        tot += level * u if u >= 0 else (level - 1.0) * u
    return tot / len(loss)


def score(loss: Any, var: Any, level: float) -> dict[str, float]:
    """Exceedances, their rate, Kupiec's and Christoffersen's p-values, the pinball loss.

    Returns
    -------
    dict
        ``n``, ``exceedances``, ``rate``, ``expected`` (= 1 − level), ``kupiec_lr``,
        ``kupiec_p``, ``christoffersen_lr``, ``christoffersen_p``, ``pinball``.
    """
    x = np.asarray(loss, dtype=np.float64)
    v = np.asarray(var, dtype=np.float64)
    if x.shape != v.shape:
        raise InputError(f"loss and var differ in length ({x.size} vs {v.size})", param="var")
    hits = x > v
    klr, kp = kupiec(hits, level)
    clr, cp = christoffersen(hits)
    return {
        "n": int(x.size),
        "exceedances": int(hits.sum()),
        "rate": float(hits.mean()) if x.size else math.nan,
        "expected": 1.0 - level,
        "kupiec_lr": klr,
        "kupiec_p": kp,
        "christoffersen_lr": clr,
        "christoffersen_p": cp,
        "pinball": _pinball(x, v, check_level(level)) if x.size else math.nan,
    }


@dataclass(frozen=True, eq=False)
class VarBacktest(SummaryDict):
    """Forecasts and scores of one asset's VaR back-test.

    Attributes
    ----------
    asset : str
    model : str
        ``"gjr"`` or ``"egarch"`` (with ``dist``).
    forecasts : pandas.DataFrame
        One row per window and method: ``horizon`` (days), ``start`` (the last day
        before the window), ``end`` (the day of the window's last close: its outcome
        is known once that daily bar has closed), ``fit_date`` (the month-end the model
        was fitted on), ``loss`` (realised, fraction), ``method`` (``"model"`` or a
        baseline), ``var_95``, ``var_99`` (fractions), and for the model the ends of
        each VaR's 95 % Monte Carlo sampling interval, ``var_95_lo``, ``var_95_hi``,
        ``var_99_lo``, ``var_99_hi`` (both the VaR itself for 1-day windows, whose
        quantile is exact). Days are the daily bars' UTC open times.
    scores : pandas.DataFrame
        One row per horizon, level and method (see :func:`score`), and
        ``within_sampling_error``: the windows whose loss lies within their VaR's
        sampling interval, whose exceedance another seed could flip (0 for the
        baselines and 1-day windows).
    settings : dict
    """

    asset: str
    model: str
    forecasts: pd.DataFrame
    scores: pd.DataFrame
    settings: dict[str, Any]
    _intervals: dict[tuple[Any, ...], tuple[float, float, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """:meth:`pinball_difference`'s results, by its arguments (the object is frozen)."""

    def row(self, horizon: int, level: float, method: str) -> dict[str, Any]:
        """The score row of one horizon, level and method.

        Parameters
        ----------
        horizon : int
            Window length, days.
        level : float
            The VaR's confidence as a fraction, one of ``settings["levels"]`` (by
            default 0.95 and 0.99).
        method : str
            ``"model"`` or a baseline of :data:`BASELINES`.

        Returns
        -------
        dict
            The row of ``scores`` (see :func:`score`).

        Raises
        ------
        InputError
            No such row.
        """
        s = self.scores
        m = (s["horizon"] == horizon) & np.isclose(s["level"], level) & (s["method"] == method)
        if not m.any():
            raise InputError(
                f"no score for horizon {horizon}, level {level}, method {method}", param="method"
            )
        return dict(s[m].iloc[0])

    def pinball_difference(
        self, horizon: int, level: float, baseline: str, *, n_resamples: int | None = None
    ) -> tuple[float, float, float]:
        """Model minus ``baseline`` pinball loss per window: the mean and its 90 % interval.

        The windows of a horizon do not overlap, so they are resampled one by one
        (:func:`liqcascade._significance.paired_mean_interval`, its default resamples
        unless ``n_resamples`` is given: 1-day horizons hold about 2,000 windows).
        Computed once per argument set (the bootstrap's seed is fixed: a repeat call
        would give the same interval).
        Negative: the model's loss is lower. Fractions of the position's value (× 1e4
        for bp).

        Parameters
        ----------
        horizon : int
            Window length, days.
        level : float
            The VaR's confidence as a fraction, one of ``settings["levels"]`` (by
            default 0.95 and 0.99).
        baseline : str
            A baseline of :data:`BASELINES`.
        n_resamples : int, optional
            Bootstrap resamples of the interval (default: the helper's own).

        Returns
        -------
        (mean, lo, hi)

        Raises
        ------
        InputError
            ``level`` is not one of the back-test's levels (e.g. a percent, 99).
        """
        key = (int(horizon), float(level), str(baseline), n_resamples)
        if key not in self._intervals:
            self._intervals[key] = self._pinball_difference(horizon, level, baseline, n_resamples)
        return self._intervals[key]

    def _pinball_difference(
        self, horizon: int, level: float, baseline: str, n_resamples: int | None
    ) -> tuple[float, float, float]:
        """:meth:`pinball_difference`, computed (its bootstrap has a fixed seed)."""
        from liqcascade._significance import paired_mean_interval

        if not any(np.isclose(level, v) for v in self.settings["levels"]):
            raise InputError(
                f"level {level:g} is not one of the back-test's levels "
                f"({', '.join(f'{v:g}' for v in self.settings['levels'])}; fractions)",
                param="level",
            )
        f = self.forecasts[self.forecasts["horizon"] == horizon]
        col = f"var_{round(100 * level)}"
        keys = ["start", "loss"]
        m = f[f["method"] == "model"][[*keys, col]].rename(columns={col: "model"})
        b = f[f["method"] == baseline][["start", col]].rename(columns={col: "base"})
        j = m.merge(b, on="start", how="inner")
        if j.empty:  # the horizon the back-test never ran, else a method it never ran
            ran = (self.forecasts["horizon"] == horizon).any()
            raise InputError(
                f"no windows of horizon {horizon} for method {baseline}"
                + ("" if ran else f" (horizons: {sorted(set(self.forecasts['horizon']))})"),
                param="baseline" if ran else "horizon",
            )

        def rho(v: Any) -> Any:
            u = j["loss"].to_numpy(np.float64) - np.asarray(v, dtype=np.float64)
            return np.maximum(level * u, (level - 1.0) * u)

        d = rho(j["model"]) - rho(j["base"])
        if n_resamples is None:
            return paired_mean_interval(d)
        return paired_mean_interval(d, n_resamples=n_resamples)

    def reads_after(self, ts: Any) -> bool:
        """True when the back-test reads a daily close not yet closed at ``ts`` (UTC).

        ``ts``: the market's time (a bare date: the end of that day). The last day
        read is ``settings["last_day"]``; its close is at the next day's 00:00 UTC.

        Parameters
        ----------
        ts : str or datetime-like
            The market's time, UTC (naive read as UTC); a bare date means the end of
            that day (the next 00:00 UTC).
        """
        return not _closed_by(pd.DatetimeIndex([self.settings["last_day"]]), ts)[0]

    def scored_by(self, ts: Any) -> VarBacktest:
        """The windows whose outcome was known at ``ts``, scored again.

        What a report at the market time ``ts`` (UTC; a bare date: the end of that
        day) can show: the windows whose last daily close (``end``) had closed by
        then, every method on the same windows. Each was forecast by the month-end
        fit before it, as in the whole back-test, so the subset is out of sample as
        the whole is and reads nothing after ``ts``.

        Parameters
        ----------
        ts : str or datetime-like
            The market's time, UTC (naive read as UTC); a bare date means the end of
            that day (the next 00:00 UTC).

        Returns
        -------
        VarBacktest
            Its ``forecasts`` and ``scores`` cover those windows only (a horizon with
            no such window scores ``n`` 0 and NaN); ``settings`` gain ``scored_by``
            (the time, ISO), ``scope`` ("windows closed by the market date") and
            ``whole_last_day`` (the whole back-test's last day), and ``last_day``
            becomes the last scored window's last day (the first fit's when none).
        """
        fc = self.forecasts
        keep = _closed_by(pd.DatetimeIndex(fc["end"]), ts)
        sub = fc[keep].reset_index(drop=True)
        hs, lv = list(self.settings["horizons"]), list(self.settings["levels"])
        last = pd.Timestamp(sub["end"].max()) if len(sub) else self.settings["first_fit"]
        settings = {
            **self.settings,
            "last_day": pd.Timestamp(last).isoformat(),
            "whole_last_day": self.settings["last_day"],
            "fits": int(sub["fit_date"].nunique()) if len(sub) else 0,
            "scored_by": _instant(ts).isoformat(),
            "scope": SCOPE_CLOSED_BY,
        }
        return VarBacktest(self.asset, self.model, sub, _score_table(sub, hs, lv), settings)

    def knowable_at(
        self, ts: Any, horizon: int | None = None
    ) -> tuple[VarBacktest, VarBacktest | None]:
        """The back-test to score at the market time ``ts``, and the whole one beside it.

        ``(self, None)`` when the back-test reads nothing after ``ts``; else the windows
        closed by ``ts`` (:meth:`scored_by`) and the whole back-test, which reads data
        after ``ts`` (shown beside, labelled); with fewer than :data:`MIN_SCORE_WINDOWS`
        windows of ``horizon`` closed by then, ``(self, self)``: the whole back-test is
        scored, labelled the same way. The report's VaR card and ``liqcascade stress
        --scenario backtest`` both score what this returns.

        Parameters
        ----------
        ts : str or datetime-like
            The market's time, UTC (naive read as UTC); a bare date means the end of
            that day (the next 00:00 UTC).
        horizon : int, optional
            The horizon (days) whose closed windows are counted; default the back-test's
            longest.
        """
        if not self.reads_after(ts):
            return self, None
        sub = self.scored_by(ts)
        h = max(self.settings["horizons"]) if horizon is None else int(horizon)
        fc = sub.forecasts
        n = int(((fc["horizon"] == h) & (fc["method"] == "model")).sum()) if len(fc) else 0
        return (self, self) if n < MIN_SCORE_WINDOWS else (sub, self)

    def best_baseline(self, horizon: int, level: float) -> str:
        """The baseline with the lowest pinball loss at ``horizon`` and ``level``.

        Parameters
        ----------
        horizon : int
            Window length, days.
        level : float
            The VaR's confidence as a fraction, one of ``settings["levels"]`` (by
            default 0.95 and 0.99).

        Returns
        -------
        str
            A name of :data:`BASELINES`.
        """
        rows = [self.row(horizon, level, b) for b in BASELINES]
        return str(min(rows, key=lambda r: r["pinball"])["method"])

    def summary(self) -> dict[str, Any]:
        """Settings and scores (JSON-ready)."""
        return {
            "asset": self.asset,
            "model": self.model,
            **self.settings,
            "scores": self.scores.to_dict(orient="records"),
        }

    def to_frame(self) -> pd.DataFrame:
        """The scores: one row per horizon (days), level and method (see :func:`score`).

        A copy of :attr:`scores`, as the other results' ``to_frame()`` give their main
        table; :attr:`forecasts` holds the window-by-window losses and VaRs.
        """
        return self.scores.copy()


#: ``settings["scope"]`` of :meth:`VarBacktest.scored_by`'s back-test.
SCOPE_CLOSED_BY = "windows closed by the market date"

_DAY = pd.Timedelta(days=1)


def _instant(ts: Any) -> pd.Timestamp:
    """The market time ``ts`` in UTC; a bare date is the end of that day (the next 00:00)."""
    return to_utc(ts) + _DAY if is_bare_date(ts) else to_utc(ts)


def _closed_by(days: pd.DatetimeIndex, ts: Any) -> np.ndarray:
    """Which daily bars (labelled by their UTC open) have closed by ``ts`` (bare date: its end).

    The market's cut (:func:`liqcascade.market._inputs.closed_mask`) with a one-day step;
    naive labels (a back-test of closes with a naive index) are read as UTC.
    """
    return closed_mask(utc_index(days), _instant(ts), _DAY)


def _score_table(fc: pd.DataFrame, hs: Sequence[int], lv: Sequence[float]) -> pd.DataFrame:
    """One :func:`score` row per horizon, level and method of the forecasts ``fc``."""
    rows = []
    horizon, method = fc["horizon"].to_numpy(), fc["method"].to_numpy()
    loss = fc["loss"].to_numpy(np.float64)
    cols = {str(c): fc[c].to_numpy(np.float64) for c in fc.columns if str(c).startswith("var_")}
    for h in hs:
        at_h = horizon == h
        for x in lv:
            lo, hi = cols.get(f"{_col(x)}_lo"), cols.get(f"{_col(x)}_hi")
            for name in ("model", *BASELINES):
                i = np.flatnonzero(at_h & (method == name))  # the method's windows of h
                got = score(loss[i], cols[_col(x)][i], x)
                near = _within_sampling_error(
                    loss[i], None if lo is None else lo[i], None if hi is None else hi[i]
                )
                rows.append({"horizon": h, "level": x, "method": name, **got, **near})
    return pd.DataFrame(rows)


def _within_sampling_error(
    loss: FloatArray, lo: FloatArray | None, hi: FloatArray | None
) -> dict[str, int]:
    """``within_sampling_error``: windows whose loss lies in their VaR's sampling interval.

    The interval is the VaR's 95 % Monte Carlo sampling interval (columns such as
    ``var_95_lo``, ``var_95_hi`` of the model's forecasts; ``lo``, ``hi`` here, None
    when the table has no such column): another seed could put such a window's loss
    on the other side of its VaR, so the exceedance count can move by up to this many.
    0 for the baselines and the 1-day windows (no Monte Carlo, no sampling error).
    """
    if not loss.size or lo is None or hi is None:
        return {"within_sampling_error": 0}
    near = np.isfinite(lo) & np.isfinite(hi) & (hi > lo) & (loss >= lo) & (loss <= hi)
    return {"within_sampling_error": int(near.sum())}


def _fit(r: pd.Series, model: str, dist: str, start: FloatArray | None) -> Any:
    from liqcascade.volatility import arch_spec, fit_arch

    am = arch_spec(r, model, dist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_arch(am, disp="off", show_warning=False, starting_values=start)
        if start is not None and res.convergence_flag != 0:
            res = fit_arch(am, disp="off", show_warning=False)
    return res


def _model_var(
    res: Any,
    pool: FloatArray,
    model: str,
    sigma2_0: float,
    horizon: int,
    levels: Sequence[float],
    drift: str,
    paths: int,
    rng: np.random.Generator,
    pool_q: FloatArray,
) -> list[tuple[float, float, float]]:
    """VaR (fractions) of a unit long over ``horizon`` days from one fit (FHS on ``pool``).

    ``pool_q``: the quantiles ``1 − level`` of ``pool`` (one fit's, the same for every
    1-day window it forecasts: computed once per fit, not once per window).

    Returns, per level, the VaR and the ends of its 95 % Monte Carlo sampling interval
    (:func:`~liqcascade.stress.quantile_interval`, sampling error only): the VaR itself
    at both ends for ``horizon == 1``, whose quantile is exact (no paths are drawn).
    The paths are :func:`~liqcascade.stress._kernels.mc_kernel`'s with an empty book
    (:func:`~liqcascade.stress._kernels.price_paths_kernel`: the same final prices); the
    losses are sorted once for every level's quantile (``numpy.quantile``'s values) and
    interval (:func:`~liqcascade.stress._result.quantiles_with_intervals`).
    """
    from liqcascade.stress._kernels import MODEL_EGARCH, MODEL_GJR, price_paths_kernel
    from liqcascade.stress._model import SIGMA2_CAP
    from liqcascade.stress._result import quantiles_with_intervals

    par = res.params
    mu = float(par.get("mu", 0.0)) if drift == "fitted" else 0.0
    s2 = min(sigma2_0, SIGMA2_CAP)
    if horizon == 1:  # the bootstrap's quantile, exactly
        exact = [float(1.0 - math.exp((mu + math.sqrt(s2) * z) / 100.0)) for z in pool_q]
        return [(v, v, v) for v in exact]
    z = np.ascontiguousarray(pool[rng.integers(0, pool.size, size=(paths, horizon))])
    final = price_paths_kernel(
        z,
        1.0,
        mu,
        float(par["omega"]),
        float(par["alpha[1]"]),
        float(par.get("gamma[1]", 0.0)),
        float(par["beta[1]"]),
        MODEL_EGARCH if model == "egarch" else MODEL_GJR,
        s2,
        SIGMA2_CAP,
    )
    return quantiles_with_intervals(1.0 - final, levels)


def _check_settings(
    horizons: Sequence[int], levels: Sequence[float], drift: str, paths: Any, n_assets: int = 1
) -> tuple[list[int], list[float]]:
    """A back-test's horizons (days; sorted, unique) and levels, checked with its drift and paths.

    Parameters
    ----------
    horizons : sequence of int
        Window lengths, days (each >= 1).
    levels : sequence of float
        VaR confidences, fractions in (0.5, 1).
    drift : {"zero", "fitted"}
    paths : int
        Monte Carlo paths per multi-day forecast (a whole number > 0).
    n_assets : int, default 1
        Assets drawn on each path: ``paths`` is checked against the memory the longest
        horizon needs for all of them (numpy's MemoryError, after the fits, otherwise).

    Raises
    ------
    InputError
        The first bad one, ``param`` naming it (1.5 paths ran 1 path).
    """
    if drift not in DRIFTS:
        raise InputError(f"drift must be one of {', '.join(DRIFTS)} (got {drift!r})", param="drift")
    hs = sorted({int(h) for h in horizons})
    if not hs or hs[0] < 1:
        raise InputError(f"horizons must be >= 1 day (got {list(horizons)})", param="horizons")
    if isinstance(paths, bool) or not isinstance(paths, numbers.Integral):
        raise InputError(f"paths must be a whole number > 0 (got {paths!r})", param="paths")
    if paths <= 0:
        raise InputError(f"paths must be > 0 (got {paths})", param="paths")
    check_count("paths", int(paths), (_PATH_DAY_BYTES * hs[-1] + _PATH_BYTES) * n_assets)
    lv = [float(x) for x in levels]
    if not lv or not all(0.5 < x < 1 for x in lv):
        raise InputError(f"levels must lie in (0.5, 1) (got {list(levels)})", param="levels")
    return hs, lv


@dataclass(frozen=True, eq=False)
class _Days:
    """Which daily returns span one day, for both VaR back-tests.

    A return across a missing day (the closes skip a day: no bar, or a day left out) is
    the move of two days or more. Both back-tests leave it out rather than score it as
    one day: it enters no fit, no EWMA update and no historical-simulation ratio, and no
    window that holds it is scored (the windows keep their places; one that spans a gap
    is skipped). With no gap every figure is the one of the plain series.

    Attributes
    ----------
    one : ndarray of bool
        Per return (in time order): True when it spans one day.
    gaps : ndarray of int
        Per return: the returns across a gap up to it (cumulative).
    kept_at : ndarray of int
        Per return: the position, among the one-day returns, of the last one at or
        before it (0 when there is none yet).
    """

    one: np.ndarray
    gaps: np.ndarray
    kept_at: np.ndarray

    @classmethod
    def of(cls, closes: pd.DatetimeIndex) -> _Days:
        """The returns between consecutive ``closes`` (their days, sorted)."""
        one = np.asarray((closes[1:] - closes[:-1]) <= _DAY, dtype=bool)
        kept_at = np.maximum(np.cumsum(one) - 1, 0)
        return cls(one, np.cumsum(~one), kept_at)

    def kept(self, x: Any) -> Any:
        """The one-day returns of ``x``, the first ``len(x)`` returns (Series or frame)."""
        return x[self.one[: len(x)]]

    def whole(self, s: int, h: int) -> bool:
        """Whether the window after return ``s``, ``h`` returns long, spans no gap."""
        return bool(self.gaps[s + h] == self.gaps[s])

    def whole_spans(self, s: int, h: int) -> np.ndarray:
        """Per past ``h``-return span ending by ``s`` (historical simulation): no gap in it."""
        return np.asarray(self.gaps[h : s + 1] == self.gaps[: s + 1 - h])

    def scored(self, s: int, h: int) -> bool:
        """Whether the window after return ``s``, ``h`` returns long, is scored.

        It spans no gap, and the last year holds a past ``h``-return span without one
        (the historical baselines' sample: none when a gap falls in every span).
        """
        return self.whole(s, h) and bool(self.whole_spans(s, h)[-(365 - h + 1) :].any())

    def notes(self, dates: pd.DatetimeIndex) -> list[str]:
        """What was left out, in words (none when no return spans a gap)."""
        if self.one.all():
            return []
        days = [f"{d:%Y-%m-%d}" for d in dates[~self.one]]
        shown = ", ".join(days[:5]) + (f" and {len(days) - 5} more" if len(days) > 5 else "")
        return [
            f"{count_text(len(days), 'return')} across a missing day left out (a move of more "
            f"than one day: in no fit, baseline or scored window): those closing {shown}"
        ]


@dataclass(frozen=True, eq=False)
class _Spans:
    """Every past ``h``-return span of the closes, for the historical-simulation baselines.

    The loss over the span after return ``j`` (``1 − P(j+h)/P(j)``, a fraction) and
    whether it spans no gap, each computed once for the whole back-test; the window after
    return ``s`` reads the first ``s + 1 − h`` of them (the spans ending by ``s``), as the
    per-window arrays it replaces did (the same floats: ``numpy.exp`` of the same
    differences), and their quantiles come from a sample kept sorted
    (:class:`~liqcascade.stress._quantiles.ExpandingSample`: ``numpy.quantile``'s values).

    Attributes
    ----------
    h : int
        Span length, returns (days).
    loss : ndarray of float
        Per span start ``j``: its loss, a fraction of the position's value.
    ok : ndarray of bool
        Per span start ``j``: the span holds no return across a missing day
        (:meth:`_Days.whole_spans`).
    expanding : ExpandingSample
        The whole spans' losses so far, sorted (``hs``).
    """

    h: int
    loss: FloatArray
    ok: np.ndarray
    expanding: Any

    @classmethod
    def of(cls, logp: FloatArray, days: _Days, h: int) -> _Spans:
        """The spans of ``h`` returns of the log closes ``logp`` (one per return)."""
        from liqcascade.stress._quantiles import ExpandingSample

        loss = 1.0 - np.exp(logp[h:] - logp[:-h])
        ok = days.whole_spans(logp.size - 1, h)  # every span, to the last return's
        return cls(h, loss, ok, ExpandingSample(loss, ok))

    def baselines(self, s: int, levels: Sequence[float]) -> tuple[list[float], list[float]]:
        """The ``hs`` and ``hs_1y`` VaRs (fractions) at ``levels`` of the window after ``s``.

        ``hs``: the quantiles of every whole span ending by return ``s``; ``hs_1y``: of
        those among the last ``365 − h + 1`` spans.
        """
        from liqcascade.stress._quantiles import sorted_quantiles

        m = s + 1 - self.h
        w = 365 - self.h + 1
        recent = self.loss[:m][-w:][self.ok[:m][-w:]]
        return self.expanding.upto(m).quantiles(levels), sorted_quantiles(np.sort(recent), levels)


def var_backtest(
    close: pd.Series,
    *,
    asset: str = "",
    horizons: Sequence[int] = (1, 10, 30),
    levels: Sequence[float] = (0.95, 0.99),
    model: str = "gjr",
    dist: str = "t",
    drift: str = "zero",
    min_days: int = 730,
    paths: int = 2000,
    seed: int = 0,
) -> VarBacktest:
    """Expanding-window out-of-sample back-test of the stress model's VaR and baselines.

    Parameters
    ----------
    close : pandas.Series
        Daily closes, USD, UTC DatetimeIndex (e.g. ``datasets.load_ohlcv(a, "1d")["close"]``
        cut at the report's date).
    asset : str, optional
        Label.
    horizons : sequence of int, default (1, 10, 30)
        Days; the windows of a horizon are consecutive, non-overlapping blocks.
    levels : sequence of float, default (0.95, 0.99)
    model : {"gjr", "egarch", "garch"}, default "gjr"
        The stress Monte Carlo's variance model (EGARCH only as a sensitivity).
    dist : {"t", "normal", "skewt"}, default "t"
    drift : {"zero", "fitted"}, default "zero"
        The paths' daily mean: zero (the stress VaR's default) or the fitted constant.
    min_days : int, default 730
        Returns before the first month-end fit.
    paths : int, default 2,000
        Monte Carlo paths per multi-day forecast.
    seed : int, default 0
        Each horizon draws from its own stream, the child ``h`` of
        ``numpy.random.SeedSequence(seed)``: a horizon's forecasts are the same whichever
        other horizons run.

    Returns
    -------
    VarBacktest

    Raises
    ------
    InputError
        Bad horizon, level, drift, seed, or too little history; ``paths`` not a whole
        number > 0, or more paths than the memory holds for the longest horizon (numpy's
        MemoryError, after the fits) (``param`` names each).
    """
    from liqcascade.volatility import check_dist, check_model, ewma_covariance

    model, dist = check_model(model), check_dist(dist)
    hs, lv = _check_settings(horizons, levels, drift, paths)
    seed = check_seed(seed)
    close = number_series(close, "close")  # text was cast to numbers; a naive index is UTC
    c = pd.Series(close, dtype=np.float64).dropna()
    c = c[c > 0].sort_index()
    r_all = pd.Series(100.0 * np.log(c.to_numpy(np.float64)), index=c.index).diff().dropna()
    if r_all.size < min_days + 60:
        raise InputError(
            f"close: {r_all.size} daily returns; the back-test needs more than {min_days + 60}",
            param="close",
        )
    dates = r_all.index
    days = _Days.of(pd.DatetimeIndex(c.index))
    r = np.asarray(r_all, dtype=np.float64)
    logp = np.log(c.loc[dates].to_numpy(np.float64))  # log close on each return's day
    month_ends = pd.Series(dates, index=dates).resample("ME").last().dropna()
    pos = np.searchsorted(dates.to_numpy(), month_ends.to_numpy())  # last day of each month
    fit_pos = [int(i) for i in pos if i >= min_days - 1]
    # one stream per horizon, keyed by the horizon (the child ``h`` of
    # ``SeedSequence(seed).spawn``): a horizon's forecasts do not depend on which
    # other horizons run
    rngs = {h: np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(h,))) for h in hs}
    ewma = ewma_covariance(r[days.one], after=True)[:, 0, 0]  # next day's, %²
    z_lv = [float(stats.norm.ppf(x)) for x in lv]  # the EWMA VaR's normal quantiles
    from liqcascade.volatility import arch_spec

    rows: list[dict[str, Any]] = []
    start_vals: FloatArray | None = None
    next_start = dict.fromkeys(hs, fit_pos[0])  # index of the last day before the next window
    spans = {h: _Spans.of(logp, days, h) for h in hs}  # every past h-day loss, once
    stamps = list(dates)  # the days as Timestamps, once (indexing the index cost ~0.2 s)
    names = [(_col(x), f"{_col(x)}_lo", f"{_col(x)}_hi") for x in lv]  # each level's columns
    n_fits = 0
    for k, i in enumerate(fit_pos):
        if all(next_start[h] + h > r.size - 1 for h in hs):
            # no window is left to forecast (the data end on this month-end or within the
            # horizons): this fit and every later one would forecast nothing
            break
        n_fits += 1
        res = _fit(days.kept(r_all.iloc[: i + 1]), model, dist, start_vals)
        start_vals = np.asarray(res.params, dtype=np.float64)
        pool = np.asarray(res.std_resid, dtype=np.float64)
        pool = pool[np.isfinite(pool)]
        pool_q = np.quantile(pool, [1.0 - x for x in lv])  # the 1-day windows' quantiles
        stop = fit_pos[k + 1] if k + 1 < len(fit_pos) else r.size - 1
        # the month-end parameters filtered through every return (sigma_t uses r before t)
        last = min(r.size - 1, stop + max(hs))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fixed = arch_spec(days.kept(r_all.iloc[: last + 1]), model, dist).fix(res.params)
        cond = np.asarray(fixed.conditional_volatility, dtype=np.float64)
        for h in hs:
            s = next_start[h]
            while s < stop and s + h <= r.size - 1:
                if not days.scored(s, h):  # a return across a missing day: not scored
                    s += h
                    continue
                loss = 1.0 - math.exp(logp[s + h] - logp[s])
                sig2 = float(cond[days.kept_at[s + 1]] ** 2)
                mvar = _model_var(res, pool, model, sig2, h, lv, drift, paths, rngs[h], pool_q)
                e_sd = math.sqrt(ewma[days.kept_at[s]] * h)
                hs_all, hs_1y = spans[h].baselines(s, lv)
                base = {
                    "hs": hs_all,
                    "hs_1y": hs_1y,
                    "ewma": [float(1.0 - math.exp(-z * e_sd / 100.0)) for z in z_lv],
                }
                common = {
                    "horizon": h,
                    "start": stamps[s],
                    "end": stamps[s + h],
                    "fit_date": stamps[i],
                    "loss": loss,
                }
                cols: dict[str, float] = {}
                for (col, col_lo, col_hi), (v, v_lo, v_hi) in zip(names, mvar, strict=True):
                    cols.update({col: v, col_lo: v_lo, col_hi: v_hi})
                rows.append({**common, "method": "model", **cols})
                for name, vals in base.items():
                    cols = {three[0]: v for three, v in zip(names, vals, strict=True)}
                    rows.append({**common, "method": name, **cols})
                s += h
            next_start[h] = s
    return _backtest_result(
        asset, f"{model}-{dist}", pd.DataFrame(rows), hs, lv,
        drift=drift, min_days=min_days, paths=paths, seed=seed,
        first_fit=dates[fit_pos[0]], last_day=dates[-1], fits=n_fits,
        **({"notes": days.notes(pd.DatetimeIndex(dates))} if not days.one.all() else {}),
    )  # fmt: skip


def _backtest_result(
    asset: str,
    model: str,
    fc: pd.DataFrame,
    hs: Sequence[int],
    lv: Sequence[float],
    *,
    drift: str,
    min_days: int,
    paths: int,
    seed: int,
    first_fit: pd.Timestamp,
    last_day: pd.Timestamp,
    fits: int,
    **extra: Any,
) -> VarBacktest:
    """A :class:`VarBacktest` of the forecasts ``fc``: scored, with its settings.

    Parameters
    ----------
    asset, model : str
        What was back-tested (``"ETH"``, ``"ETH+BTC"``) and the model (``"gjr-t"``).
    fc : pandas.DataFrame
        One row per window and method.
    hs, lv : sequence
        Horizons (days) and VaR levels.
    drift, min_days, paths, seed, first_fit, last_day, fits
        The run's settings (days, paths, the first fit's and last return's days).
    **extra
        More settings (the portfolio back-test's units, sizes and what its P&L leaves out).
    """
    return VarBacktest(
        asset=asset,
        model=model,
        forecasts=fc,
        scores=_score_table(fc, hs, lv),
        settings={
            "horizons": hs,
            "levels": lv,
            "drift": drift,
            "min_days": int(min_days),
            "paths": int(paths),
            "seed": int(seed),
            "first_fit": first_fit.isoformat(),
            "last_day": last_day.isoformat(),
            "fits": fits,
            **extra,
        },
    )


def _col(level: float) -> str:
    return f"var_{round(level * 100):d}"
