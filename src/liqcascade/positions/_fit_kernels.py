"""Kernels of the identified book's likelihood fit (:mod:`liqcascade.positions._likelihood`).

Two hot spots of every evaluation of the profile log-likelihood, each a numba kernel
on flat arrays with a plain-Python twin:

- :func:`grid_mu_nb`: the book walk of :func:`liqcascade.positions._grid_kernels.grid_walk_nb`
  reduced to what the likelihood reads, the liquidations per bar and side (USD). It
  keeps, per side, the range of bins that can hold size and loops over that range
  only; the bins outside it are empty (zero), and skipping a zero changes no sum or
  product, so the liquidations are those of the full walk, term for term in the same
  order. Twin: :func:`grid_mu_py` (the full walk's plain-Python twin).
- :func:`profile_ab_nb`: the observation law's 2-parameter least-squares profile.
  With ``m_i = exp(a) * scale_ref * mu_i + exp(b) * floor_ref`` it minimises
  ``F(a, b) = sum_i w_i * (log y_i - log m_i)^2`` over ``[-25, 25]^2`` by damped
  Newton steps (exact gradient and Hessian, Levenberg damping, steps clipped to the
  box, a step kept only when it lowers ``F``) from the same three starts as the
  trust-region solver it replaces (scipy ``least_squares``, ``trf``), the best end
  kept. It converges to the same minimum as that solver, to rounding (a Newton step
  lands on it where the trust-region solver stops at its tolerances), in a few dozen
  passes over the bars instead of scipy's per-iteration Python. Twin:
  :func:`profile_ab_py`.

With ``d_i = (a-, b-)`` derivatives of ``m_i``: ``p_i = exp(a) scale_ref mu_i / m_i``,
``q_i = exp(b) floor_ref / m_i`` (``p + q = 1``), ``r_i = log y_i - log m_i``:
``dF/da = -2 sum w r p``, ``dF/db = -2 sum w r q``,
``d2F/da2 = 2 sum w (p^2 - r p q)``, ``d2F/dadb = 2 sum w (p q + r p q)``,
``d2F/db2 = 2 sum w (q^2 - r p q)`` (the kernels drop the common factor 2).
"""

from __future__ import annotations

import math

import numpy as np

from liqcascade._numba import njit
from liqcascade._typing import FloatArray

#: The box of the profile's log-multipliers, and the three starts (those of the
#: trust-region solver it replaces).
PROFILE_BOUND = 25.0
PROFILE_STARTS: tuple[tuple[float, float], ...] = ((0.0, -3.0), (-1.0, -1.0), (-3.0, 0.0))
#: Further starts spread over the scale multiplier (the profile can have two minima in
#: ``a``: the book's liquidations carry the record, or the floor does).
PROFILE_PROBES: tuple[tuple[float, float], ...] = ((-8.0, 0.0), (3.0, 0.0), (6.0, -1.0))
#: Two ends are the same minimum when their ``F`` agree to this relative tolerance.
SAME_MINIMUM = 1e-9
_MAX_ITER = 200


