"""Placebo (rotation) test of an event mean: the real returns, the event days moved.

The overlap-adjusted t (:func:`liqcascade.events.overlap_adjusted_mean`) is exact for a
random walk with constant variance; on real returns, whose volatility clusters, it
rejects far less often than its nominal level (about 1–2 % at 20–40 days and none at
60 days at a nominal 5 % on ETH 2022–2025: ``tools/support_placebo.py``). The placebo
test takes its null distribution from the data instead: the one-bar log returns of the
bars are put on a circle and rotated against the fixed event bars, every rotation
keeping the events' spacing and the returns' volatility clustering. The observed event
set is one of the rotations, so under the null that the event days are placed without
regard to the returns, their volatility included, the p-value is exact by construction.

Event days found from the prices before them (support tests) are not placed so: days
after large moves sit where volatility is high, their rotations on ordinary days, and
the range of the rotations' means is too narrow for them. The test then rejects too
often (about 10 % at a nominal 5 % for the days after a move beyond two standard
deviations of GARCH(1,1) returns with no drift: ``tests/test_events/test_placebo.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from liqcascade._limits import check_whole
from liqcascade._typing import FloatArray

#: Most rotations a test uses; a longer series uses this many, evenly spaced.
MAX_ROTATIONS = 2000


@dataclass(frozen=True)
class PlaceboTest:
    """Result of :func:`placebo_mean_test`.

    Attributes
    ----------
    n : int
        Events with a forward return inside the bars.
    mean : float
        Mean forward log return of the events (fraction).
    drift : float
        The null's centre: ``h`` × the mean one-bar log return of the bars (fraction;
        close to the every-day mean of ``h``-bar returns).
    p_value : float
        Two-sided: the share of rotations (the observed one included) whose mean lies at
        least as far from ``drift`` as the observed mean does.
    low, high : float
        2.5 % and 97.5 % quantiles of the rotations' means (fractions): the range a
        mean over these event days lands in by chance.
    n_rotations : int
        Rotations compared (every one of the series, or :data:`MAX_ROTATIONS` evenly
        spaced ones).
    """

    n: int
    mean: float
    drift: float
    p_value: float
    low: float
    high: float
    n_rotations: int


def rotation_means(
    log_close: FloatArray, bars: npt.ArrayLike, h: int, shifts: npt.ArrayLike
) -> tuple[FloatArray, int]:
    """Mean ``h``-bar forward log return over ``bars`` with the returns rotated by each shift.

    Parameters
    ----------
    log_close : float array
        Natural log of the closes, one per bar.
    bars : array of int
        Event bars (0-based, ascending); those with ``bar + h`` past the last bar are left
        out, as the study leaves them out.
    h : int
        Horizon, bars (>= 1).
    shifts : array of int
        Rotations of the one-bar returns (0 = the real series).

    Returns
    -------
    means, n
        One mean per shift (fractions) and the events behind each.
    """
    lc = np.asarray(log_close, dtype=np.float64)
    d = np.diff(lc)
    m = len(d)
    b = np.asarray(bars, dtype=np.int64)
    b = b[b + h <= m]
    s = np.asarray(shifts, dtype=np.int64)
    if len(b) == 0 or m == 0:
        return np.full(len(s), math.nan), 0
    reps = -(-(m + h) // m)
    cs = np.concatenate([[0.0], np.cumsum(np.tile(d, reps))])
    circ = cs[h : m + h] - cs[:m]  # the h-bar return from each bar, around the circle
    out = np.empty(len(s))
    chunk = max(1, 2_000_000 // len(b))
    for i in range(0, len(s), chunk):
        idx = (b[None, :] - s[i : i + chunk, None]) % m
        out[i : i + chunk] = circ[idx].mean(axis=1)
    return out, len(b)


def placebo_mean_test(
    close: FloatArray, bars: npt.ArrayLike, h: int, max_rotations: int = MAX_ROTATIONS
) -> PlaceboTest:
    """Placebo test of the mean ``h``-bar return after the events, against these bars' own.

    The ``m`` one-bar log returns are put on a circle; rotation ``s`` moves every event
    back by ``s`` bars (events keep their spacing, the returns their clustering). The
    statistic is the event mean minus ``drift`` = ``h`` × the mean one-bar return (the
    same for every rotation); the two-sided p-value is the share of rotations whose
    statistic is at least as large in absolute value as the observed one (rotation 0,
    which is counted, so ``p >= 1/rotations``). Every rotation is used up to
    ``max_rotations``; beyond, that many evenly spaced ones (0 among them).

    Parameters
    ----------
    close : float array
        Closes (USD), one per bar, in time order.
    bars : array of int
        Event bars, 0-based.
    h : int
        Horizon, bars (>= 1).
    max_rotations : int, default :data:`MAX_ROTATIONS`
        Most rotations compared.

    Returns
    -------
    PlaceboTest
        NaN figures when no event has a forward return.

    Raises
    ------
    InputError
        ``h`` or ``max_rotations`` not a whole number >= 1.
    """
    check_whole(h, "h")
    check_whole(max_rotations, "max_rotations")
    lc = np.log(np.asarray(close, dtype=np.float64))
    m = len(lc) - 1
    b = np.unique(np.asarray(bars, dtype=np.int64))
    if m < 1:
        return PlaceboTest(0, math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    k = min(m, int(max_rotations))
    shifts = (np.arange(k, dtype=np.int64) * m) // k
    means, n = rotation_means(lc, b, h, shifts)
    if n == 0:
        return PlaceboTest(0, math.nan, math.nan, math.nan, math.nan, math.nan, k)
    drift = h * float(lc[-1] - lc[0]) / m
    dev = np.abs(means - drift)
    p = float(np.mean(dev >= dev[0] * (1.0 - 1e-12)))  # a tie counts against the events
    lo, hi = np.quantile(means, [0.025, 0.975])
    return PlaceboTest(n, float(means[0]), drift, p, float(lo), float(hi), k)
