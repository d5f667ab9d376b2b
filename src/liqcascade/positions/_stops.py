"""Stop-loss placement models: where the stops of a position book probably rest.

Where stop orders are not given, they are modelled as a documented mixture of the
placement rules traders use (docs/design.md "Stop-loss clusters"):

* **fixed** fractions from entry (2 %, 5 %, 10 %);
* **round** numbers: just beyond the nearest multiple of $100, $500 and $1,000 on the
  loss side for an entry from $1,000 to $9,999 (Osler 2003: take-profits sit *at* round
  numbers, stop-losses *just beyond* them — sell stops just below, buy stops just
  above); every decade of the entry above or below scales the steps by ten
  (:func:`round_step_scale`: $10,000/$50,000/$100,000 at BTC $115,000);
* **swing** levels: just beyond the nearest recent swing low (long) or swing high
  (short) — the support and resistance levels of the chart;
* **atr**: volatility multiples, entry ∓ 1.5, 2 and 3 × ATR(14).

**Stops belong to positions** (docs/design.md "The position book"): a position that puts
``stop_share`` of its size on stops is split in two. The stop-protected part *is* the
stop orders (each stop closes that part of its parent position when it fires); the
rest stays a position (:attr:`ModelledStops.positions`, with
:attr:`ModelledStops.residual_parent`) and is what liquidation can close. Consumers
pass ``ModelledStops.positions`` and ``ModelledStops.stops`` together to the cascade
and the maps, never the input book with the stops: then no exposure is counted twice,
and for any path stops plus liquidations close at most the size held
(:meth:`ModelledStops.closed_by_parent`). Stops that already fired before ``as_of``
closed their part: it is in neither.

A long carries sell stops below its entry and above its liquidation price (a stop
below the liquidation price never fires: the position is liquidated first); a short
carries buy stops above its entry and below its liquidation price. Each position puts
``stop_share`` of its size on stops, split over the components by their weights; the
weight of a component whose level is not valid for that position (beyond its
liquidation price, or no swing level in the lookback) is spread over the valid ones.
Stops already traded through between the position's opening and ``as_of`` have fired
and are dropped. The model is deterministic: no random numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import check_whole
from liqcascade._tables import check_columns, check_numeric
from liqcascade._time import to_utc, utc_index, utc_indexed
from liqcascade._typing import BoolArray, FloatArray, Int8Array, IntArray
from liqcascade.errors import InputError
from liqcascade.positions._book import BUY, LONG, SELL, PositionBook, StopBook

COMPONENTS: tuple[str, ...] = ("fixed", "round", "swing", "atr")
"""Names of the stop-model components, in the order of :attr:`ModelledStops.component`."""


@dataclass(frozen=True)
class StopModelWeights:
    """Weights and parameters of the stop-loss placement model.

    Parameters
    ----------
    fixed : float, default 0.30
        Weight of stops at fixed fractions from entry. Percent stops are the default in
        exchange UIs and the most common retail rule.
    round : float, default 0.25
        Weight of stops just beyond round numbers (Osler 2003).
    swing : float, default 0.25
        Weight of stops just beyond the nearest recent swing low (long) / high (short).
    atr : float, default 0.20
        Weight of volatility-scaled stops (ATR multiples from entry).
    fixed_fractions : tuple of float, default (0.02, 0.05, 0.10)
        Distances from entry, fractions (not bps); equal weight within the component.
    round_steps : tuple of float, default (100.0, 500.0, 1000.0)
        Round-number grids for entries from $1,000 to $9,999, USD, scaled by ten per
        decade of the entry above or below (:func:`round_step_scale`); equal weight
        within the component.
    round_offset : float, default 0.001
        How far beyond the round number the stop sits, fraction of the round number
        (0.1 %: $4 below $4,000).
    min_distance : float, default 0.005
        A round or swing level must be at least this far beyond entry (fraction) to be
        used as a stop level; nearer levels are skipped for the next one.
    swing_lookback : int, default 42
        Bars searched back for swing levels (42 four-hour bars = 7 days).
    swing_width : int, default 3
        A swing low is a bar whose low is the lowest of the ``swing_width`` bars on each
        side; it is known ``swing_width`` bars after it printed.
    swing_offset : float, default 0.002
        How far beyond the swing level the stop sits, fraction.
    atr_period : int, default 14
        ATR window, bars (Wilder smoothing).
    atr_multiples : tuple of float, default (1.5, 2.0, 3.0)
        Stop distances in ATRs from entry; equal weight within the component.
    stop_share : float, default 0.35
        Fraction of each position's size that rests on stop orders (the rest has no
        stop: its liquidation is its stop).
    spot_share : float, default 0.0
        Optional spot crowd: spot holders' sell stops with a total notional (USD at
        the ``as_of`` price) of ``spot_share`` × the book's long notional, entered at
        the closes of the last ``spot_lookback`` bars in proportion to their volume,
        placed by the same components (no liquidation price). Off by default.
    spot_lookback : int, default 180
        Bars over which the spot crowd's entries are spread (180 four-hour bars = 30 days).

    Notes
    -----
    The four component weights must be >= 0 and sum to 1 (checked to 1e-9). The
    defaults are judgement, not fitted: no public data records where stops rest. They
    follow the order of the evidence: percent stops dominate retail UIs; Osler's FX
    order books show stop clusters just beyond round numbers; swing-level stops are
    the textbook rule; ATR stops are the professional variant.
    """

    fixed: float = 0.30
    round: float = 0.25
    swing: float = 0.25
    atr: float = 0.20
    fixed_fractions: tuple[float, ...] = (0.02, 0.05, 0.10)
    round_steps: tuple[float, ...] = (100.0, 500.0, 1000.0)
    round_offset: float = 0.001
    min_distance: float = 0.005
    swing_lookback: int = 42
    swing_width: int = 3
    swing_offset: float = 0.002
    atr_period: int = 14
    atr_multiples: tuple[float, ...] = (1.5, 2.0, 3.0)
    stop_share: float = 0.35
    spot_share: float = 0.0
    spot_lookback: int = 180

    def __post_init__(self) -> None:
        w = self.component_weights()
        if any((not np.isfinite(x)) or x < 0 for x in w):
            raise InputError(f"stop model weights must be finite and >= 0 (got {w})")
        if abs(sum(w) - 1.0) > 1e-9:
            raise InputError(f"stop model weights must sum to 1 (got {sum(w):.6g})")
        for name in ("fixed_fractions", "round_steps", "atr_multiples"):
            vals = getattr(self, name)
            if len(vals) == 0 or any((not np.isfinite(v)) or v <= 0 for v in vals):
                raise InputError(f"{name} must be a non-empty tuple of values > 0 (got {vals})")
        if any(f >= 1 for f in self.fixed_fractions):
            raise InputError(
                f"fixed_fractions must be < 1 (got {self.fixed_fractions})", param="fixed_fractions"
            )
        for name in ("round_offset", "min_distance", "swing_offset"):
            v = getattr(self, name)
            if not 0 <= v < 0.5:
                raise InputError(f"{name} must be in [0, 0.5) (got {v})")
        if not 0 < self.stop_share <= 1:
            raise InputError(
                f"stop_share must be in (0, 1] (got {self.stop_share})", param="stop_share"
            )
        if not self.spot_share >= 0:
            raise InputError(f"spot_share must be >= 0 (got {self.spot_share})", param="spot_share")
        for name in ("swing_lookback", "swing_width", "atr_period", "spot_lookback"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"{name} must be >= 1 (got {getattr(self, name)})")

    def component_weights(self) -> tuple[float, float, float, float]:
        """The four component weights in :data:`COMPONENTS` order."""
        return (float(self.fixed), float(self.round), float(self.swing), float(self.atr))

    def to_dict(self) -> dict[str, Any]:
        """All settings as a plain dict."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, eq=False)