# ----------------------------------------------------------------- the walk, mu only
@njit
def grid_mu_nb(
    open_: FloatArray,
    low: FloatArray,
    high: FloatArray,
    target: FloatArray,
    long_share: FloatArray,
    weights: FloatArray,
    safe_share: float,
    j0: int,
    log_p0: float,
    h: float,
    n_grid: int,
    turnover: float,
) -> tuple[FloatArray, FloatArray]:
    """Liquidations per bar of the walk of :func:`grid_walk_nb` (same arguments), USD.

    Returns
    -------
    (liq_long_usd, liq_short_usd)
        Equal, term for term, to the first two outputs of ``grid_walk_nb``: the loops
        run over the occupied bins ``[lo, hi]`` of each side only (see the module
        docstring).
    """
    n = open_.shape[0]
    nj = weights.shape[0]
    keep = 1.0 - turnover
    lsz = np.zeros(n_grid)
    ssz = np.zeros(n_grid)
    safe = np.zeros(2)
    liq_l = np.zeros(n)
    liq_s = np.zeros(n)
    # occupied ranges (empty: lo > hi)
    l_lo, l_hi = n_grid, -1
    s_lo, s_hi = n_grid, -1
    j_first = -1
    j_last = -1
    for j in range(nj):
        if weights[j] > 0.0:
            if j_first < 0:
                j_first = j
            j_last = j
    for i in range(n):
        # 1. churn
        tot_l = 0.0
        tot_s = 0.0
        if i > 0 and keep < 1.0:
            # both sides in one loop (two independent sums that the processor
            # overlaps), each in its own bin order; no test for empty bins (sizes are
            # >= 0: an empty bin stays 0 and adds 0 to its side's sum)
            n_both = max(min(l_hi - l_lo, s_hi - s_lo) + 1, 0)
            for k in range(n_both):
                v = lsz[l_lo + k] * keep
                lsz[l_lo + k] = v
                tot_l += v
                v = ssz[s_lo + k] * keep
                ssz[s_lo + k] = v
                tot_s += v
            for g in range(l_lo + n_both, l_hi + 1):
                lsz[g] *= keep
                tot_l += lsz[g]
            for g in range(s_lo + n_both, s_hi + 1):
                ssz[g] *= keep
                tot_s += ssz[g]
            safe[0] *= keep
            safe[1] *= keep
        else:
            for g in range(l_lo, l_hi + 1):
                tot_l += lsz[g]
            for g in range(s_lo, s_hi + 1):
                tot_s += ssz[g]
        live = tot_l + tot_s + safe[0] + safe[1]
        # 2. rebalance
        gap = target[i] - live
        if gap > 0.0:
            g0 = math.floor((math.log(open_[i]) - log_p0) / h + 0.5)
            a_l = gap * long_share[i]
            a_s = gap - a_l
            for j in range(nj):
                w = weights[j]
                if w <= 0.0:
                    continue
                gl = g0 - j0 - j
                gs = g0 + j0 + j
                if gl >= 0:
                    lsz[gl] += a_l * w
                if gs < n_grid:
                    ssz[gs] += a_s * w
            if j_first >= 0:
                lo = max(g0 - j0 - j_last, 0)
                hi = g0 - j0 - j_first
                if hi >= 0:
                    l_lo = min(l_lo, lo)
                    l_hi = max(l_hi, hi)
                lo = g0 + j0 + j_first
                hi = min(g0 + j0 + j_last, n_grid - 1)
                if lo < n_grid:
                    s_lo = min(s_lo, lo)
                    s_hi = max(s_hi, hi)
            safe[0] += a_l * safe_share
            safe[1] += a_s * safe_share
        elif gap < 0.0 and live > 0.0:
            f = target[i] / live
            if f < 0.0:
                f = 0.0
            for g in range(l_lo, l_hi + 1):
                lsz[g] *= f
            for g in range(s_lo, s_hi + 1):
                ssz[g] *= f
            safe[0] *= f
            safe[1] *= f
        # 3. liquidation
        gl_lo = math.ceil((math.log(low[i]) - log_p0) / h - 1e-9)
        if gl_lo < 0:
            gl_lo = 0
        for g in range(max(gl_lo, l_lo), l_hi + 1):
            if lsz[g] > 0.0:
                liq_l[i] += lsz[g] * math.exp(log_p0 + g * h)
                lsz[g] = 0.0
        if gl_lo <= l_hi:
            l_hi = gl_lo - 1
        gs_hi = math.floor((math.log(high[i]) - log_p0) / h + 1e-9)
        if gs_hi > n_grid - 1:
            gs_hi = n_grid - 1
        for g in range(s_lo, min(gs_hi, s_hi) + 1):
            if ssz[g] > 0.0:
                liq_s[i] += ssz[g] * math.exp(log_p0 + g * h)
                ssz[g] = 0.0
        if gs_hi >= s_lo:
            s_lo = gs_hi + 1
    return liq_l, liq_s


def grid_mu_py(
    open_: FloatArray,
    low: FloatArray,
    high: FloatArray,
    target: FloatArray,
    long_share: FloatArray,
    weights: FloatArray,
    safe_share: float,
    j0: int,
    log_p0: float,
    h: float,
    n_grid: int,
    turnover: float,
) -> tuple[FloatArray, FloatArray]:
    """Plain-Python twin of :func:`grid_mu_nb`: the full walk's twin, liquidations only."""
    from liqcascade.positions._grid_kernels import grid_walk_py

    out = grid_walk_py(open_, low, high, target, long_share, weights, safe_share, j0, log_p0,
                       h, n_grid, turnover)  # fmt: skip
    return out[0], out[1]


# ----------------------------------------------------------------- the observation profile
@njit
def _profile_f_nb(
    a: float, b: float, mu: FloatArray, ly: FloatArray, wp: FloatArray, sref: float,
    fref: float, lm: FloatArray,
) -> float:  # fmt: skip
    """``F`` at ``(a, b)``; writes ``log m_i`` of every weighted term into ``lm``.

    A term whose book part ``exp(a) * sref * mu_i`` is 0 (a bar without book
    liquidations: a third of them) has ``m_i = exp(b) * fref``, whose log is taken
    once per pass: the same value, without one log per such term.
    """
    ea = math.exp(a) * sref
    eb = math.exp(b) * fref
    m0 = 0.0 + eb
    if m0 < 1e-300:
        m0 = 1e-300
    lm0 = math.log(m0)
    f = 0.0
    for i in range(mu.shape[0]):
        w = wp[i]
        if w == 0.0:
            continue
        am = ea * mu[i]
        if am == 0.0:
            lmi = lm0
        else:
            m = am + eb
            if m < 1e-300:
                m = 1e-300
            lmi = math.log(m)
        lm[i] = lmi
        r = ly[i] - lmi
        f += w * r * r
    return f


