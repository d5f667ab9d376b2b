"""``liqcascade report``'s sub-step progress: plain lines throttled, ``-q`` silent.

A long section (the ETH cascade) said nothing for tens of seconds; its sub-steps now
redraw the terminal's status line, and, on a non-terminal stderr, print a line when
``$LIQCASCADE_PROGRESS_EVERY_S`` seconds passed since the last line.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clihelpers import Clock, run_cli, stand_in_report
from liqcascade._cli import _common
from liqcascade._cli import report as report_cli


@pytest.fixture
def err(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """stderr captured: no terminal, as in a log."""
    buf = io.StringIO()
    monkeypatch.setattr(_common.stderr, "_file", buf)
    monkeypatch.setattr(_common.STATE, "verbosity", 0)
    assert not _common.stderr.is_terminal
    yield buf


def test_a_step_line_only_when_the_interval_passed_since_the_last_line(
    err: io.StringIO,
) -> None:
    clock = Clock()
    done, step = report_cli._plain_status(10.0, clock)
    clock.now += 5
    step("cascade", "static book 1/5")  # 5 s: nothing
    clock.now += 7
    step("cascade", "static book 2/5")  # 12 s: a line
    clock.now += 3
    step("cascade", "static book 3/5")  # 3 s after the last line: nothing
    clock.now += 5
    done("cascade", 20.0)  # a section's line, always
    clock.now += 6
    step("stress", "Monte Carlo")  # 6 s after the last line: nothing
    clock.now += 5
    step("stress", "shock grid")  # 11 s: a line, 11 s into the section
    assert err.getvalue().splitlines() == [
        "report: cascade: static book 2/5: running (12 s)",
        "report: done: cascade (20.0 s)",
        "report: stress: shock grid: running (11 s)",
    ]
    assert "\x1b" not in err.getvalue()


def test_inf_prints_no_line_at_all(err: io.StringIO) -> None:
    clock = Clock()
    done, step = report_cli._plain_status(math.inf, clock)
    clock.now += 1e6
    step("cascade", "every date")
    done("cascade", 41.0)
    assert err.getvalue() == ""


def test_the_tours_leave_the_step_lines_out() -> None:
    """tools/readme_blocks.py drops the plain progress lines from the stderr it quotes."""
    assert _common.PROGRESS_LINE.match(report_cli.step_line("cascade-btc", "static book 3/5", 12))
    assert _common.PROGRESS_LINE.match(report_cli.step_line("stress", "shock grid", 1042.4))


def test_the_terminal_throttles_a_sub_step_s_counts_not_a_new_sub_step() -> None:
    """A count is redrawn at most 4 times a second; a new sub-step is drawn at once (else the
    line would name the sub-step before it for as long as the new one runs)."""
    assert report_cli._stage("cascade", "static book 3/5") == "cascade: static book"
    assert report_cli._stage("cascade", "static book 5/5") == "cascade: static book"
    assert report_cli._stage("cascade", "calibrated response") == "cascade: calibrated response"
    assert report_cli._stage("validation", "back-test BTC 2/2") == "validation: back-test BTC"
    assert report_cli.REDRAW_S == pytest.approx(0.25, abs=1e-12)


def test_the_report_piped_prints_a_step_line_and_quiet_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()

    def steps(on_step: Any) -> None:
        clock.now += 4
        on_step("cascade", "static book 1/5")  # too soon: nothing
        clock.now += 8
        on_step("cascade", "calibrated response")

    monkeypatch.setattr(report_cli, "CLOCK", clock)  # the status line's, not the process's
    monkeypatch.setattr(_common, "PLAIN_EVERY_S", 10.0)  # conftest turns the lines off
    seen = stand_in_report(monkeypatch, "on_step", steps)
    r = run_cli("report", "--section", "data", "--out", str(tmp_path / "r"))
    assert r.exit_code == 0, r.stderr
    assert r.stderr.splitlines()[0] == "report: cascade: calibrated response: running (12 s)"
    q = run_cli("-q", "report", "--section", "data", "--out", str(tmp_path / "q"))
    assert q.exit_code == 0 and q.stderr == ""
    assert seen == ["on_step", "none"]
