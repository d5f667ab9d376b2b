"""The collateral loop on flat arrays (numba); the plain-Python twin is :mod:`._reference`.

One clock of ``T`` minutes. Each minute ``t``:

1. top-ups due at ``t`` arrive (USD into the account's balance);
2. every collateral asset ``j`` is valued at
   ``index = fair[t, j] · (w[j] · book[j] + 1 − w[j]) · nav_scale[t, j]`` with
   ``book[j] = max(floor[j], 1 − I[j] · mult[t, j])`` (price / fair on its own book);
3. every open account with an ETH position is checked:
   ``uniMMR = (Σ_j tiered(qty · index) + usdt + size · (eth − entry)) / (|size| · eth · mmr)``;
   at ``uniMMR <= threshold`` it is liquidated: the ETH position closes at ``eth[t]``
   and collateral is queued for sale on its own book (all of it, or what covers the
   negative balance, valued at the book price);
4. each asset's queue is sold up to its liquidators' capacity; the sale moves its
   impact ``I[j] += sold_usd_at_fair / depth[j]`` and the minute's book ratio is recorded;
5. the impact decays: ``I[j] *= decay[t, j]`` (resilience).

``nav_scale`` is 1 except under ``nav`` pricing, where it is the issuer NAV's clamp over
fair value (``clip(fair, nav_floor, nav_cap) / fair``): it moves what the margin counts,
never the own book's price (the market's, around fair value).

Units: prices USD; ``qty`` in units worth 1 USD of fair value at the start; ``depth``
USD per unit of fractional impact (100 × the USD that moves the book 1 %).
"""

from __future__ import annotations

import numpy as np

from liqcascade._numba import njit


@njit
def tiered_value_kernel(value: float, hi: np.ndarray, ratio: np.ndarray) -> float:
    """Tax-bracket value: ``Σ_k ratio[k] · (min(value, hi[k]) − hi[k−1])^+``."""
    out = 0.0
    lo = 0.0
    for k in range(hi.shape[0]):
        if value <= lo:
            break
        top = value if value < hi[k] else hi[k]
        out += ratio[k] * (top - lo)
        lo = hi[k]
    return out


@njit
def collateral_loop_kernel(
    eth: np.ndarray,  # (T,)
    fair: np.ndarray,  # (T, J)
    w: np.ndarray,  # (J,)
    mult: np.ndarray,  # (T, J)
    decay: np.ndarray,  # (T, J)
    floor: np.ndarray,  # (J,)
    depth: np.ndarray,  # (J,)
    cap_usd: np.ndarray,  # (J,)
    regime: np.ndarray,  # (T, J) int
    tier_hi: np.ndarray,  # (J, R, K)
    tier_ratio: np.ndarray,  # (J, R, K)
    size0: np.ndarray,  # (A,)
    entry: np.ndarray,  # (A,)
    usdt0: np.ndarray,  # (A,)
    qty0: np.ndarray,  # (A, J)
    mmr: np.ndarray,  # (A,)
    topup_usd: np.ndarray,  # (A,)
    topup_at: np.ndarray,  # (A,) int minute (>= T: never)
    threshold: float,
    sell_all: bool,
    nav_scale: np.ndarray,  # (T, J)
) -> tuple[np.ndarray, ...]:
    """Run the loop.

    Returns ``liq_t, book_path, index_path, sold_units, sold_usd, eth_sold_usd, pending,
    usdt`` (``usdt``: each account's USD balance at the end, USD; a liquidated account's
    collateral is credited at the book price of the minute it is queued).
    """
    n_t = eth.shape[0]
    n_j = fair.shape[1]
    n_a = size0.shape[0]
    size = size0.copy()
    usdt = usdt0.copy()
    qty = qty0.copy()
    liq_t = np.full(n_a, -1, np.int64)
    book_path = np.ones((n_t, n_j))
    index_path = np.ones((n_t, n_j))
    sold_units = np.zeros(n_j)
    sold_usd = np.zeros(n_j)
    eth_sold = np.zeros(n_t)
    pending = np.zeros(n_j)
    imp = np.zeros(n_j)
    book = np.ones(n_j)
    index = np.ones(n_j)
    for t in range(n_t):
        for a in range(n_a):
            if topup_at[a] == t and liq_t[a] < 0:
                usdt[a] += topup_usd[a]
        for j in range(n_j):
            b = 1.0 - imp[j] * mult[t, j]
            book[j] = b if b > floor[j] else floor[j]
            index[j] = fair[t, j] * (w[j] * book[j] + 1.0 - w[j]) * nav_scale[t, j]
            index_path[t, j] = index[j] / fair[t, j]
        p = eth[t]
        for a in range(n_a):
            if liq_t[a] >= 0 or size[a] == 0.0:
                continue
            eq = usdt[a] + size[a] * (p - entry[a])
            for j in range(n_j):
                if qty[a, j] > 0.0:
                    r = regime[t, j]
                    eq += tiered_value_kernel(qty[a, j] * index[j], tier_hi[j, r], tier_ratio[j, r])
            mm = abs(size[a]) * p * mmr[a]
            if eq <= threshold * mm:
                liq_t[a] = t
                usdt[a] += size[a] * (p - entry[a])
                if size[a] > 0:
                    eth_sold[t] += size[a] * p
                size_a = 0.0
                need = -usdt[a]
                for j in range(n_j):
                    if qty[a, j] <= 0.0:
                        continue
                    price = fair[t, j] * book[j]
                    if sell_all:
                        u = qty[a, j]
                    elif need <= 0.0:
                        u = 0.0
                    else:
                        u = need / price
                        if u > qty[a, j]:
                            u = qty[a, j]
                    qty[a, j] -= u
                    pending[j] += u
                    usdt[a] += u * price
                    need -= u * price
                size[a] = size_a
        for j in range(n_j):
            if pending[j] > 0.0:
                cap_u = cap_usd[j] / fair[t, j]
                ex = pending[j] if pending[j] < cap_u else cap_u
                pending[j] -= ex
                sold_units[j] += ex
                sold_usd[j] += ex * fair[t, j] * book[j]
                imp[j] += ex * fair[t, j] / depth[j]
            b = 1.0 - imp[j] * mult[t, j]
            book_path[t, j] = b if b > floor[j] else floor[j]
            imp[j] *= decay[t, j]
    return liq_t, book_path, index_path, sold_units, sold_usd, eth_sold, pending, usdt
