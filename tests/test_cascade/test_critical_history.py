"""The critical shock's history check: history's falls against the model at the same depths.

A reference (plain-Python Poisson-binomial law and interpolation against the library on
random cases), golden cases (a hand-computed law; ETH's falls to 2025-07-31 with the
report's curve of that date) and a property (a model whose chance equals history's
frequency at every depth is never contradicted).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.cascade import critical_history_check, reached
from liqcascade.cascade._critical_history import (
    curve_draws,
    model_reach,
    poisson_binomial_pmf,
    poisson_binomial_pvalue,
    predictive_pmf,
)
from liqcascade.errors import InputError
from profiles import examples

# ----------------------------------------------------------------- plain-Python twins


def _pmf_py(p: list[float]) -> list[float]:
    """Poisson-binomial law by enumerating every outcome of the trials."""
    out = [0.0] * (len(p) + 1)
    for hits in itertools.product((0, 1), repeat=len(p)):
        w = 1.0
        for h, q in zip(hits, p, strict=True):
            w *= q if h else 1.0 - q
        out[sum(hits)] += w
    return out


def _pvalue_py(k: int, p: list[float]) -> float:
    """Two-sided: every count at most as likely as k (scipy binomtest's 1e-7 slack)."""
    pmf = _pmf_py(p)
    return min(1.0, sum(x for x in pmf if x <= pmf[k] * (1 + 1e-7)))


def _reach_py(fall: float, shocks: list[float], reach: list[float]) -> float:
    """Linear between the curve's first falls, held at its ends; 1 at −10 % or deeper."""
    if fall <= -0.10 + 1e-9:
        return 1.0
    pts = sorted(zip((-s for s in shocks), reach, strict=True))
    d = -fall
    if d <= pts[0][0]:
        return pts[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if x0 <= d <= x1:
            return y0 + (y1 - y0) * (d - x0) / (x1 - x0)
    return pts[-1][1]


@pytest.mark.parametrize("seed", range(6))
def test_poisson_binomial_equals_the_enumerated_law(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 11))
    p = rng.uniform(0.0, 1.0, n).tolist()
    if seed % 2:  # certain and impossible trials among them
        p[0], p[-1] = 1.0, 0.0
    assert_same(poisson_binomial_pmf(p), _pmf_py(p), rtol=1e-10, atol=1e-14)
    for k in range(n + 1):
        assert_same(poisson_binomial_pvalue(k, p), _pvalue_py(k, p), rtol=1e-9, atol=1e-12)


def test_one_half_everywhere_is_the_exact_binomial_test() -> None:
    from scipy.stats import binomtest

    for k, n in ((154, 244), (15, 23), (0, 7), (12, 24)):
        assert_same(poisson_binomial_pvalue(k, [0.5] * n), binomtest(k, n, 0.5).pvalue, rtol=1e-9)


def test_the_law_matches_scipy_where_scipy_has_it() -> None:
    import scipy.stats

    if not hasattr(scipy.stats, "poisson_binom"):  # scipy >= 1.15
        pytest.skip("scipy.stats.poisson_binom needs scipy 1.15")
    p = np.random.default_rng(7).uniform(0.0, 1.0, 300)
    want = scipy.stats.poisson_binom(p).pmf(np.arange(301))
    assert_same(poisson_binomial_pmf(p), want, rtol=1e-8, atol=1e-15)


@pytest.mark.parametrize("seed", range(4))
def test_model_reach_equals_its_twin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shocks = [-0.01 * i for i in range(1, 11)]
    reach = np.sort(rng.uniform(0.0, 1.0, 10)).tolist()
    falls = rng.uniform(-0.14, -0.002, 50)
    got = model_reach(falls, shocks, reach)
    assert_same(got, [_reach_py(float(f), shocks, reach) for f in falls], rtol=1e-12)


# -------------------------------------------------------------------------- golden


def test_golden_three_falls() -> None:
    # chances 0.2, 0.5, 0.9: P(0..3) = 0.04, 0.41, 0.46, 0.09 (by hand)
    assert_same(poisson_binomial_pmf([0.2, 0.5, 0.9]), [0.04, 0.41, 0.46, 0.09], atol=1e-15)
    assert_same(poisson_binomial_pvalue(3, [0.2, 0.5, 0.9]), 0.13, atol=1e-15)  # 0.09 + 0.04
    assert_same(poisson_binomial_pvalue(0, [0.2, 0.5, 0.9]), 0.04, atol=1e-15)
    # three falls on the grid's points, all three reached −10 %: expected 1.6
    chk = critical_history_check(
        [-0.02, -0.05, -0.09], [-0.11, -0.12, -0.13], critical=-0.02,
        shocks=[-0.02, -0.05, -0.09], reach=[0.2, 0.5, 0.9], n_paths=None,
    )  # fmt: skip
    assert (chk.n, chk.k, chk.direction) == (3, 3, "more")
    assert_same([chk.expected, chk.model_share, chk.p_value], [1.6, 1.6 / 3, 0.13], atol=1e-12)
    assert_same(chk.sd, math.sqrt(0.16 + 0.25 + 0.09))
    # the least likely count (0) gives p = 0.04 < 5 %: three falls can be tested
    assert_same(chk.min_p_value, 0.04, atol=1e-15)
    assert chk.verdict == "consistent"


def test_golden_eth_falls_to_the_market_date() -> None:
    """ETH, 2025-07-31: the 244 real falls of 5.4 % or more and the report's curve.

    The curve is the report's full run of that market (400 paths requested, 360 pooled,
    seed 0): of its 360 paths after first falls of 1 … 10 %, these reached −10 %. Pooled
    against one half the falls gave 63.1 %, p < 0.001 ("contradicts"); at the same depths
    the model expects 63.9 %: consistent (the auditor's finding F1, session 27).
    """
    from liqcascade.cascade import follow_through
    from liqcascade.report._cut import bars

    hourly = bars("ETH", "1h", "2025-07-31")
    hc = follow_through(hourly, drop=-0.05395280235988204)
    shocks = [-0.01 * i for i in range(1, 11)]
    reach = [x / 360 for x in (11, 30, 67, 129, 164, 210, 244, 273, 309, 360)]
    chk = critical_history_check(
        hc.events["fall"], hc.events["total"], critical=hc.drop, shocks=shocks, reach=reach,
        n_paths=360, span=(hourly.index[0], hourly.index[-1]),
    )  # fmt: skip
    assert (chk.n, chk.k) == (244, 154)
    assert chk.model_share == pytest.approx(0.6389, abs=1e-4)
    # the chances taken as known: 0.836; with the curve's 360-path error: 0.82 (its
    # Monte Carlo error ~0.001), the count's sd 7.24 -> 8.89 (exact formula)
    assert chk.known_p_value == pytest.approx(0.836, abs=1e-3)
    assert chk.p_value == pytest.approx(0.822, abs=5e-3)
    assert chk.p_value_mc_se is not None and chk.p_value_mc_se < 0.005
    assert chk.sd == pytest.approx(8.891, abs=1e-3)
    assert chk.verdict == "consistent"
    assert chk.pooled_p_value == pytest.approx(5.02e-5, rel=1e-2)  # what the old test read
    d = chk.to_dict()
    assert d["history_start"][:10] == "2017-08-17" and d["history_end"][:10] == "2025-07-31"


# ------------------------------------------------------------------------ verdicts


def _check(k: int, n: int, p: float) -> object:
    totals = [-0.12] * k + [-0.07] * (n - k)
    return critical_history_check([-0.06] * n, totals, critical=-0.06, shocks=[-0.06],
                                  reach=[p], n_paths=None)  # fmt: skip


def test_verdicts_and_their_direction() -> None:
    more, less = _check(154, 244, 0.5), _check(60, 200, 0.5)
    assert (more.verdict, more.direction) == ("contradicts", "more")  # type: ignore[attr-defined]
    assert (less.verdict, less.direction) == ("contradicts", "less")  # type: ignore[attr-defined]
    assert _check(154, 244, 0.63).verdict == "consistent"  # type: ignore[attr-defined]
    assert _check(3, 4, 0.5).verdict == "too few falls"  # type: ignore[attr-defined]
    # falls the model makes certain (10 % or deeper) add nothing testable ...
    few = critical_history_check([-0.06] * 4 + [-0.12] * 20, [-0.12] * 3 + [-0.07] + [-0.13] * 20,
                                 critical=-0.06, shocks=[-0.06], reach=[0.5],
                                 n_paths=None)  # fmt: skip
    assert few.verdict == "too few falls" and few.min_p_value == pytest.approx(0.125)
    # ... but a count the model makes impossible contradicts it however few the falls
    never = critical_history_check([-0.06], [-0.12], critical=-0.06, shocks=[-0.06], reach=[0.0],
                                   n_paths=None)  # fmt: skip
    assert (never.verdict, never.direction, never.p_value) == ("contradicts", "more", 0.0)
    none = _check(0, 0, 0.5)
    assert none.verdict is None and none.p_value is None  # type: ignore[attr-defined]
    assert math.isnan(none.history_share)  # type: ignore[attr-defined]


def test_reached_and_bad_input() -> None:
    # a first fall of exactly −10 % whose path goes no lower has reached it
    assert reached([-0.09999999999999998, -0.0999, -0.2], -0.10).tolist() == [True, False, True]
    with pytest.raises(InputError, match="total_move must be a fall"):
        reached([0.1], 0.1)
    with pytest.raises(InputError, match=r"reach\[0\] must be a share in \[0, 1\]"):
        model_reach([-0.05], [-0.05], [1.5])
    with pytest.raises(InputError, match="alpha must be in"):
        critical_history_check([], [], critical=-0.05, shocks=[-0.05], reach=[0.5], n_paths=360,
                               alpha=1.0)  # fmt: skip


# ------------------------------------------------------------------------ property


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 40), st.integers(0, 40)), min_size=1, max_size=6).map(
        lambda xs: [(n, min(k, n)) for n, k in xs]
    )
)
def test_a_model_at_history_s_frequency_at_every_depth_is_never_contradicted(
    bands: list[tuple[int, int]],
) -> None:
    """Falls on the curve's points; the model's chance there = history's frequency."""
    shocks = [-0.01 * (i + 1) for i in range(len(bands))]
    falls: list[float] = []
    totals: list[float] = []
    for s, (n, k) in zip(shocks, bands, strict=True):
        falls += [s] * n
        totals += [-0.12] * k + [s] * (n - k)
    reach = [k / n for n, k in bands]
    a = critical_history_check(falls, totals, critical=shocks[0], shocks=shocks, reach=reach,
                               n_paths=None)  # fmt: skip
    b = critical_history_check(falls, totals, critical=shocks[0], shocks=shocks, reach=reach,
                               n_paths=None)  # fmt: skip
    assert a == b  # deterministic
    assert a.expected == pytest.approx(a.k, abs=1e-9)
    assert a.verdict in ("consistent", "too few falls")
    assert a.p_value is not None and a.p_value >= a.alpha


