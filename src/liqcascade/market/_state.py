"""``MarketSpec -> estimated_market() -> MarketState``: the estimated market of an asset at a date.

One recipe, one date rule and one set of calibrated constants for every command and
report section that needs "the market at a date":

1. the inputs are loaded through :func:`liqcascade.data.load_series`
   (file -> store -> bundled; :func:`load_market_inputs`);
2. ``as_of`` is resolved once (:func:`liqcascade._time.resolve_as_of`) to the last
   4-hour open-interest bar closed at or before it; the market stands at that bar's
   close (``close_time``) and no bar closing later is read;
3. positions come from the identified book (``book_model="identified"``, the default):
   the asset's own expanding-window calibration (a store's own
   ``<store stem>.calibrations/book/<ASSET>.json``, written by ``liqmap calibrate
   --asset``, else the package's ``positions/calibrated/<ASSET>.json``),
   the fit trained before the market's month, walked along the real path to ``as_of``
   (:func:`liqcascade.positions._model.walk`); the aggregated book is sized to the
   venue's share of open interest. Stops belong to positions
   (:func:`liqcascade.positions.model_stops_detailed`): ``positions`` is what each
   position did not put on stops, ``stops`` the stop orders, so nothing is counted
   twice. ``book_model="legacy"`` gives the 0.1 cohort book (``EstimationParams``,
   ``positions/calibrated_params.json``, stops on top of the full book) for comparisons.
4. the order book is the all-venue CoinGlass depth of the last totals bar closed by
   then (the store's totals, else the bundled ones), times the venue's share, with the
   exponent β (:func:`liqcascade.book._calibrate.beta_for`: for every asset the
   median of ``fit_beta`` over its own totals bars closed by then, else assumed;
   ``sources["depth_beta"]`` says which).
5. what breaks "calibrated on data before the date" is said: ``MarketState.caveats``
   (a position-book fit trained after the date, an assumed β), each logged once as
   ``warning: ...`` on the ``liqcascade.market`` logger.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import check_number, check_real, percent_hint
from liqcascade._time import resolve_as_of
from liqcascade.book import (
    OrderBook,
    beta_for,
    book_from_snapshot,
    book_from_totals,
    book_totals_at,
    snapshot_at,
)
from liqcascade.data import MarketDate, market_date
from liqcascade.errors import InputError
from liqcascade.margin import contract_symbol, tiers_caveat
from liqcascade.market._inputs import MarketInputs, closed_by, load_market_inputs, ohlc_bars
from liqcascade.market._params import BINANCE_BOOK_SHARE, MARKET_PARAMS_FILE
from liqcascade.market._units import DEFAULT_FEED, calibration_feed
from liqcascade.positions import PositionBook, StopBook

_T = TypeVar("_T")

__all__ = [
    "BOOK_MODELS",
    "SIZINGS",
    "MarketSpec",
    "MarketState",
    "estimated_market",
    "log_caveats",
    "market_times",
    "quiet_caveats",
]

#: Position-book models of :class:`MarketSpec`: the identified book (issue 14) and the
#: 0.1 cohort book (kept for comparisons).
BOOK_MODELS: tuple[str, ...] = ("identified", "legacy")

#: How the identified (aggregated) book is sized to the venue: ``"record"`` by the
#: calibration's ``scale`` (venue share x feed reporting rate: the book the venue's
#: recorded liquidations imply, the default), ``"open_interest"`` by the venue's share
#: of open interest alone (every position of the venue: an upper bound that takes the
#: feed's under-reporting to be all missed liquidations).
SIZINGS: tuple[str, ...] = ("record", "open_interest")

#: The length of the market's bar: the 4-hour open-interest bar an estimated market is
#: labelled by (its open, :attr:`MarketState.as_of`) and stands at the close of
#: (:attr:`MarketState.close_time` = ``as_of + MARKET_BAR``).
MARKET_BAR: pd.Timedelta = pd.Timedelta(hours=4)

_BAR = MARKET_BAR
_HOUR = pd.Timedelta(hours=1)

# The market's caveats (MarketState.caveats), one ``warning: ...`` record each. With no
# logging configured (the command line), Python's last-resort handler prints each as one
# stderr line, as :mod:`liqcascade.data` does for its notes.
_LOG = logging.getLogger("liqcascade.market")
# lines already logged by this process: a market built again says nothing new
_LOGGED: set[str] = set()


@dataclass(frozen=True)
class MarketSpec:
    """What market to estimate: an asset, a date and a venue's share of it.

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset: bundled (ETH, BTC) or any asset whose open interest, hourly
        prices and order-book totals are in the store.
    as_of : date, datetime, Timestamp or str, optional
        The date (UTC). A bare date is the close of that day's last bar; default the
        last open-interest bar that every series the market needs reaches (order-book
        totals, hourly prices, funding: :func:`default_date`; bundled: 2025-07-31 20:00,
        closing 24:00).
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
    params : BookParams, AssetCalibration, EstimationParams, optional
        Position-book parameters. Default the asset's expanding-window calibration:
        the store's own if it has one, else the package's
        (:func:`liqcascade.positions._expanding.load_asset_calibration`). A ``BookParams`` or an
        ``AssetCalibration`` runs the identified book with them; an
        ``EstimationParams`` runs the legacy cohort book.
    store : str, Path or bool, optional
        Where to look for the series (:func:`liqcascade.data.load_series`): ``None``
        the default store if it exists, ``False`` the bundled data only.
    with_stops : bool, default True
        Model the crowd's stops (else an empty stop book and the whole book as positions).
    book_model : {"identified", "legacy"}, default "identified"
        The identified book of issue 14, or the 0.1 cohort book (``EstimationParams``)
        for comparisons.
    calibration : str or Path, optional
        A calibration file written by ``liqmap calibrate`` (identified book) used
        instead of the shipped one.
    sizing : {"record", "open_interest"}, default "record"
        Identified book only: size the aggregated book to the venue by the fit's
        ``scale × share / 0.25`` (the book the recorded liquidations imply) or by
        ``share`` (the venue's whole share of open interest; see :data:`SIZINGS`).
    safe_mass : bool, default False
        Identified book only: hold the book's never-liquidated (safe) mass as two
        positions (one long, one short, :func:`liqcascade.positions._safe.safe_book`:
        liquidation price 0 / inf, 1x, entry at the last close), so the book's sizes
        sum to the open interest it was walked on; they place no stops and never
        trigger. Off by default: it adds the safe mass to every account-based
        figure (solvency liabilities: ETH 2025-07-31 56 M -> 329 M USD).
    liquidation_feed : str, optional
        The venue label of the recorded liquidation feed whose scale ``params`` are on
        (the book's dollars: :func:`~liqcascade.market.book_units`, the commands'
        ``units`` line). Default: a calibration's own feed (the given
        ``AssetCalibration``'s, the ``calibration`` file's, the store's or the
        package's, :func:`~liqcascade.market.calibration_feed`); ``"binance"`` (the
        shipped calibrations' scale) for given ``BookParams`` or ``EstimationParams``
        and the legacy book. Given beside a calibration (or the shipped legacy
        parameters) that names another feed, the market is refused
        (``param="liquidation_feed"``): a book is on one record's scale.
    """

    asset: str = "ETH"
    as_of: Any = None
    venue: str = "binance"
    share: float | None = None
    depth_scale: float | None = None
    params: Any = None
    store: str | Path | bool | None = None
    with_stops: bool = True
    book_model: str = "identified"
    calibration: str | Path | None = None
    sizing: str = "record"
    safe_mass: bool = False
    liquidation_feed: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.asset, str) or not self.asset.strip():
            raise InputError(f"asset: not an asset name: {self.asset!r}", param="asset")
        # the package's number check: text such as "0.2" raised TypeError
        share = None if self.share is None else check_number(self.share, "share")
        if share is not None and not (math.isfinite(share) and 0 < share <= 1):
            hint = percent_hint(share)
            raise InputError(f"share must be in (0, 1] (got {self.share}{hint})", param="share")
        object.__setattr__(self, "share", share)  # a float (a Decimal, numpy's: as one)
        if self.book_model not in BOOK_MODELS:
            raise InputError(
                f"book_model must be one of {', '.join(BOOK_MODELS)} (got {self.book_model!r})",
                param="book_model",
            )
        if self.sizing not in SIZINGS:
            raise InputError(
                f"sizing must be one of {', '.join(SIZINGS)} (got {self.sizing!r})",
                param="sizing",
            )
        if self.depth_scale is not None:
            scale = check_real(self.depth_scale, "depth_scale", least=0.0, strict=True)
            object.__setattr__(self, "depth_scale", scale)
        feed = self.liquidation_feed
        if feed is not None:
            if not isinstance(feed, str) or not feed.strip():
                raise InputError(
                    f"liquidation_feed: not a venue label: {feed!r} (a feed such as 'binance')",
                    param="liquidation_feed",
                )
            object.__setattr__(self, "liquidation_feed", feed.strip())


@dataclass(frozen=True, eq=False)
class MarketState(SummaryDict):
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
        Open time (UTC) of the 4-hour open-interest bar the market stands on: the bar's
        label, :attr:`bar_open` (and the fingerprint's ``as_of``). The commands' JSON and
        the cascade answers give ``as_of`` as the bar's **close**, :attr:`bar_close`
        (:func:`market_times`): the instant the market is known.
    asset : str
    venue : str
    close_time : pandas.Timestamp
        When that bar closed: nothing after it was read (:attr:`bar_close`).
    open_interest_usd : float
        Aggregated open interest at ``close_time``, USD.
    share, depth_scale, beta : float
        The venue's share of open interest, the depth multiplier and the depth exponent.
    params : BookParams or EstimationParams
        Position-book parameters used (``BookParams``: the identified book).
    depth_1pct_usd : tuple of float
        All-venue bid and ask notional within 1 % of mid (unscaled), USD.
    sources : dict
        Input series and calibration files -> where they came from
        (``book_calibration``: the calibration file and the fit used).
    book_model : str
        ``"identified"`` or ``"legacy"``.
    book_fit : MonthlyFit or None
        The expanding-window fit the identified book used (its ``bootstrap`` sets are
        the parameter draws of :meth:`draws`).
    whole_positions : PositionBook or None
        The identified book before its stops were split off (``positions`` plus the
        part on stops); ``None`` when ``positions`` is the whole book.
    caveats : tuple of str
        What the figures of this market rest on that breaks "calibrated on data
        before the date", one sentence each (empty when nothing does): a position-book
        fit trained on data after the date (IN SAMPLE), an assumed (not fitted) depth
        exponent. Each is logged once as ``warning: ...`` on the ``liqcascade.market``
        logger when the market is built (the command line prints it on stderr) and is
        in the commands' JSON (``market.caveats``).
    liquidation_feed : str
        The venue label of the recorded liquidation feed the book was identified from,
        on whose scale its dollars are (:func:`~liqcascade.market.book_units`):
        ``"binance"`` for the package's calibrations, a store's label for a store's own
        (``""`` when that calibration did not write it).
    held_back_by : dict or None
        When the market was built without a date and series it needs end before the
        open interest's last bar, those (:meth:`liqcascade.data.MarketDate.to_dict`:
        ``series``, their end ``ends``, ``open_interest_ends`` and the ``note`` logged once
        as ``note: ...`` on the ``liqcascade.market`` logger); ``None`` otherwise. In the
        commands' JSON as ``market.held_back_by``.
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
    book_model: str = "identified"
    book_fit: Any = None
    whole_positions: PositionBook | None = None
    caveats: tuple[str, ...] = ()
    liquidation_feed: str = DEFAULT_FEED
    held_back_by: dict[str, Any] | None = None
    _redraw: Any = field(default=None, repr=False)
    # draws walked once per state, prepared once per partial-liquidation threshold: the
    # cascade, stress and solvency answers of one state share them
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def bar_open(self) -> pd.Timestamp:
        """Open time (UTC) of the market's 4-hour bar: :attr:`as_of`, named by its end."""
        return self.as_of

    @property
    def bar_close(self) -> pd.Timestamp | None:
        """Close time (UTC) of the market's 4-hour bar: :attr:`close_time`.

        The instant the market is known, and the ``as_of`` of the commands' JSON and of
        the cascade answers (:func:`market_times`); None for a state built by hand
        without a ``close_time``.
        """
        return self.close_time

    def draws(self, n: int | None = None) -> list[MarketState]:
        """The same market with the positions and stops of each bootstrap parameter set.

        The identified book's calibration ships block-bootstrap refits of its
        parameters (``book_fit.bootstrap``, 10 per fit; failed refits, whose scale or
        sigma sit at their floor, are left out); each draw walks the book with one of
        them (same data, date, sizing rule and order book). A figure
        computed on every draw gives its parameter band: its 5th and 95th percentiles
        over the draws are the p05/p95 of :meth:`band`.

        Parameters
        ----------
        n : int, optional
            Number of draws (the first ``n`` bootstrap sets; default all).

        Returns
        -------
        list of MarketState
            Empty for the legacy book or a book built from ``BookParams`` alone.
        """
        if self._redraw is None or self.book_fit is None:
            return []
        if n is not None and n < 0:
            raise InputError(f"n must be >= 0 (got {n})", param="n")
        if "draws" not in self._memo:
            # a failed refit (scale or sigma at their floor, e.g. 1e-300) is no draw
            sets = [p for p in self.book_fit.bootstrap if p.scale > 1e-9 and p.sigma > 1e-3]
            out = []
            for p in sets:
                whole, positions, stops = self._redraw(p)
                out.append(
                    replace(
                        self,
                        positions=positions,
                        stops=stops,
                        params=p,
                        whole_positions=whole,
                        _redraw=None,
                        _memo={},
                    )
                )
            self._memo["draws"] = out
        all_draws: list[MarketState] = self._memo["draws"]
        return list(all_draws if n is None else all_draws[:n])

    def band(self, fn: Any, n: int | None = None) -> dict[str, float]:
        """``fn(state)`` on this market and on its :meth:`draws`: value, p05 and p95.

        ``fn`` maps a :class:`MarketState` to a float (a cascade's liquidated USD, a
        map's total near price...). Without draws, p05 = p95 = the value.

        Parameters
        ----------
        fn : callable
            ``MarketState -> float``; the band is in ``fn``'s unit.
        n : int, optional
            Number of draws (the first ``n`` of :meth:`draws`; default all).

        Returns
        -------
        dict of str to float
            ``value`` (on this market), ``p05`` and ``p95`` (5th and 95th
            percentiles over the draws, in ``fn``'s unit) and ``n_draws`` (0 when the
            market has no draws).
        """
        value = float(fn(self))
        vals = [float(fn(d)) for d in self.draws(n)] or [value]
        import numpy as np

        arr = np.asarray(vals, dtype=np.float64)
        return {
            "value": value,
            "p05": float(np.percentile(arr, 5)),
            "p95": float(np.percentile(arr, 95)),
            "n_draws": len(vals) if self._redraw is not None else 0,
        }

    def once(self, key: Any, compute: Callable[[], _T]) -> _T:
        """``compute()``, computed once per state and ``key`` and kept with the state.

        For what several answers of one market share: the cascade's prepared draws
        (:func:`liqcascade.cascade.prepared_draws`), so that the cascade, stress and
        solvency answers of one state sort each draw once.

        Parameters
        ----------
        key : hashable
            Names the computation (one value is kept per key).
        compute : callable
            ``() -> value``, called only the first time ``key`` is asked for.

        Returns
        -------
        object
            The value ``compute()`` returned (the kept one on later calls).
        """
        if key not in self._memo:
            self._memo[key] = compute()
        value: _T = self._memo[key]
        return value

    def recentred_book(self, mid: float, scale: float | None = None) -> OrderBook:
        """The same calibrated depth centred on another ``mid`` (USD), times ``scale``.

        ``scale`` defaults to this state's ``depth_scale``.

        Parameters
        ----------
        mid : float
            The new mid price, USD.
        scale : float, optional
            Multiplier of the all-venue depth (a venue's share of it), > 0; default
            this state's ``depth_scale``.

        Returns
        -------
        OrderBook
            The parametric book whose all-venue bid and ask notional within 1 % of
            ``mid`` is this state's ``depth_1pct_usd`` (USD) times ``scale``.
        """
        s = self.depth_scale if scale is None else scale
        bid, ask = self.depth_1pct_usd
        if not (math.isfinite(bid) and math.isfinite(ask)):  # a state built by hand
            bid = self.book.notional_within(0.01, "bid") / self.depth_scale
            ask = self.book.notional_within(0.01, "ask") / self.depth_scale
        beta = self.beta if math.isfinite(self.beta) else beta_for(self.asset)[0]
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

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"MarketState({self.asset} on {self.venue} as of {self.as_of:%Y-%m-%d %H:%M} UTC: "
            f"mid {self.mid:,.2f} USD, {s['n_positions']:,} positions "
            f"({s['long_notional_usd']:,.0f} USD long, {s['short_notional_usd']:,.0f} USD "
            f"short at mid), {s['n_stops']:,} stops ({s['sell_stops_usd']:,.0f} USD sell, "
            f"{s['buy_stops_usd']:,.0f} USD buy), book model {self.book_model})"
        )

    def _repr_html_(self) -> str:
        from liqcascade._notebook import summary_html

        caption = f"MarketState ({self.asset}, {self.venue}, {self.book_model} book)"
        return summary_html(caption, self.summary())

    def fingerprint(self) -> dict[str, Any]:
        """What identifies this market (the ``market`` key of the commands' JSON).

        Asset, venue, bar, close time, mid, open interest, the whole book's positions
        (before the stops are split off, so with or without stops the same) and the
        stops' notionals, the unscaled depth, the sizing, the sources and the
        liquidation feed the book was identified from.
        """
        s = self.summary()
        whole = self.positions if self.whole_positions is None else self.whole_positions
        lo = whole.side == 1
        notional = whole.size * self.mid
        s["n_positions"] = len(whole)
        s["long_notional_usd"] = float(notional[lo].sum())
        s["short_notional_usd"] = float(notional[~lo].sum())
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
            "book_model": self.book_model,
            "sources": dict(self.sources),
            "caveats": list(self.caveats),
            "liquidation_feed": self.liquidation_feed,
            "held_back_by": self.held_back_by,
        }

    def _position_factor(self) -> float:
        return self.share / BINANCE_BOOK_SHARE


