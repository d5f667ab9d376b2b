"""The Monte-Carlo clock (``clock_paths_kernel``) against its plain-Python twin.

``clock_paths_kernel`` is the engine behind every calibrated cascade and the liquidity
back-test: it builds each path's index (``x_t = x_(t−1) · exp(σ_t z_(p,t))``) inside the
kernel, runs the clock on it and keeps six columns. The twin
(:func:`liqcascade.cascade._clock_reference.clock_paths_py`) rebuilds each index with
plain loops and runs the single-path oracle ``clock_py``: this checks the index walk,
the column mapping, the direction flips and the "furthest against the move" column.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.book import OrderBook
from liqcascade.cascade import prepare_cascade
from liqcascade.cascade._clock import LiquidityParams, LiquidityResponse, simulate_clock
from liqcascade.cascade._clock_reference import clock_paths_py
from liqcascade.positions import PositionBook, StopBook
from profiles import examples
from test_liquidity.test_clock_engine import _market, _random_params


def _twin_paths(pm, params: LiquidityParams, shock_price, sigma, z, dt, down: bool, fund: float):
    """The plain-Python twin on the moving side of ``pm`` (longs and bids for a fall)."""
    b, p, s = pm.book, pm.positions, pm.stops
    if down:
        lv, sz, pside, sside = b.bid_price, b.bid_size, 1, -1
    else:
        lv, sz, pside, sside = b.ask_price, b.ask_size, -1, 1
    pm_ = p.side == pside
    liq = p.liq_price[pm_]
    large = p.size[pm_] * liq > pm.partial_threshold_usd
    sm = s.side == sside
    rows = clock_paths_py(
        b.mid,
        [float(v) for v in lv],
        [float(v) for v in sz],
        [float(v) for v in liq],
        [float(v) for v in p.size[pm_]],
        [float(v) for v in p.bankruptcy_price[pm_]],
        [bool(v) for v in large],
        [float(v) for v in s.trigger[sm]],
        [float(v) for v in s.size[sm]],
        float(shock_price),
        [float(v) for v in sigma],
        [[float(v) for v in row] for row in z],
        [float(v) for v in dt],
        down=down,
        insurance_fund=fund,
        **dict(params.__dict__),
    )
    return np.array(rows, dtype=np.float64).reshape(len(rows), 6)


def _paths(pm, params: LiquidityParams, shock_price, sigma, z, dt, down: bool, fund: float):
    resp = LiquidityResponse.of(pm, 1.0 if down else -1.0, params)
    return resp.paths(shock_price, sigma, z, dt, fund)


def test_paths_kernel_equals_twin_on_random_markets() -> None:
    rng = np.random.default_rng(7018)
    seen = {"down": 0, "up": 0, "exhausted": 0, "bad": 0, "liq": 0, "back_moved": 0}
    for i in range(60):
        book, pos, stops = _market(rng, n_pos=int(rng.integers(5, 40)), n_lvl=40)
        thr = float(rng.uniform(20, 200)) if rng.random() < 0.5 else None
        pm = prepare_cascade(book, pos, stops, partial_threshold_usd=thr)
        params = _random_params(rng)
        down = bool(rng.random() < 0.5)
        shock = float(rng.uniform(0.005, 0.12)) * (-1.0 if down else 1.0)
        n_steps = int(rng.integers(2, 25))
        n_paths = int(rng.integers(1, 6))
        dt = np.concatenate([[0.0], rng.uniform(1, 600, n_steps - 1)])
        sigma = np.concatenate([[0.0], rng.uniform(0.0, 0.02, n_steps - 1)])
        z = rng.standard_normal((n_paths, n_steps))
        fund = float(rng.uniform(0, 20))
        p1 = book.mid * (1 + shock)
        got = _paths(pm, params, p1, sigma, z, dt, down, fund)
        want = _twin_paths(pm, params, p1, sigma, z, dt, down, fund)
        ctx = f"case {i}: down={down} {params}"
        assert got.shape == (n_paths, 6), ctx
        # column 5 is a flag, compared exactly; the rest are USD figures
        assert_same(got[:, 5], want[:, 5], rtol=0.0, atol=0.0)
        assert_same(got[:, [0, 1, 3]], want[:, [0, 1, 3]], rtol=1e-12)
        assert_same(got[:, [2, 4]], want[:, [2, 4]], rtol=1e-9, atol=1e-7)
        seen["down" if down else "up"] += 1
        seen["exhausted"] += int(got[:, 5].sum() > 0)
        seen["bad"] += int((got[:, 4] > 0).any())
        seen["liq"] += int((got[:, 2] > 0).any())
        seen["back_moved"] += int((got[:, 3] != p1).any())
    # the random cases reach every branch the columns come from
    assert min(seen.values()) >= 3, seen


def test_paths_kernel_columns_by_hand() -> None:
    """One path, no positions: the index walk and the furthest price against the move."""
    rng = np.random.default_rng(3)
    book, pos, stops = _market(rng, n_pos=0, n_stop=0)
    pm = prepare_cascade(book, pos, stops)
    dt = np.array([0.0, 60.0, 60.0, 60.0])
    sigma = np.array([0.0, 0.01, 0.02, 0.01])
    z = np.array([[0.0, 1.0, -2.0, 0.5]])
    for down, p1 in ((True, 97.0), (False, 103.0)):
        got = _paths(pm, LiquidityParams(), p1, sigma, z, dt, down, 0.0)[0]
        x = p1 * np.exp(np.cumsum(sigma * z[0]))  # 97, 97e^.01, 97e^-.03, 97e^-.025
        assert_same(got[1], x[-1])  # no forced orders: the price is the index
        assert_same(got[0], x.min() if down else x.max())
        assert_same(got[3], x.max() if down else x.min())
        assert got[2] == 0.0 and got[4] == 0.0 and got[5] == 0.0  # nothing to liquidate


@settings(max_examples=examples(30), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    down=st.booleans(),
    shock=st.floats(0.002, 0.1),
    n_steps=st.integers(2, 20),
)
def test_a_path_with_no_innovation_is_the_held_run(seed, down, shock, n_steps) -> None:
    """z = 0: the index stays at the shock price, i.e. ``simulate_clock``'s held path."""
    rng = np.random.default_rng(seed)
    book, pos, stops = _market(rng, n_pos=20, n_stop=10, n_lvl=40)
    thr = float(rng.uniform(20, 200)) if rng.random() < 0.5 else None
    pm = prepare_cascade(book, pos, stops, partial_threshold_usd=thr)
    params = _random_params(rng)
    dt = np.concatenate([[0.0], rng.uniform(1, 600, n_steps - 1)])
    sigma = np.concatenate([[0.0], rng.uniform(0.001, 0.05, n_steps - 1)])
    p1 = book.mid * (1 - shock if down else 1 + shock)
    fund = float(rng.uniform(0, 20))
    got = _paths(pm, params, p1, sigma, np.zeros((2, n_steps)), dt, down, fund)
    held = simulate_clock(pm, shock_price=p1, params=params, dt=dt, insurance_fund=fund)
    for row in got:
        assert_same(row[0], held.extreme_price)
        assert_same(row[1], held.final_price)
        assert_same(row[2], held.liquidated_usd, rtol=1e-12, atol=1e-9)
        assert_same(row[3], p1)  # the index never moves
        assert_same(row[4], held.bad_debt_usd, rtol=1e-12, atol=1e-9)
        assert row[5] == float(held.book_exhausted)


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    down=st.booleans(),
    shock=st.floats(0.002, 0.08),
    k=st.floats(1.0, 3.0),
    latent=st.floats(0, 3),
)
def test_extreme_deepens_when_the_adverse_innovations_grow(seed, down, shock, k, latent) -> None:
    """Scaling every adverse innovation (z < 0 for a fall, z > 0 for a rise) by k ≥ 1
    moves the index further at every step, so the extreme goes at least as far.

    Asserted on a book that does not refill (resilience off): with a finite half-life
    the response is path-dependent by design — a faster early fall sells into the book
    sooner and the taken depth refills before the index's trough, so the trough can be
    shallower (hypothesis found such a path at resilience 10 s, latent depth 0; 3 of 300
    random cases with a finite half-life, none of 300 without).
    """
    resil = math.inf
    rng = np.random.default_rng(seed)
    book, pos, stops = _market(rng, n_pos=25, n_stop=10, n_lvl=40)
    pm = prepare_cascade(book, pos, stops)
    params = LiquidityParams(resilience_half_life_s=resil, latent_depth=latent)
    n_steps = 12
    dt = np.concatenate([[0.0], rng.uniform(5, 600, n_steps - 1)])
    sigma = np.concatenate([[0.0], rng.uniform(0.001, 0.02, n_steps - 1)])
    z = rng.standard_normal((4, n_steps))
    adverse = z < 0 if down else z > 0
    z_big = np.where(adverse, k * z, z)
    p1 = book.mid * (1 - shock if down else 1 + shock)
    a = _paths(pm, params, p1, sigma, z, dt, down, 0.0)
    b = _paths(pm, params, p1, sigma, z_big, dt, down, 0.0)
    if down:
        assert np.all(b[:, 0] <= a[:, 0] * (1 + 1e-12))
    else:
        assert np.all(b[:, 0] >= a[:, 0] * (1 - 1e-12))


