"""Report section: the 2025-10-10 crash across Binance/Bybit/Hyperliquid-like venues and Aave.

compute (library runs → :class:`ContagionView`) → figures → prose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

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

__all__ = ["section"]


@dataclass(frozen=True)
class ContagionView:
    """The 2025-10-10 preset, its runs over a shock sweep, and the record."""

    setup: Any  # ContagionSetup
    recorded: dict[str, Any]
    replay_shock: float
    runs: dict[float, Any]  # shock -> ContagionResult
    validation: dict[str, Any]

    @property
    def replay(self) -> Any:
        """The run at the recorded Binance move."""
        return self.runs[self.replay_shock]

    @property
    def aave(self) -> dict[str, Any]:
        """The validation row of the Aave leg (model, recorded, ratio)."""
        return dict(self.validation["rows"][0])

    def bybit(self) -> dict[str, Any]:
        """The validation row of Bybit's move, if any."""
        rows = [r for r in self.validation["rows"] if "move" in r["what"]]
        return next((r for r in rows if r["what"].startswith("bybit")), {})

    def share_range(self) -> tuple[float, float]:
        """Share of liquidations outside the shocked venue across the sweep."""
        xs = [x.contagion_share for x in self.runs.values()]
        return min(xs), max(xs)

    def closest_to_aave(self) -> tuple[float, Any]:
        """The sweep's run whose DeFi leg is closest to the record (log ratio)."""
        rec = float(self.aave["recorded"])
        return min(
            self.runs.items(),
            key=lambda kv: abs(math.log(max(kv[1].defi_liquidated_usd, 1.0) / rec)),
        )


def compute(ctx: ReportContext) -> ContagionView:
    """Replay the recorded crash hour and a sweep of first-leg shocks (calibrated liquidity)."""
    from liqcascade.contagion._liquidity import run_setup
    from liqcascade.contagion._presets import oct_2025, recorded_oct_2025, validate_oct_2025

    setup = oct_2025()
    rec = recorded_oct_2025()
    bar = rec["crash_hour"]["binance"]
    replay = bar["low"] / bar["open"] - 1.0
    shocks = [-0.03, replay] if ctx.quick else [-0.02, -0.03, -0.05, -0.08, replay]
    # the preset's liquidity model (calibrated by default; static beside it in each result)
    runs = {s: run_setup(setup, shock=s) for s in shocks}
    return ContagionView(setup, rec, replay, runs, validate_oct_2025(runs[replay], rec))


def _sweep(v: ContagionView) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"shock": s, **{n: x.liquidated_usd for n, x in r.venues.items()},
             "Aave (WBTC)": r.defi_liquidated_usd, "contagion share": r.contagion_share}
            for s, r in sorted(v.runs.items())
        ]
    )  # fmt: skip


def figures(v: ContagionView) -> list[go.Figure]:
    """Price by round in the replay; liquidations by venue over the sweep (categorical)."""
    fig = v.replay.plot()
    fig.update_layout(
        title=f"Replay of the recorded Binance move ({pct(v.replay_shock)}): price by round"
    )
    sw = _sweep(v)
    bars = go.Figure()
    for col in [*v.replay.venues, "Aave (WBTC)"]:
        bars.add_trace(
            go.Bar(x=[pct(s) for s in sw["shock"]], y=sw[col] / 1e6, name=col,
                   hovertemplate="%{x}: $%{y:,.1f} M<extra>%{fullData.name}</extra>")
        )  # fmt: skip
    bars.update_layout(barmode="stack", title="Liquidated by venue, by first shock on Binance",
                       xaxis_title="shock on Binance", yaxis_title="USD M")  # fmt: skip
    return [fig, bars]


def tables(v: ContagionView) -> list[Table]:
    """Venues after the replay; model vs record; the sweep."""
    venues = pd.DataFrame(
        [
            {"venue": n, "initial price": usd(x.initial_price), "final price": usd(x.final_price),
             "move": pct(x.move, signed=True), "liquidated": usd(x.liquidated_usd),
             "stops": usd(x.stops_usd), "rounds": x.rounds, "arbitrage net ETH": x.arb_net_base}
            for n, x in v.replay.venues.items()
        ]
    )  # fmt: skip
    val = pd.DataFrame(v.validation["rows"])[["what", "model", "recorded", "ratio", "note"]]
    sw = _sweep(v)
    show = pd.DataFrame({c: [usd(x) for x in sw[c]] for c in sw.columns if c not in
                         ("shock", "contagion share")})  # fmt: skip
    show.insert(0, "shock", [pct(s) for s in sw["shock"]])
    show["contagion share"] = [pct(x, 0) for x in sw["contagion share"]]
    return [
        Table("Venues after the replay", venues),
        Table("Model vs recorded (2025-10-10/11)", val),
        Table("Shock sweep on Binance", show),
    ]


