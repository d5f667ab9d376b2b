from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def summary(report: dict[str, Path]) -> dict:
    """The default quick report's summary (conftest's shared build): its solvency section."""
    return json.loads(report["summary"].read_text())


def _section(s: dict) -> dict:
    for key in ("sections", "summary"):
        if key in s and "solvency" in s[key]:
            return s[key]["solvency"]
    return s["solvency"]


def test_solvency_section_summary(summary: dict) -> None:
    sec = _section(summary)
    bad = sec["bad_debt_usd"]
    assert list(bad) == ["-5%", "-10%", "-20%", "-30%", "+10%", "+20%", "2025-10-10"]
    # deeper falls leave at least as much bad debt
    falls = [bad[k] for k in ("-5%", "-10%", "-20%", "-30%")]
    assert all(a <= b + 1e-6 for a, b in itertools.pairwise(falls))
    assert bad["+10%"] <= bad["+20%"] + 1e-6
    L = sec["liabilities_usd"]
    assert L > 0
    for k, v in sec["min_buffer_survives"].items():
        assert v == pytest.approx(bad[k] / L)
    for b, names in sec["breaks"].items():
        lim = float(b.rstrip("%")) / 100
        assert names == [k for k, v in sec["min_buffer_survives"].items() if v > lim]
    assert set(sec["breaks"]["14%"]) <= set(sec["breaks"]["10%"]) <= set(sec["breaks"]["6%"])
    assert sec["october_2025_shock"] == pytest.approx(3435.0 / 4368.09 - 1)
    assert sec["pol_sample_proof_valid"] is True
    assert sec["pol_n_users"] == sec["n_accounts"]
    assert len(sec["pol_root"]) == 64


def test_solvency_section_adl_and_claim(summary: dict) -> None:
    sec = _section(summary)
    adl = sec["adl"]
    if adl:
        exact = [p for p in ("binance", "hyperliquid", "socialized", "optimal") if p in adl]
        hc = {p: adl[p]["haircut_usd"] for p in exact}
        assert hc["optimal"] <= min(hc.values()) * (1 + 1e-9)
        assert adl["optimal"]["notional_usd"] <= min(adl[p]["notional_usd"] for p in exact) * (
            1 + 1e-7
        )
    claims = json.dumps(summary)
    assert "Reserve buffers of 6" in claims
