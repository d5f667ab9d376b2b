"""CLI commands ``liqcascade stops recommend / backtest``: stops away from the crowd."""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer
from rich.table import Table

from liqcascade._cli import _common, _market_line
from liqcascade._cli._fraction_options import FRACTION
from liqcascade._cli._help import required_options
from liqcascade._prices import count_text, percent_text, price_decimals

stops_app = typer.Typer(
    help="Dynamic stop placement and stop-policy backtests.\n\n"
    "Example: liqcascade stops recommend --asset ETH --side long --entry 3700 --size 10 "
    "--leverage 10",
    no_args_is_help=True,
)

_KEYS = ("stop_price", "distance", "expected_slippage", "avoided_clusters", "rationale")


def _render_recommend(res: dict[str, Any]) -> None:
    market = res.get("market") or {}
    if market:
        _common.stdout.print(_market_line.market_line(market), soft_wrap=True, markup=False)
    t = Table(show_header=False, box=None)
    d = max(2, price_decimals(res["entry"]))  # 4 significant figures at the entry, >= cents
    asset = market.get("asset", "")
    held = " ".join(w for w in (res["side"], f"{res['size']:g}", asset) if w)  # no asset: none
    t.add_row(
        "[bold]position[/]",
        _common.esc(f"{held} at {res['entry']:,.{d}f} USD, {res['leverage']:g}x"),
    )
    for k in ("stop_price", "liq_price", "raw_stop_price"):
        if k == "liq_price" and not res[k] > 0:  # the library's 0: a long that cannot be
            t.add_row(f"[bold]{k}[/]", f"none (no liquidation price at {res['leverage']:g}x)")
            continue  # liquidated (1x), not a price of 0
        venue = f" ({_venue_words(res)})" if k == "liq_price" else ""
        t.add_row(f"[bold]{k}[/]", f"{res[k]:,.{d}f} USD{venue}")
    if res.get("stop_choice_why"):  # which of the two stops stop_price is, and why
        t.add_row("[bold]stop_choice[/]", _common.esc(res["stop_choice_why"]))
    # fractions printed in % (the JSON keeps fractions), as in the rationale below
    t.add_row("[bold]distance[/]", distance_text(res, d))
    vr = res.get("vol_distance_range")
    band = (
        f" (p05–p95 {percent_text(vr[0], 2)}–{percent_text(vr[1], 2)})" if vr else " (no interval)"
    )
    if res.get("vol_distance_range_capped"):  # a long's: 100 % below the mid is zero
        band = band[:-1] + ", upper end capped: a long's stop cannot lie 100 % below the mid)"
    t.add_row("[bold]vol_distance[/]", f"{percent_text(res['vol_distance'], 2)}{band}")
    t.add_row("[bold]expected_slippage[/]", slippage_row(res))
    for z in res["avoided_clusters"]:
        lo, hi = z["price_low"], z["price_high"]
        t.add_row("[bold]avoided[/]", f"{z['kind']} {lo:,.{d}f}–{hi:,.{d}f}")
    for key, text in stop_odds_rows(res):
        t.add_row(f"[bold]{key}[/]", _common.esc(text))
    if res.get("before_crowd_price") is not None:  # the safe-side alternative, with its odds
        t.add_row("[bold]before_crowd[/]", _common.esc(before_crowd_text(res, d)))
    if res.get("your_stop"):  # the stop the trader holds (--stop), against the same crowd
        t.add_row("[bold]your_stop[/]", _common.esc(res["your_stop"]["text"]))
    _common.stdout.print(t)
    _common.stdout.print(res["rationale"], markup=False)
    line = crowd_verdict_line(res)
    if line:
        _common.stdout.print(line, soft_wrap=True, markup=False)
    warned = set(market.get("caveats") or ())  # logged as the market's warnings already
    for key, note in (res.get("model_figures") or {}).items():
        if note in warned:
            continue
        _common.stdout.print(f"{key}: {note}", soft_wrap=True, markup=False)


