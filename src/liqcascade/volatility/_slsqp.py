"""`arch`'s fit with the exact Jacobians of its linear parameter constraints.

`arch` fits by SLSQP under linear inequality constraints ``a · θ − b ≥ 0`` (positivity,
stationarity), one ``{"type": "ineq", "fun": …}`` per row of ``a``
(``arch.univariate.base.constraint``). It gives no ``jac``, so SciPy approximates the
Jacobian of each constraint by finite differences at every iteration: a third of a
GJR fit's time on the bundled series, spent differentiating linear functions whose
Jacobian is the row of ``a``. :func:`fit_arch` runs ``model.fit`` with the same
constraints carrying that row as their ``jac``: the same problem, the same optimum,
reached without the differencing. The optimiser's path moves by the finite
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
SciPy's steps, points and differences) instead of one Python call per parameter. A
model the kernel does not cover keeps ``arch``'s likelihood and SciPy's differencing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from liqcascade.volatility._loglik import fast_loglik, with_fd_gradient

__all__ = ["constraints_with_jacobian", "fit_arch"]

_LOCK = threading.Lock()


def constraints_with_jacobian(a: Any, b: Any) -> list[dict[str, object]]:
    """``arch``'s constraints ``a[i] · θ − b[i] ≥ 0``, each with its exact Jacobian.

    Parameters
    ----------
    a : ndarray, shape (n_constraints, n_params)
        Loadings of the linear constraints (dimensionless).
    b : ndarray, shape (n_constraints,)
        Their lower bounds.

    Returns
    -------
    list of dict
        One SciPy ``{"type": "ineq", "fun", "jac"}`` per row: ``fun`` is the
        function ``arch`` builds (``np.dot(a[i], θ) − b[i]``), ``jac`` returns ``a[i]``.
    """
    out: list[dict[str, object]] = []
    for i in range(np.asarray(a).shape[0]):
        out.append({"type": "ineq", "fun": _row(a[i], b[i]), "jac": _jac(a[i])})
    return out


def _row(coeff: Any, val: float) -> Callable[..., Any]:
    def fun(params: Any, *args: Any) -> Any:
        return np.dot(coeff, params) - val

    return fun


def _jac(coeff: Any) -> Callable[..., Any]:
    row = np.asarray(coeff, dtype=np.float64)

    def jac(params: Any, *args: Any) -> Any:
        return row

    return jac


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
            if minimize is not None:
                base.minimize = with_fd_gradient(minimize)
        try:
            res = model.fit(**kwargs)
        finally:
            base.constraint = plain
            if fast is not None:
                del model._loglikelihood
                if minimize is not None:
                    base.minimize = minimize
    return res
