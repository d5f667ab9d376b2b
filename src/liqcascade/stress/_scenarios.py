"""Stress scenarios: instantaneous shocks, historical replays, Monte Carlo; batches.

Every scenario runs a portfolio *and* the market: the estimated book of the market's
asset (ETH or BTC, each estimated and calibrated from its own data only) at the
``as_of`` date (:func:`liqcascade.market.estimated_market`) liquidates along the path.
One cascade engine: shocks and replays run the calibrated liquidity response
(:func:`liqcascade.cascade.calibrated_cascade`, :class:`~liqcascade.cascade.LiquidityResponse`,
the calibration fitted before the date); the static book is reported beside it as the
upper bound it is: of the cascade's own carry (``carry_price_after``), not of the
24-hour move. The Monte Carlo counts history's cascades once: its paths move by
the fitted model's residuals (which already hold history's cascades) and the book's
liquidations are counted along each path; no second cascade is added (docs/stress.md).
In a shock every portfolio asset with a market runs its own cascade
(:meth:`StressMarket.asset_market`); in a replay and the Monte Carlo the portfolio legs
on another asset follow that asset's path without a modelled cascade.

Keys are asset-neutral (``price_after``, ``min_price_p05``; ``asset`` names the
market); :class:`liqcascade.stress._request.StressRun` adds the 0.2 names
(``eth_price_after``, ``eth_min_price_p05``) to an ETH run's JSON as deprecated aliases.
"""

from __future__ import annotations

import math
import numbers
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from liqcascade._crashes import OCT_2025
from liqcascade._limits import (
    MAX_HORIZON_DAYS,
    check_count,
    check_seed,
    check_whole,
    real_array,
    real_number,
    stress_path_bytes,
)
from liqcascade._prices import count_text, shock_name
from liqcascade._tables import check_numeric
from liqcascade._time import time_range, utc_indexed
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.stress._days import whole_day_closes
from liqcascade.stress._kernels import replay_kernel
from liqcascade.stress._market import StressBook, stress_book
from liqcascade.stress._model import fit_joint_model
from liqcascade.stress._portfolio import Portfolio, evaluate_portfolio
from liqcascade.stress._result import FailedScenario, StressResult
from liqcascade.stress._runner import PathSpec, run_paths

__all__ = [
    "DEFAULT_SHOCKS",
    "SCENARIOS",
    "WINDOWS",
    "CrashWindow",
    "StressMarket",
    "monte_carlo",
    "replay",
    "replay_bars",
    "run_batch",
    "shock_grid",
    "stress_market",
    "window_bars",
]

SCENARIOS: tuple[str, ...] = ("shock", "replay", "montecarlo")

#: Default instantaneous shock grid (fractions of the price).
DEFAULT_SHOCKS: tuple[float, ...] = (-0.3, -0.2, -0.15, -0.1, -0.05, 0.05, 0.1, 0.15, 0.2, 0.3)


@dataclass(frozen=True)
class CrashWindow:
    """A named real crash window and the finest bundled ETH bars covering it.

    Attributes
    ----------
    name, start, end : str
        Label and inclusive UTC bounds.
    source : str
        Bundled dataset (``"ohlcv_1h"`` = :func:`liqcascade.datasets.load_ohlcv` hourly).
    note : str
    """

    name: str
    start: str
    end: str
    source: str
    note: str


WINDOWS: dict[str, CrashWindow] = {
    w.name: w
    for w in (
        CrashWindow(
            "2022-06-13",
            "2022-06-13",
            "2022-06-18 23:59",
            "ohlcv_1h",
            "Celsius/3AC; hourly bars (the bundled 5-minute window starts 2022-06-15)",
        ),
        CrashWindow(
            "2022-11-08",
            "2022-11-08",
            "2022-11-10 23:59",
            "ohlcv_1h",
            "FTX; hourly bars (no finer bundled data)",
        ),
        CrashWindow(
            "2024-08-05",
            "2024-08-04",
            "2024-08-05 23:59",
            "eth_30m",
            "yen carry unwind; Binance 30-minute bars",
        ),
        CrashWindow(
            OCT_2025.name,
            f"{OCT_2025.day:%Y-%m-%d}",
            f"{OCT_2025.last_day:%Y-%m-%d} 23:59",
            "eth_bybit_15m_2025_10",
            "tariff crash; Bybit 15-minute bars (finest bundled)",
        ),
    )
}

#: Finer bundled ETH sources tried for a user range, finest first.
_FINE_SOURCES: tuple[str, ...] = (
    "eth_1m_2022_12",
    "eth_5m_2022_06",
    "eth_bybit_15m_2025_10",
    "eth_30m",
)


def _load_source(
    source: str, asset: str, start: Any, end: Any, hourly: pd.DataFrame | None = None
) -> pd.DataFrame:
    import liqcascade.data as _bundled

    if source == "ohlcv_1h":
        df = _bundled.ohlcv(asset, "1h") if hourly is None else hourly
        return df[(df.index >= start) & (df.index <= end)]
    return _bundled.dataset(source, start, end)


def replay_bars(
    window: str, asset: str = "ETH", *, hourly: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, str, str]:
    """Recorded bars (open, high, low, close; USD) of a named window or ``START/END``.

    Returns ``(bars, source, label)``. ETH uses the finest bundled bars covering the
    whole range (hourly where nothing finer exists); any other asset its hourly bars:
    ``hourly`` (the asset's own, e.g. a store's) or the bundled ones. A window that runs
    past the bars (before the first or after the last, by a bar or more) is cut to them:
    ``label`` is then the range the bars cover (:func:`window_bars` also gives the range
    asked).

    Parameters
    ----------
    window : str
        A name of :data:`WINDOWS` or ``"START/END"``: two dates or timestamps, naive
        ones read as UTC; an END given as a bare date includes that whole UTC day.
    asset : str, default "ETH"
        The base asset whose bars are read.
    hourly : pandas.DataFrame, optional
        The asset's hourly bars (``open``, ``high``, ``low``, ``close`` in USD,
        indexed by UTC bar-open timestamps) to use instead of the bundled ones.

    Returns
    -------
    (pandas.DataFrame, str, str)
        The bars (open, high, low, close; USD; UTC index), the source's name
        (``"ohlcv_1h"`` or a bundled dataset's) and the window's label.

    Raises
    ------
    InputError
        Unknown name, unparsable range, or no bars of ``asset`` covering it.
    """
    if hourly is not None:
        check_numeric(hourly, ("open", "high", "low", "close"), "hourly", param="hourly")
        hourly = utc_indexed(hourly)  # a naive index is UTC
    bars, source, label, _asked = window_bars(window, asset, hourly=hourly)
    return bars, source, label


