"""Report section: how good is the estimated book? Expanding-window test, ETH and BTC.

compute (:func:`liqcascade.positions._backtest.backtest_identified` per asset, and the
Hyperliquid distance check → :class:`ValidationView`) → figures → prose.

Every month of the test period is predicted by the shipped fit on the data before it;
the model is held against both baselines (|return| × OI and the range baseline), with
its p05–p95 daily band and coverage, and its leverage mix is checked against real
Hyperliquid positions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from liqcascade._plotly_text import plain
from liqcascade.report._data_section import REVISED_CLAUSE, origin_of
from liqcascade.report._format import (
    MINUS,
    interval,
    join_words,
    pct,
    signed_num,
    usd,
    usd_alike,
)
from liqcascade.report._leverage_check import bucket_text, distance_claim
from liqcascade.report._section import (
    Claim,
    Prose,
    ReportContext,
    Section,
    Table,
    _store,
    assemble,
)
from liqcascade.report._suspects import bar_words, suspect_bars, within
from liqcascade.report._suspects import rows as suspect_rows

__all__ = ["AssetValidation", "ValidationView", "compute", "figures", "prose", "section"]

ASSETS: tuple[str, ...] = ("ETH", "BTC")
"""Assets with a shipped expanding-window calibration."""

DAILY_ABOVE = 400
"""The back-test figures show daily sums when the period has more 4-hour bars than this
(the scores are daily; it keeps the page light)."""

_ROWS: tuple[tuple[str, str, str, str, str | None, str, str], ...] = (
    ("total", "corr_daily", "spearman_daily", "baseline_corr_daily", "baseline_spearman_daily",
     "range_baseline_corr_daily", "range_baseline_spearman_daily"),
    ("longs", "corr_daily_long", "spearman_daily_long", "baseline_corr_daily_long", None,
     "range_baseline_corr_daily_long", "range_baseline_spearman_daily_long"),
    ("shorts", "corr_daily_short", "spearman_daily_short", "baseline_corr_daily_short", None,
     "range_baseline_corr_daily_short", "range_baseline_spearman_daily_short"),
)  # fmt: skip
"""Per side: model Pearson/Spearman, |ret| x OI Pearson/Spearman, range Pearson/Spearman."""


def _r(m: dict[str, Any] | None, k: str | None) -> float | None:
    """``m[k]`` as a float; None when absent or not computed (NaN: too few days)."""
    if not m or k is None or m.get(k) is None:
        return None
    x = float(m[k])
    return x if math.isfinite(x) else None


def _c(x: float | None, digits: int = 3) -> str:
    """A correlation as printed (fixed decimals; a dash when missing)."""
    return "–" if x is None else f"{x:.{digits}f}"


@dataclass(frozen=True)
class AssetValidation:
    """One asset's out-of-sample back-test and its Hyperliquid position check."""

    asset: str
    backtest: Any  # positions BacktestResult
    check: pd.DataFrame | None  # notional share per distance bucket: data, model (None:
    # no Hyperliquid positions of the asset are bundled)
    params_latest: dict[str, Any]
    suspects: pd.DataFrame | None = None  # recorded bars flagged in the test period
    #: Block-bootstrap refits of each fit that predicts a month of the test period (the
    #: band is drawn over the fit and these): the fewest is what the band rests on.
    refits: tuple[int, ...] = ()

    @property
    def band_sets(self) -> int | None:
        """Parameter sets behind the daily band: the main fit and its fewest refits."""
        return 1 + min(self.refits) if self.refits else None

    def band_is_thin(self) -> bool:
        """Whether the band rests on fewer than :data:`MIN_BAND_SETS` parameter sets."""
        return self.band_sets is not None and self.band_sets < MIN_BAND_SETS

    @property
    def metrics(self) -> dict[str, Any]:
        """The out-of-sample months' pooled metrics (daily correlations, coverage).

        ``BacktestResult.metrics_out_of_sample``: the section's window starts at the
        first fit's month, so every month is out of sample and these are its
        ``metrics``; read by name so that an in-sample month could never join them.
        """
        return dict(self.backtest.metrics_out_of_sample or {})

    def beats(self) -> dict[str, bool | None]:
        """Does the model beat the range baseline? Pearson and Spearman, per side.

        The strict comparison of the two correlations; None where either is not
        computed (fewer than three days with a record).
        """
        m, out = self.metrics, {}
        for label, mp, ms, _, _, rp, rs in _ROWS:
            for kind, a, b in (("pearson", mp, rp), ("spearman", ms, rs)):
                x, y = _r(m, a), _r(m, b)
                out[f"{label}_{kind}"] = None if x is None or y is None else x > y
        return out

    def unscored(self) -> str | None:
        """Why the out-of-sample months carry no daily score, a clause; None when they do."""
        from liqcascade.positions import unscored_reason

        bt = self.backtest
        return unscored_reason(bt.metrics_out_of_sample or None, bt.recorded_bars)

    def days(self) -> int | None:
        """Days of the out-of-sample months with a recorded liquidation (None: unknown)."""
        from liqcascade.positions import scored_days

        return scored_days(self.metrics)

    def verdicts(self) -> dict[str, str | None]:
        """Beats, ties or loses to the range baseline, from the 90 % block-bootstrap interval.

        Keys as :meth:`beats` (``total_pearson`` …); the interval is that of the
        difference of daily correlations (model − range baseline), days resampled in
        7-day blocks (:func:`liqcascade.positions._backtest.range_baseline_verdicts`).
        None when the back-test carries no interval.
        """
        from liqcascade.positions import range_baseline_verdicts

        v = range_baseline_verdicts(self.metrics)
        names = {"": "total", "_long": "longs", "_short": "shorts"}
        kinds = {"corr": "pearson", "spearman": "spearman"}
        out = {}
        for key, word in v.items():
            kind, _, side = key.partition("_daily")
            out[f"{names[side]}_{kinds[kind]}"] = word
        return out

    def dollars(self) -> dict[str, Any] | None:
        """The book against the range baseline in dollars (:attr:`_dollars`, computed once)."""
        return self._dollars

    @cached_property
    def _dollars(self) -> dict[str, Any] | None:
        """The book against the range baseline in dollars, on the out-of-sample days.

        The correlations are blind to the level of the daily amounts; this scores it: each
        one's total over the record's (``model_total_ratio``, ``range_total_ratio``), its
        daily mean absolute error in USD (``model_mae_daily_usd``: the back-test's
        ``mae_daily_usd``; ``range_mae_daily_usd``), the mean of the paired daily
        difference of absolute errors (model − range, USD) with its 90 % interval from a
        circular block bootstrap over days (7-day blocks, the correlations' resamples and
        seed) and its verdict (``beats`` when the interval lies below 0). The days are those
        the correlations score (the bars with a record, summed per UTC day). None with
        fewer than :data:`~liqcascade.positions.MIN_INTERVAL_DAYS` such days, or without the
        back-test's bars (its ``frame``).
        """
        import numpy as np

        from liqcascade._significance import BLOCK_DAYS, LEVEL, SEED, block_indices, verdict
        from liqcascade.positions import MIN_INTERVAL_DAYS, N_RESAMPLES_DAILY

        frame = getattr(self.backtest, "frame", None)  # None: a back-test without its bars
        if frame is None or "range_long_usd" not in frame:
            return None
        f = frame.dropna(subset=["recorded_long_usd", "recorded_short_usd"])
        months = set(self.backtest.sample_months(True))
        f = f[[f"{t:%Y-%m}" in months for t in pd.DatetimeIndex(f.index)]]
        cols = ["predicted", "range", "recorded"]
        d = f[[f"{c}_{s}_usd" for c in cols for s in ("long", "short")]].resample("1D").sum()
        d = d[d.index.isin(pd.DatetimeIndex(f.index).floor("1D"))]
        m, r, rec = (d[f"{c}_long_usd"] + d[f"{c}_short_usd"] for c in cols)
        if len(d) < MIN_INTERVAL_DAYS or rec.sum() <= 0:
            return None
        em, er = (m - rec).abs().to_numpy(float), (r - rec).abs().to_numpy(float)
        diff = em - er
        rng = np.random.default_rng(SEED)
        means = diff[block_indices(len(diff), N_RESAMPLES_DAILY, BLOCK_DAYS, rng)].mean(axis=1)
        lo, hi = (float(x) for x in np.quantile(means, [(1 - LEVEL) / 2, (1 + LEVEL) / 2]))
        return {
            "days": len(d),
            "model_total_ratio": float(m.sum() / rec.sum()),
            "range_total_ratio": float(r.sum() / rec.sum()),
            "model_mae_daily_usd": float(em.mean()),
            "range_mae_daily_usd": float(er.mean()),
            "mae_diff_daily_usd": float(diff.mean()),
            "mae_diff_daily_usd_p05": lo,
            "mae_diff_daily_usd_p95": hi,
            "verdict": verdict(lo, hi, lower_is_better=True),
        }

    def misses(self) -> list[str]:
        """The comparisons the model loses to the range baseline, in words."""
        names = {"pearson": "Pearson", "spearman": "Spearman"}
        return [
            f"{k.split('_')[0]} ({names[k.split('_')[1]]})"
            for k, v in self.beats().items()
            if v is False
        ]


