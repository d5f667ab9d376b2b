"""The report's structure: a registry of sections, short section functions, the docs list."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs_version

from liqcascade.report import SECTIONS
from liqcascade.report._build import PLOTLY_JS

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "src" / "liqcascade" / "report"
MAX_LINES = 80
ALLOW_LONG: frozenset[str] = frozenset()


def test_no_report_function_longer_than_80_lines() -> None:
    long = []
    for path in sorted(REPORT.glob("*.py")):
        if path.name in ALLOW_LONG:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_LINES:
                    long.append(f"{path.name}:{node.name} {n} lines")
    assert not long, long


def test_every_registered_section_has_a_builder_and_is_in_the_docs() -> None:
    ids = [s.id for s in SECTIONS]
    assert len(ids) == len(set(ids))
    docs = (ROOT / "docs" / "report.md").read_text()
    for s in SECTIONS:
        assert (REPORT / (s.module.rsplit(".", 1)[1] + ".py")).is_file(), s
        assert f"`{s.id}`" in docs, f"docs/report.md does not list section {s.id}"


def test_vendored_plotly_matches_the_python_package() -> None:
    assert get_plotlyjs_version() in PLOTLY_JS
    js = REPORT / "_assets" / PLOTLY_JS
    assert js.is_file() and js.stat().st_size < 1_600_000
    assert (REPORT / "_assets" / "LICENSE.plotly.js").is_file()


def test_no_reference_to_files_users_do_not_have() -> None:
    for path in REPORT.glob("*.py"):
        text = path.read_text()
        assert "DESIGN.md" not in text and "docs/" not in text, path.name


def test_registry_lookup_and_bad_input() -> None:
    from liqcascade.errors import InputError
    from liqcascade.report import ReportContext
    from liqcascade.report._registry import get_section, section_ids

    assert get_section("cascade").menu == "Cascade"
    assert section_ids()[0] == "data"
    with pytest.raises(InputError, match="unknown section"):
        get_section("nope")
    with pytest.raises(InputError, match="as_of"):
        _ = ReportContext(as_of="2001-01-01").last_oi_bar
    ctx = ReportContext(as_of="2025-06-30")
    assert ctx.last_oi_bar <= pd.Timestamp("2025-06-30 23:59:59", tz="UTC")


def test_data_fingerprint_hashes_the_bundled_files_series_and_calibrations() -> None:
    from liqcascade.report._build import data_fingerprint

    fp = data_fingerprint()
    assert len(fp) == 12 and fp != "e3b0c44298fc"  # not the SHA-256 of nothing
    assert data_fingerprint() == fp


def test_lanes_keep_report_order_and_split_the_work() -> None:
    from liqcascade.report._registry import get_section
    from liqcascade.report._run import MARKET_LANE, plan

    ids = ("data", "cascade", "stress", "contagion", "transparency")
    jobs, skipped = plan([get_section(s) for s in ids], ("ETH", "BTC"))
    assert [j.sid for j in jobs] == [
        "data", "cascade", "cascade-btc", "stress", "stress-btc", "contagion", "transparency",
        "transparency-btc",
    ]  # fmt: skip
    assert not skipped and "cascade" in MARKET_LANE and "stress" not in MARKET_LANE
    assert jobs[5].title.endswith("(ETH only)") and jobs[2].title.startswith("BTC: ")
    assert jobs[4].title.startswith("BTC: Stress") and jobs[4].menu == "Stress BTC"
    ids = ("cascade", "stress", "solvency", "contagion")
    jobs, skipped = plan([get_section(s) for s in ids], ("BTC",))
    assert [j.sid for j in jobs] == ["cascade-btc", "stress-btc", "solvency-btc"]
    assert skipped == ["contagion"]
    # the data overview runs for the first asset when ETH is not asked (session 25)
    jobs, skipped = plan([get_section(s) for s in ("data", "contagion")], ("SOL", "BTC"))
    assert [j.sid for j in jobs] == ["data-sol"] and skipped == ["contagion"]
    assert jobs[0].title == "The data (SOL only)"
    # every section but the data overview and the two 2025-10-10 replays runs per asset
    eth_only = {sp.id for sp in SECTIONS if sp.scope == "ETH"}
    assert eth_only == {"data", "contagion", "collateral"}


def test_two_lanes_give_the_same_report_as_one(tmp_path: Path) -> None:
    """Run in a fresh interpreter (numba's threads not yet started, so it may fork)."""
    import json
    import re
    import subprocess
    import sys

    # both runs in one interpreter (one start and import, not two): two lanes first, while
    # the process may still fork; one lane after it. What the forked lane computed never
    # reaches its parent, so the one-lane run computes those sections afresh here; each
    # run has a context of its own (the market and its draws are computed again)
    code = (
        "import sys, json; from liqcascade.report import build_report\n"
        "for w in (2, 1):\n"
        "    build_report(sys.argv[1] + f'/w{w}', sections=('cascade', 'contagion', 'solvency'),"
        " quick=True, asset='ETH', workers=w)"
    )
    env_path = str(ROOT / "src")
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        check=True,
        env={**__import__("os").environ, "PYTHONPATH": env_path},
    )
    s1, s2 = (json.loads((tmp_path / f"w{w}" / "summary.json").read_text()) for w in (1, 2))
    assert {v["lane"] for v in s2["timings"].values()} == {0, 1}  # the fork did share the work
    assert {v["lane"] for v in s1["timings"].values()} == {0}

    def timeless(x: object) -> object:  # a section may report how long its step took
        if isinstance(x, dict):
            return {k: timeless(v) for k, v in x.items() if not k.endswith("_seconds")}
        return [timeless(v) for v in x] if isinstance(x, list) else x

    assert timeless(s1["sections"]) == timeless(s2["sections"]) and s1["claims"] == s2["claims"]
    figs = [
        re.findall(
            r'class="figjson"[^>]*>(.*?)</script>',
            (tmp_path / f"w{w}" / "report.html").read_text(),
            re.S,
        )
        for w in (1, 2)
    ]
    parsed = [[json.loads(f.replace("<\\/", "</")) for f in fs] for fs in figs]
    assert parsed[0] == parsed[1] and parsed[0]  # same figures (key order may differ)


