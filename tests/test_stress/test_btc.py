"""Stress on BTC's own market: its estimated book, depth, liquidity calibration, returns.

The same procedure as ETH (issue 14 item 5): ``asset="BTC"`` builds BTC's estimated
market (:func:`liqcascade.market.estimated_market`), cascades BTC's book and reads
BTC's calibration files; the JSON keys are asset-neutral.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from clihelpers import run_cli
from floats import assert_same
from liqcascade.errors import InputError
from liqcascade.stress import (
    StressMarket,
    monte_carlo,
    replay,
    sample_portfolio,
    shock_grid,
    stress_book,
    stress_market,
)
from liqcascade.stress._request import run_stress_request


@pytest.fixture(scope="module")
def btc(btc_market: StressMarket) -> StressMarket:
    """BTC's estimated market of the default date (2025-07-31)."""
    return btc_market


@pytest.fixture(scope="module")
def pf(btc: StressMarket) -> Any:
    return sample_portfolio(btc.prices)


def test_btc_market_is_btcs_own(btc: StressMarket, market: StressMarket) -> None:
    from liqcascade.cascade import load_liquidity
    from liqcascade.market import MarketSpec, estimated_market

    assert btc.asset == "BTC" and btc.state.asset == "BTC"
    assert btc.state.positions.symbol == "BTCUSDT"
    # the start price is BTC's mid; ETH is the hourly close at the same bar close
    assert btc.prices["BTC"] == btc.state.mid and btc.prices["BTC"] > 20 * btc.prices["ETH"]
    assert btc.state.close_time == market.state.close_time
    assert btc.prices["ETH"] == market.prices["ETH"]
    # the book sorted for the kernels is BTC's estimated book, not ETH's
    st = estimated_market(MarketSpec(asset="BTC"))
    ref = stress_book(st.positions, st.stops, st.book)
    assert_same(btc.book.cumliq_dn, ref.cumliq_dn, rtol=1e-12)
    assert_same(btc.book.cumliq_up, ref.cumliq_up, rtol=1e-12)
    assert btc.side_notional() != market.side_notional()
    # its liquidity calibration is BTC's file, fitted before the market's close
    cal = btc.liquidity()
    assert cal.asset == "BTC" and cal.as_of <= btc.state.close_time
    assert cal == load_liquidity("BTC", btc.state.close_time)
    # the hourly volatility and residuals come from BTC's own hourly returns
    assert math.isfinite(btc.sigma_hourly) and btc.sigma_hourly > 0
    assert btc.sigma_hourly != market.sigma_hourly


def test_btc_monte_carlo_end_to_end(btc: StressMarket, pf: Any) -> None:
    res = monte_carlo(pf, btc, paths=3000, horizon_days=10, seed=11)
    s = res.summary()
    assert s["asset"] == "BTC" and s["price_asset"] == "BTC"
    assert res.details["asset"] == "BTC" and "min_price_p05" in res.details
    assert not any(k.startswith("eth_") for k in res.details)
    # BTC is the first fitted asset: its path is the market's
    assert res.details["model"]["models"]["BTC"]["p0"] == btc.prices["BTC"]
    worst = float(np.quantile(res.loss, 0.99))
    assert math.isfinite(worst) and math.isfinite(s["es_99"]) and s["var_99"] <= s["es_99"] + 1e-6
    q = s["price_quantiles"]
    assert q["p05"] < btc.prices["BTC"] < q["p95"]
    # market liquidations are BTC's book: never more than its whole book of both sides
    whole_long, whole_short = btc.side_notional()
    assert (res.market_liq_usd <= (whole_long + whole_short) * (1 + 1e-9)).all()
    assert s["market_liquidations_usd"]["p95"] > 0
    assert res.details["book_long_usd"] == pytest.approx(whole_long, rel=1e-12)
    # the same seed gives the same figures (same process: bit-equal)
    again = monte_carlo(pf, btc, paths=3000, horizon_days=10, seed=11).summary()
    assert again["var_99"] == s["var_99"]
    assert again["market_liquidations_usd"] == s["market_liquidations_usd"]


