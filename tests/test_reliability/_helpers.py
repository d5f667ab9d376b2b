"""Shared checks of the reliability corpus (issue 17): how a refusal must look."""

from __future__ import annotations

import hashlib
from pathlib import Path

from clihelpers import CliResult

#: A memory cap for the memory refusals, so that they hold on any machine (the
#: estimates below are far above it; ``liqcascade._limits`` reads this variable).
MEMORY_ENV = {"LIQCASCADE_MEMORY_LIMIT": "16GB"}


def assert_refused(r: CliResult, *needles: str) -> str:
    """Exit 2, stderr exactly one line ``error: …`` holding every needle, no traceback.

    Returns the line.
    """
    lines = r.stderr.splitlines()
    assert r.exit_code == 2, (r.exit_code, r.stderr)
    assert len(lines) == 1, r.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    assert "internal error" not in line and "Traceback" not in r.stderr
    for n in needles:
        assert n in line, (n, line)
    return line


def file_hash(path: Path) -> str | None:
    """SHA-256 of a file (``None`` when it does not exist)."""
    if not path.exists():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()
