"""CLI command: ``liqcascade stress`` (shocks and crash replays with cascades, Monte Carlo).

The shock grid and the replay are deterministic what-ifs: they print each scenario's
P&L, liquidations and positions hit, never a VaR, ES, quantile or probability. The
Monte Carlo's paths move by the fitted model's residuals, which already hold
history's cascades: no cascade is added to them (the book's liquidations are counted).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _book_units, _common, _market_line
from liqcascade._prices import count_text, percent_label, percent_text, quantity_text


def _render(result: dict[str, Any]) -> None:
    out, esc = _common.stdout, _common.esc
    market = result.get("market") or {}
    if market:
        out.print(_market_line.market_line(market), soft_wrap=True, markup=False)
    if result.get("portfolio_file"):
        warned = set(market.get("caveats") or ())  # logged as the market's warnings already
        tiers = "".join(f"; {c}" for c in result.get("portfolio_caveats") or () if c not in warned)
        n = count_text(result["n_positions"], "position")
        out.print(f"portfolio: {result['portfolio_file']} ({n}){_venue_words(result)}"
                  f"{_stated_words(result)}{tiers}",
                  soft_wrap=True, markup=False)  # fmt: skip
    label = percent_label(str(result["label"]))  # the JSON's "-30%,-20%": spaced here
    if result["scenario"] == "replay":
        label = _market_line.what_if(label, market)
    label, asset = esc(label), esc(result["asset"])
    if result.get("deterministic"):
        n = result["paths"]
        out.print(
            f"[bold]stress[/] {asset} market, {result['scenario']} ({label}): {n} "
            f"deterministic scenario{'s' if n != 1 else ''} — each a what-if, not a draw: no "
            "VaR, ES, quantile or probability",
            soft_wrap=True,
        )
        cut = _cut_line(result.get("details") or {})
        if cut:
            out.print(cut, soft_wrap=True, markup=False)
        _render_scenarios(result)
    else:
        out.print(
            f"[bold]stress[/] {asset} market, {result['scenario']} ({label}), "
            f"{count_text(result['paths'], 'path', grouped=True)}, seed {result['seed']}",
            soft_wrap=True,
        )
        _render_distribution(result)
        if result.get("backtest_command"):  # the Monte Carlo scores nothing out of sample
            out.print(BACKTEST_SCORES, soft_wrap=True, markup=False)
            out.print(f"back-test this portfolio's VaR: {result['backtest_command']}",
                      soft_wrap=True, markup=False)  # fmt: skip
        if result.get("backtest_note"):
            out.print(result["backtest_note"], soft_wrap=True, markup=False)
    rows = result.get("shocks", [])
    for row in rows:
        out.print(_shock_line(row), soft_wrap=True, markup=False)
    if any(_pnl_at_bound(r) for r in rows):
        out.print(BOOK_EDGE_LINE, soft_wrap=True)
    if rows:
        out.print(_split_line(rows[0]), soft_wrap=True, markup=False)
        out.print(_liquidations_what(rows), soft_wrap=True, markup=False)


def _venue_words(result: dict[str, Any]) -> str:
    """``; venues: binance 2, bybit 2, spot 1 (...)`` when a row is not Binance's, else ""."""
    venues = list((result.get("portfolio_venues") or {}).values())
    if not venues or set(venues) == {"binance"}:
        return ""
    counts = ", ".join(f"{v} {venues.count(v)}" for v in dict.fromkeys(venues))
    spot = " (spot: no margin, never liquidated)" if "spot" in venues else ""
    return f"; venues: {counts}{spot}, each row liquidated on its venue's margin rules"


def _stated_words(result: dict[str, Any]) -> str:
    """``; 2 rows liquidated at their stated liq_price (1 cross ...)``, or "" when none is."""
    stated = result.get("portfolio_liq_stated") or {}
    modes = result.get("portfolio_margin_modes") or {}
    rows = [n for n, x in stated.items() if x]
    if not rows:
        return ""
    k = sum(modes.get(n) == "cross" for n in rows)
    cross = (
        f" ({k} cross: {'it loses' if k == 1 else 'they lose'} the margin the account "
        "effectively lends at that price)"
        if k
        else ""
    )
    return f"; {count_text(len(rows), 'row')} liquidated at the stated liq_price{cross}"


#: What the portfolio back-test scores: not the Monte Carlo's figure (printed under it).
BACKTEST_SCORES = (
    "the back-test scores the portfolio's net linear P&L at constant size (each asset's "
    "net size times its move: no liquidation, stop or leverage), not these figures"
)


def _split_line(r: dict[str, Any]) -> str:
    """How a shock's P&L is split; which assets cascade and which are held at the shock price."""
    held = list(r.get("held_at_shock") or ())
    own = [a for a, b in (r.get("by_asset") or {}).items() if not b.get("held_at_shock")]
    line = (
        "P&L split: at shock = every asset at its shock price; carry = what each asset's "
        "book's forced orders add (the cascade's own carry, index held at the shock); "
        "continuation = each index's ordinary move to its 24-h extreme, not the cascade"
    )
    if len(own) > 1:
        line += (
            f"; {', '.join(own)} each run their own market's cascade under the shock, so "
            "--asset changes no P&L (only which market's columns lead)"
        )
    if held:
        names = ", ".join(held)
        line += (
            f"; {names}: no market here, held at the shock price for the 24 h (no "
            "continuation or cascade modelled)"
        )
    return line


