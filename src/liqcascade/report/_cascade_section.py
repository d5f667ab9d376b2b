"""Report section: what a 5 % fall does now — the cascade on the estimated market.

compute (library calls → :class:`CascadeView`) → figures → prose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from liqcascade._plotly_text import plain
from liqcascade._prices import price_range, price_text
from liqcascade.report._calibrated import (
    Calibrated,
    calibrated_response,
    critical_check,
    fragility_figure,
    history_text,
)
from liqcascade.report._figures import LONG, SHORT
from liqcascade.report._format import dec, interval, p_text, pct, pp, signed_num, usd, usd_m
from liqcascade.report._leverage_check import distance_check, mix_line
from liqcascade.report._names import display_name
from liqcascade.report._section import (
    VERDICT_CHECK,
    Claim,
    Headline,
    Prose,
    ReportContext,
    Section,
    Table,
    assemble,
    check_mark,
    with_caveats,
)
from liqcascade.report._suspects import day_flag, suspect_bars, within
from liqcascade.report._suspects import rows as suspect_rows
from liqcascade.report._units import (
    BINANCE_FEED,
    CARRY_LOWER_BOUND,
    book_feed,
    book_share,
    cascade_consequence,
    feed_dollars,
    feed_unit,
    market_scale_text,
)

LEVEL = 4000.0
"""The round number of the commentary's claim, USD."""

LIQ_CORR_GOAL = 0.7
"""The event back-test's goal for the liquidation forecast's log-correlation (the
forced-selling card fails its check below it; ``cascade backtest`` prints the same)."""

MIN_CORR_BARS = 3
"""Fewest 4-hour bars with model liquidations for the replay's correlation to be shown."""

QUICK_EVERY = 7
"""Without a stored record, the quick report runs the every-date history check on every
7th day only (those days get the same paths as in the full run)."""

DEEP = -0.27
"""The deep level of the history check (fraction): the issue's −27 %."""


@dataclass(frozen=True)
class Variant:
    """The 5 % fall and the critical shock under one liquidity assumption."""

    label: str
    result: Any  # CascadeResult
    critical: Any  # CriticalShock


@dataclass(frozen=True)
class Replay:
    """Model liquidations along the real hourly path of the largest recorded day."""

    day: pd.Timestamp
    state_as_of: pd.Timestamp
    open: float
    low: float
    frame: pd.DataFrame  # 4-hourly: model_long_usd, model_short_usd, long_usd, short_usd
    hours: pd.DataFrame
    flag: str = ""  # the day's recorded bars flagged as implausible for their move, in words
    suspects: pd.DataFrame | None = None  # those bars (suspect_liquidation_bars' rows)
    book_in_sample: bool = False  # the book's fit was trained on data after the day

    @property
    def n_model_bars(self) -> int:
        """4-hour bars in which the model liquidates anything (either side)."""
        f = self.frame
        return int(((f["model_long_usd"] + f["model_short_usd"]) > 0).sum())

    @property
    def corr(self) -> float:
        """Correlation of model and recorded totals over the day's 4-hour bars.

        NaN when the model liquidates in fewer than :data:`MIN_CORR_BARS` bars: one
        non-zero bar against zeros gives a correlation near 1 that says nothing.
        """
        f = self.frame
        if self.n_model_bars < MIN_CORR_BARS:
            return float("nan")
        a = f["model_long_usd"] + f["model_short_usd"]
        b = f["long_usd"] + f["short_usd"]
        return float(np.corrcoef(a, b)[0, 1])

    def totals(self) -> dict[str, float]:
        """Model and recorded liquidations of the day by side, USD."""
        f = self.frame
        return {k: float(f[k].sum()) for k in
                ("model_long_usd", "model_short_usd", "long_usd", "short_usd")}  # fmt: skip


@dataclass(frozen=True)
class CascadeView:
    """Everything the section shows, as computed by the library."""

    state: Any  # MarketState
    fall5: Any  # CascadeResult of the reference semantics
    variants: list[Variant]
    fragility: Any  # FragilityCurve
    down: Any  # NextWave
    up: Any
    level_released: float
    level_before: float
    level_dir: str
    history: Any  # FollowThrough
    replay: Replay | None
    book_score: Any
    calibrated: Calibrated
    history_critical: Any  # FollowThrough after falls of the calibrated critical size
    critical_check: Any  # CriticalHistoryCheck: those falls against the model at their depths
    asset: str = "ETH"
    book_share: float = float("nan")  # the book's notional over aggregated open interest
    feed: tuple[str, str] = BINANCE_FEED  # whose feed the book's dollars are (book_feed)
    no_book_score: str = ""  # why book_score is None (ReportContext.no_identified_score)
    # the calibrated model after a 5 % fall on every date up to the market's, beside
    # history (ModelFollowThrough; None when no date before the market has one)
    every_date: Any = None
    every_days: int = 1  # the every-date check's step in days (the quick report: 7)
    leverage_mix: str = ""  # which way the book's leverage mix errs against real positions
    fall_record: dict[str, Any] | None = None  # :func:`record_after_falls` (ETH's claim)

    @property
    def critical(self) -> Any:
        """Critical shock (−10 % total) under the reference semantics."""
        return self.variants[0].critical

    def forced_range(self) -> tuple[float, float]:
        """Forced notional of the 5 % fall across liquidity assumptions, USD."""
        xs = [v.result.forced_usd for v in self.variants]
        return min(xs), max(xs)

    def critical_range(self) -> tuple[float, float]:
        """Critical shock across liquidity assumptions (fractions, negative)."""
        xs = [v.critical.shock for v in self.variants]
        return min(xs), max(xs)


def _replay(ctx: ReportContext) -> Replay | None:
    """Walk the book estimated the evening before along the largest recorded day's hours.

    The day is the largest of the liquidations closed by the report's date, so the
    replay reads nothing after it, among the days that start once the open interest's
    first bar has closed (the book of an earlier day cannot be estimated: the bundled
    liquidations start 2024-11-13, the open interest 2024-11-22 20:00). None when no
    such day is closed by the report's date.
    """
    from liqcascade.cascade import market_state
    from liqcascade.market import MARKET_BAR
    from liqcascade.report._cut import closed_by
    from liqcascade.report._data import series

    liq = closed_by(series("liquidations", ctx.asset, "4h"), "4h", ctx.as_of)
    daily = (liq["long_usd"] + liq["short_usd"]).resample("1D").sum()
    oi = pd.DatetimeIndex(series("open_interest", ctx.asset, "4h").index)
    daily = daily[daily.index >= oi[0] + MARKET_BAR]  # a market to estimate
    if daily.empty:
        return None
    day = pd.DatetimeIndex(daily.index)[int(np.argmax(daily.to_numpy()))]
    end = day + pd.Timedelta(hours=23)
    from liqcascade.market import caveat_context

    with caveat_context(f"report, cascade section: replay of {day:%Y-%m-%d}"):
        state = market_state(ctx.asset, day)  # the bars closed by the replay's start
    h = closed_by(series("ohlcv", ctx.asset, "1h", start=day, end=end), "1h", ctx.as_of)
    pos = state.positions
    longs = pos.side == 1
    notional = pos.size * pos.liq_price
    lows, highs = (
        np.minimum.accumulate(h["low"].to_numpy()),
        np.maximum.accumulate(h["high"].to_numpy()),
    )
    prev_low = np.concatenate([[np.inf], lows[:-1]])
    prev_high = np.concatenate([[-np.inf], highs[:-1]])
    lq = pos.liq_price
    rows = [
        {
            "ts": ts,
            "model_long_usd": float(notional[longs & (lq >= lows[i]) & (lq < prev_low[i])].sum()),
            "model_short_usd": float(
                notional[~longs & (lq <= highs[i]) & (lq > prev_high[i])].sum()
            ),
        }
        for i, ts in enumerate(h.index)
    ]
    model4 = pd.DataFrame(rows).set_index("ts").resample("4h").sum()
    both = model4.join(liq.loc[day:end, ["long_usd", "short_usd"]], how="outer").fillna(0.0)
    sus = within(suspect_bars([ctx.asset], ctx.as_of), ctx.asset, day, end)
    flag = day_flag(sus, ctx.asset, day, float(daily.max()))
    in_sample = any("IN SAMPLE" in c for c in state.caveats)
    return Replay(
        day, state.as_of, float(h["open"].iloc[0]), float(h["low"].min()), both, h, flag, sus,
        in_sample,
    )  # fmt: skip


def _all_venue_book(state: Any) -> Any:
    """The market's own asset's all-venue book (unscaled totals) at the market's close.

    The same totals bar (the one closed by ``state.close_time``), mid and depth exponent
    as the market's venue book, times 1 instead of the venue's share.
    """
    from liqcascade.book import calibrated_book
    from liqcascade.market import book_totals_for

    totals, _ = book_totals_for(state.asset)
    return calibrated_book(
        as_of=state.close_time,
        mid=state.mid,
        beta=state.beta,
        scale=1.0,
        asset=state.asset,
        totals=totals,
    )


