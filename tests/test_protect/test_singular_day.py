"""A one-day horizon reads "1 day" in the stop's volatility line."""

from __future__ import annotations

from liqcascade.protect import RecommendSettings, vol_distance


def test_one_day_horizon_is_singular() -> None:
    _, how = vol_distance("ETH", "2025-07-31", RecommendSettings(horizon_days=1))
    assert how.endswith(" over 1 day") and "1 days" not in how
    _, how = vol_distance("ETH", "2025-07-31", RecommendSettings(horizon_days=1, vol_source="atr"))
    assert how.endswith("of price per day × √1 day")
    _, how = vol_distance("ETH", "2025-07-31", RecommendSettings(horizon_days=5))
    assert how.endswith(" over 5 days")
