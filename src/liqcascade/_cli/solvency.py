"""CLI command: ``liqcascade solvency`` (insurance fund, reserve buffer, ADL stress)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liqcascade._cli import _book_units, _common, _market_line
from liqcascade._cli import _solvency_text as _text
from liqcascade._cli._fraction_options import FRACTION, fraction_value
from liqcascade._cli._outside import outside_note
from liqcascade._prices import percent_label, percent_text, shock_name

if TYPE_CHECKING:
    from liqcascade.market import BookUnits


def _parse_scenario(text: str, asset: str = "ETH") -> Any:
    """``-0.1``, ``-10%``, ``name=-0.15`` or ``2025-10-10`` (the book's fall) → StressScenario.

    ``2025-10-10`` is :func:`~liqcascade.solvency.default_scenarios`' last scenario:
    ``asset``'s fall, the positions' own asset's when they hold another.
    """
    from liqcascade.solvency import StressScenario, default_scenarios

    t = text.strip()
    if t == "2025-10-10":
        return default_scenarios(asset)[-1]
    name, _, val = t.rpartition("=")
    try:
        fraction_value(val)
    except ValueError:
        _common.fail(
            f"--scenario: {text!r} is not a shock (use -0.1, -10%, name=-0.15 or 2025-10-10)"
        )
    shock = _common.parse_shock(val, "--scenario")  # -5 (a -500 % move) refused, as --shock's
    assert shock is not None
    # the name is a JSON key (scenarios[].name, min_buffer_survives): the defaults' own
    # (shock_name: "-10%" whether typed or not, never "-10.0%"); the
    # table spaces it (percent_label)
    return StressScenario(name or shock_name(shock), shock)


def _parse_scenarios(texts: list[str] | None, asset: str) -> list[Any] | None:
    """Every ``--scenario`` parsed; a name given twice is refused (the outputs key on it)."""
    if not texts:
        return None
    out = [_parse_scenario(s, asset) for s in texts]
    seen: set[str] = set()
    for s in out:
        if s.name in seen:
            _common.fail(f"--scenario: the name {s.name!r} is given twice (names must differ)")
        seen.add(s.name)
    return out


#: At which scale the fund and liabilities given meet the bad debt (docs/solvency.md, "Units").
FUND_SCALE_NOTE = (
    "--insurance-fund and --liabilities are read as {feed} dollars too: the bad debt is "
    "compared with them on the book's scale"
)

#: The same, when they were given in market dollars (``--fund-scale market``): the
#: factor and the assumption it rests on (the feed's venue's share of open interest).
FUND_MARKET_NOTE = (
    "--insurance-fund and --liabilities were given in market dollars (--fund-scale market) "
    "and compared with the bad debt on the book's scale, × {k:.3g} (the book's share of "
    "open interest over Binance's, taken as {b}: a smaller Binance share makes the factor "
    "larger); the table's dollars are market dollars again, ÷ {k:.3g}"
)


def _fund_scale_note(scale: dict[str, Any]) -> Callable[[BookUnits], str]:
    """The ``units`` line's note on the fund's scale, naming the book's feed."""

    def note(units: BookUnits) -> str:
        if scale.get("scale") == "market":
            b = percent_text(scale.get("binance_share_of_oi", 0.25), 0)
            return FUND_MARKET_NOTE.format(k=scale["feed_per_market_usd"], b=b)
        return FUND_SCALE_NOTE.format(feed=units.book_dollars)

    return note


def _fund_text(result: dict[str, Any]) -> str:
    """``insurance fund at the start …``: on the book's scale, and in market dollars if given so.

    On the estimated market the fund is said to be on the book's scale, beside what it
    is in market dollars (``--fund-scale market``) or what a market-dollar fund of the
    same figure would be on it (``feed``, the default).
    """
    fund, why = result["insurance_fund_usd"], result["insurance_fund_source"]
    scale = result.get("fund_scale") or {}
    k = scale.get("feed_per_market_usd")
    text = f"insurance fund at the start {fund:,.0f} USD"
    if scale.get("scale") == "market":
        text += (
            f" on the book's scale = {scale['insurance_fund_market_usd']:,.0f} USD in market "
            f"dollars ({why}, --fund-scale market: × {k:.3g}, the book's dollars per market "
            "dollar)"
        )
        given = scale.get("liabilities_market_usd")
        if given is not None:
            text += (
                f"; liabilities {given:,.0f} USD in market dollars = "
                f"{scale['liabilities_usd']:,.0f} USD on the book's scale"
            )
        return text
    if scale.get("scale") == "feed" and fund > 0 and k:
        feed = (result.get("units") or {}).get("book_dollars", "the book's")
        return (
            f"{text} on the book's scale ({why}, read as {feed} dollars; a fund of "
            f"{fund:,.0f} USD in market dollars would be {fund * k:,.0f} USD on it: "
            "--fund-scale market)"
        )
    return f"{text} ({why})"


def _liquidated_line(result: dict[str, Any]) -> str | None:
    """What the ``liquidated`` column is on the estimated market (None on a file)."""
    units = result.get("units") or {}
    whole, run = units.get("book_share_of_oi"), units.get("run_book_share_of_oi")
    if not whole or run is None:
        return None
    how = (
        "the shock's price path (no cascade)"
        if result.get("engine") == "path"
        else "the shock and its cascade"
    )
    market = (result.get("fund_scale") or {}).get("scale") == "market"
    return (
        f"liquidated: this venue's book ({run / whole:.2g}× the estimated book, no stops) "
        f"closed by {how}, "
        + ("in market dollars (its figure on the book's scale ÷ the factor)" if market
           else "on the book's scale")
    )  # fmt: skip


#: What the text and JSON say when ``--insurance-fund`` is not given.
FUND_DEFAULT_NOTE = "--insurance-fund not given: none, the report's worst case"

#: A scenario named by a day alone is a recorded episode (``2025-10-10``).
_RECORDED = re.compile(r"\d{4}-\d{2}-\d{2}")


def _fund_line(result: dict[str, Any]) -> None:
    """The market (estimated) or the price before the shock (a file), then the fund."""
    market = result.get("market") or {}
    if market:
        _common.stdout.print(_market_line.market_line(market), soft_wrap=True, markup=False)
    if "pre_shock_price" in result:
        p0 = result["pre_shock_price"]
        _common.stdout.print(
            f"price before the shock {p0['usd']:,.2f} USD ({p0['source']})",
            soft_wrap=True,
            markup=False,
        )
    if "insurance_fund_source" in result:
        _common.stdout.print(_fund_text(result), soft_wrap=True, markup=False)


#: The footnote of a bad debt marked outside its range (a scenario name's ``*`` is
#: another footnote: the recorded episode came after the market date).
_OUTSIDE_NOTE = outside_note(
    "the liquidated and bad debt figures are the central parameters' run",
    "the interval the 10–90 % of the same figure over the draws",
    marked="on a figure",
)


def _table(result: dict[str, Any], scale: _text.Scale) -> tuple[Any, bool]:
    """The scenarios' table (dollars in ``scale``'s) and whether a figure is outside its range."""
    from rich.table import Table

    market = result.get("market") or {}
    cal = result.get("liquidity") == "calibrated"
    title = "Exchange stress: can the fund and the buffer absorb it?"
    nb = max((s.get("interval", {}).get("n_book_draws", 1) for s in result["scenarios"]), default=1)
    over = " × position-book draws" if nb > 1 else ""
    t = Table(
        title=title + (f" (calibrated liquidity; 80 % over liquidity draws{over})" if cal else "")
    )
    u = scale.unit
    cols = ["scenario", "price reached" if cal else "final price", f"liquidated ({u})",
            f"shortfall ({u})", f"fund draw ({u})", f"fund before ADL ({u})",
            f"bad debt ({u})", "min buffer", "reserve ratio", "fund covers",
            "buffer covers"]  # fmt: skip
    odds = {r["scenario"]: r for r in (result.get("fall_frequency") or {}).get("scenarios", [])}
    if odds:
        cols.append("days with a 24 h fall this deep")
    for c in cols + ([f"static bad debt (bound, {u})"] if cal else []):
        t.add_column(c, justify="right")
    outside = False  # a central figure printed outside its own 80 % range
    for s in result["scenarios"]:
        money, out = _text.money_cells(scale, s)
        outside = outside or out
        later = _RECORDED.fullmatch(str(s["name"])) and _market_line.after_market(
            str(s["name"]), market
        )
        name = _common.esc(percent_label(f"{s['name']} *" if later else s["name"]))
        row = [name, f"{s['final_price']:,.2f}", *money, percent_text(s["min_buffer"], 2),
               f"{s['reserve_ratio_end']:.4f}",
               "yes" if s["fund_covers"] else "[red]no[/]",
               "yes" if s["buffer_covers"] else "[red]no[/]"]  # fmt: skip
        if odds:
            row.append(_text.days_cell(odds.get(s["name"])))
        if cal:
            row.append(scale.usd(s["static_upper_bound"]["bad_debt_usd"]))
        t.add_row(*row)
    return t, outside


def _render(result: dict[str, Any]) -> None:
    market = result.get("market") or {}
    _fund_line(result)
    scale = _text.scale_of(result)
    t, outside = _table(result, scale)
    _common.stdout.print(t)
    lines = [_liquidated_line(result), _text.flat_interval_line(result),
             _text.covers_note(result), _text.book_caveat(result),
             _OUTSIDE_NOTE if outside else None]  # fmt: skip
    for line in lines:
        if line:
            _common.stdout.print(line, soft_wrap=True, markup=False)
    for s in result["scenarios"]:
        if _RECORDED.fullmatch(str(s["name"])) and _market_line.after_market(s["name"], market):
            _common.stdout.print(
                f"* {_market_line.what_if(str(s['name']), market)}", soft_wrap=True, markup=False
            )
    crash = _crash_line(result)
    if crash:
        _common.stdout.print(crash, soft_wrap=True, markup=False)
    for line in (_text.adl_start_line(result), _text.survival_line(result),
                 _text.out_of_sample_line(result)):  # fmt: skip
        if line:
            _common.stdout.print(line, soft_wrap=True, markup=False)
    _print_adl(result, scale)


def _crash_line(result: dict[str, Any]) -> str | None:
    """What this run's 2025-10-10 row is (:func:`liqcascade._crashes.crash_line`), or None.

    The row is the book's asset's own fall that day on Binance's hourly bars: the day's
    lowest low over its first open, applied at once to the market date's book.
    """
    from liqcascade._crashes import OCT_2025, crash_line

    asset = (result.get("market") or {}).get("asset") or result.get("asset") or "the book's asset"
    for s in result["scenarios"]:
        if str(s["name"]) == OCT_2025.name:
            window = f"{OCT_2025.day:%Y-%m-%d} 00:00 -> {OCT_2025.last_day:%Y-%m-%d} 00:00 UTC"
            applied = "the day's lowest low over its first open, at once on the book at the date"
            return crash_line("Binance", "hourly", window, s["shock"], applied, asset=asset)
    return None


def _print_adl(result: dict[str, Any], scale: _text.Scale) -> None:
    """The ADL policies' table (dollars in ``scale``'s), or the line saying ADL is never needed."""
    from rich.table import Table

    if result["adl"]:
        why = result.get("adl_scenario_rule")  # the worst scenario: the largest bad debt
        a = Table(
            title=f"ADL policies on {_common.esc(result['adl_scenario'])}"
            + (f" ({why})" if why else "")
        )
        u = scale.unit
        for c in ("policy", "accounts", f"notional ({u})", f"haircut ({u})",
                  f"fund after ADL ({u})", "gini", "bottom-quartile share"):  # fmt: skip
            a.add_column(c, justify="right")
        for p, r in result["adl"].items():
            a.add_row(
                p,
                str(r["n_accounts"]),
                scale.usd(r["notional_usd"]),
                scale.usd(r["haircut_usd"]),
                scale.usd(r["fund_end_usd"]),
                "" if r["gini"] != r["gini"] else f"{r['gini']:.3f}",
                ""
                if r["bottom_quartile_share"] != r["bottom_quartile_share"]
                else percent_text(r["bottom_quartile_share"], 2),
            )
        _common.stdout.print(a)
        note = _uncovered_note(result, scale)
        if note:
            _common.stdout.print(note, soft_wrap=True)
    else:
        _common.stdout.print("No bad debt in any scenario: ADL is never needed.")


def _uncovered_note(result: dict[str, Any], scale: _text.Scale) -> str | None:
    """What the ADL table's haircut is when it cannot close the bad debt; None when it can.

    Every policy covers ``min(bad debt, winners' capacity)``: once the bad debt exceeds
    what the winning side can give (its unrealised profit), each takes all of it — the
    same haircut whatever the policy — and the rest stays uncovered.
    """
    rows = list(result["adl"].values())
    left = max(float(r.get("uncovered_usd", 0.0)) for r in rows)
    if left <= 0:
        return None
    r = max(rows, key=lambda x: float(x.get("uncovered_usd", 0.0)))
    deficit = float(r.get("deficit_usd", r["haircut_usd"] + left))
    covered = float(r.get("covered_usd", deficit - left))
    u = scale.words
    return (
        f"ADL on {result['adl_scenario']}: the bad debt {scale.usd(deficit)} {u} is more than "
        f"the winning side can give; the haircut, {scale.usd(covered)} {u}, is all it can give "
        "(its profit, closed at the loss's bankruptcy price: what ADL recovers; every policy "
        f"takes all of it, so they agree), and {scale.usd(left)} {u} stays uncovered (bad "
        "debt no ADL policy closes)"
    )


_Fund = Annotated[
    float | None,
    typer.Option(
        "--insurance-fund",
        help="Insurance fund at the start, USD: on the estimated market in the book's dollars "
        "(the scale of the liquidation feed it was fitted on, Binance's for the bundled data: "
        "far fewer than market dollars, the `units:` line says how many) unless --fund-scale "
        "market; a positions file's own dollars. Default 0: none, the report's worst case.",
    ),
]
_FundScale = Annotated[
    str,
    typer.Option(
        "--fund-scale",
        help="The dollars of --insurance-fund and --liabilities on the estimated market: feed "
        "(the book's own scale, default) or market (a venue's real dollars, converted to the "
        "book's scale by the book's share of open interest; estimated market only).",
    ),
]
_Positions = Annotated[
    Path | None,
    typer.Option(
        "--positions",
        help="Positions file (CSV/Parquet) of the exchange's users, one isolated position a "
        "row (an account holding several is warned about: not netted). Rows with leverage "
        "are priced on the bundled tier snapshot of their symbol (ETHUSDT, BTCUSDT); for "
        "your own tiers give each row's liq_price and bankruptcy_price (e.g. from margin "
        "liq-price --tiers).",
    ),
]
_Asset = Annotated[
    str | None,
    typer.Option(
        help="Estimated market: asset (ETH, BTC or any asset in the store; default ETH). "
        "With --positions: the asset of its rows without a symbol (its contract's tiers; "
        "default ETH, and a file off ETH's price scale is refused) and of --liquidity "
        "calibrated's calibration."
    ),
]
_AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Estimated market: date (UTC; default: the latest bar every series of the "
        "market reaches, the store's or the bundle's). With --positions only "
        "with --liquidity calibrated (its calibration).",
    ),
]
# The helps of --oi-share and --adl-policy write out liqcascade.market.EXCHANGE_OI_SHARE and
# liqcascade.solvency.ADL_POLICIES: `liqcascade --help` loads neither package
# (tests/test_cli_help_registries.py checks they agree).
_OiShare = Annotated[
    float | None,
    typer.Option(
        "--oi-share",
        help="Estimated market: the exchange's share of open interest, fraction or percent "
        "(default 0.2; not with --positions).",
    ),
    FRACTION,
]
_Buffer = Annotated[
    float,
    typer.Option(help="Reserves over liabilities, fraction (0.06) or percent (6%)."),
    FRACTION,
]
_Scenario = Annotated[
    list[str] | None,
    typer.Option(
        "--scenario",
        help="Shock: -0.1, -10%, name=-0.15 or 2025-10-10 (repeatable; default: -5/-10/"
        "-20/-30 %, +10/+20 % and 2025-10-10).",
    ),
]
_Policy = Annotated[str, typer.Option(help="binance, hyperliquid, socialized, optimal or all.")]
_LiqFee = Annotated[
    float,
    typer.Option(
        "--liq-fee",
        help="Liquidation fee to the fund, fraction of notional (or percent: 0.1%), below 5 % "
        "(0.5 is refused: for 0.5 % give 0.005); charged on "
        "every liquidation, bankrupt ones too, so the fund it gives is an upper bound (real "
        "venues take the fee out of the margin surplus only).",
    ),
    FRACTION,
]
_Liabilities = Annotated[
    float | None,
    typer.Option(
        help="Users' balances, USD in the dollars --fund-scale says (default: the positions' "
        "total margin)."
    ),
]
_Book = Annotated[
    Path | None,
    typer.Option("--book", help="Order book file (side,price,size) for the cascade engine."),
]
_Mid = Annotated[
    float | None,
    typer.Option(
        "--mid",
        help="Price before the shock of --positions with the path engine, USD (default: "
        "--book's mid, else the size-weighted entry price). The cascade engine starts at "
        "--book's mid. The "
        "file's prices are checked against it, else --book's mid, else the market's mid of "
        "their asset (10x away: a unit error).",
    ),
]
_Engine = Annotated[
    str, typer.Option(help="cascade (through the order book), path (gap fills) or auto.")
]
_Liquidity = Annotated[
    str,
    typer.Option(
        "--liquidity",
        help="Cascade engine's liquidity: calibrated (the calibrated response, default on "
        "the estimated market), static (the book as displayed: the upper bound; default "
        "on --positions files) or auto.",
    ),
]
_Accounts = Annotated[
    int | None,
    typer.Option(
        help="Estimated market: accounts per estimated cohort (for ADL spread; default 50).",
        show_default=False,
    ),
]
_SolvencyBookModel = Annotated[
    str | None,
    typer.Option(
        "--book-model",
        help="Position book of the estimated market: identified (default) or legacy (0.1).",
        show_default=False,
    ),
]
_Whole = Annotated[
    bool, typer.Option(help="Queue ADL closes whole positions (overshoots the deficit).")
]
_Json = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]


