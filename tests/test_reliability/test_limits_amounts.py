"""Settings' amounts and multiples past any market, text and bools (checks20).

Each passed 1e300 (or 5 for a 5 % cost) and ran on it, raised Python's or numpy's
TypeError on text, and took True as 1; some errors carried no ``param``. Each refusal
now names the parameter and the value, in the wording its other checks use
(``_limits.check_real``), and the largest value allowed still runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from liqcascade.cascade import CascadeConfig
from liqcascade.cascade._clock import MAX_LATENT_DEPTH, LiquidityParams
from liqcascade.collateral import eth_shock_path
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from liqcascade.protect import BacktestSettings, RecommendSettings
from liqcascade.protect._recommend import MAX_K
from liqcascade.solvency import Exchange


def _exchange(fund: Any) -> Exchange:
    book = PositionBook([1, -1], [1.0, 1.0], [3000.0, 3000.0], [300.0, 300.0],
                        [2750.0, 3250.0], [2700.0, 3300.0])  # fmt: skip
    return Exchange(book, fund)


def _threshold(value: Any) -> CascadeConfig:
    return CascadeConfig(partial_liquidation=True, partial_threshold_usd=value)


CASES: list[tuple[Callable[[Any], object], Any, str, str]] = [
    # an order past any market (True was an order of 1 USD)
    (lambda v: BacktestSettings(notional_usd=v), 1e300,
     "notional_usd must be at most 1e+15 USD (got 1e+300)", "notional_usd"),
    (lambda v: BacktestSettings(notional_usd=v), "5", "notional_usd must be > 0 (got '5')",
     "notional_usd"),
    (lambda v: BacktestSettings(notional_usd=v), True, "notional_usd must be > 0 (got True)",
     "notional_usd"),
    # the rationale printed 1e300 sigmas as a 300-digit distance (capped anyway)
    (lambda v: RecommendSettings(k=v), 1e300, f"k must be at most {MAX_K:g} (got 1e+300)", "k"),
    (lambda v: RecommendSettings(k=v), "x", "k must be > 0 (got 'x')", "k"),
    # a threshold no position reaches: partial liquidation silently off
    (_threshold, 1e300, "partial_threshold_usd must be at most 1e+15 USD (got 1e+300)",
     "partial_threshold_usd"),
    (_threshold, "1e5", "partial_threshold_usd must be >= 0 (got '1e5')",
     "partial_threshold_usd"),
    # 1e16 ran: the clock's depth sums rounded the cascade away (11 positions liquidated
    # for 0 USD, every loss booked as bad debt); no param
    (lambda v: LiquidityParams(latent_depth=v), 1e16,
     f"latent_depth must be at most {MAX_LATENT_DEPTH:g} (got 1e+16)", "latent_depth"),
    (lambda v: LiquidityParams(latent_depth=v), -1.0, "latent_depth must be >= 0 (got -1.0)",
     "latent_depth"),
    (lambda v: LiquidityParams(latent_depth=v), "2", "latent_depth must be >= 0 (got '2')",
     "latent_depth"),
    # text raised numpy's TypeError from isfinite
    (_exchange, 1e300, "insurance_fund must be at most 1e+15 USD (got 1e+300)", "insurance_fund"),
    (_exchange, "5e6", "insurance_fund must be >= 0 (got '5e6')", "insurance_fund"),
    # an account's eth_entry is held to 1e15 USD; the path's start price was not
    (lambda v: eth_shock_path(v, -0.2), 1e300,
     "p0 must be a finite price > 0 USD, at most 1e+15 USD (got 1e+300)", "p0"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "value", "message", "param"), CASES)
def test_a_value_outside_the_domain_is_refused_naming_it(
    make: Callable[[Any], object], value: Any, message: str, param: str
) -> None:
    with pytest.raises(InputError) as e:
        make(value)
    assert str(e.value) == message
    assert e.value.param == param


@pytest.mark.parametrize(
    ("make", "value"),
    [(lambda v: BacktestSettings(notional_usd=v).notional_usd, 1e15),
     (lambda v: RecommendSettings(k=v).k, MAX_K),
     (lambda v: _threshold(v).partial_threshold_usd, 1e15),
     (lambda v: LiquidityParams(latent_depth=v).latent_depth, MAX_LATENT_DEPTH),
     (lambda v: _exchange(v).insurance_fund, 1e15),
     (lambda v: eth_shock_path(v, -0.2).iloc[0], 1e15)],
)  # fmt: skip
def test_the_largest_value_allowed_still_runs(make: Callable[[Any], object], value: float) -> None:
    assert make(value) == value
