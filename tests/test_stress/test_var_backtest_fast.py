"""The VaR back-test's fast routes against what they replace.

Sorted-sample quantiles against ``numpy.quantile``; the expanding sample against a
quantile of every prefix; the book-free path kernel against its plain-Python twin and
against :func:`mc_kernel` with an empty book (the kernel the back-test called before);
the order-statistic interval of a sorted sample against :func:`quantile_interval`; and
the historical-simulation baselines of real ETH closes against the per-window arrays the
back-test built before. Each "the same numbers" comparison is held to 1e-15 relative
(one rounding at most: the routes do the same float operations; the report's figures
were compared whole, docs/design.md).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.stress import StressBook, quantile_interval
from liqcascade.stress._kernels import (
    MODEL_EGARCH,
    MODEL_GJR,
    mc_kernel,
    price_paths_kernel,
    price_paths_py,
)
from liqcascade.stress._quantiles import ExpandingSample, sorted_quantile, sorted_quantiles
from liqcascade.stress._result import quantiles_with_intervals, sorted_interval
from liqcascade.stress._var_backtest import _Days, _Spans
from profiles import examples

#: "The same numbers": the routes repeat the same float operations.
SAME = 1e-15

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
levels = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(finite, min_size=1, max_size=400), st.lists(levels, min_size=1, max_size=4))
def test_sorted_quantile_is_numpys(xs: list[float], qs: list[float]) -> None:
    """Any sample, size 1 to 400, ties and all, any level in [0, 1] (the ends too)."""
    x = np.asarray(xs)
    got = sorted_quantiles(np.sort(x), qs)
    assert_same(got, np.quantile(x, qs), rtol=SAME, atol=0.0)
    assert_same(sorted_quantile(sorted(xs), qs[0]), np.quantile(x, qs[0]), rtol=SAME, atol=0.0)


def test_sorted_quantile_on_the_back_tests_sizes_and_levels() -> None:
    """Every sample size of the back-test's windows (730 to 3,000 spans) at its levels,
    on heavy-tailed losses, where a wrong rank or weight would show."""
    rng = np.random.default_rng(7)
    x = 1.0 - np.exp(rng.standard_t(3, 3000) / 20.0)
    for n in range(730, 3001, 7):
        s = np.sort(x[:n])
        for q in (0.95, 0.99, 0.05, 0.01, 0.5):
            assert sorted_quantile(s, q) == pytest.approx(np.quantile(x[:n], q), rel=SAME, abs=0)


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(finite, min_size=1, max_size=300),
    st.lists(st.booleans(), min_size=300, max_size=300),
    st.lists(st.integers(1, 300), min_size=1, max_size=12),
)
def test_expanding_sample_quantiles_are_every_prefixs(
    xs: list[float], keep: list[bool], stops: list[int]
) -> None:
    """Added in steps of any size (one by one, or many at once): each step's quantiles
    are ``numpy.quantile``'s of the kept entries so far."""
    x = np.asarray(xs)
    k = np.asarray(keep[: x.size])
    sample = ExpandingSample(x, k)
    for m in sorted(min(s, x.size) for s in stops):
        sample.upto(m)
        kept = x[:m][k[:m]]
        assert len(sample) == kept.size
        if kept.size:
            got = sample.quantiles([0.95, 0.99, 0.5])
            assert_same(got, np.quantile(kept, [0.95, 0.99, 0.5]), rtol=SAME, atol=0.0)


def _random_model(rng: np.random.Generator, model: int) -> tuple[float, ...]:
    mu = float(rng.uniform(-0.3, 0.3))
    if model == MODEL_GJR:
        alpha = float(rng.uniform(0.0, 0.3))
        gamma = float(rng.uniform(-alpha, 0.3))
        beta = float(rng.uniform(0.0, 0.99 - alpha - max(gamma, 0.0) / 2))
        return mu, float(rng.uniform(0.001, 1.0)), alpha, gamma, beta
    return (
        mu,
        float(rng.uniform(-0.2, 0.2)),
        float(rng.uniform(0.0, 0.4)),
        float(rng.uniform(-0.2, 0.2)),
        float(rng.uniform(0.5, 0.99)),
    )


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_price_paths_kernel_equals_its_twin_and_mc_kernel_without_a_book(seed: int) -> None:
    """Random GJR and EGARCH models, 1 to 40 paths of 1 to 40 steps, start variances
    from 0.01 to 5,000 percent² under caps from 25 to 1,600 (the cap binds in some)."""
    rng = np.random.default_rng(seed)
    model = MODEL_GJR if seed % 2 == 0 else MODEL_EGARCH
    params = _random_model(rng, model)
    n, t = int(rng.integers(1, 41)), int(rng.integers(1, 41))
    z = rng.standard_t(4, size=(n, t)) / math.sqrt(2.0)
    s2_0 = float(10 ** rng.uniform(-2, math.log10(5000.0)))
    cap = float(rng.choice([25.0, 100.0, 400.0, 1600.0]))
    got = price_paths_kernel(z, 1.0, *params, model, s2_0, cap)
    assert got.shape == (n,)
    assert_same(got, price_paths_py(z, 1.0, params, model, s2_0, cap), rtol=1e-12, atol=0.0)
    empty = StressBook.empty().kernel_args()
    old = mc_kernel(z, 1.0, *params, model, s2_0, cap, *empty, 1.0, 1)[:, 0]
    assert_same(got, old, rtol=SAME, atol=0.0)


