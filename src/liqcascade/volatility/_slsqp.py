"""`arch`'s fit with the exact Jacobians of its linear parameter constraints.

`arch` fits by SLSQP under linear inequality constraints ``a · θ − b ≥ 0`` (positivity,
stationarity), one ``{"type": "ineq", "fun": …}`` per row of ``a``
(``arch.univariate.base.constraint``). It gives no ``jac``, so SciPy approximates the
Jacobian of each constraint by finite differences at every iteration: a third of a
GJR fit's time on the bundled series, spent differentiating linear functions whose
Jacobian is the row of ``a``. :func:`fit_arch` runs ``model.fit`` with the same
constraints, stacked in one that carries ``a`` as its ``jac``: the same problem, the
same optimum, reached without the differencing. The optimiser's path moves by the finite
differences' rounding, so estimates agree with the plain fit to the optimiser's
tolerance, not bit for bit: about 1e-4 relative on the bundled fits with two BLAS
threads, up to 1e-3 along a flat likelihood with one (the thread count changes the
last bits each path computes; docs/design.md); tested.

If a future `arch` no longer builds its constraints with that module function,
:func:`fit_arch` is the plain ``model.fit``.

The objective is ``arch``'s log-likelihood computed by one compiled pass
(:class:`liqcascade.volatility._loglik.FastLoglik`, installed as the model's
``_loglikelihood`` for the fit and kept by the result's model for its covariance): the
same operations in the same order, so the same values (bit for bit on this machine) and
the same path, each value in about two thirds of ``arch``'s time on a daily series. For
the fit, SciPy's ``minimize`` is also handed SLSQP's own forward-difference gradient of
it, computed in one compiled call (:class:`liqcascade.volatility._loglik.FDGradient`:
SciPy's steps, points and differences) instead of one Python call per parameter; the
volatility process's starting values (a grid search of ``arch``'s normal likelihood)
and variance bounds are computed by the same kernel and once per sample
(:class:`liqcascade.volatility._starts.FastStarts`). A model the kernel does not cover
keeps ``arch``'s likelihood, starting values and SciPy's differencing.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from liqcascade.volatility._hessian import BatchedCov
from liqcascade.volatility._loglik import fast_loglik, with_fd_gradient
from liqcascade.volatility._starts import FastStarts

__all__ = ["constraints_with_jacobian", "fit_arch"]

_LOCK = threading.Lock()


def constraints_with_jacobian(a: Any, b: Any) -> list[dict[str, object]]:
    """``arch``'s constraints ``a[i] · θ − b[i] ≥ 0``, as one with its exact Jacobian.

    Parameters
    ----------
    a : ndarray, shape (n_constraints, n_params)
        Loadings of the linear constraints (dimensionless).
    b : ndarray, shape (n_constraints,)
        Their lower bounds.

    Returns
    -------
    list of dict
        One SciPy ``{"type": "ineq", "fun", "jac"}`` for all the rows (none when there
        are no rows): ``fun`` returns each row's value as the function ``arch`` builds
        per row computes it (``np.dot(a[i], θ) − b[i]``), ``jac`` returns ``a``. SciPy's
        SLSQP stacks its constraints' values and Jacobians row by row, so it sees the
        same numbers as from ``arch``'s one constraint per row, for one Python call
        per evaluation instead of one per row.
    """
    rows = [np.asarray(r) for r in np.asarray(a)]
    if not rows:
        return []
    jac = np.array(rows, dtype=np.float64)
    lower = np.asarray(b)

    def fun(params: Any, *args: Any) -> Any:
        return np.array([np.dot(r, params) for r in rows]) - lower

    def jacobian(params: Any, *args: Any) -> Any:
        return jac

    return [{"type": "ineq", "fun": fun, "jac": jacobian}]


def fit_arch(model: Any, **kwargs: Any) -> Any:
    """``model.fit(**kwargs)`` with exact constraint Jacobians (see the module docstring).

    Parameters
    ----------
    model : arch.univariate.base.ARCHModel
        The model to fit (``arch_model(...)``).
    **kwargs
        Passed to ``model.fit`` (``disp``, ``show_warning``, ``starting_values`` …).

    Returns
    -------
    arch.univariate.base.ARCHModelResult
        The fitted result, as ``model.fit`` returns it.
    """
    try:
        import arch.univariate.base as base
    except ImportError:  # pragma: no cover - arch is a dependency
        return model.fit(**kwargs)
    plain = getattr(base, "constraint", None)
    if not callable(plain):
        return model.fit(**kwargs)
    fast = fast_loglik(model) if "_loglikelihood" not in vars(model) else None
    minimize = getattr(base, "minimize", None)
    with _LOCK:  # the module attributes are process-wide: one patched fit at a time
        base.constraint = constraints_with_jacobian
        if fast is not None:  # the same objective and gradient, compiled (._loglik)
            model._loglikelihood = fast
            # the same starting values and bounds, compiled and remembered (._starts)
            FastStarts(model.volatility, fast.kind, fast.lnsigma_max).install()
            if minimize is not None:
                base.minimize = with_fd_gradient(minimize)
        res = None
        try:
            res = model.fit(**kwargs)
        finally:
            base.constraint = plain
            if fast is not None:
                del model._loglikelihood
                FastStarts.remove(model.volatility)
                if res is not None:  # the result's copy of the model took them too
                    FastStarts.remove(res.model.volatility)
                    # its covariance's Hessian points in one call (._hessian)
                    res.model.compute_param_cov = BatchedCov(res.model)
                if minimize is not None:
                    base.minimize = minimize
    return res
