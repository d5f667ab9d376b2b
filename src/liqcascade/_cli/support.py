"""CLI command: ``liqcascade support-study`` (support-level event study)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade._cli._data_cut import (
    AsOfOption,
    StoreOption,
    beyond_the_cut,
    cut_at_as_of,
    one_source,
)
from liqcascade._cli._fraction_options import FRACTION
from liqcascade._prices import percent_text
from liqcascade._pvalue import pvalue_text


def _render(r: dict[str, Any]) -> None:
    from rich.table import Table

    c = r["seed_claim"]
    _common.stdout.print(
        f"[bold]{_count(r['n_tests'], 'support test')}[/] "
        f"({_count(r['n_event_bars'], 'distinct bar')}) on {_count(r['n_zones'], 'zone')}, "
        f"{_common.esc(r['interval'])} bars {r['start'][:10]} → {r['end'][:10]}"
    )
    if r.get("tolerances"):
        _common.stdout.print(_tolerance_line(r["tolerances"]), soft_wrap=True, markup=False)
    if r.get("data_cut"):
        _common.stdout.print(f"data: {r['data_cut']['note']}", soft_wrap=True, markup=False)
    if r["n_tests"] == 0:  # no table of nan: say it plainly
        _common.stdout.print(
            "[bold]no support tests found at these settings[/]: no forward returns to "
            "tabulate (loosen --pivot, --band or --zone-tol, or give a longer range)"
        )
        _sensitivity_table(r)
        _common.stdout.print(f"[bold]claim verdict: {c['verdict']}[/]\n{c['notes']}")
        _levels(r)
        return
    if not r.get("n_random"):
        _common.stdout.print("random-level baseline: none (--draws 0)")
    t = Table(title="forward log returns after a test (%: log return × 100; win rate in %)")
    for col in (
        "days",
        "n",
        "mean",
        "win",
        "t NW",
        "t adj",
        "p adj",
        "p placebo",
        "all-days mean",
        "all-days win",
        "random-lvl win",
    ):
        t.add_column(col, justify="right")
    for h, v in r["horizons"].items():

        def f(x: Any, digits: int = 2, *, signed: bool = True, fmt: str | None = None) -> str:
            if x is None or x != x:  # x != x: NaN
                return "–"
            return _percent_or(x, fmt, digits=digits, signed=signed)

        t.add_row(
            h,
            str(v["n"]),
            f(v["mean"]),
            f(v["win_rate"], 1, signed=False),
            f(v["t_stat"], fmt="+.2f"),
            f(v.get("t_stat_adj"), fmt="+.2f"),
            pvalue_text(v["p_value_adj"]).replace("n/a", "–"),  # the report's p-value rule
            pvalue_text(v.get("p_value_placebo")).replace("n/a", "–"),
            f(v["baseline_mean"]),
            f(v["baseline_win_rate"], 1, signed=False),
            f(v["random_level_win_rate"], 1, signed=False),
        )
    _common.stdout.print(t)
    _common.stdout.print(T_LEGEND, soft_wrap=True, markup=False)
    _sensitivity_table(r)
    _common.stdout.print(f"[bold]claim verdict: {c['verdict']}[/]\n{c['notes']}")
    _levels(r)


def _levels(r: dict[str, Any]) -> None:
    """Print :func:`levels_text`'s line, when there is one."""
    levels = levels_text(r)
    if levels:
        _common.stdout.print(levels, soft_wrap=True, markup=False)


#: Which test is which: the notes quote the placebo p ("20 d +0.94 % (p 0.63)"); the
#: verdict needs it and the adjusted p both below 0.05.
T_LEGEND = (
    "t NW: plain Newey–West t (over-rejects at long horizons); t adj and p adj: the "
    "overlap-adjusted test (rejects too seldom on real returns); p placebo: the test days "
    "moved over the real returns, two-sided, the p the notes quote (rejects too often after "
    "large moves); significant = both p adj and p placebo < 0.05"
)


