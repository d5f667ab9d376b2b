"""Model against baseline with a test: the paired bootstrap, the DM p-value, the verdict.

The statistics live in :mod:`liqcascade._significance` (twins in
:mod:`liqcascade._significance_reference`); the event back-test's use of them in
:func:`liqcascade.cascade._backtest.move_comparisons`. Tolerance for twin agreement:
1e-12 relative (the same draws; the sums differ only in order).
"""

from __future__ import annotations

import json
import math
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr, ttest_rel

import liqcascade._significance_reference as ref
from clihelpers import run_cli
from floats import assert_same, same_value
from liqcascade._significance import (
    block_indices,
    dm_pvalue,
    dm_statistic,
    paired_corr_interval,
    paired_mean_interval,
    verdict,
)
from liqcascade.cascade._backtest import BASELINES, move_comparisons, move_verdicts
from liqcascade.errors import InputError
from profiles import examples

TWIN_RTOL = 1e-12

finite = st.floats(-50.0, 50.0, allow_nan=False, allow_infinity=False)


# ------------------------------------------------------------------ verdict


def test_verdict_three_ways_and_direction() -> None:
    assert verdict(-0.3, -0.1) == "beats"
    assert verdict(0.1, 0.3) == "loses"
    assert verdict(-0.1, 0.2) == "ties"
    assert verdict(0.0, 0.0) == "ties"  # a model against itself
    assert verdict(-0.1, 0.0) == "ties"  # touching 0 is not "entirely below"
    # a correlation: higher is better
    assert verdict(0.01, 0.05, lower_is_better=False) == "beats"
    assert verdict(-0.05, -0.01, lower_is_better=False) == "loses"
    assert verdict(-0.05, 0.01, lower_is_better=False) == "ties"
    assert verdict(None, 0.1) is None and verdict(float("nan"), 0.1) is None


# ------------------------------------------------------------------ the mean interval


def test_vectorised_draws_are_the_loop_draws() -> None:
    """The twin's premise: (B, n) integers are B successive draws of n."""
    a = np.random.default_rng(7).integers(0, 13, size=(50, 13))
    rng = np.random.default_rng(7)
    b = np.vstack([rng.integers(0, 13, size=13) for _ in range(50)])
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", range(25))
def test_mean_interval_matches_its_twin(case: int) -> None:
    rng = np.random.default_rng(1000 + case)
    n = int(rng.integers(2, 60))
    d = rng.standard_t(3, size=n) * rng.uniform(0.1, 5.0)
    got = paired_mean_interval(d, n_resamples=300, level=0.9, seed=case)
    want = ref.paired_mean_interval(d.tolist(), n_resamples=300, level=0.9, seed=case)
    assert_same(np.array(got), np.array(want), rtol=TWIN_RTOL)


def test_mean_interval_is_deterministic_and_drops_non_finite() -> None:
    d = np.array([0.5, -1.0, 2.0, np.nan, 0.25, np.inf])
    a = paired_mean_interval(d)
    assert a == paired_mean_interval(d)  # same process, same seed: bit-identical
    assert_same(a[0], np.mean([0.5, -1.0, 2.0, 0.25]))
    assert all(math.isnan(x) for x in paired_mean_interval([1.0]))
    with pytest.raises(InputError, match="level"):
        paired_mean_interval(d, level=1.0)
    with pytest.raises(InputError, match="n_resamples"):
        paired_mean_interval(d, n_resamples=0)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(finite, min_size=2, max_size=40))
def test_a_model_against_itself_ties_at_zero(err: list[float]) -> None:
    e = np.abs(np.asarray(err))
    mean, lo, hi = paired_mean_interval(e - e, n_resamples=200)
    assert (mean, lo, hi) == (0.0, 0.0, 0.0)
    assert verdict(lo, hi) == "ties"
    assert dm_pvalue(e - e) == 1.0


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=2, max_size=40))
def test_swapping_model_and_baseline_negates_the_interval(pairs: list[tuple[float, float]]) -> None:
    a = np.abs(np.array([p[0] for p in pairs]))
    b = np.abs(np.array([p[1] for p in pairs]))
    m1, lo1, hi1 = paired_mean_interval(a - b, n_resamples=200)
    m2, lo2, hi2 = paired_mean_interval(b - a, n_resamples=200)
    assert_same(np.array([m2, lo2, hi2]), -np.array([m1, hi1, lo1]), rtol=1e-12, atol=1e-12)
    v1, v2 = verdict(lo1, hi1), verdict(lo2, hi2)
    assert {v1, v2} in ({"ties"}, {"beats", "loses"})
    if all(math.isfinite(x) for x in (dm_pvalue(a - b), dm_pvalue(b - a))):
        assert same_value(dm_pvalue(a - b), dm_pvalue(b - a), rtol=1e-12)


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.floats(0.0, 10.0), min_size=2, max_size=40),
    st.lists(st.floats(0.001, 5.0), min_size=40, max_size=40),
)
def test_strictly_smaller_errors_on_every_event_beat(base: list[float], gap: list[float]) -> None:
    b = np.asarray(base)
    m = b - np.asarray(gap[: b.size])  # every model error below the baseline's
    _, lo, hi = paired_mean_interval(m - b, n_resamples=200)
    assert hi < 0 and verdict(lo, hi) == "beats"
    assert dm_pvalue(m - b) < 1.0


