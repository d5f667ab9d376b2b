"""Scenarios on the bundled real data: replays, shocks, Monte Carlo."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade import datasets
from liqcascade.cascade import prepare_market, prepared_draws
from liqcascade.errors import InputError
from liqcascade.stress import (
    WINDOWS,
    FailedScenario,
    StressMarket,
    StressResult,
    monte_carlo,
    replay,
    replay_bars,
    run_batch,
    sample_portfolio,
    shock_grid,
)


@pytest.fixture(scope="module")
def pf(market: StressMarket) -> Any:
    return sample_portfolio(market.prices)


def test_replay_without_cascade_is_the_recorded_path(market: StressMarket, pf: Any) -> None:
    res = replay(pf, market, "2024-08-05", cascade=False, rebase=False)
    rec = datasets.load("eth_30m", "2024-08-04", "2024-08-05 23:59")
    t = res.table
    assert t is not None and len(t) == len(rec) == 96
    np.testing.assert_array_equal(t["close"].to_numpy(), rec["close"].to_numpy())
    np.testing.assert_array_equal(t["low"].to_numpy(), rec["low"].to_numpy())
    np.testing.assert_array_equal(t["high"].to_numpy(), rec["high"].to_numpy())
    assert res.final_price["ETH"][0] == rec["close"].iloc[-1]
    # the recorded fall (2,900 -> 2,100 area) crossed estimated long liquidations
    assert res.market_liq_usd[0] > 0


def test_replay_cascade_adds_to_the_recorded_fall(market: StressMarket, pf: Any) -> None:
    off = replay(pf, market, "2025-10-10", cascade=False)
    on = replay(pf, market, "2025-10-10", cascade=True)
    assert on.details["ETH_source"] == "eth_bybit_15m_2025_10"
    assert on.details["ETH_min_price"] <= off.details["ETH_min_price"]
    # the whole-book flag says whether the path passed the farthest liquidation price;
    # the calibrated engine values liquidations at the fill prices (the counting at
    # liquidation prices)
    far_long, far_short = market.farthest_liquidation()
    for r in (on, off):
        t = r.table
        assert t is not None
        assert r.details["whole_book_liquidated"] == bool(
            t["low"].min() <= far_long or t["high"].max() >= far_short
        )
    assert on.summary()["scenarios"][0]["whole_book"] == on.details["whole_book_liquidated"]
    assert on.market_liq_usd[0] == pytest.approx(off.market_liq_usd[0], rel=0.1)
    assert on.details["liquidity"] == "calibrated"
    # rebased: the recorded bars scaled so the window opens at today's price
    rec = datasets.load("eth_bybit_15m_2025_10", "2025-10-10", "2025-10-11 23:59")
    scale = market.prices["ETH"] / rec["open"].iloc[0]
    assert off.details["ETH_min_price"] == pytest.approx(rec["low"].min() * scale, rel=1e-12)
    assert off.final_price["ETH"][0] == pytest.approx(rec["close"].iloc[-1] * scale, rel=1e-12)


def test_windows_use_the_finest_bundled_bars() -> None:
    srcs = {name: replay_bars(name)[1] for name in WINDOWS}
    assert srcs == {
        "2022-06-13": "ohlcv_1h",
        "2022-11-08": "ohlcv_1h",
        "2024-08-05": "eth_30m",
        "2025-10-10": "eth_bybit_15m_2025_10",
    }
    bars, src, _ = replay_bars("2022-12-05/2022-12-06")
    assert src == "eth_1m_2022_12" and len(bars) == 2 * 24 * 60
    # an END pandas reads as a day takes that whole day, however it is spelled
    assert replay_bars("2022-12-05/Dec 6, 2022")[0].equals(bars)
    assert len(replay_bars("2022-12-05/2022-12-06T00:00")[0]) == 24 * 60 + 1
    with pytest.raises(InputError, match=r"^window: not a date or time: '2019-13-01'$") as e:
        replay_bars("2019-13-01/x")
    assert e.value.param == "window"


def test_shock_grid_monotone_and_priced(market: StressMarket, pf: Any) -> None:
    res = shock_grid(pf, market, [-0.02, -0.05, -0.1, -0.2])
    t = res.table
    assert t is not None
    assert (np.diff(t["price_after"]) <= 1e-9).all()
    assert (np.diff(t["market_liquidations_usd"]) >= 0).all()
    # the calibrated response carries price beyond the shock, less far than the static book
    assert (t["price_after"] <= market.prices["ETH"] * (1 + t["shock"]) + 1e-6).all()
    assert (t["price_after_p10"] <= t["price_after"] + 1e-9).all()
    assert (t["price_after"] <= t["price_after_p90"] + 1e-9).all()
    assert res.summary()["paths"] == 4


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_static_book_bounds_the_calibrated_carry_on_the_shock_grid(
    market: StressMarket, btc_market: StressMarket, asset: str
) -> None:
    """Like with like: the static book (instant, no refill) bounds the cascade's own carry.

    The carry is the calibrated cascade with the index held at the shock price; the
    24-hour ``price_after`` adds the ordinary continuation of price (not bounded by the
    static book, kept beside it, labelled as the 24-hour extreme).
    """
    m = market if asset == "ETH" else btc_market
    grid = [-0.2, -0.1, -0.05, -0.02, 0.05, 0.1]
    t = shock_grid(sample_portfolio(m.prices), m, grid, n_paths=60).table
    assert t is not None
    mid = m.prices[asset]
    fall, rise = t["shock"] < 0, t["shock"] > 0
    c10, c50, c90 = (t[f"carry_price_after{k}"] for k in ("_p10", "", "_p90"))
    assert ((c10 <= c50 + 1e-9) & (c50 <= c90 + 1e-9)).all()
    static = t["static_price_after"]
    assert (static[fall] <= c10[fall] * (1 + 1e-12)).all()
    assert (static[rise] >= c90[rise] * (1 - 1e-12)).all()
    # the carry starts at the shock price and goes no further than the 24-h median extreme
    shocked = mid * (1 + t["shock"])
    assert (c90[fall] <= shocked[fall] * (1 + 1e-12)).all()
    assert (c10[rise] >= shocked[rise] * (1 - 1e-12)).all()
    assert (t["price_after"][fall] <= c50[fall] * (1 + 1e-12)).all()
    assert (t["price_after"][rise] >= c50[rise] * (1 - 1e-12)).all()
    # the carry is calibrated_cascade's (index held at the shock, over the draws)
    from liqcascade.cascade import calibrated_cascade

    cc = calibrated_cascade(
        prepare_market(m.state),
        shock=-0.1,
        calibration=m.liquidity(),
        sigma_hourly=m.sigma_hourly,
        residuals=m.residuals,
        n_paths=60,
        books=prepared_draws(m.state),
    )
    row = t[t["shock"] == -0.1].iloc[0]
    for k, c in (("", cc.carry_median), ("_p10", cc.carry_p10), ("_p90", cc.carry_p90)):
        assert_same(row[f"carry_price_after{k}"], mid * (1 + c), rtol=1e-12)
    # without the cascade there is no carry (NaN; it read as the shock price until
    # session 24) and the static bound is the same deepest-over-the-draws figure
    off = shock_grid(sample_portfolio(m.prices), m, grid, cascade=False).table
    assert off is not None
    for k in ("carry_price_after", "carry_price_after_p10", "carry_price_after_p90"):
        assert off[k].isna().all()
    np.testing.assert_allclose(off["static_price_after"], static, rtol=1e-12)


def test_no_cascade_keeps_the_shocks_continuation_and_removes_only_the_books_impact(
    market: StressMarket,
) -> None:
    """``--no-cascade`` on shocks: the same 24-h paths, without the forced orders' impact.

    Until session 24 it set every path to the shock price (no continuation), so the
    difference with the cascade on (about 8 % of the move at -10 %) read as the cascade's
    effect while the cascade's own carry is about 0 (exch24).
    """
    from liqcascade.cascade import calibrated_cascade
    from liqcascade.cascade._no_impact import without_forced_orders

    grid = [-0.1, 0.05]
    pf = sample_portfolio(market.prices)
    on = shock_grid(pf, market, grid, n_paths=60).table
    off = shock_grid(pf, market, grid, n_paths=60, cascade=False).table
    assert on is not None and off is not None
    mid = market.prices["ETH"]
    shocked = mid * (1 + np.array(grid))
    # the continuation is kept: the 24-h extreme spreads and goes past the shock price
    assert (off["price_after_p10"] < off["price_after_p90"] - 100).all()
    assert off["price_after"].iloc[0] < shocked[0] - 100
    assert off["price_after"].iloc[1] > shocked[1] + 100
    # and the cascade's impact is what is left between the two: its carry, about 0 here
    diff = (on["price_after"] - off["price_after"]).abs()
    carry = (on["carry_price_after"] - shocked).abs()
    assert (diff <= carry + 0.001 * mid).all()
    # no cascade, no carry (NaN, JSON null; the keys stay), and the static bound is the
    # cascade run's: the deepest over the book's draws (was the central book's, exch24)
    for k in ("carry_price_after", "carry_price_after_p10", "carry_price_after_p90"):
        assert k in off.columns and off[k].isna().all()
        assert on[k].notna().all()
    assert_same(off["static_price_after"], on["static_price_after"], rtol=1e-12)
    # the paths are the index walks of the run with nothing forced (the same draws)
    prep = prepare_market(market.state)
    books = prepared_draws(market.state)
    kw: dict[str, Any] = {
        "shock": -0.1, "calibration": market.liquidity(), "sigma_hourly": market.sigma_hourly,
        "residuals": market.residuals, "n_paths": 60,
    }  # fmt: skip
    cc = calibrated_cascade(prep, books=books, impact=False, **kw)
    bare = [without_forced_orders(b) for b in books]
    walk = calibrated_cascade(without_forced_orders(prep), books=bare, **kw)
    assert_same(cc.moves, walk.moves, rtol=1e-12)
    assert walk.liquidated_median == 0.0
    # the liquidations are counted along each path: the book draws' positions crossed
    n_draws = len(market.liquidity().draws) or 1
    per = cc.moves.size // (n_draws * len(books))  # rows: draw-major, then book draw
    first = books[0].side(1.0).crossed_usd(mid * (1 + cc.moves[:per]), mid=mid)
    assert_same(cc.liquidated[:per], first, rtol=1e-12)
    assert_same(off["price_after"].iloc[0], mid * (1 + cc.move_median), rtol=1e-12)


def test_no_shock_saturates_at_the_whole_book_unless_it_runs_out(
    market: StressMarket, pf: Any
) -> None:
    """The issue's figure: every shock >= 5 % gave the same 231 M USD (the whole book)."""
    res = shock_grid(pf, market, [-0.05, -0.1, -0.15, -0.2])
    t = res.table
    assert t is not None
    far_long = market.farthest_liquidation()[0]
    liq = t["market_liquidations_usd"].to_numpy()
    assert len(np.unique(np.round(liq))) == 4  # no common ceiling
    assert (liq <= market.side_notional()[0] + 1e-6).all()
    # flagged exactly when the median path passed the lowest long liquidation price
    np.testing.assert_array_equal(
        t["whole_book_liquidated"].to_numpy(), t["price_after"].to_numpy() <= far_long
    )
    # a deterministic grid: each shock row says whether it ran out (no quantile flags)
    per = [r["whole_book"] for r in res.summary()["scenarios"]]
    assert per == [bool(x) for x in t["whole_book_liquidated"]]
    flags = res.whole_book_flags()
    share = float(t["whole_book_liquidated"].mean())
    assert flags["p50"] == (share >= 0.5) and flags["p99"] == (share > 0)


