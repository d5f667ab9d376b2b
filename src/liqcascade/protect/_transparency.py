"""Transparency metrics: daily leverage, stop density, concentration, distance to cascade.

Computed once a day (20:00 UTC bar) over the derivatives period (bundled open interest
2024-11-22 → 2025-07-31), for any asset in the store or bundled (ETH, BTC), from the
market's book of that day (the identified book :func:`liqcascade.market.estimated_market`
holds then, from :func:`liqcascade.market.market_books`: one walk per monthly fit), its
modelled stops, its liquidation map and one cascade on the market's depth per day:

- ``leverage_ratio``: aggregated open interest (USD) / that day's Binance spot
  traded value of the asset (USD, Σ hourly volume × close). Market capitalisation and
  exchange reserves are not bundled; spot traded value is the market-size measure
  the data allow (a ratio > 1 means more open leverage than a day of spot turnover).
- ``mean_leverage``, ``share_25x``: notional-weighted mean leverage of the estimated
  book (before the stops take their share) and the share of its notional at 25× or more.
- ``stop_density``: modelled stop notional (both sides) with triggers within ±2 % of
  price, divided by the estimated book's notional (same scale as the stops).
- ``liq_hhi``: Herfindahl index of the liquidation map over 0.5 % buckets (±20 %).
- ``distance_to_cascade``: magnitude of the critical shock (smallest initial fall whose
  cascade carries price 10 % down, :func:`liqcascade.cascade.critical_shock`), fraction.

Early warning: every metric is oriented so that larger = riskier (the distance to
cascade enters negated, as ``fragility``); Spearman's rank correlation of the metric
on day ``t`` with the recorded liquidations (long + short, CoinGlass) on day ``t+1``,
and the top-decile precision: the share of days in the metric's top decile whose next
day is a top-decile liquidation day, against the 10 % base rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from liqcascade._json import SummaryDict
from liqcascade._limits import check_level, real_array
from liqcascade._tables import check_numeric, number_series
from liqcascade._time import to_utc, utc_indexed
from liqcascade.errors import InputError

__all__ = [
    "METRICS",
    "TransparencyMetrics",
    "early_warning",
    "rankdata_avg",
    "spearman",
    "top_decile_precision",
    "transparency_metrics",
]

#: Metric columns and their orientation (+1: larger is riskier).
METRICS: dict[str, int] = {
    "leverage_ratio": 1,
    "mean_leverage": 1,
    "share_25x": 1,
    "stop_density": 1,
    "liq_hhi": 1,
    "distance_to_cascade": -1,
}


def rankdata_avg(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), np.float64)
    xs = x[order]
    i = 0
    n = len(x)
    while i < n:
        j = i
        while j + 1 < n and xs[j + 1] == xs[i]:
            j += 1
        ranks[order[i : j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation (Pearson on average ranks); NaN pairs dropped.

    Parameters
    ----------
    a, b : array of float
        Paired values, any units; pairs with a non-finite value are dropped.

    Returns
    -------
    float
        Rank correlation in [-1, 1]; NaN with fewer than 3 pairs or a constant side.

    Raises
    ------
    InputError
        If ``a`` and ``b`` differ in shape (numpy's broadcast error before), or either
        is not a one-dimensional array of numbers (text raised numpy's ValueError, a
        table or a scalar gave NaN).
    """
    a = real_array(a, "a", finite=False)
    b = real_array(b, "b", finite=False)
    if a.shape != b.shape:
        raise InputError(
            f"a and b must be paired: the same shape (got {a.shape} and {b.shape})",
            param=("a", "b"),
        )
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return float("nan")
    ra, rb = rankdata_avg(a[ok]), rankdata_avg(b[ok])
    ra -= ra.mean()
    rb -= rb.mean()
    den = math.sqrt(float((ra * ra).sum() * (rb * rb).sum()))
    return float((ra * rb).sum() / den) if den > 0 else float("nan")


def top_decile_precision(
    metric: np.ndarray, target: np.ndarray, q: float = 0.9
) -> tuple[float, int]:
    """Share of the metric's top-decile days whose target is in its top decile, and count.

    Top decile: values ``>=`` the ``q`` quantile (linear interpolation) over the valid
    pairs.

    Parameters
    ----------
    metric : array of float
        The signal per day (higher is the warning).
    target : array of float
        The outcome per day (e.g. next-day liquidations, USD); pairs with a
        non-finite value are dropped.
    q : float, default 0.9
        Quantile defining the top group, fraction (0.9 is the top decile).

    Returns
    -------
    (float, int)
        Precision (share of the metric's top days whose target is in its top group,
        fraction; NaN without such days) and the number of the metric's top days.

    Raises
    ------
    InputError
        ``q`` not a fraction in (0, 1) (numpy's ValueError before); ``metric`` and
        ``target`` of different shapes, or not one-dimensional arrays of numbers.
    """
    q = check_level(q, "q")
    m = real_array(metric, "metric", finite=False)
    t = real_array(target, "target", finite=False)
    if m.shape != t.shape:
        raise InputError(
            f"metric and target must be paired: the same shape (got {m.shape} and {t.shape})",
            param=("metric", "target"),
        )
    ok = np.isfinite(m) & np.isfinite(t)
    m, t = m[ok], t[ok]
    if len(m) == 0:
        return float("nan"), 0
    hm = m >= np.quantile(m, q)
    ht = t >= np.quantile(t, q)
    n = int(hm.sum())
    return (float((hm & ht).sum() / n) if n else float("nan")), n


