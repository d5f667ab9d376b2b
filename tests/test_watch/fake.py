"""A local fake exchange replaying the bundled ETH data in ccxt's shapes, with faults.

Hourly candles (Binance spot ETH, bundled), 4-hourly open interest (the bundled
aggregated series, served as the venue's) and 4-hourly funding, all as ccxt's
``fetch_ohlcv`` / ``fetch_open_interest_history`` / ``fetch_funding_rate_history`` /
``fetch_order_book`` return them, up to the fake's clock (the forming candle included,
as venues send it), and the bundled 4-hourly liquidations (USD by side) as records of
ccxt's liquidation shape from ``fetch_liquidations`` (``liquidations=False``: a venue
that does not publish them, ``has["fetchLiquidations"]`` False). ``faults`` maps a
method name to a list of faults served on its next calls: an exception instance
(raised), ``"malformed"`` (a payload not in ccxt's shape), ``"duplicate"`` (the page's
last row sent twice) or ``"shuffle"`` (rows out of order).
"""

from __future__ import annotations

import bisect
from typing import Any

import ccxt
import pandas as pd

from liqcascade.data import bundled

SYM = "ETH/USDT:USDT"
H = 3_600_000


def _ms(idx: pd.DatetimeIndex) -> list[int]:
    return [int(t.value // 1_000_000) for t in idx]


class ReplayExchange:
    """Replays recorded bundled data; ``now_ms`` is the exchange's clock."""

    id = "binance"

    def __init__(
        self, now_ms: int, faults: dict[str, list[Any]] | None = None, *, liquidations: bool = True
    ) -> None:
        self.has = {"fetchLiquidations": liquidations}
        self.now_ms = now_ms
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        px = bundled.load_ohlcv("ETH", "1h")
        self.px = list(zip(_ms(px.index), px["open"], px["high"], px["low"], px["close"],
                           px["volume"], strict=True))  # fmt: skip
        oi = bundled.load_open_interest(asset="ETH")
        self.oi = list(zip(_ms(oi.index), oi["oi_usd"], strict=True))
        fr = bundled.load_funding(asset="ETH") if hasattr(bundled, "load_funding") else None
        fr = fr if fr is not None and "rate" in fr else None
        self.fr = [] if fr is None else list(zip(_ms(fr.index), fr["rate"], strict=True))
        self.px_ts = [r[0] for r in self.px]
        # the bundled 4-hourly liquidations (USD by side), one record per side and bar,
        # published at the bar's last millisecond at the bar's last hourly close
        liq = bundled.load_liquidations(asset="ETH")
        close = px["close"]
        self.liq: list[dict[str, Any]] = []
        for t, row in zip(_ms(liq.index), liq.itertuples(index=False), strict=True):
            at = t + 4 * H - 1
            k = bisect.bisect_right(self.px_ts, t + 3 * H) - 1
            if k < 0:
                continue
            price = float(close.iloc[k])
            for side, usd in (("long", row.long_usd), ("short", row.short_usd)):
                if usd == usd and usd > 0:
                    self.liq.append({"symbol": SYM, "timestamp": at, "datetime": "x",
                                     "price": price, "baseValue": float(usd) / price,
                                     "quoteValue": float(usd), "contracts": None,
                                     "contractSize": None, "side": side, "info": {}})  # fmt: skip
        self.liq_ts = [r["timestamp"] for r in self.liq]
        self.calls: list[str] = []

    def _fault(self, method: str) -> Any:
        q = self.faults.get(method)
        if not q:
            return None
        f = q.pop(0)
        if isinstance(f, Exception):
            raise f
        return f

    def fetch_ohlcv(self, symbol, timeframe="1h", since=None, limit=None):
        assert symbol == SYM and timeframe == "1h"
        self.calls.append("ohlcv")
        f = self._fault("ohlcv")
        if f == "malformed":
            return [[since, "n/a", None, 1.0]]
        i = bisect.bisect_left(self.px_ts, since or 0)
        j = bisect.bisect_right(self.px_ts, self.now_ms)
        rows = [list(r) for r in self.px[i : min(j, i + (limit or 500))]]
        if f == "duplicate" and rows:
            rows.append(list(rows[-1]))
        if f == "shuffle" and len(rows) > 2:
            rows = rows[1::2] + rows[0::2]
        return rows

    def fetch_open_interest_history(
        self, symbol, timeframe="1h", since=None, limit=None, params=None
    ):
        assert timeframe == "4h"
        self.calls.append("oi")
        f = self._fault("oi")
        if f == "malformed":
            return {"error": "unexpected"}
        rows = [r for r in self.oi if r[0] >= (since or 0) and r[0] <= self.now_ms][: limit or 500]
        out = [{"symbol": symbol, "timestamp": t, "datetime": "x",
                "openInterestAmount": None, "openInterestValue": float(v), "info": {}}
               for t, v in rows]  # fmt: skip
        if f == "duplicate" and out:
            out.append(dict(out[-1]))
        return out

    def fetch_funding_rate_history(self, symbol=None, since=None, limit=None, params=None):
        self.calls.append("funding")
        self._fault("funding")
        rows = [r for r in self.fr if r[0] >= (since or 0) and r[0] <= self.now_ms][: limit or 500]
        return [{"symbol": symbol, "timestamp": t, "datetime": "x", "fundingRate": float(v),
                 "info": {}} for t, v in rows]  # fmt: skip

    def fetch_liquidations(self, symbol, since=None, limit=None, params=None):
        assert symbol == SYM and self.has["fetchLiquidations"]
        self.calls.append("liq")
        f = self._fault("liq")
        if f == "malformed":
            return [{"timestamp": "soon", "price": None}]
        i = bisect.bisect_left(self.liq_ts, since or 0)
        j = bisect.bisect_right(self.liq_ts, self.now_ms)
        out = [dict(r) for r in self.liq[i : min(j, i + (limit or 100))]]
        if f == "duplicate" and out:
            out.append(dict(out[-1]))
        return out

    def fetch_order_book(self, symbol, limit=None):
        self.calls.append("book")
        if self._fault("book") == "malformed":
            return {"bids": "oops"}
        k = bisect.bisect_right(self.px_ts, self.now_ms - H) - 1
        last = self.px[k]
        mid = float(last[4])
        bids = [[mid * (1 - 0.0005 * k), 150.0 + 20.0 * k] for k in range(1, 80)]
        asks = [[mid * (1 + 0.0005 * k), 140.0 + 21.0 * k] for k in range(1, 80)]
        return {"symbol": symbol, "bids": bids, "asks": asks, "timestamp": self.now_ms}


FAULTS: dict[str, list[Any]] = {
    "ohlcv": [ccxt.RequestTimeout("binance GET /fapi/v1/klines timed out"), "duplicate",
              ccxt.RateLimitExceeded("binance 429 Too Many Requests"), "malformed", "shuffle"],
    "oi": ["malformed", "duplicate"],
    "book": ["malformed"],
    "liq": [ccxt.RequestTimeout("binance GET /fapi/v1/forceOrders timed out"), "malformed",
            "duplicate"],
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
