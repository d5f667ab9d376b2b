"""VaR and ES: the coherence invariants beside translation (tested in tests/properties).

The stress report's VaR and ES (:func:`liqcascade.stress.value_at_risk`,
:func:`liqcascade.stress.expected_shortfall`) are held equal to a plain reference in
tests/test_stress/test_risk.py and translate with the loss. Here the other invariants
of a historical-simulation VaR/ES: positive homogeneity (losses ×k: VaR and ES ×k),
order of the paths is irrelevant, both non-decreasing in the level and in every loss,
and ES between VaR and the worst loss.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import same_value
from liqcascade.stress import expected_shortfall, value_at_risk
from profiles import examples

losses = st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=400)


@settings(max_examples=examples(100), deadline=None)
@given(loss=losses, k=st.floats(1e-3, 1e3), seed=st.integers(0, 2**32 - 1))
def test_homogeneous_and_blind_to_the_order(loss: list[float], k: float, seed: int) -> None:
    x = np.array(loss)
    perm = np.random.default_rng(seed).permutation(x.size)
    for q in (0.9, 0.95, 0.99):
        v, e = value_at_risk(x, q), expected_shortfall(x, q)
        assert same_value(value_at_risk(k * x, q), k * v, rtol=1e-9, atol=1e-6)
        assert same_value(expected_shortfall(k * x, q), k * e, rtol=1e-9, atol=1e-6)
        assert value_at_risk(x[perm], q) == v  # the same sorted values
        assert same_value(expected_shortfall(x[perm], q), e, rtol=1e-12, atol=1e-6)
        assert v - 1e-6 <= e <= float(x.max()) + 1e-6


@settings(max_examples=examples(100), deadline=None)
@given(
    loss=losses,
    q=st.floats(0.5, 0.99),
    dq=st.floats(0.0, 0.009),
    bump=st.floats(0.0, 1e5),
    seed=st.integers(0, 2**32 - 1),
)
def test_non_decreasing_in_the_level_and_in_every_loss(
    loss: list[float], q: float, dq: float, bump: float, seed: int
) -> None:
    x = np.array(loss)
    assert value_at_risk(x, q + dq) >= value_at_risk(x, q) - 1e-6
    assert expected_shortfall(x, q + dq) >= expected_shortfall(x, q) - 1e-6
    # a worse outcome on some paths never lowers either
    worse = x + bump * (np.random.default_rng(seed).random(x.size) < 0.3)
    assert value_at_risk(worse, q) >= value_at_risk(x, q) - 1e-6
    assert expected_shortfall(worse, q) >= expected_shortfall(x, q) - 1e-6
