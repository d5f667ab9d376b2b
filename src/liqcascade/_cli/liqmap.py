"""CLI: ``liqcascade liqmap`` — liquidation map, heatmap and stop clusters.

Without a subcommand the group's callback draws the map; ``calibrate`` and
``backtest`` (``liqmap_validate``) attach to the same group.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from liqcascade._cli import _book_units, _common, _market_line
from liqcascade._cli._fraction_options import FRACTION
from liqcascade._cli._outside import OUTSIDE, mark_outside, outside_note
from liqcascade._prices import percent_text, price_decimals, price_range, price_text

if TYPE_CHECKING:
    import pandas as pd


def _price(x: float, ref: float) -> str:
    """A price with the decimals of 4 significant figures at ``ref``, whole dollars from 1,000."""
    return price_text(x, ref, dollar=False)


def _steps_line(result: dict[str, Any]) -> None:
    """The round-number steps the modelled stops used (they depend on the price level)."""
    used = result.get("stop_round_steps") or []
    if not used:
        return

    def money(steps: list[float]) -> str:
        d = max(0, -math.floor(math.log10(min(steps))))
        return "/".join(f"${s:,.{d}f}" for s in steps)

    sets = (
        money(used[0]["steps_usd"])
        if len(used) == 1
        else "; ".join(
            f"{money(u['steps_usd'])} ({percent_text(u['share'], 0)} of notional)" for u in used
        )
    )
    _common.stdout.print(
        f"modelled stops: round-number steps {sets} on these entries (the model's "
        "$100/$500/$1,000 from $1,000 to $9,999, ten times that per decade above, a tenth per "
        "decade below)",
        highlight=False,
        markup=False,
    )


def _band_line(result: dict[str, Any]) -> str:
    """What the map's intervals are, or why it has none."""
    b = result.get("band") or {}
    if b.get("note"):
        return str(b["note"])
    return (
        f"interval: p05–p95 over the book's {b.get('n_draws', 0)} parameter draws "
        "(bootstrap refits of its fit, the cascade's draws); figures to 3 significant figures"
    )


def _band_cell(value: float, p05: float | None, p95: float | None) -> str:
    """``"3.34 M* (1.99–3.27 M)"``: the value and its band, marked when outside it.

    The figure is the main fit's book; the band the spread of the same figure over the
    fit's bootstrap refits (each a book of its own), which need not hold the main
    fit's: with 10 refits the main fit lies beyond them now and then.
    """
    from liqcascade.market import value_band_text

    return mark_outside(value_band_text(value, p05, p95), value, p05, p95)


def _outside_line(result: dict[str, Any]) -> str:
    """The footnote of :data:`OUTSIDE`, printed when a figure carries it."""
    n = (result.get("band") or {}).get("n_draws", 0)
    return outside_note(
        "the figure is the main fit's book",
        f"the interval the spread of the same figure over the fit's {n} bootstrap refits",
    )


def _print_clusters(result: dict[str, Any], band: Any) -> None:
    """The largest clusters' table and the concentration line (``band``: a figure's cell)."""
    from liqcascade.market import usd3

    out = _common.stdout
    ct = Table(title="largest clusters (USD)", box=None)
    for col in ("price", "range", "distance", "notional", "liq", "stops"):
        ct.add_column(col, justify="right")
    for cl in result["clusters"][:10]:
        ct.add_row(
            _price(cl["price"], result["price"]),
            price_range(cl["price_low"], cl["price_high"], result["price"]),
            percent_text(cl["distance"], signed=True),
            band(cl["notional_usd"], cl["notional_usd_p05"], cl["notional_usd_p95"]),
            usd3(cl["long_liq_usd"] + cl["short_liq_usd"]),
            usd3(cl["sell_stops_usd"] + cl["buy_stops_usd"]),
        )
    out.print(ct)
    stops_line = _stops_clusters_line(result["clusters"][:10], bool(result.get("market")))
    if stops_line:
        out.print(stops_line, highlight=False, markup=False)
    k = result["concentration"]
    share, hhi = k["share_near_largest_cluster"], k["hhi"]
    if share is None or hhi is None or math.isnan(share) or math.isnan(hhi):
        out.print("concentration: no notional in range, no cluster")
    else:
        out.print(
            f"concentration: {percent_text(share)} of the in-range notional within ±0.5 % of "
            f"the largest cluster; HHI over 0.5 % buckets {hhi:.4f} (uniform "
            f"{k['hhi_uniform']:.4f}, effective buckets {k['effective_buckets']:.1f})"
        )


