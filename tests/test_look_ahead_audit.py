"""The look-ahead audit: change the data after a cut; nothing predicted before it may move.

"Calibrated on data before its window, tested after it" is checked elsewhere by the
dates the code writes down (fit windows, ``as_of`` fields). This file checks it the
way that cannot be fooled by those dates: every out-of-sample figure is computed on the
bundled data and on the same data with everything after a cut changed
(``tests/futures.py``: prices times a random walk, every other amount scaled and
shuffled), and the figures for windows or events that end by the cut must be the same
(``tests/floats.py``'s tolerance), while some figure after the cut must differ (so each
check can fail). The cuts are month starts inside the bundle's derivatives period
(2024-11 -> 2025-07), where every series the models read exists.

Audited: the market at a date (``estimated_market``) and the stress Monte Carlo on it
(``stress``), the position book's monthly
expanding-window back-test (``liqmap backtest``, ETH and BTC, with its bands), the
liquidity response's event back-test (``cascade backtest``, ETH and BTC), the VaR
back-test (``stress``), the support detection the study and the stop back-test enter
on, the stop back-test (``protect``: its entries, stops and fills), the collateral own
book's fit (``collateral``), and the shipped calibrations' windows against the months
they predict. docs/validation.md, "The look-ahead audit".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from floats import assert_same, same_value
from futures import perturb_after, shared_perturbed_store
from liqcascade.data import load_series

CUT = pd.Timestamp("2025-05-01", tz="UTC")
"""Bars opening at or after it are changed in the perturbed store."""

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def future(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled ETH and BTC series, changed from :data:`CUT` on (one
    file for this module and its twin, ``futures.shared_perturbed_store``)."""
    return shared_perturbed_store(tmp_path_factory, CUT)


