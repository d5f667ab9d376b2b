"""Polling one venue through ccxt's unified API, fault-tolerant, closed bars only.

:class:`VenuePoller` fetches the bars of a series after the last one stored
(:func:`liqcascade.data.fetch_series` pages and retries rate limits and network
errors, timeouts included) through a view of the exchange that keeps only *closed*
bars, drops repeated timestamps (the last copy wins) and sorts each page (a candle
sent twice or out of order does not reach the store twice). A page that is not in
ccxt's shape (malformed) fails the fetch; the whole fetch is retried with
exponential backoff, each fault reported through ``log``, and after ``max_retries``
the series is skipped for this interval (the next interval starts again from the
last stored bar, so nothing is lost). Only the venue's faults are retried (ccxt's
errors, the network's, a malformed page, a page the reader refuses); any other error
is a bug in liqcascade and raises.

A bar counts as closed :data:`SETTLE_MS` after its end, or at once when the venue
already sends the bar after it; the clock is the venue's (``fetch_time``) when it is
behind the local one (:meth:`VenuePoller.venue_now`). The store keeps the first copy of
a bar, so a candle stored while still forming would stay.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._prices import count_text
from liqcascade.book import SNAPSHOT_DISTANCES
from liqcascade.data import SeriesFrame, fetch_series, interval_ms, make_exchange
from liqcascade.errors import InputError

__all__ = [
    "MAX_CLOCK_SKEW_MS", "SETTLE_MS", "BudgetSpent", "ClosedBars", "Malformed", "NotFast",
    "VenueNote", "VenuePoller", "depth_snapshot", "fast_series", "order_book_depth",
]  # fmt: skip

#: How long after its end a bar counts as closed when the venue sends no later bar, ms.
#: A local clock a few seconds ahead of the venue's would otherwise take the candle still
#: forming for the closed one; the store keeps the first copy of a bar (the watch never
#: replaces one), so that candle would stay. Venues that send the forming candle (Binance)
#: send the next one as soon as a bar closes: a bar with a later one on the page is closed
#: at once. Skew beyond this is caught by the venue's clock where it has one
#: (:meth:`VenuePoller.venue_now`).
SETTLE_MS = 10_000
#: The venue's clock is used only within this of the local one, ms (an answer further off
#: is not a clock to trust: the local one is used, and the difference logged).
MAX_CLOCK_SKEW_MS = 3_600_000


class Malformed(ValueError):
    """A venue's answer is not in ccxt's documented shape."""


class VenueNote(str):
    """A log line about one venue: a fault, a retry, a record dropped, its clock.

    What the watch's ``log`` receives is a plain ``str`` otherwise (the store busy at a
    write, an ``on_alert`` hook that failed): the command line gathers an interval's
    venue notes into one summary line and prints every other line on its own, so that
    a busy store is never hidden among the venue's faults.
    """

    __slots__ = ()


def _venue_faults() -> tuple[type[BaseException], ...]:
    """What a poll reports and retries; anything else is a bug and raises.

    The venue's errors (ccxt's, the network's), a page not in ccxt's shape
    (:class:`Malformed`) and a page the general reader refuses (``InputError``).
    """
    try:
        import ccxt
    except ImportError:
        return (OSError, Malformed, InputError)
    return (ccxt.BaseError, OSError, Malformed, InputError)


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))


class ClosedBars:
    """A view of a ccxt exchange whose history calls return closed, unique, sorted rows.

    Parameters
    ----------
    exchange : ccxt.Exchange
    now_ms : int
        The instant (ms since epoch): a bar labelled ``t`` is closed when
        ``t + interval + settle_ms <= now_ms``, or when ``t + interval <= now_ms`` and the
        page holds a later bar (the venue has started the next one); funding rows at
        ``t <= now_ms``.
    log : callable, optional
        Receives one line per venue fault before it propagates (default: none).
    settle_ms : int, default SETTLE_MS
        Margin after a bar's end, ms, before the venue's newest bar counts as closed.
    """

    def __init__(
        self,
        exchange: Any,
        now_ms: int,
        log: Callable[[str], None] | None = None,
        settle_ms: int = SETTLE_MS,
    ) -> None:
        self._ex = exchange
        self.id = getattr(exchange, "id", "unknown")
        self.now_ms = now_ms
        self.settle_ms = settle_ms
        self._log = log
        self._faults = _venue_faults()

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Call the venue; a fault is reported before it propagates (and is retried).

        Any other error (a bug) propagates unreported: it is not retried.
        """
        try:
            return fn(*args, **kw)
        except self._faults as exc:
            if self._log is not None:
                first = str(exc).splitlines()[0][:160] if str(exc) else ""
                self._log(f"{self.id} {what}: {type(exc).__name__}: {first}; retrying")
            raise

    def _clean(self, page: Any, step: int, what: str, *, candles: bool = False) -> list[Any]:
        """Closed rows of ``page``, unique and sorted; Malformed for a row not in ccxt's shape.

        ``candles``: rows are ``[t, o, h, l, c, v]`` lists (``fetch_ohlcv``), else records
        (dicts with a ``timestamp``). A bar (``step > 0``) is closed once it ended
        :attr:`settle_ms` ago, or once it ended and the page holds a later bar; a row of
        ``step`` 0 (funding) once ``t <= now_ms``.
        """
        if not isinstance(page, list):
            raise Malformed(f"{what}: expected a list of rows, got {type(page).__name__}")
        seen: list[tuple[int, Any]] = []
        for r in page:
            if candles and isinstance(r, list | tuple):
                if len(r) < 6 or not all(_num(v) for v in r[:6]):
                    raise Malformed(f"{what}: bad candle {r!r:.80}")
                t = int(r[0])
            elif not candles and isinstance(r, dict):
                if not _num(r.get("timestamp")):
                    raise Malformed(f"{what}: row without a timestamp {r!r:.80}")
                t = int(r["timestamp"])
            else:
                raise Malformed(f"{what}: bad row {r!r:.80}")
            if t < 0:
                raise Malformed(f"{what}: timestamp before 1970 {r!r:.80}")
            seen.append((t, r))
        newest = max((t for t, _ in seen), default=0)
        rows: dict[int, Any] = {}
        for t, r in seen:
            closed = t + step <= self.now_ms
            if closed and step and t == newest:  # no later bar: the venue's clock may lag
                closed = t + step + self.settle_ms <= self.now_ms
            if closed:
                rows[t] = r  # a repeated timestamp: the last copy wins
        return [rows[t] for t in sorted(rows)]

    def fetch_ohlcv(self, symbol: str, timeframe: str = "1h", since: Any = None,
                    limit: Any = None) -> list[Any]:  # fmt: skip
        """The closed candles of one page of ccxt's ``fetch_ohlcv``.

        Parameters
        ----------
        symbol : str
            Unified symbol (``"ETH/USDT:USDT"``).
        timeframe : str, default "1h"
            ccxt timeframe; a candle labelled ``t`` is kept once it closed (see the class).
        since : int, optional
            First bar time, ms since epoch (ccxt's ``since``).
        limit : int, optional
            Rows per page (ccxt's ``limit``; default the venue's).

        Returns
        -------
        list of list
            ``[t_ms, open, high, low, close, volume]`` per closed candle (prices in the
            quote currency, volume in base units), unique and sorted.

        Raises
        ------
        Malformed
            A page or candle not in ccxt's shape.
        """
        page = self._call("ohlcv", self._ex.fetch_ohlcv, symbol, timeframe=timeframe,
                          since=since, limit=limit)  # fmt: skip
        return self._clean(page, interval_ms(timeframe) or 0, "ohlcv", candles=True)

    def fetch_open_interest_history(self, symbol: str, timeframe: str = "1h", since: Any = None,
                                    limit: Any = None) -> list[Any]:  # fmt: skip
        """The closed rows of one page of ccxt's ``fetch_open_interest_history``.

        Parameters
        ----------
        symbol : str
            Unified symbol.
        timeframe : str, default "1h"
            ccxt timeframe; a row at ``t`` is kept once its bar closed (see the class).
        since : int, optional
            First time, ms since epoch.
        limit : int, optional
            Rows per page.

        Returns
        -------
        list of dict
            ccxt records with ``openInterestValue`` (quote currency) or
            ``openInterestAmount`` (base units or contracts), unique and sorted by ``timestamp``.

        Raises
        ------
        Malformed
            A row without a timestamp or an amount.
        """
        page = self._call("open interest", self._ex.fetch_open_interest_history, symbol,
                          timeframe=timeframe, since=since, limit=limit)  # fmt: skip
        rows = self._clean(page, interval_ms(timeframe) or 0, "open interest")
        for r in rows:
            if not (_num(r.get("openInterestValue")) or _num(r.get("openInterestAmount"))):
                raise Malformed(f"open interest: no amount in {r!r:.80}")
        return rows

    def fetch_funding_rate_history(self, symbol: str | None = None, since: Any = None,
                                   limit: Any = None) -> list[Any]:  # fmt: skip
        """The rows up to ``now_ms`` of one page of ccxt's ``fetch_funding_rate_history``.

        Parameters
        ----------
        symbol : str, optional
            Unified symbol.
        since : int, optional
            First time, ms since epoch.
        limit : int, optional
            Rows per page.

        Returns
        -------
        list of dict
            ccxt records with ``fundingRate`` (fraction per funding interval) at
            ``timestamp <= now_ms``, unique and sorted.

        Raises
        ------
        Malformed
            A row without a timestamp or a rate.
        """
        page = self._call("funding", self._ex.fetch_funding_rate_history, symbol, since=since,
                          limit=limit)  # fmt: skip
        rows = self._clean(page, 0, "funding")
        for r in rows:
            if not _num(r.get("fundingRate")):
                raise Malformed(f"funding: no rate in {r!r:.80}")
        return rows


