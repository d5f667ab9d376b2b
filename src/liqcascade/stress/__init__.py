"""Stress tests: shocks, historical replays and Monte Carlo with the cascade at every step.

A portfolio of perpetual positions (ETH, BTC) and the estimated ETH market are run
through a scenario; the market's liquidations move price further (the cascade) and,
in Monte Carlo, feed the next step's volatility. Outputs: VaR and ES at 95 and 99 %,
each position's probability of liquidation or stop, expected loss, the distribution
of market-wide liquidations and of the post-cascade price. Paths run locally (numba,
all cores) or on Dask, identically for the same seed.

``run_stress_request`` (:data:`MONTE_CARLO_DEFAULTS`) runs ``liqcascade stress``'s
request; ``same_loss`` compares two losses; ``SAMPLE_POSITIONS`` is the sample portfolio.
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.stress._market import StressBook, stress_book
from liqcascade.stress._model import METHODS, AssetModel, JointModel, fit_joint_model
from liqcascade.stress._portfolio import (
    ASSETS,
    Portfolio,
    PortfolioOutcome,
    evaluate_portfolio,
    read_portfolio,
    sample_portfolio,
    sample_portfolio_for,
)
from liqcascade.stress._result import (
    FailedScenario,
    StressResult,
    es_interval,
    expected_shortfall,
    quantile_interval,
    tail_bound,
    value_at_risk,
)
from liqcascade.stress._runner import BACKENDS, CHUNK_PATHS, PathSet, PathSpec, run_paths
from liqcascade.stress._scenarios import (
    DEFAULT_SHOCKS,
    SCENARIOS,
    WINDOWS,
    CrashWindow,
    StressMarket,
    monte_carlo,
    replay,
    replay_bars,
    run_batch,
    shock_grid,
    stress_market,
)
from liqcascade.stress._var_backtest import (
    BASELINES,
    DRIFTS,
    KUPIEC_ALPHA,
    METHOD_NAMES,
    MIN_EXPECTED_EXCEEDANCES,
    MIN_SCORE_WINDOWS,
    PINBALL_RESAMPLES,
    VarBacktest,
    christoffersen,
    kupiec,
    kupiec_coverage,
    pinball,
    var_backtest,
)

if TYPE_CHECKING:
    from liqcascade.stress._backtest_request import BACKTEST_DEFAULTS as BACKTEST_DEFAULTS
    from liqcascade.stress._backtest_request import VarBacktestRun as VarBacktestRun
    from liqcascade.stress._backtest_request import (
        run_var_backtest_request as run_var_backtest_request,
    )
    from liqcascade.stress._portfolio import SAMPLE_POSITIONS as SAMPLE_POSITIONS
    from liqcascade.stress._portfolio_backtest import nets_to_zero as nets_to_zero
    from liqcascade.stress._request import MONTE_CARLO_DEFAULTS as MONTE_CARLO_DEFAULTS
    from liqcascade.stress._request import run_stress_request as run_stress_request
    from liqcascade.stress._result import same_loss as same_loss

__all__ = [
    "ASSETS",
    "BACKENDS",
    "BASELINES",
    "CHUNK_PATHS",
    "DEFAULT_SHOCKS",
    "DRIFTS",
    "KUPIEC_ALPHA",
    "METHODS",
    "METHOD_NAMES",
    "MIN_EXPECTED_EXCEEDANCES",
    "MIN_SCORE_WINDOWS",
    "PINBALL_RESAMPLES",
    "SCENARIOS",
    "WINDOWS",
    "AssetModel",
    "CrashWindow",
    "FailedScenario",
    "JointModel",
    "PathSet",
    "PathSpec",
    "Portfolio",
    "PortfolioOutcome",
    "StressBook",
    "StressMarket",
    "StressResult",
    "VarBacktest",
    "christoffersen",
    "es_interval",
    "evaluate_portfolio",
    "expected_shortfall",
    "fit_joint_model",
    "kupiec",
    "kupiec_coverage",
    "monte_carlo",
    "pinball",
    "quantile_interval",
    "read_portfolio",
    "replay",
    "replay_bars",
    "run_batch",
    "run_paths",
    "sample_portfolio",
    "sample_portfolio_for",
    "shock_grid",
    "stress_book",
    "stress_market",
    "tail_bound",
    "value_at_risk",
    "var_backtest",
]

__all__ += ["MONTE_CARLO_DEFAULTS", "SAMPLE_POSITIONS", "run_stress_request", "same_loss"]
__all__ += ["BACKTEST_DEFAULTS", "VarBacktestRun", "run_var_backtest_request"]
__all__ += ["nets_to_zero"]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
_LAZY: dict[str, tuple[str, str]] = {
    "BACKTEST_DEFAULTS": ("_backtest_request", "BACKTEST_DEFAULTS"),
    "VarBacktestRun": ("_backtest_request", "VarBacktestRun"),
    "run_var_backtest_request": ("_backtest_request", "run_var_backtest_request"),
    "MONTE_CARLO_DEFAULTS": ("_request", "MONTE_CARLO_DEFAULTS"),
    "SAMPLE_POSITIONS": ("_portfolio", "SAMPLE_POSITIONS"),
    "nets_to_zero": ("_portfolio_backtest", "nets_to_zero"),
    "run_stress_request": ("_request", "run_stress_request"),
    "same_loss": ("_result", "same_loss"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_backtest_request":
        from liqcascade.stress import _backtest_request

        return getattr(_backtest_request, attr)
    if module == "_portfolio":
        from liqcascade.stress import _portfolio

        return getattr(_portfolio, attr)
    if module == "_portfolio_backtest":
        from liqcascade.stress import _portfolio_backtest

        return getattr(_portfolio_backtest, attr)
    if module == "_request":
        from liqcascade.stress import _request

        return getattr(_request, attr)
    if module == "_result":
        from liqcascade.stress import _result

        return getattr(_result, attr)
    raise AttributeError(f"module 'liqcascade.stress' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
