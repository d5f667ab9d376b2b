"""Contagion: the 2025-10-10 preset (3 venues + Aave) and an isolated-venue world vs the engine."""

from __future__ import annotations

import time

import numpy as np

from benchmarks._timing import best_of


def run() -> list[dict]:
    from liqcascade.cascade import simulate_cascade
    from liqcascade.contagion import Link, oct_2025, simulate_contagion

    rows: list[dict] = []
    t0 = time.perf_counter()
    setup = oct_2025()
    build = time.perf_counter() - t0
    rows.append(
        {
            "name": "contagion oct-2025 preset build (3 estimated venues + Aave snapshot)",
            "seconds": build,
            "repeats": 1,
            "notes": "position estimate, calibrated books, Aave snapshot; first call in process",
        }
    )

    def replay() -> None:
        simulate_contagion(setup.venues, setup.links, setup.lending,
                           shock_venue="binance", shock=-0.12)  # fmt: skip

    replay()
    rows.append(
        {
            "name": "contagion oct-2025 run, -12 % on Binance (3 venues, 1,881 Aave accounts)",
            "seconds": best_of(replay, 3),
            "target_seconds": 2.0,
            "repeats": 3,
            "notes": "one-round cascade kernel calls + Python arbitrage crossing",
        }
    )
    links0 = [
        Link(a.name, b.name, 0.0, 0.0) for a, b in zip(setup.venues, setup.venues[1:], strict=False)
    ]

    def isolated() -> None:
        simulate_contagion(setup.venues, links0, shock_venue="binance", shock=-0.12)

    def engine() -> None:
        for v in setup.venues:
            kw = {"shock": -0.12} if v.name == "binance" else {"shock_price": v.book.mid}
            simulate_cascade(v.book, v.positions, v.stops, **kw)  # type: ignore[arg-type]

    isolated()
    engine()
    rows.append(
        {
            "name": "contagion capacity 0 (3 venues) vs 3 x simulate_cascade",
            "seconds": best_of(isolated, 3),
            "reference_seconds": best_of(engine, 3),
            "repeats": 3,
            "notes": "reference = the single-venue engine on each venue (identical results); "
            "the overhead is one kernel call per round plus sorting per venue",
        }
    )
    _ = np
    return rows
