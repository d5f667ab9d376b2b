"""Two processes forked inside ``_numba.shared_compiles`` compile a kernel once.

The report's two lanes met a cold cache together and each compiled the kernels both
call (30 to 45 s of CPU per cold report). Inside the block one process compiles and
the other, waiting its turn, loads the cache the first one wrote. Without the block
both children below compile (checked: the test fails when the two forks are made
outside it), so the count is what the lock makes it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from liqcascade import _numba

pytestmark = pytest.mark.skipif(
    _numba.NUMBA_DISABLED or not hasattr(os, "fork"), reason="numba disabled, or no fork"
)

ROOT = Path(__file__).resolve().parents[1]

# Both children are released at once (one pipe byte each) and call the same new kernel
# on a cold cache (NUMBA_CACHE_DIR a fresh folder); each reports its cache misses (a
# compile) and hits (a load). The kernel's module is written to the temporary folder
# so that its cache starts empty.
SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    from liqcascade import _numba
    import kern

    shared = sys.argv[2] == "shared"
    ctx = _numba.shared_compiles() if shared else open(os.devnull)
    with ctx:
        folder = _numba._SHARED[0][0] if shared else ""
        gos, kids = [], []
        for i in range(2):
            r, w = os.pipe()
            out = os.path.join(sys.argv[1], f"child{i}.json")
            pid = os.fork()
            if pid == 0:
                os.read(r, 1)
                value = kern.total(10)
                d = kern.total
                info = {"misses": sum(d._cache_misses.values()),
                        "hits": sum(d._cache_hits.values()), "value": value}
                with open(out, "w") as f:
                    json.dump(info, f)
                os._exit(0)
            gos.append(w)
            kids.append(pid)
        for w in gos:
            os.write(w, b"g")
        codes = [os.waitpid(p, 0)[1] for p in kids]
    print(json.dumps({"codes": codes, "folder_left": bool(folder) and os.path.exists(folder)}))
    """
)

KERNEL = textwrap.dedent(
    """
    import numpy as np
    from liqcascade._numba import njit

    @njit
    def total(n):
        out = 0.0
        a = np.arange(n, dtype=np.float64)
        for i in range(n):
            out += np.sqrt(a[i]) * np.sin(a[i]) + np.cos(a[i]) ** 2
        return out
    """
)


def _run(tmp_path: Path, mode: str) -> tuple[dict, list[dict]]:
    (tmp_path / "kern.py").write_text(KERNEL)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
    }
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    parent = json.loads(r.stdout.strip().splitlines()[-1])
    kids = [json.loads((tmp_path / f"child{i}.json").read_text()) for i in range(2)]
    return parent, kids


def test_two_forked_processes_compile_a_kernel_once(tmp_path: Path) -> None:
    parent, kids = _run(tmp_path, "shared")
    assert parent["codes"] == [0, 0]
    assert sorted((k["misses"], k["hits"]) for k in kids) == [(0, 1), (1, 0)]
    assert kids[0]["value"] == pytest.approx(kids[1]["value"], rel=1e-12)
    assert parent["folder_left"] is False  # the block removes its lock folder


def test_a_file_system_without_locks_or_a_temporary_folder_still_compiles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """review32: a ``flock`` that fails (some NFS or FUSE mounts) or a ``mkdtemp`` that
    fails made a kernel call raise; each compiles as without the block instead."""
    import fcntl
    import tempfile

    import numba
    import numpy as np

    def no_lock(*_: object) -> None:
        raise OSError(37, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_lock)
    with _numba.shared_compiles():
        assert _numba._SHARED  # inside the block: the lock path is taken

        def twice_py(x: np.ndarray) -> float:
            return float(2.0 * x.sum())

        # the wrapper `njit` puts on a cached kernel (the test writes no cache file)
        twice = _numba._one_at_a_time(numba.njit(cache=False)(twice_py))

        assert twice(np.arange(4.0)) == pytest.approx(12.0)

    def no_folder(*_: object, **__: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", no_folder)
    with _numba.shared_compiles():
        assert not _numba._SHARED  # no folder: nothing shared

        def thrice_py(x: np.ndarray) -> float:
            return float(3.0 * x.sum())

        thrice = _numba._one_at_a_time(numba.njit(cache=False)(thrice_py))

        assert thrice(np.arange(4.0)) == pytest.approx(18.0)


# Each child compiles a kernel of its own (both compile: neither finds the other's in the
# cache) with the package's INFO lines on stderr: the compile note is said once between
# the two inside the block (the report's lanes), once by each outside it.
NOTE_SCRIPT = textwrap.dedent(
    """
    import logging, os, sys
    sys.path.insert(0, sys.argv[1])
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from liqcascade import _numba
    import kern2

    ctx = _numba.shared_compiles() if sys.argv[2] == "shared" else open(os.devnull)
    with ctx:
        kids = []
        for i in range(2):
            pid = os.fork()
            if pid == 0:
                (kern2.one if i == 0 else kern2.two)(10)
                os._exit(0)
            kids.append(pid)
        assert [os.waitpid(p, 0)[1] for p in kids] == [0, 0]
    """
)

KERNELS = textwrap.dedent(
    """
    import numpy as np
    from liqcascade._numba import njit

    @njit
    def one(n):
        return np.sin(np.arange(n, dtype=np.float64)).sum()

    @njit
    def two(n):
        return np.cos(np.arange(n, dtype=np.float64)).sum()
    """
)


@pytest.mark.parametrize(("mode", "said"), [("shared", 1), ("apart", 2)])
def test_forked_lanes_say_the_compile_note_once(tmp_path: Path, mode: str, said: int) -> None:
    (tmp_path / "kern2.py").write_text(KERNELS)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
    }
    r = subprocess.run([sys.executable, "-c", NOTE_SCRIPT, str(tmp_path), mode],
                       capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines().count(_numba.COMPILE_MESSAGE) == said, r.stderr
