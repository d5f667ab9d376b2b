"""tools/screenshots.py: docs/report.md's screenshots taken from a report, and their manifest.

The pictures themselves cannot be compared across machines (fonts, Chromium's version), so
the check is on the figures: MANIFEST.json beside the images records the figures of
summary.json each image shows, and a report whose figures differ makes them stale. Here:
the page's list of images, the figures picked, the comparison on small fabricated
summaries, the command's exit codes, the pictures in Chromium (``browser``), and the
committed images against the suite's report (``report``, quick: the figures a quick run
does not reproduce are listed in the manifest and skipped).
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from liqcascade.report import SECTIONS

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("screenshots", ROOT / "tools" / "screenshots.py")
assert _spec is not None and _spec.loader is not None
shots = importlib.util.module_from_spec(_spec)
sys.modules["screenshots"] = shots
_spec.loader.exec_module(shots)

SUMMARY: dict[str, Any] = {
    "revision": "8e1fe6a78764", "generated": "2026-12-06 22:50 UTC", "version": "0.2.0",
    "options": {"mode": "full", "assets": ["ETH", "BTC"], "as_of": "2025-07-31"},
    "front": {
        "as_of_text": "bar 2025-07-31 20:00–2025-08-01 00:00 UTC", "data_age_days": 492,
        "headlines": {"move_5pct": {
            "label": "How far a 5 % fall carries price", "text": "−9.3 %", "value": -0.0933,
            "interval": "−19.8 % to −5.3 % (80 %)", "evidence": "Event back-test: ties",
            "check": "ties", "check_label": ""}},
    },
    "sections": {
        "volatility": {"asset": "ETH", "clustering": {"daily": {"arch_lm_stat": 92.11}}},
        "volatility-btc": {"asset": "BTC", "clustering": {"daily": {"arch_lm_stat": 40.5}}},
    },
    "claims": [{"claim": "Large moves cluster (volatility clustering)", "section": "volatility",
                "computed": "ARCH-LM on daily returns: 92 (p < 0.001)", "verdict": "supported",
                "front": "ARCH-LM 92", "would_test": ""}],
}  # fmt: skip
PICKS = {"volatility": ("clustering.daily.arch_lm_stat",)}
PAGE = "Intro.\n\n![front page](img/front.png)\n\ntext img/x.png\n\n![v](img/volatility.png)\n"


@pytest.fixture
def picks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shots, "PICKS", PICKS)


def test_the_page_embeds_the_front_page_and_report_sections_each_with_figures() -> None:
    names = shots.page_images(shots.PAGE)
    assert names[0] == "front" and len(names) == len(set(names)) >= 10
    ids = {s.id for s in SECTIONS}
    per_asset = {f"{s.id}-btc" for s in SECTIONS if s.scope == "asset"}
    assert set(names[1:]) <= ids | per_asset, set(names[1:]) - ids - per_asset
    # every section pictured has its figures listed (a -btc block uses its section's)
    assert {n.removesuffix("-btc") for n in names[1:]} <= set(shots.PICKS)
    # one image a line, alone: the text that names a path in passing is no image
    assert shots.embedded(PAGE) == ["front", "volatility"]


def test_figures_are_what_each_picture_shows(picks: None) -> None:
    front = shots.figures(SUMMARY, "front")
    assert front["front.headlines.move_5pct.text"] == "−9.3 %"  # the card's text, as printed
    assert front["front.as_of_text"].startswith("bar 2025-07-31")
    assert not any("data_age_days" in k for k in front)  # grows by one every day
    vol = shots.figures(SUMMARY, "volatility")
    assert vol == {
        "claims[Large moves cluster (volatility clustering)].computed":
            "ARCH-LM on daily returns: 92 (p < 0.001)",
        "claims[Large moves cluster (volatility clustering)].verdict": "supported",
        "sections.volatility.clustering.daily.arch_lm_stat": 92.11,
    }  # fmt: skip
    # BTC's block: its section's list, under its own id, no ETH claim
    assert shots.figures(SUMMARY, "volatility-btc") == {
        "sections.volatility-btc.clustering.daily.arch_lm_stat": 40.5
    }
    with pytest.raises(shots.ToolError, match="no section 'support'"):
        shots.figures(SUMMARY, "support")
    renamed = copy.deepcopy(SUMMARY)
    renamed["sections"]["volatility"]["clustering"]["daily"] = {"lm": 92.11}
    with pytest.raises(shots.ToolError, match=r"no sections\.volatility\.clustering\.daily\.arch"):
        shots.figures(renamed, "volatility")


def _manifest(tmp: Path) -> dict[str, Any]:
    pngs = {"front": b"\x89PNG front", "volatility": b"\x89PNG vol"}
    for name, data in pngs.items():
        (tmp / f"{name}.png").write_bytes(data)
    quick = copy.deepcopy(SUMMARY)
    quick["front"]["headlines"]["move_5pct"]["text"] = "−9.2 %"  # fewer paths
    return shots.manifest(SUMMARY, pngs, "chrome 1", quick)


def test_the_manifest_and_what_makes_the_images_stale(picks: None, tmp_path: Path) -> None:
    m = _manifest(tmp_path)
    assert m["report"]["revision"] == "8e1fe6a78764" and m["report"]["options"]["mode"] == "full"
    assert m["window"] == {"width": 1440, "height": 900, "device_scale_factor": 1}
    assert m["images"]["front"]["sha256"] == hashlib.sha256(b"\x89PNG front").hexdigest()
    assert m["images"]["front"]["full_only"] == ["front.headlines.move_5pct.text"]
    names = ["front", "volatility"]
    assert shots.stale(m, SUMMARY, names, tmp_path) == []
    now = copy.deepcopy(SUMMARY)
    # within REL_TOL (5e-4: another CPU's fits move figures ~1e-5 relative): the same figure
    now["sections"]["volatility"]["clustering"]["daily"]["arch_lm_stat"] = 92.11 * (1 + 4e-4)
    assert shots.stale(m, now, names, tmp_path) == []
    now["sections"]["volatility"]["clustering"]["daily"]["arch_lm_stat"] = 92.11 * (1 - 6e-4)
    assert len(shots.stale(m, now, names, tmp_path)) == 1  # 92.06 is another figure
    now["sections"]["volatility"]["clustering"]["daily"]["arch_lm_stat"] = 97.3
    now["claims"][0]["verdict"] = "not supported"
    now["front"]["headlines"]["move_5pct"]["check"] = "beats"
    del now["front"]["as_of_text"]
    lines = shots.stale(m, now, names, tmp_path)
    assert lines == [
        'front.png: front.as_of_text: "bar 2025-07-31 20:00–2025-08-01 00:00 UTC" in the '
        "images; not in the report",
        'front.png: front.headlines.move_5pct.check: "ties" in the images, "beats" in the report',
        "volatility.png: claims[Large moves cluster (volatility clustering)].verdict: "
        '"supported" in the images, "not supported" in the report',
        "volatility.png: sections.volatility.clustering.daily.arch_lm_stat: 92.11 in the "
        "images, 97.3 in the report",
    ]
    # the page, the files and the options
    (tmp_path / "front.png").write_bytes(b"\x89PNG retaken by hand")
    (tmp_path / "volatility.png").unlink()
    other = dict(SUMMARY, options=dict(SUMMARY["options"], as_of="2025-06-30"))
    lines = shots.stale(m, other, ["front", "support"], tmp_path)
    assert lines[:3] == [
        "support.png: docs/report.md embeds it; the manifest has no such image",
        "volatility.png: in the manifest; docs/report.md no longer embeds it",
        'report options: {"mode": "full", "assets": ["ETH", "BTC"], "as_of": "2025-07-31"} in '
        'the images, {"mode": "full", "assets": ["ETH", "BTC"], "as_of": "2025-06-30"} in the '
        "report",
    ]
    assert "front.png: not the picture the manifest describes (by hand?)" in lines
    assert f"volatility.png: no such file in {tmp_path}" in lines


def test_a_quick_report_is_compared_on_what_a_quick_run_reproduces(
    picks: None, tmp_path: Path
) -> None:
    m = _manifest(tmp_path)
    quick = copy.deepcopy(SUMMARY)
    quick["options"]["mode"] = "quick"
    quick["front"]["headlines"]["move_5pct"]["text"] = "−9.1 %"  # full_only: not compared
    assert shots.stale(m, quick, ["front", "volatility"], tmp_path) == []
    quick["sections"]["volatility"]["clustering"]["daily"]["arch_lm_stat"] = 97.3
    assert shots.stale(m, quick, ["front", "volatility"], tmp_path) == [
        "volatility.png: sections.volatility.clustering.daily.arch_lm_stat: 92.11 in the "
        "images, 97.3 in the report"
    ]


def test_check_exit_codes(picks: None, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    img, rep = tmp_path / "img", tmp_path / "report"
    img.mkdir()
    rep.mkdir()
    (img / shots.MANIFEST).write_text(json.dumps(_manifest(img)), encoding="utf-8")
    (rep / "summary.json").write_text(json.dumps(SUMMARY), encoding="utf-8")
    page = tmp_path / "report.md"
    page.write_text(PAGE, encoding="utf-8")
    args = [str(rep), "--check", "--out", str(img), "--page", str(page)]
    assert shots.main(args) == 0
    assert "2 images OK" in capsys.readouterr().out
    changed = copy.deepcopy(SUMMARY)
    changed["sections"]["volatility"]["clustering"]["daily"]["arch_lm_stat"] = 97.3
    (rep / "summary.json").write_text(json.dumps(changed), encoding="utf-8")
    assert shots.main(args) == 1
    out = capsys.readouterr().out
    assert "the screenshots are stale (1 differences)" in out and "97.3 in the report" in out
    (img / shots.MANIFEST).unlink()
    assert shots.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "MANIFEST.json: no such file" in err and "\n" not in err
    page.write_text("no image here\n", encoding="utf-8")
    assert shots.main(args) == 2
    assert "embeds no image" in capsys.readouterr().err


def test_only_a_full_report_is_pictured(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "summary.json").write_text(json.dumps({"options": {"mode": "quick"}}))
    assert shots.main([str(tmp_path), "--out", str(tmp_path / "img")]) == 2
    assert "a quick report; the screenshots show the full one" in capsys.readouterr().err
    assert not (tmp_path / "img").exists()


def test_the_committed_screenshots_show_the_current_report(report: dict[str, Path]) -> None:
    """docs/img's images against the suite's report (quick: what a quick run reproduces)."""
    recorded = shots.OUT / shots.MANIFEST
    if not recorded.exists():
        pytest.skip("docs/img/MANIFEST.json not written yet: run tools/screenshots.py")
    summary = json.loads(report["summary"].read_text(encoding="utf-8"))
    manifest = json.loads(recorded.read_text(encoding="utf-8"))
    lines = shots.stale(manifest, summary, shots.page_images(shots.PAGE), shots.OUT)
    assert not lines, (
        "the screenshots in docs/img are stale; retake them: liqcascade report --out DIR && "
        "python tools/screenshots.py DIR\n" + "\n".join(lines)
    )


@pytest.mark.browser
def test_pictures_are_1440_by_900_and_each_shows_its_own_place(
    report: dict[str, Path], tmp_path: Path
) -> None:
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("chromium/chromedriver not installed (make browser installs them)")
    if not shutil.which("chromedriver"):
        pytest.skip("chromium/chromedriver not installed (make browser installs them)")
    pytest.importorskip("selenium")
    names = ["cascade-btc", "front"]
    pngs, browser = shots.take(report["html"].parent, names, tmp_path / "profile")
    assert list(pngs) == names and browser.split()[-1][0].isdigit()
    assert {shots.png_size(p) for p in pngs.values()} == {(1440, 900)}
    assert pngs["front"] != pngs["cascade-btc"]
    # a name without a menu link: the menu is looked up by the same code on any page, so a
    # page of one link stands for the report (which took the browser 10-40 s to draw again)
    menu = tmp_path / "menu"
    menu.mkdir()
    (menu / "report.html").write_text(
        '<html><body data-figures="ready"><nav class="menu"><a href="#front">Front</a></nav>'
        '<section id="front">front</section></body></html>',
        encoding="utf-8",
    )
    with pytest.raises(shots.ToolError, match="no link to #nowhere"):
        shots.take(menu, ["nowhere"], tmp_path / "profile2")
