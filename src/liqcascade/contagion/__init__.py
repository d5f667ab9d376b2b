"""Contagion: several perpetual venues and DeFi lending markets linked by arbitrage and oracles.

``simulate_contagion`` runs the single-venue cascade of :mod:`liqcascade.cascade`
on every venue, one round at a time — the static books' rounds, or with ``liquidity``
(the calibrated response) one 30-s step of its clock per round — and links the venues
by capacity-limited arbitrage and the lending markets by push oracles (deviation
threshold and heartbeat), with Aave v3.3 liquidation rules; liquidators sell the seized
collateral on a venue or a DEX pool. ``load_config`` reads the TOML format
(``docs/contagion.md``); ``oct_2025`` builds the 2025-10-10 crash preset and
``validate_oct_2025`` compares it with what the bundled data recorded.

``liquidate_at_price`` holds a lending market at one collateral price;
``lending_over_the_day`` holds each at the calibrated cascade's 24-hour move;
``crash_hour_moves`` gives every bundled venue's and asset's fall in the crash hour.
``run_setup`` runs a built setup under its liquidity model; ``PRESETS_DIR`` and
``RECORDED_SHOCK_SOURCE`` name where the presets and the recorded first shock come from;
``BTC_COLLATERAL`` the lending collateral whose beta is the BTC/ETH one;
``snapshot_accounts`` the bundled Aave snapshot's accounts, every debt priced
(``AaveAccounts``).
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.contagion._arbitrage import ArbFlow, Link, cross_venues
from liqcascade.contagion._config import (
    BTC_COLLATERAL,
    ContagionSetup,
    build_setup,
    crash_beta,
    load_config,
    parse_config,
)
from liqcascade.contagion._day import lending_over_the_day
from liqcascade.contagion._engine import simulate_contagion
from liqcascade.contagion._lending import LendingMarket, LendingState, Oracle, liquidate_at_price
from liqcascade.contagion._presets import (
    PRESETS,
    VALIDATION_KEYS,
    ValidationKey,
    crash_hour_moves,
    load_preset,
    lowest_prices,
    oct_2025,
    recorded_first_shock,
    recorded_oct_2025,
    run_preset,
    validate_oct_2025,
    validation_row,
)
from liqcascade.contagion._result import ContagionResult, VenueOutcome
from liqcascade.contagion._snapshot import AaveAccounts, snapshot_accounts
from liqcascade.contagion._venue import Venue, VenueState

if TYPE_CHECKING:
    from liqcascade.contagion._liquidity import run_setup as run_setup
    from liqcascade.contagion._presets import PRESETS_DIR as PRESETS_DIR
    from liqcascade.contagion._presets import RECORDED_SHOCK_SOURCE as RECORDED_SHOCK_SOURCE

__all__ = [
    "BTC_COLLATERAL",
    "PRESETS",
    "VALIDATION_KEYS",
    "AaveAccounts",
    "ArbFlow",
    "ContagionResult",
    "ContagionSetup",
    "LendingMarket",
    "LendingState",
    "Link",
    "Oracle",
    "ValidationKey",
    "Venue",
    "VenueOutcome",
    "VenueState",
    "build_setup",
    "crash_beta",
    "crash_hour_moves",
    "cross_venues",
    "lending_over_the_day",
    "liquidate_at_price",
    "load_config",
    "load_preset",
    "lowest_prices",
    "oct_2025",
    "parse_config",
    "recorded_first_shock",
    "recorded_oct_2025",
    "run_preset",
    "simulate_contagion",
    "snapshot_accounts",
    "validate_oct_2025",
    "validation_row",
]

__all__ += ["PRESETS_DIR", "RECORDED_SHOCK_SOURCE", "run_setup"]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
_LAZY: dict[str, tuple[str, str]] = {
    "PRESETS_DIR": ("_presets", "PRESETS_DIR"),
    "RECORDED_SHOCK_SOURCE": ("_presets", "RECORDED_SHOCK_SOURCE"),
    "run_setup": ("_liquidity", "run_setup"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_liquidity":
        from liqcascade.contagion import _liquidity

        return getattr(_liquidity, attr)
    if module == "_presets":
        from liqcascade.contagion import _presets

        return getattr(_presets, attr)
    raise AttributeError(f"module 'liqcascade.contagion' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
