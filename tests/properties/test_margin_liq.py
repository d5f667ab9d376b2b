"""Invariants of the liquidation-price formulas (Binance, Bybit, Hyperliquid)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.margin import (
    binance_liq_price,
    bybit_liq_price,
    hyperliquid_liq_price,
    load_tiers,
    margin_from_leverage,
)

TIERS = load_tiers("ETHUSDT")

entries = st.floats(min_value=50.0, max_value=20_000.0)
notionals = st.floats(min_value=10.0, max_value=1.1e9)
fracs = st.floats(min_value=0.0, max_value=1.0)


def _lev(notional: float, frac: float) -> float:
    """A leverage in (1, the tier maximum] for this notional."""
    top = float(TIERS.max_leverage_at(notional))
    return 1.0 + 1e-3 + frac * max(top - 1.0 - 1e-3, 0.0) if top > 1 else 1.0


@given(entry=entries, notional=notionals, frac=fracs, side=st.sampled_from([1, -1]))
def test_binance_lp_between_bankruptcy_and_entry(
    entry: float, notional: float, frac: float, side: int
) -> None:
    lev = _lev(notional, frac)
    size = notional / entry
    m = float(margin_from_leverage(size, entry, lev)[0])
    r = binance_liq_price(side, size, entry, m)
    lp, bp = r.liq_price[0], r.bankruptcy_price[0]
    if side == 1:
        assert lp < entry
        # a 1x long cannot be liquidated (LP 0); its bankruptcy price is 0 up to rounding
        assert lp > bp or (lp == 0 and bp <= 1e-12 * entry)
    else:
        assert lp > entry
        assert lp < bp
    # equity equals maintenance margin at LP (when liquidatable)
    if lp > 0:
        eq = m + side * size * (lp - entry)
        mm = size * lp * r.mmr[0] - r.maintenance_amount[0]
        assert abs(eq - mm) <= 1e-9 * max(abs(mm), 1e-6 * size * lp)


@given(
    entry=entries,
    notional=notionals,
    f1=fracs,
    f2=fracs,
    side=st.sampled_from([1, -1]),
)
def test_binance_lp_moves_toward_entry_with_leverage(
    entry: float, notional: float, f1: float, f2: float, side: int
) -> None:
    lo, hi = sorted((_lev(notional, f1), _lev(notional, f2)))
    size = notional / entry
    r = binance_liq_price(
        [side, side], size, entry, margin_from_leverage(size, entry, np.array([lo, hi]))
    )
    a, b = r.liq_price
    if side == 1:
        assert b >= a  # more leverage -> long liquidated higher (closer to entry)
    else:
        assert b <= a


@given(
    entry=entries,
    size=st.floats(min_value=1e-3, max_value=1e4),
    frac=fracs,
    mmr=st.floats(min_value=0.001, max_value=0.05),
)
def test_bybit_mirror_and_ordering(entry: float, size: float, frac: float, mmr: float) -> None:
    lev = 1.0 + frac * (0.9 / mmr - 1.0)  # keeps MMR < 1/leverage
    m = float(margin_from_leverage(size, entry, lev)[0])
    r = bybit_liq_price([1, -1], size, entry, m, mmr=mmr)
    lo, sh = r.liq_price
    assert lo < entry < sh
    assert (lo > r.bankruptcy_price[0]) or r.bankruptcy_price[0] == 0
    assert sh < r.bankruptcy_price[1]
    # symmetric around entry unless the long is floored at 0
    if lo > 0:
        assert abs((entry - lo) - (sh - entry)) <= 1e-9 * entry


@given(entry=entries, size=st.floats(min_value=1e-3, max_value=1e4), frac=fracs)
def test_hyperliquid_equity_equals_maintenance(entry: float, size: float, frac: float) -> None:
    lev = 1.0 + 1e-3 + frac * 23.9
    m = float(margin_from_leverage(size, entry, lev)[0])
    r = hyperliquid_liq_price([1, -1], size, entry, m, "ETH")
    ell = 1 / 50
    for i, s in enumerate((1, -1)):
        lp = r.liq_price[i]
        if lp <= 0:
            continue
        eq = m + s * size * (lp - entry)
        assert abs(eq - size * lp * ell) <= 1e-9 * size * lp
        assert (lp < entry) if s == 1 else (lp > entry)


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
)
def test_binance_deterministic_and_elementwise(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    s = rng.choice(np.array([-1, 1], dtype=np.int8), n)
    q = rng.uniform(0.01, 1e5, n)
    ep = rng.uniform(100, 5000, n)
    m = q * ep / rng.uniform(1, 100, n)
    a = binance_liq_price(s, q, ep, m)
    perm = rng.permutation(n)
    b = binance_liq_price(s[perm], q[perm], ep[perm], m[perm])
    np.testing.assert_array_equal(a.liq_price[perm], b.liq_price)
    np.testing.assert_array_equal(a.tier[perm], b.tier)


@st.composite
def tier_tables(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random consistent tables: ascending floors, non-decreasing MMR, continuous cum."""
    n = draw(st.integers(1, 8))
    gaps = draw(st.lists(st.floats(1e3, 1e8), min_size=n - 1, max_size=n - 1))
    floor = np.concatenate([[0.0], np.cumsum(gaps)])
    steps = draw(st.lists(st.floats(0.0, 0.06), min_size=n, max_size=n))
    mmr = np.minimum(0.001 + np.cumsum(steps), 0.6)
    cum = np.zeros(n)
    for k in range(1, n):
        cum[k] = cum[k - 1] + floor[k] * (mmr[k] - mmr[k - 1])
    return floor, mmr, cum


@given(table=tier_tables(), seed=st.integers(0, 2**32 - 1))
def test_kernel_twin_and_root_on_random_tables(
    table: tuple[np.ndarray, np.ndarray, np.ndarray], seed: int
) -> None:
    from liqcascade.margin._kernels import (
        binance_liq_kernel,
        binance_liq_kernel_py,
        empty_outputs,
    )

    floor, mmr, cum = table
    rng = np.random.default_rng(seed)
    n = 50
    s = rng.choice(np.array([-1, 1], dtype=np.int8), n)
    q = np.exp(rng.uniform(np.log(1e-2), np.log(1e5), n))
    ep = rng.uniform(50, 5000, n)
    m = q * ep / rng.uniform(1.0, 1.0 / max(mmr[-1], 1e-3), n)
    a, b = empty_outputs(n), empty_outputs(n)
    binance_liq_kernel(s, q, ep, m, floor, mmr, cum, *a)
    binance_liq_kernel_py(s, q, ep, m, floor, mmr, cum, *b)
    for x, y in zip(a, b, strict=True):
        assert_same(x, y)
    lp, tier, status = a
    assert np.all(status == 0)  # consistent tables always settle (Newton argument)
    live = lp > 0
    eq = m + s * q * (lp - ep)
    mm = q * lp * mmr[tier] - cum[tier]
    assert np.all(np.abs(eq - mm)[live] <= 1e-9 * np.maximum(np.abs(mm), 1e-3 * q * lp)[live])
    # the tier applied is the tier of the notional at LP
    k = np.clip(np.searchsorted(floor, q * lp, side="right") - 1, 0, len(floor) - 1)
    np.testing.assert_array_equal(tier[live], k[live])
