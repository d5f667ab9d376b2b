"""The package's one switch of numba's thread count (``liqcascade._numba``).

Four places ran parallel kernels on fewer threads (the report's lanes, the watch's
critical-shock grid, small batches of index paths, the stress Monte Carlo's Dask tasks),
each with its own get/set/restore; they share :func:`numba_threads` now. What matters:
the count is the one asked for inside, capped at numba's pool, and the caller's own
count comes back afterwards, also when the block raises.
"""

from __future__ import annotations

import numba
import pytest

from liqcascade._numba import numba_threads, restore_threads, set_threads


def test_the_block_runs_on_the_count_asked_and_the_count_comes_back() -> None:
    cap = int(numba.config.NUMBA_NUM_THREADS)
    before = numba.get_num_threads()
    with numba_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with numba_threads(cap + 5):  # more than the pool: the pool
        assert numba.get_num_threads() == cap
    assert numba.get_num_threads() == before


def test_the_count_comes_back_when_the_block_raises() -> None:
    before = numba.get_num_threads()
    with pytest.raises(RuntimeError, match="inside"), numba_threads(1):
        assert numba.get_num_threads() == 1
        raise RuntimeError("inside")
    assert numba.get_num_threads() == before


def test_set_threads_returns_what_restore_threads_gives_back() -> None:
    before = numba.get_num_threads()
    prev = set_threads(0)  # below one: one
    try:
        assert prev == before
        assert numba.get_num_threads() == 1
    finally:
        restore_threads(prev)
    assert numba.get_num_threads() == before
    restore_threads(None)  # nothing was set: nothing to give back
    assert numba.get_num_threads() == before
