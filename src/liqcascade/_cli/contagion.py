"""CLI command: ``liqcascade contagion`` (several venues + DeFi lending, issue 8)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from liqcascade._cli import _book_units, _common
from liqcascade._cli._eth_scenario import EthAsset, refuse_other_asset
from liqcascade._prices import count_text, percent_text, price_decimals

#: ``[shock]`` keys of a contagion setup -> the keys of the JSON's ``first_shock``.
SHOCK_KEYS = {"shock": "fraction", "shock_price": "price", "shock_sell_usd": "sell_usd",
              "shock_buy_usd": "buy_usd"}  # fmt: skip


def _fraction_text(x: float) -> str:
    """A shock fraction as a signed percentage, with as many decimals as it needs.

    One decimal unless it would print a value the command refuses (−0.9999 read as
    −100.0 %, −0.0004 as −0.0 %): then more, up to six, then twelve significant figures.
    """
    for d in range(1, 7):
        text = percent_text(x, d, signed=True)
        shown = float(text.removesuffix(" %")) / 100
        if shown != 0 and shown > -1:
            return text
    return f"{100 * x:+.12g} %"


def _shock_line(first: dict[str, Any]) -> str:
    if "fraction" in first:
        what = _fraction_text(first["fraction"])
    elif "price" in first:
        what = f"to price {first['price']:,.2f}"
    else:
        side = "sell" if "sell_usd" in first else "buy"
        what = f"a market {side} of {first[f'{side}_usd']:,.0f} USD"
    where = first["venue"]
    if first.get("scope") == "market":
        where = f"every venue at once (a market-wide fall, read on {where}'s mid)"
    return f"first shock {what} on {where} ({first['source']})"


def _spread(iv: dict[str, Any], key: str) -> str:
    """``p10 … p90`` over the draws, or the one figure when every draw agrees."""
    lo, hi, n = iv[f"{key}_p10"], iv[f"{key}_p90"], iv.get("n_draws", 0)
    if abs(hi - lo) <= 1e-9 * max(abs(lo), abs(hi), 1.0):
        return (f"{lo:,.0f} in every one of the {n} draws (all draws equal: the same "
                "positions liquidate under each draw's parameters)")  # fmt: skip
    return f"80 % over draws {lo:,.0f} … {hi:,.0f}"


def _central_note(central: float, iv: dict[str, Any], key: str) -> str:
    """`` (central run X: the range's low end)`` when the central figure is an end of it.

    The figures (the venues' table) are the central parameters' run; the range is over
    the calibration's draws, and the central run may sit at one end of it (2025-10-10:
    15,537,324 = the 10th percentile). Nothing when it is inside, or the draws all agree.
    """
    lo, hi = iv[f"{key}_p10"], iv[f"{key}_p90"]
    tol = 1e-9 * max(abs(lo), abs(hi), 1.0)
    if abs(hi - lo) <= tol:
        return ""
    if abs(central - lo) <= tol:
        return f" (central run {central:,.0f}: the range's low end)"
    if abs(central - hi) <= tol:
        return f" (central run {central:,.0f}: the range's high end)"
    return ""


def _mixed_units(res: dict[str, Any]) -> str:
    """What the contagion share adds up when it mixes the estimated book's and real dollars.

    The estimated book's liquidations are in its liquidation feed's dollars (the units'
    ``book_dollars``: ``Binance-feed`` for the bundled calibrations, a store's feed by its
    label); a positions file's venue and the lending markets are in real dollars. When
    the share adds both it says so, and gives the share with the feed's dollars converted
    to market dollars (``scales``, :func:`_scales`).
    """
    scales = res.get("scales") or {}
    if not scales.get("mixed"):
        return ""
    feed = (res.get("units") or {}).get("book_dollars") or "feed"
    venues = scales["venues"]
    real = [n for n, d in venues.items() if d["dollars"] == "real"]
    where = "exchange liquidations"
    if real:
        where = "liquidations on " + ", ".join(scales["feed_venues"])
    reals = [f"liquidations on {', '.join(real)}"] if real else []
    if (res.get("defi") or {}).get("markets"):
        reals.append("lending liquidations")
    text = f" (of {feed}-scale {where} plus real-dollar {' and '.join(reals)}"
    on_market = scales.get("contagion_share_market_dollars")
    if on_market is not None:
        ks = {d["feed_per_market_usd"] for d in venues.values() if d["dollars"] == "feed"}
        by = f" (feed ÷ {ks.pop():.3g})" if len(ks) == 1 else ""
        text += f"; on market dollars{by} {percent_text(on_market)}"
    return text + ")"


def _scales(setup: Any, out: dict[str, Any]) -> dict[str, Any]:
    """Which dollars each venue's figures are in, and the share on market dollars.

    ``venues``: per venue ``dollars`` (``feed``: the estimated book's; ``real``: a
    positions file's) and ``feed_per_market_usd`` (the feed's dollars per market dollar,
    None for real dollars); ``feed_venues``; ``mixed`` (the share adds feed and real
    dollars: a file's venue or a lending market beside an estimated one); and
    ``contagion_share_market_dollars`` (the share with the feed's dollars divided by
    their factor; None when nothing is in feed dollars or the factor is unknown).
    """
    import math

    k = setup.feed_per_market_usd
    venues = {n: {"dollars": "feed" if n in k else "real", "feed_per_market_usd": k.get(n)}
              for n in out["venues"]}  # fmt: skip
    feed = [n for n in venues if n in k]
    real = len(feed) < len(venues) or bool(out["defi"].get("markets"))
    share = None
    if feed:
        from liqcascade.contagion import ContagionResult

        assert isinstance(out.get("_result"), ContagionResult)
        x = out["_result"].share_on_market_dollars(k)
        share = x if math.isfinite(x) else None
    return {"venues": venues, "feed_venues": feed, "mixed": bool(feed) and real,
            "contagion_share_market_dollars": share}  # fmt: skip


def _clock_lines(res: dict[str, Any]) -> list[str]:
    """The calibrated response's clock: the mechanisms it carried and the venues' queues."""
    clock = res.get("clock") or {}
    m = clock.get("mechanisms", {})
    parts = [f"latent depth {m.get('latent_depth', 0):g}"]
    if m.get("resilience_half_life_s") is not None:
        parts.append(f"resilience half-life {m['resilience_half_life_s']:g} s")
    if m.get("withdrawal_per_speed"):
        parts.append(f"withdrawal up to {100 * m['withdrawal_max']:g} % when price moves fast")
    w = m.get("mark_price_weight", 1.0)
    if w < 1:
        parts.append(f"mark {w:g} × venue + {1 - w:g} × index (the venues' median)")
    if m.get("liquidation_rate_usd_s") is not None:
        parts.append(f"liquidation rate ${m['liquidation_rate_usd_s']:,.0f}/s")
    if m.get("liquidation_fee"):
        parts.append(f"fee {100 * m['liquidation_fee']:g} %")
    whose = (res.get("calibration") or {}).get("asset")
    cal = f"{whose}'s calibration, " if whose else ""
    lines = [f"calibrated liquidity on the clock ({cal}rounds of {clock.get('round_s', 0):g} s, "
             f"last activity at {clock.get('elapsed_s', 0):g} s): {', '.join(parts)}"]  # fmt: skip
    peak = {n: v.get("queue_peak_usd", 0.0) for n, v in res["venues"].items()}
    left = {n: v.get("queue_left_base", 0.0) for n, v in res["venues"].items()}
    if any(peak.values()):
        worst = max(peak, key=lambda n: peak[n])
        tail = ("; left at the end: " + ", ".join(f"{n} {b:,.2f} base" for n, b in left.items()
                if b > 0)) if any(left.values()) else "; none left at the end"  # fmt: skip
        lines.append(f"liquidation queue: peak ${peak[worst]:,.0f} ({worst}){tail}")
    if w < 1 and res.get("scope", "venue") == "venue":
        move = "a rise" if res.get("direction") == "up" else "a fall"
        lines.append(
            f"mark rule: {move} on the shocked venue alone moves the index (the venues' median) "
            "little, so that venue's marks lag its price: fewer of its positions liquidate, and "
            "the contagion share is higher than with marks at each venue's own price (a model "
            "consequence, not evidence; --shock-scope market moves every venue, and the index, "
            "with the shock)"
        )
    return lines


def _collateral_price(price: float, start: float) -> str:
    """A collateral price with 2 decimals, more below 100 USD: ``1,938.03``, ``0.8962``.

    A stablecoin's (USDe at 0.9) moves in the third decimal: four significant figures
    of the start price, never fewer than the two an ETH or BTC price is printed with.
    """
    return f"{price:,.{max(2, price_decimals(start))}f}"


def _price_move(price: float, start: float) -> str:
    """``3,696.31 (−4.36 %)``: a price and its move from the start."""
    return (
        f"{_collateral_price(price, start)} ({percent_text(price / start - 1.0, 2, signed=True)})"
    )


def _market_lines(markets: dict[str, Any], clocked: bool) -> list[str]:
    """One line per lending market: accounts, seized, bad debt, its lowest and final price.

    The collateral price the market read is lowest where the oracle printed the fall,
    not at the end (after the venues recovered): the accounts were liquidated on the
    way down, so the lowest price, its round (and time on the clock) and the prices the
    liquidations happened at are printed beside the final one.
    """
    lines = []
    for name, m in markets.items():
        p0 = m["initial_collateral_price"]
        when = f"round {m['lowest_round']}"
        if clocked and m.get("lowest_t_s") is not None:
            when += f", {m['lowest_t_s']:g} s after the shock"
        low = (f"lowest {_price_move(m['lowest_collateral_price'], p0)} in {when}"
               if m["lowest_round"] else "never below the start")  # fmt: skip
        rng = m.get("liquidation_price_range")
        at = ""
        if rng:
            lo, hi = rng
            at = f"; liquidated at {_collateral_price(lo, p0)}" + (
                f" … {_collateral_price(hi, p0)}" if hi > lo else ""
            )
        final = _price_move(m["final_collateral_price"], p0)
        lines.append(
            f"{name}: {count_text(m['n_accounts_liquidated'], 'account', grouped=True)} "
            f"liquidated, ${m['liquidated_usd']:,.0f} seized, bad debt ${m['bad_debt_usd']:,.0f}; "
            f"collateral price (oracle-read) {low}, final {final}{at}"
        )
    return lines


#: ``--day``'s figures, in the order printed, and what each is of the 80 % interval.
_DAY_FIGURES = {"move_p90": "the 80 % interval's shallow end", "move_median": "the median",
                "move_p10": "the interval's deep end"}  # fmt: skip


def _shock_fraction(res: dict[str, Any]) -> float | None:
    """The first shock as a fraction of the shocked venue's mid; None for a market order."""
    first = res.get("first_shock") or {}
    if "fraction" in first:
        return float(first["fraction"])
    if "price" in first:
        return float(first["price"]) / res["venues"][first["venue"]]["initial_price"] - 1.0
    return None


def _day_command(res: dict[str, Any]) -> str | None:
    """The ``liqcascade cascade`` call giving the 24-hour move for the run's first shock."""
    if "day" in res:
        return str(res["day"]["command"])
    shock = _shock_fraction(res)
    if shock is None:
        return None
    return _cascade_command((res.get("calibration") or {}).get("asset", "ETH"), shock)


def _cascade_command(asset: str, shock: float) -> str:
    """``liqcascade cascade --asset ETH --shock=-10%``: the 24-hour move of a first shock."""
    return f"liqcascade cascade --asset {asset} --shock={100 * shock:.4g}%"


def _when_text(when: Any) -> str:
    """``2025-08-01 00:00 UTC``: an ISO time as the command prints times."""
    import pandas as pd

    return f"{pd.Timestamp(when):%Y-%m-%d %H:%M} UTC" if when else "the last market"


def _day_lines(res: dict[str, Any]) -> list[str]:
    """What horizon the DeFi leg covers; with ``--day``, the lending markets over 24 h."""
    if not res["defi"].get("markets"):
        return []
    cmd = _day_command(res)
    day = res.get("day")
    if day is None:
        clock = res.get("clock")
        span = f"the loop's {res['rounds']} rounds on the static books (no clock)"
        if clock:
            span = f"the loop's first {clock['elapsed_s']:g} s (until nothing moved)"
        how = f" ({cmd})" if cmd else ""
        return [f"horizon: the DeFi leg covers {span}, not the day: --day adds each lending "
                f"market at the calibrated cascade's 24-hour move for this shock{how}"]  # fmt: skip
    c = day["cascade"]

    def mv(x: float) -> str:
        return percent_text(x, 2, signed=True)

    lines = [
        f"the day (--day): {day['asset']}'s extreme move within {day['horizon_hours']:g} h "
        f"after the {_fraction_text(day['shock'])} first shock, the calibrated cascade's "
        f"({cmd}; market of {_when_text(day['as_of'])}, {c['n_paths']} paths): median "
        f"{mv(c['move_median'])} "
        f"(80 %: {mv(c['move_p10'])} … {mv(c['move_p90'])}); each held as the oracle's low "
        "(the collateral moves beta × it; no venue, arbitrage or DEX re-run):"
    ]
    for name, figs in day["markets"].items():
        p0 = res["defi"]["markets"].get(name, {}).get("initial_collateral_price")
        for key, label in _DAY_FIGURES.items():
            r = figs[key]
            cp = _collateral_price(r["collateral_price"], p0 or r["collateral_price"])
            lines.append(
                f"  {name} at {label} ({mv(c[key])}; collateral {cp}): "
                f"{count_text(r['n_accounts_liquidated'], 'account', grouped=True)}, "
                f"${r['liquidated_usd']:,.0f} seized ({percent_text(r['share_of_collateral'])} "
                f"of its collateral at that price), bad debt ${r['bad_debt_usd']:,.0f}"
            )
    return lines


#: Why a venue's static figure is below its calibrated one (``static_bound``'s codes).
_STATIC_WHY = {
    "book_ran_out": "its displayed book ran out and the venue halted there (positions past the "
    "book's end were never liquidated on it)",
    "lower_fill_prices": "the static fall went deeper and closed as many positions at lower "
    "prices (liquidations count at their fill prices)",
    "fewer_positions": "fewer of its positions were liquidated on the static books",
}


def _static_text(ub: dict[str, Any], bound: dict[str, Any]) -> str:
    """The static books' figures: the upper bound, or where and why they are not one."""
    cex, defi = ub["cex_liquidated_usd"], ub["defi_liquidated_usd"]
    ok = {k: bound.get(k, True) for k in ("cex_liquidated_usd", "defi_liquidated_usd")}
    if all(ok.values()):
        return f"static books (upper bound): CEX ${cex:,.0f}, DeFi ${defi:,.0f}"
    below = " (below the calibrated run: not a bound here)"
    c_note = "" if ok["cex_liquidated_usd"] else below
    d_note = " (upper bound)" if ok["defi_liquidated_usd"] else below
    text = f"static books: CEX ${cex:,.0f}{c_note}, DeFi ${defi:,.0f}{d_note}"
    why = [f"{n}: {_STATIC_WHY[c]}" for n, c in (bound.get("venues") or {}).items()]
    return text + (f" — {'; '.join(why)}" if why else "")


def _render(res: dict[str, Any]) -> None:
    esc = _common.esc  # venue and lending names are the configuration's
    for line in _input_lines(res.get("inputs", {}), res["defi"].get("markets", {})):
        _common.stdout.print(line, soft_wrap=True, markup=False)
    if "first_shock" in res:
        _common.stdout.print(_shock_line(res["first_shock"]), soft_wrap=True, markup=False)
    if "crash" in res:
        _common.stdout.print(res["crash"], soft_wrap=True, markup=False)
    market = res.get("scope") == "market"
    start = "every venue (market-wide shock)" if market else esc(res["shock_venue"])
    t = Table(title=f"Cascade from {start} ({res['rounds']} rounds)")
    for c in ("venue", "initial", "final", "liquidated USD", "rounds", "fund at start USD",
              "fund at end USD", "bad debt USD"):  # fmt: skip
        t.add_column(c, justify="right" if c != "venue" else "left")
    for n, v in res["venues"].items():
        t.add_row(esc(n), f"{v['initial_price']:,.2f}", f"{v['final_price']:,.2f}",
                  f"{v['liquidated_usd']:,.0f}", str(v["rounds"]),
                  f"{v['insurance_fund_usd']:,.0f}", f"{v['insurance_fund_end_usd']:,.0f}",
                  f"{v['bad_debt_usd']:,.0f}")  # fmt: skip
    _common.stdout.print(t)
    if res.get("liquidity") == "calibrated":
        iv, ub = res["interval"], res["static_upper_bound"]
        for line in _clock_lines(res):
            _common.stdout.print(line, soft_wrap=True, markup=False)
        central = sum(float(v["liquidated_usd"]) for v in res["venues"].values())
        _common.stdout.print(
            f"calibrated CEX liquidated {_spread(iv, 'cex_liquidated_usd')}"
            f"{_central_note(central, iv, 'cex_liquidated_usd')}; "
            f"{_static_text(ub, res.get('static_bound') or {})}",
            soft_wrap=True,
            markup=False,
        )
    d = res["defi"]
    _common.stdout.print(
        f"DeFi liquidated ${d['liquidated_usd']:,.0f}, bad debt ${d['bad_debt_usd']:,.0f}; "
        f"contagion share {percent_text(res['contagion_share'])}{_mixed_units(res)}; "
        "first liquidation "
        "outside "
        f"{res['shock_venue']} in round {res['rounds_to_spread']}",
        markup=False,
    )
    lines = _market_lines(d.get("markets", {}), res.get("clock") is not None) + _day_lines(res)
    for line in lines:
        _common.stdout.print(line, soft_wrap=True, markup=False)
    if "validation" in res:
        v = Table(title="Model vs recorded (2025-10-10)")
        for c in ("what", "model", "recorded", "ratio", "note"):
            v.add_column(c)
        for r in res["validation"]["rows"]:
            v.add_row(
                r["what"],
                _common._fmt(r["model"]) if r["model"] is not None else "—",
                _common._fmt(r["recorded"]) if r["recorded"] is not None else "not covered",
                f"{r['ratio']:.3g}" if r["ratio"] is not None else "—",
                esc(r["note"]),
            )
        _common.stdout.print(v)
    told = _common.assumptions_line(res.get("assumptions"))
    if told:
        _common.stdout.print(told, soft_wrap=True, markup=False)


_Shock = Annotated[
    str | None,
    typer.Option(
        "--shock",
        help="Override the first shock: fraction (-0.05) or percent (-5%) of the venue's "
        "mid; a bare number must be in (-1, 1), as cascade's --shock. Default: the "
        "configuration's \\[shock]; --preset oct-2025 replays the recorded Binance fall of "
        "the 2025-10-10 21:00 UTC hour (-12.0 %).",
    ),
]

_Scope = Annotated[
    str | None,
    typer.Option(
        "--shock-scope",
        help="Where the first shock lands: venue (the shocked venue alone; the others "
        "follow through arbitrage, the index and lending; the default) or market (every "
        "venue's price moves by the same fraction at once: a market-wide fall, its static "
        "bound shocked the same way). Overrides the config's \\[shock] scope.",
    ),
]


_Day = Annotated[
    bool,
    typer.Option(
        "--day",
        help="Also evaluate each lending market over the day: the calibrated cascade's extreme "
        "move within 24 h of the same first shock (what cascade --shock prints: median and "
        "80 % interval), each held as the oracle's low. The contagion loop itself covers "
        "only the minutes until nothing moves. About a minute more.",
    ),
]

_AccountsCsv = Annotated[
    Path | None,
    typer.Option(
        "--accounts-csv",
        help="Also write one row per lending account to this CSV: market, account (its "
        "accounts file's data row), liquidated, first_round, collateral seized (tokens, "
        "USD), debt repaid, bad debt, start and end (the library's accounts_frame of "
        "the run's result).",
    ),
]


INSTEAD = (
    "run it without --asset for ETH's, or write a --config with the asset set "
    '(asset = "BTC": its liquidity calibration and book beta) and your venues (docs/contagion.md)'
)
"""What ``contagion --asset BTC`` says to run instead (:func:`refuse_other_asset`)."""


def contagion_cmd(
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML configuration (docs/contagion.md).")
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option("--preset", help="Bundled preset: oct-2025 (the 2025-10-10 crash)."),
    ] = None,
    shock: _Shock = None,
    shock_venue: Annotated[
        str | None, typer.Option("--shock-venue", help="Override the venue the shock hits.")
    ] = None,
    liquidity: Annotated[
        str | None,
        typer.Option(
            "--liquidity",
            help="calibrated (the calibrated liquidity response on its clock, rounds of 30 s: "
            "latent depth, resilience, withdrawal, the index-anchored mark, the venue's "
            "liquidation rate; the default) or static (the books as displayed: the upper "
            "bound, unless a displayed book runs out or a deeper fall closes the same "
            "positions for fewer dollars; the output says so). Overrides the config's "
            "\\[simulation] liquidity.",
        ),
    ] = None,
    scope: _Scope = None,
    day: _Day = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    accounts_csv: _AccountsCsv = None,
    asset: EthAsset = "ETH",
) -> None:
    """Cascade across perpetual venues and Aave-style lending, linked by arbitrage and oracles.

    Example: liqcascade contagion --preset oct-2025 --shock -0.08 --json
    """
    refuse_other_asset(asset, "contagion", INSTEAD)  # before any venue or data is loaded
    from liqcascade.contagion import run_preset, run_setup

    fraction = _common.parse_shock(shock, nonzero=True)  # -0.05 or -5%, as cascade reads it
    _check(config, preset, liquidity, fraction, scope)
    if accounts_csv is not None:  # before any work: a folder or a read-only place fails now
        accounts_csv = _common.output_file(accounts_csv, "--accounts-csv")
    if day and fraction is not None:  # a rise is refused before any venue is built
        _refuse_day(True, "fraction", fraction)
    cache: dict[Any, Any] = {}
    with _common.progress("building venues and running the cascade") as advance:
        if preset is not None:
            setup, res = run_preset(preset, fraction, shock_venue, cache, liquidity, scope)
        else:
            assert config is not None
            setup = _config_setup(config, cache)
            if day:
                _day_before_run(setup, fraction)
            res = run_setup(setup, shock_venue=shock_venue, shock=fraction, liquidity=liquidity,
                            scope=scope)  # fmt: skip
        advance(1)
    out = _output(setup, res, preset, fraction, config, cache)
    if day:
        out["day"] = _day(setup, out)
    if accounts_csv is not None:
        _write_accounts(res, accounts_csv)
    _book_units.emit(out, as_json, _render)


def _write_accounts(res: Any, path: Path) -> None:
    """Every lending market's :meth:`accounts_frame` to one CSV, a ``market`` column first."""
    import pandas as pd

    frames = [res.accounts_frame(m).reset_index().assign(market=m) for m in res.defi]
    cols = ["market", "account"]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    df = df[cols + [c for c in df.columns if c not in cols]]
    try:  # the folders missing are made (the check before the run allowed them)
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False)
    except OSError as e:
        _common.fail(f"--accounts-csv: {path}: cannot write: {e.strerror or e}")
    _common.note_at_end(f"accounts: {len(df):,} rows written to {path}")