def test_a_book_taken_to_its_last_level_leaves_no_room() -> None:
    """The index lies past every level: the whole book is taken, no room is left and the
    price is the index's, in the kernel and in the twin.

    Ten levels of 0.1 base add up, left to right, to 0.9999999999999999; Python 3.12's
    compensated ``sum()`` makes it 1.0, and a twin whose book depth used it had one ulp
    of room, filled it at the last level and ended there (99.0 for a fall, not 95.0).
    """
    steps = 0.1 * np.arange(1, 11)
    book = OrderBook(100.0, 100.0 - steps, np.full(10, 0.1), 100.0 + steps, np.full(10, 0.1))
    one = np.ones(1)
    pos = PositionBook(
        np.array([1, -1], np.int8), 5.0 * np.ones(2), 100.0 * np.ones(2), 50.0 * np.ones(2),
        np.array([99.95, 100.05]), np.array([99.0, 101.0]),
    )  # fmt: skip
    stops = StopBook(np.array([], np.int8), np.array([]), np.array([]))
    pm = prepare_cascade(book, pos, stops)
    for down, p1 in ((True, 95.0), (False, 105.0)):
        got = _paths(pm, LiquidityParams(), p1, 0 * one, 0 * one[None, :], 0 * one, down, 0.0)
        want = _twin_paths(pm, LiquidityParams(), p1, 0 * one, 0 * one[None, :], 0 * one, down, 0.0)
        assert got[0, 5] == want[0, 5] == 1.0  # the book ran out
        assert_same(got[0, :2], [p1, p1])  # extreme and final price: the index
        assert_same(want, got, rtol=1e-12)


