"""Report section: volatility clustering and the leverage effect, measured on ETH."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade import datasets
from liqcascade.report._section import Claim, ReportContext, Section
from liqcascade.volatility import (
    VolatilityFit,
    clustering_test,
    compare_models,
    fit_volatility,
    leverage_by_period,
    log_returns,
    realized_volatility,
)


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _fits(ctx: ReportContext) -> dict[str, Any]:
    close_d = datasets.load_ohlcv("ETH", "1d")["close"]
    close_h = datasets.load_ohlcv("ETH", "1h")["close"]
    r_d = log_returns(close_d)
    gjr = ctx.memo("vol_fit_eth_1d", lambda: fit_volatility(r_d, "gjr", "t", asset="ETH"))
    egarch = ctx.memo(
        "vol_fit_eth_1d_egarch", lambda: fit_volatility(r_d, "egarch", "t", asset="ETH")
    )
    return {"close_d": close_d, "close_h": close_h, "r_d": r_d, "gjr": gjr, "egarch": egarch}


def _verdict_of_claim(
    full_gjr: str, full_egarch: str, daily_years: pd.DataFrame, hourly_full: str | None
) -> str:
    years = daily_years[daily_years["model"] == "gjr"]
    share_sig = float((years["verdict"] == "significant").mean()) if len(years) else 0.0
    if full_gjr == "significant" and full_egarch == "significant" and share_sig >= 0.5:
        return "supported"
    if full_gjr == "inverted" and full_egarch == "inverted":
        return "contradicted"
    anything = (daily_years["verdict"] == "significant").any() or hourly_full == "significant"
    return "partly supported" if anything else "not supported"


def section(ctx: ReportContext) -> Section:
    """Clustering tests, the leverage effect by period, news impact, realised vs model vol."""
    f = _fits(ctx)
    gjr: VolatilityFit = f["gjr"]
    egarch: VolatilityFit = f["egarch"]
    close_d, close_h, r_d = f["close_d"], f["close_h"], f["r_d"]

    # --- clustering evidence (squared returns; daily and hourly) -----------------------
    r_h = log_returns(close_h)
    raw_d = gjr.diagnostics_raw
    raw_h = clustering_test(r_h, lags=24, series="hourly returns")
    std_d = gjr.diagnostics_std
    clus = pd.DataFrame(
        [
            {
                "series": "ETH daily returns",
                "n": raw_d.n_obs,
                "lags": raw_d.lags,
                "ARCH-LM": raw_d.arch_lm_stat,
                "ARCH-LM p": _p(raw_d.arch_lm_pvalue),
                "Ljung–Box Q (squared)": raw_d.ljung_box_stat,
                "Ljung–Box p": _p(raw_d.ljung_box_pvalue),
            },
            {
                "series": "ETH hourly returns",
                "n": raw_h.n_obs,
                "lags": raw_h.lags,
                "ARCH-LM": raw_h.arch_lm_stat,
                "ARCH-LM p": _p(raw_h.arch_lm_pvalue),
                "Ljung–Box Q (squared)": raw_h.ljung_box_stat,
                "Ljung–Box p": _p(raw_h.ljung_box_pvalue),
            },
            {
                "series": "daily GJR-t standardised residuals",
                "n": std_d.n_obs,
                "lags": std_d.lags,
                "ARCH-LM": std_d.arch_lm_stat,
                "ARCH-LM p": _p(std_d.arch_lm_pvalue),
                "Ljung–Box Q (squared)": std_d.ljung_box_stat,
                "Ljung–Box p": _p(std_d.ljung_box_pvalue),
            },
        ]
    )

    # --- leverage effect by period ----------------------------------------------------
    period_models = ("gjr",) if ctx.quick else ("gjr", "egarch")
    daily_lbp = ctx.memo(
        "vol_leverage_periods_eth_1d" + ("_quick" if ctx.quick else ""),
        lambda: leverage_by_period(close_d, models=period_models, dist="t"),
    )
    daily_periods = daily_lbp.to_frame()
    hourly_full: VolatilityFit | None = None
    hourly_periods: pd.DataFrame | None = None
    if not ctx.quick:
        hourly_full = ctx.memo(
            "vol_fit_eth_1h", lambda: fit_volatility(r_h, "gjr", "t", interval="1h", asset="ETH")
        )
        hourly_periods = leverage_by_period(
            close_h, models=("gjr",), dist="t", interval="1h"
        ).to_frame()

    def _table(df: pd.DataFrame, interval: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "period": df["label"],
                "interval": interval,
                "model": df["model"],
                "n": df["n_obs"],
                "gamma[1]": df["gamma"],
                "95 % low": df["ci_low"],
                "95 % high": df["ci_high"],
                "p-value": [_p(p) for p in df["pvalue"]],
                "verdict": df["verdict"],
            }
        )

    lev_table = _table(daily_periods, "1d")
    if hourly_periods is not None:
        lev_table = pd.concat([lev_table, _table(hourly_periods, "1h")], ignore_index=True)

    # --- model comparison ---------------------------------------------------------------
    models = ("garch", "gjr", "egarch")
    dists = ("t",) if ctx.quick else ("normal", "t", "skewt")
    aic = ctx.memo(
        "vol_compare_eth_1d" + ("_quick" if ctx.quick else ""),
        lambda: compare_models(r_d, models, dists),
    )
    aic_table = aic[["model", "dist", "n_params", "loglik", "aic", "bic", "delta_aic"]].copy()
    aic_table["delta_bic"] = aic["delta_bic"]
    aic_table["persistence"] = aic["persistence"]

    # --- figures -------------------------------------------------------------------------
    nic_fig = go.Figure()
    for fit, name, colour in ((gjr, "GJR-GARCH-t", "#c0392b"), (egarch, "EGARCH-t", "#2980b9")):
        nic = fit.news_impact(n=161, span=4.0)
        nic_fig.add_trace(
            go.Scatter(
                x=nic["shock_pct"], y=nic["vol_annual_pct"], name=name, line={"color": colour}
            )
        )
    nic_fig.update_layout(
        title="News impact curve, ETH daily 2017–2025: next-day volatility after a shock "
        "(symmetric = no leverage effect)",
        xaxis_title="today's return surprise ε (%)",
        yaxis_title="next-day volatility, annualised %",
        height=420,
        margin={"t": 60, "l": 60, "r": 20, "b": 40},
    )

    rv = realized_volatility(close_h)
    cv = gjr.annualized_conditional_volatility
    cv.index = pd.DatetimeIndex(cv.index).normalize()
    both = pd.concat([cv, rv], axis=1, join="inner").dropna()
    step = max(1, math.ceil(len(both) / 1800))
    thin = both.iloc[::step]
    rv_fig = go.Figure()
    rv_fig.add_trace(
        go.Scatter(
            x=thin.index,
            y=thin["realized_vol_pct"],
            name="realised (hourly bars, daily)",
            line={"color": "#bdc3c7", "width": 1},
        )
    )
    rv_fig.add_trace(
        go.Scatter(
            x=thin.index,
            y=thin["conditional_vol_pct"],
            name="GJR-GARCH-t σ_t",
            line={"color": "#c0392b"},
        )
    )
    rv_fig.update_layout(
        title="ETH volatility: model vs realised from intraday bars (annualised %)",
        yaxis_title="annualised %",
        height=420,
        margin={"t": 60, "l": 60, "r": 20, "b": 40},
    )
    lev_fig = daily_lbp.plot()
    lev_fig.update_layout(
        title="Leverage effect by period, ETH daily: gamma[1] with 95 % interval "
        "(GJR > 0 or EGARCH < 0 = falls raise volatility more)"
    )
    log_corr = float(np.corrcoef(np.log(both.iloc[:, 0]), np.log(both.iloc[:, 1]))[0, 1])
    rv_ratio = float(np.sqrt((both.iloc[:, 1] ** 2).mean() / (both.iloc[:, 0] ** 2).mean()))

    # --- numbers for the text ----------------------------------------------------------
    lg, le = gjr.leverage, egarch.leverage
    assert lg is not None and le is not None
    yearly = daily_periods[daily_periods["label"].str.fullmatch(r"\d{4}")]
    yg = yearly[yearly["model"] == "gjr"]
    ye = yearly[yearly["model"] == "egarch"]
    sig_years_g = yg.loc[yg["verdict"] == "significant", "label"].tolist()
    inv_years_g = yg.loc[yg["verdict"] == "inverted", "label"].tolist()
    sig_years_e = ye.loc[ye["verdict"] == "significant", "label"].tolist()
    inv_years_e = ye.loc[ye["verdict"] == "inverted", "label"].tolist()
    alpha_d = float(gjr.params["alpha[1]"])
    n_neg = int((yg["gamma"] < 0).sum())
    asym_d = 1 + lg.gamma / alpha_d
    hl = hourly_full.leverage if hourly_full is not None else None
    verdict = _verdict_of_claim(lg.verdict, le.verdict, yearly, hl.verdict if hl else None)
    best = aic.iloc[0]

    def _years(xs: list[str]) -> str:
        return ", ".join(xs) if xs else "none"

    hourly_text = ""
    if hourly_full is not None and hl is not None and hourly_periods is not None:
        ha = float(hourly_full.params["alpha[1]"])
        hy = hourly_periods[hourly_periods["label"].str.fullmatch(r"\d{4}")]
        hourly_text = (
            f" In hourly returns (2017–2026, {hourly_full.n_obs:,} bars) GJR γ = {hl.gamma:.4f} "
            f"(95 % {hl.ci_low:.4f} to {hl.ci_high:.4f}, p {_p(hl.pvalue)}): {hl.verdict}, "
            f"a fall raising next-hour variance {100 * hl.gamma / ha:.0f} % more than an equal "
            f"rise; by year: significant in "
            f"{_years(hy.loc[hy['verdict'] == 'significant', 'label'].tolist())}, inverted in "
            f"{_years(hy.loc[hy['verdict'] == 'inverted', 'label'].tolist())}."
        )
    lev_text = (
        f"Daily, 2017–2025: GJR γ = {lg.gamma:.3f} (95 % {lg.ci_low:.3f} to {lg.ci_high:.3f}, "
        f"p {_p(lg.pvalue)}) — {lg.verdict}; EGARCH γ = {le.gamma:.4f} (p {_p(le.pvalue)}) — "
        f"{le.verdict}. Calendar years with a significant effect (GJR): "
        f"{_years(sig_years_g)}; inverted: {_years(inv_years_g)}"
        + (
            f" (EGARCH: significant {_years(sig_years_e)}, inverted {_years(inv_years_e)})."
            if len(ye)
            else "."
        )
        + hourly_text
    )
    clus_text = (
        f"ARCH-LM on daily returns {raw_d.arch_lm_stat:.0f} ({raw_d.lags} lags, p "
        f"{_p(raw_d.arch_lm_pvalue)}); Ljung–Box Q({raw_d.lags}) on squared daily returns "
        f"{raw_d.ljung_box_stat:.0f} (p {_p(raw_d.ljung_box_pvalue)}); hourly ARCH-LM "
        f"{raw_h.arch_lm_stat:.0f} (p {_p(raw_h.arch_lm_pvalue)}). GJR-t persistence "
        f"{gjr.persistence:.4f} (EGARCH-t {egarch.persistence:.3f}, half-life "
        f"{egarch.half_life_days:.0f} days); after the fit, the standardised residuals show "
        f"no clustering left (ARCH-LM p {_p(std_d.arch_lm_pvalue)})."
    )
    finding = (
        f"Large moves cluster, overwhelmingly: {clus_text} The leverage effect is another "
        f"matter. {lev_text} So the popular claim of a pronounced leverage effect is "
        f"{verdict} by ETH's own data: at the daily horizon, where most risk is managed, a "
        f"fall raises next-day variance {asym_d:.2f}× as much as an equal rise (GJR point "
        f"estimate, {lg.verdict}), and the yearly GJR estimate is negative in {n_neg} of "
        f"{len(yg)} years ({len(inv_years_g)} significantly). The best model by AIC is "
        f"{best['model'].upper()}-{best['dist']} (tails: Student-t ν ≈ "
        f"{float(gjr.params['nu']):.1f}). The model's volatility tracks realised volatility "
        f"from hourly bars (log correlation {log_corr:.2f})."
    )

    summary: dict[str, Any] = {
        "n_obs_daily": gjr.n_obs,
        "n_obs_hourly": len(r_h),
        "clustering": {
            "daily": raw_d.to_dict(),
            "hourly": raw_h.to_dict(),
            "daily_std_resid": std_d.to_dict(),
        },
        "fit_eth_1d_gjr_t": gjr.to_dict(),
        "fit_eth_1d_egarch_t": egarch.to_dict(),
        "leverage_daily_gjr": lg.to_dict(),
        "leverage_daily_egarch": le.to_dict(),
        "leverage_hourly_gjr": hl.to_dict() if hl else None,
        "leverage_claim_verdict": verdict,
        "asymmetry_ratio_daily_gjr": asym_d,
        "periods_daily": daily_periods.to_dict(orient="records"),
        "periods_hourly": (
            hourly_periods.to_dict(orient="records") if hourly_periods is not None else []
        ),
        "aic_table": aic.drop(columns=["error"]).to_dict(orient="records"),
        "best_model_aic": f"{best['model']}-{best['dist']}",
        "realized_vs_model_log_corr": log_corr,
        "realized_to_model_vol_ratio": rv_ratio,
        "sample_annualized_vol_daily": gjr.sample_annualized_vol,
    }
    claims = [
        Claim(
            claim="Large moves cluster (volatility clustering)",
            computed=clus_text,
            verdict="supported" if raw_d.arch_lm_pvalue < 0.01 else "not supported",
        ),
        Claim(
            claim="ETH shows a pronounced leverage effect (falls raise volatility more than rises)",
            computed=lev_text,
            verdict=verdict,
        ),
    ]
    notes = [
        "Returns are 100 × Δlog(close) of Binance spot ETHUSDT; constant mean; "
        "fits by maximum likelihood in `arch` (robust standard errors). GJR: γ > 0 means falls "
        "raise volatility more; EGARCH (arch's convention): γ < 0 means the same.",
        "Verdict at 5 % (two-sided): significant = falls raise volatility more; inverted = "
        "rises raise it more; 'unreliable' = the optimiser stopped at a singular Hessian, "
        "so no test is claimed.",
        "GJR-t on the full daily sample is near-integrated (persistence ≈ 1): its long-run "
        "level and half-life are poorly identified; EGARCH's are quoted instead.",
        "News impact curves are drawn at the sample variance of daily returns (the same "
        "level for both models), shocks ±4 sample standard deviations.",
        "Realised volatility: √Σ(hourly log return)² per UTC day × √365; days with fewer than "
        "20 hourly bars (exchange outages) are left out.",
    ]
    if ctx.quick:
        notes.append(
            "Quick run: hourly fits, EGARCH by period and normal/skew-t comparisons skipped."
        )
    return Section(
        id="volatility",
        title="Volatility clustering and the leverage effect",
        finding=finding,
        figures=[nic_fig, lev_fig, rv_fig],
        tables=[
            ("Volatility-clustering tests (null: no clustering)", clus),
            ("Leverage effect by period (Student-t errors)", lev_table),
            ("Model comparison, ETH daily (lower AIC/BIC is better)", aic_table),
        ],
        summary=summary,
        claims=claims,
        notes=notes,
    )