class NotFast(Exception):
    """A page :func:`fast_series` does not recognise (``fetch_series`` reads it)."""


#: Record fields of ccxt's open-interest and funding-rate histories that
#: :func:`fast_series` knows (any other goes through ``fetch_series``).
_OI_KEYS = frozenset({"symbol", "timestamp", "datetime", "openInterestAmount",
                      "openInterestValue", "baseVolume", "quoteVolume", "info"})  # fmt: skip
_FUNDING_KEYS = frozenset({"symbol", "timestamp", "datetime", "fundingRate", "info"})


def _floats(rows: list[Any], key: str) -> np.ndarray:
    """A record field as float64 (missing or None: NaN); NotFast on any other type."""
    out = np.empty(len(rows), dtype=np.float64)
    for i, r in enumerate(rows):
        v = r.get(key)
        if v is None:
            out[i] = np.nan
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out[i] = float(v)
        else:
            raise NotFast(key)
    return out


def fast_series(
    view: ClosedBars, symbol: str, kind: str, interval: str, since_ms: int, now_ms: int
) -> SeriesFrame | None:
    """One series in ``[since_ms, now_ms]`` read from ccxt's pages, as ``fetch_series`` reads it.

    Pages as :func:`liqcascade.data.fetch_series` does (from ``since_ms`` until an
    empty page or no progress) and builds the same validated frame for ccxt's plain
    shapes (``fetch_ohlcv`` rows; open-interest and funding records with the usual
    fields), checking what :func:`liqcascade.data._validate.validate` checks (sorted
    unique times come from the ``view``). None when no row is in the window.

    Raises
    ------
    NotFast
        A shape or value it does not recognise: ``fetch_series`` reads the series.
    Malformed
        A row ``fetch_series`` would refuse (invalid prices, sizes, interval).
    """
    from liqcascade.data import count_gaps, format_interval, infer_interval
    from liqcascade.data import funding_hours as _funding_hours

    step = interval_ms(interval)
    if kind not in ("ohlcv", "open_interest", "funding") or not step:
        raise NotFast(kind)
    rows: list[Any] = []
    cursor = since_ms
    while cursor <= now_ms:
        if kind == "ohlcv":
            page = view.fetch_ohlcv(symbol, timeframe=interval, since=cursor, limit=None)
        elif kind == "open_interest":
            page = view.fetch_open_interest_history(
                symbol, timeframe=interval, since=cursor, limit=None
            )
        else:
            page = view.fetch_funding_rate_history(symbol, since=cursor, limit=None)
        if not page:
            break
        tss = [int(r[0]) if kind == "ohlcv" else int(r["timestamp"]) for r in page]
        rows.extend(r for r, t in zip(page, tss, strict=True) if since_ms <= t <= now_ms)
        last = max(tss)
        if last < cursor:
            break
        cursor = last + 1
    if not rows:
        return None
    if kind == "ohlcv":
        arr = np.asarray([[float(v) for v in r[:6]] for r in rows], dtype=np.float64)
        ms = arr[:, 0].astype(np.int64)
        if not np.array_equal(arr[:, 0], ms.astype(np.float64)):
            raise NotFast("timestamp")
        o, h, lo, c, v = (arr[:, k] for k in range(1, 6))
        with np.errstate(invalid="ignore"):
            if (arr[:, 1:5] <= 0).any() or (v < 0).any():
                raise Malformed("ohlcv: a price <= 0 or a negative volume")
            if (h < np.maximum(o, c)).any() or (lo > np.minimum(o, c)).any():
                raise Malformed("ohlcv: high below max(open, close) or low above min")
        values: dict[str, np.ndarray] = {"open": o, "high": h, "low": lo, "close": c, "volume": v}
        layout = "ccxt-ohlcv"
    else:
        allowed = _OI_KEYS if kind == "open_interest" else _FUNDING_KEYS
        if any(not isinstance(r, dict) or not r.keys() <= allowed for r in rows):
            raise NotFast("record fields")
        ms = np.asarray([int(r["timestamp"]) for r in rows], dtype=np.int64)
        if kind == "open_interest":
            values = {}
            for col, key in (("oi_usd", "openInterestValue"), ("oi_base", "openInterestAmount")):
                if any(key in r for r in rows):
                    values[col] = _floats(rows, key)
            if not values:
                raise NotFast("open interest")
            for x in values.values():
                if (x < 0).any() or np.isinf(x).any():
                    raise Malformed("open interest: a negative or infinite amount")
            layout = "ccxt-open-interest"
        else:
            rate = _floats(rows, "fundingRate")
            if not np.isfinite(rate).all():
                raise Malformed("funding: a rate is missing")
            hours = _funding_hours(pd.Series(ms))
            values = {"rate": rate, "interval_hours": np.full(len(rows), hours)}
            layout = "funding-table"
    if len(ms) > 1 and not (np.diff(ms) > 0).all():
        raise NotFast("timestamps")  # the view sorts each page; pages do not overlap
    ts = pd.DatetimeIndex(pd.to_datetime(ms, unit="ms", utc=True)).as_unit("us")
    seen = infer_interval(ts)
    if kind == "funding":
        if seen == "events":
            raise NotFast("one funding time")  # fetch_series says why
        label = seen
    else:
        if seen != "events" and interval_ms(seen) != step:
            raise NotFast("interval")  # fetch_series names the step it saw
        label = format_interval(step)
    frame = pd.DataFrame({"ts": ts, **values})
    frame["_row"] = np.arange(1, len(frame) + 1, dtype=np.int64)
    venue = str(view.id)
    # units_known: ccxt's unified records give funding as a fraction (a squeeze is real)
    sf = SeriesFrame(kind=kind, venue=venue, symbol=symbol, interval=label, frame=frame,
                     file=f"{venue}:{symbol}:{kind}", layout=layout,
                     units_known=True)  # fmt: skip
    sf.gaps, sf.largest_gap = count_gaps(ts, label)
    return sf


