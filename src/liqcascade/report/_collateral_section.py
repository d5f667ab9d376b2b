"""Report section: the collateral loop of 2025-10-10, counterfactual pricing, smallest haircuts.

compute (:mod:`liqcascade.collateral` → :class:`CollateralView`) → figures → prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from liqcascade._crashes import OCT_2025
from liqcascade.report._figures import RECORDED
from liqcascade.report._format import (
    date_text,
    estimate,
    interval,
    pct,
    signed_num,
    usd,
    usd_in_text,
)
from liqcascade.report._names import display_name
from liqcascade.report._october import OCTOBER_WINDOWS
from liqcascade.report._section import Claim, Prose, ReportContext, Section, Table, assemble

__all__ = ["CollateralView", "compute", "figures", "prose", "section", "summary", "tables"]

PRICINGS = ("own-book", "index", "redemption")
"""How the venue values collateral: its own book (Binance before 2025-10-14), an
external index, the issuer's redemption ratio."""
_PRIVATE = re.compile(r"DESIGN\.md,?\s*")
"""Names of files a reader of the report does not have (dropped from the sources)."""
_LABEL = {"own-book": "own book", "index": "external index", "redemption": "redemption ratio"}


@dataclass(frozen=True)
class CollateralView:
    """Everything the section shows, as computed by :mod:`liqcascade.collateral`."""

    setup: Any  # CollateralSetup
    path: pd.Series  # ETH path of the scenario, USD
    runs: dict[str, Any]  # pricing -> CollateralResult
    fit: Any  # OwnBookFit of USDe
    oos: dict[str, Any]  # out-of-sample check of the own book
    haircut: pd.DataFrame  # smallest haircut per asset and ETH shock
    variants: dict[str, tuple[int, int]] | None = None  # variant -> accounts (own book, redemption)
    as_of: Any = None  # the report's date (the scenario's records all lie after 2025-07-31)

    @property
    def results(self) -> dict[str, dict[str, Any]]:
        """``liqcascade collateral --json`` of each pricing."""
        return {p: r.summary() for p, r in self.runs.items()}

    def drop(self) -> float:
        """Share by which redemption-ratio pricing cuts the collateral sold (vs own book)."""
        s = self.results
        own = s["own-book"]["collateral_liquidated_usd"]
        return 1.0 - s["redemption"]["collateral_liquidated_usd"] / max(own, 1.0)


def compute(ctx: ReportContext) -> CollateralView:
    """The oct-2025 preset under three pricings; the own book's fit; smallest haircuts."""
    from liqcascade import datasets
    from liqcascade.collateral import (
        ETH_BARS,
        calibrate_own_book,
        own_book_out_of_sample,
        prepare,
        preset_config,
        scenario_of,
        simulate_collateral,
        smallest_haircut,
    )

    cfg = preset_config("oct-2025")
    sc = scenario_of(cfg, "oct-2025.toml")
    usde = datasets.load_ohlcv("USDE", "1m")
    eth = datasets.load(ETH_BARS[sc.eth_bars])
    _, setup, path = prepare(cfg, "oct-2025.toml", eth, {"USDE": usde})
    fit = calibrate_own_book(usde, sc.start)
    shocks = [-0.1, -0.2] if ctx.quick else [-0.05, -0.1, -0.15, -0.2, -0.25]
    return CollateralView(
        setup=setup,
        path=path,
        runs={p: simulate_collateral(setup, path, p) for p in PRICINGS},
        fit=fit,
        oos=own_book_out_of_sample(usde, fit, "2025-10-11T12:00:00Z"),
        # shocks are falls from the accounts' entry (the path's start), as the docs define
        haircut=smallest_haircut(setup, shocks),
        variants=_variants(setup, path, fit),
        as_of=ctx.as_of,
    )


def _variants(setup: Any, path: pd.Series, fit: Any) -> dict[str, tuple[int, int]]:
    """Accounts liquidated (own book, redemption ratio) in the variants the claim cites.

    At the low and high end of USDe's depth IQR, and with every account scaled ×0.5 / ×2
    (:meth:`CollateralSetup.scaled`: maintenance rates kept): whether the pricings'
    order holds outside the central run.
    """
    from dataclasses import replace

    from liqcascade.collateral import simulate_collateral

    def depth(x: float) -> Any:
        return setup.with_asset(replace(setup.asset("USDE"), depth_usd_per_pct=x))

    runs = {
        f"USDe depth {usd(fit.depth_q25)} per 1 %": depth(fit.depth_q25),
        f"USDe depth {usd(fit.depth_q75)} per 1 %": depth(fit.depth_q75),
        "population ×0.5": setup.scaled(0.5),
        "population ×2": setup.scaled(2.0),
    }
    return {
        k: (
            simulate_collateral(s, path, "own-book").accounts_liquidated,
            simulate_collateral(s, path, "redemption").accounts_liquidated,
        )
        for k, s in runs.items()
    }


