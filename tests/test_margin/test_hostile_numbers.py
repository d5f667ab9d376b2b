"""Margin functions under numbers outside their domain (api18).

A NaN, infinite or negative notional came back as a plausible max leverage (Binance
NaN -> 1x, negative -> 125x; Bybit and Hyperliquid passed any leverage for a NaN
notional), and ``margin_from_leverage`` turned a NaN or negative size into a NaN or
negative margin. Each now raises InputError naming the parameter.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.margin import (
    VENUES,
    leverage_refusal,
    load_tiers,
    margin_from_leverage,
    max_leverage,
    max_leverage_for,
)

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize("notional", [NAN, INF, -INF, -1.0, [1000.0, NAN]])
def test_max_leverage_for_refuses_a_notional_that_is_not_finite_and_non_negative(
    venue: str, notional: object
) -> None:
    with pytest.raises(InputError, match=r"notional(\[1\])? must be a finite number >= 0") as e:
        max_leverage_for(venue, "ETHUSDT", notional)
    assert e.value.param == "notional"


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize("notional", [NAN, INF, -1.0])
def test_leverage_refusal_refuses_a_notional_that_is_not_finite_and_non_negative(
    venue: str, notional: float
) -> None:
    with pytest.raises(InputError, match="notional must be a finite number >= 0") as e:
        leverage_refusal(venue, "ETHUSDT", 10.0, notional)
    assert e.value.param == "notional"


def test_leverage_refusal_still_skips_a_nan_leverage() -> None:
    # documented: a NaN leverage is "no leverage given" (a positions file's margin column)
    assert leverage_refusal("binance", "ETHUSDT", [NAN, 10.0], [1000.0, 1000.0]) is None


@pytest.mark.parametrize("notional", [NAN, INF, -1.0])
def test_max_leverage_refuses_a_notional_that_is_not_finite_and_non_negative(
    notional: float,
) -> None:
    with pytest.raises(InputError, match="notional must be a finite number >= 0") as e:
        max_leverage(notional)
    assert e.value.param == "notional"


def test_tier_table_lookups_refuse_nan_and_keep_their_clamps() -> None:
    t = load_tiers("ETHUSDT")
    for call in (t.tier_index, t.max_leverage_at, t.maintenance_margin):
        with pytest.raises(InputError, match=r"notional\[1\] must be a number") as e:
            call(np.array([1000.0, NAN]))
        assert e.value.param == "notional"
    # the documented clamps: below 0 -> tier 0, past the last cap -> last tier (0x)
    np.testing.assert_array_equal(t.tier_index([-1.0, INF]), [0, len(t) - 1])
    np.testing.assert_array_equal(t.max_leverage_at([INF]), [0.0])


@pytest.mark.parametrize(
    ("size", "entry", "param"),
    [
        (NAN, 3000.0, "size"),
        (-1.0, 3000.0, "size"),
        (0.0, 3000.0, "size"),
        (1.0, INF, "entry_price"),
        (1.0, -3000.0, "entry_price"),
        ([1.0, NAN], 3000.0, "size"),
    ],
)
def test_margin_from_leverage_refuses_a_size_or_price_not_above_zero(
    size: object, entry: float, param: str
) -> None:
    with pytest.raises(InputError, match=rf"{param}(\[1\])? must be") as e:
        margin_from_leverage(size, entry, 10.0)
    assert e.value.param == param


def test_margin_from_leverage_is_notional_over_leverage() -> None:
    got = margin_from_leverage([1.0, 2.0], [3000.0, 1500.0], [10.0, 20.0])
    np.testing.assert_allclose(got, [300.0, 150.0], rtol=1e-12)


@pytest.mark.parametrize(("kw", "param"), [
    ({"liq_threshold": 83.0}, "liq_threshold"),
    ({"liquidation_protocol_fee": 10.0}, "liquidation_protocol_fee"),
    ({"health_factor": NAN}, "health_factor"),
    ({"health_factor": -1.0}, "health_factor"),
])  # fmt: skip
def test_aave_liquidation_refuses_a_percent_for_a_fraction_and_a_nan_health_factor(
    kw: dict[str, float], param: str
) -> None:
    # LT 83 (a percent) made every account safe, a fee share of 10 paid the treasury ten
    # times the bonus, a NaN health factor read as "not liquidatable"
    from liqcascade.margin import aave_liquidation

    args = {"liq_threshold": 0.83, **kw}
    lt = args.pop("liq_threshold")
    with pytest.raises(InputError) as e:
        aave_liquidation(10.0, 2000.0, 17_000.0, 1.0, lt, 1.05, **args)
    assert e.value.param == param


def test_health_factor_refuses_a_threshold_above_one() -> None:
    from liqcascade.margin import aave_liquidation_price, health_factor

    with pytest.raises(
        InputError, match=r"liq_thresholds\[0\] must be finite and >= 0 and <= 1"
    ) as e:
        health_factor([10.0], [2000.0], [83.0], [17_000.0], [1.0])
    assert e.value.param == "liq_thresholds"
    with pytest.raises(InputError) as e:
        aave_liquidation_price(10.0, 83.0, 17_000.0)
    assert e.value.param == "liq_threshold"
