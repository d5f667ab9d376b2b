from __future__ import annotations

import math

import pytest

from liqcascade.volatility import LeverageEstimate, leverage_verdict


@pytest.mark.parametrize(
    ("gamma", "p", "model", "want"),
    [
        (0.2, 0.01, "gjr", "significant"),
        (-0.2, 0.01, "gjr", "inverted"),
        (0.2, 0.2, "gjr", "not significant"),
        (-0.1, 0.001, "egarch", "significant"),
        (0.1, 0.001, "egarch", "inverted"),
        (0.1, 0.06, "egarch", "not significant"),
        (0.1, 0.05, "gjr", "not significant"),  # the boundary is not significant
        (math.nan, 0.01, "gjr", "not significant"),
    ],
)
def test_verdict_constructed_cases(gamma: float, p: float, model: str, want: str) -> None:
    assert leverage_verdict(gamma, p, model) == want


def test_verdict_rejects_symmetric_model() -> None:
    with pytest.raises(ValueError, match="gjr"):
        leverage_verdict(0.1, 0.01, "garch")


def test_interval_is_wald_95() -> None:
    e = LeverageEstimate.from_values("gjr", "t", 0.3, 0.1, 0.0027)
    assert e.ci_low == pytest.approx(0.3 - 1.959964 * 0.1, abs=1e-6)
    assert e.ci_high == pytest.approx(0.3 + 1.959964 * 0.1, abs=1e-6)
    assert e.verdict == "significant"
