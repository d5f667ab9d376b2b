"""Zero drift by default in the Monte Carlo; the fitted mean on request."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.stress import StressMarket, fit_joint_model, monte_carlo, sample_portfolio


def test_zero_drift_by_default(market: StressMarket, fits: dict[str, Any]) -> None:
    zero = fit_joint_model(["ETH", "BTC"], market.prices, as_of=market.as_of, fits=fits)
    kept = fit_joint_model(
        ["ETH", "BTC"], market.prices, as_of=market.as_of, fits=fits, drift="fitted"
    )
    assert zero.drift == "zero" and kept.drift == "fitted"
    for z, k, a in zip(zero.models, kept.models, ("ETH", "BTC"), strict=True):
        mu = float(fits[a].params["mu"])
        assert z.mu == 0.0 and mu != 0.0
        assert_same(k.mu, mu)
        assert_same(z.mu_fitted, mu)
        assert z.sigma2_0 == k.sigma2_0  # the variance is the same fit either way
    assert zero.summary()["models"]["ETH"]["mu_fitted"] == kept.models[0].mu


def test_fitted_drift_lifts_the_median(market: StressMarket, fits: dict[str, Any]) -> None:
    """Same seed, same innovations: the fitted (positive) mean moves every path up."""
    pf = sample_portfolio(market.prices)
    kw: dict[str, Any] = {"paths": 2000, "horizon_days": 30, "seed": 5, "fits": fits}
    zero = monte_carlo(pf, market, **kw)
    kept = monte_carlo(pf, market, drift="fitted", **kw)
    assert zero.details["drift"] == "zero" and kept.details["drift"] == "fitted"
    p0 = market.prices["ETH"]
    med0 = float(np.median(zero.final_price["ETH"])) / p0
    med1 = float(np.median(kept.final_price["ETH"])) / p0
    mu = float(fits["ETH"].params["mu"])
    assert mu > 0 and med1 > med0
    assert abs(med0 - 1.0) < 0.03  # zero drift: the median stays near today's price
    assert kept.var(0.95) < zero.var(0.95)  # the forecast gain shrinks the VaR (99 %: capped)
    # the fitted mean is a typed field of the result, whatever the paths' drift
    for res in (zero, kept):
        assert set(res.mu_fitted) == {"ETH", "BTC"}
        assert_same(res.mu_fitted["ETH"], float(fits["ETH"].params["mu"]))
        models = res.details["model"]["models"]
        assert res.mu_fitted == {a: m["mu_fitted"] for a, m in models.items()}


def test_drift_rejects_unknown(market: StressMarket, fits: dict[str, Any]) -> None:
    with pytest.raises(InputError) as e:
        fit_joint_model(["ETH"], market.prices, as_of=market.as_of, fits=fits, drift="up")
    assert e.value.param == "drift"