class ModelledStops(SummaryDict):
    """Modelled stops with the component and position that produced each.

    Parameters
    ----------
    stops : StopBook
        The stop orders (side, trigger USD, size base units).
    component : array of int8
        Index into :data:`COMPONENTS` per stop.
    position : array of int64
        Index of the source position in the input book (``-1`` for the spot crowd).
    weights : StopModelWeights
        The settings used.
    as_of : pandas.Timestamp or None
        The time the stops are evaluated at.
    n_fired : int, default 0
        Number of modelled stops dropped because the path between the position's
        opening and ``as_of`` already traded through them (a count, not a size).
    positions : PositionBook or None
        The residual positions: what each input position keeps off stops (fired or
        resting), the part liquidation can close. Pass it with ``stops`` downstream.
    residual_parent : array of int64
        Index in the input book of each residual position.
    source_size : array of float
        Size of each input position, base units.
    """

    stops: StopBook
    component: Int8Array
    position: IntArray
    weights: StopModelWeights
    as_of: pd.Timestamp | None = None
    n_fired: int = field(default=0)
    positions: PositionBook | None = None
    residual_parent: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    source_size: FloatArray = field(default_factory=lambda: np.empty(0))

    def closed_by_parent(self, low: float, high: float) -> FloatArray:
        """Size each input position loses on a path reaching ``low`` and ``high`` (base units).

        Fired stops (sell stops with ``trigger >= low``, buy stops with ``trigger <=
        high``) close their part; the residual position closes whole if its
        liquidation price is reached. Stops already fired before ``as_of`` count as
        closed. Never more than the input size (the property tests check it).

        Parameters
        ----------
        low, high : float
            Lowest and highest price the path reaches, USD.

        Returns
        -------
        array of float
            Closed size per input position, base units (length of the input book).
        """
        n = self.source_size.shape[0]
        out = np.zeros(n)
        own = self.position >= 0
        st = self.stops
        fired = np.where(st.side == SELL, st.trigger >= low, st.trigger <= high) & own
        np.add.at(out, self.position[fired], st.size[fired])
        if self.positions is not None and len(self.positions):
            b = self.positions
            hit = np.where(b.side == LONG, b.liq_price >= low, b.liq_price <= high)
            np.add.at(out, self.residual_parent[hit], b.size[hit])
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per stop: side, trigger_price, size, notional_usd, component, position."""
        df = self.stops.to_frame()
        df["notional_usd"] = self.stops.size * self.stops.trigger
        # a str array (an object one gave an empty book's frame an object column)
        df["component"] = np.asarray(COMPONENTS, dtype=str)[self.component]
        df["position"] = self.position
        return df

    def summary(self) -> dict[str, float]:
        """Stop notional (USD at trigger) by side and component, and counts."""
        notional = self.stops.size * self.stops.trigger
        out: dict[str, float] = {
            "n_stops": len(self.stops),
            "n_fired_dropped": int(self.n_fired),
            "sell_stops_usd": float(notional[self.stops.side == SELL].sum()),
            "buy_stops_usd": float(notional[self.stops.side == BUY].sum()),
        }
        for k, name in enumerate(COMPONENTS):
            out[f"{name}_usd"] = float(notional[self.component == k].sum())
        return out

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(f"<tr><th>{k}</th><td>{v:,.0f}</td></tr>" for k, v in s.items())
        return f"<table><caption>ModelledStops</caption>{rows}</table>"


# ---------------------------------------------------------------------------- helpers
def wilder_atr(prices: pd.DataFrame, period: int = 14) -> FloatArray:
    """Average true range with Wilder smoothing, USD, one value per bar.

    The first ``period`` bars hold the running mean of the true ranges seen so far;
    from bar ``period - 1`` on, ``ATR_t = ATR_{t-1} + (TR_t - ATR_{t-1}) / period``
    seeded with the simple mean of the first ``period`` true ranges.

    Parameters
    ----------
    prices : pandas.DataFrame
        Columns ``high``, ``low``, ``close`` (USD), in time order (no bars: an empty
        array).
    period : int, default 14
        Window, bars, a whole number >= 1.

    Returns
    -------
    array of float
        ATR per bar, USD, in the order of ``prices``.

    Raises
    ------
    InputError
        ``period`` not a whole number >= 1 (0 raised ZeroDivisionError); ``prices``
        missing a column, with a price that is not finite and > 0, a low above its high
        (a NaN price made the ATR NaN from that bar on, a low above the high made it
        negative), or a time index out of order.
    """
    period = check_whole(period, "period")
    check_columns(prices.columns, ("high", "low", "close"), "prices", param="prices")
    check_numeric(prices, ("high", "low", "close"), "prices", param="prices")
    if isinstance(prices.index, pd.DatetimeIndex) and not prices.index.is_monotonic_increasing:
        raise InputError("prices: bars must be in time order", param="prices")
    h, lo, c = (prices[k].to_numpy(np.float64) for k in ("high", "low", "close"))
    ok = np.isfinite(h) & np.isfinite(lo) & np.isfinite(c) & (lo > 0) & (c > 0) & (lo <= h)
    if not ok.all():
        i = int(np.argmin(ok))
        raise InputError(
            f"prices: bar {i + 1}: high, low and close must be finite and > 0 with low <= high "
            f"(got high {h[i]:g}, low {lo[i]:g}, close {c[i]:g})",
            param="prices",
        )
    return _wilder_atr(h, lo, c, period)


def _wilder_atr(h: FloatArray, lo: FloatArray, c: FloatArray, period: int) -> FloatArray:
    """:func:`wilder_atr` on the bars' high, low and close arrays (USD)."""
    from liqcascade.positions._atr_kernels import wilder_smooth_nb

    n = h.shape[0]
    tr = h - lo
    if n > 1:
        prev = c[:-1]
        tr[1:] = np.maximum(tr[1:], np.maximum(np.abs(h[1:] - prev), np.abs(lo[1:] - prev)))
    atr = np.empty(n)
    if n == 0:
        return atr
    m = min(period, n)
    atr[:m] = np.cumsum(tr[:m]) / np.arange(1, m + 1)
    if n > m:  # the recursion, compiled (the loop in Python cost ~0.4 s per report)
        wilder_smooth_nb(tr, atr, m, int(period))
    return atr


