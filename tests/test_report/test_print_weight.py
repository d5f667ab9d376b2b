"""The report prints to a PDF of a few MB (print32).

Printing the data section alone made a 175-MB PDF and took about a minute of Chromium's
CPU: Chromium prints each bar filled with a pattern (long/short told apart) as an image of
its own, about 30 kB a bar. The data section's 4-hourly liquidations drew 3,000 of them
(1,500 a side, each narrower than a pixel, the pattern showing as stripes, not heights);
the liquidation map's 320 bars printed 10 MB. Dense bars are now solid
(``PATTERN_MAX_BARS``), and printed, a patterned bar is filled solid with its pattern's
colour (the template's ``printFills``): the data section prints to under 1 MB.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

from liqcascade.report._figures import MAX_POINTS, PATTERN_MAX_BARS, _decode, drawn, finish

TEMPLATE = Path(__file__).resolve().parents[2] / "src/liqcascade/report/templates/report.html.j2"

PRINTED_MB = 3.0
"""Most MB the front page and the data section print to (175 MB before, 0.4 MB after)."""


def _bars(n: int) -> go.Figure:
    x = np.arange(n, dtype=float)
    return go.Figure(
        [go.Bar(x=x, y=np.ones(n), name="longs liquidated"),
         go.Bar(x=x, y=-np.ones(n), name="shorts liquidated")]
    )  # fmt: skip


def test_dense_bars_are_solid_and_sparse_bars_keep_their_pattern() -> None:
    """A pattern on bars narrower than its tile shows stripes, and prints an image a bar."""
    _, few = finish(_bars(PATTERN_MAX_BARS))
    shapes = [t.marker.pattern.shape for t in few.data]
    assert shapes[0] and shapes[1] and shapes[0] != shapes[1]
    _, many = finish(_bars(PATTERN_MAX_BARS + 1))
    assert [t.marker.pattern.shape for t in many.data] == [None, None]
    assert [len(t.y) for t in many.data] == [PATTERN_MAX_BARS + 1] * 2  # every bar drawn


def _figures(html: str) -> dict[str, dict[str, Any]]:
    found = re.findall(
        r'<script type="application/json" class="figjson" data-target="([^"]+)">(.*?)</script>',
        html,
        re.S,
    )
    return {fid: json.loads(body) for fid, body in found}


def _points(trace: dict[str, Any]) -> int:
    t = drawn(trace)
    return max((np.asarray(_decode(t[k])).size for k in ("x", "y") if k in t), default=0)


def test_no_figure_of_the_report_draws_many_patterned_bars(report: dict[str, Path]) -> None:
    """The built report's figure JSON: no series over MAX_POINTS points, no patterned bar
    trace over PATTERN_MAX_BARS bars (the data section's two were 1,500 each)."""
    figs = _figures(report["html"].read_text())
    assert "fig-data-1" in figs and len(figs) > 20, sorted(figs)
    patterned = 0
    for fid, spec in figs.items():
        for t in spec["data"]:
            n = _points(t)
            assert n <= MAX_POINTS, (fid, t.get("name"), n)
            if (t.get("marker") or {}).get("pattern", {}).get("shape"):
                assert n <= PATTERN_MAX_BARS, (fid, t.get("name"), n)
                patterned += 1
    assert patterned > 0  # the liquidation map keeps its long/short patterns on screen
    assert max(_points(t) for t in figs["fig-data-1"]["data"]) > PATTERN_MAX_BARS


def test_the_print_css_fills_patterned_bars_solid() -> None:
    """Each patterned bar prints solid, in its pattern's colour, after every redraw."""
    page = TEMPLATE.read_text()
    css = page.split("@media print {", 1)[1].split("\n}\n", 1)[0]
    assert re.search(
        r"path\.pattern_filled\[[^]]*--print-fill[^{]*\{\s*fill: var\(--print-fill\) !important",
        css,
    )
    assert re.search(r'plotly_afterplot", function \(\) \{[^}]*printFills\(target\)', page)


@pytest.mark.browser
def test_the_data_section_prints_small(
    report: dict[str, Path], chromium: Any, tmp_path: Path
) -> None:
    """The front page, the data section (175 MB before) and the liquidation map section
    (10 MB before; its bars keep their patterns on screen) print to a few MB at most,
    each patterned bar filled, printed, with its trace's colour."""
    from test_report.test_committee import _front_and

    html = report["html"].read_text()
    liqmap = html.split("<main>", 1)[1]
    start = liqmap.index('<section id="liqmap"')
    liqmap = liqmap[start : liqmap.index("</section>", start) + len("</section>")]
    page = tmp_path / report["html"].name
    page.write_text(_front_and(html, "data").replace("\n</main>", f"{liqmap}\n</main>", 1))
    shutil.copy(report["plotly"], tmp_path / report["plotly"].name)
    driver = chromium
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.get(page.resolve().as_uri())
    driver.set_script_timeout(120)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1], t0 = Date.now();"
        "(function poll() { if (document.body.getAttribute('data-figures') !== 'ready' &&"
        " Date.now() - t0 < 90000) { setTimeout(poll, 200); return; } done(true); })();"
    )
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    # each patterned bar: its printed fill, its --print-fill and its trace's marker colour,
    # each read as a computed colour (a probe element normalises the notations)
    bars = driver.execute_script(_PRINTED_FILLS)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert len(bars) > 0  # the liquidation map's long/short bars keep their patterns
    assert all(fill == var == trace for fill, var, trace in bars), bars[:5]
    pdf = base64.b64decode(
        driver.execute_cdp_cmd(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
        )["data"]
    )
    assert pdf.startswith(b"%PDF") and len(pdf) / 1e6 < PRINTED_MB, len(pdf)


_PRINTED_FILLS = """
const probe = document.createElement('div');
document.body.appendChild(probe);
const colour = c => { probe.style.color = ''; probe.style.color = c || 'transparent';
                      return getComputedStyle(probe).color; };
const out = Array.from(document.querySelectorAll('.barlayer path.pattern_filled')).map(p => {
  const cd = p.closest('.trace').__data__;
  const marker = (cd && cd[0] && cd[0].trace.marker) || {};
  return [getComputedStyle(p).fill, colour(p.style.getPropertyValue('--print-fill').trim()),
          colour(marker.color)];
});
probe.remove();
return out;
"""
