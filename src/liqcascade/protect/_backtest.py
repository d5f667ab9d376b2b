"""Stop-policy backtest on the real hourly path of an asset (ETH or BTC).

Three policies place a stop at entry: ``fixed`` (a fixed fraction from entry),
``vol`` (``k`` × the GJR-GARCH(1,1)-t daily conditional volatility of the entry day ×
√horizon), ``vol-declustered`` (the ``vol`` stop moved out of the crowd zones: just
beyond round numbers and beyond the recent swing extreme, ± ``band``). Every policy is
capped inside the liquidation price of a position at ``leverage``. Each trade is
walked bar by bar (:func:`~liqcascade.protect._kernels.stop_walk_nb`) until the stop
triggers or the horizon ends; a triggered stop fills through the modelled book
(:class:`FillModel`, the fill model of ``_kernels``). Entries are the support tests of
the event study (daily bars, :func:`liqcascade.events.detect_support`, entry at the
test day's close) and seeded random hours; both sides for each. Every input is the
asset's own: its hourly and daily bars, its volatility fit and its futures book totals.

Accounting (per trade, fractions of the entry notional, unlevered): return
``s·(exit − entry)/entry`` with the exit the stop's fill or the horizon's close;
slippage ``s·(trigger − fill)/trigger``. The equity curve adds the returns of the
trades in the order they close (equal notional, no compounding); its maximum
drawdown is the largest fall from a running peak of that sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._crashes import OCT_2025
from liqcascade._json import SummaryDict
from liqcascade._limits import (
    MAX_HORIZON_DAYS,
    MAX_USD,
    check_level,
    check_real,
    check_seed,
    check_whole,
    real_number,
)
from liqcascade._prices import percent_text
from liqcascade._tables import check_numeric, records_frame
from liqcascade._time import bar_step, to_utc, utc_end, utc_index, utc_indexed
from liqcascade.book import BETA_FUTURES
from liqcascade.errors import InputError
from liqcascade.market import BINANCE_BOOK_SHARE
from liqcascade.positions import round_number_step
from liqcascade.protect._kernels import fill_batch_nb, fill_batch_py, stop_walk_nb, stop_walk_py
from liqcascade.protect._position import MAX_K

__all__ = [
    "MAX_HORIZON_DAYS",
    "MAX_K",
    "POLICIES",
    "BacktestSettings",
    "FillModel",
    "StopBacktest",
    "backtest_stops",
    "declutter_levels",
    "default_entry_end",
    "depth_series",
    "fixed_distance",
    "max_drawdown",
    "policy_stops",
    "wilson_interval",
]

POLICIES: tuple[str, ...] = ("fixed", "vol", "vol-declustered")
#: The "crash" entry set's first and last entry bars (UTC open times, inclusive): every
#: hour of the five days before the 2025-10-10 crash, up to its last calm hour.
CRASH_ENTRIES = (OCT_2025.day - pd.Timedelta(days=5), OCT_2025.last_calm_bar)
#: First day of the daily returns the ``vol`` policies' GJR-GARCH fit reads.
VOL_FIT_START = pd.Timestamp("2018-01-01", tz="UTC")
#: Fewest daily returns that fit takes.
MIN_VOL_RETURNS = 100
#: Level of the stop-out shares' Wilson intervals.
STOP_OUT_LEVEL = 0.9
#: Fewest depth/volume ratio days before a fill's day for the fill to read their median
#: (otherwise the first this many days'; as the depth exponent's ``MIN_BETA_BARS``).
MIN_RATIO_DAYS = 30
#: Oldest book-totals bar a fill reads as the market's depth: older (a gap, or past the
#: totals' end), the depth is estimated from the traded value.
MAX_TOTALS_AGE = pd.Timedelta(days=1)


@dataclass(frozen=True)
class FillModel:
    """How a triggered stop fills (see ``protect/_kernels.py``).

    Parameters
    ----------
    beta : float, default 0.73
        Depth-curve exponent (the median fitted to ETH's bundled CoinGlass futures book
        totals, 2024-11-21 → 2025-07-31, :data:`liqcascade.book.BETA_FUTURES`;
        :func:`backtest_stops` uses the asset's own β: fitted before its entries when it
        can, else its calibrated full-period β, :func:`liqcascade.book.beta_for`).
    depth_share : float, default 0.25
        Share of the aggregated depth the stop meets (one venue's book;
        :data:`liqcascade.market.BINANCE_BOOK_SHARE`).
    round_mass : float, default 0.25
        Crowd stop notional just beyond each round number, in units of the 1 % depth.
    swing_mass : float, default 0.5
        Crowd stop notional just beyond the recent swing extreme, units of the 1 % depth.
    offset : float, default 0.001
        How far beyond the round number / swing level the crowd sits, fraction.
    window : float, default 0.005
        Crowd stops triggered within this fraction beyond the trigger fill with it.
    max_distance : float, default 0.4
        Deepest book level, fraction.
    swing_days : int, default 7
        Look-back of the swing extreme, days.
    """

    beta: float = BETA_FUTURES
    depth_share: float = BINANCE_BOOK_SHARE
    round_mass: float = 0.25
    swing_mass: float = 0.5
    offset: float = 0.001
    window: float = 0.005
    max_distance: float = 0.4
    swing_days: int = 7

    def __post_init__(self) -> None:
        for nm in ("beta", "depth_share", "round_mass", "swing_mass", "offset", "window"):
            strict = nm in ("beta", "depth_share")  # text raised TypeError
            v = check_real(getattr(self, nm), nm, least=0.0, strict=strict, label=f"FillModel.{nm}")
            object.__setattr__(self, nm, v)  # the float: a Decimal kept failed in the sums
        md = real_number(self.max_distance)  # text raised TypeError
        if md is None or not 0 < md < 1:
            raise InputError(
                f"FillModel.max_distance must be in (0, 1) (got {self.max_distance})",
                param="max_distance",
            )
        object.__setattr__(self, "max_distance", md)
        if self.offset >= 1:  # a crowd level r·(1 − offset) at or below zero
            raise InputError(f"FillModel.offset must be < 1 (got {self.offset})", param="offset")
        # NaN and 2.5 passed "< 1" (the rolling window then raised), text raised TypeError
        check_whole(self.swing_days, "swing_days", 1, label="FillModel.swing_days")


@dataclass(frozen=True)
class BacktestSettings:
    """Settings of :func:`backtest_stops`.

    Parameters
    ----------
    fixed_pct : float, default 0.05
        Distance of the ``fixed`` policy, fraction of entry.
    k : float, default 1.0
        Volatility multiple of the ``vol`` policies, > 0 and at most :data:`MAX_K` (1000).
    horizon_days : int, default 5
        Holding period, days, in [1, :data:`MAX_HORIZON_DAYS`] (the trade closes at the
        horizon unless stopped).
    leverage : float, default 5.0
        Leverage of the position (the stop stays inside its liquidation price).
    max_liq_fraction : float, default 0.8
        Stops lie at most this fraction of the way to the liquidation price.
    notional_usd : float, default 100,000
        Own order size, USD.
    band : float, default 0.005
        De-clustering half-width around each crowd level, fraction.
    n_random : int, default 500
        Random entries per side.
    seed : int, default 0
        Seed of the random entries.
    vol_refit : {"yearly", "whole"}, default "yearly"
        The ``vol`` policies' GJR-GARCH parameters: refitted before each calendar year
        of entries on the daily returns before it (expanding, no look-ahead), or one
        fit on every return to ``end`` (the 0.2 back-test).
    """

    fixed_pct: float = 0.05
    k: float = 1.0
    horizon_days: int = 5
    leverage: float = 5.0
    max_liq_fraction: float = 0.8
    notional_usd: float = 100_000.0
    band: float = 0.005
    n_random: int = 500
    seed: int = 0
    vol_refit: str = "yearly"

    def __post_init__(self) -> None:
        if not 0 < self.fixed_pct < 1:
            raise InputError(
                f"fixed_pct must be in (0, 1) (got {self.fixed_pct})", param="fixed_pct"
            )
        check_real(self.k, "k", least=0.0, strict=True, most=MAX_K)  # 1e300, text, True passed
        whole = isinstance(self.horizon_days, int | np.integer) and not isinstance(
            self.horizon_days, bool
        )
        if not (whole and 1 <= self.horizon_days <= MAX_HORIZON_DAYS):
            raise InputError(
                f"horizon_days must be in [1, {MAX_HORIZON_DAYS}] (got {self.horizon_days})",
                param="horizon_days",
            )
        if not 1 <= self.leverage <= 125:
            raise InputError(
                f"leverage must be in [1, 125] (got {self.leverage})", param="leverage"
            )
        check_real(  # 1e300 and text passed
            self.notional_usd, "notional_usd", least=0.0, strict=True, most=MAX_USD, unit=" USD"
        )
        if not 0 < self.max_liq_fraction <= 1:  # NaN fails too
            raise InputError(
                f"max_liq_fraction must be in (0, 1] (got {self.max_liq_fraction})",
                param="max_liq_fraction",
            )
        if not (math.isfinite(self.band) and 0 <= self.band < 0.2):
            raise InputError(f"band must be in [0, 0.2) (got {self.band})", param="band")
        if self.n_random < 0:
            raise InputError(f"n_random must be >= 0 (got {self.n_random})", param="n_random")
        check_whole(self.n_random, "n_random", 0)  # NaN, inf and 2.5 passed "< 0"
        check_seed(self.seed, "seed")
        if self.vol_refit not in ("yearly", "whole"):
            raise InputError(
                f"vol_refit must be yearly or whole (got {self.vol_refit!r})", param="vol_refit"
            )


def fixed_distance(settings: BacktestSettings) -> float:
    """The ``fixed`` policy's distance as applied (fraction of entry).

    The stop of a position at ``leverage`` must lie inside its liquidation price: a
    ``fixed_pct`` at or beyond ``1 / leverage`` (the bankruptcy price of an isolated
    position; the venue liquidates a little before it) is a contradiction and raises.
    A ``fixed_pct`` inside it but beyond the policy's cap (``max_liq_fraction /
    leverage``, 80 % of the way) is capped there like every policy's stop; the result
    records both (``fixed_pct``, ``fixed_pct_effective``) and says so in ``caveats``.

    Parameters
    ----------
    settings : BacktestSettings
        Reads ``fixed_pct`` (fraction of entry), ``leverage`` (x) and
        ``max_liq_fraction`` (fraction of the way to liquidation).

    Returns
    -------
    float
        The distance, fraction of entry.

    Raises
    ------
    InputError
        Naming ``fixed_pct`` and ``leverage``.
    """
    liq_d = 1.0 / settings.leverage
    if settings.fixed_pct >= liq_d:
        raise InputError(
            f"fixed_pct {settings.fixed_pct:g} puts the fixed stop "
            f"{percent_text(settings.fixed_pct, 2)} from entry, at or beyond the liquidation of a "
            f"{settings.leverage:g}x position (leverage): its liquidation distance is at most "
            f"1/{settings.leverage:g} = {percent_text(liq_d, 2)} (the bankruptcy price; the venue "
            "liquidates a little before it); give a distance of at most "
            f"{settings.max_liq_fraction * liq_d:.4g} (the policy's cap, "
            f"{percent_text(settings.max_liq_fraction, 0)} of the way) or a lower leverage",
            param=("fixed_pct", "leverage"),
        )
    return min(settings.fixed_pct, settings.max_liq_fraction * liq_d)


def wilson_interval(k: int, n: int, level: float = STOP_OUT_LEVEL) -> tuple[float, float]:
    """Wilson score interval of a binomial share ``k / n`` at ``level`` (two-sided).

    ``(nan, nan)`` when ``n == 0``. Used for the stop-out shares, which come from a
    few dozen to a few hundred entries (overlapping trades are not independent: the
    interval is a lower bound on the uncertainty).

    Parameters
    ----------
    k : int
        Successes (e.g. trades stopped out), in [0, n].
    n : int
        Trials (trades).
    level : float, default 0.9
        Two-sided confidence level, fraction (0.9 is 90 %).

    Returns
    -------
    (float, float)
        Lower and upper bound of the share, fractions in [0, 1].

    Raises
    ------
    InputError
        If ``k`` is not a whole number in [0, n] (``param="k"``), ``n`` not a whole
        number >= 0 (``param="n"``; inf gave (0, 0), 3.5 successes an interval) or
        ``level`` is not a fraction in (0, 1) (``param="level"``; NaN gave (0, 1)).
    """
    from scipy.stats import norm

    level = check_level(level)
    n = check_whole(n, "n", least=0)  # inf and 10.5 were taken as trials
    k = check_whole(k, "k", least=0)
    if n == 0:
        return float("nan"), float("nan")
    if not 0 <= k <= n:
        raise InputError(f"k must be in [0, n] (got k={k}, n={n})", param="k")
    z = float(norm.ppf(0.5 + level / 2))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    # the ends are exact at k = 0 and k = n (the rounding of centre ± half is not)
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


def max_drawdown(equity: np.ndarray) -> float:
    """Largest fall from a running peak of ``equity`` (starting from a peak of 0), >= 0.

    Parameters
    ----------
    equity : array of float
        Cumulative equity in closing order (here the running sum of trade returns,
        fractions of the entry notional); the curve starts from 0 before it.

    Returns
    -------
    float
        Largest peak-to-trough fall, in the units of ``equity``, >= 0.

    Raises
    ------
    InputError
        ``param="equity"``: an entry that is not finite (NaN made the drawdown NaN).
    """
    e = np.concatenate([[0.0], np.asarray(equity, dtype=np.float64).ravel()])
    if not np.isfinite(e).all():
        i = int(np.argmin(np.isfinite(e))) - 1
        raise InputError(f"equity[{i}] must be a finite number (got {e[i + 1]:g})", param="equity")
    return float(np.max(np.maximum.accumulate(e) - e))


def _round_step(p: np.ndarray) -> np.ndarray:
    """The stop model's smallest round-number step at each price, USD (the crowd's grid).

    :func:`liqcascade.positions.round_number_step`: the fill model's crowd sits beyond
    the round numbers the liquidation map's modelled stops use.
    """
    return round_number_step(np.asarray(p, dtype=np.float64))


def declutter_levels(
    stop: np.ndarray,
    side: np.ndarray,
    entry: np.ndarray,
    bound: np.ndarray,
    swing: np.ndarray,
    fill: FillModel,
    band: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Move each stop out of the crowd zones (round numbers, swing extreme) ± ``band``.

    Crowd levels are the fill model's: ``r·(1 − s·offset)`` for each round number ``r``
    and ``swing·(1 − s·offset)``. A stop within ``band`` (relative) of a level goes to
    the nearer zone edge that stays strictly between entry and ``bound``; repeated until
    clear (at most 8 moves). Returns the stops and a 0/1 array of "moved".

    Parameters
    ----------
    stop : array of float
        Stop prices to move, USD.
    side : array of float
        ``+1`` long (sell stop below entry), ``-1`` short (buy stop above), per stop.
    entry : array of float
        Entry prices, USD.
    bound : array of float
        Farthest allowed stop per entry, USD (the policy's cap inside liquidation);
        a moved stop stays strictly between ``entry`` and ``bound``.
    swing : array of float
        Recent swing extreme per entry, USD (swing low for a long, high for a short);
        ``<= 0`` for none.
    fill : FillModel
        Its ``offset`` (fraction) places the crowd beyond each level.
    band : float
        Half-width of each crowd zone, fraction of the level.

    Returns
    -------
    (array of float, array of int8)
        The stops (USD) and 1 where a stop was moved, else 0.
    """
    out = np.array(stop, dtype=np.float64, copy=True)
    moved = np.zeros(len(out), np.int8)
    for i in range(len(out)):
        s = float(side[i])
        step = float(_round_step(np.array([entry[i]]))[0])
        for _ in range(8):
            x = out[i]
            k = round(x / step)
            levels = [(kk * step) * (1 - s * fill.offset) for kk in (k - 1, k, k + 1)]
            if swing[i] > 0:
                levels.append(float(swing[i]) * (1 - s * fill.offset))
            hit = next((lv for lv in levels if abs(x - lv) <= band * lv), None)
            if hit is None:
                break
            cands = [hit * (1 + band) * (1 + 1e-9), hit * (1 - band) * (1 - 1e-9)]
            ok = [
                c
                for c in cands
                if ((bound[i] < c < entry[i]) if s > 0 else (entry[i] < c < bound[i]))
            ]
            if not ok:
                break
            ok.sort(key=lambda c: (abs(c - x), abs(c - entry[i])))
            out[i] = ok[0]
            moved[i] = 1
    return out, moved


