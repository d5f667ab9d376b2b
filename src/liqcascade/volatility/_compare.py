"""Model comparison: AIC/BIC across variance models × error distributions."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.volatility._fit import MIN_OBS, fit_volatility
from liqcascade.volatility._formulas import DISTS, MODELS


def compare_models(
    returns: pd.Series,
    models: tuple[str, ...] = MODELS,
    dists: tuple[str, ...] = DISTS,
    *,
    interval: str = "1d",
    min_obs: int = MIN_OBS,
    on_progress: Callable[[float], None] | None = None,
    fitted: Mapping[tuple[str, str], Any] | None = None,
) -> pd.DataFrame:
    """Fit every model × distribution on the same returns; rank by AIC and BIC.

    Parameters
    ----------
    returns : pandas.Series
        Percent log returns.
    models, dists : tuple of str
        Which to fit (default: all three of each).
    interval : str, default "1d"
        Bar interval.
    min_obs : int, default 100
        Fewest returns accepted.
    on_progress : callable, optional
        Called with 1 after each fit.
    fitted : mapping, optional
        ``(model, dist)`` -> a fit of the same ``returns`` (same interval and minimum)
        already made elsewhere: reused, not refitted.

    Returns
    -------
    pandas.DataFrame
        ``model, dist, n_params, loglik, aic, bic, delta_aic, delta_bic, persistence,
        converged, error``, sorted by AIC (lower is better; ``delta_*`` from the best).
        A fit that fails is a row with NaN numbers and its error, not an exception.
    """
    rows = []
    for m in models:
        for d in dists:
            try:
                f = (fitted or {}).get((m, d)) or fit_volatility(
                    returns, m, d, interval=interval, min_obs=min_obs
                )
                rows.append(
                    {
                        "model": m,
                        "dist": d,
                        "n_params": len(f.params),
                        "loglik": f.loglik,
                        "aic": f.aic,
                        "bic": f.bic,
                        "persistence": f.persistence,
                        "converged": f.converged,
                        "error": "",
                    }
                )
            except (ValueError, np.linalg.LinAlgError) as exc:
                nan = math.nan
                rows.append(
                    {
                        "model": m,
                        "dist": d,
                        "n_params": 0,
                        "loglik": nan,
                        "aic": nan,
                        "bic": nan,
                        "persistence": nan,
                        "converged": False,
                        "error": f"{type(exc).__name__}: {exc}",
                    }
                )
            if on_progress is not None:
                on_progress(1)
    df = pd.DataFrame(rows)
    df["delta_aic"] = df["aic"] - df["aic"].min()
    df["delta_bic"] = df["bic"] - df["bic"].min()
    cols = ["model", "dist", "n_params", "loglik", "aic", "bic", "delta_aic", "delta_bic"]
    cols += ["persistence", "converged", "error"]
    return df[cols].sort_values("aic", na_position="last").reset_index(drop=True)