def _venue_words(res: dict[str, Any]) -> str:
    """Whose liquidation ``liq_price`` is: ``Binance USDⓈ-M isolated`` (the default)."""
    from liqcascade.protect import VENUE_NAMES

    venue = str(res.get("venue") or "binance")
    kind = " USDⓈ-M" if venue == "binance" else ""
    return f"{VENUE_NAMES.get(venue, venue)}{kind} isolated; --venue to change"


def distance_text(res: dict[str, Any], d: int) -> str:
    """``7.54 % from the mid 3,698.39 (today's price; -7.58 % from entry)`` (``d``: decimals)."""
    mid = res.get("mid")
    if not mid or "distance_from_entry" not in res:
        return f"{percent_text(res['distance'], 2)} from the mid"
    return (
        f"{percent_text(res['distance'], 2)} from the mid {mid:,.{d}f} (today's price; "
        f"{percent_text(res['distance_from_entry'], 2, signed=True)} from entry)"
    )


def before_crowd_text(res: dict[str, Any], d: int) -> str:
    """The level just before the crowd and its stop-out chance (``d``: price decimals)."""
    days = count_text(res.get("horizon_days", 5), "day")
    return (
        f"{res['before_crowd_price']:,.{d}f} USD, stop-out chance "
        f"{_chance(res, 'before_crowd_stop_out_chance')} within {days} (the level just "
        "before the crowd, nearer the price)"
    )


def slippage_row(res: dict[str, Any]) -> str:
    """The expected slippage, its draws' range, and why it is so small when it is.

    ``0.012 % (draws 0.010 %–0.015 %)``; a figure below 0.001 % reads "under 0.001 %"
    (:func:`liqcascade.protect.slippage_text`) with the reason: the calibrated
    response's latent depth, when the asset's calibration fitted it at the edge of its
    grid (``latent_depth_at_edge``), or the displayed book absorbs the stop with the
    crowd's orders triggered with it; a depth inside the grid gives no reason.
    """
    from liqcascade.protect import slippage_text

    x, rng = res["expected_slippage"], res.get("expected_slippage_range")
    text = slippage_text(x)
    if rng:
        lo, hi = slippage_text(rng[0]), slippage_text(rng[1])
        text += f" (draws {lo}–{hi})" if lo != hi else f" (every draw {lo})"
    else:
        text += " (no interval)"
    if not all(slippage_text(v).startswith("under") for v in [x, *(rng or [])]):
        return text
    calibrated = res.get("liquidity", "calibrated") == "calibrated"
    if calibrated and not res.get("latent_depth_at_edge"):
        return f"{text}; the back-test's fill model charges more (`stops backtest`'s avg_slippage)"
    why = (
        "the calibrated response's latent depth (fitted at the edge of its grid, docs/liquidity.md)"
        if calibrated
        else "the displayed book"
    )
    return (
        f"{text}: {why} absorbs the stop with the crowd's orders triggered with it; the "
        "back-test's fill model charges more (`stops backtest`'s avg_slippage)"
    )


def _chance(res: dict[str, Any], key: str) -> str:
    """``83 % (p05–p95 78 %–87 %)``: a stop-out chance and its range over the volatility."""
    p, rng = res.get(key), res.get(f"{key}_range")
    if p is None:
        return "not known (no horizon volatility)"
    band = "" if not rng else f" (p05–p95 {percent_text(min(rng), 0)}–{percent_text(max(rng), 0)})"
    return percent_text(p, 0) + band


def stop_odds_rows(res: dict[str, Any]) -> list[tuple[str, str]]:
    """The rows of what the move out of the clusters costs: distance given up, stop-outs.

    ``distance_given_up`` (pp of the mid; the raw and recommended distances) and the
    chance of a stop-out within the horizon, from the mid, at the recommended and the
    raw stop (the model is named under ``model_figures``' ``stop_out_chance``).
    """
    g = res.get("distance_given_up")
    if g is None:
        return []
    raw_d = res["distance"] + g
    moved = f"{percent_text(raw_d, 2)} at the raw stop → {percent_text(res['distance'], 2)}"
    if g > 0:
        given = f"{100 * g:.2f} pp of distance from the mid given up ({moved})"
    elif g < 0:
        given = f"none: {100 * -g:.2f} pp further from the mid ({moved})"
    else:
        given = "none (the stop was not moved)"
    hd = res.get("horizon_days", 5)
    days = f"{hd} day{'' if hd == 1 else 's'}"
    chance = f"{_chance(res, 'stop_out_chance')} within {days}"
    if g != 0:
        chance += f"; raw stop {_chance(res, 'raw_stop_out_chance')}"
    return [("distance_given_up", given), ("stop_out_chance", chance)]


