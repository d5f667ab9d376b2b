"""``arch``'s starting values and variance bounds of a fit, compiled and computed once.

Each ``arch`` fit (``ARCHModel.fit``) asks its volatility process for starting values
and variance bounds of the residuals at the mean's start (``y − mean(y)``): the
starting values are a grid search, arch's ``_gaussian_loglikelihood`` (its variance
recursion and a normal log density in NumPy) at 64 points for GARCH/GJR and 48 for
EGARCH, the highest kept; the bounds an EWMA pass over the sample. Neither depends on
the error distribution or on the fit's own starting values, so the fits that share a
sample compute the same: an EGARCH fit's four starts and their restarts, the three
distributions of the model comparison. :class:`FastStarts` stands in for the three
methods during a fit (:func:`liqcascade.volatility._slsqp.fit_arch`):

- ``starting_values`` and ``variance_bounds`` are ``arch``'s own methods, their answers
  remembered per exact residuals (their bytes) and process (type and orders), a copy
  handed out each time;
- ``_gaussian_loglikelihood`` is computed by the compiled log-likelihood
  (:func:`liqcascade.volatility._kernels.loglik` with a zero mean and normal errors):
  the same operations in the same order as ``arch``'s recursion and NumPy's density and
  sum, hence the same value, the same point chosen on the grid (tests hold it to
  ``arch``'s on many random samples).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from liqcascade._numba import read_only
from liqcascade.volatility import _kernels as K

__all__ = ["METHODS", "FastStarts"]

METHODS: tuple[str, ...] = ("starting_values", "variance_bounds", "_gaussian_loglikelihood")
"""The volatility process's methods a :class:`FastStarts` stands in for."""

_KEPT = 64
"""Answers remembered (then the memo starts again): a report fits ~50 samples per asset."""

_MEMO: dict[tuple[Any, ...], np.ndarray] = {}
"""The remembered answers, keyed by process, method and residuals (module-wide: the
model comparison's fits build a model per distribution on the same sample)."""

_NORMAL = np.array([np.log(2 * np.pi)])
"""The normal density's constant, as ``arch``'s ``Normal`` computes it (``log(2π)``)."""


def _key(v: Any, method: str, resids: Any) -> tuple[Any, ...]:
    """The memo's key: the process's type and orders, the method, the residuals' bytes."""
    r = np.ascontiguousarray(resids, dtype=np.float64)
    digest = hashlib.blake2b(r.data, digest_size=16).digest()
    return (type(v).__name__, int(v.p), int(v.o), int(v.q), float(getattr(v, "power", 2.0)),
            method, r.shape, digest)  # fmt: skip


class FastStarts:
    """Stand-ins for a volatility process's start-up methods (module docstring).

    Parameters
    ----------
    volatility : arch.univariate.volatility.VolatilityProcess
        The process (``arch``'s GARCH of power 2 or EGARCH, as
        :func:`liqcascade.volatility._loglik.fast_loglik` accepts).
    kind : int
        The kernel's code of the process (``_kernels.VOL_GARCH`` or ``VOL_EGARCH``).
    lnsigma_max : float
        EGARCH's log-variance cap in the recursion ``arch`` runs.
    """

    def __init__(self, volatility: Any, kind: int, lnsigma_max: float) -> None:
        self.volatility = volatility
        self.kind = kind
        self.lnsigma_max = lnsigma_max
        self.orders = (int(volatility.p), int(volatility.o), int(volatility.q))

    def __deepcopy__(self, memo: dict[int, Any]) -> FastStarts:
        """Itself, not a copy.

        ``arch``'s copy of the fitted model takes the stand-ins along (attributes of its
        volatility process), and :func:`fit_arch` takes them off the copy.
        """
        return self

    def install(self) -> None:
        """Put the stand-ins on the process (instance attributes over its methods)."""
        for name in METHODS:
            setattr(self.volatility, name, getattr(self, name))

    @staticmethod
    def remove(volatility: Any) -> None:
        """Take any stand-ins off ``volatility`` (its own methods show again).

        Parameters
        ----------
        volatility : arch.univariate.volatility.VolatilityProcess
            A process :meth:`install` (or a copy of one) put them on.
        """
        for name in METHODS:
            vars(volatility).pop(name, None)

    def _remembered(self, method: str, resids: Any, compute: Any) -> np.ndarray:
        key = _key(self.volatility, method, resids)
        got = _MEMO.get(key)
        if got is None:
            got = np.array(compute(), dtype=np.float64)
            if len(_MEMO) >= _KEPT:
                _MEMO.clear()
            _MEMO[key] = got
        return got.copy()

    def starting_values(self, resids: Any) -> np.ndarray:
        """``arch``'s starting values of the process for ``resids`` (remembered).

        Parameters
        ----------
        resids : ndarray of float64
            Residuals at the mean's start (percent).

        Returns
        -------
        ndarray of float64
            The grid point ``arch`` chooses.
        """
        v = self.volatility
        return self._remembered(
            "starting_values", resids, lambda: type(v).starting_values(v, resids)
        )

    def variance_bounds(self, resids: Any, power: float = 2.0) -> np.ndarray:
        """``arch``'s variance bounds for ``resids`` (remembered).

        Parameters
        ----------
        resids : ndarray of float64
            Residuals (percent).
        power : float, default 2.0
            As ``arch``'s argument (GARCH and EGARCH use their own power: 2).

        Returns
        -------
        ndarray, shape (n, 2)
            Lower and upper variance bounds (percent²).
        """
        v = self.volatility
        return self._remembered(
            f"variance_bounds.{power!r}",
            resids,
            lambda: type(v).variance_bounds(v, resids, power),
        )

    def _gaussian_loglikelihood(
        self, parameters: Any, resids: Any, backcast: Any, var_bounds: Any
    ) -> float:
        """``arch``'s normal log-likelihood of the process at ``parameters``, compiled.

        Parameters
        ----------
        parameters : ndarray
            The process's parameters (``omega``, ``alpha``, ``gamma``, ``beta``).
        resids : ndarray of float64
            Residuals (percent).
        backcast : float
            Pre-sample variance (log variance for EGARCH).
        var_bounds : ndarray, shape (n, 2)
            Variance bounds.

        Returns
        -------
        float
            The log-likelihood (nats).
        """
        r = np.ascontiguousarray(resids, dtype=np.float64)
        b = np.ascontiguousarray(var_bounds, dtype=np.float64)
        vp = np.array(parameters, dtype=np.float64)
        p, o, q = self.orders
        n = r.shape[0]
        r_in, b_in = read_only(r, b)
        return float(
            K.loglik(
                r_in, 0.0, vp, self.kind, p, o, q, float(backcast), b_in, K.DIST_NORMAL,
                _NORMAL, self.lnsigma_max, np.empty(n), np.empty(n),
            )
        )  # fmt: skip