def _liquidations_what(rows: list[dict[str, Any]]) -> str:
    """What a shock's market liquidations are (``cascade``'s ``liquidated``, not liqmap's)."""
    c = rows[0].get("carry_price_after")
    if c is None or not math.isfinite(c):
        how = "along the shock's 24-h paths, no cascade ("
    else:
        how = "within 24 h by the shock and its cascade, on these paths (`cascade`'s liquidated; "
    return (
        f"market liquidations: the estimated book's positions closed {how}"
        "liqmap's is the static book within the move)"
    )


def _cut_line(details: dict[str, Any]) -> str | None:
    """A replay window cut to the recorded bars: the window asked, the range replayed."""
    asked = details.get("window_asked")
    if not asked:
        return None
    got = {k.removesuffix("_window"): v for k, v in details.items()
           if k.endswith("_window") and k != "window_asked"}  # fmt: skip
    ranges = ", ".join(f"{a} {w}" for a, w in got.items())
    return (
        f"window cut to the recorded bars: asked {asked}, replayed {ranges} (the bars stop "
        "inside the window)"
    )


#: Positions a scenario's ``liquidated`` / ``stopped`` cell names before ``… and N more``.
SHOWN_NAMES = 10

#: Positions the Monte Carlo's probability table lists (the highest first) when the
#: portfolio holds more: a book of hundreds printed one line per position.
SHOWN_PROBABILITIES = 20


def _names(names: list[str]) -> str:
    """The positions' names for a table cell (a portfolio's ``name`` column: escaped).

    At most :data:`SHOWN_NAMES`, then how many more (the JSON lists them all): an
    exchange's book of hundreds made one cell thousands of characters wide.
    """
    if not names:
        return "none"
    more = len(names) - SHOWN_NAMES
    tail = f", … and {more} more ({len(names)} in all; --json lists them)" if more > 0 else ""
    return _common.esc(", ".join(names[:SHOWN_NAMES]) + tail)


def _render_scenarios(result: dict[str, Any]) -> None:
    """One row per deterministic scenario: P&L, market liquidations, positions hit."""
    from rich.table import Table

    scen = result["scenarios"]
    shock = bool(scen) and "pnl_at_shock_usd" in scen[0]
    replay = bool(scen) and "recorded_move" in scen[0]
    main = result["asset"]
    assets = [main, *(a for a in (scen[0].get("prices_after") or {}) if a != main)]
    t = Table(title="per scenario (P&L: positive = a gain)")
    cols = ["scenario", *(["window (UTC)"] if replay else []), "P&L USD",
            *(["at shock", "carry", "continuation"] if shock else []), "market liquidations",
            *(f"{_common.esc(a)} {_after_head(a, scen[0], replay)}" for a in assets),
            "liquidated", "stopped"]  # fmt: skip
    for c in cols:
        t.add_column(c, justify="left" if c in ("scenario", "window (UTC)", "liquidated",
                                               "stopped") else "right")  # fmt: skip
    shocks = result.get("shocks") or []
    if len(shocks) != len(scen):  # a replay: no shock rows to read
        shocks = [{}] * len(scen)
    marked = replay and bool(result.get("windows"))  # one window: its head line says it
    for r, sh in zip(scen, shocks, strict=True):
        cells = _scenario_cells(r, sh, result["asset"], assets, shock, replay)
        if marked and r.get("after_market_date"):
            cells[0] += " *"
        t.add_row(*cells)
    _print_table(t)
    if replay:
        out = _common.stdout
        out.print(REPLAY_COLUMNS_LINE, soft_wrap=True, markup=False)
        market = result.get("market") or {}
        for r in scen if marked else ():
            if r.get("after_market_date"):
                line = _market_line.what_if(str(r["scenario"]), market)
                out.print(f"* {line}", soft_wrap=True, markup=False)
        if result.get("crash"):
            out.print(result["crash"], soft_wrap=True, markup=False)


def _replay_crash_line(result: dict[str, Any]) -> str | None:
    """What this replay's 2025-10-10 is (:func:`liqcascade._crashes.crash_line`), or None.

    The replay reads ETH's Bybit 15-minute bars over the window and replays the recorded
    path rebased to the start prices; the other commands read the crash otherwise.
    """
    from liqcascade._crashes import OCT_2025, crash_line

    for r in result.get("scenarios") or ():
        move = (r.get("recorded_move") or {}).get("ETH")
        if r.get("scenario") != OCT_2025.name or move is None:
            continue
        span = (r.get("window_span") or {}).get("ETH") or ["", ""]
        window = f"{span[0][:16].replace('T', ' ')} -> {span[1][:16].replace('T', ' ')} UTC"
        applied = "last close over first open; the recorded path, rebased to the start prices"
        return crash_line("Bybit", "15-minute", window, move, applied)
    return None


#: What a replay table's columns are (printed under it).
REPLAY_COLUMNS_LINE = (
    "move / after: each asset's recorded move over the window (last close / first open) "
    "and its price after, the close at the window's end (not its low), rebased to the "
    "start prices"
)


