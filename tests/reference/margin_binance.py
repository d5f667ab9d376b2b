"""Independent plain-Python references for the margin maths (no liqcascade imports).

The Binance liquidation price is found by bisection on
``f(P) = equity(P) - maintenance(P)``, which is monotone in P (increasing for a
long, decreasing for a short, because maintenance grows more slowly than the
position's P&L), then refined by the closed form of the tier the root lies in.
This does not use the tier re-evaluation iteration of the kernel at all.
"""

from __future__ import annotations

# Binance ETHUSDT brackets, 2024-10-24 (docs/design.md): floor, cap, max leverage, mmr, cum.
ETH_TIERS: list[tuple[float, float, float, float, float]] = [
    (0, 50e3, 125, 0.004, 0),
    (50e3, 600e3, 100, 0.005, 50),
    (600e3, 3e6, 75, 0.0065, 950),
    (3e6, 12e6, 50, 0.01, 11_450),
    (12e6, 50e6, 25, 0.02, 131_450),
    (50e6, 65e6, 20, 0.025, 381_450),
    (65e6, 150e6, 10, 0.05, 2_006_450),
    (150e6, 320e6, 5, 0.10, 9_506_450),
    (320e6, 400e6, 4, 0.125, 17_506_450),
    (400e6, 530e6, 3, 0.15, 27_506_450),
    (530e6, 800e6, 2, 0.25, 80_506_450),
    (800e6, 1.2e9, 1, 0.50, 280_506_450),
]


def tier_of(notional: float, tiers=ETH_TIERS) -> int:
    k = 0
    for j, t in enumerate(tiers):
        if t[0] <= notional:
            k = j
    return k


def maintenance(notional: float, tiers=ETH_TIERS) -> float:
    t = tiers[tier_of(notional, tiers)]
    return notional * t[3] - t[4]


def equity(side: int, size: float, entry: float, margin: float, price: float) -> float:
    return margin + side * size * (price - entry)


def binance_liq_ref(side: int, size: float, entry: float, margin: float, tiers=ETH_TIERS):
    """(liq_price, tier) by bisection on equity - maintenance, then the tier's closed form."""

    def f(p: float) -> float:
        return equity(side, size, entry, margin, p) - maintenance(size * p, tiers)

    if side > 0:
        if f(0.0) >= 0:
            return 0.0, 0
        lo, hi = 0.0, entry
        while f(hi) < 0:
            hi *= 2
    else:
        lo, hi = entry, 2 * entry
        while f(hi) > 0:
            hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if (fm < 0) == (side > 0):
            lo = mid
        else:
            hi = mid
    p = 0.5 * (lo + hi)
    k = tier_of(size * p, tiers)
    t = tiers[k]
    exact = (margin + t[4] - side * size * entry) / (size * t[3] - side * size)
    return exact, k


def bybit_liq_ref(side: int, size: float, entry: float, leverage: float, mmr: float) -> float:
    im = entry * size / leverage
    mm = entry * size * mmr
    return entry - side * (im - mm) / size
