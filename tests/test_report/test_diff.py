"""``liqcascade diff OLD NEW`` on two reports built from different as-of dates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade.cli import main
from liqcascade.errors import InputError
from liqcascade.report import build_report, diff_reports, load_summary
from liqcascade.report._diff import parse_alert


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    old = tmp_path_factory.mktemp("old")
    new = tmp_path_factory.mktemp("new")
    build_report(old, sections=("liqmap", "cascade"), quick=True, as_of="2025-06-30")
    build_report(new, sections=("liqmap", "cascade"), quick=True)
    return old, new


def test_reports_differ_in_as_of(two_reports: tuple[Path, Path]) -> None:
    old, new = (load_summary(p) for p in two_reports)
    assert old["as_of"].startswith("2025-06-30") and new["as_of"].startswith("2025-07-31")
    assert old["front"]["headlines"]["critical_shock"]["value"] < 0


def test_diff_lists_changes_and_alerts(two_reports: tuple[Path, Path]) -> None:
    old, new = (load_summary(p) for p in two_reports)
    d = diff_reports(old, new)
    keys = [c.key for c in d.changes]
    assert {"critical_shock", "forced_selling_5pct"} <= set(keys)
    assert not d.fired
    moved = abs(next(c for c in d.changes if c.key == "forced_selling_5pct").delta or 0.0)
    assert moved > 0
    fired = diff_reports(old, new, [parse_alert(f"forced_selling_5pct={moved / 2}")])
    quiet = diff_reports(old, new, [parse_alert(f"forced_selling_5pct={moved * 2}")])
    assert fired.fired and not quiet.fired


def test_cli_exit_codes(two_reports: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = map(str, two_reports)
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    assert "market as of" in out and "Critical shock: smallest first fall" in out
    assert main(["diff", old, new, "--alert", "forced_selling_5pct=0%", "--json"]) == 3
    payload = json.loads(capsys.readouterr().out)
    assert payload["fired"] and payload["alerts"]
    assert main(["diff", old, new, "--alert", "critical_shock=1"]) == 0


def test_bad_folders_exit_2_with_one_line(tmp_path: Path, two_reports: tuple[Path, Path]) -> None:
    old, new = (str(p) for p in two_reports)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "summary.json").write_text("{not json")
    for args in (
        (str(tmp_path / "nope"), new),
        (str(tmp_path / "bad"), new),
        (old, new, "--alert", "x"),
        (old, new, "--alert", "nokey=1"),
    ):
        r = run_cli("diff", *args)
        err = r.stderr.strip()
        assert r.exit_code == 2, (args, r.stderr)
        assert err.startswith("error:") and "\n" not in err, (args, err)


def test_parse_alert() -> None:
    a = parse_alert("forced_selling_5pct=20%")
    assert a.relative and a.threshold == pytest.approx(0.2)
    with pytest.raises(InputError, match=r"expected KEY OP VALUE .* or KEY=VALUE"):
        parse_alert("=3")


def test_an_alert_on_a_headline_the_new_report_dropped_fires(
    two_reports: tuple[Path, Path],
) -> None:
    old, new = (load_summary(p) for p in two_reports)
    gone = json.loads(json.dumps(new))
    gone["front"]["headlines"].pop("critical_shock")
    d = diff_reports(old, gone, [parse_alert("critical_shock=0.5")])
    was = old["front"]["headlines"]["critical_shock"]["value"]
    assert d.fired and len(d.alerts) == 1
    # the value in the headline's unit (a fraction: a percent), not a raw float
    from liqcascade.report._diff import Change

    shown = Change("critical_shock", "", was, None, "fraction").value_text(was)
    assert d.alerts == [f"critical_shock: not in the new report (was {shown})"]
    assert shown.endswith("%") and repr(was) not in d.alerts[0]
    # an alert on a figure both reports keep, within its threshold, stays quiet
    assert not diff_reports(old, new, [parse_alert("critical_shock=0.99")]).fired
