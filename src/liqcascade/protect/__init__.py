"""Protecting positions: stop placement away from the crowd, stop-policy backtests,
transparency metrics (leverage, stop density, concentration, distance to cascade).

Not in ``__all__``, shared by the command line and the report: ``vol_capped_text``,
``STOP_CHOICE_RULE``, ``crowd_side_text``, ``crowd_side_words``, ``slippage_text``,
``check_stop``, ``stop_zones``.
"""  # noqa: D205

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade.protect._position import (
    VENUE_NAMES,
    RecommendSettings,
    check_position,
    check_venue,
    liquidation_price,
)

if TYPE_CHECKING:
    from liqcascade.protect._backtest import MAX_HORIZON_DAYS as MAX_HORIZON_DAYS
    from liqcascade.protect._backtest import POLICIES as POLICIES
    from liqcascade.protect._backtest import BacktestSettings as BacktestSettings
    from liqcascade.protect._backtest import FillModel as FillModel
    from liqcascade.protect._backtest import StopBacktest as StopBacktest
    from liqcascade.protect._backtest import backtest_stops as backtest_stops
    from liqcascade.protect._backtest import declutter_levels as declutter_levels
    from liqcascade.protect._backtest import depth_series as depth_series
    from liqcascade.protect._backtest import fixed_distance as fixed_distance
    from liqcascade.protect._backtest import last_entry_day as last_entry_day
    from liqcascade.protect._backtest import max_drawdown as max_drawdown
    from liqcascade.protect._backtest import policy_stops as policy_stops
    from liqcascade.protect._backtest import vol_capped_text as vol_capped_text
    from liqcascade.protect._backtest import wilson_interval as wilson_interval
    from liqcascade.protect._recommend import STOP_CHOICE_RULE as STOP_CHOICE_RULE
    from liqcascade.protect._recommend import StopRecommendation as StopRecommendation
    from liqcascade.protect._recommend import check_stop as check_stop
    from liqcascade.protect._recommend import crowd_side_text as crowd_side_text
    from liqcascade.protect._recommend import crowd_side_words as crowd_side_words
    from liqcascade.protect._recommend import expected_slippage as expected_slippage
    from liqcascade.protect._recommend import hyperliquid_tick as hyperliquid_tick
    from liqcascade.protect._recommend import price_tick as price_tick
    from liqcascade.protect._recommend import recommend_stop as recommend_stop
    from liqcascade.protect._recommend import round_step as round_step
    from liqcascade.protect._recommend import slippage_text as slippage_text
    from liqcascade.protect._recommend import stop_zones as stop_zones
    from liqcascade.protect._recommend import vol_distance as vol_distance
    from liqcascade.protect._recommend import vol_estimate as vol_estimate
    from liqcascade.protect._stop_odds import STOP_OUT_MODEL as STOP_OUT_MODEL
    from liqcascade.protect._stop_odds import distance_given_up as distance_given_up
    from liqcascade.protect._stop_odds import stop_out_chance as stop_out_chance
    from liqcascade.protect._transparency import METRICS as METRICS
    from liqcascade.protect._transparency import TransparencyMetrics as TransparencyMetrics
    from liqcascade.protect._transparency import early_warning as early_warning
    from liqcascade.protect._transparency import spearman as spearman
    from liqcascade.protect._transparency import top_decile_precision as top_decile_precision
    from liqcascade.protect._transparency import transparency_metrics as transparency_metrics
    from liqcascade.protect._verdict import POLICY_VERDICTS as POLICY_VERDICTS
    from liqcascade.protect._verdict import PolicyDifference as PolicyDifference
    from liqcascade.protect._verdict import compare_policies as compare_policies
    from liqcascade.protect._verdict import compare_text as compare_text
    from liqcascade.protect._verdict import declustering_backtest as declustering_backtest
    from liqcascade.protect._verdict import declustering_verdict as declustering_verdict
    from liqcascade.protect._verdict import difference_verdict as difference_verdict
    from liqcascade.protect._verdict import move_reach as move_reach
    from liqcascade.protect._verdict import paired_entries as paired_entries
    from liqcascade.protect._verdict import policy_means as policy_means

