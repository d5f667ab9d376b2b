"""Report section: the real market data behind every figure.

compute (bundled series → :class:`DataView`) → figures → prose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from liqcascade._plotly_text import plain
from liqcascade.data.bundled import COINGLASS_SOURCE
from liqcascade.report._cut import bars, closed_by
from liqcascade.report._figures import LONG, SHORT
from liqcascade.report._format import date_text, num, pct, usd
from liqcascade.report._section import Prose, ReportContext, Section, Table, assemble
from liqcascade.report._suspects import suspect_bars


@dataclass(frozen=True)
class DataView:
    """The bundled series the report reads, and their provenance."""

    asset: str
    daily: pd.DataFrame
    hourly_range: dict[str, Any]
    oi: pd.DataFrame
    liq: pd.DataFrame
    funding: pd.DataFrame
    provenance: pd.DataFrame
    suspects: pd.DataFrame
    sources: pd.DataFrame | None = None  # asset, series, where it was read
    stored: pd.DataFrame | None = None  # the store's series of the report's assets, with gaps

    @property
    def totals(self) -> tuple[float, float]:
        """Recorded long and short liquidations over the window, USD."""
        return float(self.liq["long_usd"].sum()), float(self.liq["short_usd"].sum())

    def top_bars(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` largest recorded liquidation bars."""
        return self.liq.assign(total=self.liq["long_usd"] + self.liq["short_usd"]).nlargest(
            n, "total"
        )


def _range(df: pd.DataFrame) -> dict[str, Any]:
    idx = df.index
    return {"first": idx.min().isoformat(), "last": idx.max().isoformat(), "rows": len(df)}


def compute(ctx: ReportContext) -> DataView:
    """Load the series of the report's asset (store first, else bundled), cut at its date.

    The provenance table lists each bundled file of the run (its assets' own, and the
    shared ones: :func:`_run_files`) with its whole range (what the bundle holds); every
    series drawn or counted is cut at the report's date.
    """
    from liqcascade import datasets
    from liqcascade.report._data import series, sources

    a = ctx.asset
    prov = _caveat_once(
        _run_files(datasets.provenance(), ctx.assets)[
            ["name", "interval", "range", "rows", "source", "caveats"]
        ]
    )
    # the funding the market read (store first, else the bundled OI-weighted series), as
    # the sources line says: the bundle's ETH series in its place showed data not read
    funding = series("funding", a, "4h")
    return DataView(
        suspects=suspect_bars(ctx.assets, ctx.as_of),
        asset=a,
        daily=bars(a, "1d", ctx.as_of),
        hourly_range=_range(bars(a, "1h", ctx.as_of)),
        oi=closed_by(series("open_interest", a, "4h"), "4h", ctx.as_of),
        liq=closed_by(series("liquidations", a, "4h"), "4h", ctx.as_of),
        funding=closed_by(funding, "4h", ctx.as_of),
        provenance=prov,
        sources=pd.DataFrame(sources(ctx.assets)),
        stored=stored_series(ctx.assets),
    )


def _run_files(prov: pd.DataFrame, assets: tuple[str, ...]) -> pd.DataFrame:
    """The provenance rows of the run: its assets' own files and the shared ones.

    A bundled asset's own files (named ``eth_…``, ``btc_…``) are listed only when the
    asset is one of the report's ``assets`` (a BTC-only report lists no ETH file, none
    of them read); the shared files (``perp_1h_by_venue``, the Aave,
    Hyperliquid, Chainlink and Compound files, ``usde_1m``) are kept: the sections that
    may read them run whatever the assets; so are both legs' closes of the ETH+BTC sample
    portfolio (``eth_1h``, ``eth_1d``, ``btc_1h``, ``btc_1d``) when ETH or BTC runs (the
    stress section prices the whole sample).
    """
    from liqcascade.data import bundled_assets
    from liqcascade.stress import ASSETS as SAMPLE

    run = {a.upper() for a in assets}
    other = [f"{a.lower()}_" for a in bundled_assets() if a.upper() not in run]
    # the ETH+BTC sample portfolio reads both legs' hourly and daily closes in either section
    legs = (
        {f"{a.lower()}_{i}" for a in SAMPLE for i in ("1h", "1d")} if run & set(SAMPLE) else set()
    )
    keep = [n in legs or not any(str(n).startswith(o) for o in other) for n in prov["name"]]
    return prov[keep].reset_index(drop=True)


