"""The stress report section builds on the bundled data (quick mode) with real numbers."""

from __future__ import annotations

import json
from pathlib import Path

from liqcascade.report import build_report


def test_stress_section_quick(tmp_path: Path) -> None:
    build_report(tmp_path, modules=("liqcascade.report._stress_section",), quick=True)
    summary = json.loads((tmp_path / "summary.json").read_text())
    s = summary["stress"] if "stress" in summary else summary["sections"]["stress"]
    assert s["paths"] == 2000 and s["horizon_days"] == 30
    mc = s["montecarlo"]
    assert 0 < mc["var_95"] <= mc["var_99"] <= mc["es_99"] + 1e-6
    q = s["price_quantiles"]
    assert q["p05"] < s["eth_price"] < q["p95"]
    assert set(s["replays"]) == {"2022-06-13", "2022-11-08", "2024-08-05", "2025-10-10"}
    r = s["replays"]["2024-08-05"]
    assert r["recorded_move"] < -0.1 and r["source"] == "eth_30m"
    assert r["min_price_with_cascade"] <= r["min_price_recorded_path"]
    assert (tmp_path / "report.html").stat().st_size > 10_000
