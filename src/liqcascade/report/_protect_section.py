"""Report section: placing stops that don't join the stampede."""

from __future__ import annotations

from typing import Any

import pandas as pd

from liqcascade.report._section import Claim, ReportContext, Section


def _pct(x: Any) -> str:
    return f"{float(x):.2%}"


def _policy_means(table: pd.DataFrame) -> pd.DataFrame:
    """Per policy: trade-weighted stop-out rate, loss on a stop, slippage; summed return."""
    rows = []
    for pol, g in table.groupby("policy", sort=False):
        n = g["n"].to_numpy(float)
        stops = (g["stop_outs"] * g["n"]).to_numpy(float)
        rows.append(
            {
                "policy": pol,
                "trades": int(n.sum()),
                "stop_outs": float(stops.sum() / n.sum()),
                "avg_loss_on_stop": float(
                    (g["avg_loss_on_stop"].fillna(0) * g["stop_outs"] * g["n"]).sum()
                    / max(stops.sum(), 1.0)
                ),
                "avg_slippage": float(
                    (g["avg_slippage"].fillna(0) * g["stop_outs"] * g["n"]).sum()
                    / max(stops.sum(), 1.0)
                ),
                "total_return": float(g["total_return"].sum()),
                "worst_max_drawdown": float(g["max_drawdown"].max()),
            }
        )
    return pd.DataFrame(rows)


