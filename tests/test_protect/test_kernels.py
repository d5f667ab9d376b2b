"""The path walk and fill kernels: compiled = plain-Python twin, hand cases, and the
fill model's closed form against the cascade engine on a fine parametric book."""

from __future__ import annotations

import math

import numpy as np
import pytest

from floats import assert_same
from liqcascade.book import OrderBook
from liqcascade.cascade import simulate_cascade
from liqcascade.positions import PositionBook, StopBook
from liqcascade.protect._kernels import (
    crowd_in_window_py,
    fill_batch_nb,
    fill_batch_py,
    stop_walk_nb,
    stop_walk_py,
)
from reference.protect_stop_walk import crowd_ref, stop_walk_ref


def _path(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    o = np.concatenate([[100.0], c[:-1]]) * np.exp(rng.normal(0, 0.003, n))
    hi = np.maximum(o, c) * (1 + np.abs(rng.normal(0, 0.004, n)))
    lo = np.minimum(o, c) * (1 - np.abs(rng.normal(0, 0.004, n)))
    return o, hi, lo, c


def test_walk_kernel_equals_twin_on_random_cases() -> None:
    rng = np.random.default_rng(7)
    for _ in range(30):
        n = int(rng.integers(20, 200))
        o, hi, lo, c = _path(rng, n)
        m = int(rng.integers(1, 40))
        eb = rng.integers(0, n - 1, m).astype(np.int64)
        side = rng.choice(np.array([-1, 1], np.int8), m)
        d = rng.uniform(0.002, 0.05, m)
        stop = c[eb] * (1 - side * d)
        hor = int(rng.integers(1, 60))
        a = stop_walk_nb(o, hi, lo, c, eb, side, stop, hor)
        b = stop_walk_py(o, hi, lo, c, eb, side, stop, hor)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)