def test_the_check_pickles_and_writes_json() -> None:
    import json
    import pickle

    chk = critical_history_check(
        [-0.06, -0.07], [-0.12, -0.08], critical=-0.06, shocks=[-0.06, -0.07],
        reach=[0.5, 0.6], n_paths=360, span=(pd.Timestamp("2020-01-01", tz="UTC"),
                                pd.Timestamp("2020-02-01", tz="UTC")),
    )  # fmt: skip
    back = pickle.loads(pickle.dumps(chk))
    assert json.dumps(back.to_dict(), allow_nan=False) == json.dumps(chk.to_dict())


@pytest.mark.parametrize(
    ("falls", "totals", "param"),
    [
        ([-0.06, float("nan"), -0.07], [-0.12, -0.08, -0.08], "falls"),  # was a ValueError
        ([-0.06, -0.07], [-0.12, float("nan")], "totals"),  # was counted as not reached
        ([-0.06, -0.07], [-0.12, -math.inf], "totals"),
    ],
    ids=["nan-fall", "nan-total", "inf-total"],
)
def test_a_fall_or_total_that_is_not_a_number_is_refused_naming_it(
    falls: list[float], totals: list[float], param: str
) -> None:
    with pytest.raises(InputError, match=rf"^{param}\[\d\] must be finite") as e:
        critical_history_check(falls, totals, critical=-0.06, shocks=[-0.06, -0.08],
                               reach=[0.5, 0.6], n_paths=360)  # fmt: skip
    assert e.value.param == param


