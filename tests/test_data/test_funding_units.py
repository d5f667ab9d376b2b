"""CoinGlass quotes each venue's funding per the venue's own interval (Hyperliquid: 1 h)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.data import read_file

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"


@pytest.mark.parametrize(("venue", "hours"), [("hyperliquid", 1.0), ("bybit", 8.0)])
def test_a_coinglass_venue_file_takes_the_venue_s_interval(venue: str, hours: float) -> None:
    (s,) = read_file(INGEST / f"coinglass_ETH_8h_funding_{venue}.csv.gz", venue=venue)
    assert (s.frame["interval_hours"] == hours).all()
    said = [n for n in s.notes if "the venue's funding interval" in n]
    assert len(said) == (venue == "hyperliquid")


def test_hyperliquid_s_coinglass_rate_is_its_hourly_baseline() -> None:
    """The median row is 0.00125 % per hour (Hyperliquid's baseline), read per hour."""
    (s,) = read_file(INGEST / "coinglass_ETH_8h_funding_hyperliquid.csv.gz", venue="Hyperliquid")
    per_hour = s.frame["rate"] / s.frame["interval_hours"]
    assert per_hour.median() == pytest.approx(1.25e-5, rel=0.05)
