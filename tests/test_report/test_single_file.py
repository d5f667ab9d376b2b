"""``report --single-file``: one report.html that shows its figures when forwarded alone."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli
from liqcascade.report import build_report
from liqcascade.report._build import PLOTLY_JS, plotly_source

_RENDERED = r"""
const done = arguments[arguments.length - 1];
const t0 = Date.now();
(function poll() {
  if (document.body.getAttribute('data-figures') !== 'ready' && Date.now() - t0 < 60000) {
    setTimeout(poll, 200); return;
  }
  done({plotly: typeof Plotly !== 'undefined',
        plots: document.querySelectorAll('.js-plotly-plot .main-svg').length,
        figures: document.querySelectorAll('.figure').length,
        note: !document.getElementById('nojs-front').hidden});
})();
"""


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("single")
    return build_report(out, sections=("data",), quick=True, workers=1, single_file=True)


def test_single_file_holds_plotly_and_writes_nothing_beside(single: dict[str, Path]) -> None:
    assert set(single) == {"html", "summary"}
    assert not (single["html"].parent / PLOTLY_JS).exists()
    html = single["html"].read_text()
    assert re.findall(r"<script[^>]*\ssrc=", html) == []  # no file to fetch
    assert html.count(plotly_source()) == 1
    assert f"needs {PLOTLY_JS}" not in html and "This figure needs JavaScript." in html
    assert json.loads(single["summary"].read_text())["sections"]["data"]


@pytest.mark.browser
def test_single_file_renders_its_figures_alone(
    single: dict[str, Path], tmp_path: Path, chromium: Any
) -> None:
    alone = tmp_path / "alone"  # forwarded by mail: report.html and nothing else
    alone.mkdir()
    shutil.copy(single["html"], alone / "report.html")
    driver = chromium  # the worker's browser, as just started (conftest.chromium)
    driver.get((alone / "report.html").resolve().as_uri())
    driver.set_script_timeout(90)
    state = driver.execute_async_script(_RENDERED)
    assert state["plotly"] and not state["note"], state
    assert state["figures"] >= 1 and state["plots"] >= state["figures"], state


def test_cli_single_file(tmp_path: Path) -> None:
    out = tmp_path / "r"
    r = run_cli(
        "report", "--out", str(out), "--section", "data", "--quick", "--single-file", "--json"
    )
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["report"] == str((out / "report.html").resolve())
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "summary.json"]


def test_both_modes_read_the_one_located_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundle beside report.html and the one inside it are both ``plotly_asset()``'s."""
    from liqcascade.report import _build

    fake = tmp_path / "plotly.js"
    fake.write_text("/* a stand-in bundle */ var Plotly = {};\n", encoding="utf-8")
    monkeypatch.setattr(_build, "plotly_asset", lambda: fake)
    beside = build_report(tmp_path / "a", sections=("data",), quick=True, workers=1)
    assert beside["plotly"].read_bytes() == fake.read_bytes()
    inside = build_report(
        tmp_path / "b", sections=("data",), quick=True, workers=1, single_file=True
    )
    assert inside["html"].read_text().count(fake.read_text()) == 1
