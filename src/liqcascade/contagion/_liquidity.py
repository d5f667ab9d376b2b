"""Contagion through the calibrated liquidity response (``liquidity="calibrated"``).

The multi-venue loop runs rounds without a clock (arbitrage links, oracles and DeFi
liquidators act between rounds), so of the calibrated response's mechanisms
(docs/liquidity.md) it carries the one that lives in the book itself: **latent
depth** — a level at distance ``δ`` from the venue's mid beyond the visible distance
(CoinGlass's ±1 %) holds ``1 + λ · (δ / visible − 1)`` times its displayed size,
exactly the effective depth of :func:`liqcascade.cascade._clock_kernels.effective_depth`.
The clock's mechanisms (resilience, withdrawal, the venue's liquidation rate, the
mark price) are not carried (the rounds have no duration); the calibration's own
arbitrage is replaced by the explicit links. Each venue's book is scaled so; the run
under the calibration's central parameters gives the figures, the runs under its
bootstrap draws the 10–90 % interval, and the static books (no latent depth) run
beside as the upper bound.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from liqcascade.book._orderbook import OrderBook
from liqcascade.contagion._result import ContagionResult
from liqcascade.contagion._venue import Venue
from liqcascade.errors import InputError

__all__ = ["LIQUIDITY", "latent_book", "run_with_liquidity"]

#: Liquidity models of the contagion run.
LIQUIDITY: tuple[str, ...] = ("calibrated", "static")


def latent_book(book: OrderBook, latent_depth: float, visible_distance: float) -> OrderBook:
    """``book`` with the latent depth of the calibrated response (sizes scaled per level).

    Parameters
    ----------
    book : OrderBook
    latent_depth : float
        ``λ >= 0`` (0: the book unchanged).
    visible_distance : float
        Distance from mid (fraction) the displayed book is measured to.
    """
    if not (np.isfinite(latent_depth) and latent_depth >= 0):
        raise InputError(f"latent_depth must be >= 0 (got {latent_depth})")
    if latent_depth == 0:
        return book
    m = book.mid

    def scale(p: np.ndarray, q: np.ndarray) -> np.ndarray:
        d = np.abs(p - m) / m
        w = np.where(d > visible_distance, 1.0 + latent_depth * (d / visible_distance - 1.0), 1.0)
        return np.asarray(q * w, dtype=np.float64)

    return OrderBook(
        m,
        book.bid_price,
        scale(book.bid_price, book.bid_size),
        book.ask_price,
        scale(book.ask_price, book.ask_size),
    )


def _venues(venues: Sequence[Venue], latent: float, visible: float) -> list[Venue]:
    return [dataclasses.replace(v, book=latent_book(v.book, latent, visible)) for v in venues]


def _figures(r: ContagionResult) -> dict[str, float]:
    out = {"cex_liquidated_usd": r.cex_liquidated_usd, "defi_liquidated_usd": r.defi_liquidated_usd}
    for n, v in r.venues.items():
        out[f"{n}_move"] = v.move
    return out


def run_with_liquidity(
    run: Any, venues: Sequence[Venue], liquidity: str, calibration: Any
) -> ContagionResult:
    """Run ``run(venues)`` (a :func:`simulate_contagion` call) under the liquidity model.

    Parameters
    ----------
    run : callable
        ``run(venues) -> ContagionResult`` (links, lending and shock fixed).
    venues : sequence of Venue
        The venues with their displayed books.
    liquidity : {"calibrated", "static"}
    calibration : Calibration
        :func:`liqcascade.cascade.load_liquidity` (calibrated only).

    Returns
    -------
    ContagionResult
        ``liquidity`` set; calibrated: ``interval`` (10–90 % over the draws of
        ``cex_liquidated_usd``, ``defi_liquidated_usd`` and each venue's move),
        ``static_upper_bound`` (the same figures on the displayed books) and
        ``calibration``.
    """
    if liquidity not in LIQUIDITY:
        raise InputError(
            f"liquidity must be calibrated or static (got {liquidity!r})", param="liquidity"
        )
    static = run(list(venues))
    if liquidity == "static":
        return dataclasses.replace(static, liquidity="static")
    p = calibration.params
    res = run(_venues(venues, p.latent_depth, p.visible_distance))
    cache: dict[tuple[float, float], dict[str, float]] = {}
    rows = []
    for d in calibration.draws or (p,):
        key = (d.latent_depth, d.visible_distance)
        if key not in cache:
            cache[key] = _figures(run(_venues(venues, *key)))
        rows.append(cache[key])
    interval = {}
    for k in rows[0]:
        vals = np.array([r[k] for r in rows])
        interval[f"{k}_p10"] = float(np.quantile(vals, 0.10))
        interval[f"{k}_p90"] = float(np.quantile(vals, 0.90))
    interval["n_draws"] = len(rows)
    cal = {
        "asset": calibration.asset,
        "as_of": None if calibration.as_of is None else calibration.as_of.isoformat(),
        "latent_depth": p.latent_depth,
        "visible_distance": p.visible_distance,
        "n_draws": len(rows),
        "carried": "latent depth (the rounds have no clock: resilience, withdrawal, the "
        "liquidation rate and the mark price are not carried; arbitrage is the links')",
    }
    return dataclasses.replace(
        res,
        liquidity="calibrated",
        interval=interval,
        static_upper_bound=_figures(static),
        calibration=cal,
    )


def run_setup(
    setup: Any,
    *,
    shock_venue: str | None = None,
    shock: float | None = None,
    liquidity: str | None = None,
    calibration: Any = None,
) -> ContagionResult:
    """Run a built configuration under its liquidity model (or ``liquidity``).

    Parameters
    ----------
    setup : ContagionSetup
    shock_venue, shock : optional
        Override the configuration's venue and (fractional) shock.
    liquidity : {"calibrated", "static"}, optional
        Override ``[simulation] liquidity``.
    calibration : Calibration, optional
        Default ``load_liquidity("ETH", setup.liquidity_as_of)``: fitted on events
        before the venues' price time (the latest calibration when none is given).
    """
    from liqcascade.contagion._engine import simulate_contagion

    mode = liquidity or setup.liquidity
    if mode not in LIQUIDITY:
        raise InputError(
            f"liquidity must be calibrated or static (got {mode!r})", param="liquidity"
        )
    venue = shock_venue or setup.shock_venue
    kw = {"shock": shock} if shock is not None else dict(setup.shock)
    cal = calibration
    if mode == "calibrated" and cal is None:
        from liqcascade.cascade import load_liquidity

        cal = load_liquidity("ETH", setup.liquidity_as_of)

    def run(venues: list[Venue]) -> ContagionResult:
        return simulate_contagion(venues, setup.links, setup.lending, shock_venue=venue,
                                  max_rounds=setup.max_rounds, **kw)  # type: ignore[arg-type]  # fmt: skip

    return run_with_liquidity(run, setup.venues, mode, cal)