def swing_levels(low: FloatArray, high: FloatArray, width: int) -> tuple[IntArray, IntArray]:
    """Indices of swing lows and swing highs.

    A swing low is a bar ``j`` whose low is <= the lows of the ``width`` bars on each
    side (strictly lower than the bars before it, so a flat bottom counts once); swing
    highs mirror it. Bars within ``width`` of either end cannot qualify.

    Returns
    -------
    lows, highs : arrays of int64
        Bar indices, ascending.

    Raises
    ------
    InputError
        ``width`` below 1 bar.
    """
    if int(width) < 1:
        raise InputError(f"width must be >= 1 bar (got {width})", param="width")
    n = low.shape[0]
    if n < 2 * width + 1:
        e = np.empty(0, np.int64)
        return e, e
    m = n - 2 * width  # the bars that can qualify: width..n-width-1
    mid_l = low[width : n - width]
    mid_h = high[width : n - width]
    # the window's min and max as running minima of its 2 width + 1 shifted slices
    # (contiguous, not a reduction along a strided window view: a twentieth of the time
    # on 17,000 bars; min and max are exact, NaN propagating as np.min's)
    before_l, before_h = low[:m].copy(), high[:m].copy()  # bars j - width .. j - 1
    for k in range(1, width):
        np.minimum(before_l, low[k : k + m], out=before_l)
        np.maximum(before_h, high[k : k + m], out=before_h)
    all_l, all_h = np.minimum(before_l, mid_l), np.maximum(before_h, mid_h)
    for k in range(width + 1, 2 * width + 1):
        np.minimum(all_l, low[k : k + m], out=all_l)
        np.maximum(all_h, high[k : k + m], out=all_h)
    is_low = (mid_l <= all_l) & (mid_l < before_l)
    is_high = (mid_h >= all_h) & (mid_h > before_h)
    return (np.flatnonzero(is_low) + width).astype(np.int64), (
        np.flatnonzero(is_high) + width
    ).astype(np.int64)


