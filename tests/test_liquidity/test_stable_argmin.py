"""The grid choices of the liquidity calibration cannot be flipped by last-bit noise."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.cascade._backtest import stable_argmax, stable_argmin
from profiles import examples


def test_equals_argmin_when_the_minimum_is_clear() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        v = rng.uniform(0.01, 0.05, rng.integers(1, 60))
        gaps = np.diff(np.sort(v))
        if gaps.size and gaps[0] <= 1e-9 * v.min():
            continue
        assert stable_argmin(v) == int(np.argmin(v))


def test_a_near_tie_goes_to_the_first_point() -> None:
    # the case measured in the 2025-07 refit: index 20 beat 22 by a relative 4.4e-16
    v = np.full(40, 0.03)
    v[:20] += 0.001
    v[21:] += 0.001
    v[22] = 0.03 * (1 - 4.4e-16)
    assert int(np.argmin(v)) == 22 and stable_argmin(v) == 20


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(-1e-12, 1e-12))
def test_last_bit_noise_does_not_move_the_choice(seed: int, eps: float) -> None:
    rng = np.random.default_rng(seed)
    v = np.round(rng.uniform(0.01, 0.05, 40), 4)  # ties on a 1e-4 grid, as grid MAEs can be
    noisy = v * (1 + eps * rng.standard_normal(40))
    assert stable_argmin(noisy) == stable_argmin(v) == int(np.flatnonzero(v == v.min())[0])


def test_stable_argmax_is_the_mirror() -> None:
    v = np.array([-3.0, -1.0, -1.0 * (1 - 4.4e-16), -2.0])
    assert int(np.argmax(v)) == 2 and stable_argmax(v) == 1
    rng = np.random.default_rng(4)
    for _ in range(200):
        w = rng.uniform(-5000.0, -4000.0, rng.integers(1, 60))
        assert stable_argmax(w) == stable_argmin(-w)


def _margin(values: np.ndarray, pick: int, lowest: bool) -> tuple[float, int]:
    """Relative gap from the chosen grid point's value to the best other one."""
    v = np.asarray(values, dtype=np.float64)
    others = np.delete(v, pick)
    j = int(np.argmin(others) if lowest else np.argmax(others))
    gap = (others[j] - v[pick]) if lowest else (v[pick] - others[j])
    return float(gap / abs(v[pick])), j + (j >= pick)


