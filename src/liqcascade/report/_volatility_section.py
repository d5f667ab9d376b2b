"""Report section: volatility clustering and the leverage effect of one asset.

compute (library fits → :class:`VolatilityView`) → figures → prose. The section runs once
per asset of the report (ETH, BTC or a store's asset), each on its own daily and hourly
bars (the store's, else the bundled ones) closed by the as-of date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._plotly_text import plain
from liqcascade.report._format import dec, join_words, p_text, pvalue
from liqcascade.report._names import display_name
from liqcascade.report._section import (
    CHECK_MARKS,
    Claim,
    Prose,
    ReportContext,
    Section,
    Table,
    assemble,
)

PRONOUNCED_RATIO = 2.0
"""The asymmetry a "pronounced" leverage effect needs: a fall raises next-bar variance at
least twice as much as an equal rise (GJR ``(α + γ)/α``). Fixed from the equity-index
literature, where the ratio is several times larger (the volatility page of the docs), not
from ETH's."""


def pronounced(fit: Any) -> bool:
    """Whether a GJR fit shows a pronounced leverage effect: significant and >= 2×.

    Parameters
    ----------
    fit : VolatilityFit
        A GJR fit (its :attr:`asymmetry` ratio and leverage verdict).
    """
    ratio = fit.asymmetry[0]
    return bool(
        fit.leverage_verdict == "significant" and math.isfinite(ratio) and ratio >= PRONOUNCED_RATIO
    )


def _ratio(fit: Any) -> str:
    """``1.35× (95 % 1.23 to 1.46)``: a GJR fit's asymmetry ratio with its interval."""
    r, lo, hi = fit.asymmetry
    ci = f" (95 % {lo:.2f} to {hi:.2f})" if math.isfinite(lo) and math.isfinite(hi) else ""
    return f"{r:.2f}×{ci}"


def _size_text(v: VolatilityView) -> str:
    """The leverage effect's size in plain words: the daily and hourly ratios, the bar."""
    daily = f"next-day variance {_ratio(v.gjr)} as much as an equal rise ({v.gjr.leverage_verdict})"
    hf = v.hourly_fit
    bar = f"'pronounced' would be {PRONOUNCED_RATIO:.0f}× or more"
    if hf is None:
        return f"a fall raises {daily}; {bar}."
    return (
        f"a fall raises next-hour variance {_ratio(hf)} as much as an equal rise "
        f"({hf.leverage_verdict}), and {daily}; {bar}."
    )


def _effect_words(v: VolatilityView) -> str:
    """Each frequency in one phrase: "a modest effect on hourly data, none on daily"."""

    def word(fit: Any) -> str:
        if fit.leverage_verdict == "inverted":
            return "an inverted effect"
        if fit.leverage_verdict != "significant":
            return "none"
        return "a pronounced effect" if pronounced(fit) else "a modest effect"

    daily = word(v.gjr)
    if v.hourly_fit is None:
        return f"{daily[0].upper()}{daily[1:]} on daily data"
    hourly = word(v.hourly_fit)
    return f"{hourly[0].upper()}{hourly[1:]} on hourly data, {daily} on daily"


