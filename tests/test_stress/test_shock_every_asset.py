"""A shock cascades every asset of the portfolio that has a market, whatever ``--asset`` is.

The sample portfolio holds ETH and BTC perpetuals; both have a bundled market. The shock
P&L of the same book must then not depend on which market leads the run, and each
asset must be marked at its own market's 24-h extreme. Tolerances: 1e-9 relative on USD
figures (the same engines on the same markets and seeds: equal up to float order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from liqcascade.errors import InputError
from liqcascade.stress import StressMarket, sample_portfolio, shock_grid
from liqcascade.stress._scenarios import StressMarket as _Market

GRID = [-0.1, 0.05]
PATHS = 40
SPLIT = ("portfolio_pnl_usd", "pnl_at_shock_usd", "pnl_cascade_carry_usd", "pnl_continuation_usd")


@pytest.fixture(scope="module")
def both(market: StressMarket, btc_market: StressMarket) -> tuple[Any, Any]:
    pf = sample_portfolio(market.prices)
    return shock_grid(pf, market, GRID, n_paths=PATHS), shock_grid(
        pf, btc_market, GRID, n_paths=PATHS
    )


def test_the_same_book_has_the_same_shock_pnl_under_either_asset(both: tuple[Any, Any]) -> None:
    eth, btc = (r.table for r in both)
    for k in SPLIT:
        np.testing.assert_allclose(eth[k].to_numpy(), btc[k].to_numpy(), rtol=1e-9, atol=1e-6)
    for i in range(len(GRID)):
        for a in ("ETH", "BTC"):
            x, y = eth["by_asset"][i][a], btc["by_asset"][i][a]
            for k in ("pnl_usd", "pnl_at_shock_usd", "pnl_cascade_carry_usd", "price_used"):
                assert x[k] == pytest.approx(y[k], rel=1e-9, abs=1e-6), (a, k)
    assert list(eth["held_at_shock"]) == [[], []] and list(btc["held_at_shock"]) == [[], []]
    np.testing.assert_allclose(both[0].pnl, both[1].pnl, rtol=1e-9, atol=1e-6)


def test_each_asset_is_marked_at_its_own_market_extreme(both: tuple[Any, Any]) -> None:
    eth, btc = (r.table for r in both)
    for i in range(len(GRID)):
        # BTC in the ETH-led run: the BTC-led run's own 24-h extreme, not the shock price
        assert eth["prices_used"][i]["BTC"] == pytest.approx(btc["price_after"][i], rel=1e-9)
        assert btc["prices_used"][i]["ETH"] == pytest.approx(eth["price_after"][i], rel=1e-9)
        shock_btc = both[0].prices["BTC"] * (1 + GRID[i])
        assert abs(eth["prices_used"][i]["BTC"] / shock_btc - 1) > 1e-4  # it moved on
        for k in ("carry_price_after", "static_price_after", "market_liquidations_usd"):
            assert eth["by_asset"][i]["BTC"][k] == pytest.approx(btc[k][i], rel=1e-9)
    assert both[0].details["cascaded_assets"] == ["ETH", "BTC"]
    assert both[0].final_price["BTC"] == pytest.approx(btc["price_after"].to_numpy(), rel=1e-9)


def _fresh(market: StressMarket) -> StressMarket:
    """A copy of ``market`` that has built no other asset's market yet."""
    return _Market(as_of=market.as_of, prices=market.prices, book=market.book,
                   state=market.state, sigma_hourly=market.sigma_hourly,
                   residuals=market.residuals)  # fmt: skip


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The assets whose market :meth:`StressMarket.asset_market` builds from now on."""
    built: list[str] = []
    real = _Market._build_market

    def counting(self: StressMarket, asset: str) -> StressMarket:
        built.append(asset)
        return real(self, asset)

    monkeypatch.setattr(_Market, "_build_market", counting)
    return built


def test_the_other_market_is_built_once_per_run(
    market: StressMarket, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _count_builds(monkeypatch)
    fresh = _fresh(market)
    shock_grid(sample_portfolio(market.prices), fresh, [-0.05, 0.02], n_paths=10)
    assert built == ["BTC"]  # one build for two shock rows
    assert fresh.asset_market("BTC") is fresh.asset_market("btc") and built == ["BTC"]
    assert fresh.asset_market("ETH") is fresh


def test_an_asset_without_a_market_is_held_at_the_shock_price(
    market: StressMarket, monkeypatch: pytest.MonkeyPatch
) -> None:
    def none(self: StressMarket, asset: str) -> StressMarket:
        raise InputError(f"asset {asset}: no open interest in the store", param="asset")

    monkeypatch.setattr(_Market, "_build_market", none)
    fresh = _fresh(market)
    r = shock_grid(sample_portfolio(market.prices), fresh, [-0.1], n_paths=20)
    row = r.table.iloc[0]
    assert row["held_at_shock"] == ["BTC"]
    assert row["prices_used"]["BTC"] == pytest.approx(market.prices["BTC"] * 0.9, rel=1e-12)
    assert row["by_asset"]["BTC"]["held_at_shock"] is True
    assert row["by_asset"]["BTC"]["pnl_continuation_usd"] == 0.0
    assert "no open interest" in r.details["no_market"]["BTC"]
    assert r.details["cascaded_assets"] == ["ETH"]


def test_an_adopted_market_is_the_one_the_grid_builds(
    market: StressMarket, btc_market: StressMarket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report hands the grid its own BTC market (the default spec at the same close):
    no build, and the grid's rows are the ones of the market it builds (1e-12 relative:
    the same market, paths and seeds)."""
    pf = sample_portfolio(market.prices)
    built = shock_grid(pf, _fresh(market), GRID, n_paths=PATHS).table
    made = _count_builds(monkeypatch)
    fresh = _fresh(market)
    assert fresh.adopt_market(btc_market.state)
    assert fresh.asset_market("BTC").state is btc_market.state
    got = shock_grid(pf, fresh, GRID, n_paths=PATHS).table
    assert made == []  # adopted, not built
    for k in (*SPLIT, "price_after", "market_liquidations_usd"):
        np.testing.assert_allclose(got[k].to_numpy(), built[k].to_numpy(), rtol=1e-12)
    for i in range(len(GRID)):
        x, y = got["by_asset"][i]["BTC"], built["by_asset"][i]["BTC"]
        for k in ("price_after", "carry_price_after", "static_price_after", "pnl_usd"):
            assert x[k] == pytest.approx(y[k], rel=1e-12), k


def test_a_market_is_adopted_only_at_the_same_close_for_another_asset(
    market: StressMarket, btc_market: StressMarket
) -> None:
    from liqcascade.market import MarketSpec, estimated_market

    fresh = _fresh(market)
    assert not fresh.adopt_market(market.state)  # its own asset
    earlier = estimated_market(MarketSpec(asset="BTC", as_of="2025-06-15"))
    assert not fresh.adopt_market(earlier)  # another close: the grid builds its own
    assert fresh.adopt_market(btc_market.state)
    assert not fresh.adopt_market(btc_market.state)  # once
