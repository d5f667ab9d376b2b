"""The liquidation map's interval and out-of-sample score.

The map of the estimated market (:func:`liqcascade.market._liqmap.run_liqmap_request`)
is drawn from the identified book's central fit. The book's size is not pinned down by
the data (its notional over the fit's parameter draws spans a factor 2-5), so every
figure of the map carries a band:

- :func:`map_bands` draws the same map (same price, bucket and range) on each of
  :meth:`MarketState.draws` (the block-bootstrap refits of the fit used; the draws the
  cascade's interval uses) and gives, beside each point value, the 5th and 95th
  percentiles over the draws (``np.percentile``, as :meth:`MarketState.band`): the
  cumulative liquidations and stops within ±1/2/5/10/20 % (:data:`MAP_LEVELS`), the
  in-range totals and each cluster's notional by kind (summed over the draw's buckets
  that the point map's cluster spans). Without draws (the legacy book, a positions
  file, a calibration without bootstrap refits) there is no band, and
  :data:`NO_DRAWS` says so.
- :func:`book_score` is the book's out-of-sample score: the ``liqmap backtest`` of its
  calibration (every month predicted by the fit trained before it), the daily
  correlation of predicted with recorded liquidations against the range baseline's,
  with the 90 % interval of their difference (days resampled in 7-day blocks) and its
  verdict. It is stored with the calibration (``meta["backtest"]``, written by
  :func:`compute_book_score` when ``liqmap calibrate`` fits one; the package's ETH and
  BTC files carry theirs), so drawing the map costs no back-test; a calibration
  without a stored score has it computed once per process.

Text figures are rounded to 3 significant figures (:func:`usd3`): the band, not the
dollar, is the precision of the estimate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._prices import fmt_or_na, is_finite

__all__ = [
    "BAND_KINDS",
    "MAP_LEVELS",
    "NO_DRAWS",
    "book_score",
    "book_score_text",
    "compute_book_score",
    "draw_maps",
    "map_bands",
    "sig3",
    "usd3",
    "value_band_text",
]

#: Moves (fractions of price) of the map's cumulative figures: ∓1, 2, 5, 10, 20 %.
MAP_LEVELS: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10, 0.20)

#: The map's kinds that get a band (USD notional at the trigger).
BAND_KINDS: tuple[str, ...] = ("long_liq_usd", "short_liq_usd", "sell_stops_usd", "buy_stops_usd")

#: Said instead of a zero-width band when the book has no parameter draws.
NO_DRAWS = "no interval: the book has no parameter draws"

#: The stored score's keys (``metrics`` of ``liqmap backtest``).
_SCORE_KEYS: tuple[str, ...] = (
    "corr_daily",
    "range_baseline_corr_daily",
    "range_baseline_corr_diff_daily",
    "range_baseline_corr_diff_daily_p05",
    "range_baseline_corr_diff_daily_p95",
    "spearman_daily",
    "range_baseline_spearman_daily",
    "baseline_corr_daily",
    "coverage_90_daily",
    "days",
)

# source of a calibration -> its score computed in this process (no stored one)
_COMPUTED: dict[str, dict[str, Any] | None] = {}


# ----------------------------------------------------------------- rounding
def sig3(x: float) -> str:
    """``x`` rounded to 3 significant figures, without an exponent (``"0"`` for 0).

    >>> sig3(11574320.0), sig3(0.38282), sig3(999.6), sig3(-12.345)
    ('11,600,000', '0.383', '1,000', '-12.3')
    """
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    r = float(f"{x:.3g}")  # rounded to 3 significant figures
    decimals = max(0, 2 - math.floor(math.log10(abs(r))))
    return f"{r:,.{decimals}f}"


def usd3(x: float | None) -> str:
    """A USD amount to 3 significant figures with a k / M / B unit: ``"11.6 M"``.

    The unit is chosen after rounding (999,600 -> ``"1.00 M"``); below 1,000 no unit.

    >>> usd3(11574320.0), usd3(382824.4), usd3(999_600.0), usd3(0.0), usd3(None)
    ('11.6 M', '383 k', '1.00 M', '0', '–')
    """
    if x is None or not math.isfinite(float(x)):
        return "–"
    x = float(x)
    if x == 0:
        return "0"
    r = float(f"{x:.3g}")
    for div, unit in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(r) >= div:
            v = r / div
            decimals = max(0, 2 - math.floor(math.log10(abs(v))))
            return f"{v:.{decimals}f}{unit}"
    return sig3(r)


def value_band_text(value: float, p05: float | None, p95: float | None) -> str:
    """``"22.5 M (17.2–25.7 M)"``: the value and its band, 3 significant figures each.

    Without a band (``p05`` None), or when the value and both ends are 0 (nothing
    there on any draw), the value alone.
    """
    v = usd3(value)
    if p05 is None or p95 is None or value == p05 == p95 == 0:  # none on any draw: "0"
        return v
    lo, hi = usd3(p05), usd3(p95)
    lo_n, _, lo_u = lo.partition(" ")
    hi_u = hi.partition(" ")[2]
    band = f"{lo_n}–{hi}" if lo_u == hi_u else f"{lo}–{hi}"
    return f"{v} ({band})"


# ----------------------------------------------------------------- the band
def _percentiles(vals: list[float]) -> tuple[float, float]:
    """5th and 95th percentiles (``np.percentile``, linear), as :meth:`MarketState.band`."""
    arr = np.asarray(vals, dtype=np.float64)
    return float(np.percentile(arr, 5)), float(np.percentile(arr, 95))


def draw_maps(state: Any, lmap: Any, stops: Any = None) -> list[Any]:
    """The map ``lmap`` drawn again on each of ``state``'s parameter draws.

    Parameters
    ----------
    state : MarketState
        The estimated market the map was drawn from.
    lmap : LiquidationMap
        The point map (its price, bucket, range and time are reused).
    stops : StopBook, optional
        Stops given by the user (kept on every draw); default each draw's modelled
        stops.

    Returns
    -------
    list of LiquidationMap
        One per draw (:meth:`MarketState.draws`); empty without draws.
    """
    from liqcascade.positions import liquidation_map

    out = []
    for d in state.draws() if state is not None else []:
        out.append(
            liquidation_map(
                d.positions,
                d.stops if stops is None else stops,
                lmap.price,
                bucket=lmap.bucket,
                range_=lmap.range_,
                as_of=lmap.as_of,
            )
        )
    return out


def map_bands(lmap: Any, maps: list[Any], levels: tuple[float, ...] = MAP_LEVELS) -> dict[str, Any]:
    """The p05/p95 keys that go beside the point values of ``lmap.to_dict(levels)``.

    Parameters
    ----------
    lmap : LiquidationMap
        The point map.
    maps : list of LiquidationMap
        The same map on each parameter draw (:func:`draw_maps`); empty: no band.
    levels : tuple of float
        Moves of the cumulative figures, fractions of price.

    Returns
    -------
    dict
        ``cumulative_<kind>_p05`` / ``_p95`` (keyed like ``cumulative_<kind>``),
        ``totals_p05`` / ``totals_p95`` (keyed like ``totals``), ``clusters``: one dict
        per cluster of ``lmap`` (same order) with ``<kind>_p05`` / ``_p95`` and
        ``notional_usd_p05`` / ``_p95``, and ``band``: ``n_draws``, ``percentiles``,
        ``over`` and ``note`` (:data:`NO_DRAWS` without draws). Without draws every
        p05 / p95 is None.
    """
    point = lmap.to_dict(levels)
    dicts = [m.to_dict(levels) for m in maps]
    for m in maps:
        if m.edges.shape != lmap.edges.shape or not np.array_equal(m.edges, lmap.edges):
            raise ValueError("draw maps must share the point map's buckets")
    out: dict[str, Any] = {}

    def band_of(vals: list[float]) -> tuple[float | None, float | None]:
        return _percentiles(vals) if vals else (None, None)

    for kind in BAND_KINDS:
        key = f"cumulative_{kind}"
        lo, hi = {}, {}
        for level in point[key]:
            lo[level], hi[level] = band_of([float(d[key][level]) for d in dicts])
        out[f"{key}_p05"], out[f"{key}_p95"] = lo, hi
    tlo, thi = {}, {}
    for kind in point["totals"]:
        tlo[kind], thi[kind] = band_of([float(d["totals"][kind]) for d in dicts])
    out["totals_p05"], out["totals_p95"] = tlo, thi
    clusters = []
    edges = lmap.edges
    for c in lmap.clusters:  # the draw's notional over the buckets the cluster spans
        a = int(np.searchsorted(edges, c.price_low))
        b = int(np.searchsorted(edges, c.price_high))
        parts = [m.amounts[a:b].sum(axis=0) for m in maps]  # (4,) per draw, BAND_KINDS
        row: dict[str, Any] = {}
        for j, kind in enumerate(BAND_KINDS):
            row[f"{kind}_p05"], row[f"{kind}_p95"] = band_of([float(p[j]) for p in parts])
        row["notional_usd_p05"], row["notional_usd_p95"] = band_of([float(p.sum()) for p in parts])
        clusters.append(row)
    out["clusters"] = clusters
    out["band"] = {
        "n_draws": len(maps),
        "percentiles": [5, 95],
        "over": "the position book's parameter draws (block-bootstrap refits of the fit "
        "used, the draws of the cascade's interval), each drawing the same map",
        "note": None if maps else NO_DRAWS,
    }
    return out


# ----------------------------------------------------------------- the score
def compute_book_score(frames: Any, cal: Any) -> dict[str, Any] | None:
    """The ``liqmap backtest`` score of an expanding-window calibration, to store with it.

    The back-test runs from the first fit's month to the end of the last fit's month
    (cut at the data), each month predicted by the fit trained before it
    (:func:`liqcascade.positions._backtest.backtest_identified`).

    Parameters
    ----------
    frames : MarketFrames
        The asset's inputs (:func:`liqcascade.market._inputs.load_market_frames`).
    cal : AssetCalibration

    Returns
    -------
    dict or None
        ``start``, ``end`` (dates), ``months``, ``verdict`` (the daily correlation
        against the range baseline: "beats" / "ties" / "loses", None without an
        interval) and the metrics of :data:`_SCORE_KEYS` (correlations, ``days``);
        None when no recorded liquidation falls in the period.
    """
    from liqcascade.positions import backtest_identified, range_baseline_verdicts

    months = sorted(f.month for f in cal.fits)
    start = pd.Timestamp(f"{months[0]}-01", tz="UTC")
    end = pd.Timestamp(f"{months[-1]}-01", tz="UTC") + pd.offsets.MonthBegin(1)
    end = min(end - pd.Timedelta(microseconds=1), pd.Timestamp(frames.oi.index[-1]))
    bt = backtest_identified(cal.asset, start, end, cal, "calibration", frames=frames)
    m = bt.metrics_out_of_sample  # every month from the first fit's is out of sample
    if not m:
        return None

    def num(v: Any) -> float | None:
        return float(v) if v is not None and math.isfinite(float(v)) else None

    score: dict[str, Any] = {
        "start": f"{bt.start:%Y-%m-%d}",
        "end": f"{bt.end:%Y-%m-%d}",
        "months": months,
        "verdict": range_baseline_verdicts(m)["corr_daily"],
    }
    score.update({k: num(m.get(k)) for k in _SCORE_KEYS})
    return score


def book_score(state: Any, store: Any = None) -> dict[str, Any] | None:
    """The out-of-sample score of the identified book behind ``state``.

    The score stored with the book's calibration (``meta["backtest"]``, see
    :func:`compute_book_score`), else computed now from the asset's data (once per
    process). Keys: those of :func:`compute_book_score`, ``scope`` ("package score",
    "store score", "file score" or "computed now (the calibration stores no score)")
    and ``source`` (the calibration). None for a state without an identified-book
    calibration (the legacy book, ``BookParams`` or a calibration object given).

    Parameters
    ----------
    state : MarketState
    store : str, Path or bool, optional
        The store the market was built from (``MarketSpec.store``): where a score
        that must be computed reads its data.
    """
    fit = getattr(state, "book_fit", None)
    if state is None or fit is None or state.book_model != "identified":
        return None
    from liqcascade.positions import load_asset_calibration

    where = state.sources.get("book_calibration", "").split(" (fit ", 1)[0]
    if where.startswith("package:"):
        cal = load_asset_calibration(state.asset, store=False)
    elif where.startswith(("store:", "file:")):  # the file the market read
        cal = load_asset_calibration(state.asset, where.split(":", 1)[1])
    else:  # a calibration object given: nothing stored to read
        return None
    scope = where.split(":", 1)[0]
    stored = cal.meta.get("backtest")
    if isinstance(stored, dict) and "corr_daily" in stored:
        return {**stored, "scope": f"{scope} score", "source": where}
    if where not in _COMPUTED:
        from liqcascade.market._inputs import load_market_frames

        frames = load_market_frames(state.asset, "4h", store)
        _COMPUTED[where] = compute_book_score(frames, cal)
    got = _COMPUTED[where]
    if got is None:
        return None
    return {**got, "scope": "computed now (the calibration stores no score)", "source": where}


_VERDICT_WORDS = {
    "beats": "the model beats the range baseline",
    "ties": "the model does not beat the range baseline (a tie)",
    "loses": "the model does not beat the range baseline (it loses)",
}


def book_score_text(score: dict[str, Any] | None) -> str:
    """One line: the book's out-of-sample daily correlation, the range baseline's, the verdict.

    >>> book_score_text(None)
    'no out-of-sample score for this book'
    """
    if score is None:
        return "no out-of-sample score for this book"
    diff, lo, hi = (
        score.get("range_baseline_corr_diff_daily"),
        score.get("range_baseline_corr_diff_daily_p05"),
        score.get("range_baseline_corr_diff_daily_p95"),
    )
    verdict = score.get("verdict")
    if verdict in _VERDICT_WORDS and None not in (diff, lo, hi):
        said = f"{_VERDICT_WORDS[verdict]}: difference {diff:+.3f}, 90 % {lo:+.3f} … {hi:+.3f}"
    else:
        m, b = score.get("corr_daily"), score.get("range_baseline_corr_daily")
        higher = m is not None and b is not None and m > b
        said = (
            "higher than the range baseline's (no interval)"
            if higher
            else "the model does not beat the range baseline (no interval)"
        )
    days = score.get("days")
    n = f", {days:.0f} day{'' if round(days) == 1 else 's'}" if days else ""
    m, b = score.get("corr_daily"), score.get("range_baseline_corr_daily")
    if not (is_finite(m) and is_finite(b)):  # too few days for a correlation
        said = "too few days to score"
    return (
        f"out of sample ({score.get('scope', 'score')}, {score['start']} → {score['end']}{n}, "
        "each month predicted by the fit before it): the book's daily liquidations correlate "
        f"{fmt_or_na(m, '.2f')} with the record, the range baseline's {fmt_or_na(b, '.2f')} — "
        f"{said}"
    )
