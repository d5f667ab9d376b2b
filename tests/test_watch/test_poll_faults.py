"""The poller retries the venue's faults only: a bug in liqcascade raises at once.

A fault is a ccxt error, a network error, a page not in ccxt's shape (``Malformed``,
raised by the parsing helpers) or one the general reader refuses (``InputError``);
its log line names the exception's type.
"""

from __future__ import annotations

from typing import Any

import ccxt
import pandas as pd
import pytest

from liqcascade.live._poll import ClosedBars, Malformed, VenuePoller

from .fake import SYM, ReplayExchange

H = 3_600_000
NOW = int(pd.Timestamp("2025-07-20 03:30", tz="UTC").value // 1_000_000)


def _poller(faults: dict[str, list[Any]]) -> tuple[VenuePoller, list[str], list[float]]:
    lines: list[str] = []
    pauses: list[float] = []
    ex = ReplayExchange(NOW, faults)
    return VenuePoller(ex, SYM, log=lines.append, sleep=pauses.append), lines, pauses


def test_a_venue_fault_is_retried_and_its_log_line_names_the_type() -> None:
    p, lines, pauses = _poller({"ohlcv": [ccxt.RequestTimeout("GET /klines timed out")],
                                "book": [ccxt.NetworkError("connection reset")]})  # fmt: skip
    assert p.fetch("ohlcv", "1h", NOW - 10 * H, NOW) is not None
    assert p.fetch_book() is not None
    assert "binance ohlcv 1h: RequestTimeout: GET /klines timed out; retry in 1 s" in lines
    assert "binance order book: NetworkError: connection reset; retry in 1 s" in lines
    assert pauses == [1.0, 1.0]


@pytest.mark.parametrize("method", ["ohlcv", "book", "liq"])
def test_a_bug_raises_instead_of_being_retried(method: str) -> None:
    p, lines, pauses = _poller({method: [TypeError("a bug in our call")]})
    fetch = {
        "ohlcv": lambda: p.fetch("ohlcv", "1h", NOW - 10 * H, NOW),
        "book": p.fetch_book,
        "liq": lambda: p.fetch_liquidations(NOW - 10 * H, NOW),
    }[method]
    with pytest.raises(TypeError, match="a bug in our call"):
        fetch()
    assert lines == [] and pauses == []  # not reported as a venue fault, not retried


class _ListRecords(ReplayExchange):
    """Open interest sent as lists, not ccxt's records (once)."""

    sent = False

    def fetch_open_interest_history(self, *a: Any, **k: Any) -> Any:
        rows = super().fetch_open_interest_history(*a, **k)
        if self.sent:
            return rows
        self.sent = True
        return [[r["timestamp"], r["openInterestValue"]] for r in rows]


def test_a_page_in_another_shape_is_malformed_not_a_crash() -> None:
    with pytest.raises(Malformed, match="open interest: bad row"):
        ClosedBars(_ListRecords(NOW), NOW).fetch_open_interest_history(SYM, "4h", NOW - 13 * H)
    candles_as_records = [{"timestamp": NOW - 5 * H, "open": 1.0}]
    with pytest.raises(Malformed, match="ohlcv: bad row"):
        ClosedBars(ReplayExchange(NOW), NOW)._clean(candles_as_records, H, "ohlcv", candles=True)
    lines: list[str] = []
    p = VenuePoller(_ListRecords(NOW), SYM, log=lines.append, sleep=lambda s: None)
    assert p.fetch("open_interest", "4h", NOW - 13 * H, NOW) is not None  # retried
    assert any("Malformed: open interest: bad row" in ln for ln in lines)
