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

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "OPTIONAL",
    "REQUIRED",
    "SECTION_FILES",
    "calibration_sources",
    "file_sources",
    "frame_digest",
    "market_frames",
    "missing",
    "read_sources",
    "series",
    "sources",
    "store_path",
]

REQUIRED: tuple[tuple[str, str], ...] = (
    ("open_interest", "4h"),
    ("liquidations", "4h"),
    ("ohlcv", "1h"),
    ("ohlcv", "1d"),
)
"""(kind, interval) of the series every per-asset section reads."""

OPTIONAL: tuple[str, ...] = ("funding 4h", "taker 4h", "book totals", "long/short")
"""The further series the estimated market reads where the asset has them (the market
layer's :func:`liqcascade.market.load_market_inputs`): funding, taker volume, the futures
order-book totals (required by the market) and the long/short account ratios."""


SECTION_FILES: tuple[tuple[str, str, str, str], ...] = (
    ("contagion", "multi", "Aave v3 reserve parameters", "aave_v3_reserve_params"),
    ("validation", "multi", "Hyperliquid positions", "hyperliquid_positions_2026_02"),
    ("collateral", "USDE", "USDe 1m bars", "usde_1m"),
)
"""The bundled files a section reads directly, beside the per-asset series: (section id,
asset as :func:`liqcascade.datasets.provenance` names it, what the file holds, bundled
name). :func:`file_sources` lists those of the sections that ran."""


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

    # the default store (None: its errors name what chose it), or none when it has no file
    store: Any = None if stamp[0] else False
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


@lru_cache(maxsize=64)
def _optional(what: str, asset: str, stamp: tuple[str, int]) -> pd.DataFrame | None:
    """One of :data:`OPTIONAL` as the market layer reads it (None when the asset has none).

    Only a series nobody holds reads as none (:class:`~liqcascade.data.SeriesNotFound`;
    for book totals, :func:`~liqcascade.data.load_book_totals`'s ``SeriesNotFound``);
    a store that cannot be opened, or stored rows refused at read, raise as they are.
    """
    from liqcascade.data import SeriesNotFound
    from liqcascade.market import book_totals_for, long_short_for

    store: Any = Path(stamp[0]) if stamp[0] else False
    if what == "book totals":
        try:
            return book_totals_for(asset, store)[0]
        except SeriesNotFound:  # nobody holds them; a store's own error reaches the user
            return None
    if what == "long/short":
        df, src = long_short_for(asset, store)  # (None, "none") when nobody holds them
        if df is not None and not df.attrs.get("source"):
            df = df.copy()
            df.attrs["source"] = src
        return df
    kind, interval = what.split()
    try:
        return _load(kind, asset, interval, stamp)
    except SeriesNotFound:
        return None


def _frames(asset: str) -> list[tuple[str, pd.DataFrame]]:
    """``(series name, frame as loaded)`` of every series the report reads for ``asset``."""
    a, stamp = asset.upper(), _stamp()
    out = [(f"{k} {i}", _load(k, a, i, stamp)) for k, i in REQUIRED]
    for what in OPTIONAL:
        df = _optional(what, a, stamp)
        if df is not None:
            out.append((what, df))
    return out


def market_frames(asset: str) -> tuple[pd.DataFrame, dict[str, pd.DataFrame | None]]:
    """The series that set ``asset``'s market date, as the report reads them (once).

    ``(open interest, {"book_totals", "prices", "funding"})`` for
    :func:`liqcascade.data.market_date`: the same reads as :func:`sources` lists.
    """
    a, stamp = asset.upper(), _stamp()
    return _load("open_interest", a, "4h", stamp), {
        "book_totals": _optional("book totals", a, stamp),
        "prices": _load("ohlcv", a, "1h", stamp),
        "funding": _optional("funding 4h", a, stamp),
    }


