"""The ADL table's haircut is what ADL recovers; the text says what stays uncovered.

`solvency --scenario=x=-0.5` showed bad debt 30,758,604 and a haircut of 22,850,966 for
every policy, with the 7,907,637 left uncovered only in the JSON.
"""

from __future__ import annotations

import pytest

from clihelpers import run_cli


def test_json_adds_up_the_bad_debt() -> None:
    out = run_cli("solvency", "--scenario=x=-0.5", "--json").json()
    bad = out["scenarios"][0]["bad_debt_usd"]
    for r in out["adl"].values():
        assert r["deficit_usd"] == pytest.approx(bad, rel=1e-12)
        assert r["covered_usd"] + r["uncovered_usd"] == pytest.approx(bad, rel=1e-12)
        assert r["haircut_usd"] == pytest.approx(r["covered_usd"], rel=1e-9)
        assert r["uncovered_usd"] > 0


def test_text_says_what_stays_uncovered() -> None:
    r = run_cli("solvency", "--scenario=x=-0.5")
    assert r.exit_code == 0, r.stderr
    out = run_cli("solvency", "--scenario=x=-0.5", "--json").json()
    a = out["adl"]["binance"]
    line = next(x for x in r.stdout.splitlines() if x.startswith("ADL on x:"))
    # the estimated book's dollars say their scale (exch30 §2)
    assert f"the bad debt {a['deficit_usd']:,.0f} USD (feed scale)" in line
    assert f"the haircut, {a['covered_usd']:,.0f} USD (feed scale), is all it can give" in line
    assert f"{a['uncovered_usd']:,.0f} USD (feed scale) stays uncovered" in line
    assert "7,907,637 USD (feed scale) stays uncovered" in line  # the sweep's figure


def test_no_note_when_adl_closes_the_bad_debt() -> None:
    r = run_cli("solvency", "--scenario=-0.3")
    assert r.exit_code == 0, r.stderr
    assert "ADL policies on" in r.stdout and "stays uncovered" not in r.stdout