def test_a_small_batch_runs_on_one_thread_with_the_same_rows() -> None:
    """Below ``PARALLEL_MIN_PATHS`` a batch runs on one numba thread (the launch costs more
    than it saves); a larger one on numba's threads. Each row is its own path, so a row
    is the same in a batch of either kind, and the caller's thread count is restored."""
    import numba

    from liqcascade._numba import NUMBA_DISABLED
    from liqcascade.cascade import _clock

    rng = np.random.default_rng(11)
    book, pos, stops = _market(rng, n_pos=30, n_stop=10, n_lvl=40)
    pm = prepare_cascade(book, pos, stops)
    params = _random_params(rng)
    n_steps = 12
    dt = np.concatenate([[0.0], rng.uniform(1, 600, n_steps - 1)])
    sigma = np.concatenate([[0.0], rng.uniform(0.001, 0.02, n_steps - 1)])
    n = _clock.PARALLEL_MIN_PATHS
    z = rng.standard_normal((n + 7, n_steps))
    p1 = book.mid * 0.96
    seen: list[int] = []
    kernel = _clock.clock_paths_kernel

    def spy(*args: object) -> object:
        seen.append(numba.get_num_threads())
        return kernel(*args)

    before = numba.get_num_threads()
    _clock.clock_paths_kernel = spy
    try:
        big = _paths(pm, params, p1, sigma, z, dt, True, 0.0)  # parallel
        small = _paths(pm, params, p1, sigma, z[n - 5 :], dt, True, 0.0)  # one thread
    finally:
        _clock.clock_paths_kernel = kernel
    one = before if NUMBA_DISABLED else 1  # uncompiled: no threads to set
    assert seen == [before, one] and numba.get_num_threads() == before
    assert_same(small, big[n - 5 :], rtol=1e-12)  # the same rows
    want = _twin_paths(pm, params, p1, sigma, z[:3], dt, True, 0.0)
    assert_same(big[:3, [0, 1, 3]], want[:, [0, 1, 3]], rtol=1e-12)