def _order_holds(v: CollateralView) -> str:
    """Whether own-book pricing liquidates more accounts than the redemption ratio.

    In every variant of :func:`_variants`, with the counts.
    """
    var = v.variants or {}
    held = all(o > r for o, r in var.values())
    counts = "; ".join(f"{k}: {o} vs {r}" for k, (o, r) in var.items())
    return (
        f"The order {'holds' if held else 'does not hold'} in every variant run here "
        f"(accounts liquidated, own book vs redemption ratio — {counts})"
    )


def figures(v: CollateralView) -> list[go.Figure]:
    """USDe on its own book under the three pricings, with ETH's path."""
    fig = go.Figure()
    j = v.runs["own-book"].assets.index("USDE")
    for p, r in v.runs.items():
        fig.add_trace(
            go.Scatter(
                x=r.ts,
                y=r.book[:, j],
                name=f"USDe, venue prices on the {_LABEL[p]}",
                hovertemplate="%{x|%H:%M}: %{y:.3f} of fair value<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=v.path.index,
            y=v.path.to_numpy() / float(v.path.iloc[0]),
            name="ETH (recorded) / ETH at the start",
            line={"dash": "dot", "color": RECORDED},
            hovertemplate="%{x|%H:%M}: %{y:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        title="USDe on its own book in the modelled loop, 2025-10-10 (price / fair value)",
        yaxis_title="fraction of fair value",
        height=380,
    )
    return [fig]


def _low(asset: dict[str, Any]) -> str:
    """An asset's lowest own-book price, ``(at floor)`` when it is the configured floor."""
    from liqcascade.collateral import low_text

    return low_text(asset["min_price"], asset["min_price_at_floor"])


def _pricing_table(v: CollateralView) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "venue prices collateral on": _LABEL[p],
                "collateral sold": usd(x["collateral_liquidated_usd"]),
                "accounts liquidated": f"{x['accounts_liquidated']} of {x['accounts']}",
                "USDe lowest (of fair value)": _low(x["assets"]["USDE"]),
                "USDe minutes below 0.95": x["assets"]["USDE"]["minutes_below_0_95"],
                "wBETH lowest (of fair value)": _low(x["assets"]["WBETH"]),
                "depeg starts (minutes after ETH low)": x["depeg_start_minutes_after_low"],
            }
            for p, x in v.results.items()
        ]
    )


def _haircut_table(v: CollateralView) -> pd.DataFrame:
    from liqcascade.collateral import low_text

    h = v.haircut
    return pd.DataFrame(
        {
            f"ETH fall from entry ({_base(v)})": [pct(s, 0, signed=True) for s in h["shock"]],
            "asset": [display_name("asset", a) for a in h["asset"]],
            "lowest on its own book (of fair value)": [
                low_text(x, f) for x, f in zip(h["min_price"], h["at_floor"], strict=True)
            ],
            "smallest haircut needed": [pct(x) for x in h["smallest_haircut"]],
            "haircut in force": [pct(x) for x in h["haircut_in_force"]],
            "accounts liquidated": h["accounts_liquidated"],
        }
    )


def _base(v: CollateralView) -> str:
    """The haircut shocks' base price: the accounts' entry, at the path's start."""
    return f"{float(v.haircut['p0'].iloc[0]):,.0f} at {v.path.index[0]:%H:%M}"


