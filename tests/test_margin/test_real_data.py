"""Liquidation distances at the last bundled ETH close (the figures quoted in docs/margin.md)."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade import datasets
from liqcascade.margin import liq_price


@pytest.fixture(scope="module")
def last_close() -> float:
    eth = datasets.load_ohlcv("ETH", "1d")
    return float(eth["close"].iloc[-1])


def test_last_close_is_the_documented_one(last_close: float) -> None:
    assert last_close == pytest.approx(2971.64)


def test_distances_by_venue_and_leverage(last_close: float) -> None:
    ep = last_close
    lev = np.array([5.0, 10.0, 20.0, 25.0, 50.0, 100.0])
    b = liq_price("binance", 1, 10.0, ep, leverage=lev)
    # 10 ETH ~ $29.7k: tier 1 (0.4 %, cum 0) at every leverage -> EP (1 - 1/L) / (1 - 0.004)
    np.testing.assert_allclose(b.liq_price, ep * (1 - 1 / lev) / 0.996, rtol=1e-12)
    assert b.liq_price[2] == pytest.approx(2834.40, abs=0.005)
    y = liq_price("bybit", 1, 10.0, ep, leverage=lev)
    np.testing.assert_allclose(y.distance, -(1 / lev - 0.005), rtol=1e-9)
    h = liq_price("hyperliquid", 1, 10.0, ep, leverage=lev[:4])
    np.testing.assert_allclose(h.liq_price, ep * (1 - 1 / lev[:4]) / 0.98, rtol=1e-12)
    # Hyperliquid's 2 % maintenance puts a 20x long 1.56 points closer than Binance's 0.4 %
    assert h.distance[2] - b.distance[2] == pytest.approx(0.0156, abs=1e-4)


def test_whale_is_liquidated_closer(last_close: float) -> None:
    r = liq_price("binance", 1, np.array([1.0, 10_000.0]), last_close, leverage=20)
    # 10,000 ETH ($29.7M) sits in tier 5 (2 %, cum 131,450)
    assert r.tier[1] == 4
    expected = (10_000 * last_close * 0.95 - 131_450) / (10_000 * 0.98)
    assert r.liq_price[1] == pytest.approx(expected, rel=1e-12)
    assert r.distance[0] == pytest.approx(-0.04618, abs=1e-5)
    assert r.distance[1] == pytest.approx(-0.03513, abs=1e-5)
