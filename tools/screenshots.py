"""Take docs/report.md's screenshots from a report folder, and check they are current.

docs/report.md shows the report as a reader meets it: the front page and each section as
reached from the menu, in headless Chromium at 1440 × 900. This tool takes every image
the page embeds (each line ``![...](img/NAME.png)``: ``front`` is the front page, any
other NAME the section of that id, ``cascade-btc`` BTC's block of a per-asset section)
from a folder ``liqcascade report`` wrote, and writes beside them ``MANIFEST.json``: the
report's git revision, date, options and fingerprint, and, per image, the figures of
summary.json that the image shows (the front page's cards; each section's claims and
headline numbers, :data:`PICKS`), with each PNG's size and SHA-256. It also runs
``liqcascade report --quick`` once (or reads ``--quick-report DIR``) and lists per image
the figures a quick run does not reproduce (``full_only``): the test suite, which builds
a quick report, compares the others (tests/test_report/test_screenshots.py).

Usage (the maintainers retake the images after a change that moves a figure they show,
CONTRIBUTING.md)::

    liqcascade report --out /tmp/r                  # the full report: ETH and BTC, every section
    python tools/screenshots.py /tmp/r              # -> docs/img/*.png and docs/img/MANIFEST.json
    python tools/screenshots.py /tmp/r --check      # are docs/img's images those of this report?

``--check`` takes no picture (pixels differ between machines: fonts, Chromium's version):
it compares the figures MANIFEST.json recorded with the ones REPORT_DIR's summary.json
holds now, and the manifest's list and hashes with the page's images and the files. It
prints OK, or one line per difference (``volatility.png: sections.volatility.clustering.
daily.arch_lm_stat: 97.3 in the images, 92.1 in the report``) and exits 1. A folder
without a readable report or manifest, a page without images, a ``--quick`` report to
take pictures of, or no Chromium is one line ``error: ...`` and exit 2.

The pictures are deterministic on one machine: a fixed window (1440 × 900, device scale
1), reduced motion with every CSS transition and animation off, the network off, plotly's
figures all drawn (the page sets ``data-figures="ready"``) before the first picture, and
each section reached by a click on its menu link (the pointer then rests on that link).
Chromium and chromedriver come from the system (``make browser``), driven by selenium
(the dev extra), as the report's browser tests drive them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "report.md"
OUT = ROOT / "docs" / "img"
MANIFEST = "MANIFEST.json"
WIDTH, HEIGHT, SCALE = 1440, 900, 1
"""The window (CSS pixels) and the device scale: the PNGs are 1440 × 900."""
FRONT = "front"
"""The image name of the front page; every other name is a section id."""
READY_S = 180.0
"""Seconds the page may take to draw every figure (a busy 2-core machine takes ~20)."""
REL_TOL = 5e-4
"""Relative tolerance of a float figure in ``--check``: half a unit of the fourth
significant digit, below what a picture shows (3–4 significant digits). Figures that
come out of an optimiser or of fitted paths carry a CPU's last bits much further than
the last bits: between an AVX2 and an AVX-512 machine a stop's chance of being hit moved
3.3e-5 relative and a GJR asymmetry 5e-6 (1e-6 failed on the second machine)."""

_IMAGE_LINE = re.compile(r"!\[[^\]]*\]\(img/([A-Za-z0-9_.-]+)\.png\)")

HEADLINE_FIELDS = ("label", "text", "interval", "evidence", "check", "check_label")
"""What a front-page card shows (summary.json ``front.headlines.<key>``), as printed."""
CLAIM_FIELDS = ("computed", "verdict")
"""What a section's "Claim tested here" box shows (summary.json ``claims``)."""

