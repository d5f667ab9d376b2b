"""The validation report section, on the real bundled data."""

from __future__ import annotations

import json

from liqcascade.report import build_report


def test_validation_section_summary(tmp_path) -> None:
    paths = build_report(tmp_path, modules=("liqcascade.report._validation_section",), quick=True)
    s = json.loads(paths["summary"].read_text())
    v = s["sections"]["validation"]
    assert v["beats_baselines_oos"] is True
    assert v["oos_corr_daily_model"] > v["oos_corr_daily_baseline"] > v["oos_corr_daily_default"]
    assert v["default_overprediction_oos"] > 2.0
    assert v["backtest_oos"]["metrics"]["corr_daily"] == v["oos_corr_daily_model"]
    assert v["backtest_oos"]["bars"] == 61 * 6
    claims = [c for c in s["claims"] if "heatmaps" in c["claim"]]
    assert claims and claims[0]["verdict"] == "not supported"
    html = paths["html"].read_text()
    assert "Are liquidation estimates any good" in html
