"""The report's 5 % fall is the fragility curve's −5 % run, computed once.

``calibrated_response`` builds the headline's answer (``market_answer``) from the curve's
−5 % run instead of running the same calibrated cascade (same shock, seed, paths and
book draws) a second time. The answer must equal both that run and what
``market_answer`` computes on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade.cascade import market_answer, prepare_market, prepared_draws
from liqcascade.errors import InputError
from liqcascade.report import ReportContext
from liqcascade.report._calibrated import FALL, N_PATHS, calibrated_response

MOVES = ("move_median", "move_p10", "move_p90")


@pytest.fixture(scope="module")
def ctx() -> ReportContext:
    return ReportContext(quick=True, asset="ETH")


def _inputs(ctx: ReportContext) -> dict:
    from liqcascade.cascade._backtest import volatility_at

    state = ctx.market
    t = state.close_time
    sigma, resid = volatility_at(ctx.hourly, t)  # the hours closed by the market's time
    return {
        "asset": "ETH",
        "as_of": t,
        "shock": FALL,
        "sigma_hourly": sigma,
        "residuals": resid,
        "n_paths": N_PATHS,
        "books": prepared_draws(state),
    }


def test_answer_is_the_curves_fall_run_and_market_answers_own(ctx: ReportContext) -> None:
    c = calibrated_response(ctx.market, ctx.hourly, quick=True)
    i = int(np.flatnonzero(c.shocks == FALL)[0])
    curve = {"move_median": c.median[i], "move_p10": c.p10[i], "move_p90": c.p90[i]}
    # the same run in one process: equal to the last bit; the tolerance is RTOL (1e-12)
    for k in MOVES:
        assert_same(c.answer[k], curve[k])
    alone = market_answer(prepare_market(ctx.market), **_inputs(ctx))
    for k in (*MOVES, "liquidated_median", "carry_median", "shock_price"):
        assert_same(c.answer[k], alone[k])
    assert c.answer["static_upper_bound"] == pytest.approx(alone["static_upper_bound"], rel=1e-12)
    assert c.answer["calibration"] == alone["calibration"]


def test_a_cascade_of_another_shock_is_refused(ctx: ReportContext) -> None:
    from liqcascade.cascade import calibrated_cascade, load_liquidity

    kw = _inputs(ctx)
    pm = prepare_market(ctx.market)
    other = calibrated_cascade(
        pm, shock=-0.03, calibration=load_liquidity("ETH", kw["as_of"]),
        sigma_hourly=kw["sigma_hourly"], n_paths=8,
    )  # fmt: skip
    with pytest.raises(InputError, match="cascade: computed at"):
        market_answer(pm, **kw, cascade=other)
    assert isinstance(kw["as_of"], pd.Timestamp)


@pytest.mark.parametrize("dists", [("t",), ("normal", "t", "skewt")])
def test_compare_models_reuses_given_fits_and_gives_the_same_table(dists: tuple[str, ...]) -> None:
    from liqcascade.datasets import load_ohlcv
    from liqcascade.volatility import compare_models, fit_volatility, log_returns

    r = log_returns(load_ohlcv("ETH", "1d")["close"], "2022-01-01", "2025-07-31")
    models = ("garch", "gjr", "egarch")
    fitted = {(m, "t"): fit_volatility(r, m, "t", asset="ETH") for m in ("gjr", "egarch")}
    got = compare_models(r, models, dists, fitted=fitted)
    want = compare_models(r, models, dists)
    assert list(got.columns) == list(want.columns)
    assert list(zip(got["model"], got["dist"], strict=True)) == list(
        zip(want["model"], want["dist"], strict=True)
    )
    for c in ("n_params", "converged", "error"):
        assert got[c].tolist() == want[c].tolist()
    for c in ("loglik", "aic", "bic", "delta_aic", "delta_bic", "persistence"):
        assert_same(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-9)


def test_the_fragility_commands_report_statistic_is_the_reports_critical_shock(
    ctx: ReportContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cascade --fragility`` labels a figure "the report's statistic": it must be the
    report's critical shock on the same market (the report's grid, paths, seed and
    volatility), not the command's own 120-path curve crossing (review acceptance 9)."""
    import liqcascade.report._calibrated as rc
    from liqcascade._cli.cascade_backtest import _report_statistic
    from liqcascade.cascade import load_liquidity

    monkeypatch.setattr(rc, "N_PATHS", 120)  # cost only: both sides read it
    state = ctx.market
    want = rc.calibrated_response(state, ctx.hourly, quick=False).critical
    pm, books = prepare_market(state), prepared_draws(state)
    cal = load_liquidity("ETH", state.close_time)
    got = _report_statistic(state, pm, cal, books, -0.1)
    assert got is not None
    assert_same(got["critical_shock"], want)
    assert got["n_paths"] == 120 and got["shocks"][0] == pytest.approx(-0.01, abs=1e-12)
    assert _report_statistic(state, pm, cal, books, -0.15) is None