def _range_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start:%Y-%m-%d %H:%M}/{end:%Y-%m-%d %H:%M}"


def _window_range(window: str, asset: str) -> tuple[pd.Timestamp, pd.Timestamp, str, str]:
    """``(start, end, source, label)`` of a window: inclusive UTC bounds as asked."""
    if not isinstance(window, str):  # a Timestamp raised AttributeError 'split'
        raise InputError(
            f"window must be text: a name of {', '.join(WINDOWS)} or 'START/END', e.g. "
            f"'2024-08-05/2024-08-05' for one day (got {window!r})",
            param="window",
        )
    if window in WINDOWS:
        w = WINDOWS[window]
        start, end = pd.Timestamp(w.start, tz="UTC"), pd.Timestamp(w.end, tz="UTC")
        return start, end, (w.source if asset == "ETH" else "ohlcv_1h"), w.name
    parts = window.split("/")
    if len(parts) != 2:
        raise InputError(
            f"window must be one of {', '.join(WINDOWS)} or START/END (got {window!r})",
            param="window",
        )
    start, end = time_range(window, "window")
    source = "ohlcv_1h"
    if asset == "ETH":
        import liqcascade.data as _bundled

        for name in _FINE_SOURCES:
            idx = _bundled.dataset_index(name)
            if idx[0] <= start and idx[-1] >= end - pd.Timedelta(hours=1):
                source = name
                break
    return start, end, source, _range_label(start, end)


def window_bars(
    window: str, asset: str = "ETH", *, hourly: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, str, str, str]:
    """:func:`replay_bars` and the window's label as asked: ``(bars, source, label, asked)``.

    ``label == asked`` unless the bars stop a bar or more inside the window (the
    data begins after its start or ends before its end): then ``label`` is the range
    the bars cover, from the first bar's open to the last bar's close less a minute
    (the labels' inclusive ends), UTC.

    Parameters
    ----------
    window, asset, hourly
        As :func:`replay_bars`.

    Returns
    -------
    (pandas.DataFrame, str, str, str)
        The bars, the source's name, the label of the range replayed and the label of
        the window asked.
    """
    start, end, source, asked = _window_range(window, asset)
    bars = _load_source(source, asset, start, end, hourly)
    if len(bars) < 2:
        where = "bundled" if hourly is None else "hourly"
        span = ""
        if hourly is not None and len(hourly):
            first, last = hourly.index[0], hourly.index[-1]
            span = f" (its hourly prices run {first:%Y-%m-%d} -> {last:%Y-%m-%d})"
        raise InputError(
            f"window {window}: no {where} {asset} bars in that range{span}", param="window"
        )
    idx = pd.DatetimeIndex(bars.index)
    step = idx.to_series().diff().median()
    first, last = idx[0], idx[-1] + step - pd.Timedelta(minutes=1)
    label = asked
    if first - start >= step or end - last >= step:  # the data stops inside the window
        label = _range_label(max(first, start), min(last, end))
    return bars[["open", "high", "low", "close"]].astype(float), source, label, asked


