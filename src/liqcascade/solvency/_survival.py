"""How likely a fall deep enough to exhaust the insurance fund is: history's frequency.

:func:`~liqcascade.solvency._adl_start.adl_start` finds *where* auto-deleveraging starts
(the fall at which the fund is exhausted); this module says how often history fell
that deep. The solvency engine's shock is the price at once, ``mid × (1 + shock)``,
from the market's close (the 2025-10-10 scenario: the day's lowest hourly low over its
first open), so a fall is measured the same way: from a close to the lowest hourly
low within the horizon after it.

The trials are non-overlapping windows of ``hours`` hourly bars, laid back from the
run's date (the last one ends at it; expanding: every window before the date, none
after it), so each window is one independent Bernoulli trial: ``k`` windows of ``n``
fell at least as deep, ``p = k / n``, with the exact (Clopper–Pearson) 95 % interval.
A window counts when the close before it is known and at least one of its bars is;
hours the data miss (exchange outages) are left out of its lowest low.

:func:`out_of_sample` checks the frequency as a forecast: estimated on the windows
before a split date, scored (Brier, log score) on the windows after it against the
strongest simple baselines, a normal and a Student-t on the pre-split hourly log
returns scaled by √hours, whose probability of the lowest low reaching a level is the
reflection principle's (twice the chance of ending below it, driftless).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "HORIZONS",
    "OOS_FALLS",
    "agree_text",
    "chance_text",
    "fall_count",
    "fall_frequencies",
    "horizon_windows",
    "interval_text",
    "out_of_sample",
    "probability_text",
    "window_falls",
]

#: The horizons, hours, and what a window of each is called: the crash hour (the
#: 2025-10-10 fall came within one), a day (the calibrated engine holds the index at
#: the shock for 24 h while the book responds; the 2025-10-10 scenario is a UTC day's
#: lowest low over its open) and 30 days (a month's risk report; the fund and the book
#: are taken as they are at the date throughout, which a month strains).
HORIZONS: tuple[tuple[int, str, str], ...] = (
    (1, "1 h", "hours"),
    (24, "24 h", "days"),
    (720, "30 days", "30-day periods"),
)
#: Falls (fractions of the close) the out-of-sample check scores the frequency on.
OOS_FALLS: tuple[float, ...] = (0.05, 0.10, 0.15, 0.20, 0.30)
#: The exact interval's confidence.
LEVEL = 0.95


def probability_text(p: float | None, extra: int = 0) -> str:
    """A probability as a percent with two significant figures: ``3.6 %``, ``0.042 %``.

    >>> probability_text(0.0358), probability_text(0.00042), probability_text(0.52)
    ('3.6 %', '0.042 %', '52 %')
    >>> probability_text(0.0), probability_text(1.0), probability_text(0.162, 1)
    ('0 %', '100 %', '16.2 %')

    Parameters
    ----------
    p : float or None
        The probability (0.05 is 5 %); a dash when missing.
    extra : int, default 0
        Significant figures beyond two.
    """
    from liqcascade._prices import percent_text

    if p is None or not p > 0:
        return percent_text(p, 0)
    digits = min(4, max(0, 1 + extra - math.floor(math.log10(p * 100))))
    return percent_text(p, digits)


def _interval_extra(lo: float | None, hi: float | None) -> int:
    """Significant figures beyond two at which the two bounds print apart (at most 2)."""
    for extra in range(3):
        if probability_text(lo, extra) != probability_text(hi, extra):
            return extra
    return 2


def interval_text(lo: float | None, hi: float | None) -> str:
    """An interval of probabilities, one percent sign: ``2.9–4.3 %``, ``0.0082–0.028 %``.

    A figure more than two significant ones where the two bounds would print alike.

    >>> interval_text(0.029, 0.043), interval_text(0.0, 0.012), interval_text(0.159, 0.165)
    ('2.9–4.3 %', '0–1.2 %', '15.9–16.5 %')

    Parameters
    ----------
    lo, hi : float or None
        The bounds (fractions).
    """
    extra = _interval_extra(lo, hi)
    a, b = probability_text(lo, extra), probability_text(hi, extra)
    return f"{a[:-2] if a.endswith(' %') else a}–{b}"


def agree_text(start: dict[str, Any], pct: Callable[..., str] | None = None) -> str:
    """Why an ADL start has no 80 % range: every draw's start is in the central's bracket.

    The bisection brackets the central, 10th- and 90th-percentile bad debt's start alike;
    where all three end in the same bracket the draws agree to the search's step, and a
    range ``-1.1 % … -1.1 %`` would read as an interval it is not: the bracket is said
    instead.

    Parameters
    ----------
    start : dict
        The ADL start (``adl_start``): its ``tolerance`` (the search step, a fraction) and
        ``bracket`` (the fall's two ends, fractions, negative), either may be missing.
    pct : callable, optional
        The percent format, ``pct(x, digits, signed=...)``: the command line's
        :func:`liqcascade._prices.percent_text` (default) or the report's.

    Returns
    -------
    str
        ``no 80 % range over draws: …, between −1.2 % and −0.9 %``.
    """
    from liqcascade._prices import percent_text

    fmt: Callable[..., str] = percent_text if pct is None else pct
    lo, hi = start.get("bracket") or (None, None)
    where = (
        f", between {fmt(lo, 1, signed=True)} and {fmt(hi, 1, signed=True)}"
        if lo is not None and hi is not None
        else ""
    )
    return (
        "no 80 % range over draws: at so small a fall the draws agree, the 10th- and "
        f"90th-percentile bad debt start within the same {fmt(start.get('tolerance'), 1)} "
        f"search step as the central figure{where}"
    )


def chance_text(
    p: float | None, interval: Sequence[float | None] | None, *, short: bool = False
) -> str:
    """A probability and its 95 % interval at one precision: ``16.2 %, 95 % interval 15.9–16.5 %``.

    The probability takes the interval's figures (:func:`interval_text`), so it never
    reads coarser than its bounds; ``short`` writes the interval in brackets.

    >>> chance_text(0.162, (0.159, 0.165)), chance_text(0.036, (0.029, 0.043))
    ('16.2 %, 95 % interval 15.9–16.5 %', '3.6 %, 95 % interval 2.9–4.3 %')
    >>> chance_text(0.162, (0.159, 0.165), short=True)
    '16.2 % (15.9–16.5 %)'

    Parameters
    ----------
    p : float or None
        The probability (fraction).
    interval : sequence of two floats, or None
        Its 95 % interval (fractions); without one the probability alone.
    short : bool, default False
        ``16.2 % (15.9–16.5 %)`` instead of naming the interval.
    """
    if interval is None:
        return probability_text(p)
    lo, hi = interval
    said = probability_text(p, _interval_extra(lo, hi))
    ci = interval_text(lo, hi)
    return f"{said} ({ci})" if short else f"{said}, 95 % interval {ci}"


def _grid(bars: pd.DataFrame, end: pd.Timestamp | None) -> tuple[pd.DatetimeIndex, Any, Any]:
    """Hourly bars on a regular hourly grid up to ``end`` (missing hours NaN).

    Returns the grid (bar opens, UTC), the lows and the closes (float arrays, USD).
    """
    idx = pd.DatetimeIndex(bars.index)
    if end is not None:
        keep = idx + pd.Timedelta(hours=1) <= end
        bars, idx = bars[keep], idx[keep]
    if len(idx) == 0:
        return idx, np.empty(0), np.empty(0)
    grid = pd.date_range(idx.min(), idx.max(), freq="1h")
    b = bars.reindex(grid)
    return grid, b["low"].to_numpy(float), b["close"].to_numpy(float)


def window_falls(
    bars: pd.DataFrame, hours: int, end: pd.Timestamp | None = None
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The fall of every non-overlapping window of ``hours`` bars ending at ``end``.

    Parameters
    ----------
    bars : pandas.DataFrame
        Hourly bars (``low``, ``close``, USD), indexed by their open time (UTC).
    hours : int
        Window length, hourly bars (>= 1).
    end : pandas.Timestamp, optional
        The run's date (UTC): bars closed at or before it only, and the last window
        ends at the last such bar's close. Default: every bar.

    Returns
    -------
    (DatetimeIndex, numpy.ndarray)
        Each window's start (UTC, the open of its first bar; oldest first) and its
        fall: the lowest low within the window over the close before it, minus 1
        (fraction, <= 0 unless every low is above that close). Windows without that
        close or without any bar are left out.
    """
    grid, low, close = _grid(bars, end)
    m = (len(grid) - 1) // hours  # window j's reference close is the bar before it
    if m <= 0:
        return pd.DatetimeIndex([], tz="UTC"), np.empty(0)
    first = len(grid) - m * hours
    block = low[first:].reshape(m, hours)
    seen = ~np.isnan(block).all(axis=1)
    lowest = np.full(m, np.nan)
    lowest[seen] = np.nanmin(block[seen], axis=1)
    ref = close[first - 1 : len(grid) - 1 : hours]
    fall = lowest / ref - 1.0
    ok = np.isfinite(fall)
    return grid[first::hours][ok], fall[ok]


#: One horizon's windows: their starts (UTC) and falls (:func:`window_falls`).
Windows = tuple[pd.DatetimeIndex, np.ndarray]


def horizon_windows(
    bars: pd.DataFrame, end: pd.Timestamp | None = None, hours: Sequence[int] = (1, 24, 720)
) -> dict[int, Windows]:
    """:func:`window_falls` of each horizon, once: what every count and check reads.

    Parameters
    ----------
    bars : pandas.DataFrame
        Hourly bars (``low``, ``close``, USD), indexed by their open time (UTC).
    end : pandas.Timestamp, optional
        The run's date (UTC): bars closed at or before it only.
    hours : sequence of int
        The horizons, hourly bars.

    Returns
    -------
    dict
        Hours to (window starts, falls).
    """
    return {int(h): window_falls(bars, int(h), end) for h in hours}


def fall_count(falls: np.ndarray, depth: float) -> dict[str, Any]:
    """How many windows fell at least ``depth``: ``k``, ``n``, ``p`` and its 95 % interval.

    Parameters
    ----------
    falls : numpy.ndarray
        Each window's fall (fractions, <= 0 for a fall; :func:`window_falls`).
    depth : float
        The fall, a positive fraction of the close (0.2: 20 % below it); a window
        counts when its fall is at or below ``-depth``.

    Returns
    -------
    dict
        ``k``, ``n``, ``p`` (``k / n``; None without windows) and ``interval`` (the
        exact Clopper–Pearson 95 % interval of ``p``; None without windows).
    """
    from scipy.stats import binomtest

    n = len(falls)
    k = int(np.count_nonzero(falls <= -depth))
    if n == 0:
        return {"k": 0, "n": 0, "p": None, "interval": None}
    ci = binomtest(k, n).proportion_ci(confidence_level=LEVEL, method="exact")
    return {"k": k, "n": n, "p": k / n, "interval": [float(ci.low), float(ci.high)]}


def fall_frequencies(
    bars: pd.DataFrame,
    depths: Sequence[float],
    hours: int = 24,
    end: pd.Timestamp | None = None,
    *,
    windows: Windows | None = None,
) -> list[dict[str, Any]]:
    """:func:`fall_count` of each of ``depths`` over the same windows of ``hours`` bars.

    What a fund sized for a scenario's fall is worth: how often history fell that deep
    within the horizon, before ``end`` (non-overlapping windows: :func:`window_falls`).

    Parameters
    ----------
    bars : pandas.DataFrame
        Hourly bars (``low``, ``close``, USD), indexed by their open time (UTC).
    depths : sequence of float
        The falls, positive fractions of the close (0.1: 10 % below it).
    hours : int, default 24
        Window length, hourly bars.
    end : pandas.Timestamp, optional
        The run's date (UTC): no bar closed after it is read.
    windows : (DatetimeIndex, ndarray), optional
        :func:`window_falls` of ``bars``, ``hours`` and ``end``, when already computed.

    Returns
    -------
    list of dict
        Per depth, in order: ``k``, ``n``, ``p``, ``interval`` (:func:`fall_count`).
    """
    _, falls = windows if windows is not None else window_falls(bars, hours, end)
    return [fall_count(falls, float(d)) for d in depths]


#: Fewest hourly returns before the split the baselines are fitted on.
MIN_RETURNS = 30


def _baselines(bars: pd.DataFrame, split: pd.Timestamp) -> dict[str, Any] | None:
    """The normal and Student-t fits of the hourly log returns of bars closed by ``split``.

    None with fewer than :data:`MIN_RETURNS` returns (consecutive hours both known).
    """
    from scipy import stats

    _, _, close = _grid(bars, split)
    r = np.diff(np.log(close))
    r = r[np.isfinite(r)]
    if len(r) < MIN_RETURNS:
        return None
    df, _, scale = stats.t.fit(r, floc=0.0)
    return {"sigma_1h": float(np.std(r, ddof=1)), "t_df": float(df), "t_scale_1h": float(scale)}


def _baseline_p(fit: dict[str, Any], depth: float, hours: int) -> dict[str, float]:
    """P(the lowest price within ``hours`` is ``depth`` or more below the start), per baseline.

    Driftless log price, σ √hours; reflection: twice the chance of ending below the
    level (capped at 1).
    """
    from scipy import stats

    x = math.log1p(-depth) / math.sqrt(hours)
    tiny = 1e-300  # a flat history (σ = 0): no fall at all
    normal = 2.0 * float(stats.norm.cdf(x / max(fit["sigma_1h"], tiny)))
    t = 2.0 * float(stats.t.cdf(x / max(fit["t_scale_1h"], tiny), fit["t_df"]))
    return {"normal": min(normal, 1.0), "student_t": min(t, 1.0)}


def _scores(p: float, y: np.ndarray) -> tuple[float, float | None]:
    """Mean Brier score and mean log score (None: −∞, a certainty proven wrong)."""
    brier = float(np.mean((p - y) ** 2)) if len(y) else float("nan")
    with np.errstate(divide="ignore"):
        ll = np.where(y > 0, np.log(p), np.log1p(-p))
    mean = float(np.mean(ll)) if len(y) else float("nan")
    return brier, (mean if math.isfinite(mean) or math.isnan(mean) else None)


def _beats(brier: dict[str, float], total: dict[str, list[float]]) -> dict[str, bool]:
    """Whether history's score is better than both baselines', by Brier and by log score."""
    logs = {k: v[1] for k, v in total.items()}
    return {
        "brier": bool(brier["history"] < min(brier["normal"], brier["student_t"])),
        "log_score": bool(logs["history"] > max(logs["normal"], logs["student_t"])),
    }


def out_of_sample(
    bars: pd.DataFrame,
    split: pd.Timestamp,
    end: pd.Timestamp | None = None,
    *,
    horizons: Sequence[tuple[int, str, str]] = HORIZONS,
    falls: Sequence[float] = OOS_FALLS,
    windows: dict[int, Windows] | None = None,
) -> dict[str, Any] | None:
    """History's frequency before ``split`` as a forecast of the windows after it.

    Parameters
    ----------
    bars : pandas.DataFrame
        Hourly bars (``low``, ``close``, USD), indexed by open time (UTC).
    split : pandas.Timestamp
        The split date (UTC): the frequency and the baselines are fitted on bars
        closed by it, scored on the windows that start at or after it.
    end : pandas.Timestamp, optional
        The run's date: no window after it (default: every bar).
    horizons, falls : sequences
        ``(hours, label, trials)`` as :data:`HORIZONS`; depths (positive fractions).
    windows : dict, optional
        :func:`horizon_windows` of ``bars`` and ``end``, when already computed.

    Returns
    -------
    dict or None
        None with too few hours before the split to fit the baselines. Else
        ``split``, the baselines' fit (``sigma_1h``, ``t_df``, ``t_scale_1h``: hourly
        log returns) and per horizon ``n_before``, ``n_after``, ``rows`` (per depth:
        ``history``, ``normal``, ``student_t`` forecasts, ``k_after``, ``realised``),
        ``brier`` and ``log_score`` (means over the windows after the split, summed
        over the depths; lower Brier and higher log score are better; log score None
        when a forecast of 0 met an event) and ``history_beats`` (``brier``,
        ``log_score``: history's score better than both baselines').
    """
    fit = _baselines(bars, split)
    if fit is None:
        return None
    out: list[dict[str, Any]] = []
    for hours, label, _ in horizons:
        starts, f = _windows_of(bars, hours, end, windows)
        stop = starts + pd.Timedelta(hours=hours)
        before, after = f[stop <= split], f[starts >= split]
        rows = []
        total = {"history": [0.0, 0.0], "normal": [0.0, 0.0], "student_t": [0.0, 0.0]}
        for d in falls:
            y = (after <= -d).astype(float)
            p = {"history": fall_count(before, d)["p"], **_baseline_p(fit, d, hours)}
            rows.append({"fall": d, **p, "k_after": int(y.sum()),
                         "realised": float(y.mean()) if len(y) else None})  # fmt: skip
            for name, q in p.items():
                b, ll = _scores(float(q) if q is not None else float("nan"), y)
                total[name][0] += b
                total[name][1] = total[name][1] + ll if ll is not None else -math.inf
        brier = {k: v[0] for k, v in total.items()}
        out.append({
            "hours": hours, "label": label, "n_before": len(before),
            "n_after": len(after), "rows": rows, "brier": brier,
            "log_score": {k: (v[1] if math.isfinite(v[1]) else None) for k, v in total.items()},
            "history_beats": _beats(brier, total),
        })  # fmt: skip
    return {"split": split.isoformat(), "falls": list(falls), **fit, "horizons": out}


def _windows_of(
    bars: pd.DataFrame, hours: int, end: pd.Timestamp | None, windows: dict[int, Windows] | None
) -> Windows:
    """``windows[hours]`` when given, else :func:`window_falls`."""
    if windows is not None and hours in windows:
        return windows[hours]
    return window_falls(bars, hours, end)
