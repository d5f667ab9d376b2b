"""The event back-test's per-event reads from arrays made once, against the frames' code.

``run_backtest`` reads, for every event, the events closed before it (their median
ratio and interval levels, :class:`EventTable`), the recorded liquidations
(:class:`LiquidationRecord`) and, through the event markets, the depth exponent β
(:class:`liqcascade.book.BetaHistory`); :func:`detect_events` walks only the bars that
can trigger. Each must give the numbers of the code it replaced: the references below
are that code, verbatim, run on random cases (hypothesis) and on the bundled data.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade._time import to_utc, utc_end, utc_indexed
from liqcascade.cascade._backtest import (
    DEFAULT_TRIGGERS,
    EventTable,
    LiquidationRecord,
    ShockRule,
    closed_by,
    detect_events,
    ewma_sigma,
    fit_interval_levels,
)
from profiles import examples

#: Relative tolerance of the comparisons: the same operations on the same numbers.
RTOL = 1e-12


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-300)


def detect_events_reference(
    ohlc: pd.DataFrame, trigger: float, start: Any, end: Any, keep_short: bool
) -> pd.DataFrame:
    """The bar-by-bar walk :func:`detect_events` had (every bar visited)."""
    ohlc = utc_indexed(ohlc)
    idx = pd.DatetimeIndex(ohlc.index)
    close = ohlc["close"].to_numpy(np.float64)
    low = ohlc["low"].to_numpy(np.float64)
    high = ohlc["high"].to_numpy(np.float64)
    sig = ewma_sigma(ohlc).to_numpy(np.float64)
    ts_ns = idx.as_unit("ns").asi8
    hour = 3_600_000_000_000
    horizon_hours = 24
    lo_ns = -(2**62) if start is None else to_utc(start, "start").value
    hi_ns = 2**62 if end is None else utc_end(end, "end").value
    rows = []
    next_ok = -(2**62)
    n = close.size
    for i in range(1, n):
        t = ts_ns[i]
        if t < lo_ns or t < next_ok:
            continue
        if t > hi_ns:
            break
        c = close[i - 1]
        if ts_ns[i] - ts_ns[i - 1] != hour:
            continue
        down = low[i] <= c * (1.0 - trigger)
        up = high[i] >= c * (1.0 + trigger)
        if not (down or up):
            continue
        j = int(np.searchsorted(ts_ns, t + horizon_hours * hour, side="left"))
        next_ok = t + 24 * hour
        if j > n or ts_ns[min(j, n) - 1] < t + (horizon_hours - 1) * hour:
            if not keep_short:
                continue
            realised = math.nan
        elif down:
            realised = float(low[i:j].min()) / c - 1.0
        else:
            realised = float(high[i:j].max()) / c - 1.0
        rows.append((idx[i], i, float(c), "down" if down else "up", realised, float(sig[i])))
    return pd.DataFrame(rows, columns=["ts", "bar", "prev_close", "direction", "realised", "sig"])


def _bars(seed: int, n: int, gaps: int, shuffle: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    steps = np.ones(n, dtype=np.int64)
    if n:
        steps[rng.integers(0, n, gaps)] += rng.integers(1, 5, gaps)  # missing hours
    hours = np.cumsum(steps)
    if shuffle and n:  # a few bars out of order: the walk's stop at ``end`` must not move
        for _ in range(shuffle):
            a, b = rng.integers(0, n, 2)
            hours[a], hours[b] = hours[b], hours[a]
    idx = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(hours, unit="h")
    close = 100.0 * np.exp(np.cumsum(rng.standard_normal(n) * 0.02))
    wick = np.abs(rng.standard_normal((2, n))) * 0.02
    if n > 3:  # a few bars without a price
        close[rng.integers(0, n)] = np.nan
    return pd.DataFrame(
        {"open": close, "high": close * (1 + wick[0]), "low": close * (1 - wick[1]),
         "close": close},
        index=idx,
    )  # fmt: skip


@settings(max_examples=examples(80), deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(0, 400),
    gaps=st.integers(0, 20),
    shuffle=st.sampled_from([0, 0, 0, 2]),
    trigger=st.sampled_from([0.01, 0.02, 0.035, 0.06]),
    start_h=st.none() | st.integers(-10, 300),
    end_h=st.none() | st.integers(0, 500),
    keep_short=st.booleans(),
)
def test_detect_events_visits_the_same_bars_as_the_walk(
    seed: int,
    n: int,
    gaps: int,
    shuffle: int,
    trigger: float,
    start_h: int | None,
    end_h: int | None,
    keep_short: bool,
) -> None:
    ohlc = _bars(seed, n, gaps, shuffle)
    t0 = pd.Timestamp("2025-01-01", tz="UTC")
    start = None if start_h is None else t0 + pd.Timedelta(hours=start_h)
    end = None if end_h is None else t0 + pd.Timedelta(hours=end_h)
    got = detect_events(ohlc, trigger, start, end, keep_short=keep_short)
    want = detect_events_reference(ohlc, trigger, start, end, keep_short)
    assert list(got["bar"]) == list(want["bar"])
    assert list(got["direction"]) == list(want["direction"])
    for a, b in zip(got["realised_move"], want["realised"], strict=True):
        assert _close(float(a), float(b))
    for a, b in zip(got["sigma"], want["sig"], strict=True):
        assert _close(float(a), float(b))


def test_detect_events_stops_where_the_walk_stopped_on_unsorted_hours() -> None:
    ohlc = _bars(3, 300, 0, 0)
    # the last bar (300 h in) placed 100th: the walk stopped there when ``end`` is before it
    order = [*range(99), 299, *range(99, 299)]
    moved = ohlc.iloc[order]
    end = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(hours=250)
    got = detect_events(moved, 0.01, None, end)
    want = detect_events_reference(moved, 0.01, None, end, False)
    assert list(got["bar"]) == list(want["bar"])
    assert 0 < len(got) < len(detect_events(ohlc, 0.01, None, end))  # it did stop early


@pytest.fixture(scope="module")
def eth() -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    from liqcascade._cli.cascade_backtest import bundled_inputs

    return bundled_inputs("ETH")


def test_detect_events_on_the_bundled_hours_is_the_walk(eth: Any) -> None:
    ohlc = eth[0]
    for f in (DEFAULT_TRIGGERS["ETH"], 0.08):
        got = detect_events(ohlc, f, None, "2025-07-31", keep_short=True)
        want = detect_events_reference(ohlc, f, None, "2025-07-31", True)
        assert len(got) == len(want) > 20
        assert list(got["bar"]) == list(want["bar"])
        assert all(
            _close(a, b) for a, b in zip(got["realised_move"], want["realised"], strict=True)
        )


def _median_ratio_reference(events: pd.DataFrame, direction: str) -> float:
    b = events[events["direction"] == direction]
    src = b if len(b) >= 10 else events
    return float((src["realised_move"] / src["trigger_move"]).median()) if len(src) else 1.0


def test_event_table_reads_what_the_frames_gave(eth: Any) -> None:
    ohlc = eth[0]
    found = detect_events(ohlc, DEFAULT_TRIGGERS["ETH"], None, "2025-07-31", keep_short=True)
    all_ev = found[np.isfinite(found["realised_move"].to_numpy(np.float64))]
    table = EventTable.of(all_ev)
    rules = [ShockRule(), ShockRule(1.3, 0.8, 0.2, 0.35)]
    n_levels = 0
    for ts in [*list(found["ts"])[::3], pd.Timestamp("2019-01-01", tz="UTC")]:
        prior = closed_by(all_ev, ts)
        closed = table.closed(ts)
        assert int(closed.sum()) == len(prior)
        for d in ("down", "up"):
            assert _close(table.median_ratio(closed, d), _median_ratio_reference(prior, d))
        for r in rules:
            got, want = table.interval_levels(closed, r), fit_interval_levels(prior, r)
            assert all(_close(a, b) for a, b in zip(got, want, strict=True))
            n_levels += got != (0.1, 0.9)
    assert n_levels > 10  # the levels were fitted, not the defaults


def _recorded_reference(liquidations: pd.DataFrame, ts: pd.Timestamp) -> tuple[float, float]:
    lo = ts.floor("4h")
    hi = ts + pd.Timedelta(hours=24)
    w = liquidations[(liquidations.index >= lo) & (liquidations.index < hi)]
    want = pd.date_range(lo, hi - pd.Timedelta(microseconds=1), freq="4h")
    vals = w[["long_usd", "short_usd"]].to_numpy(np.float64)
    idx = pd.DatetimeIndex(w.index)
    if len(idx.unique()) < len(want) or not np.isfinite(vals).all():
        return float("nan"), float("nan")
    return float(vals[:, 0].sum()), float(vals[:, 1].sum())


def _background_reference(liquidations: pd.DataFrame, ts: pd.Timestamp) -> tuple[float, float]:
    t = pd.Timestamp(ts)
    idx = pd.DatetimeIndex(liquidations.index)
    lo = int(idx.searchsorted(t - pd.Timedelta(days=30.0) - pd.Timedelta(hours=4), side="left"))
    hi = int(idx.searchsorted(t - pd.Timedelta(hours=4), side="right"))
    if hi - lo < 6:
        return float("nan"), float("nan")
    past = liquidations[["long_usd", "short_usd"]].to_numpy(np.float64)[lo:hi]
    roll = np.lib.stride_tricks.sliding_window_view(past, 6, axis=0).sum(axis=2)
    roll = roll[np.isfinite(roll).all(axis=1)]
    if roll.shape[0] == 0:
        return float("nan"), float("nan")
    return float(np.median(roll[:, 0])), float(np.median(roll[:, 1]))


@settings(max_examples=examples(60), deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(1, 300),
    holes=st.integers(0, 10),
    dups=st.integers(0, 3),
    n_nan=st.integers(0, 3),
)
def test_liquidation_record_is_the_frame_selection(
    seed: int, n: int, holes: int, dups: int, n_nan: int
) -> None:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2025-01-01", periods=n, freq="4h", tz="UTC")
    keep = np.ones(n, dtype=bool)
    keep[rng.integers(0, n, holes)] = False
    idx = idx[keep]
    if dups and len(idx):  # a bar recorded twice (the back-test reads them as they are)
        idx = idx.append(idx[rng.integers(0, len(idx), dups)]).sort_values()
    usd = rng.lognormal(15, 1, (len(idx), 2))
    if len(idx):
        usd[rng.integers(0, len(idx), n_nan), 0] = np.nan
    liq = pd.DataFrame(usd, index=idx, columns=["long_usd", "short_usd"])
    record = LiquidationRecord.of(liq)
    for h in rng.integers(-30, 4 * n + 40, 12):
        ts = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(hours=int(h))
        for got, want in (
            (record.recorded(ts), _recorded_reference(liq, ts)),
            (record.background(ts), _background_reference(liq, ts)),
        ):
            assert all(_close(a, b) for a, b in zip(got, want, strict=True))


def test_liquidation_record_on_the_bundled_record(eth: Any) -> None:
    liq = utc_indexed(eth[1])
    record = LiquidationRecord.of(liq)
    stamps = pd.date_range("2024-11-01", "2025-08-02", freq="37h", tz="UTC")
    n_finite = 0
    for ts in stamps:
        got, want = record.recorded(ts), _recorded_reference(liq, ts)
        assert all(_close(a, b) for a, b in zip(got, want, strict=True))
        got, want = record.background(ts), _background_reference(liq, ts)
        assert all(_close(a, b) for a, b in zip(got, want, strict=True))
        n_finite += math.isfinite(got[0])
    assert n_finite > 100


def test_beta_history_is_beta_for_at_every_instant() -> None:
    from liqcascade.book import BetaHistory, beta_for
    from liqcascade.market import load_market_inputs

    for asset in ("ETH", "BTC"):
        totals = load_market_inputs(asset).book_totals
        history = BetaHistory(asset, totals)
        stamps = [None, *pd.date_range("2024-10-01", "2025-08-02", freq="61h", tz="UTC")]
        sources = set()
        for t in stamps:
            got, want = history.at(t), beta_for(asset, totals, t)
            assert got[1] == want[1]
            assert math.isclose(got[0], want[0], rel_tol=RTOL)
            sources.add(got[1].split(":")[0])
        assert sources == {"fitted", "assumed"}  # both branches were compared