# ------------------------------------------- the curve's Monte Carlo error (n_paths)


def _mixture_py(falls: list[float], shocks: list[float], curves: list[list[float]]) -> list[float]:
    """The count's law averaged over the curve's draws, each by enumeration (plain Python)."""
    out = [0.0] * (len(falls) + 1)
    for curve in curves:
        pmf = _pmf_py([_reach_py(f, shocks, curve) for f in falls])
        out = [a + b / len(curves) for a, b in zip(out, pmf, strict=True)]
    return out


def _compositions(n: int, bins: int) -> list[tuple[int, ...]]:
    """Every way to put n paths into ``bins`` ordered bins."""
    if bins == 1:
        return [(n,)]
    return [(i, *rest) for i in range(n + 1) for rest in _compositions(n - i, bins - 1)]


def _exact_mixture_py(
    falls: list[float], shocks: list[float], reach: list[float], n_paths: int
) -> list[float]:
    """The count's law over the curve's exact multinomial law (every draw enumerated)."""
    gaps = [b - a for a, b in itertools.pairwise([0.0, *reach, 1.0])]
    out = [0.0] * (len(falls) + 1)
    for counts in _compositions(n_paths, len(gaps)):
        w = math.factorial(n_paths)
        for c, g in zip(counts, gaps, strict=True):
            w = w / math.factorial(c) * g**c
        if w == 0.0:
            continue
        curve = list(itertools.accumulate(c / n_paths for c in counts[:-1]))
        pmf = _pmf_py([_reach_py(f, shocks, curve) for f in falls])
        out = [a + w * b for a, b in zip(out, pmf, strict=True)]
    return out