def _legacy_params(spec: MarketSpec, label: pd.Timestamp) -> tuple[Any, str, str | None]:
    """``(params, source, caveat or None)`` of the legacy cohort book at ``label``."""
    if spec.params is not None:
        return spec.params, "given", None
    from liqcascade.positions import load_calibrated

    res = load_calibrated()
    a, b = res.fit_period
    caveat = None
    if pd.Timestamp(b, tz="UTC") + pd.Timedelta(days=1) > label + _BAR:
        caveat = (
            f"position book IN SAMPLE: the legacy cohort book's parameters were fitted on "
            f"{a} -> {b}, which ends after this market ({label + _BAR:%Y-%m-%d %H:%M} UTC)"
        )
    return res.params, "package:liqcascade/positions/calibrated_params.json", caveat


def _feed_of(spec: MarketSpec, own: str, what: str) -> str:
    """The scale of a book whose parameters are on ``own``'s feed (``""``: not known).

    ``spec.liquidation_feed`` when it is given and agrees with ``own`` (or ``own`` is not
    known); ``own`` (``"binance"`` when not known) when it is not given; an
    :class:`InputError` naming ``liquidation_feed`` when the two differ.
    """
    given = spec.liquidation_feed
    if given is None:
        return own
    if own and own.lower() != given.lower():
        raise InputError(
            f"liquidation_feed {given!r}: {what} was fitted on the {own!r} liquidation "
            "feed, whose scale the book's dollars are on (give parameters of that feed, "
            "or leave liquidation_feed out)",
            param="liquidation_feed",
        )
    return own or given


