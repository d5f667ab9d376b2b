from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from arch import arch_model

from liqcascade import datasets
from liqcascade.errors import InputError
from liqcascade.volatility import (
    VolatilityFit,
    bars_per_day,
    bars_per_year,
    fit_volatility,
    half_life_bars,
    log_returns,
    next_variance,
)
from liqcascade.volatility._multistart import start_points
from reference.volatility_reference import garch_variance_path_py

ARCH_KW = {
    "garch": {"vol": "GARCH", "p": 1, "o": 0, "q": 1},
    "gjr": {"vol": "GARCH", "p": 1, "o": 1, "q": 1},
    "egarch": {"vol": "EGARCH", "p": 1, "o": 1, "q": 1},
}
CASES = [(m, d) for m in ("garch", "gjr", "egarch") for d in ("normal", "t", "skewt")]


@pytest.fixture(scope="module")
def fits(eth_returns_2022_2025: pd.Series) -> dict[tuple[str, str], VolatilityFit]:
    return {(m, d): fit_volatility(eth_returns_2022_2025, m, d) for m, d in CASES}


@pytest.mark.parametrize(("model", "dist"), CASES, ids=[f"{m}-{d}" for m, d in CASES])
def test_params_equal_arch_called_directly(
    model: str, dist: str, fits: dict, eth_close: pd.Series
) -> None:
    # the returns built by hand from the raw closes, independently of log_returns
    c = eth_close[(eth_close.index >= "2022-01-01") & (eth_close.index <= "2025-12-31")]
    r = 100 * np.log(c).diff().dropna()
    am = arch_model(r, mean="Constant", dist=dist, **ARCH_KW[model])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # arch's own fit from each of our starts (arch's start alone for GARCH and GJR;
        # EGARCH adds a persistence grid, volatility._multistart): the best is the golden
        ends = [am.fit(disp="off", starting_values=s) for s in start_points(am, r, model)]
    ref = max(ends, key=lambda e: float(e.loglikelihood))
    f = fits[(model, dist)]
    # never below arch's fit from its own start (EGARCH-normal: 3.5 nats above it)
    assert f.loglik >= float(ends[0].loglikelihood) - 1e-9 * abs(f.loglik)
    assert f.n_obs == len(r) == 1460
    assert list(f.params.index) == list(ref.params.index)
    # the same model on the same data: arch's likelihood at our estimates is ours
    fixed = ref.model.fix(f.params.to_numpy())
    assert f.loglik == pytest.approx(fixed.loglikelihood, rel=1e-12)
    # the same optimum: we fit with the constraints' exact Jacobians (volatility._slsqp),
    # arch differences them, so the two SLSQP paths end within the optimiser's tolerance.
    # The likelihood is what the optimiser pins down (1e-9; seen ≤ 7e-11); along the
    # likelihood's flat ridges the estimates, and more so the robust standard errors,
    # move further, and how far depends on the machine: the BLAS thread count changes
    # the paths' last bits (docs/design.md, "Thread counts and reproducibility"). Seen
    # at 1–8 BLAS threads, worst GARCH-t at one thread: params 8.8e-4, std_err 1.2e-2
    # relative, p-values 4.5e-3 absolute; the bounds below leave a factor 4 or more.
    assert f.loglik == pytest.approx(ref.loglikelihood, rel=1e-9)
    np.testing.assert_allclose(f.params.to_numpy(), ref.params.to_numpy(), rtol=5e-3, atol=1e-6)
    np.testing.assert_allclose(f.std_err.to_numpy(), ref.std_err.to_numpy(), rtol=5e-2)
    np.testing.assert_allclose(f.pvalues.to_numpy(), ref.pvalues.to_numpy(), rtol=0, atol=2e-2)
    assert f.aic == pytest.approx(ref.aic, rel=1e-9)
    assert f.bic == pytest.approx(ref.bic, rel=1e-9)
    names = {"normal": [], "t": ["nu"], "skewt": ["eta", "lambda"]}[dist]
    assert list(f.params.index)[-len(names) or None :] == names or not names


