"""The market of an asset at a date: ``MarketSpec -> estimated_market() -> MarketState``.

Every command and report section that needs "the estimated market at a date"
(positions, modelled stops, order book, price, open interest) builds it here, with one
date rule (:func:`liqcascade._time.resolve_as_of`), one set of calibrated constants
(:data:`BINANCE_BOOK_SHARE`, :data:`EXCHANGE_OI_SHARE`, :func:`liqcascade.book.depth_beta`,
the shipped position-estimation parameters) and one door to the data
(:func:`liqcascade.data.load_series`).

Examples
--------
>>> from liqcascade.market import MarketSpec, estimated_market
>>> m = estimated_market(MarketSpec(asset="ETH", as_of="2025-07-31"))
>>> m.fingerprint()["as_of"]
'2025-07-31T20:00:00+00:00'
"""

from liqcascade.market._book_backtest import book_backtest
from liqcascade.market._inputs import (
    MarketInputs,
    bars_until,
    bundled_book_totals,
    load_market_inputs,
    ohlc_bars,
    price_at,
)
from liqcascade.market._over_time import MarketBook, market_books, market_heatmap
from liqcascade.market._params import (
    BINANCE_BOOK_SHARE,
    EXCHANGE_OI_SHARE,
    MARKET_PARAMS_FILE,
    market_params,
)
from liqcascade.market._state import (
    MarketSpec,
    MarketState,
    estimated_market,
    market_from_inputs,
    quiet_caveats,
)

__all__ = [
    "BINANCE_BOOK_SHARE",
    "EXCHANGE_OI_SHARE",
    "MARKET_PARAMS_FILE",
    "MarketBook",
    "MarketInputs",
    "MarketSpec",
    "MarketState",
    "bars_until",
    "book_backtest",
    "bundled_book_totals",
    "estimated_market",
    "load_market_inputs",
    "market_books",
    "market_from_inputs",
    "market_heatmap",
    "market_params",
    "ohlc_bars",
    "price_at",
    "quiet_caveats",
]
