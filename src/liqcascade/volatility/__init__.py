"""Volatility: GARCH, GJR-GARCH and EGARCH on ``arch``, clustering diagnostics, the
leverage effect (by period, with a plain verdict), realised volatility and forecasts.

Returns are ``100 × Δlog close`` (percent) over the closes inside ``[start, end]``.

Also public: :func:`fit_arch` (the SLSQP fit under ``arch``) and
:func:`forecast_variance_draws` (variance forecasts over parameter draws).

Examples
--------
>>> from liqcascade import volatility as vol
>>> close = vol.load_close("ETH", "1d")
>>> fit = vol.fit_volatility(vol.log_returns(close, "2022-01-01", "2025-12-31"), "gjr", "t")
>>> fit.leverage.verdict in {"significant", "inverted", "not significant"}
True
"""  # noqa: D205

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.volatility._compare import compare_models
from liqcascade.volatility._diagnostics import (
    ClusteringTest,
    clustering_frame,
    clustering_test,
    ljung_box,
)
from liqcascade.volatility._fit import (
    BOUND_PARAMS,
    MIN_OBS,
    FitSettings,
    VolatilityFit,
    arch_spec,
    bound_note,
    check_dist,
    check_model,
    fit_volatility,
)
from liqcascade.volatility._formulas import (
    DISTS,
    MODELS,
    expected_abs,
    half_life_bars,
    negative_share,
    next_variance,
    persistence,
    unconditional_variance,
)
from liqcascade.volatility._leverage import (
    LEVERAGE_SIGN,
    LeverageEstimate,
    leverage_verdict,
)
from liqcascade.volatility._oos import (
    OOS_MODELS,
    ProxyScore,
    VolatilityOOS,
    ewma_covariance,
    ewma_variance,
    qlike,
    trailing_variance,
    volatility_oos,
)
from liqcascade.volatility._periods import (
    LeverageByPeriod,
    Period,
    PeriodLeverage,
    default_periods,
    is_partial,
    leverage_by_period,
    period_returns,
    period_text,
)
from liqcascade.volatility._realized import realized_volatility
from liqcascade.volatility._returns import (
    bars_per_day,
    bars_per_year,
    load_close,
    log_returns,
)
from liqcascade.volatility._simulate import VolatilityPaths, simulate_paths
from liqcascade.volatility._study import VolatilityStudy, volatility_study

if TYPE_CHECKING:
    from liqcascade.volatility._param_draws import (
        forecast_variance_draws as forecast_variance_draws,
    )
    from liqcascade.volatility._slsqp import fit_arch as fit_arch

__all__ = [
    "BOUND_PARAMS",
    "DISTS",
    "LEVERAGE_SIGN",
    "MIN_OBS",
    "MODELS",
    "OOS_MODELS",
    "ClusteringTest",
    "FitSettings",
    "LeverageByPeriod",
    "LeverageEstimate",
    "Period",
    "PeriodLeverage",
    "ProxyScore",
    "VolatilityFit",
    "VolatilityOOS",
    "VolatilityPaths",
    "VolatilityStudy",
    "arch_spec",
    "bars_per_day",
    "bars_per_year",
    "bound_note",
    "check_dist",
    "check_model",
    "clustering_frame",
    "clustering_test",
    "compare_models",
    "default_periods",
    "ewma_covariance",
    "ewma_variance",
    "expected_abs",
    "fit_volatility",
    "half_life_bars",
    "is_partial",
    "leverage_by_period",
    "leverage_verdict",
    "ljung_box",
    "load_close",
    "log_returns",
    "negative_share",
    "next_variance",
    "period_returns",
    "period_text",
    "persistence",
    "qlike",
    "realized_volatility",
    "simulate_paths",
    "trailing_variance",
    "unconditional_variance",
    "volatility_oos",
    "volatility_study",
]

__all__ += ["fit_arch", "forecast_variance_draws"]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
_LAZY: dict[str, tuple[str, str]] = {
    "fit_arch": ("_slsqp", "fit_arch"),
    "forecast_variance_draws": ("_param_draws", "forecast_variance_draws"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_param_draws":
        from liqcascade.volatility import _param_draws

        return getattr(_param_draws, attr)
    if module == "_slsqp":
        from liqcascade.volatility import _slsqp

        return getattr(_slsqp, attr)
    raise AttributeError(f"module 'liqcascade.volatility' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