def stored_series(assets: tuple[str, ...] | list[str]) -> pd.DataFrame | None:
    """The default store's series of ``assets``: range, rows and gaps; None without any.

    One row per stored series whose symbol's base asset is one of ``assets``
    (:meth:`liqcascade.data.Store.list_series`: a gap is a step longer than 1.5 of the
    series' intervals, reported and never filled; live depth events have none).
    """
    from liqcascade.data import Store, base_asset, duration_text
    from liqcascade.report._data import store_path

    p = store_path()
    if p is None:
        return None
    with Store(p, read_only=True) as st:
        ls = st.list_series(gaps=True)
    ls = ls[ls["symbol"].map(base_asset).isin({x.upper() for x in assets})]
    if ls.empty:
        return None
    return pd.DataFrame(
        {
            "series": [f"{r.kind} {r.interval} ({r.venue}, {r.symbol})" for r in ls.itertuples()],
            "first": [date_text(x) for x in ls["first"]],
            "last": [date_text(x) for x in ls["last"]],
            "rows": [f"{int(x):,}" for x in ls["rows"]],
            "gaps": ["–" if g is None or g != g else f"{int(g):,}" for g in ls["gaps"]],
            "largest step": [
                "–" if x is None or x != x else duration_text(pd.Timedelta(x))
                for x in ls["largest_gap"]
            ],
        }
    )


def _caveat_once(prov: pd.DataFrame) -> pd.DataFrame:
    """The provenance table with CoinGlass's shared caveat cut from each row's source.

    Every CoinGlass series' source repeats how it was collected and that CoinGlass revises
    old bars; the table's caption (:data:`PROVENANCE_CAPTION`) says it once.
    """
    short = COINGLASS_SOURCE.split(",")[0]
    return prov.assign(source=[str(s).replace(COINGLASS_SOURCE, short) for s in prov["source"]])


PROVENANCE_CAPTION = (
    "Bundled datasets and provenance. Every CoinGlass API series: "
    + COINGLASS_SOURCE.split(", ", 1)[1]
)
"""The provenance table's caption, with the caveat every CoinGlass row shares."""


def origin(frame: pd.DataFrame, bundled: str) -> str:
    """Where a drawn series was read, as a figure's title says it.

    A bundled series (or one with no recorded source) is said in ``bundled``, the
    bundle's own words (``"Binance spot"``); a series read from the store (alone or
    merged with the bundle's rows) by the venue and symbol it was stored under, which
    may be another venue's than the bundle's: ``"binance SOLUSDT (store)"``, or
    ``"SOLUSDT (store, venue not recorded)"`` for a file ingested without one.

    Parameters
    ----------
    frame : DataFrame
        A series as :func:`liqcascade.report._data.series` reads it (``attrs``:
        ``source``, ``venue``, ``symbol``).
    bundled : str
        What the title says of the bundled series.

    Returns
    -------
    str
    """
    from liqcascade.data import source_parts

    parts = [p.where for p in source_parts(str(frame.attrs.get("source", "")))]
    if "store" not in parts:
        return bundled
    where = " + ".join(dict.fromkeys(parts))  # "store" or "store + bundled"
    venue, symbol = str(frame.attrs.get("venue") or ""), str(frame.attrs.get("symbol") or "")
    if venue in ("", "unknown"):
        return f"{symbol} ({where}, venue not recorded)"
    return f"{venue} {symbol} ({where})"


def origin_of(kind: str, asset: str, interval: str, bundled: str) -> str:
    """:func:`origin` of ``asset``'s series as the report reads it (store, else bundle).

    For a section whose text names a series it does not keep (``"recorded Binance
    liquidations"``); ``kind`` and ``interval`` as :func:`liqcascade.report._data.series`.
    A series nobody holds (a view built without data) reads as ``bundled``: the words
    the section had before it named a store's series.
    """
    from liqcascade.data import SeriesNotFound
    from liqcascade.report._data import series

    try:
        return origin(series(kind, asset, interval), bundled)
    except SeriesNotFound:
        return bundled


