"""CLI command: ``liqcascade collateral`` (the collateral loop on unified margin, issue 19)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from liqcascade._cli import _common
from liqcascade._cli._eth_scenario import EthAsset, refuse_other_asset


def _render(res: dict[str, Any]) -> None:
    from liqcascade.collateral import low_text

    t = Table(
        title=f"Collateral loop ({res['pricing']} pricing), {res['start'][:16]} -> "
        f"{res['end'][:16]}",
        caption="book low: the lowest price the collateral fetched on its own book; margin "
        "price low: the lowest price the margin counted it at (both × fair value; '(at floor)': "
        "the configuration's floor, not a result); mins < 0.95 / 0.90: minutes the own-book "
        "price was below that fraction of fair",
    )
    for c in COLUMNS:
        t.add_column(c, justify="right" if c != "asset" else "left")
    for n, a in res["assets"].items():
        t.add_row(
            _common.esc(n),  # the configuration's asset names
            low_text(a["min_price"], a["min_price_at_floor"], 4),
            f"{a['min_index']:.4f}",
            str(a["minutes_below_0_95"]),
            str(a["minutes_below_0_90"]),
            f"{a['sold_usd']:,.0f}",
        )
    _common.stdout.print(t)
    ds = res["depeg_start_minutes_after_low"]
    _common.stdout.print(
        f"collateral liquidated ${res['collateral_liquidated_usd']:,.0f}; accounts liquidated "
        f"{res['accounts_liquidated']} of {res['accounts']}; shortfall (bad debt) "
        f"${res['shortfall_usd']:,.0f}; depeg start {_when(ds)} ETH's low "
        f"({res['eth_low']:,.2f} at {res['eth_low_at'][11:16]})."
    )
    if "crash" in res:  # which reading of the 2025-10-10 crash this run is
        _common.stdout.print(res["crash"], markup=False, soft_wrap=True)
    for line in _book_lines(res):
        _common.stdout.print(line, markup=False)
    _common.stdout.print(res["note"], markup=False)
    told = _common.assumptions_line(res.get("assumptions"))  # the [[assumptions]], by name
    if told:
        _common.stdout.print(told, markup=False)


#: The text table's columns (``min_price``, ``min_index`` of the JSON named for what they are).
COLUMNS = (
    "asset",
    "book low (sale price, × fair)",
    "margin price low (× fair)",
    "mins < 0.95",
    "mins < 0.90",
    "sold USD",
)


def _when(minutes: int | None) -> str:
    """'5 min before' / '3 min after' / 'at' ETH's low; 'none (no book below 0.99) near'."""
    if minutes is None:
        return "none (no own book below 0.99 of fair value) near"
    if minutes == 0:
        return "at"
    return f"{abs(minutes)} min {'before' if minutes < 0 else 'after'}"


def _book_lines(res: dict[str, Any]) -> list[str]:
    """Each calibrated book's out-of-sample verdict, and the result over the depth's IQR."""
    from liqcascade.collateral import low_text

    out = []
    for n, b in res["books"].items():
        o = b["out_of_sample"]
        if o is None:
            out.append(f"{n} own book: no minutes after the scenario to score it on.")
            continue
        verdict = {
            "beats": "beats its baseline",
            "ties": "ties with its baseline: the depth is a scenario input, not a validated "
            "forecast",
        }.get(
            str(o.get("verdict")),
            "LOSES to its baseline: the depth is a scenario input, not a validated forecast",
        )
        out.append(
            f"{n} own book out of sample ({o['n']} minutes, {o['start'][:10]} -> "
            f"{o['end'][:10]}): MAE of the minute's range {o['mae_model']:.1e} vs "
            f"{o['mae_baseline']:.1e} for the baseline (median calibration range; "
            f"difference {o['mae_diff']:+.1e}, 90 %: {o['mae_diff_p05']:+.1e} … "
            f"{o['mae_diff_p95']:+.1e}): {verdict}."
        )
    d = res["depth_sensitivity"]
    if d is not None:
        lo, hi = d["at_depth_q25"], d["at_depth_q75"]
        depths = ", ".join(
            f"{n} ${a / 1e6:,.1f}M-${b / 1e6:,.1f}M per 1 %"
            for n, (a, b) in d["depth_usd_per_pct"].items()
        )
        lows = [
            f"{n} low {low_text(lo['min_price'][n], lo['min_price_at_floor'][n])}"
            f" / {low_text(hi['min_price'][n], hi['min_price_at_floor'][n])}"
            for n in lo["min_price"]
        ]
        out.append(
            f"Over the depth's IQR ({depths}; a range, not an interval): collateral "
            f"liquidated ${lo['collateral_liquidated_usd'] / 1e6:,.1f}M "
            f"({lo['accounts_liquidated']} accounts) at the low depth, "
            f"${hi['collateral_liquidated_usd'] / 1e6:,.1f}M ({hi['accounts_liquidated']}) at "
            f"the high; {', '.join(lows)}."
        )
    return out


INSTEAD = (
    "run it without --asset for ETH's, or describe your venues and collateral in a "
    "--config file (docs/collateral.md)"
)
"""What ``collateral --asset BTC`` says to run instead (:func:`refuse_other_asset`)."""


def collateral_cmd(
    preset: Annotated[
        str | None, typer.Option("--preset", help="Bundled preset: oct-2025 (2025-10-10).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML configuration (docs/collateral.md).")
    ] = None,
    pricing: Annotated[
        str | None,
        typer.Option(
            "--pricing",
            help="Valuation: own-book, index, redemption or nav. No NAV feed is bundled: nav is "
            "fair value clamped to each asset's nav_floor and nav_cap, so with the default "
            "bounds (the oct-2025 preset's) it gives the same result as redemption.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    asset: EthAsset = "ETH",
) -> None:
    """Collateral that depegs on its own book liquidates unified-margin accounts.

    Example: liqcascade collateral --preset oct-2025 --pricing redemption --json
    """
    refuse_other_asset(asset, "collateral", INSTEAD)  # before any data is loaded
    from liqcascade import datasets
    from liqcascade.collateral import (
        ETH_BARS,
        load_config,
        preset_config,
        run_collateral,
        scenario_of,
    )

    if (config is None) == (preset is None):
        _common.fail("give exactly one of --config FILE.toml or --preset NAME")
    named: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if config is not None:
        where = _common.existing_file(config, "--config").name
        named = _common.config_file(config)  # its errors name the file
    else:
        where = f"{preset}.toml"
    with named:
        cfg = load_config(config) if config is not None else preset_config(str(preset))
        eth = datasets.load(ETH_BARS[scenario_of(cfg, where).eth_bars])
        with _common.progress("running the collateral loop") as advance:
            advance(0)
            _, out = run_collateral(
                cfg, where, eth, {"USDE": datasets.load_ohlcv("USDE", "1m")}, pricing
            )
            advance(1)
    _common.emit(out, as_json, _render)


def register(app: typer.Typer) -> None:
    """Register ``liqcascade collateral`` on the root app."""
    app.command("collateral")(collateral_cmd)
