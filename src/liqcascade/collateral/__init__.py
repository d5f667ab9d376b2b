"""The collateral channel: tokenised and yield-bearing collateral in a cascade (issue 19).

- :mod:`._registry` — pricing methods (:data:`PRICING_METHODS`), tiered ratios and
  their calendar, per-asset frictions (:class:`CollateralAsset`).
- :mod:`._book` — the asset's own book, calibrated from its one-minute bars.
- :mod:`._loop` — unified-margin accounts and the loop on one clock
  (:func:`simulate_collateral`); kernels in :mod:`._kernels`, twin in :mod:`._reference`.
- :mod:`._config` — TOML configurations; presets in ``presets/`` (``oct-2025``).
- :mod:`._haircut` — the smallest haircut per asset for a given ETH shock.
- :func:`run_collateral` — ``liqcascade collateral``'s run of a configuration.
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.collateral._book import OwnBookFit, calibrate_own_book, own_book_out_of_sample
from liqcascade.collateral._config import ETH_BARS, Scenario, build_setup, load_config
from liqcascade.collateral._haircut import smallest_haircut
from liqcascade.collateral._loop import (
    Account,
    CollateralResult,
    CollateralSetup,
    VenueRules,
    eth_minute_path,
    eth_shock_path,
    low_text,
    simulate_collateral,
)
from liqcascade.collateral._presets import PRESETS, preset_config
from liqcascade.collateral._registry import (
    PRICING_METHODS,
    CollateralAsset,
    PricingMethod,
    RatioChange,
    TierSchedule,
    register_pricing,
    tiered_value,
)

if TYPE_CHECKING:
    from liqcascade.collateral._config import scenario_of as scenario_of
    from liqcascade.collateral._run import prepare as prepare
    from liqcascade.collateral._run import run_collateral as run_collateral

__all__ = [
    "ETH_BARS",
    "PRESETS",
    "PRICING_METHODS",
    "Account",
    "CollateralAsset",
    "CollateralResult",
    "CollateralSetup",
    "OwnBookFit",
    "PricingMethod",
    "RatioChange",
    "Scenario",
    "TierSchedule",
    "VenueRules",
    "build_setup",
    "calibrate_own_book",
    "eth_minute_path",
    "eth_shock_path",
    "load_config",
    "low_text",
    "own_book_out_of_sample",
    "preset_config",
    "register_pricing",
    "simulate_collateral",
    "smallest_haircut",
    "tiered_value",
]

__all__ += ["run_collateral"]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
# The names outside __all__ are shared internals (their numpydoc is not complete).
_LAZY: dict[str, tuple[str, str]] = {
    "prepare": ("_run", "prepare"),
    "run_collateral": ("_run", "run_collateral"),
    "scenario_of": ("_config", "scenario_of"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_config":
        from liqcascade.collateral import _config

        return getattr(_config, attr)
    if module == "_run":
        from liqcascade.collateral import _run

        return getattr(_run, attr)
    raise AttributeError(f"module 'liqcascade.collateral' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
