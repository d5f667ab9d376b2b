"""Stops belong to positions (hypothesis): for any book and any path, stops plus
liquidations never close more than the positions held, and nothing is counted twice."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.positions import PositionBook, StopModelWeights, model_stops_detailed
from profiles import examples


def _prices(seed: int, px: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 120
    close = px * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    close *= px / close[-1]
    high = close * (1 + rng.uniform(0, 0.01, n))
    low = close * (1 - rng.uniform(0, 0.01, n))
    idx = pd.date_range("2025-03-01", periods=n, freq="4h", tz="UTC")
    return pd.DataFrame({"open": close, "high": high, "low": low, "close": close}, index=idx)


@settings(max_examples=examples(150), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    px=st.floats(50.0, 50_000.0),
    n=st.integers(1, 30),
    share=st.floats(0.01, 1.0),
    path=st.lists(st.floats(-0.6, 0.6), min_size=1, max_size=12),
)
def test_stops_plus_liquidations_never_exceed_positions(
    seed: int, px: float, n: int, share: float, path: list[float]
) -> None:
    rng = np.random.default_rng(seed)
    prices = _prices(seed, px)
    bars = prices.index.as_unit("ms").asi8
    side = rng.choice([1, -1], n).astype(np.int8)
    entry = px * (1 + rng.uniform(-0.02, 0.02, n))
    lev = rng.choice([1.5, 2.0, 5.0, 10.0, 25.0, 50.0, 125.0], n)
    liq = np.where(side == 1, entry * (1 - 0.9 / lev), entry * (1 + 0.9 / lev))
    size = rng.uniform(0.01, 10, n)
    opened = rng.choice(np.r_[bars[20:], -1], n)
    book = PositionBook(side, size, entry, size * entry / lev, liq, liq, opened_ms=opened)
    ms = model_stops_detailed(book, prices, weights=StopModelWeights(stop_share=share))
    assert ms.positions is not None
    # the split conserves size: residual + resting stops <= held (fired stops closed the rest)
    resting = np.bincount(ms.position[ms.position >= 0], weights=ms.stops.size[ms.position >= 0],
                          minlength=n)  # fmt: skip
    resid = np.bincount(ms.residual_parent, weights=ms.positions.size, minlength=n)
    assert np.all(resting + resid <= size * (1 + 1e-9))
    # each position keeps as a position its whole size (no valid stop level) or the
    # share it did not put on stops
    kept = resid / size
    assert np.all(np.isclose(kept, 1.0, rtol=1e-9) | np.isclose(kept, 1.0 - share, atol=1e-9))
    # any path (running low / high from the last close): closed <= held, per position
    last = float(prices["close"].iloc[-1])
    moves = last * np.exp(np.cumsum(np.asarray(path)))
    lo, hi = min(last, float(moves.min())), max(last, float(moves.max()))
    closed = ms.closed_by_parent(lo, hi)
    assert np.all(closed <= size * (1 + 1e-9))
    assert closed.sum() <= size.sum() * (1 + 1e-9)
    # a path through every trigger closes each position's resting stops and residual exactly
    everything = ms.closed_by_parent(0.0, np.inf)
    assert np.allclose(everything, resting + resid, rtol=1e-12, atol=1e-15)
