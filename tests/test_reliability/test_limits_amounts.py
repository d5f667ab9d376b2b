"""Settings' amounts and multiples past any market, text and bools (checks20, checks20b).

Each passed 1e300 (or 5 for a 5 % cost) and ran on it, raised Python's or numpy's
TypeError on text, and took True as 1; some errors carried no ``param``. Each refusal
now names the parameter and the value, in the wording its other checks use
(``_limits.check_real``), and the largest value allowed still runs.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from liqcascade._limits import check_usd_amounts
from liqcascade.cascade import CascadeConfig
from liqcascade.cascade._clock import MAX_LATENT_DEPTH, LiquidityParams
from liqcascade.cascade._engine import check_insurance_fund
from liqcascade.collateral import eth_shock_path
from liqcascade.contagion import Venue, build_setup, load_config
from liqcascade.contagion._config import parse_config
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook
from liqcascade.protect import BacktestSettings, RecommendSettings
from liqcascade.protect._recommend import MAX_K
from liqcascade.solvency import Exchange, ExchangeLedger

TWO_VENUES = Path(__file__).resolve().parents[1] / "data" / "contagion" / "two_venues.toml"


def _exchange(fund: Any) -> Exchange:
    book = PositionBook([1, -1], [1.0, 1.0], [3000.0, 3000.0], [300.0, 300.0],
                        [2750.0, 3250.0], [2700.0, 3300.0])  # fmt: skip
    return Exchange(book, fund)


def _threshold(value: Any) -> CascadeConfig:
    return CascadeConfig(partial_liquidation=True, partial_threshold_usd=value)


def _venue(fund: Any) -> Venue:
    venue = build_setup(load_config(TWO_VENUES)).venues[0]
    return dataclasses.replace(venue, insurance_fund=fund)


def _ledger(fund: Any) -> ExchangeLedger:
    return ExchangeLedger(price=3000.0, insurance_fund=fund)


CASES: list[tuple[Callable[[Any], object], Any, str, str]] = [
    # an order past any market (True was an order of 1 USD)
    (lambda v: BacktestSettings(notional_usd=v), 1e300,
     "notional_usd must be at most 1e+15 USD (got 1e+300)", "notional_usd"),
    (lambda v: BacktestSettings(notional_usd=v), "5", "notional_usd must be a number (got '5')",
     "notional_usd"),
    (lambda v: BacktestSettings(notional_usd=v), True, "notional_usd must be a number (got True)",
     "notional_usd"),
    # the rationale printed 1e300 sigmas as a 300-digit distance (capped anyway)
    (lambda v: RecommendSettings(k=v), 1e300, f"k must be at most {MAX_K:g} (got 1e+300)", "k"),
    (lambda v: RecommendSettings(k=v), "x", "k must be a number (got 'x')", "k"),
    # a threshold no position reaches: partial liquidation silently off
    (_threshold, 1e300, "partial_threshold_usd must be at most 1e+15 USD (got 1e+300)",
     "partial_threshold_usd"),
    (_threshold, "1e5", "partial_threshold_usd must be a number (got '1e5')",
     "partial_threshold_usd"),
    # 1e16 ran: the clock's depth sums rounded the cascade away (11 positions liquidated
    # for 0 USD, every loss booked as bad debt); no param
    (lambda v: LiquidityParams(latent_depth=v), 1e16,
     f"latent_depth must be at most {MAX_LATENT_DEPTH:g} (got 1e+16)", "latent_depth"),
    (lambda v: LiquidityParams(latent_depth=v), -1.0, "latent_depth must be >= 0 (got -1.0)",
     "latent_depth"),
    (lambda v: LiquidityParams(latent_depth=v), "2", "latent_depth must be a number (got '2')",
     "latent_depth"),
    # text raised numpy's TypeError from isfinite
    (_exchange, 1e300, "insurance_fund must be at most 1e+15 USD (got 1e+300)", "insurance_fund"),
    (_exchange, "5e6", "insurance_fund must be a number (got '5e6')", "insurance_fund"),
    # an account's eth_entry is held to 1e15 USD; the path's start price was not
    (lambda v: eth_shock_path(v, -0.2), 1e300,
     "p0 must be a finite price > 0 USD, at most 1e+15 USD (got 1e+300)", "p0"),
    # checks20b: the other insurance funds, in Exchange's wording (a venue's named):
    # 1e300 ran, text raised numpy's TypeError (the cascade's check read "5e6" as a
    # number, True as 1), and a venue's error carried no param
    (_venue, 1e300, "venue 'a': insurance_fund must be at most 1e+15 USD (got 1e+300)",
     "insurance_fund"),
    (_venue, "5e6", "venue 'a': insurance_fund must be a number (got '5e6')", "insurance_fund"),
    (_venue, -1.0, "venue 'a': insurance_fund must be >= 0 (got -1.0)", "insurance_fund"),
    (_ledger, 1e300, "insurance_fund must be at most 1e+15 USD (got 1e+300)", "insurance_fund"),
    (_ledger, "5e6", "insurance_fund must be a number (got '5e6')", "insurance_fund"),
    (_ledger, math.nan, "insurance_fund must be >= 0 (got nan)", "insurance_fund"),
    (check_insurance_fund, 1e300, "insurance_fund must be at most 1e+15 USD (got 1e+300)",
     "insurance_fund"),
    (check_insurance_fund, "5e6", "insurance_fund must be a number (got '5e6')", "insurance_fund"),
    (check_insurance_fund, True, "insurance_fund must be a number (got True)", "insurance_fund"),
    # inputs21: text, bytes, None were told the range ("must be >= 0 (got '5e6')"), though
    # the fault is that they are no number; a number out of range is still told the range
    (check_insurance_fund, b"5", "insurance_fund must be a number (got b'5')", "insurance_fund"),
    (check_insurance_fund, None, "insurance_fund must be a number (got None)", "insurance_fund"),
    (check_insurance_fund, math.nan, "insurance_fund must be >= 0 (got nan)", "insurance_fund"),
    (check_insurance_fund, math.inf, "insurance_fund must be >= 0 (got inf)", "insurance_fund"),
    # the back-test's k as the recommendation's: 1e300 ran every vol stop at its cap
    (lambda v: BacktestSettings(k=v), 1e300, f"k must be at most {MAX_K:g} (got 1e+300)", "k"),
    (lambda v: BacktestSettings(k=v), "2", "k must be a number (got '2')", "k"),
    (lambda v: BacktestSettings(k=v), True, "k must be a number (got True)", "k"),
    # LiquidityParams' other fields: float() read "5" as 5 (the seconds, the rate),
    # math.isfinite raised TypeError on text, True read as 1
    (lambda v: LiquidityParams(resilience_half_life_s=v), "5",
     "resilience_half_life_s must be a number (got '5')", "resilience_half_life_s"),
    (lambda v: LiquidityParams(liquidation_rate_usd_s=v), "1e6",
     "liquidation_rate_usd_s must be a number (got '1e6')",
     "liquidation_rate_usd_s"),
    (lambda v: LiquidityParams(venue_share=v), True, "venue_share must be a number (got True)",
     "venue_share"),
    (lambda v: LiquidityParams(withdrawal_max=v), "0.5",
     "withdrawal_max must be a number (got '0.5')", "withdrawal_max"),
    (lambda v: LiquidityParams(partial_chunk=v), 1.5, "partial_chunk must be in (0, 1] (got 1.5)",
     "partial_chunk"),
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
     (lambda v: _venue(v).insurance_fund, 1e15),
     (lambda v: _ledger(v).insurance_fund, 1e15),
     (check_insurance_fund, 1e15),
     (lambda v: BacktestSettings(k=v).k, MAX_K),
     (lambda v: LiquidityParams(resilience_half_life_s=v).resilience_half_life_s, math.inf),
     (lambda v: eth_shock_path(v, -0.2).iloc[0], 1e15)],
)  # fmt: skip
def test_the_largest_value_allowed_still_runs(make: Callable[[Any], object], value: float) -> None:
    assert make(value) == value


def _request(fund: Any) -> object:
    from liqcascade.cascade import run_cascade_request

    return run_cascade_request(shock=-0.05, insurance_fund=fund)


def _config_fund(fund: Any) -> object:
    data = tomllib.loads(TWO_VENUES.read_text())
    data["venues"][0]["insurance_fund"] = fund
    return parse_config(data, "c.toml")


@pytest.mark.parametrize(
    ("fund", "rule"),
    [(-1.0, "must be >= 0 (got -1.0)"), (math.nan, "must be >= 0 (got nan)"),
     (1e300, "must be at most 1e+15 USD (got 1e+300)"), ("5e6", "must be a number (got '5e6')")],
    ids=["negative", "nan", "past-any-market", "text"],
)  # fmt: skip
def test_every_insurance_fund_is_checked_by_one_function(fund: Any, rule: str) -> None:
    """inputs22: cascade's request said "a finite number >= 0", a contagion configuration
    pydantic's "Input should be greater than or equal to 0"; all now say the one rule."""
    sites: list[tuple[Callable[[Any], object], str]] = [
        (check_insurance_fund, "insurance_fund "),
        (_exchange, "insurance_fund "),
        (_ledger, "insurance_fund "),
        (_venue, "venue 'a': insurance_fund "),
        (_request, "insurance_fund "),
        (_config_fund, "c.toml: venues[0].insurance_fund: "),
    ]
    for make, subject in sites:
        with pytest.raises(InputError) as e:
            make(fund)
        assert str(e.value) == subject + rule, make


