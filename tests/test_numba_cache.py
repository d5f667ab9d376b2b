"""Where numba's compile cache lives, and an install with nowhere to write it.

numba picks a cache folder when a kernel is decorated (``$NUMBA_CACHE_DIR``, the
module's ``__pycache__``, ``~/.cache/numba``) and raised ``RuntimeError: cannot cache
function ...`` at import when none was writable (a read-only install run by a user
without a writable home, ops29 R13): the kernels now compile uncached, said once.
"""

from __future__ import annotations

import logging

import pytest

from liqcascade import _numba

pytestmark = pytest.mark.skipif(_numba.NUMBA_DISABLED, reason="numba disabled")


def test_no_writable_cache_folder_compiles_uncached_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import numba
    from numba.core import caching

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])  # no folder to write
    monkeypatch.setattr(_numba, "_NO_CACHE_SAID", [])

    def plain(x: float) -> float:
        return x + 1.0

    with pytest.raises(RuntimeError, match="cannot cache function"):
        numba.njit(cache=True)(plain)  # what numba itself does: the import failed
    with caplog.at_level(logging.WARNING, logger="liqcascade.numba"):
        one = _numba.njit(plain)
        two = _numba.njit(nogil=True)(lambda x: x * 2.0)  # the decorator form
    assert one(1.0) == pytest.approx(2.0, abs=1e-12)
    assert two(2.0) == pytest.approx(4.0, abs=1e-12)
    said = [r.getMessage() for r in caplog.records if r.name == "liqcascade.numba"]
    assert said == [_numba.NO_CACHE_MESSAGE]
    assert "NUMBA_CACHE_DIR" in said[0]
    assert said[0].startswith("warning: ")  # the CLI's warning lines all say so


def test_another_runtime_error_is_not_taken_for_a_cache_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numba

    def broken(*_a: object, **_k: object) -> object:
        raise RuntimeError("something else")

    monkeypatch.setattr(numba, "njit", broken)
    with pytest.raises(RuntimeError, match="something else"):
        _numba.njit(lambda x: x)


def test_verbose_command_line_prints_the_compile_line() -> None:
    """``-v``: the one INFO line saying numba compiles on first use reaches stderr (an
    installed package's first run spends minutes there and said nothing, even with -v:
    trial wheel33); without ``-v`` it stays out, and the logger's level is put back."""
    import subprocess
    import sys

    script = (
        "import logging, sys\n"
        "from liqcascade import _numba\n"
        "from liqcascade._cli import _common\n"
        "_common.STATE.verbosity = int(sys.argv[1])\n"
        "with _common.hinted_warnings():\n"
        "    logging.getLogger('liqcascade.numba').info(_numba.COMPILE_MESSAGE)\n"
        "print(logging.getLogger('liqcascade').level)\n"
    )
    said = {}
    for v in (0, 1):
        r = subprocess.run([sys.executable, "-c", script, str(v)], capture_output=True,
                           text=True, timeout=120, check=True)  # fmt: skip
        said[v] = r
    assert said[1].stderr.strip() == _numba.COMPILE_MESSAGE
    assert said[0].stderr.strip() == ""
    assert said[0].stdout.strip() == said[1].stdout.strip() == "0"  # NOTSET again
