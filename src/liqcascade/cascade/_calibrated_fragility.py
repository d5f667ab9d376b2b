"""Fragility curve and critical shock under the calibrated liquidity response.

The static fragility (:mod:`liqcascade.cascade._fragility`) walks each shock through a
book that never refills: it is the upper bound. Here every shock runs
:func:`liqcascade.cascade.calibrated_cascade` (the index walks 24 h from the shock,
the book responds on a clock, paths spread over the calibration's parameter draws):
the curve is the median extreme move within 24 h with its 10–90 % band, and the
critical shock — the smallest shock whose median extreme reaches ``total_move`` — is
computed under each parameter draw separately, so its interval is the calibration's
uncertainty. Given the position book's own parameter draws (``books``), every path and
every per-draw critical shock runs on a pair of a liquidity draw and a book draw, and
the static bound beside the curve is the deepest static run over the book draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._json import SummaryDict
from liqcascade._typing import FloatArray
from liqcascade.cascade._clock import Calibration, calibrated_cascade, deepest_draw
from liqcascade.cascade._fragility import fragility_curve
from liqcascade.cascade._prepare import PreparedMarket, at_book_edge, book_edge
from liqcascade.errors import InputError

__all__ = [
    "CalibratedFragility",
    "at_book_edge",
    "book_edge",
    "calibrated_fragility",
    "static_envelope",
]

#: Default shock grid: falls of 1 … 20 % (fractions).
DEFAULT_SHOCKS: FloatArray = -np.round(np.arange(0.01, 0.2001, 0.01), 4)


@dataclass(frozen=True, eq=False)
class CalibratedFragility(SummaryDict):
    """The calibrated fragility of a market.

    Attributes
    ----------
    curve : pandas.DataFrame
        Per shock: ``shock``, ``move_median``, ``move_p10``, ``move_p90`` (extreme
        move within 24 h, fractions of mid), ``liquidated_median_usd``,
        ``liquidated_p10_usd``, ``liquidated_p90_usd``, ``book_exhausted_share``,
        ``carry_median``, ``carry_p10``, ``carry_p90`` (the cascade's own carry with
        the index held at the shock price, over the draws: what the static book
        bounds; see :class:`liqcascade.cascade.CalibratedCascade`),
        ``static_bound_move`` (the static book's final move, instant and without
        refill: the deepest over the book draws, the bound of the carry),
        ``book_edge_move`` (the move to the order book's last level, :func:`book_edge`)
        and ``move_median_at_book_edge``, ``move_p10_at_book_edge``,
        ``move_p90_at_book_edge`` (True where that figure sits at the edge: the
        modelled book is exhausted there, the figure is a bound, not a move).
    total_move : float
    critical_shock : float
        The median over the parameter draws of each draw's critical shock — the
        smallest shock (by size) whose median extreme move reaches ``total_move``
        (interpolated on the grid). A draw is one liquidity draw on one position-book
        draw when ``books`` are given; each runs its own index paths
        (``max(20, n_paths // 4)``, the same ones across the shock grid). NaN when the
        median draw has no crossing on the grid.
    critical_shock_p10, critical_shock_p90 : float
        10 % and 90 % of the same per-draw critical shocks (by size; NaN draws — no
        shock on the grid reaches the move — count as beyond the grid): the
        calibration's and the book's uncertainty together with the Monte Carlo noise of
        each draw's paths. The point lies inside it by construction.
    critical_by_draw : array
    curve_crossing : float
        Where the curve's pooled median (``curve.move_median``) crosses
        ``total_move``: close to ``critical_shock`` but not the same statistic (a
        median of pooled paths, not of per-draw crossings).
    """

    curve: pd.DataFrame
    total_move: float
    critical_shock: float
    critical_shock_p10: float
    critical_shock_p90: float
    critical_by_draw: FloatArray = field(repr=False)
    curve_crossing: float = math.nan

    def summary(self) -> dict[str, Any]:
        """The scalar figures (JSON-ready)."""
        return {
            "total_move": self.total_move,
            "critical_shock": _num(self.critical_shock),
            "critical_shock_p10": _num(self.critical_shock_p10),
            "critical_shock_p90": _num(self.critical_shock_p90),
            "n_draws": int(self.critical_by_draw.size),
            "curve_crossing": _num(self.curve_crossing),
        }


def _num(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def _critical(shocks: FloatArray, moves: FloatArray, total_move: float) -> float:
    """First grid crossing of ``total_move`` by the median move, linearly interpolated."""
    sgn = -1.0 if total_move < 0 else 1.0
    m = sgn * moves
    t = sgn * total_move
    s = sgn * shocks
    order = np.argsort(s)
    s, m = s[order], m[order]
    hit = np.nonzero(m >= t)[0]
    if hit.size == 0:
        return math.nan
    k = int(hit[0])
    if k == 0:
        return float(sgn * s[0])
    w = (t - m[k - 1]) / (m[k] - m[k - 1]) if m[k] != m[k - 1] else 1.0
    return float(sgn * (s[k - 1] + w * (s[k] - s[k - 1])))


def static_envelope(
    prepared: PreparedMarket, books: Sequence[PreparedMarket], shocks: FloatArray
) -> FloatArray:
    """The static book's final move per shock, the deepest over the book draws.

    Each draw's calibrated carry is bounded by the static cascade on the same draw, so
    the bound of a carry spread over draws is the deepest static move over them (lowest
    on a fall, highest on a rise; :func:`~liqcascade.cascade._clock.deepest_draw`, the
    one definition). Without ``books``, the static curve of ``prepared``. The curve
    form of :func:`~liqcascade.cascade._clock.static_bound` (one shock, the deepest
    draw's whole result): each draw's curve is the vectorised static cascade
    (:func:`fragility_curve`), one pass over the grid instead of a run per shock.

    Parameters
    ----------
    prepared : PreparedMarket
    books : sequence of PreparedMarket
    shocks : array
        Fractions of mid.

    Returns
    -------
    array
        Final move per shock (fractions of mid).
    """
    s = np.asarray(shocks, dtype=np.float64)
    runs = tuple(books) or (prepared,)
    moves = np.vstack([fragility_curve(b, shocks=s).frame["final_move"].to_numpy() for b in runs])
    pick = deepest_draw(moves, s <= 0)
    return moves[pick, np.arange(s.size)]


def calibrated_fragility(
    prepared: PreparedMarket,
    *,
    calibration: Calibration,
    sigma_hourly: float,
    residuals: FloatArray | None = None,
    shocks: FloatArray | None = None,
    total_move: float = -0.10,
    n_paths: int = 120,
    seed: int = 0,
    books: Sequence[PreparedMarket] = (),
) -> CalibratedFragility:
    """Fragility curve and critical shock with the calibrated liquidity response.

    Parameters
    ----------
    prepared : PreparedMarket
    calibration : Calibration
        :func:`liqcascade.cascade.load_liquidity` of the asset before the date.
    sigma_hourly : float
        Hourly volatility before the shock (EWMA), fraction.
    residuals : array, optional
        Standardised hourly residuals before the date.
    shocks : array, optional
        Shocks (fractions, same sign as ``total_move``); default falls of 1 … 20 %
        (rises of the same sizes for a positive ``total_move``).
    total_move : float
        The extreme move the critical shock must start, fraction (default −10 %).
    n_paths : int
        Paths per shock (spread over the draws); per draw for the critical shock's
        interval, ``max(20, n_paths // 4)`` (each draw runs the shocks in order of size
        up to the first whose median reaches ``total_move``: the larger ones change
        nothing in its crossing).
    seed : int
    books : sequence of PreparedMarket, optional
        The position book's parameter draws
        (:func:`liqcascade.cascade.prepared_draws`).

    Returns
    -------
    CalibratedFragility
    """
    if not (math.isfinite(total_move) and total_move != 0 and total_move > -1):
        raise InputError(
            f"total_move must be a non-zero fraction > -1 (got {total_move})", param="total_move"
        )
    grid = DEFAULT_SHOCKS if shocks is None else np.asarray(shocks, dtype=np.float64)
    if shocks is None and total_move > 0:
        grid = -grid
    if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= -1):
        raise InputError("shocks must be finite fractions > -1", param="shocks")

    def run(
        s: float, book: PreparedMarket, cal: Calibration, n: int, bs: Any = (), sd: int = seed
    ) -> Any:
        return calibrated_cascade(
            book, shock=s, calibration=cal, sigma_hourly=sigma_hourly, residuals=residuals,
            n_paths=n, seed=sd, books=bs,
        )  # fmt: skip

    rows = []
    for s in grid:
        cc = run(float(s), prepared, calibration, n_paths, books)
        rows.append(
            {
                "shock": float(s),
                "move_median": cc.move_median,
                "move_p10": cc.move_p10,
                "move_p90": cc.move_p90,
                "liquidated_median_usd": cc.liquidated_median,
                "liquidated_p10_usd": cc.liquidated_p10,
                "liquidated_p90_usd": cc.liquidated_p90,
                "book_exhausted_share": cc.book_exhausted_share,
                "carry_median": cc.carry_median,
                "carry_p10": cc.carry_p10,
                "carry_p90": cc.carry_p90,
            }
        )
    curve = pd.DataFrame(rows)
    curve["static_bound_move"] = static_envelope(prepared, books, grid)
    edge = book_edge(prepared, total_move < 0)
    curve["book_edge_move"] = edge
    for c in ("move_median", "move_p10", "move_p90"):
        curve[f"{c}_at_book_edge"] = at_book_edge(curve[c].to_numpy(np.float64), edge)
    crossing = _critical(grid, curve["move_median"].to_numpy(), total_move)
    draws = calibration.draws or (calibration.params,)
    per = max(20, n_paths // 4)
    sgn = -1.0 if total_move < 0 else 1.0
    order = np.argsort(sgn * grid)  # the order in which _critical reads the grid
    by_draw = []
    g = 0
    for d in draws:
        one = replace(calibration, params=d, draws=(d,))
        for book in tuple(books) or (prepared,):
            g += 1  # each pair its own index paths (the same ones across the shock grid)
            # _critical reads the medians by size up to the first that reaches the move:
            # the larger shocks after it change nothing, so they are not run (NaN)
            med = np.full(grid.size, np.nan)
            for i in order:
                med[i] = float(np.median(run(float(grid[i]), book, one, per, sd=seed + g).moves))
                if sgn * med[i] >= sgn * total_move:
                    break
            by_draw.append(_critical(grid, med, total_move))
    arr = np.asarray(by_draw, dtype=np.float64)
    point, p10, p90 = _draw_quantiles(arr, grid, total_move)
    return CalibratedFragility(
        curve=curve,
        total_move=float(total_move),
        critical_shock=point,
        critical_shock_p10=p10,
        critical_shock_p90=p90,
        critical_by_draw=arr,
        curve_crossing=crossing,
    )


def _draw_quantiles(
    arr: FloatArray, grid: FloatArray, total_move: float
) -> tuple[float, float, float]:
    """``(median, p10, p90)`` of the per-draw critical shocks, signed like ``total_move``.

    Quantiles of the magnitudes by the inverted empirical CDF (each one a draw's own
    value, so ``p10 ≤ median ≤ p90`` in size); a draw with no crossing on the grid
    (NaN) counts as beyond the grid, and a quantile that falls on such a draw is NaN.
    """
    if arr.size == 0:
        return math.nan, math.nan, math.nan
    beyond = float(np.max(np.abs(grid))) * 1.5
    mag = np.abs(np.where(np.isfinite(arr), arr, beyond))
    qs = np.quantile(mag, [0.5, 0.1, 0.9], method="inverted_cdf")
    sgn = -1.0 if total_move < 0 else 1.0
    med, lo, hi = (float(sgn * q) if q < beyond - 1e-12 else math.nan for q in qs)
    return med, lo, hi