def levels_text(r: dict[str, Any]) -> str | None:
    """The support levels at the data's end, and what a test of one has been worth.

    :func:`liqcascade.events.levels_line` of ``support_levels``, then the study's
    1–10 day win rate against every day's; None without ``support_levels`` (a dict from
    before it) or a close.
    """
    from liqcascade.events import levels_line

    text = levels_line(r.get("support_levels") or {}, more_in="--json")
    if text is None:
        return None
    c = r.get("seed_claim") or {}
    wr, base = c.get("computed_win_rate_1_10"), c.get("baseline_win_rate_1_10")
    if r.get("n_tests") and wr is not None and base is not None and wr == wr and base == base:
        iv = c.get("win_rate_1_10_interval")
        band = f" (95 % {percent_text(iv[0])}–{percent_text(iv[1])})" if iv else ""
        text += (
            f". What a test of such a level has been worth here: the table above; 1–10 day "
            f"win rate {percent_text(wr)}{band} against {percent_text(base)} on every day "
            f"({c.get('win_rate_1_10_part', 'cannot tell')})"
        )
    return text


def _levels_json(detection: Any) -> dict[str, Any]:
    """:func:`liqcascade.events.support_levels` (imported here: ``--help`` loads no model)."""
    from liqcascade.events import support_levels

    return support_levels(detection)