def _pp(x: Any) -> str:
    """``-0.09 pp``: a difference of two shares (fractions) in percentage points, signed."""
    return percent_text(x, 2, signed=True).replace(" %", " pp")


def difference_words(cb: dict[str, Any]) -> str:
    """``ties — fewer stop-outs, more return; paired differences …``: a verdict, its intervals.

    ``cb``: :func:`liqcascade.protect.declustering_verdict`'s keys (``verdict``, ``why``,
    ``difference``: each figure's ``[difference, lo, hi]``, fractions).
    """
    dd = cb["difference"]

    def fig(key: str) -> str:
        x, lo, hi = dd[key]
        if lo is None or hi is None:
            return f"{_pp(x)} (no interval: too few entry days)"
        return f"{_pp(x)} (90 % {_pp(lo).removesuffix(' pp')} to {_pp(hi)})"

    return (
        f"{cb['verdict']} — {cb['why']}; paired differences, {dd['better']} − {dd['worse']} "
        f"(block bootstrap over entry days): stop-outs {fig('stop_outs')}, summed return "
        f"{fig('total_return')} of one entry"
    )


def crowd_verdict_line(res: dict[str, Any]) -> str:
    """The back-test's verdict on moving stops out of the crowd, and its command."""
    cb = res.get("crowd_backtest")
    if not cb:
        return ""
    if cb.get("skipped"):
        return f"back-test of moving stops out of the crowd: not run ({cb['skipped']})"
    vo, d = cb["vol"], cb["vol_declustered"]
    head = (
        f"back-test of moving stops out of the crowd (vol-declustered against vol): "
        f"{difference_words(cb)} (stop-outs {percent_text(d['stop_outs'], 2)} against "
        f"{percent_text(vo['stop_outs'], 2)}, summed return {percent_text(d['total_return'], 2)} "
        f"against {percent_text(vo['total_return'], 2)} of one entry; {cb['trades']:,} trades "
        f"per policy on {cb['difference']['days']:,} entry days, {cb['asset']} hourly entries "
        f"{cb['start'][:10]} → {cb['end'][:10]}, {cb['leverage']:g}x, "
        f"{cb['horizon_days']}-day horizon; `{cb['command']}`)"
    )
    g = res.get("distance_given_up") or 0.0
    if g > 0 and cb["verdict"] != "supported":
        head += (
            f"; this move gives up {100 * g:.2f} pp of distance and takes the stop-out chance "
            f"from {_chance(res, 'raw_stop_out_chance')} to {_chance(res, 'stop_out_chance')}"
        )
    return head


def declustering_line(res: dict[str, Any]) -> str:
    """``stops backtest``'s verdict on de-clustering over its entries, with the rule."""
    dc = res.get("declustering")
    if not dc:
        return ""
    dd = dc["difference"]
    return (
        f"vol-declustered against vol, all entries: {difference_words(dc)} "
        f"({dd['entries']:,} paired entries on {dd['days']:,} entry days, blocks of "
        f"{dd['block']} entry days; supported when both intervals lie on the better side "
        "of 0, partly supported when one does and the other holds 0, not supported when "
        "either lies on the worse side, else ties)"
    )


def crowd_backtest(asset: str, close: Any) -> dict[str, Any]:
    """The back-test's verdict on de-clustering at the market closed at ``close``.

    :func:`liqcascade.protect.declustering_backtest` (trades closed by then), with the
    ``stops backtest`` command that reproduces it, or ``skipped`` and why.
    """
    from liqcascade.errors import InputError
    from liqcascade.protect import declustering_backtest

    try:
        cb = declustering_backtest(asset, close)
    except InputError as exc:
        return {"skipped": str(exc)}
    cmd = f"liqcascade stops backtest --asset {asset} --end {cb['end_day']}"
    return {**cb, "asset": asset, "command": cmd}


