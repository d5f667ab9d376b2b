"""The smallest haircut per collateral asset for a given ETH shock.

Definition. Under an ETH shock ``s`` (ETH falls to ``P0 · (1 + s)`` along
:func:`~liqcascade.collateral.eth_shock_path`), ``P0`` being the price the accounts'
positions opened at (their ``eth_entry``; so ``s`` is the fall from entry), the loop
gives each asset's lowest own-book price ``b_min`` (a fraction of fair value). A venue
that values the asset at fair value × ``(1 − h)`` never counts more margin than the
collateral fetches on its own book when ``h >= 1 − b_min``. So ``h* = 1 − b_min`` is
the smallest haircut that keeps every account the venue sees at ``uniMMR >= threshold``
at or above the threshold when its collateral is marked at the price it can be sold
for. It is compared with the haircut in force, ``1 − top ratio``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._crashes import OCT_2025
from liqcascade._limits import real_number
from liqcascade._typing import FloatArray
from liqcascade.collateral._loop import CollateralSetup, eth_shock_path, simulate_collateral
from liqcascade.errors import InputError

__all__ = ["smallest_haircut"]


def smallest_haircut(
    setup: CollateralSetup,
    shocks: Sequence[float] | FloatArray,
    p0: float | None = None,
    start: Any = OCT_2025.hour,
    pricing: str = "own-book",
) -> pd.DataFrame:
    """``h*`` per asset and ETH shock, with the haircut in force and the liquidations.

    Parameters
    ----------
    setup : CollateralSetup
        Assets, venue, accounts.
    shocks : sequence or array of float
        ETH moves, fractions (−0.2 is a 20 % fall); one value is given as a list of one.
    p0 : float, optional
        ETH before the shock, USD. Default: the price the accounts' positions opened at
        (their common ``eth_entry``), so that ``shocks`` are falls from entry, the
        definition above. A ``p0`` below the entry adds the fall from entry to the
        shock: the result's ``fall_from_entry`` gives the whole fall.
    start : datetime-like, default 2025-10-10 21:00 UTC
        Start of the shock (sets which ratios are in force); the default is the crash
        hour of :data:`liqcascade._crashes.OCT_2025`.
    pricing : str
        Pricing method of the venue.

    Returns
    -------
    pandas.DataFrame
        ``shock, asset, min_price, smallest_haircut, haircut_in_force, covered,
        accounts_liquidated, p0, fall_from_entry, at_floor``: ``min_price`` and the haircuts are
        fractions of fair value, ``p0`` USD, ``fall_from_entry`` the ETH move from the
        accounts' entry to the shock's end (a fraction; NaN when the accounts opened at
        several prices). ``haircut_in_force`` is ``1 − top ratio`` rounded to 12
        decimals (a parameter echo, without float noise); ``at_floor`` is true when
        ``min_price`` is the asset's ``floor`` (a parameter, not a result of the loop).

    Raises
    ------
    InputError
        ``param="shocks"``: one value (or text) for the list, or an empty list;
        ``param="p0"``: no ``p0`` given and the accounts opened at several prices.
    """
    if isinstance(shocks, str) or real_number(shocks) is not None:
        raise InputError(
            f"shocks must be a list of fractions, not one value (got {shocks!r}): "
            f"give [{shocks!r}]",
            param="shocks",
        )
    if len(shocks) == 0:  # an empty frame had no 'shock' column to select (a KeyError)
        raise InputError("shocks must hold at least one fraction (got none)", param="shocks")
    entries = {a.eth_entry for a in setup.accounts}
    entry = entries.pop() if len(entries) == 1 else float("nan")
    if p0 is None:
        if not np.isfinite(entry):
            raise InputError(
                "p0 must be given: the accounts opened at several ETH prices "
                f"({len(entries)} of them), so there is no single entry to shock from",
                param="p0",
            )
        p0 = entry
    rows = []
    for s in shocks:
        path = eth_shock_path(p0, s, start=start)
        res = simulate_collateral(setup, path, pricing)
        for j, a in enumerate(setup.assets):
            b_min = float(res.book[:, j].min())
            in_force = round(1.0 - a.tiers_at(path.index[0]).ratios[0], 12)
            h = max(0.0, 1.0 - b_min)
            rows.append(
                {
                    "shock": s,
                    "asset": a.name,
                    "min_price": b_min,
                    "smallest_haircut": h,
                    "haircut_in_force": in_force,
                    "covered": in_force >= h - 1e-12,
                    "accounts_liquidated": res.accounts_liquidated,
                    "p0": float(p0),
                    "fall_from_entry": p0 * (1 + s) / entry - 1,
                    "at_floor": res.at_floor(j, b_min),
                }
            )
    return pd.DataFrame(rows)