def _variants(ctx: ReportContext, pm: Any) -> list[Variant]:
    """The static book's 5 % fall and critical shock under each assumption.

    Parameters
    ----------
    ctx : ReportContext
        The asset's context (its market; says each assumption as a sub-step).
    pm : PreparedMarket
        The venue-sized book, prepared (:func:`liqcascade.cascade.prepare_market`).
    """
    from liqcascade.cascade import CascadeConfig, critical_shock, prepare_cascade, simulate_cascade

    state = ctx.market
    full = prepare_cascade(_all_venue_book(state), state.positions, state.stops)
    assumptions = [
        ("static venue-sized book (reference)", pm, CascadeConfig()),
        ("market makers re-quote 50 % each round", pm, CascadeConfig(refill_fraction=0.5)),
        (DEPTH_PULL, pm, CascadeConfig(withdrawal_fraction=0.2)),
        ("triggers on a mark 50/50 with the index", pm, CascadeConfig(mark_price_weight=0.5)),
        ("all-venue book (perfect arbitrage)", full, CascadeConfig()),
    ]
    grid = 80  # bisection to 1e-6 after the grid: the reference semantics' answer is exact
    variants: list[Variant] = []
    for i, (label, m, cfg) in enumerate(assumptions, start=1):
        ctx.step("cascade", "static book", i, len(assumptions))
        variants.append(
            Variant(
                label,
                simulate_cascade(m, shock=-0.05, config=cfg),
                critical_shock(m, total_move=-0.10, config=cfg, grid=grid),
            )
        )
    return variants


def compute(ctx: ReportContext) -> CascadeView:
    """Run the library: the 5 % fall, fragility, critical shocks, next waves, history."""
    from liqcascade.cascade import (
        follow_through,
        fragility_curve,
        next_wave_levels,
        prepare_market,
    )

    ctx.step("cascade", "estimated market")
    state = ctx.market
    pm = prepare_market(state)
    variants = _variants(ctx, pm)
    shocks = np.round(np.linspace(-0.15, 0.15, 121 if ctx.quick else 601), 6)
    mid = state.mid
    lvl_dir = "up" if LEVEL > mid else "down"
    band = LEVEL * (1.05 if lvl_dir == "up" else 0.95)
    nw4 = next_wave_levels(
        state.positions, state.stops, mid, levels=[LEVEL, band], direction=lvl_dir
    )
    row4 = nw4.frame.iloc[0]
    hourly = ctx.hourly
    ctx.step("cascade", "calibrated response")
    cal = calibrated_response(state, hourly, quick=ctx.quick)
    ctx.step("cascade", "every date")
    every = every_date(ctx)
    ctx.step("cascade", "critical check")
    hc, check = critical_check(hourly, cal.critical, cal.shocks, cal.reach, cal.n_paths)
    ctx.step("cascade", "fragility curve, next waves, history" + ("" if ctx.quick else ", replay"))
    hist, eth = follow_through(hourly, drop=-0.05), ctx.asset == "ETH"
    return CascadeView(
        state=state,
        fall5=variants[0].result,
        variants=variants,
        fragility=fragility_curve(pm, shocks=shocks),
        down=next_wave_levels(state.positions, state.stops, mid, direction="down", from_price=True),
        up=next_wave_levels(state.positions, state.stops, mid, direction="up", from_price=True),
        level_released=float(row4["released_usd"]),
        level_before=float(nw4.frame["cumulative_usd"].iloc[0] - row4["released_usd"]),
        level_dir=lvl_dir,
        history=hist,
        replay=None if ctx.quick else _replay(ctx),
        book_score=ctx.book_score,
        calibrated=cal,
        history_critical=hc,
        critical_check=check,
        asset=ctx.asset,
        book_share=book_share(ctx),
        feed=book_feed(ctx),
        no_book_score=ctx.no_identified_score(ctx.asset) or "",
        every_date=every,
        every_days=1 if every is None else every.every,
        leverage_mix=mix_line(ctx.asset, distance_check(ctx, ctx.asset)),
        fall_record=record_after_falls(ctx.asset, hist, state.as_of) if eth else None,
    )


def record_after_falls(asset: str, history: Any, last: pd.Timestamp) -> dict[str, Any] | None:
    """The recorded liquidations in the 24 h after each real 5 % fall the record covers.

    The falls are ``history``'s episodes (a close 5 % below the close 4 hours earlier, the
    history check's); for each whose 24 h from its 4-hour bar lie inside the recorded
    liquidations (to ``last``), the longs and shorts recorded in those six bars are
    summed (USD). One venue's feed: a lower bound on the market's.

    Returns
    -------
    dict or None
        ``n_falls``, ``first`` / ``last`` (ISO, the falls' first and last), the median,
        90th percentile and maximum of the 24-h totals (``median_usd``, ``p90_usd``,
        ``max_usd``, USD), ``max_at`` (ISO), ``n_over_100m`` and ``recorded_by`` (the
        series, for its source; dropped from the summary); None without such a fall.
    """
    from liqcascade.report._data import series

    liq = series("liquidations", asset, "4h")
    liq = liq[liq.index <= last]
    if liq.empty:
        return None
    bars = pd.DatetimeIndex(history.events["ts"]).floor("4h")
    day = pd.Timedelta(hours=24)
    keep = bars[(bars >= liq.index[0]) & (bars + day - pd.Timedelta(hours=4) <= liq.index[-1])]
    if not len(keep):
        return None
    total = liq["long_usd"] + liq["short_usd"]
    got = pd.Series([float(total[(total.index >= b) & (total.index < b + day)].sum())
                     for b in keep], index=keep)  # fmt: skip
    return {
        "n_falls": len(got),
        "first": keep[0].isoformat(),
        "last": keep[-1].isoformat(),
        "median_usd": float(got.median()),
        "p90_usd": float(got.quantile(0.9)),
        "max_usd": float(got.max()),
        "max_at": keep[int(np.argmax(got.to_numpy()))].isoformat(),
        "n_over_100m": int((got > 1e8).sum()),
        "recorded_by": liq,
    }


_EVERY_DATE_RUNS: dict[tuple[Any, ...], Any] = {}
"""In-process cache of :func:`every_date` (the slowest part of the section: a calibrated
cascade on every date): a second report of the same asset, date, store and prices in
one process reuses the run. Bounded by :data:`_EVERY_DATE_KEEP`."""

_EVERY_DATE_KEEP = 8


def _stamp(store: Any) -> int | None:
    """The store file's modification time (ns), None without a store or when unreadable."""
    from pathlib import Path

    try:
        return Path(store).stat().st_mtime_ns if store else None
    except (OSError, TypeError):
        return None


def every_date(ctx: ReportContext) -> Any:
    """The calibrated model after a 5 % fall on every date up to the market's, beside history.

    The rows stored with the liquidity calibration
    (:func:`liqcascade.cascade.stored_follow_through`: each computed by
    :func:`~liqcascade.cascade.calibrated_follow_through` when the calibration was
    fitted, with the calibration fitted before its date), every date in both reports;
    the dates after the record up to the market's are computed (a store with later
    prices). History from the report's hourly prices (cut at its date: it reads
    nothing after it). Without a stored record (a store's calibration fitted before
    records were stored), :func:`~liqcascade.cascade.calibrated_follow_through` on the
    report's prices and store, every :data:`QUICK_EVERY`-th day in the quick report.
    Computed once per process for one asset, date, store and set of prices
    (:data:`_EVERY_DATE_RUNS`); None when no date up to the market's has a market.
    """
    from liqcascade.cascade import NoMarketDate, calibrated_follow_through, stored_follow_through
    from liqcascade.report._section import _store

    every, store, hourly = QUICK_EVERY if ctx.quick else 1, _store(), ctx.hourly
    last = (hourly.index[-1], float(hourly["close"].iloc[-1])) if len(hourly) else None
    stamp = _stamp(store)  # a store written since is another store
    key = (ctx.asset, str(ctx.as_of), every, str(store), stamp, len(hourly), last)
    if key not in _EVERY_DATE_RUNS:
        run = stored_follow_through(ctx.asset, store, end=ctx.as_of, hourly=hourly, extend=True)
        if run is None:  # nothing stored (or for other prices): run it
            try:
                run = calibrated_follow_through(
                    ctx.asset, end=ctx.as_of, every=every, store=store, hourly=hourly,
                    progress=lambda j, n: ctx.step("cascade", "every date", j, n),
                )  # fmt: skip
            except NoMarketDate:  # a market date before the first market: nothing to run
                run = None
        while len(_EVERY_DATE_RUNS) >= _EVERY_DATE_KEEP:
            _EVERY_DATE_RUNS.pop(next(iter(_EVERY_DATE_RUNS)))
        _EVERY_DATE_RUNS[key] = run
    return _EVERY_DATE_RUNS[key]


