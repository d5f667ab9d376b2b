"""Collateral loop: the oct-2025 preset (850 accounts x 1,440 minutes x 4 assets)."""

from __future__ import annotations

from benchmarks._timing import best_of


def run() -> list[dict]:
    from liqcascade import datasets
    from liqcascade.collateral import (
        ETH_BARS,
        prepare,
        preset_config,
        scenario_of,
        simulate_collateral,
    )

    cfg = preset_config("oct-2025")
    sc = scenario_of(cfg, "oct-2025")
    _, setup, path = prepare(
        cfg,
        "oct-2025",
        datasets.load(ETH_BARS[sc.eth_bars]),
        {"USDE": datasets.load_ohlcv("USDE", "1m")},
    )

    def loop() -> None:
        simulate_collateral(setup, path)

    loop()  # compile
    return [
        {
            "name": "collateral oct-2025 loop (850 accounts, 1,440 minutes, 4 assets)",
            "seconds": best_of(loop, 3),
            "target_seconds": 1.0,
            "repeats": 3,
            "notes": "numba kernel; own-book pricing",
        }
    ]
