"""Section fixes the issues name: categorical scenario axes, saturated numbers as bounds,
calibrated figures first and the static book shown only as the bound of the carry."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from liqcascade.report import build_report


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("sections")
    paths = build_report(out, sections=("stress", "solvency", "cascade"), quick=True, asset="ETH")
    return paths["html"].read_text(), json.loads(paths["summary"].read_text())


def _figure(html: str, fid: str) -> dict:
    m = re.search(rf'data-target="{fid}">(.*?)</script>', html, re.S)
    assert m, fid
    return dict(json.loads(m.group(1).replace("<\\/", "</")))


def test_solvency_scenarios_are_categories(built: tuple[str, dict]) -> None:
    html, summary = built
    fig = _figure(html, "fig-solvency-0")
    assert fig["layout"]["xaxis"]["type"] == "category"
    xs = fig["data"][0]["x"]
    assert xs == list(summary["sections"]["solvency"]["bad_debt_usd"])
    assert "-30%" in xs and "2025-10-10" in xs and len(set(xs)) == len(xs) == 7


def _section_text(html: str, sid: str) -> str:
    """The section's HTML, entities unescaped."""
    return unescape(html.split(f'id="{sid}"')[1].split("</section>")[0])


def test_saturated_results_are_labelled_bounds(built: tuple[str, dict]) -> None:
    html, summary = built
    s = summary["sections"]["stress"]
    flags = s["whole_book"]
    # the flags are the library's own: a figure is the whole book only when it ran out
    for r in s["shocks"]:
        assert flags[f"shock {r['shock']:+.0%}"] is r["whole_book_liquidated"]
    for w, r in s["replays"].items():
        assert flags[f"replay {w}"] is r["whole_book_liquidated"]
    sec = _section_text(html, "stress")
    hit = [k for k, f in flags.items() if f]
    if hit:
        assert "The book truly runs out in: " + ", ".join(hit) in sec
        # shocks and replays: "a whole side of the book"; the Monte Carlo counts both sides
        assert "(a whole side of the book: it ran out)" in sec or "(a side ran out on" in sec
    else:
        assert "no liquidation figure here is a ceiling set by the book" in sec
        assert "it ran out" not in sec
    # no common ceiling: the shocks' liquidations all differ (the issue's 231 M for all)
    liq = [round(r["market_liquidations_usd"]) for r in s["shocks"]]
    assert len(set(liq)) == len(liq)
    var = summary["front"]["headlines"]["var99_30d"]
    mc = s["montecarlo"]
    flat = mc["var_99"] >= 0.999 * mc["es_99"]  # the whole margin lost beyond 99 %
    assert var["bound"] == flat
    if flat:
        assert "the whole margin: a bound, not an estimate" in html
    # the Monte Carlo samples never reach the page: histograms are binned
    fig = _figure(html, "fig-stress-0")
    assert all(t["type"] != "histogram" for t in fig["data"])
    assert len(json.dumps(fig)) < 60_000


def test_bad_debt_headline_spans_gap_and_cascade(built: tuple[str, dict]) -> None:
    _, summary = built
    h = summary["front"]["headlines"]["bad_debt_worst"]
    # the value is the cascade's, the high end (up to rounding); the gap fills the low
    # end (the clock books every close on its own, no better than the shocked price)
    assert h["low"] <= h["value"] <= h["high"]
    # the range also spans the parameter draws (liquidity × position book) of the worst case
    sol = summary["sections"]["solvency"]
    lo, hi = sol["bad_debt_interval_usd"][sol["worst_scenario"]]
    L = sol["liabilities_usd"]
    assert h["high"] == pytest.approx(max(h["value"], hi / L), rel=1e-9)
    assert h["low"] <= lo / L + 1e-12
    assert "parameter draws" in h["interval"]
    assert h["section"] == "solvency" and "Model only" in h["evidence"]


def test_no_file_users_lack_is_cited(built: tuple[str, dict]) -> None:
    html, _ = built
    assert "DESIGN.md" not in html and "docs/" not in html


def test_stress_shocks_lead_with_calibrated_figures_and_bound_the_carry(
    built: tuple[str, dict],
) -> None:
    html, summary = built
    s = summary["sections"]["stress"]
    for r in s["shocks"]:
        assert r["price_after_p10"] <= r["price_after"] <= r["price_after_p90"]
        if r["shock"] < 0:
            assert r["static_price_after"] <= r["carry_price_after_p10"]
        else:
            assert r["static_price_after"] >= r["carry_price_after_p90"]
    sec = _section_text(html, "stress")
    heads = [
        "ETH extreme within 24 h (80 %)",
        "market liquidations, 24 h (80 %)",
        "cascade's own carry (index held)",
        "static book (bounds the carry)",
    ]
    pos = [sec.find(h) for h in heads]
    assert all(p >= 0 for p in pos) and pos == sorted(pos)  # calibrated columns first
    assert "bounds that carry at" in sec and "upper bound" not in sec


def test_cascade_shows_the_static_book_as_the_carry_bound(built: tuple[str, dict]) -> None:
    html, summary = built
    cal = summary["sections"]["cascade"]["calibrated"]
    f5 = cal["fall_5pct"]
    static = f5["static_upper_bound"]["final_move"]
    assert static <= f5["carry_p10"] <= f5["carry_median"] <= f5["carry_p90"] <= -0.05 + 1e-9
    curve = cal["curve"]
    assert len(curve["carry_median"]) == len(curve["shock"])
    assert all(c <= s + 1e-12 for c, s in zip(curve["carry_median"], curve["shock"], strict=True))
    mv = summary["front"]["headlines"]["move_5pct"]
    assert mv["value"] == f5["move_median"]
    assert "own carry" in mv["interval"] and "static bound" in mv["interval"]
    assert "static bound" in summary["front"]["headlines"]["forced_selling_5pct"]["interval"]
    cs = summary["front"]["headlines"]["critical_shock"]["interval"]
    assert "static book" in cs and "bounds only the cascade's own carry" in cs
    sec = _section_text(html, "cascade")
    assert "static book (instant, no refill; " in sec and "its move bounds the carry" in sec
    assert "cascade's own carry (index held at the shock)" in sec


def test_forced_selling_evidence_quotes_the_shipped_event_backtest(
    built: tuple[str, dict],
) -> None:
    # the card quotes the liquidation score stored beside the shipped calibrations (the
    # back-test that predicts each event with the calibration before it), not a stale one
    import json
    from importlib import resources

    _, summary = built
    doc = json.loads(
        resources.files("liqcascade.cascade").joinpath("calibrated/ETH.json").read_text()
    )
    ev = summary["front"]["headlines"]["forced_selling_5pct"]["evidence"]
    assert f"log-correlation {doc['backtest']['liq_corr']:.2f} (goal 0.7)" in ev
