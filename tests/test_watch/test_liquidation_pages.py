"""Liquidation records read by ``watch``: one rule with ``data ingest``.

Within one page, identical records (time, side, price, size) are distinct events, as a
file's identical rows are for ``data ingest``. Pages of one poll may overlap: an event
seen on two pages is one event, so a record's count is the most any one page holds,
never the sum. The store then numbers the events as it numbers a file's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from liqcascade.data import Store
from liqcascade.live._poll import VenuePoller, _merge_pages

SYM = "ETH/USDT:USDT"
NOW = 1_752_982_200_000  # 2025-07-20 03:30 UTC
T = NOW - 600_000


def _rec(dt: int, side: str = "sell", price: float = 3700.0, qty: float = 0.5) -> dict[str, Any]:
    return {"timestamp": T + dt, "price": price, "baseValue": qty, "side": side}


class _PagedVenue:
    """A ccxt-like venue serving fixed pages, one per call, whatever ``since`` says."""

    id = "binance"

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.has = {"fetchLiquidations": True}
        self.pages = [list(p) for p in pages]
        self.since: list[int] = []

    def fetch_liquidations(self, symbol: str, since: Any = None, limit: Any = None) -> list:
        self.since.append(int(since))
        return [dict(r) for r in self.pages.pop(0)] if self.pages else []


def _events(pages: list[list[dict[str, Any]]]) -> list[tuple[int, str, float, float]]:
    p = VenuePoller(_PagedVenue(pages), SYM, log=lambda m: None)
    s = p.fetch_liquidations(T - 3_600_000, NOW)
    assert s is not None
    f = s.frame
    ms = f["ts"].astype("int64") // 1000  # µs -> ms
    return list(zip(ms.tolist(), f["side"], f["price"], f["qty"], strict=True))


def test_identical_records_on_one_page_are_distinct_events() -> None:
    got = _events([[_rec(0), _rec(0), _rec(0), _rec(5, "buy")]])
    assert got == [(T, "long", 3700.0, 0.5)] * 3 + [(T + 5, "short", 3700.0, 0.5)]


def test_overlapping_pages_count_an_event_once_and_keep_repeats() -> None:
    """Page 2 starts before page 1 ends (the venue serves from before ``since``): the
    two events at ``T`` it shows again are the same two, and the third identical one
    only page 2 holds is one more: 3 in all, not 2 + 3."""
    page1 = [_rec(-10, qty=1.0), _rec(0), _rec(0)]
    page2 = [_rec(0), _rec(0), _rec(0), _rec(7, "buy", 3705.0)]
    got = _events([page1, page2])
    assert got == [
        (T - 10, "long", 3700.0, 1.0),
        *[(T, "long", 3700.0, 0.5)] * 3,
        (T + 7, "short", 3705.0, 0.5),
    ]


def test_a_page_served_twice_adds_nothing() -> None:
    page = [_rec(0), _rec(0), _rec(3, "buy")]
    assert _events([page, page]) == _events([page])


def test_merge_takes_the_most_any_page_holds() -> None:
    a, b = (1, "long", 1.0, 1.0), (2, "short", 1.0, 1.0)
    seen: dict[tuple[int, str, float, float], int] = {}
    _merge_pages(seen, {a: 2})
    _merge_pages(seen, {a: 1, b: 1})
    _merge_pages(seen, {a: 3})
    assert seen == {a: 3, b: 1}


def test_the_store_numbers_a_polls_repeats_and_a_later_overlap_adds_nothing(
    tmp_path: Path,
) -> None:
    """Three identical events of one poll are three stored rows (occurrence 1, 2, 3);
    the same three served again (a later poll's overlap) add nothing, a fourth adds one."""
    path = tmp_path / "s.duckdb"
    three = [_rec(0), _rec(0), _rec(0)]
    p = VenuePoller(_PagedVenue([three, [], three, [], [*three, _rec(0)]]), SYM,
                    log=lambda m: None)  # fmt: skip
    with Store(path) as st:
        for added in (3, 0, 1):
            s = p.fetch_liquidations(T - 3_600_000, NOW)
            assert s is not None
            assert st.ingest([s]).rows_added == added
        got = st.read("liquidation_events")
    assert len(got) == 4 and got["qty"].sum() == pytest.approx(2.0, rel=1e-12)


class _LimitedVenue(_PagedVenue):
    """A venue that honours ``since`` and ``limit``, oldest first, over fixed records."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        super().__init__([])
        self.records = sorted(records, key=lambda r: r["timestamp"])

    def fetch_liquidations(self, symbol: str, since: Any = None, limit: Any = None) -> list:
        self.since.append(int(since))
        hit = [dict(r) for r in self.records if r["timestamp"] >= int(since)]
        return hit[: int(limit)]


def test_a_full_page_ending_inside_a_millisecond_loses_none_of_its_events() -> None:
    """Four records, pages of three: the first page ends with one of the two identical
    events at ``T``; the next page starts at ``T`` again (not ``T + 1``), so both are
    read, once each, and the last record too."""
    recs = [_rec(-5), _rec(-3, "buy"), _rec(0), _rec(0), _rec(0, "buy", 3701.0), _rec(9)]
    venue = _LimitedVenue(recs)
    p = VenuePoller(venue, SYM, log=lambda m: None)
    s = p.fetch_liquidations(T - 3_600_000, NOW, limit=3)
    assert s is not None
    ms = (s.frame["ts"].astype("int64") // 1000).tolist()
    got = list(zip(ms, s.frame["side"], s.frame["price"], strict=True))
    assert got == [(T - 5, "long", 3700.0), (T - 3, "short", 3700.0), (T, "long", 3700.0),
                   (T, "long", 3700.0), (T, "short", 3701.0), (T + 9, "long", 3700.0)]  # fmt: skip
    assert venue.since[:3] == [T - 3_600_000, T, T + 1]


def test_a_full_page_all_in_one_millisecond_still_moves_on() -> None:
    """More events in one millisecond than a page holds: the cursor advances past it
    (no endless loop); what a page cannot hold at one millisecond is the venue's limit."""
    venue = _LimitedVenue([_rec(0), _rec(0), _rec(0), _rec(4, "buy")])
    s = VenuePoller(venue, SYM, log=lambda m: None).fetch_liquidations(T, NOW, limit=2)
    assert s is not None
    assert len(s.frame) == 3 and venue.since[:3] == [T, T + 1, T + 5]
