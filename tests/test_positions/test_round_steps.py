"""Round-number stops of any asset: the steps follow the price's decades below $1,000."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.positions._stops import (
    ROUND_STEP_PRICE,
    StopModelWeights,
    _round_level,
    model_stops_detailed,
    round_step_scale,
)
from test_positions.test_stops import _book, _flat_prices


def _scale_ref(entry: float) -> float:
    """Plain-Python twin: divide by ten per decade below $1,000."""
    f, x = 1.0, entry
    while x < ROUND_STEP_PRICE:
        x *= 10.0
        f /= 10.0
    return f


@given(st.lists(st.floats(1e-4, 1e7), min_size=1, max_size=50))
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


def test_prices_from_1000_up_keep_the_stated_steps() -> None:
    assert (round_step_scale(np.array([1000.0, 3743.0, 115_000.0])) == 1.0).all()


def test_a_230_dollar_asset_gets_stops_beyond_its_own_round_numbers() -> None:
    book = _book([1, -1], [1.0, 1.0], [231.5, 231.5], [3.0, 3.0])
    df = model_stops_detailed(book, _flat_prices(px=231.5, half_range=0.1)).to_frame()
    longs = np.sort(df[(df.component == "round") & (df.position == 0)].trigger_price)
    # multiples of 10 / 50 / 100 at least 0.5 % below 231.5 (= 230.34): 230, 200, 200
    assert_same(longs, np.sort([230 * 0.999, 200 * 0.999, 200 * 0.999]), rtol=1e-12, atol=0)
    shorts = np.sort(df[(df.component == "round") & (df.position == 1)].trigger_price)
    # at least 0.5 % above (232.66): 240, 250, 300
    assert_same(shorts, np.sort([240 * 1.001, 250 * 1.001, 300 * 1.001]), rtol=1e-12, atol=0)
