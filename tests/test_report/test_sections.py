"""Section fixes the issue names: categorical scenario axes, saturated numbers as bounds."""

from __future__ import annotations

import json
import re

import pytest

from liqcascade.report import build_report


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("sections")
    paths = build_report(out, sections=("stress", "solvency"), quick=True)
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


def test_saturated_results_are_labelled_bounds(built: tuple[str, dict]) -> None:
    html, summary = built
    s = summary["sections"]["stress"]
    sat = s["saturated_liquidations_usd"]
    if sat is not None:
        assert "whole book: a bound" in html
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
    assert h["low"] <= h["value"] == h["high"]
    assert h["section"] == "solvency" and "Model only" in h["evidence"]


def test_no_file_users_lack_is_cited(built: tuple[str, dict]) -> None:
    html, _ = built
    assert "DESIGN.md" not in html and "docs/" not in html