@dataclass(frozen=True)
class VolatilityView:
    """Clustering tests, GJR/EGARCH fits, leverage by period, model comparison."""

    asset: str
    close_d: pd.Series
    close_h: pd.Series
    gjr: Any  # VolatilityFit
    egarch: Any
    raw_h: Any  # ClusteringTest of hourly returns
    daily_periods: Any  # LeverageByPeriod
    hourly_fit: Any | None
    hourly_periods: pd.DataFrame | None
    aic: pd.DataFrame
    quick: bool
    bars_from: str  # the asset's bars and where they were read (``"Binance spot ETH"``)
    oos: Any = None  # VolatilityOOS, or why there is none (str)

    def yearly(self, model: str = "gjr") -> pd.DataFrame:
        """Calendar-year rows of the daily leverage-by-period table."""
        df = self.daily_periods.to_frame()
        y = df[df["label"].str.fullmatch(r"\d{4}")]
        return y[y["model"] == model]

    def verdict(self) -> str:
        """Verdict on "the asset shows a pronounced leverage effect": sign and size.

        "Pronounced" is :data:`PRONOUNCED_RATIO` (the volatility docs page, fixed before any
        fit was looked at): a fall raises next-bar variance at least twice as much as an
        equal rise, GJR's ``(α + γ)/α``, with the effect significant (:func:`pronounced`).
        Supported: pronounced on the daily fit and EGARCH's daily γ significant too;
        contradicted: both daily fits inverted; partly supported: pronounced on the daily
        or the hourly fit only; not supported otherwise, also when the effect is
        significant but smaller (a modest asymmetry is not a pronounced one).
        """
        vg, ve = self.gjr.leverage_verdict, self.egarch.leverage_verdict
        if vg == ve == "inverted":
            return "contradicted"
        daily = pronounced(self.gjr)
        if daily and ve == "significant":
            return "supported"
        hourly = self.hourly_fit is not None and pronounced(self.hourly_fit)
        return "partly supported" if daily or hourly else "not supported"

    def periods_significant_after_correction(self, alpha: float = 0.05) -> bool:
        """Whether any daily period shows the effect once the periods tested are counted.

        Holm's procedure over the periods' γ p-values (GJR and EGARCH rows alike): it
        rejects anything only if the smallest p-value lies below ``alpha / m``, ``m``
        the number of periods tested (:meth:`tested`). One year in eight at p < 0.05 is
        what chance alone gives, not evidence.
        """
        return bool(len(self.holm_survivors(alpha)))

    def holm_survivors(self, alpha: float = 0.05) -> pd.DataFrame:
        """The tested daily periods whose effect survives Holm's step-down procedure.

        The p-values in increasing order, the k-th (from 0) compared with
        ``alpha / (m − k)``; the rows up to the first that misses its cut-off are kept
        (only rows with a significant or inverted verdict).
        """
        tested = self.tested().sort_values("pvalue", kind="stable")
        m = len(tested)
        keep = []
        for k, (i, row) in enumerate(tested.iterrows()):
            if float(row["pvalue"]) >= alpha / (m - k):
                break
            keep.append(i)
        out = tested.loc[keep]
        return out[out["verdict"].isin(["significant", "inverted"])]

    def tested(self) -> pd.DataFrame:
        """The daily periods whose fit gives a test of γ: a reliable fit with a p-value.

        A fit that did not converge or is unreliable (a singular Hessian, a
        non-invertible EGARCH filter) tests nothing: its p-value is not counted in
        the correction's ``m``.
        """
        daily = self.daily_periods.to_frame()
        ok = daily["verdict"].isin(["significant", "inverted", "not significant"])
        return daily[ok & np.isfinite(daily["pvalue"].to_numpy(dtype=float))]

    def span(self, hourly: bool = False) -> str:
        """``"2017-08-18 → 2025-07-31"``: the days of the first and last daily (hourly) return."""
        idx = pd.DatetimeIndex((self.close_h if hourly else self.close_d).index)
        if len(idx) < 2:
            return "no returns"
        return f"{idx[1]:%Y-%m-%d} → {idx[-1]:%Y-%m-%d}"

    def realised(self) -> pd.DataFrame:
        """Model and realised volatility per day (annualised %), aligned."""
        from liqcascade.volatility import realized_volatility

        cv = self.gjr.annualized_conditional_volatility.copy()
        cv.index = pd.DatetimeIndex(cv.index).normalize()
        return pd.concat([cv, realized_volatility(self.close_h)], axis=1, join="inner").dropna()