@dataclass(frozen=True)
class PriceBars:
    """OHLC bars checked once for the stop model, to be cut into runs of bars.

    :func:`model_stops_detailed` takes a frame and checks it on every call; a caller
    that models stops on many runs of the same bars (the book at each date of
    :func:`liqcascade.market.market_books`) checks them once with :meth:`of` and
    passes :meth:`bars` of it: the same arrays as the check of each run, and the
    same errors (a non-finite or non-positive price is refused in the run it is in).

    Attributes
    ----------
    index : pandas.DatetimeIndex
        Bar labels (open times, UTC), sorted.
    high, low, close : array of float
        Per bar, USD.
    volume : array of float or None
        Per bar (base units), None when the frame has no ``volume`` column.
    ok : array of bool
        Per bar: high, low and close finite and > 0.
    """

    index: pd.DatetimeIndex
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray | None
    ok: BoolArray

    @classmethod
    def of(cls, prices: pd.DataFrame) -> PriceBars:
        """``prices`` checked (columns, numbers, time index) and read into arrays.

        Parameters
        ----------
        prices : pandas.DataFrame
            OHLC bars indexed by ``ts`` (UTC), USD: ``high``, ``low``, ``close``,
            optionally ``volume``. Sorted by time when not.

        Raises
        ------
        InputError
            As :func:`model_stops_detailed` for a missing column, a column that is not
            numeric, or an index that is not a DatetimeIndex.
        """
        check_columns(prices.columns, ("high", "low", "close"), "prices", param="prices")
        check_numeric(prices, ("high", "low", "close"), "prices", param="prices")
        prices = utc_indexed(prices)
        if not isinstance(prices.index, pd.DatetimeIndex):
            raise InputError("prices: must be indexed by a DatetimeIndex (ts)")
        if not prices.index.is_monotonic_increasing:
            prices = prices.sort_index()
        h, lo, c = (prices[k].to_numpy(np.float64) for k in ("high", "low", "close"))
        ok = np.ones(h.shape[0], dtype=bool)
        for v in (h, lo, c):
            ok &= np.isfinite(v) & (v > 0)
        vol = prices["volume"].to_numpy(np.float64) if "volume" in prices.columns else None
        return cls(pd.DatetimeIndex(prices.index), h, lo, c, vol, ok)

    def bars(self, start: int, stop: int) -> PriceBars:
        """The bars at positions ``start`` to ``stop`` (excluded), checked.

        Parameters
        ----------
        start, stop : int
            Positions, as in a slice.

        Raises
        ------
        InputError
            With no bar, or a bar whose high, low or close is not finite and > 0.
        """
        cut = slice(start, stop)
        out = PriceBars(
            self.index[cut], self.high[cut], self.low[cut], self.close[cut],
            None if self.volume is None else self.volume[cut], self.ok[cut],
        )  # fmt: skip
        out._check()
        return out

    def _check(self) -> None:
        if self.ok.shape[0] == 0:
            raise InputError("prices: no bars")
        if not self.ok.all():
            raise InputError("prices: high, low, close must be finite and > 0")


def _check_prices(
    prices: pd.DataFrame | PriceBars,
) -> tuple[PriceBars, dict[str, FloatArray]]:
    """``prices`` sorted by time, and its high, low and close as arrays (USD), checked."""
    bars = prices if isinstance(prices, PriceBars) else PriceBars.of(prices)
    bars._check()
    return bars, {"high": bars.high, "low": bars.low, "close": bars.close}


def _cut(values: FloatArray, keep: BoolArray | None) -> FloatArray:
    """``values`` at the bars kept (all of them when ``keep`` is None)."""
    return values if keep is None else values[keep]


def _bar_ms(index: pd.DatetimeIndex) -> IntArray:
    return np.asarray(utc_index(index).as_unit("ms").asi8, dtype=np.int64)


#: The anchor of the round-number steps, USD: from this price to ten times it (one
#: decade, $1,000 to $9,999.99) the steps are :attr:`StopModelWeights.round_steps` as
#: stated; every decade above or below scales them by ten (:func:`round_step_scale`).
ROUND_STEP_PRICE: float = 1000.0

#: The power of ten of :data:`ROUND_STEP_PRICE` (3).
_ANCHOR_DECADE: float = float(round(math.log10(ROUND_STEP_PRICE)))


def round_step_scale(entry: FloatArray) -> FloatArray:
    """Factor on the round-number steps per entry: 1 from $1,000 to $9,999, ten per decade.

    Round numbers are decimal and scale-free: the steps ($100, $500, $1,000) are stated
    for an entry between :data:`ROUND_STEP_PRICE` ($1,000) and ten times it (ETH's
    decade: its steps are exactly these), and every decade of the entry above or below
    multiplies them by ten or a tenth. A BTC entry at $95,000 gets $1,000, $5,000 and
    $10,000, one at $115,000 gets $10,000, $50,000 and $100,000; an entry at $230 gets
    $10, $50 and $100, one at $0.23 gets $0.01, $0.05 and $0.10. A book relabelled by
    a power of ten gets the same stops relative to its prices. The factor is a power of
    ten (exact for the decades from $1,000 up: ETH's factor is 1.0, BTC's 10.0 or 100.0).

    Parameters
    ----------
    entry : array of float
        Entry prices, USD (a non-positive or non-finite entry gets factor 1).

    Returns
    -------
    array of float
        ``10 ** (d - 3)`` per entry with ``d`` the entry's power of ten
        (``10 ** d <= entry < 10 ** (d + 1)``), dimensionless.
    """
    e = np.asarray(entry, dtype=np.float64)
    ok = np.isfinite(e) & (e > 0)
    return np.asarray(10.0 ** (_decade(np.where(ok, e, ROUND_STEP_PRICE)) - _ANCHOR_DECADE))


