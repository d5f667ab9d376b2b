"""Likelihood fit of the identified book to recorded 4-hour liquidations.

Observation law (per bar and side, :mod:`liqcascade.positions._model`): hurdle
log-normal. ``P(y = 0) = p_zero``; for ``y > 0``,
``log y ~ N(log(scale * mu + floor), sigma^2)`` with ``mu`` the book's liquidations.
Given the book (its shape parameters), ``p_zero`` has a closed form (the share of
zero bars), ``sigma^2`` too (the mean squared log residual), and ``(scale, floor)``
are found by a 2-parameter Nelder–Mead: the *profile* log-likelihood of the shape
parameters. The shape parameters (leverage mix, turnover, side split) maximise it by
a global multi-start Nelder–Mead search (:func:`fit_book`). Parameter uncertainty:
refits on moving-block bootstrap resamples of the fitting days (seeded), each by the
same global search (:func:`bootstrap_fits`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares, minimize

from liqcascade._limits import check_whole
from liqcascade._prices import count_text
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.positions._fit_kernels import grid_mu_nb, profile_ab_nb
from liqcascade.positions._model import (
    SHAPE_KEYS,
    BookParams,
    MarketFrames,
    Prepared,
    distance_weights,
    intrabar_exposure,
    long_share,
    prepare,
    walk,
)
from liqcascade.positions._twotier import TwoTier, nelder_mead

_LOG2PI = math.log(2.0 * math.pi)

#: How an objective evaluates the profile likelihood: ``"numba"`` (the book's
#: liquidations by :func:`~liqcascade.positions._fit_kernels.grid_mu_nb`, the
#: observation profile by :func:`~liqcascade.positions._fit_kernels.profile_ab_nb`,
#: falling back to the reference where that profile has several minima) or
#: ``"reference"`` (the full walk and scipy's trust-region least squares: the plain
#: evaluation the numba engine is held equal to, kept callable for tests and the
#: benchmark).
ENGINES: tuple[str, ...] = ("numba", "reference")


def hurdle_lognormal_loglik(
    y: FloatArray, median: FloatArray, sigma: float, p_zero: float
) -> FloatArray:
    """Log-likelihood of each amount ``y`` (USD) under the hurdle log-normal law.

    Parameters
    ----------
    y : array
        Recorded amounts, USD (>= 0).
    median : array
        Median of the positive part, USD (> 0).
    sigma : float
        Log-sd of the positive part.
    p_zero : float
        Probability of a zero, in [0, 1).

    Returns
    -------
    array
        ``log p_zero`` where ``y == 0``; ``log(1 - p_zero) + log N(log y; log median,
        sigma) - log y`` elsewhere.
    """
    y = np.asarray(y, dtype=np.float64)
    med = np.asarray(median, dtype=np.float64)
    pos = y > 0
    out = np.full(y.shape, math.log(p_zero) if p_zero > 0 else -np.inf)
    ly = np.log(y[pos])
    z = (ly - np.log(med[pos])) / sigma
    out[pos] = math.log1p(-p_zero) - 0.5 * z * z - math.log(sigma) - 0.5 * _LOG2PI - ly
    return out


@dataclass(frozen=True, eq=False)
class FitTarget:
    """The recorded bars of a fitting window, aligned to the book's bars."""

    pos: np.ndarray  # positions of the scored bars in the run's series
    days: np.ndarray  # day number of each scored bar (for the bootstrap)
    y_long: FloatArray
    y_short: FloatArray


