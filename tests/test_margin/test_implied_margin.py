"""``margin.implied_margin``: the margin a stated liquidation price implies, per venue.

The closed form ``m = s·q·(EP − LP) + MM(LP)`` inverts each venue's liquidation
formula; checked by hand, round-tripped through ``margin.liq_price`` on random positions
(every tier of the packaged tables), and against its plain-Python twin
(``implied_margin_reference``: scipy's brentq on the forward formula).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.errors import InputError
from liqcascade.margin import implied_margin, implied_margin_reference, liq_price
from profiles import examples

#: Round trips agree within this relative tolerance (float64 arithmetic of a few terms).
RTOL = 1e-9

VENUES = ("binance", "bybit", "hyperliquid")


def test_binance_tier_zero_by_hand() -> None:
    # ETHUSDT tier 0 (MMR 0.4 %, cum 0): a 10 ETH long at 3,700 liquidated at 3,400 needs
    # m = 10·(3,700 − 3,400) + 10·3,400·0.004 = 3,000 + 136 = 3,136 USD
    m = implied_margin("binance", 1, 10.0, 3700.0, 3400.0, symbol="ETHUSDT")
    assert m[0] == pytest.approx(3136.0, rel=1e-12)
    # a short at 4,000: 10·(4,000 − 3,700) + 10·4,000·0.004 = 3,160
    m = implied_margin("binance", -1, 10.0, 3700.0, 4000.0, symbol="ETHUSDT")
    assert m[0] == pytest.approx(3160.0, rel=1e-12)


def test_bybit_and_hyperliquid_by_hand() -> None:
    # Bybit: maintenance on the entry value, 1·20,000·0.005 = 100: m = 300 + 100
    assert implied_margin("bybit", 1, 1.0, 20_000.0, 19_700.0)[0] == pytest.approx(400.0)
    # Hyperliquid ETH (25x max: l = 1/50): m = 2,000 − 1,836.7347 + 1,836.7347/50 = 200
    m = implied_margin("hyperliquid", 1, 1.0, 2000.0, 1836.734693877551, symbol="ETH")
    assert m[0] == pytest.approx(200.0, rel=1e-12)


def test_a_long_never_liquidated_gets_a_one_x_margin() -> None:
    # the least margin whose price is 0: the whole notional (tier 0's cum is 0)
    m = implied_margin("binance", 1, 2.0, 3000.0, 0.0)
    assert m[0] == pytest.approx(6000.0)
    assert liq_price("binance", 1, 2.0, 3000.0, m).liq_price[0] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("venue", VENUES)
@pytest.mark.parametrize("symbol", ["ETHUSDT", "BTCUSDT", "SOLUSDT"])
def test_round_trip_on_random_positions(venue: str, symbol: str) -> None:
    """liq_price(implied_margin(LP)) == LP and implied_margin(liq_price(m)) == m."""
    rng = np.random.default_rng(7)
    n = 400
    side = rng.choice([-1, 1], n)
    entry = rng.uniform(10.0, 150_000.0, n)
    size = np.exp(rng.uniform(np.log(1e3), np.log(4e8), n)) / entry  # every Binance tier
    lev = rng.uniform(1.1, 20.0, n)
    margin = size * entry / lev
    lp = liq_price(venue, side, size, entry, margin, symbol=symbol).liq_price
    live = lp > 0  # a long floored at 0 has many margins: its least one is checked above
    assert live.sum() > n // 2
    m = implied_margin(venue, side, size, entry, lp, symbol=symbol)
    np.testing.assert_allclose(m[live], margin[live], rtol=RTOL)
    back = liq_price(venue, side, size, entry, m, symbol=symbol).liq_price
    np.testing.assert_allclose(back[live], lp[live], rtol=RTOL)


@pytest.mark.parametrize("venue", VENUES)
def test_closed_form_matches_the_brentq_twin(venue: str) -> None:
    rng = np.random.default_rng(11)
    n = 40
    side = rng.choice([-1, 1], n)
    entry = rng.uniform(100.0, 120_000.0, n)
    size = np.exp(rng.uniform(np.log(1e3), np.log(2e8), n)) / entry
    far = rng.uniform(0.01, 0.6, n)
    lp = entry * (1 - side * far)  # on the right side of the entry
    fast = implied_margin(venue, side, size, entry, lp, symbol="BTCUSDT")
    slow = implied_margin_reference(venue, side, size, entry, lp, symbol="BTCUSDT")
    np.testing.assert_allclose(fast, slow, rtol=1e-8)


@settings(max_examples=examples(120), deadline=None)
@given(
    st.sampled_from(VENUES),
    st.sampled_from([-1, 1]),
    st.floats(1e3, 1e8),  # notional at entry, USD
    st.floats(0.005, 0.9),  # near
    st.floats(0.0, 0.5),  # how much farther
)
def test_a_farther_price_implies_more_margin(
    venue: str, side: int, notional: float, near: float, extra: float
) -> None:
    entry = 3000.0
    q = notional / entry
    far = min(near + extra, 0.999)
    lps = entry * (1 - side * np.array([near, far]))
    m = implied_margin(venue, side, q, entry, lps)
    assert m[0] > 0
    assert m[1] >= m[0] * (1 - 1e-12)


def test_a_stated_price_at_the_entry_gives_no_positive_margin_beyond_maintenance() -> None:
    # at the entry the margin is the maintenance alone; beyond it the formula goes below
    at = implied_margin("binance", 1, 1.0, 3000.0, 3000.0)[0]
    assert at == pytest.approx(3000.0 * 0.004)
    beyond = implied_margin("binance", 1, 1.0, 3000.0, 3100.0)[0]
    assert beyond < 0
    assert np.isnan(implied_margin_reference("binance", 1, 1.0, 3000.0, 3100.0)[0])


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_a_bad_liquidation_price_is_refused(bad: float) -> None:
    with pytest.raises(InputError, match=r"liq_price\[0\] must be finite and >= 0") as e:
        implied_margin("binance", 1, 1.0, 3000.0, bad)
    assert e.value.param == "liq_price"
