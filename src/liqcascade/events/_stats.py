"""Statistics of an event series: Newey–West t-statistic and block-bootstrap intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from liqcascade._limits import check_count, check_level, check_whole
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError


@dataclass(frozen=True)
class MeanTest:
    """Mean of a series with its Newey–West (HAC) standard error.

    Attributes
    ----------
    n : int
        Observations.
    mean : float
        Sample mean.
    se : float
        HAC standard error of the mean.
    t_stat : float
        ``mean / se``.
    p_value : float
        Two-sided, standard normal (as ``statsmodels`` does for ``cov_type="HAC"``).
    lag : int
        Bartlett lag used.
    """

    n: int
    mean: float
    se: float
    t_stat: float
    p_value: float
    lag: int


def newey_west_mean(x: FloatArray, lag: int) -> MeanTest:
    """Mean of ``x`` and its Newey–West t-statistic (Bartlett kernel).

    Equal to ``statsmodels.OLS(x, ones).fit(cov_type="HAC", cov_kwds={"maxlags": lag})``:
    ``S = γ₀ + 2 Σ_{j=1}^{L} (1 − j/(L+1)) γ_j`` with ``γ_j = Σ e_t e_{t−j} / n``,
    ``se = sqrt(S / n)`` (statsmodels' default: no small-sample correction).

    Parameters
    ----------
    x : float array
        Observations in time order (NaNs dropped).
    lag : int
        Maximum lag ``L`` (>= 0); capped at ``n − 1``.

    Returns
    -------
    MeanTest

    Raises
    ------
    InputError
        ``lag`` not a whole number >= 0 (a negative lag was taken as 0).
    """
    check_whole(lag, "lag", 0)
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2:
        m = float(x.mean()) if n else math.nan
        return MeanTest(n, m, math.nan, math.nan, math.nan, 0)
    lag = int(max(0, min(lag, n - 1)))
    m = float(x.mean())
    e = x - m
    s = float(e @ e) / n
    for j in range(1, lag + 1):
        s += 2.0 * (1.0 - j / (lag + 1.0)) * float(e[j:] @ e[:-j]) / n
    var = s / n
    if not var > 0:
        return MeanTest(n, m, 0.0 if var == 0 else math.nan, math.nan, math.nan, lag)
    se = math.sqrt(var)
    t = m / se
    p = math.erfc(abs(t) / math.sqrt(2.0))
    return MeanTest(n, m, se, t, p, lag)


def block_bootstrap_ci(
    x: FloatArray,
    block: int,
    rng: np.random.Generator,
    n_boot: int = 1000,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval for the mean from a circular block bootstrap.

    Parameters
    ----------
    x : float array
        Observations in time order (NaNs dropped).
    block : int
        Block length (observations); blocks wrap around the end of the series.
    rng : numpy Generator
        Seeded source of randomness.
    n_boot : int, default=1000
        Resamples.
    level : float, default=0.95
        Coverage.

    Returns
    -------
    (low, high) : tuple of float
        NaN when fewer than 2 observations.

    Raises
    ------
    InputError
        ``block`` or ``n_boot`` not a whole number >= 1 (a block of 0 or less was taken
        as 1; ``n_boot`` 0 raised numpy's reshape error), ``level`` not in (0, 1).
    """
    check_whole(block, "block")
    check_whole(n_boot, "n_boot")
    level = check_level(level)
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2:
        return math.nan, math.nan
    check_count("n_boot", n_boot, 24.0 * (n + block))  # the resample indices and values
    b = int(max(1, min(block, n)))
    nb = -(-n // b)
    starts = rng.integers(0, n, size=(n_boot, nb))
    idx = (starts[:, :, None] + np.arange(b)[None, None, :]).reshape(n_boot, -1)[:, :n] % n
    means = x[idx].mean(axis=1)
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [a, 1.0 - a])
    return float(lo), float(hi)


@dataclass(frozen=True)
class AdjustedMeanTest:
    """Overlap-aware mean test (see :func:`overlap_adjusted_mean`).

    Attributes
    ----------
    n : int
        Observations.
    mean : float
        Sample mean.
    se : float
        Bias-corrected standard error of the mean.
    t_stat : float
        ``mean / se``.
    df : float
        Satterthwaite degrees of freedom.
    p_value : float
        Two-sided, Student t with ``df`` degrees of freedom.
    """

    n: int
    mean: float
    se: float
    t_stat: float
    df: float
    p_value: float


def overlap_adjusted_mean(x: FloatArray, bars: npt.ArrayLike, h: int) -> AdjustedMeanTest:
    """Mean test for forward returns over windows that overlap in calendar time.

    Two ``h``-bar forward returns that start ``d`` bars apart share ``h − d`` bars;
    under a random walk with constant variance their correlation is exactly
    ``w(d) = max(0, 1 − d/h)``. With ``W_ij = w(|b_i − b_j|)`` (event bars ``b``)
    and ``e`` the demeaned returns, the HAC quantity ``Q = e'We`` (Newey–West with a
    Bartlett kernel in *calendar* distance, so irregular spacing is handled exactly)
    has expectation ``c·tr(MWMW)`` (``M = I − 11'/n``) while the variance of the mean
    is ``c·1'W1/n²``. So

    ``se² = Q/n² · 1'W1 / tr(MWMW)``  (unbiased under the random-walk null), and
    ``df = tr(MWMW)² / tr((MWMW)²)`` (Satterthwaite), p from Student t(df).

    The plain Newey–West statistic with a lag close to ``n`` is biased towards zero
    variance (the demeaning eats the long-run variance) and over-rejects: on ~70
    events and a 60-day horizon it finds "significance" about a third of the time on
    pure random walks. This correction keeps the size near its nominal level.

    Parameters
    ----------
    x : float array
        Forward returns (fractions), NaNs dropped together with their bars.
    bars : array
        Event bar positions (same length as ``x``).
    h : int
        Horizon in bars (>= 1).

    Returns
    -------
    AdjustedMeanTest

    Raises
    ------
    InputError
        ``h`` not a whole number >= 1; ``bars`` not one per observation.
    """
    from scipy import special

    check_whole(h, "h")
    if np.shape(bars) != np.shape(x):
        raise InputError(
            f"bars must hold one bar per observation (got shape {np.shape(bars)} for "
            f"{np.shape(x)})",
            param="bars",
        )

    x = np.asarray(x, dtype=np.float64)
    b = np.asarray(bars, dtype=np.float64)
    ok = np.isfinite(x)
    x, b = x[ok], b[ok]
    n = len(x)
    if n < 3:
        return AdjustedMeanTest(n, float(x.mean()) if n else math.nan, *([math.nan] * 4))
    w = np.abs(b[:, None] - b[None, :])  # calendar distances, then in place: the weights
    w /= max(h, 1)
    np.subtract(1.0, w, out=w)
    np.maximum(w, 0.0, out=w)
    m = float(x.mean())
    e = x - m
    q = float(e @ w @ e)
    wc = w - w.mean(axis=0, keepdims=True)
    mwm = wc - wc.mean(axis=1, keepdims=True)  # M W M
    a = mwm @ w
    tr_a = float(np.trace(a))
    tr_a2 = float(np.sum(a * a.T))
    one_w_one = float(w.sum())
    if not (tr_a > 0 and q > 0 and tr_a2 > 0):
        return AdjustedMeanTest(n, m, math.nan, math.nan, math.nan, math.nan)
    var = q / n**2 * one_w_one / tr_a
    se = math.sqrt(var)
    t = m / se
    df = tr_a**2 / tr_a2
    p = float(2.0 * special.stdtr(df, -abs(t)))  # stats.t.sf(|t|, df), without its checks
    return AdjustedMeanTest(n, m, se, t, df, p)


def event_clusters(bars: npt.ArrayLike, gap: int) -> npt.NDArray[np.int64]:
    """Cluster label of each event: runs of events less than ``gap`` bars apart share one.

    Two events whose forward windows of ``gap`` bars overlap (start fewer than ``gap``
    bars apart) are dependent; chaining such pairs gives clusters that are independent
    of one another to the extent that windows ``gap`` bars apart are.

    Parameters
    ----------
    bars : array of int
        Event bar positions, ascending.
    gap : int
        Window length, bars (>= 1): events at least this far apart start a new cluster.

    Returns
    -------
    int64 array
        0, 1, 2, ... one label per event, non-decreasing.

    Raises
    ------
    InputError
        ``gap`` not a whole number >= 1.
    """
    check_whole(gap, "gap")
    b = np.asarray(bars, dtype=np.int64)
    if len(b) == 0:
        return np.empty(0, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(np.diff(b) >= gap)]).astype(np.int64)