def _runnable(warning: str, **given: Any) -> str:
    """A warning's ``(`liqcascade stops recommend`, as_of DAY)`` hint, run with the position.

    ``given``: the command's options as given (defaults left out), written before the
    hint's own ``--as-of`` (:func:`_common.command_hint`).
    """
    defaults = _recommend_defaults()
    opts = " ".join(  # .15g: every digit given (``:g`` cut 104123.45 to 104123)
        f"--{k.replace('_', '-')} {f'{v:.15g}' if isinstance(v, float) else v}"
        for k, v in given.items()
        if v is not None and defaults.get(k) != v
    )
    cmd = "`liqcascade stops recommend`"
    return _common.command_hint(warning.replace(cmd, f"`liqcascade stops recommend {opts}`"))


#: The options a hint always repeats, default or not: the position itself.
_POSITION_OPTIONS = ("side", "entry", "size", "leverage")


def _recommend_defaults() -> dict[str, Any]:
    """``stops recommend``'s option defaults, read from the command's own signature.

    One source: the hint leaves out what the command would take anyway. The position's
    options (:data:`_POSITION_OPTIONS`) are not among them: a hint always names them.
    """
    import inspect

    params = inspect.signature(recommend_cmd).parameters
    return {n: p.default for n, p in params.items() if n not in _POSITION_OPTIONS}


def _warned(warnings: list[str], **given: Any) -> list[str]:
    """Each warning with its runnable hint (:func:`_runnable`), said on stderr; the list.

    Parameters
    ----------
    warnings : list of str
        The recommendation's warnings.
    **given
        The command's options as given, for the hint.
    """
    out = [_runnable(w, **given) for w in warnings]
    for w in out:
        _common.warn(w)
    return out


def _require(*options: tuple[str, Any], asset: str = "ETH", as_of: str | None = None) -> None:
    """Fail once naming every required option not given (not one per run).

    The example is at ``asset``'s last price (an ETH example's 3700 misled a SOL user).
    """
    missing = [nm for nm, v in options if v is None]
    if missing:
        entry, size = _example_position(asset, as_of)
        _common.fail(
            f"missing required option{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            f"(e.g. --side long --entry {entry} --size {size} --leverage 10)"
        )


#: The example position of an asset without data: placeholders, no other asset's figures.
NO_DATA_EXAMPLE = ("PRICE", "SIZE")


def _example_position(asset: str, as_of: str | None = None) -> tuple[str, str]:
    """An example entry (``asset``'s close at the market, 3 figures) and size (~$37k), as text.

    The close of the last hour by ``as_of`` (default the asset's last open-interest bar's
    close: the default market's date); placeholders ``PRICE`` and ``SIZE`` when the
    asset has no data (its own error follows later; ETH's ``3700`` misled a SOL user).
    """
    import math

    import pandas as pd

    from liqcascade._time import utc_end
    from liqcascade.data import load_series
    from liqcascade.errors import InputError

    try:  # the series alone: no import of the market package (a usage error comes fast)
        bar = "4h"  # the market's bar (market.MARKET_BAR), read off the series itself
        oi = load_series("open_interest", asset=asset, interval=bar)
        # the hours closed by the last bar's close (a bare date: its end)
        t = pd.Timestamp(oi.index[-1]) + pd.Timedelta(bar)
        if as_of:
            t = utc_end(as_of, "as_of") + pd.Timedelta(1, "us")
        close = load_series("ohlcv", asset=asset, interval="1h")["close"]
        px = float(close[pd.DatetimeIndex(close.index) <= t - pd.Timedelta(hours=1)].iloc[-1])
    except (InputError, IndexError, KeyError, ValueError):
        return NO_DATA_EXAMPLE
    if not (math.isfinite(px) and px > 0):
        return NO_DATA_EXAMPLE
    return f"{float(f'{px:.3g}'):g}", f"{10.0 ** round(math.log10(37_000 / px)):g}"