def vol_capped_text(
    vol_capped: dict[str, Any] | None, leverage: float, max_liq_fraction: float
) -> str | None:
    """A sentence on the vol policies' entries whose stop was at the cap, or None.

    Parameters
    ----------
    vol_capped : dict or None
        Per policy ``{"capped": n, "entries": N}`` (``meta["vol_capped"]``): entries
        whose ``k × σ_H`` reached the cap, counted once per side and entry set, the
        2025-10-10 crash hours included: ``N`` is the policy's ``n`` summed over the
        table's rows and the crash rows, not one row's ``n``.
    leverage : float
        The positions' leverage (x).
    max_liq_fraction : float
        The cap, as a fraction of the way to liquidation (the cap is
        ``max_liq_fraction / leverage`` from entry).
    """
    if not vol_capped:
        return None
    each = ", ".join(
        f"{p} {v['capped']:,} of {v['entries']:,} entries" for p, v in vol_capped.items()
    )
    cap = max_liq_fraction / leverage
    # the fixed policy's own stop is at the cap only when its distance was capped too
    return (
        f"the vol policies' stops were capped at {percent_text(cap, 2)} from entry "
        f"({percent_text(max_liq_fraction, 0)} of the way to the liquidation of a "
        f"{leverage:g}x position) "
        f"for {each} (before de-clustering; counted over all the policy's rows, every side "
        "and entry set and the 2025-10-10 crash rows: the sum of their n, not one row's n): "
        f"at the cap every vol stop is {percent_text(cap, 2)} from entry, as a fixed stop would be"
    )