def bars_of(asset: str, frames: dict[str, pd.DataFrame], bundled: str = "Binance spot") -> str:
    """An asset's bars named by where they were read, as a section's text says it.

    Bundled bars keep the bundle's words before the asset (``"Binance spot ETH"``);
    bars read from the store are named by :func:`origin` after it (``"SOL read from
    binance-spot SOLUSDT (store)"``), each interval by its own when they differ.

    Parameters
    ----------
    asset : str
        The asset, as the text names it.
    frames : dict of str to DataFrame
        The bars by the interval's word (``{"daily": ..., "hourly": ...}``), each with
        the ``attrs`` :func:`liqcascade.report._data.series` gives it.
    bundled : str, default "Binance spot"
        The bundle's words for its bars.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> d, h = pd.DataFrame(), pd.DataFrame()
    >>> d.attrs = {"source": "store:/x.duckdb", "venue": "okx", "symbol": "ETHUSDT"}
    >>> bars_of("ETH", {"daily": h}), bars_of("ETH", {"daily": d, "hourly": h})
    ('Binance spot ETH', 'ETH, daily read from okx ETHUSDT (store), hourly from Binance spot')
    """
    where = {k: origin(f, bundled) for k, f in frames.items()}
    found = set(where.values())
    if found == {bundled}:
        return f"{bundled} {asset}"
    if len(found) == 1:
        return f"{asset} read from {found.pop()}"
    return f"{asset}, " + ", ".join(
        f"{k} {'read ' if i == 0 else ''}from {w}" for i, (k, w) in enumerate(where.items())
    )


def log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks of a log price axis at 1, 2 and 5 of each decade from ``lo`` to ``hi`` (USD).

    Plotly's own ticks on a log axis label the decades in full and the steps between
    with a bare digit (``2`` … ``9`` under ``1,000``): a reader could not tell 2 from
    2,000. These are written in full, three a decade.

    >>> log_ticks(90.0, 4_800.0)
    [100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0]
    """
    out = []
    for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        out += [m * 10.0**k for m in (1, 2, 5) if lo / 1.2 <= m * 10.0**k <= hi * 1.2]
    return out


def figures(v: DataView) -> list[go.Figure]:
    """Price and volume; recorded liquidations, open interest and funding."""
    eth = v.daily
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.03
    )
    fig.add_trace(
        go.Scatter(x=eth.index, y=eth["close"], mode="lines", name=f"{plain(v.asset)} daily close",
                   hovertemplate="%{x|%Y-%m-%d}: $%{y:,.0f}<extra></extra>"),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Bar(x=eth.index, y=eth["volume"] * eth["close"] / 1e9, name="volume (USD bn)",
               marker_color="#999999", hovertemplate="%{x|%Y-%m-%d}: $%{y:.2f} bn<extra></extra>"),
        row=2, col=1,
    )  # fmt: skip
    fig.update_layout(
        title=f"{plain(v.asset)} price (log scale) and traded value, "
        f"{plain(origin(eth, 'Binance spot'))}, daily, "
        f"{eth.index[0]:%Y-%m} to {eth.index[-1]:%Y-%m}",
        height=520,
        showlegend=False,
    )
    ticks = log_ticks(float(eth["close"].min()), float(eth["close"].max()))
    fig.update_yaxes(title_text="price (USD)", type="log", row=1, col=1,
                     tickvals=ticks, ticktext=[num(t) for t in ticks])  # fmt: skip
    fig.update_yaxes(title_text="traded (USD bn)", row=2, col=1)
    fig2 = make_subplots(
        rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.45, 0.3, 0.25],
        subplot_titles=(
            f"recorded liquidations, {plain(origin(v.liq, 'Binance'))}, 4-hourly (USD M)",
            f"open interest, {plain(origin(v.oi, 'all venues'))} (USD bn)",
            f"funding, {plain(origin(v.funding, 'OI-weighted'))} (% per 8 h)",
        ),
    )  # fmt: skip
    liq = v.liq
    for col, sign, name, colour in (("long_usd", 1, "longs liquidated", LONG),
                                    ("short_usd", -1, "shorts liquidated", SHORT)):  # fmt: skip
        fig2.add_trace(
            go.Bar(x=liq.index, y=sign * liq[col] / 1e6, name=name, marker_color=colour),
            row=1, col=1,
        )  # fmt: skip
    fig2.add_trace(
        go.Scatter(x=v.oi.index, y=v.oi["oi_usd"] / 1e9, name="open interest", mode="lines"),
        row=2, col=1,
    )  # fmt: skip
    fig2.add_trace(
        go.Scatter(x=v.funding.index, y=v.funding["rate"] * 100, name="funding", mode="lines"),
        row=3, col=1,
    )  # fmt: skip
    for row, unit in enumerate(("USD M per 4 h", "USD bn", "% per 8 h"), start=1):
        fig2.update_yaxes(title_text=unit, row=row, col=1)  # each panel's axis names its unit
    fig2.update_layout(
        title="Derivatives: recorded liquidations (longs up, shorts down), open interest, funding",
        height=620,
        barmode="relative",
    )
    return [fig, fig2]


def tables(v: DataView) -> list[Table]:
    """The largest recorded liquidation bars; the bundled datasets and their provenance."""
    top = v.top_bars()
    t = pd.DataFrame(
        {
            "bar": [date_text(x, bar=True) for x in top.index],
            "longs": [usd(x) for x in top["long_usd"]],
            "shorts": [usd(x) for x in top["short_usd"]],
        }
    )
    s = v.suspects
    checks = pd.DataFrame(
        {
            "asset": list(s["asset"]),
            "bar": [date_text(x, bar=True) for x in s["ts"]],
            "side": list(s["side"]),
            "recorded": [usd(x) for x in s["usd"]],
            "adverse move in the bar": [pct(x, 2) for x in s["move"]],
            "× median intensity": [f"{x:,.0f}×" for x in s["intensity_x"]],
            "rank of the amount": list(s["rank"]),
        }
    )
    return [
        Table(f"Largest recorded liquidation bars ({v.asset}, {origin(v.liq, 'Binance')}, 4 h)", t),
        Table(
            "Recorded liquidation bars to check: among the largest 1 % of their side, with "
            "more than 50× the median amount per unit of the bar's move and of open interest "
            "(kept in every figure and score)",
            checks,
        ),
        Table(PROVENANCE_CAPTION, v.provenance),
        *(
            []
            if v.sources is None
            else [Table("Where each series of the report was read (store, else bundle)", v.sources)]
        ),
        *([] if v.stored is None else [Table(STORED_CAPTION, v.stored)]),
    ]


STORED_CAPTION = (
    "The store's series of the report's assets: range, rows and gaps (a step longer than "
    "1.5 bars; reported, never filled)"
)
"""The caption of the store's series table (:func:`stored_series`)."""


