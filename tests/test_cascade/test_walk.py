"""The steps the cascade kernels share (cascade/_walk.py): the cache guard.

The steps themselves are held by the kernels' tests against the plain-Python twins
(``test_kernel_vs_reference``, ``test_fast_kernel``, ``test_clock_engine``).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from liqcascade.cascade import _walk


class _Cache:
    def __init__(self, index: Path) -> None:
        self._cache_file = SimpleNamespace(_index_path=str(index))
        self.flushed = 0

    def flush(self) -> None:
        self.flushed += 1


@pytest.mark.skipif(_walk.NUMBA_DISABLED, reason="no cache without numba")
def test_a_cache_older_than_the_shared_steps_is_emptied(tmp_path: Path) -> None:
    changed = os.stat(_walk.__file__).st_mtime
    old, new = tmp_path / "old.nbi", tmp_path / "new.nbi"
    old.write_bytes(b"")
    new.write_bytes(b"")
    os.utime(old, (changed - 60, changed - 60))
    os.utime(new, (changed + 60, changed + 60))
    stale, fresh, missing = _Cache(old), _Cache(new), _Cache(tmp_path / "none.nbi")
    _walk.drop_stale_caches(
        SimpleNamespace(_cache=stale),
        SimpleNamespace(_cache=fresh),
        SimpleNamespace(_cache=missing),
        SimpleNamespace(),  # no cache (numba's internals moved): left alone
    )
    assert (stale.flushed, fresh.flushed, missing.flushed) == (1, 0, 0)


def test_the_kernels_have_the_cache_the_guard_reads() -> None:
    """numba's internals the guard reads are there (else it silently does nothing)."""
    if _walk.NUMBA_DISABLED:
        pytest.skip("no cache without numba")
    from liqcascade.cascade._clock_kernels import clock_kernel
    from liqcascade.cascade._kernels import cascade_fast_kernel, cascade_kernel

    for k in (cascade_kernel, cascade_fast_kernel, clock_kernel):
        index = k._cache._cache_file._index_path
        # the index of this kernel's own cache (numba names it <module>.<function>-<line>
        # .pyXY.nbi, in __pycache__ or NUMBA_CACHE_DIR): the file whose age the guard reads
        module = k.py_func.__module__.rsplit(".", 1)[-1]
        name = os.path.basename(index)
        assert name.startswith(f"{module}.{k.py_func.__name__}-") and name.endswith(".nbi"), index
        assert callable(k._cache.flush)