# What checks a recommendation's position and settings (_position) loads at once: no
# market, no cascade engine, so that `stops recommend` refuses a bad --side in about a
# second; the rest (the market, the cascade engine, pandas, plotly) loads on first use.
_LAZY: dict[str, tuple[str, str]] = {
    "BacktestSettings": ("_backtest", "BacktestSettings"),
    "FillModel": ("_backtest", "FillModel"),
    "MAX_HORIZON_DAYS": ("_backtest", "MAX_HORIZON_DAYS"),
    "METRICS": ("_transparency", "METRICS"),
    "POLICIES": ("_backtest", "POLICIES"),
    "POLICY_VERDICTS": ("_verdict", "POLICY_VERDICTS"),
    "PolicyDifference": ("_verdict", "PolicyDifference"),
    "STOP_CHOICE_RULE": ("_recommend", "STOP_CHOICE_RULE"),
    "STOP_OUT_MODEL": ("_stop_odds", "STOP_OUT_MODEL"),
    "StopBacktest": ("_backtest", "StopBacktest"),
    "StopRecommendation": ("_recommend", "StopRecommendation"),
    "TransparencyMetrics": ("_transparency", "TransparencyMetrics"),
    "backtest_stops": ("_backtest", "backtest_stops"),
    "check_stop": ("_recommend", "check_stop"),
    "stop_zones": ("_recommend", "stop_zones"),
    "compare_policies": ("_verdict", "compare_policies"),
    "compare_text": ("_verdict", "compare_text"),
    "crowd_side_text": ("_recommend", "crowd_side_text"),
    "crowd_side_words": ("_recommend", "crowd_side_words"),
    "declustering_backtest": ("_verdict", "declustering_backtest"),
    "move_reach": ("_verdict", "move_reach"),
    "declustering_verdict": ("_verdict", "declustering_verdict"),
    "declutter_levels": ("_backtest", "declutter_levels"),
    "depth_series": ("_backtest", "depth_series"),
    "difference_verdict": ("_verdict", "difference_verdict"),
    "distance_given_up": ("_stop_odds", "distance_given_up"),
    "early_warning": ("_transparency", "early_warning"),
    "expected_slippage": ("_recommend", "expected_slippage"),
    "fixed_distance": ("_backtest", "fixed_distance"),
    "last_entry_day": ("_backtest", "last_entry_day"),
    "max_drawdown": ("_backtest", "max_drawdown"),
    "paired_entries": ("_verdict", "paired_entries"),
    "policy_means": ("_verdict", "policy_means"),
    "policy_stops": ("_backtest", "policy_stops"),
    "hyperliquid_tick": ("_recommend", "hyperliquid_tick"),
    "price_tick": ("_recommend", "price_tick"),
    "recommend_stop": ("_recommend", "recommend_stop"),
    "round_step": ("_recommend", "round_step"),
    "slippage_text": ("_recommend", "slippage_text"),
    "spearman": ("_transparency", "spearman"),
    "stop_out_chance": ("_stop_odds", "stop_out_chance"),
    "top_decile_precision": ("_transparency", "top_decile_precision"),
    "transparency_metrics": ("_transparency", "transparency_metrics"),
    "vol_capped_text": ("_backtest", "vol_capped_text"),
    "vol_distance": ("_recommend", "vol_distance"),
    "vol_estimate": ("_recommend", "vol_estimate"),
    "wilson_interval": ("_backtest", "wilson_interval"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_backtest":
        from liqcascade.protect import _backtest

        return getattr(_backtest, attr)
    if module == "_recommend":
        from liqcascade.protect import _recommend

        return getattr(_recommend, attr)
    if module == "_stop_odds":
        from liqcascade.protect import _stop_odds

        return getattr(_stop_odds, attr)
    if module == "_transparency":
        from liqcascade.protect import _transparency

        return getattr(_transparency, attr)
    if module == "_verdict":
        from liqcascade.protect import _verdict

        return getattr(_verdict, attr)
    raise AttributeError(f"module 'liqcascade.protect' has no attribute {name!r}")


__dir__ = _exports.package_dir(globals())

__all__ = [
    "MAX_HORIZON_DAYS",
    "METRICS",
    "POLICIES",
    "POLICY_VERDICTS",
    "STOP_OUT_MODEL",
    "VENUE_NAMES",
    "BacktestSettings",
    "FillModel",
    "PolicyDifference",
    "RecommendSettings",
    "StopBacktest",
    "StopRecommendation",
    "TransparencyMetrics",
    "backtest_stops",
    "check_position",
    "check_venue",
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
    "hyperliquid_tick",
    "last_entry_day",
    "liquidation_price",
    "max_drawdown",
    "move_reach",
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