def _next_wave_figure(v: CascadeView) -> go.Figure:
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("a fall: longs and sell stops", "a rise: shorts and buy stops"),
    )
    for col, nw in ((1, v.down), (2, v.up)):
        f = nw.frame
        lab = [
            f"{price_text(a, v.state.mid)}→{price_text(b, v.state.mid)}"
            for a, b in zip(f["level"], f["next_level"], strict=True)
        ]
        side = "long" if col == 1 else "short"
        # the report's side colours (its side pattern added by finish); stops a lighter tint
        dark, light = (LONG, "#F0A877") if col == 1 else (SHORT, "#56B4E9")
        for key, name, colour in (("liquidations_usd", "liquidations", dark),
                                  ("stops_usd", "stops", light)):  # fmt: skip
            fig.add_trace(
                go.Bar(
                    x=lab,
                    y=f[key] / 1e6,
                    name=f"{name} ({side}s)",
                    marker_color=colour,
                    hovertemplate="%{x}: $%{y:,.1f} M<extra>%{fullData.name}</extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_layout(
        barmode="stack",
        height=380,
        title="What each round-number band releases (USD M at trigger), from "
        f"{price_text(v.state.mid)}",
    )
    fig.update_yaxes(title_text=f"released at trigger ({feed_unit(v.feed[0])})")
    fig.update_xaxes(title_text="price band (USD)")
    return fig


def _replay_figure(r: Replay) -> go.Figure:
    fr = r.frame
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for key, name, color in (
        ("long_usd", "recorded longs", "#9ecae1"),
        ("short_usd", "recorded shorts", "#fdae6b"),
        ("model_long_usd", "model longs", LONG),
        ("model_short_usd", "model shorts", SHORT),
    ):
        fig.add_trace(
            go.Bar(x=fr.index, y=fr[key] / 1e6, name=f"{name} ({usd(fr[key].sum())})",
                   marker_color=color,
                   hovertemplate="%{x}: $%{y:,.1f} M<extra>%{fullData.name}</extra>")
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=r.hours.index, y=r.hours["close"], name="hourly close", mode="lines"),
        secondary_y=True,
    )
    fig.update_layout(
        title=f"Replay of {r.day:%Y-%m-%d}: model vs recorded Binance liquidations, longs and "
        "shorts (4 h)"
        + (
            f"; {len(r.suspects)} recorded bar-side{'s' if len(r.suspects) > 1 else ''} "
            "flagged as implausible for its move (see Method)"
            if r.suspects is not None and len(r.suspects)
            else ""
        ),
        barmode="group",
        height=380,
    )
    fig.update_yaxes(title_text=f"liquidated per 4 h ({feed_unit()})", secondary_y=False)
    fig.update_yaxes(title_text="price (USD)", secondary_y=True, showgrid=False)
    return fig


def _mark_bounds(fig: go.Figure, frame: pd.DataFrame) -> None:
    """Mark the shocks whose cascade ran out of book: their outcome is a bound."""
    ex = frame[frame["book_exhausted"]]
    if len(ex):
        fig.add_trace(
            go.Scatter(
                x=ex["shock"] * 100,
                y=ex["final_move"] * 100,
                mode="markers",
                name="book exhausted (a bound)",
                marker={"symbol": "x", "size": 6, "color": "#000000"},
                hovertemplate="shock %{x:.1f} %: final move %{y:.1f} %, book exhausted (a bound)"
                "<extra></extra>",
            )
        )


def figures(v: CascadeView) -> list[go.Figure]:
    """Calibrated vs static fragility, the static 5 % fall by round, next waves, replay."""
    f5 = v.fall5.plot()
    f5.update_layout(
        title=f"The static book (no refill, no time): a 5 % fall on the "
        f"{plain(v.asset)} market, round by round"
    )
    feed = feed_unit(v.feed[0])
    for i, unit in enumerate(("price (USD)", feed, f"cumulative ({feed})"), start=1):
        f5.update_yaxes(title_text=unit, row=1, col=i)  # the panels' titles name the rest
    fc = fragility_figure(v.calibrated, v.asset)
    fr = v.fragility.frame
    _mark_bounds(fc, fr[(fr["shock"] >= -0.10) & (fr["shock"] <= 0)])  # the figure's range
    if v.fall5.book_exhausted:
        f5.add_annotation(
            text="book exhausted: the move is a bound", xref="paper", yref="paper", x=0.0,
            y=1.12, showarrow=False, font={"color": LONG},
        )  # fmt: skip
    out = [fc, f5, _next_wave_figure(v)]
    if v.replay is not None:
        out.append(_replay_figure(v.replay))
    return out


def _static_name(c: Calibrated, *, critical: bool = False) -> str:
    """Which static run a static figure comes from.

    The book draw whose move falls farthest; for a critical shock that draw is the most
    fragile one (its critical shock the smallest).
    """
    n = c.n_book_draws
    if not n:
        return "central book"
    return f"most fragile of {n} book draws" if critical else f"deepest of {n} book draws"


def _static_critical_text(c: Calibrated) -> str:
    """The static book's own critical shock, of the same envelope as its move (signed)."""
    x = c.static_critical
    return pct(x, signed=True) if math.isfinite(x) else "beyond −10 %"


def _carry_text(a: dict[str, Any]) -> str:
    """The cascade's own carry after the 5 % fall (index held), with its range over draws."""
    m, lo, hi = a["carry_median"], a["carry_p10"], a["carry_p90"]
    text = pct(m, 2, signed=True)
    if abs(hi - lo) > 1e-6:
        text += f" ({interval(lo, hi, lambda x: pct(x, 2, signed=True))} over draws)"
    return text


def _calibrated_table(v: CascadeView) -> pd.DataFrame:
    """Calibrated figures lead; the own carry beside the static book that bounds it."""
    a, c = v.calibrated.answer, v.calibrated
    lo, hi = c.critical_range
    sb = a["static_upper_bound"]
    return pd.DataFrame(
        {
            "model": [
                "calibrated response: median",
                "80 % interval",
                "cascade's own carry (index held at the shock)",
                f"static book (instant, no refill; {_static_name(c)}): its move bounds the "
                "carry, not the 24-h move; its own critical shock",
            ],
            "lowest price within 24 h": [
                pct(a["move_median"], signed=True),
                interval(a["move_p10"], a["move_p90"], lambda x: pct(x, signed=True)),
                _carry_text(a),
                pct(sb["final_move"], signed=True),
            ],
            "liquidated": [
                usd(a["liquidated_median"]),
                interval(a["liquidated_p10"], a["liquidated_p90"], usd),
                "—",
                usd(sb["liquidated_usd"]),
            ],
            "critical shock (−10 %)": [
                pct(c.critical, signed=True),
                interval(lo, hi, lambda x: pct(x, signed=True)),
                "—",
                _static_critical_text(c),
            ],
        }
    )


def tables(v: CascadeView) -> list[Table]:
    """Liquidity sensitivity, next waves, history after real 5 % falls."""
    sens = pd.DataFrame(
        {
            "static book, assumption": [x.label for x in v.variants],
            "final price (USD)": [x.result.final_price for x in v.variants],
            "total move": [pct(x.result.move, signed=True) for x in v.variants],
            "liquidations": [
                usd(x.result.liquidated_long_usd + x.result.liquidated_short_usd)
                for x in v.variants
            ],
            "forced selling (liquidations + stops)": [usd(x.result.forced_usd) for x in v.variants],
            "book exhausted": [
                "yes: a bound" if x.result.book_exhausted else "no" for x in v.variants
            ],
            "critical shock (−10 %)": [pct(x.critical.shock, signed=True) for x in v.variants],
        }
    )
    nw = pd.concat([v.down.frame.assign(direction="fall"), v.up.frame.assign(direction="rise")])
    nw = pd.DataFrame(
        {
            "direction": nw["direction"],
            "band (USD)": [
                price_range(a, b, v.state.mid, sep=" → ")
                for a, b in zip(nw["level"], nw["next_level"], strict=True)
            ],
            f"liquidations ({feed_unit(v.feed[0])})": [usd_m(x) for x in nw["liquidations_usd"]],
            f"stops ({feed_unit(v.feed[0])})": [usd_m(x) for x in nw["stops_usd"]],
            f"cumulative from price ({feed_unit(v.feed[0])})": [
                usd_m(x) for x in nw["cumulative_usd"]
            ],
        }
    )
    return [
        Table(
            "A 5 % fall: the calibrated response and the static book",
            _calibrated_table(v),
        ),
        Table(
            "The static book under different liquidity assumptions (central book, one run "
            "each: liquidations + stops)",
            sens,
        ),
        Table("Next-wave levels (notional at trigger price)", nw),
        Table(
            f"History: lowest price within 24 h after {v.history.n} real 4-hour falls of 5 % "
            "or more, beside the calibrated model after a 5 % fall",
            _history_table(v),
        ),
    ]


def _every_date_name(v: CascadeView) -> str:
    """The every-date column's name: its period, dates and step."""
    m = v.every_date
    d = m.dates["ts"]
    step = "" if v.every_days == 1 else f", every {v.every_days}th day: the quick report"
    return (
        f"calibrated model, every date {d.min():%Y-%m-%d} → {d.max():%Y-%m-%d} "
        f"({m.n_dates} date{'' if m.n_dates == 1 else 's'}{step}; central book)"
    )


