"""CLI commands: ``liqcascade margin liq-price``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade._cli._fraction_options import FRACTION

margin_app = typer.Typer(
    help="Exchange margin maths: liquidation and bankruptcy prices.\n\n"
    "Example: liqcascade margin liq-price --side long --size 1 --entry 2000 --margin 100",
    no_args_is_help=True,
)


#: The rows of ``margin liq-price``'s terms: label, key at the liquidation price, key at
#: entry, unit.
_TERMS = (
    ("notional", "notional_at_liq", "notional", "USD"),
    ("tier (0-based)", "tier", "tier_at_entry", ""),
    ("maintenance margin rate", "mmr", "mmr_at_entry", "%"),
    ("maintenance amount (cum)", "maintenance_amount", "maintenance_amount_at_entry", "USD"),
    ("maintenance margin", "maintenance_margin", "maintenance_margin_at_entry", "USD"),
)


def _term(v: float | int, unit: str) -> str:
    """One value with its unit (``%``: a fraction printed as percent)."""
    if unit == "%":
        return f"{100 * v:.4g} %"
    return f"{v:,.4f} {unit}" if isinstance(v, float) else str(v)


#: Which notional each venue's liquidation is priced on (printed under the terms).
_BASIS = {
    "binance": "liquidated where the equity meets the maintenance margin at the liquidation "
    "price (left, its tier); the venue's position screen shows it at the current price "
    "(right: at entry)",
    "bybit": "liquidated where the equity meets the maintenance margin at entry (the terms above)",
    "hyperliquid": "liquidated where the equity meets the maintenance margin at the "
    "liquidation price (left); one rate, half the initial margin at the coin's maximum "
    "leverage, no tiers",
}

#: Venues whose liquidation is priced on the entry notional alone: their text shows only
#: the terms at entry (those at the liquidation price are no term of theirs).
_ENTRY_ONLY = frozenset({"bybit"})

#: Venues priced on one maintenance rate without a tier table: their text has no tier
#: and no maintenance amount (cum) rows, which are no term of theirs (the JSON keeps
#: every key).
_NO_TIERS = frozenset({"hyperliquid"})
_TIER_ROWS = ("tier (0-based)", "maintenance amount (cum)")


def _render(result: dict[str, Any], venue: str = "binance") -> None:
    """The prices, then the maintenance terms at the liquidation price and at entry.

    A venue of :data:`_ENTRY_ONLY` (Bybit) gets the entry column only; one of
    :data:`_NO_TIERS` (Hyperliquid) no tier and no cum row.
    """
    from rich.table import Table

    table = Table(show_header=False, box=None)
    for key in ("liq_price", "bankruptcy_price"):
        label = key.replace("_", " ").replace("liq ", "liquidation ")
        table.add_row(f"[bold]{label}[/]", _term(result[key], "USD"))
    _common.stdout.print(table)
    both = venue not in _ENTRY_ONLY
    terms = Table(box=None)
    terms.add_column("")
    if both:
        terms.add_column("at the liquidation price", justify="right")
    terms.add_column("at entry", justify="right")
    for label, at_liq, at_entry, unit in _TERMS:
        if venue in _NO_TIERS and label in _TIER_ROWS:
            continue
        at = (at_liq, at_entry) if both else (at_entry,)
        terms.add_row(f"[bold]{label}[/]", *(_term(result[k], unit) for k in at))
    _common.stdout.print(terms)
    if venue in _BASIS:
        _common.stdout.print(_BASIS[venue])
    for c in result.get("caveats") or ():  # another contract's tier table: whose
        _common.stdout.print(f"caveat: {c}", markup=False)


@margin_app.command("liq-price")
def liq_price_cmd(
    side: Annotated[str, typer.Option("--side", help="Position side: long or short (buy/sell).")],
    size: Annotated[float, typer.Option("--size", help="Size, base units of the asset.")],
    entry: Annotated[float, typer.Option("--entry", help="Entry price, USD.")],
    margin: Annotated[
        float | None,
        typer.Option(
            "--margin",
            help="Isolated margin (or cross wallet balance, given without --leverage: a "
            "cross account's leverage setting does not move its liquidation price), USD.",
        ),
    ] = None,
    leverage: Annotated[
        float | None, typer.Option("--leverage", help="Leverage at entry (margin = notional/L).")
    ] = None,
    # the help writes liqcascade.margin.VENUES out: `liqcascade --help` loads no margin
    # maths (tests/test_cli_help_registries.py checks the two agree)
    venue: Annotated[
        str, typer.Option("--venue", help="Margin rules: binance, bybit, hyperliquid.")
    ] = "binance",
    symbol: Annotated[
        str | None,
        typer.Option(
            "--symbol",
            help="Contract (Binance tier table: ETHUSDT's, with a caveat, for a contract "
            "without a packaged one; Hyperliquid max leverage). Default: --asset's "
            "(ETHUSDT without it).",
        ),
    ] = None,
    asset: Annotated[
        str | None,
        typer.Option(
            "--asset",
            help="Base asset of the position (default ETH): its contract (BTCUSDT for BTC) "
            "when --symbol is not given; --entry is checked against its bundled closes.",
        ),
    ] = None,
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
    contract = _contract(asset, symbol, entry, checked=tiers is None or bool(asset or symbol))
    r = liq_price(venue, side.strip().lower(), size, entry, margin, leverage=leverage,
                  symbol=contract, tiers=tiers, mmr=mmr, check_margin=True)  # fmt: skip
    _common.emit(r.item(0), as_json, functools.partial(_render, venue=r.venue))


def _contract(asset: str | None, symbol: str | None, entry: float, *, checked: bool) -> str:
    """The contract priced: ``symbol``, else ``asset``'s, else ETHUSDT; ``entry`` checked.

    ``asset`` and a ``symbol`` of another base asset are refused; with ``checked`` an
    entry off the contract's asset's scale (10x beyond its bundled closes,
    :func:`liqcascade.positions.asset_scale_text`, as a positions file without a symbol
    is checked) is refused (a 115k entry is BTC's, not ETHUSDT's). A ``--tiers``
    file alone names no asset: not checked.
    """
    from liqcascade._symbols import DEFAULT_SYMBOL
    from liqcascade.data import base_asset
    from liqcascade.errors import InputError
    from liqcascade.margin import contract_symbol
    from liqcascade.positions import asset_scale_text

    if asset is not None and symbol is not None and base_asset(symbol) != asset.strip().upper():
        raise InputError(
            f"asset {asset.strip().upper()} and symbol {symbol} ({base_asset(symbol)}) "
            "disagree: give one of them",
            param=("asset", "symbol"),
        )
    if symbol is not None:
        contract = symbol
    else:
        contract = DEFAULT_SYMBOL if asset is None else contract_symbol(asset)
    checked = checked and bool(contract.strip())  # an empty symbol: liq_price refuses it
    text = asset_scale_text(entry, base_asset(contract), "entry") if checked else None
    if text is not None:
        fit = text.rpartition("'s scale)")[0].rpartition("(")[2] if "'s scale)" in text else ""
        raise InputError(  # the parameters named first: the command line shows their flags
            f"{text}; {contract} is priced"
            + (f": give asset {fit} (or symbol {contract_symbol(fit)})" if fit else ""),
            param=("entry", "asset", "symbol") if fit else ("entry",),
        )
    return contract


def register(app: typer.Typer) -> None:
    """Register ``liqcascade margin …`` on the root app."""
    app.add_typer(margin_app, name="margin")
