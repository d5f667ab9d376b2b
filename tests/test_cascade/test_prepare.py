"""Packed preparation (issue 20 item 3) gives the arrays ``argsort`` gave."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from books import entry_beyond
from floats import assert_same
from liqcascade.book import OrderBook
from liqcascade.cascade import prepare_cascade
from liqcascade.cascade._prepare import packed_argsort
from liqcascade.positions._book import PositionBook, StopBook
from reference.cascade_cases import random_case
from reference.prepare_reference import blocks_sorted_reference, side_reference

EXACT = ("pos_index", "pos_key", "pos_size", "pos_bkr_x", "pos_large", "large_rank")
EXACT += ("stop_index", "stop_key", "stop_size", "lvl_x", "lvl_abs", "lvl_q", "lvl_key")


def _check(pm, threshold: float) -> None:  # type: ignore[no-untyped-def]
    for side in (pm.down, pm.up):
        ref = side_reference(side.dirsign, pm.book, pm.positions, pm.stops, threshold)
        for f in dataclasses.fields(side):
            if f.name.startswith("_"):  # caches built on first use (checked below)
                continue
            got, want = getattr(side, f.name), ref[f.name]
            if f.name in EXACT:  # values read from the inputs, in the same order
                np.testing.assert_array_equal(got, want, err_msg=f.name)
            else:  # sums, compared as the project's rule says
                assert_same(got, want)
        sb, ps, pb = side.fast_args()[5:8]
        want_sb, want_ps, want_pb = blocks_sorted_reference(side.pos_bkr_x, side.pos_size)
        np.testing.assert_array_equal(sb, want_sb)  # values read from the inputs
        assert_same(ps, want_ps)
        assert_same(pb, want_pb)
        # positions and stops merged in fill order (a stop first only on a smaller key)
        mcum, mpos = side.fast_args()[9:11]
        key = np.concatenate([side.pos_key, side.stop_key])
        kind = np.concatenate([np.zeros(side.pos_key.size), np.ones(side.stop_key.size)])
        o = np.lexsort((kind, key))
        size = np.concatenate([side.pos_size, side.stop_size])[o]
        assert_same(mcum, np.concatenate([[0.0], np.cumsum(size)]))
        assert_same(mpos, np.concatenate([[0.0], np.cumsum(np.where(kind[o] == 0, size, 0.0))]))


def _market(rng: np.random.Generator, n: int, m: int, ties: bool) -> tuple:  # type: ignore[type-arg]
    side = rng.choice(np.array([1, -1], np.int8), n)
    grid = rng.integers(90, 110, n).astype(float) if ties else rng.uniform(50, 150, n)
    liq = np.where(side == 1, grid * 0.97, grid * 1.03)
    # the bankruptcy at or beyond the liquidation (PositionBook's rule); abs keeps the draws
    gap_long, gap_short = np.abs(rng.uniform(-1, 5, n)), np.abs(rng.uniform(-1, 5, n))
    bkr = np.where(side == 1, liq - gap_long, liq + gap_short)
    size = rng.uniform(0.01, 3, n)
    if n:  # special values: a long never liquidated, an infinite bankruptcy, -0.0 / +0.0
        side[0], liq[0], bkr[0] = 1, 0.0, -np.inf
        liq[-1] = -0.0 if side[-1] == 1 else liq[-1]
    pos = PositionBook(side, size, entry_beyond(side, liq, 100.0), size * 5, liq, bkr)
    ss = rng.choice(np.array([1, -1], np.int8), m)
    trig = rng.integers(80, 120, m).astype(float) if ties else rng.uniform(80, 120, m)
    stops = StopBook(ss, trig, rng.uniform(0.01, 2, m))
    book = OrderBook(100.0, [99.0, 98.0], [1.0, 2.0], [101.0], [1.0])
    return book, pos, stops


@pytest.mark.parametrize("ties", [True, False])
def test_packed_preparation_equals_argsort(ties: bool) -> None:
    rng = np.random.default_rng(31 + ties)
    for n, m in [(0, 0), (1, 1), (2, 0), (7, 3), (100, 20), (5000, 700), (70_000, 3_000)]:
        book, pos, stops = _market(rng, n, m, ties)
        _check(prepare_cascade(book, pos, stops), np.inf)
        thr = 150.0
        _check(prepare_cascade(book, pos, stops, partial_threshold_usd=thr), thr)


def test_packed_preparation_equals_argsort_on_the_random_cases() -> None:
    rng = np.random.default_rng(77)
    for _ in range(200):
        c = random_case(rng)
        _check(prepare_cascade(c.book, c.positions, c.stops), np.inf)


def test_packed_argsort_resolves_keys_equal_in_the_packed_bits() -> None:
    # keys that differ only in their last mantissa bits share a packed code: the exact
    # key decides, ties keep the input order, NaN goes last
    base = 3000.0
    vals = np.array([base + 4e-12, base, np.nan, base + 2e-12, base, -base, base + 4e-12])
    idx = np.arange(vals.size, dtype=np.int64)
    order, key = packed_argsort(vals, idx, -1.0)  # key = +vals
    want = np.argsort(vals, kind="stable")
    np.testing.assert_array_equal(order, want)
    np.testing.assert_array_equal(key, vals[want])
    big = np.repeat(np.nextafter(base, np.inf) + np.arange(5) * 1e-12, 3000)
    big = np.random.default_rng(3).permutation(big)
    order, _ = packed_argsort(big, np.arange(big.size, dtype=np.int64), 1.0)  # key = -big
    np.testing.assert_array_equal(order, np.argsort(-big, kind="stable"))


def test_packed_preparation_on_two_threads_equals_argsort(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two sides prepared on two threads (as large markets are) give the same arrays."""
    import liqcascade.cascade._prepare as prep

    monkeypatch.setattr(prep, "_THREADED_FROM", 0)
    rng = np.random.default_rng(5)
    for ties in (True, False):
        for n, m in [(3, 2), (5000, 700), (40_000, 9_000)]:
            book, pos, stops = _market(rng, n, m, ties)
            for _ in range(2):  # the second run reuses both threads' scratch
                _check(prepare_cascade(book, pos, stops), np.inf)
            _check(prepare_cascade(book, pos, stops, partial_threshold_usd=150.0), 150.0)