def _day(text: Any) -> str:
    import pandas as pd

    return "" if not text else f"{pd.Timestamp(text):%Y-%m-%d %H:%M}"


def backtest_header(res: dict[str, Any]) -> list[str]:
    """The window asked, the entry span covered, the entries dropped at the data's end."""
    lines = [
        f"stop back-test {res['asset']}: entries asked {_day(res['start'])[:10]} → "
        f"{_day(res['end'])[:10]}; covered {_day(res.get('entries_first'))} → "
        f"{_day(res.get('entries_last'))} UTC"
    ]
    n = int(res.get("dropped_past_end") or 0)
    if n:
        hd = res["settings"]["horizon_days"]
        lines.append(
            f"{count_text(n, 'later hourly entry bar', grouped=True)} not entered: their "
            f"{hd}-day horizon runs past "
            f"the last hourly bar ({_day(res.get('data_end'))} UTC)"
        )
    vf = res.get("vol_fit") or {}
    if vf.get("refit") == "yearly":
        lines.append(
            "vol policies: GJR-GARCH(1,1)-t refitted before each year of entries on the daily "
            f"returns from {str(vf['start'])[:10]} to the year's start (expanding)"
        )
    note = _market_line.store_note({"sources": res.get("sources") or {}})
    if note:
        lines.append(note)
    lines += [f"caveat: {_common.command_hint(c)}" for c in res.get("caveats", ())]
    return lines


def _render_backtest(res: dict[str, Any]) -> None:
    for line in backtest_header(res):  # the asset, the store's path: printed as written
        _common.stdout.print(line, soft_wrap=True, markup=False)
    tables = [("all entries", res["table"])]
    if res["crash_2025_10_10"]:
        tables.append(("entries open into 2025-10-10", res["crash_2025_10_10"]))
    for title, rows in tables:
        t = Table(title=f"Stop policies on {_common.esc(res['asset'])} — {title}")
        cols = ["policy", "side", "entries", "n", "stop_outs", "avg_loss_on_stop"]
        cols += ["avg_slippage", "total_return", "max_drawdown"]
        for c in cols:
            # a policy's name is whole like a number (keep_numbers_whole): vol-declustered,
            # not "vol-dec / lustere / d" at 80 columns
            whole = max(len(str(r["policy"])) for r in rows) if c == "policy" else None
            t.add_column("stop_outs [90 %]" if c == "stop_outs" else c, min_width=whole)
        for r in rows:
            t.add_row(*[_cell(r, c) for c in cols])
        _common.stdout.print(t)
    _common.stdout.print(
        f"stop_outs [90 %]: share of entries stopped, {res['stop_outs_interval']} interval; "
        "avg_loss_on_stop, total_return, max_drawdown: % of one entry's notional, unlevered "
        "(--leverage sets only where the stops are capped); avg_slippage: % of the trigger",
        soft_wrap=True,
    )
    line = declustering_line(res)
    if line:
        _common.stdout.print(line, soft_wrap=True, markup=False)
    if res["crash_2025_10_10"]:
        best = ", ".join(f"{sd} = {pol}" for sd, pol in res["best_on_2025_10_10"].items())
        _common.stdout.print(
            f"best on 2025-10-10: {best} ({res['best_on_2025_10_10_note']})", soft_wrap=True
        )
    else:
        _common.stdout.print(
            "2025-10-10: no entry of 2025-10-05 → 2025-10-10 20:00 in the covered span "
            "(no crash table)"
        )


def _stop_outs(row: dict[str, Any]) -> str:
    """``51.6 % [43 %, 60 %]``: the share and its interval."""
    lo, hi = (percent_text(row[k], 0) for k in ("stop_outs_lo", "stop_outs_hi"))
    return f"{percent_text(row['stop_outs'], 1)} [{lo}, {hi}]"


#: The back-test table's columns that are fractions of one entry's notional (unlevered),
#: printed in percent (the JSON keeps fractions).
_PERCENT_COLUMNS = ("avg_loss_on_stop", "avg_slippage", "total_return", "max_drawdown")


