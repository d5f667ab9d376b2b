"""CLI: ``liqcascade liqmap`` — liquidation map, heatmap and stop clusters.

Without a subcommand the group's callback draws the map; ``calibrate`` and
``backtest`` (``liqmap_validate``) attach to the same group.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from liqcascade._cli import _common


def _render(result: dict[str, Any]) -> None:
    out = _common.stdout
    out.print(
        f"[bold]liquidation map[/] as of {result['as_of'] or '–'}  price {result['price']:,.2f}"
        f"  ({result['source']})"
    )
    t = Table(title="cumulative forced orders if price moves to …", box=None)
    for c in ("move", "long liq (USD)", "sell stops (USD)", "short liq (USD)", "buy stops (USD)"):
        t.add_column(c, justify="right")
    for f in ("0.05", "0.10", "0.20"):
        t.add_row(
            f"∓{float(f):.0%}",
            f"{result['cumulative_long_liq_usd']['-' + f]:,.0f}",
            f"{result['cumulative_sell_stops_usd']['-' + f]:,.0f}",
            f"{result['cumulative_short_liq_usd'][f]:,.0f}",
            f"{result['cumulative_buy_stops_usd'][f]:,.0f}",
        )
    out.print(t)
    ct = Table(title="largest clusters", box=None)
    for col in ("price", "range", "distance", "notional (USD)", "liq (USD)", "stops (USD)"):
        ct.add_column(col, justify="right")
    for cl in result["clusters"][:10]:
        ct.add_row(
            f"{cl['price']:,.2f}",
            f"{cl['price_low']:,.0f}–{cl['price_high']:,.0f}",
            f"{cl['distance']:+.1%}",
            f"{cl['notional_usd']:,.0f}",
            f"{cl['long_liq_usd'] + cl['short_liq_usd']:,.0f}",
            f"{cl['sell_stops_usd'] + cl['buy_stops_usd']:,.0f}",
        )
    out.print(ct)
    k = result["concentration"]
    share, hhi = k["share_near_largest_cluster"], k["hhi"]
    if share is None or hhi is None or math.isnan(share) or math.isnan(hhi):
        out.print("concentration: no notional in range, no cluster")
    else:
        out.print(
            f"concentration: {share:.1%} of the in-range notional within ±0.5 % of the largest "
            f"cluster; HHI over 0.5 % buckets {hhi:.4f} (uniform {k['hhi_uniform']:.4f}, "
            f"effective buckets {k['effective_buckets']:.1f})"
        )
    for name, path in result.get("files", {}).items():
        out.print(f"wrote {name}: {path}")


def _estimated(
    asset: str, as_of: pd.Timestamp | None
) -> tuple[Any, Any, pd.Timestamp, float, pd.DataFrame]:
    """Estimated book, modelled stops, the book's time, its price and the stop bars."""
    import warnings

    from liqcascade import datasets
    from liqcascade import positions as pos
    from liqcascade.positions._maps import estimate_at
    from liqcascade.positions._stops import default_stop_prices

    if asset.upper() != "ETH":
        _common.fail(f"--asset: no bundled open interest for {asset} (bundled: ETH)")
    oi = datasets.load_open_interest()
    t_book = oi.index[-1] if as_of is None else as_of
    if t_book < oi.index[0]:
        _common.fail(
            f"--as-of: {t_book:%Y-%m-%d} is before the first open interest ({oi.index[0]:%Y-%m-%d})"
        )
    if as_of is not None and len(oi) > 1 and as_of >= oi.index[-1] + (oi.index[-1] - oi.index[-2]):
        _common.fail(
            f"--as-of {as_of:%Y-%m-%d} is after the last open-interest bar "
            f"{oi.index[-1]:%Y-%m-%d %H:%M} UTC: no estimate there (give an earlier --as-of)"
        )
    t_book = oi.index[oi.index <= t_book][-1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        book, which = estimate_at(t_book, asset=asset.upper())
    if which != "calibrated":
        _common.warn(f"estimated book: {which} parameters ({caught[0].message if caught else ''})")
    if len(book) == 0:
        _common.warn(f"the estimated book is empty at {t_book:%Y-%m-%d %H:%M} UTC ({which})")
    bars = default_stop_prices(asset.upper(), as_of=t_book)
    price = float(bars["close"].iloc[-1])
    stops = pos.model_stops(book, bars, t_book)
    return book, stops, t_book, price, bars


def _write_figures(
    out: Path, lmap: Any, asset: str, t_book: pd.Timestamp | None, days: int, estimated: bool
) -> dict[str, str]:
    from liqcascade.positions import heatmap

    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    figs = {"liqmap": lmap.plot()}
    if estimated and t_book is not None and days > 0:
        with _common.progress("heatmap", total=None):
            hm = heatmap(t_book - pd.Timedelta(days=days), t_book, asset=asset.upper())
        figs["heatmap"] = hm.plot()
    elif not estimated:
        _common.info("an explicit book has no history: --out writes the map only, no heatmap")
    for name, fig in figs.items():
        html_path = out / f"{name}.html"
        fig.write_html(html_path, include_plotlyjs=True)
        files[f"{name}_html"] = str(html_path)
        png = out / f"{name}.png"
        try:
            fig.write_image(png, width=1200, height=600)
            files[f"{name}_png"] = str(png)
        except Exception as exc:  # kaleido/Chrome missing: say so, keep the HTML
            _common.warn(f"PNG export failed ({type(exc).__name__}: {exc}); wrote HTML only")
    return files


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
        positions: Annotated[
            Path | None,
            typer.Option(help="Positions file (CSV/Parquet); default: the estimated book."),
        ] = None,
        stops: Annotated[
            Path | None,
            typer.Option(
                help="Stops file (side, trigger_price, size); default: modelled stops "
                "for the estimated book, none for an explicit one."
            ),
        ] = None,
        asset: Annotated[str, typer.Option(help="Asset of the estimated book.")] = "ETH",
        as_of: Annotated[
            str | None,
            typer.Option(
                "--as-of",
                help="Date/time of the estimated book (UTC); default: last "
                "bundled bar (2025-07-31 20:00).",
            ),
        ] = None,
        price: Annotated[
            float | None,
            typer.Option(help="Current price, USD (required with --positions)."),
        ] = None,
        bucket: Annotated[
            float, typer.Option(help="Bucket width, fraction of price (0.005 = 0.5 %).")
        ] = 0.005,
        range_: Annotated[
            float, typer.Option("--range", help="Half-range, fraction of price (0.2 = ±20 %).")
        ] = 0.2,
        heatmap_days: Annotated[
            int, typer.Option(help="Days of daily heatmap written by --out (estimated book).")
        ] = 30,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
        out: Annotated[
            Path | None,
            typer.Option(help="Folder for liqmap.html/.png and heatmap.html/.png."),
        ] = None,
    ) -> None:
        """Liquidation and stop notional by price bucket, clusters and concentration.

        Example: liqcascade liqmap --as-of 2025-06-01 --json
        """
        if ctx.invoked_subcommand is not None:
            return
        from liqcascade.positions import liquidation_map

        t_as_of = _common.parse_as_of(as_of, "--as-of")
        if heatmap_days < 0:
            _common.fail(f"--heatmap-days must be >= 0 (got {heatmap_days})")
        if price is not None and not price > 0:
            _common.fail(f"--price must be > 0 (got {price})")
        estimated = positions is None
        if estimated:
            with _common.progress("estimating the book", total=None):
                book, st, t_book, p_est, _ = _estimated(asset, t_as_of)
            p = float(price) if price is not None else p_est
            source = f"estimated book ({len(book)} cohorts) + modelled stops"
            if stops is not None:
                from liqcascade.positions import read_stops

                st = read_stops(_common.existing_file(stops, "--stops"))
                source = f"estimated book ({len(book)} cohorts) + stops from {stops}"
        else:
            from liqcascade.positions import read_positions, read_stops

            assert positions is not None
            book = read_positions(_common.existing_file(positions, "--positions"))
            st = None
            if stops is not None:
                st = read_stops(_common.existing_file(stops, "--stops"))
            if price is None:
                _common.fail("--price is required with --positions (the current price, USD)")
            p = float(price)
            t_book = t_as_of  # type: ignore[assignment]
            source = f"{positions} ({len(book)} positions)" + (
                f" + {stops} ({len(st)} stops)" if st is not None else ""
            )
        lmap = liquidation_map(book, st, p, bucket=bucket, range_=range_, as_of=t_book)
        result: dict[str, Any] = lmap.to_dict()
        result["source"] = source
        if out is not None:
            result["files"] = _write_figures(out, lmap, asset, t_book, heatmap_days, estimated)
        _common.emit(result, as_json, _render)

    app.add_typer(group, name="liqmap")
