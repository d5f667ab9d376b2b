"""Hand-worked Aave v3.3 examples (LiquidationLogic semantics, USD base currency)."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.margin import (
    AaveLiquidation,
    aave_liquidation,
    aave_liquidation_price,
    aave_reserve,
    health_factor,
)


def test_reserve_params_from_bundled_snapshot() -> None:
    weth = aave_reserve("ETH")
    assert (weth.symbol, weth.ltv, weth.liquidation_threshold, weth.liquidation_bonus) == (
        "WETH", 0.805, 0.83, 1.05,
    )  # fmt: skip
    assert aave_reserve("wsteth").liquidation_threshold == 0.81
    assert aave_reserve("WETH", chain="arbitrum").chain == "arbitrum"
    with pytest.raises(InputError, match="no Aave reserve 'XYZ' on ethereum"):
        aave_reserve("XYZ")
    with pytest.raises(InputError, match="unknown Aave chain 'mars'"):
        aave_reserve("WETH", chain="mars")


def test_health_factor_one_and_many_accounts() -> None:
    # 10 WETH at 2000 (LT .83) + 5000 USDC (LT .78) vs 12,000 USDC debt
    hf = health_factor([10, 5000], [2000, 1], [0.83, 0.78], [12_000], [1])
    assert float(hf) == pytest.approx((16_600 + 3_900) / 12_000)
    many = health_factor([[10.0], [1.0], [3.0]], [[2000.0]], [[0.83]], [[17_000.0], [0], [5e3]],
                         [[1.0]])  # fmt: skip
    np.testing.assert_allclose(many, [16_600 / 17_000, np.inf, 4980 / 5000])


def test_liquidation_price() -> None:
    # 10 WETH, LT 0.83, 17,000 USD debt -> HF = 1 at 17000 / 8.3 = 2048.19
    p = aave_liquidation_price(10.0, 0.83, 17_000.0)
    assert p[0] == pytest.approx(17_000 / 8.3)
    hf = health_factor([10.0], [p[0]], [0.83], [17_000.0], [1.0])
    assert float(hf) == pytest.approx(1.0, rel=1e-12)
    # other collateral worth 3,000 weighted lowers it; covering the debt gives 0
    np.testing.assert_allclose(
        aave_liquidation_price([10.0, 10.0], 0.83, 17_000.0, [3_000.0, 20_000.0]),
        [14_000 / 8.3, 0.0],
    )


def test_close_factor_50_percent() -> None:
    r = aave_liquidation(10.0, 2000.0, 17_000.0, 1.0, 0.83, 1.05)
    assert isinstance(r, AaveLiquidation)
    assert r.health_factor[0] == pytest.approx(16_600 / 17_000)
    assert r.liquidatable[0] and r.close_factor[0] == 0.5
    assert r.debt_repaid[0] == pytest.approx(8_500.0)
    assert r.collateral_seized[0] == pytest.approx(4.4625)
    assert r.liquidator_bonus_usd[0] == pytest.approx(425.0)
    assert not r.leaves_dust[0] and r.bad_debt_usd[0] == 0


def test_full_close_factor_below_095() -> None:
    r = aave_liquidation(10.0, 1900.0, 17_000.0, 1.0, 0.83, 1.05)
    assert r.health_factor[0] == pytest.approx(15_770 / 17_000)  # 0.9276 <= 0.95
    assert r.close_factor[0] == 1.0
    assert r.debt_repaid[0] == pytest.approx(17_000.0)
    assert r.collateral_seized[0] == pytest.approx(17_000 / 1900 * 1.05)


def test_collateral_short_gives_bad_debt() -> None:
    r = aave_liquidation(10.0, 1700.0, 17_000.0, 1.0, 0.83, 1.05)
    assert r.collateral_seized[0] == pytest.approx(10.0)
    assert r.debt_repaid[0] == pytest.approx(17_000 / 1.05)
    assert r.bad_debt_usd[0] == pytest.approx(17_000 - 17_000 / 1.05)
    # with other collateral elsewhere there is no deficit
    r2 = aave_liquidation(10.0, 1700.0, 17_000.0, 1.0, 0.83, 1.05, total_collateral_usd=30_000,
                          health_factor=0.9)  # fmt: skip
    assert r2.bad_debt_usd[0] == 0


def test_small_position_full_close_factor_and_dust() -> None:
    # $950 collateral < $2,000 -> the whole debt may be repaid even with HF 0.986
    r = aave_liquidation(0.5, 1900.0, 800.0, 1.0, 0.83, 1.05)
    assert r.health_factor[0] == pytest.approx(788.5 / 800) and r.close_factor[0] == 1.0
    assert r.debt_repaid[0] == pytest.approx(800.0) and not r.leaves_dust[0]
    # repaying 600 of 800 would leave $200 of debt: reverts on-chain (MUST_NOT_LEAVE_DUST)
    r = aave_liquidation(0.5, 1900.0, 800.0, 1.0, 0.83, 1.05, debt_to_cover=600.0)
    assert r.leaves_dust[0]


def test_close_factor_uses_total_debt() -> None:
    # reserve debt 6,000 of a 10,000 total: 50 % of total = 5,000 < 6,000 -> capped at 5,000
    r = aave_liquidation(10.0, 2000.0, 6_000.0, 1.0, 0.83, 1.05, health_factor=0.97,
                         total_debt_usd=10_000.0, total_collateral_usd=20_000.0)  # fmt: skip
    assert r.debt_repaid[0] == pytest.approx(5_000.0)
    # reserve debt 4,000 of a 10,000 total: below 50 % of total -> whole reserve debt
    r = aave_liquidation(10.0, 2000.0, 4_000.0, 1.0, 0.83, 1.05, health_factor=0.97,
                         total_debt_usd=10_000.0, total_collateral_usd=20_000.0)  # fmt: skip
    assert r.debt_repaid[0] == pytest.approx(4_000.0)


def test_protocol_fee_and_healthy_accounts_vectorised() -> None:
    r = aave_liquidation([10.0, 10.0], [2000.0, 3000.0], 17_000.0, 1.0, 0.83, 1.05,
                         liquidation_protocol_fee=0.1)  # fmt: skip
    # bonus part of 4.4625 WETH = 4.4625 - 4.25 = 0.2125; 10 % of it to the treasury
    assert r.protocol_fee[0] == pytest.approx(0.02125)
    assert r.collateral_seized[0] == pytest.approx(4.4625 - 0.02125)
    assert not r.liquidatable[1] and r.debt_repaid[1] == 0 and r.close_factor[1] == 0
    s = r.summary()
    assert s["n_liquidatable"] == 1 and s["debt_repaid_usd"] == pytest.approx(8_500)
    assert len(r.to_frame()) == 2 and "AaveLiquidation" in r._repr_html_()
    assert len(r.plot().data) == 1


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="liq_bonus is a multiplier"):
        aave_liquidation(1.0, 2000.0, 1000.0, 1.0, 0.83, 0.05)
    with pytest.raises(InputError, match=r"collateral_price\[0\] must be finite and > 0"):
        aave_liquidation(1.0, [0.0], 1000.0, 1.0, 0.83, 1.05)
    with pytest.raises(InputError, match="debt_amounts"):
        health_factor([1.0], [2000.0], [0.83], [np.nan], [1.0])
