"""Report section: the 2025-10-10 crash across Binance/Bybit/Hyperliquid-like venues and Aave.

compute (library runs → :class:`ContagionView`) → figures → prose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from liqcascade._prices import NA, fmt_or_na, is_finite
from liqcascade.report._format import dec, interval, num, pct, usd, usd_alike, usd_m
from liqcascade.report._names import display_name
from liqcascade.report._october import OCTOBER_WINDOWS, after_note
from liqcascade.report._section import (
    Claim,
    Headline,
    Prose,
    ReportContext,
    Section,
    Table,
    assemble,
    check_mark,
    ratio_within,
)

__all__ = ["section"]


@dataclass(frozen=True)
class ContagionView:
    """The 2025-10-10 preset, its runs over a shock sweep, and the record."""

    setup: Any  # ContagionSetup
    recorded: dict[str, Any]
    replay_shock: float
    runs: dict[float, Any]  # shock -> ContagionResult
    validation: dict[str, Any]
    as_of: pd.Timestamp | None = None  # the market date of the positions and books
    market_wide: Any = None  # the replay's shock on every venue at once (scope "market")
    units: Any = None  # BookUnits of the venues' estimated book (its feed), None unknown
    hour_moves: Any = None  # every bundled venue's and asset's crash-hour fall (DataFrame)
    aave_at_btc: dict[str, Any] | None = None  # the Aave leg held at BTC's own recorded fall

    @property
    def book_dollars(self) -> str:
        """``"Binance-feed"``: whose recorded feed the venues' liquidation dollars are."""
        return str(getattr(self.units, "book_dollars", "") or "feed")

    @property
    def replay(self) -> Any:
        """The run at the recorded Binance move."""
        return self.runs[self.replay_shock]

    @property
    def aave(self) -> dict[str, Any]:
        """The validation row of the Aave leg (model, recorded, ratio)."""
        from liqcascade.contagion import validation_row

        return dict(validation_row(self.validation, "aave_liquidated") or {})

    def low_row(self, venue: str) -> dict[str, Any]:
        """The validation row of ``venue``'s lowest modelled price against its recorded low."""
        from liqcascade.contagion import validation_row

        return validation_row(self.validation, "venue_low", venue) or {}

    def crash_hour_beta(self) -> float:
        """BTC's fall over ETH's in the recorded 2025-10-10 21:00 UTC hour (open → low).

        Bundled Binance hourly bars (:func:`liqcascade.contagion.crash_beta` over the
        one crash hour; dimensionless): the β the crash itself showed, against the
        preset's, fitted on the 30 days before it (the summary's ``btc_eth_beta``).
        """
        from liqcascade._crashes import OCT_2025
        from liqcascade.contagion import crash_beta

        hour = OCT_2025.hour.isoformat()
        return float(crash_beta([hour, hour]))

    def bybit(self) -> dict[str, Any]:
        """The validation row of Bybit's lowest modelled price against the recorded low."""
        return self.low_row("bybit")

    def low_move(self, shock: float, venue: str) -> float:
        """``venue``'s lowest price over the rounds of the run at ``shock``, as a move."""
        from liqcascade.contagion import lowest_prices

        r = self.runs[shock]
        return lowest_prices(r)[venue] / r.venues[venue].initial_price - 1.0

    def share_range(self) -> tuple[float, float]:
        """Share of liquidations outside the shocked venue across the sweep."""
        xs = [x.contagion_share for x in self.runs.values()]
        return min(xs), max(xs)

    def closest_to_aave(self) -> tuple[float, Any] | None:
        """The sweep's run whose DeFi leg is closest to the record (log ratio).

        None without a record to be close to (no recorded Aave liquidations, or a
        figure that is not finite) or without a run whose DeFi leg is finite.
        """
        rec: Any = self.aave.get("recorded")
        if not is_finite(rec) or float(rec) <= 0:
            return None
        runs = [kv for kv in self.runs.items() if is_finite(kv[1].defi_liquidated_usd)]
        if not runs:
            return None
        return min(
            runs, key=lambda kv: abs(math.log(max(kv[1].defi_liquidated_usd, 1.0) / float(rec)))
        )

    def aave_ties(self) -> list[float]:
        """The sweep's first shocks whose DeFi leg ties the closest run's (to 1e-6), sorted.

        One shock when the closest is alone; several when the Aave leg is the same
        (2025-10-10: −5 %, −8 % and −12 % liquidate the same accounts, $1.37M, apart by
        cents: a debt owed in WETH or WBTC repays a little more or less at another
        price, 3e-9 of it; 1e-6 is $1.4 there): then none of them
        fits the record better, and the words name them all instead of the tie-break's
        pick. Empty when :meth:`closest_to_aave` is None.
        """
        best = self.closest_to_aave()
        if best is None:
            return []
        x = best[1].defi_liquidated_usd
        tol = 1e-6 * max(abs(x), 1.0)
        return sorted(k for k, r in self.runs.items()
                      if is_finite(r.defi_liquidated_usd)
                      and abs(r.defi_liquidated_usd - x) <= tol)  # fmt: skip

    def per_record(self, liquidated_usd: Any) -> float | None:
        """``liquidated_usd`` over the recorded Aave liquidations; None without a ratio.

        The record may be zero (no Aave liquidation those days) or not finite, and the
        model's figure not finite: then there is no ratio (None, ``null`` in
        summary.json, "n/a" in the text), never a ZeroDivisionError, NaN or inf.
        """
        rec: Any = self.aave.get("recorded")
        if not (is_finite(rec) and is_finite(liquidated_usd)) or float(rec) == 0:
            return None
        return float(liquidated_usd) / float(rec)


