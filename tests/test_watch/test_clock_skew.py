"""A local clock ahead of the venue's does not store the candle still forming.

Binance's ``fetch_ohlcv`` also returns the candle still forming. The watch judged a
candle closed at ``t + 1h <= now`` by the local clock: 30 s ahead of the venue, at the
venue's 00:59:45 it stored the forming 00:00 candle, and the store, which keeps the
first copy of a bar, never took the final one (ops29 R12).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from liqcascade.live import WatchOptions, _poll, refresh, run_watch
from liqcascade.live._poll import SETTLE_MS, ClosedBars, VenuePoller
from test_watch.fake import SYM, OfflineExchange, ReplayExchange

H = 3_600_000
BAR = int(pd.Timestamp("2025-07-20 00:00", tz="UTC").value // 1_000_000)
VENUE_START = BAR + H - 15_000  # the venue's clock: 00:59:45


class Forming(ReplayExchange):
    """The replay venue, also sending the candle forming at its clock (as Binance does).

    The forming candle is the final one with its close moved part of the way from the
    open and its volume scaled by the part of the hour gone (synthetic: which row the
    store keeps is the point, not its values). ``clock``: the venue answers
    ``fetch_time`` (``has["fetchTime"]``).
    """

    def __init__(self, now_ms: int, *, clock: bool) -> None:
        super().__init__(now_ms)
        self.has["fetchTime"] = clock

    def fetch_time(self) -> int:
        assert self.has["fetchTime"]
        return self.now_ms

    def fetch_ohlcv(self, symbol, timeframe="1h", since=None, limit=None):
        rows = super().fetch_ohlcv(symbol, timeframe, since, limit)
        t = self.now_ms // H * H
        final = [r for r in self.px if int(r[0]) == t]
        if not final or (since or 0) > t:
            return rows
        r = list(final[0])
        part = (self.now_ms - t) / H
        r[4] = r[1] + (r[4] - r[1]) * part
        r[5] = r[5] * part
        r[2], r[3] = max(r[1], r[4]), min(r[1], r[4])
        return [x for x in rows if int(x[0]) < t] + [r]

    def final(self, t: int) -> tuple[float, ...]:
        (row,) = [r for r in self.px if int(r[0]) == t]
        return tuple(float(v) for v in row[1:6])


def _bar(store: Path) -> tuple[float, ...]:
    with duckdb.connect(str(store), read_only=True) as con:
        got = con.execute(
            "select open, high, low, close, volume from ohlcv where ts = ?",
            [pd.Timestamp(BAR, unit="ms", tz="UTC")],
        ).fetchall()
    assert len(got) == 1, got  # stored by the second interval (01:00:45 on the venue)
    return tuple(float(v) for v in got[0])


def test_his_experiment_the_watch_30s_ahead_stores_the_final_candle(tmp_path: Path) -> None:
    """/tmp/ops29/skew.py: the watch, two intervals a minute apart, the local clock +30 s."""
    ex = Forming(VENUE_START, clock=True)
    store = tmp_path / "s.duckdb"
    seen: list[int] = []

    def emit(line: dict[str, Any]) -> None:
        seen.append(int(line["rows_added"]))
        ex.now_ms += 60_000  # the next interval, a minute later on both clocks

    opts = WatchOptions(exchanges=[ex], store=store, since="2025-07-18", max_iterations=2,
                        draws=0, liquidity="static", interval=60)  # fmt: skip
    run_watch(opts, emit=emit, clock=lambda: ex.now_ms + 30_000, sleep=lambda s: None,
              pause=lambda s: None, log=lambda s: None)  # fmt: skip
    assert len(seen) == 2 and seen[1] > 0
    assert _bar(store) == pytest.approx(ex.final(BAR), rel=1e-12)


@pytest.mark.parametrize(
    ("skew_s", "clock"),
    [(30, True), (0, False), (5, False), (-30, True)],
    ids=["30s-ahead-venue-clock", "in-time", "5s-ahead-within-the-margin", "30s-behind"],
)
def test_the_stored_bar_is_the_venues_final_candle(
    tmp_path: Path, skew_s: int, clock: bool
) -> None:
    ex = Forming(VENUE_START, clock=clock)
    store = tmp_path / "s.duckdb"
    for _ in range(3):  # the venue at 00:59:45, 01:00:45, 01:01:45
        refresh(exchanges=[ex], store=store, since="2025-07-18",
                clock=lambda: ex.now_ms + skew_s * 1000, log=lambda s: None)  # fmt: skip
        ex.now_ms += 60_000
    assert _bar(store) == pytest.approx(ex.final(BAR), rel=1e-12)


def test_without_the_fix_the_forming_candle_would_have_been_stored(tmp_path: Path) -> None:
    # the tests above could fail: with no margin (and no venue clock) as before
    ex = Forming(VENUE_START, clock=False)
    store = tmp_path / "s.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_poll.ClosedBars.__init__, "__defaults__", (None, 0))
        for _ in range(2):
            refresh(exchanges=[ex], store=store, since="2025-07-18",
                    clock=lambda: ex.now_ms + 30_000, log=lambda s: None)  # fmt: skip
            ex.now_ms += 60_000
    assert _bar(store)[4] < 0.999 * ex.final(BAR)[4]  # the forming candle's volume


def test_the_forming_candle_differs_from_the_final_one() -> None:
    # the tests above could not fail if the fake's forming candle were the final one
    ex = Forming(VENUE_START, clock=False)
    forming = ex.fetch_ohlcv(SYM, "1h", since=BAR)[-1]
    assert int(forming[0]) == BAR
    assert float(forming[5]) < 0.999 * ex.final(BAR)[4]


def test_the_newest_candle_waits_for_the_margin_or_a_later_one() -> None:
    ex = ReplayExchange(BAR + H)
    page = [list(r) for r in ex.px if BAR - H <= int(r[0]) <= BAR]  # closed, nothing later
    at = BAR + H + SETTLE_MS
    kept = [int(r[0]) for r in ClosedBars(ex, at - 1)._clean(page, H, "ohlcv", candles=True)]
    assert kept == [BAR - H]  # the newest ended 9.999 s ago: not yet
    kept = [int(r[0]) for r in ClosedBars(ex, at)._clean(page, H, "ohlcv", candles=True)]
    assert kept == [BAR - H, BAR]
    later = [*page, [BAR + H, 1.0, 1.0, 1.0, 1.0, 0.0]]  # the venue started the next bar
    view = ClosedBars(ex, BAR + H)
    kept = [int(r[0]) for r in view._clean(later, H, "ohlcv", candles=True)]
    assert kept == [BAR - H, BAR]


class _Clock(ReplayExchange):
    def __init__(self, now_ms: int, answer: Any) -> None:
        super().__init__(now_ms)
        self.has["fetchTime"] = True
        self.answer = answer
        self.asked = 0

    def fetch_time(self) -> Any:
        self.asked += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_the_venue_clock_is_read_once_per_instant_and_only_when_behind() -> None:
    import ccxt

    now = BAR + H
    log: list[str] = []
    behind = VenuePoller(_Clock(now, now - 30_000), SYM, log=log.append)
    assert behind.venue_now(now) == now - 30_000
    assert behind.venue_now(now) == now - 30_000
    assert behind.exchange.asked == 1  # one request per interval
    ahead = VenuePoller(_Clock(now, now + 30_000), SYM, log=log.append)
    assert ahead.venue_now(now) == now
    assert log == []
    odd = VenuePoller(_Clock(now, now - 2 * H), SYM, log=log.append)
    assert odd.venue_now(now) == now
    down = VenuePoller(_Clock(now, ccxt.NetworkError("binance GET time")), SYM, log=log.append)
    assert down.venue_now(now) == now
    assert len(log) == 2
    assert "not a clock within 60 min" in log[0] and "NetworkError" in log[1]
    assert all("judged closed by the local clock" in line for line in log)


class _Flaky(ReplayExchange):
    """The replay venue with a clock 30 s behind, offline while ``down`` (every request
    fails as :class:`OfflineExchange`'s do, its clock too), as a network that drops and
    comes back."""

    def __init__(self, now_ms: int) -> None:
        super().__init__(now_ms)
        self.has["fetchTime"] = True
        self.down = True

    def _fault(self, method: str) -> Any:
        if self.down:
            self.calls.append(method)
            return OfflineExchange._fault(self, method)  # type: ignore[arg-type]
        return super()._fault(method)

    def fetch_time(self) -> Any:
        self._fault("time")
        return self.now_ms - 30_000


def test_an_unreachable_venue_is_not_asked_its_clock_at_every_poll() -> None:
    """store30 item 5: offline, each interval began with one more failing request (the
    clock) before the fetches that fail anyway. The clock is not asked while the
    venue's last request failed; the first answer brings it back."""
    now = BAR + 3 * H
    ex = _Flaky(now)
    p = VenuePoller(ex, SYM, log=lambda s: None, sleep=lambda s: None)
    for _ in range(3):  # three offline intervals
        p.start_interval()
        assert p.fetch("ohlcv", "1h", BAR - 6 * H, ex.now_ms) is None
        ex.now_ms += H
    assert ex.calls.count("time") == 1  # the first interval's only (was one per interval)
    assert ex.calls.count("ohlcv") > 3  # the fetches were tried, and retried, each time
    ex.down = False  # back: this interval's fetch is the request that finds it
    p.start_interval()
    assert p.venue_now(ex.now_ms) == ex.now_ms  # no lag measured yet: the local clock
    assert p.fetch("ohlcv", "1h", BAR - 6 * H, ex.now_ms) is not None
    assert ex.calls.count("time") == 1
    ex.now_ms += H
    p.start_interval()  # answered last: the clock is asked again, its lag kept
    assert p.venue_now(ex.now_ms) == ex.now_ms - 30_000
    assert ex.calls.count("time") == 2
    ex.down = True  # down again: asked once (it failed), then the last lag stands in
    ex.now_ms += H
    p.start_interval()
    assert p.fetch("ohlcv", "1h", BAR - 6 * H, ex.now_ms) is None
    assert ex.calls.count("time") == 3
    p.start_interval()
    assert p.venue_now(ex.now_ms + H) == ex.now_ms + H - 30_000
    assert ex.calls.count("time") == 3
