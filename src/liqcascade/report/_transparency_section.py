"""Report section: transparency metrics and whether they warn of liquidation days.

compute (:func:`liqcascade.protect.transparency_metrics` → its result) → figures → prose.
The section runs once per asset of the report (ETH, BTC), each on its own identified book,
prices and recorded liquidations.

The book of a day is the fit for its month, trained on the data before that month; a day
before the calibration's first fit month reads the first fit, trained on data that include
it (in sample: the shipped ETH and BTC fits start in 2025-03, so 2024-11-22 → 2025-02-28 is
in sample). The section says which days are which (:func:`fit_months`) and gives the
early-warning test on the out-of-sample days beside the pooled one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade.report._data_section import origin_of
from liqcascade.report._format import column_name, join_words, p_text, pct, pvalue, signed_num
from liqcascade.report._names import display_name
from liqcascade.report._section import Claim, Prose, ReportContext, Section, Table, assemble


def compute(ctx: ReportContext) -> Any:
    """Daily metrics of ``ctx.asset``'s estimated book to the as-of date; their warning test."""
    from liqcascade.protect import transparency_metrics

    end = ctx.last_oi_bar
    start = ctx.last_oi_bar - pd.Timedelta(days=60) if ctx.quick else None  # the last 2 months
    return transparency_metrics(start, end, asset=ctx.asset, books=ctx.market_books)


def fit_months(ctx: ReportContext) -> list[pd.Timestamp]:
    """The months ``ctx.asset``'s book calibration has a fit for (each trained before it), UTC.

    The store's calibration when it has one, else the package's (the one
    :func:`liqcascade.protect.transparency_metrics` reads).
    """
    from liqcascade._time import to_utc
    from liqcascade.positions import load_asset_calibration
    from liqcascade.report._section import _store

    return sorted(to_utc(f.month) for f in load_asset_calibration(ctx.asset, store=_store()).fits)


def in_sample_days(days: pd.DatetimeIndex, months: list[pd.Timestamp] | None) -> int:
    """How many of ``days`` come before the first fit month: their book is in sample.

    >>> days = pd.date_range("2025-02-26", "2025-03-02", freq="D", tz="UTC")
    >>> in_sample_days(days, [pd.Timestamp("2025-03-01", tz="UTC")])
    3
    >>> in_sample_days(days, None)
    0
    """
    if not months or len(days) == 0:
        return 0
    return int((days < months[0]).sum())


def figures(tm: Any, months: list[pd.Timestamp] | None = None) -> list[go.Figure]:
    """The daily series, one panel each, with readable panel titles and the refit dates.

    The book behind the metrics is refitted each month that has a fit (each trained on the
    data before it): a dotted line at every refit, across all panels, so that a level shift
    there (ETH's mean leverage 7.7× → 18.6× on 2025-04-01 and back on 2025-05-01) reads as
    the refit it is, not as a leverage regime. The days before the first fit month, whose
    book is in sample, are shaded.

    Parameters
    ----------
    tm : TransparencyMetrics
        The section's metrics.
    months : list of Timestamp, optional
        The calibration's fit months (:func:`fit_months`); None: every month start is
        taken for a refit and nothing is shaded.
    """
    fig = tm.plot()
    a = tm.meta.get("asset", "ETH")
    days = pd.DatetimeIndex(tm.frame.index)
    for m in refit_dates(days, months):
        fig.add_shape(
            type="line", x0=f"{m:%Y-%m-%d}", x1=f"{m:%Y-%m-%d}", xref="x", yref="paper",
            y0=0, y1=1, line={"color": "#999999", "width": 1, "dash": "dot"}, layer="below",
        )  # fmt: skip
    n_in = in_sample_days(days, months)
    shade = ""
    if n_in and months:
        fig.add_shape(
            type="rect", x0=f"{days[0]:%Y-%m-%d}", x1=f"{months[0]:%Y-%m-%d}", xref="x",
            yref="paper", y0=0, y1=1, fillcolor="#999999", opacity=0.12, line={"width": 0},
            layer="below",
        )  # fmt: skip
        shade = f"; shaded: before {months[0]:%Y-%m-%d}, the book is in sample"
    fig.update_layout(
        title=f"{a}: transparency metrics and recorded liquidations (USD M), daily; dotted "
        "lines: month starts, where the estimated book is refitted (a level that shifts at "
        f"a line is the refit, not the market){shade}"
    )
    names = {
        "liquidations_usd": "recorded liquidations (USD M)",  # plotted in millions
        "distance_to_cascade": "distance to cascade (static-book critical shock)",
    }
    for k, ann in enumerate(fig.layout.annotations):
        unit = _UNITS.get(str(ann.text), "")
        ann.text = names.get(ann.text, _metric_name(ann.text))
        if unit:  # each panel's axis names its unit (the panels are too low for words)
            fig.layout[f"yaxis{k + 1 if k else ''}"].title = {"text": unit, "font": {"size": 10}}
    for tr in fig.data:  # "recorded" draws in the report's one colour for the data
        if tr.name == "liquidations_usd":
            tr.name = names["liquidations_usd"]
    return [fig]


