"""Where numba's compile cache lives, and an install with nowhere to write it.

numba picks a cache folder when a kernel is decorated (``$NUMBA_CACHE_DIR``, the
module's ``__pycache__``, ``~/.cache/numba``) and raised ``RuntimeError: cannot cache
function ...`` at import when none was writable (a read-only install run by a user
without a writable home, ops29 R13): the kernels now compile uncached, said once.

Which folder serves which user is what docs/watch.md ("The compile cache") and README
tell a deployment: the cache beside the modules only when the running user can write
there, so a warm-up counts for the user (and the ``NUMBA_CACHE_DIR``) that ran it.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

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


def test_command_line_prints_the_compile_note_unless_quiet() -> None:
    """The one INFO line saying numba compiles on first use reaches stderr as a ``note:``
    (a first run spent minutes silent, even with -v: trial wheel33; then printed only with
    -v); ``-q`` leaves it out, the library's other INFO lines still need ``-v``, and the
    loggers' levels are put back."""
    import subprocess
    import sys

    script = (
        "import logging, sys\n"
        "from liqcascade import _numba\n"
        "from liqcascade._cli import _common\n"
        "_common.STATE.verbosity = int(sys.argv[1])\n"
        "with _common.hinted_warnings():\n"
        "    logging.getLogger('liqcascade.numba').info(_numba.COMPILE_MESSAGE)\n"
        "    logging.getLogger('liqcascade.data').info('note: an INFO line')\n"
        "print(*(logging.getLogger(n).level for n in ('liqcascade', 'liqcascade.numba')))\n"
    )
    said = {}
    for v in (-1, 0, 1):
        r = subprocess.run([sys.executable, "-c", script, str(v)], capture_output=True,
                           text=True, timeout=120, check=True)  # fmt: skip
        said[v] = r
    assert said[0].stderr.strip() == _numba.COMPILE_MESSAGE
    assert _numba.COMPILE_MESSAGE.startswith("note: ")  # -q's filter knows notes by this
    assert said[1].stderr.splitlines() == [_numba.COMPILE_MESSAGE, "note: an INFO line"]
    assert said[-1].stderr.strip() == ""
    assert {r.stdout.strip() for r in said.values()} == {"0 0"}  # NOTSET again


# A cold cache (NUMBA_CACHE_DIR a fresh folder) compiles two of the package's kernels in
# a command-line run; the same cache, warm, compiles nothing.
_COLD_THEN_WARM = """
import sys
import numpy as np
from liqcascade._cli import _common
from liqcascade.stress import _kernels
with _common.hinted_warnings():
    assert _kernels._count_down(np.array([3.0, 2.0, 1.0]), 2.0) == 2
    assert _kernels._count_up(np.array([1.0, 2.0, 3.0]), 2.0) == 2
"""


def test_a_cold_cache_says_it_compiles_once_and_a_warm_one_nothing(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", _COLD_THEN_WARM],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=True,
        )
        for _ in range(2)
    ]
    assert runs[0].stderr.splitlines() == [_numba.COMPILE_MESSAGE]
    assert list((tmp_path / "cache").rglob("*.nbi"))  # what the second run loads
    assert runs[1].stderr == ""


def _cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, tree_writable: bool, cache_dir: str
) -> Path:
    """Where numba would cache a kernel of a module installed in ``tmp_path/site``."""
    import tempfile

    from numba.core import caching, config

    site = tmp_path / "site"
    (site / "__pycache__").mkdir(parents=True)
    (site / "kern.py").write_text("def f(x):\n    return x + 1.0\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("kern_cache_probe", site / "kern.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    real = tempfile.TemporaryFile

    def probe(*args: object, **kwargs: object) -> object:
        if not tree_writable and Path(str(kwargs.get("dir"))) == site / "__pycache__":
            raise PermissionError(13, "Permission denied")  # a user who cannot write it
        return real(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(tempfile, "TemporaryFile", probe)
    monkeypatch.setattr(config, "CACHE_DIR", cache_dir)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    return Path(caching.FunctionCache(module.f).cache_path)


def test_the_cache_beside_the_modules_serves_only_a_user_who_can_write_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _cache_folder(tmp_path, monkeypatch, tree_writable=False, cache_dir="")
    # what an installer compiled into site/__pycache__ is not read: the user compiles again
    assert folder.is_relative_to(tmp_path / "home-cache" / "numba")


def test_a_writable_install_keeps_the_cache_beside_its_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _cache_folder(tmp_path, monkeypatch, tree_writable=True, cache_dir="")
    assert folder == tmp_path / "site" / "__pycache__"


def test_numba_cache_dir_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = str(tmp_path / "nbcache")
    folder = _cache_folder(tmp_path, monkeypatch, tree_writable=True, cache_dir=mine)
    assert folder.is_relative_to(tmp_path / "nbcache")
