"""The collateral channel: tokenised and yield-bearing collateral in a cascade (issue 19).

- :mod:`._registry` — pricing methods (:data:`PRICING_METHODS`), tiered ratios and
  their calendar, per-asset frictions (:class:`CollateralAsset`).
- :mod:`._book` — the asset's own book, calibrated from its one-minute bars.
- :mod:`._loop` — unified-margin accounts and the loop on one clock
  (:func:`simulate_collateral`); kernels in :mod:`._kernels`, twin in :mod:`._reference`.
- :mod:`._config` — TOML configurations; presets in ``presets/`` (``oct-2025``).
- :mod:`._haircut` — the smallest haircut per asset for a given ETH shock.
"""

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
    "own_book_out_of_sample",
    "preset_config",
    "register_pricing",
    "simulate_collateral",
    "smallest_haircut",
    "tiered_value",
]