PICKS: dict[str, tuple[str, ...]] = {
    "data": ("eth_1d.first", "eth_1d.last", "eth_1d.rows", "liquidations_4h.first",
             "recorded_long_liquidations_usd", "recorded_short_liquidations_usd",
             "largest_liquidation_bar", "largest_liquidation_bar_usd"),
    "liqmap": ("as_of", "price", "long_liq_within_10%_usd", "short_liq_within_10%_usd",
               "sell_stops_usd", "buy_stops_usd", "top5_clusters_share",
               "out_of_sample.corr_daily", "out_of_sample.range_baseline_corr_daily",
               "out_of_sample.verdict"),
    "validation": ("test_period", "assets.ETH.metrics.corr_daily",
                   "assets.ETH.metrics.range_baseline_corr_daily", "assets.BTC.metrics.corr_daily",
                   "assets.BTC.metrics.range_baseline_corr_daily"),
    "cascade": ("mid", "calibrated.fall_5pct.move_median", "calibrated.fall_5pct.move_p10",
                "calibrated.fall_5pct.move_p90", "calibrated.fall_5pct.liquidated_median",
                "calibrated.fall_5pct.out_of_sample.n_events",
                "calibrated.fall_5pct.out_of_sample.move_mae_pp",
                "calibrated.fall_5pct.out_of_sample.empirical_baseline_move_mae_pp",
                "calibrated.fall_5pct.out_of_sample.trigger_baseline_move_mae_pp",
                "calibrated.critical_shock"),
    "volatility": ("clustering.daily.arch_lm_stat", "clustering.hourly.arch_lm_stat",
                   "clustering.daily_std_resid.arch_lm_pvalue", "asymmetry_ratio_daily_gjr",
                   "best_model_aic", "realized_vs_model_log_corr"),
    "support": ("n_tests", "n_zones", "n_tests_range_over_grid", "win_rate_1_10",
                "baseline_win_rate_1_10", "random_level_win_rate_1_10",
                "long_horizons_significantly_negative", "verdict"),
    "stress": ("montecarlo.var_95", "montecarlo.es_95", "montecarlo.var_99",
               "price_quantiles.p05", "price_quantiles.p50", "price_quantiles.p95"),
    "solvency": ("liabilities_usd", "worst_scenario", "min_buffer_survives.-30%",
                 "bad_debt_usd.-30%", "breaks.6%", "breaks.14%"),
    "contagion": ("contagion_share", "cex_liquidated_usd", "defi_liquidated_usd",
                  "aave_recorded_usd", "aave_ratio", "first_shock_sensitivity.share_min",
                  "first_shock_sensitivity.share_max"),
    "collateral": ("pricing.own-book.collateral_liquidated_usd",
                   "pricing.own-book.accounts_liquidated",
                   "pricing.index.collateral_liquidated_usd",
                   "pricing.redemption.collateral_liquidated_usd"),
    "protect": ("recommendation_long.stop_price", "recommendation_long.distance",
                "recommendation_long.stop_out_chance"),
    "transparency": ("first", "last", "days", "means.mean_leverage",
                     "means.distance_to_cascade", "last_values.distance_to_cascade",
                     "best_spearman_metric", "best_precision_metric"),
}  # fmt: skip
"""Per section id, the summary.json paths (under ``sections.<id>``, dot-separated) of the
numbers its picture shows above the fold (its takeaways), beside its claims' boxes (each
claim of the section: ``claims[CLAIM].computed`` and ``.verdict``). A per-asset block
(``cascade-btc``) uses its section's list. A path the summary lacks when pictures are
taken is an error naming it (a section renamed a key: update the list here)."""


class ToolError(ValueError):
    """A bad folder, page or manifest, or no browser: one line ``error: ...``, exit 2."""


# ---- the page's images ------------------------------------------------------------------


def embedded(text: str) -> list[str]:
    """The images a page embeds, in page order, each once.

    Parameters
    ----------
    text : str
        The markdown page (docs/report.md); an image is a line that is only
        ``![alt](img/NAME.png)``.

    Returns
    -------
    list of str
        The names (``front``, ``liqmap``, ``liqmap-btc``, ...), without ``.png``.
    """
    names: list[str] = []
    for line in text.splitlines():
        m = _IMAGE_LINE.fullmatch(line.strip())
        if m and m.group(1) not in names:
            names.append(m.group(1))
    return names