def _cell(row: dict[str, Any], col: str) -> str:
    """A back-test table cell: stop-outs with their interval, fractions in %, the rest."""
    if col == "stop_outs":
        return _stop_outs(row)
    if col in _PERCENT_COLUMNS:
        x = row[col]
        return "n/a" if x is None or not math.isfinite(x) else percent_text(x, 2)
    return _common._fmt(row[col])


def _warn_fixed_cap(res: dict[str, Any], given: bool = True) -> None:
    """A ``warning:`` line when the fixed policy's distance was capped, one for the vol ones.

    ``given``: whether the user gave ``--fixed-pct`` (else the line names the default).
    """
    from liqcascade.protect import vol_capped_text

    st = res["settings"]
    eff = st.get("fixed_pct_effective")
    if eff is not None and eff < st["fixed_pct"]:
        what = "--fixed-pct" if given else "the default fixed distance"
        _common.warn(
            f"{what} {st['fixed_pct']:g} is beyond the cap of a {st['leverage']:g}x "
            f"position ({percent_text(st['max_liq_fraction'], 0)} of the way to liquidation): the "
            f"fixed stops are {percent_text(eff, 2)} from entry (fixed_pct_effective in --json)"
        )
    vc = vol_capped_text(res.get("vol_capped"), st["leverage"], st["max_liq_fraction"])
    if vc:  # the fixed policy is not the only one at the cap
        _common.warn(f"{vc} (vol_capped in --json)")


def _default_fixed_pct(leverage: float) -> float:
    """``--fixed-pct`` when not given: 0.05, or the policy's cap where 0.05 is refused.

    An explicit distance at or beyond the liquidation (``1/leverage``) is refused: the
    user asked for a stop that cannot fire. The default was not asked for: at a leverage
    where it would be refused (above 20x) it takes the cap every policy's stop has (80 %
    of the way to liquidation), with a ``warning:`` line saying so.
    """
    from liqcascade.protect import BacktestSettings

    base = BacktestSettings()
    if not (math.isfinite(leverage) and 1 <= leverage <= 125) or base.fixed_pct < 1 / leverage:
        return base.fixed_pct  # a bad --leverage is refused by the settings, naming it
    cap = base.max_liq_fraction / leverage
    _common.warn(
        f"--fixed-pct not given: its default {base.fixed_pct:g} is at or beyond the "
        f"liquidation of a {leverage:g}x position (1/{leverage:g} = "
        f"{percent_text(1 / leverage, 2)}): the fixed stops are at the policy's cap, "
        f"{percent_text(cap, 2)} from entry (--fixed-pct to choose)"
    )
    return cap


_RecAssetOpt = Annotated[
    str, typer.Option(help="Asset: ETH (default), BTC, or any asset with a market in the store.")
]
_RecAsOfOpt = Annotated[
    str | None,
    typer.Option(
        help="Date of the market state (UTC; default: the latest bar every series of "
        "the market reaches, the store's or the bundle's)."
    ),
]
_RecLiquidityOpt = Annotated[
    str,
    typer.Option(
        "--liquidity",
        help="Slippage model: calibrated (the calibrated liquidity response, default) or "
        "static (the book as displayed, everything in one round: an upper bound).",
    ),
]
_RecVenueOpt = Annotated[
    str,
    typer.Option(
        help="Venue of the position: binance, bybit or hyperliquid. Its margin rules "
        "price the liquidation price that bounds the stop, and its tick the stop."
    ),
]


_RecStopOpt = Annotated[
    float | None,
    typer.Option(
        help="A stop you already hold, USD: whether it sits in the modelled crowd (the "
        "zones the recommendation avoids) and its stop-out chance, beside the "
        "recommendation."
    ),
]


