"""Stand-in sections for the tests of the report's lanes, run in a fresh interpreter.

A lane test runs :func:`liqcascade.report._run.run_all` in a new process (numba's
threads not started, no other thread: the second lane may fork) on stand-in sections
that a script defines. :data:`PRELUDE` gives every script the imports, the module-level
``render`` (the forked lane's call is pickled), ``stand_in`` (register the builders as
the module the specs name) and ``wait_for`` (wait for the other lane's sign instead of
sleeping a fixed time, which a loaded machine outlasts); :func:`run_lanes` runs one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = r'''
import json, os, sys, time, types
from pathlib import Path

from liqcascade.report._registry import SectionSpec
from liqcascade.report._run import plan, run_all
from liqcascade.report._section import ReportContext, Section


def render(section):  # module-level: the forked lane's call is pickled
    return {}


def stand_in(**builders):
    """Register ``builders`` as the module ``stand_in_sections`` the specs name."""
    mod = types.ModuleType("stand_in_sections")
    for name, fn in builders.items():
        setattr(mod, name, fn)
    sys.modules["stand_in_sections"] = mod


def wait_for(path, lines=1, seconds=60.0):
    """Wait until ``path`` holds ``lines`` lines (another lane's sign), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= lines:
            return
        time.sleep(0.02)
'''


def run_lanes(script: str, *args: object) -> subprocess.CompletedProcess[str]:
    """Run ``PRELUDE + script`` in a fresh interpreter with ``args``; raise on failure."""
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + script, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
