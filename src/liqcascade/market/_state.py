"""``MarketSpec -> estimated_market() -> MarketState``: the estimated market of an asset at a date.

One recipe, one date rule and one set of calibrated constants for every command and
report section that needs "the market at a date":

1. the inputs are loaded through :func:`liqcascade.data.load_series`
   (file -> store -> bundled; :func:`load_market_inputs`);
2. ``as_of`` is resolved once (:func:`liqcascade._time.resolve_as_of`) to the last
   4-hour open-interest bar closed at or before it; the market stands at that bar's
   close (``close_time``) and no bar closing later is read;
3. positions are estimated with the calibrated parameters
   (``positions/calibrated_params.json``), sized to the venue's share of open interest;
   stops are modelled on the 4-hour bars; the order book is the all-venue CoinGlass
   depth of the last totals bar closed by then, times the venue's share, with the
   calibrated exponent β (``book/depth_calibration.json``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from liqcascade._time import resolve_as_of
from liqcascade.book._calibrate import (
    DEPTH_CALIBRATION_FILE,
    book_from_totals,
    book_totals_at,
    depth_beta,
)
from liqcascade.book._orderbook import OrderBook
from liqcascade.errors import InputError
from liqcascade.market._inputs import MarketInputs, closed_by, load_market_inputs, ohlc_bars
from liqcascade.market._params import BINANCE_BOOK_SHARE, MARKET_PARAMS_FILE
from liqcascade.positions._book import PositionBook, StopBook

if TYPE_CHECKING:
    from liqcascade.cascade._config import CascadeConfig
    from liqcascade.cascade._prepare import PreparedMarket

__all__ = ["MarketSpec", "MarketState", "estimated_market"]

_BAR = pd.Timedelta(hours=4)
_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class MarketSpec:
    """What market to estimate: an asset, a date and a venue's share of it.

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset (bundled: ETH, BTC).
    as_of : date, datetime, Timestamp or str, optional
        The date (UTC). A bare date is the close of that day's last bar; default the
        last bar of the open interest (bundled: 2025-07-31 20:00, closing 24:00).
    venue : str, default "binance"
        Venue the positions are attributed to (the estimate is calibrated to
        Binance's recorded liquidations).
    share : float, optional
        The venue's share of aggregated open interest, in (0, 1]. The estimated book
        is calibrated to Binance, taken to hold :data:`BINANCE_BOOK_SHARE` (0.25) of
        it, so positions are scaled by ``share / 0.25`` and the all-venue depth by
        ``share``. Default 0.25 (Binance itself).
    depth_scale : float, optional
        Multiplies the all-venue depth instead of ``share`` (1.0: every venue's depth
        reachable at once through arbitrage). > 0.
    params : EstimationParams, optional
        Position-estimation parameters; default the shipped calibration.
    store : str, Path or bool, optional
        Where to look for the series (:func:`liqcascade.data.load_series`): ``None``
        the default store if it exists, ``False`` the bundled data only.
    with_stops : bool, default True
        Model the crowd's stops (else an empty stop book).
    """

    asset: str = "ETH"
    as_of: Any = None
    venue: str = "binance"
    share: float | None = None
    depth_scale: float | None = None
    params: Any = None
    store: str | Path | bool | None = None
    with_stops: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.asset, str) or not self.asset.strip():
            raise InputError(f"--asset: not an asset name: {self.asset!r}")
        if self.share is not None and not (math.isfinite(self.share) and 0 < self.share <= 1):
            raise InputError(f"--oi-share must be in (0, 1] (got {self.share})")
        if self.depth_scale is not None and not (
            math.isfinite(self.depth_scale) and self.depth_scale > 0
        ):
            raise InputError(f"book scale must be > 0 (got {self.depth_scale})")


@dataclass(frozen=True, eq=False)
class MarketState:
    """The estimated market of one asset at one date, with where every part came from.

    Attributes
    ----------
    book : OrderBook
        The venue's order book (all-venue depth × ``depth_scale``), centred on ``mid``.
    positions : PositionBook
        Estimated open positions, sized to the venue.
    stops : StopBook
        Modelled stops of those positions.
    mid : float
        Hourly close at ``close_time``, USD.
    as_of : pandas.Timestamp
        Open time (UTC) of the 4-hour open-interest bar the market stands on.
    asset : str
    venue : str
    close_time : pandas.Timestamp
        When that bar closed: nothing after it was read.
    open_interest_usd : float
        Aggregated open interest at ``close_time``, USD.
    share, depth_scale, beta : float
        The venue's share of open interest, the depth multiplier and the depth exponent.
    params : EstimationParams
        Position-estimation parameters used.
    depth_1pct_usd : tuple of float
        All-venue bid and ask notional within 1 % of mid (unscaled), USD.
    sources : dict
        Input series and calibration files -> where they came from.
    """

    book: OrderBook
    positions: PositionBook
    stops: StopBook
    mid: float
    as_of: pd.Timestamp
    asset: str = "ETH"
    venue: str = "binance"
    close_time: pd.Timestamp | None = None
    open_interest_usd: float = float("nan")
    share: float = BINANCE_BOOK_SHARE
    depth_scale: float = BINANCE_BOOK_SHARE
    beta: float = float("nan")
    params: Any = None
    depth_1pct_usd: tuple[float, float] = (float("nan"), float("nan"))
    sources: dict[str, str] = field(default_factory=dict)

    def prepare(self, config: CascadeConfig | None = None) -> PreparedMarket:
        """The state sorted for repeated cascades (:func:`liqcascade.cascade.prepare_cascade`)."""
        from liqcascade.cascade._config import CascadeConfig
        from liqcascade.cascade._prepare import prepare_cascade

        cfg = config or CascadeConfig()
        thr = cfg.partial_threshold_usd if cfg.partial_liquidation else None
        return prepare_cascade(self.book, self.positions, self.stops, partial_threshold_usd=thr)

    def recentred_book(self, mid: float, scale: float | None = None) -> OrderBook:
        """The same calibrated depth centred on another ``mid`` (USD), times ``scale``.

        ``scale`` defaults to this state's ``depth_scale``.
        """
        s = self.depth_scale if scale is None else scale
        bid, ask = self.depth_1pct_usd
        if not (math.isfinite(bid) and math.isfinite(ask)):  # a state built by hand
            bid = self.book.notional_within(0.01, "bid") / self.depth_scale
            ask = self.book.notional_within(0.01, "ask") / self.depth_scale
        beta = self.beta if math.isfinite(self.beta) else depth_beta(self.asset)
        return book_from_totals({"bids_usd": bid, "asks_usd": ask}, mid, beta=beta, scale=s)

    def summary(self) -> dict[str, Any]:
        """Date, mid, counts and notionals of positions and stops, book depth at 1 %."""
        lo = self.positions.side == 1
        notional = self.positions.size * self.mid
        sell = self.stops.side == -1
        snot = self.stops.size * self.stops.trigger
        return {
            "as_of": self.as_of.isoformat(),
            "mid": self.mid,
            "n_positions": len(self.positions),
            "long_notional_usd": float(notional[lo].sum()),
            "short_notional_usd": float(notional[~lo].sum()),
            "n_stops": len(self.stops),
            "sell_stops_usd": float(snot[sell].sum()),
            "buy_stops_usd": float(snot[~sell].sum()),
            "bid_depth_1pct_usd": self.book.notional_within(0.01, "bid"),
            "ask_depth_1pct_usd": self.book.notional_within(0.01, "ask"),
        }

    def fingerprint(self) -> dict[str, Any]:
        """What identifies this market (the ``market`` key of the commands' JSON).

        Asset, venue, bar, close time, mid, open interest, the positions' and stops'
        notionals, the unscaled depth, the sizing and the sources.
        """
        s = self.summary()
        return {
            "asset": self.asset,
            "venue": self.venue,
            "as_of": s["as_of"],
            "close_time": None if self.close_time is None else self.close_time.isoformat(),
            "mid": self.mid,
            "open_interest_usd": self.open_interest_usd,
            "n_positions": s["n_positions"],
            "long_notional_usd": s["long_notional_usd"] / self._position_factor(),
            "short_notional_usd": s["short_notional_usd"] / self._position_factor(),
            "n_stops": s["n_stops"],
            "sell_stops_usd": s["sell_stops_usd"] / self._position_factor(),
            "buy_stops_usd": s["buy_stops_usd"] / self._position_factor(),
            "all_venue_bid_1pct_usd": self.depth_1pct_usd[0],
            "all_venue_ask_1pct_usd": self.depth_1pct_usd[1],
            "share": self.share,
            "depth_scale": self.depth_scale,
            "beta": self.beta,
            "sources": dict(self.sources),
        }

    def _position_factor(self) -> float:
        return self.share / BINANCE_BOOK_SHARE


def _params(spec: MarketSpec) -> tuple[Any, str]:
    if spec.params is not None:
        return spec.params, "given"
    from liqcascade.positions._calibrate import load_calibrated

    res = load_calibrated()
    return res.params, "package:liqcascade/positions/calibrated_params.json"


def _resolve(spec: MarketSpec, oi: pd.DataFrame) -> pd.Timestamp:
    idx = pd.DatetimeIndex(oi.index)
    label = resolve_as_of(spec.as_of, idx, _BAR)
    if spec.as_of is not None:
        from liqcascade._time import as_of_instant

        instant = as_of_instant(spec.as_of)
        last_close = idx[-1] + _BAR
        if instant > last_close + pd.Timedelta(days=1):
            raise InputError(
                f"--as-of {instant:%Y-%m-%d %H:%M}: the {spec.asset.upper()} open interest "
                f"ends {idx[-1]:%Y-%m-%d %H:%M} UTC"
            )
    return label


def estimated_market(spec: MarketSpec | None = None, **kw: Any) -> MarketState:
    """The estimated market of ``spec`` (or of ``MarketSpec(**kw)``).

    Parameters
    ----------
    spec : MarketSpec, optional
        What to estimate; keyword arguments build one when it is not given.

    Returns
    -------
    MarketState

    Raises
    ------
    InputError
        If the data do not cover the asset or the date (the message names the option).

    Examples
    --------
    >>> from liqcascade.market import MarketSpec, estimated_market
    >>> m = estimated_market(MarketSpec("ETH", "2025-07-31"))
    >>> str(m.as_of), round(m.mid)
    ('2025-07-31 20:00:00+00:00', 3698)
    """
    if spec is None:
        spec = MarketSpec(**kw)
    elif kw:
        raise TypeError("give a MarketSpec or keyword arguments, not both")
    return market_from_inputs(spec, load_market_inputs(spec.asset, store=spec.store))


def market_from_inputs(spec: MarketSpec, inputs: MarketInputs) -> MarketState:
    """The market of ``spec`` from already loaded ``inputs`` (no data is loaded)."""
    from liqcascade.positions._estimate import run_estimation
    from liqcascade.positions._stops import model_stops

    params, params_source = _params(spec)
    label = _resolve(spec, inputs.open_interest)
    close = label + _BAR
    oi = inputs.open_interest[inputs.open_interest.index <= label]
    hourly = closed_by(inputs.prices, close, _HOUR)
    if hourly.empty:
        raise InputError(f"--as-of {label:%Y-%m-%d}: no {inputs.asset} prices before it")
    mid = float(hourly["close"].iloc[-1])
    bars = ohlc_bars(hourly, "4h")
    bars = bars[bars.index <= label]
    split = inputs.taker if params.split == "taker" else inputs.funding
    if split is not None:
        split = split[split.index <= label]
    if params.split != "none" and (split is None or split.empty):
        raise InputError(
            f"--asset {inputs.asset}: no {params.split} series for the long/short split"
        )
    raw = run_estimation(oi, bars, params, split_data=split).book
    share = BINANCE_BOOK_SHARE if spec.share is None else float(spec.share)
    positions = raw if share == BINANCE_BOOK_SHARE else raw.scaled(share / BINANCE_BOOK_SHARE)
    positions = _relabel(positions, spec.venue, f"{inputs.asset}USDT")
    if spec.with_stops:
        stops = model_stops(positions, bars, as_of=label)
    else:
        stops = StopBook.empty()
    row = book_totals_at(inputs.book_totals, close)
    beta = depth_beta(inputs.asset)
    depth_scale = share if spec.depth_scale is None else float(spec.depth_scale)
    book = book_from_totals(row, mid, beta=beta, scale=depth_scale)
    sources = dict(inputs.sources)
    sources["estimation_params"] = params_source
    sources["depth_beta"] = f"package:liqcascade/book/{DEPTH_CALIBRATION_FILE}"
    sources["book_share"] = f"package:liqcascade/market/{MARKET_PARAMS_FILE}"
    return MarketState(
        book=book,
        positions=positions,
        stops=stops,
        mid=mid,
        as_of=label,
        asset=inputs.asset,
        venue=spec.venue,
        close_time=close,
        open_interest_usd=float(oi["oi_usd"].iloc[-1]),
        share=share,
        depth_scale=depth_scale,
        beta=beta,
        params=params,
        depth_1pct_usd=(float(row["bids_usd"]), float(row["asks_usd"])),
        sources=sources,
    )


def _relabel(book: PositionBook, venue: str, symbol: str) -> PositionBook:
    if book.venue == venue and book.symbol == symbol:
        return book
    return replace(book, venue=venue, symbol=symbol)
