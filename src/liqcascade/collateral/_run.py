"""One collateral run from a configuration and frames (what the CLI and report call)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._crashes import OCT_2025, crash_line
from liqcascade.collateral._book import OwnBookFit, own_book_out_of_sample
from liqcascade.collateral._config import build_setup, scenario_of
from liqcascade.collateral._loop import (
    CollateralResult,
    CollateralSetup,
    eth_minute_path,
    simulate_collateral,
)
from liqcascade.collateral._registry import PRICING_METHODS
from liqcascade.errors import InputError

__all__ = [
    "SCENARIO_NOTE",
    "book_checks",
    "depth_sensitivity",
    "prepare",
    "run_collateral",
    "scenario_note",
]

SCENARIO_NOTE = (
    "The account population is assumed (not public), so the figures are a scenario, not a "
    "replay; nothing is compared with the recorded depeg (the bundled USDe/USDT bars leave "
    "out 2025-10-10 12:00 -> 10-11 12:00)."
)
#: The USDe/USDT minutes the bundle leaves out (the 2025-10-10 depeg): [start, end), UTC.
HELD_OUT = (pd.Timestamp("2025-10-10 12:00", tz="UTC"), pd.Timestamp("2025-10-11 12:00", tz="UTC"))
OTHER_WINDOW_NOTE = (
    "The accounts are the configuration's cohorts, so the figures are a scenario, not a "
    "replay; nothing is compared with a recorded depeg."
)
NAV_NOTE = (
    "nav pricing: no NAV feed is bundled, so nav is fair value clamped to each asset's "
    "[nav_floor, nav_cap]; no asset sets them, so the figures are the redemption ratio's."
)
BOOK_NOTE = (
    "{names}: own book calibrated on bars before the start and scored on the minutes after "
    "the end, not on the scenario's window."
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
    out["eth_bars"] = sc.eth_bars
    crash = crash_text(sc.start, sc.end, sc.eth_bars, out["eth_start"], out["eth_low"])
    if crash is not None:
        out["crash"] = crash
    fits: dict[str, OwnBookFit] = setup.notes.get("fits", {})
    out["books"] = book_checks(fits, asset_bars, sc.end)
    out["depth_sensitivity"] = depth_sensitivity(setup, path, res.pricing, fits)
    out["assumptions"] = list(setup.assumptions)
    note = BOOK_NOTE.format(names=", ".join(fits)) + " " if fits else ""
    if res.pricing == "nav" and all(a.nav_floor <= 0 and a.nav_cap == np.inf for a in setup.assets):
        note += NAV_NOTE + " "
    out["note"] = note + scenario_note(sc.start, sc.end)
    return res, out


#: Whose bars each bundled ETH path is (:data:`~liqcascade.collateral.ETH_BARS`' keys).
_BARS_WORDS = {"binance-30m": ("Binance", "30-minute"), "bybit-15m": ("Bybit", "15-minute")}


def crash_text(
    start: pd.Timestamp, end: pd.Timestamp, eth_bars: str, eth_start: float, eth_low: float
) -> str | None:
    """The run's reading of the 2025-10-10 crash, when its clock covers the crash hour.

    Parameters
    ----------
    start, end : pandas.Timestamp
        The scenario's clock ``[start, end)``, UTC.
    eth_bars : str
        The bundled ETH path's key (``"binance-30m"``).
    eth_start, eth_low : float
        ETH's price at the clock's first minute (the accounts' entry) and its lowest, USD.

    Returns
    -------
    str or None
        :func:`liqcascade._crashes.crash_line`'s line; None for a clock that misses the
        crash hour (another day is no reading of the crash).
    """
    if not (start <= OCT_2025.hour < end) or not eth_start > 0:
        return None
    venue, bars = _BARS_WORDS.get(eth_bars, (eth_bars, "bundled"))
    return crash_line(venue, bars, f"{start:%Y-%m-%d %H:%M} -> {end:%Y-%m-%d %H:%M} UTC",
                      eth_low / eth_start - 1.0, f"the path's low over its first minute, "
                      f"{eth_start:,.2f} -> {eth_low:,.2f}, the accounts entered at the "
                      "first minute")  # fmt: skip


def scenario_note(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """What a run's figures are, for a scenario clock ``[start, end)`` (UTC).

    A clock that meets the 2025-10-10 window the bundle leaves out (:data:`HELD_OUT`)
    gets :data:`SCENARIO_NOTE`, which names it; any other window gets
    :data:`OTHER_WINDOW_NOTE`: the held-out USDe minutes say nothing about it.
    """
    lo, hi = HELD_OUT
    return SCENARIO_NOTE if start < hi and end > lo else OTHER_WINDOW_NOTE


def book_checks(
    fits: dict[str, OwnBookFit], asset_bars: dict[str, pd.DataFrame], after: pd.Timestamp
) -> dict[str, dict[str, Any]]:
    """Each calibrated book's fit with its out-of-sample score against its baseline.

    The score (:func:`own_book_out_of_sample`) is on the asset's minutes at or after
    ``after`` (the scenario's end); ``out_of_sample`` is ``None`` when there are none.
    """
    out = {}
    for name, fit in fits.items():
        d = fit.summary()
        try:
            oos: dict[str, Any] | None = own_book_out_of_sample(asset_bars[name], fit, after)
        except InputError:
            oos = None
        if oos is not None:
            oos["baseline"] = "median range of the calibration window's informative minutes"
        d["out_of_sample"] = oos
        out[name] = d
    return out


def depth_sensitivity(
    setup: CollateralSetup, path: pd.Series, pricing: str, fits: dict[str, OwnBookFit]
) -> dict[str, Any] | None:
    """The run again with every calibrated book at the low, then the high end of its depth IQR.

    A range over the depth's interquartile range (not an interval of the result): how much
    the figures move with the one calibrated input whose spread is measured. ``None``
    when no book is calibrated.
    """
    if not fits:
        return None
    out: dict[str, Any] = {
        "label": "over the depth's IQR (a range, not an interval)",
        "depth_usd_per_pct": {n: [f.depth_q25, f.depth_q75] for n, f in fits.items()},
    }
    for key, attr in (("at_depth_q25", "depth_q25"), ("at_depth_q75", "depth_q75")):
        s = setup
        for n, f in fits.items():
            s = s.with_asset(replace(s.asset(n), depth_usd_per_pct=getattr(f, attr)))
        r = simulate_collateral(s, path, pricing)
        out[key] = {
            "collateral_liquidated_usd": r.collateral_liquidated_usd,
            "accounts_liquidated": r.accounts_liquidated,
            "min_price": {n: float(r.book[:, r.assets.index(n)].min()) for n in fits},
        }
        out[key]["min_price_at_floor"] = {
            n: r.at_floor(r.assets.index(n), p) for n, p in out[key]["min_price"].items()
        }
    return out
