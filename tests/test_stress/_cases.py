"""Small generated markets for the stress kernel tests."""

from __future__ import annotations

import numpy as np

from liqcascade.book._orderbook import OrderBook
from liqcascade.positions._book import PositionBook, StopBook
from liqcascade.stress import StressBook, stress_book


def random_book(rng: np.random.Generator, n_pos: int = 40, n_stops: int = 20) -> StressBook:
    """A book around mid 100: positions and stops within ±35 %, 60 bid and ask levels."""
    mid = 100.0
    side = rng.choice(np.array([1, -1], dtype=np.int8), size=n_pos)
    liq = np.where(side > 0, mid * (1 - rng.uniform(0.005, 0.35, n_pos)), 0.0)
    liq = np.where(side < 0, mid * (1 + rng.uniform(0.005, 0.35, n_pos)), liq)
    size = rng.uniform(0.5, 20.0, n_pos)
    pos = PositionBook(
        side=side,
        size=size,
        entry_price=np.full(n_pos, mid),
        margin=size * mid * 0.1,
        liq_price=liq,
        bankruptcy_price=liq,
    )
    sside = rng.choice(np.array([1, -1], dtype=np.int8), size=n_stops)
    trig = np.where(sside < 0, mid * (1 - rng.uniform(0.005, 0.3, n_stops)), 0.0)
    trig = np.where(sside > 0, mid * (1 + rng.uniform(0.005, 0.3, n_stops)), trig)
    stops = StopBook(side=sside, trigger=trig, size=rng.uniform(0.5, 10.0, n_stops))
    k = np.arange(1, 61)
    book = OrderBook(
        mid=mid,
        bid_price=mid * (1 - 0.005 * k),
        bid_size=rng.uniform(5.0, 40.0, k.size),
        ask_price=mid * (1 + 0.005 * k),
        ask_size=rng.uniform(5.0, 40.0, k.size),
    )
    return stress_book(pos, stops, book)