def policy_stops(
    policy: str,
    side: np.ndarray,
    entry: np.ndarray,
    sigma_h: np.ndarray,
    swing: np.ndarray,
    settings: BacktestSettings,
    fill: FillModel,
) -> tuple[np.ndarray, np.ndarray]:
    """Stop prices of a policy for entries (USD), and the 0/1 "moved" flags.

    ``sigma_h`` is the horizon volatility (fraction) at each entry.

    Parameters
    ----------
    policy : {"fixed", "vol", "vol-declustered"}
        The stop policy (:data:`POLICIES`).
    side : array of float
        ``+1`` long, ``-1`` short, per entry.
    entry : array of float
        Entry prices, USD.
    sigma_h : array of float
        Volatility over the holding horizon at each entry, fraction of price (not
        percent); read by the ``vol`` policies only.
    swing : array of float
        Recent swing extreme per entry, USD (``<= 0`` for none); read by
        ``vol-declustered`` only.
    settings : BacktestSettings
        ``k``, ``fixed_pct``, ``leverage``, ``max_liq_fraction`` and ``band``.
    fill : FillModel
        The crowd levels' ``offset`` (``vol-declustered``).

    Returns
    -------
    (array of float, array of int8)
        Stop prices (USD) and 1 where ``vol-declustered`` moved the stop, else 0.

    Raises
    ------
    InputError
        For an unknown ``policy`` (``param="policy"``), or the ``fixed`` policy's
        contradictions (:func:`fixed_distance`).
    """
    liq_d = 1.0 / settings.leverage  # isolated, distance to bankruptcy; liq is a bit inside
    max_d = settings.max_liq_fraction * liq_d
    if policy == "fixed":
        d = np.full(len(entry), fixed_distance(settings))
    elif policy in ("vol", "vol-declustered"):
        d = settings.k * sigma_h
    else:
        raise InputError(
            f"policy must be one of {', '.join(POLICIES)} (got {policy!r})", param="policy"
        )
    d = np.minimum(d, max_d)
    stop = entry * (1 - side * d)
    moved = np.zeros(len(entry), np.int8)
    if policy == "vol-declustered":
        bound = entry * (1 - side * max_d)
        stop, moved = declutter_levels(stop, side, entry, bound, swing, fill, settings.band)
    return stop, moved


def depth_series(
    index: pd.DatetimeIndex,
    fill: FillModel,
    asset: str = "ETH",
    until: Any = None,
    *,
    hourly: pd.DataFrame | None = None,
    totals: pd.DataFrame | None = None,
    store: Any = None,
) -> np.ndarray:
    """1 % book depth per hourly bar, USD, for the hit side (one venue's share).

    Only what had closed by the bar's open is read (a stop fills inside the bar).
    Inside the book-totals period (bundled: 2024-11 → 2025-07) the last totals bar
    closed by then, if it closed within :data:`MAX_TOTALS_AGE` (its mean of bid and ask
    depth); otherwise depth ∝ the mean daily spot traded value of the 30 days before
    the bar, scaled by the median ratio depth / traded value over the ratio days
    before the bar's day (depth follows trading activity; :func:`_ratio_before`).
    Both traded values are a mean per bar × bars per day (:func:`_value_before`), so
    missing hours weigh the same in the ratio and in the value it scales.
    Times ``fill.depth_share``. ``asset``: whose bars and book.
    ``until`` (UTC, optional): the ratio uses the totals' days up to it only (no
    look-ahead; the whole period when none falls before it).
    ``hourly`` (OHLCV, USD) and ``totals`` (futures book totals, ``bids_usd`` /
    ``asks_usd``): the asset's frames; when omitted they are read with
    :func:`liqcascade.data.load_series` / :func:`liqcascade.data.load_book_totals`
    from ``store`` (as there: ``None`` the default store, ``False`` bundled only).

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Hourly bar labels (open times, UTC; naive ones are read as UTC) to give a depth
        for (the quote volume is the volume × close of ``hourly``: no price is given here).
    fill : FillModel
        Its ``depth_share`` (fraction of the aggregated depth) scales the result.
    asset : str, default "ETH"
        Whose bars and book totals are read.
    until : datetime-like, optional
        Last day (UTC) of the depth/volume ratio.
    hourly : DataFrame, optional
        The asset's hourly OHLCV (``volume`` in base units, ``close`` in USD).
    totals : DataFrame, optional
        The asset's futures book totals (``bids_usd``, ``asks_usd``: USD within 1 %).
    store : str, Path, Store, bool, optional
        Where omitted frames are read from.

    Returns
    -------
    array of float
        Depth within 1 % of mid per bar of ``index``, USD.

    Raises
    ------
    InputError
        If the book totals share no day with the hourly volume (``param="asset"``).
    """
    return _depth_and_span(index, fill, asset, until, hourly, totals, store)[0]