def compute(ctx: ReportContext) -> VolatilityView:
    """Fit GJR and EGARCH (Student-t) on ``ctx.asset``'s daily returns to the as-of date."""
    from liqcascade.report._cut import bars
    from liqcascade.report._data_section import bars_of
    from liqcascade.volatility import (
        clustering_test,
        compare_models,
        fit_volatility,
        leverage_by_period,
        log_returns,
        realized_volatility,
        volatility_oos,
    )

    a = ctx.asset
    daily, hourly = bars(a, "1d", ctx.as_of), bars(a, "1h", ctx.as_of)
    close_d, close_h = daily["close"], hourly["close"]
    r_d, r_h = log_returns(close_d), log_returns(close_h)
    models = ("gjr",) if ctx.quick else ("gjr", "egarch")
    hourly_fit = hourly_periods = None
    if not ctx.quick:
        ctx.step("volatility", "hourly fit")
        hourly_fit = fit_volatility(r_h, "gjr", "t", interval="1h", asset=a)
        hourly_periods = leverage_by_period(
            close_h, models=("gjr",), dist="t", interval="1h"
        ).to_frame()
    dists = ("t",) if ctx.quick else ("normal", "t", "skewt")
    ctx.step("volatility", "daily fits")
    gjr = ctx.volatility_fit(r_d, "gjr", "t", asset=a)  # the stress sections' fit
    egarch = fit_volatility(r_d, "egarch", "t", asset=a)
    ctx.step("volatility", "periods, model comparison, out of sample")
    return VolatilityView(
        asset=a,
        close_d=close_d,
        close_h=close_h,
        gjr=gjr,
        egarch=egarch,
        raw_h=clustering_test(r_h, lags=24, series="hourly returns"),
        daily_periods=leverage_by_period(close_d, models=models, dist="t"),
        hourly_fit=hourly_fit,
        hourly_periods=hourly_periods,
        aic=compare_models(  # the two fits above reused, not refitted
            r_d,
            ("garch", "gjr", "egarch"),
            dists,
            fitted={("gjr", "t"): gjr, ("egarch", "t"): egarch},
        ),
        quick=ctx.quick,
        bars_from=bars_of(a, {"daily": daily, "hourly": hourly}),
        # the three models out of sample, the squared return and hourly RV as proxies
        oos=volatility_oos(
            r_d, dist="t", realized_var=realized_volatility(close_h, annualize=False) ** 2
        ),
    )


def _span(close: pd.Series) -> str:
    """First and last day of a series, e.g. ``2017-08-17 to 2025-07-31``."""
    return f"{close.index[0]:%Y-%m-%d} to {close.index[-1]:%Y-%m-%d}"


def figures(v: VolatilityView) -> list[go.Figure]:
    """News impact curves, leverage by period, model vs realised volatility."""
    nic = go.Figure()
    for fit, name in ((v.gjr, "GJR-GARCH-t"), (v.egarch, "EGARCH-t")):
        c = fit.news_impact(n=161, span=4.0)
        nic.add_trace(go.Scatter(x=c["shock_pct"], y=c["vol_annual_pct"], name=name, mode="lines"))
    nic.update_layout(
        title=f"News impact curve ({plain(v.asset)}): next-day volatility after a shock "
        "(symmetric = no leverage effect)",
        xaxis_title="today's return surprise (%)",
        yaxis_title="next-day volatility, annualised (%)",
        height=400,
    )
    lev = v.daily_periods.plot()
    lev.update_layout(
        title=f"Leverage effect by period ({plain(v.asset)}, daily): γ with 95 % interval "
        "(GJR > 0 or EGARCH < 0 = falls raise volatility more); n/a: no reliable estimate "
        "(the fit did not converge or its Hessian is singular)",
        xaxis_title="period (calendar years)",
    )
    both = v.realised()
    rv = go.Figure()
    for col, name, width in (("realized_vol_pct", "realised (hourly bars)", 1),
                             ("conditional_vol_pct", "GJR-GARCH-t", 2)):  # fmt: skip
        rv.add_trace(
            go.Scatter(x=both.index, y=both[col], name=name, mode="lines", line={"width": width})
        )
    rv.update_layout(
        title=f"{plain(v.asset)} volatility: model vs realised from intraday bars (annualised %)",
        yaxis_title="volatility, annualised (%)",
        height=400,
    )
    return [nic, lev, rv]


