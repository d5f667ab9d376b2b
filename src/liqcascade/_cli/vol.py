"""CLI command ``liqcascade vol``: GARCH-family fit, diagnostics and the leverage effect."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from liqcascade._cli import _common
from liqcascade._cli._data_cut import (
    AsOfOption,
    StoreOption,
    beyond_the_cut,
    cut_at_as_of,
    one_source,
)
from liqcascade._prices import fmt_or_na, is_finite
from liqcascade._pvalue import p_said, pvalue_text

if TYPE_CHECKING:
    import pandas as pd


def _render(r: dict[str, Any]) -> None:
    out, esc = _common.stdout, _common.esc
    out.print(
        f"[bold]{esc(r['asset'])} {esc(r['interval'])}[/] {r['model']} ({r['dist']} errors), "
        f"{r['n_obs']:,} return{'' if r['n_obs'] == 1 else 's'} {r['start'][:10]} → "
        f"{r['end'][:10]}" + ("" if r["converged"] else "  [red]NOT CONVERGED[/]")
    )
    if r.get("data_cut"):
        out.print(f"data: {r['data_cut']['note']}", soft_wrap=True, markup=False)
    # at the stationarity bound the Wald p-values of α, β, γ are not standard: said so
    from liqcascade.volatility import bound_note

    at_bound = bool(r.get("persistence_at_bound"))
    t = Table(title="parameters (returns in %)", box=None)
    for c in ("param", "estimate", "std_err", "p-value", *([""] if at_bound else [])):
        t.add_column(c, justify="right" if c not in ("param", "") else "left")
    for k, v in r["params"].items():
        note = [bound_note(k, at_bound)] if at_bound else []
        t.add_row(k, f"{v:.5g}", f"{r['std_err'][k]:.3g}", pvalue_text(r["pvalues"][k]), *note)
    out.print(t)

    f = fmt_or_na
    _render_persistence(r)
    out.print(
        f"leverage effect ({r['leverage_model']} gamma[1] = {f(r['leverage_gamma'], '.4f')}, "
        f"{p_said(r['leverage_pvalue'])}{_after(bound_note('gamma[1]', at_bound))}): "
        f"[bold]{r['leverage_verdict']}[/]"
    )
    if r.get("asymmetry_ratio") is not None:
        lo, hi = r["asymmetry_ci"]
        ci = "" if lo is None else f" (95 % {lo:.2f} to {hi:.2f})"
        out.print(
            f"a fall raises next-bar variance {r['asymmetry_ratio']:.2f}×{ci} as much as an "
            "equal rise (GJR (α + γ)/α)"
        )
    out.print(
        f"ARCH-LM p-value: returns {pvalue_text(r['arch_lm_pvalue_raw'])}, "
        f"standardised residuals {pvalue_text(r['arch_lm_pvalue_std'])} · "
        f"AIC {r['aic']:.1f} · BIC {r['bic']:.1f}"
    )
    if r.get("next_bar") is not None:
        _common.stdout.print(_next_bar_text(r["next_bar"]), soft_wrap=True, markup=False)
    if r.get("oos") is not None:
        _render_oos(r["oos"])
    if r["periods"]:
        _render_periods(r["periods"])


def _render_persistence(r: dict[str, Any]) -> None:
    """The persistence line: half-life and long-run volatility, or why they are not identified."""
    out, f, se = _common.stdout, fmt_or_na, r["persistence_se"]
    persistence = f"persistence {r['persistence']:.4f}" + ("" if se is None else f" ± {se:.4f}")
    if r.get("persistence_at_bound"):
        persistence = "persistence at the stationarity bound (integrated)"
    if r["near_integrated"]:
        out.print(
            f"{persistence} · half-life and long-run vol not identified "
            f"(sample: {r['sample_annualized_vol']:.1f} % a year)"
        )
        out.print(f"[yellow]{_unidentified(r)}[/]")
    else:
        out.print(
            f"{persistence} · half-life {f(r['half_life_days'], '.1f')} days · "
            f"long-run vol {f(r['annualized_vol'], '.1f')} % a year "
            f"(sample: {r['sample_annualized_vol']:.1f} %)"
        )


#: Parameter draws behind the next bar's p05–p95 (as ``stops recommend``'s distance).
NEXT_BAR_DRAWS = 100

_BAR_WORD = {"1d": "day", "4h": "4 hours", "1h": "hour", "30m": "30 minutes"}


def next_bar(fit: Any) -> dict[str, Any] | None:
    """The fit's volatility forecast for the bar after its last close (None if unreliable).

    ``vol_pct``: the one-step forecast's standard deviation of the bar's log return, in
    percent (``100 ×``; ``arch``'s analytic forecast, EGARCH's too at one step);
    ``vol_annual_pct`` the same annualised; ``vol_range_pct`` its p05–p95 over
    :data:`NEXT_BAR_DRAWS` draws of the parameters from their robust covariance
    (GARCH and GJR only, else None; parameter uncertainty only: the bar's return itself
    is wider, Student-t); ``after`` the label of the last bar fitted (ISO, UTC; the bar's own
    label, its open for the bundled bars), the forecast's bar the one after it.
    """
    import numpy as np

    from liqcascade.volatility import forecast_variance_draws

    if not (fit.converged and fit.reliable):
        return None
    row = fit.forecast(1).iloc[0]
    band = None
    if fit.model in ("garch", "gjr"):
        draws = forecast_variance_draws(fit, 1, n_draws=NEXT_BAR_DRAWS, seed=0)
        if len(draws):
            lo, hi = np.percentile(np.sqrt(draws[:, 0]), [5.0, 95.0])
            band = [float(lo), float(hi)]
    return {
        "interval": fit.interval,
        "after": fit.returns.index[-1].isoformat(),
        "vol_pct": float(row["vol_pct"]),
        "vol_annual_pct": float(row["vol_annual_pct"]),
        "vol_range_pct": band,
        "n_draws": 0 if band is None else NEXT_BAR_DRAWS,
    }


def _next_bar_text(nb: dict[str, Any]) -> str:
    """``next day: volatility 2.86 % (…)``: the one-step forecast, said as what it is."""
    bar = _BAR_WORD.get(nb["interval"], f"{nb['interval']} bar")
    band = nb["vol_range_pct"]
    last = nb["after"][:10] if nb["interval"] == "1d" else nb["after"][:16].replace("T", " ")
    rng = "" if band is None else f", p05–p95 {band[0]:.2f} %–{band[1]:.2f} % over its "
    rng += "" if band is None else f"{nb['n_draws']} parameter draws"
    return (
        f"next {bar}: volatility {nb['vol_pct']:.2f} % (the fit's forecast of the standard "
        f"deviation of the log return over the {bar} after the last bar fitted, {last}, "
        f"{nb['vol_annual_pct']:.1f} % a year{rng}; a model figure: most {bar}s move less "
        "than that, and its Student-t tails make large moves likelier than a normal law "
        "says)"
    )


def _after(note: str) -> str:
    """``", note"`` after a figure, ``""`` without one."""
    return f", {note}" if note else ""


def _render_periods(periods: list[dict[str, Any]]) -> None:
    """The leverage effect by period, then the days of its part-periods.

    A period whose fit sits on the stationarity bound has its γ p-value marked "at the
    bound: not standard" (:func:`liqcascade.volatility.bound_note`), in a last column
    shown only when some period needs it, as the parameters table does.
    """
    from liqcascade.volatility import bound_note

    f = fmt_or_na
    notes = [bound_note("gamma[1]", bool(p.get("persistence_at_bound"))) for p in periods]
    pt = Table(title="leverage effect by period", box=None)
    for c in ("period", "n", "gamma", "95 % interval", "p-value", "verdict"):
        pt.add_column(c)
    if any(notes):
        pt.add_column("")
    for p, note in zip(periods, notes, strict=True):
        pt.add_row(
            p["label"] + (" (part)" if p.get("partial") else ""),
            str(p["n_obs"]),
            f(p["gamma"], ".4f"),
            _interval(p["ci_low"], p["ci_high"]),
            pvalue_text(p["pvalue"]),
            p["verdict"],
            *([note] if any(notes) else []),
        )
    _common.stdout.print(pt)
    _render_parts(periods)


_OOS_NAMES = {"garch": "GARCH", "gjr": "GJR", "egarch": "EGARCH", "ewma": "EWMA 0.94",
              "trailing_30d": "trailing 30d"}  # fmt: skip
_PROXY_SHORT = {"squared return": "r²", "realised variance (hourly bars)": "RV"}


def _render_oos(o: dict[str, Any]) -> None:
    """The out-of-sample table: QLIKE per forecast and proxy, DM p against the best baseline."""
    out = _common.stdout
    if not o.get("available"):
        out.print(f"out of sample: none ({o['reason']})", markup=False)
        return
    scores = o["scores"]
    t = Table(
        title=f"out of sample: 1-day-ahead variance {o['start']} → {o['end']}, models refitted "
        f"quarterly on the returns before ({o['dist']} errors); mean QLIKE, lower is better",
        box=None,
    )
    t.add_column("forecast")
    for sc in scores:
        t.add_column(f"QLIKE {_PROXY_SHORT.get(sc['proxy'], sc['proxy'])}", justify="right")
        t.add_column("DM p", justify="right")
    for name in scores[0]["qlike"]:
        cells = [_OOS_NAMES.get(name, name)]
        for sc in scores:
            cells.append(f"{sc['qlike'][name]:.4f}")
            if name in sc["verdict"]:
                cells.append(f"{pvalue_text(sc['dm_pvalue'][name])} {sc['verdict'][name]}")
            else:
                cells.append("best baseline" if name == sc["best_baseline"] else "")
        t.add_row(*cells)
    out.print(t)
    said = "; ".join(
        f"{_PROXY_SHORT.get(sc['proxy'], sc['proxy'])}: {sc['proxy']}, {sc['n']} days"
        for sc in scores
    )
    best = {_OOS_NAMES[sc["best_baseline"]] for sc in scores}
    out.print(
        f"{said}. DM p: Diebold–Mariano (Newey–West lag {o['dm_lag']}) against the better "
        f"baseline ({' / '.join(sorted(best))}): beats or loses at p < 0.05, else ties",
        markup=False,
    )


def _unidentified(r: dict[str, Any]) -> str:
    """Why the long-run level and the half-life are not identified (bound or interval)."""
    if r.get("persistence_at_bound"):
        return (
            "the fit sits on arch's stationarity bound (the constraint, not an estimate: "
            "no interval): the data do not pin down the long-run level or the half-life"
        )
    se = r["persistence_se"]
    ci = "" if se is None else f" ({r['persistence'] - 1.96 * se:.3f} to "
    ci += "" if se is None else f"{r['persistence'] + 1.96 * se:.3f})"
    return (
        f"the persistence's 95 % interval{ci} reaches 1: the data "
        "do not pin down the long-run level or the half-life"
    )


def _render_parts(periods: list[dict[str, Any]]) -> None:
    """The days each part-period's returns cover (clipped by the data or the range)."""
    parts = list(dict.fromkeys(
        f"{p['label']} holds {p['start']} → {p['end']}" for p in periods if p.get("partial")
    ))  # fmt: skip
    if parts:
        _common.stdout.print(
            f"part: {'; '.join(parts)} (the data or the range asked cover only these days)",
            markup=False,
        )


