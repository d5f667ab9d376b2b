"""Stop recommendation: invariants on the real market state, slippage monotone in the
cluster, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.book import calibrated_book
from liqcascade.cascade import MarketState, market_state
from liqcascade.errors import InputError
from liqcascade.positions import PositionBook, StopBook
from liqcascade.protect import (
    RecommendSettings,
    expected_slippage,
    liquidation_price,
    recommend_stop,
    round_step,
)


@pytest.fixture(scope="module")
def state() -> MarketState:
    return market_state("ETH")


def test_round_step() -> None:
    assert round_step(3698.39) == 100.0
    assert round_step(250.0) == 10.0
    assert round_step(12000.0) == 1000.0
    with pytest.raises(InputError):
        round_step(0.0)


def test_liquidation_price_golden() -> None:
    # DESIGN.md: long 1 ETH at 2,000 with 100 USD margin (20x) -> 1,907.6305
    assert liquidation_price(1, 2000.0, 1.0, 20.0) == pytest.approx(1907.6305, abs=1e-3)


@pytest.mark.parametrize("side", ["long", "short"])
def test_recommendation_invariants(state: MarketState, side: str) -> None:
    entry = state.mid
    r = recommend_stop(side, entry, 10.0, 10.0, state=state, n_levels=6)
    sgn = 1 if side == "long" else -1
    # a long's stop below entry and above its liquidation price; shorts mirror
    assert sgn * (entry - r.stop_price) > 0
    assert sgn * (r.stop_price - r.liq_price) > 0
    assert r.distance == pytest.approx(abs(entry - r.stop_price) / entry)
    # never beyond 80 % of the way to liquidation
    assert abs(entry - r.stop_price) <= 0.8 * abs(entry - r.liq_price) + 1e-9
    assert 0.0 <= r.expected_slippage < 0.2
    # out of every cluster it avoided (those zones already include the ± band)
    for z in r.avoided_clusters:
        assert not (z["price_low"] <= r.stop_price <= z["price_high"])
    # the raw stop sat in the first avoided zone, if any
    if r.avoided_clusters:
        z = r.avoided_clusters[0]
        assert z["price_low"] <= r.raw_stop_price <= z["price_high"]
        assert r.stop_price != r.raw_stop_price
    assert set(r.summary()) >= {"stop_price", "distance", "expected_slippage", "rationale"}
    assert len(r.to_frame()) == 6


def test_recommendation_is_deterministic(state: MarketState) -> None:
    a = recommend_stop("long", 3600.0, 5.0, 8.0, state=state, n_levels=3).summary()
    b = recommend_stop("long", 3600.0, 5.0, 8.0, state=state, n_levels=3).summary()
    assert a == b


def test_higher_leverage_tightens_the_cap(state: MarketState) -> None:
    lo = recommend_stop("long", state.mid, 1.0, 5.0, state=state, n_levels=2)
    hi = recommend_stop("long", state.mid, 1.0, 50.0, state=state, n_levels=2)
    assert hi.distance < lo.distance
    assert hi.stop_price > hi.liq_price


def test_atr_source(state: MarketState) -> None:
    s = RecommendSettings(vol_source="atr", k=0.5)
    r = recommend_stop("long", state.mid, 1.0, 3.0, state=state, settings=s, n_levels=2)
    assert "ATR" in r.rationale


def _synthetic(cluster_eth: float, level: float, as_of: pd.Timestamp) -> MarketState:
    book = calibrated_book(as_of=as_of, mid=3700.0, scale=0.25)
    pos = PositionBook(np.array([1], np.int8), [0.01], [3700.0], [37.0], [100.0], [90.0])
    n = 5
    stops = StopBook(
        np.full(n, -1, np.int8),
        np.full(n, level * 1.002),
        np.full(n, cluster_eth / n if cluster_eth > 0 else 1e-9),
    )
    return MarketState(book=book, positions=pos, stops=stops, mid=3700.0, as_of=as_of)


def test_slippage_monotone_in_cluster_size(state: MarketState) -> None:
    level = 3500.0
    prev = -1.0
    for eth in (0.0, 2_000.0, 10_000.0, 40_000.0):
        s = expected_slippage(_synthetic(eth, level, state.as_of), level, 1, 10.0)["slippage"]
        assert s >= prev
        prev = s
    assert prev > 0.001  # a 40k ETH cluster in the stop's round costs > 0.1 %
    # the same cluster just beyond the window no longer rides with the stop
    far = expected_slippage(_synthetic(40_000.0, level * 1.01, state.as_of), level, 1, 10.0)
    assert far["slippage"] < prev / 10


def test_bad_inputs(state: MarketState) -> None:
    with pytest.raises(InputError, match="--side"):
        recommend_stop("up", 3000.0, 1.0, 5.0, state=state)
    with pytest.raises(InputError, match="--entry"):
        recommend_stop("long", -1.0, 1.0, 5.0, state=state)
    with pytest.raises(InputError, match="--leverage"):
        recommend_stop("long", 3000.0, 1.0, 500.0, state=state)
    with pytest.raises(InputError, match="--horizon-days"):
        RecommendSettings(horizon_days=0)
