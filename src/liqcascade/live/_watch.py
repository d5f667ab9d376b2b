"""``liqcascade watch``: keep the estimated market current and say when risk changes.

Each interval the :class:`Watcher`

1. polls every venue through ccxt's unified API (:class:`VenuePoller`): hourly
   candles, 4-hourly open interest and funding after the last bar stored, closed bars
   only, and the order book;
2. appends what is new to the store in one transaction (:meth:`liqcascade.data.Store.ingest`:
   atomic and idempotent; a process killed mid-write leaves the store as it was, and a
   restart fetches again from the last stored bar, so no bar is duplicated or missed);
3. when a new 4-hour open-interest bar has closed, advances the identified position
   book by that bar (:class:`liqcascade.positions._incremental.BookState`; no rewalk of
   the history), for the calibration's fit and each of its bootstrap refits, and
   rebuilds the market of that bar exactly as :func:`liqcascade.market.estimated_market`
   builds it (sizing by the fit's scale, stops split off the positions, the calibrated
   order-book depth at that bar);
4. prints one line: the time, the price, the nearest large liquidation cluster below
   and above, the USD liquidated within 2 % and 5 %, the **critical shock** of the
   calibrated liquidity response (the smallest fall whose median 24-hour path reaches
   ``total_move``, -10 %: :class:`CalibratedShock`, the figure ``cascade --fragility``
   gives as ``curve_crossing``) with its 10-90 % path range, the **static book's**
   critical shock beside it (the smallest fall whose cascade alone carries price 10 %
   through a book that never refills, at once: the bound of the cascade's own carry,
   not of the 24-hour move; p05-p95 over the bootstrap refits), and the alerts raised. When
   the price and the book are more than one 4-hour bar apart (offline: the store's
   last hour against the last book its open interest allows), the line is STALE and
   gives no cluster or within-2/5 % figure: they would be distances from one date's
   price to another date's book.

The calibrated critical shock takes about ten calibrated cascades of 120 paths (0.3-0.4
s of CPU with 10 refits), far more than the 50 ms an interval may take, so it is
computed in the **idle time** after
an interval (:meth:`Watcher.catch_up`, which :func:`run_watch` calls before it sleeps):
an interval in which a new 4-hour bar closed prints the previous bar's calibrated
figure, labelled with its bar (``critical_shock_as_of``, ``critical_shock_current``
false), and the next interval prints the new bar's. The first interval computes it
before its line; a replay (``replay=True``, :func:`liqcascade.live.run_replay`), which
has no idle time to wait for, before every line. With ``liquidity="static"`` the
critical shock is the static book's (the bound) and nothing is computed in the idle
time but the refits.

Any asset with a book calibration (the package's, or the store's own from ``liqmap
calibrate --asset``) and a liquidity calibration (the package's, or the store's own
from ``cascade calibrate --asset``; none needed with ``liquidity="static"``) can be
watched; its depth exponent is the shipped one or the median fit over its own book
totals (:func:`liqcascade.book._calibrate.beta_for`).

The market is the one of the last 4-hour open-interest bar closed by now (the package's
date rule), so ``liqcascade cascade --fragility --as-of NOW --json`` on the same store
gives the same calibrated critical shock (``critical_shock.curve_crossing``) and, with
``--liquidity static``, the same static bound (``critical_shock.shock``).

Alert rules compare the line's figures: ``critical_shock`` is the calibrated one (of
the bar ``critical_shock_as_of``), ``static_critical_shock`` the bound.
On a STALE line no alert rule is checked: one ``stale`` alert says why instead
(:func:`liqcascade.live._alerts.evaluate`). :func:`run_watch` returns a
:class:`WatchSummary`; a session that ran to ``max_iterations`` without any venue
answering has ``no_live_data`` (the CLI exits :data:`EXIT_NO_LIVE_DATA`).

Cluster distances and windows are measured from the current price (the order book's
mid when the venue answers, else the last hourly close).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from liqcascade._limits import real_number
from liqcascade._numba import numba_threads
from liqcascade._shown import shown
from liqcascade._store_reads import release_store_reads
from liqcascade._time import to_utc
from liqcascade.data import (
    IngestResult,
    SeriesFrame,
    Store,
    default_store_source,
    interval_ms,
    is_interrupt,
)
from liqcascade.errors import InputError, StoreBusy, VenueUnreachable
from liqcascade.live._alerts import AlertRule, evaluate, parse_rule
from liqcascade.live._poll import VenuePoller, depth_snapshot, order_book_depth
from liqcascade.live._positions import (
    POSITION_METRICS,
    WatchedPositions,
    position_fields,
    read_watched_positions,
)
from liqcascade.margin import contract_symbol
from liqcascade.market import MARKET_BAR

__all__ = [
    "EXIT_NO_LIVE_DATA",
    "CalibratedShock",
    "WatchOptions",
    "WatchSummary",
    "Watcher",
    "refresh",
    "run_watch",
]

_BAR = MARKET_BAR
_HOUR = pd.Timedelta(hours=1)
#: What the watch fetches per venue: (kind, interval).
SERIES: tuple[tuple[str, str], ...] = (("ohlcv", "1h"), ("open_interest", "4h"), ("funding", "1h"))
#: Share of a cluster: a bin is "large" when it holds at least this quantile of the
#: non-empty bins within 30 % of price (USD at liquidation).
CLUSTER_QUANTILE = 0.9
#: Liquidity modes of the critical shock: the calibrated response (default) or the
#: static book alone.
LIQUIDITY = ("calibrated", "static")
#: Paths of each calibrated run of the critical shock's grid and their seed: the
#: defaults of :func:`liqcascade.cascade.calibrated_fragility` (what ``cascade
#: --fragility`` runs), so the watch's figure is that command's ``curve_crossing``
#: (tested). The paths are spread over every pair of a liquidity draw and a book draw.
CALIBRATED_PATHS = 120
CALIBRATED_SEED = 0
#: The longest ``interval`` (s): one day. A line is of the last closed 4-hour bar and
#: turns stale two hours after its price, so a watch polling less often than daily
#: prints mostly stale lines (the daily fetch is ``report --refresh``'s job); and
#: ``time.sleep`` cannot wait beyond about 9.2e9 s (it raised OverflowError after the
#: first line).
MAX_INTERVAL_S = 86_400.0
#: The longest an ``--on-alert`` command may run (s): the watch waits for it (the
#: interval's time includes it), then stops it and every process it started.
ON_ALERT_TIMEOUT_S = 60.0


def calibrated_assets(store: Any = None) -> tuple[str, ...]:
    """The assets with an identified-book calibration: the package's, then ``store``'s.

    ``store``: the store whose ``<stem>.calibrations/book/<ASSET>.json`` (written by
    ``liqmap calibrate --asset``) count too (None: the default store; False: none).
    """
    from liqcascade._calibrations import calibrated_assets as _calibrated

    return _calibrated("book", store)


@dataclass(frozen=True)
class WatchOptions:
    """Options of a watch session (see ``liqcascade watch --help``).

    Parameters
    ----------
    asset : str
    exchanges : sequence of str or ccxt exchanges, optional
        The first is the venue whose series feed the market; all are polled and stored
        (None, the default: ``("binance",)``, :attr:`venues`; a replay refuses any
        value given).
    symbol : str, optional
        Unified symbol (default ``ASSET/USDT:USDT``).
    interval : float, optional
        Seconds between polls (> 0, at most :data:`MAX_INTERVAL_S`: one day; None, the
        default: 60 s, :attr:`interval_s`; a replay refuses any value given).
    rules : sequence of str
        Alert rules (``critical_shock>-0.02``), parsed once.
    store : str or Path, optional
        The DuckDB store (default ``$LIQCASCADE_STORE`` or ``~/.liqcascade/store.duckdb``).
    max_iterations : int, optional
        Stop after this many intervals.
    on_alert : str, optional
        Shell command run with each alert as JSON on stdin.
    since : datetime-like, optional
        First bar fetched when the store holds none of a series (default 45 days ago).
    total_move : float
        Total move of the critical shock (fraction, default -0.10).
    draws : int
        Bootstrap refits for the interval (0: none).
    refits_per_interval : int
        Bootstrap refits whose static critical shock is recomputed in each interval
        without a new 4-hour bar (the oldest first), should the idle time after the
        previous interval (:meth:`Watcher.catch_up`) not have recomputed them all; an
        interval with a new bar computes only the fit's (the first interval computes
        them all). Until every refit is at the market's bar the line's
        ``static_critical_shock_interval_as_of`` names the oldest bar it uses.
    liquidity : {"calibrated", "static"}
        Which critical shock the line's ``critical_shock`` (and its alert rules) is:
        the calibrated liquidity response's (default; the asset needs a liquidity
        calibration) or the static book's, which the line gives as
        ``static_critical_shock`` in either mode.
    positions : str or Path, optional
        The trader's own positions file (one asset: ``asset``; an optional ``stop_price``
        column), watched on every line (:mod:`liqcascade.live._positions`): its lines
        gain ``positions`` and the ``position_*`` alert metrics, which a rule may name
        only with it.
    """

    asset: str = "ETH"
    exchanges: Sequence[Any] | None = None
    symbol: str | None = None
    interval: float | None = None
    rules: Sequence[str] = ()
    store: str | Path | None = None
    max_iterations: int | None = None
    on_alert: str | None = None
    since: Any = None
    total_move: float = -0.10
    draws: int = 10
    refits_per_interval: int = 1
    liquidity: str = "calibrated"
    positions: str | Path | None = None

    @property
    def venues(self) -> tuple[Any, ...]:
        """The venues polled: ``exchanges``, or ``("binance",)`` when not given."""
        return ("binance",) if self.exchanges is None else tuple(self.exchanges)

    @property
    def interval_s(self) -> float:
        """Seconds between polls: ``interval``, or 60 when not given."""
        return 60.0 if self.interval is None else float(self.interval)

    def check(self, now_ms: int | None = None) -> list[AlertRule]:
        """Validate; return the parsed rules.

        ``now_ms``: the session's clock (ms since epoch; default the system clock), which
        a ``since`` may not be after.

        Parameters
        ----------
        now_ms : int, optional
            The session's clock, ms since epoch; default the system clock.

        Returns
        -------
        list of AlertRule

        Raises
        ------
        InputError
            Naming the option at fault; the asset's calibrations are checked before any
            network call.
        """
        if not (math.isfinite(self.interval_s) and 0 < self.interval_s <= MAX_INTERVAL_S):
            raise InputError(
                f"interval must be > 0 s and at most {MAX_INTERVAL_S:,.0f} s, one day: a line "
                f"turns stale two hours after its price (got {self.interval_s:g})",
                param="interval",
            )
        if self.max_iterations is not None and self.max_iterations < 1:
            raise InputError(
                f"max_iterations must be >= 1 (got {self.max_iterations})", param="max_iterations"
            )
        if not self.venues:
            raise InputError("exchange: give at least one venue", param="exchange")
        have = calibrated_assets(self.store)
        a = str(self.asset).strip().upper()
        if not a:
            raise InputError(f"asset: give an asset name (have: {', '.join(have)})", param="asset")
        if a not in have:  # before any network call
            raise InputError(
                f"asset: no calibrated book for {a} (have: {', '.join(have)}); fit one from "
                f"the store's data (`liqcascade liqmap calibrate`, asset {a})",
                param="asset",
            )
        if self.since is not None:
            ts = to_utc(self.since, "since")
            if ts is pd.NaT:
                raise InputError(f"since: not a date or time: {self.since!r}", param="since")
            now = pd.Timestamp(
                int(time.time() * 1000) if now_ms is None else now_ms, unit="ms", tz="UTC"
            )
            if ts > now:
                raise InputError(
                    f"since: {self.since} is in the future (now {now:%Y-%m-%d %H:%M} UTC); "
                    "give the first bar to fetch",
                    param="since",
                )
        if not (math.isfinite(self.total_move) and -1 < self.total_move < 0):
            raise InputError(
                f"total_move must be a fall in (-1, 0) (got {self.total_move})", param="total_move"
            )
        if self.draws < 0:
            raise InputError(f"draws must be >= 0 (got {self.draws})", param="draws")
        if self.refits_per_interval < 1:
            raise InputError(
                f"refits_per_interval must be >= 1 (got {self.refits_per_interval})",
                param="refits_per_interval",
            )
        if self.liquidity not in LIQUIDITY:
            raise InputError(
                f"liquidity must be one of {', '.join(LIQUIDITY)} (got {self.liquidity!r})",
                param="liquidity",
            )
        if self.liquidity == "calibrated":
            from liqcascade._calibrations import calibrated_assets as _calibrated

            liq = _calibrated("liquidity", self.store)
            if a not in liq:  # before any network call
                raise InputError(
                    f"liquidity calibrated needs a liquidity calibration for {a} (have: "
                    f"{', '.join(liq)}); fit one from the store's data (`liqcascade cascade "
                    f"calibrate`, asset {a}) or watch the static book alone (static)",
                    param="liquidity",
                )
        rules = [parse_rule(r) for r in self.rules]
        need = [r.text for r in rules if r.metric in POSITION_METRICS]
        if need and self.positions is None:
            raise InputError(
                f"alert {need[0]}: a position_* rule needs a positions file to watch",
                param="positions",
            )
        return rules


@dataclass
class _Books:
    """The running books of one calibration fit: the fit's and its bootstrap refits'."""

    month: str
    params: list[Any]
    #: One :class:`BookState` per params (None: not started yet).
    states: list[Any] = field(default_factory=list)
    #: The last static critical shock of each params, its market prepared for cascades
    #: and the 4-hour bar they are of (None: none yet).
    shocks: list[float | None] = field(default_factory=list)
    prepared: list[Any] = field(default_factory=list)
    labels: list[pd.Timestamp | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.params)
        self.states = self.states or [None] * n
        self.shocks = self.shocks or [None] * n
        self.prepared = self.prepared or [None] * n
        self.labels = self.labels or [None] * n


@dataclass
class CalibratedShock:
    """The calibrated critical shock of one 4-hour bar's market, built one grid point at a time.

    The definition of :func:`liqcascade.cascade.calibrated_fragility`'s
    ``curve_crossing`` (``cascade --fragility --json``: ``critical_shock.curve_crossing``):
    on the grid of falls of 1 ... 20 % (``DEFAULT_SHOCKS``), each fall runs
    :func:`liqcascade.cascade.calibrated_cascade` (:data:`CALIBRATED_PATHS` index paths
    over 24 h, seed :data:`CALIBRATED_SEED`, spread over every pair of a liquidity draw
    and a position-book draw) and the critical shock is where the pooled median of the
    paths' extreme moves first reaches ``total_move``, linear between grid points.
    ``critical_range`` is where the pooled 10 % (deeper) and 90 % (shallower) paths
    first reach it (the report's ``critical_shock_range``; NaN: not within the grid).

    The falls are run in order of size and the run stops at the first fall whose
    90 % path reaches ``total_move``: every first crossing lies at or before it (at each
    fall the 10 % path is at or below the median, the median at or below the 90 %
    path), so the figures equal those of the whole grid.

    Attributes
    ----------
    label : pandas.Timestamp
        Open of the market's 4-hour bar.
    total_move : float
        The fall the critical shock must start (fraction, negative).
    prepared : PreparedMarket
        The fit's market of the bar (its price and order book are every draw's).
    books : tuple of PreparedMarket
        The refits' markets of the bar: the position-book draws (empty: none).
    calibration : liqcascade.cascade.Calibration
        The liquidity calibration fitted on events before the bar's close.
    sigma_hourly : float
        EWMA hourly volatility known at the bar's close (fraction per hour).
    residuals : array
        Standardised hourly residuals before the bar's close.
    grid : array
        The falls, fractions of mid, in order of size.
    median, p10, p90 : list of float
        The pooled median, 10 % and 90 % extreme moves within 24 h of each fall run so
        far (fractions of mid).
    done : bool
        Every fall needed has run.
    n_books : int
        Position-book draws the paths spread over (0: the fit's book alone).
    n_liquidity_draws : int
    liquidity_as_of : pandas.Timestamp or None
        The liquidity calibration's date (fitted on events before it; None: the prior).
    prior : bool
        The liquidity calibration is the prior, not a fit.
    """

    label: pd.Timestamp
    total_move: float
    prepared: Any
    books: tuple[Any, ...]
    calibration: Any
    sigma_hourly: float
    residuals: Any
    grid: np.ndarray
    median: list[float] = field(default_factory=list)
    p10: list[float] = field(default_factory=list)
    p90: list[float] = field(default_factory=list)
    done: bool = False

    @property
    def n_books(self) -> int:
        return len(self.books)

    @property
    def n_liquidity_draws(self) -> int:
        return len(self.calibration.draws) or 1

    @property
    def liquidity_as_of(self) -> pd.Timestamp | None:
        return self.calibration.as_of

    @property
    def prior(self) -> bool:
        from liqcascade.cascade import is_prior

        return bool(is_prior(self.calibration))

    def step(self) -> bool:
        """Run the next fall of the grid; True once the critical shock is known."""
        from liqcascade.cascade import calibrated_cascade

        if self.done:
            return True
        s = float(self.grid[len(self.median)])
        with numba_threads(1):  # a grid of tiny cascades: one thread, no launch waits
            cc = calibrated_cascade(
                self.prepared, shock=s, calibration=self.calibration,
                sigma_hourly=self.sigma_hourly, residuals=self.residuals,
                n_paths=CALIBRATED_PATHS, seed=CALIBRATED_SEED, books=self.books,
            )  # fmt: skip
        self.median.append(cc.move_median)
        self.p10.append(cc.move_p10)
        self.p90.append(cc.move_p90)
        self.done = cc.move_p90 <= self.total_move or len(self.median) == self.grid.size
        return self.done

    def _crossing(self, moves: list[float]) -> float:
        from liqcascade.cascade import critical_crossing as _critical

        n = len(moves)
        return _critical(self.grid[:n], np.asarray(moves, np.float64), self.total_move)

    @property
    def critical_shock(self) -> float:
        """Smallest fall whose pooled median path reaches ``total_move`` (fraction; NaN: none)."""
        return self._crossing(self.median)

    @property
    def critical_range(self) -> tuple[float, float]:
        """Where the pooled 10 % and 90 % paths reach ``total_move`` (fractions; NaN: none)."""
        return self._crossing(self.p10), self._crossing(self.p90)


class Watcher:
    """One watch session (see the module docstring).

    Parameters
    ----------
    options : WatchOptions
    clock : callable, optional
        Returns now as ms since epoch (default the system clock).
    sleep : callable, optional
        Sleeps (seconds); also used between retries.
    log : callable, optional
        Receives fault and progress lines (default stderr).
    replay : bool, default False
        The session replays recorded data (:func:`liqcascade.live.run_replay`): its
        lines and alerts carry ``replay`` true, ``rows_added`` is 0 (the user's store
        gets nothing), and the idle time's work (:meth:`catch_up`) is done before each
        line: there is no idle time to wait for, so a new bar's line carries its own
        calibrated figure.
    """

    def __init__(
        self,
        options: WatchOptions,
        *,
        clock: Callable[[], int] | None = None,
        sleep: Callable[[float], None] | None = None,
        log: Callable[[str], None] | None = None,
        replay: bool = False,
    ) -> None:
        self.opts = options
        self.replay = replay
        self.clock = clock or (lambda: int(time.time() * 1000))
        self.rules = options.check(int(self.clock()))
        #: The trader's own positions (None: not watched) and their crowd checks, by
        #: (position, price), for the current market (emptied on a new book).
        self.watched: WatchedPositions | None = None
        if options.positions is not None:
            self.watched = read_watched_positions(options.positions, options.asset.strip().upper())
        self._crowd: dict[tuple[int, float], Any] = {}
        #: The last line that was not stale: what a move rule (``NAME=VALUE``) compares with.
        self._last_fresh: dict[str, Any] | None = None
        self.asset = options.asset.strip().upper()
        self.symbol = options.symbol or f"{self.asset}/USDT:USDT"
        self.sleep = sleep or time.sleep
        # the default log line shows a control character (an escape sequence in an
        # exception's message from a venue) as its escape, as the command line's do
        self.log = log or (lambda s: print(shown(s), file=sys.stderr, flush=True))
        self.pollers = [
            VenuePoller(ex, self.symbol, log=self.log, sleep=self.sleep) for ex in options.venues
        ]
        # None: the default store (its errors then name what chose it, not --store).
        #: The store to write: opened at an interval's write and closed after it
        #: (:meth:`poll`), so no lock is held between intervals; DuckDB's engine is kept
        #: for the session and the file attached to it at each write (a fresh engine
        #: per interval cost about 25 ms of CPU). The write-ahead log an interval's
        #: write leaves is merged into the file in the idle time (:meth:`catch_up`).
        self.store = Store(options.store, keep_engine=True)
        #: The session's reads of the store (read-only: beside other processes' readers),
        #: closed between intervals (:meth:`release_store`).
        self._reads = Store(options.store, read_only=True)
        #: An interval's write that finds the store busy past the wait is left for the
        #: next interval (:func:`run_watch`'s session) instead of raising
        #: :class:`~liqcascade.errors.StoreBusy` (:func:`refresh`: one fetch, no next).
        self.defer_busy_writes = False
        #: Rows this session added to the store.
        self.rows_stored = 0
        self._last: dict[tuple[str, str], int] = {}
        #: The last stored ``ts`` (ms) of each series (venue, kind, interval) this
        #: session knows of: rows after it go in without the store's own check.
        self._stored: dict[tuple[str, str, str], int] = {}
        #: Per venue: ms between funding rows (from the last fetched; unknown at start).
        self._funding_every: dict[str, int] = {}
        self._inputs: Any = None
        #: The earliest bar the retained live depth still answers for exactly (None: all
        #: of it held); see :meth:`_trim_depth`.
        self._depth_floor: pd.Timestamp | None = None
        self._books: _Books | None = None
        self._calibration: Any = None
        self._depth_source = "calibrated"
        self._no_liquidations: set[str] = set()
        self._market: dict[str, Any] = {}
        self._bars: pd.DataFrame | None = None
        self._ctx: tuple[Any, pd.DataFrame, Any, pd.Timestamp] | None = None
        #: The depth exponent's per-bar fits of the inputs' book totals (:meth:`_beta_at`).
        self._betas: Any = None
        #: The calibrated critical shock being computed (of the market's bar) and the
        #: last one computed (of the market's bar or an earlier one).
        self._pending: CalibratedShock | None = None
        self._calibrated: CalibratedShock | None = None
        #: Seconds the last unit of idle-time work took (a refit or a grid point).
        self._unit_s = 0.0
        #: Venues that answered at least one request in the last :meth:`poll`.
        self.venues_answered = 0
        self._resume()

    # ------------------------------------------------------------- store
    def _resume(self) -> None:
        """The last stored bar of each series this session writes (restart = resume).

        A store that does not exist yet must be one this session can create: checked
        here, before any network call (an error names the store).
        """
        if not self.store.exists:
            _check_creatable(self.store, self.opts.store is not None)
            return
        try:
            ls = self._reads.list_series()
        finally:
            self._reads.close()
        for _, r in ls.iterrows():
            if r["symbol"] != self.symbol:
                continue
            kind = str(r["kind"])
            if kind == "liquidations" and r["interval"] == "events":
                kind = "liquidation_events"
            key = (str(r["venue"]), kind)
            last = int(pd.Timestamp(r["last"]).value // 1_000_000)
            self._last[key] = last
            self._stored[(key[0], kind, str(r["interval"]))] = last

    def poll(self, now_ms: int) -> tuple[int, dict[str, float] | None]:
        """Fetch what is new from every venue and append it in one transaction.

        Returns the rows added and the first venue's order-book depth (or None).

        Parameters
        ----------
        now_ms : int
            Now, ms since epoch: only bars closed by then are fetched.

        Returns
        -------
        (int, dict or None)
            Rows added to the store, and :func:`order_book_depth` of the first venue's
            book (USD within 1 % and 2 %), None when it could not be fetched.
        """
        since_default = int(
            (to_utc(self.opts.since, "since") if self.opts.since is not None
             else pd.Timestamp(now_ms, unit="ms", tz="UTC") - pd.Timedelta(days=45)).value
            // 1_000_000
        )  # fmt: skip
        new: list[SeriesFrame] = []
        for p in self.pollers:
            p.start_interval()
        for p in self.pollers:
            for kind, interval in SERIES:
                last = self._last.get((p.id, kind))
                step = interval_ms(interval) if kind != "funding" else None
                if last is not None and step and last + 2 * step > now_ms:
                    continue  # the bar after the last stored one has not closed yet
                every = self._funding_every.get(p.id)
                if kind == "funding" and last is not None and every and last + every > now_ms:
                    continue  # the next funding is not due yet
                since = since_default if last is None else last + 1
                if kind == "funding" and last is not None:
                    # funding rows carry no interval: refetch a day so that it is inferred
                    # from several rows (the stored ones are skipped by the store)
                    since = last - 86_400_000
                s = p.fetch(kind, interval, since, now_ms)
                if s is not None and kind == "funding" and s.rows and "interval_hours" in s.frame:
                    hours = float(s.frame["interval_hours"].iloc[-1])
                    if math.isfinite(hours) and hours > 0:
                        self._funding_every[p.id] = int(hours * 3_600_000)
                if s is not None and last is not None and s.rows:
                    # drop the rows already stored (the funding day refetched above, a bar
                    # the venue sent again): the store would skip them, at a cost
                    ts = _ts_ms(s.frame["ts"])
                    keep = ts > last
                    if not keep.all():
                        kept = s.frame[keep].reset_index(drop=True)
                        s = replace(s, frame=kept) if keep.any() else None
                if s is not None and s.rows:
                    new.append(s)

        for p in self.pollers:
            if not p.publishes_liquidations:
                if p.id not in self._no_liquidations:
                    self._no_liquidations.add(p.id)
                    p.log(f"{p.id} does not publish liquidations through ccxt "
                          "(fetch_liquidations); going on without them")  # fmt: skip
                continue
            last = self._last.get((p.id, "liquidation_events"))
            s = p.fetch_liquidations(since_default if last is None else last + 1, now_ms)
            if s is not None and s.rows:
                new.append(s)
        depth = None
        p0 = self.pollers[0]
        book = p0.fetch_book()
        if book is not None:
            depth = order_book_depth(book)
            snap = depth_snapshot(book)
            snap.insert(0, "ts", pd.Timestamp(now_ms, unit="ms", tz="UTC").as_unit("us"))
            snap["_row"] = np.arange(1, len(snap) + 1)
            new.append(SeriesFrame(kind="depth", venue=p0.id, symbol=self.symbol,
                                   interval="events", frame=snap, file=f"{p0.id} order book",
                                   layout="ccxt-order-book"))  # fmt: skip
        self.venues_answered = sum(1 for p in self.pollers if p.answered)
        if not new:
            return 0, depth
        span = [_ms_span(s) for s in new]
        # rows after the last stored one of their series (known since the resume): the
        # store need not check; if another writer got there first, the insert fails on
        # the key, nothing is written, and the store checks every series instead
        after = [first > self._stored.get((s.venue, s.kind, s.interval), first - 1)
                 for s, (first, _) in zip(new, span, strict=True)]  # fmt: skip
        res = self._write(new, after)
        if res is None:  # the store was busy: the rows are fetched again next interval
            return 0, depth
        self.rows_stored += res.rows_added
        for s, (_, last) in zip(new, span, strict=True):
            key = (s.venue, s.kind)
            self._last[key] = max(self._last.get(key, last), last)
            k3 = (s.venue, s.kind, s.interval)
            self._stored[k3] = max(self._stored.get(k3, last), last)
        if res.rows_added:
            self._append_inputs(new)
        return res.rows_added, depth

    def _write(self, new: list[SeriesFrame], after: list[bool]) -> IngestResult | None:
        """Store ``new`` in one transaction, the store open to write only meanwhile.

        ``after``: per series, whether all its rows follow the last stored one. The
        session's readers are closed first (DuckDB opens one file either to write or
        read-only in one process), the writer after. A store another process holds for
        longer than the wait (``$LIQCASCADE_STORE_WAIT_S``) raises
        :class:`~liqcascade.errors.StoreBusy`; with :attr:`defer_busy_writes` (a
        session) it is not written this interval instead: one log line, None; the rows
        are fetched and stored at the next interval (the last stored bars are not moved
        on).
        """
        self.release_store()
        try:
            try:
                return self.store.ingest(new, count_total=False, after_last=after)  # all or nothing
            except duckdb.ConstraintException:
                return self.store.ingest(new, count_total=False)
        except StoreBusy as exc:
            if not self.defer_busy_writes:
                raise
            self.log(f"{exc}; this interval's rows are stored at the next one")
            return None
        finally:
            self.store.close()

    def release_store(self) -> None:
        """Close the session's writer and readers of the store; the next use reopens them.

        Between intervals (and during the idle-time work) the session holds nothing, so
        other processes may read the store or write it (DuckDB: one process open to
        write and none beside it, or several read-only).
        """
        self.store.close()
        self._reads.close()
        release_store_reads()

    def _append_inputs(self, new: list[SeriesFrame]) -> None:
        """Add the rows just stored to the market's inputs in memory (no reload).

        Only where an input already comes from that store series; otherwise (the store
        just got its first rows of a series the inputs took from the bundle) the inputs
        are reloaded, as :func:`liqcascade.market.load_market_inputs` would now read them.
        """
        if self._inputs is None:
            return
        attr = {"ohlcv": "prices", "open_interest": "open_interest", "funding": "funding",
                "depth": "live_depth"}  # fmt: skip
        for s in new:
            name = attr.get(s.kind)
            if name is None:
                continue
            cur = getattr(self._inputs, name)
            a = {} if cur is None else cur.attrs
            same = (
                str(a.get("source", "")).startswith("store:")
                and a.get("venue") == s.venue and a.get("symbol") == s.symbol
                and (s.kind == "funding" or a.get("interval") == s.interval)
            )  # fmt: skip
            if not same:
                # the market reads only Binance's live depth (market._inputs._live_depth)
                if s.venue == self.pollers[0].id and (s.kind != "depth" or s.venue == "binance"):
                    self._inputs = None  # reload once: the store now holds the series
                    self._bars = None
                    return
                continue
            f = s.frame
            idx = pd.DatetimeIndex(f["ts"], name="ts").tz_convert("UTC")
            after = len(cur) == 0 or idx.min() > cur.index.max()
            if not after:
                # the times the input holds already are left out (a replay's hours are
                # the bundle's): none left, no frame is built
                keep = ~_held(cur.index, idx)
                if not keep.any():
                    continue
                if not keep.all():
                    f, idx = f[keep], idx[keep]
            # the frame's columns that the input has (others NaN), indexed by ts
            rows = pd.DataFrame(
                {c: f[c].to_numpy() if c in f.columns else np.nan for c in cur.columns}, index=idx
            )
            if len(rows):
                out = pd.concat([cur, rows])
                if not (
                    after and idx.is_monotonic_increasing and cur.index.is_monotonic_increasing
                ):
                    out = out.sort_index(kind="stable")
                out.attrs.update(cur.attrs)
                object.__setattr__(self._inputs, name, out)

    # ------------------------------------------------------------- market
    def _load_inputs(self) -> Any:
        from liqcascade.market import load_market_inputs

        if self._inputs is None:
            try:
                self._inputs = load_market_inputs(self.asset, store=self._reads)  # type: ignore[arg-type]
            finally:
                self._reads.close()  # held only for the reads (a shared reader: left)
            self._depth_floor = None
        return self._inputs

    def _trim_depth(self, label: pd.Timestamp) -> None:
        """Drop the live depth snapshots no bar from ``label`` on can read.

        The market of a bar reads the latest snapshot in ``(close - SNAPSHOT_MAX_AGE,
        close]`` (:func:`liqcascade.book.snapshot_at`), so a snapshot taken at or before
        ``label``'s close less that age serves no bar at or after ``label``: the session
        holds a few hours of snapshots instead of every one since it started (the frame
        was copied whole at every interval's append). A bar before ``label`` is asked for
        from the store again (:meth:`market_at`).
        """
        from liqcascade.book import SNAPSHOT_MAX_AGE

        depth = self._inputs.live_depth
        if depth is None or not depth.index.is_monotonic_increasing:
            return  # unsorted (never after an append): kept whole
        cut = depth.index.searchsorted(label + _BAR - SNAPSHOT_MAX_AGE, side="right")
        if cut:
            kept = depth.iloc[cut:]
            kept.attrs = dict(depth.attrs)
            object.__setattr__(self._inputs, "live_depth", kept)
        self._depth_floor = label

    def _frames(self, inputs: Any, label: pd.Timestamp) -> tuple[Any, pd.DataFrame, float]:
        from liqcascade.market import closed_by, ohlc_bars
        from liqcascade.positions import MarketFrames

        close = label + _BAR
        hourly = closed_by(inputs.prices, close, _HOUR)  # the hours closed by the bar's close
        if hourly.empty:
            raise InputError(f"no {self.asset} prices before {label}")
        mid = float(hourly["close"].iloc[-1])
        cached = self._bars
        if cached is not None and len(cached) and cached.index[-1] <= label:
            # aggregate only the hours since the last cached bar (whole bars: same values)
            start = cached.index[-1]
            if hourly.index.is_monotonic_increasing:
                recent = hourly.iloc[hourly.index.searchsorted(start, side="left") :]
            else:
                recent = hourly[hourly.index >= start]
            bars = pd.concat([cached.iloc[:-1], ohlc_bars(recent, "4h")])
        else:
            bars = ohlc_bars(hourly, "4h")
        bars = bars[bars.index <= label]
        bars.attrs = {}  # the models read no attrs; pandas deep-copies them on every slice
        self._bars = bars

        def cut(f: pd.DataFrame | None) -> pd.DataFrame | None:
            if f is None:
                return None
            out = f.iloc[: f.index.searchsorted(label, side="right")] if (
                f.index.is_monotonic_increasing) else f[f.index <= label]  # fmt: skip
            out.attrs = {}
            return out

        oi = cut(inputs.open_interest)
        assert oi is not None
        frames = MarketFrames(
            oi=oi[["oi_usd"]], ohlc=bars, funding=cut(inputs.funding),
            long_short=cut(getattr(inputs, "long_short", None)), asset=self.asset,
        )  # fmt: skip
        return frames, bars, mid

    def _books_for(self, label: pd.Timestamp) -> _Books:
        """The running books of the calibration fit that applies at ``label``."""
        from liqcascade.positions import load_asset_calibration

        month = pd.Timestamp(year=label.year, month=label.month, day=1, tz="UTC")
        if self._calibration is None:  # parsed once a session
            self._calibration = load_asset_calibration(self.asset, store=self.store.path)
        fit, _ = self._calibration.fit_for(month)
        if self._books is None or self._books.month != fit.month:
            draws = [p for p in fit.bootstrap if p.scale > 1e-9 and p.sigma > 1e-3]
            self._books = _Books(fit.month, [fit.params, *draws[: self.opts.draws]])
        return self._books

    def _advance(self, k: int, frames: Any, label: pd.Timestamp) -> Any:
        """Book ``k`` (0: the fit's, then the refits') advanced to ``label``, incrementally.

        A book walks every bar in order whenever it is advanced, so its state at
        ``label`` does not depend on when (or in how many steps) it got there.
        """
        from liqcascade.positions import BookState

        b = self._books
        assert b is not None
        s = b.states[k]
        if s is None or s.last_ts is None or s.last_ts > label:
            b.states[k] = BookState.start(frames, b.params[k])
            return b.states[k]
        if s.last_ts < label and not _step_bars(s, frames):
            t0 = s.last_ts - pd.Timedelta(hours=12)

            def since(f: pd.DataFrame | None) -> pd.DataFrame | None:
                # the frames are cut at ``label`` already (_frames)
                if f is None or not f.index.is_monotonic_increasing:
                    return None if f is None else f[f.index >= t0]
                return f.iloc[f.index.searchsorted(t0, side="left") :]

            oi, ohlc = since(frames.oi), since(frames.ohlc)
            assert oi is not None and ohlc is not None
            tail = type(frames)(oi=oi, ohlc=ohlc, funding=since(frames.funding),
                                long_short=since(frames.long_short), asset=self.asset)  # fmt: skip
            s.advance(tail)
        return s

    def _shock(self, k: int) -> Any:
        """Static critical shock of book ``k`` at the market's bar (advancing it there first).

        Returns the whole book (the line's clusters: where its positions' liquidation
        prices bunch) and its positions not on stops (``model_stops_detailed``'s
        ``positions``, the estimated market's ``positions``: the line's within-2/5 %
        amounts; a position whose stop closes it before its liquidation price is a stop
        order, not a liquidation, and ``liqmap`` does not count it as liquidated either).
        """
        from liqcascade.cascade import CascadeConfig, critical_shock, prepare_cascade
        from liqcascade.market import BINANCE_BOOK_SHARE
        from liqcascade.positions import model_stops_detailed

        b = self._books
        assert b is not None and self._ctx is not None
        frames, bars, ob, label = self._ctx
        p = b.params[k]
        state = self._advance(k, frames, label)
        share = BINANCE_BOOK_SHARE
        vs = float(p.scale) * share / BINANCE_BOOK_SHARE  # as estimated_market sizes it
        book = state.book(venue_share=vs, symbol=contract_symbol(self.asset))
        ms = model_stops_detailed(book, bars, as_of=label)
        assert ms.positions is not None
        pm = prepare_cascade(ob, ms.positions, ms.stops)
        with numba_threads(1):  # a grid of tiny cascades: one thread, no launch waits
            cs = critical_shock(pm, total_move=self.opts.total_move, config=CascadeConfig())
        b.shocks[k], b.prepared[k], b.labels[k] = float(cs.shock), pm, label
        return book, ms.positions, ms.stops

    def market_at(self, label: pd.Timestamp, *, refits: bool = True) -> dict[str, Any]:
        """The market of the 4-hour bar ``label``: books advanced, static critical shocks, book.

        With ``refits`` False only the fit's book is advanced and measured; the refits'
        shocks stay those of earlier bars until :meth:`refresh_refits` or
        :meth:`catch_up` recomputes them. The calibrated critical shock of the bar is
        :meth:`catch_up`'s.

        Parameters
        ----------
        label : pandas.Timestamp
            Open time (UTC) of the 4-hour bar.
        refits : bool, default True
            Also advance the bootstrap refits' books and recompute their static shocks.

        Returns
        -------
        dict
            ``label``, ``mid`` (USD), ``whole`` (the fit's position book at the bar),
            ``positions`` (the same without the positions on stops, as the estimated
            market splits them),
            ``fit`` (the calibration month used), ``depth_source``, and
            ``static_critical_shock`` with its p05/p95 over the refits (fractions of mid,
            negative: a fall).
        """
        from liqcascade.book import (
            book_from_snapshot,
            book_from_totals,
            book_totals_at,
            snapshot_at,
        )
        from liqcascade.market import BINANCE_BOOK_SHARE

        if self._depth_floor is not None and label < self._depth_floor:
            self._inputs = None  # an earlier bar: its snapshots are in the store only
            self._bars = None
        inputs = self._load_inputs()
        frames, bars, mid = self._frames(inputs, label)
        books = self._books_for(label)
        snap = snapshot_at(inputs.live_depth, label + _BAR)  # as the estimated market does
        self._trim_depth(label)
        # the depth exponent as the estimated market takes it: the shipped one, else the
        # median fit over the asset's own book totals closed by the bar's close
        beta, _ = self._beta_at(inputs.book_totals, label + _BAR)
        if snap is None:
            row = book_totals_at(inputs.book_totals, label + _BAR)
            ob = book_from_totals(row, mid, beta=beta, scale=BINANCE_BOOK_SHARE)
            self._depth_source = "calibrated"
        else:
            ob = book_from_snapshot(snap, mid, beta=beta)
            self._depth_source = f"live {snap.index[0].isoformat()}"
        self._ctx = (frames, bars, ob, label)
        self._crowd = {}  # a new book: the watched stops' crowd checks are redone
        whole, positions, stops = self._shock(0)
        if refits:
            for k in range(1, len(books.params)):
                self._shock(k)
        self._market = {"label": label, "mid": mid, "whole": whole,
                        "positions": positions, "stops": stops, "fit": books.month,
                        "depth_source": self._depth_source}  # fmt: skip
        self._market.update(self._interval())
        return self._market

    def _beta_at(self, totals: pd.DataFrame | None, close: pd.Timestamp) -> tuple[float, str]:
        """``beta_for(asset, totals, close)``, each bar of ``totals`` fitted once a session.

        The session's book totals do not change between intervals (a watch stores none):
        their per-bar fits are kept (:class:`liqcascade.book.BetaHistory`, the same
        figure as :func:`liqcascade.book.beta_for`, tested) instead of refitting every
        bar closed by ``close`` at each new bar (3.5 ms). Inputs read again (another
        frame) are fitted again.
        """
        from liqcascade.book import BetaHistory

        h = self._betas
        if h is None or h.totals is not totals:
            h = self._betas = BetaHistory(self.asset, totals)
        return h.at(close)

    def _stale_refits(self) -> list[int]:
        """The refits whose static shock is not of the market's bar, the oldest first."""
        b = self._books
        if b is None or self._ctx is None or not self._market:
            return []
        label = self._ctx[3]
        stale = [k for k in range(1, len(b.params)) if b.labels[k] != label]
        stale.sort(key=lambda k: (b.labels[k] is not None, b.labels[k] or label))
        return stale

    def refresh_refits(self, n: int) -> int:
        """Recompute the static critical shock of up to ``n`` refits not yet at the market's bar.

        The oldest first; returns how many were recomputed.

        Parameters
        ----------
        n : int
            Refits to recompute at most.

        Returns
        -------
        int
        """
        stale = self._stale_refits()
        for k in stale[:n]:
            self._shock(k)
        if stale:
            self._market.update(self._interval())
        return min(n, len(stale))

    @property
    def calibrated_shock(self) -> CalibratedShock | None:
        """The last calibrated critical shock computed (None: none yet, or static mode)."""
        return self._calibrated

    def _calibrated_job(self) -> CalibratedShock:
        """The calibrated critical shock of the market's bar (started, not run).

        Its paths spread over the fit's book and every refit's, all at the market's bar
        (:meth:`catch_up` brings the refits there first), and over the liquidity
        calibration fitted on events before the bar's close; the volatility is the
        hourly one known at that close (``cascade --fragility``'s, on the same store).
        """
        from liqcascade.cascade import DEFAULT_SHOCKS, hourly_volatility, load_liquidity
        from liqcascade.market import closed_by

        b = self._books
        assert b is not None and self._ctx is not None
        label = self._ctx[3]
        close = label + _BAR
        hourly = closed_by(self._load_inputs().prices, close, _HOUR)  # closed by the bar's close
        sigma, resid = hourly_volatility(hourly)
        cal = load_liquidity(self.asset, close, store=self.store.path)
        books = tuple(b.prepared[1:])
        assert all(lb == label for lb in b.labels)
        return CalibratedShock(
            label=label, total_move=self.opts.total_move, prepared=b.prepared[0], books=books,
            calibration=cal, sigma_hourly=sigma, residuals=resid,
            grid=np.asarray(DEFAULT_SHOCKS, np.float64),
        )  # fmt: skip

    def catch_up(self, deadline: float | None = None) -> bool:
        """The work an interval leaves for the idle time after it; True once none is left.

        First the refits not yet at the market's bar (their books advanced and their
        static critical shocks), then (``liquidity="calibrated"``) the calibrated
        critical shock of the bar, one grid point at a time (:class:`CalibratedShock`).
        ``deadline`` (``time.monotonic()`` seconds; None: no limit) stops it before a unit
        of work that would end after it; the next call goes on where it stopped. The
        line of the next interval carries what is done.

        Parameters
        ----------
        deadline : float, optional
            ``time.monotonic()`` seconds; default no limit.

        Returns
        -------
        bool
        """
        self._checkpoint()
        if not self._market:
            return True

        def room() -> bool:
            return deadline is None or time.monotonic() + self._unit_s <= deadline

        def timed(fn: Callable[[], Any]) -> Any:
            t0 = time.monotonic()
            out = fn()
            self._unit_s = time.monotonic() - t0
            return out

        stale = self._stale_refits()
        for k in stale:
            if not room():
                self._market.update(self._interval())
                return False
            timed(partial(self._shock, k))
        if stale:
            self._market.update(self._interval())
        if self.opts.liquidity != "calibrated":
            return True
        label = self._market["label"]
        if self._calibrated is not None and self._calibrated.label == label:
            return True
        if self._pending is None or self._pending.label != label:
            self._pending = self._calibrated_job()
        job = self._pending
        while not job.done:
            if not room():
                return False
            timed(job.step)
        self._calibrated, self._pending = job, None
        return True

    def _checkpoint(self) -> None:
        """Merge the write-ahead log of the interval's write into the store file.

        Idle-time work (about 4 ms of CPU, 12 ms after a new bar's five series): the
        interval's rows are durable in the log already, and any process opening the
        store reads them. A store another process holds at that moment is left to it
        (it merges the log as it closes), a store that cannot be written is one log
        line: the next interval's write says what is wrong.
        """
        try:
            self.store.checkpoint()
        except (InputError, duckdb.Error) as exc:
            if is_interrupt(exc):
                raise
            self.log(f"{self.store.path}: the last write stays in the store's write-ahead "
                     f"log: {exc}")  # fmt: skip

    def _interval(self) -> dict[str, Any]:
        """The fit's static critical shock and its p05-p95 over the refits' latest shocks."""
        b = self._books
        assert b is not None and b.shocks[0] is not None
        label = b.labels[0]
        done = [k for k in range(1, len(b.params)) if b.shocks[k] is not None]
        arr = np.asarray([b.shocks[0], *(b.shocks[k] for k in done)], dtype=np.float64)
        oldest = min([b.labels[k] for k in done] + [label])  # type: ignore[type-var]
        return {
            "static_critical_shock": b.shocks[0],
            "static_critical_shock_p05": float(np.percentile(arr, 5)),
            "static_critical_shock_p95": float(np.percentile(arr, 95)), "n_draws": len(done),
            "n_draws_current": sum(1 for k in done if b.labels[k] == label),
            "interval_as_of": oldest,
        }  # fmt: skip

    def _label(self, now_ms: int) -> pd.Timestamp | None:
        inputs = self._load_inputs()
        idx = pd.DatetimeIndex(inputs.open_interest.index)
        now = pd.Timestamp(now_ms, unit="ms", tz="UTC")
        closed = idx[idx + _BAR <= now]
        return None if len(closed) == 0 else pd.Timestamp(closed[-1])

    # ------------------------------------------------------------- one interval
    def tick(self) -> dict[str, Any]:
        """One interval: poll, append, advance, measure; the watch line.

        The line's calibrated critical shock is the last one :meth:`catch_up` computed
        (after an interval with a new bar, the previous bar's: ``critical_shock_as_of``
        names its bar); the first interval computes it before its line.
        """
        now_ms = int(self.clock())
        added, depth = self.poll(now_ms)
        label = self._label(now_ms)
        if label is None:
            raise InputError(f"no {self.asset} open interest closed by now in the store or bundle")
        if label != self._label_done():
            # a new bar: the fit's book only (all books in the first interval)
            self.market_at(label, refits=not self._market)
        else:
            self.refresh_refits(self.opts.refits_per_interval)
        if self.replay or (self.opts.liquidity == "calibrated" and self._calibrated is None):
            self.catch_up()  # the first interval (no calibrated figure yet) or a replay's
        m = self._market
        inputs = self._load_inputs()
        now = pd.Timestamp(now_ms, unit="ms", tz="UTC")
        from liqcascade.market import closed_by

        hourly = closed_by(inputs.prices, now, _HOUR)
        price = float(hourly["close"].iloc[-1]) if len(hourly) else m["mid"]
        price_close = hourly.index[-1] + _HOUR if len(hourly) else m["label"] + _BAR
        line: dict[str, Any] = {
            "time": now.isoformat(), "replay": self.replay, "asset": self.asset, "price": price,
            "price_as_of": price_close.isoformat(),
            "market_as_of": m["label"].isoformat(), "market_mid": m["mid"],
        }  # fmt: skip
        line.update(staleness(now, price_close, m["label"] + _BAR))
        gap = price_close - (m["label"] + _BAR)
        line["price_book_gap_hours"] = gap / _HOUR
        if abs(gap) > _BAR:
            # a price more than one 4-hour bar from the book (offline: the store's last
            # hour against the last book it can estimate): distances from that price to
            # the book's clusters describe neither market, so none are given
            line.update({k: math.nan for k in cluster_metrics(m["whole"], price)})
            line["figures_at_price"] = False
            why = (
                f"the price of {price_close:%Y-%m-%d %H:%M} UTC is {_gap_text(gap)} the "
                f"book of the bar closed {m['label'] + _BAR:%Y-%m-%d %H:%M} UTC: no cluster or "
                "within-2/5 % figures around it"
            )
            line["stale"] = True
            line["stale_reason"] = (
                why if line["stale_reason"] is None else f"{line['stale_reason']}; {why}"
            )
        else:
            line.update(cluster_metrics(m["whole"], price, liquidated=m["positions"]))
            line["figures_at_price"] = True
        line["book_dollars"] = self._book_dollars()
        line.update(self._critical_fields())
        line.update(
            static_critical_shock=m["static_critical_shock"],
            static_critical_shock_p05=m["static_critical_shock_p05"],
            static_critical_shock_p95=m["static_critical_shock_p95"],
            static_critical_shock_interval_as_of=m["interval_as_of"].isoformat(),
            static_critical_shock_model="static book (instant, never refills): the bound "
            "of the cascade's own carry; p05-p95 over the book calibration's bootstrap "
            "refits, each recomputed after a new bar", total_move=self.opts.total_move,
            n_draws=m["n_draws"], n_draws_current=m["n_draws_current"], book_fit=m["fit"],
            depth_source=m["depth_source"], rows_added=0 if self.replay else added,
            venues_answered=self.venues_answered, venues=len(self.pollers),
        )  # fmt: skip
        # the book's depth, null when the venue's book could not be fetched
        line.update(dict.fromkeys(DEPTH_KEYS) if depth is None else depth)
        if self.watched is not None:  # the book of another date: no crowd to check
            market = m if line["figures_at_price"] else None
            line.update(position_fields(self.watched, price, market, self.asset, self._crowd))
        line["alerts"] = evaluate(self.rules, line, self._last_fresh)
        if not line.get("stale"):
            self._last_fresh = line
        return line

    def _book_dollars(self) -> str:
        """The line's ``book_dollars``: the scale of the book's USD figures (``"Binance-feed"``).

        The estimated book's dollars are on the scale of the recorded liquidation feed its
        calibration was fitted on (:func:`liqcascade.market.book_units`), not market
        dollars: ``notional_2pct_usd``, ``notional_5pct_usd`` and the cluster thresholds.
        """
        from liqcascade.market import calibration_feed, feed_dollars

        meta = None if self._calibration is None else self._calibration.meta
        return str(feed_dollars(calibration_feed(meta)))

    def _critical_fields(self) -> dict[str, Any]:
        """The line's ``critical_shock`` (what alert rules compare) and what it is of."""
        m = self._market
        if self.opts.liquidity != "calibrated":
            return {
                "critical_shock": m["static_critical_shock"],
                "critical_shock_range": [math.nan, math.nan],
                "critical_shock_as_of": m["label"].isoformat(),
                "critical_shock_current": True,
                "critical_shock_model": "static book (liquidity static): the same figure as "
                "static_critical_shock",
                "liquidity": "static",
            }
        c = self._calibrated
        assert c is not None
        lo, hi = c.critical_range
        return {
            "critical_shock": c.critical_shock,
            "critical_shock_range": [lo, hi],
            "critical_shock_as_of": c.label.isoformat(),
            "critical_shock_current": bool(c.label == m["label"]),
            "critical_shock_model": (
                "calibrated liquidity response: the smallest fall whose median extreme move "
                "within 24 h reaches total_move (the curve_crossing of `liqcascade cascade`'s "
                "fragility curve; falls "
                f"of 1-20 %, {CALIBRATED_PATHS} paths over {c.n_liquidity_draws} liquidity "
                f"draws x {max(c.n_books, 1)} book draws); range: where the 10 % and 90 % "
                "paths reach it"
            ),
            "liquidity": "calibrated",
            "liquidity_as_of": None if c.liquidity_as_of is None else c.liquidity_as_of.isoformat(),
            "liquidity_prior": c.prior,
        }

    def _label_done(self) -> pd.Timestamp | None:
        return self._market.get("label") if self._market else None

    def close(self) -> None:
        """Close the store (its writer, with its kept engine, and its readers)."""
        try:
            self.store.close_engine()
        finally:
            self._reads.close()


#: How old the price (the close of its hourly bar) and the market (the close of its
#: 4-hour bar) may be before a watch line is marked stale: two bars each, so one late
#: or missed bar is not stale, no live data at all (offline: the bundle's last bars) is.
STALE_PRICE = 2 * _HOUR
STALE_MARKET = 2 * _BAR
#: The order book's depth fields of a line (:func:`order_book_depth`'s keys, USD).
DEPTH_KEYS = ("bid_1pct_usd", "ask_1pct_usd", "bid_2pct_usd", "ask_2pct_usd")


def staleness(now: pd.Timestamp, price_close: pd.Timestamp, market_close: pd.Timestamp) -> dict:
    """``stale`` (bool) and ``stale_reason`` of a watch line (see :data:`STALE_PRICE`).

    A line whose price or market is older than its limit does not describe the market
    now: its distances are between a past book and a past price (offline, the bundled
    data's last bars), and it says so rather than look current.
    """
    why = []
    if now - price_close > STALE_PRICE:
        why.append(f"price of {price_close:%Y-%m-%d %H:%M} UTC")
    if now - market_close > STALE_MARKET:
        why.append(f"book of the bar closed {market_close:%Y-%m-%d %H:%M} UTC")
    reason = ("no live data: " + " and ".join(why)) if why else None
    return {"stale": bool(why), "stale_reason": reason}


def _gap_text(gap: pd.Timedelta) -> str:
    """``gap`` in days (or hours under two days), with its direction."""
    h = abs(gap) / _HOUR
    size = f"{h / 24:,.0f} days" if h >= 48 else f"{h:,.0f} hours"
    return f"{size} {'after' if gap > pd.Timedelta(0) else 'before'}"


def _step_bars(state: Any, frames: Any) -> bool:
    """Advance ``state`` by the one bar of ``frames`` after its last one.

    What :meth:`BookState.advance` does with the same frames (the bar with open
    interest and prices, both > 0; funding and long/short as known within 8 hours
    before each bar), through its public :meth:`BookState.step` on plain floats, without
    the frame joins that cost milliseconds for one bar (bit-equal, tested). False
    (nothing done) when the frames are not sorted and unique, hold more than one new
    bar (a walk of several bars extends the price grid once, not bar by bar), or the
    bar is one ``step`` refuses (low above open or close): ``advance`` reads them.
    """
    oi, px = frames.oi, frames.ohlc
    for f in (oi, px):
        if not (f.index.is_monotonic_increasing and f.index.is_unique):
            return False
    last = state.last_ts
    oi = oi.iloc[oi.index.searchsorted(last, side="right") :]
    px = px.iloc[px.index.searchsorted(last, side="right") :]
    idx = oi.index.intersection(px.index)
    if len(idx) > 1:
        return False  # a walk of several bars extends the grid once: advance does it
    if len(idx) == 0:
        return True
    v = oi["oi_usd"].reindex(idx).to_numpy(np.float64)
    ohlc = px[["open", "high", "low", "close"]].reindex(idx).to_numpy(np.float64)
    with np.errstate(invalid="ignore"):
        keep = (ohlc > 0).all(axis=1) & (v > 0)  # NaN compares False: dropped, as advance
    idx, v, ohlc = idx[keep], v[keep], ohlc[keep]
    if len(idx) == 0:
        return True
    o, h, lo, c = ohlc.T
    if not (lo <= np.minimum(o, c)).all():
        return False

    def near(f: pd.DataFrame | None) -> pd.DataFrame | None:
        # the rows that can be read at these bars (8 hours' tolerance): a short frame
        if f is None or not f.index.is_monotonic_increasing:
            return f
        return f.iloc[f.index.searchsorted(idx[0] - pd.Timedelta(hours=8), side="left") :]

    rate = _known_at(near(frames.funding), "rate", pd.DatetimeIndex(idx))
    ls = _known_at(near(frames.long_short), "global_account_long_pct", pd.DatetimeIndex(idx))
    for i, t in enumerate(idx):
        state.step(t, float(o[i]), float(h[i]), float(lo[i]), float(c[i]), float(v[i]),
                   float(rate[i]), float(ls[i]))  # fmt: skip
    return True


def _known_at(f: pd.DataFrame | None, col: str, idx: pd.DatetimeIndex) -> np.ndarray:
    """``f[col]`` as known at each time of ``idx``: the walk's alignment, by binary search.

    The value of the last row at or before each time, if at most 8 hours before it
    (NaN otherwise, or where that row's value is NaN): what
    ``liqcascade.positions.aligned_column`` gives (the rows' duplicate times
    dropped but the last, a forward fill with 8 hours' tolerance; tested equal), without
    the frame copies and the reindex that cost about a millisecond per series and bar.
    A frame not sorted by an aware time index goes through ``_aligned``.
    """
    from liqcascade.positions import aligned_column as _aligned

    if (
        f is None or col not in f.columns or f.empty
        or not isinstance(f.index, pd.DatetimeIndex) or f.index.tz is None
        or idx.tz is None or not f.index.is_monotonic_increasing
    ):  # fmt: skip
        return _aligned(f, col, idx)
    at = f.index
    k = at.searchsorted(idx, side="right") - 1  # the last row at or before each time
    out = np.full(len(idx), np.nan)
    seen = np.flatnonzero(k >= 0)
    if len(seen):
        kk = k[seen]
        fresh = np.asarray(idx[seen] - at[kk] <= _ALIGN_TOLERANCE, dtype=bool)
        out[seen[fresh]] = f[col].to_numpy(np.float64)[kk[fresh]]
    return out


#: How old a funding or long/short row may be at a bar (``_aligned``'s tolerance).
_ALIGN_TOLERANCE = pd.Timedelta(hours=8)


def _held(have: pd.DatetimeIndex, ts: pd.DatetimeIndex) -> np.ndarray:
    """Which of ``ts`` are in ``have``: ``ts.isin(have)`` without hashing all of ``have``.

    A sorted ``have`` (the market's inputs: tens of thousands of hours) is binary-searched
    for the few new times (the session's replay appends hours the bundle already holds);
    an unsorted one, or another time unit, goes through ``isin``.
    """
    if not have.is_monotonic_increasing or have.dtype != ts.dtype or len(have) == 0:
        return np.asarray(ts.isin(have))
    # one dtype (unit and zone): the int64 times compare as the timestamps do (no NaT in
    # a sorted index), without building index objects for the lookups
    h, t = have.asi8, ts.asi8
    pos = np.searchsorted(h, t, side="left")
    found = pos < len(h)
    found[found] = h[pos[found]] == t[found]
    return found


def _ms_span(s: SeriesFrame) -> tuple[int, int]:
    """First and last ``ts`` of a series, ms since epoch."""
    ts = _ts_ms(s.frame["ts"])
    return int(ts.min()), int(ts.max())


def _ts_ms(col: pd.Series) -> np.ndarray:
    """A time column (tz-aware datetime64) as int64 ms since epoch (floored)."""
    arr = col.array
    unit = getattr(arr, "unit", None)
    per_ms = {"ms": 1, "us": 1_000, "ns": 1_000_000}.get(str(unit))
    if per_ms is None:
        return np.asarray(pd.DatetimeIndex(col).as_unit("ms").asi8)
    return np.asarray(arr.asi8) // per_ms


def cluster_metrics(
    book: Any, price: float, span: float = 0.30, *, liquidated: Any = None
) -> dict[str, float]:
    """Nearest large cluster below and above ``price`` and the USD within 2 % and 5 %.

    A position of the grid book is one 0.25 % bin; a *large cluster* is a bin whose USD
    at liquidation (size x liquidation price) is at least the :data:`CLUSTER_QUANTILE`
    quantile of the non-empty bins of its side (longs below, shorts above) within
    ``span`` (log units) of ``price``. Distances in percent
    of ``price`` (NaN when none).

    Parameters
    ----------
    book : PositionBook
        The grid book (``side``, ``size`` in base units, ``liq_price`` in USD).
    price : float
        Current price, USD.
    span : float, default 0.30
        Half-width of the window around ``price``, ``|log(liq / price)|``.
    liquidated : PositionBook, optional
        The positions the within-2/5 % amounts count (default ``book``): the watch gives
        the book without its positions on stops, which their stops close before their
        liquidation price (as ``liqmap``'s cumulative liquidations), and the clusters
        stay the whole book's.

    Returns
    -------
    dict
        ``cluster_below_price``, ``cluster_above_price`` (USD), ``cluster_below_pct``,
        ``cluster_above_pct``, ``cluster_within_pct`` (percent of ``price``),
        ``cluster_below_threshold_usd``, ``cluster_above_threshold_usd`` (USD; inf when
        the side is empty), ``notional_2pct_usd``, ``notional_5pct_usd`` (USD).

    Raises
    ------
    InputError
        ``price`` not a finite price > 0 or ``span`` not a finite number > 0 (either
        gave "no cluster" and 0 USD near the price, whatever the book).
    """
    p, s = real_number(price), real_number(span)
    if p is None or not (math.isfinite(p) and p > 0):
        raise InputError(f"price must be a finite price > 0 USD (got {price!r})", param="price")
    if s is None or not (math.isfinite(s) and s > 0):
        raise InputError(f"span must be a finite number > 0 (got {span!r})", param="span")
    price, span = p, s
    usd = book.size * book.liq_price
    liq = book.liq_price
    below = (book.side == 1) & (liq < price)
    above = (book.side == -1) & (liq > price)
    near = (np.abs(np.log(liq / price)) <= span) & (usd > 0)
    out: dict[str, float] = {}
    thr = {}
    for name, side in (("below", below), ("above", above)):
        m = near & side
        thr[name] = float(np.quantile(usd[m], CLUSTER_QUANTILE)) if m.any() else math.inf
    b = near & below & (usd >= thr["below"])
    a = near & above & (usd >= thr["above"])
    out["cluster_below_price"] = float(liq[b].max()) if b.any() else math.nan
    out["cluster_above_price"] = float(liq[a].min()) if a.any() else math.nan
    out["cluster_below_pct"] = 100 * (1 - out["cluster_below_price"] / price)
    out["cluster_above_pct"] = 100 * (out["cluster_above_price"] / price - 1)
    out["cluster_within_pct"] = float(np.nanmin([out["cluster_below_pct"],
                                                 out["cluster_above_pct"], math.inf]))  # fmt: skip
    out["cluster_below_threshold_usd"] = thr["below"]
    out["cluster_above_threshold_usd"] = thr["above"]
    lb = book if liquidated is None else liquidated
    usd, liq = lb.size * lb.liq_price, lb.liq_price
    below, above = (lb.side == 1) & (liq < price), (lb.side == -1) & (liq > price)
    for pct in (2, 5):
        w = (below & (liq >= price * (1 - pct / 100))) | (above & (liq <= price * (1 + pct / 100)))
        out[f"notional_{pct}pct_usd"] = float(usd[w].sum())
    return out


def _check_creatable(store: Store, given: bool) -> None:
    """An error naming the store when its file could not be created (folder, permission).

    ``given``: the store was a parameter (else the default, named by what chose it).

    Creates the store's folder as the first write would, then a scratch file in it
    (removed at once), so a store that cannot be made fails before any network call
    rather than after the first interval's fetches.
    """
    folder = store.path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        msg = f"{store.path}: cannot create the store in {folder}: {exc.strerror or exc}"
        if given:  # named as the store names it: the parameter, or what chose the default
            raise InputError(f"store: {msg}", param="store") from exc
        raise InputError(f"{default_store_source()}: {msg}") from exc


def _run_on_alert(
    cmd: str, alert: dict[str, Any], log: Callable[[str], None],
    timeout: float = ON_ALERT_TIMEOUT_S,
) -> None:  # fmt: skip
    """Run ``cmd`` (a shell command) with ``alert`` as JSON on stdin; wait up to ``timeout`` s.

    The command runs in a process group of its own: past ``timeout`` the whole group
    (the shell and what it started) is killed, so nothing it started is left running.
    A non-zero exit or a timeout is one line to ``log``, naming the option as
    ``on_alert`` (the command line shows its flag); the watch goes on.
    """
    try:
        proc = subprocess.Popen(
            cmd, shell=True, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        log(f"on_alert failed: {exc}")
        return
    try:
        _, err = proc.communicate(json.dumps(alert, default=str) + "\n", timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        log(f"on_alert timed out after {timeout:g} s: stopped it and every process it "
            f"started ({cmd})")  # fmt: skip
        return
    except BaseException:  # Ctrl-C: its own session does not get the terminal's
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        detail = (err or "").strip()[:200]
        log(f"on_alert exited {proc.returncode}"
            + (f": {detail}" if detail else " (nothing on stderr)"))  # fmt: skip


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill ``proc``'s process group (it leads one) and reap ``proc``."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # gone already
    for f in (proc.stdin, proc.stderr):
        if f is not None:
            try:
                f.close()
            except OSError:
                pass
    proc.wait()


#: Exit status of ``liqcascade watch`` when it stopped at ``--max-iterations`` and no
#: venue answered any request in any interval (no live data: every line was made from
#: the store's or the bundle's last bars). 2 is bad input; Ctrl-C exits 130.
EXIT_NO_LIVE_DATA = 4


@dataclass(frozen=True)
class WatchSummary:
    """How a watch session ended (what :func:`run_watch` returns).

    Attributes
    ----------
    intervals : int
        Intervals done (lines emitted).
    live_intervals : int
        Intervals in which at least one venue answered a request (a page, possibly
        empty, or an order book): the others fetched nothing.
    interrupted : bool
        Stopped by Ctrl-C (KeyboardInterrupt, or DuckDB's interrupt of a query) rather
        than at ``max_iterations``, at any point: while the session started, in an
        interval, in the idle time or the pause.
    rows_stored : int
        Rows the session added to the store (every interval's in one transaction).
    store : str
        The store's path.
    interrupted_write : str or None
        When the interrupt came during an interval's write: what it left
        (:class:`~liqcascade.data.IngestInterrupted`'s message); else None.
    """

    intervals: int
    live_intervals: int
    interrupted: bool
    rows_stored: int = 0
    store: str = ""
    interrupted_write: str | None = None

    @property
    def no_live_data(self) -> bool:
        """Ran to its end and fetched nothing in any interval (all venues failed)."""
        return not self.interrupted and self.intervals > 0 and self.live_intervals == 0


def run_watch(
    options: WatchOptions,
    *,
    emit: Callable[[dict[str, Any]], None],
    clock: Callable[[], int] | None = None,
    sleep: Callable[[float], None] | None = None,
    log: Callable[[str], None] | None = None,
    pause: Callable[[float], None] | None = None,
    replay: bool = False,
) -> WatchSummary:
    """Run the loop until ``max_iterations`` (or Ctrl-C); how it ended.

    ``emit`` receives each line; each alert runs ``options.on_alert``. Between an
    interval's line and the next interval, :meth:`Watcher.catch_up` does the work the
    interval left (the refits and the calibrated critical shock of a new bar).

    Parameters
    ----------
    options : WatchOptions
        The session (validated here).
    emit : callable
        Receives each interval's line (a dict).
    clock : callable, optional
        Returns now as ms since epoch (default the system clock).
    sleep : callable, optional
        Sleeps seconds: between intervals and between retries.
    log : callable, optional
        Receives fault and progress lines (default stderr).
    pause : callable, optional
        Waits out the rest of an interval (seconds; default ``sleep``): a replay moves
        its clock to the next recorded bar instead.
    replay : bool, default False
        A replay of recorded data (:func:`liqcascade.live.run_replay` sets it; see
        :class:`Watcher`).

    Returns
    -------
    WatchSummary
        Also when Ctrl-C stopped it, whenever that came (``interrupted``; the store
        holds every interval's rows up to the last whole one).

    Raises
    ------
    InputError
        A bad option (before any network call), or a store that cannot be written.
    StoreBusy
        Another process kept the store past ``$LIQCASCADE_STORE_WAIT_S`` when the
        session had to read it; an interval's write that finds it so is not an error
        (logged; its rows are stored at the next interval).
    """
    from liqcascade.data import IngestInterrupted, is_interrupt

    w: Watcher | None = None
    pause = pause or sleep or time.sleep
    done = live = 0
    interrupted = False
    write: str | None = None
    try:
        w = Watcher(options, clock=clock, sleep=sleep, log=log, replay=replay)
        w.defer_busy_writes = True  # a busy store's rows go in at the next interval
        while options.max_iterations is None or done < options.max_iterations:
            t0 = time.monotonic()
            line = w.tick()
            # the store is let go as soon as the interval's reads and write are done: the
            # idle-time work and the pause below hold nothing (docs/watch.md)
            w.release_store()
            emit(line)
            if options.on_alert:
                for a in line["alerts"]:
                    _run_on_alert(options.on_alert, a, w.log)
            done += 1
            live += line["venues_answered"] > 0
            if options.max_iterations is not None and done >= options.max_iterations:
                break
            # the idle time: the refits and the calibrated critical shock of a new bar,
            # up to a second before the next interval (the rest goes on after it)
            step = options.interval_s
            w.catch_up(deadline=t0 + step - min(1.0, step / 10))
            # no store held open while waiting: another process may read or ingest, and
            # the next interval's look-ups ask the store afresh (liqcascade._store_reads)
            w.release_store()
            pause(max(0.0, step - (time.monotonic() - t0)))
    except IngestInterrupted as exc:
        interrupted, write = True, str(exc)
    except KeyboardInterrupt:
        interrupted = True
    except Exception as exc:
        if not is_interrupt(exc):  # DuckDB's answer to Ctrl-C during a query
            raise
        interrupted = True
    finally:
        if w is not None:
            w.close()
    path = w.store.path if w is not None else Store(options.store).path
    return WatchSummary(
        intervals=done, live_intervals=live, interrupted=interrupted,
        rows_stored=0 if w is None else w.rows_stored, store=str(path), interrupted_write=write,
    )  # fmt: skip


def refresh(
    asset: str = "ETH",
    exchanges: Sequence[Any] = ("binance",),
    *,
    store: str | Path | None = None,
    since: Any = None,
    clock: Callable[[], int] | None = None,
    log: Callable[[str], None] | None = None,
) -> int:
    """Fetch every series up to now into the store (the daily job); rows added.

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset (symbol ``ASSET/USDT:USDT``).
    exchanges : sequence of str or ccxt exchanges, default ("binance",)
        Venues polled; each one's series are stored.
    store : str or Path, optional
        The DuckDB store (default ``$LIQCASCADE_STORE`` or ``~/.liqcascade/store.duckdb``).
    since : datetime-like, optional
        First bar fetched of a series the store does not hold (default 45 days ago).
    clock : callable, optional
        Returns now as ms since epoch (default the system clock).
    log : callable, optional
        Receives fault lines (default stderr).

    Returns
    -------
    int
        Rows added to the store (0 when the venues answered with nothing newer).

    Raises
    ------
    StoreBusy
        Another process kept the store for longer than ``$LIQCASCADE_STORE_WAIT_S``.
    liqcascade.errors.VenueUnreachable
        When no venue answered any request (no network, every venue down or rate
        limited past its retries): nothing was fetched, so the store holds no newer
        data than before, and a caller must not present its data as refreshed.
    """
    # it only fetches: no critical shock is computed, so no liquidity calibration is needed
    opts = WatchOptions(asset=asset, exchanges=exchanges, store=store, since=since,
                        liquidity="static")  # fmt: skip
    w = Watcher(opts, clock=clock, log=log)
    try:
        added, _ = w.poll(int(w.clock()))
        answered, venues = w.venues_answered, [p.id for p in w.pollers]
    finally:
        w.close()
    if not answered:
        raise VenueUnreachable(
            f"no venue answered the refresh of {asset} ({', '.join(venues)}): nothing was fetched"
        )
    return added
