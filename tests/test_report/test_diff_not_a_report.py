"""``liqcascade diff`` on another command's JSON says it is not a report, in one line."""

from __future__ import annotations

import json
from pathlib import Path

from clihelpers import run_cli


def test_a_contagion_json_is_not_a_report(tmp_path: Path) -> None:
    for run in ("run1", "run2"):
        (tmp_path / run).mkdir()
        # what `liqcascade contagion --json > run1/contagion.json` writes (abridged)
        (tmp_path / run / "contagion.json").write_text(
            json.dumps({"venues": {}, "defi": {}, "contagion_share": 0.6}), encoding="utf-8"
        )
    old, new = (str(tmp_path / r / "contagion.json") for r in ("run1", "run2"))
    r = run_cli("diff", old, new)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {old}: no 'front' block")
    assert "not the summary.json of a liqcascade report" in lines[0]
    assert "compares two report folders" in lines[0]
    assert "0.2 or newer is needed" not in lines[0]  # it said to upgrade, which cannot help