# ------------------------------------------------------------------ Diebold-Mariano


def test_dm_golden_by_hand() -> None:
    """d = (1, 2, 3, 6): mean 3, sample variance 14/3, DM = 3 / sqrt(14/3 / 4) = 2.7775."""
    d = np.array([1.0, 2.0, 3.0, 6.0])
    stat, df = dm_statistic(d)
    assert df == 3
    assert same_value(stat, 3.0 / math.sqrt(14.0 / 12.0), rtol=1e-14)
    assert same_value(stat, 2.7774602993176543, rtol=1e-12)
    # lag 1 by hand: gamma_1 = ((-1)(-2) + (0)(-1) + (3)(0)) / 3 = 2/3, weight 1/2:
    # S = 14/3 + 2 * 0.5 * 2/3 = 16/3; DM = 3 / sqrt(16/12)
    s1, _ = dm_statistic(d, lag=1)
    assert same_value(s1, 3.0 / math.sqrt(16.0 / 12.0), rtol=1e-14)
    assert same_value(s1, ref.dm_statistic(d.tolist(), 1), rtol=TWIN_RTOL)


@pytest.mark.parametrize("case", range(20))
def test_dm_lag0_is_the_paired_t_test(case: int) -> None:
    rng = np.random.default_rng(case)
    n = int(rng.integers(3, 200))
    a = np.abs(rng.normal(0, 2, n))
    b = np.abs(rng.normal(0.1 * (case % 3), 2, n))
    t = ttest_rel(a, b)
    stat, _ = dm_statistic(a - b)
    assert same_value(stat, float(t.statistic), rtol=1e-10)
    assert same_value(dm_pvalue(a - b), float(t.pvalue), rtol=1e-9, atol=1e-15)
    for lag in (1, 3):
        assert same_value(
            dm_statistic(a - b, lag)[0], ref.dm_statistic((a - b).tolist(), lag), rtol=1e-10
        )


def test_dm_pvalue_is_scipy_t_sf() -> None:
    """``dm_pvalue`` calls ``scipy.special.stdtr`` (what ``scipy.stats.t.sf`` computes)
    so as not to import scipy.stats: the same p-value, within 1e-15 relative, for
    statistics from 0 to 1e6 and degrees of freedom from 1 to 1e6 (real back-tests
    have 10-200), set through two-case data with a known statistic."""
    from scipy.special import stdtr
    from scipy.stats import t as student_t

    rng = np.random.default_rng(33)
    xs = np.concatenate([[0.0, 1e-300, 1e-12, 0.5, 1.0, 2.7, 10.0, 40.0, 1e3, 1e6],
                         10.0 ** rng.uniform(-8, 3, 300)])  # fmt: skip
    dfs = np.concatenate([[1, 2, 3, 5, 30, 199, 10**6], rng.integers(1, 400, 300)])
    for x, df in zip(np.resize(xs, 2000), np.resize(dfs, 2000)[::-1], strict=True):
        want = float(2.0 * student_t.sf(abs(float(x)), int(df)))
        got = float(2.0 * stdtr(int(df), -abs(float(x))))
        assert same_value(got, want, rtol=1e-15, atol=0.0), (x, df)
    # and through dm_pvalue itself: n cases → df = n - 1
    for case in range(50):
        d = rng.normal(0.3 * (case % 4), 1.0, int(rng.integers(2, 300)))
        stat, df = dm_statistic(d)
        assert same_value(dm_pvalue(d), float(2.0 * student_t.sf(abs(stat), df)), rtol=1e-15)


def test_dm_degenerate_cases() -> None:
    assert dm_pvalue(np.full(5, 0.3)) == 0.0  # the same gap on every event
    assert dm_pvalue(np.zeros(5)) == 1.0
    assert math.isnan(dm_pvalue([1.0]))
    with pytest.raises(InputError, match="lag"):
        dm_statistic([1.0, 2.0], lag=-1)


# ------------------------------------------------------------------ block bootstrap


def test_block_indices_are_circular_blocks() -> None:
    idx = block_indices(10, 5, 3, np.random.default_rng(0))
    assert idx.shape == (5, 10) and idx.min() >= 0 and idx.max() < 10
    for row in idx:
        for j in range(0, 9, 3):  # each block: consecutive days, wrapping at the end
            blk = row[j : j + 3]
            assert all((blk[i + 1] - blk[i]) % 10 == 1 for i in range(len(blk) - 1))


