"""Store operations behind ``liqcascade data``: ingest files, list, export, fetch.

Each is one call with every check made here (errors name the parameter, ``param=``);
the command line only parses its options, calls one of these and prints the result.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._paths import check_output_file, staged_file
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._funding_units import funding_units_option
from liqcascade.data._kinds import KINDS, PUBLIC_KINDS, kind_of, public_kind
from liqcascade.data._layouts import NoTakerClose
from liqcascade.data._market_date import ingest_warnings
from liqcascade.data._readers import read_raw, series_from_raw
from liqcascade.data._series import check_reference_levels, competing_series
from liqcascade.data._store import (
    IngestInterrupted,
    IngestResult,
    Store,
    default_store_path,
    default_store_source,
    ingest_chunk_rows,
    is_interrupt,
)
from liqcascade.data._taker_close import add_hour_closes
from liqcascade.data._time import format_interval, gap_fields, interval_ms
from liqcascade.data._validate import MissingValueError
from liqcascade.errors import InputError

__all__ = ["export_series", "fetch_into_store", "ingest_files", "list_store", "store_path"]


def store_path(store: str | Path | None = None, *, must_exist: bool = False) -> Path:
    """The store file: ``store``, else :func:`default_store_path`.

    With ``must_exist`` a missing file is an :class:`InputError` naming where the path
    came from: ``store`` (``param``), or ``$LIQCASCADE_STORE``, or the default store.
    """
    path = Path(store) if store is not None else default_store_path()
    if must_exist and not path.exists():
        if store is not None:
            raise InputError(f"store: {path}: no such store", param="store")
        raise InputError(
            f"{default_store_source()}: {path}: no such store (nothing was ingested there)"
        )
    return path


def _kind(name: str) -> str:
    """The canonical kind of ``name``, or an InputError naming ``kind``."""
    try:
        return kind_of(name, option="kind").name
    except InputError as exc:
        raise InputError(str(exc), param="kind") from None


def ingest_files(
    files: Sequence[str | Path],
    *,
    kind: str | None = None,
    venue: str | None = None,
    symbol: str | None = None,
    interval: str | None = None,
    store: str | Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    drop_missing: bool = False,
    measure: str | None = None,
    funding_units: str | None = None,
) -> tuple[IngestResult, Path]:
    """Read market files and add them to the store in one transaction.

    Every file is read and validated before the store is opened: a bad file leaves
    the store untouched (and uncreated). A store another process holds is waited for
    first (:meth:`Store.wait_writable`), so a busy store fails before the reading,
    and again when the rows go in.

    Parameters
    ----------
    files : sequence of path
        CSV/Parquet/JSON files, plain, .gz or .zip (layout recognised by content).
    kind, venue, symbol, interval : str, optional
        Override what the files say (see :func:`liqcascade.data.read_file`).
    store : path, optional
        The DuckDB store (default :func:`default_store_path`).
    on_progress : callable, optional
        ``(rows_inserted, rows_total)`` while inserting.
    drop_missing : bool, default False
        Leave out rows missing a required value (counted per series, ``rows_dropped``,
        and named in one warning each) instead of refusing the file; by default such a
        row refuses the call, the message naming the file, the row and this option.
    measure : str, optional
        The measure of Binance API long/short ratio files (see :func:`read_file`).
    funding_units : {"fraction", "percent"}, optional
        The units of the funding files' rate column as written (see :func:`read_file`):
        declared, the rates are not judged from their values, and are stored as a
        fraction per interval like every other (``Store.ingest`` does not judge them
        again). Every file must then be a funding file.

    Returns
    -------
    (IngestResult, Path)
        What was added (``files``, ``series``, ``warnings`` and ``notes`` filled in),
        and the store.

    Raises
    ------
    IngestInterrupted
        Ctrl-C, saying whether anything was stored (see :meth:`Store.ingest`).
    StoreBusy
        Another process held the store for longer than ``$LIQCASCADE_STORE_WAIT_S``.
    """
    if kind is not None:
        _kind(kind)
    funding_units_option(funding_units)  # a bad value before any file is read
    for name, label in (("venue", venue), ("symbol", symbol), ("interval", interval)):
        if label is not None and not label.strip():  # "" would silently mean the default
            raise InputError(f"{name} must not be empty (leave it out for the file's own)",
                             param=name)  # fmt: skip
    ingest_chunk_rows()  # a bad $LIQCASCADE_INGEST_CHUNK is refused before any file is read
    for f in files:
        p = Path(f)
        if not p.is_file():
            raise InputError("not a file" if p.exists() else "no such file", file=str(p))
    # a store another process holds: waited for (or StoreBusy) before the files are
    # read, not after; nothing is held while they are
    Store(store).wait_writable()
    series = []
    for f in files:
        p = Path(f)
        try:
            series.extend(_read(p, store, kind=kind, venue=venue, symbol=symbol,
                                interval=interval, drop_missing=drop_missing,
                                measure=measure, funding_units=funding_units))  # fmt: skip
        except MissingValueError as exc:
            raise InputError(
                f"{exc}; drop_missing leaves such rows out (counted in a warning)",
                param="drop_missing",
            ) from None
        except KeyboardInterrupt:  # before the store is opened: it is as it was
            raise IngestInterrupted(f"interrupted while reading {p}; nothing was stored") from None
    st = Store(store)  # None: the default store (errors then name what chose it)
    with st:
        try:
            check_reference_levels(series, st)  # reads only (a new store: the bundle only)
        except BaseException as exc:  # Ctrl-C before the transaction: the store is as it was
            if not is_interrupt(exc):
                raise
            raise IngestInterrupted(
                f"interrupted while comparing the files with the stored series; nothing was "
                f"stored in {st.path}"
            ) from None
        result = st.ingest(series, on_progress=on_progress)
        if result.rows_added:  # what readers take when an asset's kind has two series
            result.warnings += competing_series(st.list_series(gaps=False), series)
    if result.rows_added:  # a series now ahead of the others the market needs
        result.warnings += ingest_warnings(series, st.path)
    result.files = len(files)
    result.series = [s.summary() for s in series]
    # a file's own note (its layout's conversion) is carried by each series it splits into
    warned = [w for s in series for w in s.warnings] + result.warnings
    result.warnings = list(dict.fromkeys(warned))
    result.notes = list(dict.fromkeys(n for s in series for n in s.notes))
    return result, st.path


def _read(
    p: Path,
    store: str | Path | None,
    *,
    kind: str | None,
    venue: str | None,
    symbol: str | None,
    interval: str | None,
    drop_missing: bool,
    measure: str | None,
    funding_units: str | None,
) -> list[SeriesFrame]:
    """The series of file ``p``, as :func:`~liqcascade.data.read_file` reads them.

    A CoinGlass futures taker file in coin units without a close column is converted at
    each bar's close from the asset's hourly prices the commands read, the store's
    (``store``) filled by the bundle's (:func:`add_hour_closes`), with a note saying whose.
    """
    raw, headerless = read_raw(p)

    def series(frame: pd.DataFrame) -> list[SeriesFrame]:
        return series_from_raw(frame, headerless, str(p), kind=kind, venue=venue, symbol=symbol,
                               interval=interval, drop_missing=drop_missing,
                               measure=measure, funding_units=funding_units)  # fmt: skip

    try:
        return series(raw)
    except NoTakerClose:
        path = store_path(store)
        raw, note = add_hour_closes(raw, str(p), symbol=symbol, interval=interval,
                                    store=path if path.exists() else None,
                                    drop_missing=drop_missing)  # fmt: skip
    out = series(raw)
    for s in out:
        s.notes.append(f"{p}: {note}")
    return out


def list_store(store: str | Path | None = None) -> tuple[Path, pd.DataFrame]:
    """The series in the store (kind, venue, symbol, interval, first, last, rows, gaps).

    ``largest_gap`` is the longest step as an ISO 8601 duration (``P1DT10H``) and
    ``largest_gap_s`` the same in seconds (None for a series without a gap counted).

    A store someone named and missing is an :class:`InputError`, whether ``store`` or
    ``$LIQCASCADE_STORE`` named it (the same path, the same answer); only the built-in
    default (``~/.liqcascade/store.duckdb``, nothing ingested yet) may be absent: then
    the listing is empty.
    """
    named = store is not None or bool(os.environ.get("LIQCASCADE_STORE"))
    store_path(store, must_exist=named)
    with Store(store, read_only=True) as st:
        path, df = st.path, st.list_series()
    # the longest step as ISO 8601 text and seconds, not pandas' "1 days 10:00:00"
    gaps = [gap_fields(None if x is None or x != x else pd.Timedelta(x)) for x in df.largest_gap]
    keys = ("largest_gap", "largest_gap_s")
    column = {k: pd.Series([g[k] for g in gaps], index=df.index, dtype=object) for k in keys}
    return path, df.assign(**column)


def export_series(
    kind: str,
    out: str | Path,
    *,
    symbol: str | None = None,
    venue: str | None = None,
    interval: str | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    store: str | Path | None = None,
) -> dict[str, Any]:
    """Write one stored series to Parquet or CSV, atomically (a temp file, then renamed).

    Parameters
    ----------
    kind : str
        A public kind (``ohlcv``, ``open_interest``, ``liquidations``...).
    out : path
        Output file ending in ``.parquet`` or ``.csv``.
    symbol, venue, interval : str, optional
        Narrow the stored series to exactly one (case-insensitive; ``interval`` is a
        label like ``1h``, ``60m`` finding it too, or ``events``: another is an
        :class:`InputError`).
    start, end : Timestamp, optional
        Inclusive time bounds (UTC).
    store : path, optional
        The DuckDB store (it must exist).

    Returns
    -------
    dict
        ``out, kind, venue, symbol, interval, rows, first, last`` (the rows written:
        ``None`` when none), ``series_first, series_last`` (the stored series' span),
        ``warnings`` (what to check: a CSV text cell a spreadsheet would run as a
        formula). The file is written even without rows (the header: an empty range is
        an answer).
    """
    k = _kind(kind)
    if interval is not None:  # a label like 1h (60m finds it too), or events
        ms = interval_ms(interval)
        interval = format_interval(ms) if ms else interval.strip().lower()
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        if out.is_dir():  # `--out f/`: the folder's name read as the file's
            raise InputError(
                f"out: {out} is a folder: give a file, ending in .parquet or .csv (such as "
                f"{out / 'series.parquet'})",
                param="out",
            )
        got = f"{suffix!r}: {out.name!r}" if suffix else f"{out.name!r}, no suffix"
        raise InputError(f"out must end in .parquet or .csv (got {got})", param="out")
    check_output_file(out, "out")
    store_path(store, must_exist=True)
    with Store(store, read_only=True) as st:
        row = _one_series(
            st.list_series(gaps=False), k, symbol=symbol, venue=venue, interval=interval
        )
        table = "liquidation_events" if (k == "liquidations" and row["interval"] == "events") else k
        df = st.read(table, venue=row["venue"], symbol=row["symbol"], interval=row["interval"],
                     start=start, end=end)  # fmt: skip
    df = _export_frame(df, table)
    _atomic_write(df, out)
    formula = _formula_cells(df, out) if suffix == ".csv" else None
    return {
        "out": str(out),
        "kind": k,
        "venue": row["venue"],
        "symbol": row["symbol"],
        "interval": row["interval"],
        "rows": len(df),
        "first": df["ts"].min() if len(df) else None,
        "last": df["ts"].max() if len(df) else None,
        "series_first": row["first"],
        "series_last": row["last"],
        "warnings": [formula] if formula else [],
    }


#: What a spreadsheet reads as the start of a formula in a CSV cell (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_cells(df: pd.DataFrame, out: Path) -> str | None:
    """The warning of a CSV export with a text cell a spreadsheet would run as a formula.

    The text columns of the frame written (venue, symbol, interval and the kinds' text
    columns) are searched; a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return is named (its column, data row and value), with the count of the
    others. The values are written as stored, unchanged (docs/data.md, "Exports and
    spreadsheets"); None without such a cell.
    """
    text = {"venue", "symbol", "interval"}.union(*(k.text_columns for k in KINDS.values()))
    # the distinct values first (a series' labels are one value), its rows only on a hit
    cols = [c for c in df.columns if c in text and _starts_formula(pd.unique(df[c])).any()]
    starts = [_starts_formula(df[c]) for c in cols]
    hits = [(i, j) for j, m in enumerate(starts) for i in np.flatnonzero(m)]
    if not hits:
        return None
    i, j = min(hits)  # the first row's first such cell
    v = str(df[cols[j]].iloc[i])
    shown = repr(v if len(v) <= 40 else v[:40] + "…")
    more = f" (and {len(hits) - 1:,} more cells)" if len(hits) > 1 else ""
    return (
        f"{out}: the {cols[j]} of data row {i + 1} starts with {v[0]!r}, {shown}{more}: a "
        "spreadsheet opening this CSV may run it as a formula; cells are written as stored"
    )


def _starts_formula(values: Any) -> np.ndarray:
    """Which of ``values`` (a text column's cells; NaN for none) start as a formula."""
    cells = pd.Series(values, copy=False).astype("str")
    return cells.str.startswith(FORMULA_START, na=False).to_numpy(bool)


def _one_series(listing: pd.DataFrame, k: str, **labels: str | None) -> pd.Series:
    sel = listing[listing["kind"] == public_kind(k)]
    for col, val in labels.items():
        if val is not None:
            sel = sel[sel[col].str.lower() == val.lower()]
    if sel.empty:
        raise InputError(f"no stored {k} series matches (see `liqcascade data list`)")
    if len(sel) > 1:
        names = ", ".join(f"{r.venue}/{r.symbol}/{r.interval}" for r in sel.itertuples())
        raise InputError(
            f"{len(sel)} stored {k} series match ({names}); narrow with venue/symbol/interval",
            param=("venue", "symbol", "interval"),
        )
    return sel.iloc[0]


def _export_frame(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Drop the kind's all-empty value columns; key columns first.

    Without rows every column is "all empty": the kind's required columns stay (the
    header of an empty range is the series' own), its optional ones go.
    """
    kind = KINDS[table]
    empty = [
        c
        for c in kind.value_columns
        if c in df.columns and df[c].isna().all() and (len(df) or c in kind.optional)
    ]
    df = df.drop(columns=empty)
    front = ["ts", "venue", "symbol", "interval"]
    return df[front + [c for c in df.columns if c not in front]]


def _atomic_write(df: pd.DataFrame, out: Path) -> None:
    """Write ``df`` to ``out`` through a temporary file in its folder, then rename.

    The file gets the mode of any new file (``0666`` less the umask): ``mkstemp``'s
    ``0600`` would hide market data, which is not secret, from the user's group.

    Raises
    ------
    InputError
        The write failed (disk full, a file-size limit, no permission): naming ``out``
        (``param="out"``) and the cause; ``out`` is as it was, the temporary file gone.
    """
    tmp = None
    fd = -1
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # .NAME.lqc-XXXXXXXX.tmp, locked while written: one a killed export left is removed by
        # the next write to out
        fd, tmp = staged_file(out)
        if out.suffix.lower() == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            d = df.copy()
            d["ts"] = pd.DatetimeIndex(d["ts"]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            d.to_csv(tmp, index=False)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except OSError as exc:
        cause = os.strerror(exc.errno) if exc.errno else str(exc)
        kept = " (the file there is as it was)" if out.exists() else ""
        raise InputError(
            f"out: {out}: cannot write: {cause}; nothing was written{kept}", param="out"
        ) from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if fd >= 0:
            os.close(fd)


def _fetch_kind(name: str) -> str:
    """The canonical kind of ``name`` if ccxt can fetch it, else one InputError naming ``kind``.

    One list whatever the name (unknown, or a kind only files provide): the kinds a fetch
    can download, and where the others come from.
    """
    from liqcascade.data._fetch import FETCH_KINDS

    try:
        k = kind_of(name, option="kind").name
    except InputError:
        k = ""
    if k in FETCH_KINDS:
        return k
    others = ", ".join(x for x in PUBLIC_KINDS if x not in FETCH_KINDS)
    raise InputError(
        f"kind must be one of {', '.join(FETCH_KINDS)} (got {name!r}); {others} come from "
        "files (`liqcascade data ingest`)",
        param="kind",
    )


def fetch_into_store(
    exchange: str,
    symbol: str,
    kind: str,
    since: pd.Timestamp,
    until: pd.Timestamp | None = None,
    *,
    interval: str = "1h",
    limit: int | None = None,
    store: str | Path | None = None,
    connect: Callable[[str], Any] | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Download a series through ccxt (rate-limited, paged, retried) into the store.

    Parameters
    ----------
    exchange : str
        ccxt exchange id, e.g. ``"binance"``.
    symbol : str
        Unified symbol, e.g. ``"ETH/USDT:USDT"``.
    kind : {"ohlcv", "open_interest", "funding"}
        What to download.
    since, until : Timestamp
        Inclusive bounds (UTC); ``until`` defaults to now.
    interval : str, default "1h"
        Bar interval (ccxt timeframe).
    limit : int, optional
        Page size, > 0.
    store : path, optional
        The DuckDB store (default :func:`default_store_path`).
    connect : callable, optional
        ``exchange id -> exchange object`` (default
        :func:`liqcascade.data._fetch.make_exchange`; tests pass a recorded fake).
    on_progress : callable, optional
        Called with the percent of ``[since, until]`` covered since the last call.

    Returns
    -------
    (dict, list of str)
        The summary (``exchange, symbol, kind, interval, rows_fetched, pages, retries,
        rows_added, rows_total, first, last, gaps, store``) and warnings.
    """
    from liqcascade.data import _fetch

    k = _fetch_kind(kind)
    if limit is not None and limit <= 0:
        raise InputError(f"limit must be > 0 (got {limit})", param="limit")
    t1 = until if until is not None else pd.Timestamp.now(tz="UTC")
    ex = (connect or _fetch.make_exchange)(exchange)
    span = max((t1 - since).total_seconds() * 1000.0, 1.0)
    start_ms = since.value // 1_000_000
    done = [0.0]

    def _pages(last_ms: int) -> None:
        pct = min(100.0, (last_ms - start_ms) / span * 100.0)
        if on_progress is not None:
            on_progress(pct - done[0])
        done[0] = pct

    res = _fetch.fetch_series(ex, symbol, k, since, t1, interval, limit=limit, on_progress=_pages)
    st = Store(store)
    with st:
        ing = st.ingest([res.series])
    warnings = [w for w in res.series.warnings + ing.warnings if "no symbol in the file" not in w]
    frame = res.series.frame
    summary = {
        "exchange": exchange, "symbol": symbol, "kind": k, "interval": res.series.interval,
        "rows_fetched": res.series.rows, "pages": res.pages, "retries": res.retries,
        "rows_added": ing.rows_added, "rows_total": ing.rows_total,
        "first": frame["ts"].min(), "last": frame["ts"].max(), "gaps": res.series.gaps,
        "store": str(st.path),
    }  # fmt: skip
    return summary, warnings
