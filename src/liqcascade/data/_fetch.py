"""Live download through ccxt's unified methods (optional extra ``[live]``).

``fetch_series`` pages through ``fetch_ohlcv``, ``fetch_open_interest_history`` or
``fetch_funding_rate_history``: each page starts just past the last timestamp
received; paging stops on an empty page, on a page that does not advance, or past
``until``. Rate-limit and network errors are retried with exponential backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from liqcascade._time import utc_end
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._readers import norm_column, series_from_raw
from liqcascade.data._time import interval_ms, to_utc
from liqcascade.errors import InputError, VenueUnreachable

__all__ = ["FETCH_KINDS", "FetchResult", "fetch_series", "import_ccxt", "make_exchange"]

FETCH_KINDS = ("ohlcv", "open_interest", "funding")


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


_INSTALL = "ccxt is not installed: pip install 'liqcascade[live]'"


def import_ccxt() -> Any:
    """Import ccxt, or raise :class:`InputError` telling how to install the extra."""
    try:
        import ccxt
    except ImportError as exc:
        raise InputError(_INSTALL) from exc
    return ccxt


def make_exchange(exchange_id: str) -> Any:
    """A ccxt exchange with its rate limiter on (``enableRateLimit``)."""
    ccxt = import_ccxt()
    cls = getattr(ccxt, exchange_id.lower(), None)
    if cls is None or exchange_id.lower() not in getattr(ccxt, "exchanges", [exchange_id]):
        raise InputError(
            f"exchange: unknown exchange {exchange_id!r} (see ccxt.exchanges)", param="exchange"
        )
    return cls({"enableRateLimit": True})


@dataclass
class FetchResult:
    """What a fetch downloaded.

    Parameters
    ----------
    series : SeriesFrame
        The validated series (venue = exchange id, symbol as given).
    pages : int
        Requests that returned data or the final empty page.
    retries : int
        Requests retried after a rate-limit or network error.
    """

    series: SeriesFrame
    pages: int
    retries: int


def _retry_classes() -> tuple[type[BaseException], ...]:
    try:
        import ccxt
    except ImportError:
        return ()
    return (ccxt.RateLimitExceeded, ccxt.NetworkError)


def _ccxt_errors() -> tuple[type[BaseException], ...]:
    """The venue's own errors (``ccxt.BaseError``); none without ccxt."""
    try:
        import ccxt
    except ImportError:
        return ()
    return (ccxt.BaseError,)