def _setup_at(ctx: ReportContext) -> tuple[Any, Any]:
    """The 2025-10-10 preset with every bundled book and position set at the market date.

    The preset's recorded prices (the crash hour) stay: they are the named scenario;
    the positions and books are the estimate of the report's date (its last
    open-interest bar), re-based to those prices. Returns the setup and the
    :class:`~liqcascade.market.BookUnits` of that estimated market (None without one).
    """
    from liqcascade.contagion import PRESETS_DIR, build_setup, load_preset
    from liqcascade.market import book_units

    cfg = load_preset("oct-2025")
    when = str(ctx.as_of)  # a bare date: every bar closed by the end of that day

    def at(part: Any) -> Any:
        return part.model_copy(update={"as_of": when}) if part.kind == "bundled" else part

    venues = [
        v.model_copy(update={"book": at(v.book), "positions": at(v.positions)}) for v in cfg.venues
    ]
    cfg = cfg.model_copy(update={"venues": venues})
    object.__setattr__(cfg, "_base_dir", PRESETS_DIR)
    cache: dict[Any, Any] = {}
    setup = build_setup(cfg, "oct-2025.toml", cache)
    states = [m for k, m in cache.items() if isinstance(k, tuple) and k[0] == "ms"]
    return setup, book_units(states[0]) if states else None


def compute(ctx: ReportContext) -> ContagionView:
    """Replay the recorded crash hour and a sweep of first-leg shocks (calibrated liquidity).

    The positions, books and liquidity calibration are those of the report's market
    date; only the crash hour's recorded prices come from 2025-10-10 (a named stress
    scenario, see :func:`liqcascade.report._october.after_note`).
    """
    from liqcascade.cascade import load_liquidity
    from liqcascade.contagion import (
        crash_hour_moves,
        recorded_oct_2025,
        run_setup,
        validate_oct_2025,
    )

    setup, units = _setup_at(ctx)
    cal = load_liquidity("ETH", ctx.market.close_time or ctx.last_oi_bar)
    rec = recorded_oct_2025()
    bar = rec["crash_hour"]["binance"]
    replay = bar["low"] / bar["open"] - 1.0
    shocks = [-0.03, replay] if ctx.quick else [-0.02, -0.03, -0.05, -0.08, replay]
    # the preset's liquidity model (calibrated by default; static beside it in each result)
    runs = {s: run_setup(setup, shock=s, calibration=cal) for s in shocks}
    val = validate_oct_2025(runs[replay], rec, setup)
    market = run_setup(setup, shock=replay, calibration=cal, scope="market")
    hour = crash_hour_moves()
    return ContagionView(setup, rec, replay, runs, val, ctx.last_oi_bar, market, units, hour,
                         _aave_at_btc(setup, hour, rec))  # fmt: skip


def _aave_at_btc(setup: Any, hour: pd.DataFrame, rec: dict[str, Any]) -> dict[str, Any] | None:
    """The Aave leg held at BTC's own recorded crash-hour fall: the outcome's price.

    The replay moves WBTC by a beta × the ETH venues' move; BTC's own hour is bundled
    (Binance's perpetual, low against open). Held at the preset's WBTC price × (1 + that
    fall), the same accounts under the same lending rules
    (:func:`liqcascade.contagion.liquidate_at_price`): a computed alternative that uses a
    price taken from the outcome, not a model figure. None without the bar or one Aave
    market.
    """
    from liqcascade.contagion import liquidate_at_price

    btc = hour[(hour["asset"] == "BTC") & (hour["venue"] == "binance")]
    aave = [m for m in setup.lending if "aave" in m.name]
    if btc.empty or len(aave) != 1:
        return None
    move = float(btc["move"].iloc[0])
    m = aave[0]
    at = liquidate_at_price(m, m.collateral_price * (1.0 + move))
    recorded: Any = rec.get("aave_wbtc_collateral_liquidated_usd")
    ratio = at["liquidated_usd"] / float(recorded) if is_finite(recorded) and recorded else None
    return {"btc_move": move, "start_price": float(m.collateral_price), "beta": float(m.beta),
            "liquidated_usd": float(at["liquidated_usd"]),
            "n_accounts_liquidated": int(at["n_accounts_liquidated"]),
            "recorded_usd": recorded, "ratio": ratio}  # fmt: skip