def every_date_checks(m: Any) -> tuple[str, str]:
    """The every-date check's two verdicts in words: the medians, the chances of −27 %."""
    gap = abs(m.model_total_median - m.history_total_median) * 100
    h, p = m.history_share_beyond, m.model_share_beyond
    ratio = f"{p / h:.2f}× history's" if h > 0 else "history has no such fall"
    lo, hi = m.history_share_beyond_interval
    inside = "holds" if m.model_inside_history_interval else "does not hold"
    return (
        f"within 2 points of history: {'met' if m.median_within_2pp else 'missed'}, "
        f"{gap:.1f} points apart",
        f"within 2× of history: {'met' if m.beyond_within_2x else 'missed'}, {ratio}; "
        f"history's share is {history_count(m)}, 95 % interval "
        f"{interval(lo, hi, lambda x: pct(x, 2))}, "
        f"which {inside} the model's",
    )


def history_count(m: Any) -> str:
    """``"1 fall of 59"``: how many of history's falls reached the deep level."""
    k = m.history_beyond_count
    return f"{k} fall{'' if k == 1 else 's'} of {m.history.n}"


def _history_table(v: CascadeView) -> pd.DataFrame:
    """History after real 5 % falls beside the calibrated model.

    The model at this market and on every date of the period (with the issue's two
    checks); the static book only as the bound it is.
    """
    h, a, m = v.history, v.calibrated.answer, v.every_date
    q = h.events["total"].quantile([0.5, 0.1, 0.05, 0.01]).to_numpy()
    dash = "—"
    out = {
        "lowest price within 24 h": [
            "median total fall", "worst 10 %: at least", "worst 5 %: at least",
            "worst 1 %: at least", f"share reaching {pct(DEEP, 0, signed=True)}",
            "share reaching −10 %",
            f"share reaching the static book's {pct(v.fall5.move, signed=True)} (central "
            "book, instant, no refill: the bound on the cascade's own carry, not a forecast)",
        ],
        f"history (real falls to {v.state.as_of:%Y-%m-%d})": [pct(x, signed=True) for x in q]
        + [pct(h.share_total_beyond(DEEP)), pct(h.share_total_beyond(-0.10)),
           pct(h.share_total_beyond(v.fall5.move))],
        f"calibrated model, this market ({v.state.as_of:%Y-%m-%d})": [
            pct(a["move_median"], signed=True), pct(a["move_p10"], signed=True),
        ] + [dash] * 5,
    }  # fmt: skip
    if m is not None and m.n_dates:
        lo, hi = m.model_total_median_range
        out[_every_date_name(v)] = [
            f"{pct(m.model_total_median, signed=True)} (dates' 10–90 %: "
            f"{interval(lo, hi, lambda x: pct(x, signed=True))}); "
            + every_date_checks(m)[0],
            pct(float(m.dates["total_p10"].median()), signed=True) + " (median over dates)",
            dash, dash,
            f"{pct(m.model_share_beyond, 2)} (mean over dates); " + every_date_checks(m)[1],
            dash, dash,
        ]  # fmt: skip
    return pd.DataFrame(out)


def _claims(v: CascadeView) -> list[Claim]:
    if v.asset != "ETH":  # the commentary's claims are about ETH
        return []
    a, o = v.calibrated.answer, v.calibrated.oos or {}
    lo, hi = a["liquidated_p10"], a["liquidated_p90"]
    scale = market_scale_text(v.book_share, float(a["liquidated_median"]))
    short = market_scale_text(v.book_share, float(a["liquidated_median"]), short=True)
    where = "above" if v.level_dir == "up" else "below"
    what = (
        "short liquidations and buy stops"
        if v.level_dir == "up"
        else "long liquidations and sell stops"
    )
    return [
        # one rule across the claims: a figure that rests on the model alone is "not
        # testable" (the model says ...); the calibrated liquidations are a model forecast
        # whose event back-test misses its own goal, and the bundled record is one venue's
        Claim(
            claim="A 5 % fall in ETH force-sells hundreds of millions of dollars.",
            computed=(
                f"Not testable: the model says {usd(a['liquidated_median'])} liquidated within "
                f"24 h (80 %: {usd(lo)}–{usd(hi)}; market of {v.state.as_of:%Y-%m-%d}), in "
                f"{feed_dollars(v.book_share, v.feed[0])}; the static book (instant, no refill) "
                f"liquidates {usd(a['static_upper_bound']['liquidated_usd'])}; stop orders, "
                "not counted, add "
                f"{usd(v.fall5.stops_sell_usd + v.fall5.stops_buy_usd)} on the central one."
                + (f" Against market dollars: {scale}." if scale else "")
                + _claim_liq_score(o)
                + _fall_record_text(v.fall_record)
            ),
            front=(
                f"Model only: {usd(a['liquidated_median'])} in 24 h (80 %: "
                f"{usd(lo)}–{usd(hi)}), {v.feed[0]} dollars" + (f" ({short})." if short else ".")
            ),
            verdict="not testable with these data",
            would_test=(
                "liquidations recorded on every venue in the 24 h after real 5 % falls (the "
                "bundled record is Binance's alone)."
            ),
        ),
        Claim(
            claim="A break of $4,000 releases a billion dollars more of liquidations.",
            computed=(
                f"$4,000 is {pct(abs(LEVEL / v.state.mid - 1))} {where} the price; the "
                f"estimated book holds {usd(v.level_released)} of {what} in the 5 % beyond "
                f"it, in {feed_dollars(v.book_share, v.feed[0])}."
            ),
            front=(
                f"Model only: $4,000 is {pct(abs(LEVEL / v.state.mid - 1))} {where} the price; "
                f"the estimated book holds {usd(v.level_released)} ({v.feed[0]} dollars) of "
                f"{what} in the 5 % beyond it."
            ),
            verdict="not testable with these data",
            would_test=(
                "position-level data across venues (sizes and liquidation prices), e.g. "
                "exchange-reported open positions by price, or recorded liquidations on a "
                "day price crossed $4,000 with the book dated just before."
            ),
        ),
    ]


def _fall_record_text(r: dict[str, Any] | None) -> str:
    """`` The record, one venue's: …``: what the feed recorded after real 5 % falls."""
    from liqcascade.report._data_section import _recorded_by

    if not r:
        return ""
    return (
        f" The record, one venue's and a lower bound: in the 24 h after the {r['n_falls']} "
        f"real 5 % falls it covers ({r['first'][:10]} → {r['last'][:10]}), "
        f"{_recorded_by(r['recorded_by'])} recorded a median {usd(r['median_usd'])} of "
        f"liquidations (90th percentile {usd(r['p90_usd'])}, most {usd(r['max_usd'])} after "
        f"{r['max_at'][:10]}; {r['n_over_100m']} over $100 M)."
    )


def _claim_liq_score(o: dict[str, Any]) -> str:
    """The liquidation forecast's event back-test in the claim's sentence, out of sample first.

    The score with the book out of sample leads when some events' book is in sample
    (:func:`liq_scored`), the pooled one follows; ``""`` without a stored score.
    """
    if not o or o.get("liq_corr") is None:
        return ""
    m = liq_scored(o)
    head = f" The liquidation forecast's event back-test: log-correlation {dec(m['liq_corr'], 2)}"
    goal = f" against a {LIQ_CORR_GOAL:.1f} goal"
    if m is o:
        return head + goal + "."
    return (
        head + f" on the {m['n_events']} events with the book out of sample "
        f"({dec(o['liq_corr'], 2)} on all {o['n_events']})" + goal + "."
    )


def _base(key: str) -> str:
    """An event back-test baseline's name as the page prints it (``Empirical``)."""
    return display_name("baseline", key)


def _p_text(p: float) -> str:
    """``p < 0.001`` or ``p = 0.002``: the shared p-value formatter in a sentence."""
    return p_text(p)


def backtest_command(o: dict[str, Any], asset: str) -> str:
    """The ``cascade backtest`` command that re-runs the scored events of ``o``.

    The stored back-test's window starts at ``o["start"]``; scored to a market date
    (``scored_by``), the last event is 24 h before it (its outcome known by then);
    otherwise the window's end date.
    """
    start = str(o.get("start", ""))[:10]
    by = o.get("scored_by") if o.get("scope") == "events closed by the market date" else None
    end = (
        f"{pd.Timestamp(by) - pd.Timedelta(hours=24):%Y-%m-%dT%H:%M}"
        if by
        else str(o.get("end", ""))[:10]
    )
    return f"liqcascade cascade backtest --asset {asset} --start {start} --end {end}"


def _scope_text(o: dict[str, Any], short: bool) -> str:
    """Which events are scored at the market date (one rule: outcomes known by then)."""
    if o.get("scope") == "events closed by the market date":
        by = f"{pd.Timestamp(o['scored_by']):%Y-%m-%d %H:%M} UTC"
        return "" if short else f" whose 24 h closed by the market's time, {by}"
    if o.get("reads_after_market_date"):
        n = int(o.get("n_events_by_market_date") or 0)
        return (
            f", reading later data ({n} closed by the market date, too few to score)"
            if short
            else f" — only {n} closed by the market date, too few to score: this whole "
            "back-test reads data after that date and was not knowable then"
        )
    return ""


