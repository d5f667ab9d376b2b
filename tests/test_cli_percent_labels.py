"""Percents in the text are spaced as :func:`~liqcascade._prices.percent_text` writes them.

The JSON keeps its scenario names and labels glued (``"-10%"``, ``"shock -10%"``,
``"-10%,-5%"``: keys and identifiers a script reads); only the text view spaces them.
Since session 26 every shock scenario is named by one function,
:func:`~liqcascade._prices.shock_name`, typed or default (a typed ``--scenario -10%`` was
``"-10.0%"`` beside the default ``"-10%"``; a stress row ``"shock -10.0%"`` beside the
grid's label ``"-10%"``).
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
    assert any("-10 %" in ln for ln in rows) and not any("-10.0 %" in ln for ln in rows)
    assert not any(re.search(r"\d%", ln) for ln in rows)
    j = run_cli(*args, "--json")
    assert j.exit_code == 0, j.stderr
    assert [s["name"] for s in j.json()["scenarios"]] == ["-10%", "a"]


def test_stress_s_shock_grid_is_spaced_in_the_text_only() -> None:
    args = ("stress", "--portfolio", "sample", "--scenario", "shock", "--shocks=-10%,5%")
    j = run_cli(*args, "--json")
    assert j.exit_code == 0, j.stderr
    d = j.json()
    assert d["label"] == "-10%,+5%"
    assert [s["scenario"] for s in d["scenarios"]] == ["shock -10%", "shock +5%"]
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert "shock (-10 %, +5 %): 2 deterministic scenarios" in r.stdout
    assert "shock -10 %" in r.stdout and "shock -10%" not in r.stdout


def test_one_name_per_shock_typed_or_default() -> None:
    """A typed shock is named as the default scenario of the same shock (``shock_name``)."""
    from liqcascade._cli.solvency import _parse_scenario
    from liqcascade._prices import shock_name
    from liqcascade.solvency import default_scenarios
    from liqcascade.stress import DEFAULT_SHOCKS

    assert [shock_name(x) for x in (-0.1, 0.05, -0.125, -0.12345, 0.3)] == [
        "-10%", "+5%", "-12.5%", "-12.345%", "+30%",
    ]  # fmt: skip
    defaults = {s.name: s.shock for s in default_scenarios("ETH")[:-1]}
    for name, shock in defaults.items():
        for typed in (name, f"{100 * shock:+.1f}%", f"{shock}", f"{shock:.3f}"):
            got = _parse_scenario(typed)
            assert got.name == name, typed
            assert got.shock == pytest.approx(shock, rel=1e-12)
    assert _parse_scenario("-12.5%").name == "-12.5%"  # no longer "-12%" beside "-13%"
    labels = {shock_name(x) for x in DEFAULT_SHOCKS}
    assert len(labels) == len(DEFAULT_SHOCKS) and "-15%" in labels
