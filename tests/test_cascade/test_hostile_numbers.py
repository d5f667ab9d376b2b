"""The cascade's public functions under numbers outside their domain (api18).

Each refuses with an InputError naming the parameter instead of hanging, raising
numpy's or Python's own error from deep inside, or handing NaN to a kernel.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.book import OrderBook
from liqcascade.cascade import (
    CascadeConfig,
    calibrated_cascade,
    critical_shock,
    fragility_curve,
    load_liquidity,
    next_wave_levels,
    prepare_cascade,
    simulate_cascade,
    simulate_clock,
)
from liqcascade.cascade._clock import LiquidityParams, default_grid
from liqcascade.cascade._kernels import N_GRID
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook

NAN, INF = math.nan, math.inf


@pytest.fixture(scope="module")
def market() -> tuple[OrderBook, PositionBook, StopBook]:
    book = OrderBook.parametric(3000.0, 5e6, n_levels=500)
    side = np.array([1, 1, -1, -1])
    size = np.array([10.0, 20.0, 5.0, 7.0])
    entry = np.array([3100.0, 3050.0, 2900.0, 2950.0])
    liq = entry * (1 - side * 0.045)
    bkr = entry * (1 - side * 0.05)
    pos = PositionBook(side, size, entry, entry * size / 20, liq, bkr)
    stops = StopBook(np.array([-1, 1]), np.array([2950.0, 3050.0]), np.array([5.0, 5.0]))
    return book, pos, stops


@pytest.mark.parametrize("fund", [NAN, INF, -INF, -1.0])
def test_every_cascade_entry_refuses_a_fund_that_is_not_finite_and_non_negative(
    market: tuple[OrderBook, PositionBook, StopBook], fund: float
) -> None:
    # fragility_curve and critical_shock handed the fund to the kernel unchecked
    book, pos, stops = market
    pm = prepare_cascade(book, pos, stops)
    calls = [
        lambda: simulate_cascade(pm, shock=-0.05, insurance_fund=fund),
        lambda: fragility_curve(pm, shocks=[-0.05], insurance_fund=fund),
        lambda: critical_shock(pm, insurance_fund=fund),
        lambda: simulate_clock(pm, shock=-0.05, insurance_fund=fund),
    ]
    for call in calls:
        with pytest.raises(InputError, match="insurance_fund must be") as e:
            call()
        assert e.value.param == "insurance_fund"


@pytest.mark.parametrize("tol", [0.0, -1e-6, NAN, -INF])
def test_critical_shock_refuses_a_tolerance_not_above_zero(
    market: tuple[OrderBook, PositionBook, StopBook], tol: float
) -> None:
    # tol <= 0 looped forever (|hi - lo| never goes below it); NaN skipped the bisection
    book, pos, stops = market
    with pytest.raises(InputError, match="tol must be") as e:
        critical_shock(book, pos, stops, tol=tol)
    assert e.value.param == "tol"


def test_critical_shock_stops_at_float_resolution_for_a_tiny_tolerance(
    market: tuple[OrderBook, PositionBook, StopBook],
) -> None:
    # 1e-300 is legal but below the spacing of floats near the answer: it looped forever
    book, pos, stops = market
    fine = critical_shock(book, pos, stops, tol=1e-300)
    usual = critical_shock(book, pos, stops, tol=1e-9)
    assert fine.shock == pytest.approx(usual.shock, abs=2e-9)
    assert fine.reached == usual.reached


@pytest.mark.parametrize("grid", [0, -1, 2.5, True, "400"])
def test_critical_shock_refuses_a_grid_that_is_not_a_positive_count(
    market: tuple[OrderBook, PositionBook, StopBook], grid: object
) -> None:
    # 0 raised ZeroDivisionError, -1 numpy's ValueError
    book, pos, stops = market
    with pytest.raises(InputError, match="grid must be") as e:
        critical_shock(book, pos, stops, grid=grid)  # type: ignore[arg-type]
    assert e.value.param == "grid"


def test_critical_shock_refuses_a_grid_beyond_the_memory(
    market: tuple[OrderBook, PositionBook, StopBook], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10^9 points allocated (N_GRID + 3) float64 each before running: it ran for minutes
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "100MB")
    book, pos, stops = market
    n = 10**9
    assert n * 8 * (N_GRID + 3) > 100 * 2**20
    with pytest.raises(InputError, match="grid 1000000000 needs about") as e:
        critical_shock(book, pos, stops, grid=n)
    assert e.value.param == "grid"


@pytest.mark.parametrize("grid", [1, 2])
def test_critical_shock_with_the_smallest_grids_finds_the_same_shock(
    market: tuple[OrderBook, PositionBook, StopBook], grid: int
) -> None:
    book, pos, stops = market
    got = critical_shock(book, pos, stops, grid=grid, tol=1e-9)
    want = critical_shock(book, pos, stops, tol=1e-9)
    assert got.shock == pytest.approx(want.shock, abs=2e-9)


@pytest.mark.parametrize("shocks", [["a"], np.array(["-0.05"]), [[-0.05, None]]])
def test_fragility_curve_refuses_shocks_that_are_not_numbers(
    market: tuple[OrderBook, PositionBook, StopBook], shocks: object
) -> None:
    # a string raised numpy's ValueError; a string of a number was read as one
    book, pos, stops = market
    with pytest.raises(InputError, match="shocks must be") as e:
        fragility_curve(book, pos, stops, shocks=shocks)  # type: ignore[arg-type]
    assert e.value.param == "shocks"


@pytest.mark.parametrize("max_distance", [NAN, INF, -INF, 0.0, -0.0, -0.1])
def test_next_wave_refuses_a_range_that_is_not_a_positive_fraction(
    market: tuple[OrderBook, PositionBook, StopBook], max_distance: float
) -> None:
    # NaN / inf raised "cannot convert float NaN to integer" / OverflowError, <= 0
    # "math domain error"
    _, pos, stops = market
    with pytest.raises(InputError, match="max_distance must be") as e:
        next_wave_levels(pos, stops, 3000.0, max_distance=max_distance)
    assert e.value.param == "max_distance"


@pytest.mark.parametrize("price", [1e-300, 1e-12, 3e-8])
def test_next_wave_default_levels_at_a_tiny_price_stay_within_the_range(
    market: tuple[OrderBook, PositionBook, StopBook], price: float
) -> None:
    # the levels' lower end was price * 0.75 - 1e-9 USD: at 1e-300 numpy refused an
    # arange of ~10^291 steps; at 3e-8 the levels ran to 0 instead of to -25 %
    _, pos, stops = market
    nw = next_wave_levels(pos, stops, price)
    levels = nw.frame["level"].to_numpy()
    assert 1 <= levels.size <= 20
    assert (levels < price).all()
    assert (levels >= price * 0.75 * (1 - 1e-9)).all()


@pytest.mark.parametrize("bad", [NAN, INF, -5.0, 0.0])
def test_next_wave_refuses_given_levels_that_are_not_positive_prices(
    market: tuple[OrderBook, PositionBook, StopBook], bad: float
) -> None:
    # NaN and the levels <= 0 were dropped without a word
    _, pos, stops = market
    with pytest.raises(InputError, match="levels must be finite prices > 0") as e:
        next_wave_levels(pos, stops, 3000.0, levels=[bad, 2900.0])
    assert e.value.param == "levels"


@pytest.mark.parametrize("horizon", [NAN, INF, 0.0, -1.0, 24.0 * 366])
def test_the_clock_grid_refuses_a_horizon_outside_a_year(horizon: float) -> None:
    # inf raised OverflowError (math.ceil), a horizon of 10^9 hours allocated 10^9 steps
    with pytest.raises(InputError, match="horizon_hours must be") as e:
        default_grid(horizon)
    assert e.value.param == "horizon_hours"


def test_the_clock_grid_keeps_a_year() -> None:
    dt = default_grid(24.0 * 365)
    assert float(dt.sum()) == pytest.approx(365 * 86400.0, rel=1e-12)


@pytest.mark.parametrize(
    ("kw", "param"),
    [
        ({"insurance_fund": NAN}, "insurance_fund"),
        ({"insurance_fund": -1.0}, "insurance_fund"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"horizon_hours": INF}, "horizon_hours"),
        ({"horizon_hours": NAN}, "horizon_hours"),
    ],
)
def test_calibrated_cascade_refuses_numbers_outside_their_domain(
    market: tuple[OrderBook, PositionBook, StopBook], kw: dict[str, float], param: str
) -> None:
    # a NaN fund reached the clock kernel, seed -1 raised numpy's ValueError, an
    # infinite horizon OverflowError
    book, pos, stops = market
    pm = prepare_cascade(book, pos, stops)
    with pytest.raises(InputError) as e:
        calibrated_cascade(
            pm, shock=-0.05, calibration=load_liquidity("ETH"), sigma_hourly=0.006, **kw
        )
    assert e.value.param == param


@pytest.mark.parametrize("rounds", [NAN, INF, 2.5, 0, True])
def test_the_config_refuses_max_rounds_that_are_not_a_count(rounds: object) -> None:
    # NaN / inf passed the config and failed in the engine's int(); 2.5 ran 2 rounds
    with pytest.raises(InputError, match="max_rounds must be") as e:
        CascadeConfig(max_rounds=rounds)  # type: ignore[arg-type]
    assert e.value.param == "max_rounds"


@pytest.mark.parametrize("flag", [NAN, 1, "yes"])
def test_the_config_refuses_a_partial_liquidation_flag_that_is_not_a_bool(flag: object) -> None:
    # NaN is truthy: it turned partial liquidation on
    with pytest.raises(InputError, match="partial_liquidation must be True or False") as e:
        CascadeConfig(partial_liquidation=flag)  # type: ignore[arg-type]
    assert e.value.param == "partial_liquidation"


@pytest.mark.parametrize("threshold", [NAN, -1.0, -INF])
def test_prepare_refuses_a_partial_threshold_below_zero(
    market: tuple[OrderBook, PositionBook, StopBook], threshold: float
) -> None:
    book, pos, stops = market
    with pytest.raises(InputError, match="partial_threshold_usd must be >= 0") as e:
        prepare_cascade(book, pos, stops, partial_threshold_usd=threshold)
    assert e.value.param == "partial_threshold_usd"


@pytest.mark.parametrize("dt", [np.ones((3, 4)), np.array([])], ids=["2-D", "empty"])
def test_the_clock_refuses_steps_that_are_not_a_flat_nonempty_array(
    market: tuple[OrderBook, PositionBook, StopBook], dt: np.ndarray
) -> None:
    # 2-D raised numba's TypingError; no steps returned the mid as the final price of a
    # -5 % shock
    book, pos, stops = market
    with pytest.raises(InputError, match="dt must be a one-dimensional array") as e:
        simulate_clock(prepare_cascade(book, pos, stops), shock=-0.05, dt=dt)
    assert e.value.param == "dt"


def test_the_clock_with_one_step_lands_on_the_shock_price(
    market: tuple[OrderBook, PositionBook, StopBook],
) -> None:
    book, pos, stops = market
    r = simulate_clock(prepare_cascade(book, pos, stops), shock=-0.05, dt=np.array([0.0]))
    assert r.shock_price == pytest.approx(2850.0, rel=1e-12)
    assert r.final_price <= r.shock_price * (1 + 1e-12)


@pytest.mark.parametrize("max_distance", [1e-300, 1e-15])
@pytest.mark.parametrize("direction", ["down", "up"])
def test_next_wave_refuses_a_range_below_the_price_resolution(
    market: tuple[OrderBook, PositionBook, StopBook], max_distance: float, direction: str
) -> None:
    # 1e-300 raised numpy's "Maximum allowed size exceeded"; 1e-15 returned levels a
    # step apart that were the same float
    _, pos, stops = market
    with pytest.raises(InputError, match=r"max_distance .* is too small") as e:
        next_wave_levels(pos, stops, 3000.0, max_distance=max_distance, direction=direction)
    assert e.value.param == "max_distance"
    fine = next_wave_levels(pos, stops, 3000.0, max_distance=1e-11, direction=direction)
    assert fine.frame["level"].is_unique and len(fine.frame) >= 1


# checks20 ------------------------------------------------------------------------------
def test_liquidity_params_name_each_parameter() -> None:
    with pytest.raises(InputError, match=r"^venue_share must be in \(0, 1\]") as e:
        LiquidityParams(venue_share=2.0)
    assert e.value.param == "venue_share"