_UNITS = {
    "leverage_ratio": "OI / spot",
    "mean_leverage": "×",
    "share_25x": "0 to 1",
    "stop_density": "0 to 1",
    "liq_hhi": "0 to 1",
    "distance_to_cascade": "0 to 1",
    "liquidations_usd": "USD M",
}
"""Each panel's unit: open interest over spot traded value, a leverage, shares of the
book's notional (0 to 1), an index (0 to 1), a fall as a fraction, millions of USD."""


def refit_dates(
    days: pd.DatetimeIndex, months: list[pd.Timestamp] | None = None
) -> list[pd.Timestamp]:
    """Month starts after the first day and up to the last where the book's fit changes.

    With the calibration's fit ``months``, only those after the first one (before it, and
    in its month, every day reads the first fit); without, every month start.

    >>> days = pd.date_range("2025-02-20 20:00", "2025-04-03 20:00", freq="D", tz="UTC")
    >>> [f"{m:%Y-%m-%d}" for m in refit_dates(days)]
    ['2025-03-01', '2025-04-01']
    >>> fits = [pd.Timestamp(m, tz="UTC") for m in ("2025-03-01", "2025-04-01")]
    >>> [f"{m:%Y-%m-%d}" for m in refit_dates(days, fits)]
    ['2025-04-01']
    """
    if len(days) == 0:
        return []
    first, last = days.min(), days.max()
    if months is not None:
        return [m for m in months[1:] if first < m <= last]
    starts = pd.date_range(first.normalize(), last, freq="MS")
    return [m for m in starts if m > first]


def _strong(w: pd.DataFrame) -> tuple[bool, float]:
    bonf = 0.05 / len(w)
    return bool(w["spearman"].max() > 0.2 and w["binom_p"].min() < bonf), bonf


def _metric_name(metric: object) -> str:
    """A metric as the page names it: ``share at 25× or more``, ``liquidation HHI``."""
    return column_name(display_name("metric", metric))


def _rho(x: float) -> str:
    """A rank correlation with its sign and two decimals: ``+0.12``, ``−0.10``."""
    return signed_num(x, 2)


def _same_day_rho(tm: Any, metric: str) -> float:
    """Spearman of ``metric`` (risk-oriented) with the same day's recorded liquidations."""
    from scipy import stats

    from liqcascade.protect import METRICS

    col = "distance_to_cascade" if metric.startswith("fragility") else metric
    x = METRICS.get(col, 1) * tm.frame[col].to_numpy(float)
    y = tm.frame["liquidations_usd"].to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    return float(stats.spearmanr(x[ok], y[ok]).statistic) if ok.sum() >= 3 else float("nan")


def _negatives(tm: Any) -> str:
    """Why metrics correlate negatively with the next day's liquidations, when they do."""
    w = tm.warning.set_index("metric")
    neg = w[(w["spearman"] < 0) & (w["p_value"] < 0.05)]
    if not len(neg):
        return ""
    names = join_words(f"{_metric_name(k)} ρ = {_rho(r)}" for k, r in neg["spearman"].items())
    same = [_same_day_rho(tm, str(k)) for k in neg.index]
    low_on_busy = sum(1 for r in same if r < 0)
    liq = tm.frame["liquidations_usd"]
    persist = float(liq.corr(liq.shift(-1), method="spearman"))
    head = f" {len(neg)} of {len(w)} correlate significantly negatively (p < 0.05: {names})"
    if low_on_busy == 0:
        return head + "; the same metrics do not fall on heavy days, so the sign is unexplained."
    return (
        f"{head}: {low_on_busy} of them are also lower on the heavy day itself and heavy days "
        f"follow heavy days (day-to-day ρ of liquidations {_rho(persist)}), so a low reading "
        "marks a turbulent spell, not a safe one: a warning that points the wrong way. A "
        "likely mechanism (not tested): a busy day swells the traded value that divides the "
        "leverage ratio and clears the stops near the price."
    )