@dataclass(frozen=True)
class ValidationView:
    """Every asset's validation."""

    assets: list[AssetValidation]
    #: The assets of the bundled Hyperliquid positions (the check's, and the coins of an
    #: account's net exposure).
    hl_assets: tuple[str, ...] = ("ETH", "BTC")

    @property
    def period(self) -> tuple[str, str]:
        """First and last day predicted (the as-of date may cut the period)."""
        bt = self.assets[0].backtest
        return f"{bt.start:%Y-%m-%d}", f"{bt.end:%Y-%m-%d}"


def compute(ctx: ReportContext) -> ValidationView:
    """Back-test every asset of the report that has a calibration; the distance check."""
    from liqcascade import datasets
    from liqcascade.positions import leverage_gap, leverage_gap_summary, load_asset_calibration
    from liqcascade.report._leverage_check import distance_check

    hl = datasets.load_hyperliquid_positions()
    out = []
    for i, a in enumerate(ctx.assets, start=1):  # every asset, its own frames and calibration
        ctx.step("validation", f"back-test {a}", i, len(ctx.assets))
        cal = load_asset_calibration(a, store=_store())
        latest, bt = cal.latest, ctx.identified(a)
        used = {m["fit_month"] for m in bt.months if m.get("fit_month")}
        refits = tuple(len(f.bootstrap) for f in cal.fits if f.month in used)
        # the bundled Hyperliquid positions hold ETH and BTC only (None otherwise); the
        # run's one check, which the cascade and solvency sections read too
        check = distance_check(ctx, a)
        if check is not None:
            check = check.copy()  # the data's set against effective leverage beside it
            check.attrs = {
                **check.attrs,
                "set_vs_effective": leverage_gap_summary(leverage_gap(hl, a)),
            }
        out.append(
            AssetValidation(
                asset=a,
                backtest=bt,
                check=check,
                params_latest=latest.params.to_dict(),
                refits=refits,
            )
        )
    held = set(hl["asset"].astype(str).str.upper())  # ETH, BTC, then any other, as written
    coins = tuple(sorted(held, key=lambda c: (c != "ETH", c != "BTC", c)))
    return ValidationView([_with_suspects(av) for av in out], hl_assets=coins)