def skipped_text(o: dict[str, Any]) -> str:
    """The window's events left unscored, by reason (the section's text only)."""
    n = {str(k): int(v) for k, v in (o.get("n_skipped") or {}).items() if int(v)}
    if not n:
        return ""
    why = ", ".join(f"{k}: {v}" for k, v in n.items())
    return f"; {sum(n.values())} triggers of the window are not scored ({why})"


def _package_text(o: dict[str, Any], asset: str, short: bool) -> str:
    """The pooled back-test beside the events scored to the date: it reads later data.

    The section's text only (``short``: the front page's card has no line to spare).
    """
    w = o.get("package_score")
    if not isinstance(w, dict) or not w.get("n_events"):
        return ""
    from liqcascade.cascade import move_verdicts

    if short:  # the card leaves it to the section
        return ""
    v = move_verdicts(w)
    word = {"beats": "beats", "loses": "loses to", "ties": "ties"}
    said = " and ".join(
        f"{word[str(v[b])]} the {_base(b)} baseline" for b in ("empirical", "trigger") if v[b]
    )
    return (
        f". The {str(w.get('scope', 'package score')).split()[0]}'s whole back-test "
        f"({w['n_events']} events "
        f"{str(w['start'])[:7]} → {str(w['end'])[:7]}) reads data after the market date and "
        f"was not knowable then: error {w['move_mae_pp']:.2f} pp vs "
        f"{w['empirical_baseline_move_mae_pp']:.2f} pp ({_base('empirical')}) and "
        f"{w['trigger_baseline_move_mae_pp']:.2f} pp ({_base('trigger')})"
        + (f"; it {said}" if said else "")
    )


def _oos_text(c: Calibrated, short: bool = False, asset: str = "") -> str:
    """The shipped event back-test against both baselines, with the verdict of a paired test.

    A baseline is beaten (or lost to) only when the 90 % paired-bootstrap interval of
    the per-event error difference lies entirely below (above) zero; otherwise the
    two tie, and the text says so (``liqcascade.cascade._backtest.move_verdicts``).
    At an earlier market date only the events whose 24 h closed by then are scored
    (what was knowable at the date); the whole back-test follows, labelled as reading
    later data. With ``asset``, the command that re-runs the scored events ends it.
    """
    from liqcascade.cascade import move_verdicts, scored_from

    o = c.oos
    if not o:
        return "Model only: no shipped back-test of the calibrated response"
    n_in = int(o.get("n_book_in_sample") or 0)
    before = str(o.get("book_out_of_sample_from"))[:7]
    sample = (
        "out of sample"
        if not n_in
        else f"book in sample for the {n_in} before {before}"
        if short
        else f"liquidity fitted before each event; the position book in sample for the {n_in} "
        f"before {before}"
    )
    first = scored_from(o, month=True)  # the day where the data cut the window's month
    span = f"{o['n_events']} events {first} → {o['end'][:7]}{_scope_text(o, short)}"
    # the section's text (the card links to it) prints the command and the whole
    # back-test beside the events scored: the front page has no line to spare (one A4)
    cmd = f"; re-run: {backtest_command(o, asset)}" if asset and not short else ""
    v = move_verdicts(o)  # the two baselines, and the expanding one where scored
    errs = [f"{o[f'{b}_baseline_move_mae_pp']:.2f} pp ({_base(b)})" for b in v]
    head = (
        f"Event back-test, {span} ({sample}): error {o['move_mae_pp']:.2f} pp vs "
        + ", ".join(errs[:-1])
        + f" and {errs[-1]}"
    )
    tail = (
        _strict_text(o, short)
        + ("" if short else _beta_assumed_text(o))
        + ("" if short else skipped_text(o))
        + _package_text(o, asset, short)
        + cmd
    )
    if short and None not in v.values():  # the front page's card: the same facts, fewer words
        tag = {"beats": "beaten", "loses": "model loses", "ties": "tie"}
        return (
            f"Event back-test, {span}"
            + (f" (book in sample for {n_in} before {before})" if n_in else ", out of sample")
            + f": error {o['move_mae_pp']:.2f} pp; baselines "
            + ", ".join(
                f"{o[f'{b}_baseline_move_mae_pp']:.2f} ({_base(b)}: {tag[str(w)]})"
                for b, w in v.items()
            )
            + f"; {pct(o['coverage_80'], 0)} inside the 80 % interval"
            + tail
        )
    if None in v.values():  # a back-test stored without the paired comparison
        return head + f"; {pct(o['coverage_80'], 0)} inside the 80 % interval" + tail
    words = {"beats": "beats", "loses": "does not beat (loses to)", "ties": "ties"}
    parts = []
    for b in v:
        d, lo, hi = (o[f"move_mae_diff_vs_{b}_pp{x}"] for x in ("", "_p05", "_p95"))
        p = o.get(f"move_mae_dm_pvalue_vs_{b}")  # Diebold-Mariano: the two only
        dm = "" if p is None else f"; {_p_text(p)}"
        detail = (
            f" ({signed_num(d, 3)} pp, 90 %: {interval(lo, hi, lambda x: signed_num(x, 2))}{dm})"
            if not short
            else ""
        )
        parts.append(f"{words[str(v[b])]} the {_base(b)} baseline{detail}")
    return (
        head
        + ": it "
        + ", ".join(parts[:-1])
        + f" and {parts[-1]}"
        + f"; {pct(o['coverage_80'], 0)} inside the 80 % interval"
        + tail
    )


def _beta_assumed_text(o: dict[str, Any]) -> str:
    """The events whose market used the assumed depth exponent (a look-ahead), or ``""``.

    ``n_beta_assumed`` of the stored back-test (:func:`liqcascade.cascade._clock.backtest_score`:
    stored, or derived from each event's time and the book totals).
    """
    from liqcascade.cascade import beta_assumed_text

    said = beta_assumed_text(int(o.get("n_beta_assumed") or 0), int(o.get("n_events") or 0))
    return f"; {said}" if said else ""


def _strict_text(o: dict[str, Any], short: bool = False) -> str:
    """The score of the events with both the book and the liquidity out of sample.

    Judged against the strongest baseline scored on those events (the lowest move
    error: on BTC the ratio re-estimated before each event, not the frozen one), as
    the back-test's own summary is; the section's text gives every baseline's verdict.
    """
    from liqcascade.cascade import move_verdicts

    m = o.get("metrics_book_out_of_sample")
    if not o.get("n_book_in_sample") or not m or not m.get("n_events"):
        return ""
    v = {b: w for b, w in move_verdicts(m).items() if w is not None}
    if not v:  # stored without the paired comparison: the empirical baseline's error
        return (
            f"; both out of sample ({m['n_events']} events): {m['move_mae_pp']:.2f} pp vs "
            f"{m['empirical_baseline_move_mae_pp']:.2f} pp ({_base('empirical')})"
        )
    best = min(v, key=lambda b: float(m[f"{b}_baseline_move_mae_pp"]))
    if short:
        tag = {"beats": "beaten", "loses": "model loses", "ties": "tie"}[str(v[best])]
        return (
            f"; {m['n_events']} with both out of sample: {m['move_mae_pp']:.2f} vs "
            f"{m[f'{best}_baseline_move_mae_pp']:.2f} ({_base(best)}, the strongest: {tag})"
        )
    words = {"beats": "beats it", "loses": "loses to it", "ties": "ties"}
    order = [best, *(b for b in v if b != best)]
    said = [
        f"{m[f'{b}_baseline_move_mae_pp']:.2f} pp ({_base(b)}"
        + (", the strongest" if b == best else "")
        + f"), {words[str(v[b])]}"
        for b in order
    ]
    return f"; both out of sample ({m['n_events']} events): {m['move_mae_pp']:.2f} pp vs " + (
        "; ".join(said)
    )


def _why_checks_differ(v: CascadeView) -> str:
    """Why the history check can fail while the follow-through check is met, or ``""``.

    The history check counts real falls crossing −10 % (a threshold: a small shift of
    the median near it moves the count a lot); the follow-through check compares the
    median falls after 5 % falls, within 2 points. Said only where they disagree.
    """
    m, h = v.every_date, v.critical_check
    if m is None or not m.n_dates or h.n == 0:
        return ""
    if h.verdict != "contradicts" or not m.median_within_2pp:
        return ""
    gap = abs(m.model_total_median - m.history_total_median) * 100
    return (
        f". Yet the median fall after real 5 % falls is within {gap:.1f} points of the model's: "
        "near −10 %, a small shift moves many falls across it."
    )


CRITICAL_DEFINITION = (
    "where the median of the 24-h paths, pooled over every parameter draw, crosses −10 % "
    "(linear between the grid's first falls)"
)
"""What the report's critical shock is, in words (``cascade --fragility`` prints it first,
as "the report's statistic", then the median of per-draw crossings)."""

CRITICAL_INTERVAL = "where the 10th- and 90th-percentile paths cross −10 %"
"""What the critical shock's interval is, in words."""


def carry_beyond(a: dict[str, Any]) -> float:
    """The cascade's own carry beyond the 5 % fall (index held; fraction of mid, ≤ 0 on a fall)."""
    return beyond_fall(float(a["carry_median"]))