#: What of the map is in the book's (feed) dollars: the ``what`` of its ``units`` line.
MAP_DOLLARS = "the map's dollars (liquidations, stops, clusters, the book's notional)"

#: What the map's figures are, beside the other commands' answers to the same fall.
MAP_FIGURES = (
    "the map's figures: the static book's positions liquidated and stops triggered within "
    "the move, no cascade (`cascade` adds the cascade's carry, docs/cascade.md)"
)

#: What the out-of-sample score tests, and what it does not.
SCORE_SCOPE = (
    "what the score tests: the book's daily liquidation totals against the record's; not "
    "where they sit by price level (the map's levels), "
    "which is not tested here: the "
    "report's section \"Are liquidation estimates any good?\" holds the model's distances "
    "to liquidation against real Hyperliquid positions"
)


def _stops_clusters_line(clusters: list[dict[str, Any]], modelled: bool) -> str:
    """Which column holds the liquidations when the largest clusters are mostly stops.

    ``""`` unless the stops are over half the clusters' notional (``modelled``: the
    estimated book's modelled stops, else a stops file's).
    """
    stops = sum(c["sell_stops_usd"] + c["buy_stops_usd"] for c in clusters)
    total = sum(c["notional_usd"] for c in clusters)
    if total <= 0 or stops <= 0.5 * total:
        return ""
    kind = "modelled stops" if modelled else "stops"
    return (
        f"the largest clusters are mostly {kind} ({percent_text(stops / total, 0)} of their "
        "notional): the positions' liquidations are the liq column"
    )


#: The header's date of a map from a positions file (the JSON's ``as_of`` is null).
POSITIONS_FILE_DATE = "(no market date: a positions file)"


def _render(result: dict[str, Any]) -> None:
    from liqcascade.market import MAP_LEVELS, book_score_text
    from liqcascade.report import after_date_note

    out = _common.stdout
    market = result.get("market") or {}
    when = (  # the bar by both ends (the JSON's bar_open and bar_close; as_of is the close)
        f"at {_market_line.bar_words(market)}"
        if market.get("as_of") and market.get("close_time")
        # a positions file has no market date (as_of null): said, not a dash
        else (f"as of {result['as_of']}" if result["as_of"] else POSITIONS_FILE_DATE)
    )
    out.print(
        f"[bold]liquidation map[/] {when}  price "
        f"{result['price']:,.{max(2, price_decimals(result['price']))}f}"
        f"  ({_common.esc(result['source'])})"  # a positions file's path
    )
    note = _market_line.store_note(market)
    if note:
        out.print(note, highlight=False, markup=False, soft_wrap=True)
    for c in market.get("caveats", []):  # warned on stderr only with --json
        out.print(f"caveat: {_common.command_hint(c)}", highlight=False, markup=False)
    out.print(_band_line(result), highlight=False, markup=False)
    out.print(MAP_FIGURES, highlight=False, markup=False)

    marked: list[str] = []  # the figures printed outside their interval

    def band(value: float, p05: float | None, p95: float | None) -> str:
        text = _band_cell(value, p05, p95)
        if OUTSIDE in text:
            marked.append(text)
        return text

    def cell(key: str, level: str) -> str:
        return band(result[key][level], result[f"{key}_p05"][level], result[f"{key}_p95"][level])

    for title, (down, up) in (
        ("liquidations", ("long", "short")),
        ("stops", ("sell", "buy")),
    ):
        kd = f"cumulative_{down}_{'liq' if down == 'long' else 'stops'}_usd"
        ku = f"cumulative_{up}_{'liq' if up == 'short' else 'stops'}_usd"
        t = Table(title=f"cumulative {title} if price moves to … (USD)", box=None)
        for c in ("move", f"{down} (fall)", f"{up} (rise)"):
            t.add_column(c, justify="right")
        for f in MAP_LEVELS:
            t.add_row(f"∓{percent_text(f, 0)}", cell(kd, f"{-f:.2f}"), cell(ku, f"{f:.2f}"))
        out.print(t)
    _print_clusters(result, band)
    if marked:
        out.print(_outside_line(result), highlight=False, markup=False)
    _steps_line(result)
    oos = result.get("out_of_sample")
    out.print(
        book_score_text(oos) + after_date_note(oos)
        if oos
        else str(result.get("out_of_sample_note") or ""),
        highlight=False,
        markup=False,
    )
    if oos:
        out.print(SCORE_SCOPE, highlight=False, markup=False)
    for name, path in result.get("files", {}).items():
        out.print(f"wrote {name}: {path}", markup=False)