def solvency(
    insurance_fund: _Fund = None,
    positions: _Positions = None,
    asset: _Asset = None,
    as_of: _AsOf = None,
    oi_share: _OiShare = None,
    reserve_buffer: _Buffer = 0.06,
    scenario: _Scenario = None,
    adl_policy: _Policy = "all",
    liq_fee: _LiqFee = 0.0,
    liabilities: _Liabilities = None,
    book: _Book = None,
    mid: _Mid = None,
    engine: _Engine = "auto",
    accounts_per_cohort: _Accounts = None,
    whole_positions: _Whole = False,
    book_model: _SolvencyBookModel = None,
    liquidity: _Liquidity = "auto",
    fund_scale: _FundScale = "feed",
    as_json: _Json = False,
) -> None:
    """Insurance fund, reserve-buffer and auto-deleveraging stress of an exchange.

    With no option it stresses the estimated ETH market of the last bar with no
    insurance fund (the report's worst case); every figure is then bad debt before
    any fund.

    Example: liqcascade solvency --as-of 2025-07-31 --oi-share 0.2 --insurance-fund 5e6 --json
    """
    from liqcascade.solvency import run_solvency_request

    _common.flag_names(share="--oi-share", per_position="--accounts-per-cohort",
                       liquidation_fee="--liq-fee", liabilities_usd="--liabilities",
                       scenarios="--scenario", policies="--adl-policy",
                       order_book="--book")  # fmt: skip
    scenarios = _parse_scenarios(scenario, asset or "ETH")
    fund_given = insurance_fund is not None
    insurance_fund = 0.0 if insurance_fund is None else insurance_fund
    kw = {
        k: v
        for k, v in locals().items()
        if k not in ("as_json", "scenario", "run_solvency_request", "fund_given")
    }
    with _common.progress("stressing the exchange: engine runs") as advance:
        run = run_solvency_request(**kw, on_run=lambda: advance(1))
    out = run.to_dict()
    out["insurance_fund_source"] = "--insurance-fund" if fund_given else FUND_DEFAULT_NOTE
    _odds(out, as_of)
    _check_prior(out, as_of)
    _book_units.emit(out, as_json, _render, own=_fund_scale_note(out.get("fund_scale") or {}))