def beyond_fall(move: float) -> float:
    """A move from the mid less the 5 % fall that started it (fraction of mid, ≤ 0 on a fall).

    The static book's −9.1 % after a −5 % fall is a carry of −4.1 pp beyond it: the
    carry's scale, which a total move is not.
    """
    from liqcascade.report._calibrated import FALL

    return float(move) - FALL


LIQ_SCORE_KEYS = (
    "liq_corr",
    "background_baseline_liq_corr",
    "book_background_liq_corr",
    "liq_within_2x_share",
    "background_baseline_liq_within_2x_share",
    "book_background_liq_within_2x_share",
)
"""The liquidation score and its baselines' (``liquidation_diagnostics`` of a back-test)."""


def liq_scored(o: dict[str, Any]) -> dict[str, Any]:
    """The liquidation score a card leads with: the events with the book out of sample.

    The back-test's ``metrics_book_out_of_sample`` when some events' book is in sample
    and those metrics hold every :data:`LIQ_SCORE_KEYS`; else ``o`` (pooled, or every
    event out of sample already); ``{}`` without a back-test.
    """
    m = o.get("metrics_book_out_of_sample") if o else None
    if (
        o
        and o.get("n_book_in_sample")
        and isinstance(m, dict)
        and m.get("n_events")
        and all(m.get(k) is not None for k in LIQ_SCORE_KEYS)
    ):
        return m
    return o or {}


def liq_baselines_text(o: dict[str, Any]) -> str:
    """The event back-test's liquidation score against this quantity's own baselines.

    The model's log-correlation and within-2× share beside the background baseline's
    (liquidations of an ordinary day) and the static book + background's (the book
    walked instantly plus that background): ``liquidation_diagnostics`` of the stored
    back-test (:data:`liqcascade.cascade._scores.DIAGNOSTIC_KEYS`). When some events'
    book is in sample, the events with the book out of sample lead (:func:`liq_scored`)
    and the pooled score follows, named as such. Empty without them.
    """
    if not o or any(o.get(k) is None for k in LIQ_SCORE_KEYS):
        return ""
    m = liq_scored(o)

    def score(x: dict[str, Any], within: bool = True) -> str:
        out = (
            f"log-correlation {dec(x['liq_corr'], 2)} vs baselines "
            f"{dec(x['background_baseline_liq_corr'], 2)} (background) and "
            f"{dec(x['book_background_liq_corr'], 2)} (static book + background)"
        )
        if within:
            out += (
                f"; within 2×: {pct(x['liq_within_2x_share'], 0)} vs "
                f"{pct(x['background_baseline_liq_within_2x_share'], 0)} and "
                f"{pct(x['book_background_liq_within_2x_share'], 0)}"
            )
        return out

    goal = f"goal {LIQ_CORR_GOAL:.1f}"
    if m is o:
        return f"Event back-test ({o['n_events']} events, {goal}): {score(o)}"
    return (
        f"Event back-test, book out of sample ({m['n_events']} events, {goal}): {score(m)}; "
        f"all {o['n_events']}: {dec(o['liq_corr'], 2)} vs "
        f"{dec(o['background_baseline_liq_corr'], 2)}, {dec(o['book_background_liq_corr'], 2)}"
    )


def _book_score_text(v: CascadeView) -> str:
    """The book's out-of-sample score for the forced-selling card, or why there is none."""
    if v.book_score is not None:
        return str(v.book_score.text())
    return f"No out-of-sample score of the book — {v.no_book_score}"


def _headlines(v: CascadeView) -> list[Headline]:
    from liqcascade.cascade import BOOK_EDGE_SHARE

    c, a, hc = v.calibrated, v.calibrated.answer, v.critical_check
    lo, hi = c.critical_range
    sb = a["static_upper_bound"]
    score = _book_score_text(v)
    o = c.oos or {}
    base = liq_baselines_text(o)
    if not base and o:  # a stored back-test without its baselines
        base = (
            f"Event back-test: liquidation log-correlation {o['liq_corr']:.2f} "
            f"(goal {LIQ_CORR_GOAL:.1f}), "
            f"{pct(o['liq_within_2x_share'], 0)} of event sides within 2× (no baseline stored)"
        )
    stops = float(v.fall5.stops_sell_usd + v.fall5.stops_buy_usd)
    ex = a["book_exhausted_share"] >= BOOK_EDGE_SHARE
    return [
        Headline(
            key="move_5pct", label="How far a 5 % fall carries price (lowest within 24 h)",
            value=float(a["move_median"]), text=pct(a["move_median"], signed=True),
            interval=f"{interval(a['move_p10'], a['move_p90'], lambda x: pct(x, signed=True))}"
            f" (80 %); mostly ordinary price continuation: the cascade's own carry adds "
            f"{pp(carry_beyond(a))} (index held; static bound on that carry "
            f"{pp(beyond_fall(sb['final_move']))}, a fall to "
            f"{pct(sb['final_move'], signed=True)}, not a worst case), "
            f"{CARRY_LOWER_BOUND}",  # share: units line
            evidence=_oos_text(c, short=True, asset=v.asset), unit="fraction",
            low=float(a["move_p10"]), high=float(a["move_p90"]), bound=ex,
            check=_move_check(o), warning=history_warning(v), interval_kind="80 % forecast",
        ),
        Headline(  # signed, as its value, the section's table and `cascade --fragility`
            key="critical_shock",
            label="Critical shock: smallest first fall that takes the median 24-h path to −10 %",
            value=float(c.critical), text=pct(c.critical, signed=True),
            interval=f"{interval(lo, hi, lambda x: pct(x, signed=True))} (10th / "
            f"90th-percentile paths): ordinary volatility, not a tipping point; static book "
            f"{_static_critical_text(c)} "
            f"({_static_name(c, critical=True)}; it bounds only the cascade's own carry)"
            + _depth_pull_text(v),
            evidence=history_text(hc) + _why_checks_differ(v),
            unit="fraction", low=min(lo, hi), high=max(lo, hi),
            check={"contradicts": "fails", "consistent": "passes"}.get(str(hc.verdict), ""),
            check_in_sample=True,  # its falls are among the calibration's events
            interval_kind="p10–p90 paths",
        ),
        Headline(
            key="forced_selling_5pct",
            label=f"Forced liquidations, 5 % fall, 24 h ({v.feed[0]} dollars)",
            value=float(a["liquidated_median"]), text=usd(a["liquidated_median"]),
            interval=f"{interval(a['liquidated_p10'], a['liquidated_p90'], usd)} (80 %); "
            f"static bound {usd(sb['liquidated_usd'])} ({_static_name(c)}); stop orders add "
            f"{usd(stops)} (central static book)",
            evidence=base + (". " if base else "") + score, unit="usd",
            low=float(a["liquidated_p10"]), high=float(a["liquidated_p90"]), bound=ex,
            interval_kind="80 % forecast", dollar_scale="feed",
            check=check_mark(_goal_check(o), VERDICT_CHECK.get(str(getattr(
                v.book_score, "verdict", None)))),
        ),
    ]  # fmt: skip


def _move_check(o: dict[str, Any]) -> str:
    """The move card's check: the event back-test against every baseline it is scored on.

    Fails when the model loses to a baseline, ties when it loses to none and ties with
    one, passes when it beats them all (:func:`liqcascade.cascade.move_verdicts`); a
    baseline without an interval is left out (the other baselines still decide the
    mark), as :func:`check_mark` leaves any missing check out; ``""`` without a stored
    back-test or any paired comparison.
    """
    from liqcascade.cascade import move_verdicts

    if not o:
        return ""
    return check_mark(*(VERDICT_CHECK.get(str(w)) for w in (move_verdicts(o) or {}).values()))


def _goal_check(o: dict[str, Any]) -> str | None:
    """The liquidation forecast's log-correlation against :data:`LIQ_CORR_GOAL`.

    The score the card leads with (:func:`liq_scored`: the events with the book out of
    sample when some are in sample).
    """
    r = liq_scored(o).get("liq_corr") if o else None
    if r is None or not math.isfinite(float(r)):
        return None
    return "passes" if float(r) >= LIQ_CORR_GOAL else "fails"


def _calibration_method(o: dict[str, Any] | None) -> str:
    """The calibration and the back-test's scoring rule, true at any market date."""
    head = "Calibration: only events whose 24 h ended before the market date (expanding window)"
    if not o:
        return head + "; no back-test is stored with the calibration."
    pkg = o.get("package_score")
    w: dict[str, Any] = pkg if isinstance(pkg, dict) else o
    at = (
        f"at this date, {o['n_events']} of its {w['n_events']} events"
        if o.get("scope") == "events closed by the market date"
        else f"at this date, {o['n_events_by_market_date']} of its {w['n_events']} events "
        "(too few: the whole back-test is shown, marked as reading later data)"
        if o.get("reads_after_market_date")
        else f"at this date, all {w['n_events']}"
    )
    return (
        f"{head}. The back-test predicts every event from {str(w['start'])[:7]} to "
        f"{str(w['end'])[:7]} from the calibration fitted before it; a report scores only the "
        f"events whose 24 h closed by its market's time ({at}): later events are in the "
        "report's future. The pooled back-test is shown beside them only when it reads later "
        "data, and is marked so."
    )


