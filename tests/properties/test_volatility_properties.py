"""Invariants of liqcascade.volatility (hypothesis, small cases)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.volatility import (
    half_life_bars,
    leverage_verdict,
    log_returns,
    next_variance,
    realized_volatility,
)

prices = st.lists(st.floats(1e-3, 1e6, allow_nan=False), min_size=2, max_size=60)
unit = st.floats(0.0, 0.3)


def _series(values: list[float], freq: str = "D") -> pd.Series:
    idx = pd.date_range("2024-01-01", periods=len(values), freq=freq, tz="UTC")
    return pd.Series(values, index=idx)


@given(prices, st.floats(1e-3, 1e3))
def test_returns_telescope_and_are_scale_free(values: list[float], k: float) -> None:
    s = _series(values)
    r = log_returns(s)
    assert len(r) == len(values) - 1
    assert math.isclose(r.sum(), 100 * math.log(values[-1] / values[0]), abs_tol=1e-7)
    np.testing.assert_allclose(log_returns(s * k).to_numpy(), r.to_numpy(), atol=1e-8)


@given(unit, unit, st.floats(0.0, 0.9), st.floats(0.01, 5.0), st.floats(0.01, 3.0))
def test_gjr_news_impact_asymmetric_and_monotone(
    alpha: float, gamma: float, beta: float, s2: float, e: float
) -> None:
    p = {"omega": 0.1, "alpha[1]": alpha, "gamma[1]": gamma, "beta[1]": beta}
    down, up = next_variance(p, "gjr", np.array([-e, e]), s2)
    assert down >= up - 1e-12  # gamma >= 0: falls raise variance at least as much
    bigger = next_variance(p, "gjr", np.array([-2 * e, 2 * e]), s2)
    assert bigger[0] >= down - 1e-12 and bigger[1] >= up - 1e-12
    # symmetric GARCH: the curve is even
    g = next_variance(p, "garch", np.array([-e, e]), s2)
    assert math.isclose(g[0], g[1], rel_tol=1e-12)


@given(st.floats(0.01, 0.3), st.floats(0.01, 0.3), st.floats(0.5, 0.99), st.floats(0.1, 3.0))
def test_egarch_negative_gamma_means_falls_raise_more(
    alpha: float, g: float, beta: float, e: float
) -> None:
    p = {"omega": 0.0, "alpha[1]": alpha, "gamma[1]": -g, "beta[1]": beta}
    down, up = next_variance(p, "egarch", np.array([-e, e]), 1.0)
    assert down > up
    assert leverage_verdict(-g, 0.001, "egarch") == "significant"


@given(st.floats(0.01, 0.98), st.floats(0.001, 0.01))
def test_half_life_increases_with_persistence(p: float, dp: float) -> None:
    assert half_life_bars(p + dp) > half_life_bars(p)
    # after h bars the shock is exactly halved
    assert math.isclose(p ** half_life_bars(p), 0.5, rel_tol=1e-9)


@given(st.floats(-2, 2, allow_nan=False), st.floats(0.0, 1.0))
def test_verdict_mirror_symmetry(gamma: float, pval: float) -> None:
    gjr = leverage_verdict(gamma, pval, "gjr")
    assert gjr == leverage_verdict(-gamma, pval, "egarch")
    flipped = leverage_verdict(-gamma, pval, "gjr")
    swap = {
        "significant": "inverted",
        "inverted": "significant",
        "not significant": "not significant",
    }
    assert flipped == swap[gjr]


@given(st.lists(st.floats(-0.05, 0.05), min_size=30, max_size=80), st.floats(0.1, 100.0))
def test_realized_vol_scale_free_and_nonnegative(steps: list[float], k: float) -> None:
    s = _series(list(100 * np.exp(np.cumsum(steps))), freq="h")
    rv = realized_volatility(s, min_bars=1)
    assert (rv >= 0).all()
    np.testing.assert_allclose(realized_volatility(s * k, min_bars=1), rv, rtol=1e-7, atol=1e-9)
