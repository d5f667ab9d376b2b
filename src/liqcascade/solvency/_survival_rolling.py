"""History's fall frequency as a forecast, scored out of sample on a rolling origin.

:func:`~liqcascade.solvency._survival.out_of_sample` scores the frequency at one split
(history's midpoint): one draw of the past against one of the future, which a calm half
after a wild one decides. :func:`rolling_out_of_sample` is the stronger test: an
expanding window re-estimated at every origin (calendar quarter starts by default, from
a year into the bars): history's frequency of a fall of at least ``d`` within the
horizon (the non-overlapping windows of :func:`~liqcascade.solvency._survival.
window_falls` that ended by the origin) and the same two baselines refitted on the
hourly log returns closed by it (a normal; a Student-t centred at 0, its fit started
from the previous origin's), forecast every window that starts from that origin to the
next one. Each window is scored once, per depth of the grid (Brier; log score), and the
paired differences history − baseline per window (summed over the depths) give the mean
difference with its Diebold–Mariano interval (Newey–West long-run variance, lag
``⌊4 (n / 100)^(2/9)⌋``: the windows are one step ahead but volatility clusters) and a
verdict, :func:`liqcascade._significance.verdict` at its level (90 %).

The log score of history's frequency is taken at ``(k + ½) / (n + 1)`` (a frequency of
0 met by a fall would score −∞); the baselines' forecasts are clipped to
``[1e-12, 1 − 1e-12]`` there. Brier scores the frequency ``k / n`` itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.solvency._survival import (
    HORIZONS,
    MIN_RETURNS,
    OOS_FALLS,
    _baseline_p,
    _grid,
    window_falls,
)

__all__ = ["BURN_IN_DAYS", "EVERY", "rolling_out_of_sample", "score_windows", "t_fit"]

#: How often the frequency and the baselines are re-estimated (a pandas offset alias:
#: calendar quarter starts).
EVERY = "QS"
#: History before the first origin, days (a year: a year's windows of every horizon).
BURN_IN_DAYS = 365
#: Where the baselines' forecasts are clipped for the log score.
CLIP = 1e-12


def t_fit(x: np.ndarray, start: tuple[float, float] | None = None) -> tuple[float, float]:
    """Maximum-likelihood Student-t (centred at 0) of ``x``: degrees of freedom and scale.

    The fit :func:`scipy.stats.t.fit` makes with ``floc=0`` (Nelder–Mead on the negative
    log-likelihood), on ``log df`` and ``log scale`` and with the likelihood written
    out: the generic fit computes ``gammaln`` of the degrees of freedom once per return
    and costs about 0.14 s per fit on 35,000 hourly returns, which a rolling check
    repeats at every origin.

    Parameters
    ----------
    x : numpy.ndarray
        The returns (hourly log returns), finite, at least two not 0.
    start : (float, float), optional
        Where the search starts (degrees of freedom, scale); default 3 and the median
        absolute return over 0.765 (the t with 3 degrees of freedom's median of ``|x|``).

    Returns
    -------
    (float, float)
        Degrees of freedom and scale (the returns' unit).
    """
    from scipy.optimize import minimize
    from scipy.special import gammaln

    x2 = np.asarray(x, dtype=float) ** 2
    n = len(x2)
    if start is None:
        start = (3.0, max(float(np.median(np.sqrt(x2))) / 0.765, 1e-12))

    def nll(theta: np.ndarray) -> float:
        df, scale = math.exp(theta[0]), math.exp(theta[1])
        const = gammaln((df + 1) / 2) - gammaln(df / 2) - 0.5 * math.log(df * math.pi)
        tail = float(np.log1p(x2 / (df * scale * scale)).sum())
        return -(n * (const - theta[1]) - (df + 1) / 2 * tail)

    res = minimize(nll, np.log(start), method="Nelder-Mead",
                   options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 2000})  # fmt: skip
    return math.exp(res.x[0]), math.exp(res.x[1])


def _fits(close: np.ndarray, ends: np.ndarray) -> list[dict[str, float] | None]:
    """The normal and Student-t fits of the hourly log returns of the first ``ends[i]`` closes.

    One per origin (``ends`` ascending: closes known by it); each Student-t fit
    (:func:`t_fit`) starts from the previous one's. None where fewer than
    :data:`MIN_RETURNS` returns.
    """
    r = np.diff(np.log(close))
    out: list[dict[str, float] | None] = []
    prev: tuple[float, float] | None = None
    for e in ends:
        x = r[: max(int(e) - 1, 0)]
        x = x[np.isfinite(x)]
        if len(x) < MIN_RETURNS:
            out.append(None)
            continue
        prev = t_fit(x, prev)
        out.append({"sigma_1h": float(np.std(x, ddof=1)), "t_df": prev[0], "t_scale_1h": prev[1]})
    return out


def score_windows(
    p: Mapping[str, np.ndarray], k: np.ndarray, n: np.ndarray, y: np.ndarray
) -> dict[str, dict[str, np.ndarray]]:
    """Per window and depth, the Brier and log scores of history and the baselines.

    Parameters
    ----------
    p : mapping of str to ndarray
        The baselines' forecasts (``"normal"``, ``"student_t"``), ``(windows, depths)``
        probabilities.
    k, n : ndarray
        History before each window's origin: windows that fell that deep
        ``(windows, depths)`` and windows counted ``(windows,)``, n >= 1.
    y : ndarray
        ``(windows, depths)``: 1.0 where the window fell that deep, else 0.0.

    Returns
    -------
    dict
        ``brier`` and ``log_score``, each ``{name: (windows, depths) array}`` for
        ``history`` and every baseline (Brier lower is better, log score higher).
    """
    nn = n[:, None].astype(float)
    hist = k / nn
    smooth = (k + 0.5) / (nn + 1.0)
    brier = {"history": (hist - y) ** 2}
    logs = {"history": y * np.log(smooth) + (1 - y) * np.log1p(-smooth)}
    for name, q in p.items():
        brier[name] = (q - y) ** 2
        c = np.clip(q, CLIP, 1.0 - CLIP)
        logs[name] = y * np.log(c) + (1 - y) * np.log1p(-c)
    return {"brier": brier, "log_score": logs}


def _lag(n: int) -> int:
    """Newey–West truncation lag ``⌊4 (n / 100)^(2/9)⌋`` (at least 0)."""
    return max(0, math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))


def _difference(d: np.ndarray, *, lower_is_better: bool) -> dict[str, Any]:
    """Mean paired difference history − baseline, its DM interval and the verdict.

    All differences 0: the interval is that 0 (a tie); one window: no interval (None).
    """
    from scipy.special import stdtrit

    from liqcascade._significance import LEVEL, dm_statistic, verdict

    m = float(np.mean(d))
    if len(d) < 2:  # one window: no interval, no verdict
        return {"mean": m, "lo": None, "hi": None, "verdict": None}
    stat, dof = dm_statistic(d, _lag(len(d)))
    if math.isnan(stat):
        lo = hi = m
    else:
        se = abs(m / stat) if math.isfinite(stat) and stat != 0 else 0.0
        z = float(stdtrit(max(dof, 1), 0.5 + LEVEL / 2))
        lo, hi = m - z * se, m + z * se
    said = verdict(lo, hi, lower_is_better=lower_is_better)
    return {"mean": m, "lo": lo, "hi": hi, "verdict": said}


def _origins(grid: pd.DatetimeIndex, last: pd.Timestamp, every: str, burn_in: int) -> Any:
    """The re-estimation dates: every ``every`` from ``burn_in`` days into the bars."""
    first = grid[0] + pd.Timedelta(days=burn_in)
    return pd.date_range(first.ceil("D"), last, freq=every, inclusive="left")


def _horizon(
    starts: pd.DatetimeIndex, f: np.ndarray, hours: int, origins: Any,
    fits: list[dict[str, float] | None], falls: Sequence[float],
) -> dict[str, Any] | None:  # fmt: skip
    """One horizon's scores: each window forecast from the origin before its start."""
    stop = starts + pd.Timedelta(hours=hours)
    which = np.searchsorted(origins.asi8, starts.asi8, side="right") - 1
    n_before = np.searchsorted(stop.asi8, origins.asi8, side="right")
    ok = which >= 0
    ok[ok] = (n_before[which[ok]] > 0) & np.array([fits[i] is not None for i in which[ok]])
    if not ok.any():
        return None
    w, fw = which[ok], f[ok]
    depth = np.asarray(falls, dtype=float)
    hit = (f[:, None] <= -depth[None, :]).astype(float)
    cum = np.vstack([np.zeros(len(depth)), np.cumsum(hit, axis=0)])
    k, n = cum[n_before[w]], n_before[w]
    nan = {"normal": math.nan, "student_t": math.nan}
    base = [[_baseline_p(fit, d, hours) if fit else nan for d in depth] for fit in fits]
    p = {name: np.array([[b[name] for b in row] for row in base])[w] for name in nan}
    y = hit[ok]
    s = score_windows(p, k, n, y)
    return _summarise(s, fw, y, starts[ok], falls)


def _summarise(
    s: dict[str, dict[str, np.ndarray]], fw: np.ndarray, y: np.ndarray,
    starts: pd.DatetimeIndex, falls: Sequence[float],
) -> dict[str, Any]:  # fmt: skip
    """Means per depth and summed over them, paired differences against each baseline."""
    out: dict[str, Any] = {"n": len(fw), "first_window": starts[0].isoformat()}
    for score, lower in (("brier", True), ("log_score", False)):
        per = {name: v.sum(axis=1) for name, v in s[score].items()}
        out[score] = {name: float(v.mean()) for name, v in per.items()}
        out[f"{score}_vs"] = {
            b: _difference(per["history"] - per[b], lower_is_better=lower)
            for b in ("normal", "student_t")
        }
    out["rows"] = [
        {"fall": float(d), "realised": float(y[:, j].mean()),
         "brier": {name: float(v[:, j].mean()) for name, v in s["brier"].items()},
         "brier_vs_student_t": _difference(s["brier"]["history"][:, j]
                                           - s["brier"]["student_t"][:, j],
                                           lower_is_better=True)}
        for j, d in enumerate(falls)
    ]  # fmt: skip
    return out


def rolling_out_of_sample(
    bars: pd.DataFrame,
    end: pd.Timestamp | None = None,
    *,
    horizons: Sequence[tuple[int, str, str]] = HORIZONS,
    falls: Sequence[float] = OOS_FALLS,
    every: str = EVERY,
    burn_in_days: int = BURN_IN_DAYS,
    windows: Mapping[int, tuple[pd.DatetimeIndex, np.ndarray]] | None = None,
) -> dict[str, Any] | None:
    """History's fall frequency against the baselines, re-estimated on an expanding window.

    Parameters
    ----------
    bars : pandas.DataFrame
        Hourly bars (``low``, ``close``, USD), indexed by open time (UTC).
    end : pandas.Timestamp, optional
        The run's date (UTC): no bar closed after it is read (default: every bar).
    horizons, falls : sequences
        ``(hours, label, trials)`` as :data:`~liqcascade.solvency._survival.HORIZONS`;
        the depths scored (positive fractions of the close).
    every : str, default "QS"
        The origins' spacing (pandas offset alias; calendar quarter starts).
    burn_in_days : int, default 365
        History before the first origin, days.
    windows : mapping, optional
        Each horizon's :func:`~liqcascade.solvency._survival.window_falls` (hours to
        starts and falls), when already computed.

    Returns
    -------
    dict or None
        None without an origin. Else ``method`` (``"expanding"``), ``every``,
        ``origins`` (how many), ``first_origin``, ``falls``, ``level`` (the intervals')
        and per horizon: ``hours``, ``label``, ``n`` (windows scored), ``first_window``,
        ``brier`` and ``log_score`` (per name, the mean over windows of the score
        summed over the depths), ``brier_vs`` and ``log_score_vs`` (per baseline: the
        mean paired difference history − baseline, its interval ``lo`` … ``hi`` and
        ``verdict``: history ``beats``, ``ties`` or ``loses``), and ``rows`` per depth
        (``fall``, ``realised``, mean ``brier`` per name, ``brier_vs_student_t``).
        A horizon with no window scored is left out.
    """
    from liqcascade._significance import LEVEL

    grid, _, close = _grid(bars, end)
    if len(grid) < 2:
        return None
    last = grid[-1] + pd.Timedelta(hours=1)
    origins = _origins(grid, last, every, burn_in_days)
    if len(origins) == 0:
        return None
    ends = np.searchsorted((grid + pd.Timedelta(hours=1)).asi8, origins.asi8, side="right")
    fits = _fits(close, ends)
    rows = []
    for hours, label, _ in horizons:
        starts, f = (
            windows[hours] if windows and hours in windows else window_falls(bars, hours, end)
        )
        h = _horizon(starts, f, hours, origins, fits, falls)
        if h is not None:
            rows.append({"hours": hours, "label": label, **h})
    return {
        "method": "expanding", "every": every, "origins": len(origins),
        "first_origin": origins[0].isoformat(), "falls": [float(d) for d in falls],
        "level": LEVEL, "horizons": rows,
    }  # fmt: skip