#: The last book checked and its sides (a book is checked once, not by every reader).
_CHECKED: list[Any] = [None, None]


def _book_sides(book: Any) -> dict[str, list[Any]]:
    if _CHECKED[0] is book:
        return _CHECKED[1]  # type: ignore[no-any-return]
    sides = _check_sides(book)
    _CHECKED[:] = [book, sides]
    return sides


def _check_sides(book: Any) -> dict[str, list[Any]]:
    if not isinstance(book, dict):
        raise Malformed("order book: not a dict")
    sides = {}
    for side in ("bids", "asks"):
        levels = book.get(side)
        if not isinstance(levels, list) or not levels:
            raise Malformed(f"order book: no {side}")
        if not all(isinstance(lv, list | tuple) and len(lv) >= 2 and _num(lv[0]) and _num(lv[1])
                   and lv[0] > 0 and lv[1] >= 0 for lv in levels):  # fmt: skip
            raise Malformed(f"order book: bad {side} level")
        sides[side] = levels
    if float(sides["bids"][0][0]) >= float(sides["asks"][0][0]):
        raise Malformed("order book: crossed (best bid >= best ask)")
    return sides


def depth_snapshot(book: Any, distances: tuple[float, ...] = SNAPSHOT_DISTANCES) -> pd.DataFrame:
    """The compact snapshot the watch stores of a ccxt order book.

    Per side (``bid``, ``ask``): the cumulative notional (``notional_usd``, USD) and
    base quantity (``depth_base``) within each of ``distances`` (fraction of mid) that
    the visible levels reach, and within the deepest visible level's distance (the
    visible edge). Mid is the mean of the best bid and ask.

    Raises
    ------
    Malformed
        The book is not in ccxt's shape, or crossed.
    """
    sides = _book_sides(book)
    mid = 0.5 * (float(sides["bids"][0][0]) + float(sides["asks"][0][0]))
    rows: list[tuple[str, float, float, float]] = []
    for side, name in (("bids", "bid"), ("asks", "ask")):
        lv = np.asarray([[float(p), float(q)] for p, q, *_ in sides[side]], dtype=np.float64)
        d = np.abs(lv[:, 0] / mid - 1.0)
        o = np.argsort(d, kind="stable")
        d, px, q = d[o], lv[o, 0], lv[o, 1]
        cum_usd, cum_q = np.cumsum(px * q), np.cumsum(q)
        edge = float(d[-1])
        for x in (*(x for x in distances if x < edge), edge):
            k = int(np.searchsorted(d, x + 1e-12, side="right"))
            rows.append((name, x, float(cum_usd[k - 1]) if k else 0.0,
                         float(cum_q[k - 1]) if k else 0.0))  # fmt: skip
    return pd.DataFrame(rows, columns=["side", "distance", "notional_usd", "depth_base"])


