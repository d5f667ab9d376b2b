"""Invariants of the stop recommendation over random positions (hypothesis, real ETH state).

Checked against ``protect/_recommend.py``'s documented geometry: the raw stop lies
``min(k·σ_H, max_liq_fraction · |mid − liq| / mid)`` from the mid (on the tick);
de-clustering moves it to a zone edge that stays strictly between the mid and that
bound. So the stop always lies between the mid and the liquidation price, never more
than ``max_liq_fraction`` of the way. In leverage: the liquidation price comes closer to
entry and the raw stop closer to the mid as leverage grows. The *final* stop is not
monotone in leverage by design (a zone can push a tighter raw stop outward, toward its
bound), so only its bound is asserted.
The ATR volatility source keeps each example fast; the geometry does not depend on it.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from liqcascade.cascade import MarketState, market_state
from liqcascade.errors import InputError
from liqcascade.protect import RecommendSettings, liquidation_price, recommend_stop, vol_distance
from profiles import examples


@pytest.fixture(scope="module")
def state() -> MarketState:
    return market_state("ETH")


def _valid(sd: int, entry: float, size: float, lev: float, mid: float) -> bool:
    """A position the venue allows (leverage within its notional tier) and that the
    market at ``mid`` has not liquidated already."""
    try:
        liq = liquidation_price(sd, entry, size, lev)
    except InputError:
        return False
    return sd * (mid - liq) > 0 and (sd < 0 or liq < entry)


@settings(max_examples=examples(25), deadline=None)
@given(
    side=st.sampled_from(["long", "short"]),
    rel_entry=st.floats(0.97, 1.03),
    size=st.floats(0.01, 300.0),
    lev_a=st.floats(1.2, 100.0),
    lev_b=st.floats(1.2, 100.0),
    k=st.floats(0.2, 4.0),
)
def test_stop_between_mid_and_liquidation_and_raw_stop_monotone_in_leverage(
    state: MarketState, side: str, rel_entry: float, size: float, lev_a: float, lev_b: float,
    k: float,
) -> None:  # fmt: skip
    sd = 1 if side == "long" else -1
    entry = state.mid * rel_entry
    lo, hi = sorted((lev_a, lev_b))
    assume(hi > lo * 1.01)
    assume(_valid(sd, entry, size, lo, state.mid) and _valid(sd, entry, size, hi, state.mid))
    s = RecommendSettings(vol_source="atr", k=k)
    dist_v, _ = vol_distance(state.asset, state.close_time, s)
    recs = [
        recommend_stop(
            side, entry, size, lev, state=state, settings=s, n_levels=1, liquidity="static"
        )
        for lev in (lo, hi)
    ]
    mid, tick = state.mid, 0.01  # the stop is laid off from the mid, on ETHUSDT's tick
    for r in recs:
        liq_d = abs(mid - r.liq_price) / mid if r.liq_price > 0 else 1.0
        cap = s.max_liq_fraction * liq_d
        # the raw stop: the volatility distance from the mid, capped short of liquidation
        want = mid * (1 - sd * min(dist_v, cap))
        assert r.raw_stop_price == pytest.approx(want, abs=tick * (1 + 1e-6))
        # the stop: strictly between the mid and the liquidation price ...
        assert sd * (mid - r.stop_price) > 0
        assert sd * (r.stop_price - r.liq_price) > 0
        # ... and never beyond max_liq_fraction of the way
        assert abs(mid - r.stop_price) <= cap * mid * (1 + 1e-9)
        assert r.distance == pytest.approx(abs(mid - r.stop_price) / mid, rel=1e-12)
    a, b = recs
    # higher leverage: liquidation closer to entry, the raw stop closer to the mid
    assert abs(entry - b.liq_price) <= abs(entry - a.liq_price) * (1 + 1e-12)
    assert abs(mid - b.raw_stop_price) <= abs(mid - a.raw_stop_price) + tick * (1 + 1e-6)
    if b.liq_price > 0 and a.liq_price > 0:  # an isolated position's loss is its margin
        assert abs(entry - b.liq_price) < abs(entry - a.liq_price)
