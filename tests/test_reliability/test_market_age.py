"""The market's age: one threshold and one count for the report and the commands' note."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from clihelpers import run_cli, run_cli_subprocess
from liqcascade import _time
from liqcascade._cli import _common, _market_line
from liqcascade.errors import InputError

MARKET = {"asset": "BTC", "as_of": "2025-07-31T20:00:00+00:00",
          "close_time": "2025-08-01T00:00:00+00:00"}  # fmt: skip
BAR = "BTC at 2025-07-31 20:00 UTC (bar closed 2025-08-01 00:00)"
NOTE = (
    f"note: not today's market: {BAR}; the data end there (--as-of chooses another date "
    "within them)"
)
ETH = ["liqmap", "--asset", "ETH", "--json"]


def test_one_stale_threshold() -> None:
    from liqcascade.report import _build

    assert _build.STALE_DAYS == _time.STALE_DAYS == 3
    assert not hasattr(_market_line, "STALE_DAYS")  # no second copy beside the note
    # the same count as the report's (its bar open + the 4-hour bar, to the clock)
    now = "2026-12-06T19:00:00+00:00"
    assert _market_line.age_days(MARKET, now) == _build.market_age_days(MARKET["as_of"], now)
    assert _time.days_since(MARKET["close_time"], "2025-08-04T23:59:00+00:00") == 3


def test_the_threshold_is_the_reports() -> None:
    three = "2025-08-04T23:00:00+00:00"  # 3 whole days: still today's market, as the report
    four = "2025-08-05T00:00:00+00:00"
    assert _market_line.age_note(MARKET, three) is None
    assert _market_line.age_note(MARKET, four) == NOTE.removeprefix("note: ")


def test_the_words_hold_no_day_count() -> None:
    """A log or a page quoting the note reads the same on every day (the count: JSON)."""
    notes = {_market_line.age_note(MARKET, now) for now in ("2025-08-05", "2026-12-06T19:00")}
    (note,) = notes  # 4 days old or 492: the same words
    assert note is not None and not re.search(r"\d", note.replace(BAR, ""))
    asked = _market_line.age_note(MARKET, "2027-03-01", asked="2025-07-31")
    assert asked == f"the market of the date asked (--as-of 2025-07-31): {BAR}"
    assert "the data end there" not in asked


@pytest.fixture
def err(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """stderr as a log (no terminal), stdout elsewhere; no command's values or notes."""
    term = io.StringIO()
    monkeypatch.setattr(_common, "stderr", Console(file=term, force_terminal=False, width=80))
    monkeypatch.setattr(_common, "stdout", Console(file=io.StringIO(), width=80))
    monkeypatch.setattr(_common, "STATE", _common._State())
    yield term


@pytest.mark.parametrize(("as_of", "said"), [(None, NOTE), ("2025-07-31", "note: the market")])
def test_emit_says_which_in_a_log(err: io.StringIO, as_of: str | None, said: str) -> None:
    _common.STATE.params = {"as_of": as_of}
    _common.emit({"x": 1, "market": MARKET}, True)
    _common.emit({"x": 2, "market": MARKET}, False)  # a second result: one note
    assert err.getvalue() == ""  # said once the command has run to its end
    _common.end_notes()
    (line,) = err.getvalue().splitlines()  # one line, not wrapped at 80 columns
    assert line.startswith(said) and line.endswith(BAR if as_of else "within them)")
    _common.end_notes()
    assert err.getvalue().count("\n") == 1  # forgotten once said


def test_quiet_and_a_recent_market_say_nothing(err: io.StringIO) -> None:
    _common.STATE.verbosity = -1
    _common.emit({"x": 1, "market": MARKET}, True)
    _common.end_notes()
    _common.STATE.verbosity = 0
    hour_ago = pd.Timestamp.now(tz="UTC").floor("h") - pd.Timedelta(hours=1)
    recent = {**MARKET, "as_of": (hour_ago - pd.Timedelta(hours=4)).isoformat(),
              "close_time": hour_ago.isoformat()}  # fmt: skip
    _common.emit({"x": 1, "market": recent}, True)
    _common.end_notes()
    assert err.getvalue() == "" and _common.STATE.notes == []


def test_a_command_in_a_log_ends_with_the_note_and_json_on_stdout() -> None:
    r = run_cli(*ETH)  # stderr is a StringIO: no terminal
    assert r.exit_code == 0 and r.json()["data_age_days"] > _time.STALE_DAYS
    assert r.stderr.splitlines() == [NOTE.replace(BAR, BAR.replace("BTC", "ETH"))]
    q = run_cli("-q", *ETH)
    assert (q.exit_code, q.stderr, q.json()["price"]) == (0, "", r.json()["price"])


def test_quiet_keeps_the_datas_warnings_and_a_date_asked_is_said(tmp_path: Path) -> None:
    asked = [*ETH, "--as-of", "2024-11-25"]  # a market before the book's first fit
    env = {"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")}
    q = run_cli_subprocess("-q", *asked, env=env)  # the caveats' log lines: a process's
    caveats = q.json()["market"]["caveats"]
    assert q.exit_code == 0 and len(caveats) == 2
    assert q.stderr.splitlines() == [
        f"warning: ETH market 2024-11-25 20:00 UTC: {c}" for c in caveats
    ]
    r = run_cli(*asked)  # in-process: the warnings go to pytest's log capture
    assert r.stderr.splitlines() == [
        "note: the market of the date asked (--as-of 2024-11-25): ETH at 2024-11-25 20:00 UTC "
        "(bar closed 2024-11-26 00:00)"
    ]


def test_a_run_that_fails_after_its_market_prints_one_error_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails(text: str) -> None:
        raise InputError("the output failed")

    monkeypatch.setattr(_common, "line", fails)  # the text view's last line
    r = run_cli("liqmap", "--asset", "ETH")
    assert (r.exit_code, r.stderr) == (2, "error: the output failed\n")


def test_the_pages_name_the_commands_that_print_the_note() -> None:
    """README and docs/data.md list the commands that build a market (wheel33 #10).

    README said "a command whose market is more than three days old" prints the note;
    ``vol`` (and ``support-study``) build no market: they cut their price bars at the
    market date and say so on their ``data:`` line, and their prices run past it, so the
    note's "the data end there" would be untrue of them. The lists are the market
    commands of tests/test_cli_market_times.py.
    """
    from test_cli_market_times import COMMANDS

    root = Path(__file__).resolve().parents[2]
    for page in ("README.md", "docs/data.md"):
        text = " ".join((root / page).read_text(encoding="utf-8").split())
        found = re.search(r"command that builds a market \(([^)]*)\)", text)
        assert found is not None, page
        assert set(re.findall(r"`([^`]+)`", found[1])) == set(COMMANDS), page
    readme = " ".join((root / "README.md").read_text(encoding="utf-8").split())
    assert "`vol` and `support-study` build no market and print no such line" in readme