@dataclass(frozen=True, eq=False)
class StressMarket:
    """The market a scenario runs on: start prices and the book of the market's asset.

    Attributes
    ----------
    as_of : pandas.Timestamp
    prices : dict
        Start price per asset (USD): the estimated market's mid for its asset, the
        hourly close when the market's bar closed for the other bundled asset.
    book : StressBook
        The market's estimated positions, modelled stops and calibrated depth, sorted.
    state : MarketState
    sigma_hourly : float
        EWMA hourly volatility at the close (fraction), the calibrated response's start.
    residuals : array
        Standardised hourly residuals before the close (filtered historical simulation).
    calibration : Calibration, optional
        The liquidity calibration (default :func:`liqcascade.cascade.load_liquidity`).
    hourly, daily : dict, optional
        Asset -> its hourly and daily OHLCV (USD; the store's, else the bundled), whole
        series: the crash replays read their recorded window from ``hourly`` and the
        Monte Carlo fits its daily returns from ``daily``'s bars closed by the market's
        close (:attr:`last_daily`). Empty: the
        bundled series (ETH and BTC only).
    """

    as_of: pd.Timestamp
    prices: dict[str, float]
    book: StressBook
    state: Any
    sigma_hourly: float = float("nan")
    residuals: Any = None
    calibration: Any = None
    hourly: dict[str, pd.DataFrame] = field(default_factory=dict)
    daily: dict[str, pd.DataFrame] = field(default_factory=dict)
    # the other assets' markets at this close, built once (a shock grid's rows share them)
    _others: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def asset(self) -> str:
        """The market's asset (``"ETH"``, ``"BTC"``, any asset of the store): its book cascades."""
        return str(getattr(self.state, "asset", "ETH")).upper()

    @property
    def last_daily(self) -> pd.Timestamp:
        """Label (UTC open) of the last daily bar closed by the market's close.

        A daily bar labelled ``d`` closes at ``d + 1 day``; at an intraday market (a
        4-hour bar closing at 08:00) the day's own bar is still open and is not read.
        """
        close = getattr(self.state, "close_time", None)
        if close is None:  # a state built by hand: its 4-hour bar's close
            from liqcascade.market import MARKET_BAR

            close = self.as_of + MARKET_BAR
        return pd.Timestamp(close) - pd.Timedelta(days=1)

    def asset_market(self, asset: str) -> StressMarket:
        """The stress market of ``asset`` at this market's close: its own book and cascade.

        ``asset``'s estimated market (:func:`liqcascade.market.estimated_market`, the
        default :class:`~liqcascade.market.MarketSpec` at this market's close: its own
        position book, depth, liquidity calibration, hourly volatility and residuals), as
        :func:`stress_market` builds it. Built once per :class:`StressMarket` and kept
        (a refusal too); ``self`` for the market's own asset.

        Parameters
        ----------
        asset : str
            A base asset (``"BTC"``).

        Raises
        ------
        InputError
            ``asset`` has no market at this close (no open interest, book totals or
            calibrations of it; or its market stands at another bar).
        """
        a = str(asset).strip().upper()
        if a == self.asset:
            return self
        if a not in self._others:
            try:
                self._others[a] = self._build_market(a)
            except InputError as exc:
                self._others[a] = exc
        got = self._others[a]
        if isinstance(got, InputError):
            raise got
        return got  # type: ignore[no-any-return]

    def adopt_market(self, state: Any) -> bool:
        """Take ``state``, another asset's estimated market, as :meth:`asset_market`'s.

        A caller that already holds that market (the report's context of the other
        asset) spares :meth:`asset_market` building it again, with its book draws:
        ``asset_market`` builds the default :class:`~liqcascade.market.MarketSpec` of
        the asset at this market's close, and the market of the same default spec at
        the same bar is the same market. Taken only when ``state`` is such a market:
        another asset's, closing at this market's close, not taken before.

        Parameters
        ----------
        state : MarketState
            The other asset's estimated market (``estimated_market(MarketSpec(asset,
            as_of))`` with the other fields at their defaults).

        Returns
        -------
        bool
            Whether it was taken.
        """
        a = str(getattr(state, "asset", "")).strip().upper()
        close = getattr(self.state, "close_time", None)
        if not a or a == self.asset or a in self._others or close is None:
            return False
        if getattr(state, "close_time", None) is None:
            return False
        if pd.Timestamp(state.close_time) != pd.Timestamp(close):
            return False
        self._others[a] = stress_market(state=state, assets=(a,))
        return True

    def _build_market(self, asset: str) -> StressMarket:
        """:meth:`asset_market`'s build: ``asset``'s estimated market at this close."""
        from liqcascade.market import MARKET_BAR, MarketSpec, estimated_market

        close = pd.Timestamp(getattr(self.state, "close_time", None) or self.as_of + MARKET_BAR)
        st = estimated_market(MarketSpec(asset=asset, as_of=close))
        its = st.as_of + MARKET_BAR if st.close_time is None else pd.Timestamp(st.close_time)
        if its != close:  # its open interest stops before this bar
            raise InputError(
                f"asset {asset}: no market at {close:%Y-%m-%d %H:%M} UTC (its market "
                f"stands at {its:%Y-%m-%d %H:%M})",
                param="asset",
            )
        return stress_market(state=st, assets=(asset,))

    def liquidity(self) -> Any:
        """The liquidity calibration of the market's asset fitted before its close."""
        from liqcascade.cascade import load_liquidity

        if self.calibration is not None:
            return self.calibration
        return load_liquidity(self.state.asset, self.state.close_time)

    def farthest_liquidation(self) -> tuple[float, float]:
        """The lowest long and highest short liquidation price of the book, USD.

        A path past them has liquidated the whole side (NaN: no position on it).
        """
        pos = self.state.positions
        ok = np.isfinite(pos.liq_price) & (pos.liq_price > 0) & (pos.size > 0)
        lo = pos.liq_price[ok & (pos.side == 1)]
        hi = pos.liq_price[ok & (pos.side == -1)]
        return (
            float(lo.min()) if lo.size else math.nan,
            float(hi.max()) if hi.size else math.nan,
        )

    def side_notional(self) -> tuple[float, float]:
        """The whole book per side: long, short notional at the liquidation prices, USD."""
        return float(self.book.cumliq_dn[-1]), float(self.book.cumliq_up[-1])

    def _figures(self) -> dict[str, Any]:
        """The short view's figures: date, start prices, volatility, book per side."""
        pos = getattr(self.state, "positions", None)
        long_usd, short_usd = self.side_notional() if len(self.book.cumliq_dn) else (0.0, 0.0)
        out: dict[str, Any] = {"asset": self.asset, "as_of": self.as_of.isoformat()}
        out.update({f"{a.lower()}_price_usd": float(p) for a, p in self.prices.items()})
        out["sigma_hourly"] = float(self.sigma_hourly)
        out["n_positions"] = len(pos) if pos is not None else 0
        out["long_liquidation_usd"] = long_usd
        out["short_liquidation_usd"] = short_usd
        return out

    def __repr__(self) -> str:
        f = self._figures()
        prices = ", ".join(f"{a} {p:,.2f}" for a, p in self.prices.items())
        return (
            f"StressMarket({f['asset']} as of {self.as_of:%Y-%m-%d %H:%M} UTC: prices {prices} "
            f"USD, sigma_hourly {f['sigma_hourly']:.4g}, {f['n_positions']:,} positions "
            f"({f['long_liquidation_usd']:,.0f} USD long, {f['short_liquidation_usd']:,.0f} "
            "USD short at their liquidation prices))"
        )

    def _repr_html_(self) -> str:
        from liqcascade._notebook import summary_html

        return summary_html(f"StressMarket ({self.asset})", self._figures())

    def draw_sides(self) -> list[tuple[float, float]]:
        """:meth:`side_notional` of each position-book draw (``state.draws()``), USD.

        The shocks' intervals spread over these draws, whose sides differ from the
        central book's; empty when the state has no draws.
        """
        draws = getattr(self.state, "draws", None)
        return [book_sides(d.positions) for d in (draws() if draws is not None else [])]


def book_sides(positions: Any) -> tuple[float, float]:
    """Long and short notional of a position book at the liquidation prices, USD.

    The same positions as :func:`stress_book` counts (size > 0, finite liquidation
    price > 0); equals :meth:`StressMarket.side_notional` on the market's own book.
    """
    ok = (positions.size > 0) & np.isfinite(positions.liq_price) & (positions.liq_price > 0)
    v = positions.size * positions.liq_price
    return float(v[ok & (positions.side == 1)].sum()), float(v[ok & (positions.side == -1)].sum())


class NoHourlyPrices(InputError):
    """An asset of :func:`stress_market`'s ``assets`` has no hourly prices anywhere.

    A caller that knows where the asset came from (a portfolio file's row) says so;
    ``asset`` is the asset (``"SOL"``).
    """

    def __init__(self, asset: str) -> None:
        super().__init__(
            f"assets: no hourly prices of {asset} in the store or the bundle", param="assets"
        )
        self.asset = asset