def _with_suspects(av: AssetValidation) -> AssetValidation:
    """``av`` with the recorded bars of its test period flagged as implausible for their move.

    Checked on every recorded bar of the asset (the chart shows the test period, which
    may run past the report's date); the bars stay in every score.
    """
    from dataclasses import replace

    bt = av.backtest
    end = pd.Timestamp(bt.end) + pd.Timedelta(hours=23, minutes=59)
    return replace(av, suspects=within(suspect_bars([av.asset], None), av.asset, bt.start, end))


def _flag_line(av: AssetValidation) -> str:
    """One takeaway naming the flagged bars the validation chart shows, or ``""``."""
    s = av.suspects
    if s is None or not len(s):
        return ""
    one = len(s) == 1
    return (
        f"{av.asset}: {len(s)} recorded bar-side{'' if one else 's'} of the test period "
        f"{'is' if one else 'are'} flagged as implausible for "
        f"{'its' if one else 'their'} own move "
        f"({'; '.join(bar_words(r) for _, r in s.iterrows())}); the chart's recorded "
        f"{'value on that day includes it' if one else 'values on those days include them'} "
        f"(marked). {'It is' if one else 'They are'} kept in every score."
    )


def _recorded(asset: str) -> str:
    """The recorded liquidations of ``asset`` by where they were read (bundled: Binance's)."""
    where = origin_of("liquidations", asset, "4h", "Binance")
    return (
        "recorded Binance liquidations"
        if where == "Binance"
        else f"recorded liquidations of {where}"
    )


def _recorded_method(v: ValidationView) -> str:
    """What the recorded liquidations are: the bundle's Binance feed, or a store's series."""
    feed = (
        "CoinGlass, Binance only, 4-hourly; Binance's feed reports at most one liquidation "
        "per symbol per second, so only a scale (venue share × reporting) of the book is "
        "identified by the record."
    )
    stored = [
        f"{av.asset}'s read from {where}"
        for av in v.assets
        if (where := origin_of("liquidations", av.asset, "4h", "Binance")) != "Binance"
    ]
    if not stored:
        return "Recorded liquidations: " + feed
    return (
        f"Recorded liquidations: {join_words(stored)}, of which only a scale is identified "
        "(the bundled ones: " + feed[:-1] + ")."
    )


def figures(v: ValidationView) -> list[go.Figure]:
    """Predicted (band) vs recorded, per asset; distance to liquidation, model vs data."""
    from liqcascade.positions import distance_figure

    lo, hi = v.period
    out = []
    for av in v.assets:
        fig = av.backtest.plot(max_points=DAILY_ABOVE)  # daily sums, as the scores are
        fig.update_layout(
            title=f"{plain(av.asset)}: predicted daily liquidations (each month fitted on the data "
            f"before it; 5–95 % band) against {_recorded(av.asset)}, {lo} → {hi}"
        )
        fig.update_yaxes(title_text="USD M per day")  # both panels: daily sums
        for tr in fig.data:  # the band's legend as the caption writes it ("5–95 %")
            if tr.name and "5-95 %" in tr.name:
                tr.name = tr.name.replace("5-95 %", "5–95 %")
        for _, r in (av.suspects if av.suspects is not None else pd.DataFrame()).iterrows():
            day = pd.Timestamp(r["ts"]).floor("1D")
            fig.add_annotation(x=day, y=1.0, xref="x", yref="paper", showarrow=False,
                               text=f"flagged bar ({r['side']}s)", font={"size": 10})  # fmt: skip
        out.append(fig)
    checks = {av.asset: av.check for av in v.assets if av.check is not None}
    if checks:
        out.append(_in_percent(distance_figure(checks)))
    return out


