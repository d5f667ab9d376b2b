"""Back-test of the estimated book on any period: predicted vs recorded liquidations.

:func:`backtest_identified` (the identified book, each month predicted by the fit
before it) and :func:`backtest_cohort` (the 0.1 cohort book) take the series as
arguments: the book is built from the open interest and prices up to the end of the
period, warming up from the earliest open interest, long and short liquidations are
predicted bar by bar along the real path and, where recorded liquidations exist,
compared with the metrics of :func:`liqcascade.positions.fit_metrics`. Confidence bands
are the 5th and 95th percentiles of the predictions of the bootstrap parameter sets
shipped with the calibration. :func:`liqcascade.market.book_backtest` loads the series
(the store first, then the bundled data; the store may hold series the bundle lacks)
and picks the book.

The identified book's back-test (:func:`backtest_identified`) predicts each month with
the fit trained before it; months before the calibration's first fit have none and
are predicted by the first fit, trained on data after them: in sample. ``metrics``
pools every month of the period; ``metrics_out_of_sample`` holds the same figures on
the out-of-sample months only (with the range-baseline comparisons: the verdicts read
these) and ``metrics_in_sample`` on the in-sample ones (no comparison, no verdict).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from liqcascade._plotly_text import plain
from liqcascade._prices import count_text
from liqcascade._significance import BLOCK_DAYS
from liqcascade._time import to_utc, utc_end
from liqcascade.errors import InputError
from liqcascade.positions._calibrate import (
    CalibrationResult,
    ValidationData,
    baseline_metrics,
    load_calibrated,
    run_window,
    window_metrics,
)
from liqcascade.positions._estimate import EstimationParams
from liqcascade.positions._expanding import (
    MIN_SCORE_POINTS,
    AssetCalibration,
    expanding_predictions,
    load_asset_calibration,
    metrics_for,
)
from liqcascade.positions._model import MarketFrames

SERIES_COLUMNS: tuple[str, ...] = (
    "predicted_long_usd",
    "predicted_short_usd",
    "recorded_long_usd",
    "recorded_short_usd",
    "predicted_long_usd_p05",
    "predicted_long_usd_p95",
    "predicted_short_usd_p05",
    "predicted_short_usd_p95",
)
BACKTEST_METRICS: tuple[str, ...] = (
    "corr_4h",
    "corr_daily",
    "corr_daily_long",
    "corr_daily_short",
    "mae_daily_usd",
    "top5pct_hit_rate",
    "baseline_corr_daily",
)

#: The fewest bars with a recorded liquidation the back-test scores (fewer: no metrics).
MIN_SCORE_BARS: int = MIN_SCORE_POINTS
#: The fewest days its daily correlations are scored on (fewer: NaN, "too few days").
MIN_SCORE_DAYS: int = MIN_SCORE_POINTS
#: The fewest days the interval of a difference with the range baseline is drawn on:
#: two 7-day blocks (:func:`liqcascade._significance.paired_corr_interval`); fewer, no
#: interval and no verdict.
MIN_INTERVAL_DAYS: int = 2 * BLOCK_DAYS


def scored_days(metrics: dict[str, Any] | None) -> int | None:
    """The days a back-test's daily scores were computed on (None when not known).

    ``days`` of the identified book's metrics; the cohort book's carry none.
    """
    d = (metrics or {}).get("days")
    return None if d is None or not math.isfinite(float(d)) else int(d)


def unscored_reason(metrics: dict[str, Any] | None, recorded_bars: int = 0) -> str | None:
    """Why a back-test's daily correlations are not scored, in words; None when they are.

    Parameters
    ----------
    metrics : dict or None
        ``BacktestResult.metrics`` (or its out-of-sample or in-sample part): None
        with fewer than :data:`MIN_SCORE_BARS` bars with a recorded liquidation.
    recorded_bars : int, default 0
        Bars of the period with a recorded liquidation (read when ``metrics`` is None).

    Returns
    -------
    str or None
        ``"no recorded liquidation in the period"``, ``"2 bars with a recorded
        liquidation: too few to score (at least 3)"`` or ``"1 day with a recorded
        liquidation: too few days to score (a daily correlation needs at least 3)"``;
        None when the daily correlation is scored.
    """
    if metrics is None:
        if recorded_bars == 0:
            return "no recorded liquidation in the period"
        return (
            f"{count_text(recorded_bars, 'bar')} with a recorded liquidation: too few to "
            f"score (at least {MIN_SCORE_BARS})"
        )
    days = scored_days(metrics)
    corr = metrics.get("corr_daily")
    if days is not None and days < MIN_SCORE_DAYS:
        return (
            f"{count_text(days, 'day')} with a recorded liquidation: too few days to score "
            f"(a daily correlation needs at least {MIN_SCORE_DAYS})"
        )
    if days is None and (corr is None or not math.isfinite(float(corr))):
        return (
            "too few days with a recorded liquidation to score (a daily correlation needs "
            f"at least {MIN_SCORE_DAYS})"
        )
    return None


# ----------------------------------------------------------------- result
def _iso(ts: pd.Timestamp | None) -> str | None:
    return None if ts is None else ts.isoformat()


def _when(ts: pd.Timestamp, end: bool = False) -> str:
    """A period bound for a message: the day at midnight, else the day and time.

    An inclusive ``end`` (the instant before a midnight) shows its day; another
    inclusive end shows the instant it stops before.
    """
    if end:
        nxt = ts + pd.Timedelta(microseconds=1)
        return f"{ts:%Y-%m-%d}" if nxt == nxt.normalize() else f"{nxt:%Y-%m-%d %H:%M}"
    return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M}"


def uncovered_spans(
    oi_index: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta
) -> list[dict[str, Any]]:
    """The parts of ``[start, end]`` before the first or after the last open-interest bar.

    Parameters
    ----------
    oi_index : DatetimeIndex
        Open-interest bar labels (open times, UTC), sorted.
    start, end : Timestamp
        Period (inclusive, UTC).
    step : Timedelta
        Bar length.

    Returns
    -------
    list of dict
        ``{"start", "end", "reason"}`` (UTC; ``end`` inclusive): before the data
        (``[start, first bar)``) and after it (``[last bar's close, end]``), each only
        when it holds a whole bar; the reason names the data's first or last bar.
    """
    idx = pd.DatetimeIndex(oi_index)
    out: list[dict[str, Any]] = []
    if len(idx) == 0:
        return out
    first, last = pd.Timestamp(idx[0]), pd.Timestamp(idx[-1])
    if first - start >= step and first <= end:
        out.append({"start": start, "end": first - pd.Timedelta(microseconds=1),
                    "reason": f"no open interest (data start {first:%Y-%m-%d %H:%M})"})  # fmt: skip
    if end + pd.Timedelta(microseconds=1) - (last + step) >= step and last >= start:
        out.append({"start": last + step, "end": end,
                    "reason": f"no open interest (data end {last:%Y-%m-%d %H:%M})"})  # fmt: skip
    return out


def uncovered_line(span: dict[str, Any]) -> str:
    """``"2025-08-01 → 2025-09-30: no open interest (data end ...), not predicted"``."""
    a, b = pd.Timestamp(span["start"]), pd.Timestamp(span["end"])
    return f"{_when(a)} → {_when(b, end=True)}: {span['reason']}, not predicted"


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Predicted vs recorded liquidations on one period.

    Attributes
    ----------
    asset, interval : str
        Asset and bar interval.
    start, end : pandas.Timestamp
        Period (inclusive, UTC).
    params_source : str
        Where the parameters came from.
    frame : DataFrame
        One row per bar: :data:`SERIES_COLUMNS` (USD; recorded and band columns NaN
        where unavailable).
    metrics : dict or None
        :data:`BACKTEST_METRICS` where recorded liquidations exist, else None. Pooled
        over every month of the period, in-sample months included (identified book:
        the metrics of :func:`liqcascade.positions._expanding.metrics_for` and
        :func:`range_baseline_comparisons`).
    params : EstimationParams
        The parameters used.
    sources : dict
        Where each series came from.
    full_metrics : dict or None
        Every metric of the window.
    months : list of dict
        Identified book: one row per calendar month (fit used, ``bars``; a month
        without open interest has ``bars`` 0 and a ``note``).
    daily : DataFrame or None
        Identified book: the daily total band.
    uncovered : list of dict
        Parts of ``[start, end]`` outside the open interest, not predicted: ``start``,
        ``end`` (UTC) and ``reason`` ("no open interest (data start ...)" / "(data
        end ...)"); empty when the data cover the whole period.
    metrics_out_of_sample : dict or None
        Identified book: the keys of ``metrics`` on the out-of-sample months only (each
        predicted by a fit trained before it), the range-baseline comparisons among
        them: what the verdicts read. Equal to ``metrics`` when no month is in sample;
        None without an out-of-sample month scored, or for a legacy parameter set (the
        back-test does not know which months its fit saw).
    metrics_in_sample : dict or None
        Identified book: the :func:`~liqcascade.positions._expanding.metrics_for`
        figures on the in-sample months only (before the calibration's first fit,
        predicted by a fit trained on data after them), without the range-baseline
        comparisons; None when no month is in sample (or none is scored).
    """

    asset: str
    interval: str
    start: pd.Timestamp
    end: pd.Timestamp
    params_source: str
    frame: pd.DataFrame
    metrics: dict[str, float] | None
    params: Any
    sources: dict[str, str] = field(default_factory=dict)
    full_metrics: dict[str, float] | None = None
    months: list[dict[str, Any]] = field(default_factory=list)
    daily: pd.DataFrame | None = None
    uncovered: list[dict[str, Any]] = field(default_factory=list)
    metrics_out_of_sample: dict[str, float] | None = None
    metrics_in_sample: dict[str, float] | None = None

    def sample_months(self, out_of_sample: bool) -> list[str]:
        """The months (``YYYY-MM``) predicted out of sample, or in sample, with bars.

        Parameters
        ----------
        out_of_sample : bool
            True: the months each predicted by a fit trained before it; False: the
            months before the calibration's first fit (predicted by a fit trained on
            data after them).
        """
        return [
            str(m["month"])
            for m in self.months
            if m.get("bars") and m.get("out_of_sample") is out_of_sample
        ]

    @property
    def bars(self) -> int:
        """Number of bars in the period with open interest."""
        return len(self.frame)

    @property
    def recorded_bars(self) -> int:
        """Bars of the period with a recorded liquidation (long and short both known)."""
        f = self.frame
        return int((f["recorded_long_usd"].notna() & f["recorded_short_usd"].notna()).sum())

    @property
    def covered_start(self) -> pd.Timestamp | None:
        """Open time (UTC) of the first bar predicted (None without bars)."""
        return pd.Timestamp(self.frame.index[0]) if len(self.frame) else None

    @property
    def covered_end(self) -> pd.Timestamp | None:
        """Open time (UTC) of the last bar predicted (None without bars)."""
        return pd.Timestamp(self.frame.index[-1]) if len(self.frame) else None

    def _total(self, col: str) -> float | None:
        s = self.frame[col]
        return None if s.isna().all() else float(s.sum())

    def to_dict(self, series: bool = True) -> dict[str, Any]:
        """The JSON layout of ``liqcascade liqmap backtest --json``.

        Parameters
        ----------
        series : bool, default True
            Include the per-bar ``series`` (USD columns and their 5/95 % band; NaN as
            null) and, for the identified book, the ``daily`` band.

        Returns
        -------
        dict
            JSON-ready: period, coverage, ``bars`` and ``recorded_bars`` (those with a
            recorded liquidation), totals (USD), metrics, sources and months.
        """
        out: dict[str, Any] = {
            "asset": self.asset,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "covered_start": _iso(self.covered_start),
            "covered_end": _iso(self.covered_end),
            "uncovered": [
                {
                    "start": u["start"].isoformat(),
                    "end": u["end"].isoformat(),
                    "reason": u["reason"],
                }
                for u in self.uncovered
            ],
            "interval": self.interval,
            "params_source": self.params_source,
            "bars": self.bars,
            "recorded_bars": self.recorded_bars,
            "predicted_long_usd": self._total("predicted_long_usd"),
            "predicted_short_usd": self._total("predicted_short_usd"),
            "recorded_long_usd": self._total("recorded_long_usd"),
            "recorded_short_usd": self._total("recorded_short_usd"),
            "metrics": self.metrics,
            "metrics_out_of_sample": self.metrics_out_of_sample,
            "metrics_in_sample": self.metrics_in_sample,
            "months_out_of_sample": self.sample_months(True),
            "months_in_sample": self.sample_months(False),
            "sources": self.sources,
            "months": self.months,
        }
        if series:
            cols = [c for c in self.frame.columns if c.endswith(("_usd", "_p05", "_p95"))]
            rows = []
            for ts, r in zip(
                self.frame.index, self.frame[cols].itertuples(index=False), strict=True
            ):
                row: dict[str, Any] = {"ts": ts.isoformat()}
                for c, v in zip(cols, r, strict=True):
                    row[c] = None if (v is None or not math.isfinite(v)) else float(v)
                rows.append(row)
            out["series"] = rows
            if self.daily is not None:
                out["daily"] = [
                    {"ts": pd.Timestamp(str(ts)).isoformat(), **{c: float(v) for c, v in r.items()}}
                    for ts, r in self.daily.iterrows()
                ]
        return out

    def without_bands(self) -> BacktestResult:
        """The same back-test without its 5-95 % band.

        The band columns of ``frame`` and of ``daily`` are NaN, and
        ``coverage_90_daily`` (the share of days inside the daily band: the band's own
        score) is NaN in every metrics block, the months' included; the predictions and
        every other metric are unchanged: what ``bands=False`` gives without drawing
        the band (``liqmap backtest --no-bands``).
        """
        frame = self.frame.copy()
        frame[list(SERIES_COLUMNS[4:])] = np.nan
        daily = None
        if self.daily is not None:
            daily = self.daily.copy()
            daily[[c for c in daily.columns if c.endswith(("_p05", "_p95"))]] = np.nan

        def drop(m: dict[str, Any] | None) -> dict[str, Any] | None:
            if m is None or "coverage_90_daily" not in m:
                return m
            return {**m, "coverage_90_daily": float("nan")}

        metrics = drop(self.metrics)
        return replace(
            self,
            frame=frame,
            daily=daily,
            metrics=metrics,
            full_metrics=metrics if self.full_metrics is self.metrics else self.full_metrics,
            metrics_out_of_sample=drop(self.metrics_out_of_sample),
            metrics_in_sample=drop(self.metrics_in_sample),
            months=[{**r, "metrics": drop(r.get("metrics"))} for r in self.months],
        )

    def to_frame(self) -> pd.DataFrame:
        """The series, one row per bar (USD)."""
        return self.frame.copy()

    def summary(self) -> dict[str, Any]:
        """Totals and metrics (no series)."""
        return self.to_dict(series=False)

    def plot(self, max_points: int = 1500) -> go.Figure:
        """Predicted (with the 5-95 % band) vs recorded liquidations, longs and shorts.

        Parameters
        ----------
        max_points : int, default 1500
            With more bars than this the series are summed to daily bars.

        Returns
        -------
        plotly.graph_objects.Figure
            Two panels, M USD per bar.
        """
        f = self.frame
        label = self.interval
        if len(f) > max_points:
            f = f.resample("1D").sum(min_count=1)
            label = "daily"
        fig = make_subplots(
            rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06,
            subplot_titles=(
                f"long liquidations ({label}, M USD)", f"short liquidations ({label}, M USD)"
            ),
        )  # fmt: skip
        for row, side, colour in ((1, "long", "#c0392b"), (2, "short", "#27ae60")):
            p05, p95 = f[f"predicted_{side}_usd_p05"], f[f"predicted_{side}_usd_p95"]
            if p05.notna().any():
                fig.add_trace(
                    go.Scatter(x=f.index, y=p95 / 1e6, line={"width": 0}, showlegend=False,
                               hoverinfo="skip"),
                    row=row, col=1,
                )  # fmt: skip
                fig.add_trace(
                    go.Scatter(x=f.index, y=p05 / 1e6, fill="tonexty", line={"width": 0},
                               fillcolor="rgba(52,152,219,0.25)", name="predicted 5-95 %",
                               showlegend=row == 1),
                    row=row, col=1,
                )  # fmt: skip
            fig.add_trace(
                go.Scatter(x=f.index, y=f[f"predicted_{side}_usd"] / 1e6, name="predicted",
                           line={"color": "#2980b9", "width": 1.3}, showlegend=row == 1),
                row=row, col=1,
            )  # fmt: skip
            if f[f"recorded_{side}_usd"].notna().any():
                fig.add_trace(
                    go.Scatter(x=f.index, y=f[f"recorded_{side}_usd"] / 1e6, name="recorded",
                               line={"color": colour, "width": 1.3}, showlegend=row == 1),
                    row=row, col=1,
                )  # fmt: skip
        split = bool(self.sample_months(False))  # in-sample months: score the others
        m = self.metrics_out_of_sample if split else self.metrics
        scored = m and all(
            m.get(k) is not None and math.isfinite(m[k])
            for k in ("corr_daily", "baseline_corr_daily")
        )  # too few days: no correlation to show
        sub = (
            f" — daily corr{' out of sample' if split else ''} {m['corr_daily']:.2f} "
            f"(baseline {m['baseline_corr_daily']:.2f})"
            if m and scored
            else ""
        )
        fig.update_layout(
            title=f"{plain(self.asset)} liquidations, estimated book vs recorded, "
            f"{self.start.date()} -> {self.end.date()}{sub}",
            height=620,
            margin={"t": 70, "l": 60, "r": 20, "b": 30},
        )
        return fig

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``backtest.html``, ``backtest.png`` and ``backtest_series.csv`` to ``out_dir``.

        Parameters
        ----------
        out_dir : str or Path
            Folder, created if missing; existing files of those names are replaced.

        Returns
        -------
        dict of str to Path
            ``"html"``, ``"png"`` and ``"csv"``: the paths written.

        Raises
        ------
        liqcascade._png.PngExportError
            A RuntimeError: the PNG could not be rendered after retries (kaleido and a
            Chrome or Chromium are needed).
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "html": out / "backtest.html",
            "png": out / "backtest.png",
            "csv": out / "backtest_series.csv",
        }
        self.frame.to_csv(paths["csv"], index_label="ts")
        fig = self.plot()
        fig.write_html(paths["html"], include_plotlyjs=True)
        from liqcascade._png import PngExportError, write_png

        try:  # retried in a fresh browser; PngExportError says why when it still fails
            write_png(fig, paths["png"], width=1200, height=700)
        except PngExportError as exc:
            raise PngExportError(f"{exc}. The HTML chart and CSV were written to {out}") from None
        return paths

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{k}</th><td>{v}</td></tr>"
            for k, v in self.summary().items()
            if k != "sources"
        )
        return f"<table>{rows}</table>"


