"""The support section of the report, built alone in quick mode."""

from __future__ import annotations

import json
from pathlib import Path

from liqcascade.report import build_report


def test_support_section(tmp_path: Path) -> None:
    out = build_report(tmp_path, modules=("liqcascade.report._support_section",), quick=True)
    summary = json.loads(Path(out["summary"]).read_text())
    s = summary["sections"]["support"]
    assert s["n_tests"] == 80 and s["n_zones"] == 78
    assert abs(s["win_rate_1_10"] - 0.5314) < 5e-4
    assert s["verdict"] == "not supported"
    assert s["long_horizons_significantly_negative"] == 0
    assert s["n_tests_range_over_grid"] == [38, 212]
    assert s["horizons"]["10"]["n"] == 70
    (claim,) = summary["claims"]
    assert "162" in claim["claim"] and claim["verdict"] == "not supported"
    assert "80 tests" in claim["computed"]
    html = Path(out["html"]).read_text()
    assert "Support tests" in html
