"""CLI command: ``liqcascade cascade`` (one cascade, or the fragility of a market)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _book_units, _common
from liqcascade._cli._fraction_options import FRACTION
from liqcascade._prices import percent_text, price_range

#: The unit of a key of the cascade's key/value table whose name does not say it (``_usd``),
#: or which instant a time is (``as_of``: the bar's close; ``liqmap`` heads its map with both ends).
KEY_UNITS = {
    "initial_price": "USD",
    "shock_price": "USD",
    "final_price": "USD",
    "insurance_fund_end": "USD",
    "unfilled_base": "base units",
    "amplification": "× the shock's move",
    "as_of": "the bar's close",
}


def _render_cascade(result: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(show_header=False, box=None)
    for k, v in result.items():
        if isinstance(v, list | dict):
            continue
        unit = KEY_UNITS.get(k)
        label = f"{k} ({unit})" if unit else k
        table.add_row(f"[bold]{_common.esc(label)}[/]", _common._fmt(v))
    _common.stdout.print(table)
    trace = result.get("trace") or []
    if trace:
        t = Table(title="rounds", show_lines=False)
        for col in ("round", "price", "filled_base", "vwap"):
            t.add_column(col, justify="right")
        rows = trace if len(trace) <= 20 else trace[:10] + trace[-10:]
        for r in rows:
            t.add_row(
                str(r["round"]),
                f"{r['price']:,.4f}",
                f"{r['filled_base']:,.4f}",
                "-" if r["vwap"] is None or not math.isfinite(r["vwap"]) else f"{r['vwap']:,.4f}",
            )
        _common.stdout.print(t)


def _render_fragility(result: dict[str, Any]) -> None:
    from rich.table import Table

    from liqcascade._cli.cascade_backtest import bar_text

    where = (
        bar_text(result["bar_open"], result["bar_close"])
        if result.get("bar_close")
        else (result.get("as_of") or "files")
    )
    _common.stdout.print(f"[bold]market[/] {where}  mid {result['mid']:,.2f} USD")
    cs = result["critical_shock"]
    up = cs["total_move"] > 0
    t = Table(title=f"fragility curve ({'up' if up else 'down'} shocks)")
    div, unit = _scale([r["liquidated_usd"] + r["stops_usd"] for r in result["curve"]])
    for c in ("shock", "final move", "amplification", f"forced ({unit})", "exhausted"):
        t.add_column(c, justify="right")
    for r in sorted(result["curve"], key=lambda r: abs(r["shock"])):  # nearest first
        if (
            abs(round(r["shock"] * 100) - r["shock"] * 100) < 1e-9
            and r["shock"] != 0
            and (r["shock"] > 0) == up
        ):
            amp = r["amplification"]
            t.add_row(
                percent_text(r["shock"], 0),
                percent_text(r["final_move"], 2),
                "-" if amp is None else f"{amp:.2f}",
                f"{(r['liquidated_usd'] + r['stops_usd']) / div:,.1f}",
                str(r["book_exhausted"]),
            )
    _common.stdout.print(t)
    _common.stdout.print(critical_shock_line(cs, result["mid"]))
    for key, title in (("next_wave_down", "below"), ("next_wave_up", "above")):
        t = Table(title=f"what each level {title} releases (notional at trigger)")
        div, unit = _scale([r["cumulative_usd"] for r in result[key]])
        for c in ("band (USD)", f"liquidations ({unit})", f"stops ({unit})",
                  f"cumulative ({unit})"):  # fmt: skip
            t.add_column(c, justify="right")
        for r in result[key]:
            t.add_row(
                price_range(r["level"], r["next_level"], result["mid"], sep=" → "),
                f"{r['liquidations_usd'] / div:,.1f}",
                f"{r['stops_usd'] / div:,.1f}",
                f"{r['cumulative_usd'] / div:,.1f}",
            )
        _common.stdout.print(t)


def _scale(values: list[float]) -> tuple[float, str]:
    """``(1e6, "M USD")`` for market-sized notionals, ``(1, "USD")`` below $100,000."""
    return (1e6, "M USD") if max(values, default=0.0) >= 1e5 else (1.0, "USD")


def critical_shock_line(cs: dict[str, Any], mid: float) -> str:
    """The critical shock, said as what it is when the book runs out before the move."""
    final = cs["final_price"] / mid - 1.0
    head = (
        f"[bold]critical shock[/] for a {percent_text(cs['total_move'], 0)} total move: "
        f"{percent_text(cs['shock'], 2)}"
    )
    if cs.get("reached", True):
        return (
            f"{head} (final {cs['final_price']:,.2f} USD, {percent_text(final, signed=True)}; "
            "book exhausted: "
            f"{cs['book_exhausted']})"
        )
    return (
        f"{head}, where the displayed book runs out (final {cs['final_price']:,.2f} USD, "
        f"{percent_text(final, signed=True)}): no cascade on this book reaches "
        f"{percent_text(cs['total_move'], 0)}"
    )


_Path = Path | None
_F = float | None
_Positions = Annotated[
    _Path,
    typer.Option(
        "--positions",
        help="Positions file (CSV/Parquet): side (long/short), size, entry_price, and margin "
        "(isolated USD) or leverage; the optional columns: docs/design.md.",
    ),
]
_Stops = Annotated[
    _Path, typer.Option("--stops", help="Stops file: side (sell/buy), trigger_price, size.")
]
_Book = Annotated[
    _Path, typer.Option("--book", help="Order book file: side (bid/ask), price, size.")
]
_Mid = Annotated[
    _F, typer.Option("--mid", help="Mid price, USD (default: halfway between best bid and ask).")
]
_ShockPrice = Annotated[_F, typer.Option("--shock-price", help="Shock: target price, USD.")]
_Shock = Annotated[
    str | None,
    typer.Option("--shock", help="Shock: fraction of mid (-0.05 = a 5 % fall) or percent (-5%)."),
]
_Sell = Annotated[
    _F, typer.Option("--shock-sell-usd", help="Shock: exogenous market sell, USD (> 0).")
]
_Buy = Annotated[
    _F, typer.Option("--shock-buy-usd", help="Shock: exogenous market buy, USD (> 0).")
]
_Fund = Annotated[float, typer.Option("--insurance-fund", help="Insurance fund at the start, USD.")]
_Refill = Annotated[
    float,
    typer.Option(
        "--refill", help="Fraction (or percent) of each round's fills re-quoted by market makers."
    ),
    FRACTION,
]
_Withdrawal = Annotated[
    float,
    typer.Option(
        "--withdrawal", help="Fraction (or percent) of remaining depth pulled each round (< 1)."
    ),
    FRACTION,
]
_MarkWeight = Annotated[
    float,
    typer.Option("--mark-weight", help="Weight of the trade price in the mark (1 = last price)."),
]
_Partial = Annotated[
    bool,
    typer.Option("--partial-liquidation", help="Hyperliquid: > 100k USD positions in 20 % chunks."),
]
_LiqFee = Annotated[
    float,
    typer.Option(
        "--liq-fee", help="Liquidation fee to the fund, fraction of notional (or percent: 0.1%)."
    ),
    FRACTION,
]
_MaxRounds = Annotated[
    int | None, typer.Option("--max-rounds", help="Stop after this many rounds.")
]
_Asset = Annotated[
    str | None,
    typer.Option(
        "--asset",
        help="Estimated market of this asset (default ETH; bundled: ETH, BTC). With files: "
        "the asset of --positions rows without a symbol (its contract's tiers; default ETH, "
        "and a file off ETH's price scale is refused).",
    ),
]
_AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Date of the estimated state (UTC; default: the latest bar every series of "
        "the market reaches, the store's or the bundle's).",
    ),
]
_Fragility = Annotated[
    bool,
    typer.Option(
        "--fragility",
        help="The fragility curve and critical shock (calibrated: the pooled median path's "
        "crossing, then the median of per-draw crossings); with --liquidity static also "
        "the next-wave levels.",
    ),
]
_TotalMove = Annotated[
    float | None,
    typer.Option(
        "--total-move",
        help="With --fragility: total move for the critical shock, fraction or percent "
        "(default -0.10).",
    ),
    FRACTION,
]
_Json = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]


def cascade_cmd(
    positions: _Positions = None,
    stops: _Stops = None,
    book: _Book = None,
    mid: _Mid = None,
    shock_price: _ShockPrice = None,
    shock: _Shock = None,
    shock_sell_usd: _Sell = None,
    shock_buy_usd: _Buy = None,
    insurance_fund: _Fund = 0.0,
    refill: _Refill = 0.0,
    withdrawal: _Withdrawal = 0.0,
    mark_weight: _MarkWeight = 1.0,
    partial_liquidation: _Partial = False,
    liq_fee: _LiqFee = 0.0,
    max_rounds: _MaxRounds = None,
    asset: _Asset = None,
    as_of: _AsOf = None,
    fragility: _Fragility = False,
    total_move: _TotalMove = None,
    book_model: _common.BookModel = "identified",
    as_json: _Json = False,
) -> None:
    """One liquidation cascade through the order book, from files or the estimated market.

    A shock moves price; liquidations and stops it reaches sell (buy) into the book
    round after round until nothing more triggers (the rules: docs/cascade.md). Without
    --positions the market is the estimated state of --asset at --as-of (the identified
    position book with its stops split off, calibrated order book).

    Example: liqcascade cascade --asset ETH --as-of 2025-07-31 --shock -0.05 --json
    """
    from liqcascade.cascade import run_cascade_request

    if as_of is not None:
        _common.check_dates(as_of=as_of)
    kw = {k: v for k, v in locals().items() if k not in ("as_json", "run_cascade_request")}
    kw["shock"] = _common.parse_shock(shock)
    with _common.progress("fragility curve" if fragility else "cascade"):
        run = run_cascade_request(**kw)
    render = _render_fragility if run.kind == "fragility" else _render_cascade
    if run.kind != "fragility" and positions is None and refill == 0 and withdrawal == 0:
        render = _render_static_bound  # the estimated market's static book: a bound
    _book_units.emit(run.to_dict(), as_json, render)


def _render_static_bound(result: dict[str, Any]) -> None:
    """The static cascade on the estimated market, said to be the bound it is."""
    _render_cascade(result)
    _common.stdout.print(STATIC_BOUND_LINE)


#: What the static answer on the estimated market is (printed under it): a bound.
STATIC_BOUND_LINE = (
    "static book: the displayed book hit at once, nothing refills and the index does not "
    "move on — the static book's upper bound on the cascade's own carry, not a forecast "
    "(no interval, no out-of-sample score); the forecast of the 24 h move, with its "
    "interval and score, is `--liquidity calibrated`"
)


def register(app: typer.Typer) -> None:
    """Register ``liqcascade cascade`` on the root app."""
    from liqcascade._cli.cascade_backtest import register_group  # --liquidity, backtest

    register_group(app, cascade_cmd)
