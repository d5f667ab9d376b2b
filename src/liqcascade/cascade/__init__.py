"""The cascade engine: liquidations and stops through the order book.

``simulate_cascade`` runs DESIGN.md's reference semantics on a numba kernel;
``cascade_py`` is the plain-Python oracle the tests hold it equal to;
``prepare_cascade`` sorts once for many shocks (``fragility_curve``,
``critical_shock``), ``prepare_market`` and ``prepared_draws`` an estimated market and
its position-book draws; ``next_wave_levels`` tells what each price level releases;
``market_state`` assembles the estimated ETH market of a date; ``follow_through``
measures how far real falls went on, the empirical check on the cascade's end price;
``calibrated_follow_through`` runs the calibrated cascade after a shock on every date of
a period beside it (issue 18's history check), ``stored_follow_through`` reads the rows
stored with the liquidity calibration.
"""

from liqcascade.cascade._backtest import BacktestResult, detect_events, run_backtest
from liqcascade.cascade._calibrated_fragility import CalibratedFragility, calibrated_fragility
from liqcascade.cascade._clock import (
    BOOK_EDGE_SHARE,
    CalibratedCascade,
    Calibration,
    ClockResult,
    LiquidityParams,
    LiquidityResponse,
    calibrated_cascade,
    load_liquidity,
    market_answer,
    simulate_clock,
    static_bound,
)
from liqcascade.cascade._config import CascadeConfig
from liqcascade.cascade._engine import simulate_cascade
from liqcascade.cascade._follow_through import calibrated_follow_through, stored_follow_through
from liqcascade.cascade._fragility import (
    CriticalShock,
    FragilityCurve,
    NextWave,
    critical_shock,
    fragility_curve,
    next_wave_levels,
)
from liqcascade.cascade._history import (
    FollowThrough,
    ModelFollowThrough,
    follow_through,
    model_follow_through,
)
from liqcascade.cascade._prepare import (
    PreparedMarket,
    prepare_cascade,
    prepare_market,
    prepared_draws,
)
from liqcascade.cascade._reference import cascade_py
from liqcascade.cascade._request import CascadeRun, run_cascade_request
from liqcascade.cascade._result import SUMMARY_KEYS, CascadeResult
from liqcascade.cascade._state import BINANCE_BOOK_SHARE, MarketState, market_state

__all__ = [
    "BINANCE_BOOK_SHARE",
    "BOOK_EDGE_SHARE",
    "SUMMARY_KEYS",
    "BacktestResult",
    "CalibratedCascade",
    "CalibratedFragility",
    "Calibration",
    "CascadeConfig",
    "CascadeResult",
    "CascadeRun",
    "ClockResult",
    "CriticalShock",
    "FollowThrough",
    "FragilityCurve",
    "LiquidityParams",
    "LiquidityResponse",
    "MarketState",
    "ModelFollowThrough",
    "NextWave",
    "PreparedMarket",
    "calibrated_cascade",
    "calibrated_follow_through",
    "calibrated_fragility",
    "cascade_py",
    "critical_shock",
    "detect_events",
    "follow_through",
    "fragility_curve",
    "load_liquidity",
    "market_answer",
    "market_state",
    "model_follow_through",
    "next_wave_levels",
    "prepare_cascade",
    "prepare_market",
    "prepared_draws",
    "run_backtest",
    "run_cascade_request",
    "simulate_cascade",
    "simulate_clock",
    "static_bound",
    "stored_follow_through",
]