def _in_percent(fig: go.Figure) -> go.Figure:
    """The distance chart in the table's units: shares in %, buckets written as ranges."""
    hover = "%{x}: %{y:.1f} % of notional<extra>%{fullData.name}</extra>"
    for t in fig.data:
        t.update(x=[bucket_text(x) for x in t.x], y=[100 * y for y in t.y], hovertemplate=hover)
    fig.update_layout(
        yaxis_title="share of notional (%)",
        xaxis_title="distance from mark to liquidation price (% of mark)",
    )
    return fig


def _pooled(m: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for label, mp, ms, bp, bs, rp, rs in _ROWS:
        rows.append(
            {
                "daily totals": label,
                "model: Pearson": _c(_r(m, mp)),
                "model: Spearman": _c(_r(m, ms)),
                "range baseline: Pearson": _c(_r(m, rp)),
                "range baseline: Spearman": _c(_r(m, rs)),
                "|return| × OI: Pearson": _c(_r(m, bp)),
                "|return| × OI: Spearman": _c(_r(m, bs)),
            }
        )
    return pd.DataFrame(rows)


def _d(x: float | None) -> str:
    """A correlation difference, signed; 4 decimals when 3 would print a signed zero."""
    if x is None:
        return "–"
    return signed_num(x, 4 if 0 < abs(x) < 5e-4 else 3)


def _versus(av: AssetValidation) -> pd.DataFrame:
    """Per comparison: both scores, the strict verdict, the difference and its interval."""
    m, strict, v = av.metrics, av.beats(), av.verdicts()
    rows = []
    for label, mp, ms, _, _, rp, rs in _ROWS:
        for kind, a, b, key in (("Pearson", mp, rp, "corr"), ("Spearman", ms, rs, "spearman")):
            side = {"total": "", "longs": "_long", "shorts": "_short"}[label]
            k = f"range_baseline_{key}_diff_daily{side}"
            name = f"{label}_{kind.lower()}"
            rows.append(
                {
                    "daily": f"{label}, {kind}",
                    "model": _c(_r(m, a)),
                    "range baseline": _c(_r(m, b)),
                    "model > baseline (strict)": _yes_no(strict[name]),
                    "difference (90 % interval)": f"{_d(_r(m, k))} "
                    f"({interval(_r(m, k + '_p05'), _r(m, k + '_p95'), _d)})",
                    "verdict": v[name] or "–",
                }
            )
    return pd.DataFrame(rows)


def _yes_no(x: bool | None) -> str:
    """``"yes"`` / ``"no"``; a dash when not compared."""
    return "–" if x is None else ("yes" if x else "no")


def _months(bt: Any) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "month": r["month"],
                "fitted on data to": r["fit_end"],
                "model": _c(_r(r["metrics"], "corr_daily")),
                "range baseline": _c(_r(r["metrics"], "range_baseline_corr_daily")),
                "model, shorts": _c(_r(r["metrics"], "corr_daily_short")),
                "range baseline, shorts": _c(_r(r["metrics"], "range_baseline_corr_daily_short")),
                "days inside the 5–95 % band": pct(_r(r["metrics"], "coverage_90_daily"), 0),
            }
            for r in bt.months
        ]
    )


def tables(v: ValidationView) -> list[Table]:
    """Pooled and per-month scores per asset; the distance-to-liquidation check."""
    lo, hi = v.period
    out = []
    for av in v.assets:
        out.append(
            Table(f"{av.asset}: daily correlation out of sample, {lo} → {hi}", _pooled(av.metrics))
        )
        if any(av.verdicts().values()):
            out.append(
                Table(
                    f"{av.asset}: the model against the range baseline — the strict comparison "
                    "(the specification's target: the model's correlation above the baseline's) "
                    "and the difference with its 90 % interval (days resampled in 7-day blocks)",
                    _versus(av),
                )
            )
        out.append(Table(f"{av.asset} by month (daily Pearson correlation)", _months(av.backtest)))
    checks = {av.asset: av.check[["data", "model"]] for av in v.assets if av.check is not None}
    if not checks:
        return out
    chk = pd.concat(checks, axis=1).reset_index(names="distance to liquidation")
    chk.columns = [c if isinstance(c, str) or not c[1] else f"{c[0]}: {c[1]}" for c in chk.columns]
    chk = chk.rename(columns={chk.columns[0]: "distance to liquidation"})
    chk["distance to liquidation"] = [bucket_text(x) for x in chk["distance to liquidation"]]
    for c in chk.columns[1:]:
        chk[c] = [pct(x) for x in chk[c]]
    out.append(
        Table("Share of notional by distance to liquidation: Hyperliquid data vs model", chk)
    )
    return out


