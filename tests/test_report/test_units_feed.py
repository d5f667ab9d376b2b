"""The report's units sentences name the feed the library's ``book_units`` names.

The package's calibrations are fitted on Binance's recorded liquidations: the report says
"Binance-feed dollars" as before. A store's own calibration, fitted on another venue's
record, makes its book that venue's feed dollars, and the report says so.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from liqcascade.report._units import (
    BINANCE_FEED,
    book_feed,
    book_share,
    feed_dollars,
    front_line,
    qualifier,
)


def _ctx(feed: str | None) -> Any:
    market: dict[str, Any] = {"asset": "SOL", "long_notional_usd": 3.0,
                              "short_notional_usd": 1.5, "open_interest_usd": 1000.0}  # fmt: skip
    if feed is not None:
        market["liquidation_feed"] = feed
    return SimpleNamespace(asset="SOL", market=market, memo=lambda key, fn: fn())


def test_the_feed_of_the_reports_market() -> None:
    assert book_feed(_ctx(None)) == BINANCE_FEED  # a fingerprint of before: Binance's
    assert book_feed(_ctx("binance")) == BINANCE_FEED
    assert book_feed(_ctx("okx")) == ("okx-feed", "okx's recorded liquidation feed")
    assert book_share(_ctx("okx")) == pytest.approx(0.0045, rel=1e-12)  # 4.5 / 1000
    # not said to be Binance's when the calibration did not write its feed
    assert book_feed(_ctx("")) == ("feed", "the recorded liquidation feed the book was fitted on")


def test_the_sentences_name_the_feed() -> None:
    shares = {"ETH": 0.0045, "BTC": 0.0011}
    assert front_line(shares) == (
        "Units: book dollars (liquidations, margin, bad debt) are on the scale of Binance's "
        "recorded liquidation feed (ETH 0.45 %, BTC 0.11 % of open interest); depth is in "
        "market dollars."
    )
    okx = {"ETH": BINANCE_FEED[1], "SOL": "okx's recorded liquidation feed"}
    line = front_line({"ETH": 0.0045, "SOL": 0.002}, okx)
    assert "scale of Binance's recorded liquidation feed and okx's recorded liquidation " in line
    assert qualifier("ETH", 0.0045).startswith(
        "Units: the book's dollars are on the scale of Binance's recorded liquidation feed "
    )
    assert "scale of okx's recorded liquidation feed (only" in qualifier("SOL", 0.002, okx["SOL"])
    assert feed_dollars(0.0045).startswith("Binance-feed dollars (0.45 % of open interest)")
    assert feed_dollars(0.002, "okx-feed").startswith("okx-feed dollars (0.20 % of open interest)")
