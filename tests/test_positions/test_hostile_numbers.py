"""Positions' public helpers under numbers outside their domain (api18).

``wilder_atr`` raised ZeroDivisionError for period 0, numpy's broadcast error for -1,
turned a NaN price into a NaN ATR from that bar on and a low above the high into a
negative ATR; ``liquidation_map`` kept every peak for a NaN ``min_prominence`` and
none for inf (NaN concentration figures).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, liquidation_map, wilder_atr

NAN, INF = math.nan, math.inf


def _bars(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    close = 3000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    idx = pd.date_range("2025-01-01", periods=n, freq="D", tz="UTC")
    return pd.DataFrame({"high": close * 1.01, "low": close * 0.99, "close": close}, index=idx)


@pytest.mark.parametrize("period", [0, -1, 2.5, True, "14"])
def test_wilder_atr_refuses_a_period_that_is_not_a_positive_count(period: object) -> None:
    with pytest.raises(InputError, match="period must be a whole number >= 1") as e:
        wilder_atr(_bars(), period)  # type: ignore[arg-type]
    assert e.value.param == "period"


@pytest.mark.parametrize(
    ("column", "value"),
    [("high", NAN), ("low", NAN), ("close", INF), ("close", 0.0), ("low", -1.0), ("low", 1e9)],
)
def test_wilder_atr_refuses_a_bar_that_is_not_a_price(column: str, value: float) -> None:
    bars = _bars()
    bars.iloc[5, bars.columns.get_loc(column)] = value
    with pytest.raises(InputError, match="bar 6: high, low and close must be finite") as e:
        wilder_atr(bars)
    assert e.value.param == "prices"


def test_wilder_atr_refuses_bars_out_of_time_order() -> None:
    with pytest.raises(InputError, match="time order") as e:
        wilder_atr(_bars().iloc[::-1])
    assert e.value.param == "prices"


def test_wilder_atr_on_valid_bars_is_positive_and_bounded_by_the_largest_range() -> None:
    bars = _bars()
    atr = wilder_atr(bars)
    tr_max = float((bars["high"] - bars["low"]).max() + bars["close"].diff().abs().max())
    assert atr.shape == (len(bars),)
    assert (atr > 0).all() and (atr <= tr_max).all()


@pytest.mark.parametrize("prominence", [NAN, INF, -0.1, 1.5])
def test_liquidation_map_refuses_a_prominence_outside_zero_one(prominence: float) -> None:
    side = np.array([1, -1])
    entry = np.array([3000.0, 3000.0])
    pos = PositionBook(side, [1.0, 1.0], entry, [300.0, 300.0], [2750.0, 3250.0], [2700.0, 3300.0])
    with pytest.raises(InputError, match="min_prominence must be") as e:
        liquidation_map(pos, None, 3000.0, min_prominence=prominence)
    assert e.value.param == "min_prominence"


@pytest.mark.parametrize("mask", [np.array([True, False, True]), np.array([0, 7]), np.array([0.5])])
def test_subset_refuses_a_mask_that_does_not_fit_the_book(mask: np.ndarray) -> None:
    # numpy's IndexError from inside subset before
    pos = PositionBook([1, -1], [1.0, 1.0], [3000.0, 3000.0], [300.0, 300.0],
                       [2750.0, 3250.0], [2700.0, 3300.0])  # fmt: skip
    with pytest.raises(InputError, match="mask must be") as e:
        pos.subset(mask)
    assert e.value.param == "mask"
    assert len(pos.subset(np.array([False, True]))) == 1
