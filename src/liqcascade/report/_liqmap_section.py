"""Report section: liquidation map, heatmap and stop-loss clusters at the last bundled date."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.report._section import Claim, ReportContext, Section

LEVEL_USD: float = 4000.0
"""The round level the report examines ($4,000)."""


def _state(asset: str, as_of: pd.Timestamp, book: Any = None, which: str = "") -> dict[str, Any]:
    """Estimated book, modelled stops (with components), price and parameters at ``as_of``."""
    from liqcascade.positions import default_stop_prices, model_stops_detailed
    from liqcascade.positions._maps import estimate_at

    if book is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            book, which = estimate_at(as_of, asset=asset)
    bars = default_stop_prices(asset, as_of=as_of)
    ms = model_stops_detailed(book, bars, as_of)
    return {
        "as_of": as_of,
        "price": float(bars["close"].iloc[-1]),
        "book": book,
        "modelled": ms,
        "params": which,
    }


def _level_view(state: dict[str, Any], level: float) -> dict[str, float]:
    """Forced orders around ``level`` (USD at the trigger).

    Long liquidations and sell stops priced below ``level`` (all of them, and those
    within 10 % below it), and, if the level is above the price, the short
    liquidations and buy stops a rise to it would trigger.
    """
    book, st, p = state["book"], state["modelled"].stops, state["price"]
    lq = book.liq_price
    lg = (book.side == 1) & np.isfinite(lq) & (lq > 0)
    sh = (book.side == -1) & np.isfinite(lq)
    usd = book.size * np.where(np.isfinite(lq), lq, 0.0)
    s_usd = st.size * st.trigger
    sell, buy = st.side < 0, st.side > 0
    out: dict[str, float] = {
        "price": p,
        "long_liq_below_level_usd": float(usd[lg & (lq < level)].sum()),
        "sell_stops_below_level_usd": float(s_usd[sell & (st.trigger < level)].sum()),
        "long_liq_10pct_below_level_usd": float(usd[lg & (lq < level) & (lq >= 0.9 * level)].sum()),
        "sell_stops_10pct_below_level_usd": float(
            s_usd[sell & (st.trigger < level) & (st.trigger >= 0.9 * level)].sum()
        ),
    }
    if level > p:
        out["forced_buying_to_level_usd"] = float(
            usd[sh & (lq > p) & (lq <= level)].sum()
            + s_usd[buy & (st.trigger > p) & (st.trigger <= level)].sum()
        )
    return out


def _stop_geometry(state: dict[str, Any]) -> dict[str, float]:
    """Share of modelled stop notional just beyond a round $100 level / a swing level."""
    ms = state["modelled"]
    st = ms.stops
    usd = st.size * st.trigger
    tot = float(usd.sum())
    if tot <= 0:
        return {}
    sell = st.side < 0
    # within 0.5 % beyond a multiple of $100: sell stops just below, buy stops just above
    up = np.ceil(st.trigger / 100.0) * 100.0
    dn = np.floor(st.trigger / 100.0) * 100.0
    near_round = np.where(sell, (up - st.trigger) <= 0.005 * up, (st.trigger - dn) <= 0.005 * dn)
    out = {
        "stops_total_usd": tot,
        "share_within_0p5pct_beyond_round_100": float(usd[near_round].sum() / tot),
        # a uniform spread would put 0.5 % × price / $100 of it there
        "share_expected_if_uniform": float(min(1.0, 0.005 * state["price"] / 100.0)),
    }
    for k, name in enumerate(("fixed", "round", "swing", "atr")):
        out[f"component_{name}_share"] = float(usd[ms.component == k].sum() / tot)
    return out


def _map_figure(m: Any, price: float) -> Any:
    """The liquidation map with the current price and the $4,000 level labelled."""
    from liqcascade.report._figures import vline

    fig = m.plot()
    fig.layout.shapes = ()
    vline(fig, price, f"ETH now ${price:,.0f}")
    if abs(LEVEL_USD / price - 1) <= 0.2:
        vline(fig, LEVEL_USD, "$4,000", color="#CC79A7")
    return fig


def section(ctx: ReportContext) -> Section:
    """The liquidation map and heatmap of the estimated book with modelled stops."""
    from liqcascade import datasets
    from liqcascade.positions import heatmap, liquidation_map

    asset = "ETH"
    oi = datasets.load_open_interest()
    last = oi.index[-1]
    state = _state(asset, last, ctx.estimated_book, ctx.estimated_book_params)
    book, ms, price = state["book"], state["modelled"], state["price"]
    m = liquidation_map(book, ms.stops, price, bucket=0.005, range_=0.2, as_of=last)
    days = 14 if ctx.quick else 90
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        hm = heatmap(last - pd.Timedelta(days=days), last, asset=asset)

    # $4,000: at the last date, and at the last bar of the window that closed above it
    lv_last = _level_view(state, LEVEL_USD)
    bars4h = datasets.load_ohlcv(asset, "1h", start=oi.index[0], end=last)["close"]
    above = bars4h[bars4h >= LEVEL_USD]
    lv_above: dict[str, float] = {}
    t_above = None
    if len(above):
        t_above = oi.index[oi.index <= above.index[-1]][-1]
        st_above = _state(asset, t_above)
        lv_above = _level_view(st_above, LEVEL_USD)
        after = bars4h[bars4h.index > t_above]
        lv_above["low_next_30d"] = float(
            after[after.index <= t_above + pd.Timedelta(days=30)].min()
        )

    s = m.summary()
    conc = m.concentration
    geom = _stop_geometry(state)
    clusters = m.clusters_frame().head(8)
    table = pd.DataFrame(
        {
            "price (USD)": clusters["price"].round(0),
            "range (USD)": [
                f"{a:,.0f}–{b:,.0f}"
                for a, b in zip(clusters["price_low"], clusters["price_high"], strict=True)
            ],
            "distance": [f"{d:+.1%}" for d in clusters["distance"]],
            "notional (M USD)": (clusters["notional_usd"] / 1e6).round(1),
            "liquidations (M USD)": (
                (clusters["long_liq_usd"] + clusters["short_liq_usd"]) / 1e6
            ).round(1),
            "stops (M USD)": ((clusters["sell_stops_usd"] + clusters["buy_stops_usd"]) / 1e6).round(
                1
            ),
        }
    )
    top5_share = float(m.clusters_frame().head(5)["notional_usd"].sum() / conc.total_usd)
    summary: dict[str, Any] = {
        "as_of": last.isoformat(),
        "price": price,
        "estimation_parameters": state["params"],
        "n_positions": len(book),
        "n_stops": len(ms.stops),
        **{k: v for k, v in s.items() if k != "price"},
        "cumulative_long_liq_usd": m.to_dict()["cumulative_long_liq_usd"],
        "cumulative_short_liq_usd": m.to_dict()["cumulative_short_liq_usd"],
        "cumulative_sell_stops_usd": m.to_dict()["cumulative_sell_stops_usd"],
        "top5_clusters_share": top5_share,
        "largest_clusters": clusters.to_dict(orient="records"),
        "stops": {**ms.summary(), **geom},
        "level_4000_at_last_date": lv_last,
        "level_4000_last_time_above": None if t_above is None else t_above.isoformat(),
        "level_4000_when_above": lv_above,
        "heatmap": hm.summary(),
        "heatmap_days": days,
    }
    hhi_ratio = conc.hhi / conc.hhi_uniform if conc.hhi_uniform else float("nan")
    big = m.clusters[0] if m.clusters else None
    big_txt = (
        f"The largest cluster sits at ${big.price:,.0f} ({big.distance:+.1%}), "
        f"${big.notional_usd / 1e6:,.1f} M; {conc.share_near_largest_cluster:.1%} of the "
        f"in-range notional lies within ±0.5 % of it, and the five largest clusters hold "
        f"{top5_share:.0%}. "
        if big
        else "The map has no cluster. "
    )
    lvl_txt = (
        f"A rise to $4,000 ({LEVEL_USD / price - 1:+.1%}) would trigger "
        f"${lv_last.get('forced_buying_to_level_usd', 0.0) / 1e6:,.1f} M of short liquidations "
        f"and buy stops; below $4,000 the map holds "
        f"${lv_last['long_liq_below_level_usd'] / 1e6:,.1f} M of long liquidations and "
        f"${lv_last['sell_stops_below_level_usd'] / 1e6:,.1f} M of sell stops. "
    )
    if lv_above and t_above is not None:
        lvl_txt += (
            f"The last time ETH closed an hour above $4,000 in the window ({t_above:%Y-%m-%d}), "
            f"the estimated book held ${lv_above['long_liq_10pct_below_level_usd'] / 1e6:,.1f} M "
            f"of long liquidations and "
            f"${lv_above['sell_stops_10pct_below_level_usd'] / 1e6:,.1f} M of sell stops within "
            f"10 % below $4,000; price then fell to ${lv_above['low_next_30d']:,.0f} within 30 "
            f"days. "
        )
    opened = book.opened_ms[book.opened_ms >= 0]
    oldest = (
        f", the oldest opened {pd.Timestamp(int(opened.min()), unit='ms', tz='UTC'):%Y-%m-%d}"
        if opened.size
        else ""
    )
    summary["oldest_open_cohort"] = (
        pd.Timestamp(int(opened.min()), unit="ms", tz="UTC").isoformat() if opened.size else None
    )
    finding = (
        f"At the last bundled bar ({last:%Y-%m-%d %H:%M} UTC, ETH ${price:,.0f}) the estimated "
        f"book ({state['params']} parameters; {len(book)} open cohorts, Binance share{oldest}) "
        f"would liquidate "
        f"${s['long_liq_within_5%_usd'] / 1e6:,.1f} M of longs on a 5 % fall and "
        f"${s['long_liq_within_10%_usd'] / 1e6:,.1f} M on a 10 % fall, and "
        f"${s['short_liq_within_5%_usd'] / 1e6:,.1f} M / "
        f"${s['short_liq_within_10%_usd'] / 1e6:,.1f} M of shorts on a 5 % / 10 % rise. "
        f"Modelled stops add ${s['sell_stops_usd'] / 1e6:,.1f} M of sell stops and "
        f"${s['buy_stops_usd'] / 1e6:,.1f} M of buy stops within ±20 %. "
        + big_txt
        + (
            f"The Herfindahl index over 0.5 % buckets is {conc.hhi:.3f}, {hhi_ratio:.1f}× that "
            f"of an even spread ({conc.hhi_uniform:.4f}). Part of that bunching is the "
            "method's own: the book has one cohort per opening bar and leverage bucket, so "
            "each bar's open interest lands on a handful of liquidation prices. "
            if np.isfinite(hhi_ratio)
            else "The map holds no notional within ±20 %. "
        )
        + lvl_txt
        + "Stop placement is a model, not an observation: no public data records where "
        "crypto stops rest."
    )
    claims = [
        Claim(
            claim="Liquidations cluster at a few price levels (what liquidation heatmaps show)",
            computed=(
                f"estimated book at {last:%Y-%m-%d}: HHI over 0.5 % buckets {conc.hhi:.3f} vs "
                f"{conc.hhi_uniform:.4f} for an even spread ({hhi_ratio:.1f}×); largest cluster "
                + (
                    f"${big.price:,.0f} ({big.distance:+.1%}) holds "
                    f"{conc.share_near_largest_cluster:.1%} within ±0.5 %; "
                    if big
                    else "none; "
                )
                + f"five largest clusters {top5_share:.0%} of ±20 % notional"
            ),
            verdict="partly supported" if hhi_ratio > 2 else "not supported",
        ),
        Claim(
            claim="Stop-losses bunch near support levels and just beyond round numbers",
            computed=(
                f"modelled, not observed (Osler 2003, FX): "
                f"{geom.get('share_within_0p5pct_beyond_round_100', float('nan')):.0%} of "
                f"modelled stop notional sits within 0.5 % beyond a $100 multiple (an even "
                f"spread would give {geom.get('share_expected_if_uniform', float('nan')):.0%}); "
                f"swing-level stops {geom.get('component_swing_share', float('nan')):.0%} of "
                "the stop notional. No public crypto stop-order data to test it."
            ),
            verdict="not testable with these data",
            would_test=(
                "resting stop orders by price from an exchange (order-level data), or the "
                "fills just beyond round numbers in tick-level trades."
            ),
        ),
    ]
    notes = [
        "Amounts are USD notional at the trigger: size × liquidation price for positions, "
        "size × trigger for stops; the book is the estimated Binance share of aggregated open "
        "interest.",
        "Stop model: 35 % of each position's size on stops, split fixed 2/5/10 % (30 %), just "
        "beyond $100/$500/$1,000 levels (25 %), just beyond the nearest 7-day swing low/high "
        "(25 %), 1.5/2/3 × ATR(14, 4 h) (20 %); stops beyond the liquidation price or already "
        "traded through are dropped.",
        f"Heatmap: the estimated book re-estimated daily over the last {days} days.",
    ]
    return Section(
        id="liqmap",
        title="Where liquidations and stops cluster",
        finding=finding,
        figures=[_map_figure(m, price), hm.plot()],
        tables=[("Largest clusters (±20 % of the price)", table)],
        summary=summary,
        claims=claims,
        notes=notes,
    )
