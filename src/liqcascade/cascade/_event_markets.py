"""The back-test's event markets, built in one walk per book calibration.

:func:`liqcascade.market.estimated_market`, asked for every event, reloads the
series, resamples the whole hourly history to 4-hour bars, walks the identified book
from its first bar and models stops over every bar since 2017 (~50 ms). For a
back-test over many events that is most of the run. :class:`EventMarkets` builds
the *same* markets (same positions, stops and depth) from one set of inputs:

- the series are loaded once; the 4-hour bars are resampled once;
- the identified book is one running :class:`liqcascade.positions._incremental.BookState`
  per book calibration (the expanding-window fit of each month), advanced from one
  event's bar to the next (never walked from the start again: the same kernel, so
  the same book as a walk cut at the event); its grid starts around the first price
  and grows as the walk needs (never sized by later prices);
- stops are modelled on the bars since 40 days before the first open interest (the
  stop model reads ATR, whose weight on bars older than that is below 1e-30, and
  7-day swings).

Nothing after the event's previous close is read: the book at an event is the state
after the last 4-hour bar closed by then (``MarketSpec``'s date rule). The first
event's market is also built by :func:`liqcascade.market.estimated_market` and
compared (:meth:`EventMarkets.check`); on a mismatch (the market layer changed) every
market falls back to it, so the back-test never runs on a market the rest of the
package would not build.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.cascade._prepare import PreparedMarket, prepare_cascade
from liqcascade.errors import InputError
from liqcascade.margin import contract_symbol
from liqcascade.market import MARKET_BAR

__all__ = ["EventMarkets", "no_market"]

_BAR = MARKET_BAR
_HOUR = pd.Timedelta(hours=1)
#: Hourly history kept before the first open interest: the book's 30-day warm-up
#: (``BookParams.seed_days``; more when a fit asks for more) and the stop model's ATR
#: and swings.
_KEEP_BEFORE = pd.Timedelta(days=40)


class EventMarkets:
    """``market_at(ts, mid)`` for the event back-test (see the module docstring).

    Parameters
    ----------
    asset : str
        The asset of every market.
    store : str, Path, bool or None
        Passed to :func:`liqcascade.market.load_market_inputs`.
    inputs : MarketInputs, optional
        Already loaded inputs (default: loaded here, once).
    check : bool
        Compare the first market built with :func:`liqcascade.market.estimated_market`
        and fall back to it on a mismatch.
    """

    def __init__(
        self, asset: str = "ETH", *, store: Any = None, inputs: Any = None, check: bool = True
    ) -> None:
        from liqcascade._time import bar_step
        from liqcascade.market import load_market_inputs, ohlc_bars
        from liqcascade.positions import load_asset_calibration

        self.asset = asset.upper()
        self.store = store
        inp = load_market_inputs(self.asset, store=store) if inputs is None else inputs
        oi = inp.open_interest[~inp.open_interest.index.duplicated(keep="last")].sort_index()
        if oi.empty:
            raise InputError(f"asset: no open interest for {self.asset}", param="asset")
        first = pd.Timestamp(oi.index[0])
        # the position book's calibrations: the store's (any asset) before the package's
        # (its ``source`` as the market's ``sources["book_calibration"]`` says it)
        self.calibration = load_asset_calibration(self.asset, store=store)
        seed = max(float(f.params.seed_days) for f in self.calibration.fits)
        keep = max(_KEEP_BEFORE, pd.Timedelta(days=seed + 10.0))
        px = inp.prices[pd.DatetimeIndex(inp.prices.index) >= first - keep]
        self.inputs = replace(inp, prices=px, open_interest=oi)
        self.bars = ohlc_bars(px, "4h")
        self._bars_ns = np.asarray(pd.DatetimeIndex(self.bars.index).as_unit("ns").asi8)
        self._price_bars: Any = None  # the bars read and checked once (model_stops_detailed)
        self._oi_index = pd.DatetimeIndex(oi.index)
        self._labels: dict[pd.Timestamp, pd.Timestamp | InputError] = {}
        self._totals_index = pd.DatetimeIndex(inp.book_totals.index)
        self._totals_step = bar_step(self._totals_index) if len(self._totals_index) > 1 else _BAR
        self._books: dict[str, Any] = {}  # fit month -> (BookState, Prepared, done)
        self._cache: dict[tuple[pd.Timestamp, float], PreparedMarket | None] = {}
        self._check = check
        self.fallback = False
        self._beta_assumed: dict[pd.Timestamp, bool] = {}
        self._betas: Any = None

    # ------------------------------------------------------------------ book
    def _label(self, ts: pd.Timestamp) -> pd.Timestamp:
        """The last open-interest bar closed by ``ts`` (``resolve_as_of``; cached per ``ts``).

        The market, its book and its in-sample flag ask for the same events' labels;
        the refusal (:class:`~liqcascade.errors.InputError`) is cached and raised again.
        """
        from liqcascade._time import resolve_as_of

        key = pd.Timestamp(ts)
        if key not in self._labels:
            try:
                self._labels[key] = resolve_as_of(key, self._oi_index, _BAR)
            except InputError as exc:
                self._labels[key] = exc
        got = self._labels[key]
        if isinstance(got, InputError):
            raise got
        return got

    def _book_at(self, fit: Any, label: pd.Timestamp) -> Any:
        """The identified book (aggregated grid state) after the bar ``label``."""
        from liqcascade.positions import BookState, MarketFrames, prepare

        key = str(fit.month)
        if key not in self._books:
            inp = self.inputs
            frames = MarketFrames(
                oi=inp.open_interest[["oi_usd"]],
                ohlc=self.bars,
                funding=inp.funding,
                long_short=inp.long_short,
                asset=self.asset,
            )
            prep = prepare(frames, fit.params)
            st = BookState.empty(fit.params, float(prep.close[0]))
            self._books[key] = [st, prep, 0, np.zeros((2, len(prep.index)))]
        st, prep, done, mu = self._books[key]
        stop = int(prep.index.searchsorted(label, side="right"))
        if stop < done:  # an earlier date than the last one asked: walk again from the start
            st = BookState.empty(fit.params, float(prep.close[0]))
            self._books[key] = [st, prep, 0, mu]
            done = 0
        if stop > done:
            s = slice(done, stop)
            res = st._run(
                prep.index[s], prep.open[s], prep.low[s], prep.high[s], prep.close[s],
                prep.target[s], prep.x_funding[s], prep.x_move[s], prep.x_ls[s], 0,
            )  # fmt: skip
            mu[0, s] = res.liq_long_usd
            mu[1, s] = res.liq_short_usd
            self._books[key][2] = stop
        return st

    def _build(self, ts: pd.Timestamp, mid: float) -> PreparedMarket:
        from liqcascade._time import resolve_as_of
        from liqcascade.book import BetaHistory, book_from_totals
        from liqcascade.market import BINANCE_BOOK_SHARE
        from liqcascade.positions import PriceBars, model_stops_detailed

        inp = self.inputs
        label = self._label(ts)
        if label + _BAR < ts - pd.Timedelta(days=1):
            raise InputError(f"as_of {ts}: the open interest ends {label}", param="as_of")
        month = pd.Timestamp(year=label.year, month=label.month, day=1, tz="UTC")
        fit, _ = self.calibration.fit_for(month)
        st = self._book_at(fit, label)
        share = BINANCE_BOOK_SHARE
        symbol = contract_symbol(self.asset)
        book = st.book(venue_share=float(fit.params.scale) * share / BINANCE_BOOK_SHARE,
                       symbol=symbol)  # fmt: skip
        # the 4-hour bars up to the label (sorted: ohlc_bars' resample), read once
        n_bars = int(np.searchsorted(self._bars_ns, label.as_unit("ns").value, side="right"))
        if n_bars == 0:
            raise InputError(f"as_of {ts}: no prices before it", param="as_of")
        if self._price_bars is None:
            self._price_bars = PriceBars.of(self.bars)
        ms = model_stops_detailed(book, self._price_bars.bars(0, n_bars), as_of=label)
        assert ms.positions is not None
        t_row = resolve_as_of(label + _BAR, self._totals_index, self._totals_step, option="as_of")
        row: pd.Series = inp.book_totals.loc[t_row]  # type: ignore[assignment]
        if self._betas is None:  # beta_for at every event, each totals bar fitted once
            self._betas = BetaHistory(self.asset, inp.book_totals)
        beta, beta_src = self._betas.at(label + _BAR)
        self._beta_assumed[pd.Timestamp(ts)] = beta_src.startswith("assumed: ")
        depth = book_from_totals(
            {"bids_usd": float(row["bids_usd"]), "asks_usd": float(row["asks_usd"])},
            mid,
            beta=beta,
            scale=share,
        )
        return prepare_cascade(depth, ms.positions, ms.stops)

    def _slow(self, ts: pd.Timestamp, mid: float) -> PreparedMarket:
        from liqcascade.market import MarketSpec, estimated_market, quiet_caveats

        # the market's caveats (book in sample, β assumed) are per event here: the
        # back-test records them per event and says them once, counted (the CLI)
        with quiet_caveats():
            st = estimated_market(MarketSpec(self.asset, as_of=ts, store=self.store))
        self._beta_assumed[pd.Timestamp(ts)] = str(st.sources.get("depth_beta", "")).startswith(
            "assumed: "
        )
        return prepare_cascade(st.recentred_book(mid), st.positions, st.stops)

    def book_in_sample(self, ts: pd.Timestamp) -> bool:
        """Whether the market at ``ts`` uses a book fit trained on data after it.

        The fit of the month of the last 4-hour bar closed by ``ts``
        (:func:`liqcascade.cascade._insample.book_in_sample` with that bar's close);
        False when no open-interest bar has closed by ``ts`` (no market).
        """
        from liqcascade.cascade._insample import book_in_sample

        try:
            label = self._label(ts)
        except InputError:
            return False
        return book_in_sample(self.calibration, ts, label + _BAR)

    def beta_assumed(self, ts: pd.Timestamp) -> bool | None:
        """Whether the market at ``ts`` uses the assumed depth exponent β (not its own fit).

        Known once the market at ``ts`` was built (None before).
        """
        return self._beta_assumed.get(pd.Timestamp(ts))

    def book_at(self, ts: pd.Timestamp) -> Any:
        """The identified book after the last 4-hour bar closed by ``ts`` (a ``BookSnapshot``).

        The grid state of the event's market (before stops and venue sizing), its
        parameters (the month's expanding-window fit) and the bar's signals; ``None``
        when no open interest has closed by ``ts``.
        """
        from liqcascade.cascade._event_liquidations import BookSnapshot

        try:
            label = self._label(ts)
        except InputError:
            return None
        month = pd.Timestamp(year=label.year, month=label.month, day=1, tz="UTC")
        fit, _ = self.calibration.fit_for(month)
        st = self._book_at(fit, label)
        prep, mu = self._books[str(fit.month)][1], self._books[str(fit.month)][3]
        i = int(prep.index.searchsorted(label, side="right")) - 1
        if i < 0:
            return None
        if i + 1 < len(prep.index):  # the next bar's lagged signals are this bar's own
            last = (float(prep.close[i]), float(prep.target[i + 1]), float(prep.x_funding[i + 1]),
                    float(prep.x_move[i + 1]), float(prep.x_ls[i + 1]))  # fmt: skip
        else:
            last = prep.last
        walked = slice(prep.n_seed, i + 1)  # the book's liquidations per bar so far
        return BookSnapshot(st.arrays(), st.log_p0, st.n_grid, fit.params,
                            pd.Timestamp(prep.index[i]), last, prep.index[walked],
                            mu[0, walked].copy(), mu[1, walked].copy())  # fmt: skip

    # ------------------------------------------------------------------ public
    @property
    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """``(first, last)`` close (UTC) of the open interest's 4-hour bars.

        An event at ``ts`` has a market of its own when a bar closed by ``ts`` and
        ``ts`` is no later than the last close (the back-test scores no event outside).
        """
        idx = pd.DatetimeIndex(self.inputs.open_interest.index)
        return pd.Timestamp(idx[0]) + _BAR, pd.Timestamp(idx[-1]) + _BAR

    def __call__(self, ts: pd.Timestamp, mid: float) -> PreparedMarket | None:
        """The prepared market at ``ts`` re-centred on ``mid`` (USD); None when there is none.

        None only when the data have no market at ``ts`` (:func:`no_market`); any other
        :class:`~liqcascade.errors.InputError` of the build (a calibration that cannot be
        used, a store that cannot be read) raises.
        """
        key = (pd.Timestamp(ts), float(mid))
        if key not in self._cache:
            try:
                if self._check:
                    self._check = False
                    self._cache[key] = self._checked(key[0], key[1])
                else:
                    build = self._slow if self.fallback else self._build
                    self._cache[key] = build(key[0], key[1])
            except InputError as exc:
                if not no_market(exc):  # a store or calibration fault: the user's to see
                    raise
                self._cache[key] = None
        return self._cache[key]

    def _checked(self, ts: pd.Timestamp, mid: float) -> PreparedMarket:
        """The first market: :meth:`check` it, keep the fast build when it passes.

        Sets :attr:`fallback` when it does not (that market and every later one from
        :func:`~liqcascade.market.estimated_market`). A passing build is the one a
        second ``_build`` would give (the book walked to the same bar, the same
        totals): it is kept, with its own record of the assumed β.
        """
        fast = self._build(ts, mid)
        assumed = self._beta_assumed.get(pd.Timestamp(ts))
        self.fallback = not same_market(fast, self._slow(ts, mid))
        if self.fallback:
            return self._slow(ts, mid)
        if assumed is not None:  # the slow build recorded its own
            self._beta_assumed[pd.Timestamp(ts)] = assumed
        return fast

    def check(self, ts: pd.Timestamp, mid: float, rtol: float = 1e-6) -> bool:
        """Whether the market at ``ts`` equals :func:`liqcascade.market.estimated_market`'s.

        Positions (side, size, entry, liquidation price) and stops (side, trigger,
        size) within ``rtol``, and the book's depth arrays.
        """
        a, b = self._build(ts, mid), self._slow(ts, mid)
        return same_market(a, b, rtol)


def no_market(exc: InputError) -> bool:
    """Whether a market build's error means "no market at this date", not a fault.

    The date outside the data (the refusal naming ``as_of``: no open-interest bar closed
    by then, the series ended before it, no prices or order-book totals by then, as
    :func:`liqcascade.cascade._backtest.estimated_market_at` reads it) or a series
    nobody holds (:class:`~liqcascade.data.SeriesNotFound`). Every other
    :class:`~liqcascade.errors.InputError` (a calibration that cannot be read or does
    not fit the data, a store that cannot be opened) is a fault the user must see.
    """
    from liqcascade.data import SeriesNotFound

    return isinstance(exc, SeriesNotFound) or "as_of" in exc.params


def same_market(a: PreparedMarket, b: PreparedMarket, rtol: float = 1e-6) -> bool:
    """Whether two prepared markets hold the same positions, stops and depth (``rtol``)."""
    for d in (1.0, -1.0):
        sa, sb = a.side(d), b.side(d)
        for name in (
            "pos_key",
            "pos_size",
            "pos_bkr_x",
            "stop_key",
            "stop_size",
            "lvl_key",
            "lvl_q",
        ):
            x = getattr(sa, name, None)
            y = getattr(sb, name, None)
            if x is None and y is None:
                continue
            if x is None or y is None:
                return False
            x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
            if x.shape != y.shape:
                return False
            scale = max(float(np.max(np.abs(y))) if y.size else 0.0, 1e-300)
            if x.size and not math.isfinite(scale):
                return False
            if x.size and float(np.max(np.abs(x - y))) > rtol * scale:
                return False
    return True
