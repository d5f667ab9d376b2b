"""An event's liquidations by side from the identified book along the predicted paths.

The event back-test predicts the recorded liquidations per side over the 4-hour bars
of the 24 hours after an event (the bar holding the trigger hour and those opening
within 24 hours). The identified position book of :mod:`liqcascade.positions._model`
is the package's model of exactly that record: per 4-hour bar it churns the book,
opens the bar's new positions (sides from the funding, move and long/short signals)
and liquidates every bin the bar's range crosses; the observation law maps its
liquidations ``mu`` (aggregated, USD) to one venue's record, median
``scale · mu + floor`` per bar and side (``scale``: the venue's share times the
feed's under-reporting, fitted).

Here the book's state at the event (after the last 4-hour bar closed by the
previous close) is advanced, on each predicted path, over the window's bars: their
open, low and high come from the path (and, for the bar holding the event, from the
hours of it already closed). The prediction per side is the mean over paths of the
window's summed per-bar medians ``Σ (scale · mu_b + floor)`` (the form chosen on the
events before 2025-01, docs/liquidity.md).

Paths: the index of the calibrated response (:func:`liqcascade.cascade._backtest.predict_event`)
— from the trigger price, hourly log steps of ``vol_multiplier · post_shock_sigma``
times innovations drawn from the standardised hourly residuals before the event.

The DIAGNOSTIC CEILING (not a prediction): :func:`realised_path_liquidations` steps
the same snapshot, with the same observation law and held signals, over the window's
REALISED 4-hour bars (:func:`realised_bars`). It reads the outcome, so it is never a
forecast; it measures how well the book would have done had it known the path —
the split of the liquidation miss into the unknowable path and the book.

Kernel :func:`book_paths_nb` (numba; each path advances a copy of the state with
:func:`liqcascade.positions._grid_kernels.grid_advance_nb`) and its plain-Python twin
:func:`book_paths_py` (:class:`~liqcascade.positions._grid_kernels.TwinGrid`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._numba import njit
from liqcascade._typing import FloatArray, IntArray
from liqcascade.positions import TwinGrid, grid_advance_nb, grid_advance_py

__all__ = [
    "BookSnapshot",
    "HourlyBars",
    "RecordedBars",
    "book_paths_nb",
    "book_paths_py",
    "event_bars",
    "hourly_paths",
    "predict_book_liquidations",
    "realised_bars",
    "realised_path_liquidations",
    "window_records",
]

#: The recorded liquidations' bar (CoinGlass's 4-hourly aggregates) the event window is
#: cut into: the feed's bar, not ``market.MARKET_BAR`` (they are equal today).
_BAR = pd.Timedelta(hours=4)
_HOUR = pd.Timedelta(hours=1)
_HOUR_NS = 3_600_000_000_000
_BAR_NS = 4 * _HOUR_NS
_DAY_NS = 24 * _HOUR_NS


@njit
def book_paths_nb(
    lsz: FloatArray,
    ssz: FloatArray,
    lent: FloatArray,
    sent: FloatArray,
    safe: FloatArray,
    open_: FloatArray,
    low: FloatArray,
    high: FloatArray,
    target: FloatArray,
    long_share: FloatArray,
    weights: FloatArray,
    safe_share: float,
    j0: int,
    log_p0: float,
    h: float,
    keep: float,
) -> tuple[FloatArray, FloatArray]:
    """Book liquidations per path and bar from one state (the state is not changed).

    Parameters
    ----------
    lsz, ssz, lent, sent, safe : array
        The grid state (see :func:`liqcascade.positions._grid_kernels.grid_advance_nb`).
    open_, low, high : array (P, B)
        Each path's bars, USD (inside the grid).
    target, long_share : array (B,)
        Book size to hold (base units) and long share of openings per bar.
    weights, safe_share, j0, log_p0, h, keep
        As :func:`grid_advance_nb` (``keep = 1 - turnover``).

    Returns
    -------
    (array (P, B), array (P, B))
        Long and short liquidations of the aggregated book, USD.
    """
    n_p, n_b = open_.shape
    out_l = np.zeros((n_p, n_b))
    out_s = np.zeros((n_p, n_b))
    none = np.zeros((n_b, 0))
    centre = np.zeros(n_b)
    for p in range(n_p):
        a = lsz.copy()
        b = ssz.copy()
        c = lent.copy()
        d = sent.copy()
        s = safe.copy()
        # the book's open sizes per bar are not read here: not summed (open_sizes False)
        ll, ls, _, _ = grid_advance_nb(
            a, b, c, d, s, np.bool_(False), open_[p], low[p], high[p], target, long_share, weights,
            safe_share, j0, log_p0, h, keep, centre, none, none, np.bool_(False),
        )  # fmt: skip
        out_l[p] = ll
        out_s[p] = ls
    return out_l, out_s


def book_paths_py(
    lsz: FloatArray,
    ssz: FloatArray,
    lent: FloatArray,
    sent: FloatArray,
    safe: FloatArray,
    open_: FloatArray,
    low: FloatArray,
    high: FloatArray,
    target: FloatArray,
    long_share: FloatArray,
    weights: FloatArray,
    safe_share: float,
    j0: int,
    log_p0: float,
    h: float,
    keep: float,
) -> tuple[FloatArray, FloatArray]:
    """Plain-Python twin of :func:`book_paths_nb` (dict book, one path at a time)."""
    n_p, n_b = np.shape(open_)
    out_l = np.zeros((n_p, n_b))
    out_s = np.zeros((n_p, n_b))
    for p in range(n_p):
        tw = TwinGrid(len(lsz))
        for name, arr in (("L", lsz), ("S", ssz), ("LE", lent), ("SE", sent)):
            tw.book[name] = {g: float(v) for g, v in enumerate(arr) if v != 0.0}
        tw.safe = [float(x) for x in safe]
        tw.started = True
        ll, ls, *_ = grid_advance_py(
            tw, open_[p], low[p], high[p], target, long_share, weights, safe_share, j0,
            log_p0, h, keep, open_sizes=False,
        )  # fmt: skip
        out_l[p] = ll
        out_s[p] = ls
    return out_l, out_s


@dataclass(frozen=True, eq=False)
class BookSnapshot:
    """The identified book at an event: grid state, signals and observation law.

    Attributes
    ----------
    arrays : tuple
        ``long_size, short_size, long_entry_sum, short_entry_sum, safe`` (copies).
    log_p0, n_grid
        Grid origin (log USD) and size.
    params : BookParams
        Shape and observation parameters (``scale``, ``floor_usd``, ``sigma``).
    label : pandas.Timestamp
        The last 4-hour bar walked (closed at or before the event).
    last : tuple
        ``(close, oi_base, x_funding, x_move, x_ls)`` of that bar (the next bar's signals).
    mu_index : pandas.DatetimeIndex
        The bars walked up to ``label`` (warm-up excluded).
    mu_long, mu_short : array
        The book's liquidations on those bars (aggregated, USD): what the observation
        law is refitted on (:func:`refit_observation`).
    """

    arrays: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]
    log_p0: float
    n_grid: int
    params: Any
    label: pd.Timestamp
    last: tuple[float, float, float, float, float]
    mu_index: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([], tz="UTC"))
    mu_long: FloatArray = field(default_factory=lambda: np.zeros(0))
    mu_short: FloatArray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True, eq=False)
class HourlyBars:
    """Hourly bars as arrays, read once for every event of a back-test.

    :func:`event_liquidations` reads, per event, the hours of the event's bar closed
    before it and the window's realised hours; from these arrays (made once) instead
    of a frame's slice per event (the same numbers).

    Attributes
    ----------
    index_ns : numpy.ndarray of int64
        Bar open times, ns since the epoch (UTC), in the frame's order.
    open, low, high : numpy.ndarray of float
        USD.
    """

    index_ns: IntArray
    open: FloatArray
    low: FloatArray
    high: FloatArray

    @classmethod
    def of(cls, hourly: pd.DataFrame) -> HourlyBars:
        """The arrays of ``hourly`` (``open``, ``low``, ``high`` on a UTC time index)."""
        idx = pd.DatetimeIndex(hourly.index).as_unit("ns")
        return cls(
            np.asarray(idx.asi8, dtype=np.int64),
            hourly["open"].to_numpy(np.float64),
            hourly["low"].to_numpy(np.float64),
            hourly["high"].to_numpy(np.float64),
        )

    def rows(self, start: int, stop: int) -> HourlyBars:
        """The bars at positions ``start`` to ``stop`` (excluded; views, as a frame's ``iloc``)."""
        s = slice(max(start, 0), stop)
        return HourlyBars(self.index_ns[s], self.open[s], self.low[s], self.high[s])

    def closed_part(self, b0_ns: int, ts_ns: int) -> tuple[float, float, float] | None:
        """``(first open, lowest low, highest high)`` of the bars in ``[b0, ts)``; None if none.

        NaN lows and highs are skipped (a frame's ``min``/``max``); NaN when all are.
        """
        keep = (self.index_ns >= b0_ns) & (self.index_ns < ts_ns)
        if not keep.any():
            return None
        lw, hg = self.low[keep], self.high[keep]
        lw, hg = lw[~np.isnan(lw)], hg[~np.isnan(hg)]
        return (
            float(self.open[keep][0]),
            float(lw.min()) if lw.size else math.nan,
            float(hg.max()) if hg.size else math.nan,
        )


@dataclass(frozen=True, eq=False)
class RecordedBars:
    """The recorded 4-hour liquidations the observation law is refitted on, read once.

    The record with repeated bars dropped (the last kept), as arrays:
    :func:`refit_observation` looks each event's walked bars up in it instead of
    deduplicating the frame per event (the same numbers).

    Attributes
    ----------
    index : pandas.DatetimeIndex
        The bars' open times (UTC), each once.
    long_usd, short_usd : numpy.ndarray of float
        Recorded liquidations per bar, USD.
    """

    index: pd.DatetimeIndex
    long_usd: FloatArray
    short_usd: FloatArray

    @classmethod
    def of(cls, liquidations: pd.DataFrame) -> RecordedBars:
        """The record of ``liquidations`` (``long_usd``, ``short_usd`` on a time index)."""
        rec = liquidations[~liquidations.index.duplicated(keep="last")]
        return cls(
            pd.DatetimeIndex(rec.index),
            rec["long_usd"].to_numpy(np.float64),
            rec["short_usd"].to_numpy(np.float64),
        )

    def positions(self, labels: pd.DatetimeIndex) -> IntArray:
        """Where each of ``labels`` is in :attr:`index` (-1 where absent; ``get_indexer``)."""
        idx = self.index
        if idx.is_monotonic_increasing and idx.tz is not None and labels.tz is not None:
            # sorted and unique: one binary search per label (get_indexer's answer)
            have = np.asarray(idx.as_unit("ns").asi8)
            want = np.asarray(labels.as_unit("ns").asi8)
            at = np.searchsorted(have, want, side="left")
            inside = at < have.size
            hit = np.zeros(want.size, dtype=bool)
            hit[inside] = have[at[inside]] == want[inside]
            return np.where(hit, at, -1)
        return idx.get_indexer(labels)


#: Fewest recorded bars before an event to refit the observation law on (10 days);
#: with fewer, the book calibration's own ``scale`` and ``floor_usd`` are kept.
MIN_REFIT_BARS = 60


def fit_scale_floor(
    mu: FloatArray, y: FloatArray, x0: tuple[float, float], *, iters: int = 50
) -> tuple[float, float, float] | None:
    """Least squares of ``log y`` on ``log(scale · mu + floor)`` over ``y > 0`` from ``x0``.

    The objective of :func:`liqcascade.positions._likelihood.profile_obs` (unit
    weights), solved by damped Gauss–Newton in ``(log scale, log floor)`` from a
    nearby start (the previous event's fit). Returns ``(scale, floor_usd, sigma)``,
    or ``None`` when it does not converge (the caller then runs ``profile_obs``).
    """
    pos = y > 0
    ly = np.log(y[pos])
    m = mu[pos]
    if ly.size < 2:
        return None
    x = np.array([math.log(x0[0]), math.log(x0[1])])

    def cost(v: FloatArray) -> tuple[float, FloatArray, FloatArray, FloatArray]:
        a, b = math.exp(v[0]) * m, math.exp(v[1])
        med = a + b
        r = ly - np.log(med)
        return float(r @ r), r, a / med, b / med

    f, r, ja, jb = cost(x)
    lam = 1e-3
    for _ in range(iters):
        jtj = np.array([[ja @ ja, ja @ jb], [ja @ jb, jb @ jb]])
        g = np.array([ja @ r, jb @ r])
        try:
            step = np.linalg.solve(jtj + lam * np.diag(np.diag(jtj) + 1e-12), g)
        except np.linalg.LinAlgError:
            return None
        xn = x + step
        fn, rn, jan, jbn = cost(xn)
        if fn <= f:
            done = abs(f - fn) <= 1e-13 * max(f, 1e-300) and float(np.abs(step).max()) < 1e-8
            x, f, r, ja, jb = xn, fn, rn, jan, jbn
            lam = max(lam / 10.0, 1e-9)
            if done:
                return math.exp(x[0]), math.exp(x[1]), math.sqrt(max(f / ly.size, 1e-12))
        else:
            lam *= 10.0
            if lam > 1e8:
                break
    g = np.array([ja @ r, jb @ r])
    if float(np.abs(g).max()) <= 1e-8 * max(f, 1.0):
        return math.exp(x[0]), math.exp(x[1]), math.sqrt(max(f / ly.size, 1e-12))
    return None


def refit_observation(
    snap: BookSnapshot, liquidations: pd.DataFrame | RecordedBars | None, start: Any = None
) -> tuple[Any, int]:
    """The snapshot's parameters with ``scale``, ``floor_usd``, ``sigma`` refitted before it.

    The hurdle log-normal profile fit (the objective of
    :func:`liqcascade.positions._likelihood.profile_obs`) of the recorded 4-hour
    liquidations on the book's own liquidations, over the bars walked up to the
    snapshot (all closed by the event: an expanding window). ``start``: a nearby
    ``BookParams`` (the previous event's refit) to solve from
    (:func:`fit_scale_floor`); otherwise, or if that does not converge,
    ``profile_obs`` itself. Returns ``(params, bars used)``; the calibration's
    values when fewer than :data:`MIN_REFIT_BARS` bars carry a record.
    ``liquidations``: the frame, or its :class:`RecordedBars` made once.
    """
    from liqcascade.positions import profile_obs

    if liquidations is None or len(snap.mu_index) == 0:
        return snap.params, 0
    rec = liquidations if isinstance(liquidations, RecordedBars) else RecordedBars.of(liquidations)
    at = rec.positions(pd.DatetimeIndex(snap.mu_index))
    if rec.long_usd.size == 0:  # nothing recorded: every bar absent
        at = np.full(at.shape, -1)
        yl = ys = np.full(at.shape, np.nan)
    else:
        yl = np.where(at >= 0, rec.long_usd[at], np.nan)
        ys = np.where(at >= 0, rec.short_usd[at], np.nan)
    ok = np.isfinite(yl) & np.isfinite(ys)
    n = int(ok.sum())
    if n < MIN_REFIT_BARS:
        return snap.params, n
    y = np.concatenate([yl[ok], ys[ok]])
    mu = np.concatenate([snap.mu_long[ok], snap.mu_short[ok]])
    if not np.any(y > 0):
        return snap.params, n
    fast = None
    if start is not None and start.scale > 0 and start.floor_usd > 0:
        fast = fit_scale_floor(mu, y, (float(start.scale), float(start.floor_usd)))
    if fast is None:
        _, obs = profile_obs(mu, y)
        fast = (obs["scale"], obs["floor_usd"], obs["sigma"])
    scale, floor, sigma = fast
    return snap.params.with_(scale=scale, floor_usd=floor, sigma=sigma), n


def hourly_paths(
    prev_close: float,
    trigger_move: float,
    sigma_hourly: float,
    n_hours: int,
    z: FloatArray,
) -> FloatArray:
    """Index prices at the hourly points ``0 … n_hours`` after the previous close (USD).

    Point 0 is the previous close; the trigger price ``prev_close · (1 + F)`` is
    reached within the first hour, from which the log price walks ``sigma_hourly · z``
    per hour (``z`` of shape ``(P, n_hours)``). Returns ``(P, n_hours + 1)``.
    """
    p1 = prev_close * (1.0 + trigger_move)
    steps = sigma_hourly * np.asarray(z, dtype=np.float64)
    out = np.empty((steps.shape[0], n_hours + 1))
    out[:, 0] = prev_close
    out[:, 1:] = p1 * np.exp(np.cumsum(steps[:, :n_hours], axis=1))
    return out


def event_bars(
    ts: pd.Timestamp,
    prev_close: float,
    trigger_move: float,
    known: pd.DataFrame,
    paths: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, pd.DatetimeIndex]:
    """Each path's 4-hour bars of the recorded window: ``open, low, high (P, B)`` and labels.

    The window holds the bar containing ``ts`` and those opening before ``ts + 24 h``.
    ``known``: the hourly bars closed by ``ts`` of the bar containing it (empty when
    ``ts`` opens a bar). ``paths``: :func:`hourly_paths` (point ``k`` at ``ts + k h``);
    hour ``k`` spans points ``k`` and ``k + 1`` (hour 0 also the trigger price).
    """
    b0 = ts.floor("4h")
    closed = HourlyBars.of(known).closed_part(b0.value, ts.value) if len(known) else None
    op, lo, hi = _path_bars(ts, prev_close, trigger_move, closed, paths)
    return op, lo, hi, pd.date_range(b0, periods=op.shape[1], freq="4h")


def _path_bars(
    ts: pd.Timestamp,
    prev_close: float,
    trigger_move: float,
    closed: tuple[float, float, float] | None,
    paths: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`event_bars` on arrays: ``closed`` is the event bar's hours closed by ``ts``.

    ``(first open, lowest low, highest high)`` of those hours
    (:meth:`HourlyBars.closed_part`), None when there is none.
    """
    ts_ns = ts.value
    b0_ns = ts.floor("4h").value
    # the bars opening from b0 up to ts + 24 h - 1 µs (date_range's labels, in ns)
    n_b = (ts_ns + _DAY_NS - 1000 - b0_ns) // _BAR_NS + 1
    n_p = paths.shape[0]
    op = np.empty((n_p, n_b))
    lo = np.empty((n_p, n_b))
    hi = np.empty((n_p, n_b))
    p1 = prev_close * (1.0 + trigger_move)
    for j in range(n_b):
        b = b0_ns + j * _BAR_NS
        k0 = int(max(b - ts_ns, 0) / _HOUR_NS)  # as Timedelta / Timedelta: a float, cut
        k1 = int((b + _BAR_NS - ts_ns) / _HOUR_NS)
        seg = paths[:, k0 : k1 + 1]
        lo[:, j] = seg.min(axis=1)
        hi[:, j] = seg.max(axis=1)
        op[:, j] = paths[:, k0] if b >= ts_ns else np.nan
        if k0 == 0:
            lo[:, j] = np.minimum(lo[:, j], p1)
            hi[:, j] = np.maximum(hi[:, j], p1)
    if b0_ns < ts_ns:  # the event's bar: hours already closed
        if closed is not None:
            op[:, 0] = closed[0]
            lo[:, 0] = np.minimum(lo[:, 0], closed[1])
            hi[:, 0] = np.maximum(hi[:, 0], closed[2])
        else:
            op[:, 0] = prev_close
    return op, lo, hi


def window_records(
    snap: BookSnapshot,
    params: Any,
    op: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    *,
    use_numba: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """The book's record of a window per path: ``Σ_b (scale · mu_b + floor)``, long and short.

    Parameters
    ----------
    snap : BookSnapshot
        The book at the event (its state is not changed).
    params : BookParams
        Shape and observation parameters (``scale``, ``floor_usd``).
    op, lo, hi : array (P, B)
        Each path's 4-hour bars of the window: open, low, high (USD, > 0).
    use_numba : bool
        :func:`book_paths_nb` (True) or its twin :func:`book_paths_py`.

    Returns
    -------
    (array (P,), array (P,))
        Long and short: the window's summed per-bar medians of the observation law
        (USD), the form of :func:`predict_book_liquidations`.
    """
    from liqcascade.positions import distance_weights

    p = params
    # the kernel trusts its inputs: widen the grid (empty bins) to hold every path's
    # bars with room for the openings beyond them
    h = float(p.grid_step)
    reach = float(p.delta_max) + 4 * h
    lsz, ssz, lent, sent, safe = snap.arrays
    log_p0 = float(snap.log_p0)
    top = log_p0 + (snap.n_grid - 1) * h
    add_lo = max(0, math.ceil((log_p0 - (math.log(float(lo.min())) - reach)) / h))
    add_hi = max(0, math.ceil((math.log(float(hi.max())) + reach - top) / h))
    if add_lo or add_hi:
        lsz, ssz, lent, sent = (np.pad(a, (add_lo, add_hi)) for a in (lsz, ssz, lent, sent))
        log_p0 -= add_lo * h
    op, lo, hi = (np.ascontiguousarray(a, dtype=np.float64) for a in (op, lo, hi))
    n_b = op.shape[1]
    _, oi_base, xf, xm, xls = snap.last
    target = np.full(n_b, oi_base)
    # signals: the first bar reads the last closed bar's; later bars hold funding and
    # the long/short ratio, and the move signal is 0 (open interest is held)
    xm_b = np.zeros(n_b)
    xm_b[0] = xm
    zz = p.theta0 + p.theta_funding * xf + p.theta_move * xm_b + p.theta_ls * xls
    share = np.ascontiguousarray(1.0 / (1.0 + np.exp(-zz)))
    w, safe_share, j0 = distance_weights(p)
    fn = book_paths_nb if use_numba else book_paths_py
    mu_l, mu_s = fn(lsz, ssz, lent, sent, safe, op, lo, hi, target, share,
                    np.ascontiguousarray(w, dtype=np.float64), float(safe_share), int(j0),
                    log_p0, h, 1.0 - float(p.turnover))  # fmt: skip
    rec_l = (p.scale * mu_l + p.floor_usd).sum(axis=1)
    rec_s = (p.scale * mu_s + p.floor_usd).sum(axis=1)
    return rec_l, rec_s


def realised_bars(
    ts: pd.Timestamp, hourly: pd.DataFrame
) -> tuple[FloatArray, FloatArray, FloatArray, pd.DatetimeIndex]:
    """The REALISED 4-hour bars of an event's window: ``open, low, high (1, B)`` and labels.

    The window of :func:`event_bars` (the bar holding ``ts`` and those opening before
    ``ts + 24 h``), each bar aggregated from the recorded hourly bars inside it
    (first open, lowest low, highest high; as ``market._inputs.ohlc_bars``). A bar
    with no recorded hour is left out. This reads the outcome: it serves only the
    diagnostic ceiling :func:`realised_path_liquidations`, never a prediction.
    """
    op, lo, hi, starts = _realised_bars(ts, HourlyBars.of(hourly))
    return op, lo, hi, pd.DatetimeIndex(starts, tz="UTC")


def _realised_bars(
    ts: pd.Timestamp, hours: HourlyBars
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    """:func:`realised_bars` on arrays; the labels as ns since the epoch (int64)."""
    b0 = ts.floor("4h")
    bar_ns = _BAR_NS
    # the labels of event_bars: b0, b0 + 4 h, … opening before ts + 24 h
    n_b = -(-(ts + pd.Timedelta(hours=24) - b0).value // bar_ns)
    starts = b0.value + bar_ns * np.arange(n_b, dtype=np.int64)
    idx = hours.index_ns
    i0 = np.searchsorted(idx, starts, side="left")
    i1 = np.searchsorted(idx, starts + bar_ns, side="left")
    o, lw, hg = hours.open, hours.low, hours.high
    kept = i1 > i0  # a bar with no recorded hour is left out
    ops = [o[a] for a, b in zip(i0[kept], i1[kept], strict=True)]
    lows = [float(lw[a:b].min()) for a, b in zip(i0[kept], i1[kept], strict=True)]
    highs = [float(hg[a:b].max()) for a, b in zip(i0[kept], i1[kept], strict=True)]
    k = len(ops)
    return (
        np.array(ops, dtype=np.float64).reshape(1, k),
        np.array(lows, dtype=np.float64).reshape(1, k),
        np.array(highs, dtype=np.float64).reshape(1, k),
        starts[kept],
    )


def realised_path_liquidations(
    snap: BookSnapshot,
    ts: pd.Timestamp,
    hourly: pd.DataFrame | HourlyBars,
    *,
    params: Any = None,
    use_numba: bool = True,
) -> dict[str, float]:
    """DIAGNOSTIC CEILING, not a prediction: the book's record of an event on the realised path.

    The same book snapshot, observation law and held signals as
    :func:`predict_book_liquidations`, stepped over the window's realised 4-hour bars
    (:func:`realised_bars`) instead of the predicted paths: what the identified book
    would have predicted had it known the path. It reads the outcome (the hourly bars
    after ``ts``), so it measures how much of the liquidation miss is the unknowable
    path and how much is the book; it is never used as a forecast.

    Parameters
    ----------
    snap : BookSnapshot
        The book after the last 4-hour bar closed by ``ts``.
    ts : pandas.Timestamp
        The event's previous close.
    hourly : pandas.DataFrame or HourlyBars
        Recorded hourly bars (``open``, ``high``, ``low``) covering the window.
    params : BookParams, optional
        Instead of ``snap.params`` (the refitted observation law of the prediction).

    Returns
    -------
    dict
        ``realised_path_long_usd``, ``realised_path_short_usd`` (USD; NaN when no
        recorded hour falls in the window).
    """
    p = snap.params if params is None else params
    hours = hourly if isinstance(hourly, HourlyBars) else HourlyBars.of(hourly)
    op, lo, hi, labels = _realised_bars(ts, hours)
    if len(labels) == 0 or not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        nan = float("nan")
        return {"realised_path_long_usd": nan, "realised_path_short_usd": nan}
    rec_l, rec_s = window_records(snap, p, op, lo, hi, use_numba=use_numba)
    return {
        "realised_path_long_usd": float(rec_l[0]),
        "realised_path_short_usd": float(rec_s[0]),
    }


def predict_book_liquidations(
    snap: BookSnapshot,
    ts: pd.Timestamp,
    prev_close: float,
    trigger_move: float,
    sigma_hourly: float,
    known: pd.DataFrame,
    z: FloatArray,
    *,
    params: Any = None,
    use_numba: bool = True,
) -> dict[str, float]:
    """The identified book's predicted record of an event, per side (USD).

    Parameters
    ----------
    snap : BookSnapshot
        The book after the last 4-hour bar closed by ``ts``.
    ts, prev_close, trigger_move
        The event: time of the previous close, that close (USD), ±F.
    sigma_hourly : float
        Hourly log volatility of the paths after the trigger.
    known : pandas.DataFrame
        Hourly bars closed by ``ts`` (only those of the bar holding ``ts`` are read).
    z : array (P, H)
        Standardised innovations, ``H`` >= 27 hours.
    params : BookParams, optional
        Instead of ``snap.params`` (e.g. with the observation law refitted,
        :func:`refit_observation`).

    Returns
    -------
    dict
        ``identified_long_usd``, ``identified_short_usd``: the mean over paths of the
        window's summed per-bar medians ``scale · mu + floor``; ``identified_*_p10_usd``
        and ``identified_*_p90_usd``: the 10th and 90th percentiles over paths.
    """
    b0 = ts.floor("4h")
    closed = HourlyBars.of(known).closed_part(b0.value, ts.value) if len(known) else None
    return _predict_book(snap, ts, prev_close, trigger_move, sigma_hourly, closed, z,
                         snap.params if params is None else params, use_numba)  # fmt: skip


def _predict_book(
    snap: BookSnapshot,
    ts: pd.Timestamp,
    prev_close: float,
    trigger_move: float,
    sigma_hourly: float,
    closed: tuple[float, float, float] | None,
    z: FloatArray,
    p: Any,
    use_numba: bool = True,
) -> dict[str, float]:
    """:func:`predict_book_liquidations` with the event bar's closed hours as numbers.

    ``closed``: :meth:`HourlyBars.closed_part` of the hours before ``ts`` in its bar.
    """
    n_hours = int((ts.floor("4h") + pd.Timedelta(hours=28) - ts) / _HOUR)
    paths = hourly_paths(prev_close, trigger_move, sigma_hourly, n_hours, z)
    op, lo, hi = _path_bars(ts, prev_close, trigger_move, closed, paths)
    rec_l, rec_s = window_records(snap, p, op, lo, hi, use_numba=use_numba)
    q_l = np.quantile(rec_l, [0.1, 0.9])  # each level as its own call gives
    q_s = np.quantile(rec_s, [0.1, 0.9])
    return {
        "identified_long_usd": float(np.mean(rec_l)),
        "identified_short_usd": float(np.mean(rec_s)),
        "identified_long_p10_usd": float(q_l[0]),
        "identified_long_p90_usd": float(q_l[1]),
        "identified_short_p10_usd": float(q_s[0]),
        "identified_short_p90_usd": float(q_s[1]),
    }


def event_liquidations(
    book_at: Any,
    ohlc: pd.DataFrame | HourlyBars,
    event: Mapping[Any, Any],
    vol_multiplier: float,
    residuals: FloatArray,
    n_paths: int,
    seed: int,
    liquidations: pd.DataFrame | RecordedBars | None = None,
    memo: dict[Any, Any] | None = None,
    *,
    shock_weight: float | None = None,
    dispersion: float = 0.0,
    realised_path: bool = True,
    residual_std: float | None = None,
) -> dict[str, float]:
    """:func:`predict_book_liquidations` for one back-test event (NaN without a book).

    ``event``: a row of :func:`liqcascade.cascade._backtest.detect_events`;
    ``residuals``: standardised hourly residuals of all of ``ohlc`` (only those
    before the event's bar are drawn); ``liquidations``: the recorded 4-hour
    liquidations, on which the observation law is refitted before the event
    (:func:`refit_observation`; only bars closed by the event are read). ``memo``: a
    dict the caller keeps across its events (in time order): the last refit per book
    calibration, from which the next is solved. ``shock_weight``, ``dispersion``: the
    volatility rule's shock weight (``sqrt(sigma² + w · log(1 + F)²)``; default the
    EWMA's, :func:`liqcascade.cascade._clock.post_shock_sigma`) and per-path regime
    dispersion (each path's volatility times ``exp(dispersion · N(0, 1))``), as the
    clock's paths draw them.

    ``realised_path``: also the DIAGNOSTIC CEILING (not a prediction; it reads the
    hourly bars after the event) ``realised_path_long_usd`` / ``_short_usd``: the same
    book and refitted law stepped over the window's realised bars
    (:func:`realised_path_liquidations`). The prediction's keys never read them.

    ``ohlc`` and ``liquidations`` may be given as :class:`HourlyBars` and
    :class:`RecordedBars` made once for many events (the same numbers, without
    reading the frames per event). ``residual_std``: given with ``residuals`` already
    the finite residuals before the event's bar, their standard deviation (the cut,
    the filter and the sum are then skipped).
    """
    from liqcascade.cascade._clock import post_shock_sigma

    nan = float("nan")
    out = {f"identified_{s}_{q}usd": nan for s in ("long", "short") for q in ("", "p10_", "p90_")}
    if realised_path:
        out["realised_path_long_usd"] = nan
        out["realised_path_short_usd"] = nan
    ts = pd.Timestamp(event["ts"])
    snap = book_at(ts)
    if snap is None or not math.isfinite(float(event["sigma"])):
        return out
    bar = int(event["bar"])
    if residual_std is None:
        pool = residuals[:bar]
        pool = pool[np.isfinite(pool)]
    else:  # the finite residuals before the bar, given
        pool = residuals
    rng = np.random.default_rng([seed, 18])
    n_h = 28
    if pool.size > 100:
        std = pool.std() if residual_std is None else residual_std
        z = pool[rng.integers(0, pool.size, (n_paths, n_h))] / std  # as dividing the pool
    else:
        z = rng.standard_normal((n_paths, n_h))
    s0, f = float(event["sigma"]), float(event["trigger_move"])
    if shock_weight is None or not math.isfinite(float(shock_weight)):
        post = float(post_shock_sigma(s0, f))
    else:
        post = math.sqrt(s0 * s0 + float(shock_weight) * math.log1p(f) ** 2)
    sig = vol_multiplier * post
    if dispersion > 0.0:  # per-path volatility regimes, as the clock draws them
        z = z * np.exp(float(dispersion) * rng.standard_normal(n_paths))[:, None]
    hours = ohlc if isinstance(ohlc, HourlyBars) else HourlyBars.of(ohlc)
    # the hours of the event's bar already closed (of the 4 before the trigger bar)
    closed = hours.rows(bar - 4, bar).closed_part(ts.floor("4h").value, ts.value)
    key = snap.params  # one refit chain per book calibration
    start = None if memo is None else memo.get(key)
    params, n_refit = refit_observation(snap, liquidations, start)
    if memo is not None and n_refit >= MIN_REFIT_BARS:
        memo[key] = params
    pc, fm = float(event["prev_close"]), float(event["trigger_move"])
    out.update(_predict_book(snap, ts, pc, fm, sig, closed, z, params))
    if realised_path:  # the outcome's bars: the diagnostic ceiling only
        window = hours.rows(bar - 4, bar + 29)
        out.update(realised_path_liquidations(snap, ts, window, params=params))
    out["identified_scale"] = float(params.scale)
    out["identified_refit_bars"] = float(n_refit)
    return out
