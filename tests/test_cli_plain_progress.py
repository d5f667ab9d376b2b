"""Progress when stderr is no terminal (cron, a log, a pipe): plain, rate-limited lines.

``liqcascade report`` from cron printed nothing for many minutes (the bar and the status
line were for terminals only), while README says "Progress goes to stderr".
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clihelpers import Clock, plain_lines_on_a_moved_clock, run_cli, stand_in_report
from liqcascade._cli import _common


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return plain_lines_on_a_moved_clock(monkeypatch)


@pytest.fixture
def err(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """stderr captured: no terminal, as in a log."""
    buf = io.StringIO()
    monkeypatch.setattr(_common.stderr, "_file", buf)
    monkeypatch.setattr(_common.STATE, "verbosity", 0)
    assert not _common.stderr.is_terminal
    yield buf


def test_a_long_stage_prints_plain_lines_at_most_every_10_s(clock: Clock, err: io.StringIO) -> None:
    with _common.progress("fetching ETHUSDT ohlcv", total=4) as advance:
        clock.now += 5
        advance(1)  # 5 s in: nothing yet
        clock.now += 7
        advance(1)  # 12 s: the first line, 50 %
        clock.now += 3
        advance(1)  # 15 s: 3 s after the last line, nothing
        clock.now += 10
        advance(1)  # 25 s
    assert err.getvalue().splitlines() == [
        "fetching ETHUSDT ohlcv: 50 % (12 s)",
        "fetching ETHUSDT ohlcv: 100 % (25 s)",
        "fetching ETHUSDT ohlcv: done (25 s)",
    ]
    assert "\x1b" not in err.getvalue()  # no colour, no cursor moves


def test_a_stage_without_total_or_steps_says_when_it_ends(clock: Clock, err: io.StringIO) -> None:
    with _common.progress("paths") as advance:
        clock.now += 11
        advance(300)
    with _common.progress("fragility curve"):  # no advance call: its end only
        clock.now += 42
    assert err.getvalue().splitlines() == [
        "paths: 300 done (11 s)",
        "paths: done (11 s)",
        "fragility curve: done (42 s)",
    ]


def test_a_short_stage_and_a_failed_one_print_nothing(clock: Clock, err: io.StringIO) -> None:
    """A quick command's stderr stays empty; after an error its line stays the only one."""
    with _common.progress("cascade") as advance:
        clock.now += 9.9
        advance(1)
    with pytest.raises(ValueError), _common.progress("cascade"):
        clock.now += 30
        raise ValueError("the command's error")
    assert err.getvalue() == ""


def test_quiet_silences_the_plain_lines(
    clock: Clock, err: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_common.STATE, "verbosity", -1)
    with _common.progress("paths", total=2) as advance:
        clock.now += 60
        advance(1)
    assert err.getvalue() == ""


def test_the_report_piped_prints_one_line_per_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    def sections(on_section: Any) -> None:
        on_section("data", 0.25)
        on_section("cascade-eth", 41.2)

    monkeypatch.setattr(_common, "PLAIN_EVERY_S", 10.0)  # conftest turns the lines off
    seen = stand_in_report(monkeypatch, "on_section", sections)
    r = run_cli("report", "--section", "data", "--out", str(tmp_path / "r"))
    assert r.exit_code == 0, r.stderr
    lines = r.stderr.splitlines()
    assert lines[:2] == ["report: done: data (0.2 s)", "report: done: cascade-eth (41.2 s)"]
    assert lines[2].startswith("summary: ") and "\x1b" not in r.stderr
    q = run_cli("-q", "report", "--section", "data", "--out", str(tmp_path / "q"))
    assert q.exit_code == 0 and q.stderr == ""
    assert seen == ["on_section", "none"]


def test_the_tours_know_the_plain_lines_from_the_output() -> None:
    """tools/readme_blocks.py quotes stderr as a terminal shows it (the bar is transient):
    it leaves out exactly the plain progress lines."""
    progress = [
        "fetching ETHUSDT ohlcv: 50 % (12 s)",
        "paths: 300 done (11 s)",
        "fragility curve: done (1,042 s)",
        _common.section_line("cascade-eth", 41.25),
    ]
    output = [
        "error: --shock must be non-zero (a fraction of mid: -0.05 = a 5 % fall)",
        "summary: /home/me/report/summary.json",
        "warning: the book is done (2 s of data)",
        "note: 194 of 28,500 accounts are under 10 USD of notional: dropped",
    ]
    assert all(_common.PROGRESS_LINE.match(s) for s in progress)
    assert not any(_common.PROGRESS_LINE.match(s) for s in output)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("30", 30.0), ("inf", float("inf")), ("0", 10.0), ("-5", 10.0), ("soon", 10.0)],
)
def test_the_interval_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: float
) -> None:
    """``$LIQCASCADE_PROGRESS_EVERY_S``: seconds, ``inf`` for none; anything else the default."""
    monkeypatch.setenv("LIQCASCADE_PROGRESS_EVERY_S", value)
    assert _common._plain_every() == pytest.approx(expected)
    monkeypatch.delenv("LIQCASCADE_PROGRESS_EVERY_S")
    assert _common._plain_every() == pytest.approx(10.0)
