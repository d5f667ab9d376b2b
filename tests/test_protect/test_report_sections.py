"""The protect and transparency sections of the default quick report write their summaries."""

from __future__ import annotations

import json
from pathlib import Path


def test_protect_and_transparency_sections(report: dict[str, Path]) -> None:
    s = json.loads(report["summary"].read_text())  # the default quick report (conftest)
    blob = json.dumps(s)
    assert "recommendation_long" in blob and "early_warning" in blob
    html = report["html"].read_text()
    assert "Placing stops that don" in html
    # each recommendation's warnings beside it (the ETH short keeps its raw stop: said)
    rec = html[html.index("ETH: stop recommendation at the market date") :]
    rec = rec[: rec.index("</table>")]
    assert ">warnings</th>" in rec
    short = s["sections"]["protect"]["recommendation_short"]["warnings"]
    for w in short:
        assert w.split(":")[0][1:] in rec  # its head, capitalised by the page
    assert "ETH: transparency metrics" in html and "BTC: transparency metrics" in html