def _score_to_date(run: Any, score: dict[str, Any] | None) -> dict[str, Any] | None:
    """The book's score as the report's liquidation-map section gives it at this date.

    The stored score when its period ends by the market's time (the close of the bar
    the book stands on); else the back-test of the months from the calibration's first
    fit to that time, each predicted by the fit before it, with the stored score
    beside it (it reads later data); without one (a date before the first fit, too
    few days), the stored score flagged as reading data after the market date, with
    why (:func:`liqcascade.report._liqmap_section.dated_score`).
    """
    if score is None or run.state is None:
        return score
    import pandas as pd

    from liqcascade.report import dated_score, score_outcome, validation_window

    state = run.state
    end = pd.Timestamp(state.close_time) - pd.Timedelta(microseconds=1)  # bars closed by then

    def backtest() -> Any:
        from liqcascade.market import load_market_frames
        from liqcascade.positions import backtest_identified, load_asset_calibration

        where = str(score.get("source", ""))  # the calibration the stored score is of
        path = where.split(":", 1)[1] if where.startswith(("store:", "file:")) else None
        cal = load_asset_calibration(state.asset, path, store=False)
        t0, t1 = validation_window(cal.fits, end)
        frames = load_market_frames(state.asset, "4h", None)
        return backtest_identified(state.asset, t0, t1, cal, where, frames=frames)

    def outcome() -> Any:
        with _common.progress("scoring the book to the market date", total=None):
            return score_outcome(backtest, state.asset)

    return dated_score(score, end, outcome)


#: What the heatmap's figures are in, for its units note (as :data:`MAP_DOLLARS` for the map).
HEATMAP_DOLLARS = (
    "the heatmap's dollars (liquidations and stops at their triggers, each day's book)"
)


def heatmap_share_note(bar_open: Any, bar_close: Any) -> str:
    """Whose share of open interest the heatmap's units note gives: the market bar's book.

    The note's share (:meth:`liqcascade.market.BookUnits.text`) is the book of the
    market's bar, not of each day the heatmap draws (each day's book is that day's).

    Parameters
    ----------
    bar_open, bar_close : datetime-like
        The market's bar, UTC (``bar_open``/``bar_close`` of
        :func:`liqcascade.market.market_times`).
    """
    from liqcascade._time import bar_text

    return (
        f"that share is the book's at the market's {bar_text(bar_open, bar_close)}, not each day's"
    )


def _write_figures(
    out: Path, lmap: Any, asset: str, t_book: pd.Timestamp | None, days: int, state: Any
) -> dict[str, str]:
    """The map (and the heatmap of the estimated book) as HTML and PNG in ``out``.

    The PNGs are rendered in one browser (:func:`liqcascade._png.write_pngs`) and
    written all or none: when the export fails the HTML files are kept and a warning
    says so.

    Each figure of the estimated book says its units under the plot and in its metadata
    (:func:`_book_units.note_figure`: the feed's dollars, the book's share of open
    interest at the market bar, the bar by both ends).
    """
    import pandas as pd

    from liqcascade._png import PngExportError, write_pngs
    from liqcascade.market import market_heatmap, market_times

    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    figs = {"liqmap": lmap.plot(asset=asset.upper())}  # the title names the asset
    estimated = state is not None
    if estimated and state.book_model != "identified" and days > 0:
        _common.info("the heatmap is drawn for the identified book only: --out writes the map")
    elif estimated and t_book is not None and days > 0:
        with _common.progress("heatmap", total=None):  # the market's book at each day
            hm = market_heatmap(t_book - pd.Timedelta(days=days), t_book, asset=asset.upper())
        figs["heatmap"] = hm.plot(asset=asset.upper())
    elif not estimated:
        _common.info("an explicit book has no history: --out writes the map only, no heatmap")
    market = state.fingerprint() if estimated else None
    times = market_times(state, iso=True) if estimated else {}
    for name, fig in figs.items():
        what = HEATMAP_DOLLARS if name == "heatmap" else MAP_DOLLARS
        own = (
            heatmap_share_note(times["bar_open"], times["bar_close"])
            if name == "heatmap" and times.get("bar_close")
            else None
        )
        units = _book_units.book_units(market, what=what, own=own)
        _book_units.note_figure(fig, units, **times)
        html_path = out / f"{name}.html"
        fig.write_html(html_path, include_plotlyjs=True)
        files[f"{name}_html"] = str(html_path)
    pngs = {out / f"{name}.png": fig for name, fig in figs.items()}
    try:  # every PNG rendered in one browser, and written all or none
        write_pngs(pngs, width=1200, height=600)
        files.update({f"{p.stem}_png": str(p) for p in pngs})
    except PngExportError as exc:  # kaleido/Chrome missing or failing: keep the HTML
        _common.warn(f"{exc}; wrote HTML only")
    order = [f"{name}_{kind}" for name in figs for kind in ("html", "png")]  # each figure's two
    return {k: files[k] for k in order if k in files}


