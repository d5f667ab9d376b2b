"""A mark-to-market exchange ledger: accounts, insurance fund, bad debt, ADL.

The ledger
----------
Each account ``i`` holds cash ``c_i`` (its collateral, settled to market at every price
move) and at most one position ``(s_i, q_i, e_i)``: side ±1, size in base units (0 = no
open position), entry price USD. The exchange's users trade against an outside market
(the order book), whose cash ``M`` is the mirror of the users' settlement. The ledger
also holds the insurance fund ``F >= 0`` and the recorded bad debt ``B >= 0``
(a deficit no one has yet paid). Its identity, exact through every operation, is::

    Σ c_i + F + M − B  =  deposits (the cash ever paid in)

- ``move(P')``: every account is settled, ``c_i += s_i q_i (P' − P)``, the market pays
  the opposite; then every account whose cash is below its maintenance margin
  ``mmr · q_i · P'`` is liquidated (below).
- liquidation of ``j`` at the current price: the position is closed against the
  market (no cash moves: it is already settled). docs/design.md's accounting: the
  remaining cash goes to the fund (``F += c_j``) when positive; a negative cash is a
  shortfall drawn from the fund, and what the fund cannot pay is recorded as bad debt
  ``B``, by side of the loss. ``c_j`` becomes 0.
- ``adl(policy)``: the bad debt of each side is closed by haircuts on the profit of
  the opposite side's open positions (:func:`~liqcascade.solvency.allocate_adl`,
  profit measured from entry): ``c_i −= h_i``, ``q_i −= x_i``, ``B −= covered``; a
  whole-position queue's overshoot goes to the fund.

So: no account is ever below zero after an operation (the loss beyond zero is in
``B``), an account without an open position never pays ADL, and ADL reduces ``B`` by
exactly the amount it takes (up to the winners' total profit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from liqcascade._limits import check_insurance_fund
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.solvency._adl import AdlPolicy, AdlResult, allocate_adl

__all__ = ["ExchangeLedger"]


@dataclass
class ExchangeLedger:
    """Mutable mark-to-market ledger of an exchange's accounts (see the module notes).

    The state fields (Attributes) are normally left at their defaults and changed only
    by the operations (:meth:`open_account`, :meth:`move`, :meth:`liquidate`,
    :meth:`adl`).

    Parameters
    ----------
    price : float
        Current mark price, USD.
    insurance_fund : float, default 0
        Initial fund, USD, >= 0 and at most :data:`~liqcascade._limits.MAX_USD` (1e15).
    mmr : float, default 0.005
        Maintenance margin rate, fraction of notional.

    Attributes
    ----------
    cash : array of float
        Cash ``c_i`` per account, USD (settled to market at every move).
    side : array of float
        ``+1`` long, ``-1`` short, ``0`` no open position, per account.
    size : array of float
        Position size per account, base units (0: no open position).
    entry : array of float
        Entry price per account, USD.
    market_cash : float
        The outside market's cash ``M``, USD (the mirror of the users' settlement).
    bad_debt_long, bad_debt_short : float
        Recorded, unpaid deficit ``B`` left by bankrupt longs / shorts, USD.
    deposits : float
        Cash ever paid in (deposits and the initial fund), USD.
    n_liquidations : int
        Liquidations so far.
    """

    price: float
    insurance_fund: float = 0.0
    mmr: float = 0.005
    cash: FloatArray = field(default_factory=lambda: np.empty(0))
    side: FloatArray = field(default_factory=lambda: np.empty(0))
    size: FloatArray = field(default_factory=lambda: np.empty(0))
    entry: FloatArray = field(default_factory=lambda: np.empty(0))
    market_cash: float = 0.0
    bad_debt_long: float = 0.0
    bad_debt_short: float = 0.0
    deposits: float = 0.0
    n_liquidations: int = 0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.price) and self.price > 0):
            raise InputError(f"price must be > 0 (got {self.price})", param="price")
        # 1e300 ran, text raised numpy's TypeError
        self.insurance_fund = check_insurance_fund(self.insurance_fund)
        if not (np.isfinite(self.mmr) and 0 <= self.mmr < 1):  # NaN liquidated no one
            raise InputError(f"mmr must be a fraction in [0, 1) (got {self.mmr})", param="mmr")
        self.deposits += self.insurance_fund

    # ------------------------------------------------------------------ views
    @property
    def bad_debt(self) -> float:
        """Recorded, unpaid deficit, USD."""
        return self.bad_debt_long + self.bad_debt_short

    @property
    def n_accounts(self) -> int:
        """Number of accounts."""
        return int(self.cash.shape[0])

    def identity_gap(self) -> float:
        """``Σ c + F + M − B − deposits`` (0 up to float round-off)."""
        return (
            float(self.cash.sum())
            + self.insurance_fund
            + self.market_cash
            - self.bad_debt
            - self.deposits
        )

    def profit(self) -> FloatArray:
        """Unrealised profit from entry per account, USD (0 without a position)."""
        return np.where(self.size > 0, self.side * self.size * (self.price - self.entry), 0.0)

    # ------------------------------------------------------------------ operations
    def open_account(self, deposit: float, side: int = 0, size: float = 0.0) -> int:
        """Add an account with ``deposit`` USD and optionally a position at the current price.

        Parameters
        ----------
        deposit : float
            Cash paid in, USD, >= 0.
        side : int, default 0
            ``+1`` long or ``-1`` short (ignored without a position).
        size : float, default 0.0
            Position size, base units, >= 0 (0: no position); entered at the current price.

        Returns
        -------
        int
            The new account's index. An account below maintenance at once is liquidated.

        Raises
        ------
        InputError
            If ``deposit`` < 0, ``size`` < 0, or a position's side is not ±1.
        """
        if not deposit >= 0:
            raise InputError(f"deposit must be >= 0 (got {deposit})", param="deposit")
        if size < 0 or (size > 0 and side not in (1, -1)):
            raise InputError("a position needs side +1/-1 and size >= 0")
        self.cash = np.append(self.cash, float(deposit))
        self.side = np.append(self.side, float(side if size > 0 else 0))
        self.size = np.append(self.size, float(size))
        self.entry = np.append(self.entry, self.price)
        self.deposits += float(deposit)
        self._sweep()
        return self.n_accounts - 1

    def move(self, new_price: float) -> int:
        """Settle every account to ``new_price`` and liquidate; returns liquidations.

        Parameters
        ----------
        new_price : float
            New mark price, USD, > 0.

        Returns
        -------
        int
            Number of accounts liquidated at ``new_price``.

        Raises
        ------
        InputError
            If ``new_price`` is not finite and > 0.
        """
        if not (np.isfinite(new_price) and new_price > 0):
            raise InputError(f"new_price must be > 0 (got {new_price})", param="new_price")
        pnl = self.side * self.size * (new_price - self.price)
        self.cash = self.cash + pnl
        self.market_cash -= float(pnl.sum())
        self.price = float(new_price)
        return self._sweep()

    def _sweep(self) -> int:
        need = self.mmr * self.size * self.price
        idx = np.flatnonzero((self.size > 0) & (self.cash < need))
        for j in idx:
            self._liquidate(int(j))
        return int(idx.size)

    def liquidate(self, j: int) -> bool:
        """Liquidate account ``j`` if it is below maintenance; True if it was.

        Parameters
        ----------
        j : int
            Account index (0-based).

        Returns
        -------
        bool
            True if the account was below maintenance (``cash < mmr · size · price``) and was
            liquidated.
        """
        if self.size[j] > 0 and self.cash[j] < self.mmr * self.size[j] * self.price:
            self._liquidate(j)
            return True
        return False

    def _liquidate(self, j: int) -> None:
        c = float(self.cash[j])
        loss_side = int(self.side[j])
        self.size[j] = 0.0
        self.side[j] = 0.0
        self.cash[j] = 0.0
        self.n_liquidations += 1
        if c >= 0:
            self.insurance_fund += c
            return
        short = -c
        paid = min(self.insurance_fund, short)
        self.insurance_fund -= paid
        if short > paid:
            if loss_side > 0:
                self.bad_debt_long += short - paid
            else:
                self.bad_debt_short += short - paid

    def adl(self, policy: AdlPolicy, whole_positions: bool = False) -> list[AdlResult]:
        """Close the recorded bad debt by ADL on each side; returns the allocations.

        Parameters
        ----------
        policy : {"binance", "hyperliquid", "socialized", "optimal"}
            A registered ADL policy (:data:`~liqcascade.solvency.ADL_POLICIES`).
        whole_positions : bool, default False
            Queue policies: close every queued position in full (the overshoot goes to the
            fund) instead of the needed part of the last one.

        Returns
        -------
        list of AdlResult
            One per side with bad debt (longs' first), in USD and base units.
        """
        out: list[AdlResult] = []
        for loss_side in (1, -1):
            deficit = self.bad_debt_long if loss_side > 0 else self.bad_debt_short
            if deficit <= 0:
                continue
            res = allocate_adl(
                policy,
                side=self.side,
                size=self.size,
                entry_price=self.entry,
                margin=np.maximum(self.cash - self.profit(), 0.0),
                mark_price=self.price,
                deficit=deficit,
                loss_side=loss_side,
                whole_positions=whole_positions,
            )
            self.cash = self.cash - res.haircut
            self.size = np.maximum(self.size - res.closed_size, 0.0)
            self.side = np.where(self.size > 0, self.side, 0.0)
            if loss_side > 0:
                self.bad_debt_long -= res.covered_usd
            else:
                self.bad_debt_short -= res.covered_usd
            self.insurance_fund += res.overshoot_usd
            out.append(res)
        return out