def _sweep(v: ContagionView) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"shock": s, **{n: x.liquidated_usd for n, x in r.venues.items()},
             "Aave (WBTC)": r.defi_liquidated_usd, "contagion share": r.contagion_share}
            for s, r in sorted(v.runs.items())
        ]
    )  # fmt: skip


def figures(v: ContagionView) -> list[go.Figure]:
    """Price by round in the replay; liquidations by venue over the sweep (categorical)."""
    fig = v.replay.plot()
    fig.update_layout(
        title=f"Replay of the recorded Binance move ({pct(v.replay_shock)}): price by round"
    )
    sw = _sweep(v)
    bars = go.Figure()
    for col in [*v.replay.venues, "Aave (WBTC)"]:
        bars.add_trace(
            go.Bar(x=[pct(s) for s in sw["shock"]], y=sw[col] / 1e6, name=col,
                   hovertemplate="%{x}: $%{y:,.1f} M<extra>%{fullData.name}</extra>")
        )  # fmt: skip
    bars.update_layout(barmode="stack", title="Liquidated by venue, by first shock on Binance",
                       xaxis_title="first shock on Binance (%)",
                       yaxis_title="liquidated (USD M)")  # fmt: skip
    for f in (fig, bars):  # legends name venues as the tables do (Binance, not binance)
        f.for_each_trace(lambda t: t.update(name=display_name("venue", t.name)))
    return [fig, bars]


def _validation_row(r: dict[str, Any]) -> dict[str, str | None]:
    """A model-vs-record row as the page writes it, from the row's numbers.

    The library's rows (``liqcascade contagion --json``, summary.json) keep their text
    (``981,194``, ``-0.1203``, ``binance lowest price ...``); here an amount reads in the
    page's money scale (both of a row in one scale), a move as a signed percentage, the
    ratio to two decimals and the venue by its name.
    """
    what, model, rec = str(r["what"]), r.get("model"), r.get("recorded")
    venue, _, rest = what.partition(" ")
    what = display_name("venue", venue) + " " + rest if rest else what
    if ", USD" in what:
        amounts = [x for x in (model, rec) if x is not None]
        said = iter(usd_alike(*amounts))
        cells = [next(said) if x is not None else None for x in (model, rec)]
        what = what.replace(", USD", "")
    else:
        cells = [None if x is None else pct(x, 1, signed=True) for x in (model, rec)]
        what = what.replace(" (fraction)", "")
    ratio = r.get("ratio")
    return {"what": what, "model": cells[0], "recorded": cells[1],
            "ratio": None if ratio is None else dec(ratio, 2), "note": r.get("note")}  # fmt: skip


def tables(v: ContagionView) -> list[Table]:
    """Venues after the replay; model vs record; the sweep.

    The venues' table has one unit per column, named in its header (prices in USD,
    amounts in USD M): on another date a venue's liquidations under $1 M would have
    read in dollars beside another's in millions.
    """
    venues = pd.DataFrame(
        [
            {"venue": display_name("venue", n), "initial price (USD)": num(x.initial_price),
             "final price (USD)": num(x.final_price),
             "move": pct(x.move, signed=True), "liquidated (USD M)": usd_m(x.liquidated_usd),
             "stops (USD M)": usd_m(x.stops_usd), "rounds": x.rounds,
             "arbitrage net (ETH)": x.arb_net_base}
            for n, x in v.replay.venues.items()
        ]
    )  # fmt: skip
    val = pd.DataFrame([_validation_row(r) for r in v.validation["rows"]] + _btc_rows(v))
    show = _sweep_table(v)
    return [
        Table("Venues after the replay", venues),
        Table("Model vs recorded (2025-10-10/11)", val),
        Table("Shock sweep on Binance", show),
    ]


def _btc_rows(v: ContagionView) -> list[dict[str, str | None]]:
    """The Aave leg at BTC's own recorded crash-hour fall, as a row of the record's table."""
    b = v.aave_at_btc
    if b is None:
        return []
    model, rec = usd_alike(b["liquidated_usd"], b["recorded_usd"])
    return [{
        "what": "Aave v3 WBTC + cbBTC collateral liquidated at BTC's own recorded crash-hour "
        "fall (the outcome's price, not the model's)",
        "model": model, "recorded": rec,
        "ratio": None if b["ratio"] is None else dec(b["ratio"], 2),
        "note": f"the snapshot's accounts held at {num(_btc_price(b), 0)} USD, "
        f"{pct(b['btc_move'], 1, signed=True)} from {num(b['start_price'], 0)} (Binance BTC "
        "perpetual's low against open that hour); the replay moves WBTC "
        f"{dec(b['beta'], 2)} × the ETH venues' move instead",
    }]  # fmt: skip


