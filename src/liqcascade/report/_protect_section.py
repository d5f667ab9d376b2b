"""Report section: placing stops that don't join the stampede.

compute (library calls → :class:`ProtectView`) → figures → prose. The section runs once per
asset of the report (ETH, BTC): the recommendation on that asset's estimated market at the
as-of date, the policy back-test on its own hourly bars (entries whose 5-day horizon ends
by the as-of date when one is given).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from liqcascade._plotly_text import plain
from liqcascade._prices import percent_text, price_decimals, price_range, price_text, quantity_text
from liqcascade.report._format import estimate, pct, pp, usd
from liqcascade.report._names import display_name
from liqcascade.report._section import Claim, Prose, ReportContext, Section, Table, assemble


def _pct(x: Any) -> str:
    return pct(x, 2)


def _policy_means(table: pd.DataFrame) -> pd.DataFrame:
    """Per policy: trade-weighted stop-out rate, loss on a stop, slippage; summed return."""
    from liqcascade.protect import policy_means

    return policy_means(table)


ETH_SIZE = 10.0
"""The sample position of the ETH section, ETH (10 ETH at 10×)."""

SAMPLE_NOTIONAL_USD = 37_000.0
"""The sample position of every other asset, USD notional (10 ETH at ETH's price of the
default market date, 2025-07-31, rounded; a fixed dollar amount, so no asset's section
reads another asset's price)."""

LEVERAGE = 10.0
"""Leverage of the sample position, every asset."""


def position_size(asset: str, mid: float) -> float:
    """The sample position's size in ``asset`` units.

    ETH's is 10 ETH. Another asset's is :data:`SAMPLE_NOTIONAL_USD` at its own price
    ``mid`` (USD), rounded to three significant digits.
    """
    if asset == "ETH":
        return ETH_SIZE
    return float(f"{SAMPLE_NOTIONAL_USD / mid:.3g}")


def backtest_range(quick: bool, as_of: Any, horizon_days: int) -> tuple[Any, Any]:
    """Entry range of the back-test: every trade (entry + horizon) ends by ``as_of``.

    Without an as-of date: 2020 (quick: 2025-06) to 2025-12-31, as before. With one: the
    last entry day is :func:`liqcascade.protect.last_entry_day` (the day, UTC midnight, of
    ``horizon_days`` and one bar before its end; the rule of
    :func:`liqcascade.protect.declustering_backtest` too), as ``liqcascade stops backtest
    --end DAY`` reads a bare day (its 00:00 UTC), so the report's sample is the one of the
    command it prints (:func:`backtest_command`); quick runs the 7 months before that,
    from a midnight too.
    """
    from liqcascade.protect import last_entry_day

    if as_of is None:
        return ("2025-06-01" if quick else "2020-01-01"), "2025-12-31"
    last = last_entry_day(as_of, horizon_days)
    return (last - pd.Timedelta(days=213) if quick else pd.Timestamp("2020-01-01", tz="UTC")), last


def backtest_command(asset: str, start: Any, end: Any, n_random: int) -> str:
    """The ``liqcascade stops backtest`` command that draws the report's sample.

    ``start``, ``end``: the entry days the report passed to
    :func:`liqcascade.protect.backtest_stops` (UTC midnights or bare dates);
    ``n_random``: its random entries per side (the command's default, 500, left out).
    """
    from liqcascade.protect import BacktestSettings

    days = f"--start {pd.Timestamp(start):%Y-%m-%d} --end {pd.Timestamp(end):%Y-%m-%d}"
    more = "" if n_random == BacktestSettings().n_random else f" --n-random {n_random}"
    return f"liqcascade stops backtest --asset {asset} {days}{more}"


@dataclass(frozen=True)
class ProtectView:
    """Stop recommendations at the market date and the back-test of stop policies."""

    asset: str
    state: Any  # MarketState
    long: Any  # StopRecommendation
    short: Any
    backtest: Any  # StopBacktest, None when the library could not read the asset's bars
    backtest_skipped: str = ""  # why the back-test did not run
    crowd: dict[str, Any] | None = None  # protect.declustering_verdict of the back-test
    scaling: dict[str, Any] | None = None  # policy_difference of vol against fixed
    command: str = ""  # the ``stops backtest`` command that draws the back-test's sample

    def means(self) -> dict[str, dict[str, float]]:
        """Per policy: trade-weighted stop-out rate, loss, slippage, summed return."""
        if self.backtest is None:
            return {}
        m = _policy_means(self.backtest.table).set_index("policy")
        return {str(p): dict(m.loc[p].to_dict()) for p in m.index}


def compute(ctx: ReportContext) -> ProtectView:
    """Recommend stops on ``ctx.asset``'s estimated market; back-test them on its hourly bars."""
    from liqcascade.errors import InputError
    from liqcascade.protect import (
        BacktestSettings,
        backtest_stops,
        declustering_verdict,
        recommend_stop,
    )

    a = ctx.asset
    state = ctx.market
    entry = round(state.mid, max(2, price_decimals(state.mid)))  # >= 4 significant figures
    size = position_size(a, entry)
    settings = BacktestSettings(n_random=60) if ctx.quick else BacktestSettings()
    start, end = backtest_range(ctx.quick, ctx.as_of, settings.horizon_days)
    first = _first_hour(a)  # BTC's hourly bars begin in 2021-04
    start = max(pd.Timestamp(start, tz="UTC") if isinstance(start, str) else start, first)

    def both(verdict: str | None, reach: float | None) -> tuple[Any, Any]:
        """The long's and the short's stops, chosen by the crowd verdict and its reach."""
        levels = {"long": 21 if ctx.quick else 61, "short": 11 if ctx.quick else 31}
        long, short = (
            recommend_stop(
                side,
                entry,
                size,
                LEVERAGE,
                state=state,
                n_levels=n,
                crowd_verdict=verdict,
                crowd_reach=reach,
            )
            for side, n in levels.items()
        )
        return long, short

    chosen = both(*stop_choice_backtest(a, state))  # the rule and sample of `stops recommend`
    try:
        bt = backtest_stops(start=start, end=end, settings=settings, asset=a)
    except InputError as exc:  # the back-test reads only the bars the library can load
        return ProtectView(a, state, *chosen, None, str(exc))
    crowd = declustering_verdict(bt)
    return ProtectView(
        a,
        state,
        *chosen,
        bt,
        crowd=crowd,
        scaling=policy_difference(bt, "vol", "fixed"),
        command=backtest_command(a, start, end, settings.n_random),
    )


def stop_choice_verdict(asset: str, state: Any) -> str | None:
    """The verdict of :func:`stop_choice_backtest` alone."""
    return stop_choice_backtest(asset, state)[0]


def stop_choice_backtest(asset: str, state: Any) -> tuple[str | None, float | None]:
    """The verdict that picks the raw or the moved stop: ``liqcascade stops recommend``'s.

    :func:`liqcascade.protect.declustering_backtest` at the market's close (its trades
    all closed by then, default settings), as the command passes it to
    :func:`~liqcascade.protect.recommend_stop`: the section's stop is the command's for
    the same position and market, quick or not. The section's own back-test (its
    range, its quick sample) is what it shows; its random entries differ (a later
    start, fewer in a quick run), so its verdict may differ and must not pick the stop.
    None (the move kept, unchecked, as the command does) when the back-test cannot run.
    Beside it the verdict's reach (``move_reach``: the largest share of its distance a
    moved stop gave up in that back-test), which the command passes too; None with no
    back-test.
    """
    from liqcascade.errors import InputError
    from liqcascade.protect import declustering_backtest

    try:
        cb = declustering_backtest(asset, state.close_time or state.as_of)
    except InputError:
        return None, None
    return str(cb["verdict"]), cb.get("move_reach")


def _first_hour(asset: str) -> pd.Timestamp:
    """The first day after ``asset``'s first bundled hourly bar (UTC midnight)."""
    from liqcascade.report._data import series

    return pd.Timestamp(series("ohlcv", asset, "1h").index[0]).ceil("1D")


def figures(v: ProtectView) -> list[Any]:
    """The recommendation on the slippage profile; the policies' equity curves."""
    rec = _stop_figure(v)
    if v.backtest is None:
        return [rec]
    bt = v.backtest.plot()
    bt.for_each_trace(lambda t: t.update(name=display_name("stop", t.name)))
    bt.update_layout(
        title=f"{plain(v.asset)}: stop policies on the real hourly path, summed returns"
    )
    return [rec, bt]


SLIPPAGE_AXIS_MIN = 0.5
"""Least top of the stop figure's slippage axis, percent of the stop price. A stop sits
several percent from the mid (7.5 % for ETH's 10× long); an axis cut at the profile's own
peak (0.08 %) made a negligible slippage look like a cliff."""


def _stop_figure(v: ProtectView) -> Any:
    """The long's expected slippage from the mid to the liquidation price, its stops marked.

    The profile runs from the mid (where the stop is laid off from, as ``stops
    recommend`` does) to the cap (the farthest a stop may sit, a set share of the way
    from the mid to the liquidation price); the axis runs on to the liquidation price,
    the span beyond the cap shaded. The mid (the sample position's entry: the report
    enters at the mid), the raw and recommended stops and the liquidation price are
    lines named in the legend with their prices (labels on the lines overlapped: the two
    stops sit 7 px apart).
    """
    import plotly.graph_objects as go

    r = v.long
    f = r.levels
    slip = 100 * f["slippage"].to_numpy(float)
    top = max(SLIPPAGE_AXIS_MIN, 1.2 * float(slip.max()) if slip.size else 0.0)
    fig = go.Figure()
    fig.add_scatter(x=f["price"], y=slip, mode="lines", name="expected slippage",
                    line={"color": "#0072B2", "width": 2},
                    hovertemplate="stop at $%{x:,.2f}: %{y:.3f} % of the stop price"
                    "<extra></extra>")  # fmt: skip
    cap = float(f["price"].iloc[-1]) if len(f) else r.liq_price
    if len(f) and abs(cap - r.liq_price) > 1e-9 * r.entry:
        fig.add_vrect(x0=min(cap, r.liq_price), x1=max(cap, r.liq_price), fillcolor="#999999",
                      opacity=0.18, line_width=0, layer="below", showlegend=True,
                      name="no stop here: past the cap toward liquidation")  # fmt: skip
    marks = (
        (r.liq_price, "liquidation", "#D55E00", "solid"),
        (r.raw_stop_price, "raw stop", "#999999", "dot"),
        (r.stop_price, "recommended stop", "#009E73", "dash"),
        (r.entry, "mid (entry)", "#1d2733", "longdash"),
    )
    for x, name, colour, dash in marks:
        if not (x > 0):
            continue
        label = f"{name} {price_text(x, r.entry)}"
        fig.add_scatter(x=[x, x], y=[0, top], mode="lines", name=label,
                        line={"color": colour, "dash": dash, "width": 1.6},
                        hovertemplate=label + "<extra></extra>")  # fmt: skip
    lo, hi = sorted((r.liq_price if r.liq_price > 0 else cap, r.entry))
    pad = 0.02 * (hi - lo)
    peak = _peak_text(float(slip.max()) / 100) if slip.size else "n/a"
    fig.update_layout(
        title=f"{plain(v.asset)}: where a {LEVERAGE:.0f}× long's stop goes, "
        f"{v.state.as_of:%Y-%m-%d}: expected slippage by stop level, {peak} of the stop price "
        "anywhere from the mid to the cap (cascade engine)",
        xaxis={"title": {"text": "stop price (USD)"}, "range": [lo - pad, hi + pad]},
        yaxis={"title": {"text": "expected slippage (% of the stop price)"}, "range": [0, top]},
        height=380,
    )
    return fig


def _peak_text(x: float) -> str:
    """The profile's largest slippage (a fraction) in words: ``at most 0.08 %``.

    >>> _peak_text(0.00077), _peak_text(0.00000412), _peak_text(0.0)
    ('at most 0.08 %', 'under 0.01 %', '0 %')
    """
    if x <= 0:
        return "0 %"
    return "under 0.01 %" if x < 0.00005 else f"at most {pct(x, 2)}"


POLICY_COLUMNS: dict[str, str] = {
    "stop_outs": "stop-outs (% of trades)",
    "stop_outs_lo": "stop-outs, Wilson 90 % low (%)",
    "stop_outs_hi": "stop-outs, Wilson 90 % high (%)",
    "avg_loss_on_stop": "loss on a stop (% of entry)",
    "avg_slippage": "slippage (% of the stop price)",
    "total_return": "summed return (% of one entry's notional)",
    "mean_return": "mean return (% of entry)",
    "max_drawdown": "max drawdown (% of one entry's notional)",
}
"""The back-test's fraction columns, each printed in percent with its unit in the header."""


def _fmt_policy_table(t: pd.DataFrame) -> pd.DataFrame:
    """The policy table with every return, loss and rate in percent (one unit)."""
    out = t.copy()
    if "policy" in out:
        out["policy"] = [display_name("stop", p) for p in out["policy"]]
    for c in POLICY_COLUMNS:
        if c in out:
            out[c] = [pct(x, 2) for x in out[c]]
    return out.rename(columns=POLICY_COLUMNS)


def tables(v: ProtectView) -> list[Table]:
    """The recommendations (with their warnings); the policies by side; the 2025-10-10 entries."""
    rec = pd.DataFrame(
        [
            {"side": r.side, "entry": price_text(r.entry, r.entry),
             "leverage": f"{r.leverage:.0f}×",
             "liquidation price": price_text(r.liq_price, r.entry),
             "raw stop": price_text(r.raw_stop_price, r.entry),
             "raw slippage (% of the stop price)": _pct(r.raw_expected_slippage),
             "volatility distance": _vol_band(r),
             "stop": price_text(r.stop_price, r.entry),
             "distance (% of the mid)": _pct(r.distance),
             "slippage (% of the stop price)": _pct(r.expected_slippage),
             "avoided": "; ".join(
                 f"{z['kind']} {price_range(z['price_low'], z['price_high'], r.entry)}"
                 for z in r.avoided_clusters) or "—",
             "warnings": warnings_text(r)}
            for r in (v.long, v.short)
        ]
    )  # fmt: skip
    out = [Table(f"{v.asset}: stop recommendation at the market date ({_position(v)})", rec)]
    if v.backtest is None:
        return out
    out += [
        Table(f"{v.asset}: stop policies by side and entry set, "
              f"{v.backtest.meta['start'][:10]} to {v.backtest.meta['end'][:10]}",
              _fmt_policy_table(v.backtest.table)),
    ]  # fmt: skip
    if len(v.backtest.crash):  # only when the report's date is after the crash
        out.append(
            Table(f"{v.asset}: entries of 2025-10-05 → 2025-10-10 20:00 (open when the crash "
                  "began)", _fmt_policy_table(v.backtest.crash))
        )  # fmt: skip
    return out


def warnings_text(r: Any) -> str:
    """The recommendation's warnings as sentences (``—`` when it has none).

    The library's ``warnings`` (``warning:`` lines at the command line, summary.json's
    ``recommendation_long/short.warnings``) are kept as they are; the page starts each
    with a capital, ends it with a full stop and writes a percentage as the page does
    (``1.99 %``, not ``1.99%``).

    >>> class R: warnings = ["no clear level for the stop: it lies 1.99% from the mid"]
    >>> warnings_text(R()), warnings_text(type("S", (), {"warnings": []})())
    ('No clear level for the stop: it lies 1.99 % from the mid.', '—')
    """
    said = [w[:1].upper() + w[1:] + ("" if w.endswith(".") else ".") for w in r.warnings]
    text = _PERCENT.sub(r"\1 %", " ".join(said))
    price = getattr(r, "entry", None)
    if price is not None:  # a price as the table beside writes it: $3,981, not 3,981.29
        text = _PRICE.sub(lambda m: price_text(float(m.group(1).replace(",", "")), price), text)
    return text or "—"


_PERCENT = re.compile(r"(\d)%")
"""A percentage as the library writes it (``1.99%``): the page puts a space before ``%``."""
_PRICE = re.compile(r"(?<![\d.,$])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?!\d|[.,]\d|\s?%|\s?×)")
"""A price in a warning as the library writes it (``3,974.29``; not ``1.99 %``, ``10×``)."""


def _vol_band(r: Any) -> str:
    """``8.43 % (p05–p95 6.43 %–9.84 %)``: the volatility distance, its parameter interval."""
    if r.vol_distance_range is None:
        return f"{_pct(r.vol_distance)} (no interval)"
    lo, hi = r.vol_distance_range
    return estimate(r.vol_distance, lo, hi, _pct, "p05–p95")


def _position(v: ProtectView) -> str:
    """The sample position in words, e.g. ``10 ETH, 10×``."""
    return f"{quantity_text(v.long.size)} {v.asset}, {LEVERAGE:.0f}×"


#: How each part of the stops claim reads a verdict of
#: :func:`liqcascade.protect.compare_policies`, by the policy it is judged against.
_PART_WORDS = {
    "supported": "supported",
    "partly supported": "partly supported",
    "not supported": "not supported: worse beyond the noise",
    "ties": "ties with {other}",
}


def part_words(verdict: str, other: str) -> str:
    """A part's verdict in words: ``ties with volatility alone``, ``partly supported``.

    >>> part_words("ties", "a fixed 5 % stop"), part_words("partly supported", "x")
    ('ties with a fixed 5 % stop', 'partly supported')
    """
    return _PART_WORDS[verdict].format(other=other)


def policy_difference(bt: Any, better: str, worse: str) -> dict[str, Any]:
    """``verdict`` and ``difference`` of ``better`` against ``worse`` on ``bt``'s entries.

    :func:`liqcascade.protect.compare_policies` (paired differences, 90 % intervals from a
    block bootstrap over entry days): the rule of both parts of the stops claim.
    """
    from liqcascade.protect import compare_policies

    diff = compare_policies(bt.trades, better, worse)
    return {"verdict": diff.verdict, "difference": diff.to_dict()}


def paired_differences(part: Any) -> str:
    """``paired differences …: stop-outs +0.25 pp (90 % …), summed return …``.

    Parameters
    ----------
    part : mapping
        One part of the stops claim (:func:`policy_difference`,
        :func:`liqcascade.protect.declustering_verdict`): its ``difference``, each
        figure's ``[difference, lo, hi]`` (fractions; the ends None without an interval).
    """
    dd = part["difference"]

    def fig(key: str) -> str:
        x, lo, hi = (math.nan if v is None else v for v in dd[key])
        return estimate(x, lo, hi, pp, "90 %") if math.isfinite(lo) else f"{pp(x)} (no interval)"

    return (
        f"paired differences, block bootstrap over entry days: stop-outs {fig('stop_outs')}, "
        f"summed return {fig('total_return')} of one entry"
    )


def stops_claim(
    f: Any, vo: Any, d: Any, start: str, end: str, crowd: Any, scaling: Any
) -> tuple[str, str]:
    """The stops claim's computed text and verdict, each of its two parts judged apart.

    Both parts read :func:`liqcascade.protect.compare_policies` (the 90 % intervals of
    the paired differences): volatility scaling is ``vol`` against ``fixed``, moving
    stops away from the crowd ``vol-declustered`` against ``vol``.

    Parameters
    ----------
    f, vo, d : mapping
        The fixed 5 %, volatility-scaled and volatility-scaled de-clustered policies'
        means: ``stop_outs`` (fraction of trades stopped) and ``total_return`` (summed
        return, fraction of one entry).
    start, end : str
        The back-test's first and last years.
    crowd : mapping
        The verdict on de-clustering (:func:`liqcascade.protect.declustering_verdict`:
        ``verdict``, ``difference``), the one ``stops backtest`` and ``stops recommend``
        print.
    scaling : mapping
        The verdict on volatility scaling (:func:`policy_difference` of ``vol`` against
        ``fixed``: ``verdict``, ``difference``).

    Returns
    -------
    tuple of str
        The text (the figures, then each part's verdict, why and paired differences) and
        the row's verdict: "supported" when both parts are, "not supported" when neither
        is at all (a part that ties is not supported), else "partly supported".

    >>> f = {"stop_outs": 0.5009, "total_return": 3.4967}
    >>> vo = {"stop_outs": 0.22, "total_return": 2.2657}
    >>> d = {"stop_outs": 0.2226, "total_return": 2.1246}
    >>> ties = {"verdict": "ties", "difference": {"stop_outs": [0.0026, -0.001, 0.005],
    ...         "total_return": [-0.14, -0.3, 0.02]}}
    >>> partly = {"verdict": "partly supported", "difference": {"stop_outs": [-0.28,
    ...           -0.3, -0.26], "total_return": [-1.2, -2.5, 0.1]}}
    >>> stops_claim(f, vo, d, "2020", "2025", ties, partly)[1]
    'partly supported'
    """
    from liqcascade.protect import compare_text as why

    vol, crowd_v = str(scaling["verdict"]), str(crowd["verdict"])
    text = (
        f"Stop-outs {_pct(f['stop_outs'])} fixed 5 % / {_pct(vo['stop_outs'])} "
        f"volatility-scaled / {_pct(d['stop_outs'])} volatility-scaled, de-clustered; summed "
        f"return {_pct(f['total_return'])} / {_pct(vo['total_return'])} / "
        f"{_pct(d['total_return'])} of one entry (hourly, {start}–{end}). Volatility scaling "
        f"{part_words(vol, 'a fixed 5 % stop')} ({why(vo, f)} than a fixed 5 % stop; "
        f"{paired_differences(scaling)}); away from the crowd "
        f"{part_words(crowd_v, 'volatility alone')} ({why(d, vo)} than volatility alone; "
        f"{paired_differences(crowd)})."
    )
    level = {"supported": 2, "partly supported": 1}
    both = {level.get(vol, 0), level.get(crowd_v, 0)}
    verdict = "supported" if both == {2} else "not supported" if both == {0} else "partly supported"
    return text, verdict


def _stops_claim(v: ProtectView) -> tuple[str, str]:
    """:func:`stops_claim` on the section's back-test (which ran): its text and verdict."""
    bt = v.backtest
    assert bt is not None and v.crowd is not None and v.scaling is not None  # computed with it
    m = v.means()
    start, end = bt.meta["start"][:4], bt.meta["end"][:4]
    return stops_claim(m["fixed"], m["vol"], m["vol-declustered"], start, end, v.crowd, v.scaling)


def prose(v: ProtectView) -> Prose:
    """Takeaways, method and the claim."""
    r, bt = v.long, v.backtest
    first = (
        f"At {v.state.as_of:%Y-%m-%d} ({v.asset} {price_text(v.state.mid)}), a "
        f"{LEVERAGE:.0f}× long of {quantity_text(v.long.size)} {v.asset} gets a stop at "
        f"{price_text(r.stop_price, r.entry)} ({_pct(r.distance)} below the mid; liquidation at "
        f"{price_text(r.liq_price, r.entry)}), {_moved_text(r)}. {what_sets_the_stop(r, v.asset)}"
    )
    if bt is None:
        why = f"The stop policies' back-test did not run for {v.asset}: {v.backtest_skipped}."
        return Prose([first, why], [_size_note(v)], [])
    m = v.means()
    f, vo, d = m["fixed"], m["vol"], m["vol-declustered"]
    take = [
        first,
        f"On the real hourly path {bt.meta['start'][:10]} to {bt.meta['end'][:10]} "
        f"({v.command} draws the same entries), "
        f"volatility-scaled stops were hit {_hit(vo)} of the time against "
        f"{_hit(f)} for a fixed 5 % stop (Wilson 90 % intervals, binomial; overlapping trades "
        f"make them a lower bound on the uncertainty), and lost {_pct(vo['avg_loss_on_stop'])} "
        f"against {_pct(f['avg_loss_on_stop'])} when hit.",
        _trade_off(f, vo, bt),
        f"De-clustering changed the slippage on a stop by "
        f"{pct(d['avg_slippage'] - vo['avg_slippage'], 2, signed=True)} of the stop price: "
        "the stop's distance matters far more than the crowd it avoids.",
    ]
    computed, verdict = _stops_claim(v)
    if v.asset != "ETH":  # the claims table is ETH's: this asset's verdict is said here
        take.append(
            f"The commentary's stops claim (volatility-scaled stops placed away from the "
            f"crowd protect better), judged on {v.asset}'s back-test by the rule of the "
            f"claims table (ETH's): {verdict}. {computed}"
        )
    claim = Claim(
        claim="Volatility-scaled stops placed away from the crowd protect better",
        computed=computed,
        verdict=verdict,
        front=(
            f"Stop-outs {pct(f['stop_outs'], 0)} for a fixed 5 % stop vs "
            f"{pct(vo['stop_outs'], 0)} volatility-scaled, {pct(d['stop_outs'], 0)} also "
            f"de-clustered; summed return {pct(f['total_return'], 0)} / "
            f"{pct(vo['total_return'], 0)} / {pct(d['total_return'], 0)} of one entry."
        ),
    )
    method = [
        "Fill model: a triggered stop sells (buys) with every modelled crowd stop within 0.5 % "
        "beyond its trigger into the calibrated power-law book (25 % venue share). D1 is that "
        "book's depth within 1 % of the price (USD). Crowd: 0.25 × D1 just beyond each round "
        "number (multiples of a tenth of the price's power of ten: $100 at $3,698, $10,000 "
        "at $115,000, $10 at $232, so the same at every price level), 0.5 × D1 just beyond "
        "the 7-day swing extreme — assumptions, not observations.",
        "Stop-outs are the share of trades stopped; their Wilson 90 % interval (low, high) is "
        "binomial and treats overlapping trades as independent, so it understates the "
        "uncertainty.",
        "Volatility: GJR-GARCH(1,1)-t on daily returns (the conditional volatility uses only "
        "past returns); the recommendation's parameters are fitted on every return to the "
        "market date, the back-test's refitted before each calendar year of entries on the "
        "returns before it. " + _cap_rules(v),
        "Returns and losses are unlevered percentages of the entry notional, slippage a "
        "percentage of the stop's trigger price (the fill's distance beyond it); the "
        "summed return and the drawdown add the trades in closing order, in percent of one "
        "entry's notional. The back-test's trades all close by the market date.",
        _size_note(v),
    ]
    return Prose(take, method, [claim])


def max_fitting_leverage(r: Any, asset: str, fraction: float) -> int | None:
    """The highest whole leverage at which the volatility stop fits inside the cap.

    The cap is ``fraction`` of the way from the mid to the position's liquidation price
    (:func:`liqcascade.protect.liquidation_price`, the asset's margin tiers, at the
    recommendation's entry and size), as :func:`liqcascade.protect.recommend_stop` lays
    it off. None when it fits at no leverage from 1× up.
    """
    from liqcascade.protect import liquidation_price

    side = 1 if r.side == "long" else -1
    for lev in range(int(r.leverage), 0, -1):
        liq = liquidation_price(side, r.entry, r.size, float(lev), asset)
        room = 1.0 if not (liq > 0 and math.isfinite(liq)) else abs(r.mid - liq) / r.mid
        if r.vol_distance <= fraction * room:
            return lev
    return None


def what_sets_the_stop(r: Any, asset: str) -> str:
    """Whether volatility or the leverage cap sets the recommended stop, in one sentence."""
    from liqcascade.protect import RecommendSettings

    frac = RecommendSettings().max_liq_fraction
    cap = frac * abs(r.mid - r.liq_price) / r.mid if r.liq_price > 0 else frac  # from the mid
    if r.vol_distance <= cap:
        return (
            f"Volatility sets it: the volatility distance, {_pct(r.vol_distance)}, fits inside "
            f"the cap of {pct(frac, 0)} of the way to liquidation ({_pct(cap)})."
        )
    fits = max_fitting_leverage(r, asset, frac)
    at = (
        f"at {fits}× or less the volatility stop fits"
        if fits
        else "the volatility stop fits at no leverage"
    )
    return (
        f"At {r.leverage:.0f}× your leverage, not volatility, sets this stop: the volatility "
        f"distance, {_pct(r.vol_distance)}, lies beyond the cap of {pct(frac, 0)} of the way to "
        f"liquidation ({_pct(cap)}), so the stop sits at the cap ({at})."
    )


def _trade_off(f: dict[str, float], vo: dict[str, float], bt: Any) -> str:
    """The net outcome of fixed 5 % against volatility stops: summed return, drawdown."""
    return (
        f"Net of how often and how much: over {bt.meta['start'][:4]}–{bt.meta['end'][:4]} "
        f"the fixed 5 % stops summed {_pct(f['total_return'])} of one entry against "
        f"{_pct(vo['total_return'])} for volatility stops, with a worst drawdown of "
        f"{_pct(f['worst_max_drawdown'])} against {_pct(vo['worst_max_drawdown'])}."
    )


def _cap_rules(v: ProtectView) -> str:
    """The two caps: the recommendation's (its own leverage), the back-test's (its setting)."""
    from liqcascade.protect import RecommendSettings

    rec = RecommendSettings().max_liq_fraction
    text = (
        f"Two caps: the recommendation's stop lies at most {pct(rec, 0)} of the way to the "
        f"position's own liquidation price (here {LEVERAGE:.0f}×)"
    )
    if v.backtest is None:
        return text + "."
    st = v.backtest.settings
    return (
        text + f"; the back-test's stops at most {pct(st.max_liq_fraction, 0)} of the way to "
        f"the liquidation price of a {st.leverage:g}× position (its setting, for every trade)."
    )


def _moved_text(r: Any) -> str:
    """What moving the stop out of the crowd did: the distance (signed) and the slippage.

    A move nearer the mid gives distance up; a move further from the mid adds distance
    (as ``stops recommend``'s ``distance_given_up`` row says, both directions: the
    distances are laid off from the mid); on which side
    of the crowd the stop now sits is said in the rationale's words
    (:func:`liqcascade.protect.crowd_side_text`); a raw stop kept in its crowd (the
    back-test's verdict) names the level out of it with the rationale's words for its
    side of the crowd (``moved_crowd_side``). Slippages are
    fractions of the trigger, in ``stops recommend``'s words
    (:func:`liqcascade.protect.slippage_text`: "under 0.001 %", never "0.00 %"), and
    called unchanged when those words are the same.
    """
    from liqcascade.protect import (
        crowd_side_text,
        crowd_side_words,
        distance_given_up,
        slippage_text,
    )

    moved, raw = r.expected_slippage, r.raw_expected_slippage
    g = distance_given_up(r)
    alt = getattr(r, "moved_stop_price", None)
    sd = 1 if r.side == "long" else -1
    if alt is not None:  # the back-test's verdict kept the raw stop in its crowd
        side = getattr(r, "moved_crowd_side", None)
        where = "" if side is None else f" ({crowd_side_words(side, sd)})"
        reach = getattr(r, "beyond_reach", None)
        if reach is not None:  # a move larger than any the back-test made
            return (
                f"kept in the crowd at the volatility stop: the level out of it, "
                f"{price_text(alt, r.entry)}{where}, would give up "
                f"{percent_text(reach[0], 1)} of the stop's distance from the mid, more than "
                "any move of `liqcascade stops recommend`'s back-test (at most "
                f"{percent_text(reach[1], 1)}), whose verdict does not speak for it"
            )
        return (
            f"kept in the crowd at the volatility stop: the level out of it, "
            f"{price_text(alt, r.entry)}{where}, is not recommended: `liqcascade stops "
            "recommend`'s back-test (default sample, every trade closed by the market date) "
            f"finds moving stops out of the crowd "
            f"{part_words(str(r.crowd_verdict), 'volatility alone')}"
        )
    if g == 0:
        return "not moved: it sits in no modelled crowd"
    size = pp(abs(g), signed=False)
    way = f"{size} nearer the mid (distance given up)" if g > 0 else f"{size} further from the mid"
    where = crowd_side_text(r.stop_price, sd, r.avoided_clusters) if r.avoided_clusters else ""
    head, tail = f"moved out of the crowd {way}", f", {where};" if where else ""
    now, was = slippage_text(moved), slippage_text(raw)  # the command's words and precision
    if now == was:
        return (
            f"{head}{tail or ','} with no measurable change in slippage (expected {now} of "
            "the trigger either way)"
        )
    return f"{head}{tail or ':'} expected slippage {now} of the trigger instead of {was}"


def _hit(m: dict[str, float]) -> str:
    """A policy's stop-out share and its Wilson 90 % interval: ``23.10 % (21.12 %–25.20 %)``.

    The sentence that quotes it names the interval once (two policies side by side).
    """
    from liqcascade.protect import wilson_interval

    lo, hi = wilson_interval(int(m["stopped"]), int(m["trades"]))
    return estimate(m["stop_outs"], lo, hi, _pct)


def _size_note(v: ProtectView) -> str:
    """The sample position's size, and the back-test's per entry (or why it did not run)."""
    if v.asset == "ETH":
        trades = (
            f"the stop policies' back-test did not run: {v.backtest_skipped or 'no reason given'}"
            if v.backtest is None  # an ETH report cut before the stops' data, say
            else f"the back-test trades {usd(v.backtest.settings.notional_usd)} per entry"
        )
        return (
            f"The sample position is {ETH_SIZE:g} ETH at {LEVERAGE:.0f}× "
            f"({usd(v.long.size * v.long.entry)} notional); {trades}."
        )
    trades = (
        ""
        if v.backtest is None
        else f"; the back-test trades {usd(v.backtest.settings.notional_usd)} per entry, as ETH's"
    )
    return (
        f"The sample position is {usd(SAMPLE_NOTIONAL_USD)} notional (a fixed dollar amount, "
        f"the same at every date and for every asset but ETH) in {v.asset} at "
        f"{price_text(v.long.entry)}: {quantity_text(v.long.size)} {v.asset} (three "
        "significant digits), "
        f"{LEVERAGE:.0f}×{trades}."
    )


def summary(v: ProtectView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    bt = v.backtest
    head = {
        "asset": v.asset,
        "position_size": v.long.size,
        "position_notional_usd": v.long.size * v.long.entry,
        "recommendation_long": v.long.summary(),
        "recommendation_short": v.short.summary(),
    }
    if bt is None:
        return {**head, "backtest_skipped": v.backtest_skipped}
    return {
        **head,
        "backtest_policy_means": _policy_means(bt.table).to_dict(orient="records"),
        "backtest_table": bt.table.to_dict(orient="records"),
        "crash_2025_10_10": bt.crash.to_dict(orient="records"),
        "best_on_2025_10_10": bt.best_on_crash(),
        "backtest_start": bt.meta["start"],
        "backtest_end": bt.meta["end"],
        "n_trades": len(bt.trades),
        # the stops claim's verdict on this asset (the claims table shows ETH's alone)
        "stops_claim_verdict": _stops_claim(v)[1],
        "fill_model": {k: getattr(bt.fill, k) for k in bt.fill.__dataclass_fields__},
    }


def section(ctx: ReportContext) -> Section:
    """A stop recommendation at the market date, the policy back-test, 2025-10-10."""
    v = compute(ctx)
    return assemble("protect", prose(v), figures(v), tables(v), summary(v))
