"""Round-number stops of any asset: the steps follow the price's decades both ways.

The stated $100/$500/$1,000 hold for entries from $1,000 to $9,999 (ETH: its stops are
exactly those of before); every decade above or below scales them by ten (BTC at
$95,000: $1,000/$5,000/$10,000; at $115,000: $10,000/$50,000/$100,000). The stop
recommender and its fill model read the same rule (one function).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.positions import round_number_step, round_steps_used
from liqcascade.positions._stops import (
    StopModelWeights,
    _round_level,
    model_stops_detailed,
    round_step_scale,
)
from liqcascade.protect import round_step
from liqcascade.protect._backtest import _round_step
from test_positions.test_stops import _book, _flat_prices


def _scale_ref(entry: float) -> float:
    """Plain-Python twin: ten to the entry's decade (from the bottom up) minus 3."""
    k = -30
    while 10.0 ** (k + 1) <= entry:
        k += 1
    return 10.0 ** (k - 3)


@given(st.lists(st.floats(1e-4, 1e7), min_size=1, max_size=50))
@example([9999.999999999998, 10_000.0, 999.9999999999999, 1000.0, 0.09999999999999999, 1e7])
def test_scale_matches_its_twin(entries: list[float]) -> None:
    got = round_step_scale(np.array(entries))
    want = np.array([_scale_ref(e) for e in entries])
    assert_same(got, want, rtol=1e-12, atol=0.0)


@given(st.floats(1000.0, 9999.0), st.integers(1, 5), st.sampled_from([1.0, -1.0]))
def test_round_levels_scale_with_the_price(entry: float, k: int, sign: float) -> None:
    # the same position k decades cheaper rests beyond the same digits
    e = np.array([entry])
    s = np.array([sign])
    for step in StopModelWeights().round_steps:
        hi = _round_level(e, step * round_step_scale(e)[0], s, 0.005)
        lo_e = e / 10.0**k
        lo = _round_level(lo_e, step * round_step_scale(lo_e)[0], s, 0.005)
        assert_same(lo * 10.0**k, hi, rtol=1e-9, atol=1e-9)


def test_eth_decade_keeps_the_stated_steps_exactly() -> None:
    # every ETH entry ($1,000 to $9,999) keeps $100/$500/$1,000, bit for bit (factor 1.0)
    eth = np.array([1000.0, 1234.5, 2500.0, 3698.39, 4868.0, 9999.99])
    assert (round_step_scale(eth) == 1.0).all()
    assert round_steps_used(eth) == [((100.0, 500.0, 1000.0), 1.0)]
    assert (round_number_step(eth) == 100.0).all()


def test_btc_steps_grow_with_the_decade() -> None:
    assert round_steps_used(np.array([95_000.0])) == [((1000.0, 5000.0, 10000.0), 1.0)]
    assert round_steps_used(np.array([115_000.0])) == [((10000.0, 50000.0, 100000.0), 1.0)]
    assert round_number_step(np.array([95_000.0, 115_000.0])).tolist() == [1000.0, 10000.0]
    # a book on both sides of $100,000 shows both sets with their shares of the weight
    used = round_steps_used(np.array([95_000.0, 115_000.0]), np.array([1.0, 3.0]))
    assert used == [((10000.0, 50000.0, 100000.0), 0.75), ((1000.0, 5000.0, 10000.0), 0.25)]


def _round_triggers(entry: float) -> tuple[np.ndarray, np.ndarray]:
    """Round-component triggers of a 1x long and a 1x short at ``entry`` (flat chart)."""
    book = _book([1, -1], [1.0, 1.0], [entry, entry], [1.0, 1.0])
    df = model_stops_detailed(book, _flat_prices(px=entry, half_range=entry * 1e-4)).to_frame()
    rnd = df[df.component == "round"]
    return np.sort(rnd[rnd.position == 0].trigger_price), np.sort(
        rnd[rnd.position == 1].trigger_price
    )


def test_eth_round_stops_are_unchanged() -> None:
    longs, shorts = _round_triggers(3698.39)
    # at least 0.5 % below 3,698.39 (3,679.90): 3,600 / 3,500 / 3,000, 0.1 % beyond
    assert_same(longs, np.sort([3600 * 0.999, 3500 * 0.999, 3000 * 0.999]), rtol=1e-12, atol=0)
    # at least 0.5 % above (3,716.88): 3,800 / 4,000 / 4,000
    assert_same(shorts, np.sort([3800 * 1.001, 4000 * 1.001, 4000 * 1.001]), rtol=1e-12, atol=0)


