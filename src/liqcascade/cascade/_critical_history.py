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

The curve's chances are Monte Carlo shares of ``n_paths`` paths, not known values. The
curve's points are run on the same paths (the same seed, innovations and parameter
draws), so a path that reaches −10 % after one first fall reaches it after every deeper
one: the curve is the empirical distribution of ``n_paths`` paths' threshold depths and
its sampling law is multinomial over the gaps between its points (each point binomial,
the points moving together). The p-value integrates over that law: the count's law is
the mixture, over :data:`CURVE_DRAWS` seeded draws of the curve, of the Poisson-binomial
laws of the chances each draw interpolates to the falls (falls between the same two
points move together), and history's count is tested on that mixture (two-sided, the
same rule). :func:`predictive_pmf`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import check_real, check_seed, check_whole, real_array
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError

__all__ = [
    "CURVE_DRAWS",
    "HISTORY_ALPHA",
    "CriticalHistoryCheck",
    "critical_history_check",
    "curve_draws",
    "model_reach",
    "pmf_pvalue",
    "poisson_binomial_pmf",
    "poisson_binomial_pvalue",
    "predictive_pmf",
    "reached",
]

HISTORY_ALPHA = 0.05
"""Two-sided level of the check: history contradicts the model when ``p`` is below it."""

REACH_TOL = 1e-9
"""A move within this of the level (fraction of mid) has reached it: a first fall of
exactly −10 % whose path never goes lower ends at ``−0.09999999999999998``."""

CURVE_DRAWS = 2000
"""Draws of the curve from its sampling law that the p-value integrates over (seeded):
the p-value's Monte Carlo error is ``p_value_mc_se``, about 0.01 or less."""

_CHUNK = 250
"""Curve draws whose Poisson-binomial laws are built at once (memory: ``_CHUNK × (n + 1)``)."""

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


def _curve(shocks: Any, reach: Any) -> tuple[FloatArray, FloatArray]:
    """The curve's first falls and chances, checked: shallowest first, shares in [0, 1]."""
    x = real_array(shocks, "shocks", shape="any")
    y = real_array(reach, "reach", shape="any", least=0.0, most=1.0,
                   rule="a share in [0, 1]")  # fmt: skip
    if x.ndim != 1 or x.shape != y.shape or x.size == 0:
        raise InputError("shocks and reach must be 1-d, non-empty and the same length",
                         param="reach")  # fmt: skip
    _check_steps(
        x,
        ~(np.diff(x) < 0.0),
        "shocks",
        "shocks must run from the shallowest first fall to the deepest, each deeper "
        "than the one before",
    )
    return x, y


def _check_steps(v: FloatArray, bad_step: Any, name: str, rule: str) -> None:
    """Raise :class:`InputError` (``param`` ``name``) at the first bad step of ``v``.

    Parameters
    ----------
    v : numpy.ndarray of float
        The checked 1-d values.
    bad_step : numpy.ndarray of bool, length ``len(v) - 1``
        True where ``v[i + 1]`` does not follow ``v[i]`` as ``rule`` says.
    name : str
        The argument's name, in the message and as the error's ``param``.
    rule : str
        What the values must do; the message ends with the first offending pair.
    """
    bad = np.flatnonzero(bad_step)
    if bad.size:
        i = int(bad[0]) + 1
        raise InputError(f"{rule} ({name}[{i}] = {v[i]:g} after {v[i - 1]:g})", param=name)


