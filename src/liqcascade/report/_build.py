"""Assemble the sections into DIR/report.html (offline) and DIR/summary.json."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from liqcascade._json import to_jsonable
from liqcascade._time import STALE_DAYS, bar_text, days_since
from liqcascade._version import __version__
from liqcascade.market import MARKET_BAR
from liqcascade.report._cite import code_revision, reproduce_command, run_options, store_named
from liqcascade.report._data_section import REVISED_CLAUSE
from liqcascade.report._describe import describe
from liqcascade.report._figures import TEMPLATE, compact, finish
from liqcascade.report._format import date_text, prose_html, script_json, table_html
from liqcascade.report._names import display_name
from liqcascade.report._registry import SECTIONS, SectionSpec
from liqcascade.report._section import (
    INTERVAL_KINDS,
    MARK_MEANINGS,
    VERDICTS,
    Claim,
    Headline,
    ReportContext,
    Section,
    check_as_of,
    mark_class,
    mark_text,
)

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from liqcascade.report._run import Done

PLOTLY_JS = "plotly-cartesian-4.1.1.min.js"
"""The vendored partial plotly.js bundle, copied beside report.html (see _assets/README.md)."""

FRONT_HEADLINES: tuple[str, ...] = (
    "move_5pct",
    "critical_shock",
    "forced_selling_5pct",
    "var95_30d",
    "bad_debt_worst",
    "contagion_share",
)
"""Keys of the front page's headline numbers of the first asset, in order (at most six)."""

ASSET_HEADLINES: tuple[str, ...] = (
    "move_5pct",
    "critical_shock",
    "bad_debt_worst",
    "forced_selling_5pct",
)
"""Headline numbers of every further asset (keys suffixed ``_btc``): the first
:data:`ASSET_CARDS` as cards, the rest as one line each under them."""

FIRST_CARDS = 6
"""Cards of the first asset's block (two rows of three)."""

ASSET_CARDS = 3
"""Cards of a further asset's block (one row of three: the 5 % fall, the critical shock
and the worst scenario's bad debt, its largest risk figure, with the same weight as the
first asset's cards): a fourth card would start a row of its own (four in a row are too
narrow: their text ran 80 px below it) and push the cards below the first screen
(1440 × 900), so the further headline (forced liquidations) is one line under them."""

DEFAULT_ASSETS: tuple[str, ...] = ("ETH", "BTC")
"""Assets of the report by default (bundled, with shipped calibrations); any asset of the
store with both calibrations can be asked for (:func:`assets_of`)."""

SECTION_MODULES: tuple[str, ...] = tuple(s.module for s in SECTIONS)
_MENU = {s.id: s.menu or s.title for s in SECTIONS}
"""Section modules in report order (kept for callers of version 0.1)."""

CLAIMS_SOURCE = "a widely read 2025 market commentary on ETH liquidation risk"

_MOVE_BASELINES = ", ".join(
    display_name("baseline", b) for b in ("empirical", "expanding", "trigger")
)
"""The event back-test's baselines as every page names them (:func:`display_name`)."""


def claims_linked(sections: list[Section]) -> list[Claim]:
    """Every section's claims, each linked to a section of this report.

    A claim may name another section than its own (the stress section's cascade claim
    cites the cascade section's tests); when that section is not in the report, the
    claim links to its own.
    """
    ids = {s.id for s in sections}
    return [c if c.section in ids else replace(c, section=s.id) for s in sections for c in s.claims]


GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "ADL",
        "auto-deleveraging: when the insurance fund cannot cover a bankrupt position, "
        "the venue closes profitable opposite positions to cover the loss.",
    ),
    (
        "AIC, BIC",
        "Akaike's and the Bayesian information criteria: a model's fit (its log-likelihood) "
        "penalised for its number of parameters; lower is better, and BIC penalises more.",
    ),
    (
        "ARCH-LM test",
        "Engle's Lagrange-multiplier test for volatility clustering: squared returns "
        "regressed on their own past values; a small p-value means large moves cluster.",
    ),
    (
        "ATR",
        "average true range: the average over the last 14 bars (here 4-hour bars) of each "
        "bar's high–low range, widened to the previous close when price gapped; a stop "
        "1.5 × ATR away sits 1.5 typical bar ranges from entry.",
    ),
    ("Bad debt", "what liquidations leave unpaid after a position's margin is gone."),
    (
        "Band",
        "two meanings, each named where used. The liquidation back-test's 5–95 % band "
        "(validation section) runs from the p05 to the p95 of a day's liquidations drawn "
        "from the fitted model over its parameter sets (the main fit and its refits): a "
        "prediction interval, which should hold the recorded day on 90 % of days. The "
        "support study's band is the tolerance (a percentage of the "
        "price) around a zone within which a daily low counts as a test (see Pivot, zone, "
        "band).",
    ),
    (
        "Bankruptcy price",
        "the price at which a position's margin is used up; a liquidation that fills "
        "beyond it leaves bad debt.",
    ),
    (
        f"Baselines ({_MOVE_BASELINES}, Range, Background, EWMA)",
        "the simple rules a model must beat to be worth its complexity. Empirical: the "
        "24-h move after a fall predicted by the median ratio of past events, frozen at the "
        "back-test's start. Expanding: the same ratio re-estimated before each event from "
        "every event whose 24 h had ended by then. Trigger: the "
        "first fall alone, nothing added. Range: liquidations predicted from each bar's "
        "fall below its open times open interest. Background: the trailing 30 days' "
        "liquidations per side. Static book + background: the static book's liquidations "
        "plus that background. EWMA: a normal "
        "VaR with RiskMetrics' exponentially weighted volatility.",
    ),
    (
        "Book dollars, feed dollars",
        "dollars on the scale of Binance's recorded liquidation feed. The estimated book is "
        "identified only up to venue share × the feed's under-reporting, so its positions, "
        "liquidations, stops, margin and bad debt are a small fraction of the market's (the "
        "front page gives it per asset); prices, order-book depth and open interest are "
        "market dollars.",
    ),
    (
        "Book draws, parameter draws",
        "refits of a model on resampled data (bootstrap): book draws refit the position "
        "book, parameter draws the liquidity calibration; the spread of results over the "
        "draws gives an interval.",
    ),
    (
        "bp",
        "basis points, hundredths of a per cent (231.98 bp = 2.3198 %): the unit of the VaR "
        "back-test's pinball loss.",
    ),
    (
        "Christoffersen test",
        "checks that VaR exceedances do not bunch together (an exceedance should not make "
        "the next one likelier); its p-value (Christoffersen p) below 0.05 fails it.",
    ),
    ("Cohort", "the positions estimated to have opened in one bar on one side at one leverage."),
    (
        "Critical shock",
        "the smallest first fall whose calibrated median 24-h path (the cascade with "
        "recovering depth, then price's ordinary moves) reaches 10 % below where it "
        "started: the median of every path of every parameter draw pooled; its interval is "
        "where the 10th- and 90th-percentile paths cross −10 %. The command cascade "
        "--fragility also prints the median over draws of each draw's own crossing (a "
        "different statistic).",
    ),
    (
        "Critical shock, static-book",
        "the smallest first fall whose cascade of forced orders through a static book "
        "(instant, no refill, no time) carries price 10 % down; it bounds the cascade's "
        "own carry, not the 24-h path (transparency's distance to cascade).",
    ),
    (
        "D1",
        "the calibrated order book's depth within 1 % of the price (USD): the unit in which "
        "the stop back-test sizes the crowd of modelled stops.",
    ),
    (
        "De-clustered (stop)",
        "a volatility-scaled stop moved out of the crowd: beyond the round numbers and the "
        "recent swing extreme where modelled stops bunch.",
    ),
    ("ES", "expected shortfall: the average loss in the worst 1 % (or 5 %) of outcomes."),
    (
        "FHS",
        "filtered historical simulation: past standardised returns re-scaled by a "
        "fitted volatility model to simulate future paths.",
    ),
    (
        "Gap fills (only)",
        "the scenario's price reached at once (a gap) and every liquidation filled there, "
        "with no cascade adding to the move: the lower bound of bad debt.",
    ),
    (
        "Gini",
        "the Gini coefficient of ADL haircuts across accounts: 0 when every account "
        "bears the same share, near 1 when one account bears all of it.",
    ),
    (
        "GJR-GARCH, EGARCH",
        "volatility models in which tomorrow's variance depends on "
        "today's shock; γ measures how much more a fall raises it than a rise. GJR-t: "
        "GJR-GARCH with Student-t errors (fat tails).",
    ),
    (
        "Haircut, overshoot (ADL)",
        "the profit auto-deleveraging takes from an account to cover bad debt; the "
        "overshoot is what a policy takes beyond the bad debt (closing whole positions), "
        "credited to the insurance fund.",
    ),
    (
        "HF (health factor)",
        "Aave's safety measure of a loan: collateral value × its liquidation threshold ÷ "
        "debt; below 1 the loan can be liquidated.",
    ),
    (
        "HHI",
        "Herfindahl–Hirschman index: the sum of squared shares; 1 means everything in "
        "one price bucket, 1/n an even spread over n buckets.",
    ),
    (
        "Holm, Bonferroni",
        "corrections for testing many hypotheses at once, so that one 'significant' result "
        "among many is not found by chance: Bonferroni divides the 5 % level by the number "
        "of tests; Holm does so step by step (less strict, the same guarantee).",
    ),
    (
        "Index held, own carry",
        "the cascade run with the index price held at the shocked price, so that nothing "
        "but forced orders moves it: how far the cascade carries price by itself (its own "
        "carry). The 24-h move adds price's ordinary continuation on top.",
    ),
    (
        "Interval kinds (on a front-page card)",
        "what a card's range spans; the kinds differ in what they cover, so their widths "
        "do not compare: "
        + "; ".join(f"'{k}': {what}" for k, what in INTERVAL_KINDS.items())
        + ".",
    ),
    (
        "Kupiec test",
        "checks that a VaR is exceeded as often as it should be (1 % of days for a 99 % "
        "VaR); a p-value below 0.05 fails it.",
    ),
    (
        "Latent depth",
        "order-book liquidity beyond the visible ±1 % that appears as price moves toward it "
        "(a calibrated parameter of the liquidity response).",
    ),
    ("Liquidation map", "where estimated leveraged positions would be force-closed, by price."),
    (
        "Ljung–Box test",
        "tests whether a series' autocorrelations up to a lag are all zero; on a fit's "
        "squared residuals, a large p-value means the fit left no volatility clustering.",
    ),
    (
        "Log-correlation",
        "the correlation of the logarithms of predicted and recorded amounts: it scores "
        "whether the sizes are right within a factor, not in dollars.",
    ),
    (
        "Mark price, index price",
        "the index is an average of spot prices across venues; the mark, the index plus the "
        "venue's premium, values positions and triggers liquidations, so a fall on one "
        "venue moves its marks by only part of it.",
    ),
    ("Newey–West", "standard errors that allow for overlapping, autocorrelated returns."),
    (
        "OI",
        "open interest: the notional of every open futures position, here aggregated across "
        "venues; the range baseline is a bar's |return| × OI.",
    ),
    (
        "Out of sample",
        "measured on a period the model was not fitted on. At any market date "
        "the report scores only the periods and events whose outcome was known by that date, "
        "each predicted by a fit before it; a score that reads later data is marked so, as not "
        "what was knowable then. The fits and scores read the CoinGlass history as revised "
        f"later ({REVISED_CLAUSE}): not point-in-time.",
    ),
    (
        "p05, p95, p99",
        "percentiles: p05 is the value 5 % of the draws (or paths) fall below, p95 the one "
        "95 % fall below; p05–p95 is the band that holds the middle 90 %.",
    ),
    (
        "Pearson, Spearman",
        "correlations: Pearson's of the values themselves (a few large days can drive it), "
        "Spearman's of their ranks (whether the larger days are predicted larger).",
    ),
    (
        "Pinball loss",
        "the score of a quantile forecast (such as a VaR): misses weighted by how far and on "
        "which side; lower is better. It compares a model with its baseline.",
    ),
    (
        "Pivot, zone, band",
        "the support study's levels: a pivot is a daily low below every low within a few "
        "days (± pivot days) either side; pivots close together merge into a zone; a test "
        "is a later daily low back within the band (a percentage of the price) of a zone; "
        "not the back-test's 5–95 % band (see Band).",
    ),
    (
        "pp",
        "percentage points: the difference of two percentages (−9.07 % − (−5.00 %) = "
        "−4.07 pp), not a relative change.",
    ),
    ("p-value", "how often a result this strong would appear by chance alone."),
    (
        "s.e.",
        "standard error: the standard deviation of an estimate; 1.5 s.e. means the "
        "difference is 1.5 standard errors from zero.",
    ),
    (
        "Static book, static bound",
        "the reference cascade: each round's forced orders walk the order book as it is "
        "now, with no refill and no time. Its move bounds the cascade's own carry (not the "
        "24-h move); its liquidations are the static bound.",
    ),
    (
        "Status marks (on a front-page card)",
        "how the card's number fares in the check its evidence line states. "
        + "; ".join(f"'{m}': {what}" for m, what in MARK_MEANINGS)
        + ". A mark that opens with what was checked is about that, not the card's own "
        "number (the VaR card's 'back-test of unit long ETH: ties its baseline': a unit "
        "long position, not the sample portfolio). A second mark on a card (the 5 %-fall "
        "card's 'lower tail too thin vs history: p 0.036') is a further check it fails.",
    ),
    (
        "uniMMR",
        "Binance's unified maintenance margin ratio: an account's collateral, each asset "
        "valued at its collateral ratio, over the maintenance margin of all its positions; "
        "the account is liquidated at 1.05 or below.",
    ),
    ("VaR", "value at risk: the loss not exceeded with 99 % (or 95 %) probability."),
    (
        "Wilson interval",
        "a binomial confidence interval for a share (such as a stop-out rate), reliable near "
        "0 % and 100 %; it treats the trades as independent.",
    ),
)


