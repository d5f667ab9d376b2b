"""Plain-Python twins of :mod:`liqcascade._significance` (loops, the same random draws).

Each twin draws its resamples one at a time from ``numpy.random.default_rng(seed)``
(``rng.integers(0, n, n)`` per resample: the same stream as the vectorised
``rng.integers(0, n, (B, n))``) and computes means, ranks, correlations and
percentiles with Python loops. For tests only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def _finite(xs: Sequence[float]) -> list[float]:
    return [float(x) for x in xs if math.isfinite(float(x))]


def quantile(xs: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default method).

    Parameters
    ----------
    xs : sequence of float
        Values, non-empty.
    q : float
        Quantile, fraction in [0, 1].

    Returns
    -------
    float
    """
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def paired_mean_interval(
    diff: Sequence[float], *, n_resamples: int, level: float, seed: int
) -> tuple[float, float, float]:
    """Twin of :func:`liqcascade._significance.paired_mean_interval`.

    Parameters
    ----------
    diff : sequence of float
        One difference per case, any unit; non-finite dropped.
    n_resamples, level, seed
        Resamples, the interval's level (fraction), the seed.

    Returns
    -------
    (mean, lo, hi)
        As the twin, in the unit of ``diff``.
    """
    d = _finite(diff)
    n = len(d)
    if n < 2:
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = []
    for _ in range(n_resamples):
        pick = rng.integers(0, n, size=n)
        total = 0.0
        for i in pick:
            total += d[int(i)]
        means.append(total / n)
    a = (1.0 - level) / 2.0
    return sum(d) / n, quantile(means, a), quantile(means, 1.0 - a)


def dm_statistic(diff: Sequence[float], lag: int = 0) -> float:
    """Twin of :func:`liqcascade._significance.dm_statistic` (the statistic).

    Parameters
    ----------
    diff : sequence of float
        Loss differences, one per case; non-finite dropped; at least 2 left.
    lag : int, default 0
        Newey–West truncation lag, cases.

    Returns
    -------
    float
        The statistic only (not its degrees of freedom).
    """
    d = _finite(diff)
    n = len(d)
    m = sum(d) / n
    s = sum((x - m) ** 2 for x in d) / (n - 1)
    for k in range(1, min(lag, n - 1) + 1):
        g = sum((d[t] - m) * (d[t - k] - m) for t in range(k, n)) / (n - 1)
        s += 2.0 * (1.0 - k / (lag + 1.0)) * g
    return m / math.sqrt(s / n)


def ranks(xs: Sequence[float]) -> list[float]:
    """Average ranks (1-based; ties share the mean of their ranks).

    Parameters
    ----------
    xs : sequence of float
        Values.

    Returns
    -------
    list of float
    """
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    out = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return out


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson correlation (NaN when a series is flat).

    Parameters
    ----------
    x, y : sequence of float
        Paired values, the same length.

    Returns
    -------
    float
    """
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx <= 1e-300 or syy <= 1e-300:
        return math.nan
    return sxy / math.sqrt(sxx * syy)


def _corr(x: Sequence[float], y: Sequence[float], kind: str) -> float:
    if kind == "spearman":
        return pearson(ranks(x), ranks(y))
    return pearson(x, y)


def paired_corr_interval(
    model: Sequence[float],
    baseline: Sequence[float],
    recorded: Sequence[float],
    *,
    kind: str,
    block: int,
    n_resamples: int,
    level: float,
    seed: int,
) -> tuple[float, float, float]:
    """Twin of :func:`liqcascade._significance.paired_corr_interval`.

    Parameters
    ----------
    model, baseline, recorded : sequence of float
        One value per case; cases with a non-finite value dropped.
    kind : {"pearson", "spearman"}
        The correlation.
    block, n_resamples, level, seed
        Block length (cases), resamples, the interval's level (fraction), the seed.

    Returns
    -------
    (difference, lo, hi)
        As the twin.
    """
    rows = [
        (float(a), float(b), float(c))
        for a, b, c in zip(model, baseline, recorded, strict=True)
        if math.isfinite(a) and math.isfinite(b) and math.isfinite(c)
    ]
    n = len(rows)
    if n < 2 * block:
        return math.nan, math.nan, math.nan
    m = [r[0] for r in rows]
    b = [r[1] for r in rows]
    r = [r[2] for r in rows]
    point = _corr(m, r, kind) - _corr(b, r, kind)
    rng = np.random.default_rng(seed)
    k = -(-n // block)
    diffs = []
    for _ in range(n_resamples):
        starts = rng.integers(0, n, size=k)
        idx = [(int(s) + j) % n for s in starts for j in range(block)][:n]
        dd = _corr([m[i] for i in idx], [r[i] for i in idx], kind) - _corr(
            [b[i] for i in idx], [r[i] for i in idx], kind
        )
        if math.isfinite(dd):
            diffs.append(dd)
    a = (1.0 - level) / 2.0
    return point, quantile(diffs, a), quantile(diffs, 1.0 - a)