def _is_legacy(spec: MarketSpec) -> bool:
    from liqcascade.positions import EstimationParams

    return spec.book_model == "legacy" or isinstance(spec.params, EstimationParams)


def _identified_fit(spec: MarketSpec, asset: str, label: pd.Timestamp) -> tuple[Any, Any, str, str]:
    """``(params, fit or None, source, feed)`` of the identified book at ``label``.

    ``feed``: the venue label of the liquidation record the calibration was fitted on
    (:func:`~liqcascade.market.calibration_feed`; given ``BookParams`` are taken to be
    on the shipped, Binance, scale).

    The source ends ``IN SAMPLE: no fit ends before this month`` when the fit was
    trained on data after ``label`` (:func:`_fit_caveat` words it for the caveats).
    """
    from liqcascade.positions import AssetCalibration, BookParams, load_asset_calibration

    if isinstance(spec.params, BookParams):  # on the scale said, else the shipped one
        return spec.params, None, "given", spec.liquidation_feed or DEFAULT_FEED
    if isinstance(spec.params, AssetCalibration):
        cal, where = spec.params, "given calibration"
    else:  # a file, else the store's own calibration, else the package's
        cal = load_asset_calibration(asset, spec.calibration, store=spec.store)
        where = cal.source
    if spec.params is not None and not isinstance(spec.params, AssetCalibration):
        raise InputError(
            "params must be BookParams, AssetCalibration or EstimationParams "
            f"(got {type(spec.params).__name__})",
            param="params",
        )
    if cal.asset != asset:
        raise InputError(f"calibration: it is for {cal.asset}, not {asset}", param="calibration")
    month = pd.Timestamp(year=label.year, month=label.month, day=1, tz="UTC")
    fit, oos = cal.fit_for(month)
    note = "out of sample" if oos else "IN SAMPLE: no fit ends before this month"
    src = f"{where} (fit {fit.month}: {fit.fit_start} -> {fit.fit_end}, {note})"
    return (
        fit.params,
        fit,
        src,
        _feed_of(spec, calibration_feed(cal.meta), f"the book's calibration ({where})"),
    )