def _period_labels(df: pd.DataFrame) -> list[str]:
    """Each period's label, a part-period with the days its returns cover.

    ``2017–2021`` on hourly bars that begin 2021-04-04 reads ``2017–2021 (2021-04-04 →
    2021-12-31)``; a full year is its label (:func:`liqcascade.volatility.period_text`).
    """
    from liqcascade.volatility import is_partial, period_text

    return [
        period_text({"label": lb, "start": s, "end": e, "partial": is_partial(lb, s, e)})
        for lb, s, e in zip(df["label"], df["start"], df["end"], strict=True)
    ]


def _negative_years(v: VolatilityView) -> str:
    """The yearly signs, full years apart from part-years ("negative in 3 of 7 full …")."""
    from liqcascade.volatility import is_partial

    yg = v.yearly()
    part = np.array(
        [
            is_partial(lb, s, e)
            for lb, s, e in zip(yg["label"], yg["start"], yg["end"], strict=True)
        ],
        dtype=bool,
    )
    neg = (yg["gamma"] < 0).to_numpy()
    text = f"negative in {int((neg & ~part).sum())} of {int((~part).sum())} full calendar years"
    if part.any():
        names = ", ".join(
            f"{lb} {str(s)[5:10]} → {str(e)[5:10]}"
            for lb, s, e in zip(yg["label"][part], yg["start"][part], yg["end"][part], strict=True)
        )
        text += f" and in {int((neg & part).sum())} of {int(part.sum())} part-years ({names})"
    return text


def _dec3(xs: Any) -> list[str]:
    """A column of estimates to 3 decimals (``0.447``, ``−0.001``): one format per column."""
    return [dec(x, 3) for x in xs]


def _stat(x: float) -> str:
    """A test statistic to one decimal with separators (``7,596.3``, ``8.7``)."""
    return f"{x:,.1f}"


def _lev_table(df: pd.DataFrame, interval: str) -> pd.DataFrame:
    """One interval's rows of the leverage-by-period table, with each row's bound note.

    The last column ("fit": ``liqcascade vol --by-period`` shows it without a header; a
    table of the page names every column, for a screen reader) holds
    :func:`liqcascade.volatility.bound_note`'s "at the bound: not standard" beside the
    γ p-value of a period whose fit sits on the stationarity bound
    (``persistence_at_bound``), else ``""``; :func:`_lev_tables` drops it when empty.
    """
    from liqcascade.volatility import bound_note

    at_bound = df["persistence_at_bound"] if "persistence_at_bound" in df else [False] * len(df)
    return pd.DataFrame(
        {"period": _period_labels(df), "interval": interval,
         "model": [display_name("model", m) for m in df["model"]], "n": df["n_obs"],
         # γ and its interval to 3 decimals (their standard errors are 0.005 or more)
         "γ": _dec3(df["gamma"]), "95 % low": _dec3(df["ci_low"]),
         "95 % high": _dec3(df["ci_high"]),
         "p-value": [pvalue(p) for p in df["pvalue"]], "verdict": df["verdict"],
         "fit": [bound_note("gamma[1]", bool(b)) for b in at_bound]}
    )  # fmt: skip


def _lev_tables(daily: pd.DataFrame, hourly: pd.DataFrame | None) -> pd.DataFrame:
    """The daily and (when fitted) hourly leverage-by-period rows in one table.

    The bound-note column is kept only when some period needs it, as the command line
    shows it (:func:`_lev_table`).
    """
    lev = _lev_table(daily, "1 d")
    if hourly is not None:
        lev = pd.concat([lev, _lev_table(hourly, "1 h")], ignore_index=True)
    return lev if lev["fit"].astype(bool).any() else lev.drop(columns=["fit"])


