"""The estimated market of a date: position book, modelled stops, calibrated order book."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from liqcascade.book._calibrate import calibrated_book
from liqcascade.book._orderbook import OrderBook
from liqcascade.cascade._config import CascadeConfig
from liqcascade.cascade._prepare import PreparedMarket, prepare_cascade
from liqcascade.errors import InputError
from liqcascade.positions._book import PositionBook, StopBook

__all__ = ["BINANCE_BOOK_SHARE", "MarketState", "market_state"]

#: Share of the aggregated (all-venue) order-book depth given to the venue whose
#: positions are estimated (Binance): its share of aggregated ETH open interest.
BINANCE_BOOK_SHARE: float = 0.25


@dataclass(frozen=True, eq=False)
class MarketState:
    """Everything a cascade needs for one date, estimated from the bundled data.

    Attributes
    ----------
    book : OrderBook
        Calibrated order book (:func:`liqcascade.book.calibrated_book`).
    positions : PositionBook
        Estimated open positions (:func:`liqcascade.positions.estimate_book`).
    stops : StopBook
        Modelled stops (:func:`liqcascade.positions.model_stops`).
    mid : float
        ETH price at ``as_of`` (bundled hourly close), USD.
    as_of : pandas.Timestamp
        The date (UTC).
    """

    book: OrderBook
    positions: PositionBook
    stops: StopBook
    mid: float
    as_of: pd.Timestamp

    def prepare(self, config: CascadeConfig | None = None) -> PreparedMarket:
        """The state sorted for repeated cascades."""
        cfg = config or CascadeConfig()
        thr = cfg.partial_threshold_usd if cfg.partial_liquidation else None
        return prepare_cascade(self.book, self.positions, self.stops, partial_threshold_usd=thr)

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


def _ohlc_4h(asset: str) -> pd.DataFrame:
    from liqcascade import datasets

    h = datasets.load_ohlcv(asset, "1h")
    agg = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    return h.resample("4h", label="left", closed="left").agg(agg).dropna()  # type: ignore[arg-type]


def market_state(
    asset: str = "ETH", as_of: Any = None, *, params: Any = None, book_scale: float | None = None
) -> MarketState:
    """The estimated market of ``as_of``: positions, stops and order book.

    Parameters
    ----------
    asset : str, default "ETH"
        Bundled data cover ETH.
    as_of : datetime-like, optional
        Date (UTC); default the last bar of the bundled open interest (2025-07-31),
        the last date the position estimate can be made. A bare date means its last
        4-hour bar.
    params : EstimationParams, optional
        Position-estimation parameters (default: the shipped calibration).
    book_scale : float, optional
        Multiplies the calibrated all-venue depth (CoinGlass aggregated futures
        totals). Default :data:`BINANCE_BOOK_SHARE` (0.25): the position estimate is
        calibrated to Binance's recorded liquidations, so the cascade runs through a
        Binance-sized book, taken as a quarter of the aggregated depth (Binance's
        share of aggregated ETH open interest, the estimate's prior ``venue_share``;
        depth assumed proportional to open interest). Use 1.0 for the limit where
        arbitrage makes every venue's depth available instantly.

    Returns
    -------
    MarketState
    """
    import liqcascade.positions as positions_pkg
    from liqcascade import datasets
    from liqcascade.positions import _calibrate, _estimate

    # public names when positions/__init__.py re-exports them, else their modules
    estimate_book: Callable[..., PositionBook] = getattr(
        positions_pkg, "estimate_book", _estimate.estimate_book
    )
    load_calibrated: Callable[..., Any] = getattr(
        positions_pkg, "load_calibrated", _calibrate.load_calibrated
    )
    model_stops: Callable[..., StopBook] = positions_pkg.model_stops
    if params is None:
        params = load_calibrated().params
    if book_scale is None:
        book_scale = BINANCE_BOOK_SHARE

    if asset.upper() != "ETH":
        raise InputError(f"--asset: no bundled market data for {asset} (bundled: ETH)")
    oi = datasets.load_open_interest()
    if as_of is None:
        ts = oi.index[-1]
    else:
        ts = pd.Timestamp(as_of)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        if ts < oi.index[0]:
            raise InputError(
                f"--as-of {ts:%Y-%m-%d}: the position estimate starts {oi.index[0]:%Y-%m-%d}"
            )
        if ts > oi.index[-1] + pd.Timedelta(days=1):
            raise InputError(
                f"--as-of {ts:%Y-%m-%d}: the bundled open interest ends {oi.index[-1]:%Y-%m-%d}"
            )
        if isinstance(as_of, str) and len(as_of) <= 10:  # a date: its last bar
            ts = min(ts + pd.Timedelta(hours=20), oi.index[-1])
    positions = estimate_book(as_of=ts, params=params)
    prices = _ohlc_4h(asset)
    prices = prices[prices.index <= ts]
    h = datasets.load_ohlcv(asset, "1h")
    h = h[h.index <= ts + pd.Timedelta(hours=3)]
    if h.empty:
        raise InputError(f"--as-of {ts:%Y-%m-%d}: no bundled prices before it")
    mid = float(h["close"].iloc[-1])
    stops = model_stops(positions, prices, as_of=ts)
    book = calibrated_book(as_of=ts, mid=mid, scale=book_scale)
    return MarketState(book=book, positions=positions, stops=stops, mid=mid, as_of=ts)
