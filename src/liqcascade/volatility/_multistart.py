"""Several starts for a fit whose likelihood has several optima, and the choice among them.

``arch`` starts SLSQP from one point. For GARCH and GJR-GARCH that point is enough: on
every period of the bundled daily data (ETH and BTC, 2017–2025, each year and the two
multi-year spans), no end from eighteen other starts (a grid over ``α``, ``γ``, ``β``)
is higher than arch's by more than 0.004 nats (GJR at 1, 2 and 4 BLAS threads, GARCH at
1 and 2). EGARCH on a single year is not so: from arch's start alone its end depends on
the machine's thread count (BTC 2025: −456.9 at one thread, −1441.3 at two), and
outside the region where its filter is invertible
(:func:`liqcascade.volatility._formulas.egarch_lyapunov`) the likelihood is a comb of
needles whose tips an optimiser finds or misses by the last bits of its arithmetic. An
EGARCH fit therefore runs from arch's start and from :data:`EGARCH_START_BETAS`, and
:func:`best_of` keeps the best reliable end (reliable includes invertible). The extra
starts run even when arch's own end is reliable: on the bundled data that end can be a
lower optimum (ETH 2025 at two BLAS threads, 0.8 nats below), and where the starts agree
their ends differ at the optimiser's tolerance (p-values up to 1.5e-3 relative), so
skipping them would change printed rows (docs/volatility.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

EGARCH_START_BETAS: tuple[float, ...] = (0.5, 0.9, 0.98)
"""Persistences ``β`` of the extra EGARCH starts, with ``α`` = 0.1, no leverage
(``γ`` = 0) and ``ω = (1 − β) · ln(mean ε²)`` (arch's own targeting of the log variance):
a low, a typical and a high persistence, fixed in advance and the same for every data."""

EGARCH_START_ALPHA = 0.1
"""``α`` of the extra EGARCH starts (the middle of arch's own grid, 0.01 to 0.2)."""

AGREE_LOGLIK = 0.01
"""Ends whose log-likelihoods are within this many nats of the kept end count as the
same optimum (SLSQP's own spread on the bundled fits: at most 0.0015)."""


class _End(Protocol):
    """What :func:`best_of` reads of a fit (``VolatilityFit`` has it)."""

    @property
    def converged(self) -> bool: ...  # pragma: no cover

    @property
    def reliable(self) -> bool: ...  # pragma: no cover

    @property
    def loglik(self) -> float: ...  # pragma: no cover

    @property
    def params(self) -> pd.Series: ...  # pragma: no cover


E = TypeVar("E", bound=_End)


def start_points(model: Any, returns: pd.Series, variance_model: str) -> list[np.ndarray | None]:
    """The starts of a fit: arch's own (``None``), then, for EGARCH, the fixed grid.

    Parameters
    ----------
    model : arch.univariate.base.ARCHModel
        The model to fit (its error distribution gives the shape parameters' start).
    returns : pandas.Series
        The returns fitted (percent per bar), without NaN.
    variance_model : {"garch", "gjr", "egarch"}
        The variance model.

    Returns
    -------
    list
        ``[None]`` for GARCH and GJR; for EGARCH ``None`` then one parameter vector
        per :data:`EGARCH_START_BETAS` (``mu`` the sample mean, the shape parameters
        the distribution's own moment-based start).
    """
    if variance_model != "egarch":
        return [None]
    r = returns.to_numpy(dtype=float)
    mu = float(np.mean(r))
    eps = r - mu
    target = math.log(float(np.mean(eps**2)))
    std = eps / float(np.std(eps))
    shape = np.asarray(model.distribution.starting_values(std), dtype=float)
    out: list[np.ndarray | None] = [None]
    for beta in EGARCH_START_BETAS:
        vol = [(1.0 - beta) * target, EGARCH_START_ALPHA, 0.0, beta]
        out.append(np.concatenate([[mu], vol, shape]))
    return out


def best_of(ends: Sequence[E]) -> tuple[E, int]:
    """The end kept among a fit's starts, and how many ends agree with it.

    The candidates are the reliable ends (converged, invertible, a positive finite
    Hessian-based variance for every parameter: ``VolatilityFit.reliable``); when no end
    is reliable, the converged ones; when none converged, all. The kept end has the
    highest log-likelihood among the candidates (equal log-likelihoods: the smaller
    parameter vector, compared element by element), so the choice does not depend on
    the order of the starts.

    Parameters
    ----------
    ends : sequence of fits
        One fit per start, each with ``converged``, ``reliable``, ``loglik`` and
        ``params``.

    Returns
    -------
    (end, agreed)
        The kept end, and the number of candidates within :data:`AGREE_LOGLIK` nats of
        its log-likelihood (itself included).

    Raises
    ------
    ValueError
        If ``ends`` is empty.
    """
    if not ends:
        raise ValueError("best_of needs at least one end")
    pool = [e for e in ends if e.reliable] or [e for e in ends if e.converged] or list(ends)
    scored = [e for e in pool if math.isfinite(e.loglik)] or pool

    def key(e: E) -> tuple[float, tuple[float, ...]]:
        return (e.loglik, tuple(-float(x) for x in e.params))

    kept = max(scored, key=key)
    agreed = sum(1 for e in scored if e.loglik >= kept.loglik - AGREE_LOGLIK)
    return kept, agreed