REVISED = (
    "CoinGlass series (open interest, liquidations, funding, long/short, book totals): "
    "values as revised up to ~6 months later; not point-in-time. Each bundled bar was "
    "collected about six months after it (median 178 days), and CoinGlass revises past "
    "bars by up to ~15 %, so a market 'as of' a date reads that date's bars as revised "
    "later, and so do the calibrations fitted on them."
)
"""The data section's one statement that the bundled CoinGlass history is revised."""

REVISED_CLAUSE = (
    "each bundled bar was collected a median of 178 days after it, and CoinGlass revises "
    "past bars by up to ~15 %"
)
""":data:`REVISED` in a clause, for the texts that score fits on that history."""


def revised_text(oi: pd.DataFrame, liq: pd.DataFrame) -> str:
    """:data:`REVISED` for bundled CoinGlass series; for a store's, where they come from.

    Ingest keeps no collection time (the ``snapshot`` column is ignored), so the bundle's
    collection lag is not said of a store's series (:func:`origin` names the series).

    Parameters
    ----------
    oi, liq : pandas.DataFrame
        The open interest and recorded liquidations read (``attrs`` as :func:`origin`).
    """
    where = [origin(f, "") for f in (oi, liq)]
    if not any(where):
        return REVISED
    named = " and ".join(
        f"{k} from {w}" for k, w in zip(("open interest", "liquidations"), where, strict=True) if w
    )
    text = (
        f"Derivatives series read from the store ({named}): when each bar was collected is "
        "not recorded at ingest, so whether they are point-in-time or revised later is not "
        "known here."
    )
    if all(where) and not any("bundled" in w for w in where):
        return text
    return f"{text} The bundled rows: {REVISED_CLAUSE}."


def _capital(text: str) -> str:
    """``text`` with its first letter upper-case (a venue key opening a sentence)."""
    return text[:1].upper() + text[1:]


def _recorded_by(liq: pd.DataFrame) -> str:
    """Who recorded the liquidations, as a sentence opens: the bundle's undercounting feed.

    A quoted total carries what it counts: the bundled series is Binance's feed, which
    undercounts (:func:`_liq_method`); a store's series is its source's.
    """
    where = origin(liq, "Binance")
    if where == "Binance":
        return "Binance's liquidation feed (at most one print per second: it undercounts)"
    return _capital(where)


def _liq_method(liq: pd.DataFrame) -> str:
    """What the recorded liquidations are: the bundle's feed, or the store's series."""
    feed = (
        "Binance's forceOrder feed as aggregated by CoinGlass; the feed reports at most "
        "one liquidation per symbol per second, so it undercounts."
    )
    where = origin(liq, "Binance")
    if where == "Binance":
        return "Recorded liquidations are " + feed
    return (
        f"Recorded liquidations are read from {where}: what they count is their source's "
        "(the bundled ones are " + feed[:-1] + ")."
    )