def stress_market(
    as_of: Any = None,
    *,
    state: Any = None,
    asset: str = "ETH",
    assets: Sequence[str] | None = None,
) -> StressMarket:
    """The estimated market of ``as_of`` (default: the last date the book can be estimated).

    Parameters
    ----------
    as_of : datetime-like, optional
        See :func:`liqcascade.market.estimated_market`: a bare date is the close of
        that day's last bar.
    state : MarketState, optional
        An already built state (then ``as_of`` and ``asset`` are ignored).
    asset : str, default "ETH"
        The market whose estimated book cascades: any asset with a market in the store
        (open interest, hourly prices, book totals, a book calibration) or a bundled
        one (ETH, BTC). Its book, depth, liquidity calibration and hourly volatility
        are its own.
    assets : sequence of str, optional
        The other assets priced (a portfolio's); default the bundled ETH and BTC.

    Notes
    -----
    Every start price is the hourly close when the market's bar closed
    (``state.close_time``): nothing after it is read. Prices come through
    :func:`liqcascade.market.bars_until` (the default store's rows, else the bundle's).

    Raises
    ------
    InputError
        ``asset`` without a market (names what is missing), or an asset of ``assets``
        without an hourly price at the market's close (:class:`NoHourlyPrices` when it
        has none at all).
    """
    from liqcascade.cascade import volatility_at
    from liqcascade.data import SeriesNotFound
    from liqcascade.market import MarketSpec, bars_until, estimated_market, price_at
    from liqcascade.stress._portfolio import ASSETS

    st = (
        state
        if state is not None
        else estimated_market(MarketSpec(asset=str(asset).strip().upper(), as_of=as_of))
    )
    main = str(st.asset).upper()
    close: Any = st.close_time
    others = [str(a).upper() for a in (ASSETS if assets is None else assets)]
    hourly: dict[str, pd.DataFrame] = {}
    daily: dict[str, pd.DataFrame] = {}
    prices = {main: float(st.mid)}
    for a in [main, *(o for o in others if o != main)]:
        try:
            px = bars_until(a, "1h")
        except SeriesNotFound:  # a store that cannot be read raises as it is
            if a == main:
                raise InputError(
                    f"asset: no hourly prices of {a} in the store or the bundle", param="asset"
                ) from None
            raise NoHourlyPrices(a) from None
        hourly[a] = px
        daily[a] = _daily(a, px)
        if a == main:
            continue
        try:
            prices[a] = price_at(a, close, prices=px)
        except InputError:
            raise InputError(
                f"as_of {st.as_of:%Y-%m-%d}: no {a} price before it (its hourly prices "
                f"start {px.index[0]:%Y-%m-%d %H:%M} UTC)"
                if len(px)
                else f"as_of {st.as_of:%Y-%m-%d}: no {a} hourly prices",
                param="as_of",
            ) from None
    sigma, resid = volatility_at(hourly[main], close)  # the hours closed by the market time
    return StressMarket(
        as_of=st.as_of,
        prices=prices,
        book=stress_book(st.positions, st.stops, st.book),
        state=st,
        sigma_hourly=sigma,
        residuals=resid,
        hourly=hourly,
        daily=daily,
    )


def _daily(asset: str, hourly: pd.DataFrame) -> pd.DataFrame:
    """``asset``'s daily OHLCV: the recorded daily bars, else its whole hours' days (UTC).

    "Else" is only where nobody holds daily bars of ``asset``
    (:class:`~liqcascade.data.SeriesNotFound`): a store that cannot be read raises. A
    day resampled from hours that stop before its end (a partial last day: its close
    is an earlier hour's) is left out, as the portfolio back-test leaves it out (one
    rule: :func:`liqcascade.stress._days.whole_day_closes`).
    """
    from liqcascade.data import SeriesNotFound
    from liqcascade.market import bars_until, ohlc_bars

    try:
        return bars_until(asset, "1d")
    except SeriesNotFound:
        closes, _notes = whole_day_closes(hourly, asset)
        days = ohlc_bars(hourly, "1D")
        return days[days.index.isin(closes.index)]


def _check_pf(portfolio: Portfolio, market: StressMarket) -> None:
    if not isinstance(portfolio, Portfolio):
        raise InputError(
            f"portfolio must be a Portfolio (got {type(portfolio).__name__})", param="portfolio"
        )
    portfolio.check_prices(market.prices)


def _check_shocks(shocks: Any) -> list[float]:
    """``shocks`` as floats: a sequence of non-zero fractions in (-1, 10), or InputError."""
    if real_number(shocks) is not None:  # -0.05 raised TypeError: float is not iterable
        raise InputError(
            f"shocks must be a sequence of fractions, e.g. [{shocks}] for one shock "
            f"(got {shocks!r})",
            param="shocks",
        )
    fr = real_array(
        shocks,
        "shocks",
        finite=False,
        numbers="shocks must be a sequence of fractions such as [-0.05, -0.1] (got {values!r})",
    ).tolist()
    if not fr:
        raise InputError("shocks: give at least one shock", param="shocks")
    for s in fr:
        if not (-1.0 < s < 10.0 and s != 0.0):  # NaN too
            raise InputError(
                f"shocks: each shock must be a non-zero fraction > -1 (got {s})", param="shocks"
            )
    return fr


