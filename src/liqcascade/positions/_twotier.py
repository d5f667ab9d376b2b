"""A search that reads a fast objective and decides as the exact one would.

The identified book's fit (:mod:`liqcascade.positions._likelihood`) is a global
Nelder–Mead search over a profile log-likelihood. Its fast evaluation (the numba
kernels) and its reference evaluation (scipy's trust-region least squares, which
stops at its tolerances) agree to rounding — about 1e-10 in log-likelihood — but
not bit for bit, and Nelder–Mead decides by *comparing* values: where two values it
compares are closer than that, the two evaluations could order them differently and
the searches would part.

:class:`TwoTier` holds both evaluations. The search reads the fast value; every
comparison whose outcome the fast values cannot settle — two values within
``noise`` of each other, or of a threshold — is decided on the exact values of both
points (computed then, memoised). ``noise`` is far above the largest difference
between the two evaluations (measured on real windows, ``tests/test_positions/
test_fit_speed.py``), so every decision is the one the exact evaluation makes, the
searches visit the same points in the same order, and they end at the same point.

:func:`nelder_mead` is scipy's Nelder–Mead (``scipy.optimize.minimize(method=
"Nelder-Mead")``, non-adaptive, no bounds, an explicit initial simplex), operation
for operation, with its comparisons settled so; on an objective whose two tiers are
the same function it is scipy's search (tested against it).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from itertools import pairwise

import numpy as np

from liqcascade._typing import FloatArray

#: Comparisons closer than this (objective units: log-likelihood) are settled on the
#: exact evaluation.
NOISE = 1e-8


class TwoTier:
    """An objective with a fast and an exact evaluation (module docstring).

    Parameters
    ----------
    fast, exact : callable
        ``x`` -> float, the same function to within ``noise / 2``.
    key : callable
        ``x`` -> hashable: points with equal keys have equal values (the objective's
        memo key).
    noise : float
        Comparisons closer than this are decided on ``exact``.
    """

    def __init__(
        self,
        fast: Callable[[FloatArray], float],
        exact: Callable[[FloatArray], float],
        key: Callable[[FloatArray], Hashable],
        noise: float = NOISE,
    ) -> None:
        self.fast = fast
        self.exact_fn = exact
        self.key = key
        self.noise = noise
        self.exact: dict[Hashable, float] = {}

    def __call__(self, x: FloatArray) -> float:
        """The value the search reads: exact where known, else fast."""
        k = self.key(x)
        v = self.exact.get(k)
        return float(self.fast(x)) if v is None else v

    def current(self, x: FloatArray, v: float) -> float:
        """``v`` (a value read for ``x``), or the exact value where it is known since.

        Points that share a key share their value: once one of them is made exact,
        all are.
        """
        e = self.exact.get(self.key(x))
        return v if e is None else e

    def is_exact(self, x: FloatArray) -> bool:
        """Whether the exact value of ``x`` is known."""
        return self.key(x) in self.exact

    def upgrade(self, x: FloatArray) -> float:
        """The exact value of ``x`` (computed once)."""
        k = self.key(x)
        if k not in self.exact:
            self.exact[k] = float(self.exact_fn(x))
        return self.exact[k]

    def near(self, a: float, b: float) -> bool:
        """Whether ``a`` and ``b`` are too close for the fast values to order.

        (Two points with the same key have one value in either tier: callers compare
        them without making them exact.)
        """
        return bool(abs(a - b) <= self.noise) or not (np.isfinite(a) and np.isfinite(b))

    def settle(self, xs: Sequence[FloatArray], vals: list[float]) -> list[float]:
        """``vals`` (the values of ``xs``) with every near pair made exact, in place."""
        while True:
            for i, x in enumerate(xs):
                vals[i] = self.current(x, vals[i])
            order = sorted(range(len(vals)), key=lambda i: vals[i])
            changed = False
            for i, j in pairwise(order):
                if (
                    self.near(vals[i], vals[j])
                    and not (self.is_exact(xs[i]) and self.is_exact(xs[j]))
                    and self.key(xs[i]) != self.key(xs[j])
                ):
                    vals[i] = self.upgrade(xs[i])
                    vals[j] = self.upgrade(xs[j])
                    changed = True
            if not changed:
                return vals


def nelder_mead(
    tt: TwoTier, simplex: FloatArray, maxiter: int, xatol: float, fatol: float
) -> tuple[FloatArray, float]:
    """The Nelder–Mead of scipy from ``simplex`` on ``tt``, comparisons settled (module docstring).

    Parameters
    ----------
    tt : TwoTier
        Objective.
    simplex : array (N + 1, N)
        Initial simplex (its first row is the start).
    maxiter : int
        Iterations (scipy's ``maxiter``; no function-call limit).
    xatol, fatol : float
        scipy's convergence tolerances.

    Returns
    -------
    (x, f)
        ``res.x`` and ``res.fun`` of scipy's search.
    """
    rho, chi, psi, sigma = 1, 2, 0.5, 0.5
    sim = np.asarray(np.atleast_2d(simplex).copy(), dtype=np.float64)
    n = sim.shape[1]
    fsim = np.full((n + 1,), np.inf, dtype=float)
    for k in range(n + 1):
        fsim[k] = tt(sim[k])

    def settle_all() -> None:
        vals = [float(v) for v in fsim]
        tt.settle(list(sim), vals)
        fsim[:] = vals

    def lt(xa: FloatArray, fa: float, xb: FloatArray, fb: float) -> tuple[bool, float, float]:
        """``fa < fb`` as the exact values decide; returns the values used too."""
        fa, fb = tt.current(xa, fa), tt.current(xb, fb)
        if tt.near(fa, fb) and tt.key(xa) != tt.key(xb):
            fa, fb = tt.upgrade(xa), tt.upgrade(xb)
        return fa < fb, fa, fb

    def row(k: int, v: float) -> None:
        fsim[k] = v

    settle_all()
    ind = np.argsort(fsim)
    sim = np.take(sim, ind, 0)
    fsim = np.take(fsim, ind, 0)
    ind = np.argsort(fsim)
    fsim = np.take(fsim, ind, 0)
    sim = np.take(sim, ind, 0)
    iterations = 1
    while iterations < maxiter:
        if np.max(np.ravel(np.abs(sim[1:] - sim[0]))) <= xatol:
            for k in range(n + 1):
                fsim[k] = tt.current(sim[k], fsim[k])
            for k in range(1, n + 1):
                d = abs(fsim[0] - fsim[k])
                if tt.near(d, fatol):
                    fsim[0] = tt.upgrade(sim[0])
                    fsim[k] = tt.upgrade(sim[k])
            if np.max(np.abs(fsim[0] - fsim[1:])) <= fatol:
                break
        xbar = np.add.reduce(sim[:-1], 0) / n
        xr = (1 + rho) * xbar - rho * sim[-1]
        fxr = tt(xr)
        doshrink = 0
        ok, fxr, f0 = lt(xr, fxr, sim[0], fsim[0])
        row(0, f0)
        if ok:
            xe = (1 + rho * chi) * xbar - rho * chi * sim[-1]
            fxe = tt(xe)
            ok, fxe, fxr = lt(xe, fxe, xr, fxr)
            if ok:
                sim[-1] = xe
                fsim[-1] = fxe
            else:
                sim[-1] = xr
                fsim[-1] = fxr
        else:
            ok, fxr, f2 = lt(xr, fxr, sim[-2], fsim[-2])
            row(-2, f2)
            if ok:
                sim[-1] = xr
                fsim[-1] = fxr
            else:
                ok, fxr, f1 = lt(xr, fxr, sim[-1], fsim[-1])
                row(-1, f1)
                if ok:
                    xc = (1 + psi * rho) * xbar - psi * rho * sim[-1]
                    fxc = tt(xc)
                    # fxc <= fxr  <=>  not (fxr < fxc)
                    worse, fxr, fxc = lt(xr, fxr, xc, fxc)
                    if not worse:
                        sim[-1] = xc
                        fsim[-1] = fxc
                    else:
                        doshrink = 1
                else:
                    xcc = (1 - psi) * xbar + psi * sim[-1]
                    fxcc = tt(xcc)
                    ok, fxcc, f1 = lt(xcc, fxcc, sim[-1], fsim[-1])
                    if ok:
                        sim[-1] = xcc
                        fsim[-1] = fxcc
                    else:
                        row(-1, f1)
                        doshrink = 1
                if doshrink:
                    for j in range(1, n + 1):
                        sim[j] = sim[0] + sigma * (sim[j] - sim[0])
                        fsim[j] = tt(sim[j])
        iterations += 1
        settle_all()
        ind = np.argsort(fsim)
        sim = np.take(sim, ind, 0)
        fsim = np.take(fsim, ind, 0)
    for k in range(n + 1):
        fsim[k] = tt.current(sim[k], fsim[k])
    return sim[0], float(np.min(fsim))


__all__ = ["NOISE", "TwoTier", "nelder_mead"]