def test_monte_carlo_counts_history_cascades_once(market: StressMarket, pf: Any, fits: Any) -> None:
    """The paths move by the residuals alone; the book's liquidations are counted on them."""
    kw: dict[str, Any] = {"paths": 4000, "horizon_days": 10, "seed": 3, "fits": fits}
    on = monte_carlo(pf, market, **kw)
    off = monte_carlo(pf, market, cascade=False, **kw)
    s_on = on.summary()
    for k in ("var_95", "var_99", "es_95", "es_99", "expected_loss"):
        assert np.isfinite(s_on[k])
    assert s_on["es_99"] >= s_on["var_99"] >= s_on["var_95"]
    # no second cascade on top of the residuals: the same paths (same process, same seed)
    for a in on.final_price:
        np.testing.assert_array_equal(on.final_price[a], off.final_price[a])
    np.testing.assert_array_equal(on.market_liq_usd, off.market_liq_usd)
    # regression of the issue's figure: the 1 % worst 10-day ETH return is the residuals'
    ret = on.final_price["ETH"] / market.prices["ETH"] - 1.0
    from liqcascade.stress import PathSpec, fit_joint_model, run_paths

    jm = fit_joint_model(["ETH", "BTC"], market.prices, as_of=market.as_of, fits=fits)
    bare = run_paths(PathSpec(jm, (market.book, market.book), 10, impact=0.0), 4000, 3)
    got = np.quantile(ret, 0.01)
    assert got == pytest.approx(np.quantile(bare.final["ETH"] / market.prices["ETH"] - 1, 0.01))
    # liquidations are the book's notional crossed by each path's running extremes
    b = market.book
    np.testing.assert_array_equal(bare.final["ETH"], on.final_price["ETH"])
    n_dn = np.array([np.sum(b.trig_dn >= lo) for lo in bare.low["ETH"]])
    n_up = np.array([np.sum(b.trig_up <= hi) for hi in bare.high["ETH"]])
    want = b.cumliq_dn[n_dn] + b.cumliq_up[n_up]
    np.testing.assert_allclose(on.market_liq_usd, want, rtol=1e-9, atol=1e-3)
    assert set(s_on["p_liquidation"]) == {"ETH long 20x", "BTC long 10x", "ETH short 5x"}
    p = s_on["p_liquidation"]
    assert 0 < p["ETH long 20x"] < 1 and p["ETH long 20x"] > p["ETH short 5x"]
    # a figure is flagged exactly when the paths beyond it crossed a whole side of the book
    assert on.exhausted is not None
    cut_dn = 0.999 * (b.cumliq_dn[-1] + b.cumliq_up[n_up])
    cut_up = 0.999 * (b.cumliq_dn[n_dn] + b.cumliq_up[-1])
    whole = (want >= cut_dn) | (want >= cut_up)
    # a discrete choice made from floats: compared only where no threshold is within a
    # relative 1e-9 (another route's rounding could flip a path sitting on it)
    with np.errstate(divide="ignore", invalid="ignore"):
        clear = (np.abs(want / cut_dn - 1) > 1e-9) & (np.abs(want / cut_up - 1) > 1e-9)
    assert clear.mean() > 0.9
    np.testing.assert_array_equal(on.exhausted[clear], whole[clear])
    share = float(whole.mean())
    assert s_on["market_liquidations_whole_book"] == {
        "p50": share >= 0.5,
        "p95": share >= 0.05,
        "p99": share >= 0.01 and share > 0,
    }
    assert isinstance(on, StressResult) and on.plot() is not None
    assert len(on.to_frame()) == 3


