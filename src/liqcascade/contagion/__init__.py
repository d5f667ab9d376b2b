"""Contagion: several perpetual venues and DeFi lending markets linked by arbitrage and oracles.

``simulate_contagion`` runs the single-venue cascade of :mod:`liqcascade.cascade`
on every venue, one round at a time — the static books' rounds, or with ``liquidity``
(the calibrated response) one 30-s step of its clock per round — and links the venues
by capacity-limited arbitrage and the lending markets by push oracles (deviation
threshold and heartbeat), with Aave v3.3 liquidation rules; liquidators sell the seized
collateral on a venue or a DEX pool. ``load_config`` reads the TOML format
(``docs/contagion.md``); ``oct_2025`` builds the 2025-10-10 crash preset and
``validate_oct_2025`` compares it with what the bundled data recorded.
"""

from liqcascade.contagion._arbitrage import ArbFlow, Link, cross_venues
from liqcascade.contagion._config import (
    ContagionSetup,
    build_setup,
    crash_beta,
    load_config,
    parse_config,
    snapshot_accounts,
)
from liqcascade.contagion._engine import simulate_contagion
from liqcascade.contagion._lending import LendingMarket, LendingState, Oracle
from liqcascade.contagion._presets import (
    PRESETS,
    load_preset,
    lowest_prices,
    oct_2025,
    recorded_first_shock,
    recorded_oct_2025,
    run_preset,
    validate_oct_2025,
)
from liqcascade.contagion._result import ContagionResult, VenueOutcome
from liqcascade.contagion._venue import Venue, VenueState

__all__ = [
    "PRESETS",
    "ArbFlow",
    "ContagionResult",
    "ContagionSetup",
    "LendingMarket",
    "LendingState",
    "Link",
    "Oracle",
    "Venue",
    "VenueOutcome",
    "VenueState",
    "build_setup",
    "crash_beta",
    "cross_venues",
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
]
