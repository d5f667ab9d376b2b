"""Aave-v3-style lending inside the multi-venue loop: oracle, health factors, liquidations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqcascade._limits import check_number, check_whole, percent_hint
from liqcascade._typing import FloatArray
from liqcascade.errors import InputError
from liqcascade.margin import aave_bonus_range_refusal, aave_bonus_refusal, aave_liquidation

__all__ = ["BETA_MAX", "DEVIATION_MAX", "PRICE_FLOOR", "LendingMarket", "LendingState", "Oracle",
           "check_beta", "check_deviation", "debt_legs_usd", "liquidate_at_price",
           "rate_refusal"]  # fmt: skip

#: Largest collateral beta accepted (the collateral's relative move per unit of the oracle
#: source's): 1 for the venues' own asset, WBTC's fitted on ETH 0.45-0.92; past 3 a 33 %
#: fall of the source takes the collateral to zero.
BETA_MAX: float = 3.0

#: An oracle deviation threshold at or above this fraction (10 %) is a percent given for a
#: fraction: Chainlink's push feeds update on moves of 0.5-2 %.
DEVIATION_MAX: float = 0.1

#: The collateral price's floor, USD: ``P0 · (1 + beta · (oracle / source0 - 1))`` at or
#: below zero is held here (reported as ``price_floor_hit``).
PRICE_FLOOR: float = 1e-12


def check_beta(beta: float, name: str = "beta") -> float:
    """The collateral beta if it is in ``(0, BETA_MAX]``, else InputError.

    Parameters
    ----------
    beta : float
        The collateral's relative move per unit of the oracle source's (dimensionless).
    name : str, default "beta"
        What the message calls it.

    Returns
    -------
    float
    """
    if not (math.isfinite(beta) and 0 < beta <= BETA_MAX):
        raise InputError(
            f"{name} must be in (0, {BETA_MAX:g}] (got {beta:g}): the collateral's move per "
            "unit of the oracle source's move, 1 for the venues' own asset (WBTC on ETH: "
            f"0.45-0.92); a negative beta makes it rise as the venues fall, past {BETA_MAX:g} "
            f"a {100 / BETA_MAX:.0f} % fall takes it to zero",
            param="beta",
        )
    return float(beta)


def rate_refusal(name: str, value: float) -> str | None:
    """Why a lending market's ``liq_threshold`` or ``liq_bonus`` is out of range, or None.

    The one rule of :class:`LendingMarket` and the configuration's ``[[lending]]``:
    ``liq_threshold`` a fraction in (0, 1), ``liq_bonus`` a multiplier in [1, 2)
    (:func:`liqcascade.margin.aave_bonus_range_refusal`); a percent given for either is
    told so (``liq_bonus = 5``: ``for 5 % give 1.05``).

    Parameters
    ----------
    name : {"liq_threshold", "liq_bonus"}
        Which of the two.
    value : float
        The value given (LT a fraction; the bonus a multiplier, 1.05 = 5 %).

    Returns
    -------
    str or None
        ``"liq_threshold must be a fraction in (0, 1) (got 80; for 80 % give 0.8; ...)"``,
        or None.
    """
    if name == "liq_bonus":
        return aave_bonus_range_refusal(value, name)
    if math.isfinite(value) and 0 < value < 1:
        return None
    return (
        f"{name} must be a fraction in (0, 1) (got {value:g}{percent_hint(value, 10.0)}; "
        "Aave's WETH: 0.83)"
    )


def check_deviation(deviation: float, name: str = "oracle.deviation") -> float:
    """The oracle's deviation threshold if it is in ``[0, DEVIATION_MAX)``, else InputError.

    Parameters
    ----------
    deviation : float
        Fraction of a move that triggers a push (0.005 = 0.5 %).
    name : str, default "oracle.deviation"
        What the message calls it.

    Returns
    -------
    float
    """
    if not (math.isfinite(deviation) and 0 <= deviation < DEVIATION_MAX):
        hint = percent_hint(deviation, DEVIATION_MAX)
        raise InputError(
            f"{name} must be a fraction in [0, {DEVIATION_MAX:g}) (got {deviation:g}{hint}; "
            "Chainlink's feeds push on moves of 0.5-2 %)",
            param="deviation",
        )
    return float(deviation)


@dataclass(frozen=True)
class Oracle:
    """A push oracle (Chainlink-style) reading the venues.

    Parameters
    ----------
    sources : tuple of str
        Venues whose prices the oracle reads.
    deviation : float, default 0.005
        Update when the source moved more than this fraction from the last
        reported price (Chainlink ETH/USD on Ethereum: 0.5 %); in
        ``[0, DEVIATION_MAX)``.
    heartbeat : int, default 0
        Also update when this many rounds have passed since the last update (0: no
        heartbeat). With rounds of seconds and a one-hour heartbeat this is
        effectively never inside a cascade; it matters for coarse rounds.
    aggregate : {"mean", "median"}, default "mean"
        How the sources' prices make the oracle's: their mean (equal weights) or their
        median (with two sources, the same; with three, the middle venue's price).
    """

    sources: tuple[str, ...]
    deviation: float = 0.005
    heartbeat: int = 0
    aggregate: str = "mean"

    def __post_init__(self) -> None:
        if not self.sources:
            raise InputError("oracle.sources must name at least one venue")
        if self.aggregate not in ("mean", "median"):
            raise InputError(
                f"oracle.aggregate must be 'mean' or 'median' (got {self.aggregate!r})",
                param="aggregate",
            )
        check_deviation(self.deviation)
        if self.heartbeat < 0:
            raise InputError(f"oracle.heartbeat must be >= 0 rounds (got {self.heartbeat})")


def oracle_read(oracle: Oracle, prices: Sequence[float]) -> float:
    """The price an oracle reads from its sources' prices (USD), by its ``aggregate``.

    Parameters
    ----------
    oracle : Oracle
        The oracle (its ``aggregate``).
    prices : sequence of float
        Its source venues' prices, in ``oracle.sources``' order, USD.

    Returns
    -------
    float
        Their mean (summed in order, then divided) or their median, USD.
    """
    if oracle.aggregate == "median":
        return float(np.median(np.asarray(prices, dtype=np.float64)))
    return sum(prices) / len(prices)


def debt_legs_usd(
    usd: FloatArray, collateral: FloatArray, source_usd: FloatArray, price: float, ratio: float
) -> FloatArray:
    """An account's debt in USD from its three legs (:class:`LendingMarket`).

    Parameters
    ----------
    usd : array of float
        Debt held in USD, USD.
    collateral : array of float
        Debt owed in the collateral's own asset, tokens.
    source_usd : array of float
        Debt moving with the oracle's source, USD at the start.
    price : float
        Collateral price, USD per token.
    ratio : float
        The source's price over its start price (dimensionless; floored at 0).

    Returns
    -------
    array of float
        ``usd + collateral · price + source_usd · max(ratio, 0)``, USD.
    """
    return usd + collateral * price + source_usd * max(ratio, 0.0)


@dataclass(frozen=True, eq=False)
class LendingMarket:
    """Accounts with one volatile collateral and debt in three legs (Aave v3 rules).

    An account's debt is held in USD (stablecoins), owed in the collateral's own asset
    (moving with the collateral's price: a WBTC debt against WBTC collateral) or moving
    with the oracle's source venues (WETH on ETH venues). Its health factor is
    ``collateral · price · liq_threshold / (debt_usd + debt_collateral · price +
    debt_source_usd · source / source0)``; a liquidation repays the account's debt as
    one, each leg in proportion to its value.

    Parameters
    ----------
    name : str
        Unique name.
    collateral : FloatArray
        Collateral per account, token units (e.g. WETH or WBTC).
    debt_usd : FloatArray
        Debt held in USD per account (stablecoins priced at $1), USD.
    liq_threshold : float
        Liquidation threshold of the collateral, fraction in (0, 1) (from
        :func:`liqcascade.margin.aave_reserve`).
    liq_bonus : float
        Liquidation bonus, multiplier (1.05 = 5 %) in [1, 2) (5 meant as 5 % is refused
        with the hint ``for 5 % give 1.05``: :func:`rate_refusal`), with ``liq_threshold x
        liq_bonus <= 1`` (:func:`liqcascade.margin.aave_bonus_refusal`: Aave's rule).
    oracle : Oracle
        Where the collateral price comes from.
    collateral_price : float
        Collateral price at the start, USD.
    beta : float, default 1.0
        The collateral's price moves ``beta`` times the oracle source's relative
        move (1 when the collateral is the venues' asset; BTC against ETH venues: the
        ratio of their moves); in ``(0, BETA_MAX]``.
    sell_to : str, default "dex"
        Where liquidators sell the seized collateral: a venue name (the USD value is
        sold there as base at the venue price) or ``"dex"``.
    dex_depth_usd : float, default 50e6
        USD side of a constant-product pool (``x·y = k``) when ``sell_to = "dex"``.
    protocol_fee : float, default 0.0
        Share of the bonus sent to the treasury.
    n_dropped_initially_liquidatable : int, default 0
        Accounts left out before the market was built, already below HF 1 at the start
        price (the configuration reader's ``drop_initially_liquidatable``); reported
        with the market's outcome.
    debt_collateral : FloatArray, optional
        Debt owed in the collateral's own asset per account, token units, priced at the
        collateral's price (default none).
    debt_source_usd : FloatArray, optional
        Debt that moves one for one with the oracle's source price per account, USD at
        the start (default none).
    account_ids : array of int, optional
        Each account's label in :meth:`LendingState.accounts_frame`: the configuration
        reader gives the data row of the accounts file or table it came from (1-based;
        the accounts left out before the run leave gaps); default ``1 … n``.
    """

    name: str
    collateral: FloatArray
    debt_usd: FloatArray
    liq_threshold: float
    liq_bonus: float
    oracle: Oracle
    collateral_price: float
    beta: float = 1.0
    sell_to: str = "dex"
    dex_depth_usd: float = 50e6
    protocol_fee: float = 0.0
    n_dropped_initially_liquidatable: int = 0
    debt_collateral: FloatArray | None = None
    debt_source_usd: FloatArray | None = None
    account_ids: np.ndarray | None = None

    def __post_init__(self) -> None:
        c = np.ascontiguousarray(np.asarray(self.collateral, dtype=np.float64))
        d = np.ascontiguousarray(np.asarray(self.debt_usd, dtype=np.float64))
        object.__setattr__(self, "collateral", c)
        object.__setattr__(self, "debt_usd", d)
        if c.shape != d.shape or c.ndim != 1:
            raise InputError(f"lending {self.name!r}: collateral and debt_usd differ in length")
        legs = {}
        for nm in ("debt_collateral", "debt_source_usd"):
            v = getattr(self, nm)
            a = np.zeros_like(c) if v is None else np.ascontiguousarray(np.asarray(v, np.float64))
            if a.shape != c.shape:
                raise InputError(f"lending {self.name!r}: collateral and {nm} differ in length")
            object.__setattr__(self, nm, a)
            legs[nm] = a
        ids = np.arange(1, c.size + 1) if self.account_ids is None else np.asarray(self.account_ids)
        if ids.shape != c.shape:
            raise InputError(f"lending {self.name!r}: collateral and account_ids differ in length")
        object.__setattr__(self, "account_ids", ids)
        for nm, a in (("collateral", c), ("debt_usd", d), *legs.items()):
            bad = ~np.isfinite(a) | (a < 0)
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"lending {self.name!r}: {nm}[{i}] must be >= 0 (got {a[i]})")
        for nm in ("liq_threshold", "liq_bonus"):
            v = check_number(getattr(self, nm), nm, f"lending {self.name!r}: {nm}")
            why = rate_refusal(nm, v)
            if why is not None:
                raise InputError(f"lending {self.name!r}: {why}", param=nm)
            object.__setattr__(self, nm, v)
        why = aave_bonus_refusal(self.liq_threshold, self.liq_bonus, ("liq_threshold", "liq_bonus"))
        if why is not None:  # the rule of the class, wherever the market comes from
            raise InputError(f"lending {self.name!r}: {why}", param="liq_bonus")
        if not (math.isfinite(self.collateral_price) and self.collateral_price > 0):
            raise InputError(f"lending {self.name!r}: collateral_price must be > 0 USD")
        if not (math.isfinite(self.dex_depth_usd) and self.dex_depth_usd > 0):
            raise InputError(f"lending {self.name!r}: dex_depth_usd must be > 0 USD")
        check_beta(self.beta, f"lending {self.name!r}: beta")
        check_whole(
            self.n_dropped_initially_liquidatable,
            "n_dropped_initially_liquidatable",
            0,
            label=f"lending {self.name!r}: n_dropped_initially_liquidatable",
        )

    @property
    def moving_debt(self) -> bool:
        """Some account owes debt not held in USD (in the collateral's asset or the source's)."""
        assert self.debt_collateral is not None and self.debt_source_usd is not None
        return bool(self.debt_collateral.any() or self.debt_source_usd.any())

    def debt_at(self, price: float, source_ratio: float) -> FloatArray:
        """Every account's debt in USD, the collateral at ``price``, the source moved.

        Parameters
        ----------
        price : float
            Collateral price, USD per token.
        source_ratio : float
            The oracle source's price over its start price (dimensionless; floored at 0).

        Returns
        -------
        array of float
            ``debt_usd + debt_collateral · price + debt_source_usd · source_ratio``, USD.
        """
        assert self.debt_collateral is not None and self.debt_source_usd is not None
        if not self.moving_debt:
            return self.debt_usd
        return debt_legs_usd(
            self.debt_usd, self.debt_collateral, self.debt_source_usd, price, source_ratio
        )

    def source_ratio(self, price: float) -> float:
        """The oracle source's move (price over start) that puts the collateral at ``price``.

        Parameters
        ----------
        price : float
            Collateral price, USD per token.

        Returns
        -------
        float
            The inverse of ``price = collateral_price · (1 + beta · (ratio − 1))``,
            floored at 0 (dimensionless).
        """
        return max(1.0 + (price / self.collateral_price - 1.0) / self.beta, 0.0)

    def health_factors(self, price: float) -> FloatArray:
        """Health factor of every account at a collateral price (USD).

        Parameters
        ----------
        price : float
            Collateral price, USD per token; the debt that moves with the oracle's source
            is at the source's move that gives it (:meth:`source_ratio`).

        Returns
        -------
        array of float
            ``collateral · price · liq_threshold / debt`` per account, the debt of every
            leg at that price (:meth:`debt_at`; dimensionless; < 1 is liquidatable; inf
            without debt).
        """
        debt = self.debt_at(price, self.source_ratio(price))
        with np.errstate(divide="ignore", invalid="ignore"):
            hf = self.collateral * price * self.liq_threshold / debt
        return np.where(debt > 0, hf, np.inf)


@dataclass
class LendingState:
    """Mutable state of a lending market during the loop.

    Attributes
    ----------
    market : LendingMarket
        The market (its arrays are copied, not changed).
    source0 : float
        The oracle source's price at the start (mean of the source venues' prices),
        USD; the collateral price moves ``beta`` times the source's move from it.
    last_update : int, default 0
        Round of the oracle's last push.
    liquidated_usd : float, default 0.0
        Collateral seized so far, USD at the oracle price.
    repaid_usd : float, default 0.0
        Debt repaid by liquidators so far, USD.
    bad_debt_usd : float, default 0.0
        Debt left without collateral so far, USD.
    n_liquidations : int, default 0
        Executed ``liquidationCall`` calls.
    n_reverted : int, default 0
        Calls that reverted (they would have left dust).
    liquidated_accounts : set of int
        Indices of the accounts liquidated at least once.
    round : int, default 0
        The round being run (:meth:`update_oracle` sets it): an account's first
        liquidation's, in :meth:`accounts_frame`.
    n_oracle_updates : int, default 0
        Pushes of the oracle.
    price_floor_hit : bool, default False
        The collateral price reached :data:`PRICE_FLOOR` (its formula gave <= 0).
    """

    market: LendingMarket
    source0: float
    collateral: FloatArray = field(init=False)
    debt: FloatArray = field(init=False)
    debt_collateral: FloatArray = field(init=False)
    debt_source_usd: FloatArray = field(init=False)
    oracle_source: float = field(init=False)
    last_update: int = 0
    dex_x: float = field(init=False)
    dex_y: float = field(init=False)
    liquidated_usd: float = 0.0
    repaid_usd: float = 0.0
    bad_debt_usd: float = 0.0
    n_liquidations: int = 0
    n_reverted: int = 0
    liquidated_accounts: set[int] = field(default_factory=set)
    n_oracle_updates: int = 0
    price_floor_hit: bool = False
    round: int = 0
    #: per account: collateral seized (tokens, the liquidator's), its USD at the oracle
    #: price, debt repaid (USD), bad debt (USD), the round of the first call (0: none)
    _by_account: dict[str, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        m = self.market
        assert m.debt_collateral is not None and m.debt_source_usd is not None
        n = m.collateral.size
        self._by_account = {k: np.zeros(n) for k in
                            ("seized", "seized_usd", "repaid_usd", "bad_usd")}  # fmt: skip
        self._by_account["first_round"] = np.zeros(n, dtype=np.int64)
        self.collateral = m.collateral.copy()
        self.debt = m.debt_usd.copy()
        self.debt_collateral = m.debt_collateral.copy()
        self.debt_source_usd = m.debt_source_usd.copy()
        self.oracle_source = self.source0
        self.dex_y = m.dex_depth_usd
        self.dex_x = m.dex_depth_usd / m.collateral_price

    @property
    def collateral_price(self) -> float:
        """Collateral price implied by the oracle, USD."""
        m = self.market
        return max(m.collateral_price * (1.0 + m.beta * (self.oracle_source / self.source0 - 1)),
                   PRICE_FLOOR)  # fmt: skip

    @property
    def dex_price(self) -> float:
        """Marginal price of the DEX pool, USD."""
        return self.dex_y / self.dex_x

    def update_oracle(self, source_price: float, k: int) -> bool:
        """Push a new price if the deviation or the heartbeat asks for it; True if updated.

        Parameters
        ----------
        source_price : float
            The oracle source's current price (mean of its venues'), USD.
        k : int
            The current round (the heartbeat counts rounds).

        Returns
        -------
        bool
            True when a new price was pushed.
        """
        self.round = k
        o = self.market.oracle
        moved = abs(source_price / self.oracle_source - 1.0) > o.deviation
        stale = o.heartbeat > 0 and k - self.last_update >= o.heartbeat
        if (moved or stale) and source_price != self.oracle_source:
            self.oracle_source = source_price
            self.last_update = k
            self.n_oracle_updates += 1
            self.price_floor_hit = self.price_floor_hit or self.collateral_price <= PRICE_FLOOR
            return True
        if stale:
            self.last_update = k
        return False

    def pending(self, source_price: float) -> bool:
        """The oracle lags the source (a later heartbeat would move it).

        Parameters
        ----------
        source_price : float
            The oracle source's current price, USD.

        Returns
        -------
        bool
            True when the oracle has a heartbeat and its price differs from
            ``source_price``.
        """
        o = self.market.oracle
        return o.heartbeat > 0 and source_price != self.oracle_source

    def debt_now(self) -> FloatArray:
        """Every account's debt in USD at the oracle's price, each leg at its own price."""
        p = self.collateral_price
        if not self.market.moving_debt:
            return self.debt
        ratio = self.oracle_source / self.source0
        return debt_legs_usd(self.debt, self.debt_collateral, self.debt_source_usd, p, ratio)

    def liquidate(self) -> tuple[float, float, float, float]:
        """One ``liquidationCall`` per liquidatable account at the oracle price.

        The account's debt is repaid as one, each leg in proportion to its value (the
        stablecoin, collateral-asset and source-asset debts of
        :class:`LendingMarket` are cut by the same share).

        Returns
        -------
        tuple
            ``(collateral seized, tokens; collateral seized, USD; debt repaid, USD;
            bad debt, USD)`` of this round. Calls that would leave dust revert
            (``MUST_NOT_LEAVE_DUST``) and are counted in ``n_reverted``.
        """
        m = self.market
        p = self.collateral_price
        debt = self.debt_now()
        live = (debt > 0) & (self.collateral > 0)
        if not live.any():
            return 0.0, 0.0, 0.0, 0.0
        idx = np.nonzero(live)[0]
        r = aave_liquidation(
            self.collateral[idx], p, debt[idx], 1.0, m.liq_threshold, m.liq_bonus,
            liquidation_protocol_fee=m.protocol_fee,
        )  # fmt: skip
        ok = r.liquidatable & ~r.leaves_dust
        self.n_reverted += int(r.leaves_dust.sum())
        if not ok.any():
            return 0.0, 0.0, 0.0, 0.0
        j = idx[ok]
        seized = r.collateral_seized[ok]
        fee = r.protocol_fee[ok]
        repaid = r.debt_repaid[ok]
        bad = r.bad_debt_usd[ok]
        self.collateral[j] = np.maximum(self.collateral[j] - seized - fee, 0.0)
        left = np.where(bad > 0, 0.0, np.maximum(debt[j] - repaid, 0.0))
        if m.moving_debt:  # every leg cut by the share repaid
            share = np.divide(left, debt[j], out=np.zeros_like(left), where=debt[j] > 0)
            self.debt_collateral[j] *= share
            self.debt_source_usd[j] *= share
            left = self.debt[j] * share
        self.debt[j] = left
        self.n_liquidations += int(ok.sum())
        self.liquidated_accounts.update(int(i) for i in j)
        by = self._by_account
        by["first_round"][j] = np.where(by["first_round"][j] == 0, self.round,
                                        by["first_round"][j])  # fmt: skip
        by["seized"][j] += seized
        by["seized_usd"][j] += r.collateral_seized_usd[ok]
        by["repaid_usd"][j] += r.debt_repaid_usd[ok]
        by["bad_usd"][j] += bad
        s_tok = float(seized.sum())
        s_usd = float(r.collateral_seized_usd[ok].sum())
        rep = float(r.debt_repaid_usd[ok].sum())
        b = float(bad.sum())
        self.liquidated_usd += s_usd
        self.repaid_usd += rep
        self.bad_debt_usd += b
        return s_tok, s_usd, rep, b

    def accounts_frame(self) -> pd.DataFrame:
        """One row per account: where it started, whether and how it was liquidated.

        Returns
        -------
        DataFrame
            Indexed by ``account`` (the market's ``account_ids``: an accounts file's data
            row). ``collateral`` (tokens) and ``debt_usd`` (every leg, USD) at the start
            price and ``health_factor`` there; ``liquidated`` (bool), ``first_round`` (the
            round of its first ``liquidationCall``, 0 for none), ``collateral_seized``
            (tokens, the liquidators'), ``collateral_seized_usd`` (USD at the oracle
            price of each call; the market's ``liquidated_usd`` is their sum),
            ``debt_repaid_usd``, ``bad_debt_usd`` (USD); ``collateral_end`` (tokens) and
            ``debt_end_usd`` (every leg at the oracle's last price, USD).
        """
        m = self.market
        assert m.account_ids is not None  # set by LendingMarket.__post_init__
        by = self._by_account
        p0 = m.collateral_price
        return pd.DataFrame(
            {"collateral": m.collateral, "debt_usd": m.debt_at(p0, 1.0),
             "health_factor": m.health_factors(p0), "liquidated": by["first_round"] > 0,
             "first_round": by["first_round"], "collateral_seized": by["seized"],
             "collateral_seized_usd": by["seized_usd"], "debt_repaid_usd": by["repaid_usd"],
             "bad_debt_usd": by["bad_usd"], "collateral_end": self.collateral,
             "debt_end_usd": self.debt_now()},
            index=pd.Index(list(m.account_ids), name="account"),
        )  # fmt: skip

    def dex_sell(self, tokens: float) -> float:
        """Sell collateral into the constant-product pool; returns USD received.

        Parameters
        ----------
        tokens : float
            Collateral sold, token units (e.g. WBTC); <= 0 sells nothing.

        Returns
        -------
        float
            Stablecoins received, USD (the pool's price moves down).
        """
        if tokens <= 0:
            return 0.0
        k = self.dex_x * self.dex_y
        self.dex_x += tokens
        new_y = k / self.dex_x
        out = self.dex_y - new_y
        self.dex_y = new_y
        return out


def liquidate_at_price(
    market: LendingMarket, price: float, max_calls: int = 50
) -> dict[str, float]:
    """A lending market's accounts liquidated at one collateral price, held.

    The lending rules of the loop (:meth:`LendingState.liquidate`: one
    ``liquidationCall`` per liquidatable account, Aave v3.3's close factor, bonus and
    dust rule) repeated at ``price`` until no account is below HF 1 (or ``max_calls``
    rounds): what the market's oracle reading ``price`` for as long as liquidators need
    gives, with no venue, arbitrage or DEX in between. The price channel apart, it is
    the figure to set beside a record: at the record's own lowest liquidation price,
    the lending rules' answer; at a scenario's price (a 24-hour low), the day's.

    Parameters
    ----------
    market : LendingMarket
        The market (its accounts before any liquidation).
    price : float
        The collateral's price the oracle reads, USD per token, > 0.
    max_calls : int, default 50
        Most rounds of calls.

    Returns
    -------
    dict
        ``collateral_price`` (USD), ``move`` (from the market's start price, fraction),
        ``n_accounts_liquidated``, ``n_liquidations`` (calls), ``liquidated_usd``
        (collateral seized, USD), ``debt_repaid_usd``, ``bad_debt_usd``,
        ``collateral_usd`` (the accounts' collateral at the start price, USD) and
        ``share_of_collateral`` (``liquidated_usd`` over it at ``price``).
    """
    price = check_number(price, "price")
    if not price > 0:
        raise InputError(f"price must be > 0 USD (got {price:g})", param="price")
    ls = LendingState(market, 1.0)
    # the oracle's source price whose push reads ``price`` for the collateral
    ls.oracle_source = 1.0 + (price / market.collateral_price - 1.0) / market.beta
    for k in range(check_whole(max_calls, "max_calls")):
        ls.round = k + 1
        tok, _usd, _rep, _bad = ls.liquidate()
        if tok <= 0:
            break
    held = float(market.collateral.sum()) * price
    return {
        "collateral_price": price,
        "move": price / market.collateral_price - 1.0,
        "n_accounts_liquidated": len(ls.liquidated_accounts),
        "n_liquidations": ls.n_liquidations,
        "liquidated_usd": ls.liquidated_usd,
        "debt_repaid_usd": ls.repaid_usd,
        "bad_debt_usd": ls.bad_debt_usd,
        "collateral_usd": float(market.collateral.sum()) * market.collateral_price,
        "share_of_collateral": ls.liquidated_usd / held if held > 0 else 0.0,
    }
