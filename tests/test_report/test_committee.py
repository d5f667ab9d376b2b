"""The report as a risk committee reads it, on screen and on paper (trial report30).

The front page carries the failures its sections report (the 5 %-fall interval's lower
tail against long history), says what each card's range is and whose dollars it counts;
printed, every chart keeps its legend and the page prints at its CSS size (charts drawn
1110 px wide for the screen shrank every printed page to 2/3); on a phone a wide table
says it scrolls and the menu is not cut.
"""

from __future__ import annotations

import base64
import json
import math
import re
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace as NS
from typing import Any

import numpy as np
import pandas as pd
import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "src/liqcascade/report/templates/report.html.j2"

PT_PER_PX = 0.75
"""Points per CSS pixel of a page printed at its own size (72 / 96)."""


def _print_width() -> int:
    """The template's ``PRINT_WIDTH``: the widest chart (CSS px) a printed page holds."""
    m = re.search(r"var PRINT_WIDTH = (\d+);", TEMPLATE.read_text())
    assert m, "no PRINT_WIDTH in the template"
    return int(m[1])


def _print_css() -> str:
    css = TEMPLATE.read_text().split("@media print {", 1)[1]
    return css.split("\n}\n", 1)[0]


def test_the_print_css_never_hides_plotly_legends() -> None:
    """report30 §2: ``.legend { display: none }`` in the print CSS hid plotly's
    ``<g class="legend">``: every chart lost its key on paper (37 of 48 figures)."""
    hidden = [
        sel.strip()
        for rule in re.findall(r"([^{}]+)\{[^{}]*display:\s*none", _print_css())
        for sel in rule.split(",")
    ]
    assert hidden and not [s for s in hidden if re.search(r"(^|[\s>])\.legend\b", s)], hidden


def _view(k: int, n: int, p10: float, beyond_2x: bool = True) -> Any:
    totals = [p10 - 0.01] * k + [p10 + 0.01] * (n - k)
    every = NS(
        n_dates=10, beyond_within_2x=beyond_2x, history_share_beyond=0.0169,
        model_share_beyond=0.0072,
    )  # fmt: skip
    return NS(
        history=NS(n=n, events=pd.DataFrame({"total": totals})),
        calibrated=NS(answer={"move_p10": p10}),
        every_date=every,
    )


def test_the_move_card_says_its_lower_tail_fails_history() -> None:
    """report30 §1: the card said "78 % inside the 80 % interval" while its section said
    the lower tail is too thin against long history (ETH 39 of 280 beyond the model's
    10th-percentile path, p 0.036; BTC 13 of 59, p 0.007, −27 % at 0.43× history)."""
    from liqcascade.report._cascade_section import history_warning, tail_test

    eth = _view(39, 280, -0.198)
    k, n, p = tail_test(eth)  # type: ignore[arg-type]
    assert (k, n) == (39, 280) and p == pytest.approx(0.036, abs=0.002)
    assert history_warning(eth) == "lower tail too thin vs history: p 0.036"  # type: ignore[arg-type]
    btc = _view(13, 59, -0.137, beyond_2x=False)
    assert history_warning(btc) == (  # type: ignore[arg-type]
        "lower tail too thin vs history: p 0.007; −27 % at 0.43× history"
    )
    assert history_warning(_view(28, 280, -0.198)) == ""  # type: ignore[arg-type]


def test_the_front_carries_the_history_check_and_its_labels(report: dict[str, Path]) -> None:
    """report30 §1, §5, §6, §11: summary.json's headlines carry the mark as shown, the
    range's kind, the dollars' scale, the VaR's portfolio and the history warning; the
    cards show them (BTC's bad debt is a card, not a line)."""
    from markupsafe import escape

    from liqcascade.report._section import CHECK_MARKS, INTERVAL_KINDS

    s = json.loads(report["summary"].read_text())
    page = report["html"].read_text()
    heads = s["front"]["headlines"]
    for key, h in heads.items():
        assert bool(h["check_label"]) == bool(h["check"]), key  # the badge, always
        if h["low"] is not None:
            assert h["interval_kind"] in INTERVAL_KINDS, key
    assert heads["forced_selling_5pct"]["dollar_scale"] == "feed"
    assert heads["var95_30d"]["dollar_scale"] == "real"
    for key in ("move_5pct", "move_5pct_btc"):
        sec = s["sections"][heads[key]["section"]]["history_after_5pct_falls"]
        p, k = sec["calibrated_p10_binomial_p"], sec["share_reaching_calibrated_p10"]
        failed = p is not None and p < 0.05 and k > 0.10
        assert ("lower tail too thin" in heads[key]["warning"]) == failed, (key, p, k)
        card = page.split(f'id="headline-{key}"')[1].split('<div class="iv">')[0]
        assert (heads[key]["warning"] in card) == bool(heads[key]["warning"])
    var = heads["var95_30d"]
    legs = s["sections"]["stress"]["portfolio"]["positions"]
    assert var["portfolio"].count("×") == len(legs) == 3
    assert [w.split()[1:3] for w in var["portfolio"].split(", ")] == [
        [p["asset"], p["side"]] for p in legs
    ]
    assert var["check_label"] == f"back-test of unit long ETH: {CHECK_MARKS[var['check']]}"
    card = page.split('id="headline-var95_30d"')[1].split('<div class="iv">')[0]
    assert var["portfolio"] in card and var["check_label"] in card
    assert 'class="card" id="headline-bad_debt_worst_btc"' in page  # a card, not a line
    assert "more likely" in heads["bad_debt_worst_btc"]["evidence"]
    assert s["front"]["interval_key"] and str(escape(s["front"]["interval_key"])) in page
    assert "not measured" in heads["contagion_share"]["interval"]


