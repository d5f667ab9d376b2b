"""The expanding-window calibration of the liquidity response, for any asset with data.

The same procedure fitted the shipped ETH and BTC calibrations
(``liqcascade/cascade/calibrated/<ASSET>.json``); ``liqcascade cascade calibrate``
runs it on the data :func:`liqcascade.data.load_series` serves (a store's rows first,
then the bundled ones) and writes the result beside the store
(:func:`liqcascade._calibrations.write_calibration`).

1. **The period** (:func:`calibration_span`): the hours covered by both the hourly
   prices and the recorded 4-hour liquidations (what the back-test scores). The
   as-of dates (:func:`calibration_months`) are the month starts from the first
   month of that period to the month after its last day: ETH and BTC on the bundled
   data give 2024-11-01 … 2025-08-01, the shipped list.
2. **The trigger** (:func:`default_trigger`): ETH 2 % and BTC 1.5 % (issue 18); for
   any other asset 2 % scaled by its hourly volatility relative to ETH's, measured
   on the 365 days *before* the first as-of date, rounded to 0.5 % (BTC's own data
   give 1.5 % by this rule). ``trigger=`` overrides it.
3. **The events**: trigger-defined (:func:`~liqcascade.cascade._backtest.detect_events`)
   from the first as-of date to the period's last day, each with the market at its
   previous close (``market_at``); the price-only events of the trigger and the larger
   pooled triggers for the volatility rule.
4. **The fit at each as-of date** (:func:`~liqcascade.cascade._backtest.grid_errors`,
   :func:`~liqcascade.cascade._backtest.calibrate_liquidity`): on the events whose
   24 h ended by it only; event ``j`` (counted from the first as-of date) is
   simulated with seed ``seed + j`` and the bootstrap draws use ``seed``, so a
   restricted run (``months=``) reproduces the months of a full one.
5. **The stored back-test** (``backtest``): the fitted months only, from the first
   as-of date asked for (a restricted run's ``months[0]``; a full run's first month,
   whose calibration is the prior, as shipped) to the end of the last; each event is
   predicted by the calibration fitted before it. Its ``start`` / ``end`` /
   ``scored`` say the period; every answer quoting it prints that period.
6. **The stored follow-through** (``follow_through``, :func:`follow_through_of`): the
   calibrated cascade after −5 % on every date of the same period (the market of the
   date, the calibration fitted before it), the rows the report shows instead of
   running it.

Models take frames: the caller loads the prices, liquidations and markets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._time import utc_end, utc_time
from liqcascade.cascade._backtest import (
    DEFAULT_TRIGGERS,
    PRIOR_PARAMS,
    BacktestResult,
    MarketAt,
    backtest_frames,
    calibrate_liquidity,
    check_backtest_options,
    check_trigger,
    detect_events,
    fit_grid,
    grid_errors,
    pooled_events,
    run_backtest,
    standardised_residuals,
    trigger_text,
)
from liqcascade.cascade._clock import Calibration
from liqcascade.cascade._scores import per_event_record
from liqcascade.errors import InputError

__all__ = [
    "ETH_REFERENCE_SIGMA",
    "METHOD",
    "TRIGGER_LOOKBACK_DAYS",
    "TRIGGER_MIN_DAYS",
    "backtest_period_note",
    "calibration_months",
    "calibration_span",
    "default_trigger",
    "fit_liquidity_document",
    "follow_through_of",
    "hourly_return_std",
]

#: The method string every calibration document carries (the shipped files' own).
METHOD = (
    "grid search of latent_depth x resilience_half_life_s minimising the MAE of "
    "the median 24-h extreme move on trigger-defined events whose 24 h ended "
    "before as_of; draws: 12 bootstrap resamples of those events; other "
    "mechanisms fixed at PRIOR_PARAMS; volatility rule (k, b, shock weight, "
    "regime dispersion) fitted on the price-only events of the trigger, 3 % "
    "and 5 % before as_of (docs/liquidity.md)"
)

#: Days of hourly bars before the first as-of date the trigger rule measures.
TRIGGER_LOOKBACK_DAYS = 365
#: Fewest days of hourly bars before the first as-of date the rule accepts.
TRIGGER_MIN_DAYS = 30
#: ETH's hourly volatility for the trigger rule: the standard deviation of hourly log
#: returns (fraction per hour) over the 365 days before ETH's first as-of date
#: (2023-11-02 → 2024-11-01: 2024 is a leap year; bundled data; recomputed by the tests).
ETH_REFERENCE_SIGMA = 0.006453310151090574
#: The window ETH's reference volatility is measured on (UTC days, end exclusive): the
#: :data:`TRIGGER_LOOKBACK_DAYS` days before 2024-11-01, as :func:`hourly_return_std`
#: reads them (it was written 2023-11-01, a year back by the calendar: one day more than
#: the rule reads, so an asset's window on the same data read 2023-11-02).
ETH_REFERENCE_WINDOW = (
    f"{pd.Timestamp('2024-11-01') - pd.Timedelta(days=TRIGGER_LOOKBACK_DAYS):%Y-%m-%d}",
    "2024-11-01",
)
#: The trigger rule's grid and bounds (fraction of the previous close).
TRIGGER_STEP = 0.005
TRIGGER_BOUNDS = (0.005, 0.10)


def calibration_span(
    ohlc: pd.DataFrame, liquidations: pd.DataFrame
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(first, last)`` hour covered by both the hourly prices and the recorded liquidations.

    Parameters
    ----------
    ohlc : pandas.DataFrame
        Hourly bars indexed by open time (UTC).
    liquidations : pandas.DataFrame
        Recorded 4-hour liquidations (``long_usd``, ``short_usd``) indexed by bar open.

    Raises
    ------
    InputError
        When either is empty or they do not overlap.
    """
    if len(ohlc) == 0:
        raise InputError("asset: no hourly prices", param="asset")
    if len(liquidations) == 0:
        raise InputError("asset: no recorded 4-hour liquidations", param="asset")
    p = pd.DatetimeIndex(ohlc.index)
    q = pd.DatetimeIndex(liquidations.index)
    first = max(utc_time(p.min()), utc_time(q.min()))
    last = min(utc_time(p.max()), utc_time(q.max()))
    if last <= first:
        raise InputError(
            f"asset: the hourly prices ({p.min():%Y-%m-%d} → {p.max():%Y-%m-%d}) and the "
            f"recorded liquidations ({q.min():%Y-%m-%d} → {q.max():%Y-%m-%d}) do not overlap",
            param="asset",
        )
    return first, last