def shock_grid(
    portfolio: Portfolio,
    market: StressMarket,
    shocks: Sequence[float] | npt.NDArray[Any] = DEFAULT_SHOCKS,
    *,
    cascade: bool = True,
    n_paths: int = 200,
) -> StressResult:
    """Instantaneous shocks: each moves every asset by the fraction; each asset's market cascades.

    The cascade is the calibrated liquidity response
    (:func:`liqcascade.cascade.calibrated_cascade`: the index starts at the shock and
    walks for 24 h, the book responds on a clock, paths spread over every pair of a
    liquidity-calibration draw and a position-book draw,
    :func:`liqcascade.cascade.prepared_draws`). ``price_after`` (of the
    market's asset, named in ``asset``) is the median path's extreme (the price a
    position sees), with the 10–90 % range of the paths; market liquidations are the
    median liquidated notional with its range. ``book_exhausted_share`` is the share
    of paths whose order book ran out and ``whole_book_liquidated`` says when the
    median path passed the farthest liquidation price of the moving side (the
    figure is the whole book: it saturates only then; liquidations are valued at the
    fill prices, so a deeper fall past that point liquidates the same positions for
    fewer dollars). ``carry_price_after`` (with ``_p10``/``_p90``, the range over the
    calibration's parameter draws) is the cascade's own carry: the calibrated cascade
    with the index held at the shock price (no ordinary continuation of price). The
    static book (docs/design.md's reference semantics, ``static_*``: instant, no refill; the
    deepest run over the position book's draws, :func:`liqcascade.cascade.static_bound`)
    is shown beside it as the bound it is — of the carry, which it never undershoots
    (``static_price_after <= carry_price_after_p10`` for a fall, ``>=
    carry_price_after_p90`` for a rise), not of the 24-hour ``price_after``, which also
    holds the continuation and can go deeper at small shocks. Without the cascade
    (``cascade=False``) the paths are the same (the same index walks and draws) without
    the book's impact: the price is the index path, there is no carry (the
    ``carry_price_after*`` keys stay, NaN: JSON null), and the market's liquidations are
    counted along each path (positions whose liquidation price the path's extreme
    crosses, USD at that price: ``calibrated_cascade(..., impact=False)``). The static
    columns do not depend on ``cascade`` (the deepest run over the draws either way).
    Every other asset of the portfolio that has a market at the same close
    (:meth:`StressMarket.asset_market`: ETH and BTC bundled, any asset with a market in
    the store) runs its own calibrated cascade under the same shock, on its own book,
    calibration and volatility, and is marked at its own 24-h extreme: the portfolio's
    P&L is the same whichever asset ``market`` is (that asset's columns lead the row;
    ``by_asset`` holds every asset's). The other markets are built once per call (the
    rows share them; the :class:`StressMarket` keeps them). A portfolio asset without a
    market moves by the shock alone and is held at the shock price (``held_at_shock``;
    ``details["no_market"]`` says why). Each row splits its P&L, per asset too
    (``pnl_at_shock_usd``, ``pnl_cascade_carry_usd``, ``pnl_continuation_usd``: see
    :func:`_pnl_split`). VaR/ES treat the shocks as equally likely scenarios (read the
    table).

    Parameters
    ----------
    portfolio : Portfolio
        The positions (every asset held needs a price in ``market``).
    market : StressMarket
        Start prices (USD) and the estimated book of the market's asset
        (:func:`stress_market`).
    shocks : sequence or 1-d array of float, default DEFAULT_SHOCKS
        Price moves as fractions of the start price (-0.1 is a 10 % fall, not -10):
        each finite, non-zero, above -1 and below 10.
    cascade : bool, default True
        Run the calibrated cascade on the market's asset; False: the same 24-h paths
        without the forced orders' impact on price (the market book is only counted).
    n_paths : int, default 200
        Paths of the calibrated cascade per shock (split over the calibration's and
        the position book's draws).

    Returns
    -------
    StressResult
        One "path" per shock; ``table`` holds the per-shock rows.
    """
    _check_pf(portfolio, market)
    fr = _check_shocks(shocks)
    n_paths = check_whole(n_paths, "n_paths")
    asset = market.asset
    markets: dict[str, StressMarket] = {asset: market}
    no_market: dict[str, str] = {}  # a portfolio asset without a market: why
    for a in sorted(set(portfolio.assets) - {asset}):
        try:
            markets[a] = market.asset_market(a)
        except InputError as exc:
            no_market[a] = str(exc)
    runs = {a: _cascade_rows(m, fr, cascade, n_paths) for a, m in markets.items()}
    table = pd.DataFrame(runs[asset])
    arr = table["shock"].to_numpy(np.float64)
    priced = [asset, *sorted(set(portfolio.assets) - {asset})]
    # the shock is instant: every asset's first price is the shock price (a stop it jumps
    # past fills there); each asset's cascade then moves on from it continuously
    gap = {a: market.prices[a] * (1 + arr) for a in priced}
    final = dict(gap)
    carry: dict[str, FloatArray] = {}
    for a, rows in runs.items():
        scale = market.prices[a] / markets[a].prices[a]  # 1: both are the close's hourly close
        for r in rows:
            for k in _PRICE_KEYS:
                r[k] *= scale
        final[a] = np.array([r["price_after"] for r in rows])
        c = np.array([r["carry_price_after"] for r in rows])
        if cascade and np.isfinite(c).all():
            carry[a] = c
    out = evaluate_portfolio(portfolio, market.prices, final, final, final, gap=gap)
    table["portfolio_pnl_usd"] = out.pnl
    _pnl_split(table, portfolio, market.prices, gap, out, carry, runs)
    whole_long, whole_short = market.side_notional()
    return StressResult(
        scenario="shock",
        label=",".join(shock_name(s) for s in fr),
        seed=None,
        pnl=out.pnl,
        liquidated=out.liquidated,
        stopped=out.stopped,
        market_liq_usd=table["market_liquidations_usd"].to_numpy(np.float64),
        final_price=final,
        portfolio=portfolio,
        prices=dict(market.prices),
        details={
            "as_of": market.as_of.isoformat(),
            "asset": asset,
            "cascade": cascade,
            "liquidity": "calibrated" if cascade else "none",
            "book_long_usd": whole_long,
            "book_short_usd": whole_short,
            "cascaded_assets": list(markets),
            "no_market": no_market,
        },
        table=table,
        exhausted=table["whole_book_liquidated"].to_numpy(bool),
        asset=asset,
    )


#: A shock row's prices (USD), rescaled to the P&L's start prices (:func:`shock_grid`).
_PRICE_KEYS = ("static_price_after", "price_after", "price_after_p10", "price_after_p90",
               "carry_price_after", "carry_price_after_p10", "carry_price_after_p90")  # fmt: skip


def _cascade_rows(
    market: StressMarket, fr: list[float], cascade: bool, n_paths: int
) -> list[dict[str, Any]]:
    """One market's shock rows: its calibrated cascade and static bound per shock (USD).

    The columns :func:`shock_grid` documents (``price_after*``, ``carry_price_after*``,
    ``static_*``, ``market_liquidations_*``, ``book_exhausted_share``,
    ``whole_book_liquidated``) of ``market``'s asset, at its own start price.
    """
    from liqcascade.cascade import calibrated_cascade, prepare_market, prepared_draws, static_bound

    prep = prepare_market(market.state)
    books = prepared_draws(market.state)
    asset = market.asset
    mid = market.prices[asset]
    cal = market.liquidity()
    far_long, far_short = market.farthest_liquidation()
    rows: list[dict[str, Any]] = []
    for s in fr:
        st = static_bound(prep, books, shock=s)  # the deepest over the draws, with or without
        cc = calibrated_cascade(
            prep,
            shock=s,
            calibration=cal,
            sigma_hourly=market.sigma_hourly,
            residuals=market.residuals,
            n_paths=n_paths,
            books=books,
            impact=cascade,
        )
        p_ext = mid * (1.0 + cc.move_median)
        whole = p_ext <= far_long if s < 0 else p_ext >= far_short
        # no cascade, no carry: NaN (JSON null), not the shock price it would read as
        nan = float("nan")
        c50, c10, c90 = (
            (mid * (1.0 + c) for c in (cc.carry_median, cc.carry_p10, cc.carry_p90))
            if cascade
            else (nan, nan, nan)
        )
        rows.append(
            {
                "shock": s,
                "asset": asset,
                "static_price_after": float(st.final_price),
                "static_liquidations_usd": float(st.liquidated_usd),
                "static_book_exhausted": bool(st.book_exhausted),
                "price_after": p_ext,
                "price_after_p10": mid * (1.0 + cc.move_p10),
                "price_after_p90": mid * (1.0 + cc.move_p90),
                "carry_price_after": c50,
                "carry_price_after_p10": c10,
                "carry_price_after_p90": c90,
                "market_liquidations_usd": cc.liquidated_median,
                "market_liquidations_p10_usd": cc.liquidated_p10,
                "market_liquidations_p90_usd": cc.liquidated_p90,
                "book_exhausted_share": cc.book_exhausted_share,
                "whole_book_liquidated": bool(whole),
            }
        )
    return rows


