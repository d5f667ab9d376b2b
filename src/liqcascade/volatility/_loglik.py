"""``arch``'s log-likelihood computed by one compiled pass, for the models liqcascade fits.

``arch`` evaluates a model's log-likelihood (``ARCHModel._loglikelihood``) in Python: it
splits the parameters, forms the residuals, runs the compiled variance recursion, then
the distribution's density with NumPy, about 190 µs a call on the bundled series, most
of it array passes and Python wrapping. A fit calls it hundreds of times (SciPy's SLSQP
differences it for its gradient) and the robust covariance hundreds more (its numerical
Hessian and scores). :class:`FastLoglik` is a drop-in for that method: the same
arguments, the same returns, the value computed by :func:`._kernels.loglik` in one pass
with the operations ``arch`` does in the order it does them (the distributions'
constants below in Python, as ``arch`` computes them), and so the same number: the
optimiser takes the same path to the same estimates, and the covariance's differences
are of the same values (tests hold the value to arch's to 1e-12 relative on the bundled
returns, and report the two bit for bit equal on this machine).

Covered: a constant mean, ``arch``'s GARCH of power 2 (GARCH, GJR-GARCH) or EGARCH, any
orders, with normal, Student-t or skew-t errors; anything else (another mean, volatility
process or distribution, an array backcast) is left to ``arch`` (:func:`fast_loglik`
returns None).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade.volatility import _kernels as K

__all__ = ["FastLoglik", "dist_constants", "fast_loglik", "installed"]


def _arch_lnsigma_max() -> float:
    """EGARCH's log-variance cap in the recursion ``arch`` runs (compiled or its fallback)."""
    from arch.univariate import volatility as v

    rec = getattr(v, "rec", None)
    cap = getattr(rec, "LNSIGMA_MAX", None)  # only arch's pure-Python recursions expose it
    return float(cap) if cap is not None else K.LNSIGMA_MAX


def dist_constants(dist: int, dp: Any) -> np.ndarray:
    """The constants of a distribution's log density, computed as ``arch`` computes them.

    Parameters
    ----------
    dist : int
        ``_kernels.DIST_NORMAL``, ``DIST_T`` or ``DIST_SKEWT``.
    dp : ndarray of float64
        The distribution's parameters: none; ``[nu]``; ``[eta, lambda]``.

    Returns
    -------
    ndarray of float64
        What :func:`liqcascade.volatility._kernels.densities` takes: normal ``[log 2π]``;
        Student-t ``[lnΓ((ν+1)/2) − lnΓ(ν/2) − log(π(ν−2))/2, (ν+1)/2, ν−2]``; skew-t
        ``[log b + c, b, a, a/b, λ (clipped inside ±1), (η+1)/2, η−2]`` (Hansen's).
    """
    from scipy.special import gammaln

    if dist == K.DIST_NORMAL:
        return np.array([np.log(2 * np.pi)])
    if dist == K.DIST_T:
        nu = dp[0]
        c0 = gammaln((nu + 1) / 2) - gammaln(nu / 2) - np.log(np.pi * (nu - 2)) / 2
        return np.array([c0, (nu + 1) / 2, nu - 2], dtype=np.float64)
    eta, lam = dp[0], dp[1]
    c = float(gammaln((eta + 1) / 2) - gammaln(eta / 2) - np.log(np.pi * (eta - 2)) / 2)
    a = float(4 * lam * np.exp(c) * (eta - 2) / (eta - 1))
    lam_f = float(lam)
    b = (1 + 3 * lam_f**2 - a**2) ** 0.5
    if abs(lam) >= 1.0:
        lam = np.sign(lam) * (1.0 - 1e-6)
    return np.array([np.log(b) + c, b, a, a / b, lam, (eta + 1) / 2, eta - 2], dtype=np.float64)