def calibration_months(ohlc: pd.DataFrame, liquidations: pd.DataFrame) -> pd.DatetimeIndex:
    """The as-of dates: month starts from the span's first month to the month after its end.

    The first is fitted on no event (the prior); the last on every event of the span.
    """
    first, last = calibration_span(ohlc, liquidations)
    start = first.normalize() - pd.Timedelta(days=first.day - 1)
    stop = (last.normalize() - pd.Timedelta(days=last.day - 1)) + pd.DateOffset(months=1)
    return pd.date_range(start, stop, freq="MS", tz="UTC")


def hourly_return_std(
    ohlc: pd.DataFrame, before: Any, days: int = TRIGGER_LOOKBACK_DAYS
) -> tuple[float, int]:
    """``(std, n)``: hourly log-return standard deviation over the ``days`` before ``before``.

    Only returns between consecutive hours count (a gap's return is dropped). ``n``:
    the number of returns used.
    """
    t = utc_time(before)
    idx = pd.DatetimeIndex(ohlc.index)
    keep = (idx < t) & (idx >= t - pd.Timedelta(days=days))
    px = ohlc.loc[keep, "close"].to_numpy(np.float64)
    ix = idx[keep].as_unit("ns").asi8
    if px.size < 2:
        return float("nan"), 0
    r = np.diff(np.log(px))
    r = r[(np.diff(ix) == 3_600_000_000_000) & np.isfinite(r)]
    return (float(np.std(r, ddof=1)) if r.size > 1 else float("nan")), int(r.size)