def _asset_line(av: AssetValidation) -> str:
    m = av.metrics
    why = av.unscored()
    if why:  # too few days: no correlation, no comparison
        return f"{av.asset}: out of sample, {why}; no comparison with the baselines."
    miss = av.misses()
    return (
        f"{av.asset}: daily correlation {_c(_r(m, 'corr_daily'), 2)} against the range "
        f"baseline's {_c(_r(m, 'range_baseline_corr_daily'), 2)} (|return| × OI "
        f"{_c(_r(m, 'baseline_corr_daily'), 2)}); shorts {_c(_r(m, 'corr_daily_short'), 2)}; "
        f"{coverage_words(_r(m, 'coverage_90_daily'), av.days(), av.band_sets)}. "
        + (
            "Beats the range baseline on all six comparisons (strictly)."
            if not miss
            else f"Does not beat the range baseline on {join_words(miss)} (strictly)."
        )
        + _verdict_words(av)
        + _no_interval_words(av)
        + _dollar_words(av)
    )


_DOLLAR_VERDICT = {
    "loses": "misses by more than the range baseline",
    "beats": "misses by less than the range baseline",
    "ties": "misses about as much as the range baseline",
}
"""How the book's daily dollar error compares with the range baseline's, by its verdict."""


def _dollar_words(av: AssetValidation, *, short: bool = False) -> str:
    """`` In dollars it misses by more than the range baseline: total 1.33× …`` (or "")."""
    d = av.dollars()
    if d is None or d["verdict"] is None:
        return ""
    mae = (
        f"daily mean absolute error {usd(d['model_mae_daily_usd'])} against "
        f"{usd(d['range_mae_daily_usd'])}"
    )
    if short:
        return f"{av.asset} {mae} ({d['verdict']})"
    keys = ("mae_diff_daily_usd", "mae_diff_daily_usd_p05", "mae_diff_daily_usd_p95")
    mid, lo, hi = (
        ("+" if d[k] >= 0 else MINUS) + t
        for k, t in zip(keys, usd_alike(*(abs(d[k]) for k in keys)), strict=True)
    )
    return (
        f" In dollars, which the correlations do not score, it {_DOLLAR_VERDICT[d['verdict']]}: "
        f"total {d['model_total_ratio']:.2f}× the record (range baseline "
        f"{d['range_total_ratio']:.2f}×), {mae} ({mid} a day, 90 % {lo} … {hi}: "
        f"{d['verdict']})."
    )


COVERAGE_NOMINAL = 0.90
"""The share of days a 5–95 % band should hold."""

MIN_BAND_SETS = 10
"""Fewest parameter sets (the main fit and its refits) whose band's coverage is a test.

Over fewer, the band's width is mostly a few refits' spread: its coverage is printed
but said not to be a coverage test (a store asset calibrated with ``--bootstrap 2``)."""


def coverage_words(cov: float | None, days: int | None, sets: int | None = None) -> str:
    """``"97 % of days inside the 5–95 % band (nominal 90 %: the band is too wide)"``.

    The band is called too wide (too narrow) when an exact two-sided binomial test of
    the days inside it against 90 % rejects at 5 %, treating days as independent (they
    are not quite: it leans toward a verdict); otherwise only the nominal is given.
    Without the number of days, no verdict. With fewer than :data:`MIN_BAND_SETS`
    parameter sets behind the band (``sets``), no verdict either: it says so.
    """
    if cov is None:
        return "no band coverage (no band)"
    head = f"{pct(cov, 0)} of days inside the 5–95 % band (nominal {pct(COVERAGE_NOMINAL, 0)}"
    if sets is not None and sets < MIN_BAND_SETS:
        return head + (
            f"; the band rests on {sets} parameter set{'s' if sets != 1 else ''}, fewer than "
            f"{MIN_BAND_SETS}: not a coverage test)"
        )
    if not days:
        return head + ")"
    from scipy.stats import binomtest

    p = binomtest(round(cov * days), days, COVERAGE_NOMINAL).pvalue
    if p >= 0.05:
        return head + ")"
    return head + f": the band is too {'wide' if cov > COVERAGE_NOMINAL else 'narrow'})"


def _no_interval_words(av: AssetValidation) -> str:
    """That the period is too short for the interval of a difference, or ``""``."""
    from liqcascade.positions import MIN_INTERVAL_DAYS, count_text

    days = av.days()
    if days is None or days >= MIN_INTERVAL_DAYS:
        return ""
    return (
        f" Over {count_text(days, 'day')}, too few for the interval of a difference (at "
        f"least {MIN_INTERVAL_DAYS}, two 7-day blocks): the strict comparison only, no verdict."
    )


def _verdict_words(av: AssetValidation) -> str:
    """The six comparisons sorted by their block-bootstrap verdict, in one sentence."""
    v = av.verdicts()
    if not any(v.values()):
        return ""
    names = {"pearson": "Pearson", "spearman": "Spearman"}
    by: dict[str, list[str]] = {"beats": [], "ties": [], "loses": []}
    for k, word in v.items():
        if word:
            side, kind = k.split("_")
            by[word].append(f"{side} ({names[kind]})")
    parts = [
        f"{verb} on {join_words(by[w])}"
        for w, verb in (("beats", "beats it"), ("ties", "ties"), ("loses", "loses"))
        if by[w]
    ]
    return (
        " With the 90 % interval of each difference (days resampled in 7-day blocks), it "
        + "; ".join(parts)
        + "."
    )