@pytest.mark.parametrize("case", range(12))
@pytest.mark.parametrize("kind", ["pearson", "spearman"])
def test_corr_interval_matches_its_twin(case: int, kind: str) -> None:
    rng = np.random.default_rng(500 + case)
    n = int(rng.integers(14, 70))
    rec = rng.lognormal(16, 1, n)
    model = rec * rng.lognormal(0, 0.6, n)
    base = rec * rng.lognormal(0, 0.8, n)
    if case % 4 == 0:  # ties in the ranks
        model = np.round(model, -7)
    got = paired_corr_interval(model, base, rec, kind=kind, n_resamples=150, seed=case)  # type: ignore[arg-type]
    want = ref.paired_corr_interval(
        model.tolist(), base.tolist(), rec.tolist(), kind=kind, block=7, n_resamples=150,
        level=0.9, seed=case,
    )  # fmt: skip
    assert_same(np.array(got), np.array(want), rtol=1e-10, atol=1e-12)


@settings(max_examples=examples(30), deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["pearson", "spearman"]))
def test_corr_interval_properties(seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(14, 60))
    rec = rng.lognormal(10, 1, n)
    a = rec * rng.lognormal(0, 0.5, n)
    b = rec * rng.lognormal(0, 0.5, n)
    # against itself: [0, 0], a tie
    assert paired_corr_interval(a, a, rec, kind=kind, n_resamples=100) == (0.0, 0.0, 0.0)  # type: ignore[arg-type]
    assert verdict(0.0, 0.0, lower_is_better=False) == "ties"
    # swapping model and baseline negates the interval
    d1 = paired_corr_interval(a, b, rec, kind=kind, n_resamples=100)  # type: ignore[arg-type]
    d2 = paired_corr_interval(b, a, rec, kind=kind, n_resamples=100)  # type: ignore[arg-type]
    assert_same(np.array(d2), -np.array([d1[0], d1[2], d1[1]]), rtol=1e-12, atol=1e-12)
    # a model that is the record itself beats a clearly noisy baseline, given three blocks
    # of days at least (with two, a resample can draw one block twice: a zero-width edge).
    # "Clearly": the baseline's own correlation (of the same kind) below 0.9; 4,827 random
    # cases of this kind all beat. Pearson's r decided this before for both kinds, and a
    # Spearman tie at 14 days slipped through.
    _, lo, hi = paired_corr_interval(rec, b, rec, kind=kind, n_resamples=100)  # type: ignore[arg-type]
    own = np.corrcoef(b, rec)[0, 1] if kind == "pearson" else spearmanr(b, rec)[0]
    if own < 0.9 and n >= 21:
        assert verdict(lo, hi, lower_is_better=False) == "beats"


def test_corr_interval_needs_two_blocks_of_days() -> None:
    x = np.arange(13.0)
    assert all(math.isnan(v) for v in paired_corr_interval(x, x[::-1], x))
    with pytest.raises(InputError, match="kind"):
        paired_corr_interval(x, x, x, kind="kendall")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="same length"):
        paired_corr_interval(x, x[:5], x)


# ------------------------------------------------------------------ the event back-test


