"""Invariants of the calibrated cascade's paths on the real ETH market (2025-07-31).

:func:`liqcascade.cascade.calibrated_cascade` gives the report's headline carry (median
and 10–90 % band of the extreme move within 24 h after a shock). Its kernel is held
equal to a plain-Python twin (tests/test_liquidity/test_clock_paths_twin.py), and a
single clock run is monotone in the shock; here the whole answer: for one seed every
path's draws are the same whatever the shock, so a deeper shock must carry every path
at least as far (down and up), the same seed gives the same paths, and every path
moves at least by the shock.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.cascade import calibrated_cascade, load_liquidity, prepare_market
from profiles import examples


@pytest.fixture(scope="module")
def eth() -> dict[str, Any]:
    from liqcascade.cascade import market_volatility
    from liqcascade.market import MarketSpec, estimated_market

    state = estimated_market(MarketSpec("ETH", "2025-07-31"))
    ts, sigma, resid = market_volatility(state)
    return {"pm": prepare_market(state), "cal": load_liquidity("ETH", ts), "sigma": sigma,
            "resid": resid}  # fmt: skip


def _moves(e: dict[str, Any], shock: float, seed: int) -> np.ndarray:
    cc = calibrated_cascade(
        e["pm"], calibration=e["cal"], sigma_hourly=e["sigma"], residuals=e["resid"],
        shock=shock, n_paths=40, seed=seed,
    )  # fmt: skip
    return np.asarray(cc.moves, dtype=float)


@settings(max_examples=examples(6), deadline=None)
@given(
    a=st.floats(0.005, 0.15),
    extra=st.floats(0.001, 0.1),
    down=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_a_deeper_shock_carries_every_path_at_least_as_far(
    eth: dict[str, Any], a: float, extra: float, down: bool, seed: int
) -> None:
    sign = -1.0 if down else 1.0
    small, big = _moves(eth, sign * a, seed), _moves(eth, sign * (a + extra), seed)
    # every path moves at least by its shock (1e-9: the fraction's rounding)
    assert bool(np.all(sign * small >= a - 1e-9)) and bool(np.all(sign * big >= a + extra - 1e-9))
    assert bool(np.all(sign * big >= sign * small - 1e-12)), np.flatnonzero(
        sign * big < sign * small
    )


def test_the_same_seed_gives_the_same_paths_and_another_seed_others(eth: dict[str, Any]) -> None:
    a, b = _moves(eth, -0.05, 7), _moves(eth, -0.05, 7)
    np.testing.assert_array_equal(a, b)  # one machine, one process: bit for bit
    assert not np.array_equal(a, _moves(eth, -0.05, 8))