def _leverage_words(v: ValidationView) -> str:
    """One sentence: the data's set against effective leverage per asset, or ``""``."""
    parts = []
    for av in v.assets:
        g = (av.check.attrs.get("set_vs_effective") if av.check is not None else None) or {}
        if g.get("median_set_leverage") is None:
            continue
        parts.append(
            f"{av.asset} set {g['median_set_leverage']:.0f}× against "
            f"{g['median_liq_leverage']:.1f}× implied by the distance to liquidation "
            f"({g['median_account_net_leverage']:.1f}× the account's net exposure over its "
            f"value), {pct(g['share_liq_below_quarter_set'], 0)} of notional under a quarter "
            f"of its set leverage"
        )
    if not parts:
        return ""
    return (
        " Set against effective leverage in the data (notional-weighted medians): "
        + "; ".join(parts)
        + " — the model's mix is over effective leverage only."
    )


def prose(v: ValidationView) -> Prose:
    """Takeaways (one per asset), method and the heatmap claim."""
    lo, hi = v.period
    take = [
        f"Every month from {lo[:7]} to {hi[:7]} is predicted by a fit on the data before it "
        "only, on the CoinGlass history as revised later (not point-in-time: "
        f"{REVISED_CLAUSE}); the model is held against the strongest simple baseline (the "
        "bar's range × its closing open interest), fitted the same way. Both are given each "
        "4-hour bar's realised low and high (the book liquidates every level the bar "
        "reaches), and the baseline the bar's closing open interest, known only after the "
        "bar: the correlations test how the book's daily amounts move with the record, and "
        "their split by side, not a forecast of liquidations; its dollar level is scored "
        "apart (the daily absolute error, below).",
        *[_asset_line(av) for av in v.assets],
        *[x for x in (_flag_line(av) for av in v.assets) if x],
    ]
    hl = "; ".join(
        f"{av.asset}: never liquidated {pct(av.check.loc['none', 'data'], 0)} of notional in the "
        f"data vs {pct(av.check.loc['none', 'model'], 0)} in the model; more than 50 % away or "
        f"never (like for like: the model's never-liquidated mass is the mass beyond a 50 % "
        f"move) {pct(av.check.attrs.get('share_beyond_50pct_data'), 0)} vs "
        f"{pct(av.check.attrs.get('share_beyond_50pct_model'), 0)}"
        for av in v.assets
        if av.check is not None and "none" in av.check.index
    )
    if hl:
        take.append(f"Against real Hyperliquid positions (Feb 2026): {hl}.{_leverage_words(v)}")
    no_hl = [av.asset for av in v.assets if av.check is None]
    if no_hl:
        take.append(
            f"{join_words(no_hl)}: no Hyperliquid positions are bundled "
            f"({join_words(list(v.hl_assets))} only), "
            "so no distance-to-liquidation check."
        )
    from liqcascade.positions import N_RESAMPLES_DAILY

    intrabar = any(float(av.params_latest.get("intrabar", 0.0)) > 0 for av in v.assets)
    method = [
        _recorded_method(v),
        "Likelihood: a hurdle log-normal per bar and side whose median is scale × the "
        "book's liquidations "
        + (
            "+ intrabar × (open interest × the bar's move against the side: positions "
            "opened and liquidated within a bar, which the book opened at the bar's open "
            "cannot hold) + a floor; the intrabar term holds no position, so every dollar "
            "figure downstream is the book's. "
            if intrabar
            else "+ a floor. "
        )
        + "The band is the fitted law's predictive "
        f"distribution over the main fit and {_refit_words(v)} (5th and 95th "
        "percentiles), with a day-shared part set on the fitting window; each baseline's "
        "one scale is fitted on the fitting window only.",
        "Model against baseline: each difference of daily correlation (model − range "
        "baseline, with the record) carries a 90 % interval from a paired circular block "
        f"bootstrap over days (7-day blocks, {N_RESAMPLES_DAILY:,} resamples, fixed seed): the "
        "model beats "
        "the baseline when the whole interval lies above 0, loses when it lies below, and "
        "ties otherwise. The specification's target is the strict comparison: the model's "
        "correlation above the baseline's; both are shown.",
        _hyperliquid_method(v),
    ]
    checks = {av.asset: av.check for av in v.assets if av.check is not None}
    return Prose(take, method, [_claim(v, intrabar), *filter(None, [distance_claim(checks)])])


def _refit_words(v: ValidationView) -> str:
    """``"10 block-bootstrap refits"``, or per asset when they differ (``"ETH 10, SOL 2"``)."""
    counts = {av.asset: (min(av.refits), max(av.refits)) for av in v.assets if av.refits}
    if not counts:
        return "its block-bootstrap refits"
    if len(set(counts.values())) == 1:
        lo, hi = next(iter(counts.values()))
        n = str(lo) if lo == hi else f"{lo}–{hi}"
        return f"{n} block-bootstrap refit{'s' if hi != 1 else ''}"
    each = ", ".join(
        f"{a} {lo}" if lo == hi else f"{a} {lo}–{hi}" for a, (lo, hi) in counts.items()
    )
    return f"its block-bootstrap refits ({each})"


