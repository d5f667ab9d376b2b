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

from liqcascade._numba import NUMBA_DISABLED, read_only
from liqcascade.volatility import _kernels as K

__all__ = [
    "FDGradient",
    "FastLoglik",
    "dist_constants",
    "fast_loglik",
    "installed",
    "with_fd_gradient",
]


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

    Each log-likelihood value (not the per-observation terms) is remembered, keyed on
    the exact bytes of the parameters, the backcast, the variance bounds and the sample:
    a point evaluated again is not computed again. The classic covariance (its Hessian
    tells :attr:`VolatilityFit.reliable`) and the robust one (the standard errors) of one
    estimate difference the likelihood at the same points: the second Hessian costs no
    evaluation. A copy or a pickle forgets the values.

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
        self._values: dict[tuple[Any, ...], float] = {}
        self._consts: dict[bytes, np.ndarray] = {}
        self._digests: dict[int, tuple[Any, bytes, np.ndarray]] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> FastLoglik:
        """A copy for ``arch``'s copy of the model (its ``model`` the copy), values forgotten."""
        from copy import deepcopy

        return FastLoglik(
            deepcopy(self.model, memo), self.kind, self.dist, self.orders, self.lnsigma_max
        )

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the remembered values."""
        return {**self.__dict__, "_values": {}, "_digests": {}, "_consts": {}}

    def _held(self, a: np.ndarray) -> tuple[bytes, np.ndarray]:
        """``a``'s digest and its read-only float64 view, made once per array object.

        The digest of ``a``'s bytes keys the remembered values; the view (no copy of a
        contiguous float64 array) is what the kernels take (:func:`read_only`). Both
        are kept while ``a`` is held (the sample and the bounds of a fit's calls).
        """
        held = self._digests.get(id(a))
        if held is not None and held[0] is a:
            return held[1], held[2]
        import hashlib

        c = np.ascontiguousarray(a, dtype=np.float64)
        d = hashlib.blake2b(np.ascontiguousarray(a).data, digest_size=16).digest()
        if len(self._digests) >= _DIGESTS_KEPT:
            self._digests.clear()
        (view,) = read_only(c)
        self._digests[id(a)] = (a, d, view)
        return d, view

    def _digest(self, a: np.ndarray) -> bytes:
        """A digest of ``a``'s bytes, computed once per array object (kept while held)."""
        return self._held(a)[0]

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
            Scratch: filled with the conditional variances (percent²), as ``arch`` fills
            it, except at a point already evaluated (no caller reads it back).
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
        info = _callback_info()
        info["count"] += 1
        x = np.array(parameters, dtype=np.float64)  # a copy: one compiled signature
        y = self.model._fit_y
        if individual:
            lls = np.empty(y.shape[0])
            self._loglik(x, y, sigma2, backcast, var_bounds, lls)
            return -lls
        key = (x.tobytes(), float(backcast), self._digest(var_bounds), self._digest(y))
        llf = self._values.get(key)
        if llf is None:
            llf = -self._loglik(x, y, sigma2, backcast, var_bounds, np.empty(y.shape[0]))
            if len(self._values) >= _VALUES_KEPT:
                self._values.clear()
            self._values[key] = llf
        info["llf"] = llf
        return llf

    def many(
        self, points: Any, sigma2: np.ndarray, backcast: Any, var_bounds: np.ndarray
    ) -> list[float]:
        """The negative log-likelihood at each of ``points``, as :meth:`__call__` gives it.

        The points not remembered are computed in one compiled call
        (:func:`._kernels.loglik_points`), each as :meth:`__call__` computes it; all are
        remembered.

        Parameters
        ----------
        points : sequence of ndarray
            Parameter vectors (``mu``, the variance parameters, the distribution's).
        sigma2 : ndarray of float64
            Scratch, as :meth:`__call__`'s (not written).
        backcast : float
            Pre-sample variance (log variance for EGARCH).
        var_bounds : ndarray, shape (n, 2)
            ``arch``'s variance bounds.

        Returns
        -------
        list of float
            Negative log-likelihoods (nats), one per point.
        """
        info = _callback_info()
        y = self.model._fit_y
        (dy, y_in), (db, bounds_in) = self._held(y), self._held(var_bounds)
        xs = [np.array(x, dtype=np.float64) for x in points]
        keys = [(x.tobytes(), float(backcast), db, dy) for x in xs]
        out: list[float | None] = [self._values.get(key) for key in keys]
        todo = [i for i, v in enumerate(out) if v is None]
        if todo:
            kv = self.kv
            pts = np.array([xs[i] for i in todo])
            consts = np.array([self.constants(xs[i][1 + kv :]) for i in todo])
            lls = np.empty(len(todo))
            p, o, q = self.orders
            K.loglik_points(
                y_in, pts, self.kind, p, o, q, float(backcast), bounds_in, self.dist, consts,
                self.lnsigma_max, lls,
            )  # fmt: skip
            for i, ll in zip(todo, lls, strict=True):
                llf = -float(ll)
                if len(self._values) >= _VALUES_KEPT:
                    self._values.clear()
                self._values[keys[i]] = llf
                out[i] = llf
        info["count"] += len(xs)
        values = [float(v) for v in out if v is not None]
        if values:
            info["llf"] = values[-1]
        return values

    def constants(self, dp: np.ndarray) -> np.ndarray:
        """:func:`dist_constants` of the distribution's parameters ``dp`` (remembered)."""
        key = dp.tobytes()
        c = self._consts.get(key)
        if c is None:
            c = dist_constants(self.dist, dp)
            if len(self._consts) >= _VALUES_KEPT:
                self._consts.clear()
            self._consts[key] = c
        return c

    def _loglik(
        self, x: np.ndarray, y: np.ndarray, sigma2: Any, backcast: Any, bounds: Any, lls: Any
    ) -> float:
        kv = self.kv
        p, o, q = self.orders
        y_in, bounds_in = self._held(y)[1], self._held(bounds)[1]
        return float(
            K.loglik(
                y_in, x[0], x[1 : 1 + kv].copy(), self.kind, p, o, q, float(backcast),
                bounds_in, self.dist, self.constants(x[1 + kv :]), self.lnsigma_max,
                sigma2, lls,
            )
        )  # fmt: skip


def _callback_info() -> dict[str, Any]:
    """``arch``'s module-level record of the fit's evaluations (kept up as ``arch`` does)."""
    if not _INFO:
        from arch.univariate.base import _callback_info as info

        _INFO.append(info)
    return _INFO[0]  # type: ignore[no-any-return]


_INFO: list[Any] = []


#: Values a :class:`FastLoglik` remembers (then it starts again): a covariance's
#: numerical Hessian evaluates about 100 points, a fit a few hundred.
_VALUES_KEPT = 4096
_DIGESTS_KEPT = 8


class FDGradient:
    """SciPy's forward-difference gradient of a :class:`FastLoglik`, computed in one call.

    What SLSQP computes when it is given no gradient (``approx_derivative``, ``'2-point'``,
    absolute step ``eps``, steps adjusted to the bounds by SciPy's own
    ``_adjust_scheme_to_bounds``): the same steps, the same perturbed points, the same
    subtractions and divisions, hence the same gradient, without SciPy's per-evaluation
    Python (a copy, two wrappers, a call) that costs more than the evaluation itself on a
    year of daily returns. The value at the point is the one SLSQP has just evaluated
    (remembered by the :class:`FastLoglik`).

    Parameters
    ----------
    fun : FastLoglik
        The objective.
    bounds : list of (float, float)
        ``arch``'s bounds of each parameter (``None`` or ±inf: unbounded).
    eps : float
        SLSQP's absolute step (its ``eps`` option; default sqrt of the float64 epsilon).
    """

    def __init__(self, fun: FastLoglik, bounds: Any, eps: float) -> None:
        self.fun = fun
        self.lb = np.array([-np.inf if b[0] is None else float(b[0]) for b in bounds])
        self.ub = np.array([np.inf if b[1] is None else float(b[1]) for b in bounds])
        self.eps = eps

    def steps(self, x0: np.ndarray) -> np.ndarray:
        """SciPy's steps at ``x0`` (``approx_derivative`` with ``abs_step=eps``).

        Parameters
        ----------
        x0 : ndarray of float64
            The point.

        Returns
        -------
        ndarray of float64
            One step per parameter, signed (backward at an upper bound).
        """
        from scipy.optimize._numdiff import _adjust_scheme_to_bounds, _eps_for_method

        sign_x0 = (x0 >= 0).astype(float) * 2 - 1
        dx = (x0 + self.eps) - x0
        rel = _eps_for_method(x0.dtype, np.dtype(np.float64), "2-point")
        h = np.where(dx == 0, rel * sign_x0 * np.maximum(1.0, np.abs(x0)), self.eps)
        h, _ = _adjust_scheme_to_bounds(x0, h, 1, "1-sided", self.lb, self.ub)
        return np.asarray(h, dtype=np.float64)

    def __call__(
        self, x: Any, sigma2: np.ndarray, backcast: Any, var_bounds: np.ndarray
    ) -> np.ndarray:
        """The gradient at ``x`` (SLSQP's ``jac(x, *args)``).

        Parameters
        ----------
        x : ndarray
            The point.
        sigma2, backcast, var_bounds
            ``arch``'s further arguments of ``_loglikelihood``.

        Returns
        -------
        ndarray of float64
            The negative log-likelihood's forward-difference gradient.
        """
        f = self.fun
        x0 = np.array(x, dtype=np.float64)
        f0 = f(x0, sigma2, backcast, var_bounds)  # remembered: SLSQP has just asked for it
        h = self.steps(x0)
        kv = f.kv
        c0 = f.constants(x0[1 + kv :])
        consts = np.empty((x0.size, c0.size))
        consts[: 1 + kv] = c0
        for i in range(1 + kv, x0.size):  # the distribution's parameters move its constants
            xi = x0.copy()
            xi[i] = x0[i] + h[i]
            consts[i] = f.constants(xi[1 + kv :])
        p, o, q = f.orders
        y = f.model._fit_y
        y_in, bounds_in = f._held(y)[1], f._held(var_bounds)[1]
        n = y.shape[0]
        return K.fd_gradient(
            y_in, x0, h, f0, f.kind, p, o, q, float(backcast), bounds_in, f.dist,
            consts, f.lnsigma_max, np.empty(n), np.empty(n),
        )  # fmt: skip


def with_fd_gradient(minimize: Any) -> Any:
    """``minimize`` that gives SLSQP a :class:`FDGradient` when the objective is fast.

    Parameters
    ----------
    minimize : callable
        ``scipy.optimize.minimize`` (as ``arch`` imported it).

    Returns
    -------
    callable
        ``minimize`` with the same arguments; when ``fun`` is a :class:`FastLoglik`, the
        method SLSQP, no ``jac`` given and no option that changes SciPy's differencing
        (only ``disp``, ``eps``, ``ftol``, ``maxiter``, ``iprint``), ``jac`` is the
        :class:`FDGradient` of SciPy's own differencing; otherwise the call is unchanged.
    """

    def patched(fun: Any, x0: Any, *args: Any, **kwargs: Any) -> Any:
        options = kwargs.get("options") or {}
        if (
            isinstance(fun, FastLoglik)
            and not args
            and kwargs.get("method") == "SLSQP"
            and kwargs.get("jac") is None
            and set(options) <= _PLAIN_OPTIONS
            and kwargs.get("bounds") is not None
        ):
            eps = options.get("eps")  # SLSQP's default: sqrt of the float64 epsilon
            step = float(np.sqrt(np.finfo(float).eps)) if eps is None else float(eps)
            kwargs["jac"] = FDGradient(fun, kwargs["bounds"], step)
        return minimize(fun, x0, *args, **kwargs)

    return patched


_PLAIN_OPTIONS = frozenset({"disp", "eps", "ftol", "maxiter", "iprint"})


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
        Student-t or skew-t distribution, and a float64 sample; None as well when numba
        is disabled (``LIQCASCADE_DISABLE_NUMBA``: the loops would run uncompiled).
    """
    if NUMBA_DISABLED:  # the kernels' loops uncompiled are far slower than arch's arrays
        return None
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