def tables(v: CollateralView) -> list[Table]:
    """The loop by pricing, smallest haircuts, the own book's check, the assumptions."""
    fit, oos = v.fit, v.oos
    book = pd.DataFrame(
        [
            {
                "depth per 1 % move": usd(fit.depth_usd_per_pct),
                "interquartile range": interval(fit.depth_q25, fit.depth_q75, usd),
                "recovery half-life (minutes)": round(float(fit.half_life_min), 1),
                "fitted on": f"{fit.start:%Y-%m-%d} → {fit.end:%Y-%m-%d}",
                "out of sample: error of the minute range": f"{oos['mae_model']:.5f}",
                "baseline's error": f"{oos['mae_baseline']:.5f}",
                "model − baseline": estimate(
                    oos["mae_diff"],
                    oos["mae_diff_p05"],
                    oos["mae_diff_p95"],
                    lambda x: signed_num(x, 5),
                    "90 %",
                )
                + f": {VERDICT_WORDS[oos['verdict']]}",
                "test minutes": oos["n"],
            }
        ]
    )
    assumptions = pd.DataFrame(
        [
            {
                "assumed": a["what"],
                "value": usd_in_text(a["value"]),
                "source": _PRIVATE.sub("", a["source"]),
            }
            | _written(v, a["what"])
            for a in v.setup.assumptions
        ]
    )
    return [
        Table("The loop on 2025-10-10 under three ways of pricing collateral", _pricing_table(v)),
        Table(
            "Smallest haircut per asset for an ETH fall from the accounts' entry "
            f"({_base(v)}; the fall over 30 minutes from {OCT_2025.hour:%H:%M}; own-book "
            "pricing)",
            _haircut_table(v),
        ),
        Table("USDe's own book: fitted before the window, checked after it", book),
        Table("What is assumed, and where it comes from", assumptions),
    ]


_STRESS_ROW = "Own-book depth under stress"
"""The preset's assumption whose figures the setup holds (its multiplier, drawdown, depth)."""


def _written(v: CollateralView, what: str) -> dict[str, str]:
    """An assumption's value (and source) as the page writes it, from the setup's numbers.

    The library's text (``liqcascade collateral --json``, summary.json) keeps its own
    form (``$27,862,775 per 1 % (IQR ...)``, ``impact x4``, ``$5M``); the rows whose
    figures the setup holds — each calibrated own book, the stress row — are written
    here in the page's scale (``$27.9 M``, ``×4``, a readable date). Empty for the others.
    """
    for name, fit in v.setup.notes.get("fits", {}).items():
        if what == f"{name} own book (depth per 1 %, impact half-life)":
            asset = display_name("asset", name)
            return {
                "assumed": f"{asset} own book (depth per 1 % move, recovery half-life)",
                "value": f"{usd(fit.depth_usd_per_pct)} per 1 % (interquartile range "
                f"{interval(fit.depth_q25, fit.depth_q75, usd)}); half-life "
                f"{fit.half_life_min:.1f} min",
                "source": f"calibrated on the bundled {asset} 1-minute bars "
                f"{date_text(fit.start, bar=True)} → {date_text(fit.end, bar=True)} "
                "(before the scenario)",
            }
    given = [a for a in v.setup.assets if a.name not in v.setup.notes.get("fits", {})]
    stressed = [a for a in v.setup.assets if a.stress_impact_multiplier != 1]
    if what != _STRESS_ROW or not stressed:
        return {}
    books = "; ".join(
        f"{display_name('asset', a.name)} depth {usd(a.depth_usd_per_pct)} per 1 %, "
        f"half-life {a.half_life_min:g} min"
        for a in given
        if a.own_book_weight > 0
    )
    times = {a.stress_impact_multiplier for a in stressed}
    return {
        "value": f"impact ×{'/'.join(f'{m:g}' for m in sorted(times))} while ETH is more than "
        f"{pct(v.setup.venue.stress_drawdown, 0)} below its 60-minute high"
        + (f"; {books}" if books else "")
    }


def _takeaways(v: CollateralView) -> list[str]:
    s = v.results
    own, red = s["own-book"], s["redemption"]
    h = v.haircut[v.haircut["asset"] == "USDE"]
    worst = float(min(v.haircut["shock"]))
    row = h[h["shock"] == worst].iloc[0]
    return [
        f"Scenario, not a replay: with an assumed population of {own['accounts']} unified-margin "
        "accounts driven by the recorded ETH path of 2025-10-10, pricing collateral on the "
        f"venue's own thin book (as Binance did before 2025-10-14) liquidates "
        f"{own['accounts_liquidated']} accounts and sells {usd(own['collateral_liquidated_usd'])}"
        f" of collateral; USDe's own book falls to {own['assets']['USDE']['min_price']:.3f}.",
        f"Priced at the redemption ratio, the same path liquidates {red['accounts_liquidated']} "
        f"accounts and {usd(red['collateral_liquidated_usd'])} ({pct(v.drop(), 0)} less); an "
        "external index sits between.",
        f"For a {pct(abs(worst), 0)} ETH fall from the accounts' entry ({_base(v)}) the "
        "smallest USDe haircut that keeps the margin "
        f"the venue counts within what USDe fetches on its own book is "
        f"{pct(float(row['smallest_haircut']))} (in force: "
        f"{pct(float(row['haircut_in_force']))}): a scenario figure, not a measured "
        f"requirement — it rests on the assumed {own['accounts']} accounts and on USDe's "
        f"own-book depth model, which {VERDICT_WORDS[v.oos['verdict']]} its baseline out of "
        "sample.",
    ]


