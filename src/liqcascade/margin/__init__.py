"""Exchange margin maths: tier tables, liquidation and bankruptcy prices, Aave v3.

Vectorised over arrays of positions (one entry per position):

- Binance USDⓈ-M isolated / single-position cross with tier re-evaluation
  (:func:`binance_liq_price`, numba kernel in ``_kernels.py``),
- Bybit isolated (:func:`bybit_liq_price`), Hyperliquid (:func:`hyperliquid_liq_price`),
- :func:`liq_price` dispatching on the venue registry :data:`VENUE_RULES`,
  :func:`leverage_refusal` (the one rule on which leverages can be opened),
  :func:`bankruptcy_price`, :func:`implied_margin` (the margin a stated liquidation
  price implies: the formulas inverted),
- tier tables as package data (:func:`load_tiers`, :func:`fetch_tiers_ccxt`) and the
  contract an asset's positions trade (:func:`contract_symbol`, :func:`asset_tiers`;
  the symbol rule both ways lives in ``liqcascade._symbols``, re-exported here),
- Aave v3 health factor and liquidation (``_aave.py``).
"""

from liqcascade._symbols import contract_symbol
from liqcascade.margin._aave import (
    CLOSE_FACTOR_HF_THRESHOLD,
    DEFAULT_LIQUIDATION_CLOSE_FACTOR,
    MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD,
    MIN_LEFTOVER_BASE,
    AaveLiquidation,
    AaveReserve,
    aave_bonus_range_refusal,
    aave_bonus_refusal,
    aave_liquidation,
    aave_liquidation_price,
    aave_reserve,
    health_factor,
)
from liqcascade.margin._binance import binance_cross_liq_price, binance_liq_price
from liqcascade.margin._bybit import BYBIT_DEFAULT_MMR, bybit_liq_price
from liqcascade.margin._dispatch import (
    BYBIT_MAX_LEVERAGE,
    MIN_LEVERAGE,
    VENUE_RULES,
    VENUES,
    VenueRules,
    below_min_leverage,
    leverage_refusal,
    liq_price,
    max_leverage_for,
    register_venue,
    venue_rules,
)
from liqcascade.margin._hyperliquid import (
    HYPERLIQUID_MAX_LEVERAGE,
    hyperliquid_asset,
    hyperliquid_liq_price,
    hyperliquid_max_leverage,
)
from liqcascade.margin._implied import implied_margin, implied_margin_reference
from liqcascade.margin._inputs import (
    AGREE_TOLERANCE,
    as_side,
    bankruptcy_price,
    margin_disagreement,
    margin_from_leverage,
)
from liqcascade.margin._result import RESULT_KEYS, LiqResult
from liqcascade.margin._tiers import (
    FALLBACK_TIERS,
    TierTable,
    asset_tiers,
    fetch_tiers_ccxt,
    load_tiers,
    max_leverage,
    packaged_symbols,
    symbol_tiers,
    tiers_caveat,
)

__all__ = [
    "AGREE_TOLERANCE",
    "BYBIT_DEFAULT_MMR",
    "BYBIT_MAX_LEVERAGE",
    "CLOSE_FACTOR_HF_THRESHOLD",
    "DEFAULT_LIQUIDATION_CLOSE_FACTOR",
    "FALLBACK_TIERS",
    "HYPERLIQUID_MAX_LEVERAGE",
    "MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD",
    "MIN_LEFTOVER_BASE",
    "MIN_LEVERAGE",
    "RESULT_KEYS",
    "VENUES",
    "VENUE_RULES",
    "AaveLiquidation",
    "AaveReserve",
    "LiqResult",
    "TierTable",
    "VenueRules",
    "aave_bonus_range_refusal",
    "aave_bonus_refusal",
    "aave_liquidation",
    "aave_liquidation_price",
    "aave_reserve",
    "as_side",
    "asset_tiers",
    "bankruptcy_price",
    "below_min_leverage",
    "binance_cross_liq_price",
    "binance_liq_price",
    "bybit_liq_price",
    "contract_symbol",
    "fetch_tiers_ccxt",
    "health_factor",
    "hyperliquid_asset",
    "hyperliquid_liq_price",
    "hyperliquid_max_leverage",
    "implied_margin",
    "implied_margin_reference",
    "leverage_refusal",
    "liq_price",
    "load_tiers",
    "margin_disagreement",
    "margin_from_leverage",
    "max_leverage",
    "max_leverage_for",
    "packaged_symbols",
    "register_venue",
    "symbol_tiers",
    "tiers_caveat",
    "venue_rules",
]
