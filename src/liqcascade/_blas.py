"""One BLAS thread for the command line: the same figures on every machine, and faster.

numpy and scipy call OpenBLAS (MKL, Accelerate on other builds), which by default runs
matrix work on as many threads as the machine has cores. Threaded BLAS sums in another
order, so an optimiser's path (arch's volatility fits, the stop back-test's refits)
ends a few last digits apart on a 2-core and on a 16-core machine, and a fragile fit
can end at another optimum. The command line's matrices are small: on one thread it is
also faster (the full report on 2 cores, three runs each: 15.2–15.6 s wall
and 24.4–25.9 s of user CPU, against 15.8–17.0 s and 27.0–28.6 s at two BLAS threads),
and the report's two lanes no longer compete with BLAS's threads for the cores.

The variables are read once, when numpy or scipy first loads its BLAS: :func:`pin_blas`
must run before that (the console script calls it first; the test suite's conftest and
``python -m benchmarks`` too). A library user who wants the command line's figures sets
``OPENBLAS_NUM_THREADS=1`` before importing numpy. A user's own setting is kept.

Once BLAS is loaded, :func:`one_blas_thread` sets its thread count for the duration of
a call through OpenBLAS's own ``openblas_set_num_threads`` and restores it afterwards:
``liqcascade.report.build_report`` runs under it, so that a library report has the
command line's figures and speed (its hourly clustering test, ``het_arch`` on 75,000
bars, took 0.78 s of CPU with BLAS's default two threads against 0.17 s on one).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["BLAS_THREAD_VARIABLES", "one_blas_thread", "pin_blas"]

#: The thread-count variables of the BLAS builds numpy and scipy ship with (OpenBLAS),
#: and of the others they can be built against (MKL, Apple's Accelerate).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def pin_blas(threads: int = 1, *, override: bool = False) -> None:
    """Set BLAS's thread count for numpy and scipy, before either is imported.

    Parameters
    ----------
    threads : int, default 1
        Threads per process.
    override : bool, default False
        Replace a count the environment already sets (the test suite does, so that its
        figures are the same on every machine); by default a user's own count is kept.
    """
    for name in BLAS_THREAD_VARIABLES:
        if override or not os.environ.get(name):
            os.environ[name] = str(threads)


_SUFFIXES = ("scipy_openblas_{}_num_threads64_", "scipy_openblas_{}_num_threads",
             "openblas_{}_num_threads64_", "openblas_{}_num_threads")  # fmt: skip
"""OpenBLAS's thread-count functions, by build (numpy's and scipy's wheels prefix and
suffix theirs; a system OpenBLAS has the plain names)."""


def _loaded_openblas() -> list[tuple[ctypes.CDLL, str]]:
    """Each OpenBLAS library this process has loaded, with the prefix of its functions.

    Read from ``/proc/self/maps`` (Linux); elsewhere, or when none is found, empty.
    """
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted({ln.split()[-1] for ln in maps if "openblas" in ln.lower()})
    except OSError:
        return []
    out: list[tuple[ctypes.CDLL, str]] = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SUFFIXES:
            if hasattr(lib, name.format("get")) and hasattr(lib, name.format("set")):
                out.append((lib, name))
                break
    return out


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with numpy's and scipy's OpenBLAS on one thread, then restore them.

    What :func:`pin_blas` gives the command line, for a library call made after numpy
    loaded (``liqcascade.report.build_report``). Nothing changes when the environment
    sets one of :data:`BLAS_THREAD_VARIABLES` (a user's own count is kept, as
    :func:`pin_blas` keeps it) or where no OpenBLAS is found (another BLAS, not Linux).
    A process forked inside the block (the report's second lane) inherits the count.
    """
    if any(os.environ.get(name) for name in BLAS_THREAD_VARIABLES):
        yield
        return
    import numpy  # noqa: F401  (both load their BLAS before it is read)
    import scipy.linalg  # noqa: F401

    before: list[tuple[Any, int]] = []  # (setter, count to restore)
    for lib, name in _loaded_openblas():
        get, put = getattr(lib, name.format("get")), getattr(lib, name.format("set"))
        get.restype = ctypes.c_int
        put.argtypes = [ctypes.c_int]
        before.append((put, int(get())))
        put(1)
    try:
        yield
    finally:
        for put, threads in before:
            put(threads)