def test_the_calibration_grid_choices_take_the_first_point_of_a_near_tie(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The exponent, the shock weight and the dispersion: a later grid point better by a
    relative 1e-12 does not win (a strict comparison would take it)."""
    from liqcascade.cascade import _backtest as bt

    ev = pd.DataFrame({"sigma": np.full(20, 0.01), "trigger_move": np.full(20, -0.03)})
    errs = np.linspace(2.0, 3.0, bt.VOL_EXPONENTS.size)
    errs[5] = 1.0
    errs[7] = 1.0 * (1 - 1e-12)
    ks = np.arange(bt.VOL_EXPONENTS.size, dtype=float)
    monkeypatch.setattr(bt, "vol_rule_grid", lambda *a, **k: (errs, ks))
    assert bt.fit_vol_rule(ev) == (5.0, float(bt.VOL_EXPONENTS[5]))
    w = np.array([3.0, 1.0, 1.0 * (1 - 1e-12), 2.0])
    rules = [(1.0, 0.5), (2.0, 0.6), (3.0, 0.7), (4.0, 0.8)]
    monkeypatch.setattr(bt, "shock_weight_grid", lambda *a, **k: (w, rules))
    monkeypatch.setattr(bt, "_further", lambda e: np.ones(len(e)))
    k, b, g, _ = bt.median_rule(ev, bt.default_grid())
    assert (k, b, g) == (2.0, 0.6, bt.SHOCK_WEIGHTS[1])

    def flat_top(r, dt=None, etas=None):  # type: ignore[no-untyped-def]
        e = np.asarray(bt.DISPERSIONS if etas is None else etas, dtype=float)
        ll = -((e - 0.305) ** 2) - 4000.0
        return e, np.where(np.isclose(e, 0.31), ll * (1 - 1e-12), ll)  # 0.31 a hair higher

    monkeypatch.setattr(bt, "dispersion_loglik", flat_top)
    assert bt.fit_dispersion(np.ones(50)) == 0.3


@functools.cache
def _pool(asset: str) -> pd.DataFrame:
    from liqcascade import datasets
    from liqcascade.cascade._backtest import DEFAULT_TRIGGERS, pooled_events

    return pooled_events(datasets.load_ohlcv(asset, "1h"), DEFAULT_TRIGGERS[asset], "2025-07-31")


_NEAR_TIE = pytest.mark.xfail(
    strict=True,
    reason="ETH 2025-07-01 (shipped, refitted by test_shipped_reproduce): the dispersion "
    "0.44 beats 0.45 by a relative 1.4e-9 of the log-likelihood (5.6e-6 nats of 4,037). The stable "
    "choice keeps 0.44 unless the two move 2.4e-9 relative against each other, far beyond "
    "last-bit noise, but short of the 1e-6 margin asked here",
)


@pytest.mark.parametrize(
    ("asset", "as_of"),
    [
        ("ETH", "2024-11-01"),
        ("ETH", "2025-04-01"),
        pytest.param("ETH", "2025-07-01", marks=_NEAR_TIE),
        ("BTC", "2024-11-01"),
        ("BTC", "2025-04-01"),
        ("BTC", "2025-07-01"),
    ],
)
def test_shipped_grid_choices_are_not_near_ties(asset: str, as_of: str) -> None:
    """Every discrete choice behind a shipped volatility rule (the exponent for each shock
    weight, the shock weight, the dispersion, the final exponent) wins by at least a
    relative 1e-6: last-bit differences on another machine cannot flip it, so the shipped
    files can be compared with the refits exactly (test_backtest.py,
    test_shipped_reproduce.py)."""
    from liqcascade._time import utc_time
    from liqcascade.cascade._backtest import (
        SHOCK_WEIGHTS,
        VOL_EXPONENTS,
        default_grid,
        dispersion_loglik,
        median_rule,
        shock_weight_grid,
        vol_rule_grid,
    )
    from liqcascade.cascade._clock import load_liquidity

    pool = _pool(asset)
    grid = default_grid()
    ev = pool[pool["ts"] + pd.Timedelta(hours=24) <= utc_time(as_of)].dropna(subset=["sigma"])
    cal = load_liquidity(asset, as_of)
    checks: list[tuple[str, np.ndarray, np.ndarray, int, bool]] = []
    for g in SHOCK_WEIGHTS:
        errs, _ = vol_rule_grid(ev, grid, shock_weight=g)
        checks.append((f"exponent at weight {g}", VOL_EXPONENTS, errs, stable_argmin(errs), True))
    errs, _ = shock_weight_grid(ev, grid)
    weights = np.array(SHOCK_WEIGHTS)
    checks.append(("shock weight", weights, errs, stable_argmin(errs), True))
    _k, _b, g, ratios = median_rule(ev, grid)
    etas, ll = dispersion_loglik(ratios, grid)
    etas = np.asarray(etas)
    checks.append(("dispersion", etas, ll, stable_argmax(ll), False))
    eta = float(etas[stable_argmax(ll)])
    errs, _ = vol_rule_grid(ev, grid, shock_weight=g, dispersion=eta)
    checks.append(("final exponent", VOL_EXPONENTS, errs, stable_argmin(errs), True))
    # the choices are the shipped ones ...
    assert weights[checks[len(SHOCK_WEIGHTS)][3]] == cal.shock_weight
    assert eta == cal.vol_dispersion
    assert VOL_EXPONENTS[checks[-1][3]] == cal.vol_exponent
    # ... and none is a near-tie
    for what, grid_values, values, pick, lowest in checks:
        m, j = _margin(values, pick, lowest)
        assert m >= 1e-6, (
            f"{asset} {as_of}: the {what} {grid_values[pick]} beats {grid_values[j]} by a "
            f"relative {m:.1e} (< 1e-6): a last-bit difference on another machine could "
            "flip it, and the shipped calibration would not reproduce there"
        )
