"""The VaR back-test: scoring against plain-Python twins and hand-computed values,
properties of the scores, and the expanding-window back-test on real ETH closes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.stress import (
    BASELINES,
    VarBacktest,
    christoffersen,
    es_interval,
    expected_shortfall,
    kupiec,
    pinball,
    quantile_interval,
    var_backtest,
)
from liqcascade.stress._var_backtest import christoffersen_py, kupiec_py, pinball_py, score
from profiles import examples

hits_st = st.lists(st.booleans(), min_size=2, max_size=300)


# ---- golden values (hand-computed; p-values from scipy.stats.chi2) ----


def test_kupiec_golden() -> None:
    """n = 100, x = 3 at 99 %: LR = -2[97 ln .99 + 3 ln .01 - 97 ln .97 - 3 ln .03]."""
    hits = [True] * 3 + [False] * 97
    lr, p = kupiec(hits, 0.99)
    assert_same(lr, 2.6323527, rtol=1e-6)
    assert_same(p, float(stats.chi2.sf(2.6323527, 1)), rtol=1e-5)
    assert 0.10 < p < 0.11


def test_christoffersen_golden() -> None:
    """Transitions n00=3, n01=1, n10=1, n11=2: LR = 1.2429476 (by hand); equal rows: 0."""
    lr, p = christoffersen([False, True, True, True, False, False, False, False])
    assert_same(lr, 1.2429476, rtol=1e-6)
    assert_same(p, float(stats.chi2.sf(lr, 1)), rtol=1e-12)
    lr0, p0 = christoffersen([0, 0, 1, 1, 0, 0, 0, 1, 0, 0])  # pi01 = pi11 = 1/3
    assert lr0 == pytest.approx(0.0, abs=1e-12) and p0 == pytest.approx(1.0)


def test_pinball_golden() -> None:
    assert_same(pinball([0.1, -0.05], [0.05, 0.05], 0.95), 0.02625, rtol=1e-12)


# ---- twins on random cases ----


@pytest.mark.parametrize("seed", range(30))
def test_scores_against_twins(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    level = float(rng.choice([0.9, 0.95, 0.99]))
    loss = rng.standard_t(3, size=n) * 0.02
    var = np.abs(rng.normal(0.03, 0.01, size=n))
    hits = (loss > var).tolist()
    assert_same(kupiec(hits, level)[0], kupiec_py(hits, level), rtol=1e-9, atol=1e-9)
    assert_same(christoffersen(hits)[0], christoffersen_py(hits), rtol=1e-9, atol=1e-9)
    assert_same(pinball(loss, var, level), pinball_py(loss.tolist(), var.tolist(), level))
    s = score(loss, var, level)
    assert s["exceedances"] == sum(hits) and s["n"] == n


# ---- properties ----


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.floats(-0.5, 0.5), min_size=2, max_size=200), st.sampled_from([0.95, 0.99]))
def test_var_above_every_loss_has_no_exceedance(loss: list[float], level: float) -> None:
    x = np.array(loss)
    s = score(x, np.full(x.size, x.max() + 1e-6), level)
    assert s["exceedances"] == 0 and s["rate"] == 0.0
    # Kupiec with no exceedance: -2 n ln(1 - p)
    assert_same(s["kupiec_lr"], -2.0 * x.size * math.log(level), rtol=1e-9)
    assert s["christoffersen_lr"] == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=examples(60), deadline=None)
@given(hits_st, st.sampled_from([0.9, 0.95, 0.99]), st.randoms(use_true_random=False))
def test_kupiec_and_pinball_ignore_order(hits: list[bool], level: float, rnd: Any) -> None:
    """Kupiec counts exceedances; the pinball loss is a mean: both ignore the order."""
    perm = list(range(len(hits)))
    rnd.shuffle(perm)
    shuffled = [hits[i] for i in perm]
    assert_same(kupiec(shuffled, level)[0], kupiec(hits, level)[0], rtol=1e-12, atol=1e-12)
    loss = np.linspace(-0.1, 0.1, len(hits))
    var = np.where(hits, -1.0, 1.0)
    assert_same(pinball(loss[perm], var[perm], level), pinball(loss, var, level), rtol=1e-12)
    lr, p = kupiec(hits, level)
    assert lr >= 0.0 and 0.0 <= p <= 1.0


@settings(max_examples=examples(60), deadline=None)
@given(hits_st)
def test_christoffersen_nonnegative_and_blind_to_flipping(hits: list[bool]) -> None:
    """The Markov ratio is symmetric in the labels: exceedances and calm days swap roles."""
    lr, p = christoffersen(hits)
    assert lr >= 0.0 and 0.0 <= p <= 1.0
    assert_same(christoffersen([not h for h in hits])[0], lr, rtol=1e-9, atol=1e-9)


def test_kupiec_zero_at_nominal_rate() -> None:
    hits = [True] * 5 + [False] * 95
    assert kupiec(hits, 0.95)[0] == pytest.approx(0.0, abs=1e-12)


def test_score_rejects_unequal_lengths() -> None:
    with pytest.raises(InputError) as e:
        score([0.1, 0.2], [0.1], 0.99)
    assert e.value.param == "var"


# ---- Monte Carlo intervals of VaR and ES ----


def test_quantile_interval_covers() -> None:
    """Distribution-free: over 400 uniform samples the interval holds the true quantile
    at least ~95 % of the time (binomial 3-sigma slack)."""
    rng = np.random.default_rng(1)
    hit = 0
    for _ in range(400):
        lo, hi = quantile_interval(rng.random(1000), 0.99)
        hit += lo <= 0.99 <= hi
    assert hit / 400 >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / 400)


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=300), st.sampled_from([0.95, 0.99]))
def test_intervals_bracket_the_estimates(loss: list[float], level: float) -> None:
    x = np.array(loss)
    lo, hi = quantile_interval(x, level)
    assert lo <= hi and x.min() <= lo and hi <= x.max()
    elo, ehi = es_interval(x, level, n_boot=50)
    assert elo <= ehi and x.min() - 1e-6 <= elo and ehi <= x.max() + 1e-6
    e = expected_shortfall(x, level)
    assert x.min() - 1e-6 <= e <= x.max() + 1e-6


def test_es_interval_reproducible_and_covers_point() -> None:
    x = np.random.default_rng(3).standard_t(4, size=5000)
    a = es_interval(x, 0.99)
    assert a == es_interval(x, 0.99)  # seeded: same-process rerun
    assert a[0] < expected_shortfall(x, 0.99) < a[1]


# ---- the back-test on real closes ----


@pytest.fixture(scope="module")
def eth_close() -> pd.Series:
    from liqcascade import datasets

    c = datasets.load_ohlcv("ETH", "1d")["close"]
    return c[c.index <= "2020-09-30"]


@pytest.fixture(scope="module")
def small_bt(eth_close: pd.Series) -> VarBacktest:
    return var_backtest(eth_close, asset="ETH", horizons=(1, 5), min_days=600, paths=300)


def test_backtest_rows_and_no_lookahead(small_bt: VarBacktest, eth_close: pd.Series) -> None:
    fc = small_bt.forecasts
    assert set(fc["method"]) == {"model", *BASELINES}
    assert (fc["fit_date"] <= fc["start"]).all()  # fitted before each window
    for h in (1, 5):  # consecutive, non-overlapping windows
        starts = fc[(fc["horizon"] == h) & (fc["method"] == "model")]["start"]
        gaps = np.diff(np.searchsorted(eth_close.index, starts.to_numpy()))
        assert (gaps == h).all()
    # truncating the data after a date leaves every window ending before it unchanged
    cut = pd.Timestamp("2020-03-20", tz="UTC")
    short = var_backtest(
        eth_close[eth_close.index <= cut], asset="ETH", horizons=(1, 5), min_days=600, paths=300
    )
    end = fc["start"] + pd.to_timedelta(fc["horizon"], unit="D")
    a = fc[end <= cut].reset_index(drop=True)
    b = short.forecasts.iloc[: len(a)].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


def test_backtest_scores_match_score(small_bt: VarBacktest) -> None:
    fc = small_bt.forecasts
    sub = fc[(fc["horizon"] == 1) & (fc["method"] == "hs")]
    row = small_bt.row(1, 0.99, "hs")
    assert row["exceedances"] == int((sub["loss"] > sub["var_99"]).sum())
    assert_same(row["pinball"], pinball(sub["loss"], sub["var_99"], 0.99))
    assert small_bt.best_baseline(1, 0.95) in BASELINES
    # VaR 99 above VaR 95 for every forecast
    assert (fc["var_99"] >= fc["var_95"] - 1e-12).all()


def test_a_horizon_draws_the_same_forecasts_whichever_horizons_run(
    small_bt: VarBacktest, eth_close: pd.Series
) -> None:
    """repro27 F2: one random stream per horizon (keyed by it), so the 5-day forecasts of
    a back-test of 5 days alone are those of the back-test of 1 and 5 days (the shared
    stream gave the 30-day card 230.25 bp alone and 231.98 bp beside 1 and 10 days)."""
    alone = var_backtest(eth_close, asset="ETH", horizons=(5,), min_days=600, paths=300)
    fc = small_bt.forecasts
    both = fc[fc["horizon"] == 5].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.forecasts, both, check_exact=False, rtol=1e-12)
    for lv in (0.95, 0.99):
        assert_same(
            alone.row(5, lv, "model")["pinball"], small_bt.row(5, lv, "model")["pinball"],
            rtol=1e-12,
        )  # fmt: skip
    # another seed draws other paths: the streams do follow the seed
    other = var_backtest(eth_close, asset="ETH", horizons=(5,), min_days=600, paths=300, seed=1)
    assert not np.allclose(other.forecasts["var_95"], alone.forecasts["var_95"])


def test_within_sampling_error_counts_windows_inside_their_var_interval(
    small_bt: VarBacktest,
) -> None:
    """repro27 F2: each model VaR carries its 95 % sampling interval, and the scores count
    the windows whose loss lies inside it (their exceedance another seed could flip); the
    1-day VaR is an exact quantile (no interval, none counted), the baselines none."""
    fc = small_bt.forecasts
    mod = fc[fc["method"] == "model"]
    for lv in (0.95, 0.99):
        col = f"var_{round(100 * lv)}"
        lo, hi, var = mod[f"{col}_lo"], mod[f"{col}_hi"], mod[col]
        assert ((lo <= var + 1e-12) & (var <= hi + 1e-12)).all()
        one = mod[mod["horizon"] == 1]
        assert np.allclose(one[f"{col}_lo"], one[col], rtol=0, atol=1e-15)
        assert small_bt.row(1, lv, "model")["within_sampling_error"] == 0
        five = mod[mod["horizon"] == 5]
        assert (five[f"{col}_hi"] > five[f"{col}_lo"]).all()  # 300 paths: a real interval
        inside = (five["loss"] >= five[f"{col}_lo"]) & (five["loss"] <= five[f"{col}_hi"])
        assert small_bt.row(5, lv, "model")["within_sampling_error"] == int(inside.sum())
        for base in BASELINES:
            assert small_bt.row(5, lv, base)["within_sampling_error"] == 0
    assert small_bt.row(5, 0.95, "model")["within_sampling_error"] > 0  # this sample has some
    # the subset a report scores counts its own windows only
    cut = small_bt.scored_by("2020-06-30")
    sub = cut.forecasts[(cut.forecasts["method"] == "model") & (cut.forecasts["horizon"] == 5)]
    inside = (sub["loss"] >= sub["var_95_lo"]) & (sub["loss"] <= sub["var_95_hi"])
    assert cut.row(5, 0.95, "model")["within_sampling_error"] == int(inside.sum())


def test_pinball_difference_is_the_difference_of_the_scores(small_bt: VarBacktest) -> None:
    """Same windows for both methods: the mean per-window difference equals the difference
    of the two pinball scores, and its 90 % interval holds it; a method against itself is
    exactly 0 (a tie)."""
    from liqcascade._significance import verdict

    for h, lv in ((1, 0.95), (1, 0.99), (5, 0.99)):
        for base in BASELINES:
            d, lo, hi = small_bt.pinball_difference(h, lv, base)
            want = small_bt.row(h, lv, "model")["pinball"] - small_bt.row(h, lv, base)["pinball"]
            assert_same(d, want, rtol=1e-9, atol=1e-15)
            assert lo <= d <= hi
    with pytest.raises(
        InputError, match=r"no windows of horizon 30 for method hs \(horizons: "
    ) as e:
        small_bt.pinball_difference(30, 0.99, "hs")  # no such horizon
    assert e.value.param == "horizon"  # the horizon is at fault, not the baseline
    with pytest.raises(InputError, match="not one of the back-test's levels"):
        small_bt.pinball_difference(1, 99, "hs")  # a percent for a fraction
    assert verdict(0.0, 0.0) == "ties"


def test_backtest_bad_input(eth_close: pd.Series) -> None:
    with pytest.raises(InputError) as e:
        var_backtest(eth_close, drift="up")
    assert e.value.param == "drift"
    with pytest.raises(InputError) as e:
        var_backtest(eth_close, horizons=(0,))
    assert e.value.param == "horizons"
    with pytest.raises(InputError) as e:
        var_backtest(eth_close.iloc[:200])
    assert e.value.param == "close"


@pytest.mark.parametrize("bad", [1.5, True, "300", 0, -5])
def test_backtest_refuses_a_path_count_that_is_not_whole_and_positive(
    eth_close: pd.Series, bad: Any
) -> None:
    """``stress --scenario backtest --paths`` reaches here: 1.5 ran 1 path, 0 the fits."""
    with pytest.raises(InputError, match=r"^paths must be (a whole number )?> 0 \(got ") as e:
        var_backtest(eth_close, paths=bad)
    assert e.value.param == "paths"
    with pytest.raises(InputError, match=r"^seed must be") as e:
        var_backtest(eth_close, seed=-1)
    assert e.value.param == "seed"


def test_backtest_refuses_more_paths_than_the_memory_holds_before_fitting(
    eth_close: pd.Series, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked for the longest horizon before the first fit (numpy's MemoryError came
    after the fits, as a traceback at the command line)."""
    monkeypatch.setenv("LIQCASCADE_MEMORY_LIMIT", "1GB")
    with pytest.raises(InputError, match=r"^paths 1000000000 needs about .* GB of memory") as e:
        var_backtest(eth_close, paths=10**9)
    assert e.value.param == "paths"
    # the longest horizon sets the need: 5-day windows hold more paths than 30-day ones
    with pytest.raises(InputError, match=r"at most about 1,300,000 fit"):
        var_backtest(eth_close, paths=10**9)
    with pytest.raises(InputError, match=r"at most about 5,200,000 fit"):
        var_backtest(eth_close, horizons=(1, 5), paths=10**9)