#: How the own book's out-of-sample verdict reads (the interval of the error difference).
VERDICT_WORDS = {"beats": "beats", "ties": "ties with", "loses": "loses to"}


def prose(v: CollateralView) -> Prose:
    """Takeaways, method (with the honest list of assumptions) and the claim."""
    s = v.results
    own, red = s["own-book"], s["redemption"]
    word = VERDICT_WORDS[v.oos["verdict"]]
    method = [
        "Not testable against the record: the USDe/USDT bars of 2025-10-10 12:00 → 10-11 12:00 "
        "are missing from the source file (so from the bundle), and the account population "
        "and its collateral mix are not public. Nothing here is fitted to, or compared with, "
        "the recorded depeg.",
        "Assumed (see the last table for values and sources): the number of accounts, their "
        "collateral mix and leverage, the venue's collateral ratios and their calendar, the "
        "transfer and redemption lags that keep top-ups from arriving, and the wBETH book.",
        "USDe's own book is linear (depth per 1 % move) with a recovery half-life, both fitted "
        f"on minute bars before the window; out of sample it {word} its baseline (90 % paired "
        "interval of the per-minute error difference). Quiet-minute "
        "ranges are bound by the tick, so the depth rests on the few wider minutes.",
        f"The crash's window here: {OCTOBER_WINDOWS['collateral'].name} "
        f"({OCTOBER_WINDOWS['collateral'].definition}); the stress replay, the solvency "
        "scenario and the contagion shock measure the same crash on other windows. "
        + f"A named historical scenario, not a forecast: its ETH path, USDe's own book "
        "(fitted on USDe's minute bars of the weeks before the crash) and its assumed "
        "accounts are the crash's own setting (records of 2025-09 and 2025-10), not the "
        f"market at the report's date ({pd.Timestamp(v.as_of):%Y-%m-%d}).",
        "ETH moves are the recorded 30-minute bars (timing inside a bar is unknown); the "
        "haircut table's shocks are the final ETH move over 30 minutes, measured from the "
        "accounts' entry price (where their positions opened); the accounts' own ETH "
        "sales do not feed back into the ETH path.",
    ]
    claim = Claim(
        claim="Collateral frameworks that price yield-bearing collateral on a venue's own thin "
        "book amplify a cascade.",
        computed=(
            f"Scenario with assumed accounts: own-book pricing liquidates "
            f"{own['accounts_liquidated']} accounts / {usd(own['collateral_liquidated_usd'])}, "
            f"the redemption ratio {red['accounts_liquidated']} / "
            f"{usd(red['collateral_liquidated_usd'])}. {_order_holds(v)}; the own-book "
            f"depth model {word} its baseline out of sample; the size rests on an account "
            "population that is not public."
        ),
        front=(
            f"Model only, assumed accounts: own-book pricing liquidates "
            f"{usd(own['collateral_liquidated_usd'])} ({own['accounts_liquidated']} accounts) "
            f"vs {usd(red['collateral_liquidated_usd'])} ({red['accounts_liquidated']}) "
            "at the redemption ratio."
        ),
        # assumed accounts, a depth model that loses to its baseline, no comparison with the
        # recorded depeg: a claim on the model alone (README's rule)
        verdict="not testable with these data",
        would_test=(
            "the venue's account-level collateral and liquidations during the 2025-10-10 "
            "USDe depeg, against which the scenario's accounts and liquidations could be "
            "scored."
        ),
    )
    return Prose(_takeaways(v), method, [claim])


def summary(v: CollateralView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    return {
        "pricing": v.results,
        "haircut": v.haircut.to_dict(orient="records"),
        "usde_book": v.fit.summary(),
        "usde_book_out_of_sample": v.oos,
        "assumptions": list(v.setup.assumptions),
        "redemption_cut_share": v.drop(),
        "validation": (
            "window missing from the source file (so from the bundle); no comparison with "
            "the recorded depeg is made"
        ),
    }


def section(ctx: ReportContext) -> Section:
    """The collateral loop on the oct-2025 preset, under three pricings, and the haircuts."""
    v = compute(ctx)
    return assemble("collateral", prose(v), figures(v), tables(v), summary(v))
