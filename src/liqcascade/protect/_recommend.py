"""Stop recommendation: a volatility-scaled distance moved out of the crowd.

A stop is placed ``k · σ_H`` from the market's mid (today's price, not the position's
entry), on the contract's tick, where ``σ_H`` is the volatility over the holding
horizon (GJR-GARCH(1,1)-t forecast on daily log returns, summed over the horizon's
days; or Wilder's ATR × √H). It is then moved out of every exclusion zone:
the modelled liquidation/stop clusters of the liquidation map at ``as_of`` (widened by
``band`` on each side) and the crowded zone just beyond round numbers. It always stays
inside the liquidation price (at most ``max_liq_fraction`` of the way there). The
expected slippage of a stop at any level is computed with the cascade engine: the
market falls to the level and the stop sells with everything triggered with it.
With ``liquidity="calibrated"`` (the default) that is the first step of the
calibrated liquidity response (docs/liquidity.md: the displayed book with its latent
depth; liquidations join at the venue's finite rate, stops at once); with
``"static"`` one round of docs/design.md's static book, everything triggered together.
The stop fills at its close price (what the book cannot absorb closes at the price
reached).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._json import SummaryDict
from liqcascade._prices import count_text, percent_text
from liqcascade._sides import SIDE_RULE, side_sign
from liqcascade._symbols import check_same_asset
from liqcascade._time import as_of_instant
from liqcascade.cascade import simulate_cascade
from liqcascade.errors import InputError
from liqcascade.market import MarketSpec, MarketState, estimated_market
from liqcascade.positions import StopBook, liquidation_map, round_number_step
from liqcascade.protect._position import (
    DEFAULT_HORIZON_DAYS,
    LIQUIDITY,
    VENUE_NAMES,
    RecommendSettings,
    _liquidity_message,
    check_position,
    check_venue,
    liquidation_price,
)
from liqcascade.protect._position import (
    MAX_K as MAX_K,  # the recommendation's bound on k, read by tests from here too
)
from liqcascade.protect._stop_odds import STOP_OUT_MODEL, distance_given_up, stop_out_chance

__all__ = [
    "LIQUIDITY",
    "STOP_CHOICE_RULE",
    "RecommendSettings",
    "StopRecommendation",
    "check_position",
    "crowd_side",
    "expected_slippage",
    "hyperliquid_tick",
    "liquidation_price",
    "price_tick",
    "recommend_stop",
    "round_step",
    "slippage_text",
    "vol_distance",
    "vol_estimate",
]


def _decade(price: float) -> int:
    """The power of ten of ``price`` (3,698.39 -> 3); a price not finite and > 0 refused."""
    if not (math.isfinite(price) and price > 0):
        raise InputError(f"price must be > 0 USD (got {price})", param="price")
    return math.floor(math.log10(price))


def round_step(price: float) -> float:
    """Round-number step of a price: the stop model's smallest step there (3,698 → 100 USD).

    Read from :func:`liqcascade.positions.round_number_step`, the one rule for where the
    modelled stops crowd: a tenth of the price's power of ten ($100 at $3,698, $1,000
    at $95,000, $10,000 at $115,000), so the round numbers this recommender avoids are
    the liquidation map's.

    Parameters
    ----------
    price : float
        Price, USD, > 0.

    Returns
    -------
    float
        The step, USD.

    Raises
    ------
    InputError
        If ``price`` is not finite and > 0.
    """
    _decade(price)  # a price not finite and > 0 refused
    return float(round_number_step(np.array([price]))[0])


def price_tick(price: float) -> float:
    """Price step a recommended stop is quoted in: 1/100,000 of the price's power of ten.

    3,419.53 -> 0.01 USD (ETHUSDT's tick), 115,764 -> 1 USD; a stop moved out of a
    cluster sits at least one such step beyond the cluster's edge, so the printed stop
    is never the edge itself.

    Parameters
    ----------
    price : float
        Price, USD, > 0.

    Returns
    -------
    float
        The tick, USD.

    Raises
    ------
    InputError
        If ``price`` is not finite and > 0.
    """
    return float(10.0 ** (_decade(price) - 5))


#: Price ticks of the contracts with a packaged tier table (Binance and Bybit USDT
#: perpetuals quote both on the same tick), USD.
CONTRACT_TICKS: dict[str, float] = {"BTC": 0.1, "ETH": 0.01}


def contract_tick(asset: str, price: float, venue: str = "binance") -> float:
    """The price tick a stop on ``asset``'s perpetual on ``venue`` is quoted in, USD.

    Binance and Bybit (``BTCUSDT``/``ETHUSDT``): :data:`CONTRACT_TICKS`, BTC 0.10 and
    ETH 0.01; another asset falls back to :func:`price_tick` at ``price`` (1/100,000 of
    its power of ten). Hyperliquid: :func:`hyperliquid_tick` at ``price``.

    Parameters
    ----------
    asset : str
        Base asset (``"BTC"``, ``"ETH"``, ...).
    price : float
        Price, USD, > 0 (the fallback's scale; Hyperliquid's tick follows the price).
    venue : {"binance", "bybit", "hyperliquid"}, default "binance"
        Whose contract.

    Returns
    -------
    float
        The tick, USD.

    >>> contract_tick("BTC", 115764.08), contract_tick("ETH", 3698.39)
    (0.1, 0.01)
    >>> contract_tick("ETH", 3698.39, "hyperliquid"), contract_tick("BTC", 115764.08, "hyperliquid")
    (0.1, 1.0)
    """
    if venue == "hyperliquid":
        return hyperliquid_tick(asset, price)
    return CONTRACT_TICKS.get(asset.upper(), 0.0) or price_tick(price)


#: Hyperliquid's ``szDecimals`` of the coins the package ships (size decimals; a perp's
#: price may have at most ``6 - szDecimals`` decimals).
HYPERLIQUID_SZ_DECIMALS: dict[str, int] = {"BTC": 5, "ETH": 4}


def hyperliquid_tick(asset: str, price: float) -> float:
    """Hyperliquid's price step at ``price``, USD: five significant figures.

    Hyperliquid's rule for a perpetual's prices (its "tick and lot size"): at most 5
    significant figures and at most ``6 - szDecimals`` decimals
    (:data:`HYPERLIQUID_SZ_DECIMALS`; an asset without one: the figures alone), an
    integer always allowed. So 3,698.39 → 0.1 (ETH), 115,764 → 1 (BTC).

    Parameters
    ----------
    asset : str
        Base asset.
    price : float
        Price, USD, > 0 (the step is the one of this price's decade).

    Returns
    -------
    float
        The step, USD.

    Raises
    ------
    InputError
        If ``price`` is not finite and > 0.
    """
    step = min(1.0, 10.0 ** (_decade(price) - 4))
    sz = HYPERLIQUID_SZ_DECIMALS.get(asset.upper())
    return float(step if sz is None else max(step, 10.0 ** -(6 - sz)))


def _on_tick(n: float, tick: float) -> float:
    """``n`` ticks as a price, rounded to the tick's decimals (no float tail)."""
    return round(n * tick, max(0, -math.floor(math.log10(tick))))


def _beyond(edge: float, direction: int, tick: float | None = None) -> float:
    """The first tick strictly beyond ``edge`` (``direction`` +1: above, -1: below).

    ``tick`` default: :func:`price_tick` at ``edge``.
    """
    tick = tick or price_tick(edge)
    n = math.floor(edge / tick + 1e-9) + 1 if direction > 0 else math.ceil(edge / tick - 1e-9) - 1
    return _on_tick(n, tick)


def stop_on_tick(
    price: float, side: int, tick: float, bound: float, zones: list[dict[str, Any]] | None = None
) -> float:
    """A stop price on the tick, rounded toward safety (:data:`TICK_RULE`).

    Parameters
    ----------
    price : float
        The stop before rounding, USD.
    side : int
        +1 long (a sell stop below the price), −1 short (a buy stop above).
    tick : float
        The contract's tick, USD (:func:`contract_tick`).
    bound : float
        The furthest a stop may lie (its liquidation cap), USD.
    zones : list of dict, optional
        Crowd zones (``price_low``, ``price_high``, USD).

    Returns
    -------
    float
        The price on the tick, USD.

    >>> stop_on_tick(111618.44, 1, 0.1, 100000.0), stop_on_tick(4088.687, -1, 0.01, 4150.0)
    (111618.4, 4088.69)
    """
    lo = _on_tick(math.floor(price / tick + 1e-9), tick)
    hi = _on_tick(math.ceil(price / tick - 1e-9), tick)
    away, toward = (lo, hi) if side > 0 else (hi, lo)
    past = (away <= bound) if side > 0 else (away >= bound)
    zs = zones or []
    crowded = any(_inside(away, z) for z in zs) and not any(_inside(price, z) for z in zs)
    return toward if past or crowded else away


#: How a printed stop is put on the contract's tick (docs/protect.md).
TICK_RULE = (
    "every stop price lies on the contract's tick (BTCUSDT 0.10, ETHUSDT 0.01 USD), "
    "rounded away from the price (a long's down, a short's up) unless that puts it at or "
    "past its liquidation cap or into a crowd zone it was clear of; then toward the price"
)


def check_stop_side(side: int, stop: float, mid: float, asset: str = "") -> None:
    """Refuse a stop already through the market: it would fire at once.

    A long's sell stop at or above the mid (a short's buy stop at or below it) is
    triggered the moment it is placed (Binance rejects it: "Order would immediately
    trigger"); it has no stop-out chance to state.

    Parameters
    ----------
    side : int
        +1 long, −1 short.
    stop, mid : float
        The stop and the market's mid, USD.
    asset : str, optional
        Named in the message.

    Raises
    ------
    InputError
        ``param="entry"`` (the position the stop was placed for).
    """
    if side * (mid - stop) > 0:
        return
    where = "at or above" if side > 0 else "at or below"
    kind = "a long's sell stop" if side > 0 else "a short's buy stop"
    raise InputError(
        f"stop {stop:,.2f} is {where} the {asset + ' ' if asset else ''}mid {mid:,.2f}: "
        f"{kind} there is already triggered (it fires the moment it is placed)",
        param="entry",
    )


#: A move out of the zones is made only when the new level's expected slippage is at
#: most the raw stop's plus this (fraction of the trigger): equality up to float noise.
SLIPPAGE_TOL = 1e-9

#: The smallest expected slippage printed as a figure (fraction: 0.001 %); below it
#: :func:`slippage_text` says "under 0.001 %" (0.000 % read as certainty).
SLIPPAGE_SHOWN = 0.00001


def slippage_text(x: float) -> str:
    """An expected slippage (fraction) as text: ``0.012 %``, or ``under 0.001 %``.

    Three decimals of a percent; a slippage below :data:`SLIPPAGE_SHOWN` is "under
    0.001 %" (the calibrated response's latent depth absorbs most stops: the model's
    figure is then small, not zero and not certain).

    >>> slippage_text(0.00012), slippage_text(0.0), slippage_text(3e-6)
    ('0.012 %', 'under 0.001 %', 'under 0.001 %')
    """
    return f"under {percent_text(SLIPPAGE_SHOWN, 3)}" if x < SLIPPAGE_SHOWN else percent_text(x, 3)


#: An entry more than this fraction from the market's mid draws a warning: the
#: liquidation map behind the exclusion zones reads ±20 % around the mid (its default
#: ``range_``).
FAR_FROM_MID = 0.2

#: A daily close within this fraction of a far entry makes its day a market date to
#: run the recommendation at (:func:`date_near_price`).
NEAR_ENTRY = 0.02

#: Parameter draws of the GJR-GARCH fit behind the volatility distance's interval.
VOL_DRAWS = 100


@dataclass(frozen=True)
class VolEstimate:
    """The volatility distance of :func:`recommend_stop` and its interval.

    ``distance`` is ``k`` × the horizon volatility (fraction of price); ``band`` its
    p05–p95 over :data:`VOL_DRAWS` draws of the GJR-GARCH parameters from their
    estimated (robust) covariance (None for ATR, or when the draws fail: a covariance
    that is not finite, too few stationary draws).
    """

    distance: float
    how: str
    band: tuple[float, float] | None
    n_draws: int


_VOL_CACHE: dict[tuple[Any, ...], VolEstimate] = {}


def vol_estimate(
    asset: str = "ETH", as_of: Any = None, settings: RecommendSettings | None = None
) -> VolEstimate:
    """Horizon volatility × ``k``, how it was computed and its parameter interval.

    The same daily bars and settings give the same estimate, computed once per process
    (a report's long and short stops share it).

    Parameters
    ----------
    asset : str, default "ETH"
        Whose daily bars are read.
    as_of : datetime-like, optional
        The last daily bar closed by then is the last one read (UTC); default the last
        bar.
    settings : RecommendSettings, optional
        ``vol_source``, ``horizon_days``, ``k`` and ``vol_days``.

    Returns
    -------
    VolEstimate
        ``distance`` (fraction of price), ``how`` (one line), ``band`` (p05–p95 of the
        distance over the parameter draws, fractions; None for ATR) and ``n_draws``.

    Raises
    ------
    InputError
        With fewer than 200 daily bars before ``as_of`` (``param="as_of"``).
    """
    from liqcascade.market import bars_until

    s = settings or RecommendSettings()
    d = bars_until(asset, "1d", as_of)
    d = d.iloc[-(s.vol_days + 1) :]
    if len(d) < 200:
        raise InputError(f"as_of: fewer than 200 daily bars before {as_of}", param="as_of")
    key = (asset, s.vol_source, s.horizon_days, s.k, s.vol_days, len(d), d.index[-1],
           float(d["close"].iloc[-1]), float(d["close"].iloc[0]))  # fmt: skip
    if key not in _VOL_CACHE:
        _VOL_CACHE.clear()  # one market at a time: no growth in a long process
        _VOL_CACHE[key] = _vol_estimate(d, asset, s)
    return _VOL_CACHE[key]


def _vol_estimate(d: pd.DataFrame, asset: str, s: RecommendSettings) -> VolEstimate:
    h = s.horizon_days
    if s.vol_source == "atr":
        from liqcascade.positions import wilder_atr

        atr = float(wilder_atr(d, 14)[-1]) / float(d["close"].iloc[-1])
        how = f"ATR(14) {percent_text(atr, 2)} of price per day × √{h} day{'' if h == 1 else 's'}"
        return VolEstimate(s.k * atr * math.sqrt(h), how, None, 0)
    from liqcascade.volatility import fit_volatility, forecast_variance_draws, log_returns

    r = log_returns(d["close"])
    fit = fit_volatility(r, "gjr", "t", interval="1d", asset=asset)
    var = fit.forecast(h)["variance"].to_numpy(float)
    sig = math.sqrt(float(var.sum())) / 100.0
    how = f"GJR-GARCH(1,1)-t forecast: {percent_text(sig, 2)} over {h} day{'' if h == 1 else 's'}"
    draws = forecast_variance_draws(fit, h, n_draws=VOL_DRAWS, seed=0)
    band = None
    if len(draws):
        lo, hi = np.percentile(s.k * np.sqrt(draws.sum(axis=1)) / 100.0, [5.0, 95.0])
        band = (float(lo), float(hi))
    return VolEstimate(s.k * sig, how, band, len(draws))


def vol_distance(
    asset: str = "ETH",
    as_of: Any = None,
    settings: RecommendSettings | None = None,
) -> tuple[float, str]:
    """Horizon volatility × ``k`` as a fraction of price, and how it was computed.

    Parameters
    ----------
    asset : str, default "ETH"
        Whose daily bars are read.
    as_of : datetime-like, optional
        The last daily bar closed by then is the last one read (UTC); default the last
        bar.
    settings : RecommendSettings, optional
        ``vol_source``, ``horizon_days``, ``k`` and ``vol_days``.

    Returns
    -------
    (float, str)
        The distance (fraction) and a one-line description; its interval is
        :func:`vol_estimate`'s ``band``.
    """
    v = vol_estimate(asset, as_of, settings)
    return v.distance, v.how


def expected_slippage(
    state: MarketState,
    stop_price: float,
    side: int,
    size: float,
    *,
    window: float = 0.005,
    liquidity: str = "calibrated",
    params: Any = None,
) -> dict[str, float]:
    """Expected fill of a stop-market order at ``stop_price``, from the cascade engine.

    The market has come to the trigger: what triggered further away (beyond
    ``window``) fired earlier and is gone, and the book is re-quoted around the
    trigger (the calibrated book of ``state.as_of`` centred there). Static: the stop
    and every liquidation and modelled crowd stop triggered within ``window`` beyond
    it sell (buy, for a short's stop) as one round through that book
    (:func:`liqcascade.cascade.simulate_cascade`); the stop fills at its close price
    (the round's VWAP, and the price reached for what the book could not absorb).
    Calibrated: the first step of the liquidity response
    (:class:`liqcascade.cascade.LiquidityResponse`, index at the trigger): the stop
    and the crowd stops sell at once into the book with its latent depth, the
    liquidations wait for the venue's engine (its finite rate); the stop fills at
    that step's average price; ``final_price`` is the furthest price of the 24-h
    clock run with the index held at the trigger. A stop inside a cluster rides the
    cluster and fills far beyond its trigger; a stop just outside it sells almost
    alone.

    Parameters
    ----------
    state : MarketState
        The estimated market (:func:`liqcascade.market.estimated_market`).
    stop_price : float
        Trigger, USD.
    side : int
        +1 long position (sell stop below), −1 short (buy stop above).
    size : float
        Position size, base units.
    window : float, default 0.005
        Orders triggered within this fraction beyond the trigger join its round.
    liquidity : {"calibrated", "static"}
        The liquidity model (see above).
    params : LiquidityParams, optional
        Calibrated only; default the central parameters of
        ``load_liquidity(state.asset, state.close_time)``.

    Returns
    -------
    dict
        ``fill_price`` (USD), ``slippage`` (fraction of the trigger, >= 0),
        ``round_usd`` (everything that traded in the stop's round, USD),
        ``final_price`` (where the cascade it set off ended, USD).
    """
    if not (math.isfinite(stop_price) and stop_price > 0):
        raise InputError(f"stop price must be > 0 USD (got {stop_price})")
    if not (math.isfinite(size) and size > 0):
        raise InputError(f"size must be > 0 (got {size})", param="size")
    if not (math.isfinite(window) and 0 <= window < 0.5):
        raise InputError(f"window must be in [0, 0.5) (got {window})", param="window")
    ssign = -1 if side > 0 else 1
    eps = 1e-4
    if side > 0:
        mid, edge = stop_price / (1.0 - eps), stop_price * (1.0 + window)
    else:
        mid, edge = stop_price / (1.0 + eps), stop_price * (1.0 - window)
    book = state.recentred_book(mid)
    pos = state.positions
    lp = pos.liq_price
    # positions and stops beyond the window on the side price came from fired earlier
    gone = (pos.side == side) & ((lp > edge) if side > 0 else (lp < edge))
    positions = pos.subset(~gone)
    st = state.stops
    sgone = (st.side == ssign) & ((st.trigger > edge) if side > 0 else (st.trigger < edge))
    keep = ~sgone
    stops = StopBook(
        np.concatenate([st.side[keep], np.array([ssign], np.int8)]),
        np.concatenate([st.trigger[keep], [stop_price]]),
        np.concatenate([st.size[keep], [size]]),
    )
    if liquidity == "calibrated":
        fill, round_usd, final = _calibrated_fill(state, book, positions, stops, stop_price, params)
    elif liquidity == "static":
        r = simulate_cascade(book, positions, stops, shock_price=float(stop_price))
        out = r.stop_outcomes()
        rnd = int(out["round"].iloc[-1])
        tr = r.to_frame()
        if rnd <= 0 or len(tr) < rnd:  # pragma: no cover - the stop always fires in round 1
            raise InputError("the stop did not fire (book empty at the level)")
        row = tr.iloc[rnd - 1]
        # the stop's own close price: the round's VWAP for what the book filled and the
        # price reached for what it could not absorb (docs/design.md, "Fills")
        fill = float(out["close_price"].iloc[-1])
        round_usd = float(row["filled_base"]) * float(row["vwap"])
        final = float(r.final_price)
    else:
        raise InputError(_liquidity_message(liquidity), param="liquidity")
    slip = (stop_price - fill) / stop_price if side > 0 else (fill - stop_price) / stop_price
    return {
        "fill_price": fill,
        "slippage": max(0.0, slip),
        "round_usd": round_usd,
        "final_price": final,
    }


def _calibrated_fill(
    state: MarketState, book: Any, positions: Any, stops: StopBook, stop_price: float, params: Any
) -> tuple[float, float, float]:
    """``(fill, USD traded in the first step, furthest price in 24 h)``, calibrated."""
    from liqcascade.cascade import LiquidityResponse, default_grid, load_liquidity, prepare_cascade

    if params is None:
        when = getattr(state, "close_time", None) or state.as_of
        params = load_liquidity(getattr(state, "asset", "ETH"), when).params
    pm = prepare_cascade(book, positions, stops)
    d = 1.0 if stop_price <= book.mid else -1.0
    resp = LiquidityResponse.of(pm, d, params)
    r0 = resp.run(np.array([stop_price]), np.zeros(1), record=True)
    q = float(np.asarray(r0[12])[0, 3]) if np.asarray(r0[12]).shape[0] else 0.0
    if not q > 0:  # pragma: no cover - the stop itself is always ordered
        raise InputError("the stop did not fire (book empty at the level)")
    usd = float(r0[3]) + float(r0[4])
    dt = default_grid()
    r = resp.run(np.full(dt.size, stop_price), dt)
    return usd / q, usd, d * float(r[0])


@dataclass
class StopRecommendation(SummaryDict):
    """Result of :func:`recommend_stop` (the keys of ``liqcascade stops recommend --json``).

    Attributes
    ----------
    stop_price : float
        Recommended trigger, USD.
    liquidity : str
        ``"calibrated"`` or ``"static"``: the model of the expected slippage.
    distance : float
        ``|mid − stop| / mid``, fraction: the stop's distance from today's price (the
        summary adds ``distance_from_entry``, ``stop / entry − 1``, signed).
    expected_slippage : float
        Expected slippage of the recommended stop, fraction of the trigger.
    avoided_clusters : list of dict
        Exclusion zones the raw stop fell into and was moved out of: ``kind``
        (cluster / round number), ``price_low``, ``price_high`` (USD), ``notional_usd``.
    rationale : str
        Plain-language explanation.
    slippage_range : (float, float) or None
        Calibrated liquidity: the recommended stop's expected slippage under each of
        the calibration's bootstrap draws, lowest and highest (``slippage_draws`` of
        them); None for the static book (one model, no draws).
    model_figures : dict
        For ``distance``, ``expected_slippage`` and ``avoided_clusters``: what the
        figure rests on and whether it has an interval (they are model figures; none is
        validated stop by stop); ``liq_price`` too when the asset's contract has no
        packaged tier table (:func:`liqcascade.margin.tiers_caveat`: whose table is used).
    side : str
        ``"long"`` or ``"short"``.
    entry : float
        Entry price, USD.
    size : float
        Position size, base units.
    leverage : float
        Leverage at entry (x).
    liq_price : float
        Liquidation price of the position, USD; 0 for a long that cannot be liquidated
        (1x: :func:`liquidation_price`), whose stop is then bounded by the way to a price
        of zero instead (the rationale says "no liquidation price at 1x").
    raw_stop_price : float
        The volatility stop before it was moved out of the zones, USD.
    raw_expected_slippage : float
        Expected slippage of the raw stop, fraction of its trigger.
    vol_distance : float
        ``k`` × the horizon volatility, fraction of the mid (before the liquidation cap).
    as_of : pandas.Timestamp
        Time of the market state (UTC).
    mid : float
        Mid price of the market state, USD.
    levels : DataFrame
        The slippage profile: ``price`` (USD), ``slippage`` (fraction of the trigger),
        ``round_usd`` (USD).
    slippage_draws : int
        Number of calibration draws behind ``slippage_range`` (0 without it).
    vol_distance_range : (float, float) or None
        p05–p95 of ``vol_distance`` over draws of the GJR-GARCH parameters, fractions;
        None for ATR or when the draws fail. A long's upper end is capped at 1.0 (a stop
        100 % below the mid is at zero): ``vol_distance_range_capped``.
    vol_distance_draws : int
        Number of parameter draws behind ``vol_distance_range`` (0 without it).
    vol_distance_range_capped : bool
        Whether ``vol_distance_range``'s upper end was capped at 1.0 (a long only).
    warnings : list of str
        What weakens the recommendation (``warning:`` lines at the command line): no
        level between the mid and the bound clear of the zones without a higher expected
        slippage (the raw stop is kept, in its zone: a lower leverage leaves more
        room); an entry more than :data:`FAR_FROM_MID` (20 %) from the mid (naming
        ``near_entry_date``).
    horizon_days : int
        The holding horizon of the volatility, days (the settings').
    horizon_vol : float
        Standard deviation of the log price over the horizon, fraction
        (``vol_distance / k``): the GJR-GARCH forecast or ATR × √horizon; nan when not
        known (a recommendation built by hand).
    horizon_vol_range : (float, float) or None
        p05–p95 of ``horizon_vol`` over the GJR-GARCH parameter draws (None as for
        ``vol_distance_range``).
    near_entry_date : pandas.Timestamp or None
        None from :func:`recommend_stop` (the stop is laid off from the mid, so an entry
        far from it does not move the stop past the map); kept for the JSON's readers.
    stop_choice : str
        Which stop ``stop_price`` is: ``"moved"`` (the volatility stop moved out of the
        crowd) or ``"raw"`` (the volatility stop itself: in no zone, no clear level, or
        the back-test does not support the move); :data:`STOP_CHOICE_RULE`.
    stop_choice_why : str
        Why, in words (the back-test's verdict when one was given).
    moved_stop_price : float or None
        The level out of the crowd the raw stop was kept against (USD) when the
        back-test's verdict ruled the move out; None otherwise.
    crowd_verdict : str or None
        The back-test's verdict on moving stops out of the crowd that decided the
        choice (:func:`~liqcascade.protect.declustering_verdict`'s ``verdict``); None
        when none was given.
    moved_crowd_side : str or None
        On which side of the crowd ``moved_stop_price`` lies (:func:`crowd_side`:
        ``"beyond"``, ``"before"`` or ``"between"`` the zones the raw stop is kept in;
        the rationale's words: :func:`crowd_side_words`); None with no
        ``moved_stop_price``.
    before_crowd_price : float or None
        With a ``moved_stop_price`` that is not before the crowd: the level just before
        the zones holding the raw stop (nearer the price, one tick past their near
        edge, USD), a second alternative with its own stop-out chance; None otherwise.
    latent_depth_at_edge : bool
        The calibrated response's central latent depth (dimensionless multiple of the
        displayed depth) is the largest of the calibration's grid
        (:data:`~liqcascade.cascade.LATENT_GRID`): the fit wanted more depth than the grid
        offers. False for the displayed book and for a depth inside the grid.
    venue : str
        Whose margin rules priced ``liq_price`` and whose tick the stops are on
        (``"binance"``, ``"bybit"`` or ``"hyperliquid"``); the command's JSON carries it.
    beyond_reach : (float, float) or None
        When the move out of the crowd was ruled out as beyond the back-test's reach
        (``crowd_reach`` of :func:`recommend_stop`): the share of the raw stop's distance
        from the mid it gives up and the reach, fractions; None otherwise.

    The summary adds ``distance_given_up`` (:func:`~liqcascade.protect.distance_given_up`)
    and the chance of a stop-out within the horizon at the recommended and the raw stop
    (``stop_out_chance``, ``raw_stop_out_chance``, each with its ``_range`` over
    ``horizon_vol_range``; :func:`~liqcascade.protect.stop_out_chance`).
    """

    stop_price: float
    distance: float
    expected_slippage: float
    avoided_clusters: list[dict[str, Any]]
    rationale: str
    side: str
    entry: float
    size: float
    leverage: float
    liq_price: float
    raw_stop_price: float
    raw_expected_slippage: float
    vol_distance: float
    as_of: pd.Timestamp
    mid: float
    levels: pd.DataFrame = field(repr=False)
    liquidity: str = "calibrated"
    slippage_range: tuple[float, float] | None = None
    slippage_draws: int = 0
    model_figures: dict[str, str] = field(default_factory=dict)
    vol_distance_range: tuple[float, float] | None = None
    vol_distance_draws: int = 0
    vol_distance_range_capped: bool = False
    warnings: list[str] = field(default_factory=list)
    horizon_days: int = DEFAULT_HORIZON_DAYS
    horizon_vol: float = math.nan
    horizon_vol_range: tuple[float, float] | None = None
    near_entry_date: pd.Timestamp | None = None
    stop_choice: str = "raw"
    stop_choice_why: str = ""
    moved_stop_price: float | None = None
    crowd_verdict: str | None = None
    moved_crowd_side: str | None = None
    before_crowd_price: float | None = None
    latent_depth_at_edge: bool = False
    venue: str = "binance"
    beyond_reach: tuple[float, float] | None = None

    def stop_odds(self) -> dict[str, Any]:
        """The distance the move gave up and the stop-out chances, from the mid.

        Fractions: ``distance_given_up`` (of the mid; :func:`distance_given_up`),
        ``stop_out_chance`` and ``raw_stop_out_chance`` (a touch within
        ``horizon_days`` starting from the mid; :func:`stop_out_chance` at
        ``horizon_vol``, None when it is not known), each with its ``_range`` at the
        ends of ``horizon_vol_range`` (None without one); with a
        ``before_crowd_price``, ``before_crowd_stop_out_chance`` and its range too.
        """
        out: dict[str, Any] = {"distance_given_up": distance_given_up(self)}
        known = math.isfinite(self.horizon_vol)
        odds = [("stop_out_chance", self.stop_price), ("raw_stop_out_chance", self.raw_stop_price)]
        if self.before_crowd_price is not None:
            odds.append(("before_crowd_stop_out_chance", self.before_crowd_price))
        for key, price in odds:
            out[key] = stop_out_chance(self.mid, price, self.horizon_vol) if known else None
            vr = self.horizon_vol_range
            out[f"{key}_range"] = (
                None if vr is None else [stop_out_chance(self.mid, price, v) for v in vr]
            )
        return out

    def summary(self) -> dict[str, Any]:
        """The JSON keys plus the inputs, the raw (un-moved) stop and the stop-out odds."""
        near = self.near_entry_date
        return {
            "stop_price": self.stop_price,
            "distance": self.distance,
            "distance_from_entry": self.stop_price / self.entry - 1.0,
            "expected_slippage": self.expected_slippage,
            "avoided_clusters": self.avoided_clusters,
            "rationale": self.rationale,
            "side": self.side,
            "entry": self.entry,
            "size": self.size,
            "leverage": self.leverage,
            "liq_price": self.liq_price,
            "raw_stop_price": self.raw_stop_price,
            "raw_expected_slippage": self.raw_expected_slippage,
            "vol_distance": self.vol_distance,
            "vol_distance_range": (
                list(self.vol_distance_range) if self.vol_distance_range is not None else None
            ),
            "vol_distance_draws": self.vol_distance_draws,
            "vol_distance_range_capped": self.vol_distance_range_capped,
            "as_of": self.as_of.isoformat(),
            "mid": self.mid,
            "liquidity": self.liquidity,
            "expected_slippage_range": (
                list(self.slippage_range) if self.slippage_range is not None else None
            ),
            "expected_slippage_draws": self.slippage_draws,
            "model_figures": dict(self.model_figures),
            "warnings": list(self.warnings),
            "horizon_days": self.horizon_days,
            "horizon_vol": self.horizon_vol if math.isfinite(self.horizon_vol) else None,
            "horizon_vol_range": (
                list(self.horizon_vol_range) if self.horizon_vol_range is not None else None
            ),
            **self.stop_odds(),
            "near_entry_date": None if near is None else f"{near:%Y-%m-%d}",
            "stop_choice": self.stop_choice,
            "stop_choice_why": self.stop_choice_why,
            "moved_stop_price": self.moved_stop_price,
            "crowd_verdict": self.crowd_verdict,
            "moved_crowd_side": self.moved_crowd_side,
            "before_crowd_price": self.before_crowd_price,
            "latent_depth_at_edge": self.latent_depth_at_edge,
        }

    def to_frame(self) -> pd.DataFrame:
        """Expected slippage by candidate stop level (``price``, ``slippage``, ``round_usd``)."""
        return self.levels.copy()

    def plot(self) -> go.Figure:
        """Expected slippage against the stop level, with the raw and recommended stops."""
        f = self.levels
        fig = go.Figure()
        fig.add_scatter(x=f["price"], y=f["slippage"] * 100, mode="lines", name="slippage (%)")
        for x, nm in ((self.raw_stop_price, "raw"), (self.stop_price, "recommended")):
            fig.add_vline(x=x, line_dash="dash", annotation_text=nm)
        fig.update_layout(
            title="Expected stop slippage by level (cascade engine)",
            xaxis_title="stop price (USD)",
            yaxis_title="slippage (% of trigger)",
            height=380,
        )
        return fig

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.summary().items()
            if k != "avoided_clusters"
        )
        return f"<table>{rows}</table>"


def _zones(
    state: MarketState, side: int, entry: float, liq: float, s: RecommendSettings
) -> list[dict[str, Any]]:
    """Exclusion zones between ``entry`` (the mid) and the bound ``liq`` (USD)."""
    return _zones_on(state.positions, state.stops, state.mid, state.as_of, side, entry, liq, s)


def _zones_on(
    positions: Any,
    stops: Any,
    map_mid: float,
    as_of: Any,
    side: int,
    entry: float,
    liq: float,
    s: RecommendSettings,
) -> list[dict[str, Any]]:
    """:func:`_zones` on a book given by its parts (the map read at ``map_mid``, USD)."""
    lo_px, hi_px = (liq, entry) if side > 0 else (entry, liq)
    zones: list[dict[str, Any]] = []
    lm = liquidation_map(positions, stops, map_mid, as_of=as_of)
    want = "below" if side > 0 else "above"
    for c in lm.clusters:
        if c.side != want:
            continue
        zlo, zhi = c.price_low * (1 - s.band), c.price_high * (1 + s.band)
        if zhi < lo_px or zlo > hi_px:
            continue
        zones.append(
            {
                "kind": "cluster",
                "price": c.price,
                "price_low": zlo,
                "price_high": zhi,
                "notional_usd": c.notional_usd,
            }
        )
    step = round_step(entry)
    k0, k1 = math.floor(lo_px / step), math.ceil(hi_px / step)
    for k in range(max(k0, 1), k1 + 1):
        r = k * step
        if side > 0:  # sell stops crowd just below a round number
            zlo, zhi = r * (1 - s.round_zone - s.band), r * (1 + s.band / 5)
        else:
            zlo, zhi = r * (1 - s.band / 5), r * (1 + s.round_zone + s.band)
        if zhi < lo_px or zlo > hi_px:
            continue
        zones.append(
            {"kind": "round number", "price": r, "price_low": zlo, "price_high": zhi,
             "notional_usd": float("nan")}
        )  # fmt: skip
    return zones


def _inside(price: float, zone: dict[str, Any]) -> bool:
    return bool(zone["price_low"] <= price <= zone["price_high"])


def _declutter(
    stop: float,
    side: int,
    entry: float,
    bound: float,
    zones: list[dict[str, Any]],
    tick: float | None = None,
) -> tuple[float, list[dict[str, Any]], bool]:
    """Move ``stop`` out of every zone (nearest edge that keeps it between entry and bound).

    ``entry`` is the near end of the walk (:func:`recommend_stop` passes the mid). The
    new stop is the first price tick (``tick``, default :func:`price_tick`) strictly
    beyond the zone's edge: outside the zone, never on it. A walk that does not end
    clear of every zone (stuck against entry or the bound, or going back and forth
    between overlapping zones) leaves the starting stop where it was.

    Returns
    -------
    (float, list of dict, bool)
        The stop (USD); the zones it was moved out of (none holds it); whether it is
        clear of every zone (False: the starting stop, kept in its zone(s)).
    """
    start = stop
    avoided: list[dict[str, Any]] = []
    for _ in range(4 * len(zones) + 1):
        hit = next((z for z in zones if _inside(stop, z)), None)
        if hit is None:
            return stop, avoided, True
        if hit not in avoided:
            avoided.append(hit)
        cands = []
        for c in (_beyond(hit["price_low"], -1, tick), _beyond(hit["price_high"], +1, tick)):
            ok = (bound < c < entry) if side > 0 else (entry < c < bound)
            if ok:
                cands.append(c)
        if not cands:  # stuck inside ``hit``
            break
        # nearest edge; tie → the one closer to entry (tighter)
        cands.sort(key=lambda c: (abs(c - stop), abs(c - entry)))
        stop = cands[0]
    return start, [], False


def _nearest_clear(
    stop: float,
    side: int,
    entry: float,
    bound: float,
    zones: list[dict[str, Any]],
    tick: float | None = None,
) -> float | None:
    """The level clear of every zone nearest ``stop``, strictly between entry and bound.

    Named in the warning when the walk out of the zones found no clear level (the
    stop is not moved there: it lies past other zones, often far from the volatility
    distance). The nearest clear level to a price inside the zones' union is one tick
    beyond an edge of it: every zone's two edges are the candidates (ties: the one
    closer to entry). None when no candidate is clear.
    """
    cands = [
        c
        for z in zones
        for c in (_beyond(z["price_low"], -1, tick), _beyond(z["price_high"], +1, tick))
        if ((bound < c < entry) if side > 0 else (entry < c < bound))
        and not any(_inside(c, w) for w in zones)
    ]
    if not cands:
        return None
    return min(cands, key=lambda c: (abs(c - stop), abs(c - entry)))


def _before_crowd(
    stop: float, side: int, mid: float, zones: list[dict[str, Any]], tick: float
) -> float | None:
    """The level just before the crowd holding ``stop``: nearer the price, on the tick.

    From ``stop`` the walk goes only toward the mid, one tick past the near edge of each
    zone that holds it (a long's: above the zone's top), until the level is clear of
    every zone. None when it reaches the mid (no level before the crowd).
    """
    level = stop
    for _ in range(len(zones) + 1):
        hit = [z for z in zones if _inside(level, z)]
        if not hit:
            return level
        edge = max(z["price_high"] for z in hit) if side > 0 else min(z["price_low"] for z in hit)
        level = _beyond(edge, side, tick)
        if (level >= mid) if side > 0 else (level <= mid):
            return None
    return None


def _check_state_date(as_of: Any, state: MarketState) -> None:
    """Refuse an ``as_of`` that does not build ``state``: it was silently ignored.

    ``as_of`` is the state's date when it resolves to the state's bar (the one date rule,
    :func:`liqcascade._time.resolve_as_of`): its instant (a bare date: that day's end) is
    at or after the bar's close and before the next bar's. ``param="as_of"``.
    """
    instant = as_of_instant(as_of, "as_of")
    close = state.close_time
    if close is None:  # a state built by hand: its date is its label
        ok = instant == state.as_of
        date = f"{state.as_of:%Y-%m-%d %H:%M} UTC"
    else:
        ok = close <= instant < close + (close - state.as_of)
        date = f"{state.as_of:%Y-%m-%d %H:%M} UTC, the bar closing {close:%Y-%m-%d %H:%M}"
    if not ok:
        raise InputError(
            f"as_of {as_of} is not the market state's date ({date}): leave as_of out with "
            "a state, or build the state at it",
            param="as_of",
        )


def recommend_stop(
    side: str | int,
    entry: float,
    size: float,
    leverage: float,
    *,
    asset: str | None = None,
    as_of: Any = None,
    settings: RecommendSettings | None = None,
    state: MarketState | None = None,
    n_levels: int = 41,
    liquidity: str = "calibrated",
    crowd_verdict: str | None = None,
    venue: str = "binance",
    crowd_reach: float | None = None,
) -> StopRecommendation:
    """Recommend a stop for one position (see the module docstring).

    Parameters
    ----------
    side : {"long", "short"} or ±1
        Position side.
    entry : float
        Entry price, USD.
    size : float
        Position size, base units (ETH).
    leverage : float
        Leverage at entry (sets the liquidation price, isolated, on ``venue``).
    asset : str, optional
        The market's asset; default ``state``'s, else ETH. Given with ``state``, it
        must be the state's own (another is refused: the state is that asset's market).
    as_of : datetime-like, optional
        Date of the market state and volatility (default: the last bundled open-interest
        bar, 2025-07-31). Given with ``state``, it must be the state's date (the one
        that builds it: its bar, :func:`liqcascade._time.resolve_as_of`); another is
        refused, naming both.
    settings : RecommendSettings, optional
        Distance and de-clustering settings.
    state : MarketState, optional
        A market state to reuse (else :func:`liqcascade.market.estimated_market`).
    n_levels : int, default 41
        Levels of the slippage profile (``to_frame``/``plot``).
    liquidity : {"calibrated", "static"}
        The expected slippage's liquidity model (:func:`expected_slippage`): the
        calibrated response (default) or the static book (an upper bound).
    crowd_verdict : str, optional
        The stop back-test's verdict on moving stops out of the crowd at this market
        (:func:`~liqcascade.protect.declustering_backtest`'s ``verdict``, one of
        :data:`~liqcascade.protect.POLICY_VERDICTS`): ``"not supported"`` keeps the raw
        stop (:data:`STOP_CHOICE_RULE`); None: no verdict, the move is kept and
        ``stop_choice_why`` says it was not checked.
    venue : {"binance", "bybit", "hyperliquid"}, default "binance"
        The venue the position is on: its margin rules price the liquidation price that
        bounds the stop (:func:`liquidation_price`; Hyperliquid's maintenance margin is
        higher, so its liquidation lies nearer the entry), and its tick the printed
        stops (:func:`contract_tick`). The market, the crowd and the slippage are the
        estimated market's whatever the venue.
    crowd_reach : float, optional
        The reach of ``crowd_verdict``: the largest share of its distance a stop moved
        out of the crowd gave up in that back-test
        (:func:`~liqcascade.protect.declustering_backtest`'s ``move_reach``, a fraction).
        A move that gives up a larger share of the raw stop's distance from the mid is
        one the back-test never made: its verdict does not speak for it, and the raw
        stop is recommended, the moved level named (:data:`STOP_CHOICE_RULE`). None:
        not checked.

    Returns
    -------
    StopRecommendation

    Raises
    ------
    InputError
        Naming the parameter: a bad position (:func:`check_position`), ``asset`` or
        ``as_of`` not ``state``'s, an entry far from the market (:func:`check_entry_at_mid`), or a
        long whose volatility distance is 100 % or more (``k`` and ``horizon_days``).
    """
    s = settings or RecommendSettings()
    sd = check_position(side, entry, size, leverage, liquidity, venue=venue)
    venue = check_venue(venue)
    entry, size, leverage = float(entry), float(size), float(leverage)  # checked numbers
    if state is None:
        state = estimated_market(MarketSpec(asset=asset or "ETH", as_of=as_of))
    else:
        if asset is not None:
            check_same_asset(
                asset, state.asset, param="asset", what="asset", whose="the market state's"
            )
        if as_of is not None:
            _check_state_date(as_of, state)
    params, cal = None, None
    if liquidity == "calibrated":
        from liqcascade.cascade import load_liquidity

        cal = load_liquidity(state.asset, state.close_time or state.as_of)
        params = cal.params
    kw: dict[str, Any] = {"window": s.window, "liquidity": liquidity, "params": params}
    liq = liquidation_price(sd, float(entry), float(size), float(leverage), state.asset, venue)
    check_entry_at_mid(sd, float(entry), liq, state.mid, state.asset)
    mid = float(state.mid)  # the stop is laid off from today's price, not from entry
    no_liq = not (liq > 0 and math.isfinite(liq))  # a long that cannot be liquidated (1x)
    liq_d = 1.0 if no_liq else abs(mid - liq) / mid  # no liquidation: the way to zero
    vol = vol_estimate(state.asset, state.close_time, s)
    dist_v, how = vol.distance, vol.how
    vband, vband_capped = _long_band(sd, dist_v, vol, s)
    max_d = s.max_liq_fraction * liq_d
    dist = min(dist_v, max_d)
    tick = contract_tick(state.asset, mid, venue)
    bound = mid * (1 - max_d) if sd > 0 else mid * (1 + max_d)
    zones = _zones(state, sd, mid, bound, s)
    raw = stop_on_tick(mid * (1 - dist) if sd > 0 else mid * (1 + dist), sd, tick, bound, zones)
    stop, avoided, clean = _declutter(raw, sd, mid, bound, zones, tick)
    slip_raw = expected_slippage(state, raw, sd, float(size), **kw)
    slip = slip_raw if stop == raw else expected_slippage(state, stop, sd, float(size), **kw)
    # never worse than the raw stop by the recommender's own criteria: a move is kept only
    # to a level clear of every zone whose expected slippage is no higher
    rejected = None
    if stop != raw and slip["slippage"] > slip_raw["slippage"] + SLIPPAGE_TOL:
        rejected = (stop, slip["slippage"])
        stop, slip, avoided, clean = raw, slip_raw, [], False
    moved = None  # the level out of the crowd the back-test's verdict rules out
    share = _share_given_up(mid, raw, stop)
    beyond_reach = None  # (share given up, the verdict's reach) of a move it does not cover
    if stop != raw and crowd_verdict != "not supported" and crowd_reach is not None:
        if share > float(crowd_reach) + SHARE_TOL:
            beyond_reach = (share, float(crowd_reach))
    if stop != raw and (crowd_verdict == "not supported" or beyond_reach is not None):
        moved = (stop, slip["slippage"], avoided)
        stop, slip, avoided = raw, slip_raw, []
    moved_side = None if moved is None else crowd_side(moved[0], sd, moved[2])
    before = None  # the level just before the crowd, when the only other one lies past it
    if moved is not None and moved_side != "before":
        before = _before_crowd(raw, sd, mid, zones, tick)
    check_stop_side(sd, float(stop), mid, state.asset)
    srange = None
    if cal is not None and cal.draws:  # the calibration's parameter uncertainty
        by_draw = [
            expected_slippage(state, stop, sd, float(size), **{**kw, "params": d})["slippage"]
            for d in cal.draws
        ]
        srange = (float(min(by_draw)), float(max(by_draw)))
    # profile of slippage by level between the mid and the bound; a long's above a price of
    # zero (no liquidation and max_liq_fraction 1: the bound is 0, where no stop can sit)
    grid = np.linspace(mid, bound, n_levels + 1)[1:]
    grid = grid[grid > 0]
    prof = [expected_slippage(state, float(p), sd, float(size), **kw) for p in grid]
    levels = pd.DataFrame(
        {
            "price": grid,
            "slippage": [p["slippage"] for p in prof],
            "round_usd": [p["round_usd"] for p in prof],
        }
    )
    word = "below" if sd > 0 else "above"
    from liqcascade._prices import price_decimals

    dz = price_decimals(mid)  # 4 significant figures at the mid (zones: whole from $1,000)
    d = max(2, dz, -math.floor(math.log10(tick)))  # prices: at least cents, and the tick
    band = "" if vband is None else f"; p05–p95 {_band_text(vband, vband_capped)}"
    parts = [f"Volatility distance {percent_text(dist_v, 2)} ({how}, k = {s.k:g}{band})"]
    liq_words = f"no liquidation price at {leverage:g}x"
    if dist < dist_v:
        to = "a price of zero" if no_liq else f"the liquidation price {liq:,.{d}f}"
        parts.append(
            f"capped at {percent_text(dist, 2)} to stay {percent_text(s.max_liq_fraction, 0)} "
            f"of the way to {to}"
        )
    parts.append(f"raw stop {raw:,.{d}f} (expected slippage {slippage_text(slip_raw['slippage'])})")
    warnings = [w for w in (stop_far_warning(float(stop), mid, state.asset),) if w]
    if not clean:
        holding = [z for z in zones if _inside(raw, z)]
        clear = None if rejected else _nearest_clear(raw, sd, mid, bound, zones, tick)
        head, why = _no_clear_level(holding, rejected, clear, slip_raw["slippage"], mid, d)
        parts.append(f"kept there: {why}")
        warnings.append(
            f"{head}: {why}; the stop stays at the raw stop "
            f"{raw:,.{d}f}. A lower leverage puts the liquidation price further away and "
            "leaves more room between the mid and the bound"
        )
    elif avoided:
        # the zones at the zones' precision, unless rounding puts the stop inside one
        inside = any(
            round(z["price_low"], dz) <= round(stop, dz) <= round(z["price_high"], dz)
            for z in avoided
        )
        zd = d if inside else dz
        names = "; ".join(
            f"{z['kind']} {z['price_low']:,.{zd}f}–{z['price_high']:,.{zd}f}" for z in avoided
        )
        parts.append(
            f"moved to {stop:,.{d}f} out of {names}, {crowd_side_text(stop, sd, avoided)} "
            f"(expected slippage {slippage_text(slip['slippage'])})"
        )
    elif moved is not None:
        m_names = "; ".join(
            f"{z['kind']} {z['price_low']:,.{d}f}–{z['price_high']:,.{d}f}" for z in moved[2]
        )
        because = (
            "the back-test does not support moving stops out of the crowd"
            if beyond_reach is None
            else f"it would give up {percent_text(beyond_reach[0], 1)} of the stop's distance "
            f"from the mid, more than any move of the back-test that judges moving stops out "
            f"of the crowd (at most {percent_text(beyond_reach[1], 1)})"
        )
        parts.append(
            f"kept there, in {m_names}: the level out of it, {moved[0]:,.{d}f} "
            f"({crowd_side_text(moved[0], sd, moved[2])}), is not recommended because "
            f"{because}"
        )
        if before is not None:
            parts.append(f"the level just before the crowd, nearer the price, is {before:,.{d}f}")
    else:
        parts.append("no modelled cluster or round-number zone at that level")
    liq_clause = liq_words if no_liq else f"inside liquidation at {liq:,.{d}f}"
    if venue != "binance" and not no_liq:  # Binance's is the default, said in the docs
        liq_clause += f" ({VENUE_NAMES[venue]}'s margin rules)"
    vs_entry = "at" if stop == entry else ("above" if stop > entry else "below")
    rationale = "; ".join(parts) + (
        f". Stop {word} the mid {mid:,.{d}f} ({percent_text(abs(mid - stop) / mid, 2)} "
        f"away), {vs_entry} entry {entry:,.{d}f}, {liq_clause}."
    )
    notes = _model_figures(s, state, cal, srange, liquidity, vol, vband, vband_capped)
    return StopRecommendation(
        stop_price=float(stop),
        distance=abs(mid - stop) / mid,
        expected_slippage=float(slip["slippage"]),
        avoided_clusters=[
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in z.items()}
            for z in avoided
        ],
        rationale=rationale,
        side="long" if sd > 0 else "short",
        entry=float(entry),
        size=float(size),
        leverage=float(leverage),
        liq_price=liq,
        raw_stop_price=float(raw),
        raw_expected_slippage=float(slip_raw["slippage"]),
        vol_distance=float(dist_v),
        vol_distance_range=vband,
        vol_distance_range_capped=vband_capped,
        vol_distance_draws=vol.n_draws if vol.band is not None else 0,
        as_of=state.as_of,
        mid=state.mid,
        levels=levels,
        liquidity=liquidity,
        slippage_range=srange,
        slippage_draws=len(cal.draws) if srange is not None and cal is not None else 0,
        model_figures=notes,
        warnings=warnings,
        horizon_days=s.horizon_days,
        horizon_vol=dist_v / s.k,
        horizon_vol_range=None if vol.band is None else (vol.band[0] / s.k, vol.band[1] / s.k),
        moved_crowd_side=moved_side,
        before_crowd_price=before,
        latent_depth_at_edge=_at_grid_edge(params),
        venue=venue,
        beyond_reach=beyond_reach if moved is not None else None,
        **_choice(stop != raw, moved, clean, crowd_verdict, d, before, beyond_reach),
    )