def _fit_caveat(asset: str, fit: Any, label: pd.Timestamp) -> str | None:
    """The caveat of an identified-book fit whose data end after ``label``'s close."""
    if fit is None or pd.Timestamp(fit.fit_end, tz="UTC") + pd.Timedelta(days=1) <= label + _BAR:
        return None
    return (
        f"position book IN SAMPLE: the {asset} book uses the fit for {fit.month}, trained on "
        f"{fit.fit_start} -> {fit.fit_end}, after this market ({label + _BAR:%Y-%m-%d %H:%M} "
        "UTC): no fit ends before it"
    )


STALE_CALIBRATION_DAYS = 62
"""A calibration whose data end more than this many days (about two months) before a
market's close is said to be stale in the market's caveats. A monthly fit used in its
own month ends at most a month before; one missed month of fits still passes."""


def _stale_fit_caveat(asset: str, fit: Any, close: pd.Timestamp) -> str | None:
    """The caveat of an identified-book fit whose data end long before ``close``."""
    if fit is None:
        return None
    end = pd.Timestamp(fit.fit_end, tz="UTC") + pd.Timedelta(days=1)  # fit_end is a day
    if close - end <= pd.Timedelta(days=STALE_CALIBRATION_DAYS):
        return None
    return (
        f"position book STALE: the {asset} book uses the fit for {fit.month}, trained on "
        f"{fit.fit_start} -> {fit.fit_end}, {(close - end).days} days before this market "
        f"({close:%Y-%m-%d %H:%M} UTC; more than {STALE_CALIBRATION_DAYS} days): refit it on "
        f"the data to this date (`liqcascade liqmap calibrate`, asset {asset})"
    )


