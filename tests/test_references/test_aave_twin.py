"""Aave v3.3 ``liquidationCall`` against a plain-Python twin written from LiquidationLogic.

The twin follows ``executeLiquidationCall`` and ``_calculateAvailableCollateralToLiquidate``
of aave-v3-origin v3.3 one account at a time, in floating point and USD: the close
factor (50 % of the *total* debt while both reserve values are >= $2,000 and HF >
0.95), the collateral seized with the bonus (or all of it, and the debt that buys it),
the protocol fee taken from the bonus part, the dust rule (a partial call must leave
>= $1,000 of debt and of collateral, the collateral left being the balance minus what
the liquidator *and* the treasury take) and the v3.3 deficit (no collateral left: the
rest of the debt is bad debt). ``liqcascade.margin.aave_liquidation`` is vectorised
numpy; the two are held equal on thousands of random accounts (rtol 1e-12, the flags
exactly; the draws are continuous, so no account sits on a threshold).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from floats import assert_same
from liqcascade.margin import aave_liquidation

HALF, HF_FULL, MIN_BASE, LEFTOVER = 0.5, 0.95, 2000.0, 1000.0


def call_py(
    c: float, cp: float, d: float, dp: float, lt: float, bonus: float, cover: float,
    hf: float | None, tot_debt: float | None, tot_coll: float | None, fee_share: float,
) -> dict[str, Any]:  # fmt: skip
    """One liquidationCall (v3.3), scalars; zeros when the account is not liquidatable."""
    coll_usd, debt_usd = c * cp, d * dp
    tot_debt = debt_usd if tot_debt is None else tot_debt
    tot_coll = coll_usd if tot_coll is None else tot_coll
    if hf is None:
        hf = coll_usd * lt / debt_usd if debt_usd > 0 else math.inf
    out = dict.fromkeys(
        ("close_factor", "debt_repaid", "collateral_seized", "protocol_fee", "debt_repaid_usd",
         "collateral_seized_usd", "liquidator_bonus_usd", "bad_debt_usd"), 0.0,
    )  # fmt: skip
    out.update(health_factor=hf, liquidatable=False, leaves_dust=False)
    if not (hf < 1.0 and d > 0 and c > 0):
        return out
    # executeLiquidationCall: the whole reserve debt, unless both values are large and HF > 0.95
    max_debt, close_factor = d, 1.0
    if coll_usd >= MIN_BASE and debt_usd >= MIN_BASE and hf > HF_FULL:
        close_factor = HALF
        if debt_usd > tot_debt * HALF:
            max_debt = tot_debt * HALF / dp
    actual_debt = min(cover, max_debt)
    # _calculateAvailableCollateralToLiquidate
    max_coll = actual_debt * dp / cp * bonus
    if max_coll > c:
        coll_amount, debt_needed = c, cp * c / dp / bonus
    else:
        coll_amount, debt_needed = max_coll, actual_debt
    fee = (coll_amount - coll_amount / bonus) * fee_share
    to_liquidator = coll_amount - fee
    # the dust rule: the treasury's fee leaves the borrower's balance too (liquidator's
    # part + fee = coll_amount, written once: in floats their sum may miss it by an ulp)
    dust = False
    if debt_needed < d and coll_amount < c:
        debt_left_usd = (d - debt_needed) * dp
        coll_left_usd = (c - coll_amount) * cp
        dust = debt_left_usd < LEFTOVER or coll_left_usd < LEFTOVER
    # v3.3 deficit: the seized collateral was all the account had
    bad = 0.0
    if math.isclose(coll_amount * cp, tot_coll, rel_tol=1e-12, abs_tol=1e-9):
        bad = max(tot_debt - debt_needed * dp, 0.0)
    out.update(
        liquidatable=True,
        close_factor=close_factor,
        debt_repaid=debt_needed,
        collateral_seized=to_liquidator,
        protocol_fee=fee,
        debt_repaid_usd=debt_needed * dp,
        collateral_seized_usd=to_liquidator * cp,
        liquidator_bonus_usd=to_liquidator * cp - debt_needed * dp,
        bad_debt_usd=bad,
        leaves_dust=dust,
    )
    return out


def _accounts(rng: np.random.Generator, n: int, totals: bool) -> dict[str, np.ndarray]:
    """Accounts around HF 1 with values from $10 to $10M, some below the $2,000 line."""
    cp = rng.uniform(0.5, 5000.0, n)
    dp = np.where(rng.random(n) < 0.5, 1.0, rng.uniform(0.9, 1.1, n))
    c = np.exp(rng.uniform(np.log(10.0), np.log(1e7), n)) / cp
    lt = rng.uniform(0.5, 0.95, n)
    hf = rng.uniform(0.6, 1.15, n)
    d = c * cp * lt / hf / dp
    cover = np.where(rng.random(n) < 0.5, np.inf, rng.uniform(0.0, 1.3, n) * d)
    acc = {
        "c": c, "cp": cp, "d": d, "dp": dp, "lt": lt,
        "bonus": rng.uniform(1.0, 1.15, n), "cover": cover,
        "fee": np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.0, 0.6, n)),
    }  # fmt: skip
    if totals:  # other reserves: more debt and collateral than this pair, and a given HF
        acc["tot_debt"] = d * dp * (1.0 + rng.exponential(0.7, n))
        more = np.where(rng.random(n) < 0.3, 0.0, rng.exponential(0.5, n))
        acc["tot_coll"] = c * cp * (1.0 + more)
        acc["hf"] = rng.uniform(0.6, 1.1, n)
    return acc


KEYS = (
    "health_factor",
    "close_factor",
    "debt_repaid",
    "collateral_seized",
    "protocol_fee",
    "debt_repaid_usd",
    "collateral_seized_usd",
    "liquidator_bonus_usd",
    "bad_debt_usd",
)


def _twin_row(a: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    def opt(k: str) -> float | None:
        return None if k not in a else float(a[k][i])

    x = [float(a[k][i]) for k in ("c", "cp", "d", "dp", "lt", "bonus", "cover")]
    return call_py(*x, opt("hf"), opt("tot_debt"), opt("tot_coll"), float(a["fee"][i]))


@pytest.mark.parametrize("totals", [False, True])
def test_vectorised_call_equals_the_twin_on_random_accounts(totals: bool) -> None:
    rng = np.random.default_rng(16 + totals)
    n = 3000
    a = _accounts(rng, n, totals)
    r = aave_liquidation(
        a["c"], a["cp"], a["d"], a["dp"], a["lt"], a["bonus"], debt_to_cover=a["cover"],
        health_factor=a.get("hf"), total_debt_usd=a.get("tot_debt"),
        total_collateral_usd=a.get("tot_coll"), liquidation_protocol_fee=a["fee"],
    )  # fmt: skip
    rows = [_twin_row(a, i) for i in range(n)]
    for k in ("liquidatable", "leaves_dust"):
        assert_same(getattr(r, k), np.array([row[k] for row in rows]))
    for k in KEYS:
        assert_same(getattr(r, k), np.array([row[k] for row in rows]), rtol=1e-12, atol=1e-9)
    # the draws reach every branch the twin has
    liq = r.liquidatable
    assert liq.sum() > n // 3 and (~liq).sum() > n // 10
    assert (r.close_factor[liq] == 0.5).sum() > 50 and (r.close_factor[liq] == 1.0).sum() > 50
    assert r.leaves_dust.sum() > 20 and (r.bad_debt_usd > 0).sum() > 20
    assert (r.protocol_fee > 0).sum() > 100


def test_dust_counts_the_treasurys_fee_as_taken_from_the_balance() -> None:
    """v3.3 ``isCollateralMoreThanLeftoverThreshold``: balance − actualCollateral − fee.

    1.05025 WETH at $2,000 ($2,100.50, LT 0.93) against 2,010 USDC: HF 0.97187 > 0.95
    and both values >= $2,000, so at most half the debt, 1,005 USDC, is repaid; with a
    10 % bonus that is 0.55275 WETH, of which the bonus part is 0.05025 WETH and the
    treasury's half of it 0.025125 WETH. The borrower keeps 1.05025 − 0.55275 = 0.4975
    WETH = $995 < $1,000: the call reverts (MUST_NOT_LEAVE_DUST). Counting only the
    liquidator's part as taken would leave $1,045.25 and let it through.
    """
    r = aave_liquidation(1.05025, 2000.0, 2010.0, 1.0, 0.93, 1.10, liquidation_protocol_fee=0.5)
    assert r.health_factor[0] == pytest.approx(2100.5 * 0.93 / 2010.0, rel=1e-12)
    assert r.close_factor[0] == 0.5
    assert r.debt_repaid[0] == pytest.approx(1005.0, rel=1e-12)
    assert r.protocol_fee[0] == pytest.approx(0.025125, rel=1e-12)
    assert r.collateral_seized[0] == pytest.approx(0.55275 - 0.025125, rel=1e-12)
    assert bool(r.leaves_dust[0])
    # without the fee the borrower keeps the same $995: dust either way
    assert bool(aave_liquidation(1.05025, 2000.0, 2010.0, 1.0, 0.93, 1.10).leaves_dust[0])
    # a slightly larger balance leaves $1,045 after liquidator and treasury: no dust
    assert not bool(
        aave_liquidation(1.07525, 2000.0, 2010.0, 1.0, 0.93, 1.10,
                         liquidation_protocol_fee=0.5).leaves_dust[0]
    )  # fmt: skip
