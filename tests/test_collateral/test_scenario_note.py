"""The run's note names the held-out 2025-10-10 USDe window only for a clock that meets it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clihelpers import run_cli
from liqcascade.collateral._run import OTHER_WINDOW_NOTE, SCENARIO_NOTE, scenario_note

from .test_cli import BASE

#: test_cli's user configuration, its clock moved to April 2025 (far from the held-out
#: 2025-10-10 window).
APRIL = BASE.replace('start = "2025-10-10T18:00:00Z"', 'start = "2025-04-06T12:00:00Z"').replace(
    'end = "2025-10-10T23:00:00Z"', 'end = "2025-04-07T12:00:00Z"'
)
assert APRIL.count("2025-04-0") == 2


def _t(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_note_follows_the_clock() -> None:
    assert scenario_note(_t("2025-10-10 12:00"), _t("2025-10-11 12:00")) == SCENARIO_NOTE
    assert scenario_note(_t("2025-10-11 11:00"), _t("2025-10-12 11:00")) == SCENARIO_NOTE
    # a clock that ends as the held-out window starts, or starts as it ends, does not meet it
    assert scenario_note(_t("2025-10-09 12:00"), _t("2025-10-10 12:00")) == OTHER_WINDOW_NOTE
    assert scenario_note(_t("2025-10-11 12:00"), _t("2025-10-12 12:00")) == OTHER_WINDOW_NOTE


def test_a_user_scenario_in_april_is_not_told_about_october(tmp_path: Path) -> None:
    p = tmp_path / "april.toml"
    p.write_text(APRIL, encoding="utf-8")
    r = run_cli("collateral", "--config", str(p), "--json")
    assert r.exit_code == 0, r.stderr
    note = r.json()["note"]
    assert "2025-10-10" not in note and "USDe/USDT" not in note
    assert note == OTHER_WINDOW_NOTE