def glossary(assets: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """:data:`GLOSSARY` for a report of ``assets``: its example card names their asset.

    The status marks' example (the VaR card's "back-test of unit long ETH") names ETH; a
    report without ETH (``report --asset BTC``) names its first asset, as its card does.

    Parameters
    ----------
    assets : tuple of str
        The report's assets.
    """
    if not assets or "ETH" in assets:
        return GLOSSARY
    own = f"unit long {assets[0]}"
    return tuple((term, text.replace("unit long ETH", own)) for term, text in GLOSSARY)


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    text = (files("liqcascade.report") / "templates" / "report.html.j2").read_text()
    env = jinja2.Environment(
        autoescape=jinja2.select_autoescape(default=True), undefined=jinja2.StrictUndefined
    )
    # both escape: the page writes them | safe
    env.filters["prose"] = lambda t: prose_html(str(t))
    env.filters["code"] = lambda t: prose_html(str(t), options=False)
    return env.from_string(text)


@lru_cache(maxsize=1)
def _bundled_digest() -> str:
    """SHA-256 (hex) of every file under the bundle's ``_files`` folder (:func:`tree_digest`)."""
    for pkg in ("liqcascade.data.bundled", "liqcascade.datasets", "liqcascade.data"):
        try:
            root = files(pkg) / "_files"
        except ModuleNotFoundError:
            continue
        if root.is_dir():
            return tree_digest(root)
    return hashlib.sha256().hexdigest()


#: The bundle's text files, whose line endings a checkout may change (git's ``autocrlf``).
_TEXT_SUFFIXES = (".csv", ".json", ".txt", ".toml")


def tree_digest(root: Any) -> str:
    """SHA-256 (hex) of the files under ``root``: each one's name and bytes, in a fixed order.

    A folder's entries in name order, depth first; a text file's (:data:`_TEXT_SUFFIXES`)
    CRLF line endings read as LF, so a Windows checkout of the same data hashes the same.

    Parameters
    ----------
    root : pathlib.Path or importlib.resources.abc.Traversable
        The folder.
    """
    h = hashlib.sha256()
    stack = [root]
    while stack:
        for f in sorted(stack.pop().iterdir(), key=lambda p: p.name, reverse=True):
            if f.is_dir():
                stack.append(f)
            elif f.is_file():
                data = f.read_bytes()
                if f.name.lower().endswith(_TEXT_SUFFIXES):
                    data = data.replace(b"\r\n", b"\n")
                h.update(f.name.encode())
                h.update(data)
    return h.hexdigest()


def data_fingerprint(
    assets: tuple[str, ...] | list[str] = DEFAULT_ASSETS,
    read: list[dict[str, str]] | None = None,
) -> str:
    """SHA-256 (first 12 hex digits) of the data the report read for ``assets``.

    Three parts: every bundled data file (name and bytes; the ETH-only sections read
    them directly); each series the report read for each asset, hashed as loaded
    (store rows merged with bundled ones, whole series: the back-tests read past the
    market date; :func:`liqcascade.report._data.frame_digest`); and the calibration
    files used (the store's or the package's). Where a series was read is not hashed,
    only what it holds: the same rows give the same fingerprint.

    Parameters
    ----------
    assets : sequence of str
        The report's assets.
    read : list of dict, optional
        :func:`liqcascade.report._data.read_sources` of ``assets``, if already computed.
    """
    from liqcascade.report._data import read_sources

    rows = read_sources(assets) if read is None else read
    return _digest(_bundled_digest(), rows)


def asset_fingerprints(
    assets: tuple[str, ...] | list[str] = DEFAULT_ASSETS,
    read: list[dict[str, str]] | None = None,
) -> dict[str, str]:
    """Each asset's data fingerprint: :func:`data_fingerprint` of that asset alone.

    The bundled data files and the asset's own rows of ``read`` (its series and its
    calibration files), so an asset's fingerprint does not depend on which other
    assets the report covers: ETH's in an ETH+BTC report is the fingerprint of an
    ETH-only report on the same data.

    Parameters
    ----------
    assets : sequence of str
        The report's assets.
    read : list of dict, optional
        :func:`liqcascade.report._data.read_sources` of ``assets``, if already computed.

    Returns
    -------
    dict
        Asset -> 12 hex digits, in the order of ``assets``.
    """
    from liqcascade.report._data import read_sources

    rows = read_sources(assets) if read is None else read
    bundled = _bundled_digest()
    return {
        a: _digest(bundled, [r for r in rows if str(r["asset"]).upper() == a.upper()])
        for a in assets
    }


def _digest(bundled: str, rows: list[dict[str, str]]) -> str:
    """SHA-256 (first 12 hex digits) of the bundle's digest and ``rows`` (in order)."""
    h = hashlib.sha256(bundled.encode())
    for r in rows:
        h.update(f"|{r['asset']}|{r['series']}|{r['sha256']}".encode())
    return h.hexdigest()[:12]


FIGURE_DIGITS = 6
"""Significant digits of a figure's numbers on the page: finer than any axis or hover
shows, and about 7 % lighter than the full 17 (the quick page has a 2.5 MB budget)."""


def _rounded(x: Any) -> Any:
    """``x`` with every float rounded to :data:`FIGURE_DIGITS` significant digits."""
    if isinstance(x, float):
        return float(f"{x:.{FIGURE_DIGITS}g}") if math.isfinite(x) else x
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    return x


def page_template() -> dict[str, Any]:
    """The report's plotly template as each figure's JSON holds it (the page holds it once)."""
    out: dict[str, Any] = _rounded(json.loads(json.dumps(TEMPLATE.to_plotly_json())))
    return out


def _fig_view(fig: Any, div_id: str) -> dict[str, str]:
    caption, fig = finish(fig)
    data = _rounded(json.loads(fig.to_json(validate=False)))
    spec = json.dumps(compact(data, page_template()), separators=(",", ":"))
    return {
        "id": div_id,
        "caption": caption,
        "json": script_json(spec),
        "summary": describe(data),  # the chart in words: its accessible name on the page
    }


def render_section(s: Section) -> dict[str, Any]:
    """The page's view of a section: formatted takeaways, figures as JSON, tables as HTML."""
    takeaways = s.takeaways or ([s.finding] if s.finding else [])
    return {
        "id": s.id,
        "title": s.title,
        "menu": _MENU.get(s.id, s.title),
        "takeaways": takeaways,
        "method": s.notes,
        "figures": [_fig_view(f, f"fig-{s.id}-{i}") for i, f in enumerate(s.figures)],
        "tables": [  # (caption, its id, the table named by it)
            (c, f"tab-{s.id}-{i}", table_html(t, labelled_by=f"tab-{s.id}-{i}" if c else None))
            for i, (c, t) in enumerate(s.tables)
        ],
    }


@dataclass(frozen=True)
class Front:
    """What the front page says: market, date, fingerprint, headline numbers, verdicts.

    ``groups`` holds the headline cards per asset (the first asset's up to six, every
    further asset's :data:`ASSET_HEADLINES`); ``headlines`` is the flat list.
    """

    assets: list[str]
    as_of: str
    as_of_text: str  # "bar 2025-07-31 20:00–2025-08-01 00:00 UTC": both ends
    prices_to: str
    data_age_days: int  # with ``stale`` (past STALE_DAYS), what a pipeline checks
    generated: str
    version: str
    fingerprint: str
    headlines: list[Headline]
    claims: list[Claim]
    clusters_near_price: list[dict[str, Any]]
    critical_shock: float | None
    groups: list[tuple[str, list[Headline]]]
    skipped: list[str]
    eth_only: list[str] = field(default_factory=list)
    skipped_why: list[str] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    sources_text: str = "every series from the bundled files"
    caveats: list[str] = field(default_factory=list)
    units: str = ""
    book_share_of_oi: dict[str, float] = field(default_factory=dict)
    stale: bool = False
    stale_text: str = ""
    revision: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    command: str = ""
    first_cards: int = FIRST_CARDS
    asset_cards: int = ASSET_CARDS
    fingerprints: dict[str, str] = field(default_factory=dict)
    interval_key: str = ""


def interval_key(heads: list[Headline]) -> str:
    """The front page's key to its cards' interval kinds, the kinds shown only.

    ``"Ranges: 80 % forecast = …; 95 % sampling = …: they cover different things, so
    their widths do not compare."``; ``""`` without a card interval of a known kind.
    """
    kinds = list(dict.fromkeys(h.interval_kind for h in heads if h.interval_kind))
    said = [f"{k} = {INTERVAL_KINDS[k]}" for k in kinds if k in INTERVAL_KINDS]
    if not said:
        return ""
    return (
        "Ranges on the cards: "
        + "; ".join(said)
        + ": they cover different things, so their widths do not compare."
    )


def _groups(ctx: ReportContext, sections: list[Section]) -> list[tuple[str, list[Headline]]]:
    by_key = {h.key: h for s in sections for h in s.headlines}
    out = []
    for i, a in enumerate(ctx.assets):
        suffix = "" if a == "ETH" else f"_{a.lower()}"
        keys = FRONT_HEADLINES if i == 0 else ASSET_HEADLINES
        heads = [by_key[k + suffix] for k in keys if k + suffix in by_key][:FIRST_CARDS]
        if heads:
            out.append((a, heads))
    return out


def _eth_only(ctx: ReportContext, sections: list[Section]) -> list[str]:
    """Why the further assets' blocks lack an ETH-only section: one line each."""
    if len(ctx.assets) < 2:
        return []
    ran = {s.id for s in sections}
    return [
        f"{sp.menu or sp.title}: {sp.why_eth_only}."
        for sp in SECTIONS
        if sp.scope == "ETH" and sp.id in ran and sp.why_eth_only
    ]


def _front(
    ctx: ReportContext,
    sections: list[Section],
    generated: datetime,
    skipped: list[str],
    ran: list[str] | None = None,
    refreshed: bool = False,
    out: str = "report",
) -> Front:
    from liqcascade.report._data import file_sources, read_sources, series
    from liqcascade.report._units import front_line

    as_of = ctx.last_oi_bar
    prices_to = pd.Timestamp(series("ohlcv", ctx.asset, "1h").index[-1])  # the data's end
    src = read_sources(ctx.assets)
    groups = _groups(ctx, sections)
    heads = [h for _, hs in groups for h in hs]
    first = ctx.assets[0]  # the front's clusters and critical shock are the first asset's
    own = "" if first == "ETH" else first.lower()  # ids "liqmap", "liqmap-btc"; keys "_btc"
    liq = next((s.summary for s in sections if s.id == "-".join(filter(None, ("liqmap", own)))), {})
    clusters: list[dict[str, Any]] = [
        {"asset": first} | {k: float(c[k]) for k in ("price", "distance", "notional_usd") if k in c}
        for c in liq.get("largest_clusters", [])[:5]
    ]
    cs = next((h for h in heads if h.key == "_".join(filter(None, ("critical_shock", own)))), None)
    shares = _book_shares(ctx)
    opts = run_options(
        ctx.assets,
        ctx.as_of,
        quick=ctx.quick,
        sections=_asked_sections(ran, skipped),
        as_of_asked=ctx.requested_as_of is not None,
    )
    return Front(
        assets=list(ctx.assets),
        as_of=as_of.isoformat(),
        as_of_text=bar_text(as_of, as_of + MARKET_BAR),  # the market's open-interest bar
        prices_to=date_text(prices_to),
        data_age_days=market_age_days(as_of, generated),
        generated=f"{generated:%Y-%m-%d %H:%M} UTC",
        version=__version__,
        fingerprint=data_fingerprint(ctx.assets, src),
        fingerprints=asset_fingerprints(ctx.assets, src),
        headlines=heads,
        interval_key=interval_key(heads),
        claims=claims_linked(sections),
        clusters_near_price=clusters,
        critical_shock=None if cs is None else cs.value,
        groups=groups,
        skipped=skipped,
        skipped_why=[_why_skipped(sid) for sid in skipped],
        eth_only=_eth_only(ctx, sections),
        sources=src + file_sources(s.id for s in sections),
        sources_text=_sources_text(src),
        caveats=[f"{n}." for n in ctx.date_notes] + _caveats(ctx, sections) + _revised_caveat(src),
        units=front_line(shares, _book_records(ctx, shares)) if shares else "",
        book_share_of_oi=shares,
        stale=market_age_days(as_of, generated) > STALE_DAYS,
        stale_text=stale_text(market_age_days(as_of, generated), ctx.requested_as_of, refreshed),
        revision=code_revision(),
        options=opts,
        command=reproduce_command(opts, out, store_named(src)),  # --out and store as given
    )


REVISED_CAVEAT = (
    "Every out-of-sample score of CoinGlass series (open interest, liquidations, book "
    "totals) reads data collected ~6 months after each bar and revised since: pseudo out "
    "of sample, not point-in-time."
)
"""The front page's caveat on the bundled CoinGlass history (the data section's
:data:`~liqcascade.report._data_section.REVISED`, in one short line)."""


def _revised_caveat(src: list[dict[str, str]]) -> list[str]:
    """:data:`REVISED_CAVEAT` when a series was read from the bundled files, else none."""
    return [REVISED_CAVEAT] if any(r.get("source") == "bundled" for r in src) else []


def _asked_sections(ran: list[str] | None, skipped: list[str]) -> list[str] | None:
    """The registered sections the run asked for, or None when it ran every one.

    ``ran``: the spec ids of the sections run (None: unknown, taken as every one); an
    ETH-only section not run for lack of ETH (``skipped``) counts as asked.
    """
    if ran is None:
        return None
    ids = set(ran) | set(skipped)
    asked = [sp.id for sp in SECTIONS if sp.id in ids]
    return None if len(asked) == len(SECTIONS) else asked


REFRESH_COMMAND = "liqcascade report --refresh"


def market_age_days(bar_open: Any, generated: Any) -> int:
    """Whole days from the market's close to the report's generation.

    The market is known at the close of its bar (``bar_open + MARKET_BAR``), not at the
    open that labels it: a report generated 30 days and 2 hours after that close says
    30 days, not the 31 the open would give.

    Parameters
    ----------
    bar_open : datetime-like
        The open of the market's bar (:attr:`ReportContext.last_oi_bar`), UTC.
    generated : datetime-like
        When the report is generated, UTC.

    Returns
    -------
    int
        Whole days, floored.
    """
    return days_since(pd.Timestamp(bar_open) + MARKET_BAR, generated)


def stale_text(age_days: int, asked: Any = None, refreshed: bool = False) -> str:
    """What the front page says of a market that is not today's, or ``""``.

    Parameters
    ----------
    age_days : int
        Days from the market's close to the report's generation (:func:`market_age_days`).
    asked : date-like or None
        The market date asked for (None: the data's last bar, which is then stale): an
        asked date is the reader's choice, and no refresh is offered.
    refreshed : bool, default False
        The run fetched from the venues first (``report --refresh``) and the market is
        still not today's: the refresh found nothing newer, and is not offered again.
    """
    if age_days <= STALE_DAYS:
        return ""
    if asked is not None:
        return "This is the market of the date asked, not today's."
    if refreshed:
        return "Not today's market: the refresh found nothing newer than this bar."
    return f"Not today's market: for today's, run {REFRESH_COMMAND} (network)."


def _book_shares(ctx: ReportContext) -> dict[str, float]:
    """Each asset's estimated book over its aggregated open interest (book dollars' scale).

    An asset the package does not bundle may have no estimated market (its sections say
    why, :func:`liqcascade.report._run._build`): it has no share. A bundled asset's error
    raises, as its sections' do; one asset's error never drops the others' shares.
    """
    from liqcascade.data import bundled
    from liqcascade.errors import InputError
    from liqcascade.report._units import book_share

    out: dict[str, float] = {}
    for a in ctx.assets:
        try:
            out[a] = book_share(ctx.for_asset(a))
        except InputError:
            if a in bundled.assets():
                raise
    return out


def _book_records(ctx: ReportContext, shares: dict[str, float]) -> dict[str, str]:
    """The recorded liquidation feed each asset's book is on (the assets of ``shares``)."""
    from liqcascade.report._units import book_feed

    return {a: book_feed(ctx.for_asset(a))[1] for a in shares}


def _why_skipped(sid: str) -> str:
    """``"contagion (why)"`` for an ETH-only section not run."""
    sp = next((x for x in SECTIONS if x.id == sid), None)
    why = "" if sp is None or not sp.why_eth_only else f" ({sp.why_eth_only})"
    return f"{sid}{why}"


def _sources_text(src: list[dict[str, str]]) -> str:
    """Where the series and calibrations were read, grouped per asset.

    ``"series read from: SOL store (x.duckdb); ETH, BTC bundled; calibrations: SOL store
    (x.calibrations); ETH, BTC package"``.
    """
    cals = [r for r in src if r["series"].endswith(" calibration")]
    text = _series_text([r for r in src if not r["series"].endswith(" calibration")])
    by_asset: dict[str, set[str]] = {}
    for r in cals:
        where = r["source"].split(" (")[0]
        if where == "store":
            where = "store (" + r["source"].split(" (")[1].split("/")[0] + ")"
        by_asset.setdefault(r["asset"], set()).add(where)
    if not by_asset:
        return text
    if all(v == {"package"} for v in by_asset.values()):
        return text + "; calibrations from the package"
    groups: dict[str, list[str]] = {}
    for a, v in by_asset.items():
        groups.setdefault(" + ".join(sorted(v)), []).append(a)
    return text + "; calibrations: " + "; ".join(f"{', '.join(a)} {k}" for k, a in groups.items())


def _series_text(src: list[dict[str, str]]) -> str:
    """Where the series were read, grouped: ``"SOL: store (x.duckdb); ETH, BTC: bundled"``."""
    by_asset: dict[str, list[str]] = {}
    for r in src:
        by_asset.setdefault(r["asset"], []).append(r["source"])
    if all(set(v) == {"bundled"} for v in by_asset.values()):
        return "every series from the bundled files"
    groups: dict[str, list[str]] = {}
    for a, v in by_asset.items():
        key = (
            v[0]
            if len(set(v)) == 1
            else "; ".join(f"{r['series']} {r['source']}" for r in src if r["asset"] == a)
        )
        groups.setdefault(key, []).append(a)
    return "series read from: " + "; ".join(f"{', '.join(a)} {k}" for k, a in groups.items())


def _caveats(ctx: ReportContext, sections: list[Section]) -> list[str]:
    """The estimated markets' caveats, from the sections that stand on them."""
    out: list[str] = []
    for s in sections:
        for c in s.summary.get("caveats", []) if isinstance(s.summary, dict) else []:
            a = str(s.summary.get("asset", ctx.asset))
            line = f"{a}: {c}."
            if line not in out:
                out.append(line)
    return out


def _specs(sections: tuple[str, ...] | None, modules: tuple[str, ...] | None) -> list[SectionSpec]:
    if sections is not None:
        from liqcascade.report._registry import get_section

        return [get_section(s) for s in sections]
    if modules is not None:
        return [s for s in SECTIONS if s.module in modules]
    return list(SECTIONS)


def _summary(front: Front, done: list[Done]) -> dict[str, Any]:
    f = asdict(front)
    # the mark as the card shows it, always (its own label or the rule's words)
    f["headlines"] = {
        h["key"]: h | {"check_label": mark_text(x)}
        for h, x in zip(f["headlines"], front.headlines, strict=True)
    }
    f.pop("groups")
    return {
        "generated": front.generated,
        "version": front.version,
        "revision": front.revision,
        "options": front.options,
        "command": front.command,
        "as_of": front.as_of,
        "fingerprint": front.fingerprint,
        "fingerprints": front.fingerprints,
        "front": {k: v for k, v in f.items() if k != "claims"},
        "sections": {d.section.id: to_jsonable(d.section.summary) for d in done},
        "claims": [  # the front page's row (front) and the section's full text (computed)
            {
                "claim": c.claim,
                "front": c.front,
                "computed": c.computed,
                "would_test": c.would_test,
                "verdict": c.verdict,
                "section": c.section,
            }
            for c in front.claims
        ],
        "timings": {
            d.section.id: {"wall_s": round(d.wall_s, 3), "cpu_s": round(d.cpu_s, 3), "lane": d.lane}
            for d in done
        },
    }


def assets_of(asset: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """The report's assets from ``"ETH"``, ``"ETH,BTC"`` or a sequence (default both).

    Any asset whose series the default store or the bundle holds and that has both
    calibrations (the identified book's and the liquidity response's, the store's or
    the package's; :func:`liqcascade.report._data.missing`).

    Raises
    ------
    liqcascade.errors.InputError
        For an asset without them: one line naming the asset and what is missing.
    """
    from liqcascade.errors import InputError
    from liqcascade.report._data import missing, store_path

    if asset is None:
        return DEFAULT_ASSETS
    items = asset.split(",") if isinstance(asset, str) else list(asset)
    out = tuple(dict.fromkeys(a.strip().upper() for a in items if a.strip()))
    if not out:
        raise InputError("asset: none given", param="asset")
    for a in out:
        if a in DEFAULT_ASSETS:
            continue
        lack = missing(a)
        if lack:
            p = store_path()
            where = f"the store {p}" if p is not None else "no store (LIQCASCADE_STORE)"
            raise InputError(
                f"asset: {a}: no {', '.join(lack)} for {a} in {where} or the bundle "
                "(bundled: " + ", ".join(DEFAULT_ASSETS) + "); ingest its series "
                "(`liqcascade data ingest`), then (`liqcascade liqmap calibrate`, asset "
                f"{a}) and (`liqcascade cascade calibrate`, asset {a})",
                param="asset",
            )
    return out


def check_first_fit(assets: tuple[str, ...], as_of: Any, specs: list[SectionSpec]) -> None:
    """Refuse, before any work, a date the validation section cannot score.

    The validation section back-tests the months from the first one each asset's
    calibration has a fit for (:func:`liqcascade.report._section.validation_window`);
    a report date before it would fail there, after the sections before it have run.
    Checked only for a date given (``as_of`` not None) and when the validation section
    is among ``specs``.

    Raises
    ------
    liqcascade.errors.InputError
        Naming ``as_of`` and the first month with a fit.
    """
    if as_of is None or not any(s.id == "validation" for s in specs):
        return
    from liqcascade.positions import load_asset_calibration
    from liqcascade.report._section import _store, validation_window

    for a in assets:
        validation_window(load_asset_calibration(a, store=_store()).fits, as_of)


@dataclass(frozen=True)
class ReportOptions:
    """A report's options, checked once before any work: made by :func:`report_options`.

    Attributes
    ----------
    assets : tuple of str
        The assets, upper case, in the order asked.
    as_of : date, timestamp, str or None
        The market date asked (None: the first asset's last open-interest bar, taken when
        the report runs, after ``--refresh``).
    specs : tuple of SectionSpec
        The sections to run, in report order.
    """

    assets: tuple[str, ...]
    as_of: Any
    specs: tuple[SectionSpec, ...]

    @property
    def sections(self) -> tuple[str, ...]:
        """The ids of :attr:`specs`."""
        return tuple(s.id for s in self.specs)


def report_options(
    asset: str | tuple[str, ...] | list[str] | None,
    as_of: Any,
    sections: tuple[str, ...] | list[str] | None = None,
    modules: tuple[str, ...] | None = None,
) -> ReportOptions:
    """Check a report's options, each once, before any work (and before ``--refresh``).

    Parameters
    ----------
    asset, as_of, sections, modules
        As in :func:`build_report` (``sections`` None: every section, or those of
        ``modules``).

    Returns
    -------
    ReportOptions
        What :func:`run_report` runs.

    Raises
    ------
    liqcascade.errors.InputError
        Naming the parameter (``asset``, ``sections``, ``as_of``): an unknown asset or
        section, a date outside the data or, with the validation section, before the
        first month with a fit (:func:`check_first_fit`).
    """
    assets = assets_of(asset)
    specs = _specs(None if sections is None else tuple(s.strip() for s in sections), modules)
    if as_of is not None:
        for a in assets:
            check_as_of(a, as_of)
    check_first_fit(assets, as_of, specs)
    return ReportOptions(assets, as_of, tuple(specs))


def run_report(
    out_dir: str | Path,
    options: ReportOptions,
    *,
    quick: bool = False,
    on_section: Callable[[str, float], None] | None = None,
    workers: int | None = None,
    single_file: bool = False,
    refreshed: bool = False,
    on_step: Callable[[str, str], None] | None = None,
) -> dict[str, Path]:
    """Run the sections of checked ``options`` and write the report (:func:`build_report`).

    The options' checks are not made again; the default date (``as_of`` None), known
    only now, is checked here, before any section. ``refreshed``: the venues were
    fetched from first (``report --refresh``), so a market still not today's says the
    refresh found nothing newer (:func:`stale_text`). ``on_step(section_id, what)``:
    called at the long sections' sub-steps run in this process
    (:meth:`ReportContext.step`; none from the forked lane).
    """
    from liqcascade._store_reads import shared_store_reads
    from liqcascade.report._run import plan, run_all, workers_default

    assets = options.assets
    with shared_store_reads():  # one store connection for every look-up (released to fork)
        ctx = ReportContext(
            quick=quick, asset=assets[0], as_of=options.as_of, assets=assets, on_step=on_step
        )
        if options.as_of is None:  # the latest bar every asset's market reaches
            for a in assets:
                check_as_of(a, ctx.as_of)
            for note in ctx.date_notes:
                logging.getLogger("liqcascade.report").warning("note: %s", note)
        jobs, skipped = plan(list(options.specs), assets)
        n = workers_default() if workers is None else workers
        done = run_all(jobs, ctx, render_section, workers=n, on_section=on_section)
        return write_report(
            out_dir, ctx, done, skipped, single_file=single_file, refreshed=refreshed
        )


def build_report(
    out_dir: str | Path,
    *,
    sections: tuple[str, ...] | None = None,
    modules: tuple[str, ...] | None = None,
    quick: bool = False,
    asset: str | tuple[str, ...] | None = None,
    as_of: Any = None,
    on_section: Callable[[str, float], None] | None = None,
    workers: int | None = None,
    single_file: bool = False,
    on_step: Callable[[str, str], None] | None = None,
) -> dict[str, Path]:
    """Run the registered sections and write ``report.html`` and ``summary.json``.

    Parameters
    ----------
    out_dir : path
        Output folder, created if needed.
    sections : tuple of str, optional
        Section ids to run (default: every registered section, in order).
    modules : tuple of str, optional
        Section modules to run (version 0.1's way of choosing; ``sections`` wins).
    quick : bool, default False
        Ask sections for their fast variant (fewer Monte Carlo paths, coarser grids).
    asset : str or tuple of str, optional
        Assets: ``"ETH"``, ``"ETH,BTC"`` or a tuple (default :data:`DEFAULT_ASSETS`).
        Per-asset sections run for each; ETH-only sections say so.
    as_of : date, timestamp or str, optional
        Market date of the estimated market (default: the last bundled bar).
    on_section : callable, optional
        Called as ``on_section(section_id, seconds)`` after each section (progress).
    on_step : callable, optional
        Called as ``on_step(section_id, what)`` at the long sections' sub-steps, in this
        process only (:meth:`ReportContext.step`: a forked lane's sections say none).
    workers : int, optional
        1 runs every section in this process; 2 runs the sections that do not need the
        estimated market in a forked process (default: 2 when two cores are free and
        the process may fork, :func:`liqcascade._procs.fork_refusal`; on macOS and
        Windows one lane runs every section whatever ``workers``).
    single_file : bool, default False
        Put plotly.js inside report.html (+1.5 MB) instead of beside it, so that the
        page shows its figures when forwarded alone.

    Returns
    -------
    dict
        ``{"html": path, "summary": path, "plotly": path}`` (no ``"plotly"`` with
        ``single_file``).

    Raises
    ------
    liqcascade.errors.InputError
        Before any section runs: an unknown asset or section, an ``as_of`` outside the
        data or, with the validation section, before the first month with a fit.

    Notes
    -----
    numpy's and scipy's BLAS run on one thread for the duration of the call, as on the
    command line (:func:`liqcascade._blas.one_blas_thread`; restored afterwards), unless
    the environment sets their thread count: the command line's figures, and its speed.
    The look-ups of the default store share one read-only connection for the call
    (:func:`liqcascade._store_reads.shared_store_reads`).
    """
    from liqcascade._blas import one_blas_thread
    from liqcascade._store_reads import shared_store_reads

    # one connection to the store for every look-up of the report (liqcascade._store_reads)
    with shared_store_reads():
        options = report_options(asset, as_of, sections, modules)  # before any section
        with one_blas_thread():  # the command line's BLAS: its figures, and faster
            return run_report(
                out_dir,
                options,
                quick=quick,
                on_section=on_section,
                workers=workers,
                single_file=single_file,
                on_step=on_step,
            )


def nav_groups(done: list[Done]) -> list[dict[str, Any]]:
    """The menu: one entry per section, a section run per asset grouped under its name.

    A section of one asset (or of all) is one link; a per-asset section of a report of
    several assets is its short name followed by one short link per asset ("Cascade ETH
    BTC"), so that the menu fits one line at 1440 px.
    """
    out: list[dict[str, Any]] = []
    by_spec: dict[str, dict[str, Any]] = {}
    for d in done:
        spec, view = d.job.spec, d.view
        link = {"href": view["id"], "title": view["title"]}
        if spec.scope == "asset" and d.job.n_assets > 1:
            g = by_spec.get(spec.id)
            if g is None:
                g = {"label": spec.menu or spec.title, "links": []}
                by_spec[spec.id] = g
                out.append(g)
            g["links"].append({**link, "text": d.job.asset})
        else:
            out.append({"label": "", "links": [{**link, "text": view["menu"]}]})
    return out


def plotly_asset() -> Traversable:
    """The vendored plotly.js bundle (:data:`PLOTLY_JS`) in the installed package."""
    return files("liqcascade.report") / "_assets" / PLOTLY_JS


def plotly_source() -> str:
    """The vendored plotly.js bundle's text, safe to place inside an inline ``<script>``.

    Raises
    ------
    RuntimeError
        If the bundle holds ``</script`` (it would end the inline element early).
    """
    text = plotly_asset().read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise RuntimeError(f"{PLOTLY_JS} holds '</script' and cannot be inlined")
    return text


def write_report(
    out_dir: str | Path,
    ctx: ReportContext,
    done: list[Done],
    skipped: list[str] | None = None,
    *,
    single_file: bool = False,
    refreshed: bool = False,
) -> dict[str, Path]:
    """Render finished sections into ``out_dir`` (report.html, summary.json, plotly.js).

    With ``single_file`` the plotly.js bundle (1.5 MB) goes inside report.html, which
    then shows its figures alone (forwarded by mail, opened from a download folder);
    no plotly.js file is written and the returned dict has no ``"plotly"`` key.
    ``refreshed``: the run fetched from the venues first (:func:`stale_text`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    front = _front(
        ctx,
        [d.section for d in done],
        datetime.now(UTC),
        skipped or [],
        ran=[d.job.spec.id for d in done],
        refreshed=refreshed,
        out=str(out_dir),
    )
    html = _template().render(
        front=front,
        claims_source=CLAIMS_SOURCE,
        verdicts=VERDICTS,
        mark_text=mark_text,
        mark_class=mark_class,
        sections=[d.view for d in done],
        nav=nav_groups(done),
        glossary=glossary(tuple(ctx.assets)),
        plotly_js=PLOTLY_JS,
        plotly_inline=plotly_source() if single_file else None,
        figure_template=script_json(json.dumps(page_template(), separators=(",", ":"))),
    )
    paths = {"html": out / "report.html", "summary": out / "summary.json"}
    summary = json.dumps(to_jsonable(_summary(front, done)), indent=2, allow_nan=False)
    contents = {paths["html"]: html.encode("utf-8"), paths["summary"]: summary.encode("utf-8")}
    if not single_file:
        paths["plotly"] = out / PLOTLY_JS
        contents = {paths["plotly"]: plotly_asset().read_bytes(), **contents}
    _write_outputs(out, contents)
    return paths


def _write_outputs(out: Path, contents: dict[Path, bytes]) -> None:
    """Write a report's files into the folder ``out``, all of them or none.

    :func:`liqcascade._paths.write_all_atomic`: each file staged whole beside it, then
    all renamed into place in the order given (report.html before summary.json). A file
    already holding the same bytes (plotly.js, from an earlier report) is left as it is.

    Parameters
    ----------
    out : Path
        The folder (created if missing).
    contents : dict of Path to bytes
        Each file's path (in ``out``) and bytes.

    Raises
    ------
    InputError
        A write that fails (a full disk, a file-size limit, no permission), naming
        ``out_dir`` and saying what the folder holds: the previous report as it was
        (nothing written), or, were a rename to fail, which files were replaced. Ctrl-C
        leaves the previous report as it was too. No temporary file is left behind.
    """
    from liqcascade._paths import write_all_atomic
    from liqcascade.errors import InputError

    replaced: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_all_atomic(contents, skip_same=True, replaced=replaced)
    except OSError as exc:
        cause = exc.strerror or str(exc)
        if replaced:
            left = f"only {', '.join(p.name for p in replaced)} replaced: run the report again"
        elif (out / "report.html").is_file():
            left = "nothing was written (the report there is as it was)"
        else:
            left = "nothing was written"
        raise InputError(f"out_dir: {out}: cannot write: {cause}; {left}", param="out_dir") from exc