def _output(
    setup: Any, res: Any, preset: str | None, fraction: float | None, config: Path | None,
    cache: dict[Any, Any],
) -> dict[str, Any]:  # fmt: skip
    """The command's JSON: the run's summary, warnings said, the shock, record and inputs."""
    from liqcascade.contagion import validate_oct_2025
    from liqcascade.market import market_times

    out: dict[str, Any] = res.summary()
    for v in setup.venues:  # the fund each venue started with, beside its end and bad debt
        out["venues"][v.name]["insurance_fund_usd"] = float(v.insurance_fund)
    out["scales"] = _scales(setup, {**out, "_result": res})
    _warn_static_only(setup, out.get("liquidity"))
    _warn_oracles(out["defi"]["markets"])
    out["first_shock"] = {**_first_shock(setup, preset, fraction, config, out["shock_venue"]),
                          "scope": out["scope"]}  # fmt: skip
    if preset == "oct-2025":
        out["validation"] = validate_oct_2025(res, setup=setup)
        if fraction is None:  # the recorded hour: say which reading of the crash this is
            out["crash"] = _crash_text(out["first_shock"]["fraction"], out["shock_venue"])
    states = [v for k, v in cache.items() if isinstance(k, tuple) and k[0] == "ms"]
    if states:  # the estimated market the venues' positions and depth were sized from
        out.update(market_times(states[0], iso=True))  # as_of: its close, as every command's
        out["market"] = states[0].fingerprint()
    out["inputs"] = _inputs(setup.notes)
    out["assumptions"] = list(setup.assumptions)
    return out


