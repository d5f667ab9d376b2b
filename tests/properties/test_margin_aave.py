"""Invariants of the Aave v3 liquidation call."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.margin import aave_liquidation, aave_liquidation_price, health_factor

pos = st.floats(min_value=1e-3, max_value=1e6)
price = st.floats(min_value=1.0, max_value=1e5)
lt = st.floats(min_value=0.3, max_value=0.95)
bonus = st.floats(min_value=1.0, max_value=1.15)


@given(c=pos, cp=price, d=pos, lt=lt, bonus=bonus, frac=st.floats(0.0, 1.0))
def test_liquidation_conservation_and_bounds(
    c: float, cp: float, d: float, lt: float, bonus: float, frac: float
) -> None:
    r = aave_liquidation(c, cp, d, 1.0, lt, bonus, debt_to_cover=frac * d * 1.2)
    if not r.liquidatable[0]:
        assert r.debt_repaid[0] == 0 and r.collateral_seized[0] == 0
        return
    # never more than the collateral, never more debt than allowed by the close factor
    assert r.collateral_seized[0] <= c * (1 + 1e-12)
    assert r.debt_repaid[0] <= r.close_factor[0] * d * (1 + 1e-12)
    # seized value = repaid value x bonus (no protocol fee)
    # atol: subnormal amounts (frac ~ 1e-313) lose relative precision in any product
    np.testing.assert_allclose(
        r.collateral_seized_usd[0], r.debt_repaid_usd[0] * bonus, rtol=1e-9, atol=1e-300
    )
    assert r.liquidator_bonus_usd[0] >= -1e-9
    # bad debt only when all collateral is gone, and then it is what remains owed
    if r.bad_debt_usd[0] > 0:
        assert np.isclose(r.collateral_seized[0], c, rtol=1e-12)
        np.testing.assert_allclose(
            r.bad_debt_usd[0] + r.debt_repaid_usd[0], d, rtol=1e-9, atol=1e-300
        )


@given(c=pos, d=st.floats(min_value=1.0, max_value=1e8), lt=lt, shift=st.floats(0.5, 1.5))
def test_liquidation_price_is_the_hf_one_boundary(
    c: float, d: float, lt: float, shift: float
) -> None:
    p = float(aave_liquidation_price(c, lt, d)[0])
    hf = float(health_factor([c], [p * shift], [lt], [d], [1.0]))
    assert np.isclose(hf, shift, rtol=1e-9)
    assert (hf < 1) == (shift < 1) or np.isclose(shift, 1.0)