def _stale_liquidity_caveat(asset: str, close: pd.Timestamp, store: Any) -> str | None:
    """The caveat of a liquidity calibration fitted on events ending long before ``close``.

    The calibration is the one :func:`liqcascade.cascade.load_liquidity` takes at
    ``close`` (the same document and :func:`liqcascade._calibrations.in_force`), read
    here from its document: the market sits below the cascade and does not import it.
    """
    from liqcascade._calibrations import find_calibration, in_force
    from liqcascade.errors import CalibrationNotFound

    try:
        fits = find_calibration("liquidity", asset, store).doc["calibrations"]
        dates = [None if f.get("as_of") is None else pd.Timestamp(f["as_of"]) for f in fits]
        i = in_force(dates, close)
        as_of, note = dates[i], str(fits[i].get("note", ""))
    except CalibrationNotFound:  # none: the commands that need one say so
        return None
    except InputError as exc:  # a broken file: said here, raised where it is used
        return f"liquidity calibration unreadable ({exc}): its figures cannot be computed"
    except (KeyError, IndexError, TypeError, AttributeError, ValueError):
        return None  # not a calibration document: load_liquidity says so where it is used
    if as_of is None or note.startswith("prior"):
        return None  # the prior: said where it is used
    if close - as_of <= pd.Timedelta(days=STALE_CALIBRATION_DAYS):
        return None
    return (
        f"liquidity response STALE: the {asset} calibration is fitted on events before "
        f"{as_of:%Y-%m-%d}, {(close - as_of).days} days before this market "
        f"(more than {STALE_CALIBRATION_DAYS} days): refit it on the data to this date "
        f"(`liqcascade cascade calibrate`, asset {asset})"
    )


def _beta_caveat(beta: float, source: str, close: Any = None) -> str | None:
    """The caveat of a depth exponent assumed rather than fitted by the date.

    The assumed β is the median of the shipped assets' full-period β
    (:func:`liqcascade.book._calibrate.assumed_beta`); for a market whose bar closes
    before those periods end (``close``, UTC) it is said to be a look-ahead: "fitted
    on 2024-11-21 -> 2025-07-31: a look-ahead for this date" (docs/liquidity.md, "Which
    events are out of sample").
    """
    if not source.startswith("assumed: "):
        return None
    text = f"depth exponent beta {beta:.2f} assumed, not fitted: {source[len('assumed: ') :]}"
    span = _shipped_beta_span()
    if (
        span is not None
        and close is not None
        and pd.Timestamp(close) < span[1] + pd.Timedelta(days=1)
    ):
        text += (
            f"; those betas are fitted on {span[0]:%Y-%m-%d} -> {span[1]:%Y-%m-%d}: a "
            "look-ahead for this date"
        )
    return text


def _shipped_beta_span() -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """``(first, last)`` day (UTC) of the bars the shipped assets' β are fitted on."""
    from liqcascade.book import depth_calibration

    ends = []
    for v in depth_calibration()["depth_beta"].values():
        parts = [x.strip() for x in str(v.get("period", "")).split("->")]
        if len(parts) == 2 and all(parts):
            ends.append((pd.Timestamp(parts[0], tz="UTC"), pd.Timestamp(parts[1], tz="UTC")))
    if not ends:
        return None
    return min(e[0] for e in ends), max(e[1] for e in ends)