def tables(tm: Any) -> list[Table]:
    """Metric on day t against liquidations on day t+1."""
    w = tm.warning
    t = pd.DataFrame(
        {
            "metric": [_metric_name(m) for m in w["metric"]],
            "Spearman ρ": [_rho(x) for x in w["spearman"]],
            "p-value": [pvalue(p) for p in w["p_value"]],
            "top-decile precision": [pct(x, 0) for x in w["precision"]],
            "base rate": [pct(x, 0) for x in w["base_rate"]],
            "lift": [f"{x:.2f}" for x in w["lift"]],
            "binomial p": [pvalue(p) for p in w["binom_p"]],
        }
    )
    return [Table("Early warning: metric on day t against liquidations on day t+1", t)]


def out_of_sample_warning(tm: Any, months: list[pd.Timestamp] | None) -> pd.DataFrame | None:
    """:func:`liqcascade.protect.early_warning` on the days whose book is out of sample.

    None when every day is out of sample (the pooled table is that test) or none is.
    """
    from liqcascade.protect import early_warning

    f = tm.frame
    n_in = in_sample_days(pd.DatetimeIndex(f.index), months)
    if n_in == 0 or n_in == len(f) or not months:
        return None
    oos = f[f.index >= months[0]]
    return early_warning(oos, oos["liquidations_usd"])


def _oos_text(tm: Any, months: list[pd.Timestamp] | None) -> str:
    """One sentence: which days are in sample, and the warning test on the others alone."""
    f = tm.frame
    n_in = in_sample_days(pd.DatetimeIndex(f.index), months)
    if not n_in or not months:
        return ""
    head = (
        f"{n_in} of the {len(f)} days (before {months[0]:%Y-%m-%d}) read the first fit of "
        f"the book, trained on data to {months[0] - pd.Timedelta(days=1):%Y-%m-%d} that "
        "include them: in sample"
    )
    w = out_of_sample_warning(tm, months)
    if w is None:
        return head + "; no day is out of sample."
    w = w.set_index("metric")
    best, best_p = str(w["spearman"].idxmax()), str(w["precision"].idxmax())
    neg = int(((w["spearman"] < 0) & (w["p_value"] < 0.05)).sum())
    return (
        f"{head}. On the {len(f) - n_in} days with the book out of sample alone "
        f"({months[0]:%Y-%m-%d} to {f.index[-1]:%Y-%m-%d}): "
        f"{int((w['spearman'] > 0).sum())} of {len(w)} metrics rank-correlate positively "
        f"with the next day's liquidations (best {_metric_name(best)}, "
        f"ρ = {_rho(float(w['spearman'].max()))}, {p_text(w.loc[best, 'p_value'])}), {neg} "
        f"significantly negatively; best top-decile precision {pct(w.loc[best_p, 'precision'], 0)} "
        f"({_metric_name(best_p)}) against a base rate of {pct(w.loc[best_p, 'base_rate'], 0)} "
        f"({p_text(w.loc[best_p, 'binom_p'])})."
    )


