"""The report as people with disabilities meet it: a screen reader, a keyboard, low vision.

Read from the page the report tests build (``conftest.report``), with the standard
library's HTML parser: the page's language and landmarks, headings that never skip a
level, tables named by their captions with header cells, every chart named by a text
that carries its own figures (a screen reader cannot read a plotly chart), links that
say where they go, and text colours at WCAG AA contrast (4.5:1) computed from the page's
own stylesheet. An audit with axe-core in Chromium found the contrast and table-header
failures these tests hold fixed (docs/report.md, "Accessibility"); the suite itself
needs no node.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from liqcascade.report._describe import MAX_SERIES, describe
from liqcascade.report._figures import _decode
from liqcascade.report._format import num

AA_TEXT = 4.5
"""WCAG 2.1 AA contrast of body text (1.4.3); the badges' 12 px bold is not large text."""
AA_NON_TEXT = 3.0
"""WCAG 2.1 AA contrast of a focus indicator against what surrounds it (1.4.11)."""

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


@dataclass
class Node:
    """An element of the page: tag, attributes, children (elements and text in order)."""

    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        """The element's text, as a screen reader reads it (sr-only text included)."""
        return " ".join(
            "".join(c if isinstance(c, str) else f" {c.text()} " for c in self.children).split()
        )

    def iter(self) -> Iterator[Node]:
        """Every element below this one, in document order."""
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def all(self, tag: str) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag]

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.cur = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in _VOID:
            self.cur = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.cur.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.cur))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data: str) -> None:
        if self.cur.tag not in ("script", "style"):
            self.cur.children.append(data)


@pytest.fixture(scope="module")
def page(report: dict[str, Path]) -> tuple[str, Node]:
    html = report["html"].read_text()
    tree = _Tree()
    tree.feed(html)
    return html, tree.root


def _by_id(root: Node) -> dict[str, Node]:
    return {n.attrs["id"]: n for n in root.iter() if "id" in n.attrs}


def _name(node: Node, ids: dict[str, Node]) -> str:
    """The accessible name: aria-labelledby, else aria-label, else the element's text."""
    if "aria-labelledby" in node.attrs:
        return " ".join(ids[i].text() for i in node.attrs["aria-labelledby"].split())
    return node.attrs.get("aria-label") or node.text()


def test_language_title_landmarks_and_a_skip_link(page: tuple[str, Node]) -> None:
    _, root = page
    (html,) = root.all("html")
    assert html.attrs.get("lang") == "en"
    (title,) = root.all("title")
    assert "liquidation-cascade risk" in title.text()
    assert len(root.all("main")) == 1 and len(root.all("footer")) == 1
    (nav,) = root.all("nav")
    assert nav.attrs.get("aria-label")
    # the first thing a keyboard reaches skips the menu's 20-odd links
    first = next(n for n in root.iter() if n.tag == "a")
    assert "skip" in first.classes() and first.attrs["href"] == "#front"
    assert "front" in _by_id(root) and first.text()


def test_heading_levels_never_skip(page: tuple[str, Node]) -> None:
    _, root = page
    levels = [(int(n.tag[1]), n.text()) for n in root.iter() if re.fullmatch(r"h[1-6]", n.tag)]
    assert [lvl for lvl, _ in levels].count(1) == 1 and levels[0][0] == 1
    for (a, _), (b, text) in itertools.pairwise(levels):
        assert b <= a + 1, f"h{a} then h{b} ({text})"
    assert all(text for _, text in levels)
    assert sum(lvl == 3 for lvl, _ in levels) > 40  # chart and table captions


def test_every_section_is_a_region_named_by_its_heading(page: tuple[str, Node]) -> None:
    _, root = page
    ids = _by_id(root)
    sections = root.all("section")
    assert len(sections) > 20
    for s in sections:
        label = ids[s.attrs["aria-labelledby"]]
        assert label.tag == "h2" and label.parent is s and label.text(), s.attrs["id"]


