"""Invariants of the stress kernels: monotone in the shock, deterministic for a seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
from arch.univariate import Normal
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.stress import AssetModel, JointModel, PathSpec, StressBook, run_paths
from liqcascade.stress._kernels import cascade_step
from liqcascade.stress._result import expected_shortfall, value_at_risk
from test_stress._cases import random_book


@given(
    seed=st.integers(0, 10_000),
    a=st.floats(0.6, 0.999),
    b=st.floats(0.6, 0.999),
    impact=st.sampled_from([0.0, 1.0, 3.0]),
)
def test_deeper_shock_never_liquidates_less(seed: int, a: float, b: float, impact: float) -> None:
    book = random_book(np.random.default_rng(seed), 30, 10)
    shallow, deep = max(a, b) * 100, min(a, b) * 100
    y1, l1, _ = cascade_step(shallow, 100.0, 100.0, 100.0, *book.kernel_args(), impact, 200)
    y2, l2, _ = cascade_step(deep, 100.0, 100.0, 100.0, *book.kernel_args(), impact, 200)
    assert l2 >= l1 - 1e-9
    assert y2 <= y1 + 1e-9
    assert y1 <= shallow + 1e-12  # the cascade never moves price back
    # up side mirrors
    u1, _, s1 = cascade_step(200 - shallow, 100.0, 100.0, 100.0, *book.kernel_args(), impact, 200)
    u2, _, s2 = cascade_step(200 - deep, 100.0, 100.0, 100.0, *book.kernel_args(), impact, 200)
    assert s2 >= s1 - 1e-9 and u2 >= u1 - 1e-9
    assert u1 >= 200 - shallow - 1e-12  # nor back down on a rise


def _spec(seed: int) -> PathSpec:
    rng = np.random.default_rng(seed)
    m = AssetModel("ETH", 100.0, "gjr", 0.05, 0.3, 0.08, 0.05, 0.88, 9.0, np.zeros(0), Normal())
    pool = rng.standard_normal((300, 1))
    jm = JointModel(("ETH",), (m,), "fhs", np.ones((1, 1)), pool, pd.Timestamp(0), pd.Timestamp(1))
    return PathSpec(model=jm, books=(random_book(rng, 20, 5),), horizon=4)


@given(seed=st.integers(0, 1000), root=st.integers(0, 2**32 - 1), n=st.integers(1, 40))
def test_same_seed_same_paths(seed: int, root: int, n: int) -> None:
    sp = _spec(seed)
    a = run_paths(sp, n, root)
    b = run_paths(sp, n, root)
    np.testing.assert_array_equal(a.final["ETH"], b.final["ETH"])
    np.testing.assert_array_equal(a.liq_long_usd["ETH"], b.liq_long_usd["ETH"])
    assert (a.low["ETH"] <= a.final["ETH"]).all() and (a.final["ETH"] <= a.high["ETH"]).all()


@given(
    loss=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=300),
    shift=st.floats(-1e4, 1e4),
)
def test_var_es_translate(loss: list[float], shift: float) -> None:
    x = np.array(loss)
    for q in (0.95, 0.99):
        assert np.isclose(value_at_risk(x + shift, q), value_at_risk(x, q) + shift, atol=1e-6)
        assert np.isclose(
            expected_shortfall(x + shift, q), expected_shortfall(x, q) + shift, atol=1e-6
        )
        assert expected_shortfall(x, q) >= value_at_risk(x, q) - 1e-6


def test_empty_book_has_no_cascade() -> None:
    e = StressBook.empty()
    assert cascade_step(80.0, 100.0, 100.0, 100.0, *e.kernel_args(), 1.0, 10) == (80.0, 0.0, 0.0)