def test_batch_mixes_results_and_failures(market: StressMarket, pf: Any) -> None:
    out = run_batch(
        [
            ("ok", lambda: shock_grid(pf, market, [-0.05])),
            ("bad", lambda: replay(pf, market, "1999-01-01/1999-01-02")),
            ("ok2", lambda: replay(pf, market, "2022-11-08")),
        ]
    )
    assert isinstance(out[0], StressResult) and isinstance(out[2], StressResult)
    assert isinstance(out[1], FailedScenario) and out[1].error.startswith("window ")
    assert (out[1].scenario, out[1].error_type) == ("replay", "InputError")
    assert out[1].summary()["scenario"] == "replay"


def test_batch_names_the_scenario_and_type_of_a_bug(market: StressMarket, pf: Any) -> None:
    # a programming error inside a scenario is kept (the batch goes on) with its type
    # (shocks=None is an InputError since session 22: a market of None is the bug here)
    out = run_batch([("bug", lambda: shock_grid(pf, None, [-0.05])),  # type: ignore[arg-type]
                     ("ok", lambda: shock_grid(pf, market, [-0.05]))])  # fmt: skip
    assert isinstance(out[0], FailedScenario) and isinstance(out[1], StressResult)
    assert out[0].scenario == "shock" and out[0].error_type == "AttributeError"
    assert out[0].error.startswith("AttributeError: ")