def _odds(out: dict[str, Any], as_of: str | None) -> None:
    """``fund_survival`` and ``fall_frequency``: history's odds of the run's falls, in ``out``.

    How often history fell as deep as the ADL start, and per fall scenario as deep as
    its shock within 24 h (``fall_frequency``: ``before``, ``horizon_hours``,
    ``scenarios`` with ``scenario``, ``shock``, ``k``, ``n``, ``p``, ``interval``; the
    report's figure), before the run's date: the estimated market's close (``as_of``),
    else ``--as-of``, else the last bar; the asset the market's or the positions'.
    """
    from liqcascade.solvency import fund_odds_of

    asset = str((out.get("market") or {}).get("asset") or out.get("asset") or "ETH")
    when = out.get("as_of") or as_of
    scen = out["scenarios"]
    survival, freq = fund_odds_of(asset, out.get("adl_start"), [s["shock"] for s in scen], when)
    out["fund_survival"] = survival
    counts = (freq or {}).get("counts") or [None] * len(scen)
    rows = [
        {"scenario": s["name"], "shock": s["shock"], **f}
        for s, f in zip(scen, counts, strict=True)
        if f is not None and f["n"]
    ]
    out["fall_frequency"] = (
        {"before": freq["before"], "horizon_hours": 24, "scenarios": rows}
        if freq and rows
        else None
    )


def _check_prior(out: dict[str, Any], as_of: str | None) -> None:
    """``cascade``'s warning when the calibrated response is the prior; ``calibration.prior``.

    The calibration is the one the run loaded: the estimated market's at its close,
    a positions file's at ``--as-of`` (None: the latest).
    """
    cal = out.get("calibration")
    if not cal:  # static or path engine: no liquidity response
        return
    from liqcascade._cli.cascade_backtest import warn_if_prior

    ts = (out.get("market") or {}).get("close_time") or as_of
    cal["prior"] = warn_if_prior(str(cal["asset"]), ts)["prior"]


def register(app: typer.Typer) -> None:
    """Register ``solvency`` on the root app."""
    app.command("solvency")(solvency)