def test_every_table_has_a_name_and_header_cells(page: tuple[str, Node]) -> None:
    _, root = page
    ids = _by_id(root)
    tables = root.all("table")
    assert len(tables) > 40
    for t in tables:
        name = _name(t, ids)
        assert "aria-labelledby" in t.attrs and name, t.attrs
        first = t.all("tr")[0]
        cells = [c for c in first.children if isinstance(c, Node)]
        assert cells and all(c.tag == "th" for c in cells), name
        assert all(c.text() for c in cells), f"{name}: an empty header cell"
        widths = {len([c for c in r.children if isinstance(c, Node)]) for r in t.all("tr")}
        assert widths == {len(cells)}, f"{name}: rows of {widths} cells"


def _figures(html: str) -> dict[str, dict[str, Any]]:
    found = re.findall(r'data-target="([^"]+)">(.*?)</script>', html, flags=re.S)
    return {fid: json.loads(js.replace("<\\/", "</")) for fid, js in found}


def _floats(v: Any) -> list[float]:
    flat = np.asarray(_decode(v), dtype=object).ravel()
    return [float(x) for x in flat if isinstance(x, int | float | np.number) and math.isfinite(x)]


def _peaks(spec: dict[str, Any]) -> list[float]:
    """A figure of each series the chart's name reads (its first MAX_SERIES): its highest
    value, or for a vertical line (one position throughout) that position."""
    out = []
    named = [t for t in spec["data"] if t.get("name") or t.get("type") == "heatmap"]
    for t in named[:MAX_SERIES]:
        if "text" in str(t.get("mode")):  # marks read by their labels ("n/a")
            continue
        h = t.get("orientation") == "h"
        key = "z" if t.get("type") == "heatmap" else "x" if h else "y"
        vals, at = _floats(t.get(key)), _floats(t.get("y" if h else "x"))
        if 1 < len(at) == len(vals) and len(set(at)) == 1:
            out.append(at[0])
        elif vals:
            out.append(max(vals))
    return out


def test_every_chart_is_named_with_its_own_figures(page: tuple[str, Node]) -> None:
    html, root = page
    specs = _figures(html)
    charts = [n for n in root.iter() if "figure" in n.classes()]
    assert len(charts) == len(specs) > 40
    for c in charts:
        fid, label = c.attrs["id"], c.attrs.get("aria-label", "")
        assert c.attrs.get("role") == "figure", fid  # a group: plotly's toolbar stays reachable
        assert re.search(r"\d", label) and "series" in label, (fid, label)
        assert label == describe(specs[fid]), fid  # the text of the chart as embedded
        peaks = _peaks(specs[fid])
        assert peaks, fid
        for p in peaks:  # each series' highest value, as the chart holds it
            assert num(p) in label, (fid, num(p), label)


def test_describe_reads_a_few_bars_each_and_a_long_series_by_its_extremes() -> None:
    days = [1.7356896e12 + 86_400_000 * i for i in range(30)]  # 2025-01-01 + i days, in ms
    spec = {
        "data": [
            {"type": "bar", "name": "accounts hit", "x": ["binance", "bybit"], "y": [2377, 0.5],
             "xaxis": "x2", "yaxis": "y2"},
            {"type": "scatter", "mode": "lines", "name": "close", "x": days,
             "y": [100.0 + i for i in range(29)] + [90.0]},
            {"type": "scatter", "x": [1, 2], "y": [1, 2]},  # unnamed: a band's edge
            {"type": "scatter", "mode": "markers+text", "name": "no estimate", "x": [days[3]],
             "y": [0.0], "text": ["n/a"], "yaxis": "y2"},  # a mark at 0 labelled n/a
        ],
        "layout": {"xaxis": {"type": "date"}, "yaxis": {"title": {"text": "price (USD)"}},
                   "yaxis2": {"title": {"text": "count"}}},
    }  # fmt: skip
    assert describe(spec) == (
        "Chart of 3 series. accounts hit (count): binance: 2,377, bybit: 0.5; "
        "close (price (USD)): from 2025-01-01 to 2025-01-30; "
        "low 90 at 2025-01-30, high 128 at 2025-01-29, last 90; "
        "no estimate (count): 2025-01-04: n/a."
    )


