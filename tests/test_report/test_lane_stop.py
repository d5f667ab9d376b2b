"""An error or Ctrl-C in the report's main lane stops the forked lane after its job.

The main process waits for the forked lane when it leaves (the pool's shutdown); before,
the forked lane kept taking jobs until the shared queue was empty, so a failing main-lane
section was reported only once every queued section had run (up to ~12 s later). A
fresh interpreter runs two lanes of stand-in sections: the main lane's fails, and the
forked lane's log counts the jobs it took.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


STOP_SCRIPT = r"""
import os, sys, time, types
from pathlib import Path

from liqcascade.report._registry import SectionSpec
from liqcascade.report._run import plan, run_all
from liqcascade.report._section import ReportContext, Section

log = Path(sys.argv[1])


def failing(ctx):
    time.sleep(1.5)  # the forked lane is in its third job
    raise RuntimeError("stand-in: a main-lane section failed")


def slow(ctx):
    with log.open("a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(0.5)
    return Section(id="x", title="")


def render(section):  # module-level: the forked lane's call is pickled
    return {}


mod = types.ModuleType("stand_in_sections")
mod.failing, mod.slow = failing, slow
sys.modules["stand_in_sections"] = mod
specs = [SectionSpec("cascade", "C", "stand_in_sections", "", builder="failing")] + [
    SectionSpec(f"q{i}", "Q", "stand_in_sections", "", builder="slow", scope="asset")
    for i in range(4)
]
jobs, _ = plan(specs, ("ETH", "BTC"))
try:
    run_all(jobs, ReportContext(asset="ETH", assets=("ETH", "BTC")), render, workers=2)
except RuntimeError as exc:
    print(exc)
"""


def test_an_error_in_the_main_lane_stops_the_forked_lane_after_its_job(tmp_path: Path) -> None:
    """The error is raised once the forked lane's current job ends, not its whole queue."""
    log = tmp_path / "queued.txt"
    out = subprocess.run(
        [sys.executable, "-c", STOP_SCRIPT, str(log)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert out.stdout.strip().splitlines()[-1] == "stand-in: a main-lane section failed"
    ran = log.read_text().split()
    assert 1 <= len(ran) < 8  # 8 queued jobs of 0.5 s; the main lane failed after 1.5 s
    assert len(set(ran)) == 1  # all in the forked lane: the main lane never took one
