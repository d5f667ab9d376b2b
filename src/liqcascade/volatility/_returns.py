"""Price series for volatility work: loading closes and building percent log returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._tables import number_series
from liqcascade._time import check_time_order, to_utc, utc_end
from liqcascade.data import bars_per_day as _bars_per_day
from liqcascade.errors import InputError

INTERVALS: dict[str, float] = {iv: _bars_per_day(iv) for iv in ("1d", "4h", "1h", "30m")}
"""Bars per day of each supported interval (:func:`liqcascade.data.bars_per_day`)."""

DAYS_PER_YEAR = 365.0
"""Crypto trades every day: annualisation uses 365 days (8,760 hours)."""


def bars_per_day(interval: str) -> float:
    """Bars per calendar day at ``interval`` (1 for ``1d``, 24 for ``1h``).

    Parameters
    ----------
    interval : {"1d", "4h", "1h", "30m"}
        Bar interval.

    Raises
    ------
    InputError
        For another interval (``param="interval"``).
    """
    if interval not in INTERVALS:
        raise InputError(
            f"interval must be one of {', '.join(INTERVALS)} (got {interval!r})", param="interval"
        )
    return INTERVALS[interval]


def bars_per_year(interval: str) -> float:
    """Bars per year: 365 daily bars or 8,760 hourly bars.

    Parameters
    ----------
    interval : {"1d", "4h", "1h", "30m"}
        Bar interval.

    Raises
    ------
    InputError
        For another interval (``param="interval"``).
    """
    return DAYS_PER_YEAR * bars_per_day(interval)


def log_returns(
    close: pd.Series, start: Any = None, end: Any = None, *, name: str = "close"
) -> pd.Series:
    """Percent log returns ``100 × diff(log(close))`` over the closes inside ``[start, end]``.

    Parameters
    ----------
    close : pandas.Series
        Closing prices (quote currency, e.g. USDT), indexed by a UTC DatetimeIndex
        (a naive one is read as UTC); a DataFrame gives its ``close`` column.
    start, end : datetime-like, optional
        Inclusive bounds on the closes used. An ``end`` given as a date (``"2024-06-30"``,
        a :class:`datetime.date`) includes that whole day; a time, a
        :class:`pandas.Timestamp` or a :class:`datetime.datetime` is that instant, even
        at midnight (as :func:`liqcascade.events.load_bars` and ``Store.read`` read it).
        ``n`` closes inside the range give ``n − 1`` returns, each stamped at the later
        close (the first close in the range only anchors the first return).
    name : str, default "close"
        The parameter ``close`` was given as, which a refusal of it names (its
        ``param``): a caller's own (``"closes"``).

    Returns
    -------
    pandas.Series
        Returns in percent (at least one), named ``"return_pct"``; ``attrs["asset"]`` is
        ``close``'s (:func:`load_close` sets it) when it has one.

    Raises
    ------
    InputError
        If ``close`` is not a Series of numbers (nor a frame with a ``close`` column),
        its timestamps are not strictly increasing (unsorted or duplicated: the first
        one out of order is named, :func:`liqcascade._time.check_time_order`), a close
        is not a positive finite number, ``start`` is after ``end``, or fewer than two
        closes lie in the range, which give no return (``param`` the bounds given, else
        ``name``: the message names how many closes there are and the span ``close``
        covers).
    """
    return returns_in_range(close, start, end, name=name, short_ok=False)


def returns_in_range(
    close: pd.Series,
    start: Any = None,
    end: Any = None,
    *,
    name: str = "close",
    short_ok: bool = True,
) -> pd.Series:
    """:func:`log_returns`; with ``short_ok`` an empty series for fewer than two closes.

    For the volatility package's callers that count the returns themselves against a
    larger minimum, with their own message or verdict (``too few observations``).
    Parameters as :func:`log_returns`'s.
    """
    full = number_series(close, name, column="close")
    check_time_order(full.index, name)  # sorted here, duplicates made returns of one time
    # the library's one rule (utc_end): a day holds that whole day, a time is an instant;
    # None (NaT) is no bound
    lo, hi = to_utc(start, "start"), utc_end(end, "end")
    if pd.notna(lo) and pd.notna(hi) and lo > hi:
        raise InputError(
            f"start ({lo:%Y-%m-%d}) is after end ({hi:%Y-%m-%d})", param=("start", "end")
        )
    s = full
    if pd.notna(lo):
        s = s[s.index >= lo]
    if pd.notna(hi):
        s = s[s.index <= hi]
    values = s.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        where = s.index[int(np.argmax(bad))]
        raise InputError(
            f"{name} must be a positive number (got {values[bad][0]} at {where})", param=name
        )
    if len(values) < 2 and not short_ok:
        raise _too_short(full, len(values), name, pd.notna(lo), pd.notna(hi))
    r = pd.Series(100.0 * np.diff(np.log(values)), index=s.index[1:], name="return_pct")
    asset = getattr(close, "attrs", {}).get("asset")
    if asset is not None:  # load_close's label, which fit_volatility reports
        r.attrs["asset"] = asset
    return r


def _too_short(full: pd.Series, n: int, name: str, lo: bool, hi: bool) -> InputError:
    """The refusal of fewer than two closes: how many, in what, and the span ``full`` covers."""
    closes = f"{n} close{'' if n == 1 else 's'}"
    if not (lo or hi):
        return InputError(f"{name} is too short: {closes}, and a log return needs 2", param=name)
    if len(full):
        t0, t1 = (pd.Timestamp(t) for t in (full.index[0], full.index[-1]))
        fmt = "%Y-%m-%d" if (t0.floor("1D") == t0 and t1.floor("1D") == t1) else "%Y-%m-%d %H:%M"
        span = f"{name} runs {t0.strftime(fmt)} to {t1.strftime(fmt)}"
    else:
        span = f"{name} is empty"
    bounds = tuple(p for p, given in (("start", lo), ("end", hi)) if given)
    return InputError(
        f"too few closes in the range: {n} (a log return needs 2; {span})", param=bounds
    )


def load_close(
    asset: str = "ETH",
    interval: str = "1d",
    *,
    start: Any = None,
    end: Any = None,
    data_file: str | Path | None = None,
    store: str | Path | None = None,
) -> pd.Series:
    """Closing prices (USDT) of ``asset`` at ``interval``: ``data_file``, store, or bundled.

    Reads through :func:`liqcascade.data.load_series` (precedence: the data file, then
    the store, then the bundled data). The bounds are applied by :func:`log_returns`,
    not here, except to trim what is loaded.

    **Default window: every bar of the data**, to the series' last bar (the bundled
    prices run to 2025-12-31), not the market date. The commands (``liqcascade vol``
    and every other) use the bars closed by the market date by default: the close of
    the asset's last 4-hour open-interest bar, :func:`liqcascade.market.market_close_time`
    (2025-08-01 00:00 UTC for the bundled ETH). To fit what ``liqcascade vol --asset
    ETH`` fits, cut there: ``log_returns(load_close("ETH"), end="2025-07-31")`` (a bare
    ``end`` date holds that whole day: the daily bar opened on it closes at the market
    date), or ``end=market_close_time("ETH") - pd.Timedelta(days=1)`` for daily bars.

    Parameters
    ----------
    asset : str, default "ETH"
        Base asset.
    interval : {"1d", "4h", "1h", "30m"}, default "1d"
        Bar interval.
    start, end : datetime-like, optional
        Range (UTC) of the bars loaded.
    data_file : str or Path, optional
        A user's OHLCV file (any layout :func:`liqcascade.data.read_file` recognises);
        when given it is the only source.
    store : str or Path, optional
        Path of the data store to look in; ``None`` the default store if it exists.

    Returns
    -------
    pandas.Series
        Closes, USDT, on a sorted UTC index (bar opens) without duplicates (the last
        kept), labelled ``attrs["asset"]`` (upper case: :func:`fit_volatility` reports it).

    Raises
    ------
    InputError
        For an unsupported interval, or data that cannot be read.
    """
    from liqcascade.data import load_series

    bars_per_day(interval)  # validates the interval
    df = load_series(
        "ohlcv",
        asset=asset,
        interval=interval,
        start=start,
        end=end,
        data_file=data_file,
        store=store,
    )
    close = df["close"] if isinstance(df, pd.DataFrame) else df
    close = close.astype(float).sort_index()
    if close.index.has_duplicates:
        close = close[~close.index.duplicated(keep="last")]
    close.attrs["asset"] = str(asset).strip().upper()
    return close
