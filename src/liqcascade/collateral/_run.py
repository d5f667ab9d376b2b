"""One collateral run from a configuration and frames (what the CLI and report call)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from liqcascade.collateral._config import build_setup, scenario_of
from liqcascade.collateral._loop import (
    CollateralResult,
    CollateralSetup,
    eth_minute_path,
    simulate_collateral,
)
from liqcascade.collateral._registry import PRICING_METHODS
from liqcascade.errors import InputError

__all__ = ["HELD_BACK_NOTE", "prepare", "run_collateral"]

HELD_BACK_NOTE = (
    "The bundled USDe/USDT bars hold back 2025-10-10 12:00 -> 10-11 12:00 for validation: "
    "the own book is calibrated before it and nothing is fitted to the depeg; the account "
    "population is assumed (not public), so the figures are a scenario, not a replay."
)


def prepare(
    cfg: dict[str, Any], where: str, eth_bars: pd.DataFrame, asset_bars: dict[str, pd.DataFrame]
) -> tuple[Any, CollateralSetup, pd.Series]:
    """Scenario, setup and the ETH minute path of a configuration."""
    sc = scenario_of(cfg, where)
    i = eth_bars.index
    step = i[1] - i[0] if len(i) > 1 else pd.Timedelta(minutes=1)
    if i.empty or sc.start < i[0] or sc.end > i[-1] + step:  # the clock must lie in the bars
        span = "nothing" if i.empty else f"{i[0]:%Y-%m-%d %H:%M} -> {i[-1] + step:%Y-%m-%d %H:%M}"
        raise InputError(
            f"{where}: scenario.{'start' if i.empty or sc.start < i[0] else 'end'}: "
            f"[{sc.start:%Y-%m-%d %H:%M}, {sc.end:%Y-%m-%d %H:%M}) is not inside the "
            f"{sc.eth_bars} ETH bars ({span})"
        )
    path = eth_minute_path(eth_bars, sc.start, sc.end)
    sc, setup = build_setup(cfg, where, float(path.iloc[0]), asset_bars)
    return sc, setup, path


def run_collateral(
    cfg: dict[str, Any],
    where: str,
    eth_bars: pd.DataFrame,
    asset_bars: dict[str, pd.DataFrame],
    pricing: str | None = None,
) -> tuple[CollateralResult, dict[str, Any]]:
    """Run a configuration; returns the result and the JSON of ``liqcascade collateral``.

    Parameters
    ----------
    cfg : dict
        Parsed TOML (a preset's or a user's).
    where : str
        Its name, for error messages.
    eth_bars : pandas.DataFrame
        ETH OHLC bars covering the scenario (the dataset its ``eth_bars`` names).
    asset_bars : dict
        Asset -> one-minute bars for assets whose book is calibrated.
    pricing : str, optional
        Override of the scenario's pricing method.
    """
    if pricing is not None and pricing not in PRICING_METHODS:
        raise InputError(
            f"pricing must be one of {', '.join(PRICING_METHODS)} (got {pricing!r})",
            param="pricing",
        )
    sc, setup, path = prepare(cfg, where, eth_bars, asset_bars)
    res = simulate_collateral(setup, path, pricing or sc.pricing)
    out = res.summary()
    out["scenario"] = sc.name
    out["books"] = setup.notes.get("books", {})
    out["assumptions"] = list(setup.assumptions)
    out["note"] = HELD_BACK_NOTE
    return res, out
