"""Market data: readers for many layouts, validation, the DuckDB store, live fetch.

The entry point for every analysis is :func:`load_series`, which returns one
canonical series from a user's file, else the store, else the bundled data.

Examples
--------
>>> from liqcascade.data import load_series
>>> oi = load_series("open_interest", asset="ETH", interval="4h", store=False)
>>> oi.attrs["source"]
'bundled:eth_oi_4h'
"""

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
from liqcascade.data._quality import suspect_liquidation_bars
from liqcascade.data._readers import LAYOUTS, read_file
from liqcascade.data._series import SeriesNotFound, bundled_name, load_series, long_short_wide
from liqcascade.data._store import IngestInterrupted, IngestResult, Store, default_store_path
from liqcascade.data._time import infer_interval
from liqcascade.data._validate import validate

__all__ = [
    "BOOK_VENUES",
    "DEFAULT_INTERVAL",
    "FETCH_KINDS",
    "KINDS",
    "LAYOUTS",
    "LONG_SHORT_MEASURES",
    "PUBLIC_KINDS",
    "FetchResult",
    "IngestInterrupted",
    "IngestResult",
    "Kind",
    "SeriesFrame",
    "SeriesNotFound",
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
    "load_series",
    "long_short_series",
    "long_short_wide",
    "read_file",
    "resample_ohlcv",
    "split_symbol",
    "suspect_liquidation_bars",
    "validate",
]
