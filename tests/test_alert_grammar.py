"""One alert grammar for ``watch`` and ``diff``: a level ``KEY OP VALUE`` or a move ``KEY=VALUE``.

``watch --alert "critical_shock>-0.06"`` worked and ``diff --alert critical_shock>0.01``
exited 2 (diff took only ``KEY=VALUE``); watch took no ``KEY=VALUE``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade._alert_rules import parse_rule_text
from liqcascade.errors import InputError
from liqcascade.live._alerts import evaluate, parse_rule
from liqcascade.report import diff_reports
from liqcascade.report._diff import parse_alert


@pytest.mark.parametrize(
    ("text", "key", "op", "value", "percent"),
    [
        ("critical_shock>-0.06", "critical_shock", ">", -0.06, False),
        ("critical_shock >= -6%", "critical_shock", ">=", -6.0, True),
        ("Critical_Shock=0.005", "critical_shock", "=", 0.005, False),
        ("forced_selling_5pct=25%", "forced_selling_5pct", "=", 25.0, True),
    ],
)
def test_both_forms_parse(text: str, key: str, op: str, value: float, percent: bool) -> None:
    r = parse_rule_text(text)
    assert (r.key, r.op, r.percent, r.move) == (key, op, percent, op == "=")
    assert r.value == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("text", ["critical_shock", "critical_shock!0.1", "x=-1", "=3", "a>1e999"])
def test_bad_rules_are_refused_naming_alert(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_rule_text(text)
    assert err.value.param == "alert"


def test_watch_takes_a_move_against_the_previous_fresh_line() -> None:
    move = parse_rule("critical_shock=0.005")
    assert (move.op, move.value, move.relative) == ("=", 0.005, False)
    rel = parse_rule("notional_2pct_usd=25%")
    assert rel.relative and rel.value == pytest.approx(0.25, abs=1e-12)
    before = {"critical_shock": -0.060, "notional_2pct_usd": 1.0e6, "stale": False}
    now = {"critical_shock": -0.054, "notional_2pct_usd": 1.2e6, "stale": False}
    fired = evaluate([move, rel], now, before)
    assert [a["rule"] for a in fired] == ["critical_shock=0.005"]  # 20 % is not past 25 %
    assert fired[0]["previous"] == pytest.approx(-0.060, abs=1e-12)
    assert evaluate([move], now, None) == []  # the first line: nothing to move from
    assert parse_rule("critical_shock>-6%").value == pytest.approx(-0.06, abs=1e-12)  # kept


def _report(tmp: Path, name: str, shock: float, forced: float) -> str:
    heads = {
        "critical_shock": {"label": "Critical shock", "value": shock, "unit": "fraction"},
        "forced_selling_5pct": {"label": "Forced", "value": forced, "unit": "usd"},
    }
    day = "2025-07-30" if name == "old" else "2025-07-31"  # a day apart: not the same market
    front = {"assets": ["ETH"], "as_of": f"{day}T20:00:00+00:00", "headlines": heads}
    (tmp / name).mkdir()
    (tmp / name / "summary.json").write_text(json.dumps({"front": front}))
    return str(tmp / name)


def test_diff_takes_a_level_on_the_new_report(tmp_path: Path) -> None:
    old, new = _report(tmp_path, "old", -0.054, 2.0e7), _report(tmp_path, "new", -0.050, 2.0e7)
    r = run_cli("diff", old, new, "--alert", "critical_shock>-0.06")
    assert r.exit_code == 3, r.stderr
    assert "ALERT critical_shock: " in r.stdout and "(level >-0.06)" in r.stdout
    assert run_cli("diff", old, new, "--alert", "critical_shock<-6%").exit_code == 0
    assert run_cli("diff", old, new, "--alert", "critical_shock=0.01").exit_code == 0  # kept
    assert run_cli("diff", old, new, "--alert", "critical_shock=0.001").exit_code == 3
    bad = run_cli("diff", old, new, "--alert", "forced_selling_5pct>5%")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --alert")
    assert "not a fraction" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_diff_level_alerts_from_the_library() -> None:
    old = {"front": {"as_of": "2025-07-31", "headlines": {"x": {"value": 1.0, "unit": "usd"}}}}
    new = {"front": {"as_of": "2025-07-31", "headlines": {"x": {"value": 5.0, "unit": "usd"}}}}
    assert diff_reports(old, new, [parse_alert("x>=5")]).fired
    assert not diff_reports(old, new, [parse_alert("x<5")]).fired
    with pytest.raises(InputError, match="clusters takes a USD amount"):
        parse_alert("clusters>1e6")


def test_diff_warns_on_a_level_that_cannot_change(tmp_path: Path) -> None:
    # session 25: watch warned on cluster_below_pct>-1%, diff ran its twin silently
    old, new = _report(tmp_path, "old", -0.054, 2.0e7), _report(tmp_path, "new", -0.050, 2.0e7)
    r = run_cli("diff", old, new, "--alert", "forced_selling_5pct>-5")
    assert r.exit_code == 3, r.stderr  # still run as written: always true
    assert r.stderr.strip().splitlines() == [
        "warning: alert forced_selling_5pct>-5: forced_selling_5pct is never negative "
        "(liquidations in USD), so this rule is always true"
    ]
    never = run_cli("diff", old, new, "--alert", "forced_selling_5pct<-5", "--json")
    assert never.exit_code == 0 and never.json()["warnings"] == [
        "alert forced_selling_5pct<-5: forced_selling_5pct is never negative (liquidations in "
        "USD), so this rule is never true"
    ]
    # a signed figure, a threshold >= 0 or a move: no warning
    for rule in ("critical_shock>-0.06", "forced_selling_5pct>5", "forced_selling_5pct=5"):
        assert "warning" not in run_cli("diff", old, new, "--alert", rule).stderr, rule


def _front(shock: float, day: str = "2025-07-31") -> dict[str, object]:
    heads = {"critical_shock_btc": {"value": shock, "unit": "fraction", "asset": "BTC"}}
    return {"front": {"as_of": day, "headlines": heads}}


def test_diff_warns_on_the_critical_shock_written_unsigned() -> None:
    """The critical shock is a signed fall (−5.4 %, as its card prints it): a rule on its
    size alone (6 %) is always true, and is said so."""
    old, new = _front(-0.066, "2025-07-30"), _front(-0.054)
    d = diff_reports(old, new, [parse_alert("critical_shock_btc<6%")])
    assert d.fired  # run as written: -0.054 < 0.06, as is every critical shock
    assert d.warnings == [
        "alert critical_shock_btc<6%: critical_shock_btc is never positive (a fall, signed, "
        "as its card prints it), so this rule is always true; for a fall under 6% write "
        "critical_shock_btc>-6%"
    ]
    meant = diff_reports(old, new, [parse_alert("critical_shock_btc>-6%")])
    assert meant.fired and meant.warnings == []
    never = diff_reports(old, new, [parse_alert("critical_shock_btc>=0.1")])
    assert (
        not never.fired
        and "so this rule is never true; for a fall of at least 0.1 " in (never.warnings[0])
    )
    assert never.warnings[0].endswith("write critical_shock_btc<=-0.1")
    assert diff_reports(old, new, [parse_alert("critical_shock_btc=0.001")]).warnings == []
