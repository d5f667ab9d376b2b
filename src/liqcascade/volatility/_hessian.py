"""``arch``'s parameter covariance with its numerical Hessian's points computed in one call.

``arch`` computes a fit's covariance (``ARCHModel.compute_param_cov``) from statsmodels'
numerical Hessian of the log-likelihood (``approx_hess``, its ``approx_hess3``): four
evaluations per pair of parameters, 84 for a GJR-t fit, each a Python call of the
likelihood. For a model whose likelihood is a
:class:`liqcascade.volatility._loglik.FastLoglik`, :func:`approx_hess` forms the same
points with the same NumPy operations, evaluates those not already known in one
compiled call (:func:`liqcascade.volatility._kernels.loglik_points`) and combines them
with statsmodels' formula in its order: the same Hessian (tests hold it to statsmodels'
on the bundled returns and random points). :class:`BatchedCov`, set on a fitted model by
:func:`liqcascade.volatility._slsqp.fit_arch`, runs ``arch``'s own
``compute_param_cov`` with it; any other likelihood goes to statsmodels.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from liqcascade.volatility._loglik import FastLoglik

__all__ = ["BatchedCov", "approx_hess"]

_LOCK = threading.Lock()
"""``arch``'s module attribute is process-wide: one batched covariance at a time."""


def approx_hess(
    x: Any, f: Any, epsilon: Any = None, args: Any = (), kwargs: Any = None
) -> np.ndarray:
    """The statsmodels ``approx_hess3`` of ``f`` at ``x``, its points evaluated in one call.

    Parameters
    ----------
    x : ndarray of float64
        The point (``arch``'s parameters).
    f : callable
        The objective; a :class:`FastLoglik` with ``arch``'s keywords (``sigma2``,
        ``backcast``, ``var_bounds``, ``individual`` False) is batched, anything else is
        statsmodels' own.
    epsilon, args, kwargs
        As statsmodels' (a step given, or positional arguments: statsmodels').

    Returns
    -------
    ndarray, shape (k, k)
        The Hessian (nats per unit of each pair of parameters).
    """
    from statsmodels.tools import numdiff

    kw = {} if kwargs is None else kwargs
    if not isinstance(f, FastLoglik) or epsilon is not None or args or kw.get("individual"):
        return np.asarray(numdiff.approx_hess3(x, f, epsilon=epsilon, args=args, kwargs=kwargs))
    n = len(x)
    h = numdiff._get_epsilon(x, 4, None, n)
    ee = np.diag(h)
    hess = np.outer(h, h)
    points = []
    for i in range(n):
        for j in range(i, n):
            points += [x + ee[i, :] + ee[j, :], x + ee[i, :] - ee[j, :],
                       x - ee[i, :] + ee[j, :], x - ee[i, :] - ee[j, :]]  # fmt: skip
    vals = f.many(points, kw["sigma2"], kw["backcast"], kw["var_bounds"])
    k = 0
    for i in range(n):
        for j in range(i, n):
            f1, f2, f3, f4 = vals[k : k + 4]
            hess[i, j] = np.squeeze((f1 - f2 - (f3 - f4)) / (4.0 * hess[i, j]))
            hess[j, i] = hess[i, j]
            k += 4
    return hess


class BatchedCov:
    """``arch``'s ``compute_param_cov`` of a model, with :func:`approx_hess` as its Hessian.

    Set as the fitted model's ``compute_param_cov`` (an instance attribute over the
    method): ``arch``'s own method runs, with ``arch.univariate.base.approx_hess``
    pointing at :func:`approx_hess` for the duration of the call.

    Parameters
    ----------
    model : arch.univariate.base.ARCHModel
        The fitted model (its ``_loglikelihood`` a :class:`FastLoglik`).
    """

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, params: Any, backcast: Any = None, robust: bool = True) -> Any:
        """``arch``'s ``compute_param_cov(params, backcast, robust)`` (same arguments)."""
        import arch.univariate.base as base

        method = type(self.model).compute_param_cov
        plain = getattr(base, "approx_hess", None)
        if plain is None:  # pragma: no cover - an arch that no longer imports it
            return method(self.model, params, backcast, robust)
        with _LOCK:
            base.approx_hess = approx_hess
            try:
                return method(self.model, params, backcast, robust)
            finally:
                base.approx_hess = plain
