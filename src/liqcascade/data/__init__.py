"""Market data: readers for many layouts, validation, the DuckDB store, live fetch.

The entry point for every analysis is :func:`load_series`, which returns one
canonical series from a user's file, else the store, else the bundled data.

Also public: the bundled datasets behind the models' defaults
(:func:`bundled_assets`, :func:`bundled_book_totals`, :func:`bundled_price_range`,
:func:`price_at`, :func:`aave_reserve_params`) and :func:`default_store_source`.

Examples
--------
>>> from liqcascade.data import load_series
>>> oi = load_series("open_interest", asset="ETH", interval="4h", store=False)
>>> oi.attrs["source"]
'bundled:eth_oi_4h'
"""

from typing import TYPE_CHECKING, Any

from liqcascade import _exports
from liqcascade._symbols import base_asset, contract_symbol, split_symbol
from liqcascade.data._fetch import FETCH_KINDS, FetchResult, fetch_series
from liqcascade.data._frame import SeriesFrame, bars_per_day, resample_ohlcv
from liqcascade.data._inputs import (
    BOOK_VENUES,
    book_totals_series,
    load_book_totals,
    long_short_series,
)
from liqcascade.data._kinds import (
    DEFAULT_INTERVAL,
    KINDS,
    LONG_SHORT_MEASURES,
    PUBLIC_KINDS,
    Kind,
)
from liqcascade.data._market_date import (
    MARKET_SERIES,
    MarketDate,
    load_market_date,
    market_date,
    series_text,
)
from liqcascade.data._quality import suspect_liquidation_bars
from liqcascade.data._readers import LAYOUTS, IntervalMismatch, read_file
from liqcascade.data._series import SeriesNotFound, bundled_name, load_series, long_short_wide
from liqcascade.data._source import SourcePart, source_parts
from liqcascade.data._store import IngestInterrupted, IngestResult, Store, default_store_path
from liqcascade.data._time import infer_interval
from liqcascade.data._validate import validate

if TYPE_CHECKING:
    from liqcascade.data._defaults import aave_reserve_params as aave_reserve_params
    from liqcascade.data._defaults import book_totals as book_totals
    from liqcascade.data._defaults import bundled_assets as bundled_assets
    from liqcascade.data._defaults import bundled_book_totals as bundled_book_totals
    from liqcascade.data._defaults import bundled_price_range as bundled_price_range
    from liqcascade.data._defaults import dataset as dataset
    from liqcascade.data._defaults import dataset_index as dataset_index
    from liqcascade.data._defaults import derivatives as derivatives
    from liqcascade.data._defaults import ohlcv as ohlcv
    from liqcascade.data._defaults import price_at as price_at
    from liqcascade.data._fetch import _funding_hours as funding_hours  # noqa: F401
    from liqcascade.data._fetch import make_exchange as make_exchange
    from liqcascade.data._store import default_store_source as default_store_source
    from liqcascade.data._store import is_interrupt as is_interrupt
    from liqcascade.data._time import count_gaps as count_gaps
    from liqcascade.data._time import duration_text as duration_text
    from liqcascade.data._time import format_interval as format_interval
    from liqcascade.data._time import interval_ms as interval_ms

__all__ = [
    "BOOK_VENUES",
    "DEFAULT_INTERVAL",
    "FETCH_KINDS",
    "KINDS",
    "LAYOUTS",
    "LONG_SHORT_MEASURES",
    "MARKET_SERIES",
    "PUBLIC_KINDS",
    "FetchResult",
    "IngestInterrupted",
    "IngestResult",
    "IntervalMismatch",
    "Kind",
    "MarketDate",
    "SeriesFrame",
    "SeriesNotFound",
    "SourcePart",
    "Store",
    "bars_per_day",
    "base_asset",
    "book_totals_series",
    "bundled_name",
    "contract_symbol",
    "default_store_path",
    "fetch_series",
    "infer_interval",
    "load_book_totals",
    "load_market_date",
    "load_series",
    "long_short_series",
    "long_short_wide",
    "market_date",
    "read_file",
    "resample_ohlcv",
    "series_text",
    "source_parts",
    "split_symbol",
    "suspect_liquidation_bars",
    "validate",
]

__all__ += [
    "aave_reserve_params",
    "bundled_assets",
    "bundled_book_totals",
    "bundled_price_range",
    "default_store_source",
    "price_at",
]

# Re-exported for the other packages of liqcascade, which never import this package's
# private modules (tests/test_architecture.py). Loaded on first use (PEP 562): importing
# the package costs nothing more, and a test's monkeypatch of the private module is seen.
# The names outside __all__ are shared internals (their numpydoc is not complete).
_LAZY: dict[str, tuple[str, str]] = {
    "aave_reserve_params": ("_defaults", "aave_reserve_params"),
    "book_totals": ("_defaults", "book_totals"),
    "bundled_assets": ("_defaults", "bundled_assets"),
    "bundled_book_totals": ("_defaults", "bundled_book_totals"),
    "bundled_price_range": ("_defaults", "bundled_price_range"),
    "count_gaps": ("_time", "count_gaps"),
    "duration_text": ("_time", "duration_text"),
    "dataset": ("_defaults", "dataset"),
    "dataset_index": ("_defaults", "dataset_index"),
    "default_store_source": ("_store", "default_store_source"),
    "derivatives": ("_defaults", "derivatives"),
    "format_interval": ("_time", "format_interval"),
    "funding_hours": ("_fetch", "_funding_hours"),
    "interval_ms": ("_time", "interval_ms"),
    "is_interrupt": ("_store", "is_interrupt"),
    "make_exchange": ("_fetch", "make_exchange"),
    "ohlcv": ("_defaults", "ohlcv"),
    "price_at": ("_defaults", "price_at"),
}


# One branch per module, each an import statement (not importlib): the architecture
# tests build the import graph from these statements (its cycles are refused).
def __getattr__(name: str) -> Any:
    module, attr = _LAZY.get(name, ("", ""))
    if module == "_defaults":
        from liqcascade.data import _defaults

        return getattr(_defaults, attr)
    if module == "_fetch":
        from liqcascade.data import _fetch

        return getattr(_fetch, attr)
    if module == "_store":
        from liqcascade.data import _store

        return getattr(_store, attr)
    if module == "_time":
        from liqcascade.data import _time

        return getattr(_time, attr)
    raise AttributeError(f"module 'liqcascade.data' has no attribute {name!r}")


# the lazy exports (PEP 562) too, which dir() and tab completion otherwise miss
__dir__ = _exports.package_dir(globals())
