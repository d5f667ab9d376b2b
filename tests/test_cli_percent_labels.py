"""Percents in the text are spaced as :func:`~liqcascade._prices.percent_text` writes them.

The JSON keeps its scenario names and labels (``"-10%"``, ``"shock -10.0%"``,
``"-10%,-5%"``: keys and identifiers a script reads); only the text view spaces them.
"""

from __future__ import annotations

import re

import pytest

from clihelpers import run_cli
from liqcascade._prices import percent_label
from liqcascade.errors import InputError


def test_a_label_s_percents_are_spaced_and_nothing_else() -> None:
    assert percent_label("shock -10.0%") == "shock -10.0 %"
    assert percent_label("-30%,-20%,+10%") == "-30 %, -20 %, +10 %"
    assert percent_label("2025-10-10") == "2025-10-10"
    assert percent_label("crash") == "crash"


def test_solvency_s_bare_shock_of_five_is_worded_as_cascade_s() -> None:
    """``--scenario crash=-5`` said "a -500% move"; ``--shock -5`` says "-500 %"."""
    r = run_cli("solvency", "--scenario", "crash=-5")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: --scenario -5 as a fraction is a -500 % move: write -0.05 or -5% for a 5 % "
        "fall, 0.05 or 5% for a 5 % rise"
    )
    r = run_cli("solvency", "--scenario", "crash=abc")
    assert r.exit_code == 2 and "name=-0.15 or 2025-10-10" in r.stderr


def test_a_shock_of_minus_one_or_less_is_refused_in_spaced_percent() -> None:
    from liqcascade.solvency import StressScenario

    with pytest.raises(InputError, match=r"shock -1\.5 \(-150 %\) takes the price to 0"):
        StressScenario("x", -1.5)


def test_solvency_s_table_spaces_its_percents_and_the_json_keeps_its_names() -> None:
    args = ("solvency", "--scenario", "-10%", "--scenario", "a=-0.2", "--liquidity", "static")
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith("│")]
    assert any("-10.0 %" in ln for ln in rows) and not any("-10.0%" in ln for ln in rows)
    assert not any(re.search(r"\d%", ln) for ln in rows)
    j = run_cli(*args, "--json")
    assert j.exit_code == 0, j.stderr
    assert [s["name"] for s in j.json()["scenarios"]] == ["-10.0%", "a"]


def test_stress_s_shock_grid_is_spaced_in_the_text_only() -> None:
    args = ("stress", "--portfolio", "sample", "--scenario", "shock", "--shocks=-10%,5%")
    j = run_cli(*args, "--json")
    assert j.exit_code == 0, j.stderr
    d = j.json()
    assert d["label"] == "-10%,+5%"
    assert [s["scenario"] for s in d["scenarios"]] == ["shock -10.0%", "shock +5.0%"]
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert "shock (-10 %, +5 %): 2 deterministic scenarios" in r.stdout
    assert "shock -10.0 %" in r.stdout and "shock -10.0%" not in r.stdout