def _events(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    trig = -0.02 * np.ones(n)
    real = trig - rng.exponential(0.02, n)
    return pd.DataFrame(
        {
            "realised_move": real,
            "predicted_move": trig - rng.exponential(0.02, n),
            "trigger_baseline": trig,
            "empirical_baseline": trig * 1.8,
        }
    )


def test_move_comparisons_are_the_mae_differences() -> None:
    ev = _events(80, 3)
    m = move_comparisons(ev)
    real = ev["realised_move"].to_numpy()
    mae = np.abs(ev["predicted_move"] - real).mean() * 100
    for b in BASELINES:
        base = np.abs(ev[f"{b}_baseline"] - real).mean() * 100
        assert same_value(m[f"move_mae_diff_vs_{b}_pp"], mae - base, rtol=1e-12, atol=1e-12)
        assert m[f"move_mae_diff_vs_{b}_pp_p05"] <= m[f"move_mae_diff_vs_{b}_pp"]
        assert m[f"move_mae_diff_vs_{b}_pp"] <= m[f"move_mae_diff_vs_{b}_pp_p95"]
        assert 0.0 <= m[f"move_mae_dm_pvalue_vs_{b}"] <= 1.0
    same = ev.assign(empirical_baseline=ev["predicted_move"])
    assert move_verdicts(move_comparisons(same))["empirical"] == "ties"


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_shipped_backtest_carries_the_paired_comparison(asset: str) -> None:
    """The stored back-test: differences equal the stored MAEs' differences; verdicts hold."""
    path = files("liqcascade.cascade") / "calibrated" / f"{asset}.json"
    bt = json.loads(path.read_text())["backtest"]
    v = move_verdicts(bt)
    for b in BASELINES:
        diff = bt[f"move_mae_diff_vs_{b}_pp"]
        assert same_value(diff, bt["move_mae_pp"] - bt[f"{b}_baseline_move_mae_pp"], rtol=1e-9)
        lo, hi = bt[f"move_mae_diff_vs_{b}_pp_p05"], bt[f"move_mae_diff_vs_{b}_pp_p95"]
        assert lo <= diff <= hi
        assert v[b] == verdict(lo, hi)
        # a significant DM test and an interval that excludes 0 agree on these samples
        p = bt[f"move_mae_dm_pvalue_vs_{b}"]
        assert (v[b] == "ties") == (p > 0.1)
    # the trigger baseline (the move stops at the trigger) is beaten by far
    assert v["trigger"] == "beats"


def test_cli_lines_print_the_interval_and_verdict() -> None:
    """The back-test table and the market card say the verdict, never a bare strict '<'."""
    from liqcascade._cli import _common
    from liqcascade._cli.cascade_backtest import _comparison_cells, verdict_sentence
    from liqcascade.cascade._clock import backtest_score

    bt = backtest_score("BTC")
    assert bt is not None
    cell, p = _comparison_cells(bt, "empirical")
    lo, hi = bt["move_mae_diff_vs_empirical_pp_p05"], bt["move_mae_diff_vs_empirical_pp_p95"]
    assert f"{lo:+.3f}" in cell and f"{hi:+.3f}" in cell and float(p) > 0.1
    line = verdict_sentence(bt)
    v = move_verdicts(bt)
    # the baselines named as the report names them (display_name): one spelling
    assert f"{v['empirical']} the Empirical baseline" in line.replace("loses to", "loses")
    assert f"{v['trigger']} the Trigger baseline" in line.replace("loses to", "loses")
    with _common.stdout.capture() as cap:
        from liqcascade._cli.cascade_backtest import _render_calibrated

        _render_calibrated(
            {"asset": "BTC", "as_of": "2025-07-31", "mid": 1.0, "move_median": -0.08,
             "move_p10": -0.1, "move_p90": -0.05, "liquidated_median": 1e7,
             "liquidated_p10": 1e6, "liquidated_p90": 2e7, "out_of_sample": bt,
             "static_upper_bound": {"final_move": -0.05, "liquidated_usd": 1e7,
                                    "book_exhausted": False}}
        )  # fmt: skip
    text = " ".join(cap.get().split())
    assert f"{v['empirical']} the Empirical baseline".replace("loses", "loses to") in text
    assert "does not beat" not in text or v["empirical"] == "loses"


@pytest.mark.parametrize("case", range(10))
def test_resampled_ranks_are_scipy_rankdata(case: int) -> None:
    from scipy.stats import rankdata

    from liqcascade._significance import resampled_ranks

    rng = np.random.default_rng(case)
    n = int(rng.integers(1, 40))
    x = rng.integers(0, 6, n).astype(float) if case % 2 else rng.normal(size=n)
    idx = block_indices(n, 30, 7, rng)
    assert_same(resampled_ranks(x, idx), rankdata(x[idx], axis=1))


def test_expanding_baseline_uses_only_events_ended_before_each_event() -> None:
    # the expanding baseline's ratio, recomputed by hand from the back-test's own events:
    # the median realised/trigger ratio of the same direction over every event whose
    # 24 h ended before it (all directions when fewer than 10), 1.0 with none
    import pandas as pd

    from liqcascade.cascade._backtest import detect_events, median_ratio
    from liqcascade.market import bars_until

    r = run_cli("cascade", "backtest", "--asset", "ETH", "--start", "2025-03-01", "--end",
                "2025-03-31", "--paths", "20", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.json()
    ohlc = bars_until("ETH", "1h", "2025-04-02")
    found = detect_events(ohlc, 0.02, None, pd.Timestamp("2025-04-01", tz="UTC"), keep_short=True)
    all_ev = found[found["realised_move"].notna()]
    for e in out["events"]:
        ts = pd.Timestamp(e["ts"])
        prior = all_ev[all_ev["ts"] + pd.Timedelta(hours=24) <= ts]
        same = prior[prior["direction"] == e["direction"]]
        src = same if len(same) >= 10 else prior
        hand = float((src["realised_move"] / src["trigger_move"]).median())
        assert same_value(e["expanding_baseline"], e["trigger_move"] * hand)
        assert same_value(median_ratio(prior, e["direction"]), hand)
    assert median_ratio(all_ev.iloc[0:0], "down") == 1.0
