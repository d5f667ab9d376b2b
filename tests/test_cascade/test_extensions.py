"""Extensions: off gives the default result; on, each has its documented directional effect."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from liqcascade.cascade import CascadeConfig, simulate_cascade
from reference.cascade_cases import random_case, run_kernel

N = 100


def _cases(seed: int, down_only: bool = True):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < N:
        c = random_case(rng)
        r = run_kernel(c)
        if down_only and r.direction != "down":
            continue
        out.append((c, r))
    return out


def _with(case, **kw):  # type: ignore[no-untyped-def]
    return run_kernel(dataclasses.replace(case, config=CascadeConfig(**kw)))


@pytest.mark.parametrize(
    "off",
    [
        {"refill_fraction": 0.0},
        {"withdrawal_fraction": 0.0},
        {"mark_price_weight": 1.0},
        {"partial_liquidation": False, "partial_threshold_usd": 1.0},
        {"liquidation_fee": 0.0},
    ],
)
def test_extension_off_is_default(off: dict[str, float]) -> None:
    for c, base in _cases(11, down_only=False)[:100]:
        assert repr(_with(c, **off).summary()) == repr(base.summary())


def test_refill_never_lowers_the_final_price() -> None:
    changed = 0
    for c, base in _cases(12):
        r = _with(c, refill_fraction=0.5)
        assert r.final_price >= base.final_price
        changed += r.final_price > base.final_price
    assert changed > 5


def test_withdrawal_never_raises_the_final_price() -> None:
    changed = 0
    for c, base in _cases(13):
        r = _with(c, withdrawal_fraction=0.3)
        assert r.final_price <= base.final_price
        changed += r.final_price < base.final_price
    assert changed > 5


def test_mark_price_damps_liquidations() -> None:
    changed = 0
    for c, base in _cases(14):
        r = _with(c, mark_price_weight=0.3)
        assert r.final_price >= base.final_price
        assert r.n_liquidated <= base.n_liquidated
        changed += r.n_liquidated < base.n_liquidated
    assert changed > 5


def test_partial_liquidation_sells_less_in_the_first_round() -> None:
    changed = 0
    for c, base in _cases(15):
        r = _with(c, partial_liquidation=True, partial_threshold_usd=50.0)
        if base.rounds == 0:
            assert r.rounds == 0
            continue
        assert r.trace[0]["filled_base"] <= base.trace[0]["filled_base"] + 1e-12
        assert r.trace[0]["price"] >= base.trace[0]["price"]
        changed += r.trace[0]["filled_base"] < base.trace[0]["filled_base"] - 1e-12
    assert changed > 5


def test_hyperliquid_chunks_of_a_large_position() -> None:
    from liqcascade.book import OrderBook
    from liqcascade.positions._book import PositionBook

    # one long of 2,000 ETH at liq 1,990 (notional ~4 M USD > 100 k): 5 chunks of 400 ETH,
    # one per round, into a deep flat book; each chunk is filled, all 5 rounds run.
    ob = OrderBook(2000.0, 2000.0 - np.arange(1, 201), np.full(200, 50.0), [2001.0], [1.0])
    pos = PositionBook(np.array([1], np.int8), [2000.0], [2050.0], [2e5], [1990.0], [1950.0])
    r = simulate_cascade(
        ob, pos, shock_price=1985.0, config=CascadeConfig(partial_liquidation=True)
    )
    assert r.rounds == 5
    assert [t["filled_base"] for t in r.trace] == pytest.approx([400.0] * 5)
    po = r.position_outcomes()
    assert po["closed_base"].iloc[0] == pytest.approx(2000.0)
    assert po["book_base"].iloc[0] == pytest.approx(2000.0)  # the book filled every chunk


def test_chunks_still_open_settle_at_the_exhaustion_price() -> None:
    from liqcascade.book import OrderBook
    from liqcascade.positions._book import PositionBook

    # a long like it (liq 1,999.8) and a book of 3 levels of 300 ETH (1,999, 1,998, 1,997);
    # the shock to 1,999.6 removes none.
    # Round 1 sells chunk 1 (400): 300 at 1,999, 100 at 1,998 -> vwap 1,998.75, price 1,998.
    # Round 2 sells chunk 2 (400): 200 at 1,998, 300 at 1,997 would be 500 > 400: 200 at
    # 1,998 + 200 at 1,997 -> vwap 1,997.5, price 1,997 (100 left). Round 3 sells chunk 3
    # (400): 100 at 1,997, 300 unfilled -> P_x = 1,997, a_3 = 1,997; the last two chunks
    # (800) settle at 1,997. unfilled = 300 + 800 = 1,100 ETH.
    ob = OrderBook(2000.0, [1999.0, 1998.0, 1997.0], [300.0] * 3, [2001.0], [1.0])
    pos = PositionBook(np.array([1], np.int8), [2000.0], [2050.0], [2e5], [1999.8], [1950.0])
    r = simulate_cascade(
        ob, pos, shock_price=1999.6, config=CascadeConfig(partial_liquidation=True)
    )
    assert r.rounds == 3 and r.book_exhausted and r.final_price == 1997.0
    assert r.unfilled_base == pytest.approx(1100.0)
    usd = 400 * 1998.75 + 400 * 1997.5 + 1200 * 1997.0
    assert r.liquidated_long_usd == pytest.approx(usd)
    po = r.position_outcomes()
    assert po["closed_base"].iloc[0] == pytest.approx(2000.0)
    assert po["book_base"].iloc[0] == pytest.approx(900.0)
    assert po["notional_usd"].iloc[0] == pytest.approx(usd)
    assert r.insurance_fund_end == pytest.approx(usd - 1950.0 * 2000.0)


def test_fee_adds_to_the_fund_and_leaves_prices() -> None:
    changed = 0
    for c, base in _cases(16):
        r = _with(c, liquidation_fee=0.01)
        assert r.final_price == base.final_price and r.rounds == base.rounds
        net, net0 = (
            r.insurance_fund_end - r.bad_debt_usd,
            base.insurance_fund_end - base.bad_debt_usd,
        )
        assert net >= net0 - 1e-12
        changed += net > net0 + 1e-9
    assert changed > 5


def test_max_rounds_truncates_the_trace() -> None:
    for c, base in _cases(17)[:100]:
        r = _with(c, max_rounds=1)
        assert r.rounds == min(1, base.rounds)
        if base.rounds:
            assert repr(r.trace[0]) == repr(base.trace[0])
