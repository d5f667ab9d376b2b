"""The estimated book's leverage mix against real Hyperliquid positions (Feb 2026).

The mix (how far each position sits from its liquidation price) is the book's
least-checked input: the record identifies when and how much liquidates, not how far
the rest of the book is from it. The bundled Hyperliquid positions of large accounts
are the one look at real distances; the validation section shows the whole table, and
the sections whose figures stand on the mix (cascade, solvency) say in one line which
way the model errs against it.
"""

from __future__ import annotations

import math
import re
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


MAIN_BAND = 0.05
"""Bands holding at least this share of notional, in the data or in the model, are checked."""

VERDICTS: tuple[str, ...] = ("supported", "partly supported", "not supported")
"""The distance verdicts, best first: assets together take the worst of theirs."""

DISTANCE_CLAIM = (
    "Open interest × an assumed leverage mix puts positions at real distances from liquidation."
)
"""The distance claim of the verdict table (the premise of liquidation heatmaps)."""


def like_for_like(check: pd.DataFrame) -> pd.DataFrame:
    """The distance table with "more than 50 % away" and "never" merged into one band.

    The model's never-liquidated mass is the mass beyond a 50 % move (positions with
    no liquidation price within the model's reach), so only the two together compare
    with the data's; without a ``"none"`` row the table is returned as it is.
    """
    if "none" not in check.index or ">50%" not in check.index:
        return check
    out = check.drop(index=["none"]).copy()
    out.loc[">50%"] = check.loc[">50%"] + check.loc["none"]
    return out.rename(index={">50%": ">50% or never"})


def distance_verdict(check: pd.DataFrame) -> str:
    """The distance claim's verdict on one asset's table (like for like).

    A band passes when the model's share is within
    :data:`~liqcascade.report._section.WITHIN` of the data's (a band the data leave
    empty never does). "not supported" when the data's largest band fails; "supported"
    when every band holding at least :data:`MAIN_BAND` of the notional in the data *or*
    in the model passes (a model crowding notional where the data hold little fails
    too); "partly supported" otherwise.
    """
    from liqcascade.report._section import ratio_within

    t = like_for_like(check)

    def ok(band: Any) -> bool:
        d, m = float(t.loc[band, "data"]), float(t.loc[band, "model"])
        return d > 0 and ratio_within(m / d) is True

    if not ok(t["data"].idxmax()):
        return "not supported"
    main = [b for b in t.index if max(t.loc[b, "data"], t.loc[b, "model"]) >= MAIN_BAND]
    return "supported" if all(ok(b) for b in main) else "partly supported"


def bucket_text(label: str) -> str:
    """A distance bucket as the page writes a range: ``"2-5%"`` → ``"2–5 %"``.

    ``"<2%"`` reads ``"< 2 %"`` and ``"none"`` (never liquidated) ``"never"``;
    summary.json keeps the library's labels.
    """
    if label == "none":
        return "never"
    text = label.replace("-", "–").replace("%", " %")
    return re.sub(r"^([<>])", r"\1 ", text)


def _band(label: str) -> str:
    """A band as the claim writes it: ``"20-50%"`` → ``"20–50 % away"`` (:func:`bucket_text`)."""
    if label == ">50% or never":
        return "over 50 % away or never"
    return f"{bucket_text(label)} away"


def distance_claim(checks: dict[str, pd.DataFrame]) -> Any:
    """The distance claim: the book's leverage mix against real Hyperliquid positions.

    Parameters
    ----------
    checks : dict of str to DataFrame
        Each asset's :func:`distance_check` (columns ``data``, ``model``), the first
        asset's first; assets without positions left out.

    Returns
    -------
    Claim or None
        The row (the verdict: the worst of the assets' :func:`distance_verdict`, in
        :data:`VERDICTS`' order); None without a table.
    """
    from liqcascade.report._section import WITHIN, Claim

    if not checks:
        return None
    verdicts = {a: distance_verdict(c) for a, c in checks.items()}
    verdict = max(verdicts.values(), key=VERDICTS.index)
    full, short = [], []
    for i, (a, c) in enumerate(checks.items()):
        t = like_for_like(c)
        top = str(t["data"].idxmax())
        bands = ", ".join(
            f"{_band(str(b))} {pct(t.loc[b, 'data'], 0)} / {pct(t.loc[b, 'model'], 0)}"
            for b in t.index
        )
        never = ""
        if "none" in c.index:
            never = (
                f"never liquidated {pct(c.loc['none', 'data'], 0)} vs "
                f"{pct(c.loc['none', 'model'], 0)} in the model, "
            )
        full.append(f"{a} ({verdicts[a]}): {never}like for like {bands}")
        lead = never.replace(" in the model", "") if i == 0 else ""  # the first asset's
        short.append(
            f"{a} {lead}{_band(top)} {pct(t.loc[top, 'data'], 0)} vs {pct(t.loc[top, 'model'], 0)}"
        )
    return Claim(
        claim=DISTANCE_CLAIM,
        computed=(
            "Real Hyperliquid positions (large accounts, Feb 2026), share of notional by "
            "distance to liquidation, data / model: "
            + "; ".join(full)
            + f". A band passes when the model's share is within {WITHIN:.0f}× of the data's: "
            "not supported where the data's largest band fails, supported where every band "
            f"holding {pct(MAIN_BAND, 0)} or more of the notional, in the data or in the "
            "model, passes, partly supported otherwise; the assets together take the worst "
            "of their verdicts."
        ),
        verdict=verdict,
        front="Hyperliquid notional (Feb 2026), data vs model: " + "; ".join(short) + ".",
    )