def test_describe_says_a_shared_unit_and_span_once() -> None:
    x = [float(v) for v in range(10, 0, -1)]  # a band drawn right to left: spans 1 to 10
    spec = {
        "data": [
            {"type": "bar", "name": "longs", "x": x, "y": [float(v) for v in range(10)]},
            {"type": "bar", "name": "shorts", "x": x, "y": [5.0] * 9 + [7.5]},
            {"type": "scatter", "name": "now $3", "x": [3, 3], "y": [0, 1]},  # a vertical line
        ],
        "layout": {"xaxis": {"title": {"text": "price (USD)"}},
                   "yaxis": {"title": {"text": "M USD"}}},
    }  # fmt: skip
    assert describe(spec) == (
        "Chart of 3 series (M USD). longs: over price (USD) from 1 to 10; low 0 at 10, "
        "high 9 at 1; shorts: over price (USD) from 1 to 10; low 5 at 10, high 7.5 at 1; "
        "now $3: at 3."
    )
    spec["data"] = spec["data"][:2]
    assert describe(spec).startswith("Chart of 2 series (M USD), over price (USD) from 1 to 10. ")


def test_describe_a_heatmap_and_horizontal_bars() -> None:
    spec = {
        "data": [
            {"type": "heatmap", "name": "forced orders", "x": [10, 20, 30], "y": [1.5, 2.5],
             "z": [[0.0, 4.0, 1.0], [2.0, 0.5, 9.25]]},
            {"type": "bar", "orientation": "h", "name": "Gini", "x": [0.64, 0.81],
             "y": ["binance", "optimal"], "xaxis": "x2", "yaxis": "y2"},
        ],
        "layout": {"xaxis": {"title": {"text": "round"}}, "yaxis": {"title": "price (USD)"}},
    }  # fmt: skip
    assert describe(spec) == (
        "Chart of 2 series. forced orders (heatmap): 3 columns (round) by 2 rows "
        "(price (USD)), values from 0 to 9.25, highest at 30, 2.5; "
        "Gini: binance: 0.64, optimal: 0.81."
    )


def test_links_say_where_they_go(page: tuple[str, Node]) -> None:
    _, root = page
    ids = _by_id(root)
    sections = {s.attrs["id"]: ids[s.attrs["aria-labelledby"]].text() for s in root.all("section")}
    for a in root.all("a"):
        name = _name(a, ids)
        assert name and a.text() in name, a.attrs  # the visible words are in the name
        if a.text() == "§":  # a claim's link: the section it goes to
            assert name == f"§ {sections[a.attrs['href'][1:]]}", name
        if "asset" in a.classes():  # "ETH" under "Cascade" in the menu: "Cascade ETH"
            assert len(name.split()) > 1, name


def test_verdicts_are_words_not_only_colours(page: tuple[str, Node]) -> None:
    from liqcascade.report._section import VERDICTS

    _, root = page
    badges = [n for n in root.iter() if "badge" in n.classes()]
    assert badges
    for b in badges:
        assert b.text() in VERDICTS and f"v-{b.text().replace(' ', '-')}" in b.classes()


# ---- colour contrast, computed from the page's own stylesheet -------------------------


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rgb`` or ``#rrggbb``."""
    h = colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    rgb = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, 1 to 21."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_ratio_golden_values() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0, abs=1e-9)
    assert contrast("#fff", "#fff") == pytest.approx(1.0, abs=1e-9)
    # white on Okabe-Ito's bluish green, as axe-core reported it: 3.42
    assert contrast("#ffffff", "#009E73") == pytest.approx(3.42, abs=0.005)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.005)