def _weights(f: FloatArray, x: FloatArray, total_move: float) -> tuple[FloatArray, FloatArray]:
    """``(W, c)``: the chances are ``W @ reach + c`` (:func:`model_reach` is linear in reach).

    ``W`` (falls × curve points) holds the interpolation weights, held at the curve's
    ends; a fall at or past ``total_move`` has a zero row and ``c = 1``.
    """
    eye = np.eye(x.size)
    w = np.column_stack([np.interp(-f, -x, eye[j]) for j in range(x.size)])
    done = reached(f, total_move)
    w[done] = 0.0
    return w.reshape(f.size, x.size), done.astype(np.float64)


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
        The curve's first falls (negative fractions), shallowest first, each deeper than
        the one before.
    reach : array of float
        Share of the curve's paths that reach ``total_move`` after each shock
        (fractions in [0, 1]).
    total_move : float, default -0.10
        The level, a negative fraction.

    Returns
    -------
    numpy.ndarray of float
        One chance per fall, in [0, 1].

    Raises
    ------
    InputError
        Shocks out of order (``param`` ``"shocks"``), a share outside [0, 1] or of
        another length (``"reach"``), a fall that is not a finite number (``"falls"``).
    """
    x, y = _curve(shocks, reach)
    f = real_array(falls, "falls", shape="any")
    p = np.interp(-f, -x, y)
    return np.where(reached(f, total_move), 1.0, p)


def curve_draws(reach: Any, n_paths: int, *, draws: int = CURVE_DRAWS, seed: int = 0) -> FloatArray:
    """Draws of the curve from its sampling law: ``n_paths`` shared paths, multinomial.

    The curve's points are run on the same paths, so each path has a threshold: the
    shallowest of the curve's first falls after which it reaches the level (it reaches
    it after every deeper one too). ``reach`` is the empirical distribution of those
    thresholds; a draw re-samples ``n_paths`` thresholds from it (multinomial over the
    gaps between the points, ``reach[0]``, ``reach[1] − reach[0]``, …, ``1 − reach[-1]``):
    each point is binomial, ``Binomial(n_paths, reach[j]) / n_paths``, and the points
    move together as the shared paths make them.

    Parameters
    ----------
    reach : array of float
        Share of the paths reaching the level after each first fall, shallowest first
        (fractions in [0, 1], never falling as the first fall deepens).
    n_paths : int
        Paths behind every point of the curve (>= 1).
    draws : int, default :data:`CURVE_DRAWS`
        Draws (>= 2).
    seed : int, default 0
        Seed of the draws (:func:`numpy.random.default_rng`): a seed, one answer.

    Returns
    -------
    numpy.ndarray of float, shape (draws, len(reach))
        Each row a curve, shares in [0, 1].

    Raises
    ------
    InputError
        A share outside [0, 1] or one below the share before it (``param``
        ``"reach"``), ``n_paths`` or ``draws`` not a whole number in range, a bad seed.
    """
    y = real_array(reach, "reach", least=0.0, most=1.0, rule="a share in [0, 1]")
    n_paths = check_whole(n_paths, "n_paths")
    draws = check_whole(draws, "draws", least=2)
    seed = check_seed(seed)
    _check_steps(
        y,
        np.diff(y) < -1e-12,
        "reach",
        "reach must not fall as the first fall deepens: the curve's points share their paths",
    )
    gaps = np.clip(np.diff(np.concatenate([[0.0], y, [1.0]])), 0.0, None)
    counts = np.random.default_rng(seed).multinomial(n_paths, gaps / gaps.sum(), size=draws)
    out: FloatArray = np.cumsum(counts[:, :-1], axis=1) / float(n_paths)
    return out


def _pmf_rows(p: FloatArray) -> FloatArray:
    """Poisson-binomial laws of each row of chances ``p`` (rows × trials), trial by trial."""
    m, n = p.shape
    pmf = np.zeros((m, n + 1))
    pmf[:, 0] = 1.0
    for i in range(n):
        pi = p[:, i : i + 1]
        pmf[:, 1 : i + 2] = pmf[:, 1 : i + 2] * (1.0 - pi) + pmf[:, : i + 1] * pi
        pmf[:, 0] *= 1.0 - p[:, i]
    return pmf


def _draw_pmfs(
    f: FloatArray, x: FloatArray, y: FloatArray, n_paths: int, total_move: float,
    draws: int, seed: int,
) -> FloatArray:  # fmt: skip
    """The count's Poisson-binomial law under each draw of the curve (draws × n + 1)."""
    w, c = _weights(f, x, total_move)
    chances = np.clip(curve_draws(y, n_paths, draws=draws, seed=seed) @ w.T + c, 0.0, 1.0)
    return np.vstack([_pmf_rows(chances[i : i + _CHUNK])
                      for i in range(0, draws, _CHUNK)])  # fmt: skip


