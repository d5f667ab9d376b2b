"""The main job end to end: the report on the bundled real data, read back and opened in
a real headless Chromium with the network off, as a new reader would at 1440 × 900."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from liqcascade.report import SECTIONS
from liqcascade.report._format import SCI_NOTATION
from liqcascade.report._section import FRONT_CHARS

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"
MAX_BYTES = 2.5e6


def test_report_files_and_summary(report: dict[str, Path]) -> None:
    html = report["html"].read_text()
    summary = json.loads(report["summary"].read_text())
    per_asset = [sp.id for sp in SECTIONS if sp.scope == "asset"]
    assert len(summary["sections"]) == len(SECTIONS) + len(per_asset)  # ETH and BTC
    for sid in per_asset:
        assert f"{sid}-btc" in summary["sections"], sid
    assert summary["front"]["assets"] == ["ETH", "BTC"]
    assert set(summary["timings"]) == set(summary["sections"])
    data = summary["sections"]["data"]
    assert data["eth_1d"]["first"].startswith("2017-08-17")
    assert data["recorded_long_liquidations_usd"] > data["recorded_short_liquidations_usd"] > 1e8
    front = summary["front"]
    assert front["as_of"].startswith("2025-07-31") and len(front["fingerprint"]) == 12
    eth = [h for h in front["headlines"].values() if h["asset"] == "ETH"]
    btc = [h for h in front["headlines"].values() if h["asset"] == "BTC"]
    assert 5 <= len(eth) <= 6 and len(btc) == 4
    assert [h["key"] for h in btc] == [
        "move_5pct_btc",
        "critical_shock_btc",
        "bad_debt_worst_btc",  # review14 item 3: BTC's venue risk is on the front page
        "forced_selling_5pct_btc",
    ]
    # three cards per further asset (a fourth would not fit 1440 x 900 nor one A4 page):
    # the bad debt, BTC's largest risk figure, is a card (report30 §6); forced
    # liquidations a line under them, linked to its section
    assert 'class="card" id="headline-bad_debt_worst_btc"' in html
    line = html.split('id="headline-forced_selling_5pct_btc"')[1].split("</p>")[0]
    assert 'href="#cascade-btc"' in line and "BTC: Forced liquidations" in line
    # the market is 491 days old: the front page says so and how to get today's
    assert front["stale_text"].startswith("Not today's market: for today's, run liqcascade report")
    assert front["stale"] is True and front["data_age_days"] > 3  # what a pipeline checks
    for h in front["headlines"].values():
        assert h["interval"] and h["evidence"] and h["section"]
    # every text is written out: no f-string field left as it was typed (review23: "{_pct(")
    texts = [str(x) for c in summary["claims"] for x in c.values()]
    texts += [str(x) for h in front["headlines"].values() for x in h.values()]
    assert not [t for t in texts if re.search(r"\{[^}]*\}", t)], texts
    # book dollars are said to be the recorded feed's, with each asset's share of the market
    assert front["units"].startswith("Units: book dollars") and "ETH " in front["units"]
    assert set(front["book_share_of_oi"]) == {"ETH", "BTC"}
    assert all(0 < x < 0.05 for x in front["book_share_of_oi"].values())
    assert "Units: book dollars (liquidations, margin, bad debt)" in html
    # the bad-debt card names the calibrated central case and shows the static bound
    bad = front["headlines"]["bad_debt_worst"]
    assert "calibrated central case" in bad["label"] and "static bound" in bad["interval"]
    # the report leads with the calibrated response; the static book is shown beside it
    assert next(iter(front["headlines"])) == "move_5pct"
    assert "static bound" in front["headlines"]["forced_selling_5pct"]["interval"]
    # ETH-only sections say so when the report covers two assets
    assert "ETH only" in html.split('id="contagion"')[1][:2000]
    for sid in ("stress-btc", "solvency-btc", "protect-btc"):
        assert "ETH only" not in html.split(f'id="{sid}"')[1][:2000], sid
    # offline: the only script file is the vendored plotly bundle, beside the page, deferred
    srcs = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"[^>]*>", html)
    assert srcs == [report["plotly"].name] and " defer" in html.split(srcs[0])[1][:10]
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "DESIGN.md" not in html
    for sid in summary["sections"]:
        assert f'id="{sid}"' in html
    size = report["html"].stat().st_size + report["plotly"].stat().st_size
    assert size <= MAX_BYTES, f"page weighs {size / 1e6:.2f} MB"


def test_front_rows_are_short_and_the_sections_hold_every_figure(
    report: dict[str, Path],
) -> None:
    """Each claim's front row is at most FRONT_CHARS characters; its full text (every
    figure the row once held) and what would test it are in its section's box and in
    summary.json (the full report's rows ran to 411 characters: one more word put its front
    page on two A4 pages)."""
    from markupsafe import escape

    from liqcascade.report._format import prose_html
    from liqcascade.report._section import VERDICTS, front_chars

    page = report["html"].read_text()
    claims = json.loads(report["summary"].read_text())["claims"]
    assert len(claims) >= 14
    long = {c["claim"]: front_chars(c["front"]) for c in claims}
    assert all(0 < n <= FRONT_CHARS for n in long.values()), long
    table = page.split('<table class="verdicts"')[1].split("</table>")[0]
    for c in claims:
        assert c["verdict"] in VERDICTS and prose_html(c["front"]) in table, c
        if front_chars(c["computed"]) > FRONT_CHARS:  # a long text is the section's alone
            assert prose_html(c["computed"], options=False) not in table, c["claim"]
        sec = page.split(f'<section id="{c["section"]}"')[1].split("</section>")[0]
        box = next(
            b.split("</div>")[0]
            for b in sec.split('<div class="claimbox"')[1:]
            if str(escape(c["claim"])) in b
        )
        assert prose_html(c["computed"], options=False) in box, c["claim"]
        assert f">{c['verdict']}</span>" in box
        if c["would_test"]:
            assert "Would test it: " + prose_html(c["would_test"], options=False) in box


def _chrome_driver(tmp: Path) -> Any:
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip("chromium/chromedriver not installed (make browser installs them)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--proxy-server=http://127.0.0.1:9", "--hide-scrollbars",
        f"--user-data-dir={tmp / 'chrome-profile'}",
    ):  # fmt: skip
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=opts)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    return driver


_PROBE = r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
(function poll() {
  const ready = document.body.getAttribute('data-figures') === 'ready';
  if (!ready && Date.now() - t0 < 90000) { setTimeout(poll, 200); return; }
  const inView = el => { const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight && r.width > 0; };
  const asof = document.querySelector('.asof');
  const cards = Array.from(document.querySelectorAll('.card'));
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  const hover = [];
  const catDate = [];
  for (const gd of plots) {
    (gd.data || []).forEach((t, i) => {
      const n = (t.x || t.y || []).length;
      if (n) {
        const pt = {curveNumber: i, pointNumber: Math.floor(n / 2)};
        try { Plotly.Fx.hover(gd, [pt]); } catch (e) {}
        gd.querySelectorAll('.hoverlayer text').forEach(x => hover.push(x.textContent));
        Plotly.Fx.unhover(gd);
      }
      for (const k of ['x', 'y']) {
        const v = t[k];
        if (Array.isArray(v) && v.length && v.every(s => typeof s === 'string')) {
          const ax = gd._fullLayout[(t[k + 'axis'] || k).replace(/^([xy])/, '$1axis')];
          if (ax && ax.type === 'date') catDate.push(gd.id + ':' + t.name);
        }
      }
    });
    (gd._fullData || []).forEach(t => {
      for (const k of ['text', 'hovertext', 'hovertemplate']) {
        const v = t[k];
        if (typeof v === 'string') hover.push(v);
        else if (Array.isArray(v)) v.forEach(s => { if (typeof s === 'string') hover.push(s); });
      }
    });
  }
  const dateRanges = [];
  for (const gd of plots) {
    for (const [k, ax] of Object.entries(gd._fullLayout || {})) {
      if (/^[xy]axis\d*$/.test(k) && ax && ax.type === 'date' && ax.range) {
        dateRanges.push(gd.id + ':' + String(ax.range[0]));
      }
    }
  }
  const paint = performance.getEntriesByType('paint').map(p => [p.name, p.startTime]);
  const nav = document.querySelector('nav.menu');
  const navLinks = Array.from(nav.querySelectorAll('a'));
  done({
    pageWidth: document.documentElement.scrollWidth, viewWidth: window.innerWidth,
    navScroll: nav.scrollWidth, navClient: nav.clientWidth,
    navRight: Math.max(...navLinks.map(a => a.getBoundingClientRect().right)),
    navLinks: navLinks.length,
    ready, plotly: typeof window.Plotly !== 'undefined',
    asofText: asof ? asof.textContent : '', asofVisible: !!asof && inView(asof),
    cardsVisible: cards.filter(inView).length, cards: cards.length,
    cells: Array.from(document.querySelectorAll('td, th')).map(c => c.textContent),
    wideTables: Array.from(document.querySelectorAll('table')).filter(
      t => t.scrollWidth > t.parentElement.clientWidth + 2).map(
      t => (t.closest('section') || {}).id + ': ' + t.rows[0].textContent.slice(0, 80)),
    hover, catDate, paint, dateRanges,
    sections: Array.from(document.querySelectorAll('section.report-section')).map(s => s.id),
    plots: plots.map(p => ({id: p.id, svg: !!p.querySelector('.main-svg'),
      points: (p._fullData || []).reduce(
        (n, t) => n + ((t.x || t.z || t.y || []).length || 0), 0)})),
  });
})();
"""


