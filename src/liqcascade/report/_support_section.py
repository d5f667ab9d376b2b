"""Report section: support-level tests on ETH and what follows them.

compute (:func:`liqcascade.events.support_study` → its result) → figures → prose.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from liqcascade.events import CLAIM_TEXT, LONG_HORIZONS, SHORT_HORIZONS, support_study
from liqcascade.report._format import pct, pvalue
from liqcascade.report._section import Claim, Prose, ReportContext, Section, Table, assemble

START, END = "2022-01-01", "2025-12-31"


def compute(ctx: ReportContext) -> Any:
    """The support study (detection, event study, random levels, sensitivity)."""
    from liqcascade import datasets

    daily = datasets.load_ohlcv(ctx.asset, "1d", START, END)
    return support_study(
        daily, seed=0, n_random=50 if ctx.quick else 200, n_boot=300 if ctx.quick else 1000
    )


def figures(study: Any) -> list[go.Figure]:
    """Zones and tests on the price; forward returns; win rates."""
    return [study.detection.plot(), study.plot(), study.plot_win_rate()]


def tables(study: Any) -> list[Table]:
    """Forward returns by horizon; the count's sensitivity to the rule."""
    h = study.horizons
    det = study.detection
    t = pd.DataFrame(
        {
            "days": h.index,
            "n": h["n"].to_numpy(),
            "mean": [pct(x, 2, signed=True) for x in h["mean"]],
            "win rate": [pct(x) for x in h["win_rate"]],
            "t (Newey–West)": h["t_stat"].round(2).to_numpy(),
            "p (overlap-adjusted)": [pvalue(p) for p in h["p_value_adj"]],
            "95 % interval (bootstrap)": [
                f"{pct(lo, 1, signed=True)} to {pct(hi, 1, signed=True)}"
                for lo, hi in zip(h["ci_low"], h["ci_high"], strict=True)
            ],
            "every day: mean": [pct(x, 2, signed=True) for x in h["baseline_mean"]],
            "every day: win": [pct(x) for x in h["baseline_win_rate"]],
            "random levels: win": [pct(x) for x in h["random_level_win_rate"]],
        }
    )
    sens = study.sensitivity
    s = sens[sens["min_away"] == det.params.min_away].copy()
    s["win_rate_1_10"] = [pct(x) for x in s["win_rate_1_10"]]
    s["mean_20_plus"] = [pct(x, 2, signed=True) for x in s["mean_20_plus"]]
    s = s.rename(columns={"win_rate_1_10": "win 1–10 d", "mean_20_plus": "mean 20+ d"})
    return [
        Table(f"Forward returns after a support test (daily, {START[:4]}–{END[:4]})", t),
        Table(f"Sensitivity of the count and the results (min_away = {det.params.min_away})", s),
    ]


def prose(study: Any) -> Prose:
    """Takeaways, method and the claim."""
    det, h, c = study.detection, study.horizons, study.claim
    lo, hi = c["n_tests_range_over_grid"]
    sh, lg = h.loc[list(SHORT_HORIZONS)], h.loc[list(LONG_HORIZONS)]
    sig_short = int((sh["p_value_adj"] < 0.05).sum())
    sig_neg = c["long_horizons_significantly_negative"]
    take = [
        f"ETH tested support {det.n_tests} times in {START[:4]}–{END[:4]} at the default rule, "
        f"but the count is a choice: {lo} to {hi} over {len(study.sensitivity)} reasonable "
        "settings.",
        f"After a test the 1–10 day win rate is {pct(study.win_rate_1_10)}, against "
        f"{pct(c['baseline_win_rate_1_10'])} on any day and "
        f"{pct(c['random_level_win_rate_1_10'])} at random levels; "
        + (
            "no short horizon is significant."
            if sig_short == 0
            else f"{sig_short} of {len(sh)} short horizons are significant at 5 %."
        ),
        f"Beyond 20 days the mean returns are "
        f"{', '.join(pct(x, 1, signed=True) for x in lg['mean'])}; {sig_neg} of "
        f"{len(LONG_HORIZONS)} horizons significantly negative.",
    ]
    claim = Claim(
        claim=CLAIM_TEXT,
        computed=(
            f"{det.n_tests} tests at default settings ({lo}–{hi} over the grid); 1–10 d win "
            f"rate {pct(study.win_rate_1_10)} vs {pct(c['baseline_win_rate_1_10'])} any day; "
            f"20+ d mean {pct(study.mean_20_plus, 2, signed=True)}, significantly negative at "
            f"{sig_neg} of {len(LONG_HORIZONS)} horizons."
        ),
        verdict=c["verdict"],
    )
    method = [
        f"Zones: swing lows over ±{det.params.pivot} days merged within "
        f"{pct(det.params.zone_tol)}; a test is a daily low back within {pct(det.params.band, 0)}"
        f" of a zone after {det.params.min_away} days away. Returns are log returns from the "
        "test bar's close.",
        "Newey–West t uses lag = horizon − 1; with ~70 events it over-rejects, so significance "
        "is judged with an overlap-adjusted, bias-corrected test whose size on random walks "
        "is ≈ 5 %.",
        f"Random pseudo-levels (Osler 2000): {study.n_random} draws per real zone, tested by "
        "the same rule.",
    ]
    return Prose(take, method, [claim])


def summary(study: Any) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    det, h, c = study.detection, study.horizons, study.claim
    return {
        "n_tests": det.n_tests,
        "n_zones": det.n_zones,
        "n_held": int(det.tests["held"].sum()),
        "n_broken": int((~det.tests["held"]).sum()),
        "params": det.params.to_dict(),
        "win_rate_1_10": study.win_rate_1_10,
        "baseline_win_rate_1_10": c["baseline_win_rate_1_10"],
        "random_level_win_rate_1_10": c["random_level_win_rate_1_10"],
        "mean_20_plus": study.mean_20_plus,
        "long_horizons_significantly_negative": c["long_horizons_significantly_negative"],
        "n_tests_range_over_grid": list(c["n_tests_range_over_grid"]),
        "closest_to_claimed_count": c.get("closest_to_claimed_count", {}),
        "verdict": c["verdict"],
        "horizons": {
            str(k): {
                key: float(r[key])
                for key in (
                    "n",
                    "mean",
                    "win_rate",
                    "t_stat",
                    "p_value_adj",
                    "baseline_mean",
                    "random_level_win_rate",
                )
            }
            for k, r in h.iterrows()
        },
        "n_random": study.n_random,
        "seed": study.seed,
    }


def section(ctx: ReportContext) -> Section:
    """Support zones and tests, the event study and the claim's verdict."""
    study = compute(ctx)
    return assemble("support", prose(study), figures(study), tables(study), summary(study))