def _count(n: int, noun: str) -> str:
    """``"1 zone"``, ``"5 zones"``: a count with its noun in the right number."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _sensitivity_table(r: dict[str, Any]) -> None:
    from rich.table import Table

    if r["sensitivity"]:
        s = Table(title="sensitivity (win rate and mean log return in %)")
        keys = list(r["sensitivity"][0])
        for k in keys:
            s.add_column(k, justify="right")
        for row in r["sensitivity"]:
            s.add_row(*[_sens_cell(k, row[k]) for k in keys])
        _common.stdout.print(s)


#: Sensitivity columns that are fractions (printed in % like the horizon table).
_PERCENT_COLUMNS = ("win_rate", "mean")


def _percent_or(x: float, fmt: str | None = None, *, digits: int = 2, signed: bool = False) -> str:
    """``x`` in percent as the package writes one, or by ``fmt`` (a number's format spec).

    ``+0.27 %``, ``53.1 %`` (:func:`liqcascade._prices.percent_text` with ``digits``
    and ``signed``), not ``+0.27%``; with ``fmt`` (``"+.2f"``: a t statistic) not a
    percent.
    """
    if fmt is not None:
        return format(x, fmt)
    return percent_text(x, digits, signed=signed)


def _sens_cell(key: str, value: Any) -> str:
    """One sensitivity cell: rates and mean returns in %, the rest as given."""
    if value is None or value != value:  # value != value: NaN (no tests at that point)
        return "–"
    if key.startswith(_PERCENT_COLUMNS) and isinstance(value, float):
        mean = key.startswith("mean")  # a signed log return; a win rate is not
        return _percent_or(value, digits=2 if mean else 1, signed=mean)
    return _common._fmt(value)


_Data = Annotated[Path | None, typer.Option("--data", help="OHLCV file (CSV/Parquet) instead.")]
_Interval = Annotated[str, typer.Option(help="Bar interval: 1d, 4h (from hourly) or 1h.")]
_End = Annotated[str | None, typer.Option(help="Last day (UTC), inclusive (default: --as-of's).")]
_ZoneTol = Annotated[
    float | None,
    typer.Option(
        help="Merge tolerance of swing lows into a zone (fraction or percent); default 0.015 "
        "for ETH, scaled for another asset (see below)."
    ),
    FRACTION,
]
_SCALED = (
    " Default 0.01 for ETH; another asset's zone_tol, band and break_tol default to ETH's "
    "× its median daily high-low range over ETH's 4.5 % (rounded to 0.1 %), as in the report."
)

_Band = Annotated[
    float | None,
    typer.Option(help="Touch band above the zone (fraction or percent)." + _SCALED),
    FRACTION,
]
_BreakTol = Annotated[
    float | None,
    typer.Option(help="Close this far below the zone = broken (fraction or percent)." + _SCALED),
    FRACTION,
]


def _params(asset: str, bars: Any, given: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The detection rules: the given options over the asset's scaled defaults.

    Returns the :class:`~liqcascade.events.SupportParams` and what the tolerances are
    (``scale``, ``median_daily_range``, which were ``given``) for the output.
    """
    from dataclasses import replace

    from liqcascade.events import SupportParams, params_for_asset

    tol = {k: given.pop(k) for k in ("zone_tol", "band", "break_tol")}
    scaled, rng, k = params_for_asset(asset, bars, SupportParams(**given))
    params = replace(scaled, **{n: x for n, x in tol.items() if x is not None})
    note = {
        "asset": asset.upper(),
        "scale": k,
        "median_daily_range": rng,
        "given": sorted(n for n, x in tol.items() if x is not None),
        **{n: getattr(params, n) for n in tol},
    }
    return params, note


def _tolerance_line(t: dict[str, Any]) -> str:
    asset = t["asset"]
    rule = (
        "ETH's defaults"
        if t["scale"] == 1.0
        else f"ETH's defaults × {t['scale']:.2f}, {asset}'s median daily range "
        f"{percent_text(t['median_daily_range'])} over ETH's 4.5 %"
    )
    given = f"; given: {', '.join(t['given'])}" if t["given"] else ""
    return (
        f"tolerances: zone_tol {t['zone_tol']:g}, band {t['band']:g}, break_tol "
        f"{t['break_tol']:g} ({rule}{given})"
    )


def _dates(start: str, end: str | None) -> tuple[Any, Any]:
    """``--start`` and ``--end`` parsed; a start after the end refused (as every command)."""
    t0, t1 = _common.parse_date(start, "--start"), _common.parse_end(end, "--end")
    if t0 is not None and t1 is not None and t0 > t1:
        _common.fail(f"--start ({t0:%Y-%m-%d}) is after --end ({t1:%Y-%m-%d})")
    return t0, t1


def register(app: typer.Typer) -> None:
    """Register ``support-study`` on the root app."""

    @app.command("support-study")
    def support_study_cmd(
        asset: Annotated[
            str, typer.Option(help="Asset: ETH, BTC or one whose bars are in the store.")
        ] = "ETH",
        data: _Data = None,
        store: StoreOption = None,
        interval: _Interval = "1d",
        start: Annotated[str, typer.Option(help="First day (UTC).")] = "2022-01-01",
        end: _End = None,
        as_of: AsOfOption = None,
        pivot: Annotated[int, typer.Option(help="Swing-low half-window, bars.")] = 5,
        zone_tol: _ZoneTol = None,
        band: _Band = None,
        break_tol: _BreakTol = None,
        min_away: Annotated[
            int, typer.Option(help="Bars above zone·(1+band) before a touch counts.")
        ] = 3,
        max_age: Annotated[
            int, typer.Option(help="Bars without a fresh swing low before a zone expires.")
        ] = 90,
        volume_weighted: Annotated[
            bool, typer.Option(help="Volume-weighted zone price of merged swing lows.")
        ] = False,
        draws: Annotated[int, typer.Option(help="Random pseudo-level draws.")] = 200,
        boot: Annotated[int, typer.Option(help="Block-bootstrap resamples.")] = 1000,
        no_sensitivity: Annotated[
            bool, typer.Option("--no-sensitivity", help="Skip the sensitivity grid.")
        ] = False,
        seed: Annotated[int, typer.Option(help="Seed of bootstrap and random levels.")] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    ) -> None:
        """Support-level event study: tests of swing-low zones and the returns after them.

        Returns are printed in percent (log returns × 100, win rates in %) in both tables.

        Example: liqcascade support-study --asset ETH --start 2022-01-01 --as-of 2025-07-31 --json
        """
        import pandas as pd

        from liqcascade.events import bars_per_day, load_bars, study_steps, support_study

        _common.flag_names(
            n_random="--draws", n_boot="--boot", ohlcv="--start/--end", data_file="--data"
        )
        one_source(data, store)
        raw, source = load_bars(asset, interval, *_dates(start, end), data, store=store)
        step = pd.Timedelta(days=1) / bars_per_day(interval)
        bars, cut = cut_at_as_of(raw, step, asset=asset, as_of=as_of, data_file=data, store=store,
                                 what=f"the {asset.upper()} {interval} bars")  # fmt: skip
        params, tol = _params(asset, bars, dict(
            pivot=pivot, zone_tol=zone_tol, band=band, break_tol=break_tol, min_away=min_away,
            max_age=max_age, volume_weighted=volume_weighted))  # fmt: skip
        grid: dict[str, Any] | None = {} if no_sensitivity else None
        steps = ("random levels + sensitivity", study_steps(draws, grid))
        with beyond_the_cut(raw, bars, cut), _common.progress(*steps) as adv:
            study = support_study(bars, params, interval=interval, seed=seed, n_random=draws,
                                  n_boot=boot, grid=grid, on_step=adv,
                                  asset=asset)  # fmt: skip
        _common.emit({**study.to_dict(), "source": source, "data_cut": cut.to_dict(),
                      "tolerances": tol, "support_levels": _levels_json(study.detection)},
                     as_json, _render)  # fmt: skip
