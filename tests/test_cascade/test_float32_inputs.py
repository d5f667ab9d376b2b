"""float32 inputs give the cascade of the decimals they print as (the library trial of session 23).

``shock=np.float32(-0.05)`` is -0.05000000074505806 when cast as it is: on BTC's book at
2025-07-31 that moved the final price by one book level (109,049.76 against 109,064.23);
float32 position frames likewise. Numbers enter through the number checks
(:func:`liqcascade._limits.real_number`, :func:`~liqcascade._limits.real_array`), which
read a float32 as its shortest decimal (:func:`~liqcascade._limits.widen`): float32 and
float64 inputs of the same decimals agree within 1e-9 relative.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from liqcascade import simulate_cascade
from liqcascade._limits import real_array, real_number, widen
from liqcascade.book import OrderBook
from liqcascade.positions import PositionBook

RTOL = 1e-9
KEYS = ("final_price", "shock_price", "liquidated_long_usd", "stops_sell_usd", "bad_debt_usd")


@pytest.fixture(scope="module")
def btc() -> Any:
    from liqcascade.market import MarketSpec, estimated_market

    return estimated_market(MarketSpec("BTC", "2025-07-31"))


def _same(a: Any, b: Any) -> None:
    sa, sb = a.summary(), b.summary()
    for k in KEYS:
        assert sa[k] == pytest.approx(sb[k], rel=RTOL, abs=1e-6), k
    assert sa["n_liquidated"] == sb["n_liquidated"]
    assert sa["rounds"] == sb["rounds"]


def test_a_float32_shock_is_the_shock_it_prints_as(btc: Any) -> None:
    want = simulate_cascade(btc.book, btc.positions, btc.stops, shock=-0.05)
    got = simulate_cascade(btc.book, btc.positions, btc.stops, shock=np.float32(-0.05))
    _same(got, want)
    got16 = simulate_cascade(btc.book, btc.positions, btc.stops, shock=np.float16(-0.05))
    _same(got16, want)


def _frame32(book: PositionBook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The book's frame in float32, and in float64 of the same decimals."""
    df = book.to_frame()
    cols = [c for c in ("size", "entry_price", "margin", "liq_price", "bankruptcy_price")
            if c in df.columns]  # fmt: skip
    f32 = df.astype(dict.fromkeys(cols, np.float32))
    f64 = f32.astype({c: str for c in cols}).astype(dict.fromkeys(cols, np.float64))
    return f32, f64


def test_float32_position_frames_agree_with_float64_of_the_same_decimals() -> None:
    rng = np.random.default_rng(0)
    mid, n = 115764.08, 400
    side = rng.choice(["long", "short"], n)
    lev = rng.choice([5.0, 10.0, 20.0, 50.0], n)
    entry = mid * (1 + rng.normal(0, 0.02, n))
    size = rng.uniform(0.1, 5, n)
    sgn = np.where(side == "long", 1, -1)
    liq = entry * (1 - sgn * (1 / lev - 0.005))
    df = pd.DataFrame({"side": side, "size": size, "entry_price": entry,
                       "margin": size * entry / lev, "liq_price": liq,
                       "bankruptcy_price": entry * (1 - sgn / lev)})  # fmt: skip
    f32, f64 = _frame32(PositionBook.from_frame(df, symbol="BTCUSDT"))
    book = OrderBook.parametric(mid, 30e6, beta=0.73)
    for shock in (-0.03, -0.05, -0.08, 0.05):
        want = simulate_cascade(book, PositionBook.from_frame(f64, symbol="BTCUSDT"), shock=shock)
        got = simulate_cascade(book, PositionBook.from_frame(f32, symbol="BTCUSDT"), shock=shock)
        _same(got, want)


def test_the_number_checks_read_float32_as_its_decimal() -> None:
    assert real_number(np.float32(-0.05)) == -0.05
    assert real_number(np.array(0.1, dtype=np.float32)) == 0.1
    assert real_number(np.float64(0.1)) == 0.1  # float64 as it is
    got = real_array(np.array([0.1, 109064.23, np.nan], dtype=np.float32), "x", finite=False)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got[:2], [0.1, 109064.23])
    assert np.isnan(got[2])
    assert widen(np.array([3, 4], dtype=np.int32)).tolist() == [3.0, 4.0]
    ob = OrderBook(100.0, np.array([99.9], np.float32), [1.0], np.array([100.1], np.float32), [1.0])
    assert ob.bid_price[0] == 99.9 and ob.ask_price[0] == 100.1