def _method(v: CascadeView) -> list[str]:
    """The section's method notes (folded under "Method")."""
    cal = v.calibrated.answer["calibration"]
    nb = int(cal.get("n_book_draws", 0))
    method = [
        "Calibrated response: depth that recovers with a half-life, latent depth beyond the "
        "visible ±1 % that appears as price moves, providers that withdraw when price moves "
        "fast, other venues joining through arbitrage, liquidations on the mark price at a "
        "finite rate; the index then moves for 24 h with the calibrated post-shock volatility "
        "(residuals of the hours before the date). The interval spans index paths, the "
        f"liquidity calibration's {cal['n_draws']} parameter draws (bootstrap over events) "
        + (
            f"and the position book's {nb} parameter draws (block-bootstrap refits of its "
            "fit: its size and leverage mix), every pair of them equally weighted; the static "
            "bound is the deepest static run over the book draws."
            if nb
            else "on the book's central fit (no book draws)."
        ),
        _calibration_method(v.calibrated.oos),
        "Critical shock: the median (and the 10 % / 90 % paths) of the lowest price within "
        "24 h over every path of every parameter draw pooled, on a grid of first falls, "
        "interpolated where it crosses −10 %; the grid's −5 % point is the 5 % fall above "
        "(one run: same paths, seed and book draws). The command liqcascade cascade "
        "--fragility prints this figure first (the same run: grid, paths, seed and "
        "volatility), then another statistic, the median over parameter draws of each "
        "draw's own crossing, with the 10–90 % range over draws (the calibration's "
        "uncertainty, not the paths'): the two differ by definition. History check: "
        "how many of the real 4-hour falls at least as deep reached −10 % within a day, "
        "against the model's expected count for the same depths: for each fall, the share "
        "of the curve's paths that reach −10 % after a first fall that deep (linear between "
        "the grid's first falls; 1 at −10 % or more), summed (two-sided Poisson-binomial "
        "test at 5 %, over the curve's own Monte Carlo error: each point is a share of "
        "the same paths, so the count's law is mixed over the curve's multinomial sampling "
        "law; too few falls when no count could reach 5 %). The "
        "pooled share is not set against the model's 50 % at the critical shock: deeper "
        "falls reach −10 % more often by construction. The static-book "
        "critical shock is where the static book's move (instant, no refill, "
        "the deepest over the book draws) crosses −10 %.",
        "History after 5 % falls: every real 4-hour fall of 5 % or more in the hourly prices "
        "up to the market date (close at least 5 % below the close 4 hours earlier; the "
        "lowest low within the next 24 h, from that earlier close). Beside it the calibrated "
        "model: at this market (its 5 % fall above) and on every date of the period (each "
        "day at 20:00 UTC up to the market date, the market estimated then on the central "
        "position book, the liquidity calibration fitted before it, a 5 % shock, 400 paths; "
        "the median over dates of each date's median, the mean over dates of each date's "
        "share of paths reaching −27 %). The targets, set in the model's specification: "
        "the medians within 2 points, the chances of −27 % within 2× of each other.",
        "Static book (the reference semantics): each round's triggered orders walk a static "
        "book as one market order; refill, withdrawal, mark price and an all-venue book are "
        "its sensitivities. A run marked 'book exhausted' consumed the whole modelled book.",
    ]
    if v.replay is not None:
        rp, fr, tot = v.replay, v.replay.frame, v.replay.totals()
        fit = (
            f"correlation over {len(fr)} 4-hour bars {rp.corr:.2f}"
            if math.isfinite(rp.corr)
            else f"no correlation: the model liquidates in {rp.n_model_bars} of the {len(fr)} "
            f"4-hour bars, and fewer than {MIN_CORR_BARS} non-zero bars cannot rank the day"
        ) + (
            "; the position book in sample: its fit was trained on data after the day"
            if rp.book_in_sample
            else "; the position book out of sample: its fit was trained before the day"
        )
        method.append(
            f"Replay of {rp.day:%Y-%m-%d}, the largest recorded liquidation day: the book of "
            f"the evening before, walked along the real hourly path without feedback, "
            f"liquidates {usd(tot['model_long_usd'] + tot['model_short_usd'])} (longs "
            f"{usd(tot['model_long_usd'])}, shorts {usd(tot['model_short_usd'])}) against "
            f"{usd(tot['long_usd'] + tot['short_usd'])} recorded (longs {usd(tot['long_usd'])}, "
            f"shorts {usd(tot['short_usd'])}) ({fit})" + (f"; {rp.flag}." if rp.flag else ".")
        )
    return method


def prose(v: CascadeView) -> Prose:
    """Takeaways, method, claims and headline numbers."""
    c, a, r5 = v.calibrated, v.calibrated.answer, v.fall5
    lo, hi = c.critical_range
    cal = a["calibration"]
    liq_iv = interval(a["liquidated_p10"], a["liquidated_p90"], usd)
    sb_move = float(a["static_upper_bound"]["final_move"])
    nb = int(cal.get("n_book_draws", 0))
    sb_over = f": the deepest of the book's {nb} parameter draws" if nb else ""
    take = [
        f"On the {v.asset} market of {v.state.as_of:%Y-%m-%d} ({usd(v.state.mid)}), a 5 % fall "
        f"carries price to a median {pct(a['move_median'], signed=True)} within 24 h (80 %: "
        f"{interval(a['move_p10'], a['move_p90'], lambda x: pct(x, signed=True))}) and "
        f"liquidates {usd(a['liquidated_median'])} ({liq_iv}), by the liquidity response "
        "calibrated on "
        f"{cal['n_events']} real events before that date." + targets_missed(v),
        _oos_text(c, asset=v.asset) + ".",
        f"The critical shock — the smallest first fall whose median path reaches −10 % — is "
        f"{pct(c.critical, signed=True)} ({interval(lo, hi, lambda x: pct(x, signed=True))}: "
        f"{CRITICAL_INTERVAL}); "
        "the median is over the 24-h paths of every parameter draw pooled, interpolated "
        "between the grid's first falls. "
        f"{history_text(v.critical_check)}. The "
        f"cascade's own carry — the index held at the shock — ends a 5 % fall at "
        f"{_carry_text(a)}; the 24 h move adds the ordinary continuation of price. The static "
        f"book — no recovery, no depth beyond the visible 1 %, no time — bounds that carry, "
        f"not the 24 h move: on the central book {pct(r5.move, signed=True)} and "
        f"{usd(r5.liquidated_long_usd + r5.liquidated_short_usd)} liquidated"
        + (
            f" ({pct(sb_move, signed=True)} and "
            f"{usd(a['static_upper_bound']['liquidated_usd'])}{sb_over})"
            if nb
            else ""
        )
        + f". {history_sentence(v)}",
        *([every_date_sentence(v)] if v.every_date is not None else []),
        cascade_consequence(v.asset, v.book_share),
        *([v.leverage_mix] if v.leverage_mix else []),
    ]
    return Prose(take, _method(v), _claims(v), _headlines(v))


def history_summary(v: CascadeView) -> dict[str, Any]:
    """History after real 5 % falls beside the calibrated model at this market (fractions).

    ``calibrated_move_median`` / ``calibrated_move_p10``: the calibrated 5 % fall's;
    ``share_reaching_calibrated_median`` / ``_p10``: history's falls that went as far;
    ``calibrated_p10_binomial_p``: that share against the nominal 10 % (:func:`tail_test`);
    ``static_bound_move`` and ``share_reaching_static_bound_move``: the central static
    book's move (the bound on the cascade's own carry, not a forecast).
    """
    h, a, r5 = v.history, v.calibrated.answer, v.fall5
    return h.summary() | {
        "total_median": float(h.events["total"].median()) if h.n else None,
        "share_reaching_27pct": h.share_total_beyond(DEEP),
        "calibrated_move_median": float(a["move_median"]),
        "calibrated_move_p10": float(a["move_p10"]),
        "share_reaching_calibrated_median": h.share_total_beyond(float(a["move_median"])),
        "share_reaching_calibrated_p10": h.share_total_beyond(float(a["move_p10"])),
        "calibrated_p10_binomial_p": tail_test(v)[2] if h.n else None,
        "static_bound_move": r5.move,
        "share_reaching_static_bound_move": h.share_total_beyond(r5.move),
    }


def history_sentence(v: CascadeView) -> str:
    """History after real 5 % falls against the calibrated model at this market.

    The static book's share stays beside it, named as the bound it is.
    """
    h, a, r5 = v.history, v.calibrated.answer, v.fall5
    if h.n == 0:
        return "History holds no real 4-hour fall of 5 % to compare with."
    med = float(h.events["total"].median())
    k, n, p = tail_test(v)
    return (
        f"History: after {h.n} real 4-hour falls of 5 %, the median lowest price within a day "
        f"was {pct(med, signed=True)} against the calibrated model's "
        f"{pct(a['move_median'], signed=True)} on this market; "
        f"{pct(k / n)} ({k} of {n}) went beyond the model's 10th-percentile "
        f"path ({pct(a['move_p10'], signed=True)}): {tail_verdict(k, n, p)}; "
        f"{pct(h.share_total_beyond(r5.move))} went as far as the central static book's bound."
    )


