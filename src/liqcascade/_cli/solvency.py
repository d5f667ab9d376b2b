"""CLI command: ``liqcascade solvency`` (insurance fund, reserve buffer, ADL stress)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade.market._params import EXCHANGE_OI_SHARE
from liqcascade.solvency._adl import ADL_POLICIES as _POLICIES


def _parse_scenario(text: str) -> Any:
    """``-0.1``, ``-10%``, ``name=-0.15`` or ``2025-10-10`` → StressScenario."""
    from liqcascade.solvency import StressScenario, october_2025_shock

    t = text.strip()
    if t == "2025-10-10":
        return StressScenario("2025-10-10", october_2025_shock())
    name, _, val = t.rpartition("=")
    m = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)(%?)", val.strip())
    if not m:
        _common.fail(
            f"--scenario: {text!r} is not a shock (use -0.1, -10%, name=-0.15 or 2025-10-10)"
        )
    shock = float(m.group(1)) / (100.0 if m.group(2) else 1.0)
    return StressScenario(name or f"{shock:+.1%}", shock)


def _render(result: dict[str, Any]) -> None:
    from rich.table import Table

    t = Table(title="Exchange stress: can the buffer absorb it?")
    for c in ("scenario", "final price", "liquidated (USD)", "fund end (USD)", "bad debt (USD)",
              "min buffer", "reserve ratio", "survives"):  # fmt: skip
        t.add_column(c, justify="right")
    for s in result["scenarios"]:
        t.add_row(
            s["name"],
            f"{s['final_price']:,.2f}",
            f"{s['liquidated_usd']:,.0f}",
            f"{s['fund_end_usd']:,.0f}",
            f"{s['bad_debt_usd']:,.0f}",
            f"{s['min_buffer']:.2%}",
            f"{s['reserve_ratio_end']:.4f}",
            "yes" if s["survives"] else "[red]no[/]",
        )
    _common.stdout.print(t)
    if result["adl"]:
        a = Table(title=f"ADL policies on {result['adl_scenario']}")
        for c in ("policy", "accounts", "notional (USD)", "haircut (USD)", "gini",
                  "bottom-quartile share"):  # fmt: skip
            a.add_column(c, justify="right")
        for p, r in result["adl"].items():
            a.add_row(
                p,
                str(r["n_accounts"]),
                f"{r['notional_usd']:,.0f}",
                f"{r['haircut_usd']:,.0f}",
                "" if r["gini"] != r["gini"] else f"{r['gini']:.3f}",
                ""
                if r["bottom_quartile_share"] != r["bottom_quartile_share"]
                else f"{r['bottom_quartile_share']:.2%}",
            )
        _common.stdout.print(a)
    else:
        _common.stdout.print("No bad debt in any scenario: ADL is never needed.")


def solvency(
    insurance_fund: Annotated[float, typer.Option("--insurance-fund", help="Insurance fund, USD.")],
    positions: Annotated[
        Path | None,
        typer.Option("--positions", help="Positions file (CSV/Parquet) of the exchange's users."),
    ] = None,
    asset: Annotated[
        str, typer.Option(help="Estimated market: asset (bundled data: ETH, BTC).")
    ] = "ETH",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Estimated market: date (UTC; default the last bar)."),
    ] = None,
    oi_share: Annotated[
        float,
        typer.Option("--oi-share", help="Estimated market: the exchange's share of open interest."),
    ] = EXCHANGE_OI_SHARE,
    reserve_buffer: Annotated[
        float, typer.Option(help="Reserves over liabilities, fraction (0.06 = 6 %).")
    ] = 0.06,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="Shock: -0.1, -10%, name=-0.15 or 2025-10-10 (repeatable; default: -5/-10/"
            "-20/-30 %, +10/+20 % and 2025-10-10).",
        ),
    ] = None,
    adl_policy: Annotated[str, typer.Option(help=f"{', '.join(_POLICIES)} or all.")] = "all",
    liq_fee: Annotated[
        float, typer.Option("--liq-fee", help="Liquidation fee to the fund, fraction of notional.")
    ] = 0.0,
    liabilities: Annotated[
        float | None,
        typer.Option(help="Users' balances, USD (default: the positions' total margin)."),
    ] = None,
    book: Annotated[
        Path | None,
        typer.Option("--book", help="Order book file (side,price,size) for the cascade engine."),
    ] = None,
    mid: Annotated[
        float | None,
        typer.Option(
            "--mid",
            help="Price before the shock, USD (default: the book's mid, else the "
            "size-weighted entry price of --positions).",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(help="cascade (through the order book), path (gap fills) or auto."),
    ] = "auto",
    accounts_per_cohort: Annotated[
        int,
        typer.Option(help="Estimated market: accounts per estimated cohort (for ADL spread)."),
    ] = 50,
    whole_positions: Annotated[
        bool, typer.Option(help="Queue ADL closes whole positions (overshoots the deficit).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Insurance fund, reserve-buffer and auto-deleveraging stress of an exchange.

    Example: liqcascade solvency --as-of 2025-07-31 --oi-share 0.2 --insurance-fund 5e6 --json
    """
    from liqcascade.solvency import ADL_POLICIES, Exchange, default_scenarios, run_solvency
    from liqcascade.solvency._market import estimated_exchange_market, split_accounts

    pol = adl_policy.strip().lower()
    if pol != "all" and pol not in _POLICIES:
        _common.fail(
            f"--adl-policy must be one of {', '.join(_POLICIES)} or all (got {adl_policy!r})"
        )
    policies: Any = ADL_POLICIES if pol == "all" else (pol,)
    if engine not in ("auto", "cascade", "path"):
        _common.fail(f"--engine must be auto, cascade or path (got {engine!r})")
    if liq_fee < 0 or liq_fee >= 1:
        _common.fail(f"--liq-fee must be in [0, 1) (got {liq_fee})")
    scenarios = [_parse_scenario(s) for s in scenario] if scenario else default_scenarios()
    order_book = None
    market = None
    if mid is not None and not mid > 0:
        _common.fail(f"--mid must be > 0 (got {mid})")
    with _common.progress("building the exchange"):
        if positions is not None:
            from liqcascade.positions import read_positions

            _common.existing_file(positions, "--positions")
            pos = read_positions(positions)
            if book is not None:
                from liqcascade.book import OrderBook

                _common.existing_file(book, "--book")
                order_book = OrderBook.from_file(book)
        else:
            from liqcascade.market import MarketSpec, estimated_market

            market = estimated_market(MarketSpec(asset, as_of, share=oi_share, with_stops=False))
            pos, order_book = estimated_exchange_market(oi_share=oi_share, state=market)
            pos = split_accounts(pos, accounts_per_cohort)
            mid = order_book.mid if mid is None else mid
            if book is not None:
                _common.fail("--book goes with --positions (the estimated market has its own)")
    ex = Exchange(
        pos,
        insurance_fund=insurance_fund,
        reserve_buffer=reserve_buffer,
        liquidation_fee=liq_fee,
        liabilities_usd=liabilities,
        mid=mid,
    )
    with _common.progress(f"stressing {len(scenarios)} scenarios"):
        res = run_solvency(
            ex,
            scenarios,
            order_book=order_book,
            policies=policies,
            engine=engine,  # type: ignore[arg-type]
            whole_positions=whole_positions,
        )
    out = res.to_dict()
    if market is not None:
        out["market"] = market.fingerprint()
    _common.emit(out, as_json, _render)


def register(app: typer.Typer) -> None:
    """Register ``solvency`` on the root app."""
    app.command("solvency")(solvency)
