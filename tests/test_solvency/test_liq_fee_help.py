"""``solvency --liq-fee``'s help and docs say the fee is an upper bound (session 23)."""

from __future__ import annotations

from pathlib import Path

from clihelpers import run_cli

DOCS = Path(__file__).resolve().parents[2] / "docs" / "solvency.md"


def test_liq_fee_is_called_an_upper_bound() -> None:
    # the fee is charged on bankrupt positions too: at 0.5 the fund ends above the liabilities
    r = run_cli("solvency", "--help")
    assert r.exit_code == 0
    text = " ".join(r.stdout.replace("│", " ").split())
    assert "bankrupt ones too, so the fund it gives is an upper bound" in text
    docs = " ".join(DOCS.read_text().split())
    assert "bankrupt ones too, so the fund it gives is an upper bound" in docs