def fetch_series(
    exchange: Any,
    symbol: str,
    kind: str,
    since: Any,
    until: Any = None,
    interval: str = "1h",
    *,
    limit: int | None = None,
    max_retries: int = 5,
    backoff_seconds: float = 1.0,
    sleep: Callable[[float], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> FetchResult:
    """Download one series through ccxt, page by page.

    Parameters
    ----------
    exchange : ccxt.Exchange or str
        An exchange object (or any object with the same unified methods), or an id
        like ``"binance"`` (created with ``enableRateLimit``).
    symbol : str
        Unified symbol, e.g. ``"ETH/USDT:USDT"`` (the USDⓈ-M perpetual).
    kind : {"ohlcv", "open_interest", "funding"}
        What to download.
    since, until : datetime-like
        Inclusive bounds (UTC); ``until`` defaults to now; an ``until`` given as a
        date (``"2025-10-15"``) holds that whole day.
    interval : str, default "1h"
        Bar interval (ccxt timeframe) for OHLCV and open interest.
    limit : int, optional
        Page size passed to ccxt (exchange default when ``None``).
    max_retries : int, default 5
        Retries per page on ``RateLimitExceeded`` / ``NetworkError``.
    backoff_seconds : float, default 1.0
        First retry delay in seconds; doubles on each retry.
    sleep : callable, optional
        Sleep function (default :func:`time.sleep`, looked up at call time).
    on_progress : callable, optional
        Called with the last timestamp received (ms since epoch) after each page.

    Returns
    -------
    FetchResult
    """
    if kind not in FETCH_KINDS:
        raise InputError(
            f"kind must be one of {', '.join(FETCH_KINDS)} for fetch (got {kind!r})", param="kind"
        )
    step = interval_ms(interval)
    if step is None:
        raise InputError(f"interval: not a bar interval: {interval!r}", param="interval")
    ex = make_exchange(exchange) if isinstance(exchange, str) else exchange
    venue = str(getattr(ex, "id", exchange if isinstance(exchange, str) else "unknown"))
    start_ms = int(to_utc(since, "since").value // 1_000_000)
    end = utc_end(until, "until") if until is not None else pd.Timestamp.now(tz="UTC")
    end_ms = int(end.value // 1_000_000)
    if end_ms < start_ms and until is None:
        raise InputError(
            f"since {to_utc(since):%Y-%m-%d %H:%M} UTC is in the future (until defaults to now)",
            param="since",
        )
    if end_ms < start_ms:
        raise InputError("until must not be before since", param=("until", "since"))
    pause = sleep if sleep is not None else _sleep
    retry_on = _retry_classes()
    venue_errors = _ccxt_errors()
    rows: list[Any] = []
    cursor = start_ms
    pages = retries = 0
    while cursor <= end_ms:
        attempt = 0
        while True:
            try:
                page = _call(ex, kind, symbol, interval, cursor, limit)
                break
            except retry_on as exc:
                if attempt >= max_retries:
                    raise VenueUnreachable(
                        f"{venue}: giving up after {max_retries} retries: {type(exc).__name__}: "
                        f"{str(exc)[:200]}"
                    ) from exc
                pause(backoff_seconds * 2**attempt)
                attempt += 1
                retries += 1
            except venue_errors as exc:  # anything else is a bug: it raises as it is
                raise InputError(f"{venue}: {type(exc).__name__}: {str(exc)[:200]}") from exc
        pages += 1
        if not page:
            break
        last = max(_ts_of(r) for r in page)
        rows.extend(r for r in page if start_ms <= _ts_of(r) <= end_ms)
        if on_progress is not None:
            on_progress(last)
        if last < cursor:
            break  # no progress: the exchange has nothing newer
        cursor = last + 1
    if not rows:
        raise InputError(
            f"{venue}: no {kind} data for {symbol} between {to_utc(since)} and "
            f"{pd.Timestamp(end_ms, unit='ms', tz='UTC')}"
        )
    name = f"{venue}:{symbol}:{kind}"
    if kind == "ohlcv":
        raw = pd.DataFrame([list(r[:6]) for r in rows])
        headerless = True
    else:
        headerless = False
        recs = [{k: v for k, v in r.items() if not isinstance(v, dict | list)} for r in rows]
        raw = pd.DataFrame(recs)
        raw.columns = pd.Index([norm_column(c) for c in raw.columns])
        raw = raw.drop(columns=[c for c in ("symbol", "datetime") if c in raw.columns])
        if kind == "funding" and "interval_hours" not in raw.columns:
            raw["interval_hours"] = _funding_hours(raw["timestamp"])
    fetched = series_from_raw(
        raw,
        headerless,
        name,
        kind=kind,
        venue=venue,
        symbol=symbol,
        interval=interval if kind != "funding" else None,
        units_known=True,  # ccxt's unified records: funding a fraction per interval
    )
    return FetchResult(series=fetched[0], pages=pages, retries=retries)


def _funding_hours(ts: pd.Series) -> float:
    vals = pd.to_numeric(ts, errors="coerce").dropna().sort_values().to_numpy()
    if vals.size < 2:
        return 8.0
    import numpy as np

    step = float(np.median(np.diff(vals))) / 3_600_000.0
    return float(max(round(step), 1))


def _ts_of(row: Any) -> int:
    if isinstance(row, dict):
        return int(row["timestamp"])
    return int(row[0])


def _call(ex: Any, kind: str, symbol: str, interval: str, since: int, limit: int | None) -> Any:
    if kind == "ohlcv":
        return ex.fetch_ohlcv(symbol, timeframe=interval, since=since, limit=limit)
    if kind == "open_interest":
        return ex.fetch_open_interest_history(symbol, timeframe=interval, since=since, limit=limit)
    return ex.fetch_funding_rate_history(symbol, since=since, limit=limit)
