"""The DuckDB store: one table per canonical kind, keyed by (venue, symbol, interval, ts).

Ingest is idempotent (rows whose key is already stored are skipped; identical
liquidation events of one file are told apart by their number in the group,
:data:`~liqcascade.data._kinds.OCCURRENCE`) and atomic: every
series of one call goes in within a single transaction, so a failure, or a process
killed mid-way, leaves the store exactly as it was (DuckDB's write-ahead log only
holds committed transactions). A write that fails (disk full) is an ``InputError``
naming the store and saying whether the rows were stored, checked by counting them (an
append of rows after the stored ones, the watch's, by looking its last rows up); a
store file the failed call created is removed.
"""

from __future__ import annotations

import os
import re
import secrets
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from liqcascade import _store_reads
from liqcascade._paths import STAGE_MARK, remove_stale
from liqcascade._time import utc_end
from liqcascade.data._frame import SeriesFrame
from liqcascade.data._funding_units import check_series_funding_units
from liqcascade.data._kinds import KINDS, OCCURRENCE, Kind, public_kind
from liqcascade.data._store_wait import Holder, connect_waiting
from liqcascade.data._time import interval_ms, to_utc
from liqcascade.data._validate import check_conflicts
from liqcascade.errors import InputError, StoreBusy

__all__ = [
    "IngestInterrupted",
    "IngestResult",
    "Store",
    "default_store_path",
    "default_store_source",
    "ingest_chunk_rows",
    "is_interrupt",
    "open_store_paths",
]

_SERIES = ("venue", "symbol", "interval")
_CHUNK = 50_000
_MIN_CHUNK = 100
#: Series of at most this many rows, all after the series' last stored row, go in as
#: one parameterised ``INSERT ... VALUES`` (no frame to register: a live append of a
#: few bars costs about a third of the registered-frame path).
_VALUES_ROWS = 256
#: How many differing rows (already stored with other values) a warning names.
_DIFFERING_SHOWN = 3
#: Every :class:`Store` of this process, for :func:`open_store_paths`.
_STORES: weakref.WeakSet[Store] = weakref.WeakSet()
#: The name a kept engine (``Store(keep_engine=True)``) attaches the store's file under.
_ATTACHED = "lqc_store"


def open_store_paths() -> list[Path]:
    """The files of this process's stores that hold an open DuckDB connection now.

    A store opens its connection at its first read or write and holds it until
    :meth:`Store.close` (or until the store is freed); inside
    :func:`liqcascade._store_reads.shared_store_reads`, the read-only stores of one file
    share one connection, open until the block ends or
    :func:`~liqcascade._store_reads.release_store_reads`. While one is open, DuckDB's
    database and its worker threads live in this process: the report does not fork its
    second lane then (:func:`liqcascade._procs.fork_refusal`, which releases the shared
    ones first). A store that keeps its engine between opens (``keep_engine``) counts
    until :meth:`Store.close_engine`: the engine's threads live on while the file is
    closed.

    Returns
    -------
    list of pathlib.Path
        One per open connection, sorted; empty when none is open.
    """
    own = {
        st.path for st in list(_STORES)
        if (st._con is not None and st._reader is None) or st._engine is not None
    }  # fmt: skip
    return sorted(own | set(_store_reads.shared_reader_paths()))


def ingest_chunk_rows() -> int:
    """Rows per INSERT batch (``$LIQCASCADE_INGEST_CHUNK``, default 50,000).

    Raises
    ------
    InputError
        The variable is set but not a whole number >= 100 (smaller batches make an
        ingest crawl: 60,000 rows one at a time took 200 s).
    """
    env = os.environ.get("LIQCASCADE_INGEST_CHUNK")
    if env is None or not env.strip():
        return _CHUNK
    try:
        n = int(env.strip().replace("_", ""))
    except ValueError:
        n = 0
    if n < _MIN_CHUNK:
        raise InputError(
            f"LIQCASCADE_INGEST_CHUNK must be a whole number of rows >= {_MIN_CHUNK:,} "
            f"(got {env!r}); unset it for the default {_CHUNK:,}"
        )
    return n


def default_store_path() -> Path:
    """``$LIQCASCADE_STORE`` if set, else ``~/.liqcascade/store.duckdb``."""
    env = os.environ.get("LIQCASCADE_STORE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".liqcascade" / "store.duckdb"


def default_store_source() -> str:
    """What chose :func:`default_store_path`, as errors name it.

    ``"$LIQCASCADE_STORE"`` when the variable is set, else ``"the default store"``.
    """
    return "$LIQCASCADE_STORE" if os.environ.get("LIQCASCADE_STORE") else "the default store"


@dataclass
class IngestResult:
    """What one ingest call did.

    Parameters
    ----------
    files : int
        Files read.
    rows_read : int
        Rows read from the files (after dropping agreeing duplicates).
    rows_added : int
        Rows new to the store.
    rows_total : int
        Rows in the whole store (every kind), after the call.
    rows_differing : int
        Rows whose key was already stored with different values (kept as stored).
    series : list of dict
        One summary per series read (kind, venue, symbol, interval, rows, gaps...).
    warnings : list of str
        What to look at (rows dropped or left out, differing rows, defaulted labels).
    notes : list of str
        The layouts' expected, documented conversions (nothing to act on).
    """

    files: int = 0
    rows_read: int = 0
    rows_added: int = 0
    rows_total: int = 0
    rows_differing: int = 0
    series: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``liqcascade data ingest --json``."""
        return {
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_added": self.rows_added,
            "rows_total": self.rows_total,
            "rows_differing": self.rows_differing,
            "series": self.series,
            "rows_dropped": sum(int(s.get("rows_dropped", 0)) for s in self.series),
            "warnings": self.warnings,
            "notes": self.notes,
        }


def _ddl(kind: Kind, table: str | None = None) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of ``kind``'s table (named ``table``, else the kind's)."""
    cols = ["venue VARCHAR NOT NULL", "symbol VARCHAR NOT NULL", '"interval" VARCHAR NOT NULL']
    cols.append("ts TIMESTAMP NOT NULL")
    for c in kind.extra_keys:
        typ = "VARCHAR" if c in kind.text_columns else "DOUBLE"
        cols.append(f"{c} {typ} NOT NULL")
    if kind.repeats:
        cols.append(f"{OCCURRENCE} INTEGER NOT NULL")
    for c in kind.value_columns:
        typ = "VARCHAR" if c in kind.text_columns else "DOUBLE"
        cols.append(f"{c} {typ}")
    key = ", ".join(["venue", "symbol", '"interval"', *kind.store_keys])
    name = table or kind.name
    return f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(cols)}, PRIMARY KEY ({key}))"


#: The store's tables, each with whether it has the column named by the one parameter
#: (:data:`OCCURRENCE`): where ``CREATE TABLE`` without a schema puts them. DuckDB's own
#: ``duckdb_columns()``: ``information_schema``'s views over it take several times longer.
_TABLES_KEYED = (
    "SELECT table_name, bool_or(column_name = ?) FROM duckdb_columns() "
    "WHERE database_name = current_database() AND schema_name = current_schema() "
    "GROUP BY table_name"
)


def _upgrade(con: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    """Give an event table written before :data:`OCCURRENCE` existed that key column.

    Its rows were unique on the other keys (identical events were merged then), so each
    is occurrence 1. The table is rebuilt in one transaction: a failure leaves it as it
    was. Nothing is done to a table that has the column (or a kind without it).
    """
    if not kind.repeats:
        return
    rows = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
        [kind.name, OCCURRENCE],
    ).fetchall()
    if rows and int(rows[0][0]):
        return
    picked = ", ".join("1" if c == OCCURRENCE else _q(c) for c in _table_columns(kind))
    new = f"{kind.name}__upgraded"
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        con.execute(_ddl(kind, new)).fetchall()
        con.execute(
            f"INSERT INTO {new} ({', '.join(_q(c) for c in _table_columns(kind))}) "
            f"SELECT {picked} FROM {kind.name}"
        ).fetchall()
        con.execute(f"DROP TABLE {kind.name}").fetchall()
        con.execute(f"ALTER TABLE {new} RENAME TO {kind.name}").fetchall()
        con.execute("COMMIT").fetchall()
    except BaseException:
        try:
            con.execute("ROLLBACK").fetchall()
        except duckdb.Error:
            pass
        raise


