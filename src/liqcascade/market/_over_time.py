"""The market's book at many dates, from one walk per calibration month.

:func:`market_books` gives, for each date, the positions and modelled stops that
:func:`liqcascade.market.estimated_market` builds at that date (the identified book of
issue 14, sized to the venue, its stops modelled on the bars up to the date), without
rebuilding the market each time: the inputs are loaded once, the book walks the bars
once per expanding-window fit (a month uses the latest fit trained before it, so a
90-day span walks three or four times, :func:`liqcascade.positions._incremental.snapshots`)
and only the stops are modelled per date. The tests hold every date equal to
``estimated_market`` at that date.

:func:`market_heatmap` bins those books on one price grid
(:func:`liqcascade.positions.heatmap_from_books`): the heatmap of ``liqmap --out`` and
of the report, for ETH and BTC alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._time import to_utc
from liqcascade.book import OrderBook, beta_path, book_from_totals, book_totals_each
from liqcascade.errors import InputError
from liqcascade.margin import contract_symbol
from liqcascade.market._inputs import MarketInputs, closed_by, load_market_inputs, ohlc_bars
from liqcascade.market._params import BINANCE_BOOK_SHARE
from liqcascade.market._state import (
    _BAR,
    _HOUR,
    MarketSpec,
    _frames,
    _identified_fit,
    _is_legacy,
    _relabel,
    venue_scale,
)
from liqcascade.positions import PositionBook, StopBook

__all__ = ["MarketBook", "market_books", "market_heatmap"]

#: Bars the stop model reads when every position is placed at the date: its swing
#: lookback (42 bars) and a Wilder ATR whose start is forgotten (a weight of
#: ``(13/14)**1200``, 1e-39, on the first bar): the same stops as the whole history.
_STOP_BARS: int = 1200


@dataclass(frozen=True, eq=False)
class MarketBook:
    """The market's book at one date (what ``estimated_market`` holds there).

    Attributes
    ----------
    as_of : pandas.Timestamp
        Label (open time, UTC) of the last 4-hour bar the book has seen.
    price : float
        The hourly close when that bar closed, USD (the market's mid).
    whole : PositionBook
        The venue-sized book before the stops take their share.
    positions : PositionBook
        What the stops leave to liquidation.
    stops : StopBook
        The modelled stops.
    depth : OrderBook
        The calibrated depth around ``price`` (the market's ``book``: the all-venue
        totals of the bar closed by then, scaled by the venue's share).
    modelled : ModelledStops or None
        The stop model's detail (each stop's component and parent position); None
        without stops.
    """

    as_of: pd.Timestamp
    price: float
    whole: PositionBook
    positions: PositionBook
    stops: StopBook
    depth: OrderBook
    modelled: Any = None


def _labels(times: Iterable[Any], index: pd.DatetimeIndex) -> list[pd.Timestamp]:
    """The bar of ``index`` opened at or before each time (UTC), dates before it dropped."""
    out = []
    for t in times:
        ts = to_utc(t, "times", required=True)
        i = int(index.searchsorted(ts, side="right")) - 1
        if i >= 0:
            out.append(pd.Timestamp(index[i]))
    return out


def market_books(
    times: Iterable[Any],
    *,
    asset: str = "ETH",
    spec: MarketSpec | None = None,
    inputs: MarketInputs | None = None,
    on_step: Callable[[int], None] | None = None,
) -> list[MarketBook]:
    """The market's book at each of ``times`` (bar labels: the book after that bar).

    Parameters
    ----------
    times : iterable of datetime-like
        Dates (UTC). Each is read as the label of the 4-hour bar opened at or before it
        (the market's ``as_of`` of that bar); dates before the first bar are left out
        and repeated bars are kept once.
    asset : str, default "ETH"
        Bundled asset (ETH, BTC), when ``spec`` is not given.
    spec : MarketSpec, optional
        Venue, share, sizing, calibration file and stops of the market (its ``as_of``
        is ignored). The identified book only (``book_model="legacy"`` is refused).
    inputs : MarketInputs, optional
        Already loaded inputs of the asset (default :func:`load_market_inputs`).
    on_step : callable, optional
        Progress callback, called with 1 per date.

    Returns
    -------
    list of MarketBook
        In time order.
    """
    from liqcascade.positions import PriceBars, model_stops_detailed, snapshots

    spec = MarketSpec(asset=asset) if spec is None else spec
    if _is_legacy(spec):
        raise InputError(
            "book_model: the book over time is the identified book only", param="book_model"
        )
    if inputs is None:
        inputs = load_market_inputs(spec.asset, store=spec.store)
    if spec.params is None:  # read the calibration file once, not once per date
        from liqcascade.positions import load_asset_calibration

        cal = load_asset_calibration(inputs.asset, spec.calibration, store=spec.store)
        spec = replace(spec, params=cal, calibration=None)
    oi_all = inputs.open_interest
    labels = sorted(set(_labels(times, pd.DatetimeIndex(oi_all.index))))
    if not labels:
        raise InputError(
            f"times: no {inputs.asset} open interest at or before these dates", param="times"
        )
    last = labels[-1]
    hourly = closed_by(inputs.prices, last + _BAR, _HOUR)
    bars_all = ohlc_bars(hourly, "4h")
    share = BINANCE_BOOK_SHARE if spec.share is None else float(spec.share)
    depth_scale = share if spec.depth_scale is None else float(spec.depth_scale)
    symbol = contract_symbol(inputs.asset)
    groups: dict[Any, tuple[Any, list[pd.Timestamp]]] = {}
    for lab in labels:  # one walk per fitted parameter set (per fit, not per date)
        params, fit, _, _ = _identified_fit(spec, inputs.asset, lab)
        key = (fit.fit_start, fit.fit_end) if fit is not None else "given"
        groups.setdefault(key, (params, []))[1].append(lab)
    whole: dict[pd.Timestamp, PositionBook] = {}
    for params, labs in groups.values():
        top = labs[-1]
        frames = _frames(inputs, oi_all[oi_all.index <= top], bars_all[bars_all.index <= top], top)
        v = venue_scale(spec, params, share)
        for lab, book in snapshots(frames, params, labs, venue_share=v, symbol=symbol).items():
            whole[lab] = _relabel(book, spec.venue, symbol)
    out = []
    # the depth exponent of each date: the book-totals bars closed by then
    betas = beta_path(inputs.asset, inputs.book_totals, [lab + _BAR for lab in labels])
    # read once, cut per date (arrays and positional slices: no frame copied per date)
    h_close, h_ts = hourly["close"].to_numpy(np.float64), pd.DatetimeIndex(hourly.index)
    bar_ts = pd.DatetimeIndex(bars_all.index)  # sorted: resampled bars
    chart = PriceBars.of(bars_all) if spec.with_stops else None  # checked once, cut per date
    rows = book_totals_each(inputs.book_totals, [lab + _BAR for lab in labels])
    for lab, beta, row in zip(labels, betas, rows, strict=True):
        book = whole[lab]
        mid = float(h_close[np.asarray(h_ts < lab + _BAR)][-1])
        if spec.with_stops:
            n = int(bar_ts.searchsorted(lab, side="right"))  # the bars up to lab
            # every stop placed on the chart at the date: the last _STOP_BARS bars do
            first = max(0, n - _STOP_BARS) if (book.opened_ms < 0).all() else 0
            assert chart is not None
            ms = model_stops_detailed(book, chart.bars(first, n), as_of=lab)
            assert ms.positions is not None
            pos, st = ms.positions, ms.stops
        else:
            ms, pos, st = None, book, StopBook.empty()
        depth = book_from_totals(row, mid, beta=beta, scale=depth_scale)
        out.append(MarketBook(lab, mid, book, pos, st, depth, ms))
        if on_step is not None:
            on_step(1)
    return out


def market_heatmap(
    start: Any,
    end: Any,
    *,
    asset: str = "ETH",
    freq: str = "1D",
    bucket: float = 0.005,
    range_: float = 0.2,
    spec: MarketSpec | None = None,
    inputs: MarketInputs | None = None,
) -> Any:
    """Price × time heatmap of the market's book (positions and modelled stops).

    The book of :func:`market_books` at every ``freq`` step back from ``end`` to
    ``start`` (each step the bar opened at or before it), binned on one geometric
    price grid (:func:`liqcascade.positions.heatmap_from_books`): long and short
    liquidations at their liquidation prices, stops at their triggers (USD).

    Parameters
    ----------
    start, end : datetime-like
        Period (UTC, inclusive); ``start`` is moved to the first bar if before it.
    asset : str, default "ETH"
    freq : str, default "1D"
        Snapshot spacing (pandas offset), > 0.
    bucket, range_ : float
        Relative bucket width and half-range around the period's price range.
    spec, inputs
        See :func:`market_books`.

    Returns
    -------
    LiquidationHeatmap
    """
    from liqcascade.positions import heatmap_from_books

    s = to_utc(start, "start", required=True)  # before the data load
    e = to_utc(end, "end", required=True)
    spec = MarketSpec(asset=asset) if spec is None else spec
    if inputs is None:
        inputs = load_market_inputs(spec.asset, store=spec.store)
    try:
        step = pd.Timedelta(freq)
    except ValueError:
        raise InputError(f"freq: not a duration: {freq!r}", param="freq") from None
    if not step > pd.Timedelta(0):
        raise InputError(f"freq must be a positive duration (got {freq!r})", param="freq")
    s = max(s, pd.Timestamp(inputs.open_interest.index[0]))
    if e < s:
        raise InputError(
            f"end {e.isoformat()} is before start {s.isoformat()} (or the first "
            f"{inputs.asset} open interest)",
            param=("start", "end"),
        )
    n = int((e - s) / step)
    times = [e - i * step for i in range(n, -1, -1)]  # anchored at the end
    books = market_books(times, spec=spec, inputs=inputs)
    rows = [(b.as_of, b.positions, b.stops, b.price) for b in books]
    return heatmap_from_books(rows, bucket=bucket, range_=range_)