def order_book_depth(book: Any, mid: float | None = None) -> dict[str, float]:
    """Bid and ask notional (USD) within 1 % and 2 % of mid of a ccxt order book.

    Parameters
    ----------
    book : dict
        ccxt ``fetch_order_book`` result (prices in the quote currency, amounts in base
        units).
    mid : float, optional
        Mid price; default the mean of the best bid and ask.

    Returns
    -------
    dict
        ``bid_1pct_usd``, ``ask_1pct_usd``, ``bid_2pct_usd``, ``ask_2pct_usd`` (USD).

    Raises
    ------
    Malformed
        The book is not ``{"bids": [[price, amount], ...], "asks": [...]}``.
    """
    sides = _book_sides(book)
    m = mid if mid is not None else 0.5 * (float(sides["bids"][0][0]) + float(sides["asks"][0][0]))
    out = {}
    for pct in (1, 2):
        lo, hi = m * (1 - pct / 100), m * (1 + pct / 100)
        out[f"bid_{pct}pct_usd"] = sum(float(p) * float(q) for p, q, *_ in sides["bids"] if p >= lo)
        out[f"ask_{pct}pct_usd"] = sum(float(p) * float(q) for p, q, *_ in sides["asks"] if p <= hi)
    return out


class BudgetSpent(Exception):
    """A retry pause would overrun the venue's retry budget for this interval."""


