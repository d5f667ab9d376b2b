"""A recommended stop is laid off from today's price (the mid), on the contract's tick,
never through the market, with the level just before the crowd offered beside the raw
stop (the fund trial's F1, F2, F3)."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clihelpers import run_cli
from liqcascade.book import calibrated_book
from liqcascade.errors import InputError
from liqcascade.market import MarketState
from liqcascade.positions import PositionBook, StopBook
from liqcascade.protect import distance_given_up, recommend_stop, stop_out_chance
from liqcascade.protect._recommend import (
    _before_crowd,
    check_stop_side,
    contract_tick,
    stop_on_tick,
)
from profiles import examples

AS_OF = pd.Timestamp("2025-07-31 20:00", tz="UTC")


def _touch(start: float, stop: float, sigma: float) -> float:
    """Plain reference: reflection principle for a driftless normal log price."""
    if stop == start:
        return 1.0
    if sigma == 0:
        return 0.0
    return 2.0 * (1.0 - NormalDist().cdf(abs(math.log(stop / start)) / sigma))


def _market(asset: str, mid: float, crowd_at: float | None = None, usd: float = 0.0) -> MarketState:
    """A synthetic market at ``mid``: one tiny position, sell stops bunched at ``crowd_at``."""
    book = calibrated_book(as_of=AS_OF, mid=mid, scale=0.25, asset=asset)
    pos = PositionBook(np.array([1], np.int8), [0.01], [mid], [mid / 100], [mid / 40], [mid / 45])
    n = 5
    level = crowd_at if crowd_at is not None else mid * 0.5
    size = usd / level / n if usd > 0 else 1e-9
    stops = StopBook(np.full(n, -1, np.int8), np.full(n, level), np.full(n, size))
    return MarketState(book=book, positions=pos, stops=stops, mid=mid, as_of=AS_OF, asset=asset)


@settings(max_examples=examples(60), deadline=None)
@given(
    st.floats(min_value=1.0, max_value=2e5),
    st.floats(min_value=-0.6, max_value=0.6),
    st.floats(min_value=0.0, max_value=0.5),
)
def test_stop_out_chance_matches_the_plain_reference(mid: float, lr: float, sigma: float) -> None:
    stop = mid * math.exp(lr)
    assert stop_out_chance(mid, stop, sigma) == pytest.approx(_touch(mid, stop, sigma), abs=1e-9)


def test_the_trials_short_from_the_mid_not_from_entry() -> None:
    # F2: ETH short entered at 3,800, mid 3,698.39, stop 4,088.69, 5-day sigma 8.43 %
    assert stop_out_chance(3698.39, 4088.69, 0.0843) == pytest.approx(0.234, abs=0.001)
    assert stop_out_chance(3800.0, 4088.69, 0.0843) == pytest.approx(0.385, abs=0.001)
    # F3: BTC long, mid 115,764.08, stop 111,618.44, sigma 5.41 %: 50 %, not 30 %
    assert stop_out_chance(115764.08, 111618.44, 0.0541) == pytest.approx(0.500, abs=0.002)


@pytest.fixture(scope="module")
def eth() -> MarketState:
    return _market("ETH", 3700.0)


@pytest.mark.parametrize(
    ("side", "entry"),
    [("long", 3900.0), ("long", 3300.0), ("short", 3950.0), ("short", 3500.0)],
)
def test_the_stop_is_laid_off_from_the_mid(eth: MarketState, side: str, entry: float) -> None:
    r = recommend_stop(side, entry, 1.0, 3.0, state=eth, n_levels=3, liquidity="static")
    sgn = 1 if side == "long" else -1
    mid = eth.mid
    assert sgn * (mid - r.stop_price) > 0  # on the safe side of today's price
    assert r.raw_stop_price == pytest.approx(mid * (1 - sgn * r.vol_distance), abs=0.011)
    assert r.distance == pytest.approx(abs(mid - r.stop_price) / mid, rel=1e-12)
    j = r.summary()
    assert j["distance_from_entry"] == pytest.approx(r.stop_price / entry - 1, rel=1e-12)
    assert j["stop_out_chance"] == pytest.approx(_touch(mid, r.stop_price, r.horizon_vol), abs=1e-9)
    lo, hi = j["stop_out_chance_range"]
    assert min(lo, hi) <= j["stop_out_chance"] <= max(lo, hi)
    assert "the mid 3,700.00" in r.rationale and "entry" in r.rationale
    # at most 80 % of the way from the mid to liquidation
    assert abs(mid - r.stop_price) <= 0.8 * abs(mid - r.liq_price) + 0.01


def test_distance_given_up_is_measured_from_the_mid() -> None:
    from types import SimpleNamespace as S

    r = S(mid=3000.0, entry=3600.0, stop_price=2900.0, raw_stop_price=2850.0)
    assert distance_given_up(r) == pytest.approx(50.0 / 3000.0, abs=1e-12)


def test_a_stop_through_the_market_is_refused() -> None:
    with pytest.raises(InputError, match="already triggered") as e:
        check_stop_side(1, 117293.96, 115764.08, "BTC")  # the trial's F1 stop
    assert e.value.param == "entry" and "at or above the BTC mid 115,764.08" in str(e.value)
    with pytest.raises(InputError, match="at or below"):
        check_stop_side(-1, 3600.0, 3698.39)
    with pytest.raises(InputError):
        check_stop_side(1, 3698.39, 3698.39)  # at the mid: fires at once too
    check_stop_side(1, 3600.0, 3698.39)  # below: fine
    check_stop_side(-1, 3800.0, 3698.39)


def test_an_under_water_long_gets_a_stop_below_the_market(eth: MarketState) -> None:
    # F1 mirrored on ETH: entry 7 % above the mid, 5x; from entry the stop would be above it
    r = recommend_stop("long", 3700.0 * 1.071, 0.5, 5.0, state=eth, n_levels=3,
                       liquidity="static")  # fmt: skip
    assert r.stop_price < eth.mid
    assert r.summary()["stop_out_chance"] < 1.0


@pytest.mark.parametrize(("asset", "tick"), [("BTC", 0.1), ("ETH", 0.01), ("SOL", None)])
def test_contract_tick(asset: str, tick: float | None) -> None:
    got = contract_tick(asset, 150.0)
    assert got == pytest.approx(tick if tick is not None else 0.001, rel=1e-12)


def _on(price: float, tick: float) -> bool:
    return abs(price / tick - round(price / tick)) < 1e-6


def test_stop_on_tick_rounds_toward_safety() -> None:
    # BTC 0.10: the trial's 111,618.44 -> 111,618.40 for a long (down, away from the price)
    assert stop_on_tick(111618.44, 1, 0.1, 100000.0) == pytest.approx(111618.4, abs=1e-9)
    assert stop_on_tick(111618.44, -1, 0.1, 130000.0) == pytest.approx(111618.5, abs=1e-9)
    # ETH 0.01: a short up
    assert stop_on_tick(4088.683, -1, 0.01, 4150.0) == pytest.approx(4088.69, abs=1e-9)
    # the bound: rounding away would reach it, so toward the price
    assert stop_on_tick(3343.375, 1, 0.01, 3343.37) == pytest.approx(3343.38, abs=1e-9)
    # a zone it was clear of: rounding away would enter it, so toward the price
    zone = [{"price_low": 3000.0, "price_high": 3414.705}]
    assert stop_on_tick(3414.708, 1, 0.01, 3000.0, zone) == pytest.approx(3414.71, abs=1e-9)
    # already on the tick: unchanged
    assert stop_on_tick(3414.7, 1, 0.01, 3000.0) == pytest.approx(3414.7, abs=1e-9)


@settings(max_examples=examples(60), deadline=None)
@given(st.floats(min_value=100.0, max_value=2e5), st.sampled_from([1, -1]),
       st.sampled_from([0.1, 0.01]))  # fmt: skip
def test_stop_on_tick_is_on_the_tick_and_within_one(price: float, side: int, tick: float) -> None:
    bound = price * (1 - side * 0.2)
    p = stop_on_tick(price, side, tick, bound)
    assert _on(p, tick)
    assert abs(p - price) < tick * (1 + 1e-9)
    assert side * (price - p) >= -1e-9  # away from the price (down for a long)


@pytest.mark.parametrize(
    ("asset", "mid", "tick"), [("BTC", 115764.08, 0.1), ("ETH", 3698.39, 0.01)]
)
@pytest.mark.parametrize("side", ["long", "short"])
def test_every_printed_stop_is_on_the_tick(asset: str, mid: float, tick: float, side: str) -> None:
    s = _market(asset, mid)
    r = recommend_stop(side, mid * 1.01, 0.5, 8.0, state=s, n_levels=3, liquidity="static")
    assert _on(r.stop_price, tick) and _on(r.raw_stop_price, tick)
    # rounded away from the price: never nearer than the unrounded distance
    sgn = 1 if side == "long" else -1
    unrounded = mid * (1 - sgn * min(r.vol_distance, 0.8 * abs(mid - r.liq_price) / mid))
    assert sgn * (unrounded - r.raw_stop_price) >= -1e-9


def test_before_crowd_walks_toward_the_price() -> None:
    zones = [
        {"price_low": 3400.0, "price_high": 3450.0},
        {"price_low": 3449.0, "price_high": 3500.004},
    ]
    assert _before_crowd(3420.0, 1, 3700.0, zones, 0.01) == pytest.approx(3500.01, abs=1e-9)
    assert _before_crowd(3980.0, -1, 3700.0, [{"price_low": 3950.0, "price_high": 4000.0}],
                         0.01) == pytest.approx(3949.99, abs=1e-9)  # fmt: skip
    # no level between the crowd and the mid
    assert _before_crowd(3420.0, 1, 3450.0, zones, 0.01) is None


def test_a_kept_stop_offers_the_level_before_the_crowd() -> None:
    probe = _market("ETH", 3700.0)
    r0 = recommend_stop("long", 3700.0, 1.0, 5.0, state=probe, n_levels=3, liquidity="static")
    # a crowd of sell stops just above the raw stop: the walk out of it goes beyond
    crowd = r0.raw_stop_price * 1.004
    s = _market("ETH", 3700.0, crowd_at=crowd, usd=5e8)
    r = recommend_stop("long", 3700.0, 1.0, 5.0, state=s, n_levels=3, liquidity="static",
                       crowd_verdict="not supported")  # fmt: skip
    assert r.stop_choice == "raw" and r.moved_stop_price is not None
    if r.moved_crowd_side == "before":
        pytest.skip("the walk went before the crowd: no second alternative needed")
    b = r.before_crowd_price
    assert b is not None and r.stop_price < b < s.mid and _on(b, 0.01)
    j = r.summary()
    assert j["before_crowd_price"] == b
    # nearer the price: stopped out more often than the raw stop
    assert j["before_crowd_stop_out_chance"] > j["stop_out_chance"]
    assert j["before_crowd_stop_out_chance"] == pytest.approx(
        _touch(s.mid, b, r.horizon_vol), abs=1e-9
    )
    assert f"{b:,.2f}" in r.stop_choice_why and "not recommended either" in r.stop_choice_why


def test_side_is_required() -> None:
    r = run_cli("stops", "recommend", "--entry", "3700", "--size", "10", "--leverage", "10")
    assert r.exit_code == 2
    assert "missing required option: --side" in r.stderr and "Traceback" not in r.stderr
    both = run_cli("stops", "recommend", "--size", "10", "--leverage", "10")
    assert "missing required options: --side, --entry" in both.stderr
