"""An error or Ctrl-C in the report's main lane stops the forked lane after its job.

The main process waits for the forked lane when it leaves (the pool's shutdown); before,
the forked lane kept taking jobs until the shared queue was empty, so a failing main-lane
section was reported only once every queued section had run (up to ~12 s later). A
fresh interpreter runs two lanes of stand-in sections: the main lane's fails, and the
forked lane's log counts the jobs it took.
"""

from __future__ import annotations

from pathlib import Path

from test_report.lanes import run_lanes

STOP_SCRIPT = r"""
log = Path(sys.argv[1])


def failing(ctx):
    wait_for(log)  # the forked lane took its first job
    time.sleep(1.0)  # and is in its second or third
    raise RuntimeError("stand-in: a main-lane section failed")


def slow(ctx):
    with log.open("a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(0.5)
    return Section(id="x", title="")


stand_in(failing=failing, slow=slow)
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
    out = run_lanes(STOP_SCRIPT, log)
    assert out.stdout.strip().splitlines()[-1] == "stand-in: a main-lane section failed"
    ran = log.read_text().split()
    assert 1 <= len(ran) < 8  # 8 queued jobs of 0.5 s; the main lane failed 1 s into them
    assert len(set(ran)) == 1  # all in the forked lane: the main lane never took one