def _decade(price: FloatArray) -> FloatArray:
    """The largest whole ``k`` with ``10.0 ** k <= price`` (3,698.39 -> 3), per price > 0.

    ``floor(log10(price))`` corrected by one where the logarithm rounds across a whole
    number (``log10(9999.999999999998)`` is 4.0): the decade never disagrees with
    the powers of ten it is compared to.
    """
    k = np.floor(np.log10(price))
    k = np.where(10.0**k > price, k - 1.0, k)
    return np.where(10.0 ** (k + 1.0) <= price, k + 1.0, k)


def round_number_step(price: FloatArray, steps: tuple[float, ...] | None = None) -> FloatArray:
    """The stop model's smallest round-number step at each price, USD: one rule, one place.

    Every round level of the stop model (a multiple of any of its steps) is a multiple of
    this step, so the crowd the liquidation map shows just beyond round numbers and the
    crowd the stop recommender and its fill model avoid
    (:func:`liqcascade.protect.round_step`) are the same: $100 at ETH $3,698, $1,000 at
    BTC $95,000, $10,000 at BTC $115,000 (a tenth of the price's power of ten with the
    default steps).

    Parameters
    ----------
    price : array of float
        Prices (entries), USD.
    steps : tuple of float, optional
        The model's steps for entries from $1,000 to $9,999, USD; default
        :attr:`StopModelWeights.round_steps`.

    Returns
    -------
    array of float
        ``min(steps) × round_step_scale(price)`` per price, USD.
    """
    base = StopModelWeights().round_steps if steps is None else tuple(steps)
    return np.asarray(min(base) * round_step_scale(price), dtype=np.float64)


def round_steps_used(
    entry: FloatArray, weight: FloatArray | None = None, steps: tuple[float, ...] | None = None
) -> list[tuple[tuple[float, ...], float]]:
    """The round-number steps the stop model uses on these entries, each with its share.

    Reads :func:`round_step_scale` (it changes nothing): the steps scale with the price's
    decade, $100/$500/$1,000 from $1,000 to $9,999 (ETH), ten times that per decade
    above (BTC at $115,000: $10,000/$50,000/$100,000), a tenth per decade below (an
    entry at $232: $10/$50/$100).

    Parameters
    ----------
    entry : array of float
        Entry prices, USD (non-positive entries are ignored).
    weight : array of float, optional
        Weight of each entry (e.g. notional, USD); default equal weights.
    steps : tuple of float, optional
        The model's steps for entries from $1,000 to $9,999, USD; default
        :attr:`StopModelWeights.round_steps`.

    Returns
    -------
    list of (tuple of float, float)
        Each distinct set of steps (USD) and its share of the weight, largest share first.
    """
    base = StopModelWeights().round_steps if steps is None else tuple(steps)
    e = np.asarray(entry, dtype=np.float64)
    w = np.ones_like(e) if weight is None else np.asarray(weight, dtype=np.float64)
    ok = np.isfinite(e) & (e > 0) & np.isfinite(w) & (w > 0)
    if not ok.any():
        return []
    scale, w = round_step_scale(e[ok]), w[ok]
    out = [
        (tuple(float(f"{s * f:.6g}") for s in base), float(w[scale == f].sum() / w.sum()))
        for f in np.unique(scale)
    ]
    return sorted(out, key=lambda x: (-x[1], -x[0][0]))  # ties: the larger steps first


def round_steps_text(entry: FloatArray, weight: FloatArray | None = None) -> str:
    """The steps of :func:`round_steps_used` in words: ``"$10/$50/$100 (100 % of notional)"``.

    One set reads ``"$100/$500/$1,000"``; several add each set's share of ``weight``.

    Parameters
    ----------
    entry : array of float
        Entry prices, USD (non-positive entries are ignored).
    weight : array of float, optional
        Weight of each entry (e.g. notional, USD); default equal weights.

    Returns
    -------
    str
        The step sets in dollars, with each set's share (percent) when there are
        several; the model's default steps when no entry is usable.
    """

    def money(steps: tuple[float, ...]) -> str:
        d = max(0, -math.floor(math.log10(min(steps))))  # the smallest step's decimals
        return "/".join(f"${s:,.{d}f}" for s in steps)

    used = round_steps_used(entry, weight)
    if not used:
        return money(StopModelWeights().round_steps)
    texts = [money(steps) for steps, _ in used]
    if len(used) == 1:
        return texts[0]
    return "; ".join(f"{t} ({100 * sh:.0f} %)" for t, (_, sh) in zip(texts, used, strict=True))


def _round_level(
    entry: FloatArray, step: float | FloatArray, sign: FloatArray, min_dist: float
) -> FloatArray:
    """Nearest multiple of ``step`` (one, or one per entry) at least ``min_dist`` beyond entry."""
    # long (sign +1): largest multiple <= entry*(1-min_dist); short: smallest >= entry*(1+min)
    ref = entry * (1.0 - sign * min_dist)
    down = np.floor(ref / step) * step
    up = np.ceil(ref / step) * step
    return np.where(sign > 0, down, up)