def _scenario_cells(
    r: dict[str, Any],
    sh: dict[str, Any],
    main: str,
    assets: list[str],
    shock: bool,
    replay: bool,
) -> list[str]:
    """One scenario's cells: P&L (split for a shock), liquidations, each asset's price."""
    whole = " (whole side)" if r["whole_book"] else ""
    bound = " (bound)" if _pnl_at_bound(sh) else ""
    cells = [_common.esc(percent_label(r["scenario"]))]
    if replay:
        span = (r.get("window_span") or {}).get(main) or ["", ""]
        cells.append(f"{span[0][:16].replace('T', ' ')} → {span[1][:16].replace('T', ' ')}")
    cells.append(f"{r['pnl_usd']:+,.0f}{bound}")
    if shock:
        cells += [f"{r[k]:+,.0f}" for k in ("pnl_at_shock_usd", "pnl_cascade_carry_usd",
                                            "pnl_continuation_usd")]  # fmt: skip
    cells.append(f"{r['market_liquidations_usd'] / 1e6:,.1f}M USD{whole}")
    prices = r.get("prices_after") or {main: r["price_after"]}
    held = set(r.get("held_at_shock") or ())
    for a in assets:
        p = f"{prices[a]:,.0f}"
        if replay:
            mv = (r.get("recorded_move") or {}).get(a)
            p = f"{percent_text(mv, 1, signed=True) if mv is not None else 'n/a'} / {p}"
        elif a not in held:
            own = sh if a == main else (sh.get("by_asset") or {}).get(a, {})
            p += BOOK_EDGE_MARK if _at_book_edge(own) else ""
        cells.append(p)
    return [*cells, _names(r["liquidated"]), _names(r["stopped"])]


def _after_head(asset: str, first: dict[str, Any], replay: bool) -> str:
    """An asset's price column's header: what price the P&L marks it at."""
    if replay:
        return "move / after"
    if "pnl_at_shock_usd" not in first:
        return "after"
    return "at shock" if asset in (first.get("held_at_shock") or ()) else "24 h extreme"


def _print_table(t: Any) -> None:
    """Print a table; with no screen to fit (a pipe, a file) at its own width, unwrapped."""
    out = _common.stdout
    if out._width_unknown():
        wide = out.options.update_width(10_000)  # measured unclipped: its natural width
        natural = max(out.measure(t, options=wide).maximum, out.width)
        old = out._width  # rich clips a print's width to the console's: widen it for this one
        out.width = natural
        try:
            out.print(t, width=natural)
        finally:
            out._width = old
    else:
        out.print(t)


def _render_distribution(result: dict[str, Any]) -> None:
    """The Monte Carlo: VaR / ES (losses), expected P&L, quantiles, probabilities."""
    from rich.table import Table

    t = Table(show_header=False, box=None)
    for k in ("var_95", "var_99", "es_95", "es_99"):
        t.add_row(f"[bold]{k}[/]", _tail_text(result, k))
    pnl = f"{result['expected_pnl']:+,.0f} USD (mean over paths; positive = a gain)"
    t.add_row("[bold]expected P&L[/]", pnl)
    m = result["market_liquidations_usd"]
    t.add_row(
        "[bold]market liquidations[/]",
        f"p50 {m['p50'] / 1e6:,.1f}M  p95 {m['p95'] / 1e6:,.1f}M  p99 {m['p99'] / 1e6:,.1f}M USD "
        f"({_common.esc(result['price_asset'])}'s book)",
    )
    main = result["price_asset"]
    for a in result.get("price_quantiles_by_asset") or {main: result["price_quantiles"]}:
        q = (result.get("price_quantiles_by_asset") or {}).get(a) or result["price_quantiles"]
        own = (
            ""
            if a == main
            else f"; its market's liquidations: not modelled here (--asset {_common.esc(a)})"
        )
        t.add_row(
            f"[bold]{_common.esc(a)} price[/]",
            f"5–95 % range ${q['p05']:,.0f}–${q['p95']:,.0f} (median ${q['p50']:,.0f}){own}",
        )
    _common.stdout.print(t)
    probs = result["p_liquidation"]
    title = "probability of liquidation or stop"
    rows = list(probs.items())
    if len(rows) > SHOWN_PROBABILITIES:  # the highest first; the JSON has every position
        rows = sorted(rows, key=lambda kv: -kv[1])[:SHOWN_PROBABILITIES]
        title += (
            f" (the {SHOWN_PROBABILITIES} highest of {len(probs):,} positions; --json lists "
            "every one)"
        )
    if not rows:  # spot holdings without a stop only: nothing to liquidate or stop
        _common.stdout.print(f"{title}: {NO_PROBABILITIES}", soft_wrap=True, markup=False)
        return
    p = Table(title=title)
    p.add_column("position")
    p.add_column("p", justify="right")
    for name, v in rows:
        p.add_row(_common.esc(name), percent_text(v))
    _common.stdout.print(p)


#: The Monte Carlo's line for a portfolio none of whose positions can be liquidated or
#: stopped (spot holdings without a stop: ``p_liquidation`` is empty).
NO_PROBABILITIES = "none: no position here can be liquidated or stopped (spot without a stop)"


def _usd(x: float) -> str:
    """USD to the dollar, without the ``-0`` of a negative zero or a loss under 50 cents."""
    text = f"{x:,.0f}"
    return "0" if text == "-0" else text