def cluster_bootstrap_rate(
    hits: FloatArray,
    clusters: npt.ArrayLike,
    rng: np.random.Generator,
    n_boot: int = 1000,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of a pooled rate from a bootstrap over clusters of events.

    The statistic is the mean over columns of each column's rate (the 1–10 day win rate:
    the mean of the win rates at 1, 2, 3, 5 and 10 days). Whole clusters are drawn with
    replacement (as many as there are), so events that share a cluster stay together and
    their dependence is kept in the resamples.

    Parameters
    ----------
    hits : float array of shape (n_events, k)
        1 for a hit (a positive forward return), 0 for a miss, NaN where missing.
    clusters : array of int
        Cluster label per event (:func:`event_clusters`).
    rng : numpy Generator
        Seeded source of randomness.
    n_boot : int, default=1000
        Resamples.
    level : float, default=0.95
        Coverage.

    Returns
    -------
    (low, high) : tuple of float
        NaN when there are fewer than 2 clusters.

    Raises
    ------
    InputError
        ``n_boot`` not a whole number >= 1, ``level`` not in (0, 1), ``clusters`` not
        one per row of ``hits``.
    """
    check_whole(n_boot, "n_boot")
    level = check_level(level)
    h = np.asarray(hits, dtype=np.float64)
    if h.ndim == 1:
        h = h[:, None]
    c = np.asarray(clusters, dtype=np.int64)
    if c.shape != (h.shape[0],):
        raise InputError(
            f"clusters must hold one label per event (got shape {c.shape} for {h.shape[0]})",
            param="clusters",
        )
    if len(c) == 0:
        return math.nan, math.nan
    _, lab = np.unique(c, return_inverse=True)
    m = int(lab.max()) + 1
    if m < 2:
        return math.nan, math.nan
    ok = np.isfinite(h)
    hits_by = np.zeros((m, h.shape[1]))
    n_by = np.zeros((m, h.shape[1]))
    np.add.at(hits_by, lab, np.where(ok, h, 0.0))
    np.add.at(n_by, lab, ok.astype(np.float64))
    check_count("n_boot", n_boot, 8.0 * m)  # the resample counts
    draws = rng.multinomial(m, np.full(m, 1.0 / m), size=n_boot).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = (draws @ hits_by) / (draws @ n_by)
    stat = np.nanmean(rates, axis=1)
    stat = stat[np.isfinite(stat)]
    if len(stat) == 0:
        return math.nan, math.nan
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(stat, [a, 1.0 - a])
    return float(lo), float(hi)
