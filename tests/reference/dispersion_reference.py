"""The dispersion fit on the whole grid: the reference of the coarse-to-fine search.

:func:`liqcascade.cascade._backtest.fit_dispersion` scores only part of the grid of
``η`` (coarse, then fine around the best); scoring every ``η`` must give the same
argmax.
"""

from __future__ import annotations

import numpy as np

from liqcascade._typing import FloatArray
from liqcascade.cascade._backtest import dispersion_loglik


def fit_dispersion_full(ratios: FloatArray, dt: FloatArray | None = None) -> float:
    """``fit_dispersion`` on the whole grid (every ``η``, dimensionless): its reference."""
    r = np.asarray(ratios, dtype=np.float64)
    if int(np.sum(np.isfinite(r) & (r > 0.0))) < 10:
        return 0.0
    etas, ll = dispersion_loglik(r, dt)
    return float(etas[int(np.argmax(ll))])
