"""Worker processes: the one rule for how the package starts them.

Two kinds of work run in other processes, and each gets its start method here:

- **Pools whose work pickles** (``liqmap calibrate --jobs N``'s bootstrap refits,
  :func:`liqcascade.positions._likelihood.bootstrap_fits`): :func:`pool_context`,
  ``"spawn"`` on every platform. A spawned worker is a fresh interpreter: it shares no
  lock, thread or library state with its parent, so it is the same on Linux, macOS and
  Windows and whatever Python's own default is (``"fork"`` on Linux up to 3.13,
  ``"forkserver"`` from 3.14, ``"spawn"`` on macOS and Windows). It inherits the
  environment (BLAS pinned by :mod:`liqcascade._blas`, ``LIQCASCADE_DISABLE_NUMBA``,
  ``NUMBA_CACHE_DIR``) and loads numba's compiled kernels from its cache. It costs each
  worker its imports (about 2 s on the shared 2-core machine), against refits of a
  minute each. A script that starts one must guard its top level with
  ``if __name__ == "__main__":`` (the worker imports the script again).
- **The report's second lane** (:mod:`liqcascade.report._run`), which inherits what the
  main process computed before it starts (markets, book draws, the leverage-mix check;
  the market's redraw closure does not pickle): :func:`fork_context`, ``"fork"`` only
  where a forked child is known to be sound, else None and the report runs one lane
  (the same figures, slower).

Threads (numba's, the cascade's preparation thread, the proof-of-liabilities hashing
threads) are not processes and are not chosen here.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
from multiprocessing.context import BaseContext
from typing import Any

from liqcascade._store_reads import release_store_reads

__all__ = ["POOL_START_METHOD", "fork_context", "fork_refusal", "pool_context", "quiet_worker"]

#: Start method of every process pool of the package (see the module's docstring).
POOL_START_METHOD = "spawn"


def pool_context() -> BaseContext:
    """The multiprocessing context of the package's process pools: ``"spawn"``.

    Returns
    -------
    multiprocessing.context.BaseContext
        Pass it as ``ProcessPoolExecutor(mp_context=...)``.
    """
    return multiprocessing.get_context(POOL_START_METHOD)


def quiet_worker() -> None:
    """A pool worker's initializer: a Ctrl-C ends the worker without a word.

    A Ctrl-C at the terminal reaches every process of the foreground group, the workers
    too; each printed its ``KeyboardInterrupt`` traceback under the command's one line
    (``error: interrupted``, exit 130). The worker takes the signal's default action
    instead (it ends), and the parent, interrupted as well, says what happened.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def platform_forks() -> bool:
    """Whether this platform and Python may fork a worker at all (Linux, with ``"fork"``).

    The part of :func:`fork_refusal` a process cannot change (its first two checks,
    :func:`_platform_refusal`): elsewhere every other reason is moot.
    """
    return _platform_refusal() is None


def _platform_refusal() -> str | None:
    """Why this platform or Python never forks a worker (not Linux, no ``"fork"``), or None."""
    if not sys.platform.startswith("linux"):
        return f"no safe fork on {sys.platform} (Linux only)"
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return "this Python has no fork"
    return None


def fork_refusal() -> str | None:
    """Why this process may not fork a worker now, or None when it may.

    A forked child copies the parent's memory but only the calling thread; whatever
    another thread held (a lock, a queue it served) stays held or unserved in the
    child, and a library whose state assumes its threads exist can fail there. So the
    package forks only:

    - on Linux: Windows has no fork, and macOS's system libraries (Accelerate, the BLAS of
      numpy's wheels for macOS 14+, through libdispatch) crash in a forked child that
      calls them after the parent did (CPython made ``"spawn"`` macOS's default in
      3.8 for this reason);
    - while no other Python thread runs (a notebook's kernel threads, a progress bar,
      the cascade's preparation thread);
    - before numba has started its worker threads (its OpenMP layer aborts a child
      forked after that; ``numba.threading_layer()`` raises until a parallel kernel ran);
    - while no :class:`liqcascade.data.Store` holds an open DuckDB connection
      (:func:`liqcascade.data._store.open_store_paths`; the read-only connection a
      command's look-ups share, :func:`liqcascade._store_reads.shared_store_reads`, is
      closed here first: it is idle between look-ups). DuckDB re-creates nothing in a
      child (its maintainers: not fork-safe, duckdb/duckdb-python#292): a child that
      closes a connection it inherited dies of SIGSEGV (DuckDB 2.0.1, Python 3.11 and
      3.13), and the forked lane's own ``duckdb.connect`` of that same file is handed
      the inherited database (DuckDB caches one instance per file), whose worker
      threads are gone.

    Native threads of libraries that re-create their state in a child do not refuse a
    fork. The threads at the report's fork (``/proc/self/task`` and each thread's stack,
    as measured): ``liqcascade report`` on Python 3.11 and 3.13 and the report in the
    test suite, 4 threads: the main one, pyarrow's jemalloc background thread
    (``jemalloc_bg_thd``, started by ``import pyarrow``) and two workers of Arrow's
    thread pools (started by the first Parquet read, even with ``use_threads=False``). No
    DuckDB thread: the report's reads close their store. A library user's session (a
    Parquet read, an open store, a liquidation map, BLAS not pinned) adds DuckDB's
    worker threads (9 here, refused) and one OpenBLAS thread each for numpy and scipy.
    Arrow resets its pools in a child (``ThreadPool::ProtectAgainstFork``), and
    jemalloc and OpenBLAS register ``pthread_atfork`` handlers; the forked lane reads
    Parquet and calls BLAS. Python 3.12+ still counts those threads and issues its
    ``DeprecationWarning`` ("... is multi-threaded, use of fork() may lead to
    deadlocks in the child"), hidden unless warnings are turned on. A native thread of a
    DuckDB connection opened outside :class:`~liqcascade.data.Store` is not seen: the
    OS names neither Arrow's nor DuckDB's threads (both ``python``), so a thread count
    cannot tell them apart.

    Returns
    -------
    str or None
        One line naming the reason, or None.
    """
    why = _platform_refusal()
    if why is not None:
        return why
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    if others:
        return f"other threads are running ({', '.join(sorted(others))})"
    stores = _open_stores()
    if stores:
        return f"a DuckDB store is open ({', '.join(map(str, stores))})"
    try:
        import numba

        layer = numba.threading_layer()  # raises ValueError while no thread was launched
    except (ImportError, ValueError):
        return None
    return f"numba's {layer} threads are running"


def _open_stores() -> list[Any]:
    """The package's stores with an open DuckDB connection (none if none was made).

    The readers a command's look-ups share (:mod:`liqcascade._store_reads`) are idle
    between look-ups: they are closed here rather than refusing the fork (the next
    look-up opens the file again, in the parent and, its own, in the child).
    """
    store = sys.modules.get("liqcascade.data._store")  # not imported: no store opened
    if store is None:
        return []
    release_store_reads()
    return list(store.open_store_paths())


def fork_context() -> BaseContext | None:
    """The ``"fork"`` context when :func:`fork_refusal` allows a fork now, else None.

    Returns
    -------
    multiprocessing.context.BaseContext or None
    """
    return multiprocessing.get_context("fork") if fork_refusal() is None else None
