"""``liqcascade watch --replay``: the same watcher over recorded data, one interval per hour.

:class:`RecordedExchange` serves recorded frames in ccxt's shapes up to its clock, as a
venue would: hourly candles (``fetch_ohlcv``), 4-hourly open interest
(``fetch_open_interest_history``, the USD value), funding (``fetch_funding_rate_history``)
and the 4-hourly liquidations (USD by side) as records of ccxt's liquidation shape
(``fetch_liquidations``), each published when its bar closes (a liquidation bar at its
last millisecond, priced at its last hourly close). It has no order book
(``has["fetchOrderBook"]`` False): recorded data holds none, so a replay's lines carry
no live depth and its market's depth is the calibrated one.

:func:`run_replay` runs :func:`liqcascade.live.run_watch` (the same
:class:`~liqcascade.live.Watcher`, lines, alert rules and ``on_alert`` command) with
that exchange and a clock that stands at each recorded hourly close of the window in
turn: no sleeping, no network. The data are the store's when it holds the window, else
the bundled data. A replay never writes to the user's store: the watcher's appends go
to a scratch store that is deleted at the end (a live store never holds replayed rows),
which gets a copy of the asset's series no venue serves (its order-book totals...).
"""

from __future__ import annotations

import bisect
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade._time import time_range
from liqcascade.errors import InputError
from liqcascade.live._watch import WatchOptions, run_watch
from liqcascade.market import MARKET_BAR

__all__ = ["RecordedData", "RecordedExchange", "ReplaySummary", "recorded_data", "run_replay"]

_H = 3_600_000
_4H = 4 * _H
#: History fetched before the window's first interval, as a live watch's first start.
_HISTORY = pd.Timedelta(days=45)