def _btc_price(b: dict[str, Any]) -> float:
    """The WBTC price the BTC alternative holds the accounts at, USD."""
    return float(b["start_price"]) * (1.0 + float(b["btc_move"]))


def _sweep_table(v: ContagionView) -> pd.DataFrame:
    """The sweep as the page shows it: every amount of the table in one money scale.

    The venues' liquidations read in millions and Aave's in dollars (``$981,194`` beside
    ``$7.7 M``); :func:`usd_alike` over the whole table writes them all in millions.
    """
    sw = _sweep(v)
    cols = [c for c in sw.columns if c not in ("shock", "contagion share")]
    said = iter(usd_alike(*sw[cols].to_numpy(float).ravel(order="F")))
    show = pd.DataFrame({display_name("venue", c): [next(said) for _ in sw[c]] for c in cols})
    show.insert(0, "shock", [pct(s) for s in sw["shock"]])
    show["contagion share"] = [pct(x, 0) for x in sw["contagion share"]]
    return show


def _sensitivity_text(v: ContagionView) -> str:
    """The share's sensitivity to the first shock (a scenario sweep, not an interval)."""
    return f"sensitivity to the first shock on Binance: {_sweep_short(v)}, not an interval"


def _sweep_short(v: ContagionView) -> str:
    """The sweep in a few words, for the front page's card."""
    lo, hi = v.share_range()
    s = sorted(v.runs)
    return (
        f"{interval(lo, hi, lambda x: pct(x, 0))} over first shocks of {pct(s[-1])} to "
        f"{pct(s[0])} (a sweep)"
    )


LEG_MARKS: dict[str, str] = {
    "passes": "its legs pass the record",
    "fails": "a leg fails the record",
}
"""The contagion card's mark: about the Aave leg and Bybit's fall, not the (model-only) share."""


def record_check(ratio: Any) -> str | None:
    """A leg's check: ``"passes"`` within ``WITHIN`` (2×) of the record, else ``"fails"``.

    None without a finite ratio: no check, left out of the mark (:func:`check_mark`).
    """
    ok = None if ratio is None else ratio_within(float(ratio))
    return None if ok is None else ("passes" if ok else "fails")


def _ratio_of(ratio: Any, what: str) -> str:
    """``" (0.02 of the record)"``-like words for a finite ratio; ``""`` without one."""
    return f" ({float(ratio):.2f} {what})" if record_check(ratio) else ""


def _legs_words(v: ContagionView) -> str:
    """The card's evidence on its legs: the Aave leg against the record, then Bybit's fall.

    A ratio that is missing or not finite is left out, never printed as "nan".
    """
    a = v.aave
    model, recorded = usd_alike(v.replay.defi_liquidated_usd, a["recorded"])
    word = record_check(a["ratio"])
    verb = f" {word} its check" if word else ""
    out = (
        f"the Aave leg{verb}: model {model} vs recorded {recorded}"
        f"{_ratio_of(a['ratio'], 'of the record')}"
    )
    byb: Any = v.bybit().get("ratio")
    if record_check(byb):
        out += (
            f"; Bybit's modelled fall is {float(byb):.2f} of its recorded one (Binance's is "
            "the shock)"
        )
    return out


def _cex_words(v: ContagionView) -> str:
    """What the section checks of the CEX venues, in the card's words (as short as before).

    Bybit's price fall against its recorded low, where that ratio is finite; never the
    venues' liquidated amounts (the bundled Hyperliquid and CoinGlass series end before
    2025-10-10: the validation rows' record is None). The card read "CEX liquidations
    cannot be checked" beside Bybit's checked fall, as if no CEX figure were checked.
    """
    if record_check(v.bybit().get("ratio")):
        return "CEX liquidations cannot be checked, only Bybit's price fall"
    return "CEX liquidations cannot be checked with the bundled data"


def _bybit_and(row: dict[str, Any]) -> str:
    """``" and Bybit's fall 0.73"`` for the front row; ``""`` without a finite ratio."""
    r: Any = row.get("ratio")
    return f" and Bybit's fall {float(r):.2f}" if record_check(r) else ""


def _headline(v: ContagionView) -> Headline:
    r = v.replay
    mark = _checks(v)
    # no low/high: the sweep over first shocks is a sensitivity, not an uncertainty
    return Headline(
        key="contagion_share",
        label="Share of liquidations outside the shocked venue (2025-10-10 replay)",
        value=float(r.contagion_share),
        text=pct(r.contagion_share, 0),
        interval="no interval (model only): assumption-driven, not measured (the assumed "
        f"venue shares and mark rule set it); {_sweep_short(v)}",
        evidence=f"Model only for the share, which adds {v.book_dollars} CEX dollars to real "
        f"Aave dollars; {_legs_words(v)}; {_cex_words(v)}",
        unit="fraction",
        check=mark,
        check_label=LEG_MARKS.get(mark, ""),
    )


