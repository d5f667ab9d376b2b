"""The exchange's cascade through the calibrated liquidity response (``liquidity="calibrated"``).

A solvency scenario is a move of the index: the index is held at the shocked price
for the horizon (24 h, :func:`liqcascade.cascade._clock.default_grid`) while the
exchange's book responds on the clock (latent depth, resilience, withdrawal,
arbitrage, mark-price triggers, the venue's liquidation rate: docs/liquidity.md).
The exchange's own ``liquidation_fee`` replaces the calibration's. The central
figures come from the calibration's best-fit parameters on the central position book;
the interval (10–90 %) from its bootstrap draws — on each of the position book's own
parameter draws when they are given, every pair equally weighted (the parameters'
uncertainty, the liquidity's and the book's; no volatility is added, so the scenario
keeps its meaning). The static book (:func:`simulate_cascade`,
docs/design.md's semantics) runs beside it as the upper bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from liqcascade._typing import FloatArray
from liqcascade.cascade import (
    C_INDEX,
    C_PRICE,
    Calibration,
    LiquidityParams,
    LiquidityResponse,
    PreparedMarket,
    default_grid,
)

__all__ = ["CalibratedRun", "calibrated_exchange_run"]


@dataclass(frozen=True)
class CalibratedRun:
    """One scenario through the calibrated response.

    ``final_price`` is the furthest price reached in the move's direction (where the
    losses are booked and ADL marks); ``mask``/``fill`` per position of the book (the
    positions the central run liquidated, and their approximate fill: the trade
    price of the first clock step whose mark reached the liquidation price).
    ``p10``/``p90`` are over the parameter draws, ordered by value (the price's p10 is
    its lower: a fall's deeper price, a rise's milder):
    ``n_draws`` liquidity draws times ``n_book_draws`` position-book draws (1: the
    central book only).
    """

    final_price: float
    fund: float
    bad_debt: float
    n_liquidated: int
    liquidated_usd: float
    mask: np.ndarray
    fill: FloatArray
    book_exhausted: bool
    bad_debt_p10: float
    bad_debt_p90: float
    liquidated_p10: float
    liquidated_p90: float
    final_price_p10: float
    final_price_p90: float
    n_draws: int
    n_book_draws: int = 1
    shortfall: float = 0.0


def _one(
    pm: PreparedMarket, d: float, p: LiquidityParams, p1: float, dt: FloatArray, fund0: float,
    record: bool,
) -> tuple[Any, ...]:  # fmt: skip
    resp = LiquidityResponse.of(pm, d, p)
    return resp.run(np.full(dt.size, p1), dt, fund0, record=record)


def calibrated_exchange_run(
    pm: PreparedMarket,
    shock: float,
    calibration: Calibration,
    fund0: float,
    fee: float,
    *,
    horizon_hours: float = 24.0,
    books: Sequence[PreparedMarket] = (),
) -> CalibratedRun:
    """The scenario ``shock`` on the prepared exchange through the calibrated response.

    Parameters
    ----------
    pm : PreparedMarket
        The exchange's order book and positions (no stops), prepared once.
    shock : float
        Move of the index, fraction (``-0.2``).
    calibration : Calibration
        :func:`liqcascade.cascade.load_liquidity` of the market's asset, fitted
        before its date.
    fund0 : float
        Insurance fund at the start, USD.
    fee : float
        The exchange's liquidation fee to the fund, fraction of notional.
    horizon_hours : float
        Clock horizon, hours.
    books : sequence of PreparedMarket, optional
        The position book's parameter draws on the same order book (the interval then
        runs every liquidity draw on every book draw).

    Returns
    -------
    CalibratedRun
    """
    mid = pm.book.mid
    p1 = mid * (1.0 + shock)
    d = 1.0 if shock < 0 else -1.0
    dt = default_grid(horizon_hours)
    central = calibration.params.with_(liquidation_fee=fee)
    r = _one(pm, d, central, p1, dt, fund0, True)
    extreme = d * float(r[0])
    n_liq = int(r[5])
    side = pm.side(d)
    pos = pm.positions
    mask = np.zeros(len(pos), dtype=bool)
    mask[side.pos_index[:n_liq]] = True
    # approximate fill per liquidated position: the trade price of the first step whose
    # mark (w · trade + (1 − w) · index) reached its liquidation price
    tr = np.asarray(r[12])
    w = central.mark_price_weight
    fill = np.full(len(pos), extreme)
    if tr.shape[0] and n_liq:
        mark_x = np.minimum.accumulate(d * (w * tr[:, C_PRICE] + (1 - w) * tr[:, C_INDEX]))
        liq_x = d * pos.liq_price[side.pos_index[:n_liq]]
        # first step with mark_x <= liq_x (mark_x is non-increasing)
        step = np.searchsorted(-mark_x, -liq_x, side="left")
        ok = step < tr.shape[0]
        px = np.where(ok, tr[np.minimum(step, tr.shape[0] - 1), C_PRICE], extreme)
        fill[side.pos_index[:n_liq]] = px
    draws = calibration.draws or (calibration.params,)
    bad, liq, ext = [], [], []
    runs = tuple(books) or (pm,)
    for p in draws:
        for b in runs:
            rd = _one(b, d, p.with_(liquidation_fee=fee), p1, dt, fund0, False)
            bad.append(float(rd[8]))
            liq.append(float(rd[3]))
            ext.append(d * float(rd[0]))
    q = np.quantile
    lo_px, hi_px = float(q(ext, 0.10)), float(q(ext, 0.90))
    return CalibratedRun(
        final_price=extreme,
        fund=float(r[7]),
        bad_debt=float(r[8]),
        n_liquidated=n_liq,
        liquidated_usd=float(r[3]),
        mask=mask,
        fill=fill,
        book_exhausted=bool(r[9]),
        bad_debt_p10=float(q(bad, 0.10)),
        bad_debt_p90=float(q(bad, 0.90)),
        liquidated_p10=float(q(liq, 0.10)),
        liquidated_p90=float(q(liq, 0.90)),
        # ordered by value, as every quantile: p10 <= p90 (a fall's p10 is its deeper
        # price, a rise's p90)
        final_price_p10=lo_px,
        final_price_p90=hi_px,
        n_draws=len(draws),
        n_book_draws=len(runs),
        shortfall=float(r[13]),
    )
