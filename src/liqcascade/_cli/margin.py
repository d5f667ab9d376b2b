"""CLI commands: ``liqcascade margin liq-price``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade._cli._fraction_options import FRACTION
from liqcascade.margin import VENUES

margin_app = typer.Typer(
    help="Exchange margin maths: liquidation and bankruptcy prices.\n\n"
    "Example: liqcascade margin liq-price --side long --size 1 --entry 2000 --margin 100",
    no_args_is_help=True,
)


def _render(result: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(show_header=False, box=None)
    labels = {
        "liq_price": ("liquidation price", "USD"),
        "bankruptcy_price": ("bankruptcy price", "USD"),
        "mmr": ("maintenance margin rate", ""),
        "maintenance_amount": ("maintenance amount (cum)", "USD"),
        "tier": ("tier (0-based)", ""),
        "notional": ("notional at entry", "USD"),
    }
    for key, (label, unit) in labels.items():
        v = result[key]
        if key == "mmr":
            text = f"{100 * v:.4g} %"
        elif isinstance(v, float):
            text = f"{v:,.4f} {unit}".strip()
        else:
            text = str(v)
        table.add_row(f"[bold]{label}[/]", text)
    _common.stdout.print(table)


@margin_app.command("liq-price")
def liq_price_cmd(
    side: Annotated[str, typer.Option("--side", help="Position side: long or short (buy/sell).")],
    size: Annotated[float, typer.Option("--size", help="Position size, base units (ETH).")],
    entry: Annotated[float, typer.Option("--entry", help="Entry price, USD.")],
    margin: Annotated[
        float | None,
        typer.Option("--margin", help="Isolated margin (or cross wallet balance), USD."),
    ] = None,
    leverage: Annotated[
        float | None, typer.Option("--leverage", help="Leverage at entry (margin = notional/L).")
    ] = None,
    venue: Annotated[
        str, typer.Option("--venue", help=f"Margin rules: {', '.join(VENUES)}.")
    ] = "binance",
    symbol: Annotated[
        str,
        typer.Option("--symbol", help="Contract (Binance tier table, Hyperliquid max leverage)."),
    ] = "ETHUSDT",
    mmr: Annotated[
        float | None,
        typer.Option(
            "--mmr", help="Maintenance margin rate override, fraction (0.005) or percent (0.5%)."
        ),
        FRACTION,
    ] = None,
    tiers: Annotated[
        Path | None,
        typer.Option("--tiers", help="Binance tier table CSV/Parquet overriding --symbol's."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Liquidation and bankruptcy price of one position.

    Binance USDⓈ-M isolated (tier table with re-evaluation), Bybit isolated, or
    Hyperliquid. Fees and funding are ignored.

    Example: liqcascade margin liq-price --side long --size 1 --entry 2000 --margin 100 --json
    """
    from liqcascade.margin import liq_price

    _common.flag_names(entry_price="--entry")
    r = liq_price(venue, side.strip().lower(), size, entry, margin, leverage=leverage,
                  symbol=symbol, tiers=tiers, mmr=mmr, check_margin=True)  # fmt: skip
    _common.emit(r.item(0), as_json, _render)


def register(app: typer.Typer) -> None:
    """Register ``liqcascade margin …`` on the root app."""
    app.add_typer(margin_app, name="margin")
