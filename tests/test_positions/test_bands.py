"""Predictive bands of the identified book: the day effect and the model's draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqcascade.positions._expanding import day_effect_share, predictive_draws
from liqcascade.positions._model import BookParams


def test_day_effect_share_golden_balanced() -> None:
    # 3 days x 2 bars: day means 0, 1, 2 (grand mean 1); within deviations +-0.5
    e = np.array([-0.5, 0.5, 0.5, 1.5, 1.5, 2.5])
    d = np.array([0, 0, 1, 1, 2, 2])
    # MSW = 6 * 0.25 / 3 = 0.5; MSB = 2 * (1 + 0 + 1) / 2 = 2; n0 = 2; tau2 = 0.75
    assert day_effect_share(d, e) == pytest.approx(0.75 / 1.25, rel=1e-12)
    assert day_effect_share(d[:4], e[:4]) == 0.0  # fewer than 3 days


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.6])
def test_day_effect_share_recovers_a_simulated_share(rho: float) -> None:
    rng = np.random.default_rng(int(rho * 10))
    n_days, per = 400, 12
    u = rng.normal(0, math.sqrt(rho), n_days)
    e = np.repeat(u, per) + rng.normal(0, math.sqrt(1 - rho), n_days * per)
    keep = rng.random(e.shape[0]) > 0.1  # unbalanced
    got = day_effect_share(np.repeat(np.arange(n_days), per)[keep], e[keep])
    assert got == pytest.approx(rho, abs=0.05)


def test_predictive_draws_keep_the_bar_law_and_widen_the_day() -> None:
    p = BookParams(sigma=0.8, p_zero=0.1)
    n_bars = 12
    med = np.full((1, n_bars, 2), 1000.0)
    day = np.repeat(np.arange(2), 6)
    a = predictive_draws(med, [p], day, 0.0, 20000, np.random.default_rng(0))
    b = predictive_draws(med, [p], day, 0.5, 20000, np.random.default_rng(1))
    for x in (a, b):
        assert x.shape == (20000, n_bars, 2)
        assert (x == 0).mean() == pytest.approx(0.1, abs=0.01)
        pos = x[x > 0]
        assert np.median(pos) == pytest.approx(1000.0, rel=0.03)
        assert np.std(np.log(pos)) == pytest.approx(0.8, rel=0.03)
    # a shared day part makes the day's total more dispersed than independent bars
    da = a[:, day == 0].sum(axis=(1, 2))
    db = b[:, day == 0].sum(axis=(1, 2))
    assert np.std(np.log(db)) > 1.5 * np.std(np.log(da))
    # bars of one day share the day part, bars of different days do not
    lb = np.log(np.where(b > 0, b, np.nan))
    same = np.nanmean((lb[:, 0, 0] - 6.9) * (lb[:, 1, 1] - 6.9))
    other = np.nanmean((lb[:, 0, 0] - 6.9) * (lb[:, 7, 1] - 6.9))
    assert same > 0.2 and abs(other) < 0.05
