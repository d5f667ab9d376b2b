"""Where the report reads an asset's series: the default store when it holds them, else the bundle.

The rule: a series the default store (``$LIQCASCADE_STORE``, else
``~/.liqcascade/store.duckdb``) holds for the asset is read from the store, merged with the
bundled rows of the same series where the bundle has them (stored rows win,
:func:`liqcascade.data.load_series`); a series the store does not hold is read from the
bundled data. The front page and the data section say which, per series
(:func:`sources`).

An asset the report covers needs its open interest (the estimated book's base), its
hourly and daily prices and the two calibrations (the identified book and the liquidity
response, :mod:`liqcascade._calibrations`): :func:`missing` says what an asset lacks.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["REQUIRED", "missing", "series", "sources", "store_path"]

REQUIRED: tuple[tuple[str, str], ...] = (
    ("open_interest", "4h"),
    ("liquidations", "4h"),
    ("ohlcv", "1h"),
    ("ohlcv", "1d"),
)
"""(kind, interval) of the series every per-asset section reads."""


def store_path() -> Path | None:
    """The default store's file when it exists, else None."""
    from liqcascade.data import default_store_path

    p = default_store_path()
    return p if p.is_file() else None


def _stamp() -> tuple[str, int]:
    p = store_path()
    return ("", 0) if p is None else (str(p), p.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _load(kind: str, asset: str, interval: str, stamp: tuple[str, int]) -> pd.DataFrame:
    from liqcascade.data import load_series

    store: Any = Path(stamp[0]) if stamp[0] else False
    return load_series(kind, asset=asset, interval=interval, store=store)


def series(
    kind: str, asset: str, interval: str, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """One series of ``asset`` (store first, else bundled), read once per process.

    Parameters
    ----------
    kind : {"ohlcv", "open_interest", "liquidations", "funding", "taker"}
        Canonical kind (:func:`liqcascade.data.load_series`).
    asset : str
        Base asset.
    interval : str
        Bar interval (``"1h"``, ``"4h"``, ``"1d"``).
    start, end : datetime-like, optional
        Inclusive bounds (UTC); a date-only ``end`` includes the whole day.

    Returns
    -------
    DataFrame
        A copy, indexed by the bars' UTC open time; ``attrs["source"]`` says where it was
        read (``"store:PATH"``, ``"store:PATH + bundled:NAME"`` or ``"bundled:NAME"``).

    Raises
    ------
    liqcascade.errors.InputError
        If neither the store nor the bundle holds the series.
    """
    a = asset.upper()
    df = _load(kind, a, interval, _stamp())
    if start is not None or end is not None:
        from liqcascade._time import to_utc, utc_end

        idx = pd.DatetimeIndex(df.index)
        keep = pd.Series(True, index=idx)
        if start is not None:
            keep &= idx >= to_utc(start)
        if end is not None:
            keep &= idx <= utc_end(end)
        out = df[keep.to_numpy()].copy()
    else:
        out = df.copy()
    out.attrs = dict(df.attrs)
    return out


def sources(assets: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    """Where each of :data:`REQUIRED` was read for ``assets``: asset, series, source.

    Read here (once per process), so a forked lane's reads need not be collected.
    """
    out = []
    for a in assets:
        for kind, interval in REQUIRED:
            src = str(series(kind, a, interval).attrs.get("source", "bundled"))
            out.append({"asset": a.upper(), "series": f"{kind} {interval}", "source": _short(src)})
    return out


def _short(source: str) -> str:
    """``store:/long/path.duckdb + bundled:x`` -> ``store (path.duckdb) + bundled``."""
    parts = []
    for p in source.split(" + "):
        where, _, name = p.partition(":")
        parts.append(f"store ({Path(name).name})" if where == "store" else where)
    return " + ".join(parts)


def missing(asset: str) -> list[str]:
    """What ``asset`` lacks for the report: series (store or bundle) and calibrations."""
    from liqcascade._calibrations import calibrated_assets
    from liqcascade.errors import InputError

    a = asset.upper()
    out = []
    for kind, interval in REQUIRED:
        try:
            _load(kind, a, interval, _stamp())
        except InputError:
            out.append(f"{kind.replace('_', ' ')} {interval}")
    for kind, what in (("book", "book calibration"), ("liquidity", "liquidity calibration")):
        if a not in calibrated_assets(kind, None if store_path() else False):
            out.append(what)
    return out
