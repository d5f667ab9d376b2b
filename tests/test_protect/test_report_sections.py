"""The protect and transparency report sections (quick mode) write their summaries."""

from __future__ import annotations

import json
from pathlib import Path

from liqcascade.report import build_report


def test_protect_and_transparency_sections(tmp_path: Path) -> None:
    build_report(
        tmp_path,
        modules=(
            "liqcascade.report._protect_section",
            "liqcascade.report._transparency_section",
        ),
        quick=True,
    )
    s = json.loads((tmp_path / "summary.json").read_text())
    blob = json.dumps(s)
    assert "recommendation_long" in blob and "early_warning" in blob
    html = (tmp_path / "report.html").read_text()
    assert "Placing stops that don" in html
    # each recommendation's warnings beside it (the ETH short keeps its raw stop: said)
    rec = html[html.index("ETH: stop recommendation at the market date") :]
    rec = rec[: rec.index("</table>")]
    assert ">warnings</th>" in rec
    short = s["sections"]["protect"]["recommendation_short"]["warnings"]
    for w in short:
        assert w.split(":")[0][1:] in rec  # its head, capitalised by the page
    assert "ETH: transparency metrics" in html and "BTC: transparency metrics" in html