@njit
def _profile_grad_nb(
    a: float, b: float, mu: FloatArray, ly: FloatArray, wp: FloatArray, sref: float,
    fref: float, lm: FloatArray,
) -> tuple[float, float, float, float, float]:  # fmt: skip
    """Half the gradient and Hessian of ``F`` at ``(a, b)``, from stored logs.

    ``lm``: the logs that :func:`_profile_f_nb` wrote at the same point (no log is
    taken here).
    """
    ea = math.exp(a) * sref
    eb = math.exp(b) * fref
    ga = 0.0
    gb = 0.0
    haa = 0.0
    hab = 0.0
    hbb = 0.0
    for i in range(mu.shape[0]):
        w = wp[i]
        if w == 0.0:
            continue
        am = ea * mu[i]
        m = am + eb
        if m < 1e-300:
            m = 1e-300
        r = ly[i] - lm[i]
        p = am / m
        q = eb / m
        rpq = r * p * q
        ga -= w * r * p
        gb -= w * r * q
        haa += w * (p * p - rpq)
        hab += w * (p * q + rpq)
        hbb += w * (q * q - rpq)
    return ga, gb, haa, hab, hbb


@njit
def _clip_nb(x: float) -> float:
    if x < -PROFILE_BOUND:
        return -PROFILE_BOUND
    if x > PROFILE_BOUND:
        return PROFILE_BOUND
    return x


@njit
def _profile_one_nb(
    a: float, b: float, mu: FloatArray, ly: FloatArray, wp: FloatArray, sref: float,
    fref: float, lm: FloatArray,
) -> tuple[float, float, float]:  # fmt: skip
    """Damped Newton from ``(a, b)``; returns ``(a, b, F)`` at its end.

    ``lm``: scratch of ``mu``'s length (the logs of the last pass). A trial step
    costs one pass for ``F``; the derivatives at a step taken reuse that pass's logs.
    """
    f = _profile_f_nb(a, b, mu, ly, wp, sref, fref, lm)
    ga, gb, haa, hab, hbb = _profile_grad_nb(a, b, mu, ly, wp, sref, fref, lm)
    lam = 0.0
    for _ in range(_MAX_ITER):
        scl = max(abs(haa), abs(hbb), 1e-300)
        moved = False
        done = False
        for _t in range(80):
            daa = haa + lam * scl
            dbb = hbb + lam * scl
            det = daa * dbb - hab * hab
            if daa > 0.0 and det > 0.0:
                da = -(dbb * ga - hab * gb) / det
                db = -(daa * gb - hab * ga) / det
                na = _clip_nb(a + da)
                nb = _clip_nb(b + db)
                if na == a and nb == b:
                    done = True
                    break
                fn = _profile_f_nb(na, nb, mu, ly, wp, sref, fref, lm)
                if fn < f:
                    step = abs(na - a) + abs(nb - b)
                    a, b, f = na, nb, fn
                    moved = True
                    if step <= 1e-13 * (1.0 + abs(a) + abs(b)):
                        done = True
                    break
            lam = 1e-8 if lam == 0.0 else lam * 10.0
            if lam > 1e30:
                done = True
                break
        if moved:
            # lm holds the logs at (a, b): the accepted trial was the last pass
            ga, gb, haa, hab, hbb = _profile_grad_nb(a, b, mu, ly, wp, sref, fref, lm)
            lam = 0.0 if lam <= 1e-6 else lam * 0.1
        if done or not moved:
            break
    return a, b, f