def page_images(page: Path) -> list[str]:
    """:func:`embedded` of the file ``page``; none, or an unreadable page, a ToolError."""
    try:
        names = embedded(page.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ToolError(f"{page}: cannot be read ({exc.strerror or exc})") from exc
    if not names:
        raise ToolError(f"{page}: embeds no image (no line '![...](img/NAME.png)')")
    return names


# ---- the figures each image shows -------------------------------------------------------


def _base(name: str, summary: dict[str, Any]) -> str:
    """The section id of image ``name``: ``cascade`` for ``cascade-btc``."""
    if name in PICKS:
        return name
    asset = summary.get("sections", {}).get(name, {}).get("asset")
    if isinstance(asset, str) and name.endswith("-" + asset.lower()):
        return name[: -len(asset) - 1]
    return name


def lookup(summary: dict[str, Any], key: str) -> Any:
    """The value at the dot-separated ``key`` of ``summary``; a KeyError when it has none.

    ``claims[CLAIM].FIELD`` is the field of the claim whose text is CLAIM (claims are a
    list); a list is indexed by a number (``sections.x.rows.0``).
    """
    if key.startswith("claims["):
        claim, sep, field = key[len("claims[") :].rpartition("].")
        match = [c for c in summary.get("claims", []) if c.get("claim") == claim]
        if not sep or not match or field not in match[0]:
            raise KeyError(key)
        return match[0][field]
    node: Any = summary
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(key)
    return node


def figures(summary: dict[str, Any], name: str) -> dict[str, Any]:
    """The figures of summary.json that image ``name`` shows, by their path.

    Parameters
    ----------
    summary : dict
        A report's summary.json.
    name : str
        ``front`` (the front page: the as-of date and every card's label, value,
        interval and evidence, as printed) or a section id of the report.

    Returns
    -------
    dict
        ``{"sections.volatility.raw_daily.arch_lm_stat": 92.1, ...}``.

    Raises
    ------
    ToolError
        The report has no such section, no figures are listed for it, or a listed
        path is not in its summary.
    """
    if name == FRONT:
        out: dict[str, Any] = {"front.as_of_text": lookup(summary, "front.as_of_text")}
        # the cards; not front.data_age_days ("492 days before this report"): it grows daily
        for key in summary["front"]["headlines"]:
            for f in HEADLINE_FIELDS:
                path = f"front.headlines.{key}.{f}"
                out[path] = lookup(summary, path)
        return out
    if name not in summary.get("sections", {}):
        raise ToolError(f"the report has no section {name!r} (img/{name}.png): give the "
                        "full report (liqcascade report, every section, ETH and BTC)")  # fmt: skip
    base = _base(name, summary)
    if base not in PICKS:
        raise ToolError(f"img/{name}.png: no figures listed for section {base!r} "
                        "(add them to PICKS in tools/screenshots.py)")  # fmt: skip
    out = {
        f"claims[{c['claim']}].{f}": c[f]
        for c in summary.get("claims", [])
        if c.get("section") == name
        for f in CLAIM_FIELDS
    }
    lacking = []
    for rel in PICKS[base]:
        path = f"sections.{name}.{rel}"
        try:
            out[path] = lookup(summary, path)
        except KeyError:
            lacking.append(path)
    if lacking:
        raise ToolError(f"img/{name}.png: summary.json has no {', '.join(lacking)} "
                        "(a key renamed? update PICKS in tools/screenshots.py)")  # fmt: skip
    return out


# ---- the manifest and the check ---------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Whether two JSON values are the same figure: floats within :data:`REL_TOL`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def report_block(summary: dict[str, Any]) -> dict[str, Any]:
    """What the manifest says of the report the images come from."""
    keys = ("revision", "generated", "version", "options", "command", "as_of", "fingerprint")
    return {k: summary.get(k) for k in keys}


def manifest(
    summary: dict[str, Any],
    pngs: dict[str, bytes],
    browser: str = "",
    quick: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of images taken from a report.

    Parameters
    ----------
    summary : dict
        The report's summary.json (a full report).
    pngs : dict
        Image name -> the PNG's bytes, in page order.
    browser : str
        The browser's name and version.
    quick : dict, optional
        The summary.json of a ``--quick`` report of the same code, assets and date: the
        figures it does not reproduce are listed per image under ``full_only``, and a
        check against a quick report (the test suite's) skips them.

    Returns
    -------
    dict
        ``taken`` (UTC, to the minute), ``tool``, ``revision`` (this checkout's),
        ``window``, ``browser``, ``report`` (:func:`report_block`) and ``images``:
        name -> ``file``, ``bytes``, ``sha256``, ``figures`` (:func:`figures`) and
        ``full_only``.
    """
    from liqcascade.report._cite import code_revision

    images = {}
    for name, png in pngs.items():
        figs = figures(summary, name)
        images[name] = {
            "file": f"{name}.png",
            "bytes": len(png),
            "sha256": hashlib.sha256(png).hexdigest(),
            "figures": figs,
            "full_only": [] if quick is None else full_only(figs, quick),
        }
    return {
        "tool": "tools/screenshots.py",
        "taken": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "revision": code_revision(ROOT),
        "window": {"width": WIDTH, "height": HEIGHT, "device_scale_factor": SCALE},
        "browser": browser,
        "report": report_block(summary),
        "images": images,
    }


def full_only(figs: dict[str, Any], quick: dict[str, Any]) -> list[str]:
    """The figures a ``--quick`` report's summary does not reproduce (fewer paths, coarser
    grids, no hourly fit), sorted."""
    out = []
    for key, want in figs.items():
        try:
            if same(want, lookup(quick, key)):
                continue
        except KeyError:
            pass
        out.append(key)
    return sorted(out)


def stale(
    recorded: dict[str, Any],
    summary: dict[str, Any],
    names: list[str],
    folder: Path | None = None,
) -> list[str]:
    """Why the images a manifest describes are not the pictures of a report (none: current).

    Parameters
    ----------
    recorded : dict
        The manifest (MANIFEST.json).
    summary : dict
        The report's summary.json now.
    names : list of str
        The images the page embeds (:func:`embedded`).
    folder : Path, optional
        The images' folder: each file's SHA-256 is checked against the manifest's.

    Returns
    -------
    list of str
        One line per difference: an image the page embeds and the manifest lacks (or
        the reverse), a file missing or not the one the manifest describes, a figure
        whose value changed or that the summary no longer holds, the report's options.
    """
    images = recorded.get("images", {})
    out = [f"{n}.png: docs/report.md embeds it; the manifest has no such image"
           for n in names if n not in images]  # fmt: skip
    out += [f"{n}.png: in the manifest; docs/report.md no longer embeds it"
            for n in images if n not in names]  # fmt: skip
    was = dict(recorded.get("report", {}).get("options") or {})
    now = dict(summary.get("options") or {})
    quick = was.get("mode") == "full" and now.get("mode") == "quick"
    if quick:  # the test suite's report: compare what a quick run reproduces
        was.pop("mode")
        now.pop("mode")
    if not same(was, now):
        out.append(f"report options: {_short(was)} in the images, {_short(now)} in the report")
    for name, entry in images.items():
        if folder is not None:
            path = folder / entry.get("file", f"{name}.png")
            if not path.is_file():
                out.append(f"{path.name}: no such file in {folder}")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != entry.get("sha256"):
                out.append(f"{path.name}: not the picture the manifest describes (by hand?)")
        skip = set(entry.get("full_only", [])) if quick else set()
        for key, want in entry.get("figures", {}).items():
            if key in skip:
                continue
            try:
                got = lookup(summary, key)
            except KeyError:
                out.append(f"{name}.png: {key}: {_short(want)} in the images; not in the report")
                continue
            if not same(want, got):
                out.append(f"{name}.png: {key}: {_short(want)} in the images, "
                           f"{_short(got)} in the report")  # fmt: skip
    return out


# ---- the browser ------------------------------------------------------------------------

_NO_MOTION = (
    "*, *::before, *::after { transition: none !important; animation: none !important; "
    "caret-color: transparent !important; } html { scroll-behavior: auto !important; }"
)

_READY = r"""
const done = arguments[arguments.length - 1], limit = arguments[0] * 1000, t0 = Date.now();
(function poll() {
  if (document.body.getAttribute('data-figures') === 'ready') {
    document.fonts.ready.then(() => done(true)); return;
  }
  if (typeof Plotly === 'undefined' || Date.now() - t0 > limit) { done(false); return; }
  setTimeout(poll, 100);
})();
"""
"""Waits until plotly drew every figure and the fonts loaded; false after the limit."""

_SETTLED = r"""
const done = arguments[arguments.length - 1];
let last = -1, same = 0;
(function frame() {
  const y = window.scrollY;
  same = y === last ? same + 1 : 0; last = y;
  if (same >= 3) { done(y); return; }
  requestAnimationFrame(frame);
})();
"""
"""Waits until the page has not scrolled for three frames; the scroll offset."""


def chrome(profile: Path) -> Any:
    """A headless Chromium at 1440 × 900 (device scale 1), the network off, motion reduced.

    Parameters
    ----------
    profile : Path
        A scratch folder for the browser's profile.
    """
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        raise ToolError("selenium is not installed (pip install -e '.[dev]')") from exc
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        raise ToolError("chromium and chromedriver are not installed (make browser)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--proxy-server=http://127.0.0.1:9", "--hide-scrollbars",
        "--force-color-profile=srgb", "--font-render-hinting=none",
        f"--window-size={WIDTH},{HEIGHT}", f"--user-data-dir={profile}",
    ):  # fmt: skip
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(chromedriver), options=opts)
    motion = [{"name": "prefers-reduced-motion", "value": "reduce"}]
    offline = {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}
    window = {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": SCALE, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", window)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "screen", "features": motion})
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", offline)
    return driver


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height (pixels) of a PNG, from its header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ToolError("the browser returned no PNG")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def take(report_dir: Path, names: list[str], profile: Path) -> tuple[dict[str, bytes], str]:
    """Take the pictures ``names`` of the report in ``report_dir``.

    The front page is taken first, scrolled to the top; each section after it, in the
    order given, reached by a click on its menu link.

    Parameters
    ----------
    report_dir : Path
        A folder ``liqcascade report`` wrote (report.html and plotly.js beside it).
    names : list of str
        ``front`` and section ids.
    profile : Path
        A scratch folder for the browser's profile.

    Returns
    -------
    tuple
        Name -> PNG bytes (1440 × 900), and the browser's name and version.
    """
    from selenium.common.exceptions import NoSuchElementException

    driver = chrome(profile)
    try:
        driver.set_script_timeout(READY_S + 30)
        driver.get((report_dir / "report.html").resolve().as_uri())
        if not driver.execute_async_script(_READY, READY_S):
            raise ToolError(f"{report_dir / 'report.html'}: plotly did not draw the figures "
                            f"within {READY_S:g} s (is plotly.js beside it?)")  # fmt: skip
        driver.execute_script(
            "const s = document.createElement('style'); s.textContent = arguments[0];"
            "document.head.appendChild(s);",
            _NO_MOTION,
        )
        caps = driver.capabilities
        browser = f"{caps.get('browserName', 'chrome')} {caps.get('browserVersion', '?')}"
        pngs: dict[str, bytes] = {}
        for name in sorted(names, key=lambda n: n != FRONT):
            if name == FRONT:
                driver.execute_script("window.scrollTo(0, 0);")
            else:
                try:
                    link = driver.find_element("css selector", f'nav.menu a[href="#{name}"]')
                except NoSuchElementException as exc:
                    raise ToolError(f"the report's menu has no link to #{name}") from exc
                link.click()
            driver.execute_async_script(_SETTLED)
            png = driver.get_screenshot_as_png()
            if png_size(png) != (WIDTH * SCALE, HEIGHT * SCALE):
                raise ToolError(f"{name}: the picture is {png_size(png)} pixels, "
                                f"not {WIDTH * SCALE} x {HEIGHT * SCALE}")  # fmt: skip
            pngs[name] = png
        return {n: pngs[n] for n in names}, browser
    finally:
        driver.quit()


# ---- files ------------------------------------------------------------------------------


def read_json(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``path``; a missing or unreadable file a :class:`ToolError`."""
    try:
        out = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ToolError(f"{path}: no such file: {what}") from exc
    except (OSError, ValueError) as exc:
        raise ToolError(f"{path}: cannot be read as JSON ({exc})") from exc
    if not isinstance(out, dict):
        raise ToolError(f"{path}: not {what} (a JSON object)")
    return out


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (a temporary file beside it, then a rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(out: Path, pngs: dict[str, bytes], recorded: dict[str, Any]) -> Iterator[Path]:
    """Write the PNGs, then MANIFEST.json, into ``out``; the paths written, in order."""
    out.mkdir(parents=True, exist_ok=True)
    for name, png in pngs.items():
        _write(out / f"{name}.png", png)
        yield out / f"{name}.png"
    text = json.dumps(recorded, indent=2, ensure_ascii=False) + "\n"
    _write(out / MANIFEST, text.encode("utf-8"))
    yield out / MANIFEST


def _full_report(summary: dict[str, Any], folder: Path) -> None:
    """A ToolError unless the report in ``folder`` is a full one (no ``--quick``)."""
    mode = (summary.get("options") or {}).get("mode")
    if mode != "full":
        raise ToolError(f"{folder}: a {mode or 'unknown'} report; the screenshots show the full "
                        "one (liqcascade report --out DIR, without --quick)")  # fmt: skip


def quick_report(summary: dict[str, Any], out: Path) -> Path:
    """Run ``liqcascade report --quick`` with the full report's assets and date into ``out``.

    The package is this checkout's (``src`` first on ``PYTHONPATH``); the environment is
    the caller's (its store, if any, as the full report read it).
    """
    opts = summary.get("options") or {}
    cmd = [sys.executable, "-m", "liqcascade", "report", "--quick", "--out", str(out)]
    cmd += ["--asset", ",".join(opts.get("assets") or ["ETH", "BTC"])]
    if opts.get("as_of_asked") and opts.get("as_of"):  # else the default, as the full one ran
        cmd += ["--as-of", str(opts["as_of"])]
    env = dict(os.environ, NO_COLOR="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    print("running: liqcascade report --quick (which figures a quick run reproduces)",
          file=sys.stderr)  # fmt: skip
    r = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, check=False)
    if r.returncode != 0:
        raise ToolError(f"liqcascade report --quick failed (exit {r.returncode}): see above")
    return out


# ---- the command line -------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """The command line; exit 1 when ``--check`` finds the images stale, 2 on bad input."""
    try:
        return _main(argv)
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _main(argv: list[str] | None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("report", help="a folder liqcascade report wrote (the full report)")
    p.add_argument("--out", default=str(OUT), help="the images' folder (default docs/img)")
    p.add_argument(
        "--check", action="store_true", help="take nothing: are --out's images this report's?"
    )
    p.add_argument("--page", default=str(PAGE), help="the page (default docs/report.md)")
    p.add_argument("--quick-report", help="a --quick report of the same code (default: run one)")
    opts = p.parse_args(argv)
    folder, out = Path(opts.report), Path(opts.out)
    names = page_images(Path(opts.page))
    summary = read_json(folder / "summary.json", "give a folder liqcascade report wrote")
    if opts.check:
        return _check(summary, names, out)
    _full_report(summary, folder)
    for name in names:  # every figure found before the browser starts
        figures(summary, name)
    with tempfile.TemporaryDirectory(prefix="shots") as tmp:
        pngs, browser = take(folder, names, Path(tmp) / "profile")
        qdir = Path(opts.quick_report or quick_report(summary, Path(tmp) / "quick"))
        quick = read_json(qdir / "summary.json", "give a folder liqcascade report --quick wrote")
    for path in write(out, pngs, manifest(summary, pngs, browser, quick)):
        print(f"{path}  {path.stat().st_size:,} bytes")
    return 0


def _check(summary: dict[str, Any], names: list[str], out: Path) -> int:
    recorded = read_json(out / MANIFEST, "take the images first (tools/screenshots.py DIR)")
    lines = stale(recorded, summary, names, out)
    if not lines:
        print(f"{out}: {len(names)} images OK (the report's figures are the images')")
        return 0
    print(f"{out}: the screenshots are stale ({len(lines)} differences); retake them:")
    print("\n".join("  " + x for x in lines))
    return 1


if __name__ == "__main__":
    sys.exit(main())
