"""``calibrated_follow_through`` on a hand-built case: dates, history, seeds, checks, errors.

The market, the calibration and the hourly prices are given, so every figure can be
worked out beside the run: history's two falls are built to end at −10 % and −28 %;
each date's row is the calibrated cascade run directly on the inputs known at that
date, with the seed of that date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade.book import OrderBook
from liqcascade.cascade import (
    FollowThrough,
    ModelFollowThrough,
    calibrated_cascade,
    calibrated_follow_through,
    follow_through,
    load_liquidity,
    prepare_cascade,
)
from liqcascade.cascade._backtest import ewma_sigma, standardised_residuals
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook

T0 = pd.Timestamp("2024-01-01 00:00", tz="UTC")
DAY = pd.Timedelta(days=1)
HOUR = pd.Timedelta(hours=1)


def _hourly(n_days: int = 20) -> pd.DataFrame:
    """Prices near 100 (a ±0.2 % wobble), with two real 4-hour falls of 6 %.

    Day 8: closes step down from 100 to 94 by 12:00; the lowest low in the next 24 h is 90, so
    the total fall from the close 4 hours before is −10 %. Day 14: the same fall, lows
    down to 72 (−28 %). Prices are back at 100 a day after each.
    """
    n = 24 * n_days
    idx = pd.date_range(T0, periods=n, freq="h")
    close = 100.0 * (1.0 + 0.002 * np.sin(np.arange(n) * 0.7))
    low = close * 0.999
    for day, deep in ((8, 90.0), (14, 72.0)):
        i = 24 * day + 12  # the bar that closes 6 % below the close 4 bars before
        close[i - 7 : i - 3] = 100.0  # the reference close, 4 bars before
        close[i - 3 : i + 1] = [98.0, 97.0, 96.0, 94.0]
        close[i + 1 : i + 24] = 95.0
        low[i - 3 : i + 24] = np.minimum(close[i - 3 : i + 24], 99.0) * 0.999
        low[i + 10] = deep
    return pd.DataFrame(
        {"open": close, "high": close * 1.001, "low": low, "close": close}, index=idx
    )


class _Markets:
    """``market_at(ts, mid)``: a small book and a few longs around ``mid``; no market on day 6."""

    span = (T0 + 2 * DAY, T0 + 12 * DAY)  # first and last 4-hour close of open interest

    def __init__(self) -> None:
        self.asked: list[pd.Timestamp] = []

    def __call__(self, ts: pd.Timestamp, mid: float):
        self.asked.append(ts)
        if ts.normalize() == T0 + 6 * DAY:
            return None
        d = np.linspace(0.002, 0.4, 80)
        book = OrderBook(mid, mid * (1 - d), np.full(80, 50.0), mid * (1 + d), np.full(80, 50.0))
        lev = np.array([10.0, 15.0, 20.0, 30.0])
        side = np.ones(4, np.int8)
        size = np.full(4, 30.0)
        liq = mid * (1 - 0.9 / lev)
        bkr = mid * (1 - 1 / lev)
        pos = PositionBook(side, size, np.full(4, mid), mid * size / lev, liq, bkr)
        return prepare_cascade(book, pos, StopBook.empty())


CAL = load_liquidity("ETH", "2025-03-01", store=False)  # a fitted calibration: 12 draws


def _run(**kw):
    kw.setdefault("n_paths", 48)
    return calibrated_follow_through(
        "ETH", hourly=kw.pop("hourly", _hourly()), market_at=kw.pop("market_at", _Markets()),
        calibration_at=lambda ts: CAL, **kw,
    )  # fmt: skip


def test_dates_history_and_each_row_worked_out() -> None:
    h = _hourly()
    markets = _Markets()
    done: list[tuple[int, int]] = []
    m = _run(hourly=h, market_at=markets, progress=lambda a, b: done.append((a, b)))
    assert isinstance(m, ModelFollowThrough) and m.asset == "ETH" and m.n_paths == 48
    # every day from the first open-interest close to the last, at 20:00 UTC; day 6 has
    # no market and is left out
    days = pd.date_range(T0 + 2 * DAY + 20 * HOUR, T0 + 11 * DAY + 20 * HOUR, freq="D")
    assert list(markets.asked) == list(days)
    assert list(m.dates["ts"]) == [t for t in days if t.normalize() != T0 + 6 * DAY]
    assert done == [(i + 1, len(days)) for i in range(len(days))]
    # seeds count days from the first date with a market
    assert list(m.dates["seed"]) == [(t - days[0]).days for t in m.dates["ts"]]
    # history: both hand-built falls, totals -10 % and -28 % from the close 4 h before
    assert m.history.n == 2
    assert_same(m.history.events["total"].to_numpy(), [-0.10, -0.28])
    assert_same(m.history_total_median, -0.19)
    assert_same(m.history_share_beyond, 0.5)
    assert m.history_span == (h.index[0], h.index[-1])
    # one row, worked out: the calibrated cascade on what is known at 20:00 that day
    ts = days[3]
    n = int((h.index <= ts - HOUR).sum())  # the bars closed by ts
    mid = float(h["close"].iloc[n - 1])
    sig = float(ewma_sigma(h).iloc[n])  # known once bar n - 1 has closed
    cc = calibrated_cascade(
        markets(ts, mid), shock=-0.05, calibration=CAL, sigma_hourly=sig, n_paths=48,
        seed=3, residuals=standardised_residuals(h)[:n],
    )  # fmt: skip
    row = m.dates.set_index("ts").loc[ts]
    assert_same(row["mid"], mid)
    assert_same(row["sigma"], sig)
    assert_same(
        row[["total_median", "total_p10", "total_p90"]].to_numpy(dtype=float),
        [cc.move_median, cc.move_p10, cc.move_p90],
    )
    assert_same(row["share_beyond"], float((cc.moves <= -0.27).mean()))
    # every path falls at least by the shock; the interval holds the median
    d = m.dates
    assert (d["total_p90"] <= -0.05 + 1e-12).all()
    assert ((d["total_p10"] <= d["total_median"]) & (d["total_median"] <= d["total_p90"])).all()
    # the summary is the rows' and history's figures; the checks follow their definitions
    s = m.to_dict()
    assert_same(s["model_total_median"], float(d["total_median"].median()))
    assert_same(s["model_share_beyond"], float(d["share_beyond"].mean()))
    assert s["median_within_2pp"] == (abs(s["model_total_median"] + 0.19) <= 0.02)
    p = s["model_share_beyond"]
    assert s["beyond_within_2x"] == (0.25 <= p <= 1.0)
    assert len(s["dates"]) == m.n_dates and s["dates"][0]["ts"] == d["ts"].iloc[0].isoformat()
    # day 8's fall lies between the first and the last date, day 14's after them
    assert s["history_in_period_n"] == 1
    assert_same(s["history_in_period_total_median"], -0.10)


def test_a_date_reads_nothing_after_it_and_keeps_its_paths_in_any_window() -> None:
    full = _run().dates.set_index("ts")
    # the prices after the last date change: no row moves (history does)
    h = _hourly()
    h.loc[h.index > T0 + 12 * DAY, ["close", "low"]] *= 0.5
    later = _run(hourly=h).dates.set_index("ts")
    pd.testing.assert_frame_equal(later, full)
    # a later start and a coarser step: the same dates give the same rows
    part = _run(start="2024-01-04", end="2024-01-10", every=2).dates.set_index("ts")
    # every 2nd day from the first with a market (Jan 3): 5, 7, 9; Jan 7 has no market
    assert [t.day for t in part.index] == [5, 9]
    pd.testing.assert_frame_equal(part, full.loc[part.index])


def test_the_two_checks_on_hand_set_figures() -> None:
    hist = FollowThrough(
        pd.DataFrame({"ts": [T0] * 4, "total": [-0.08, -0.10, -0.12, -0.30]}), -0.05, 4, 24
    )

    def mft(med: float, share: float, h: FollowThrough = hist) -> ModelFollowThrough:
        d = pd.DataFrame({"ts": [T0, T0 + DAY], "total_median": [med, med],
                          "share_beyond": [share, share]})  # fmt: skip
        return ModelFollowThrough(d, -0.05, -0.27, h)

    # history: median -11 %, a quarter reach -27 %
    assert mft(-0.125, 0.25).median_within_2pp and mft(-0.125, 0.25).beyond_within_2x
    assert not mft(-0.135, 0.25).median_within_2pp
    assert mft(-0.11, 0.125).beyond_within_2x and mft(-0.11, 0.5).beyond_within_2x
    assert not mft(-0.11, 0.12).beyond_within_2x and not mft(-0.11, 0.51).beyond_within_2x
    none = FollowThrough(hist.events.assign(total=[-0.08, -0.1, -0.12, -0.2]), -0.05, 4, 24)
    assert not mft(-0.11, 0.0, none).beyond_within_2x  # a ratio to zero says nothing
    empty = ModelFollowThrough(pd.DataFrame(columns=["ts", "total_median", "share_beyond"]),
                               -0.05, -0.27, hist)  # fmt: skip
    assert empty.n_dates == 0 and not empty.median_within_2pp and not empty.beyond_within_2x


def _clopper_pearson(k: int, n: int) -> tuple[float, float]:
    """The exact interval from its definition: Beta quantiles (plain reference)."""
    from scipy.stats import beta

    lo = 0.0 if k == 0 else float(beta.ppf(0.025, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(0.975, k + 1, n - k))
    return lo, hi


@pytest.mark.parametrize(("k", "n"), [(0, 4), (1, 4), (4, 4), (1, 59), (3, 62), (13, 280)])
def test_history_share_interval_is_the_exact_binomial_one(k: int, n: int) -> None:
    totals = [-0.30] * k + [-0.08] * (n - k)
    hist = FollowThrough(pd.DataFrame({"ts": [T0] * n, "total": totals}), -0.05, 4, 24)
    d = pd.DataFrame({"ts": [T0], "total_median": [-0.1], "share_beyond": [0.0072]})
    m = ModelFollowThrough(d, -0.05, -0.27, hist)
    lo, hi = m.history_share_beyond_interval
    rlo, rhi = _clopper_pearson(k, n)
    assert lo == pytest.approx(rlo, abs=1e-9) and hi == pytest.approx(rhi, abs=1e-9)
    assert lo <= m.history_share_beyond <= hi
    assert m.model_inside_history_interval == (rlo <= 0.0072 <= rhi)
    assert m.summary()["history_share_beyond_ci95"] == [lo, hi]
    if (k, n) == (1, 59):  # BTC to 2025-07-31: 1.69 % of 59, the model's 0.72 % inside
        assert (round(lo, 5), round(hi, 4)) == (0.00043, 0.0909) and m.model_inside_history_interval


@pytest.mark.parametrize(
    ("kw", "param"),
    [
        ({"shock": 0.05}, "shock"),
        ({"shock": -1.5}, "shock"),
        ({"beyond": -0.03}, "beyond"),
        ({"n_paths": 5}, "n_paths"),
        ({"every": 0}, "every"),
        ({"start": "2024-01-09", "end": "2024-01-05"}, "end"),
        ({"start": "2024-02-01"}, "start"),
        ({"end": "2023-12-01"}, "end"),
        ({"start": "not a date"}, "start"),
    ],
)
def test_bad_input_names_its_parameter(kw: dict, param: str) -> None:
    with pytest.raises(InputError) as e:
        _run(**kw)
    assert param in e.value.params


def test_history_is_follow_through_of_the_prices_given() -> None:
    h = _hourly()
    # without an end: every hourly bar (both falls, days 8 and 14)
    m = _run(hourly=h, start="2024-01-11")
    ref = follow_through(h, drop=-0.05)
    pd.testing.assert_frame_equal(m.history.events, ref.events)
    assert len(ref.events) == 2
    # with an end: the prices up to the end of that day only (what a report at that
    # date reads): the fall of day 8 is history, day 14's is not yet
    m = _run(hourly=h, start="2024-01-10", end="2024-01-10")
    cut = h[h.index <= pd.Timestamp("2024-01-10 23:00", tz="UTC")]
    pd.testing.assert_frame_equal(m.history.events, follow_through(cut, drop=-0.05).events)
    assert len(m.history.events) == 1 and m.n_dates == 1
    assert m.history_span[1] == pd.Timestamp("2024-01-10 23:00", tz="UTC")
