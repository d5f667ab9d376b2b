"""The report's long sections say their sub-steps (``ReportContext.step``), in one process.

``liqcascade report`` on a terminal showed nothing moving for the tens of seconds of the
ETH cascade section: the status line was redrawn only when a section ended.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from liqcascade.report import build_report
from liqcascade.report._section import ReportContext


def _ctx(asset: str, seen: list[tuple[str, str]]) -> ReportContext:
    return ReportContext(
        quick=True,
        asset=asset,
        as_of="2025-06-30",
        assets=("ETH", "BTC"),
        on_step=lambda sid, what: seen.append((sid, what)),
    )


def test_a_step_names_the_section_as_summary_json_does_and_its_count() -> None:
    seen: list[tuple[str, str]] = []
    ctx = _ctx("BTC", seen)
    ctx.step("cascade", "static book", 3, 5)
    ctx.for_asset("ETH").step("stress", "shock grid")  # the run's contexts share it
    assert seen == [("cascade-btc", "static book 3/5"), ("stress", "shock grid")]


def test_no_callback_no_step() -> None:
    ctx = ReportContext(quick=True, asset="ETH", as_of="2025-06-30")
    ctx.step("cascade", "static book", 1, 5)  # a no-op: nothing to call, no error
    seen: list[tuple[str, str]] = []
    ctx.on_step(seen.append)  # type: ignore[arg-type]
    ctx.on_step(None)
    ctx.step("cascade", "static book", 2, 5)
    assert seen == []


def test_another_process_inheriting_the_context_says_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pid guard: a forked lane's copy of the callback draws on no display of its own."""
    seen: list[tuple[str, str]] = []
    ctx = _ctx("ETH", seen)
    parent = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: parent + 1)
    ctx.step("cascade", "static book", 1, 5)
    assert seen == []
    monkeypatch.setattr(os, "getpid", lambda: parent)
    ctx.step("cascade", "static book", 2, 5)
    assert seen == [("cascade", "static book 2/5")]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork: POSIX only")
def test_a_real_forked_child_does_not_call_the_callback(tmp_path: Path) -> None:
    said = tmp_path / "said.txt"

    def write(sid: str, what: str) -> None:
        with said.open("a") as f:
            f.write(f"{os.getpid()} {sid} {what}\n")

    ctx = ReportContext(quick=True, asset="ETH", as_of="2025-06-30", on_step=write)
    pid = os.fork()
    if pid == 0:  # the child: as the report's forked lane
        try:
            ctx.step("stress", "Monte Carlo")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    ctx.step("stress", "shock grid")
    assert said.read_text().splitlines() == [f"{os.getpid()} stress shock grid"]


def test_a_quick_report_says_its_steps_with_counts_that_increase(tmp_path: Path) -> None:
    """One section, one lane (this process): the steps arrive in order, counted up to n."""
    steps: list[tuple[str, str]] = []
    ended: list[str] = []
    build_report(
        tmp_path / "r",
        sections=("validation",),
        quick=True,
        asset=("ETH", "BTC"),
        workers=1,
        on_section=lambda sid, s: ended.append(sid),
        on_step=lambda sid, what: steps.append((sid, what)),
    )
    assert ended == ["validation"]
    counted = [re.fullmatch(r"back-test (\w+) (\d+)/(\d+)", w) for _, w in steps]
    assert all(m is not None for m in counted), steps
    got = [(m[1], int(m[2]), int(m[3])) for m in counted if m is not None]
    assert got == [("ETH", 1, 2), ("BTC", 2, 2)]
    assert {sid for sid, _ in steps} == {"validation"}
