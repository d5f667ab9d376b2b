"""The own book of a collateral asset, calibrated from its bars before a date.

A linear book: selling ``X`` USD moves the price ``X / (100 · depth_usd_per_pct)``
below fair value; the impact decays with a half-life (resilience). Both are read from
one-minute bars strictly before ``before`` (expanding window, nothing after it):

- ``depth_usd_per_pct`` = the median, over minutes whose range spans at least two
  ticks, of quote volume ÷ (range / 1 %): the USD that traded while the price moved
  1 % within the minute. Minutes with a one-tick range say nothing about depth (the
  tick bounds the range), so they are left out.
- ``half_life_min`` = ``ln 2 / −ln φ``, ``φ`` the AR(1) coefficient of the close's
  deviation from its trailing one-day median (how fast a dislocation closes).

The out-of-sample check (:func:`own_book_out_of_sample`) predicts each later
minute's range from its volume with that depth and scores it against the simplest
baseline (the median range before ``before``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._significance import paired_mean_interval, verdict
from liqcascade._tables import check_columns, check_numeric
from liqcascade._time import to_utc, utc_indexed
from liqcascade.errors import InputError

__all__ = ["OwnBookFit", "calibrate_own_book", "own_book_out_of_sample"]


@dataclass(frozen=True)
class OwnBookFit(SummaryDict):
    """A calibrated own book.

    Attributes
    ----------
    depth_usd_per_pct : float
        USD that moves the price 1 %.
    depth_q25, depth_q75 : float
        Interquartile range of the per-minute estimates, USD per 1 % (the interval).
    half_life_min : float
        Impact half-life, minutes.
    n_minutes, n_informative : int
        Minutes read; minutes with a range of two ticks or more.
    start, end : pandas.Timestamp
        The calibration window.
    """

    depth_usd_per_pct: float
    depth_q25: float
    depth_q75: float
    half_life_min: float
    n_minutes: int
    n_informative: int
    start: pd.Timestamp
    end: pd.Timestamp

    def summary(self) -> dict[str, Any]:
        """The fit as a JSON-ready dict."""
        return {
            "depth_usd_per_pct": self.depth_usd_per_pct,
            "depth_usd_per_pct_iqr": [self.depth_q25, self.depth_q75],
            "half_life_min": self.half_life_min,
            "n_minutes": self.n_minutes,
            "n_informative": self.n_informative,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def _check(bars: pd.DataFrame) -> pd.DataFrame:
    """``bars`` checked (columns of numbers, a time index), a naive index read as UTC."""
    cols = ("high", "low", "close", "volume")
    check_columns(bars.columns, cols, "bars", param="bars")
    if not isinstance(bars.index, pd.DatetimeIndex):
        raise InputError("bars must be indexed by a DatetimeIndex", param="bars")
    check_numeric(bars, cols, "bars", param="bars")
    return utc_indexed(bars)


def calibrate_own_book(bars: pd.DataFrame, before: Any, tick: float = 1e-4) -> OwnBookFit:
    """Fit the linear own book from one-minute bars strictly before ``before``.

    Parameters
    ----------
    bars : pandas.DataFrame
        One-minute OHLCV of the asset (price in USD, volume in units), ``ts`` index.
    before : datetime-like
        The first minute not used (UTC).
    tick : float, default 1e-4
        Price tick, USD.

    Returns
    -------
    OwnBookFit
    """
    bars = _check(bars)
    b = bars[bars.index < to_utc(before)]
    if len(b) < 1440:
        raise InputError(
            f"bars: need at least one day before {before} (got {len(b)} minutes)", param="bars"
        )
    rng = (b["high"] - b["low"]).to_numpy(float)
    close = b["close"].to_numpy(float)
    usd = b["volume"].to_numpy(float) * close
    m = (rng >= 1.5 * tick) & (usd > 0)
    if m.sum() < 20:
        raise InputError("bars: fewer than 20 minutes with a range of two ticks", param="bars")
    per_pct = usd[m] / (rng[m] / close[m] / 0.01)
    dev = b["close"] - b["close"].rolling(1440, min_periods=60).median()
    x, y = dev.shift(1).to_numpy(float), dev.to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    phi = float(np.sum(x[ok] * y[ok]) / np.sum(x[ok] ** 2)) if np.sum(x[ok] ** 2) > 0 else 0.0
    half = float(np.log(0.5) / np.log(phi)) if 0 < phi < 1 else float("inf")
    return OwnBookFit(
        depth_usd_per_pct=float(np.median(per_pct)),
        depth_q25=float(np.quantile(per_pct, 0.25)),
        depth_q75=float(np.quantile(per_pct, 0.75)),
        half_life_min=half,
        n_minutes=len(b),
        n_informative=int(m.sum()),
        start=b.index[0],
        end=b.index[-1],
    )


def own_book_out_of_sample(
    bars: pd.DataFrame, fit: OwnBookFit, after: Any, tick: float = 1e-4
) -> dict[str, Any]:
    """Score the fitted book on minutes at or after ``after`` against a baseline.

    On the minutes whose range spans two ticks or more (the minutes that carry
    information on depth, as in the fit), the model predicts the range as
    ``volume_usd / (100 · depth) · close`` and the baseline predicts the median such
    range of the calibration window. Both are scored by mean absolute error.

    Parameters
    ----------
    bars : pandas.DataFrame
        One-minute OHLCV of the asset (price in USD, volume in units), ``ts`` index.
    fit : OwnBookFit
        The fit to score (its window is the baseline's calibration window).
    after : datetime-like
        First minute scored (UTC).
    tick : float, default 1e-4
        Price tick, USD; an informative minute's range is at least 1.5 ticks.

    Returns
    -------
    dict
        ``n``, ``mae_model``, ``mae_baseline`` (price units), ``beats_baseline`` (the
        point comparison), ``mae_diff`` with its 90 % paired-bootstrap interval
        ``mae_diff_p05`` / ``mae_diff_p95`` (model − baseline, per minute) and
        ``verdict`` ("beats", "ties", "loses": the interval below, across, above 0),
        ``start``, ``end``.

    Raises
    ------
    InputError
        If ``bars`` lacks a column or has no informative minute after ``after``.
    """
    bars = _check(bars)
    cal = bars[(bars.index >= fit.start) & (bars.index <= fit.end)]
    test = bars[bars.index >= to_utc(after)]
    test = test[(test["volume"] > 0) & (test["high"] - test["low"] >= 1.5 * tick)]
    if test.empty:
        raise InputError(f"bars: no informative minutes after {after}", param="bars")
    rng = (test["high"] - test["low"]).to_numpy(float)
    usd = (test["volume"] * test["close"]).to_numpy(float)
    pred = usd / (100.0 * fit.depth_usd_per_pct) * test["close"].to_numpy(float)
    crng = (cal["high"] - cal["low"]).to_numpy(float)
    base = float(np.median(crng[crng >= 1.5 * tick]))
    mae_m = float(np.mean(np.abs(pred - rng)))
    mae_b = float(np.mean(np.abs(base - rng)))
    # paired per minute (informative minutes are sparse: hours to days apart, so they
    # are resampled as independent cases)
    d, lo, hi = paired_mean_interval(np.abs(pred - rng) - np.abs(base - rng))
    return {
        "n": len(test),
        "mae_model": mae_m,
        "mae_baseline": mae_b,
        "beats_baseline": mae_m < mae_b,
        "mae_diff": d,
        "mae_diff_p05": lo,
        "mae_diff_p95": hi,
        "verdict": verdict(lo, hi),
        "start": test.index[0].isoformat(),
        "end": test.index[-1].isoformat(),
    }
