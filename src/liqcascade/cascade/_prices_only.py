"""The event back-test's move forecast on prices alone: no book, no liquidation record.

The move forecast of :func:`~liqcascade.cascade._backtest.run_backtest` is the
calibrated response's paths: the index walks with the event's post-shock volatility
(calibrated on events before it) and the forced orders of the estimated book walk the
order book on top. On the bundled events the book's part is small — it moves the
predicted 24-h move by about 0.1 percentage point on average (docs/liquidity.md) —
while the book needs the open interest of the event's time, which the bundle has only
to 2025-07-31. With no positions and no stops nothing is forced, the book is never
walked, and the forecast is the price paths alone: events can then be scored wherever
hourly prices are, beyond the open interest — periods no calibration and no choice of
this project ever saw. The liquidation prediction needs the book and is off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from liqcascade.book import OrderBook
from liqcascade.cascade._backtest import BacktestResult, run_backtest
from liqcascade.cascade._clock import Calibration
from liqcascade.cascade._prepare import PreparedMarket, prepare_cascade
from liqcascade.positions import PositionBook, StopBook

__all__ = ["PricesOnlyMarkets", "run_prices_only_backtest"]

#: Half-spread of the one-level book the forced orders would walk (they never do:
#: there are none), fraction of mid.
_HALF_SPREAD: float = 1e-4


class PricesOnlyMarkets:
    """A ``market_at`` with no positions and no stops, at any time prices exist.

    ``market_at(ts, mid)`` is a one-level book around ``mid`` with an empty position
    book and stop book: the cascade has nothing to force, so the predicted paths are
    the index paths. It has no ``span`` (no open interest is needed), no ``book_at``
    (no liquidation prediction) and no ``book_in_sample``.
    """

    prices_only: bool = True

    def __call__(self, ts: pd.Timestamp, mid: float) -> PreparedMarket:
        """The empty market at ``ts`` around ``mid``.

        Parameters
        ----------
        ts : pandas.Timestamp
            The event's previous close (UTC); not used: the market is the same at
            every time.
        mid : float
            The previous hourly close, USD.
        """
        book = OrderBook.from_levels(
            mid, [[mid * (1 - _HALF_SPREAD), 1.0]], [[mid * (1 + _HALF_SPREAD), 1.0]]
        )
        return prepare_cascade(book, PositionBook.empty(), StopBook.empty())


def run_prices_only_backtest(
    ohlc: pd.DataFrame,
    calibration_at: Callable[[pd.Timestamp], Calibration],
    *,
    asset: str,
    start: Any,
    end: Any,
    trigger: float | None = None,
    n_paths: int = 200,
    seed: int = 0,
    advance: Callable[[float], None] | None = None,
) -> BacktestResult:
    """The event back-test's move forecast without the book, wherever hourly prices are.

    Parameters
    ----------
    ohlc : pandas.DataFrame
        Hourly bars (the whole history: events before ``start`` feed the empirical
        baselines and the volatility rule).
    calibration_at : callable
        ``calibration_at(ts)``: the liquidity calibration in force at ``ts`` (its
        volatility rule and draws; fitted on events before it).
    asset : str
        The asset: its default trigger and the result's label.
    start, end : datetime-like
        The window (UTC), as :func:`~liqcascade.cascade._backtest.run_backtest`.
    trigger : float, optional
        ``F``, fraction of the previous close (default the asset's).
    n_paths : int, default 200
        Monte Carlo paths per event.
    seed : int, default 0
        As :func:`~liqcascade.cascade._backtest.run_backtest` (an event's paths do not
        depend on the window).
    advance : callable, optional
        Progress: ``advance(1)`` once per event of the window.

    Returns
    -------
    BacktestResult
        The move scores (``move_mae_pp`` against both baselines, ``coverage_80``);
        no recorded liquidations are read, so every liquidation score is None, and
        ``extra["prices_only"]`` is True.
    """
    no_record = pd.DataFrame(
        {"long_usd": pd.Series(dtype=float), "short_usd": pd.Series(dtype=float)},
        index=pd.DatetimeIndex([], tz="UTC"),
    )
    res = run_backtest(
        ohlc,
        no_record,
        PricesOnlyMarkets(),
        calibration_at,
        asset=asset,
        start=start,
        end=end,
        trigger=trigger,
        n_paths=n_paths,
        seed=seed,
        advance=advance,
    )
    res.extra["prices_only"] = True
    return res