def tables(v: VolatilityView) -> list[Table]:
    """Clustering tests, leverage by period, model comparison."""
    rows = []
    for name, t in (("daily returns", v.gjr.diagnostics_raw), ("hourly returns", v.raw_h),
                    ("daily GJR-t standardised residuals", v.gjr.diagnostics_std)):  # fmt: skip
        rows.append(
            {"series": name, "n": t.n_obs, "lags": t.lags, "ARCH-LM": _stat(t.arch_lm_stat),
             "ARCH-LM p": pvalue(t.arch_lm_pvalue),
             "Ljung–Box Q (squared)": _stat(t.ljung_box_stat),
             "Ljung–Box p": pvalue(t.ljung_box_pvalue)}
        )  # fmt: skip
    lev = _lev_tables(v.daily_periods.to_frame(), v.hourly_periods)
    aic = v.aic[["model", "dist", "n_params", "loglik", "aic", "bic", "delta_aic", "delta_bic",
                 "persistence"]].assign(
        model=[display_name("model", m) for m in v.aic["model"]],
        dist=[display_name("dist", d) for d in v.aic["dist"]],
        # one format per column: Δ to a tenth, persistence to 3 decimals (1.000 beside 0.982)
        delta_aic=[dec(x, 1) for x in v.aic["delta_aic"]],
        delta_bic=[dec(x, 1) for x in v.aic["delta_bic"]],
        persistence=_dec3(v.aic["persistence"]),
    ).rename(columns={"dist": "errors", "delta_aic": "Δ AIC", "delta_bic": "Δ BIC"})  # fmt: skip
    out = [
        Table(f"{v.asset} volatility-clustering tests (null: no clustering)", pd.DataFrame(rows)),
        Table(f"{v.asset} leverage effect by period (Student-t errors)", lev),
        Table(f"{v.asset} model comparison, daily, in sample (lower AIC/BIC is better)", aic),
    ]
    if not isinstance(v.oos, str) and v.oos is not None:
        out.append(
            Table(
                f"{v.asset} variance forecasts out of sample, 1 day ahead, {v.oos.start} → "
                f"{v.oos.end}, refitted each quarter (mean QLIKE, lower is better)",
                _oos_table(v.oos),
            )
        )
    return out


_OOS_NAMES = {
    "garch": "GARCH-t", "gjr": "GJR-t", "egarch": "EGARCH-t",
    "ewma": "EWMA λ 0.94 (baseline)", "trailing_30d": "trailing 30-day (baseline)",
}  # fmt: skip
"""The forecasts as the out-of-sample table and sentence name them."""

_OOS_MARKS = {"beats": "passes", "ties": "ties", "loses": "fails"}
"""A model's DM verdict against the best baseline → the report's status mark."""


def _oos_table(o: Any) -> pd.DataFrame:
    """One row per forecast: QLIKE per proxy, DM p against the best baseline, the mark."""
    cols: dict[str, list[str]] = {"forecast": [_OOS_NAMES[c] for c in o.scores[0].qlike]}
    for sc in o.scores:
        short = "squared return" if sc.proxy == "squared return" else "realised variance"
        cols[f"QLIKE, {short} (n {sc.n})"] = [f"{q:.4f}" for q in sc.qlike.values()]
        cols[f"DM p vs {_OOS_NAMES[sc.best_baseline].split(' (')[0]} ({short})"] = [
            pvalue(sc.dm_pvalue[c]) if c in sc.dm_pvalue else "–" for c in sc.qlike
        ]
        cols[f"mark ({short})"] = [
            CHECK_MARKS[_OOS_MARKS[sc.verdict[c]]] if c in sc.verdict else "–" for c in sc.qlike
        ]
    return pd.DataFrame(cols)


def _oos_text(v: VolatilityView) -> str:
    """One sentence: each model's mark out of sample, and AIC's winner beside QLIKE's."""
    best = v.aic.iloc[0]
    aic = f"{str(best['model']).upper()}-{best['dist']}"
    if isinstance(v.oos, str) or v.oos is None:
        why = v.oos or "not computed"
        return f"Best model by AIC (in sample): {aic}; no out-of-sample score ({why})."
    sc = v.oos.scores[-1]  # realised variance when there are hourly bars: the better proxy
    base = _OOS_NAMES[sc.best_baseline].split(" (")[0]
    # the mark says the verdict once; the brackets name the baseline and the DM p only
    marks = [
        f"{_OOS_NAMES[m]} {CHECK_MARKS[_OOS_MARKS[sc.verdict[m]]]} ({base}, DM p "
        f"{pvalue(sc.dm_pvalue[m])})"
        for m in sc.verdict
    ]
    top = min(sc.verdict, key=lambda m: sc.qlike[m])
    same = _OOS_NAMES[top].lower() == aic.lower()
    return (
        f"Out of sample ({v.oos.start} → {v.oos.end}, 1-day-ahead variance, each model "
        f"refitted every quarter on the days before, QLIKE against the {sc.proxy} over "
        f"{sc.n} days, Diebold–Mariano against the better baseline, {base}): "
        f"{join_words(marks)}. Best model by AIC (in sample): {aic}; lowest QLIKE out of "
        f"sample: {_OOS_NAMES[top]}" + (" too." if same else ", not the AIC's choice.")
    )


