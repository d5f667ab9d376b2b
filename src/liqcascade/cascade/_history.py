"""What history says happens after a fall: the empirical follow-through of real drops.

The cascade engine answers "if price falls 5 %, where does the cascade carry it?"
under its book assumptions. This module gives the empirical check on the bundled
hourly prices: after every real fall of at least ``drop`` within ``window_hours``,
how much further did price go within ``horizon_hours``?
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.errors import InputError


@dataclass(frozen=True)
class FollowThrough:
    """Empirical follow-through after real falls.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per episode: ``ts`` (the first bar whose close is ``drop`` below the
        close ``window_hours`` earlier), ``close``, ``fall`` (the trigger fall, a
        negative fraction), ``further`` (minimum low over the next ``horizon_hours``
        relative to that close, a fraction <= 0) and ``total`` (from the reference
        close to that minimum).
    drop, window_hours, horizon_hours : float, int, int
        The definition used.
    """

    events: pd.DataFrame
    drop: float
    window_hours: int
    horizon_hours: int

    @property
    def n(self) -> int:
        """Number of episodes."""
        return len(self.events)

    def share_total_beyond(self, total: float) -> float:
        """Share of episodes whose total fall reached ``total`` (a negative fraction)."""
        if self.n == 0:
            return float("nan")
        return float((self.events["total"] <= total).mean())

    def summary(self) -> dict[str, Any]:
        """Counts and quantiles of the further fall (fractions)."""
        f = self.events["further"]
        t = self.events["total"]
        return {
            "n_episodes": self.n,
            "drop": self.drop,
            "window_hours": self.window_hours,
            "horizon_hours": self.horizon_hours,
            "further_median": float(f.median()) if self.n else float("nan"),
            "further_p10": float(f.quantile(0.10)) if self.n else float("nan"),
            "further_p01": float(f.quantile(0.01)) if self.n else float("nan"),
            "total_min": float(t.min()) if self.n else float("nan"),
        }


def follow_through(
    ohlc: pd.DataFrame,
    *,
    drop: float = -0.05,
    window_hours: int = 4,
    horizon_hours: int = 24,
) -> FollowThrough:
    """Episodes of real falls of at least ``drop`` and how far price went after them.

    Parameters
    ----------
    ohlc : pandas.DataFrame
        Hourly bars indexed by UTC time with ``low`` and ``close`` (USD).
    drop : float, default -0.05
        Trigger: close at least this far (a negative fraction) below the close
        ``window_hours`` bars earlier.
    window_hours : int, default 4
        Look-back of the trigger, in hourly bars.
    horizon_hours : int, default 24
        How long after the trigger the further fall is measured, in hourly bars.

    Returns
    -------
    FollowThrough
        Episodes do not overlap: after a trigger, the next one is searched from the
        end of its horizon.

    Notes
    -----
    Bars are taken by position, so the 29 gaps of the bundled hourly series make a
    few windows span more than their nominal hours; that is immaterial to the
    quantiles.
    """
    if not drop < 0:
        raise InputError(f"drop must be a negative fraction (got {drop})")
    if window_hours < 1 or horizon_hours < 1:
        raise InputError("window_hours and horizon_hours must be >= 1")
    close = ohlc["close"].to_numpy(dtype=np.float64)
    low = ohlc["low"].to_numpy(dtype=np.float64)
    n = close.shape[0]
    rows = []
    i = window_hours
    while i < n - 1:
        ref = close[i - window_hours]
        fall = close[i] / ref - 1.0
        if fall <= drop:
            j = min(n, i + 1 + horizon_hours)
            m = float(low[i + 1 : j].min())
            rows.append(
                {
                    "ts": ohlc.index[i],
                    "close": float(close[i]),
                    "fall": float(fall),
                    "further": min(0.0, m / close[i] - 1.0),
                    "total": min(float(fall), m / ref - 1.0),
                }
            )
            i = j
        else:
            i += 1
    events = pd.DataFrame(rows, columns=["ts", "close", "fall", "further", "total"])
    return FollowThrough(events, drop, window_hours, horizon_hours)


@dataclass(frozen=True)
class ModelFollowThrough:
    """The calibrated model's follow-through after a shock, date by date, beside history.

    Attributes
    ----------
    dates : pandas.DataFrame
        One row per date: ``ts``, ``mid``, ``sigma``, ``total_median`` (median total
        move within the horizon, a negative fraction for a fall), ``total_p10``,
        ``total_p90``, ``share_beyond`` (share of paths reaching ``beyond``).
    shock, beyond : float
        The shock (−0.05) and the deep level whose chance is measured (−0.27).
    history : FollowThrough
        The real falls of at least ``shock`` (``follow_through`` on the hourly data).
    """

    dates: pd.DataFrame
    shock: float
    beyond: float
    history: FollowThrough

    def summary(self) -> dict[str, Any]:
        """Model and history side by side, and whether the issue's criteria hold."""
        h = self.history
        h_med = float(h.events["total"].median()) if h.n else float("nan")
        h_beyond = h.share_total_beyond(self.beyond)
        m_med = float(self.dates["total_median"].median()) if len(self.dates) else float("nan")
        m_beyond = float(self.dates["share_beyond"].mean()) if len(self.dates) else float("nan")
        return {
            "shock": self.shock,
            "beyond": self.beyond,
            "n_dates": len(self.dates),
            "model_total_median": m_med,
            "history_total_median": h_med,
            "history_n_episodes": h.n,
            "model_share_beyond": m_beyond,
            "history_share_beyond": h_beyond,
            "median_within_2pp": bool(abs(m_med - h_med) <= 0.02),
            "beyond_within_2x": bool(h_beyond > 0 and 0.5 * h_beyond <= m_beyond <= 2.0 * h_beyond),
        }


def model_follow_through(
    markets: list[tuple[pd.Timestamp, Any, float, Any]],
    history: FollowThrough,
    *,
    calibration_at: Any,
    shock: float = -0.05,
    beyond: float = -0.27,
    n_paths: int = 400,
    seed: int = 0,
) -> ModelFollowThrough:
    """Run the calibrated cascade after ``shock`` on every date and set it beside history.

    Parameters
    ----------
    markets : list of (ts, PreparedMarket, sigma_hourly, residuals)
        The estimated market of each date, its EWMA hourly volatility and the
        standardised residuals before it.
    history : FollowThrough
        :func:`follow_through` of the real hourly prices with ``drop = shock``.
    calibration_at : callable
        ``calibration_at(ts)`` -> :class:`liqcascade.cascade._clock.Calibration`.
    shock, beyond : float
        The shock and the deep level (negative fractions).
    n_paths, seed : int
        Paths per date.

    Returns
    -------
    ModelFollowThrough
    """
    from liqcascade.cascade._clock import calibrated_cascade

    rows = []
    for k, (ts, pm, sig, resid) in enumerate(markets):
        if pm is None or not np.isfinite(sig):
            continue
        cc = calibrated_cascade(
            pm,
            shock=shock,
            calibration=calibration_at(ts),
            sigma_hourly=float(sig),
            n_paths=n_paths,
            seed=seed + k,
            residuals=resid,
        )
        rows.append(
            {
                "ts": ts,
                "mid": cc.mid,
                "sigma": float(sig),
                "total_median": cc.move_median,
                "total_p10": cc.move_p10,
                "total_p90": cc.move_p90,
                "share_beyond": float((cc.moves <= beyond).mean()),
            }
        )
    cols = ["ts", "mid", "sigma", "total_median", "total_p10", "total_p90", "share_beyond"]
    return ModelFollowThrough(pd.DataFrame(rows, columns=cols), shock, beyond, history)
