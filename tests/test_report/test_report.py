"""The main job end to end: the report on the bundled real data, read back and opened in
a real headless Chromium with the network off."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from liqcascade.report import SECTION_MODULES, build_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    return build_report(out, quick=True)


def test_report_files_and_summary(report: dict[str, Path]) -> None:
    html = report["html"].read_text()
    summary = json.loads(report["summary"].read_text())
    assert report["html"].stat().st_size < 10e6
    assert len(summary["sections"]) == len(SECTION_MODULES)
    data = summary["sections"]["data"]
    assert data["eth_1d"]["first"].startswith("2017-08-17")
    assert data["eth_1d"]["last"].startswith("2025-12-31")
    assert data["liquidations_4h"]["first"].startswith("2024-11-13")
    assert data["recorded_long_liquidations_usd"] > data["recorded_short_liquidations_usd"] > 1e8
    # offline: plotly is inlined, no script or stylesheet comes from the network
    assert "<script src=" not in html and '<link rel="stylesheet" href="http' not in html
    for sid in summary["sections"]:
        assert f'id="{sid}"' in html


def _chrome_driver(tmp: Path):  # type: ignore[no-untyped-def]
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip("chromium/chromedriver not installed (make test installs them)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--proxy-server=http://127.0.0.1:9", "--window-size=1400,2400",
        f"--user-data-dir={tmp / 'chrome-profile'}",
    ):  # fmt: skip
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(chromedriver), options=opts)


@pytest.mark.browser
def test_report_in_headless_chromium_offline(report: dict[str, Path], tmp_path: Path) -> None:
    driver = _chrome_driver(tmp_path)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        driver.get(report["html"].resolve().as_uri())
        driver.set_script_timeout(60)
        state = driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const t0 = Date.now();
            (function poll() {
              const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
              const ready = plots.length > 0 && plots.every(p => p.querySelector('.main-svg'));
              if (ready || Date.now() - t0 > 45000) {
                done({
                  plotly: typeof window.Plotly !== 'undefined',
                  sections: Array.from(document.querySelectorAll('section.report-section'))
                    .map(s => s.id),
                  plots: plots.map(p => ({
                    id: p.id,
                    traces: (p.data || []).length,
                    // plotly decodes base64 ("bdata") arrays into typed arrays in _fullData
                    points: (p._fullData || []).reduce(
                      (n, t) => n + ((t.x || t.z || t.values || t.y || []).length || 0), 0),
                    svg: !!p.querySelector('.main-svg'),
                  })),
                });
              } else { setTimeout(poll, 200); }
            })();
            """
        )
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "report.png"))
        logs = driver.get_log("browser")
    finally:
        driver.quit()
    assert state["plotly"], "plotly.js did not load from the inlined script"
    summary = json.loads(report["summary"].read_text())
    assert state["sections"] == list(summary["sections"])
    assert state["plots"], "no plotly figure in the report"
    for p in state["plots"]:
        assert p["svg"] and p["traces"] > 0 and p["points"] > 0, p
    severe = [e for e in logs if e.get("level") == "SEVERE"]
    assert not severe, severe
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
