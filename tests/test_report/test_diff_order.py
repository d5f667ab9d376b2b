"""``liqcascade diff`` warns when the new report is older than the old one (trial 23).

Two summaries passed in the wrong order printed ``2025-07-31 → 2025-07-30`` and every
move with its sign flipped, without a word.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clihelpers import run_cli
from liqcascade.report import diff_reports


def _summary(as_of: str, value: float) -> dict[str, Any]:
    head = {"key": "critical_shock", "label": "Smallest fall", "value": value,
            "unit": "fraction", "asset": "ETH"}  # fmt: skip
    return {"front": {"assets": ["ETH"], "as_of": as_of, "headlines": {"critical_shock": head}}}


JUL30 = _summary("2025-07-30T20:00:00+00:00", -0.03)
JUL31 = _summary("2025-07-31T20:00:00+00:00", -0.04)


def test_library_warns_when_the_new_report_is_older() -> None:
    d = diff_reports(JUL31, JUL30)
    assert len(d.warnings) == 1
    w = d.warnings[0]
    assert w.startswith("the new report (2025-07-30 20:00 UTC) is older than the old one")
    assert "(2025-07-31 20:00 UTC)" in w and "wrong order" in w
    assert not d.fired  # a warning, not an alert
    # in order: no warning; the same date: not the reversed-order warning
    assert diff_reports(JUL30, JUL31).warnings == []
    (same,) = diff_reports(JUL31, JUL31).warnings  # not reversed: the same market
    assert same.startswith("both reports are of the same market (2025-07-31 20:00 UTC)")


def test_zones_compared_as_utc() -> None:
    # 22:00 at +03:00 is 19:00 UTC: earlier than 20:00 UTC although "22" > "20"
    east = _summary("2025-07-31T22:00:00+03:00", -0.03)
    assert diff_reports(JUL31, east).warnings != []
    assert diff_reports(east, JUL31).warnings == []


def test_cli_prints_the_warning_on_stderr(tmp_path: Path) -> None:
    for name, s in (("old", JUL30), ("new", JUL31)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps(s))
    r = run_cli("diff", str(tmp_path / "new"), str(tmp_path / "old"))
    assert r.exit_code == 0, r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("warning: the new report (2025-07-30")
    ok = run_cli("diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert ok.exit_code == 0 and ok.stderr == ""
