"""Report section: "Can the buffer absorb it?" — exchange stress, reserve buffers, ADL.

The section runs once per asset of the report (ETH, BTC): a venue holding the same share
of that asset's estimated open interest, its own book and depth at the as-of date, and
the 2025-10-10 scenario as that asset's own fall that day (hourly bars).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from liqcascade._plotly_text import plain
from liqcascade._prices import count_text, shock_name
from liqcascade.market import EXCHANGE_OI_SHARE as OI_SHARE  # one venue's share of OI
from liqcascade.report._figures import PALETTE
from liqcascade.report._format import dec, interval, join_words, num, pct, usd, usd_alike
from liqcascade.report._leverage_check import (
    depth_past_liquidation,
    distance_check,
    gap_bias_line,
    mix_line,
)
from liqcascade.report._names import display_name
from liqcascade.report._october import OCTOBER_WINDOWS, day_window_name
from liqcascade.report._section import (
    Claim,
    Headline,
    Prose,
    ReportContext,
    Section,
    Table,
    assemble,
)
from liqcascade.report._units import (
    BINANCE_FEED,
    book_feed,
    book_share,
    market_factor,
    qualifier,
)
from liqcascade.solvency import agree_text, chance_text, probability_text

BUFFERS = (0.06, 0.10, 0.14)

OCTOBER_CLOSE = pd.Timestamp("2025-10-11", tz="UTC")
"""When the 2025-10-10 day closes. A report dated before it keeps the 2025-10-10
scenario as a named historical stress (a recorded fall applied to the book at the
report's date), and says that the fall was recorded after that date."""


def scenario_text(name: str) -> str:
    """A scenario's name as printed: a percentage as the report prints one ("−30 %").

    >>> scenario_text("-30%"), scenario_text("2025-10-10")
    ('−30 %', '2025-10-10')
    """
    m = re.fullmatch(r"([-+]?)(\d+(?:\.\d+)?)%", name.strip())
    if m is None:
        return name
    return f"{'−' if m[1] == '-' else m[1]}{m[2]} %"


def _gap_cascade_text(gap: float, cascade: float) -> str:
    """The worst scenario's bad debt with gap fills only and with the cascade, in words.

    When both print the same (the cascade adds nothing on the worst scenario), one
    figure and that sentence, not a zero-width range.
    """
    if pct(gap) == pct(cascade):
        return f"the cascade adds nothing here: {pct(cascade)} either way (gap fills only or not)"
    return f"{pct(gap)} (gap fills only) – {pct(cascade)} (cascade)"


def _gap_words(gap: float, cascade: float) -> str:
    """What the gap fills alone need beside the cascade's figure, in words."""
    if pct(gap) == pct(cascade):
        return "the same with gap fills only: the cascade adds nothing"
    return f"{pct(gap)} with gap fills only"


def _pol_demo(accounts: pd.DataFrame) -> dict[str, Any]:
    """Proof of liabilities over the exchange's accounts (balances in US cents)."""
    from liqcascade.solvency.pol import build_tree, reserve_ratio, verify_proof

    cents = [round(float(x) * 100) for x in accounts["margin"].to_numpy()]
    users = [f"acct-{a}" for a in accounts.index]
    t0 = time.perf_counter()
    tree = build_tree(users, cents, seed=0)
    build_s = time.perf_counter() - t0
    proof = tree.prove(users[0])
    ok = verify_proof(proof, tree.root, tree.total_liabilities).valid
    rr = reserve_ratio(tree.total_liabilities * 1.06, tree.total_liabilities, 0.06)
    return {
        "pol_root": tree.root,
        "pol_n_users": tree.n_users,
        "pol_total_liabilities_cents": tree.total_liabilities,
        "pol_depth": tree.depth,
        "pol_build_seconds": build_s,
        "pol_sample_proof_valid": ok,
        "pol_sample_proof_steps": len(proof.path),
        "pol_reserve_ratio_at_6pct": rr.ratio,
    }


@dataclass(frozen=True)
class SolvencyView:
    """The venue, its scenarios through the cascade and gap-only engines, ADL, PoL."""

    asset: str
    as_of: pd.Timestamp
    exchange: Any  # Exchange
    cascade: Any  # SolvencyRun
    gap_only: Any
    whole: Any
    pol: dict[str, Any]
    accounts_per_cohort: int
    book_share: float = float("nan")  # the book's notional over aggregated open interest
    leverage_mix: str = ""  # which way the book's leverage mix errs against real positions
    mix_check: Any = None  # the Hyperliquid distance table (leverage_check.distance_check)
    feed: tuple[str, str] = BINANCE_FEED  # whose feed the book's dollars are (book_feed)
    survival: dict[str, Any] | None = None  # history's frequency of the ADL start's fall
    sizing: dict[str, Any] | None = None  # per fall scenario: the fund it needs, its odds

    @property
    def worst(self) -> Any:
        """Worst scenario through the cascade."""
        return self.cascade.worst

    def worst_gap_only(self) -> Any:
        """The same scenario with gap fills only (the lower bound)."""
        return next(o for o in self.gap_only.outcomes if o.name == self.worst.name)


def _scenarios(asset: str) -> list[Any]:
    """The library's default scenarios; the 2025-10-10 fall from the bars the report reads.

    The asset's hourly bars are the report's (:func:`liqcascade.report._data.series`:
    the default store's, else the bundled ones; a store that cannot be read raises
    there); an asset with no bar that day runs without that scenario (the library's
    refusal naming the scenario), every other error raises.
    """
    from liqcascade.errors import InputError
    from liqcascade.report._data import series
    from liqcascade.solvency import default_scenarios

    try:
        return list(default_scenarios(asset, series("ohlcv", asset, "1h")))
    except InputError as exc:
        if "scenario" not in exc.params:
            raise
    fixed = default_scenarios("ETH", series("ohlcv", "ETH", "1h"))
    return [s for s in fixed if s.name != "2025-10-10"]


def compute(ctx: ReportContext) -> SolvencyView:
    """Run the solvency library on the venue's share of ``ctx.asset``'s estimated book."""
    from liqcascade.market import MarketSpec, estimated_market
    from liqcascade.solvency import (
        ADL_QUEUE_POLICIES,
        Exchange,
        run_solvency,
        split_accounts,
    )

    spec = MarketSpec(ctx.asset, as_of=ctx.as_of, share=OI_SHARE, with_stops=False)
    market = estimated_market(spec)
    as_of, pos, ob = market.as_of, market.positions, market.book
    per = 10 if ctx.quick else 50
    pos = split_accounts(pos, per, seed=0)
    ex = Exchange(pos, insurance_fund=0.0, reserve_buffer=0.06, mid=ob.mid)
    scen = _scenarios(ctx.asset)  # the 2025-10-10 scenario: the asset's own fall
    # the calibration fitted before the market's close, for this asset; the interval over
    # every liquidity draw on every position-book draw
    casc = run_solvency(
        ex, scen, order_book=ob, engine="cascade", asset=ctx.asset, as_of=market.close_time,
        position_draws=[d.positions for d in market.draws()], find_adl_start=True,
    )  # fmt: skip
    path = run_solvency(ex, scen, engine="path")
    whole = run_solvency(
        ex,
        scen,
        order_book=ob,
        engine="cascade",
        policies=ADL_QUEUE_POLICIES,
        whole_positions=True,
        asset=ctx.asset,
        as_of=market.close_time,
    )
    accounts = pd.DataFrame({"margin": pos.margin}, index=pos.account)
    check = distance_check(ctx, ctx.asset)
    mix = mix_line(ctx.asset, check)
    return SolvencyView(
        ctx.asset,
        as_of,
        ex,
        casc,
        path,
        whole,
        _pol_demo(accounts),
        per,
        book_share(ctx),
        mix,
        check,
        book_feed(ctx),
        *_odds(ctx.asset, casc, market.close_time),
    )


def _odds(asset: str, casc: Any, close: Any) -> tuple[Any, Any]:
    """The fund's odds and :func:`fund_sizing`, over one set of windows of the report's bars.

    :func:`liqcascade.solvency.fund_odds_of` on the report's hourly bars
    (:func:`liqcascade.report._data.series`) closed by the market's close.
    """
    from liqcascade.report._data import series
    from liqcascade.solvency import fund_odds_of

    bars = series("ohlcv", asset, "1h")
    shocks = [float(o.shock) for o in casc.outcomes]
    survival, freq = fund_odds_of(asset, casc.adl_start, shocks, close, bars=bars)
    counts = None if freq is None else freq["counts"]
    return survival, fund_sizing(asset, casc.outcomes, close, freq=counts)


def fund_sizing(
    asset: str, outcomes: Any, close: Any, *, freq: Any = None
) -> dict[str, Any] | None:
    """Per fall scenario, the fund that keeps ADL away and how often history fell that deep.

    With no insurance fund, a scenario's bad debt is what a fund must hold for ADL not to
    start in it (``fund_usd``, and ``fund_p10_usd`` / ``fund_p90_usd`` over the draws,
    USD on the book's scale); beside it the days whose lowest hourly low within 24 h of
    a close fell at least the scenario's shock, before the market's close (``before``;
    non-overlapping days, ``k`` of ``n``, ``p`` and its exact 95 % ``interval``:
    :func:`liqcascade.solvency.fall_frequencies`, or ``freq``, one per outcome, None for
    a rise, when already counted). Rises are left out (the count reads lows). None
    without hourly bars before the close.
    """
    from liqcascade._time import utc_time
    from liqcascade.report._data import series
    from liqcascade.solvency import fall_frequencies

    end = utc_time(close)
    if freq is None:
        shocks = [float(o.shock) for o in outcomes]
        counts = iter(
            fall_frequencies(series("ohlcv", asset, "1h"), [-x for x in shocks if x < 0], 24, end)
        )
        freq = [next(counts) if x < 0 else None for x in shocks]
    pairs = [(o, f) for o, f in zip(outcomes, freq, strict=True) if float(o.shock) < 0]
    if not pairs or not pairs[0][1]["n"]:
        return None
    rows = [
        {"scenario": o.name, "shock": float(o.shock), "fund_usd": float(o.bad_debt_usd),
         "fund_p10_usd": _draws_usd(o)[0], "fund_p90_usd": _draws_usd(o)[1], **f}
        for o, f in pairs
    ]  # fmt: skip
    return {"before": end.isoformat(), "horizon_hours": 24, "scenarios": rows}


def figures(v: SolvencyView) -> list[go.Figure]:
    """Bad debt against buffers by scenario (categorical axis), ADL policies."""
    figs = [_bad_debt_figure(v)]
    adl = _adl_frame(v)
    if len(adl):
        figs.append(_adl_figure(v, adl))
    return figs


def _bad_debt_figure(v: SolvencyView) -> go.Figure:
    """One bar per scenario: the cascade's central case, its 80 % interval, the static bound.

    The gap fills (the lower bound) are drawn only where they print differently from the
    cascade; where they print the same everywhere the caption says so (two identical bars
    per scenario said nothing).
    """
    L = v.exchange.liabilities
    out = v.cascade.outcomes
    xs = [scenario_text(o.name) for o in out]
    mid = [100 * o.min_buffer for o in out]
    lo, hi = zip(*(_draws_range(o, L) for o in out), strict=True)
    fig = go.Figure()
    # dark vermillion: the bars' white labels read at 6.5:1 (WCAG AA; #D55E00 gave 3.9:1)
    fig.add_trace(
        go.Bar(
            x=xs, y=mid, name="cascade through the book (central case)", marker_color="#A04000",
            text=[pct(o.min_buffer) for o in out], textposition="inside",
            insidetextanchor="start", textfont={"color": "white"},
            error_y={"type": "data", "symmetric": False,
                     "array": [max(0.0, 100 * h - m) for h, m in zip(hi, mid, strict=True)],
                     "arrayminus": [max(0.0, m - 100 * x) for x, m in zip(lo, mid, strict=True)],
                     "color": "#1d2733", "thickness": 1.5, "width": 6},
            customdata=[interval(a, b, pct) for a, b in zip(lo, hi, strict=True)],
            hovertemplate="%{x}: %{y:.2f} % of liabilities; 80 % over parameter draws "
            "%{customdata}<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=xs, y=[100 * static_bad_debt(o) / L for o in out], mode="markers",
            name="static book, hit at once (upper bound)",
            marker={"symbol": "line-ew-open", "size": 34, "color": "#1d2733", "line": {"width": 3}},
            hovertemplate="%{x}: static bound %{y:.2f} % of liabilities<extra></extra>",
        )
    )  # fmt: skip
    gap = [(x, 100 * g.min_buffer) for x, g, c in zip(xs, v.gap_only.outcomes, out, strict=True)
           if pct(g.min_buffer) != pct(c.min_buffer)]  # fmt: skip
    if gap:
        fig.add_trace(
            go.Scatter(
                x=[g[0] for g in gap], y=[g[1] for g in gap], mode="markers",
                name="gap fills only (lower bound)",
                marker={"symbol": "line-ew-open", "size": 34, "color": "#56B4E9",
                        "line": {"width": 3}},
            )
        )  # fmt: skip
    # the buffers in the legend, each its own dash (6, 10 and 14 % lie 8 px apart when a
    # scenario's static bound sets the axis near 200 %: labels on the lines overlapped)
    dashes = ("dot", "dash", "longdash")
    for b, col, dash in zip(BUFFERS, ("#009E73", "#E69F00", "#CC79A7"), dashes, strict=True):
        fig.add_hline(
            y=100 * b, line_dash=dash, line_color=col, line_width=1.5, name=f"{pct(b, 0)} buffer",
            showlegend=True, layer="below",
        )  # fmt: skip
    same = "" if gap else "; gap fills alone give the same as the cascade in every scenario"
    statics = [100 * static_bad_debt(o) / L for o in out]
    cut = _cut_axis(fig, xs, mid, [100 * h for h in hi], statics)
    fig.update_layout(
        title=f"{plain(v.asset)}: bad debt with no insurance fund, % of liabilities, "
        "against reserve buffers — the calibrated cascade's central case (bar), 80 % over "
        f"parameter draws (whisker), the static book's bound (—){same}{cut}",
        yaxis_title="% of liabilities (users' margin)",
        xaxis_title="scenario",
        height=440,
        uniformtext={"minsize": 10, "mode": "hide"},  # a label that does not fit: hover
    )
    return fig


AXIS_CUT = 2.5
"""The bad-debt chart's axis ends at this multiple of the largest buffer (35 %) when a
value lies above: the buffers' lines then stand apart (on an axis to 200 %, set by a
static bound, 6, 10 and 14 % lay 8 px apart)."""


def _cut_axis(
    fig: go.Figure, xs: list[str], mid: list[float], hi: list[float], statics: list[float]
) -> str:
    """End the y axis at :data:`AXIS_CUT` × the largest buffer; write what lies above it.

    Each scenario with a bar, whisker or static bound above the cut has it written in one
    block over the plot, a line per scenario (``−30 %: ↑ 69.8 %, static 185.1 %``, % of
    liabilities): one label per column overlapped its neighbours' at a phone's width.
    Each buffer's line is labelled at the right, cut or not. Returns the caption's note
    (empty when nothing lies above the cut and the axis is left as drawn).
    """
    for b in BUFFERS:
        fig.add_annotation(x=1.0, y=100 * b, xref="paper", yref="y", xanchor="left",
                           showarrow=False, font={"size": 10}, text=pct(b, 0))  # fmt: skip
    fig.update_layout(margin={"r": 48})
    cap = 100 * AXIS_CUT * max(BUFFERS)
    if max([*mid, *hi, *statics]) <= cap:
        return ""
    lines = []
    for x, m, h, s in zip(xs, mid, hi, statics, strict=True):
        said = [f"↑ {pct(m / 100)}" if m > cap else "",
                f"whisker to {pct(h / 100)}" if h > cap >= m else "",
                f"static {pct(s / 100)}" if s > cap else ""]  # fmt: skip
        if any(said):
            lines.append(f"{x}: " + ", ".join(t for t in said if t))
    fig.add_annotation(x=0.0, y=1.0, xref="paper", yref="paper", xanchor="left",
                       yanchor="bottom", align="left", showarrow=False, font={"size": 10},
                       text="<br>".join([f"above {pct(cap / 100, 0)}:", *lines]))  # fmt: skip
    fig.update_yaxes(range=[0, cap])
    fig.update_layout(margin={"t": 60 + 14 * (len(lines) + 1)})
    return f"; axis cut at {pct(cap / 100, 0)}: the values above it are written over the plot"


ADL_METRICS: tuple[tuple[str, str, float], ...] = (
    ("n_accounts", "accounts hit", 1.0),
    ("gini", "Gini of haircuts (0 = even)", 1.0),
    ("bottom_quartile_haircut_to_equity", "bottom-quartile haircut / equity (%)", 100.0),
    ("max_haircut_to_equity", "max haircut / equity (%)", 100.0),
    ("haircut_usd", "haircut (USD M)", 1e-6),
    ("notional_usd", "notional closed (USD M)", 1e-6),
)
"""The ADL columns a figure may draw: column, panel title, scale."""


ADL_GAP_PX = 110
"""Between two rows of ADL panels (px): the upper panel's axis title and the lower one's
title (at 74 px the two overlapped)."""


def _unit_of(title: str) -> str:
    """An ADL panel's axis title, its unit: ``accounts``, ``% of equity``, ``USD M``."""
    if "/ equity" in title:
        return "% of equity"
    if title.endswith(")") and "(" in title and "=" not in title:
        return title[title.rindex("(") + 1 : -1]
    return {"accounts hit": "accounts"}.get(title, "Gini (0 = even, 1 = one account)")


def _varies(x: pd.Series) -> bool:
    """Whether a column differs across the policies by more than 0.5 % of its largest value."""
    top = float(x.abs().max())
    return top > 0 and float(x.max() - x.min()) > 0.005 * top


def _adl_figure(v: SolvencyView, adl: pd.DataFrame) -> go.Figure:
    """The ADL columns that differ across policies, one panel each (horizontal bars).

    The policies close the same notional for the same haircut (both are set by the
    deficit); they differ in whom they hit: those are the panels. A column equal under
    every policy is named in the caption with its value instead of drawn.
    """
    from plotly.subplots import make_subplots

    shown = [m for m in ADL_METRICS if _varies(adl[m[0]])]
    same = [f"{t.split(' (')[0]} {usd(adl[c].iloc[0]) if s == 1e-6 else num(adl[c].iloc[0])}"
            for c, t, s in ADL_METRICS if (c, t, s) not in shown]  # fmt: skip
    cols = 2 if len(shown) > 1 else 1
    rows = max(1, math.ceil(len(shown) / cols))
    height = max(300, 250 * rows + ADL_GAP_PX * (rows - 1))
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, horizontal_spacing=0.04,
                        vertical_spacing=ADL_GAP_PX / height,
                        subplot_titles=[t for _, t, _ in shown])  # fmt: skip
    names = [display_name("adl", p) for p in adl["policy"]]
    for i, (c, t, s) in enumerate(shown):
        fig.add_trace(
            go.Bar(y=names, x=adl[c] * s, orientation="h", name=t,
                   marker_color=PALETTE[i % len(PALETTE)], showlegend=False,
                   hovertemplate="%{y}: %{x:,.4~r}<extra>" + t + "</extra>"),
            row=i // cols + 1, col=i % cols + 1,
        )  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    for i, (_, t, _) in enumerate(shown):  # each panel's axis names its unit
        fig.update_xaxes(title_text=_unit_of(t), row=i // cols + 1, col=i % cols + 1)
    tail = f"; the same under every policy: {join_words(same)}" if same else ""
    fig.update_layout(
        title=f"{plain(v.asset)}: ADL policies side by side, scenario "
        f"{scenario_text(v.cascade.adl_outcome.name)}: whom each policy hits among the "
        f"tool's synthetic accounts{tail}",
        height=height,
    )
    return fig


def _adl_frame(v: SolvencyView) -> pd.DataFrame:
    shown = v.cascade.adl_outcome
    rows = [{**r.summary(), "policy": name} for name, r in shown.adl.items()]
    wworst = next(o for o in v.whole.outcomes if o.name == shown.name)
    rows += [
        {**r.summary(), "policy": f"{name} (whole positions)"} for name, r in wworst.adl.items()
    ]
    return pd.DataFrame(rows)


def tables(v: SolvencyView) -> list[Table]:
    """Scenarios against buffers; ADL policies."""
    rows = []
    odds = {r["scenario"]: r for r in (v.sizing or {}).get("scenarios", [])}
    for c, p in zip(v.cascade.outcomes, v.gap_only.outcomes, strict=True):
        seen = odds.get(c.name)
        rows.append(
            {
                "scenario": scenario_text(c.name),
                "shock": pct(c.shock, signed=True),
                "final price": usd(c.final_price),
                "liquidated": usd(c.liquidated_usd),
                "bad debt, cascade": usd(c.bad_debt_usd),
                "80 % over draws": "–".join(usd(x) for x in _draws_usd(c)),
                "bad debt, gap only": usd(p.bad_debt_usd),
                "bad debt, static bound": usd(static_bad_debt(c)),
                "buffer needed": pct(c.min_buffer, 2),
                "days with a 24 h fall this deep": "—"
                if seen is None
                else f"{probability_text(seen['p'])} ({seen['k']:,} of {seen['n']:,})",
                **{
                    f"{100 * b:.0f} % survives": "yes" if c.min_buffer <= b else "NO"
                    for b in BUFFERS
                },
            }
        )
    out = [
        Table(
            f"{v.asset}: scenarios against 6 / 10 / 14 % reserve buffers of posted margin (no "
            f"insurance fund; {v.feed[0]} dollars)",
            pd.DataFrame(rows),
        )
    ]
    adl = _adl_frame(v)
    if len(adl):
        show = pd.DataFrame(
            {
                "policy": [display_name("adl", p) for p in adl["policy"]],
                "synthetic accounts hit": adl["n_accounts"],
                "notional closed": usd_alike(*adl["notional_usd"]),
                "haircut": usd_alike(*adl["haircut_usd"]),
                "overshoot": usd_alike(*adl["overshoot_usd"]),  # $3 beside $4,299
                "Gini": [dec(x, 2) for x in adl["gini"]],
                "bottom-quartile haircut / equity": [
                    pct(x) for x in adl["bottom_quartile_haircut_to_equity"]
                ],
                "max haircut / equity": [pct(x) for x in adl["max_haircut_to_equity"]],
            }
        )
        out.append(
            Table(
                f"{v.asset}: ADL policies side by side, scenario "
                f"{scenario_text(v.cascade.adl_outcome.name)} (the tool's synthetic accounts; "
                f"{v.feed[0]} dollars)",
                show,
            )
        )
    return out


def _takeaways(v: SolvencyView) -> list[str]:
    """The section's takeaways: the worst scenario, the buffers, the static bound, units.

    The scale-free ratio leads (bad debt in % of the accounts' posted margin, with the
    balances multiple at which the largest buffer absorbs it); the dollars follow as what
    they are, feed-scale, with the factor to a venue of :data:`OI_SHARE` of open interest
    in market dollars (:func:`~._units.market_factor`).
    """
    w, g = v.worst, v.worst_gap_only()
    L = v.exchange.liabilities
    breaks = v.cascade.breaks(BUFFERS)
    b6, b14 = breaks["6%"], breaks["14%"]
    return [
        f"The worst of {len(v.cascade.outcomes)} scenarios ({scenario_text(w.name)}) leaves "
        f"bad debt of {pct(w.min_buffer)} of liabilities ("
        + (
            "the cascade adds nothing: the same with gap fills only"
            if pct(g.min_buffer) == pct(w.min_buffer)
            else f"{pct(g.min_buffer)} with gap fills only"
        )
        + f"). {LIABILITIES_WORDS}; {_balances_words(v)}.",
        _dollars_words(v),
        f"Model only, buffers in % of that margin: a 6 % buffer breaks in "
        f"{count_text(len(b6), 'scenario')}, a 14 % buffer in {len(b14)}"
        + (f" ({', '.join(scenario_text(x) for x in b14)})." if b14 else "."),
        f"The static book (hit at once, nothing refills) bounds that scenario at "
        f"{usd(static_bad_debt(w))} ({pct(static_bad_debt(w) / L)} of liabilities): the "
        "figure above is the calibrated cascade's central case, not that bound.",
        qualifier(v.asset, v.book_share, v.feed[1]),
        *([v.leverage_mix] if v.leverage_mix else []),
        *([bias] if (bias := _bias_words(v)) else []),
        *([ten] if (ten := _ten_pct_words(v)) else []),
        *([odds] if (odds := survival_words(v)) else []),
        *([fund] if (fund := sizing_words(v)) else []),
    ]


def _chance(h: dict[str, Any]) -> str:
    """``104 of 2,901 days (3.6 %, 95 % interval 2.9–4.3 %)``."""
    return f"{h['k']:,} of {h['n']:,} {h['trials']} ({chance_text(h['p'], h['interval'])})"


def survival_words(v: SolvencyView) -> str:
    """How often history fell as deep as the fall where bad debt starts, or ``""``.

    With no insurance fund the ADL start is the fall at which bad debt begins; its
    frequency per horizon on the hourly bars before the market's close (one trial per
    non-overlapping window), with the out-of-sample verdict against the baselines.
    """
    fs, start = v.survival, v.cascade.adl_start
    if not fs or not start:
        return ""
    by = {h["hours"]: h for h in fs["horizons"] if h["n"]}
    if 24 not in by:
        return ""
    depth = pct(-fs["depth"], 1, signed=True)
    if fs["adl_start"]:
        span = _range_words(fs, start)
        head = f"Bad debt (ADL, with no fund) starts at a fall of about {depth} ({span})"
    else:
        head = f"No scenario fall leaves bad debt, down to {depth}; ADL needs a deeper one"
    others = "; ".join(f"within {h['label']} in {_chance(h)}" for k, h in by.items() if k != 24)
    return (
        f"{head}. A fall that deep, from a close to the lowest hourly low, came within 24 h "
        f"in {_chance(by[24])} before {fs['before'][:10]}"
        + (f"; {others}" if others else "")
        + f" (non-overlapping windows, one trial each; exact intervals).{_verdict(fs)}"
    )


def _range_words(fs: dict[str, Any], start: dict[str, Any]) -> str:
    """The ADL start's 80 % over the draws, or why it is one figure (every draw agrees).

    The bisection brackets the central, p10 and p90 bad debt's start alike; where all
    three end in the same bracket the draws agree to the search's step, and a range
    ``−1.1 % … −1.1 %`` would read as an interval it is not: the bracket is said instead.
    """
    lo, hi = fs["depth_range"]
    mild = "?" if lo is None else pct(-lo, 1, signed=True)
    deep = "beyond the falls run" if hi is None else pct(-hi, 1, signed=True)
    if mild != deep:
        return f"80 % over draws: {mild} … {deep}"
    return agree_text(start, pct)


def sizing_words(v: SolvencyView) -> str:
    """What a fund must hold for ADL not to start in each fall scenario, and its odds (``""``).

    ``"A fund keeps ADL away in a scenario if it holds that scenario's bad debt
    (Binance-feed dollars): $1.3 M for −10 % (80 % over draws $1.1 M–$1.5 M), a fall
    seen within 24 h on 39 of 2,902 days (1.3 %, 95 % interval 0.96–1.8 %); …"``
    (:func:`fund_sizing`).
    """
    if not v.sizing:
        return ""

    def name(r: dict[str, Any]) -> str:
        said = scenario_text(r["scenario"])
        return said if "%" in said else f"{said} ({pct(r['shock'], 1, signed=True)})"

    rows = v.sizing["scenarios"]
    keys = ("fund_usd", "fund_p10_usd", "fund_p90_usd")
    said = usd_alike(*(r[k] for r in rows for k in keys))  # one scale across the sentence
    parts = [
        f"{said[3 * i]} for {name(r)} (80 % over draws {said[3 * i + 1]}–{said[3 * i + 2]}), a "
        f"fall seen within 24 h on {r['k']:,} of {r['n']:,} days "
        f"({chance_text(r['p'], r['interval'])})"
        for i, r in enumerate(rows)
    ]
    return (
        f"A fund keeps ADL away in a scenario if it holds that scenario's bad debt "
        f"({v.feed[0]} dollars): {'; '.join(parts)}; days before {v.sizing['before'][:10]}, "
        "non-overlapping, from a close to the lowest hourly low (exact intervals)."
    )


#: The baselines as the words name them.
_BASELINE = {"normal": "normal", "student_t": "Student-t"}


def _verdict(fs: dict[str, Any]) -> str:
    """History's 24 h frequency against the baselines out of sample, in words (``""``).

    The rolling check (``fund_survival["rolling"]``: re-estimated each quarter on an
    expanding window, every later day scored): the mean Brier score summed over the
    falls, and against the stronger baseline the paired difference with its interval
    and verdict; then the log score's verdicts.
    """
    roll = fs.get("rolling") or {"horizons": []}
    day = next((h for h in roll["horizons"] if h["hours"] == 24), None)
    if day is None:
        return ""
    b, vs = day["brier"], day["brier_vs"]
    best = min(("normal", "student_t"), key=lambda k: b[k])
    d = vs[best]
    said = {"beats": "beats", "loses": "loses to", "ties": "ties with", "None": "is not scored on"}
    level = f"{100 * roll['level']:.0f} %"
    logs = day["log_score_vs"]
    return (
        f" Out of sample, re-estimated each quarter on the history before it ("
        f"{day['n']:,} days scored from {day['first_window'][:7]}, falls of 5–30 %), history's "
        f"24 h frequency {said[str(d['verdict'])]} the {_BASELINE[best]} baseline: Brier "
        f"{num(b['history'])} against normal {num(b['normal'])} and Student-t "
        f"{num(b['student_t'])} (lower is better; difference {_signed(d['mean'])}, "
        f"{level} {_signed(d['lo'])} … {_signed(d['hi'])}); by the log score it "
        f"{said[str(logs['normal']['verdict'])]} the normal and "
        f"{said[str(logs['student_t']['verdict'])]} the Student-t."
    )


def _signed(x: float | None) -> str:
    """A difference with its sign and two significant figures: ``+0.0079``, ``−0.024``."""
    return ("+" if x is not None and x > 0 else "") + num(x, 2)


LIABILITIES_WORDS = (
    "Liabilities here are the accounts' posted margin behind these positions, not customer "
    "balances (the base of the reserve ratios venues publish)"
)
"""What the section's "liabilities" are, said wherever a share of them is printed."""


def balances_multiple(v: SolvencyView) -> float:
    """Total balances over posted margin at which the largest buffer absorbs the worst case.

    ``bad debt / (max(BUFFERS) × margin)``, rounded up to 0.01: a buffer of ``max(BUFFERS)``
    of balances this many times the margin covers the worst scenario's bad debt.

    Parameters
    ----------
    v : SolvencyView
        The section's view (its worst scenario's bad debt, USD, and the margin, USD).
    """
    w, L = v.worst, v.exchange.liabilities
    return math.ceil(w.bad_debt_usd / max(BUFFERS) / L * 100) / 100


def _balances_words(v: SolvencyView) -> str:
    """``"with total balances 1.53× that margin (rounded up) a 14 % buffer absorbs ..."``."""
    k, top = balances_multiple(v), pct(max(BUFFERS), 0)
    if k <= 1.0:
        return f"a {top} buffer of that margin alone absorbs the worst case"
    return (
        f"with total balances {k:.2f}× that margin (rounded up) a {top} buffer absorbs the "
        "worst case"
    )


def _dollars_words(v: SolvencyView) -> str:
    """The venue's book and its dollars: feed-scale, with the factor to market dollars."""
    w, L = v.worst, v.exchange.liabilities
    factor = market_factor(v.book_share)
    scale = (
        f"; a venue holding {pct(OI_SHARE, 0)} of open interest in market dollars would be "
        f"about {factor:.0f}× these amounts if its positions scaled with the feed's book, "
        "which the data do not identify"
        if math.isfinite(factor)
        else ""
    )
    return (
        f"The book behind these ratios: {venue_scale_words(v.feed[1])}, no insurance fund. "
        f"Its dollars are therefore {v.feed[0]} dollars: {usd(w.bad_debt_usd)} of "
        f"bad debt in the worst scenario on {usd(L)} of user margin{scale}."
    )


def _bias_words(v: SolvencyView) -> str:
    """Which way the worst scenario may lean, from the Hyperliquid bands (``""`` without)."""
    return gap_bias_line(v.mix_check, scenario_text(v.worst.name), float(v.worst.shock))


def _over_margin_words(top: float) -> str:
    """Why bad debt can pass 100 % of liabilities, said when a figure does (``top`` > 1).

    Liabilities are the accounts' margin (``Σ margin``); bad debt is the loss beyond
    it of the positions closed past their bankruptcy price, which leverage lets exceed
    all of it.
    """
    if not top > 1.0:
        return ""
    return (
        "; over 100 % is possible: a leveraged position closed past its bankruptcy price "
        "can lose several times its margin"
    )


def _breaks_words(v: SolvencyView) -> str:
    """``"a 6 % buffer of margin breaks in 6 of 7 scenarios, 14 % in 4"``."""
    br, n = v.cascade.breaks(BUFFERS), len(v.cascade.outcomes)
    lo, hi = f"{BUFFERS[0]:.0%}", f"{BUFFERS[-1]:.0%}"
    return (
        f"a {pct(BUFFERS[0], 0)} buffer of margin breaks in {len(br[lo])} of {n} scenarios, "
        f"{pct(BUFFERS[-1], 0)} in {len(br[hi])}"
    )


def venue_scale_words(record: str = BINANCE_FEED[1]) -> str:
    """What the venue's book is: a multiple of the identified book, without stop orders.

    The identified book is fitted to ``record`` (:func:`~._units.book_feed`'s second
    item: ``"Binance's recorded liquidation feed"`` for the package's calibrations, a
    store's venue for its own), taken to hold :data:`BINANCE_BOOK_SHARE` of open
    interest; a venue of :data:`OI_SHARE` holds ``OI_SHARE / BINANCE_BOOK_SHARE`` of it
    (``MarketSpec(share=...)``), on that feed's scale.
    """
    from liqcascade.market import BINANCE_BOOK_SHARE

    return (
        f"{OI_SHARE / BINANCE_BOOK_SHARE:.2g}× the book identified from {record}, on its "
        "scale (not market dollars), positions without stop orders"
    )


def _ten_pct_words(v: SolvencyView) -> str:
    """Why this section's 10 % fall liquidates more or less than the others', or ``""``.

    The scenario here is the price at once then the calibrated cascade on the venue's
    book without stop orders; the liquidation map counts the whole identified book at
    the price, part of each position closed by its stop first; the stress section's
    shock runs 24 h of price after it.
    """
    from liqcascade.positions import StopModelWeights

    o = next((o for o in v.cascade.outcomes if o.name == shock_name(-0.10)), None)
    if o is None:
        return ""
    return (
        f"Three '10 % fall' figures of this report differ by design: here the −10 % "
        f"scenario liquidates {usd(o.liquidated_usd)} (the price at once, then the cascade; "
        f"no stops, so every position is liquidated rather than stopped); the liquidation "
        f"map's is the whole identified book at that price, with "
        f"{pct(StopModelWeights().stop_share, 0)} of each position resting on stop orders "
        "instead; the stress section's −10 % shock adds 24 h of price moves after it."
    )


def _model_says(v: SolvencyView) -> str:
    """The model's answer on the 14 % buffer of margin: would hold / would not / the edge."""
    w, g = v.worst, v.worst_gap_only()
    lo, hi = _draws_range(w, v.exchange.liabilities)
    top = max(BUFFERS)
    if max(w.min_buffer, hi) <= top:
        return "would hold"
    return "would not hold" if min(g.min_buffer, lo) > top else "is on the edge"


ON_MARGIN = {"would hold": "holds", "would not hold": "fails", "is on the edge": "is on the edge"}
"""The model's answer (:func:`_model_says`) as the front row words a buffer of margin."""


def _claim(v: SolvencyView) -> Claim:
    """The reserve-buffer claim: model only, on margin, with the balances multiple.

    The report's one rule for claims: a figure resting on the model alone is not a test.
    """
    w, g = v.worst, v.worst_gap_only()
    lo, hi = _draws_range(w, v.exchange.liabilities)
    k, says = balances_multiple(v), _model_says(v)
    bias = ""
    if v.mix_check is not None:
        d, m = depth_past_liquidation(v.mix_check, float(w.shock))
        way = "overstates" if m > d else "understates"
        bias = (
            f" Its leverage mix, which the Hyperliquid positions do not support, more likely "
            f"{way} the worst case than not ({pct(m)} vs {pct(d)} of notional past "
            "liquidation on average)."
        )
    return Claim(
        "Reserve buffers of 6–14 % absorb a liquidation cascade",
        f"Not testable: the model says the claim {says} on a buffer of posted margin — bad "
        f"debt depends on the estimated book; worst scenario {scenario_text(w.name)} needs "
        f"{pct(w.min_buffer)} of liabilities with the cascade "
        f"({_gap_words(g.min_buffer, w.min_buffer)}), "
        f"{pct(lo)}–{pct(hi)} over the parameter draws, against 14 %. "
        f"{LIABILITIES_WORDS}: {_balances_words(v)}.{bias}",
        "not testable with these data",
        would_test="venues' published insurance-fund draws and ADL events during past crashes.",
        front=f"Model only: the worst scenario ({scenario_text(w.name)}) needs "
        f"{pct(w.min_buffer)} of posted margin ({pct(lo)}–{pct(hi)} over draws): a 14 % "
        f"buffer {ON_MARGIN[says]} on margin"
        + (f", holds on balances ≥ {k:.2f}× margin." if k > 1 else "."),
    )


def _mix_words(v: SolvencyView) -> str:
    """The bad-debt card's direction caveat: which way the unsupported leverage mix errs.

    ``"; more likely overstated (unsupported leverage mix: 17.4 % vs 5.2 % of notional
    past liquidation)"``, the claim's words in short; ``""``
    without the Hyperliquid positions' check.
    """
    if v.mix_check is None:
        return ""
    d, m = depth_past_liquidation(v.mix_check, float(v.worst.shock))
    way = "overstated" if m > d else "understated"
    return (
        f"; more likely {way} (unsupported leverage mix: {pct(m)} vs {pct(d)} of notional "
        "past liquidation)"
    )


def _headline(v: SolvencyView) -> Headline:
    """The front card: bad debt in % of posted margin, worst scenario, the buffers."""
    w, g = v.worst, v.worst_gap_only()
    L = v.exchange.liabilities
    lo, hi = _draws_range(w, L)
    return Headline(
        key="bad_debt_worst",
        label=f"Bad debt, % of liabilities (posted margin), worst scenario "
        f"({scenario_text(w.name)}): calibrated central case",
        value=float(w.min_buffer),
        text=pct(w.min_buffer),
        interval=_gap_cascade_text(g.min_buffer, w.min_buffer)
        + f"; {pct(lo)}–{pct(hi)} over parameter draws (80 %); static bound "
        f"{pct(static_bad_debt(w) / L)}; {_breaks_words(v)}",
        evidence="Model only: no venue bad-debt record is bundled; liabilities are the "
        f"accounts' posted margin, not customer balances: {_balances_words(v)}"
        + _over_margin_words(max(w.min_buffer, hi, static_bad_debt(w) / L))
        + _mix_words(v),
        unit="fraction",
        interval_kind="80 % parameter draws",
        # the clock books every close on its own as the gap fills do (issue 17's rule,
        # no netting within a step) and closes no better than the shocked price: the gap
        # fills are the lower end, the cascade the upper; where the clock closes
        # everything at the shocked price the two are equal up to rounding
        low=float(min(g.min_buffer, w.min_buffer, lo)),
        high=float(max(g.min_buffer, w.min_buffer, hi)),
    )


def prose(v: SolvencyView) -> Prose:
    """Takeaways, method, the claim and the headline."""
    take = _takeaways(v)
    method = [
        "Bad debt: a liquidated position closed beyond its bankruptcy price draws its "
        "shortfall on the fund, which starts at 0; margin left on liquidated positions is "
        "credited after the cascade, never netted against a shortfall. "
        "A scenario survives when reserves − liabilities − bad debt ≥ 0, "
        "reserves = liabilities × (1 + buffer); liabilities = the accounts' margin.",
        f"Each estimated cohort is split into {v.accounts_per_cohort} synthetic accounts of "
        "log-normal size (σ = 1.5, seeded): an assumption needed to speak of ADL's spread "
        "across users; the ADL table's accounts are these, the tool's, not a venue's.",
        "ADL takes profit only; 'optimal' solves the least notional for the minimal haircut "
        "(linear programme, HiGHS).",
        f"Proof of liabilities, a demonstration of the tool's machinery over its synthetic "
        f"accounts ({v.pol['pol_n_users']:,} users, depth {v.pol['pol_depth']}; a sample "
        "proof verifies): no venue's liabilities are verified here.",
        f"The scenarios are applied to the last estimable book ({v.as_of:%Y-%m-%d}). The "
        "cascade is the calibrated liquidity response fitted on events before that date; "
        f"its 80 % interval spans {_n_draws(v)['liquidity']} liquidity draws × "
        f"{_n_draws(v)['book']} position-book draws (the book's bootstrap refits).",
        f"The venue's share of open interest ({pct(OI_SHARE, 0)}) is a market parameter, the "
        "same for every asset. " + _oct_note(v),
    ]
    return Prose(take, method, [_claim(v)], [_headline(v)])


def static_bad_debt(o: Any) -> float:
    """The static book's bad debt of a calibrated scenario (its upper bound), USD.

    The deepest static run over the position-book draws
    (``ScenarioOutcome.static_upper_bound``); the outcome's own bad debt without one.
    """
    ub = getattr(o, "static_upper_bound", None) or {}
    return float(ub.get("bad_debt_usd", o.bad_debt_usd))


def _draws_usd(o: Any) -> tuple[float, float]:
    """Bad debt's 10–90 % over the parameter draws, USD (the central value without draws)."""
    iv = o.interval or {}
    return (
        float(iv.get("bad_debt_p10_usd", o.bad_debt_usd)),
        float(iv.get("bad_debt_p90_usd", o.bad_debt_usd)),
    )


def _draws_range(o: Any, liabilities: float) -> tuple[float, float]:
    """:func:`_draws_usd` as a share of liabilities."""
    lo, hi = _draws_usd(o)
    return lo / liabilities, hi / liabilities


def _n_draws(v: SolvencyView) -> dict[str, int]:
    """Liquidity and position-book draws behind the interval."""
    iv = next((o.interval for o in v.cascade.outcomes if o.interval), None) or {}
    return {"liquidity": int(iv.get("n_draws", 0)), "book": int(iv.get("n_book_draws", 0))}


def _oct(v: SolvencyView) -> float | None:
    """The 2025-10-10 scenario's shock, or None when the as-of date left it out."""
    shock = next((o.shock for o in v.cascade.outcomes if o.name == "2025-10-10"), None)
    return None if shock is None else float(shock)


def _oct_note(v: SolvencyView) -> str:
    shock = _oct(v)
    if shock is None:
        return "No 2025-10-10 scenario ran."
    after = (
        f"a fall recorded after the market date ({v.as_of:%Y-%m-%d}), used as a named "
        "stress scenario, not a forecast"
        if v.as_of < OCTOBER_CLOSE
        else "a recorded fall, used as a named stress scenario"
    )
    return (
        f"The 2025-10-10 scenario is {v.asset}'s own fall that day ({pct(shock, signed=True)}, "
        f"{day_window_name(v.asset)}: {OCTOBER_WINDOWS['day'].definition}), applied to "
        f"the book at the market date: {after}."
    )


def summary(v: SolvencyView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    L = v.exchange.liabilities
    return {
        "asset": v.asset,
        "price": float(v.exchange.mid) if v.exchange.mid is not None else None,
        "as_of": v.as_of.isoformat(),
        "oi_share": OI_SHARE,
        "liabilities_usd": L,
        "liquidated_usd": {o.name: o.liquidated_usd for o in v.cascade.outcomes},
        "bad_debt_usd": {o.name: o.bad_debt_usd for o in v.cascade.outcomes},
        "bad_debt_gap_only_usd": {o.name: o.bad_debt_usd for o in v.gap_only.outcomes},
        "bad_debt_static_bound_usd": {o.name: static_bad_debt(o) for o in v.cascade.outcomes},
        "bad_debt_interval_usd": {
            o.name: list(_draws_usd(o)) for o in v.cascade.outcomes if o.interval
        },
        "n_draws": _n_draws(v),
        "calibration": v.cascade.calibration,
        "min_buffer_survives": v.cascade.min_buffer_survives(),
        "n_accounts": len(v.exchange.positions),
        "october_2025_shock": _oct(v),
        "adl_start": v.cascade.adl_start,
        "fund_survival": v.survival,
        "fund_sizing": v.sizing,
        "breaks": v.cascade.breaks(BUFFERS),
        "worst_scenario": v.worst.name,
        "adl_scenario": v.cascade.adl_outcome.name,
        "adl": {
            r["policy"]: {k: x for k, x in r.items() if k != "policy"}
            for r in _adl_frame(v).to_dict(orient="records")
        },
        **v.pol,
    }


def section(ctx: ReportContext) -> Section:
    """Exchange stress on the estimated book: bad debt vs 6/10/14 % buffers, ADL policies."""
    v = compute(ctx)
    return assemble("solvency", prose(v), figures(v), tables(v), summary(v))
