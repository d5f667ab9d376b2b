"""The collateral report section (quick variant) runs on bundled data, states assumptions."""

from __future__ import annotations

import json

import pytest

from liqcascade._json import to_jsonable
from liqcascade.report._collateral_section import section
from liqcascade.report._section import ReportContext


def test_section_quick() -> None:
    s = section(ReportContext(quick=True))
    assert s.id == "collateral"
    json.dumps(to_jsonable(s.summary))
    p = s.summary["pricing"]
    assert p["own-book"]["collateral_liquidated_usd"] > p["redemption"]["collateral_liquidated_usd"]
    # the window is missing from the source file; it was never held back to validate
    assert "missing from the source file" in s.summary["validation"]
    assert len(s.summary["assumptions"]) >= 10
    # the preset's free-text amounts in the page's money format ("$1.2M" → "$1.2 M")
    said = next(f for c, f in s.tables if c.startswith("What is assumed"))
    values = " ".join(said["value"])
    assert "$1.2 M" in values and "$900 M" in values and "$1.2M" not in values
    hc = s.summary["haircut"]
    assert {r["asset"] for r in hc} == {"USDE", "WBETH", "RWUSD", "PAXG"}
    assert all(0.0 <= r["smallest_haircut"] <= 1.0 for r in hc)
    # a deeper ETH shock never needs a smaller USDe haircut
    usde = sorted((r["shock"], r["smallest_haircut"]) for r in hc if r["asset"] == "USDE")
    assert usde[0][1] >= usde[-1][1]
    # the shocks are falls from the accounts' entry (the path's start, 4,343.02 at 12:00),
    # the docs' definition: at -10 % no account is liquidated (286 when shocked from 20:59)
    assert [r["p0"] for r in hc] == pytest.approx([4343.02] * len(hc), abs=0.005)
    assert all(r["fall_from_entry"] == pytest.approx(r["shock"], abs=1e-9) for r in hc)
    assert {r["accounts_liquidated"] for r in hc if r["shock"] == -0.1} == {0}
    caption, table = next((c, f) for c, f in s.tables if c.startswith("Smallest haircut"))
    assert "entry (4,343 at 12:00;" in caption and "from 21:00" in caption
    assert "ETH fall from entry (4,343 at 12:00)" in table.columns
    assert "fall from the accounts' entry (4,343 at 12:00)" in s.takeaways[2]
    # what was shown, not "robust": the order across the variants, and the lost baseline
    computed = s.claims[0].computed
    assert "robust" not in computed
    assert "The order holds in every variant run here" in computed
    assert "population ×2" in computed and "loses to its baseline out of sample" in computed
    assert "Scenario, not a replay" in s.takeaways[0]
    assert len(s.takeaways) == 3 and s.notes and "not public" in s.notes[0]
    # assumed accounts, no recorded depeg to score against: the model alone (README's rule)
    assert s.claims[0].verdict == "not testable with these data"
    assert "depeg" in s.claims[0].would_test
    # every table cell a person reads is formatted: no scientific notation
    from liqcascade.report._format import SCI_NOTATION, format_table

    for _, df in s.tables:
        cells = format_table(df).astype(str).to_numpy().ravel()
        assert not [c for c in cells if SCI_NOTATION.search(c)]


def test_collateral_is_registered() -> None:
    from liqcascade.report._registry import get_section

    spec = get_section("collateral")
    assert spec.scope == "ETH" and spec.load() is section
