"""Readers: open any supported file and return canonical, validated series.

Files are opened by content (magic bytes): ``.gz`` and ``.zip`` are read
transparently; Parquet, CSV (with or without header) and JSON (ccxt-shaped lists) are
supported. Which layout a file has, and how each layout is read, is the registry of
:mod:`liqcascade.data._layouts`; this module splits the series a file holds (by venue
and symbol), labels them and validates them.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._paths import read_parquet_bytes
from liqcascade._symbols import contract_symbol
from liqcascade._tables import (
    PARQUET_ERRORS,
    check_parse_memory,
    check_short_lines,
    decode_utf8,
    decompress,
    float32_as_decimal,
    is_headerless,
    is_utf16,
    norm_column,
    read_decimal_commas,
    sniff_separator,
)
from liqcascade.data._columns import first_of, num
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._funding_units import declared_units, funding_units_option
from liqcascade.data._kinds import kind_of, public_kind
from liqcascade.data._layout import Layout
from liqcascade.data._layouts import HEADER_AS_WRITTEN, LAYOUTS, SYMBOL_COLUMNS, detect
from liqcascade.data._long_short_layouts import check_measure
from liqcascade.data._time import (
    format_interval,
    infer_interval,
    interval_ms,
    parse_times,
)
from liqcascade.data._validate import check_funding_units, validate
from liqcascade.errors import InputError

__all__ = [
    "LAYOUTS",
    "IntervalMismatch",
    "norm_column",
    "read_file",
    "read_raw",
    "series_from_raw",
]

#: Time columns, in order of preference (normalised names).
_TIME_COLUMNS = (
    "ts",
    "open_time",
    "timestamp",
    "time",
    "calc_time",
    "create_time",
    "datetime",
    "date",
    "datetime_utc",
    "date_utc",
    "t",
)

#: A column naming a bar's close or end time (``close_time``, ``end_date``): never a label.
_CLOSE_TIME = re.compile(r"(^|_)(close|end)(_|$)")

# -- opening --------------------------------------------------------------------------------
# gzip / zip layers are undone by :func:`liqcascade._tables.decompress`, shared with the
# table reader of positions, books and stops.


def read_raw(path: str | Path) -> tuple[pd.DataFrame, bool]:
    """Read a file to a raw frame with normalised column names.

    Returns
    -------
    (pandas.DataFrame, bool)
        The frame (columns lower-case snake; headerless files get positional names;
        ``attrs["header_as_written"]``: normalised name -> the file's) and whether the
        file had no header.
    """
    p = Path(path)
    name = str(path)
    try:
        if p.is_file():
            check_parse_memory(p.stat().st_size, name)
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    data, _ = decompress(data, name)
    if not data.strip():
        raise InputError(f"{name}: empty file")
    headerless = False
    if data[:4] == b"PAR1":
        try:
            df = float32_as_decimal(read_parquet_bytes(data))
        except PARQUET_ERRORS as exc:  # a damaged file; a bug of ours still surfaces
            raise InputError(f"{name}: unreadable Parquet: {exc}") from exc
        df = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
    elif data.lstrip()[:1] in (b"[", b"{"):
        df, headerless = _read_json(data, name)
    else:
        df, headerless = _read_csv(data, name)
    if not headerless:
        written = {norm_column(c): str(c) for c in df.columns}
        df.columns = pd.Index([norm_column(c) for c in df.columns])
        # the header as the file writes it, for messages naming the columns seen
        df.attrs[HEADER_AS_WRITTEN] = written
        if df.columns.duplicated().any():
            dups = sorted(set(df.columns[df.columns.duplicated()]))
            raise InputError(f"{name}: duplicate column names: {', '.join(dups)}")
    return df, headerless


def _read_json(data: bytes, name: str) -> tuple[pd.DataFrame, bool]:
    try:
        obj = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: not valid JSON: {exc}") from exc
    if isinstance(obj, dict):
        for key in ("data", "result", "rows"):
            if isinstance(obj.get(key), list):
                obj = obj[key]
                break
        else:
            raise InputError(f"{name}: JSON object without a list of rows (keys: {list(obj)})")
    if not isinstance(obj, list) or not obj:
        raise InputError(f"{name}: JSON must be a non-empty list of rows")
    if all(isinstance(r, list | tuple) for r in obj):
        width = {len(r) for r in obj}
        if len(width) != 1:
            raise InputError(f"{name}: JSON rows of different lengths {sorted(width)}")
        return pd.DataFrame(obj), True
    if all(isinstance(r, dict) for r in obj):
        rows = [{k: v for k, v in r.items() if not isinstance(v, dict | list)} for r in obj]
        return pd.DataFrame(rows), False
    raise InputError(f"{name}: JSON rows must be all lists or all objects")


def _read_csv(data: bytes, name: str) -> tuple[pd.DataFrame, bool]:
    try:  # partial: a character cut at the 4,096-byte mark is not an error
        text_head = decode_utf8(data[:4096], name, partial=True)
    except InputError:  # decode_utf8's line names another encoding or UTF-16: kept
        if b"\x00" not in data[:4096] or is_utf16(data[:4096]):
            raise
        raise InputError(f"{name}: not a text, Parquet, gzip or zip file") from None
    first = text_head.splitlines()[0] if text_head.splitlines() else ""
    sep = sniff_separator(first)
    headerless = is_headerless(first, sep)
    check_short_lines(data, sep, name, headerless=headerless)  # before pandas: its own count
    try:
        df = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None if headerless else 0,
            encoding="utf-8-sig",
            low_memory=False,
        )
    except UnicodeDecodeError as exc:  # past the head: name the byte in the file, not the chunk
        decode_utf8(data, name)  # raises
        raise InputError(f"{name}: malformed CSV: {exc}") from exc  # pragma: no cover
    except (pd.errors.ParserError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0]
        if "Calling read(nbytes) on source failed" in msg:
            # reading bytes in memory fails only when the (Python-level) utf-8-sig
            # decoder is stopped: Ctrl-C, which pandas turns into this ParserError
            raise KeyboardInterrupt from exc
        m = re.search(r"line (\d+)", msg)
        if m:
            line = int(m.group(1))
            row = line - (0 if headerless else 1)
            raise InputError(
                f"malformed CSV (file line {line}): {msg}", file=name, row=row
            ) from exc
        raise InputError(f"{name}: malformed CSV: {msg}") from exc
    if df.empty:
        raise InputError(f"{name}: no data rows")
    return read_decimal_commas(df, sep), headerless


# -- helpers ---------------------------------------------------------------------------------
def _time_col(df: pd.DataFrame, name: str, prefer: str | None = None) -> str:
    if prefer is not None and prefer in df.columns:
        return prefer
    for c in _TIME_COLUMNS:
        if c in df.columns:
            return c
    named = [c for c in df.columns if "time" in c or "date" in c]
    for c in named:
        if not _CLOSE_TIME.search(c):
            return c
    if named:  # read as open times, every bar would move one interval later
        raise InputError(
            f"{name}: the only time column, {named[0]!r}, is each bar's close time: bars are "
            "labelled by their open time; give an open-time column (ts, open_time)"
        )
    raise InputError(f"{name}: no time column (columns seen: {', '.join(map(str, df.columns))})")


# -- reading ---------------------------------------------------------------------------------
def read_file(
    path: str | Path,
    *,
    kind: str | None = None,
    venue: str | None = None,
    symbol: str | None = None,
    interval: str | None = None,
    drop_missing: bool = False,
    measure: str | None = None,
    funding_units: str | None = None,
) -> list[SeriesFrame]:
    """Read one file into validated canonical series (one per venue/symbol it holds).

    Parameters
    ----------
    path : str or Path
        CSV, Parquet or JSON, plain, ``.gz`` or ``.zip`` (one member). The layout is
        recognised from the content (see :data:`LAYOUTS`).
    kind : str, optional
        Force the kind when the content is ambiguous (e.g. OHLC without volume).
    venue, symbol : str, optional
        Series labels; override what the file says. When the file holds several symbols,
        ``symbol`` selects one of them.
    interval : str, optional
        Bar interval label; inferred from the timestamps when not given.
    drop_missing : bool, default False
        Leave out the rows missing a required value (an empty cell) instead of refusing
        the file; they are counted (``SeriesFrame.dropped_rows``) and named in one
        warning. See :func:`liqcascade.data.validate`.
    measure : {"global_account", "top_account", "top_position"}, optional
        Which ratio a Binance API long/short file holds (its content does not say);
        by default read from the file name (the endpoint's name, e.g.
        ``globalLongShortAccountRatio``, or the measure's). Only for that layout.
    funding_units : {"fraction", "percent"}, optional
        The units of a funding file's rate column as written, per interval: a fraction
        (0.0001 = 0.01 %, read as it is) or percent (0.01 = 0.01 %, divided by 100).
        Given, the rates are not judged from their values (an altcoin pinned at its
        venue's cap for days is refused as percent without it); the row bound still
        applies. By default each layout's own units (percent for CoinGlass's funding
        OHLC, whose ``"fraction"`` is refused as a contradiction; fractions for the
        others), judged (:func:`~liqcascade.data._funding_units.check_funding_units`).
        Only for funding files.

    Returns
    -------
    list of SeriesFrame
        Each validated (sorted, agreeing duplicates dropped, gaps counted). Their
        ``warnings`` name what to look at; their ``notes`` the layout's documented
        conversions.

    Raises
    ------
    InputError
        Unrecognised layout (naming the columns seen), or the first invalid row.
    """
    raw, headerless = read_raw(path)
    return series_from_raw(
        raw,
        headerless,
        str(path),
        kind=kind,
        venue=venue,
        symbol=symbol,
        interval=interval,
        drop_missing=drop_missing,
        measure=measure,
        funding_units=funding_units,
    )


#: The longest venue or symbol label a series may carry (characters): ``ETH/USDT:USDT``
#: is 13; a longer one is a misread cell, not a market's name.
MAX_LABEL = 64

_LABEL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _check_label(what: str, label: str, name: str, row: int | None) -> None:
    """Refuse a venue or symbol label no market carries: a control character, too long.

    ``row`` is the first data row of the label's series when the file's column gave it,
    None when the caller's option did (the error then names the option).
    """
    problem = None
    if _LABEL_CONTROL.search(label):
        problem = "holds a control character (a newline, a tab, an escape)"
    elif len(label) > MAX_LABEL:
        problem = f"is {len(label):,} characters long (at most {MAX_LABEL})"
    if problem is None:
        return
    shown = repr(label if len(label) <= 40 else label[:40] + "…")
    if row is None:
        raise InputError(f"{what} {shown} {problem}", file=name, param=what)
    raise InputError(f"{what} {shown} {problem}", file=name, row=row)


def _check_venue(venue: str, layout: Layout, name: str) -> None:
    """Refuse a ``venue`` other than the one a venue's own layout fixes.

    A venue's export (Binance's bookDepth, metrics, fundingRate, liquidationSnapshot and
    API long/short ratios; OKX's liquidation orders; Hyperliquid's daily liquidations)
    holds that venue's sizes, contracts and times: labelled as another venue, its series
    would be stored as that venue's. The same venue in any case is accepted (and stored
    under the layout's label); a layout that fixes no venue (klines, CoinGlass, a generic
    table) takes any label.
    """
    fixed = layout.venue
    if fixed is None or venue.strip().lower() == fixed:
        return
    _check_label("venue", venue, name, None)  # a control character: that refusal first
    raise InputError(
        f"venue {venue}: the file is {LAYOUTS.get(layout.name, layout.name)}, whose venue is "
        f"{fixed} (its sizes are that venue's): leave it out or give {fixed}",
        file=name,
        param="venue",
    )


def _columns_as_written(raw: pd.DataFrame, values: dict[str, Any]) -> dict[str, str]:
    """Canonical column -> the file's header, for the numbers a layout reads as they are.

    A built column keeps the name of the raw column it came from (:func:`num`); it is
    the file's column *as is* when its values are that column's numbers, unchanged
    (CoinGlass's ``close`` as ``oi_usd``). A column computed from it (a rate in percent
    divided by 100, a product) keeps the canonical name: a value the message quotes is
    then the canonical one.
    """
    written = raw.attrs.get(HEADER_AS_WRITTEN, {})
    out: dict[str, str] = {}
    for canon, v in values.items():
        if not isinstance(v, pd.Series) or not pd.api.types.is_float_dtype(v.dtype):
            continue
        src = v.name
        if not isinstance(src, str) or src not in raw.columns or src == canon:
            continue
        same = np.array_equal(
            np.asarray(v, dtype=np.float64), num(raw, src).to_numpy(), equal_nan=True
        )
        if same:
            out[canon] = str(written.get(src, src))
    return out


def series_from_raw(
    raw: pd.DataFrame,
    headerless: bool,
    name: str,
    *,
    kind: str | None = None,
    venue: str | None = None,
    symbol: str | None = None,
    interval: str | None = None,
    drop_missing: bool = False,
    measure: str | None = None,
    units_known: bool = False,
    funding_units: str | None = None,
) -> list[SeriesFrame]:
    """Recognise the layout of a raw frame and return its validated canonical series.

    Parameters are those of :func:`read_file`; ``raw`` has normalised column names
    (or positional ones when ``headerless``) and ``name`` labels messages.
    ``units_known``: the source's contract fixes the units (a venue's API through ccxt),
    so funding rates are not judged from their values (:class:`SeriesFrame`).
    """
    units = funding_units_option(funding_units)
    want = kind_of(kind).name if kind is not None else None
    if interval is not None:
        interval_ms(interval)  # validates the label
    if measure is not None:
        measure = check_measure(measure)
    layout = detect(raw, headerless, name, want, measure)
    if measure is not None and not layout.takes_measure:
        raise InputError(
            f"measure is for Binance's long/short ratio files (longShortRatio, longAccount, "
            f"shortAccount); the file is {LAYOUTS.get(layout.name, layout.name)}",
            file=name,
            param="measure",
        )
    if units is not None and layout.kind != "funding":
        raise InputError(
            f"funding_units is for funding files; the file is "
            f"{LAYOUTS.get(layout.name, layout.name)}, which holds {public_kind(layout.kind)}",
            file=name,
            param="funding_units",
        )
    if layout.check is not None:
        layout.check(raw, name)
    if want is not None and layout.kind != want:
        ok = want == "liquidations" and layout.kind == "liquidation_events"
        if not ok:
            raise InputError(
                f"kind {want}: the file is {LAYOUTS.get(layout.name, layout.name)}, "
                f"which holds {public_kind(layout.kind)}",
                file=name,
                param="kind",
            )
    if venue is not None and layout.venue is not None:
        _check_venue(venue, layout, name)
        venue = layout.venue  # the venue's own label, as its file implies it ("OKX" -> okx)
    tcol = _time_col(raw, name, layout.time)
    time_notes: list[str] = []  # a day-first (or spacing-told) reading of day/month dates
    ts = parse_times(raw[tcol], name, tcol, time_notes)
    if len(ts) and ts.isna().all():  # nothing to infer an interval from, nothing to store
        raise InputError(f"{name}: the time column {tcol!r} is empty: no row has a time")
    values = layout.build(raw)
    as_written = _columns_as_written(raw, values)
    # the file's column a funding rate came from (the values keep the raw column's name)
    rate_col = str(getattr(values.get("rate"), "name", None) or "rate")
    frame = pd.DataFrame({"ts": ts, **values})
    frame["_row"] = np.arange(1, len(raw) + 1, dtype=np.int64)
    kind_name = layout.kind

    # Split by venue / symbol columns found in the content.
    vcol = first_of(raw, "venue", "exchange")
    scol = first_of(raw, *SYMBOL_COLUMNS)
    if scol is not None:
        frame["_symbol"] = raw[scol].astype("string").str.strip().to_numpy()
    if vcol is not None:
        frame["_venue"] = raw[vcol].astype("string").str.strip().str.lower().to_numpy()
    dropped: list[str] = []
    if layout.reshape is not None:
        frame, dropped = layout.reshape(raw, frame)
    named = symbol_from_name(name) if symbol is None and scol is None else None
    if named is not None and named != "ETHUSDT":
        symbol = named  # the file name says which market (e.g. BTCUSDT_1d.csv)
    groups: list[tuple[str, str, pd.DataFrame]] = []
    keys = [c for c in ("_venue", "_symbol") if c in frame.columns]
    if keys:
        if frame[keys].isna().any().any():
            bad = int(frame.loc[frame[keys].isna().any(axis=1), "_row"].min())
            raise InputError(f"{'/'.join(k[1:] for k in keys)} is missing", file=name, row=bad)
        for key, g in frame.groupby(keys, sort=True):
            kt = key if isinstance(key, tuple) else (key,)
            d = dict(zip(keys, kt, strict=True))
            groups.append(
                (
                    str(d.get("_venue", venue or layout.venue or "unknown")),
                    str(d.get("_symbol", symbol or "ETHUSDT")),
                    g.drop(columns=keys),
                )
            )
    else:
        groups.append((venue or layout.venue or "unknown", symbol or "ETHUSDT", frame))

    if symbol is not None and "_symbol" in keys:
        chosen = [g for g in groups if g[1].upper() == symbol.upper()]
        if len({g[1] for g in groups}) > 1:
            if not chosen:
                held = ", ".join(sorted({g[1] for g in groups}))
                raise InputError(
                    f"symbol {symbol}: the file holds {held}", file=name, param="symbol"
                )
            groups = chosen
        else:
            groups = [(v, symbol, f) for v, _, f in groups]
    if venue is not None:
        groups = [(venue, s, f) for _, s, f in groups]
    for v, sym, f in groups:
        first = int(f["_row"].min()) if len(f) else None  # the series' first data row
        _check_label("venue", v, name, None if venue is not None else first)
        _check_label("symbol", sym, name, None if symbol is not None else first)

    # notes: the layout's documented conversions; warnings: what the user should look at
    notes = [f"{name}: {n}" for n in layout.notes] + time_notes
    warnings = [f"{name}: {n}" for n in dropped]
    if layout.venue_hint is not None and venue is None and vcol is None:
        warnings.append(f"{name}: {layout.venue_hint}")
    if named is not None:  # ETHUSDT too: the name said so, nothing for the user to check
        notes.append(f"{name}: no symbol in the file; labelled {named} from the file name")
    elif symbol is None and "_symbol" not in keys:
        warnings.append(
            f"{name}: no symbol in the file; labelled ETHUSDT (give the symbol if it is "
            "another market)"
        )
    out: list[SeriesFrame] = []
    refused: list[InputError] = []  # each series' refusal of a row: the file's first is raised
    for v, sym, f in groups:
        if layout.for_venue is not None:
            f, note = layout.for_venue(v, f)
            notes += [f"{name}: {note}"] if note else []
        seen = infer_interval(pd.DatetimeIndex(f["ts"].dropna().unique()))
        if interval is not None and kind_name != "liquidation_events":
            _check_declared_interval(interval, seen, name, v, sym)
        declared_ms = interval_ms(interval) if interval is not None else None
        # a declared interval is stored under its canonical label (60m -> 1h)
        iv = (
            seen
            if interval is None
            else (format_interval(declared_ms) if declared_ms else interval)
        )
        if kind_name == "funding" and "interval_hours" not in f.columns:
            step = interval_ms(iv)
            if step is None:
                raise InputError(
                    "interval must be given (e.g. 8h): cannot infer the funding interval "
                    "from a single timestamp",
                    file=name,
                    param="interval",
                )
            f = f.assign(interval_hours=step / 3_600_000.0)
        # rows without a time, refused by validate (naming the first), are the fault
        # before the interval they leave too few times to infer
        untimed = not drop_missing and bool(f["ts"].isna().any())
        if kind_name == "liquidation_events":
            iv = "events"
        elif iv == "events" and kind_name != "depth" and not untimed:
            raise InputError(
                "interval must be given (e.g. 1h): cannot infer the bar interval from a "
                "single timestamp",
                file=name,
                param="interval",
            )
        judged, declared = None, []  # a warning of the rates judged; how declared ones read
        if kind_name == "funding" and units is not None:  # the caller's word, not judged
            f, note = declared_units(f, layout, units, name)
            declared = [f"{name}: {note}"]
        elif kind_name == "funding" and not units_known:  # CoinGlass's percent too, ÷ 100
            judged = check_funding_units(f, name, rate_col, divided=layout.percent_rates)
        sf = SeriesFrame(
            kind=kind_name,
            venue=v,
            symbol=sym,
            interval=iv,
            frame=f.reset_index(drop=True),
            file=name,
            layout=layout.name,
            warnings=[*warnings, *([judged] if judged else [])],
            notes=[*notes, *declared],
            units_known=True,  # judged above, declared, or fixed by the source
            columns_as_written=as_written,
        )
        try:
            out.append(validate(sf, drop_missing=drop_missing))
        except InputError as exc:  # a file split by symbol: its first bad row, not a series'
            if exc.row is None:
                raise
            refused.append(exc)
    if refused:
        raise min(refused, key=lambda e: e.row or 0)
    return out


_KNOWN_BASES = {
    "BTC", "XBT", "ETH", "SOL", "XRP", "BNB", "DOGE", "ADA", "AVAX", "LINK", "LTC", "DOT",
    "TRX", "MATIC", "ARB", "OP", "SUI", "TON", "HYPE", "BCH", "ETC", "NEAR", "APT", "PEPE",
}  # fmt: skip
_PAIR = re.compile(r"^([A-Z0-9]{2,12}?)(USDT|USDC|BUSD|FDUSD|USD)$")


def symbol_from_name(name: str) -> str | None:
    """The market a file's name names (``BTCUSDT_1d.csv`` -> ``BTCUSDT``), or None.

    A word of the name (split at anything not a letter or digit) that is a pair such as
    ``BTCUSDT`` / ``ETHUSD``, or a known base asset (``btc``, ``ETH``…), names the
    market; the symbol is ``<BASE>USDT``. A name naming two different assets is an
    :class:`InputError` asking for ``--symbol``.
    """
    words = [w for w in re.split(r"[^A-Za-z0-9]+", Path(name).name.upper()) if w]
    bases: list[str] = []
    for w in words:
        m = _PAIR.match(w)
        b = m.group(1) if m else (w if w in _KNOWN_BASES else None)
        if b is not None and b not in ("USDT", "USDC", "USD"):
            b = "BTC" if b == "XBT" else b
            if b not in bases:
                bases.append(b)
    if not bases:
        return None
    if len(bases) > 1:
        raise InputError(
            f"symbol: the file name names {' and '.join(bases)}; give the symbol",
            file=name,
            param="symbol",
        )
    return contract_symbol(bases[0])


class IntervalMismatch(InputError):
    """A file's bars are not the interval asked: ``declared`` given, ``seen`` in the file.

    A caller that asked for ``declared`` as its default (the user gave none) words it
    so.

    Parameters
    ----------
    message : str
        As :class:`~liqcascade.errors.InputError` (its ``param`` is ``"interval"``).
    file : str
        The file read.
    declared : str
        The interval asked (``"1d"``).
    seen : str
        The file's: its timestamps' most common step (``"1h"``).
    """

    def __init__(self, message: str, *, file: str, declared: str, seen: str) -> None:
        super().__init__(message, file=file, param="interval")
        self.declared, self.seen = declared, seen


def _check_declared_interval(declared: str, seen: str, name: str, venue: str, symbol: str) -> None:
    """``interval`` must be the step the timestamps show (their most common step)."""
    step = interval_ms(seen) if seen != "events" else None
    if step is None:
        return  # one timestamp: nothing to check against
    if interval_ms(declared) != step:
        where = f" ({venue} {symbol})" if venue != "unknown" else ""
        raise IntervalMismatch(
            f"interval {declared}: the timestamps{where} are {seen} apart (their most common "
            f"step); give {seen}, or leave it out",
            file=name,
            declared=declared,
            seen=seen,
        )
