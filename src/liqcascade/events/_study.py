"""The support-test event study: forward returns, HAC t-statistics, bootstrap, controls."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy import stats

from liqcascade._limits import check_seed
from liqcascade._prices import fmt_or_na, percent_text
from liqcascade._pvalue import pvalue_text
from liqcascade._tables import check_frame
from liqcascade._typing import FloatArray, IntArray
from liqcascade.data import resample_ohlcv as resample_ohlcv  # re-exported: events.resample_ohlcv
from liqcascade.errors import InputError
from liqcascade.events._detect import SupportDetection, _arrays, detect_arrays, detect_support
from liqcascade.events._kernels import forward_log_returns, scan_zones
from liqcascade.events._params import (
    BARS_PER_DAY,
    HORIZONS_DAYS,
    LONG_HORIZONS,
    SHORT_HORIZONS,
    SupportParams,
)
from liqcascade.events._placebo import placebo_mean_test
from liqcascade.events._stats import (
    block_bootstrap_ci,
    cluster_bootstrap_rate,
    event_clusters,
    newey_west_mean,
    overlap_adjusted_mean,
)

#: Default sensitivity grid (pivot bars, zone tolerance, band, bars away), 108 points.
SENSITIVITY_GRID: dict[str, tuple[Any, ...]] = {
    "pivot": (2, 3, 5, 8),
    "zone_tol": (0.01, 0.015, 0.03),
    "band": (0.005, 0.01, 0.02),
    "min_away": (1, 3, 5),
}

#: Grid points with more events than this skip the (O(n³)) significance count.
_GRID_SIG_MAX_EVENTS = 400

#: The claim under test.
CLAIM_TEXT = (
    "Between 2022 and 2025 ETH tested support 162 times; 1–10 day win rate 55–60 %; "
    "20+ day returns significantly negative"
)
CLAIM_N_TESTS = 162
#: The asset the claim is about.
CLAIM_ASSET = "ETH"
CLAIM_WIN_RATE = (0.55, 0.60)

#: Fewest test days (events with a forward return at every short horizon) behind a
#: verdict. The claim's win rate is a band 5 points wide (55–60 %); over ``n`` test days a
#: win rate moves in steps of ``1/n``, so below 20 days a single test moves it by the
#: whole width of the band and whether it lands inside is chance, not evidence (and the
#: overlap-adjusted test of the 20+ day means is not even defined below 3 events).
MIN_TEST_DAYS = 20

#: The verdict below :data:`MIN_TEST_DAYS` (the report's legend word for it).
NOT_TESTABLE = "not testable with these data"


def _count(n: int, noun: str) -> str:
    """``"1 test"``, ``"2 tests"``: a count with its noun in the right number."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _claim_asset_note(asset: str | None) -> str:
    """The claim's notes' last words: whose bars the ETH claim is judged on (``""``: ETH's)."""
    if asset is None:
        return (
            f" The claim is about {CLAIM_ASSET}; these bars' asset was not given, "
            f"so the verdict is the claim's only if they are {CLAIM_ASSET}'s."
        )
    a = str(asset).strip().upper()
    if a == CLAIM_ASSET:
        return ""
    return (
        f" The claim is about {CLAIM_ASSET}; these are {a}'s bars, so the verdict says "
        f"whether it carries over to {a}, not whether it holds for {CLAIM_ASSET}."
    )


def bars_per_day(interval: str) -> int:
    """Bars per day of a supported interval (``1d``, ``4h``, ``1h``)."""
    if interval not in BARS_PER_DAY:
        raise InputError(
            f"interval must be one of {', '.join(BARS_PER_DAY)} (got {interval!r})",
            param="interval",
        )
    return BARS_PER_DAY[interval]


def _fwd_all(close: FloatArray, h: int) -> FloatArray:
    out = np.full(len(close), np.nan)
    if h < len(close):
        out[: len(close) - h] = np.log(close[h:] / close[:-h])
    return out


def _win(x: FloatArray) -> float:
    x = x[np.isfinite(x)]
    return float((x > 0).mean()) if len(x) else math.nan