def _depth_and_span(
    index: pd.DatetimeIndex,
    fill: FillModel,
    asset: str,
    until: Any,
    hourly: pd.DataFrame | None,
    totals: pd.DataFrame | None,
    store: Any,
) -> tuple[np.ndarray, tuple[pd.Timestamp, pd.Timestamp]]:
    """:func:`depth_series` and the first/last day of the depth/volume ratio used."""
    from liqcascade.data import load_book_totals

    index = utc_index(index)

    h = hourly if hourly is not None else _load_ohlcv(asset, "1h", store)
    check_numeric(h, ("volume", "close"), "hourly", param="hourly")
    h = utc_indexed(h)  # a naive index is UTC (a given frame's)
    value = (h["volume"] * h["close"]).sort_index()  # traded value per bar, USD
    tot = totals if totals is not None else load_book_totals(asset, "futures", store=store)
    check_numeric(tot, ("bids_usd", "asks_usd"), "totals", param="totals")
    tot = utc_indexed(tot)
    mid = ((tot["bids_usd"] + tot["asks_usd"]) / 2).sort_index()
    d1 = mid.resample("1D").mean().dropna()
    # the 30 days to each day's end, weighted as a fill's own 30 days are (a missing
    # hour is not a zero): the ratio and the value it scales are the same measure
    qv30 = _value_before(value, pd.DatetimeIndex(d1.index) + pd.Timedelta(days=1))
    ratio = (d1 / qv30).dropna()
    if ratio.empty:
        raise InputError(
            f"asset: {asset}'s book totals share no day with its hourly volume "
            "(the depth/volume ratio needs both)",
            param="asset",
        )
    if until is not None and (ratio.index <= to_utc(until)).any():
        ratio = ratio[ratio.index <= to_utc(until)]
    r, last = _ratio_before(ratio, index.floor("1D"))
    est = _value_before(value, index) * r
    inside = _last_closed(mid, index)
    out = np.where(np.isfinite(inside), inside, est)
    out = np.where(np.isfinite(out) & (out > 0), out, np.nanmedian(out))
    return out * fill.depth_share, (ratio.index[0], last)


def _last_closed(mid: pd.Series, at: pd.DatetimeIndex) -> np.ndarray:
    """The value of the last bar of ``mid`` closed by each instant of ``at``.

    NaN where none has closed or the last one closed more than :data:`MAX_TOTALS_AGE`
    before the instant (a gap in the totals, or after their end).

    Parameters
    ----------
    mid : Series
        Book depth per totals bar (USD), on a sorted index of open times.
    at : DatetimeIndex
        The instants (UTC).

    Returns
    -------
    ndarray
        USD per instant of ``at``.
    """
    if len(mid) < 2:
        return np.full(len(at), np.nan)
    closes = pd.DatetimeIndex(mid.index) + bar_step(pd.DatetimeIndex(mid.index))
    pos = closes.searchsorted(at, side="right") - 1
    ok = pos >= 0
    ok[ok] = closes[pos[ok]] >= at[ok] - MAX_TOTALS_AGE
    vals = mid.to_numpy(np.float64)
    return np.where(ok, vals[np.maximum(pos, 0)], np.nan)