def test_menu_groups_each_per_asset_section_under_one_name() -> None:
    from liqcascade.report._build import nav_groups
    from liqcascade.report._registry import get_section
    from liqcascade.report._run import Done, plan
    from liqcascade.report._section import Section

    def done(jobs: list) -> list:
        return [
            Done(j, Section(j.sid, j.title), {"id": j.sid, "title": j.title, "menu": j.menu}, 0, 0)
            for j in jobs
        ]

    ids = ("data", "liqmap", "cascade", "contagion", "support")
    jobs, _ = plan([get_section(s) for s in ids], ("ETH", "BTC"))
    nav = nav_groups(done(jobs))
    assert [g["label"] for g in nav] == ["", "Liq. map", "Cascade", "", "Support"]
    assert [[x["text"] for x in g["links"]] for g in nav] == [
        ["Data"], ["ETH", "BTC"], ["ETH", "BTC"], ["Contagion"], ["ETH", "BTC"],
    ]  # fmt: skip
    assert nav[2]["links"][1] == {"href": "cascade-btc", "title": jobs[4].title, "text": "BTC"}
    # one asset: one link per section, its menu name
    jobs, _ = plan([get_section(s) for s in ids], ("BTC",))
    nav = nav_groups(done(jobs))
    assert all(g["label"] == "" and len(g["links"]) == 1 for g in nav)
    # the data overview runs for the one asset too (without ETH: the first asset's)
    assert [g["links"][0]["href"] for g in nav] == [
        "data-btc", "liqmap-btc", "cascade-btc", "support-btc",
    ]  # fmt: skip


def test_the_market_lane_and_the_queues_hints_cover_every_section() -> None:
    from liqcascade.report._run import COST_HINT, IMPORTS, MARKET_LANE, READS_MARKET

    ids = {s.id for s in SECTIONS}
    # every queued section has a cost hint (the queue's order, longest first)
    assert set(COST_HINT) == ids - MARKET_LANE
    # the transparency metrics share the liquidation map's books over time
    assert {"liqmap", "transparency"} <= MARKET_LANE
    assert READS_MARKET <= set(COST_HINT) and set(IMPORTS) <= set(COST_HINT)
