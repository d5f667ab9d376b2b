"""Contagion through the calibrated liquidity response (``liquidity="calibrated"``).

The multi-venue loop runs on the calibrated response's clock: one engine with the
single-venue cascade's (:mod:`liqcascade.contagion._clock_venue`). Each venue's book
carries the latent depth (:func:`latent_book`), and every round — 30 s, the clock's
fine step — each venue runs one step of the clock
(:func:`liqcascade.cascade._clock_kernels.clock_span`): resilience refills its
displacement with the calibrated half-life, providers withdraw depth when price moves
fast, liquidations trigger on the mark anchored to the index (the median of the
venues' prices), wait in the venue's queue released at its liquidation rate (large
positions in chunks) and pay the fee to the venue's insurance fund. The calibration's
own arbitrage is replaced by the explicit links. The run under the calibration's
central parameters gives the figures, the runs under its bootstrap draws the 10–90 %
interval, and the static books (no response: instant, never refilled) run beside as
the upper bound — usually: a static book that runs out halts its venue, and a deeper
fall closes the same positions for fewer dollars
(:meth:`~liqcascade.contagion.ContagionResult.static_bound` says when it is not).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from liqcascade.cascade import FINE_STEP_S, LiquidityParams
from liqcascade.contagion._clock_venue import latent_book
from liqcascade.contagion._result import ContagionResult
from liqcascade.contagion._venue import Venue
from liqcascade.errors import InputError

__all__ = ["LIQUIDITY", "latent_book", "run_with_liquidity"]

#: Liquidity models of the contagion run.
LIQUIDITY: tuple[str, ...] = ("calibrated", "static")

#: What a calibrated contagion run carries of the calibrated response.
CARRIED = (
    "the calibrated response on the clock, every venue, rounds of {round_s:g} s: latent "
    "depth, resilience, withdrawal by price speed, liquidations on the mark anchored to "
    "the index (the median of the venues' prices), the venue's liquidation rate (a queue "
    "carried across rounds), partial liquidation of positions marked large, the fee to "
    "the venue's insurance fund; arbitrage is the links'"
)


def _figures(r: ContagionResult) -> dict[str, float]:
    out = {"cex_liquidated_usd": r.cex_liquidated_usd, "defi_liquidated_usd": r.defi_liquidated_usd}
    for n, v in r.venues.items():
        out[f"{n}_move"] = v.move
    return out


def run_with_liquidity(
    run: Callable[[list[Venue], LiquidityParams | None], ContagionResult],
    venues: Sequence[Venue],
    liquidity: str,
    calibration: Any,
) -> ContagionResult:
    """Run ``run(venues, params)`` (a :func:`simulate_contagion` call) under the liquidity model.

    Parameters
    ----------
    run : callable
        ``run(venues, params) -> ContagionResult`` (links, lending and shock fixed);
        ``params`` None runs the static books, else the calibrated response's clock.
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
        ``static_venues`` (each venue's outcome on them),
        ``calibration`` and ``clock``.
    """
    if liquidity not in LIQUIDITY:
        raise InputError(
            f"liquidity must be calibrated or static (got {liquidity!r})", param="liquidity"
        )
    static = run(list(venues), None)
    if liquidity == "static":
        return dataclasses.replace(static, liquidity="static")
    p = calibration.params
    res = run(list(venues), p)
    cache: dict[LiquidityParams, dict[str, float]] = {p: _figures(res)}
    rows = []
    for d in calibration.draws or (p,):
        if d not in cache:
            cache[d] = _figures(run(list(venues), d))
        rows.append(cache[d])
    interval = {}
    for k in rows[0]:
        vals = np.array([r[k] for r in rows])
        interval[f"{k}_p10"] = float(np.quantile(vals, 0.10))
        interval[f"{k}_p90"] = float(np.quantile(vals, 0.90))
    interval["n_draws"] = len(rows)
    round_s = res.clock["round_s"] if res.clock else FINE_STEP_S
    cal = {
        "asset": calibration.asset,
        "as_of": None if calibration.as_of is None else calibration.as_of.isoformat(),
        "latent_depth": p.latent_depth,
        "visible_distance": p.visible_distance,
        "n_draws": len(rows),
        "carried": CARRIED.format(round_s=round_s),
    }
    return dataclasses.replace(
        res,
        liquidity="calibrated",
        interval=interval,
        static_upper_bound=_figures(static),
        static_venues=dict(static.venues),
        calibration=cal,
    )


def run_setup(
    setup: Any,
    *,
    shock_venue: str | None = None,
    shock: float | None = None,
    liquidity: str | None = None,
    calibration: Any = None,
    scope: str | None = None,
) -> ContagionResult:
    """Run a built configuration under its liquidity model (or ``liquidity``).

    Parameters
    ----------
    setup : ContagionSetup
    shock_venue, shock : optional
        Override the configuration's venue (one of its venues' names) and (fractional)
        shock.
    liquidity : {"calibrated", "static"}, optional
        Override ``[simulation] liquidity``.
    calibration : Calibration, optional
        Default ``load_liquidity(setup.asset, setup.liquidity_as_of)`` (the
        configuration's ``[simulation] asset``, ETH by default): fitted on events
        before the venues' price time (the latest calibration when none is given).
    scope : {"venue", "market"}, optional
        Override ``[shock] scope``: the shocked venue alone, or every venue by the same
        relative move (the static bound runs the same scope).

    Returns
    -------
    ContagionResult
        As :func:`run_with_liquidity`.
    """
    from liqcascade.contagion._engine import simulate_contagion

    mode = liquidity or setup.liquidity
    if mode not in LIQUIDITY:
        raise InputError(
            f"liquidity must be calibrated or static (got {mode!r})", param="liquidity"
        )
    venue = shock_venue or setup.shock_venue
    names = [v.name for v in setup.venues]
    if venue not in names:  # named before the engine's check, whose words are its own
        where = "shock_venue" if shock_venue else "[shock] venue"
        raise InputError(
            f"{where}: unknown venue {venue!r} (venues: {', '.join(names)})",
            param="shock_venue" if shock_venue else None,
        )
    kw = {"shock": shock} if shock is not None else dict(setup.shock)
    cal = calibration
    if mode == "calibrated" and cal is None:
        from liqcascade.cascade import load_liquidity

        cal = load_liquidity(setup.asset, setup.liquidity_as_of)

    def run(venues: list[Venue], params: LiquidityParams | None) -> ContagionResult:
        return simulate_contagion(venues, setup.links, setup.lending, shock_venue=venue,
                                  max_rounds=setup.max_rounds, liquidity=params,
                                  scope=scope or setup.scope, **kw)  # type: ignore[arg-type]  # fmt: skip

    return run_with_liquidity(run, setup.venues, mode, cal)
