"""Building blocks of the report: a section, a claim row, a headline number, the context.

A section module splits its work in three steps: ``compute(ctx)`` calls the library and
returns a typed result (a dataclass), ``figures(result)`` draws it, ``prose(result)``
writes the takeaways, the claims and the headline numbers. ``build(ctx)`` joins them
into a :class:`Section`. Results shared between sections are typed attributes of
:class:`ReportContext`, computed once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go

if TYPE_CHECKING:
    from liqcascade.cascade import MarketState
    from liqcascade.market import MarketBook
    from liqcascade.positions import PositionBook
    from liqcascade.volatility import VolatilityFit

VERDICTS: tuple[str, ...] = (
    "supported",
    "partly supported",
    "not supported",
    "contradicted",
    "interval spans both answers",
    "not testable with these data",
    "context",
)
"""The verdicts a claim row may carry, in the order of the legend."""


@dataclass(frozen=True)
class Claim:
    """A row of the verdict table: a claim of the 2025 commentary against the data.

    Parameters
    ----------
    claim : str
        The claim, as it is usually stated.
    computed : str
        What liqcascade computes on the bundled data, short, with numbers.
    verdict : str
        One of :data:`VERDICTS`.
    would_test : str, optional
        For "not testable with these data": the data that would test it.
    section : str, optional
        Anchor of the section behind the row (filled in by the report builder).
    front : str, optional
        The front page's row: the decisive figures and their baseline in plain words,
        at most :data:`FRONT_CHARS` characters once markup is stripped
        (:func:`front_chars`). ``computed`` (every figure) and ``would_test`` are shown
        in the claim's section, in its "Claim tested here" box, and in summary.json.
    """

    claim: str
    computed: str
    verdict: str
    would_test: str = ""
    section: str = ""
    front: str = ""


FRONT_CHARS = 170
"""Most characters of a claim's front-page text (:attr:`Claim.front`, markup stripped).

