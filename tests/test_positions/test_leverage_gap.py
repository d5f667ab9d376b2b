"""Set against effective leverage of Hyperliquid positions (issue 14 item 2): hand-built tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.margin import hyperliquid_liq_price
from liqcascade.positions._hyperliquid import leverage_gap, leverage_gap_summary


def _row(address: str, asset: str, side: str, value: float, mark: float, liq: float,
         set_lev: float, account: float, ts: str = "2026-02-04") -> dict:  # fmt: skip
    return {
        "ts": pd.Timestamp(ts, tz="UTC"), "address": address, "account_value": account,
        "asset": asset, "side": side, "position_value": value, "mark_price": mark,
        "liq_price": liq, "leverage": set_lev,
    }  # fmt: skip


def _isolated_liq(side: int, asset: str, mark: float, value: float, lev: float) -> float:
    """Hyperliquid's liquidation price of a fresh isolated position holding value / lev."""
    r = hyperliquid_liq_price(side, value / mark, mark, value / lev, symbol=asset)
    return float(r.liq_price[0])


def test_a_fresh_isolated_position_is_as_levered_as_it_was_set() -> None:
    # the inverse of the venue's own formula: effective == set when only the initial
    # margin stands behind the position (both sides, both assets' maintenance rates)
    rows = [
        _row("a", "ETH", "long", 50_000.0, 2_000.0,
             _isolated_liq(1, "ETH", 2_000.0, 50_000.0, 10.0), 10.0, 1e6),
        _row("b", "BTC", "short", 80_000.0, 70_000.0,
             _isolated_liq(-1, "BTC", 70_000.0, 80_000.0, 20.0), 20.0, 1e6),
        _row("c", "ETH", "short", 10_000.0, 2_000.0,
             _isolated_liq(-1, "ETH", 2_000.0, 10_000.0, 25.0), 25.0, 1e6),
    ]  # fmt: skip
    g = leverage_gap(pd.DataFrame(rows))
    assert_same(g["liq_leverage"].to_numpy(), np.array([10.0, 20.0, 25.0]), rtol=1e-9)
    # longs set at 20x backed by 3x and 8x their initial margin: 6.67x and 2.5x effective;
    # only the second is under a quarter (5x) of its set leverage
    rows = [
        _row(k, "ETH", "long", 40_000.0, 2_000.0,
             _isolated_liq(1, "ETH", 2_000.0, 40_000.0, lev), 20.0, 1e6)
        for k, lev in (("d", 20.0 / 3.0), ("e", 2.5))
    ]  # fmt: skip
    g2 = leverage_gap(pd.DataFrame(rows))
    assert_same(g2["liq_leverage"].to_numpy(), np.array([20.0 / 3.0, 2.5]), rtol=1e-9)
    assert leverage_gap_summary(g2)["share_liq_below_quarter_set"] == pytest.approx(0.5, abs=1e-12)


def test_account_exposure_is_summed_per_account_and_snapshot() -> None:
    rows = [
        # account x, first snapshot: 100k long and 40k short ETH+BTC on 30k of equity
        _row("x", "ETH", "long", 100_000.0, 2_000.0, 1_500.0, 20.0, 30_000.0, "2026-02-04"),
        _row("x", "BTC", "short", 40_000.0, 70_000.0, 90_000.0, 20.0, 30_000.0, "2026-02-04"),
        # the same account later: only the long, on 50k
        _row("x", "ETH", "long", 100_000.0, 2_000.0, 1_500.0, 20.0, 50_000.0, "2026-02-05"),
        # another account in the first snapshot, no liquidation price, no equity
        _row("y", "ETH", "short", 10_000.0, 2_000.0, np.nan, 3.0, 0.0, "2026-02-04"),
    ]
    g = leverage_gap(pd.DataFrame(rows))
    assert_same(g["account_net_leverage"].to_numpy()[:3], np.array([2.0, 2.0, 2.0]))
    assert_same(g["account_gross_leverage"].to_numpy()[:3], np.array([140 / 30, 140 / 30, 2.0]))
    assert np.isnan(g["account_net_leverage"].iloc[3]) and np.isnan(g["liq_leverage"].iloc[3])
    assert np.isnan(g["distance"].iloc[3])
    # the snapshot may be the index (the bundled layout) instead of a column
    by_index = leverage_gap(pd.DataFrame(rows).set_index("ts"))
    assert_same(
        by_index["account_gross_leverage"].to_numpy(), g["account_gross_leverage"].to_numpy()
    )
    # one asset kept after the accounts' exposures are summed over both
    eth = leverage_gap(pd.DataFrame(rows), "eth")
    assert list(eth["asset"]) == ["ETH", "ETH", "ETH"]
    assert eth["account_gross_leverage"].iloc[0] == pytest.approx(140 / 30, rel=1e-12)


def test_summary_weights_by_notional() -> None:
    gap = pd.DataFrame(
        {
            "notional_usd": [10.0, 30.0, 60.0],
            "set_leverage": [20.0, 20.0, 4.0],
            "distance": [0.02, 0.5, np.nan],
            "liq_leverage": [30.0, 2.0, np.nan],
            "account_net_leverage": [1.0, 6.0, 0.5],
        }
    )
    s = leverage_gap_summary(gap)
    assert s["n_positions"] == 3
    assert s["median_set_leverage"] == 4.0  # 60 % of the notional is set at 4x
    assert s["median_liq_leverage"] == 2.0  # over the liquidatable 40: 30 of it at 2x
    assert s["median_account_net_leverage"] == 0.5
    assert s["share_no_liq_price"] == pytest.approx(0.6, abs=1e-12)
    # 2x < 20/4 (30) and no liquidation price (60): 90 %; 30x is not
    assert s["share_liq_below_quarter_set"] == pytest.approx(0.9, abs=1e-12)
    # 1 < 5 (10) and 0.5 < 1 (60); 6 is not below 5
    assert s["share_account_net_below_quarter_set"] == pytest.approx(0.7, abs=1e-12)
    empty = leverage_gap_summary(gap.iloc[:0])
    assert empty["n_positions"] == 0 and empty["median_set_leverage"] is None


def test_bad_tables_are_refused() -> None:
    row = _row("a", "ETH", "long", 1.0, 2_000.0, 1_000.0, 10.0, 1.0)
    with pytest.raises(InputError, match="positions need columns"):
        leverage_gap(pd.DataFrame([row]).drop(columns="account_value"))
    with pytest.raises(InputError, match="side must be"):
        leverage_gap(pd.DataFrame([{**row, "side": "buy"}]))
