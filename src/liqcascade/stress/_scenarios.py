"""Stress scenarios: instantaneous shocks, historical replays, Monte Carlo; batches.

Every scenario runs a portfolio *and* the market: the estimated ETH book of the
``as_of`` date (:func:`liqcascade.cascade.market_state`) liquidates along the path
and its cascade moves ETH further. BTC has no bundled position book: BTC positions
follow BTC's path without a modelled cascade.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._limits import check_count, check_seed, stress_path_bytes
from liqcascade.errors import InputError
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
            "2025-10-10",
            "2025-10-10",
            "2025-10-11 23:59",
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


def _load_source(source: str, asset: str, start: Any, end: Any) -> pd.DataFrame:
    import liqcascade.market._bundled as _bundled

    if source == "ohlcv_1h":
        df = _bundled.ohlcv(asset, "1h")
        return df[(df.index >= start) & (df.index <= end)]
    return _bundled.dataset(source, start, end)


def replay_bars(window: str, asset: str = "ETH") -> tuple[pd.DataFrame, str, str]:
    """Recorded bars (open, high, low, close; USD) of a named window or ``START/END``.

    Returns ``(bars, source, label)``. ETH uses the finest bundled bars covering the
    whole range (hourly where nothing finer exists); BTC uses hourly bars.

    Raises
    ------
    InputError
        Unknown name, unparsable range, or no bundled bars covering it.
    """
    if window in WINDOWS:
        w = WINDOWS[window]
        start, end = pd.Timestamp(w.start, tz="UTC"), pd.Timestamp(w.end, tz="UTC")
        source = w.source if asset == "ETH" else "ohlcv_1h"
        label = w.name
    else:
        parts = window.split("/")
        if len(parts) != 2:
            raise InputError(
                f"--window must be one of {', '.join(WINDOWS)} or START/END (got {window!r})"
            )
        try:
            start, end = (pd.Timestamp(p.strip()) for p in parts)
        except (ValueError, TypeError):
            raise InputError(f"--window: not a date range: {window!r}") from None
        start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
        end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
        if len(parts[1].strip()) <= 10:
            end = end + pd.Timedelta(days=1) - pd.Timedelta(minutes=1)
        if end <= start:
            raise InputError(f"--window: end must be after start (got {window!r})")
        source = "ohlcv_1h"
        if asset == "ETH":
            import liqcascade.market._bundled as _bundled

            for name in _FINE_SOURCES:
                idx = _bundled.dataset_index(name)
                if idx[0] <= start and idx[-1] >= end - pd.Timedelta(hours=1):
                    source = name
                    break
        label = f"{start:%Y-%m-%d %H:%M}/{end:%Y-%m-%d %H:%M}"
    bars = _load_source(source, asset, start, end)
    if len(bars) < 2:
        raise InputError(f"--window {window}: no bundled {asset} bars in that range")
    return bars[["open", "high", "low", "close"]].astype(float), source, label


@dataclass(frozen=True, eq=False)
class StressMarket:
    """The market a scenario runs on: start prices and the ETH book.

    Attributes
    ----------
    as_of : pandas.Timestamp
    prices : dict
        Start price per asset (USD): the estimated market's mid for ETH, the hourly
        close at or before ``as_of`` for BTC.
    book : StressBook
        The estimated ETH positions, modelled stops and calibrated depth, sorted.
    state : MarketState
    """

    as_of: pd.Timestamp
    prices: dict[str, float]
    book: StressBook
    state: Any


def stress_market(as_of: Any = None, *, state: Any = None, asset: str = "ETH") -> StressMarket:
    """The estimated market of ``as_of`` (default: the last date the book can be estimated).

    Parameters
    ----------
    as_of : datetime-like, optional
        See :func:`liqcascade.market.estimated_market`: a bare date is the close of
        that day's last bar.
    state : MarketState, optional
        An already built state (then ``as_of`` and ``asset`` are ignored).
    asset : str, default "ETH"
        The market whose estimated book cascades (bundled: ETH).

    Notes
    -----
    Every start price is the hourly close when the market's bar closed
    (``state.close_time``): nothing after it is read.
    """
    from liqcascade.market import MarketSpec, estimated_market, price_at

    st = state if state is not None else estimated_market(MarketSpec(asset=asset, as_of=as_of))
    if st.asset != "ETH":
        raise InputError(
            f"asset: the stress scenarios cascade ETH's book only; {st.asset} is not "
            "supported yet (its portfolio legs are: hold them in an ETH-market run)",
            param="asset",
        )
    prices = {"ETH": float(st.mid)}
    try:
        prices["BTC"] = price_at("BTC", st.close_time)
    except InputError:
        raise InputError(f"--as-of {st.as_of:%Y-%m-%d}: no bundled BTC price before it") from None
    return StressMarket(
        as_of=st.as_of,
        prices=prices,
        book=stress_book(st.positions, st.stops, st.book),
        state=st,
    )


def _check_pf(portfolio: Portfolio, market: StressMarket) -> None:
    if not isinstance(portfolio, Portfolio):
        raise InputError(f"portfolio must be a Portfolio (got {type(portfolio).__name__})")
    portfolio.check_prices(market.prices)


def shock_grid(
    portfolio: Portfolio,
    market: StressMarket,
    shocks: Sequence[float] = DEFAULT_SHOCKS,
    *,
    cascade: bool = True,
) -> StressResult:
    """Instantaneous shocks: each moves every asset by the fraction; ETH then cascades.

    The cascade is :func:`liqcascade.cascade.simulate_cascade` on the estimated
    market (DESIGN.md semantics through the calibrated order book); the ETH price a
    position sees is the post-cascade price (a cascade moves price one way, so the
    extreme is the end). BTC moves by the shock alone. Market liquidations are the
    triggered notional at the liquidation prices (as the path kernels count them);
    ``filled_liquidations_usd`` is what the engine filled through the book (less when
    the book runs out). Each shock is one row of
    ``table``; VaR/ES treat the shocks as equally likely scenarios (read the table).
    """
    from liqcascade.cascade import simulate_cascade

    _check_pf(portfolio, market)
    fr = [float(s) for s in shocks]
    if not fr:
        raise InputError("--shocks: give at least one shock")
    for s in fr:
        if not (math.isfinite(s) and -1.0 < s < 10.0 and s != 0.0):
            raise InputError(f"--shocks: each shock must be a non-zero fraction > -1 (got {s})")
    prep = market.state.prepare()
    pos = market.state.positions
    mid = market.prices["ETH"]
    eth, liq, filled = [], [], []
    for s in fr:
        if cascade:
            r = simulate_cascade(prep, shock=s)
            p1 = float(r.final_price)
            filled.append(float(r.liquidated_usd))
        else:
            p1 = mid * (1 + s)
            filled.append(math.nan)
        eth.append(p1)
        # triggered notional at the liquidation prices, as the path kernels count it
        hit = (pos.side * (pos.liq_price - p1) >= 0) & (pos.side * (pos.liq_price - mid) < 0)
        liq.append(float((pos.size * pos.liq_price)[hit].sum()))
    arr = np.array(fr)
    final = {a: market.prices[a] * (1 + arr) for a in market.prices}
    final["ETH"] = np.array(eth)
    out = evaluate_portfolio(portfolio, market.prices, final, final, final)
    table = pd.DataFrame(
        {
            "shock": arr,
            "eth_price_after": final["ETH"],
            "market_liquidations_usd": np.array(liq),
            "filled_liquidations_usd": np.array(filled),
            "portfolio_pnl_usd": out.pnl,
        }
    )
    return StressResult(
        scenario="shock",
        label=",".join(f"{s:+.0%}" for s in fr),
        seed=None,
        pnl=out.pnl,
        liquidated=out.liquidated,
        stopped=out.stopped,
        market_liq_usd=np.array(liq),
        final_price=final,
        portfolio=portfolio,
        prices=dict(market.prices),
        details={"as_of": market.as_of.isoformat(), "cascade": cascade},
        table=table,
    )


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

    The recorded bars are rebased to the start prices (``price · P0 / first open``)
    unless ``rebase=False``; each bar's low, then high, triggers the estimated ETH
    book, whose cascade displaces the path from then on (permanent impact). With
    ``cascade=False`` the path is the recorded one exactly and liquidations are
    counted along it.
    """
    _check_pf(portfolio, market)
    final: dict[str, np.ndarray] = {}
    low: dict[str, np.ndarray] = {}
    high: dict[str, np.ndarray] = {}
    liq_total = 0.0
    details: dict[str, Any] = {"as_of": market.as_of.isoformat(), "cascade": cascade}
    table = None
    label = window
    starts: dict[str, float] = {}
    for a in sorted(set(portfolio.assets) | {"ETH"}):
        bars, source, label_a = replay_bars(window, a)
        scale = market.prices[a] / float(bars["open"].iloc[0]) if rebase else 1.0
        book = market.book if a == "ETH" else StressBook.empty()
        lo_r = np.ascontiguousarray(bars["low"].to_numpy() * scale)
        hi_r = np.ascontiguousarray(bars["high"].to_numpy() * scale)
        cl_r = np.ascontiguousarray(bars["close"].to_numpy() * scale)
        p_start = float(bars["open"].iloc[0] * scale)
        starts[a] = p_start
        path = replay_kernel(
            lo_r,
            hi_r,
            cl_r,
            p_start,
            *book.kernel_args(),
            1.0 if cascade else 0.0,
            max_rounds,
        )
        # a rebased replay starts from the current price; an absolute one from its open
        final[a] = np.array([path[-1, 2]])
        low[a] = np.array([min(path[:, 0].min(), p_start)])
        high[a] = np.array([max(path[:, 1].max(), p_start)])
        details[f"{a}_source"] = source
        details[f"{a}_bars"] = len(bars)
        details[f"{a}_recorded_move"] = float(bars["close"].iloc[-1] / bars["open"].iloc[0] - 1)
        details[f"{a}_min_price"] = float(low[a][0])
        if a == "ETH":
            label = label_a
            liq_total = float(path[:, 3].sum() + path[:, 4].sum())
            details["liquidated_long_usd"] = float(path[:, 3].sum())
            details["liquidated_short_usd"] = float(path[:, 4].sum())
            table = pd.DataFrame(
                path,
                index=bars.index,
                columns=["low", "high", "close", "liq_long_usd", "liq_short_usd"],
            )
            table["recorded_close"] = cl_r
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
) -> StressResult:
    """Monte Carlo paths of daily steps from the fitted model, cascade at every step.

    Parameters
    ----------
    portfolio : Portfolio
    market : StressMarket
    paths : int, default 10,000
    horizon_days : int, default 30
    method : {"fhs", "garch"}, default "fhs"
        Filtered historical simulation or draws from the fitted distribution.
    model : {"gjr", "egarch", "garch"}, default "gjr"
    dist : {"t", "normal", "skewt"}, default "t"
    seed : int, default 0
    cascade : bool, default True
        False: paths without book impact (liquidations still counted).
    backend, scheduler, client
        See :func:`liqcascade.stress.run_paths`.
    advance : callable, optional
        Progress callback (paths done).
    fits : dict, optional
        Fitted :class:`~liqcascade.volatility.VolatilityFit` per asset to reuse.
    """
    _check_pf(portfolio, market)
    if paths <= 0:
        raise InputError(f"--paths must be > 0 (got {paths})")
    if horizon_days <= 0:
        raise InputError(f"--horizon-days must be > 0 (got {horizon_days})")
    check_seed(seed)
    assets = ["ETH"] + [a for a in portfolio.assets if a != "ETH"]
    check_count("--paths", int(paths), stress_path_bytes(len(assets), len(portfolio)))
    jm = fit_joint_model(
        assets,
        market.prices,
        as_of=market.as_of,
        method=method,
        model=model,
        dist=dist,
        fits=fits,
    )
    books = tuple(market.book if a == "ETH" else StressBook.empty() for a in assets)
    spec = PathSpec(
        model=jm, books=books, horizon=int(horizon_days), impact=1.0 if cascade else 0.0
    )
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
    liq = ps.liq_long_usd["ETH"] + ps.liq_short_usd["ETH"]
    return StressResult(
        scenario="montecarlo",
        label=f"{method} {model}-{dist}, {horizon_days} days",
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
            "cascade": cascade,
            "horizon_days": int(horizon_days),
            "backend": backend,
            "model": jm.summary(),
            "eth_min_price_p05": float(np.quantile(ps.low["ETH"], 0.05)),
        },
    )


def run_batch(
    scenarios: Sequence[tuple[str, Callable[[], StressResult]]],
) -> list[StressResult | FailedScenario]:
    """Run labelled scenario thunks; a failure becomes a :class:`FailedScenario`.

    Parameters
    ----------
    scenarios : sequence of (label, callable)
        Each callable takes no argument and returns a :class:`StressResult`.
    """
    out: list[StressResult | FailedScenario] = []
    for label, fn in scenarios:
        try:
            out.append(fn())
        except InputError as exc:
            out.append(FailedScenario("?", label, str(exc)))
        except Exception as exc:
            out.append(FailedScenario("?", label, f"{type(exc).__name__}: {exc}"))
    return out
