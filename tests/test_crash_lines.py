"""Every named-crash reading says which one it is (``_crashes.crash_line``), and docs compare them.

Four commands run a "2025-10-10" from different bars, windows and moves; each prints a
``crash 2025-10-10 here:`` line so that a board pack does not put one beside another as
the same shock (docs/stress.md, "One crash, four readings").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from liqcascade._crashes import CRASH_READINGS_DOC, OCT_2025, crash_line
from liqcascade.collateral._run import crash_text

ROOT = Path(__file__).resolve().parents[1]


def test_crash_line_names_venue_bars_window_and_move() -> None:
    line = crash_line("Binance", "hourly", "2025-10-10 21:00-22:00 UTC", -0.1203,
                      "the hour's low over its open")  # fmt: skip
    assert line.startswith("crash 2025-10-10 here: Binance hourly bars, 2025-10-10 21:00-22:00 UTC")
    assert "ETH -12.0 % (the hour's low over its open)" in line
    assert line.endswith(f"({CRASH_READINGS_DOC})")
    assert "\n" not in line


def test_collateral_crash_text_only_when_the_clock_covers_the_crash_hour() -> None:
    start, end = pd.Timestamp("2025-10-10T12:00Z"), pd.Timestamp("2025-10-11T12:00Z")
    text = crash_text(start, end, "binance-30m", 4343.02, 3435.00)
    assert text is not None
    assert "Binance 30-minute bars, 2025-10-10 12:00 -> 2025-10-11 12:00 UTC" in text
    # 3,435.00 / 4,343.02 - 1 = -20.9 %: the trial's figure
    assert "ETH -20.9 %" in text and "4,343.02 -> 3,435.00" in text
    calm = pd.Timestamp("2025-09-01T12:00Z")
    assert crash_text(calm, calm + pd.Timedelta(days=1), "binance-30m", 4400.0, 4300.0) is None
    # the hour itself is inside [start, end): a clock ending at its open is not
    assert crash_text(start, OCT_2025.hour, "binance-30m", 4343.02, 3435.0) is None


@pytest.mark.parametrize(
    "command",
    [
        "solvency",
        "contagion --preset oct-2025",
        "stress --scenario replay",
        "collateral --preset oct-2025",
    ],
)
def test_docs_table_lists_the_four_readings(command: str) -> None:
    text = (ROOT / "docs" / "stress.md").read_text(encoding="utf-8")
    head = "## One crash, four readings"
    assert head in text
    section = text.split(head, 1)[1].split("\n## ", 1)[0]
    assert f"| `{command}" in section


def test_the_stress_replay_and_solvency_rows_say_which_reading_they_are() -> None:
    from liqcascade._cli.solvency import _crash_line as solvency_line
    from liqcascade._cli.stress import _replay_crash_line

    span = {"ETH": ["2025-10-10T00:00:00+00:00", "2025-10-12T00:00:00+00:00"]}
    moves = {"ETH": -0.1418, "BTC": -0.09}
    replay = {"scenarios": [{"scenario": "2022-06-13", "recorded_move": {"ETH": -0.3}},
                            {"scenario": "2025-10-10", "recorded_move": moves,
                             "window_span": span}]}  # fmt: skip
    line = _replay_crash_line(replay)
    assert line is not None
    assert line.startswith("crash 2025-10-10 here: Bybit 15-minute bars, 2025-10-10 00:00 -> ")
    assert "2025-10-12 00:00 UTC, ETH -14.2 % (last close over first open" in line
    # another window, or a replay without ETH, names no crash
    assert _replay_crash_line({"scenarios": replay["scenarios"][:1]}) is None
    no_eth = {"scenario": "2025-10-10", "recorded_move": {"BTC": -0.09}}
    assert _replay_crash_line({"scenarios": [no_eth]}) is None

    rows = [{"name": "-5 %", "shock": -0.05}, {"name": "2025-10-10", "shock": -0.16237}]
    btc = solvency_line({"scenarios": rows, "market": {"asset": "BTC"}})
    assert btc is not None
    assert "Binance hourly bars, 2025-10-10 00:00 -> 2025-10-11 00:00 UTC" in btc
    assert "BTC -16.2 % (the day's lowest low over its first open" in btc
    assert "ETH" not in btc.split(";")[0]
    assert solvency_line({"scenarios": rows[:1], "market": {"asset": "ETH"}}) is None
    own = solvency_line({"scenarios": rows, "market": {}})  # a positions file: no market
    assert own is not None and "the book's asset -16.2 %" in own
