"""Liquidation maps, heatmaps, clusters and concentration.

A liquidation map puts a book's forced orders on a price axis around the current
price ``P``: long liquidations and sell stops below, short liquidations and buy stops
above, in buckets of width ``bucket · P`` over ``P·(1 − range_)`` to ``P·(1 + range_)``.
``P`` is an edge. Each bucket includes its edge farther from ``P`` on the side where
its kind fires: long liquidations and sell stops (fired by a fall) bucket as
``edges[i] <= x < edges[i+1]``, short liquidations and buy stops (fired by a rise) as
``edges[i] < x <= edges[i+1]``; so "how much fires if price reaches edge X" is exactly
a sum of whole buckets. Amounts
are USD notional *at the trigger*: ``size × liq_price`` for a position, ``size ×
trigger`` for a stop. Whatever lies outside the range is reported, not dropped
silently (:attr:`LiquidationMap.outside`); positions that cannot be liquidated
(``liq_price`` 0 for a long, ``inf`` for a short) are counted there by number.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import real_array
from liqcascade._tables import records_frame
from liqcascade._time import bar_text, to_utc, utc_index
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.positions._book import BUY, LONG, SELL, SHORT, PositionBook, StopBook

KINDS: tuple[str, ...] = ("long_liq_usd", "short_liq_usd", "sell_stops_usd", "buy_stops_usd")
"""The four series of a map, in column order."""

CONCENTRATION_WINDOW: float = 0.005
"""Half-width (fraction) of the window around the largest cluster, and the HHI bucket."""


def _edges(price: float, bucket: float, range_: float) -> FloatArray:
    k = round(range_ / bucket)
    return np.asarray(price * (1.0 + bucket * np.arange(-k, k + 1)), dtype=np.float64)


def _check(price: float, bucket: float, range_: float) -> None:
    if not (np.isfinite(price) and price > 0):
        raise InputError(f"price must be finite and > 0 (got {price})", param="price")
    if not (np.isfinite(bucket) and 0 < bucket <= 0.5):
        raise InputError(f"bucket must be in (0, 0.5] (got {bucket})", param="bucket")
    if not (np.isfinite(range_) and 0 < range_ < 1):
        raise InputError(f"range_ must be in (0, 1) (got {range_})", param="range_")
    if range_ < bucket:
        raise InputError(
            f"range_ must be >= bucket (got {range_} < {bucket}; both are fractions of "
            "the price: a bucket of 0.005 is 0.5 %)",
            param=("range_", "bucket"),
        )
    if round(range_ / bucket) > 100_000:
        raise InputError(
            f"range_ / bucket gives too many buckets ({range_ / bucket:.0f})",
            param=("range_", "bucket"),
        )


def _bin_all(
    positions: PositionBook | None,
    stops: StopBook | None,
    edges: FloatArray,
    *,
    use_numba: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """``(nb, 4)`` in-range USD per bucket and kind, ``(4, 2)`` USD below / above the range.

    One pass per book through :func:`~liqcascade.positions._map_kernels.bin_book_nb`;
    positions whose liquidation price is not finite and > 0 are skipped.
    """
    from liqcascade.positions._map_kernels import bin_book

    nb = edges.shape[0] - 1
    amounts = np.zeros((nb, 4))
    outside = np.zeros((4, 2))
    if positions is not None and len(positions):
        c = np.zeros((2, nb + 2))
        lq = positions.liq_price
        with np.errstate(invalid="ignore"):
            usd = positions.size * lq
        bin_book(lq, usd, (positions.side == SHORT).view(np.int8), edges, c, use_numba=use_numba)
        amounts[:, 0:2] = c[:, 1 : nb + 1].T
        outside[0:2, 0], outside[0:2, 1] = c[:, 0], c[:, nb + 1]
    if stops is not None and len(stops):
        c = np.zeros((2, nb + 2))
        t = stops.trigger
        bin_book(
            t, stops.size * t, (stops.side == BUY).view(np.int8), edges, c, use_numba=use_numba
        )
        amounts[:, 2:4] = c[:, 1 : nb + 1].T
        outside[2:4, 0], outside[2:4, 1] = c[:, 0], c[:, nb + 1]
    return amounts, outside


@dataclass(frozen=True)
class Cluster:
    """A peak of the map: a price zone where forced orders bunch.

    Parameters
    ----------
    price : float
        Centre of the peak bucket, USD.
    price_low, price_high : float
        Extent of the cluster (the buckets within the peak's width at half its
        prominence), USD.
    notional_usd : float
        All forced orders in the extent, USD.
    long_liq_usd, short_liq_usd, sell_stops_usd, buy_stops_usd : float
        The same by kind, USD.
    prominence_usd : float
        How far the peak bucket rises above its surroundings, USD.
    distance : float
        ``price / P − 1``, fraction (negative below the current price).
    side : str
        ``"below"`` (forced selling) or ``"above"`` (forced buying) the current price.
    """

    price: float
    price_low: float
    price_high: float
    notional_usd: float
    long_liq_usd: float
    short_liq_usd: float
    sell_stops_usd: float
    buy_stops_usd: float
    prominence_usd: float
    distance: float
    side: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (the CLI's JSON)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


#: The columns of :meth:`LiquidationMap.clusters_frame` and their dtypes (USD, fractions;
#: ``side`` "long"/"short"): an empty map's frame has them too.
CLUSTER_DTYPES: dict[str, Any] = {
    **{k: np.float64 for k in Cluster.__dataclass_fields__ if k != "side"},
    "side": str,
}


@dataclass(frozen=True)
class Concentration:
    """How concentrated a map is.

    Parameters
    ----------
    largest_cluster_price : float
        Peak price of the largest cluster (by notional), USD; NaN if no cluster.
    share_near_largest_cluster : float
        Share (fraction) of the map's in-range notional priced within ±0.5 % of it.
    hhi : float
        Herfindahl index ``Σ s_i²`` of the bucket shares over 0.5 % buckets.
    hhi_uniform : float
        The HHI of the same notional spread evenly over all those buckets (``1/n``).
    effective_buckets : float
        ``1 / hhi``: the number of equally filled buckets with the same HHI.
    total_usd : float
        In-range notional, USD.
    """

    largest_cluster_price: float
    share_near_largest_cluster: float
    hhi: float
    hhi_uniform: float
    effective_buckets: float
    total_usd: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (the CLI's JSON)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def herfindahl(amounts: FloatArray) -> float:
    """Herfindahl index ``Σ (a_i / Σ a)²`` of non-negative amounts (NaN if all zero).

    Parameters
    ----------
    amounts : array of float
        Non-negative amounts in any one unit (e.g. USD per bucket).

    Returns
    -------
    float
        Sum of squared shares, in (0, 1] (1 when one entry holds everything); NaN if
        the total is 0.

    Raises
    ------
    InputError
        ``param="amounts"``: not a one-dimensional array of finite numbers >= 0, or
        amounts whose total overflows (a NaN gave NaN, a negative amount an index
        outside (0, 1], a total past the largest float 0).
    """
    a = real_array(amounts, "amounts", least=0.0)
    with np.errstate(over="ignore"):
        tot = float(a.sum())
    if not math.isfinite(tot):
        raise InputError(
            f"amounts are too large: their total overflows (max {a.max():g})", param="amounts"
        )
    if tot <= 0:
        return float("nan")
    s = a / tot
    return float(np.dot(s, s))


def find_peaks(
    x: FloatArray, min_prominence: float, rel_height: float = 0.5
) -> tuple[list[int], list[float], list[float], list[float]]:
    """Peaks of a series with their prominence and interpolated width bounds.

    The same definitions as :func:`scipy.signal.find_peaks` with ``prominence`` and
    ``width=0`` (and :func:`scipy.signal.peak_widths`): a peak is a local maximum (the
    middle of a flat top); its prominence is its height above the higher of the lowest
    points between it and the nearest higher sample on each side (or the ends); its
    width bounds are where the series crosses ``peak − rel_height × prominence``,
    linearly interpolated. Written out here because importing ``scipy.signal`` takes
    seconds; the tests hold it equal to scipy's.

    Parameters
    ----------
    x : array of float
        The series (USD per bucket).
    min_prominence : float
        Minimum prominence, same units as ``x``.
    rel_height : float, default 0.5
        Height of the width measurement, fraction of the prominence.

    Returns
    -------
    peaks, prominences, left_ips, right_ips : lists
        Indices, prominences and interpolated positions (fractional indices).
    """
    v = [float(a) for a in x]
    n = len(v)
    cand: list[int] = []
    i = 1
    while i < n - 1:
        if v[i - 1] < v[i]:
            ahead = i + 1
            while ahead < n - 1 and v[ahead] == v[i]:
                ahead += 1
            if v[ahead] < v[i]:
                cand.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    peaks: list[int] = []
    proms: list[float] = []
    lefts: list[float] = []
    rights: list[float] = []
    for pk in cand:
        top = v[pk]
        j, lmin, lbase = pk, top, pk
        while j >= 0 and v[j] <= top:
            if v[j] < lmin:
                lmin, lbase = v[j], j
            j -= 1
        j, rmin, rbase = pk, top, pk
        while j <= n - 1 and v[j] <= top:
            if v[j] < rmin:
                rmin, rbase = v[j], j
            j += 1
        prom = top - max(lmin, rmin)
        if prom < min_prominence:
            continue
        h = top - prom * rel_height
        j = pk
        while lbase < j and h < v[j]:
            j -= 1
        left = float(j)
        if v[j] < h:
            left += (h - v[j]) / (v[j + 1] - v[j])
        j = pk
        while j < rbase and h < v[j]:
            j += 1
        right = float(j)
        if v[j] < h:
            right -= (h - v[j]) / (v[j - 1] - v[j])
        peaks.append(pk)
        proms.append(prom)
        lefts.append(left)
        rights.append(right)
    return peaks, proms, lefts, rights


def find_clusters(
    edges: FloatArray,
    series: FloatArray,
    by_kind: FloatArray,
    price: float,
    *,
    min_prominence: float = 0.1,
) -> list[Cluster]:
    """Peaks of a bucket series, largest notional first.

    Parameters
    ----------
    edges : array of float
        Bucket edges, USD (``n + 1``).
    series : array of float
        Notional per bucket, USD (``n``).
    by_kind : array of float
        ``(n, 4)`` notional per bucket by kind (:data:`KINDS`).
    price : float
        Current price, USD.
    min_prominence : float, default 0.1
        Minimum prominence as a fraction of the tallest bucket.

    Notes
    -----
    Peaks are :func:`find_peaks` (``scipy.signal.find_peaks`` semantics) on the series
    padded with a zero at each end (so edge buckets can be peaks). A cluster's extent
    is the buckets within its width at half its prominence (``rel_height=0.5``).
    """
    n = series.shape[0]
    top = float(series.max()) if n else 0.0
    if top <= 0:
        return []
    padded = np.concatenate([[0.0], series, [0.0]])
    peaks, proms, lefts, rights = find_peaks(padded, min_prominence * top, 0.5)
    out: list[Cluster] = []
    for j, pk in enumerate(peaks):
        i = int(pk) - 1
        lo = int(np.clip(np.ceil(lefts[j]) - 1, 0, i))
        hi = int(np.clip(np.floor(rights[j]) - 1, i, n - 1))
        kinds = by_kind[lo : hi + 1].sum(axis=0)
        centre = 0.5 * (edges[i] + edges[i + 1])
        out.append(
            Cluster(
                price=float(centre),
                price_low=float(edges[lo]),
                price_high=float(edges[hi + 1]),
                notional_usd=float(series[lo : hi + 1].sum()),
                long_liq_usd=float(kinds[0]),
                short_liq_usd=float(kinds[1]),
                sell_stops_usd=float(kinds[2]),
                buy_stops_usd=float(kinds[3]),
                prominence_usd=float(proms[j]),
                distance=float(centre / price - 1.0),
                side="below" if centre < price else "above",
            )
        )
    out.sort(key=lambda c: -c.notional_usd)
    return out


def _titled(asset: str, text: str) -> str:
    """A chart title naming its asset first ("BTC liquidation map, …"), else capitalised."""
    return f"{asset} {text}" if asset else text[:1].upper() + text[1:]


@dataclass(frozen=True, eq=False)
class LiquidationMap:
    """Forced orders of a book by price bucket around the current price.

    Dollars are the book's own: for an estimated market's book
    (:func:`liqcascade.market.estimated_market`) they are **feed-scale dollars**, the
    recorded liquidation feed's scale the book was identified on (the Binance feed:
    about 0.45 % of open interest), not the whole market's, as the command line says
    under its tables; :func:`liqcascade.market.book_units` gives the scale.

    Parameters
    ----------
    price : float
        Current price ``P``, USD.
    as_of : pandas.Timestamp or None
        Time of the book (an estimated market's: its bar's open).
    bucket, range_ : float
        Bucket width and half-range, fractions of ``P``.
    edges : array of float
        Bucket edges, USD (``2·range_/bucket + 1``).
    amounts : array of float
        ``(n_buckets, 4)`` USD notional at the trigger, columns :data:`KINDS`.
    clusters : list of Cluster
        Peaks, largest notional first.
    concentration : Concentration
        Concentration figures.
    outside : dict
        Notional (USD) of each kind below and above the range, and the number of
        positions that cannot be liquidated.
    bar_close : pandas.Timestamp or None
        The close of the bar ``as_of`` opens, when the book is a bar's (an estimated
        market): the figure names the bar by both ends.
    """

    price: float
    as_of: pd.Timestamp | None
    bucket: float
    range_: float
    edges: FloatArray
    amounts: FloatArray
    clusters: list[Cluster]
    concentration: Concentration
    outside: dict[str, float]
    _positions: PositionBook | None = field(default=None, repr=False)
    _stops: StopBook | None = field(default=None, repr=False)
    bar_close: pd.Timestamp | None = None

    # ------------------------------------------------------------ accessors
    @property
    def long_liq_usd(self) -> FloatArray:
        """Long liquidation notional per bucket, USD."""
        return self.amounts[:, 0]

    @property
    def short_liq_usd(self) -> FloatArray:
        """Short liquidation notional per bucket, USD."""
        return self.amounts[:, 1]

    @property
    def sell_stops_usd(self) -> FloatArray:
        """Sell-stop notional per bucket, USD."""
        return self.amounts[:, 2]

    @property
    def buy_stops_usd(self) -> FloatArray:
        """Buy-stop notional per bucket, USD."""
        return self.amounts[:, 3]

    @property
    def centres(self) -> FloatArray:
        """Bucket centres, USD."""
        return 0.5 * (self.edges[:-1] + self.edges[1:])

    def _raw(self, kind: str) -> tuple[FloatArray, FloatArray]:
        """Trigger prices and USD notionals of one kind (finite, > 0 prices only)."""
        e = np.empty(0)
        if kind in ("long_liq_usd", "short_liq_usd"):
            b = self._positions
            if b is None or not len(b):
                return e, e
            m = b.side == (LONG if kind == "long_liq_usd" else SHORT)
            m &= np.isfinite(b.liq_price) & (b.liq_price > 0)
            return b.liq_price[m], b.size[m] * b.liq_price[m]
        st = self._stops
        if st is None or not len(st):
            return e, e
        m = st.side == (SELL if kind == "sell_stops_usd" else BUY)
        return st.trigger[m], st.size[m] * st.trigger[m]

    def _centre_index(self) -> int:
        return int(np.argmin(np.abs(self.edges - self.price)))

    def _cumulative_at_edge(self, j: int, kind: str) -> float:
        """:meth:`cumulative_usd` at ``edges[j]``: a sum of whole buckets."""
        k = self._centre_index()
        col = KINDS.index(kind)
        if kind in ("long_liq_usd", "sell_stops_usd"):
            return float(self.amounts[j:k, col].sum()) if j < k else 0.0
        return float(self.amounts[k:j, col].sum()) if j > k else 0.0

    def cumulative_usd(self, level: float, kind: str = "long_liq_usd") -> float:
        """Notional of ``kind`` triggered if price moves from ``P`` to ``level`` (USD).

        Longs and sell stops fire on a fall: those with ``level <= trigger < P``
        (``level < P``). Shorts and buy stops fire on a rise: ``P < trigger <= level``.
        At a bucket edge this is a sum of whole buckets; elsewhere (and beyond the
        range) it is summed over the positions themselves.

        Parameters
        ----------
        level : float
            Target price, USD.
        kind : str, default "long_liq_usd"
            One of :data:`KINDS`: ``"long_liq_usd"``, ``"short_liq_usd"``,
            ``"sell_stops_usd"``, ``"buy_stops_usd"``.

        Returns
        -------
        float
            Notional at the trigger, USD at the book's scale (feed-scale dollars for an
            estimated market), 0 when ``level`` is on the other side of ``P``.

        Raises
        ------
        InputError
            If ``kind`` is not one of :data:`KINDS` (``param="kind"``).
        """
        if kind not in KINDS:
            raise InputError(f"kind must be one of {KINDS} (got {kind!r})", param="kind")
        level = float(level)
        j = int(np.searchsorted(self.edges, level))
        if j < self.edges.shape[0] and self.edges[j] == level:
            return self._cumulative_at_edge(j, kind)
        px, usd = self._raw(kind)
        if kind in ("long_liq_usd", "sell_stops_usd"):
            if level >= self.price:
                return 0.0
            return float(usd[(px >= level) & (px < self.price)].sum())
        if level <= self.price:
            return 0.0
        return float(usd[(px > self.price) & (px <= level)].sum())

    def _cumulative_frac(self, f: float, kind: str) -> float:
        """:meth:`cumulative_usd` at ``P·(1 ∓ f)``, an edge when ``f`` is whole buckets."""
        down = kind in ("long_liq_usd", "sell_stops_usd")
        nk = f / self.bucket
        k = self._centre_index()
        if abs(nk - round(nk)) < 1e-9 and round(nk) <= k:
            return self._cumulative_at_edge(k - round(nk) if down else k + round(nk), kind)
        return self.cumulative_usd(self.price * (1 - f if down else 1 + f), kind)

    def cumulative_curve(self, kind: str = "long_liq_usd") -> pd.Series:
        """:meth:`cumulative_usd` at every bucket edge on the kind's side, indexed by price.

        Parameters
        ----------
        kind : str, default "long_liq_usd"
            One of :data:`KINDS`; longs and sell stops read the edges below ``P``, shorts
            and buy stops those above.

        Returns
        -------
        Series
            Cumulative notional, USD, indexed by the edge price (USD), nearest ``P`` first.
        """
        k = self._centre_index()
        col = self.amounts[:, KINDS.index(kind)]
        if kind in ("long_liq_usd", "sell_stops_usd"):
            vals = np.cumsum(col[:k][::-1])  # edges k-1, k-2, ..., 0
            idx = self.edges[:k][::-1]
        else:
            vals = np.cumsum(col[k:])  # edges k+1, ..., nb
            idx = self.edges[k + 1 :]
        return pd.Series(vals, index=idx, name=kind)

    # ------------------------------------------------------------ outputs
    def totals(self) -> dict[str, float]:
        """In-range totals by kind, USD."""
        return {k: float(self.amounts[:, j].sum()) for j, k in enumerate(KINDS)}

    def to_frame(self) -> pd.DataFrame:
        """One row per bucket: price_low, price_high, the four kinds (USD)."""
        df = pd.DataFrame(self.amounts, columns=list(KINDS))
        df.insert(0, "price_high", self.edges[1:])
        df.insert(0, "price_low", self.edges[:-1])
        return df

    def clusters_frame(self) -> pd.DataFrame:
        """The clusters as a table (no cluster: the same columns and dtypes, no row)."""
        return records_frame((c.to_dict() for c in self.clusters), CLUSTER_DTYPES)

    def to_dict(self, levels: Iterable[float] = (0.05, 0.10, 0.20)) -> dict[str, Any]:
        """The ``liqcascade liqmap --json`` object.

        Parameters
        ----------
        levels : iterable of float, default (0.05, 0.10, 0.20)
            Moves from ``P`` at which the cumulative notional is reported, fractions of ``P``
            (0.05 is 5 %; down for longs and sell stops, up for shorts and buy stops).

        Returns
        -------
        dict
            JSON-ready: the map's bucket table, cumulative notionals keyed by the signed
            move (``"-0.05"``), totals, outside, clusters and concentration (USD).
        """
        lv = list(levels)
        return {
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "price": self.price,
            "bucket": self.bucket,
            "range": self.range_,
            "buckets": self.to_frame().to_dict(orient="records"),
            "cumulative_long_liq_usd": {
                f"{-f:.2f}": self._cumulative_frac(f, "long_liq_usd") for f in lv
            },
            "cumulative_short_liq_usd": {
                f"{f:.2f}": self._cumulative_frac(f, "short_liq_usd") for f in lv
            },
            "cumulative_sell_stops_usd": {
                f"{-f:.2f}": self._cumulative_frac(f, "sell_stops_usd") for f in lv
            },
            "cumulative_buy_stops_usd": {
                f"{f:.2f}": self._cumulative_frac(f, "buy_stops_usd") for f in lv
            },
            "totals": self.totals(),
            "outside": dict(self.outside),
            "clusters": [c.to_dict() for c in self.clusters],
            "concentration": self.concentration.to_dict(),
        }

    def summary(self) -> dict[str, Any]:
        """Headline figures: totals, cumulative at −5/−10/+5/+10 %, largest cluster, HHI.

        The ``*_usd`` figures are USD at the book's scale (feed-scale dollars for an
        estimated market: :func:`liqcascade.market.book_units`).
        """
        t = self.totals()
        out: dict[str, Any] = {"price": self.price, **t}
        for f in (0.05, 0.10):
            out[f"long_liq_within_{f:.0%}_usd"] = self.cumulative_usd(self.price * (1 - f))
            out[f"short_liq_within_{f:.0%}_usd"] = self.cumulative_usd(
                self.price * (1 + f), "short_liq_usd"
            )
        out["n_clusters"] = len(self.clusters)
        if self.clusters:
            c = self.clusters[0]
            out["largest_cluster_price"] = c.price
            out["largest_cluster_usd"] = c.notional_usd
        out.update({f"concentration_{k}": v for k, v in self.concentration.to_dict().items()})
        return out

    def plot(self, asset: str = "") -> Any:
        """Bars by kind per bucket, cumulative lines on a second axis (plotly Figure).

        Parameters
        ----------
        asset : str, default ""
            The map's asset, named first in the title ("BTC liquidation map, …"), so two
            assets' charts tell apart; ``""``: the title names none.
        """
        import plotly.graph_objects as go

        x = self.centres
        fig = go.Figure()
        colours = {
            "long_liq_usd": ("long liquidations", "#c0392b"),
            "sell_stops_usd": ("sell stops", "#f1948a"),
            "short_liq_usd": ("short liquidations", "#1e8449"),
            "buy_stops_usd": ("buy stops", "#82e0aa"),
        }
        for k, (name, col) in colours.items():
            j = KINDS.index(k)
            fig.add_trace(
                go.Bar(x=x, y=self.amounts[:, j] / 1e6, name=name, marker_color=col, opacity=0.9)
            )
        cl = self.cumulative_curve("long_liq_usd") + self.cumulative_curve("sell_stops_usd")
        cs = self.cumulative_curve("short_liq_usd") + self.cumulative_curve("buy_stops_usd")
        fig.add_trace(
            go.Scatter(
                x=cl.index,
                y=cl.to_numpy() / 1e6,
                name="cumulative forced selling",
                yaxis="y2",
                line={"color": "#922b21"},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=cs.index,
                y=cs.to_numpy() / 1e6,
                name="cumulative forced buying",
                yaxis="y2",
                line={"color": "#145a32"},
            )
        )
        fig.add_vline(x=self.price, line_dash="dash", line_color="#2c3e50")
        when = "" if self.as_of is None else f" at {self.as_of:%Y-%m-%d %H:%M} UTC"
        if self.as_of is not None and self.bar_close is not None:  # not the bar's open alone
            when = f", {bar_text(self.as_of, self.bar_close)}"
        fig.update_layout(
            title=_titled(asset, f"liquidation map{when}, price {self.price:,.2f}"),
            barmode="stack",
            xaxis_title="price (USD)",
            yaxis={"title": "notional per bucket (M USD)"},
            yaxis2={
                "title": "cumulative (M USD)",
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
            },
            legend={"orientation": "h", "y": -0.2},
            height=520,
            margin={"t": 50, "l": 60, "r": 60, "b": 40},
        )
        return fig

    def __repr__(self) -> str:
        from liqcascade._notebook import summary_repr

        when = "none" if self.as_of is None else f"{self.as_of:%Y-%m-%d %H:%M} UTC"
        figures = {**self.summary(), "as_of": when, "buckets": len(self.edges) - 1}
        keys = ("price", "as_of", "buckets", *KINDS, "n_clusters", "largest_cluster_price")
        return summary_repr("LiquidationMap", figures, keys)

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{v:,.4g}</td></tr>"
            for k, v in s.items()
            if isinstance(v, int | float)
        )
        return f"<table><caption>LiquidationMap</caption>{rows}</table>"


def liquidation_map(
    positions: PositionBook | None,
    stops: StopBook | None = None,
    price: float | None = None,
    *,
    bucket: float = 0.005,
    range_: float = 0.2,
    as_of: Any = None,
    min_prominence: float = 0.1,
    bar_close: Any = None,
) -> LiquidationMap:
    """Liquidation and stop notional by price bucket around ``price``.

    Dollars are the book's own: for an estimated market's book
    (:func:`liqcascade.market.estimated_market`) they are **feed-scale dollars**, the
    recorded liquidation feed's scale the book was identified on (the Binance feed:
    about 0.45 % of open interest), not the whole market's, as the command line says
    under its tables; :func:`liqcascade.market.book_units` gives the scale.

    Parameters
    ----------
    positions : PositionBook or None
        Leveraged positions (liquidation at ``liq_price``).
    stops : StopBook, optional
        Stop orders (fire at ``trigger``).
    price : float
        Current price ``P``, USD (required).
    bucket : float, default 0.005
        Bucket width, fraction of ``P`` (0.5 %).
    range_ : float, default 0.2
        Half-range, fraction of ``P`` (±20 %); rounded to a whole number of buckets.
    as_of : datetime-like, optional
        Time of the book (labels only).
    min_prominence : float, default 0.1
        Cluster prominence threshold, fraction of the tallest bucket, in [0, 1].
    bar_close : datetime-like, optional
        The close of the bar ``as_of`` opens, when the book is a bar's (labels only:
        the figure's title names the bar by both ends).

    Returns
    -------
    LiquidationMap

    Raises
    ------
    InputError
        Naming the parameter: ``price`` not finite and > 0, ``bucket`` outside
        (0, 0.5], ``range_`` outside (0, 1) or below ``bucket``, ``min_prominence``
        outside [0, 1] (NaN kept every peak, above 1 none).

    Notes
    -----
    In-range bucket totals equal the book's totals within ``P(1 ± range_)`` (bucket
    conventions in the module docstring); the rest is in
    :attr:`LiquidationMap.outside`. Vectorised: one ``np.searchsorted`` on the edges
    and one ``np.bincount`` per book (``benchmarks/bench_maps.py``: 10⁶ positions).
    """
    if price is None:
        raise InputError("price is required (the current price, USD)", param="price")
    price = float(price)
    _check(price, bucket, range_)
    if not (math.isfinite(min_prominence) and 0 <= min_prominence <= 1):
        raise InputError(
            f"min_prominence must be a fraction in [0, 1] of the tallest bucket "
            f"(got {min_prominence})",
            param="min_prominence",
        )
    edges = _edges(price, bucket, range_)
    amounts, out = _bin_all(positions, stops, edges)
    outside: dict[str, float] = {}
    for j, k in enumerate(KINDS):
        outside[f"{k}_below_range"] = float(out[j, 0])
        outside[f"{k}_above_range"] = float(out[j, 1])
    n_unliq = 0
    if positions is not None and len(positions):
        lp = positions.liq_price
        n_unliq = int(np.sum(~(np.isfinite(lp) & (lp > 0))))
    outside["n_positions_unliquidatable"] = float(n_unliq)
    total = amounts.sum(axis=1)
    clusters = find_clusters(edges, total, amounts, price, min_prominence=min_prominence)
    conc = _concentration(positions, stops, amounts, price, bucket, range_, clusters)
    ts = None
    if as_of is not None:
        ts = to_utc(as_of, "as_of")
    return LiquidationMap(
        price=price,
        as_of=ts,
        bucket=float(bucket),
        range_=float(range_),
        edges=edges,
        amounts=amounts,
        clusters=clusters,
        concentration=conc,
        outside=outside,
        _positions=positions,
        _stops=stops,
        bar_close=None if bar_close is None else to_utc(bar_close, "bar_close"),
    )


def _concentration(
    positions: PositionBook | None,
    stops: StopBook | None,
    amounts: FloatArray,
    price: float,
    bucket: float,
    range_: float,
    clusters: list[Cluster],
) -> Concentration:
    """HHI over 0.5 % buckets; share within ±0.5 % of the largest cluster."""
    w = CONCENTRATION_WINDOW
    e05 = _edges(price, w, range_)
    if round(range_ / bucket) == round(range_ / w) and abs(bucket - w) < 1e-15:
        b = amounts.sum(axis=1)
    else:
        b = _bin_all(positions, stops, e05)[0].sum(axis=1)
    tot = float(b.sum())
    hhi = herfindahl(b)
    share, cp = float("nan"), float("nan")
    if clusters and tot > 0:
        cp = float(clusters[0].price)
        lo, hi = max(cp * (1 - w), e05[0]), min(cp * (1 + w), e05[-1])
        near = 0.0
        if positions is not None and len(positions):
            lq = positions.liq_price
            ok = np.isfinite(lq) & (lq > 0)
            short = positions.side == SHORT
            inr = np.where(short, (lq > e05[0]) & (lq <= e05[-1]), (lq >= e05[0]) & (lq < e05[-1]))
            m = ok & inr & (lq >= lo) & (lq <= hi)
            near += float((positions.size[m] * lq[m]).sum())
        if stops is not None and len(stops):
            t = stops.trigger
            buy = stops.side == BUY
            inr = np.where(buy, (t > e05[0]) & (t <= e05[-1]), (t >= e05[0]) & (t < e05[-1]))
            m = inr & (t >= lo) & (t <= hi)
            near += float((stops.size[m] * t[m]).sum())
        share = near / tot
    return Concentration(
        largest_cluster_price=cp,
        share_near_largest_cluster=share,
        hhi=hhi,
        hhi_uniform=1.0 / b.shape[0],
        effective_buckets=1.0 / hhi if hhi == hhi and hhi > 0 else float("nan"),
        total_usd=tot,
    )


# ====================================================================== heatmap
@dataclass(frozen=True, eq=False)
class LiquidationHeatmap(SummaryDict):
    """Forced-order notional on a fixed price grid over time.

    Parameters
    ----------
    times : pandas.DatetimeIndex
        Snapshot times (UTC).
    edges : array of float
        Price-grid edges, USD, geometric (each bucket ``bucket`` wide relative).
    amounts : array of float
        ``(n_times, n_buckets, 4)`` USD notional at the trigger, kinds :data:`KINDS`.
    price : array of float
        Price at each snapshot, USD.
    bucket : float
        Relative bucket width (fraction).
    """

    times: pd.DatetimeIndex
    edges: FloatArray
    amounts: FloatArray
    price: FloatArray
    bucket: float

    @property
    def centres(self) -> FloatArray:
        """Bucket centres (geometric), USD."""
        return np.sqrt(self.edges[:-1] * self.edges[1:])

    def total(self) -> FloatArray:
        """``(n_times, n_buckets)`` all kinds, USD."""
        return np.asarray(self.amounts.sum(axis=2))

    def to_frame(self) -> pd.DataFrame:
        """Long format: ts, price_low, price_high, the four kinds (USD); empty cells dropped."""
        t, b = np.nonzero(self.total() > 0)
        df = pd.DataFrame(self.amounts[t, b, :], columns=list(KINDS))
        df.insert(0, "price_high", self.edges[b + 1])
        df.insert(0, "price_low", self.edges[b])
        df.insert(0, "ts", self.times[t])
        return df

    def summary(self) -> dict[str, Any]:
        """Period, grid size, and the cell with the most notional."""
        tot = self.total()
        out: dict[str, Any] = {
            "start": self.times[0].isoformat() if len(self.times) else None,
            "end": self.times[-1].isoformat() if len(self.times) else None,
            "n_times": len(self.times),
            "n_buckets": int(self.edges.shape[0] - 1),
        }
        if tot.size and tot.max() > 0:
            t, b = (int(i) for i in np.unravel_index(int(np.argmax(tot)), tot.shape))
            out["peak_ts"] = self.times[t].isoformat()
            out["peak_price"] = float(self.centres[b])
            out["peak_usd"] = float(tot[t, b])
        return out

    def plot(self, max_cells: int = 400_000, asset: str = "") -> Any:
        """Price × time heatmap of forced-order notional with the price line (plotly).

        Parameters
        ----------
        max_cells : int, default 400_000
            Cap on drawn cells: every k-th snapshot is kept so that times × buckets stays
            under it.
        asset : str, default ""
            The heatmap's asset, named first in the title; ``""``: the title names none.

        Returns
        -------
        plotly.graph_objects.Figure
        """
        import plotly.graph_objects as go

        z = self.total() / 1e6
        step = max(1, int(np.ceil(z.size / max_cells)))
        t_idx = np.arange(0, z.shape[0], step)
        nz = z[z > 0]
        zmax = float(np.quantile(nz, 0.99)) if nz.size else None  # a few cells would wash out
        fig = go.Figure()
        fig.add_trace(
            go.Heatmap(
                x=self.times[t_idx],
                y=self.centres,
                z=z[t_idx].T,
                colorscale="Viridis",
                colorbar={"title": "M USD"},
                zmin=0.0,
                zmax=zmax,
                name="forced orders",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=self.times[t_idx],
                y=self.price[t_idx],
                name="price",
                line={"color": "white", "width": 1.5},
            )
        )
        fig.update_layout(
            title=_titled(asset, "liquidation + stop heatmap (estimated book, USD at trigger)"),
            yaxis_title="price (USD)",
            height=520,
            margin={"t": 50, "l": 60, "r": 20, "b": 40},
        )
        return fig

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in s.items()
        )
        return f"<table><caption>LiquidationHeatmap</caption>{rows}</table>"


def heatmap_from_books(
    snapshots: Iterable[tuple[Any, PositionBook, StopBook | None, float]],
    *,
    bucket: float = 0.005,
    range_: float = 0.2,
) -> LiquidationHeatmap:
    """A heatmap from ``(ts, positions, stops, price)`` snapshots.

    The price grid is geometric with ratio ``1 + bucket`` from ``min(price)·(1−range_)``
    to ``max(price)·(1+range_)``; each snapshot is binned on it with the map's bucket
    conventions (notional outside it is left out).

    Parameters
    ----------
    snapshots : iterable of (timestamp, PositionBook, StopBook or None, float)
        Snapshot time (naive values read as UTC), positions, stops and the price at
        that time (USD).
    bucket : float, default 0.005
        Relative bucket width, fraction (0.005 is 0.5 %).
    range_ : float, default 0.2
        Grid margin below the lowest and above the highest snapshot price, fraction.

    Returns
    -------
    LiquidationHeatmap

    Raises
    ------
    InputError
        If ``snapshots`` is empty (``param="snapshots"``).
    """
    snaps = list(snapshots)
    if not snaps:
        raise InputError("snapshots: no snapshot to draw", param="snapshots")
    prices = np.array([float(s[3]) for s in snaps])
    lo = prices.min() * (1 - range_)
    hi = prices.max() * (1 + range_)
    n = int(np.ceil(np.log(hi / lo) / np.log1p(bucket)))
    edges = lo * (1.0 + bucket) ** np.arange(n + 1)
    amounts = np.zeros((len(snaps), n, len(KINDS)))
    for t, (_, book, st, _) in enumerate(snaps):
        amounts[t] = _bin_all(book, st, edges)[0]
    times = utc_index([pd.Timestamp(s[0]) for s in snaps])
    return LiquidationHeatmap(
        times=times, edges=edges, amounts=amounts, price=prices, bucket=bucket
    )