def test_bad_options(market: StressMarket, pf: Any) -> None:
    with pytest.raises(InputError, match=r"^paths must be > 0") as e:
        monte_carlo(pf, market, paths=0)
    assert e.value.param == "paths"
    with pytest.raises(InputError, match=r"^horizon_days must be an integer in \[1, 365\]") as e:
        monte_carlo(pf, market, horizon_days=-1)
    assert e.value.param == "horizon_days"
    with pytest.raises(InputError, match=r"^method must be one of") as e:
        monte_carlo(pf, market, method="bootstrap")
    assert e.value.param == "method"
    with pytest.raises(InputError, match=r"^shocks: ") as e:
        shock_grid(pf, market, [])
    assert e.value.param == "shocks"
    with pytest.raises(InputError, match=r"^window must be one of") as e:
        replay(pf, market, "nope")
    assert e.value.param == "window"
    with pytest.raises(InputError, match="model must be one of"):
        monte_carlo(pf, market, model="figarch")
    assert isinstance(pd.Timestamp(market.as_of), pd.Timestamp)


def test_orders_past_the_start_price_are_counted_not_dropped() -> None:
    from liqcascade.book import OrderBook
    from liqcascade.positions import PositionBook
    from liqcascade.stress import stress_book

    # two longs: one liquidates at 95 (live), one at 101 (already past a start at 100);
    # one short at 99 (past) and one at 110 (live); each entered on its side of its price
    pos = PositionBook(
        side=np.array([1, 1, -1, -1], dtype=np.int8),
        size=np.array([1.0, 2.0, 3.0, 4.0]),
        entry_price=np.array([100.0, 105.0, 95.0, 100.0]),
        margin=np.full(4, 10.0),
        liq_price=np.array([95.0, 101.0, 99.0, 110.0]),
        bankruptcy_price=np.array([90.0, 96.0, 104.0, 115.0]),
    )
    ob = OrderBook(100.0, np.array([99.0]), np.array([1.0]), np.array([101.0]), np.array([1.0]))
    past = stress_book(pos, None, ob).past_start(100.0)
    assert past["n_orders"] == 2 and past["n_orders_long"] == 1 and past["n_orders_short"] == 1
    assert past["base_long"] == pytest.approx(2.0) and past["base_short"] == pytest.approx(3.0)
    assert stress_book(pos, None, ob).past_start(90.0)["n_orders_long"] == 2