def test_btc_and_eth_markets_move_the_portfolio_alike(
    btc: StressMarket, market: StressMarket, pf: Any
) -> None:
    """The paths are the fitted returns in both runs (no added impact); only the book differs."""
    a = monte_carlo(pf, btc, paths=500, horizon_days=5, seed=3)
    b = monte_carlo(pf, market, paths=500, horizon_days=5, seed=3)
    assert_same(a.pnl, b.pnl, rtol=1e-9, atol=1e-6)
    assert not np.allclose(a.market_liq_usd, b.market_liq_usd)


def test_btc_shock_grid_cascades_btc(btc: StressMarket, pf: Any) -> None:
    res = shock_grid(pf, btc, [-0.1, -0.05, 0.05])
    t = res.table
    assert t is not None and set(t["asset"]) == {"BTC"}
    assert not any(c.startswith("eth_") or "_eth_" in c for c in t.columns)
    p0 = btc.prices["BTC"]
    down = t[t["shock"] < 0]
    assert (down["price_after"] <= p0 * (1 + down["shock"]) * (1 + 1e-9)).all()
    assert (t["price_after_p10"] <= t["price_after"] + 1e-6).all()
    assert (t["price_after"] <= t["price_after_p90"] + 1e-6).all()
    whole_long, whole_short = btc.side_notional()
    assert (t["market_liquidations_usd"] > 0).all()
    assert (t["static_liquidations_usd"] <= (whole_long + whole_short) * (1 + 1e-9)).all()
    # ETH (another asset with a market) is marked at its own market's 24-h extreme
    own = np.array([r["ETH"]["price_after"] for r in t["by_asset"]])
    assert_same(res.final_price["ETH"], own, rtol=1e-12)
    shocked = btc.prices["ETH"] * (1 + t["shock"].to_numpy())
    assert (np.abs(own / shocked - 1) > 1e-4).all() and list(t["held_at_shock"]) == [[]] * 3


def test_btc_replay_cascades_btc_on_its_hourly_bars(btc: StressMarket, pf: Any) -> None:
    on = replay(pf, btc, "2025-10-10")
    off = replay(pf, btc, "2025-10-10", cascade=False)
    assert on.details["asset"] == "BTC" and on.details["BTC_source"] == "ohlcv_1h"
    assert on.details["liquidity"] == "calibrated" and "liquidity" not in off.details
    assert on.details["liquidated_long_usd"] > 0
    assert on.details["BTC_min_price"] <= off.details["BTC_min_price"] * (1 + 1e-9)
    # ETH legs follow ETH's recorded path without a cascade in a BTC run
    assert on.details["ETH_min_price"] == off.details["ETH_min_price"]


def test_stress_request_btc_json(data_dir: Path) -> None:
    pf = data_dir / "stress" / "portfolio.csv"
    run = run_stress_request(pf, asset="btc", scenario="shock", shocks=[-0.05])
    out = run.to_dict()
    assert out["asset"] == "BTC" and out["market"]["asset"] == "BTC"
    assert not any(k.startswith("eth_") for r in out["shocks"] for k in r)
    eth = run_stress_request(pf, asset="ETH", scenario="shock", shocks=[-0.05]).to_dict()
    row = eth["shocks"][0]
    # ETH keeps the 0.2 names as deprecated aliases of the neutral ones
    assert row["eth_price_after"] == row["price_after"]
    assert row["static_eth_price_after"] == row["static_price_after"]


def test_unknown_asset_is_refused(data_dir: Path) -> None:
    # any asset may be named; one without data fails naming it and what is missing
    with pytest.raises(InputError, match="open interest for DOGE") as e:
        stress_market(asset="DOGE")
    assert e.value.param == "asset"
    pf = str(data_dir / "stress" / "portfolio.csv")
    r = run_cli("stress", "--portfolio", pf, "--asset", "SOL", "--json",
                env={"LIQCASCADE_STORE": "/nonexistent/store.duckdb"})  # fmt: skip
    assert r.exit_code == 2 and r.stderr.startswith("error: --asset: no 4-hourly open interest")
    assert "SOL" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_btc_montecarlo(data_dir: Path) -> None:
    pf = str(data_dir / "stress" / "portfolio.csv")
    args = ["stress", "--portfolio", pf, "--asset", "BTC"]
    r = run_cli(*args, "--paths", "2000", "--horizon-days", "5", "--seed", "4", "--json")
    assert r.exit_code == 0, r.stderr
    out = r.json()
    assert out["asset"] == "BTC" and out["price_asset"] == "BTC"
    assert out["details"]["asset"] == "BTC" and "eth_min_price_p05" not in out["details"]
    r = run_cli(*args, "--scenario", "shock", "--shocks", "-5%")
    assert r.exit_code == 0, r.stderr
    assert "BTC market" in r.stdout and "BTC 24 h extreme" in r.stdout


