"""The cascade engine: liquidations and stops through the order book.

``simulate_cascade`` runs docs/design.md's reference semantics on a numba kernel;
``cascade_py`` is the plain-Python oracle the tests hold it equal to;
``prepare_cascade`` sorts once for many shocks (``fragility_curve``,
``critical_shock``), ``prepare_market`` and ``prepared_draws`` an estimated market and
its position-book draws; ``next_wave_levels`` tells what each price level releases;
``market_state`` assembles the estimated ETH market of a date; ``cascade_answer`` is
``liqcascade cascade``'s headline (the calibrated cascade on the market of a date, with
its interval) in one call; ``follow_through``
measures how far real falls went on, the empirical check on the cascade's end price;
``calibrated_follow_through`` runs the calibrated cascade after a shock on every date of
a period beside it (issue 18's history check), ``stored_follow_through`` reads the rows
stored with the liquidity calibration; ``critical_history_check`` tests the critical
shock against history's falls at least as deep, at the same depths.

Also public, for the command line, the report and the packages above: the back-test's
:func:`trigger_text` and :func:`estimated_market_at`, :func:`market_volatility`,
:func:`run_prices_only_backtest`,
:func:`fit_liquidity_document`, :func:`liquidity_document`, :func:`market_times`,
:func:`static_envelope`, :data:`DEFAULT_SHOCKS`, :data:`FINE_STEP_S`,
:data:`MIN_COMPARISON_EVENTS`, :data:`RECORD_SETTINGS`, :func:`reached`,
:func:`beta_assumed_text` and :class:`NoMarketDate`. The kernels' state layout
(``S_*``, ``T_*``, ``clock_span`` ...) is shared with ``contagion`` and ``solvency``
through this package too, outside ``__all__``.
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.cascade._answer import cascade_answer
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
from liqcascade.cascade._critical_history import (
    CriticalHistoryCheck,
    critical_history_check,
    reached,
)
from liqcascade.cascade._engine import check_shock, simulate_cascade
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

if TYPE_CHECKING:
    from liqcascade.cascade._backtest import LATENT_GRID as LATENT_GRID
    from liqcascade.cascade._backtest import check_backtest_options as check_backtest_options
    from liqcascade.cascade._backtest import check_trigger as check_trigger
    from liqcascade.cascade._backtest import covered_span as covered_span
    from liqcascade.cascade._backtest import estimated_market_at as estimated_market_at
    from liqcascade.cascade._backtest import hourly_volatility as hourly_volatility
    from liqcascade.cascade._backtest import market_volatility as market_volatility
    from liqcascade.cascade._backtest import move_verdicts as move_verdicts
    from liqcascade.cascade._backtest import trigger_text as trigger_text
    from liqcascade.cascade._backtest import volatility_at as volatility_at
    from liqcascade.cascade._calibrate import calibration_months as calibration_months
    from liqcascade.cascade._calibrate import fit_liquidity_document as fit_liquidity_document
    from liqcascade.cascade._calibrated_fragility import DEFAULT_SHOCKS as DEFAULT_SHOCKS
    from liqcascade.cascade._calibrated_fragility import _critical as critical_crossing  # noqa: F401
    from liqcascade.cascade._calibrated_fragility import static_envelope as static_envelope
    from liqcascade.cascade._clock import FINE_STEP_S as FINE_STEP_S
    from liqcascade.cascade._clock import default_grid as default_grid
    from liqcascade.cascade._clock import is_prior as is_prior
    from liqcascade.cascade._clock import liquidity_document as liquidity_document
    from liqcascade.cascade._clock_kernels import C_INDEX as C_INDEX
    from liqcascade.cascade._clock_kernels import C_PRICE as C_PRICE
    from liqcascade.cascade._clock_kernels import N_STATE as N_STATE
    from liqcascade.cascade._clock_kernels import P_ARB as P_ARB
    from liqcascade.cascade._clock_kernels import P_RESIL as P_RESIL
    from liqcascade.cascade._clock_kernels import S_ACTIVE as S_ACTIVE
    from liqcascade.cascade._clock_kernels import S_BAD as S_BAD
    from liqcascade.cascade._clock_kernels import S_E as S_E
    from liqcascade.cascade._clock_kernels import S_EXHAUSTED as S_EXHAUSTED
    from liqcascade.cascade._clock_kernels import S_EXTREME as S_EXTREME
    from liqcascade.cascade._clock_kernels import S_F as S_F
    from liqcascade.cascade._clock_kernels import S_FILLED as S_FILLED
    from liqcascade.cascade._clock_kernels import S_GAINS as S_GAINS
    from liqcascade.cascade._clock_kernels import S_LARGE as S_LARGE
    from liqcascade.cascade._clock_kernels import S_LEFT as S_LEFT
    from liqcascade.cascade._clock_kernels import S_LIQ as S_LIQ
    from liqcascade.cascade._clock_kernels import S_LQ as S_LQ
    from liqcascade.cascade._clock_kernels import S_NLIQ as S_NLIQ
    from liqcascade.cascade._clock_kernels import S_NSTOP as S_NSTOP
    from liqcascade.cascade._clock_kernels import S_OMEGA as S_OMEGA
    from liqcascade.cascade._clock_kernels import S_POS as S_POS
    from liqcascade.cascade._clock_kernels import S_PREV as S_PREV
    from liqcascade.cascade._clock_kernels import S_PRICE as S_PRICE
    from liqcascade.cascade._clock_kernels import S_Q as S_Q
    from liqcascade.cascade._clock_kernels import S_QQ as S_QQ
    from liqcascade.cascade._clock_kernels import S_STOP as S_STOP
    from liqcascade.cascade._clock_kernels import S_UNFILLED as S_UNFILLED
    from liqcascade.cascade._clock_kernels import book_position as book_position
    from liqcascade.cascade._clock_kernels import clock_span as clock_span
    from liqcascade.cascade._clock_kernels import effective_depth as effective_depth
    from liqcascade.cascade._clock_kernels import latent_weights as latent_weights
    from liqcascade.cascade._clock_kernels import time_passes as time_passes
    from liqcascade.cascade._engine import resolve_shock as resolve_shock
    from liqcascade.cascade._follow_through import RECORD_SETTINGS as RECORD_SETTINGS
    from liqcascade.cascade._follow_through import NoMarketDate as NoMarketDate
    from liqcascade.cascade._follow_through import asset_series as asset_series
    from liqcascade.cascade._insample import beta_assumed_text as beta_assumed_text
    from liqcascade.cascade._kernels import BLOCK as BLOCK
    from liqcascade.cascade._kernels import cascade_kernel as cascade_kernel
    from liqcascade.cascade._prepare import PreparedSide as PreparedSide
    from liqcascade.cascade._prices_only import run_prices_only_backtest as run_prices_only_backtest
    from liqcascade.cascade._request import market_times as market_times
    from liqcascade.cascade._scores import MIN_COMPARISON_EVENTS as MIN_COMPARISON_EVENTS
    from liqcascade.cascade._scores import scored_from as scored_from
    from liqcascade.cascade._walk import T_FILLED as T_FILLED
    from liqcascade.cascade._walk import T_QPOS as T_QPOS
    from liqcascade.cascade._walk import T_VWAP as T_VWAP
    from liqcascade.cascade._walk import shock_walk as shock_walk

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
    "CriticalHistoryCheck",
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
    "cascade_answer",
    "cascade_py",
    "check_shock",
    "critical_history_check",
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

__all__ += [
    "DEFAULT_SHOCKS",
    "FINE_STEP_S",
    "MIN_COMPARISON_EVENTS",
    "RECORD_SETTINGS",
    "NoMarketDate",
    "estimated_market_at",
    "fit_liquidity_document",
    "liquidity_document",
    "market_times",
    "market_volatility",
    "reached",
    "run_prices_only_backtest",
    "static_envelope",
    "trigger_text",
]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
# The names outside __all__ are shared internals (their numpydoc is not complete).
_LAZY: dict[str, tuple[str, str]] = {
    "BLOCK": ("_kernels", "BLOCK"),
    "C_INDEX": ("_clock_kernels", "C_INDEX"),
    "C_PRICE": ("_clock_kernels", "C_PRICE"),
    "DEFAULT_SHOCKS": ("_calibrated_fragility", "DEFAULT_SHOCKS"),
    "FINE_STEP_S": ("_clock", "FINE_STEP_S"),
    "LATENT_GRID": ("_backtest", "LATENT_GRID"),
    "MIN_COMPARISON_EVENTS": ("_scores", "MIN_COMPARISON_EVENTS"),
    "N_STATE": ("_clock_kernels", "N_STATE"),
    "NoMarketDate": ("_follow_through", "NoMarketDate"),
    "P_ARB": ("_clock_kernels", "P_ARB"),
    "P_RESIL": ("_clock_kernels", "P_RESIL"),
    "PreparedSide": ("_prepare", "PreparedSide"),
    "RECORD_SETTINGS": ("_follow_through", "RECORD_SETTINGS"),
    "S_ACTIVE": ("_clock_kernels", "S_ACTIVE"),
    "S_BAD": ("_clock_kernels", "S_BAD"),
    "S_E": ("_clock_kernels", "S_E"),
    "S_EXHAUSTED": ("_clock_kernels", "S_EXHAUSTED"),
    "S_EXTREME": ("_clock_kernels", "S_EXTREME"),
    "S_F": ("_clock_kernels", "S_F"),
    "S_FILLED": ("_clock_kernels", "S_FILLED"),
    "S_GAINS": ("_clock_kernels", "S_GAINS"),
    "S_LARGE": ("_clock_kernels", "S_LARGE"),
    "S_LEFT": ("_clock_kernels", "S_LEFT"),
    "S_LIQ": ("_clock_kernels", "S_LIQ"),
    "S_LQ": ("_clock_kernels", "S_LQ"),
    "S_NLIQ": ("_clock_kernels", "S_NLIQ"),
    "S_NSTOP": ("_clock_kernels", "S_NSTOP"),
    "S_OMEGA": ("_clock_kernels", "S_OMEGA"),
    "S_POS": ("_clock_kernels", "S_POS"),
    "S_PREV": ("_clock_kernels", "S_PREV"),
    "S_PRICE": ("_clock_kernels", "S_PRICE"),
    "S_Q": ("_clock_kernels", "S_Q"),
    "S_QQ": ("_clock_kernels", "S_QQ"),
    "S_STOP": ("_clock_kernels", "S_STOP"),
    "S_UNFILLED": ("_clock_kernels", "S_UNFILLED"),
    "T_FILLED": ("_walk", "T_FILLED"),
    "T_QPOS": ("_walk", "T_QPOS"),
    "T_VWAP": ("_walk", "T_VWAP"),
    "asset_series": ("_follow_through", "asset_series"),
    "book_position": ("_clock_kernels", "book_position"),
    "calibration_months": ("_calibrate", "calibration_months"),
    "beta_assumed_text": ("_insample", "beta_assumed_text"),
    "cascade_kernel": ("_kernels", "cascade_kernel"),
    "check_backtest_options": ("_backtest", "check_backtest_options"),
    "check_trigger": ("_backtest", "check_trigger"),
    "clock_span": ("_clock_kernels", "clock_span"),
    "covered_span": ("_backtest", "covered_span"),
    "critical_crossing": ("_calibrated_fragility", "_critical"),
    "default_grid": ("_clock", "default_grid"),
    "effective_depth": ("_clock_kernels", "effective_depth"),
    "estimated_market_at": ("_backtest", "estimated_market_at"),
    "fit_liquidity_document": ("_calibrate", "fit_liquidity_document"),
    "hourly_volatility": ("_backtest", "hourly_volatility"),
    "is_prior": ("_clock", "is_prior"),
    "latent_weights": ("_clock_kernels", "latent_weights"),
    "liquidity_document": ("_clock", "liquidity_document"),
    "market_times": ("_request", "market_times"),
    "move_verdicts": ("_backtest", "move_verdicts"),
    "resolve_shock": ("_engine", "resolve_shock"),
    "run_prices_only_backtest": ("_prices_only", "run_prices_only_backtest"),
    "scored_from": ("_scores", "scored_from"),
    "shock_walk": ("_walk", "shock_walk"),
    "static_envelope": ("_calibrated_fragility", "static_envelope"),
    "time_passes": ("_clock_kernels", "time_passes"),
    "trigger_text": ("_backtest", "trigger_text"),
    "volatility_at": ("_backtest", "volatility_at"),
    "market_volatility": ("_backtest", "market_volatility"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_backtest":
        from liqcascade.cascade import _backtest

        return getattr(_backtest, attr)
    if module == "_calibrate":
        from liqcascade.cascade import _calibrate

        return getattr(_calibrate, attr)
    if module == "_calibrated_fragility":
        from liqcascade.cascade import _calibrated_fragility

        return getattr(_calibrated_fragility, attr)
    if module == "_clock":
        from liqcascade.cascade import _clock

        return getattr(_clock, attr)
    if module == "_clock_kernels":
        from liqcascade.cascade import _clock_kernels

        return getattr(_clock_kernels, attr)
    if module == "_engine":
        from liqcascade.cascade import _engine

        return getattr(_engine, attr)
    if module == "_event_markets":
        from liqcascade.cascade import _event_markets

        return getattr(_event_markets, attr)
    if module == "_follow_through":
        from liqcascade.cascade import _follow_through

        return getattr(_follow_through, attr)
    if module == "_insample":
        from liqcascade.cascade import _insample

        return getattr(_insample, attr)
    if module == "_kernels":
        from liqcascade.cascade import _kernels

        return getattr(_kernels, attr)
    if module == "_prepare":
        from liqcascade.cascade import _prepare

        return getattr(_prepare, attr)
    if module == "_prices_only":
        from liqcascade.cascade import _prices_only

        return getattr(_prices_only, attr)
    if module == "_request":
        from liqcascade.cascade import _request

        return getattr(_request, attr)
    if module == "_scores":
        from liqcascade.cascade import _scores

        return getattr(_scores, attr)
    if module == "_walk":
        from liqcascade.cascade import _walk

        return getattr(_walk, attr)
    raise AttributeError(f"module 'liqcascade.cascade' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
