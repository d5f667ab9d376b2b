"""Liquidations given in contracts are stored in base units, or not at all.

ccxt's unified liquidation may give ``contracts`` without ``baseValue``. A contract is
not one base unit on every venue (OKX's ETH-USDT-SWAP: 0.1 ETH), so the size comes from
the record's ``contractSize``, else from ccxt's market; with neither, the records are
dropped with a log line naming the market, never stored as contracts x 1.
"""

from __future__ import annotations

from typing import Any

import pytest

from liqcascade.live._poll import VenuePoller

SYM = "ETH/USDT:USDT"
NOW = 1_752_982_200_000  # 2025-07-20 03:30 UTC


class _ContractsVenue:
    """A ccxt-like venue whose liquidations give contracts only (one page)."""

    id = "okx"

    def __init__(self, record_size: float | None, market_size: float | None) -> None:
        self.has = {"fetchLiquidations": True}
        self.markets = {SYM: {"contractSize": market_size}} if market_size else {}
        self.record_size = record_size

    def fetch_liquidations(self, symbol: str, since: int | None = None, limit: Any = None):
        if since is not None and since > NOW - 60_000:
            return []
        rec = {"timestamp": NOW - 60_000, "price": 3700.0, "contracts": 12, "side": "sell"}
        if self.record_size is not None:
            rec["contractSize"] = self.record_size
        return [rec]


@pytest.mark.parametrize(
    ("record_size", "market_size", "qty"),
    [(0.1, None, 1.2), (None, 0.1, 1.2), (0.1, 0.01, 1.2), (0.0, 0.1, 1.2)],
    ids=["the record's", "the market's", "the record's first", "a record's 0: the market's"],
)
def test_contracts_times_the_contract_size(
    record_size: float | None, market_size: float | None, qty: float
) -> None:
    lines: list[str] = []
    p = VenuePoller(_ContractsVenue(record_size, market_size), SYM, log=lines.append)
    s = p.fetch_liquidations(NOW - 3_600_000, NOW)
    assert s is not None and s.frame["qty"].tolist() == pytest.approx([qty], rel=1e-12)
    assert s.frame["side"].tolist() == ["long"] and not lines


def test_contracts_of_an_unknown_size_are_dropped_naming_the_market() -> None:
    lines: list[str] = []
    p = VenuePoller(_ContractsVenue(None, None), SYM, log=lines.append)
    assert p.fetch_liquidations(NOW - 3_600_000, NOW) is None  # nothing stored as 12 ETH
    assert lines == [
        f"okx liquidations: 1 record of {SYM} in contracts without a contract size "
        "(neither the record nor ccxt's market gives one) dropped, not stored as base units"
    ]
