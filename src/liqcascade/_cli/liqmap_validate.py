"""CLI: ``liqcascade liqmap calibrate`` and ``liqmap backtest``.

``calibrate`` fits the estimated book to recorded liquidations and reports the
out-of-sample fit against the baselines; ``backtest`` holds the estimated book's
predicted liquidations against the recorded ones on any period.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from liqcascade._cli import _common
from liqcascade._prices import fmt_or_na, percent_text

if TYPE_CHECKING:
    import pandas as pd


_CalAssetOpt = Annotated[
    str | None,
    typer.Option(
        "--asset",
        help="Identified book: the expanding-window calibration of this asset (default: "
        "none, ETH's bundled cohort book is fitted) "
        "(any asset with open interest, prices and liquidations in the store or "
        "bundled), one fit per month on the data before it; written as the "
        "store's calibration of the asset unless --out is given.",
    ),
]
_MonthOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--month",
        help="With --asset: months to fit (YYYY-MM, repeatable; default every "
        "month from the first with 90 days of data before it to the last).",
    ),
]
_JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs",
        help="With --asset: worker processes for the bootstrap refits (the same "
        "fits for any value; default 1).",
    ),
]
_CalStoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="With --asset: store to read and to write the calibration beside "
        "(default: the default store, $LIQCASCADE_STORE).",
    ),
]


def _fmt(v: Any, pct: bool = False) -> str:
    """A metric as printed: "–" when absent, "n/a" when not computed (NaN: too few points)."""
    if v is None:
        return "–"
    if isinstance(v, float):
        return fmt_or_na(
            v, percent_text if pct else lambda x: f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.3f}"
        )
    return str(v)


def _render_calibration(result: dict[str, Any]) -> None:
    out = _common.stdout
    p = result["params"]
    out.print(
        f"[bold]calibrated[/] on {result['fit_period']['start']} -> {result['fit_period']['end']}"
        f"  objective {result['objective']:.3f}"
    )
    out.print(
        f"oi_mode {p['oi_mode']}, close_rule {p['close_rule']}, entry {p['entry_price']}, "
        f"turnover {p['turnover']:.3f}/bar, venue_share {p['venue_share']:.4f}, long share "
        f"{p['base_long_share']:.2f} + {p['split_strength']:.2f} x sign(funding)"
    )
    out.print(
        "leverage weights: "
        + ", ".join(
            f"{lv:g}x {percent_text(w)}"
            for lv, w in zip(p["leverages"], p["leverage_weights"], strict=True)
        )
    )
    keys = ("corr_4h", "corr_daily", "corr_daily_long", "corr_daily_short", "mae_daily_usd",
            "top5pct_hit_rate")  # fmt: skip
    for label, block in (("in-sample", "in_sample"), ("out-of-sample", "out_of_sample")):
        t = Table(title=f"{label} fit", box=None)
        t.add_column("model")
        for k in keys:
            t.add_column(k, justify="right")
        for name, m in result[block].items():
            if m:
                t.add_row(name, *(_fmt(m.get(k)) for k in keys))
        out.print(t)
    verdict = "beats" if result["beats_baselines_oos"] else "does NOT beat"
    out.print(f"out of sample the calibrated model {verdict} both baselines on daily correlation")
    if result.get("out"):
        out.print(f"wrote {result['out']}", markup=False)


def _render_backtest(result: dict[str, Any]) -> None:
    from liqcascade.positions import count_text, uncovered_line, unscored_reason

    out = _common.stdout
    covered = ""
    if result.get("uncovered") and result.get("covered_start"):  # the data cut the window
        a, b = (result[k][:16].replace("T", " ") for k in ("covered_start", "covered_end"))
        covered = f", covering {a} -> {b} (bar opens)"
    out.print(
        f"[bold]back-test[/] {_common.esc(result['asset'])} {_common.esc(result['interval'])} "
        f"{result['start'][:10]} -> {result['end'][:10]}: "
        f"{count_text(result['bars'], 'bar')}{covered} ({_common.esc(result['params_source'])})",
        highlight=False,
    )
    for span in result.get("uncovered", []):
        out.print(uncovered_line(span), highlight=False, markup=False)
    t = Table(box=None)
    t.add_column("")
    t.add_column("longs (USD)", justify="right")
    t.add_column("shorts (USD)", justify="right")
    t.add_row("predicted", _fmt(result["predicted_long_usd"]), _fmt(result["predicted_short_usd"]))
    t.add_row("recorded", _fmt(result["recorded_long_usd"]), _fmt(result["recorded_short_usd"]))
    out.print(t)
    m = result["metrics"]
    if not m:  # no record, or too few bars with one to score
        n = int(result.get("recorded_bars") or 0)
        why = str(unscored_reason(None, n)) + (": nothing to compare" if n == 0 else "")
        out.print(why, highlight=False, markup=False)
    elif not result.get("months"):  # a legacy parameter set: its months are not known
        _render_fit({"": m}, "fit")
        _render_range_comparison(m)
        few = unscored_reason(m)
        if few:
            out.print(few, highlight=False, markup=False)
    else:
        _render_identified_fit(result)
    for name, path in result.get("files", {}).items():
        out.print(f"wrote {name}: {path}", markup=False)


def _months_span(months: list[str]) -> str:
    """``2025-03 → 2025-07`` (one month: itself)."""
    return months[0] if len(months) == 1 else f"{months[0]} → {months[-1]}"


def _render_fit(blocks: dict[str, dict[str, Any]], title: str) -> None:
    """One row per metric, one column per block (the differences: the comparison table)."""
    header = any(blocks)
    t = Table(title=title, show_header=header, box=None)
    t.add_column("")
    for name in blocks:
        t.add_column(name, justify="right")
    keys = [k for b in blocks.values() for k in b if "_diff_daily" not in k]
    for k in dict.fromkeys(keys):
        fmt = _fmt_days if k == "days" else _fmt
        t.add_row(k, *(fmt(b.get(k)) for b in blocks.values()))
    _common.stdout.print(t)


def _fmt_days(v: Any) -> str:
    """A count of days, whole: "–" when absent, "n/a" when not computed."""
    return "–" if v is None else fmt_or_na(v, ".0f")


def _render_identified_fit(result: dict[str, Any]) -> None:
    """The out-of-sample months' figures and verdicts; the in-sample months' apart, labelled.

    The verdicts against the range baseline read the out-of-sample months only (each
    predicted by the fit trained before it); the months before the calibration's first
    fit (predicted by a fit trained on data after them) are shown "in sample", never
    pooled into a verdict.
    """
    out = _common.stdout
    oos, ins = result.get("metrics_out_of_sample"), result.get("metrics_in_sample")
    mo, mi = result.get("months_out_of_sample") or [], result.get("months_in_sample") or []
    blocks = {}
    if oos:
        blocks[f"out of sample ({_months_span(mo)})"] = oos
    if ins:
        blocks[f"in sample ({_months_span(mi)})"] = ins
    if blocks:
        title = "fit: each month predicted by the fit trained before it (out of sample)"
        if ins:
            title += (
                "; the months before the first fit, predicted by a fit trained on data after "
                "them (in sample), beside them"
            )
        _render_fit(blocks, title)
    _render_oos_verdicts(oos, mo)
    if ins:
        out.print(
            f"in sample ({_months_span(mi)}): predicted by the first fit, trained on data after "
            "them; shown apart, not in the verdicts",
            highlight=False,
        )


def _render_oos_verdicts(oos: dict[str, Any] | None, months: list[str]) -> None:
    """The comparison with the range baseline of the out-of-sample months, or why none.

    Too few days to score (a daily correlation needs 3): that, no table; too few for the
    interval (14 days): the table, its verdicts "n/a", and that said under it.
    """
    from liqcascade.positions import MIN_INTERVAL_DAYS, count_text, scored_days, unscored_reason

    out = _common.stdout
    if not oos:
        none = "no out-of-sample month in the period" if not months else "too few recorded bars"
        out.print(f"{none}: no verdict against the range baseline", highlight=False)
        return
    why = unscored_reason(oos)  # it holds enough bars: only the days can be too few
    if why:
        out.print(f"out of sample: {why}; no verdict against the range baseline", highlight=False)
        return
    _render_range_comparison(oos, "out-of-sample months only")
    days = scored_days(oos)
    if days is not None and days < MIN_INTERVAL_DAYS:
        out.print(
            f"out of sample: {count_text(days, 'day')}, too few for the interval of a "
            f"difference (at least {MIN_INTERVAL_DAYS}, two 7-day blocks): no verdict",
            highlight=False,
        )


def _render_range_comparison(m: dict[str, Any], which: str = "") -> None:
    """The six daily comparisons with the range baseline: strict, and with the interval."""
    from liqcascade.positions import COMPARISONS, range_baseline_verdicts

    if not any(f"range_baseline_{k}_diff_daily{s}" in m for s, k in COMPARISONS):
        return
    v = range_baseline_verdicts(m)
    t = Table(
        title=f"model vs range baseline{', ' + which if which else ''}: daily correlation "
        "with the record; difference model − baseline with its 90 % interval (days "
        "resampled in 7-day blocks)",
        box=None,
    )
    for c in ("daily", "model", "range baseline", "strict", "difference (90 %)", "verdict"):
        t.add_column(c, justify="left" if c in ("daily", "verdict") else "right")
    names = {"": "total", "_long": "longs", "_short": "shorts"}

    def num(x: Any, fmt: str) -> str:
        if x is None:
            return "–"
        # n/a: too few days for the figure
        return fmt_or_na(
            x, lambda v: format(v, "+.4f" if fmt == "+.3f" and 0 < abs(v) < 5e-4 else fmt)
        )

    for side, kind in COMPARISONS:
        a = m.get(("corr" if kind == "corr" else "spearman") + f"_daily{side}")
        b = m.get(f"range_baseline_{kind}_daily{side}")
        k = f"range_baseline_{kind}_diff_daily{side}"
        strict = "–"  # either not computed (too few days): no comparison
        if a is not None and b is not None and math.isfinite(a) and math.isfinite(b):
            strict = "model >" if a > b else "model ≤"
        t.add_row(
            f"{names[side]}, {'Pearson' if kind == 'corr' else 'Spearman'}",
            num(a, ".3f"),
            num(b, ".3f"),
            strict,
            f"{num(m.get(k), '+.3f')} ({num(m.get(k + '_p05'), '+.3f')} … "
            f"{num(m.get(k + '_p95'), '+.3f')})",
            {"beats": "model beats", "loses": "model loses", "ties": "tie"}.get(
                str(v[f"{kind}_daily{side}"]), "n/a"
            ),
        )
    _common.stdout.print(t)


def _calibrate_asset(
    asset: str, months: list[str] | None, bootstrap: int, seed: int, out: Path | None,
    as_json: bool, jobs: int = 1, store: Path | None = None,
) -> None:  # fmt: skip
    """``liqmap calibrate --asset A``: load -> run_asset_calibration -> write -> print.

    The fit is written as the store's calibration of ``A`` (read before the package's
    by every command), or to ``--out`` only when it is given.
    """
    from liqcascade._calibrations import (
        shipped_assets,
        store_calibration_path,
        write_calibration,
    )
    from liqcascade.market import _liqmap, load_market_frames
    from liqcascade.positions import count_text

    _common.flag_names(months="--month")
    a = asset.upper()
    if out is None and store_calibration_path("book", a, store) is None:
        _common.fail("--store: no store to write the calibration beside; give --out")
    _liqmap.check_months(months)
    frames = load_market_frames(a, "4h", store)
    t0, ms = _liqmap.calibration_plan(frames, months)
    _common.info(
        f"{a}: data from {t0:%Y-%m-%d}; fitting {count_text(len(ms), 'month')} {ms[0]} -> "
        f"{ms[-1]}, "
        f"each on the data before it, {bootstrap} bootstrap refits each (minutes)"
    )
    with _common.progress("calibrating", total=len(ms) * (bootstrap + 1)) as advance:
        cal = _liqmap.run_asset_calibration(
            a, months=ms, n_bootstrap=bootstrap, seed=seed, progress=advance, jobs=jobs,
            frames=frames, announce=_common.info,
        )  # fmt: skip
    result = cal.to_dict()
    if out is not None:
        cal.to_json(out)
        result["out"] = str(out)
        where = f"wrote {out} (a file: pass it as --params / calibration=; the store's "
        where += "calibration is unchanged)"
    else:
        path = write_calibration("book", a, result, store)
        result["out"] = str(path)
        where = f"wrote the store's calibration of {a}: {path}"
        if a in shipped_assets("book"):
            where += (
                f" (the package ships one for {a}: the store's now wins; delete the "
                "file to use the package's again)"
            )
    _common.info(where)
    summary = {"asset": cal.asset, "fits": [
        {"month": f.month, "fit_end": f.fit_end, "loglik": f.loglik, **f.params.to_dict()}
        for f in cal.fits
    ], "out": result.get("out")}  # fmt: skip
    _common.emit(result if as_json else summary, as_json, _render_asset_fits)


#: The columns of ``liqmap calibrate --asset``'s table: (header, the fit's key).
FIT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("month", "month"), ("data to", "fit_end"), ("dist median", "dist_median"),
    ("dist sigma", "dist_sigma"), ("theta0", "theta0"), ("theta funding", "theta_funding"),
    ("theta move", "theta_move"), ("scale", "scale"), ("log-likelihood", "loglik"),
)  # fmt: skip


def fit_rows(fits: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Each month's main fit as printed: its key parameters and its log-likelihood.

    ``fits``: the summary's ``fits`` (``month``, ``fit_end``, ``loglik`` and the
    parameters of :class:`~liqcascade.positions.BookParams`); a number with 4
    significant figures (the log-likelihood whole), a missing one "–".
    """

    def cell(k: str, v: Any) -> str:
        if v is None:
            return "–"
        if isinstance(v, float):
            return f"{v:,.0f}" if k == "loglik" else f"{v:.4g}"
        return str(v)[:10]

    return [tuple(cell(k, f.get(k)) for _, k in FIT_COLUMNS) for f in fits]