def early_warning(frame: pd.DataFrame, liquidations: pd.Series) -> pd.DataFrame:
    """Early-warning table: each metric at ``t`` against liquidations on ``t+1``.

    Parameters
    ----------
    frame : DataFrame
        Daily rows (UTC day index) with the :data:`METRICS` columns (missing ones are
        skipped).
    liquidations : Series
        Recorded liquidations per day, USD, on the same index.

    Returns
    -------
    DataFrame
        One row per metric: ``metric``, ``orientation``, ``spearman``, ``p_value``
        (scipy's two-sided test), ``top_decile_days``, ``precision``, ``base_rate``
        (share of top-decile liquidation days, ≈ 0.10), ``lift`` (precision / base rate),
        ``binom_p`` (one-sided binomial test of precision > base rate).
    """
    from scipy import stats

    check_numeric(frame, tuple(METRICS), "frame", param="frame")
    frame = utc_indexed(frame)  # naive indexes are UTC (the two are aligned on them)
    liquidations = number_series(liquidations, "liquidations")
    liq = liquidations.reindex(frame.index)
    nxt = liq.shift(-1).to_numpy(np.float64)
    ok_t = np.isfinite(nxt)
    base = float(np.mean(nxt[ok_t] >= np.quantile(nxt[ok_t], 0.9))) if ok_t.any() else math.nan
    rows = []
    for col, sgn in METRICS.items():
        if col not in frame:
            continue
        m = sgn * frame[col].to_numpy(np.float64)
        rho = spearman(m, nxt)
        ok = np.isfinite(m) & np.isfinite(nxt)
        p = float(stats.spearmanr(m[ok], nxt[ok]).pvalue) if ok.sum() >= 3 else math.nan
        prec, n = top_decile_precision(m, nxt)
        hits = round(prec * n) if n else 0
        bp = (
            float(stats.binomtest(hits, n, base, alternative="greater").pvalue)
            if n and base == base
            else math.nan
        )
        rows.append(
            {
                "metric": col if sgn > 0 else "fragility (−distance_to_cascade)",
                "orientation": sgn,
                "spearman": rho,
                "p_value": p,
                "top_decile_days": n,
                "precision": prec,
                "base_rate": base,
                "lift": prec / base if base and base == base else math.nan,
                "binom_p": bp,
            }
        )
    return pd.DataFrame(rows)


