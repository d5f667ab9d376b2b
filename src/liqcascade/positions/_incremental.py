"""The identified book over time: one running state, advanced bar by bar.

:class:`BookState` holds the grid book of :mod:`liqcascade.positions._model` (sizes
and entry sums per 0.25 % log-price bin, the safe sizes) and the last bar's signals,
and advances it by new bars without looking at the past again: each bar costs work
proportional to the grid, never to the history (liquidated bins are emptied in
place; there are no dead groups to rescan). So

- a walk cut into pieces (:meth:`BookState.advance` called per new bar, per hour or
  once) gives the same book as :func:`liqcascade.positions._model.walk` in one go
  (the same kernel, :func:`liqcascade.positions._grid_kernels.grid_advance_nb`);
- books at many dates come from one walk (:func:`snapshots`);
- a liquidation map at every candle comes from the running state
  (:func:`maps_over_time`, or ``map_width`` in :meth:`BookState.advance`).

The grid grows when price leaves it (bins are anchored at multiples of the step, so
growing it moves no bin). ``turnover_hours``: the calibrated turnover is per 4-hour
bar; a walk on other bars (5-minute candles) scales it to the bar, keeping
``(1 - turnover) ** (bar_hours / turnover_hours)`` per bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._time import utc_time
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.positions._book import PositionBook
from liqcascade.positions._grid_kernels import TwinGrid, grid_advance_nb, grid_advance_py
from liqcascade.positions._model import (
    BookParams,
    MarketFrames,
    Prepared,
    _aligned,
    book_from_grid,
    distance_weights,
    prepare,
)

__all__ = ["BookState", "StepResult", "maps_over_time", "snapshots"]

_MARGIN_BINS = 64  # extra bins added when the grid grows (amortises growth)


@dataclass(frozen=True, eq=False)
class StepResult:
    """What an advance produced, one row per new bar.

    Attributes
    ----------
    ts : DatetimeIndex
        Bar open times (UTC).
    liq_long_usd, liq_short_usd : array
        Liquidations of the aggregated book per bar, USD (before ``scale``).
    open_long_base, open_short_base : array
        Book size per side at each bar's end, base units (safe size included).
    maps_long_usd, maps_short_usd : array (n, W)
        With ``map_width = W``: after each bar, USD at liquidation per bin around the
        bar's close (column ``W // 2`` is the close's bin; column ``k`` is the bin at
        ``close * exp((k - W // 2) * grid_step)``).
    """

    ts: pd.DatetimeIndex
    liq_long_usd: FloatArray
    liq_short_usd: FloatArray
    open_long_base: FloatArray
    open_short_base: FloatArray
    maps_long_usd: FloatArray
    maps_short_usd: FloatArray


class BookState:
    """The identified book as a running state (see the module docstring).

    Build it with :meth:`start` (one walk over ``frames``) or :meth:`empty`; then
    :meth:`advance` by new frames or :meth:`step` by one bar.

    Parameters
    ----------
    params : BookParams
    log_p0 : float
        Grid origin (natural log of USD, a multiple of ``grid_step``).
    n_grid : int
        Initial number of bins.
    turnover_hours : float, optional
        The hours ``params.turnover`` is per (4.0 for the shipped calibration): each
        bar then keeps ``(1 - turnover) ** (bar_hours / turnover_hours)``. ``None``:
        ``1 - turnover`` per bar, whatever its length (as :func:`walk`).
    use_numba : bool
        ``False``: the plain-Python twin (slow; for tests).
    """

    def __init__(
        self,
        params: BookParams,
        log_p0: float,
        n_grid: int,
        *,
        turnover_hours: float | None = None,
        use_numba: bool = True,
    ) -> None:
        if n_grid < 1:
            raise InputError(f"n_grid must be >= 1 (got {n_grid})", param="n_grid")
        if turnover_hours is not None and not (
            math.isfinite(turnover_hours) and turnover_hours > 0
        ):
            raise InputError(
                f"turnover_hours must be > 0 (got {turnover_hours})", param="turnover_hours"
            )
        self.params = params
        self.log_p0 = float(log_p0)
        self.turnover_hours = turnover_hours
        self.use_numba = use_numba
        w, safe, j0 = distance_weights(params)
        self._w = np.ascontiguousarray(w, dtype=np.float64)
        self._safe_share = float(safe)
        self._j0 = int(j0)
        self._arrays = (*(np.zeros(n_grid) for _ in range(4)), np.zeros(4))
        self._twin = TwinGrid(n_grid) if not use_numba else None
        self.n_bars = 0
        self.last_ts: pd.Timestamp | None = None
        self.bar: pd.Timedelta | None = None
        # the last bar's own values: close, oi_base, x_funding, x_move, x_ls
        self._last: tuple[float, float, float, float, float] = (math.nan,) * 5
        self.last_close = math.nan

    # ------------------------------------------------------------- construction
    @classmethod
    def empty(cls, params: BookParams, price: float, **kw: Any) -> BookState:
        """An empty state whose grid covers ``price`` (USD) +- the book's reach."""
        if not (math.isfinite(price) and price > 0):
            raise InputError(f"price must be > 0 USD (got {price})", param="price")
        h = params.grid_step
        reach = params.delta_max + 4 * h
        log_p0 = math.floor((math.log(price) - reach) / h) * h
        n_grid = math.ceil(2 * reach / h) + 2
        return cls(params, log_p0, n_grid, **kw)

    @classmethod
    def start(
        cls,
        frames: MarketFrames | Prepared,
        params: BookParams,
        *,
        turnover_hours: float | None = None,
        use_numba: bool = True,
        map_width: int = 0,
    ) -> BookState:
        """The state after walking all of ``frames`` (warm-up included), in one walk.

        The per-bar results of that walk are in :attr:`last_result`.
        """
        prep = frames if isinstance(frames, Prepared) else prepare(frames, params)
        st = cls(
            params, prep.log_p0, prep.n_grid, turnover_hours=turnover_hours, use_numba=use_numba
        )
        st.last_result = st._run(prep.index, prep.open, prep.low, prep.high, prep.close,
                                 prep.target, prep.x_funding, prep.x_move, prep.x_ls,
                                 map_width)  # fmt: skip
        st._last = prep.last
        return st

    # ------------------------------------------------------------- state
    @property
    def n_grid(self) -> int:
        """Number of grid bins."""
        return int(self._arrays[0].shape[0]) if self._twin is None else self._twin.n_grid

    def arrays(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """``long_size, short_size, long_entry_sum, short_entry_sum, safe`` (copies)."""
        if self._twin is not None:
            return self._twin.dense()
        return tuple(a.copy() for a in self._arrays)  # type: ignore[return-value]

    def prices(self) -> FloatArray:
        """Liquidation price of each bin, USD."""
        return np.exp(self.log_p0 + np.arange(self.n_grid) * self.params.grid_step)

    def book(self, venue_share: float | None = None, symbol: str = "ETHUSDT") -> PositionBook:
        """The open positions now (as :meth:`liqcascade.positions._model.BookRun.book`)."""
        v = self.params.scale if venue_share is None else venue_share
        return book_from_grid(self.arrays(), self.log_p0, self.params, v, symbol)

    def liquidation_map(self, price: float | None = None, span: float = 0.2) -> pd.DataFrame:
        """USD at liquidation per bin within ``+-span`` (log units) of ``price``'s bin.

        Columns ``price`` (USD, the bin's liquidation price), ``long_usd``,
        ``short_usd``; default ``price`` is the last close.
        """
        p = self.last_close if price is None else float(price)
        if not (math.isfinite(p) and p > 0):
            raise InputError(f"price must be > 0 USD (got {p})", param="price")
        if not (math.isfinite(span) and 0 < span <= 2):
            raise InputError(f"span must be in (0, 2] (got {span})", param="span")
        lsz, ssz, *_ = self.arrays()
        px = self.prices()
        h = self.params.grid_step
        k = int(span / h + 1e-9)
        gc = math.floor((math.log(p) - self.log_p0) / h + 0.5)
        lo, hi = max(gc - k, 0), min(gc + k + 1, self.n_grid)
        return pd.DataFrame(
            {"price": px[lo:hi], "long_usd": lsz[lo:hi] * px[lo:hi],
             "short_usd": ssz[lo:hi] * px[lo:hi]}
        )  # fmt: skip

    # ------------------------------------------------------------- advancing
    def advance(self, frames: MarketFrames, *, map_width: int = 0) -> StepResult:
        """Walk the bars of ``frames`` after the last one walked (older bars are ignored).

        ``frames`` needs the last walked bar too (its close and open interest are the
        next bar's signals) when the state has walked before; funding and long/short
        rows within 8 hours before a new bar are read as :func:`prepare` reads them.
        """
        oi = frames.oi[~frames.oi.index.duplicated(keep="last")].sort_index()
        px = frames.ohlc[~frames.ohlc.index.duplicated(keep="last")].sort_index()
        px = px[["open", "high", "low", "close"]].dropna()
        px = px[(px > 0).all(axis=1)]
        df = oi[["oi_usd"]].join(px, how="inner").dropna()
        df = df[df["oi_usd"] > 0]
        if self.last_ts is not None:
            df = df[df.index > self.last_ts]
        idx = pd.DatetimeIndex(df.index)
        if len(idx) == 0:
            return self._empty_result(map_width)
        c = df["close"].to_numpy(np.float64)
        oi_base = df["oi_usd"].to_numpy(np.float64) / c
        rate = _aligned(frames.funding, "rate", idx)
        ls = _aligned(frames.long_short, "global_account_long_pct", idx)
        return self._advance_rows(
            idx, df["open"].to_numpy(np.float64), df["low"].to_numpy(np.float64),
            df["high"].to_numpy(np.float64), c, oi_base, rate, ls, map_width,
        )  # fmt: skip

    def step(
        self,
        ts: Any,
        open_: float,
        high: float,
        low: float,
        close: float,
        oi_usd: float,
        funding_rate: float = math.nan,
        long_pct: float = math.nan,
        *,
        map_width: int = 0,
    ) -> StepResult:
        """Advance by one bar (prices USD, ``oi_usd`` the open interest at its close).

        ``funding_rate`` (fraction per 8 h) and ``long_pct`` (percent of accounts long)
        as known at the bar; NaN when not recorded.
        """
        t = utc_time(ts)
        if self.last_ts is not None and t <= self.last_ts:
            raise InputError(f"ts {t} is not after the last bar {self.last_ts}", param="ts")
        vals = (open_, high, low, close, oi_usd)
        if not all(math.isfinite(v) and v > 0 for v in vals) or not low <= min(open_, close):
            raise InputError(f"bar at {t}: prices and oi_usd must be > 0 with low <= open, close")
        return self._advance_rows(
            pd.DatetimeIndex([t]), np.array([open_]), np.array([low]), np.array([high]),
            np.array([close]), np.array([oi_usd / close]), np.array([funding_rate]),
            np.array([long_pct]), map_width,
        )  # fmt: skip

    def _advance_rows(
        self, idx: pd.DatetimeIndex, o: FloatArray, lo: FloatArray, hi: FloatArray,
        c: FloatArray, oi_base: FloatArray, rate: FloatArray, ls: FloatArray, map_width: int,
    ) -> StepResult:  # fmt: skip
        """Signals of new rows from the last bar's values (as :func:`prepare`), then walk."""
        n = len(idx)
        xf_now = np.clip(np.nan_to_num(rate, nan=0.0) / 1e-4, -3.0, 3.0) / 3.0
        xls_now = np.clip((np.nan_to_num(ls, nan=50.0) - 50.0) / 25.0, -1.0, 1.0)
        c_prev, oi_prev, xf_prev, xm_prev, xls_prev = self._last
        started = self.last_ts is not None and math.isfinite(c_prev)
        ret = np.zeros(n)
        d_oi = np.zeros(n)
        if n > 1:
            ret[1:] = np.log(c[1:] / c[:-1])
            d_oi[1:] = np.sign(oi_base[1:] - oi_base[:-1])
        if started:
            ret[0] = math.log(c[0] / c_prev)
            d_oi[0] = float(np.sign(oi_base[0] - oi_prev))
        xm_now = np.tanh(ret / 0.01) * d_oi
        target = np.empty(n)
        target[0] = oi_prev if started else oi_base[0]
        target[1:] = oi_base[:-1]

        def lag(a: FloatArray, first: float) -> FloatArray:
            return np.ascontiguousarray(np.concatenate([[first], a[:-1]]))

        res = self._run(
            idx, o, lo, hi, c, target,
            lag(xf_now, xf_prev if started else 0.0),
            lag(xm_now, xm_prev if started else 0.0),
            lag(xls_now, xls_prev if started else 0.0),
            map_width,
        )  # fmt: skip
        self._last = (float(c[-1]), float(oi_base[-1]), float(xf_now[-1]), float(xm_now[-1]),
                      float(xls_now[-1]))  # fmt: skip
        return res

    def _run(
        self, idx: pd.DatetimeIndex, o: FloatArray, lo: FloatArray, hi: FloatArray,
        c: FloatArray, target: FloatArray, xf: FloatArray, xm: FloatArray, xls: FloatArray,
        map_width: int,
    ) -> StepResult:  # fmt: skip
        p = self.params
        if map_width < 0:
            raise InputError(f"map_width must be >= 0 (got {map_width})", param="map_width")
        n = len(idx)
        if n == 0:
            return self._empty_result(map_width)
        if self.last_ts is not None and idx[0] <= self.last_ts:
            raise InputError(f"bars must follow the last bar walked ({self.last_ts})")
        self._cover(float(np.min(lo)), float(np.max(hi)))
        z = p.theta0 + p.theta_funding * xf + p.theta_move * xm + p.theta_ls * xls
        share = np.ascontiguousarray(1.0 / (1.0 + np.exp(-z)))
        keep = self._keep(idx)
        first = self.n_bars == 0
        args = (
            np.ascontiguousarray(o, dtype=np.float64), np.ascontiguousarray(lo, dtype=np.float64),
            np.ascontiguousarray(hi, dtype=np.float64),
            np.ascontiguousarray(target, dtype=np.float64), share,
        )  # fmt: skip
        centre = np.ascontiguousarray(c, dtype=np.float64)
        if self._twin is None:
            ml = np.zeros((n, map_width))
            ms = np.zeros((n, map_width))
            lsz, ssz, lent, sent, safe = self._arrays
            out = grid_advance_nb(
                lsz, ssz, lent, sent, safe, first, *args, self._w, self._safe_share, self._j0,
                self.log_p0, p.grid_step, keep, centre, ml, ms,
            )  # fmt: skip
        else:
            *four, ml, ms = grid_advance_py(
                self._twin, *args, self._w, self._safe_share, self._j0, self.log_p0,
                p.grid_step, keep, centre, map_width,
            )  # fmt: skip
            out = tuple(four)
        if len(idx) > 1:
            self.bar = median_step(idx)
        self.n_bars += n
        self.last_ts = pd.Timestamp(idx[-1])
        self.last_close = float(c[-1])
        return StepResult(
            ts=idx, liq_long_usd=np.asarray(out[0]), liq_short_usd=np.asarray(out[1]),
            open_long_base=np.asarray(out[2]), open_short_base=np.asarray(out[3]),
            maps_long_usd=ml, maps_short_usd=ms,
        )  # fmt: skip

    def _keep(self, idx: pd.DatetimeIndex) -> float:
        t = self.params.turnover
        if self.turnover_hours is None:
            return 1.0 - t
        if len(idx) > 1:
            bar = median_step(idx)
        elif self.bar is not None:
            bar = self.bar
        elif self.last_ts is not None:
            bar = idx[0] - self.last_ts
        else:
            bar = pd.Timedelta(hours=self.turnover_hours)
        hours = bar / pd.Timedelta(hours=1)
        return float((1.0 - t) ** (hours / self.turnover_hours))

    def _cover(self, low: float, high: float) -> None:
        """Grow the grid so that bars between ``low`` and ``high`` (USD) stay inside it."""
        p = self.params
        h = p.grid_step
        reach = p.delta_max + 4 * h
        need_lo = math.log(low) - reach
        need_hi = math.log(high) + reach
        add_lo = 0
        if need_lo < self.log_p0:
            add_lo = math.ceil((self.log_p0 - need_lo) / h) + _MARGIN_BINS
        top = self.log_p0 + (self.n_grid - 1) * h
        add_hi = math.ceil((need_hi - top) / h) + _MARGIN_BINS if need_hi > top else 0
        if add_lo == 0 and add_hi == 0:
            return
        if self._twin is not None:
            tw = self._twin
            for d in tw.book.values():
                moved = {g + add_lo: v for g, v in d.items()}
                d.clear()
                d.update(moved)
            tw.n_grid += add_lo + add_hi
        else:
            grown = []
            for a in self._arrays[:4]:
                b = np.zeros(a.shape[0] + add_lo + add_hi)
                b[add_lo : add_lo + a.shape[0]] = a
                grown.append(b)
            self._arrays = (*grown, self._arrays[4])
        self.log_p0 -= add_lo * h

    def _empty_result(self, map_width: int) -> StepResult:
        e = np.zeros(0)
        return StepResult(
            ts=pd.DatetimeIndex([], tz="UTC"), liq_long_usd=e, liq_short_usd=e,
            open_long_base=e, open_short_base=e, maps_long_usd=np.zeros((0, map_width)),
            maps_short_usd=np.zeros((0, map_width)),
        )  # fmt: skip

    last_result: StepResult | None = None


def median_step(idx: pd.DatetimeIndex) -> pd.Timedelta:
    """The median step between the bars of ``idx`` (two or more bars).

    ``pd.Series(idx).diff().median()``; bars evenly spaced (an event's new 4-hour bars)
    give their one step without a frame's median.
    """
    step = np.diff(np.asarray(pd.DatetimeIndex(idx).as_unit("ns").asi8, dtype=np.int64))
    if step.size and bool((step == step[0]).all()):
        return pd.Timedelta(int(step[0]), unit="ns")
    return pd.Timedelta(pd.Series(idx).diff().median())


def snapshots(
    frames: MarketFrames,
    params: BookParams,
    at: Any,
    *,
    venue_share: float | None = None,
    symbol: str = "ETHUSDT",
    use_numba: bool = True,
) -> dict[pd.Timestamp, PositionBook]:
    """The book at each of ``at`` (bar open times, UTC), all from one walk.

    Each snapshot is the book after the last bar opened at or before the date (the
    same book :func:`liqcascade.positions._model.walk` gives on the frames cut there).
    Dates before the first bar are left out.
    """
    prep = prepare(frames, params)
    times = sorted({utc_time(t) for t in at})
    st = BookState(params, prep.log_p0, prep.n_grid, use_numba=use_numba)
    out: dict[pd.Timestamp, PositionBook] = {}
    done = 0
    for t in times:
        stop = int(prep.index.searchsorted(t, side="right"))
        if stop == 0:
            continue
        if stop > done:
            s = slice(done, stop)
            st._run(prep.index[s], prep.open[s], prep.low[s], prep.high[s], prep.close[s],
                    prep.target[s], prep.x_funding[s], prep.x_move[s], prep.x_ls[s], 0)  # fmt: skip
            done = stop
        out[t] = st.book(venue_share, symbol)
    return out


def maps_over_time(
    frames: MarketFrames | Prepared,
    params: BookParams,
    *,
    width: int = 241,
    turnover_hours: float | None = None,
    use_numba: bool = True,
) -> tuple[StepResult, BookState]:
    """One walk with the liquidation map after every bar (``width`` bins around its close).

    ``width`` 241 bins of 0.25 % cover +-30 % of price. Returns the per-bar result
    (``maps_long_usd``, ``maps_short_usd``) and the final state; warm-up bars are kept.
    """
    if width < 1:
        raise InputError(f"width must be >= 1 (got {width})", param="width")
    st = BookState.start(
        frames, params, turnover_hours=turnover_hours, use_numba=use_numba, map_width=width
    )
    assert st.last_result is not None
    return st.last_result, st
