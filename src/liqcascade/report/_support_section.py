"""Report section: support-level tests on ETH and what follows them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from liqcascade import datasets
from liqcascade.events import CLAIM_TEXT, LONG_HORIZONS, SHORT_HORIZONS, support_study
from liqcascade.report._section import Claim, ReportContext, Section


def _run(quick: bool) -> Any:
    eth = datasets.load_ohlcv("ETH", "1d", "2022-01-01", "2025-12-31")
    return support_study(eth, seed=0, n_random=50 if quick else 200, n_boot=300 if quick else 1000)


def section(ctx: ReportContext) -> Section:
    """Support zones and tests on ETH 2022–2025, the event study and the claim's verdict."""
    study = ctx.memo(f"events.support_study.quick={ctx.quick}", lambda: _run(ctx.quick))
    det = study.detection
    h = study.horizons
    c = study.claim
    sens = study.sensitivity

    table = pd.DataFrame(
        {
            "days": h.index,
            "n": h["n"].to_numpy(),
            "mean (%)": (100 * h["mean"]).round(2).to_numpy(),
            "win rate (%)": (100 * h["win_rate"]).round(1).to_numpy(),
            "t (Newey–West)": h["t_stat"].round(2).to_numpy(),
            "p (overlap-adj.)": h["p_value_adj"].round(3).to_numpy(),
            "95 % CI bootstrap (%)": [
                f"[{100 * lo:.1f}, {100 * hi:.1f}]"
                for lo, hi in zip(h["ci_low"], h["ci_high"], strict=True)
            ],
            "every day: mean (%)": (100 * h["baseline_mean"]).round(2).to_numpy(),
            "every day: win (%)": (100 * h["baseline_win_rate"]).round(1).to_numpy(),
            "random levels: win (%)": (100 * h["random_level_win_rate"]).round(1).to_numpy(),
            "pctile vs random": h["random_level_pctile"].round(2).to_numpy(),
        }
    )
    sens_show = sens[sens["min_away"] == det.params.min_away].copy()
    sens_show["win_rate_1_10"] = (100 * sens_show["win_rate_1_10"]).round(1)
    sens_show["mean_20_plus"] = (100 * sens_show["mean_20_plus"]).round(2)
    sens_show = sens_show.rename(
        columns={"win_rate_1_10": "win 1–10 d (%)", "mean_20_plus": "mean 20+ d (%)"}
    )

    wr = study.win_rate_1_10
    lo, hi = c["n_tests_range_over_grid"]
    sig_neg = c["long_horizons_significantly_negative"]
    lg = h.loc[list(LONG_HORIZONS)]
    cc = c.get("closest_to_claimed_count", {})
    sh = h.loc[list(SHORT_HORIZONS)]
    sig_short = int((sh["p_value_adj"] < 0.05).sum())
    sig_long = int((lg["p_value_adj"] < 0.05).sum())
    can = "can be produced" if c["claim_count_within_grid"] else "is outside that range"
    short_txt = (
        "no short horizon is significant"
        if sig_short == 0
        else f"{sig_short} of {len(sh)} short horizons are significant at 5 %"
    )
    long_txt = (
        "none significant"
        if sig_long == 0
        else f"{sig_neg} significantly negative, {sig_long - sig_neg} significantly positive"
    )
    cc_txt = ""
    if cc:
        cc_neg = cc["long_horizons_significantly_negative"]
        cc_txt = (
            f" At the setting that gives {cc['n_tests']} tests, the closest to 162, the 1–10 "
            f"day win rate is {cc['win_rate_1_10']:.1%} and "
            + (
                "no 20+ day horizon is significantly negative."
                if cc_neg == 0
                else f"{cc_neg} of {len(LONG_HORIZONS)} 20+ day horizons are significantly "
                "negative."
            )
        )
    finding = (
        f"With swing lows over ±{det.params.pivot} days merged within "
        f"{det.params.zone_tol:.1%}, and a test counted when the daily low returns within "
        f"{det.params.band:.0%} of a zone after {det.params.min_away} days away, ETH tested "
        f"support {det.n_tests} times between 2022 and 2025 on {det.n_zones} zones "
        f"({int(det.tests['held'].sum())} held, {int((~det.tests['held']).sum())} broken). "
        f"The count is a choice, not a fact: over {len(sens)} reasonable settings it runs from "
        f'{lo} to {hi}, so "162" {can} but means nothing by itself. After a test '
        f"the 1–10 day win rate is {wr:.1%} — against {c['baseline_win_rate_1_10']:.1%} on an "
        f"ordinary day and {c['random_level_win_rate_1_10']:.1%} at random price levels tested "
        f"by the same rule — and {short_txt}. Beyond 20 days the mean log "
        f"returns are {', '.join(f'{v:+.1%}' for v in lg['mean'])} at 20/30/40/60 days, "
        f"{long_txt} (smallest p = {lg['p_value_adj'].min():.2f}).{cc_txt} "
        f"Verdict on the claim: {c['verdict']}."
    )
    claim = Claim(
        claim=CLAIM_TEXT,
        computed=(
            f"{det.n_tests} tests at default settings ({lo}–{hi} over {len(sens)} settings); "
            f"1–10 d win rate {wr:.1%} vs {c['baseline_win_rate_1_10']:.1%} every day and "
            f"{c['random_level_win_rate_1_10']:.1%} at random levels; 20+ d mean "
            f"{study.mean_20_plus:+.2%}, significantly negative at {sig_neg} of "
            f"{len(LONG_HORIZONS)} horizons"
        ),
        verdict=c["verdict"],
    )
    summary: dict[str, Any] = {
        "n_tests": det.n_tests,
        "n_zones": det.n_zones,
        "n_event_bars": len(det.event_bars),
        "n_held": int(det.tests["held"].sum()),
        "n_broken": int((~det.tests["held"]).sum()),
        "params": det.params.to_dict(),
        "win_rate_1_10": wr,
        "baseline_win_rate_1_10": c["baseline_win_rate_1_10"],
        "random_level_win_rate_1_10": c["random_level_win_rate_1_10"],
        "mean_20_plus": study.mean_20_plus,
        "long_horizons_significantly_negative": sig_neg,
        "n_tests_range_over_grid": [lo, hi],
        "closest_to_claimed_count": cc,
        "verdict": c["verdict"],
        "horizons": {
            str(k): {
                "n": int(r["n"]),
                "mean": float(r["mean"]),
                "win_rate": float(r["win_rate"]),
                "t_stat": float(r["t_stat"]),
                "p_value_adj": float(r["p_value_adj"]),
                "baseline_mean": float(r["baseline_mean"]),
                "random_level_win_rate": float(r["random_level_win_rate"]),
            }
            for k, r in h.iterrows()
        },
        "n_random": study.n_random,
        "seed": study.seed,
    }
    notes = [
        "Returns are log returns from the test bar's close (the entry). An event is a bar; "
        "a bar testing two zones counts twice in the test count but once in the event study.",
        "t (Newey–West) uses lag = horizon − 1 on the event series and equals statsmodels' "
        "HAC; with ~70 events and lags up to 59 it over-rejects (on simulated random walks "
        "it flags ~1 in 3 sixty-day horizons), so significance is judged with the "
        "overlap-adjusted test (Bartlett weights in calendar distance, bias-corrected, "
        "Satterthwaite t), whose size on random walks is ≈ 5 %.",
        f"Random pseudo-levels (Osler 2000): {study.n_random} draws, one level per real zone, "
        "opened on the same day, drawn uniformly between the lowest low of the previous "
        f"{det.params.max_age} days and the day's close, tested by the same rule.",
        f"'1–10 days' pools the win rates at {', '.join(map(str, SHORT_HORIZONS))} days; "
        f"'20+ days' the means at {', '.join(map(str, LONG_HORIZONS))} days.",
    ]
    return Section(
        id="support",
        title="Support tests: what follows them",
        finding=finding,
        figures=[det.plot(), study.plot(), study.plot_win_rate()],
        tables=[
            ("Forward returns after a support test (ETH daily, 2022–2025)", table),
            (
                f"Sensitivity of the count and the results (min_away = {det.params.min_away})",
                sens_show,
            ),
        ],
        summary=summary,
        claims=[claim],
        notes=notes,
    )
