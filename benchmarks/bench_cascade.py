"""Cascade engine speed: preparation, one cascade, a 1,000-shock fragility curve, and the
kernel's speed-up over the plain-Python reference.

Market: 1,000,000 positions, 200,000 stops, 20,000 book levels (10,000 per side),
generated with a fixed seed around a 3,000 USD mid (leverage 5-100x, entries spread
±5 %); the book is the parametric depth curve with 150 M USD within 1 %.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks._timing import best_of
from liqcascade.book import OrderBook
from liqcascade.cascade import (
    cascade_py,
    fragility_curve,
    prepare_cascade,
    simulate_cascade,
)
from liqcascade.positions._book import PositionBook, StopBook

MID = 3000.0


def _market(n_pos: int, n_stops: int, seed: int = 7) -> tuple[OrderBook, PositionBook, StopBook]:
    rng = np.random.default_rng(seed)
    book = OrderBook.parametric(MID, 150e6, beta=0.73, n_levels=10_000, max_distance=0.5)
    side = rng.choice(np.array([1, -1], np.int8), n_pos)
    lev = rng.choice(np.array([5.0, 10.0, 25.0, 50.0, 100.0]), n_pos, p=[0.3, 0.3, 0.2, 0.12, 0.08])
    entry = MID * (1 + rng.normal(0, 0.05, n_pos))
    size = rng.lognormal(0, 1.2, n_pos) * 0.2
    bkr = entry * (1 - side / lev)
    liq = entry * (1 - side / lev * 0.9)
    pos = PositionBook(side, size, entry, size * entry / lev, liq, bkr)
    sside = rng.choice(np.array([1, -1], np.int8), n_stops)
    trig = MID * (1 + sside * rng.uniform(0.002, 0.25, n_stops))
    stops = StopBook(sside, trig, rng.lognormal(0, 1, n_stops) * 0.2)
    return book, pos, stops


def run() -> list[dict[str, object]]:
    """Time preparation, one cascade, a fragility curve and the reference speed-up."""
    book, pos, stops = _market(1_000_000, 200_000)
    small = _market(1_000, 200)
    pm_small = prepare_cascade(*small)
    simulate_cascade(pm_small, shock=-0.05)  # compile / load the kernels
    fragility_curve(pm_small, shocks=np.linspace(-0.1, 0.1, 8))

    t_prep = best_of(lambda: prepare_cascade(book, pos, stops), 3)
    pm = prepare_cascade(book, pos, stops)
    r = simulate_cascade(pm, shock=-0.05)
    t_one = best_of(lambda: simulate_cascade(pm, shock=-0.05), 5)
    shocks = np.linspace(-0.20, 0.20, 1000)
    t_frag = best_of(lambda: fragility_curve(pm, shocks=shocks), 3)

    # speed-up over the reference on 100,000 positions (20,000 stops), same shock
    b2, p2, s2 = _market(100_000, 20_000, seed=8)
    pm2 = prepare_cascade(b2, p2, s2)
    r2 = simulate_cascade(pm2, shock=-0.05)
    t_kernel = best_of(lambda: simulate_cascade(pm2, shock=-0.05), 5)
    args = (
        b2.mid, b2.bid_price.tolist(), b2.bid_size.tolist(), b2.ask_price.tolist(),
        b2.ask_size.tolist(), p2.side.tolist(), p2.size.tolist(), p2.liq_price.tolist(),
        p2.bankruptcy_price.tolist(), s2.side.tolist(), s2.trigger.tolist(), s2.size.tolist(),
    )  # fmt: skip
    t0 = time.perf_counter()
    ref = cascade_py(*args, shock_price=b2.mid * 0.95)
    t_ref = time.perf_counter() - t0
    assert ref["rounds"] == r2.rounds and abs(ref["final_price"] - r2.final_price) < 1e-9
    return [
        {
            "name": "prepare 1M positions + 200k stops + 20k levels",
            "seconds": t_prep,
            "target_seconds": 1.0,
            "notes": "sort by trigger + prefix sums, both directions",
        },
        {
            "name": "one cascade (-5 %) on the prepared market",
            "seconds": t_one,
            "target_seconds": 0.02,
            "notes": f"{r.rounds} rounds, {r.n_liquidated:,} liquidations, final {r.move:.1%}",
        },
        {
            "name": "fragility curve, 1,000 shocks (-20 %..+20 %)",
            "seconds": t_frag,
            "target_seconds": 5.0,
            "notes": "numba parallel over shocks, sort reused",
        },
        {
            "name": "one cascade, 100k positions + 20k stops (kernel vs reference)",
            "seconds": t_kernel,
            "reference_seconds": t_ref,
            "notes": (
                f"{r2.rounds} rounds; reference = liqcascade.cascade.cascade_py, one run; "
                f"target speed-up >= 100x (got {t_ref / t_kernel:,.0f}x)"
            ),
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