def _checks(v: ContagionView) -> str:
    """The contagion card's check: the Aave leg and Bybit's fall, each within 2× of the record.

    Binance's fall is imposed (the shock) and tests nothing; a ratio that is missing or
    not finite leaves its check out (:func:`check_mark`).
    """
    return check_mark(record_check(v.aave.get("ratio")), record_check(v.bybit().get("ratio")))


def _clock_take(r: Any) -> list[str]:
    """The takeaway on the clock's mechanisms, the static books' bound and the mark rule."""
    sb = r.static_upper_bound
    if not sb:
        return []
    return [
        "These runs use the calibrated liquidity response on its clock (rounds of 30 s: "
        "latent depth and resilience fitted on ordinary events; withdrawal, the mark "
        "anchored to the venues' median and the venue's liquidation rate at the "
        "calibration's priors). On the books as displayed (static) the same replay leaves "
        f"Binance at {pct(sb['binance_move'])} after the last round and liquidates "
        f"{usd(sb['defi_liquidated_usd'])} on Aave: on 2025-10-10 depth withdrew, which "
        "the calibration, fitted on calmer events, carries only at its prior. The mark "
        "rule moves the share most: a fall on one venue moves the venues' median, and so "
        "that venue's marks, by only part of it, so fewer of its own positions liquidate "
        "and the share outside it rises (a model consequence the record cannot test)."
    ]


def _market_take(v: ContagionView) -> list[str]:
    """The replay read as a market-wide fall: every venue shocked at once."""
    m, r = v.market_wide, v.replay
    if m is None or not m.static_upper_bound:
        return []
    bounds = (m.static_bound() or {}).get("cex_liquidated_usd", True)
    static = usd(m.static_upper_bound["cex_liquidated_usd"])
    static = f"static bound {static}" if bounds else f"static books {static}, not a bound here"
    return [
        f"Read as a market-wide fall — every venue {pct(v.replay_shock)} at once, the marks' "
        f"index with it — the same hour liquidates {usd(m.cex_liquidated_usd)} on the CEX "
        f"venues ({static}) against "
        f"{usd(r.cex_liquidated_usd)} when the fall hits Binance alone, and "
        f"{usd(m.defi_liquidated_usd)} on Aave (ratio "
        f"{fmt_or_na(v.per_record(m.defi_liquidated_usd), '.2f')} to the record): how much a "
        "fall liquidates hangs first on whether it hits one venue or all of them. The record's "
        "hour hit all of them (Bybit's low "
        f"{pct(v.bybit().get('recorded'))}); the scope is the scenario's choice, not a "
        "fitted parameter."
    ]


def _ratio_words(ratio: Any, what: str) -> str:
    """``" (ratio 0.02)"``-like words for a finite ratio; ``""`` without one (no "nan")."""
    return f" ({what} {float(ratio):.2f})" if record_check(ratio) else ""


def _hour_take(v: ContagionView) -> str:
    """What the bundled crash hour shows: every venue and asset falling in the same hour.

    ``""`` without the bars (:func:`liqcascade.contagion.crash_hour_moves`).
    """
    h = v.hour_moves
    if h is None or len(h) == 0:
        return ""
    each = "; ".join(
        f"{a} " + ", ".join(f"{display_name('venue', str(x.venue))} {pct(x.move, 1)}"
                             for x in g.itertuples())
        for a, g in h.groupby("asset", sort=True)
    )  # fmt: skip
    lo, hi = float(h["move"].abs().min()), float(h["move"].abs().max())
    return (
        f"The bundled crash hour (2025-10-10 21:00 UTC, each perpetual's low against its "
        f"open) shows every venue and both assets falling together: {each} — "
        f"{interval(lo, hi, lambda x: pct(x, 1))} in the same hour. Hourly bars cannot tell a "
        "fall that started on one venue and spread from one shock that hit them all: the "
        "replay's order (Binance first) is the scenario's choice, not something the data show."
    )


def _lows_take(v: ContagionView) -> str:
    """The takeaway on the venues' lows against the recorded ones.

    Binance's ratio is said only where it is finite (its low is the imposed shock and
    tests nothing either way); Bybit's comparison, the one that tests arbitrage, is left
    out without a finite ratio, as the card leaves it out (:func:`record_check`).
    """
    r, byb, bnb = v.replay, v.bybit(), v.low_row("binance")
    own: Any = bnb.get("ratio")
    its = f"its ratio, {float(own):.2f}," if record_check(own) else "it"
    out = (
        f"Prices, low against low: Binance's lowest modelled price is {pct(bnb.get('model'))}, "
        f"the hour's recorded low of {pct(bnb.get('recorded'))} imposed there as the first "
        f"shock (so {its} tests nothing)"
    )
    ratio: Any = byb.get("ratio")
    if record_check(ratio):
        part = "only part of the fall" if float(ratio) < 1 else "the whole fall"
        out += (
            f"; Bybit's is {pct(byb.get('model'))} against {pct(byb.get('recorded'))} "
            f"recorded{_ratio_words(ratio, 'ratio')}: arbitrage spreads {part} to Bybit"
        )
    return out + (
        f". After the last round, with arbitrage and the book's refill, Binance ends "
        f"{pct(r.venues['binance'].move)} and Bybit {pct(r.venues['bybit'].move)} (no "
        "recorded counterpart)."
    )