_PRINT_SIZES = r"""
const f = document.querySelector('.front'), z = parseFloat(getComputedStyle(f).zoom) || 1;
const out = {};
f.querySelectorAll('*').forEach(e => {
  const s = getComputedStyle(e);
  if (s.display === 'none' || e.closest('[hidden]')) return;
  if (!Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) return;
  const k = e.tagName + '.' + e.className, pt = parseFloat(s.fontSize) * 0.75 * z;
  out[k] = Math.min(out[k] || 99, pt);
});
return out;
"""
"""Per kind of element of the printed front page, its smallest font size in points."""


def _pdf_pages(pdf: bytes) -> int:
    try:
        from pypdf import PdfReader  # type: ignore[import-not-found]
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    import io

    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.browser
def test_report_in_headless_chromium_offline(report: dict[str, Path], chromium: Any) -> None:
    driver = chromium  # the worker's browser, as just started (conftest.chromium)
    driver.get(report["html"].resolve().as_uri())
    driver.set_script_timeout(120)
    state = driver.execute_async_script(_PROBE)
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "report.png"))
    logs = driver.get_log("browser")
    # the front page alone, as printed (sections start on a new page of their own)
    driver.execute_script(
        "const f = document.querySelector('.front');"
        "document.querySelector('main').replaceChildren(f);"
        "document.querySelector('footer').remove();"
    )
    pdf = base64.b64decode(
        driver.execute_cdp_cmd(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
        )["data"]
    )
    # margin: every claim row padded to the cap (a full report, another date's figures)
    padded = driver.execute_script(_PAD_ROWS, FRONT_CHARS)
    pdf_padded = base64.b64decode(
        driver.execute_cdp_cmd(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
        )["data"]
    )
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    printed_pt = driver.execute_script(_PRINT_SIZES)
    # review22: no printed text of the front page under 7 pt (it printed at 5.5 pt)
    # to 0.01 pt: the browser keeps a size in fractions of a pixel (7 pt reads 6.9999975)
    assert printed_pt and min(printed_pt.values()) >= 7 - 0.01, printed_pt
    fcp = dict(state["paint"]).get("first-contentful-paint")
    print(f"\nfirst contentful paint: {fcp:.0f} ms" if fcp else "\nfirst paint: n/a")
    assert state["ready"] and state["plotly"], "plotly.js did not load or render the figures"
    summary = json.loads(report["summary"].read_text())
    assert state["sections"][: len(summary["sections"])] == list(summary["sections"])
    assert state["asofVisible"] and summary["front"]["as_of_text"] in state["asofText"]
    assert state["cardsVisible"] == state["cards"] >= 5, state
    # the menu fits one line at 1440 px: no horizontal scroll of the page or of the menu,
    # and its last link (the glossary) is on screen
    assert state["viewWidth"] == 1440
    assert state["pageWidth"] <= 1440 and state["navScroll"] <= state["navClient"], state
    assert state["navRight"] <= 1440 and state["navLinks"] >= 20, state
    # every table fits its section at 1440 px: none is cut at the card's edge (the data
    # section's provenance table was, by its file names, before they could break)
    assert not state["wideTables"], state["wideTables"]
    sci = [c for c in state["cells"] if SCI_NOTATION.search(c)]
    assert not sci, sci[:10]
    sci_hover = [h for h in state["hover"] if SCI_NOTATION.search(h)]
    assert state["hover"] and not sci_hover, sci_hover[:10]
    assert not state["catDate"], state["catDate"]
    # time axes show the data's years, not 1970 (milliseconds since the epoch)
    years = [int(r.split(":", 1)[1][:4]) for r in state["dateRanges"]]
    assert years and min(years) >= 2010, state["dateRanges"]
    assert state["plots"]
    for p in state["plots"]:
        assert p["svg"] and p["points"] > 0, p
    severe = [e for e in logs if e.get("level") == "SEVERE"]
    assert not severe, severe
    pages = _pdf_pages(pdf)
    assert pages == 1, f"the front page prints on {pages} A4 pages"
    assert padded and min(padded) >= FRONT_CHARS, padded
    pages = _pdf_pages(pdf_padded)
    assert pages == 1, f"with every claim row at {FRONT_CHARS} characters: {pages} A4 pages"


