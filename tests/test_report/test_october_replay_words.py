"""The 2025-10-10 replay's window names the bars the report's asset uses (session 25).

The stress method said "Bybit perpetual 15-minute bars (BTC: hourly)" for every asset,
while a SOL report's table said SOL's hourly bars were replayed.
"""

from __future__ import annotations

from liqcascade.report._october import replay_window_name
from liqcascade.report._stress_section import _method


def _october_line(asset: str) -> str:
    return next(t for t in _method(asset) if t.startswith("The 2025-10-10 replay's window"))


def test_each_asset_names_its_own_bars() -> None:
    assert "Bybit perpetual 15-minute bars (2025-10-10" in _october_line("ETH")
    sol = _october_line("SOL")
    assert "two-day replay, SOL's hourly bars (no 15-minute source for SOL)" in sol
    assert "Bybit" not in sol and "BTC" not in sol
    assert replay_window_name("btc").startswith("two-day replay, BTC's hourly bars")
