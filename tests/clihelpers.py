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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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


class Clock:
    """A monotonic clock the test moves (seconds): ``clock.now += 4``."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def plain_lines_on_a_moved_clock(monkeypatch: Any) -> Clock:
    """``time.monotonic`` replaced by a :class:`Clock` the test moves, and the plain
    progress lines on (every 10 s: the suite's conftest turns them off)."""
    import time

    from liqcascade._cli import _common

    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock)
    monkeypatch.setattr(_common, "PLAIN_EVERY_S", 10.0)
    return clock


def stand_in_report(
    monkeypatch: Any,
    progress: str,
    feed: Callable[[Callable[[str, Any], None]], None],
) -> list[str]:
    """Put a stand-in in place of the report's run, for ``liqcascade report``'s own lines.

    The stand-in calls ``feed`` with the progress callback the command passed as
    ``progress`` (``"on_step"``, ``"on_section"``), when it passed one, then writes
    ``OUT/report.html`` and ``OUT/summary.json`` (``{}`` each) and returns their paths
    as the report's run does.

    Parameters
    ----------
    monkeypatch : pytest.MonkeyPatch
        The test's: ``liqcascade.report.run_report`` and ``report._build``'s are replaced.
    progress : str
        The keyword of the progress callback to look for.
    feed : callable
        Called with the callback: the progress the stand-in reports.

    Returns
    -------
    list of str
        Filled as the report runs: per run, ``progress`` when the callback was passed,
        else ``"none"`` (``-q``).
    """
    import liqcascade.report
    from liqcascade.report import _build

    seen: list[str] = []

    def run_report(out: Path, options: Any, **kwargs: Any) -> dict[str, Path]:
        callback = kwargs.get(progress)
        seen.append(progress if callback else "none")
        if callback is not None:
            feed(callback)
        out.mkdir()
        for name in ("report.html", "summary.json"):
            (out / name).write_text("{}")
        return {"html": out / "report.html", "summary": out / "summary.json"}

    monkeypatch.setattr(liqcascade.report, "run_report", run_report)
    monkeypatch.setattr(_build, "run_report", run_report)
    return seen
