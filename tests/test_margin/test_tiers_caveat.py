"""Whose tier table an asset's positions use, said in one wording (session 25)."""

from __future__ import annotations

from liqcascade.margin import FALLBACK_TIERS, asset_tiers, tiers_caveat


def test_a_contract_without_a_packaged_table_gets_the_fallback_said() -> None:
    assert asset_tiers("SOL") == FALLBACK_TIERS == "ETHUSDT"
    c = tiers_caveat("SOL")
    assert c is not None and c.startswith("margin tiers: ETHUSDT's, no SOLUSDT table (")
    assert "BTCUSDT, ETHUSDT" in c  # the packaged tables, to give instead


def test_a_packaged_contract_has_no_caveat() -> None:
    assert tiers_caveat("ETH") is None and tiers_caveat("btc") is None
