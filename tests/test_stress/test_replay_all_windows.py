"""``liqcascade stress --scenario replay --window all``: every named window, one table.

The market is the session's estimated ETH market (``stress_market`` patched to return
it: the command builds one per window otherwise), and ``--no-cascade`` replays the
recorded paths, so the command runs in seconds; the rows, the flag of a window recorded
after the market date (2025-10-10, after the 2025-07-31 market), the exit code and the
JSON are the command's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.stress import WINDOWS, StressMarket

ARGS = ("stress", "--scenario", "replay", "--window", "all", "--no-cascade")


def test_window_all_json_has_one_row_per_window_and_flags_the_later_one(
    one_market: StressMarket, data_dir: Path
) -> None:
    pf = str(data_dir / "stress" / "portfolio.csv")
    r = run_cli(*ARGS, "--portfolio", pf, "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["label"] == "all windows" and out["windows"] == list(WINDOWS)
    assert [s["scenario"] for s in out["scenarios"]] == list(WINDOWS) and out["paths"] == 4
    assert set(out["details_by_window"]) == set(WINDOWS)
    # only the 2025-10-10 window ends after the market's close (2025-08-01 00:00 UTC)
    flags = {s["scenario"]: s["after_market_date"] for s in out["scenarios"]}
    assert flags == {"2022-06-13": False, "2022-11-08": False, "2024-08-05": False,
                     "2025-10-10": True}  # fmt: skip
    for s in out["scenarios"]:
        assert set(s["recorded_move"]) == {"ETH", "BTC"} and s["pnl_usd"] < 0
    assert out["crash"].startswith("crash 2025-10-10 here:")


def test_window_all_text_marks_the_row_recorded_after_the_market_date(
    one_market: StressMarket, data_dir: Path
) -> None:
    pf = str(data_dir / "stress" / "portfolio.csv")
    r = run_cli(*ARGS, "--portfolio", pf, env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.stderr
    rows = {line.split("│")[1].strip(): line for line in r.stdout.splitlines()
            if line.startswith("│")}  # fmt: skip
    assert set(rows) == {"2022-06-13", "2022-11-08", "2024-08-05", "2025-10-10 *"}
    assert "* 2025-10-10 — recorded after the market date: a what-if" in r.stdout
    assert r.stdout.count("recorded after the market date") == 1


def test_window_all_without_a_portfolio_exits_2(one_market: StressMarket) -> None:
    r = run_cli(*ARGS)
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and "portfolio" in r.stderr
    assert "Traceback" not in r.stderr


def test_window_all_notes_an_unread_column_once(
    one_market: StressMarket, data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Trial 37: the file is read once per window; its note was printed four times."""
    body = (data_dir / "stress" / "portfolio.csv").read_text().splitlines()
    f = tmp_path / "desk.csv"
    f.write_text("\n".join([body[0] + ",desk"] + [r + ",x" for r in body[1:]]) + "\n")
    r = run_cli(*ARGS, "--portfolio", str(f))
    assert r.exit_code == 0, r.stderr
    notes = [m.getMessage() for m in caplog.records if "not read" in m.getMessage()]
    assert len(notes) == 1 and "1 column not read: desk" in notes[0]
    # a second run in the same process notes it again (the filter is the run's own)
    caplog.clear()
    assert run_cli(*ARGS, "--portfolio", str(f)).exit_code == 0
    assert len([m for m in caplog.records if "not read" in m.getMessage()]) == 1
