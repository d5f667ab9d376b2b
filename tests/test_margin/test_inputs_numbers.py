"""Margin inputs are numbers: numpy's cast read text and bools as amounts.

A ``Decimal`` or a ``Fraction`` is a number too (ledgers hold Decimals): read as its float.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.margin import (
    aave_liquidation_price,
    binance_liq_price,
    bybit_liq_price,
    health_factor,
    margin_from_leverage,
)

BASE = {"side": 1, "size": 1.0, "entry_price": 3000.0, "margin": 300.0}


@pytest.mark.parametrize("field", ["size", "entry_price", "margin"])
@pytest.mark.parametrize("value", ["5", True, np.bool_(True), None, b"5", ["1", "2"]])
def test_text_bools_and_none_are_refused_naming_the_parameter(field: str, value: object) -> None:
    kw = {**BASE, field: value}
    for fn in (binance_liq_price, bybit_liq_price):
        with pytest.raises(InputError, match=rf"^{field} must be a number") as e:
            fn(**kw)
        assert e.value.param == field


@pytest.mark.parametrize("value", [2, np.int64(2), np.float32(2.0), [2, 2], np.array([2.0, 2.0])])
def test_numbers_of_any_numeric_type_are_read_alike(value: object) -> None:
    got = binance_liq_price(**{**BASE, "size": value}).liq_price
    want = binance_liq_price(**{**BASE, "size": 2.0}).liq_price
    np.testing.assert_allclose(got, np.broadcast_to(want, got.shape), rtol=1e-12)


def test_margin_from_leverage_refuses_text() -> None:
    with pytest.raises(InputError, match="leverage must be a number") as e:
        margin_from_leverage(1.0, 3000.0, "10")
    assert e.value.param == "leverage"
    np.testing.assert_allclose(margin_from_leverage(1, 3000, np.int32(10)), [300.0], rtol=1e-12)


def test_tier_lookups_refuse_text_notionals() -> None:
    from liqcascade.margin import load_tiers

    tiers = load_tiers("ETHUSDT")
    with pytest.raises(InputError, match="notional must be a number") as e:
        tiers.tier_index("1000000")
    assert e.value.param == "notional"
    assert tiers.tier_index(np.int64(10)).tolist() == tiers.tier_index(10.0).tolist()


def _exact(kind: type, text: str) -> object:
    """``text`` as a ``Decimal`` or a ``Fraction`` (what a ledger holds)."""
    return kind(text)


@pytest.mark.parametrize("kind", [Decimal, Fraction], ids=["Decimal", "Fraction"])
def test_decimals_and_fractions_are_numbers(kind: type) -> None:
    """A ledger's ``Decimal`` (or a ``Fraction``) is read as its float, scalars and lists."""
    as_kind = {k: _exact(kind, str(v)) for k, v in BASE.items() if k != "side"}
    for fn in (binance_liq_price, bybit_liq_price):
        got, want = fn(side=1, **as_kind).liq_price, fn(**BASE).liq_price
        np.testing.assert_allclose(got, want, rtol=1e-12)
    two = [_exact(kind, "1.5"), _exact(kind, "2.5")]
    got = binance_liq_price(**{**BASE, "size": two}).liq_price
    np.testing.assert_allclose(got, binance_liq_price(**{**BASE, "size": [1.5, 2.5]}).liq_price,
                               rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(
        margin_from_leverage(_exact(kind, "1"), _exact(kind, "3000"), _exact(kind, "10")),
        [300.0], rtol=1e-12,
    )  # fmt: skip


@pytest.mark.parametrize("kind", [Decimal, Fraction], ids=["Decimal", "Fraction"])
def test_aave_takes_decimals_and_fractions(kind: type) -> None:
    floats = ([2.0, 1.0], [3000.0, 60000.0], [0.83, 0.78], [1500.0], [1.0])
    exact = tuple([_exact(kind, repr(v)) for v in a] for a in floats)
    np.testing.assert_allclose(health_factor(*exact), health_factor(*floats), rtol=1e-12)
    got = aave_liquidation_price(_exact(kind, "2"), _exact(kind, "0.83"), _exact(kind, "4000"))
    np.testing.assert_allclose(got, aave_liquidation_price(2.0, 0.83, 4000.0), rtol=1e-12)


@pytest.mark.parametrize("value", ["5", b"5", True, None])
def test_aave_still_refuses_text_bytes_bools_and_none(value: object) -> None:
    with pytest.raises(InputError, match="debt_usd must be a number") as e:
        aave_liquidation_price(2.0, 0.83, value)
    assert e.value.param == "debt_usd"


def test_a_decimal_out_of_range_is_refused_as_its_float() -> None:
    with pytest.raises(InputError, match=r"^size must be > 0 \(got -1\)") as e:
        binance_liq_price(**{**BASE, "size": Decimal("-1")})
    assert e.value.param == "size"