def _day(setup: Any, out: dict[str, Any]) -> dict[str, Any]:
    """``--day``: each lending market at the calibrated cascade's 24-hour move for the shock."""
    from liqcascade.contagion import lending_over_the_day

    shock = _shock_fraction(out)
    _refuse_day(setup.lending, "fraction" if shock is not None else "sell_usd", shock)
    assert shock is not None  # refused above
    with _common.progress("the calibrated cascade's 24-hour move (about a minute)"):
        day = lending_over_the_day(setup.lending, shock, setup.asset, by=setup.liquidity_as_of)
    day["command"] = _cascade_command(day["asset"], shock)
    if day["by_mid_at"]:  # the market closed by the venues' mids, not the data's last
        day["command"] += f" --as-of {day['as_of'][:16].replace(' ', 'T')}"
    return day


def _refuse_day(lending: Any, kind: str, fraction: float | None) -> None:
    """Fail where ``--day`` has nothing to evaluate: no lending market, no fall.

    ``kind``: how the first shock is given (``fraction``, ``price``, ``sell_usd``,
    ``buy_usd``: :data:`SHOCK_KEYS`' values); ``fraction``: it as a fraction of mid, None
    when not known yet (a price before the run). Called before the run with what the
    options and the configuration say (a fall is not run for a minute and a half to be
    refused after it), and after it with the first shock the run applied.
    """
    if not lending:
        _common.fail("--day: the configuration has no [[lending]] market to evaluate")
    if kind not in ("fraction", "price"):
        _common.fail(
            "--day needs a price shock (--shock, or [shock] fraction or price), not a market "
            "order: the calibrated cascade's 24-hour move starts from a move"
        )
    if fraction is not None and not fraction < 0:
        _common.fail(f"--day evaluates a fall (the lending markets' risk): the first shock is "
                     f"{_fraction_text(fraction)}")  # fmt: skip