def _gamma_p(fit: Any) -> str:
    """``p = 0.03``: a fit's leverage γ p-value, marked where the fit sits on the bound.

    At the stationarity bound the Wald p-value is not standard (``p = 0.03, at the bound:
    not standard``; :func:`liqcascade.volatility.bound_note`).
    """
    from liqcascade.volatility import bound_note

    note = bound_note("gamma[1]", fit.at_stationarity_bound)
    return p_text(fit.leverage.pvalue) + (f", {note}" if note else "")


def _texts(v: VolatilityView) -> tuple[str, str]:
    raw, std = v.gjr.diagnostics_raw, v.gjr.diagnostics_std
    lg = v.gjr.leverage
    yg = v.yearly()
    hours, days = v.span(hourly=True), v.span()
    # the hourly span by its start alone where both end on the same day
    since = f"from {hours[:10]}" if hours[-10:] == days[-10:] else hours
    clus = (
        f"ARCH-LM on daily returns {days}: {raw.arch_lm_stat:,.0f} "
        f"({p_text(raw.arch_lm_pvalue)}), hourly {since}: "
        f"{v.raw_h.arch_lm_stat:,.0f} ({p_text(v.raw_h.arch_lm_pvalue)}); none left "
        f"after the GJR-t fit ({p_text(std.arch_lm_pvalue)})."
    )
    years = pd.concat([yg, v.yearly("egarch")])
    lev = (
        f"Daily GJR γ ({v.span()}) = {dec(lg.gamma, 3)} (95 % {dec(lg.ci_low, 3)} to "
        f"{dec(lg.ci_high, 3)}, "
        f"{_gamma_p(v.gjr)}): {v.gjr.leverage_verdict}; EGARCH {v.egarch.leverage_verdict}. "
        f"Calendar years with a significant effect (daily fits): {_years(v, 'significant')}; "
        "inverted: "
        f"{_years(v, 'inverted')}"
        + ("." if not (years["verdict"].isin(["significant", "inverted"])).any() else _holm_text(v))
    )
    hf = v.hourly_fit
    hl = hf.leverage if hf is not None else None
    if hf is not None and hl is not None:
        said = hf.leverage_verdict
        lev += (
            f" Hourly GJR γ ({hours}) = {dec(hl.gamma, 4)} (95 % {dec(hl.ci_low, 4)} to "
            f"{dec(hl.ci_high, 4)}, {_gamma_p(hf)}): {said}{_hourly_inverted(v)}"
            + (" — the hourly fit alone carries the effect." if said == "significant"
               and not v.periods_significant_after_correction() else ".")
        )  # fmt: skip
    return clus, lev


def _hourly_inverted(v: VolatilityView) -> str:
    """`` (by calendar year the hourly fit is inverted in 2023)``, or "" when no year is.

    The claim's yearly words are the daily fits'; an hourly year whose effect runs the
    other way is data against the claim, said beside the hourly γ.
    """
    h = v.hourly_periods
    if h is None or not len(h):
        return ""
    years = h[h["label"].astype(str).str.fullmatch(r"\d{4}") & (h["verdict"] == "inverted")]
    if not len(years):
        return ""
    return f" (by calendar year the hourly fit is inverted in {join_words(list(years['label']))})"