def _pnl_split(
    table: pd.DataFrame,
    portfolio: Portfolio,
    prices: dict[str, float],
    gap: dict[str, FloatArray],
    out: Any,
    carry: dict[str, FloatArray],
    runs: dict[str, list[dict[str, Any]]],
) -> None:
    """Add each shock's P&L split, per asset too, and the prices it used to ``table``.

    In place. ``pnl_at_shock_usd``: every asset marked at its shock price (no cascade,
    no continuation); ``pnl_cascade_carry_usd``: what each asset's cascade adds with its
    index held at the shock (marked at its ``carry_price_after``; 0 without the cascade);
    ``pnl_continuation_usd``: the rest of ``portfolio_pnl_usd``, each index's ordinary
    24-h continuation to its extreme. ``prices_used``: per asset, the price the P&L
    marks (an asset with a market: its own 24-h extreme; one without, in
    ``held_at_shock``: its shock price); ``at_book_edge``: the market asset's extreme
    sits at the modelled order book's edge (:data:`liqcascade.cascade.BOOK_EDGE_SHARE`),
    so the P&L is taken at a bound. ``by_asset``: per asset held (and the market's), its
    own split (``pnl_usd`` = ``pnl_at_shock_usd`` + ``pnl_cascade_carry_usd`` +
    ``pnl_continuation_usd``), ``price_used``, ``held_at_shock`` and, for an asset with
    a market, its cascade's row (:func:`_cascade_rows`'s columns and ``at_book_edge``).

    Parameters
    ----------
    table : pandas.DataFrame
        The shock rows, with ``portfolio_pnl_usd`` (USD) and the market asset's columns.
    portfolio : Portfolio
    prices : dict
        Start prices per asset, USD.
    gap : dict
        Per asset priced, each shock's price (USD).
    out : PortfolioOutcome
        The portfolio at each asset's 24-h extreme (``gap`` for one without a market).
    carry : dict
        Per asset with a cascade, each shock's ``carry_price_after`` (USD).
    runs : dict
        Per asset with a market, its rows (:func:`_cascade_rows`, USD at ``prices``).
    """
    from liqcascade.cascade import BOOK_EDGE_SHARE

    at_shock = evaluate_portfolio(portfolio, prices, gap, gap, gap, gap=gap)
    at_carry_prices = {**gap, **carry}
    at_carry = evaluate_portfolio(
        portfolio, prices, at_carry_prices, at_carry_prices, at_carry_prices, gap=gap
    )
    table["pnl_at_shock_usd"] = at_shock.pnl
    table["pnl_cascade_carry_usd"] = at_carry.pnl - at_shock.pnl
    table["pnl_continuation_usd"] = table["portfolio_pnl_usd"].to_numpy(np.float64) - at_carry.pnl
    n = len(table)
    zero = np.zeros(n)
    held = sorted(a for a in gap if a not in runs)
    used: list[dict[str, float]] = [{} for _ in range(n)]
    by_asset: list[dict[str, Any]] = [{} for _ in range(n)]
    for a in gap:
        full, shock_a = out.pnl_by_asset.get(a, zero), at_shock.pnl_by_asset.get(a, zero)
        carry_a = at_carry.pnl_by_asset.get(a, zero)
        for i in range(n):
            p = float(runs[a][i]["price_after"]) if a in runs else float(gap[a][i])
            used[i][a] = p
            own = {k: v for k, v in runs[a][i].items() if k not in ("shock", "asset")} \
                if a in runs else {}  # fmt: skip
            if own:
                own["at_book_edge"] = bool(own["book_exhausted_share"] >= BOOK_EDGE_SHARE)
            by_asset[i][a] = {
                "held_at_shock": a not in runs,
                "price_used": p,
                "pnl_usd": float(full[i]),
                "pnl_at_shock_usd": float(shock_a[i]),
                "pnl_cascade_carry_usd": float(carry_a[i] - shock_a[i]),
                "pnl_continuation_usd": float(full[i] - carry_a[i]),
                **own,
            }
    table["prices_used"] = pd.Series(used, index=table.index, dtype=object)
    table["held_at_shock"] = pd.Series([list(held)] * n, index=table.index, dtype=object)
    table["at_book_edge"] = table["book_exhausted_share"].to_numpy(np.float64) >= BOOK_EDGE_SHARE
    table["by_asset"] = pd.Series(by_asset, index=table.index, dtype=object)


def _replay_response(
    market: StressMarket,
    low: FloatArray,
    high: FloatArray,
    close: FloatArray,
    p_start: float,
    dt_s: float,
) -> tuple[FloatArray, bool]:
    """The calibrated liquidity response along a recorded path (one engine for replays).

    The down side (longs, sell stops, bids) runs :class:`LiquidityResponse` with the
    recorded lows as its index (capped at the start price), the up side with the
    highs (floored at it); each bar lasts ``dt_s`` seconds. The simulated low (high)
    is the down (up) side's price; the close moves by both sides' displacement
    relative to their index. Returns ``(path (bars, 5) as replay_kernel's, book
    exhausted)``; liquidations per bar on each side.
    """
    from liqcascade.cascade import LiquidityResponse, prepare_cascade

    cal = market.liquidity()
    book = market.state.recentred_book(p_start)
    prep = prepare_cascade(book, market.state.positions, market.state.stops)
    n = close.size
    dt = np.full(n, float(dt_s))
    dt[0] = 0.0
    out = np.empty((n, 5))
    exhausted = False
    disp = np.ones(n)
    for d, idx in ((1.0, np.minimum(low, p_start)), (-1.0, np.maximum(high, p_start))):
        resp = LiquidityResponse.of(prep, d, cal.params)
        r = resp.run(idx, dt, 0.0, record=True)
        tr = np.asarray(r[12])  # USD prices; cumulative liquidated USD
        m = tr.shape[0]
        last = float(tr[-1, 0]) if m else float(idx[-1])
        price = np.concatenate([tr[:, 0], np.full(n - m, last)])
        price = np.minimum(price, idx) if d > 0 else np.maximum(price, idx)
        cum = np.concatenate([tr[:, 4], np.full(n - m, tr[-1, 4] if m else 0.0)])
        liq = np.diff(np.concatenate([[0.0], cum]))
        disp *= price / idx
        if d > 0:
            out[:, 0], out[:, 3] = price, liq
        else:
            out[:, 1], out[:, 4] = price, liq
        exhausted = exhausted or bool(r[9])
    out[:, 2] = np.minimum(np.maximum(close * disp, out[:, 0]), out[:, 1])
    return out, exhausted