def _tail_text(result: dict[str, Any], key: str) -> str:
    """A VaR / ES: its sign in words, its interval, or the bound it is.

    n/a below the paths the level needs (``min_paths``: with fewer, the sample cannot
    place the quantile). Whether the level's tail is the whole margin, the paths' worst
    loss (stops keep part of the margin) or an estimate is
    :func:`liqcascade.stress.tail_bound`'s rule (the report's too); a bound's
    interval is said only when the resamples differ. A negative figure is a gain at
    that level.
    """
    from liqcascade.stress import same_loss, tail_bound

    v = result[key]
    if v is None:
        need = (result.get("min_paths") or {}).get(key)
        return f"n/a (too few paths to estimate: {result['paths']:,} < {need:,})"
    sign = "a loss" if v > 0 else "a gain" if v < 0 else "no loss"
    head = f"{_usd(v)} USD ({sign})"
    lo, hi = result[f"{key}_interval"]
    interval = f"95 % interval, Monte Carlo sampling: {_usd(lo)} – {_usd(hi)}"
    same = same_loss(lo, hi)  # every resample the same
    bound = tail_bound(result, int(key.rsplit("_", 1)[1]) / 100)
    if bound == "whole_margin":
        if same:
            return f"{head} (the whole margin: a bound, the same in every resample)"
        return f"{head} (the whole margin: a bound; {interval})"
    if bound == "worst_loss":
        if same:
            return (
                f"{head} (the paths' worst loss, the same in every resample: a bound; stops "
                "keep part of the margin)"
            )
        return f"{head} (the paths' worst loss: a bound; stops keep part of the margin; {interval})"
    return f"{head} ({interval})"


#: The mark of a shock's 24-h extreme that sits at the modelled order book's edge (the
#: report's words).
BOOK_EDGE_MARK = " (order book ran out: a bound)"

#: What the mark means, printed once under the shocks when one is marked.
BOOK_EDGE_LINE = (
    "(order book ran out: a bound): on at least half of that shock's paths "
    "(book_exhausted_share) price reached the edge of the modelled order book, 40 % from "
    "mid, so the extreme shown sits at that edge: a bound, not a forecast"
)


def _at_book_edge(r: dict[str, Any]) -> bool:
    """Whether a shock's extreme sits at the modelled order book's edge (the report's rule)."""
    from liqcascade.cascade import BOOK_EDGE_SHARE

    return float(r.get("book_exhausted_share") or 0.0) >= BOOK_EDGE_SHARE


def _pnl_at_bound(r: dict[str, Any]) -> bool:
    """Whether a shock's P&L marks an asset at the order book's edge (any asset's cascade)."""
    others = (b for b in (r.get("by_asset") or {}).values() if not b.get("held_at_shock"))
    return _at_book_edge(r) or any(_at_book_edge(b) for b in others)


def _shock_line(r: dict[str, Any]) -> str:
    """One shock: the 24-h extreme, the cascade's own carry, the static book that bounds it.

    An extreme at the modelled order book's edge is marked (:data:`BOOK_EDGE_MARK`).
    Without the cascade (``carry_price_after`` NaN or None) the carry reads
    ``no cascade (--no-cascade)`` and the static book, with no carry to bound, is named
    for what it is there: ``static book's instant cascade`` (the price the shock's forced
    orders would reach through a book that never refills, left out of these paths).
    """

    def rng(key: str) -> str:
        return f"{r[key]:,.0f} (10–90 %: {r[key + '_p10']:,.0f}–{r[key + '_p90']:,.0f})"

    whole = " (the whole book of the side)" if r.get("whole_book_liquidated") else ""
    edge = BOOK_EDGE_MARK if _at_book_edge(r) else ""
    c = r.get("carry_price_after")
    no_carry = c is None or not math.isfinite(c)  # --no-cascade: no carry to show
    carry, static = (
        ("no cascade (--no-cascade)", "static book's instant cascade")
        if no_carry
        else (f"cascade's own carry {rng('carry_price_after')}", "static book (bounds the carry)")
    )
    others = "".join(
        f"; {_asset_words(a, b)}"
        for a, b in (r.get("by_asset") or {}).items()
        if a != r["asset"] and not b.get("held_at_shock")
    )
    bound = " (at the bound)" if _pnl_at_bound(r) else ""
    return (
        f"  shock {percent_text(r['shock'], 0, signed=True)}: {r['asset']} 24 h extreme "
        f"{rng('price_after')}{edge}; "
        f"{carry}; {static} "
        f"{r['static_price_after']:,.0f}; liquidations within 24 h "
        f"{_liquidations_text(r)}{whole}{others}; "
        f"P&L {r['portfolio_pnl_usd']:+,.0f} USD{bound}"
        f"{_split_words(r)}"
    )


def _asset_words(asset: str, b: dict[str, Any]) -> str:
    """Another asset's own cascade in a shock line: its 24-h extreme, carry, liquidations."""

    def rng(key: str) -> str:
        return f"{b[key]:,.0f} (10–90 %: {b[key + '_p10']:,.0f}–{b[key + '_p90']:,.0f})"

    c = b.get("carry_price_after")
    no_carry = c is None or not math.isfinite(c)
    carry = "no cascade" if no_carry else f"its carry {rng('carry_price_after')}"
    whole = " (the whole book of the side)" if b.get("whole_book_liquidated") else ""
    return (
        f"{asset} 24 h extreme {rng('price_after')}{BOOK_EDGE_MARK if _at_book_edge(b) else ''}; "
        f"{carry}; static book {b['static_price_after']:,.0f}; {asset} liquidations within "
        f"24 h {_liquidations_text(b)}{whole}"
    )


def _liquidations_text(r: dict[str, Any]) -> str:
    """A shock's market liquidations with their 10–90 % over the paths, in M USD.

    ``32.8M USD (10–90 %: 22.4M–58.8M)``: the JSON's ``market_liquidations_p10_usd`` and
    ``_p90_usd``, the band ``cascade``'s card prints for the same figure (its 80 %); the
    figure alone where the run has no band.
    """
    mid = f"{r['market_liquidations_usd'] / 1e6:,.1f}M USD"
    lo, hi = r.get("market_liquidations_p10_usd"), r.get("market_liquidations_p90_usd")
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return mid
    return f"{mid} (10–90 %: {lo / 1e6:,.1f}M–{hi / 1e6:,.1f}M)"