def _day_before_run(setup: Any, fraction: float | None) -> None:
    """``--day`` on a ``--config`` file: its refusals the options and the file decide."""
    if fraction is not None:
        _refuse_day(setup.lending, "fraction", fraction)
        return
    (key, value), *_ = setup.shock.items()
    kind = SHOCK_KEYS[key]
    _refuse_day(setup.lending, kind, float(value) if kind == "fraction" else None)


def _config_setup(config: Path, cache: dict[Any, Any]) -> Any:
    """The contagion setup of a ``--config`` file (its errors name the file)."""
    from liqcascade.contagion import build_setup, load_config

    path = _common.existing_file(config, "--config")
    with _common.config_file(path):
        return build_setup(load_config(path), path.name, cache)


def _warn_static_only(setup: Any, liquidity: str | None) -> None:
    """Warn when venues set the static books' refill or fee but the run is calibrated."""
    if liquidity != "calibrated":
        return
    keys = sorted({k for v in setup.venues for k in ("refill_fraction", "liquidation_fee")
                   if getattr(v.config, k, 0.0)})  # fmt: skip
    if keys:
        _common.warn(
            f"{' and '.join(keys)} of the venues apply to static runs only: the calibrated "
            "run takes resilience and the fee from the liquidity calibration (--liquidity "
            "static uses them)"
        )


