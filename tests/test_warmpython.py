"""tests/warmpython.py: a warm run is what a new interpreter would have done.

The documentation tests start their snippets and commands through it; here the same
small programs run both ways (``subprocess.run`` and :func:`warmpython.run`) and must
print, exit and fail alike.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import warmpython

PROBE = """\
import os, sys
print(sys.argv, __name__, os.getcwd(), os.environ.get("HOME"), sys.path[0])
print(sorted(k for k in globals() if not k.startswith("__")))
"""


@pytest.fixture(scope="module", autouse=True)
def _stopped() -> Iterator[None]:
    yield
    warmpython.stop()


def _both(args: list[str], tmp_path: Path, **env: str) -> tuple[object, object]:
    kw = {"cwd": tmp_path, "env": {**os.environ, **env}, "capture_output": True, "text": True}
    cold, warm = subprocess.run(args, **kw), warmpython.run(args, **kw)
    return cold, warm


def test_a_snippet_sees_its_own_argv_folder_environment_and_a_fresh_main(tmp_path: Path) -> None:
    cold, warm = _both([sys.executable, "-c", PROBE, "x"], tmp_path, HOME=str(tmp_path))
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout) == (0, cold.stdout)
    assert str(tmp_path) in warm.stdout and "['-c', 'x']" in warm.stdout
    # its own names only: nothing of the server's or of an earlier run's
    assert warm.stdout.splitlines()[1] == "['os', 'sys']"


def test_a_forgotten_import_fails_with_python_s_traceback(tmp_path: Path) -> None:
    code = "import os\nprint(1, flush=True)\nnp.zeros(1)\n"
    cold, warm = _both([sys.executable, "-c", code], tmp_path)
    assert warm.returncode == cold.returncode == 1
    assert warm.stdout == cold.stdout == "1\n"
    assert warm.stderr == cold.stderr  # the same traceback, from the snippet's line 3
    assert 'File "<string>", line 3' in warm.stderr and "NameError" in warm.stderr


@pytest.mark.parametrize(
    "code", ["import sys; sys.exit(3)", "raise SystemExit('bad')", "import os; os.abort()"]
)
def test_exit_codes_are_python_s(tmp_path: Path, code: str) -> None:
    cold, warm = _both([sys.executable, "-c", code], tmp_path)
    assert warm.returncode == cold.returncode != 0
    assert warm.stderr == cold.stderr


def test_stderr_into_stdout_keeps_the_order_when_unbuffered(tmp_path: Path) -> None:
    code = "import sys\nfor i in range(3):\n    print(i)\n    print('e', i, file=sys.stderr)\n"
    kw = {"cwd": tmp_path, "env": {**os.environ, "PYTHONUNBUFFERED": "1"}, "text": True,
          "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}  # fmt: skip
    cold = subprocess.run([sys.executable, "-c", code], **kw)
    warm = warmpython.run([sys.executable, "-c", code], **kw)
    assert warm.stdout == cold.stdout == "0\ne 0\n1\ne 1\n2\ne 2\n"


def test_a_run_past_its_timeout_is_ended(tmp_path: Path) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        warmpython.run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1,
                       cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert warmpython.run([sys.executable, "-c", "print(2)"], capture_output=True,
                          text=True).stdout == "2\n"  # fmt: skip


def test_an_environment_the_preloaded_modules_read_runs_cold(tmp_path: Path) -> None:
    warmpython.run([sys.executable, "-c", "pass"], capture_output=True)  # the server is up
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    assert warmpython._server_for(env) is None  # numba reads it as it imports
    assert warmpython._server_for({**os.environ, "HOME": str(tmp_path)}) is not None