def _front_legs(aave_ratio: Any, bybit: dict[str, Any]) -> str:
    """``"; against the record, the Aave leg is 0.02 of it and Bybit's fall 0.73"``.

    Each leg only with a finite ratio; ``""`` when neither has one.
    """
    byb = _bybit_and(bybit)
    if record_check(aave_ratio):
        return f"; against the record, the Aave leg is {float(aave_ratio):.2f} of it{byb}"
    return f"; against the record,{byb.removeprefix(' and')}" if byb else ""


def _claim(v: ContagionView) -> Claim:
    """The verdict row: the share is the model's alone; the legs' ratios where finite.

    The share rests on the model alone (one rule across the claims: model-only figures
    are "not testable"); the record shows every venue and Aave hit in the same hour,
    which cannot tell a spreading cascade from one shock hitting them all.
    """
    r, a, byb = v.replay, v.aave, v.bybit()
    share = pct(r.contagion_share, 0)
    return Claim(
        claim="A cascade on one exchange spreads to other venues and into DeFi lending.",
        computed=(
            f"Not testable: the model says {share} of liquidations in the "
            f"2025-10-10 replay happen outside the shocked venue ({v.book_dollars}-scale CEX "
            f"dollars plus real Aave dollars{_market_words(v)}); the record shows Bybit's low "
            f"at {pct(byb.get('recorded'))} and {usd(a['recorded'])} of Aave WBTC and cbBTC "
            f"liquidations the same days{_ratio_words(a['ratio'], 'model/recorded')}, which a "
            f"common shock would also give{_hour_words(v)}; CEX venue liquidations are not "
            "covered by the bundled data."
        ),
        front=(
            f"Model only, feed-scale CEX + real Aave dollars: {share} off the shocked venue in "
            f"the 2025-10-10 replay{_front_legs(a['ratio'], byb)}."
        ),
        verdict="not testable with these data",
        would_test=(
            "time-stamped liquidations per venue on 2025-10-10 (Binance, Bybit, Hyperliquid) "
            "and per-block Aave liquidations, to see whether the other venues' liquidations "
            "followed the shocked venue's or came at once."
        ),
    )


def _market_words(v: ContagionView) -> str:
    """``"; 51 % with the CEX dollars in market dollars"``: the replay's share on one scale.

    The venues' liquidations divided by their feed dollars per market dollar
    (:meth:`liqcascade.contagion.ContagionResult.share_on_market_dollars`); empty for a
    view without a setup or a scale.
    """
    setup = getattr(v, "setup", None)
    k = getattr(setup, "feed_per_market_usd", None)
    if not k:
        return ""
    x = v.replay.share_on_market_dollars(k)
    return f"; {pct(x, 0)} with the CEX dollars in market dollars" if math.isfinite(x) else ""


def _hour_words(v: ContagionView) -> str:
    """``" (every bundled venue and both assets fell 9.5–14.3 % in the crash hour)"``."""
    h = v.hour_moves
    if h is None or len(h) == 0:
        return ""
    lo, hi = float(h["move"].abs().min()), float(h["move"].abs().max())
    return (
        f" (every bundled venue and asset fell {interval(lo, hi, lambda x: pct(x, 1))} in the "
        "crash hour)"
    )