def targets_missed(v: CascadeView) -> str:
    """The model's misses against history, for the section's first bullet (``""``: none).

    The every-date checks that are missed (the median within 2 points, the chance of
    −27 % within 2×; :func:`every_date_checks`) and a lower tail that history exceeds
    (:func:`tail_test` below 0.05, more than the nominal share), each with its caveat.
    """
    parts = []
    m = v.every_date
    if m is not None and m.n_dates:
        med, chance = every_date_checks(m)
        if not m.median_within_2pp:
            parts.append(f"the median total fall after a 5 % fall ({med})")
        if not m.beyond_within_2x:
            parts.append(
                f"the chance of reaching {pct(DEEP, 0, signed=True)}, "
                f"{pct(m.model_share_beyond, 2)} against history's "
                f"{pct(m.history_share_beyond, 2)} ({chance})"
            )
    k, n, p = tail_test(v)
    if n and math.isfinite(p) and p < 0.05 and k / n > TAIL_NOMINAL:
        parts.append(
            f"the lower tail: {pct(k / n)} of real falls ({k} of {n}) went beyond the "
            f"model's 10th-percentile path ({p_text(p, 'binomial p')}; {TAIL_CAVEAT})"
        )
    return f" Missed against history: {'; '.join(parts)}." if parts else ""


DEPTH_PULL = "providers pull 20 % of depth each round"
"""The liquidity assumption (:class:`Variant` label) the critical-shock card names."""


def _depth_pull_text(v: CascadeView) -> str:
    """The static book's critical shock under depth withdrawal, for the card.

    ``"; −1.6 % if depth is pulled 20 % a round"`` (the section's liquidity
    table); ``""`` when that run is missing or reaches no −10 %.
    """
    x = next((x.critical.shock for x in v.variants if x.label == DEPTH_PULL), math.nan)
    if not math.isfinite(x):
        return ""
    return f"; {pct(x, signed=True)} if depth is pulled 20 % a round"


def history_warning(v: CascadeView) -> str:
    """The 5 %-fall card's second mark: its interval's misses against long history.

    A lower tail that history exceeds (:func:`tail_test` below 0.05, more than the
    nominal share) and a chance of reaching −27 % not within 2× of history's
    (:func:`targets_missed`'s checks), in a few words (``"lower tail too thin vs
    history: p 0.036"``); ``""`` when neither is missed.
    """
    from liqcascade._pvalue import pvalue_text

    parts = []
    k, n, p = tail_test(v)
    if n and math.isfinite(p) and p < 0.05 and k / n > TAIL_NOMINAL:
        parts.append(f"lower tail too thin vs history: p {pvalue_text(p)}")
    m = v.every_date
    if m is not None and m.n_dates and not m.beyond_within_2x and m.history_share_beyond > 0:
        ratio = m.model_share_beyond / m.history_share_beyond
        parts.append(f"{pct(DEEP, 0, signed=True)} at {ratio:.2f}× history")
    return "; ".join(parts)


TAIL_NOMINAL = 0.10
"""The share of real falls expected beyond the model's 10th-percentile path."""

TAIL_CAVEAT = (
    "history's falls are 5 % or more, not exactly 5 %, so some excess beyond the model's "
    "exactly-5 % paths is expected"
)
"""Why the lower-tail test is not like for like (said beside its verdict)."""


def tail_test(v: CascadeView) -> tuple[int, int, float]:
    """History's falls beyond the model's 10th-percentile path: ``(k, n, p)``.

    ``k`` of ``n`` real 4-hour falls of 5 % whose lowest price within 24 h went beyond
    the calibrated model's 10th-percentile path; ``p`` the two-sided exact binomial
    test of ``k`` against :data:`TAIL_NOMINAL` (NaN without falls).
    """
    from scipy.stats import binomtest

    h, a = v.history, v.calibrated.answer
    n = int(h.n)
    if n == 0:
        return 0, 0, math.nan
    k = int((h.events["total"] <= float(a["move_p10"])).sum())
    return k, n, float(binomtest(k, n, TAIL_NOMINAL).pvalue)


def tail_verdict(k: int, n: int, p: float, level: float = 0.05) -> str:
    """The lower-tail test's verdict in words, with its caveat (:data:`TAIL_CAVEAT`).

    Parameters
    ----------
    k, n : int
        Falls beyond the model's 10th-percentile path, of all falls.
    p : float
        Two-sided binomial p-value against :data:`TAIL_NOMINAL`.
    level : float, default 0.05
        The test's size (fraction).
    """
    said = f"{p_text(p, 'binomial p')} against the nominal {pct(TAIL_NOMINAL, 0)}"
    if not math.isfinite(p) or p >= level:
        return f"consistent with the nominal share ({said})"
    if k / n > TAIL_NOMINAL:
        return (
            f"more than the nominal share ({said}): the model's lower tail is too thin "
            f"against history, though {TAIL_CAVEAT}"
        )
    return f"fewer than the nominal share ({said}): the model's lower tail is too heavy"


def every_date_sentence(v: CascadeView) -> str:
    """The every-date check (issue 18): the model's median and chance of −27 % vs history's."""
    m = v.every_date
    d = m.dates["ts"]
    med, chance = every_date_checks(m)
    step = "" if v.every_days == 1 else f", every {v.every_days}th day in this quick report"
    n = f"{m.n_dates} date{'' if m.n_dates == 1 else 's'}"
    return (
        f"On every date from {d.min():%Y-%m-%d} to {d.max():%Y-%m-%d} ({n}{step}; "
        "each with the calibration fitted before it), the calibrated model after a 5 % fall "
        f"has a median total fall of {pct(m.model_total_median, signed=True)} against "
        f"history's {pct(m.history_total_median, signed=True)} ({med}) and reaches "
        f"{pct(DEEP, 0, signed=True)} with a chance of {pct(m.model_share_beyond, 2)} against "
        f"history's {pct(m.history_share_beyond, 2)} ({chance}); `liqcascade cascade "
        f"follow-through --asset {v.asset} --end {d.max():%Y-%m-%d}` recomputes the model's rows."
    )


def summary(v: CascadeView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    r5 = v.fall5
    out: dict[str, Any] = {
        "as_of": v.state.as_of.isoformat(),
        "mid": v.state.mid,
        "bid_depth_1pct_usd": v.state.book.notional_within(0.01, "bid"),
        "n_positions": len(v.state.positions),
        "n_stops": len(v.state.stops),
        "fall_5pct": r5.summary() | {"forced_usd": r5.forced_usd, "total_move": r5.move},
        "fall_5pct_forced_usd_range": list(v.forced_range()),
        "critical_shock_10pct": v.critical.summary(),
        "critical_shock_range": list(v.critical_range()),
        "fragility": v.fragility.summary(),
        "sensitivity": [
            {
                "assumption": x.label,
                "forced_usd": x.result.forced_usd,
                "move": x.result.move,
                "book_exhausted": x.result.book_exhausted,
                "critical_shock": x.critical.shock,
            }
            for x in v.variants
        ],
        # the $4,000 level is ETH's (the commentary's claim); other assets have no such key
        **(
            {
                "level_4000": {
                    "direction": v.level_dir,
                    "distance": LEVEL / v.state.mid - 1.0,
                    "released_beyond_usd": v.level_released,
                    "released_before_usd": v.level_before,
                }
            }
            if v.asset == "ETH"
            else {}
        ),
        "next_wave_down": v.down.summary(),
        "next_wave_up": v.up.summary(),
        "calibrated": v.calibrated.summary(),
        "history_after_critical_falls": v.history_critical.summary()
        | {"check": v.critical_check.to_dict()},
        "critical_shock_definition": CRITICAL_DEFINITION,
        "critical_shock_interval_definition": CRITICAL_INTERVAL,
        "carry_beyond_5pct_fall": carry_beyond(v.calibrated.answer),
        "stops_5pct_static_usd": float(r5.stops_sell_usd + r5.stops_buy_usd),
        "history_after_5pct_falls": history_summary(v),
        "recorded_after_5pct_falls": (
            None
            if v.fall_record is None
            else {k: x for k, x in v.fall_record.items() if k != "recorded_by"}
        ),
        "follow_through_every_date": (
            None
            if v.every_date is None
            else v.every_date.to_dict(dates=False) | {"every_days": v.every_days}
        ),
    }
    if v.replay is not None:
        fr = v.replay.frame
        out["replay"] = {
            "day": v.replay.day.isoformat(),
            "corr_4h": v.replay.corr if math.isfinite(v.replay.corr) else None,
            "n_model_bars": v.replay.n_model_bars,
            **v.replay.totals(),
            "model_usd": float(fr["model_long_usd"].sum() + fr["model_short_usd"].sum()),
            "recorded_usd": float(fr["long_usd"].sum() + fr["short_usd"].sum()),
            "suspect_bars": suspect_rows(v.replay.suspects),
        }
    return out


def section(ctx: ReportContext) -> Section:
    """The cascade from the estimated market at the last bundled date."""
    v = compute(ctx)
    return with_caveats(assemble("cascade", prose(v), figures(v), tables(v), summary(v)), ctx)
