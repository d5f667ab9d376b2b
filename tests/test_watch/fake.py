"""A local fake exchange replaying the bundled ETH data in ccxt's shapes, with faults.

The package's :class:`~liqcascade.live.RecordedExchange` (what ``watch --replay``
serves) over the bundled ETH series (hourly candles, 4-hourly open interest, funding
and liquidations), as the venue ``binance``, with an order book (a parametric one
around the last closed candle's close) and faults: ``faults`` maps a method name to a
list of faults served on its next calls: an exception instance (raised),
``"malformed"`` (a payload not in ccxt's shape), ``"duplicate"`` (the page's last row
sent twice: for candles and levels, one row re-sent; for liquidations, two identical
events), ``"overlap"`` (a liquidation page served from 8 hours before ``since``, as a
venue whose pages overlap: events seen again, not new ones) or ``"shuffle"`` (rows out
of order). ``liquidations=False``: a venue that
does not publish them (``has["fetchLiquidations"]`` False).
"""

from __future__ import annotations

import bisect
from functools import cache
from typing import Any

import ccxt
import pandas as pd

from liqcascade.data import load_series
from liqcascade.live import RecordedExchange

SYM = "ETH/USDT:USDT"
H = 3_600_000


@cache
def _bundled() -> tuple[pd.DataFrame, ...]:
    kinds = (("ohlcv", "1h"), ("open_interest", "4h"), ("funding", None), ("liquidations", "4h"))
    return tuple(load_series(k, asset="ETH", interval=i, store=False) for k, i in kinds)


def _mangled(rows: list[Any], fault: Any) -> list[Any]:
    if fault == "duplicate" and rows:
        rows.append(type(rows[-1])(rows[-1]))
    if fault == "shuffle" and len(rows) > 2:
        rows = rows[1::2] + rows[0::2]
    return rows


class ReplayExchange(RecordedExchange):
    """Replays recorded bundled data; ``now_ms`` is the exchange's clock."""

    def __init__(
        self, now_ms: int, faults: dict[str, list[Any]] | None = None, *, liquidations: bool = True
    ) -> None:
        px, oi, fr, liq = _bundled()
        super().__init__(px, oi, fr, liq if liquidations else None, now_ms=now_ms, symbol=SYM,
                         venue="binance")  # fmt: skip
        self.has["fetchOrderBook"] = True
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        self.calls: list[str] = []

    def _fault(self, method: str) -> Any:
        self.calls.append(method)
        q = self.faults.get(method)
        if not q:
            return None
        f = q.pop(0)
        if isinstance(f, Exception):
            raise f
        return f

    def fetch_ohlcv(self, symbol, timeframe="1h", since=None, limit=None):
        f = self._fault("ohlcv")
        if f == "malformed":
            return [[since, "n/a", None, 1.0]]
        return _mangled(super().fetch_ohlcv(symbol, timeframe, since, limit), f)

    def fetch_open_interest_history(
        self, symbol, timeframe="1h", since=None, limit=None, params=None
    ):
        f = self._fault("oi")
        if f == "malformed":
            return {"error": "unexpected"}
        return _mangled(super().fetch_open_interest_history(symbol, timeframe, since, limit), f)

    def fetch_funding_rate_history(self, symbol=None, since=None, limit=None, params=None):
        self._fault("funding")
        return super().fetch_funding_rate_history(symbol, since, limit)

    def fetch_liquidations(self, symbol, since=None, limit=None, params=None):
        assert self.has["fetchLiquidations"]
        f = self._fault("liq")
        if f == "malformed":
            return [{"timestamp": "soon", "price": None}]
        if f == "overlap":
            since = max(0, (since or 0) - 8 * H)
        return _mangled(super().fetch_liquidations(symbol, since, limit), f)

    def fetch_order_book(self, symbol, limit=None):
        if self._fault("book") == "malformed":
            return {"bids": "oops"}
        k = bisect.bisect_right(self.px_ts, self.now_ms - H) - 1
        mid = float(self.px[k][4])
        bids = [[mid * (1 - 0.0005 * k), 150.0 + 20.0 * k] for k in range(1, 80)]
        asks = [[mid * (1 + 0.0005 * k), 140.0 + 21.0 * k] for k in range(1, 80)]
        return {"symbol": symbol, "bids": bids, "asks": asks, "timestamp": self.now_ms}


FAULTS: dict[str, list[Any]] = {
    "ohlcv": [ccxt.RequestTimeout("binance GET /fapi/v1/klines timed out"), "duplicate",
              ccxt.RateLimitExceeded("binance 429 Too Many Requests"), "malformed", "shuffle"],
    "oi": ["malformed", "duplicate"],
    "book": ["malformed"],
    "liq": [ccxt.RequestTimeout("binance GET /fapi/v1/forceOrders timed out"), "malformed",
            "overlap"],
}  # fmt: skip


class OfflineExchange(ReplayExchange):
    """Every request fails as it does without a network (ccxt's NetworkError).

    Before any check of its arguments (the replay's are for ETH's symbol only): the
    poller retries only the venue's faults, so an AssertionError here would raise.
    """

    def _fault(self, method: str) -> Any:
        raise ccxt.NetworkError(f"binance GET {method}: Temporary failure in name resolution")

    def _offline(self, method: str) -> Any:
        self.calls.append(method)
        return self._fault(method)

    def fetch_ohlcv(self, *a: Any, **k: Any) -> Any:
        return self._offline("ohlcv")

    def fetch_open_interest_history(self, *a: Any, **k: Any) -> Any:
        return self._offline("oi")

    def fetch_funding_rate_history(self, *a: Any, **k: Any) -> Any:
        return self._offline("funding")

    def fetch_liquidations(self, *a: Any, **k: Any) -> Any:
        return self._offline("liq")

    def fetch_order_book(self, *a: Any, **k: Any) -> Any:
        return self._offline("book")