def _warn_oracles(markets: dict[str, Any]) -> None:
    """Warn when a lending market's oracle never moved or its collateral price hit the floor."""
    for name, m in markets.items():
        if m.get("n_oracle_updates") == 0:
            _common.warn(
                f"{name}: the oracle never updated during the run (its sources never moved "
                "more than oracle.deviation): the lending market saw the start price throughout"
            )
        if m.get("price_floor_hit"):
            _common.warn(
                f"{name}: the collateral price reached zero (beta x the sources' fall >= 100 %) "
                "and was held at 1e-12 USD: every account with debt was liquidatable"
            )


def _crash_text(move: float, venue: str) -> str:
    """The preset's reading of 2025-10-10 (:func:`liqcascade._crashes.crash_line`)."""
    import pandas as pd

    from liqcascade._crashes import OCT_2025, crash_line

    end = OCT_2025.hour + pd.Timedelta(hours=1)
    return crash_line("Binance", "hourly", f"{OCT_2025.hour:%Y-%m-%d %H:%M}-{end:%H:%M} UTC",
                      move, f"the hour's low over its open, the first shock on {venue}; the "
                      "other venues and lending follow through the model")  # fmt: skip


def _first_shock(
    setup: Any, preset: str | None, shock: float | None, config: Path | None, venue: str
) -> dict[str, Any]:
    """The first shock the run applied and where it came from."""
    from liqcascade.contagion import RECORDED_SHOCK_SOURCE, recorded_first_shock

    if shock is not None:
        return {"fraction": shock, "venue": venue, "source": "--shock"}
    if preset == "oct-2025":
        return {"fraction": recorded_first_shock(), "venue": venue,
                "source": RECORDED_SHOCK_SOURCE}  # fmt: skip
    where = f"--config {config.name}" if config is not None else f"preset {preset}"
    given = {SHOCK_KEYS[k]: v for k, v in setup.shock.items()}
    return {**given, "venue": venue, "source": f"[shock] of {where}"}