def predictive_pmf(
    falls: Any,
    shocks: Any,
    reach: Any,
    *,
    n_paths: int,
    total_move: float = -0.10,
    draws: int = CURVE_DRAWS,
    seed: int = 0,
) -> FloatArray:
    """The law of the count of falls reaching ``total_move``, the curve's error included.

    The mean, over :func:`curve_draws` of the curve, of the Poisson-binomial law of the
    chances each draw gives the falls (:func:`model_reach`): falls between the same two
    points of the curve share its error. As ``n_paths`` grows it tends to
    :func:`poisson_binomial_pmf` of :func:`model_reach`.

    Parameters
    ----------
    falls : array of float
        The falls' depths (negative fractions).
    shocks, reach : array of float
        The curve: first falls (negative fractions, shallowest first) and the share of
        its paths reaching ``total_move`` after each (fractions).
    n_paths : int
        Paths behind every point of the curve.
    total_move : float, default -0.10
        The level, a negative fraction.
    draws : int, default :data:`CURVE_DRAWS`
        Draws of the curve (Monte Carlo, seeded).
    seed : int, default 0
        Seed of the draws (:func:`numpy.random.default_rng`): a seed, one answer.

    Returns
    -------
    numpy.ndarray of float
        ``len(falls) + 1`` probabilities of 0 … n falls reaching it (they sum to 1).
    """
    x, y = _curve(shocks, reach)
    f = real_array(falls, "falls", shape="flat")
    out: FloatArray = _draw_pmfs(f, x, y, n_paths, total_move, draws, seed).mean(axis=0)
    return out


def _count_variance(w: FloatArray, c: FloatArray, y: FloatArray, n_paths: int | None) -> float:
    """The count's variance under the model: Bernoulli spread plus the curve's (exact).

    ``Var k = Σ E[p_i(1 − p_i)] + Var Σ p_i``, with the curve's points'
    covariance ``y[min(j, l)] · (1 − y[max(j, l)]) / n_paths`` (shared paths: the
    empirical distribution's); without ``n_paths``, ``Σ p_i(1 − p_i)``.
    """
    p = w @ y + c
    var = float((p * (1.0 - p)).sum())
    if n_paths is None or y.size == 0:
        return var
    j = np.arange(y.size)
    lo, hi = np.minimum.outer(j, j), np.maximum.outer(j, j)
    cov = y[lo] * (1.0 - y[hi]) / n_paths
    per_fall = np.einsum("ij,jk,ik->i", w, cov, w)
    a = w.sum(axis=0)
    return max(0.0, var - float(per_fall.sum()) + float(a @ cov @ a))


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
    out: FloatArray = _pmf_rows(q[None, :])[0]
    return out


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
    return pmf_pvalue(pmf, k)


