"""The placebo test of the support study: exact size by construction, power, the tool."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.errors import InputError
from liqcascade.events import detect_support, placebo_mean_test
from liqcascade.events._kernels import forward_log_returns
from liqcascade.events._placebo import rotation_means

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def eth() -> pd.DataFrame:
    return datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-07-31")


@pytest.fixture(scope="module")
def events(eth: pd.DataFrame) -> np.ndarray:
    return detect_support(eth).event_bars


def test_observed_mean_is_the_studys(eth: pd.DataFrame, events: np.ndarray) -> None:
    close = eth["close"].to_numpy(dtype=float)
    for h in (1, 20, 60):
        r = forward_log_returns(close, events, h)
        t = placebo_mean_test(close, events, h)
        assert t.n == int(np.isfinite(r).sum())
        assert t.mean == pytest.approx(float(np.nanmean(r)), rel=1e-10)
        # the centre: h × the bars' mean one-day log return
        assert t.drift == pytest.approx(h * np.log(close[-1] / close[0]) / (len(close) - 1))
        assert t.low < t.drift < t.high and 0 < t.p_value <= 1
        assert t.n_rotations == len(close) - 1  # every rotation of the 1,307 daily returns


def test_size_is_exact_by_construction(eth: pd.DataFrame, events: np.ndarray) -> None:
    # each rotation of the real returns is a placebo world; its p is its rank among all
    # rotations, so over all worlds p < 0.05 happens in at most 5 % of them
    close = eth["close"].to_numpy(dtype=float)
    lc = np.log(close)
    m, h = len(close) - 1, 20
    means, _ = rotation_means(lc, events, h, np.arange(m))
    drift = h * (lc[-1] - lc[0]) / m
    dev = np.abs(means - drift)
    p_all = (dev[None, :] >= dev[:, None] * (1 - 1e-12)).mean(axis=1)
    assert (p_all < 0.05).mean() <= 0.05
    assert (p_all < 0.05).mean() > 0.04  # and not far below: the test is not conservative
    d = np.diff(lc)
    for r in (1, 97, 640):  # the test run on a rotated world gives the rank's p
        world = close[0] * np.exp(np.concatenate([[0.0], np.cumsum(np.roll(d, r))]))
        assert placebo_mean_test(world, events, h).p_value == pytest.approx(p_all[r], abs=1e-12)


def test_a_planted_drift_is_found() -> None:
    rng = np.random.default_rng(5)
    n, h = 1500, 20
    d = rng.standard_t(3, n) * 0.01
    ev = np.arange(30, n - 100, 45)
    for t in ev:
        d[t : t + h] -= 0.006  # −12 % over the 20 days after each event
    close = 100 * np.exp(np.concatenate([[0.0], np.cumsum(d)]))
    t = placebo_mean_test(close, ev, h)
    assert t.mean < t.low and t.p_value < 0.01
    # the same events on the unplanted series: nothing to find
    base = 100 * np.exp(np.concatenate([[0.0], np.cumsum(rng.standard_t(3, n) * 0.01)]))
    assert placebo_mean_test(base, ev, h).p_value > 0.01


def test_long_series_use_evenly_spaced_rotations() -> None:
    close = np.exp(np.cumsum(np.random.default_rng(2).normal(0, 0.01, 5001)))
    t = placebo_mean_test(close, np.arange(100, 4800, 37), 24, max_rotations=500)
    assert t.n_rotations == 500 and t.p_value >= 1 / 500
    with pytest.raises(InputError, match="max_rotations"):
        placebo_mean_test(close, np.arange(10), 5, max_rotations=0)
    with pytest.raises(InputError, match="h"):
        placebo_mean_test(close, np.arange(10), 0)
    empty = placebo_mean_test(close, np.array([5000]), 24)
    assert empty.n == 0 and np.isnan(empty.p_value)


def test_the_tool_reproduces_the_referees_placebo(eth: pd.DataFrame, events: np.ndarray) -> None:
    spec = importlib.util.spec_from_file_location(
        "support_placebo", ROOT / "tools" / "support_placebo.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    sys.modules["support_placebo"] = tool
    spec.loader.exec_module(tool)
    close = eth["close"].to_numpy(dtype=float)
    r = tool.rejection_rates(close, events, 200, 1)
    # on real, clustered returns the overlap-adjusted t rejects far below 5 % at 60 d
    # (the referee: 0 of 1,000) and plain Newey–West far above; the placebo test near 5 %
    # (200 placebos: ± 3 points is two standard errors)
    assert r[60]["adjusted"] <= 0.02
    assert r[60]["newey_west"] >= 0.10
    assert all(0.01 <= v["placebo"] <= 0.10 for v in r.values())


def test_a_tiny_example_by_hand() -> None:
    # six one-day log returns on a circle, test days 0 and 1, a 2-day horizon: rotation s
    # moves each test day back s days, so the 2-day returns read are those from days
    # -s and 1-s (mod 6)
    d = [0.01, -0.02, 0.03, 0.005, -0.01, 0.02]
    close = 100 * np.exp(np.concatenate([[0.0], np.cumsum(d)]))
    means = [(d[-s % 6] + d[(1 - s) % 6] + d[(1 - s) % 6] + d[(2 - s) % 6]) / 2 for s in range(6)]
    assert means[0] == pytest.approx((0.01 - 0.02 - 0.02 + 0.03) / 2, abs=1e-15)  # 0
    drift = 2 * sum(d) / 6  # 0.011667: the centre
    dev = [abs(m - drift) for m in means]
    assert max(dev) == pytest.approx(dev[0], abs=1e-15)  # the real days lie farthest out
    t = placebo_mean_test(close, [0, 1], 2)
    assert t.n == 2 and t.n_rotations == 6
    assert t.mean == pytest.approx(0.0, abs=1e-12) and t.drift == pytest.approx(drift, abs=1e-12)
    assert t.p_value == pytest.approx(1 / 6, abs=1e-12)  # only rotation 0 is as far out
    # one day further apart the days read the 2-day returns from -s and 2-s
    t2 = placebo_mean_test(close, [0, 2], 2)
    means2 = [(d[-s % 6] + d[(1 - s) % 6] + d[(2 - s) % 6] + d[(3 - s) % 6]) / 2 for s in range(6)]
    dev2 = np.abs(np.array(means2) - drift)
    assert t2.mean == pytest.approx(means2[0], abs=1e-12)
    assert dev2[0] == pytest.approx(dev2.min(), abs=1e-15)  # nearest the centre (tied)
    assert t2.p_value == pytest.approx(1.0)  # every rotation as far out: nothing to see


def test_test_days_placed_by_volatility_make_it_reject_too_often() -> None:
    # the null the rotation is exact under: the test days are placed without regard to
    # the returns, their volatility included. Days chosen after large moves sit where
    # volatility is high; rotated, they land on ordinary days, so the placebo range is too
    # narrow for them. GARCH(1,1) returns with no drift: the days after a move beyond two
    # standard deviations reject about twice as often as random days
    rng = np.random.default_rng(4)
    worlds, n, h = 1000, 1500, 20
    r = np.empty((worlds, n))
    s2 = np.ones(worlds)
    for t in range(n):
        r[:, t] = np.sqrt(s2) * rng.standard_normal(worlds)
        s2 = 0.02 + 0.1 * r[:, t] ** 2 + 0.88 * s2
    rejected = {"after large moves": 0, "random": 0}
    for d in r * 0.02:
        close = 100 * np.exp(np.concatenate([[0.0], np.cumsum(d)]))
        big = np.flatnonzero(np.abs(d) > 2 * d.std()) + 1
        days = big[np.concatenate([[True], np.diff(big) >= 5])][:80]
        other = np.sort(rng.choice(n - h, len(days), replace=False))
        for key, ev in (("after large moves", days), ("random", other)):
            rejected[key] += placebo_mean_test(close, ev, h, 500).p_value < 0.05
    rate = {k: v / worlds for k, v in rejected.items()}
    # 1,000 worlds: a standard error of 0.7 points at 5 %
    assert 0.03 <= rate["random"] <= 0.07
    assert rate["after large moves"] >= 0.08