def _split_words(r: dict[str, Any]) -> str:
    """`` = A at the shock prices + B carry + C continuation (by asset: ...)`` (a shock's)."""
    if "pnl_at_shock_usd" not in r:
        return ""
    held = r.get("held_at_shock") or ()
    used = r.get("prices_used") or {}
    others = "".join(f"; {a} held at its shock price {used[a]:,.0f}" for a in held if a in used)
    by = r.get("by_asset") or {}
    each = "; ".join(
        f"{a} {b['pnl_usd']:+,.0f} = {b['pnl_at_shock_usd']:+,.0f} "
        f"{b['pnl_cascade_carry_usd']:+,.0f} {b['pnl_continuation_usd']:+,.0f}"
        for a, b in by.items()
    )
    return (
        f" = {r['pnl_at_shock_usd']:+,.0f} at the shock prices "
        f"{r['pnl_cascade_carry_usd']:+,.0f} cascade's own carry "
        f"{r['pnl_continuation_usd']:+,.0f} continuation"
        f"{f' (by asset: {each})' if len(by) > 1 else ''}{others}"
    )


def _parse_shocks(text: str) -> list[float]:
    """``--shocks``: comma-separated fractions or percents, as ``cascade --shock`` reads one.

    A shock given twice (``-0.05,-5%``: the same after parsing, to 1e-9 relative) is
    refused naming both entries, as ``solvency`` refuses a repeated scenario name.
    """
    vals: list[float] = []
    given: list[str] = []
    for part in text.split(","):
        s = part.strip()
        if not s:
            continue
        v = _common.parse_shock(s, "--shocks", nonzero=True)
        assert v is not None  # -100 % or below refused by parse_shock, in percent
        for w, g in zip(vals, given, strict=True):
            if math.isclose(v, w, rel_tol=1e-9):
                _common.fail(f"--shocks: the shock {percent_text(v, signed=True)} is given twice "
                             f"({g} and {s}): give each shock once")  # fmt: skip
        vals.append(v)
        given.append(s)
    if not vals:
        _common.fail("--shocks: give at least one shock")
    return vals


_Portfolio = Annotated[
    Path | None,
    typer.Option(
        "--portfolio",
        help="Portfolio file (CSV/Parquet): symbol, side, size, entry_price, margin or "
        "leverage [, stop_price]; or 'sample': the report's sample portfolio at the market "
        "date (ETH+BTC for ETH and BTC; its dollar notionals in the asset otherwise). "
        "Required, except with --scenario backtest (without it: a unit long in --asset; "
        "with it: this portfolio's VaR).",
    ),
]
_Asset = Annotated[
    str,
    typer.Option(
        "--asset",
        help="Market whose estimated book cascades: ETH, BTC or any asset with a market in "
        "the store (each its own book, depth, liquidity calibration and return model).",
    ),
]
_Scenario = Annotated[
    str,
    typer.Option(
        "--scenario",
        help="shock | replay | montecarlo | backtest (the out-of-sample VaR back-test of the "
        "stress model: the report's, of a unit long in --asset; with --portfolio, of that "
        "portfolio's linear P&L; --paths, --seed, --model, --dist apply).",
    ),
]
_Shocks = Annotated[
    str | None,
    typer.Option(
        "--shocks",
        help="Shock grid (with --scenario shock), fractions or percents: -0.1,-5%,5%,0.1.",
    ),
]
_Window = Annotated[
    str | None,
    typer.Option(
        "--window",
        help="Replay window (with --scenario replay): 2022-06-13, 2022-11-08, 2024-08-05, "
        "2025-10-10 (the default), START/END, or all (every named window, one table).",
    ),
]
_Paths = Annotated[
    int | None,
    typer.Option(
        "--paths",
        help="Monte Carlo paths (default 10000; backtest: per multi-day forecast, default "
        "2000, the report's).",
    ),
]
_Horizon = Annotated[
    int | None,
    typer.Option("--horizon-days", help="Monte Carlo horizon, days (daily steps; default 30)."),
]
_Method = Annotated[
    str | None,
    typer.Option(
        "--method", help="Monte Carlo: fhs (filtered historical; the default) | garch (model "
        "draws).",
    ),
]  # fmt: skip
_Model = Annotated[
    str | None,
    typer.Option("--model", help="Monte Carlo, backtest: gjr (the default) | egarch | garch."),
]
_Dist = Annotated[
    str | None,
    typer.Option("--dist", help="Monte Carlo, backtest: t (the default) | normal | skewt."),
]
_Seed = Annotated[
    int | None, typer.Option("--seed", help="Monte Carlo, backtest: random seed (default 0).")
]
_NoCascade = Annotated[
    bool,
    typer.Option(
        "--no-cascade",
        help="Shock / replay without the cascade's price impact: a shock keeps its 24-h "
        "paths (the ordinary continuation of price), a replay the recorded path; "
        "liquidations are still counted (the Monte Carlo adds no impact either way: its "
        "residuals hold history's cascades).",
    ),
]
_Backend = Annotated[
    str | None,
    typer.Option(
        "--backend",
        help="Monte Carlo: local (the default) | dask (needs the optional extra 'distributed').",
    ),
]
_Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address (with --backend dask; default: a LocalCluster).",
    ),
]
_AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Date of the estimated market (UTC; default: the latest bar every series of "
        "the market reaches, the store's or the bundle's).",
    ),
]
_Json = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]


