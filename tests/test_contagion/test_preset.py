"""Building blocks of the oct-2025 preset on the bundled data."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.contagion import crash_beta, snapshot_accounts
from liqcascade.contagion._config import reprice
from liqcascade.margin import hyperliquid_liq_price
from liqcascade.positions import PositionBook


def test_crash_beta_from_the_recorded_prints() -> None:
    # bundled Binance hourly bar 2025-10-10 21:00 UTC: BTC 114,200.4 -> low 101,516.5;
    # ETH 3,864.76 -> low 3,400.00
    b = crash_beta(["2025-10-10T21:00:00Z", "2025-10-10T21:00:00Z"])
    assert b == pytest.approx((101_516.5 / 114_200.4 - 1) / (3_400.0 / 3_864.76 - 1), rel=1e-9)


def test_snapshot_accounts() -> None:
    c, d = snapshot_accounts("V3")
    assert c.size == d.size > 1000
    assert (c > 0).all() and (d > 0).all()
    c_all, _ = snapshot_accounts("all")
    assert c_all.size > c.size


def test_reprice_hyperliquid_caps_leverage() -> None:
    side = np.array([1, 1, -1], np.int8)
    size = np.array([1.0, 2.0, 1.0])
    ep = np.array([2000.0, 2000.0, 2000.0])
    margin = np.array([20.0, 400.0, 100.0])  # 100x, 10x, 20x
    pos = PositionBook(side, size, ep, margin, ep * 0.99, ep * 0.98)
    assert reprice(pos, "binance") is pos
    hl = reprice(pos, "hyperliquid")
    # the 100x position cannot exist on Hyperliquid (ETH 25x): margin raised to 2000/25 = 80
    np.testing.assert_allclose(hl.margin, [80.0, 400.0, 100.0])
    ref = hyperliquid_liq_price(side, size, ep, [80.0, 400.0, 100.0], "ETH")
    np.testing.assert_allclose(hl.liq_price, ref.liq_price)
    # long 1 ETH at 2,000 with $80: l = 1/50, maintenance 2000/50 = 40, available 40,
    # liq = 2000 - 40/(1 - 0.02) = 1959.18
    assert hl.liq_price[0] == pytest.approx(2000 - 40 / 0.98)
    by = reprice(pos, "bybit")
    # Bybit long: EP - (IM - MM)/size = 2000 - (20 - 10) = 1990
    assert by.liq_price[0] == pytest.approx(1990.0)
