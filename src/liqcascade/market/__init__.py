"""The market of an asset at a date: ``MarketSpec -> estimated_market() -> MarketState``.

Every command and report section that needs "the estimated market at a date"
(positions, modelled stops, order book, price, open interest) builds it here, with one
date rule (:func:`liqcascade._time.resolve_as_of`), one set of calibrated constants
(:data:`BINANCE_BOOK_SHARE`, :data:`EXCHANGE_OI_SHARE`, :func:`liqcascade.book.depth_beta`,
the shipped position-estimation parameters) and one door to the data
(:func:`liqcascade.data.load_series`).

Also public: what the estimated book's dollars are (:func:`book_units` ->
:class:`BookUnits`: the book's share of aggregated open interest, fraction, and the venue
whose recorded liquidation feed sets its scale), and the liquidation map's bands
(:func:`map_bands`, :func:`draw_maps`, :func:`book_score`, :data:`MAP_LEVELS`).

Examples
--------
>>> from liqcascade.market import MarketSpec, estimated_market
>>> m = estimated_market(MarketSpec(asset="ETH", as_of="2025-07-31"))
>>> m.fingerprint()["as_of"]
'2025-07-31T20:00:00+00:00'
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
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
    MARKET_BAR,
    MarketSpec,
    MarketState,
    estimated_market,
    market_close_time,
    market_from_inputs,
    market_times,
    quiet_caveats,
)
from liqcascade.market._units import BookUnits, book_units, calibration_feed

if TYPE_CHECKING:
    from liqcascade.market._inputs import book_totals_for as book_totals_for
    from liqcascade.market._inputs import closed_by as closed_by
    from liqcascade.market._inputs import load_market_frames as load_market_frames
    from liqcascade.market._inputs import long_short_for as long_short_for
    from liqcascade.market._liqmap import run_liqmap_request as run_liqmap_request
    from liqcascade.market._mapband import MAP_LEVELS as MAP_LEVELS
    from liqcascade.market._mapband import book_score as book_score
    from liqcascade.market._mapband import book_score_text as book_score_text
    from liqcascade.market._mapband import draw_maps as draw_maps
    from liqcascade.market._mapband import map_bands as map_bands
    from liqcascade.market._mapband import usd3 as usd3
    from liqcascade.market._mapband import value_band_text as value_band_text
    from liqcascade.market._over_time import _labels as bar_labels  # noqa: F401
    from liqcascade.market._state import caveat_context as caveat_context
    from liqcascade.market._units import BOOK_DOLLARS as BOOK_DOLLARS
    from liqcascade.market._units import feed_dollars as feed_dollars
    from liqcascade.market._units import share_percent as share_percent

__all__ = [
    "BINANCE_BOOK_SHARE",
    "EXCHANGE_OI_SHARE",
    "MARKET_BAR",
    "MARKET_PARAMS_FILE",
    "BookUnits",
    "MarketBook",
    "MarketInputs",
    "MarketSpec",
    "MarketState",
    "bars_until",
    "book_backtest",
    "book_units",
    "bundled_book_totals",
    "calibration_feed",
    "estimated_market",
    "load_market_inputs",
    "market_books",
    "market_close_time",
    "market_from_inputs",
    "market_heatmap",
    "market_params",
    "market_times",
    "ohlc_bars",
    "price_at",
    "quiet_caveats",
]

__all__ += ["MAP_LEVELS", "book_score", "draw_maps", "map_bands"]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
# The names outside __all__ are shared internals (their numpydoc is not complete).
_LAZY: dict[str, tuple[str, str]] = {
    "MAP_LEVELS": ("_mapband", "MAP_LEVELS"),
    "bar_labels": ("_over_time", "_labels"),
    "book_score": ("_mapband", "book_score"),
    "book_score_text": ("_mapband", "book_score_text"),
    "book_totals_for": ("_inputs", "book_totals_for"),
    "caveat_context": ("_state", "caveat_context"),
    "closed_by": ("_inputs", "closed_by"),
    "draw_maps": ("_mapband", "draw_maps"),
    "load_market_frames": ("_inputs", "load_market_frames"),
    "long_short_for": ("_inputs", "long_short_for"),
    "map_bands": ("_mapband", "map_bands"),
    "run_liqmap_request": ("_liqmap", "run_liqmap_request"),
    "BOOK_DOLLARS": ("_units", "BOOK_DOLLARS"),
    "feed_dollars": ("_units", "feed_dollars"),
    "share_percent": ("_units", "share_percent"),
    "usd3": ("_mapband", "usd3"),
    "value_band_text": ("_mapband", "value_band_text"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_inputs":
        from liqcascade.market import _inputs

        return getattr(_inputs, attr)
    if module == "_liqmap":
        from liqcascade.market import _liqmap

        return getattr(_liqmap, attr)
    if module == "_mapband":
        from liqcascade.market import _mapband

        return getattr(_mapband, attr)
    if module == "_over_time":
        from liqcascade.market import _over_time

        return getattr(_over_time, attr)
    if module == "_state":
        from liqcascade.market import _state

        return getattr(_state, attr)
    if module == "_units":
        from liqcascade.market import _units

        return getattr(_units, attr)
    raise AttributeError(f"module 'liqcascade.market' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
