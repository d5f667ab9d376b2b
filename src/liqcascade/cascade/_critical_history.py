"""The critical shock's history check: real falls against the model at the same depths.

The critical shock X is the smallest first fall whose median 24-h path reaches −10 %:
at X the model gives one half. History's falls of X or more are deeper than X on
average, and a deeper fall reaches −10 % more often, so their pooled share set against
one half leans against the model by construction (ETH 2025-07-31: falls of 5.4–6 %
reach −10 % in 53 of 107, 49.5 %; pooled with the deeper ones 154 of 244, 63.1 %).
The check here compares like with like: for every real fall i of depth ``d_i``, the
model's probability ``p_i`` of reaching −10 % within a day after a first fall of
``d_i`` (the calibrated curve the critical shock is solved from, the share of its
paths that reach −10 %, linear between the curve's first falls); history's count
``k`` is tested against the sum of those Bernoulli chances (Poisson-binomial law,
exact, two-sided). The pooled share against one half is kept as a figure, never as
the verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import real_array
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError

__all__ = [
    "HISTORY_ALPHA",
    "CriticalHistoryCheck",
    "critical_history_check",
    "model_reach",
    "poisson_binomial_pmf",
    "poisson_binomial_pvalue",
    "reached",
]

HISTORY_ALPHA = 0.05
"""Two-sided level of the check: history contradicts the model when ``p`` is below it."""

REACH_TOL = 1e-9
"""A move within this of the level (fraction of mid) has reached it: a first fall of
exactly −10 % whose path never goes lower ends at ``−0.09999999999999998``."""

_RERR = 1.0 + 1e-7
"""Relative slack of "as likely or less" in the two-sided p-value (scipy's ``binomtest``)."""


def reached(moves: Any, total_move: float) -> np.ndarray:
    """Which moves reached a fall of ``total_move`` (within :data:`REACH_TOL`).

    Parameters
    ----------
    moves : array of float
        Moves, fractions of the reference price (negative: a fall).
    total_move : float
        The level, a negative fraction (−0.10).

    Returns
    -------
    numpy.ndarray of bool
    """
    if not total_move < 0:
        raise InputError(f"total_move must be a fall, < 0 (got {total_move})", param="total_move")
    return np.asarray(moves, dtype=np.float64) <= total_move + REACH_TOL


def model_reach(falls: Any, shocks: Any, reach: Any, *, total_move: float = -0.10) -> FloatArray:
    """The model's chance of reaching ``total_move`` after a first fall of each depth.

    Linear in the fall between the curve's first falls (as the critical shock is
    interpolated on them), held at the curve's end value outside it; a fall at or past
    ``total_move`` has reached it by itself (1).

    Parameters
    ----------
    falls : array of float
        The first falls, negative fractions of the price before them.
    shocks : array of float
        The curve's first falls (negative fractions), any order.
    reach : array of float
        Share of the curve's paths that reach ``total_move`` after each shock
        (fractions in [0, 1]).
    total_move : float, default -0.10
        The level, a negative fraction.

    Returns
    -------
    numpy.ndarray of float
        One chance per fall, in [0, 1].
    """
    x = real_array(shocks, "shocks", shape="any")
    y = np.asarray(reach, dtype=np.float64)
    f = real_array(falls, "falls", shape="any")
    if x.ndim != 1 or x.shape != y.shape or x.size == 0:
        raise InputError("shocks and reach must be 1-d, non-empty and the same length",
                         param="reach")  # fmt: skip
    if not (np.all(np.isfinite(y)) and np.all((y >= 0.0) & (y <= 1.0))):
        raise InputError("reach must be shares in [0, 1]", param="reach")
    order = np.argsort(-x)  # increasing depth
    p = np.interp(-f, -x[order], y[order])
    return np.where(reached(f, total_move), 1.0, p)


def poisson_binomial_pmf(p: Any) -> FloatArray:
    """Law of the number of successes of independent Bernoulli trials with chances ``p``.

    Built trial by trial (``pmf_new[j] = pmf[j]·(1 − p_i) + pmf[j − 1]·p_i``), exact up to
    rounding; O(n²) for n trials.

    Parameters
    ----------
    p : array of float
        Each trial's chance of success, in [0, 1].

    Returns
    -------
    numpy.ndarray of float
        ``n + 1`` probabilities of 0 … n successes (they sum to 1).
    """
    q = np.asarray(p, dtype=np.float64).ravel()
    pmf = np.zeros(q.size + 1)
    pmf[0] = 1.0
    for i, pi in enumerate(q):
        pmf[1 : i + 2] = pmf[1 : i + 2] * (1.0 - pi) + pmf[: i + 1] * pi
        pmf[0] *= 1.0 - pi
    return pmf


def poisson_binomial_pvalue(k: int, p: Any) -> float:
    """Two-sided exact p-value of ``k`` successes under chances ``p``.

    The probability of every count at most as likely as ``k`` (within a relative
    ``1e-7``), the rule of :func:`scipy.stats.binomtest`: with every chance one half it
    is that test's p-value.

    Parameters
    ----------
    k : int
        Successes observed, 0 … ``len(p)``.
    p : array of float
        Each trial's chance, in [0, 1].

    Returns
    -------
    float
        In [0, 1].
    """
    pmf = poisson_binomial_pmf(p)
    if not 0 <= k < pmf.size:
        raise InputError(f"k must be in 0 … {pmf.size - 1} (got {k})", param="k")
    return _pvalue(pmf, k)


def _pvalue(pmf: FloatArray, k: int) -> float:
    return float(min(1.0, pmf[pmf <= pmf[k] * _RERR].sum()))


@dataclass(frozen=True)
class CriticalHistoryCheck(SummaryDict):
    """History's falls of the critical shock or more against the model at the same depths.

    Attributes
    ----------
    n, k : int
        Real falls at least as deep as the critical shock; those that reached
        ``total_move`` within the horizon.
    expected : float
        The model's expected count: the sum over the falls of its chance after a first
        fall of the same depth (:func:`model_reach`).
    sd : float
        The count's standard deviation under the model (``√Σ p(1 − p)``).
    p_value : float or None
        Two-sided exact Poisson-binomial p-value of ``k`` (None without falls).
    min_p_value : float or None
        The smallest p-value a count the model deems possible could give (falls it
        makes certain, or impossible, fix some counts): at or above ``alpha`` the falls
        are too few to contradict the model with any such count.
    verdict : str or None
        "contradicts" (``p_value < alpha``), else "too few falls" (``min_p_value >=
        alpha``) or "consistent"; None without falls.
    direction : str
        "more" or "less": history reached ``total_move`` more (or less) often than the
        model expects; "" when ``k`` equals the expected count or without falls.
    critical : float
        The critical shock the falls are cut at (negative fraction).
    total_move : float
        The level (−0.10).
    alpha : float
        The level of the test.
    pooled_p_value : float or None
        ``k`` of ``n`` against one half (exact binomial): the pooled share against the
        model's chance at the critical shock alone. Kept as a figure, not a verdict:
        deeper falls reach the level more often by construction.
    span : tuple of Timestamp, optional
        First and last hourly bar (opens, UTC) the falls were read from.
    """

    n: int
    k: int
    expected: float
    sd: float
    p_value: float | None
    min_p_value: float | None
    verdict: str | None
    direction: str
    critical: float
    total_move: float
    alpha: float
    pooled_p_value: float | None
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None

    @property
    def history_share(self) -> float:
        """``k / n`` (NaN without falls)."""
        return self.k / self.n if self.n else float("nan")

    @property
    def model_share(self) -> float:
        """The model's share for the same mix of depths, ``expected / n`` (NaN without)."""
        return self.expected / self.n if self.n else float("nan")

    @property
    def z(self) -> float:
        """``(k − expected) / sd``: the distance in standard deviations (NaN when sd is 0)."""
        return (self.k - self.expected) / self.sd if self.sd > 0 else float("nan")

    def summary(self) -> dict[str, Any]:
        """The figures, JSON-ready (shares and moves as fractions, times ISO)."""
        span = self.span
        return {
            "n": self.n,
            "k": self.k,
            "history_share": self.history_share,
            "model_share_same_depths": self.model_share,
            "expected": self.expected,
            "sd": self.sd,
            "z": self.z,
            "p_value": self.p_value,
            "min_p_value": self.min_p_value,
            "verdict": self.verdict,
            "direction": self.direction,
            "critical_shock": self.critical,
            "total_move": self.total_move,
            "alpha": self.alpha,
            "test": "exact Poisson-binomial, two-sided",
            "pooled_share": self.history_share,
            "pooled_p_value_vs_half": self.pooled_p_value,
            "history_start": None if span is None else pd.Timestamp(span[0]).isoformat(),
            "history_end": None if span is None else pd.Timestamp(span[1]).isoformat(),
        }


def critical_history_check(
    falls: Any,
    totals: Any,
    *,
    critical: float,
    shocks: Any,
    reach: Any,
    total_move: float = -0.10,
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    alpha: float = HISTORY_ALPHA,
) -> CriticalHistoryCheck:
    """Test history's count of falls that reached ``total_move`` against the model's.

    Parameters
    ----------
    falls : array of float
        Each real fall's own depth: its 4-hour close-to-close fall (negative fraction;
        :class:`FollowThrough`'s ``events["fall"]``), every one at least as deep as
        ``critical``.
    totals : array of float
        Each fall's total move within the horizon (negative fraction;
        ``events["total"]``).
    critical : float
        The critical shock (negative fraction).
    shocks, reach : array of float
        The calibrated curve the critical shock is read off: its first falls
        (negative fractions) and the share of its paths reaching ``total_move`` after
        each (:func:`model_reach`).
    total_move : float, default -0.10
        The level, a negative fraction.
    span : tuple of Timestamp, optional
        The hourly bars the falls were read from (first and last open, UTC).
    alpha : float, default :data:`HISTORY_ALPHA`
        Two-sided level, in (0, 1).

    Returns
    -------
    CriticalHistoryCheck

    Raises
    ------
    InputError
        A fall or total that is not a finite number (``param`` ``"falls"`` or
        ``"totals"``), arrays of unequal length, ``alpha`` outside (0, 1).
    """
    from scipy.stats import binomtest

    if not 0.0 < alpha < 1.0:
        raise InputError(f"alpha must be in (0, 1) (got {alpha})", param="alpha")
    # a NaN fall had no chance (an argmin of nothing), a NaN total counted as not reached
    f = real_array(falls, "falls", shape="any")
    t = real_array(totals, "totals", shape="any")
    if f.shape != t.shape or f.ndim != 1:
        raise InputError("falls and totals must be 1-d and the same length", param="totals")
    n = int(f.size)
    k = int(reached(t, total_move).sum())
    p = model_reach(f, shocks, reach, total_move=total_move)
    expected, sd = float(p.sum()), math.sqrt(float((p * (1.0 - p)).sum()))
    if n == 0:
        return CriticalHistoryCheck(0, 0, 0.0, 0.0, None, None, None, "", critical,
                                    total_move, alpha, None, span)  # fmt: skip
    pmf = poisson_binomial_pmf(p)
    pv = _pvalue(pmf, k)
    possible = np.flatnonzero(pmf > 0.0)  # falls certain either way fix some counts
    min_p = _pvalue(pmf, int(possible[np.argmin(pmf[possible])]))
    if pv < alpha:  # a count the model makes impossible contradicts it however few
        verdict = "contradicts"
    else:
        verdict = "too few falls" if min_p >= alpha else "consistent"
    gap = k - expected
    direction = "" if abs(gap) < 1e-9 else ("more" if gap > 0 else "less")
    pooled = float(binomtest(k, n, 0.5).pvalue)
    return CriticalHistoryCheck(n, k, expected, sd, pv, min_p, verdict, direction, critical,
                                total_move, alpha, pooled, span)  # fmt: skip
