"""Aave v3 lending: health factor, liquidation price, liquidation call (v3.3 rules).

Follows ``LiquidationLogic.executeLiquidationCall`` and
``_calculateAvailableCollateralToLiquidate`` of aave-v3-origin (v3.3), in floating
point and USD (the base currency; Aave's oracle prices are USD with 8 decimals):

- ``HF = Σ collateral·price·LT / Σ debt·price``; liquidatable when ``HF < 1``.
- Close factor: a liquidation may repay the whole debt of the reserve, unless the
  reserve's collateral **and** debt are both worth >= $2,000
  (``MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD``) **and** ``HF > 0.95``
  (``CLOSE_FACTOR_HF_THRESHOLD``): then at most 50 % of the account's *total* debt
  (in USD) is repaid.
- Collateral seized ``= debt_repaid·debt_price/collateral_price·bonus`` (bonus a
  multiplier, 1.05 = 5 %); if that exceeds the collateral, all of it is seized and
  the debt repaid shrinks to ``collateral·price/debt_price/bonus``.
- Protocol fee: a share of the bonus part of the seized collateral goes to the
  treasury (``liquidation_protocol_fee``, default 0 here).
- Dust rule: a partial liquidation (not all debt, not all collateral) must leave
  >= $1,000 (``MIN_LEFTOVER_BASE``) of both the reserve's debt and collateral (the
  collateral left is the balance minus what the liquidator and the treasury's fee
  take), or the call reverts (``MUST_NOT_LEAVE_DUST``): flagged as ``leaves_dust``.
- Bad debt (v3.3 deficit): if the seized collateral was the account's whole
  collateral, the remaining debt is written off as deficit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._limits import MAX_USD, check_number, check_usd_amounts, percent_hint, real_array
from liqcascade._typing import BoolArray, FloatArray
from liqcascade.errors import InputError

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Share of the total debt a liquidation may repay when the full close factor does not apply.
DEFAULT_LIQUIDATION_CLOSE_FACTOR: float = 0.5
#: At or below this health factor the whole debt of a reserve may be repaid.
CLOSE_FACTOR_HF_THRESHOLD: float = 0.95
#: Below this reserve collateral or debt value (USD) the whole debt may be repaid.
MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD: float = 2000.0
#: A partial liquidation must leave at least this much (USD) of debt and of collateral.
MIN_LEFTOVER_BASE: float = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2

_ALIASES = {"ETH": "WETH", "BTC": "WBTC"}


def _arr(x: Any, name: str, *, positive: bool = False, at_most: float | None = None) -> FloatArray:
    """``x`` as float64 (its shape kept), finite and >= 0 (> 0), at most ``at_most``.

    Numbers only: a Python or numpy int or float, a ``Decimal`` or a ``Fraction`` (read
    as its float), or an array of them. Text (``"5"``), bytes, a bool or None is refused,
    not cast (``"5"`` was read as 5, ``True`` as 1). A fraction
    above 1 is a percent; an amount past ``MAX_USD`` is past any market.
    """
    rule = ("> 0" if positive else ">= 0") + ("" if at_most is None else f" and <= {at_most:g}")
    return real_array(
        x, name, least=0.0, strict=positive, most=at_most, shape="any",
        numbers="{name} must be a number or an array of numbers (got {values!r})",
        fault=lambda where, v: f"{name}{where} must be finite and {rule} (got {v})",
    )  # fmt: skip


@dataclass(frozen=True)
class AaveReserve:
    """Risk parameters of one Aave v3 reserve.

    Parameters
    ----------
    symbol : str
        Token symbol as listed (``"WETH"``).
    chain : str
        Network (``"ethereum"``, ``"arbitrum"``, ...).
    ltv : float
        Loan-to-value, fraction: borrowing power per USD of collateral.
    liquidation_threshold : float
        LT, fraction: weight of the collateral in the health factor.
    liquidation_bonus : float
        Multiplier on collateral seized per USD repaid (1.05 = 5 % bonus).
    decimals : int
        Token decimals.
    usage_as_collateral : bool
        Whether the reserve counts as collateral.

    Raises
    ------
    InputError
        ``param=`` the field: LTV or LT not a fraction in [0, 1] (a percent told so), LTV
        above LT, a bonus outside [1, 2) (0 only with LT 0, Aave's non-collateral reserves) or
        ``LT x bonus > 1`` (Aave's ``PoolConfigurator.configureReserveAsCollateral``
        rules; :func:`health_factor` reads thresholds in [0, 1]).
    """

    symbol: str
    chain: str
    ltv: float
    liquidation_threshold: float
    liquidation_bonus: float
    decimals: int = 18
    usage_as_collateral: bool = True

    def __post_init__(self) -> None:
        for name in ("ltv", "liquidation_threshold"):
            v = check_number(getattr(self, name), name)
            if not (math.isfinite(v) and 0 <= v <= 1):
                raise InputError(
                    f"{name} must be a fraction in [0, 1] (got {v:g}{percent_hint(v, 10.0)})",
                    param=name,
                )
            object.__setattr__(self, name, v)
        ltv, lt = self.ltv, self.liquidation_threshold
        if ltv > lt:
            raise InputError(
                f"ltv must be <= liquidation_threshold (got {ltv:g} > {lt:g}): Aave borrows "
                "below the threshold it liquidates at",
                param="ltv",
            )
        b = check_number(self.liquidation_bonus, "liquidation_bonus")
        note = "; 0 only for a reserve with liquidation_threshold 0"
        bad = None if b == 0 and lt == 0 else aave_bonus_range_refusal(b, note=note)
        if bad is not None:
            raise InputError(bad, param="liquidation_bonus")
        why = aave_bonus_refusal(lt, b)
        if why is not None:
            raise InputError(why, param="liquidation_bonus")
        object.__setattr__(self, "liquidation_bonus", b)


def aave_bonus_range_refusal(
    bonus: float, name: str = "liquidation_bonus", note: str = ""
) -> str | None:
    """Why a liquidation bonus is not a multiplier in ``[1, 2)``, or None when it is.

    The one wording of the bonus's range (:class:`AaveReserve`, the contagion
    ``LendingMarket`` and its configuration's ``liq_bonus``): a bonus given in percent
    (5 for 5 %) is told so (:func:`liqcascade._limits.percent_hint`, base 1).

    Parameters
    ----------
    bonus : float
        Liquidation bonus, multiplier (1.05 = 5 %).
    name : str, default "liquidation_bonus"
        How the message names it (the caller's parameter name).
    note : str, optional
        Added inside the parentheses, after the example (``"; 0 only for ..."``).

    Returns
    -------
    str or None
        ``"NAME must be a multiplier in [1, 2) (got 5; for 5 % give 1.05; 1.05 is a 5 %
        bonus)"``, or None.
    """
    if math.isfinite(bonus) and 1 <= bonus < 2:
        return None
    return (
        f"{name} must be a multiplier in [1, 2) (got {bonus:g}"
        f"{percent_hint(bonus, 2.0, base=1.0)}; 1.05 is a 5 % bonus{note})"
    )


def aave_bonus_refusal(
    liq_threshold: float,
    liq_bonus: float,
    names: tuple[str, str] = ("liquidation_threshold", "liquidation_bonus"),
) -> str | None:
    """Why a liquidation threshold and bonus cannot go together, or None when they can.

    The one rule of :class:`AaveReserve` and :class:`liqcascade.contagion.LendingMarket`
    (Aave's ``PoolConfigurator.configureReserveAsCollateral``): ``LT x bonus <= 1``, else
    at HF 1 a whole liquidation would seize more collateral than the account holds.

    Parameters
    ----------
    liq_threshold : float
        Liquidation threshold, fraction (0.83).
    liq_bonus : float
        Liquidation bonus, multiplier (1.05 = 5 %).
    names : (str, str), default ("liquidation_threshold", "liquidation_bonus")
        How the message names the two (the caller's parameter names).

    Returns
    -------
    str or None
        ``"LT x BONUS must be <= 1 (got 0.95 x 1.15 = 1.093): ..."``, or None.
    """
    product = liq_threshold * liq_bonus
    if not product > 1 + 1e-12:
        return None
    return (
        f"{names[0]} x {names[1]} must be <= 1 (got {liq_threshold:g} x {liq_bonus:g} = "
        f"{product:.4g}): at HF 1 a whole liquidation would seize more collateral than the "
        "account holds (Aave's PoolConfigurator rule)"
    )


def aave_reserve(symbol: str, chain: str = "ethereum") -> AaveReserve:
    """Aave v3 reserve parameters from the bundled snapshot (2025-10-23).

    Parameters
    ----------
    symbol : str
        Token symbol, case-insensitive (``"ETH"`` means ``"WETH"``, ``"BTC"`` ``"WBTC"``).
    chain : str, default "ethereum"
        Network name as in :func:`liqcascade.datasets.load_aave_reserve_params`.

    Returns
    -------
    AaveReserve

    Examples
    --------
    >>> r = aave_reserve("WETH")
    >>> (r.ltv, r.liquidation_threshold, r.liquidation_bonus)
    (0.805, 0.83, 1.05)
    """
    from liqcascade.data import aave_reserve_params as load_aave_reserve_params

    data = load_aave_reserve_params()["data"]
    if chain not in data:
        raise InputError(f"unknown Aave chain {chain!r} (have: {', '.join(sorted(data))})")
    want = symbol.strip().upper()
    want = _ALIASES.get(want, want)
    for row in data[chain]:
        if str(row["symbol"]).upper() == want:
            return AaveReserve(
                symbol=str(row["symbol"]),
                chain=chain,
                ltv=float(row["ltv"]),
                liquidation_threshold=float(row["liquidationThreshold"]),
                liquidation_bonus=float(row["liquidationBonus"]),
                decimals=int(row.get("decimals", 18)),
                usage_as_collateral=bool(row.get("usageAsCollateralEnabled", True)),
            )
    raise InputError(f"no Aave reserve {symbol!r} on {chain}")


def health_factor(
    collateral_amounts: Any,
    collateral_prices: Any,
    liq_thresholds: Any,
    debt_amounts: Any,
    debt_prices: Any,
) -> FloatArray:
    r"""Aave health factor of one or many accounts.

    Parameters
    ----------
    collateral_amounts, collateral_prices, liq_thresholds : array-like
        Collateral per asset (token units), price (USD), liquidation threshold
        (fraction). Shape ``(n_assets,)`` for one account or ``(n_accounts, n_assets)``;
        prices and thresholds broadcast.
    debt_amounts, debt_prices : array-like
        Debt per asset (token units) and price (USD), same layout.

    Returns
    -------
    array of float
        ``Σ coll·price·LT / Σ debt·price`` per account (0-d for one account); ``inf``
        without debt.

    Raises
    ------
    InputError
        Naming the input at fault: an amount, price or threshold that is not a finite
        number >= 0, a threshold above 1, or a value ``amount x price`` past 1e15 USD
        (:data:`~liqcascade._limits.MAX_USD`; naming both).

    Notes
    -----
    .. math:: HF = \frac{\sum_i c_i p_i LT_i}{\sum_j d_j q_j}
    """
    c = _arr(collateral_amounts, "collateral_amounts")
    p = _arr(collateral_prices, "collateral_prices")
    lt = _arr(liq_thresholds, "liq_thresholds", at_most=1.0)
    d = _arr(debt_amounts, "debt_amounts")
    q = _arr(debt_prices, "debt_prices")
    with np.errstate(over="ignore"):  # 1e200 x 1e200 came back as inf, HF 0 or NaN
        coll_usd, debt_usd = c * p, d * q
    check_usd_amounts(coll_usd, "collateral_amounts{i} x collateral_prices{i}",
                      ("collateral_amounts", "collateral_prices"))  # fmt: skip
    check_usd_amounts(debt_usd, "debt_amounts{i} x debt_prices{i}",
                      ("debt_amounts", "debt_prices"))  # fmt: skip
    weighted = np.sum(coll_usd * lt, axis=-1)
    debt = np.sum(debt_usd, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        hf = np.where(debt > 0, weighted / np.where(debt > 0, debt, 1.0), np.inf)
    return np.asarray(hf, dtype=np.float64)


def aave_liquidation_price(
    collateral_amount: Any,
    liq_threshold: Any,
    debt_usd: Any,
    other_weighted_collateral_usd: Any = 0.0,
) -> FloatArray:
    """Price of a collateral asset at which the account's health factor reaches 1 (USD).

    Parameters
    ----------
    collateral_amount : float or array
        Units of the volatile collateral (e.g. ETH), > 0.
    liq_threshold : float or array
        Its liquidation threshold, fraction.
    debt_usd : float or array
        The account's debt, USD, taken as fixed (stablecoin debt).
    other_weighted_collateral_usd : float or array, default 0
        ``Σ value·LT`` of the account's other collateral, USD, held fixed.

    Returns
    -------
    array of float
        ``(debt_usd - other) / (collateral_amount * LT)``; the account is liquidatable
        at or below it. 0 where the other collateral alone covers the debt.
    """
    c = _arr(collateral_amount, "collateral_amount", positive=True)
    lt = _arr(liq_threshold, "liq_threshold", positive=True, at_most=1.0)
    debt = _arr(debt_usd, "debt_usd", at_most=MAX_USD)
    other = _arr(other_weighted_collateral_usd, "other_weighted_collateral_usd", at_most=MAX_USD)
    return np.atleast_1d(np.maximum((debt - other) / (c * lt), 0.0))


@dataclass(frozen=True, eq=False)
class AaveLiquidation(SummaryDict):
    """Outcome of one Aave v3 ``liquidationCall`` per account (flat arrays).

    Parameters
    ----------
    health_factor : array of float
        Health factor before the call.
    liquidatable : array of bool
        ``HF < 1``; where False every amount below is 0.
    close_factor : array of float
        Share of the total debt the call may repay: 0.5, or 1 when ``HF <= 0.95`` or
        the reserve's collateral or debt is below $2,000.
    debt_repaid : array of float
        Debt repaid by the liquidator, debt-token units.
    collateral_seized : array of float
        Collateral sent to the liquidator, collateral-token units (after the fee).
    protocol_fee : array of float
        Collateral sent to the treasury, collateral-token units.
    debt_repaid_usd, collateral_seized_usd : array of float
        The same in USD.
    liquidator_bonus_usd : array of float
        ``collateral_seized_usd - debt_repaid_usd``.
    bad_debt_usd : array of float
        Debt written off (deficit) because no collateral is left, USD.
    leaves_dust : array of bool
        The call would revert on-chain (``MUST_NOT_LEAVE_DUST``): a partial
        liquidation leaving less than $1,000 of debt or collateral.
    """

    health_factor: FloatArray
    liquidatable: BoolArray
    close_factor: FloatArray
    debt_repaid: FloatArray
    collateral_seized: FloatArray
    protocol_fee: FloatArray
    debt_repaid_usd: FloatArray
    collateral_seized_usd: FloatArray
    liquidator_bonus_usd: FloatArray
    bad_debt_usd: FloatArray
    leaves_dust: BoolArray

    def __len__(self) -> int:
        return int(self.health_factor.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """One row per account with every field."""
        return pd.DataFrame({k: getattr(self, k) for k in self.__dataclass_fields__})

    def summary(self) -> pd.Series:
        """Totals: accounts liquidatable, USD repaid and seized, bonus, bad debt."""
        out: dict[str, Any] = {
            "n_accounts": len(self),
            "n_liquidatable": int(self.liquidatable.sum()),
            "debt_repaid_usd": float(self.debt_repaid_usd.sum()),
            "collateral_seized_usd": float(self.collateral_seized_usd.sum()),
            "liquidator_bonus_usd": float(self.liquidator_bonus_usd.sum()),
            "bad_debt_usd": float(self.bad_debt_usd.sum()),
            "n_leaves_dust": int(self.leaves_dust.sum()),
        }
        return pd.Series(out)

    def plot(self) -> go.Figure:
        """Debt repaid against health factor for the liquidatable accounts."""
        import plotly.graph_objects as go

        m = self.liquidatable
        fig = go.Figure(
            go.Scatter(
                x=self.health_factor[m], y=self.debt_repaid_usd[m], mode="markers", name="repaid"
            )
        )
        fig.update_layout(
            title="Aave v3 liquidations", xaxis_title="health factor", yaxis_title="USD repaid"
        )
        return fig

    def _repr_html_(self) -> str:
        return f"<b>AaveLiquidation</b> ({len(self)} accounts)" + self.to_frame().head(20).to_html(
            index=False
        )


def aave_liquidation(
    collateral_amount: Any,
    collateral_price: Any,
    debt_amount: Any,
    debt_price: Any,
    liq_threshold: Any,
    liq_bonus: Any,
    *,
    debt_to_cover: Any = np.inf,
    health_factor: Any = None,
    total_debt_usd: Any = None,
    total_collateral_usd: Any = None,
    liquidation_protocol_fee: Any = 0.0,
) -> AaveLiquidation:
    """Apply one Aave v3.3 ``liquidationCall`` (one collateral, one debt reserve), vectorised.

    Parameters
    ----------
    collateral_amount, collateral_price : float or array
        The account's balance of the collateral being seized (token units) and its
        price (USD, > 0).
    debt_amount, debt_price : float or array
        The account's debt in the reserve being repaid (token units) and its price
        (USD, > 0).
    liq_threshold : float or array
        Liquidation threshold of the collateral (fraction); used for the health factor
        when ``health_factor`` is not given.
    liq_bonus : float or array
        Liquidation bonus of the collateral, multiplier (1.05 = 5 %), >= 1.
    debt_to_cover : float or array, default inf
        Debt the liquidator offers to repay, debt-token units (inf = the maximum).
    health_factor : float or array, optional
        The account's health factor (default: from this collateral and debt only).
    total_debt_usd : float or array, optional
        The account's total debt, USD (default: this reserve's debt). The 50 % close
        factor applies to it.
    total_collateral_usd : float or array, optional
        The account's total collateral, USD (default: this reserve's collateral). When
        the seized collateral is all of it, the remaining debt becomes bad debt.
    liquidation_protocol_fee : float or array, default 0
        Share of the bonus collateral paid to the treasury, fraction.

    Returns
    -------
    AaveLiquidation

    Examples
    --------
    10 WETH at $2,000 (LT 0.83, bonus 5 %) against 17,000 USDC: HF 0.976, so 50 %
    of the debt may be repaid, for 8,500 / 2,000 × 1.05 = 4.4625 WETH.

    >>> r = aave_liquidation(10.0, 2000.0, 17_000.0, 1.0, 0.83, 1.05)
    >>> float(r.debt_repaid[0]), float(r.collateral_seized[0])
    (8500.0, 4.4625)
    """
    c = np.atleast_1d(_arr(collateral_amount, "collateral_amount"))
    cp = np.atleast_1d(_arr(collateral_price, "collateral_price", positive=True))
    d = np.atleast_1d(_arr(debt_amount, "debt_amount"))
    dp = np.atleast_1d(_arr(debt_price, "debt_price", positive=True))
    lt = np.atleast_1d(_arr(liq_threshold, "liq_threshold", at_most=1.0))
    bonus = np.atleast_1d(_arr(liq_bonus, "liq_bonus", positive=True))
    if np.any(bonus < 1):
        raise InputError(
            "liq_bonus is a multiplier and must be >= 1 (1.05 = 5 % bonus)", param="liq_bonus"
        )
    cover = np.atleast_1d(np.asarray(debt_to_cover, dtype=np.float64))
    if np.any(np.isnan(cover) | (cover < 0)):
        raise InputError("debt_to_cover must be >= 0", param="debt_to_cover")
    fee_share = np.atleast_1d(
        _arr(liquidation_protocol_fee, "liquidation_protocol_fee", at_most=1.0)
    )
    c, cp, d, dp, lt, bonus, cover, fee_share = np.broadcast_arrays(
        c, cp, d, dp, lt, bonus, cover, fee_share
    )
    coll_usd = c * cp
    debt_usd = d * dp
    check_usd_amounts(coll_usd.ravel(), "collateral_amount{i} x collateral_price{i}",
                      ("collateral_amount", "collateral_price"))  # fmt: skip
    check_usd_amounts(debt_usd.ravel(), "debt_amount{i} x debt_price{i}",
                      ("debt_amount", "debt_price"))  # fmt: skip
    tot_debt = debt_usd if total_debt_usd is None else np.broadcast_to(
        _arr(total_debt_usd, "total_debt_usd", at_most=MAX_USD), c.shape
    )  # fmt: skip
    tot_coll = coll_usd if total_collateral_usd is None else np.broadcast_to(
        _arr(total_collateral_usd, "total_collateral_usd", at_most=MAX_USD), c.shape
    )  # fmt: skip
    if health_factor is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            hf = np.where(debt_usd > 0, coll_usd * lt / np.where(debt_usd > 0, debt_usd, 1), np.inf)
    else:  # a NaN health factor read as "not liquidatable"
        hf = np.broadcast_to(_arr(health_factor, "health_factor"), c.shape).copy()
    liquidatable = (hf < 1.0) & (d > 0) & (c > 0)

    partial = (
        (coll_usd >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD)
        & (debt_usd >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD)
        & (hf > CLOSE_FACTOR_HF_THRESHOLD)
    )
    half_total = tot_debt * DEFAULT_LIQUIDATION_CLOSE_FACTOR
    max_debt = np.where(partial & (debt_usd > half_total), half_total / dp, d)
    close_factor = np.where(partial, DEFAULT_LIQUIDATION_CLOSE_FACTOR, 1.0)
    actual = np.minimum(cover, max_debt)

    max_coll = actual * dp / cp * bonus
    short = max_coll > c
    seized_total = np.where(short, c, max_coll)
    repaid = np.where(short, cp * c / dp / bonus, actual)
    fee = (seized_total - seized_total / bonus) * fee_share
    seized = seized_total - fee

    partial_call = (repaid < d) & (seized_total < c)
    # the collateral left is the balance minus the liquidator's part and the treasury's fee
    dust = partial_call & (
        ((d - repaid) * dp < MIN_LEFTOVER_BASE) | ((c - seized_total) * cp < MIN_LEFTOVER_BASE)
    )
    no_coll_left = np.isclose(seized_total * cp, tot_coll, rtol=1e-12, atol=1e-9)
    bad = np.where(no_coll_left, np.maximum(tot_debt - repaid * dp, 0.0), 0.0)

    z = np.zeros(c.shape)

    def live(x: FloatArray) -> FloatArray:
        return np.where(liquidatable, x, z)

    return AaveLiquidation(
        health_factor=np.asarray(hf, dtype=np.float64),
        liquidatable=liquidatable,
        close_factor=np.where(liquidatable, close_factor, 0.0),
        debt_repaid=live(repaid),
        collateral_seized=live(seized),
        protocol_fee=live(fee),
        debt_repaid_usd=live(repaid * dp),
        collateral_seized_usd=live(seized * cp),
        liquidator_bonus_usd=live(seized * cp - repaid * dp),
        bad_debt_usd=live(bad),
        leaves_dust=liquidatable & dust,
    )