# ----------------------------------------------------------------- entry points
def resolve_params(
    params: EstimationParams | CalibrationResult | str | Path | None,
) -> tuple[EstimationParams, list[EstimationParams], str]:
    """The cohort book's parameters, their bootstrap sets and where they came from.

    ``params`` None: the shipped calibration; a path reads a ``liqmap calibrate``
    output or a plain parameters JSON.
    """
    if params is None:
        cal = load_calibrated()
        src = f"calibrated (package, fitted {cal.fit_period[0]} -> {cal.fit_period[1]})"
        return cal.params, cal.bootstrap_params(), src
    if isinstance(params, CalibrationResult):
        return params.params, params.bootstrap_params(), "calibration result"
    if isinstance(params, EstimationParams):
        return params, [], "custom"
    p, d = _params_json(params)
    if "params" in d and "fit_period" in d:
        cal = CalibrationResult.from_dict(d, str(p))
        return cal.params, cal.bootstrap_params(), str(p)
    return EstimationParams.from_json(p), [], str(p)


#: The bar widths the back-test accepts: the recorded liquidations' and the calibration's.
INTERVALS: tuple[str, ...] = ("4h",)


def check_interval(interval: str) -> None:
    """Fail (naming ``interval``) unless it is a bar width the back-test supports.

    Only 4 h: the recorded liquidations are 4-hourly and the calibrated parameters are
    per 4-hour bar, so wider or narrower bars give totals that do not agree with the
    record (a 1d run recorded none, a 1w run 2 % of the 4h total on the same period).
    """
    if interval not in INTERVALS:
        raise InputError(
            f"interval must be {' or '.join(INTERVALS)} (got {interval!r}): the recorded "
            "liquidations and the calibration are 4-hourly",
            param="interval",
        )


