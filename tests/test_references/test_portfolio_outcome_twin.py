"""A portfolio's outcome on Monte Carlo paths against a plain-Python twin, and its bound.

:func:`liqcascade.stress.evaluate_portfolio` turns each path's final price and
extremes into the P&L behind the stress report's VaR and ES; it was checked on one
hand-made portfolio. The twin below walks every (path, position) pair with the
docstring's rule: a stop between the liquidation price and the price (a long's above
its liquidation price) fills at the stop when the adverse extreme reaches it; else the
position is liquidated when the extreme reaches its liquidation price, losing its
current equity ``margin + s·size·(P0 − entry)``; else it is marked to the final price.
With an instant jump from ``P0`` (the shock scenario's ``gap``): a jump at or beyond
the liquidation price liquidates; a stop the jump passes fills at the jump's price.
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


def outcome_py(
    pf: Portfolio, final: dict, low: dict, high: dict, gap: dict | None = None
) -> tuple[list, list, list]:
    n = len(next(iter(final.values())))
    pnl, liq, stopped = [0.0] * n, [], []
    for i in range(len(pf)):
        a, s = str(pf.asset[i]), int(pf.side[i])
        q, lp, sp, p0 = float(pf.size[i]), float(pf.liq_price[i]), float(pf.stop_price[i]), P0[a]
        equity = float(pf.margin[i]) + s * q * (p0 - float(pf.entry_price[i]))
        li, st = [], []
        for j in range(n):
            x = float(low[a][j]) if s == 1 else float(high[a][j])
            g = None if gap is None or a not in gap else float(gap[a][j])
            jump_liq = g is not None and (g <= lp if s == 1 else g >= lp)
            active = not math.isnan(sp) and (sp > lp if s == 1 else sp < lp)
            hit_stop = active and not jump_liq and (x <= sp if s == 1 else x >= sp)
            hit_liq = not hit_stop and (jump_liq or (x <= lp if s == 1 else x >= lp))
            if hit_stop:
                past = g is not None and (g < sp if s == 1 else g > sp)
                pnl[j] += s * q * ((g if past else sp) - p0)
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


@pytest.mark.parametrize("seed", range(4))
def test_outcome_with_an_instant_jump_equals_the_twin(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    pf = _portfolio(rng, int(rng.integers(2, 12)))
    final, low, high = _paths(rng, 400)
    # a jump from P0 to somewhere between the path's start and its adverse extreme (or
    # past it: the extreme then is the jump), on one asset only (the other continuous)
    a = "BTC" if seed % 2 else "ETH"
    u = rng.uniform(-0.3, 0.3, 400)
    gap = {a: P0[a] * np.exp(u)}
    low[a] = np.minimum(low[a], gap[a])
    high[a] = np.maximum(high[a], gap[a])
    out = evaluate_portfolio(pf, P0, final, low, high, gap=gap)
    pnl, liq, stopped = outcome_py(pf, final, low, high, gap)
    assert_same(out.pnl, np.array(pnl), rtol=1e-12, atol=1e-6)
    assert_same(out.liquidated, np.array(liq).T)
    assert_same(out.stopped, np.array(stopped).T)
    # a jump never helps: no path gains against the same paths read as continuous
    cont = evaluate_portfolio(pf, P0, final, low, high)
    assert bool(np.all(out.pnl <= cont.pnl + 1e-6))
    assert bool(np.any(out.pnl < cont.pnl - 1e-6))  # some stop was jumped past


def test_the_trials_gapped_stop_fills_at_the_shock_price() -> None:
    """1 BTC long at 115,764, 10x, stop 109,009; an instant −8 % (the shock price 106,503).

    The stop-market order is triggered by the jump and cannot fill above the first
    price traded, 115,764 × 0.92: the loss is at least 9,261 USD, not the trigger's 6,755.
    """
    frame = pd.DataFrame({"symbol": ["BTCUSDT"], "side": ["long"], "size": [1.0],
                          "entry_price": [115_764.0], "leverage": [10.0],
                          "stop_price": [109_009.0]})  # fmt: skip
    pf = Portfolio.from_frame(frame, "trial.csv")
    p0 = {"BTC": 115_764.0}
    shock = np.array([115_764.0 * 0.92])
    after = np.array([102_469.0])  # the cascade's 24-h extreme, beyond the shock price
    out = evaluate_portfolio(pf, p0, {"BTC": after}, {"BTC": after}, {"BTC": after},
                             gap={"BTC": shock})  # fmt: skip
    assert out.stopped[0, 0] and not out.liquidated[0, 0]
    assert out.pnl[0] == pytest.approx(-9_261.12, abs=0.01)
    # without the jump (the same low reached continuously) the trigger fills
    cont = evaluate_portfolio(pf, p0, {"BTC": after}, {"BTC": after}, {"BTC": after})
    assert cont.pnl[0] == pytest.approx(109_009.0 - 115_764.0, abs=1e-6)
    # a −3 % jump does not pass the stop: the later continuous fall fills at the trigger
    small = evaluate_portfolio(pf, p0, {"BTC": after}, {"BTC": after}, {"BTC": after},
                               gap={"BTC": np.array([115_764.0 * 0.97])})  # fmt: skip
    assert small.pnl[0] == pytest.approx(109_009.0 - 115_764.0, abs=1e-6)
    # a jump past the liquidation price (104,661) liquidates: the equity is lost
    deep = evaluate_portfolio(pf, p0, {"BTC": after}, {"BTC": after}, {"BTC": after},
                              gap={"BTC": np.array([115_764.0 * 0.90])})  # fmt: skip
    assert deep.liquidated[0, 0] and not deep.stopped[0, 0]
    assert deep.pnl[0] == pytest.approx(-float(pf.equity(p0)[0]), abs=1e-6)
