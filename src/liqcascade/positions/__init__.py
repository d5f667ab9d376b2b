"""Position books (explicit or estimated), stop-loss models, liquidation maps.

Also public: the map back-test (:func:`backtest_identified`, :func:`backtest_cohort`,
:func:`unscored_reason`, :data:`COMPARISONS`, :data:`MIN_INTERVAL_DAYS`,
:data:`MIN_SCORE_DAYS`, :data:`N_RESAMPLES_DAILY`), the expanding calibration
(:func:`load_asset_calibration`, :func:`bundled_validation_data`), :func:`walk`,
:func:`safe_book`, :func:`wilder_atr`, :data:`PRICE_SCALE`, :func:`asset_scale_text` and the
Hyperliquid checks
(:func:`distance_check`, :func:`leverage_gap`).
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.positions._book import BUY, LONG, SELL, SHORT, PositionBook, StopBook
from liqcascade.positions._maps import (
    Cluster,
    Concentration,
    LiquidationHeatmap,
    LiquidationMap,
    heatmap_from_books,
    herfindahl,
    liquidation_map,
)
from liqcascade.positions._stops import (
    ModelledStops,
    PriceBars,
    StopModelWeights,
    default_stop_prices,
    model_stops,
    model_stops_detailed,
    round_number_step,
    round_steps_text,
    round_steps_used,
)

if TYPE_CHECKING:
    from liqcascade.positions._backtest import COMPARISONS as COMPARISONS
    from liqcascade.positions._backtest import MIN_INTERVAL_DAYS as MIN_INTERVAL_DAYS
    from liqcascade.positions._backtest import MIN_SCORE_DAYS as MIN_SCORE_DAYS
    from liqcascade.positions._backtest import N_RESAMPLES_DAILY as N_RESAMPLES_DAILY
    from liqcascade.positions._backtest import backtest_cohort as backtest_cohort
    from liqcascade.positions._backtest import backtest_identified as backtest_identified
    from liqcascade.positions._backtest import backtest_period as backtest_period
    from liqcascade.positions._backtest import check_calibration_asset as check_calibration_asset
    from liqcascade.positions._backtest import check_interval as check_interval
    from liqcascade.positions._backtest import count_text as count_text
    from liqcascade.positions._backtest import identified_calibration as identified_calibration
    from liqcascade.positions._backtest import range_baseline_verdicts as range_baseline_verdicts
    from liqcascade.positions._backtest import resolve_params as resolve_params
    from liqcascade.positions._backtest import scored_days as scored_days
    from liqcascade.positions._backtest import uncovered_line as uncovered_line
    from liqcascade.positions._backtest import unscored_reason as unscored_reason
    from liqcascade.positions._calibrate import bundled_validation_data as bundled_validation_data
    from liqcascade.positions._expanding import AssetCalibration as AssetCalibration
    from liqcascade.positions._expanding import calibrate_expanding as calibrate_expanding
    from liqcascade.positions._expanding import data_start as data_start
    from liqcascade.positions._expanding import expanding_months as expanding_months
    from liqcascade.positions._expanding import load_asset_calibration as load_asset_calibration
    from liqcascade.positions._files import PRICE_SCALE as PRICE_SCALE
    from liqcascade.positions._files import _note_unread as note_unread  # noqa: F401
    from liqcascade.positions._files import _off_scale as off_scale  # noqa: F401
    from liqcascade.positions._files import _unit_error as unit_error  # noqa: F401
    from liqcascade.positions._files import asset_scale_text as asset_scale_text
    from liqcascade.positions._files import check_liq_side as check_liq_side
    from liqcascade.positions._grid_kernels import TwinGrid as TwinGrid
    from liqcascade.positions._grid_kernels import grid_advance_nb as grid_advance_nb
    from liqcascade.positions._grid_kernels import grid_advance_py as grid_advance_py
    from liqcascade.positions._hyperliquid import distance_check as distance_check
    from liqcascade.positions._hyperliquid import distance_figure as distance_figure
    from liqcascade.positions._hyperliquid import leverage_gap as leverage_gap
    from liqcascade.positions._hyperliquid import leverage_gap_summary as leverage_gap_summary
    from liqcascade.positions._incremental import BookState as BookState
    from liqcascade.positions._incremental import snapshots as snapshots
    from liqcascade.positions._likelihood import profile_obs as profile_obs
    from liqcascade.positions._model import BookParams as BookParams
    from liqcascade.positions._model import MarketFrames as MarketFrames
    from liqcascade.positions._model import _aligned as aligned_column  # noqa: F401
    from liqcascade.positions._model import distance_weights as distance_weights
    from liqcascade.positions._model import prepare as prepare
    from liqcascade.positions._model import walk as walk
    from liqcascade.positions._safe import safe_book as safe_book
    from liqcascade.positions._stops import wilder_atr as wilder_atr

__all__ = ["BUY", "LONG", "SELL", "SHORT", "PositionBook", "StopBook"]
__all__ += [
    "Cluster",
    "Concentration",
    "LiquidationHeatmap",
    "LiquidationMap",
    "ModelledStops",
    "PriceBars",
    "StopModelWeights",
    "default_stop_prices",
    "heatmap_from_books",
    "herfindahl",
    "liquidation_map",
    "model_stops",
    "model_stops_detailed",
    "round_number_step",
    "round_steps_text",
    "round_steps_used",
]
from liqcascade.positions._files import (  # noqa: E402
    check_at_price,
    check_stops_at_price,
    margin_disagreement,  # the margin package's rule (liq_price's too), re-exported
    positions_asset,
    read_given_positions,
    read_positions,
    read_stops,
)

__all__ += [
    "check_at_price", "check_stops_at_price", "margin_disagreement", "positions_asset",
    "read_given_positions", "read_positions", "read_stops",
]  # fmt: skip
from liqcascade.positions._backtest import BacktestResult  # noqa: E402
from liqcascade.positions._calibrate import (  # noqa: E402
    CalibrationResult,
    ValidationData,
    calibrate,
    fit_metrics,
    load_calibrated,
)
from liqcascade.positions._estimate import (  # noqa: E402
    EstimationParams,
    EstimationRun,
    estimate_book,
    run_estimation,
)

__all__ += [
    "BacktestResult",
    "CalibrationResult",
    "EstimationParams",
    "EstimationRun",
    "ValidationData",
    "calibrate",
    "estimate_book",
    "fit_metrics",
    "load_calibrated",
    "run_estimation",
]

__all__ += [
    "COMPARISONS",
    "MIN_INTERVAL_DAYS",
    "MIN_SCORE_DAYS",
    "N_RESAMPLES_DAILY",
    "PRICE_SCALE",
    "asset_scale_text",
    "backtest_cohort",
    "backtest_identified",
    "bundled_validation_data",
    "distance_check",
    "leverage_gap",
    "load_asset_calibration",
    "safe_book",
    "unscored_reason",
    "walk",
    "wilder_atr",
]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
# The names outside __all__ are shared internals (their numpydoc is not complete).
_LAZY: dict[str, tuple[str, str]] = {
    "AssetCalibration": ("_expanding", "AssetCalibration"),
    "BookParams": ("_model", "BookParams"),
    "BookState": ("_incremental", "BookState"),
    "COMPARISONS": ("_backtest", "COMPARISONS"),
    "MIN_INTERVAL_DAYS": ("_backtest", "MIN_INTERVAL_DAYS"),
    "MIN_SCORE_DAYS": ("_backtest", "MIN_SCORE_DAYS"),
    "MarketFrames": ("_model", "MarketFrames"),
    "N_RESAMPLES_DAILY": ("_backtest", "N_RESAMPLES_DAILY"),
    "PRICE_SCALE": ("_files", "PRICE_SCALE"),
    "asset_scale_text": ("_files", "asset_scale_text"),
    "note_unread": ("_files", "_note_unread"),
    "TwinGrid": ("_grid_kernels", "TwinGrid"),
    "aligned_column": ("_model", "_aligned"),
    "backtest_cohort": ("_backtest", "backtest_cohort"),
    "backtest_identified": ("_backtest", "backtest_identified"),
    "backtest_period": ("_backtest", "backtest_period"),
    "bundled_validation_data": ("_calibrate", "bundled_validation_data"),
    "calibrate_expanding": ("_expanding", "calibrate_expanding"),
    "check_calibration_asset": ("_backtest", "check_calibration_asset"),
    "check_interval": ("_backtest", "check_interval"),
    "check_liq_side": ("_files", "check_liq_side"),
    "count_text": ("_backtest", "count_text"),
    "data_start": ("_expanding", "data_start"),
    "distance_check": ("_hyperliquid", "distance_check"),
    "distance_figure": ("_hyperliquid", "distance_figure"),
    "distance_weights": ("_model", "distance_weights"),
    "expanding_months": ("_expanding", "expanding_months"),
    "grid_advance_nb": ("_grid_kernels", "grid_advance_nb"),
    "grid_advance_py": ("_grid_kernels", "grid_advance_py"),
    "identified_calibration": ("_backtest", "identified_calibration"),
    "leverage_gap": ("_hyperliquid", "leverage_gap"),
    "leverage_gap_summary": ("_hyperliquid", "leverage_gap_summary"),
    "load_asset_calibration": ("_expanding", "load_asset_calibration"),
    "off_scale": ("_files", "_off_scale"),
    "prepare": ("_model", "prepare"),
    "profile_obs": ("_likelihood", "profile_obs"),
    "range_baseline_verdicts": ("_backtest", "range_baseline_verdicts"),
    "resolve_params": ("_backtest", "resolve_params"),
    "safe_book": ("_safe", "safe_book"),
    "scored_days": ("_backtest", "scored_days"),
    "snapshots": ("_incremental", "snapshots"),
    "uncovered_line": ("_backtest", "uncovered_line"),
    "unit_error": ("_files", "_unit_error"),
    "unscored_reason": ("_backtest", "unscored_reason"),
    "walk": ("_model", "walk"),
    "wilder_atr": ("_stops", "wilder_atr"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_backtest":
        from liqcascade.positions import _backtest

        return getattr(_backtest, attr)
    if module == "_calibrate":
        from liqcascade.positions import _calibrate

        return getattr(_calibrate, attr)
    if module == "_expanding":
        from liqcascade.positions import _expanding

        return getattr(_expanding, attr)
    if module == "_files":
        from liqcascade.positions import _files

        return getattr(_files, attr)
    if module == "_grid_kernels":
        from liqcascade.positions import _grid_kernels

        return getattr(_grid_kernels, attr)
    if module == "_hyperliquid":
        from liqcascade.positions import _hyperliquid

        return getattr(_hyperliquid, attr)
    if module == "_incremental":
        from liqcascade.positions import _incremental

        return getattr(_incremental, attr)
    if module == "_likelihood":
        from liqcascade.positions import _likelihood

        return getattr(_likelihood, attr)
    if module == "_model":
        from liqcascade.positions import _model

        return getattr(_model, attr)
    if module == "_safe":
        from liqcascade.positions import _safe

        return getattr(_safe, attr)
    if module == "_stops":
        from liqcascade.positions import _stops

        return getattr(_stops, attr)
    raise AttributeError(f"module 'liqcascade.positions' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
