"""Shared store reads: one read-only DuckDB connection per store file for one command.

A report (or any command) looks a store up dozens of times: every series, the book
totals, the long/short ratios, the data section's table. Each look-up used to open the
file, ask DuckDB which tables it holds and which series they hold, and close it again
(tens of milliseconds each, 127 times in a quick report of ETH and BTC: some
3 s for a store that holds nothing of the assets). Inside :func:`shared_store_reads`,
every read-only :class:`liqcascade.data.Store` of one file shares one connection and
its answers to "what does this store hold" (the tables, the series listing), opened at
the first look-up and closed when the outermost block ends.

The answers cannot go stale while the connection is open: DuckDB lets no other process
write a file a process holds open (read-only too), and a writing
:class:`~liqcascade.data.Store` of this process closes the shared reader of its file
before it opens its own (:func:`release_store_reads`; DuckDB refuses one file opened
read-only and read-write in one process anyway). So a concurrent ingest waits at most
until the command ends (:mod:`liqcascade.data._store_wait`: up to
``$LIQCASCADE_STORE_WAIT_S``), as it does for any open store; a long-lived command that
should let writers in (``watch`` between intervals) releases the readers when it
waits, and the next look-up opens the file again and asks afresh.

Forks: a DuckDB connection must not be open when the process forks
(:func:`liqcascade._procs.fork_refusal`); the shared readers are idle between look-ups,
so the fork rule closes them instead of refusing (:func:`release_store_reads`). A forked
child (the report's second lane) goes on inside its parent's block with readers of its
own, open until it exits.

Only the thread that opened the outermost block shares (a DuckDB connection is not for
two threads at once); another thread's stores open their own connections, as outside
a block. This module holds the registry only (no DuckDB, no pandas); the store opens
and queries the connections (:mod:`liqcascade.data._store`).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "SharedReader",
    "add_reader",
    "reader",
    "release_store_reads",
    "shared_reader_paths",
    "shared_store_reads",
    "sharing",
]


class _Attached(Protocol):
    """A store attached to a shared reader (:class:`liqcascade.data.Store`)."""

    def _detach(self) -> None: ...


@dataclass(eq=False)
class SharedReader:
    """One store file's shared read-only connection and its cached answers.

    Parameters
    ----------
    path : pathlib.Path
        The file as the store that opened it named it (what messages show).
    con : duckdb.DuckDBPyConnection
        The read-only connection.
    answers : dict
        Cached answers about what the file holds (``"tables"``, ``("listing", gaps)``),
        valid while ``con`` is open.
    users : weakref.WeakSet
        The stores attached to ``con`` (detached when it closes).
    """

    path: Path
    con: Any
    answers: dict[Any, Any] = field(default_factory=dict)
    users: weakref.WeakSet[Any] = field(default_factory=weakref.WeakSet)


_STATE: dict[str, Any] = {"depth": 0, "thread": None}
_READERS: dict[str, SharedReader] = {}
#: Readers a forked child inherited (only if its parent forked without releasing them):
#: kept referenced, never closed (closing an inherited DuckDB connection crashes).
_INHERITED: list[SharedReader] = []


def _key(path: Path) -> str:
    return os.path.realpath(path)


@contextmanager
def shared_store_reads() -> Iterator[None]:
    """Within it, read-only look-ups of one store file share one connection and answers.

    Nested blocks share the outermost one's readers; the outermost closes them when it
    ends (also on an error or Ctrl-C). Only the thread that entered it shares.
    """
    if _STATE["depth"] == 0:
        _STATE["thread"] = threading.get_ident()
    _STATE["depth"] += 1
    try:
        yield
    finally:
        _STATE["depth"] -= 1
        if _STATE["depth"] == 0:
            release_store_reads()
            _STATE["thread"] = None


def _after_fork_in_child() -> None:
    """A forked child: its parent's readers are not its own; a block goes on with its own.

    The parent releases its readers before it forks (:func:`liqcascade._procs.fork_refusal`),
    so there are normally none. Any left are forgotten, never closed (closing a DuckDB
    connection inherited through a fork crashes the child), and the stores attached to
    them detached. The report's forked lane runs inside its parent's block: its
    look-ups share readers of its own, open until the child exits.
    """
    for entry in _READERS.values():
        for st in list(entry.users):
            st._detach()
    _INHERITED.extend(_READERS.values())
    _READERS.clear()
    if _STATE["depth"]:
        _STATE["thread"] = threading.get_ident()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def sharing() -> bool:
    """Whether this thread's read-only stores share their connections now."""
    return _STATE["depth"] > 0 and _STATE["thread"] == threading.get_ident()


def reader(path: Path) -> SharedReader | None:
    """The open shared reader of ``path`` for this thread (None: none, or not sharing).

    Parameters
    ----------
    path : pathlib.Path
        The store file (any spelling of it: compared by its real path).
    """
    return _READERS.get(_key(path)) if sharing() else None


def add_reader(path: Path, con: Any) -> SharedReader:
    """Register ``con`` (read-only, just opened) as the shared reader of ``path``.

    Parameters
    ----------
    path : pathlib.Path
        The store file, as the store that opened it names it.
    con : duckdb.DuckDBPyConnection
        The read-only connection; closed by :func:`release_store_reads`.

    Returns
    -------
    SharedReader
        The new reader (its answers empty).
    """
    entry = SharedReader(Path(path), con)
    _READERS[_key(path)] = entry
    return entry


def release_store_reads(path: Path | None = None) -> list[Path]:
    """Close the shared readers (of ``path``, else all); the next look-up opens anew.

    The stores attached to them are detached (their next read opens the file again,
    shared while the block lasts), and the cached answers dropped.

    Parameters
    ----------
    path : pathlib.Path, optional
        Only this file's reader (a writer of it is about to open it).

    Returns
    -------
    list of pathlib.Path
        The files whose reader was closed.
    """
    keys = [_key(path)] if path is not None else list(_READERS)
    out = []
    for k in keys:
        entry = _READERS.pop(k, None)
        if entry is None:
            continue
        for st in list(entry.users):
            st._detach()
        entry.answers.clear()
        entry.con.close()
        out.append(entry.path)
    return out


def shared_reader_paths() -> list[Path]:
    """The files with an open shared reader in this process."""
    return [e.path for e in _READERS.values()]