@st.composite
def _small_cases(draw: st.DrawFn) -> tuple[list[float], list[float], list[float], list[float], int]:
    """Falls within a curve of 1-3 points run on 1-6 shared paths; totals either side of -10 %."""
    n_paths = draw(st.integers(1, 6))
    n_pts = draw(st.integers(1, 3))
    shocks = [-0.03 - 0.02 * i for i in range(n_pts)]
    reach = sorted(draw(st.lists(st.integers(0, n_paths), min_size=n_pts, max_size=n_pts)))
    falls = draw(st.lists(st.floats(-0.12, shocks[0]), min_size=1, max_size=5))
    totals = [-0.11 if draw(st.booleans()) else max(f, -0.095) for f in falls]
    return falls, totals, shocks, [r / n_paths for r in reach], n_paths


@settings(max_examples=examples(60), deadline=None)
@given(_small_cases())
def test_the_p_value_over_the_curve_s_draws_equals_its_plain_python_twin(
    case: tuple[list[float], list[float], list[float], list[float], int],
) -> None:
    """The same draws of the curve: the vectorised law and p-value against enumeration."""
    falls, totals, shocks, reach, n_paths = case
    curves = curve_draws(reach, n_paths, draws=40, seed=3).tolist()
    want = _mixture_py(falls, shocks, curves)
    got = predictive_pmf(falls, shocks, reach, n_paths=n_paths, draws=40, seed=3)
    assert_same(got, want, rtol=1e-9, atol=1e-14)
    chk = critical_history_check(falls, totals, critical=shocks[0], shocks=shocks, reach=reach,
                                 n_paths=n_paths, draws=40, seed=3)  # fmt: skip
    k = sum(t <= -0.10 for t in totals)
    assert chk.k == k
    assert chk.p_value is not None and 0.0 <= chk.p_value <= 1.0
    assert_same(chk.p_value, _pvalue_of_py(k, want), rtol=1e-9, atol=1e-12)
    # the exact law (every draw of the curve enumerated) is what the draws estimate
    exact = _exact_mixture_py(falls, shocks, reach, n_paths)
    assert_same(sum(exact), 1.0, rtol=1e-9)
    many = predictive_pmf(falls, shocks, reach, n_paths=n_paths, draws=20_000, seed=3)
    assert_same(many, exact, atol=0.02)  # 20,000 draws: a few standard errors


def _pvalue_of_py(k: int, pmf: list[float]) -> float:
    return min(1.0, sum(x for x in pmf if x <= pmf[k] * (1 + 1e-7)))