def _occurrences(frame: pd.DataFrame, kind: Kind) -> np.ndarray:
    """Each row's :data:`OCCURRENCE`: its number among the rows of ``frame`` with its key.

    1 for the first of a group in frame order (a validated frame keeps file order within
    a group), 2 for the next. Rows with one key agree in every column but a liquidation
    order's final ``status`` and what goes with it (``FILLED`` and ``EXPIRED``: two
    orders, :mod:`liqcascade.data._order_status`; the validation refuses other
    differences), so the numbers tell identical events apart, and a file ingested again
    numbers them alike. A frame of at most :data:`_VALUES_ROWS` rows (a live append) is
    numbered in plain Python (:func:`_occurrences_small`: pandas' grouping cost about
    1.5 ms on two rows), a larger one by pandas; the numbers are the same.
    """
    if frame.empty:
        return np.zeros(0, dtype=np.int64)
    keys = list(kind.keys)
    if len(frame) <= _VALUES_ROWS:
        return _occurrences_small(frame, keys)
    return frame.groupby(keys, sort=False, dropna=False).cumcount().to_numpy(np.int64) + 1


#: The key every missing value (None, NaN, NaT, ``pd.NA``) of a key column is counted
#: under in :func:`_occurrences_small`: pandas' ``groupby(dropna=False)`` puts them in
#: one group.
_MISSING_KEY = object()


