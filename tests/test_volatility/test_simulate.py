from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.volatility import fit_volatility, simulate_paths


@pytest.fixture(scope="module")
def gjr(eth_returns_2022_2025: pd.Series):
    return fit_volatility(eth_returns_2022_2025, "gjr", "t")


def test_first_step_is_the_forecast_and_mean_variance_follows_arch(gjr) -> None:
    paths = simulate_paths(gjr, horizon=10, n_paths=40_000, seed=3)
    fc = gjr.forecast(10)
    # the first variance is known at the last bar: exactly arch's one-step forecast
    np.testing.assert_allclose(paths.variance[:, 0], fc["variance"].iloc[0], rtol=1e-10)
    # the mean variance path matches arch's analytic multi-step forecast (MC error)
    np.testing.assert_allclose(paths.variance.mean(axis=0), fc["variance"], rtol=0.05)
    # returns have the model's mean and variance
    assert paths.returns[:, 0].mean() == pytest.approx(gjr.params["mu"], abs=0.05)
    assert paths.returns[:, 0].var() == pytest.approx(fc["variance"].iloc[0], rel=0.06)


def test_fhs_resamples_standardised_residuals(gjr) -> None:
    p = simulate_paths(gjr, horizon=3, n_paths=500, method="fhs", seed=1)
    z0 = (p.returns[:, 0] - gjr.params["mu"]) / np.sqrt(p.variance[:, 0])
    pool = set(np.round(gjr.std_resid.to_numpy(), 9))
    assert set(np.round(z0, 9)) <= pool


def test_seeded_and_validated(gjr) -> None:
    a = gjr.simulate(5, 100, seed=7)
    b = gjr.simulate(5, 100, seed=7)
    c = gjr.simulate(5, 100, seed=8)
    assert np.array_equal(a.returns, b.returns) and not np.array_equal(a.returns, c.returns)
    assert a.price_paths(2000.0).shape == (100, 5)
    assert len(a.to_frame()) == 5 and a.summary()["paths"] == 100
    with pytest.raises(InputError, match="n_paths must be a whole number >= 1"):
        simulate_paths(gjr, 5, 0)
    with pytest.raises(InputError, match="horizon must be a whole number >= 1"):
        simulate_paths(gjr, 0, 5)
