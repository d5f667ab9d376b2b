"""The solvency engines: the path engine against a plain loop; monotone in fund and shock.

The path engine (``solvency/_exchange.py``) gaps the price to ``P1 = P0 (1 + shock)``
and closes every triggered position there; each close's result (margin left or
shortfall, the fee included) is booked on its own: shortfalls draw on the opening fund
only, surpluses are credited after (issue 17). The twin does this position by position.
Then hypothesis: more fund never gives more bad debt, a deeper shock never gives less,
for the path engine and for the cascade engine on the static book.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from floats import assert_same
from liqcascade.solvency import Exchange, StressScenario, run_solvency
from profiles import examples
from test_liquidity.test_clock_engine import _market


def _live(pos):
    """The generated positions not already beyond their liquidation price at the mid 100.

    ``run_solvency`` refuses those (session 24: stress's rule); the generator makes a few.
    """
    return pos.subset(pos.side * (100.0 - pos.liq_price) > 0)


def _path_py(pos, p0: float, shock: float, fund0: float, fee: float, buffer: float) -> dict:
    p1 = p0 * (1.0 + shock)
    opening, gains, bad = fund0, 0.0, 0.0
    n_liq, liq_usd = 0, 0.0
    for i in range(len(pos)):
        side, size = int(pos.side[i]), float(pos.size[i])
        liq, bkr = float(pos.liq_price[i]), float(pos.bankruptcy_price[i])
        if shock < 0 and side == 1 and liq >= p1:
            pnl = (p1 - bkr) * size
        elif shock > 0 and side == -1 and liq <= p1:
            pnl = (bkr - p1) * size
        else:
            continue
        n_liq += 1
        liq_usd += size * p1
        pnl += fee * size * p1
        if pnl >= 0:
            gains += pnl
        else:
            bad += max(0.0, -pnl - opening)
            opening = max(0.0, opening + pnl)
    lia = sum(float(m) for m in pos.margin)
    res = lia * (1.0 + buffer)
    return {
        "final_price": p1,
        "n_liquidated": n_liq,
        "liquidated_usd": liq_usd,
        "fund_end_usd": opening + gains,
        "bad_debt_usd": bad,
        "min_buffer": bad / lia,
        "reserve_ratio_end": (res - bad) / lia,
        "survives": res - lia - bad >= 0,
    }


def test_path_engine_equals_a_plain_loop() -> None:
    rng = np.random.default_rng(1717)
    seen = {"bad": 0, "clean": 0, "down": 0, "up": 0}
    for i in range(200):
        _, pos, _ = _market(rng, n_pos=int(rng.integers(1, 40)), n_stop=0)
        pos = _live(pos)
        if len(pos) == 0:
            continue
        fund = float(rng.uniform(0, 30)) if rng.random() < 0.8 else 0.0
        fee = float(rng.uniform(0, 0.01)) if rng.random() < 0.5 else 0.0
        buffer = float(rng.uniform(0, 0.2))
        shock = float(rng.uniform(0.005, 0.3)) * (1 if rng.random() < 0.5 else -1)
        ex = Exchange(pos, insurance_fund=fund, reserve_buffer=buffer, liquidation_fee=fee,
                      mid=100.0)  # fmt: skip
        o = run_solvency(ex, [StressScenario("s", shock)], engine="path", policies=()).outcomes[0]
        t = _path_py(pos, 100.0, shock, fund, fee, buffer)
        ctx = f"case {i}"
        assert o.n_liquidated == t["n_liquidated"], ctx
        assert o.survives == t["survives"], ctx
        assert_same(o.final_price, t["final_price"])
        for k in ("liquidated_usd", "fund_end_usd", "bad_debt_usd", "min_buffer",
                  "reserve_ratio_end"):  # fmt: skip
            assert_same(getattr(o, k), t[k], rtol=1e-12, atol=1e-9)
        seen["bad" if o.bad_debt_usd > 0 else "clean"] += 1
        seen["down" if shock < 0 else "up"] += 1
    assert min(seen.values()) >= 20, seen


def _bad(pos, book, shock: float, fund: float, fee: float, engine: str) -> float:
    ex = Exchange(pos, insurance_fund=fund, liquidation_fee=fee, mid=100.0)
    kw = {"order_book": book, "liquidity": "static"} if engine == "cascade" else {}
    res = run_solvency(ex, [StressScenario("s", shock)], engine=engine, policies=(), **kw)
    return res.outcomes[0].bad_debt_usd


@pytest.mark.parametrize("engine", ["path", "cascade"])
@settings(max_examples=examples(40), deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    down=st.booleans(),
    a=st.floats(0.001, 0.4),
    b=st.floats(0.001, 0.4),
    f1=st.floats(0.0, 40.0),
    f2=st.floats(0.0, 40.0),
    fee=st.one_of(st.just(0.0), st.floats(0.0, 0.01)),
)
def test_bad_debt_monotone_in_fund_and_shock(engine, seed, down, a, b, f1, f2, fee) -> None:
    rng = np.random.default_rng(seed)
    book, pos, _ = _market(rng, n_pos=int(rng.integers(1, 30)), n_stop=0, n_lvl=30)
    pos = _live(pos)
    assume(len(pos) > 0)
    sgn = -1.0 if down else 1.0
    small, big = sorted((a, b))
    lo_f, hi_f = sorted((f1, f2))
    tol = 1e-9
    # more fund: never more bad debt
    assert _bad(pos, book, sgn * big, hi_f, fee, engine) <= (
        _bad(pos, book, sgn * big, lo_f, fee, engine) + tol
    )
    # a deeper shock: never less bad debt
    assert _bad(pos, book, sgn * big, lo_f, fee, engine) >= (
        _bad(pos, book, sgn * small, lo_f, fee, engine) - tol
    )
