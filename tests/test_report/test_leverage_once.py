"""The leverage-mix check is computed once per report and asset, whatever the lanes.

The cascade sections (main process) and the solvency sections (queued: with two lanes
the forked process may take them) both state the check. It is computed before the fork
(``report._run._before_fork``), so the forked lane inherits it instead of walking the
book again. The test counts the check's computations in every process of a two-lane run
(a fresh interpreter: numba's threads not yet started, so it may fork) with stand-in
sections that only read the check.
"""

from __future__ import annotations

import json
from pathlib import Path

from test_report.lanes import ROOT, run_lanes

SCRIPT = r"""
import liqcascade.positions._hyperliquid as hl
from liqcascade.report._leverage_check import distance_check

log, forked = Path(sys.argv[1]), Path(sys.argv[2])
real = hl.distance_check


def spy(positions, run, asset):
    with log.open("a") as f:
        f.write(f"{os.getpid()} {asset}\n")
    return real(positions, run, asset)


hl.distance_check = spy  # what _leverage_check's run() calls, once per computation


def market_section(ctx):
    distance_check(ctx, ctx.asset)
    wait_for(forked, lines=2)  # the forked lane took both queued sections
    return Section(id="x", title="")


def queued_section(ctx):
    distance_check(ctx, ctx.asset)
    with forked.open("a") as f:
        f.write(f"{os.getpid()}\n")
    return Section(id="x", title="")


stand_in(market_section=market_section, queued_section=queued_section)
specs = [
    SectionSpec("cascade", "C", "stand_in_sections", "", builder="market_section", scope="asset"),
    SectionSpec("solvency", "S", "stand_in_sections", "", builder="queued_section", scope="asset"),
]
jobs, _ = plan(specs, ("ETH", "BTC"))
ctx = ReportContext(asset="ETH", assets=("ETH", "BTC"))
done = run_all(jobs, ctx, render, workers=2)
print(json.dumps({"main": os.getpid(), "lanes": {d.job.sid: d.lane for d in done}}))
"""


def test_two_lanes_compute_the_leverage_check_once_per_asset(tmp_path: Path) -> None:
    log = tmp_path / "calls.txt"
    out = run_lanes(SCRIPT, log, tmp_path / "forked.txt")
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # the forked lane did run the solvency sections (else the test shows nothing)
    assert got["lanes"] == {"cascade": 0, "cascade-btc": 0, "solvency": 1, "solvency-btc": 1}
    calls = [line.split() for line in log.read_text().splitlines()]
    assert sorted(a for _, a in calls) == ["BTC", "ETH"]  # one computation per asset
    assert {int(pid) for pid, _ in calls} == {got["main"]}  # in the main process, before the fork


def test_the_sections_that_read_the_check_before_the_fork_are_queued_ones() -> None:
    from liqcascade.report._run import COST_HINT, MARKET_LANE, READS_LEVERAGE_CHECK

    # the market lane computes the check itself (cascade, validation); the hint names
    # the queued sections that read it, which the forked lane may take
    assert READS_LEVERAGE_CHECK == {"solvency"} and not READS_LEVERAGE_CHECK & MARKET_LANE
    assert READS_LEVERAGE_CHECK <= set(COST_HINT)
    uses = {
        p.stem.removeprefix("_").removesuffix("_section")
        for p in (ROOT / "src" / "liqcascade" / "report").glob("_*_section.py")
        if "distance_check(" in p.read_text()
    }
    assert uses == {"cascade", "solvency", "validation"}
    assert uses - MARKET_LANE == READS_LEVERAGE_CHECK