def test_curve_draws_are_binomial_per_point_and_move_together() -> None:
    reach, n = [0.1, 0.4, 0.75], 50
    d = curve_draws(reach, n, draws=40_000, seed=1)
    assert_same(d.mean(axis=0), reach, atol=0.003)
    var = np.array(reach) * (1 - np.array(reach)) / n  # Binomial(n, reach) / n
    assert_same(d.var(axis=0), var, rtol=0.03)
    # shared paths: the empirical distribution's covariance, reach_j (1 - reach_l) / n
    assert_same(np.cov(d[:, 0], d[:, 2])[0, 1], 0.1 * 0.25 / n, rtol=0.05)
    assert np.all(np.diff(d, axis=1) >= 0.0)  # a deeper fall never reaches less often


def test_golden_two_falls_on_a_two_path_curve() -> None:
    """By hand: one point, 1 of 2 paths reached -10 %; two falls at that point.

    The curve's chance is 0, 1/2 or 1 with probabilities 1/4, 1/2, 1/4 (Binomial(2, 1/2)
    / 2), both falls sharing it: P(0 reached) = 1/4 + 1/2 · 1/4 = 3/8, P(1) = 1/2 · 1/2 =
    1/4, P(2) = 3/8. One of two reached: p = P(1) = 1/4 (the count least likely of all,
    though the chances taken as known, one half each, gave p = 1).
    """
    law = predictive_pmf([-0.06, -0.06], [-0.06], [0.5], n_paths=2, draws=200_000, seed=0)
    assert_same(law, [0.375, 0.25, 0.375], atol=0.003)
    chk = critical_history_check([-0.06, -0.06], [-0.12, -0.07], critical=-0.06,
                                 shocks=[-0.06], reach=[0.5], n_paths=2, draws=200_000)  # fmt: skip
    assert chk.known_p_value == pytest.approx(1.0)
    assert chk.p_value == pytest.approx(0.25, abs=0.003)
    assert chk.sd == pytest.approx(math.sqrt(0.75))  # E[2p(1-p)] = 1/4, Var(2p) = 1/2


def test_golden_against_scipy_on_a_two_point_curve() -> None:
    """scipy's multinomial and binomial laws, summed by hand, on three falls."""
    from scipy.stats import binom, multinomial

    shocks, reach, n_paths = [-0.05, -0.08], [0.25, 0.5], 4
    falls = [-0.05, -0.065, -0.08]  # on the first point, midway, on the second
    law = np.zeros(4)
    for a in range(n_paths + 1):
        for b in range(n_paths + 1 - a):
            w = multinomial(n_paths, [0.25, 0.25, 0.5]).pmf([a, b, n_paths - a - b])
            p1, p2 = a / n_paths, (a + b) / n_paths
            pmf = np.convolve(binom(1, p1).pmf([0, 1]), binom(1, (p1 + p2) / 2).pmf([0, 1]))
            law += w * np.convolve(pmf, binom(1, p2).pmf([0, 1]))
    got = predictive_pmf(falls, shocks, reach, n_paths=n_paths, draws=100_000, seed=0)
    assert_same(got, law, atol=0.004)  # 0.3066, 0.3535, 0.2480, 0.0918
    k = 3  # all three reached: p = 0.092 (the chances 1/4, 3/8, 1/2 taken as known: 0.047)
    chk = critical_history_check(falls, [-0.11] * 3, critical=-0.05, shocks=shocks, reach=reach,
                                 n_paths=n_paths, draws=100_000)  # fmt: skip
    want = law[law <= law[k] * (1 + 1e-7)].sum()
    assert want == pytest.approx(0.091796875, abs=1e-12)
    assert chk.p_value == pytest.approx(want, abs=0.005)
    assert chk.known_p_value == pytest.approx(0.046875, abs=1e-12)
    # the exact variance: the mixture's own
    j = np.arange(4)
    assert chk.sd == pytest.approx(math.sqrt((law * (j - law @ j) ** 2).sum()), rel=1e-9)


@pytest.mark.parametrize("k", [2, 8, 17])
def test_more_paths_move_the_p_value_to_the_known_chances_one(k: int) -> None:
    """20 falls across a curve; as the paths grow the curve's error vanishes."""
    shocks, reach = [-0.05, -0.07, -0.09], [0.3, 0.5, 0.8]
    falls = list(np.linspace(-0.05, -0.095, 20))
    totals = [-0.11] * k + [-0.06] * (20 - k)

    def chk(n: int | None) -> object:
        return critical_history_check(falls, totals, critical=-0.05, shocks=shocks,
                                      reach=reach, n_paths=n)  # fmt: skip

    known = chk(None).p_value  # type: ignore[attr-defined]
    gaps = [abs(chk(n).p_value - known) for n in (10, 100, 1000, 100_000)]  # type: ignore[attr-defined]
    assert gaps[-1] < 0.005
    assert all(b <= a + 0.005 for a, b in itertools.pairwise(gaps))
    if k != 8:  # far from the expected count (11.1): the curve's error raises p
        assert chk(10).p_value > 2 * known + 1e-3  # type: ignore[attr-defined]


