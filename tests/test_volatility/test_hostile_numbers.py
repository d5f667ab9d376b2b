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
    expected_abs,
    fit_volatility,
    forecast_variance_draws,
    half_life_bars,
    leverage_verdict,
    ljung_box,
    negative_share,
    next_variance,
    persistence,
    realized_volatility,
    simulate_paths,
    unconditional_variance,
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


# lib19: the closed-form quantities of a fitted model

NAN, INF = math.nan, math.inf
GJR = {"omega": 0.05, "alpha[1]": 0.05, "gamma[1]": 0.08, "beta[1]": 0.9, "nu": 6.0}


@pytest.mark.parametrize(
    ("eps", "s2", "param"),
    [(NAN, 1.0, "eps"), (INF, 1.0, "eps"), (np.array([0.1, -INF]), 1.0, "eps"),
     (0.1, NAN, "sigma2_prev"), (0.1, 0.0, "sigma2_prev"), (0.1, -1.0, "sigma2_prev"),
     (0.1, INF, "sigma2_prev"), (1e300, 1.0, "eps")],
)  # fmt: skip
def test_next_variance_refuses_a_shock_or_variance_outside_its_domain(
    eps: object, s2: float, param: str
) -> None:
    # NaN and inf came back as a NaN or infinite variance, 1e300 overflowed to inf
    with pytest.raises(InputError, match=param) as e:
        next_variance(GJR, "gjr", eps, s2)  # type: ignore[arg-type]
    assert e.value.param == param


def test_next_variance_on_valid_inputs_is_the_gjr_recursion() -> None:
    eps = np.array([-2.0, 0.0, 2.0])
    out = next_variance(GJR, "gjr", eps, 1.5)
    want = 0.05 + 0.05 * eps**2 + 0.08 * eps**2 * (eps < 0) + 0.9 * 1.5
    np.testing.assert_allclose(out, want, rtol=1e-12)


@pytest.mark.parametrize(
    ("params", "match"),
    [({**GJR, "beta[1]": NAN}, r"params\['beta\[1\]'\] must be a finite number"),
     ({**GJR, "alpha[1]": INF}, r"params\['alpha\[1\]'\] must be a finite number"),
     ({k: v for k, v in GJR.items() if k != "gamma[1]"}, r"params must hold 'gamma\[1\]'"),
     ({**GJR, "nu": 2.0}, r"params\['nu'\] must be > 2"),
     ({**GJR, "nu": "6"}, r"params\['nu'\] must be a finite number")],
)  # fmt: skip
def test_persistence_refuses_parameters_outside_their_domain(params: dict, match: str) -> None:
    # NaN/inf gave a NaN persistence, a missing key a KeyError, nu = 2 NaN moments
    with pytest.raises(InputError, match=match) as e:
        persistence(params, "gjr", "t")
    assert e.value.param == "params"


def test_formulas_refuse_another_model_or_distribution() -> None:
    # "GARCH" fell through to GJR's formula, reading gamma
    with pytest.raises(InputError, match="model must be one of") as e:
        unconditional_variance(GJR, "arch", "t")
    assert e.value.param == "model"
    with pytest.raises(InputError, match="dist must be one of") as e:
        expected_abs(GJR, "cauchy")
    assert e.value.param == "dist"
    with pytest.raises(InputError, match=r"params\['lambda'\] must be in \(-1, 1\)"):
        negative_share({"eta": 6.0, "lambda": 1.5}, "skewt")
    assert persistence(GJR, "GARCH", "t") == pytest.approx(0.95, rel=1e-12)


@pytest.mark.parametrize("p", [NAN, "0.9", None])
def test_half_life_bars_refuses_a_persistence_that_is_not_a_number(p: object) -> None:
    # NaN gave inf: "shocks never decay" from a failed fit
    with pytest.raises(InputError, match="p must be a number") as e:
        half_life_bars(p)  # type: ignore[arg-type]
    assert e.value.param == "p"
    assert half_life_bars(0.5) == pytest.approx(1.0, rel=1e-12)
    assert half_life_bars(INF) == INF and half_life_bars(-INF) == 0.0


@pytest.mark.parametrize(
    ("args", "param"),
    [((0.1, 0.01, "gjr", NAN), "level"), ((0.1, 0.01, "gjr", 5.0), "level"),
     ((0.1, 1.5, "gjr"), "pvalue"), ((0.1, -0.01, "gjr"), "pvalue"),
     (("0.1", 0.01, "gjr"), "gamma"), ((0.1, 0.01, "garch"), "model")],
)  # fmt: skip
def test_leverage_verdict_refuses_a_level_or_pvalue_outside_zero_one(
    args: tuple[object, ...], param: str
) -> None:
    # level NaN made every gamma "significant"; "garch" raised a bare ValueError
    with pytest.raises(InputError, match=f"{param} must") as e:
        leverage_verdict(*args)  # type: ignore[arg-type]
    assert e.value.param == param
    assert leverage_verdict(0.1, NAN, "gjr") == "not significant"  # documented: no std errors
    assert leverage_verdict(0.1, 0.01, "gjr") == "significant"


def test_clustering_diagnostics_refuse_a_series_whose_squares_overflow() -> None:
    # lib19: 1e300 gave ljung_box a NaN Q and clustering_test statsmodels' MissingDataError
    x = np.r_[np.random.default_rng(0).normal(size=60), 1e300]
    with pytest.raises(InputError, match="x is too large: its squares overflow") as e:
        ljung_box(x, 5)
    assert e.value.param == "x"
    with pytest.raises(InputError, match="x is too large: its squares overflow") as e:
        clustering_test(x, lags=5)
    assert e.value.param == "x"
    assert math.isfinite(ljung_box(x[:-1] * 1e30, 5))  # large but squarable: a statistic