def _ms(idx: Any) -> list[int]:
    """UTC times as ints of ms since epoch (floored), read from the index's int64 ns at once."""
    return (pd.DatetimeIndex(idx).as_unit("ns").asi8 // 1_000_000).tolist()


class RecordedExchange:
    """Recorded frames served in ccxt's shapes up to the clock ``now_ms``.

    Parameters
    ----------
    prices : pandas.DataFrame
        Hourly candles: ``open``, ``high``, ``low``, ``close`` (USD), ``volume`` (base
        units), indexed by UTC bar-open times.
    open_interest : pandas.DataFrame
        4-hourly ``oi_usd`` (USD), indexed by UTC bar-open times.
    funding : pandas.DataFrame, optional
        ``rate`` (fraction per funding interval), indexed by UTC times.
    liquidations : pandas.DataFrame, optional
        4-hourly ``long_usd``, ``short_usd`` (USD), indexed by UTC bar-open times (None:
        the venue publishes none, ``has["fetchLiquidations"]`` False).
    now_ms : int
        The clock, ms since epoch: rows are served up to it (the forming candle
        included, as venues send it).
    symbol : str, default "ETH/USDT:USDT"
        The unified symbol served.
    venue : str, default "replay"
        The exchange's id (the venue the watcher's rows are stored under).
    """

    def __init__(
        self,
        prices: pd.DataFrame,
        open_interest: pd.DataFrame,
        funding: pd.DataFrame | None = None,
        liquidations: pd.DataFrame | None = None,
        *,
        now_ms: int,
        symbol: str = "ETH/USDT:USDT",
        venue: str = "replay",
    ) -> None:
        self.id = venue
        self.symbol = symbol
        self.now_ms = now_ms
        self.has = {"fetchLiquidations": liquidations is not None, "fetchOrderBook": False}
        cols = ("open", "high", "low", "close", "volume")
        self.px = list(zip(_ms(prices.index), *(prices[c].tolist() for c in cols), strict=True))
        self.px_ts = [r[0] for r in self.px]
        self.oi = list(zip(_ms(open_interest.index), open_interest["oi_usd"].tolist(), strict=True))
        self.fr = (
            []
            if funding is None
            else list(zip(_ms(funding.index), funding["rate"].tolist(), strict=True))
        )
        self.liq = [] if liquidations is None else self._liquidations(liquidations)
        self.liq_ts = [r["timestamp"] for r in self.liq]

    def _liquidations(self, liq: pd.DataFrame) -> list[dict[str, Any]]:
        """One record per side and bar, at the bar's last ms, priced at its last hourly close."""
        out: list[dict[str, Any]] = []
        longs, shorts = (liq[c].to_numpy(dtype=float) for c in ("long_usd", "short_usd"))
        for t, long_usd, short_usd in zip(_ms(liq.index), longs, shorts, strict=True):
            k = bisect.bisect_right(self.px_ts, t + 3 * _H) - 1
            if k < 0:
                continue
            price = float(self.px[k][4])
            for side, usd in (("long", long_usd), ("short", short_usd)):
                if usd == usd and usd > 0:
                    out.append({"symbol": self.symbol, "timestamp": t + _4H - 1, "datetime": "x",
                                "price": price, "baseValue": float(usd) / price,
                                "quoteValue": float(usd), "contracts": None,
                                "contractSize": None, "side": side, "info": {}})  # fmt: skip
        return out

    def _check(self, symbol: str | None, timeframe: str | None = None, want: str = "") -> None:
        if symbol is not None and symbol != self.symbol:
            raise ValueError(f"replay serves {self.symbol}, not {symbol}")
        if want and timeframe != want:
            raise ValueError(f"replay serves {want} bars here, not {timeframe}")

    def fetch_ohlcv(self, symbol: str, timeframe: str = "1h", since: Any = None,
                    limit: Any = None) -> list[list[Any]]:  # fmt: skip
        """Candles ``[t_ms, open, high, low, close, volume]`` from ``since`` up to the clock.

        Parameters
        ----------
        symbol : str
            The unified symbol served (another is refused, as a venue would).
        timeframe : str, default "1h"
            ``"1h"``, the one served.
        since : int, optional
            First bar open, ms since epoch (None: the first recorded).
        limit : int, optional
            Most rows returned (None: 500, ccxt's usual page).
        """
        self._check(symbol, timeframe, "1h")
        i = bisect.bisect_left(self.px_ts, since or 0)
        j = bisect.bisect_right(self.px_ts, self.now_ms)
        return [list(r) for r in self.px[i : min(j, i + (limit or 500))]]

    def fetch_open_interest_history(self, symbol: str, timeframe: str = "1h", since: Any = None,
                                    limit: Any = None, params: Any = None) -> list:  # fmt: skip
        """Open-interest records (``openInterestValue``, USD) from ``since`` up to the clock.

        Parameters
        ----------
        symbol : str
            The unified symbol served.
        timeframe : str, default "1h"
            ``"4h"``, the one served.
        since : int, optional
            First bar open, ms since epoch (None: the first recorded).
        limit : int, optional
            Most rows returned (None: 500).
        params : dict, optional
            ccxt's venue-specific parameters, ignored.
        """
        self._check(symbol, timeframe, "4h")
        rows = [r for r in self.oi if (since or 0) <= r[0] <= self.now_ms][: limit or 500]
        return [{"symbol": symbol, "timestamp": t, "datetime": "x", "openInterestAmount": None,
                 "openInterestValue": float(v), "info": {}} for t, v in rows]  # fmt: skip

    def fetch_funding_rate_history(self, symbol: str | None = None, since: Any = None,
                                   limit: Any = None, params: Any = None) -> list:  # fmt: skip
        """Funding records (``fundingRate``, fraction per interval) up to the clock.

        Parameters
        ----------
        symbol : str, optional
            The unified symbol served.
        since : int, optional
            First funding time, ms since epoch (None: the first recorded).
        limit : int, optional
            Most rows returned (None: 500).
        params : dict, optional
            ccxt's venue-specific parameters, ignored.
        """
        self._check(symbol)
        rows = [r for r in self.fr if (since or 0) <= r[0] <= self.now_ms][: limit or 500]
        return [{"symbol": symbol, "timestamp": t, "datetime": "x", "fundingRate": float(v),
                 "info": {}} for t, v in rows]  # fmt: skip

    def fetch_liquidations(self, symbol: str, since: Any = None, limit: Any = None,
                           params: Any = None) -> list[dict]:  # fmt: skip
        """Liquidation records (ccxt's shape) published from ``since`` up to the clock.

        Parameters
        ----------
        symbol : str
            The unified symbol served.
        since : int, optional
            First publication time, ms since epoch (None: the first recorded).
        limit : int, optional
            Most rows returned (None: 100).
        params : dict, optional
            ccxt's venue-specific parameters, ignored.
        """
        self._check(symbol)
        i = bisect.bisect_left(self.liq_ts, since or 0)
        j = bisect.bisect_right(self.liq_ts, self.now_ms)
        return [dict(r) for r in self.liq[i : min(j, i + (limit or 100))]]


def _iso(t: pd.Timestamp) -> str:
    """An instant as every replay text writes it: ``2024-11-23T00:00Z`` (UTC)."""
    return f"{t:%Y-%m-%dT%H:%MZ}"


@dataclass(frozen=True)
class RecordedData:
    """The recorded series of one asset a replay serves, and the instants they cover.

    Attributes
    ----------
    prices, open_interest, funding, liquidations : pandas.DataFrame or None
        As :class:`RecordedExchange` takes them.
    source : str
        Where they come from (the hourly prices' source: ``store:...`` or ``bundled:...``).
    first, last : pandas.Timestamp
        The first and last instants a replay can stand at (UTC): an hourly close with
        a closed 4-hour open-interest bar before it, up to the last bar's close.
    store_span : tuple of pandas.Timestamp, optional
        When the store's prices and open interest are extended by the bundled data
        (``source`` ``store:... + bundled:...``): the first and last hourly close both
        of the store's own series hold (UTC); outside it the data are the bundle's.
    """

    prices: pd.DataFrame
    open_interest: pd.DataFrame
    funding: pd.DataFrame | None
    liquidations: pd.DataFrame | None
    source: str
    first: pd.Timestamp
    last: pd.Timestamp
    store_span: tuple[pd.Timestamp, pd.Timestamp] | None = None

    def seams(self, first: pd.Timestamp, last: pd.Timestamp) -> list[str]:
        """Where, between the hourly closes ``first`` and ``last``, the data switch source.

        Parameters
        ----------
        first, last : pandas.Timestamp
            The replay's first and last hourly closes (UTC).

        Returns
        -------
        list of str
            ``"the store's data begin at 2025-06-01T04:00Z"`` and/or ``"... end at
            ..."``, for each end of :attr:`store_span` strictly inside the span (a move
            rule can fire on such a seam); empty when there is none.
        """
        if self.store_span is None:
            return []
        lo, hi = self.store_span
        out = []
        if first < lo <= last:
            out.append(f"the store's data begin at {_iso(lo)} (the bundled before)")
        if first <= hi < last:
            out.append(f"the store's data end at {_iso(hi)} (the bundled after)")
        return out

    def range_text(self) -> str:
        """``"bundled:eth_1h, 2024-11-23T00:00Z -> 2025-08-01T00:00Z"``: source, first, last.

        In the replay's one format for an instant, as its lines', seams' and warnings'.
        """
        return f"{self.source}, {_iso(self.first)} -> {_iso(self.last)}"


def _load(asset: str, store: Any) -> RecordedData | None:
    """The recorded series of ``asset`` from ``store`` (False: the bundle); None if it has none."""
    from liqcascade.data import load_series

    def one(kind: str, interval: str | None, *, own: bool = False) -> pd.DataFrame | None:
        """The series as the package loads it (the store's, extended by the bundle's).

        ``own``: the store's, or None (prices and open interest: a store without them
        does not hold the window; funding and liquidations fall back as the market's do).
        """
        try:
            f = load_series(kind, asset=asset, interval=interval, store=store)
        except InputError:
            return None
        bundled = str(f.attrs.get("source", "")).startswith("bundled:")
        return None if len(f) == 0 or (own and store is not False and bundled) else f

    px, oi = one("ohlcv", "1h", own=True), one("open_interest", "4h", own=True)
    if px is None or oi is None:
        return None
    first = max(px.index[0] + pd.Timedelta(hours=1), oi.index[0] + MARKET_BAR)
    last = min(px.index[-1] + pd.Timedelta(hours=1), oi.index[-1] + MARKET_BAR)
    source = str(px.attrs.get("source", ""))
    span = _store_span(asset, store) if "+ bundled:" in source else None
    return RecordedData(px, oi, one("funding", None), one("liquidations", "4h"), source,
                        first, last, span)  # fmt: skip


def _store_span(asset: str, store: Any) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The hourly closes the store's own prices and open interest both cover (UTC).

    Each series is the store's largest of the asset (as the package reads them); None
    when the store holds either none.
    """
    from liqcascade.data import Store, base_asset

    with Store(store, read_only=True) as st:
        ls = st.list_series(gaps=False)
    spans = []
    for kind, interval, bar in (("ohlcv", "1h", 1), ("open_interest", "4h", 4)):
        rows = ls[(ls["kind"] == kind) & (ls["interval"] == interval)]
        rows = rows[rows["symbol"].map(base_asset) == asset]
        if rows.empty:
            return None
        r = rows.sort_values("rows", ascending=False, kind="stable").iloc[0]
        spans.append((pd.Timestamp(r["first"]) + pd.Timedelta(hours=bar),
                      pd.Timestamp(r["last"]) + pd.Timedelta(hours=bar)))  # fmt: skip
    lo, hi = max(a for a, _ in spans), min(b for _, b in spans)
    lo, hi = (t.tz_localize("UTC") if t.tzinfo is None else t for t in (lo, hi))
    return lo, hi


def recorded_data(asset: str, window: str, store: Any = None) -> tuple[RecordedData, list]:
    """The recorded data holding ``window`` and the replay's instants (hourly closes, UTC).

    Parameters
    ----------
    asset : str
        Base asset.
    window : str
        ``START/END`` (:func:`liqcascade._time.time_range`: naive times UTC, a bare END
        date its whole day): the hourly bars lying within it are replayed, one interval
        at each one's close.
    store : str, Path or None, optional
        The store read first (None: the default store; False: the bundle only).

    Returns
    -------
    (RecordedData, list of pandas.Timestamp)

    Raises
    ------
    InputError
        (param ``replay``) An unreadable or reversed window, or one outside the recorded
        data (the error names the data's range).
    """
    start, end = time_range(window, "replay")
    first_open = start.ceil("h")
    opens = pd.date_range(first_open, end + pd.Timedelta(minutes=1) - pd.Timedelta(hours=1),
                          freq="h")  # fmt: skip
    if len(opens) == 0:
        raise InputError(f"replay: {window} holds no whole hourly bar", param="replay")
    closes = list(opens + pd.Timedelta(hours=1))
    from liqcascade.data import Store

    tried: list[RecordedData] = []
    for src in ([store] if store is False or Store(store).exists else []) + [False]:
        data = _load(asset.strip().upper(), src)
        if data is None:
            continue
        if data.first <= closes[0] and closes[-1] <= data.last:
            return data, closes
        tried.append(data)
        if src is False:
            break
    have = "; ".join(d.range_text() for d in tried) or "none"
    raise InputError(
        f"replay: {window} is outside the recorded {asset.upper()} data (its hourly closes "
        f"run {_iso(closes[0])} -> {_iso(closes[-1])}; recorded: {have})",
        param="replay",
    )


@dataclass
class ReplaySummary:
    """What a replay did.

    Attributes
    ----------
    intervals : int
        Intervals replayed (lines emitted), one per recorded hourly bar.
    alerts : dict of str to list of str
        Per alert rule (as given; ``stale`` for a stale line's), the line times
        (ISO, UTC) at which it fired, in order.
    source : str
        The recorded data's source and range (:meth:`RecordedData.range_text`).
    first, last : pandas.Timestamp or None
        The first and last interval's time (UTC; None before the first).
    interrupted : bool
        Stopped by Ctrl-C before the window's end.
    seams : list of str
        Where inside the replayed span the data switch from the store's to the bundled
        (:meth:`RecordedData.seams`; a move rule can fire there); empty: one source.
    history_days : float
        Days of recorded history before the first interval (at most 45, as a first live
        start fetches; fewer at the data's first days).
    """

    intervals: int = 0
    alerts: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    interrupted: bool = False
    seams: list[str] = field(default_factory=list)
    history_days: float = 0.0

    def span_text(self) -> str:
        """``"2025-07-30T23:00Z -> 2025-07-31T02:00Z"``: the first and last interval (or ``""``)."""
        if self.first is None or self.last is None:
            return ""
        return f"{_iso(self.first)} -> {_iso(self.last)}"

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready values (times ISO, UTC); ``summary`` true marks it."""

        def iso(t: pd.Timestamp | None) -> str | None:
            return None if t is None else t.isoformat()

        return {"summary": True, "replay": True, "intervals": self.intervals,
                "first": iso(self.first), "last": iso(self.last), "source": self.source,
                "seams": list(self.seams), "history_days": self.history_days,
                "interrupted": self.interrupted,
                "alerts": {r: {"count": len(t), "first": t[0], "last": t[-1]}
                           for r, t in self.alerts.items()}}  # fmt: skip


def run_replay(
    options: WatchOptions,
    window: str,
    *,
    emit: Callable[[dict[str, Any]], None],
    log: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> ReplaySummary:
    """Run the watcher over the recorded hourly bars of ``window``; what it did.

    Parameters
    ----------
    options : WatchOptions
        The session's asset, rules, ``on_alert``, liquidity, draws; ``store`` is read
        for recorded data and calibrations, never written (a folder or a file that is
        not a store is refused; a path that does not exist: ``log`` says the bundled
        data are replayed). ``exchanges``, ``interval`` and ``since`` are the replay's
        own (one recorded venue, one hour, 45 days of history before the window): left
        None (not given), else refused, the live defaults too; ``max_iterations`` stops
        it early.
    window : str
        ``START/END`` (see :func:`recorded_data`).
    emit : callable
        Receives each interval's line (a dict), as :func:`run_watch`'s.
    log : callable, optional
        Receives the watcher's fault and progress lines (default stderr).
    warn : callable, optional
        Receives the replay's own warnings, before its first line (default ``log``): a
        given store that does not exist (the bundled data are replayed), less history
        before the window than a live start's 45 days.

    Returns
    -------
    ReplaySummary

    Raises
    ------
    InputError
        A bad option or window (before anything is replayed): ``exchanges``,
        ``interval`` or ``since`` given (named), a store that cannot be read.
    """
    _refuse_live_only(options)
    missing = _store_missing(options.store)  # a folder or not a store: refused here
    options.check()  # bad options before any data is read
    say = warn or log or (lambda s: print(s, file=sys.stderr, flush=True))
    if missing:
        say(f"store {options.store} does not exist: the bundled data are replayed")
    data, closes = recorded_data(options.asset, window, options.store)
    n = len(closes) if options.max_iterations is None else min(len(closes), options.max_iterations)
    t0 = int(closes[0].value // 1_000_000)
    asset = options.asset.strip().upper()
    ex = RecordedExchange(data.prices, data.open_interest, data.funding, data.liquidations,
                          now_ms=t0, symbol=options.symbol or f"{asset}/USDT:USDT")  # fmt: skip
    since = max(data.first - MARKET_BAR, closes[0] - _HISTORY)
    days = (closes[0] - since) / pd.Timedelta(days=1)
    out = ReplaySummary(source=data.range_text(), history_days=days,
                        seams=data.seams(closes[0], closes[n - 1]))  # fmt: skip
    if days < _HISTORY / pd.Timedelta(days=1):
        # the instant the summary's range begins at (data.first, a close), as it writes it
        say(f"the replay has {days:.1f} days of history before {_iso(closes[0])} (a live "
            f"start fetches {_HISTORY.days}): the recorded data begin at {_iso(data.first)} "
            "(the history counts from the open of the 4-hour bar closing then, "
            f"{_iso(since)})")  # fmt: skip

    def line(ln: dict[str, Any]) -> None:
        out.intervals += 1
        out.first = out.first or pd.Timestamp(ln["time"])
        out.last = pd.Timestamp(ln["time"])
        for a in ln["alerts"]:
            out.alerts.setdefault(str(a["rule"]), []).append(str(ln["time"]))
        emit(ln)

    def pause(_s: float) -> None:  # the next recorded bar, at once
        ex.now_ms += _H

    with tempfile.TemporaryDirectory(prefix="liqcascade-replay-") as tmp:
        scratch = Path(tmp) / "replay.duckdb"
        _share_calibrations(options.store, scratch)
        _share_series(options.store, scratch, asset)
        opts = replace(options, exchanges=(ex,), store=scratch, interval=3600.0,
                       max_iterations=n, since=since.isoformat())  # fmt: skip
        res = run_watch(opts, emit=line, clock=lambda: ex.now_ms, sleep=lambda _s: None,
                        log=log, pause=pause, replay=True)  # fmt: skip
    out.interrupted = res.interrupted
    return out


def _refuse_live_only(options: WatchOptions) -> None:
    """Refuse the live options a replay has its own of: any given (not None), the defaults too."""
    given = [p for p in ("exchanges", "interval", "since") if getattr(options, p) is not None]
    if given:
        raise InputError(
            f"{', '.join(given)}: not with replay (it serves the recorded data as one venue, "
            "one hourly bar per interval, with 45 days of history before the window)",
            param=[*given, "replay"],
        )


def _store_missing(store: Any) -> bool:
    """Whether ``store`` names no file (then the bundle is replayed).

    A folder, or a file that is not a readable store, raises the store's
    :class:`~liqcascade.errors.InputError` (naming it), as a live watch's would.
    """
    if store is None or store is False:  # the default store, or none: nothing to say
        return False
    from liqcascade.data import Store

    if not Store(store).exists:
        return True
    with Store(store, read_only=True) as st:
        st.list_series(gaps=False)
    return False


#: The kinds the recorded exchange serves (the watcher stores them in the scratch itself).
_SERVED = ("ohlcv", "open_interest", "funding", "liquidations")


def _share_series(store: Any, scratch: Path, asset: str) -> None:
    """Copy the user's store's other series of ``asset`` into the scratch store.

    The series a recorded venue does not serve (the order-book totals, taker volumes,
    long/short ratios...) are read from the user's store read-only and written to the
    scratch, so the replay's market reads them as a watch on that store would (a
    bundled asset's fall back to the bundle as before). Live depth snapshots stay out:
    a replay has no live book (its depth is the calibrated one).
    """
    from liqcascade.data import SeriesFrame, Store, base_asset

    if store is False or not Store(store).exists:
        return
    with Store(store, read_only=True) as st:
        ls = st.list_series(gaps=False)
        keep = (ls["symbol"].map(base_asset) == asset) & ~ls["kind"].isin(_SERVED)
        keep &= ls["interval"] != "events"
        frames = []
        for r in ls[keep].to_dict("records"):
            kind, venue, symbol, interval = (
                str(r[c]) for c in ("kind", "venue", "symbol", "interval")
            )
            df = st.read(kind, venue=venue, symbol=symbol, interval=interval)
            df = df.drop(columns=["venue", "symbol", "interval"])
            frames.append(SeriesFrame(kind, venue, symbol, interval, df, file="replay"))
    if frames:
        with Store(scratch) as sc:
            sc.ingest(frames)


def _share_calibrations(store: Any, scratch: Path) -> None:
    """The user's store's own calibrations (``liqmap calibrate --asset``...) seen by the scratch."""
    from liqcascade._calibrations import store_calibration_dir

    mine = store_calibration_dir(store)
    if mine is not None and mine.is_dir():
        store_calibration_dir(scratch).symlink_to(mine, target_is_directory=True)  # type: ignore[union-attr]