def default_trigger(asset: str, ohlc: pd.DataFrame, first_as_of: Any) -> tuple[float, str]:
    """The trigger of ``asset`` and the rule that gave it.

    ETH and BTC: :data:`DEFAULT_TRIGGERS` (2 %, 1.5 %). Any other asset:
    ``2 % × σ / σ_ETH`` rounded to the nearest 0.5 % and held within 0.5 … 10 %, where
    ``σ`` is the standard deviation of the asset's hourly log returns over the
    :data:`TRIGGER_LOOKBACK_DAYS` days before ``first_as_of`` (data before every
    calibration, never the events scored) and ``σ_ETH`` is
    :data:`ETH_REFERENCE_SIGMA`. Events then mark moves of the same size relative
    to the asset's own hourly noise as ETH's 2 %.

    Raises
    ------
    InputError
        With fewer than :data:`TRIGGER_MIN_DAYS` days of hourly bars before
        ``first_as_of`` (names ``trigger``: give one).
    """
    a = asset.upper()
    if a in DEFAULT_TRIGGERS:
        return DEFAULT_TRIGGERS[a], f"default for {a} (issue 18)"
    sigma, n = hourly_return_std(ohlc, first_as_of)
    if n < TRIGGER_MIN_DAYS * 24 or not math.isfinite(sigma) or sigma <= 0:
        raise InputError(
            f"trigger: {a} has {n / 24:.0f} days of hourly prices before "
            f"{utc_time(first_as_of):%Y-%m-%d} (the rule needs {TRIGGER_MIN_DAYS}); "
            "give the trigger",
            param="trigger",
        )
    raw = 0.02 * sigma / ETH_REFERENCE_SIGMA
    lo, hi = TRIGGER_BOUNDS
    f = min(hi, max(lo, round(raw / TRIGGER_STEP) * TRIGGER_STEP))
    f = round(f, 4)
    start = utc_time(first_as_of) - pd.Timedelta(days=TRIGGER_LOOKBACK_DAYS)
    rule = (
        f"2 % x {a}'s hourly volatility {sigma:.5f} ({start:%Y-%m-%d} -> "
        f"{utc_time(first_as_of):%Y-%m-%d}) / ETH's {ETH_REFERENCE_SIGMA:.5f} "
        f"({ETH_REFERENCE_WINDOW[0]} -> {ETH_REFERENCE_WINDOW[1]}) = {raw:.4f}, rounded to "
        "0.5 %; the two windows differ when the asset's data are of another period"
    )
    return f, rule


def left_out_text(ts: pd.Series, need: np.ndarray, markets: list[Any]) -> str:
    """``; 13 of 138 left out: no open interest at their date, …`` or ``""``.

    What the progress line after the events' markets says of the events it drops.

    Parameters
    ----------
    ts : pandas.Series
        The events' times (UTC).
    need : numpy.ndarray of bool
        Which events are simulated (their 24 hours end before the last as-of date).
    markets : list
        Each event's market, None where none could be built (no open interest closed
        by its date: ``estimated_market_at``'s refusal of a date outside the data).
    """
    gone = [pd.Timestamp(t) for t, n, m in zip(ts, need, markets, strict=True) if n and m is None]
    if not gone:
        return ""
    built = [pd.Timestamp(t) for t, m in zip(ts, markets, strict=True) if m is not None]
    why = "no open interest at their date"
    if built and max(gone) < min(built):
        span = f"{min(gone):%Y-%m-%d} → {max(gone):%Y-%m-%d}"
        why += f", before the open-interest data start ({span})"
    return f"; {len(gone)} of {int(np.sum(need))} left out: {why}"


def backtest_period_note(start: Any, end: Any) -> str:
    """The stored back-test's ``scored`` line: which events it scores, and how.

    ``start`` is the first fitted month (events before it are not scored), ``end``
    the end of the last fitted month or of the data.
    """
    return (
        f"events from {utc_time(start):%Y-%m-%d} to {utc_time(end):%Y-%m-%d} (the fitted months), "
        "each predicted by the latest calibration fitted before it"
    )


