"""CLI commands: ``liqcascade margin liq-price``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common

margin_app = typer.Typer(
    help="Exchange margin maths: liquidation and bankruptcy prices.\n\n"
    "Example: liqcascade margin liq-price --side long --size 1 --entry 2000 --margin 100",
    no_args_is_help=True,
)


def _positive(value: float | None, option: str, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        _common.fail(f"{option} must be {'>= 0' if allow_zero else '> 0'} (got {value:g})")


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
    side: Annotated[str, typer.Option("--side", help="Position side: long or short.")],
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
        str, typer.Option("--venue", help="Margin rules: binance, bybit or hyperliquid.")
    ] = "binance",
    symbol: Annotated[
        str,
        typer.Option("--symbol", help="Contract (Binance tier table, Hyperliquid max leverage)."),
    ] = "ETHUSDT",
    mmr: Annotated[
        float | None,
        typer.Option("--mmr", help="Maintenance margin rate override, fraction (0.005 = 0.5 %)."),
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
    from liqcascade.margin import VENUES, liq_price, load_tiers
    from liqcascade.margin._hyperliquid import hyperliquid_max_leverage

    v = venue.strip().lower()
    _common.check_choice("--venue", v, VENUES, given=venue)
    s = side.strip().lower()
    if s not in ("long", "short"):
        _common.fail(f"--side must be long or short (got {side!r})")
    if (margin is None) == (leverage is None):
        _common.fail("give exactly one of --margin and --leverage")
    _positive(size, "--size")
    _positive(entry, "--entry")
    _positive(margin, "--margin", allow_zero=True)
    _positive(leverage, "--leverage")
    if mmr is not None and not (math.isfinite(mmr) and 0 <= mmr < 1):
        _common.fail(f"--mmr must be a fraction in [0, 1) (got {mmr:g})")
    if mmr is not None and v == "hyperliquid" and not 0 < mmr < 0.5:
        _common.fail(f"--mmr must be in (0, 0.5) for hyperliquid (got {mmr:g})")
    table = None
    if tiers is not None:
        if v != "binance":
            _common.fail("--tiers applies to --venue binance only")
        table = load_tiers(_common.existing_file(tiers, "--tiers"))
    notional = size * entry
    if leverage is not None:
        if v == "binance":
            top = float((table or load_tiers(symbol)).max_leverage_at(notional))
        elif v == "bybit":
            top = 100.0
        else:
            top = 1.0 / (2.0 * mmr) if mmr is not None else hyperliquid_max_leverage(symbol)
        if leverage > top:
            _common.fail(
                f"--leverage {leverage:g} is above the {v} maximum {top:g}x for a notional of "
                f"{notional:,.0f} USD ({symbol})"
            )
    r = liq_price(
        v,
        1 if s == "long" else -1,
        size,
        entry,
        margin,
        leverage=leverage,
        symbol=symbol,
        tiers=table,
        mmr=mmr,
    )
    _common.emit(r.item(0), as_json, _render)


def register(app: typer.Typer) -> None:
    """Register ``liqcascade margin …`` on the root app."""
    app.add_typer(margin_app, name="margin")