def stress_cmd(
    portfolio: _Portfolio = None,
    asset: _Asset = "ETH",
    scenario: _Scenario = "montecarlo",
    shocks: _Shocks = None,
    window: _Window = None,
    paths: _Paths = None,
    horizon_days: _Horizon = None,
    method: _Method = None,
    model: _Model = None,
    dist: _Dist = None,
    seed: _Seed = None,
    no_cascade: _NoCascade = False,
    backend: _Backend = None,
    scheduler: _Scheduler = None,
    as_of: _AsOf = None,
    as_json: _Json = False,
) -> None:
    """Stress a portfolio: shocks and crash replays with cascades; Monte Carlo VaR/ES.

    --scenario shock / replay: deterministic what-ifs, one result per scenario (no
    VaR, ES or probability). --scenario montecarlo: VaR / ES (losses) and the expected
    P&L over paths of the fitted return model, whose residuals already hold history's
    cascades (none is added to the paths; the book's liquidations are counted).

    The report's VaR card: --portfolio sample --paths 20000 --seed 20251010 (--asset,
    --as-of as the report's). --scenario backtest: the report's VaR back-test of the
    stress model (a unit long, out of sample: exceedances, Kupiec p, pinball loss against
    the best baseline per horizon and level), scored at the market date as the report's;
    with --portfolio, the same back-test of that portfolio's VaR (its positions' linear
    P&L at constant size, USD; the Monte Carlo's joint model).

    Example: liqcascade stress --portfolio book.csv --scenario montecarlo --paths 20000 --json
    """
    from liqcascade.stress import MONTE_CARLO_DEFAULTS, run_stress_request

    if scenario == "backtest":  # a unit long, or the portfolio's linear P&L
        ignored = {"shocks": shocks, "window": window, "no_cascade": no_cascade,
                   "horizon_days": horizon_days, "method": method, "backend": backend,
                   "scheduler": scheduler}  # fmt: skip
        _backtest_cmd(asset=asset, as_of=as_of, paths=paths, seed=seed, model=model, dist=dist,
                      as_json=as_json, ignored=ignored, portfolio=portfolio)  # fmt: skip
        return

    grid = _parse_shocks(shocks) if shocks is not None else None
    n = MONTE_CARLO_DEFAULTS["paths"] if paths is None else paths
    total = n if scenario == "montecarlo" and n > 0 else None
    if scenario == "replay" and window == "all":
        _replay_all(portfolio, asset, not no_cascade, as_of, as_json)
        return
    with _common.progress("paths", total=total) as advance:
        run = run_stress_request(
            portfolio, asset=asset, scenario=scenario, shocks=grid, window=window,
            paths=paths, horizon_days=horizon_days, method=method, model=model, dist=dist,
            seed=seed, cascade=not no_cascade, backend=backend, scheduler=scheduler,
            as_of=as_of, advance=advance,
        )  # fmt: skip
    out = run.to_dict()
    if scenario == "montecarlo":  # no out-of-sample score of its own: the command that has it
        _backtest_hint(out, run.result.portfolio, str(portfolio), as_of, model, dist, method)
    _replay_extras(out)
    _check_prior(out)
    _book_units.emit(out, as_json, _render, what=STRESS_FEED_DOLLARS, own=_own_dollars(out))


def _replay_extras(out: dict[str, Any]) -> None:
    """A replay's JSON: its ``crash`` line, and each row's ``after_market_date`` flag.

    ``after_market_date``: the window was recorded after the market date, so the row is
    a what-if (:func:`liqcascade._cli._market_line.after_market`, the rule of the head
    line's "recorded after the market date").
    """
    if out.get("scenario") != "replay":
        return
    if crash := _replay_crash_line(out):
        out["crash"] = crash
    market = out.get("market") or {}
    for r in out.get("scenarios") or ():
        r["after_market_date"] = _market_line.after_market(str(r["scenario"]), market)


#: Under the back-test's command after a ``--method garch`` Monte Carlo (JSON
#: ``backtest_note``): the back-test scores filtered historical simulation only.
BACKTEST_FHS_ONLY = (
    "that back-test scores the same variance model with filtered historical simulation "
    "(--method fhs, the default): the model draws of --method garch have no back-test"
)


def _replay_all(
    portfolio: Path | None, asset: str, cascade: bool, as_of: str | None, as_json: bool
) -> None:
    """``--window all``: every bundled crash window replayed, one table (one JSON object).

    The first window's JSON with every window's ``scenarios`` row; ``windows`` names them.
    """
    from liqcascade.stress import WINDOWS, run_stress_request

    out: dict[str, Any] = {}
    once = _OnceFilter()  # the file's notes once, not once per window
    for name in WINDOWS:
        with _common.progress(f"replay {name}", total=None), _once("liqcascade.positions", once):
            run = run_stress_request(portfolio, asset=asset, scenario="replay", window=name,
                                     cascade=cascade, as_of=as_of)  # fmt: skip
        one = run.to_dict()
        if not out:
            out = {**one, "label": "all windows", "scenarios": [], "windows": [],
                   "details_by_window": {}}  # fmt: skip
        out["scenarios"] += one["scenarios"]
        out["windows"].append(name)
        out["details_by_window"][name] = one["details"]
    out["paths"] = len(out["scenarios"])
    _replay_extras(out)
    _check_prior(out)
    _book_units.emit(out, as_json, _render, what=STRESS_FEED_DOLLARS, own=_own_dollars(out))