def sources(assets: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    """Where each series the report reads was read for ``assets``: asset, series, source.

    :data:`REQUIRED`, then the :data:`OPTIONAL` series the asset has. Read here (once per
    process), so a forked lane's reads need not be collected.
    """
    return [
        {"asset": a.upper(), "series": name, "source": _short(str(df.attrs.get("source", "")))}
        for a in assets
        for name, df in _frames(a)
    ]


def frame_digest(df: pd.DataFrame) -> str:
    """SHA-256 (hex) of a frame's rows, index and column names as loaded (no file I/O).

    :func:`pandas.util.hash_pandas_object` of the rows (index included), with the
    column names and dtypes: the same rows give the same digest wherever they were read.
    """
    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()


def calibration_sources(assets: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    """The calibration files the report uses for ``assets``: asset, series, source, sha256.

    The identified book's and the liquidity response's
    (:func:`liqcascade._calibrations.find_calibration`: the default store's own, else the
    package's); ``sha256`` hashes the parsed document (keys sorted). An asset without
    one (:class:`~liqcascade.errors.CalibrationNotFound`) has no row; a calibration
    file that cannot be read or parsed raises (it names the file).
    """
    from liqcascade._calibrations import CALIBRATION_KINDS, find_calibration
    from liqcascade.data import source_parts
    from liqcascade.errors import CalibrationNotFound

    store: Any = store_path() or False
    out = []
    for a in (x.upper() for x in assets):
        for kind in CALIBRATION_KINDS:
            try:
                cal = find_calibration(kind, a, store)
            except CalibrationNotFound:  # the asset has none: no row
                continue
            where, name, _ = source_parts(cal.source)[0]
            if where == "store":
                f = Path(name)
                text = f"store ({f.parent.parent.name}/{kind}/{f.name})"
            else:
                text = f"package ({CALIBRATION_KINDS[kind][0].replace('.', '/')}/{name})"
            digest = hashlib.sha256(json.dumps(cal.doc, sort_keys=True).encode()).hexdigest()
            out.append(
                {"asset": a, "series": f"{kind} calibration", "source": text, "sha256": digest}
            )
    return out


def read_sources(assets: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    """Every source the report reads for ``assets``, with the SHA-256 of what was read.

    The series (:func:`sources`, each frame hashed as loaded by :func:`frame_digest`)
    and the calibration files (:func:`calibration_sources`).
    """
    rows = [
        {**r, "sha256": frame_digest(df)}
        for a in assets
        for r, (_, df) in zip(sources([a]), _frames(a), strict=True)
    ]
    return rows + calibration_sources(assets)


def _bundled_file(name: str) -> str:
    """The file name of bundled dataset ``name`` (the Aave parameters are a JSON file)."""
    from liqcascade.data.bundled import AAVE_RESERVE_PARAMS_FILE, DATASETS

    return AAVE_RESERVE_PARAMS_FILE if name == "aave_v3_reserve_params" else DATASETS[name].file


def file_sources(section_ids: Iterable[str]) -> list[dict[str, str]]:
    """The bundled files the sections ``section_ids`` read directly, with their SHA-256.

    One row per file of :data:`SECTION_FILES` whose section ran (``validation-btc`` is
    the validation section): asset, series (what the file holds), source
    (``bundled (FILE)``) and ``sha256`` of the file's bytes, as :func:`read_sources`'
    rows. The bundle's files are part of the data fingerprint already: these rows add
    nothing to it.

    Parameters
    ----------
    section_ids : iterable of str
        Ids of the sections that ran (``"contagion"``, ``"validation-btc"``).

    Returns
    -------
    list of dict
        Keys ``asset``, ``series``, ``source``, ``sha256``; in :data:`SECTION_FILES`' order.
    """
    from importlib.resources import files

    ran = {str(s).split("-")[0] for s in section_ids}
    root = files("liqcascade.data.bundled") / "_files"
    out = []
    for sid, asset, what, name in SECTION_FILES:
        if sid not in ran:
            continue
        f = _bundled_file(name)
        digest = hashlib.sha256((root / f).read_bytes()).hexdigest()
        out.append({"asset": asset, "series": what, "source": f"bundled ({f})", "sha256": digest})
    return out


def _short(source: str) -> str:
    """``store:/long/path.duckdb + bundled:x`` -> ``store (path.duckdb) + bundled``."""
    from liqcascade.data import source_parts

    return " + ".join(
        f"store ({Path(p.name).name})" if p.where == "store" else p.where
        for p in source_parts(source)
    )


def missing(asset: str) -> list[str]:
    """What ``asset`` lacks for the report: series (store or bundle) and calibrations.

    A series is lacking when nobody holds it (:class:`~liqcascade.data.SeriesNotFound`);
    a store that cannot be opened, or stored rows refused at read, raise as they are.
    """
    from liqcascade._calibrations import calibrated_assets
    from liqcascade.data import SeriesNotFound

    a = asset.upper()
    out = []
    for kind, interval in REQUIRED:
        try:
            _load(kind, a, interval, _stamp())
        except SeriesNotFound:
            out.append(f"{kind.replace('_', ' ')} {interval}")
    for kind, what in (("book", "book calibration"), ("liquidity", "liquidity calibration")):
        if a not in calibrated_assets(kind, None if store_path() else False):
            out.append(what)
    return out