def test_scored_by_keeps_the_windows_closed_by_the_time(
    small_bt: VarBacktest, eth_close: pd.Series
) -> None:
    """A back-test scored at a market time holds exactly the windows whose last close had
    closed by then, scored again; its 1-day rows are those of the back-test run on the
    closes up to that day (the 1-day VaR is exact: no path is drawn)."""
    day = "2020-03-20"  # a bare date: the end of that day, when its daily bar closes
    sub = small_bt.scored_by(day)
    fc = small_bt.forecasts
    known = pd.DatetimeIndex(fc["end"]) <= pd.Timestamp(day, tz="UTC")
    assert len(sub.forecasts) == int(known.sum()) > 0
    assert (pd.DatetimeIndex(sub.forecasts["end"]) <= pd.Timestamp(day, tz="UTC")).all()
    assert sub.settings["scope"] == "windows closed by the market date"
    assert sub.settings["last_day"][:10] == day and sub.settings["whole_last_day"] > day
    assert sub.settings["scored_by"] == "2020-03-21T00:00:00+00:00"
    assert small_bt.reads_after(day) and not sub.reads_after(day)
    # the same day's close is known at the next day's 00:00, not an instant before
    at_close = pd.Timestamp("2020-03-21", tz="UTC")
    assert len(small_bt.scored_by(at_close).forecasts) == len(sub.forecasts)
    early = small_bt.scored_by(at_close - pd.Timedelta(microseconds=1))
    assert len(early.forecasts) < len(sub.forecasts)
    for h in (1, 5):
        for lv in (0.95, 0.99):
            for m in ("model", *BASELINES):
                f = sub.forecasts[(sub.forecasts["horizon"] == h) & (sub.forecasts["method"] == m)]
                want = score(f["loss"], f[f"var_{round(100 * lv)}"], lv)
                got = sub.row(h, lv, m)
                assert got["n"] == want["n"] and got["exceedances"] == want["exceedances"]
                assert_same(got["pinball"], want["pinball"], rtol=1e-12)
    cut = var_backtest(
        eth_close[eth_close.index <= day], asset="ETH", horizons=(1, 5), min_days=600, paths=300
    )
    for lv in (0.95, 0.99):
        for m in ("model", *BASELINES):
            a, b = sub.row(1, lv, m), cut.row(1, lv, m)
            assert a["n"] == b["n"] and a["exceedances"] == b["exceedances"]
            assert_same(a["pinball"], b["pinball"], rtol=1e-9)
    assert sub.row(5, 0.95, "model")["n"] == cut.row(5, 0.95, "model")["n"]
    # before the first window closes: nothing scored (n 0), not an error
    none = small_bt.scored_by(small_bt.settings["first_fit"])
    assert none.forecasts.empty and none.row(1, 0.99, "model")["n"] == 0


