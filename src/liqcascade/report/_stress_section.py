"""Report section: stress of a sample leveraged portfolio and of the estimated ETH market.

compute (library calls → :class:`StressView`) → figures → prose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade.report._format import interval, pct, usd
from liqcascade.report._section import (
    Claim,
    Headline,
    Prose,
    ReportContext,
    Section,
    Table,
    assemble,
)

HORIZON_DAYS = 30


@dataclass(frozen=True)
class StressView:
    """Monte Carlo with and without the cascade, crash replays and instant shocks."""

    market: Any  # StressMarket
    portfolio: Any
    mc_on: Any  # StressResult
    mc_off: Any
    replays: dict[tuple[str, bool], Any]
    shocks: Any  # ShockGrid

    @property
    def price(self) -> float:
        """ETH at the as-of date, USD."""
        return float(self.market.prices["ETH"])

    def saturated_usd(self) -> float | None:
        """Market liquidations at which two or more runs stop: the whole book (a bound)."""
        xs = [float(r.market_liq_usd[0]) for (_, on), r in self.replays.items() if on]
        xs += [float(x) for x in self.shocks.table["market_liquidations_usd"]]
        top = max(xs) if xs else 0.0
        hits = sum(x >= 0.999 * top for x in xs)
        return top if top > 0 and hits >= 2 else None


def _quantile_interval(x: np.ndarray, q: float) -> tuple[float, float]:
    """Distribution-free 95 % interval of the ``q`` quantile of ``x`` (order statistics)."""
    s = np.sort(np.asarray(x, dtype=float))
    n = s.size
    half = 1.96 * np.sqrt(n * q * (1 - q))
    lo = int(np.clip(np.floor(n * q - half), 0, n - 1))
    hi = int(np.clip(np.ceil(n * q + half), 0, n - 1))
    return float(s[lo]), float(s[hi])


def _fits(ctx: ReportContext, as_of: Any) -> dict[str, Any]:
    from liqcascade import datasets
    from liqcascade.volatility import fit_volatility, log_returns

    out = {}
    for a in ("ETH", "BTC"):
        r = log_returns(datasets.load_ohlcv(a, "1d")["close"], "2017-08-17", as_of)
        out[a] = fit_volatility(r, "gjr", "t", asset=a)
    return out


def compute(ctx: ReportContext) -> StressView:
    """Run the stress library on the estimated market of the last bundled date."""
    from liqcascade import stress

    market = stress.stress_market(state=ctx.market)
    pf = stress.sample_portfolio(market.prices)
    fits = _fits(ctx, market.as_of)
    mc = {
        on: stress.monte_carlo(
            pf,
            market,
            paths=2000 if ctx.quick else 20000,
            horizon_days=HORIZON_DAYS,
            method="fhs",
            seed=20251010,
            cascade=on,
            fits=fits,
        )
        for on in (True, False)
    }
    replays = {
        (w, on): stress.replay(pf, market, w, cascade=on)
        for w in stress.WINDOWS
        for on in (True, False)
    }
    shocks = stress.shock_grid(pf, market, [-0.02, -0.05, -0.1, -0.2, 0.05, 0.1])
    return StressView(market, pf, mc[True], mc[False], replays, shocks)


def figures(v: StressView) -> list[go.Figure]:
    """Loss and liquidation distributions (binned), the 30-day price distribution."""
    fig = v.mc_on.plot()
    fig.update_layout(
        title=f"Sample portfolio, {HORIZON_DAYS} days, cascade on: loss and market liquidations"
    )
    for k, ann in enumerate(a for a in fig.layout.annotations if str(a.text).startswith("VaR")):
        ann.update(xanchor="right" if k == 0 else "left", yshift=-14 * k)
    for tr in fig.data:
        if tr.name == "liquidations" and tr.x is not None:
            tr.x = np.asarray(tr.x, dtype=float) / 1e6
    for ann in fig.layout.annotations:
        if str(ann.text).startswith("Market liquidations"):
            ann.text = "Market liquidations (USD M)"
    fig2 = go.Figure()
    for label, res in (("cascade on", v.mc_on), ("cascade off", v.mc_off)):
        x = np.sort(res.final_price["ETH"])
        step = max(1, x.size // 600)
        fig2.add_trace(
            go.Scatter(
                x=x[::step],
                y=np.arange(x.size)[::step] / x.size,
                name=label,
                mode="lines",
                line={"dash": "solid" if label == "cascade on" else "dash"},
                hovertemplate="ETH $%{x:,.0f}: %{y:.1%} of paths below<extra></extra>",
            )
        )
    fig2.add_vline(x=v.price, line_dash="dot", annotation_text=f"today ${v.price:,.0f}")
    fig2.update_layout(
        title=f"ETH after {HORIZON_DAYS} days (FHS GJR-t paths): share of paths below each price",
        xaxis_title="ETH price (USD)",
        yaxis_title="share of paths",
        yaxis_tickformat=".0%",
    )
    return [fig, fig2]


def _liq_text(x: float, sat: float | None) -> str:
    if sat is not None and x >= 0.999 * sat:
        return f"≥ {usd(x)} (whole book: a bound)"
    return usd(x)


def tables(v: StressView) -> list[Table]:
    """Monte Carlo, positions, replays and instant shocks; saturated runs shown as bounds."""
    from liqcascade import stress

    sat = v.saturated_usd()
    mc = pd.DataFrame(
        [
            {
                "cascade": label,
                "VaR 95 %": usd(s["var_95"]),
                "VaR 99 %": usd(s["var_99"]),
                "ES 95 %": usd(s["es_95"]),
                "ES 99 %": usd(s["es_99"]),
                "expected loss": usd(s["expected_loss"]),
                "ETH 5 % quantile": usd(s["price_quantiles"]["p05"]),
                "ETH 95 % quantile": usd(s["price_quantiles"]["p95"]),
                "market liquidations, median": usd(s["market_liquidations_usd"]["p50"]),
            }
            for label, s in (("on", v.mc_on.summary()), ("off", v.mc_off.summary()))
        ]
    )
    p_on, p_off = v.mc_on.p_liquidation(), v.mc_off.p_liquidation()
    pos = pd.DataFrame(
        {
            "position": list(p_on),
            "liquidation price": [usd(x) for x in v.portfolio.liq_price],
            "P(liquidated or stopped), cascade on": [pct(x) for x in p_on.values()],
            "cascade off": [pct(x) for x in p_off.values()],
        }
    )
    rows = []
    for w, win in stress.WINDOWS.items():
        on, off = v.replays[(w, True)], v.replays[(w, False)]
        rows.append(
            {
                "window": w,
                "recorded move": pct(on.details["ETH_recorded_move"], signed=True),
                "low, recorded path": pct(off.details["ETH_min_price"] / v.price - 1, signed=True),
                "low with cascade": pct(on.details["ETH_min_price"] / v.price - 1, signed=True),
                "market liquidations, recorded path": _liq_text(off.market_liq_usd[0], sat),
                "with cascade": _liq_text(on.market_liq_usd[0], sat),
                "portfolio loss": usd(-float(on.pnl[0])),
                "note": win.note,
            }
        )
    sh = v.shocks.table
    shock = pd.DataFrame(
        {
            "shock": [pct(x, 0, signed=True) for x in sh["shock"]],
            "ETH after cascade": [usd(x) for x in sh["price_after"]],
            "market liquidations": [_liq_text(x, sat) for x in sh["market_liquidations_usd"]],
            "portfolio PnL": [usd(x, signed=True) for x in sh["portfolio_pnl_usd"]],
        }
    )
    return [
        Table(f"Monte Carlo, {HORIZON_DAYS} days, sample portfolio", mc),
        Table("Probability each position is liquidated or stopped", pos),
        Table("Recorded crashes replayed on today's book", pd.DataFrame(rows)),
        Table("Instantaneous shocks", shock),
    ]


def _headlines(v: StressView) -> list[Headline]:
    s = v.mc_on.summary()
    lo, hi = _quantile_interval(v.mc_on.loss, 0.99)
    plo, phi = _quantile_interval(v.mc_on.final_price["ETH"], 0.05)
    p05 = s["price_quantiles"]["p05"]
    off05 = v.mc_off.summary()["price_quantiles"]["p05"]
    saturated = bool(s["var_99"] >= 0.999 * s["es_99"])  # flat tail: the whole margin
    return [
        Headline(
            key="var99_30d",
            label=f"{HORIZON_DAYS}-day 99 % VaR, sample portfolio (ES {usd(s['es_99'])})",
            value=float(s["var_99"]),
            text=usd(s["var_99"]),
            interval=(
                "no spread: over 1 % of the paths lose the whole margin"
                if saturated and lo == hi
                else f"{interval(lo, hi, usd)} (95 %, Monte Carlo sampling)"
            ),
            evidence=(
                "Model only: FHS paths through a GJR-t fit; no VaR back-test in this report"
                + ("; the whole margin is lost at this level (a bound)" if saturated else "")
            ),
            unit="usd",
            low=lo,
            high=hi,
            bound=saturated,
        ),
        Headline(
            key="eth_p05_30d",
            label=f"ETH in {HORIZON_DAYS} days, 5 % quantile (cascade on)",
            value=float(p05),
            text=usd(p05),
            interval=f"{interval(plo, phi, usd)} (95 %); without the cascade {usd(off05)}",
            evidence="Model only: the gap to the no-cascade run is the modelled cascade",
            unit="usd",
            low=plo,
            high=phi,
        ),
    ]


def prose(v: StressView) -> Prose:
    """Takeaways, method, the claim and the headline numbers."""
    on, off = v.mc_on.summary(), v.mc_off.summary()
    q, qo = on["price_quantiles"], off["price_quantiles"]
    sat = v.saturated_usd()
    worst = float(on["es_99"])
    saturated = on["var_99"] >= 0.999 * worst  # the tail is flat: every bad path loses all
    take = [
        f"A sample portfolio (10 ETH long 20×, 1 BTC long 10×, 5 ETH short 5×) has a "
        f"{HORIZON_DAYS}-day 95 % VaR of {usd(on['var_95'])} (ES {usd(on['es_95'])}) with the "
        f"cascade, {usd(off['var_95'])} without"
        + (
            f"; at 99 % VaR and ES both equal {usd(worst)}, the whole margin: a bound, not an "
            "estimate."
            if saturated
            else f"; 99 % VaR {usd(on['var_99'])}, ES {usd(on['es_99'])}."
        ),
        f"ETH's 5–95 % range after {HORIZON_DAYS} days is {usd(q['p05'])}–{usd(q['p95'])} "
        f"with the cascade, {usd(qo['p05'])}–{usd(qo['p95'])} without.",
    ]
    if sat is not None:
        take.append(
            f"Several replays and shocks stop at the same {usd(sat)}: the whole modelled book "
            "is liquidated, so these figures are bounds set by the book, not estimates."
        )
    claim = Claim(
        claim="Liquidation cascades turn ordinary moves into crashes.",
        computed=(
            f"Model only: the 30-day 5 % ETH quantile is {usd(q['p05'])} with the cascade and "
            f"{usd(qo['p05'])} without; the cascade section's history check finds real 5 % "
            "falls carry much less far than the static book says."
        ),
        verdict="not testable with these data",
        would_test=(
            "order-book depth and liquidation prints through past crashes, to tell forced "
            "selling from the move that would have happened anyway."
        ),
    )
    method = [
        "Paths: daily steps; each step's return comes from a GJR-t fitted on daily returns "
        "before the as-of date; estimated positions and stops whose trigger the step passes "
        "trade into the venue-sized book, refreshed daily; the displacement is permanent.",
        "The book is fixed over the horizon; intraday extremes are not simulated (daily "
        "closes), which understates liquidations of the portfolio's positions.",
        "BTC has no estimated position book here: BTC positions follow BTC paths without a "
        "modelled cascade.",
        "VaR intervals: distribution-free 95 % intervals of the quantile from the Monte Carlo "
        "order statistics (sampling error only, not model error).",
        "Replays rebase recorded bars to today's price: 2022-06 and 2022-11 hourly, "
        "2024-08-05 Binance 30-minute, 2025-10-10 Bybit 15-minute bars.",
    ]
    return Prose(take, method, [claim], _headlines(v))


def _replay_summary(v: StressView, w: str) -> dict[str, Any]:
    on, off = v.replays[(w, True)], v.replays[(w, False)]
    return {
        "recorded_move": on.details["ETH_recorded_move"],
        "min_price_recorded_path": off.details["ETH_min_price"],
        "min_price_with_cascade": on.details["ETH_min_price"],
        "liquidations_recorded_path_usd": float(off.market_liq_usd[0]),
        "liquidations_with_cascade_usd": float(on.market_liq_usd[0]),
        "portfolio_loss_usd": -float(on.pnl[0]),
        "source": on.details["ETH_source"],
    }


def summary(v: StressView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    on, off = v.mc_on.summary(), v.mc_off.summary()
    keys = ("var_95", "var_99", "es_95", "es_99", "expected_loss")
    return {
        "as_of": v.market.as_of.isoformat(),
        "eth_price": v.price,
        "paths": on["paths"],
        "horizon_days": HORIZON_DAYS,
        "montecarlo": {k: on[k] for k in keys},
        "montecarlo_no_cascade": {k: off[k] for k in keys},
        "var99_interval": list(_quantile_interval(v.mc_on.loss, 0.99)),
        "price_quantiles": on["price_quantiles"],
        "price_quantiles_no_cascade": off["price_quantiles"],
        "market_liquidations_usd": on["market_liquidations_usd"],
        "p_liquidation": on["p_liquidation"],
        "saturated_liquidations_usd": v.saturated_usd(),
        "replays": {w: _replay_summary(v, w) for (w, on_) in v.replays if on_},
    }


def section(ctx: ReportContext) -> Section:
    """Crash replays, Monte Carlo VaR/ES and the post-cascade price range over 30 days."""
    v = compute(ctx)
    return assemble("stress", prose(v), figures(v), tables(v), summary(v))
