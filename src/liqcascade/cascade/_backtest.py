"""The event back-test of the calibrated liquidity response, and its calibration.

Events are defined by a trigger alone, never by their outcome: the first hourly bar
whose low (high) lies at least ``F`` below (above) the previous hour's close, one
event per 24 hours. The model knows the market at the previous close (position
book, stops, order book, the hourly volatility so far) and that price has moved by
``F``; it predicts the extreme move within 24 hours of the previous close (median
and 10–90 % interval) and the liquidations by side over the recorded 4-hour bars of
those 24 hours: the identified book's per-bar liquidation model advanced along the
predicted paths (:mod:`liqcascade.cascade._event_liquidations`; the previous form,
the static book's crossings plus a trailing 30-day background per side,
:func:`background_liquidations`, is kept beside it for comparison). Baselines:
``trigger`` (the move stops at the trigger) and ``empirical`` (the trigger times the
median ratio of realised to trigger move over the events whose 24 h closed before the
window).

Models take frames; the CLI (``liqcascade cascade backtest``) loads the bundled data.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._tables import check_columns, check_numeric
from liqcascade._time import to_utc, utc_end, utc_indexed, utc_time
from liqcascade._typing import BoolArray, FloatArray, IntArray
from liqcascade.cascade._clock import (
    EWMA_HALFLIFE_HOURS,
    EWMA_SHOCK_WEIGHT,
    Calibration,
    LiquidityParams,
    LiquidityResponse,
    default_grid,
    post_shock_sigma,
    regime_scales,
)
from liqcascade.cascade._event_liquidations import HourlyBars, RecordedBars, event_liquidations
from liqcascade.cascade._insample import book_out_of_sample_from
from liqcascade.cascade._prepare import PreparedMarket, prepare_cascade
from liqcascade.cascade._scores import (
    BASELINES,
    DIAGNOSTIC_KEYS,
    OPTIONAL_BASELINES,
    SUBSET_KEYS,
    baselines_in,
    book_split,
    known_move_liq_corr,
    liquidation_diagnostics,
    liquidation_metrics,
    move_comparisons,
    move_verdicts,
)
from liqcascade.errors import InputError
from liqcascade.market import BINANCE_BOOK_SHARE
from liqcascade.market import closed_by as bars_closed_by

__all__ = [
    "BASELINES",
    "DEFAULT_TRIGGERS",
    "EWMA_HALFLIFE_HOURS",
    "MIN_PATHS",
    "POOL_TRIGGERS",
    "PRIOR_PARAMS",
    "BacktestResult",
    "MarketAt",
    "ShockRule",
    "calibrate_liquidity",
    "check_backtest_options",
    "check_trigger",
    "detect_events",
    "dispersion_loglik",
    "estimated_market_at",
    "ewma_sigma",
    "fit_dispersion",
    "fit_grid",
    "fit_interval_levels",
    "fit_shock_rule",
    "fit_vol_rule",
    "grid_errors",
    "hourly_volatility",
    "hours_closed_by",
    "known_move_liq_corr",
    "month_start",
    "move_comparisons",
    "move_verdicts",
    "pooled_events",
    "post_shock_sigma",
    "predict_event",
    "rule_before",
    "run_backtest",
    "standardised_residuals",
    "trigger_text",
    "vol_multiplier",
    "volatility_at",
]

#: Default trigger per asset (fraction of the previous close).
DEFAULT_TRIGGERS: dict[str, float] = {"ETH": 0.02, "BTC": 0.015}
#: Fewest Monte Carlo paths per event the back-test takes (its quantiles need a spread).
MIN_PATHS = 10

#: The mechanisms not identified by the events, set by reasoning (docs/liquidity.md),
#: with the prior of the two fitted ones (latent depth, resilience half-life).
PRIOR_PARAMS = LiquidityParams(
    resilience_half_life_s=300.0,
    latent_depth=1.0,
    visible_distance=0.01,
    withdrawal_per_speed=30.0,
    withdrawal_max=0.5,
    arbitrage_half_life_s=60.0,
    venue_share=BINANCE_BOOK_SHARE,
    mark_price_weight=0.2,
    liquidation_rate_usd_s=2.0e6,
    partial_chunk=1.0,
    partial_interval_s=30.0,
    liquidation_fee=0.005,
)

#: The fitted grid: latent depth x resilience half-life (s).
LATENT_GRID: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
RESILIENCE_GRID: tuple[float, ...] = (30.0, 120.0, 600.0, 3600.0, math.inf)

#: ``market_at(ts, mid)``: the prepared market (book, positions, stops) at ``ts``
#: with mid ``mid``, using information up to ``ts`` only; None when unavailable.
MarketAt = Callable[[pd.Timestamp, float], PreparedMarket | None]


# --------------------------------------------------------------------------- events


def ewma_sigma(ohlc: pd.DataFrame, halflife_hours: float = EWMA_HALFLIFE_HOURS) -> pd.Series:
    """Hourly volatility known at each bar's open: EWMA of past squared log returns.

    Returns a series aligned with ``ohlc``: the value at bar ``i`` uses the closes up
    to bar ``i − 1`` (the previous close), fraction per hour.

    Not the RiskMetrics recursion of :func:`liqcascade.volatility.ewma_covariance` (the
    daily baselines' one): a different estimator, kept on its own. Its weights halve
    every ``halflife_hours`` bars and are normalised over the returns seen so far
    (pandas' ``ewm(adjust=True)``: no seed from the first 30 returns), it is NaN until
    48 returns are in, it runs on fractions per hourly bar (not percent per day; a
    missing hour is not filled: the weights count bars); the event back-test, the
    follow-through study and :func:`hourly_volatility` read it as it is.

    Parameters
    ----------
    ohlc : pandas.DataFrame
        Hourly bars with a ``close`` column (USD), in time order.
    halflife_hours : float, default :data:`EWMA_HALFLIFE_HOURS`
        Half-life of the weights, bars (hours).
    """
    r = np.log(ohlc["close"]).diff()
    var = (r**2).ewm(halflife=halflife_hours, min_periods=48).mean()
    return np.sqrt(var).shift(1).rename("sigma")


def standardised_residuals(ohlc: pd.DataFrame) -> FloatArray:
    """Hourly log returns divided by the EWMA volatility known before them (NaN first).

    Filtered historical simulation draws the next day's innovations from the
    residuals *before* an event (fat tails as history had them, scaled to today's
    volatility).
    """
    r = np.log(ohlc["close"]).diff()
    return (r / ewma_sigma(ohlc)).to_numpy(np.float64)


def hourly_volatility(hourly: pd.DataFrame) -> tuple[float, FloatArray]:
    """``(sigma, residuals)`` known once the last hourly close of ``hourly`` is in.

    ``sigma``: the EWMA (half-life :data:`EWMA_HALFLIFE_HOURS`) of squared hourly log
    returns up to the last close, fraction per hour (the back-test's rule);
    ``residuals``: :func:`standardised_residuals` of the same bars. Pass only the
    bars closed by the date asked (no look-ahead).
    """
    r = np.log(hourly["close"]).diff()
    var = (r**2).ewm(halflife=EWMA_HALFLIFE_HOURS, min_periods=48).mean()
    sigma = float(np.sqrt(var.iloc[-1])) if len(var) else float("nan")
    return sigma, standardised_residuals(hourly)


def hours_closed_by(hourly: pd.DataFrame, ts: Any) -> pd.DataFrame:
    """The hourly bars of ``hourly`` closed by the market time ``ts``: no look-ahead.

    ``hourly`` is labelled by each bar's UTC open; a bar counts when its close (open
    + 1 h) is at or before ``ts`` (UTC; naive read as UTC). The one rule of "the hours
    known at the market's time" for the volatility a calibrated cascade starts from
    (:func:`volatility_at`): ``liqcascade cascade``, the report and the stress market
    read the same bars.
    """
    return bars_closed_by(hourly, utc_time(ts), pd.Timedelta(hours=1))


def volatility_at(hourly: pd.DataFrame, ts: Any) -> tuple[float, FloatArray]:
    """``(sigma, residuals)`` at the market time ``ts``: :func:`hourly_volatility` of its hours.

    The bars of :func:`hours_closed_by`: ``sigma`` is the EWMA of squared hourly log
    returns through the last close at or before ``ts`` (fraction per hour, the event
    back-test's rule: an event's volatility is known at its previous close),
    ``residuals`` the standardised residuals of the same bars.
    """
    return hourly_volatility(hours_closed_by(hourly, ts))


def market_volatility(state: Any) -> tuple[pd.Timestamp, float, FloatArray]:
    """``(close time, sigma, residuals)``: the volatility an estimated market's cascade starts from.

    :func:`volatility_at` of the asset's hourly prices
    (:func:`liqcascade.market.load_market_inputs`) at the state's ``close_time`` (the
    market's date rule): ``liqcascade cascade``, ``contagion --day`` and the report read
    the same bars.

    Parameters
    ----------
    state : MarketState
        An estimated market (``asset``, ``close_time``: its last bar's close, UTC).

    Returns
    -------
    (Timestamp, float, ndarray)
        The close time, the EWMA hourly volatility (fraction per hour) and the
        standardised residuals of the same bars.
    """
    from liqcascade.market import load_market_inputs

    ts = pd.Timestamp(state.close_time)
    sigma, resid = volatility_at(load_market_inputs(state.asset).prices, ts)
    return ts, sigma, resid


def check_trigger(trigger: float) -> float:
    """``trigger`` as a float, refused unless a fraction in (0, 1).

    Raises
    ------
    InputError
        ``trigger`` is not a finite fraction strictly between 0 and 1
        (``param="trigger"``).
    """
    f = float(trigger)
    if not (math.isfinite(f) and 0 < f < 1):
        raise InputError(f"trigger must be a fraction in (0, 1) (got {f:g})", param="trigger")
    return f


def trigger_text(trigger: float) -> str:
    """The trigger as printed: a percent with two decimals (``1.50 %``), more when needed.

    A trigger those two decimals do not give back (``1e-6``: ``0.00 %``) is printed with
    four significant digits instead (``0.0001 %``). The number and ``%`` apart, as
    :func:`liqcascade._prices.percent_text` writes a percent.

    Parameters
    ----------
    trigger : float
        Fraction of the previous close.
    """
    f = float(trigger)
    two = f"{f * 100.0:.2f}"
    if math.isclose(float(two) / 100.0, f, rel_tol=1e-9, abs_tol=0.0):
        return f"{two} %"
    return f"{f * 100.0:.4g} %"


def check_backtest_options(trigger: float | None, n_paths: int) -> None:
    """:func:`run_backtest`'s checks of its options, which need no data.

    A caller that loads data first (the command line) runs them before it, so that a
    bad option is refused at once.

    Raises
    ------
    InputError
        ``trigger`` (when given) is not a fraction in (0, 1) (``param="trigger"``), or
        ``n_paths`` is below :data:`MIN_PATHS` (``param="n_paths"``).
    """
    if trigger is not None:
        check_trigger(trigger)
    if n_paths < MIN_PATHS:
        raise InputError(f"n_paths must be >= {MIN_PATHS} (got {n_paths})", param="n_paths")


def backtest_frames(
    ohlc: pd.DataFrame, liquidations: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The back-test's two frames checked for numbers, on UTC indexes (naive read as UTC).

    The entry of :func:`run_backtest` and of the calibration that runs it: a naive
    index compared with the UTC bounds raised pandas' TypeError.

    Raises
    ------
    InputError
        A price column of ``ohlc`` or a side of ``liquidations`` holds text
        (``param="ohlc"`` / ``"liquidations"``).
    """
    check_numeric(ohlc, ("open", "high", "low", "close"), "ohlc", param="ohlc")
    check_numeric(liquidations, ("long_usd", "short_usd"), "liquidations", param="liquidations")
    return utc_indexed(ohlc), utc_indexed(liquidations)


def detect_events(
    ohlc: pd.DataFrame,
    trigger: float,
    start: Any = None,
    end: Any = None,
    *,
    horizon_hours: int = 24,
    keep_short: bool = False,
) -> pd.DataFrame:
    """Trigger-defined events on hourly bars.

    Parameters
    ----------
    ohlc : pandas.DataFrame
        Hourly bars (``open, high, low, close``, USD) indexed by bar open (UTC).
    trigger : float
        ``F`` > 0: an event is the first bar whose low is at least ``F`` below the
        previous close (a fall) or whose high is at least ``F`` above it (a rise; a
        bar doing both counts as a fall); the next event is searched 24 hours later.
    start, end : datetime-like, optional
        Events whose bar opens within ``[start, end]`` (a bare end date: the whole day).
    horizon_hours : int, default 24
        Hours from the previous close over which the extreme move is measured.
    keep_short : bool, default False
        Keep the events whose ``horizon_hours`` run past the data, with a NaN
        ``realised_move``, instead of dropping them.

    Returns
    -------
    pandas.DataFrame
        One row per event (typed columns, also when there is none): ``ts`` (open of
        the trigger bar = time of the previous close), ``prev_close``, ``direction``
        (``"down"``/``"up"``), ``trigger_move`` (±F), ``bar`` (position of the trigger
        bar in ``ohlc``), ``realised_move``
        (lowest low / highest high of the bars opening in the ``horizon_hours`` from
        ``ts``, relative to ``prev_close``), ``sigma`` (EWMA hourly volatility
        at ``prev_close``). Events whose ``horizon_hours`` are not all in the data are
        dropped, or with ``keep_short`` kept with a NaN ``realised_move`` (the back-test
        counts them as not scored); either way the events found are the same. A bar
        right after a gap in the hours is never a trigger.

    Raises
    ------
    InputError
        ``trigger`` is not a fraction in (0, 1) (``param="trigger"``), or ``ohlc``
        lacks a price column or holds text (``param="ohlc"``). A naive index is read
        as UTC.
    """
    check_trigger(trigger)
    return _detect(HourlySeries.of(ohlc), trigger, start, end, horizon_hours, keep_short)


@dataclass(frozen=True, eq=False)
class HourlySeries:
    """Hourly bars checked and read once for the event detections of a back-test.

    :func:`detect_events` per trigger size, :func:`pooled_events` and the residuals
    read the same arrays and the same EWMA volatility (:func:`ewma_sigma`, computed
    once instead of per detection).

    Attributes
    ----------
    index : pandas.DatetimeIndex
        Bar open times (UTC).
    ts_ns : numpy.ndarray of int64
        The same, ns since the epoch.
    close, low, high : numpy.ndarray of float
        USD.
    sigma : numpy.ndarray of float
        :func:`ewma_sigma` (fraction per hour).
    residuals : numpy.ndarray of float
        :func:`standardised_residuals`.
    """

    index: pd.DatetimeIndex
    ts_ns: IntArray
    close: FloatArray
    low: FloatArray
    high: FloatArray
    sigma: FloatArray
    residuals: FloatArray

    @classmethod
    def of(cls, ohlc: pd.DataFrame) -> HourlySeries:
        """``ohlc`` checked (:func:`detect_events`' errors) and read."""
        check_columns(ohlc.columns, ("high", "low", "close"), "ohlc", param="ohlc")
        check_numeric(ohlc, ("high", "low", "close"), "ohlc", param="ohlc")  # text: ufunc error
        ohlc = utc_indexed(ohlc)
        idx = pd.DatetimeIndex(ohlc.index)
        sig = ewma_sigma(ohlc)
        r = np.log(ohlc["close"]).diff()  # as standardised_residuals
        return cls(
            idx,
            np.asarray(idx.as_unit("ns").asi8, dtype=np.int64),
            ohlc["close"].to_numpy(np.float64),
            ohlc["low"].to_numpy(np.float64),
            ohlc["high"].to_numpy(np.float64),
            sig.to_numpy(np.float64),
            (r / sig).to_numpy(np.float64),
        )


def _detect(
    src: HourlySeries,
    trigger: float,
    start: Any,
    end: Any,
    horizon_hours: int = 24,
    keep_short: bool = False,
) -> pd.DataFrame:
    """:func:`detect_events` on bars read once (``trigger`` checked by the caller)."""
    idx = src.index
    close, low, high, sig, ts_ns = src.close, src.low, src.high, src.sigma, src.ts_ns
    hour = 3_600_000_000_000
    lo_ns = -(2**62) if start is None else to_utc(start, "start").value
    hi_ns = 2**62 if end is None else utc_end(end, "end").value
    rows = []
    next_ok = -(2**62)
    n = close.size
    # the bars that can be a trigger (an hour after the previous bar, the low or high
    # beyond the trigger) and those after ``end`` (where the walk stops), found at once;
    # the walk visits only them, in bar order: every other bar only moved it on
    down_at = np.zeros(n, dtype=bool)
    up_at = np.zeros(n, dtype=bool)
    down_at[1:] = low[1:] <= close[:-1] * (1.0 - trigger)
    up_at[1:] = high[1:] >= close[:-1] * (1.0 + trigger)
    hourly = np.zeros(n, dtype=bool)
    hourly[1:] = ts_ns[1:] - ts_ns[:-1] == hour  # a gap: the previous close is not an hour ago
    after = (ts_ns > hi_ns) & (ts_ns >= lo_ns)
    after[:1] = False
    for i in np.flatnonzero((hourly & (down_at | up_at)) | after).tolist():
        t = ts_ns[i]
        if t < lo_ns or t < next_ok:
            continue
        if t > hi_ns:
            break
        c = close[i - 1]
        down = bool(down_at[i])
        if not (hourly[i] and (down or up_at[i])):
            continue
        j = int(np.searchsorted(ts_ns, t + horizon_hours * hour, side="left"))
        next_ok = t + 24 * hour
        if j > n or ts_ns[min(j, n) - 1] < t + (horizon_hours - 1) * hour:
            if not keep_short:
                continue
            realised = math.nan
        elif down:
            realised = float(low[i:j].min()) / c - 1.0
        else:
            realised = float(high[i:j].max()) / c - 1.0
        rows.append((i, float(c), down, realised))
    cols = ["ts", "bar", "prev_close", "direction", "trigger_move", "realised_move", "sigma"]
    at = np.array([r[0] for r in rows], dtype=np.int64)
    fall = np.array([r[2] for r in rows], dtype=bool)
    columns = {
        "ts": idx[at],
        "bar": at,
        "prev_close": np.array([r[1] for r in rows], dtype=np.float64),
        "direction": np.where(fall, "down", "up").astype(object),
        "trigger_move": np.where(fall, -trigger, trigger),
        "realised_move": np.array([r[3] for r in rows], dtype=np.float64),
        "sigma": sig[at],
    }
    # typed even when empty (no bar reached the trigger): an untyped empty frame has
    # object columns, and ``ts + 24 h <= as_of`` on it fails instead of selecting none
    return pd.DataFrame(columns, columns=cols).astype(
        {"ts": idx.dtype, "bar": "int64", "direction": "str"}
        | dict.fromkeys(("prev_close", "trigger_move", "realised_move", "sigma"), "float64")
    )


# --------------------------------------------------------------------------- price-only part


def _standard_extremes(
    dt: FloatArray, n: int = 4000, seed: int = 7, dispersion: float = 0.0
) -> FloatArray:
    """Quantile table (101 levels) of the running minimum of a unit-hourly-variance walk.

    With ``dispersion`` η > 0 each walk's volatility is multiplied by
    ``exp(η · N(0, 1))`` (:func:`regime_scales`).
    """
    return _extremes_table(tuple(float(x) for x in dt), n, seed, round(float(dispersion), 6))


@lru_cache(maxsize=64)
def _extremes_table(dt_t: tuple[float, ...], n: int, seed: int, dispersion: float) -> FloatArray:
    dt = np.asarray(dt_t)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, dt.size)) * np.sqrt(dt / 3600.0)
    z[:, 0] = 0.0
    m = np.minimum.accumulate(np.cumsum(z, axis=1), axis=1)[:, -1]
    if dispersion > 0.0:
        m = m * regime_scales(np.random.default_rng(seed + 1), n, dispersion)
    return np.quantile(m, np.linspace(0.0, 1.0, 101))


#: Exponents of the volatility rule the fit searches (0: a constant further move,
#: 1: proportional to the volatility).
VOL_EXPONENTS: FloatArray = np.round(np.arange(0.0, 1.201, 0.1), 2)


def vol_multiplier(rule: tuple[float, float], sigma_post: Any) -> Any:
    """The multiplier of ``sigma_post`` the rule ``(k, b)`` gives: ``k · sigma_post^(b − 1)``.

    The post-trigger hourly volatility is ``k · sigma_post^b``.
    """
    k, b = rule
    return k * np.power(sigma_post, b - 1.0)


def _weighted_median(x: FloatArray, w: FloatArray) -> float:
    o = np.argsort(x)
    cw = np.cumsum(w[o])
    return float(x[o][int(np.searchsorted(cw, 0.5 * cw[-1]))])


def _further(ev: pd.DataFrame) -> FloatArray:
    """The move beyond the trigger, log, positive in the trigger's direction."""
    sgn = np.where(ev["direction"].to_numpy() == "down", -1.0, 1.0)
    return np.asarray(
        sgn
        * (
            np.log1p(ev["realised_move"].to_numpy(np.float64))
            - np.log1p(ev["trigger_move"].to_numpy(np.float64))
        ),
        dtype=np.float64,
    )


def fit_vol_rule(
    events: pd.DataFrame,
    dt: FloatArray | None = None,
    *,
    shock_weight: float | None = None,
    dispersion: float = 0.0,
) -> tuple[float, float]:
    """The post-trigger volatility rule ``(k, b)`` minimising the diffusion-only median's MAE.

    The diffusion-only model: from the trigger the log price walks with hourly
    volatility ``V · k · s^b``, ``s = post_shock_sigma(sigma, F, shock_weight)``,
    ``V`` the regime multiplier of ``dispersion``; its median further (log) move is
    ``k · s^b · |median running minimum|``. For each exponent of
    :data:`VOL_EXPONENTS` the best ``k`` is a weighted median (exact for the absolute
    error in log space); the exponent with the smallest error wins. ``b = 1`` is
    volatility-proportional. The fit uses only ``events`` (which must precede
    whatever is predicted with it). Returns ``(1.0, 1.0)`` with fewer than 10 events.
    """
    ev = events.dropna(subset=["sigma"])
    if len(ev) < 10:
        return 1.0, 1.0
    errs, ks = vol_rule_grid(ev, dt, shock_weight=shock_weight, dispersion=dispersion)
    ok = np.isfinite(errs)
    if not ok.any():
        return 1.0, 1.0
    # the first exponent within a relative 1e-9 of the least error
    i = stable_argmin(np.where(ok, errs, np.inf))
    return float(ks[i]), float(VOL_EXPONENTS[i])


def vol_rule_grid(
    events: pd.DataFrame,
    dt: FloatArray | None = None,
    *,
    shock_weight: float | None = None,
    dispersion: float = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """The error and the best ``k`` of each exponent of :data:`VOL_EXPONENTS`.

    What :func:`fit_vol_rule` chooses from (``events`` with a finite ``sigma``; the
    other parameters as there).

    Returns
    -------
    (errors, ks) : arrays, one entry per exponent
        Mean absolute error of the median further move (log units) and its ``k``.
    """
    grid = default_grid() if dt is None else dt
    q50 = abs(float(_standard_extremes(grid, dispersion=dispersion)[50]))
    further = _further(events)
    sig = post_shock_sigma(
        events["sigma"].to_numpy(np.float64),
        events["trigger_move"].to_numpy(np.float64),
        shock_weight,
    )
    errs = np.empty(VOL_EXPONENTS.size)
    ks = np.empty(VOL_EXPONENTS.size)
    for i, b in enumerate(VOL_EXPONENTS):
        a = np.power(sig, b) * q50
        ks[i] = _weighted_median(further / a, a)
        errs[i] = float(np.abs(further - ks[i] * a).mean())
    return errs, ks


#: Trigger sizes pooled with the back-test's own for the volatility rule: falls and
#: rises of 3 % and 5 % identify how the day after a shock scales with its size
#: (chosen on events before 2024-11, docs/liquidity.md).
POOL_TRIGGERS: tuple[float, ...] = (0.03, 0.05)

#: Shock weights ``γ`` the rule searches (the first is the EWMA's own, 0.0285).
SHOCK_WEIGHTS: tuple[float, ...] = (EWMA_SHOCK_WEIGHT, 0.1, 0.3, 1.0)

#: Regime dispersions ``η`` the maximum-likelihood fit searches (step 0.01).
DISPERSIONS: FloatArray = np.round(np.arange(0.0, 1.0001, 0.01), 2)

#: Bin width (log units) of the simulated density of the log standard extreme, and
#: the Gaussian smoothing added to every ``η`` (``sqrt(η² + h²)``; 0.02 shifts a fitted
#: η of 0.25 by less than 0.001).
_LOG_BIN: float = 0.01
_LOG_SMOOTH: float = 0.02
#: Walks simulated for that density (once per clock grid, cached).
_DENSITY_WALKS: int = 200_000


@lru_cache(maxsize=8)
def _log_extreme_hist(dt_t: tuple[float, ...]) -> tuple[FloatArray, FloatArray, float]:
    """Histogram of ``log M`` for the unit walk's running-minimum magnitude ``M > 0``.

    Returns ``(bin centres, probabilities summing to 1, share of walks with M = 0)``
    (the walk that never goes below its start: the move stopped at the trigger).
    """
    dt = np.asarray(dt_t)
    rng = np.random.default_rng(11)
    chunks = []
    for _ in range(_DENSITY_WALKS // 20_000):
        z = rng.standard_normal((20_000, dt.size)) * np.sqrt(dt / 3600.0)
        z[:, 0] = 0.0
        chunks.append(-np.cumsum(z, axis=1).min(axis=1))  # the running minimum's last value
    m = np.concatenate(chunks)
    pos = m[m > 0.0]
    y = np.log(pos)
    lo = math.floor(float(y.min()) / _LOG_BIN) * _LOG_BIN - 2 * _LOG_BIN
    hi = math.ceil(float(y.max()) / _LOG_BIN) * _LOG_BIN + 2 * _LOG_BIN
    edges = lo + _LOG_BIN * np.arange(round((hi - lo) / _LOG_BIN) + 1)
    counts, _ = np.histogram(y, edges)
    return 0.5 * (edges[:-1] + edges[1:]), counts / counts.sum(), 1.0 - pos.size / m.size


def _log_density(dt: FloatArray, dispersion: float) -> tuple[FloatArray, FloatArray]:
    """``(y, log density)`` of ``log(V · M)``, ``V = exp(η N)``, given ``M > 0``.

    ``log(V · M) = log M + η N``: the simulated histogram of ``log M`` convolved with
    a normal of standard deviation ``sqrt(η² + h²)`` (``h`` :data:`_LOG_SMOOTH`), on a
    grid wide enough for ten of those deviations either side.
    """
    centres, prob, _ = _log_extreme_hist(tuple(float(x) for x in dt))
    s = math.hypot(float(dispersion), _LOG_SMOOTH)
    half = math.ceil(10.0 * s / _LOG_BIN)
    off = _LOG_BIN * np.arange(-half, half + 1)
    ker = np.exp(-0.5 * (off / s) ** 2) / (s * math.sqrt(2.0 * math.pi))
    dens = np.convolve(prob, ker)  # density: probabilities x kernel density
    y = centres[0] - half * _LOG_BIN + _LOG_BIN * np.arange(dens.size)
    return y, np.log(np.maximum(dens, 1e-300))


def dispersion_loglik(
    ratios: FloatArray, dt: FloatArray | None = None, dispersions: Sequence[float] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Profile log-likelihood of the regime dispersion ``η`` for standardised further moves.

    Parameters
    ----------
    ratios : array
        Further moves beyond the trigger (log, in the trigger's direction) divided by
        the rule's ``k · s^b``; only the positive ones are used (a move that stopped
        at the trigger is the model's mass at 0, the same for every ``η``).
    dt : array, optional
        The clock grid (s), default :func:`default_grid`.
    dispersions : sequence of float, optional
        The ``η`` evaluated (default :data:`DISPERSIONS`).

    Returns
    -------
    (ndarray, ndarray)
        ``η`` and, for each, ``max_c Σ log f_η(log r_i − c)``: the log-likelihood of
        the log ratios under the model's mixture ``log(V · M)`` (``M`` the unit walk's
        running-minimum magnitude, ``V = exp(η N)``), maximised over the free scale
        ``c`` (the rule's ``k`` is refitted afterwards, so only the shape is asked of
        the ratios). Every observation counts, the largest ones included.
    """
    from scipy.optimize import minimize_scalar

    grid = default_grid() if dt is None else dt
    etas = np.asarray(DISPERSIONS if dispersions is None else dispersions, dtype=np.float64)
    r = np.asarray(ratios, dtype=np.float64)
    x = np.log(r[np.isfinite(r) & (r > 0.0)])
    out = np.full(etas.size, -math.inf)
    if x.size == 0:
        return etas, out
    med0 = float(np.median(x))
    for i, eta in enumerate(etas):
        y, ld = _log_density(grid, float(eta))
        mode = float(y[int(np.argmax(ld))])

        def nll(c: float, y: FloatArray = y, ld: FloatArray = ld) -> float:
            return -float(np.interp(x - c, y, ld).sum())

        base = med0 - mode
        cs = base + np.arange(-1.0, 1.0001, 0.05)
        coarse = -np.interp(x[None, :] - cs[:, None], y, ld).sum(axis=1)
        j = int(np.argmin(coarse))
        res = minimize_scalar(
            nll,
            bounds=(float(cs[max(j - 1, 0)]), float(cs[min(j + 1, cs.size - 1)])),
            method="bounded",
            options={"xatol": 1e-4},
        )
        out[i] = -min(float(res.fun), float(coarse[j]))
    return etas, out


def fit_dispersion(ratios: FloatArray, dt: FloatArray | None = None) -> float:
    """The maximum-likelihood regime dispersion ``η`` of :data:`DISPERSIONS`.

    :func:`dispersion_loglik`'s argmax (the smallest ``η`` on ties); 0 with fewer than
    10 positive ratios.
    """
    r = np.asarray(ratios, dtype=np.float64)
    if int(np.sum(np.isfinite(r) & (r > 0.0))) < 10:
        return 0.0
    # coarse to fine on the grid (every 10th η, then every 2nd, then every one around
    # the best): the profile is unimodal in η, and this evaluates 21 of the 101 η
    # (tested equal to the whole grid's argmax)
    grid = np.asarray(DISPERSIONS, dtype=np.float64)
    seen: dict[int, float] = {}

    def best_of(idx: Sequence[int]) -> int:
        new = [i for i in idx if 0 <= i < grid.size and i not in seen]
        if new:
            _, ll = dispersion_loglik(r, dt, [float(grid[i]) for i in new])
            seen.update(zip(new, (float(v) for v in ll), strict=True))
        cand = sorted(i for i in idx if i in seen)
        ll = np.array([seen[i] for i in cand])
        if not np.isfinite(ll).any():
            return cand[0]
        # the smallest η within a relative 1e-9 of the greatest log-likelihood
        return cand[stable_argmax(np.where(np.isfinite(ll), ll, -np.inf))]

    b = best_of(range(0, grid.size, 10))
    b = best_of(range(b - 8, b + 9, 2))
    b = best_of(range(b - 1, b + 2))
    return float(grid[b])


@dataclass(frozen=True)
class ShockRule:
    """The volatility of the day after a shock: ``V · k · s^b``.

    ``s = post_shock_sigma(sigma, shock, shock_weight)``; ``V = exp(dispersion · N)``
    per path (:func:`liqcascade.cascade._clock.regime_scales`).
    """

    k: float = 1.0
    b: float = 1.0
    shock_weight: float = EWMA_SHOCK_WEIGHT
    dispersion: float = 0.0

    def multiplier(self, sigma: Any, shock: Any) -> Any:
        """``k · s^(b − 1)``: the multiplier of the post-shock ``s``."""
        return vol_multiplier((self.k, self.b), self.post_sigma(sigma, shock))

    def post_sigma(self, sigma: Any, shock: Any) -> Any:
        """:func:`post_shock_sigma` with this rule's shock weight."""
        return post_shock_sigma(sigma, shock, self.shock_weight)


def pooled_events(
    ohlc: pd.DataFrame, trigger: float, end: Any = None, pool: Sequence[float] = POOL_TRIGGERS
) -> pd.DataFrame:
    """Trigger events of ``trigger`` and of every larger pooled trigger, stacked.

    Each size is detected on its own (:func:`detect_events`; the same bar may be an
    event of several sizes). The column ``trigger`` gives the size.
    """
    check_trigger(trigger)
    return _pooled(HourlySeries.of(ohlc), trigger, end, pool)


def _pooled(
    src: HourlySeries, trigger: float, end: Any, pool: Sequence[float] = POOL_TRIGGERS
) -> pd.DataFrame:
    """:func:`pooled_events` on bars read once."""
    sizes = sorted({float(trigger), *(float(p) for p in pool if p > trigger)})
    parts = []
    for f in sizes:
        check_trigger(f)
        parts.append(_detect(src, f, None, end).assign(trigger=f))
    return pd.concat(parts, ignore_index=True)


def fit_shock_rule(events: pd.DataFrame, dt: FloatArray | None = None) -> ShockRule:
    """The :class:`ShockRule` fitted on ``events`` (all before what it predicts).

    1. For each shock weight of :data:`SHOCK_WEIGHTS`, :func:`fit_vol_rule` on the
       pooled events (several trigger sizes: :func:`pooled_events`); the weight with
       the smallest mean absolute error of the median further move wins — with one
       trigger size the weight is not identified apart from ``k``, with several it
       sets how much more volatile the day after a larger shock is.
    2. The dispersion ``η`` of :data:`DISPERSIONS` by maximum likelihood
       (:func:`fit_dispersion`): the realised further moves divided by the rule's
       ``k · s^b``, their logs scored under the model's regime mixture of standard
       extremes with a free scale — every move counts, the crash days beyond the
       99th percentile included: the tail of the day after a shock as history had it.
    3. ``k`` refitted with that mixture (the median stays where step 1 put it).

    Fewer than 10 events: ``ShockRule()`` (k = 1, b = 1, the EWMA's weight, η = 0).
    """
    ev = events.dropna(subset=["sigma"])
    if len(ev) < 10:
        return ShockRule()
    grid = default_grid() if dt is None else dt
    k, b, g, r = median_rule(ev, grid)
    if int(np.sum(r > 0)) < 10:
        return ShockRule(k, b, g, 0.0)
    best_eta = fit_dispersion(r, grid)
    k2, b2 = fit_vol_rule(ev, grid, shock_weight=g, dispersion=best_eta)
    return ShockRule(k2, b2, g, best_eta)


def median_rule(ev: pd.DataFrame, grid: FloatArray) -> tuple[float, float, float, FloatArray]:
    """Step 1 of :func:`fit_shock_rule`: the shock weight, ``k`` and ``b`` of the median.

    ``ev``: events with a finite ``sigma``. Returns ``(k, b, shock_weight, ratios)``,
    ``ratios`` the realised further moves divided by the rule's ``k · s^b`` (what the
    dispersion is fitted on).
    """
    errs, rules = shock_weight_grid(ev, grid)
    ok = np.isfinite(errs)
    # the first weight within a relative 1e-9 of the least error
    i = stable_argmin(np.where(ok, errs, np.inf)) if ok.any() else -1
    (k, b), g = ((1.0, 1.0), EWMA_SHOCK_WEIGHT) if i < 0 else (rules[i], SHOCK_WEIGHTS[i])
    sig0 = ev["sigma"].to_numpy(np.float64)
    trig = ev["trigger_move"].to_numpy(np.float64)
    return k, b, g, _further(ev) / (k * post_shock_sigma(sig0, trig, g) ** b)


def shock_weight_grid(
    ev: pd.DataFrame, grid: FloatArray
) -> tuple[FloatArray, list[tuple[float, float]]]:
    """The median's error and its rule ``(k, b)`` for each weight of :data:`SHOCK_WEIGHTS`.

    What :func:`median_rule` chooses from (``ev``: events with a finite ``sigma``;
    ``grid``: the path's time grid, s).

    Returns
    -------
    (errors, rules)
        Mean absolute error of the median further move (log units) per weight, and the
        :func:`fit_vol_rule` ``(k, b)`` it was computed with.
    """
    further = _further(ev)
    sig0 = ev["sigma"].to_numpy(np.float64)
    trig = ev["trigger_move"].to_numpy(np.float64)
    q50 = abs(float(_standard_extremes(grid)[50]))
    errs = np.empty(len(SHOCK_WEIGHTS))
    rules: list[tuple[float, float]] = []
    for i, g in enumerate(SHOCK_WEIGHTS):
        k, b = fit_vol_rule(ev, grid, shock_weight=g)
        rules.append((k, b))
        errs[i] = float(np.abs(further - k * post_shock_sigma(sig0, trig, g) ** b * q50).mean())
    return errs, rules


def fit_interval_levels(
    events: pd.DataFrame,
    rule: tuple[float, float] | ShockRule,
    dt: FloatArray | None = None,
) -> tuple[float, float]:
    """Quantile levels of the predictive distribution that covered 10–90 % historically.

    For each event (all before the prediction), the probability integral transform
    of its realised extreme under the diffusion-only model with the volatility
    ``rule`` (:func:`fit_shock_rule`, or ``(k, b)`` of :func:`fit_vol_rule` with the
    EWMA's shock weight and no regime dispersion);
    the 10th and 90th percentiles of those values are the levels at which the
    model's distribution is cut for its 80 % interval (``(0.1, 0.9)`` when the
    model is calibrated; wider when history had fatter tails or more moves that
    stopped at the trigger). Returns ``(0.1, 0.9)`` with fewer than 30 events.
    """
    ev = events.dropna(subset=["sigma"])
    if len(ev) < 30:
        return 0.1, 0.9
    return _interval_levels(
        ev["sigma"].to_numpy(np.float64), ev["trigger_move"].to_numpy(np.float64),
        _further(ev), rule, dt,
    )  # fmt: skip


def _interval_levels(
    sigma: FloatArray,
    trigger_move: FloatArray,
    further: FloatArray,
    rule: tuple[float, float] | ShockRule,
    dt: FloatArray | None = None,
) -> tuple[float, float]:
    """:func:`fit_interval_levels` on the arrays of its events (finite ``sigma``, 30 or more).

    ``further``: :func:`_further` of the same events.
    """
    r = rule if isinstance(rule, ShockRule) else ShockRule(rule[0], rule[1])
    grid = default_grid() if dt is None else dt
    mags = -_standard_extremes(grid, dispersion=r.dispersion)[::-1]  # ascending magnitudes
    levels = np.linspace(0.0, 1.0, mags.size)
    sig = r.post_sigma(sigma, trigger_move)
    u = np.interp(
        further / (vol_multiplier((r.k, r.b), sig) * sig), mags, levels, left=0.0, right=1.0
    )
    lo, hi = np.quantile(u, [0.10, 0.90])
    return float(lo), float(hi)


def estimated_market_at(
    build: Callable[[Any], Any] | None = None,
    *,
    asset: str = "ETH",
    store: Any = None,
) -> MarketAt:
    """A :data:`MarketAt` that builds each event's market through :mod:`liqcascade.market`.

    Parameters
    ----------
    build : callable, optional
        ``build(MarketSpec) -> MarketState``; default
        :func:`liqcascade.market.estimated_market` (the one way to build a market:
        positions from the identified book, modelled stops, the all-venue depth × the
        venue's share with the calibrated β of ``depth_calibration.json``).
    asset : str
        The asset of every market.
    store : str, Path, bool or None
        Passed to :class:`liqcascade.market.MarketSpec`.

    Notes
    -----
    Without ``build`` the result is an
    :class:`~liqcascade.cascade._event_markets.EventMarkets`: the same markets from one
    walk per book calibration (checked against ``estimated_market`` on the first
    event), with ``book_at`` for the liquidation prediction.
    ``market_at(ts, mid)`` asks for ``MarketSpec(asset, as_of=ts)``: by the market's
    date rule, the last 4-hour bar closed at or before ``ts`` (no look-ahead), and
    re-centres its calibrated depth on ``mid`` (the previous hourly close). Markets
    are cached per ``(ts, mid)``: the calibration tool and the back-test ask for the
    same events many times. A ``ts`` outside the data (the market's refusal naming
    ``as_of``) has no market (None); any other error of ``build`` (a store that cannot
    be read, a calibration file that cannot be parsed) raises.
    """
    from liqcascade.market import MarketSpec, estimated_market

    if build is None:  # the same markets, one walk per book calibration (fast)
        from liqcascade.cascade._event_markets import EventMarkets

        return EventMarkets(asset, store=store)
    make = estimated_market if build is None else build
    cache: dict[tuple[pd.Timestamp, float], PreparedMarket | None] = {}

    def market_at(ts: pd.Timestamp, mid: float) -> PreparedMarket | None:
        key = (pd.Timestamp(ts), float(mid))
        if key not in cache:
            try:
                st = make(MarketSpec(asset, as_of=key[0], store=store))
            except InputError as exc:
                if "as_of" not in exc.params:  # a store or calibration fault: not "no market"
                    raise
                cache[key] = None  # the date is outside the data: no market then
            else:
                book = st.recentred_book(key[1])
                cache[key] = prepare_cascade(book, st.positions, st.stops)
        return cache[key]

    return market_at


# --------------------------------------------------------------------------- prediction


def event_seed(seed: int, ts: pd.Timestamp) -> int:
    """The Monte Carlo seed of the event at ``ts``: ``seed`` and the event's hour.

    An event's paths depend on the run's ``seed`` and on the event itself, never on
    where the requested window starts (a seed per position in the window gave the
    same event other paths when ``start`` moved). The two numbers are mixed by
    :class:`numpy.random.SeedSequence`, so nearby seeds or hours give unrelated paths.
    """
    hour = int(pd.Timestamp(ts).value // 3_600_000_000_000)
    return int(np.random.SeedSequence([int(seed), hour]).generate_state(1, np.uint64)[0])


def predict_event(
    prepared: PreparedMarket,
    prev_close: float,
    trigger_move: float,
    sigma: float,
    calibration: Calibration,
    vol_multiplier: float,
    *,
    n_paths: int = 200,
    seed: int = 0,
    dt: FloatArray | None = None,
    draws: Sequence[LiquidityParams] | None = None,
    residuals: FloatArray | None = None,
    levels: tuple[float, float] = (0.1, 0.9),
    shock_weight: float | None = None,
    dispersion: float = 0.0,
    residual_std: float | None = None,
) -> dict[str, float]:
    """The calibrated prediction for one event (moves as fractions, notionals USD).

    Paths start at the trigger price; the index then walks with hourly volatility
    ``vol_multiplier · post_shock_sigma(sigma, trigger_move)``; each path runs the
    clock cascade under one draw of the calibrated parameters. Liquidations on the
    moving side come from the cascade; on the other side, from the positions the
    index's furthest excursion the other way reaches. ``residuals``: standardised
    hourly residuals from before the event (filtered historical simulation; default
    normal innovations). ``levels``: the quantile levels of the move's magnitude cut
    for the interval (:func:`fit_interval_levels`). ``shock_weight``, ``dispersion``:
    the :class:`ShockRule`'s ``γ`` (default the EWMA's) and ``η`` (each path's
    volatility times ``exp(η · N)``). ``residual_std``: the standard deviation of
    ``residuals`` when the caller gives them already finite (the back-test reads them
    once for both of an event's predictions); the filter and the sum are then skipped.
    """
    grid = default_grid() if dt is None else dt
    d = 1.0 if trigger_move < 0 else -1.0
    p1 = prev_close * (1.0 + trigger_move)
    use = list(draws) if draws is not None else list(calibration.draws or (calibration.params,))
    per = max(1, n_paths // len(use))
    rng = np.random.default_rng(seed)
    sig = (
        vol_multiplier
        * post_shock_sigma(sigma, trigger_move, shock_weight)
        * np.sqrt(grid / 3600.0)
    )
    outs = []
    pool = None
    if residuals is not None:
        pool = residuals if residual_std is not None else residuals[np.isfinite(residuals)]
        pool = pool if pool.size > 100 else None
    # the pool in units of its standard deviation: each draw divided (the same numbers
    # as drawing from the divided pool, without dividing every residual per event)
    if pool is None:
        scale = 1.0
    else:
        scale = float(pool.std()) if residual_std is None else float(residual_std)
    for pdraw in use:
        if pool is None:
            z = rng.standard_normal((per, grid.size))
        else:
            z = pool[rng.integers(0, pool.size, (per, grid.size))] / scale
        z = z * regime_scales(rng, per, dispersion)[:, None]
        resp = LiquidityResponse.of(prepared, d, pdraw)
        outs.append(resp.paths(p1, sig, z, grid))
    allp = np.vstack(outs)
    moves = allp[:, 0] / prev_close - 1.0
    # the other side: shorts at or below the highest index price of a fall's paths (longs
    # at or above the lowest of a rise's), every one counted (no rule at the mid)
    other = prepared.side(-d).crossed_usd(allp[:, 3])
    moving = allp[:, 2]
    longs, shorts = (moving, other) if d > 0 else (other, moving)
    # p10: the deeper end of a fall (the higher of a rise); magnitude quantiles
    mag = -d * moves
    shallow, deep = np.quantile(mag, [levels[0], levels[1]])
    return {
        "predicted_move": float(np.median(moves)),
        "predicted_move_p10": float(-d * deep),
        "predicted_move_p90": float(-d * shallow),
        "predicted_long_usd": float(np.median(longs)),
        "predicted_short_usd": float(np.median(shorts)),
        "book_exhausted_share": float(allp[:, 5].mean()),
    }


def recorded_liquidations(liquidations: pd.DataFrame, ts: pd.Timestamp) -> tuple[float, float]:
    """Recorded long and short liquidations (USD) of the 4-hour bars of the 24 h from ``ts``.

    The bars are the one holding ``ts`` and those opening before ``ts + 24 h``. NaN
    on both sides unless every one of those bars is in the record with finite values
    (an event near the record's end, or across a gap, has no full 24 h: a partial sum
    would be scored as a small recorded value).
    """
    return LiquidationRecord.of(liquidations).recorded(ts)


#: Trailing window of the liquidation background (days). Chosen on the events before
#: 2025-01 only (ETH 20, BTC 18; the recorded liquidations start 2024-11-13): against
#: 7 days, 30 gave the higher log-correlation for both assets (ETH 0.53 vs 0.49, BTC
#: 0.57 vs 0.53); book + background beat the book alone and the background alone on
#: correlation for both (docs/liquidity.md).
BACKGROUND_DAYS: float = 30.0


def background_liquidations(
    liquidations: pd.DataFrame, ts: pd.Timestamp, days: float = BACKGROUND_DAYS
) -> tuple[float, float]:
    """The liquidation background per side before ``ts``: USD per 24 h (long, short).

    The median, over the 24-hour windows (six consecutive 4-hour bars) that closed
    at or before ``ts`` within the trailing ``days``, of the recorded liquidations
    per side. Recorded 24-h liquidations carry a background on both sides (small
    accounts, other instruments' margin calls, moves the book estimate does not
    reach) that crossing the estimated book's liquidation prices does not produce;
    the back-test's prediction is the book's liquidations plus this background.
    NaN when no full window closed before ``ts``.
    """
    return LiquidationRecord.of(liquidations).background(ts, days)


@dataclass(frozen=True, eq=False)
class LiquidationRecord:
    """The recorded 4-hour liquidations as arrays, read once for every event of a back-test.

    :func:`recorded_liquidations` and :func:`background_liquidations` are its
    :meth:`recorded` and :meth:`background` on a record made for the one call; the
    back-test makes one for all its events (the same numbers without a frame's
    selection per event).

    Attributes
    ----------
    index_ns : numpy.ndarray of int64
        The bars' open times, ns since the epoch (UTC; a naive time read as UTC).
    usd : numpy.ndarray of float, shape (bars, 2)
        ``long_usd`` and ``short_usd`` per bar, USD.
    """

    index_ns: IntArray
    usd: FloatArray

    @classmethod
    def of(cls, liquidations: pd.DataFrame) -> LiquidationRecord:
        """The record of ``liquidations`` (a frame with ``long_usd``, ``short_usd``)."""
        idx = pd.DatetimeIndex(liquidations.index).as_unit("ns")
        usd = liquidations[["long_usd", "short_usd"]].to_numpy(np.float64)
        return cls(np.asarray(idx.asi8, dtype=np.int64), usd)

    def recorded(self, ts: pd.Timestamp) -> tuple[float, float]:
        """:func:`recorded_liquidations` at ``ts``."""
        lo = ts.floor("4h")
        hi = ts + pd.Timedelta(hours=24)
        n_want = len(pd.date_range(lo, hi - pd.Timedelta(microseconds=1), freq="4h"))
        inside = (self.index_ns >= lo.value) & (self.index_ns < hi.value)
        vals = self.usd[inside]
        if np.unique(self.index_ns[inside]).size < n_want or not np.isfinite(vals).all():
            return float("nan"), float("nan")
        return float(vals[:, 0].sum()), float(vals[:, 1].sum())

    def background(self, ts: Any, days: float = BACKGROUND_DAYS) -> tuple[float, float]:
        """:func:`background_liquidations` at ``ts`` over the trailing ``days``."""
        t = pd.Timestamp(ts)
        # 4 h: the recorded liquidations' bar (the last one closing by ts), not the market's
        first = (t - pd.Timedelta(days=days) - pd.Timedelta(hours=4)).value
        lo = int(np.searchsorted(self.index_ns, first, side="left"))
        hi = int(np.searchsorted(self.index_ns, (t - pd.Timedelta(hours=4)).value, side="right"))
        if hi - lo < 6:
            return float("nan"), float("nan")
        past = self.usd[lo:hi]
        roll = np.lib.stride_tricks.sliding_window_view(past, 6, axis=0).sum(axis=2)
        roll = roll[np.isfinite(roll).all(axis=1)]
        if roll.shape[0] == 0:
            return float("nan"), float("nan")
        return float(np.median(roll[:, 0])), float(np.median(roll[:, 1]))


# --------------------------------------------------------------------------- the back-test


def median_ratio(events: pd.DataFrame, direction: str) -> float:
    """Median realised / trigger move over ``events`` of ``direction``.

    The empirical baseline's ratio: over all of them when that direction has fewer
    than 10; 1.0 (the trigger baseline) with none.
    """
    return _median_ratio(
        events["realised_move"].to_numpy(np.float64),
        events["trigger_move"].to_numpy(np.float64),
        events["direction"].to_numpy() == direction,
    )


def _median_ratio(realised: FloatArray, trigger_move: FloatArray, same: BoolArray) -> float:
    """:func:`median_ratio` on arrays; ``same``: the events of the direction asked."""
    pick = same if int(np.count_nonzero(same)) >= 10 else np.ones(same.size, dtype=bool)
    if not pick.any():
        return 1.0
    ratio = realised[pick] / trigger_move[pick]
    ratio = ratio[~np.isnan(ratio)]  # the frame's median skips NaN
    return float(np.median(ratio)) if ratio.size else float("nan")


@dataclass(frozen=True, eq=False)
class EventTable:
    """The back-test's scored-or-not events as arrays: what each event reads of those before it.

    For every event of the window, :func:`run_backtest` needs the events whose 24 h
    ended by it (:func:`closed_by`), their :func:`median_ratio` and their
    :func:`fit_interval_levels`; this computes them from arrays made once (the same
    numbers, element by element, without a frame's selection per event).

    Attributes
    ----------
    end_ns : numpy.ndarray of int64
        Each event's ``ts + 24 h``, ns since the epoch (UTC).
    direction : numpy.ndarray
        ``"down"`` / ``"up"``.
    sigma, trigger_move, realised_move, further : numpy.ndarray of float
        The columns of the same names and :func:`_further`.
    """

    end_ns: IntArray
    direction: Any
    sigma: FloatArray
    trigger_move: FloatArray
    realised_move: FloatArray
    further: FloatArray

    @classmethod
    def of(cls, events: pd.DataFrame) -> EventTable:
        """The table of ``events`` (:func:`detect_events`' columns)."""
        ts = pd.DatetimeIndex(events["ts"]).as_unit("ns")
        end = ts + pd.Timedelta(hours=24)
        return cls(
            np.asarray(end.asi8, dtype=np.int64),
            events["direction"].to_numpy(),
            events["sigma"].to_numpy(np.float64),
            events["trigger_move"].to_numpy(np.float64),
            events["realised_move"].to_numpy(np.float64),
            _further(events),
        )

    def closed(self, ts: Any) -> BoolArray:
        """Which events' 24 h ended by ``ts`` (:func:`closed_by`)."""
        return np.asarray(self.end_ns <= utc_time(ts).value, dtype=bool)

    def median_ratio(self, closed: BoolArray, direction: str) -> float:
        """:func:`median_ratio` of the events ``closed`` marks."""
        return _median_ratio(
            self.realised_move[closed], self.trigger_move[closed],
            self.direction[closed] == direction,
        )  # fmt: skip

    def interval_levels(self, closed: BoolArray, rule: ShockRule) -> tuple[float, float]:
        """:func:`fit_interval_levels` of the events ``closed`` marks."""
        use = closed & ~np.isnan(self.sigma)  # the frame's dropna
        if int(np.count_nonzero(use)) < 30:
            return 0.1, 0.9
        return _interval_levels(self.sigma[use], self.trigger_move[use], self.further[use], rule)


#: The keys :func:`move_comparisons` adds to ``metrics``.
_COMPARISON_KEYS: tuple[str, ...] = tuple(
    k
    for b in (*BASELINES, *OPTIONAL_BASELINES)
    for k in (
        f"move_mae_diff_vs_{b}_pp",
        f"move_mae_diff_vs_{b}_pp_p05",
        f"move_mae_diff_vs_{b}_pp_p95",
        f"move_mae_dm_pvalue_vs_{b}",
    )
)


@dataclass(frozen=True)
class BacktestResult:
    """Predicted against realised, per event, with the metrics and baselines.

    ``to_dict()`` is the JSON of ``liqcascade cascade backtest --json``: the pooled
    ``metrics`` over every scored event and, when the events' position books are known
    (``book_in_sample`` per event), ``n_book_in_sample``, ``book_out_of_sample_from``
    and the same scores on the events whose book is in sample
    (``metrics_book_in_sample``: liquidity out of sample, book in sample) and on the
    others (``metrics_book_out_of_sample``: both out of sample); ``n_beta_assumed``:
    events whose market uses the assumed depth exponent (per event ``beta_assumed``).

    Attributes
    ----------
    asset : str
        Upper-case asset.
    start, end : str
        The window, ISO timestamps (UTC; a bare end date is the end of its day).
    trigger : float
        ``F``, fraction of the previous close.
    events : pandas.DataFrame
        One row per scored event: ``ts``, ``direction``, ``trigger_move`` and
        ``realised_move`` (fractions), the predicted move (``predicted_move`` median,
        ``predicted_move_p10``, ``predicted_move_p90``), the predicted and recorded
        liquidations by side (``predicted_long_usd`` … ``recorded_short_usd``, USD),
        the baselines' moves and the diagnostic columns; events without a score are
        not rows (``extra["skipped"]`` says why).
    metrics : dict of str to float
        The pooled scores over the scored events (``move_mae_pp``, the baselines',
        ``liq_corr``, …; NaN without events).
    extra : dict
        ``empirical_ratio`` per direction, ``n_events_before_window``,
        ``covered_start`` / ``covered_end``, ``open_interest_span``, ``n_skipped`` and
        ``skipped`` by reason, ``n_without_liquidation_record``, and the book split
        (above) when known.
    """

    asset: str
    start: str
    end: str
    trigger: float
    events: pd.DataFrame
    metrics: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_events(self) -> int:
        """Events scored (the rows of :attr:`events`)."""
        return len(self.events)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``liqcascade cascade backtest --json`` (NaN written as null)."""
        cols = [
            "ts",
            "direction",
            "trigger_move",
            "predicted_move",
            "predicted_move_p10",
            "predicted_move_p90",
            "realised_move",
            "predicted_long_usd",
            "predicted_short_usd",
            "recorded_long_usd",
            "recorded_short_usd",
        ]
        cols += [
            c
            for c in (
                "book_long_usd",
                "book_short_usd",
                "background_long_usd",
                "background_short_usd",
                "identified_long_p10_usd",
                "identified_long_p90_usd",
                "identified_short_p10_usd",
                "identified_short_p90_usd",
                "realised_path_long_usd",
                "realised_path_short_usd",
                "expanding_baseline",
            )
            if c in self.events.columns
        ]
        evs = []
        # no event in the range (dates outside the data, a trigger never reached): a
        # valid result with no rows and every metric null, not an error
        events = self.events if len(self.events) else self.events.iloc[0:0]
        if not len(events) or any(c not in events.columns for c in cols):
            events = pd.DataFrame(columns=cols)
        flags = [c for c in ("book_in_sample", "beta_assumed") if c in events.columns]
        for r in events[cols + flags].itertuples(index=False):
            row = dict(zip(cols + flags, r, strict=True))
            row["ts"] = pd.Timestamp(row["ts"]).isoformat()
            for k in cols[2:]:
                row[k] = None if row[k] is None or not math.isfinite(row[k]) else float(row[k])
            for k in flags:  # bool per event: the book fitted after it, the β assumed
                row[k] = None if row[k] is None or row[k] != row[k] else bool(row[k])
            evs.append(row)
        out = {
            "asset": self.asset,
            "start": self.start,
            "end": self.end,
            "trigger": self.trigger,
            "n_events": self.n_events,
            "events": evs,
            "metrics": {k: _num(v) for k, v in self.metrics.items()},
        }
        for k in (
            "n_events_before_window",
            "covered_start",
            "covered_end",
            "open_interest_span",
            "n_skipped",
            "skipped",
            "n_without_liquidation_record",
            "n_book_in_sample",
            "book_out_of_sample_from",
            "n_beta_assumed",
            "prices_only",
        ):
            if k in self.extra:
                out[k] = self.extra[k]
        for k in ("metrics_book_in_sample", "metrics_book_out_of_sample"):
            if k in self.extra:
                out[k] = {m: _jsonable(v) for m, v in self.extra[k].items()}
        return out


def _num(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def _jsonable(v: Any) -> Any:
    """A subset's score as JSON: floats via :func:`_num`, counts as int."""
    if isinstance(v, bool | int | np.integer):
        return int(v)
    return _num(float(v))


def month_start(ts: Any) -> pd.Timestamp:
    """00:00 UTC of the first day of ``ts``'s month (when the volatility rule is refitted)."""
    t = utc_time(ts).normalize()
    return t - pd.Timedelta(days=t.day - 1)


_RULES: dict[tuple[int, bytes], ShockRule] = {}


def closed_by(events: pd.DataFrame, ts: Any) -> pd.DataFrame:
    """The events whose 24 h ended by ``ts``: what a fit made at ``ts`` may use."""
    return events[events["ts"] + pd.Timedelta(hours=24) <= utc_time(ts)]


def rule_events(prior: pd.DataFrame) -> tuple[int, float, float]:
    """The events a volatility rule is fitted on, summarised.

    ``(count, Σ |trigger move|, Σ realised move)`` (fractions): what
    :attr:`Calibration.rule_events` stores.
    """
    return (
        len(prior),
        float(prior["trigger_move"].abs().sum()),
        float(prior["realised_move"].sum()),
    )


def _fit_key(prior: pd.DataFrame) -> tuple[int, bytes]:
    """What :func:`fit_shock_rule` reads of ``prior``, as a cache key.

    The events with a finite ``sigma``, in their order: their number and a digest of
    their direction (a fall or not), ``sigma``, ``trigger_move`` and ``realised_move``
    (float64 bytes). Nothing else of the events, nor of the pool they were taken
    from, enters the fit: events added after ``prior``'s date leave the key as it is.
    """
    ev = prior.dropna(subset=["sigma"])
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(ev["direction"].to_numpy() == "down").tobytes())
    for c in ("sigma", "trigger_move", "realised_move"):
        h.update(np.ascontiguousarray(ev[c].to_numpy(np.float64)).tobytes())
    return len(ev), h.digest()


def _same_events(a: tuple[int, float, float], b: tuple[int, float, float]) -> bool:
    """The same count and the same two sums within 1e-12 (relative: another machine's sum)."""
    return a[0] == b[0] and all(
        math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12) for x, y in zip(a[1:], b[1:], strict=True)
    )


def rule_before(pool: pd.DataFrame, ts: Any, stored: Calibration | None = None) -> ShockRule:
    """:func:`fit_shock_rule` on the events of ``pool`` whose 24 h ended by ``ts``.

    ``pool``: :func:`pooled_events` (or single-size events). Fits are cached by what
    the fit reads (:func:`_fit_key`: the events closed by ``ts``, not the pool's later
    ones): the calibration tool and the back-test ask for the same dates, and a pool
    grown past ``ts`` reuses the fit. ``stored``: a calibration fitted at ``ts``; when
    its :attr:`~Calibration.rule_events` are these events, its stored rule is the fit
    (the same numbers, without the fit's seconds).
    """
    prior = closed_by(pool, ts)
    used = rule_events(prior)
    key = _fit_key(prior)
    if key not in _RULES:
        if len(_RULES) > 4096:
            _RULES.clear()
        if (
            stored is not None
            and stored.rule_events is not None
            and stored.as_of is not None
            and stored.as_of == utc_time(ts)
            and _same_events(stored.rule_events, used)
        ):
            _RULES[key] = ShockRule(
                stored.vol_multiplier, stored.vol_exponent, stored.shock_weight,
                stored.vol_dispersion,
            )  # fmt: skip
        else:
            _RULES[key] = fit_shock_rule(prior)
    return _RULES[key]


def run_backtest(
    ohlc: pd.DataFrame,
    liquidations: pd.DataFrame,
    market_at: MarketAt,
    calibration_at: Callable[[pd.Timestamp], Calibration],
    *,
    asset: str,
    start: Any,
    end: Any,
    trigger: float | None = None,
    n_paths: int = 200,
    seed: int = 0,
    advance: Callable[[float], None] | None = None,
    book_at: Callable[[pd.Timestamp], Any] | None = None,
    book_in_sample: Callable[[pd.Timestamp], bool] | None = None,
) -> BacktestResult:
    """The event back-test of ``asset`` over ``[start, end]``.

    Parameters
    ----------
    ohlc : pandas.DataFrame
        Hourly bars (the whole history: events before ``start`` feed the empirical
        baseline and the volatility multiplier).
    liquidations : pandas.DataFrame
        Recorded 4-hour liquidations (``long_usd``, ``short_usd``).
    market_at : MarketAt
        The prepared market at a time (see :func:`estimated_market_at`).
    calibration_at : callable
        ``calibration_at(ts)``: the liquidity calibration in force at ``ts``, fitted
        on events whose 24 h ended by its ``as_of`` (e.g.
        ``lambda t: load_liquidity(asset, t)``).
    asset : str
        The asset (any case): its default trigger, and the label of the result.
    start, end : datetime-like
        The window: events whose trigger bar opens in ``[start, end]`` (UTC; a bare
        end date is the whole day).
    trigger : float, optional
        ``F``, fraction of the previous close (default :data:`DEFAULT_TRIGGERS`, 0.02
        for an asset without one).
    n_paths : int, default 200
        Monte Carlo paths per event (at least :data:`MIN_PATHS`), spread over the
        calibration's draws.
    seed : int, default 0
        The event at ``ts`` draws its paths with :func:`event_seed` ``(seed, ts)``, so
        its prediction does not depend on ``start``.
    advance : callable, optional
        Progress: ``advance(1)`` is called once per event of the window, scored or
        skipped, before it is predicted.
    book_at : callable, optional
        ``book_at(ts)``: the identified book at the event
        (:class:`~liqcascade.cascade._event_liquidations.BookSnapshot`); default
        ``market_at.book_at`` when ``market_at`` has one. Its liquidations along the
        predicted paths are the liquidation prediction
        (:mod:`liqcascade.cascade._event_liquidations`); on the realised bars, the
        diagnostic ceiling ``realised_path_*_usd`` (it reads the outcome: never a
        prediction).
    book_in_sample : callable, optional
        ``book_in_sample(ts)``: whether the event's position book was fitted on data
        after it (:mod:`liqcascade.cascade._insample`); default
        ``market_at.book_in_sample`` when ``market_at`` has one. Recorded per event
        (``book_in_sample``) and splits the scores: ``metrics_book_in_sample``
        (liquidity out of sample, book in sample) and ``metrics_book_out_of_sample``
        (both out of sample) beside the pooled ``metrics``
        (:func:`liqcascade.cascade._scores.book_split`).

    Returns
    -------
    BacktestResult
    """
    if book_at is None:
        book_at = getattr(market_at, "book_at", None)
    if book_in_sample is None:
        book_in_sample = getattr(market_at, "book_in_sample", None)
    beta_assumed = getattr(market_at, "beta_assumed", None)
    a = asset.upper()
    check_backtest_options(trigger, n_paths)
    ohlc, liquidations = backtest_frames(ohlc, liquidations)
    f = DEFAULT_TRIGGERS.get(a, 0.02) if trigger is None else float(trigger)
    t0, t1 = to_utc(start, "start"), utc_end(end, "end")
    if t1 < t0:
        raise InputError(f"end {end} is before start {start}", param=("end", "start"))
    check_trigger(f)
    series = HourlySeries.of(ohlc)  # checked and read once for the detections
    found = _detect(series, f, None, t1, keep_short=True)
    all_ev = found[np.isfinite(found["realised_move"].to_numpy(np.float64))]
    pool = _pooled(series, f, t1)
    resid = series.residuals
    # the events whose 24 h had closed when the window opens: an event triggered in the
    # last 24 h before it ends inside the window (its outcome is not yet known at t0)
    before = closed_by(all_ev, t0)
    window = found[found["ts"] >= t0].reset_index(drop=True)
    # the span of the open interest the markets need (an EventMarkets knows it)
    oi_span = getattr(market_at, "span", None)
    covered = covered_span(ohlc, t0, t1, oi_span)
    skipped: dict[str, list[pd.Timestamp]] = {r: [] for r in SKIP_REASONS}
    # empirical baseline: median realised / trigger ratio over the events closed by then
    ratio = {d: median_ratio(before, d) for d in ("down", "up")}
    rows = []
    liq_memo: dict[Any, Any] = {}
    table = EventTable.of(all_ev)
    record = LiquidationRecord.of(liquidations)
    hours, recorded = HourlyBars.of(ohlc), RecordedBars.of(liquidations)  # read once
    # the finite residuals before each bar: a prefix of those of all bars (no filter per event)
    finite = np.isfinite(resid)
    resid_finite = resid[finite]
    n_finite = np.concatenate([[0], np.cumsum(finite)])
    # the rule of a month: rule_before's own cache returns the first fit of a month's
    # events to every later call of that month; asked once per month here
    rules: dict[pd.Timestamp, ShockRule] = {}
    for e in window.to_dict("records"):
        if advance is not None:
            advance(1)
        ts = pd.Timestamp(e["ts"])
        if not math.isfinite(e["realised_move"]):
            skipped["no 24 h of prices after it"].append(ts)
            continue
        if oi_span is not None and not (oi_span[0] <= ts <= oi_span[1]):
            skipped["no open interest"].append(ts)
            continue
        if not math.isfinite(e["sigma"]):
            skipped["no volatility before it"].append(ts)
            continue
        rec_l, rec_s = record.recorded(ts)
        row: dict[str, Any] = {
            "ts": ts,
            "direction": e["direction"],
            "trigger_move": e["trigger_move"],
            "realised_move": e["realised_move"],
            "recorded_long_usd": rec_l,
            "recorded_short_usd": rec_s,
            "trigger_baseline": e["trigger_move"],
            "empirical_baseline": e["trigger_move"] * ratio[e["direction"]],
        }
        pm = market_at(ts, float(e["prev_close"]))
        if pm is None:
            skipped["no open interest"].append(ts)
            continue
        prior = table.closed(ts)
        row["expanding_baseline"] = e["trigger_move"] * table.median_ratio(prior, e["direction"])
        cal = calibration_at(ts)
        month = month_start(ts)
        if month not in rules:
            rules[month] = rule_before(pool, month, stored=cal)
        rule = rules[month]
        m = float(rule.multiplier(e["sigma"], e["trigger_move"]))
        lv = table.interval_levels(prior, rule)
        ev_seed = event_seed(seed, ts)
        drawn = resid_finite[: int(n_finite[int(e["bar"])])]  # the residuals before the bar
        drawn_std = float(drawn.std()) if drawn.size > 100 else None  # unused when too few
        row.update(
            predict_event(
                pm,
                float(e["prev_close"]),
                float(e["trigger_move"]),
                float(e["sigma"]),
                cal,
                m,
                n_paths=n_paths,
                seed=ev_seed,
                residuals=drawn,
                levels=lv,
                shock_weight=rule.shock_weight,
                dispersion=rule.dispersion,
                residual_std=1.0 if drawn_std is None else drawn_std,
            )
        )
        row["vol_multiplier"] = m
        row["shock_weight"] = rule.shock_weight
        row["vol_dispersion"] = rule.dispersion
        bg_l, bg_s = record.background(ts)
        row["book_long_usd"] = row["predicted_long_usd"]
        row["book_short_usd"] = row["predicted_short_usd"]
        row["background_long_usd"] = bg_l
        row["background_short_usd"] = bg_s
        if math.isfinite(bg_l) and math.isfinite(bg_s):
            row["predicted_long_usd"] = row["book_long_usd"] + bg_l
            row["predicted_short_usd"] = row["book_short_usd"] + bg_s
        row["book_background_long_usd"] = row["predicted_long_usd"]
        row["book_background_short_usd"] = row["predicted_short_usd"]
        row["calibration_as_of"] = None if cal.as_of is None else cal.as_of.isoformat()
        if book_in_sample is not None:
            row["book_in_sample"] = bool(book_in_sample(ts))
        if beta_assumed is not None:
            row["beta_assumed"] = beta_assumed(ts)
        if book_at is not None:
            row.update(
                event_liquidations(
                    book_at,
                    hours,
                    e,
                    m,
                    drawn,
                    n_paths,
                    ev_seed,
                    recorded,
                    liq_memo,
                    shock_weight=row.get("shock_weight"),
                    dispersion=float(row.get("vol_dispersion", 0.0)),
                    residual_std=1.0 if drawn_std is None else drawn_std,
                )
            )
            if math.isfinite(row["identified_long_usd"]):  # the identified book's record
                row["predicted_long_usd"] = row["identified_long_usd"]
                row["predicted_short_usd"] = row["identified_short_usd"]
        rows.append(row)
    ev = pd.DataFrame(rows)
    metrics = _metrics(ev)
    split: dict[str, Any] = {}
    if len(ev) and "book_in_sample" in ev.columns:
        book_cal = getattr(market_at, "calibration", None)
        first = None if book_cal is None else book_out_of_sample_from(book_cal)
        split = book_split(ev, ev["book_in_sample"].to_numpy(bool), first)
    if len(ev) and "beta_assumed" in ev.columns:
        split["n_beta_assumed"] = int((ev["beta_assumed"] == True).sum())  # noqa: E712
    no_rec = (
        int((~np.isfinite(ev["recorded_long_usd"].to_numpy(np.float64))).sum()) if len(ev) else 0
    )
    return BacktestResult(
        asset=a,
        start=t0.isoformat(),
        end=t1.isoformat(),
        trigger=f,
        events=ev if len(ev) else pd.DataFrame(columns=["ts"]),
        metrics=metrics,
        extra={
            "empirical_ratio": ratio,
            "n_events_before_window": len(before),
            "covered_start": None if covered is None else covered[0].isoformat(),
            "covered_end": None if covered is None else covered[1].isoformat(),
            "open_interest_span": (
                None if oi_span is None else [pd.Timestamp(x).isoformat() for x in oi_span]
            ),
            "n_skipped": {r: len(v) for r, v in skipped.items()},
            "skipped": [
                {"reason": r, "n": len(v), "first": v[0].isoformat(), "last": v[-1].isoformat()}
                for r, v in skipped.items()
                if v
            ],
            "n_without_liquidation_record": no_rec,
            **split,
        },
    )


#: Why an event of the window is not scored (the keys of ``n_skipped``).
SKIP_REASONS: tuple[str, ...] = (
    "no open interest",
    "no 24 h of prices after it",
    "no volatility before it",
)


def covered_span(
    ohlc: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    oi_span: tuple[pd.Timestamp, pd.Timestamp] | None,
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The part of ``[start, end]`` where an event can be scored; None when empty.

    An event needs the previous hour's close and 24 h of hourly prices after it, and,
    when ``oi_span`` is given (``(first, last)`` close of the open interest's 4-hour
    bars, :attr:`~liqcascade.cascade._event_markets.EventMarkets.span`), a market: a
    bar of open interest closed by the event.
    """
    idx = pd.DatetimeIndex(ohlc.index)
    if len(idx) < 2:
        return None
    lo = max(start, utc_time(idx[1]))
    hi = min(end, utc_time(idx[-1]) - pd.Timedelta(hours=23))
    if oi_span is not None:
        lo, hi = max(lo, utc_time(oi_span[0])), min(hi, utc_time(oi_span[1]))
    return (lo, hi) if lo <= hi else None


def _metrics(ev: pd.DataFrame) -> dict[str, float]:
    nan = float("nan")
    if ev.empty:
        return {
            k: nan
            for k in (
                *SUBSET_KEYS,
                *DIAGNOSTIC_KEYS,
                *_COMPARISON_KEYS,
            )
        }
    real = ev["realised_move"].to_numpy(float)
    p10 = ev["predicted_move_p10"].to_numpy(float)
    p90 = ev["predicted_move_p90"].to_numpy(float)
    lo, hi = np.minimum(p10, p90), np.maximum(p10, p90)
    corr, within = liquidation_metrics(ev)
    return {
        "move_mae_pp": float(np.abs(ev["predicted_move"] - real).mean() * 100),
        "trigger_baseline_move_mae_pp": float(np.abs(ev["trigger_baseline"] - real).mean() * 100),
        "empirical_baseline_move_mae_pp": float(
            np.abs(ev["empirical_baseline"] - real).mean() * 100
        ),
        **{
            f"{b}_baseline_move_mae_pp": float(np.abs(ev[f"{b}_baseline"] - real).mean() * 100)
            for b in baselines_in(ev)
            if b in OPTIONAL_BASELINES
        },
        "coverage_80": float(((real >= lo) & (real <= hi)).mean()),
        "liq_corr": corr,
        "liq_within_2x_share": within,
        **liquidation_diagnostics(ev),
        **move_comparisons(ev),
    }


# --------------------------------------------------------------------------- calibration


def grid_errors(
    events: pd.DataFrame,
    markets: Sequence[PreparedMarket | None],
    all_events: pd.DataFrame,
    residuals: FloatArray,
    *,
    n_paths: int = 60,
    seed: int = 0,
    prior: LiquidityParams = PRIOR_PARAMS,
) -> FloatArray:
    """Absolute error of the median move of every grid point on every event.

    Each event is predicted as the back-test predicts it (volatility multiplier and
    residuals from before the event), under each (latent depth, resilience) of
    :data:`LATENT_GRID` × :data:`RESILIENCE_GRID`. NaN where the market is missing.

    Returns
    -------
    ndarray (grid points, events)
    """
    grid = fit_grid()
    err = np.full((len(grid), len(events)), np.nan)
    dt = default_grid()
    for j in range(len(events)):
        e = events.iloc[j]
        pm = markets[j]
        if pm is None or not math.isfinite(float(e["sigma"])):
            continue
        ts = pd.Timestamp(e["ts"])
        rule = rule_before(all_events, month_start(ts))
        m = float(rule.multiplier(float(e["sigma"]), float(e["trigger_move"])))
        for g, (lat, res) in enumerate(grid):
            p = prior.with_(latent_depth=lat, resilience_half_life_s=res)
            pr = predict_event(
                pm,
                float(e["prev_close"]),
                float(e["trigger_move"]),
                float(e["sigma"]),
                Calibration("", None, p, (p,), m, (m,), 0),
                m,
                n_paths=n_paths,
                seed=seed + j,
                dt=dt,
                residuals=residuals[: int(e["bar"])],
                shock_weight=rule.shock_weight,
                dispersion=rule.dispersion,
            )
            err[g, j] = abs(pr["predicted_move"] - float(e["realised_move"]))
    return err


def stable_argmin(values: FloatArray, rtol: float = 1e-9) -> int:
    """The first index whose value lies within ``rtol`` (relative) of the minimum.

    A grid's mean errors come from long sums of ``exp``/``log``: two grid points can
    differ by an ulp, and another CPU or libm can flip such a near-tie. Taking the first
    point within ``rtol`` makes the choice the same on every machine (unless two values
    straddle the tolerance itself, far rarer than a last-bit tie).

    Parameters
    ----------
    values : array
        Finite values (mean errors, fractions).
    rtol : float
        Relative tolerance.

    Returns
    -------
    int
    """
    v = np.asarray(values, dtype=np.float64)
    m = float(np.min(v))
    return int(np.flatnonzero(v <= m + rtol * abs(m))[0])


def stable_argmax(values: FloatArray, rtol: float = 1e-9) -> int:
    """The first index whose value lies within ``rtol`` (relative) of the maximum.

    The twin of :func:`stable_argmin` for a grid's log-likelihoods.

    Parameters
    ----------
    values : array
        Finite values.
    rtol : float
        Relative tolerance.

    Returns
    -------
    int
    """
    return stable_argmin(-np.asarray(values, dtype=np.float64), rtol)


def fit_grid() -> list[tuple[float, float]]:
    """The (latent depth, resilience half-life s) pairs the calibration searches."""
    return [(lat, res) for lat in LATENT_GRID for res in RESILIENCE_GRID]


def calibrate_liquidity(
    err: FloatArray,
    events: pd.DataFrame,
    all_events: pd.DataFrame,
    *,
    asset: str,
    as_of: pd.Timestamp,
    n_boot: int = 12,
    seed: int = 0,
    prior: LiquidityParams = PRIOR_PARAMS,
    min_events: int = 8,
) -> Calibration:
    """Fit latent depth and resilience on the events whose 24 h ended by ``as_of``.

    Parameters
    ----------
    err : ndarray (grid points, events)
        From :func:`grid_errors` on ``events``.
    events : pandas.DataFrame
        The events ``err`` describes (``ts``).
    all_events : pandas.DataFrame
        Price-only trigger events of the whole history, pooled over trigger sizes
        (:func:`pooled_events`): the volatility rule at ``as_of``
        (:func:`fit_shock_rule`).
    as_of : pandas.Timestamp
        Only events with ``ts + 24 h <= as_of`` are used (expanding window).
    n_boot : int
        Bootstrap resamples of those events: the parameter draws.
    min_events : int
        Below this many usable events: the prior, with draws over its neighbours.

    Returns
    -------
    Calibration
    """
    grid = fit_grid()
    done = (events["ts"] + pd.Timedelta(hours=24) <= as_of).to_numpy()
    cols = np.nonzero(done & np.all(np.isfinite(err), axis=0))[0]
    rule = rule_before(all_events, as_of)
    k_now, b_now = rule.k, rule.b
    extra: dict[str, Any] = {
        "shock_weight": rule.shock_weight,
        "vol_dispersion": rule.dispersion,
        "rule_events": rule_events(closed_by(all_events, as_of)),
    }
    if cols.size < min_events:
        draws = tuple(
            prior.with_(latent_depth=lat, resilience_half_life_s=res)
            for lat in (0.5, 1.0, 2.0)
            for res in (120.0, 600.0)
        )
        return Calibration(
            asset,
            as_of,
            prior,
            draws,
            k_now,
            (k_now,),
            int(cols.size),
            note=f"prior: fewer than {min_events} events before as_of",
            vol_exponent=b_now,
            **extra,
        )
    e = err[:, cols]
    mean = e.mean(axis=1)
    best = stable_argmin(mean)
    lat, res = grid[best]
    params = prior.with_(latent_depth=lat, resilience_half_life_s=res)
    rng = np.random.default_rng(seed)
    draws_l = []
    for _ in range(n_boot):
        pick = rng.integers(0, cols.size, cols.size)
        g = stable_argmin(e[:, pick].mean(axis=1))
        draws_l.append(prior.with_(latent_depth=grid[g][0], resilience_half_life_s=grid[g][1]))
    return Calibration(
        asset,
        as_of,
        params,
        tuple(draws_l),
        k_now,
        (k_now,),
        int(cols.size),
        note=f"grid MAE {mean[best] * 100:.3f} pp over {cols.size} events",
        vol_exponent=b_now,
        **extra,
    )