def test_one_usd_amount_check_serves_books_and_margin() -> None:
    """inputs22: PositionBook's notional check and the margin formulas' were twins."""
    from liqcascade.margin import binance_liq_price
    from liqcascade.positions import StopBook

    with pytest.raises(InputError) as e:
        PositionBook([1], [1e12], [3000.0], [300.0], [2750.0], [2700.0])
    assert (
        str(e.value)
        == "PositionBook.size[0] x entry_price[0] must be at most 1e+15 USD (got 3e+15)"
    )
    assert e.value.params == ("size", "entry_price")
    with pytest.raises(InputError) as e:
        StopBook([-1, -1], [2900.0, 2900.0], [1.0, 1e12])
    assert str(e.value) == "StopBook.size[1] x trigger[1] must be at most 1e+15 USD (got 2.9e+15)"
    with pytest.raises(InputError) as e:
        binance_liq_price(1, 1e12, 3000.0, 300.0)
    assert str(e.value) == "size x entry_price must be at most 1e+15 USD (got 3e+15)"
    amounts = np.array([[1.0, 2e15], [1.0, 1.0]])
    with pytest.raises(InputError) as e:
        check_usd_amounts(amounts, "a{i} x b{i}", ("a", "b"))
    assert str(e.value) == "a[0, 1] x b[0, 1] must be at most 1e+15 USD (got 2e+15)"
    with pytest.raises(InputError, match=r"^a\[0\] must be at most 1e\+15 USD \(got nan\)"):
        check_usd_amounts(np.array([math.nan]), "a{i}", "a", index_one=True)