def test_price_paths_kernel_on_a_fit_of_real_closes(eth_returns: pd.Series) -> None:
    """The back-test's own case: a GJR-t fit of ETH's daily returns, 2,000 paths of 30 days
    of its bootstrapped residuals, against :func:`mc_kernel` with an empty book."""
    from liqcascade.volatility import arch_spec, fit_arch

    res = fit_arch(arch_spec(eth_returns, "gjr", "t"), disp="off", show_warning=False)
    p = res.params
    pool = np.asarray(res.std_resid, dtype=np.float64)
    pool = pool[np.isfinite(pool)]
    z = np.ascontiguousarray(pool[np.random.default_rng(3).integers(0, pool.size, (2000, 30))])
    par = (0.0, float(p["omega"]), float(p["alpha[1]"]), float(p["gamma[1]"]), float(p["beta[1]"]))
    s2 = float(res.conditional_volatility.iloc[-1] ** 2)
    got = price_paths_kernel(z, 1.0, *par, MODEL_GJR, s2, 1600.0)
    old = mc_kernel(z, 1.0, *par, MODEL_GJR, s2, 1600.0, *StressBook.empty().kernel_args(), 1.0, 1)
    assert_same(got, old[:, 0], rtol=SAME, atol=0.0)
    assert got.std() > 0.05  # 30 days of ETH: the paths spread (not a degenerate case)


@settings(max_examples=examples(80), deadline=None)
@given(
    st.lists(finite, min_size=1, max_size=500),
    st.floats(0.01, 0.99),
    st.sampled_from([0.5, 0.9, 0.95, 0.99]),
)
def test_sorted_interval_is_quantile_intervals(xs: list[float], q: float, c: float) -> None:
    """The ranks kept per sample size, level and coverage give the interval computed anew."""
    s = np.sort(np.asarray(xs))
    assert sorted_interval(s, q, c) == quantile_interval(np.asarray(xs), q, c)
    assert sorted_interval(s, q, c) == quantile_interval(np.asarray(xs), q, c)  # kept ranks


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(finite, min_size=1, max_size=500), st.lists(levels, min_size=1, max_size=3))
def test_quantiles_with_intervals_are_numpys_and_quantile_intervals(
    xs: list[float], qs: list[float]
) -> None:
    """The back-tests' VaR and interval per level (one sort) against the routes they
    replace: ``numpy.quantile`` and :func:`quantile_interval` of the unsorted sample."""
    x = np.asarray(xs)
    qs = [min(max(q, 0.001), 0.999) for q in qs]  # quantile_interval's open interval
    got = quantiles_with_intervals(x, qs)
    want = [(float(np.quantile(x, q)), *quantile_interval(x, q)) for q in qs]
    assert_same(got, want, rtol=SAME, atol=0.0)


def test_quantiles_with_intervals_refuse_a_nan_as_quantile_interval_does() -> None:
    x = np.array([0.1, np.nan, 0.3])
    with pytest.raises(InputError) as want:
        quantile_interval(x, 0.95)
    with pytest.raises(InputError) as got:
        quantiles_with_intervals(x, [0.95])
    assert str(got.value) == str(want.value) and got.value.param == want.value.param


@pytest.fixture(scope="module")
def eth_returns() -> pd.Series:
    from liqcascade import datasets
    from liqcascade.volatility import log_returns

    return log_returns(datasets.load_ohlcv("ETH", "1d")["close"], "2017-08-17", "2022-12-31")


@pytest.mark.parametrize("h", [1, 10, 30])
def test_spans_baselines_are_the_per_window_quantiles(h: int) -> None:
    """Real ETH closes with days cut out (returns across a gap left out): every scored
    window's ``hs`` and ``hs_1y`` VaRs are those of the arrays the back-test built per
    window before (``numpy.exp`` of that window's differences, ``np.quantile``)."""
    from liqcascade import datasets

    c = datasets.load_ohlcv("ETH", "1d")["close"]
    c = c.drop(c.index[[900, 901, 1500, 2200]])  # gaps: a missing day's return is left out
    idx = pd.DatetimeIndex(c.index)
    days = _Days.of(idx)
    logp = np.log(c.to_numpy(np.float64))[1:]  # the log close on each return's day
    spans = _Spans.of(logp, days, h)
    lv = [0.95, 0.99]
    checked = skipped = 0
    for s in range(729, logp.size - h, h):
        if not days.scored(s, h):
            skipped += 1
            continue
        past = 1.0 - np.exp(logp[h : s + 1] - logp[: s + 1 - h])
        ok = days.whole_spans(s, h)
        recent = past[-(365 - h + 1) :][ok[-(365 - h + 1) :]]
        hs_all, hs_1y = spans.baselines(s, lv)
        assert_same(hs_all, np.quantile(past[ok], lv), rtol=SAME, atol=0.0)
        assert_same(hs_1y, np.quantile(recent, lv), rtol=SAME, atol=0.0)
        checked += 1
    assert checked > 2000 // h and skipped >= 1  # the gaps did skip windows