def fit_target(
    frames: MarketFrames, prep: Prepared, start: pd.Timestamp, end: pd.Timestamp
) -> FitTarget:
    """Scored bars: recorded liquidations in ``[start, end]`` with a book prediction."""
    if frames.liquidations is None:
        raise InputError("fitting needs recorded liquidations (none given)")
    ts = prep.index[prep.n_seed :]
    rec = frames.liquidations[~frames.liquidations.index.duplicated(keep="last")]
    rec = rec.reindex(ts)
    keep = (ts >= start) & (ts <= end) & rec["long_usd"].notna().to_numpy()
    keep &= rec["short_usd"].notna().to_numpy()
    pos = np.nonzero(keep)[0]
    if pos.shape[0] < 60:
        raise InputError(
            f"fitting window {start.date()} -> {end.date()} has {pos.shape[0]} bars with "
            "open interest, prices and recorded liquidations (need >= 60)"
        )
    # day number from the first scored day; computed on timestamps, not on ``asi8``
    # (whose unit follows the index's resolution: ns, us or ms)
    sel = pd.DatetimeIndex(ts[pos]).normalize()
    day = np.asarray((sel - sel[0]) // pd.Timedelta(days=1), dtype=np.int64)
    return FitTarget(
        pos=pos,
        days=day,
        y_long=rec["long_usd"].to_numpy(np.float64)[pos],
        y_short=rec["short_usd"].to_numpy(np.float64)[pos],
    )


def profile_obs(
    mu: FloatArray,
    y: FloatArray,
    weights: FloatArray | None = None,
    exposure: FloatArray | None = None,
) -> tuple[float, dict[str, float]]:
    """Profile log-likelihood over ``(scale, floor, sigma, p_zero)`` for book liquidations ``mu``.

    ``mu`` and ``y`` stack both sides (USD). ``weights`` (bootstrap counts) weight the bars.
    ``exposure`` (the bars' intrabar exposure, USD, stacked like ``mu``): when given,
    the median is ``scale * mu + intrabar * exposure + floor`` and ``intrabar`` is
    profiled too (otherwise it is 0).
    """
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    pos = y > 0
    n_all = float(w.sum())
    n_zero = float(w[~pos].sum())
    p0 = n_zero / n_all if n_all > 0 else 0.0
    ly = np.log(np.where(pos, y, 1.0))
    wp = w * pos
    npos = float(wp.sum())
    scale_ref = float(np.sum(wp * y) / max(np.sum(wp * mu), 1e-300))
    floor_ref = float(np.exp(np.sum(wp * ly) / max(npos, 1e-300)))

    if npos <= 0:
        raise InputError("profile_obs: no positive recorded amount carries weight")
    sw = np.sqrt(wp)
    f_ref = floor_ref
    ex = None if exposure is None else np.asarray(exposure, dtype=np.float64)
    ex_ref = 0.0 if ex is None else float(np.sum(wp * y) / max(np.sum(wp * ex), 1e-300))

    def parts(x: FloatArray) -> list[FloatArray]:
        out = [math.exp(x[0]) * scale_ref * mu, np.full_like(mu, math.exp(x[1]) * f_ref)]
        if ex is not None:
            out.append(math.exp(x[2]) * ex_ref * ex)
        return out

    def resid(x: FloatArray) -> FloatArray:
        med = sum(parts(x))
        return np.asarray(sw * (ly - np.log(np.maximum(med, 1e-300))), dtype=np.float64)

    def jac(x: FloatArray) -> FloatArray:
        ps = parts(x)
        med = np.maximum(sum(ps), 1e-300)
        return np.asarray(np.stack([-sw * q / med for q in ps], axis=1), dtype=np.float64)

    starts: tuple[tuple[float, ...], ...] = ((0.0, -3.0), (-1.0, -1.0), (-3.0, 0.0))
    if ex is not None:
        starts = (*((*x0, -3.0) for x0 in starts), (-1.0, -1.0, -1.0), (-3.0, -1.0, 0.0))
    best_x, best_f = None, math.inf
    for x0 in starts:
        res = least_squares(resid, np.array(x0), jac=jac, bounds=(-25.0, 25.0), method="trf",
                            xtol=1e-10, ftol=1e-12, gtol=1e-12, max_nfev=200)  # fmt: skip
        fval = float(np.sum(res.fun**2))
        if fval < best_f:
            best_x, best_f = res.x, fval
    assert best_x is not None
    s2 = max(best_f / npos, 1e-12)
    bx = np.clip(best_x, -25.0, 25.0)
    scale = max(math.exp(float(bx[0])) * scale_ref, 1e-300)
    floor = math.exp(float(bx[1])) * floor_ref
    ll = -0.5 * npos * (math.log(s2) + 1.0 + _LOG2PI) - float(np.sum(wp * ly))
    if npos > 0 and p0 < 1.0:
        ll += npos * math.log1p(-p0)
    if n_zero > 0:
        ll += n_zero * math.log(p0)
    obs = {"scale": scale, "floor_usd": floor, "sigma": math.sqrt(s2), "p_zero": p0}
    if ex is not None:
        obs["intrabar"] = math.exp(float(bx[2])) * ex_ref
    return ll, obs


class _FastProfile:
    """:func:`profile_obs` for one fitting window without an exposure, by the kernel.

    Everything that does not depend on ``mu`` is computed once, with the same
    expressions as :func:`profile_obs`; the 2-parameter least squares is
    :func:`~liqcascade.positions._fit_kernels.profile_ab_nb`. Where its searches end
    in more than one minimum, which one a solver reaches depends on its path, and
    the evaluation is :func:`profile_obs` itself (the reference), so the value is the
    reference's wherever the two could disagree by more than rounding.
    """

    def __init__(self, y: FloatArray, weights: FloatArray | None) -> None:
        self.y = y
        self.weights = weights
        w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
        pos = y > 0
        n_all = float(w.sum())
        self.n_zero = float(w[~pos].sum())
        self.p0 = self.n_zero / n_all if n_all > 0 else 0.0
        ly = np.log(np.where(pos, y, 1.0))
        wp = w * pos
        self.npos = float(wp.sum())
        if self.npos <= 0:
            raise InputError("profile_obs: no positive recorded amount carries weight")
        self.wp = np.ascontiguousarray(wp, dtype=np.float64)
        self.ly = np.ascontiguousarray(ly, dtype=np.float64)
        self.wpy = np.sum(wp * y)
        self.floor_ref = float(np.exp(np.sum(wp * ly) / max(self.npos, 1e-300)))
        self.sum_wply = float(np.sum(wp * ly))
        self.fallbacks = 0

    def __call__(self, mu: FloatArray) -> tuple[float, dict[str, float]]:
        scale_ref = float(self.wpy / max(np.sum(self.wp * mu), 1e-300))
        a, b, best_f, unique = profile_ab_nb(
            np.ascontiguousarray(mu, dtype=np.float64), self.ly, self.wp, scale_ref,
            self.floor_ref,
        )  # fmt: skip
        if not unique:
            self.fallbacks += 1
            return profile_obs(mu, self.y, self.weights)
        npos = self.npos
        s2 = max(best_f / npos, 1e-12)
        a = min(max(a, -25.0), 25.0)
        b = min(max(b, -25.0), 25.0)
        scale = max(math.exp(a) * scale_ref, 1e-300)
        floor = math.exp(b) * self.floor_ref
        ll = -0.5 * npos * (math.log(s2) + 1.0 + _LOG2PI) - self.sum_wply
        if npos > 0 and self.p0 < 1.0:
            ll += npos * math.log1p(-self.p0)
        if self.n_zero > 0:
            ll += self.n_zero * math.log(self.p0)
        return ll, {"scale": scale, "floor_usd": floor, "sigma": math.sqrt(s2), "p_zero": self.p0}


# ----------------------------------------------------------------- shape parameters
_BOUNDS: dict[str, tuple[float, float]] = {
    "dist_median": (0.004, 1.0),
    "dist_sigma": (0.1, 4.0),
    "turnover": (0.0, 0.6),
    "theta0": (-3.0, 3.0),
    "theta_funding": (-4.0, 4.0),
    "theta_move": (-4.0, 4.0),
    "theta_ls": (-4.0, 4.0),
}


def _to_params(x: Sequence[float], base: BookParams, keys: Sequence[str]) -> BookParams:
    vals: dict[str, float] = {}
    for k, v in zip(keys, x, strict=True):
        if k == "dist_median":
            v = math.exp(v)
        elif k == "dist_sigma":
            v = math.exp(v)
        lo, hi = _BOUNDS[k]
        vals[k] = float(min(max(v, lo), hi))
    return base.with_(**vals)


def _key(x: Sequence[float], base: BookParams, keys: Sequence[str]) -> tuple[float, ...]:
    """The memo key of ``x``: the shape parameters of ``_to_params``, to 10 decimals.

    The same values without building the parameter set (the search asks for a key
    several times per evaluation); a point whose parameters would not be valid (a
    NaN) gets :func:`_to_params`'s error.
    """
    out = []
    for k, v in zip(keys, x, strict=True):
        if k == "dist_median" or k == "dist_sigma":
            v = math.exp(v)
        lo, hi = _BOUNDS[k]
        c = float(min(max(v, lo), hi))
        if c != c:
            _to_params(x, base, keys)
        out.append(round(c, 10))
    return tuple(out)


def _to_x(p: BookParams, keys: Sequence[str]) -> list[float]:
    out = []
    for k in keys:
        v = float(getattr(p, k))
        out.append(math.log(v) if k in ("dist_median", "dist_sigma") else v)
    return out


# Nelder–Mead's initial simplex: one step per coordinate (log units for the distance
# median and sd, share for turnover, logit units for the side split). scipy's default
# (5 % of the start, 0.00025 where the start is 0) is degenerate for the side-split
# coefficients and for ``log dist_median`` at its bound (0).
_STEP: dict[str, float] = {
    "dist_median": 0.25,
    "dist_sigma": 0.2,
    "turnover": 0.05,
    "theta0": 0.25,
    "theta_funding": 0.25,
    "theta_move": 0.25,
    "theta_ls": 0.25,
}


def _nelder_mead(
    nll: Callable[[FloatArray], float], x0: Sequence[float] | FloatArray,
    steps: Sequence[float], maxiter: int, restarts: int,
) -> tuple[float, list[float]]:  # fmt: skip
    """Nelder–Mead from ``x0``, simplex one ``steps[i]`` per coordinate, ``restarts`` restarts.

    Returns ``(nll, x)`` at the end point (never worse than ``x0``). On a
    :class:`~liqcascade.positions._twotier.TwoTier` objective the search is
    :func:`~liqcascade.positions._twotier.nelder_mead` (scipy's, every comparison
    decided as the exact evaluation decides it), and so are the comparisons here.
    """
    x = np.asarray(x0, dtype=np.float64)
    fx = nll(x)
    eye = np.eye(x.shape[0])
    tt = nll if isinstance(nll, TwoTier) else None
    for _ in range(1 + max(0, restarts)):
        simplex = np.vstack([x] + [x + float(steps[i]) * eye[i] for i in range(x.shape[0])])
        if tt is None:
            res = minimize(nll, x, method="Nelder-Mead",
                           options={"maxiter": maxiter, "xatol": 1e-3, "fatol": 1e-3,
                                    "initial_simplex": simplex})  # fmt: skip
            rx, rf = res.x, float(res.fun)
        else:
            rx, rf = nelder_mead(tt, simplex, maxiter, 1e-3, 1e-3)
            rf, fx = tt.current(rx, rf), tt.current(x, fx)
            if tt.near(rf, fx - 1e-9):
                rf, fx = tt.upgrade(rx), tt.upgrade(x)
            if rf < fx - 1e-9 and tt.near(fx - rf, 1e-3):
                rf, fx = tt.upgrade(rx), tt.upgrade(x)
        if rf < fx - 1e-9:
            improved = fx - rf
            x, fx = np.asarray(rx, dtype=np.float64), rf
            if improved < 1e-3:
                break
        else:
            break
    return fx, [float(v) for v in x]


def multistart_minimise(
    nll: Callable[[FloatArray], float],
    lo: Sequence[float] | FloatArray,
    hi: Sequence[float] | FloatArray,
    steps: Sequence[float],
    *,
    starts: Sequence[Sequence[float] | FloatArray] = (),
    n_sobol: int = 64,
    n_local: int = 6,
    min_gap: float = 0.15,
    seed: int = 0,
    maxiter: int = 250,
    restarts: int = 1,
) -> list[tuple[float, list[float]]]:
    """Global minimisation of ``nll`` over the box ``[lo, hi]`` by multi-start Nelder–Mead.

    The candidates are the given ``starts`` and ``n_sobol`` points of a scrambled Sobol
    sequence over the box (seeded: the search is deterministic). All are evaluated;
    local searches (:func:`_nelder_mead`) run from the ``n_local`` best candidates
    that lie at least ``min_gap`` apart (distance in box-normalised units, so that the
    searches start in different basins rather than ``n_local`` times in the best one).
    The best of the given ``starts`` always gets a local search (so the result is
    never worse than the single-start search from them).

    Parameters
    ----------
    nll : callable
        Objective to minimise (a negative log-likelihood), ``x`` -> float.
    lo, hi : sequence of float
        The box (optimiser coordinates).
    steps : sequence of float
        Nelder–Mead initial simplex step per coordinate.
    starts : sequence of points
        Given starting points.
    n_sobol, n_local : int
        Sobol candidates (``0``: none); local searches.
    min_gap : float
        Minimum box-normalised distance between two local-search starts.
    seed : int
        Seed of the Sobol scrambling.
    maxiter, restarts : int
        Nelder–Mead iterations per run, restarts per search.

    Returns
    -------
    list of (float, list of float)
        The end point of every local search, best (lowest ``nll``) first.
    """
    from scipy.stats import qmc

    lo_a = np.asarray(lo, dtype=np.float64)
    hi_a = np.asarray(hi, dtype=np.float64)
    width = np.where(hi_a > lo_a, hi_a - lo_a, 1.0)
    given = [np.asarray(x, dtype=np.float64) for x in starts]
    cands = list(given)
    if n_sobol > 0:
        u = qmc.Sobol(d=lo_a.shape[0], scramble=True, seed=seed).random(n_sobol)
        cands += [lo_a + row * (hi_a - lo_a) for row in u]
    if not cands:
        raise InputError("multistart_minimise: no starting point (starts empty, n_sobol 0)")
    vals = [float(nll(x)) for x in cands]
    tt = nll if isinstance(nll, TwoTier) else None
    if tt is not None:
        tt.settle(cands, vals)
    order = sorted(range(len(cands)), key=lambda i: (vals[i], i))
    chosen: list[np.ndarray] = []
    if given:
        chosen.append(cands[min(range(len(given)), key=lambda i: (vals[i], i))])
    for i in order:
        if len(chosen) >= max(1, n_local):
            break
        z = (np.clip(cands[i], lo_a, hi_a) - lo_a) / width
        if all(np.linalg.norm(z - (np.clip(c, lo_a, hi_a) - lo_a) / width) >= min_gap
               for c in chosen):  # fmt: skip
            chosen.append(cands[i])
    ends = [_nelder_mead(nll, x0, steps, maxiter, restarts) for x0 in chosen]
    if tt is not None:
        fs = tt.settle([np.asarray(x, dtype=np.float64) for _, x in ends], [f for f, _ in ends])
        ends = [(f, x) for f, (_, x) in zip(fs, ends, strict=True)]
    return sorted(ends, key=lambda r: r[0])


def valid_fit(p: BookParams) -> bool:
    """Whether a fitted parameter set is a usable fit (not collapsed onto a floor).

    Scale in ``[1e-7, 10]`` (recorded / aggregated liquidations), floor finite and
    non-negative, sigma in ``[0.05, 10]`` (log-sd of 4-hour amounts), ``p_zero < 0.9``.
    """
    vals = [float(getattr(p, k)) for k in ("scale", "floor_usd", "sigma", "p_zero")]
    if not all(math.isfinite(v) for v in vals):
        return False
    return (
        1e-7 <= p.scale <= 10.0
        and p.floor_usd >= 0
        and 0.05 <= p.sigma <= 10.0
        and (p.p_zero < 0.9)
    )


@dataclass(frozen=True, eq=False)
class Fit:
    """One maximum-likelihood fit: parameters, log-likelihood, bars, evaluations.

    ``optima``: the distinct local maxima the multi-start search ended in, as
    ``(loglik, params)``, best first (``optima[0]`` is the fit itself).
    """

    params: BookParams
    loglik: float
    n_bars: int
    evaluations: int
    optima: tuple[tuple[float, BookParams], ...] = ()


@dataclass(frozen=True, eq=False)
class Objective:
    """The profile log-likelihood of the shape parameters on one fitting window.

    Attributes
    ----------
    keys : tuple of str
        Fitted shape parameters, in the optimiser's order (``theta_ls`` only where a
        long/short ratio is recorded).
    base : BookParams
        Fixed settings; the fitted parameters are set on a copy of it.
    n_bars : int
        Scored bars.
    evaluate : callable
        ``x`` (optimiser coordinates: log ``dist_median``, log ``dist_sigma``, the
        rest as is; clipped to the box) -> ``(loglik, observation parameters)``;
        memoised on the clipped parameters.
    cache : dict
        The memo (its size is the number of distinct book walks).
    exact : callable, optional
        ``x`` -> the reference evaluation (:data:`ENGINES`), used by :meth:`params`
        for the reported observation parameters when ``evaluate`` is the kernel's.
        The kernel's profile reaches the least-squares minimum to rounding, the
        reference's trust-region solver stops at its tolerances (its scale and floor
        can differ from the exact minimum's in the fifth digit, its log-likelihood
        in the tenth): the search reads the kernel's values, the fit reports the
        reference's parameters at the point found, as before.
    """

    keys: tuple[str, ...]
    base: BookParams
    n_bars: int
    evaluate: Callable[[Sequence[float]], tuple[float, dict[str, float]]]
    cache: dict[tuple[float, ...], tuple[float, dict[str, float]]]
    exact: Callable[[Sequence[float]], tuple[float, dict[str, float]]] | None = None
    key: Callable[[Sequence[float]], tuple[float, ...]] | None = None

    def nll(self) -> Callable[[FloatArray], float]:
        """The negative log-likelihood as the search reads it.

        With a kernel evaluation, a :class:`~liqcascade.positions._twotier.TwoTier`
        over it and the reference (the searches decide as the reference's would).
        """

        def fast(x: FloatArray) -> float:
            return -self.evaluate([float(v) for v in x])[0]

        if self.exact is None or self.key is None:
            return fast
        exact, key = self.exact, self.key
        return TwoTier(fast, lambda x: -exact([float(v) for v in x])[0],
                       lambda x: key([float(v) for v in x]))  # fmt: skip

    def loglik(self, p: BookParams) -> float:
        """Profile log-likelihood at ``p``'s shape parameters."""
        return self.evaluate(_to_x(p, self.keys))[0]

    def params(self, x: Sequence[float]) -> BookParams:
        """The full parameter set at ``x`` (shape clipped to the box, observation profiled)."""
        obs = (self.exact or self.evaluate)(x)[1]
        return _to_params(x, self.base, self.keys).with_(**({"intrabar": 0.0} | obs))

    def box(self) -> tuple[FloatArray, FloatArray]:
        """Lower and upper corners of the parameter box, in optimiser coordinates."""
        return _box(self.keys)


def _box(keys: Sequence[str]) -> tuple[FloatArray, FloatArray]:
    """Lower and upper corners of the box of ``keys``, in optimiser coordinates."""
    lo, hi = [], []
    for k in keys:
        a, b = _BOUNDS[k]
        if k in ("dist_median", "dist_sigma"):
            a, b = math.log(a), math.log(b)
        lo.append(a)
        hi.append(b)
    return np.array(lo), np.array(hi)


def _shape_keys(frames: MarketFrames) -> tuple[str, ...]:
    """The fitted shape parameters (``theta_ls`` only where a long/short ratio is recorded)."""
    return tuple(k for k in SHAPE_KEYS if k != "theta_ls" or frames.has_long_short)


def book_objective(
    frames: MarketFrames,
    start: Any,
    end: Any,
    *,
    base: BookParams | None = None,
    weights_by_day: FloatArray | None = None,
    intrabar: bool | None = None,
    engine: str = "numba",
) -> Objective:
    """The profile log-likelihood that :func:`fit_book` maximises on ``[start, end]``.

    Parameters are those of :func:`fit_book`; only bars up to ``end`` are read.
    ``engine``: how it is evaluated (:data:`ENGINES`); the intrabar form always uses
    the reference.
    """
    if engine not in ENGINES:
        raise InputError(
            f"engine must be one of {', '.join(ENGINES)} (got {engine!r})", param="engine"
        )
    from liqcascade._time import to_utc

    t0, t1 = to_utc(start), to_utc(end)
    base = base or BookParams()
    cut = frames.until(t1)
    prep = prepare(cut, base)
    tgt = fit_target(cut, prep, t0, t1)
    keys = _shape_keys(cut)
    y = np.concatenate([tgt.y_long, tgt.y_short])
    use_ex = base.intrabar > 0 if intrabar is None else bool(intrabar)
    ex = None
    if use_ex:
        xl, xs = intrabar_exposure(prep)
        ex = np.concatenate([xl[prep.n_seed :][tgt.pos], xs[prep.n_seed :][tgt.pos]])
    wb = None
    if weights_by_day is not None:
        wd = np.asarray(weights_by_day, dtype=np.float64)[tgt.days]
        wb = np.concatenate([wd, wd])
    cache: dict[tuple[float, ...], tuple[float, dict[str, float]]] = {}

    def reference(x: Sequence[float]) -> tuple[float, dict[str, float]]:
        run = walk(prep, _to_params(x, base, keys))
        mu = np.concatenate([run.mu_long_usd[tgt.pos], run.mu_short_usd[tgt.pos]])
        return profile_obs(mu, y, wb, ex)

    if engine == "reference" or ex is not None:

        def evaluate(x: Sequence[float]) -> tuple[float, dict[str, float]]:
            k = _key(x, base, keys)
            if k not in cache:
                cache[k] = reference(x)
            return cache[k]

        return Objective(keys=keys, base=base, n_bars=int(tgt.pos.shape[0]),
                         evaluate=evaluate, cache=cache)  # fmt: skip

    fast = _FastProfile(y, wb)
    sel = prep.n_seed + tgt.pos

    def mu_at(x: Sequence[float]) -> FloatArray:
        # the book's liquidations of the scored bars; equal, term for term, to the walk's
        p = _to_params(x, base, keys)
        w, safe, j0 = distance_weights(p)
        ml, ms = grid_mu_nb(
            prep.open, prep.low, prep.high, prep.target, long_share(prep, p), w, float(safe),
            int(j0), float(prep.log_p0), float(p.grid_step), int(prep.n_grid),
            float(p.turnover),
        )  # fmt: skip
        return np.concatenate([ml[sel], ms[sel]])

    first: dict[tuple[float, ...], list[float]] = {}
    exact_cache: dict[tuple[float, ...], tuple[float, dict[str, float]]] = {}

    def key(x: Sequence[float]) -> tuple[float, ...]:
        return _key(x, base, keys)

    def exact(x: Sequence[float]) -> tuple[float, dict[str, float]]:
        # the reference's memo holds the value of the first point with the key
        k = key(x)
        if k not in exact_cache:
            exact_cache[k] = profile_obs(mu_at(first.get(k, [float(v) for v in x])), y, wb)
        return exact_cache[k]

    def evaluate_fast(x: Sequence[float]) -> tuple[float, dict[str, float]]:
        k = _key(x, base, keys)
        if k not in cache:
            first[k] = [float(v) for v in x]
            cache[k] = fast(mu_at(x))
        return cache[k]

    return Objective(keys=keys, base=base, n_bars=int(tgt.pos.shape[0]), evaluate=evaluate_fast,
                     cache=cache, exact=exact, key=key)  # fmt: skip


def default_starts(base: BookParams) -> list[BookParams]:
    """The fixed grid of starting points over the leverage mix and turnover (12 points)."""
    return [
        base.with_(dist_median=m, dist_sigma=s, turnover=t)
        for m, s, t in product((0.02, 0.06, 0.15), (0.7, 1.5), (0.05, 0.2))
    ]


def fit_book(
    frames: MarketFrames,
    start: Any,
    end: Any,
    *,
    base: BookParams | None = None,
    starts: Sequence[BookParams] | None = None,
    maxiter: int = 250,
    restarts: int = 1,
    weights_by_day: FloatArray | None = None,
    intrabar: bool | None = None,
    n_sobol: int = 64,
    n_local: int = 6,
    seed: int = 0,
    engine: str = "numba",
) -> Fit:
    """Maximum-likelihood fit of the book's parameters on ``[start, end]`` (4-hour bars).

    The profile likelihood of the shape parameters has several local maxima (two
    leverage-mix modes: positions near liquidation with little churn, or far with
    much), so the search is global: :func:`multistart_minimise` over the parameter
    box from ``starts`` plus ``n_sobol`` seeded Sobol points, ``n_local`` Nelder–Mead
    searches from well-separated candidates, the best end point kept. Deterministic
    for a given ``seed``.

    Parameters
    ----------
    frames : MarketFrames
        Inputs; only bars up to ``end`` are read.
    start, end : Timestamp
        Fitting window (inclusive, UTC).
    base : BookParams, optional
        Fixed settings (venue maximum leverage, grid); default :class:`BookParams`.
    starts : sequence of BookParams, optional
        Given starting points (default: a fixed grid over the leverage mix and
        turnover, :func:`default_starts`); the best of them always gets a search.
    maxiter : int
        Nelder–Mead iterations (per run).
    restarts : int
        Nelder–Mead restarts from the best point, each with a fresh simplex (a
        collapsed simplex is the usual way Nelder–Mead stops short of an optimum).
    weights_by_day : array, optional
        Bootstrap multiplicity of each fitting day (day 0 = the first scored day).
    intrabar : bool, optional
        Whether the observation law carries the intrabar term (``BookParams.intrabar``
        profiled); default: whether ``base`` carries one (``base.intrabar > 0``).
    n_sobol : int
        Sobol candidates over the box (0: the given starts only, the single-start
        search of 0.2 when ``n_local`` is 1).
    n_local : int
        Local searches (from well-separated candidates).
    seed : int
        Seed of the Sobol points.
    engine : str
        How the likelihood is evaluated (:data:`ENGINES`; the same fit either way).

    Returns
    -------
    Fit
    """
    base = base or BookParams()
    obj = book_objective(frames, start, end, base=base, weights_by_day=weights_by_day,
                         intrabar=intrabar, engine=engine)  # fmt: skip
    keys = obj.keys
    if starts is None:
        starts = default_starts(base)
    lo, hi = obj.box()
    ends = multistart_minimise(
        obj.nll(), lo, hi, [_STEP[k] for k in keys], starts=[_to_x(s, keys) for s in starts],
        n_sobol=n_sobol, n_local=n_local, seed=seed, maxiter=maxiter, restarts=restarts,
    )  # fmt: skip
    optima: list[tuple[float, BookParams]] = []
    seen: list[np.ndarray] = []
    width = hi - lo
    for f, x in ends:
        z = (np.clip(x, lo, hi) - lo) / width
        if all(np.linalg.norm(z - q) >= 0.05 for q in seen):
            seen.append(z)
            optima.append((-f, obj.params(x)))
    ll, p = optima[0]
    return Fit(params=p, loglik=ll, n_bars=obj.n_bars, evaluations=len(obj.cache),
               optima=tuple(optima))  # fmt: skip


def block_bootstrap_weights(n_days: int, block: int, rng: np.random.Generator) -> FloatArray:
    """Multiplicity of each day in one moving-block bootstrap resample of ``n_days`` days."""
    n_blocks = math.ceil(n_days / block)
    starts = rng.integers(0, max(1, n_days - block + 1), size=n_blocks)
    idx = np.concatenate([np.arange(s, s + block) for s in starts])[:n_days]
    return np.bincount(np.minimum(idx, n_days - 1), minlength=n_days).astype(np.float64)


def bootstrap_minimise(
    nll_for_weights: Callable[[FloatArray], Callable[[FloatArray], float]],
    n_days: int,
    lo: Sequence[float] | FloatArray,
    hi: Sequence[float] | FloatArray,
    steps: Sequence[float],
    *,
    n: int = 10,
    block_days: int = 7,
    seed: int = 0,
    starts: Sequence[Sequence[float] | FloatArray] = (),
    n_sobol: int = 64,
    n_local: int = 6,
    search_seed: int = 0,
    maxiter: int = 250,
    restarts: int = 1,
    progress: Callable[[float], None] | None = None,
) -> list[tuple[FloatArray, float, list[float]]]:
    """Minimise ``n`` moving-block bootstrap resamples of an objective, each globally.

    Resample ``i`` is the ``i``-th draw of :func:`block_bootstrap_weights` from
    ``numpy.random.default_rng(seed)`` (deterministic for a seed). Its objective,
    ``nll_for_weights(weights)``, is minimised by :func:`multistart_minimise` with the
    given ``starts``, the ``n_sobol`` Sobol points of ``search_seed`` (the same
    candidate set for every resample) and ``n_local`` local searches: the refit is
    the same global search as the fit it resamples, so a resample whose minimum lies
    in another mode than the fit's is refitted there.

    Parameters
    ----------
    nll_for_weights : callable
        Day multiplicities (array of ``n_days`` floats) -> objective ``x`` -> float.
    n_days : int
        Days resampled (day 0 .. ``n_days - 1``).
    lo, hi, steps : sequence of float
        Box and Nelder–Mead steps, as in :func:`multistart_minimise`.
    n, block_days, seed : int
        Resamples, block length (days) and seed of the resampling.
    starts, n_sobol, n_local, search_seed, maxiter, restarts
        The search, as in :func:`multistart_minimise` (``search_seed`` is its ``seed``).
    progress : callable, optional
        Called with 1 after each resample.

    Returns
    -------
    list of (array, float, list of float)
        Per resample: its day weights, the minimum found and its point.
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        w = block_bootstrap_weights(n_days, block_days, rng)
        ends = multistart_minimise(
            nll_for_weights(w), lo, hi, steps, starts=starts, n_sobol=n_sobol,
            n_local=n_local, seed=search_seed, maxiter=maxiter, restarts=restarts,
        )  # fmt: skip
        out.append((w, ends[0][0], ends[0][1]))
        if progress:
            progress(1)
    return out


def bootstrap_fits(
    frames: MarketFrames,
    start: Any,
    end: Any,
    best: BookParams,
    *,
    n: int = 10,
    block_days: int = 7,
    seed: int = 0,
    maxiter: int = 250,
    restarts: int = 1,
    starts: Sequence[BookParams] | None = None,
    grid: Sequence[BookParams] | None = None,
    n_sobol: int = 64,
    n_local: int = 6,
    search_seed: int = 0,
    progress: Callable[[float], None] | None = None,
    engine: str = "numba",
    jobs: int = 1,
) -> list[BookParams]:
    """Refits on ``n`` moving-block bootstrap resamples of the scored days (seeded).

    Each resample draws ``block_days``-day blocks of the days that carry a record
    (day 0 = the first scored day) until it has as many days as the window. Each
    refit is the estimator of the main fit (:func:`fit_book`) on the resample: the
    same global search (:func:`bootstrap_minimise`) from the same candidates — the
    start grid (``grid``, default :func:`default_starts` of the default shape
    parameters, as :func:`fit_book` uses) and the ``n_sobol`` Sobol points of
    ``search_seed`` — plus ``best`` and ``starts`` (the main fit's other local maxima,
    :attr:`Fit.optima`) as extra candidates, ``n_local`` Nelder–Mead searches, the best
    end kept. The likelihood has two nearly tied leverage-mix modes; a refit that only
    searched near the main fit would never show a resample whose maximum lies in a
    mode the main fit's search did not keep, and the band would understate the
    uncertainty of the book's scale.

    ``engine`` (:data:`ENGINES`) and ``jobs`` change how fast, not what: with
    ``jobs > 1`` the refits run in that many worker processes, spawned on every
    platform (:func:`liqcascade._procs.pool_context`; a script that asks for them needs
    ``if __name__ == "__main__":``, else the refits run here after a warning); the
    resamples are drawn first, in order, from the one generator, so the refits are
    those of ``jobs=1`` whatever ``jobs``.

    Raises
    ------
    InputError
        When a refit is not a valid fit (:func:`valid_fit`); nothing is dropped silently.
    """
    from liqcascade._time import to_utc

    jobs = check_whole(jobs, "jobs")  # NaN passed the < 1 test
    t0, t1 = to_utc(start), to_utc(end)
    cut = frames.until(t1)
    tgt = fit_target(cut, prepare(cut, best), t0, t1)
    n_days = int(tgt.days.max()) + 1
    if grid is None:
        grid = default_starts(best.with_(**{k: getattr(BookParams(), k) for k in SHAPE_KEYS}))
    keys = _shape_keys(cut)
    pts = [*grid, best, *(starts or ())]
    # the resamples, in the order bootstrap_minimise draws them (one generator)
    rng = np.random.default_rng(seed)
    weights = [block_bootstrap_weights(n_days, block_days, rng) for _ in range(n)]
    search = {"starts": [_to_x(s, keys) for s in pts], "n_sobol": n_sobol,
              "n_local": n_local, "seed": search_seed, "maxiter": maxiter,
              "restarts": restarts}  # fmt: skip
    tasks = [(cut, t0, t1, best, w, search, engine) for w in weights]
    refits: list[BookParams] = []
    if jobs > 1 and n > 1:
        refits = _refits_in_workers(tasks, min(jobs, n), progress)
    for task in tasks[len(refits) :]:
        refits.append(_refit(task))
        if progress:
            progress(1)
    out = []
    for i, p in enumerate(refits):
        if not valid_fit(p):
            raise InputError(
                f"bootstrap refit {i} on {t0.date()} -> {t1.date()} is not a valid fit "
                f"(scale {p.scale:.3g}, sigma {p.sigma:.3g})"
            )
        out.append(p)
    return out


def _refits_in_workers(
    tasks: list[tuple[Any, ...]], workers: int, progress: Callable[[float], None] | None
) -> list[BookParams]:
    """The refits of ``tasks`` in ``workers`` spawned processes, in order.

    The pool's start method is the package's one (:func:`liqcascade._procs.pool_context`:
    ``"spawn"`` on every platform). When the workers die before the last refit (a
    script that starts them without ``if __name__ == "__main__":``, a killed worker),
    the refits returned so far are kept and a ``RuntimeWarning`` says so; the caller
    runs the rest in this process (the same refits: each is a function of its task).
    """
    import warnings
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from liqcascade._procs import pool_context, quiet_worker

    out: list[BookParams] = []
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=pool_context(), initializer=quiet_worker
        ) as pool:
            for p in pool.map(_refit, tasks):
                out.append(p)
                if progress:
                    progress(1)
    except BrokenProcessPool as exc:
        warnings.warn(
            f"bootstrap refits: the worker processes stopped ({exc}); the other "
            f"{count_text(len(tasks) - len(out), 'refit')} run in this process (a script that "
            "asks for "
            'workers needs `if __name__ == "__main__":` around its top level)',
            RuntimeWarning,
            stacklevel=3,
        )
    return out


def _refit(task: tuple[Any, ...]) -> BookParams:
    """One bootstrap refit (a worker's unit; top level so that it pickles).

    ``task``: ``(frames, start, end, best, day_weights, search, engine)``, ``search``
    the keyword arguments of :func:`multistart_minimise`.
    """
    frames, t0, t1, best, w, search, engine = task
    obj = book_objective(frames, t0, t1, base=best, weights_by_day=w, engine=engine)
    keys = obj.keys
    lo, hi = obj.box()
    ends = multistart_minimise(obj.nll(), lo, hi, [_STEP[k] for k in keys], **search)
    return obj.params(ends[0][1])


__all__ = [
    "ENGINES",
    "Fit",
    "FitTarget",
    "Objective",
    "block_bootstrap_weights",
    "book_objective",
    "bootstrap_fits",
    "bootstrap_minimise",
    "default_starts",
    "fit_book",
    "fit_target",
    "hurdle_lognormal_loglik",
    "multistart_minimise",
    "profile_obs",
    "valid_fit",
]