_CAVEAT_CONTEXT: contextvars.ContextVar[str] = contextvars.ContextVar(
    "liqcascade_caveat_context", default=""
)


@contextmanager
def caveat_context(label: str) -> Iterator[None]:
    """Name what a market built inside this block is for, in its caveat lines.

    A report builds markets for several purposes; a caveat line that says which one
    ("report, cascade section: replay of 2025-02-03") tells the reader whether a
    headline is concerned.
    """
    token = _CAVEAT_CONTEXT.set(label)
    try:
        yield
    finally:
        _CAVEAT_CONTEXT.reset(token)


_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("liqcascade_quiet", default=False)


@contextmanager
def quiet_caveats() -> Iterator[None]:
    """Log none of the caveats of the markets built inside this block.

    For a caller that reports the caveats its own way (the event back-test counts them
    over its events; a positions file read against the market's mid is the book, not
    the estimated one). A line not logged here is not marked as said: a market built
    later, outside the block, still logs it. The caveats stay on each
    :class:`MarketState` (``caveats``).
    """
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def log_caveats(state: MarketState) -> None:
    """Log each of ``state.caveats`` once as ``warning: ...`` (``liqcascade.market``).

    A line this process has logged already (the same market built again) is not
    repeated. Inside :func:`caveat_context` the line starts with its label; inside
    :func:`quiet_caveats` nothing is logged.
    """
    if _QUIET.get():
        return
    ctx = _CAVEAT_CONTEXT.get()
    for c in state.caveats:
        line = f"{state.asset} market {state.as_of:%Y-%m-%d %H:%M} UTC: {c}"
        line = f"{ctx}: {line}" if ctx else line
        if line not in _LOGGED:
            _LOGGED.add(line)
            _LOG.warning("warning: %s", line)


#: The series the estimated market cannot do without (keys of
#: :data:`liqcascade.data.MARKET_SERIES`, besides the open interest): its depth, its mid
#: and bars, and its position book's long/short signal.
MARKET_NEEDS = ("book_totals", "prices", "funding")


def default_date(inputs: MarketInputs, as_of: Any = None) -> MarketDate:
    """The market date of ``inputs`` (:func:`liqcascade.data.market_date`).

    Without ``as_of``, the last open-interest bar closed by the end of the order-book
    totals, the hourly prices and the funding: the market of a store whose open interest
    runs a day ahead of its order-book totals stands a day back, not refused. With
    ``as_of``, that date's bar, refused when one of them ends before it closes. Each of
    :data:`MARKET_NEEDS` must be in the data (the funding may be missing from a store of
    an asset the package does not bundle: refused, naming it).

    Parameters
    ----------
    inputs : MarketInputs
        The asset's loaded series.
    as_of : datetime-like, optional
        The date given (UTC); None: the default date.

    Raises
    ------
    InputError
        ``param="asset"``: no open-interest bar has every series, or a needed series is
        missing; ``param="as_of"``: ``as_of`` outside a series.
    """
    others = {"book_totals": inputs.book_totals, "prices": inputs.prices, "funding": inputs.funding}
    return market_date(
        inputs.asset, inputs.open_interest, others, as_of=as_of, required=MARKET_NEEDS
    )


def _note_date(when: MarketDate) -> None:
    """Log ``when``'s note (a series holds the market back) once, as ``note: ...``."""
    note = when.note()
    if note is None or _QUIET.get():
        return
    ctx = _CAVEAT_CONTEXT.get()
    line = f"{ctx}: {note}" if ctx else note
    if line not in _LOGGED:
        _LOGGED.add(line)
        _LOG.warning("note: %s", line)


def _resolve(spec: MarketSpec, oi: pd.DataFrame) -> pd.Timestamp:
    """The open-interest bar of ``spec.as_of`` (the message names the series)."""
    return resolve_as_of(
        spec.as_of,
        pd.DatetimeIndex(oi.index),
        _BAR,
        series=f"the {spec.asset.upper()} open interest",
        purpose="the estimated market needs it",
    )


def market_close_time(asset: str = "ETH", as_of: Any = None, *, store: Any = None) -> pd.Timestamp:
    """The close of the estimated market of ``asset`` at ``as_of``, without estimating it.

    :attr:`MarketState.close_time` of ``estimated_market(MarketSpec(asset, as_of))``:
    the close of the last 4-hour open-interest bar by ``as_of`` (one date rule,
    :func:`liqcascade._time.resolve_as_of`), read from the open interest alone (what
    was knowable at that market's date, for a back-test scored there). Without
    ``as_of``, the market's default date (:func:`default_date`: the last bar every
    series the market needs reaches).

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset (bundled or in the store).
    as_of : datetime-like, optional
        UTC; a bare date is the close of that day's last bar; default the market's
        default date (:func:`default_date`).
    store : str, Path, bool, optional
        As in :func:`load_market_inputs`.

    Returns
    -------
    pandas.Timestamp
        UTC.

    Raises
    ------
    InputError
        No open interest of ``asset`` (``param="asset"``, :func:`load_market_inputs`'s
        message), or ``as_of`` outside it (``param="as_of"``).
    """
    from liqcascade.market._inputs import _series

    a = str(asset).upper()
    oi = _series("open_interest", a, "4h", store) if as_of is not None else None
    if oi is None:  # load_market_inputs says what is missing and how to add it
        inputs = load_market_inputs(a, store=store)
        if as_of is None:  # the default date: every series the market needs reaches it
            return default_date(inputs).close
        oi = inputs.open_interest
    return _resolve(MarketSpec(asset=a, as_of=as_of), oi) + _BAR


