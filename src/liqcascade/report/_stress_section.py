"""Report section: stress of a sample leveraged portfolio and of an asset's estimated market.

compute (library calls → :class:`StressView`) → figures → prose. The section runs once per
asset of the report (ETH, BTC): the same sample portfolio, the market of that asset (its
own estimated book, depth, liquidity calibration and crash bars) is the one that cascades.
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
SHOCKS: tuple[float, ...] = (-0.02, -0.05, -0.1, -0.2, 0.05, 0.1)
"""The instant shocks of the section (fractions)."""


@dataclass(frozen=True)
class StressView:
    """The Monte Carlo, crash replays and instant shocks on an asset's estimated market.

    The Monte Carlo adds no cascade to its paths (the residuals already hold history's
    cascades; the book's liquidations are counted along each path), so it runs once.
    """

    market: Any  # StressMarket
    portfolio: Any
    mc: Any  # StressResult
    replays: dict[tuple[str, bool], Any]
    shocks: Any  # StressResult of the shock grid

    @property
    def asset(self) -> str:
        """The market's asset (``"ETH"`` or ``"BTC"``): its book cascades."""
        return str(self.market.asset)

    @property
    def price(self) -> float:
        """The market's asset at the as-of date, USD."""
        return float(self.market.prices[self.asset])

    def whole_book(self) -> dict[str, bool]:
        """Which market-liquidation figures are the whole position book of a side.

        True only when the book truly ran out: a shock's median path or a replay's
        path passed the farthest liquidation price of the moving side, or the Monte
        Carlo paths at or beyond a quantile did (:meth:`StressResult.whole_book_flags`).
        """
        t = self.shocks.table
        out = {
            f"shock {x:+.0%}": bool(f)
            for x, f in zip(t["shock"], t["whole_book_liquidated"], strict=True)
        }
        for (w, on), r in self.replays.items():
            out[f"replay {w}" + ("" if on else " (recorded path)")] = bool(
                r.details.get("whole_book_liquidated", False)
            )
        for q, f in self.mc.whole_book_flags().items():
            out[f"Monte Carlo {q}"] = bool(f)
        return out


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
    """Run the stress library on the estimated market of ``ctx.asset`` at the as-of date."""
    from liqcascade import stress

    market = stress.stress_market(state=ctx.market)
    pf = stress.sample_portfolio(market.prices)
    mc = stress.monte_carlo(
        pf,
        market,
        paths=2000 if ctx.quick else 20000,
        horizon_days=HORIZON_DAYS,
        method="fhs",
        seed=20251010,
        fits=_fits(ctx, market.as_of),
    )
    replays = {
        (w, on): stress.replay(pf, market, w, cascade=on)
        for w in stress.WINDOWS
        for on in (True, False)
    }
    shocks = stress.shock_grid(pf, market, list(SHOCKS))
    return StressView(market, pf, mc, replays, shocks)


def figures(v: StressView) -> list[go.Figure]:
    """Loss and liquidation distributions (binned), the 30-day price distribution."""
    fig = v.mc.plot()
    fig.update_layout(
        title=f"Sample portfolio, {HORIZON_DAYS} days: loss and {v.asset} market liquidations"
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
    a = v.asset
    x = np.sort(v.mc.final_price[a])
    step = max(1, x.size // 600)
    fig2.add_trace(
        go.Scatter(
            x=x[::step],
            y=np.arange(x.size)[::step] / x.size,
            name="FHS paths",
            mode="lines",
            hovertemplate=a + " $%{x:,.0f}: %{y:.1%} of paths below<extra></extra>",
        )
    )
    fig2.add_vline(x=v.price, line_dash="dot", annotation_text=f"today ${v.price:,.0f}")
    fig2.update_layout(
        title=f"{a} after {HORIZON_DAYS} days (FHS GJR-t paths): share of paths below each price",
        xaxis_title=f"{a} price (USD)",
        yaxis_title="share of paths",
        yaxis_tickformat=".0%",
    )
    return [fig, fig2]


def _liq_text(x: float, whole: bool) -> str:
    return f"{usd(x)} (a whole side of the book: it ran out)" if whole else usd(x)


def _price_iv(t: pd.DataFrame, key: str) -> list[str]:
    """``median (p10 – p90)`` per row; one figure when the interval is a point."""
    out = []
    for m, lo, hi in zip(t[key], t[key + "_p10"], t[key + "_p90"], strict=True):
        same = abs(hi - lo) <= 1e-9 * abs(m)
        out.append(usd(m) if same else f"{usd(m)} ({interval(lo, hi, usd)})")
    return out


def _shock_table(v: StressView) -> pd.DataFrame:
    """The calibrated 24-h extreme and liquidations lead; the carry and its static bound."""
    sh = v.shocks.table
    ext = _price_iv(sh, "price_after")
    edge = sh["book_exhausted_share"].to_numpy() >= 0.5
    ext = [
        e + (" (order book ran out: a bound)" if x else "") for e, x in zip(ext, edge, strict=True)
    ]
    liq = [
        f"{_liq_text(m, w)} ({interval(lo, hi, usd)})"
        for m, lo, hi, w in zip(sh["market_liquidations_usd"], sh["market_liquidations_p10_usd"],
                                sh["market_liquidations_p90_usd"], sh["whole_book_liquidated"],
                                strict=True)
    ]  # fmt: skip
    return pd.DataFrame(
        {
            "shock": [pct(x, 0, signed=True) for x in sh["shock"]],
            f"{v.asset} extreme within 24 h (80 %)": ext,
            "market liquidations, 24 h (80 %)": liq,
            "cascade's own carry (index held)": _price_iv(sh, "carry_price_after"),
            "static book (bounds the carry)": [usd(x) for x in sh["static_price_after"]],
            "portfolio PnL": [usd(x, signed=True) for x in sh["portfolio_pnl_usd"]],
        }
    )


def tables(v: StressView) -> list[Table]:
    """Monte Carlo, positions, replays and instant shocks; whole-book figures said so."""
    from liqcascade import stress

    s = v.mc.summary()
    flags = v.whole_book()
    mc = pd.DataFrame(
        [
            {
                "VaR 95 %": usd(s["var_95"]),
                "VaR 99 %": usd(s["var_99"]),
                "ES 95 %": usd(s["es_95"]),
                "ES 99 %": usd(s["es_99"]),
                "expected loss": usd(s["expected_loss"]),
                f"{v.asset} 5 % quantile": usd(s["price_quantiles"]["p05"]),
                f"{v.asset} 95 % quantile": usd(s["price_quantiles"]["p95"]),
                "market liquidations, median": _liq_text(
                    s["market_liquidations_usd"]["p50"], flags["Monte Carlo p50"]
                ),
                "p99": _liq_text(s["market_liquidations_usd"]["p99"], flags["Monte Carlo p99"]),
            }
        ]
    )
    pos = pd.DataFrame(
        {
            "position": list(v.mc.p_liquidation()),
            "liquidation price": [usd(x) for x in v.portfolio.liq_price],
            "P(liquidated or stopped)": [pct(x) for x in v.mc.p_liquidation().values()],
        }
    )
    rows = []
    for w, win in stress.WINDOWS.items():
        on, off = v.replays[(w, True)], v.replays[(w, False)]
        rows.append(
            {
                "window": w,
                "recorded move": pct(on.details[f"{v.asset}_recorded_move"], signed=True),
                "low, recorded path": pct(
                    off.details[f"{v.asset}_min_price"] / v.price - 1, signed=True
                ),
                "low, calibrated response": pct(
                    on.details[f"{v.asset}_min_price"] / v.price - 1, signed=True
                ),
                "market liquidations, recorded path": _liq_text(
                    off.market_liq_usd[0], flags[f"replay {w} (recorded path)"]
                ),
                "calibrated response": _liq_text(on.market_liq_usd[0], flags[f"replay {w}"]),
                "portfolio loss": usd(-float(on.pnl[0])),
                "note": win.note if v.asset == "ETH" else _hourly_note(win.note, v.asset),
            }
        )
    return [
        Table(f"Monte Carlo, {HORIZON_DAYS} days, sample portfolio", mc),
        Table("Probability each position is liquidated or stopped", pos),
        Table("Recorded crashes replayed on today's book", pd.DataFrame(rows)),
        Table("Instantaneous shocks: the calibrated response, its own carry, the static bound",
              _shock_table(v)),
    ]  # fmt: skip


def _hourly_note(note: str, asset: str) -> str:
    """A window's note for an asset replayed on its hourly bars (the event, the bars)."""
    return f"{note.split(';')[0]}; {asset} hourly bars"


def _headlines(v: StressView) -> list[Headline]:
    s = v.mc.summary()
    lo, hi = _quantile_interval(v.mc.loss, 0.99)
    plo, phi = _quantile_interval(v.mc.final_price[v.asset], 0.05)
    p05 = s["price_quantiles"]["p05"]
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
            key="eth_p05_30d" if v.asset == "ETH" else "price_p05_30d",
            label=f"{v.asset} in {HORIZON_DAYS} days, 5 % quantile",
            value=float(p05),
            text=usd(p05),
            interval=f"{interval(plo, phi, usd)} (95 %, Monte Carlo sampling)",
            evidence="Model only: history's cascades are in the FHS residuals; none is added",
            unit="usd",
            low=plo,
            high=phi,
        ),
    ]


def _shock_takeaway(v: StressView) -> str:
    r = _shock_row(v, -0.05)
    iv = interval(r["price_after_p10"], r["price_after_p90"], usd)
    return (
        f"A 5 % fall: the calibrated response's median lowest {v.asset} within 24 h is "
        f"{usd(r['price_after'])} (80 %: {iv}) with {usd(r['market_liquidations_usd'])} "
        f"liquidated. The cascade's own carry (the index held at the shock) goes "
        f"{pct(_carry_beyond(v, -0.05), 2, signed=True)} beyond the shock "
        f"({usd(r['carry_price_after'])}); the static book (instant, no refill) bounds that "
        f"carry at {usd(r['static_price_after'])} "
        f"({pct(_static_beyond(v, -0.05), 2, signed=True)} beyond). The rest of the 24-h fall "
        "is the ordinary continuation of price, which the static book does not model."
    )


def _shock_row(v: StressView, shock: float) -> Any:
    t = v.shocks.table
    return t[np.isclose(t["shock"], shock)].iloc[0]


def _carry_beyond(v: StressView, shock: float) -> float:
    """How far the cascade's own carry goes beyond the shock (fraction of the price)."""
    return float(_shock_row(v, shock)["carry_price_after"]) / v.price - (1.0 + shock)


def _static_beyond(v: StressView, shock: float) -> float:
    """How far the static book goes beyond the shock (fraction of the price)."""
    return float(_shock_row(v, shock)["static_price_after"]) / v.price - (1.0 + shock)


def _whole_book_takeaway(v: StressView) -> str:
    flags = v.whole_book()
    hit = [k for k, f in flags.items() if f]
    long_usd, short_usd = v.market.side_notional()
    book = f"longs {usd(long_usd)}, shorts {usd(short_usd)}"
    if hit:
        return (
            f"The book truly runs out in: {', '.join(hit)} — there the paths pass the "
            f"farthest liquidation price of a side, so the whole book of that side ({book}) "
            "is liquidated: a ceiling set by the book, not an estimate."
        )
    return (
        f"No shock, replay or Monte Carlo quantile liquidates the whole position book of a "
        f"side ({book}): no liquidation figure here is a ceiling set by the book."
    )


def prose(v: StressView) -> Prose:
    """Takeaways, method, the claim and the headline numbers."""
    on = v.mc.summary()
    q = on["price_quantiles"]
    worst = float(on["es_99"])
    saturated = on["var_99"] >= 0.999 * worst  # the tail is flat: every bad path loses all
    take = [
        f"A sample portfolio (10 ETH long 20×, 1 BTC long 10×, 5 ETH short 5×) has a "
        f"{HORIZON_DAYS}-day 95 % VaR of {usd(on['var_95'])} (ES {usd(on['es_95'])})"
        + (
            f"; at 99 % VaR and ES both equal {usd(worst)}, the whole margin: a bound, not an "
            "estimate."
            if saturated
            else f"; 99 % VaR {usd(on['var_99'])}, ES {usd(on['es_99'])}."
        ),
        f"{v.asset}'s 5–95 % range after {HORIZON_DAYS} days is {usd(q['p05'])}–{usd(q['p95'])}.",
        _shock_takeaway(v),
        _whole_book_takeaway(v),
    ]
    claim = Claim(
        claim="Liquidation cascades turn ordinary moves into crashes.",
        computed=(
            f"Model only: after a 5 % fall the calibrated cascade's own carry goes "
            f"{pct(_carry_beyond(v, -0.05), 2, signed=True)} beyond the shock with the index "
            "held (the static book, its bound, goes "
            f"{pct(_static_beyond(v, -0.05), 2, signed=True)}); the cascade section's event "
            "back-test and history check test the 24-h move after real falls."
        ),
        verdict="not testable with these data",
        would_test=(
            "order-book depth and liquidation prints through past crashes, to tell forced "
            "selling from the move that would have happened anyway."
        ),
    )
    if v.asset != "ETH":
        take[0] = (
            f"Here {v.asset}'s estimated book, from {v.asset}'s own data, is the market that "
            "cascades. The Monte Carlo adds no impact to its paths, so the portfolio's VaR, ES "
            "and position probabilities do not depend on which book is stressed; the market "
            f"liquidations, shocks and replays are {v.asset}'s own. " + take[0]
        )
    return Prose(take, _method(v.asset), [claim], _headlines(v))


def _method(asset: str) -> list[str]:
    other = "BTC" if asset == "ETH" else "ETH"
    replays = (
        "2022-06 and 2022-11 hourly, 2024-08-05 Binance 30-minute, 2025-10-10 Bybit 15-minute bars."
        if asset == "ETH"
        else f"{asset}'s hourly bars of each window (the finer ETH sources hold no {asset})."
    )
    return [
        "Monte Carlo: daily steps from a GJR-t fitted on daily returns before the as-of "
        "date, filtered historical simulation. The residuals already hold history's "
        "cascades, so no cascade is added to the paths (it would count them twice); the "
        "estimated book's liquidations are counted along each path.",
        "Shocks and replays: the calibrated liquidity response (the cascade section's "
        "engine, calibrated on real events before the date). A shock's figures are the "
        "median and 10–90 % over 24-h paths and parameter draws; the cascade's own carry "
        "holds the index at the shock price; the static book (instant, no refill) is shown "
        "only as the bound of that carry.",
        "A liquidation figure is marked as the whole book only when the path passed the "
        "farthest liquidation price of the moving side; a price marked 'order book ran out' "
        "reached the edge of the modelled depth on most paths.",
        "Daily closes: intraday extremes are not simulated in the Monte Carlo, which "
        f"understates liquidations of the portfolio's positions. {other} legs follow {other} "
        "paths without a modelled cascade.",
        "VaR intervals: distribution-free 95 % intervals of the quantile from the Monte Carlo "
        "order statistics (sampling error only, not model error).",
        "Replays rebase recorded bars to today's price: " + replays,
    ]


def _replay_summary(v: StressView, w: str) -> dict[str, Any]:
    on, off = v.replays[(w, True)], v.replays[(w, False)]
    a = v.asset
    return {
        "recorded_move": on.details[f"{a}_recorded_move"],
        "min_price_recorded_path": off.details[f"{a}_min_price"],
        "min_price_with_cascade": on.details[f"{a}_min_price"],
        "liquidations_recorded_path_usd": float(off.market_liq_usd[0]),
        "liquidations_with_cascade_usd": float(on.market_liq_usd[0]),
        "whole_book_liquidated": bool(on.details.get("whole_book_liquidated", False)),
        "portfolio_loss_usd": -float(on.pnl[0]),
        "source": on.details[f"{a}_source"],
    }


def summary(v: StressView) -> dict[str, Any]:
    """Every number of the section for summary.json (``eth_price`` kept for ETH)."""
    on = v.mc.summary()
    keys = ("var_95", "var_99", "es_95", "es_99", "expected_loss")
    sh = v.shocks.table
    cols = [c for c in sh.columns if c not in ("asset",)]
    return {
        "as_of": v.market.as_of.isoformat(),
        "asset": v.asset,
        "price": v.price,
        **({"eth_price": v.price} if v.asset == "ETH" else {}),
        "paths": on["paths"],
        "horizon_days": HORIZON_DAYS,
        "montecarlo": {k: on[k] for k in keys},
        "var99_interval": list(_quantile_interval(v.mc.loss, 0.99)),
        "price_quantiles": on["price_quantiles"],
        "market_liquidations_usd": on["market_liquidations_usd"],
        "p_liquidation": on["p_liquidation"],
        "book_long_usd": v.market.side_notional()[0],
        "book_short_usd": v.market.side_notional()[1],
        "whole_book": v.whole_book(),
        "shocks": sh[cols].to_dict(orient="records"),
        "replays": {w: _replay_summary(v, w) for (w, on_) in v.replays if on_},
    }


def section(ctx: ReportContext) -> Section:
    """Crash replays, Monte Carlo VaR/ES, the shocks' carry and its static bound."""
    v = compute(ctx)
    return assemble("stress", prose(v), figures(v), tables(v), summary(v))
