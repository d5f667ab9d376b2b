"""Volatility-clustering diagnostics under numbers outside their domain (api18).

``ljung_box`` summed no lags for ``lags`` 0 or negative (Q = 0: "no clustering"),
raised ZeroDivisionError for lags past the series or a constant series, and took NaN
into Q; ``clustering_test`` passed a too-short series to statsmodels' own errors.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.volatility import (
    VolatilityFit,
    clustering_test,
    fit_volatility,
    forecast_variance_draws,
    ljung_box,
    realized_volatility,
    simulate_paths,
)

X = np.random.default_rng(5).standard_normal(200)


@pytest.mark.parametrize("lags", [0, -1, 200, 10**6, 2.5, True])
def test_ljung_box_refuses_lags_outside_the_series(lags: object) -> None:
    with pytest.raises(InputError, match="lags must be a whole number in") as e:
        ljung_box(X, lags)  # type: ignore[arg-type]
    assert e.value.param == "lags"


def test_ljung_box_refuses_a_series_with_nan() -> None:
    x = X.copy()
    x[3] = math.nan
    with pytest.raises(InputError, match="x must be finite") as e:
        ljung_box(x, 5)
    assert e.value.param == "x"


def test_ljung_box_of_a_constant_series_is_nan_and_of_white_noise_small() -> None:
    assert math.isnan(ljung_box(np.full(50, 2.0), 5))
    # 200 normal draws: Q ~ chi2(10), below its 99.9 % quantile 29.6 for this seed
    assert 0.0 < ljung_box(X, 10) < 29.6


@pytest.mark.parametrize(("n", "lags"), [(20, 10), (2, 1)])
def test_clustering_test_refuses_a_series_too_short_for_its_lags(n: int, lags: int) -> None:
    # 2 x lags values or fewer: statsmodels raised "maximum of maxlag should be < nobs" or
    # returned NaN statistics from a rank-deficient regression
    with pytest.raises(InputError, match="more than 2 x lags") as e:
        clustering_test(X[:n], lags=lags)
    assert e.value.params == ("x", "lags")


@pytest.mark.parametrize("lags", [0, -2, 1.5])
def test_clustering_test_refuses_lags_that_are_not_a_count(lags: object) -> None:
    with pytest.raises(InputError, match="lags must be a whole number >= 1") as e:
        clustering_test(X, lags=lags)  # type: ignore[arg-type]
    assert e.value.param == "lags"


@pytest.fixture(scope="module")
def garch(eth_returns_2022_2025: pd.Series) -> VolatilityFit:
    return fit_volatility(eth_returns_2022_2025, "garch", "normal")


@pytest.mark.parametrize(("kw", "param"), [
    ({"horizon": 2.5}, "horizon"), ({"horizon": 0}, "horizon"), ({"n_paths": 2.5}, "n_paths"),
    ({"n_paths": True}, "n_paths"), ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
])  # fmt: skip
def test_simulate_paths_refuses_counts_and_seeds_outside_their_domain(
    garch: VolatilityFit, kw: dict[str, object], param: str
) -> None:
    # 2.5 raised numpy's TypeError, seed -1 its ValueError
    args = {"horizon": 5, "n_paths": 10} | kw
    with pytest.raises(InputError) as e:
        simulate_paths(garch, **args)  # type: ignore[arg-type]
    assert e.value.param == param


def test_path_and_draw_counts_beyond_the_memory_are_refused(
    garch: VolatilityFit, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10^12 paths raised numpy's MemoryError after trying to allocate 36 TiB
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "100MB")
    with pytest.raises(InputError, match="needs about") as e:
        simulate_paths(garch, 5, 10**12)
    assert e.value.param == "n_paths"
    with pytest.raises(InputError, match="needs about") as e:
        forecast_variance_draws(garch, 5, n_draws=10**12)
    assert e.value.param == "n_draws"
    with pytest.raises(InputError, match="needs about") as e:
        garch.forecast(10**12)
    assert e.value.param == "horizon"


@pytest.mark.parametrize("horizon", [2.5, 0, -1])
def test_forecasts_refuse_a_horizon_that_is_not_a_count(
    garch: VolatilityFit, horizon: object
) -> None:
    for call in (lambda: garch.forecast(horizon), lambda: forecast_variance_draws(garch, horizon)):
        with pytest.raises(InputError, match="horizon must be a whole number >= 1") as e:
            call()  # type: ignore[arg-type]
        assert e.value.param == "horizon"


@pytest.mark.parametrize("bad", [math.nan, -1.0, 0.0, math.inf])
def test_realized_volatility_refuses_a_close_that_is_not_a_price(bad: float) -> None:
    # a NaN or negative close dropped two returns of its day (RV biased low), 0 made it inf
    idx = pd.date_range("2025-01-01", periods=96, freq="h", tz="UTC")
    close = pd.Series(3000 * np.exp(np.cumsum(np.full(96, 0.001))), index=idx)
    close.iloc[30] = bad
    with pytest.raises(InputError, match="intraday_close must be a positive price") as e:
        realized_volatility(close)
    assert e.value.param == "intraday_close"
