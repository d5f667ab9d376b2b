from __future__ import annotations

import math

import numpy as np
import pytest
from arch.univariate.distribution import SkewStudent

from liqcascade.volatility import (
    expected_abs,
    half_life_bars,
    negative_share,
    next_variance,
    persistence,
    unconditional_variance,
)

GARCH = {"omega": 0.05, "alpha[1]": 0.1, "beta[1]": 0.85}
GJR = {"omega": 0.05, "alpha[1]": 0.05, "gamma[1]": 0.1, "beta[1]": 0.85}
EGARCH = {"omega": 0.0, "alpha[1]": 0.2, "gamma[1]": -0.1, "beta[1]": 0.95}


def test_persistence_golden() -> None:
    assert persistence(GARCH, "garch") == pytest.approx(0.95)
    assert persistence(GJR, "gjr") == pytest.approx(0.95)  # 0.05 + 0.85 + 0.1/2
    assert persistence({**GJR, "nu": 5.0}, "gjr", "t") == pytest.approx(0.95)
    assert persistence(EGARCH, "egarch") == pytest.approx(0.95)


def test_half_life_golden() -> None:
    assert half_life_bars(0.95) == pytest.approx(13.51340, abs=1e-5)  # ln .5 / ln .95
    assert half_life_bars(0.5) == pytest.approx(1.0)
    assert half_life_bars(1.0) == math.inf
    assert half_life_bars(0.0) == 0.0


def test_unconditional_variance_golden() -> None:
    assert unconditional_variance(GARCH, "garch") == pytest.approx(1.0)  # 0.05 / 0.05
    assert unconditional_variance(GJR, "gjr") == pytest.approx(1.0)
    # EGARCH normal: E ln s2 = omega / (1 - beta) = 0 -> 1
    assert unconditional_variance(EGARCH, "egarch") == pytest.approx(1.0)
    # integrated: no long-run level
    assert math.isnan(unconditional_variance({**GARCH, "beta[1]": 0.9}, "garch"))


def test_t_moments_closed_form_vs_numeric() -> None:
    # E|e| of a unit-variance t(5): 2*sqrt(3)*Gamma(3)/(4*Gamma(2.5)*sqrt(pi))
    nu = 5.0
    ref = 2 * math.sqrt(nu - 2) * math.gamma(3) / ((nu - 1) * math.gamma(2.5) * math.sqrt(math.pi))
    assert expected_abs({"nu": nu}, "t") == pytest.approx(ref, rel=1e-10)
    assert expected_abs({}, "normal") == pytest.approx(math.sqrt(2 / math.pi))
    assert negative_share({"nu": nu}, "t") == 0.5


@pytest.mark.parametrize("lam", [-0.3, 0.0, 0.3])
def test_skewt_moments_against_monte_carlo(lam: float) -> None:
    params = {"eta": 6.0, "lambda": lam}
    d = SkewStudent(seed=np.random.default_rng(11))
    draws = d.simulate([6.0, lam])(200_000)
    kappa_mc = float(np.mean(draws**2 * (draws < 0)))
    eabs_mc = float(np.mean(np.abs(draws)))
    assert negative_share(params, "skewt") == pytest.approx(kappa_mc, abs=0.01)
    assert expected_abs(params, "skewt") == pytest.approx(eabs_mc, abs=0.006)
    if lam > 0:
        assert negative_share(params, "skewt") < 0.5
    if lam == 0:
        assert negative_share(params, "skewt") == pytest.approx(0.5, abs=1e-6)


def test_next_variance_by_hand() -> None:
    e = np.array([-2.0, 2.0])
    g = next_variance(GJR, "gjr", e, 1.0)
    np.testing.assert_allclose(g, [0.05 + 0.05 * 4 + 0.1 * 4 + 0.85, 0.05 + 0.05 * 4 + 0.85])
    eg = next_variance(EGARCH, "egarch", e, 1.0)
    c = math.sqrt(2 / math.pi)
    np.testing.assert_allclose(
        eg, [math.exp(0.2 * (2 - c) + 0.2), math.exp(0.2 * (2 - c) - 0.2)], rtol=1e-12
    )
