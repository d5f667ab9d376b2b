"""Small generated multi-venue cases shared by the contagion tests."""

from __future__ import annotations

import numpy as np

from liqcascade.book import OrderBook
from liqcascade.contagion import Venue
from liqcascade.positions import PositionBook, StopBook


def random_venue(
    name: str, mid: float, rng: np.random.Generator, n: int = 40, d1: float = 2e6, levels: int = 400
) -> Venue:
    """A parametric book and random isolated positions (liq/bankruptcy from leverage)."""
    ob = OrderBook.parametric(mid, d1, d1 * rng.uniform(0.7, 1.3), n_levels=levels)
    side = rng.choice([1, -1], n).astype(np.int8)
    size = rng.uniform(1, 100, n)
    ep = mid * rng.uniform(0.95, 1.05, n)
    lev = rng.uniform(5, 50, n)
    margin = size * ep / lev
    liq = np.where(side == 1, ep * (1 - 1 / lev + 0.005), ep * (1 + 1 / lev - 0.005))
    bkr = np.where(side == 1, ep - margin / size, ep + margin / size)
    m = 6
    stops = StopBook(
        np.array(rng.choice([1, -1], m), np.int8),
        mid * rng.uniform(0.9, 1.1, m),
        rng.uniform(1, 50, m),
    )
    return Venue(name, ob, PositionBook(side, size, ep, margin, liq, bkr), stops)
