"""The leverage effect by sub-period: it may change sign, so it is estimated per period."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqcascade._json import SummaryDict
from liqcascade._tables import number_series, records_frame
from liqcascade._time import utc_time
from liqcascade.errors import InputError
from liqcascade.volatility._fit import MIN_OBS, check_dist, check_model, fit_volatility
from liqcascade.volatility._returns import returns_in_range


@dataclass(frozen=True)
class Period:
    """A named date range (inclusive, UTC days).

    Parameters
    ----------
    label : str
        Name shown in tables (``"2022–2025"``, ``"2024"``).
    start, end : pandas.Timestamp
        First and last day (UTC midnight), both included.
    """

    label: str
    start: pd.Timestamp
    end: pd.Timestamp


def default_periods(index: pd.DatetimeIndex) -> list[Period]:
    """2017–2021, 2022–2025, then each calendar year the data touches, clipped to the data.

    A multi-year span that the clipping leaves equal to one year (BTC's hourly data start
    in 2021-04, so "2017–2021" would be 2021-04 → 2021-12) is that year, listed once.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        The data's bar times (UTC).

    Returns
    -------
    list of Period
        The spans that overlap the data, each cut to its first and last day.
    """
    first, last = index.min(), index.max()
    spans = [("2017–2021", 2017, 2021), ("2022–2025", 2022, 2025)]
    spans += [(str(y), y, y) for y in range(first.year, last.year + 1)]
    out: list[Period] = []
    for label, y0, y1 in spans:
        s = max(pd.Timestamp(f"{y0}-01-01", tz="UTC"), first.normalize())
        e = min(pd.Timestamp(f"{y1}-12-31", tz="UTC"), last.normalize())
        if s <= e:
            out.append(Period(label, s, e))
    later = [{(p.start, p.end) for p in out[i + 1 :]} for i in range(len(out))]
    return [p for p, seen in zip(out, later, strict=True) if (p.start, p.end) not in seen]


@dataclass(frozen=True)
class PeriodLeverage:
    """Leverage-effect estimate on one period (NaN numbers when the fit was not possible).

    ``verdict`` is one of ``significant``, ``inverted``, ``not significant``, or — when
    no trustworthy estimate exists — ``too few observations``, ``did not converge``,
    ``unreliable (singular Hessian)`` (numbers kept for transparency) or ``failed: …``.

    Parameters
    ----------
    label : str
        The period's label.
    start, end : str
        First and last day, ``YYYY-MM-DD`` (UTC).
    model : {"gjr", "egarch"}
        The model fitted.
    dist : str
        Its error distribution.
    n_obs : int
        Returns in the period.
    gamma, std_err, pvalue : float
        ``gamma[1]`` (dimensionless, ``arch`` convention), its robust standard error
        and two-sided p-value.
    ci_low, ci_high : float
        95 % Wald interval of ``gamma[1]``.
    verdict : str
        As above.
    converged : bool
        Whether the optimiser converged.
    partial : bool, default False
        The returns do not cover the period's calendar span (the data, or the range
        asked, start after its 1 January or end before its 31 December): ``start`` and
        ``end`` are then the first and last return's days, and printers show them
        (:func:`period_text`: ``"2025 (2025-01-01 → 2025-07-31)"``).
    persistence_at_bound : bool, default False
        The period's fit sits on ``arch``'s stationarity bound
        (:attr:`VolatilityFit.at_stationarity_bound`, as ``persistence_at_bound`` of the
        whole fit): ``pvalue`` (a Wald p-value of ``gamma[1]``) is then not standard, and
        printers say so beside it (:func:`bound_note`: "at the bound: not standard").
        False where no fit was made (too few observations, failed).
    """

    label: str
    start: str
    end: str
    model: str
    dist: str
    n_obs: int
    gamma: float
    std_err: float
    pvalue: float
    ci_low: float
    ci_high: float
    verdict: str
    converged: bool
    partial: bool = False
    persistence_at_bound: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields."""
        return asdict(self)


def _span_years(label: str) -> tuple[int, int] | None:
    """``"2022–2025"`` → (2022, 2025), ``"2024"`` → (2024, 2024); None for another label."""
    parts = str(label).split("–")
    if not all(x.isdigit() and len(x) == 4 for x in parts) or len(parts) > 2:
        return None
    return int(parts[0]), int(parts[-1])


def is_partial(label: str, start: str, end: str) -> bool:
    """Whether a calendar-year label's returns (``start`` → ``end``, days) miss part of it.

    Parameters
    ----------
    label : str
        ``"2024"`` or ``"2022–2025"``; any other label is never partial.
    start, end : str
        First and last return's days, ``YYYY-MM-DD``.
    """
    years = _span_years(label)
    if years is None:
        return False
    return str(start)[:10] > f"{years[0]}-01-01" or str(end)[:10] < f"{years[1]}-12-31"


