"""CLI command: ``liqcascade cascade`` (one cascade, or the fragility of a market)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from liqcascade._cli import _common

_SHOCK_OPTIONS = "--shock-price, --shock, --shock-sell-usd, --shock-buy-usd"


def _render_cascade(result: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(show_header=False, box=None)
    for k, v in result.items():
        if isinstance(v, list | dict):
            continue
        table.add_row(f"[bold]{k}[/]", _common._fmt(v))
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

    _common.stdout.print(
        f"[bold]market[/] {result.get('as_of') or 'files'}  mid {result['mid']:,.2f} USD"
    )
    t = Table(title="fragility curve (down shocks)")
    for c in ("shock", "final move", "amplification", "forced (M USD)", "exhausted"):
        t.add_column(c, justify="right")
    for r in result["curve"]:
        if abs(round(r["shock"] * 100) - r["shock"] * 100) < 1e-9 and r["shock"] < 0:
            amp = r["amplification"]
            t.add_row(
                f"{r['shock']:.0%}",
                f"{r['final_move']:.2%}",
                "-" if amp is None else f"{amp:.2f}",
                f"{(r['liquidated_usd'] + r['stops_usd']) / 1e6:,.1f}",
                str(r["book_exhausted"]),
            )
    _common.stdout.print(t)
    cs = result["critical_shock"]
    _common.stdout.print(
        f"[bold]critical shock[/] for a {cs['total_move']:.0%} total move: {cs['shock']:.2%} "
        f"(final {cs['final_price']:,.2f} USD, book exhausted: {cs['book_exhausted']})"
    )
    for key, title in (("next_wave_down", "below"), ("next_wave_up", "above")):
        t = Table(title=f"what each level {title} releases (notional at trigger)")
        for c in ("band (USD)", "liquidations (M USD)", "stops (M USD)", "cumulative (M USD)"):
            t.add_column(c, justify="right")
        for r in result[key]:
            t.add_row(
                f"{r['level']:,.0f} → {r['next_level']:,.0f}",
                f"{r['liquidations_usd'] / 1e6:,.1f}",
                f"{r['stops_usd'] / 1e6:,.1f}",
                f"{r['cumulative_usd'] / 1e6:,.1f}",
            )
        _common.stdout.print(t)


def _nonneg(value: float | None, option: str, upper: float | None = None) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (upper is not None and value > upper):
        rng = f"in [0, {upper:g}]" if upper is not None else ">= 0"
        _common.fail(f"{option} must be {rng} (got {value:g})")


def cascade_cmd(
    positions: Annotated[
        Path | None,
        typer.Option("--positions", help="Positions file (CSV/Parquet; see DESIGN.md layout)."),
    ] = None,
    stops: Annotated[
        Path | None,
        typer.Option("--stops", help="Stops file: side (sell/buy), trigger_price, size."),
    ] = None,
    book: Annotated[
        Path | None, typer.Option("--book", help="Order book file: side (bid/ask), price, size.")
    ] = None,
    mid: Annotated[
        float | None,
        typer.Option("--mid", help="Mid price, USD (default: halfway between best bid and ask)."),
    ] = None,
    shock_price: Annotated[
        float | None, typer.Option("--shock-price", help="Shock: target price, USD.")
    ] = None,
    shock: Annotated[
        float | None,
        typer.Option("--shock", help="Shock: fraction of mid (-0.05 = a 5 % fall)."),
    ] = None,
    shock_sell_usd: Annotated[
        float | None, typer.Option("--shock-sell-usd", help="Shock: exogenous market sell, USD.")
    ] = None,
    shock_buy_usd: Annotated[
        float | None, typer.Option("--shock-buy-usd", help="Shock: exogenous market buy, USD.")
    ] = None,
    insurance_fund: Annotated[
        float, typer.Option("--insurance-fund", help="Insurance fund at the start, USD.")
    ] = 0.0,
    refill: Annotated[
        float,
        typer.Option("--refill", help="Fraction of each round's fills re-quoted by market makers."),
    ] = 0.0,
    withdrawal: Annotated[
        float,
        typer.Option("--withdrawal", help="Fraction of remaining depth pulled each round (< 1)."),
    ] = 0.0,
    mark_weight: Annotated[
        float,
        typer.Option(
            "--mark-weight", help="Weight of the trade price in the mark (1 = last price)."
        ),
    ] = 1.0,
    partial_liquidation: Annotated[
        bool,
        typer.Option(
            "--partial-liquidation", help="Hyperliquid: > 100k USD positions in 20 % chunks."
        ),
    ] = False,
    liq_fee: Annotated[
        float,
        typer.Option("--liq-fee", help="Liquidation fee to the fund, fraction of notional."),
    ] = 0.0,
    max_rounds: Annotated[
        int | None, typer.Option("--max-rounds", help="Stop after this many rounds.")
    ] = None,
    asset: Annotated[
        str,
        typer.Option("--asset", help="Estimated market of this asset (bundled: ETH, BTC)."),
    ] = "ETH",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date of the estimated state (UTC; default the last bar)."),
    ] = None,
    fragility: Annotated[
        bool,
        typer.Option(
            "--fragility", help="The fragility curve, critical shock and next-wave levels."
        ),
    ] = False,
    total_move: Annotated[
        float,
        typer.Option("--total-move", help="With --fragility: total move for the critical shock."),
    ] = -0.10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """One liquidation cascade through the order book, from files or the estimated market.

    A shock moves price; liquidations and stops it reaches sell (buy) into the book
    round after round until nothing more triggers (DESIGN.md semantics). Without
    --positions the market is the estimated ETH state of --as-of (positions, modelled
    stops, calibrated book).

    Example: liqcascade cascade --asset ETH --as-of 2025-07-31 --shock -0.05 --json
    """
    from liqcascade.cascade import (
        CascadeConfig,
        critical_shock,
        fragility_curve,
        next_wave_levels,
        prepare_cascade,
        simulate_cascade,
    )

    shocks = {
        "--shock-price": shock_price,
        "--shock": shock,
        "--shock-sell-usd": shock_sell_usd,
        "--shock-buy-usd": shock_buy_usd,
    }
    given = [k for k, v in shocks.items() if v is not None]
    if fragility:
        if given:
            _common.fail(f"--fragility runs a grid of shocks: drop {', '.join(given)}")
    elif len(given) != 1:
        _common.fail(
            f"give exactly one of {_SHOCK_OPTIONS}"
            + (f" (got {', '.join(given)})" if given else "")
        )
    if shock_price is not None and not (math.isfinite(shock_price) and shock_price > 0):
        _common.fail(f"--shock-price must be > 0 USD (got {shock_price:g})")
    if shock is not None and not (math.isfinite(shock) and shock > -1):
        _common.fail(f"--shock must be a fraction > -1 (got {shock:g})")
    _nonneg(shock_sell_usd, "--shock-sell-usd")
    _nonneg(shock_buy_usd, "--shock-buy-usd")
    _nonneg(insurance_fund, "--insurance-fund")
    _nonneg(refill, "--refill", 1.0)
    _nonneg(withdrawal, "--withdrawal", 1.0)
    if withdrawal >= 1.0:
        _common.fail(f"--withdrawal must be < 1 (got {withdrawal:g})")
    if not (math.isfinite(mark_weight) and 0 < mark_weight <= 1):
        _common.fail(f"--mark-weight must be in (0, 1] (got {mark_weight:g})")
    _nonneg(liq_fee, "--liq-fee", 1.0)
    if max_rounds is not None and max_rounds < 1:
        _common.fail(f"--max-rounds must be >= 1 (got {max_rounds})")
    if mid is not None and not (math.isfinite(mid) and mid > 0):
        _common.fail(f"--mid must be > 0 USD (got {mid:g})")
    if not (math.isfinite(total_move) and total_move != 0 and total_move > -1):
        _common.fail(f"--total-move must be a non-zero fraction > -1 (got {total_move:g})")
    config = CascadeConfig(
        refill_fraction=refill,
        withdrawal_fraction=withdrawal,
        mark_price_weight=mark_weight,
        partial_liquidation=partial_liquidation,
        liquidation_fee=liq_fee,
        max_rounds=max_rounds,
    )

    state_as_of = None
    market: dict[str, Any] | None = None
    if positions is not None or book is not None or stops is not None:
        if positions is None or book is None:
            _common.fail("--positions and --book are both required for a cascade from files")
        assert positions is not None and book is not None
        if as_of is not None:
            _common.fail("--as-of applies to the estimated market, not to --positions files")
        from liqcascade.book import OrderBook
        from liqcascade.positions import read_positions, read_stops

        _common.existing_file(positions, "--positions")
        _common.existing_file(book, "--book")
        ob = OrderBook.from_file(book, mid=mid)
        pos = read_positions(positions)
        st = None
        if stops is not None:
            _common.existing_file(stops, "--stops")
            st = read_stops(stops)
    else:
        from liqcascade.market import MarketSpec, estimated_market

        if mid is not None:
            _common.fail("--mid applies to --book files; the estimated market uses its own price")
        with _common.progress("estimating the market state"):
            state = estimated_market(MarketSpec(asset=asset, as_of=as_of))
        ob, pos, st = state.book, state.positions, state.stops
        state_as_of = state.as_of
        market = state.fingerprint()

    thr = config.partial_threshold_usd if partial_liquidation else None
    pm = prepare_cascade(ob, pos, st, partial_threshold_usd=thr)
    if not fragility:
        r = simulate_cascade(
            pm,
            shock_price=shock_price,
            shock=shock,
            shock_sell_usd=shock_sell_usd,
            shock_buy_usd=shock_buy_usd,
            insurance_fund=insurance_fund,
            config=config,
        )
        out: dict[str, Any] = r.summary()
        if state_as_of is not None:
            out["as_of"] = state_as_of
            out["market"] = market
        _common.emit(out, as_json, _render_cascade)
        return

    grid = np.round(np.linspace(-0.20, 0.20, 401), 6)
    with _common.progress("fragility curve"):
        fc = fragility_curve(pm, shocks=grid, insurance_fund=insurance_fund, config=config)
        cs = critical_shock(pm, total_move=total_move, insurance_fund=insurance_fund, config=config)
    down = next_wave_levels(pos, st, ob.mid, direction="down")
    up = next_wave_levels(pos, st, ob.mid, direction="up")
    result: dict[str, Any] = {
        "as_of": state_as_of,
        "mid": ob.mid,
        "curve": _common.to_jsonable(fc.to_frame()),
        "critical_shock": cs.summary(),
        "next_wave_down": _common.to_jsonable(down.to_frame()),
        "next_wave_up": _common.to_jsonable(up.to_frame()),
        "summary": fc.summary(),
        "market": market,
    }
    _common.emit(result, as_json, _render_fragility)


def register(app: typer.Typer) -> None:
    """Register ``liqcascade cascade`` on the root app."""
    from liqcascade._cli.cascade_backtest import register_group  # --liquidity, backtest

    register_group(app, cascade_cmd)