def pmf_pvalue(pmf: Any, k: int) -> float:
    """Two-sided p-value of the count ``k`` under the law ``pmf``: every count as likely or less.

    Parameters
    ----------
    pmf : array of float
        Probabilities of the counts 0 … n.
    k : int
        The count observed.

    Returns
    -------
    float
        In [0, 1]; "as likely" within a relative ``1e-7`` (:func:`scipy.stats.binomtest`).
    """
    q = np.asarray(pmf, dtype=np.float64)
    return float(min(1.0, q[q <= q[k] * _RERR].sum()))


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
        The count's standard deviation under the model, the curve's Monte Carlo error
        included (``√(Σ E[p(1 − p)] + Var Σ p)``; ``√Σ p(1 − p)`` without ``n_paths``).
    p_value : float or None
        Two-sided p-value of ``k`` under the count's law (None without falls): the
        mixture over the curve's sampling law (:func:`predictive_pmf`), or the exact
        Poisson-binomial law of the curve's chances without ``n_paths``.
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
    n_paths : int or None
        Paths behind every point of the curve (None: its chances taken as known).
    known_p_value : float or None
        The exact Poisson-binomial p-value with the curve's chances taken as known
        (a figure, not the verdict, when ``n_paths`` is given).
    p_value_mc_se : float or None
        Monte Carlo standard error of ``p_value`` over the curve's draws (None without
        ``n_paths`` or falls).
    curve_draws : int
        Draws of the curve ``p_value`` integrates over (0 without ``n_paths``).
    seed : int
        Their seed.
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
    n_paths: int | None = None
    known_p_value: float | None = None
    p_value_mc_se: float | None = None
    curve_draws: int = 0
    seed: int = 0

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

    @property
    def test(self) -> str:
        """The test in words."""
        if self.n_paths is None:
            return "exact Poisson-binomial, two-sided, the curve's chances taken as known"
        return (
            f"Poisson-binomial, two-sided, over the curve's sampling law ({self.n_paths} "
            f"shared paths per point, {self.curve_draws} draws, seed {self.seed})"
        )

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
            "p_value_mc_se": self.p_value_mc_se,
            "p_value_chances_known": self.known_p_value,
            "min_p_value": self.min_p_value,
            "verdict": self.verdict,
            "direction": self.direction,
            "critical_shock": self.critical,
            "total_move": self.total_move,
            "alpha": self.alpha,
            "test": self.test,
            "n_paths": self.n_paths,
            "curve_draws": self.curve_draws,
            "seed": self.seed,
            "pooled_share": self.history_share,
            "pooled_p_value_vs_half": self.pooled_p_value,
            "history_start": None if span is None else pd.Timestamp(span[0]).isoformat(),
            "history_end": None if span is None else pd.Timestamp(span[1]).isoformat(),
        }


def _falls(falls: Any, totals: Any, critical: float) -> tuple[FloatArray, FloatArray]:
    """The falls and totals, checked: finite, 1-d, the same length, none shallower than X."""
    f = real_array(falls, "falls", shape="any")
    t = real_array(totals, "totals", shape="any")
    if f.ndim != 1 or t.ndim != 1 or f.shape != t.shape:
        raise InputError(
            f"falls and totals must be 1-d and the same length (got {f.shape} and {t.shape})",
            param="totals",
        )
    shallow = np.flatnonzero(f > critical + REACH_TOL)
    if shallow.size:
        i = int(shallow[0])
        raise InputError(
            f"falls[{i}] = {f[i]:g} is shallower than the critical shock {critical:g}: "
            "the check reads falls at least as deep",
            param="falls",
        )
    return f, t


