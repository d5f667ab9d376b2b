"""The report's run sets the objects made before its sections aside from the collector.

:func:`liqcascade.report._run.run_all` freezes what exists when the sections start (the
markets, frames and modules both lanes read) and gives it back when the run ends; a
freeze made by someone else before the run, or during it (a caller's ``on_section``), is
not undone. A fresh interpreter runs two lanes of stand-in sections that note the
freeze count each lane sees.
"""

from __future__ import annotations

import json
from pathlib import Path

from test_report.lanes import run_lanes

FREEZE_SCRIPT = r"""
import gc

log = Path(sys.argv[1])
kept = [["made before the run"]]  # a container the collector tracks
if sys.argv[2] == "theirs":
    gc.freeze()  # the caller's own freeze, before the run
before = gc.get_freeze_count()


def collected(obj):  # whether the collector walks obj (a frozen object is in no generation)
    return any(o is obj for o in gc.get_objects())


def note(ctx):
    with log.open("a") as f:
        f.write(f"{os.getpid()} {gc.get_freeze_count()}\n")
    time.sleep(0.3)
    return Section(id="x", title="")


late = []  # made during the run, then frozen by the caller ("during")


def on_section(sid, wall_s):  # the caller's own freeze, during the run
    if not late:
        late.append(["made during the run"])
        gc.freeze()


stand_in(note=note)
specs = [SectionSpec(f"q{i}", "Q", "stand_in_sections", "", builder="note") for i in range(6)]
jobs, _ = plan(specs, ("ETH",))
run_all(jobs, ReportContext(asset="ETH", assets=("ETH",)), render, workers=2,
        on_section=on_section if sys.argv[2] == "during" else None)
after = {"after": gc.get_freeze_count(), "collected": collected(kept),
         "late_collected": late and collected(late[0])}
from liqcascade.report._run import STARTUP_FROZEN  # the interpreter's own (3.12.1: 375)

print(json.dumps({"pid": os.getpid(), "before": before - STARTUP_FROZEN, **after}))
"""


def _run(tmp_path: Path, who: str) -> tuple[dict[str, int], list[tuple[int, int]]]:
    log = tmp_path / f"{who}.txt"
    out = run_lanes(FREEZE_SCRIPT, log, who)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    seen = [(int(p), int(n)) for p, n in (line.split() for line in log.read_text().splitlines())]
    return got, seen


def test_the_run_freezes_for_its_sections_and_thaws_after(tmp_path: Path) -> None:
    got, seen = _run(tmp_path, "ours")
    assert got["before"] == 0
    assert len(seen) == 6
    assert all(n > 0 for _, n in seen)  # every section, in either lane, ran frozen
    assert got["after"] == 0  # given back when the run ended
    assert got["collected"]


def test_a_freeze_made_before_the_run_is_left_as_it_was(tmp_path: Path) -> None:
    got, seen = _run(tmp_path, "theirs")
    assert got["before"] > 0  # beyond the interpreter's own frozen objects
    assert got["after"] > 0  # not thawed by the run: not its freeze
    assert not got["collected"]  # the caller's object still set aside
    assert len(seen) == 6
    assert all(n > 0 for _, n in seen)


def test_a_freeze_made_during_the_run_is_left_as_it_was(tmp_path: Path) -> None:
    """Python gives back every frozen object at once: the run leaves its own freeze in
    place rather than undo the caller's (its objects stay frozen with the caller's)."""
    got, seen = _run(tmp_path, "during")
    assert got["before"] == 0
    assert got["after"] > 0  # not thawed by the run: the caller's freeze holds
    assert got["late_collected"] is False  # the caller's object, frozen during the run
    assert not got["collected"]  # the run's own, frozen with it
    assert len(seen) == 6
    assert all(n > 0 for _, n in seen)