def test_book_dollars_name_the_feed(report: dict[str, Path]) -> None:
    """report30 §4: the stress section's "market liquidations" and the liquidation map's
    "notional per bucket (USD M)" were the book's Binance-feed dollars, ~1/223 of ETH's
    market; the heatmap's colour bar, clipped at 6.5, did not say it was."""
    from liqcascade.report._figures import _decode
    from liqcascade.report._format import num
    from liqcascade.report._units import feed_unit

    page = report["html"].read_text()
    stress = page.split('<section id="stress"')[1].split("</section>")[0]
    assert "market liquidations" not in stress.replace("Market liquidations", "market liquidations")
    assert f"liquidations ({feed_unit(unit='USD')})" in stress

    def fig(fid: str) -> dict[str, Any]:
        m = re.search(
            rf'<script type="application/json" class="figjson" data-target="{fid}">(.*?)</script>',
            page, re.S,
        )  # fmt: skip
        assert m, fid
        return _decode(json.loads(m.group(1)))  # type: ignore[no-any-return]

    liqmap, heat = fig("fig-liqmap-0"), fig("fig-liqmap-1")
    assert feed_unit() in liqmap["layout"]["yaxis"]["title"]["text"]
    bar = next(t for t in heat["data"] if t["type"] == "heatmap")
    assert feed_unit() in bar["colorbar"]["title"]["text"]
    z = bar["z"]
    if isinstance(z, dict):  # plotly's typed array
        z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
    if np.nanmax(np.asarray(z, dtype=float)) > bar["zmax"]:  # the scale is clipped: "6.5+"
        assert bar["colorbar"]["ticktext"][-1] == f"{num(bar['zmax'], 3)}+", bar["colorbar"]
        assert bar["colorbar"]["tickvals"][-1] == pytest.approx(bar["zmax"], rel=1e-6)


def test_feed_titles_name_the_feed_once() -> None:
    import plotly.graph_objects as go

    from liqcascade.report._units import feed_titles, feed_unit

    fig = go.Figure(go.Heatmap(z=[[1, 2]], colorbar={"title": "M USD"}))
    fig.update_layout(yaxis_title="notional per bucket (M USD)", xaxis_title="price (USD)")
    feed_titles(feed_titles(fig))
    assert fig.layout.yaxis.title.text == f"notional per bucket ({feed_unit()})"
    assert fig.layout.xaxis.title.text == "price (USD)"
    assert fig.data[0].colorbar.title.text == feed_unit() == "USD M, Binance feed"


def _pdf_scale(pdf: bytes) -> float:
    """Points per CSS pixel of the first page: the product of its first two ``cm`` scales.

    Chromium's page transform (0.24: points per device unit) and the content's scale
    (3.125 at the page's own size: 0.24 × 3.125 = 0.75; 2.086 when it shrank the page to
    fit a wider element)."""
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            text = zlib.decompress(raw).decode("latin-1")
        except zlib.error:
            continue
        cm = re.findall(r"(-?[\d.]+) 0 0 (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) cm", text)
        if len(cm) >= 2:
            return abs(float(cm[0][0]) * float(cm[1][0]))
    return math.nan


_READY = r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
(function poll() {
  if (document.body.getAttribute('data-figures') !== 'ready' && Date.now() - t0 < 90000) {
    setTimeout(poll, 200); return;
  }
  done(true);
})();
"""

_WIDTHS = r"""
return Array.from(document.querySelectorAll('main .js-plotly-plot')).map(
  gd => (gd._fullLayout || {}).width || 0);
"""

_PRINTED = r"""
const legends = Array.from(document.querySelectorAll('g.legend'));
return {legends: legends.length,
        shown: legends.filter(g => getComputedStyle(g).display !== 'none').length};
