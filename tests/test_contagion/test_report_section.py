"""The contagion report section on the bundled data (quick mode)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqcascade.report import build_report


def test_section_summary(tmp_path: Path) -> None:
    build_report(tmp_path, modules=("liqcascade.report._contagion_section",), quick=True)
    s = json.loads((tmp_path / "summary.json").read_text())
    c = s["contagion"] if "contagion" in s else s["sections"]["contagion"]
    assert c["replay_shock"] == pytest.approx(3400.0 / 3864.76 - 1)
    assert c["aave_recorded_usd"] == pytest.approx(43.1e6, rel=0.01)
    assert c["aave_ratio"] == pytest.approx(c["defi_liquidated_usd"] / c["aave_recorded_usd"])
    assert 0 < c["contagion_share"] < 1
    assert c["rounds_to_spread"] >= 1
    assert c["hyperliquid_covered"] is False
    assert 0.5 < c["btc_eth_beta"] < 1.5
    assert (tmp_path / "report.html").stat().st_size > 10_000
