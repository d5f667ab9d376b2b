"""Report section "Where liquidations and stops cluster" in quick mode, on the bundled data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from liqcascade.report import ReportContext


@pytest.fixture(scope="module")
def summary(report: dict[str, Path]) -> dict:
    """The default quick report's summary (conftest's shared build): its liqmap section."""
    return json.loads(report["summary"].read_text())


def test_summary_figures_consistent(summary: dict) -> None:
    s = summary["sections"]["liqmap"]
    assert s["as_of"].startswith("2025-07-31T20:00")
    assert 3000 < s["price"] < 4500
    cl = s["cumulative_long_liq_usd"]
    assert cl["-0.05"] <= cl["-0.10"] <= cl["-0.20"] <= s["long_liq_usd"] * (1 + 1e-9)
    assert s["long_liq_within_5%_usd"] == pytest.approx(cl["-0.05"])
    cs = s["cumulative_short_liq_usd"]
    assert cs["0.05"] <= cs["0.10"] <= cs["0.20"]
    assert s["concentration_hhi_uniform"] == pytest.approx(1 / 80)
    if s["concentration_total_usd"] > 0:
        assert s["concentration_hhi"] >= s["concentration_hhi_uniform"]
        assert 0 < s["concentration_share_near_largest_cluster"] <= 1
        assert s["largest_clusters"][0]["notional_usd"] == pytest.approx(s["largest_cluster_usd"])
    st = s["stops"]
    comp = sum(st[f"component_{k}_share"] for k in ("fixed", "round", "swing", "atr"))
    assert comp == pytest.approx(1.0)
    assert st["sell_stops_usd"] == pytest.approx(s["sell_stops_usd"], rel=1e-6) or (
        st["sell_stops_usd"] >= s["sell_stops_usd"]  # stops beyond ±20 % are outside the map
    )
    lv = s["level_4000_at_last_date"]
    assert lv["long_liq_below_level_usd"] >= lv["long_liq_10pct_below_level_usd"] >= 0
    assert s["heatmap"]["n_times"] == 15 and s["heatmap_days"] == 14
    claims = {c["claim"]: c["verdict"] for c in summary["claims"]}
    assert any("Stop-losses bunch" in c for c in claims)
    # the bunching is the estimated book's own: a claim on the model alone (README's rule),
    # whatever the concentration (before, an HHI over 2× an even spread was "partly supported")
    (cluster,) = [v for c, v in claims.items() if "Liquidations cluster" in c]
    assert cluster == "not testable with these data"


def test_typed_context_shares_the_book() -> None:
    from liqcascade.positions import PositionBook
    from liqcascade.report import _liqmap_section

    ctx = ReportContext(quick=True)
    sec = _liqmap_section.section(ctx)
    book = ctx.estimated_book
    assert isinstance(book, PositionBook)
    assert ctx.estimated_book is book  # computed once, shared with the solvency section
    assert sec.summary["n_positions"] == len(book) and sec.summary["n_stops"] > 0
    # figures stay light
    for fig in sec.figures:
        for tr in fig.data:
            z = getattr(tr, "z", None)
            n = np.size(z) if z is not None else np.size(getattr(tr, "x", []))
            assert n < 400_000
