"""Report section: liquidation map, heatmap and stop-loss clusters at the market date.

compute (library calls → :class:`LiqmapView`) → figures → prose.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._prices import price_range, price_text
from liqcascade.report._figures import vline
from liqcascade.report._format import num, pct, usd, usd_sig
from liqcascade.report._section import (
    Claim,
    Prose,
    ReportContext,
    Section,
    Table,
    assemble,
    with_caveats,
)
from liqcascade.report._units import (
    BINANCE_FEED,
    book_feed,
    book_share,
    feed_titles,
    qualifier,
)

LEVEL_USD: float = 4000.0
"""The round level the report examines ($4,000)."""


def _state(mb: Any, which: str = "") -> dict[str, Any]:
    """The market's book at one date (a :class:`liqcascade.market.MarketBook`) as the view's state.

    ``book`` is what the stops leave to liquidation and ``modelled`` the stops (with
    their components), as in :func:`liqcascade.market.estimated_market`.
    """
    return {
        "as_of": mb.as_of,
        "price": float(mb.price),
        "book": mb.positions,
        "whole": mb.whole,
        "modelled": mb.modelled,
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
    """Share of modelled stop notional just beyond the smallest round step at the price.

    The step is the stop model's smallest (:func:`liqcascade.positions.round_steps_used`
    at the price: $100 from a $1,000 price up, shrunk by decades below).
    """
    from liqcascade.positions import round_steps_used

    ms = state["modelled"]
    st = ms.stops
    usd = st.size * st.trigger
    tot = float(usd.sum())
    if tot <= 0:
        return {}
    sell = st.side < 0
    step = min(round_steps_used(np.array([state["price"]]))[0][0])
    # within 0.5 % beyond a multiple of the step: sell stops just below, buy stops just above
    up = np.ceil(st.trigger / step) * step
    dn = np.floor(st.trigger / step) * step
    near_round = np.where(sell, (up - st.trigger) <= 0.005 * up, (st.trigger - dn) <= 0.005 * dn)
    out = {
        "stops_total_usd": tot,
        "round_step_usd": step,
        "share_within_0p5pct_beyond_round_100": float(usd[near_round].sum() / tot),
        # a uniform spread would put 0.5 % × price / step of it there
        "share_expected_if_uniform": float(min(1.0, 0.005 * state["price"] / step)),
    }
    for k, name in enumerate(("fixed", "round", "swing", "atr")):
        out[f"component_{name}_share"] = float(usd[ms.component == k].sum() / tot)
    return out


@dataclass(frozen=True)
class LiqmapView:
    """The liquidation map at the market date, its heatmap, the $4,000 level, the stops."""

    as_of: pd.Timestamp
    state: dict[str, Any]
    map: Any  # LiquidationMap
    heatmap: Any  # Heatmap
    heatmap_days: int
    level_now: dict[str, float]
    level_above: dict[str, float]
    t_above: pd.Timestamp | None
    stops: dict[str, float]
    asset: str = "ETH"
    bands: dict[str, Any] = field(default_factory=dict)
    score: dict[str, Any] | None = None
    level_band: tuple[float, float] | None = None
    book_share: float = float("nan")  # the book's notional over aggregated open interest
    feed: tuple[str, str] = BINANCE_FEED  # whose feed the book's dollars are (book_feed)
    level_break: dict[str, Any] = field(default_factory=dict)  # :func:`_level_break`

    @property
    def price(self) -> float:
        """Price at the market date, USD."""
        return float(self.state["price"])

    @property
    def hhi_ratio(self) -> float:
        """HHI of the map over that of an even spread."""
        c = self.map.concentration
        return c.hhi / c.hhi_uniform if c.hhi_uniform else float("nan")

    def top5_share(self) -> float:
        """Share of the ±20 % notional in the five largest clusters."""
        tot = self.map.concentration.total_usd
        return float(self.map.clusters_frame().head(5)["notional_usd"].sum() / tot) if tot else 0.0


def _level_when_above(
    asset: str, last: pd.Timestamp
) -> tuple[pd.Timestamp | None, dict[str, float]]:
    """The $4,000 view at the last bar of the window that closed above it."""
    from liqcascade.report._data import series

    oi = series("open_interest", asset, "4h")
    closes = series("ohlcv", asset, "1h", start=oi.index[0], end=last)["close"]
    above = closes[closes >= LEVEL_USD]
    if not len(above):
        return None, {}
    from liqcascade.market import market_books

    t = oi.index[oi.index <= above.index[-1]][-1]
    view = _level_view(_state(market_books([t], asset=asset)[0]), LEVEL_USD)
    after = closes[(closes.index > t) & (closes.index <= t + pd.Timedelta(days=30))]
    view["low_next_30d"] = float(after.min()) if len(after) else float("nan")
    return t, view


def _level_break(asset: str, last: pd.Timestamp) -> dict[str, Any]:
    """The record when price first reached $4,000 in the open-interest window, to ``last``.

    The first hour whose high reached the level; the recorded short liquidations in the
    24 h from its 4-hour bar beside the median of every 24 h of the record (rolling six
    bars), both to the bars opened by ``last``; and whether the book of the last time
    above the level (:func:`_level_when_above`) was fitted on data that include it (its
    bar before the calibration's first fit month: in sample). Empty when price never
    reached the level or its 24 h run past ``last``.
    """
    from liqcascade._time import to_utc
    from liqcascade.positions import load_asset_calibration
    from liqcascade.report._data import series
    from liqcascade.report._section import _store

    first_fit = min(to_utc(f.month) for f in load_asset_calibration(asset, store=_store()).fits)
    out: dict[str, Any] = {"first_fit_month": f"{first_fit:%Y-%m}"}
    oi = series("open_interest", asset, "4h")
    bars = series("ohlcv", asset, "1h", start=oi.index[0], end=last)
    hit = bars.index[bars["high"] >= LEVEL_USD]
    liq = series("liquidations", asset, "4h")
    liq = liq[liq.index <= last]
    if not len(hit) or not len(liq):
        return out
    bar = hit[0].floor("4h")
    if bar + pd.Timedelta(hours=20) > last:  # its 24 h not recorded by the market date
        return out
    win = liq[(liq.index >= bar) & (liq.index < bar + pd.Timedelta(hours=24))]
    return out | {
        "first_high_above": hit[0].isoformat(),
        "recorded_short_24h_usd": float(win["short_usd"].sum()),
        "typical_short_24h_usd": float(liq["short_usd"].rolling(6).sum().median()),
        "recorded_by": liq,  # dropped from the summary: the frame names its source
    }


def _in_sample_words(v: LiqmapView) -> str:
    """`` (a book fitted on data that include that day: in sample)`` when it is."""
    first = v.level_break.get("first_fit_month")
    if v.t_above is None or first is None or v.t_above >= pd.Timestamp(first, tz="UTC"):
        return ""
    return f" (the {first} fit's book, trained on data that include that day: in sample)"


def _break_text(v: LiqmapView) -> str:
    """The record at the level's first break, and whether the last-time-above book is in sample."""
    from liqcascade.report._data_section import _recorded_by

    b = v.level_break
    if "first_high_above" not in b:
        return ""
    return (
        f" When {v.asset} first traded at $4,000 or above in the record "
        f"({pd.Timestamp(b['first_high_above']):%Y-%m-%d %H:%M} UTC), "
        f"{_recorded_by(b['recorded_by'])} recorded {usd(b['recorded_short_24h_usd'])} of short "
        f"liquidations in the 24 h from that 4-hour bar, against {usd(b['typical_short_24h_usd'])} "
        "in a typical 24 h of the record (the median); the market-wide amount is not "
        "identified."
    )


def compute(ctx: ReportContext) -> LiqmapView:
    """Map, heatmap and level views of the estimated book at the market date."""
    from liqcascade.positions import heatmap_from_books, liquidation_map

    last = ctx.last_oi_bar
    days = 14 if ctx.quick else 90
    # the market's book at each day of the heatmap; the last is the map's (one walk)
    times = [last - pd.Timedelta(days=k) for k in range(days, -1, -1)]
    books = ctx.market_books(times)  # shared with the transparency section
    state = _state(books[-1], ctx.market.sources.get("book_calibration", "identified book"))
    m = liquidation_map(
        state["book"], state["modelled"].stops, state["price"], bucket=0.005, range_=0.2,
        as_of=last,
    )  # fmt: skip
    from liqcascade.market import book_score, draw_maps, map_bands

    # the same map on each of the book's parameter draws: the band beside every figure
    maps = draw_maps(ctx.market, m)
    bands = map_bands(m, maps)
    eth = ctx.asset == "ETH"  # the $4,000 level is the commentary's ETH level
    hm = heatmap_from_books(
        [(b.as_of, b.positions, b.stops, b.price) for b in books], bucket=0.005, range_=0.2
    )
    t_above, lv_above = _level_when_above(ctx.asset, last) if eth else (None, {})
    return LiqmapView(
        as_of=last, state=state, map=m, heatmap=hm, heatmap_days=days,
        level_now=_level_view(state, LEVEL_USD) if eth else {}, level_above=lv_above,
        t_above=t_above, stops=_stop_geometry(state), asset=ctx.asset, bands=bands,
        score=score_at_date(ctx, book_score(ctx.market)),
        level_band=_level_band(maps) if eth else None,
        level_break=_level_break(ctx.asset, last) if eth else {},
    )  # fmt: skip


#: The scope of the book's score scored to the market date (the validation section's).
SCOPED = "scored to the market date"


def score_at_date(ctx: ReportContext, score: dict[str, Any] | None) -> dict[str, Any] | None:
    """The book's out-of-sample score a report at its date could know (the validation's).

    :func:`dated_score` with the validation section's back-test
    (:meth:`ReportContext.identified_score`, each month predicted by the fit before
    it), or why it has none (:meth:`ReportContext.no_identified_score`).
    """

    def outcome() -> Any:
        s = ctx.identified_score(ctx.asset)
        return s if s is not None else ctx.no_identified_score(ctx.asset)

    return dated_score(score, ctx.as_of, outcome)


def dated_score(
    score: dict[str, Any] | None, as_of: Any, outcome: Callable[[], Any]
) -> dict[str, Any] | None:
    """The stored score when it ends by ``as_of``; else the score to ``as_of``, or it flagged.

    Parameters
    ----------
    score : dict or None
        The book's stored out-of-sample score
        (:func:`liqcascade.market._mapband.book_score`).
    as_of : date-like
        The market date (a bare date: its whole day).
    outcome : callable
        Called only when ``score`` reads data after ``as_of``: the identified book's
        score over the months to ``as_of`` (an
        :class:`~liqcascade.report._section.IdentifiedScore`), or why there is none
        (a clause, :func:`liqcascade.report._section.score_outcome`).

    Returns
    -------
    dict or None
        ``score`` itself when its period ends by ``as_of``; else the score to the
        market date (scope :data:`SCOPED`) with ``score`` beside it as
        ``package_score`` (it reads later data); without one, ``score`` flagged
        ``reads_after_market_date`` with ``why_not_scored_to_date``.
    """
    from liqcascade._time import utc_end

    if score is None or utc_end(str(score["end"])[:10]) <= utc_end(as_of):
        return score
    s = outcome()
    if s is None or isinstance(s, str):
        return {**score, "reads_after_market_date": True, "why_not_scored_to_date": s}
    lo, hi = s.start.normalize(), s.end.normalize()
    diff = "range_baseline_corr_diff_daily"
    return {
        "corr_daily": s.corr_daily, "range_baseline_corr_daily": s.baseline_corr_daily,
        diff: s.diff_daily, f"{diff}_p05": s.diff_p05, f"{diff}_p95": s.diff_p95,
        "verdict": s.verdict, "start": f"{lo:%Y-%m-%d}", "end": f"{hi:%Y-%m-%d}",
        "days": (hi - lo).days + 1, "scope": SCOPED, "package_score": score,
    }  # fmt: skip


def score_text(score: dict[str, Any] | None) -> str:
    """The book's score in words; a stored score that reads later data is marked so."""
    from liqcascade.market import book_score_text

    return _first_upper(book_score_text(score)) + after_date_note(score)


def after_date_note(score: dict[str, Any] | None) -> str:
    """What follows the score's words when it or its package score reads later data.

    ``""`` for a score knowable at the market date with nothing beside it; for a
    stored score flagged ``reads_after_market_date`` (:func:`dated_score`), that it is
    not what was knowable then and why there is no score to the date; for a score to
    the market date, that the package score beside it reads later data.
    """
    if score is None:
        return ""
    if score.get("reads_after_market_date"):
        why = score.get("why_not_scored_to_date")
        return (
            " (it reads data after the market date: not what was knowable then"
            + (f"; no score to the market date: {why})" if why else ")")
        )  # fmt: skip
    w = score.get("package_score")
    if not isinstance(w, dict):
        return ""
    return (
        f". The {w.get('scope', 'package score')} ({w['start']} → {w['end']}: "
        f"{w['corr_daily']:.2f} vs {w['range_baseline_corr_daily']:.2f}) reads data after the "
        "market date: not what was knowable then"
    )


def _forced_buying(mm: Any) -> float:
    """Short liquidations and buy stops a rise to :data:`LEVEL_USD` triggers on map ``mm``."""
    short = mm.cumulative_usd(LEVEL_USD, "short_liq_usd")
    return float(short + mm.cumulative_usd(LEVEL_USD, "buy_stops_usd"))


def _level_band(maps: list[Any]) -> tuple[float, float] | None:
    """5th and 95th percentiles of :func:`_forced_buying` over the draws' maps (None without)."""
    if not maps:
        return None
    vals = [_forced_buying(mm) for mm in maps]
    return float(np.percentile(vals, 5)), float(np.percentile(vals, 95))


def figures(v: LiqmapView) -> list[Any]:
    """The map with the price and $4,000 labelled; the heatmap."""
    fig = v.map.plot()
    fig.layout.shapes = ()
    fig.update_layout(title=f"Liquidation map of the estimated book, {v.as_of:%Y-%m-%d}")
    level = v.asset == "ETH" and abs(LEVEL_USD / v.price - 1) <= 0.2
    # the two labels lean away from each other: a few per cent apart they would
    # overlap on a phone's narrow chart
    below = "top left" if level and LEVEL_USD > v.price else "top right"
    above = "top right" if below == "top left" else "top left"
    vline(fig, v.price, f"{v.asset} now {price_text(v.price)}", annotation_position=below)
    if level:
        vline(fig, LEVEL_USD, "$4,000", color="#CC79A7", annotation_position=above)
    feed_titles(fig, v.feed[0])
    if v.heatmap is None:
        return [fig]
    hm = v.heatmap.plot()
    hm.update_layout(
        title=f"Liquidation heatmap, last {v.heatmap_days} days (book re-estimated daily)"
    )
    clipped_top(hm)
    return [fig, feed_titles(hm, v.feed[0])]


def clipped_top(fig: Any) -> None:
    """A heatmap whose colour scale stops below its largest cell says so: ``"6.5+"``.

    The library clips the scale at the cells' 99th percentile (a few cells would wash
    the rest out); the colour bar's top tick then reads that value with a ``+``.
    """
    for t in fig.data:
        if t.type != "heatmap" or t.zmax is None:
            continue
        z = np.asarray(t.z, dtype=float)
        top = float(t.zmax)
        if not (np.isfinite(z).any() and np.nanmax(z) > top > 0):
            continue
        unit = float(10 ** np.floor(np.log10(top)))
        step = next(unit * k for k in (0.1, 0.2, 0.5, 1.0, 2.0) if top / (unit * k) <= 6)
        ticks = [x for x in np.arange(0.0, top, step) if x < top - 0.6 * step]
        t.colorbar.tickvals = [*ticks, top]
        t.colorbar.ticktext = [num(x, 3) for x in ticks] + [f"{num(top, 3)}+"]


def tables(v: LiqmapView) -> list[Table]:
    """The largest clusters within ±20 % of the price."""
    c = v.map.clusters_frame().head(8)
    t = pd.DataFrame(
        {
            "price": [price_text(x, v.price) for x in c["price"]],
            "range (USD)": [
                price_range(a, b, v.price)
                for a, b in zip(c["price_low"], c["price_high"], strict=True)
            ],
            "distance": [pct(d, signed=True) for d in c["distance"]],
            "notional (p05–p95 over draws)": _notional_bands(v, c["notional_usd"]),
            "liquidations": [usd(x) for x in c["long_liq_usd"] + c["short_liq_usd"]],
            "stops": [usd(x) for x in c["sell_stops_usd"] + c["buy_stops_usd"]],
        }
    )
    return [Table("Largest clusters (±20 % of the price)", t)]


def _notional_bands(v: LiqmapView, values: Any) -> list[str]:
    """Each cluster's notional with its band over the draws (same order as the map's)."""
    rows = v.bands.get("clusters", [])
    out = []
    for i, x in enumerate(values):
        row = rows[i] if i < len(rows) else {}
        out.append(usd_band(x, row.get("notional_usd_p05"), row.get("notional_usd_p95")))
    return out


def _claims(v: LiqmapView) -> list[Claim]:
    conc = v.map.concentration
    big = v.map.clusters[0] if v.map.clusters else None
    g = v.stops
    return [
        Claim(
            claim="Liquidations cluster at a few price levels (what liquidation heatmaps show)",
            computed=(
                f"Estimated book, {v.as_of:%Y-%m-%d}: HHI over 0.5 % buckets {conc.hhi:.3f}, "
                f"{v.hhi_ratio:.1f}× an even spread; five largest clusters "
                f"{pct(v.top5_share(), 0)} of the ±20 % notional"
                + (
                    f"; largest {price_text(big.price, v.price)} ({pct(big.distance, signed=True)})"
                    if big
                    else ""
                )
                + ". Part of the bunching is the estimate's own (one cohort per opening bar)."
            ),
            front=(
                f"Model only: the estimated book's five largest clusters hold "
                f"{pct(v.top5_share(), 0)} of the ±20 % notional ({v.hhi_ratio:.1f}× an even "
                "spread by HHI); no record by price level to check it."
            ),
            # the bunching is the estimated book's: a claim on the model alone (README's rule)
            verdict="not testable with these data",
            would_test=(
                "liquidations recorded by price level on every venue (or position-level data "
                "with liquidation prices), to see whether the recorded ones bunch as the "
                "estimated book does."
            ),
        ),
        Claim(
            claim="Stop-losses bunch near support levels and just beyond round numbers",
            computed=(
                "Only the stop model speaks: "
                f"{pct(g.get('share_within_0p5pct_beyond_round_100'), 0)} "
                "of modelled stops sit within 0.5 % beyond a "
                f"{price_text(g.get('round_step_usd', 100.0))} multiple (even spread: "
                f"{pct(g.get('share_expected_if_uniform'), 0)}) because the model puts them there."
            ),
            front=(
                f"Model only: {pct(g.get('share_within_0p5pct_beyond_round_100'), 0)} of "
                "modelled stops sit just beyond a round number (even spread: "
                f"{pct(g.get('share_expected_if_uniform'), 0)}) because the model puts them there."
            ),
            verdict="not testable with these data",
            would_test=(
                "resting stop orders by price from an exchange (order-level data), or fills "
                "just beyond round numbers in tick-level trades."
            ),
        ),
    ]


def _steps_text(v: LiqmapView) -> str:
    """The round steps the stop model used on the book's entries (by notional)."""
    from liqcascade.positions import round_steps_text

    whole = v.state["whole"]
    return round_steps_text(whole.entry_price, whole.size * whole.entry_price)


def _first_upper(text: str) -> str:
    """``text`` with its first letter upper-case and its minus signs typeset ("−0.005")."""
    return re.sub(r"(?<![\w.])-(?=\d)", "−", text[:1].upper() + text[1:])


def _sig3(x: float) -> str:
    """``x`` to 3 significant figures, trailing zeros kept: ``18.0``, ``0.455``, ``125``."""
    if x == 0:
        return "0"
    return f"{x:,.{max(0, 2 - math.floor(math.log10(abs(x))))}f}"


def usd_band(value: float, p05: float | None, p95: float | None) -> str:
    """``"$22.5 M (18.0–25.6 M)"``: an amount and its band, 3 significant figures, one scale.

    The figures of :func:`~liqcascade.market._mapband.value_band_text` (the CLI's text,
    whose units are ``k`` / ``M`` / ``B``) in the page's money scale: in millions when
    any of the three reads in millions (``$1.35 M (0.455–5.11 M)``, where the CLI writes
    ``0.455`` as ``455 k``), else in dollars (``$383,000 ($200,000–$512,000)``). Without
    a band, or nothing on any draw, the amount alone.

    >>> usd_band(1.35e6, 455_000.0, 5.11e6), usd_band(382_824.4, 2e5, 512_345.0)
    ('$1.35 M (0.455–5.11 M)', '$383,000 ($200,000–$512,000)')
    """
    from liqcascade.market import value_band_text

    if value is None or not math.isfinite(float(value)):
        return "–"
    band = p05 is not None and p95 is not None and not (value == p05 == p95 == 0)
    xs = [float(value)] + ([float(p05), float(p95)] if band else [])  # type: ignore[arg-type]
    top = max(abs(float(f"{x:.3g}")) for x in xs)
    if top >= 1e9:  # beyond the book's scale: the library's text, its B unit
        return "$" + value_band_text(value, p05, p95)
    if top < 1e6:
        d = [usd_sig(x) for x in xs]
        return d[0] + (f" ({d[1]}–{d[2]})" if band else "")
    m = [_sig3(x / 1e6) for x in xs]
    return f"${m[0]} M" + (f" ({m[1]}–{m[2]} M)" if band else "")


def prose(v: LiqmapView) -> Prose:
    """Takeaways, method and claims."""
    from liqcascade.market import MAP_LEVELS

    d, b = v.map.to_dict(MAP_LEVELS), v.bands
    note = b.get("band", {}).get("note")

    def band(kind: str, level: str) -> str:
        key = f"cumulative_{kind}"
        return usd_band(
            d[key][level], b.get(f"{key}_p05", {}).get(level), b.get(f"{key}_p95", {}).get(level)
        )

    def total(kind: str) -> str:
        return usd_band(
            d["totals"][kind], b.get("totals_p05", {}).get(kind), b.get("totals_p95", {}).get(kind)
        )

    over = (
        f"({note})" if note else f"(p05–p95 over the book's {b['band']['n_draws']} parameter draws)"
    )
    take = [
        f"At {v.as_of:%Y-%m-%d %H:%M} UTC ({v.asset} {price_text(v.price)}), the estimated book "
        f"would liquidate {band('long_liq_usd', '-0.10')} of longs on a 10 % fall and "
        f"{band('short_liq_usd', '0.10')} of shorts on a 10 % rise {over}; modelled stops "
        f"add {total('sell_stops_usd')} of sell and {total('buy_stops_usd')} of buy stops "
        f"within ±20 %. The book's size is the least pinned-down part of the estimate: read "
        f"the band, not the point. {score_text(v.score)}.",
        f"The five largest clusters hold {pct(v.top5_share(), 0)} of the notional within ±20 % "
        f"(HHI {v.hhi_ratio:.1f}× an even spread).",
        qualifier(v.asset, v.book_share, v.feed[1]),
    ]
    la = v.level_above
    if v.asset == "ETH":
        lb = v.level_band
        take.append(
            f"A rise to $4,000 ({pct(LEVEL_USD / v.price - 1, signed=True)}) would trigger "
            + usd_band(_forced_buying(v.map), *(lb if lb else (None, None)))
            + " of short liquidations and buy stops"
            + (
                f"; when ETH last traded above $4,000 ({v.t_above:%Y-%m-%d}) the book held "
                f"{usd(la['long_liq_10pct_below_level_usd'])} of long liquidations within 10 % "
                f"below it{_in_sample_words(v)}, and price fell to {usd(la['low_next_30d'])} "
                "within 30 days."
                if la and v.t_above is not None
                else "."
            )
            + _break_text(v)
        )
    method = [
        "Amounts are USD notional at the trigger: size × liquidation price for positions, "
        "size × trigger for stops; the book is the market's identified book (the one every "
        "cascade, stress and solvency figure uses): the Binance share of aggregated open "
        "interest, fitted to recorded liquidations on data before each month; the stops take "
        "their share of each position, liquidation the rest.",
        "Stop model: 35 % of each position's size on stops, split fixed 2/5/10 % (30 %), just "
        f"beyond round-number levels (25 %: here {_steps_text(v)}), just beyond the nearest "
        "7-day swing low/high (25 %), 1.5/2/3 × ATR (the 14-bar average true range of 4-hour "
        "bars; 20 %); stops beyond the liquidation price or already traded through are "
        "dropped. The round steps are $100/$500/$1,000 from a $1,000 entry up and shrink by "
        "decades below it (never grow above): they depend on the price level, so the same "
        "book in another unit of account gets other stops. Stop placement is a model: no "
        "public data records it.",
        f"Heatmap: the market's book at each day's last 4-hour bar over the last "
        f"{v.heatmap_days} days (one walk per monthly fit; each day's book is the one the "
        "market holds that day).",
    ]
    return Prose(take, method, _claims(v))


def summary(v: LiqmapView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    m, book = v.map, v.state["book"]
    from liqcascade.market import MAP_LEVELS

    d = m.to_dict(MAP_LEVELS)  # the bands' levels
    opened = book.opened_ms[book.opened_ms >= 0]
    return {
        "as_of": v.as_of.isoformat(),
        "price": v.price,
        "estimation_parameters": v.state["params"],
        "n_positions": len(book),
        "whole_book_usd": float((v.state["whole"].size * v.price).sum()),
        "n_stops": len(v.state["modelled"].stops),
        **{k: x for k, x in m.summary().items() if k != "price"},
        "cumulative_long_liq_usd": d["cumulative_long_liq_usd"],
        "cumulative_short_liq_usd": d["cumulative_short_liq_usd"],
        "bands": {k: x for k, x in v.bands.items() if k != "clusters"},
        "cluster_bands": v.bands.get("clusters", []),
        "level_4000_forced_buying_band": None if v.level_band is None else list(v.level_band),
        "out_of_sample": v.score,
        "top5_clusters_share": v.top5_share(),
        "largest_clusters": m.clusters_frame().head(8).to_dict(orient="records"),
        "stops": {**v.state["modelled"].summary(), **v.stops},
        "level_4000_at_last_date": v.level_now,
        "level_4000_last_time_above": None if v.t_above is None else v.t_above.isoformat(),
        "level_4000_when_above": v.level_above,
        "level_4000_first_break": {k: x for k, x in v.level_break.items() if k != "recorded_by"},
        "heatmap": None if v.heatmap is None else v.heatmap.summary(),
        "heatmap_days": v.heatmap_days,
        "oldest_open_cohort": (
            pd.Timestamp(int(opened.min()), unit="ms", tz="UTC").isoformat()
            if opened.size
            else None
        ),
    }


def section(ctx: ReportContext) -> Section:
    """The liquidation map and heatmap of the estimated book with modelled stops."""
    v = replace(compute(ctx), book_share=book_share(ctx), feed=book_feed(ctx))  # units line
    return with_caveats(assemble("liqmap", prose(v), figures(v), tables(v), summary(v)), ctx)
