"""Hypothesis state machine over the exchange ledger: price moves, liquidations, ADL.

Ledger identity (see liqcascade.solvency._ledger): Σ cash + fund + market − bad debt
= deposits, through every operation.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from liqcascade.solvency import ADL_POLICIES, ExchangeLedger


class LedgerMachine(RuleBasedStateMachine):
    @initialize(
        price=st.floats(500.0, 5000.0),
        fund=st.floats(0.0, 2000.0),
        accounts=st.lists(
            st.tuples(st.floats(0.0, 2000.0), st.sampled_from([-1, 0, 1]), st.floats(0.0, 5.0)),
            min_size=2,
            max_size=12,
        ),
    )
    def setup(self, price, fund, accounts) -> None:
        self.ledger = ExchangeLedger(price=price, insurance_fund=fund, mmr=0.01)
        for dep, side, size in accounts:
            self.ledger.open_account(dep, side, size if side else 0.0)

    @rule(move=st.floats(-0.4, 0.4))
    def price_move(self, move) -> None:
        self.ledger.move(self.ledger.price * (1 + move))

    @rule(dep=st.floats(1.0, 3000.0), side=st.sampled_from([-1, 1]), size=st.floats(0.01, 5.0))
    def open_position(self, dep, side, size) -> None:
        self.ledger.open_account(dep, side, size)

    @rule(j=st.integers(0, 100))
    def liquidate(self, j) -> None:
        self.ledger.liquidate(j % self.ledger.n_accounts)

    @precondition(lambda self: self.ledger.bad_debt > 0)
    @rule(policy=st.sampled_from(ADL_POLICIES), whole=st.booleans())
    def adl(self, policy, whole) -> None:
        led = self.ledger
        before_cash = led.cash.copy()
        flat = led.size == 0
        debt = {1: led.bad_debt_long, -1: led.bad_debt_short}
        fund = led.insurance_fund
        results = led.adl(policy, whole_positions=whole)
        taken = sum(r.covered_usd for r in results)
        # an account with no open position never pays
        np.testing.assert_array_equal(led.cash[flat], before_cash[flat])
        # ADL closes exactly the deficit (up to the winners' profit)
        assert sorted(r.deficit_usd for r in results) == sorted(d for d in debt.values() if d > 0)
        assert led.bad_debt == sum(r.uncovered_usd for r in results)
        assert abs((sum(debt.values()) - led.bad_debt) - taken) <= 1e-9 * max(1.0, taken)
        paid = float((before_cash - led.cash).sum())
        overshoot = sum(r.overshoot_usd for r in results)
        assert abs(paid - taken - overshoot) <= 1e-7 * max(1.0, paid)
        assert abs(led.insurance_fund - fund - overshoot) <= 1e-7 * max(1.0, fund + overshoot)

    @invariant()
    def conserved(self) -> None:
        led = self.ledger
        scale = max(1.0, led.deposits, abs(led.market_cash))
        assert abs(led.identity_gap()) <= 1e-9 * scale

    @invariant()
    def nobody_below_zero(self) -> None:
        led = self.ledger
        assert np.all(led.cash >= -1e-9 * max(1.0, led.deposits))
        assert led.insurance_fund >= 0
        assert led.bad_debt_long >= -1e-9 and led.bad_debt_short >= -1e-9

    @invariant()
    def maintenance_respected(self) -> None:
        led = self.ledger
        live = led.size > 0
        assert np.all(led.cash[live] >= led.mmr * led.size[live] * led.price - 1e-9)


TestLedgerMachine = LedgerMachine.TestCase