def prose(tm: Any, months: list[pd.Timestamp] | None = None) -> Prose:
    """Takeaways, method and the claim (``months``: :func:`fit_months`, for what is in sample)."""
    f = tm.frame
    w = tm.warning.set_index("metric")
    best = str(w["spearman"].idxmax())
    best_p = str(w["precision"].idxmax())
    strong, bonf = _strong(w)
    bp = w.loc[best_p]
    take = [
        f"Over {len(f)} days ({f.index[0]:%Y-%m-%d} to {f.index[-1]:%Y-%m-%d}) the estimated "
        f"book's leverage averaged {f['mean_leverage'].mean():.1f}× and the static-book "
        f"critical shock {pct(f['distance_to_cascade'].mean())} "
        f"({pct(f['distance_to_cascade'].iloc[-1])} on the last day; the central book, "
        "instant, no refill — not the cascade section's calibrated 24-h critical shock).",
        f"As early warnings they are {'useful' if strong else 'weak'}: "
        f"{int((w['spearman'] > 0).sum())} of {len(w)} metrics rank-correlate positively with "
        f"the next day's liquidations (best {_metric_name(best)}, "
        f"ρ = {_rho(w.loc[best, 'spearman'])}).{_negatives(tm)}",
        f"In its top decile, {_metric_name(best_p)} preceded a top-decile liquidation day "
        f"{pct(bp['precision'], 0)} of the time against a {pct(bp['base_rate'], 0)} base rate "
        f"({p_text(bp['binom_p'])}; Bonferroni threshold {bonf:.4f}).",
    ]
    if oos := _oos_text(tm, months):
        take.append(oos)
    if strong:
        verdict = "supported"
    elif w["binom_p"].min() < bonf or w["spearman"].max() > 0.2:
        verdict = "partly supported"
    else:
        verdict = "not supported"
    claim = Claim(
        claim="Transparency on leverage and stop-loss density would warn of liquidation cascades",
        computed=(
            "Spearman with next-day liquidations: "
            + ", ".join(f"{_metric_name(k)} {_rho(r)}" for k, r in w["spearman"].items())
            + f"; best top-decile precision {pct(bp['precision'], 0)} vs "
            f"{pct(bp['base_rate'], 0)} base rate."
        ),
        front=(
            f"Highest Spearman with next-day liquidations {_rho(w['spearman'].max())}, "
            f"{_metric_name(w['spearman'].idxmax())}; best top-decile precision "
            f"{pct(bp['precision'], 0)} vs a {pct(bp['base_rate'], 0)} base rate."
        ),
        verdict=verdict,
    )
    method = [
        "Leverage ratio = aggregated open interest / "
        f"{origin_of('ohlcv', str(tm.meta.get('asset', 'ETH')), '1d', 'Binance spot')} daily "
        "traded value (market capitalisation and exchange reserves are not bundled).",
        "Stop density = modelled stops within ±2 % of price / the book's notional; "
        "concentration = HHI of the liquidation map over 0.5 % buckets; distance to cascade = "
        "|static-book critical shock|: the smallest first fall whose static cascade (central "
        "book, instant, no refill) carries price 10 % down.",
        "All metrics come from the estimated book (one venue, calibrated to Binance's recorded "
        "liquidations), not observed positions. The book is refitted at each month start "
        f"{_refit_span(tm, months)}: a level that shifts there, such as the mean leverage, "
        "is the refit, not the market, and those shifts enter the early-warning "
        "correlations as they are.",
    ]
    return Prose(take, method, [claim])


def _refit_span(tm: Any, months: list[pd.Timestamp] | None) -> str:
    """Which month starts are refits, and that the days before the first read it in sample."""
    if not in_sample_days(pd.DatetimeIndex(tm.frame.index), months) or not months:
        return "(each fit on the data before it)"
    return (
        f"from {months[0]:%Y-%m} on (each fit on the data before it; the days before "
        f"{months[0]:%Y-%m} read that first fit, trained on data that include them: in sample)"
    )


def summary(tm: Any, months: list[pd.Timestamp] | None = None) -> dict[str, Any]:
    """Every number of the section for summary.json.

    With ``months`` (:func:`fit_months`) and days before the first one: ``in_sample_days``,
    ``out_of_sample_start`` and ``early_warning_out_of_sample`` (the warning table on the
    days whose book is out of sample).
    """
    w = tm.warning.set_index("metric")
    out: dict[str, Any] = tm.summary()
    out["best_spearman_metric"] = str(w["spearman"].idxmax())
    out["best_precision_metric"] = str(w["precision"].idxmax())
    n_in = in_sample_days(pd.DatetimeIndex(tm.frame.index), months)
    if n_in and months:
        oos = out_of_sample_warning(tm, months)
        out["in_sample_days"] = n_in
        out["out_of_sample_start"] = f"{months[0]:%Y-%m-%d}"
        out["early_warning_out_of_sample"] = None if oos is None else oos.to_dict("records")
    return out


def section(ctx: ReportContext) -> Section:
    """Daily transparency series and their early-warning evaluation."""
    tm = compute(ctx)
    months = fit_months(ctx)
    return assemble(
        "transparency", prose(tm, months), figures(tm, months), tables(tm), summary(tm, months)
    )