def section(ctx: ReportContext) -> Section:
    """A stop recommendation at the last bundled date, the policy backtest, 2025-10-10."""
    from liqcascade.protect import BacktestSettings, backtest_stops, recommend_stop

    state = ctx.market
    entry = round(state.mid, 2)
    rec_long = recommend_stop(
        "long", entry, 10.0, 10.0, state=state, n_levels=21 if ctx.quick else 61
    )
    rec_short = recommend_stop(
        "short", entry, 10.0, 10.0, state=state, n_levels=11 if ctx.quick else 31
    )
    if ctx.quick:
        bt = backtest_stops(
            start="2025-06-01", end="2025-12-31", settings=BacktestSettings(n_random=60)
        )
    else:
        bt = ctx.memo("protect_backtest", lambda: backtest_stops())
    table = bt.table
    means = _policy_means(table)
    crash = bt.crash
    best = bt.best_on_crash()
    m = means.set_index("policy")
    f, v, d = (dict(m.loc[p].to_dict()) for p in ("fixed", "vol", "vol-declustered"))
    cm = _policy_means(crash).set_index("policy") if not crash.empty else None
    crash_text = ""
    if cm is not None:
        cl = crash[crash["side"] == "long"].set_index("policy")
        cs = crash[crash["side"] == "short"].set_index("policy")
        lost = ", ".join(f"{p} {-cl.loc[p, 'total_return']:.2f}" for p in cl.index)
        won = ", ".join(f"{p} {cs.loc[p, 'total_return']:+.2f}" for p in cs.index)
        n_cr = int(cl["n"].iloc[0])
        crash_text = (
            f" Positions opened in the five days before 2025-10-10 (one per hour, {n_cr} "
            f"entries a side) and caught by the crash: longs lost (summed, fractions of "
            f"notional) {lost}; best for longs: {best.get('long', 'n/a')}. Shorts: {won}; "
            f"best: {best.get('short', 'n/a')}."
        )
    fewer = "less" if v["stop_outs"] < f["stop_outs"] else "more"
    lost_more = "more" if v["avg_loss_on_stop"] > f["avg_loss_on_stop"] else "less"
    decl_slip = d["avg_slippage"] - v["avg_slippage"]
    finding = (
        f"At {state.as_of:%Y-%m-%d} (ETH {state.mid:,.0f}), a 10× long of 10 ETH gets a stop at "
        f"{rec_long.stop_price:,.2f} ({_pct(rec_long.distance)} below entry; liquidation at "
        f"{rec_long.liq_price:,.2f}); the raw volatility stop {rec_long.raw_stop_price:,.2f} "
        f"would fill with {_pct(rec_long.raw_expected_slippage)} expected slippage in the cascade "
        f"engine, the moved one with {_pct(rec_long.expected_slippage)}. "
        f"On the real hourly ETH path {bt.meta['start'][:10]} → {bt.meta['end'][:10]} "
        f"({int(m['trades'].sum())} trades over three policies), volatility-scaled stops were "
        f"hit {fewer} often than a fixed 5 % stop ({_pct(v['stop_outs'])} against "
        f"{_pct(f['stop_outs'])}) and lost {lost_more} when hit "
        f"({_pct(v['avg_loss_on_stop'])} against "
        f"{_pct(f['avg_loss_on_stop'])}); summed returns (fractions of notional, all trades) "
        f"were {f['total_return']:.2f} fixed, {v['total_return']:.2f} vol and "
        f"{d['total_return']:.2f} vol-declustered. De-clustering changed the average slippage "
        f"on a stop by {decl_slip * 1e4:+.1f} bp ({float(d['avg_slippage']):.3%} against "
        f"{float(v['avg_slippage']):.3%}) and the summed return by "
        f"{d['total_return'] - v['total_return']:+.2f}: slippage through the modelled book is "
        f"small next to the stop distance, so the distance matters far more than the crowd a "
        f"stop avoids.{crash_text}"
    )
    rec_tab = pd.DataFrame(
        [
            {
                "side": r.side,
                "entry": r.entry,
                "leverage": r.leverage,
                "liq price": round(r.liq_price, 2),
                "raw stop": round(r.raw_stop_price, 2),
                "raw slippage": _pct(r.raw_expected_slippage),
                "stop": round(r.stop_price, 2),
                "distance": _pct(r.distance),
                "slippage": _pct(r.expected_slippage),
                "avoided": "; ".join(
                    f"{z['kind']} {z['price_low']:,.0f}–{z['price_high']:,.0f}"
                    for z in r.avoided_clusters
                )
                or "—",
            }
            for r in (rec_long, rec_short)
        ]
    )
    fmt = table.copy()
    for c in ("stop_outs", "avg_loss_on_stop", "avg_slippage", "mean_return"):
        fmt[c] = fmt[c].map(lambda x: "—" if x != x else f"{x:.2%}")
    for c in ("total_return", "max_drawdown"):
        fmt[c] = fmt[c].round(3)
    cfmt = crash.copy()
    for c in ("stop_outs", "avg_loss_on_stop", "avg_slippage", "mean_return"):
        if c in cfmt:
            cfmt[c] = cfmt[c].map(lambda x: "—" if x != x else f"{x:.2%}")
    summary: dict[str, Any] = {
        "recommendation_long": rec_long.summary(),
        "recommendation_short": rec_short.summary(),
        "backtest_policy_means": means.to_dict(orient="records"),
        "backtest_table": table.to_dict(orient="records"),
        "crash_2025_10_10": crash.to_dict(orient="records"),
        "best_on_2025_10_10": best,
        "backtest_start": bt.meta["start"],
        "backtest_end": bt.meta["end"],
        "n_trades": len(bt.trades),
        "fill_model": {k: getattr(bt.fill, k) for k in bt.fill.__dataclass_fields__},
    }
    if d["total_return"] > f["total_return"] and d["worst_max_drawdown"] <= f["worst_max_drawdown"]:
        verdict = "supported"
    elif d["stop_outs"] < f["stop_outs"]:
        verdict = "partly supported"
    else:
        verdict = "not supported"
    claims = [
        Claim(
            claim="Volatility-scaled stops placed away from the crowd protect better",
            computed=(
                f"Stop-outs {_pct(f['stop_outs'])} fixed 5 % / {_pct(v['stop_outs'])} vol / "
                f"{_pct(d['stop_outs'])} vol-declustered; loss on a stop "
                f"{_pct(f['avg_loss_on_stop'])} / {_pct(v['avg_loss_on_stop'])} / "
                f"{_pct(d['avg_loss_on_stop'])}; slippage {_pct(f['avg_slippage'])} / "
                f"{_pct(v['avg_slippage'])} / {_pct(d['avg_slippage'])}; "
                f"summed return {f['total_return']:.2f} / {v['total_return']:.2f} / "
                f"{d['total_return']:.2f} (ETH hourly, {bt.meta['start'][:4]}–{bt.meta['end'][:4]})"
            ),
            verdict=verdict,
        )
    ]
    return Section(
        id="protect",
        title="Placing stops that don't join the stampede",
        finding=finding,
        figures=[rec_long.plot(), bt.plot()],
        tables=[
            ("Stop recommendation at the last bundled date (10 ETH, 10×)", rec_tab),
            ("Stop policies by side and entry set", fmt),
            ("Entries of 2025-10-05 → 2025-10-10 20:00 (open when the crash began)", cfmt),
        ],
        summary=summary,
        claims=claims,
        notes=[
            "Fill model: a triggered stop sells (buys) with every modelled crowd stop within "
            "0.5 % beyond its trigger into the calibrated power-law book (D1 from the bundled "
            "CoinGlass totals inside 2024-11 → 2025-07, else scaled by 30-day spot traded value; "
            "25 % venue share). Crowd: 0.25 × D1 just beyond each round number, 0.5 × D1 just "
            "beyond the 7-day swing extreme — assumptions, not observations.",
            "Volatility: GJR-GARCH(1,1)-t fitted once on daily returns 2018 → end (the "
            "conditional volatility uses only past returns, the parameters the whole sample). "
            "Stops are capped at 80 % of the way to the liquidation price of a 5× position.",
            "Returns are unlevered fractions of the entry notional; the equity curve sums the "
            "trades in closing order (overlapping trades, equal notional, no compounding).",
        ],
    )