def _aave_take(v: ContagionView) -> str:
    """The takeaway on the Aave leg against the record, and on what is not checked.

    Without a record to compare (none recorded, or not finite) the sweep has no closest
    run: the words say so instead of dividing by it (:meth:`ContagionView.closest_to_aave`).
    """
    r, a = v.replay, v.aave
    best = v.closest_to_aave()
    ties = v.aave_ties()
    aave_model, aave_recorded = usd_alike(r.defi_liquidated_usd, a["recorded"])
    if best is None:
        nearest = f"the sweep has no run nearest the record ({NA}: no recorded figure to compare)."
    elif len(ties) > 1:
        named = ", ".join(pct(t) for t in ties[1:][::-1]) + f" and {pct(ties[0])}"
        nearest = (
            f"the sweep's first legs of {named} tie nearest the record (the same "
            f"{usd(best[1].defi_liquidated_usd)}: the same accounts reach liquidation), so no "
            "first shock of the sweep fits it better: the model does not match the price fall "
            "and the DeFi leg at once."
        )
    elif best[0] == v.replay_shock:
        nearest = (
            f"no first shock of the sweep (down to the recorded {pct(v.replay_shock)}) brings it "
            "nearer: the DeFi leg falls short even with Binance at its recorded low."
        )
    else:
        nearest = (
            f"it comes closest to the record at a {pct(best[0])} first leg, where "
            f"Binance's lowest price is {pct(v.low_move(best[0], 'binance'))}: the model "
            "does not match the price fall and the DeFi leg at once."
        )
    checked = "only Bybit's price fall is" if record_check(v.bybit().get("ratio")) else "none is"
    return (
        f"The Aave BTC-collateral leg (WBTC and cbBTC) liquidates {aave_model} "
        f"against {aave_recorded} recorded{_ratio_words(a['ratio'], 'ratio')}; {nearest}"
        f"{_at_record_words(v)}"
        f" Of the CEX venues' figures {checked} checked against the record: their liquidated "
        f"amounts cannot be (the bundled Hyperliquid series ends "
        f"{v.recorded['hyperliquid_data_end']}, CoinGlass's {v.recorded['coinglass_data_end']})."
    )


def _units_method(v: ContagionView) -> str:
    """The share's two scales: the venues' feed dollars (the feed named) and Aave's real ones."""
    record = (
        getattr(v.units, "record", "") or "the recorded liquidation feed the book was fitted on"
    )
    return (
        f"Units: the venues' liquidations are {v.book_dollars} dollars, on the scale of "
        f"{record} (the estimated ETH book: only venue share × the feed's under-reporting is "
        "identified); Aave's are real dollars (the snapshot's accounts). The contagion share "
        "adds the two: if the feed under-reports, the exchange side is understated and the "
        "lending side's weight in the share overstated."
    )


def _at_record_words(v: ContagionView) -> str:
    """Where the Aave leg misses: the lending rules at the record's own lowest price.

    Empty without that row (:func:`liqcascade.contagion.validate_oct_2025` given the setup).
    """
    from liqcascade.contagion import validation_row

    row = validation_row(v.validation, "aave_at_record_low")
    rec = v.recorded.get("aave_lowest_liquidation_price")
    if row is None or not is_finite(row.get("model")) or rec is None:
        return ""
    miss = {
        "price": ": the miss is the price its oracle sees, not the lending rules.",
        "rules": ": the lending rules alone miss the record too.",
    }.get(row.get("miss", ""), ".")
    return (
        f" Held at the record's own lowest liquidation price ({num(rec, 0)} USD per BTC), the "
        f"same accounts and lending rules liquidate {usd(row['model'])}"
        f"{_ratio_words(row.get('ratio'), 'ratio')}{miss} That price is the outcome's own, "
        "set to the record: "
        + (
            "it shows the accounts and rules can produce the amount, it does not validate "
            "them; and "
            if row.get("miss") == "price"
            else "even there the accounts do not hold the amount; "
        )
        + "the snapshot is undated (the bundled file does not record "
        "when it was taken), so its accounts may post-date the crash." + _btc_words(v)
    )


def _btc_words(v: ContagionView) -> str:
    """The Aave leg at BTC's own recorded crash-hour fall (the outcome's price), in words."""
    b = v.aave_at_btc
    if b is None:
        return ""
    ratio = f", ratio {float(b['ratio']):.2f}" if record_check(b["ratio"]) else ""
    return (
        f" The replay moves WBTC {dec(b['beta'], 2)} × the ETH venues' move, though BTC's own "
        f"crash hour is bundled: held at BTC's recorded fall that hour ({pct(b['btc_move'], 1)},"
        f" Binance perpetual, to {num(_btc_price(b), 0)} USD), the same accounts liquidate "
        f"{usd(b['liquidated_usd'])} ({b['n_accounts_liquidated']} accounts{ratio}) — "
        "an alternative that takes its price from the outcome, not a model figure."
    )


