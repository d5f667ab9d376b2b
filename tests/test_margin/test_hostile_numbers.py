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
    aave_liquidation,
    aave_liquidation_price,
    bankruptcy_price,
    leverage_refusal,
    liq_price,
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


# checks20: amounts past any market (1e15 USD, _limits.MAX_USD) ----------------------------
@pytest.mark.parametrize(
    ("call", "message", "params"),
    [(lambda: liq_price("binance", 1, 1e300, 2000.0, 100.0),
      "size x entry_price must be at most 1e+15 USD (got 2e+303)", ("size", "entry_price")),
     (lambda: liq_price("bybit", [1, 1], [1.0, 1.0], [2000.0, 1e300], 100.0),
      "size[1] x entry_price[1] must be at most 1e+15 USD (got 1e+300)", ("size", "entry_price")),
     (lambda: liq_price("hyperliquid", 1, 1.0, 2000.0, 1e300),
      "margin must be at most 1e+15 USD (got 1e+300)", ("margin",)),
     (lambda: bankruptcy_price(-1, 1.0, 2000.0, [10.0, 1e300]),
      "margin[1] must be at most 1e+15 USD (got 1e+300)", ("margin",)),
     (lambda: margin_from_leverage(1e300, 2000.0, 10.0),
      "size x entry_price must be at most 1e+15 USD (got 2e+303)", ("size", "entry_price")),
     (lambda: max_leverage(1e300),
      "notional must be at most 1e+15 USD (got 1e+300)", ("notional",)),
     (lambda: max_leverage_for("binance", "ETHUSDT", [1e3, 1e300]),
      "notional[1] must be at most 1e+15 USD (got 1e+300)", ("notional",)),
     (lambda: leverage_refusal("binance", "ETHUSDT", 10.0, 1e300),
      "notional must be at most 1e+15 USD (got 1e+300)", ("notional",)),
     (lambda: aave_liquidation_price(10.0, 0.8, 1e300),
      "debt_usd must be finite and >= 0 and <= 1e+15 (got 1e+300)", ("debt_usd",)),
     (lambda: aave_liquidation(10.0, 2000.0, 1e300, 1.0, 0.83, 1.05),
      "debt_amount x debt_price must be at most 1e+15 USD (got 1e+300)",
      ("debt_amount", "debt_price")),
     (lambda: aave_liquidation(10.0, 2000.0, 17_000.0, 1.0, 0.83, 1.05, total_debt_usd=1e300),
      "total_debt_usd must be finite and >= 0 and <= 1e+15 (got 1e+300)", ("total_debt_usd",))],
    ids=["binance-size", "bybit-entry", "hl-margin", "bankruptcy-margin", "margin-from-leverage",
         "max-leverage", "max-leverage-for", "leverage-refusal", "aave-price-debt", "aave-debt",
         "aave-total-debt"],
)  # fmt: skip
def test_margin_functions_refuse_amounts_past_any_market(
    call: object, message: str, params: tuple[str, ...]
) -> None:
    # 1e300 came back as a price of 2e300, a bankruptcy price of 1e300, 0x leverage, a
    # refusal writing the notional out in 301 digits, or 1e300 USD of bad debt
    with pytest.raises(InputError) as e:
        call()  # type: ignore[operator]
    assert str(e.value) == message
    assert e.value.params == params


def test_margin_functions_keep_amounts_up_to_the_limit() -> None:
    # 1e15 USD of notional and margin are still priced; by hand (Bybit, mmr 0.005):
    # 2000 - (1e15 - 0.005 x 1e15) / 5e11 = 2000 - 1990 = 10 USD
    r = liq_price("bybit", 1, 1e15 / 2000.0, 2000.0, 1e15)
    assert r.liq_price[0] == pytest.approx(10.0, rel=1e-9)
    np.testing.assert_allclose(margin_from_leverage(5e11, 2000.0, 10.0), [1e14], rtol=1e-12)
    assert max_leverage(1e15)[0] == 0.0