#: Shares given up within this of the back-test's reach are within it (float noise).
SHARE_TOL = 1e-9


def _share_given_up(mid: float, raw: float, stop: float) -> float:
    """The share of the raw stop's distance from ``mid`` that ``stop`` gives up (fraction).

    ``(|mid − raw| − |mid − stop|) / |mid − raw|``: positive when ``stop`` lies nearer the
    mid, negative further; 0 for a raw stop at the mid.
    """
    far = abs(mid - raw)
    return 0.0 if far == 0 else (far - abs(mid - stop)) / far


#: The rule that picks ``stop_price`` between the raw (volatility) stop and the stop
#: moved out of the crowd (:func:`recommend_stop`, docs/protect.md).
STOP_CHOICE_RULE = (
    "the stop moved out of the crowd is recommended unless the back-test of moving stops "
    "out of the crowd (vol-declustered against vol, paired 90 % intervals) finds the move "
    "measurably worse on stop-outs or summed return (verdict 'not supported'), or the move "
    "gives up a larger share of the stop's distance from the mid than any move that "
    "back-test made (its verdict does not speak for it); a tie, partial or full support "
    "keeps a move within that reach"
)


def _choice(
    was_moved: bool,
    moved: tuple[float, float, list[dict[str, Any]]] | None,
    clean: bool,
    verdict: str | None,
    d: int,
    before: float | None = None,
    beyond_reach: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """``stop_choice``, ``stop_choice_why``, ``moved_stop_price``, ``crowd_verdict``.

    ``was_moved``: the recommended stop is not the raw one; ``moved``: the level out of
    the crowd ruled out by ``verdict`` (USD, its slippage, its zones); ``clean``: the
    walk ended clear of the zones; ``d``: price decimals; ``before``: the level just
    before the crowd (USD), offered beside the level out of it; ``beyond_reach``: the
    share of its distance the move gives up and the verdict's reach, when the move was
    ruled out as beyond it (``verdict`` not 'not supported').
    """
    out: dict[str, Any] = {"crowd_verdict": verdict, "moved_stop_price": None}
    said = f"the back-test's verdict on moving stops out of the crowd is '{verdict}'"
    if moved is not None and beyond_reach is not None:
        why = (
            f"raw stop recommended: the level out of the crowd, {moved[0]:,.{d}f}, gives up "
            f"{percent_text(beyond_reach[0], 1)} of the stop's distance from the mid, more "
            f"than any move of the back-test that judges moving stops out of the crowd (at "
            f"most {percent_text(beyond_reach[1], 1)}); {said}, but it does not speak for a "
            "move that large, so the volatility stop stays in its crowd"
        )
        return {**out, "stop_choice": "raw", "stop_choice_why": why,
                "moved_stop_price": float(moved[0])}  # fmt: skip
    if moved is not None:
        why = (
            f"raw stop recommended: {said} (measurably more stop-outs or less summed return), "
            f"so the volatility stop stays in its crowd; the level out of it was "
            f"{moved[0]:,.{d}f}"
        )
        if before is not None:
            why += (
                f"; the level just before the crowd, {before:,.{d}f}, is the other "
                "alternative: out of the crowd on the safe side, but nearer the price (a "
                "higher stop-out chance), and the back-test's walk, which that verdict "
                "judges, moves stops before the crowd too, so it is not recommended either"
            )
        return {**out, "stop_choice": "raw", "stop_choice_why": why,
                "moved_stop_price": float(moved[0])}  # fmt: skip
    if was_moved:
        why = (
            f"moved stop recommended: {said} (not measurably worse)"
            if verdict is not None
            else "moved stop recommended: no back-test verdict was given (the move is "
            "kept unchecked; `liqcascade stops recommend` runs the back-test)"
        )
        return {**out, "stop_choice": "moved", "stop_choice_why": why}
    why = (
        "raw stop recommended: it sits in no modelled crowd"
        if clean
        else "raw stop recommended: no clear level to move it to (see the warning)"
    )
    return {**out, "stop_choice": "raw", "stop_choice_why": why}


def crowd_side(stop: float, side: int, zones: list[dict[str, Any]]) -> str:
    """On which side of the crowd ``stop`` lies: ``"beyond"``, ``"before"`` or ``"between"``.

    ``"beyond"``: further from the price than every zone in ``zones`` (a long's below them:
    the crowd's orders fire first, in the direction of the move); ``"before"``: nearer
    the price than every zone (it fires before the crowd); ``"between"``: beyond some and
    before others (prices USD; ``side`` +1 long, −1 short).

    >>> crowd_side(99.0, 1, [{"price_low": 100.0, "price_high": 101.0}])
    'beyond'
    >>> crowd_side(99.0, -1, [{"price_low": 100.0, "price_high": 101.0}])
    'before'
    """
    far = [(stop < z["price_low"]) if side > 0 else (stop > z["price_high"]) for z in zones]
    if all(far):
        return "beyond"
    return "before" if not any(far) else "between"


def crowd_side_text(stop: float, side: int, zones: list[dict[str, Any]]) -> str:
    """:func:`crowd_side` in words, with what it means for the fill."""
    return crowd_side_words(crowd_side(stop, side, zones), side)


def crowd_side_words(where: str, side: int) -> str:
    """A :func:`crowd_side` answer in words, with what it means for the fill.

    Parameters
    ----------
    where : {"beyond", "before", "between"}
        The side (:func:`crowd_side`; ``StopRecommendation.moved_crowd_side``).
    side : int
        +1 long (sell stops), −1 short (buy stops).
    """
    if where == "beyond":
        flow = "selling" if side > 0 else "buying"
        return (
            "beyond the crowd, further from the price: the crowd's orders fire first and their "
            f"{flow} can carry price through this stop"
        )
    if where == "before":
        return "before the crowd, nearer the price: it fires before the crowd's orders"
    return "between zones of the crowd: some fire before it, some after"


def _no_clear_level(
    holding: list[dict[str, Any]],
    rejected: tuple[float, float] | None,
    clear: float | None,
    raw_slip: float,
    mid: float,
    d: int,
) -> tuple[str, str]:
    """Why the raw stop is kept: the warning's head, and the zones holding it and what else.

    ``rejected``: the clear level the stop would have moved to and its expected
    slippage (fraction), when that is higher than ``raw_slip``. Else ``clear``: the
    level clear of every zone nearest the raw stop (USD), which the walk out of the
    zones (to the nearest zone edge at each step) did not reach, or None when every
    level between the mid and the bound lies in a zone. ``mid``: the mid the walk
    starts from and the warning measures the distance to ``clear`` from (USD; the
    caller passes the market's mid, not the position's entry); ``d``: price decimals.

    Returns
    -------
    (str, str)
        The head of the warning (what is missing: a clear level no worse than the raw
        stop, any clear level, or one within the walk's reach) and the reason.
    """
    names = "; ".join(
        f"{z['kind']} {z['price_low']:,.{d}f}–{z['price_high']:,.{d}f}" for z in holding
    )
    if rejected is not None:
        return "no clear level with an expected slippage no higher than the raw stop's", (
            f"it lies in {names}, and the level clear of every zone it would move to, "
            f"{rejected[0]:,.{d}f}, has a higher expected slippage "
            f"({slippage_text(rejected[1])} against {slippage_text(raw_slip)})"
        )
    if clear is None:
        return "no clear level for the stop", (
            f"it lies in {names}, and every level between the mid and the liquidation bound "
            "lies in a cluster or round-number zone"
        )
    return "no level clear of the zones within the walk's reach", (
        f"it lies in {names}, and the walk out of it, to the nearest zone edge at each step, "
        "ends in another zone or against the mid or the bound; the nearest level clear of "
        f"every zone, {clear:,.{d}f} ({percent_text(abs(mid - clear) / mid, 2)} from "
        "the mid), is "
        "out of that walk's reach, and the stop is not moved there"
    )


def _long_band(
    side: int, dist_v: float, vol: VolEstimate, s: RecommendSettings
) -> tuple[tuple[float, float] | None, bool]:
    """The volatility distance's interval as it applies to ``side``, and whether capped.

    A long's stop cannot lie 100 % or more below the mid (at or below a price of zero):
    a point distance that far is refused (naming ``k`` and ``horizon_days``); an
    interval reaching it is capped at 100 % (and flagged). A short's stop can lie any
    distance above the mid (its liquidation bounds it).
    """
    if side < 0 or vol.band is None:
        return vol.band, False
    if dist_v >= 1.0:
        sigma = dist_v / s.k
        raise InputError(
            f"k {s.k:g} × the {s.horizon_days}-day volatility {percent_text(sigma, 2)} = "
            f"{percent_text(dist_v, 2)} puts "
            f"a long's stop 100 % or more below the mid (at or below zero): give a k of at most "
            f"{math.floor(100 / sigma) / 100:.2f}, or a shorter horizon_days",
            param=("k", "horizon_days"),
        )
    lo, hi = vol.band
    if hi < 1.0:
        return vol.band, False
    return (lo, 1.0), True


def _band_text(band: tuple[float, float], capped: bool) -> str:
    """``6.42 %–9.84 %``; a capped upper end reads ``100.00 % (capped: ...)``."""
    text = f"{percent_text(band[0], 2)}–{percent_text(band[1], 2)}"
    if capped:
        text += " (upper end capped: a long's stop cannot lie 100 % or more below the mid)"
    return text


def _at_grid_edge(params: Any) -> bool:
    """Whether a calibrated response's latent depth is its grid's largest (False for None)."""
    if params is None:
        return False
    from liqcascade.cascade import LATENT_GRID

    return bool(params.latent_depth >= max(LATENT_GRID))


def _model_figures(
    s: RecommendSettings,
    state: MarketState,
    cal: Any,
    srange: Any,
    liquidity: str,
    v: VolEstimate,
    band: tuple[float, float] | None = None,
    capped: bool = False,
) -> dict[str, str]:
    """What each printed model figure rests on, and whether it has an interval."""
    when = f"{pd.Timestamp(state.close_time or state.as_of):%Y-%m-%d %H:%M} UTC"
    fitted = f"a GJR-GARCH(1,1)-t fitted on up to {s.vol_days:,} daily returns to {when}"
    if s.vol_source == "atr":
        vol = f"model figure, no interval: Wilder's ATR(14) of the daily bars to {when}"
    elif v.band is None:
        vol = (
            f"model figure, no interval: the point forecast of {fitted} (its parameter "
            "draws failed: covariance not finite or too few stationary draws)"
        )
    else:
        vol = (
            f"the point forecast of {fitted}; p05–p95 {_band_text(band or v.band, capped)} over "
            f"{v.n_draws} draws of its parameters from their estimated (robust) covariance "
            "(parameter uncertainty only; the stop itself is placed at the point)"
        )
    if srange is not None and cal is not None:
        fitted = f"before {cal.as_of:%Y-%m-%d}" if cal.as_of is not None else "(the prior)"
        lo, hi = slippage_text(srange[0]), slippage_text(srange[1])
        span = f"{lo}–{hi}" if lo != hi else f"all {lo}"
        slip = (
            f"the calibrated liquidity response's central parameters (fitted on "
            f"{cal.n_events} events {fitted}) on the estimated book; range {span} over its "
            f"{len(cal.draws)} bootstrap draws "
            "(parameter uncertainty only: the central estimated book, not its draws)"
        )
    elif liquidity == "calibrated":
        slip = (
            "model figure, no interval: the calibrated liquidity response's central "
            "parameters (the calibration has no draws) on the estimated book"
        )
    else:
        slip = (
            "model figure, no interval: one round through the estimated book as displayed "
            "(static: an upper bound)"
        )
    from liqcascade.margin import tiers_caveat

    tiers = tiers_caveat(state.asset)  # whose tier table the liquidation price used
    return {
        "distance": vol,
        "expected_slippage": slip,
        "avoided_clusters": (
            "model figure, no interval: clusters of the liquidation map of the estimated "
            "positions (inferred from open interest) and modelled stops, not observed ones"
        ),
        **({"liq_price": tiers} if tiers else {}),
        "stop_out_chance": (
            f"model figure: the chance of a touch within {count_text(s.horizon_days, 'day')} "
            f"under a {STOP_OUT_MODEL}; "
            + (
                "no interval (the volatility has none)"
                if v.band is None
                else "its range spans the volatility's p05–p95 (parameter uncertainty only)"
            )
        ),
    }


def check_entry_at_mid(side: int, entry: float, liq: float, mid: float, asset: str) -> None:
    """Refuse an entry that cannot be a position in the market at ``mid`` (USD).

    An entry more than :data:`liqcascade.positions.PRICE_SCALE` (10)x above or below
    the market's mid is a unit error (or another asset's price): the one check of
    prices against a reference (:func:`liqcascade.positions.unit_error`'s wording, as
    ``liqmap``'s ``price`` and ``cascade``'s ``shock_price``); a position already beyond
    its liquidation price ``liq`` at the mid has nothing to protect.

    Raises
    ------
    InputError
        Naming ``entry`` (``--entry``).
    """
    from liqcascade.positions import off_scale, unit_error

    if bool(off_scale(np.asarray([entry]), np.asarray([mid]))[0]):
        raise InputError(
            unit_error("entry", entry, mid, f"the {asset} market's mid"), param="entry"
        )
    if side * (mid - liq) <= 0:
        raise InputError(
            f"entry {entry:,.6g}: the position is already beyond its liquidation price "
            f"{liq:,.2f} at the {asset} mid {mid:,.2f}",
            param="entry",
        )


def entry_is_far(entry: float, mid: float) -> bool:
    """True when ``entry`` is more than :data:`FAR_FROM_MID` (20 %) from ``mid``.

    The one test behind :func:`entry_far_warning` and the search for a market date near
    the entry (:func:`date_near_price`).

    Parameters
    ----------
    entry, mid : float
        Entry price and the market's mid, USD.

    Returns
    -------
    bool
    """
    return abs(entry / mid - 1.0) > FAR_FROM_MID


def entry_far_warning(
    entry: float, mid: float, asset: str, near: pd.Timestamp | None = None
) -> str | None:
    """A warning when ``entry`` is more than :data:`FAR_FROM_MID` (20 %) from ``mid``.

    The exclusion zones come from the liquidation map of the market at the mid, which
    reads ±20 % around it (``liquidation_map``'s ``range_``): a stop placed from an entry
    that far lies at or past the map's edge, where no cluster can be found, and its
    expected slippage is priced on today's book and crowd re-centred at a level the
    market is far from. Within the 10x unit check, so not refused.

    Parameters
    ----------
    entry, mid : float
        Entry price and the market's mid, USD.
    asset : str
        The market's asset (named in the text).
    near : pandas.Timestamp, optional
        :func:`date_near_price`'s day: the warning ends naming it with the command's
        hint (``(`liqcascade stops recommend`, as_of DAY)``), or saying that no close of
        the data came that near when None.

    Returns
    -------
    str or None
        The warning's text, or None when the entry is within 20 % of the mid.
    """
    if not entry_is_far(entry, mid):
        return None
    near_text = (
        f"no daily {asset} close in the market's data came within "
        f"{percent_text(NEAR_ENTRY, 0)} of it"
        if near is None
        else f"the {asset} daily close was last within {percent_text(NEAR_ENTRY, 0)} of it on "
        f"{near:%Y-%m-%d}, a market near the entry (`liqcascade stops recommend`, as_of "
        f"{near:%Y-%m-%d})"
    )
    return (
        f"{_far_text('entry', entry, mid, asset)}the stop's clusters and expected slippage "
        f"say little about a position entered there; {near_text}"
    )


def _far_text(what: str, price: float, mid: float, asset: str) -> str:
    """The far-from-mid warnings' opening, up to ``..., so `` (the ending is the caller's).

    Parameters
    ----------
    what : str
        The price's name (``"entry"``, ``"stop"``).
    price, mid : float
        The price and the market's mid, USD.
    asset : str
        The market's asset.
    """
    return (
        f"{what} {price:,.6g} is {percent_text(price / mid - 1.0, 0, signed=True)} from the "
        f"{asset} mid {mid:,.2f} (more than {percent_text(FAR_FROM_MID, 0)}): the crowd is "
        f"mapped within {percent_text(FAR_FROM_MID, 0)} of the mid, so "
    )


def stop_far_warning(stop: float, mid: float, asset: str) -> str | None:
    """A warning when the stop (from an entry within range) lies past the map's ±20 %.

    :func:`entry_far_warning` checks the entry; a stop can still lie more than
    :data:`FAR_FROM_MID` from the mid (an entry 18 % below it, a stop 5 % further), past
    the edge of the liquidation map the exclusion zones are read from: no cluster
    there can be seen.

    Parameters
    ----------
    stop, mid : float
        The recommended stop and the market's mid, USD.
    asset : str
        The market's asset (named in the text).

    Returns
    -------
    str or None
        The warning's text, or None when the stop is within 20 % of the mid.
    """
    if not entry_is_far(stop, mid):
        return None
    return (
        f"{_far_text('stop', stop, mid, asset)}no cluster at the stop can be seen and its "
        "expected slippage says little"
    )


def date_near_price(
    asset: str, price: float, within: float = NEAR_ENTRY, *, store: Any = None
) -> pd.Timestamp | None:
    """The last day whose daily close lay within ``within`` of ``price``, a market date.

    Read from ``asset``'s daily closes (:func:`liqcascade.market.bars_until`: store, else
    bundled) on the days the estimated market covers (its 4-hour open interest, through
    the day of its last bar): a day a recommendation can be run at (``as_of``).

    Parameters
    ----------
    asset : str
        Base asset.
    price : float
        The price sought (an entry), USD.
    within : float, default :data:`NEAR_ENTRY` (0.02)
        Largest ``|close / price − 1|``, fraction.
    store : str, Path, bool, optional
        As in :func:`liqcascade.data.load_series`.

    Returns
    -------
    pandas.Timestamp or None
        The day (UTC midnight), or None when no close in that span came that near (or
        the data cannot be read).
    """
    from liqcascade.data import load_series
    from liqcascade.market import bars_until

    try:
        close = bars_until(asset, "1d", store=store)["close"]
        oi = load_series("open_interest", asset=asset, interval="4h", store=store)
    except (InputError, KeyError):
        return None
    if close.empty or oi.empty:
        return None
    first, last = (pd.Timestamp(t).floor("1D") for t in (oi.index[0], oi.index[-1]))
    days = pd.DatetimeIndex(close.index)
    span = close[(days >= first) & (days <= last)]
    hit = span[(span / float(price) - 1.0).abs() <= within]
    return None if hit.empty else pd.Timestamp(hit.index[-1]).floor("1D")


def check_stop(
    rec: StopRecommendation,
    state: MarketState,
    stop: Any,
    settings: RecommendSettings | None = None,
) -> dict[str, Any]:
    """Whether a stop already held sits in the crowd the recommendation avoids, and its odds.

    The zones are :func:`recommend_stop`'s (the clusters of the estimated map on the
    stop's side, widened by ``band``, and the round-number zones), between the mid and
    the stop; the stop-out chance is :func:`stop_out_chance` from the mid at the
    recommendation's horizon volatility (and its p05–p95).

    Parameters
    ----------
    rec : StopRecommendation
        The recommendation for the position holding the stop (its side, mid, liquidation
        price and horizon volatility).
    state : MarketState
        The market ``rec`` was made on.
    stop : float
        The stop's trigger, USD.
    settings : RecommendSettings, optional
        Zone widths (``band``, ``round_zone``); default the recommender's.

    Returns
    -------
    dict
        ``price``, ``distance`` (from the mid, fraction), ``zones`` holding it (``kind``,
        ``price``, ``price_low``, ``price_high``, ``notional_usd``), ``in_crowd``,
        ``past_liquidation`` (a long's stop at or below its liquidation price, a short's
        at or above: the position is liquidated first), ``stop_out_chance`` with its
        ``_range`` (None without a volatility), ``horizon_days`` and ``text``.

    Raises
    ------
    InputError
        ``param="stop"``: not a positive finite price, more than 10x from the mid (a
        unit error), or on the far side of the mid (already triggered).
    """
    s = settings or RecommendSettings()
    sd, mid = (1 if rec.side == "long" else -1), float(rec.mid)
    v = _held_stop(stop, sd, mid, state.asset)
    liq = float(rec.liq_price)
    past = liq > 0 and sd * (v - liq) <= 0
    zones = [z for z in _zones(state, sd, mid, v, s) if _inside(v, z)]
    known = math.isfinite(rec.horizon_vol)
    chance = stop_out_chance(mid, v, rec.horizon_vol) if known else None
    vr = rec.horizon_vol_range
    crange = None if vr is None or not known else [stop_out_chance(mid, v, x) for x in vr]
    out = {"price": v, "distance": abs(v / mid - 1.0), "zones": zones, "in_crowd": bool(zones),
           "past_liquidation": bool(past), "stop_out_chance": chance,
           "stop_out_chance_range": crange, "horizon_days": rec.horizon_days}  # fmt: skip
    out["text"] = _check_stop_text(out, sd, mid, liq, rec.stop_price)
    return out


def _held_stop(stop: Any, side: int, mid: float, asset: str) -> float:
    """A stop already held, checked against the mid (USD): its trigger as a float.

    Raises
    ------
    InputError
        ``param="stop"``: not a positive finite price, more than 10x from the mid (a
        unit error), or on the far side of the mid (already triggered).
    """
    v = float(stop) if isinstance(stop, (int, float, np.number)) else math.nan
    if not (math.isfinite(v) and v > 0):
        raise InputError(f"stop must be a positive finite price, USD (got {stop!r})", param="stop")
    if not 0.1 <= v / mid <= 10.0:
        raise InputError(
            f"stop {v:,.2f} is more than 10x from the {asset} mid {mid:,.2f}: a unit error "
            "(prices are USD per coin)",
            param="stop",
        )
    if side * (mid - v) <= 0:  # check_stop_side's rule, the held stop named
        where = "at or above" if side > 0 else "at or below"
        kind = "a long's sell" if side > 0 else "a short's buy"
        raise InputError(
            f"stop {v:,.2f} is {where} the {asset} mid {mid:,.2f}: {kind} stop there is "
            "already triggered (it fires the moment it is placed)",
            param="stop",
        )
    return v


def stop_zones(
    positions: Any,
    stops: Any,
    mid: float,
    side: Any,
    stop: Any,
    *,
    asset: str = "",
    as_of: Any = None,
    settings: RecommendSettings | None = None,
) -> list[dict[str, Any]]:
    """The crowd a held stop sits in: :func:`check_stop`'s zones, on a book given by its parts.

    The zones the recommender avoids (the clusters of the book's liquidation map on the
    stop's side, widened by ``band``, and the round-number zones) between the mid and
    the stop, those that hold the stop; no recommendation and no volatility are needed
    (:func:`check_stop` adds the stop-out chance and the text).

    Parameters
    ----------
    positions, stops : PositionBook, StopBook or None
        The book (an estimated market's ``positions`` and ``stops``).
    mid : float
        The price the map is read at and the stop measured from, USD.
    side : int or str
        The position's side: ``+1`` or ``"long"``/``"buy"`` (a sell stop below the mid),
        ``-1`` or ``"short"``/``"sell"`` (any case).
    stop : float
        The stop's trigger, USD.
    asset : str, optional
        Named in errors.
    as_of : optional
        The book's date, passed to the map (its label).
    settings : RecommendSettings, optional
        Zone widths (``band``, ``round_zone``); default the recommender's.

    Returns
    -------
    list of dict
        ``kind`` (``"cluster"`` or ``"round number"``), ``price``, ``price_low``,
        ``price_high`` (USD) and ``notional_usd`` (NaN for a round number); empty when
        the stop is clear of the crowd.

    Raises
    ------
    InputError
        ``param="stop"``: not a positive finite price, more than 10x from the mid, or on
        the far side of the mid (already triggered); ``param="side"``: no side.
    """
    s = settings or RecommendSettings()
    sd = int(side) if isinstance(side, (int, np.integer)) and side in (1, -1) else side_sign(side)
    if sd is None:
        raise InputError(f"side must be {SIDE_RULE} (got {side!r})", param="side")
    v = _held_stop(stop, sd, float(mid), asset)
    zones = _zones_on(positions, stops, float(mid), as_of, sd, float(mid), v, s)
    return [z for z in zones if _inside(v, z)]


def _check_stop_text(c: dict[str, Any], sd: int, mid: float, liq: float, rec_stop: float) -> str:
    """One sentence: where the held stop lies against the crowd, liquidation and its odds."""
    way = "below" if sd > 0 else "above"
    head = f"{c['price']:,.2f} ({percent_text(c['distance'], 2)} {way} the mid {mid:,.2f})"
    if c["past_liquidation"]:
        where = (
            f"lies at or beyond the liquidation price {liq:,.2f}: the position is "
            "liquidated before the stop fires"
        )
    elif c["in_crowd"]:
        held = "; ".join(
            f"{z['kind']} {z['price_low']:,.2f}–{z['price_high']:,.2f}" for z in c["zones"]
        )
        where = f"lies in the modelled crowd ({held}): the crowd's orders fire with it"
    else:
        where = "is clear of the modelled crowd (the map's clusters and the round-number zones)"
    if c["distance"] > 0.2:
        where += " (beyond the map's ±20 %: only round-number zones are checked there)"
    odds = ""
    if c["stop_out_chance"] is not None:
        r = c["stop_out_chance_range"]
        band = "" if r is None else f" (p05–p95 {100 * r[0]:.0f} %–{100 * r[1]:.0f} %)"
        pct = f"{100 * c['stop_out_chance']:.0f} %"
        days = f"within {c['horizon_days']} days"
        odds = f"; stop-out chance {pct}{band} {days}"
        if c["past_liquidation"]:  # the touch comes after the liquidation's
            odds = f"; price touches it {days} with a chance of {pct}{band}"
    return f"{head} {where}{odds}; the recommended stop is {rec_stop:,.2f}"
