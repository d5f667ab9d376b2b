"""The calibrated model's follow-through on every date of a period, beside history.

Issue 18's check of the calibrated liquidity response after a shock: on every day of
the period (at 20:00 UTC, when the day's last 4-hour bar opens), the estimated market
of that date takes a −5 % shock and the calibrated cascade (the liquidity calibration
fitted on events before the date) runs its 24-h paths; beside it, history: every real
4-hour fall of at least the shock in the hourly prices
(:func:`~liqcascade.cascade._history.follow_through`). The two checks: the model's
median total fall (median over the dates) within 2 points of history's, and its chance
of reaching −27 % within 2× of history's share.

:func:`calibrated_follow_through` loads what it needs (hourly prices through
:func:`liqcascade.data.load_series`, the markets through
:func:`~liqcascade.cascade._backtest.estimated_market_at`, the calibrations through
:func:`~liqcascade.cascade._clock.load_liquidity`); each can be given instead.

The report does not run it: it reads the rows stored with the liquidity calibration
(:func:`stored_follow_through`, the document's ``follow_through`` key written by
:func:`follow_through_record` when the calibration is fitted), each row computed by
this function on the data the calibration was fitted on; ``liqcascade cascade
follow-through`` re-computes them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._time import to_utc, utc_end
from liqcascade.cascade._history import (
    DATE_COLUMNS,
    ModelFollowThrough,
    date_follow_through,
    follow_through,
)
from liqcascade.errors import InputError

__all__ = [
    "DATE_HOUR",
    "RECORD_SETTINGS",
    "NoMarketDate",
    "calibrated_follow_through",
    "follow_through_dates",
    "follow_through_record",
    "stored_follow_through",
]

DATE_HOUR = 20
"""Each date's time of day (UTC hour): the day's last 4-hour bar opens then, and the
market of the date is the one closed by it (the 16:00–20:00 bar)."""

#: The settings of the stored record (:func:`follow_through_record`): the check the
#: report shows, :func:`calibrated_follow_through`'s defaults. A record with other
#: settings is not read for it (:func:`stored_follow_through` returns None).
RECORD_SETTINGS: dict[str, Any] = {
    "shock": -0.05,
    "beyond": -0.27,
    "n_paths": 400,
    "seed": 0,
    "date_hour": DATE_HOUR,
}

_HOUR = pd.Timedelta(hours=1)
_DAY = pd.Timedelta(days=1)


class NoMarketDate(InputError):
    """No date of the period asked has a market (:func:`follow_through_dates`).

    The one error of :func:`calibrated_follow_through` a caller may read as "nothing to
    run" (a report's date before the first market); every other one (a store that
    cannot be read, a calibration file that cannot be parsed) is the user's to see.

    Parameters
    ----------
    message, file, row, param, line
        As :class:`~liqcascade.errors.InputError`.
    """


def follow_through_dates(
    start: Any,
    end: Any,
    *,
    first: pd.Timestamp,
    last: pd.Timestamp,
    every: int = 1,
) -> pd.DatetimeIndex:
    """The dates of the check: each day from ``start`` to ``end`` at :data:`DATE_HOUR` UTC.

    Parameters
    ----------
    start, end : date-like or None
        First and last day (inclusive; a time of day is ignored). ``None``: the first
        and last day that have a market.
    first, last : Timestamp
        The earliest and latest time (UTC) a market can be dated (the open interest's
        first and last 4-hour close, the hourly prices' last close).
    every : int
        Keep every ``every``-th day, counted from the first day that has a market (so a
        later ``start`` keeps the same days).

    Raises
    ------
    InputError
        When ``start`` is after ``end``; :class:`NoMarketDate` when no date of
        ``[start, end]`` has a market.
    """
    if every < 1:
        raise InputError(f"every must be >= 1 (got {every})", param="every")
    d0 = (first - pd.Timedelta(hours=DATE_HOUR)).ceil("D") + pd.Timedelta(hours=DATE_HOUR)
    d1 = (last - pd.Timedelta(hours=DATE_HOUR)).floor("D") + pd.Timedelta(hours=DATE_HOUR)
    at = pd.Timedelta(hours=DATE_HOUR)
    s = d0 if start is None else to_utc(start, "start", required=True).normalize() + at
    e = d1 if end is None else to_utc(end, "end", required=True).normalize() + at
    if start is not None and end is not None and e < s:
        raise InputError(
            f"end ({e:%Y-%m-%d}) is before start ({s:%Y-%m-%d})", param=("end", "start")
        )
    lo, hi = max(s, d0), min(e, d1)
    if lo > hi:
        raise NoMarketDate(
            f"start/end: {s:%Y-%m-%d} → {e:%Y-%m-%d} holds no date with a market; the "
            f"markets run from {d0:%Y-%m-%d} to {d1:%Y-%m-%d} ({DATE_HOUR}:00 UTC)",
            param=("start", "end"),
        )
    days = pd.date_range(d0, hi, freq="D")
    return pd.DatetimeIndex(days[::every][days[::every] >= lo])


def asset_series(
    kind: str, asset: str, interval: str, what: str, store: Any, *, min_rows: int = 1
) -> pd.DataFrame:
    """``kind`` of ``asset`` through :func:`liqcascade.data.load_series` (store, then bundle).

    An asset without the series (:class:`~liqcascade.data.SeriesNotFound`) is refused
    naming the asset (``param="asset"``, ``what`` the series in words, e.g. "hourly
    prices"); a fault of the store itself (one that cannot be opened, whether given or
    chosen by ``$LIQCASCADE_STORE``, or stored rows refused at read) is raised as it is.
    Fewer than ``min_rows`` rows count as none.
    """
    from liqcascade.data import SeriesNotFound, load_series

    try:
        df = load_series(kind, asset=asset, interval=interval, store=store)
    except SeriesNotFound as exc:
        # only the store and the bundle are read here: no file to give
        msg = str(exc).replace(" or give its file as data_file", "")
        raise InputError(f"asset: no {what} for {asset} ({msg})", param="asset") from None
    except KeyError as exc:
        msg = str(exc.args[0]) if exc.args else str(exc)
        raise InputError(f"asset: no {what} for {asset} ({msg})", param="asset") from None
    if df is None or len(df) < min_rows:
        raise InputError(f"asset: no {what} for {asset}", param="asset")
    return df


def _load_hourly(asset: str, store: Any) -> pd.DataFrame:
    return asset_series("ohlcv", asset, "1h", "hourly prices", store, min_rows=2)


def _check_levels(shock: float, beyond: float, n_paths: int) -> None:
    if not (np.isfinite(shock) and -1.0 < shock < 0.0):
        raise InputError(
            f"shock must be a fall: a negative fraction above -1 (got {shock:g})", param="shock"
        )
    if not (np.isfinite(beyond) and -1.0 < beyond < shock):
        raise InputError(
            f"beyond must be a deeper fall than the shock {shock:g} (got {beyond:g})",
            param="beyond",
        )
    if n_paths < 10:
        raise InputError(f"n_paths must be >= 10 (got {n_paths})", param="n_paths")


def calibrated_follow_through(
    asset: str = "ETH",
    start: Any = None,
    end: Any = None,
    *,
    shock: float = -0.05,
    beyond: float = -0.27,
    n_paths: int = 400,
    seed: int = 0,
    every: int = 1,
    store: Any = None,
    hourly: pd.DataFrame | None = None,
    market_at: Any = None,
    calibration_at: Callable[[pd.Timestamp], Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ModelFollowThrough:
    """The calibrated cascade after ``shock`` on every date, beside history's real falls.

    Parameters
    ----------
    asset : str
        The asset (bundled ETH, BTC; any asset with a market and a liquidity calibration).
    start, end : date-like, optional
        First and last day (inclusive), each at :data:`DATE_HOUR` UTC. Default: every
        day with a market (bundled: 2024-11-23 → 2025-07-31). With ``end``, history
        reads the hourly prices up to ``end`` only (a bare date: the end of that day;
        :func:`liqcascade._time.utc_end`, as :func:`stored_follow_through` cuts them);
        without it, every hourly bar.
    shock : float
        The first fall, a negative fraction of mid (−0.05); history's falls are the real
        4-hour falls at least this deep.
    beyond : float
        The deep level whose chance is compared (−0.27), a negative fraction.
    n_paths : int
        Paths per date (spread over the calibration's parameter draws).
    seed : int
        Each date's paths use ``seed`` plus the date's day count from the first day with
        a market, so a date gets the same paths whatever ``start`` and ``every`` are.
    every : int
        Run every ``every``-th day only (1: every day).
    store : str, Path, bool, optional
        As in :func:`liqcascade.data.load_series` (``None``: the default store if it
        exists; ``False``: bundled data only).
    hourly : pandas.DataFrame, optional
        Hourly OHLC (USD, indexed by bar open, UTC) instead of the asset's series: the
        volatility and residuals known at each date, and history. Pass it cut at a
        date for history to read nothing after it.
    market_at : callable, optional
        ``market_at(ts, mid) -> PreparedMarket | None`` with an optional ``span``
        attribute (first, last 4-hour close of the open interest). Default
        :func:`~liqcascade.cascade._backtest.estimated_market_at`.
    calibration_at : callable, optional
        ``calibration_at(ts) -> Calibration``; default
        :func:`~liqcascade.cascade._clock.load_liquidity` of ``asset`` at ``ts``.
    progress : callable, optional
        ``progress(done, total)`` after each date.

    Returns
    -------
    ModelFollowThrough
        Per date the model's median and 10–90 % total move within 24 h and its share
        of paths reaching ``beyond`` (``dates``, with each date's ``seed``); history's
        falls (``history``); the medians, the chances and the two checks
        (``median_within_2pp``, ``beyond_within_2x``); ``every`` and ``period`` (the
        first and last date asked). Dates whose market cannot be estimated, or whose
        volatility is not known yet, are left out.

    Raises
    ------
    InputError
        On a shock that is not a fall, ``beyond`` not deeper than it, fewer than 10
        paths, ``end`` before ``start``; :class:`NoMarketDate` on a period without a
        market.
    """
    from liqcascade.cascade._backtest import estimated_market_at, ewma_sigma
    from liqcascade.cascade._backtest import standardised_residuals as residuals_of
    from liqcascade.cascade._clock import load_liquidity

    a = asset.upper()
    _check_levels(shock, beyond, n_paths)
    ohlc = _load_hourly(a, store) if hourly is None else hourly
    if market_at is None:
        market_at = estimated_market_at(asset=a, store=store)
    if calibration_at is None:
        calibration_at = lambda ts: load_liquidity(a, ts, store)  # noqa: E731
    idx = pd.DatetimeIndex(ohlc.index)
    span = getattr(market_at, "span", None)
    first = pd.Timestamp(span[0]) if span is not None else idx[0] + _HOUR
    last = idx[-1] + _HOUR
    if span is not None:
        last = min(last, pd.Timestamp(span[1]))
    origin = (first - pd.Timedelta(hours=DATE_HOUR)).ceil("D") + pd.Timedelta(hours=DATE_HOUR)
    asked = follow_through_dates(start, end, first=first, last=last)
    days = follow_through_dates(start, end, first=first, last=last, every=every)
    close = ohlc["close"].to_numpy(dtype=np.float64)
    sig = ewma_sigma(ohlc).to_numpy(dtype=np.float64)
    resid = residuals_of(ohlc)
    rows = []
    for j, ts in enumerate(days):
        n = int(idx.searchsorted(ts - _HOUR, side="right"))  # bars closed by ts
        pm = market_at(ts, float(close[n - 1])) if n >= 2 else None
        s = float(sig[n]) if n < sig.size else _sigma_after(ohlc.iloc[:n])
        if pm is not None and np.isfinite(s):
            k = (ts - origin).days  # the same hour each day: whole days
            row = date_follow_through(
                pm, calibration=calibration_at(ts), sigma=s, residuals=resid[:n],
                shock=shock, beyond=beyond, n_paths=n_paths, seed=seed + k,
            )  # fmt: skip
            rows.append({"ts": ts, **row, "seed": seed + k})
        if progress is not None:
            progress(j + 1, len(days))
    past = ohlc if end is None else ohlc[idx <= utc_end(end)]
    hist = follow_through(past, drop=shock)
    return ModelFollowThrough(
        pd.DataFrame(rows, columns=[*DATE_COLUMNS, "seed"]),
        shock,
        beyond,
        hist,
        asset=a,
        n_paths=n_paths,
        history_span=(pd.Timestamp(past.index[0]), pd.Timestamp(past.index[-1])),
        every=every,
        period=(pd.Timestamp(asked[0]), pd.Timestamp(asked[-1])),
    )


def _sigma_after(bars: pd.DataFrame) -> float:
    """The EWMA hourly volatility once the last bar of ``bars`` has closed (fraction)."""
    from liqcascade.cascade._backtest import hourly_volatility

    return hourly_volatility(bars)[0] if len(bars) > 1 else float("nan")


# --------------------------------------------------------------------------- the stored record


def follow_through_record(m: ModelFollowThrough, *, seed: int) -> dict[str, Any]:
    """``m`` as a liquidity calibration document stores it (its ``follow_through`` key).

    Parameters
    ----------
    m : ModelFollowThrough
        A :func:`calibrated_follow_through` run with ``every = 1`` (every date of its
        period).
    seed : int
        The run's ``seed`` (each date's own is stored in ``dates["seed"]``).

    Returns
    -------
    dict
        The settings (``shock``, ``beyond`` and the dates' ``total_*`` moves as
        fractions of mid; ``n_paths``, ``seed``, ``date_hour`` UTC), the period asked
        (``start``, ``end``: first and last date, ISO), ``n_dates``, and ``dates``: one
        list per column of :data:`~liqcascade.cascade._history.DATE_COLUMNS` and
        ``seed`` (``ts`` ISO, ``mid`` USD, NaN written as null). Floats are stored as
        computed (JSON keeps every digit), so the stored rows are the run's.

    Raises
    ------
    InputError
        When ``m`` skips dates (``every`` above 1) or has no period.
    """
    if m.every != 1 or m.period is None:
        raise InputError(
            f"every: the stored record holds every date (got a run of every {m.every})",
            param="every",
        )
    d = m.dates
    cols: dict[str, list[Any]] = {"ts": [pd.Timestamp(t).isoformat() for t in d["ts"]]}
    for c in DATE_COLUMNS[1:]:
        cols[c] = [float(v) if np.isfinite(v) else None for v in d[c].to_numpy(np.float64)]
    cols["seed"] = [int(v) for v in d["seed"]] if "seed" in d else []
    return {
        "shock": float(m.shock),
        "beyond": float(m.beyond),
        "n_paths": int(m.n_paths),
        "seed": int(seed),
        "date_hour": DATE_HOUR,
        "start": m.period[0].isoformat(),
        "end": m.period[1].isoformat(),
        "n_dates": int(m.n_dates),
        "about": (
            "the calibrated cascade after the shock on every date of the period (at "
            "date_hour UTC): the market of that date and the calibration fitted before "
            "it (calibrated_follow_through; `liqcascade cascade follow-through` "
            "re-computes it)"
        ),
        "dates": cols,
    }


def _last_date(end: Any, idx: pd.DatetimeIndex) -> pd.Timestamp:
    """The last date (at :data:`DATE_HOUR`) of ``end``'s day whose hour has closed in ``idx``."""
    last = idx[-1] + _HOUR  # the last close
    d1 = (last - pd.Timedelta(hours=DATE_HOUR)).floor("D") + pd.Timedelta(hours=DATE_HOUR)
    if end is None:
        return pd.Timestamp(d1)
    e = to_utc(end, "end", required=True).normalize() + pd.Timedelta(hours=DATE_HOUR)
    return pd.Timestamp(min(e, d1))


def _stored_rows(rec: dict[str, Any], where: str) -> pd.DataFrame:
    """The record's ``dates`` as a frame (``ts`` UTC), or InputError naming ``where``."""
    cols = rec.get("dates")
    need = [*DATE_COLUMNS, "seed"]
    if not isinstance(cols, dict) or any(not isinstance(cols.get(c), list) for c in need):
        raise InputError(f"{where}: follow_through.dates needs the lists {', '.join(need)}")
    if len({len(cols[c]) for c in need}) != 1:
        raise InputError(f"{where}: follow_through.dates: the lists differ in length")
    d = pd.DataFrame({c: pd.Series(cols[c], dtype="float64") for c in DATE_COLUMNS[1:]})
    d.insert(0, "ts", pd.to_datetime(pd.Series(cols["ts"], dtype="object"), utc=True))
    d["seed"] = pd.Series(cols["seed"], dtype="int64")
    return d


def _record_date(rec: dict[str, Any], key: str, where: str) -> pd.Timestamp:
    """The record's ``start`` or ``end`` (UTC), or InputError naming ``where``."""
    try:
        return to_utc(rec[key], key, required=True)
    except (KeyError, InputError):
        raise InputError(
            f"{where}: follow_through.{key} must be a date (got {rec.get(key)!r})"
        ) from None


def _same(rec: dict[str, Any], shock: float, beyond: float, n_paths: int, seed: int) -> bool:
    """Whether the record was computed with these settings (and the dates' hour)."""
    try:
        return (
            math.isclose(float(rec["shock"]), shock, rel_tol=0.0, abs_tol=1e-12)
            and math.isclose(float(rec["beyond"]), beyond, rel_tol=0.0, abs_tol=1e-12)
            and int(rec["n_paths"]) == n_paths
            and int(rec["seed"]) == seed
            and int(rec["date_hour"]) == DATE_HOUR
        )
    except (KeyError, TypeError, ValueError):
        return False


def stored_follow_through(
    asset: str = "ETH",
    store: Any = None,
    *,
    end: Any = None,
    hourly: pd.DataFrame | None = None,
    shock: float = -0.05,
    beyond: float = -0.27,
    n_paths: int = 400,
    seed: int = 0,
    extend: bool = False,
) -> ModelFollowThrough | None:
    """The stored :func:`calibrated_follow_through` of ``asset`` up to ``end``, beside history.

    The rows stored with the liquidity calibration (its ``follow_through`` key: the
    store's document first, else the package's, as :func:`load_liquidity` reads them),
    each computed by :func:`calibrated_follow_through` on the data the calibration was
    fitted on: the market of its date and the calibration fitted before it. History is
    computed here from the hourly prices up to ``end`` (cheap).

    Parameters
    ----------
    asset : str
    store : str, Path, bool, optional
        As in :func:`calibrated_follow_through`.
    end : date-like, optional
        The last day (inclusive, at :data:`DATE_HOUR` UTC); the hourly prices are cut at
        the end of that day. Default: every stored date and every hourly bar.
    hourly : pandas.DataFrame, optional
        Hourly OHLC (USD, indexed by bar open, UTC) instead of the asset's series.
    shock, beyond, n_paths, seed
        The settings asked (:func:`calibrated_follow_through`'s defaults): a record
        computed with others is not used.
    extend : bool
        Compute the dates after the record's last one up to ``end`` (prices the record
        was not fitted on) with :func:`calibrated_follow_through` and append them: the
        same rows a whole run would give (a date's paths do not depend on the period).

    Returns
    -------
    ModelFollowThrough or None
        The stored rows up to ``end`` (``every`` 1, ``period`` from the record's first
        date to the last date up to ``end``, ``source`` the document's); None when no
        record is stored, its settings differ from those asked, no stored date lies up
        to ``end``, or the stored mids are not the closes of ``hourly`` at their dates
        (a record computed on other prices).

    Raises
    ------
    InputError
        On a calibration file that cannot be read or a malformed record (names the
        document), or hourly prices that cannot be loaded.
    """
    from liqcascade.cascade._clock import liquidity_document_if_any

    a = asset.upper()
    found = liquidity_document_if_any(a, store)
    if found is None:
        return None
    doc, source = found
    rec = doc.get("follow_through")
    if not isinstance(rec, dict) or not _same(rec, shock, beyond, n_paths, seed):
        return None
    where = source.split(":", 1)[-1]
    rows = _stored_rows(rec, where)
    ohlc = _load_hourly(a, store) if hourly is None else hourly
    if end is not None:
        ohlc = ohlc[ohlc.index <= utc_end(end)]
    if len(ohlc) < 2:
        return None
    idx = pd.DatetimeIndex(ohlc.index)
    hi = _last_date(end, idx)
    rows = rows[rows["ts"] <= hi].reset_index(drop=True)
    if rows.empty:
        return None
    # the stored mids are the closes of these prices at their dates (else other data)
    n = idx.searchsorted(pd.DatetimeIndex(rows["ts"]) - _HOUR, side="right")
    close = ohlc["close"].to_numpy(np.float64)
    if (n < 1).any() or not np.allclose(rows["mid"], close[n - 1], rtol=1e-9, atol=0.0):
        return None
    rec_end = _record_date(rec, "end", where)
    if extend and rec_end < hi:
        try:
            tail = calibrated_follow_through(
                a, rec_end + _DAY, end, shock=shock, beyond=beyond, n_paths=n_paths,
                seed=seed, store=store, hourly=ohlc,
            )  # fmt: skip
        except NoMarketDate:  # no date after the record has a market
            tail = None
        if tail is not None and tail.n_dates:
            rows = pd.concat([rows, tail.dates], ignore_index=True)
            source = f"{source}; computed after {rec_end:%Y-%m-%d}"
        rec_end = hi
    start = _record_date(rec, "start", where)
    return ModelFollowThrough(
        rows[[*DATE_COLUMNS, "seed"]],
        shock,
        beyond,
        follow_through(ohlc, drop=shock),
        asset=a,
        n_paths=n_paths,
        history_span=(pd.Timestamp(idx[0]), pd.Timestamp(idx[-1])),
        every=1,
        period=(start, min(rec_end, hi)),
        source=source,
    )
