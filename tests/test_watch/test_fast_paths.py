"""The watch's fast paths give what the general paths give (issue 16's 50 ms interval).

``fast_series`` reads ccxt's pages into the frame ``fetch_series`` builds (same values,
labels, gaps), falls back where it does not recognise a shape, and refuses the rows
``fetch_series`` refuses; ``Store.ingest(after_last=...)`` skips its own check for
series the caller knows are new and cannot store a duplicate when told wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from liqcascade.data import Store
from liqcascade.data._fetch import fetch_series
from liqcascade.errors import InputError
from liqcascade.live._poll import ClosedBars, Malformed, NotFast, VenuePoller, fast_series

from .fake import SYM, H, ReplayExchange

FIELDS = ("kind", "venue", "symbol", "interval", "file", "layout", "warnings", "gaps",
          "largest_gap", "units_known")  # fmt: skip


def _ms(t: str) -> int:
    return int(pd.Timestamp(t, tz="UTC").value // 1_000_000)


def _ts(ms: int) -> pd.Timestamp:
    return pd.Timestamp(ms, unit="ms", tz="UTC")


def _general(now: int, kind: str, interval: str, since: int, faults: Any = None) -> Any:
    ex = ReplayExchange(now, faults)
    try:
        return fetch_series(ClosedBars(ex, now), SYM, kind, _ts(since), _ts(now), interval).series
    except InputError as exc:
        assert "no " in str(exc) and " data for " in str(exc)
        return None


@pytest.mark.parametrize("now", ["2025-07-20 03:30", "2025-07-05 13:10", "2025-06-01 00:00"])
@pytest.mark.parametrize(
    ("kind", "interval", "hours"),
    [("ohlcv", "1h", 1), ("ohlcv", "1h", 5), ("ohlcv", "1h", 900), ("open_interest", "4h", 5),
     ("open_interest", "4h", 13), ("open_interest", "4h", 2000), ("funding", "1h", 24),
     ("funding", "1h", 1000)],
)  # fmt: skip
def test_fast_series_equals_fetch_series(now: str, kind: str, interval: str, hours: int) -> None:
    t = _ms(now)
    a = _general(t, kind, interval, t - hours * H)
    b = fast_series(ClosedBars(ReplayExchange(t), t), SYM, kind, interval, t - hours * H, t)
    if a is None:
        assert b is None
        return
    assert b is not None
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)  # values read: bit-equal
    for f in FIELDS:
        assert getattr(a, f) == getattr(b, f), f


@pytest.mark.parametrize(("method", "fault"), [("ohlcv", "duplicate"), ("ohlcv", "shuffle"),
                                               ("oi", "duplicate")])  # fmt: skip
def test_fast_series_equals_fetch_series_on_repeated_and_shuffled_rows(
    method: str, fault: str
) -> None:
    t = _ms("2025-07-20 03:30")
    kind, interval = ("ohlcv", "1h") if method == "ohlcv" else ("open_interest", "4h")
    a = _general(t, kind, interval, t - 40 * H, {method: [fault]})
    b = fast_series(ClosedBars(ReplayExchange(t, {method: [fault]}), t), SYM, kind, interval,
                    t - 40 * H, t)  # fmt: skip
    assert a is not None and b is not None
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)


class _Venue(ReplayExchange):
    """The fake with one page patched by ``edit`` (a row list, changed in place)."""

    def __init__(self, now: int, edit: Any) -> None:
        super().__init__(now)
        self.edit = edit

    def fetch_ohlcv(self, *a: Any, **k: Any) -> Any:
        rows = super().fetch_ohlcv(*a, **k)
        if rows:
            self.edit(rows)
        return rows

    def fetch_open_interest_history(self, *a: Any, **k: Any) -> Any:
        rows = super().fetch_open_interest_history(*a, **k)
        if rows:
            self.edit(rows)
        return rows


def _set(i: int, v: Any) -> Any:
    def edit(rows: list[Any]) -> None:
        rows[0][i] = v

    return edit


def test_fast_series_refuses_what_fetch_series_refuses() -> None:
    t = _ms("2025-07-20 03:30")
    for edit in (_set(2, 1.0), _set(4, -5.0)):  # high below the close; a negative close
        with pytest.raises(Malformed):
            fast_series(ClosedBars(_Venue(t, edit), t), SYM, "ohlcv", "1h", t - 5 * H, t)
        with pytest.raises(InputError):
            fetch_series(ClosedBars(_Venue(t, edit), t), SYM, "ohlcv", _ts(t - 5 * H), _ts(t), "1h")
    neg = _set("openInterestValue", -1.0)  # type: ignore[arg-type]
    with pytest.raises(Malformed):
        fast_series(ClosedBars(_Venue(t, neg), t), SYM, "open_interest", "4h", t - 13 * H, t)


def test_an_unknown_shape_goes_through_fetch_series() -> None:
    t = _ms("2025-07-20 03:30")
    extra = _set("nextFundingTime", 1)  # type: ignore[arg-type]  # a field it does not know
    with pytest.raises(NotFast):
        fast_series(ClosedBars(_Venue(t, extra), t), SYM, "open_interest", "4h", t - 13 * H, t)
    # the poller then reads it through fetch_series, which ignores the field
    s = VenuePoller(_Venue(t, extra), SYM, log=lambda m: None).fetch("open_interest", "4h",
                                                                    t - 13 * H, t)  # fmt: skip
    a = _general(t, "open_interest", "4h", t - 13 * H)
    assert s is not None and s.layout == "ccxt-open-interest"
    pd.testing.assert_frame_equal(a.frame, s.frame, check_exact=True)


def _series(now: int, hours: int) -> Any:
    return fast_series(ClosedBars(ReplayExchange(now), now), SYM, "ohlcv", "1h",
                       now - hours * H, now)  # fmt: skip


def test_ingest_after_last_skips_the_check_and_refuses_a_wrong_claim(tmp_path: Path) -> None:
    t = _ms("2025-07-20 03:30")
    old, new = _series(t - 10 * H, 20), _series(t, 10)
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        a.ingest([old])
        b.ingest([old])
        assert a.ingest([new], after_last=[True]).rows_added == new.rows > 0
        assert b.ingest([new]).rows_added == new.rows
        pd.testing.assert_frame_equal(a.read("ohlcv"), b.read("ohlcv"))
        # a wrong claim (rows already stored): the key refuses it, nothing is written
        n = a.count("ohlcv")
        with pytest.raises(duckdb.ConstraintException):
            a.ingest([_series(t, 25)], after_last=[True])
        assert a.count("ohlcv") == n
        # told the truth (False: the store checks), it adds what the plain call adds
        added = a.ingest([_series(t, 25)], after_last=[False]).rows_added
        assert added == b.ingest([_series(t, 25)]).rows_added < 24
        pd.testing.assert_frame_equal(a.read("ohlcv"), b.read("ohlcv"))
        with pytest.raises(InputError, match="after_last"):
            a.ingest([new], after_last=[True, False])


def test_the_watch_recovers_when_another_writer_stored_the_rows_first(tmp_path: Path) -> None:
    from liqcascade.live import Watcher, WatchOptions

    t = _ms("2025-07-20 03:30")
    ex = ReplayExchange(t)
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "w.duckdb", since="2025-07-10", draws=0)
    w = Watcher(opts, clock=lambda: ex.now_ms, sleep=lambda s: None, log=lambda s: None)
    try:
        w.tick()
        ex.now_ms += H
        # another writer stores the next hourly bar behind the watch's back
        other = fast_series(ClosedBars(ReplayExchange(ex.now_ms), ex.now_ms), SYM, "ohlcv", "1h",
                            ex.now_ms - 2 * H, ex.now_ms)  # fmt: skip
        assert other is not None
        n = w.store.count("ohlcv")
        w.store.ingest([other], after_last=[False])
        assert w.store.count("ohlcv") == n + 1
        calls: list[Any] = []
        ingest = w.store.ingest

        def spy(series: Any, **kw: Any) -> Any:
            calls.append(kw.get("after_last"))
            return ingest(series, **kw)

        w.store.ingest = spy  # type: ignore[method-assign]
        line = w.tick()  # the watch's claim fails on the key; the store checks instead
        assert len(calls) == 2 and calls[0] and all(calls[0]) and calls[1] is None
        assert w.store.count("ohlcv") == n + 1
        assert line["rows_added"] >= 1  # the order-book snapshot
        px = w.store.read("ohlcv")
        assert px["ts"].is_unique
    finally:
        w.close()


@pytest.mark.parametrize("asset", ["ETH", "BTC"])
def test_direct_bars_equal_the_resample(asset: str) -> None:
    """``resample_ohlcv``'s direct path (the watch's new bar) is the resample, bit for bit."""
    import numpy as np

    from liqcascade.data import bundled
    from liqcascade.data._frame import _bar_offset, _bars_direct, _resampled
    from liqcascade.market._inputs import ohlc_bars

    def same(x: pd.DataFrame, interval: str = "4h") -> None:
        cols = [c for c in ("open", "high", "low", "close", "volume") if c in x.columns]
        direct, resampled = ohlc_bars(x, interval), _resampled(x, _bar_offset(interval), cols)
        # values read and aggregated by min/max/first/last and pandas' own group sum
        pd.testing.assert_frame_equal(direct, resampled, check_exact=True, check_freq=True)
        assert direct.attrs == resampled.attrs

    h = bundled.load_ohlcv(asset, "1h")
    h.attrs = {"source": "bundled"}
    four = _bar_offset("4h")
    assert _bars_direct(h, four, ["open", "close"]) is not None  # the direct path is taken
    for interval in ("4h", "1h", "2h", "30min", "30m"):
        same(h, interval)
    rng = np.random.default_rng(16)
    for k in range(100):  # random stretches with missing hours, volumes and prices
        i = int(rng.integers(0, len(h) - 40))
        sl = h.iloc[i : i + int(rng.integers(1, 40))].copy()
        sl.loc[sl.sample(frac=0.2, random_state=k).index, "volume"] = np.nan
        if k % 3 == 0:
            sl.loc[sl.sample(frac=0.1, random_state=k).index, "open"] = np.nan
        if k % 4 == 0:
            sl.loc[sl.sample(frac=0.2, random_state=k).index, ["high", "close"]] = np.nan
        if k % 7 == 0:
            sl = sl[["open", "close", "low"]]
        sl = sl.drop(sl.sample(frac=0.3, random_state=k).index)
        same(sl)
        same(sl, "2h")
    same(pd.concat([h.iloc[:30], h.iloc[10:20]]).sort_index(kind="stable"))  # repeated hours
    no_open = h.iloc[:12].copy()
    no_open["open"] = np.nan
    same(no_open)  # every bar dropped
    shuffled = h.iloc[:50].sample(frac=1.0, random_state=1)  # unsorted: the resample itself
    assert _bars_direct(shuffled, four, ["open"]) is None
    assert _bars_direct(h.tz_localize(None), four, ["open"]) is None
    day = _bar_offset("1D")
    assert _bars_direct(h, day, ["open"]) is None  # a calendar day is not a fixed interval
    ints = h.iloc[:40].assign(volume=1)
    assert _bars_direct(ints, four, ["volume"]) is None
    pd.testing.assert_frame_equal(ohlc_bars(ints, "4h"), _resampled(ints, four, list(ints.columns)))


@pytest.mark.parametrize("fault", [None, "duplicate", "overlap"])
def test_liquidations_need_no_validation_pass(fault: str | None) -> None:
    import copy

    from liqcascade.data._validate import validate

    t = _ms("2025-07-20 03:30")
    ex = ReplayExchange(t, {"liq": [fault]} if fault else None)
    s = VenuePoller(ex, SYM, log=lambda m: None).fetch_liquidations(t - 400 * H, t)
    assert s is not None and s.rows > 20
    v = validate(copy.deepcopy(s))  # what the general path would do to them
    pd.testing.assert_frame_equal(v.frame, s.frame, check_exact=True)
    assert (v.gaps, v.largest_gap, v.warnings) == (s.gaps, s.largest_gap, s.warnings)


def test_stepping_new_bars_equals_advance(tmp_path: Path) -> None:
    import numpy as np

    from liqcascade.live import Watcher, WatchOptions
    from liqcascade.live._watch import _step_bars
    from liqcascade.positions._incremental import BookState

    t = _ms("2025-07-20 03:30")
    ex = ReplayExchange(t)
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "s.duckdb", since="2025-07-01", draws=0)
    w = Watcher(opts, clock=lambda: ex.now_ms, sleep=lambda s: None, log=lambda s: None)
    try:
        w.tick()
        label = w._market["label"]
        frames, _, _ = w._frames(w._load_inputs(), label)
        params = w._books.params[0]  # type: ignore[union-attr]
        for back in (1, 3):  # one new bar; several (advance walks them)
            a = BookState.start(frames.until(label - back * pd.Timedelta(hours=4)), params)
            b = BookState.start(frames.until(label - back * pd.Timedelta(hours=4)), params)
            a.advance(frames)
            if back > 1:
                assert not _step_bars(b, frames)
                assert b.last_ts == label - back * pd.Timedelta(hours=4)  # untouched
                b.advance(frames)
            else:
                assert _step_bars(b, frames)
            assert a.last_ts == b.last_ts == label
            for x, y in zip(a.arrays(), b.arrays(), strict=True):
                np.testing.assert_array_equal(x, y)  # the same float operations in order
            assert a.book(venue_share=0.3).size.sum() == b.book(venue_share=0.3).size.sum()
    finally:
        w.close()


def test_held_times_are_isin() -> None:
    import numpy as np

    from liqcascade.live._watch import _held

    rng = np.random.default_rng(7)
    for sort in (True, False):
        for _ in range(150):
            hours = rng.integers(0, 40, rng.integers(0, 50))
            have = pd.DatetimeIndex((np.sort(hours) if sort else hours) * H * 1000, tz="UTC")
            ts = pd.DatetimeIndex(rng.integers(-2, 45, rng.integers(0, 10)) * H * 1000, tz="UTC")
            have, ts = have.as_unit("us"), ts.as_unit("us")
            np.testing.assert_array_equal(_held(have, ts), ts.isin(have))


def test_appended_inputs_equal_the_inputs_read_again(tmp_path: Path) -> None:
    """A session's inputs kept in memory (rows appended per interval) are the store's."""
    from liqcascade.live import Watcher, WatchOptions
    from liqcascade.market import load_market_inputs

    ex = ReplayExchange(_ms("2025-07-20 03:30"))
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "s.duckdb", since="2025-07-01", draws=0)
    w = Watcher(opts, clock=lambda: ex.now_ms, sleep=lambda s: None, log=lambda s: None)
    try:
        for _ in range(7):  # new 4-hour bars and intervals without one
            w.tick()
            ex.now_ms += H
        w.tick()
        kept = w._load_inputs()
        w.release_store()
        again = load_market_inputs("ETH", store=Store(tmp_path / "s.duckdb"))
        for name in ("prices", "open_interest"):
            pd.testing.assert_frame_equal(getattr(kept, name), getattr(again, name),
                                          check_freq=False, rtol=1e-12)  # fmt: skip
        # funding: the rates (the models read no more); the replay's rows are the bundle's
        # times, whose kept rows carry the bundle's interval_hours (8) and the store's 4
        pd.testing.assert_series_equal(kept.funding["rate"], again.funding["rate"],
                                       check_freq=False, rtol=1e-12)  # fmt: skip
        live = again.live_depth
        assert live is not None and kept.live_depth is not None and len(kept.live_depth) >= 12
        tail = live[live.index >= kept.live_depth.index[0]]  # the session trims old ones

        def rows(f: pd.DataFrame) -> pd.DataFrame:  # a snapshot's rows in any order
            return f.reset_index().sort_values(["ts", "side", "distance"], ignore_index=True)

        pd.testing.assert_frame_equal(rows(kept.live_depth), rows(tail), rtol=1e-12)
    finally:
        w.close()


def test_known_at_is_the_walks_alignment() -> None:
    """``_known_at`` (binary search) gives ``aligned_column`` (dedup + ffill, 8 hours)."""
    import numpy as np

    from liqcascade.live._watch import _known_at
    from liqcascade.positions import aligned_column

    rng = np.random.default_rng(11)
    for _ in range(150):
        n = int(rng.integers(0, 30))
        hours = np.sort(rng.integers(0, 60, n))  # repeated times: the last row counts
        vals = rng.normal(0, 1e-4, n)
        vals[rng.random(n) < 0.15] = np.nan  # a row's own NaN stays NaN
        f = pd.DataFrame({"rate": vals}, index=pd.DatetimeIndex(hours * H * 1000, tz="UTC"))
        f.index = f.index.as_unit("us")
        idx = pd.DatetimeIndex(np.sort(rng.integers(-5, 75, 4)) * H * 1000, tz="UTC")
        got, want = _known_at(f, "rate", idx), aligned_column(f, "rate", idx)
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)  # NaN where NaN
    assert np.isnan(_known_at(None, "rate", idx)).all()


def test_swing_levels_equal_the_window_reduction() -> None:
    """Swing levels by shifted slices equal the sliding window's min/max (bundled 4 h bars)."""
    import numpy as np

    from liqcascade.data import ohlcv as bundled_ohlcv
    from liqcascade.data import resample_ohlcv
    from liqcascade.positions._stops import swing_levels

    bars = resample_ohlcv(bundled_ohlcv("ETH", "1h"), "4h")
    low, high = bars["low"].to_numpy(np.float64), bars["high"].to_numpy(np.float64)
    win = np.lib.stride_tricks.sliding_window_view
    for width in (1, 3, 5):
        n = len(low)
        lw, hw = win(low, 2 * width + 1), win(high, 2 * width + 1)
        mid_l, mid_h = low[width : n - width], high[width : n - width]
        lows = np.flatnonzero((mid_l <= lw.min(axis=1)) & (mid_l < lw[:, :width].min(axis=1)))
        highs = np.flatnonzero((mid_h >= hw.max(axis=1)) & (mid_h > hw[:, :width].max(axis=1)))
        got = swing_levels(low, high, width)
        np.testing.assert_array_equal(got[0], lows + width)  # bar indices
        np.testing.assert_array_equal(got[1], highs + width)
        assert len(got[0]) > 100 and len(got[1]) > 100


def test_the_sessions_beta_is_beta_for(tmp_path: Path) -> None:
    """The depth exponent kept per session equals ``beta_for`` at each bar's close."""
    from liqcascade.book import beta_for
    from liqcascade.live import Watcher, WatchOptions

    ex = ReplayExchange(_ms("2025-07-20 03:30"))
    opts = WatchOptions(exchanges=[ex], store=tmp_path / "s.duckdb", since="2025-07-01", draws=0)
    w = Watcher(opts, clock=lambda: ex.now_ms, sleep=lambda s: None, log=lambda s: None)
    try:
        totals = w._load_inputs().book_totals
        assert totals is not None and len(totals) > 100
        for close in ("2024-11-20 08:00", "2025-03-01 00:00", "2025-07-20 04:00"):
            t = pd.Timestamp(close, tz="UTC")
            assert w._beta_at(totals, t) == beta_for("ETH", totals, t)  # (beta, source)
        first = w._betas
        w._beta_at(totals.iloc[:-3], pd.Timestamp("2025-07-20", tz="UTC"))
        assert w._betas is not first  # other totals: fitted again
    finally:
        w.close()