#: A lending market's rules and book as it ran, in the JSON's ``inputs.lending.NAME``.
_RULES = ("liq_threshold", "liq_bonus", "rules_source", "collateral_price", "collateral_usd",
          "debt_usd", "snapshot_counts")  # fmt: skip


def _rules_line(name: str, b: dict[str, Any], kept: int) -> str:
    """The rules a lending market ran on and the book it kept (USD at the start price).

    ``aave-v3-wbtc: liquidation threshold 0.78, bonus 5.0 % (…); 1,881 accounts:
    $6,488,473,516 of collateral at 114,198.00, $2,169,663,094 of debt``.
    """
    return (
        f"{name}: liquidation threshold {b['liq_threshold']:g}, bonus "
        f"{percent_text(b['liq_bonus'] - 1.0)} ({b['rules_source']}); "
        f"{count_text(kept, 'account', grouped=True)}: ${b['collateral_usd']:,.0f} of "
        f"collateral at {_collateral_price(b['collateral_price'], b['collateral_price'])}, "
        f"${b['debt_usd']:,.0f} of debt"
    )


def _inputs(notes: dict[str, Any]) -> dict[str, Any]:
    """Where the venues' positions and the lending markets' betas came from.

    The accounts each lending market kept and left out are its outcome's
    (``defi.markets.NAME``: ``n_accounts``, ``n_dropped_initially_liquidatable``), not
    repeated here.
    """
    venues = notes.get("venues", {})
    lending = {
        k: {"beta": v["beta"], "beta_source": v.get("beta_source", ""),
            "collateral": v.get("collateral"),
            "snapshot_priced_at": v.get("snapshot_priced_at"),
            **{r: v[r] for r in _RULES if r in v},
            **({"n_dropped_only_at_given_lt": v["n_dropped_only_at_given_lt"],
                "liq_threshold": v["liq_threshold"],
               "reserve_liq_threshold": v["reserve_liq_threshold"]}
               if v.get("n_dropped_only_at_given_lt") else {})}
        for k, v in notes.items()
        if k != "venues" and isinstance(v, dict) and "beta" in v
    }  # fmt: skip
    times = {  # the market each venue's estimated positions stand on: as_of is its close
        k: {n: v[k] for n, v in venues.items() if v.get(k) is not None}
        for k in ("positions_as_of", "positions_bar_open", "positions_bar_close")
    }
    return {
        **times,
        "book_beta": {n: v["book_beta"] for n, v in venues.items() if "book_beta" in v},
        "lending": lending,
    }


