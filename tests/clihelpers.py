"""Helpers to run the ``liqcascade`` CLI from tests: in-process and in a subprocess.

Import as ``from clihelpers import run_cli`` (``tests/`` is on pytest's pythonpath).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def terminal_sigint() -> None:
    """``preexec_fn`` of a child a test sends SIGINT: SIGINT's default action, as a
    terminal gives it, even when the suite runs as a shell's background job (started
    with SIGINT ignored, which a child keeps: Ctrl-C would then do nothing, exit 0)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliResult:
    """Run ``liqcascade`` in-process through its real entry point, capturing stdout/stderr."""
    from liqcascade._cli import _common
    from liqcascade.cli import main

    saved = dict(os.environ)
    if env:
        os.environ.update(env)

    out, err = io.StringIO(), io.StringIO()
    try:
        # the consoles' own attribute: None means 'the current sys.stdout/stderr', and
        # restoring the resolved stream instead would pin a later test's output to it
        old_out, old_err = _common.stdout._file, _common.stderr._file
        _common.stdout.file, _common.stderr.file = out, err
        # rich pins a console's width to COLUMNS as it was when the console was made (the
        # first import, in whichever test or shell that was): this run's COLUMNS, else
        # the live size
        old_widths = _common.stdout._width, _common.stderr._width
        cols = os.environ.get("COLUMNS", "")
        _common.stdout._width = _common.stderr._width = int(cols) if cols.isdigit() else None
        old_cwd = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(list(args))
        finally:
            _common.stdout._file, _common.stderr._file = old_out, old_err
            _common.stdout._width, _common.stderr._width = old_widths
            _common.STATE.verbosity = 0
            os.chdir(old_cwd)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli_subprocess(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> CliResult:
    """Run ``python -m liqcascade.cli`` in a subprocess (for exit codes and tracebacks)."""
    full_env = {**os.environ, **(env or {})}
    p = subprocess.run(
        [sys.executable, "-m", "liqcascade.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
    return CliResult(p.returncode, p.stdout, p.stderr)
