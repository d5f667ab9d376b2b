"""Protecting positions: stop placement away from the crowd, stop-policy backtests,
transparency metrics (leverage, stop density, concentration, distance to cascade).
"""  # noqa: D205

from liqcascade.protect._backtest import (
    MAX_HORIZON_DAYS,
    POLICIES,
    BacktestSettings,
    FillModel,
    StopBacktest,
    backtest_stops,
    declutter_levels,
    depth_series,
    fixed_distance,
    last_entry_day,
    max_drawdown,
    policy_stops,
    wilson_interval,
)
from liqcascade.protect._backtest import (
    vol_capped_text as vol_capped_text,  # the command line's warning: shared, not in __all__
)
from liqcascade.protect._recommend import (
    STOP_CHOICE_RULE as STOP_CHOICE_RULE,  # the choice's words: docs and text, not in __all__
)
from liqcascade.protect._recommend import (
    RecommendSettings,
    StopRecommendation,
    check_position,
    expected_slippage,
    liquidation_price,
    price_tick,
    recommend_stop,
    round_step,
    vol_distance,
    vol_estimate,
)
from liqcascade.protect._recommend import (
    crowd_side_text as crowd_side_text,  # the rationale's and report's words: not in __all__
)
from liqcascade.protect._recommend import (
    crowd_side_words as crowd_side_words,  # the same words from a side: not in __all__
)
from liqcascade.protect._recommend import (
    slippage_text as slippage_text,  # the command line's and report's text: not in __all__
)
from liqcascade.protect._stop_odds import STOP_OUT_MODEL, distance_given_up, stop_out_chance
from liqcascade.protect._transparency import (
    METRICS,
    TransparencyMetrics,
    early_warning,
    spearman,
    top_decile_precision,
    transparency_metrics,
)
from liqcascade.protect._verdict import (
    POLICY_VERDICTS,
    PolicyDifference,
    compare_policies,
    compare_text,
    declustering_backtest,
    declustering_verdict,
    difference_verdict,
    paired_entries,
    policy_means,
)

__all__ = [
    "MAX_HORIZON_DAYS",
    "METRICS",
    "POLICIES",
    "POLICY_VERDICTS",
    "STOP_OUT_MODEL",
    "BacktestSettings",
    "FillModel",
    "PolicyDifference",
    "RecommendSettings",
    "StopBacktest",
    "StopRecommendation",
    "TransparencyMetrics",
    "backtest_stops",
    "check_position",
    "compare_policies",
    "compare_text",
    "declustering_backtest",
    "declustering_verdict",
    "declutter_levels",
    "depth_series",
    "difference_verdict",
    "distance_given_up",
    "early_warning",
    "expected_slippage",
    "fixed_distance",
    "last_entry_day",
    "liquidation_price",
    "max_drawdown",
    "paired_entries",
    "policy_means",
    "policy_stops",
    "price_tick",
    "recommend_stop",
    "round_step",
    "spearman",
    "stop_out_chance",
    "top_decile_precision",
    "transparency_metrics",
    "vol_distance",
    "vol_estimate",
    "wilson_interval",
]
