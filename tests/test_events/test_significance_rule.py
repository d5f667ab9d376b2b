"""A horizon is significant only when the placebo and the overlap-adjusted test both reject.

The placebo test rejects too often on test days that follow large moves, the adjusted t
too seldom; the study requires both (docs/support.md, §2). Tables built directly: fast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.events import HORIZONS_DAYS, LONG_HORIZONS, SHORT_HORIZONS, assess_claim
from liqcascade.events import significant as significant_pub
from liqcascade.events._study import significant


def _horizons(p_placebo: float, p_adj: float, mean: float = -0.05) -> pd.DataFrame:
    """A 9-horizon table: every horizon with the given mean and p-values, 50 test days."""
    n = len(HORIZONS_DAYS)
    return pd.DataFrame(
        {
            "n": [50] * n,
            "mean": [mean] * n,
            "win_rate": [0.5] * n,
            "p_value": [0.001] * n,  # plain Newey–West: never part of the rule
            "p_value_adj": [p_adj] * n,
            "p_value_placebo": [p_placebo] * n,
            "placebo_centre": [0.0] * n,
            "placebo_low": [-0.03] * n,
            "placebo_high": [0.03] * n,
            "baseline_win_rate": [0.5] * n,
            "random_level_win_rate": [0.5] * n,
        },
        index=pd.Index(HORIZONS_DAYS, name="horizon"),
    )


def test_placebo_alone_is_not_significant() -> None:
    c = assess_claim(_horizons(p_placebo=0.01, p_adj=0.30), n_tests=50)
    assert c["long_horizons_significantly_negative"] == 0
    assert c["long_horizons_significantly_positive"] == 0
    assert c["long_horizons_significantly_negative_adjusted"] == 0
    assert c["verdict"] == "not supported"
    assert f"0 of {len(SHORT_HORIZONS)} short horizons are significant" in c["notes"]


def test_adjusted_alone_is_not_significant() -> None:
    c = assess_claim(_horizons(p_placebo=0.30, p_adj=0.01), n_tests=50)
    assert c["long_horizons_significantly_negative"] == 0
    assert c["long_horizons_significantly_negative_adjusted"] == len(LONG_HORIZONS)
    assert c["verdict"] == "not supported"


def test_both_rejecting_is_significant() -> None:
    c = assess_claim(_horizons(p_placebo=0.01, p_adj=0.02), n_tests=50)
    assert c["long_horizons_significantly_negative"] == len(LONG_HORIZONS)
    assert c["verdict"] == "partly supported"  # the 20+ day part alone holds
    assert f"{len(SHORT_HORIZONS)} of {len(SHORT_HORIZONS)} short horizons are" in c["notes"]
    pos = assess_claim(_horizons(p_placebo=0.01, p_adj=0.02, mean=0.05), n_tests=50)
    assert pos["long_horizons_significantly_positive"] == len(LONG_HORIZONS)
    assert pos["long_horizons_significantly_negative"] == 0  # the sign must agree
    assert pos["verdict"] == "contradicted"


@pytest.mark.parametrize(
    ("p_placebo", "p_adj", "want"),
    [(0.01, 0.01, True), (0.01, 0.2, False), (0.2, 0.01, False), (0.049, float("nan"), False)],
)
def test_significant_scalar(p_placebo: float, p_adj: float, want: bool) -> None:
    assert significant(p_placebo, p_adj) is want


def test_significant_elementwise() -> None:
    pp = pd.Series([0.01, 0.01, 0.2, 0.04], index=[1, 2, 3, 5])
    pa = pd.Series([0.03, 0.06, 0.01, 0.04], index=[1, 2, 3, 5])
    got = significant_pub(pp, pa)
    assert list(got.index) == [1, 2, 3, 5]
    assert got.tolist() == [True, False, False, True]
    arr = significant(np.array([0.01, 0.5]), np.array([0.01, 0.01]))
    assert arr.tolist() == [True, False]
