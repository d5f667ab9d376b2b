"""Properties of the estimated-book walk: conservation, no negative sizes, determinism,
liquidation only when the bar's extreme reaches the liquidation price."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.positions._kernels import estimate_walk_nb


@st.composite
def cases(draw: st.DrawFn) -> tuple:
    n = draw(st.integers(2, 30))
    k = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, draw(st.sampled_from([0.005, 0.03, 0.1])), n)))
    high = close * np.exp(np.abs(rng.normal(0, 0.02, n)))
    low = close * np.exp(-np.abs(rng.normal(0, 0.02, n)))
    entry = close if draw(st.booleans()) else (high + low + close) / 3
    oi = np.maximum(0.0, 20.0 + np.cumsum(rng.normal(0, 6, n)))
    share = rng.uniform(0, 1, n)
    w = rng.uniform(0.01, 1, k)
    w /= w.sum()
    lev = np.sort(rng.uniform(1.5, 100, k))
    lr = 1 - 1 / lev + 0.5 / lev
    sr = 1 + 1 / lev - 0.5 / lev
    rule = draw(st.integers(0, 2))
    track = draw(st.integers(0, 1))
    turnover = draw(st.sampled_from([0.0, 0.1, 0.5]))
    return (oi, low, high, close, entry, share, w, lr, sr, rule, track, turnover)


@given(cases())
def test_conservation_and_no_negative_sizes(case: tuple) -> None:
    out = estimate_walk_nb(*case)
    opened, closed, liquidated, open_long, open_short = out[2], out[3], out[4], out[5], out[6]
    # cohort columns: 10 size0, 11 size, 12 entry, 13 liq price, 14 closed, 15 liquidated
    size0, size, entry, closed_c, liq_c = out[10], out[11], out[12], out[14], out[15]
    # per cohort: opened = open + closed + liquidated, in base units and at entry (USD)
    np.testing.assert_allclose(size0, size + closed_c + liq_c, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(size0 * entry, (size + closed_c + liq_c) * entry, rtol=1e-9,
                               atol=1e-7)  # fmt: skip
    # totals: flows add up to the final book
    np.testing.assert_allclose(opened.sum() - closed.sum() - liquidated.sum(), size.sum(),
                               rtol=1e-9, atol=1e-7)  # fmt: skip
    np.testing.assert_allclose(open_long[-1] + open_short[-1], size.sum(), rtol=1e-9, atol=1e-7)
    for arr in (size, closed_c, liq_c, opened, closed, liquidated, out[0], out[1]):
        assert (arr >= 0).all()
    assert (open_long >= 0).all() and (open_short >= 0).all()


@given(cases())
def test_deterministic(case: tuple) -> None:
    a = estimate_walk_nb(*case)
    b = estimate_walk_nb(*case)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


@given(cases())
def test_liquidated_only_when_traded_through(case: tuple) -> None:
    oi, low, high = case[0], case[1], case[2]
    out = estimate_walk_nb(*case)
    side, bar, size0, size = out[7], out[8], out[10], out[11]
    entry, liq_price, liq_amt = out[12], out[13], out[15]
    for j in np.where(size0 > 0)[0]:
        later = slice(int(bar[j]) + 1, len(oi))
        if side[j] == 1:
            touched = (low[later] <= liq_price[j]).any()
            assert liq_price[j] < entry[j]
        else:
            touched = (high[later] >= liq_price[j]).any()
            assert liq_price[j] > entry[j]
        if liq_amt[j] > 0:
            assert touched  # a long is liquidated only if some later low reached its price
        if not touched:
            assert liq_amt[j] == 0.0
        if touched and liq_amt[j] == 0.0:
            # it must have been fully closed before the touch
            assert size[j] == 0.0
