"""The block kernel (``cascade_fast_kernel``) equals the order-by-order kernel and the twin.

The block kernel sums a round's closes by telescoping and skips whole blocks of sorted
positions whose bankruptcies are all inside (or all beyond) the prices their slices
reach. These cases aim at its edges: block sizes from 1 to 64 so that rounds start and
end inside blocks, books thin enough that a round runs out in the middle of a block and
thick enough that whole blocks close at one level, triggers and bankruptcies on a grid
(ties between positions, between stops and positions, between bankruptcies), tiny
sizes, bankruptcies that are not finite, both directions, fees and the book extensions;
and, through ``simulate_cascade``, partial liquidation (which takes the order-by-order
kernel) against the plain-Python twin.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from liqcascade.book import OrderBook
from liqcascade.cascade import CascadeConfig, prepare_cascade
from liqcascade.cascade._kernels import (
    block_bounds_kernel,
    block_sorted_kernel,
    cascade_fast_kernel,
    cascade_kernel,
    merge_orders_kernel,
)
from liqcascade.positions._book import PositionBook, StopBook
from reference.cascade_cases import Case, compare

MID = 100.0


def _market(rng: np.random.Generator) -> tuple[OrderBook, PositionBook, StopBook]:
    grid = rng.random() < 0.5  # triggers and bankruptcies on a 0.5 USD grid: ties
    n_lvl = int(rng.integers(1, 60))
    thick = rng.random() < 0.4  # levels holding many positions each

    def levels(sign: float) -> tuple[Any, Any]:
        d = np.sort(rng.choice(np.arange(1, 500), size=n_lvl, replace=False)) * 0.0006
        q = rng.uniform(5.0, 60.0, n_lvl) if thick else rng.uniform(0.02, 1.5, n_lvl)
        q[rng.random(n_lvl) < 0.05] = 1e-7  # nearly empty levels
        return np.round(MID * (1 + sign * d), 6), q

    bp, bq = levels(-1.0)
    ap, aq = levels(1.0)
    book = OrderBook(MID, bp, bq, ap, aq)
    n = int(rng.integers(0, 400))
    side = rng.choice(np.array([1, -1], np.int8), n)
    dist = rng.uniform(-0.02, 0.3, n)
    liq = np.where(side == 1, MID * (1 - dist), MID * (1 + dist))
    # the bankruptcy at or beyond the liquidation (PositionBook's rule); a gap under
    # 1.5 USD on thin levels closes past it often (shortfalls); abs keeps the draws
    gap = np.abs(rng.uniform(-1.5, 6.0, n))
    bkr = np.where(side == 1, liq - gap, liq + gap)
    if grid:
        liq, bkr = np.round(liq * 2) / 2, np.round(bkr * 2) / 2
    size = rng.uniform(0.01, 1.2, n)
    size[rng.random(n) < 0.03] = 1e-9  # tiny orders
    if n:
        # positions that never trigger (the never-liquidated mass): liquidation and
        # bankruptcy beyond any price, non-finite (a non-finite bankruptcy counts as 0)
        never = rng.random(n) < 0.02
        liq[never] = np.where(side[never] == 1, -np.inf, np.inf)
        bkr[never] = liq[never]
    entry = np.abs(np.where(side == 1, np.maximum(liq, bkr) + 10, np.minimum(liq, bkr) - 10))
    entry = np.where(np.isfinite(entry), entry, 200.0) + 1.0
    pos = PositionBook(side, size, entry, size * 5.0, liq, bkr)
    m = int(rng.integers(0, 120))
    sside = rng.choice(np.array([1, -1], np.int8), m)
    sd = rng.uniform(0.0, 0.3, m)
    trig = np.where(sside == -1, MID * (1 - sd), MID * (1 + sd))
    if grid:
        trig = np.round(trig * 2) / 2
    stops = StopBook(sside, trig, rng.uniform(0.0, 1.5, m))
    return book, pos, stops


def _close(a: Any, b: Any, scale: float) -> bool:
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-9 * scale))


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 64])
def test_block_kernel_equals_order_by_order_kernel(block: int) -> None:
    rng = np.random.default_rng(700 + block)
    seen = {"mixed_exhausted": 0, "multi_round": 0, "bad_debt": 0}
    for i in range(150):
        book, pos, stops = _market(rng)
        pm = prepare_cascade(book, pos, stops)
        dirsign = 1.0 if rng.random() < 0.5 else -1.0
        side = pm.side(dirsign)
        if rng.random() < 0.7:
            kind, value = 0, dirsign * MID * (1 - dirsign * rng.uniform(0.0, 0.3))
        else:
            kind, value = 1, float(rng.uniform(0.0, 3000.0))
        f0 = float(rng.choice([0.0, rng.uniform(0, 50)]))
        ext = rng.random() < 0.4
        refill = float(rng.uniform(0, 1)) if ext and rng.random() < 0.5 else 0.0
        withdrawal = float(rng.uniform(0, 0.4)) if ext and rng.random() < 0.5 else 0.0
        mark_w = float(rng.uniform(0.05, 1)) if ext and rng.random() < 0.5 else 1.0
        fee = float(rng.uniform(0, 0.02)) if rng.random() < 0.4 else 0.0
        max_rounds = int(rng.integers(1, 4)) if ext and rng.random() < 0.2 else 0
        mx, mn = block_bounds_kernel(side.pos_bkr_x, block)
        sb, ps, pb = block_sorted_kernel(side.pos_bkr_x, side.pos_size, block)
        # the merged fill order (used when the mark is the trade price), or none: the
        # kernel then finds each level's position units by the two sorted lists
        if rng.random() < 0.7:
            mcum, mpos = merge_orders_kernel(
                side.pos_key, side.pos_size, side.stop_key, side.stop_size
            )
        else:
            mcum = mpos = np.zeros(0)
        tail = (kind, value, dirsign, f0, refill, withdrawal, mark_w)
        fast = cascade_fast_kernel(
            *side.kernel_args()[:8], side.cum_size, side.cum_bkr, side.stop_key,
            side.cum_stop, mx, mn, sb, ps, pb, block, mcum, mpos, *tail, fee, max_rounds, True,
        )  # fmt: skip
        slow = cascade_kernel(
            *side.kernel_args(), *tail, np.ones(1), fee, max_rounds, True
        )  # fmt: skip
        what = f"case {block}/{i}"
        for j in (2, 5, 6, 9, 11):  # rounds, counts, exhausted, book level: exactly
            assert fast[j] == slow[j], (what, j, fast[j], slow[j])
        scale = float(np.sum(side.lvl_abs * side.lvl_q)) + float(np.sum(pos.size)) * MID + 1.0
        for j in (0, 1, 3, 4, 7, 8, 10, 12, 13, 15, 16):
            assert _close(fast[j], slow[j], scale), (what, j, fast[j], slow[j])
        assert fast[14].shape == slow[14].shape, what
        assert _close(fast[14], slow[14], scale), what
        seen["multi_round"] += fast[2] > 1
        seen["bad_debt"] += fast[8] > 0
        seen["mixed_exhausted"] += bool(fast[9]) and fast[5] > block
    assert min(seen.values()) >= 5, seen


@pytest.mark.parametrize("partial", [False, True])
def test_simulate_cascade_equals_twin_on_many_orders(partial: bool) -> None:
    """``simulate_cascade`` (block kernel, or order by order with chunks) = ``cascade_py``.

    Per-order detail (``position_outcomes``, built lazily by the order-by-order kernel)
    is compared too.
    """
    rng = np.random.default_rng(31 + partial)
    for i in range(40):
        book, pos, stops = _market(rng)
        shock = {"shock": float(rng.uniform(-0.3, 0.3))}
        cfg = CascadeConfig(
            partial_liquidation=partial,
            partial_threshold_usd=float(rng.choice([30.0, 1e9])),  # 1e9: none large
            liquidation_fee=float(rng.choice([0.0, 0.01])),
        )
        case = Case(book, pos, stops, shock, float(rng.choice([0.0, 40.0])), cfg)
        errs = compare(case)
        assert not errs, f"case {i}: {errs}"
