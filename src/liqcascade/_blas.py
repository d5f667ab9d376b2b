"""One BLAS thread for the command line: the same figures on every machine, and faster.

numpy and scipy call OpenBLAS (MKL, Accelerate on other builds), which by default runs
matrix work on as many threads as the machine has cores. Threaded BLAS sums in another
order, so an optimiser's path (arch's volatility fits, the stop back-test's refits)
ends a few last digits apart on a 2-core and on a 16-core machine, and a fragile fit
can end at another optimum. The command line's matrices are small: on one thread it is
also faster (the full report on 2 cores, three runs each, session 15: 15.2–15.6 s wall
and 24.4–25.9 s of user CPU, against 15.8–17.0 s and 27.0–28.6 s at two BLAS threads),
and the report's two lanes no longer compete with BLAS's threads for the cores.

The variables are read once, when numpy or scipy first loads its BLAS: :func:`pin_blas`
must run before that (the console script calls it first; the test suite's conftest and
``python -m benchmarks`` too). A library user who wants the command line's figures sets
``OPENBLAS_NUM_THREADS=1`` before importing numpy. A user's own setting is kept.
"""

from __future__ import annotations

import os

__all__ = ["BLAS_THREAD_VARIABLES", "pin_blas"]

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
