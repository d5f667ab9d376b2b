"""Hypothesis: the optimal ADL policy closes the deficit exactly with the least haircut."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.solvency import ADL_POLICIES, allocate_adl

positions = st.lists(
    st.tuples(
        st.sampled_from([-1, 1]),
        st.floats(0.0, 10.0),
        st.floats(1000.0, 3000.0),
        st.floats(1.0, 5000.0),
    ),
    min_size=1,
    max_size=25,
)


def _run(pos, mark, deficit, loss_side, pb, whole):
    side, size, entry, margin = (np.array(c, dtype=float) for c in zip(*pos, strict=True))
    return (
        {
            p: allocate_adl(
                p,
                side=side,
                size=size,
                entry_price=entry,
                margin=margin,
                mark_price=mark,
                deficit=deficit,
                loss_side=loss_side,
                bankruptcy_price=pb,
                whole_positions=whole,
            )
            for p in ADL_POLICIES
        },
        side,
        size,
    )


@given(
    pos=positions,
    mark=st.floats(1000.0, 3000.0),
    deficit=st.floats(0.0, 20_000.0),
    loss_side=st.sampled_from([-1, 1]),
    gap=st.one_of(st.none(), st.floats(0.0, 0.1)),
    whole=st.booleans(),
)
def test_optimal_exact_and_minimal(pos, mark, deficit, loss_side, gap, whole) -> None:
    pb = None if gap is None else mark * (1 + loss_side * gap)
    res, side, size = _run(pos, mark, deficit, loss_side, pb, whole)
    opt = res["optimal"]
    tol = 1e-9 * max(1.0, deficit)
    # closes exactly the deficit (or all the capacity there is)
    assert abs(opt.haircut_usd - opt.covered_usd) <= tol
    assert opt.covered_usd <= deficit + tol
    for p, r in res.items():
        assert r.covered_usd == opt.covered_usd  # same capacity for every policy
        assert opt.haircut_usd <= r.haircut_usd + tol, p
        assert r.haircut_usd >= r.covered_usd - tol
        # never from the loss side, never from a flat account, never beyond size
        assert np.all(r.haircut[(side == loss_side) | (size == 0)] == 0)
        assert np.all(r.closed_size <= size + 1e-12)
        assert np.all(r.haircut >= -1e-12)
    # least force-closed notional among exact (non-overshooting) allocations
    for p in ("socialized", "binance", "hyperliquid"):
        r = res[p]
        if r.overshoot_usd <= tol:
            assert opt.notional_usd <= r.notional_usd * (1 + 1e-7) + 1e-6, p


@given(pos=positions, mark=st.floats(1000.0, 3000.0), deficit=st.floats(0.0, 5_000.0))
def test_deterministic(pos, mark, deficit) -> None:
    a, _, _ = _run(pos, mark, deficit, 1, None, False)
    b, _, _ = _run(pos, mark, deficit, 1, None, False)
    for p in ADL_POLICIES:
        np.testing.assert_array_equal(a[p].haircut, b[p].haircut)
