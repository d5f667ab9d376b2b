"""Liquidation prices for 1,000,000 positions (Binance tiers, Bybit, Hyperliquid)."""

from __future__ import annotations

import numpy as np

from benchmarks._scale import scaled
from benchmarks._timing import best_of
from liqcascade.margin import (
    binance_liq_price,
    bybit_liq_price,
    hyperliquid_liq_price,
    load_tiers,
)
from liqcascade.margin._kernels import binance_liq_kernel_py, empty_outputs

N = 1_000_000
N_REF = 20_000


def _book(n: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    side = rng.choice(np.array([-1, 1], dtype=np.int8), n)
    entry = rng.uniform(1500, 4500, n)
    notional = np.exp(rng.uniform(np.log(100), np.log(5e8), n))  # spans every tier
    size = notional / entry
    top = load_tiers("ETHUSDT").max_leverage_at(notional)
    lev = 1 + rng.uniform(0, 1, n) * (top - 1)
    return side, size, entry, size * entry / lev


def run() -> list[dict]:
    n, n_ref = scaled(N, 2_000), scaled(N_REF, 200)
    s, q, ep, m = _book(n)
    binance_liq_price(s[:10], q[:10], ep[:10], m[:10])  # compile / load the numba cache
    t_bin = best_of(lambda: binance_liq_price(s, q, ep, m), 5)

    t = load_tiers("ETHUSDT")
    rs, rq, rep, rm = s[:n_ref], q[:n_ref], ep[:n_ref], m[:n_ref]

    def ref() -> None:
        binance_liq_kernel_py(
            rs, rq, rep, rm, t.notional_floor, t.mmr, t.cum, *empty_outputs(n_ref)
        )

    t_ref = best_of(ref, repeats=2) * (N / n_ref)
    t_bybit = best_of(lambda: bybit_liq_price(s, q, ep, m), 5)
    t_hl = best_of(lambda: hyperliquid_liq_price(s, q, ep, m, "ETH"), 5)
    return [
        {
            "name": "binance_liq_price, 1,000,000 positions, ETHUSDT tiers",
            "seconds": t_bin,
            "target_seconds": 0.5,
            "reference_seconds": t_ref,
            "notes": (
                f"includes input checks and result arrays; pure-Python twin timed on "
                f"{N_REF:,} positions and scaled x{N // N_REF} "
                f"(speed-up {t_ref / t_bin:,.0f}x)"
            ),
        },
        {
            "name": "bybit_liq_price, 1,000,000 positions",
            "seconds": t_bybit,
            "target_seconds": 0.5,
            "notes": "numpy, closed form",
        },
        {
            "name": "hyperliquid_liq_price, 1,000,000 positions",
            "seconds": t_hl,
            "target_seconds": 0.5,
            "notes": "numpy, closed form",
        },
    ]