def period_text(row: Any) -> str:
    """A period's label as printers show it: a part-period with its real days.

    ``"2024"`` for a full year; ``"2025 (2025-01-01 → 2025-07-31)"`` for a part-year;
    ``"2022–2025 (2024-01-02 → 2025-01-15)"`` for a span that the data or the range
    asked clip.

    Parameters
    ----------
    row : mapping
        ``label``, ``start``, ``end`` and ``partial`` (a :class:`PeriodLeverage`'s
        :meth:`~PeriodLeverage.to_dict`, or a row of :meth:`LeverageByPeriod.to_frame`).
    """
    label = str(row["label"])
    if not bool(row.get("partial", False)):
        return label
    return f"{label} ({str(row['start'])[:10]} → {str(row['end'])[:10]})"


#: The columns of :meth:`LeverageByPeriod.to_frame` and their dtypes (no period: the same),
#: read from :class:`PeriodLeverage`'s fields: a field added there is a column here.
PERIOD_DTYPES: dict[str, Any] = {
    f.name: {"str": str, "int": np.int64, "float": np.float64, "bool": bool}[str(f.type)]
    for f in fields(PeriodLeverage)
}

RELIABLE_VERDICTS = frozenset({"significant", "inverted", "not significant"})
"""Verdicts of a row with a trustworthy estimate (the others have none to draw)."""

_MODEL_STYLE = {"gjr": ("GJR", "#D55E00"), "egarch": ("EGARCH", "#0072B2")}
"""Each model's name in the figure and its colour (Okabe–Ito)."""

#: The colour of a model's "n/a" label, where its marker colour is too light for text on
#: white (GJR's orange is 3.9:1; WCAG AA asks 4.5:1): the same hue, darker (6.5:1).
_LABEL_COLOUR = {"gjr": "#A04000"}


class LeverageByPeriod(SummaryDict):
    """Leverage-effect estimates over several periods (see :func:`leverage_by_period`).

    Parameters
    ----------
    rows : list of PeriodLeverage
        One per period × model, in order.
    """

    def __init__(self, rows: list[PeriodLeverage]) -> None:
        self.rows = rows

    def to_frame(self) -> pd.DataFrame:
        """One row per period × model."""
        return records_frame((r.to_dict() for r in self.rows), PERIOD_DTYPES)

    def to_list(self) -> list[dict[str, Any]]:
        """Rows as plain dicts (the ``periods`` of ``liqcascade vol --json``)."""
        return [r.to_dict() for r in self.rows]

    def summary(self) -> pd.Series:
        """Count of periods per verdict."""
        return self.to_frame()["verdict"].value_counts().rename("periods")

    def plot(self) -> go.Figure:
        """``gamma[1]`` with 95 % intervals by period, one marker series per model.

        Only estimates with a leverage verdict (``significant``, ``inverted``, ``not
        significant``) are drawn with their interval, and the y-axis spans those
        intervals. A row without a trustworthy estimate (``unreliable (singular
        Hessian)``, ``did not converge``, too few observations, failed) is marked "n/a"
        on the zero line: its interval (BTC 2025's EGARCH: ±3.4 million) would otherwise
        set the axis and flatten every other estimate to a dot.
        """
        df = self.to_frame()
        fig = go.Figure()
        ok = (
            df["verdict"].isin(RELIABLE_VERDICTS)
            & np.isfinite(df["ci_low"])
            & np.isfinite(df["ci_high"])
        )
        for model, g in df.groupby("model", sort=False):
            name, colour = _MODEL_STYLE.get(str(model), (str(model), "#999999"))
            good, bad = g[ok.loc[g.index]], g[~ok.loc[g.index]]
            fig.add_trace(
                go.Scatter(
                    x=good["label"], y=good["gamma"], mode="markers", name=f"{name} γ",
                    offsetgroup=str(model), legendgroup=str(model),
                    marker={"color": colour, "size": 9},
                    error_y={"type": "data", "symmetric": False,
                             "array": (good["ci_high"] - good["gamma"]).to_numpy(),
                             "arrayminus": (good["gamma"] - good["ci_low"]).to_numpy()},
                    text=good["verdict"],
                    hovertemplate="%{x}: γ = %{y:.3f} (%{text})<extra>" + name + "</extra>",
                )
            )  # fmt: skip
            if len(bad):
                fig.add_trace(
                    go.Scatter(
                        x=bad["label"], y=np.zeros(len(bad)), mode="markers+text",
                        name=f"{name}: no reliable estimate", offsetgroup=str(model),
                        legendgroup=str(model), text=["n/a"] * len(bad),
                        textposition="top center", textfont={"size": 10,
                                  "color": _LABEL_COLOUR.get(str(model), colour)},
                        marker={"color": colour, "size": 10, "symbol": "x-thin-open",
                                "line": {"width": 2, "color": colour}},
                        customdata=bad["verdict"],
                        hovertemplate="%{x}: no reliable estimate (%{customdata})<extra>"
                        + name + "</extra>",
                    )
                )  # fmt: skip
        fig.add_hline(y=0, line_dash="dot", line_color="#999999")
        lo = float(min(0.0, df.loc[ok, "ci_low"].min())) if ok.any() else -1.0
        hi = float(max(0.0, df.loc[ok, "ci_high"].max())) if ok.any() else 1.0
        pad = 0.06 * max(hi - lo, 1e-9)
        fig.update_layout(
            title="Leverage effect by period: γ (gamma[1]) and 95 % interval "
            "(GJR: > 0 = falls raise vol more; EGARCH: < 0 = falls raise vol more)",
            height=420,
            margin={"t": 60, "l": 60, "r": 20, "b": 40},
            scattermode="group",
            yaxis={"range": [lo - pad, hi + pad], "title": {"text": "γ (dimensionless)"}},
            # the periods in their own order, whichever series draws a period first
            xaxis={"categoryorder": "array", "categoryarray": list(dict.fromkeys(df["label"]))},
        )
        return fig

    def _repr_html_(self) -> str:
        return "<h4>Leverage effect by period</h4>" + self.to_frame().to_html(
            index=False, na_rep="–", escape=True
        ).replace("<table", f"<table title='{html.escape('leverage')}'")