def _changed(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two float arrays differ beyond the tolerance anywhere.

    1e-9 relative and absolute: a perturbation moves what reads it by a percent or more
    (prices by a 3 % random walk, amounts by factors in [0.5, 2]), and the same inputs
    give the same figure within ``tests/floats.py``'s 1e-12.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return a.shape != b.shape or not np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True)


def _same_rows(x: pd.DataFrame, y: pd.DataFrame, cols: list[str] | None = None) -> None:
    """Two frames hold the same rows: floats within tolerance, everything else equal.

    Float columns, and the floats of an object column (numbers beside None or text),
    within ``tests/floats.py``'s tolerance (1e-12 relative, 1e-9 absolute: the same
    computation on the same inputs); strings, flags, integers and times exactly.
    """
    cols = list(x.columns) if cols is None else cols
    assert len(x) == len(y), (len(x), len(y))
    for c in cols:
        a, b = x[c].to_numpy(), y[c].to_numpy()
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            assert_same(a.astype(np.float64), b.astype(np.float64))
        elif a.dtype.kind == "O" or b.dtype.kind == "O":
            for i, (p, q) in enumerate(zip(a, b, strict=True)):
                if isinstance(p, float | np.floating) and isinstance(q, float | np.floating):
                    assert same_value(float(p), float(q)), (c, i, p, q)
                else:
                    assert p is q or p == q, (c, i, p, q)
        else:
            assert list(a) == list(b), c


# -- the perturbed store itself -------------------------------------------------------


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
@pytest.mark.parametrize(
    ("kind", "interval"), [("ohlcv", "1h"), ("open_interest", "4h"), ("liquidations", "4h")]
)
def test_future_store_keeps_the_past_and_changes_the_future(
    future: Path, asset: str, kind: str, interval: str
) -> None:
    real = load_series(kind, asset=asset, interval=interval, store=False)
    other = load_series(kind, asset=asset, interval=interval, store=future)
    assert str(other.attrs["source"]) == f"store:{future}"  # nothing filled from the bundle
    other = other[real.columns]
    before = real.index < CUT
    pd.testing.assert_frame_equal(other[before], real[before], check_freq=False)  # read back
    assert _changed(other[~before].to_numpy(), real[~before].to_numpy())
    if kind == "ohlcv":
        o = other[~before]
        assert (o["high"] >= o[["open", "close"]].max(axis=1)).all()
        assert (o["low"] <= o[["open", "close"]].min(axis=1)).all()
        assert (o["low"] > 0).all()


# -- the market at a date -------------------------------------------------------------


def _market_arrays(m: object) -> dict[str, np.ndarray]:
    """Every array and number a market exposes (positions, stops, book, scalars)."""
    out: dict[str, np.ndarray] = {}
    for part, fields in (
        ("positions", ("side", "size", "entry_price", "margin", "liq_price", "opened_ms")),
        ("whole_positions", ("side", "size", "entry_price", "margin", "liq_price")),
        ("stops", ("side", "trigger", "size")),
        ("book", ("bid_price", "bid_size", "ask_price", "ask_size")),
    ):
        obj = getattr(m, part)
        for f in fields:
            out[f"{part}.{f}"] = np.asarray(getattr(obj, f))
    for f in ("mid", "open_interest_usd", "share", "depth_scale", "beta", "depth_1pct_usd"):
        out[f] = np.asarray(getattr(m, f), dtype=np.float64)
    return out


@pytest.fixture(scope="module")
def markets(future: Path) -> dict[str, tuple[object, object]]:
    """Each asset's market at :data:`CUT` (its 2025-04-30 20:00 bar closes there): real, other."""
    from liqcascade.market import MarketSpec, estimated_market

    return {
        a: tuple(estimated_market(MarketSpec(asset=a, as_of=CUT, store=s)) for s in (False, future))
        for a in ("ETH", "BTC")
    }


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_market_at_a_date_reads_nothing_after_it(
    future: Path, markets: dict[str, tuple[object, object]], asset: str
) -> None:
    from liqcascade.market import MarketSpec, estimated_market

    real, other = markets[asset]
    assert real.close_time == CUT
    a, b = _market_arrays(real), _market_arrays(other)
    for k in a:
        if a[k].dtype.kind == "f":
            assert_same(b[k], a[k])
        else:
            np.testing.assert_array_equal(b[k], a[k], err_msg=k)
    fa, fb = real.fingerprint(), other.fingerprint()
    fa.pop("sources"), fb.pop("sources")
    assert fa.keys() == fb.keys()
    for k in fa:  # floats within tests/floats.py's tolerance, counts and text exactly
        assert same_value(fb[k], fa[k]), k
    later = estimated_market(MarketSpec(asset=asset, as_of=CUT + 20 * DAY, store=future))
    truth = estimated_market(MarketSpec(asset=asset, as_of=CUT + 20 * DAY, store=False))
    assert _changed(later.mid, truth.mid)  # the market after the cut does read the change


def test_stress_monte_carlo_at_a_date_reads_nothing_after_it(
    future: Path, markets: dict[str, tuple[object, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqcascade import stress

    results = []
    for state, store in zip(markets["ETH"], (None, future), strict=True):
        if store is not None:  # the stress market reads the default store's prices
            monkeypatch.setenv("LIQCASCADE_STORE", str(store))
        market = stress.stress_market(state=state)
        if store is not None:
            assert str(market.hourly["ETH"].attrs["source"]).startswith("store:")
        pf = stress.sample_portfolio(market.prices)
        results.append((market, stress.monte_carlo(pf, market, paths=100, horizon_days=10, seed=1)))
    (m_real, real), (m_other, other) = results
    assert_same(other.pnl, real.pnl)
    assert_same(other.market_liq_usd, real.market_liq_usd)
    for a in real.final_price:
        assert_same(other.final_price[a], real.final_price[a])
        assert_same(other.mu_fitted[a], real.mu_fitted[a])
    # the stress market holds the changed days after its date: it does not read them
    after = [m.daily["ETH"].loc[CUT:, "close"] for m in (m_real, m_other)]
    assert _changed(after[1], after[0])


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_report_leverage_check_at_a_date_reads_nothing_after_it(
    future: Path, asset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The validation section's model leverage mix: the book at the report's bar.

    It walked every bundled bar with the latest fit, whatever the report's date (a
    report as of 2025-04-30: ETH's share of notional within 2-5 % of liquidation 3.1 %
    then, 31.4 % at the date; the default report's figures are the same either way).
    """
    from liqcascade.report._leverage_check import distance_check
    from liqcascade.report._section import ReportContext

    checks = []
    for store in (None, future):
        if store is not None:  # the report reads the default store
            monkeypatch.setenv("LIQCASCADE_STORE", str(store))
        ctx = ReportContext(asset=asset, assets=(asset,), as_of="2025-04-30")
        assert ctx.last_oi_bar + pd.Timedelta(hours=4) == CUT
        checks.append(distance_check(ctx, asset))
    assert_same(checks[1]["model"].to_numpy(), checks[0]["model"].to_numpy())
    assert list(checks[1].index) == list(checks[0].index)


# -- the position book's expanding-window back-test (liqmap backtest) -------------------


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_book_backtest_months_before_the_cut_do_not_move(future: Path, asset: str) -> None:
    from liqcascade.market._inputs import load_market_frames
    from liqcascade.positions import load_asset_calibration
    from liqcascade.positions._backtest import backtest_identified

    cal = load_asset_calibration(asset)
    start, end = pd.Timestamp("2025-03-01", tz="UTC"), pd.Timestamp("2025-06-30", tz="UTC")
    runs = [
        backtest_identified(
            asset, start, end, cal, frames=load_market_frames(asset, store=store), bands=True
        )
        for store in (False, future)
    ]
    real, other = (r.frame for r in runs)
    before = real.index < CUT  # 4-hour bars closed by the cut
    _same_rows(other[before], real[before])
    days = [r.daily[r.daily.index < CUT] for r in runs]
    _same_rows(days[1], days[0])
    months = [{m["month"]: m for m in r.months} for r in runs]
    for month in ("2025-03", "2025-04"):
        mr, mo = months[0][month], months[1][month]
        assert mo["fit_month"] == mr["fit_month"]
        for k, v in mr["metrics"].items():
            assert np.isclose(mo["metrics"][k], v, rtol=1e-12, atol=1e-9, equal_nan=True), k
    assert _changed(other["predicted_long_usd"][~before], real["predicted_long_usd"][~before])
    assert _changed(
        other["predicted_long_usd_p95"][~before], real["predicted_long_usd_p95"][~before]
    )


# -- the liquidity response's event back-test (cascade backtest) -----------------------


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_event_backtest_events_before_the_cut_do_not_move(future: Path, asset: str) -> None:
    from liqcascade._cli.cascade_backtest import load_inputs
    from liqcascade.cascade import load_liquidity, run_backtest

    runs = []
    for store in (False, future):
        ohlc, liq, market_at = load_inputs(asset, store)
        runs.append(
            run_backtest(
                ohlc,
                liq,
                market_at,
                lambda ts, st=store: load_liquidity(asset, ts, st),
                asset=asset,
                start=CUT - 9 * DAY,
                end=CUT + 7 * DAY,
                n_paths=10,
            )
        )
    real, other = (r.events.assign(ts=pd.to_datetime(r.events["ts"], utc=True)) for r in runs)
    # an event's prediction is made at the close before it; its outcome reads 24 h
    predicted = [e[e["ts"] < CUT].reset_index(drop=True) for e in (real, other)]
    outcome = {"realised_move", "recorded_long_usd", "recorded_short_usd"}
    outcome |= {c for c in real.columns if c.startswith("realised_path")}
    assert len(predicted[0]) >= 2
    _same_rows(predicted[1], predicted[0], [c for c in real.columns if c not in outcome])
    closed = [e[e["ts"] + DAY <= CUT].reset_index(drop=True) for e in (real, other)]
    _same_rows(closed[1], closed[0])
    cal_as_of = pd.to_datetime(real["calibration_as_of"], utc=True)
    assert (cal_as_of <= real["ts"]).all()  # the calibration in force was fitted before
    after = [e[e["ts"] >= CUT] for e in (real, other)]
    assert len(after[1]) != len(after[0]) or _changed(
        after[1]["predicted_move"], after[0]["predicted_move"]
    )


# -- the VaR back-test (stress) ---------------------------------------------------------


def test_var_backtest_forecasts_made_before_the_cut_do_not_move() -> None:
    from liqcascade.stress import var_backtest

    cut = pd.Timestamp("2020-10-01", tz="UTC")  # ETH's daily bars from 2017-08: 19 fits
    daily = load_series("ohlcv", asset="ETH", interval="1d", store=False)
    daily = daily[daily.index < "2021-03-01"]
    runs = [
        var_backtest(d["close"], asset="ETH", paths=200)
        for d in (daily, perturb_after(daily, "ohlcv", cut, seed=3))
    ]
    real, other = (r.forecasts for r in runs)
    made = (real["start"] + DAY) <= cut  # forecast at the close of ``start``
    _same_rows(other[made][["var_95", "var_99"]], real[made][["var_95", "var_99"]])
    known = (real["end"] + DAY) <= cut
    _same_rows(other[known], real[known])
    assert _changed(other.loc[~made, "var_99"], real.loc[~made, "var_99"])


# -- support detection (support study, the stop back-test's entries) -------------------


def test_support_tests_before_the_cut_do_not_move(future: Path) -> None:
    from liqcascade.events import detect_support

    dets = [
        detect_support(load_series("ohlcv", asset="ETH", interval="1d", start="2022-01-01",
                                   end="2025-07-31", store=s))
        for s in (False, future)
    ]  # fmt: skip
    tests = [pd.DataFrame(d.tests) for d in dets]
    before = [t[pd.to_datetime(t["ts"], utc=True) < CUT].reset_index(drop=True) for t in tests]
    _same_rows(before[1], before[0])
    num = [c for c in tests[0].columns if tests[0][c].dtype.kind == "f"]  # low, close, ...
    assert len(tests[1]) != len(tests[0]) or _changed(
        tests[1][num].to_numpy(), tests[0][num].to_numpy()
    )


# -- the stop back-test (protect) -------------------------------------------------------


@pytest.fixture(scope="module")
def stop_runs(future: Path) -> list[pd.DataFrame]:
    """ETH's stop back-test on the real and the perturbed store, trades closed by the cut."""
    from liqcascade.protect import BacktestSettings, backtest_stops

    out = []
    for store in (False, future):
        bt = backtest_stops(
            start="2024-09-01",
            end="2025-06-30",
            settings=BacktestSettings(n_random=40),
            asset="ETH",
            store=store,
            crash=False,
        )
        t = bt.trades
        hor = pd.Timedelta(days=bt.settings.horizon_days)
        out.append(t[t["entry_ts"] + hor + pd.Timedelta(hours=1) <= CUT].reset_index(drop=True))
    return out


def test_stop_backtest_entries_and_stops_before_the_cut_do_not_move(
    stop_runs: list[pd.DataFrame],
) -> None:
    real, other = stop_runs
    assert len(real) > 50
    cols = ["policy", "side", "entries", "entry_ts", "entry", "stop", "moved", "stopped",
            "exit_ts", "trigger"]  # fmt: skip
    _same_rows(other, real, cols)


def test_stop_backtest_fills_before_the_cut_do_not_move(stop_runs: list[pd.DataFrame]) -> None:
    real, other = stop_runs
    _same_rows(other, real, ["exit", "slippage", "ret"])


def test_stop_backtest_fill_depth_reads_nothing_later_in_its_day() -> None:
    """The cut above is at midnight, so a leak inside a day is not seen there: the depth
    at 03:00 must not move when what had not closed by then changes, the hourly bars from
    the fill's own (03:00) on and the totals bars from that day's 00:00 (it closes at
    08:00) on (a totals day, 2025-03-10, and a day before the totals, 2024-06-10, read
    through the ratio), and
    must move when the hours just before 03:00 do (the totals bar that closed at 00:00,
    the hourly volume of 01:00–02:00)."""
    from liqcascade.data import load_book_totals
    from liqcascade.protect._backtest import FillModel, depth_series

    hourly = load_series("ohlcv", asset="ETH", interval="1h", store=False)
    totals = load_book_totals("ETH", "futures", store=False)
    days = [pd.Timestamp("2025-03-10", tz="UTC"), pd.Timestamp("2024-06-10", tz="UTC")]
    at = pd.DatetimeIndex([d + pd.Timedelta(hours=3) for d in days])
    h2, t2 = hourly.copy(), totals.copy()
    for d in days:
        h2.loc[(h2.index >= d + pd.Timedelta(hours=3)) & (h2.index < d + DAY), "volume"] *= 3
        late = (t2.index >= d) & (t2.index < d + DAY)
        t2.loc[late, ["bids_usd", "asks_usd"]] *= 3
    real = depth_series(at, FillModel(), "ETH", hourly=hourly, totals=totals, store=False)
    moved = depth_series(at, FillModel(), "ETH", hourly=h2, totals=t2, store=False)
    assert_same(moved, real, rtol=1e-12)
    h3, t3 = hourly.copy(), totals.copy()
    for d in days:
        hrs = (h3.index >= d + pd.Timedelta(hours=1)) & (h3.index < d + pd.Timedelta(hours=3))
        h3.loc[hrs, "volume"] *= 3
        t3.loc[t3.index == d - pd.Timedelta(hours=8), ["bids_usd", "asks_usd"]] *= 3
    early = depth_series(at, FillModel(), "ETH", hourly=h3, totals=t3, store=False)
    assert _changed(early[:1], real[:1]) and _changed(early[1:], real[1:])


# -- the collateral own book (collateral) -----------------------------------------------


def test_collateral_own_book_reads_nothing_from_its_start_on() -> None:
    from liqcascade import datasets
    from liqcascade.collateral import calibrate_own_book

    usde = datasets.load_ohlcv("USDE", "1m")
    before = pd.Timestamp("2025-10-10 20:00", tz="UTC")
    other = perturb_after(usde, "ohlcv", before, seed=5)
    fits = [calibrate_own_book(b, before) for b in (usde, other)]
    real, moved = (f.summary() for f in fits)
    assert real.keys() == moved.keys()
    for k, v in real.items():
        if isinstance(v, str):
            assert moved[k] == v, k
        else:
            assert_same(moved[k], v)
    later = [calibrate_own_book(b, before + DAY) for b in (usde, other)]  # reads the change
    assert _changed(later[1].depth_usd_per_pct, later[0].depth_usd_per_pct)


# -- the shipped calibrations' windows -------------------------------------------------


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_shipped_book_fits_end_before_the_month_they_predict(asset: str) -> None:
    from liqcascade.positions import load_asset_calibration

    cal = load_asset_calibration(asset)
    for fit in cal.fits:
        month = pd.Timestamp(fit.month + "-01", tz="UTC")
        used, out_of_sample = cal.fit_for(month)
        assert used.month == fit.month and out_of_sample
        assert pd.Timestamp(fit.fit_end, tz="UTC") + DAY <= month  # fit_end: a whole day


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_shipped_liquidity_calibrations_are_in_force_from_their_as_of(asset: str) -> None:
    from liqcascade.cascade import load_liquidity

    for month in pd.date_range("2024-11-01", "2025-07-01", freq="MS", tz="UTC"):
        cal = load_liquidity(asset, month + pd.Timedelta(days=14), False)
        assert pd.Timestamp(cal.as_of) <= month + pd.Timedelta(days=14)
        assert pd.Timestamp(cal.as_of) >= month  # the month's own, not an older one
