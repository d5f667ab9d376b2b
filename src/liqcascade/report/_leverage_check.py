"""The estimated book's leverage mix against real Hyperliquid positions (Feb 2026).

The mix (how far each position sits from its liquidation price) is the book's
least-checked input: the record identifies when and how much liquidates, not how far
the rest of the book is from it. The bundled Hyperliquid positions of large accounts
are the one look at real distances; the validation section shows the whole table, and
the sections whose figures stand on the mix (cascade, solvency) say in one line which
way the model errs against it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from liqcascade.report._format import pct

NEAR: tuple[str, ...] = ("<2%", "2-5%", "5-10%")
"""The distance buckets within 10 % of liquidation (``positions._hyperliquid.LABELS``)."""


def distance_check(ctx: Any, asset: str) -> pd.DataFrame | None:
    """Share of notional by distance to liquidation, the data's and the model's, once per run.

    The model is the book walked to the market bar (the last open-interest bar closed by
    the report's date: nothing after it is read) with the fit the market uses there (the
    latest trained before the bar's month). None when no Hyperliquid position of
    ``asset`` is bundled (ETH and BTC only).

    Parameters
    ----------
    ctx : ReportContext
        The report's context (any asset's: the result is kept on ``asset``'s).
    asset : str
        Any case.

    Returns
    -------
    DataFrame or None
        ``positions._hyperliquid.distance_check``'s frame: columns ``data`` and
        ``model`` (fractions of notional summing to 1), index the distance buckets.
    """
    a = asset.upper()
    actx = ctx.for_asset(a)

    def run() -> pd.DataFrame | None:
        from liqcascade import datasets
        from liqcascade.positions import distance_check as check
        from liqcascade.positions import load_asset_calibration, walk
        from liqcascade.report._section import _store

        hl = datasets.load_hyperliquid_positions()
        if a not in set(hl["asset"].astype(str).str.upper()):
            return None
        label = actx.last_oi_bar
        month = pd.Timestamp(year=label.year, month=label.month, day=1, tz="UTC")
        fit, _ = load_asset_calibration(a, store=_store()).fit_for(month)
        return check(hl, walk(ctx.market_frames(a).until(label), fit.params), a)

    return actx.memo("leverage_check.distance", run)  # type: ignore[no-any-return]


def near_shares(check: pd.DataFrame) -> tuple[float, float]:
    """The shares of notional within 10 % of liquidation: (data, model), fractions."""
    near = check.loc[list(NEAR)]
    return float(near["data"].sum()), float(near["model"].sum())


def mix_line(asset: str, check: pd.DataFrame | None) -> str:
    """One sentence: which way the book's leverage mix errs against real positions.

    ``""`` when no positions of ``asset`` are bundled. "More fragile" when the model
    puts more notional within 10 % of liquidation than the data, "less" when less.
    """
    if check is None:
        return ""
    data, model = near_shares(check)
    way = "more" if model > data else "less"
    none = ""
    if "none" in check.index:
        nd, nm = (float(x) for x in check.loc[["none"], ["data", "model"]].to_numpy()[0])
        none = (
            f"; it holds {pct(nm, 0)} of notional that is never liquidated against "
            f"{pct(nd, 0)} in the data"
        )
    return (
        f"The book's leverage mix is its least-checked input: against real Hyperliquid "
        f"positions ({asset}, large accounts, Feb 2026; retail is not in that sample) the "
        f"model puts {pct(model, 0)} of notional within 10 % of liquidation against "
        f"{pct(data, 0)} in the data, so it is {way} fragile near the price{none} "
        "(validation section)."
    )
