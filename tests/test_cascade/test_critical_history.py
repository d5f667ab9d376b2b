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
    model_reach,
    poisson_binomial_pmf,
    poisson_binomial_pvalue,
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
        shocks=[-0.02, -0.05, -0.09], reach=[0.2, 0.5, 0.9],
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
        span=(hourly.index[0], hourly.index[-1]),
    )  # fmt: skip
    assert (chk.n, chk.k) == (244, 154)
    assert chk.model_share == pytest.approx(0.6389, abs=1e-4)
    assert chk.p_value == pytest.approx(0.836, abs=1e-3)
    assert chk.verdict == "consistent"
    assert chk.pooled_p_value == pytest.approx(5.02e-5, rel=1e-2)  # what the old test read
    d = chk.to_dict()
    assert d["history_start"][:10] == "2017-08-17" and d["history_end"][:10] == "2025-07-31"


# ------------------------------------------------------------------------ verdicts


def _check(k: int, n: int, p: float) -> object:
    totals = [-0.12] * k + [-0.07] * (n - k)
    return critical_history_check([-0.06] * n, totals, critical=-0.06, shocks=[-0.06],
                                  reach=[p])  # fmt: skip


def test_verdicts_and_their_direction() -> None:
    more, less = _check(154, 244, 0.5), _check(60, 200, 0.5)
    assert (more.verdict, more.direction) == ("contradicts", "more")  # type: ignore[attr-defined]
    assert (less.verdict, less.direction) == ("contradicts", "less")  # type: ignore[attr-defined]
    assert _check(154, 244, 0.63).verdict == "consistent"  # type: ignore[attr-defined]
    assert _check(3, 4, 0.5).verdict == "too few falls"  # type: ignore[attr-defined]
    # falls the model makes certain (10 % or deeper) add nothing testable ...
    few = critical_history_check([-0.06] * 4 + [-0.12] * 20, [-0.12] * 3 + [-0.07] + [-0.13] * 20,
                                 critical=-0.06, shocks=[-0.06], reach=[0.5])  # fmt: skip
    assert few.verdict == "too few falls" and few.min_p_value == pytest.approx(0.125)
    # ... but a count the model makes impossible contradicts it however few the falls
    never = critical_history_check([-0.06], [-0.12], critical=-0.06, shocks=[-0.06], reach=[0.0])
    assert (never.verdict, never.direction, never.p_value) == ("contradicts", "more", 0.0)
    none = _check(0, 0, 0.5)
    assert none.verdict is None and none.p_value is None  # type: ignore[attr-defined]
    assert math.isnan(none.history_share)  # type: ignore[attr-defined]


def test_reached_and_bad_input() -> None:
    # a first fall of exactly −10 % whose path goes no lower has reached it
    assert reached([-0.09999999999999998, -0.0999, -0.2], -0.10).tolist() == [True, False, True]
    with pytest.raises(InputError, match="total_move must be a fall"):
        reached([0.1], 0.1)
    with pytest.raises(InputError, match="reach must be shares"):
        model_reach([-0.05], [-0.05], [1.5])
    with pytest.raises(InputError, match="alpha must be in"):
        critical_history_check([], [], critical=-0.05, shocks=[-0.05], reach=[0.5], alpha=1.0)


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
    a = critical_history_check(falls, totals, critical=shocks[0], shocks=shocks, reach=reach)
    b = critical_history_check(falls, totals, critical=shocks[0], shocks=shocks, reach=reach)
    assert a == b  # deterministic
    assert a.expected == pytest.approx(a.k, abs=1e-9)
    assert a.verdict in ("consistent", "too few falls")
    assert a.p_value is not None and a.p_value >= a.alpha


def test_the_check_pickles_and_writes_json() -> None:
    import json
    import pickle

    chk = critical_history_check(
        [-0.06, -0.07], [-0.12, -0.08], critical=-0.06, shocks=[-0.06, -0.07],
        reach=[0.5, 0.6], span=(pd.Timestamp("2020-01-01", tz="UTC"),
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
                               reach=[0.5, 0.6])  # fmt: skip
    assert e.value.param == param
