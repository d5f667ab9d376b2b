"""Report section: the 2025-10-10 crash across Binance/Bybit/Hyperliquid-like venues and Aave."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from liqcascade.report._format import pct, usd
from liqcascade.report._section import Claim, Headline, ReportContext, Section

__all__ = ["section"]


def _run(ctx: ReportContext) -> dict[str, Any]:
    from liqcascade.contagion import simulate_contagion
    from liqcascade.contagion._presets import oct_2025, recorded_oct_2025, validate_oct_2025

    setup = oct_2025()
    rec = recorded_oct_2025()
    bar = rec["crash_hour"]["binance"]
    replay = bar["low"] / bar["open"] - 1.0
    shocks = [-0.03, replay] if ctx.quick else [-0.02, -0.03, -0.05, -0.08, replay]
    runs = {}
    for s in shocks:
        runs[s] = simulate_contagion(setup.venues, setup.links, setup.lending,
                                     shock_venue=setup.shock_venue, shock=s,
                                     max_rounds=setup.max_rounds)  # fmt: skip
    return {"setup": setup, "rec": rec, "replay": replay, "runs": runs,
            "validation": validate_oct_2025(runs[replay], rec)}  # fmt: skip


def section(ctx: ReportContext) -> Section:
    """The venue-by-venue cascade of the 2025-10-10 preset, the DeFi leg, model vs recorded."""
    d = ctx.memo("contagion_oct_2025" + ("_quick" if ctx.quick else ""), lambda: _run(ctx))
    replay = d["replay"]
    r = d["runs"][replay]
    setup = d["setup"]
    rec = d["rec"]
    notes_aave = setup.notes.get("aave-v3-wbtc", {})
    # ---- figures
    fig = r.plot()
    fig.update_layout(title=f"Replay of the recorded Binance move ({replay:.1%}): price by round")
    sweep = pd.DataFrame([{"shock": s, **{n: v.liquidated_usd for n, v in x.venues.items()},
                           "Aave (WBTC)": x.defi_liquidated_usd,
                           "contagion_share": x.contagion_share}
                          for s, x in sorted(d["runs"].items())])  # fmt: skip
    bars = go.Figure()
    for col in [*r.venues, "Aave (WBTC)"]:
        bars.add_trace(go.Bar(x=[f"{s:.1%}" for s in sweep["shock"]], y=sweep[col], name=col))
    bars.update_layout(barmode="stack", title="Liquidated USD by venue, by shock on Binance",
                       xaxis_title="shock on Binance", yaxis_title="USD")  # fmt: skip
    # ---- tables
    venues = pd.DataFrame([{"venue": n, "initial price": v.initial_price,
                            "final price": v.final_price, "move": v.move,
                            "liquidated USD": v.liquidated_usd, "stops USD": v.stops_usd,
                            "rounds": v.rounds, "arbitrage net ETH": v.arb_net_base}
                           for n, v in r.venues.items()])  # fmt: skip
    val = pd.DataFrame(d["validation"]["rows"])[["what", "model", "recorded", "ratio", "note"]]
    aave_row = d["validation"]["rows"][0]
    moves = {
        row["what"].split()[0]: row for row in d["validation"]["rows"] if "move" in row["what"]
    }
    byb = moves.get("bybit", {})
    summary = {
        "replay_shock": replay,
        "contagion_share": r.contagion_share,
        "rounds": r.rounds,
        "rounds_to_spread": r.rounds_to_spread,
        "cex_liquidated_usd": r.cex_liquidated_usd,
        "venues": {
            n: {
                "final_price": v.final_price,
                "liquidated_usd": v.liquidated_usd,
                "rounds": v.rounds,
            }
            for n, v in r.venues.items()
        },
        "defi_liquidated_usd": r.defi_liquidated_usd,
        "defi_bad_debt_usd": r.defi_bad_debt_usd,
        "aave_recorded_usd": aave_row["recorded"],
        "aave_ratio": aave_row["ratio"],
        "compound_recorded_usd": rec["compound_v3_liquidated_usd"],
        "bybit_move_ratio": byb.get("ratio"),
        "aave_accounts": notes_aave.get("n_accounts"),
        "aave_accounts_dropped": notes_aave.get("n_dropped_initially_liquidatable"),
        "btc_eth_beta": notes_aave.get("beta"),
        "sweep": sweep.to_dict(orient="records"),
        "hyperliquid_covered": rec["hyperliquid_liquidated_usd"] is not None,
    }
    ar = aave_row["ratio"]
    rec_aave = aave_row["recorded"]
    best_shock, best_run = min(
        d["runs"].items(),
        key=lambda kv: abs(math.log(max(kv[1].defi_liquidated_usd, 1.0) / rec_aave)),
    )
    best_move = best_run.venues["binance"].move
    summary["aave_best_shock"] = best_shock
    summary["aave_best_ratio"] = best_run.defi_liquidated_usd / rec_aave
    summary["aave_best_binance_move"] = best_move
    finding = (
        f"Imposing the recorded Binance fall of the 21:00 UTC hour ({replay:.1%}) on a "
        f"Binance-like venue, arbitrage carries it to the Bybit- and Hyperliquid-like venues "
        f"within {r.rounds_to_spread} round(s); {r.contagion_share:.0%} of all modelled "
        f"liquidations (${r.cex_liquidated_usd + r.defi_liquidated_usd:,.0f}) happen outside "
        f"the shocked venue. Bybit's modelled move is {byb.get('model', float('nan')):.1%} "
        f"against a recorded low of {byb.get('recorded', float('nan')):.1%}. The Aave WBTC leg "
        f"liquidates ${r.defi_liquidated_usd:,.0f} (bad debt ${r.defi_bad_debt_usd:,.0f}) "
        f"against ${aave_row['recorded']:,.0f} recorded on 2025-10-10/11: a ratio of "
        f"{ar:.2f}"
        + (
            " — the model under-states the DeFi leg"
            if ar is not None and ar < 0.5
            else " — the model over-states the DeFi leg"
            if ar is not None and ar > 2
            else ""
        )
        + f". Across the shock sweep the Aave total is closest to the record at a "
        f"{best_shock:.1%} first leg (ratio {best_run.defi_liquidated_usd / rec_aave:.2f}), "
        f"where Binance ends only {best_move:.1%} down against a recorded low of "
        f"{replay:.1%}: the model does not match prices and the DeFi leg at once"
        ". CEX liquidations cannot be checked: the bundled Hyperliquid series ends "
        f"{rec['hyperliquid_data_end']} and the CoinGlass series {rec['coinglass_data_end']}."
    )
    claims = [
        Claim(
            claim="A cascade on one exchange spreads to other venues and into DeFi lending.",
            computed=(
                f"Replay of 2025-10-10: {r.contagion_share:.0%} of modelled liquidations "
                f"outside the shocked venue; Aave WBTC model/recorded = {ar:.2f}; CEX "
                "venue liquidations not covered by the bundled data."
            ),
            verdict="partly supported",
        )
    ]
    return Section(
        id="contagion",
        title="Contagion: the 2025-10-10 crash across venues and into Aave",
        finding=finding,
        figures=[fig, bars],
        tables=[
            ("Venues after the replay", venues),
            ("Model vs recorded (2025-10-10/11)", val),
            ("Shock sweep on Binance", sweep),
        ],
        summary=summary,
        claims=claims,
        headlines=[
            Headline(
                key="contagion_share",
                label="Share of liquidations outside the shocked venue (2025-10-10 replay)",
                value=float(r.contagion_share),
                text=pct(r.contagion_share, 0),
                interval=(
                    "across the shock sweep "
                    + pct(min(x.contagion_share for x in d["runs"].values()), 0)
                    + " – "
                    + pct(max(x.contagion_share for x in d["runs"].values()), 0)
                ),
                evidence=(
                    f"Aave leg: model {usd(r.defi_liquidated_usd)} vs recorded "
                    f"{usd(rec_aave)} (ratio {ar:.2f}); CEX venues not checkable"
                ),
                unit="fraction",
                low=float(min(x.contagion_share for x in d["runs"].values())),
                high=float(max(x.contagion_share for x in d["runs"].values())),
            )
        ],
        notes=[
            "Positions are the package's estimate at its last date (2025-07-31, the bundled open "
            "interest ends there), re-based to the 2025-10-10 20:00 UTC prices; depth from the "
            "bundled CoinGlass totals (to 2025-07). Venue shares: Binance 0.25 (package prior), "
            "Bybit from bundled volume, Hyperliquid 0.16 (Glassnode's ~16 % of open interest).",
            "Aave: bundled WBTC-collateral snapshot (V3 accounts, stablecoin debt only, undated; "
            f"{notes_aave.get('n_dropped_initially_liquidatable')} accounts already below HF 1 at "
            "the pre-crash price dropped); WBTC moves beta × the ETH venues' move, beta from the "
            "bundled crash-hour candles; seized WBTC sold into a $100M constant-product pool.",
            "Bybit and Hyperliquid positions are the Binance estimate re-priced with their margin "
            "formulas (Bybit MMR 0.5 %; Hyperliquid 25x max, maintenance half of initial); no "
            "Hyperliquid partial liquidation, backstop vault or ADL.",
        ],
    )