def fit_liquidity_document(
    ohlc: pd.DataFrame,
    liquidations: pd.DataFrame,
    market_at: MarketAt,
    *,
    asset: str,
    trigger: float | None = None,
    months: Sequence[Any] | None = None,
    seed: int = 0,
    backtest: bool = True,
    n_paths: int = 200,
    follow_through: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fit the expanding-window calibrations of ``asset``: the calibration document.

    Parameters
    ----------
    ohlc : pandas.DataFrame
        The asset's whole hourly history (``open, high, low, close``, USD).
    liquidations : pandas.DataFrame
        Its recorded 4-hour liquidations (``long_usd``, ``short_usd``, USD).
    market_at : MarketAt
        The prepared market at an event's previous close
        (:func:`~liqcascade.cascade._backtest.estimated_market_at`); events whose
        market it cannot build (None) are left out of the fits.
    asset : str
    trigger : float, optional
        Default :func:`default_trigger`.
    months : sequence of datetime-like, optional
        Fit only these as-of dates (each must be one of :func:`calibration_months`)
        and the first one (the prior, so that an earlier date never reads a later
        fit); the fits equal those of a full run.
    seed : int
        Seed of the simulations (event ``j`` uses ``seed + j``) and of the bootstrap.
    backtest : bool
        Also run the event back-test of the fitted calibrations (each event predicted
        by the calibration before it) over the fitted months only: from the first
        as-of date asked for (``months[0]``; a full run: the data's first month) to
        the end of the last fitted month (or of the data), stored as ``"backtest"``
        with the period scored (``start``, ``end``, ``scored``): the out-of-sample
        score the market answers print. Events before the first fitted month (which
        only the prior would predict) are not scored.
    n_paths : int
        Monte Carlo paths per event of that back-test (at least
        :data:`~liqcascade.cascade._backtest.MIN_PATHS`).
    follow_through : bool
        Also store the follow-through on every date of the same period (the fitted
        months), as ``"follow_through"`` (:func:`follow_through_of`): each date's row
        computed by :func:`~liqcascade.cascade._follow_through.calibrated_follow_through`
        with the settings the report asks
        (:data:`~liqcascade.cascade._follow_through.RECORD_SETTINGS`), on the market of
        that date and the calibration fitted before it. The report reads it instead of
        running the cascade on every date.
    progress : callable, optional
        ``progress(message)``: one line per step (the CLI prints them on stderr).

    Returns
    -------
    dict
        The shipped layout: ``asset``, ``trigger``, ``trigger_rule``, ``method``,
        ``prior``, ``calibrations`` (one :meth:`Calibration.to_dict` per as-of date,
        ascending), ``data`` (the span) and, with ``backtest``, ``backtest`` (its
        metrics, the same scores on the events whose position book is in sample and on
        the others (``n_book_in_sample``, ``metrics_book_in_sample``,
        ``metrics_book_out_of_sample``), and ``per_event``: each event's moves,
        baselines and ``book_in_sample`` flag, so that a score restricted to the
        events after a date can be read from it); with ``follow_through``,
        ``follow_through`` (:func:`~liqcascade.cascade._follow_through.follow_through_record`;
        absent when no date of the period has a market).
    """
    say = progress or (lambda _m: None)
    a = asset.upper()
    if backtest:  # the back-test's own checks, before the fit rather than after it
        check_backtest_options(trigger, n_paths)
    ohlc, liquidations = backtest_frames(ohlc, liquidations)
    first, last = calibration_span(ohlc, liquidations)
    all_months = calibration_months(ohlc, liquidations)
    if months is None:
        as_ofs = all_months
    else:
        want = pd.DatetimeIndex([utc_time(m) for m in months]).unique().sort_values()
        bad = [m for m in want if m not in all_months]
        if len(want) == 0 or bad:
            raise InputError(
                f"months: as-of dates are the month starts {all_months[0]:%Y-%m-%d} … "
                f"{all_months[-1]:%Y-%m-%d} for {a}'s data"
                + (f" (got {bad[0]:%Y-%m-%d})" if bad else " (got none)"),
                param="months",
            )
        # the first month (the prior, no events) always: any earlier date falls back to it
        as_ofs = want.union(all_months[:1])
    # the first month fitted on request (a full run: the data's first, the prior)
    fitted_from = as_ofs[0] if months is None else want[0]
    if trigger is None:
        f, rule = default_trigger(a, ohlc, all_months[0])
    else:
        f, rule = check_trigger(trigger), "given"
    end_day = last.strftime("%Y-%m-%d")
    say(f"{a}: data {first:%Y-%m-%d} → {end_day}, trigger {trigger_text(f)} ({rule})")
    all_ev = detect_events(ohlc, f, None, end_day)
    ev = all_ev[all_ev["ts"] >= all_months[0]].reset_index(drop=True)
    pool = pooled_events(ohlc, f, end_day)
    need = (ev["ts"] + pd.Timedelta(hours=24) <= as_ofs[-1]).to_numpy()
    say(f"{a}: {len(ev)} events since {all_months[0]:%Y-%m-%d}; {int(need.sum())} before "
        f"{as_ofs[-1]:%Y-%m-%d} to simulate")  # fmt: skip
    markets: list[Any] = [None] * len(ev)
    for j in np.nonzero(need)[0]:
        markets[j] = market_at(pd.Timestamp(ev["ts"].iloc[j]), float(ev["prev_close"].iloc[j]))
    n_mkt = sum(m is not None for m in markets)
    if int(need.sum()) and n_mkt == 0:
        raise InputError(
            f"asset: no market could be built for any of {a}'s events (open interest and "
            "the position book's calibration are needed at each event)",
            param="asset",
        )
    say(f"{a}: {n_mkt} event markets built{left_out_text(ev['ts'], need, markets)}; the grid "
        f"search ({len(fit_grid())} points per event)")  # fmt: skip
    err = grid_errors(ev, markets, pool, standardised_residuals(ohlc), seed=seed)
    cals: list[Calibration] = []
    for t in as_ofs:
        c = calibrate_liquidity(err, ev, pool, asset=a, as_of=t, seed=seed)
        cals.append(c)
        say(
            f"{a} {t:%Y-%m-%d}: {c.n_events} events, latent depth {c.params.latent_depth:g}, "
            f"resilience {c.params.resilience_half_life_s:g} s, k {c.vol_multiplier:.4f} ({c.note})"
        )
    doc: dict[str, Any] = {
        "asset": a,
        "trigger": f,
        "trigger_rule": rule,
        "method": METHOD,
        "prior": PRIOR_PARAMS.to_dict(),
        "data": {"first": first.isoformat(), "last": last.isoformat()},
        "calibrations": [c.to_dict() for c in cals],
    }
    # the fitted months: an event or a date before the first fitted month would be
    # predicted by the prior, not by any fit of this run
    bt_start = fitted_from
    month_end = as_ofs[-1] + pd.DateOffset(months=1) - pd.Timedelta(microseconds=1)
    bt_end = min(utc_end(end_day), month_end)

    def cal_at(ts: pd.Timestamp) -> Calibration:
        best = cals[0]
        for c in cals:
            if c.as_of is not None and c.as_of <= ts:
                best = c
        return best

    if backtest:
        say(f"{a}: event back-test {bt_start:%Y-%m-%d} → {bt_end:%Y-%m-%d} (the fitted months)")
        bt = run_backtest(ohlc, liquidations, market_at, cal_at, asset=a, start=bt_start,
                          end=bt_end, trigger=f, n_paths=n_paths)  # fmt: skip
        doc["backtest"] = backtest_record(bt)
        say(f"{a}: back-test {bt.n_events} events")
    if follow_through:
        rec = follow_through_of(ohlc, market_at, cal_at, asset=a, start=bt_start, end=bt_end,
                                progress=say)  # fmt: skip
        if rec is not None:
            doc["follow_through"] = rec
    return doc


def follow_through_of(
    ohlc: pd.DataFrame,
    market_at: MarketAt,
    calibration_at: Callable[[pd.Timestamp], Calibration],
    *,
    asset: str,
    start: Any,
    end: Any,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any] | None:
    """The stored follow-through of a calibration document (its ``follow_through`` key).

    :func:`~liqcascade.cascade._follow_through.calibrated_follow_through` on every date
    from ``start`` to ``end`` with
    :data:`~liqcascade.cascade._follow_through.RECORD_SETTINGS`: each date's market
    (``market_at``), the hourly volatility and residuals known then (``ohlc``) and
    ``calibration_at(date)``, the calibration fitted before it.

    Returns
    -------
    dict or None
        :func:`~liqcascade.cascade._follow_through.follow_through_record`; None when no
        date of the period has a market.
    """
    from liqcascade.cascade._follow_through import (
        RECORD_SETTINGS,
        NoMarketDate,
        calibrated_follow_through,
        follow_through_record,
    )

    say = progress or (lambda _m: None)
    a = asset.upper()
    st = RECORD_SETTINGS
    say(f"{a}: follow-through after a {-st['shock'] * 100:g} % fall on every date "
        f"{utc_time(start):%Y-%m-%d} → {utc_time(end):%Y-%m-%d} "
        f"({st['n_paths']} paths each)")  # fmt: skip
    try:
        m = calibrated_follow_through(
            a, start, end, shock=st["shock"], beyond=st["beyond"], n_paths=st["n_paths"],
            seed=st["seed"], hourly=ohlc, market_at=market_at, calibration_at=calibration_at,
        )  # fmt: skip
    except NoMarketDate as exc:  # no date of the period has a market
        say(f"{a}: no follow-through stored ({exc})")
        return None
    say(f"{a}: follow-through {m.n_dates} dates")
    return follow_through_record(m, seed=int(st["seed"]))


def backtest_record(bt: BacktestResult) -> dict[str, Any]:
    """The event back-test as a calibration document stores it (its ``backtest`` key).

    The window, the metrics, the split by the position book's sample and the
    per-event record (:func:`liqcascade.cascade._scores.per_event_record`) that
    :func:`liqcascade.cascade._clock.backtest_score` re-scores at a market's date.
    """
    bd = bt.to_dict()
    split = {k: bd[k] for k in ("covered_start", "covered_end", "n_skipped",
                                "n_book_in_sample", "book_out_of_sample_from",
                                "metrics_book_in_sample", "metrics_book_out_of_sample")
             if k in bd}  # fmt: skip
    return {"start": bt.start, "end": bt.end, "n_events": bt.n_events,
            "scored": backtest_period_note(bt.start, bt.end),
            **bd["metrics"], **split, "per_event": per_event_record(bt.events)}  # fmt: skip