def test_a_shared_volatility_fit_is_a_fresh_fit_of_the_same_returns() -> None:
    """The stress and volatility sections share a daily GJR-t fit per asset and run
    (``ReportContext.volatility_fit``): the shared fit must equal one made afresh, and
    other returns must not get it."""
    from liqcascade.report._data import series
    from liqcascade.volatility import fit_volatility, log_returns

    ctx = ReportContext(quick=True, asset="ETH", assets=("ETH", "BTC"))
    close = series("ohlcv", "BTC", "1d")["close"]
    r = log_returns(close, "2017-08-17", "2025-07-31")
    got = ctx.volatility_fit(r, "gjr", "t", asset="BTC")
    # another section, another context of the run, a copy of the same returns: one fit
    again = ctx.for_asset("BTC").volatility_fit(r.copy(), "gjr", "t", asset="BTC")
    assert again is got
    fresh = fit_volatility(r, "gjr", "t", asset="BTC")
    assert got.n_obs == fresh.n_obs and got.converged == fresh.converged
    assert list(got.params.index) == list(fresh.params.index)
    assert_same(got.params.to_numpy(), fresh.params.to_numpy())
    assert_same(got.std_err.to_numpy(), fresh.std_err.to_numpy())
    assert_same(got.conditional_volatility.to_numpy(), fresh.conditional_volatility.to_numpy())
    assert got.loglik == pytest.approx(fresh.loglik, rel=1e-12)
    shorter = ctx.volatility_fit(r.iloc[:-1], "gjr", "t", asset="BTC")
    assert shorter is not got and shorter.n_obs == got.n_obs - 1
    assert ctx.volatility_fit(r, "egarch", "t", asset="BTC") is not got


def test_shared_market_books_are_the_books_computed_alone() -> None:
    """The liquidation map's and the transparency metrics' books over time are computed
    once per date and run (``ReportContext.market_books``): each equals the book of
    ``market_books`` asked alone, whatever dates were asked with it."""
    from liqcascade.market import market_books
    from liqcascade.protect import transparency_metrics

    ctx = ReportContext(quick=True, asset="BTC")
    last = ctx.last_oi_bar
    days = [last - pd.Timedelta(days=k) for k in (3, 2, 1, 0)]
    first = ctx.market_books(days[2:])
    both = ctx.market_books(days)
    assert both[2] is first[0] and both[3] is first[1]  # not computed again
    assert ctx.market_books([days[1], days[1]]) == [both[1]]  # a repeated date once
    for got, want in zip(both, market_books(days, asset="BTC"), strict=True):
        assert got.as_of == want.as_of and got.price == want.price
        for side in ("whole", "positions"):
            g, w = getattr(got, side), getattr(want, side)
            assert_same(g.size, w.size)
            assert_same(g.liq_price, w.liq_price)
        assert_same(got.stops.trigger, want.stops.trigger)
        assert_same(got.stops.size, want.stops.size)
    # the transparency metrics on the shared books: the same frame as on their own
    start = last - pd.Timedelta(days=2)
    shared = transparency_metrics(start, last, asset="BTC", books=ctx.market_books)
    alone = transparency_metrics(start, last, asset="BTC")
    pd.testing.assert_frame_equal(shared.frame, alone.frame, rtol=1e-12)
    with pytest.raises(InputError, match="books"):
        transparency_metrics(start, last, asset="BTC", books=ctx.market_books, store=False)
