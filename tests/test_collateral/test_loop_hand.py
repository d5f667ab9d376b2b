"""The collateral loop on hand-worked cases: one or two accounts, one collateral, a known book."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from floats import assert_same, same_value
from liqcascade.collateral import (
    Account,
    CollateralAsset,
    CollateralSetup,
    RatioChange,
    TierSchedule,
    VenueRules,
    simulate_collateral,
    tiered_value,
)
from liqcascade.errors import InputError

T0 = pd.Timestamp("2025-10-10T21:00:00Z")


def _path(vals: list[float]) -> pd.Series:
    return pd.Series(vals, index=pd.date_range(T0, periods=len(vals), freq="1min"))


def _usde(**kw: object) -> CollateralAsset:
    base: dict[str, object] = dict(
        name="USDE",
        venue="binance",
        tiers=TierSchedule((math.inf,), (0.9,)),
        own_book_weight=1.0,
        depth_usd_per_pct=100.0,
    )
    base.update(kw)
    return CollateralAsset(**base)  # type: ignore[arg-type]


A = Account("A", eth_size=10.0, eth_entry=1000.0, collateral={"USDE": 1000.0}, mmr=0.01)
B = Account("B", eth_size=1.0, eth_entry=1000.0, collateral={"USDE": 115.0}, mmr=0.01)
PATH = _path([1000.0, 950.0, 910.0, 910.0])


def _setup(accounts=(A, B), asset=None, **venue: object) -> CollateralSetup:
    return CollateralSetup(
        assets=(asset or _usde(),),
        venue=VenueRules(**venue),  # type: ignore[arg-type]
        accounts=tuple(accounts),
    )


def test_tiered_value_tax_brackets() -> None:
    t = TierSchedule((1.2e6, 2e6, math.inf), (0.999, 0.975, 0.0))
    assert same_value(tiered_value(1.5e6, t), 1.2e6 * 0.999 + 0.3e6 * 0.975)
    assert same_value(tiered_value(2.5e6, t), 1_198_800.0 + 780_000.0)
    assert same_value(tiered_value(1e6, t), 999_000.0)


def test_one_account_liquidated_by_eth_sells_into_its_book() -> None:
    # t2: equity 0.9*1000 + 10*(910-1000) = 0 <= 1.05 * 10*910*0.01 -> liquidated;
    # 1000 USDe sold at 1.0; impact 1000 / (100 * 100) = 0.1 -> book 0.9
    r = simulate_collateral(_setup((A,)), PATH)
    assert list(r.liq_t) == [2]
    assert_same(r.book[:, 0], [1.0, 1.0, 0.9, 0.9])
    assert same_value(r.collateral_liquidated_usd, 1000.0)
    assert same_value(float(r.eth_sold_usd.sum()), 9100.0)


def test_depeg_liquidates_the_second_account() -> None:
    # B at t2: 0.9*115 - 90 = 13.5 > 1.05*9.1 (alive); t3 index 0.9:
    # 0.9*115*0.9 - 90 = 3.15 <= 9.555 -> liquidated; sells 115 at 0.9 = 103.5 USD,
    # impact 0.1 + 115/10000 -> book 0.8885
    r = simulate_collateral(_setup(), PATH)
    assert list(r.liq_t) == [2, 3]
    assert_same(r.book[:, 0], [1.0, 1.0, 0.9, 0.8885])
    assert_same(r.index[:, 0], [1.0, 1.0, 1.0, 0.9])
    assert same_value(r.collateral_liquidated_usd, 1103.5)
    s = r.summary()
    assert s["accounts_liquidated"] == 2
    assert s["assets"]["USDE"]["minutes_below_0_95"] == 2
    assert s["assets"]["USDE"]["minutes_below_0_90"] == 1
    assert s["depeg_start_minutes_after_low"] == 0  # book < 0.99 at t2, ETH's low at t2


def test_redemption_pricing_spares_the_second_account() -> None:
    r = simulate_collateral(_setup(), PATH, pricing="redemption")
    assert list(r.liq_t) == [2, -1]
    assert same_value(r.collateral_liquidated_usd, 1000.0)
    assert_same(r.index[:, 0], [1.0] * 4)
    # index pricing with the own book at 10 %: B's index at t3 = 0.1*0.9 + 0.9 = 0.99
    r2 = simulate_collateral(_setup(asset=_usde(index_weight=0.1)), PATH, pricing="index")
    assert list(r2.liq_t) == [2, -1]
    assert same_value(float(r2.index[3, 0]), 0.99)


def test_debt_mode_sells_only_the_shortfall() -> None:
    # after closing at 910 the balance is -900: 900 USDe sold at 1.0
    r = simulate_collateral(_setup((A,), sell="debt"), PATH)
    assert same_value(r.collateral_liquidated_usd, 900.0)
    assert same_value(float(r.book[2, 0]), 1 - 900 / 10_000)


def test_topup_in_time_saves_late_one_does_not() -> None:
    a = Account("A", 10.0, 1000.0, {"USDE": 1000.0}, mmr=0.01, topup_usd=1000.0)
    # ETH 5 % down at t1; transfer lag 0 -> arrives at t1; equity at t2 = 1000 > 95.55
    assert list(simulate_collateral(_setup((a,), transfer_lag_min=0), PATH).liq_t) == [-1]
    # lag 5 minutes: arrives after the clock ends -> liquidated at t2
    assert list(simulate_collateral(_setup((a,), transfer_lag_min=5), PATH).liq_t) == [2]
    # deposits halted t1..t2: the top-up waits to t3, one minute too late
    halt = ((T0 + pd.Timedelta(minutes=1), T0 + pd.Timedelta(minutes=3)),)
    r = simulate_collateral(_setup((a,), transfer_lag_min=0, deposit_halts=halt), PATH)
    assert list(r.liq_t) == [2]


def test_redemption_topup_below_minimum_lot_never_arrives() -> None:
    rw = CollateralAsset(
        "RWUSD",
        "binance",
        TierSchedule((math.inf,), (0.999,)),
        own_book_weight=0.0,
        depth_usd_per_pct=1e6,
        redemption_lag_min=0,
        min_lot_usd=5e6,
    )
    a = Account(
        "A", 10.0, 1000.0, {"USDE": 1000.0}, mmr=0.01, topup_usd=1000.0, topup_source="RWUSD"
    )
    s = CollateralSetup((_usde(), rw), VenueRules(), (a,))
    assert list(simulate_collateral(s, PATH).liq_t) == [2]
    s2 = CollateralSetup(
        (
            _usde(),
            CollateralAsset(
                "RWUSD", "binance", rw.tiers, own_book_weight=0.0, depth_usd_per_pct=1e6
            ),
        ),
        VenueRules(),
        (a,),
    )
    assert list(simulate_collateral(s2, PATH).liq_t) == [-1]


def test_allow_listed_liquidators_spread_the_sale() -> None:
    asset = _usde(liquidators=("l1",), liquidator_capacity_usd_per_min=500.0)
    r = simulate_collateral(_setup((A,), asset=asset), PATH)
    assert_same(r.book[:, 0], [1.0, 1.0, 0.95, 0.9])
    assert same_value(r.collateral_liquidated_usd, 500.0 + 500.0 * 0.95)


def test_resilience_half_life() -> None:
    r = simulate_collateral(_setup((A,), asset=_usde(half_life_min=1.0)), PATH)
    assert_same(r.book[:, 0], [1.0, 1.0, 0.9, 0.95])
    # a withdrawal halt stops the recovery
    halt = ((T0, T0 + pd.Timedelta(minutes=10)),)
    r2 = simulate_collateral(
        _setup((A,), asset=_usde(half_life_min=1.0), withdrawal_halts=halt), PATH
    )
    assert_same(r2.book[:, 0], [1.0, 1.0, 0.9, 0.9])


def test_ratio_cut_at_short_notice() -> None:
    cut = RatioChange(T0 + pd.Timedelta(minutes=1), TierSchedule((math.inf,), (0.5,)))
    r = simulate_collateral(_setup((A,), asset=_usde(calendar=(cut,))), PATH)
    # t1: 0.5*1000 - 500 = 0 <= 1.05 * 95 -> liquidated a minute earlier
    assert list(r.liq_t) == [1]


def test_stress_multiplies_impact() -> None:
    # ETH 9 % below its 60-minute high at t2 (> 3 %): impact x2 -> book 0.8
    r = simulate_collateral(_setup((A,), asset=_usde(stress_impact_multiplier=2.0)), PATH)
    assert_same(r.book[:, 0], [1.0, 1.0, 0.8, 0.8])


def test_eth_underlying_fair_value() -> None:
    wb = CollateralAsset(
        "WBETH",
        "binance",
        TierSchedule((math.inf,), (0.9,)),
        underlying="eth",
        own_book_weight=0.2,
        depth_usd_per_pct=100.0,
    )
    a = Account("A", 1.0, 1000.0, {"WBETH": 100.0}, mmr=0.01)
    r = simulate_collateral(CollateralSetup((wb,), VenueRules(), (a,)), PATH)
    assert_same(r.fair[:, 0], [1.0, 0.95, 0.91, 0.91])
    # t1: 0.9*95 - 50 = 35.5 > 9.975; t2: 0.9*91 - 90 = -8.1 -> liquidated
    assert list(r.liq_t) == [2]
    # 100 units at fair 0.91: impact 91/10000
    assert same_value(float(r.book[2, 0]), 1 - 91 / 10_000)


@pytest.mark.parametrize(
    "kw,param",
    [
        ({"own_book_weight": 1.5}, "own_book_weight"),
        ({"floor": 0.0}, "floor"),
        ({"underlying": "gold"}, "underlying"),
        ({"depth_usd_per_pct": 0.0}, "depth_usd_per_pct"),
    ],
)
def test_bad_asset_names_its_parameter(kw: dict, param: str) -> None:
    with pytest.raises(InputError) as e:
        _usde(**kw)
    assert param in str(e.value)


def test_bad_tiers_and_pricing() -> None:
    with pytest.raises(InputError, match="ratios must be in"):
        TierSchedule((1e6, math.inf), (0.9, 1.2))
    with pytest.raises(InputError, match="strictly increasing"):
        TierSchedule((2e6, 1e6), (0.9, 0.8))
    with pytest.raises(InputError, match="pricing"):
        simulate_collateral(_setup(), PATH, pricing="mid")
    with pytest.raises(InputError, match="unknown asset"):
        CollateralSetup((_usde(),), VenueRules(), (Account("X", 1, 1, {"BTC": 1.0}),))
    assert np.isfinite(PATH.to_numpy()).all()