def _recommend(
    side: str, entry: float, size: float, leverage: float, settings: Any, asset: str,
    as_of: str | None, liquidity: str, venue: str, stop: float | None = None,
) -> tuple[dict[str, Any], Any]:  # fmt: skip
    """``stops recommend``'s result (the JSON's keys but ``warnings``) and the recommendation.

    Three stages, each one step of the progress line (a log reads 33 %, 67 %, done): the
    estimated market, the crowd back-test that decides whether a stop moves, the stop.
    With ``stop`` (``--stop``), ``your_stop``: whether that stop sits in the crowd, and
    its odds (:func:`liqcascade.protect.check_stop`); None without.
    """
    from liqcascade.market import MarketSpec, estimated_market, market_times
    from liqcascade.protect import check_stop, recommend_stop

    with _common.progress(RECOMMEND_STAGES, 3) as adv:
        state = estimated_market(MarketSpec(asset=asset, as_of=as_of))
        adv(1)
        cb = crowd_backtest(state.asset, state.close_time or state.as_of)  # decides the stop
        adv(1)
        rec = recommend_stop(side, entry, size, leverage, settings=settings, state=state,
                             liquidity=liquidity, crowd_verdict=cb.get("verdict"),
                             venue=venue, crowd_reach=cb.get("move_reach"))  # fmt: skip
        adv(1)
        out = rec.summary()
        out["crowd_backtest"] = cb
        out["venue"] = rec.venue  # whose margin rules priced liq_price
        out["crowd_reach"] = cb.get("move_reach")  # the verdict speaks for moves up to it
        out["beyond_reach"] = None if rec.beyond_reach is None else list(rec.beyond_reach)
        out["your_stop"] = None if stop is None else check_stop(rec, state, stop, settings)
    out.update(market_times(state, iso=True))  # as_of: the bar's close, as every command's
    out["market"] = state.fingerprint()
    return out, rec


#: The progress line of ``stops recommend``: its three stages, in order.
RECOMMEND_STAGES = (
    "stop recommendation: the estimated market, the back-test of moving stops out of the "
    "crowd, the stop levels"
)