def _beta_label(collateral: str | None) -> str:
    """What a lending market's beta is, named for its collateral.

    ``BTC/ETH beta`` for BTC collateral on the ETH venues; else the collateral's move per
    move of its oracle venues' price (WETH's 1, a stablecoin's near 0).
    """
    from liqcascade.contagion import BTC_COLLATERAL  # the venues are ETH's

    if collateral is None or collateral.upper() in BTC_COLLATERAL:
        return "BTC/ETH beta"
    return f"{collateral}'s beta to its oracle venues' move"


def _dropped_line(name: str, n: int, kept: int, lending: dict[str, Any]) -> str:
    """The accounts a lending market left out below HF 1, and when that hides the answer.

    Two inputs put below HF 1 at the start the very accounts the scenario is about, which
    the default drop then removes: a liquidation threshold given below the reserve's
    (``lending``'s ``n_dropped_only_at_given_lt``) and a depegged ``collateral_price``
    (USDe at 0.9; taken to be the case when the drop removes at least as many accounts
    as it keeps). The line says so and how to keep them, and, for a start with no depeg
    (the accounts' own figures under water), what to check.
    """
    head = (f"{name}: {count_text(n, 'account', grouped=True)} already below HF 1 at the start "
            f"price left out ({kept:,} kept)")  # fmt: skip
    keep = f"drop_initially_liquidatable = false keeps all {n:,}, liquidated from round 1"
    n_lt = lending.get("n_dropped_only_at_given_lt", 0)
    if n_lt:
        return (f"{head}; {n_lt:,} of them only at the liq_threshold given "
                f"({lending['liq_threshold']:g}; the reserve's "
                f"{lending['reserve_liq_threshold']:g}): the drop removes the accounts a lower "
                f"threshold liquidates at once; {keep}")  # fmt: skip
    if n >= kept:  # a depeg, or accounts misread (a debt or threshold that is not theirs)
        return (f"{head}: a depegged start (a collateral_price below the one the loans were "
                f"taken at) drops the very accounts the depeg liquidates; {keep}; with no "
                "depeg, check the accounts' debts and the liquidation threshold "
                f"({lending['liq_threshold']:g})")  # fmt: skip
    return head


