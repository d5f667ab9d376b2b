"""VaR, ES and their back-tests under numbers outside their domain (api18).

A NaN loss made the VaR NaN, an empty sample raised numpy's IndexError (VaR) or gave an
ES of 0, a level outside (0, 1) raised numpy's or math's ValueError (VaR, Kupiec), an
OverflowError (ES at inf), or a plausible figure (ES at -1 was the mean loss; Kupiec at
NaN a ratio of 0 and a p-value of 1). Each now raises InputError naming the parameter.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.stress import (
    Portfolio,
    christoffersen,
    es_interval,
    expected_shortfall,
    kupiec,
    pinball,
    quantile_interval,
    value_at_risk,
)
from liqcascade.stress._result import min_paths

NAN, INF = math.nan, math.inf
LOSS = np.arange(1.0, 401.0)


@pytest.mark.parametrize("level", [NAN, INF, -INF, 0.0, 1.0, -1.0, 99.0])
def test_every_tail_figure_refuses_a_level_outside_zero_one(level: float) -> None:
    calls = [
        lambda: value_at_risk(LOSS, level),
        lambda: expected_shortfall(LOSS, level),
        lambda: es_interval(LOSS, level, n_boot=5),
        lambda: kupiec([True, False, False], level),
        lambda: pinball([0.1], [0.2], level),
        lambda: min_paths(level),
    ]
    for call in calls:
        with pytest.raises(InputError, match=r"level must be a fraction in \(0, 1\)") as e:
            call()
        assert e.value.param == "level"
    with pytest.raises(InputError) as e:
        quantile_interval(LOSS, level)
    assert e.value.param == "q"


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_var_and_es_refuse_a_loss_that_is_not_finite(bad: float) -> None:
    loss = LOSS.copy()
    loss[7] = bad
    for f in (value_at_risk, expected_shortfall):
        with pytest.raises(InputError, match=r"loss\[7\] must be a finite number") as e:
            f(loss, 0.99)
        assert e.value.param == "loss"


def test_var_and_es_refuse_an_empty_sample() -> None:
    for f in (value_at_risk, expected_shortfall):
        with pytest.raises(InputError, match="loss is empty") as e:
            f(np.array([]), 0.99)
        assert e.value.param == "loss"


@pytest.mark.parametrize("n_boot", [0, -1, 2.5])
def test_es_interval_refuses_a_resample_count_below_one(n_boot: object) -> None:
    # 0 raised numpy's "cannot do a non-empty take from an empty axes"-like ValueError
    with pytest.raises(InputError, match="n_boot must be") as e:
        es_interval(LOSS, 0.99, n_boot=n_boot)  # type: ignore[arg-type]
    assert e.value.param == "n_boot"


def test_the_figures_on_a_valid_sample_are_the_order_statistics() -> None:
    # 400 losses 1..400: the 99 % ES averages the worst 4, the VaR interpolates
    assert expected_shortfall(LOSS, 0.99) == pytest.approx(398.5, rel=1e-12)
    assert value_at_risk(LOSS, 0.99) == pytest.approx(np.quantile(LOSS, 0.99), rel=1e-12)
    assert min_paths(0.99) == 368


def _portfolio(**bad: tuple[int, float]) -> dict[str, object]:
    kw: dict[str, object] = {
        "asset": np.array(["ETH", "ETH"]),
        "side": np.array([1, -1], np.int8),
        "size": np.array([1.0, 2.0]),
        "entry_price": np.array([3000.0, 3000.0]),
        "margin": np.array([300.0, 600.0]),
        "liq_price": np.array([2715.0, 3285.0]),
        "stop_price": np.array([np.nan, 3200.0]),
        "names": ["a", "b"],
    }
    for name, (i, v) in bad.items():
        arr = np.array(kw[name], dtype=np.float64)
        arr[i] = v
        kw[name] = arr
    return kw


@pytest.mark.parametrize(("name", "value"), [
    ("size", NAN), ("size", -1.0), ("entry_price", INF), ("entry_price", 0.0),
    ("margin", NAN), ("liq_price", NAN), ("stop_price", -5.0), ("side", 0.0),
])  # fmt: skip
def test_a_portfolio_built_from_arrays_refuses_entries_outside_their_domain(
    name: str, value: float
) -> None:
    # from_frame checked a file's rows; arrays given directly reached the paths as NaN P&L
    with pytest.raises(InputError, match=rf"Portfolio.{name}\[1\] must be") as e:
        Portfolio(**_portfolio(**{name: (1, value)}))  # type: ignore[arg-type]
    assert e.value.param == name


def test_a_portfolio_built_from_arrays_needs_one_entry_per_position() -> None:
    kw = _portfolio()
    kw["margin"] = np.array([300.0])
    with pytest.raises(InputError, match="one entry per position") as e:
        Portfolio(**kw)  # type: ignore[arg-type]
    assert e.value.param == "margin"
    assert len(Portfolio(**_portfolio())) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [1.5, True])
def test_path_counts_and_horizons_must_be_whole(n: object) -> None:
    # monte_carlo(paths=1.5) ran 1 path and horizon_days=1.5 one day's paths, silently
    from liqcascade.stress import run_paths
    from liqcascade.stress._scenarios import check_horizon_days

    with pytest.raises(InputError, match="n_paths must be a whole number") as e:
        run_paths(None, n, 0)  # type: ignore[arg-type]
    assert e.value.param == "n_paths"
    with pytest.raises(InputError, match="horizon_days must be an integer") as e:
        check_horizon_days(n)  # type: ignore[arg-type]
    assert e.value.param == "horizon_days"


def test_kupiec_refuses_a_level_whose_complement_rounds_to_one() -> None:
    # 1e-300: 1 - level is 1.0 and log(1 - p) = log(0) raised "math domain error"
    with pytest.raises(InputError, match="1 - level can tell from 1") as e:
        kupiec([True, False], 1e-300)
    assert e.value.param == "level"
    lr, p = kupiec([True] + [False] * 99, 0.99)  # one hit in 100 at 99 %: a perfect fit
    assert lr == pytest.approx(0.0, abs=1e-12) and p == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("bad", [NAN, 2.0, -1.0, 0.5])
def test_kupiec_and_christoffersen_refuse_hits_that_are_not_bools(bad: float) -> None:
    # np.asarray(hits, dtype=bool) counted NaN, 2 and -1 as exceedances
    hits = np.r_[np.zeros(40), 1.0, 0.0, bad]
    with pytest.raises(InputError, match=r"hits\[42\] must be True/False or 1/0") as e:
        kupiec(hits, 0.95)
    assert e.value.param == "hits"
    with pytest.raises(InputError, match=r"hits\[42\] must be True/False or 1/0") as e:
        christoffersen(hits)
    assert e.value.param == "hits"


def test_kupiec_takes_bools_and_zero_one_alike() -> None:
    ones = np.r_[np.zeros(40), 1.0, 0.0, 1.0]
    lr_f, p_f = kupiec(ones, 0.95)
    lr_b, p_b = kupiec(ones.astype(bool), 0.95)
    assert lr_f == lr_b and p_f == p_b  # the same computation twice
    assert christoffersen(ones) == christoffersen(ones.astype(bool))
    with pytest.raises(InputError, match="hits must be a one-dimensional array of bools"):
        kupiec(np.zeros((2, 3)), 0.95)


@pytest.mark.parametrize(
    ("loss", "var", "match"),
    [([0.1, NAN], [0.05, 0.05], r"loss\[1\] must be finite"),
     ([0.1, 0.2], [INF, 0.05], r"var\[0\] must be finite"),
     ([0.1, 0.2, 0.3], [0.05, 0.05], "loss and var differ in length"),
     ([1e308, -1e308], [-1e308, 1e308], "overflows")],
)  # fmt: skip
def test_pinball_refuses_losses_or_forecasts_that_are_not_finite(
    loss: list[float], var: list[float], match: str
) -> None:
    # a NaN gave a NaN score; unpaired arrays numpy's broadcast error
    with pytest.raises(InputError, match=match):
        pinball(loss, var, 0.9)
    assert pinball([0.2, 0.0], [0.1, 0.1], 0.9) == pytest.approx((0.09 + 0.01) / 2, rel=1e-12)


def test_pinball_of_no_forecast_is_nan_as_kupiec_s() -> None:
    """No forecast scores NaN, as kupiec and score() give; it said 'too large: their
    pinball loss overflows' (the mean of nothing is NaN)."""
    assert math.isnan(pinball([], [], 0.9))
    assert all(math.isnan(v) for v in kupiec([], 0.9))