def replay(
    portfolio: Portfolio,
    market: StressMarket,
    window: str,
    *,
    cascade: bool = True,
    rebase: bool = True,
    max_rounds: int = 100,
) -> StressResult:
    """Replay a recorded crash window on today's portfolio and estimated book.

    The recorded bars are rebased to the start prices (``price · P0 / first open``,
    the first open of the window's bars: for BTC's hourly 2025-10-10 window the open
    :func:`liqcascade.solvency.october_2025_shock` reads too) unless ``rebase=False``.
    With ``cascade=True`` the market asset's price after
    (``details["<asset>_price_after"]``) and lowest price (``_min_price``) include the
    calibrated response's displacement: they are not the rebased recorded ones.
    With ``cascade=True`` the market's estimated book responds
    through the calibrated liquidity response on the bars' clock (the recorded lows
    are the down side's index, the highs the up side's; depth refills with the
    calibrated resilience, arbitrage spreads the displacement: the one engine of
    :mod:`liqcascade.cascade`). With ``cascade=False`` the path is the recorded one
    exactly and liquidations are counted along it. ``details["book_exhausted"]``
    says when the order book ran out and ``details["whole_book_liquidated"]`` when
    the liquidations are the whole position book of a side. A window that runs past
    an asset's bars is cut to them (:func:`window_bars`): ``details["window_asked"]``
    is then the window asked and ``details["<asset>_window"]`` the range replayed, and
    the label is the market asset's range.

    Parameters
    ----------
    portfolio : Portfolio
        The positions (every asset held needs a price in ``market``).
    market : StressMarket
        Start prices (USD) and the estimated book of the market's asset
        (:func:`stress_market`).
    window : str
        A name of :data:`WINDOWS` or ``"START/END"`` (UTC; see :func:`replay_bars`).
    cascade : bool, default True
        The market's book responds (the calibrated response); False: the recorded
        path exactly, with liquidations counted along it.
    rebase : bool, default True
        Scale the recorded bars to the start prices (``price · P0 / first open``);
        False: the recorded USD prices as they were.
    max_rounds : int, default 100
        Round limit per bar of the kernel that counts liquidations along the
        recorded path (used where the calibrated response is not: ``cascade=False``,
        or an asset other than the market's).

    Returns
    -------
    StressResult
        One path; ``table`` holds it bar by bar.
    """
    _check_pf(portfolio, market)
    max_rounds = check_whole(max_rounds, "max_rounds")
    final: dict[str, np.ndarray] = {}
    low: dict[str, np.ndarray] = {}
    high: dict[str, np.ndarray] = {}
    liq_total = 0.0
    main = market.asset
    details: dict[str, Any] = {
        "as_of": market.as_of.isoformat(),
        "asset": main,
        "cascade": cascade,
    }
    table = None
    label = window
    starts: dict[str, float] = {}
    for a in sorted(set(portfolio.assets) | {main}):
        bars, source, label_a, asked = window_bars(window, a, hourly=market.hourly.get(a))
        if label_a != asked:  # the bars stop inside the window: cut to them, and said
            details["window_asked"] = asked
            details[f"{a}_window"] = label_a
        scale = market.prices[a] / float(bars["open"].iloc[0]) if rebase else 1.0
        book = market.book if a == main else StressBook.empty()
        lo_r = np.ascontiguousarray(bars["low"].to_numpy() * scale)
        hi_r = np.ascontiguousarray(bars["high"].to_numpy() * scale)
        cl_r = np.ascontiguousarray(bars["close"].to_numpy() * scale)
        p_start = float(bars["open"].iloc[0] * scale)
        starts[a] = p_start
        if a == main and cascade:
            step = pd.DatetimeIndex(bars.index).to_series().diff().median()
            path, ran_out = _replay_response(
                market, lo_r, hi_r, cl_r, p_start, float(step.total_seconds())
            )
            details["book_exhausted"] = ran_out
            details["liquidity"] = "calibrated"
        else:
            path = replay_kernel(lo_r, hi_r, cl_r, p_start, *book.kernel_args(), 0.0, max_rounds)
        # a rebased replay starts from the current price; an absolute one from its open
        final[a] = np.array([path[-1, 2]])
        low[a] = np.array([min(path[:, 0].min(), p_start)])
        high[a] = np.array([max(path[:, 1].max(), p_start)])
        details[f"{a}_source"] = source
        details[f"{a}_bars"] = len(bars)
        details[f"{a}_recorded_move"] = float(bars["close"].iloc[-1] / bars["open"].iloc[0] - 1)
        details[f"{a}_recorded_low_move"] = float(bars["low"].min() / bars["open"].iloc[0] - 1)
        idx = pd.DatetimeIndex(bars.index)
        step = idx.to_series().diff().median()
        details[f"{a}_span"] = [idx[0].isoformat(), (idx[-1] + step).isoformat()]
        details[f"{a}_price_after"] = float(final[a][0])
        details[f"{a}_min_price"] = float(low[a][0])
        if a == main:
            label = label_a
            liq_total = float(path[:, 3].sum() + path[:, 4].sum())
            details["liquidated_long_usd"] = float(path[:, 3].sum())
            details["liquidated_short_usd"] = float(path[:, 4].sum())
            far_long, far_short = market.farthest_liquidation()
            details["whole_book_liquidated"] = bool(
                path[:, 0].min() <= far_long or path[:, 1].max() >= far_short
            )
            table = pd.DataFrame(
                path,
                index=bars.index,
                columns=["low", "high", "close", "liq_long_usd", "liq_short_usd"],
            )
            table["recorded_close"] = cl_r
    # "after": every asset's last bar's close (the window's end), not its low
    details["price_after_is"] = "close at the window's end"
    # an absolute (not rebased) replay starts from each window's first open
    prices = dict(market.prices) if rebase else {**market.prices, **starts}
    out = evaluate_portfolio(portfolio, prices, final, low, high)
    return StressResult(
        scenario="replay",
        label=label,
        seed=None,
        pnl=out.pnl,
        liquidated=out.liquidated,
        stopped=out.stopped,
        market_liq_usd=np.array([liq_total]),
        final_price=final,
        portfolio=portfolio,
        prices=prices,
        details=details,
        table=table,
        exhausted=np.array([bool(details.get("whole_book_liquidated", False))]),
        asset=main,
    )


def check_horizon_days(horizon_days: int) -> None:
    """Refuse a Monte Carlo horizon outside [1, :data:`~liqcascade._limits.MAX_HORIZON_DAYS`] days.

    Past a year the daily model's paths are its unconditional variance times the days
    (expected P&L and VaR then overflow any market), not a forecast.
    """
    whole = isinstance(horizon_days, numbers.Integral) and not isinstance(horizon_days, bool)
    if not (whole and 1 <= horizon_days <= MAX_HORIZON_DAYS):  # 1.5 ran 1 day's paths
        raise InputError(
            f"horizon_days must be an integer in [1, {MAX_HORIZON_DAYS}] days "
            f"(got {horizon_days}): the daily model forecasts at most a year",
            param="horizon_days",
        )