def test_library_seed_and_path_errors_name_the_parameter(btc: StressMarket, pf: Any) -> None:
    with pytest.raises(InputError, match=r"^seed must be >= 0") as e:
        monte_carlo(pf, btc, paths=10, seed=-1)
    assert e.value.param == "seed"
    with pytest.raises(InputError) as e:
        monte_carlo(pf, btc, paths=10**12)
    assert e.value.param == "paths" and str(e.value).startswith("paths")
    with pytest.raises(InputError) as e:
        stress_book("not a book")  # type: ignore[arg-type]
    assert e.value.param == "positions"


def test_a_shock_past_the_stop_fills_at_the_shock_price(btc: StressMarket) -> None:
    """Trial trader28: 1 BTC long at the mid, 10x, stop 109,009; shock −8 %.

    The shock jumps from 115,764 to 106,503 before anything trades: the stop fills
    there, a loss of at least 9,261 USD (the trigger's fill read 6,755). A −3 % shock
    does not pass the stop: the cascade after it moves on continuously, and a stop it
    reaches fills at its trigger.
    """
    import pandas as pd

    from liqcascade.stress import Portfolio

    mid = btc.prices["BTC"]
    frame = pd.DataFrame({"symbol": ["BTCUSDT"], "side": ["long"], "size": [1.0],
                          "entry_price": [mid], "leverage": [10.0],
                          "stop_price": [109_009.0]})  # fmt: skip
    pf = Portfolio.from_frame(frame, "trial.csv")
    res = shock_grid(pf, btc, [-0.08, -0.03], n_paths=40)
    deep, small = res.table["portfolio_pnl_usd"].to_numpy()
    assert bool(res.stopped[0, 0])
    assert deep == pytest.approx(-0.08 * mid, abs=0.01)  # the shock price, 106,503
    assert deep <= -9_261.0
    after = res.table["price_after"].to_numpy()
    if bool(res.stopped[1, 0]):  # reached by the cascade after −3 %: the trigger
        assert after[1] <= 109_009.0
        assert small == pytest.approx(109_009.0 - mid, abs=0.01)
    else:  # the cascade stops short of it (BTC 2025-07-31): marked to the price after
        assert after[1] > 109_009.0
        assert small == pytest.approx(after[1] - mid, abs=0.01)


def test_a_shock_up_gaps_a_short_past_its_stop_and_its_liquidation(btc: StressMarket) -> None:
    """The mirror: a 10x short at the mid, stop 122,500 (liquidation 126,757).

    +8 % jumps to 125,025, past the stop and short of the liquidation: filled there,
    a loss of 8 % of the notional, not the trigger's 5.8 %. +12 % jumps to 129,656,
    past the liquidation: liquidated, the margin (10 % of the notional) lost.
    """
    import pandas as pd

    from liqcascade.stress import Portfolio

    mid = btc.prices["BTC"]
    frame = pd.DataFrame({"symbol": ["BTCUSDT"], "side": ["short"], "size": [1.0],
                          "entry_price": [mid], "leverage": [10.0],
                          "stop_price": [122_500.0]})  # fmt: skip
    pf = Portfolio.from_frame(frame, "trial.csv")
    assert 1.08 * mid < pf.liq_price[0] < 1.12 * mid
    res = shock_grid(pf, btc, [0.08, 0.12], n_paths=40)
    gapped, liquidated = res.table["portfolio_pnl_usd"].to_numpy()
    assert bool(res.stopped[0, 0]) and not bool(res.liquidated[0, 0])
    assert gapped == pytest.approx(-0.08 * mid, abs=0.01)
    assert bool(res.liquidated[1, 0]) and not bool(res.stopped[1, 0])
    assert liquidated == pytest.approx(-mid / 10.0, rel=1e-9)  # the isolated margin