class VenuePoller:
    """Fetch the closed bars of one venue after what is stored, with retries.

    Parameters
    ----------
    exchange : str or ccxt.Exchange
        An exchange id (created with ccxt's rate limiter on) or an exchange object.
    symbol : str
        Unified symbol (``"ETH/USDT:USDT"``).
    log : callable
        Receives one line per fault (the watch prints them on stderr).
    sleep : callable
        Sleeps between retries (seconds).
    max_retries : int
        Retries of a whole fetch after a fault.
    backoff_seconds : float
        First retry delay; doubles each retry.
    retry_budget_s : float
        Seconds of retry pauses allowed per interval (from :meth:`start_interval`), all
        fetches of the venue together. A pause that would overrun it is not taken: the
        fetch is skipped, and so is every other fetch of the venue until the next
        interval (an unreachable venue costs one budget, not a backoff per series).
    """

    def __init__(
        self,
        exchange: Any,
        symbol: str,
        *,
        log: Callable[[str], None],
        sleep: Callable[[float], None] | None = None,
        max_retries: int = 3,
        backoff_seconds: float = 1.0,
        retry_budget_s: float = 20.0,
    ) -> None:
        self.exchange = make_exchange(exchange) if isinstance(exchange, str) else exchange
        self.id = str(getattr(self.exchange, "id", exchange))
        self.symbol = symbol
        self._log_to = log
        self._sleep = sleep if sleep is not None else time.sleep
        self.max_retries = max_retries
        self.backoff = backoff_seconds
        self.retry_budget_s = retry_budget_s
        self._faults = _venue_faults()
        self._paused = 0.0
        self._spent = False
        #: Requests of this interval the venue answered (a page, possibly empty, or a book).
        self.answered = 0
        #: (local now, the instant bars are judged at) of the last :meth:`venue_now`, ms.
        self._clock: tuple[int, int] | None = None
        #: Whether the venue's last request failed (kept across intervals: an unreachable
        #: venue is not asked its clock, one more failing request, at each poll).
        self._failed_last = False
        #: How far the venue's clock was last seen behind the local one, ms (>= 0).
        self._lag_ms = 0

    def _answered(self) -> None:
        """The venue answered a request (a page, possibly empty, or a book)."""
        self.answered += 1
        self._failed_last = False

    def log(self, line: str) -> None:
        """Pass ``line`` on to the ``log`` given, marked as this venue's (:class:`VenueNote`).

        Parameters
        ----------
        line : str
            One line of text about this venue (a fault, a retry, a skipped bar).
        """
        self._log_to(VenueNote(line))

    def start_interval(self) -> None:
        """A new interval: the retry budget is whole again and the venue is tried again."""
        self._paused = 0.0
        self._spent = False
        self.answered = 0
        self._clock = None

    def venue_now(self, now_ms: int) -> int:
        """The instant bars are judged closed at: the venue's clock when it is behind ``now_ms``.

        Read once per ``now_ms`` (an interval's fetches share it) with ccxt's
        ``fetch_time`` (one light request) when the exchange has it
        (``has["fetchTime"]``); a fault, an answer that is not a time or one more than
        :data:`MAX_CLOCK_SKEW_MS` away leaves the local clock (logged, not retried). A
        venue ahead of the local clock changes nothing (the earlier instant is the safe
        one: a bar is stored late, never early). When the venue's last request failed
        (the previous interval's, offline), its clock is not asked: the local clock
        less the lag last measured is used, and the interval's first fetch is the one
        request that finds whether the venue is back.

        Parameters
        ----------
        now_ms : int
            The local clock, ms since epoch.

        Returns
        -------
        int
            ``min(now_ms, venue clock)``, ms since epoch.
        """
        if self._clock is not None and self._clock[0] == now_ms:
            return self._clock[1]
        at = now_ms
        has = getattr(self.exchange, "has", None) or {}
        if self._failed_last:  # unreachable at its last request: no clock asked
            at = now_ms - self._lag_ms
        elif has.get("fetchTime") and callable(getattr(self.exchange, "fetch_time", None)):
            try:
                t = self.exchange.fetch_time()
            except self._faults as exc:
                self._failed_last = True
                first = str(exc).splitlines()[0][:160] if str(exc) else ""
                self.log(f"{self.id} time: {type(exc).__name__}: {first}; bars are judged "
                         "closed by the local clock this interval")  # fmt: skip
            else:
                self._failed_last = False
                if _num(t) and abs(int(t) - now_ms) <= MAX_CLOCK_SKEW_MS:
                    at = min(now_ms, int(t))
                    self._lag_ms = now_ms - at
                else:
                    self.log(f"{self.id} time: {t!r:.40} is not a clock within "
                             f"{MAX_CLOCK_SKEW_MS // 60_000} min of the local one; bars are "
                             "judged closed by the local clock this interval")  # fmt: skip
        self._clock = (now_ms, at)
        return at

    @property
    def skipped(self) -> bool:
        """Whether this interval's retry budget is spent (the venue's fetches are skipped)."""
        return self._spent

    def sleep(self, seconds: float) -> None:
        """Pause ``seconds`` between retries, or raise :class:`BudgetSpent` past the budget.

        Parameters
        ----------
        seconds : float
            Pause, seconds.

        Raises
        ------
        BudgetSpent
            If the pause would take this interval's pauses past ``retry_budget_s`` (the
            venue is then skipped until :meth:`start_interval`).
        """
        if self._spent or self._paused + seconds > self.retry_budget_s:
            self._spent = True
            raise BudgetSpent(f"retry budget of {self.retry_budget_s:g} s spent")
        self._paused += seconds
        self._sleep(seconds)

    def _faulty(self, what: str, attempt: int, exc: BaseException) -> bool:
        """Report a fault; True when the fetch should be tried again (after a pause)."""
        self._failed_last = True
        first = str(exc).splitlines()[0][:160] if str(exc) else ""
        msg = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        if attempt >= self.max_retries:
            self.log(f"{self.id} {what}: {msg}; skipped this interval")
            return False
        wait = self.backoff * 2**attempt
        if self._spent or self._paused + wait > self.retry_budget_s:
            self._spent = True
            self._log_spent(what, msg)
            return False
        self.log(f"{self.id} {what}: {msg}; retry in {wait:g} s")
        self.sleep(wait)
        return True

    def _log_spent(self, what: str, msg: str) -> None:
        self._failed_last = True
        self.log(
            f"{self.id} {what}: {msg}; retry budget of {self.retry_budget_s:g} s spent: "
            f"{self.id} skipped until the next interval"
        )

    def fetch(self, kind: str, interval: str, since_ms: int, now_ms: int) -> SeriesFrame | None:
        """The closed bars of ``kind`` in ``[since_ms, now_ms]``, or None (nothing new/failed).

        The first try reads the pages straight into the canonical frame
        (:func:`fast_series`: what :func:`liqcascade.data.fetch_series` gives for
        ccxt's plain shapes, without its general layout detection); a fault there is
        reported and retried like any other, through ``fetch_series``; a page it does
        not recognise goes to ``fetch_series`` at once.

        Parameters
        ----------
        kind : {"ohlcv", "open_interest", "funding"}
            The series.
        interval : str
            Bar interval (``"1h"``, ``"4h"``).
        since_ms, now_ms : int
            Window, ms since epoch, both included; bars must have closed by ``now_ms``.

        Returns
        -------
        SeriesFrame or None
            The validated rows.
        """
        what = f"{kind} {interval}"
        if self._spent:
            return None
        now_ms = self.venue_now(now_ms)
        attempt = 0
        try:
            fast = fast_series(
                ClosedBars(self.exchange, now_ms, self.log), self.symbol, kind, interval,
                since_ms, now_ms,
            )  # fmt: skip
            self._answered()
            return fast
        except NotFast:
            pass
        except self._faults as exc:  # malformed pages, invalid rows, the venue's errors
            if not self._faulty(what, attempt, exc):
                return None
            attempt += 1
        while True:
            view = ClosedBars(self.exchange, now_ms, self.log)
            try:
                res = fetch_series(
                    view, self.symbol, kind, pd.Timestamp(since_ms, unit="ms", tz="UTC"),
                    pd.Timestamp(now_ms, unit="ms", tz="UTC"), interval,
                    max_retries=self.max_retries, backoff_seconds=self.backoff, sleep=self.sleep,
                )  # fmt: skip
            except BudgetSpent as exc:
                self._log_spent(what, str(exc))
                return None
            except InputError as exc:
                if f"no {kind} data for" in str(exc):
                    self._answered()
                    return None  # nothing new yet
                if not self._faulty(what, attempt, exc):
                    return None
            except self._faults as exc:  # malformed pages and the venue's errors
                if not self._faulty(what, attempt, exc):
                    return None
            else:
                self._answered()
                return res.series
            attempt += 1

    @property
    def publishes_liquidations(self) -> bool:
        """Whether the venue publishes liquidations through ``fetch_liquidations``."""
        has = getattr(self.exchange, "has", None) or {}
        return bool(has.get("fetchLiquidations"))

    def fetch_liquidations(
        self, since_ms: int, now_ms: int, *, limit: int = 1000, max_pages: int = 50
    ) -> SeriesFrame | None:
        """Liquidations in ``[since_ms, now_ms]`` (ccxt's unified liquidation shape).

        Pages with ``fetch_liquidations(symbol, since, limit)`` until a page is empty,
        does not advance or passes ``now_ms``. Each record needs ``timestamp``,
        ``price`` and a size (``baseValue``, or ``contracts`` x the contract size: the
        record's ``contractSize``, else the ccxt market's); its side is ccxt's ``side``
        where the venue gives it (``long``/``short``, or the closing order's
        ``sell``/``buy``: a sell liquidates a long). Records without a side, and records
        in contracts whose contract size neither gives (a contract is not one base unit
        on every venue: 0.1 ETH on OKX), are dropped and counted in the log, naming the
        market. A page not in that shape is malformed: the fetch is retried like the
        bars'. None when nothing is new. Identical records on one page are distinct
        events, all kept; one seen again on a later page that overlaps is not counted
        twice (:func:`_merge_pages`). After a full page (``limit`` records) the next
        starts at its last record's millisecond, not after it: the events there the full
        page could not hold are read. Records the store holds already (a later poll starts
        after the last stored one) are left to the store, which numbers identical
        events as ``data ingest`` does.

        Parameters
        ----------
        since_ms, now_ms : int
            Window, ms since epoch, both included.
        limit : int, default 1000
            Records per page.
        max_pages : int, default 50
            Pages at most per call.

        Returns
        -------
        SeriesFrame or None
            ``liquidation_events``: ``ts``, ``side`` (long/short: the position liquidated),
            ``price`` (quote currency), ``qty`` (base units).
        """
        if self._spent:
            return None
        attempt = 0
        while True:
            try:
                out = self._liquidations(since_ms, now_ms, limit, max_pages)
                self._answered()
                return out
            except self._faults as exc:
                if not self._faulty("liquidations", attempt, exc):
                    return None
            attempt += 1

    def _liquidations(
        self, since_ms: int, now_ms: int, limit: int, max_pages: int
    ) -> SeriesFrame | None:
        # per record: how many times it occurs, the most any one page holds (see
        # :func:`_merge_pages`)
        rows: dict[tuple[int, str, float, float], int] = {}
        no_side = no_size = 0
        cursor = since_ms
        for _ in range(max_pages):
            page = self.exchange.fetch_liquidations(self.symbol, since=cursor, limit=limit)
            if not isinstance(page, list):
                raise Malformed(f"liquidations: expected a list, got {type(page).__name__}")
            if not page:
                break
            here: dict[tuple[int, str, float, float], int] = {}
            last = cursor - 1
            for r in page:
                if (
                    not isinstance(r, dict)
                    or not _num(r.get("timestamp"))
                    or not _num(r.get("price"))
                ):
                    raise Malformed(f"liquidations: bad record {r!r:.80}")
                t = int(r["timestamp"])
                last = max(last, t)
                base: Any = r.get("baseValue")
                if not _num(base) and _num(r.get("contracts")):
                    size: Any = r.get("contractSize")
                    # a size of 0 (or less) would store liquidations of no size
                    size = size if _num(size) and float(size) > 0 else self._contract_size()
                    if size is None:  # contracts of an unknown size: never taken as base
                        no_size += 1
                        continue
                    base = float(r["contracts"]) * float(size)
                if not _num(base) or not 0 <= float(base) < math.inf or float(r["price"]) <= 0:
                    raise Malformed(f"liquidations: no size in {r!r:.80}")
                qty = float(base)
                side = str(r.get("side") or "").lower()
                side = {"sell": "long", "buy": "short"}.get(side, side)
                if side not in ("long", "short"):
                    no_side += 1
                    continue
                if since_ms <= t <= now_ms:
                    key = (t, side, float(r["price"]), qty)
                    here[key] = here.get(key, 0) + 1
            _merge_pages(rows, here)
            if last < cursor or last >= now_ms:
                break
            # a full page may end inside a millisecond: the next starts at that millisecond
            # again, its events there counted once (the most any page holds); a page whose
            # every record is at ``cursor`` moves on (the cursor always advances)
            cursor = last if len(page) >= limit and last > cursor else last + 1
        if no_side:
            lacking = count_text(no_side, "record")
            self.log(f"{self.id} liquidations: {lacking} without a side dropped")
        if no_size:
            self.log(
                f"{self.id} liquidations: {count_text(no_size, 'record')} of {self.symbol} in "
                "contracts "
                "without a contract size (neither the record nor ccxt's market gives one) "
                "dropped, not stored as base units"
            )
        if not rows:
            return None
        keys = [k for k in sorted(rows) for _ in range(rows[k])]
        frame = pd.DataFrame(
            {
                "ts": pd.to_datetime([k[0] for k in keys], unit="ms", utc=True).as_unit("us"),
                "side": pd.Series([k[1] for k in keys], dtype=object),
                "price": [k[2] for k in keys],
                "qty": [k[3] for k in keys],
                "_row": np.arange(1, len(keys) + 1),
            }
        )
        sf = SeriesFrame(kind="liquidation_events", venue=self.id, symbol=self.symbol,
                         interval="events", frame=frame, file=f"{self.id} liquidations",
                         layout="ccxt-liquidations")  # fmt: skip
        # the rows are valid by construction (finite price > 0, finite size >= 0, side long
        # or short, sorted keys, identical events side by side: the store numbers them):
        # validate(sf) would return them as they are
        return sf

    def _contract_size(self) -> float | None:
        """The contract size (base units per contract) of ccxt's market, or None.

        Read from the markets ccxt has loaded (its fetches load them); nothing is fetched.
        """
        markets = getattr(self.exchange, "markets", None)
        market = markets.get(self.symbol) if isinstance(markets, dict) else None
        size: Any = market.get("contractSize") if isinstance(market, dict) else None
        return float(size) if _num(size) and float(size) > 0 else None

    def order_book(self) -> dict[str, float] | None:
        """Depth within 1 % and 2 % of mid (USD) from ``fetch_order_book``, or None."""
        book = self.fetch_book()
        return None if book is None else order_book_depth(book)

    def fetch_book(self) -> dict[str, Any] | None:
        """The venue's order book (ccxt's shape, checked), or None after the retries.

        None at once from a venue that serves no book (``has["fetchOrderBook"]`` False:
        a replay of recorded data, which holds none).
        """
        has = getattr(self.exchange, "has", None) or {}
        if self._spent or has.get("fetchOrderBook") is False:
            return None
        attempt = 0
        while True:
            try:
                book = self.exchange.fetch_order_book(self.symbol)
                _book_sides(book)
                self._answered()
                return book  # type: ignore[no-any-return]
            except self._faults as exc:
                if not self._faulty("order book", attempt, exc):
                    return None
            attempt += 1


def _merge_pages(
    seen: dict[tuple[int, str, float, float], int], page: dict[tuple[int, str, float, float], int]
) -> None:
    """Add one page's liquidation records to those of the pages before it (in place).

    Within a page, identical records (time, side, price, size) are distinct events: two
    liquidations of one size at one price in one millisecond, counted as they come, as
    ``data ingest`` keeps a file's identical rows apart. Pages of one poll may overlap
    (a venue that serves from before ``since``): an event seen on two pages is one
    event, so a record's count is the most any one page holds, never their sum.

    Parameters
    ----------
    seen : dict
        ``(ms since epoch, side, price, size in base units)`` -> count, over the pages
        read so far; updated.
    page : dict
        The same counts for one page.
    """
    for key, n in page.items():
        if n > seen.get(key, 0):
            seen[key] = n