def test_btc_round_stops_at_95000() -> None:
    longs, shorts = _round_triggers(95_000.0)
    # steps $1,000/$5,000/$10,000; at least 0.5 % below (94,525): 94,000 / 90,000 / 90,000
    assert_same(
        longs, np.sort([94_000 * 0.999, 90_000 * 0.999, 90_000 * 0.999]), rtol=1e-12, atol=0
    )
    # at least 0.5 % above (95,475): 96,000 / 100,000 / 100,000
    want = np.sort([96_000 * 1.001, 100_000 * 1.001, 100_000 * 1.001])
    assert_same(shorts, want, rtol=1e-12, atol=0)


def test_btc_round_stops_at_115000() -> None:
    longs, shorts = _round_triggers(115_000.0)
    # steps $10,000/$50,000/$100,000; below 114,425: 110,000 / 100,000 / 100,000
    want = np.sort([110_000 * 0.999, 100_000 * 0.999, 100_000 * 0.999])
    assert_same(longs, want, rtol=1e-12, atol=0)
    # above 115,575: 120,000 / 150,000 / 200,000 (the 1x short's liquidation is ~228,900)
    want = np.sort([120_000 * 1.001, 150_000 * 1.001, 200_000 * 1.001])
    assert_same(shorts, want, rtol=1e-12, atol=0)


@given(st.floats(1e-3, 1e7, allow_nan=False), st.sampled_from([1.0, -1.0]))
def test_recommender_and_stop_model_agree_on_the_step(price: float, sign: float) -> None:
    # one rule: the recommender's step, the fill model's and the stop model's smallest
    step = round_step(price)
    assert _round_step(np.array([price]))[0] == step
    assert min(round_steps_used(np.array([price]))[0][0]) == pytest.approx(step, rel=1e-12)
    assert round_number_step(np.array([price]))[0] == step
    # every round level the stop model uses at this entry is a multiple of that step
    e, s = np.array([price]), np.array([sign])
    for base in StopModelWeights().round_steps:
        lvl = _round_level(e, base * round_step_scale(e)[0], s, 0.005)[0]
        k = lvl / step
        assert abs(k - round(k)) < 1e-6
    # a tenth of the price's power of ten, as the recommender has always read it
    assert 10 * step <= price * (1 + 1e-12)
    assert price < 100 * step * (1 + 1e-12)


def test_a_230_dollar_asset_gets_stops_beyond_its_own_round_numbers() -> None:
    book = _book([1, -1], [1.0, 1.0], [231.5, 231.5], [3.0, 3.0])
    df = model_stops_detailed(book, _flat_prices(px=231.5, half_range=0.1)).to_frame()
    longs = np.sort(df[(df.component == "round") & (df.position == 0)].trigger_price)
    # multiples of 10 / 50 / 100 at least 0.5 % below 231.5 (= 230.34): 230, 200, 200
    assert_same(longs, np.sort([230 * 0.999, 200 * 0.999, 200 * 0.999]), rtol=1e-12, atol=0)
    shorts = np.sort(df[(df.component == "round") & (df.position == 1)].trigger_price)
    # at least 0.5 % above (232.66): 240, 250, 300
    assert_same(shorts, np.sort([240 * 1.001, 250 * 1.001, 300 * 1.001]), rtol=1e-12, atol=0)


def test_btc_calibrations_load() -> None:
    # the BTC liquidity calibration regenerated with the scale-free round steps, and the
    # book calibration (which reads no modelled stops) load from the package
    from liqcascade.cascade._clock import load_liquidity
    from liqcascade.positions import load_asset_calibration

    liq = load_liquidity("BTC", store=False)
    assert liq.as_of == pd.Timestamp("2025-08-01", tz="UTC")
    assert (liq.params.latent_depth, liq.params.resilience_half_life_s) == (16.0, 600.0)
    # 2025-03's fit moved with the rule: latent depth 1.0 -> 0.5 (grid MAE 1.789 -> 1.787 pp)
    march = load_liquidity("BTC", "2025-03-15", store=False)
    assert march.params.latent_depth == 0.5
    book = load_asset_calibration("BTC", store=False)
    assert [f.month for f in book.fits] == ["2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]
