"""Waiting for a store another process holds open (DuckDB's lock on the file).

DuckDB's rule for one database file (its documentation, "Concurrency"): one process
may open it to read and write, and no other process may then open it at all; several
processes may open it read-only at once, and no process may then open it to write.
A connection refused so is retried here with backoff for up to
``$LIQCASCADE_STORE_WAIT_S`` seconds (:func:`store_wait_s`, default 30), saying once,
as a ``note:`` line of the ``liqcascade.data`` logger (stderr on the command line),
that it waits and for whom; past that, :class:`~liqcascade.errors.StoreBusy` (exit 5
on the command line). Any other failure to open is the caller's to word.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from liqcascade.errors import InputError

__all__ = ["Holder", "connect_waiting", "holder_of", "is_lock_conflict", "store_wait_s"]

_LOG = logging.getLogger("liqcascade.data")
#: Seconds a store another process holds is waited for, unless $LIQCASCADE_STORE_WAIT_S.
DEFAULT_WAIT_S = 30.0
#: The first retry's delay and the longest (seconds); each retry doubles the delay.
_FIRST_DELAY_S = 0.05
_MAX_DELAY_S = 1.0
_ENV = "LIQCASCADE_STORE_WAIT_S"


def store_wait_s() -> float:
    """Seconds to wait for a store another process holds (``$LIQCASCADE_STORE_WAIT_S``).

    Default 30; 0 tries once.

    Raises
    ------
    InputError
        The variable is set but not a number of seconds >= 0.
    """
    env = os.environ.get(_ENV)
    if env is None or not env.strip():
        return DEFAULT_WAIT_S
    try:
        s = float(env.strip())
    except ValueError:
        s = -1.0
    if not (s >= 0 and s != float("inf")):
        raise InputError(
            f"{_ENV} must be a number of seconds >= 0 (got {env!r}); unset it for the "
            f"default {DEFAULT_WAIT_S:g}"
        )
    return s


def is_lock_conflict(exc: BaseException) -> bool:
    """Whether DuckDB refused to open the file because another process holds its lock."""
    return isinstance(exc, duckdb.Error) and "Could not set lock" in str(exc)


@dataclass(frozen=True)
class Holder:
    """The process holding a store, as DuckDB's refusal tells it.

    Parameters
    ----------
    pid : int or None
        Its process id (None when the message names none).
    doing : str
        ``"has it open to read"`` (DuckDB said the file could be opened read-only: the
        holder reads), ``"has it open to write"`` (a read-only open was refused: only a
        writer refuses a reader), else ``"has it open"``.
    """

    pid: int | None
    doing: str

    @property
    def who(self) -> str:
        """``"PID 4900"`` (or ``"another process"`` without an id)."""
        return f"PID {self.pid}" if self.pid is not None else "another process"

    def rule(self) -> str:
        """DuckDB's rule that keeps the store from this opener, in words."""
        if self.doing.endswith("to read"):
            return "a store is written by no process while another has it open"
        if self.doing.endswith("to write"):
            return "a store is opened by no other process while one has it open to write"
        return "a store is written by one process at a time, and by none while another has it open"


def holder_of(exc: BaseException, read_only: bool) -> Holder:
    """Who holds the store and how, from DuckDB's lock refusal ``exc``.

    Parameters
    ----------
    exc : BaseException
        DuckDB's ``Could not set lock on file ... (PID N)`` error.
    read_only : bool
        Whether the refused open was read-only.
    """
    text = str(exc)
    m = re.search(r"\(PID (\d+)\)", text)
    pid = int(m.group(1)) if m else None
    if "read-only mode" in text:  # DuckDB: "you would be able to open this ... read-only"
        return Holder(pid, "has it open to read")
    if read_only:
        return Holder(pid, "has it open to write")
    return Holder(pid, "has it open")


def connect_waiting(
    path: Path,
    read_only: bool,
    *,
    wait_s: float | None = None,
    busy: Callable[[Holder, float], BaseException],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    connect: Callable[[Path, bool], duckdb.DuckDBPyConnection] | None = None,
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect(path, read_only)``, retried while another process holds the file.

    Retries with a doubling delay (50 ms up to 1 s) until ``wait_s`` has passed; the
    first refusal logs one ``note: waiting for the store: PID N has it open ...`` line
    (logger ``liqcascade.data``, level WARNING: printed on the command line).

    Parameters
    ----------
    path : pathlib.Path
        The DuckDB file.
    read_only : bool
        Open read-only.
    wait_s : float, optional
        Seconds to wait at most (default :func:`store_wait_s`).
    busy : callable
        ``busy(holder, wait_s)``: the error raised when the wait is over (``wait_s``
        as set, not as measured).
    clock, sleep : callable, optional
        Seconds now (monotonic) and a sleep, for tests.
    connect : callable, optional
        ``connect(path, read_only)``: what opens the file (default
        ``duckdb.connect``; a store that keeps its DuckDB engine attaches the file to it
        instead, which DuckDB refuses with the same lock error).

    Returns
    -------
    duckdb.DuckDBPyConnection
        The open connection.

    Raises
    ------
    duckdb.Error
        Any failure to open other than the lock (the caller words it).
    BaseException
        ``busy(...)`` when the store stayed held past ``wait_s``.
    """
    limit = store_wait_s() if wait_s is None else wait_s
    start = clock()
    delay = _FIRST_DELAY_S
    said = False
    while True:
        try:
            if connect is not None:
                return connect(path, read_only)
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not is_lock_conflict(exc):
                raise
            holder = holder_of(exc, read_only)
            left = limit - (clock() - start)
            if left <= 0:
                raise busy(holder, limit) from exc  # the wait as set: what to change
            if not said:
                said = True
                _LOG.warning(
                    "note: waiting for the store: %s %s (%s; up to %g s, %s)",
                    holder.who, holder.doing, path, limit, _ENV,
                )  # fmt: skip
            sleep(min(delay, left))
            delay = min(2 * delay, _MAX_DELAY_S)
