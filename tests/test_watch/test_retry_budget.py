"""An unreachable venue costs one retry budget per interval, not a backoff per series."""

from __future__ import annotations

import pandas as pd

from liqcascade.live._poll import VenuePoller

from .fake import SYM, OfflineExchange

_Offline = OfflineExchange


def _poller(now: int, budget: float) -> tuple[VenuePoller, list[float], list[str]]:
    pauses: list[float] = []
    lines: list[str] = []
    ex = _Offline(now)
    p = VenuePoller(ex, SYM, log=lines.append, sleep=pauses.append, retry_budget_s=budget)
    return p, pauses, lines


def test_an_offline_venue_spends_at_most_its_budget_then_is_skipped_for_the_interval() -> None:
    now = int(pd.Timestamp("2025-07-20 03:30", tz="UTC").value // 1_000_000)
    since = now - 48 * 3_600_000
    p, pauses, lines = _poller(now, budget=20.0)
    p.start_interval()
    assert p.fetch("ohlcv", "1h", since, now) is None
    assert p.skipped
    # every pause taken fits in the budget, and the next one would not have
    assert 0 < sum(pauses) <= 20.0
    calls = len(p.exchange.calls)
    # the other series and the book of the same interval are not tried at all
    assert p.fetch("open_interest", "4h", since, now) is None
    assert p.fetch_liquidations(since, now) is None
    assert p.fetch_book() is None
    assert len(p.exchange.calls) == calls and sum(pauses) <= 20.0
    assert any("retry budget of 20 s spent" in s for s in lines)
    # a new interval tries the venue again, with a whole budget
    p.start_interval()
    assert not p.skipped
    assert p.fetch_book() is None
    assert len(p.exchange.calls) > calls
    assert sum(pauses) <= 40.0


def test_a_larger_budget_allows_more_retries_never_more_than_it() -> None:
    now = int(pd.Timestamp("2025-07-20 03:30", tz="UTC").value // 1_000_000)
    for budget in (0.5, 3.0, 7.0, 60.0):
        p, pauses, _ = _poller(now, budget)
        p.start_interval()
        p.fetch("ohlcv", "1h", now - 3_600_000 * 10, now)
        assert sum(pauses) <= budget
        if budget < 1.0:  # the first backoff (1 s) does not fit: no pause at all
            assert pauses == []