def prose(v: DataView) -> Prose:
    """Takeaways and method."""
    lo, sh = v.totals
    top = v.top_bars()
    take = [
        f"Prices: {bars_of(v.asset, {'daily': v.daily}, 'Binance')} from "
        f"{date_text(v.daily.index[0])} to "
        f"{date_text(v.daily.index[-1])} ({len(v.daily):,} daily bars; hourly to "
        f"{date_text(v.hourly_range['last'])}). Derivatives (open interest, liquidations, "
        f"funding) from {date_text(v.liq.index[0])} to {date_text(v.liq.index[-1])}: the "
        "estimated market cannot be later than that.",
        f"{_recorded_by(v.liq)} recorded {usd(lo)} of {v.asset} long liquidations and "
        f"{usd(sh)} of short liquidations from {date_text(v.liq.index[0])} to "
        f"{date_text(v.liq.index[-1])}; the largest 4-hour bar "
        f"({date_text(top.index[0], bar=True)}) liquidated {usd(top['total'].iloc[0])}.",
        f"Liquidations come in bursts: the five largest bars hold "
        f"{pct(top['total'].sum() / (lo + sh))} of the total.",
        _suspects_text(v.suspects),
        revised_text(v.oi, v.liq),
    ]
    method = [
        (
            "Every series is bundled with the package; the provenance table gives each one's "
            "source, range and caveats."
            if v.stored is None
            else "Each series is read from the store when it holds it, else from the bundle "
            "(the table of where each was read); the store's own series are listed with "
            "their gaps, the bundled files with their provenance."
        )
        + " Nothing is fetched at report time.",
        _liq_method(v.liq),
        "Bars to check: a side's intensity is its recorded amount per unit of the bar's "
        "adverse move (open to low for longs, open to high for shorts) and of open interest; "
        "a bar among the largest 1 % of its side with more than 50× the median intensity is "
        "listed (`liqcascade.data.suspect_liquidation_bars`). They may be real (liquidations "
        "booked a bar late, another venue's move) or artefacts; they are reported, never "
        "removed — dropping bars after seeing a back-test would choose data on the test "
        "window.",
    ]
    return Prose(take, method)


def _suspects_text(s: pd.DataFrame) -> str:
    if not len(s):
        return "No recorded liquidation bar stands out from its own price move."
    r = s.iloc[0]
    return (
        f"{len(s)} recorded bar-side{'' if len(s) == 1 else 's'} "
        f"carr{'ies' if len(s) == 1 else 'y'} far more liquidations than their own move "
        f"explains (table below); the most extreme, {r.asset} {r.side}s on "
        f"{date_text(r.ts, bar=True)}: {usd(r.usd)} on a {pct(r.move, 2)} move, "
        f"{r.intensity_x:,.0f}× the median intensity. They are kept in every score."
    )


def summary(v: DataView) -> dict[str, Any]:
    """Every number of the section for summary.json.

    The price keys are named by the section's asset: ``eth_1d``, ``eth_last_close`` in
    ETH's section, ``btc_1d``, ``btc_last_close`` in BTC's (``data-btc``).
    """
    lo, sh = v.totals
    top = v.top_bars()
    a = v.asset.lower()
    return {
        "sources": [] if v.sources is None else v.sources.to_dict(orient="records"),
        "store_series": [] if v.stored is None else v.stored.to_dict(orient="records"),
        "revised_history": revised_text(v.oi, v.liq),
        f"{a}_1d": _range(v.daily),
        f"{a}_1h": v.hourly_range,
        "open_interest_4h": _range(v.oi),
        "liquidations_4h": _range(v.liq),
        "funding_4h": _range(v.funding),
        "recorded_long_liquidations_usd": lo,
        "recorded_short_liquidations_usd": sh,
        "largest_liquidation_bar": top.index[0].isoformat(),
        "largest_liquidation_bar_usd": float(top["total"].iloc[0]),
        f"{a}_all_time_high_close": float(v.daily["close"].max()),
        f"{a}_last_close": float(v.daily["close"].iloc[-1]),
        "suspect_liquidation_bars": [
            {
                "asset": str(r["asset"]),
                "ts": str(r["ts"].isoformat()),
                "side": str(r["side"]),
                "usd": float(r["usd"]),
                "move": float(r["move"]),
                "intensity_x": float(r["intensity_x"]),
            }
            for r in v.suspects.to_dict("records")
        ],
    }


def section(ctx: ReportContext) -> Section:
    """Price and volume history, open interest, funding and recorded liquidations."""
    v = compute(ctx)
    return assemble("data", prose(v), figures(v), tables(v), summary(v))
