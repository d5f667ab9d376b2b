"""Report section: support-level tests on one asset and what follows them.

compute (:func:`liqcascade.events.support_study` → its result) → figures → prose. The
section runs once per asset of the report (ETH, BTC) on that asset's daily bars from
1 January three years before the as-of date's year (2022 at the default date) to the
as-of date. ETH keeps the library's default tolerances; another asset's are
scaled by its own median daily range (see :func:`params_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from liqcascade._plotly_text import plain
from liqcascade._prices import is_finite
from liqcascade.events import (
    CLAIM_TEXT,
    LONG_HORIZONS,
    NO_WIN_INTERVAL,
    REFERENCE_RANGE,
    SHORT_HORIZONS,
    SupportParams,
    levels_line,
    params_for_asset,
    significant,
    support_levels,
    support_study,
    win_rate_words,
)
from liqcascade.report._format import dec, estimate, pct, pvalue
from liqcascade.report._section import Claim, Prose, ReportContext, Section, Table, assemble

SPAN_YEARS = 3
"""The study's bars: from 1 January of the year ``SPAN_YEARS`` before the as-of date's
year to the as-of date (2022-01-01 → 2025-07-31 at the default date; the span moves with
the date, so a report in another period studies that period's bars)."""


def study_start(as_of: Any) -> pd.Timestamp:
    """First day (UTC) of the support study's bars for a report dated ``as_of``."""
    from liqcascade._time import to_utc

    return pd.Timestamp(year=to_utc(as_of).year - SPAN_YEARS, month=1, day=1, tz="UTC")


@dataclass(frozen=True)
class SupportView:
    """The support study of one asset and the tolerances it ran with."""

    asset: str
    study: Any  # SupportStudy
    daily_range: float  # the asset's median daily high-low range over the bars, fraction
    scale: float  # tolerances = defaults × scale (1 for ETH)
    first: pd.Timestamp
    last: pd.Timestamp
    levels: dict[str, Any]  # events.support_levels of the study's detection


def params_for(asset: str, daily: pd.DataFrame) -> tuple[SupportParams, float, float]:
    """Detection rules for ``asset``: the defaults, their tolerances scaled to its range.

    ETH keeps the defaults (set from its own 2022–2025 range, :data:`REFERENCE_RANGE`).
    Another asset's ``zone_tol``, ``band`` and ``break_tol`` are multiplied by its median
    daily high–low range over ``daily`` divided by ETH's 4.5 %, rounded to 0.1 %, so a
    level means the same share of a typical day's move on each asset.

    Returns
    -------
    params, daily_range, scale
        :func:`liqcascade.events.params_for_asset` (the rule ``support-study`` applies).
    """
    return params_for_asset(asset, daily)


def compute(ctx: ReportContext) -> SupportView:
    """The support study of ``ctx.asset`` on daily bars of :data:`SPAN_YEARS` to the as-of date."""
    from liqcascade.report._cut import closed_by
    from liqcascade.report._data import series

    start = study_start(ctx.as_of)
    daily = closed_by(series("ohlcv", ctx.asset, "1d", start), "1d", ctx.as_of)
    params, rng, k = params_for(ctx.asset, daily)
    study = support_study(
        daily,
        params,
        seed=0,
        n_random=50 if ctx.quick else 200,
        n_boot=300 if ctx.quick else 1000,
    )
    levels = support_levels(study.detection)
    return SupportView(ctx.asset, study, rng, k, daily.index[0], daily.index[-1], levels)


def _years(v: SupportView) -> str:
    return f"{v.first:%Y}–{v.last:%Y}"


def figures(v: SupportView) -> list[go.Figure]:
    """Zones and tests on the price; forward returns; win rates."""
    figs = [v.study.detection.plot(), v.study.plot(), v.study.plot_win_rate()]
    for f in figs:
        f.update_layout(title=f"{plain(v.asset)}: {f.layout.title.text}")
    figs[2].update_yaxes(title_text="win rate (% of tests up)")  # the axis names its unit
    return figs


SENSITIVITY_COLUMNS: dict[str, str] = {
    "pivot": "pivot (± days)",
    "min_away": "days away",
    "zone_tol": "zone tolerance",
    "band": "band",
    "break_tol": "break tolerance",
    "win_rate_1_10": "win 1–10 d",
    "mean_20_plus": "mean 20+ d",
    "sig_neg_20_plus": "20+ d horizons significantly negative",
}
"""The sensitivity grid's headers (the library's keys otherwise); the tolerances' cells
are percentages (``0.5 %``), as the section's prose writes them."""


def tables(v: SupportView) -> list[Table]:
    """Forward returns by horizon; the count's sensitivity to the rule."""
    study = v.study
    h = study.horizons
    det = study.detection
    t = pd.DataFrame(
        {
            "days": h.index,
            "n": h["n"].to_numpy(),
            "mean": [pct(x, 2, signed=True) for x in h["mean"]],
            "win rate": [pct(x) for x in h["win_rate"]],
            # each p beside the statistic it belongs to: the adjusted t and its p; the
            # placebo p is the event mean's rank among the rotations; the verdict needs both
            "t (overlap-adjusted)": [dec(x, 2) for x in h["t_stat_adj"]],
            "p (overlap-adjusted)": [pvalue(p) for p in h["p_value_adj"]],
            "p (placebo)": [pvalue(p) for p in h["p_value_placebo"]],
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
    for c in ("zone_tol", "band", "break_tol"):  # tolerances in percent, as the prose's
        if c in s:
            s[c] = [_pct_short(x) for x in s[c]]
    s["win_rate_1_10"] = [pct(x) for x in s["win_rate_1_10"]]
    s["mean_20_plus"] = [pct(x, 2, signed=True) for x in s["mean_20_plus"]]
    s = s.rename(columns=SENSITIVITY_COLUMNS)
    return [
        Table(f"{v.asset}: forward returns after a support test (daily, {_years(v)})", t),
        Table(
            f"{v.asset}: sensitivity of the count and the results "
            f"(tests after at least {det.params.min_away} days away from the zone)",
            s,
        ),
    ]


def prose(v: SupportView) -> Prose:
    """Takeaways, method and the claim."""
    study = v.study
    det, h, c = study.detection, study.horizons, study.claim
    lo, hi = c["n_tests_range_over_grid"]
    sh, lg = h.loc[list(SHORT_HORIZONS)], h.loc[list(LONG_HORIZONS)]
    sig_short = int(significant(sh["p_value_placebo"], sh["p_value_adj"]).sum())
    sig_neg = c["long_horizons_significantly_negative"]
    take = [
        f"{v.asset} tested support {det.n_tests} times{_distinct_days(v)} in {_years(v)} at "
        f"the section's rule{'' if v.asset == 'ETH' else ' (tolerances scaled to its range)'}, "
        f"but the count is a choice: {lo} to {hi} over {len(study.sensitivity)} reasonable "
        "settings.",
        f"After a test the 1–10 day win rate is {_win_rate_text(c, part=True)}, against "
        f"{pct(c['baseline_win_rate_1_10'])} on every day and "
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
            f"{det.n_tests} tests {v.first:%Y-%m-%d} → {v.last:%Y-%m-%d} at default settings "
            f"({lo}–{hi} over the grid); 1–10 d win "
            f"rate {_win_rate_text(c)} vs {pct(c['baseline_win_rate_1_10'])} every day; "
            f"20+ d mean {pct(study.mean_20_plus, 2, signed=True)}, significantly negative at "
            f"{sig_neg} of {len(LONG_HORIZONS)} horizons."
            + _closest_text(c.get("closest_to_claimed_count") or {})
        ),
        front=(
            f"{det.n_tests} tests {v.first:%Y-%m-%d} → {v.last:%Y-%m-%d} by default ({lo}–{hi} "
            "over the grid); 1–10 d win "
            f"rate {pct(study.win_rate_1_10)} vs {pct(c['baseline_win_rate_1_10'])} every "
            f"day; 20+ d significantly negative at {sig_neg} of {len(LONG_HORIZONS)} "
            "horizons."
        ),
        verdict=c["verdict"],
    )
    method = [
        f"Zones: swing lows over ±{det.params.pivot} days merged within "
        f"{pct(det.params.zone_tol)}; a test is a daily low back within "
        f"{_pct_short(det.params.band)} of a zone after {det.params.min_away} days away; a "
        f"zone is broken by a daily close more than "
        f"{_pct_short(det.params.break_tol)} below it. Returns are log returns from the test "
        "bar's close; tests of several zones on one day share that day's returns.",
        _command(v),
        _tolerance_note(v),
        "Significance is judged with a placebo test: the test days moved over the real "
        "returns (every rotation of the bars' daily returns), two-sided p < 0.05 with the "
        "claimed sign (2.5 % one-sided); on these returns plain Newey–West over-rejects and "
        "the overlap-adjusted t rejects too seldom.",
        f"Random pseudo-levels (Osler 2000): {study.n_random} draws per real zone, tested by "
        "the same rule.",
        "The 1–10 d win rate's 95 % interval resamples clusters of tests (tests less than "
        "10 days apart stay together); the claim's win-rate part holds only when the rate "
        "lies in 55–60 % and the interval lies above the every-day rate.",
    ]
    line = levels_line(v.levels, more_in="summary.json", percent=lambda x: pct(x, 2, signed=True))
    if line is not None:
        take.append(f"{line[0].upper()}{line[1:]}.")
    if v.asset != "ETH":
        take.append(
            f"The claim under test is about ETH; {v.asset}'s figures are the same study on "
            f"its own bars ({v.asset} adds no row to the verdict table)."
        )
    return Prose(take, method, [claim])


def _closest_text(cc: dict[str, Any]) -> str:
    """The study at the grid point whose test count is closest to the claim's 162.

    The claim counts 162 tests; the default settings count fewer. Its verdict at the
    settings that reproduce its count is printed beside the default's, whichever way
    it goes (``""`` when the grid was not run).
    """
    if not cc or "n_tests" not in cc:
        return ""
    p = cc["params"]
    return (
        f" At the grid point closest to the claimed count ({cc['n_tests']} tests: pivot "
        f"{p['pivot']}, zone {_pct_short(p['zone_tol'])}, band {_pct_short(p['band'])}, "
        f"{p['min_away']} d away) the 1–10 d win rate is {_win_rate_text(cc, part=True)}: "
        f"{cc['verdict_at_these_params']} there."
    )


def _win_rate_text(c: dict[str, Any], part: bool = False) -> str:
    """``53.7 % (95 % 44.0 %–62.6 %)``: the 1–10 day win rate and its interval.

    With ``part``, what the interval says about the claim's 1–10 day part follows it
    inside the brackets, in the notes' words (:func:`liqcascade.events.win_rate_words`:
    ``…; cannot tell, the interval holds the every-day rate``). Without an interval (too
    few clusters of tests): ``53.7 % (no interval: too few clusters of tests)``.
    """
    wr = c.get("computed_win_rate_1_10", c.get("win_rate_1_10"))
    if "win_rate_1_10_interval" not in c:  # a study run without one
        return pct(wr)
    # NaN, or null in a summary read back: no interval
    lo, hi = (x if is_finite(x) else None for x in c["win_rate_1_10_interval"] or (None, None))
    if lo is None or hi is None:
        return f"{pct(wr)} ({NO_WIN_INTERVAL})"
    text = estimate(wr, lo, hi, pct, "95 %")
    base = c.get("baseline_win_rate_1_10")
    if not part or c.get("win_rate_1_10_part") is None or base is None:
        return text
    words = win_rate_words(c["win_rate_1_10_part"], base, lo, hi)
    return f"{text[:-1]}; {words})"


def _distinct_days(v: SupportView) -> str:
    """`` on 63 distinct days`` when tests share bars (several zones tested the same day)."""
    det = v.study.detection
    days = len(det.event_bars)
    return f" on {days} distinct days" if days != det.n_tests else ""


def _command(v: SupportView) -> str:
    """The ``support-study`` command that reproduces the section (same bars and rules)."""
    p = v.study.detection.params
    return (
        f"Reproduce with: liqcascade support-study --asset {v.asset} --start "
        f"{v.first:%Y-%m-%d} --end {v.last:%Y-%m-%d} (it applies the same per-asset "
        f"tolerances: zone {p.zone_tol:g}, band {p.band:g}, break {p.break_tol:g})."
    )


def _pct_short(x: float) -> str:
    """A tolerance in percent: no decimal when it is a whole percent (1 %), else one."""
    return pct(x, 0 if round(x * 100, 6).is_integer() else 1)


def _tolerance_note(v: SupportView) -> str:
    if v.asset == "ETH":
        return (
            f"Tolerances are the library's defaults, set from ETH's median daily high–low "
            f"range over 2022-01-01 → 2025-12-31 ({pct(REFERENCE_RANGE, 1)}); over these bars "
            f"it is {pct(v.daily_range, 2)}. The scan uses no later bar, but these ranges "
            "are taken over whole windows, bars after each test included."
        )
    return (
        f"Tolerances for {v.asset}: the defaults (set from ETH's {pct(REFERENCE_RANGE, 1)} "
        f"median daily high–low range) × {v.scale:.2f}, {v.asset}'s own median range over "
        f"these bars ({pct(v.daily_range, 2)}, bars after each test included) over ETH's, "
        "rounded to 0.1 %; the sensitivity grid is the same for every asset."
    )


def summary(v: SupportView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    study = v.study
    det, h, c = study.detection, study.horizons, study.claim
    return {
        "asset": v.asset,
        "first_bar": v.first.isoformat(),
        "last_bar": v.last.isoformat(),
        "median_daily_range": v.daily_range,
        "tolerance_scale": v.scale,
        "n_tests": det.n_tests,
        "n_zones": det.n_zones,
        "n_held": int(det.tests["held"].sum()),
        "n_broken": int((~det.tests["held"]).sum()),
        "params": det.params.to_dict(),
        "win_rate_1_10": study.win_rate_1_10,
        "win_rate_1_10_interval": c.get("win_rate_1_10_interval"),
        "win_rate_1_10_part": c.get("win_rate_1_10_part"),
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
                    "p_value_placebo",
                    "placebo_low",
                    "placebo_high",
                    "baseline_mean",
                    "random_level_win_rate",
                )
            }
            for k, r in h.iterrows()
        },
        "n_random": study.n_random,
        "seed": study.seed,
        "support_levels": v.levels,
    }


def section(ctx: ReportContext) -> Section:
    """Support zones and tests, the event study and the claim's verdict."""
    v = compute(ctx)
    return assemble("support", prose(v), figures(v), tables(v), summary(v))