_PAD_ROWS = r"""
const cap = arguments[0];
return Array.from(document.querySelectorAll('table.verdicts td.what')).map(td => {
  while (td.textContent.length < cap) { td.textContent += ' word'; }
  return td.textContent.length;
});
"""
"""Pads each claim row of the front page to ``arguments[0]`` characters; their lengths."""


_PHONE_PROBE = r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
(function poll() {
  if (document.body.getAttribute('data-figures') !== 'ready' && Date.now() - t0 < 90000) {
    setTimeout(poll, 200); return;
  }
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  const vw = window.innerWidth;
  done({
    vw, pageWidth: document.documentElement.scrollWidth,
    noteHidden: document.getElementById('nojs-front').hidden,
    cards: Array.from(document.querySelectorAll('.card')).map(
      c => Math.round(c.getBoundingClientRect().width)),
    claimRight: Math.max(...Array.from(document.querySelectorAll('table.verdicts td')).map(
      td => td.getBoundingClientRect().right)),
    legends: plots.filter(gd => gd._fullLayout.showlegend).map(
      gd => gd.id + ':' + gd._fullLayout.legend.orientation),
    sideBySide: plots.filter(gd => Object.keys(gd._fullLayout).some(
      k => /^xaxis\d*$/.test(k) && !gd._fullLayout[k].overlaying &&
           gd._fullLayout[k].domain[1] - gd._fullLayout[k].domain[0] < 0.9)).map(gd => gd.id),
    overlaps: plots.flatMap(gd => {
      const r = Array.from(gd.querySelectorAll('g.annotation')).map(a => [
        a.textContent, a.getBoundingClientRect()]).filter(([, b]) => b.width > 0);
      return r.flatMap(([ta, a], i) => r.slice(i + 1).filter(([, b]) =>
        Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
        Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1).map(
        ([tb]) => gd.id + ': ' + ta + ' / ' + tb));
    }),
  });
})();
"""


@pytest.mark.browser
def test_report_on_a_phone(drawn_report: Callable[..., Any]) -> None:
    """At 390 px (review14 item 9): the cards were three columns of 85 px, the claims ran past
    the card (page 481 px wide), legends covered plots, side-by-side panels overlapped and
    chart labels a few per cent apart covered each other."""
    # the report as loaded at the window, shared with tests that read it (conftest)
    driver = drawn_report(390, 844, mobile=True)
    driver.set_script_timeout(120)
    state = driver.execute_async_script(_PHONE_PROBE)
    assert state["vw"] == 390 and state["pageWidth"] <= 390, state
    assert state["noteHidden"]  # plotly.js loaded: no note about it
    assert state["cards"] and min(state["cards"]) > 300, state["cards"]  # one column
    assert state["claimRight"] <= 390, state
    assert state["legends"] and all(x.endswith(":h") for x in state["legends"]), state
    assert not state["sideBySide"], state["sideBySide"]  # panels stacked, full width
    # no two labels of a chart cover each other (the map's "ETH now" and "$4,000" did)
    assert state["overlaps"] == [], state["overlaps"]


@pytest.mark.browser
def test_report_without_plotly_js_says_so_on_top(
    report: dict[str, Path], tmp_path: Path, chromium: Any
) -> None:
    """report.html forwarded alone: one note on the front page says what is missing."""
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(report["html"], alone / "report.html")
    driver = chromium  # the worker's browser, as just started (conftest.chromium)
    driver.get((alone / "report.html").resolve().as_uri())
    note = driver.execute_script(
        "const n = document.getElementById('nojs-front');"
        "return [n.hidden, n.textContent, n.closest('.front') !== null];"
    )
    assert note[0] is False and note[2], note
    assert "forward the whole folder" in note[1] and "plotly-cartesian" in note[1]
    assert "liqcascade report --single-file" in note[1]
