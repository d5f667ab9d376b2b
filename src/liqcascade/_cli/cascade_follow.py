"""CLI: ``liqcascade cascade follow-through`` — the calibrated model on every date vs history.

One library call, :func:`liqcascade.cascade.calibrated_follow_through`; this module
parses the options, shows a progress bar over the dates and prints the comparison. It
computes every date (it never reads the stored record): with the default shock and
paths it reproduces the rows stored with the liquidity calibration, which the report
reads (:func:`liqcascade.cascade.stored_follow_through`).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade._prices import fmt_or_na

_AssetOpt = Annotated[
    str, typer.Option("--asset", help="Asset (bundled ETH, BTC; any asset in the store).")
]
_StartOpt = Annotated[
    str | None,
    typer.Option("--start", help="First date (UTC day; default the first with a market)."),
]
_EndOpt = Annotated[
    str | None,
    typer.Option("--end", help="Last date (UTC day, inclusive; default the last with a market)."),
]
_ShockOpt = Annotated[
    str,
    typer.Option(
        "--shock",
        help="The first fall: a negative fraction (-0.05) or percent (-5%), shallower than "
        "-27 % (the deep level whose chance is compared).",
    ),
]
_PathsOpt = Annotated[int, typer.Option("--paths", help="Monte Carlo paths per date.")]
_JsonOpt = Annotated[
    bool, typer.Option("--json", help="One JSON object on stdout (with one record per date).")
]


def follow_through_cmd(
    asset: _AssetOpt = "ETH",
    start: _StartOpt = None,
    end: _EndOpt = None,
    shock: _ShockOpt = "-5%",
    paths: _PathsOpt = 400,
    as_json: _JsonOpt = False,
) -> None:
    """After a shock, the calibrated model on every date of the period beside history.

    On each day (20:00 UTC) the estimated market of that date takes the shock and the
    calibrated cascade (calibrated on events before the date) runs its 24-h paths:
    the median and 10–90 % of the lowest price, and the chance of reaching −27 %.
    History: every real 4-hour fall at least as deep in the hourly prices, its median
    lowest price within a day and its share reaching −27 %. Checks (issue 18): the
    medians within 2 points; the chances within 2×. Every date is computed here: with
    the default --shock and --paths this reproduces the rows stored with the liquidity
    calibration (`cascade calibrate`), which the report reads instead of running them.

    Example: liqcascade cascade follow-through --asset BTC --start 2025-03-01 --json
    """
    from liqcascade.cascade import RECORD_SETTINGS, calibrated_follow_through

    _common.flag_names(n_paths="--paths")
    t0, t1 = _common.parse_date(start, "--start"), _common.parse_date(end, "--end")
    if t0 is not None and t1 is not None and t1.normalize() < t0.normalize():
        _common.fail(f"--end {end} is before --start {start}")
    f = _common.parse_shock(shock, "--shock", nonzero=True)
    assert f is not None
    beyond = float(RECORD_SETTINGS["beyond"])  # the deep level whose chance is compared
    if f < 0 and f <= beyond:
        _common.fail(
            f"--shock must be a shallower fall than {_pct(beyond, 0)}, the level whose chance "
            f"is compared (got {_pct(f)})"
        )
    if paths < 10:
        _common.fail(f"--paths must be >= 10 (got {paths})")
    with _common.progress(f"{asset.upper()} follow-through: dates") as advance:

        def step(done: int, total: int) -> None:
            if done == 1:
                advance.set_total(total)
            advance(1)

        res = calibrated_follow_through(
            asset, start, end, shock=f, beyond=beyond, n_paths=paths, progress=step
        )
    out = res.to_dict()
    cut = window_cut(out, t0, t1)
    _common.emit({**out, "window_cut": cut} if cut else out, as_json, _render)


def window_cut(r: dict[str, Any], t0: Any, t1: Any) -> str | None:
    """What the period lost to the data, or None: the days asked past its first or last date.

    ``r``: the result's ``start`` and ``end`` (the first and last dates computed, ISO);
    ``t0``, ``t1``: ``--start`` and ``--end`` as parsed (None when not given).
    """
    import pandas as pd

    first, last = (pd.Timestamp(r[k]).normalize() if r.get(k) else None for k in ("start", "end"))
    parts = []
    if t0 is not None and first is not None and t0.normalize() < first:
        parts.append(
            f"--start {t0:%Y-%m-%d} asked, the first date with a market is {first:%Y-%m-%d}"
        )
    if t1 is not None and last is not None and t1.normalize() > last:
        parts.append(f"--end {t1:%Y-%m-%d} asked, the last date with a market is {last:%Y-%m-%d}")
    return "window cut to the data: " + "; ".join(parts) if parts else None


def _pct(x: Any, nd: int = 1, *, signed: bool = True) -> str:
    """A fraction as a percent (``−10.0 %``); ``n/a`` when missing (:func:`fmt_or_na`)."""
    return fmt_or_na(x, lambda v: f"{v * 100:{'+' if signed else ''}.{nd}f} %".replace("-", "−"))


def _yes(b: bool) -> str:
    return "[green]yes[/]" if b else "[red]no[/]"


def _render(r: dict[str, Any]) -> None:
    out = _common.stdout
    lo, hi = r["model_total_median_p10_p90_across_dates"]
    hs, he = (r["history_start"] or "")[:10], (r["history_end"] or "")[:10]
    out.print(
        f"[bold]{_common.esc(r['asset'])}[/] after a {_pct(r['shock'], 0)} shock: the "
        f"calibrated model on "
        f"{r['n_dates']} date{'' if r['n_dates'] == 1 else 's'} ({(r['start'] or '')[:10]} → "
        f"{(r['end'] or '')[:10]}, 20:00 "
        f"UTC; {r['n_paths']} paths each, the calibration fitted before each date) beside "
        f"history ({r['history_n_episodes']} real 4-hour falls of "
        f"{_pct(-r['shock'], 0, signed=False)} or more, hourly prices {hs} → {he})",
        soft_wrap=True,
    )
    if r.get("window_cut"):
        out.print(f"  {r['window_cut']}", soft_wrap=True, markup=False)
    m, h = r["model_total_median"], r["history_total_median"]
    pm, ph = r["model_share_beyond"], r["history_share_beyond"]
    ratio = f"{pm / ph:.2f}×" if ph else "history has none"
    out.print(
        f"  median total fall within 24 h: model {_pct(m)} (dates' 10–90 %: {_pct(lo)} … "
        f"{_pct(hi)}), history {_pct(h)} · within 2 points: {_yes(r['median_within_2pp'])} "
        f"({abs(m - h) * 100:.2f} points apart)",
        soft_wrap=True,
    )
    out.print(
        f"  chance of reaching {_pct(r['beyond'], 0)}: model {_pct(pm, 2, signed=False)} "
        f"(mean over the dates), history {_pct(ph, 2, signed=False)} · within 2×: "
        f"{_yes(r['beyond_within_2x'])} ({ratio})",
        soft_wrap=True,
    )
    lo, hi = r["history_share_beyond_ci95"]
    if r["history_n_episodes"]:
        out.print(
            f"  history's chance is a count of few falls: 95 % interval "
            f"{_pct(lo, 2, signed=False)} … {_pct(hi, 2, signed=False)} (exact binomial), "
            f"which {'holds' if r['model_inside_history_ci95'] else 'does not hold'} the model's",
            soft_wrap=True,
        )
    n_in, med_in = r["history_in_period_n"], r["history_in_period_total_median"]
    out.print(
        f"  history inside the period: {n_in} fall{'s' if n_in != 1 else ''}"
        + (f", median total fall {_pct(med_in)}" if med_in is not None else ""),
        soft_wrap=True,
    )
    out.print("  " + stored_note(r), soft_wrap=True)


def stored_note(r: dict[str, Any]) -> str:
    """How this run relates to the rows the report reads (the calibration's stored record)."""
    from liqcascade.cascade import RECORD_SETTINGS as S

    same = math.isclose(r["shock"], S["shock"], abs_tol=1e-12) and r["n_paths"] == S["n_paths"]
    if same:
        return (
            "computed on every date here: this reproduces the rows stored with the liquidity "
            "calibration, which the report reads (`liqcascade cascade calibrate`; the "
            "package's: tools/calibrate_liquidity.py --follow-through-only)"
        )
    return (
        "computed on every date here; the rows the report reads (stored with the liquidity "
        f"calibration) are for a {_pct(S['shock'], 0)} shock and {S['n_paths']} paths"
    )
