"""The collateral loop's public inputs under numbers outside their domain (api18).

An Account took NaN, inf or a negative price, rate or collateral without a word and the
loop's kernel ran on it (a NaN entry price or collateral gave a plausible result, an
infinite size an infinite liquidated notional); ``simulate_collateral`` ran a path out
of time order, with a repeated minute or on hourly steps at the per-minute rates, and
raised pandas' TypeError on a naive index; ``eth_shock_path`` returned a NaN or negative
path for such a start price and ran for minutes on a billion-minute one.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from liqcascade.collateral import (
    Account,
    CollateralAsset,
    CollateralSetup,
    TierSchedule,
    VenueRules,
    eth_shock_path,
    simulate_collateral,
)
from liqcascade.errors import InputError

NAN, INF = math.nan, math.inf
T0 = pd.Timestamp("2025-10-10T21:00:00Z")
A = Account("A", eth_size=10.0, eth_entry=1000.0, collateral={"USDE": 1000.0}, mmr=0.01)


def _setup() -> CollateralSetup:
    usde = CollateralAsset(
        name="USDE",
        venue="binance",
        tiers=TierSchedule((math.inf,), (0.9,)),
        own_book_weight=1.0,
        depth_usd_per_pct=100.0,
    )
    return CollateralSetup(assets=(usde,), venue=VenueRules(), accounts=(A,))


def _path(vals: list[float], freq: str = "1min") -> pd.Series:
    return pd.Series(vals, index=pd.date_range(T0, periods=len(vals), freq=freq))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("eth_size", NAN),
        ("eth_size", INF),
        ("eth_entry", NAN),
        ("eth_entry", 0.0),
        ("eth_entry", -1000.0),
        ("usdt", NAN),
        ("mmr", NAN),
        ("mmr", -0.01),
        ("mmr", 1.0),
        ("topup_usd", -1.0),
        ("topup_usd", INF),
    ],
)
def test_an_account_refuses_a_number_outside_its_domain(field: str, value: float) -> None:
    with pytest.raises(InputError, match=f"account 'A': {field} must be") as e:
        replace(A, **{field: value})
    assert e.value.param == field


@pytest.mark.parametrize("value", [NAN, INF, -1.0, "1000"])
def test_an_account_refuses_collateral_that_is_not_a_finite_amount(value: object) -> None:
    with pytest.raises(InputError, match=r"collateral\['USDE'\] must be") as e:
        replace(A, collateral={"USDE": value})
    assert e.value.param == "collateral"


@pytest.mark.parametrize("factor", [NAN, INF, 0.0, -1.0])
def test_scaled_refuses_a_factor_that_is_not_positive(factor: float) -> None:
    with pytest.raises(InputError, match="factor must be") as e:
        _setup().scaled(factor)
    assert e.value.param == "factor"


@pytest.mark.parametrize(
    ("field", "value"),
    [("eth_size", 1e300), ("eth_size", -1e13), ("eth_entry", 1e300), ("usdt", -1e300),
     ("topup_usd", 1e16)],
)  # fmt: skip
def test_an_account_refuses_an_amount_past_any_market(field: str, value: float) -> None:
    # lib19: 1e300 passed and overflowed the account's sums to inf
    with pytest.raises(InputError, match=rf"account 'A': {field} must be .*at most 1e\+15") as e:
        replace(A, **{field: value})
    assert e.value.param == field
    with pytest.raises(InputError, match=r"collateral\['USDE'\] must be .*at most 1e\+15"):
        replace(A, collateral={"USDE": 1e300})
    assert replace(A, eth_size=-1e6).eth_size == -1e6  # a short of 1e9 USD is an account


def test_scaled_refuses_a_factor_that_takes_an_account_past_any_market() -> None:
    with pytest.raises(InputError, match=r"^factor 1e\+300 is too large: account 'A'") as e:
        _setup().scaled(1e300)
    assert e.value.param == "factor"
    assert _setup().scaled(2.0).accounts[0].eth_size == pytest.approx(20.0, rel=1e-15)


@pytest.mark.parametrize(
    "path",
    [
        _path([1000.0, 950.0, 910.0, 910.0])[::-1],
        _path([1000.0, 950.0, 910.0, 910.0], freq="1h"),
        pd.Series(
            [1000.0, 950.0, 910.0], index=pd.DatetimeIndex([T0, T0, T0 + pd.Timedelta("1min")])
        ),
    ],
    ids=["reversed", "hourly", "repeated-minute"],
)
def test_simulate_collateral_refuses_a_path_that_is_not_one_price_per_minute(
    path: pd.Series,
) -> None:
    with pytest.raises(InputError, match="one price per minute in time order") as e:
        simulate_collateral(_setup(), path)
    assert e.value.param == "eth_path"


def test_a_naive_path_is_read_as_utc() -> None:
    aware = _path([1000.0, 950.0, 910.0, 910.0])
    naive = aware.copy()
    naive.index = aware.index.tz_localize(None)
    a = simulate_collateral(_setup(), aware)
    b = simulate_collateral(_setup(), naive)
    assert b.ts.equals(a.ts)
    np.testing.assert_array_equal(b.liq_t, a.liq_t)  # integers: the same computation
    np.testing.assert_allclose(b.book, a.book, rtol=1e-12)


@pytest.mark.parametrize("p0", [NAN, INF, 0.0, -3864.76, 1e300])
def test_eth_shock_path_refuses_a_start_price_that_is_not_positive(p0: float) -> None:
    with pytest.raises(InputError, match="p0 must be") as e:
        eth_shock_path(p0, -0.2)
    assert e.value.param == "p0"


def test_eth_shock_path_refuses_a_path_beyond_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "100MB")
    with pytest.raises(InputError, match="total_min 1000000000 needs about") as e:
        eth_shock_path(3864.76, -0.2, total_min=10**9)
    assert e.value.param == "total_min"


@pytest.mark.parametrize(("name", "value"), [("fall_min", 2.5), ("total_min", 240.0)])
def test_eth_shock_path_refuses_minutes_that_are_not_whole(name: str, value: float) -> None:
    with pytest.raises(InputError, match=f"{name} must be a whole number") as e:
        eth_shock_path(3864.76, -0.2, **{name: value})  # type: ignore[arg-type]
    assert e.value.param == name


def test_an_account_takes_numbers_held_as_numpy_numbers() -> None:
    # a zero-dimensional array or a numpy float is a number, as it was before api18
    acc = Account("N", eth_size=np.array(10.0), eth_entry=np.float32(1000.0),
                  collateral={"USDE": np.array(1000.0)}, mmr=np.float64(0.01))  # fmt: skip
    assert acc.eth_size == 10.0 and acc.collateral["USDE"] == 1000.0
    with pytest.raises(InputError, match="eth_entry must be a finite price > 0") as e:
        Account("N", eth_size=10.0, eth_entry=np.array(np.nan), collateral={})
    assert e.value.param == "eth_entry"