def _input_lines(inputs: dict[str, Any], markets: dict[str, Any]) -> list[str]:
    """The inputs' lines; ``markets``: the lending markets' outcomes (their account counts)."""
    import pandas as pd

    from liqcascade._time import bar_text

    by_bar: dict[tuple[str, str | None], list[str]] = {}
    closes = inputs.get("positions_bar_close", {})
    for name, when in inputs.get("positions_bar_open", {}).items():
        by_bar.setdefault((when, closes.get(name)), []).append(name)
    lines = [
        f"positions: the estimated ETH book of "
        f"{bar_text(a, b) if b else f'{pd.Timestamp(a):%Y-%m-%d %H:%M} UTC'} "
        f"({', '.join(names)})"
        for (a, b), names in by_bar.items()
    ]
    for name, b in inputs.get("lending", {}).items():
        lines.append(
            f"{name}: {_beta_label(b.get('collateral'))} {b['beta']:.3f} ({b['beta_source']})"
        )
        m = markets.get(name, {})
        if "liq_threshold" in b:
            lines.append(_rules_line(name, b, m.get("n_accounts", 0)))
        if b.get("snapshot_counts"):  # what the bundled snapshot's accounts count
            lines.append(f"{name}: bundled snapshot: {b['snapshot_counts']}")
        n = m.get("n_dropped_initially_liquidatable", 0)
        if n:
            lines.append(_dropped_line(name, n, m.get("n_accounts", 0), b))
        if b.get("snapshot_priced_at"):
            lines.append(
                f"{name}: the bundled snapshot is undated; its accounts are valued at the close "
                f"of {b['snapshot_priced_at']} (collateral_price_at), not at the snapshot's own "
                "prices"
            )
    for name, note in inputs.get("book_beta", {}).items():
        lines.append(f"{name}: parametric book's depth exponent {note}")
    return lines


def _check(
    config: Path | None,
    preset: str | None,
    liquidity: str | None,
    shock: float | None,
    scope: str | None = None,
) -> None:
    """``contagion``'s options, checked before any venue is built."""
    _common.flag_names(name="--preset")  # run_preset(name=...)
    if (config is None) == (preset is None):
        _common.fail("give exactly one of --config FILE.toml or --preset NAME")
    if liquidity is not None and liquidity not in ("calibrated", "static"):
        _common.fail(f"--liquidity must be calibrated or static (got {liquidity!r})")
    if scope is not None and scope not in ("venue", "market"):
        _common.fail(f"--shock-scope must be venue or market (got {scope!r})")
    if shock is not None and not shock > -1:
        _common.fail(f"--shock must be > -1 (a fraction of mid; got {shock})")


def register(app: typer.Typer) -> None:
    """Register ``liqcascade contagion`` on the root app."""
    app.command("contagion")(contagion_cmd)