def _nanmean(values: Sequence[float]) -> float:
    a = np.asarray(values, dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(a.mean()) if len(a) else math.nan


def _mean(x: FloatArray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan


def random_level_draws(
    low: FloatArray,
    close: FloatArray,
    zone_bars: IntArray,
    params: SupportParams,
    rng: np.random.Generator,
) -> IntArray:
    """Event bars of one draw of random pseudo-support levels (Osler 2000's control).

    For every real zone opened at bar ``t`` a pseudo-level opens at the same bar, its
    price drawn uniformly between the lowest low of the ``max_age`` bars up to ``t`` and
    the close of ``t`` (the part of the recent range below price, where every real
    support sits when it appears). Pseudo-levels are tested, broken and expired by
    exactly the same rules (``band``, ``break_tol``, ``min_away``, ``max_age``), without
    merging.

    Parameters
    ----------
    low, close : array of float
        Low and close per bar, USD.
    zone_bars : array of int
        0-based bar at which each real support zone opened (confirmed).
    params : SupportParams
        The detection rules (``max_age``, ``pivot``, ``band``, ``zone_tol``,
        ``break_tol``, ``min_away``), the same as for the real zones.
    rng : numpy.random.Generator
        Source of the uniform level draws (one uniform per zone).

    Returns
    -------
    int64 array
        Distinct bars holding a pseudo-level test, ascending.
    """
    zb = np.sort(np.asarray(zone_bars, dtype=np.int64))
    if len(zb) == 0:
        return np.empty(0, dtype=np.int64)
    w = params.max_age
    lo = np.array([low[max(0, t - w + 1) : t + 1].min() for t in zb])
    hi = close[zb]
    price = lo + rng.random(len(zb)) * (hi - lo)
    out = scan_zones(
        low,
        close,
        zb,
        np.maximum(zb - params.pivot, -1).astype(np.int64),
        price,
        np.ones(len(zb)),
        float(params.band),
        float(params.zone_tol),
        float(params.break_tol),
        int(params.min_away),
        int(params.max_age),
        False,
    )
    return np.unique(out[0])


def _add_band(
    fig: go.Figure, x: list[Any], upper: pd.Series, lower: pd.Series, *, fillcolor: str, name: str
) -> None:
    """A filled band between ``upper`` and ``lower`` over the horizons ``x``."""
    fig.add_trace(
        go.Scatter(
            x=x + x[::-1],
            y=list(upper) + list(lower)[::-1],
            fill="toself",
            fillcolor=fillcolor,
            line={"width": 0},
            name=name,
        )
    )


def _add_event_and_baseline(
    fig: go.Figure, x: list[Any], event: pd.Series, baseline: pd.Series
) -> None:
    """The statistic after support tests and the same on every day (the baseline)."""
    fig.add_trace(
        go.Scatter(
            x=x,
            y=event,
            mode="lines+markers",
            name="after support tests",
            line={"color": "#2980b9"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=baseline,
            mode="lines+markers",
            name="every day (baseline)",
            line={"color": "#7f8c8d", "dash": "dash"},
        )
    )


def _horizon_layout(
    fig: go.Figure, *, title: str, yaxis_title: str, yaxis_tickformat: str, height: int
) -> None:
    """Layout of a by-horizon profile (horizon in days on x)."""
    fig.update_layout(
        title=title,
        xaxis_title="horizon (days)",
        yaxis_title=yaxis_title,
        yaxis_tickformat=yaxis_tickformat,
        height=height,
        margin={"t": 50, "l": 60, "r": 20, "b": 40},
    )


@dataclass
class SupportStudy:
    """Result of :func:`support_study`.

    Attributes
    ----------
    detection : SupportDetection
        Zones and tests at the chosen parameters.
    interval : str
        Bar interval (``1d``, ``4h``, ``1h``).
    horizons : DataFrame
        Indexed by horizon (days): ``bars``, ``n``, ``mean``, ``median``, ``win_rate``,
        ``t_stat``, ``p_value`` (Newey–West, lag = horizon bars − 1), ``t_stat_adj``,
        ``p_value_adj``, ``df_adj`` (the overlap-adjusted test), ``p_value_placebo``,
        ``placebo_centre``, ``placebo_low``, ``placebo_high`` (the placebo test, which the
        verdict uses: :func:`~liqcascade.events._placebo.placebo_mean_test`), ``ci_low``,
        ``ci_high`` (95 % block bootstrap of the mean), ``baseline_mean``,
        ``baseline_win_rate`` (every bar), ``t_vs_baseline``, ``p_vs_baseline``,
        ``random_level_mean``, ``random_level_win_rate`` (mean over draws),
        ``random_level_win_p05``, ``random_level_win_p95``, ``random_level_pctile``
        (share of draws whose win rate is below the real one, ties half),
        ``held_n``, ``held_win_rate`` (tests that held only). Returns are log returns
        (fractions) from the test bar's close.
    sensitivity : DataFrame
        One row per grid point: ``pivot``, ``zone_tol``, ``band``, ``n_tests``,
        ``n_events``, ``win_rate_1_10``, ``mean_20_plus``, ``sig_neg_20_plus``.
    seed : int
        Seed of the bootstrap and random-level draws.
    n_random : int
        Random-level draws.
    claim : dict
        Verdict on the claim (keys of ``seed_claim`` in the CLI JSON).
    n_boot : int
        Block-bootstrap resamples behind ``ci_low`` / ``ci_high``.
    """

    detection: SupportDetection
    interval: str
    horizons: pd.DataFrame
    sensitivity: pd.DataFrame
    seed: int
    n_random: int
    n_boot: int
    claim: dict[str, Any] = field(default_factory=dict)

    @property
    def win_rate_1_10(self) -> float:
        """Mean of the win rates at 1, 2, 3, 5 and 10 days."""
        h = self.horizons
        return float(h.loc[[x for x in SHORT_HORIZONS if x in h.index], "win_rate"].mean())

    @property
    def mean_20_plus(self) -> float:
        """Mean of the mean log returns at 20, 30, 40 and 60 days."""
        h = self.horizons
        return float(h.loc[[x for x in LONG_HORIZONS if x in h.index], "mean"].mean())

    def summary(self) -> pd.Series:
        """Headline figures."""
        d = self.detection
        return pd.Series(
            {
                "n_tests": d.n_tests,
                "n_zones": d.n_zones,
                "n_event_bars": len(d.event_bars),
                "win_rate_1_10": self.win_rate_1_10,
                "mean_20_plus": self.mean_20_plus,
                "verdict": self.claim.get("verdict"),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """The per-horizon table."""
        return self.horizons.copy()

    def __repr__(self) -> str:
        from liqcascade._notebook import summary_repr

        return summary_repr("SupportStudy", {"interval": self.interval, **self.summary()})

    def to_dict(self) -> dict[str, Any]:
        """The CLI JSON object (``liqcascade support-study --json``)."""
        d = self.detection
        keys = [
            "n",
            "mean",
            "median",
            "win_rate",
            "t_stat",
            "p_value",
            "t_stat_adj",
            "p_value_adj",
            "df_adj",
            "p_value_placebo",
            "placebo_centre",
            "placebo_low",
            "placebo_high",
            "ci_low",
            "ci_high",
            "ci_low_adj",
            "ci_high_adj",
            "baseline_mean",
            "baseline_win_rate",
            "random_level_win_rate",
            "random_level_mean",
            "random_level_pctile",
            "t_vs_baseline",
            "p_vs_baseline",
            "held_n",
            "held_win_rate",
        ]
        hz = {
            str(h): {k: (int(r[k]) if k in ("n", "held_n") else float(r[k])) for k in keys}
            for h, r in self.horizons.iterrows()
        }
        idx = d.ohlcv.index
        return {
            "n_tests": d.n_tests,
            "n_zones": d.n_zones,
            "n_event_bars": len(d.event_bars),
            "interval": self.interval,
            "start": idx[0].isoformat(),
            "end": idx[-1].isoformat(),
            "n_bars": len(idx),
            "params": d.params.to_dict(),
            "seed": self.seed,
            "n_random": self.n_random,
            "n_boot": self.n_boot,
            "win_rate_1_10": self.win_rate_1_10,
            "mean_20_plus": self.mean_20_plus,
            "horizons": hz,
            "sensitivity": self.sensitivity.to_dict(orient="records"),
            "seed_claim": self.claim,
        }

    def plot(self) -> go.Figure:
        """Forward-return profile: mean with 95 % bootstrap band, baseline, random levels."""
        h = self.horizons
        x = list(h.index)
        fig = go.Figure()
        _add_band(
            fig,
            x,
            h["ci_high_adj"],
            h["ci_low_adj"],
            fillcolor="rgba(41,128,185,0.2)",
            name="95 % CI (overlap-adjusted)",
        )
        for col in ("ci_low", "ci_high"):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=h[col],
                    mode="lines",
                    showlegend=col == "ci_low",
                    name="95 % block-bootstrap CI",
                    line={"color": "#2980b9", "dash": "dot", "width": 1},
                )
            )
        _add_event_and_baseline(fig, x, h["mean"], h["baseline_mean"])
        fig.add_trace(
            go.Scatter(
                x=x,
                y=h["random_level_mean"],
                mode="lines+markers",
                name="random pseudo-levels",
                line={"color": "#e67e22", "dash": "dot"},
            )
        )
        _horizon_layout(
            fig,
            title="Mean forward log return after a support test",
            yaxis_title="mean log return (%)",
            yaxis_tickformat=".1%",
            height=420,
        )
        return fig

    def plot_win_rate(self) -> go.Figure:
        """Win rate by horizon: after tests, every day, random levels (5–95 %), the claim."""
        h = self.horizons
        x = list(h.index)
        fig = go.Figure()
        _add_band(
            fig,
            x,
            h["random_level_win_p95"],
            h["random_level_win_p05"],
            fillcolor="rgba(230,126,34,0.18)",
            name="random pseudo-levels, 5–95 % of draws",
        )
        _add_event_and_baseline(fig, x, h["win_rate"], h["baseline_win_rate"])
        fig.add_hrect(
            y0=0.55,
            y1=0.60,
            fillcolor="rgba(192,57,43,0.10)",
            line_width=0,
            annotation_text="claimed 55–60 %",
            annotation_position="top left",
        )
        _horizon_layout(
            fig,
            title="Win rate (share of positive forward returns) by horizon",
            yaxis_title="win rate",
            yaxis_tickformat=".0%",
            height=400,
        )
        return fig

    def _repr_html_(self) -> str:
        return str(self.horizons.to_html(float_format=lambda v: f"{v:.4g}"))


def _horizon_stats(
    close: FloatArray,
    events: IntArray,
    held_events: IntArray,
    horizons_bars: Sequence[tuple[int, int]],
    rand_events: list[IntArray],
    rng: np.random.Generator,
    n_boot: int,
) -> pd.DataFrame:
    rows = []
    for hd, hb in horizons_bars:
        allf = _fwd_all(close, hb)
        r = forward_log_returns(close, events, hb)
        okr = np.isfinite(r)
        r, rb = r[okr], events[okr]
        lag = max(0, hb - 1)
        nw = newey_west_mean(r, lag)
        adj = overlap_adjusted_mean(r, rb, hb)
        plc = placebo_mean_test(close, rb, hb)
        base = allf[np.isfinite(allf)]
        bmean = _mean(base)
        vs = overlap_adjusted_mean(r - bmean, rb, hb)
        q = float(stats.t.ppf(0.975, adj.df)) if math.isfinite(adj.df) else math.nan
        lo, hi = block_bootstrap_ci(r, min(hb, max(1, len(r) // 3)), rng, n_boot)
        rw = np.array([_win(allf[e]) for e in rand_events if len(e)])
        rm = np.array([_mean(allf[e]) for e in rand_events if len(e)])
        rw = rw[np.isfinite(rw)]
        rm = rm[np.isfinite(rm)]
        win = _win(r)
        if len(rw) and math.isfinite(win):
            pct = float(((rw < win).sum() + 0.5 * (rw == win).sum()) / len(rw))
        else:
            pct = math.nan
        hr = allf[held_events]
        hr = hr[np.isfinite(hr)]
        rows.append(
            {
                "horizon": hd,
                "bars": hb,
                "n": len(r),
                "mean": nw.mean,
                "median": float(np.median(r)) if len(r) else math.nan,
                "win_rate": win,
                "t_stat": nw.t_stat,
                "p_value": nw.p_value,
                "t_stat_adj": adj.t_stat,
                "p_value_adj": adj.p_value,
                "df_adj": adj.df,
                "p_value_placebo": plc.p_value,
                "placebo_centre": plc.drift,
                "placebo_low": plc.low,
                "placebo_high": plc.high,
                "ci_low": lo,
                "ci_high": hi,
                "ci_low_adj": adj.mean - q * adj.se,
                "ci_high_adj": adj.mean + q * adj.se,
                "baseline_mean": bmean,
                "baseline_win_rate": _win(base),
                "t_vs_baseline": vs.t_stat,
                "p_vs_baseline": vs.p_value,
                "random_level_mean": float(rm.mean()) if len(rm) else math.nan,
                "random_level_win_rate": float(rw.mean()) if len(rw) else math.nan,
                "random_level_win_p05": float(np.quantile(rw, 0.05)) if len(rw) else math.nan,
                "random_level_win_p95": float(np.quantile(rw, 0.95)) if len(rw) else math.nan,
                "random_level_pctile": pct,
                "held_n": len(hr),
                "held_win_rate": _win(hr),
            }
        )
    return pd.DataFrame(rows).set_index("horizon")


def win_rate_interval(
    close: FloatArray,
    events: IntArray,
    bars_day: int,
    rng: np.random.Generator,
    n_boot: int = 1000,
) -> tuple[float, float]:
    """95 % interval of the 1–10 day win rate from a bootstrap over clusters of tests.

    Test days less than 10 days apart have overlapping 1–10 day windows; chained, they
    form clusters (:func:`~liqcascade.events._stats.event_clusters`), and whole clusters
    are resampled (:func:`~liqcascade.events._stats.cluster_bootstrap_rate`).

    Parameters
    ----------
    close : float array
        Closes (USD), one per bar.
    events : int array
        Distinct test bars, ascending.
    bars_day : int
        Bars per day (1 for daily bars).
    rng : numpy Generator
        Seeded source of the resamples.
    n_boot : int, default=1000
        Resamples.

    Returns
    -------
    (low, high) : tuple of float
        Fractions; NaN with fewer than two clusters.
    """
    ev = np.asarray(events, dtype=np.int64)
    hits = (
        np.column_stack([forward_log_returns(close, ev, h * bars_day) for h in SHORT_HORIZONS])
        if len(ev)
        else np.empty((0, len(SHORT_HORIZONS)))
    )
    hits = np.where(np.isfinite(hits), (hits > 0).astype(np.float64), np.nan)
    gap = max(SHORT_HORIZONS) * bars_day
    return cluster_bootstrap_rate(hits, event_clusters(ev, gap), rng, n_boot)


def sensitivity_grid(
    ohlcv: pd.DataFrame,
    base: SupportParams,
    interval: str = "1d",
    grid: dict[str, Sequence[Any]] | None = None,
    on_step: Callable[[float], None] | None = None,
) -> pd.DataFrame:
    """Number of tests, 1–10 day win rate and 20+ day mean over a parameter grid.

    Parameters
    ----------
    ohlcv : DataFrame
        Bars (``low``, ``close``, optional ``volume``).
    base : SupportParams
        Parameters not varied by the grid.
    interval : str
        Bar interval (to convert day horizons to bars).
    grid : dict, optional
        Field name -> values (default :data:`SENSITIVITY_GRID`).
    on_step : callable, optional
        Called with 1 after each grid point (progress).

    Returns
    -------
    DataFrame
        One row per combination: the varied fields, ``n_tests``, ``n_events``,
        ``n_zones``, ``win_rate_1_10`` (mean win rate at 1, 2, 3, 5, 10 days),
        ``mean_20_plus`` (mean log return averaged over 20, 30, 40, 60 days),
        ``sig_neg_20_plus`` (how many of those four horizons are significantly negative
        by both the placebo and the overlap-adjusted test: :func:`significant`; NaN above
        400 events, where it is skipped for time).
    """
    grid = dict(grid or SENSITIVITY_GRID)
    bpd = bars_per_day(interval)
    low, close, vol = _arrays(ohlcv)
    fwd = {h: _fwd_all(close, h * bpd) for h in HORIZONS_DAYS}
    names = list(grid)
    rows = []
    for combo in itertools.product(*(grid[k] for k in names)):
        p = replace(base, **dict(zip(names, combo, strict=True)))
        out = detect_arrays(low, close, vol, p)
        ev = np.unique(out[0])
        sig: float = math.nan
        if len(ev) <= _GRID_SIG_MAX_EVENTS:
            sig = 0.0
            for h in LONG_HORIZONS:
                r = fwd[h][ev]
                ok = np.isfinite(r)
                a = placebo_mean_test(close, ev[ok], h * bpd)
                adj = overlap_adjusted_mean(r[ok], ev[ok], h * bpd)
                sig += float(_significantly_negative(a.mean, a.drift, a.p_value, adj.p_value))
        rows.append(
            {
                **dict(zip(names, combo, strict=True)),
                "n_tests": len(out[0]),
                "n_events": len(ev),
                "n_zones": len(out[6]),
                "win_rate_1_10": _nanmean([_win(fwd[h][ev]) for h in SHORT_HORIZONS]),
                "mean_20_plus": _nanmean([_mean(fwd[h][ev]) for h in LONG_HORIZONS]),
                "sig_neg_20_plus": sig,
            }
        )
        if on_step is not None:
            on_step(1)
    return pd.DataFrame(rows)


def significant(p_placebo: Any, p_adj: Any) -> Any:
    """Whether a horizon's mean is significant: both two-sided p-values below 0.05.

    The placebo test rejects too often where test days follow large moves (volatility
    is then high while the rotations land on ordinary days); the overlap-adjusted t
    rejects too seldom. The two bracket the truth, so a horizon counts as significant
    only when both reject (docs/support.md, §2).

    Parameters
    ----------
    p_placebo : float or array-like
        Two-sided placebo p-value(s) (``p_value_placebo``), fractions.
    p_adj : float or array-like
        Two-sided overlap-adjusted p-value(s) (``p_value_adj``), fractions.

    Returns
    -------
    bool or bool array (or Series, for Series inputs)
        True where both are below 0.05 (NaN counts as not significant).
    """
    both = (np.asarray(p_placebo) < 0.05) & (np.asarray(p_adj) < 0.05)
    if isinstance(p_placebo, pd.Series):
        return pd.Series(both, index=p_placebo.index)
    return bool(both) if both.ndim == 0 else both


def _significantly_negative(mean: float, centre: float, p: float, p_adj: float) -> bool:
    """Negative, below the placebo's centre (the bars' drift), both p < 0.05."""
    return bool(mean < 0 and mean < centre and significant(p, p_adj))


def _significantly_positive(mean: float, centre: float, p: float, p_adj: float) -> bool:
    """Positive, above the placebo's centre, both p < 0.05."""
    return bool(mean > 0 and mean > centre and significant(p, p_adj))


def _signed_pct(x: Any) -> str:
    """A mean return as the notes write it: ``+0.27 %``, ``n/a`` when missing."""
    return fmt_or_na(x, lambda v: percent_text(v, 2, signed=True))


def win_rate_part(wr: float, base_wr: float, lo: float, hi: float) -> str:
    """The 1–10 day part of the claim: ``"holds"``, ``"fails"`` or ``"cannot tell"``.

    It holds when the win rate lies in the claimed 55–60 % and its interval lies above
    the every-day rate (a positive drift that an ordinary day does not have); it fails
    when the interval misses the claimed band altogether; otherwise (the interval holds
    the every-day rate, or there is none) the data cannot tell.

    Parameters
    ----------
    wr, base_wr : float
        The 1–10 day win rate after tests and on every day (fractions).
    lo, hi : float
        The win rate's 95 % interval (fractions; NaN: no interval).

    Returns
    -------
    str
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "cannot tell"
    if CLAIM_WIN_RATE[0] <= wr <= CLAIM_WIN_RATE[1] and lo > base_wr:
        return "holds"
    if hi < CLAIM_WIN_RATE[0] or lo > CLAIM_WIN_RATE[1]:
        return "fails"
    return "cannot tell"


NO_WIN_INTERVAL = "no interval: too few clusters of tests"
"""What the notes and the report print in place of the 1–10 day win rate's 95 % interval
when there is none (:func:`win_rate_interval`: too few clusters of tests to resample)."""


def _win_band(lo: float, hi: float, how: str = "") -> str:
    """``95 % 44.0 %–62.6 %`` (then ``how``): the win rate's interval as the notes write it."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return NO_WIN_INTERVAL
    return f"95 % {percent_text(lo)}–{percent_text(hi)}{how}"


def win_rate_words(part: str, base_wr: float, lo: float, hi: float) -> str:
    """What the 1–10 day win rate's interval says about the claim's 1–10 day part.

    The one wording of it, for the notes (``support-study``) and the report: ``"the
    interval lies above the every-day rate"`` (the part holds), ``"the interval misses
    the claimed 55–60 %"`` (it fails), else ``"cannot tell"`` and why (``", the interval
    holds the every-day rate"``; nothing more without an interval).

    Parameters
    ----------
    part : {"holds", "fails", "cannot tell"}
        :func:`win_rate_part`'s reading of the interval.
    base_wr : float
        The 1–10 day win rate on every day (fraction).
    lo, hi : float
        The win rate's 95 % interval (fractions; NaN: no interval).

    Returns
    -------
    str

    >>> win_rate_words("cannot tell", 0.511, 0.475, 0.642)
    'cannot tell, the interval holds the every-day rate'
    """
    if part == "holds":
        return "the interval lies above the every-day rate"
    if part == "fails":
        return "the interval misses the claimed 55–60 %"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "cannot tell"
    if lo <= base_wr <= hi:
        return "cannot tell, the interval holds the every-day rate"
    return "cannot tell, the interval neither places it in the claimed band nor excludes it"


def assess_claim(
    horizons: pd.DataFrame,
    n_tests: int,
    sens: pd.DataFrame | None = None,
    win_interval: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Verdict on the claim from the per-horizon table and the sensitivity grid.

    Rules: the 1–10 day part holds when the mean win rate at 1–10 days lies in
    [0.55, 0.60] and its 95 % interval (``win_interval``, a bootstrap over clusters of
    tests: :func:`win_rate_interval`) lies above the every-day rate
    (:func:`win_rate_part`; without an interval it cannot hold); the 20+ day part holds
    when the mean log return is negative, below the bars' drift, with two-sided
    p < 0.05 by both the placebo test (``p_value_placebo``: 2.5 % one-sided with the sign
    check) and the overlap-adjusted test (``p_value_adj``; :func:`significant`) at a
    majority of the 20, 30, 40, 60 day horizons. Both →
    "supported"; one → "partly supported"; neither → "not supported"; "contradicted"
    when, in addition, a 20+ day mean is significantly *positive*. Fewer than
    :data:`MIN_TEST_DAYS` test days at a short horizon (none found, or a short range):
    :data:`NOT_TESTABLE`, whatever the figures, which the notes still give.

    Parameters
    ----------
    horizons : DataFrame
        :attr:`SupportStudy.horizons` (indexed by horizon, days), with the placebo
        test's ``p_value_placebo``, ``placebo_centre``, ``placebo_low`` and
        ``placebo_high`` and the overlap-adjusted ``p_value_adj`` columns.
    n_tests : int
        Support tests found at the chosen parameters.
    sens : DataFrame, optional
        :attr:`SupportStudy.sensitivity`; without it the notes say the grid was not run.
    win_interval : (float, float), optional
        95 % interval of the 1–10 day win rate (fractions).

    Returns
    -------
    dict
        The claim's figures beside the computed ones (win rates as fractions), the
        ``verdict`` and plain-language ``notes``.
    """
    sh = horizons.loc[[h for h in SHORT_HORIZONS if h in horizons.index]]
    lg = horizons.loc[[h for h in LONG_HORIZONS if h in horizons.index]]
    wr = float(sh["win_rate"].mean())
    base_wr = float(sh["baseline_win_rate"].mean())
    rnd_wr = float(sh["random_level_win_rate"].mean())
    cols = ("mean", "placebo_centre", "p_value_placebo", "p_value_adj")
    sig_neg = sum(_significantly_negative(*r) for r in lg[list(cols)].itertuples(index=False))
    sig_pos = sum(_significantly_positive(*r) for r in lg[list(cols)].itertuples(index=False))
    sig_short = int(significant(sh["p_value_placebo"], sh["p_value_adj"]).sum())
    adj_neg = int(((lg["mean"] < 0) & (lg["p_value_adj"] < 0.05)).sum())
    nw_neg = int(((lg["mean"] < 0) & (lg["p_value"] < 0.05)).sum())
    in_band = CLAIM_WIN_RATE[0] <= wr <= CLAIM_WIN_RATE[1]
    w_lo, w_hi = win_interval if win_interval is not None else (math.nan, math.nan)
    win_part = win_rate_part(wr, base_wr, w_lo, w_hi)
    win_ok = win_part == "holds"
    neg_ok = sig_neg > len(lg) / 2
    test_days = int(sh["n"].min()) if len(sh) else 0
    if test_days < MIN_TEST_DAYS:
        verdict = NOT_TESTABLE
    elif win_ok and neg_ok:
        verdict = "supported"
    elif win_ok or neg_ok:
        verdict = "partly supported"
    elif sig_pos > 0:
        verdict = "contradicted"
    else:
        verdict = "not supported"
    if sens is not None and len(sens):
        lo, hi = int(sens["n_tests"].min()), int(sens["n_tests"].max())
        count_note = (
            f"across the {len(sens)}-point sensitivity grid the count runs from {lo} to {hi}, "
            "so the number is a property of the detector's settings, not of the market"
        )
        in_range = int(sens["win_rate_1_10"].between(*CLAIM_WIN_RATE).sum())
        neg = int((sens["mean_20_plus"] < 0).sum())
        count_note += (
            f"; {in_range} of {len(sens)} settings give a 1–10 day win rate in 55–60 %, "
            f"{neg} a negative 20+ day mean"
        )
        if "sig_neg_20_plus" in sens and sens["sig_neg_20_plus"].notna().any():
            sg = sens["sig_neg_20_plus"].dropna()
            count_note += (
                f", and {int((sg > len(LONG_HORIZONS) / 2).sum())} of {len(sg)} a significantly "
                "negative 20+ day mean at a majority of horizons"
            )
    else:
        lo = hi = n_tests
        count_note = "sensitivity grid not run"
    means = ", ".join(
        f"{h} d {_signed_pct(r['mean'])} (p {pvalue_text(r['p_value_placebo'])})"
        for h, r in lg.iterrows()
    )
    chance = (
        f"; by chance alone a {lg.index[-1]}-day mean over these test days lands between "
        f"{_signed_pct(lg['placebo_low'].iloc[-1])} and "
        f"{_signed_pct(lg['placebo_high'].iloc[-1])} (95 % of placebos)"
        if len(lg) and math.isfinite(lg["placebo_low"].iloc[-1])
        else ""
    )
    rnd = (
        f"{percent_text(rnd_wr)} at random pseudo-levels"
        if math.isfinite(rnd_wr)
        else "no random pseudo-level baseline (no draws)"
    )
    notes = (
        f"{_count(n_tests, 'test')} at these parameters (the claim: {CLAIM_N_TESTS}); "
        f"{count_note}. 1–10 day win rate "
        f"{fmt_or_na(wr, percent_text)} "
        f"({_win_band(w_lo, w_hi, ', a bootstrap over clusters of tests')}; claim 55–60 %) "
        "against "
        f"{fmt_or_na(base_wr, percent_text)} on every "
        "day and "
        f"{rnd}: {win_rate_words(win_part, base_wr, w_lo, w_hi)}; "
        f"{sig_short} of {len(sh)} short horizons are significant (both p < 0.05). "
        f"20+ day mean log returns: {means}; significantly negative at {sig_neg} of "
        f"{len(lg)}, significantly positive at {sig_pos} (significant = two-sided p < 0.05 "
        "with the sign by both tests: the placebo test quoted here, the test days moved "
        "over the real returns, which rejects too often after large moves"
        f"{chance}; and the overlap-adjusted t, which rejects too seldom on real returns "
        f"and alone finds {adj_neg} negative; plain Newey–West, which over-rejects at long "
        f"horizons, finds {nw_neg})."
    )
    if n_tests == 0:  # nothing to average: no nan figures, a plain statement
        notes = (
            f"no support tests found at these settings (the claim: {CLAIM_N_TESTS}); "
            f"{count_note}. Nothing to assess: loosen the detection (a smaller pivot, a "
            "wider band or zone tolerance) or give a longer range."
        )
    elif verdict == NOT_TESTABLE:
        notes = (
            f"Too few test days to score the claim: the 1–10 day win rates rest on "
            f"{_count(test_days, 'test day')}, at least {MIN_TEST_DAYS} are needed (below "
            "that, one test moves a win rate by more than the width of the claimed 55–60 % "
            f"band); the figures that follow describe these tests only. {notes}"
        )
    return {
        "n_tests": CLAIM_N_TESTS,
        "win_rate_1_10": list(CLAIM_WIN_RATE),
        "claim": CLAIM_TEXT,
        "computed_n_tests": n_tests,
        "computed_win_rate_1_10": wr,
        "win_rate_1_10_interval": [w_lo, w_hi],
        "win_rate_1_10_part": win_part,
        "baseline_win_rate_1_10": base_wr,
        "random_level_win_rate_1_10": rnd_wr,
        "n_tests_range_over_grid": [lo, hi],
        "claim_count_within_grid": bool(lo <= CLAIM_N_TESTS <= hi),
        "long_horizons_significantly_negative": sig_neg,
        "long_horizons_significantly_positive": sig_pos,
        "long_horizons_significantly_negative_adjusted": adj_neg,
        "long_horizons_significantly_negative_plain_nw": nw_neg,
        "win_rate_in_claimed_range": bool(in_band),
        "verdict": verdict,
        "notes": notes,
    }


def study_steps(n_random: int = 200, grid: dict[str, Sequence[Any]] | None = None) -> int:
    """Progress steps of :func:`support_study`: one per random draw and per grid point."""
    points = math.prod(len(v) for v in (SENSITIVITY_GRID if grid is None else grid).values())
    return max(n_random, 0) + (points if grid is None or len(grid) else 0)


def support_study(
    ohlcv: pd.DataFrame,
    params: SupportParams | None = None,
    *,
    interval: str = "1d",
    seed: int = 0,
    n_random: int = 200,
    n_boot: int = 1000,
    grid: dict[str, Sequence[Any]] | None = None,
    on_step: Callable[[float], None] | None = None,
    asset: str | None = None,
) -> SupportStudy:
    """Detect support tests on ``ohlcv`` and study the returns that follow them.

    Parameters
    ----------
    ohlcv : DataFrame
        Bars indexed by a UTC ``ts`` with ``low``, ``close`` (USD) [, ``volume``].
        Everything (zones, tests, forward returns, baseline) stays inside these bars:
        an event whose horizon runs past the last bar is left out of that horizon.
    params : SupportParams, optional
        Detection rules.
    interval : {"1d", "4h", "1h"}
        Bar interval of ``ohlcv``: horizons in days become ``days × bars per day`` bars.
    seed : int, default=0
        Seed of the bootstrap and of the random-level draws.
    n_random : int, default=200
        Random pseudo-level draws (Osler 2000's control).
    n_boot : int, default=1000
        Block-bootstrap resamples per horizon.
    grid : dict, optional
        Sensitivity grid (default :data:`SENSITIVITY_GRID`); ``{}`` skips it.
    on_step : callable, optional
        Progress callback, called with 1 per random draw and per grid point.
    asset : str, optional
        The bars' asset. The claim (:data:`CLAIM_TEXT`) is ETH's: on another asset's
        bars the claim's notes say its verdict is whether ETH's claim carries over; not
        given, they say the bars' asset is unknown. ``claim["data_asset"]`` keeps it.

    Returns
    -------
    SupportStudy

    Raises
    ------
    InputError
        Naming the parameter: unknown ``interval``, ``n_random < 0``, ``n_boot < 1``,
        or ``ohlcv`` with fewer bars than the longest horizon.
    """
    check_frame(ohlcv, "ohlcv")
    params = params or SupportParams()
    bpd = bars_per_day(interval)
    if n_random < 0:
        raise InputError(f"n_random must be >= 0 (got {n_random})", param="n_random")
    if n_boot < 1:
        raise InputError(f"n_boot must be >= 1 (got {n_boot})", param="n_boot")
    longest = max(HORIZONS_DAYS) * bpd
    if len(ohlcv) <= longest:
        raise InputError(
            f"ohlcv: {_count(len(ohlcv), f'{interval} bar')} in the range, fewer than the "
            f"longest horizon ({max(HORIZONS_DAYS)} days = {longest} bars) needs",
            param="ohlcv",
        )
    check_seed(seed, "seed")
    det = detect_support(ohlcv, params)
    ohlcv = det.ohlcv  # checked, on a UTC index
    low, close, _ = _arrays(ohlcv)
    ss = np.random.SeedSequence(seed)
    boot_ss, rand_ss, win_ss = ss.spawn(3)  # the first two as before a third was added
    rrng = np.random.default_rng(rand_ss)
    zone_bars = (
        det.ohlcv.index.get_indexer(pd.DatetimeIndex(det.zones["confirmed_ts"])).astype(np.int64)
        if det.n_zones
        else np.empty(0, dtype=np.int64)
    )
    rand_events: list[IntArray] = []
    for _ in range(n_random):
        rand_events.append(random_level_draws(low, close, zone_bars, params, rrng))
        if on_step is not None:
            on_step(1)
    held = np.unique(det.tests.loc[det.tests["held"], "bar"].to_numpy(dtype=np.int64))
    table = _horizon_stats(
        close,
        det.event_bars,
        held,
        [(h, h * bpd) for h in HORIZONS_DAYS],
        rand_events,
        np.random.default_rng(boot_ss),
        n_boot,
    )
    if grid is not None and len(grid) == 0:
        sens = pd.DataFrame(
            columns=["n_tests", "n_events", "n_zones", "win_rate_1_10", "mean_20_plus"]
        )
    else:
        sens = sensitivity_grid(ohlcv, params, interval, grid, on_step)
    result = SupportStudy(det, interval, table, sens, seed, n_random, n_boot)
    win_rng = np.random.default_rng(win_ss)
    win_ci = win_rate_interval(close, det.event_bars, bpd, win_rng, n_boot)
    result.claim = assess_claim(table, det.n_tests, sens, win_ci)
    result.claim["claim_asset"] = CLAIM_ASSET
    result.claim["data_asset"] = None if asset is None else str(asset).strip().upper()
    if len(sens):
        # the grid point whose count is closest to the claimed 162: the claim's own terms
        row = sens.iloc[int((sens["n_tests"] - CLAIM_N_TESTS).abs().to_numpy().argmin())]
        varied = {k: row[k] for k in (grid or SENSITIVITY_GRID)}
        kw: dict[str, Any] = {
            k: (int(v) if isinstance(getattr(params, k), int) else float(v))
            for k, v in varied.items()
        }
        p2 = replace(
            params,
            **{k: v for k, v in kw.items()},
        )
        d2 = detect_support(ohlcv, p2)
        held2 = np.unique(d2.tests.loc[d2.tests["held"], "bar"].to_numpy(dtype=np.int64))
        t2 = _horizon_stats(
            close,
            d2.event_bars,
            held2,
            [(h, h * bpd) for h in HORIZONS_DAYS],
            [],
            np.random.default_rng(boot_ss),
            n_boot,
        )
        c2 = assess_claim(
            t2,
            d2.n_tests,
            win_interval=win_rate_interval(close, d2.event_bars, bpd, win_rng, n_boot),
        )
        result.claim["closest_to_claimed_count"] = {
            "params": p2.to_dict(),
            "n_tests": d2.n_tests,
            "win_rate_1_10": c2["computed_win_rate_1_10"],
            "win_rate_1_10_interval": c2["win_rate_1_10_interval"],
            "win_rate_1_10_part": c2["win_rate_1_10_part"],
            "baseline_win_rate_1_10": c2["baseline_win_rate_1_10"],
            "mean_20_plus": float(t2.loc[list(LONG_HORIZONS), "mean"].mean()),
            "long_horizons_significantly_negative": c2["long_horizons_significantly_negative"],
            "verdict_at_these_params": c2["verdict"],
        }
        cc = result.claim["closest_to_claimed_count"]
        ci = cc["win_rate_1_10_interval"]
        result.claim["notes"] += (
            f" At the grid point closest to the claimed count "
            f"({_count(cc['n_tests'], 'test')}: pivot {p2.pivot}, zone_tol {p2.zone_tol}, "
            f"band {p2.band}, min_away {p2.min_away}) the 1–10 day win rate is "
            f"{fmt_or_na(cc['win_rate_1_10'], percent_text)} ({_win_band(*ci)}; every day "
            f"{fmt_or_na(cc['baseline_win_rate_1_10'], percent_text)}: "
            f"{win_rate_words(cc['win_rate_1_10_part'], cc['baseline_win_rate_1_10'], *ci)}), "
            "the 20+ day mean "
            f"{_signed_pct(cc['mean_20_plus'])}, significantly negative at "
            f"{cc['long_horizons_significantly_negative']} of {len(LONG_HORIZONS)} horizons "
            f"(verdict there: {cc['verdict_at_these_params']})."
        )
    result.claim["notes"] += _claim_asset_note(asset)
    return result