def _nearest_pivot(
    pivots: IntArray,
    values: FloatArray,
    bar: IntArray,
    lim: FloatArray,
    below: bool,
    w: StopModelWeights,
) -> FloatArray:
    """Per position: the highest pivot value <= ``lim`` (``below``) or lowest >= ``lim``.

    Only pivots ``j`` known at the position's bar ``b`` and within the lookback count:
    ``b - swing_lookback <= j <= b - swing_width``. NaN where there is none.
    """
    n = bar.shape[0]
    if pivots.size == 0 or n == 0:
        return np.full(n, np.nan)
    start = np.searchsorted(pivots, bar - w.swing_lookback, side="left")
    end = np.searchsorted(pivots, bar - w.swing_width, side="right")
    width = int(max(0, int((end - start).max())))
    if width == 0:
        return np.full(n, np.nan)
    j = start[:, None] + np.arange(width)[None, :]
    ok = j < end[:, None]
    v = values[pivots[np.minimum(j, pivots.size - 1)]]
    if below:
        c = np.where(ok & (v <= lim[:, None]), v, -np.inf).max(axis=1)
        return np.where(np.isfinite(c), c, np.nan)
    c = np.where(ok & (v >= lim[:, None]), v, np.inf).min(axis=1)
    return np.where(np.isfinite(c), c, np.nan)


def _swing_for_groups(
    entry: FloatArray,
    sign: FloatArray,
    bar: IntArray,
    low: FloatArray,
    high: FloatArray,
    w: StopModelWeights,
) -> FloatArray:
    """Nearest swing low below (long) / high above (short) known at each position's bar.

    A long takes the highest swing low at least ``min_distance`` below its entry, a
    short the lowest swing high at least ``min_distance`` above it (vectorised over
    positions × the pivots in each one's lookback window).
    """
    lows, highs = swing_levels(low, high, w.swing_width)
    lo = _nearest_pivot(lows, low, bar, entry * (1.0 - w.min_distance), True, w)
    hi = _nearest_pivot(highs, high, bar, entry * (1.0 + w.min_distance), False, w)
    return np.where(sign > 0, lo, hi)


@dataclass(frozen=True)
class _Chart:
    """What the stop model reads of the bars, taken from the frame once per book.

    Attributes
    ----------
    low, high, close : array of float
        Per bar, USD.
    atr : array of float
        Wilder's ATR per bar, USD (:func:`wilder_atr` with the model's period).
    """

    low: FloatArray
    high: FloatArray
    close: FloatArray
    atr: FloatArray

    @classmethod
    def of(cls, cols: dict[str, FloatArray], keep: BoolArray | None, w: StopModelWeights) -> _Chart:
        """The chart of the bars kept, from the arrays :func:`_check_prices` gives."""
        h, lo, c = (_cut(cols[k], keep) for k in ("high", "low", "close"))
        return cls(lo, h, c, _wilder_atr(h, lo, c, w.atr_period))


def _candidate_levels(
    entry: FloatArray,
    sign: FloatArray,
    bar: IntArray,
    chart: _Chart,
    w: StopModelWeights,
) -> tuple[FloatArray, FloatArray, Int8Array]:
    """Trigger matrix (n × K), per-column weight (K,), per-column component (K,)."""
    cols: list[FloatArray] = []
    cw: list[float] = []
    comp: list[int] = []
    for f in w.fixed_fractions:
        cols.append(entry * (1.0 - sign * f))
        cw.append(w.fixed / len(w.fixed_fractions))
        comp.append(0)
    decade = round_step_scale(entry)
    for step in w.round_steps:
        r = _round_level(entry, step * decade, sign, w.min_distance)
        cols.append(r * (1.0 - sign * w.round_offset))
        cw.append(w.round / len(w.round_steps))
        comp.append(1)
    sw = _swing_for_groups(entry, sign, bar, chart.low, chart.high, w)
    cols.append(sw * (1.0 - sign * w.swing_offset))
    cw.append(w.swing)
    comp.append(2)
    atr = chart.atr
    a = atr[np.clip(bar, 0, atr.shape[0] - 1)]
    for m in w.atr_multiples:
        cols.append(entry - sign * m * a)
        cw.append(w.atr / len(w.atr_multiples))
        comp.append(3)
    return np.column_stack(cols), np.asarray(cw), np.asarray(comp, dtype=np.int8)


