"""The realised-path ceiling of the event back-test's liquidations (a diagnostic, issue 18).

- the realised 4-hour bars of an event's window (a hand-worked case, a missing bar);
- the ceiling on a hand-worked window of bars (one bin crossed, the floor per bar);
- kernel = twin for the ceiling;
- property: when the predicted path IS the realised path, prediction == ceiling;
- the in-sample known-move regression ceiling: exact on a noiseless law, bounded by 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same, same_value
from liqcascade.cascade._backtest import known_move_liq_corr
from liqcascade.cascade._event_liquidations import (
    BookSnapshot,
    hourly_paths,
    predict_book_liquidations,
    realised_bars,
    realised_path_liquidations,
)
from liqcascade.positions._model import BookParams
from profiles import examples

H = 0.01
LOG_P0 = math.log(90.0)
N_GRID = 30


def _hourly(rows: list[tuple[str, float, float, float, float]]) -> pd.DataFrame:
    idx = pd.DatetimeIndex([pd.Timestamp(r[0], tz="UTC") for r in rows])
    return pd.DataFrame(
        {"open": [r[1] for r in rows], "high": [r[2] for r in rows],
         "low": [r[3] for r in rows], "close": [r[4] for r in rows]},
        index=idx,
    )  # fmt: skip


def _window() -> pd.DataFrame:
    """Hours around an event at 2025-01-01 14:00 (bar 12:00 holds it)."""
    rows = [
        ("2025-01-01 11:00", 100.0, 100.0, 50.0, 100.0),  # before the window: ignored
        ("2025-01-01 12:00", 100.0, 101.0, 99.8, 100.5),
        ("2025-01-01 13:00", 100.5, 100.6, 100.0, 100.0),
        ("2025-01-01 14:00", 100.0, 100.2, 98.0, 98.5),  # the trigger hour
        ("2025-01-01 15:00", 98.5, 98.9, 98.3, 98.5),
    ]
    for t in pd.date_range("2025-01-01 16:00", "2025-01-02 15:00", freq="h", tz="UTC"):
        rows.append((str(t.tz_localize(None)), 98.5, 98.9, 98.3, 98.5))
    rows.append(("2025-01-02 16:00", 98.5, 200.0, 50.0, 98.5))  # after the window: ignored
    return _hourly(rows)


def _snapshot(**kw: float) -> BookSnapshot:
    """Longs: 2 units in bin 5 (94.6 USD), 3 in bin 10 (99.5); shorts: 1 in bin 20 (109.9)."""
    lsz, ssz = np.zeros(N_GRID), np.zeros(N_GRID)
    lsz[5], lsz[10], ssz[20] = 2.0, 3.0, 1.0
    px = np.exp(LOG_P0 + np.arange(N_GRID) * H)
    params = BookParams(turnover=0.0, grid_step=H, delta_max=0.05, dist_median=0.02,
                        scale=0.1, floor_usd=1000.0, **kw)  # fmt: skip
    return BookSnapshot(
        (lsz, ssz, lsz * px, ssz * px, np.zeros(4)), LOG_P0, N_GRID, params,
        pd.Timestamp("2025-01-01 08:00", tz="UTC"), (100.0, 6.0, 0.0, 0.0, 0.0),
    )  # fmt: skip


def test_realised_bars_hand_worked() -> None:
    ts = pd.Timestamp("2025-01-01 14:00", tz="UTC")
    op, lo, hi, labels = realised_bars(ts, _window())
    assert list(labels) == list(pd.date_range("2025-01-01 12:00", periods=7, freq="4h", tz="UTC"))
    assert op.shape == lo.shape == hi.shape == (1, 7)
    assert (op[0, 0], lo[0, 0], hi[0, 0]) == (100.0, 98.0, 101.0)  # read from the file
    assert np.all(op[0, 1:] == 98.5) and np.all(lo[0, 1:] == 98.3) and np.all(hi[0, 1:] == 98.9)
    # a bar without any recorded hour is left out
    w = _window()
    w = w[(w.index < pd.Timestamp("2025-01-01 20:00", tz="UTC"))
          | (w.index >= pd.Timestamp("2025-01-02 00:00", tz="UTC"))]  # fmt: skip
    _, _, _, labels2 = realised_bars(ts, w)
    assert len(labels2) == 6 and pd.Timestamp("2025-01-01 20:00", tz="UTC") not in labels2


def test_ceiling_hand_worked_window() -> None:
    ts = pd.Timestamp("2025-01-01 14:00", tz="UTC")
    snap = _snapshot()
    got = realised_path_liquidations(snap, ts, _window())
    # bar 12:00 reaches 98.0: the long bin at exp(log 90 + 0.10) = 99.47 USD is crossed
    # (3 units), the one at 94.6 and the short at 109.9 are not; the book is held at 6
    # units, so bar 16:00 opens 3 units at least one step away from 98.5, which the later
    # bars (98.3 – 98.9) never reach. Record: 7 bars × floor + scale × liquidated USD.
    want_long = 7 * 1000.0 + 0.1 * 3.0 * math.exp(LOG_P0 + 10 * H)
    assert same_value(got["realised_path_long_usd"], want_long, rtol=1e-12)
    assert same_value(got["realised_path_short_usd"], 7 * 1000.0, rtol=1e-12)
    # the twin agrees, and the snapshot is not changed
    before = [a.copy() for a in snap.arrays]
    py = realised_path_liquidations(snap, ts, _window(), use_numba=False)
    for k, v in got.items():
        assert same_value(py[k], v, rtol=1e-12)
    for a, b in zip(snap.arrays, before, strict=True):
        assert np.array_equal(a, b)
    # the refitted law given instead of the snapshot's
    p2 = snap.params.with_(scale=0.2, floor_usd=10.0)
    got2 = realised_path_liquidations(snap, ts, _window(), params=p2)
    assert same_value(got2["realised_path_long_usd"], 70.0 + 0.6 * math.exp(LOG_P0 + 10 * H),
                      rtol=1e-12)  # fmt: skip
    # no recorded hour in the window: NaN, not zero
    empty = realised_path_liquidations(snap, ts, _window().iloc[:1])
    assert all(math.isnan(v) for v in empty.values())


def _path_hours(
    ts: pd.Timestamp, prev_close: float, trigger: float, paths: np.ndarray, known: pd.DataFrame
) -> pd.DataFrame:
    """Hourly bars drawn exactly by one predicted path (hour k spans points k and k + 1)."""
    p = paths[0]
    p1 = prev_close * (1.0 + trigger)
    n = p.size - 1
    lows = np.minimum(p[:-1], p[1:])
    highs = np.maximum(p[:-1], p[1:])
    lows[0], highs[0] = min(lows[0], p1), max(highs[0], p1)
    idx = pd.date_range(ts, periods=n, freq="h")
    after = pd.DataFrame({"open": p[:-1], "high": highs, "low": lows, "close": p[1:]}, index=idx)
    return pd.concat([known, after])


@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    offset=st.integers(0, 3),
    sigma=st.floats(0.0, 0.03),
    trigger=st.sampled_from([-0.02, -0.05, 0.015, 0.04]),
)
def test_prediction_equals_ceiling_when_the_path_is_the_realised_one(
    seed: int, offset: int, sigma: float, trigger: float
) -> None:
    rng = np.random.default_rng(seed)
    g = 400
    log_p0 = math.log(100.0) - 200 * H
    px = np.exp(log_p0 + np.arange(g) * H)
    lsz = np.where(rng.random(g) < 0.5, rng.exponential(1.0, g), 0.0)
    ssz = np.where(rng.random(g) < 0.5, rng.exponential(1.0, g), 0.0)
    safe = np.array([1.0, 1.0, 100.0, 100.0])
    params = BookParams(dist_median=float(rng.uniform(0.02, 0.2)),
                        turnover=float(rng.uniform(0, 0.3)), grid_step=H, delta_max=0.3,
                        theta0=float(rng.normal()), theta_move=0.5, scale=0.03,
                        floor_usd=2.0e4)  # fmt: skip
    total = float(lsz.sum() + ssz.sum() + 2.0)
    snap = BookSnapshot((lsz, ssz, lsz * px, ssz * px, safe), log_p0, g, params,
                        pd.Timestamp("2025-01-01 08:00", tz="UTC"),
                        (100.0, total * float(rng.uniform(0.8, 1.2)), 0.3, -0.4, 0.1))  # fmt: skip
    ts = pd.Timestamp("2025-01-01 12:00", tz="UTC") + pd.Timedelta(hours=offset)
    prev_close = 100.0
    kidx = pd.date_range("2025-01-01 12:00", periods=offset, freq="h", tz="UTC")
    ko = 100.0 * np.exp(rng.normal(0, 0.005, offset))
    known = pd.DataFrame({"open": ko, "high": ko * 1.004, "low": ko * 0.996,
                          "close": np.full(offset, prev_close)}, index=kidx)  # fmt: skip
    z = rng.standard_normal((1, 28))
    n_hours = int((ts.floor("4h") + pd.Timedelta(hours=28) - ts) / pd.Timedelta(hours=1))
    paths = hourly_paths(prev_close, trigger, sigma, n_hours, z)
    hours = _path_hours(ts, prev_close, trigger, paths, known)
    pred = predict_book_liquidations(snap, ts, prev_close, trigger, sigma, known, z)
    ceil = realised_path_liquidations(snap, ts, hours)
    assert_same(ceil["realised_path_long_usd"], pred["identified_long_usd"], rtol=1e-9)
    assert_same(ceil["realised_path_short_usd"], pred["identified_short_usd"], rtol=1e-9)


def _events(rng: np.random.Generator, n: int) -> pd.DataFrame:
    down = rng.random(n) < 0.5
    move = np.where(down, -1.0, 1.0) * rng.uniform(0.02, 0.15, n)
    return pd.DataFrame({"direction": np.where(down, "down", "up"), "realised_move": move,
                         "predicted_long_usd": rng.lognormal(16, 1, n),
                         "predicted_short_usd": rng.lognormal(16, 1, n)})  # fmt: skip


def test_known_move_ceiling_exact_on_a_noiseless_law() -> None:
    rng = np.random.default_rng(11)
    ev = _events(rng, 60)
    lm = np.log10(np.abs(ev["realised_move"].to_numpy()))
    down = (ev["direction"] == "down").to_numpy()
    # against the move 10^(8.5 + 2 log|m|), the other side 10^(6.5 + 0.5 log|m|) (> floor)
    ev["recorded_long_usd"] = 10 ** np.where(down, 8.5 + 2 * lm, 6.5 + 0.5 * lm)
    ev["recorded_short_usd"] = 10 ** np.where(down, 6.5 + 0.5 * lm, 8.5 + 2 * lm)
    assert same_value(known_move_liq_corr(ev), 1.0, rtol=1e-9)
    # with noise it drops below 1, and adding a regressor never lowers an in-sample fit
    ev["recorded_long_usd"] *= 10 ** rng.normal(0, 0.4, 60)
    ev["recorded_short_usd"] *= 10 ** rng.normal(0, 0.4, 60)
    c0 = known_move_liq_corr(ev)
    c1 = known_move_liq_corr(ev, with_prediction=True)
    assert 0.0 < c0 < 1.0 and c0 <= c1 + 1e-12 <= 1.0 + 1e-12
    assert math.isnan(known_move_liq_corr(ev.iloc[:3]))
    assert math.isnan(known_move_liq_corr(ev.iloc[:0]))


@pytest.mark.parametrize("n", [20, 80])
def test_known_move_ceiling_equals_least_squares_r(n: int) -> None:
    rng = np.random.default_rng(n)
    ev = _events(rng, n)
    ev["recorded_long_usd"] = rng.lognormal(16, 1.5, n)
    ev["recorded_short_usd"] = rng.lognormal(16, 1.5, n)
    # the reference: R² of the same regression by the normal equations
    y = np.log10(np.maximum(np.concatenate([ev["recorded_long_usd"],
                                            ev["recorded_short_usd"]]), 1e5))  # fmt: skip
    lm = np.log10(np.abs(ev["realised_move"].to_numpy()))
    lm2 = np.concatenate([lm, lm])
    down = np.concatenate([(ev["direction"] == "down").to_numpy()] * 2)
    is_long = np.repeat([True, False], n)
    cols = []
    for side in (True, False):
        for d in (True, False):
            gi = ((is_long == side) & (down == d)).astype(float)
            cols += [gi, gi * lm2]
    x = np.column_stack(cols)
    beta = np.linalg.solve(x.T @ x, x.T @ y)
    r2 = 1.0 - float(((y - x @ beta) ** 2).sum()) / float(((y - y.mean()) ** 2).sum())
    assert same_value(known_move_liq_corr(ev), math.sqrt(r2), rtol=1e-9)


def test_cli_line_puts_the_prediction_beside_its_ceilings() -> None:
    from liqcascade._cli.cascade_backtest import _ceiling_text

    m = {"liq_corr": 0.43, "realised_path_liq_corr": 0.8, "realised_path_liq_within_2x_share": 0.82,
         "known_move_liq_corr": 0.58, "known_move_with_prediction_liq_corr": 0.64}  # fmt: skip
    text = _ceiling_text(m)
    assert "prediction 0.43" in text and "realised path 0.80" in text and "0.58" in text
    assert "not predictions" in text and "only when given the realised path" in text
    assert "book misses too" in _ceiling_text({**m, "realised_path_liq_corr": 0.6})
    assert "the prediction meets it" in _ceiling_text({**m, "liq_corr": 0.75})
    none = _ceiling_text({**m, "realised_path_liq_corr": None})  # an old JSON: no ceiling
    assert "n/a" in none and "meets" not in none
