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


def fork_refusal() -> str | None:
    """Why this process may not fork a worker now, or None when it may.

    A forked child copies the parent's memory but only the calling thread; whatever
    another thread held (a lock, a queue it served) stays held or unserved in the
    child. So the package forks only:

    - on Linux: Windows has no fork, and macOS's system libraries (Accelerate, the BLAS of
      numpy's wheels for macOS 14+, through libdispatch) crash in a forked child that
      calls them after the parent did (CPython made ``"spawn"`` macOS's default in
      3.8 for this reason);
    - while no other Python thread runs (a notebook's kernel threads, a progress bar,
      the cascade's preparation thread: Python 3.12+ warns on such a fork);
    - before numba has started its worker threads (its OpenMP layer aborts a child
      forked after that; ``numba.threading_layer()`` raises until a parallel kernel ran).

    Native threads of libraries that re-create them in the child (pyarrow's thread pool,
    jemalloc's background thread) do not refuse a fork; Python 3.12+ still counts them
    and issues its ``DeprecationWarning`` (hidden unless warnings are turned on).

    Returns
    -------
    str or None
        One line naming the reason, or None.
    """
    if not sys.platform.startswith("linux"):
        return f"no safe fork on {sys.platform} (Linux only)"
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return "this Python has no fork"
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    if others:
        return f"other threads are running ({', '.join(sorted(others))})"
    try:
        import numba

        layer = numba.threading_layer()  # raises ValueError while no thread was launched
    except (ImportError, ValueError):
        return None
    return f"numba's {layer} threads are running"


def fork_context() -> BaseContext | None:
    """The ``"fork"`` context when :func:`fork_refusal` allows a fork now, else None.

    Returns
    -------
    multiprocessing.context.BaseContext or None
    """
    return multiprocessing.get_context("fork") if fork_refusal() is None else None