def _stops_for(
    entry: FloatArray,
    sign: FloatArray,
    liq: FloatArray,
    size: FloatArray,
    bar: IntArray,
    chart: _Chart,
    w: StopModelWeights,
    share: float,
) -> tuple[FloatArray, FloatArray, FloatArray, Int8Array, IntArray, int, BoolArray]:
    """Flattened stops for positions, and which positions have a valid stop level.

    Returns ``(sign, trigger, size, component, position, n_fired, has_valid)``: one
    entry per stop for the first five, the count of stops already fired, and per
    position whether any component with a weight > 0 gives it a valid level (then its
    stop share is placed, fired or resting).
    """
    n = entry.shape[0]
    if n == 0:
        e = np.empty(0)
        z = np.empty(0, np.int64)
        return e, e, e, np.empty(0, np.int8), z, 0, np.zeros(0, dtype=bool)
    trig, cw, comp = _candidate_levels(entry, sign, bar, chart, w)
    s = sign[:, None]
    with np.errstate(invalid="ignore"):
        valid = (
            np.isfinite(trig)
            & (trig > 0)
            & (s * (entry[:, None] - trig) > 0)  # loss side of entry
            & (s * (trig - liq[:, None]) > 0)  # before the liquidation price
        )
    wm = np.where(valid, cw[None, :], 0.0)
    tot = wm.sum(axis=1, keepdims=True)  # > 0 iff a valid level has a weight > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(tot > 0, wm / tot, 0.0)
    # fired: the path after the opening bar (or the price at as_of) traded through it
    low, high = chart.low, chart.high
    nb = low.shape[0]
    last = float(chart.close[-1])  # the price at as_of: stops beyond it have fired
    suf_min = np.minimum(np.append(np.minimum.accumulate(low[::-1])[::-1], np.inf), last)
    suf_max = np.maximum(np.append(np.maximum.accumulate(high[::-1])[::-1], -np.inf), last)
    after = np.clip(bar + 1, 0, nb)
    path_min = suf_min[after][:, None]
    path_max = suf_max[after][:, None]
    fired = valid & np.where(s > 0, trig >= path_min, trig <= path_max)
    keep = valid & ~fired & (frac > 0)
    i, k = np.nonzero(keep)
    out_size = share * size[i] * frac[i, k]
    has_valid = tot[:, 0] > 0
    return sign[i], trig[i, k], out_size, comp[k], i.astype(np.int64), int(fired.sum()), has_valid


def model_stops_detailed(
    positions: PositionBook,
    prices: pd.DataFrame | PriceBars,
    as_of: Any = None,
    *,
    weights: StopModelWeights | None = None,
) -> ModelledStops:
    """Model the stop-loss orders of a position book, keeping each stop's component.

    Parameters
    ----------
    positions : PositionBook
        Leveraged positions (``opened_ms`` used when known: the stop is placed with
        the chart as it was at opening; unknown ``-1`` means "at ``as_of``").
    prices : pandas.DataFrame or PriceBars
        OHLC bars indexed by ``ts`` (UTC), USD. Bars after ``as_of`` are ignored.
        Used for swing levels, ATR, dropping already-fired stops, and the spot crowd.
        Bars already checked (:meth:`PriceBars.bars`) are not checked again.
    as_of : datetime-like, optional
        Evaluation time (default: the last bar).
    weights : StopModelWeights, optional
        Component weights and parameters (default :class:`StopModelWeights`).

    Returns
    -------
    ModelledStops
        ``stops`` (sell stops for longs, buy stops for shorts), the component and
        source position of each.
    """
    w = weights or StopModelWeights()
    bars, cols = _check_prices(prices)
    pidx = bars.index  # aware: a naive one is read as UTC by the check
    keep: BoolArray | None = None  # the bars up to as_of: arrays are cut, not the frame
    if as_of is not None:
        ts = to_utc(as_of, "as_of")
        keep = np.asarray(pidx <= ts)
        if not keep.any():
            raise InputError(f"prices: no bars at or before as_of {ts.isoformat()}")
        pidx = pidx[keep]
    else:
        ts = pidx[-1]
    chart = _Chart.of(cols, keep, w)
    bar_ms = _bar_ms(pidx)
    nb = bar_ms.shape[0]
    opened = positions.opened_ms
    bar = np.searchsorted(bar_ms, opened, side="right").astype(np.int64) - 1
    # unknown opening time: placed at as_of; opened before the first bar: the first bar
    bar = np.where(opened < 0, nb - 1, np.maximum(bar, 0))
    sign = np.where(positions.side == LONG, 1.0, -1.0)
    sg, trig, size, comp, pos, n_fired, has_valid = _stops_for(
        positions.entry_price,
        sign,
        positions.liq_price,
        positions.size,
        bar,
        chart,
        w,
        w.stop_share,
    )
    parts_sg, parts_tr, parts_sz, parts_c, parts_p = [sg], [trig], [size], [comp], [pos]
    if w.spot_share > 0 and len(positions):
        close = chart.close
        vol = _cut(bars.volume, keep) if bars.volume is not None else np.ones(close.shape[0])
        lb = min(w.spot_lookback, nb)
        b = np.arange(nb - lb, nb, dtype=np.int64)
        vw = np.where(np.isfinite(vol[b]) & (vol[b] > 0), vol[b], 0.0)
        if vw.sum() <= 0:
            vw = np.ones(lb)
        long_notional = float(positions.notional(close[-1])[positions.side == LONG].sum())
        spot_usd = w.spot_share * long_notional
        spot_size = spot_usd * (vw / vw.sum()) / close[-1]
        ok = spot_size > 0
        sg2, tr2, sz2, c2, _, nf2, _ = _stops_for(
            close[b][ok],
            np.ones(int(ok.sum())),
            np.zeros(int(ok.sum())),
            spot_size[ok],
            b[ok],
            chart,
            w,
            1.0,
        )
        n_fired += nf2
        parts_sg.append(sg2)
        parts_tr.append(tr2)
        parts_sz.append(sz2)
        parts_c.append(c2)
        parts_p.append(np.full(sg2.shape[0], -1, np.int64))
    # the split: each position keeps what it did not put on stops (fired or resting)
    n_pos = len(positions)
    on_stops = np.zeros(n_pos)
    own_keep = pos >= 0
    np.add.at(on_stops, pos[own_keep], size[own_keep])
    placed = np.where(has_valid, w.stop_share * positions.size, 0.0)
    resid_size = positions.size - np.maximum(placed, on_stops)
    rmask = resid_size > 1e-12 * positions.size
    residual_parent = np.nonzero(rmask)[0].astype(np.int64)
    residual = _with_size(positions.subset(rmask), resid_size[rmask])
    sgn = np.concatenate(parts_sg)
    sizes = np.concatenate(parts_sz)
    # a component weight so small that its share of a size underflows to 0 gives no stop
    keep = sizes > 0
    stop_side = np.where(sgn > 0, SELL, BUY).astype(np.int8)[keep]
    stops = StopBook(stop_side, np.concatenate(parts_tr)[keep], sizes[keep])
    return ModelledStops(
        stops=stops,
        component=np.concatenate(parts_c).astype(np.int8)[keep],
        position=np.concatenate(parts_p)[keep],
        weights=w,
        as_of=ts,
        n_fired=n_fired,
        positions=residual,
        residual_parent=residual_parent,
        source_size=positions.size.copy(),
    )