def _holm_text(v: VolatilityView) -> str:
    """What survives once the periods tested are counted, with Holm's margin.

    The first cut-off is ``0.05 / m``: the sentence gives the smallest p-value beside it,
    since one observation more or less can move a p-value across it.
    """
    tested = v.tested()
    m = len(tested)
    if not m:
        return "."
    smallest = float(tested["pvalue"].astype(float).min())
    margin = f"p = {smallest:.4f} against 0.05/{m} = {0.05 / m:.4f}"
    kept = v.holm_survivors()
    if not len(kept):
        return f" — none once the {m} periods tested are counted (Holm: smallest {margin})."
    names = join_words([f"{str(r['model']).upper()} {r['label']}" for _, r in kept.iterrows()])
    alone = "alone " if len(kept) == 1 else ""
    return (
        f" — {names} {alone}still significant once the {m} periods tested are counted"
        f" (Holm: {margin})."
    )


def _leverage_front(v: VolatilityView) -> str:
    """The leverage claim's front-page row: the effect's size at each frequency, the bar."""
    hf = v.hourly_fit
    sizes = f"next-day variance {v.gjr.asymmetry[0]:.2f}× as much as a rise"
    if hf is not None:
        sizes = (
            f"next-hour variance {hf.asymmetry[0]:.2f}× as much as a rise, "
            f"next-day {v.gjr.asymmetry[0]:.2f}×"
        )
    return (
        f"{_effect_words(v)}: a fall raises {sizes}; 'pronounced' needs "
        f"{PRONOUNCED_RATIO:.0f}× (to {v.span()[-10:]})."
    )


def _years(v: VolatilityView, verdict: str) -> str:
    """The calendar years whose daily fit gives ``verdict``, by model ("GJR 2022, EGARCH 2024")."""
    parts = []
    for model in ("gjr", "egarch"):
        y = v.yearly(model)
        labels = list(y.loc[y["verdict"] == verdict, "label"])
        if labels:
            parts.append(f"{model.upper()} {join_words(labels)}")
    return ", ".join(parts) if parts else "none"


def _persistence_note(fit: Any) -> str:
    """What the daily GJR-t's persistence says about its long-run level."""
    p = float(fit.persistence)
    if fit.at_stationarity_bound:
        return (
            "GJR-t persistence on the full daily sample: at the stationarity bound "
            "(integrated; the fit sits on arch's constraint α + β + γ/2 ≤ 1, so there is "
            "no interval around it): the long-run level and the half-life are not identified."
        )
    if fit.near_integrated:
        return (
            f"GJR-t persistence on the full daily sample {p:.3f} ± {fit.persistence_se:.3f}: "
            "its 95 % interval reaches 1, so the long-run level and the half-life are not "
            "identified."
        )
    return (
        f"GJR-t persistence on the full daily sample {p:.3f}: a variance shock halves in "
        f"{fit.half_life_days:.0f} days."
    )


def prose(v: VolatilityView) -> Prose:
    """Takeaways, method and claims."""
    raw = v.gjr.diagnostics_raw
    clus, lev = _texts(v)
    both = v.realised()
    corr = float(np.corrcoef(np.log(both.iloc[:, 0]), np.log(both.iloc[:, 1]))[0, 1])
    take = [
        (
            "Large moves cluster, overwhelmingly: "
            if raw.arch_lm_pvalue < 0.01
            else "Large moves cluster weakly if at all: "
        )
        + clus,
        f"Leverage effect: {_effect_words(v).lower()}. {_size_text(v)[0].upper()}"
        f"{_size_text(v)[1:]} The yearly estimate is {_negative_years(v)}.",
        _oos_text(v),
        "GJR-t's volatility (the fit the stress sections use) tracks realised volatility from "
        f"hourly bars in sample (log correlation {corr:.2f}, full-sample parameters).",
    ]
    verdict = v.verdict()
    claims = [
        Claim("Large moves cluster (volatility clustering)", clus,
              "supported" if raw.arch_lm_pvalue < 0.01 else "not supported", front=clus),
        Claim(f"{v.asset} shows a pronounced leverage effect (falls raise volatility more "
              "than rises)", f"{_effect_words(v)}: {_size_text(v)} {lev}", verdict,
              front=_leverage_front(v)),
    ]  # fmt: skip
    method = [
        f"Returns are 100 × Δlog(close) of {v.bars_from} ({_span(v.close_d)} daily, "
        f"{_span(v.close_h)} hourly, every bar closed by the as-of date); constant mean; "
        "maximum likelihood in `arch` with robust standard errors. GJR: γ > 0 means falls "
        "raise volatility more; EGARCH (arch's convention): γ < 0 means the same.",
        "Verdicts at 5 % two-sided: significant = falls raise volatility more; inverted = "
        "rises raise it more; 'unreliable' = the optimiser stopped at a singular Hessian.",
        _persistence_note(v.gjr),
        "Realised volatility: √Σ(hourly log return)² per UTC day × √365; days with fewer than "
        "20 hourly bars are left out.",
        "Out of sample: the two years of daily returns to the as-of date; GARCH-t, GJR-t and "
        "EGARCH-t refitted on every earlier return at the window's start and each quarter's, "
        "parameters fixed in between; QLIKE = proxy/h + ln h (Patton 2011) against the squared "
        "return and the hourly realised variance; baselines EWMA (λ 0.94) and the trailing "
        "30-day mean square; Diebold–Mariano (Newey–West) against the better baseline, 5 %.",
    ]
    if v.quick:
        method.append("Quick run: hourly fits, EGARCH by period and other error laws skipped.")
    return Prose(take, method, claims)