def monte_carlo(
    portfolio: Portfolio,
    market: StressMarket,
    *,
    paths: int = 10000,
    horizon_days: int = 30,
    method: str = "fhs",
    model: str = "gjr",
    dist: str = "t",
    seed: int = 0,
    cascade: bool = True,
    backend: str = "local",
    scheduler: str | None = None,
    client: Any = None,
    advance: Callable[[float], None] | None = None,
    fits: dict[str, Any] | None = None,
    drift: str = "zero",
) -> StressResult:
    """Monte Carlo paths of daily steps from the fitted model; the book's liquidations along them.

    History's cascades are counted once. The paths move by the fitted model's
    innovations (filtered historical simulation: the standardised residuals of the
    recorded daily returns, which already hold every cascade history had; or draws
    from the distribution fitted to them), and the market's estimated book is liquidated
    along each path (every long whose liquidation price the running low crosses,
    every short the running high crosses). The cascade adds only impact beyond what
    the residual distribution implies, and the calibrated response identifies none:
    on the real trigger events its cascade contributes nothing the next day's
    volatility does not already carry (docs/liquidity.md), so no impact is added
    and the book does not move price (``details["cascade_rule"]``). Per path,
    ``exhausted`` flags a path that liquidated the whole book of a side; the
    summary's figures say when they are the whole book.

    Parameters
    ----------
    portfolio : Portfolio
    market : StressMarket
    paths : int, default 10,000
    horizon_days : int, default 30
        Days of daily steps, in [1, :data:`liqcascade._limits.MAX_HORIZON_DAYS`] (365).
    method : {"fhs", "garch"}, default "fhs"
        Filtered historical simulation or draws from the fitted distribution.
    model : {"gjr", "egarch", "garch"}, default "gjr"
    dist : {"t", "normal", "skewt"}, default "t"
    seed : int, default 0
    cascade : bool, default True
        Kept for the interface: the paths are the same with and without it (the
        residuals carry history's cascades); liquidations are always counted.
    backend, scheduler, client
        See :func:`liqcascade.stress.run_paths`.
    advance : callable, optional
        Progress callback (paths done).
    fits : dict, optional
        Fitted :class:`~liqcascade.volatility.VolatilityFit` per asset to reuse.
    drift : {"zero", "fitted"}, default "zero"
        The paths' daily mean: zero (the risk convention, the default) or the
        constant mean fitted on the returns (see :func:`fit_joint_model`).
    """
    _check_pf(portfolio, market)
    if isinstance(paths, bool) or not isinstance(paths, numbers.Integral):  # 1.5 ran 1 path
        raise InputError(f"paths must be a whole number > 0 (got {paths!r})", param="paths")
    if paths <= 0:
        raise InputError(f"paths must be > 0 (got {paths})", param="paths")
    check_horizon_days(horizon_days)
    main = market.asset
    assets = [main] + [a for a in portfolio.assets if a != main]
    try:
        check_seed(seed, "seed")
    except InputError as exc:
        raise InputError(str(exc), param="seed") from None
    try:
        check_count("paths", int(paths), stress_path_bytes(len(assets), len(portfolio)))
    except InputError as exc:
        raise InputError(str(exc), param="paths") from None
    jm = fit_joint_model(
        assets,
        market.prices,
        as_of=market.last_daily,  # daily bars closed by the market's close only
        method=method,
        model=model,
        dist=dist,
        fits=fits,
        drift=drift,
        closes={a: d["close"] for a, d in market.daily.items()},
    )
    books = tuple(market.book if a == main else StressBook.empty() for a in assets)
    # history's cascades are in the residuals: no second cascade on top (impact 0)
    spec = PathSpec(model=jm, books=books, horizon=int(horizon_days), impact=0.0)
    ps = run_paths(
        spec,
        int(paths),
        int(seed),
        backend=backend,
        scheduler=scheduler,
        advance=advance,
        client=client,
    )
    out = evaluate_portfolio(portfolio, market.prices, ps.final, ps.low, ps.high)
    liq = ps.liq_long_usd[main] + ps.liq_short_usd[main]
    whole_long, whole_short = market.side_notional()
    exhausted = ((ps.liq_long_usd[main] >= 0.999 * whole_long) & (whole_long > 0)) | (
        (ps.liq_short_usd[main] >= 0.999 * whole_short) & (whole_short > 0)
    )
    return StressResult(
        scenario="montecarlo",
        label=f"{method} {model}-{dist}, {count_text(int(horizon_days), 'day')}",
        seed=int(seed),
        pnl=out.pnl,
        liquidated=out.liquidated,
        stopped=out.stopped,
        market_liq_usd=liq,
        final_price=ps.final,
        portfolio=portfolio,
        prices=dict(market.prices),
        details={
            "as_of": market.as_of.isoformat(),
            "asset": main,
            "cascade": cascade,
            "horizon_days": int(horizon_days),
            "drift": drift,
            "backend": backend,
            "model": jm.summary(),
            "min_price_p05": float(np.quantile(ps.low[main], 0.05)),
            "cascade_rule": "residuals carry history's cascades; liquidations counted "
            "along the path; no added impact",
            "book_long_usd": whole_long,
            "book_short_usd": whole_short,
            # orders due before the paths start never fire on them: counted, not dropped
            "orders_past_start": market.book.past_start(market.prices[main]),
        },
        exhausted=exhausted,
        asset=main,
        mu_fitted={m.asset: float(m.mu_fitted) for m in jm.models},
    )


def run_batch(
    scenarios: Sequence[tuple[str, Callable[[], StressResult]]],
) -> list[StressResult | FailedScenario]:
    """Run labelled scenario thunks; a failure becomes a :class:`FailedScenario`.

    Any exception is kept (STYLE §3: a batch finishes), with its type and the scenario
    (``"shock"``, ``"replay"``, ``"montecarlo"``) whose function raised it.

    Parameters
    ----------
    scenarios : sequence of (label, callable)
        Each callable takes no argument and returns a :class:`StressResult`.
    """
    out: list[StressResult | FailedScenario] = []
    for label, fn in scenarios:
        try:
            out.append(fn())
        except Exception as exc:  # by design: the batch goes on, the failure is reported
            error = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
            out.append(FailedScenario(_scenario_of(exc), label, error, type(exc).__name__))
    return out


def _scenario_of(exc: BaseException) -> str:
    """The scenario whose function raised ``exc`` (the outermost on its traceback), or "?"."""
    kinds = {shock_grid.__code__: "shock", replay.__code__: "replay",
             monte_carlo.__code__: "montecarlo"}  # fmt: skip
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        if frame.f_code in kinds:
            return kinds[frame.f_code]
    return "?"