def market_times(state: Any, *, iso: bool = False) -> dict[str, Any]:
    """When an estimated market stands: the top-level times of the commands' JSON.

    ``as_of`` is the instant the market is known, the close of its 4-hour open-interest
    bar (the one date rule, :func:`liqcascade._time.resolve_as_of`: ``--as-of
    2025-07-31`` is the bar closed by 2025-08-01 00:00 UTC, and nothing after that
    close is read); ``bar_open`` and ``bar_close`` name the bar by both ends (its open
    is its label, :attr:`MarketState.as_of`, the fingerprint's ``as_of``). ``liqmap``,
    ``cascade`` (every view), ``stress``, ``solvency``, ``contagion`` and ``stops
    recommend`` give these three at the top of their JSON, so one ``--as-of`` reads the
    same there.

    Parameters
    ----------
    state : MarketState
        The estimated market.
    iso : bool, default False
        ISO 8601 strings (JSON-ready) instead of timestamps.

    Returns
    -------
    dict
        ``{"as_of": close, "bar_open": open, "bar_close": close}`` (UTC).
    """
    out = {"as_of": state.close_time, "bar_open": state.as_of, "bar_close": state.close_time}
    if iso:
        return {k: None if v is None else pd.Timestamp(v).isoformat() for k, v in out.items()}
    return out


