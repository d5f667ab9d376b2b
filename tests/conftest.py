"""Shared fixtures: paths, the CLI runner, hypothesis profiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of small real excerpts and generated files (``tests/data``)."""
    return DATA


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliResult:
    """Run ``liqcascade`` in-process through its real entry point, capturing stdout/stderr."""
    from liqcascade.cli import main

    saved = dict(os.environ)
    if env:
        os.environ.update(env)
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        from liqcascade._cli import _common

        old_out, old_err = _common.stdout.file, _common.stderr.file
        _common.stdout.file, _common.stderr.file = out, err
        old_cwd = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(list(args))
        finally:
            _common.stdout.file, _common.stderr.file = old_out, old_err
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


@pytest.fixture
def cli():
    """Callable running the CLI in-process: ``cli("margin", "liq-price", ...)``."""
    return run_cli


@pytest.fixture
def store_env(tmp_path: Path) -> dict[str, str]:
    """Environment pointing ``LIQCASCADE_STORE`` at a fresh store under ``tmp_path``."""
    return {"LIQCASCADE_STORE": str(tmp_path / "store.duckdb")}
