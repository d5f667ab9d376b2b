"""The BTC derivatives series, Hyperliquid positions and collateral files bundled in 0.2."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade import datasets


def test_btc_series_share_eth_layouts() -> None:
    for loader in (datasets.load_open_interest, datasets.load_liquidations, datasets.load_taker):
        eth, btc = loader(asset="ETH"), loader(asset="BTC")
        assert list(eth.columns) == list(btc.columns)
        assert btc.index.is_monotonic_increasing and btc.index.is_unique
    oi = datasets.load_open_interest(asset="BTC")
    # BTC open interest across venues in 2025 is tens of billions of USD
    assert 2e10 < float(oi["oi_usd"].median()) < 2e11
    assert str(oi.index[-1].date()) == "2025-07-31"
    ls = datasets.load_long_short()
    vals = ls.to_numpy()
    vals = vals[~np.isnan(vals)]  # the three series start on different bars
    assert ls.shape[1] == 3 and ((vals > 0) & (vals < 100)).all()
    with pytest.raises(KeyError, match="BTC"):
        datasets.load_long_short(asset="ETH")
    with pytest.raises(KeyError, match="DOGE"):
        datasets.load_open_interest(asset="DOGE")


def test_hyperliquid_positions_are_real_and_consistent() -> None:
    pos = datasets.load_hyperliquid_positions()
    assert len(pos) == 32_829 and set(pos["asset"]) == {"ETH", "BTC"}
    assert set(pos["side"]) == {"long", "short"}
    # position value = size x mark, as documented
    rel = (pos["position_value"] - pos["size"] * pos["mark_price"]).abs() / pos["position_value"]
    assert float(rel.quantile(0.99)) < 1e-3
    # a liquidation price sits below the mark for longs and above for shorts
    live = pos[pos["liq_price"].notna()]
    lo = live["side"] == "long"
    assert (live.loc[lo, "liq_price"] < live.loc[lo, "mark_price"]).mean() > 0.99
    assert (live.loc[~lo, "liq_price"] > live.loc[~lo, "mark_price"]).mean() > 0.99
    assert np.isnan(pos["liq_price"]).mean() > 0.05  # cross accounts with no liquidation


def test_collateral_files() -> None:
    usde = datasets.load_ohlcv("USDE", "1m")
    held_back = usde.loc["2025-10-10 12:00":"2025-10-11 11:59"]
    assert held_back.empty and len(usde) > 150_000
    assert 0.98 < float(usde["close"].median()) < 1.02
    horizon = datasets.load_aave_horizon_params()
    assert {"USTB", "USYC"} <= set(horizon["asset"])
    names = set(datasets.provenance()["name"])
    assert {"btc_oi_4h", "hyperliquid_positions_2026_02", "aave_horizon_rwa_params"} <= names