def _render_asset_fits(summary: dict[str, Any]) -> None:
    """``liqmap calibrate --asset``: the months' main fits, then where they were written."""
    t = Table(title=f"{_common.esc(summary['asset'])} position book, main fit of each month")
    for header, _ in FIT_COLUMNS:
        t.add_column(header, justify="left" if header in ("month", "data to") else "right")
    for row in fit_rows(summary["fits"]):
        t.add_row(*row)
    _common.stdout.print(t)
    if summary.get("out"):
        _common.stdout.print(f"written to {summary['out']}", markup=False)


_StartOpt = Annotated[
    str | None,
    typer.Option(
        "--start",
        help="First day of the fitting period (UTC); default the first day of the recorded "
        "liquidations (2024-11-13).",
    ),
]
_EndOpt = Annotated[
    str | None,
    typer.Option(
        "--end",
        help="Last day of the fitting period (UTC, inclusive); default the day before "
        "--oos-start (2025-05-31).",
    ),
]
_OosStartOpt = Annotated[
    str | None,
    typer.Option(
        "--oos-start",
        help="First day of the out-of-sample period; default the first day of the data's "
        "last two calendar months (2025-06-01).",
    ),
]
_OosEndOpt = Annotated[
    str | None,
    typer.Option(
        "--oos-end",
        help="Last day of the out-of-sample period; default the last day of the recorded "
        "liquidations (2025-07-31).",
    ),
]