def period_returns(returns: pd.Series, period: Period) -> pd.Series:
    """The returns stamped inside ``period`` (its first day 00:00 to its last day's end).

    Parameters
    ----------
    returns : pandas.Series
        Percent log returns of the whole series (:func:`log_returns`), each stamped at
        the later of its two closes.
    period : Period
        The days wanted, both included.

    Returns
    -------
    pandas.Series
        The slice of ``returns``: a return is windowed by its own stamp, never rebuilt
        from the closes inside the period (which would drop the period's first return).
    """
    idx = pd.DatetimeIndex(returns.index)
    start, end = utc_time(period.start), utc_time(period.end).normalize() + pd.Timedelta(days=1)
    return returns[(idx >= start) & (idx < end)]


def leverage_by_period(
    close: pd.Series,
    *,
    models: tuple[str, ...] = ("gjr",),
    dist: str = "t",
    interval: str = "1d",
    periods: list[Period] | None = None,
    min_obs: int = MIN_OBS,
    on_progress: Callable[[float], None] | None = None,
) -> LeverageByPeriod:
    """Fit each model on each period's returns and give the leverage verdict.

    Parameters
    ----------
    close : pandas.Series
        Closes (USDT), UTC DatetimeIndex. The returns are built once on the whole series
        (:func:`log_returns`), then each period holds the returns stamped inside it: a
        calendar year keeps its 1 January return (the close of 31 December to the close
        of 1 January), so a full year has 365 or 366 daily returns.
    models : tuple of {"gjr", "egarch"}, default ("gjr",)
        Asymmetric models (``garch`` is replaced by ``gjr``: it has no asymmetry term).
    dist : {"normal", "t", "skewt"}, default "t"
        Error distribution.
    interval : str, default "1d"
        Bar interval.
    periods : list of Period, optional
        Default :func:`default_periods`.
    min_obs : int, default 100
        Periods with fewer returns get the verdict ``"too few observations"``.
    on_progress : callable, optional
        Called with 1 after each fit.
    """
    close = number_series(close, "close")  # a naive index is UTC; text refused
    dist = check_dist(dist)
    ms = tuple(dict.fromkeys("gjr" if check_model(m) == "garch" else m for m in models))
    plist = default_periods(pd.DatetimeIndex(close.index)) if periods is None else periods
    rows: list[PeriodLeverage] = []
    nan = math.nan
    whole = returns_in_range(close)  # fewer than two closes: "too few observations" rows
    for p in plist:
        r = period_returns(whole, p)
        # the days the returns cover (the first close of the data only anchors)
        start, end = (r.index[0], r.index[-1]) if len(r) else (p.start, p.end)
        days = (start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d"))
        for m in ms:
            base: dict[str, Any] = {
                "label": p.label,
                "start": days[0],
                "end": days[1],
                "model": m,
                "dist": dist,
                "n_obs": len(r),
                "partial": is_partial(p.label, *days) or not len(r),
            }
            if len(r) < min_obs:
                rows.append(
                    PeriodLeverage(
                        **base, gamma=nan, std_err=nan, pvalue=nan, ci_low=nan, ci_high=nan,
                        verdict="too few observations", converged=False,
                    )
                )  # fmt: skip
            else:
                try:
                    f = fit_volatility(r, m, dist, interval=interval, min_obs=min_obs)
                    lev = f.leverage
                    assert lev is not None
                    ok = f.reliable and bool(np.isfinite(lev.std_err))
                    rows.append(
                        PeriodLeverage(
                            **base, gamma=lev.gamma, std_err=lev.std_err, pvalue=lev.pvalue,
                            ci_low=lev.ci_low, ci_high=lev.ci_high,
                            verdict=lev.verdict if ok else f.status,
                            converged=f.converged, persistence_at_bound=f.at_stationarity_bound,
                        )
                    )  # fmt: skip
                except (InputError, ValueError, np.linalg.LinAlgError) as exc:
                    rows.append(
                        PeriodLeverage(
                            **base, gamma=nan, std_err=nan, pvalue=nan, ci_low=nan, ci_high=nan,
                            verdict=f"failed: {type(exc).__name__}", converged=False,
                        )
                    )  # fmt: skip
            if on_progress is not None:
                on_progress(1)
    return LeverageByPeriod(rows)