def critical_history_check(
    falls: Any,
    totals: Any,
    *,
    critical: float,
    shocks: Any,
    reach: Any,
    n_paths: int | None,
    total_move: float = -0.10,
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    alpha: float = HISTORY_ALPHA,
    draws: int = CURVE_DRAWS,
    seed: int = 0,
) -> CriticalHistoryCheck:
    """Test history's count of falls that reached ``total_move`` against the model's.

    For each fall the model's chance is :func:`model_reach` on the curve; history's
    count ``k`` is tested two-sided (every count as likely as ``k`` or less) against the
    count's law. The curve's chances are shares of ``n_paths`` Monte Carlo paths, each
    point's about ``√(p(1 − p)/n_paths)`` off (2–3 points at 360 paths): the law is the
    mixture, over ``draws`` seeded draws of the curve from its sampling law
    (:func:`curve_draws`: the points share their paths, multinomial), of the
    Poisson-binomial laws of the chances each draw interpolates to the falls
    (:func:`predictive_pmf`). With ``n_paths=None`` the chances are taken as known (exact
    Poisson-binomial law; for a curve that is not a Monte Carlo share).

    Parameters
    ----------
    falls : array of float
        Each real fall's own depth: its 4-hour close-to-close fall (negative fraction;
        :class:`FollowThrough`'s ``events["fall"]``), every one at least as deep as
        ``critical``.
    totals : array of float
        Each fall's total move within the horizon (negative fraction;
        ``events["total"]``), one per fall.
    critical : float
        The critical shock (negative fraction, in (−1, 0)).
    shocks, reach : array of float
        The calibrated curve the critical shock is read off: its first falls
        (negative fractions, shallowest first) and the share of its paths reaching
        ``total_move`` after each (fractions in [0, 1], never falling as the first fall
        deepens when ``n_paths`` is given; :func:`model_reach`).
    n_paths : int or None
        Paths behind every point of the curve (its points run on the same paths);
        None: the chances are known exactly.
    total_move : float, default -0.10
        The level, a negative fraction.
    span : tuple of Timestamp, optional
        The hourly bars the falls were read from (first and last open, UTC).
    alpha : float, default :data:`HISTORY_ALPHA`
        Two-sided level, in (0, 1).
    draws : int, default :data:`CURVE_DRAWS`
        Draws of the curve the p-value integrates over (with ``n_paths``).
    seed : int, default 0
        Their seed: the check is deterministic for a seed.

    Returns
    -------
    CriticalHistoryCheck

    Raises
    ------
    InputError
        Naming the argument (its ``param``): a fall or total that is not a finite number
        (``"falls"``, ``"totals"``), unequal lengths (``"totals"``), a fall shallower than
        ``critical`` (``"falls"``), ``critical`` not in (−1, 0), shocks out of order
        (``"shocks"``), a share outside [0, 1], of another length or falling with depth
        (``"reach"``), ``n_paths``, ``draws``, ``seed`` or ``alpha`` out of range.
    """
    from scipy.stats import binomtest

    if not 0.0 < alpha < 1.0:
        raise InputError(f"alpha must be in (0, 1) (got {alpha})", param="alpha")
    critical = check_real(critical, "critical", least=-1.0, strict=True, most=0.0)
    if not critical < 0.0:
        raise InputError(f"critical must be a fall, < 0 (got {critical:g})", param="critical")
    if n_paths is not None:
        n_paths = check_whole(n_paths, "n_paths")
    draws, seed = check_whole(draws, "draws", least=2), check_seed(seed)
    f, t = _falls(falls, totals, critical)
    x, y = _curve(shocks, reach)
    n, k = int(f.size), int(reached(t, total_move).sum())
    extra: dict[str, Any] = {"n_paths": n_paths, "curve_draws": 0 if n_paths is None else draws,
                             "seed": seed}  # fmt: skip
    if n == 0:
        return CriticalHistoryCheck(0, 0, 0.0, 0.0, None, None, None, "", critical,
                                    total_move, alpha, None, span, **extra)  # fmt: skip
    w, c = _weights(f, x, total_move)
    chances = np.clip(w @ y + c, 0.0, 1.0)
    expected = float(chances.sum())
    sd = math.sqrt(_count_variance(w, c, y, n_paths))
    pmf = poisson_binomial_pmf(chances)
    extra["known_p_value"] = pmf_pvalue(pmf, k)
    if n_paths is not None:  # the count's law over the curve's sampling law
        rows = _draw_pmfs(f, x, y, n_paths, total_move, draws, seed)
        pmf = rows.mean(axis=0)
        tails = rows[:, pmf <= pmf[k] * _RERR].sum(axis=1)
        extra["p_value_mc_se"] = float(tails.std(ddof=1) / math.sqrt(tails.size))
    pv = pmf_pvalue(pmf, k)
    possible = np.flatnonzero(pmf > 0.0)  # falls certain either way fix some counts
    min_p = pmf_pvalue(pmf, int(possible[np.argmin(pmf[possible])]))
    if pv < alpha:  # a count the model makes impossible contradicts it however few
        verdict = "contradicts"
    else:
        verdict = "too few falls" if min_p >= alpha else "consistent"
    gap = k - expected
    direction = "" if abs(gap) < 1e-9 else ("more" if gap > 0 else "less")
    pooled = float(binomtest(k, n, 0.5).pvalue)
    return CriticalHistoryCheck(n, k, expected, sd, pv, min_p, verdict, direction, critical,
                                total_move, alpha, pooled, span, **extra)  # fmt: skip