_BtParams = Annotated[
    Path | None,
    typer.Option(
        "--params",
        help="Parameters JSON (default: the store's calibration of the asset, "
        "else the shipped one).",
    ),
]
_BtInterval = Annotated[
    str,
    typer.Option(
        "--interval",
        help="Bar interval: 4h only (the recorded liquidations' and the calibration's).",
    ),
]
_BtNoBands = Annotated[
    bool,
    typer.Option(
        "--no-bands",
        help="Leave out the 5-95 % band (and, for the identified book, "
        "coverage_90_daily, its score).",
    ),
]


def register(liqmap_app: typer.Typer) -> None:
    """Register the calibrate/backtest subcommands on the ``liqmap`` group."""

    @liqmap_app.command("calibrate")
    def calibrate_cmd(
        start: _StartOpt = None,
        end: _EndOpt = None,
        oos_start: _OosStartOpt = None,
        oos_end: _OosEndOpt = None,
        bootstrap: Annotated[
            int | None,
            typer.Option(
                "--bootstrap",
                help="Block-bootstrap refits for the bands (default 10 with --asset, as "
                "shipped; 20 without).",
            ),
        ] = None,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
        out: Annotated[
            Path | None, typer.Option("--out", help="Write the calibration (params JSON) here.")
        ] = None,
        asset: _CalAssetOpt = None,
        month: _MonthOpt = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
        jobs: _JobsOpt = 1,
        store: _CalStoreOpt = None,
    ) -> None:
        """Fit the estimated book to the recorded Binance liquidations; validate out of sample.

        Without --asset: ETH's bundled cohort book (the legacy 0.1 model), whatever the
        store holds. Tries each open-interest mode, closing rule and entry price, fits the leverage
        weights, long/short split and turnover by grid + Nelder-Mead (deterministic),
        sets the venue share so totals match, and reports the out-of-sample fit against
        |return| x open interest and the uncalibrated default. Takes a few minutes.

        With --asset, the identified book's expanding-window calibration of that asset
        instead, from its own data (--bootstrap refits per month, default 10 as for the
        shipped ETH and BTC files; --jobs N
        runs the refits in N processes; --start/--end/--oos-* refused). It is written as
        the store's calibration (<store>.calibrations/book/ASSET.json, read before the
        package's by every command), or to --out instead.

        Example: liqcascade liqmap calibrate --start 2024-11-13 --end 2025-05-31 --json
        Example: liqcascade liqmap calibrate --asset BTC --out BTC.json --json
        Example: liqcascade liqmap calibrate --asset SOL
        """
        n_boot = bootstrap if bootstrap is not None else (10 if asset is not None else 20)
        _check_modes(asset, month, store, (start, end, oos_start, oos_end))
        _check_calibrate(jobs, n_boot, seed, out)
        if asset is not None:
            return _calibrate_asset(asset, month, n_boot, seed, out, as_json, jobs, store)
        _calibrate_legacy((start, end, oos_start, oos_end), n_boot, seed, out, as_json)

    @liqmap_app.command("backtest")
    def backtest_cmd(
        start: Annotated[str, typer.Option("--start", help="First day (UTC).")],
        end: Annotated[str, typer.Option("--end", help="Last day (UTC, inclusive).")],
        asset: Annotated[str, typer.Option("--asset", help="Base asset.")] = "ETH",
        params: _BtParams = None,
        interval: _BtInterval = "4h",
        store: Annotated[
            Path | None,
            typer.Option("--store", help="Store to read first (default: the default store)."),
        ] = None,
        no_bands: _BtNoBands = False,
        out: Annotated[
            Path | None, typer.Option("--out", help="Write the chart (HTML, PNG) and CSV here.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    ) -> None:
        """Predicted vs recorded liquidations of the estimated book on any period.

        Builds the book from the open interest and prices available (store first,
        then bundled), warming up from the earliest open interest, predicts long and
        short liquidations bar by bar, and compares them with the recorded ones where
        they exist. Bands: 5-95 % over the calibration's bootstrap parameter sets.

        Example: liqcascade liqmap backtest --asset ETH --start 2025-06-01 --end 2025-07-31 --json
        """
        from liqcascade._time import is_bare_date
        from liqcascade.market import book_backtest

        t0, t1 = _check_backtest(start, end, interval, params, out)
        end_arg: Any = str(t1.date()) if is_bare_date(end) else t1
        with _common.progress("back-testing"):
            res = book_backtest(
                asset, t0, end_arg, params=params, interval=interval,
                store=store, bands=not no_bands,
            )  # fmt: skip
        result = res.to_dict()
        if out is not None:
            try:
                paths = res.write(out)
            except RuntimeError as exc:
                _common.error(str(exc))
                raise typer.Exit(1) from None
            result["files"] = {k: str(v) for k, v in paths.items()}
        _suspect_note(result, store)
        _common.emit(result, as_json, _render_backtest)


def suspect_bars_in(
    asset: str, start: Any, end: Any, store: Path | None = None
) -> list[dict[str, Any]]:
    """The asset's suspect liquidation bars opened in ``[start, end]``, most extreme first.

    :func:`liqcascade.data.suspect_liquidation_bars` (the report's data section's check)
    on the asset's whole 4-hour liquidations, hourly prices resampled to 4 hours and open
    interest, so it flags the bars the report flags; then the ones inside the window.
    Each: ``ts`` (ISO), ``side``, ``usd`` (USD), ``move`` (fraction), ``intensity_x``.
    ``[]`` when a series is missing (nothing to check).
    """
    import pandas as pd

    from liqcascade.data import load_series, resample_ohlcv, suspect_liquidation_bars
    from liqcascade.errors import InputError

    try:
        liq = load_series("liquidations", asset=asset, interval="4h", store=store)
        h = load_series("ohlcv", asset=asset, interval="1h", store=store)
        oi = load_series("open_interest", asset=asset, interval="4h", store=store)
    except InputError:
        return []
    f = suspect_liquidation_bars(liq, resample_ohlcv(h, "4h")[["open", "high", "low"]], oi)
    ts = pd.DatetimeIndex(f["ts"])
    f = f[(ts >= pd.Timestamp(start)) & (ts <= pd.Timestamp(end))]
    return [
        {"ts": pd.Timestamp(r["ts"]).isoformat(), "side": str(r["side"]), "usd": float(r["usd"]),
         "move": float(r["move"]), "intensity_x": float(r["intensity_x"])}
        for r in f.to_dict("records")
    ]  # fmt: skip


def _suspect_note(result: dict[str, Any], store: Path | None) -> None:
    """Name the suspect liquidation bars the scores read: a ``note:`` line and the JSON's.

    The back-test scores every recorded bar; one its own move cannot explain (BTC's
    205.9 M USD of longs on a 1.05 % move, 2025-06-12 20:00) weighs on the correlations.
    Adds ``suspect_liquidation_bars`` and ``notes`` to ``result``; the scores stay as
    they are.
    """
    bars = suspect_bars_in(str(result["asset"]), result["start"], result["end"], store)
    result["suspect_liquidation_bars"] = bars
    if not bars or not result.get("metrics"):
        return
    each = "; ".join(
        f"{b['side']}s {b['ts'][:16].replace('T', ' ')} UTC: {b['usd']:,.0f} USD on a "
        f"{percent_text(b['move'], 2)} move, {b['intensity_x']:,.0f}× the median intensity"
        for b in bars
    )
    n = len(bars)
    text = (
        f"{n} suspect recorded liquidation bar{'s' if n > 1 else ''} in the scored window "
        f"(far more than {'their' if n > 1 else 'its'} own move explains; the report's data "
        f"section flags {'them' if n > 1 else 'it'}), kept in every score above: {each}"
    )
    result["notes"] = [*result.get("notes", []), text]
    _common.note_at_end(text)


def _check_modes(
    asset: str | None, month: list[str] | None, store: Path | None, dates: tuple[str | None, ...]
) -> None:
    """Refuse the options of one calibration mode given to the other (before minutes of fit).

    ``--month`` and ``--store`` belong to the per-asset calibration (``--asset``); the
    fitting and out-of-sample windows (``--start``, ``--end``, ``--oos-*``) to the legacy one.
    """
    flags = ("--start", "--end", "--oos-start", "--oos-end")
    if asset is None:
        given = [f for f, v in (("--month", month), ("--store", store)) if v]
        if given:
            _common.fail(
                f"{' and '.join(given)} go{'es' if len(given) == 1 else ''} with --asset (the "
                "per-asset expanding-window calibration); without --asset the legacy "
                "calibration of the bundled ETH book runs, which takes neither"
            )
    else:
        given = [f for f, v in zip(flags, dates, strict=True) if v is not None]
        if given:
            _common.fail(
                f"{', '.join(given)}: not with --asset (its expanding windows fit each month "
                "on the data before it; --month picks the months)"
            )


def _check_calibrate(jobs: int, bootstrap: int, seed: int, out: Path | None) -> None:
    """``liqmap calibrate``'s options, checked before the calibration (minutes)."""
    if jobs < 1:
        _common.fail(f"--jobs must be >= 1 (got {jobs})")
    if bootstrap < 0:
        _common.fail(f"--bootstrap must be >= 0 (got {bootstrap})")
    _common.check_seed(seed)
    if out is not None:
        _common.output_file(out, "--out")


def _check_backtest(
    start: str, end: str, interval: str, params: Path | None, out: Path | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``liqmap backtest``'s options, checked before the back-test; ``(start, end)``."""
    from liqcascade.positions import check_interval

    check_interval(interval)
    t0 = _common.parse_date(start, "--start")
    t1 = _common.parse_date(end, "--end")
    assert t0 is not None and t1 is not None
    if params is not None:
        _common.existing_file(params, "--params")
    if out is not None:  # a bad folder fails at once, not after the back-test
        names = ("backtest.html", "backtest.png", "backtest_series.csv")
        _common.output_dir(out, "--out", names)
    return t0, t1


def legacy_windows(dates: tuple[str | None, ...], recorded: Any) -> tuple[str, str, str, str]:
    """The legacy calibration's fitting and out-of-sample windows, given or from the data.

    ``recorded``: the liquidations it is fitted to (bars labelled by their open, UTC).
    Defaults: fitting from the first recorded day to the day before the out-of-sample
    period, which is the data's last two calendar months (for the bundled ETH:
    2024-11-13 → 2025-05-31, then 2025-06-01 → 2025-07-31).
    """
    import pandas as pd

    idx = pd.DatetimeIndex(recorded.index)
    last = idx[-1].floor("1D")
    two = (last - pd.offsets.MonthBegin(1)).floor("1D") - pd.offsets.MonthBegin(1)
    start, end, oos_start, oos_end = dates
    oos_start = oos_start or f"{two:%Y-%m-%d}"
    end = end or f"{pd.Timestamp(oos_start) - pd.Timedelta(days=1):%Y-%m-%d}"
    return (start or f"{idx[0]:%Y-%m-%d}", end, oos_start, oos_end or f"{last:%Y-%m-%d}")


def _calibrate_legacy(
    dates: tuple[str | None, ...], bootstrap: int, seed: int, out: Path | None, as_json: bool
) -> None:
    """The 0.1 cohort book's calibration (``liqmap calibrate`` without ``--asset``)."""
    from liqcascade.positions import bundled_validation_data, calibrate

    if None in dates:
        dates = legacy_windows(dates, bundled_validation_data().recorded)
    names = ("--start", "--end", "--oos-start", "--oos-end")
    t0, t1, o0, o1 = (_common.parse_date(d, n) for d, n in zip(dates, names, strict=True))
    assert t0 is not None and t1 is not None and o0 is not None and o1 is not None
    if t0 > t1:
        _common.fail(f"--start ({t0.date()}) is after --end ({t1.date()})")
    if o0 > o1:
        _common.fail(f"--oos-start ({o0.date()}) is after --oos-end ({o1.date()})")
    if bootstrap < 0:
        _common.fail(f"--bootstrap must be >= 0 (got {bootstrap})")
    _common.info(  # the asset it fits: plain `liqmap calibrate` is ETH's, whatever the store
        f"asset ETH (bundled): the cohort book's calibration, fit {t0:%Y-%m-%d} -> "
        f"{t1:%Y-%m-%d}, out of sample {o0:%Y-%m-%d} -> {o1:%Y-%m-%d} (--asset ASSET: an "
        "asset's own expanding-window calibration)"
    )
    with _common.progress("calibrating", total=12 + bootstrap) as advance:
        res = calibrate(
            str(t0.date()), str(t1.date()), oos_start=str(o0.date()),
            oos_end=str(o1.date()), n_bootstrap=bootstrap, seed=seed, progress=advance,
        )  # fmt: skip
    result = res.to_dict()
    if out is not None:
        res.to_json(out)
        result["out"] = str(out)
    _common.emit(result, as_json, _render_calibration)
