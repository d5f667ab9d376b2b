"""Stop model properties on random books (hypothesis): sides, validity, conservation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.positions import BUY, SELL, PositionBook, StopModelWeights, model_stops_detailed


def _prices(seed: int, px: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 120
    close = px * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    close *= px / close[-1]
    high = close * (1 + rng.uniform(0, 0.01, n))
    low = close * (1 - rng.uniform(0, 0.01, n))
    idx = pd.date_range("2025-03-01", periods=n, freq="4h", tz="UTC")
    return pd.DataFrame({"open": close, "high": high, "low": low, "close": close}, index=idx)


@given(
    seed=st.integers(0, 10_000),
    px=st.floats(50.0, 50_000.0),
    n=st.integers(1, 30),
    w=st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4).filter(lambda v: sum(v) > 0.01),
    share=st.floats(0.05, 1.0),
)
def test_stop_model_properties(seed: int, px: float, n: int, w: list[float], share: float) -> None:
    rng = np.random.default_rng(seed)
    prices = _prices(seed, px)
    bars = prices.index.as_unit("ms").asi8
    side = rng.choice([1, -1], n).astype(np.int8)
    entry = px * (1 + rng.uniform(-0.02, 0.02, n))
    lev = rng.choice([2.0, 5.0, 10.0, 25.0, 50.0, 125.0], n)
    liq = np.where(side == 1, entry * (1 - 0.9 / lev), entry * (1 + 0.9 / lev))
    size = rng.uniform(0.01, 10, n)
    opened = rng.choice(np.r_[bars[20:], -1], n)
    book = PositionBook(side, size, entry, size * entry / lev, liq, liq, opened_ms=opened)
    tot = sum(w)
    weights = StopModelWeights(
        fixed=w[0] / tot,
        round=w[1] / tot,
        swing=w[2] / tot,
        atr=1 - (w[0] + w[1] + w[2]) / tot,
        stop_share=share,
    )
    ms = model_stops_detailed(book, prices, weights=weights)
    st_, pos = ms.stops, ms.position
    lg = book.side[pos] == 1
    assert np.all(st_.side[lg] == SELL) and np.all(st_.side[~lg] == BUY)
    assert np.all(st_.trigger[lg] < book.entry_price[pos][lg])
    assert np.all(st_.trigger[lg] > book.liq_price[pos][lg])
    assert np.all(st_.trigger[~lg] > book.entry_price[pos][~lg])
    assert np.all(st_.trigger[~lg] < book.liq_price[pos][~lg])
    # never more than stop_share of a position on stops
    per = np.bincount(pos, weights=st_.size, minlength=n)
    assert np.all(per <= share * size * (1 + 1e-9))
    # not-yet-fired stops only: sell stops below the last close, buy stops above it
    last = float(prices["close"].iloc[-1])
    assert np.all(st_.trigger[st_.side == SELL] < last)
    assert np.all(st_.trigger[st_.side == BUY] > last)
    # a component with zero weight contributes nothing
    for k, wk in enumerate(weights.component_weights()):
        if wk == 0:
            assert not np.any(ms.component == k)


def _swing_reference(entry, sign, bar, low, high, w) -> list[float]:
    """Plain Python: scan the pivots in each position's window, keep the nearest."""
    n = len(low)
    k = w.swing_width
    out = []
    for e, s, b in zip(entry.tolist(), sign.tolist(), bar.tolist(), strict=True):
        best = float("nan")
        for j in range(max(k, b - w.swing_lookback), min(b - k, n - 1 - k) + 1):
            win_l = low[j - k : j + k + 1]
            win_h = high[j - k : j + k + 1]
            if s > 0 and low[j] <= min(win_l) and low[j] < min(low[j - k : j]):
                if low[j] <= e * (1 - w.min_distance) and not (best >= low[j]):
                    best = float(low[j])
            if s < 0 and high[j] >= max(win_h) and high[j] > max(high[j - k : j]):
                if high[j] >= e * (1 + w.min_distance) and not (best <= high[j]):
                    best = float(high[j])
        out.append(best)
    return out


@given(seed=st.integers(0, 10_000), n=st.integers(1, 40), width=st.integers(1, 4))
def test_swing_levels_equal_reference(seed: int, n: int, width: int) -> None:
    from liqcascade.positions._stops import _swing_for_groups

    rng = np.random.default_rng(seed)
    nb = 90
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, nb)))
    low = np.round(close * (1 - rng.uniform(0, 0.02, nb)), 1)  # rounding: ties happen
    high = np.round(close * (1 + rng.uniform(0, 0.02, nb)), 1)
    w = StopModelWeights(swing_width=width, swing_lookback=int(rng.integers(5, 50)))
    bar = rng.integers(0, nb, n)
    sign = rng.choice([1.0, -1.0], n)
    entry = close[bar] * (1 + rng.normal(0, 0.03, n))
    got = _swing_for_groups(entry, sign, bar, low, high, w)
    ref = _swing_reference(entry, sign, bar, low, high, w)
    assert_same(got, np.asarray(ref))