def prose(v: ContagionView) -> Prose:
    """Takeaways, method, the claim and the headline."""
    r = v.replay
    rounds = "round" if r.rounds_to_spread == 1 else "rounds"
    take = [
        f"In the model, the recorded Binance fall of the 21:00 UTC hour ({pct(v.replay_shock)}), "
        f"imposed on Binance alone, reaches the Bybit- and Hyperliquid-like venues through "
        f"arbitrage and their marks within {r.rounds_to_spread} {rounds}; "
        f"{pct(r.contagion_share, 0)} of modelled liquidations happen outside the shocked venue "
        f"(model only, {v.book_dollars}-scale exchange liquidations plus real-dollar Aave "
        f"liquidations; {_sensitivity_text(v)}).",
        *([hour] if (hour := _hour_take(v)) else []),
        _lows_take(v),
        _aave_take(v),
    ]
    take += _clock_take(r) + _market_take(v)
    notes = v.setup.notes.get("aave-v3-wbtc", {})
    method = [
        f"Positions, books and the liquidity calibration are the estimate at the market date "
        f"({v.as_of:%Y-%m-%d %H:%M} UTC), re-based to the 2025-10-10 20:00 UTC prices. "
        + after_note(v.as_of)
        + " Venue shares: Binance 0.25, Bybit from bundled volume, Hyperliquid 0.16 (~16 % "
        "of open interest).",
        f"The shock's window: {OCTOBER_WINDOWS['crash_hour'].name} "
        f"({OCTOBER_WINDOWS['crash_hour'].definition}); the stress replay and the solvency "
        "scenario measure the same crash on other windows (two days of 15-minute bars; the "
        "UTC day's hourly low), so their moves differ.",
        f"Aave: bundled WBTC-collateral snapshot (V3 accounts, every debt: stablecoins at $1, "
        "EURC at the day's bundled EUR/USD, WBTC/cbBTC/tBTC in BTC, WETH and other tokens "
        "moving with ETH; BTC collateral only, the snapshot holds no other; the "
        "bundled file does not record the snapshot's date; "
        f"{notes.get('n_dropped_initially_liquidatable')} accounts already below HF 1 dropped); "
        "WBTC moves beta × the ETH venues' move; seized WBTC sold into a $100 M pool. ETH "
        "collateral (WETH) is not modelled, though its Aave parameters are bundled: the "
        "leg holds only BTC collateral.",
        "Bybit and Hyperliquid positions are the Binance estimate at its estimated liquidation "
        "prices, with the margin their own formulas need for them (Hyperliquid: 25× at most); "
        "no Hyperliquid partial liquidation, backstop vault or ADL.",
        _units_method(v),
    ]
    return Prose(take, method, [_claim(v)], [_headline(v)])


def summary(v: ContagionView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    r, a = v.replay, v.aave
    best = v.closest_to_aave()
    ties = v.aave_ties()
    notes = v.setup.notes.get("aave-v3-wbtc", {})
    return {
        "replay_shock": v.replay_shock,
        "contagion_share": r.contagion_share,
        "rounds": r.rounds,
        "rounds_to_spread": r.rounds_to_spread,
        "cex_liquidated_usd": r.cex_liquidated_usd,
        "venues": {n: {"final_price": x.final_price, "liquidated_usd": x.liquidated_usd,
                       "rounds": x.rounds} for n, x in r.venues.items()},
        "defi_liquidated_usd": r.defi_liquidated_usd,
        "defi_bad_debt_usd": r.defi_bad_debt_usd,
        "aave_recorded_usd": a["recorded"],
        "aave_ratio": a["ratio"],
        "compound_recorded_usd": v.recorded["compound_v3_liquidated_usd"],
        # lowest modelled price over the rounds against the hour's recorded low
        "venue_low_moves": {n: v.low_move(v.replay_shock, n) for n in r.venues},
        "binance_low_ratio": v.low_row("binance").get("ratio"),
        "bybit_low_ratio": v.bybit().get("ratio"),
        "first_shock_sensitivity": {"shocks": sorted(v.runs), "share_min": v.share_range()[0],
                                    "share_max": v.share_range()[1]},
        "aave_accounts": notes.get("n_accounts"),
        "btc_eth_beta": notes.get("beta"),
        # the crash hour's own (not the run's): the β the preset's out-of-sample one misses
        "btc_eth_beta_crash_hour": v.crash_hour_beta(),
        "sweep": _sweep(v).to_dict(orient="records"),
        # a tie (the same DeFi leg at several first shocks) has no one best shock: None
        "aave_best_shock": None if best is None or len(ties) > 1 else best[0],
        "aave_best_shocks": ties,
        "aave_best_ratio": None if best is None else v.per_record(best[1].defi_liquidated_usd),
        "hyperliquid_covered": v.recorded["hyperliquid_liquidated_usd"] is not None,
        "market_wide": _market_summary(v),
    }  # fmt: skip


def _market_summary(v: ContagionView) -> dict[str, Any] | None:
    """The replay's shock on every venue at once (``scope="market"``), for summary.json."""
    m = v.market_wide
    if m is None:
        return None
    return {
        "scope": m.scope,
        "cex_liquidated_usd": m.cex_liquidated_usd,
        "cex_static_bound_usd": (m.static_upper_bound or {}).get("cex_liquidated_usd"),
        "defi_liquidated_usd": m.defi_liquidated_usd,
        "aave_ratio": v.per_record(m.defi_liquidated_usd),
        "venue_final_moves": {n: x.move for n, x in m.venues.items()},
    }


def section(ctx: ReportContext) -> Section:
    """The venue-by-venue cascade of the 2025-10-10 preset, the DeFi leg, model vs recorded."""
    v = compute(ctx)
    return assemble("contagion", prose(v), figures(v), tables(v), summary(v))
