"""``liqcascade diff`` alerts at the edges: a move from 0, a value gone null, signs, sizes.

A relative alert never fired on a move from 0 ($0 → $20.5 M passed ``=25%``), a value
that became null passed any threshold silently, a fraction's fall printed an ASCII
hyphen next to the U+2212 of its values, ``clusters=10%`` was accepted although
clusters are USD, and a headline of 1e308 USD printed a 300-digit dollar figure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli
from liqcascade.errors import InputError
from liqcascade.report import diff_reports
from liqcascade.report._diff import Change, parse_alert


def _summary(**values: float | None) -> dict[str, Any]:
    units = {"critical_shock": "fraction", "bad_debt_worst": "usd", "n": "number"}
    heads = {k: {"label": k, "value": v, "unit": units[k]} for k, v in values.items()}
    return {"front": {"as_of": "2025-07-31T20:00:00+00:00", "headlines": heads}}


def _folder(root: Path, name: str, summary: dict[str, Any]) -> str:
    d = root / name
    d.mkdir()
    (d / "summary.json").write_text(json.dumps(summary))
    return str(d)


def test_a_relative_alert_fires_on_a_move_away_from_zero() -> None:
    a = [parse_alert("bad_debt_worst=25%")]
    d = diff_reports(_summary(bad_debt_worst=0.0), _summary(bad_debt_worst=20.5e6), a)
    assert d.alerts == ["bad_debt_worst: bad_debt_worst: $0 → $20.5 M (+$20.5 M)"]
    assert not diff_reports(_summary(bad_debt_worst=0.0), _summary(bad_debt_worst=0.0), a).fired
    # a move within the relative threshold from a non-zero value stays quiet
    assert not diff_reports(_summary(bad_debt_worst=10.0), _summary(bad_debt_worst=12.0), a).fired
    assert diff_reports(_summary(bad_debt_worst=10.0), _summary(bad_debt_worst=13.0), a).fired


def test_an_alert_fires_when_a_value_turns_null_or_back() -> None:
    a = [parse_alert("critical_shock=0.001")]
    gone = diff_reports(_summary(critical_shock=-0.054), _summary(critical_shock=None), a)
    assert gone.alerts == ["critical_shock: no value in the new report (was −5.40 %)"]
    assert gone.changes[0].alert
    back = diff_reports(_summary(critical_shock=None), _summary(critical_shock=-0.054), a)
    assert back.alerts == ["critical_shock: −5.40 % (no value in the old report)"]
    both = diff_reports(_summary(critical_shock=None), _summary(critical_shock=None), a)
    assert not both.fired
    # a headline only the new report has is new, not a move: no alert (as before)
    assert not diff_reports(_summary(n=1.0), _summary(n=1.0, critical_shock=-0.05), a).fired


def test_the_cli_exits_3_on_a_value_turned_null(tmp_path: Path) -> None:
    old = _folder(tmp_path, "old", _summary(critical_shock=-0.054))
    new = _folder(tmp_path, "new", _summary(critical_shock=None))
    r = run_cli("diff", old, new, "--alert", "critical_shock=0.001", "--json")
    assert r.exit_code == 3, r.stderr
    assert r.json()["alerts"] == ["critical_shock: no value in the new report (was −5.40 %)"]


def test_moves_print_a_true_minus_sign() -> None:
    assert Change("k", "k", -0.05, -0.0543, "fraction").text() == "k: −5.00 % → −5.43 % (−0.43 pp)"
    assert Change("k", "k", 3.0, 1.5, "number").text() == "k: 3 → 1.5 (−1.5)"
    assert Change("k", "k", -0.05, -0.05, "fraction").text() == "k: −5.00 % → −5.00 % (0.00 pp)"


def test_clusters_take_usd_not_a_relative_threshold(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"clusters takes a USD amount"):
        parse_alert("clusters=10%")
    assert parse_alert("clusters=1e6").threshold == 1e6
    f = _folder(tmp_path, "r", _summary(n=1.0))
    r = run_cli("diff", f, f, "--alert", "clusters=10%")
    err = r.stderr.strip()
    assert r.exit_code == 2 and "\n" not in err and "clusters takes a USD amount" in err, err


@pytest.mark.parametrize("value", [1e308, -2e15])
def test_a_huge_headline_is_refused_not_printed(tmp_path: Path, value: float) -> None:
    good = _folder(tmp_path, "good", _summary(bad_debt_worst=1e6))
    huge = _folder(tmp_path, "huge", _summary(bad_debt_worst=value))
    r = run_cli("diff", good, huge)
    err = r.stderr.strip()
    assert r.exit_code == 2 and "\n" not in err, err
    assert "front.headlines.bad_debt_worst.value must be a finite number (|x| ≤ 1e15)" in err
    assert len(err) < 300 and r.stdout == ""


def test_a_key_given_twice_is_refused_not_overwritten(tmp_path: Path) -> None:
    # the second threshold used to replace the first without a word: 0.5 then 0.001
    # fired on a 0.1 pp move the user had asked to ignore below 50 pp
    twice = [parse_alert("critical_shock=0.5"), parse_alert("critical_shock=0.001")]
    with pytest.raises(InputError, match=r"'critical_shock' is given twice"):
        diff_reports(_summary(critical_shock=-0.054), _summary(critical_shock=-0.055), twice)
    old = _folder(tmp_path, "old", _summary(critical_shock=-0.054))
    new = _folder(tmp_path, "new", _summary(critical_shock=-0.055))
    args = ("--alert", "critical_shock=0.5", "--alert", "critical_shock=0.001")
    r = run_cli("diff", old, new, *args)
    err = r.stderr.strip()
    assert r.exit_code == 2 and "\n" not in err and err.startswith("error: --alert: "), err
    assert "0.5" in err and "0.001" in err, err