def _hyperliquid_method(v: ValidationView) -> str:
    """The Hyperliquid check's method, naming the assets it covers (none: says so)."""
    checked = [av.asset for av in v.assets if av.check is not None]
    others = [av.asset for av in v.assets if av.check is None]
    held = join_words(list(v.hl_assets))
    if not checked:
        return (
            f"Hyperliquid: the bundled positions (994 large accounts, Feb 2026) hold {held} "
            f"only, so {join_words(others)} has no check against them."
        )
    which = f" ({join_words(checked)} only)" if others else ""
    return (
        f"Hyperliquid{which}: 994 large accounts, Feb 2026 — another venue and period, a "
        "comparison, not a fit input. 'none' is notional that cannot be liquidated (data) "
        "or the model's never-liquidated share. Effective leverage of a position: that of a "
        "fresh isolated position liquidated at the same distance from the mark "
        "(Hyperliquid's formula; no liquidation price counts as under a quarter of the set "
        f"one), and its account's net {' + '.join(v.hl_assets)} exposure over the account's "
        "value."
    )


#: The claim of the validation section (liquidation heatmaps), as the table states it.
HEATMAP_CLAIM = (
    "Liquidation heatmaps (open interest × assumed leverage) show where and how much will be "
    "liquidated."
)


def _claim(v: ValidationView, intrabar: bool) -> Claim:
    """The heatmap claim against the assets' out-of-sample scores (ETH first).

    Testable when ETH (or the first asset without ETH) has the score and its interval:
    over fewer days than the interval needs
    (:data:`~liqcascade.positions._backtest.MIN_INTERVAL_DAYS`) the claim is not
    testable, and the row says how many days there were. The verdict follows the count
    against the range × OI baseline: "partly supported" when the book beats it on at
    least one daily score of one asset (the daily amounts follow the record, only the
    book's scale is identified, and "where" is not tested); "not supported" when it beats
    it on none: the assumed leverage adds nothing measurable to them (the dollar error,
    said beside, is not counted: the verdict's rule predates it). A tie supports nothing (the
    rule across the claims); the text names the scores beaten (:func:`_parts_words`) and
    says that every score is given the realised path, a nowcast and not a forecast.
    """
    from liqcascade.positions import MIN_INTERVAL_DAYS, count_text

    lo, hi = v.period
    eth = next((av for av in v.assets if av.asset == "ETH"), v.assets[0])
    days, why = eth.days(), eth.unscored()
    head = f"{eth.asset}, out of sample {lo[:7]} → {hi[:7]}: "
    if why is None and days is not None and days < MIN_INTERVAL_DAYS:
        why = (
            f"{count_text(days, 'day')} with a recorded liquidation: too few to test the "
            f"book against the range baseline (the interval of a difference needs at least "
            f"{MIN_INTERVAL_DAYS})"
        )
    if why is not None:
        return Claim(
            claim=HEATMAP_CLAIM,
            computed=f"{head}{why}.",
            front=f"{eth.asset}'s book has no out-of-sample score against its baseline for "
            f"{lo[:7]} → {hi[:7]} (too little record; the section says why).",
            verdict="not testable with these data",
            would_test=f"a later report date: at least {MIN_INTERVAL_DAYS} days with a "
            f"recorded liquidation from {lo} on.",
        )
    assets = [eth, *(av for av in v.assets if av is not eth and av.unscored() is None)]
    wins = sum(w == "beats" for av in assets for w in av.verdicts().values())
    scored = sum(w is not None for av in assets for w in av.verdicts().values())
    return Claim(
        claim=HEATMAP_CLAIM,
        computed=(
            f"Out of sample {lo[:7]} → {hi[:7]}, the book's "
            + ("forecast (book + intrabar term) " if intrabar else "")
            + "daily correlation vs the range × OI baseline's, and wins/ties/losses on the "
            "daily scores (90 % intervals): "
            + "; ".join(f"{av.asset} {_score_words(av)}" for av in assets)
            + ("" if wins else ": the assumed leverage adds nothing measurable to them")
            + "; both are given each 4-hour bar's realised low and high, so the scores test a "
            "nowcast of the day's liquidations given the realised path, not a forecast. "
            + _parts_words(assets)
        ),
        front=_heatmap_front(assets, wins, scored),
        verdict="partly supported" if wins else "not supported",
    )


def _parts_words(assets: list[AssetValidation]) -> str:
    """What part of the heatmap claim the scores support, and what they do not test.

    The verdict counts the daily scores the book beats the range × OI baseline on (a tie
    supports nothing, as across the claims); these words name them, so the row says
    that only the book's scale given the realised path is supported, and where.
    """

    def beaten(av: AssetValidation) -> list[str]:
        return [_score_name(k) for k, w in av.verdicts().items() if w == "beats"]

    won = [f"{av.asset} {join_words(beaten(av))}" for av in assets if beaten(av)]
    part = (
        f"Supported: only how the book's daily amounts move with the record given the "
        f"realised path, beyond range × OI on {'; '.join(won)}; elsewhere it ties or loses. "
        if won
        else "Supported by the correlations: nothing beyond range × OI. "
    )
    dollars = [w for w in (_dollar_words(av, short=True) for av in assets) if w]
    level = f"How much, in dollars against range × OI: {'; '.join(dollars)}. " if dollars else ""
    return (
        part + level + "Only the book's scale is identified; where (by price level) is not "
        "tested, nor is a forecast of how much will be liquidated."
    )


