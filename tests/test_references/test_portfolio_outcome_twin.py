"""A portfolio's outcome on Monte Carlo paths against a plain-Python twin, and its bound.

:func:`liqcascade.stress.evaluate_portfolio` turns each path's final price and
extremes into the P&L behind the stress report's VaR and ES; it was checked on one
hand-made portfolio. The twin below walks every (path, position) pair with the
docstring's rule: a stop between the liquidation price and the price (a long's above
its liquidation price) fills at the stop when the adverse extreme reaches it; else the
position is liquidated when the extreme reaches its liquidation price, losing its
current equity ``margin + s·size·(P0 − entry)``; else it is marked to the final price.
And the isolated-margin bound: no position loses more than its current equity.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from floats import assert_same
from liqcascade.stress import Portfolio, evaluate_portfolio

P0 = {"ETH": 2500.0, "BTC": 60_000.0}


def _portfolio(rng: np.random.Generator, k: int) -> Portfolio:
    assets = rng.choice(["ETH", "BTC"], k)
    side = rng.choice([1, -1], k)
    p0 = np.array([P0[a] for a in assets])
    entry = p0 * rng.uniform(0.97, 1.03, k)
    lev = rng.uniform(2.0, 20.0, k)
    size = rng.uniform(0.05, 20.0, k) * 2500.0 / p0
    frame = pd.DataFrame(
        {
            "symbol": [f"{a}USDT" for a in assets],
            "side": np.where(side > 0, "long", "short"),
            "size": size,
            "entry_price": entry,
            "margin": size * entry / lev,
        }
    )
    lp = Portfolio.from_frame(frame, "random.csv").liq_price
    # a stop between the price and the liquidation price (the reader refuses one beyond
    # it), or none
    stop = p0 + (lp - p0) * rng.uniform(0.05, 0.95, k)
    frame["stop_price"] = np.where(rng.random(k) < 0.4, np.nan, stop)
    return Portfolio.from_frame(frame, "random.csv")


def _paths(rng: np.random.Generator, n: int) -> tuple[dict, dict, dict]:
    final, low, high = {}, {}, {}
    for a, p0 in P0.items():
        f = p0 * np.exp(rng.normal(0, 0.15, n))
        low[a] = np.minimum(p0, f) * np.exp(-np.abs(rng.normal(0, 0.1, n)))
        high[a] = np.maximum(p0, f) * np.exp(np.abs(rng.normal(0, 0.1, n)))
        final[a] = f
    return final, low, high


def outcome_py(pf: Portfolio, final: dict, low: dict, high: dict) -> tuple[list, list, list]:
    n = len(next(iter(final.values())))
    pnl, liq, stopped = [0.0] * n, [], []
    for i in range(len(pf)):
        a, s = str(pf.asset[i]), int(pf.side[i])
        q, lp, sp, p0 = float(pf.size[i]), float(pf.liq_price[i]), float(pf.stop_price[i]), P0[a]
        equity = float(pf.margin[i]) + s * q * (p0 - float(pf.entry_price[i]))
        li, st = [], []
        for j in range(n):
            x = float(low[a][j]) if s == 1 else float(high[a][j])
            active = not math.isnan(sp) and (sp > lp if s == 1 else sp < lp)
            hit_stop = active and (x <= sp if s == 1 else x >= sp)
            hit_liq = not hit_stop and (x <= lp if s == 1 else x >= lp)
            if hit_stop:
                pnl[j] += s * q * (sp - p0)
            elif hit_liq:
                pnl[j] -= equity
            else:
                pnl[j] += s * q * (float(final[a][j]) - p0)
            li.append(hit_liq)
            st.append(hit_stop)
        liq.append(li)
        stopped.append(st)
    return pnl, liq, stopped


@pytest.mark.parametrize("seed", range(6))
def test_outcome_equals_the_twin_on_random_portfolios_and_paths(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pf = _portfolio(rng, int(rng.integers(1, 12)))
    pf.check_prices(P0)  # none is past its liquidation price or stop at the start
    final, low, high = _paths(rng, 400)
    out = evaluate_portfolio(pf, P0, final, low, high)
    pnl, liq, stopped = outcome_py(pf, final, low, high)
    assert_same(out.pnl, np.array(pnl), rtol=1e-12, atol=1e-6)
    assert_same(out.liquidated, np.array(liq).T)
    assert_same(out.stopped, np.array(stopped).T)
    assert out.liquidated.any() and out.stopped.any()  # the draws reach both branches
    # isolated margin: a path never loses more than the positions' current equity
    equity = pf.equity(P0)
    assert bool(np.all(equity > 0))
    assert bool(np.all(out.pnl >= -equity.sum() - 1e-6))