The front page (cards and every claim row, 7 pt in print) fits one A4 page and a
1440 × 900 window with every row at this length: the browser test pads each row to it."""


def front_chars(text: str) -> int:
    """Characters of ``text`` as the page shows it: its backticks (code markup) left out."""
    return len(text.replace("`", ""))


@dataclass(frozen=True)
class Headline:
    """One number of the front page, with its interval and the evidence behind it.

    Parameters
    ----------
    key : str
        Stable name, the key in summary.json's ``front.headlines`` (``liqcascade diff``).
    label : str
        What the number is, in words.
    value : float
        The number in its unit (fraction, USD), for ``liqcascade diff``.
    text : str
        The number as printed (formatted).
    interval : str
        Its interval as printed, and what the interval spans.
    evidence : str
        The validation score behind it (out-of-sample correlation, back-test), or
        "model only" and why.
    unit : {"usd", "fraction", "number"}
        How ``value`` is measured, for the diff's thresholds.
    low, high : float, optional
        The interval's ends in the unit of ``value``.
    bound : bool, default False
        The number hit a limit of the model (book exhausted) and is a bound.
    section : str
        Anchor of the section it comes from (filled in by the builder).
    asset : str
        The asset it is about (filled in by the builder).
    scope : str, default ""
        The assets the number covers when more than ``asset`` (``"ETH+BTC"``: the
        sample portfolio the stress section shows for each asset); ``liqcascade diff``
        matches such a number across reports by it, not by ``asset``.
    check : {"", "passes", "ties", "fails"}, default ""
        The card's status mark: how the number fares in the computed check its
        ``evidence`` states (a back-test against its baselines, history, a record),
        derived from that check's figures by the section (:func:`check_mark`); ``""``
        for a number with no such check (model only).
    check_label : str, default ""
        What the mark says when :data:`CHECK_MARKS`' words would misread the card (a
        card whose number is model only, its mark about a check beside it: the
        contagion card's "a leg fails the record"); ``""``: those words.
    check_in_sample : bool, default False
        The check reads the data the model was fitted on (no out-of-sample score): the
        mark is :data:`IN_SAMPLE_MARKS`' words, never "passes its check"
        (:func:`mark_text`).
    warning : str, default ""
        A further check the number fails, in a few words, printed as a second mark on the
        card (the 5 %-fall card's interval against long history: "lower tail too thin vs
        history: p 0.036"); ``""``: none failed.
    interval_kind : str, default ""
        What ``low``–``high`` span, in a few words (:data:`INTERVAL_KINDS`: "80 %
        forecast", "p10–p90 paths", "95 % sampling", "80 % parameter draws"); ``""``
        without an interval.
    dollar_scale : {"", "feed", "real"}, default ""
        For a number in dollars: ``"feed"``, the book's dollars on the scale of a recorded
        liquidation feed (a fraction of the market, ``front.book_share_of_oi``);
        ``"real"``, dollars of a real position or portfolio; ``""`` for no dollars.
    portfolio : str, default ""
        The positions a portfolio's number is about ("10 ETH long 20×, …"), from the
        section's portfolio; ``""`` for a number about the market.
    """

    key: str
    label: str
    value: float
    text: str
    interval: str
    evidence: str
    unit: str = "number"
    low: float | None = None
    high: float | None = None
    bound: bool = False
    section: str = ""
    asset: str = ""
    scope: str = ""
    check: str = ""
    check_label: str = ""
    check_in_sample: bool = False
    warning: str = ""
    interval_kind: str = ""
    dollar_scale: str = ""
    portfolio: str = ""


INTERVAL_KINDS: dict[str, str] = {
    "80 % forecast": "the model's 80 % predictive band: 10th to 90th percentile of its paths",
    "p10–p90 paths": "the number read off the 10th- and 90th-percentile paths",
    "95 % sampling": "95 % band of sampling error only (Monte Carlo), not of the model",
    "80 % parameter draws": "10th to 90th percentile over the book's parameter draws",
}
"""Kinds of a card's interval (:attr:`Headline.interval_kind`), each with its meaning
for the front page's key: they differ in what they cover, so their widths do not compare."""


CHECK_MARKS: dict[str, str] = {
    "passes": "passes its check",
    "ties": "ties its baseline",
    "fails": "fails its check",
}
"""The card's status mark (:attr:`Headline.check`) as the page prints it: a check out of
sample (a back-test against its baselines, a record the model was not fitted on)."""

IN_SAMPLE_MARKS: dict[str, str] = {
    "passes": "consistent with history (in sample)",
    "ties": "ties its baseline (in sample)",
    "fails": "fails its check (in sample)",
}
"""The status mark of a card whose check is in sample (:attr:`Headline.check_in_sample`):
history the model was fitted on agrees with it, which validates nothing out of sample, so
it never reads "passes its check"."""

MARK_MEANINGS: tuple[tuple[str, str], ...] = (
    (
        CHECK_MARKS["passes"],
        "the number's check, out of sample, is met: it beats every "
        "baseline it is scored on, or falls within its goal or the record",
    ),
    (
        CHECK_MARKS["ties"],
        "out of sample, it does no better (and no worse) than the "
        "strongest simple baseline: the paired interval holds zero",
    ),
    (
        CHECK_MARKS["fails"],
        "out of sample, it loses to a baseline, misses its goal or "
        "the record, or fails a coverage test (Kupiec)",
    ),
    (
        IN_SAMPLE_MARKS["passes"],
        "the only check reads history the model was fitted on, "
        "and agrees with it; there is no out-of-sample score and no baseline, so it "
        "validates nothing",
    ),
)
"""What each status mark means, for the glossary (one rule per mark)."""


def mark_text(h: Headline) -> str:
    """The status mark a card prints: its own label, or the rule's words for its check.

    :attr:`Headline.check_label` when set; else :data:`IN_SAMPLE_MARKS` for a check in
    sample, :data:`CHECK_MARKS` for one out of sample; ``""`` without a check.
    """
    if not h.check:
        return ""
    if h.check_label:
        return h.check_label
    return (IN_SAMPLE_MARKS if h.check_in_sample else CHECK_MARKS)[h.check]


def mark_class(h: Headline) -> str:
    """The mark's colour class: ``"insample"`` (neutral) for a check in sample, else the check."""
    return "insample" if h.check and h.check_in_sample else h.check


def check_mark(*outcomes: str | None) -> str:
    """One card's status mark from the outcomes of its computed checks.

    Parameters
    ----------
    *outcomes : {"passes", "ties", "fails"} or None
        Each check's outcome (None: a check that could not run, left out).

    Returns
    -------
    str
        ``"fails"`` when any check fails, else ``"ties"`` when any ties, else
        ``"passes"``; ``""`` without an outcome.

    Raises
    ------
    InputError
        If an outcome is not one of :data:`CHECK_MARKS`.
    """
    from liqcascade.errors import InputError

    got = {o for o in outcomes if o}
    if got - set(CHECK_MARKS):
        raise InputError(
            f"outcomes: each must be one of {sorted(CHECK_MARKS)}, got {sorted(got)}",
            param="outcomes",
        )
    return next((o for o in ("fails", "ties", "passes") if o in got), "")


VERDICT_CHECK: dict[str, str] = {"beats": "passes", "ties": "ties", "loses": "fails"}
"""A paired comparison's verdict (the model against a baseline) as a card's check: a
verdict that is missing (no interval) is no key, so ``VERDICT_CHECK.get`` gives None and
:func:`check_mark` leaves that check out."""


WITHIN = 2.0
"""The report's "within 2×" rule: a modelled figure agrees with the recorded one when
their ratio lies in ``[1 / WITHIN, WITHIN]`` (the Aave leg, Bybit's fall, a distance band)."""


def ratio_within(ratio: float) -> bool | None:
    """Whether a model/record ratio passes :data:`WITHIN`; None when it is not finite.

    A ratio that is NaN or infinite (a record of zero, a figure not computed) is no
    check at all: the caller leaves it out (:func:`check_mark` takes None).
    """
    r = float(ratio)
    if not math.isfinite(r):
        return None
    return 1.0 / WITHIN <= r <= WITHIN


@dataclass(frozen=True)
class Table:
    """A table of a section: a caption and its frame (formatted by the builder)."""

    caption: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class Prose:
    """The words of a section: takeaways first, the method folded away."""

    takeaways: list[str]
    method: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    headlines: list[Headline] = field(default_factory=list)


@dataclass
class Section:
    """One section of the report.

    Parameters
    ----------
    id : str
        HTML anchor and summary.json key, e.g. ``"cascade"``.
    title : str
        Heading (the registry's title wins when the section is registered).
    finding : str, optional
        One paragraph; used when a section gives no ``takeaways``.
    figures : list of plotly Figure
        Drawn in order, embedded offline.
    tables : list of (caption, DataFrame)
        Small tables rendered as HTML, every cell through the report's formatter.
    summary : dict
        Every headline figure of the section, written to summary.json.
    claims : list of Claim
        Rows this section contributes to the verdict table.
    notes : list of str
        Method notes and caveats, shown folded under "Method".
    takeaways : list of str
        Two or three sentences a reader takes away, shown first.
    headlines : list of Headline
        Numbers this section offers to the front page.
    """

    id: str
    title: str
    finding: str = ""
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    takeaways: list[str] = field(default_factory=list)
    headlines: list[Headline] = field(default_factory=list)


def assemble(
    sid: str,
    prose: Prose,
    figures: list[go.Figure],
    tables: list[Table],
    summary: dict[str, Any],
) -> Section:
    """A :class:`Section` from the three steps' outputs (the title comes from the registry)."""
    return Section(
        id=sid,
        title="",
        figures=figures,
        tables=[(t.caption, t.frame) for t in tables],
        summary=summary,
        claims=prose.claims,
        notes=prose.method,
        takeaways=prose.takeaways,
        headlines=prose.headlines,
    )


def with_caveats(sec: Section, ctx: ReportContext) -> Section:
    """``sec`` with the market's caveats said: first takeaway, summary, headline cards.

    A section standing on the estimated market (liquidation map, cascade) says when the
    position book's fit is in sample for the market date or the liquidity response is
    the prior (:attr:`ReportContext.caveats`); every headline card it offers carries a
    short flag.
    """
    from dataclasses import replace

    cav = list(ctx.caveats)
    sec.summary = {**sec.summary, "asset": sec.summary.get("asset", ctx.asset), "caveats": cav}
    if not cav:
        return sec
    sec.takeaways = ["Caveat: " + "; ".join(cav) + ".", *sec.takeaways]
    flags = []
    if any("IN SAMPLE" in c for c in cav):
        flags.append("book fit IN SAMPLE")
    if any(c.startswith("liquidity response: the prior") for c in cav):
        flags.append("liquidity: prior")
    if flags:
        tag = " (" + "; ".join(flags) + ")"
        sec.headlines = [replace(h, evidence=h.evidence + tag) for h in sec.headlines]
    return sec


def validation_window(fits: Any, as_of: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Months the identified book predicts out of sample: ``(start, end)``, inclusive, UTC.

    From the first month an expanding-window fit exists for (each month's fit is
    trained on data before it) to the end of the last such month, cut at the end of
    ``as_of`` (the report's date). For ETH and BTC's shipped calibrations (fits for
    2025-03 → 2025-07) at the default date 2025-07-31 that is 2025-03-01 → 2025-07-31.

    Parameters
    ----------
    fits : sequence of MonthlyFit
        The calibration's fits (``AssetCalibration.fits``).
    as_of : date, timestamp or str
        The report's date (a bare date: its whole day).

    Raises
    ------
    InputError
        If there is no fit, or ``as_of`` is before the first fit's month.
    """
    from liqcascade._time import to_utc, utc_end
    from liqcascade.errors import InputError

    months = sorted(to_utc(f.month) for f in fits)
    if not months:
        raise InputError("calibration: it holds no monthly fit", param="calibration")
    last = (months[-1] + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    end = min(utc_end(last), utc_end(as_of))
    if end < months[0]:
        raise InputError(
            f"as_of {to_utc(as_of):%Y-%m-%d} is before the first month with a fit "
            f"({months[0]:%Y-%m}): no month to predict out of sample",
            param="as_of",
        )
    return months[0], end


@dataclass(frozen=True)
class BookScore:
    """Out-of-sample daily correlations with recorded liquidations: book and range baseline."""

    model: float
    baseline: float
    period: str
    baseline_name: str = "range baseline"
    verdict: str | None = None

    def text(self) -> str:
        """One line for a headline card: the verdict of the difference's 90 % interval.

        "Given the realised range", as the liquidation-map claim row says: the book is
        scored with each day's realised price range, not forecast.

        ``verdict`` ("beats" / "ties" / "loses", from the block bootstrap over days of
        :func:`liqcascade.positions.range_baseline_verdicts`) decides the word; without
        it the strict comparison does, and says so.
        """
        if self.verdict is None:
            strict = "higher than" if self.model > self.baseline else "not above"
            word = f"{strict} (no interval)"
        else:
            word = {"beats": "beats", "ties": "ties with", "loses": "loses to"}[self.verdict]
        return (
            f"Book out of sample ({self.period}), given the realised range: daily correlation "
            f"{self.model:.2f}, "
            f"{word} the {self.baseline_name}'s {self.baseline:.2f}"
        )


@dataclass(frozen=True)
class IdentifiedScore:
    """The identified book's out-of-sample daily score against the range baseline.

    From the expanding-window back-test of :meth:`ReportContext.identified` (each month
    predicted by the fit trained before it).

    Attributes
    ----------
    corr_daily : float
        Pearson correlation of the book's daily liquidations (USD) with the record's.
    baseline_corr_daily : float
        The range baseline's (liquidations in proportion to each bar's range).
    diff_daily : float
        ``corr_daily - baseline_corr_daily``.
    diff_p05, diff_p95 : float
        The difference's 90 % interval (paired block bootstrap over days).
    verdict : {"beats", "ties", "loses"} or None
        The book against the range baseline from that interval; None without one.
    start, end : Timestamp
        The period scored (UTC, inclusive).
    """

    corr_daily: float
    baseline_corr_daily: float
    diff_daily: float
    diff_p05: float
    diff_p95: float
    verdict: str | None
    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def from_backtest(cls, bt: Any) -> IdentifiedScore | None:
        """The score of a ``BacktestResult``'s out-of-sample months; None without one.

        ``metrics_out_of_sample`` (too few records, or no month predicted by a fit
        trained before it: None); None too when its daily correlations are not
        defined (fewer than three days with a record: :func:`score_outcome` says so).
        """
        from liqcascade.positions import range_baseline_verdicts

        m = bt.metrics_out_of_sample
        if not m:
            return None
        if not all(math.isfinite(float(m[k])) for k in ("corr_daily", "range_baseline_corr_daily")):
            return None  # too few days (or a flat series): no daily correlation to score
        diff = "range_baseline_corr_diff_daily"
        return cls(
            corr_daily=float(m["corr_daily"]),
            baseline_corr_daily=float(m["range_baseline_corr_daily"]),
            diff_daily=float(m[diff]),
            diff_p05=float(m[f"{diff}_p05"]),
            diff_p95=float(m[f"{diff}_p95"]),
            verdict=range_baseline_verdicts(m)["corr_daily"],
            start=pd.Timestamp(bt.start),
            end=pd.Timestamp(bt.end),
        )


def score_outcome(backtest: Callable[[], Any], asset: str) -> IdentifiedScore | str:
    """The identified book's out-of-sample score, or why there is none (a clause).

    Parameters
    ----------
    backtest : callable
        Runs the back-test (a ``BacktestResult``; :meth:`ReportContext.identified`).
        Only an :class:`~liqcascade.errors.InputError` (no calibration, no data, a date
        before the first fit) is turned into a reason; any other error is a bug and
        raises.
    asset : str
        Named in the reason (upper case).

    Returns
    -------
    IdentifiedScore or str
        The score; else why not: the back-test cannot run, too few bars with a record,
        or too few days for a daily correlation (fewer than
        :data:`liqcascade.positions._backtest.MIN_SCORE_DAYS`).
    """
    from liqcascade.errors import InputError
    from liqcascade.positions import MIN_SCORE_DAYS, count_text, scored_days

    try:
        bt = backtest()
    except InputError as exc:
        return f"the identified book's back-test of {asset} cannot run: {exc}"
    score = IdentifiedScore.from_backtest(bt)
    if score is not None:
        return score
    span = f"{bt.start:%Y-%m-%d} → {bt.end:%Y-%m-%d}"
    m = bt.metrics_out_of_sample
    if not m:
        return (
            f"too few bars of {span} have a recorded {asset} liquidation to score the "
            "identified book"
        )
    days = scored_days(m)
    if days is None or days < MIN_SCORE_DAYS:
        n = "too few days" if days is None else f"only {count_text(days, 'day')}"
        return (
            f"{n} of {span} {'has' if days == 1 else 'have'} a recorded {asset} liquidation: "
            f"too few to score the identified book (a daily correlation needs at least "
            f"{MIN_SCORE_DAYS} days)"
        )
    return f"the identified book's daily correlation over {span} is not defined (a flat series)"


def market_date(assets: str | tuple[str, ...]) -> str:
    """The report's default date: the latest market close every asset reaches.

    Each asset's market reaches the last open-interest bar that its order-book totals,
    hourly prices and funding reach too (:func:`liqcascade.data.load_market_date`); the
    report compares its assets at one date, the earliest of theirs. Given as a day
    (``YYYY-MM-DD``, the close of that day's last bar) when the close is a midnight,
    else as the close itself (``YYYY-MM-DD HH:MM``, UTC).

    Parameters
    ----------
    assets : str or tuple of str
        The report's assets (any case).
    """
    return _date_text(min(d.close for d in _market_dates(assets).values()))


def market_date_notes(assets: str | tuple[str, ...]) -> list[str]:
    """What holds the report's default date back, one line each (empty when nothing).

    An asset's own series that end before its open interest (the market's note,
    :meth:`liqcascade.data.MarketDate.note`), and the asset that ends first when the
    others reach further: ``"the report's market date is 2025-08-01 00:00 UTC, the
    latest every asset reaches: BTC's open interest ends there (ETH's market reaches
    2025-08-02 00:00)"``.
    """
    from liqcascade.data import series_text

    dates = _market_dates(assets)
    close = min(d.close for d in dates.values())
    out = [n for d in dates.values() if d.close == close and (n := d.note()) is not None]
    later = {a: d for a, d in dates.items() if d.close > close}
    if later:
        first = next(a for a, d in dates.items() if d.close == close)
        held = dates[first].held_back_by
        # "BTC's order-book totals and funding end": no "the" after the possessive
        what = series_text(held).replace("the ", "") if held else "open interest ends"
        end = dates[first].ends[held[0]] if held else close  # a bar of its own ends there
        there = "there" if end == close else f"{end:%Y-%m-%d %H:%M}"
        reach = ", ".join(
            f"{a}'s market reaches {d.close:%Y-%m-%d %H:%M}" for a, d in later.items()
        )
        out.append(
            f"the report's market date is {close:%Y-%m-%d %H:%M} UTC, the latest every asset "
            f"reaches: {first}'s {what} {there} ({reach})"
        )
    return out


def _market_dates(assets: str | tuple[str, ...]) -> dict[str, Any]:
    """Each asset's :class:`liqcascade.data.MarketDate`, on the series the report reads."""
    from liqcascade.data import market_date
    from liqcascade.report._data import market_frames

    names = (assets,) if isinstance(assets, str) else assets
    return {a.upper(): market_date(a.upper(), *market_frames(a)) for a in names}


def _date_text(close: pd.Timestamp) -> str:
    """A market close as the report's date: a day for a midnight, else the instant."""
    if close == close.normalize():
        return f"{close - pd.Timedelta(days=1):%Y-%m-%d}"
    return f"{close:%Y-%m-%d %H:%M}"


def check_as_of(asset: str, as_of: Any) -> pd.Timestamp:
    """The last open-interest bar of ``asset`` closed by ``as_of`` (its label).

    Raises
    ------
    liqcascade.errors.InputError
        Naming ``as_of`` and the open interest's span: a date before the first bar's
        close, after the last bar's close (the estimated book needs open interest), or
        in the future.
    """
    from liqcascade._time import to_utc, utc_end
    from liqcascade.errors import InputError
    from liqcascade.market import MARKET_BAR
    from liqcascade.report._cut import closed_by
    from liqcascade.report._data import series

    oi = series("open_interest", asset, "4h")
    first, last = pd.Timestamp(oi.index[0]), pd.Timestamp(oi.index[-1])
    span = (
        f"the {asset.upper()} open interest, the estimated book's base, covers "
        f"{first:%Y-%m-%d %H:%M} -> {last:%Y-%m-%d %H:%M} UTC (bars closed by "
        f"{last + MARKET_BAR:%Y-%m-%d %H:%M})"
    )
    end = utc_end(as_of)
    now = pd.Timestamp.now(tz="UTC")
    if to_utc(as_of) > now:
        raise InputError(f"as_of: {as_of} is in the future (now {now:%Y-%m-%d %H:%M} UTC)",
                         param="as_of")  # fmt: skip
    if end > last + MARKET_BAR:
        raise InputError(
            f"as_of: {as_of} is after the data; {span}; give a date up to {last:%Y-%m-%d}",
            param="as_of",
        )
    idx = closed_by(oi, "4h", as_of).index
    if len(idx) == 0:
        raise InputError(f"as_of: {as_of} is before the data; {span}", param="as_of")
    return pd.Timestamp(idx[-1])


def _store() -> Any:
    """The store the report reads (the default one when it exists, else none)."""
    from liqcascade.report._data import store_path

    p = store_path()
    return False if p is None else p


_STEP_KEY = "on_step"
"""Key of the run's sub-step callback and its process id in a context's shared results."""


class ReportContext:
    """Shared state of one report run: typed results several sections use, computed once.

    Parameters
    ----------
    quick : bool, default False
        Sections use their fast variant (fewer paths, coarser grids).
    asset : str, default "ETH"
        The asset of the estimated market.
    as_of : date, timestamp or str, optional
        The report's date. Default: the market date, the latest close every asset's
        market reaches (:func:`market_date`). Every section reads data closed by it;
        only back-tests that score the months after their calibration read further, and
        say their period. The requested value (``None`` for the default) is kept in
        :attr:`requested_as_of`.
    assets : tuple of str, optional
        Every asset of the report (default: ``(asset,)``); sections that cover all assets
        themselves (validation) read it.
    shared : dict, optional
        Results shared by the contexts of one run's assets (see :meth:`for_asset`).
    on_step : callable, optional
        Called as ``on_step(section_id, what)`` at a long section's sub-steps
        (:meth:`step`), in this process only; shared by the run's contexts.
    """

    def __init__(
        self,
        quick: bool = False,
        asset: str = "ETH",
        as_of: Any = None,
        *,
        assets: tuple[str, ...] | None = None,
        shared: dict[str, Any] | None = None,
        on_step: Callable[[str, str], None] | None = None,
    ) -> None:
        self.quick = quick
        self.asset = asset.upper()
        self.requested_as_of = as_of
        self.assets = tuple(a.upper() for a in assets) if assets else (self.asset,)
        self.as_of: Any = market_date(self.assets) if as_of is None else as_of
        self._memo: dict[str, Any] = {}
        self._shared: dict[str, Any] = {} if shared is None else shared
        if on_step is not None:
            self.on_step(on_step)

    def on_step(self, callback: Callable[[str, str], None] | None) -> None:
        """Set (or, with None, remove) the run's sub-step callback (:meth:`step`).

        Kept with the process id that set it: a forked lane inherits the context but
        not the display the callback draws on, so :meth:`step` is a no-op there.

        Parameters
        ----------
        callback : callable or None
            ``callback(section_id, what)``, e.g. ``("cascade-btc", "calibrated response")``.
        """
        import os

        self._shared[_STEP_KEY] = None if callback is None else (callback, os.getpid())

    def step(self, section: str, what: str, i: int | None = None, n: int | None = None) -> None:
        """Say that section ``section`` of this context's asset reached sub-step ``what``.

        A no-op without a callback (:meth:`on_step`) and in any process other than the
        one that set it (the report's forked lane). Changes no figure.

        Parameters
        ----------
        section : str
            The section's registered id (``"cascade"``); the asset's suffix is added
            as in summary.json's keys (``cascade-btc``).
        what : str
            The sub-step, in words (``"static book"``).
        i, n : int, optional
            The sub-step's count and the total, 1-based (``"static book 3/5"``).
        """
        import os

        hook = self._shared.get(_STEP_KEY)
        if hook is None or hook[1] != os.getpid():
            return
        sid = section if self.asset == "ETH" else f"{section}-{self.asset.lower()}"
        hook[0](sid, what if i is None else f"{what} {i}/{n}")

    def for_asset(self, asset: str) -> ReportContext:
        """The context of ``asset`` in the same run (results across assets shared).

        Same quick mode, as-of date and assets; ``self`` when ``asset`` is this
        context's own.

        Parameters
        ----------
        asset : str
            Any case.
        """
        if asset.upper() == self.asset:
            return self
        key = f"ctx.{asset.upper()}"
        if key not in self._shared:
            other = ReportContext(
                self.quick, asset, self.as_of, assets=self.assets, shared=self._shared
            )
            other.requested_as_of = self.requested_as_of
            self._shared[key] = other
        ctx: ReportContext = self._shared[key]
        return ctx

    @cached_property
    def date_notes(self) -> tuple[str, ...]:
        """What holds the default date back (:func:`market_date_notes`); none for a date given."""
        if self.requested_as_of is not None:
            return ()
        return tuple(market_date_notes(self.assets))

    @cached_property
    def market(self) -> MarketState:
        """The estimated market (positions, stops, book, price) at the as-of date."""
        from liqcascade.cascade import market_state

        return market_state(self.asset, self.as_of)

    @cached_property
    def last_oi_bar(self) -> pd.Timestamp:
        """The last open-interest bar closed by the as-of date: the estimated book's bar.

        Labelled by its open (the book of 2025-07-31 20:00 UTC is known at its close,
        2025-08-01 00:00).
        """
        return check_as_of(self.asset, self.as_of)

    @cached_property
    def caveats(self) -> tuple[str, ...]:
        """What the estimated market rests on that a reader must know, one sentence each.

        The market's own caveats (``MarketState.caveats`` where the market layer gives
        them), a position-book fit trained after the market (its source says "IN
        SAMPLE"), and a liquidity response that is the prior (no event before the
        market to fit it on). An asset without a liquidity calibration has no such
        caveat; a calibration file that cannot be read or parsed raises (names the file).
        """
        from liqcascade.cascade import load_liquidity
        from liqcascade.errors import CalibrationNotFound

        m = self.market
        out = [str(c) for c in getattr(m, "caveats", ())]
        src = str(m.sources.get("book_calibration", ""))
        if "IN SAMPLE" in src and not any("IN SAMPLE" in c for c in out):
            fit = re.search(r"fit (\S+): (\S+) -> (\S+),", src)
            what = (
                f"the fit for {fit[1]} was trained on {fit[2]} -> {fit[3]}"
                if fit
                else f"its fit ({src})"
            )
            out.append(
                f"position book IN SAMPLE: {what}, after this market "
                f"({m.close_time:%Y-%m-%d %H:%M} UTC); no fit ends before it"
            )
        store = _store()
        try:
            cal = load_liquidity(self.asset, m.close_time, store=store)
        except CalibrationNotFound:  # the asset has none: no caveat
            cal = None
        if cal is not None and (cal.as_of is None or str(cal.note).startswith("prior")):
            out.append(
                f"liquidity response: the prior, not a fit ({cal.note}); no {self.asset} "
                "event before this market to calibrate it on"
            )
        return tuple(out)

    @cached_property
    def hourly(self) -> pd.DataFrame:
        """Hourly OHLCV of the asset, up to the as-of date."""
        from liqcascade._time import utc_end
        from liqcascade.report._data import series

        h = series("ohlcv", self.asset, "1h")
        return h[h.index <= utc_end(self.as_of)]

    @cached_property
    def _estimate(self) -> tuple[PositionBook, str]:
        """The market's estimated book (before the stops take their share) and its source."""
        m = self.market
        book = m.whole_positions if m.whole_positions is not None else m.positions
        return book, str(m.sources.get("book_calibration", m.book_model))

    @property
    def estimated_book(self) -> PositionBook:
        """The estimated position book at :attr:`last_oi_bar` (calibrated parameters)."""
        return self._estimate[0]

    @property
    def estimated_book_params(self) -> str:
        """Which parameters estimated the book ("calibrated" or "default")."""
        return self._estimate[1]

    def market_frames(self, asset: str | None = None) -> Any:
        """The frames the identified book reads (``MarketFrames``), loaded once per run.

        Parameters
        ----------
        asset : str, optional
            Any case; default this context's :attr:`asset`.
        """
        from liqcascade.market import load_market_frames

        a = (asset or self.asset).upper()
        return self._once(f"frames.{a}", lambda: load_market_frames(a, store=_store()))

    def identified(self, asset: str | None = None) -> Any:
        """The identified book's expanding-window back-test (``BacktestResult``), once per run.

        Every month of :func:`validation_window` (the months the asset's calibration has
        a fit for, each trained on the data before it, cut at the as-of date) is
        predicted by the fit on the data before it; nothing is re-fitted.

        Parameters
        ----------
        asset : str, optional
            Any case; default this context's :attr:`asset`.
        """
        from liqcascade.positions import backtest_identified, load_asset_calibration

        a = (asset or self.asset).upper()
        cal = load_asset_calibration(a, store=_store())
        start, end = validation_window(cal.fits, self.as_of)

        def run() -> Any:
            return backtest_identified(a, start, end, cal, "package", frames=self.market_frames(a))

        return self._once(f"identified.{a}.{start.isoformat()}.{end.isoformat()}", run)

    def identified_score(self, asset: str | None = None) -> IdentifiedScore | None:
        """The identified book's out-of-sample score (:meth:`identified`), once per run.

        None when the back-test cannot run (no calibration or no data for the asset: an
        :class:`~liqcascade.errors.InputError`) or scores nothing (too few bars with a
        recorded liquidation); :meth:`no_identified_score` says which. Any other error
        is a bug and raises.

        Parameters
        ----------
        asset : str, optional
            Any case; default this context's :attr:`asset`.
        """
        got = self._identified_outcome(asset)
        return got if isinstance(got, IdentifiedScore) else None

    def no_identified_score(self, asset: str | None = None) -> str | None:
        """Why :meth:`identified_score` is None (a clause for a sentence); None with a score.

        Parameters
        ----------
        asset : str, optional
            Any case; default this context's :attr:`asset`.
        """
        got = self._identified_outcome(asset)
        return got if isinstance(got, str) else None

    def _identified_outcome(self, asset: str | None) -> IdentifiedScore | str:
        a = (asset or self.asset).upper()
        got: IdentifiedScore | str = self._once(
            f"identified_score.{a}", lambda: score_outcome(lambda: self.identified(a), a)
        )
        return got

    @cached_property
    def book_score(self) -> BookScore | None:
        """Out-of-sample daily correlation of the identified book and the range baseline.

        None when :meth:`identified_score` is (:meth:`no_identified_score` says why).
        """
        s = self.identified_score(self.asset)
        if s is None:
            return None
        return BookScore(
            model=s.corr_daily,
            baseline=s.baseline_corr_daily,
            period=f"{s.start:%Y-%m} to {s.end:%Y-%m}",
            verdict=s.verdict,
        )

    def market_books(self, times: Iterable[Any]) -> list[MarketBook]:
        """The market's book at each of ``times``, each date's book computed once per run.

        :func:`liqcascade.market.market_books` of the asset's default market: the
        liquidation map's 90 days are among the transparency metrics' days, and a
        date's book does not depend on the other dates asked with it, so the two
        sections share them.

        Parameters
        ----------
        times : iterable of datetime-like
            Dates (UTC; naive read as UTC). Each is read as the 4-hour open-interest
            bar opened at or before it; dates before the first bar are left out.

        Returns
        -------
        list of MarketBook
            One per distinct bar, in time order.
        """
        from liqcascade.market import MarketSpec, load_market_inputs, market_books
        from liqcascade.market import bar_labels as _labels

        a = self.asset
        ts = list(times)
        inputs = self._once(f"market_inputs.{a}", lambda: load_market_inputs(a))
        spec = MarketSpec(asset=a)
        labels = sorted(set(_labels(ts, pd.DatetimeIndex(inputs.open_interest.index))))
        if not labels:
            return market_books(ts, spec=spec, inputs=inputs)  # raises: no date in the data
        done: dict[pd.Timestamp, MarketBook] = self._once(f"market_books.{a}", dict)
        todo = [t for t in labels if t not in done]
        if todo:
            done.update((b.as_of, b) for b in market_books(todo, spec=spec, inputs=inputs))
        return [done[t] for t in labels]

    def volatility_fit(
        self, returns: pd.Series, model: str, dist: str, *, asset: str, interval: str = "1d"
    ) -> VolatilityFit:
        """:func:`liqcascade.volatility.fit_volatility` of ``returns``, once per run.

        Sections that fit the same model on the same returns (the stress sections'
        daily GJR-t of ETH and BTC, the volatility section's) share one fit: the key
        is the returns' digest (index and values), so different returns never share.

        Parameters
        ----------
        returns : pandas.Series
            Percent log returns, UTC DatetimeIndex.
        model : {"garch", "gjr", "egarch"}
            Variance model.
        dist : {"normal", "t", "skewt"}
            Error distribution.
        asset : str
            The fit's label (and part of the key).
        interval : str, default "1d"
            Bar interval of ``returns``: the half-life's unit and the annualisation.
        """
        from liqcascade.report._data import frame_digest
        from liqcascade.volatility import fit_volatility

        key = f"vol_fit.{asset}.{model}.{dist}.{interval}.{frame_digest(returns.to_frame())}"
        fit: VolatilityFit = self._once(
            key, lambda: fit_volatility(returns, model, dist, interval=interval, asset=asset)
        )
        return fit

    def _once(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self._shared:
            self._shared[key] = fn()
        return self._shared[key]

    def memo(self, key: str, fn: Callable[[], Any]) -> Any:
        """Return ``fn()``, computed once per context under ``key``.

        Kept for sections not yet moved to typed results; new code uses the typed
        attributes above. Unlike those, the memo is this context's own: another
        asset's context (:meth:`for_asset`) does not see it.

        Parameters
        ----------
        key : str
            Names the result within this context.
        fn : callable
            Computes it, called with no argument the first time ``key`` is asked.
        """
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]
