"""The estimated book's back-test on any period, its series loaded through the market.

:func:`book_backtest` is ``liqcascade liqmap backtest`` as one library call: it loads
the asset's series (:func:`liqcascade.market._inputs.load_market_frames`: the store
first, then the bundled data for the bars the store lacks), picks the book (the
identified book's expanding-window calibration, else a 0.1 cohort parameter set) and
runs :func:`liqcascade.positions._backtest.backtest_identified` or
:func:`~liqcascade.positions._backtest.backtest_cohort`, which take the series as
arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liqcascade.market._inputs import _check_store, load_backtest_data, load_market_frames
from liqcascade.positions import (
    BacktestResult,
    CalibrationResult,
    EstimationParams,
    ValidationData,
    backtest_cohort,
    backtest_identified,
    backtest_period,
    check_calibration_asset,
    check_interval,
    identified_calibration,
    resolve_params,
)

__all__ = ["book_backtest"]


def book_backtest(
    asset: str = "ETH",
    start: Any = "2025-06-01",
    end: Any = "2025-07-31",
    params: EstimationParams | CalibrationResult | str | Path | None = None,
    interval: str = "4h",
    *,
    store: Any = None,
    data: ValidationData | None = None,
    bands: bool = True,
) -> BacktestResult:
    """Predict liquidations bar by bar on ``[start, end]`` and compare with the record.

    Parameters
    ----------
    asset : str
        Base asset (bundled: ETH, BTC; any asset whose series are in the store).
    start, end : date-like
        Period (inclusive, UTC; a date-only ``end`` includes the whole day).
    params : EstimationParams, CalibrationResult, AssetCalibration, path, optional
        Default: the store's own calibration of the identified book for ``asset``, else
        the package's. A path reads a ``liqmap calibrate`` output (the identified
        book's, or the cohort book's) or a plain parameters JSON (cohort book).
    interval : str
        Bar interval of the open interest: ``"4h"`` only, the bar of the recorded
        liquidations and of the calibration (whose turnover and hazards are per 4-hour
        bar); any other width would compare bars the parameters were not fitted on.
    store : path, Store, bool, optional
        Store to read first (``None``: the default store if it exists; ``False``: none).
    data : ValidationData, optional
        The cohort book's inputs given directly (skips loading them).
    bands : bool
        Compute the 5-95 % band (the identified book's: its bootstrap refits' walks and
        predictive draws; the cohort book's: its bootstrap parameter sets). False skips
        that work: the band columns and ``coverage_90_daily`` are NaN, the rest the same.

    Returns
    -------
    BacktestResult

    Raises
    ------
    InputError
        ``start`` after ``end``, an unknown asset, an ``interval`` other than 4h, a
        calibration of another asset, or no open interest in the period.
    """
    check_interval(interval)
    t0, t1 = backtest_period(start, end)
    _check_store(store)
    frames = None
    if params is None:  # the data first: a missing series is the first thing to say
        frames = load_market_frames(asset, interval, store)
    cal = identified_calibration(asset, params, store)
    if cal is not None:
        check_calibration_asset(cal[0], asset)
        if frames is None:
            frames = load_market_frames(asset, interval, store)
        return backtest_identified(asset, t0, t1, cal[0], cal[1], interval=interval,
                                   frames=frames, bands=bands)  # fmt: skip
    p, boot, src = resolve_params(params)
    if data is None:
        data = load_backtest_data(asset, interval, t1, store)
    return backtest_cohort(asset, t0, t1, data, p, boot, src, interval=interval, bands=bands)