class _OnceFilter(logging.Filter):
    """Pass each distinct message once (the file's ``note:`` of each window's read)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """True the first time a message is seen."""
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


@contextlib.contextmanager
def _once(logger: str, flt: _OnceFilter) -> Iterator[None]:
    """Within the block, ``logger`` says each message ``flt`` has not yet passed.

    ``--window all`` reads the portfolio file once per window: with one filter over the
    windows, its note of the columns not read is said once, not once per window.
    """
    log = logging.getLogger(logger)
    log.addFilter(flt)
    try:
        yield
    finally:
        log.removeFilter(flt)


def _backtest_hint(
    out: dict[str, Any],
    pf: Any,
    portfolio: str,
    as_of: str | None,
    model: str | None,
    dist: str | None,
    method: str | None,
) -> None:
    """The Monte Carlo's JSON ``backtest_command`` and ``backtest_note``: where its VaR is scored.

    A portfolio whose positions net to zero in every asset has no linear P&L, and the
    back-test refuses it (:func:`liqcascade.stress.nets_to_zero`):
    ``backtest_command`` is then null and ``backtest_note`` says why
    (:data:`BACKTEST_NETS_TO_ZERO`), rather than offer a command that exits 2.
    """
    from liqcascade.stress import nets_to_zero

    if nets_to_zero(pf):
        out["backtest_command"] = None
        out["backtest_note"] = BACKTEST_NETS_TO_ZERO
        return
    out["backtest_command"] = _backtest_command(portfolio, out["asset"], as_of,
                                                model=model, dist=dist)  # fmt: skip
    if method not in (None, "fhs"):  # the back-test scores FHS: say it, not imply it
        out["backtest_note"] = BACKTEST_FHS_ONLY


#: The Monte Carlo's note (JSON ``backtest_note``) for a portfolio with no net position.
BACKTEST_NETS_TO_ZERO = (
    "no VaR back-test for this portfolio: its positions net to zero in every asset, so "
    "the linear P&L the back-test scores is 0 (its VaR here comes from liquidations and "
    "stops alone)"
)


def _backtest_command(
    portfolio: str,
    asset: str,
    as_of: str | None,
    *,
    model: str | None = None,
    dist: str | None = None,
) -> str:
    """The command that back-tests the portfolio's VaR at the same market and date.

    The variance model and residual distribution given to the Monte Carlo (``--model``,
    ``--dist``) are carried: the back-test then scores the model whose VaR was printed,
    drawn by filtered historical simulation, the Monte Carlo's default ``--method fhs``
    (after ``--method garch`` the output says so: :data:`BACKTEST_FHS_ONLY`).
    """
    import shlex

    cmd = f"liqcascade stress --portfolio {shlex.quote(portfolio)} --scenario backtest"
    given = {"--asset": None if asset == "ETH" else asset, "--as-of": as_of,
             "--model": model, "--dist": dist}  # fmt: skip
    for flag, value in given.items():
        if value is not None:
            cmd += f" {flag} {shlex.quote(str(value))}"
    return cmd


#: The options ``--scenario backtest`` would ignore, and the scenarios they apply with.
_NOT_BACKTEST: dict[str, str] = {
    "shocks": "shock", "window": "replay", "no_cascade": "shock or replay",
    "horizon_days": "montecarlo", "method": "montecarlo", "backend": "montecarlo",
    "scheduler": "montecarlo",
}  # fmt: skip


def _backtest_cmd(
    *,
    asset: str,
    as_of: str | None,
    paths: int | None,
    seed: int | None,
    model: str | None,
    dist: str | None,
    as_json: bool,
    ignored: dict[str, Any],
    portfolio: Path | None = None,
) -> None:
    """``stress --scenario backtest``: refuse what it would ignore, one call, print.

    ``ignored``: the options of the other scenarios as given (:data:`_NOT_BACKTEST`'s
    keys), each refused unless left at None or False. A portfolio's back-test shows the
    fraction of its month-end fits done.
    """
    from liqcascade.stress import run_var_backtest_request

    for name, where in _NOT_BACKTEST.items():
        if ignored[name] not in (None, False):
            flag = "--" + name.replace("_", "-")
            _common.fail(f"{flag} applies only with --scenario {where}: it would be ignored here")
    what = "VaR back-test (monthly refits)"
    with _common.progress(what, total=None if portfolio is None else 1.0) as advance:
        run = run_var_backtest_request(
            asset, as_of=as_of, paths=paths, seed=seed, model=model, dist=dist,
            portfolio=portfolio, advance=None if portfolio is None else advance,
        )  # fmt: skip
    _common.emit(run.to_dict(), as_json, _render_backtest)


def _render_backtest(result: dict[str, Any]) -> None:
    """The back-test's head line, one row per horizon and level, the whole one beside."""
    from rich.table import Table

    out, esc = _common.stdout, _common.esc
    model = "GJR-t" if result["model"] == "gjr-t" else esc(result["model"])
    scope = (
        "the whole back-test: it reads data after the market date, too few windows had "
        "closed by then"
        if result["reads_after_market_date"]
        else "the windows closed by the market close"
        if result["scope"] != "whole back-test"
        else "every window (all closed by the market close)"
    )
    usd = result.get("loss_units") == "USD"  # a portfolio's: USD, not fractions
    what = _portfolio_words(result) if usd else "of a unit long"
    out.print(
        f"[bold]stress[/] {esc(result['asset'])} VaR back-test {what}, out of sample "
        f"({model} FHS, {count_text(result['paths'], 'path', grouped=True)} per multi-day "
        f"forecast, seed {result['seed']}; month-end refits {result['first_fit'][:10]} to "
        f"{result['last_day'][:10]}): {scope}, {result['market_close'][:16].replace('T', ' ')} UTC",
    )  # wrapped at the terminal's width, as the table and its legend
    t = Table(title="each horizon and level: the model against its best baseline")
    unit = "USD" if usd else "bp"
    for c in ("horizon", "level", "windows", "exceeded", "Kupiec p", "coverage",
              f"pinball {unit}", f"vs best (90 %, {unit})"):  # fmt: skip
        t.add_column(c, justify="left" if c == "coverage" else "right")
    for r in result["verdicts"]:
        t.add_row(*_backtest_cells(r, 1.0 if usd else 1e4))
    _print_table(t)
    out.print(BACKTEST_LEGEND.replace("pinball bp", f"pinball {unit}"), markup=False)
    if usd:
        out.print(result["not_in_pnl"], markup=False)
    for note in result.get("notes") or ():  # what was left out of the data
        out.print(f"note: {note}", markup=False)
    whole = result.get("whole")
    if whole:
        out.print(
            f"the whole back-test (to {whole['last_day'][:10]}) reads data after the market "
            "date and was not knowable then: its scores are the JSON's 'whole'",
            markup=False,
        )