def _gappy_path(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Bars with gaps: a fifth of the opens jump up to 4 % away from the previous close."""
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    jump = np.where(rng.random(n) < 0.2, rng.normal(0, 0.02, n), 0.0)
    o = np.concatenate([[100.0], c[:-1]]) * np.exp(jump)
    hi = np.maximum(o, c) * (1 + np.abs(rng.normal(0, 0.004, n)))
    lo = np.minimum(o, c) * (1 - np.abs(rng.normal(0, 0.004, n)))
    return o, hi, lo, c


def test_walk_kernel_equals_independent_reference() -> None:
    """600 trades against the vectorised reference: gaps through the stop, stops equal to
    a later bar's low/high or open (ties trigger), entries on the last bar."""
    rng = np.random.default_rng(11)
    n_trades = n_tied = n_gapped = n_last = 0
    while n_trades < 600:
        n = int(rng.integers(5, 120))
        o, hi, lo, c = _gappy_path(rng, n)
        m = int(rng.integers(1, 30))
        eb = rng.integers(0, n, m).astype(np.int64)
        eb[rng.random(m) < 0.1] = n - 1  # entry on the last bar: nothing to walk
        side = rng.choice(np.array([-1, 1], np.int8), m)
        stop = c[eb] * (1 - side * rng.uniform(0.002, 0.05, m))
        hor = int(rng.integers(1, 40))
        for i in range(m):  # a third of the stops sit exactly on a later bar's price
            j = int(eb[i]) + int(rng.integers(1, hor + 1))
            if j < n and rng.random() < 0.33:
                pick = rng.integers(3)
                stop[i] = (lo[j] if side[i] > 0 else hi[j]) if pick else o[j]
        got = stop_walk_nb(o, hi, lo, c, eb, side, stop, hor)
        want = stop_walk_ref(o, hi, lo, c, eb, side, stop, hor)
        for x, y in zip(got, want, strict=True):
            assert_same(x, y)
        xb, st, tr = got
        n_trades += m
        n_last += int((eb == n - 1).sum())
        n_gapped += int(((st == 1) & (tr != stop)).sum())
        touched = np.where(side > 0, lo[xb], hi[xb]) == stop
        n_tied += int(((st == 1) & (tr == stop) & touched).sum())
    # the cases the comparison is for did occur
    assert n_gapped >= 20 and n_tied >= 20 and n_last >= 20, (n_gapped, n_tied, n_last)


def _crowd_orders(rng: np.random.Generator, n: int, off: float) -> tuple[np.ndarray, ...]:
    """Orders near crowd levels (a third exactly on one: a tie at the window's near
    edge), with the backtest's round-number step (``10^(floor(log10 p) - 1)``)."""
    sgn = rng.choice([-1.0, 1.0], n)
    r = rng.integers(10, 100, n) * 10.0 ** rng.integers(0, 4, n).astype(float)
    lev = r * np.where(sgn > 0, 1 - off, 1 + off)
    trig = np.where(rng.random(n) < 1 / 3, lev, lev * (1 - sgn * rng.uniform(-0.01, 0.01, n)))
    step = 10.0 ** (np.floor(np.log10(trig)) - 1.0)
    swing = trig * rng.uniform(0.99, 1.01, n)
    return trig, sgn, step, swing, 10 ** rng.uniform(5, 8, n), 10 ** rng.uniform(3, 8, n)


@pytest.mark.parametrize("off", [0.0, 0.001, 0.005])
def test_crowd_and_fill_kernels_equal_independent_reference(off: float) -> None:
    """600 orders: the crowd notional equals the enumeration of round numbers, levels
    exactly on the window's edge included; the compiled fill kernel's slippage is the
    closed form of that notional."""
    rng = np.random.default_rng(12)
    n, win, rm, sm = 600, 0.005, 0.25, 0.5
    trig, sgn, step, swing, d1, own = _crowd_orders(rng, n, off)
    args = [(trig[i], sgn[i], d1[i], swing[i], step[i], rm, sm, off, win) for i in range(n)]
    ref = np.array([crowd_ref(*a) for a in args])
    assert_same(np.array([crowd_in_window_py(*a) for a in args]), ref)
    assert (ref > 0).sum() >= 200 and (ref == 0).sum() >= 50
    beta, dmax = 0.73, 0.4
    fill, slip = fill_batch_nb(trig, sgn, own, d1, swing, step, beta, rm, sm, off, win, dmax)
    want = beta / (beta + 1) * np.minimum(0.01 * ((own + ref) / d1) ** (1 / beta), dmax)
    assert_same(slip, want)
    assert_same(fill, trig * (1 - sgn * want))


def test_crowd_kernel_counts_every_lump_with_a_large_offset() -> None:
    """With ``offset · price / step > 1`` the crowd level of a round number far from the
    window lands in it (FillModel(offset=0.05): a sell at 9,025, step 100, meets the lump
    of 9,500 at 9,500 · 0.95); the kernel enumerates the round numbers whose level can."""
    rng = np.random.default_rng(13)
    n, off, win = 600, 0.05, 0.005
    assert crowd_ref(9025.0, 1.0, 1e6, 0.0, 100.0, 0.25, 0.5, off, win) == 0.25e6
    trig, sgn, step, swing, d1, _own = _crowd_orders(rng, n, off)
    args = [(trig[i], sgn[i], d1[i], swing[i], step[i], 0.25, 0.5, off, win) for i in range(n)]
    assert_same(
        np.array([crowd_in_window_py(*a) for a in args]), np.array([crowd_ref(*a) for a in args])
    )


def test_walk_hand_case() -> None:
    # bars:        0      1      2      3      4
    o = np.array([100.0, 100.0, 99.0, 93.0, 96.0])
    hi = np.array([101.0, 101.0, 99.5, 97.0, 98.0])
    lo = np.array([99.0, 98.5, 96.0, 92.0, 95.0])
    c = np.array([100.0, 99.0, 97.0, 96.0, 97.0])
    eb = np.array([0, 0, 0, 0], np.int64)
    side = np.array([1, 1, -1, 1], np.int8)
    stop = np.array([97.0, 95.0, 104.0, 90.0])
    xb, st, tr = stop_walk_py(o, hi, lo, c, eb, side, stop, 3)
    # long stop 97: bar 2 low 96 touches it, open 99 above -> fills from the stop
    assert (xb[0], st[0], tr[0]) == (2, 1, 97.0)
    # long stop 95: bar 3 opens at 93 below it -> gapped, sent at the open
    assert (xb[1], st[1], tr[1]) == (3, 1, 93.0)
    # short stop 104: never reached -> exits at the horizon's close (bar 3)
    assert (xb[2], st[2], tr[2]) == (3, 0, 96.0)
    # long stop 90 not reached within 3 bars
    assert (xb[3], st[3]) == (3, 0)


def test_crowd_window_hand_count() -> None:
    # sells at 3,000.0 with window 0.5 %: crowd just below 3,000 (2,997) is outside
    # [3000, 3015]; just below 3,100 (3,096.9) too; swing 3,010 * 0.999 = 3,006.99 inside
    v = crowd_in_window_py(3000.0, 1.0, 1e6, 3010.0, 100.0, 0.25, 0.5, 0.001, 0.005)
    assert v == pytest.approx(0.5e6)
    # trigger at 2,996: 2,997 (round 3,000 * 0.999) is inside [2996, 3010.98]
    v = crowd_in_window_py(2996.0, 1.0, 1e6, 0.0, 100.0, 0.25, 0.5, 0.001, 0.005)
    assert v == pytest.approx(0.25e6)
    # buys mirror: 3,003 (3,000 * 1.001) inside [2989.6..., 3004]
    v = crowd_in_window_py(3004.0, -1.0, 1e6, 0.0, 100.0, 0.25, 0.5, 0.001, 0.005)
    assert v == pytest.approx(0.25e6)


def test_fill_kernel_equals_twin_and_closed_form() -> None:
    rng = np.random.default_rng(3)
    n = 200
    trig = rng.uniform(100, 5000, n)
    sgn = rng.choice([-1.0, 1.0], n)
    own = rng.uniform(1e3, 5e7, n)
    d1 = rng.uniform(1e6, 5e7, n)
    swing = trig * rng.uniform(0.97, 1.03, n)
    step = 10.0 ** (np.floor(np.log10(trig)) - 1)
    args = (trig, sgn, own, d1, swing, step, 0.73, 0.25, 0.5, 0.001, 0.005, 0.4)
    f1, s1 = fill_batch_nb(*args)
    f2, s2 = fill_batch_py(*args)
    np.testing.assert_allclose(f1, f2, rtol=1e-12)
    np.testing.assert_allclose(s1, s2, rtol=1e-12)
    # one body: the compiled twin is the plain one's code (its crowd call compiled)
    assert getattr(fill_batch_nb, "py_func", fill_batch_nb).__code__ is fill_batch_py.__code__
    # no crowd: slippage = beta/(beta+1) * 0.01 * (own/d1)^(1/beta)
    f, s = fill_batch_py(trig, sgn, own, d1, swing, step, 0.73, 0.0, 0.0, 0.001, 0.005, 0.4)
    exp = np.minimum(0.01 * (own / d1) ** (1 / 0.73), 0.4) * 0.73 / 1.73
    np.testing.assert_allclose(s, exp, rtol=1e-12)
    np.testing.assert_allclose(f, trig * (1 - sgn * exp), rtol=1e-12)


@pytest.mark.parametrize("q_usd", [2e6, 8e6, 3e7])
def test_fill_closed_form_matches_cascade_engine(q_usd: float) -> None:
    """The continuous book walk equals the engine's walk of a fine parametric book."""
    p0, d1, beta = 2000.0, 1e7, 0.73
    eps = 1e-5
    ob = OrderBook.parametric(p0 / (1 - eps), d1, beta=beta, n_levels=40000, max_distance=0.4)
    pos = PositionBook(np.array([1], np.int8), [1e-6], [10.0], [1.0], [1.0], [0.5])
    stops = StopBook(np.array([-1], np.int8), [p0], [q_usd / p0])
    r = simulate_cascade(ob, pos, stops, shock_price=p0)
    vwap = float(r.to_frame()["vwap"].iloc[0])
    _f, s = fill_batch_py(
        np.array([p0]), np.array([1.0]), np.array([q_usd]), np.array([d1]),
        np.array([0.0]), np.array([100.0]), beta, 0.0, 0.0, 0.001, 0.005, 0.4,
    )  # fmt: skip
    eng = (p0 - vwap) / p0
    # engine fills in base units (VWAP over base), the closed form is notional-weighted:
    # equal to first order; the tolerance covers the discretisation and that difference
    assert math.isclose(float(s[0]), eng, rel_tol=0.03)


def test_a_crowd_offset_of_one_or_more_is_refused() -> None:
    from liqcascade.errors import InputError
    from liqcascade.protect._backtest import FillModel

    FillModel(offset=0.5)
    with pytest.raises(InputError, match=r"FillModel.offset must be < 1 \(got 1.0\)"):
        FillModel(offset=1.0)