def test_the_check_is_deterministic_for_a_seed() -> None:
    shocks, reach = [-0.05, -0.07, -0.09], [0.3, 0.5, 0.8]
    falls, totals = [-0.05, -0.06, -0.08, -0.09] * 5, [-0.11, -0.06] * 10

    def chk(seed: int) -> object:
        return critical_history_check(falls, totals, critical=-0.05, shocks=shocks,
                                      reach=reach, n_paths=60, seed=seed)  # fmt: skip

    a, b, c = chk(0), chk(0), chk(1)
    assert a == b
    assert a.p_value != c.p_value  # type: ignore[attr-defined]
    assert a.p_value == pytest.approx(c.p_value, abs=0.03)  # type: ignore[attr-defined]
    assert a.to_dict()["seed"] == 0 and a.to_dict()["n_paths"] == 60  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kwargs", "param", "words"),
    [
        ({"falls": [-0.06, -0.04]}, "falls", r"falls\[1\] = -0.04 is shallower than the critical"),
        ({"falls": [-0.06, float("nan")]}, "falls", r"falls\[1\] must be finite"),
        ({"totals": [-0.12]}, "totals", r"falls and totals must be 1-d and the same length"),
        ({"reach": [0.5, 1.2]}, "reach", r"reach\[1\] must be a share in \[0, 1\]"),
        ({"reach": [0.5, -0.1]}, "reach", r"reach\[1\] must be a share in \[0, 1\]"),
        ({"reach": [0.5, float("nan")]}, "reach", r"reach\[1\] must be a share in \[0, 1\]"),
        ({"reach": [0.5]}, "reach", r"shocks and reach must be 1-d, non-empty and the same"),
        ({"reach": [0.6, 0.5]}, "reach", r"reach must not fall as the first fall deepens"),
        ({"shocks": [-0.08, -0.05]}, "shocks", r"shocks must run from the shallowest .*"
         r"\(shocks\[1\] = -0.05 after -0.08\)"),
        ({"shocks": [-0.05, -0.05]}, "shocks", r"shocks must run from the shallowest"),
        ({"critical": 0.05}, "critical", r"critical must be"),
        ({"critical": float("nan")}, "critical", r"critical must be"),
        ({"n_paths": 0}, "n_paths", r"n_paths must be"),
        ({"draws": 1}, "draws", r"draws must be"),
        ({"seed": -1}, "seed", r"seed"),
    ],
    ids=["shallow-fall", "nan-fall", "lengths", "reach-above-1", "reach-below-0", "reach-nan",
         "reach-length", "reach-falls-with-depth", "shocks-unsorted", "shocks-repeated",
         "critical-a-rise", "critical-nan", "no-paths", "one-draw", "seed"],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_argument(
    kwargs: dict[str, object], param: str, words: str
) -> None:
    args: dict[str, object] = {"falls": [-0.06, -0.08], "totals": [-0.12, -0.07],
                               "critical": -0.05, "shocks": [-0.05, -0.08],
                               "reach": [0.5, 0.7], "n_paths": 360} | kwargs  # fmt: skip
    with pytest.raises(InputError, match=words) as e:
        critical_history_check(**args)  # type: ignore[arg-type]
    assert e.value.param == param


def test_a_curve_that_dips_is_read_with_known_chances_only() -> None:
    # the chances taken as known need no shared paths: a dipping curve is read as given
    chk = critical_history_check([-0.06, -0.08], [-0.12, -0.07], critical=-0.05,
                                 shocks=[-0.05, -0.08], reach=[0.6, 0.5], n_paths=None)  # fmt: skip
    assert chk.p_value == chk.known_p_value and chk.n_paths is None and chk.curve_draws == 0
    assert chk.to_dict()["test"].endswith("the curve's chances taken as known")
