"""The back-test's liquidation scores against a plain-Python twin, and their invariants.

``liq_corr`` and ``liq_within_2x_share`` (:func:`liqcascade.cascade._scores.
liquidation_metrics`) are printed for every back-test and every report; they were
checked on one hand-made table. The twin below is the docstring's definition in loops:
over events × sides with a recorded value, the Pearson correlation of log10 predicted
and recorded notional, both floored at $100k (NaN under ten pairs or without spread),
and the share of pairs within a factor 2.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import same_value
from liqcascade.cascade._scores import MIN_CORR_PAIRS, liquidation_metrics
from profiles import examples

FLOOR = 1.0e5


def metrics_py(
    pred_long: list[float], pred_short: list[float], rec_long: list[float], rec_short: list[float]
) -> tuple[float, float]:
    pairs = [
        (math.log10(max(p, FLOOR)), math.log10(max(r, FLOOR)))
        for p, r in zip(pred_long + pred_short, rec_long + rec_short, strict=True)
        if not math.isnan(r)
    ]
    if not pairs:
        return math.nan, math.nan
    within = sum(abs(a - b) <= math.log10(2.0) for a, b in pairs) / len(pairs)
    n = len(pairs)
    ma = sum(a for a, _ in pairs) / n
    mb = sum(b for _, b in pairs) / n
    sab = sum((a - ma) * (b - mb) for a, b in pairs)
    saa = sum((a - ma) ** 2 for a, _ in pairs)
    sbb = sum((b - mb) ** 2 for _, b in pairs)
    if n < MIN_CORR_PAIRS or saa == 0 or sbb == 0:
        return math.nan, within
    return sab / math.sqrt(saa * sbb), within


def _table(rng: np.random.Generator, n: int) -> pd.DataFrame:
    def usd(k: int) -> np.ndarray:  # heavy-tailed, some zero, some under the floor
        x = 10 ** rng.uniform(3, 9, k)
        return np.where(rng.random(k) < 0.1, 0.0, x)

    rec_l, rec_s = usd(n), usd(n)
    rec_l[rng.random(n) < 0.15] = np.nan  # no full 24 h of record
    rec_s[rng.random(n) < 0.15] = np.nan
    return pd.DataFrame(
        {
            "predicted_long_usd": usd(n),
            "predicted_short_usd": usd(n),
            "recorded_long_usd": rec_l,
            "recorded_short_usd": rec_s,
        }
    )


@pytest.mark.parametrize("seed", range(8))
def test_metrics_equal_the_twin_on_random_tables(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(60):
        ev = _table(rng, int(rng.integers(0, 40)))
        got = liquidation_metrics(ev)
        want = metrics_py(*(ev[c].tolist() for c in ev.columns))
        for g, w in zip(got, want, strict=True):
            assert same_value(g, w, rtol=1e-9, atol=1e-12), (got, want)


@settings(max_examples=examples(60), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 40), k=st.floats(1.0, 1e3))
def test_swapping_prediction_and_record_and_scaling_above_the_floor_change_nothing(
    seed: int, n: int, k: float
) -> None:
    rng = np.random.default_rng(seed)
    ev = _table(rng, n).fillna(2.0e6)
    corr, within = liquidation_metrics(ev)
    swapped = ev.rename(
        columns=lambda c: c.replace("predicted", "x").replace("recorded", "predicted")
    )
    swapped = swapped.rename(columns=lambda c: c.replace("x_", "recorded_"))
    c2, w2 = liquidation_metrics(swapped)
    assert same_value(c2, corr, rtol=1e-12, atol=1e-12) and w2 == within
    # everything above the floor times k: the logs shift together, nothing else moves
    above = ev.clip(lower=FLOOR)
    c3, w3 = liquidation_metrics(above)
    c4, w4 = liquidation_metrics(above * k)
    assert same_value(c4, c3, rtol=1e-9, atol=1e-9)
    assert math.isclose(w4, w3, abs_tol=1.5 / (2 * n))  # a pair on the 2x line may flip
