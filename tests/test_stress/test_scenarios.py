"""Scenarios on the bundled real data: replays, shocks, Monte Carlo."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from liqcascade import datasets
from liqcascade.errors import InputError
from liqcascade.stress import (
    WINDOWS,
    FailedScenario,
    StressMarket,
    StressResult,
    monte_carlo,
    replay,
    replay_bars,
    run_batch,
    sample_portfolio,
    shock_grid,
)


@pytest.fixture(scope="module")
def pf(market: StressMarket) -> Any:
    return sample_portfolio(market.prices)


def test_replay_without_cascade_is_the_recorded_path(market: StressMarket, pf: Any) -> None:
    res = replay(pf, market, "2024-08-05", cascade=False, rebase=False)
    rec = datasets.load("eth_30m", "2024-08-04", "2024-08-05 23:59")
    t = res.table
    assert t is not None and len(t) == len(rec) == 96
    np.testing.assert_array_equal(t["close"].to_numpy(), rec["close"].to_numpy())
    np.testing.assert_array_equal(t["low"].to_numpy(), rec["low"].to_numpy())
    np.testing.assert_array_equal(t["high"].to_numpy(), rec["high"].to_numpy())
    assert res.final_price["ETH"][0] == rec["close"].iloc[-1]
    # the recorded fall (2,900 -> 2,100 area) crossed estimated long liquidations
    assert res.market_liq_usd[0] > 0


def test_replay_cascade_adds_to_the_recorded_fall(market: StressMarket, pf: Any) -> None:
    off = replay(pf, market, "2025-10-10", cascade=False)
    on = replay(pf, market, "2025-10-10", cascade=True)
    assert on.details["ETH_source"] == "eth_bybit_15m_2025_10"
    assert on.details["ETH_min_price"] <= off.details["ETH_min_price"]
    assert on.market_liq_usd[0] >= off.market_liq_usd[0]
    # rebased: the recorded bars scaled so the window opens at today's price
    rec = datasets.load("eth_bybit_15m_2025_10", "2025-10-10", "2025-10-11 23:59")
    scale = market.prices["ETH"] / rec["open"].iloc[0]
    assert off.details["ETH_min_price"] == pytest.approx(rec["low"].min() * scale, rel=1e-12)
    assert off.final_price["ETH"][0] == pytest.approx(rec["close"].iloc[-1] * scale, rel=1e-12)


def test_windows_use_the_finest_bundled_bars() -> None:
    srcs = {name: replay_bars(name)[1] for name in WINDOWS}
    assert srcs == {
        "2022-06-13": "ohlcv_1h",
        "2022-11-08": "ohlcv_1h",
        "2024-08-05": "eth_30m",
        "2025-10-10": "eth_bybit_15m_2025_10",
    }
    bars, src, _ = replay_bars("2022-12-05/2022-12-06")
    assert src == "eth_1m_2022_12" and len(bars) == 2 * 24 * 60
    with pytest.raises(InputError, match="--window"):
        replay_bars("2019-13-01/x")


def test_shock_grid_monotone_and_priced(market: StressMarket, pf: Any) -> None:
    res = shock_grid(pf, market, [-0.02, -0.05, -0.1])
    t = res.table
    assert t is not None
    assert (np.diff(t["eth_price_after"]) <= 1e-9).all()
    assert (np.diff(t["market_liquidations_usd"]) >= 0).all()
    # the cascade carries price beyond the shock
    assert (t["eth_price_after"] <= market.prices["ETH"] * (1 + t["shock"]) + 1e-6).all()
    assert res.summary()["paths"] == 3


def test_monte_carlo_cascade_amplifies(market: StressMarket, pf: Any, fits: Any) -> None:
    kw: dict[str, Any] = {"paths": 4000, "horizon_days": 10, "seed": 3, "fits": fits}
    on = monte_carlo(pf, market, **kw)
    off = monte_carlo(pf, market, cascade=False, **kw)
    s_on, s_off = on.summary(), off.summary()
    for k in ("var_95", "var_99", "es_95", "es_99", "expected_loss"):
        assert np.isfinite(s_on[k])
    assert s_on["es_99"] >= s_on["var_99"] >= s_on["var_95"]
    assert np.quantile(on.market_liq_usd, 0.95) > np.quantile(off.market_liq_usd, 0.95)
    q_on, q_off = s_on["price_quantiles"], s_off["price_quantiles"]
    assert q_on["p95"] - q_on["p05"] > q_off["p95"] - q_off["p05"]
    assert set(s_on["p_liquidation"]) == {"ETH long 20x", "BTC long 10x", "ETH short 5x"}
    assert 0 < s_on["p_liquidation"]["ETH long 20x"] < 1
    # a 20x long is liquidated more often than a 5x short is
    p = s_on["p_liquidation"]
    assert p["ETH long 20x"] > p["ETH short 5x"]
    assert isinstance(on, StressResult) and on.plot() is not None
    assert len(on.to_frame()) == 3


def test_batch_mixes_results_and_failures(market: StressMarket, pf: Any) -> None:
    out = run_batch(
        [
            ("ok", lambda: shock_grid(pf, market, [-0.05])),
            ("bad", lambda: replay(pf, market, "1999-01-01/1999-01-02")),
            ("ok2", lambda: replay(pf, market, "2022-11-08")),
        ]
    )
    assert isinstance(out[0], StressResult) and isinstance(out[2], StressResult)
    assert isinstance(out[1], FailedScenario) and "--window" in out[1].error


def test_bad_options(market: StressMarket, pf: Any) -> None:
    with pytest.raises(InputError, match="--paths must be > 0"):
        monte_carlo(pf, market, paths=0)
    with pytest.raises(InputError, match="--horizon-days must be > 0"):
        monte_carlo(pf, market, horizon_days=-1)
    with pytest.raises(InputError, match="--method"):
        monte_carlo(pf, market, method="bootstrap")
    with pytest.raises(InputError, match="model must be one of"):
        monte_carlo(pf, market, model="figarch")
    assert isinstance(pd.Timestamp(market.as_of), pd.Timestamp)
