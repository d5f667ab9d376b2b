"""Position books (explicit or estimated), stop-loss models, liquidation maps."""

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
    StopModelWeights,
    default_stop_prices,
    model_stops,
    model_stops_detailed,
    round_steps_text,
    round_steps_used,
)

__all__ = ["BUY", "LONG", "SELL", "SHORT", "PositionBook", "StopBook"]
__all__ += [
    "Cluster",
    "Concentration",
    "LiquidationHeatmap",
    "LiquidationMap",
    "ModelledStops",
    "StopModelWeights",
    "default_stop_prices",
    "heatmap_from_books",
    "herfindahl",
    "liquidation_map",
    "model_stops",
    "model_stops_detailed",
    "round_steps_text",
    "round_steps_used",
]
from liqcascade.positions._files import (  # noqa: E402
    check_at_price,
    check_stops_at_price,
    positions_asset,
    read_positions,
    read_stops,
)

__all__ += [
    "check_at_price", "check_stops_at_price", "positions_asset", "read_positions", "read_stops",
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
