"""Positions' public helpers under numbers outside their domain (api18).

``wilder_atr`` raised ZeroDivisionError for period 0, numpy's broadcast error for -1,
turned a NaN price into a NaN ATR from that bar on and a low above the high into a
negative ATR; ``liquidation_map`` kept every peak for a NaN ``min_prominence`` and
none for inf (NaN concentration figures).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook, herfindahl, liquidation_map, wilder_atr

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


# lib19: the book's liquidation prices, amounts past float range, herfindahl


def _book(**over: tuple[int, float]) -> dict[str, list[float]]:
    kw: dict[str, list[float]] = {
        "side": [1, -1], "size": [1.0, 1.0], "entry_price": [3000.0, 3000.0],
        "margin": [300.0, 300.0], "liq_price": [2750.0, 3250.0],
        "bankruptcy_price": [2700.0, 3300.0],
    }  # fmt: skip
    for name, (i, v) in over.items():
        kw[name][i] = v
    return kw


@pytest.mark.parametrize(
    ("index", "liq"),
    [(0, INF), (1, 0.0), (1, -1.0), (1, -INF)],
    ids=["long-inf", "short-zero", "short-negative", "short-minus-inf"],
)
def test_position_book_refuses_a_liquidation_price_hit_at_every_price(
    index: int, liq: float
) -> None:
    # a long at +inf (a short at <= 0) was taken as liquidated at every price
    bkr = {"bankruptcy_price": (index, INF if index == 0 else -INF)}
    with pytest.raises(InputError, match=rf"PositionBook.liq_price\[{index}\] must be < inf"):
        PositionBook(**_book(liq_price=(index, liq), **bkr))  # type: ignore[arg-type]


@pytest.mark.parametrize(("index", "liq"), [(0, 0.0), (0, -INF), (1, INF)])
def test_position_book_keeps_the_never_liquidated_conventions(index: int, liq: float) -> None:
    bkr = {"bankruptcy_price": (index, -INF if index == 0 else INF)}
    pos = PositionBook(**_book(liq_price=(index, liq), **bkr))  # type: ignore[arg-type]
    assert pos.liq_price[index] == liq


@pytest.mark.parametrize(
    ("over", "match"),
    [({"size": (0, 1e300)}, r"PositionBook.size\[0\] x entry_price\[0\] must be at most 1e\+15"),
     ({"entry_price": (1, 1e300)}, r"PositionBook.size\[1\] x entry_price\[1\] must be at most"),
     ({"margin": (1, 1e300)}, r"PositionBook.margin\[1\] must be at most 1e\+15 USD")],
)  # fmt: skip
def test_position_book_refuses_amounts_past_any_market(over: dict[str, Any], match: str) -> None:
    with pytest.raises(InputError, match=match):
        PositionBook(**_book(**over))  # type: ignore[arg-type]


@pytest.mark.parametrize("factor", [NAN, INF, 0.0, -2.0, 1e300, True, "2"])
def test_scaled_refuses_a_factor_that_is_not_finite_positive_or_overflows(factor: Any) -> None:
    pos = PositionBook(**_book())  # type: ignore[arg-type]
    with pytest.raises(InputError, match="factor") as e:
        pos.scaled(factor)
    assert e.value.param == "factor"
    doubled = pos.scaled(2.0)
    np.testing.assert_allclose(doubled.size, 2 * pos.size, rtol=1e-15)
    np.testing.assert_allclose(doubled.margin, 2 * pos.margin, rtol=1e-15)


def test_stop_book_refuses_a_stop_past_any_market() -> None:
    with pytest.raises(
        InputError, match=r"StopBook.size\[0\] x trigger\[0\] must be at most 1e\+15 USD"
    ):
        StopBook([1], [3000.0], [1e300])
    assert len(StopBook([1], [3000.0], [1e9])) == 1


@pytest.mark.parametrize(
    ("amounts", "match"),
    [([1.0, NAN], r"amounts\[1\] must be finite and >= 0"),
     ([1.0, INF], r"amounts\[1\] must be finite"),
     ([1.0, -1.0], r"amounts\[1\] must be finite and >= 0 \(got -1\)"),
     ([[1.0, 2.0]], "one-dimensional array of numbers"),
     (["1", "2"], "one-dimensional array of numbers"),
     ([1e308, 1e308], "amounts are too large")],
)  # fmt: skip
def test_herfindahl_refuses_amounts_that_are_not_finite_non_negative(
    amounts: Any, match: str
) -> None:
    # NaN gave NaN, -1 an index outside (0, 1], a total past float range 0.0
    with pytest.raises(InputError, match=match) as e:
        herfindahl(amounts)
    assert e.value.param == "amounts"


def test_herfindahl_of_valid_amounts_is_the_sum_of_squared_shares() -> None:
    assert herfindahl(np.array([1.0, 1.0, 1.0, 1.0])) == pytest.approx(0.25, rel=1e-12)
    assert herfindahl(np.array([0.0, 5.0])) == pytest.approx(1.0, rel=1e-12)
    assert math.isnan(herfindahl(np.zeros(3)))


@pytest.mark.parametrize("factor", [Decimal("2"), Fraction(2), np.float32(2.0)])
def test_scaled_takes_every_number_the_check_takes(factor: Any) -> None:
    # the check reads a Decimal as its float (a ledger's amounts), but the sizes were
    # multiplied by the Decimal itself: numpy raised TypeError
    pos = PositionBook(**_book())  # type: ignore[arg-type]
    doubled = pos.scaled(factor)
    assert doubled.size.dtype == np.float64
    np.testing.assert_allclose(doubled.size, 2 * pos.size, rtol=1e-12)
    np.testing.assert_allclose(doubled.margin, 2 * pos.margin, rtol=1e-12)