def _headline(v: ContagionView) -> Headline:
    r, lo_hi = v.replay, v.share_range()
    a = v.aave
    return Headline(
        key="contagion_share",
        label="Share of liquidations outside the shocked venue (2025-10-10 replay)",
        value=float(r.contagion_share),
        text=pct(r.contagion_share, 0),
        interval=f"{interval(*lo_hi, lambda x: pct(x, 0))} across the first-shock sweep",
        evidence=(
            f"Aave leg: model {usd(r.defi_liquidated_usd)} vs recorded {usd(a['recorded'])} "
            f"(ratio {a['ratio']:.2f}); CEX venues cannot be checked with the bundled data"
        ),
        unit="fraction",
        low=lo_hi[0],
        high=lo_hi[1],
    )


def prose(v: ContagionView) -> Prose:
    """Takeaways, method, the claim and the headline."""
    r, a, byb = v.replay, v.aave, v.bybit()
    best_shock, best = v.closest_to_aave()
    take = [
        f"The recorded Binance fall of the 21:00 UTC hour ({pct(v.replay_shock)}) spreads to the "
        f"Bybit- and Hyperliquid-like venues within {r.rounds_to_spread} round(s); "
        f"{pct(r.contagion_share, 0)} of modelled liquidations happen outside the shocked venue.",
        f"The Aave WBTC leg liquidates {usd(r.defi_liquidated_usd)} against {usd(a['recorded'])} "
        f"recorded (ratio {a['ratio']:.2f}); it comes closest to the record at a "
        f"{pct(best_shock)} first leg, where Binance ends only "
        f"{pct(best.venues['binance'].move)} down: the model does not match prices and the DeFi "
        "leg at once.",
        f"Bybit's modelled move is {pct(byb.get('model'))} against a recorded low of "
        f"{pct(byb.get('recorded'))}; CEX liquidations cannot be checked (the bundled "
        f"Hyperliquid series ends {v.recorded['hyperliquid_data_end']}).",
    ]
    sb = r.static_upper_bound
    if sb:
        take.append(
            f"These runs use the calibrated liquidity (latent depth fitted on ordinary "
            f"events). On the books as displayed (static) the same replay moves Binance "
            f"{pct(sb['binance_move'])} and liquidates {usd(sb['defi_liquidated_usd'])} on "
            "Aave: on 2025-10-10 depth withdrew, which the calibration, fitted on calmer "
            "events, does not carry."
        )
    claim = Claim(
        claim="A cascade on one exchange spreads to other venues and into DeFi lending.",
        computed=(
            f"Replay of 2025-10-10: {pct(r.contagion_share, 0)} of modelled liquidations outside "
            f"the shocked venue; Aave WBTC model/recorded = {a['ratio']:.2f}; CEX venue "
            "liquidations not covered by the bundled data."
        ),
        verdict="partly supported",
    )
    notes = v.setup.notes.get("aave-v3-wbtc", {})
    method = [
        "Positions are the package's estimate at its last date (the bundled open interest ends "
        "2025-07-31), re-based to the 2025-10-10 20:00 UTC prices. Venue shares: Binance 0.25, "
        "Bybit from bundled volume, Hyperliquid 0.16 (~16 % of open interest).",
        f"Aave: bundled WBTC-collateral snapshot (V3 accounts, stablecoin debt only, undated; "
        f"{notes.get('n_dropped_initially_liquidatable')} accounts already below HF 1 dropped); "
        "WBTC moves beta × the ETH venues' move; seized WBTC sold into a $100 M pool.",
        "Bybit and Hyperliquid positions are the Binance estimate re-priced with their margin "
        "formulas; no Hyperliquid partial liquidation, backstop vault or ADL.",
    ]
    return Prose(take, method, [claim], [_headline(v)])


def summary(v: ContagionView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    r, a = v.replay, v.aave
    best_shock, best = v.closest_to_aave()
    notes = v.setup.notes.get("aave-v3-wbtc", {})
    return {
        "replay_shock": v.replay_shock,
        "contagion_share": r.contagion_share,
        "rounds": r.rounds,
        "rounds_to_spread": r.rounds_to_spread,
        "cex_liquidated_usd": r.cex_liquidated_usd,
        "venues": {n: {"final_price": x.final_price, "liquidated_usd": x.liquidated_usd,
                       "rounds": x.rounds} for n, x in r.venues.items()},
        "defi_liquidated_usd": r.defi_liquidated_usd,
        "defi_bad_debt_usd": r.defi_bad_debt_usd,
        "aave_recorded_usd": a["recorded"],
        "aave_ratio": a["ratio"],
        "compound_recorded_usd": v.recorded["compound_v3_liquidated_usd"],
        "bybit_move_ratio": v.bybit().get("ratio"),
        "aave_accounts": notes.get("n_accounts"),
        "btc_eth_beta": notes.get("beta"),
        "sweep": _sweep(v).to_dict(orient="records"),
        "aave_best_shock": best_shock,
        "aave_best_ratio": best.defi_liquidated_usd / float(a["recorded"]),
        "hyperliquid_covered": v.recorded["hyperliquid_liquidated_usd"] is not None,
    }  # fmt: skip


def section(ctx: ReportContext) -> Section:
    """The venue-by-venue cascade of the 2025-10-10 preset, the DeFi leg, model vs recorded."""
    v = compute(ctx)
    return assemble("contagion", prose(v), figures(v), tables(v), summary(v))
