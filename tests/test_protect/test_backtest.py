"""Stop-policy backtest: accounting by hand on a tiny path, de-clustering, real-data run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.protect import (
    POLICIES,
    BacktestSettings,
    FillModel,
    backtest_stops,
    declutter_levels,
    max_drawdown,
    policy_stops,
)
from liqcascade.protect._backtest import _rows
from liqcascade.protect._kernels import fill_batch_py, stop_walk_py


def test_max_drawdown_by_hand() -> None:
    assert max_drawdown(np.array([0.1, 0.05, 0.2, -0.1, 0.0])) == pytest.approx(0.3)
    assert max_drawdown(np.array([-0.02, -0.05])) == pytest.approx(0.05)
    assert max_drawdown(np.array([0.1, 0.2])) == 0.0


def test_accounting_on_a_constructed_path() -> None:
    """Two longs on a 6-bar path, walked and filled, then tabulated — all by hand."""
    o = np.array([100.0, 100.0, 99.0, 97.0, 101.0, 102.0])
    hi = np.array([100.5, 100.5, 99.5, 98.0, 102.0, 103.0])
    lo = np.array([99.5, 98.9, 96.0, 96.5, 100.0, 101.0])
    c = np.array([100.0, 99.0, 97.0, 97.5, 101.5, 102.0])
    eb = np.array([0, 3], np.int64)
    side = np.array([1, 1], np.int8)
    stop = np.array([96.5, 95.0])
    xb, st, trig = stop_walk_py(o, hi, lo, c, eb, side, stop, 2)
    assert list(xb) == [2, 5] and list(st) == [1, 0] and list(trig) == [96.5, 102.0]
    # fill: own 1e6 USD into d1 = 1e7, no crowd: slip = .73/1.73 * 0.01 * 0.1**(1/.73)
    fill, slip = fill_batch_py(
        trig, np.array([1.0, 1.0]), np.array([1e6, 1e6]), np.array([1e7, 1e7]),
        np.zeros(2), np.array([10.0, 10.0]), 0.73, 0.0, 0.0, 0.001, 0.005, 0.4,
    )  # fmt: skip
    s0 = 0.73 / 1.73 * 0.01 * 0.1 ** (1 / 0.73)
    assert slip[0] == pytest.approx(s0)
    exit_px = np.where(st > 0, fill, c[xb])
    ret = (exit_px - c[eb]) / c[eb]
    assert ret[0] == pytest.approx((96.5 * (1 - s0) - 100.0) / 100.0)
    assert ret[1] == pytest.approx((102.0 - 97.5) / 97.5)
    t = pd.DataFrame(
        {
            "policy": "fixed", "side": "long", "entries": "x",
            "exit_ts": pd.to_datetime([2, 5], unit="h", utc=True),
            "stopped": st > 0, "slippage": np.where(st > 0, slip, 0.0), "ret": ret,
        }
    )  # fmt: skip
    row = _rows(t).iloc[0]
    assert row["n"] == 2 and row["stop_outs"] == 0.5
    assert row["avg_loss_on_stop"] == pytest.approx(-ret[0])
    assert row["avg_slippage"] == pytest.approx(s0)
    assert row["total_return"] == pytest.approx(ret.sum())
    assert row["max_drawdown"] == pytest.approx(-ret[0])  # the first trade's loss


def test_policy_stops_and_declutter() -> None:
    s, fm = BacktestSettings(leverage=5.0), FillModel()
    side = np.array([1.0, -1.0, 1.0])
    entry = np.array([3000.0, 3000.0, 3000.0])
    sig = np.array([0.05, 0.05, 0.5])
    swing = np.zeros(3)
    fixed, _ = policy_stops("fixed", side, entry, sig, swing, s, fm)
    np.testing.assert_allclose(fixed, [2850.0, 3150.0, 2850.0])
    vol, _ = policy_stops("vol", side, entry, sig, swing, s, fm)
    # third: 50 % vol capped at 0.8 * (1/5) = 16 %
    np.testing.assert_allclose(vol, [2850.0, 3150.0, 3000 * 0.84])
    # a long stop at 2,897 sits on the crowd just below 2,900 (2,897.1): moved out by 0.5 %
    st, moved = declutter_levels(
        np.array([2897.0]), np.array([1.0]), np.array([3000.0]), np.array([2500.0]),
        np.zeros(1), fm, 0.005,
    )  # fmt: skip
    lvl = 2900 * 0.999
    assert moved[0] == 1 and abs(st[0] - lvl) > 0.005 * lvl * 0.999
    with pytest.raises(InputError, match=r"^policy must be one of") as e:
        policy_stops("tight", side, entry, sig, swing, s, fm)
    assert e.value.param == "policy"


@pytest.fixture(scope="module")
def small() -> object:
    return backtest_stops(
        POLICIES, ("long", "short"), ("random",),
        start="2025-09-01", end="2025-10-12", settings=BacktestSettings(n_random=40, seed=1),
    )  # fmt: skip


def test_real_backtest_small(small) -> None:  # type: ignore[no-untyped-def]
    t = small.table
    assert set(t["policy"]) == set(POLICIES)
    assert (t["n"] == 40).all()
    assert ((t["stop_outs"] >= 0) & (t["stop_outs"] <= 1)).all()
    tr = small.trades
    stopped = tr[tr["stopped"]]
    # a stopped long never exits above its stop's trigger; slippage >= 0
    lo = stopped[stopped["side"] == "long"]
    assert (lo["exit"] <= lo["trigger"] + 1e-9).all()
    assert (tr["slippage"] >= 0).all()
    # the crash set: every policy, both sides, same entries
    c = small.crash
    assert not c.empty and set(c["policy"]) == set(POLICIES)
    assert c.groupby("side")["n"].nunique().max() == 1
    assert set(small.best_on_crash()) == {"long", "short"}
    # longs open into 2025-10-10 lost, shorts gained, under every policy
    assert (c[c["side"] == "long"]["total_return"] < 0).all()
    assert (c[c["side"] == "short"]["total_return"] > 0).all()


def test_btc_backtest_runs_on_btcs_own_path() -> None:
    from liqcascade import datasets

    bt = backtest_stops(
        ("fixed", "vol"), ("long",), ("support", "random"), start="2025-09-01",
        end="2025-10-12", settings=BacktestSettings(n_random=20, seed=2), asset="btc",
    )  # fmt: skip
    assert bt.summary()["asset"] == "BTC"
    tr = bt.trades
    h = datasets.load_ohlcv("BTC", "1h")
    # every entry is BTC's hourly close at the entry bar, not ETH's
    want = h["close"].reindex(pd.DatetimeIndex(tr["entry_ts"])).to_numpy()
    np.testing.assert_array_equal(tr["entry"].to_numpy(), want)
    assert (tr["entry"] > 50_000).all()
    # fixed stops sit 5 % below the BTC entry; the crash set runs into 2025-10-10
    fx = tr[tr["policy"] == "fixed"]
    np.testing.assert_allclose(fx["stop"], fx["entry"] * 0.95, rtol=1e-12)
    assert not bt.crash.empty and (bt.crash["total_return"] < 0).all()
    eth = backtest_stops(
        ("fixed",), ("long",), ("random",), start="2025-09-01", end="2025-10-12",
        settings=BacktestSettings(n_random=20, seed=2),
    )  # fmt: skip
    assert eth.summary()["asset"] == "ETH" and (eth.trades["entry"] < 10_000).all()


def test_unknown_asset_is_refused() -> None:
    with pytest.raises(InputError, match=r"^asset: no 1h prices for DOGE: not in the store") as e:
        backtest_stops(asset="DOGE")
    assert e.value.param == "asset"


def test_backtest_deterministic_for_a_seed() -> None:
    kw = dict(start="2024-01-01", end="2024-03-01", crash=False)
    a = backtest_stops(
        ("vol",), ("long",), ("random",), settings=BacktestSettings(n_random=15), **kw
    )
    b = backtest_stops(
        ("vol",), ("long",), ("random",), settings=BacktestSettings(n_random=15), **kw
    )
    pd.testing.assert_frame_equal(a.trades, b.trades)


def test_kernels_and_twins_give_the_same_backtest() -> None:
    kw = dict(start="2022-05-01", end="2022-06-30", crash=False)
    s = BacktestSettings(n_random=10, seed=4)
    a = backtest_stops(POLICIES, ("long",), ("random",), settings=s, **kw)
    b = backtest_stops(POLICIES, ("long",), ("random",), settings=s, use_numba=False, **kw)
    pd.testing.assert_frame_equal(a.trades, b.trades)


def test_bad_options() -> None:
    # the library names its parameters (param=), never the command line's flags
    cases = [
        (lambda: backtest_stops(("tight",)), ("policies",),
         "policies: each must be one of fixed, vol, vol-declustered (got 'tight')"),
        (lambda: backtest_stops(("vol",), ("up",)), ("sides",),
         "sides: each must be one of long, short (got 'up')"),
        (lambda: backtest_stops(("vol",), ("long",), ("x",)), ("entries",),
         "entries: each must be one of support, random (got 'x')"),
        (lambda: backtest_stops(start="2024-01-01", end="2023-01-01"), ("end", "start"),
         "end 2023-01-01 must be after start 2024-01-01"),
        (lambda: backtest_stops(start="2025-01-01", end="2025-01-01 10:00"), ("start", "end"),
         "start/end: fewer than 48 hourly bars in 2025-01-01–2025-01-01"),
        (lambda: BacktestSettings(horizon_days=0), ("horizon_days",),
         "horizon_days must be in [1, 365] (got 0)"),
        (lambda: BacktestSettings(leverage=200.0), ("leverage",),
         "leverage must be in [1, 125] (got 200.0)"),
        (lambda: BacktestSettings(n_random=-1), ("n_random",), "n_random must be >= 0 (got -1)"),
        (lambda: BacktestSettings(seed=-1), ("seed",), "seed must be >= 0 (got -1)"),
        (lambda: BacktestSettings(fixed_pct=0.0), ("fixed_pct",),
         "fixed_pct must be in (0, 1) (got 0.0)"),
    ]  # fmt: skip
    for call, params, message in cases:
        with pytest.raises(InputError) as e:
            call()
        assert e.value.params == params and str(e.value) == message
    # the command line shows each parameter as its flag
    with pytest.raises(InputError) as e:
        backtest_stops(start="2024-01-01", end="2023-01-01")
    flags = {"start": "--start", "end": "--end"}
    assert e.value.for_flags(flags) == "--end 2023-01-01 must be after --start 2024-01-01"


def test_depth_series_takes_no_close() -> None:
    """The close per bar was never read (the quote volume is the hourly frame's): gone.
    Inside the totals period a fill reads the last 8-hour totals bar closed by its bar's
    open: the 2025-03-02 16:00 bar until 08:00 on 2025-03-03, then that day's 00:00 bar."""
    import inspect

    from liqcascade.data import load_book_totals
    from liqcascade.protect import depth_series

    assert "close" not in inspect.signature(depth_series).parameters
    idx = pd.date_range("2025-03-03 06:00", periods=3, freq="1h", tz="UTC")
    fm = FillModel()
    got = depth_series(idx, fm, "ETH", store=False)
    tot = load_book_totals("ETH", "futures", store=False)
    mid = (tot["bids_usd"] + tot["asks_usd"]) / 2
    bars = pd.DatetimeIndex(["2025-03-02 16:00"] * 2 + ["2025-03-03 00:00"], tz="UTC")
    want = mid.reindex(bars).to_numpy() * fm.depth_share
    np.testing.assert_allclose(got, want, rtol=1e-12)


def _depth_reference(at: pd.Timestamp, hourly: pd.DataFrame, totals: pd.DataFrame) -> float:
    """Plain-Python depth at one instant (before the venue share): the last totals bar
    closed by it within a day, else the 30 days' mean daily traded value before it times
    the median depth/volume ratio of the (>= 30, else the first 30) ratio days before
    its day."""
    closed = [t for t in totals.index if t + pd.Timedelta(hours=8) <= at]
    if closed and closed[-1] + pd.Timedelta(hours=8) >= at - pd.Timedelta(days=1):
        row = totals.loc[closed[-1]]
        return float((row["bids_usd"] + row["asks_usd"]) / 2)
    value = hourly["volume"] * hourly["close"]
    win = value[
        (value.index >= at - pd.Timedelta(days=30)) & (value.index <= at - pd.Timedelta(hours=1))
    ]
    mean_day = float(win.mean()) * 24
    d1 = ((totals["bids_usd"] + totals["asks_usd"]) / 2).resample("1D").mean().dropna()
    by_day = {}
    for d, depth in d1.items():
        end = d + pd.Timedelta(days=1)  # the 30 days to the day's end, per bar x 24
        day_win = value[(value.index >= end - pd.Timedelta(days=30)) & (value.index < end)]
        if day_win.notna().sum() >= 5 * 24:
            by_day[d] = depth / (float(day_win.mean()) * 24)
    ratio = pd.Series(by_day)
    before = ratio[ratio.index < at.floor("1D")]
    r = float(before.median()) if len(before) >= 30 else float(ratio.iloc[:30].median())
    return mean_day * r


def test_depth_series_matches_its_plain_reference() -> None:
    """Random instants from 2024-09 to 2025-09 (before, inside and after the totals)."""
    from liqcascade.data import load_book_totals, load_series
    from liqcascade.protect import depth_series

    hourly = load_series("ohlcv", asset="ETH", interval="1h", store=False)
    hourly = hourly[(hourly.index >= "2024-07-01") & (hourly.index < "2025-10-01")]
    totals = load_book_totals("ETH", "futures", store=False)
    rng = np.random.default_rng(20)
    hours = rng.integers(0, 365 * 24, size=40)
    at = pd.DatetimeIndex(pd.Timestamp("2024-09-01", tz="UTC") + pd.to_timedelta(hours, "h"))
    at = at.append(pd.DatetimeIndex(["2024-11-21 07:00", "2024-11-21 08:00"], tz="UTC"))
    fm = FillModel()
    got = depth_series(at, fm, "ETH", hourly=hourly, totals=totals, store=False)
    want = [_depth_reference(t, hourly, totals) * fm.depth_share for t in at]
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_depth_series_weighs_missing_hours_alike_in_the_ratio_and_the_estimate() -> None:
    """Every bar trades the same value and the book is the same depth, but two hours of
    each day are missing: the estimate after the totals is that depth. The ratio's
    daily sums counted a missing hour as zero while the value it scales is a mean per
    bar, so the estimate came out 24/22 = 1.09x the book."""
    from liqcascade.protect import depth_series

    idx = pd.date_range("2025-01-01", "2025-04-30 23:00", freq="1h", tz="UTC")
    idx = idx[(idx.hour != 3) & (idx.hour != 15)]  # 22 bars a day
    hourly = pd.DataFrame({"close": 2_000.0, "volume": 500.0}, index=idx)  # 1 M USD a bar
    t_idx = pd.date_range("2025-02-01", "2025-03-31 16:00", freq="8h", tz="UTC")
    totals = pd.DataFrame({"bids_usd": 30e6, "asks_usd": 50e6}, index=t_idx)  # 40 M mid
    at = pd.date_range("2025-04-10 05:00", periods=4, freq="1D", tz="UTC")  # after totals
    fm = FillModel()
    got = depth_series(at, fm, "ETH", hourly=hourly, totals=totals, store=False)
    np.testing.assert_allclose(got, 40e6 * fm.depth_share, rtol=1e-9)


def test_depth_series_reads_an_unsorted_hourly_frame_as_sorted() -> None:
    """The 30 days' traded value is found by binary search on the bars' times: a frame
    out of time order (the daily resample it replaced sorted it) gave other depths
    (up to 3x on these instants) or numpy's TypeError (a reversed frame)."""
    from liqcascade.data import load_book_totals, load_series
    from liqcascade.protect import depth_series

    hourly = load_series("ohlcv", asset="ETH", interval="1h", store=False)
    hourly = hourly[(hourly.index >= "2024-07-01") & (hourly.index < "2025-10-01")]
    totals = load_book_totals("ETH", "futures", store=False)
    at = pd.date_range("2024-08-01 05:00", "2025-09-20", freq="5D", tz="UTC")
    fm = FillModel()
    want = depth_series(at, fm, "ETH", hourly=hourly, totals=totals, store=False)
    for shuffled in (hourly.sample(frac=1.0, random_state=1), hourly.iloc[::-1]):
        got = depth_series(at, fm, "ETH", hourly=shuffled, totals=totals, store=False)
        np.testing.assert_allclose(got, want, rtol=1e-9)


def test_depth_series_reads_naive_labels_as_utc() -> None:
    """Naive labels are UTC, as everywhere in the package (they raised pandas'
    TypeError comparing with the UTC bars)."""
    from liqcascade.protect import depth_series

    aware = pd.date_range("2025-03-03 06:00", periods=3, freq="1h", tz="UTC")
    want = depth_series(aware, FillModel(), "ETH", store=False)
    got = depth_series(aware.tz_localize(None), FillModel(), "ETH", store=False)
    np.testing.assert_allclose(got, want, rtol=1e-12)