def test_scored_by_reads_no_price_after_the_time(
    small_bt: VarBacktest, eth_close: pd.Series
) -> None:
    """Every close after the market date moved at random: the windows closed by the date
    keep every forecast, loss and score (multi-day paths included), so a score at the date
    reads nothing after it."""
    day = pd.Timestamp("2020-03-20", tz="UTC")
    rng = np.random.default_rng(3)
    later = eth_close.index > day
    moved = eth_close.copy()
    moved[later] = moved[later] * np.exp(rng.normal(0.0, 0.2, int(later.sum())))
    other = var_backtest(moved, asset="ETH", horizons=(1, 5), min_days=600, paths=300)
    a = small_bt.scored_by("2020-03-20")
    b = other.scored_by("2020-03-20")
    pd.testing.assert_frame_equal(a.forecasts, b.forecasts, check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(a.scores, b.scores, check_exact=False, rtol=1e-9)
    assert not small_bt.forecasts.equals(other.forecasts)  # the later windows did change


def test_each_fit_forecasts_its_one_day_windows_with_its_own_quantiles(
    eth_close: pd.Series, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 1-day quantiles of the standardised residuals are computed once per fit: every
    window is forecast with those of the fit it uses, never an earlier fit's.

    Not vacuous: more than three fits, each forecasting more than one window, and every
    model row seen. Computed once per fit: the windows of one fit get the one array (held
    here, so no id is reused), and ``np.quantile`` runs on the residuals' lower tail
    (``1 − level``) once per fit made; quantiles computed per window again (in the loop or in
    ``_model_var``) would give a new array per window, or call it once per window.
    """
    import liqcascade.stress._var_backtest as vb

    seen: list[tuple[tuple[float, ...], float]] = []
    arrays: list[np.ndarray] = []  # each window's pool_q, kept alive: ids stay unique
    plain = vb._model_var
    tails: list[int] = []  # np.quantile calls at the lower-tail levels (the residuals')
    fitted: list[int] = []  # fits made (each forecasts a window)
    plain_fit = vb._fit

    def fit_spy(*args: Any) -> Any:
        fitted.append(1)
        return plain_fit(*args)

    def spy(res: Any, pool: np.ndarray, *args: Any) -> list[float]:
        pool_q = args[-1]
        want = np.quantile(pool, [1.0 - 0.95, 1.0 - 0.99])  # the default levels
        np.testing.assert_allclose(pool_q, want, rtol=1e-12, atol=0)  # the same quantiles
        # a fit by its parameters: id() of a freed result is reused by a later one
        seen.append((tuple(np.asarray(res.params, dtype=float)), float(want[0])))
        arrays.append(pool_q)
        return plain(res, pool, *args)

    class CountingNumpy:
        """numpy as ``vb`` sees it, its ``quantile`` counting the lower-tail calls."""

        def __getattr__(self, name: str) -> Any:
            return getattr(np, name)

        @staticmethod
        def quantile(a: Any, q: Any, *args: Any, **kwargs: Any) -> Any:
            if np.all(np.asarray(q, dtype=float) < 0.5):  # 1 − level: the residuals' tail
                tails.append(1)
            return np.quantile(a, q, *args, **kwargs)

    monkeypatch.setattr(vb, "_model_var", spy)
    monkeypatch.setattr(vb, "np", CountingNumpy())
    monkeypatch.setattr(vb, "_fit", fit_spy)
    bt = var_backtest(eth_close, asset="ETH", horizons=(1,), min_days=600, paths=50)
    fits = {r for r, _ in seen}
    model = bt.forecasts[bt.forecasts["method"] == "model"]
    assert len(seen) == len(model)
    n_fits = bt.forecasts["fit_date"].nunique()
    assert len(fits) == n_fits > 3
    assert len(model) > 2 * n_fits  # most fits forecast several windows: per window shows
    assert len({q for _, q in seen}) > 1  # the fits' quantiles differ: a stale one would show
    assert len({id(a) for a in arrays}) == n_fits  # one array per fit, shared by its windows
    # the closes end on a month-end (2020-09-30): no window after it, so no fit there
    assert len(fitted) == n_fits == bt.settings["fits"]
    assert bt.forecasts["fit_date"].max() < eth_close.index[-1] - pd.Timedelta(days=27)
    assert len(tails) == len(fitted)  # np.quantile on the residuals' tail: once per fit


def test_the_card_words_how_firm_its_count_is() -> None:
    """The card's and the section's words for ``within_sampling_error`` (repro27 F2)."""
    from liqcascade.report._stress_section import _near_text

    assert _near_text({"within_sampling_error": 1}) == "; 1 window within its VaR's sampling error"
    assert _near_text({"within_sampling_error": 3}).startswith("; 3 windows within")
    assert _near_text({"within_sampling_error": 0}).startswith("; no window within")
    assert _near_text({"n": 72}) == ""  # a row without Monte Carlo says nothing