def summary(v: VolatilityView) -> dict[str, Any]:
    """Every number of the section for summary.json (the ``fit_eth_*`` names kept for ETH)."""
    both = v.realised()
    lg = v.gjr.leverage
    hl = v.hourly_fit.leverage if v.hourly_fit is not None else None
    fits = {"fit_1d_gjr_t": v.gjr.to_dict(), "fit_1d_egarch_t": v.egarch.to_dict()}
    return {
        "asset": v.asset,
        "daily_first": v.close_d.index[0].isoformat(),
        "daily_last": v.close_d.index[-1].isoformat(),
        "hourly_first": v.close_h.index[0].isoformat(),
        "hourly_last": v.close_h.index[-1].isoformat(),
        **fits,
        **({f"fit_eth_{k[4:]}": x for k, x in fits.items()} if v.asset == "ETH" else {}),
        "n_obs_daily": v.gjr.n_obs,
        "clustering": {"daily": v.gjr.diagnostics_raw.to_dict(), "hourly": v.raw_h.to_dict(),
                       "daily_std_resid": v.gjr.diagnostics_std.to_dict()},
        "leverage_daily_gjr": lg.to_dict(),
        "leverage_daily_egarch": v.egarch.leverage.to_dict(),
        "leverage_hourly_gjr": hl.to_dict() if hl else None,
        "leverage_claim_verdict": v.verdict(),
        "asymmetry_ratio_daily_gjr": v.gjr.asymmetry[0],
        "asymmetry_ci_daily_gjr": list(v.gjr.asymmetry[1:]),
        "asymmetry_ratio_hourly_gjr": v.hourly_fit.asymmetry[0] if v.hourly_fit else None,
        "pronounced_ratio": PRONOUNCED_RATIO,
        "periods_daily": v.daily_periods.to_frame().to_dict(orient="records"),
        "periods_hourly": [] if v.hourly_periods is None else v.hourly_periods.to_dict("records"),
        "aic_table": v.aic.drop(columns=["error"], errors="ignore").to_dict(orient="records"),
        "best_model_aic": f"{v.aic.iloc[0]['model']}-{v.aic.iloc[0]['dist']}",
        "oos": (
            v.oos.to_dict()
            if v.oos is not None and not isinstance(v.oos, str)
            else {"available": False, "reason": v.oos}
        ),
        "realized_vs_model_log_corr": float(
            np.corrcoef(np.log(both.iloc[:, 0]), np.log(both.iloc[:, 1]))[0, 1]
        ),
        "realized_to_model_vol_ratio": float(
            math.sqrt((both.iloc[:, 1] ** 2).mean() / (both.iloc[:, 0] ** 2).mean())
        ),
    }  # fmt: skip


def section(ctx: ReportContext) -> Section:
    """Clustering tests, the leverage effect by period, news impact, realised vs model vol."""
    v = compute(ctx)
    return assemble("volatility", prose(v), figures(v), tables(v), summary(v))
