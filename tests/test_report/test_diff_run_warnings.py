"""``liqcascade diff`` says when a move is not the market's (ops29 findings R5, R6).

Two reports of the same market date (a night whose ingest added nothing), of two modes
(full and ``--quick``), of two code revisions or versions, or reading a series from
another source, were compared without a word: a relative VaR alert paged on the mode
change alone (rc 3, −$275). And the VaR line, comparing the old and new VaR, showed the
new report's ES only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clihelpers import run_cli
from liqcascade.report import diff_reports
from liqcascade.report._diff import merged_label, parse_alert, run_warnings

OI = {
    "asset": "ETH",
    "series": "open_interest 4h",
    "source": "store (s.duckdb)",
    "sha256": "a" * 64,
}
CAL = {
    "asset": "ETH",
    "series": "book calibration",
    "source": "package (liqcascade/positions/calibrated/ETH.json)",
    "sha256": "c" * 64,
}


def _summary(
    as_of: str = "2025-08-01T20:00:00+00:00",
    *,
    mode: str = "full",
    var: float = 13081.0,
    es: str = "$15,288",
    revision: str = "8e1fe6a78764",
    version: str = "0.2.0",
    sources: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    heads = {
        "var95_30d": {
            "label": f"30-day 95 % VaR, ETH+BTC sample (ES {es})",
            "value": var,
            "unit": "usd",
        }
    }
    src = [OI, CAL] if sources is None else sources
    return {
        "version": version,
        "revision": revision,
        "options": {"mode": mode, "assets": ["ETH"]},
        "front": {"as_of": as_of, "assets": ["ETH"], "headlines": heads, "sources": src},
    }


def _folder(root: Path, name: str, summary: dict[str, Any]) -> str:
    d = root / name
    d.mkdir()
    (d / "summary.json").write_text(json.dumps(summary))
    return str(d)


def test_the_same_market_date_is_warned_and_a_moved_one_is_not() -> None:
    same = run_warnings(_summary(), _summary())
    assert same == [
        "both reports are of the same market (2025-08-01 20:00 UTC): no newer data came "
        "between them (an ingest or refresh that added nothing?); a move below is not the "
        "market's"
    ]
    assert run_warnings(_summary("2025-07-31T20:00:00+00:00"), _summary()) == []


def test_a_mode_change_is_warned_and_named_again_on_the_alert_it_fires(tmp_path: Path) -> None:
    old, new = _summary("2025-07-31T20:00:00+00:00"), _summary(mode="quick", var=12806.0)
    d = diff_reports(old, new, [parse_alert("var95_30d=1%")])
    assert d.fired  # still fires: the pager decides, with the warning beside it
    assert d.warnings == [
        "the reports differ in mode (full → quick): a quick run draws fewer Monte Carlo paths "
        "on coarser grids, so a simulated figure (VaR, ES, price quantiles, the critical "
        "shock) moves with the mode alone",
        "alert var95_30d fired across the mode change (full → quick): the move may be the "
        "mode's (Monte Carlo paths), not the market's",
    ]
    quiet = diff_reports(old, new, [parse_alert("var95_30d=5%")])  # −2.1 %: no alert
    assert not quiet.fired and len(quiet.warnings) == 1 and "mode" in quiet.warnings[0]
    r = run_cli("diff", _folder(tmp_path, "a", old), _folder(tmp_path, "b", new),
                "--alert", "var95_30d=1%", "--json")  # fmt: skip
    assert r.exit_code == 3
    assert r.json()["warnings"] == d.warnings
    assert r.stderr.splitlines() == [f"warning: {w}" for w in d.warnings]


def test_another_version_or_revision_is_warned() -> None:
    w = run_warnings(_summary("2025-07-31T20:00:00+00:00"), _summary(revision="0123456789ab"))
    assert w == [
        "the reports were made by different code (revision 8e1fe6a78764 → 0123456789ab): a "
        "move may be the code's, not the market's"
    ]
    w = run_warnings(_summary("2025-07-31T20:00:00+00:00"), _summary(version="0.3.0"))
    assert len(w) == 1 and "(version 0.2.0 → 0.3.0)" in w[0]


def test_a_source_change_is_warned_and_a_store_series_growing_is_not() -> None:
    day1, day2 = "2025-07-31T20:00:00+00:00", "2025-08-01T20:00:00+00:00"
    grown = dict(OI, sha256="b" * 64)  # a day more of the store's rows: the date moved
    assert run_warnings(_summary(day1), _summary(day2, sources=[grown, CAL])) == []
    bundled = dict(OI, source="bundled", sha256="b" * 64)
    w = run_warnings(_summary(day1), _summary(day2, sources=[bundled, CAL]))
    assert w == [
        "the reports read different data sources: ETH open_interest 4h (store (s.duckdb) → "
        "bundled): a move may be the data's, not the market's"
    ]
    cal = dict(CAL, sha256="d" * 64)  # another calibration at any date
    w = run_warnings(_summary(day1), _summary(day2, sources=[OI, cal]))
    assert len(w) == 1 and "ETH book calibration (other data: sha256 cccccccccccc → dddd" in w[0]
    w = run_warnings(_summary(day2), _summary(day2, sources=[grown, CAL]))  # same date
    assert len(w) == 2 and "ETH open_interest 4h (other data: sha256 aaaaaaaaaaaa" in w[1]


def test_a_summary_without_the_run_fields_gives_no_warning_on_them() -> None:
    old = {"front": {"as_of": "2025-07-31T20:00:00+00:00", "headlines": {}}}
    assert run_warnings(old, _summary(mode="quick", revision="x")) == []


def test_the_var_line_shows_both_reports_es() -> None:
    d = diff_reports(_summary("2025-07-31T20:00:00+00:00"), _summary(es="$15,292", var=12806.0))
    (ch,) = d.changes
    assert ch.label == "30-day 95 % VaR, ETH+BTC sample (ES $15,288 → $15,292)"
    assert ch.text() == (
        "30-day 95 % VaR, ETH+BTC sample (ES $15,288 → $15,292): $13,081 → $12,806 (−$275)"
    )
    assert merged_label("VaR (ES $1)", "VaR (ES $1)") == "VaR (ES $1)"
    assert merged_label("Other words $1", "VaR (ES $2)") == "VaR (ES $2)"  # reworded: new
    assert merged_label(None, "VaR (ES $2)") == "VaR (ES $2)"


def test_reports_of_other_assets_on_one_date_are_not_the_same_market() -> None:
    btc = _summary()
    btc["front"]["assets"] = ["BTC"]
    d = diff_reports(_summary(), btc)
    assert len(d.warnings) == 1 and "different assets" in d.warnings[0]