_Positions = Annotated[
    Path | None, typer.Option(help="Positions file (CSV/Parquet); default: the estimated book.")
]
_Stops = Annotated[
    Path | None,
    typer.Option(
        help="Stops file (side, trigger_price, size); default: modelled stops "
        "for the estimated book, none for an explicit one."
    ),
]
_Asset = Annotated[
    str | None,
    typer.Option(
        help="Asset of the estimated book (default ETH; bundled: ETH, BTC; any other from "
        "the store once `liqmap calibrate --asset` has fitted it). With --positions: the "
        "asset of the file's rows without a symbol (their contract's margin tiers)."
    ),
]
_AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Date/time of the estimated book (UTC); default: the latest bar every series "
        "of the market reaches (the store's or the bundle's). Not with --positions.",
    ),
]
_Price = Annotated[
    float | None, typer.Option(help="Current price, USD (required with --positions).")
]
_Bucket = Annotated[
    float, typer.Option(help="Bucket width, fraction of price (0.005) or percent (0.5%)."), FRACTION
]
_Range = Annotated[
    float,
    typer.Option("--range", help="Half-range, fraction of price (0.2) or percent (20%): ±20 %."),
    FRACTION,
]
_HeatmapDays = Annotated[
    int, typer.Option(help="Days of daily heatmap written by --out (estimated book), 0-365.")
]
_Json = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]
_Out = Annotated[
    Path | None, typer.Option(help="Folder for liqmap.html/.png and heatmap.html/.png.")
]


#: The files ``liqmap --out`` writes in its folder.
_FIGURES = ("liqmap.html", "liqmap.png", "heatmap.html", "heatmap.png")


def register(app: typer.Typer) -> None:
    """Register the ``liqmap`` group (map callback + calibrate/backtest) on the root app."""
    group = typer.Typer(
        help=(
            "Liquidation map, heatmap and stop-loss clusters of an explicit or estimated "
            "book.\n\nExample: liqcascade liqmap --json"
        ),
        no_args_is_help=False,
        rich_markup_mode="rich",
    )
    from liqcascade._cli import liqmap_validate

    liqmap_validate.register(group)

    @group.callback(invoke_without_command=True)
    def liqmap(
        ctx: typer.Context,
        positions: _Positions = None,
        stops: _Stops = None,
        asset: _Asset = None,
        as_of: _AsOf = None,
        price: _Price = None,
        bucket: _Bucket = 0.005,
        range_: _Range = 0.2,
        heatmap_days: _HeatmapDays = 30,
        book_model: _common.BookModel = "identified",
        as_json: _Json = False,
        out: _Out = None,
    ) -> None:
        """Liquidation and stop notional by price bucket, clusters and concentration.

        Example: liqcascade liqmap --as-of 2025-06-01 --json
        """
        if ctx.invoked_subcommand is not None:
            return
        from liqcascade.market import quiet_caveats, run_liqmap_request

        _common.parse_as_of(as_of, "--as-of")
        if out is not None:  # before the map: a bad folder fails at once
            _common.output_dir(out, "--out", _FIGURES)
        kw = {k: v for k, v in locals().items() if k not in ("ctx", "as_json", "out")}
        kw.pop("run_liqmap_request")
        kw.pop("quiet_caveats")
        # the text prints the market's caveats itself (`caveat: ...`): not warned twice
        quiet = nullcontext() if as_json else quiet_caveats()
        stage = "reading the positions file" if positions is not None else "estimating the book"
        with quiet, _common.progress(stage, total=None):
            run = run_liqmap_request(**kw)
        if run.estimated and len(run.state.positions) == 0:
            _common.warn(f"the estimated book is empty at {run.as_of:%Y-%m-%d %H:%M} UTC")
        result = run.to_dict()
        result["out_of_sample"] = _score_to_date(run, result.get("out_of_sample"))
        if out is not None:
            result["files"] = _write_figures(
                out, run.map, asset or "ETH", run.as_of, heatmap_days, run.state
            )
        _book_units.emit(result, as_json, _render, what=MAP_DOLLARS)

    app.add_typer(group, name="liqmap")