def _with_size(book: PositionBook, size: FloatArray) -> PositionBook:
    """``book`` with new sizes, margins scaled in proportion (prices unchanged)."""
    f = size / np.where(book.size > 0, book.size, 1.0)
    ok = np.shape(size) == book.size.shape
    if not (ok and np.isfinite(size).all() and (size > 0).all() and (size <= book.size).all()):
        return PositionBook(
            book.side, size, book.entry_price, book.margin * f, book.liq_price,
            book.bankruptcy_price, book.account, book.opened_ms, venue=book.venue,
            symbol=book.symbol, cross=book.cross,
        )  # fmt: skip
    # each position shrinks (0 < size <= its size, margin in proportion): every rule of
    # the book holds as it did (PositionBook._of_checked)
    arrays = {
        "side": book.side, "size": np.ascontiguousarray(size, np.float64),
        "entry_price": book.entry_price, "margin": book.margin * f,
        "liq_price": book.liq_price, "bankruptcy_price": book.bankruptcy_price,
        "account": book.account, "opened_ms": book.opened_ms, "cross": book.cross,
    }  # fmt: skip
    return PositionBook._of_checked(arrays, book.venue, book.symbol)


def model_stops(
    positions: PositionBook,
    prices: pd.DataFrame,
    as_of: Any = None,
    *,
    weights: StopModelWeights | None = None,
) -> StopBook:
    """Model the stop-loss orders of a position book (see the module docstring).

    Parameters
    ----------
    positions : PositionBook
        Leveraged positions.
    prices : pandas.DataFrame
        OHLC bars (``high``, ``low``, ``close``; optional ``volume``) indexed by ``ts``, USD.
    as_of : datetime-like, optional
        Evaluation time (default: the last bar); later bars are ignored.
    weights : StopModelWeights, optional
        Component weights and parameters.

    Returns
    -------
    StopBook
        Sell stops (longs, spot crowd) below their entries, buy stops (shorts) above;
        total size per position ``stop_share × size`` when any component is valid.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from liqcascade.positions import PositionBook, model_stops
    >>> idx = pd.date_range("2025-01-01", periods=60, freq="4h", tz="UTC")
    >>> px = pd.DataFrame({"high": 2010.0, "low": 1990.0, "close": 2000.0}, index=idx)
    >>> book = PositionBook([1], [1.0], [2000.0], [200.0], [1810.0], [1800.0])
    >>> st = model_stops(book, px)
    >>> bool((st.trigger < 2000).all() and (st.trigger > 1810).all())
    True
    """
    return model_stops_detailed(positions, prices, as_of, weights=weights).stops


def default_stop_prices(asset: str = "ETH", as_of: Any = None, days: int = 400) -> pd.DataFrame:
    """The bars the stop model uses by default: bundled hourly OHLCV resampled to 4 hours.

    Parameters
    ----------
    asset : str, default "ETH"
        Bundled asset.
    as_of : datetime-like, optional
        Last time included (default: the end of the bundled data).
    days : int, default 400
        History kept before ``as_of``, days (covers the oldest positions of the book).
    """
    import liqcascade.data as _bundled
    from liqcascade.data import resample_ohlcv
    from liqcascade.positions._estimate import _BAR

    t = None
    if as_of is not None:
        t = to_utc(as_of, "as_of")
    # the 4-hour bar opening at or before as_of is taken whole (as the estimated book does:
    # its bar, the market's, liqcascade.market.MARKET_BAR, which positions cannot import)
    end = None if t is None else t + _BAR - pd.Timedelta(microseconds=1)
    start = None if t is None else t - pd.Timedelta(days=days)
    try:
        h = _bundled.ohlcv(asset, "1h", start=start, end=end)
    except KeyError as exc:
        raise InputError(f"no bundled hourly prices for {asset}: {exc.args[0]}") from None
    if h.empty:
        raise InputError(f"no bundled {asset} hourly prices up to {as_of}")
    bars = resample_ohlcv(h, "4h")
    return bars if t is None else bars[bars.index <= t]