def _interval(lo: Any, hi: Any) -> Text:
    """``[-0.063, 0.015]`` as plain text (rich would read the brackets as markup), or n/a."""
    if not (is_finite(lo) and is_finite(hi)):
        return Text("n/a")
    return Text(f"[{lo:.3f}, {hi:.3f}]")


_Interval = Annotated[
    str,
    typer.Option(
        help="Bar interval: 1d, 4h, 1h or 30m (bundled: 1d and 1h; 4h and 30m "
        "from --data or the store)."
    ),
]
_ByPeriod = Annotated[
    bool,
    typer.Option(
        "--by-period", help="Leverage effect per period (2017–2021, 2022–2025, each year)."
    ),
]


def _load_close(ctx: typer.Context, asset: str, interval: str, **kwargs: Any) -> pd.Series:
    """:func:`liqcascade.volatility.load_close`, a file of other bars refused with a hint.

    The refusal says which ``--interval`` to give, and that 1d is the default when none
    was given (leaving ``--interval`` out does not take the file's).
    """
    from liqcascade import volatility as vol
    from liqcascade.data import IntervalMismatch

    try:
        return vol.load_close(asset, interval, **kwargs)
    except IntervalMismatch as exc:
        source = ctx.get_parameter_source("interval")
        default = "the default " if source is not None and source.name == "DEFAULT" else ""
        _common.fail(
            f"{exc.file}: {default}--interval {exc.declared}: this file has {exc.seen} "
            f"bars: give --interval {exc.seen}"
        )