class FastLoglik:
    """A compiled stand-in for ``model._loglikelihood`` (module docstring).

    Parameters
    ----------
    model : arch.univariate.base.ARCHModel
        A model :func:`fast_loglik` accepts; its fitted sample (``_fit_y``) is read at
        each call, so a fit with ``first_obs``/``last_obs`` sees its own.
    kind, dist : int
        The kernel's codes of its volatility process and distribution.
    orders : tuple of int
        ``(p, o, q)``.
    lnsigma_max : float
        EGARCH's log-variance cap in the recursion ``arch`` runs.
    """

    def __init__(
        self, model: Any, kind: int, dist: int, orders: tuple[int, int, int], lnsigma_max: float
    ) -> None:
        self.model = model
        self.kind = kind
        self.dist = dist
        self.orders = orders
        self.lnsigma_max = lnsigma_max
        self.kv = 1 + sum(orders)

    def __call__(
        self,
        parameters: Any,
        sigma2: np.ndarray,
        backcast: Any,
        var_bounds: np.ndarray,
        individual: bool = False,
    ) -> Any:
        """``arch``'s ``_loglikelihood``: the negative log-likelihood, or its terms.

        Parameters
        ----------
        parameters : ndarray
            ``mu``, the variance parameters, the distribution's.
        sigma2 : ndarray of float64
            Filled with the conditional variances (percent²), as ``arch`` fills it.
        backcast : float
            Pre-sample variance (log variance for EGARCH).
        var_bounds : ndarray, shape (n, 2)
            ``arch``'s variance bounds.
        individual : bool, default False
            Return each observation's negative log density instead of the sum.

        Returns
        -------
        float or ndarray
            Negative log-likelihood (nats), or the per-observation terms.
        """
        from arch.univariate.base import _callback_info

        _callback_info["count"] += 1
        x = np.asarray(parameters, dtype=np.float64)
        y = self.model._fit_y
        kv = self.kv
        p, o, q = self.orders
        lls = np.empty(y.shape[0])
        ll = K.loglik(
            y, x[0], np.ascontiguousarray(x[1 : 1 + kv]), self.kind, p, o, q, float(backcast),
            var_bounds, self.dist, dist_constants(self.dist, x[1 + kv :]), self.lnsigma_max,
            sigma2, lls,
        )  # fmt: skip
        if individual:
            return -lls
        _callback_info["llf"] = llf = -float(ll)
        return llf


def fast_loglik(model: Any) -> FastLoglik | None:
    """The :class:`FastLoglik` of ``model``, or None when it is not one the kernel covers.

    Parameters
    ----------
    model : arch.univariate.base.ARCHModel
        An ``arch`` model (``arch_model(...)``).

    Returns
    -------
    FastLoglik or None
        None unless the model is a constant mean (``ConstantMean`` with ``arch``'s own
        residuals and likelihood) with a GARCH of power 2 or an EGARCH and a normal,
        Student-t or skew-t distribution, and a float64 sample.
    """
    try:
        from arch.univariate import EGARCH, GARCH, Normal, SkewStudent, StudentsT
        from arch.univariate.base import ARCHModel
        from arch.univariate.mean import ConstantMean
    except ImportError:  # pragma: no cover - arch is a dependency
        return None
    cls = type(model)
    if not (
        isinstance(model, ConstantMean)
        and cls.resids is ConstantMean.resids
        and cls._loglikelihood is ARCHModel._loglikelihood
        and cls._parse_parameters is ARCHModel._parse_parameters
        and int(model.num_params) == 1
    ):
        return None
    v, d = model.volatility, model.distribution
    if type(v) is GARCH and float(v.power) == 2.0:
        kind = K.VOL_GARCH
    elif type(v) is EGARCH:
        kind = K.VOL_EGARCH
    else:
        return None
    codes = {Normal: K.DIST_NORMAL, StudentsT: K.DIST_T, SkewStudent: K.DIST_SKEWT}
    dist = codes.get(type(d))
    y = getattr(model, "_fit_y", None)
    if dist is None or not isinstance(y, np.ndarray) or y.dtype != np.float64:
        return None
    orders = (int(v.p), int(v.o), int(v.q))
    return FastLoglik(model, kind, dist, orders, _arch_lnsigma_max())


def installed(model: Any) -> bool:
    """Whether ``model`` carries a :class:`FastLoglik` as its ``_loglikelihood``.

    Parameters
    ----------
    model : arch.univariate.base.ARCHModel
        An ``arch`` model.

    Returns
    -------
    bool
    """
    return isinstance(vars(model).get("_loglikelihood"), FastLoglik)