# checks20b: health_factor's values amount x price -------------------------------------
@pytest.mark.parametrize(
    ("args", "message", "params"),
    [(([1e200], [1e200], [0.8], [1.0], [1.0]),
      "collateral_amounts x collateral_prices must be at most 1e+15 USD (got inf)",
      ("collateral_amounts", "collateral_prices")),
     (([[1.0, 1.0], [1.0, 1e300]], [2000.0, 1.0], [0.8, 0.8], [[1.0, 1.0], [1.0, 1.0]],
       [1.0, 1.0]),
      "collateral_amounts[1, 1] x collateral_prices[1, 1] must be at most 1e+15 USD (got 1e+300)",
      ("collateral_amounts", "collateral_prices")),
     (([10.0], [2000.0], [0.8], [1e300], [1e10]),
      "debt_amounts x debt_prices must be at most 1e+15 USD (got inf)",
      ("debt_amounts", "debt_prices"))],
    ids=["collateral-overflow", "collateral-table", "debt-overflow"],
)  # fmt: skip
def test_health_factor_refuses_a_value_past_any_market(
    args: tuple[object, ...], message: str, params: tuple[str, ...]
) -> None:
    # 1e200 x 1e200 overflowed to inf: a health factor of inf (or 0 on the debt side,
    # liquidatable, or NaN with both), computed without a word
    from liqcascade.margin import health_factor

    with pytest.raises(InputError) as e:
        health_factor(*args)
    assert str(e.value) == message
    assert e.value.params == params


def test_health_factor_keeps_values_up_to_the_limit() -> None:
    # 1e15 USD of collateral at LT 0.8 over 1e14 USD of debt: HF 8 (by hand)
    from liqcascade.margin import health_factor

    hf = health_factor([5e11], [2000.0], [0.8], [1e14], [1.0])
    assert float(hf) == pytest.approx(8.0, rel=1e-12)


def test_aave_text_is_an_input_error_naming_the_parameter() -> None:
    # numpy's ValueError ("could not convert string to float") escaped before
    from liqcascade.margin import health_factor

    with pytest.raises(InputError) as e:
        health_factor(["ten"], [2000.0], [0.8], [1.0], [1.0])
    assert str(e.value) == (
        "collateral_amounts must be a number or an array of numbers (got ['ten'])"
    )
    assert e.value.param == "collateral_amounts"


_AAVE_HF = ([10.0], [2000.0], [0.8], [1.0], [1000.0])  # HF 16 (by hand)


@pytest.mark.parametrize(
    ("value", "shown"),
    [("5", "'5'"), (True, "True"), (np.bool_(True), repr(np.bool_(True))), (None, "None"),
     (["5"], "['5']"), (np.array([True, False]), "array([ True, False])")],
    ids=["text", "bool", "numpy-bool", "none", "text-list", "bool-array"],
)  # fmt: skip
def test_aave_refuses_text_and_bools_rather_than_cast_them(value: object, shown: str) -> None:
    # inputs21: _arr cast with numpy: "5" was read as 5 collateral, True as 1 (and None
    # as NaN, refused only for not being finite)
    from liqcascade.margin import aave_liquidation, health_factor

    with pytest.raises(InputError) as e:
        health_factor(value, *_AAVE_HF[1:])
    assert (
        str(e.value) == f"collateral_amounts must be a number or an array of numbers (got {shown})"
    )
    assert e.value.param == "collateral_amounts"
    with pytest.raises(InputError) as e:
        aave_liquidation(10.0, 2000.0, 1.0, 1000.0, 0.8, value)
    assert e.value.param == "liq_bonus"


@pytest.mark.parametrize(
    "amount",
    [10, 10.0, np.int64(10), np.float32(10.0), np.array([10], dtype=np.int32), [10]],
    ids=["int", "float", "np-int64", "np-float32", "int32-array", "int-list"],
)
def test_aave_takes_python_and_numpy_numbers(amount: object) -> None:
    from liqcascade.margin import health_factor

    hf = health_factor(amount, *_AAVE_HF[1:])
    assert float(np.ravel(hf)[0]) == pytest.approx(16.0, rel=1e-12)