@stops_app.command("recommend")
@required_options("side", "entry", "size", "leverage")  # checked by _require, named at once
def recommend_cmd(
    side: Annotated[
        str | None, typer.Option(help="Position side: long or short (buy/sell); no default.")
    ] = None,
    entry: Annotated[float | None, typer.Option(help="Entry price, USD.")] = None,
    size: Annotated[
        float | None, typer.Option(help="Position size, base units of --asset.")
    ] = None,
    leverage: Annotated[
        float | None, typer.Option(help="Leverage at entry, 1–125 (below 1 is refused).")
    ] = None,
    asset: _RecAssetOpt = "ETH",
    as_of: _RecAsOfOpt = None,
    horizon_days: Annotated[int, typer.Option(help="Holding horizon, days (1–365).")] = 5,
    k: Annotated[float, typer.Option(help="Distance in horizon-volatility units.")] = 1.0,
    vol_source: Annotated[str, typer.Option(help="garch (GJR-GARCH-t) or atr.")] = "garch",
    liquidity: _RecLiquidityOpt = "calibrated",
    venue: _RecVenueOpt = "binance",
    stop: _RecStopOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Recommend a stop: volatility-scaled, out of modelled clusters, inside liquidation.

    The expected slippage comes from the cascade engine on the estimated market of
    --as-of (positions, modelled stops, calibrated order book).

    Example: liqcascade stops recommend --asset ETH --side long --entry 3700 --size 10 --leverage 10
    Example: liqcascade stops recommend --asset BTC --side long --entry 115000 --size 1 --leverage 5
    """
    _require(("--side", side), ("--entry", entry), ("--size", size), ("--leverage", leverage),
             asset=asset, as_of=as_of)  # fmt: skip  # before the market's imports
    from liqcascade.protect import RecommendSettings, check_position  # light: values first

    assert side is not None and entry is not None and size is not None and leverage is not None
    check_position(side, entry, size, leverage, liquidity, venue=venue)  # before heavy imports
    settings = RecommendSettings(horizon_days=horizon_days, k=k, vol_source=vol_source)
    check_position(side, entry, size, leverage, liquidity, asset=asset, venue=venue)  # its cap
    if stop is not None and not (math.isfinite(stop) and stop > 0):  # before the market
        _common.fail(f"--stop must be a positive finite price, USD (got {stop:g})")
    out, rec = _recommend(side, entry, size, leverage, settings, asset, as_of, liquidity, venue,
                          stop)  # fmt: skip
    out["warnings"] = _warned(rec.warnings, side=side, entry=entry, size=size,
                              leverage=leverage, asset=asset, horizon_days=horizon_days, k=k,
                              vol_source=vol_source, liquidity=liquidity,
                              venue=venue)  # fmt: skip
    _common.emit(out, as_json, _render_recommend)


_EndOpt = Annotated[
    str | None,
    typer.Option(
        help="Last entry date (UTC); default 31 December of the last year the asset's "
        "hourly data run past (2025-12-31 for the bundled ETH and BTC)."
    ),
]


_FixedPctOpt = Annotated[
    float | None,
    typer.Option(
        help="Fixed policy distance, fraction of entry (default 0.05) or percent (5%). Beyond "
        "0.8/--leverage (80 % of the way to liquidation) it is capped there with a warning; "
        "at or beyond 1/--leverage (the liquidation) it is refused, unless not given: the "
        "default then takes the cap, with a warning."
    ),
    FRACTION,
]


@stops_app.command("backtest")
def backtest_cmd(
    policy: Annotated[str, typer.Option(help="fixed, vol, vol-declustered or all.")] = "all",
    side: Annotated[str, typer.Option(help="long, short or both.")] = "both",
    entries: Annotated[str, typer.Option(help="support, random or both.")] = "both",
    start: Annotated[str, typer.Option(help="First entry date (UTC).")] = "2020-01-01",
    end: _EndOpt = None,
    seed: Annotated[int, typer.Option(help="Seed of the random entries.")] = 0,
    n_random: Annotated[int, typer.Option(help="Random entries per side (>= 1).")] = 500,
    horizon_days: Annotated[int, typer.Option(help="Holding period, days (1–365).")] = 5,
    fixed_pct: _FixedPctOpt = None,
    leverage: Annotated[float, typer.Option(help="Position leverage (1–125).")] = 5.0,
    asset: Annotated[
        str,
        typer.Option(
            help="Asset whose hourly path, volatility and depth (ETH, BTC, or any asset "
            "with hourly prices and book totals in the store)."
        ),
    ] = "ETH",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Backtest stop policies on an asset's real hourly path, fills through the modelled book.

    Entries at the support tests of the event study and at seeded random hours, long
    and short; plus every hour of 2025-10-05 → 2025-10-10 20:00 (open in the crash).

    Example: liqcascade stops backtest --asset BTC --policy all --side both --json
    """
    from liqcascade.protect import POLICIES, BacktestSettings, backtest_stops, declustering_verdict

    _common.flag_names(policies="--policy", sides="--side")
    pols = POLICIES if policy == "all" else (policy,)
    if policy != "all" and policy not in POLICIES:
        _common.fail(f"--policy must be one of {', '.join(POLICIES)}, all (got {policy!r})")
    if side not in ("long", "short", "both"):
        _common.fail(f"--side must be long, short or both (got {side!r})")
    if entries not in ("support", "random", "both"):
        _common.fail(f"--entries must be support, random or both (got {entries!r})")
    sides = ("long", "short") if side == "both" else (side,)
    ents = ("support", "random") if entries == "both" else (entries,)
    t0 = _common.parse_date(start, "--start")
    t1 = None if end is None else _common.parse_date(end, "--end")
    settings = BacktestSettings(
        seed=seed,
        n_random=n_random,
        horizon_days=horizon_days,
        fixed_pct=_default_fixed_pct(leverage) if fixed_pct is None else fixed_pct,
        leverage=leverage,
    )
    with _common.progress("walking the stop policies over the hourly path") as adv:
        res = backtest_stops(pols, sides, ents, start=t0, end=t1, settings=settings, asset=asset)
        adv(1)
    out = res.summary()
    out["declustering"] = (
        declustering_verdict(res) if {"vol", "vol-declustered"} <= set(pols) else None
    )
    _warn_fixed_cap(out, given=fixed_pct is not None)
    _common.emit(out, as_json, _render_backtest)


def register(app: typer.Typer) -> None:
    """Register ``stops`` on the root app."""
    app.add_typer(stops_app, name="stops")