@pytest.mark.parametrize(("model", "dist"), CASES, ids=[f"{m}-{d}" for m, d in CASES])
def test_our_recursion_reproduces_arch_variance_path(model: str, dist: str, fits: dict) -> None:
    """Our news-impact / one-step formula has arch's conventions (incl. the gamma sign)."""
    f = fits[(model, dist)]
    resid = np.asarray(f.result.resid, dtype=float)
    s2 = np.asarray(f.conditional_volatility, dtype=float) ** 2
    one_step = np.array(
        [float(next_variance(f.params, model, resid[t - 1], s2[t - 1])) for t in range(1, 60)]
    )
    np.testing.assert_allclose(one_step, s2[1:60], rtol=1e-9)
    ref = garch_variance_path_py(dict(f.params), model, list(resid), float(s2[0]))
    np.testing.assert_allclose(ref, s2, rtol=1e-7)
    # and the analytic one-step forecast of arch
    fc = f.forecast(1)
    assert fc["variance"].iloc[0] == pytest.approx(
        float(next_variance(f.params, model, resid[-1], s2[-1])), rel=1e-9
    )


def test_derived_quantities_are_consistent(fits: dict) -> None:
    f = fits[("gjr", "normal")]
    p = f.params
    assert f.persistence == pytest.approx(p["alpha[1]"] + p["beta[1]"] + p["gamma[1]"] / 2)
    # p 0.990 with its 95 % interval reaching 1: the half-life and the long-run level are
    # not identified, and the attributes say so (NaN), as summary() (None) and the CLI do
    assert f.near_integrated
    assert math.isnan(f.half_life_days) and math.isnan(f.annualized_vol)
    # the formulas at the point estimate, which the attributes give when identified
    assert half_life_bars(f.persistence) == pytest.approx(math.log(0.5) / math.log(f.persistence))
    long_run = math.sqrt(f.unconditional_variance * 365)
    assert long_run == pytest.approx(math.sqrt(p["omega"] / (1 - f.persistence) * 365), rel=1e-12)
    # ETH 2022-2025 long-run vol sits in a plausible band (annual %)
    assert 40 < long_run < 120
    nic = f.news_impact()
    centre = nic.iloc[len(nic) // 2]
    assert centre["shock_pct"] == pytest.approx(0.0, abs=1e-12)
    s2 = float(np.var(f.returns.to_numpy(), ddof=1))
    assert centre["variance"] == pytest.approx(p["omega"] + p["beta[1]"] * s2)
    at_long_run = f.news_impact(sigma2=f.unconditional_variance)
    assert at_long_run["variance"].iloc[len(nic) // 2] == pytest.approx(
        p["omega"] + p["beta[1]"] * f.unconditional_variance
    )
    # gamma > 0: a fall of k sigma raises variance more than a rise of k sigma
    assert (nic["variance"].iloc[0] > nic["variance"].iloc[-1]) == (p["gamma[1]"] > 0)
    lev = f.leverage
    assert lev is not None and lev.gamma == p["gamma[1]"]
    assert fits[("garch", "t")].leverage is None


def test_diagnostics_match_arch_lm_test(fits: dict) -> None:
    f = fits[("gjr", "t")]
    a = f.result.arch_lm_test(lags=10, standardized=True)
    ours = f.diagnostics_std
    n = ours.n_obs
    # statsmodels uses (n - lags)·R², arch n·R² on the same regression
    assert ours.arch_lm_stat * n / (n - 10) == pytest.approx(float(a.stat), rel=1e-9)
    # clustering in raw squared returns is overwhelming; the model removes it
    assert f.diagnostics_raw.arch_lm_pvalue < 1e-6
    assert f.diagnostics_raw.ljung_box_pvalue < 1e-6
    assert ours.arch_lm_pvalue > 0.05


def test_forecast_converges_to_long_run(fits: dict) -> None:
    f = fits[("gjr", "normal")]
    fc = f.forecast(2000)
    assert fc["variance"].iloc[-1] == pytest.approx(f.unconditional_variance, rel=1e-3)
    e = fits[("egarch", "t")].forecast(3, seed=1)
    assert e.equals(fits[("egarch", "t")].forecast(3, seed=1))
    with pytest.raises(InputError):
        f.forecast(0)


def test_views(fits: dict) -> None:
    f = fits[("egarch", "skewt")]
    d = f.to_dict()
    for k in ("params", "std_err", "pvalues", "leverage_gamma", "persistence", "aic"):
        assert k in d
    assert set(f.to_frame().columns) == {"estimate", "std_err", "t", "pvalue", "ci_low", "ci_high"}
    assert "EGARCH" in f._repr_html_()
    fig = f.plot()
    assert len(fig.data) == 2
    assert f.summary()["n_obs"] == 1460


def test_hourly_slice_scales_to_days() -> None:
    h = datasets.load_ohlcv("ETH", "1h", start="2024-07-01", end="2024-09-30")["close"]
    r = log_returns(h)
    f = fit_volatility(r, "gjr", "t", interval="1h")
    assert f.near_integrated  # the hourly quarter's persistence interval reaches 1
    assert math.isnan(f.half_life_days) and math.isnan(f.annualized_vol)
    # the day and year scaling of the formulas (the attributes' when identified)
    assert f.interval == "1h" and bars_per_day(f.interval) == 24
    assert bars_per_year(f.interval) == pytest.approx(8760)
    # hourly per-bar variance is far below daily
    assert f.unconditional_variance < 2.0


def test_too_few_observations(eth_close: pd.Series) -> None:
    r = log_returns(eth_close, "2024-01-01", "2024-02-01")
    with pytest.raises(InputError, match="too few observations"):
        fit_volatility(r)


@pytest.mark.parametrize(("model", "dist"), [("figarch", "t"), ("gjr", "ged")])
def test_unknown_model_or_dist(eth_returns_2022_2025: pd.Series, model: str, dist: str) -> None:
    with pytest.raises(InputError, match=r"(model|dist) must be one of"):
        fit_volatility(eth_returns_2022_2025, model, dist)


def test_ljung_box_equals_statsmodels(eth_returns_2022_2025: pd.Series) -> None:
    from statsmodels.stats.diagnostic import acorr_ljungbox

    from liqcascade.volatility import clustering_test, ljung_box

    x = eth_returns_2022_2025.to_numpy()
    for lags in (1, 5, 10, 24):
        ref = acorr_ljungbox(x**2, lags=[lags], return_df=True)
        assert ljung_box(x**2, lags) == pytest.approx(float(ref["lb_stat"].iloc[0]), rel=1e-10)
        t = clustering_test(x, lags=lags)
        ref_c = acorr_ljungbox((x - x.mean()) ** 2, lags=[lags], return_df=True)
        assert t.ljung_box_pvalue == pytest.approx(float(ref_c["lb_pvalue"].iloc[0]), rel=1e-8)


def test_persistence_standard_error_is_the_delta_method_on_arch_covariance(fits: dict) -> None:
    # golden: the gradient (1, 1, 1/2) over alpha, beta, gamma against arch's own
    # robust covariance, written out by hand
    f = fits[("gjr", "normal")]
    cov = f.result.param_cov
    names = ["alpha[1]", "beta[1]", "gamma[1]"]
    w = {"alpha[1]": 1.0, "beta[1]": 1.0, "gamma[1]": 0.5}
    var = sum(w[a] * w[b] * float(cov.loc[a, b]) for a in names for b in names)
    assert f.persistence_se == pytest.approx(math.sqrt(var), rel=1e-9)
    g = fits[("garch", "t")]
    cov = g.result.param_cov
    ab = ("alpha[1]", "beta[1]")
    var = sum(float(cov.loc[a, b]) for a in ab for b in ab)
    assert g.persistence_se == pytest.approx(math.sqrt(var), rel=1e-9)
    # near-integrated exactly when the 95 % interval reaches 1
    for fit in fits.values():
        assert fit.near_integrated == (fit.persistence + 1.96 * fit.persistence_se >= 1.0)


def test_a_simulated_persistent_but_stationary_garch_is_identified() -> None:
    # a long GARCH(1,1) path with persistence 0.90: the interval must exclude 1 and the
    # half-life be finite; with persistence 0.999 the interval must reach 1
    from arch.univariate import GARCH, ConstantMean, Normal

    for alpha, beta, expected in ((0.10, 0.80, False), (0.05, 0.949, True)):
        sim = ConstantMean(None, volatility=GARCH(), distribution=Normal(seed=7))
        path = sim.simulate([0.0, 0.05, alpha, beta], 6000)["data"]
        idx = pd.date_range("2000-01-01", periods=len(path), freq="D", tz="UTC")
        fit = fit_volatility(pd.Series(path.to_numpy(), index=idx), "garch", "normal")
        assert fit.near_integrated is expected, (beta, fit.persistence, fit.persistence_se)


def test_a_fit_on_the_stationarity_bound_says_so_and_gives_no_interval(eth_close) -> None:  # type: ignore[no-untyped-def]
    """ETH's daily GJR-t to the market date sits on arch's α + β + γ/2 ≤ 1 (slack ~0)."""
    from liqcascade.volatility import fit_volatility, log_returns

    f = fit_volatility(log_returns(eth_close, end="2025-07-31"), "gjr", "t")
    p = f.params
    slack = 1 - (p["alpha[1]"] + p["beta[1]"] + 0.5 * p["gamma[1]"])
    assert abs(slack) < 1e-6  # arch's constraint binds
    assert f.at_stationarity_bound and f.near_integrated
    d = f.to_dict()
    assert d["persistence_at_bound"] is True and d["persistence_se"] is None
    # an interior fit is not at the bound and keeps its interval
    g = fit_volatility(log_returns(eth_close, "2022-01-01", "2025-12-31"), "egarch", "t")
    assert not g.at_stationarity_bound
    assert g.to_dict()["persistence_se"] == pytest.approx(g.persistence_se, rel=1e-12)


def test_the_asymmetry_ratio_and_its_delta_method_interval(eth_close) -> None:  # type: ignore[no-untyped-def]
    """GJR's (α + γ)/α, its 95 % interval from arch's robust covariance; NaN for EGARCH."""
    from liqcascade.volatility import fit_volatility, log_returns

    f = fit_volatility(log_returns(eth_close, "2022-01-01", "2025-12-31"), "gjr", "t")
    a, g = f.params["alpha[1]"], f.params["gamma[1]"]
    ratio, lo, hi = f.asymmetry
    assert ratio == pytest.approx((a + g) / a, rel=1e-12)
    cov = np.asarray(f.result.param_cov)
    i, j = list(f.params.index).index("alpha[1]"), list(f.params.index).index("gamma[1]")
    grad = np.array([-g / a**2, 1 / a])
    se = math.sqrt(grad @ cov[np.ix_([i, j], [i, j])] @ grad)
    assert (lo, hi) == pytest.approx((ratio - 1.96 * se, ratio + 1.96 * se), rel=1e-9)
    d = f.to_dict()
    assert d["asymmetry_ratio"] == pytest.approx(ratio) and d["asymmetry_ci"] == pytest.approx(
        [lo, hi]
    )
    e = fit_volatility(log_returns(eth_close, "2022-01-01", "2025-12-31"), "egarch", "t")
    assert all(math.isnan(x) for x in e.asymmetry) and e.to_dict()["asymmetry_ci"] is None