"""


PRINTED_SECTION = "contagion"
"""The section printed after the front page: two charts, each with a legend, a few dozen
points, drawn 1,170 px wide for a 1280-px window like every chart of the report (wider than
the printed page's PRINT_WIDTH, so the page would shrink to fit them without the print
zoom). The data section's print weight is tests/test_report/test_print_weight.py's
(its patterned bars once printed as an image each: a 175-MB PDF)."""


def _front_and(html: str, section: str) -> str:
    """``html``, the report page, with the front page and ``section`` alone in its ``<main>``."""
    head, rest = html.split("<main>", 1)
    inner, tail = rest.split("</main>", 1)
    start = inner.index(f'<section id="{section}"')
    end = inner.index("</section>", start) + len("</section>")
    front = inner.split('<section id="', 1)[0]
    return f"{head}<main>{front}{inner[start:end]}\n</main>{tail}"


@pytest.mark.browser
def test_the_printed_report_keeps_legends_and_its_size(
    report: dict[str, Path], chromium: Any, tmp_path: Path
) -> None:
    """report30 §2, §3: printed from a 1280-px window, the front page and a section with
    charts print at the page's own scale (0.75 pt/px: the front page's 7 pt), not shrunk
    to 2/3 to fit 1110-px charts, and every chart keeps its legend."""
    # the report's page with the front page and one section (the whole report takes tens
    # of minutes to print on a loaded machine): cut before it is opened, so that the
    # browser draws only the charts it prints; plotly.js beside it, as in the report
    page = tmp_path / report["html"].name
    page.write_text(_front_and(report["html"].read_text(), PRINTED_SECTION))
    shutil.copy(report["plotly"], tmp_path / report["plotly"].name)
    driver = chromium  # the worker's browser, as just started (conftest.chromium)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.get(page.resolve().as_uri())
    driver.set_script_timeout(120)
    driver.execute_async_script(_READY)
    widths = driver.execute_script(_WIDTHS)
    # charts wider than the printed page: without the print zoom the page would shrink
    assert widths and min(widths) > _print_width(), widths
    pdf = base64.b64decode(
        driver.execute_cdp_cmd(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
        )["data"]
    )
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    printed = driver.execute_script(_PRINTED)
    assert printed["legends"] > 0 and printed["shown"] == printed["legends"], printed
    assert _pdf_scale(pdf) == pytest.approx(PT_PER_PX, abs=0.02), _pdf_scale(pdf)


_NARROW = r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
(function poll() {
  if (document.body.getAttribute('data-figures') !== 'ready' && Date.now() - t0 < 90000) {
    setTimeout(poll, 200); return;
  }
  const nav = document.querySelector('nav.menu');
  const links = Array.from(nav.querySelectorAll('a'));
  const wide = Array.from(document.querySelectorAll('.tablewrap')).filter(
    w => w.scrollWidth > w.clientWidth + 1);
  const cards = Array.from(document.querySelectorAll('.card .label a'));
  done({
    vw: window.innerWidth,
    navRight: Math.max(...links.map(a => a.getBoundingClientRect().right)),
    navCut: nav.scrollWidth > nav.clientWidth + 1,
    wide: wide.length,
    cued: wide.filter(w => w.hasAttribute('data-scrolls') &&
      getComputedStyle(w, '::before').content.includes('scroll')).length,
    names: cards.map(a => a.textContent.replace(/\s+/g, ' ').trim()),
  });
})();
"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_menu_tables_and_card_links_on_narrow_screens(
    drawn_report: Callable[..., Any], width: int
) -> None:
    """report30 §12, §14: at 1280 px the menu's last link read "Gl…", on a phone the menu
    was cut and a wide table hid its columns with no cue; the BTC cards' links had the
    ETH cards' names."""
    # the report as loaded at the window, shared with tests that read it (conftest)
    driver = drawn_report(width, 844, mobile=width < 700)
    driver.set_script_timeout(120)
    state = driver.execute_async_script(_NARROW)
    assert state["vw"] == width
    assert not state["navCut"] and state["navRight"] <= width, state
    assert state["cued"] == state["wide"], state
    if width < 700:
        assert state["wide"] > 0, state  # the provenance table, the VaR back-test
    assert len(set(state["names"])) == len(state["names"]) >= 9, state["names"]


@pytest.mark.parametrize("top", [6.5, 9.99, 1.0, 0.065, 13.7, 250.0])
def test_a_clipped_heatmap_scale_ends_on_its_top_with_a_plus(top: float) -> None:
    """Any clip value gets ticks and a "top+" label (6.5 once found no tick step: 6.5 > 6)."""
    import plotly.graph_objects as go

    from liqcascade.report._liqmap_section import clipped_top

    z = np.array([[0.0, top / 3], [top / 2, top * 4]])  # the largest cell above the clip
    fig = go.Figure(go.Heatmap(z=z, zmax=top))
    clipped_top(fig)
    cb = fig.data[0].colorbar
    assert cb.tickvals[-1] == top and cb.ticktext[-1].endswith("+")
    assert 2 <= len(cb.tickvals) <= 8  # a readable number of ticks, below the top
    assert all(a < b for a, b in zip(cb.tickvals, cb.tickvals[1:], strict=False))