def backtest_period(start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(start, end)`` of a back-test as UTC timestamps (a date-only ``end`` is its whole day).

    Raises
    ------
    InputError
        ``start`` after ``end`` (names both).
    """
    t0, t1 = to_utc(start, "start"), utc_end(end, "end")
    if t0 > t1:
        raise InputError(f"start ({t0.date()}) is after end ({t1.date()})", param=("start", "end"))
    return t0, t1


def backtest_cohort(
    asset: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    data: ValidationData,
    params: EstimationParams,
    bootstrap: Sequence[EstimationParams] = (),
    source: str = "custom",
    *,
    interval: str = "4h",
    bands: bool = True,
) -> BacktestResult:
    """Back-test of the 0.1 cohort book: predicted vs recorded on ``[start, end]``.

    Parameters
    ----------
    asset : str
        Asset (named in the result).
    start, end : Timestamp
        Period (inclusive, UTC; :func:`backtest_period`).
    data : ValidationData
        Open interest, prices, recorded liquidations, funding and taker, all bars
        (:func:`liqcascade.market._inputs.load_backtest_data`).
    params : EstimationParams
        The book's parameters (:func:`resolve_params`).
    bootstrap : sequence of EstimationParams
        The bootstrap sets of the 5-95 % band (none: no band).
    source : str
        Where the parameters came from (shown in the output).
    interval : str
        Bar interval of the open interest (``"4h"``).
    bands : bool
        Compute the 5-95 % band over ``bootstrap``.

    Returns
    -------
    BacktestResult

    Raises
    ------
    InputError
        No open interest in the period.
    """
    oi = data.oi
    in_period = oi[(oi.index >= start) & (oi.index <= end)]
    if in_period.empty:
        raise InputError(
            f"no open interest for {asset.upper()} {interval} between {start.date()} and "
            f"{end.date()} (available: {oi.index[0]:%Y-%m-%d %H:%M} -> "
            f"{oi.index[-1]:%Y-%m-%d %H:%M} UTC; "
            "ingest more open interest into the store: `liqcascade data ingest FILE`)"
        )
    _, frame = run_window(params, data, start, end)
    for c in ("recorded_long_usd", "recorded_short_usd"):
        if c not in frame:
            frame[c] = np.nan
    band_cols = SERIES_COLUMNS[4:]
    if bands and bootstrap:
        preds = {"long": [], "short": []}  # type: dict[str, list[np.ndarray]]
        for pb in bootstrap:
            _, fb = run_window(pb, data, start, end)
            fb = fb.reindex(frame.index)
            preds["long"].append(fb["predicted_long_usd"].to_numpy())
            preds["short"].append(fb["predicted_short_usd"].to_numpy())
        for side in ("long", "short"):
            arr = np.vstack(preds[side])
            frame[f"predicted_{side}_usd_p05"] = np.nanpercentile(arr, 5, axis=0)
            frame[f"predicted_{side}_usd_p95"] = np.nanpercentile(arr, 95, axis=0)
    else:
        for c in band_cols:
            frame[c] = np.nan
    frame = frame[list(SERIES_COLUMNS)]
    full = window_metrics(frame)
    metrics: dict[str, float] | None = None
    if full is not None:
        base = baseline_metrics(data, (start, end), (start, end))
        metrics = {k: full[k] for k in BACKTEST_METRICS if k in full}
        metrics["baseline_corr_daily"] = base["corr_daily"] if base else float("nan")
    return BacktestResult(
        asset=asset.upper(),
        interval=interval,
        start=start,
        end=end,
        params_source=source,
        frame=frame,
        metrics=metrics,
        params=params,
        sources=dict(data.sources),
        full_metrics=full,
        uncovered=uncovered_spans(pd.DatetimeIndex(oi.index), start, end, pd.Timedelta(interval)),
    )


def identified_calibration(
    asset: str, params: Any, store: Any = None
) -> tuple[AssetCalibration, str] | None:
    """The expanding-window calibration to use, or None for a legacy parameter set.

    Without ``params``: the store's own calibration of ``asset`` if it has one, else the
    package's (:func:`load_asset_calibration`); the source names which.
    """
    if params is None:
        cal = load_asset_calibration(asset, store=store)
        where = cal.source if cal.source.startswith("store:") else f"package, {cal.asset}"
        return cal, f"calibrated expanding window ({where})"
    if isinstance(params, AssetCalibration):
        return params, "calibration result"
    if isinstance(params, str | Path):
        p, d = _params_json(params)
        if "fits" in d:
            return AssetCalibration.from_dict(d, str(p)), str(p)
    return None


def check_calibration_asset(cal: AssetCalibration, asset: str) -> None:
    """Fail (naming ``params``) unless ``cal`` is a calibration of ``asset``."""
    if cal.asset != asset.upper():
        raise InputError(
            f"params: calibration is for {cal.asset}, not {asset.upper()}", param="params"
        )


def backtest_identified(
    asset: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    cal: AssetCalibration,
    source: str = "calibration",
    *,
    interval: str = "4h",
    frames: MarketFrames,
    bands: bool = True,
) -> BacktestResult:
    """Back-test of the identified book: each month predicted by the fit before it.

    Parameters
    ----------
    asset : str
        Asset.
    start, end : Timestamp
        Period (inclusive, UTC).
    cal : AssetCalibration
        Expanding-window fits (:func:`liqcascade.positions.load_asset_calibration`).
    source : str
        Where the calibration came from (shown in the output).
    interval : str
        Bar interval of the open interest (``"4h"``).
    frames : MarketFrames
        The asset's series (:func:`liqcascade.market._inputs.load_market_frames`).
    bands : bool
        Draw the 5-95 % band (the bootstrap refits' walks and the predictive draws).
        False skips that work and returns what :meth:`BacktestResult.without_bands`
        returns: the same predictions and metrics, the band and its
        ``coverage_90_daily`` NaN.

    Returns
    -------
    BacktestResult
        ``metrics`` adds ``spearman_daily``, both baselines' daily Pearson and Spearman
        and ``coverage_90_daily``, pooled over every month; ``metrics_out_of_sample``
        the same on the out-of-sample months (the verdicts'), ``metrics_in_sample``
        on the months before the first fit; ``months`` names the fit used for each
        month and whether it is out of sample.
    """
    check_calibration_asset(cal, asset)
    oi = frames.oi
    if oi[(oi.index >= start) & (oi.index <= end)].empty:
        raise InputError(
            f"no open interest for {asset.upper()} {interval} between {start.date()} and "
            f"{end.date()} (available: {oi.index[0]:%Y-%m-%d %H:%M} -> "
            f"{oi.index[-1]:%Y-%m-%d %H:%M} UTC; "
            "ingest more open interest into the store: `liqcascade data ingest FILE`)"
        )
    bars, days, months = expanding_predictions(frames, cal, start, end, bands=bands)
    uncovered = uncovered_spans(pd.DatetimeIndex(oi.index), start, end, pd.Timedelta(interval))
    metrics = metrics_for(bars, days)
    if metrics is not None:
        metrics.update(range_baseline_comparisons(bars))
    oos, ins = _split_metrics(bars, days, months, metrics)
    m_rows = []
    for m in months:
        if not m["bars"]:  # not predicted (no open interest)
            m_rows.append({**m, "metrics": None})
            continue
        sel = bars["fit_month"] == m["fit_month"]
        sel &= pd.DatetimeIndex(bars.index).strftime("%Y-%m") == m["month"]
        mm = metrics_for(bars[sel], days) if sel.sum() >= 3 else None
        m_rows.append({**m, "metrics": mm})
    n_in = sum(1 for m in months if m["bars"] and not m["out_of_sample"])
    are = "is" if n_in == 1 else "are"
    in_sample = f"; {count_text(n_in, 'month')} before the first fit {are} IN SAMPLE"
    src = source + (in_sample if n_in else "")
    frame = bars.drop(columns=["fit_month", "fit_end"])
    return BacktestResult(
        asset=asset.upper(),
        interval=interval,
        start=start,
        end=end,
        params_source=src,
        frame=frame,
        metrics=metrics,
        params=cal.fit_for(end)[0].params,
        sources=dict(frames.sources),
        full_metrics=metrics,
        months=m_rows,
        daily=days,
        uncovered=uncovered,
        metrics_out_of_sample=oos,
        metrics_in_sample=ins,
    )


def _split_metrics(
    bars: pd.DataFrame,
    days: pd.DataFrame,
    months: list[dict[str, Any]],
    pooled: dict[str, float] | None,
) -> tuple[dict[str, float] | None, dict[str, float] | None]:
    """``(out_of_sample, in_sample)`` metrics of :func:`backtest_identified`'s bars.

    The out-of-sample months' metrics with the range-baseline comparisons (``pooled``
    itself when every month is out of sample); the in-sample months' without them.
    None for a side without a month, or with too few recorded bars to score.
    """
    flag = {str(m["month"]): m["out_of_sample"] for m in months if m["bars"]}
    month = pd.Series(pd.DatetimeIndex(bars.index).strftime("%Y-%m"), index=bars.index)
    is_oos = month.map(flag).eq(True).to_numpy()
    if is_oos.all():
        return (None if pooled is None else dict(pooled)), None
    oos = metrics_for(bars[is_oos], days) if is_oos.any() else None
    if oos is not None:
        oos.update(range_baseline_comparisons(bars[is_oos]))
    return oos, metrics_for(bars[~is_oos], days)


#: The six daily comparisons with the range baseline: ``(side, kind)``; side "" is the
#: daily total, then longs and shorts; kind "corr" is Pearson, "spearman" Spearman.
COMPARISONS: tuple[tuple[str, str], ...] = tuple(
    (side, kind) for side in ("", "_long", "_short") for kind in ("corr", "spearman")
)


def daily_sides(bars: pd.DataFrame) -> pd.DataFrame:
    """Daily sums (USD) of the model, the range baseline and the record, per side and total.

    The days of :func:`liqcascade.positions._expanding.metrics_for`: the bars with a
    record, summed per UTC day, the days holding such a bar. Columns
    ``{model,range,recorded}{,_long,_short}``.
    """
    f = bars.dropna(subset=["recorded_long_usd", "recorded_short_usd"])
    cols = {"model": "predicted", "range": "range", "recorded": "recorded"}
    src = [f"{v}_{s}_usd" for v in cols.values() for s in ("long", "short")]
    d = f[src].resample("1D").sum()
    d = d[d.index.isin(pd.DatetimeIndex(f.index).floor("1D"))]
    out = pd.DataFrame(index=d.index)
    for k, v in cols.items():
        out[f"{k}_long"] = d[f"{v}_long_usd"]
        out[f"{k}_short"] = d[f"{v}_short_usd"]
        out[k] = out[f"{k}_long"] + out[f"{k}_short"]
    return out


#: Block-bootstrap resamples of each liqmap comparison (the six share one draw of days).
N_RESAMPLES_DAILY = 2000


def range_baseline_comparisons(
    bars: pd.DataFrame, n_resamples: int = N_RESAMPLES_DAILY
) -> dict[str, float]:
    """The model's daily correlations against the range baseline's, with 90 % intervals.

    For each of :data:`COMPARISONS`: ``range_baseline_{kind}_diff_daily{side}``, the
    model's daily correlation with the record minus the range baseline's (the
    difference of ``{corr,spearman}_daily{side}`` and
    ``range_baseline_{corr,spearman}_daily{side}``), and ``..._p05`` / ``..._p95``,
    its interval from a paired circular block bootstrap over days (7-day blocks,
    ``n_resamples`` resamples, the same days for all six, fixed seed;
    :func:`liqcascade._significance.paired_corr_interval`). The verdict
    (:func:`range_baseline_verdicts`): "beats" when the interval lies above 0.
    """
    from liqcascade._significance import paired_corr_interval

    d = daily_sides(bars)
    out: dict[str, float] = {}
    for side, kind in COMPARISONS:
        key = f"range_baseline_{kind}_diff_daily{side}"
        diff, lo, hi = paired_corr_interval(
            d["model" + side].to_numpy(float),
            d["range" + side].to_numpy(float),
            d["recorded" + side].to_numpy(float),
            kind="pearson" if kind == "corr" else "spearman",
            n_resamples=n_resamples,
        )
        out[key], out[key + "_p05"], out[key + "_p95"] = diff, lo, hi
    return out


def range_baseline_verdicts(metrics: dict[str, Any] | None) -> dict[str, str | None]:
    """``{"{kind}_daily{side}": "beats" | "loses" | "ties" | None}`` against the range baseline.

    From the intervals of :func:`range_baseline_comparisons` (correlations: higher is
    better); None without an interval.
    """
    from liqcascade._significance import verdict

    m = metrics or {}
    return {
        f"{kind}_daily{side}": verdict(
            m.get(f"range_baseline_{kind}_diff_daily{side}_p05"),
            m.get(f"range_baseline_{kind}_diff_daily{side}_p95"),
            lower_is_better=False,
        )
        for side, kind in COMPARISONS
    }


__all__ = [
    "BACKTEST_METRICS",
    "COMPARISONS",
    "MIN_INTERVAL_DAYS",
    "MIN_SCORE_BARS",
    "MIN_SCORE_DAYS",
    "SERIES_COLUMNS",
    "BacktestResult",
    "backtest_cohort",
    "backtest_identified",
    "backtest_period",
    "check_calibration_asset",
    "check_interval",
    "count_text",
    "daily_sides",
    "identified_calibration",
    "range_baseline_comparisons",
    "range_baseline_verdicts",
    "resolve_params",
    "scored_days",
    "uncovered_line",
    "uncovered_spans",
    "unscored_reason",
]


def _params_json(params: str | Path) -> tuple[Path, dict[str, Any]]:
    """The path of a ``params`` file and its JSON object (a clear error otherwise)."""
    from liqcascade._paths import read_json

    p = Path(params)
    try:
        return p, read_json(p, "JSON parameter file")
    except InputError as exc:
        raise InputError(f"params: {exc}", param="params") from None