def _realized_var(
    asset: str, interval: str, data: Path | None, store: Path | None, cut: Any
) -> pd.Series | None:
    """Daily realised variance (percent²) from the asset's hourly bars closed by the cut.

    The out-of-sample score's second proxy: daily bars only, and not from a ``--data``
    file (which holds one interval); None where the asset has no hourly bars.
    """
    if interval != "1d" or data is not None:
        return None
    import pandas as pd

    from liqcascade import volatility as vol
    from liqcascade.errors import InputError

    try:
        hourly = vol.load_close(asset, "1h", store=store)
    except (InputError, ValueError, OSError):
        return None
    if cut.instant is not None:
        opens = pd.DatetimeIndex(hourly.index)
        hourly = hourly[opens <= cut.instant - pd.Timedelta(hours=1)]
    return vol.realized_volatility(hourly, annualize=False) ** 2 if len(hourly) > 1 else None


def register(app: typer.Typer) -> None:
    """Register ``vol`` on the root app."""

    @app.command("vol")
    def vol_cmd(
        ctx: typer.Context,
        asset: Annotated[str, typer.Option(help="Base asset (bundled: ETH, BTC).")] = "ETH",
        interval: _Interval = "1d",
        start: Annotated[
            str | None, typer.Option(help="First close used (UTC date, inclusive).")
        ] = None,
        end: Annotated[
            str | None, typer.Option(help="Last close used (UTC date, whole day inclusive).")
        ] = None,
        as_of: AsOfOption = None,
        model: Annotated[
            str, typer.Option(help="Variance model: gjr (default), egarch or garch.")
        ] = "gjr",
        dist: Annotated[
            str, typer.Option(help="Error distribution: t (default), normal or skewt.")
        ] = "t",
        by_period: _ByPeriod = False,
        data: Annotated[
            Path | None, typer.Option(help="OHLCV file (CSV/Parquet) instead of bundled data.")
        ] = None,
        store: StoreOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    ) -> None:
        """Fit GARCH / GJR-GARCH / EGARCH to percent log returns; test clustering and leverage.

        Returns are 100 × Δlog(close) over the closes from --start to --end (inclusive)
        of the bars closed by --as-of (default: the market date every command uses);
        constant mean. The leverage verdict says whether falls raise volatility
        significantly more than rises ("significant"), significantly less ("inverted")
        or neither ("not significant"), at 5 %.

        Example: liqcascade vol --asset ETH --interval 1d --model gjr --dist t --by-period
        """
        import pandas as pd

        from liqcascade import volatility as vol

        # a series too short with no range asked: the cut, the file or the asset's data
        short = "--as-of" if as_of is not None else "--data" if data is not None else "--asset"
        _common.flag_names(data_file="--data", close=short)
        one_source(data, store)
        _common.check_dates(start=start, end=end)
        raw = _load_close(ctx, asset, interval, start=start, end=end, data_file=data, store=store)
        close, cut = cut_at_as_of(
            raw, pd.Timedelta(days=1) / vol.bars_per_day(interval), asset=asset, as_of=as_of,
            what=f"the {asset.upper()} {interval} closes", store=store, data_file=data,
        )  # fmt: skip
        rv = _realized_var(asset, interval, data, store, cut)
        with beyond_the_cut(raw, close, cut), _common.progress(f"fitting {model} ({dist})") as adv:
            study = vol.volatility_study(close, model=model, dist=dist, interval=interval,
                                         start=start, end=end, asset=asset, realized_var=rv,
                                         by_period=by_period, on_progress=adv)  # fmt: skip
        for w in study.warnings:
            _common.warn(w)
        result = {**study.to_dict(), "next_bar": next_bar(study.fit), "data_cut": cut.to_dict()}
        _common.emit(result, as_json, _render)
