"""The stop back-test's and transparency metrics' statistics under hostile numbers (api18).

``top_decile_precision`` raised numpy's "Quantiles must be in the range [0, 1]" for a
``q`` outside it; ``wilson_interval`` gave (0, 1) for a NaN level and (nan, nan) for a
negative count; ``spearman`` raised numpy's broadcast error on unpaired arrays;
``max_drawdown`` turned a NaN equity point into a NaN drawdown.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.protect import (
    BacktestSettings,
    FillModel,
    RecommendSettings,
    check_position,
    max_drawdown,
    spearman,
    top_decile_precision,
    wilson_interval,
)

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("q", [NAN, INF, -0.1, 0.0, 1.0, 90.0])
def test_top_decile_precision_refuses_a_quantile_outside_zero_one(q: float) -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(InputError, match=r"q must be a fraction in \(0, 1\)") as e:
        top_decile_precision(rng.random(50), rng.random(50), q)
    assert e.value.param == "q"


def test_top_decile_precision_and_spearman_refuse_unpaired_arrays() -> None:
    with pytest.raises(InputError, match="the same shape") as e:
        top_decile_precision(np.arange(5.0), np.arange(4.0))
    assert e.value.params == ("metric", "target")
    with pytest.raises(InputError, match="the same shape") as e:
        spearman(np.arange(5.0), np.arange(4.0))
    assert e.value.params == ("a", "b")


@pytest.mark.parametrize("level", [NAN, 0.0, 1.0, -0.5, 90.0])
def test_wilson_interval_refuses_a_level_outside_zero_one(level: float) -> None:
    with pytest.raises(InputError, match="level must be") as e:
        wilson_interval(3, 10, level)
    assert e.value.param == "level"


def test_wilson_interval_refuses_a_negative_count_and_keeps_nan_for_none() -> None:
    with pytest.raises(InputError, match="n must be a whole number >= 0") as e:
        wilson_interval(0, -1)
    assert e.value.param == "n"
    lo, hi = wilson_interval(0, 0)  # documented: no trials, no interval
    assert math.isnan(lo) and math.isnan(hi)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_max_drawdown_refuses_an_equity_point_that_is_not_finite(bad: float) -> None:
    with pytest.raises(InputError, match=r"equity\[1\] must be a finite number") as e:
        max_drawdown(np.array([0.1, bad, 0.2]))
    assert e.value.param == "equity"


def test_max_drawdown_of_a_rising_curve_is_zero_and_of_a_fall_its_depth() -> None:
    assert max_drawdown(np.array([0.1, 0.2, 0.3])) == 0.0
    assert max_drawdown(np.array([0.1, -0.2, 0.05])) == pytest.approx(0.3, abs=1e-12)


@pytest.mark.parametrize(("kw", "param"), [
    ({"max_liq_fraction": NAN}, "max_liq_fraction"),
    ({"max_liq_fraction": 1.5}, "max_liq_fraction"),
    ({"notional_usd": NAN}, "notional_usd"), ({"notional_usd": INF}, "notional_usd"),
    ({"band": NAN}, "band"), ({"band": -0.01}, "band"),
    ({"n_random": NAN}, "n_random"), ({"n_random": 2.5}, "n_random"),
    ({"horizon_days": 2.5}, "horizon_days"),
])  # fmt: skip
def test_backtest_settings_refuse_numbers_outside_their_domain(
    kw: dict[str, float], param: str
) -> None:
    # each was accepted (NaN fails every comparison) and reached the back-test

    with pytest.raises(InputError) as e:
        BacktestSettings(**kw)  # type: ignore[arg-type]
    assert e.value.param == param


@pytest.mark.parametrize(("kw", "param"), [
    ({"vol_days": NAN}, "vol_days"), ({"vol_days": INF}, "vol_days"),
    ({"window": NAN}, "window"), ({"window": -0.01}, "window"), ({"window": 0.5}, "window"),
])  # fmt: skip
def test_recommend_settings_refuse_numbers_outside_their_domain(
    kw: dict[str, float], param: str
) -> None:

    with pytest.raises(InputError) as e:
        RecommendSettings(**kw)  # type: ignore[arg-type]
    assert e.value.param == param


@pytest.mark.parametrize(
    ("a", "match"),
    [(np.ones((3, 3)), r"a must be a one-dimensional array of numbers \(got shape \(3, 3\)\)"),
     (["1", "2", "3"], "a must be a one-dimensional array of numbers"),
     (3.0, r"a must be a one-dimensional array of numbers \(got shape \(\)\)")],
)  # fmt: skip
def test_spearman_refuses_what_is_not_a_series_of_numbers(a: object, match: str) -> None:
    # a table and a scalar gave NaN, text numpy's "could not convert string to float"
    b = np.arange(9.0).reshape(3, 3) if np.ndim(a) == 2 else np.arange(float(np.size(a)))
    with pytest.raises(InputError, match=match) as e:
        spearman(a, b)  # type: ignore[arg-type]
    assert e.value.param == "a"
    with pytest.raises(InputError, match="target must be a one-dimensional") as e:
        top_decile_precision(np.arange(3.0), a)  # type: ignore[arg-type]
    assert e.value.param == "target"


def test_spearman_still_drops_non_finite_pairs_and_ranks_the_rest() -> None:
    a = np.array([1.0, 2.0, NAN, 3.0, 4.0, INF])
    b = np.array([10.0, 20.0, 5.0, 30.0, 40.0, 0.0])
    assert spearman(a, b) == pytest.approx(1.0, rel=1e-12)
    assert spearman(a, -b) == pytest.approx(-1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("k", "n", "param"),
    [(3, INF, "n"), (3, 10.0, "n"), (3.5, 10, "k"), (NAN, 10, "k"), (True, 10, "k")],
)
def test_wilson_interval_refuses_counts_that_are_not_whole(
    k: object, n: object, param: str
) -> None:
    # n = inf gave (0, 0), 3.5 successes of 10 an interval
    with pytest.raises(InputError, match=f"{param} must be a whole number >= 0") as e:
        wilson_interval(k, n)  # type: ignore[arg-type]
    assert e.value.param == param
    lo, hi = wilson_interval(np.int64(3), np.int64(10))
    assert 0.0 < lo < 0.3 < hi < 1.0


# checks20: the settings' amounts and multiples -------------------------------------
@pytest.mark.parametrize(
    ("kw", "param"),
    [({"beta": NAN}, "beta"), ({"beta": "0.7"}, "beta"), ({"depth_share": -1.0}, "depth_share"),
     ({"window": INF}, "window"), ({"max_distance": 1.0}, "max_distance"),
     ({"offset": 1.0}, "offset"), ({"swing_days": 0}, "swing_days"),
     # review20: NaN and 2.5 days passed (the back-test's rolling window then raised
     # pandas' ValueError), text raised TypeError
     ({"swing_days": NAN}, "swing_days"), ({"swing_days": 2.5}, "swing_days"),
     ({"swing_days": "3"}, "swing_days"), ({"swing_days": True}, "swing_days"),
     ({"max_distance": "0.4"}, "max_distance"), ({"max_distance": NAN}, "max_distance")],
)  # fmt: skip
def test_fill_model_names_the_parameter_at_fault(kw: dict[str, object], param: str) -> None:
    # the errors carried no param (and text raised TypeError); the message is as it was
    with pytest.raises(InputError, match=rf"^FillModel\.{param} must be") as e:
        FillModel(**kw)  # type: ignore[arg-type]
    assert e.value.param == param


@pytest.mark.parametrize(("size", "entry"), [(1e300, 2500.0), (1.0, 1e300), (1e12, 2500.0)])
def test_check_position_refuses_a_notional_past_any_market(size: float, entry: float) -> None:
    # the leverage refusal wrote a 1e300 ETH position's notional out in 301 digits
    with pytest.raises(InputError, match=r"^size x entry must be at most 1e\+15 USD") as e:
        check_position("long", entry, size, 5.0)
    assert e.value.params == ("size", "entry")
    assert check_position("long", 2500.0, 1e11, 5.0) == 1
