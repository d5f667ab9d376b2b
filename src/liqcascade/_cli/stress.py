"""CLI command: ``liqcascade stress`` (shocks, crash replays, Monte Carlo with cascades)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade._limits import check_count, check_seed, stress_path_bytes


def _render(result: dict[str, Any]) -> None:
    from rich.table import Table

    out = _common.stdout
    out.print(
        f"[bold]stress[/] {result['scenario']} ({result['label']}), {result['paths']:,} "
        f"path(s), seed {result['seed']}"
    )
    t = Table(show_header=False, box=None)
    for k in ("var_95", "var_99", "es_95", "es_99", "expected_loss"):
        t.add_row(f"[bold]{k}[/]", f"{result[k]:,.0f} USD")
    m = result["market_liquidations_usd"]
    t.add_row(
        "[bold]market liquidations[/]",
        f"p50 {m['p50'] / 1e6:,.1f}M  p95 {m['p95'] / 1e6:,.1f}M  p99 {m['p99'] / 1e6:,.1f}M USD",
    )
    q = result["price_quantiles"]
    t.add_row(
        f"[bold]{result['price_asset']} price[/]",
        f"5–95 % range ${q['p05']:,.0f}–${q['p95']:,.0f} (median ${q['p50']:,.0f})",
    )
    out.print(t)
    p = Table(title="probability of liquidation or stop")
    p.add_column("position")
    p.add_column("p", justify="right")
    for name, v in result["p_liquidation"].items():
        p.add_row(name, f"{v:.1%}")
    out.print(p)
    for row in result.get("shocks", []):
        out.print(
            f"  shock {row['shock']:+.0%}: ETH → {row['eth_price_after']:,.0f}, "
            f"liquidations {row['market_liquidations_usd'] / 1e6:,.1f}M USD, "
            f"PnL {row['portfolio_pnl_usd']:,.0f} USD"
        )


def _parse_shocks(text: str) -> list[float]:
    vals = []
    for part in text.split(","):
        s = part.strip()
        if not s:
            continue
        try:
            v = float(s[:-1]) / 100 if s.endswith("%") else float(s)
        except ValueError:
            _common.fail(f"--shocks: not a number: {s!r}")
        if not math.isfinite(v) or v <= -1 or v == 0:
            _common.fail(f"--shocks: each shock must be a non-zero fraction > -1 (got {s})")
        vals.append(v)
    if not vals:
        _common.fail("--shocks: give at least one shock")
    return vals


def stress_cmd(
    portfolio: Annotated[
        Path,
        typer.Option(
            "--portfolio",
            help="Portfolio file (CSV/Parquet): symbol, side, size, entry_price, margin or "
            "leverage [, stop_price].",
        ),
    ],
    asset: Annotated[
        str, typer.Option("--asset", help="Market whose estimated book cascades (ETH).")
    ] = "ETH",
    scenario: Annotated[
        str, typer.Option("--scenario", help="shock | replay | montecarlo.")
    ] = "montecarlo",
    shocks: Annotated[
        str | None,
        typer.Option("--shocks", help="Shock grid, fractions or percents: -0.1,-5%,5%,0.1."),
    ] = None,
    window: Annotated[
        str,
        typer.Option(
            "--window",
            help="Replay window: 2022-06-13, 2022-11-08, 2024-08-05, 2025-10-10 or START/END.",
        ),
    ] = "2025-10-10",
    paths: Annotated[int, typer.Option("--paths", help="Monte Carlo paths.")] = 10000,
    horizon_days: Annotated[
        int, typer.Option("--horizon-days", help="Monte Carlo horizon, days (daily steps).")
    ] = 30,
    method: Annotated[
        str, typer.Option("--method", help="fhs (filtered historical) | garch (model draws).")
    ] = "fhs",
    model: Annotated[str, typer.Option("--model", help="gjr | egarch | garch.")] = "gjr",
    dist: Annotated[str, typer.Option("--dist", help="t | normal | skewt.")] = "t",
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    no_cascade: Annotated[
        bool, typer.Option("--no-cascade", help="Paths without the cascade's price impact.")
    ] = False,
    backend: Annotated[str, typer.Option("--backend", help="local | dask.")] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (default: a LocalCluster)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date of the estimated market (default 2025-07-31)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Stress a portfolio and the market: shocks, crash replays, Monte Carlo with cascades.

    Example: liqcascade stress --portfolio book.csv --scenario montecarlo --paths 20000 --json
    """
    from liqcascade import stress as st

    _common.check_choice("--scenario", scenario, st.SCENARIOS)
    if paths <= 0:
        _common.fail(f"--paths must be > 0 (got {paths})")
    if horizon_days <= 0:
        _common.fail(f"--horizon-days must be > 0 (got {horizon_days})")
    _common.check_choice("--method", method, st.METHODS)
    _common.check_choice("--model", model.lower(), ("gjr", "egarch", "garch"), given=model)
    _common.check_choice("--dist", dist.lower(), ("t", "normal", "skewt"), given=dist)
    _common.check_choice("--backend", backend, st.BACKENDS)
    grid = _parse_shocks(shocks) if shocks is not None else list(st.DEFAULT_SHOCKS)
    _common.existing_file(portfolio, "--portfolio")
    pf = st.read_portfolio(portfolio)
    if scenario == "montecarlo":  # refused before the market is loaded
        check_seed(seed)
        check_count("--paths", paths, stress_path_bytes(len({"ETH", *pf.assets}), len(pf)))
    market = st.stress_market(as_of, asset=asset)
    cascade = not no_cascade
    if scenario == "shock":
        res = st.shock_grid(pf, market, grid, cascade=cascade)
    elif scenario == "replay":
        res = st.replay(pf, market, window, cascade=cascade)
    else:
        with _common.progress("paths", total=paths) as advance:
            res = st.monte_carlo(
                pf,
                market,
                paths=paths,
                horizon_days=horizon_days,
                method=method,
                model=model.lower(),
                dist=dist.lower(),
                seed=seed,
                cascade=cascade,
                backend=backend,
                scheduler=scheduler,
                advance=advance,
            )
    out = res.summary()
    out["market"] = market.state.fingerprint()
    if res.scenario == "shock" and res.table is not None:
        out["shocks"] = res.table.to_dict(orient="records")
    _common.emit(out, as_json, _render)


def register(app: typer.Typer) -> None:
    """Register ``liqcascade stress`` on the root app."""
    app.command("stress")(stress_cmd)