@dataclass
class TransparencyMetrics(SummaryDict):
    """Result of :func:`transparency_metrics`.

    Attributes
    ----------
    frame : DataFrame
        Daily: ``price`` (USD), ``oi_usd``, ``spot_value_usd``, the :data:`METRICS`
        columns, ``liquidations_usd`` (recorded that day).
    warning : DataFrame
        :func:`early_warning` of the frame.
    meta : dict
        ``asset``, ``hour`` (UTC hour of the daily snapshot) and ``total_move`` (the
        fall defining the distance to cascade, fraction).
    """

    frame: pd.DataFrame
    warning: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Period, last values, means and the early-warning table."""
        f = self.frame
        return {
            "first": f.index[0].isoformat(),
            "last": f.index[-1].isoformat(),
            "days": len(f),
            "last_values": {c: float(f[c].iloc[-1]) for c in METRICS},
            "means": {c: float(f[c].mean()) for c in METRICS},
            "early_warning": self.warning.to_dict(orient="records"),
            "asset": self.meta.get("asset", "ETH"),
            "denominator": f"Binance spot {self.meta.get('asset', 'ETH')}USDT daily traded "
            "value (USD)",
        }

    def to_frame(self) -> pd.DataFrame:
        """The daily series."""
        return self.frame.copy()

    def plot(self) -> go.Figure:
        """The daily metric series (one panel each) with the recorded liquidations."""
        cols = [*METRICS, "liquidations_usd"]
        fig = make_subplots(rows=len(cols), cols=1, shared_xaxes=True, subplot_titles=cols)
        for i, c in enumerate(cols, start=1):
            y = self.frame[c] / (1e6 if c == "liquidations_usd" else 1.0)
            fig.add_scatter(x=self.frame.index, y=y, mode="lines", name=c, row=i, col=1)
        fig.update_layout(
            height=170 * len(cols), showlegend=False, title="Transparency metrics, daily"
        )
        return fig

    def _repr_html_(self) -> str:
        return str(self.warning.to_html(index=False, float_format=lambda v: f"{v:.3g}"))


def _leverage(book: Any) -> tuple[float, float]:
    lev = book.size * book.entry_price / np.maximum(book.margin, 1e-12)
    w = book.size * book.entry_price
    tot = float(w.sum())
    if tot <= 0:
        return math.nan, math.nan
    return float((lev * w).sum() / tot), float(w[lev >= 25.0 - 1e-9].sum() / tot)


def transparency_metrics(
    start: Any = None,
    end: Any = None,
    *,
    asset: str = "ETH",
    hour: int = 20,
    total_move: float = -0.10,
    params: Any = None,
    on_step: Any = None,
    store: Any = None,
    books: Callable[[pd.DatetimeIndex], Sequence[Any]] | None = None,
) -> TransparencyMetrics:
    """Daily transparency metrics over the derivatives period (module docstring).

    Parameters
    ----------
    start, end : datetime-like, optional
        Range (UTC); default the whole open-interest period.
    asset : str, default "ETH"
        Any asset whose open interest, hourly prices, book totals and liquidations are in
        ``store`` or bundled (ETH, BTC), and whose position-book calibration is the
        store's or shipped: its own market's book, prices and liquidations.
    hour : int, default 20
        Hour (UTC) of the daily snapshot (the last 4-hour bar of the day).
    total_move : float, default -0.10
        Fall defining the distance to cascade.
    params : BookParams or AssetCalibration, optional
        The identified book's parameters (default: the asset's shipped calibration,
        each month's fit trained before it).
    on_step : callable, optional
        Progress callback, called with 1 per day.
    store : str, Path, Store, bool, optional
        Where the series are read (:func:`liqcascade.data.load_series`): ``None`` the
        default store if it exists, ``False`` the bundled data only.
    books : callable, optional
        ``books(days)``: the asset's default market's book at each of ``days``, as
        :func:`liqcascade.market.market_books` gives them, for a caller that already
        holds some (the report shares them with its liquidation map). Not with
        ``params`` or ``store``.

    Returns
    -------
    TransparencyMetrics
    """
    from liqcascade.cascade import critical_shock, prepare_cascade
    from liqcascade.data import load_series
    from liqcascade.market import MarketSpec, load_market_inputs, market_books
    from liqcascade.positions import liquidation_map

    asset = str(asset).upper()
    if books is not None and (params is not None or store is not None):
        raise InputError("books: give the books or the market's params and store, not both",
                         param="books")  # fmt: skip
    inputs = load_market_inputs(asset, store=store)
    oi = inputs.open_interest
    first = oi.index[0].floor("1D")
    last = oi.index[-1]
    s = first if start is None else to_utc(start, "start")
    e = last if end is None else to_utc(end, "end")
    s, e = max(s, first), min(e + pd.Timedelta(hours=23), last)
    days = pd.date_range(s.floor("1D") + pd.Timedelta(hours=hour), e, freq="1D")
    days = days[days >= oi.index[0]]
    if len(days) < 2:
        raise InputError(
            "fewer than 2 days inside the open-interest period", param=("start", "end")
        )
    spec = MarketSpec(asset=asset, params=params, store=store)
    mbs = market_books(days, spec=spec, inputs=inputs) if books is None else books(days)
    h = inputs.prices
    spot = (h["volume"] * h["close"]).resample("1D").sum()
    liq = load_series("liquidations", asset=asset, interval="4h", store=store)
    liq_d = (liq["long_usd"] + liq["short_usd"]).resample("1D").sum()
    rows = []
    oi_ts, oi_val = pd.DatetimeIndex(oi.index), oi["oi_usd"].to_numpy(np.float64)
    for t, mb in zip(days, mbs, strict=True):
        price = mb.price
        oi_usd = float(oi_val[np.flatnonzero(oi_ts <= t)[-1]])  # the last bar opened by t
        stops = mb.stops
        lm = liquidation_map(mb.positions, stops, price)
        near = np.abs(stops.trigger / price - 1.0) <= 0.02
        stop_near = float((stops.size[near] * stops.trigger[near]).sum())
        book_usd = float((mb.whole.size * price).sum())
        mlev, s25 = _leverage(mb.whole)
        pm = prepare_cascade(mb.depth, mb.positions, stops)
        cs = critical_shock(pm, total_move=total_move, grid=60, tol=1e-4)
        sv = float(spot.get(t.floor("1D"), math.nan))
        rows.append(
            {
                "ts": t,
                "price": price,
                "oi_usd": oi_usd,
                "spot_value_usd": sv,
                "leverage_ratio": oi_usd / sv if sv > 0 else math.nan,
                "mean_leverage": mlev,
                "share_25x": s25,
                "stop_density": stop_near / book_usd if book_usd > 0 else math.nan,
                "liq_hhi": lm.concentration.hhi,
                "distance_to_cascade": abs(float(cs.shock)),
                "liquidations_usd": float(liq_d.get(t.floor("1D"), math.nan)),
            }
        )
        if on_step is not None:
            on_step(1)
    frame = pd.DataFrame(rows).set_index("ts")
    frame.index = pd.DatetimeIndex(frame.index).floor("1D")
    frame.index.name = "ts"
    warn = early_warning(frame, liq_d.reindex(frame.index))
    return TransparencyMetrics(
        frame=frame,
        warning=warn,
        meta={"total_move": total_move, "hour": hour, "asset": asset},
    )
