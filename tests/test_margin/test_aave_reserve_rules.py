"""``AaveReserve`` checks its parameters at construction (Aave's PoolConfigurator rules)."""

from __future__ import annotations

import pytest

from liqcascade.data import aave_reserve_params
from liqcascade.errors import InputError
from liqcascade.margin import AaveReserve, aave_reserve


@pytest.mark.parametrize(
    ("kw", "param", "words"),
    [
        ({"ltv": 0.9, "liquidation_threshold": 0.8}, "ltv", "ltv must be <= liquidation_threshold"),
        ({"ltv": -0.5}, "ltv", "ltv must be a fraction in [0, 1] (got -0.5)"),
        ({"ltv": 80, "liquidation_threshold": 85}, "ltv", "(got 80; for 80 % give 0.8)"),
        ({"liquidation_threshold": 1.3}, "liquidation_threshold", "fraction in [0, 1] (got 1.3)"),
        ({"liquidation_bonus": 5}, "liquidation_bonus", "(got 5; for 5 % give 1.05;"),
        ({"liquidation_bonus": 0.95}, "liquidation_bonus", "multiplier in [1, 2) (got 0.95;"),
        (
            {"liquidation_threshold": 0.95, "liquidation_bonus": 1.1},
            "liquidation_bonus",
            "liquidation_threshold x liquidation_bonus must be <= 1",
        ),
        ({"ltv": "0.5"}, "ltv", "must be a number"),
    ],
)
def test_bad_parameters_refused(kw: dict[str, object], param: str, words: str) -> None:
    args = {"symbol": "X", "chain": "c", "ltv": 0.5, "liquidation_threshold": 0.8,
            "liquidation_bonus": 1.05, **kw}  # fmt: skip
    with pytest.raises(InputError) as e:
        AaveReserve(**args)  # type: ignore[arg-type]
    assert e.value.param == param
    assert words in str(e.value)


def test_every_bundled_reserve_passes() -> None:
    # non-collateral reserves carry LT 0 and bonus 0 (Aave's own encoding): accepted
    data = aave_reserve_params()["data"]
    n = sum(1 for chain, rows in data.items() for row in rows
            if aave_reserve(str(row["symbol"]), chain))  # fmt: skip
    assert n == sum(len(rows) for rows in data.values())
    ghost = AaveReserve("GHO", "ethereum", 0.0, 0.0, 0.0)
    assert ghost.liquidation_bonus == 0.0
