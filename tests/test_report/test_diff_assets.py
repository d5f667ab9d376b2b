"""``liqcascade diff`` warns when the reports cover different assets and lists gone headlines.

A BTC-only report diffed against an ETH one compared them without a word, and the
headlines only the old report had were not listed unless an alert named them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clihelpers import run_cli
from liqcascade.report import diff_reports
from liqcascade.report._diff import report_assets


def _summary(asset: str, key: str, value: float) -> dict[str, Any]:
    head = {"key": key, "label": "Smallest fall", "value": value, "unit": "fraction",
            "asset": asset}  # fmt: skip
    front = {"assets": [asset], "as_of": "2025-07-31T20:00:00+00:00", "headlines": {key: head}}
    return {"front": front}


BTC = _summary("BTC", "critical_shock_btc", -0.04)
ETH = _summary("ETH", "critical_shock", -0.03)


def _folder(root: Path, name: str, summary: dict[str, Any]) -> str:
    d = root / name
    d.mkdir()
    (d / "summary.json").write_text(json.dumps(summary))
    return str(d)


def test_library_warns_and_lists_the_old_only_headlines() -> None:
    d = diff_reports(BTC, ETH)
    assert d.old_assets == ["BTC"] and d.new_assets == ["ETH"]
    assert len(d.warnings) == 1 and "different assets (old: BTC; new: ETH)" in d.warnings[0]
    assert [(c.key, c.old, c.new) for c in d.gone] == [("critical_shock_btc", -0.04, None)]
    assert [(c.key, c.old, c.new) for c in d.changes] == [("critical_shock", None, -0.03)]
    assert not d.fired  # a warning, not an alert
    same = diff_reports(ETH, ETH)  # warned as the same market, not as other assets
    assert len(same.warnings) == 1 and "the same market" in same.warnings[0] and same.gone == []


def test_assets_read_from_headlines_without_front_assets() -> None:
    old = {"front": {k: v for k, v in BTC["front"].items() if k != "assets"}}
    assert report_assets(old) == ["BTC"]
    assert report_assets({"front": {"headlines": {}}}) == []


def test_cli_warns_on_stderr_and_prints_gone(tmp_path: Path) -> None:
    old, new = _folder(tmp_path, "btc", BTC), _folder(tmp_path, "eth", ETH)
    r = run_cli("diff", old, new)
    assert r.exit_code == 0, r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("warning: the reports cover different assets")
    assert "gone: BTC: Smallest fall: was −4.00 % (not in the new report)" in r.stdout
    assert "new: ETH: Smallest fall: −3.00 % (not in the old report)" in r.stdout
    j = run_cli("diff", old, new, "--json")
    assert j.exit_code == 0 and j.stderr.startswith("warning:")
    out = j.json()
    assert out["gone"][0]["key"] == "critical_shock_btc" and out["warnings"]
    same = run_cli("diff", new, new)
    assert same.stderr.startswith("warning: both reports are of the same market")
    assert "different assets" not in same.stderr and "gone:" not in same.stdout
