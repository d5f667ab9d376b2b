"""Fixtures of the stress tests: the estimated market of the default date, fitted models."""

from __future__ import annotations

from typing import Any

import pytest

from liqcascade.stress import StressMarket, stress_market


@pytest.fixture(scope="session")
def market() -> StressMarket:
    """The estimated ETH market of 2025-07-31 (positions, stops, calibrated depth)."""
    return stress_market()


@pytest.fixture(scope="session")
def btc_market() -> StressMarket:
    """The estimated BTC market of 2025-07-31 (its own book, depth and calibration)."""
    return stress_market(asset="BTC")


@pytest.fixture(scope="session")
def fits(market: StressMarket) -> dict[str, Any]:
    """GJR-t fits of ETH and BTC daily returns up to the market's date."""
    from liqcascade import datasets
    from liqcascade.volatility import fit_volatility, log_returns

    out = {}
    for a in ("ETH", "BTC"):
        r = log_returns(datasets.load_ohlcv(a, "1d")["close"], "2017-08-17", market.as_of)
        out[a] = fit_volatility(r, "gjr", "t", asset=a)
    return out


@pytest.fixture
def one_market(market: StressMarket, monkeypatch: pytest.MonkeyPatch) -> StressMarket:
    """Every ``stress_market`` call of the test answers ``market`` (one market built once)."""
    import liqcascade.stress as st

    def same(*args: Any, **kw: Any) -> StressMarket:
        return market

    monkeypatch.setattr(st, "stress_market", same)
    return market
