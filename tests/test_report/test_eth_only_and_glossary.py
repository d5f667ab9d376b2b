"""ETH-only sections say why; the glossary's two critical shocks; transparency's units."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqcascade.report import build_report
from liqcascade.report._build import GLOSSARY
from liqcascade.report._registry import SECTIONS


def test_every_eth_only_section_says_why() -> None:
    eth_only = [s for s in SECTIONS if s.scope == "ETH"]
    assert {s.id for s in eth_only} >= {"data", "contagion", "collateral"}
    for s in eth_only:
        assert s.why_eth_only, s.id


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("eth_only")
    paths = build_report(
        out, sections=("data", "contagion"), quick=True, asset="ETH,BTC", workers=1
    )
    return paths["html"].read_text(), json.loads(paths["summary"].read_text())


def test_front_page_says_why_there_is_no_btc_block(built: tuple[str, dict]) -> None:
    html, s = built
    lines = s["front"]["eth_only"]
    why = {sp.id: sp.why_eth_only for sp in SECTIONS}
    assert lines == [f"Data: {why['data']}.", f"Contagion: {why['contagion']}."]
    assert "ETH only, no BTC block:" in html
    assert "the 2025-10-10 contagion preset is an ETH scenario" in html


def test_eth_only_sections_carry_the_reason(built: tuple[str, dict]) -> None:
    html, _ = built
    sec = html[html.index('id="contagion"') :]
    assert "ETH only: this section is computed for ETH (the 2025-10-10 contagion preset" in sec


def test_single_asset_report_has_no_eth_only_line(tmp_path: Path) -> None:
    from liqcascade.report._build import _eth_only
    from liqcascade.report._section import ReportContext

    assert _eth_only(ReportContext(quick=True, asset="ETH", assets=("ETH",)), []) == []


def test_glossary_defines_both_critical_shocks() -> None:
    g = dict(GLOSSARY)
    assert "median 24-h path" in g["Critical shock"]
    assert "static book" in g["Critical shock, static-book"]
    assert "instant, no refill" in g["Critical shock, static-book"]


def test_glossary_covers_the_front_pages_terms() -> None:
    # every term the front page's cards and claims use (review-product7, F13)
    # the event back-test's baselines spelt as the report's tables and prose spell them
    B = "Baselines (Empirical, Expanding, Trigger, Range, Background, EWMA)"
    terms = {
        "own carry": "Index held, own carry",
        "index held": "Index held, own carry",
        "static book": "Static book, static bound",
        "static bound": "Static book, static bound",
        "empirical": B,
        "trigger": B,
        "range": B,
        "background": B,
        "pp": "pp",
        "Kupiec": "Kupiec test",
        "pinball loss": "Pinball loss",
        "log-correlation": "Log-correlation",
        "gap fills": "Gap fills (only)",
        "latent depth": "Latent depth",
        # review14 item 22: every term the cards, claims and tables use undefined before
        "expanding": B,
        "Binance's recorded liquidation feed": "Book dollars, feed dollars",
        "bankruptcy price": "Bankruptcy price",
        "Gini": "Gini",
        "haircut": "Haircut, overshoot (ADL)",
        "overshoot": "Haircut, overshoot (ADL)",
        "health factor": "HF (health factor)",
        "mark": "Mark price, index price",
        "Spearman": "Pearson, Spearman",
        "AIC": "AIC, BIC",
        "Holm": "Holm, Bonferroni",
        "ARCH-LM": "ARCH-LM test",
        "Ljung–Box": "Ljung–Box test",
        "uniMMR": "uniMMR",
    }
    g = dict(GLOSSARY)
    for word, key in terms.items():
        assert key in g, key
        assert word.lower() in (key + " " + g[key]).lower(), word
    assert "−4.07 pp" in g["pp"] and "not a relative change" in g["pp"]
    # review14 item 11: out of sample on data as revised later, not point-in-time
    assert "revised" in g["Out of sample"] and "not point-in-time" in g["Out of sample"]
    assert "median of 178 days" in g["Out of sample"]
    assert "frozen at the back-test's start" in g[B] and "re-estimated before each event" in g[B]
    assert "pooled" in g["Critical shock"] and "cascade --fragility" in g["Critical shock"]
    # in the glossary's order: alphabetical, case aside
    keys = [k.lower() for k, _ in GLOSSARY]
    assert keys == sorted(keys, key=lambda k: k.replace("-", ""))


def test_transparency_names_the_static_book_and_units() -> None:
    from liqcascade.report import _transparency_section as t
    from liqcascade.report._section import ReportContext

    tm = t.compute(ReportContext(quick=True, asset="ETH"))
    fig = t.figures(tm)[0]
    texts = [a.text for a in fig.layout.annotations]
    assert "recorded liquidations (USD M)" in texts
    assert not any(x.endswith("(USD)") for x in texts)
    # the panel holds millions: its largest value is the frame's maximum over 1e6
    liq = next(tr for tr in fig.data if tr.name == "recorded liquidations (USD M)")
    assert max(liq.y) == pytest.approx(tm.frame["liquidations_usd"].max() / 1e6, rel=1e-12)
    p = t.prose(tm)
    assert "static-book critical shock" in p.takeaways[0]
    assert any("static-book critical shock" in m for m in p.method)
