"""Recorded liquidation bars to check: amounts the bar's own price move cannot explain.

A 4-hour bar's long liquidations come from the fall within it (open to low), its short
liquidations from the rise (open to high), in proportion to the open interest at risk.
The *intensity* of a side is its recorded amount per unit of that move and of open
interest: ``usd / (move × oi_usd)``. A bar is flagged when it is among the largest of
its side (top ``1 − top_quantile`` of amounts) **and** its intensity is more than
``ratio`` times the series' median intensity — a very large amount on a small move.

Such a bar may be real (liquidations recorded a bar late, another venue's move, a
feed's aggregation) or an artefact; either way the figures that use it should say so.
Flagged bars are reported, never removed: dropping bars after seeing a back-test would
be choosing data on the test window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqcascade._tables import check_columns
from liqcascade.errors import InputError

__all__ = ["suspect_liquidation_bars"]

#: Smallest move counted (fraction): a bar with no move has an intensity of amount / 1e-4.
MIN_MOVE = 1e-4


def suspect_liquidation_bars(
    liquidations: pd.DataFrame,
    bars: pd.DataFrame,
    open_interest: pd.DataFrame,
    *,
    top_quantile: float = 0.99,
    ratio: float = 50.0,
) -> pd.DataFrame:
    """Liquidation bars far larger than their own price move explains.

    Parameters
    ----------
    liquidations : DataFrame
        ``long_usd``, ``short_usd`` per 4-hour bar (USD), indexed by the bar's open (UTC).
    bars : DataFrame
        ``open``, ``high``, ``low`` of the same 4-hour bars (USD), same index.
    open_interest : DataFrame
        ``oi_usd`` (USD) at the bars' open; joined on the index.
    top_quantile : float, default 0.99
        A flagged bar's amount is at or above this quantile of its side's amounts.
    ratio : float, default 50
        ... and its intensity (USD per unit move per USD of open interest) is more than
        ``ratio`` times the median intensity of its side.

    Returns
    -------
    DataFrame
        One row per flagged (bar, side): ``ts``, ``side`` ("long"/"short"), ``usd``,
        ``move`` (adverse move within the bar, fraction), ``intensity_x`` (intensity
        over its side's median), ``rank`` (the amount's rank within its side, 1 =
        largest); sorted by ``intensity_x`` descending. Empty when nothing is flagged.

    Raises
    ------
    InputError
        Missing columns, or ``top_quantile`` / ``ratio`` out of range.
    """
    if not 0.0 < top_quantile < 1.0:
        raise InputError(
            f"top_quantile must be in (0, 1) (got {top_quantile})", param="top_quantile"
        )
    if not (np.isfinite(ratio) and ratio > 1.0):
        raise InputError(f"ratio must be > 1 (got {ratio})", param="ratio")
    need: tuple[tuple[str, pd.DataFrame, tuple[str, ...]], ...] = (
        ("liquidations", liquidations, ("long_usd", "short_usd")),
        ("bars", bars, ("open", "high", "low")),
        ("open_interest", open_interest, ("oi_usd",)),
    )
    for name, frame, cols in need:
        check_columns(frame.columns, cols, name)
    df = (
        liquidations[["long_usd", "short_usd"]]
        .join(bars[["open", "high", "low"]], how="inner")
        .join(open_interest[["oi_usd"]], how="inner")
        .dropna()
    )
    df = df[df["oi_usd"] > 0]
    rows = []
    moves = {
        "long": (1.0 - df["low"] / df["open"]).clip(lower=MIN_MOVE),
        "short": (df["high"] / df["open"] - 1.0).clip(lower=MIN_MOVE),
    }
    for side, move in moves.items():
        usd = df[f"{side}_usd"]
        if len(usd) == 0:
            continue
        intensity = usd / (move * df["oi_usd"])
        med = float(intensity.median())
        if not med > 0:
            continue
        x = intensity / med
        rank = usd.rank(ascending=False, method="min")
        hit = (usd >= usd.quantile(top_quantile)) & (x > ratio)
        for ts in usd.index[hit.to_numpy()]:
            rows.append(
                {
                    "ts": ts,
                    "side": side,
                    "usd": float(usd[ts]),
                    "move": float(move[ts]),
                    "intensity_x": float(x[ts]),
                    "rank": int(rank[ts]),
                }
            )
    out = pd.DataFrame(rows, columns=["ts", "side", "usd", "move", "intensity_x", "rank"])
    return out.sort_values("intensity_x", ascending=False, ignore_index=True)
