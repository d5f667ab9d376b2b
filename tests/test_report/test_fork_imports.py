"""The queued sections' modules are imported once, before the fork, not once per lane.

``report._run._before_fork`` imports each queued section's module and the library
modules it imports when it runs (``report._run.IMPORTS``), so that the forked lane
inherits them. The test runs it in a fresh interpreter (no module of the package loaded
by another test) with queued sections that read neither the market nor the
leverage-mix check, so that only the imports are made.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

from liqcascade.report._registry import SECTIONS
from liqcascade.report._run import IMPORTS
from test_report.lanes import ROOT

SCRIPT = r"""
import json, sys
from liqcascade.report._registry import get_section
from liqcascade.report._run import Job, _before_fork

ids = sys.argv[1].split(",")
before = set(sys.modules)
_before_fork(None, [Job(get_section(i), "ETH") for i in ids])
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_every_listed_module_exists_and_belongs_to_a_queued_section() -> None:
    specs = {s.id: s for s in SECTIONS}
    for sid, names in IMPORTS.items():
        assert sid in specs, sid
        assert names and len(set(names)) == len(names), sid
        for name in names:
            assert importlib.util.find_spec(name) is not None, (sid, name)


def test_before_the_fork_the_sections_and_their_libraries_are_imported() -> None:
    ids = ["collateral", "support"]  # neither reads the market nor the leverage check
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, ",".join(ids)],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    new = set(json.loads(out.stdout.strip().splitlines()[-1]))
    specs = {s.id: s for s in SECTIONS}
    expected = {specs[i].module for i in ids} | {m for i in ids for m in IMPORTS[i]}
    assert expected <= new, sorted(expected - new)
    # a section not queued is not imported
    assert specs["stress"].module not in new
    assert "liqcascade.collateral._run" in new and "liqcascade.events._study" in new