def test_monte_carlo_reports_the_orders_past_its_start(market: StressMarket, pf: Any) -> None:
    res = monte_carlo(pf, market, paths=50, horizon_days=3, seed=0)
    past = res.details["orders_past_start"]
    assert past == market.book.past_start(market.prices["ETH"])
    assert past["n_orders"] == past["n_orders_long"] + past["n_orders_short"] >= 0


def test_a_scalar_grid_a_timestamp_window_and_text_counts_are_refused(
    market: StressMarket, pf: Any
) -> None:
    # libtrial22: -0.05 raised TypeError (float not iterable), a Timestamp AttributeError
    # 'split'; text shocks were read as numbers; n_paths 2.5 and max_rounds '3' ran
    with pytest.raises(InputError, match=r"^shocks must be a sequence .*\[-0\.05\]") as e:
        shock_grid(pf, market, -0.05)
    assert e.value.param == "shocks"
    for bad in (["-0.05"], [True]):
        with pytest.raises(InputError, match=r"^shocks must be a sequence of fractions") as e:
            shock_grid(pf, market, bad)
        assert e.value.param == "shocks"
    with pytest.raises(InputError, match=r"non-zero fraction > -1 \(got nan\)"):
        shock_grid(pf, market, [-0.05, float("nan")])
    with pytest.raises(InputError, match=r"^n_paths must be a whole number") as e:
        shock_grid(pf, market, [-0.05], n_paths=2.5)  # type: ignore[arg-type]
    assert e.value.param == "n_paths"
    with pytest.raises(InputError, match=r"^window must be text: .*'2024-08-05/2024-08-05'") as e:
        replay(pf, market, pd.Timestamp("2024-08-05"))  # type: ignore[arg-type]
    assert e.value.param == "window"
    with pytest.raises(InputError, match=r"^max_rounds must be a whole number") as e:
        replay(pf, market, "2024-08-05", max_rounds="3")  # type: ignore[arg-type]
    assert e.value.param == "max_rounds"
