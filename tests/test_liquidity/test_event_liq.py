"""The event back-test's liquidation prediction and its event markets (issue 18).

- the per-path book kernel equals its plain-Python twin on random cases;
- bars of the window from hourly paths (a hand-worked case);
- the observation law's refit recovers a known scale;
- property: a bar's liquidations never fall when its range widens;
- the fast event markets equal ``estimated_market``'s;
- no look-ahead: changing every series after an event's previous close changes no
  prediction of that event or of any before it;
- the issue's JSON keys, and the realised-path ceiling's (it reads the outcome: it
  moves when the event's later bars do, the predictions do not).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same, same_value
from liqcascade.cascade._event_liquidations import (
    BookSnapshot,
    book_paths_nb,
    book_paths_py,
    event_bars,
    hourly_paths,
    refit_observation,
)
from liqcascade.positions._model import BookParams, distance_weights
from profiles import examples


def _random_case(rng: np.random.Generator, n_p: int, n_b: int):
    p = BookParams(
        dist_median=float(rng.uniform(0.01, 0.3)),
        dist_sigma=float(rng.uniform(0.3, 2.0)),
        turnover=float(rng.uniform(0.0, 0.6)),
        grid_step=0.01,
        delta_max=0.3,
    )
    w, safe_share, j0 = distance_weights(p)
    g = 160
    log_p0 = math.log(100.0) - 0.8
    px = np.exp(log_p0 + np.arange(g) * p.grid_step)
    state = []
    for _ in range(4):
        a = np.where(rng.random(g) < 0.6, rng.exponential(1.0, g), 0.0)
        state.append(a)
    state[2] = state[0] * px * rng.uniform(0.9, 1.1, g)  # entry sums
    state[3] = state[1] * px * rng.uniform(0.9, 1.1, g)
    safe = np.array([rng.exponential(5.0), rng.exponential(5.0), 0.0, 0.0])
    safe[2], safe[3] = safe[0] * 100.0, safe[1] * 100.0
    op = 100.0 * np.exp(rng.normal(0.0, 0.05, (n_p, n_b)))
    lo = op * np.exp(-rng.exponential(0.03, (n_p, n_b)))
    hi = op * np.exp(rng.exponential(0.03, (n_p, n_b)))
    total = float(sum(a.sum() for a in state[:2]) + safe[:2].sum())
    target = total * rng.uniform(0.7, 1.3, n_b)
    share = rng.uniform(0.2, 0.8, n_b)
    args = (*state, safe, op, lo, hi, target, share, np.ascontiguousarray(w),
            float(safe_share), int(j0), log_p0, p.grid_step, 1.0 - p.turnover)  # fmt: skip
    return args


def test_kernel_equals_twin_on_random_cases() -> None:
    rng = np.random.default_rng(18)
    for _ in range(200):
        args = _random_case(rng, int(rng.integers(1, 5)), int(rng.integers(1, 8)))
        before = [a.copy() for a in args[:5]]
        nb = book_paths_nb(*args)
        py = book_paths_py(*args)
        assert_same(nb[0], py[0], rtol=1e-9, atol=1e-9)
        assert_same(nb[1], py[1], rtol=1e-9, atol=1e-9)
        for a, b in zip(args[:5], before, strict=True):  # the state is not changed
            assert np.array_equal(a, b)


@settings(max_examples=examples(60), deadline=None)
@given(seed=st.integers(0, 10_000), widen=st.floats(0.0, 0.1))
def test_wider_first_bar_liquidates_no_less(seed: int, widen: float) -> None:
    args = list(_random_case(np.random.default_rng(seed), 3, 2))
    base_l, base_s = book_paths_nb(*args)
    lo, hi = args[6].copy(), args[7].copy()
    lo[:, 0] *= 1.0 - widen
    hi[:, 0] *= 1.0 + widen
    args[6], args[7] = lo, hi
    wide_l, wide_s = book_paths_nb(*args)
    assert np.all(wide_l[:, 0] >= base_l[:, 0] - 1e-9 * (1.0 + base_l[:, 0]))
    assert np.all(wide_s[:, 0] >= base_s[:, 0] - 1e-9 * (1.0 + base_s[:, 0]))
    assert np.all(wide_l >= 0.0) and np.all(wide_s >= 0.0)


def test_event_bars_hand_worked() -> None:
    # event at 14:00 (bar 12:00 holds it; hours 12:00 and 13:00 already closed)
    ts = pd.Timestamp("2025-01-01 14:00", tz="UTC")
    known = pd.DataFrame(
        {"open": [101.0, 100.5], "high": [102.0, 101.0], "low": [100.0, 99.5],
         "close": [100.5, 100.0]},
        index=pd.date_range("2025-01-01 12:00", periods=2, freq="h", tz="UTC"),
    )  # fmt: skip
    z = np.zeros((1, 30))
    z[0, 0] = -1.0  # the first hour after the trigger falls one sigma
    paths = hourly_paths(100.0, -0.02, 0.01, 26, z)
    assert paths[0, 0] == 100.0
    assert paths[0, 1] == pytest.approx(98.0 * math.exp(-0.01))
    assert paths[0, 5] == pytest.approx(98.0 * math.exp(-0.01))
    op, lo, hi, labels = event_bars(ts, 100.0, -0.02, known, paths)
    # bars opening at 12:00, 16:00, … the last opening before 14:00 next day (12:00)
    assert list(labels) == list(pd.date_range("2025-01-01 12:00", periods=7, freq="4h", tz="UTC"))
    assert op[0, 0] == 101.0  # the known open
    assert lo[0, 0] == pytest.approx(98.0 * math.exp(-0.01))  # the path below the known low
    assert hi[0, 0] == 102.0  # the known high
    assert op[0, 1] == pytest.approx(98.0 * math.exp(-0.01))  # 16:00: two hours in
    assert lo[0, 1] == hi[0, 1] == pytest.approx(98.0 * math.exp(-0.01))


def test_refit_recovers_a_known_scale() -> None:
    rng = np.random.default_rng(3)
    n = 400
    idx = pd.date_range("2025-01-01", periods=n, freq="4h", tz="UTC")
    mu_l = rng.lognormal(17.0, 1.5, n)
    mu_s = rng.lognormal(16.5, 1.5, n)
    scale, floor = 0.02, 2.0e5
    y_l = (scale * mu_l + floor) * np.exp(rng.normal(0.0, 0.3, n))
    y_s = (scale * mu_s + floor) * np.exp(rng.normal(0.0, 0.3, n))
    rec = pd.DataFrame({"long_usd": y_l, "short_usd": y_s}, index=idx)
    snap = BookSnapshot((np.zeros(1),) * 4 + (np.zeros(4),), 0.0, 1, BookParams(scale=0.5),
                        idx[-1], (1.0,) * 5, idx, mu_l, mu_s)  # fmt: skip
    p, used = refit_observation(snap, rec)
    assert used == n
    assert p.scale == pytest.approx(scale, rel=0.05)
    assert p.floor_usd == pytest.approx(floor, rel=0.15)
    # too few recorded bars: the calibration's values stay
    p2, used2 = refit_observation(snap, rec.iloc[:30])
    assert used2 == 30 and p2.scale == 0.5


# ----------------------------------------------------------------- on the bundled data


@pytest.fixture(scope="module")
def eth_inputs():
    from liqcascade import datasets
    from liqcascade.market import load_market_inputs

    ohlc = datasets.load_ohlcv("ETH", "1h")
    liq = datasets.load_liquidations(asset="ETH")
    return ohlc, liq, load_market_inputs("ETH", store=False)


def test_event_markets_equal_estimated_market(eth_inputs) -> None:
    from liqcascade.cascade._event_markets import EventMarkets, same_market

    _, _, inp = eth_inputs
    em = EventMarkets("ETH", store=False, inputs=inp, check=False)
    for ts, mid in (("2024-12-09 15:00", 3900.0), ("2025-03-03 09:00", 2380.0),
                    ("2025-07-20 00:00", 3590.0)):  # fmt: skip
        t = pd.Timestamp(ts, tz="UTC")
        assert same_market(em(t, mid), em._slow(t, mid), rtol=1e-6)
    # before the open interest starts: no market
    assert em(pd.Timestamp("2024-11-05 10:00", tz="UTC"), 2500.0) is None
    assert EventMarkets("ETH", store=False, inputs=inp).check(t, 3590.0)


def _run(ohlc, liq, inp, start, end):
    from liqcascade.cascade._backtest import run_backtest
    from liqcascade.cascade._clock import load_liquidity
    from liqcascade.cascade._event_markets import EventMarkets

    em = EventMarkets("ETH", store=False, inputs=inp, check=False)
    return run_backtest(
        ohlc, liq, em, lambda t: load_liquidity("ETH", t), asset="ETH", start=start, end=end,
        n_paths=40,
    )  # fmt: skip


def test_no_look_ahead(eth_inputs) -> None:
    ohlc, liq, inp = eth_inputs
    base = _run(ohlc, liq, inp, "2025-02-01", "2025-02-12")
    ev = base.events
    assert len(ev) >= 4
    k = len(ev) // 2
    t = pd.Timestamp(ev["ts"].iloc[k])  # an event's previous close
    down = ev["direction"].iloc[k] == "down"

    # every series changed after t: hourly bars after the trigger hour, 4-hour bars and
    # records closing after t (funding, open interest, liquidations), book totals; the
    # trigger hour itself goes further in the event's direction (the model knows only
    # that price moved by the trigger)
    def after(f, step):
        f = f.copy()
        late = pd.DatetimeIndex(f.index) + step > t
        num = f.select_dtypes("number").columns
        f.loc[late, num] = f.loc[late, num] * 1.3
        return f

    def hourly(f):
        f = f.copy()
        trig = f.loc[t].copy()
        f = after(f, pd.Timedelta(hours=1))
        f.loc[t] = trig
        if down:
            f.loc[t, "low"] = trig["low"] * 0.97
        else:
            f.loc[t, "high"] = trig["high"] * 1.03
        return f

    b4 = pd.Timedelta(hours=4)
    ohlc2 = hourly(ohlc)
    inp2 = replace(
        inp,
        prices=hourly(inp.prices),
        open_interest=after(inp.open_interest, b4),
        funding=after(inp.funding, b4),
        book_totals=after(inp.book_totals, pd.Timedelta(hours=8)),
    )
    changed = _run(ohlc2, after(liq, b4), inp2, "2025-02-01", "2025-02-12")
    cols = ["predicted_move", "predicted_move_p10", "predicted_move_p90",
            "predicted_long_usd", "predicted_short_usd", "identified_long_p90_usd",
            "book_long_usd", "background_long_usd"]  # fmt: skip
    a = ev[ev["ts"] <= t]
    b = changed.events[changed.events["ts"] <= t]
    assert len(a) == len(b) >= 2
    for c in cols:
        assert_same(b[c].to_numpy(float), a[c].to_numpy(float), rtol=1e-12, atol=0.0)
    # and the change is seen after it (the test can fail)
    later = changed.events[changed.events["ts"] > t]["predicted_long_usd"].to_numpy(float)
    assert not np.allclose(later, ev[ev["ts"] > t]["predicted_long_usd"].to_numpy(float))
    # the realised-path ceiling, a diagnostic, does read the outcome: it moves at t
    rp = "realised_path_long_usd" if down else "realised_path_short_usd"
    assert not same_value(float(b[rp].iloc[-1]), float(a[rp].iloc[-1]), rtol=1e-6)


def test_json_has_the_issue_keys(eth_inputs) -> None:
    ohlc, liq, inp = eth_inputs
    out = _run(ohlc, liq, inp, "2025-03-01", "2025-03-06").to_dict()
    assert {"asset", "start", "end", "trigger", "n_events", "events", "metrics"} <= set(out)
    issue_event = {"ts", "direction", "trigger_move", "predicted_move", "predicted_move_p10",
                   "predicted_move_p90", "realised_move", "predicted_long_usd",
                   "predicted_short_usd", "recorded_long_usd", "recorded_short_usd"}  # fmt: skip
    assert out["events"] and all(issue_event <= set(e) for e in out["events"])
    assert {"move_mae_pp", "trigger_baseline_move_mae_pp", "empirical_baseline_move_mae_pp",
            "coverage_80", "liq_corr", "liq_within_2x_share"} <= set(out["metrics"])  # fmt: skip
    for e in out["events"]:  # the identified book's prediction, with its path spread
        for s in ("long", "short"):
            assert e[f"identified_{s}_p10_usd"] <= e[f"identified_{s}_p90_usd"]
            assert e[f"predicted_{s}_usd"] > 0
            assert e[f"realised_path_{s}_usd"] > 0  # the diagnostic ceiling beside it
    ceilings = {"realised_path_liq_corr", "realised_path_liq_within_2x_share",
                "known_move_liq_corr", "known_move_with_prediction_liq_corr"}  # fmt: skip
    assert ceilings <= set(out["metrics"])
    assert 0.0 <= out["metrics"]["realised_path_liq_within_2x_share"] <= 1.0


def test_prediction_on_a_real_book_equals_the_twin(eth_inputs) -> None:
    from liqcascade.cascade._event_liquidations import predict_book_liquidations
    from liqcascade.cascade._event_markets import EventMarkets

    ohlc, _, inp = eth_inputs
    em = EventMarkets("ETH", store=False, inputs=inp, check=False)
    ts = pd.Timestamp("2025-02-03 02:00", tz="UTC")
    snap = em.book_at(ts)
    assert snap is not None and snap.label + pd.Timedelta(hours=4) <= ts
    z = np.random.default_rng(1).standard_normal((6, 28)) * 4.0  # paths off the grid too
    known = ohlc[(ohlc.index >= ts.floor("4h")) & (ohlc.index < ts)]
    args = (snap, ts, float(ohlc["close"].loc[:ts].iloc[-2]), -0.02, 0.02, known, z)
    nb = predict_book_liquidations(*args)
    py = predict_book_liquidations(*args, use_numba=False)
    for k in nb:
        assert_same(nb[k], py[k], rtol=1e-9)
    assert nb["identified_long_usd"] > nb["identified_short_usd"]  # a fall


def test_fast_refit_equals_profile_obs() -> None:
    from liqcascade.cascade._event_liquidations import fit_scale_floor
    from liqcascade.positions._likelihood import profile_obs

    rng = np.random.default_rng(7)
    for _ in range(25):
        n = int(rng.integers(80, 1500))
        mu = rng.lognormal(16.0, 2.0, n) * (rng.random(n) < 0.8)
        y = (rng.uniform(0.001, 0.05) * mu + rng.uniform(1e4, 1e6)) * np.exp(rng.normal(0, 1, n))
        y[rng.random(n) < 0.01] = 0.0
        _, obs = profile_obs(mu, y)
        start = (obs["scale"] * rng.uniform(0.5, 2.0), obs["floor_usd"] * rng.uniform(0.5, 2.0))
        fast = fit_scale_floor(mu, y, start)
        assert fast is not None
        assert_same(np.array(fast), np.array([obs["scale"], obs["floor_usd"], obs["sigma"]]),
                    rtol=1e-6)  # fmt: skip


def test_background_equals_the_rolling_definition() -> None:
    from liqcascade.cascade._backtest import background_liquidations

    rng = np.random.default_rng(5)
    idx = pd.date_range("2025-01-01", periods=400, freq="4h", tz="UTC")
    liq = pd.DataFrame({"long_usd": rng.lognormal(15, 1, 400),
                        "short_usd": rng.lognormal(15, 1, 400)}, index=idx)  # fmt: skip
    liq.iloc[50, 0] = np.nan
    for t in pd.date_range("2025-01-01", periods=60, freq="29h", tz="UTC"):
        past = liq[(liq.index <= t - pd.Timedelta(hours=4))
                   & (liq.index >= t - pd.Timedelta(days=30) - pd.Timedelta(hours=4))]  # fmt: skip
        got = background_liquidations(liq, t)
        if len(past) < 6:
            assert all(math.isnan(v) for v in got)
            continue
        roll = past.rolling(6).sum().dropna()
        assert_same(np.array(got), roll.median().to_numpy(), rtol=1e-12)


def test_paths_follow_the_volatility_rule_given(eth_inputs) -> None:
    from liqcascade.cascade._backtest import detect_events, standardised_residuals
    from liqcascade.cascade._clock import EWMA_HALFLIFE_HOURS
    from liqcascade.cascade._event_liquidations import event_liquidations
    from liqcascade.cascade._event_markets import EventMarkets

    ohlc, liq, inp = eth_inputs
    em = EventMarkets("ETH", store=False, inputs=inp, check=False)
    e = detect_events(ohlc, 0.02, "2025-04-01", "2025-04-10").to_dict("records")[0]
    resid = standardised_residuals(ohlc)
    args = (em.book_at, ohlc, e, 1.0, resid, 40, 3, liq)
    base = event_liquidations(*args)
    ewma_weight = 1.0 - 2.0 ** (-1.0 / EWMA_HALFLIFE_HOURS)  # the default rule's weight
    same = event_liquidations(*args, shock_weight=ewma_weight)
    assert_same(same["identified_long_usd"], base["identified_long_usd"], rtol=1e-9)
    wild = event_liquidations(*args, shock_weight=50.0, dispersion=0.5)
    assert wild["identified_long_p90_usd"] > base["identified_long_p90_usd"]


def test_an_events_prediction_does_not_depend_on_the_window_start(eth_inputs) -> None:
    """The same event, reached from two window starts, gets the same paths.

    Each event's Monte Carlo is seeded by the run's seed and the event's hour
    (``event_seed``); a seed per position in the window gave the same event other paths
    when ``start`` moved, a noise larger than the margins the verdicts turn on.
    """
    ohlc, liq, inp = eth_inputs
    wide = _run(ohlc, liq, inp, "2025-02-01", "2025-02-12").events.set_index("ts")
    late = _run(ohlc, liq, inp, "2025-02-06", "2025-02-12").events.set_index("ts")
    shared = late.index.intersection(wide.index)
    assert len(shared) >= 2 and len(wide) > len(late)
    moves = ["predicted_move", "predicted_move_p10", "predicted_move_p90"]
    assert_same(late.loc[shared, moves].to_numpy(), wide.loc[shared, moves].to_numpy())
    # the identified book is walked from the window's first event: another start sums
    # the same bars in another order (relative differences ~1e-8), the paths are equal
    usd = ["predicted_long_usd", "predicted_short_usd"]
    np.testing.assert_allclose(late.loc[shared, usd], wide.loc[shared, usd], rtol=1e-6)


def test_event_seeds_mix_the_run_seed_and_the_hour() -> None:
    from liqcascade.cascade._backtest import event_seed

    t = pd.Timestamp("2025-02-03 01:00", tz="UTC")
    s = {event_seed(k, t + pd.Timedelta(hours=h)) for k in range(3) for h in range(3)}
    assert len(s) == 9  # seed 1 at hour h is not seed 0 at hour h + 1
    assert event_seed(0, t) == event_seed(0, t + pd.Timedelta(minutes=59))