def _rules(html: str) -> dict[str, dict[str, str]]:
    """The screen stylesheet's rules (``@media`` blocks left out), var() resolved."""
    css = re.search(r"<style>(.*?)</style>", html, flags=re.S)
    assert css
    text = re.sub(r"/\*.*?\*/", "", css.group(1), flags=re.S)
    while "@media" in text:  # drop each @media block, its nested braces included
        start = text.index("@media")
        depth, i = 0, text.index("{", start)
        while True:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
            if depth == 0:
                break
        text = text[:start] + text[i:]
    rules: dict[str, dict[str, str]] = {}
    for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        pairs = (d.split(":", 1) for d in body.split(";") if ":" in d)
        props = {k.strip(): v.strip() for k, v in pairs}
        for s in sel.split(","):
            rules.setdefault(" ".join(s.split()), {}).update(props)
    var = {k: v for k, v in rules.get(":root", {}).items() if k.startswith("--")}
    for props in rules.values():
        for k, v in props.items():
            props[k] = re.sub(r"var\((--[\w-]+)\)", lambda m: var[m.group(1)], v)
    return rules


def _hex(value: str) -> str | None:
    m = re.search(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", value)
    return m.group(0) if m else None


def test_text_colours_meet_aa_on_their_backgrounds(page: tuple[str, Node]) -> None:
    html, _ = page
    rules = _rules(html)

    def colour(sel: str, prop: str) -> str | None:
        return _hex(rules.get(sel, {}).get(prop, ""))

    nav = [s for s in rules if s.startswith("nav.menu")]
    badge = [s for s in rules if s.startswith(".v-")]  # on a badge (.badge: its text colour)
    own = {s for s in rules if colour(s, "color") and colour(s, "background")} - {"body"}
    # the surfaces text sits on: the page, and every box that sets a background alone
    grounds = ["body"] + [s for s in rules if s not in own and s not in nav + badge]
    surfaces = sorted({c for c in (colour(s, "background") for s in grounds) if c})
    assert len(surfaces) >= 5, surfaces
    failures: list[tuple[str, str, str]] = []
    for s in rules:
        fg = colour(s, "color")
        if fg is None or s in nav or s in badge or s == ".badge":
            continue
        on = [colour(s, "background") or ""] if s in own else surfaces
        failures += [(s, fg, bg) for bg in on if contrast(fg, bg) < AA_TEXT]
    # the verdict badges: their own colour, else the badge's, on the badge's background
    for s in badge:
        fg, bg = colour(s, "color") or colour(".badge", "color"), colour(s, "background")
        assert fg and bg, s
        failures += [(s, fg, bg)] if contrast(fg, bg) < AA_TEXT else []
    # the menu: its links on the bar and on a hovered link's background
    bars = [colour("nav.menu", "background") or "", colour("nav.menu a:hover", "background") or ""]
    for s in nav:
        fg = colour(s, "color")
        failures += [(s, fg, bg) for bg in bars if fg and contrast(fg, bg) < AA_TEXT]
    assert not failures, [(s, fg, bg, round(contrast(fg, bg), 2)) for s, fg, bg in failures]


def test_every_badge_on_the_page_has_its_colours(page: tuple[str, Node]) -> None:
    """A verdict without a rule would be white text on the white page."""
    html, root = page
    rules = _rules(html)
    for b in (n for n in root.iter() if "badge" in n.classes()):
        (v,) = [c for c in b.classes() if c.startswith("v-")]
        assert _hex(rules.get(f".{v}", {}).get("background", "")), v


def test_focus_is_visible(page: tuple[str, Node]) -> None:
    html, _ = page
    rules = _rules(html)
    assert "outline: none" not in html and "outline:none" not in html
    ring = _hex(rules[":focus-visible"]["outline"])
    nav_ring = _hex(rules["nav.menu a:focus-visible"]["outline"])
    assert ring and nav_ring
    for bg in ("#ffffff", _hex(rules["body"]["background"]), _hex(rules[".card"]["background"])):
        assert bg and contrast(ring, bg) >= AA_NON_TEXT, bg
    assert contrast(nav_ring, _hex(rules["nav.menu"]["background"]) or "") >= AA_NON_TEXT
    # the sticky menu never covers what a keyboard focuses or a link jumps to
    assert "scroll-padding-top" in rules["html"]


def test_print_hides_the_skip_link_and_menu(page: tuple[str, Node]) -> None:
    html, _ = page
    printed = html.split("@media print")[1].split("</style>")[0]
    hidden = re.search(r"([^{}]+)\{ display: none !important; \}", printed)
    assert hidden and {"nav.menu", "a.skip"} <= {s.strip() for s in hidden.group(1).split(",")}


# ---- in a browser: the keyboard, and what plotly leaves of the names ------------------

_KEYBOARD_PROBE = r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
(function poll() {
  if (document.body.getAttribute('data-figures') !== 'ready' && Date.now() - t0 < 90000) {
    setTimeout(poll, 200); return;
  }
  const figs = Array.from(document.querySelectorAll('.figure'));
  const wraps = Array.from(document.querySelectorAll('.tablewrap'));
  done({
    figures: figs.map(f => [f.id, f.getAttribute('role'),
      (f.getAttribute('aria-label') || '').length, f.querySelectorAll('.main-svg').length,
      f.querySelectorAll('.main-svg:not([aria-hidden="true"])').length,
      f.querySelectorAll('.modebar button[aria-label]').length]),
    scrolling: wraps.filter(w => w.scrollWidth > w.clientWidth + 1).map(w => [
      w.tabIndex, w.getAttribute('role'),
      (w.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean).map(
        i => (document.getElementById(i) || {}).textContent || '')]),
    focusable: wraps.filter(w => w.hasAttribute('tabindex')).length,
  });
})();
"""

_FOCUSED = (
    "const a = document.activeElement, r = a.getBoundingClientRect(), s = getComputedStyle(a);"
    "return [a.className, a.getAttribute('href'), r.top, r.bottom, s.outlineStyle, s.outlineWidth];"
)


@pytest.mark.browser
def test_keyboard_and_chart_names_in_chromium(drawn_report: Callable[..., Any]) -> None:
    """The first Tab shows the skip link with a focus ring; plotly keeps each chart's name,
    its SVG is hidden from a screen reader, its toolbar reachable; at 390 px each table
    that scrolls sideways takes focus, named by its section and caption (axe-core's
    scrollable-region-focusable), and at 1440 px, where every table fits, none does."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    # the report as loaded at each window (conftest): the phone's first, only read, is
    # shared with other tests that read it; the keys below change the page at 1440 px
    # (its focus and hash: the next test loads it again)
    driver = drawn_report(390, 844, mobile=True)
    driver.set_script_timeout(120)
    phone = driver.execute_async_script(_KEYBOARD_PROBE)
    driver = drawn_report(1440, 900)
    driver.set_script_timeout(120)
    wide = driver.execute_async_script(_KEYBOARD_PROBE)
    ActionChains(driver).send_keys(Keys.TAB).perform()
    skip = driver.execute_script(_FOCUSED)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    hash_after = driver.execute_script("return location.hash;")
    assert "skip" in skip[0] and skip[1] == "#front", skip
    assert 0 <= skip[2] < skip[3] <= 900, skip  # on screen when focused
    assert skip[4] != "none" and float(skip[5].rstrip("px")) >= 2, skip
    assert hash_after == "#front"
    assert len(wide["figures"]) > 40
    for fid, role, label, svgs, shown, buttons in wide["figures"]:
        assert role == "figure" and label > 20, fid
        assert svgs and shown == 0 and buttons, (fid, svgs, shown, buttons)
    assert wide["scrolling"] == [] and wide["focusable"] == 0, wide["scrolling"]
    assert phone["scrolling"], "no table scrolls at 390 px: the test no longer tests it"
    for tab, role, names in phone["scrolling"]:
        assert tab == 0 and role == "group" and len(names) >= 1 and all(names), (tab, role, names)
