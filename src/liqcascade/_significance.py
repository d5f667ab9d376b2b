"""Is a model's edge over its baseline real? Paired bootstrap intervals and a DM test.

Two back-tests compare a model with a baseline on the same cases:

- the event back-test (:mod:`liqcascade.cascade._backtest`) scores each event's
  absolute error; :func:`paired_mean_interval` resamples the events (i.i.d., paired:
  one draw picks the event for both) and gives the mean difference of ``|error|``
  (model − baseline) with its interval, and :func:`dm_pvalue` the Diebold–Mariano
  test on the same loss differences;
- the liquidation-map back-test (:mod:`liqcascade.positions._backtest`) scores daily
  correlations; :func:`paired_corr_interval` resamples days in circular blocks of 7
  (liquidations cluster in time) and gives the difference of the two correlations
  with the recorded series (model − baseline).

:func:`verdict` turns an interval into "beats", "loses" or "ties": a strict ``<`` on
two scores says nothing about whether the gap is larger than the noise.

Plain-Python twins (same random draws) live in :mod:`liqcascade._significance_reference`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

import numpy as np

from liqcascade._typing import FloatArray
from liqcascade.errors import InputError

__all__ = [
    "BLOCK_DAYS",
    "LEVEL",
    "N_RESAMPLES",
    "SEED",
    "Verdict",
    "block_indices",
    "dm_pvalue",
    "dm_statistic",
    "paired_corr_interval",
    "paired_mean_interval",
    "resampled_ranks",
    "verdict",
]

#: Bootstrap resamples (each interval).
N_RESAMPLES = 4000
#: Two-sided level of the intervals (5th and 95th percentiles).
LEVEL = 0.90
#: Fixed seed: the same data give the same interval on every run.
SEED = 20250731
#: Block length of the daily (block) bootstrap, days.
BLOCK_DAYS = 7

Verdict = Literal["beats", "loses", "ties"]


def verdict(lo: float | None, hi: float | None, *, lower_is_better: bool = True) -> Verdict | None:
    """Three-way verdict of a model against its baseline from the interval of a difference.

    Parameters
    ----------
    lo, hi : float or None
        The interval (5th and 95th percentiles) of the difference model − baseline, in
        the score's own unit (pp of error, or correlation).
    lower_is_better : bool
        True for a loss (an error: the model beats when the whole interval is below
        0); False for a score (a correlation: it beats when the whole interval is
        above 0).

    Returns
    -------
    "beats", "loses", "ties", or None when the interval is missing (too few cases).
    """
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    if not lower_is_better:
        lo, hi = -hi, -lo
    if hi < 0.0:
        return "beats"
    if lo > 0.0:
        return "loses"
    return "ties"


def _percentiles(stats: FloatArray, level: float) -> tuple[float, float]:
    ok = stats[np.isfinite(stats)]
    if ok.size == 0:
        return float("nan"), float("nan")
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(ok, [a, 1.0 - a])
    return float(lo), float(hi)


def _check(n_resamples: int, level: float) -> None:
    if n_resamples < 1:
        raise InputError(f"n_resamples must be >= 1 (got {n_resamples})", param="n_resamples")
    if not 0.0 < level < 1.0:
        raise InputError(f"level must be in (0, 1) (got {level})", param="level")


def paired_mean_interval(
    diff: FloatArray,
    *,
    n_resamples: int = N_RESAMPLES,
    level: float = LEVEL,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """Mean of paired differences with its bootstrap percentile interval.

    Parameters
    ----------
    diff : array of float
        One difference per case, e.g. ``|error_model| − |error_baseline|`` per event
        (any unit; the result is in the same unit). Non-finite entries are dropped.
    n_resamples, level, seed
        Resamples (cases drawn with replacement, ``rng.integers(0, n, (B, n))`` of
        ``numpy.random.default_rng(seed)``), the interval's level, the seed.

    Returns
    -------
    (mean, lo, hi)
        The mean difference and the ``(1 − level) / 2`` and ``(1 + level) / 2``
        percentiles (linear interpolation) of the resampled means. NaN with fewer
        than 2 cases.
    """
    _check(n_resamples, level)
    d = np.asarray(diff, dtype=np.float64)
    d = d[np.isfinite(d)]
    n = d.size
    if n < 2:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_resamples, n))
    means = d[idx].mean(axis=1)
    lo, hi = _percentiles(means, level)
    return float(d.mean()), lo, hi


def dm_statistic(diff: FloatArray, lag: int = 0) -> tuple[float, int]:
    """Diebold–Mariano statistic of paired loss differences, and its degrees of freedom.

    ``DM = mean(d) / sqrt(S / n)`` with ``S`` the Newey–West long-run variance of
    ``d``: ``S = γ₀ + 2 Σ_{k=1..lag} (1 − k / (lag + 1)) γ_k``, where
    ``γ_k = Σ_t (d_t − d̄)(d_{t−k} − d̄) / (n − 1)``. With ``lag = 0`` it is the
    paired t statistic (:func:`scipy.stats.ttest_rel`); the reference law is
    Student's t with ``n − 1`` degrees of freedom (the small-sample form).

    Parameters
    ----------
    diff : array of float
        Loss differences (model − baseline), one per case; non-finite dropped.
    lag : int
        Newey–West truncation lag (0: cases independent).

    Returns
    -------
    (statistic, degrees of freedom)
        ``±inf`` when every difference is the same non-zero value, NaN when all are
        zero or there are fewer than 2 cases.
    """
    if lag < 0:
        raise InputError(f"lag must be >= 0 (got {lag})", param="lag")
    d = np.asarray(diff, dtype=np.float64)
    d = d[np.isfinite(d)]
    n = d.size
    if n < 2:
        return float("nan"), max(n - 1, 0)
    m = float(d.mean())
    c = d - m
    s = float(c @ c) / (n - 1)
    for k in range(1, min(lag, n - 1) + 1):
        s += 2.0 * (1.0 - k / (lag + 1.0)) * float(c[k:] @ c[:-k]) / (n - 1)
    if not s > 0.0:
        if m == 0.0:
            return float("nan"), n - 1
        return math.copysign(math.inf, m), n - 1
    return m / math.sqrt(s / n), n - 1


def dm_pvalue(diff: FloatArray, lag: int = 0) -> float:
    """Two-sided p-value of the Diebold–Mariano test of equal expected loss.

    See :func:`dm_statistic`. 1.0 when every difference is zero (nothing to tell
    apart), 0.0 when every difference is the same non-zero value; NaN with fewer
    than 2 cases.

    Parameters
    ----------
    diff : array of float
        Loss differences (model − baseline), one per case, any unit; non-finite dropped.
    lag : int, default 0
        Newey–West truncation lag, cases.

    Returns
    -------
    float
        In [0, 1].
    """
    stat, df = dm_statistic(diff, lag)
    if math.isnan(stat):
        d = np.asarray(diff, dtype=np.float64)
        return 1.0 if np.isfinite(d).sum() >= 2 else float("nan")
    if math.isinf(stat):
        return 0.0
    # Student's t survival function, as scipy.stats.t.sf computes it (its ``_sf`` is
    # ``stdtr(df, -x)``) without importing scipy.stats (~0.6-1 s of CPU).
    from scipy.special import stdtr

    return float(2.0 * stdtr(df, -abs(stat)))


def block_indices(n: int, n_resamples: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """Circular block-bootstrap indices: ``(n_resamples, n)`` ints in ``[0, n)``.

    Each resample is ``ceil(n / block)`` blocks of ``block`` consecutive cases
    (wrapping past the end), their starts ``rng.integers(0, n, (B, ceil(n / block)))``,
    cut to ``n``.

    Parameters
    ----------
    n : int
        Cases (e.g. days), >= 1.
    n_resamples : int
        Resamples ``B``.
    block : int
        Block length, cases, >= 1.
    rng : numpy.random.Generator
        Source of the block starts.
    """
    k = -(-n // block)
    starts = rng.integers(0, n, size=(n_resamples, k))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
    return idx.reshape(n_resamples, k * block)[:, :n]


@lru_cache(maxsize=8)
def _cached_block_indices(n: int, n_resamples: int, block: int, seed: int) -> np.ndarray:
    """:func:`block_indices` from ``default_rng(seed)``, kept: six comparisons share it."""
    idx = block_indices(n, n_resamples, block, np.random.default_rng(seed))
    idx.setflags(write=False)
    return idx


def _rowcorr(x: FloatArray, y: FloatArray) -> FloatArray:
    """Pearson correlation of each row of ``x`` with the same row of ``y`` (NaN if flat)."""
    xc = x - x.mean(axis=1, keepdims=True)
    yc = y - y.mean(axis=1, keepdims=True)
    sxy = (xc * yc).sum(axis=1)
    sxx = (xc * xc).sum(axis=1)
    syy = (yc * yc).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = sxy / np.sqrt(sxx * syy)
    flat = (sxx <= 1e-300) | (syy <= 1e-300)
    r[flat] = np.nan
    return np.asarray(r)


def resampled_ranks(x: FloatArray, idx: np.ndarray) -> FloatArray:
    """Average ranks (1-based, ties averaged) of each resample ``x[idx[b]]``, row by row.

    The same as ``scipy.stats.rankdata(x[idx], axis=1)`` without sorting each row: a
    resample holds only values of ``x``, so a value's rank is the count of smaller
    values drawn plus the mean position among its equals, both read from per-row
    counts of ``x``'s distinct values.

    Parameters
    ----------
    x : array of float
        The series, 1-d (finite).
    idx : ndarray of int
        ``(B, m)`` indices into ``x`` (e.g. :func:`block_indices`).

    Returns
    -------
    ndarray of float
        ``(B, m)`` ranks.
    """
    _, codes0 = np.unique(x, return_inverse=True)
    k = int(codes0.max()) + 1 if codes0.size else 0
    b = idx.shape[0]
    codes = codes0.reshape(-1)[idx]
    flat = (np.arange(b)[:, None] * k + codes).ravel()
    counts = np.bincount(flat, minlength=b * k).reshape(b, k).astype(np.float64)
    avg = np.cumsum(counts, axis=1) - counts + (counts + 1.0) / 2.0
    return np.asarray(np.take_along_axis(avg, codes, axis=1))


def _corr(x: FloatArray, y: FloatArray, kind: str) -> float:
    if kind == "spearman":
        from scipy.stats import rankdata  # here: scipy.stats costs 1-2 s to import

        x, y = rankdata(x), rankdata(y)
    return float(_rowcorr(x[None, :], y[None, :])[0])


def paired_corr_interval(
    model: FloatArray,
    baseline: FloatArray,
    recorded: FloatArray,
    *,
    kind: Literal["pearson", "spearman"] = "pearson",
    block: int = BLOCK_DAYS,
    n_resamples: int = N_RESAMPLES,
    level: float = LEVEL,
    seed: int = SEED,
) -> tuple[float, float, float]:
    """Difference of two correlations with a recorded series, with a block-bootstrap interval.

    ``corr(model, recorded) − corr(baseline, recorded)``, Pearson or Spearman
    (average ranks for ties, ranked within each resample). The cases (days) are
    resampled in circular blocks of ``block`` consecutive cases, the same draw for
    both correlations (paired).

    Parameters
    ----------
    model, baseline, recorded : array of float
        One value per case, the same cases (e.g. USD per day). Cases with any
        non-finite value are dropped.
    kind : {"pearson", "spearman"}
        The correlation.
    block, n_resamples, level, seed
        Block length (cases), resamples, the interval's level, the seed.

    Returns
    -------
    (difference, lo, hi)
        The difference on the data and the percentiles of the resampled differences
        (resamples where a series is flat are dropped). NaN with fewer than
        ``2 * block`` cases or a flat series.
    """
    _check(n_resamples, level)
    if kind not in ("pearson", "spearman"):
        raise InputError(f"kind must be pearson or spearman (got {kind!r})", param="kind")
    if block < 1:
        raise InputError(f"block must be >= 1 (got {block})", param="block")
    m = np.asarray(model, dtype=np.float64)
    b = np.asarray(baseline, dtype=np.float64)
    r = np.asarray(recorded, dtype=np.float64)
    if not (m.shape == b.shape == r.shape and m.ndim == 1):
        raise InputError("model, baseline and recorded must be 1-d and the same length")
    ok = np.isfinite(m) & np.isfinite(b) & np.isfinite(r)
    m, b, r = m[ok], b[ok], r[ok]
    n = m.size
    nan = float("nan")
    if n < 2 * block:
        return nan, nan, nan
    point = _corr(m, r, kind) - _corr(b, r, kind)
    if not math.isfinite(point):
        return nan, nan, nan
    idx = _cached_block_indices(n, n_resamples, block, seed)
    if kind == "spearman":
        xm, xb, xr = (resampled_ranks(a, idx) for a in (m, b, r))
    else:
        xm, xb, xr = m[idx], b[idx], r[idx]
    diffs = _rowcorr(xm, xr) - _rowcorr(xb, xr)
    lo, hi = _percentiles(diffs, level)
    return point, lo, hi