def _band_edges(label: str) -> tuple[float, float] | None:
    """A distance band's edges (fractions): ``"20-50%"`` → ``(0.2, 0.5)``; None for never.

    The labels are the library's (``positions._hyperliquid.LABELS``): ``"<2%"`` starts
    at 0, ``">50%"`` reaches to infinity, ``"none"`` (never liquidated) has no edges.

    >>> _band_edges("<2%"), _band_edges("20-50%"), _band_edges(">50%"), _band_edges("none")
    ((0.0, 0.02), (0.2, 0.5), (0.5, inf), None)
    """
    m = re.fullmatch(r"(?:(<)|(>)|(\d+(?:\.\d+)?)-)(\d+(?:\.\d+)?)%", label.strip())
    if m is None:
        return None
    x = float(m[4]) / 100
    if m[1]:
        return 0.0, x
    if m[2]:
        return x, math.inf
    return float(m[3]) / 100, x


def depth_past_liquidation(check: pd.DataFrame, fall: float) -> tuple[float, float]:
    """How far an instant ``fall`` carries the notional past its liquidation, on average.

    Each distance band of :func:`distance_check` is weighted by the fall's depth past a
    position in it (``fall − distance`` where positive), notional spread evenly within
    the band; never-liquidated notional counts 0. A position closed at the fall's price
    loses about that depth of its notional beyond its liquidation price, so the figure
    is what the mix alone puts behind a gap's bad debt per dollar of positions. Both
    sides pooled, as the comparison is (a fall reaches only the longs).

    Parameters
    ----------
    check : DataFrame
        :func:`distance_check`'s table (columns ``data``, ``model``).
    fall : float
        The fall's size, fraction (0.30 for −30 %); its sign is ignored.

    Returns
    -------
    tuple of float
        ``(data, model)``: fractions of notional.

    Examples
    --------
    >>> t = pd.DataFrame({"data": [0.5, 0.5], "model": [1.0, 0.0]}, index=["10-20%", "none"])
    >>> [round(x, 4) for x in depth_past_liquidation(t, -0.30)]
    [0.075, 0.15]
    """
    s = abs(float(fall))

    def depth(label: str) -> float:
        edges = _band_edges(label)
        if edges is None:
            return 0.0
        a, b = edges
        if s <= a:
            return 0.0
        if s >= b:
            return s - (a + b) / 2
        return (s - a) ** 2 / (2 * (b - a))

    w = pd.Series([depth(str(b)) for b in check.index], index=check.index)
    return float((check["data"] * w).sum()), float((check["model"] * w).sum())


def gap_bias_line(check: pd.DataFrame | None, name: str, fall: float) -> str:
    """Which way an instant fall's bad debt may lean, from the comparison's bands.

    ``name``: the scenario as printed (``"−30 %"``). ``""`` without a table.
    "More likely overstated" when the model's average depth past liquidation
    (:func:`depth_past_liquidation`) exceeds the data's, "understated" when it falls
    short; the band the fall ends in is named with both shares (notional that the fall
    reaches only part way past liquidation).

    Parameters
    ----------
    check : DataFrame or None
        :func:`distance_check`'s table (columns ``data``, ``model``).
    name : str
        The scenario as the page prints it (``"−30 %"``).
    fall : float
        The scenario's instant move, fraction (−0.30); its sign is ignored.
    """
    if check is None:
        return ""
    data, model = depth_past_liquidation(check, fall)
    if not (data > 0 or model > 0):
        return ""
    s = abs(float(fall))
    way, other = ("overstated", "understated") if model > data else ("understated", "overstated")
    times = f" ({model / data:.1f}×)" if data > 0 and model > 0 else ""
    band = next(
        (str(b) for b in check.index
         if (e := _band_edges(str(b))) is not None and e[0] < s < e[1]),
        None,
    )  # fmt: skip
    within = ""
    if band is not None:
        d, m = (float(x) for x in check.loc[band, ["data", "model"]].to_numpy())
        more = "more" if d > m else "less"
        within = (
            f"; the data hold {more} notional {bucket_text(band)} away ({pct(d, 0)} vs "
            f"{pct(m, 0)}), which the fall carries only part way past liquidation"
        )
    return (
        f"Which way the worst scenario ({name}) may lean: weighting each distance band of "
        f"that comparison by how far a {pct(s, 0)} fall carries it past liquidation (notional "
        "spread evenly within a band; both sides pooled, as the comparison is), the model's "
        f"notional ends {pct(model)} past its liquidation prices on average against "
        f"{pct(data)} in the data{times}, so its bad debt per dollar of positions is more "
        f"likely {way} than {other}{within}; bad debt in % of margin also depends on the "
        "margin the mix carries, which no bundled record checks."
    )
