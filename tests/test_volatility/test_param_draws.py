"""Parameter draws of a GARCH/GJR forecast: arch's forecast per draw, checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.volatility import fit_volatility, log_returns, persistence
from liqcascade.volatility._param_draws import forecast_variance_draws, valid_draw
from reference.volatility_reference import garch_forecast_py

H = 5


@pytest.fixture(scope="module")
def eth_1000(eth_close: pd.Series) -> pd.Series:
    return log_returns(eth_close[:"2025-07-31"].iloc[-1001:])


@pytest.fixture(scope="module")
def gjr(eth_1000: pd.Series):
    return fit_volatility(eth_1000, "gjr", "t", interval="1d", asset="ETH")


@pytest.mark.parametrize("model", ["garch", "gjr"])
def test_arch_forecast_equals_the_reference_on_random_parameters(
    eth_1000: pd.Series, model: str
) -> None:
    # arch's analytic forecast (the one run per draw) against the loop written out,
    # on 40 random stationary parameter sets and the real returns
    fit = fit_volatility(eth_1000, model, "t", interval="1d", asset="ETH")
    rng = np.random.default_rng(7)
    names = list(fit.params.index)
    r = eth_1000.to_list()
    n = 0
    while n < 40:
        p = {"mu": rng.normal(0, 0.3), "omega": rng.uniform(0.01, 10),
             "alpha[1]": rng.uniform(0, 0.3), "beta[1]": rng.uniform(0, 0.95),
             "nu": rng.uniform(2.5, 30)}  # fmt: skip
        if model == "gjr":
            p["gamma[1]"] = rng.uniform(-p["alpha[1]"], 0.4)
        if not valid_draw(p, model, "t"):
            continue
        row = np.array([p[k] for k in names])
        got = fit.result.model.forecast(params=row, horizon=H, reindex=False)
        assert_same(got.variance.iloc[-1].to_numpy(float), garch_forecast_py(r, p, model, H),
                    rtol=1e-9)  # fmt: skip
        n += 1


def test_draws_are_valid_deterministic_and_bracket_the_point(gjr) -> None:
    a = forecast_variance_draws(gjr, H, n_draws=60, seed=3)
    b = forecast_variance_draws(gjr, H, n_draws=60, seed=3)
    assert a.shape == (60, H) and np.isfinite(a).all() and (a > 0).all()
    assert_same(a, b, rtol=0)  # same process, same seed: the same draws
    c = forecast_variance_draws(gjr, H, n_draws=60, seed=4)
    assert not np.allclose(a, c)
    point = math.sqrt(float(gjr.forecast(H)["variance"].sum()))
    horizon_vol = np.sqrt(a.sum(axis=1))
    lo, hi = np.percentile(horizon_vol, [5, 95])
    # the ETH fit's beta has a standard error about its own size: a real spread
    assert lo < point < hi and hi / lo > 1.2


def test_egarch_and_bad_arguments_are_refused(eth_1000: pd.Series, gjr) -> None:
    eg = fit_volatility(eth_1000, "egarch", "t", interval="1d", asset="ETH")
    with pytest.raises(InputError, match="analytic forecast"):
        forecast_variance_draws(eg, H)
    with pytest.raises(InputError, match="horizon must be a whole number >= 1"):
        forecast_variance_draws(gjr, 0)
    with pytest.raises(InputError, match="n_draws must be a whole number >= 1"):
        forecast_variance_draws(gjr, H, n_draws=0)


def test_a_covariance_that_is_not_finite_gives_no_draws(gjr, monkeypatch) -> None:
    bad = gjr.result.param_cov * np.nan
    monkeypatch.setattr(type(gjr.result), "param_cov", property(lambda self: bad))
    assert forecast_variance_draws(gjr, H).shape == (0, H)


_unit = st.floats(0.0, 1.0, allow_nan=False)


@given(omega=st.floats(1e-6, 50), a=_unit, b=_unit, g=st.floats(-1, 1), nu=st.floats(2.1, 60))
def test_valid_draw_is_the_stationary_family(
    omega: float, a: float, b: float, g: float, nu: float
) -> None:
    p = {"mu": 0.0, "omega": omega, "alpha[1]": a, "beta[1]": b, "gamma[1]": g, "nu": nu}
    expected = a + g >= 0 and persistence(p, "gjr", "t") < 1
    assert valid_draw(p, "gjr", "t") == expected
    assert not valid_draw({**p, "omega": -omega}, "gjr", "t")
    assert not valid_draw({**p, "nu": 2.0}, "gjr", "t")


def test_a_skew_t_draw_with_eta_at_or_below_2_is_rejected_not_an_error() -> None:
    """The skew-t's ``eta`` <= 2 has no unit-variance error: such a draw is not a valid
    model (as a Student-t ``nu`` <= 2.05 is); the checked formulas' refusal of it
    (lib19) made the whole draw an InputError."""
    from liqcascade.volatility._param_draws import valid_draw

    p = {"mu": 0.0, "omega": 0.05, "alpha[1]": 0.05, "gamma[1]": 0.05, "beta[1]": 0.85,
         "lambda": 0.0}  # fmt: skip
    assert valid_draw({**p, "eta": 1.9}, "gjr", "skewt") is False
    assert valid_draw({**p, "eta": 2.0}, "garch", "skewt") is False
    assert valid_draw({**p, "eta": 6.0}, "gjr", "skewt") is True
