"""Hypothesis properties of the protect kernels: fill monotonicity, walk consistency,
de-clustering leaves stops clear and inside their bounds."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from floats import assert_same, same_value
from liqcascade.protect import FillModel, declutter_levels
from liqcascade.protect._kernels import fill_batch_py, stop_walk_nb, stop_walk_py
from reference.protect_stop_walk import crowd_ref

pos = st.floats(1e3, 1e8, allow_nan=False)

#: The fill model of ``_fill``: 1 % depth (USD), β, swing mass, offset, window, deepest level.
D1, BETA, SWING_MASS, OFF, WIN, MAX_DIST = 1e7, 0.73, 0.5, 0.001, 0.005, 0.4


def _fill(q: float, rm: float, trig: float = 3000.0, sgn: float = 1.0) -> float:
    _, s = fill_batch_py(
        np.array([trig]), np.array([sgn]), np.array([q]), np.array([D1]),
        np.array([trig * 1.002]), np.array([100.0]), BETA, rm, SWING_MASS, OFF, WIN, MAX_DIST,
    )  # fmt: skip
    return float(s[0])


@given(pos, pos, st.floats(0, 2), st.sampled_from([1.0, -1.0]))
def test_slippage_monotone_in_order_size(a: float, b: float, rm: float, sgn: float) -> None:
    lo, hi = sorted((a, b))
    assert 0 <= _fill(lo, rm, sgn=sgn) <= _fill(hi, rm, sgn=sgn) <= 0.4


@given(
    pos, st.floats(0, 2), st.floats(0, 2), st.integers(5, 500), st.floats(0, 0.99),
    st.sampled_from([1.0, -1.0]),
)  # fmt: skip
@example(q=97741939.0, r1=1.5, r2=2.0, k=401, u=0.0, sgn=1.0)  # past the deepest level: a tie
def test_slippage_monotone_in_crowd(
    q: float, r1: float, r2: float, k: int, u: float, sgn: float
) -> None:
    """More crowd at a round number inside the window never fills better, and strictly
    worse when there is more of it, until the batch walks past the deepest level
    (``max_distance``): from there on the fill is the deepest level's, whatever the
    crowd (slippage ``β/(β+1)·max_distance``), so more crowd ties. The trigger is drawn
    relative to a round level ``r = 100·k`` so that its crowd lump lies in the window: a
    sell at ``r·(1 − offset)/(1 + u·window)``, a buy at ``r·(1 + offset)/(1 − u·window)``
    (a trigger drawn uniformly would have the lump inside in 3 examples of 60)."""
    r = 100.0 * k
    trig = r * (1 - OFF) / (1 + u * WIN) if sgn > 0 else r * (1 + OFF) / (1 - u * WIN)
    # the round number's lump is in the batch (the reference enumeration agrees)
    assert crowd_ref(trig, sgn, 1.0, 0.0, 100.0, 1.0, 0.0, OFF, WIN) >= 1.0
    lo, hi = sorted((r1, r2))
    a, b = _fill(q, lo, trig, sgn), _fill(q, hi, trig, sgn)
    assert a <= b or same_value(a, b)
    # how deep the larger batch walks, from the reference crowd (docs/protect.md)
    batch = q + crowd_ref(trig, sgn, D1, trig * 1.002, 100.0, hi, SWING_MASS, OFF, WIN)
    if 0.01 * (batch / D1) ** (1 / BETA) >= MAX_DIST:  # past the deepest level
        assert same_value(b, BETA / (BETA + 1) * MAX_DIST)
    elif hi - lo > 1e-6:  # at least 10 USD more crowd on a 1e7 USD book: a visible step
        assert a < b


@given(st.integers(0, 2**31 - 1), st.integers(1, 30))
def test_walk_consistency(seed: int, hor: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    o = np.concatenate([[100.0], c[:-1]])
    hi = np.maximum(o, c) * 1.003
    lo = np.minimum(o, c) * 0.997
    eb = rng.integers(0, n - 1, 8).astype(np.int64)
    side = rng.choice(np.array([-1, 1], np.int8), 8)
    stop = c[eb] * (1 - side * rng.uniform(0.001, 0.04, 8))
    xb, stp, tr = stop_walk_nb(o, hi, lo, c, eb, side, stop, hor)
    for x, y in zip((xb, stp, tr), stop_walk_py(o, hi, lo, c, eb, side, stop, hor), strict=True):
        assert_same(x, y)
    for i in range(8):
        assert eb[i] < xb[i] or xb[i] == n - 1 or eb[i] == n - 1
        assert xb[i] <= min(eb[i] + hor, n - 1)
        if stp[i]:
            # sent at or beyond the stop (gaps make it worse, never better)
            assert side[i] * (tr[i] - stop[i]) <= 1e-12
            # and no earlier bar in the window reached it
            seg = slice(eb[i] + 1, xb[i])
            if side[i] > 0:
                assert (lo[seg] > stop[i]).all()
            else:
                assert (hi[seg] < stop[i]).all()


@given(st.floats(0.01, 0.15), st.sampled_from([1.0, -1.0]), st.floats(500, 5000))
def test_declutter_clear_or_unmoved_and_inside(d: float, sgn: float, entry: float) -> None:
    fm = FillModel()
    band = 0.005
    stop = np.array([entry * (1 - sgn * d)])
    bound = np.array([entry * (1 - sgn * 0.16)])
    out, moved = declutter_levels(
        stop, np.array([sgn]), np.array([entry]), bound, np.zeros(1), fm, band
    )
    x = float(out[0])
    if moved[0]:
        assert (bound[0] < x < entry) if sgn > 0 else (entry < x < bound[0])
    else:
        assert x == stop[0]