def _value_before(value: pd.Series, at: pd.DatetimeIndex) -> np.ndarray:
    """Mean daily traded value (USD per day) over the 30 days before each instant.

    The bars of ``value`` opened within the 30 days before an instant and closed by it;
    their mean per bar × bars per day. NaN with fewer than 5 days' bars (the daily
    ratio's ``min_periods``).

    Parameters
    ----------
    value : Series
        Traded value per bar (USD), on a sorted index of open times.
    at : DatetimeIndex
        The instants (UTC).

    Returns
    -------
    ndarray
        USD per day, per instant of ``at``.
    """
    idx = pd.DatetimeIndex(value.index)
    step = bar_step(idx)
    per_day = pd.Timedelta(days=1) / step
    v = value.to_numpy(np.float64)
    ok = np.isfinite(v)
    csum = np.concatenate([[0.0], np.cumsum(np.where(ok, v, 0.0))])
    cnt = np.concatenate([[0], np.cumsum(ok)])
    lo = idx.searchsorted(at - pd.Timedelta(days=30), side="left")
    hi = idx.searchsorted(at - step, side="right")  # bars closed by the instant
    n = cnt[hi] - cnt[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (csum[hi] - csum[lo]) / n * per_day
    return np.where(n >= 5 * per_day, mean, np.nan)


def _ratio_before(ratio: pd.Series, day: pd.DatetimeIndex) -> tuple[np.ndarray, pd.Timestamp]:
    """The depth/volume ratio each day's fill may use, and the last ratio day read.

    The median over the ratio days before the day, where there are at least
    :data:`MIN_RATIO_DAYS` of them; otherwise the median of the first
    :data:`MIN_RATIO_DAYS` ratio days, the measurement nearest to the days before the
    book totals begin (an assumption taken from after those entries; the caveats say
    so). Nothing a day's fill reads depends on the data after it or on the window's end
    once the first days are measured.

    Parameters
    ----------
    ratio : Series
        Daily depth (USD) / 30-day mean traded value (USD per day), on a sorted index.
    day : DatetimeIndex
        The days (UTC midnight) of the fills.

    Returns
    -------
    ndarray, Timestamp
        The ratio per day (days per 1) and the last ratio day any of them read.
    """
    first = min(MIN_RATIO_DAYS, len(ratio))
    early = float(ratio.iloc[:first].median())
    running = ratio.expanding().median().to_numpy(np.float64)
    before = ratio.index.searchsorted(day, side="left")  # ratio days before each day
    own = before >= MIN_RATIO_DAYS
    r = np.where(own, running[np.maximum(before, 1) - 1], early)
    read = max(first, int(before[own].max()) if own.any() else 0)
    return r, ratio.index[read - 1]


@dataclass
class StopBacktest(SummaryDict):
    """Result of :func:`backtest_stops`.

    Attributes
    ----------
    trades : DataFrame
        One row per trade and policy: ``policy``, ``side``, ``entries`` (support /
        random / crash), ``entry_ts``, ``entry``, ``stop``, ``moved``, ``stopped``,
        ``exit_ts``, ``trigger``, ``exit`` (USD), ``slippage``, ``ret`` (fractions).
    table : DataFrame
        Per policy × side × entry set: ``n``, ``stop_outs`` (share) with its Wilson 90 %
        interval (``stop_outs_lo``, ``stop_outs_hi``), ``avg_loss_on_stop``,
        ``avg_slippage`` (stopped trades), ``total_return`` (sum of returns),
        ``mean_return``, ``max_drawdown`` (of the summed returns, in closing order).
    crash : DataFrame
        The same table for the "crash" entries: one per hour from 2025-10-05 00:00 to
        2025-10-10 20:00 UTC, all open when the 2025-10-10 crash began (the same
        entries for every policy).
    settings : BacktestSettings
    fill : FillModel
    meta : dict
        Run details: ``asset``, the window asked (``start``, ``end``), the entries
        covered (``entries_first``, ``entries_last``, ``bars``), ``data_end``,
        ``dropped_past_end``, the volatility fit's span (``vol_fit``), the depth ratio's
        days (``depth_ratio``), ``fixed_pct_effective`` (fraction) and ``fill_beta``.
    """

    trades: pd.DataFrame
    table: pd.DataFrame
    crash: pd.DataFrame
    settings: BacktestSettings
    fill: FillModel
    meta: dict[str, Any] = field(default_factory=dict)

    def best_on_crash(self) -> dict[str, Any]:
        """Per side, the policy with the highest total return over trades open on 2025-10-10.

        Policies whose summed return equals the highest (within 1e-9 of one entry) tie:
        ``"tie: fixed, vol, vol-declustered"``; a single policy run is no contest:
        ``"fixed (the only policy run)"``.
        """
        out: dict[str, Any] = {}
        c = self.crash
        if c.empty:
            return out
        for sd, g in c.groupby("side"):
            tr = g.groupby("policy")["total_return"].sum()
            top = [str(p) for p, x in tr.items() if x >= tr.max() - 1e-9]
            if len(tr) == 1:
                out[str(sd)] = f"{top[0]} (the only policy run)"
            else:
                out[str(sd)] = top[0] if len(top) == 1 else "tie: " + ", ".join(top)
        return out

    def caveats(self) -> list[str]:
        """Sentences on what the back-test reads from the whole window (not expanding)."""
        m = self.meta
        out = []
        vf = m.get("vol_fit")
        if vf and vf.get("refit") == "whole":
            out.append(
                f"the vol policies' GJR-GARCH parameters are one fit on the daily returns "
                f"{vf['start'][:10]} → {vf['end'][:10]}, applied to every entry (in sample "
                "for entries before its end)"
            )
        elif vf and vf.get("in_sample_years"):
            ys = ", ".join(str(y) for y in vf["in_sample_years"])
            out.append(
                f"the vol policies' GJR-GARCH fit of {ys} reads returns of that year (fewer "
                f"than {MIN_VOL_RETURNS} daily returns before it): in sample"
            )
        eff = m.get("fixed_pct_effective")
        if eff is not None and eff < self.settings.fixed_pct:
            out.append(
                f"the fixed policy's stops are {percent_text(eff, 2)} from entry, not the "
                f"{percent_text(self.settings.fixed_pct, 2)} asked: capped at "
                f"{percent_text(self.settings.max_liq_fraction, 0)} of the way to the "
                f"liquidation of a {self.settings.leverage:g}x position (1/leverage = "
                f"{percent_text(1 / self.settings.leverage, 2)})"
            )
        st = self.settings
        vc = vol_capped_text(m.get("vol_capped"), st.leverage, st.max_liq_fraction)
        if vc:
            out.append(vc)
        fb = m.get("fill_beta") or {}
        if str(fb.get("source", "")).startswith("assumed"):
            out.append(
                f"the fill model's depth exponent beta {fb['beta']:.2f} is assumed, not "
                f"fitted: {fb['source'][len('assumed: ') :]}"
            )
        dr = m.get("depth_ratio")
        if dr:
            out.append(
                f"outside the book-totals days the fill depth is the spot traded value of "
                f"the 30 days before the fill × a depth/volume ratio, the median over the "
                f"ratio days before the fill "
                f"(days read: {dr['start'][:10]} → {dr['end'][:10]}); before "
                f"{MIN_RATIO_DAYS} such days, the first {MIN_RATIO_DAYS} from "
                f"{dr['start'][:10]}, after the entries that precede them"
            )
        return out

    def summary(self) -> dict[str, Any]:
        """Headline figures: per-policy table rows, the 2025-10-10 rows and the winner.

        Also the window asked (``start``, ``end``), the entry span covered
        (``entries_first``, ``entries_last``), the hourly data's last bar (``data_end``),
        the entries not taken because their horizon runs past it (``dropped_past_end``),
        the spans of the whole-window estimates (``vol_fit``, ``depth_ratio``),
        ``caveats`` and where each series was read (``sources``: hourly and daily prices,
        book totals; ``"store:PATH + bundled:NAME"`` when a store's rows come first).
        """
        m = self.meta
        return {
            "asset": m.get("asset", "ETH"),
            "start": m.get("start"),
            "end": m.get("end"),
            "entries_first": m.get("entries_first"),
            "entries_last": m.get("entries_last"),
            "data_end": m.get("data_end"),
            "dropped_past_end": m.get("dropped_past_end", 0),
            "vol_fit": m.get("vol_fit"),
            "depth_ratio": m.get("depth_ratio"),
            "vol_capped": m.get("vol_capped") or {},
            "caveats": self.caveats(),
            "sources": m.get("sources", {}),
            "n_trades": len(self.trades),
            "table": self.table.to_dict(orient="records"),
            "crash_2025_10_10": self.crash.to_dict(orient="records"),
            "best_on_2025_10_10": self.best_on_crash(),
            "best_on_2025_10_10_note": "one event: not evidence",
            "stop_outs_interval": (
                f"Wilson {percent_text(STOP_OUT_LEVEL, 0)} (binomial; trades overlap)"
            ),
            "settings": {
                **{k: getattr(self.settings, k) for k in self.settings.__dataclass_fields__},
                "fixed_pct_effective": m.get("fixed_pct_effective"),
            },
            "fill_model": {
                **{k: getattr(self.fill, k) for k in self.fill.__dataclass_fields__},
                "beta_source": (m.get("fill_beta") or {}).get("source"),
            },
        }

    def to_frame(self) -> pd.DataFrame:
        """The per-policy table."""
        return self.table.copy()

    def plot(self) -> go.Figure:
        """Equity (summed trade returns, closing order) per policy, all entries, both sides."""
        fig = go.Figure()
        for pol, g in self.trades[self.trades["entries"] != "crash"].groupby("policy"):
            g = g.sort_values("exit_ts")
            eq = g["ret"].cumsum()
            step = max(1, len(g) // 1500)
            fig.add_scatter(
                x=g["exit_ts"].iloc[::step], y=eq.iloc[::step] * 100, mode="lines", name=str(pol)
            )
        fig.update_layout(
            title="Stop policies: summed trade returns (% of notional)",
            yaxis_title="% of notional",
            height=400,
        )
        return fig

    def _repr_html_(self) -> str:
        return str(self.table.to_html(index=False, float_format=lambda v: f"{v:.4g}"))


def _load_ohlcv(asset: str, interval: str, store: Any) -> pd.DataFrame:
    """``asset``'s OHLCV bars (USD): the store's, else the bundled ones.

    Only a series nobody holds (:class:`~liqcascade.data.SeriesNotFound`) is refused as
    missing; a store that cannot be opened, or stored rows refused at read, raise as
    they are (they name the store).
    """
    from liqcascade.data import SeriesNotFound, bundled_assets, load_series

    try:
        return load_series("ohlcv", asset=asset, interval=interval, store=store)
    except SeriesNotFound:
        raise InputError(
            f"asset: no {interval} prices for {asset}: not in the store and not bundled "
            f"(bundled: {', '.join(bundled_assets())}); ingest its bars with "
            "`liqcascade data ingest`",
            param="asset",
        ) from None


#: The yearly GJR-GARCH(1,1)-t fits of :func:`_sigma_daily`, keyed on the exact returns
#: fitted (values, times and asset): the report's stop back-test and its stop-choice
#: back-test fit the same years of the same returns (11 of 24 fits, ETH and BTC). A fit
#: is a deterministic function of its returns, so a repeat gives the same parameters.
#: Bounded (the oldest dropped first); a process's memory only, no figure depends on it.
_GJR_FITS: dict[tuple[str, bytes, bytes], pd.Series] = {}
_GJR_FITS_MAX = 64


def _gjr_t_params(r: pd.Series, asset: str) -> pd.Series:
    """The GJR-GARCH(1,1)-t parameters fitted on the percent log returns ``r``, once each.

    Parameters
    ----------
    r : pandas.Series
        Daily percent log returns, UTC DatetimeIndex.
    asset : str
        The fit's label (part of the key).

    Returns
    -------
    pandas.Series
        ``fit_volatility(r, "gjr", "t", interval="1d", asset=asset).result.params``
        (a copy: the memo's own is never handed out).
    """
    from liqcascade.volatility import fit_volatility

    values = np.ascontiguousarray(r.to_numpy(np.float64))
    key = (asset, values.tobytes(), np.asarray(pd.DatetimeIndex(r.index).asi8).tobytes())
    got = _GJR_FITS.get(key)
    if got is None:
        got = fit_volatility(r, "gjr", "t", interval="1d", asset=asset).result.params.copy()
        if len(_GJR_FITS) >= _GJR_FITS_MAX:
            del _GJR_FITS[next(iter(_GJR_FITS))]
        _GJR_FITS[key] = got
    return got.copy()


def _sigma_daily(
    index: pd.DatetimeIndex,
    end: pd.Timestamp,
    asset: str,
    daily: pd.DataFrame,
    refit: str = "yearly",
    start: pd.Timestamp | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """GJR-GARCH(1,1)-t conditional daily volatility (fraction) of each bar's day.

    The volatility is filtered through the daily returns from :data:`VOL_FIT_START`
    to ``end`` (σ of a day uses the returns before it). ``refit="yearly"``: the bars
    of each calendar year use parameters fitted on the returns before that year's
    first day (expanding; a year with fewer than :data:`MIN_VOL_RETURNS` returns
    before it uses the first fit that has them, in sample, and is listed in
    ``in_sample_years``); ``"whole"``: one fit on every return to ``end``. Also
    returns the span of the returns and the fits (``start``, ``end``, ``n_returns``,
    ``refit``, ``fits``: year -> last return day of its fit). ``start``: the first
    entry day (years before it are not fitted; their bars take the median).
    """
    import warnings

    from liqcascade.volatility import arch_spec, fit_volatility, log_returns

    d = daily[(daily.index >= VOL_FIT_START) & (daily.index <= end)]
    n_returns = max(len(d) - 1, 0)  # n closes give n − 1 returns (log_returns)
    if n_returns < MIN_VOL_RETURNS:
        first = daily.index[0] if len(daily) else None
        have = f"; {asset}'s daily bars start {first:%Y-%m-%d}" if first is not None else ""
        raise InputError(
            f"end: the vol policy's GJR-GARCH fit needs >= {MIN_VOL_RETURNS} daily returns "
            f"from {VOL_FIT_START:%Y-%m-%d} to end (got {n_returns}{have}); end the window "
            f"after {VOL_FIT_START + pd.Timedelta(days=MIN_VOL_RETURNS + 1):%Y-%m-%d} or "
            "run the fixed policy alone",
            param="end",
        )
    if refit not in ("yearly", "whole"):
        raise InputError(f"vol_refit must be yearly or whole (got {refit!r})", param="vol_refit")
    r = log_returns(d["close"])
    span: dict[str, Any] = {
        "start": r.index[0].isoformat(),
        "end": r.index[-1].isoformat(),
        "n_returns": len(r),
        "refit": refit,
    }
    day = index.floor("1D")
    if refit == "whole":
        fit = fit_volatility(r, "gjr", "t", interval="1d", asset=asset)
        cv = fit.conditional_volatility / 100.0
        s = cv.reindex(day).to_numpy(np.float64)
        span["fits"] = {"all": r.index[-1].isoformat()}
        return np.where(np.isfinite(s), s, float(np.nanmedian(cv))), span
    years = pd.Index(day.year)
    out = np.full(len(index), np.nan)
    fits: dict[str, str] = {}
    in_sample: list[int] = []
    cache: dict[int, np.ndarray] = {}
    first = start if start is not None else day[0]
    for y in sorted(set(years[(day >= first.floor("1D")) & (day <= end)])):
        cut = pd.Timestamp(f"{y}-01-01", tz="UTC")
        n = int((r.index < cut).sum())
        if n < MIN_VOL_RETURNS:
            n = MIN_VOL_RETURNS
            in_sample.append(int(y))
        if n not in cache:
            params = _gjr_t_params(r.iloc[:n], asset)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fixed = arch_spec(r, "gjr", "t").fix(params)
            cache[n] = np.asarray(fixed.conditional_volatility, dtype=np.float64) / 100.0
        fits[str(y)] = r.index[n - 1].isoformat()
        cv = pd.Series(cache[n], index=r.index)
        sel = np.asarray(years == y)
        out[sel] = cv.reindex(day[sel]).to_numpy(np.float64)
    span["fits"] = fits
    span["in_sample_years"] = in_sample
    med = float(np.nanmedian(out)) if np.isfinite(out).any() else float("nan")
    return np.where(np.isfinite(out), out, med), span


def _check_vol_covers(entries: pd.DatetimeIndex, last_day: pd.Timestamp, asset: str) -> None:
    """Refuse entries later than the daily volatility: the vol policies would have no σ.

    A day's σ is filtered from the daily returns before it (:func:`_sigma_daily`), so
    it exists through the last daily bar's day. An entry past it (hourly bars run
    beyond the daily ones) would get no stop distance: the median of the window stood
    in for it, or NaN when every entry was past it.

    Raises
    ------
    InputError
        ``end`` (``param="end"``): the first entry past ``last_day``, and the span.
    """
    late = entries[entries.floor("1D") > last_day]
    if len(late):
        raise InputError(
            f"end: the vol policies' daily volatility runs to {last_day:%Y-%m-%d} ({asset}'s "
            f"daily bars end there); entries from {late[0]:%Y-%m-%d %H:%M} have none: end the "
            f"window by {last_day:%Y-%m-%d}, or run the fixed policy alone",
            param="end",
        )


def _support_entries(
    hourly: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, daily: pd.DataFrame
) -> np.ndarray:
    """Hourly bar index of each support-test day's close (the event study's entries)."""
    from liqcascade.events import detect_support

    d = daily[(daily.index >= start) & (daily.index <= end)]
    det = detect_support(d)
    days = pd.DatetimeIndex(pd.to_datetime(det.tests["ts"], utc=True)).unique()
    close_ts = days + pd.Timedelta(hours=23)
    idx = hourly.index.searchsorted(close_ts, side="right") - 1
    return np.asarray(idx[idx >= 0], dtype=np.int64)


def _rows(t: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (pol, sd, ent), g in t.groupby(["policy", "side", "entries"], sort=True):
        st = g["stopped"] > 0
        eq = g.sort_values("exit_ts")["ret"].to_numpy()
        lo, hi = wilson_interval(int(st.sum()), len(g))
        rows.append(
            {
                "policy": pol,
                "side": sd,
                "entries": ent,
                "n": len(g),
                "stop_outs": float(st.mean()),
                "stop_outs_lo": lo,
                "stop_outs_hi": hi,
                "avg_loss_on_stop": float(-g.loc[st, "ret"].mean()) if st.any() else float("nan"),
                "avg_slippage": float(g.loc[st, "slippage"].mean()) if st.any() else float("nan"),
                "total_return": float(g["ret"].sum()),
                "mean_return": float(g["ret"].mean()),
                "max_drawdown": max_drawdown(np.cumsum(eq)),
            }
        )
    return records_frame(rows, _ROW_DTYPES)


#: The columns of a policy table (:attr:`StopBacktest.table`, ``crash``) and their dtypes:
#: a table without trades (no crash-hour entry) has them too.
_ROW_DTYPES: dict[str, Any] = {
    **dict.fromkeys(("policy", "side", "entries"), str),
    "n": np.int64,
    **dict.fromkeys(("stop_outs", "stop_outs_lo", "stop_outs_hi", "avg_loss_on_stop",
                     "avg_slippage", "total_return", "mean_return", "max_drawdown"), np.float64),
}  # fmt: skip


def backtest_stops(
    policies: tuple[str, ...] | list[str] = POLICIES,
    sides: tuple[str, ...] | list[str] = ("long", "short"),
    entries: tuple[str, ...] | list[str] = ("support", "random"),
    *,
    start: Any = "2020-01-01",
    end: Any = None,
    settings: BacktestSettings | None = None,
    fill: FillModel | None = None,
    crash: bool = True,
    use_numba: bool = True,
    asset: str = "ETH",
    store: Any = None,
) -> StopBacktest:
    """Backtest stop policies on the real hourly path of ``asset`` (see the module docstring).

    Parameters
    ----------
    policies : sequence of {"fixed", "vol", "vol-declustered"}
        Policies to compare.
    sides : sequence of {"long", "short"}
        Position sides.
    entries : sequence of {"support", "random"}
        Entry sets: the support tests of the event study (daily bars in the range),
        and ``settings.n_random`` seeded random hours per side.
    start, end : datetime-like
        Entry range (UTC); trades run to their horizon (bars after ``end`` included).
        ``end`` default: :func:`default_entry_end` of the asset's hourly bars (31
        December of the last calendar year they run past: 2025-12-31 for the bundled
        ETH and BTC), and with a vol policy no later than the last daily bar's day (its
        volatility ends there; a given ``end`` past it is refused).
        Entries whose horizon would run past the last hourly bar are not entered (no
        trade is cut short); ``meta`` records the entry span covered
        (``entries_first``, ``entries_last``), ``data_end`` and ``dropped_past_end``.
    settings : BacktestSettings, optional
    fill : FillModel, optional
    crash : bool, default True
        Add the "crash" entry set: one entry per hour from 2025-10-05 00:00 to
        2025-10-10 20:00 UTC (open when the 2025-10-10 crash hit), when in range.
    use_numba : bool
        Compiled kernels (``False``: the plain-Python twins).
    asset : str, default "ETH"
        Whose hourly and daily bars, volatility and book depth (prices in USD): any
        asset whose bars and futures book totals are in ``store`` or bundled.
    store : str, Path, Store, bool, optional
        Where the data are read (:func:`liqcascade.data.load_series`): ``None`` the
        default store if it exists, ``False`` the bundled data only.

    Returns
    -------
    StopBacktest
    """
    a = str(asset).upper()
    s = settings or BacktestSettings()
    for name, given, allowed in (
        ("policies", policies, POLICIES),
        ("sides", sides, ("long", "short")),
        ("entries", entries, ("support", "random")),
    ):
        if isinstance(given, str):  # "fixed" was read letter by letter ("got 'f'")
            raise InputError(
                f"{name} must be a sequence of names, not one string (got {given!r}): "
                f"give ({given!r},)",
                param=name,
            )
        for v in given:
            if v not in allowed:
                raise InputError(
                    f"{name}: each must be one of {', '.join(allowed)} (got {v!r})", param=name
                )
    fixed_eff = fixed_distance(s) if "fixed" in policies else None  # before any data
    if "random" in entries and s.n_random == 0:
        raise InputError(
            "n_random is 0: the random entry set would hold no entry (give 1 or more, or "
            "entries support)",
            param=("n_random", "entries"),
        )
    t0 = to_utc(start, "start")
    if end is not None and to_utc(end, "end") <= t0:
        raise InputError(
            f"end {to_utc(end):%Y-%m-%d} must be after start {t0:%Y-%m-%d}", param=("end", "start")
        )
    hfull = _load_ohlcv(a, "1h", store)
    daily = _load_ohlcv(a, "1d", store)
    t1 = to_utc(end) if end is not None else default_entry_end(pd.DatetimeIndex(hfull.index))
    if end is None and len(daily) and any(p != "fixed" for p in policies):
        t1 = min(t1, pd.Timestamp(daily.index[-1]).floor("1D"))  # the vol policies' σ ends there
    _check_start(t0, t1, end is None, a, pd.DatetimeIndex(hfull.index))
    fm, totals, fill_beta = _fill_model(fill, a, t0, store)
    h = hfull[hfull.index >= t0 - pd.Timedelta(days=fm.swing_days + 2)]
    hor = int(s.horizon_days * 24)
    asked = np.flatnonzero((h.index >= t0) & (h.index <= t1))
    asked = asked[asked + 1 < len(h)]
    if len(asked) < 48:
        raise InputError(
            f"start/end: fewer than 48 hourly bars in {t0:%Y-%m-%d}–{t1:%Y-%m-%d}",
            param=("start", "end"),
        )
    # an entry whose horizon runs past the last bar would close early: not entered
    in_rng = asked[asked + hor < len(h)]
    if len(in_rng) < 48:
        raise InputError(
            f"start/end: fewer than 48 hourly entries in {t0:%Y-%m-%d}–{t1:%Y-%m-%d} whose "
            f"{s.horizon_days}-day horizon ends by {a}'s last hourly bar "
            f"({h.index[-1]:%Y-%m-%d %H:%M})",
            param=("start", "end"),
        )
    o = h["open"].to_numpy(np.float64)
    hi = h["high"].to_numpy(np.float64)
    lo = h["low"].to_numpy(np.float64)
    c = h["close"].to_numpy(np.float64)
    idx = pd.DatetimeIndex(h.index)
    w = fm.swing_days * 24
    swing_lo = pd.Series(lo).rolling(w, min_periods=1).min().to_numpy()
    swing_hi = pd.Series(hi).rolling(w, min_periods=1).max().to_numpy()
    depth, ratio_span = _depth_and_span(idx, fm, a, t1, hfull, totals, store)
    vol_span: dict[str, Any] | None = None
    if any(p != "fixed" for p in policies):
        sig_d, vol_span = _sigma_daily(idx, t1, a, daily, s.vol_refit, t0)
        _check_vol_covers(idx[in_rng], pd.Timestamp(vol_span["end"]), a)
        sig = sig_d * math.sqrt(s.horizon_days)
    else:  # the fixed policy reads no volatility
        sig = np.zeros(len(idx))

    sets: list[tuple[str, np.ndarray]] = []
    rng = np.random.default_rng(s.seed)
    if "support" in entries:
        sup = _support_entries(h, t0, t1, daily)
        sets.append(("support", sup[np.isin(sup, in_rng)]))
    if "random" in entries:
        n = min(s.n_random, len(in_rng))
        sets.append(("random", np.sort(rng.choice(in_rng, size=n, replace=False))))
    if crash:
        cr = np.flatnonzero((idx >= CRASH_ENTRIES[0]) & (idx <= CRASH_ENTRIES[1]))
        cr = cr[np.isin(cr, in_rng)]
        if len(cr):
            sets.append(("crash", cr))

    walk = stop_walk_nb if use_numba else stop_walk_py
    fill_k = fill_batch_nb if use_numba else fill_batch_py
    frames = []
    max_d = s.max_liq_fraction / s.leverage  # every policy's cap (policy_stops)
    capped = {p: [0, 0] for p in policies if p != "fixed"}  # vol stops at the cap / entries
    for name, eb in sets:
        if len(eb) == 0:
            continue
        for sd in sides:
            sgn = 1 if sd == "long" else -1
            side_arr = np.full(len(eb), sgn, np.int8)
            entry = c[eb]
            # crowd levels at entry (de-clustering): previous bars' swing extreme
            prev = np.maximum(eb - 1, 0)
            swing_e = swing_lo[prev] if sgn > 0 else swing_hi[prev]
            for pol in policies:
                if pol in capped:
                    capped[pol][0] += int(np.count_nonzero(s.k * sig[eb] >= max_d))
                    capped[pol][1] += len(eb)
                stop, moved = policy_stops(
                    pol, side_arr.astype(np.float64), entry, sig[eb], swing_e, s, fm
                )
                xb, stopped, trig = walk(o, hi, lo, c, eb, side_arr, stop, hor)
                # crowd swing level when the stop fires: extreme of the bars before it
                sw = swing_lo[np.maximum(xb - 1, 0)] if sgn > 0 else swing_hi[np.maximum(xb - 1, 0)]
                fillp, slip = fill_k(
                    trig,
                    np.full(len(eb), float(sgn)),
                    np.full(len(eb), s.notional_usd),
                    depth[xb],
                    sw,
                    _round_step(trig),
                    fm.beta,
                    fm.round_mass,
                    fm.swing_mass,
                    fm.offset,
                    fm.window,
                    fm.max_distance,
                )
                st = stopped > 0
                exit_px = np.where(st, fillp, c[xb])
                ret = sgn * (exit_px - entry) / entry
                frames.append(
                    pd.DataFrame(
                        {
                            "policy": pol,
                            "side": sd,
                            "entries": name,
                            "entry_ts": idx[eb],
                            "entry": entry,
                            "stop": stop,
                            "moved": moved.astype(bool),
                            "stopped": st,
                            "exit_ts": idx[xb],
                            "trigger": trig,
                            "exit": exit_px,
                            "slippage": np.where(st, slip, 0.0),
                            "ret": ret,
                        }
                    )
                )
    trades = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if trades.empty:
        raise InputError("no entries in the range (try a longer start/end)", param=("start", "end"))
    main = trades[trades["entries"] != "crash"]
    if main.empty:  # only the crash hours: no table to compare policies on
        raise InputError(
            f"entries: no {' or '.join(entries)} entry in {t0:%Y-%m-%d}–{t1:%Y-%m-%d} "
            "(try a longer start/end or other entries)",
            param=("entries", "start", "end"),
        )
    table = _rows(main)
    crash_tr = trades[trades["entries"] == "crash"]
    crash_tab = _rows(crash_tr)  # no crash-hour entry: the table's columns, no row
    return StopBacktest(
        trades=trades,
        table=table,
        crash=crash_tab,
        settings=s,
        fill=fm,
        meta={
            "asset": a,
            "start": t0.isoformat(),
            "end": t1.isoformat(),
            "bars": len(in_rng),
            "entries_first": idx[in_rng[0]].isoformat(),
            "entries_last": idx[in_rng[-1]].isoformat(),
            "data_end": idx[-1].isoformat(),
            "dropped_past_end": len(asked) - len(in_rng),
            "vol_fit": vol_span,
            "depth_ratio": {"start": ratio_span[0].isoformat(), "end": ratio_span[1].isoformat()},
            "fixed_pct_effective": fixed_eff,
            "vol_capped": {p: {"capped": c, "entries": n} for p, (c, n) in capped.items() if c},
            "fill_beta": fill_beta,
            "sources": {
                "hourly_prices": str(hfull.attrs.get("source", "")),
                "daily_prices": str(daily.attrs.get("source", "")),
                "book_totals": "none" if totals is None else str(totals.attrs.get("source", "")),
            },
        },
    )


def _check_start(
    t0: pd.Timestamp, t1: pd.Timestamp, default_end: bool, asset: str, index: pd.DatetimeIndex
) -> None:
    """Refuse a start past the asset's hourly bars, or past the default end of entries.

    ``index``: the asset's hourly bars (UTC); ``t1`` the last entry day, the default
    (:func:`default_entry_end`) when ``default_end``.
    """
    span = f"{asset}'s hourly data run {index[0]:%Y-%m-%d %H:%M} → {index[-1]:%Y-%m-%d %H:%M} UTC"
    if t0 > index[-1]:
        raise InputError(f"start {t0:%Y-%m-%d} is after the end of the data: {span}", param="start")
    if default_end and t0 > t1:
        raise InputError(
            f"start {t0:%Y-%m-%d} is after the default last entry day {t1:%Y-%m-%d} (31 "
            f"December of the last whole year of data; {span}): give end",
            param=("start", "end"),
        )


def last_entry_day(by: Any, horizon_days: int) -> pd.Timestamp:
    """The last entry day whose trades all close by ``by``: what a market closed then knew.

    The day (UTC midnight) of ``horizon_days`` and one hourly bar before ``by``'s end (a
    bare date is read as the end of that day, :func:`liqcascade._time.utc_end`), as
    ``liqcascade stops backtest --end DAY`` reads a bare day (its 00:00 UTC). The report's
    back-test and :func:`~liqcascade.protect.declustering_backtest` take their entry range
    from it.

    Parameters
    ----------
    by : datetime-like or str
        The market's close, or the report's as-of date (UTC).
    horizon_days : int
        The back-test's holding horizon, days.

    >>> [f"{last_entry_day(d, 5):%Y-%m-%d}" for d in ("2025-07-31", "2025-08-01 00:00")]
    ['2025-07-26', '2025-07-26']
    """
    end = utc_end(by, "by")
    return (end - pd.Timedelta(days=horizon_days, hours=1)).floor("1D")


def default_entry_end(index: pd.DatetimeIndex) -> pd.Timestamp:
    """The stop back-test's default last entry day (UTC midnight).

    31 December of the last calendar year the hourly bars ``index`` (UTC) run past, so
    the entries cover whole years (the vol policies refit once a year); the last bar's
    day when they cover no year end.
    """
    last = pd.Timestamp(index[-1])
    dec = pd.Timestamp(year=last.year, month=12, day=31, tz="UTC")
    if last < dec + pd.Timedelta(hours=23):  # the year's last hour not in the data
        dec = pd.Timestamp(year=last.year - 1, month=12, day=31, tz="UTC")
    return dec if dec > pd.Timestamp(index[0]) else last.floor("1D")


def _fill_model(
    fill: FillModel | None, asset: str, t0: pd.Timestamp, store: Any
) -> tuple[FillModel, pd.DataFrame | None, dict[str, Any]]:
    """The fill model, the asset's futures book totals and where the fill's β came from.

    A given ``fill`` is used as it is. Otherwise β is the asset's own
    (:func:`liqcascade.book.beta_for`): the median per-bar fit over its book-totals bars
    closed by the entry window's start ``t0`` when enough such bars exist, else its
    calibrated full-period β (``beta_for(asset)`` without totals, as contagion reads it:
    ETH 0.73, BTC 0.79; an asset without one gets the assumed median, which the caveats
    name). The source is kept in ``fill_beta``. Only totals nobody holds read as none:
    :func:`~liqcascade.data.load_book_totals`'s ``SeriesNotFound``; a store that cannot
    be read raises as it is.
    """
    from liqcascade.book import beta_for
    from liqcascade.data import SeriesNotFound, load_book_totals

    try:
        totals: pd.DataFrame | None = load_book_totals(asset, "futures", store=store)
    except SeriesNotFound:  # nobody holds them (_depth_and_span says what is missing)
        totals = None
    if fill is not None:
        return fill, totals, {"beta": fill.beta, "source": "given"}
    beta, source = beta_for(asset, totals, t0)  # no totals: the calibrated β, if any
    if source.startswith("assumed"):  # too few bars before t0: the calibrated β, if any
        own, own_source = beta_for(asset)
        if own_source.startswith("package"):
            beta, source = own, own_source
    return FillModel(beta=beta), totals, {"beta": beta, "source": source}
