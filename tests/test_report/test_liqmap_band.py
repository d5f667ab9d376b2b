"""The map section speaks with its band and its score (truth before precision).

The liquidation map's figures are drawn on each of the book's parameter draws
(``liqcascade.market._mapband``): the lead sentence, the $4,000 figure and the clusters
table print the p05–p95 band beside each value; the section's summary carries the bands
and the stored out-of-sample score, whose verdict (a tie with the range baseline) the lead
sentence states."""

from __future__ import annotations

import json
from html import unescape

import numpy as np
import pytest

from floats import assert_same
from liqcascade.report import build_report


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("liqmap")
    paths = build_report(out, sections=("liqmap",), quick=True, asset="ETH")
    html = unescape(paths["html"].read_text().split('id="liqmap"')[1].split("</section>")[0])
    return html, json.loads(paths["summary"].read_text())["sections"]["liqmap"]


def test_bands_contain_the_values(built: tuple[str, dict]) -> None:
    _, s = built
    b = s["bands"]
    assert b["band"]["n_draws"] >= 5 and b["band"]["note"] is None
    assert b["band"]["percentiles"] == [5, 95]
    for kind in ("long_liq_usd", "short_liq_usd"):
        point = s[f"cumulative_{kind}"]
        lo, hi = b[f"cumulative_{kind}_p05"], b[f"cumulative_{kind}_p95"]
        assert set(point) == set(lo) == set(hi)
        for level in point:
            assert lo[level] <= hi[level]
            if abs(float(level)) >= 0.05:  # the ±10 % figures the text quotes
                assert lo[level] < hi[level], (kind, level)  # not a zero-width band
    # the ±10 % lead figures: each inside its band here (the central fit among its draws)
    assert b["cumulative_long_liq_usd_p05"]["-0.10"] <= s["cumulative_long_liq_usd"]["-0.10"]
    assert s["cumulative_long_liq_usd"]["-0.10"] <= b["cumulative_long_liq_usd_p95"]["-0.10"]
    lb = s["level_4000_forced_buying_band"]
    assert lb is not None and lb[0] < lb[1]
    assert len(s["cluster_bands"]) >= len(s["largest_clusters"])


def test_lead_sentence_prints_the_band_and_the_verdict(built: tuple[str, dict]) -> None:
    from liqcascade.market._mapband import value_band_text

    html, s = built
    b = s["bands"]
    lead = value_band_text(
        s["cumulative_long_liq_usd"]["-0.10"],
        b["cumulative_long_liq_usd_p05"]["-0.10"],
        b["cumulative_long_liq_usd_p95"]["-0.10"],
    )
    from liqcascade.report._format import NBSP

    # a takeaway keeps each figure with its unit (no-break space), as a table cell does
    nb = lead.replace(" M", f"{NBSP}M")
    assert f"liquidate ${nb} of longs on a 10{NBSP}% fall" in html
    assert f"(p05–p95 over the book's {b['band']['n_draws']} parameter draws)" in html
    sc = s["out_of_sample"]
    assert sc is not None and sc["verdict"] == "ties"  # the shipped ETH score
    assert f"correlate {sc['corr_daily']:.2f} with the record" in html
    assert f"the range baseline's {sc['range_baseline_corr_daily']:.2f}" in html
    assert "does not beat the range baseline (a tie)" in html
    assert "-0.0" not in html  # minus signs typeset


def test_level_and_clusters_are_banded(built: tuple[str, dict]) -> None:
    from liqcascade.market._mapband import value_band_text
    from liqcascade.report._format import NBSP

    html, s = built
    lo, hi = s["level_4000_forced_buying_band"]
    point = s["level_4000_at_last_date"]["forced_buying_to_level_usd"]
    # the point of the banded text is the map's, which sums the same positions and stops
    text = html.split("A rise to $4,000")[1].split(" of short liquidations")[0]
    text = text.replace(NBSP, " ")  # a takeaway joins figure and unit (read as words here)
    value = float(text.split("trigger $")[1].split(" M")[0]) * 1e6
    assert_same(value, point, rtol=5e-3)  # 3 significant figures
    assert text.endswith(value_band_text(value, lo, hi).split(" ", 2)[2])
    c0, row0 = s["largest_clusters"][0], s["cluster_bands"][0]
    cell = "$" + value_band_text(
        c0["notional_usd"], row0["notional_usd_p05"], row0["notional_usd_p95"]
    )
    assert f"<td>{cell}</td>" in html.replace(NBSP, " ")  # a table joins figure and unit
    assert "notional (p05–p95 over draws)" in html
    assert (
        np.isfinite(row0["notional_usd_p05"])
        and row0["notional_usd_p05"] < row0["notional_usd_p95"]
    )
