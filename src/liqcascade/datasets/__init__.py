"""The bundled real market data (re-exported from :mod:`liqcascade.data.bundled`).

The bundled datasets are part of the data layer since 0.2; this module keeps
``from liqcascade import datasets`` working for users. Inside the package only
:mod:`liqcascade.data`, :mod:`liqcascade.market`, :mod:`liqcascade.report` and the
command line load data (``tests/test_architecture.py`` checks it).

Examples
--------
>>> from liqcascade import datasets
>>> eth = datasets.load_ohlcv("ETH", "1d", start="2022-06-18", end="2022-06-18")
>>> float(eth["low"].iloc[0])
881.56
"""

from __future__ import annotations

from liqcascade.data.bundled import (
    DATASETS,
    Dataset,
    assets,
    load,
    load_aave_horizon_params,
    load_aave_reserve_params,
    load_book_totals,
    load_funding,
    load_hyperliquid_markets,
    load_hyperliquid_positions,
    load_liquidations,
    load_long_short,
    load_ohlcv,
    load_open_interest,
    load_taker,
    names,
    provenance,
)

__all__ = [
    "DATASETS",
    "Dataset",
    "assets",
    "load",
    "load_aave_horizon_params",
    "load_aave_reserve_params",
    "load_book_totals",
    "load_funding",
    "load_hyperliquid_markets",
    "load_hyperliquid_positions",
    "load_liquidations",
    "load_long_short",
    "load_ohlcv",
    "load_open_interest",
    "load_taker",
    "names",
    "provenance",
]
