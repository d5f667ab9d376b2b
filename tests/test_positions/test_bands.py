"""Predictive bands of the identified book: the day effect and the model's draws."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.positions._expanding import calibrate_day_share, predictive_draws
from liqcascade.positions._model import BookParams
from test_positions.test_bootstrap import TRUTH, _frames


@pytest.mark.parametrize(("share", "lo", "hi"), [(0.0, 0.0, 0.12), (0.4, 0.2, 0.6)])
def test_calibrate_day_share_recovers_a_simulated_day_effect(
    share: float, lo: float, hi: float
) -> None:
    # the true parameters as the only set: the day share whose daily band holds 90 %
    # of 200 simulated days is near the share the data were simulated with
    fr = _frames(7, days=200, day_share=share)
    got = calibrate_day_share(fr, [TRUTH], fr.oi.index[0], fr.oi.index[-1], draws_per_set=400)
    assert lo <= got <= hi, got


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
