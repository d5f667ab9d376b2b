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


def test_the_4000_level_gives_the_record_at_its_first_break_and_the_books_sample() -> None:
    """reg35: the $4,000 claim asked for "recorded liquidations on a day price crossed
    $4,000" that the bundle holds (2024-12-06), and the book "when ETH last traded above
    $4,000" (2024-12-17) was the 2025-03 fit's, trained on data that include that day."""
    from types import SimpleNamespace

    import pandas as pd

    from liqcascade import datasets as ds
    from liqcascade.report._liqmap_section import _break_text, _in_sample_words, _level_break

    last = pd.Timestamp("2025-07-31 20:00", tz="UTC")
    b = _level_break("ETH", last)
    # by hand: the first hourly high at or above $4,000 and the record's 4-hour bars
    h = ds.load_ohlcv("ETH", "1h")
    oi = ds.load_open_interest("ETH")
    h = h[(h.index >= oi.index[0]) & (h.index <= last)]
    first = h.index[h["high"] >= 4000][0]
    liq = ds.load_liquidations("ETH")
    bar = first.floor("4h")
    win = liq[(liq.index >= bar) & (liq.index < bar + pd.Timedelta(hours=24))]
    assert pd.Timestamp(b["first_high_above"]) == first == pd.Timestamp("2024-12-06 15:00Z")
    assert b["recorded_short_24h_usd"] == pytest.approx(win["short_usd"].sum(), rel=1e-9)
    assert b["recorded_short_24h_usd"] == pytest.approx(7.17e6, rel=0.01)
    typical = liq.loc[liq.index <= last, "short_usd"].rolling(6).sum().median()
    assert b["typical_short_24h_usd"] == pytest.approx(typical, rel=1e-9)
    assert b["first_fit_month"] == "2025-03"
    v = SimpleNamespace(asset="ETH", level_break=b, t_above=pd.Timestamp("2024-12-17 12:00Z"))
    assert "(the 2025-03 fit's book, trained on data that include that day: in sample)" in (
        _in_sample_words(v)
    )
    assert "recorded $7.2 M of short liquidations in the 24 h" in _break_text(v)
    assert "undercounts" in _break_text(v)
    later = SimpleNamespace(asset="ETH", level_break=b, t_above=pd.Timestamp("2025-04-02 00:00Z"))
    assert _in_sample_words(later) == ""  # a book fitted before its day says nothing more
    # a market date whose record does not hold the break's 24 h says nothing of it
    assert "first_high_above" not in _level_break("ETH", pd.Timestamp("2024-12-06 20:00Z"))