def estimated_market(spec: MarketSpec | None = None, **kw: Any) -> MarketState:
    """The estimated market of ``spec`` (or of ``MarketSpec(**kw)``).

    Parameters
    ----------
    spec : MarketSpec, optional
        What to estimate; keyword arguments build one when it is not given.
    **kw
        The fields of :class:`MarketSpec` (``asset``, ``as_of``, ...) when ``spec``
        is not given; giving both is a ``TypeError``.

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
    """The market of ``spec`` from already loaded ``inputs`` (no data is loaded).

    Parameters
    ----------
    spec : MarketSpec
        What to estimate (asset, as-of, venue, ...); its ``store`` is not read.
    inputs : MarketInputs
        The asset's loaded series (:func:`load_market_inputs`): open interest,
        hourly prices and the rest, UTC-indexed.

    Returns
    -------
    MarketState

    Raises
    ------
    InputError
        If the inputs do not cover the date (the message names the option).
    """
    # the last bar every series the market needs reaches, or the bar of the date given
    # (refused past a series' end): one rule, data.market_date
    when = default_date(inputs, spec.as_of)
    label, held_back_by = when.label, when.to_dict()
    _note_date(when)
    close = label + _BAR
    oi = inputs.open_interest[inputs.open_interest.index <= label]
    hourly = closed_by(inputs.prices, close, _HOUR)
    if hourly.empty:
        if spec.as_of is None:  # the default date: no as_of was given, the asset's data
            raise InputError(
                f"asset {inputs.asset}: no prices before its market date "
                f"({close:%Y-%m-%d %H:%M} UTC)",
                param="asset",
            )
        raise InputError(
            f"as_of {label:%Y-%m-%d}: no {inputs.asset} prices before it", param="as_of"
        )
    mid = float(hourly["close"].iloc[-1])
    bars = ohlc_bars(hourly, "4h")
    bars = bars[bars.index <= label]
    share = BINANCE_BOOK_SHARE if spec.share is None else float(spec.share)
    symbol = contract_symbol(inputs.asset)
    sources = dict(inputs.sources)
    redraw = None
    fit = None
    caveats: list[str] = []
    feed = DEFAULT_FEED  # the legacy book's and given parameters' scale: the shipped one
    if _is_legacy(spec):
        params, params_source, caveat = _legacy_params(spec, label)
        given = spec.params is not None  # on the scale said; the shipped ones: Binance's
        what = f"the legacy book's parameters ({params_source})"
        feed = (spec.liquidation_feed or feed) if given else _feed_of(spec, feed, what)
        if caveat:
            caveats.append(caveat)
        positions, stops = _legacy_book(spec, inputs, params, oi, bars, label, share)
        positions = _relabel(positions, spec.venue, symbol)
        whole = None
        sources["estimation_params"] = params_source
        model = "legacy"
    else:
        params, fit, sources["book_calibration"], feed = _identified_fit(spec, inputs.asset, label)
        caveat = _fit_caveat(inputs.asset, fit, label) or _stale_fit_caveat(
            inputs.asset, fit, label + _BAR
        )
        if caveat:
            caveats.append(caveat)
        theta_ls = float(getattr(params, "theta_ls", 0.0) or 0.0)
        if theta_ls != 0.0 and inputs.long_short is None:
            caveats.append(
                f"long/short ratios missing: the {inputs.asset} book's fit weighs the venue's "
                f"long/short account ratio (theta_ls {theta_ls:.2f}) but no ratio series is "
                "in the data; the side signal runs without it"
            )
        frames = _frames(inputs, oi, bars, label)

        # the book of other parameters (band()): a partial, not a closure, so the state pickles
        redraw = functools.partial(
            _identified_book, spec, frames, bars=bars, label=label, share=share, symbol=symbol
        )
        whole, positions, stops = redraw(params)
        model = "identified"
    caveats += [c for c in (_stale_liquidity_caveat(inputs.asset, close, spec.store),
                            tiers_caveat(inputs.asset)) if c]  # fmt: skip
    row = book_totals_at(inputs.book_totals, close)
    beta, sources["depth_beta"] = beta_for(inputs.asset, inputs.book_totals, close)
    caveat = _beta_caveat(beta, sources["depth_beta"], close)
    if caveat:
        caveats.append(caveat)
    depth_scale = share if spec.depth_scale is None else float(spec.depth_scale)
    snap = (  # the snapshots are Binance's: only the Binance market uses them
        snapshot_at(inputs.live_depth, close)
        if spec.share is None and spec.depth_scale is None and spec.venue == "binance"
        else None
    )
    book = None
    if snap is not None:  # Binance's live visible depth, extended by beta (book._live)
        try:
            book = book_from_snapshot(snap, mid, beta=beta)
        except InputError as exc:  # a malformed stored snapshot: the calibrated depth
            sources["depth"] = f"calibrated (live snapshot skipped: {exc})"
        else:
            where = inputs.sources.get("live_depth")
            sources["depth"] = f"live snapshot {snap.index[0]:%Y-%m-%d %H:%M:%S} UTC ({where})"
    if book is None:
        book = book_from_totals(row, mid, beta=beta, scale=depth_scale)
    sources["book_share"] = f"package:liqcascade/market/{MARKET_PARAMS_FILE}"
    state = MarketState(
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
        book_model=model,
        book_fit=fit,
        whole_positions=whole,
        caveats=tuple(caveats),
        liquidation_feed=feed,
        held_back_by=held_back_by,
        _redraw=redraw if fit is not None else None,
    )
    log_caveats(state)
    return state


def _frames(inputs: MarketInputs, oi: pd.DataFrame, bars: pd.DataFrame, label: pd.Timestamp) -> Any:
    """The identified book's inputs, cut at ``label`` (nothing after it)."""
    from liqcascade.positions import MarketFrames

    def cut(f: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if f is None else f[f.index <= label]

    return MarketFrames(
        oi=oi[["oi_usd"]],
        ohlc=bars,
        funding=cut(inputs.funding),
        long_short=cut(inputs.long_short),
        asset=inputs.asset,
        sources=dict(inputs.sources),
    )


def _identified_book(
    spec: MarketSpec, frames: Any, params: Any, bars: pd.DataFrame, label: pd.Timestamp,
    share: float, symbol: str,
) -> tuple[PositionBook | None, PositionBook, StopBook]:  # fmt: skip
    """The whole book, its positions (what is not on stops) and stops (venue-sized).

    The aggregated book (with the safe mass when ``spec.safe_mass``: it then sums to
    the open interest the book was walked on) times ``params.scale × share / 0.25``
    (``sizing="record"``: the calibration's
    ``scale`` is Binance's share times the feed's reporting rate, only the product is
    identified) or times ``share`` (``sizing="open_interest"``).
    """
    from liqcascade.positions import model_stops_detailed, safe_book, walk

    run = walk(frames, params)
    v = venue_scale(spec, params, share)
    book = _relabel(run.book(venue_share=v, symbol=symbol), spec.venue, symbol)
    safe = _relabel(safe_book(run, venue_share=v, symbol=symbol), spec.venue, symbol)
    if not spec.with_stops:
        return None, _with_safe(book, safe, spec.safe_mass), StopBook.empty()
    # the safe mass places no stops: stops are split off the liquidatable book only
    ms = model_stops_detailed(book, bars, as_of=label)
    assert ms.positions is not None
    return (
        _with_safe(book, safe, spec.safe_mass),
        _with_safe(ms.positions, safe, spec.safe_mass),
        ms.stops,
    )


def venue_scale(spec: MarketSpec, params: Any, share: float) -> float:
    """The factor from the aggregated identified book to the venue's positions.

    ``params.scale × share / 0.25`` with ``sizing="record"`` (the calibration's ``scale``
    is Binance's share times the feed's reporting rate; only the product is identified),
    ``share`` with ``sizing="open_interest"``.
    """
    if spec.sizing == "record":
        return float(params.scale) * share / BINANCE_BOOK_SHARE
    return share


def _with_safe(book: PositionBook, safe: PositionBook, on: bool) -> PositionBook:
    """``book`` followed by the safe positions (when ``on`` and there are any)."""
    return PositionBook.concat([book, safe]) if on and len(safe) else book


def _legacy_book(
    spec: MarketSpec, inputs: MarketInputs, params: Any, oi: pd.DataFrame, bars: pd.DataFrame,
    label: pd.Timestamp, share: float,
) -> tuple[PositionBook, StopBook]:  # fmt: skip
    """The 0.1 cohort book and its stops (stops on top of the full book, as in 0.1)."""
    from liqcascade.positions import model_stops, run_estimation

    split = inputs.taker if params.split == "taker" else inputs.funding
    if split is not None:
        split = split[split.index <= label]
    if params.split != "none" and (split is None or split.empty):
        raise InputError(
            f"asset {inputs.asset}: no {params.split} series for the long/short split",
            param="asset",
        )
    raw = run_estimation(oi, bars, params, split_data=split).book
    positions = raw if share == BINANCE_BOOK_SHARE else raw.scaled(share / BINANCE_BOOK_SHARE)
    if not spec.with_stops:
        return positions, StopBook.empty()
    return positions, model_stops(positions, bars, as_of=label)


def _relabel(book: PositionBook, venue: str, symbol: str) -> PositionBook:
    if book.venue == venue and book.symbol == symbol:
        return book
    return replace(book, venue=venue, symbol=symbol)
