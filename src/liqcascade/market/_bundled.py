"""The door to the bundled datasets for the models' defaults, above the data layer.

The loaders live in the data layer (:mod:`liqcascade.data._defaults`), so that the
models below ``market`` (``margin``, ``positions``, ``events`` ...) reach them without
an upward import; this module re-exports them for the models above it
(:func:`liqcascade.stress.fit_joint_model`, the stop-policy back-test of ``protect``,
the contagion presets ...). Commands and report sections load through
:mod:`liqcascade.market._inputs` and :func:`liqcascade.data.load_series`.
"""

from __future__ import annotations

from liqcascade.data import (
    aave_reserve_params,
    book_totals,
    bundled_assets,
    dataset,
    dataset_index,
    derivatives,
    ohlcv,
)

__all__ = [
    "aave_reserve_params",
    "book_totals",
    "bundled_assets",
    "dataset",
    "dataset_index",
    "derivatives",
    "ohlcv",
]
