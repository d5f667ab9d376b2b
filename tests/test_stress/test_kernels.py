"""Path kernels against their plain-Python twins, and against arch's own simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from arch.univariate import EGARCH, GARCH

from floats import assert_same
from liqcascade.stress import StressBook
from liqcascade.stress._kernels import (
    MODEL_EGARCH,
    MODEL_GJR,
    cascade_step,
    cascade_step_py,
    mc_kernel,
    mc_paths_py,
    next_variance,
    next_variance_py,
    replay_kernel,
    replay_py,
)
from test_stress._cases import random_book


@pytest.mark.parametrize("case", range(25))
def test_cascade_step_equals_twin(case: int) -> None:
    rng = np.random.default_rng(case)
    book = random_book(rng)
    for _ in range(20):
        lo = float(rng.uniform(90, 100))
        hi = float(rng.uniform(100, 110))
        x = float(rng.uniform(60, 140))
        pref = float(rng.uniform(lo, hi))
        impact = float(rng.choice([0.0, 1.0, 2.5]))
        got = cascade_step(x, pref, lo, hi, *book.kernel_args(), impact, 100)
        ref = cascade_step_py(x, pref, lo, hi, book, impact, 100)
        assert got == pytest.approx(ref, rel=1e-10, abs=1e-7)


def test_cascade_step_hand_case() -> None:
    """One long of 10 base at 95, a bid level of 2,000 USD at 1 % and 10,000 USD at 2 %."""
    from liqcascade.book._orderbook import OrderBook
    from liqcascade.positions._book import PositionBook
    from liqcascade.stress import stress_book

    pos = PositionBook(
        side=np.array([1], np.int8),
        size=np.array([10.0]),
        entry_price=np.array([100.0]),
        margin=np.array([50.0]),
        liq_price=np.array([95.0]),
        bankruptcy_price=np.array([95.0]),
    )
    ob = OrderBook(
        mid=100.0,
        bid_price=np.array([99.0, 98.0]),
        bid_size=np.array([2000 / 99, 10000 / 98]),
        ask_price=np.array([101.0]),
        ask_size=np.array([1.0]),
    )
    b = stress_book(pos, None, ob)
    # x = 94 < 95 triggers 10 base = 1,000 USD at pref 100: half the first level -> 0.5 %
    y, dl, ds = cascade_step(94.0, 100.0, 100.0, 100.0, *b.kernel_args(), 1.0, 100)
    assert y == pytest.approx(94.0 * (1 - 0.005))
    assert dl == pytest.approx(950.0)  # 10 base at the liquidation price 95
    assert ds == 0.0
    # already below the liquidation price: nothing new
    assert cascade_step(94.0, 100.0, 94.5, 100.0, *b.kernel_args(), 1.0, 100)[1] == 0.0


@pytest.mark.parametrize("model", [MODEL_GJR, MODEL_EGARCH])
@pytest.mark.parametrize("case", range(4))
def test_mc_kernel_equals_twin(model: int, case: int) -> None:
    rng = np.random.default_rng(100 + case)
    book = random_book(rng, 30, 15)
    z = rng.standard_t(4, size=(12, 15)) / math.sqrt(2.0)
    if model == MODEL_GJR:
        params = (0.05, 0.3, 0.08, 0.05, 0.88)
    else:
        params = (0.05, 0.08, 0.2, -0.05, 0.95)
    args = (*params[:1], *params[1:])
    got = mc_kernel(z, 100.0, *args, model, 9.0, 1600.0, *book.kernel_args(), 1.0, 100)
    ref = mc_paths_py(z, 100.0, params, model, 9.0, 1600.0, book, 1.0, 100)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("case", range(8))
def test_replay_kernel_equals_twin(case: int) -> None:
    rng = np.random.default_rng(200 + case)
    book = random_book(rng)
    steps = rng.normal(0, 0.03, 40)
    close = 100 * np.exp(np.cumsum(steps))
    prev = np.concatenate([[100.0], close[:-1]])
    low = np.minimum(prev, close) * (1 - rng.uniform(0, 0.03, 40))
    high = np.maximum(prev, close) * (1 + rng.uniform(0, 0.03, 40))
    got = replay_kernel(low, high, close, 100.0, *book.kernel_args(), 1.0, 100)
    ref = replay_py(low, high, close, 100.0, book, 1.0, 100)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-6)
    off = replay_kernel(low, high, close, 100.0, *book.kernel_args(), 0.0, 100)
    np.testing.assert_array_equal(off[:, 2], close)


def _arch_path(vol: object, params: list[float], z: np.ndarray, s2_0: float) -> np.ndarray:
    draws = iter([z])
    data, _ = vol.simulate(params, z.size, lambda n: next(draws), burn=0, initial_value=s2_0)  # type: ignore[attr-defined]
    return data


@pytest.mark.parametrize("kind", ["gjr", "egarch"])
def test_variance_recursion_matches_arch(kind: str) -> None:
    """Without a book, a path's returns are arch's simulated returns for the same draws."""
    rng = np.random.default_rng(7)
    z = rng.standard_normal(60)
    mu = 0.1
    if kind == "gjr":
        vol, par, code = GARCH(p=1, o=1, q=1), [0.4, 0.09, 0.06, 0.87], MODEL_GJR
        omega, alpha, gamma, beta = par
    else:
        vol, par, code = EGARCH(p=1, o=1, q=1), [0.06, 0.18, -0.04, 0.96], MODEL_EGARCH
        omega, alpha, gamma, beta = par
    s2_0 = 6.0
    # arch's EGARCH takes the initial value as ln sigma^2
    data = _arch_path(vol, par, z, s2_0 if kind == "gjr" else math.log(s2_0))
    e = StressBook.empty()
    out = mc_kernel(
        z[None, :],
        2000.0,
        mu,
        omega,
        alpha,
        gamma,
        beta,
        code,
        s2_0,
        1e9,
        *e.kernel_args(),
        1.0,
        100,
    )
    expected_log = np.cumsum(mu + data) / 100
    assert out[0, 0] == pytest.approx(2000.0 * math.exp(expected_log[-1]), rel=1e-10)
    assert out[0, 1] == pytest.approx(2000.0 * math.exp(min(0.0, expected_log.min())), rel=1e-10)
    assert out[0, 2] == pytest.approx(2000.0 * math.exp(max(0.0, expected_log.max())), rel=1e-10)


def _random_model(rng: np.random.Generator, model: int) -> tuple[float, ...]:
    """Stationary parameters (``mu, omega, alpha, gamma, beta``, arch's percent units)."""
    from liqcascade.volatility._param_draws import valid_draw

    name = "gjr" if model == MODEL_GJR else "egarch"
    while True:
        mu = float(rng.uniform(-0.3, 0.3))
        if model == MODEL_GJR:
            omega = float(10 ** rng.uniform(-3, 1))
            alpha = float(rng.uniform(0.0, 0.4))
            gamma = float(rng.uniform(-alpha, 0.5))
            beta = float(rng.uniform(0.0, 1.0))
        else:
            omega = float(rng.uniform(0.0, 0.5))
            alpha = float(rng.uniform(0.0, 0.6))
            gamma = float(rng.uniform(-0.3, 0.3))
            beta = float(rng.uniform(0.5, 1.0))
        par = {"omega": omega, "alpha[1]": alpha, "gamma[1]": gamma, "beta[1]": beta}
        if valid_draw(par, name, "normal"):
            return mu, omega, alpha, gamma, beta


def test_mc_kernel_equals_twin_on_random_models() -> None:
    """200 random stationary models, start variances from 0.01 to 5,000 percent² (so the
    variance cap binds), impact on and off, 1 to 200 rounds per step."""
    rng = np.random.default_rng(2024)
    capped = 0
    for case in range(200):
        model = MODEL_GJR if case % 2 == 0 else MODEL_EGARCH
        params = _random_model(rng, model)
        book = random_book(rng, int(rng.integers(5, 40)), int(rng.integers(0, 15)))
        n_paths, n_steps = int(rng.integers(1, 31)), int(rng.integers(1, 41))
        z = rng.standard_t(4, size=(n_paths, n_steps)) / math.sqrt(2.0)
        s2_0 = float(10 ** rng.uniform(-2, math.log10(5000.0)))
        cap = float(rng.choice([25.0, 100.0, 400.0, 1600.0]))
        impact = float(rng.choice([0.0, 1.0, 3.0]))
        rounds = int(rng.integers(1, 201))
        args = (*params, model, s2_0)
        tail = (*book.kernel_args(), impact, rounds)
        got = mc_kernel(z, 100.0, *args, cap, *tail)
        ref = mc_paths_py(z, 100.0, params, model, s2_0, cap, book, impact, rounds)
        assert_same(got, ref, rtol=1e-9, atol=1e-6)
        # the cap mattered when lifting it changes the paths
        free = mc_kernel(z, 100.0, *args, 1e300, *tail)
        capped += not np.allclose(got, free, rtol=1e-12, atol=0.0)
    assert capped >= 10, f"the variance cap changed only {capped} of 200 cases"


def test_next_variance_equals_twin() -> None:
    """The variance step both path kernels share, against its twin: 400 random GJR and
    EGARCH models and moves of -40 % to +40 %, caps that bind and caps that do not; the
    EGARCH log-variance held at 700 (exp overflows past ~709) before the cap."""
    rng = np.random.default_rng(33)
    capped = 0
    for case in range(400):
        model = MODEL_GJR if case % 2 == 0 else MODEL_EGARCH
        params = _random_model(rng, model)
        s2 = float(10 ** rng.uniform(-2, math.log10(5000.0)))
        ratio = float(rng.uniform(0.6, 1.4))
        cap = float(rng.choice([25.0, 1600.0, 1e300]))
        got = next_variance(ratio, math.sqrt(s2), s2, params, model, cap)
        ref = next_variance_py(ratio, math.sqrt(s2), s2, params, model, cap)
        assert got == pytest.approx(ref, rel=1e-12, abs=0.0)
        capped += got == cap
    assert capped >= 20, f"the cap bound in only {capped} of 400 cases"
    # hand case, GJR: e = 100·log(1.01) − 0.05 ≈ 0.9450 (up: no gamma term)
    e = 100.0 * math.log(1.01) - 0.05
    want = 0.1 + 0.05 * e * e + 0.9 * 4.0
    assert next_variance(1.01, 2.0, 4.0, (0.05, 0.1, 0.05, 0.1, 0.9), MODEL_GJR, 1600.0) == (
        pytest.approx(want, rel=1e-12)
    )
    # EGARCH with a log-variance past 700: exp(700), then the cap
    huge = (0.0, 800.0, 0.0, 0.0, 0.0)
    assert next_variance(1.0, 1.0, 1.0, huge, MODEL_EGARCH, math.inf) == pytest.approx(
        math.exp(700.0)
    )
    assert next_variance(1.0, 1.0, 1.0, huge, MODEL_EGARCH, 1600.0) == 1600.0


def test_replay_kernel_equals_twin_on_random_paths() -> None:
    """100 random recorded paths (bar moves up to 15 %, 1 to 40 bars), impact on and off."""
    rng = np.random.default_rng(2025)
    for _ in range(100):
        book = random_book(rng, int(rng.integers(5, 40)), int(rng.integers(0, 15)))
        n = int(rng.integers(1, 41))
        vol = float(rng.uniform(0.005, 0.08))
        close = 100 * np.exp(np.cumsum(rng.normal(0, vol, n)))
        prev = np.concatenate([[100.0], close[:-1]])
        low = np.minimum(prev, close) * (1 - rng.uniform(0, vol, n))
        high = np.maximum(prev, close) * (1 + rng.uniform(0, vol, n))
        impact = float(rng.choice([0.0, 1.0, 3.0]))
        rounds = int(rng.integers(1, 201))
        got = replay_kernel(low, high, close, 100.0, *book.kernel_args(), impact, rounds)
        ref = replay_py(low, high, close, 100.0, book, impact, rounds)
        assert_same(got, ref, rtol=1e-9, atol=1e-6)