def _score_name(key: str) -> str:
    """``"total_spearman"`` → ``"total (Spearman)"``."""
    side, kind = key.split("_")
    return f"{side} ({kind.capitalize()})"


def _heatmap_front(assets: list[AssetValidation], wins: int, scored: int) -> str:
    """The heatmap claim's front row, within :data:`~._section.FRONT_CHARS`.

    Each asset's daily correlation against the range baseline's, the count of daily
    scores the book beats, the daily dollar error's verdicts (:func:`_front_dollars`:
    the correlations do not score how much), and a thin band's note
    (:func:`_thin_words`). ("Adds nothing measurable" is the full text's: with two
    assets it took the row past the cap; the verdict says it.) When the correlations
    and the rest do not fit together (two assets with their dollar verdicts, three
    assets and a thin band), the correlations are left to the section.
    """
    from liqcascade.report._section import FRONT_CHARS, front_chars

    count = (
        f"on {wins} of {scored} scores{_front_dollars(assets)}; levels "
        f"untested{_thin_words(assets)}."
    )
    pairs = ", ".join(f"{av.asset} {_corr_words(av)}" for av in assets)
    given = "Given the realised range (not a forecast)"
    row = f"{given}, daily correlation vs range × OI: {pairs}; beats it {count}"
    if front_chars(row) <= FRONT_CHARS:
        return row
    return f"{given}, out of sample, the book beats range × OI {count}"


def _front_dollars(assets: list[AssetValidation]) -> str:
    """``"; in dollars loses on ETH, BTC"``: the daily dollar error's verdicts, grouped."""
    by: dict[str, list[str]] = {}
    for av in assets:
        d = av.dollars()
        if d is not None and d["verdict"] is not None:
            by.setdefault(d["verdict"], []).append(av.asset)
    if not by:
        return ""
    return "; in dollars " + ", ".join(f"{v} on {join_words(a)}" for v, a in by.items())


def _thin_words(assets: list[AssetValidation]) -> str:
    """``"; SOL: band of 3 parameter sets, coverage untested"``, for the thin bands only.

    A calibration with fewer than :data:`MIN_BAND_SETS` parameter sets (a user's own,
    fitted with few refits) gives a band whose coverage says little; the front row says
    so beside the scores (a new-asset user read "beats" over one month of 3 sets).
    """
    thin = [av for av in assets if av.band_is_thin()]
    if not thin:
        return ""
    sets = {int(av.band_sets or 0) for av in thin}
    n = f"{sets.pop()} parameter sets" if len(sets) == 1 else "few parameter sets"
    return f"; {join_words([av.asset for av in thin])}: band of {n}, coverage untested"


def _corr_words(av: AssetValidation) -> str:
    """``"0.81 vs 0.82"``: the book's daily correlation against the range baseline's."""
    m = av.metrics
    return f"{_c(_r(m, 'corr_daily'), 2)} vs {_c(_r(m, 'range_baseline_corr_daily'), 2)}"


def _score_words(av: AssetValidation) -> str:
    """``"0.81 vs 0.82, 0/5/1"``: daily correlations, and the wins, ties and losses.

    The book's daily correlation against the range baseline's, then how many of the
    daily scores it beats, ties with and loses to by the 90 % interval of each
    difference (:meth:`AssetValidation.verdicts`; left out without intervals).
    """
    corr = _corr_words(av)
    v = [w for w in av.verdicts().values() if w]
    if not v:
        return corr
    return corr + ", " + "/".join(str(v.count(w)) for w in ("beats", "ties", "loses"))


def summary(v: ValidationView) -> dict[str, Any]:
    """Every number of the section for summary.json."""
    return {
        "test_period": list(v.period),
        "assets": {
            av.asset: {
                "metrics": av.metrics,
                "months": av.backtest.months,
                "beats_range_baseline": av.beats(),
                "verdicts_vs_range_baseline": av.verdicts(),
                "hyperliquid_check": None
                if av.check is None
                else {**av.check.attrs, "table": av.check.to_dict()},
                "params_latest": av.params_latest,
                "suspect_bars_in_test_period": suspect_rows(av.suspects),
                # what the band rests on (the front page's claim row words it)
                "scored_days": av.days(),
                "band_refits": list(av.refits),
                "band_parameter_sets": av.band_sets,
                "band_is_coverage_test": None if av.band_sets is None else not av.band_is_thin(),
                "dollars_vs_range_baseline": av.dollars(),
            }
            for av in v.assets
        },
    }


def section(ctx: ReportContext) -> Section:
    """Expanding-window back-test per asset against both baselines; Hyperliquid check."""
    v = compute(ctx)
    return assemble("validation", prose(v), figures(v), tables(v), summary(v))
