"""Margin inputs are numbers: numpy's cast read text and bools as amounts."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.margin import binance_liq_price, bybit_liq_price, margin_from_leverage

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
