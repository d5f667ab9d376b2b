"""Scores of the event back-test: the move's errors, coverage and liquidation agreement.

Shared by the back-test (:mod:`liqcascade.cascade._backtest`), which scores its events,
and the calibrated answer (:mod:`liqcascade.cascade._clock`), which re-scores a stored
back-test's events after a market date (:func:`move_scores`). Pure functions of event
tables; no simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._time import utc_time

__all__ = [
    "BASELINES",
    "DIAGNOSTIC_KEYS",
    "MIN_COMPARISON_EVENTS",
    "MIN_CORR_PAIRS",
    "OPTIONAL_BASELINES",
    "PER_EVENT_COLUMNS",
    "PER_EVENT_DIAGNOSTIC_COLUMNS",
    "PER_EVENT_LIQ_COLUMNS",
    "SUBSET_KEYS",
    "baselines_in",
    "book_split",
    "event_scores",
    "known_move_liq_corr",
    "liquidation_diagnostics",
    "liquidation_metrics",
    "move_comparisons",
    "move_scores",
    "move_verdicts",
    "per_event_record",
    "scored_from",
]

#: The event back-test's baselines of the move, as named in ``metrics``.
BASELINES: tuple[str, ...] = ("empirical", "trigger")
#: Baselines scored when the event table has their column: ``expanding``, the empirical
#: ratio re-estimated before each event on every event whose 24 h ended by then (the
#: information the model's own intervals use; the issue's ``empirical`` freezes the
#: ratio at the window's start). A stored back-test without its column is scored
#: without it.
OPTIONAL_BASELINES: tuple[str, ...] = ("expanding",)


#: Fewest events for a paired comparison of the model with a baseline (the 90 %
#: interval of the error difference, the Diebold–Mariano p-value and so the verdict).
#: With ``n`` events, even when every one of them favours the model the chance of that
#: under no difference (a fair sign per event) is ``2⁻ⁿ``: 1/16 for 4 events, above the
#: interval's 5 % tail, so below 5 events a bootstrap interval wholly below zero (which
#: 2 events of the same sign always give) is the resampling's artefact, not evidence.
MIN_COMPARISON_EVENTS = 5

#: Fewest (event, side) pairs for a liquidation log-correlation: the two sides of
#: :data:`MIN_COMPARISON_EVENTS` events. One event's two sides give ±1 by construction,
#: and below 9 points a correlation at the goal of 0.7 cannot be told from zero at the
#: 5 % level (the two-sided critical ``|r|`` of 8 points is 0.71); the two sides of one
#: event are not independent points, so whole events are counted.
MIN_CORR_PAIRS = 2 * MIN_COMPARISON_EVENTS


def baselines_in(ev: pd.DataFrame) -> tuple[str, ...]:
    """:data:`BASELINES` and the :data:`OPTIONAL_BASELINES` whose column ``ev`` has."""
    return (*BASELINES, *(b for b in OPTIONAL_BASELINES if f"{b}_baseline" in ev.columns))


def liquidation_metrics(ev: pd.DataFrame, floor_usd: float = 1.0e5) -> tuple[float, float]:
    """``liq_corr`` and ``liq_within_2x_share`` over events × sides.

    ``liq_corr`` is the Pearson correlation of log10 predicted and recorded notional
    (both floored at ``floor_usd``: liquidations are heavy-tailed, a raw correlation
    is one event's); ``liq_within_2x_share`` the share of (event, side) pairs whose
    prediction lies within a factor 2 of the recorded value (pairs with both below
    the floor count as agreeing). Events whose recorded value is NaN (no full 24 h of
    recorded liquidations, :func:`recorded_liquidations`) are left out. ``liq_corr`` is
    NaN with fewer than :data:`MIN_CORR_PAIRS` pairs (too few to mean anything).
    """
    if ev.empty:
        return float("nan"), float("nan")
    pred = np.concatenate([ev["predicted_long_usd"], ev["predicted_short_usd"]]).astype(float)
    rec = np.concatenate([ev["recorded_long_usd"], ev["recorded_short_usd"]]).astype(float)
    has = np.isfinite(rec)  # no full 24 h of recorded liquidations: not scored
    pred, rec = pred[has], rec[has]
    if rec.size == 0:
        return float("nan"), float("nan")
    lp = np.log10(np.maximum(pred, floor_usd))
    lr = np.log10(np.maximum(rec, floor_usd))
    enough = rec.size >= MIN_CORR_PAIRS and lp.std() > 0 and lr.std() > 0
    corr = float(np.corrcoef(lp, lr)[0, 1]) if enough else float("nan")
    within = float((np.abs(lp - lr) <= math.log10(2.0)).mean())
    return corr, within


def known_move_liq_corr(
    ev: pd.DataFrame, *, with_prediction: bool = False, floor_usd: float = 1.0e5
) -> float:
    """DIAGNOSTIC CEILING, in sample, knowing the outcome: log-correlation reachable from the move.

    The ordinary least-squares fit, over events × sides, of log10 recorded
    liquidations (floored at ``floor_usd``, USD) on an intercept and a slope on
    ``log10 |realised_move|`` for each of the four (side, direction) groups (the side
    the move runs against and the other side, for falls and rises); with
    ``with_prediction`` also on log10 of the prediction (``predicted_*_usd``,
    floored). Returns the correlation of the fitted and recorded values (the square
    root of the in-sample R²), the scale of ``liq_corr``. It is fitted on the very
    events it scores and reads the realised move: a bound on what an ex-ante
    forecast of liquidations from the move could reach, never a prediction. NaN with
    fewer pairs than parameters + 2 or than :data:`MIN_CORR_PAIRS`.
    """
    if ev.empty:
        return float("nan")
    rec = np.concatenate([ev["recorded_long_usd"], ev["recorded_short_usd"]]).astype(float)
    y = np.log10(np.maximum(rec, floor_usd))
    lm = np.log10(np.maximum(np.abs(ev["realised_move"].to_numpy(float)), 1e-6))
    lm = np.concatenate([lm, lm])
    down = (ev["direction"] == "down").to_numpy()
    down2 = np.concatenate([down, down])
    is_long = np.repeat([True, False], len(ev))
    cols = []
    for side in (True, False):
        for d in (True, False):
            g = ((is_long == side) & (down2 == d)).astype(float)
            if g.sum() > 0:
                cols += [g, g * lm]
    if with_prediction:
        pr = np.concatenate([ev["predicted_long_usd"], ev["predicted_short_usd"]]).astype(float)
        cols.append(np.log10(np.maximum(pr, floor_usd)))
    x = np.column_stack(cols)
    ok = np.isfinite(y) & np.isfinite(x).all(axis=1)
    x, y = x[ok], y[ok]
    if y.size < max(x.shape[1] + 2, MIN_CORR_PAIRS) or y.std() == 0:
        return float("nan")
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    fit = x @ beta
    return float(np.corrcoef(fit, y)[0, 1]) if fit.std() > 0 else float("nan")


#: The liquidation diagnostics beside ``liq_corr`` (:func:`liquidation_diagnostics`).
DIAGNOSTIC_KEYS: tuple[str, ...] = (
    "book_only_liq_corr",
    "book_only_liq_within_2x_share",
    "background_baseline_liq_corr",
    "background_baseline_liq_within_2x_share",
    "book_background_liq_corr",
    "book_background_liq_within_2x_share",
    "realised_path_liq_corr",
    "realised_path_liq_within_2x_share",
    "known_move_liq_corr",
    "known_move_with_prediction_liq_corr",
)


def _as_prediction(ev: pd.DataFrame, prefix: str, *, only_with: bool = False) -> pd.DataFrame:
    """``ev`` with ``{prefix}_long_usd`` / ``_short_usd`` as the prediction.

    ``only_with``: keep only the events that have both (a baseline or ceiling some
    events lack); otherwise every event (the book's figures exist for each).
    """
    lo, sh = f"{prefix}_long_usd", f"{prefix}_short_usd"
    sub = ev[ev[lo].notna() & ev[sh].notna()] if only_with else ev
    return sub.assign(predicted_long_usd=sub[lo], predicted_short_usd=sub[sh])


def liquidation_diagnostics(ev: pd.DataFrame) -> dict[str, float]:
    """The liquidation diagnostics of an event table (:data:`DIAGNOSTIC_KEYS`), not predictions.

    :func:`liquidation_metrics` of the static book alone (``book_*_usd``), of the
    background baseline alone (``background_*_usd``, events that have one), of the
    book plus background (``book_background_*_usd``) and of the realised-path ceiling
    (``realised_path_*_usd``, events that have one; NaN without the column), and the
    two known-move regression ceilings (:func:`known_move_liq_corr`). One definition
    for the back-test's own scores and for a stored back-test re-scored on the events
    after a date (:func:`move_scores`), so that the two cover the same events.
    """
    nan = float("nan")
    if ev.empty:
        return dict.fromkeys(DIAGNOSTIC_KEYS, nan)
    book_c, book_w = liquidation_metrics(_as_prediction(ev, "book"))
    bg_c, bg_w = liquidation_metrics(_as_prediction(ev, "background", only_with=True))
    bb_c, bb_w = liquidation_metrics(_as_prediction(ev, "book_background"))
    # diagnostic ceilings (they read the outcome; never predictions)
    rp_c = rp_w = nan
    if "realised_path_long_usd" in ev.columns:
        rp_c, rp_w = liquidation_metrics(_as_prediction(ev, "realised_path", only_with=True))
    return {
        "book_only_liq_corr": book_c,
        "book_only_liq_within_2x_share": book_w,
        "background_baseline_liq_corr": bg_c,
        "background_baseline_liq_within_2x_share": bg_w,
        "book_background_liq_corr": bb_c,
        "book_background_liq_within_2x_share": bb_w,
        "realised_path_liq_corr": rp_c,
        "realised_path_liq_within_2x_share": rp_w,
        "known_move_liq_corr": known_move_liq_corr(ev),
        "known_move_with_prediction_liq_corr": known_move_liq_corr(ev, with_prediction=True),
    }


def move_comparisons(ev: pd.DataFrame, *, lag: int = 0) -> dict[str, float]:
    """The model's move error against each baseline's, paired per event.

    Per baseline ``b`` (:data:`BASELINES`): ``move_mae_diff_vs_{b}_pp``, the mean over
    events of ``|predicted − realised| − |baseline − realised|`` (percentage points;
    negative: the model errs less), ``..._p05`` / ``..._p95`` its 90 % paired-bootstrap
    interval over events (:func:`liqcascade._significance.paired_mean_interval`,
    fixed seed), and ``move_mae_dm_pvalue_vs_{b}``, the two-sided Diebold–Mariano
    p-value on the same differences. ``lag = 0`` (no Newey–West terms): events are at
    least 24 h apart and each one's 24 h outcome ends before the next begins, so their
    errors are treated as independent (the paired t-test). All four are NaN with fewer
    than :data:`MIN_COMPARISON_EVENTS` events with a finite difference: no verdict.
    """
    from liqcascade._significance import dm_pvalue, paired_mean_interval

    real = ev["realised_move"].to_numpy(float)
    err = np.abs(ev["predicted_move"].to_numpy(float) - real) * 100
    out: dict[str, float] = {}
    nan = float("nan")
    for b in baselines_in(ev):
        d = err - np.abs(ev[f"{b}_baseline"].to_numpy(float) - real) * 100
        if int(np.isfinite(d).sum()) < MIN_COMPARISON_EVENTS:
            out.update(dict.fromkeys((f"move_mae_diff_vs_{b}_pp", f"move_mae_diff_vs_{b}_pp_p05",
                                      f"move_mae_diff_vs_{b}_pp_p95",
                                      f"move_mae_dm_pvalue_vs_{b}"), nan))  # fmt: skip
            continue
        mean, lo, hi = paired_mean_interval(d)
        out[f"move_mae_diff_vs_{b}_pp"] = mean
        out[f"move_mae_diff_vs_{b}_pp_p05"] = lo
        out[f"move_mae_diff_vs_{b}_pp_p95"] = hi
        out[f"move_mae_dm_pvalue_vs_{b}"] = dm_pvalue(d, lag)
    return out


#: The scores every subset of a back-test's events carries (:func:`event_scores`, with
#: ``n_events``; more when the table has the columns).
SUBSET_KEYS: tuple[str, ...] = (
    "move_mae_pp",
    "trigger_baseline_move_mae_pp",
    "empirical_baseline_move_mae_pp",
    "coverage_80",
    "liq_corr",
    "liq_within_2x_share",
)


#: The per-event columns a stored back-test keeps (``per_event``), enough to score the
#: move on any subset of its events (:func:`move_scores`).
PER_EVENT_COLUMNS: tuple[str, ...] = (
    "realised_move",
    "predicted_move",
    "predicted_move_p10",
    "predicted_move_p90",
    "empirical_baseline",
    "trigger_baseline",
)


#: The per-event liquidation columns a stored back-test keeps (USD; a recorded value
#: is null without a full 24 h of record).
PER_EVENT_LIQ_COLUMNS: tuple[str, ...] = (
    "predicted_long_usd",
    "predicted_short_usd",
    "recorded_long_usd",
    "recorded_short_usd",
)


#: The per-event columns of the liquidation diagnostics (USD; null where an event has
#: none), stored with ``direction`` so that :func:`liquidation_diagnostics` can be
#: re-scored on the events after a date. A stored back-test without them (the shipped
#: ETH and BTC files) keeps its whole-period diagnostics only.
PER_EVENT_DIAGNOSTIC_COLUMNS: tuple[str, ...] = (
    "book_long_usd",
    "book_short_usd",
    "background_long_usd",
    "background_short_usd",
    "book_background_long_usd",
    "book_background_short_usd",
    "realised_path_long_usd",
    "realised_path_short_usd",
)


def per_event_record(ev: pd.DataFrame) -> dict[str, list[Any]]:
    """The back-test's per-event columns as JSON lists (``ts`` ISO, moves fractions, USD).

    :data:`PER_EVENT_COLUMNS` and :data:`PER_EVENT_LIQ_COLUMNS`, and, when the table
    has all of them, ``direction`` and :data:`PER_EVENT_DIAGNOSTIC_COLUMNS`; NaN is
    written as null. ``book_in_sample`` (bool: the event's position book was fitted on
    data after it) and ``beta_assumed`` (bool: its market used the assumed depth
    exponent; both :mod:`liqcascade.cascade._insample`), each when the table has it for
    every event.
    """
    cols = (*PER_EVENT_COLUMNS, *PER_EVENT_LIQ_COLUMNS)
    if ev.empty or "predicted_move" not in ev.columns:
        return {"ts": [], **{c: [] for c in cols}}
    cols = (*cols, *(f"{b}_baseline" for b in baselines_in(ev) if b not in BASELINES))
    out: dict[str, list[Any]] = {"ts": [pd.Timestamp(t).isoformat() for t in ev["ts"]]}
    diag = "direction" in ev.columns and all(c in ev.columns for c in PER_EVENT_DIAGNOSTIC_COLUMNS)
    if diag:
        out["direction"] = [str(d) for d in ev["direction"]]
        cols = (*cols, *PER_EVENT_DIAGNOSTIC_COLUMNS)
    for c in cols:
        out[c] = [float(v) if math.isfinite(v) else None for v in ev[c].to_numpy(np.float64)]
    for flag in ("book_in_sample", "beta_assumed"):
        if flag in ev.columns and ev[flag].notna().all():
            out[flag] = [bool(v) for v in ev[flag]]
    return out


def _frame(per_event: dict[str, list[Any]]) -> tuple[pd.DataFrame, bool, bool]:
    """A stored per-event record as an event table; ``(table, has liq, has diagnostics)``."""
    liq = all(c in per_event for c in PER_EVENT_LIQ_COLUMNS)
    diag = (
        liq
        and "direction" in per_event
        and all(c in per_event for c in PER_EVENT_DIAGNOSTIC_COLUMNS)
    )
    cols = (
        *PER_EVENT_COLUMNS,
        *(f"{b}_baseline" for b in OPTIONAL_BASELINES if f"{b}_baseline" in per_event),
        *(PER_EVENT_LIQ_COLUMNS if liq else ()),
        *(PER_EVENT_DIAGNOSTIC_COLUMNS if diag else ()),
    )
    ev = pd.DataFrame({c: pd.Series(per_event[c], dtype="float64") for c in cols})
    ev.insert(0, "ts", pd.to_datetime(pd.Series(per_event["ts"], dtype="object"), utc=True))
    if diag:
        ev["direction"] = pd.Series(per_event["direction"], dtype="object")
    return ev, liq, diag


def event_scores(ev: pd.DataFrame) -> dict[str, Any]:
    """The scores of an event table (the back-test's or a subset of it).

    ``n_events``; ``move_mae_pp``, both baselines' MAE (``{b}_baseline_move_mae_pp``,
    percentage points), ``coverage_80`` (share of realised moves inside the 80 %
    interval) and the paired comparisons (:func:`move_comparisons`); ``liq_corr`` and
    ``liq_within_2x_share`` (:func:`liquidation_metrics`) when the table has the
    liquidation columns; the other liquidation diagnostics
    (:func:`liquidation_diagnostics`) when it has theirs and ``direction``. Only
    ``n_events`` for an empty table.
    """
    out: dict[str, Any] = {"n_events": len(ev)}
    if ev.empty:
        return out
    real = ev["realised_move"].to_numpy(np.float64)
    p10 = ev["predicted_move_p10"].to_numpy(np.float64)
    p90 = ev["predicted_move_p90"].to_numpy(np.float64)
    lo, hi = np.minimum(p10, p90), np.maximum(p10, p90)
    pred = ev["predicted_move"].to_numpy(np.float64)
    out["move_mae_pp"] = float(np.abs(pred - real).mean() * 100)
    for b in baselines_in(ev):
        out[f"{b}_baseline_move_mae_pp"] = float(
            np.abs(ev[f"{b}_baseline"].to_numpy(np.float64) - real).mean() * 100
        )
    out["coverage_80"] = float(((real >= lo) & (real <= hi)).mean())
    if all(c in ev.columns for c in PER_EVENT_LIQ_COLUMNS):
        out["liq_corr"], out["liq_within_2x_share"] = liquidation_metrics(ev)
    if "direction" in ev.columns and all(c in ev.columns for c in PER_EVENT_DIAGNOSTIC_COLUMNS):
        out.update(liquidation_diagnostics(ev))
    out.update(move_comparisons(ev))
    return out


def book_split(ev: pd.DataFrame, in_sample: Any, first_oos: Any = None) -> dict[str, Any]:
    """The scores of the events whose position book is in sample, and of the others.

    Parameters
    ----------
    ev : pandas.DataFrame
        An event table (:func:`event_scores`).
    in_sample : array of bool
        Per event, whether its book fit was trained on data after it
        (:mod:`liqcascade.cascade._insample`).
    first_oos : datetime-like, optional
        The first instant with a book fitted before it (said as ``book_out_of_sample_from``).

    Returns
    -------
    dict
        ``n_book_in_sample``; ``metrics_book_in_sample`` (liquidity out of sample, book
        in sample) and ``metrics_book_out_of_sample`` (both out of sample: the strict
        subset), each :func:`event_scores` of its events; ``book_out_of_sample_from``
        (ISO, or None).
    """
    flags = np.asarray(in_sample, dtype=bool)
    if flags.size != len(ev):
        raise ValueError(f"in_sample has {flags.size} flags for {len(ev)} events")
    return {
        "n_book_in_sample": int(flags.sum()),
        "book_out_of_sample_from": None if first_oos is None else utc_time(first_oos).isoformat(),
        "metrics_book_in_sample": event_scores(ev[flags].reset_index(drop=True)),
        "metrics_book_out_of_sample": event_scores(ev[~flags].reset_index(drop=True)),
    }


def move_scores(
    per_event: dict[str, list[Any]],
    after: Any = None,
    *,
    in_sample: Any = None,
    first_oos: Any = None,
    before: Any = None,
) -> dict[str, Any]:
    """The scores of a stored back-test's events at or after ``after`` (and closed by ``before``).

    ``move_mae_pp``, both baselines' MAE, ``coverage_80`` and the paired comparisons
    (:func:`move_comparisons`), ``liq_corr`` and ``liq_within_2x_share``
    (:func:`liquidation_metrics`, when the liquidation columns are stored) and the
    other liquidation diagnostics (:func:`liquidation_diagnostics`, when their
    per-event columns, :data:`PER_EVENT_DIAGNOSTIC_COLUMNS`, are stored too), with
    ``n_events``, ``start`` (``after``, or the first event) and ``end`` (the last
    event): every figure covers the same events. ``per_event``:
    :func:`per_event_record`. With ``in_sample`` (one flag per stored event, e.g.
    :func:`liqcascade.cascade._insample.stored_book_in_sample`), also
    :func:`book_split` of the same events. With ``before`` (a time), only the events
    whose 24 h ended by it: those whose outcome was known at that time.
    """
    ev, _, _ = _frame(per_event)
    flags = None if in_sample is None else np.asarray(in_sample, dtype=bool)
    keep = np.ones(len(ev), dtype=bool)
    if after is not None:
        keep &= (ev["ts"] >= utc_time(after)).to_numpy()
    if before is not None:
        keep &= (ev["ts"] + pd.Timedelta(hours=24) <= utc_time(before)).to_numpy()
    if after is not None or before is not None:
        ev = ev[keep].reset_index(drop=True)
        flags = None if flags is None else flags[keep]
    out: dict[str, Any] = {"n_events": len(ev)}
    if ev.empty:
        return out
    out["start"] = (ev["ts"].iloc[0] if after is None else utc_time(after)).isoformat()
    out["end"] = ev["ts"].iloc[-1].isoformat()
    out.update(event_scores(ev))
    if flags is not None:
        out.update(book_split(ev, flags, first_oos))
    return out


def move_verdicts(metrics: dict[str, Any]) -> dict[str, str | None]:
    """``{baseline: "beats" | "loses" | "ties" | None}``: the move error's verdict.

    See :func:`move_comparisons`.

    "beats": the 90 % interval of the error difference lies entirely below 0;
    "loses": entirely above; "ties": it straddles 0; None without an interval.
    Reads a back-test's ``metrics`` (or the stored ``backtest`` of a calibration file):
    every one of :data:`BASELINES`, and each of :data:`OPTIONAL_BASELINES` the metrics
    score.
    """
    from liqcascade._significance import verdict

    scored = [b for b in OPTIONAL_BASELINES if f"move_mae_diff_vs_{b}_pp_p05" in metrics]
    return {
        b: verdict(
            metrics.get(f"move_mae_diff_vs_{b}_pp_p05"), metrics.get(f"move_mae_diff_vs_{b}_pp_p95")
        )
        for b in (*BASELINES, *scored)
    }


def scored_from(summary: Mapping[str, Any], *, month: bool = False) -> str:
    """The first day of a back-test summary's scored events, as every text prints it.

    The one rule of where the scored events start: ``covered_start`` (the first instant
    the data let an event be scored: an hour of prices before it, an open-interest bar
    closed by it), else the window's ``start`` (summaries stored without it).

    Parameters
    ----------
    summary : mapping
        A back-test summary (``BacktestResult.summary()``, a stored record's
        ``out_of_sample``): ``start`` and optionally ``covered_start`` (ISO strings, UTC).
    month : bool, default False
        The month (``"2024-11"``) when the scored events start at the window's own start
        (a window of whole months); the day where the data cut the window
        (``"2024-11-23"``: the open interest starts then). Default the day always.

    Returns
    -------
    str
        ``YYYY-MM-DD`` (or ``YYYY-MM``).
    """
    first = str(summary.get("covered_start") or summary["start"])
    if month and first[:10] == str(summary["start"])[:10]:
        return first[:7]
    return first[:10]
