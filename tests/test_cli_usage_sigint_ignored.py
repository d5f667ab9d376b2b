"""Usage errors print the one ``error:`` line whatever SIGINT's disposition.

A user's trial reported click's ``Error: No such option: --asset`` for
``bash -c "trap '' INT; liqcascade data fetch --asset ETH"`` (a background job, or a
script that ignores Ctrl-C): the process starts with SIGINT ignored, and the entry
point (:mod:`liqcascade.__main__`) and :func:`liqcascade.cli.main` then skip their
Ctrl-C handling. The usage errors must still go through the same ``error:`` path, exit 2.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    (["data", "fetch", "--asset", "ETH"], "error: No such option: --asset"),
    (["report", "--frob"], "error: No such option: --frob"),
    (["cascade", "--shock"], "error: Option '--shock' requires an argument."),
    (["nosuch"], "error: No such command 'nosuch'."),
    (["data", "nosuch"], "error: No such command 'nosuch'."),
]


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(
    ("module", "preexec"),
    [
        ("liqcascade", _ignore_sigint),  # the console script's entry, SIGINT ignored
        ("liqcascade.cli", _ignore_sigint),  # older installs' entry
        ("liqcascade", _default_sigint),  # as from a terminal: the same lines
    ],
    ids=["ignored", "ignored-cli-entry", "default"],
)
def test_usage_errors_are_one_error_line(module: str, preexec: object, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "LIQCASCADE_STORE": str(tmp_path / "none" / "x.duckdb"),
    }
    for args, line in CASES:
        r = subprocess.run(
            [sys.executable, "-m", module, *args],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            preexec_fn=preexec,  # type: ignore[arg-type]
            timeout=120,
        )
        assert (r.returncode, r.stdout, r.stderr) == (2, "", line + "\n"), (args, r.stderr)