#: What the back-test table's words mean, printed under it.
BACKTEST_LEGEND = (
    "exceeded: the windows whose loss passed the VaR (nominal rate 1 - level); N near: "
    "the windows whose loss lies within the VaR's 95 % Monte Carlo sampling interval "
    "(another seed could flip them); coverage: "
    "Kupiec's test at 5 % (not testable: under one exceedance expected); pinball bp: the "
    "model's pinball loss (lower is better) / the lowest baseline's (HS: historical "
    "simulation, expanding; HS 1y: the last year; EWMA: normal RiskMetrics); vs best: the "
    "90 % interval of the difference (model - baseline) below 0 beats, above 0 loses, "
    "else ties"
)

#: The baselines' short names in the table (the legend says what they are).
_SHORT = {"hs": "HS", "hs_1y": "HS 1y", "ewma": "EWMA"}


def _portfolio_words(result: dict[str, Any]) -> str:
    """``of the portfolio FILE (N positions; net +5 ETH, +1 BTC; ...)``: what is back-tested.

    Net sizes read as the project writes coins (:func:`liqcascade._prices.quantity_text`,
    signed): ``+1,000,000 ETH``, never ``+1e+06``.
    """
    n = count_text(result["n_positions"], "position")
    net = ", ".join(f"{quantity_text(v, signed=True)} {a}" for a, v in result["net_sizes"].items())
    return _common.esc(
        f"of the portfolio {result['portfolio_file']} ({n}; net {net}; linear P&L, USD)"
    )


def _backtest_cells(r: dict[str, Any], scale: float = 1e4) -> list[str]:
    """One horizon and level of the back-test, as table cells (n/a where no window).

    ``scale``: 1e4 for a unit long's pinball losses (fractions, printed in bp), 1 for a
    portfolio's (USD).
    """
    from liqcascade._pvalue import pvalue_text

    rate = "n/a" if r["rate"] is None else percent_text(r["rate"], 2)
    if r.get("within_sampling_error"):
        rate += f"; {r['within_sampling_error']} near"
    pin = "n/a"
    verdict = r["pinball_verdict"] or "n/a"
    if r["pinball"] is not None:
        best = _SHORT.get(r["best_baseline"], r["best_baseline"])
        pin = f"{scale * r['pinball']:,.2f} / {scale * r['best_baseline_pinball']:,.2f} {best}"
        lo, hi = r["pinball_difference_interval"]
        verdict = f"{verdict} ({scale * lo:+,.1f} … {scale * hi:+,.1f})"
    return [
        f"{r['horizon_days']} d", percent_text(r["level"], 0), f"{r['windows']:,}",
        f"{r['exceedances']} ({rate})", pvalue_text(r["kupiec_p"]), r["coverage"], pin, verdict,
    ]  # fmt: skip


#: What of ``stress``'s output is on the feed's scale: the market's, never the portfolio's.
STRESS_FEED_DOLLARS = "market liquidations (the estimated book's)"


def _own_dollars(out: dict[str, Any]) -> str:
    """The ``units:`` line's word on the portfolio's dollars (the user's, not the feed's)."""
    sample = str(out.get("portfolio_file", "")).endswith("(the report's sample portfolio at "
                                                          "the market date)")  # fmt: skip
    whose = "the sample portfolio's own" if sample else "your file's"
    return f"the portfolio's P&L, VaR and ES are {whose} dollars"


def _check_prior(out: dict[str, Any]) -> None:
    """``cascade``'s warning when the calibrated response is the prior; JSON ``calibration``.

    Only a shock or replay with the cascade runs the response (``details.liquidity``
    "calibrated"): the market's asset's calibration at the market's close.
    """
    if (out.get("details") or {}).get("liquidity") != "calibrated":
        return
    from liqcascade._cli.cascade_backtest import warn_if_prior

    m = out.get("market") or {}
    out["calibration"] = warn_if_prior(str(m.get("asset", out["asset"])), m.get("close_time"))


def register(app: typer.Typer) -> None:
    """Register ``liqcascade stress`` on the root app."""
    app.command("stress")(stress_cmd)
