"""Plain-Python twin of :func:`._kernels.collateral_loop_kernel`, one account object at a time.

Same semantics (see :mod:`._kernels`), written with dicts and
:func:`liqcascade.collateral._registry.tiered_value` so the tests can hold the two equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liqcascade.collateral._registry import TierSchedule, tiered_value


def collateral_loop_reference(
    eth: Any,
    fair: Any,
    w: Any,
    mult: Any,
    decay: Any,
    floor: Any,
    depth: Any,
    cap_usd: Any,
    regime: Any,
    tiers: list[list[TierSchedule]],
    accounts: list[dict[str, Any]],
    threshold: float,
    sell_all: bool,
    nav_scale: Any = None,
) -> dict[str, Any]:
    """Run the loop; returns a dict of results.

    ``tiers[j][r]`` are the schedules; ``accounts`` dicts with
    ``size, entry, usdt, qty (list), mmr, topup_usd, topup_at``; ``nav_scale[t][j]`` the
    margin's NAV clamp over fair value (``nav`` pricing; default 1 everywhere).
    """
    n_t, n_j = len(eth), len(w)
    if nav_scale is None:
        nav_scale = np.ones((n_t, n_j))
    accs = [dict(a, qty=list(a["qty"]), liq_t=-1) for a in accounts]
    imp = [0.0] * n_j
    pending = [0.0] * n_j
    out: dict[str, Any] = {
        "book_path": np.ones((n_t, n_j)),
        "index_path": np.ones((n_t, n_j)),
        "sold_units": [0.0] * n_j,
        "sold_usd": [0.0] * n_j,
        "eth_sold_usd": [0.0] * n_t,
    }
    for t in range(n_t):
        for a in accs:
            if a["topup_at"] == t and a["liq_t"] < 0:
                a["usdt"] += a["topup_usd"]
        book = [max(floor[j], 1.0 - imp[j] * mult[t][j]) for j in range(n_j)]
        index = [fair[t][j] * (w[j] * book[j] + 1.0 - w[j]) * nav_scale[t][j] for j in range(n_j)]
        for j in range(n_j):
            out["index_path"][t, j] = index[j] / fair[t][j]
        p = eth[t]
        for a in accs:
            if a["liq_t"] >= 0 or a["size"] == 0.0:
                continue
            pnl = a["size"] * (p - a["entry"])
            coll = sum(
                tiered_value(q * index[j], tiers[j][regime[t][j]])
                for j, q in enumerate(a["qty"])
                if q > 0
            )
            if coll + a["usdt"] + pnl > threshold * abs(a["size"]) * p * a["mmr"]:
                continue
            a["liq_t"] = t
            a["usdt"] += pnl
            if a["size"] > 0:
                out["eth_sold_usd"][t] += a["size"] * p
            a["size"] = 0.0
            need = -a["usdt"]
            for j in range(n_j):
                q = a["qty"][j]
                if q <= 0:
                    continue
                price = fair[t][j] * book[j]
                u = q if sell_all else (0.0 if need <= 0 else min(q, need / price))
                a["qty"][j] -= u
                pending[j] += u
                a["usdt"] += u * price
                need -= u * price
        for j in range(n_j):
            if pending[j] > 0:
                ex = min(pending[j], cap_usd[j] / fair[t][j])
                pending[j] -= ex
                out["sold_units"][j] += ex
                out["sold_usd"][j] += ex * fair[t][j] * book[j]
                imp[j] += ex * fair[t][j] / depth[j]
            out["book_path"][t, j] = max(floor[j], 1.0 - imp[j] * mult[t][j])
            imp[j] *= decay[t][j]
    out["liq_t"] = [a["liq_t"] for a in accs]
    out["pending"] = pending
    out["usdt"] = [a["usdt"] for a in accs]
    return out
