"""The out-of-sample score of the variance models (``liqcascade vol``'s ``oos`` block)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.volatility import (
    VolatilityOOS,
    ewma_variance,
    log_returns,
    qlike,
    trailing_variance,
    volatility_oos,
)
from liqcascade.volatility._oos import dm_lag, model_forecasts, oos_window, refit_days
from profiles import examples
from reference.vol_oos_reference import ewma_py, qlike_py, trailing_py

returns_lists = st.lists(
    st.floats(-30.0, 30.0, allow_nan=False, allow_infinity=False), min_size=1, max_size=80
)


@pytest.mark.parametrize("seed", range(5))
def test_qlike_ewma_and_trailing_equal_their_plain_python_twins(seed: int) -> None:
    rng = np.random.default_rng(seed)
    r = rng.standard_t(3, size=200) * 3.0
    h = rng.uniform(0.5, 40.0, size=200)
    assert qlike(r**2, h) == pytest.approx(qlike_py(list(r**2), list(h)), rel=1e-12)
    assert ewma_variance(r) == pytest.approx(ewma_py(list(r)), rel=1e-12)
    assert trailing_variance(r) == pytest.approx(trailing_py(list(r)), rel=1e-12, nan_ok=True)


@settings(max_examples=examples(60), deadline=None)
@given(returns_lists, st.floats(0.1, 50.0))
def test_qlike_is_lowest_at_the_proxy_and_baselines_see_only_the_past(
    r: list[float], scale: float
) -> None:
    x = np.asarray(r)
    p = x**2 + 0.01
    # QLIKE's expected-loss minimiser is the variance itself: h = proxy beats h = proxy × k
    for k in (0.5, 0.9, 1.1, 2.0):
        assert np.all(qlike(p, p) <= qlike(p, p * k) + 1e-12)
    # a common scale moves every forecast's loss by ln(scale): rankings do not change
    assert qlike(p * scale, p * scale * 1.3) - qlike(p, p * 1.3) == pytest.approx(
        np.full(p.size, math.log(scale)), abs=1e-9
    )
    # the forecast of return t never reads return t or later
    h = ewma_variance(x)
    changed = x.copy()
    changed[-1] = changed[-1] * 3.0 + 7.0
    hc = ewma_variance(changed)
    if x.size > 30:
        assert hc == pytest.approx(h, rel=1e-12)
    assert np.all(h >= 0)
    t = trailing_variance(x)
    assert trailing_variance(changed)[:] == pytest.approx(t, rel=1e-12, nan_ok=True)


def test_the_window_is_the_two_years_to_the_last_return_refitted_each_quarter() -> None:
    idx = pd.date_range("2019-01-01", "2025-07-31", freq="D", tz="UTC")
    start, end = oos_window(idx)
    assert (start, end) == (pd.Timestamp("2023-08-01", tz="UTC"), idx[-1])
    days = refit_days(start, end)
    assert [d.strftime("%Y-%m-%d") for d in days] == [
        "2023-08-01", "2023-10-01", "2024-01-01", "2024-04-01", "2024-07-01",
        "2024-10-01", "2025-01-01", "2025-04-01", "2025-07-01",
    ]  # fmt: skip
    assert dm_lag(731) == 6


def test_a_forecast_uses_only_the_returns_before_its_day() -> None:
    """Changing the returns from a day on leaves every forecast up to that day unchanged."""
    rng = np.random.default_rng(7)
    idx = pd.date_range("2020-01-01", periods=900, freq="D", tz="UTC")
    r = pd.Series(rng.standard_t(4, size=900) * 2.5, index=idx)
    refits = refit_days(*oos_window(idx))
    base, _ = model_forecasts(r, "gjr", "t", refits)
    cut = pd.Timestamp("2022-03-15", tz="UTC")  # inside the test window, mid-quarter
    r2 = r.copy()
    r2[r2.index >= cut] *= 5.0
    other, _ = model_forecasts(r2, "gjr", "t", refits)
    upto = base.index <= cut  # day `cut`'s forecast is made the day before
    assert other[upto].to_numpy() == pytest.approx(base[upto].to_numpy(), rel=1e-9)
    assert not np.allclose(other[~upto].to_numpy(), base[~upto].to_numpy())


def test_too_short_a_series_has_no_score_and_says_why() -> None:
    idx = pd.date_range("2024-01-01", periods=400, freq="D", tz="UTC")
    r = pd.Series(np.random.default_rng(1).normal(size=400), index=idx)
    said = volatility_oos(r)
    assert isinstance(said, str) and "500" in said


def test_bundled_eth_scores_every_model_and_both_baselines() -> None:
    from liqcascade.volatility import load_close, realized_volatility

    r = log_returns(load_close("ETH"), end="2025-07-31")
    rv = realized_volatility(load_close("ETH", "1h"), annualize=False) ** 2
    o = volatility_oos(r, realized_var=rv)
    assert isinstance(o, VolatilityOOS)
    assert (o.start, o.end, o.refits) == ("2023-08-01", "2025-07-31", 9)
    sq, real = o.scores
    assert sq.n == 731 and 700 <= real.n <= 731
    for s in o.scores:
        assert set(s.qlike) == {"garch", "gjr", "egarch", "ewma", "trailing_30d"}
        assert s.best_baseline == min(("ewma", "trailing_30d"), key=s.qlike.__getitem__)
        for m, p in s.dm_pvalue.items():
            assert 0.0 <= p <= 1.0
            assert s.verdict[m] == ("ties" if p >= 0.05 else s.verdict[m])
    # the mean QLIKE is the mean of the per-day losses (hand check for EWMA, r² proxy)
    f = o.forecasts
    day = r[r.index >= "2023-08-01"] ** 2
    assert sq.qlike["ewma"] == pytest.approx(float(np.mean(day / f["ewma"] + np.log(f["ewma"]))))
    d = o.to_dict()
    assert d["available"] and d["dm_lag"] == 6 and len(d["scores"]) == 2