@njit
def profile_ab_nb(
    mu: FloatArray, ly: FloatArray, wp: FloatArray, sref: float, fref: float
) -> tuple[float, float, float, bool]:
    """Minimise ``F(a, b)`` (module docstring) over ``[-25, 25]^2``; ``(a, b, F)``.

    Parameters
    ----------
    mu : array
        Book liquidations per bar and side, stacked (USD, >= 0).
    ly : array
        ``log y`` where ``y > 0`` (anything where ``wp`` is 0).
    wp : array
        Weight of each term (bootstrap count times ``y > 0``), >= 0.
    sref, fref : float
        Reference scale (recorded / book, USD per USD) and floor (USD), > 0.

    Returns
    -------
    (a, b, F, unique)
        The best end of the searches from ``PROFILE_STARTS`` and ``PROFILE_PROBES``
        (the first of equal ones), and whether every search ended at the same minimum
        (``F`` equal to ``SAME_MINIMUM``, relative). When not, the profile has several
        minima (or a search stalled) and which one a given solver reaches depends on
        its path: callers that must reproduce another solver fall back to it.
    """
    n_s = len(PROFILE_STARTS)
    ends = np.empty((n_s + len(PROFILE_PROBES), 3))
    lm = np.empty(mu.shape[0])
    for k in range(n_s):
        a0, b0 = PROFILE_STARTS[k]
        ends[k, 0], ends[k, 1], ends[k, 2] = _profile_one_nb(a0, b0, mu, ly, wp, sref, fref, lm)
    for k in range(len(PROFILE_PROBES)):
        a0, b0 = PROFILE_PROBES[k]
        ends[n_s + k, 0], ends[n_s + k, 1], ends[n_s + k, 2] = _profile_one_nb(
            a0, b0, mu, ly, wp, sref, fref, lm
        )
    best = 0
    for k in range(1, ends.shape[0]):
        if ends[k, 2] < ends[best, 2]:
            best = k
    fb = ends[best, 2]
    unique = True
    for k in range(ends.shape[0]):
        if not abs(ends[k, 2] - fb) <= SAME_MINIMUM * abs(fb):
            unique = False
    return ends[best, 0], ends[best, 1], fb, unique


def _profile_derivs_py(
    a: float, b: float, mu: FloatArray, ly: FloatArray, wp: FloatArray, sref: float,
    fref: float,
) -> tuple[float, float, float, float, float, float]:  # fmt: skip
    ea = math.exp(a) * sref
    eb = math.exp(b) * fref
    f = ga = gb = haa = hab = hbb = 0.0
    for m_i, l_i, w in zip(mu.tolist(), ly.tolist(), wp.tolist(), strict=True):
        if w == 0.0:
            continue
        am = ea * m_i
        m = max(am + eb, 1e-300)
        r = l_i - math.log(m)
        p, q = am / m, eb / m
        f += w * r * r
        ga -= w * r * p
        gb -= w * r * q
        haa += w * (p * p - r * p * q)
        hab += w * (p * q + r * p * q)
        hbb += w * (q * q - r * p * q)
    return f, ga, gb, haa, hab, hbb


def profile_ab_py(
    mu: FloatArray, ly: FloatArray, wp: FloatArray, sref: float, fref: float
) -> tuple[float, float, float, bool]:
    """Plain-Python twin of :func:`profile_ab_nb` (same algorithm, scalar loops)."""
    ends: list[tuple[float, float, float]] = []
    for a, b in PROFILE_STARTS + PROFILE_PROBES:
        f, ga, gb, haa, hab, hbb = _profile_derivs_py(a, b, mu, ly, wp, sref, fref)
        lam = 0.0
        for _ in range(_MAX_ITER):
            scl = max(abs(haa), abs(hbb), 1e-300)
            moved = done = False
            for _t in range(80):
                daa, dbb = haa + lam * scl, hbb + lam * scl
                det = daa * dbb - hab * hab
                if daa > 0.0 and det > 0.0:
                    na = min(max(a - (dbb * ga - hab * gb) / det, -PROFILE_BOUND), PROFILE_BOUND)
                    nb = min(max(b - (daa * gb - hab * ga) / det, -PROFILE_BOUND), PROFILE_BOUND)
                    if na == a and nb == b:
                        done = True
                        break
                    fn = _profile_derivs_py(na, nb, mu, ly, wp, sref, fref)[0]
                    if fn < f:
                        step = abs(na - a) + abs(nb - b)
                        a, b, moved = na, nb, True
                        done = step <= 1e-13 * (1.0 + abs(a) + abs(b))
                        break
                lam = 1e-8 if lam == 0.0 else lam * 10.0
                if lam > 1e30:
                    done = True
                    break
            if moved:
                f, ga, gb, haa, hab, hbb = _profile_derivs_py(a, b, mu, ly, wp, sref, fref)
                lam = 0.0 if lam <= 1e-6 else lam * 0.1
            if done or not moved:
                break
        ends.append((a, b, f))
    best = ends[0]
    for e in ends[1:]:
        if e[2] < best[2]:
            best = e
    unique = all(abs(e[2] - best[2]) <= SAME_MINIMUM * abs(best[2]) for e in ends)
    return best[0], best[1], best[2], unique


__all__ = [
    "PROFILE_BOUND",
    "PROFILE_PROBES",
    "PROFILE_STARTS",
    "SAME_MINIMUM",
    "grid_mu_nb",
    "grid_mu_py",
    "profile_ab_nb",
    "profile_ab_py",
]