def _occurrences_small(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """``groupby(keys, sort=False, dropna=False).cumcount() + 1`` of ``frame``, in Python.

    For the few rows of a live append: a dict counts each key's rows in frame order.
    Values that compare equal are one key, as pandas groups them (``0.0`` and ``-0.0``;
    times as instants), and every missing value is one (:data:`_MISSING_KEY`).
    """
    cols: list[list[Any]] = []
    for k in keys:
        col = frame[k]
        vals = col.tolist()
        if bool(col.isna().any()):
            vals = [_MISSING_KEY if pd.isna(v) else v for v in vals]
        cols.append(vals)
    seen: dict[tuple[Any, ...], int] = {}
    out = np.empty(len(frame), dtype=np.int64)
    for i, key in enumerate(zip(*cols, strict=True)):
        out[i] = seen[key] = seen.get(key, 0) + 1
    return out


def _q(col: str) -> str:
    return f'"{col}"'


def _check_duckdb_file(path: Path, fail: Callable[[str], InputError]) -> None:
    """A store path that exists must be a DuckDB database file (magic ``DUCK`` at byte 8).

    DuckDB itself opens some other files (a CSV, say) without complaint and writes
    nothing to them, so an ingest into one would report rows stored nowhere. ``fail``
    turns what is wrong into the error (naming the path and what chose it).
    """
    if path.is_dir():
        raise fail("is a folder, not a DuckDB store")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise fail(f"cannot open: {exc}") from exc
    if head[8:12] != b"DUCK":
        raise fail(
            "cannot open: not a DuckDB store (the file exists and is something else); "
            "give a new path or an existing store"
        )


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during :meth:`Store.ingest`, saying whether the rows were stored.

    A :class:`KeyboardInterrupt`, so code that stops on Ctrl-C stops on it as before;
    its message says what the interrupt left: ``"interrupted; nothing was stored in
    PATH"`` (the transaction was rolled back), or that the commit had taken effect.

    Parameters
    ----------
    message : str
        What was interrupted and what it left in the store.
    stored : bool or None, default False
        Whether the call's rows are in the store: False (rolled back, or never begun),
        True (the interrupt came as the commit took effect), None (could not be checked).
    """

    def __init__(self, message: str, stored: bool | None = False) -> None:
        super().__init__(message)
        self.stored = stored


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C, as Python or DuckDB raise it.

    DuckDB checks for signals while a query runs; on SIGINT it stops the query and
    raises a plain ``RuntimeError: Query interrupted`` (``InterruptException`` in some
    versions). A Ctrl-C that lands in Python code DuckDB calls (reading a registered
    pandas frame) comes back as a ``duckdb.Error`` whose message is that
    ``KeyboardInterrupt``'s traceback (DuckDB 1.4 writes it as ``KeyboardInterrupt:
    <message>``, then ``At:`` and the frames).
    """
    if isinstance(exc, KeyboardInterrupt | duckdb.InterruptException):
        return True
    if type(exc) is RuntimeError:
        return str(exc) == "Query interrupted"
    if type(exc) is duckdb.Error:
        lines = str(exc).strip().splitlines()
        return len(lines) > 1 and (
            (lines[0].startswith("Traceback") and lines[-1].split(":", 1)[0] == "KeyboardInterrupt")
            or lines[0].split(":", 1)[0] == "KeyboardInterrupt"
        )
    return False


@dataclass(frozen=True)
class _WriteRequest:
    """What one :meth:`Store.ingest` call writes, and how (its arguments, checked).

    Parameters
    ----------
    series : sequence of SeriesFrame
        The validated series, in the call's order.
    size : int
        Rows per INSERT batch (:func:`ingest_chunk_rows`).
    on_progress : callable or None
        Called as ``on_progress(rows_done, rows_total)`` after each batch.
    count_total : bool
        Count the whole store's rows for ``rows_total``.
    after_last : sequence of bool or None
        Per series, the caller's word that every row is after the last stored one.
    """

    series: Sequence[SeriesFrame]
    size: int
    on_progress: Callable[[int, int], None] | None
    count_total: bool
    after_last: Sequence[bool] | None


@dataclass
class _Transaction:
    """What one ingest's transaction has done so far (for telling what a failure left)."""

    con: duckdb.DuckDBPyConnection | None = None
    open: bool = False  # BEGIN went through
    added: int = 0  # rows inserted (not yet committed)
    staged: dict[str, int] = field(default_factory=dict)  # rows per table, seen before COMMIT
    # the series inserted by a plain INSERT (after their last stored row; no conflict
    # possible): when every series was, COMMIT's outcome is told by their last rows'
    # keys (:meth:`Store._holds`) and no count is taken
    appended: list[SeriesFrame] = field(default_factory=list)
    every_appended: bool = True
    committing: bool = False  # COMMIT was issued
    committed: bool = False  # COMMIT returned


class Store:
    """A DuckDB file holding canonical series.

    Parameters
    ----------
    path : str or Path, optional
        The DuckDB file; default :func:`default_store_path` (``$LIQCASCADE_STORE`` or
        ``~/.liqcascade/store.duckdb``). Created by the first ingest, whole: the
        ingest writes a hidden file beside it (``.NAME.lqc-PID-XXXXXXXX.partial``) and gives
        it the store's name once its rows are committed, so a store that exists was
        written (a kill or a failure in between leaves no store; reading a missing
        store creates none).
    read_only : bool, default False
        Open without writing; a missing file then reads as an empty store.
    wait_s : float, optional
        Seconds to wait, retrying, when another process holds the file (DuckDB lets
        one process open it to write and then none other; several read-only, and then
        none to write); default ``$LIQCASCADE_STORE_WAIT_S``, else 30
        (:mod:`liqcascade.data._store_wait`). Past it,
        :class:`~liqcascade.errors.StoreBusy`.
    keep_engine : bool, default False
        A writer for a caller that opens and closes the store often (the watch, at every
        interval): DuckDB's engine (an in-memory database, started once) is kept
        between opens, and each open attaches the file to it (``ATTACH``) instead of
        starting an engine of its own (about 2 ms of CPU instead of about 25 ms).
        :meth:`close` detaches the file, which releases its lock as closing a
        connection does, so other processes open it between uses; the committed rows
        are left in DuckDB's write-ahead log beside the file (durable: any process
        opening the store reads them) until :meth:`checkpoint` merges it into the file
        (about 4 ms, and about 12 ms after writing five tables: work the watch does
        in its idle time, not in an interval); a write that finds a log left merges
        it with its own as it closes, so the log (which every open replays) never
        holds more than one write. :meth:`close_engine` checkpoints and
        ends the engine. Ignored by a read-only store.

    Notes
    -----
    Inside :func:`liqcascade._store_reads.shared_store_reads` (every command of the
    command line, every report), the read-only stores of one file share one
    connection and its answers about what the file holds (its tables, its series
    listing), until the block ends; :meth:`close` then detaches the store. A store
    opened to write closes this process's shared reader of its file first.

    Errors about the file name what chose it: ``store: PATH: …`` (``param="store"``)
    for a ``path`` given, ``$LIQCASCADE_STORE: PATH: …`` or ``the default store:
    PATH: …`` when it was left out.

    Examples
    --------
    >>> from liqcascade.data import Store
    >>> with Store("/tmp/example.duckdb") as s:  # doctest: +SKIP
    ...     s.list_series()
    """

    def __init__(
        self, path: str | Path | None = None, *, read_only: bool = False,
        wait_s: float | None = None, keep_engine: bool = False,
    ) -> None:  # fmt: skip
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.read_only = read_only
        #: seconds to wait for a store another process holds (None: $LIQCASCADE_STORE_WAIT_S)
        self.wait_s = wait_s
        #: what chose ``path``, for errors: the ``store`` parameter, or the default's source
        self._named_by = "store" if path is not None else default_store_source()
        self._con: duckdb.DuckDBPyConnection | None = None
        #: the store's own path while an ingest writes a new store under ``path`` (a
        #: hidden file beside it): what messages name
        self._final: Path | None = None
        #: the shared reader whose connection ``_con`` is (read-only, in a shared block)
        self._reader: _store_reads.SharedReader | None = None
        #: the kept DuckDB engine (``keep_engine``; None: not started, or not kept), and
        #: whether ``_con`` is a cursor of it with the file attached
        self._keep_engine = keep_engine and not read_only
        self._engine: duckdb.DuckDBPyConnection | None = None
        self._attached = False
        #: the attached file had a write-ahead log already: merged as it is detached
        self._merge_log = False
        #: the file as this writer left it, its tables made sure of (:func:`_file_state`:
        #: device, inode, size, modification time): a writer reopening a file no one
        #: has touched since skips the catalogue look-up; any other file, or this one
        #: written by another process meanwhile, is looked up again
        self._tables_of: tuple[int, ...] | None = None
        #: the open connection's tables are made sure of (recorded in ``_tables_of`` at close)
        self._tables_sure = False
        _STORES.add(self)

    # -- connection ---------------------------------------------------------------------
    @property
    def exists(self) -> bool:
        """Whether the store file exists."""
        return self.path.exists()

    def _error(self, what: str) -> InputError:
        """An :class:`InputError` about the store file: ``SOURCE: PATH: what``.

        ``SOURCE`` is what chose the path: ``store`` (the parameter, ``param="store"``),
        ``$LIQCASCADE_STORE`` or ``the default store``.
        """
        if self._named_by == "store":
            return InputError(f"store: {self._shown}: {what}", param="store")
        return InputError(f"{self._named_by}: {self._shown}: {what}")

    @property
    def _shown(self) -> Path:
        """The store's path as messages name it (not the hidden file a new store is)."""
        return self._final or self.path

    def _connect(self, create: bool = False) -> duckdb.DuckDBPyConnection | None:
        """The open connection; None for a missing file unless ``create`` (an ingest)."""
        if self._con is not None:
            return self._con
        if not self.exists and (self.read_only or not create):
            return None
        if self.read_only:
            shared = _store_reads.reader(self.path)
            if shared is not None:  # another look-up of this command opened it
                return self._attach(shared)
        else:  # DuckDB: one file is not open read-only and to write in one process
            _store_reads.release_store_reads(self.path)
        if not self.read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise self._error(f"cannot create folder: {exc}") from exc
        self._con = self._open(self.wait_s)
        if not self.read_only:
            try:
                with self._reading():
                    self._ensure_tables_once()
            except BaseException:
                self.close()
                raise
        elif _store_reads.sharing():
            return self._attach(_store_reads.add_reader(self.path, self._con))
        return self._con

    def _open(self, wait_s: float | None) -> duckdb.DuckDBPyConnection:
        """A new connection to the file (the kept engine's, with ``keep_engine``).

        The file is checked for a DuckDB header first, and DuckDB's errors on opening
        are said in the store's words (``cannot open: ...``, ``not a readable DuckDB
        store: ...``, naming the file); :class:`StoreBusy` past ``wait_s`` seconds.
        """
        _check_duckdb_file(self.path, self._error)
        try:
            return connect_waiting(
                self.path, self.read_only, wait_s=wait_s, busy=self._busy,
                connect=self._attach_file if self._keep_engine else None,
            )  # fmt: skip
        except duckdb.IOException as exc:
            raise self._error(f"cannot open: {_open_cause(exc)}") from exc
        except duckdb.Error as exc:
            raise self._error(f"not a readable DuckDB store: {_cause(exc)}") from exc

    def _attach_file(self, path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A cursor of the kept engine with ``path`` attached and in use (``keep_engine``).

        The engine is started at the first call. A refusal (another process holds the
        file) raises DuckDB's lock error, as ``duckdb.connect`` does, and leaves nothing
        attached.
        """
        if self._engine is None:  # a detach leaves the log: checkpoint() merges it
            self._engine = duckdb.connect(":memory:", config={"checkpoint_on_detach": "DISABLED"})
        con = self._engine.cursor()
        # a log left by an earlier write that no checkpoint() merged: this one merges
        # both as it detaches (the log, which every open replays, stays one write long)
        self._merge_log = _wal(path).exists()
        try:
            mode = " (READ_ONLY)" if read_only else ""
            con.execute(f"ATTACH ? AS {_ATTACHED}{mode}", [str(path)]).fetchall()
            self._attached = True
            con.execute(f"USE {_ATTACHED}").fetchall()
        except BaseException:
            self._con = con
            self.close()
            raise
        return con

    def _detach_file(self) -> None:
        """Let go of the file attached to the kept engine (and of the engine if that fails).

        DuckDB drops the file's lock as it detaches it, as when a connection closes; the
        write-ahead log is left beside it for :meth:`checkpoint`, unless the file had a
        log at the attach already (no checkpoint since the last write): the two are
        merged into the file first. Should the detach fail (a database DuckDB
        invalidated after a failed write), the engine is ended, which lets go of every
        file it holds.
        """
        con, self._con, self._attached = self._con, None, False
        assert con is not None and self._engine is not None
        try:
            if self._merge_log:
                con.execute("CHECKPOINT").fetchall()
        finally:
            con.close()
        try:  # from the engine's own connection, whose database is its in-memory one
            self._engine.execute(f"DETACH {_ATTACHED}").fetchall()
        except BaseException:
            self._end_engine()
            raise

    def checkpoint(self, wait_s: float = 0.0) -> bool:
        """Merge the write-ahead log a kept engine's writes left beside the file into it.

        Nothing to do (True) when the file has no log. Otherwise the file is attached
        (waiting up to ``wait_s`` seconds for another process that holds it), DuckDB's
        ``CHECKPOINT`` writes the logged rows into it, and it is let go. A store held
        by another process past the wait is left as it is (False): its rows are in
        the log all the same, and the other process, or the next call, merges them.

        Parameters
        ----------
        wait_s : float, default 0
            Seconds to wait for another process that holds the store.

        Returns
        -------
        bool
            The file holds no log from this store now (or never did).
        """
        if self.read_only or not _wal(self.path).exists():
            return True
        was_open = self._con is not None
        # the file as this writer left it: its tables stay made sure of (a checkpoint
        # makes or drops none)
        known = self._tables_of is not None and _file_state(self.path) == self._tables_of
        try:
            con = self._con
            if con is None:
                con = self._con = self._open(wait_s)
            with self._reading():
                con.execute("CHECKPOINT").fetchall()
            self._merge_log = False  # merged: nothing left for the detach
        except StoreBusy:
            return False
        finally:
            if not was_open and self._con is not None:
                self._tables_sure = known
                self.close()
        return True

    def close_engine(self) -> None:
        """Close the store and end its kept DuckDB engine (``keep_engine``); else :meth:`close`.

        The write-ahead log is merged into the file first (:meth:`checkpoint`), unless
        another process holds the store then.
        """
        try:
            if self._engine is not None:
                self.checkpoint()
            self.close()
        finally:
            self._end_engine()

    def _end_engine(self) -> None:
        """Close the kept engine (every file attached to it is let go)."""
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()

    def _busy(self, holder: Holder, waited_s: float) -> StoreBusy:
        """The error of a store another process held past the wait (``SOURCE: PATH: …``)."""
        who = "another process" if holder.pid is None else f"another process ({holder.who})"
        what = (
            f"cannot open: {who} {holder.doing}; {holder.rule()}; waited {round(waited_s, 1):g} s "
            "(LIQCASCADE_STORE_WAIT_S): try again when that process is done"
        )
        err = self._error(what)
        return StoreBusy(str(err), param=err.params, pid=holder.pid, waited_s=waited_s)

    def wait_writable(self) -> None:
        """Wait until no other process holds the store, as a write would (then let go).

        For a caller about to do long work before it writes (an ingest validating its
        files): it waits or fails (:class:`~liqcascade.errors.StoreBusy`) before that
        work, and holds nothing during it. A store that does not exist, or that cannot
        be opened for another reason, passes (the write then says why).

        Raises
        ------
        StoreBusy
            Another process held it for longer than the wait (``wait_s``).
        """
        if self.read_only or self._con is not None or not self.path.is_file():
            return
        _store_reads.release_store_reads(self.path)  # this process's own reader
        try:
            con = connect_waiting(self.path, False, wait_s=self.wait_s, busy=self._busy)
        except duckdb.Error:
            return
        con.close()

    def _ensure_tables_once(self) -> None:
        """:meth:`_ensure_tables`, unless the file is as this writer left it.

        A writer that reopens the store at every interval (the watch) looks the
        catalogue up once: the file it closed, untouched since (same device, inode,
        size and modification time), still has the tables it made sure of. A file
        replaced or written by another process meanwhile is looked up again.
        """
        state = _file_state(self.path)
        if state is None or state != self._tables_of:
            self._ensure_tables()
        self._tables_sure = True

    def _ensure_tables(self) -> None:
        """Create the tables the store lacks, and :meth:`_upgrade` those written before.

        One catalogue look-up for every kind together (which tables exist, which have
        :data:`OCCURRENCE`) instead of a ``CREATE TABLE IF NOT EXISTS`` and a column
        look-up per kind (16 statements): a watch opens its store to write at every
        interval. What is created or upgraded is the same.
        """
        assert self._con is not None
        found = self._con.execute(_TABLES_KEYED, [OCCURRENCE]).fetchall()
        have = {str(name) for name, _ in found}
        keyed = {str(name) for name, has in found if has}
        for kind in KINDS.values():
            if kind.name not in have:
                self._con.execute(_ddl(kind)).fetchall()
            elif kind.repeats and kind.name not in keyed:
                self._upgrade(kind)

    def _upgrade(self, kind: Kind) -> None:
        """:func:`_upgrade` of ``kind``'s table, a failure an :class:`InputError` on the store.

        The rebuild is one transaction, rolled back on failure (a full disk, a file that
        cannot be written): the store is left as it was, and the message says so. Ctrl-C
        and a damaged file pass as they are (:meth:`_reading` names the latter).
        """
        assert self._con is not None
        try:
            _upgrade(self._con, kind)
        except duckdb.Error as exc:
            if is_interrupt(exc) or _damaged(exc):
                raise
            raise self._error(
                f"cannot add the {OCCURRENCE} key to its {kind.name} table (a store written "
                f"by an older version): {_cause(exc)}; the store is left as it was"
            ) from exc

    def _attach(self, shared: _store_reads.SharedReader) -> duckdb.DuckDBPyConnection:
        """Read through the shared reader ``shared`` (its connection until it closes)."""
        shared.users.add(self)
        self._reader, self._con = shared, shared.con
        return self._con

    def _detach(self) -> None:
        """Leave the shared reader (closed by the block, not by this store)."""
        if self._reader is not None:
            self._reader.users.discard(self)
        self._reader = self._con = None

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """DuckDB finding the file damaged or cut short is an :class:`InputError` naming it.

        A store copied only in part, or overwritten in the middle, opens (DuckDB reads
        its header) and fails on the first query reading a lost block: ``Could not read
        enough bytes``, ``Corrupt database file``. Other errors, and Ctrl-C, pass.
        """
        try:
            yield
        except duckdb.Error as exc:
            if not _damaged(exc):
                raise
            raise self._error(_DAMAGED + _cause(exc)) from exc

    def close(self) -> None:
        """Close the connection (the store stays on disk); a shared one is only left."""
        if self._reader is not None:  # the shared block closes it
            self._detach()
            return
        if self._con is None:
            return
        sure, self._tables_sure = self._tables_sure, False
        try:
            if self._attached:
                self._detach_file()
            else:
                self._con.close()
                self._con = None
        except BaseException:
            self._tables_of = None
            raise
        # the file as this writer leaves it (checkpointed): its tables made sure of
        self._tables_of = _file_state(self.path) if sure else None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_engine()

    def _tables(self, con: duckdb.DuckDBPyConnection) -> set[str]:
        shared = self._reader if self._reader is not None and self._reader.con is con else None
        if shared is not None and "tables" in shared.answers:
            return set(shared.answers["tables"])
        rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        tables = {r[0] for r in rows}
        if shared is not None:
            shared.answers["tables"] = frozenset(tables)
        return tables

    # -- writing -------------------------------------------------------------------------
    def ingest(
        self,
        series: Sequence[SeriesFrame],
        *,
        on_progress: Callable[[int, int], None] | None = None,
        count_total: bool = True,
        after_last: Sequence[bool] | None = None,
    ) -> IngestResult:
        """Add validated series in one transaction; rows already stored are skipped.

        Parameters
        ----------
        series : sequence of SeriesFrame
            Validated frames (see :func:`liqcascade.data.read_file`). Series of one call
        that share a store key must agree where they overlap (else :class:`InputError`).
        on_progress : callable, optional
            Called as ``on_progress(rows_done, rows_total)`` after each chunk.
        count_total : bool, default True
            Count the rows of the whole store for ``rows_total`` (the watch, which
            appends every interval, turns it off: ``rows_total`` is then 0, and only the
            tables written to are counted, which tells a failed COMMIT from one that
            took effect; none is when every series went in after its last stored row,
            whose last rows, looked up by their key, tell instead).
        after_last : sequence of bool, optional
            Per series, the caller's word that every row is after the last row stored
            in its series (the watch keeps track of that): the query that checks it is
            skipped for the series marked True. A wrong True cannot store a duplicate:
            the insert then fails on the table's key and the transaction is rolled back
            (``duckdb.ConstraintException`` propagates; nothing is written).

        Returns
        -------
        IngestResult
            Counts; ``files`` is left for the caller to set.

        Raises
        ------
        InputError
            Series of one call that disagree, funding rates 100x off
            (:func:`~liqcascade.data._funding_units.check_funding_units`, judged here for
            a series not read from a file), a bad ``$LIQCASCADE_INGEST_CHUNK``, or a
            store that cannot be opened or written (disk full, a file-size limit, no
            permission): the message names the store and says whether the rows were
            stored. A failed write stores nothing, and a store file this call created
            is then removed (with its ``.wal``).
        IngestInterrupted
            Ctrl-C (Python's or DuckDB's): rolled back, unless it came as or after the
            commit took effect (the rows are counted to tell); the message says which.
        """
        if self.read_only:
            raise self._error("opened read-only")
        check_conflicts(list(series))
        for s in series:  # a series not read from a file has not had its units judged
            check_series_funding_units(s)
        size = ingest_chunk_rows()
        if after_last is not None and len(after_last) != len(series):
            raise InputError("after_last: one flag per series", param="after_last")
        req = _WriteRequest(series, size, on_progress, count_total, after_last)
        if self._con is None and not self.path.exists():
            return self._create(req)
        return self._write(req)

    def _create(self, req: _WriteRequest) -> IngestResult:
        """Ingest into a store that does not exist yet, creating it whole.

        The rows are written to a hidden file beside the store
        (``.NAME.lqc-PID-XXXXXXXX.partial``), committed and checkpointed there, and the file
        then takes the store's name (a hard link, which fails if a store of that name
        appeared meanwhile; where links are not supported, a rename). A kill before that
        leaves no store (the hidden file, once no process holds it open, is removed by
        the next ingest into the same path); a failure removes it,
        unless the commit took effect as it failed and the file, read afresh, holds the
        rows (see :meth:`_write`). A store another process created meanwhile gets the
        rows instead (one ingest into it).
        """
        final = self.path
        _check_duckdb_file(final, self._error)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error(f"cannot create folder: {exc}") from exc
        _remove_stale_partials(final)
        # the PID says who wrote it; the random part keeps two hosts' writers (or two
        # PID namespaces') apart on a shared volume, where PIDs can be the same
        temp = final.with_name(
            f".{final.name}.{STAGE_MARK}{os.getpid()}-{secrets.token_hex(4)}.partial"
        )
        _remove_files(temp)
        self.path, self._final = temp, final
        try:
            result = self._write(req, new=True)
            moved = self._publish(temp, final)
        finally:
            self.close()
            self.path, self._final = final, None
            _remove_files(temp)
        if moved:
            return result
        # a store of that name appeared meanwhile: the rows go into it
        return self._write(req)

    def _published(self, temp: Path, final: Path) -> bool:
        """:meth:`_publish` after a failure: whether the store now has ``temp``'s rows."""
        try:
            return self._publish(temp, final)
        except (InputError, duckdb.Error, OSError):
            return False

    def _unpublished(self, exc: BaseException) -> BaseException:
        """The error for ``exc`` when its committed rows never became the store."""
        lost = f"nothing was stored in {self._shown} (no store was made)"
        if is_interrupt(exc):
            return IngestInterrupted(f"interrupted; {lost}", False)
        return self._error(f"cannot write: {_write_cause(exc)}; {lost}")

    def _publish(self, temp: Path, final: Path) -> bool:
        """Give the committed file ``temp`` the store's name ``final``; False if taken."""
        try:
            con = self._con if self._con is not None else duckdb.connect(str(temp))
            self._con = con
            con.execute("CHECKPOINT").fetchall()  # every row in the file, no .wal
            self.close()
        except (duckdb.Error, OSError) as exc:
            raise self._error(
                f"cannot write: {_write_cause(exc)}; nothing was stored (no store was made)"
            ) from exc
        if _wal(temp).exists():  # not merged: the file alone would lack rows
            raise self._error("cannot write: the new store was not checkpointed; nothing "
                              "was stored (no store was made)")  # fmt: skip
        try:
            os.link(temp, final)
            return True
        except FileExistsError:
            return False
        except OSError:
            pass  # no hard links on this file system
        if final.exists():
            return False
        try:
            os.replace(temp, final)
        except OSError as exc:
            raise self._error(
                f"cannot write: {exc}; nothing was stored (no store was made)"
            ) from exc
        return True

    def _write(self, req: _WriteRequest, new: bool = False) -> IngestResult:
        """The ingest's one transaction into the file ``path``.

        ``new``: ``path`` is the hidden file of a new store (:meth:`_create`). On a
        failure that may have come after the commit took effect (:meth:`_abort` says
        so, or cannot tell), the rows count only if the file, opened afresh read-only,
        holds them: it then takes the store's name; otherwise it is removed and nothing
        was stored (never a store published empty or in part).
        """
        txn = _Transaction()
        try:
            txn.con = self._connect(create=True)
            assert txn.con is not None
            txn.con.execute("BEGIN TRANSACTION").fetchall()
            txn.open = True
            result = self._insert(txn, req)
            # the rows as this transaction sees them: after a failed COMMIT, the same
            # counts mean it took effect (see _abort); not needed when every series went
            # in by a plain INSERT (the watch's appends: about 1 ms saved per write), whose
            # last rows' keys tell instead (_holds)
            touched = list(KINDS) if req.count_total else sorted({s.kind for s in req.series})
            if req.count_total or (txn.added and not txn.every_appended):
                txn.staged = self._counts(txn.con, touched)
            txn.committing = True
            txn.con.execute("COMMIT").fetchall()
            txn.committed = True
            result.rows_added = txn.added
            result.rows_total = sum(txn.staged.values()) if req.count_total else 0
        except BaseException as exc:
            stored = self._abort(txn)
            if new and stored is not False:
                assert self._final is not None
                stored = self._recount(txn) is True  # the file decides
                if stored and not self._published(self.path, self._final):
                    self._discard()
                    raise self._unpublished(exc) from exc
            removed = new and stored is False and self._discard()
            mapped = self._failure(exc, txn, stored, removed)
            if mapped is None:
                raise
            raise mapped from exc
        return result

    def _insert(self, txn: _Transaction, req: _WriteRequest) -> IngestResult:
        """Insert every series inside the open transaction ``txn`` (rows added: ``txn.added``)."""
        con = txn.con
        assert con is not None
        series, size, on_progress = req.series, req.size, req.on_progress
        after_last = req.after_last
        total_rows = sum(s.rows for s in series)
        result = IngestResult(rows_read=total_rows)
        done = 0
        # append-only series (every row after the last stored one) cannot differ
        # from a stored row: their overlap check is skipped
        ask = [s for k, s in enumerate(series) if after_last is None or not after_last[k]]
        known = iter(self._after_last(con, ask))
        fresh = [
            True if after_last is not None and after_last[k] else next(known)
            for k in range(len(series))
        ]
        keys = [(s.kind, s.venue, s.symbol, s.interval) for s in series]
        for s, key, new_only in zip(series, keys, fresh, strict=True):
            kind = KINDS[s.kind]
            alone = keys.count(key) == 1  # no other series of this call shares its key
            if new_only and alone and 0 < s.rows <= min(size, _VALUES_ROWS):
                # after the last stored row: no key can clash, a plain insert suffices
                txn.added += _insert_values(con, s, kind)
                txn.appended.append(s)
                done += s.rows
                if on_progress is not None:
                    on_progress(done, total_rows)
                continue
            txn.every_appended = False
            cols = ", ".join(_q(c) for c in _table_columns(kind))
            differing: list[tuple[Any, ...]] = []  # the first few, (ts, column, stored, new)
            n_differing = 0
            occurrence = _occurrences(s.frame, kind) if kind.repeats else None
            for start in range(0, s.rows, size):
                # one batch converted at a time: a whole-series table frame was a second
                # copy of the series (+35 % of an ingest's peak memory on 2.6 M rows)
                chunk = _to_table_frame(s, kind, start, start + size, occurrence)
                con.register("_incoming", chunk)
                if not new_only:
                    n, first = self._differing(con, kind, _DIFFERING_SHOWN - len(differing))
                    n_differing += n
                    differing += first
                out = con.execute(
                    f"INSERT INTO {kind.name} ({cols}) SELECT {cols} FROM _incoming "
                    "ON CONFLICT DO NOTHING"
                ).fetchall()
                txn.added += int(out[0][0]) if out else 0  # rows inserted (conflicts skipped)
                con.unregister("_incoming")
                done += len(chunk)
                if on_progress is not None:
                    on_progress(done, total_rows)
            if n_differing:
                result.rows_differing += n_differing
                result.warnings.append(_differing_warning(s, n_differing, differing))
        return result

    def _abort(self, txn: _Transaction) -> bool | None:
        """Roll back what ``txn`` left open; whether its rows are in the store after all.

        False when the transaction never reached COMMIT, or added no row; True when
        COMMIT returned; when COMMIT failed, the rows are counted again: the counts the
        transaction saw mean the commit took effect (True), others that it did not
        (False); None when the store can no longer be asked.

        A COMMIT that fails writing the file (a file-size limit, a full disk) leaves
        DuckDB's database "invalidated": the connection answers nothing more. The
        rows are then counted on a new, read-only connection (which replays what the
        write-ahead log holds without writing).
        """
        con = txn.con
        if con is None or not txn.open:
            return False
        if txn.committed:
            return txn.added > 0
        try:
            con.execute("ROLLBACK").fetchall()
        except duckdb.Error:
            pass  # no transaction open: the COMMIT ended it (taking effect or not)
        if not txn.committing or not txn.added:
            return False
        try:
            return self._holds(con, txn)
        except duckdb.Error:
            pass
        return self._recount(txn)

    def _holds(self, con: duckdb.DuckDBPyConnection, txn: _Transaction) -> bool | None:
        """Whether ``con`` sees the rows of ``txn`` (after its COMMIT failed): None if unclear.

        By the counts the transaction saw (``staged``), or, when it took none (every
        series went in by a plain INSERT, :func:`_insert_values`), by the full key of each
        such series' last row: the INSERT succeeding proves the key was not stored
        before (the table's primary key refuses a duplicate), so the store holds it if and
        only if the COMMIT took effect (all of it: a COMMIT is atomic). Found for every
        series: True; for none: False; for some: None.
        """
        if txn.staged or not txn.appended:
            return self._counts(con, list(txn.staged)) == txn.staged
        subs: list[str] = []
        params: list[Any] = []
        for s in txn.appended:
            kind = KINDS[s.kind]
            names, cols = _row_values(s, kind, keys_only=True)
            where = " AND ".join(f"{_q(c)} = ?" for c in names)
            subs.append(f"(SELECT count(*) FROM {kind.name} WHERE {where})")
            params += [col[-1] for col in cols]
        found = [int(n) for n in con.execute(f"SELECT {', '.join(subs)}", params).fetchall()[0]]
        if all(n == 1 for n in found):
            return True
        return False if not any(found) else None

    def _recount(self, txn: _Transaction) -> bool | None:
        """Whether the store, opened anew read-only, holds ``txn``'s rows (None: unknown)."""
        try:
            self.close()
        except duckdb.Error:
            self._con = None
        try:
            fresh = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error:
            return None
        try:
            return self._holds(fresh, txn)
        except duckdb.Error:
            return None
        finally:
            fresh.close()

    def _discard(self) -> bool:
        """Remove the store file (and its ``.wal``) a failed ingest created; whether it is gone."""
        try:
            self.close()
        except duckdb.Error:
            self._con = None
        _remove_files(self.path)
        return not self.path.exists()

    def _interrupted(self, txn: _Transaction, stored: bool | None, removed: bool) -> str:
        """What an interrupt left, in one line."""
        if stored is None:
            return (
                f"interrupted during the commit; whether its {txn.added:,} rows were stored "
                f"in {self._shown} could not be checked (list the store to see)"
            )
        if stored:
            return (
                f"interrupted, but the commit had taken effect: {txn.added:,} rows were "
                f"added to {self._shown}"
            )
        gone = " (the new store file was removed)" if removed else ""
        return f"interrupted; nothing was stored in {self._shown}{gone}"

    def _failure(
        self, exc: BaseException, txn: _Transaction, stored: bool | None, removed: bool
    ) -> BaseException | None:
        """The error to raise for ``exc`` (None: ``exc`` itself, unchanged).

        An interrupt is an :class:`IngestInterrupted` saying what it left. DuckDB failing
        to write (an I/O error, or any error of COMMIT: disk full, a file-size limit, no
        permission) is an :class:`InputError` naming the store and saying whether the
        rows were stored. A key conflict stays as it is (the watch retries on it).
        """
        if is_interrupt(exc):
            return IngestInterrupted(self._interrupted(txn, stored, removed), stored)
        if isinstance(exc, duckdb.ConstraintException):
            return None
        if _damaged(exc) and stored is False:
            return self._error(f"{_DAMAGED}{_cause(exc)}; nothing was stored")
        at_commit = txn.committing and isinstance(exc, duckdb.Error)
        if not (isinstance(exc, duckdb.IOException) or at_commit):
            return None
        if stored is None:
            outcome = "whether the rows were stored could not be checked"
        elif stored:
            outcome = f"the {txn.added:,} rows were stored nonetheless"
        elif removed:
            outcome = "nothing was stored (the new store file was removed)"
        else:
            outcome = "nothing was stored (the store's rows are as they were)"
        return self._error(f"cannot write: {_write_cause(exc)}; {outcome}")

    def _after_last(
        self, con: duckdb.DuckDBPyConnection, series: Sequence[SeriesFrame]
    ) -> list[bool]:
        """Per series: whether all its rows are after the series' last stored ``ts``.

        One query for all series (an empty series, or one not stored yet, is after).
        """
        if not series:
            return []
        subs, params = [], []
        for s in series:
            subs.append(
                f"(SELECT max(ts) FROM {KINDS[s.kind].name} "
                'WHERE venue = ? AND symbol = ? AND "interval" = ?)'
            )
            params += [s.venue, s.symbol, s.interval]
        last = con.execute(f"SELECT {', '.join(subs)}", params).fetchall()[0]
        out = []
        for s, stored in zip(series, last, strict=True):
            if stored is None or not s.rows:
                out.append(True)
                continue
            first = pd.DatetimeIndex(s.frame["ts"]).tz_convert("UTC").tz_localize(None).min()
            out.append(bool(first > pd.Timestamp(stored)))
        return out

    def _counts(self, con: duckdb.DuckDBPyConnection, kinds: list[str]) -> dict[str, int]:
        """Rows of each table of ``kinds``, in one query (one round trip, not one per kind)."""
        if not kinds:
            return {}
        sql = ", ".join(f"(SELECT count(*) FROM {KINDS[k].name})" for k in kinds)
        rows = con.execute(f"SELECT {sql}").fetchall()
        return {k: int(v) for k, v in zip(kinds, rows[0], strict=True)}

    def _count(self, con: duckdb.DuckDBPyConnection, kind: str) -> int:
        rows = con.execute(f"SELECT count(*) FROM {kind}").fetchall()
        return int(rows[0][0]) if rows else 0

    def _differing(
        self, con: duckdb.DuckDBPyConnection, kind: Kind, show: int
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """Rows of ``_incoming`` whose key is stored with other values, and the first.

        Returns how many, and the first ``show`` of them (time order) as ``(ts, column,
        stored, new)``, the column being the row's first that differs.
        """
        keys = [*_SERIES, *kind.store_keys]
        on = " AND ".join(f"t.{_q(k)} = i.{_q(k)}" for k in keys)
        diff = " OR ".join(
            f"(i.{_q(c)} IS NOT NULL AND t.{_q(c)} IS DISTINCT FROM i.{_q(c)})"
            for c in kind.value_columns
        )
        join = f"FROM _incoming i JOIN {kind.name} t ON {on} WHERE {diff}"
        row = con.execute(f"SELECT count(*) {join}").fetchall()
        n = int(row[0][0]) if row else 0
        if not n or show <= 0:
            return n, []
        values = kind.value_columns
        pairs = ", ".join(f"t.{_q(c)}, i.{_q(c)}" for c in values)
        rows = con.execute(f"SELECT i.ts, {pairs} {join} ORDER BY i.ts LIMIT {int(show)}")
        first = []
        for r in rows.fetchall():
            for j, c in enumerate(values):
                stored, new = r[1 + 2 * j], r[2 + 2 * j]
                if new is not None and (stored is None or stored != new):
                    first.append((r[0], c, stored, new))
                    break
        return n, first

    # -- reading -------------------------------------------------------------------------
    def list_series(self, *, gaps: bool = True) -> pd.DataFrame:
        """One row per stored series: kind, venue, symbol, interval, first, last, rows, gaps.

        ``gaps`` counts steps longer than 1.5 intervals, an ``int`` (``None`` for
        irregular events, and for every series with ``gaps=False``; the column's dtype is
        ``object``); ``largest_gap`` is the longest step.

        Parameters
        ----------
        gaps : bool, default True
            Count each series' gaps. ``False`` leaves ``gaps`` and ``largest_gap`` as
            ``None`` and reads no series' times (counting reads every one of them, in
            one pass per table: about two seconds of CPU for 3 million rows in 2,200
            series), for callers that need the labels and row counts only.
        """
        cols = ["kind", "venue", "symbol", "interval", "first", "last", "rows", "gaps"]
        con = self._connect()
        if con is None:
            return pd.DataFrame(columns=[*cols, "largest_gap"])
        shared = self._reader  # the command's shared reader: asked once while it is open
        if shared is not None and ("listing", gaps) in shared.answers:
            return shared.answers[("listing", gaps)].copy()
        with self._reading():
            rows = self._list_rows(con, gaps)
        out = pd.DataFrame(rows, columns=[*cols, "largest_gap"])
        # counts stay integers beside an events series' None (pandas would make 0.0, NaN)
        out["gaps"] = pd.Series([r["gaps"] for r in rows], index=out.index, dtype=object)
        if shared is not None:
            shared.answers[("listing", gaps)] = out.copy()
        return out

    def _list_rows(self, con: duckdb.DuckDBPyConnection, gaps: bool) -> list[dict[str, Any]]:
        """:meth:`list_series`'s rows, one dict per stored series.

        Two statements per table whatever the number of series: the labels, first, last
        and row counts grouped, then (``gaps``) every series' gaps in one windowed pass
        (:func:`_gap_counts`), where a query per series read its times one series at a
        time (2,200 series of 3 million bars: 26.5 s of CPU, now about a second).
        """
        tables = self._tables(con)
        rows: list[dict[str, Any]] = []
        for kind in KINDS.values():
            if kind.name not in tables:
                continue
            groups = con.execute(
                f'SELECT venue, symbol, "interval", min(ts), max(ts), count(*) FROM {kind.name} '
                'GROUP BY ALL ORDER BY venue, symbol, "interval"'
            ).fetchall()
            found = _gap_counts(con, kind.name, {g[2] for g in groups}) if gaps else {}
            for venue, symbol, interval, first, last, n in groups:
                n_gaps: int | None = None
                largest: pd.Timedelta | None = None
                if gaps:
                    n_gaps, largest = found.get((venue, symbol, interval), (0, None))
                rows.append(
                    {
                        "kind": public_kind(kind.name),
                        "venue": venue,
                        "symbol": symbol,
                        "interval": interval,
                        "first": to_utc(first),
                        "last": to_utc(last),
                        "rows": int(n),
                        "gaps": None if interval == "events" else n_gaps,
                        "largest_gap": str(largest) if largest is not None else None,
                    }
                )
        return rows

    def read(
        self,
        kind: str,
        *,
        venue: str | None = None,
        symbol: str | None = None,
        interval: str | None = None,
        start: Any = None,
        end: Any = None,
    ) -> pd.DataFrame:
        """Rows of one kind as a frame with ``venue, symbol, interval, ts, …`` columns.

        Parameters
        ----------
        kind : str
            Table name (a key of :data:`KINDS`; another name is an :class:`InputError`
            listing them).
        venue, symbol, interval : str, optional
            Exact filters.
        start, end : datetime-like, optional
            Inclusive bounds on ``ts`` (UTC); an ``end`` given as a date (``"2024-06-30"``)
            holds that whole day, as :func:`load_series` reads it.

        Returns
        -------
        pandas.DataFrame
            ``ts`` is ``datetime64[us, UTC]``; sorted by series then ``ts``.
        """
        k = _table(kind)
        con = self._connect()
        cols = ["venue", "symbol", "interval", *k.columns]
        with self._reading():
            if con is None or k.name not in self._tables(con):
                return pd.DataFrame(columns=cols)
        where: list[str] = []
        params: list[Any] = []
        # a label the filter fixes is not fetched: each row's would be the same text
        # (DuckDB's sort and result then carried three text columns: 2.6 M one-minute
        # bars peaked 1.46 GiB above the process, 0.68 without them)
        fixed: dict[str, str] = {}
        for name, val in (("venue", venue), ("symbol", symbol), ("interval", interval)):
            if val is not None:
                where.append(f"{_q(name)} = ?")
                params.append(val)
                fixed[name] = val
        if start is not None:
            where.append("ts >= ?")
            params.append(to_utc(start, "start").tz_localize(None).to_pydatetime())
        if end is not None:
            where.append("ts <= ?")
            params.append(utc_end(end, "end").tz_localize(None).to_pydatetime())
        sql = f"SELECT {', '.join(_q(c) for c in cols if c not in fixed)} FROM {k.name}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = [c for c in ("venue", "symbol", "interval") if c not in fixed] + list(k.keys)
        sql += " ORDER BY " + ", ".join(_q(c) for c in order)
        with self._reading():
            df = con.execute(sql, params).df()
        for name, val in fixed.items():  # pandas gives it the dtype DuckDB's text gets
            df[name] = pd.Series(np.full(len(df), val, dtype=object), index=df.index)
        df = df[cols]
        df["ts"] = pd.to_datetime(df["ts"]).dt.tz_localize("UTC").astype("datetime64[us, UTC]")
        return df

    def count(self, kind: str | None = None) -> int:
        """Rows stored (in one kind's table, or in all).

        Parameters
        ----------
        kind : str, optional
            A canonical kind (a key of ``KINDS``; another name is an :class:`InputError`
            listing them); None counts every kind's table.

        Returns
        -------
        int
            Rows; 0 when the store does not exist yet.
        """
        kinds = [_table(kind).name] if kind is not None else list(KINDS)
        con = self._connect()
        if con is None:
            return 0
        with self._reading():
            tables = self._tables(con)
            return sum(self._count(con, k) for k in kinds if k in tables)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, read_only={self.read_only})"


def _file_state(path: Path) -> tuple[int, ...] | None:
    """The file's device, inode, size and modification time (ns); None: no such file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _wal(path: Path) -> Path:
    """DuckDB's write-ahead log of the database file ``path``."""
    return path.with_name(path.name + ".wal")


def _remove_files(path: Path) -> None:
    """Remove the database file ``path`` and its ``.wal`` where they are files."""
    for p in (path, _wal(path)):
        try:
            if p.is_file():
                p.unlink()
        except OSError:  # left behind: the error being raised matters more
            pass


def _remove_stale_partials(final: Path) -> None:
    """Remove the hidden files of new stores of ``final`` whose ingest was killed.

    ``.NAME.lqc-PID-XXXXXXXX.partial`` (marked: :data:`liqcascade._paths.STAGE_MARK`),
    with its ``.wal``, that no process has open: DuckDB holds a lock on a database file from the
    moment it makes it until it closes it (:func:`liqcascade._paths.remove_stale`). The
    lock, not the PID, tells: on a shared volume (NFS, a container with its own PID
    namespace) a live writer's PID may not exist here, and a killed one's may have been
    reused. This process's own are left (its locks do not stop it; probing them would
    drop DuckDB's). POSIX only: elsewhere they stay. Unmarked names, as earlier
    versions of the package wrote them (``.NAME.PID-XXXXXXXX.partial``,
    ``.NAME.PID.partial``), cannot be told from a user's files (``.NAME.2024.partial``):
    left alone.
    """
    remove_stale(final, ".partial", middle=_PARTIAL_MIDDLE, remove=_remove_files,
                 older_than=0.0, duckdb=True)  # fmt: skip


#: What a new store's hidden file has between ``.NAME.`` and ``.partial``.
_PARTIAL_MIDDLE = re.escape(STAGE_MARK) + r"(?P<pid>\d+)-[0-9a-f]{8}"


def _differing_warning(s: SeriesFrame, n: int, first: Sequence[tuple[Any, ...]]) -> str:
    """The warning for ``n`` rows of ``s`` stored before with other values (kept).

    Names the file, the series, the first times and one value as stored and as read.
    """
    times = ", ".join(_when(t) for t, *_ in first)
    if n > len(first):
        times += f" and {n - len(first):,} more"
    detail = ""
    if first:
        ts, col, stored, new = first[0]
        detail = f"; at {_when(ts)} {col} is {_value(stored)} stored, {_value(new)} in the file"
    rows = "row was" if n == 1 else "rows were"
    return (
        f"{s.file}: {n:,} {rows} already stored with different values ({s.kind} "
        f"{s.venue}/{s.symbol}/{s.interval} at {times}{detail}); the stored values were kept"
    )


def _when(ts: Any) -> str:
    """A stored time (naive UTC) as ``2024-03-01 03:00`` (seconds when it has them)."""
    t = pd.Timestamp(ts)
    return f"{t:%Y-%m-%d %H:%M:%S}" if t.second or t.microsecond else f"{t:%Y-%m-%d %H:%M}"


def _value(v: Any) -> str:
    """A stored or read value for a message: numbers in full (10 significant digits)."""
    if v is None:
        return "empty"
    if isinstance(v, float):
        return f"{v:.10g}"
    return repr(v)


def _table(kind: str) -> Kind:
    """The kind whose table is ``kind``, or an :class:`InputError` listing the tables."""
    k = KINDS.get(kind) if isinstance(kind, str) else None
    if k is None:
        raise InputError(
            f"kind must be one of the store's tables {', '.join(KINDS)} (got {kind!r})",
            param="kind",
        )
    return k


def _table_columns(kind: Kind) -> list[str]:
    """The columns of :func:`_to_table_frame`'s frames, in their order."""
    return ["venue", "symbol", "interval", *kind.store_keys, *kind.value_columns]


def _to_table_frame(
    s: SeriesFrame,
    kind: Kind,
    start: int = 0,
    stop: int | None = None,
    occurrence: np.ndarray | None = None,
) -> pd.DataFrame:
    """Rows ``start:stop`` (positions) of ``s`` as the store's table ``kind`` holds them.

    ``occurrence``: the whole series' :func:`_occurrences` (an event kind's; computed
    here when not given).
    """
    frame = s.frame.iloc[start:stop]
    df = pd.DataFrame(
        {"venue": s.venue, "symbol": s.symbol, "interval": s.interval}, index=frame.index
    )
    ts = pd.DatetimeIndex(frame["ts"]).tz_convert("UTC").tz_localize(None).as_unit("us")
    df["ts"] = ts
    for c in kind.extra_keys:
        df[c] = frame[c]
    if kind.repeats:
        occ = _occurrences(s.frame, kind) if occurrence is None else occurrence
        df[OCCURRENCE] = occ[start:stop]
    for c in kind.value_columns:
        if c in frame.columns:
            df[c] = frame[c]
        elif c in kind.text_columns:
            df[c] = None
        else:
            df[c] = np.nan
    for c in kind.columns:
        if c != "ts" and c not in kind.text_columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in kind.text_columns:
        df[c] = df[c].astype(object)
    return df[_table_columns(kind)].reset_index(drop=True)


def _insert_values(con: duckdb.DuckDBPyConnection, s: SeriesFrame, kind: Kind) -> int:
    """Insert a small series as one ``INSERT ... VALUES`` with parameters; rows inserted.

    The values are those :func:`_to_table_frame` gives (floats as float64, a missing
    or NaN float as NULL, as DuckDB stores a registered frame's NaN).
    """
    n = s.rows
    names, cols = _row_values(s, kind)
    one = "(" + ", ".join(["?"] * len(names)) + ")"
    sql = f"INSERT INTO {kind.name} ({', '.join(_q(c) for c in names)}) VALUES " + ", ".join(
        [one] * n
    )
    params = [v for row in zip(*cols, strict=True) for v in row]
    con.execute(sql, params).fetchall()
    return n


def _row_values(
    s: SeriesFrame, kind: Kind, keys_only: bool = False
) -> tuple[list[str], list[list[Any]]]:
    """The table's columns of ``s`` (names, and per column its values) as stored.

    What :func:`_insert_values` inserts; ``keys_only``: the table's primary key only.
    """
    n = s.rows
    ts = pd.DatetimeIndex(s.frame["ts"]).tz_convert("UTC").tz_localize(None).as_unit("us")
    cols: list[list[Any]] = [[s.venue] * n, [s.symbol] * n, [s.interval] * n]
    cols.append(ts.to_pydatetime().tolist())
    names = ["venue", "symbol", "interval", "ts"]
    for c in (*kind.store_keys[1:], *(() if keys_only else kind.value_columns)):
        names.append(c)
        if c == OCCURRENCE:
            cols.append(_occurrences(s.frame, kind).tolist())
            continue
        if c in kind.text_columns:
            vals = s.frame[c].tolist() if c in s.frame.columns else [None] * n
            cols.append([None if v is None or v != v else str(v) for v in vals])
            continue
        col = s.frame[c] if c in s.frame.columns else None
        if col is not None and isinstance(col.dtype, np.dtype) and col.dtype.kind in "fiu":
            arr = col.to_numpy(np.float64)
        elif col is not None:
            arr = pd.to_numeric(col, errors="coerce").to_numpy(np.float64, na_value=np.nan)
        else:
            arr = np.full(n, np.nan)
        cols.append([None if v != v else v for v in arr.tolist()])
    return names, cols


def _write_cause(exc: BaseException) -> str:
    """What DuckDB says went wrong in a write, without its prefixes and the file name.

    ``'Failed to commit: Could not write file "/s.duckdb": File too large'`` gives
    ``'File too large'`` (the store's path is named once, by the caller).
    """
    line = _first_line(exc)
    m = re.search(r'"[^"]*":\s*(.+)$', line)
    if m is not None:
        return m.group(1).strip()
    return re.sub(r"^(\w+ )*Error:\s*", "", line)


#: How an error about a damaged store starts (after ``SOURCE: PATH: ``).
_DAMAGED = "not a readable DuckDB store (damaged, or cut short): "


def _damaged(exc: BaseException) -> bool:
    """Whether DuckDB's ``exc`` says the store file is damaged or cut short.

    A lost block (``Could not read enough bytes``), a block whose checksum fails
    (``Corrupt database file``) or a catalog that cannot be decoded
    (``SerializationException``); never Ctrl-C, a failed write or a lock.
    """
    if not isinstance(exc, duckdb.Error) or is_interrupt(exc):
        return False
    if isinstance(exc, duckdb.SerializationException):
        return True
    text = _first_line(exc)
    return "Could not read enough bytes" in text or "Corrupt database file" in text


def _cause(exc: BaseException) -> str:
    """DuckDB's message without its ``… Error:`` prefix and the quoted file name.

    ``'IO Error: Could not read enough bytes from file "/s.duckdb": attempted to read
    4096 bytes from location 8192'`` gives ``'Could not read enough bytes from file:
    attempted to read 4096 bytes from location 8192'`` (the caller names the store).
    """
    line = re.sub(r'\s*"[^"]*"', "", _first_line(exc))
    return re.sub(r"^(\w+ )*Error:\s*", "", line).strip()


def _open_cause(exc: BaseException) -> str:
    """Why DuckDB could not open the store, in words.

    A lock another process holds does not come here: it is waited for, then
    :class:`~liqcascade.errors.StoreBusy` (:meth:`Store._busy`).
    """
    text = _first_line(exc)
    if "database file with version number" in text:  # written by a newer DuckDB
        return (
            f"{_cause(exc)} (the store was written by a newer DuckDB than the "
            f"{duckdb.__version__} installed here: upgrade duckdb, or give another store)"
        )
    return _cause(exc)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _gap_counts(
    con: duckdb.DuckDBPyConnection, table: str, intervals: set[str]
) -> dict[tuple[str, str, str], tuple[int, pd.Timedelta]]:
    """Each series of ``table`` with a gap: ``(venue, symbol, interval) -> (count, largest)``.

    :func:`~liqcascade.data._time.count_gaps`' rule over every series at once: a step
    between a series' distinct times (in whole ms) longer than 1.5 of its ``intervals``
    is a gap; series without one, and irregular ones (``events``), are left out.

    Raises
    ------
    InputError
        A stored interval that is no interval label (``param="interval"``).
    """
    limits = [(iv, ms) for iv in sorted(intervals) if (ms := interval_ms(iv)) is not None]
    if not limits:
        return {}
    values = ", ".join(["(?, ?)"] * len(limits))
    found = con.execute(
        f"WITH limits(iv, ms) AS (VALUES {values}), "
        f'times AS (SELECT DISTINCT venue, symbol, "interval", epoch_ms(ts) AS t FROM {table} '
        'WHERE "interval" IN (SELECT iv FROM limits)), '
        'steps AS (SELECT venue, symbol, "interval", t - lag(t) OVER '
        '(PARTITION BY venue, symbol, "interval" ORDER BY t) AS step FROM times) '
        'SELECT venue, symbol, "interval", count(*), max(step) FROM steps '
        'JOIN limits ON steps."interval" = limits.iv WHERE step > 1.5 * limits.ms GROUP BY ALL',
        [x for pair in limits for x in pair],
    ).fetchall()
    return {(v, s, iv): (int(n), pd.Timedelta(milliseconds=int(big))) for v, s, iv, n, big in found}
