"""CLI: ``liqcascade cascade backtest``, ``cascade calibrate`` and ``cascade --liquidity``.

This module also holds the data loaders the back-test and the calibration use
(:func:`load_inputs`; the model in :mod:`liqcascade.cascade._backtest` takes frames).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liqcascade._cli import _book_units, _common, _market_line
from liqcascade._cli._fraction_options import FRACTION
from liqcascade._prices import percent_text

if TYPE_CHECKING:
    import pandas as pd


def _store_key(store: Any) -> tuple[Any, Any]:
    """``(store, stamp)``: the store as ``load_series`` takes it, and its file's stamp.

    ``store`` is a path's resolved text, or None/True/False as given; the stamp (the
    file's path and modification time) lets the caches below tell apart a default
    store that ``$LIQCASCADE_STORE`` moved, or a store written since.
    """
    from liqcascade.data import default_store_path

    if store is False:
        return store, None
    path = default_store_path() if store is None or store is True else Path(
        getattr(store, "path", store)
    ).expanduser().resolve()  # fmt: skip
    stamp = (str(path), path.stat().st_mtime_ns if path.exists() else None)
    return (store if store is None or store is True else str(path)), stamp


@lru_cache(maxsize=4)
def _series(asset: str, key: tuple[Any, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    from liqcascade.cascade import asset_series

    return (
        asset_series("ohlcv", asset, "1h", "hourly prices", key[0]),
        asset_series("liquidations", asset, "4h", "4-hour liquidations", key[0]),
    )


@lru_cache(maxsize=4)
def _market_at(asset: str, key: tuple[Any, Any]) -> Any:
    from liqcascade.cascade import estimated_market_at

    return estimated_market_at(asset=asset, store=key[0])


def load_inputs(
    asset: str, store: Any = None, *, market: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """Hourly prices, recorded liquidations and the back-test's ``market_at`` of ``asset``.

    The series come through :func:`liqcascade.data.load_series` (``store``'s rows
    first, then the bundled ones): any asset with hourly OHLCV and 4-hour
    liquidations in the store. Each event's market is
    :func:`liqcascade.market.estimated_market` of ``MarketSpec(asset, as_of=previous
    close, store=store)`` (the identified position book, modelled stops, the
    all-venue depth × the venue's share), re-centred on the previous close, built by
    :class:`liqcascade.cascade._event_markets.EventMarkets` (one walk per book
    calibration; checked against ``estimated_market``); markets are cached per event
    (this function is cached per asset and store). ``market_at.book_at`` gives the
    identified book the liquidation prediction advances along the paths.

    Parameters
    ----------
    asset : str
    store : str, Path, bool, optional
        As in :func:`liqcascade.data.load_series` (``None``: the default store if it
        exists; ``False``: bundled data only).
    market : bool
        Also build ``market_at`` (None otherwise); it fails when the market of
        ``asset`` cannot be estimated (no open interest, no book calibration).
    """
    a, key = asset.upper(), _store_key(store)
    ohlc, liq = _series(a, key)
    return ohlc, liq, (_market_at(a, key) if market else None)


def bundled_inputs(asset: str) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """:func:`load_inputs` on the bundled data only (no store)."""
    return load_inputs(asset, False)


#: The issue's goal for ``liq_corr`` (issue 18).
LIQ_CORR_GOAL = 0.7


def _ceiling_text(m: dict[str, Any]) -> str:
    """The liquidation prediction beside its diagnostic ceilings (they read the outcome).

    ``realised_path_liq_corr``: the same book, law and signals stepped over the
    realised bars; ``known_move_liq_corr``: an in-sample fit of the record on the
    realised move. Neither is a prediction; together they split the miss between the
    path (unknowable ex ante) and the book.
    """

    def f(k: str) -> str:
        return _f2(m.get(k))

    pred, ceil = m.get("liq_corr"), m.get("realised_path_liq_corr")
    text = (
        f"liquidation log-corr: prediction {f('liq_corr')} · diagnostic ceilings that know "
        f"the outcome (not predictions): the same book on the realised path "
        f"{f('realised_path_liq_corr')} (within 2x {f('realised_path_liq_within_2x_share')}), "
        f"an in-sample fit on the realised move {f('known_move_liq_corr')} "
        f"({f('known_move_with_prediction_liq_corr')} with the prediction) · goal "
        f"{LIQ_CORR_GOAL:.1f}"
    )
    if pred is None or ceil is None or not (math.isfinite(pred) and math.isfinite(ceil)):
        return text
    if pred >= LIQ_CORR_GOAL:
        return text + ": the prediction meets it"
    if ceil >= LIQ_CORR_GOAL:
        return (
            text + ": the book meets it only when given the realised path; the prediction "
            "misses it because its paths, drawn at the previous close, do not know that path"
        )
    return text + ": even the realised path does not reach it, so the book misses too"


def _coverage_line(result: dict[str, Any]) -> str:
    """The interval coverage, then the liquidation scores (or why there are none)."""
    m = result["metrics"]
    head = f"80 % interval coverage {_f2(m.get('coverage_80'))} · "
    if result.get("prices_only"):
        return head + (
            "prices only: no book and no liquidation record (the move forecast alone; "
            "no liquidation prediction)"
        )
    return head + (
        f"liquidations (identified book along the paths): log-corr {_f2(m.get('liq_corr'))}, "
        f"within 2x {_f2(m.get('liq_within_2x_share'))} (static book + background "
        f"{_f2(m.get('book_background_liq_corr'))}, "
        f"{_f2(m.get('book_background_liq_within_2x_share'))}; "
        f"static book alone {_f2(m.get('book_only_liq_corr'))}, "
        f"{_f2(m.get('book_only_liq_within_2x_share'))}; background alone "
        f"{_f2(m.get('background_baseline_liq_corr'))}, "
        f"{_f2(m.get('background_baseline_liq_within_2x_share'))})"
    )


def _render_backtest(result: dict[str, Any]) -> None:
    from rich.table import Table

    from liqcascade.cascade import MIN_COMPARISON_EVENTS, trigger_text

    m = result["metrics"]
    cs, ce = result.get("covered_start"), result.get("covered_end")
    span = "" if cs is None or ce is None else f" (scored span {_hm(cs)} → {_hm(ce)} UTC)"
    _common.stdout.print(
        f"[bold]{_common.esc(result['asset'])}[/] events {result['start'][:10]} → "
        f"{result['end'][:10]}, "
        f"trigger {trigger_text(result['trigger'])}: {result['n_events']} "
        f"event{'' if result['n_events'] == 1 else 's'} scored{span}"
    )
    note = _market_line.store_note({"sources": result.get("sources") or {}})
    if note:
        _common.stdout.print(note, markup=False)
    for line in skipped_lines(result):
        _common.stdout.print(line)
    if result["n_events"] == 0:
        _common.stdout.print(f"{no_events_text(result['trigger'])}, so there is nothing to score")
        return
    t = Table(title="extreme move within 24 h (pp = percentage points)")
    for c in ("model", "MAE (pp)", "model − baseline (pp, 90 % interval)", "p (DM)", "verdict"):
        t.add_column(c)
    label = "calibrated response, prices only" if result.get("prices_only") else (
        "calibrated liquidity response"
    )  # fmt: skip
    t.add_row(label, f"{m['move_mae_pp']:.2f}", "", "", "")
    from liqcascade.cascade import move_verdicts

    verdicts = move_verdicts(m)
    few = "too few events" if result["n_events"] < MIN_COMPARISON_EVENTS else "n/a"
    for b, label in BASELINE_LABELS.items():
        if f"{b}_baseline_move_mae_pp" in m:
            t.add_row(label, f"{m[f'{b}_baseline_move_mae_pp']:.2f}", *_comparison_cells(m, b),
                      _VERDICT_WORDS.get(str(verdicts.get(b)), few))  # fmt: skip
    _common.stdout.print(t)
    if result.get("n_events_before_window") == 0:
        _common.stdout.print(
            f"no events before the window: the empirical ratio is 1 (the {_base('empirical')} "
            f"baseline is the {_base('trigger')} baseline)"
        )
    if "expanding_baseline_move_mae_pp" in m:
        _common.stdout.print(
            f"{_base('expanding')}: the empirical ratio re-estimated before each event on "
            "every event whose 24 h had ended (the information the model's intervals use); "
            f"the issue's {_base('empirical')} baseline fixes the ratio at the window's start",
            soft_wrap=True,
        )
    _common.stdout.print(_coverage_line(result))
    if result.get("prices_only"):
        _common.stdout.print(verdict_sentence(m))
        return
    _common.stdout.print(_ceiling_text(m))
    _common.stdout.print(verdict_sentence(m))
    for line in subset_lines(result):
        _common.stdout.print(line)


def _f2(v: Any) -> str:
    """Two decimals, or n/a (:func:`liqcascade._prices.fmt_or_na`)."""
    from liqcascade._prices import fmt_or_na

    return fmt_or_na(v, ".2f")


#: How each subset of a back-test's events is said (the keys of :func:`book_split`).
SUBSET_LABELS: dict[str, str] = {
    "metrics_book_in_sample": "liquidity out of sample, book in sample",
    "metrics_book_out_of_sample": "both out of sample",
}


def subset_score_text(sm: dict[str, Any]) -> str:
    """One subset's scores: move MAE against both baselines, coverage, liquidations."""
    from liqcascade.cascade import move_verdicts

    v = move_verdicts(sm)

    def said(b: str) -> str:
        w = _VERDICT_WORDS.get(str(v.get(b)))
        return f"{_f2(sm.get(f'{b}_baseline_move_mae_pp'))}" + (f": {w}" if w else "")

    expanding = (
        f"; {_base('expanding')} {said('expanding')}"
        if "expanding_baseline_move_mae_pp" in sm
        else ""
    )
    text = (
        f"move MAE {_f2(sm.get('move_mae_pp'))} pp ({_base('empirical')} baseline "
        f"{said('empirical')}{expanding}; {_base('trigger')} {said('trigger')}), 80 % coverage "
        f"{_f2(sm.get('coverage_80'))}"
    )
    if "liq_corr" in sm:
        text += (
            f", liquidation log-corr {_f2(sm.get('liq_corr'))}, within 2x "
            f"{_f2(sm.get('liq_within_2x_share'))}"
        )
    return text


def subset_lines(result: dict[str, Any]) -> list[str]:
    """One line per subset of the scored events: book in sample, both out of sample.

    Every event's liquidity calibration is fitted on events before it; the events
    before the position book's first fit use a book trained on data after them
    (``book_in_sample``). Empty when the result has no split; a subset without events
    has no line.
    """
    first = result.get("book_out_of_sample_from")
    out = []
    for key, label in SUBSET_LABELS.items():
        sm = result.get(key)
        if not isinstance(sm, dict):
            continue
        n = int(sm.get("n_events") or 0)
        when = ""
        if first:
            when = f" before {first[:10]}" if key == "metrics_book_in_sample" else (
                f" from {first[:10]}"
            )  # fmt: skip
        if n == 0:  # an empty subset has no score to print
            continue
        word = "event" if n == 1 else "events"
        out.append(f"{label}: {n} {word}{when}: {subset_score_text(sm)}")
    return out


def in_sample_warnings(result: dict[str, Any]) -> list[str]:
    """The back-test's look-ahead warnings, counted over the scored events.

    "50 of 125 events before 2025-03-01 use a position book fitted after them (in
    sample) ..."; the same for the assumed depth exponent β (the median of the shipped
    assets' β, fitted on bars to 2025-07-31).
    """
    n = int(result.get("n_events") or 0)
    out = []
    k = int(result.get("n_book_in_sample") or 0)
    if n and k:
        first = result.get("book_out_of_sample_from")
        before = f" before {first[:10]}" if first else ""
        out.append(
            f"{k} of {n} events{before} use a position book fitted after them (in sample; "
            "their liquidity fit is out of sample): the score of the events with both out "
            "of sample is printed beside the pooled one"
        )
    b = int(result.get("n_beta_assumed") or 0)
    if n and b:
        from liqcascade.cascade import beta_assumed_text

        flagged = [e["ts"] for e in result.get("events", []) if e.get("beta_assumed")]
        out.append(beta_assumed_text(b, n, flagged[-1] if flagged else ""))
    return out


def _hm(iso: str) -> str:
    """``YYYY-MM-DD HH:MM`` of an ISO time."""
    import pandas as pd

    return pd.Timestamp(iso).strftime("%Y-%m-%d %H:%M")


def skipped_lines(result: dict[str, Any]) -> list[str]:
    """The back-test's unscored events and unscored liquidations, one line per reason.

    "N events after 2025-07-31 20:00 not scored: no open interest" (the time named is
    the last open-interest bar's open when they all come after it, its first bar's
    when they all come before), then the events whose liquidations are not scored.
    """
    out = []
    oi = result.get("open_interest_span")
    for sk in result.get("skipped") or []:
        n = int(sk["n"])
        word = "event" if n == 1 else "events"
        out.append(f"{n} {word} {_skip_when(sk, oi)} not scored: {sk['reason']}")
    k = int(result.get("n_without_liquidation_record") or 0)
    if k and not result.get("prices_only"):
        word = "event has" if k == 1 else "events have"
        out.append(
            f"{k} scored {word} no full 24 h of recorded liquidations: left out of the "
            "liquidation scores (their moves are scored)"
        )
    return out


def _skip_when(sk: dict[str, Any], oi: Any) -> str:
    """When a group of unscored events lies: "at …", "between … and …", "after …", "before …".

    For the events without open interest, the side of the open interest's span they lie
    on (``oi``: its first and last bar's close, ISO) when they are all on one side.
    """
    import pandas as pd

    from liqcascade.market import MARKET_BAR

    first, last = pd.Timestamp(sk["first"]), pd.Timestamp(sk["last"])
    where = (
        f"at {_hm(sk['first'])}" if first == last
        else f"between {_hm(sk['first'])} and {_hm(sk['last'])}"
    )  # fmt: skip
    if sk["reason"] == "no open interest" and oi:
        lo, hi = pd.Timestamp(oi[0]) - MARKET_BAR, pd.Timestamp(oi[1]) - MARKET_BAR
        if first > hi:
            where = f"after {hi:%Y-%m-%d %H:%M}"
        elif last < lo + MARKET_BAR:
            where = f"before {lo + MARKET_BAR:%Y-%m-%d %H:%M} (the first open-interest bar's close)"
    return where


def no_events_text(trigger: float) -> str:
    """Why a window holds no event: no bar reached the trigger (the window has prices)."""
    from liqcascade.cascade import trigger_text

    return (
        f"no events in this range: no bar moved the trigger {trigger_text(trigger)} from the "
        "previous close"
    )


#: How a verdict of the model against a baseline reads (see ``move_verdicts``).
_VERDICT_WORDS = {"beats": "model beats", "loses": "model loses", "ties": "tie"}


#: The move baselines' rows of the back-test table, in order (the optional expanding
#: one only where the back-test has it), named as the report names them (``_base``).
BASELINE_LABELS: dict[str, str] = {
    "trigger": "baseline: Trigger",
    "empirical": "baseline: Empirical ratio",
    "expanding": "baseline: Expanding ratio",
}


def _base(key: str) -> str:
    """A move baseline's name as the report spells it (``Empirical``): one spelling."""
    from liqcascade.report import display_name

    return display_name("baseline", key)


def _comparison_cells(m: dict[str, Any], b: str) -> tuple[str, str]:
    """``(difference with its interval, DM p-value)`` of the model against baseline ``b``."""

    def ok(v: Any) -> bool:
        return v is not None and math.isfinite(v)

    d, lo, hi = (m.get(f"move_mae_diff_vs_{b}_pp{x}") for x in ("", "_p05", "_p95"))
    p = m.get(f"move_mae_dm_pvalue_vs_{b}")
    if not (ok(d) and ok(lo) and ok(hi)):
        return "n/a", "n/a"
    return f"{d:+.3f} ({lo:+.3f} … {hi:+.3f})", (p_text(p) if p is not None and ok(p) else "n/a")


def p_text(p: float) -> str:
    """A p-value as printed, by the report's rule: ``< 0.001``, ``0.032``, ``0.41``."""
    from liqcascade._pvalue import pvalue_text

    return pvalue_text(p)


def verdict_sentence(m: dict[str, Any]) -> str:
    """The back-test's move verdict against both baselines, in one line.

    A baseline is beaten only when the 90 % paired-bootstrap interval of the error
    difference lies below zero; a difference inside the noise is a tie, said as one.
    """
    from liqcascade.cascade import MIN_COMPARISON_EVENTS, move_verdicts

    v = move_verdicts(m)
    if any(x is None for x in v.values()):
        return (
            "too few events to compare the model with its baselines (a paired comparison "
            f"needs at least {MIN_COMPARISON_EVENTS})"
        )
    parts = []
    for b in ("empirical", "trigger"):
        word = {"beats": "beats", "loses": "loses to", "ties": "ties"}[v[b] or "ties"]
        parts.append(f"{word} the {_base(b)} baseline")
    text = "the model " + " and ".join(parts) + " (a baseline is beaten only when the 90 % "
    text += "paired-bootstrap interval of the per-event error difference lies below 0)"
    return f"[bold]{text}[/]" if "beats" not in v.values() else text


_StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="DuckDB store read first (default $LIQCASCADE_STORE or ~/.liqcascade/store.duckdb).",
    ),
]


def _store_arg(store: Path | None) -> Any:
    """``--store`` as the library takes it: None (the default store) or an existing file."""
    if store is None:
        return None
    p = store.expanduser()
    if p.is_dir():
        _common.fail(f"--store: {p} is a folder, not a store file")
    if not p.is_file():
        _common.fail(f"--store: {p} does not exist (ingest data with `liqcascade data ingest`)")
    return p


_JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]
_BtTriggerOpt = Annotated[
    float | None,
    typer.Option(
        "--trigger",
        help="Trigger F, fraction or percent (default the calibration's: 0.02 ETH, 0.015 BTC).",
    ),
    FRACTION,
]

_PricesOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--prices-only",
        help="Score the move forecast on prices alone: no estimated book (no positions, "
        "stops or depth: nothing is forced, the paths are the index's) and no "
        "liquidation record, so events are scored wherever hourly prices are — past "
        "the bundled open interest (2025-07-31) to the last hourly bar. The "
        "liquidation prediction is off.",
    ),
]

_BtStartOpt = Annotated[
    str | None,
    typer.Option(
        "--start",
        help="First event date (UTC); default the first as-of date of the asset's "
        "liquidity calibration (2024-11-01 for the bundled ETH and BTC).",
    ),
]
_BtEndOpt = Annotated[
    str | None,
    typer.Option(
        "--end",
        help="Last event date (UTC, inclusive); default the day of the asset's last "
        "liquidation bar (2025-07-31 for the bundled ETH and BTC).",
    ),
]


def backtest_cmd(
    asset: Annotated[
        str, typer.Option("--asset", help="Asset (bundled ETH, BTC; any asset in the store).")
    ] = "ETH",
    start: _BtStartOpt = None,
    end: _BtEndOpt = None,
    trigger: _BtTriggerOpt = None,
    paths: Annotated[int, typer.Option("--paths", help="Monte Carlo paths per event.")] = 200,
    prices_only: _PricesOnlyOpt = False,
    store: _StoreOpt = None,
    as_json: _JsonOpt = False,
) -> None:
    """The event back-test of the calibrated liquidity response.

    Events are the first hourly bars whose low (high) lies at least F below (above)
    the previous close, one per 24 h. Each is predicted from the market at the
    previous close with the calibration fitted on events before it (the store's,
    from `liqcascade cascade calibrate`, else the package's). Beside the
    liquidation prediction it shows two diagnostic ceilings that read the outcome and
    are never predictions: the same book on the realised path, and an in-sample fit
    on the realised move. Events before the position book's first fit use a book
    trained on data after them (book in sample, liquidity out of sample): they are
    counted on stderr, flagged per event (book_in_sample) and scored apart from the
    events with both out of sample (metrics_book_in_sample, metrics_book_out_of_sample).

    Example: liqcascade cascade backtest --asset ETH --start 2024-11-01 --end 2025-07-31 --json
    """
    from liqcascade.cascade import (
        check_backtest_options,
        load_liquidity,
        run_backtest,
        run_prices_only_backtest,
    )

    a = asset.upper()
    _common.flag_names(n_paths="--paths")
    check_backtest_options(trigger, paths)  # the library's own checks, before any loading
    _check_window_dates(start or "2000-01-01", end or "2100-01-01")
    st = _store_arg(store)
    ohlc, liq, market_at, doc = _backtest_inputs(a, st, market=not prices_only)
    start, end = _default_window(doc, liq, start, end)
    _check_window_dates(start, end)
    f = trigger if trigger is not None else float(doc.get("trigger", 0.0)) or None
    _check_window(a, ohlc, liq, market_at, start, end)
    kw: dict[str, Any] = {"asset": a, "start": start, "end": end, "trigger": f, "n_paths": paths}
    cal_at = lambda ts: load_liquidity(a, ts, st)  # noqa: E731
    with _common.progress("predicting the events") as advance:  # a line per ~10 s: "N done"
        if prices_only:
            res = run_prices_only_backtest(ohlc, cal_at, **kw, advance=advance)
        else:
            res = run_backtest(ohlc, liq, market_at, cal_at, **kw, advance=advance)
    d = {**res.to_dict(), "sources": {**_sources(ohlc, liq), **_cal_sources(a, st, market_at)}}
    if res.n_events == 0:
        _none_scored(a, d, ohlc, liq, market_at, as_json)
    for line in in_sample_warnings(d):
        _common.warn(line)
    _common.emit(d, as_json, _render_backtest)


def _sources(ohlc: pd.DataFrame, liq: pd.DataFrame) -> dict[str, str]:
    """Where the back-test read its series (``load_series``'s ``source`` of each)."""
    return {
        what: str(frame.attrs["source"])
        for what, frame in (("prices", ohlc), ("liquidations", liq))
        if frame.attrs.get("source")
    }


def _cal_sources(a: str, st: Any, market_at: Any) -> dict[str, str]:
    """Where the back-test's calibrations were read: the liquidity one's, the book's.

    ``"store:PATH"`` or ``"package:…"`` (the JSON's ``sources``, which the text's store
    line names when it is the store's); no book without a market (``--prices-only``).
    """
    from liqcascade.cascade import liquidity_document

    out = {"liquidity_calibration": liquidity_document(a, st)[1]}
    book = str(getattr(getattr(market_at, "calibration", None), "source", "") or "")
    if book:
        out["book_calibration"] = book
    return out


def _default_window(
    doc: dict[str, Any], liq: pd.DataFrame, start: str | None, end: str | None
) -> tuple[str, str]:
    """``--start`` / ``--end`` as given, else the asset's own span.

    Start: the first as-of date of the liquidity calibration ``doc`` (the first month
    the response is fitted on events before it), else the first liquidation bar's day;
    end: the day of the last liquidation bar.
    """
    import pandas as pd

    if start is None:
        cals = doc.get("calibrations") or []
        first = cals[0].get("as_of") if cals else None
        start = str(first)[:10] if first else f"{pd.Timestamp(liq.index[0]):%Y-%m-%d}"
    if end is None:
        end = f"{pd.Timestamp(liq.index[-1]):%Y-%m-%d}"
    return start, end


def _check_window_dates(start: str, end: str) -> None:
    """Exit 2 on a missing or reversed window (the trigger and paths: the library's)."""
    t0 = _common.parse_date(start, "--start")
    t1 = _common.parse_date(end, "--end")
    if t0 is None or t1 is None:
        _common.fail("--start and --end are required")
    if t1 < t0:
        _common.fail(f"--end {end} is before --start {start}")


def _backtest_inputs(
    a: str, st: Any, *, market: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, Any, dict[str, Any]]:
    """Prices, liquidations, ``market_at`` (None without ``market``), the calibration doc.

    Exits 2 when the asset has no data or no liquidity calibration.
    """
    from liqcascade.cascade import liquidity_document
    from liqcascade.errors import CalibrationNotFound

    with _common.progress("loading the market"):
        ohlc, liq, _ = load_inputs(a, st, market=False)  # the data first: its error is clearer
        try:
            doc, _src = liquidity_document(a, st)
        except CalibrationNotFound as exc:  # say how to make one (a broken file says itself)
            said = str(exc.args[0]).split(" (`liqcascade ", 1)[0]  # the command, once
            _common.fail(f"{said} (`liqcascade cascade calibrate --asset {a}`)")
        ohlc, liq, market_at = load_inputs(a, st, market=market)
    return ohlc, liq, market_at, doc


def _check_window(a: str, ohlc: Any, liq: Any, market_at: Any, start: str, end: str) -> None:
    """Exit 2 when ``[start, end]`` holds no hour with the prices an event needs.

    An event needs the previous hour's close and 24 h of hourly prices after it; a
    window without such an hour can hold no event (the events found but not scored,
    for want of open interest, are said after the run: :func:`_none_scored`). The line
    names the spans the asset's data cover (:func:`_data_spans`).
    """
    from liqcascade._time import to_utc, utc_end
    from liqcascade.cascade import covered_span

    if covered_span(ohlc, to_utc(start), utc_end(end), None) is not None:
        return
    _common.fail(
        f"--start/--end: {start} → {end} holds no event the back-test can score; "
        f"{_data_spans(a, ohlc, liq, market_at)}"
    )


def _data_spans(a: str, ohlc: Any, liq: Any, market_at: Any) -> str:
    """``ETH's open interest …, recorded liquidations … and hourly prices … (UTC, bar opens)``."""
    import pandas as pd

    from liqcascade.market import MARKET_BAR

    span = getattr(market_at, "span", None)
    li, px = pd.DatetimeIndex(liq.index), pd.DatetimeIndex(ohlc.index)
    oi = "" if span is None else (
        f"open interest {span[0] - MARKET_BAR:%Y-%m-%d %H:%M} → "
        f"{span[1] - MARKET_BAR:%Y-%m-%d %H:%M}, "
    )  # fmt: skip
    return (
        f"{a}'s {oi}recorded liquidations {li[0]:%Y-%m-%d %H:%M} → {li[-1]:%Y-%m-%d %H:%M} "
        f"and hourly prices {px[0]:%Y-%m-%d} → {px[-1]:%Y-%m-%d} (UTC, bar opens)"
    )


def _none_scored(
    a: str, d: dict[str, Any], ohlc: Any, liq: Any, market_at: Any, as_json: bool
) -> None:
    """A back-test ``d`` that scored no event: exit 2 when it found some, else say why.

    Events found but none scorable (no open interest, no 24 h of prices after them):
    one line with their count, each reason, the data's spans and, when open interest
    was missing, ``--prices-only``. No event found: the window has prices but no bar
    reached the trigger, a valid empty result (said on stderr beside the JSON; the
    text view says it itself).
    """
    from liqcascade.cascade import trigger_text

    skipped = d.get("skipped") or []
    if not skipped:
        if as_json:
            _common.warn(no_events_text(d["trigger"]))
        return
    n = sum(int(sk["n"]) for sk in skipped)
    # one level of brackets: _skip_when's own "(the first open-interest bar's close)"
    why = ", ".join(
        f"{sk['n']} {_skip_when(sk, d.get('open_interest_span'))} "
        f"{'has' if int(sk['n']) == 1 else 'have'} {sk['reason']}"
        for sk in skipped
    )
    hint = ""
    if any(sk["reason"] == "no open interest" for sk in skipped) and not d.get("prices_only"):
        hint = "; --prices-only scores the move on prices alone, wherever hourly prices are"
    _common.fail(
        f"--start/--end: {d['start'][:10]} → {d['end'][:10]} has {n} "
        f"event{'' if n == 1 else 's'} at trigger {trigger_text(d['trigger'])}, none the "
        f"back-test can score: {why}; {_data_spans(a, ohlc, liq, market_at)}{hint}"
    )


_CalTriggerOpt = Annotated[
    float | None,
    typer.Option(
        "--trigger",
        help="Trigger F, fraction or percent (default ETH 0.02, BTC 0.015, other assets the "
        "volatility rule of docs/liquidity.md).",
    ),
    FRACTION,
]
_CalStartOpt = Annotated[
    str | None,
    typer.Option("--start", help="First as-of month to fit (default the data's first)."),
]
_CalEndOpt = Annotated[
    str | None,
    typer.Option("--end", help="Last as-of month to fit (default the month after the data)."),
]
_CalBacktestOpt = Annotated[
    bool,
    typer.Option(
        "--backtest/--no-backtest",
        help="Store the event back-test of the fitted calibrations (the out-of-sample "
        "score every calibrated answer prints).",
    ),
]
_CalFollowOpt = Annotated[
    bool,
    typer.Option(
        "--follow-through/--no-follow-through",
        help="Store the follow-through after a 5 % fall on every date of the fitted months "
        "(400 paths, seed 0: the rows the report shows; `liqcascade cascade "
        "follow-through` re-computes them).",
    ),
]
_CalOutOpt = Annotated[
    Path | None, typer.Option("--out", help="Write the calibration to this JSON file instead.")
]


def calibrate_cmd(
    asset: Annotated[str, typer.Option("--asset", help="Asset whose data are in the store.")],
    trigger: _CalTriggerOpt = None,
    start: _CalStartOpt = None,
    end: _CalEndOpt = None,
    backtest: _CalBacktestOpt = True,
    follow_through: _CalFollowOpt = True,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulations.")] = 0,
    store: _StoreOpt = None,
    out: _CalOutOpt = None,
    as_json: _JsonOpt = False,
) -> None:
    """Fit the liquidity response of --asset on its data, expanding window, month by month.

    The procedure of the shipped ETH and BTC calibrations: trigger-defined events of
    the span covered by the hourly prices and the recorded liquidations, each
    simulated from its estimated market; at each month start a grid search of latent
    depth × resilience on the events whose 24 h ended before it, with bootstrap draws.
    Written beside the store (<store>.calibrations/liquidity/ASSET.json), where every
    calibrated answer for the asset then finds it. Progress goes to stderr.

    Example: liqcascade cascade calibrate --asset SOL --store ~/data/sol.duckdb
    """
    from liqcascade._calibrations import store_calibration_path
    from liqcascade.cascade import calibration_months, check_trigger, fit_liquidity_document

    a = asset.strip().upper()
    if not a:
        _common.fail("--asset is empty: give an asset like SOL")
    if trigger is not None:
        check_trigger(trigger)  # the library's own check, before any loading
    _common.check_seed(seed)
    t0 = _common.parse_date(start, "--start")
    t1 = _common.parse_date(end, "--end")
    if t0 is not None and t1 is not None and t1 < t0:
        _common.fail(f"--end {end} is before --start {start}")
    st = _store_arg(store)
    if out is not None:
        out = _common.output_file(out, "--out")
    elif store_calibration_path("liquidity", a, st) is None:
        _common.fail("--store: no store to write beside; give --store or --out")
    ohlc, liq, _ = load_inputs(a, st, market=False)
    months = calibration_months(ohlc, liq)
    pick = _pick_months(a, months, t0, t1)
    _, _, market_at = load_inputs(a, st)
    _warn_in_sample_books(a, market_at, liq)
    _common.info(f"calibrating {a}: {_months_text(months, pick)}")
    doc = fit_liquidity_document(ohlc, liq, market_at, asset=a, trigger=trigger,
                                 months=list(pick), seed=seed, backtest=backtest,
                                 follow_through=follow_through,
                                 progress=_common.info)  # fmt: skip
    written = _write_liquidity(a, doc, st, out)
    _common.emit(_calibration_summary(a, doc, written), as_json, _render_calibration)


def _warn_in_sample_books(a: str, market_at: Any, liq: pd.DataFrame) -> None:
    """One warning when events precede the position book's first fit (their books are in sample).

    Each event's market walks the book fit of its month; before the calibration's first
    fit month there is none trained on earlier data, so those events use the first fit,
    trained on data after them. Their liquidity fits and the stored back-test rest on it.
    """
    import pandas as pd

    cal = getattr(market_at, "calibration", None)
    fits = getattr(cal, "fits", None)
    if not fits or len(liq) == 0:
        return
    first = min(pd.Timestamp(f.month).tz_localize("UTC") for f in fits)
    start = pd.DatetimeIndex(liq.index)[0]
    if start < first:
        _common.warn(
            f"{a}'s events from {start:%Y-%m-%d} to {first - pd.Timedelta(days=1):%Y-%m-%d} "
            f"are simulated on the position-book fit for {first:%Y-%m}, trained on data after "
            "them (in sample); the liquidity fits and the stored back-test of those months "
            "rest on it"
        )


def _write_liquidity(a: str, doc: dict[str, Any], st: Any, out: Path | None) -> Path:
    """Write ``doc`` to ``out``, else as the store's calibration of ``a``; say where."""
    from liqcascade._calibrations import write_calibration
    from liqcascade._paths import write_atomic

    if out is not None:
        import json

        out.parent.mkdir(parents=True, exist_ok=True)
        written = write_atomic(out, json.dumps(doc, indent=1) + "\n")
    else:
        written = write_calibration("liquidity", a, doc, st)
    _common.info(f"written: {written}")
    return written


def _calibration_summary(a: str, doc: dict[str, Any], written: Path) -> dict[str, Any]:
    """What ``cascade calibrate`` prints of a fitted document (``--json``'s object)."""
    return {
        "asset": a,
        "trigger": doc["trigger"],
        "trigger_rule": doc["trigger_rule"],
        "written": str(written),
        "data": doc["data"],
        "calibrations": [
            {
                "as_of": c["as_of"],
                "n_events": c["n_events"],
                "latent_depth": c["params"]["latent_depth"],
                "resilience_half_life_s": c["params"]["resilience_half_life_s"],
                "vol_multiplier": c["vol_multiplier"],
                "note": c["note"],
            }
            for c in doc["calibrations"]
        ],
        "backtest": doc.get("backtest"),
    }


def _pick_months(a: str, months: Any, t0: Any, t1: Any) -> Any:
    """The as-of months of ``months`` from ``t0``'s month to ``t1`` (or exit 2)."""
    import pandas as pd

    pick = months
    if t0 is not None:
        pick = pick[pick >= t0 - pd.Timedelta(days=t0.day - 1)]
    if t1 is not None:
        pick = pick[pick <= t1]
    if len(pick) == 0:
        _common.fail(
            f"--start/--end: no as-of month in range; {a}'s data give "
            f"{months[0]:%Y-%m-%d} … {months[-1]:%Y-%m-%d}"
        )
    return pick


def _months_text(months: Any, pick: Any) -> str:
    """The as-of months a calibration fits: those picked and the first (the prior).

    ``fit_liquidity_document`` always fits the data's first month (no event before it:
    the prior, which every earlier date falls back to), so it is counted and named
    when the pick starts later: the count is the rows of the table printed after.
    """
    n = len(pick) + (months[0] not in pick)
    text = f"{n} as-of month{'' if n == 1 else 's'}, "
    if months[0] not in pick:
        text = f"{n} as-of months: {months[0]:%Y-%m} (the first, the prior: always fitted) and "
    if len(pick) == 1:
        return text + f"{pick[0]:%Y-%m}"
    return text + f"{pick[0]:%Y-%m} … {pick[-1]:%Y-%m}"


def _render_calibration(result: dict[str, Any]) -> None:
    from rich.table import Table

    from liqcascade.cascade import trigger_text

    t = Table(
        title=f"{_common.esc(result['asset'])} liquidity calibration, trigger "
        f"{trigger_text(result['trigger'])} ({result['trigger_rule']})"
    )
    for c in ("as of", "events", "latent depth", "resilience (s)", "k", "note"):
        t.add_column(c)
    for c in result["calibrations"]:
        t.add_row(
            c["as_of"][:10],
            str(c["n_events"]),
            f"{c['latent_depth']:g}",
            "none" if c["resilience_half_life_s"] is None else f"{c['resilience_half_life_s']:g}",
            f"{c['vol_multiplier']:.4f}",
            _common.esc(c["note"]),
        )
    _common.stdout.print(t)
    bt = result.get("backtest")
    if bt and bt.get("n_events"):
        _common.stdout.print(_oos_text(bt))
    _common.stdout.print(f"written to {result['written']}", markup=False)


def calibrated_cascade_cmd(
    asset: str,
    as_of: str | None,
    shock: float | None,
    shock_price: float | None,
    insurance_fund: float,
    as_json: bool,
) -> None:
    """``liqcascade cascade --liquidity calibrated`` on the estimated market of ``asset``.

    The library's :func:`liqcascade.cascade.cascade_answer` on the market, so the
    Python call and the command give one figure.
    """
    with _common.progress("estimating the market state"):  # its imports too (seconds)
        from liqcascade.cascade import cascade_answer
        from liqcascade.market import MarketSpec, estimated_market

        state = estimated_market(MarketSpec(asset=asset, as_of=as_of))
    warn_if_prior(state.asset, state.bar_close)
    with _common.progress("running the cascade on its paths"):
        out = cascade_answer(
            state, shock=shock, shock_price=shock_price, insurance_fund=insurance_fund
        )
    _book_units.emit(out, as_json, _render_calibrated)


def bar_text(bar_open: Any, bar_close: Any) -> str:
    """The market's 4-hour bar named by both ends (:func:`liqcascade._time.bar_text`).

    The report's label too; imported here, when called, so that this module loads no
    pandas (``liqcascade --help`` registers its commands).

    Parameters
    ----------
    bar_open, bar_close : datetime-like
        The bar's open and close, UTC.
    """
    from liqcascade._time import bar_text as text

    return text(bar_open, bar_close)


def warn_if_prior(asset: str, ts: Any, calibration: Any = None) -> dict[str, Any]:
    """One ``warning:`` line on stderr when the liquidity calibration at ``ts`` is the prior.

    The one check (:func:`liqcascade.cascade.is_prior`) and message of every command whose
    answer runs the calibrated response on an estimated market (``cascade``, ``solvency``,
    ``stress``).

    Parameters
    ----------
    asset : str
        The market's asset.
    ts : datetime-like or None
        The market's close (UTC), as the command loaded its calibration; None: the latest.
    calibration : LiquidityCalibration, optional
        The calibration at ``ts`` when the command loaded it already (not read again);
        None: loaded here (:func:`liqcascade.cascade.load_liquidity`).

    Returns
    -------
    dict
        The calibration in force, for the JSON's ``calibration``: ``as_of`` (ISO, UTC, or
        None), ``n_events`` (events before it) and ``prior`` (bool).
    """
    import pandas as pd

    from liqcascade.cascade import is_prior, load_liquidity

    cal = load_liquidity(asset, ts) if calibration is None else calibration
    prior = is_prior(cal)
    if prior:
        at = "" if ts is None else f" at {pd.Timestamp(ts):%Y-%m-%d %H:%M} UTC"
        _common.warn(
            f"the liquidity response{at} is the prior, "
            f"not a fit: {cal.n_events} events ended before it (a fit needs 8)"
        )
    as_of = None if cal.as_of is None else pd.Timestamp(cal.as_of).isoformat()
    return {"as_of": as_of, "n_events": int(cal.n_events), "prior": prior}


def _move_text(result: dict[str, Any], key: str) -> str:
    """A move figure, or the book's edge said as such (``≤ −40 % — beyond the modelled book``)."""
    v = result[key]
    if result.get(f"{key}_at_book_edge"):
        edge = float(result.get("book_edge_move", v))
        if abs(v) > abs(edge) + 1e-12:  # the shock itself lies past the book's last level
            return (
                f"{percent_text(v, 2)} — the shock alone passes the modelled book's edge "
                f"({percent_text(edge, 0, signed=True)})"
            )
        sign = "≤" if edge < 0 else "≥"
        return f"{sign} {percent_text(edge, 0, signed=True)} — beyond the modelled book"
    return percent_text(v, 2)


def calibrated_fragility_cmd(kw: dict[str, Any]) -> None:
    """``liqcascade cascade --fragility`` with the calibrated response (the default)."""
    from liqcascade.cascade import (
        calibrated_fragility,
        load_liquidity,
        prepare_market,
        prepared_draws,
    )
    from liqcascade.market import MarketSpec, estimated_market

    given = [k for k in ("shock", "shock_price", "shock_sell_usd", "shock_buy_usd") if kw.get(k)]
    if given:
        _common.fail("--fragility runs a grid of shocks: drop --" + given[0].replace("_", "-"))
    if kw.get("mid") is not None:
        _common.fail("--mid applies to --book files; the estimated market uses its own price")
    from liqcascade.cascade import is_prior, market_times, market_volatility

    with _common.progress("calibrated fragility"):
        state = estimated_market(MarketSpec(asset=kw["asset"], as_of=kw["as_of"]))
        ts, sigma, resid = market_volatility(state)
        pm = prepare_market(state)
        cal = load_liquidity(state.asset, ts)
        warn_if_prior(state.asset, ts, cal)  # the calibration loaded once
        books = prepared_draws(state)
        cf = calibrated_fragility(
            pm,
            calibration=cal,
            sigma_hourly=sigma,
            residuals=resid,
            total_move=kw["total_move"],
            n_paths=CURVE_PATHS,
            books=books,
        )
        report = _report_statistic(state, pm, cal, books, kw["total_move"])
        n_pairs = len(cal.draws or (cal.params,)) * max(1, len(books))
    curve = cf.curve.rename(columns={"static_bound_move": "static_final_move"})
    out = {
        "liquidity": "calibrated",
        **market_times(state),
        "mid": state.mid,
        "curve": _common.to_jsonable(curve),
        "critical_shock": cf.summary()
        | {
            "curve_n_paths": pooled_paths(CURVE_PATHS, n_pairs),
            "card_n_paths": pooled_paths(card_paths(), n_pairs),
            "report_statistic": report,
        },
        "calibration": {
            "as_of": cal.as_of,
            "n_events": cal.n_events,
            "n_draws": len(cal.draws),
            "n_book_draws": len(books),
            "note": cal.note,
            "prior": is_prior(cal),
            "source": cal.source,
        },
        "market": state.fingerprint(),
    }
    _book_units.emit(out, kw["as_json"], _render_calibrated_fragility)


CURVE_PATHS = 120
"""Paths per shock of ``cascade --fragility``'s calibrated curve (split over the draws)."""


def card_paths() -> int:
    """Paths the single-shock card (``cascade --shock``) requests: ``market_answer``'s default.

    The fragility curve requests fewer (:data:`CURVE_PATHS`), so a shock of its table
    differs from the card of the same shock by Monte Carlo noise; its output says so.
    """
    import inspect

    from liqcascade.cascade import market_answer

    return int(inspect.signature(market_answer).parameters["n_paths"].default)


def pooled_paths(n_paths: int, n_pairs: int) -> int:
    """Paths a calibrated run pools: ``n_paths // n_pairs`` (at least 1) per draw pair.

    :func:`liqcascade.cascade.calibrated_cascade`'s rule.
    """
    return max(1, n_paths // n_pairs) * n_pairs


def _report_statistic(
    state: Any, pm: Any, cal: Any, books: Any, total_move: float
) -> dict[str, Any] | None:
    """The report's critical shock on this market, run as the report runs it; None off −10 %.

    The curve of :func:`calibrated_fragility` pools fewer paths (:data:`CURVE_PATHS`)
    from the same volatility (the hours closed by the market's time), so its own
    crossing of the same statistic differs from the report's by Monte Carlo noise (BTC
    2025-07-31: −6.80 % against −6.58 %).
    """
    import pandas as pd

    from liqcascade.market import load_market_inputs
    from liqcascade.report import TOTAL_MOVE, report_critical_shock

    if not math.isclose(total_move, TOTAL_MOVE, rel_tol=0.0, abs_tol=1e-12):
        return None
    return report_critical_shock(
        pm, calibration=cal, hourly=load_market_inputs(state.asset).prices,
        close_time=pd.Timestamp(state.close_time), books=books,
    )  # fmt: skip


def _critical_text(cs: dict[str, Any]) -> str:
    """The critical shock line: the report's statistic, the per-draw one, the curve's crossing."""

    def pct(v: float | None) -> str:
        return "beyond the grid" if v is None else percent_text(v, 2)

    n = cs.get("n_draws")
    rep = cs.get("report_statistic")
    other = (
        f"other statistic, the median over {n} parameter draws of each draw's own crossing: "
        f"{pct(cs['critical_shock'])} (10–90 % over draws: {pct(cs['critical_shock_p10'])} … "
        f"{pct(cs['critical_shock_p90'])})"
    )
    curve = (
        f"the curve above ({cs.get('curve_n_paths')} pooled paths) crosses at "
        f"{pct(cs.get('curve_crossing'))}"
    )
    if rep:
        g = rep["shocks"]
        head = (
            f"(the report's statistic, run as the report runs it: where the median of "
            f"{rep['n_paths']} pooled paths crosses it, first falls {percent_text(max(g), 0)} … "
            f"{percent_text(min(g), 0)}, seed {rep['seed']}): {pct(rep['critical_shock'])}"
        )
    else:  # the report defines its critical shock for a -10 % move only
        head = f"(where the curve's pooled median path crosses it): {pct(cs.get('curve_crossing'))}"
        curve = "the report gives a critical shock for a -10 % move only"
    move = percent_text(cs["total_move"], 0)
    return f"[bold]critical shock[/] for a {move} move {head}; {other}; {curve}"


def _render_calibrated_fragility(result: dict[str, Any]) -> None:
    from rich.table import Table

    bar = (
        bar_text(result["bar_open"], result["bar_close"])
        if result.get("bar_close")
        else str(result["as_of"])
    )
    cs = result["critical_shock"]
    t = Table(
        title=f"calibrated fragility, {bar} (extreme move within 24 h; "
        f"{cs.get('curve_n_paths')} pooled paths per shock)"
    )
    for c in ("shock", "median", "80 % band", "liquidated (M USD)", "static (instant)"):
        t.add_column(c, justify="right")
    edge_hit = False
    for r in result["curve"]:

        def cell(k: str, r: dict[str, Any] = r) -> str:
            if r.get(f"{k}_at_book_edge"):
                e = float(r["book_edge_move"])
                return ("≤ " if e < 0 else "≥ ") + percent_text(e, 0, signed=True) + "*"
            return percent_text(r[k], 2)

        edge_hit = edge_hit or any(r.get(f"{k}_at_book_edge") for k in ("move_median", "move_p10",
                                                                        "move_p90"))  # fmt: skip
        t.add_row(
            percent_text(r["shock"], 0),
            cell("move_median"),
            f"{cell('move_p10')} … {cell('move_p90')}",
            f"{r['liquidated_median_usd'] / 1e6:,.1f}",
            percent_text(r["static_final_move"], 2),
        )
    _common.stdout.print(t)
    if edge_hit:
        _common.stdout.print(
            "* at the modelled order book's edge (its last level): the book is exhausted "
            "there, so the figure is a bound, not a modelled move"
        )
    if cs.get("card_n_paths"):
        _common.stdout.print(
            f"each shock pools {cs.get('curve_n_paths')} paths (one per liquidity × book "
            f"draw); the single-shock card (cascade --shock) pools {cs['card_n_paths']}: the "
            "same shock's figures there differ from this table's by Monte Carlo noise",
            soft_wrap=True,
        )
    _common.stdout.print(_critical_text(cs))
    said = (cs.get("report_statistic") or {}).get("history_text")
    if said:  # the report card's check of its critical shock, on the same falls
        from rich.markup import escape

        _common.stdout.print(f"[bold]against history[/] (the report's check): {escape(said)}")
    cal = result.get("calibration") or {}
    if cal.get("prior"):
        _common.stdout.print(
            f"liquidity: the prior, not a fit ({cal.get('n_events', 0)} events before this date)"
        )


#: What the calibrated cascade's ``liquidated`` is, beside the other commands' figures
#: for the same fall (docs/cascade.md, "Why the commands' 10 % figures differ").
LIQUIDATED_WHAT = (
    ": the estimated book's positions closed within 24 h by the shock and its cascade "
    "(liqmap's: the static book within the move)"
)


def data_note(result: dict[str, Any]) -> str | None:
    """The ``data`` row: the store's series and calibrations, the liquidity one's too.

    :func:`~liqcascade._cli._market_line.store_note` of the market's sources and of the
    liquidity calibration the answer used (the JSON's ``calibration.source``), with the
    events and date it was fitted to when it is the store's; None when everything was
    the bundle's and the package's (the default, not named).
    """
    import pandas as pd

    cal = result.get("calibration") or {}
    src = dict((result.get("market") or {}).get("sources") or {})
    if cal.get("source"):
        src["liquidity_calibration"] = str(cal["source"])
    note = _market_line.store_note({"sources": src})
    if note and str(cal.get("source", "")).startswith("store:") and cal.get("as_of"):
        fit = "the prior, not a fit" if cal.get("prior") else (
            f"fitted on {cal.get('n_events', 0)} events before "
            f"{pd.Timestamp(cal['as_of']):%Y-%m-%d}"
        )  # fmt: skip
        note += f", {fit}"
    return note


def assumed_text(asset: str) -> str | None:
    """What the answer assumes for an asset the package does not ship, not fitted on it.

    None for a bundled asset (ETH, BTC). Otherwise the market's venue share
    (:data:`~liqcascade.market.BINANCE_BOOK_SHARE`), the book's leverage cap and
    maintenance margin (:class:`~liqcascade.positions.BookParams`' defaults, which the
    book's fit keeps) and, without a tier table of its own, whose margin tiers its
    liquidation prices use (:func:`~liqcascade.margin.tiers_caveat`).
    """
    from liqcascade.data import bundled_assets
    from liqcascade.margin import FALLBACK_TIERS, tiers_caveat
    from liqcascade.market import BINANCE_BOOK_SHARE
    from liqcascade.positions import BookParams

    if asset.upper() in {a.upper() for a in bundled_assets()}:
        return None
    bp = BookParams()
    parts = [
        f"venue share {percent_text(BINANCE_BOOK_SHARE, 0)} (the package's, every asset)",
        f"the book's leverage cap {bp.max_leverage:g}x and maintenance margin "
        f"{percent_text(bp.mmr, 1)} (the package's, not fitted)",
    ]
    if tiers_caveat(asset):
        parts.append(f"{FALLBACK_TIERS}'s margin tiers")
    return f"for {asset.upper()}, not fitted on its data: " + "; ".join(parts)


def _render_calibrated(result: dict[str, Any]) -> None:
    from rich.table import Table

    t = Table(show_header=False, box=None)
    bar = (
        bar_text(result["bar_open"], result["bar_close"])
        if result.get("bar_close")
        else f"at {result['as_of']}"
    )
    t.add_row("[bold]market[/]", _common.esc(f"{result['asset']} {bar}, mid {result['mid']:,.2f}"))
    for label, text in (("data", data_note(result)), ("assumed", assumed_text(result["asset"]))):
        if text:  # where the inputs were read; what was assumed for an asset not shipped
            t.add_row(f"[bold]{label}[/]", _common.esc(text))
    t.add_row(
        "[bold]extreme move in 24 h[/]",
        f"{_move_text(result, 'move_median')} (80 %: {_move_text(result, 'move_p10')} … "
        f"{_move_text(result, 'move_p90')})",
    )
    if "carry_median" in result and "shock_price" in result:  # the headline split, beside it
        t.add_row("[bold]of which[/]", _common.esc(move_parts_text(result)))
    t.add_row(
        "[bold]liquidated[/]",
        f"{result['liquidated_median'] / 1e6:,.1f} M USD "
        f"(80 %: {result['liquidated_p10'] / 1e6:,.1f} … {result['liquidated_p90'] / 1e6:,.1f})"
        f"{LIQUIDATED_WHAT}",
    )
    check = shock_check_text(result)
    if check:
        t.add_row("[bold]check for this shock[/]", _common.esc(check))
    liq_score = _liq_score_text(result.get("out_of_sample") or {})
    if liq_score:
        t.add_row("[bold]liquidation score[/]", liq_score)
    if "carry_median" in result:
        t.add_row("[bold]cascade's own carry[/]", carry_text(result))
    sb = result["static_upper_bound"]
    nb = int(sb.get("n_books", 1))
    t.add_row(
        "[bold]static book (bounds the carry)[/]",
        f"{percent_text(sb['final_move'], 2)}, {sb['liquidated_usd'] / 1e6:,.1f} M USD"
        + (f" (deepest of {nb} book draws)" if nb > 1 else "")
        + (" — book exhausted" if sb["book_exhausted"] else ""),
    )
    cal = result.get("calibration", {})
    t.add_row(
        "[bold]interval covers[/]",
        f"index paths × {cal.get('n_draws', 0)} liquidity draws"
        + (
            f" × {cal['n_book_draws']} position-book draws"
            if cal.get("n_book_draws")
            else " (position book: central fit only)"
        ),
    )
    if cal.get("prior"):
        t.add_row(
            "[bold]liquidity[/]",
            f"the prior, not a fit ({cal.get('n_events', 0)} events before this date)",
        )
    _score_rows(t, result.get("out_of_sample"), result["asset"])
    _common.stdout.print(t)


def move_parts_text(result: dict[str, Any]) -> str:
    """The 24-h headline split: the shock, the cascade's own carry, the index's continuation.

    Medians of the JSON's keys (``shock_price``/``mid``, ``carry_median``,
    ``move_median``): the carry is ``carry_median`` beyond the shock, the continuation
    ``move_median − carry_median`` (the index moving on over the 24 h, with the cascade's
    response on the clock; not the cascade's own carry). Medians of different runs, so
    the parts add up to the headline only roughly.
    """
    shock = result["shock_price"] / result["mid"] - 1.0

    def pp(x: float) -> str:  # no sign on a part that rounds to nothing
        v = x * 100
        return "0.00 pp" if round(v, 2) == 0 else f"{v:+.2f} pp"

    return (
        f"the shock {percent_text(shock, 2)}, the cascade's own carry "
        f"{pp(result['carry_median'] - shock)}, the index's continuation over the 24 h "
        f"{pp(result['move_median'] - result['carry_median'])} (ordinary price moves after "
        "the shock, not the cascade; medians, so the parts add up only roughly)"
    )


def shock_check_text(result: dict[str, Any]) -> str:
    """The command that checks this shock's size on history (``cascade follow-through``).

    The ``out of sample`` row scores the event back-test of the calibration's trigger
    (ETH 2 %, BTC 1.5 %), the same for any shock; the follow-through runs this shock on
    every day's market beside the real falls at least as deep, up to the market's day.
    Empty for a rise or a fall at or beyond the deep level it compares
    (``RECORD_SETTINGS["beyond"]``, −27 %).
    """
    import pandas as pd

    from liqcascade.cascade import RECORD_SETTINGS

    if result.get("shock_price") is None or not result.get("mid"):
        return ""
    shock = result["shock_price"] / result["mid"] - 1.0
    if not (float(RECORD_SETTINGS["beyond"]) < shock < 0):
        return ""
    day = f"{pd.Timestamp(result.get('bar_open') or result['as_of']):%Y-%m-%d}"
    text = f"{round(shock, 2):.2f}" if abs(shock - round(shock, 2)) < 5e-5 else f"{shock:.4f}"
    asset = "" if result["asset"] == "ETH" else f" --asset {result['asset']}"
    return _common.command_hint(
        f"every day's market to {day} takes this {percent_text(shock, 2)} shock, beside the "
        "real falls at least as deep and what followed them "
        f"(`liqcascade cascade follow-through{asset} --shock {text}`, end {day}); the "
        "out-of-sample row below scores the event back-test of the calibration's trigger, the "
        "same for any shock"
    )


def carry_text(result: dict[str, Any]) -> str:
    """The shock applied, the cascade's own carry beyond it (pp) and their total.

    ``carry_*`` are total moves from the mid (the shock included: −5.38 % after a
    −5.36 % shock); printed alone they read as a further 5 % fall. The carry is said
    as the percentage points it adds beyond the shock, as the README's table does.
    """
    shock = result["shock_price"] / result["mid"] - 1.0

    def pp(x: float) -> str:  # signed, but no sign on a carry that rounds to nothing
        v = (x - shock) * 100
        return "0.00" if round(v, 2) == 0 else f"{v:+.2f}"

    return (
        f"shock {percent_text(shock, 2)}, own carry {pp(result['carry_median'])} pp (draws "
        f"10–90 %: {pp(result['carry_p10'])} … {pp(result['carry_p90'])} pp), total "
        f"{percent_text(result['carry_median'], 2)} (index held at the shock)"
    )


def _score_rows(t: Any, oos: dict[str, Any] | None, asset: str) -> None:
    """The out-of-sample rows: the events scored, their score, the whole back-test apart."""
    if not oos:
        return
    t.add_row("[bold]events scored[/]", _common.esc(scored_events_text(oos, asset)))
    t.add_row("[bold]out of sample[/]", _oos_text(oos))
    whole = oos.get("package_score")
    if isinstance(whole, dict) and whole.get("n_events"):
        t.add_row(
            "[bold]whole back-test[/]",
            "reads data after the market date, not knowable then: " + _oos_text(whole),
        )


#: ``backtest_score``'s scope of the events whose 24 h closed by the market's time.
CLOSED_BY = "events closed by the market date"


def scored_events_text(oos: dict[str, Any], asset: str) -> str:
    """Which events the out-of-sample score covers, and the command that re-runs them.

    The events whose 24 h closed by the market's time (``scored_by``), each predicted by
    the liquidity calibration fitted before it; the whole back-test when every event
    had closed by then, or when too few had (then it reads data after the market date).
    """
    from liqcascade.cascade import scored_from
    from liqcascade.report import backtest_command, skipped_text

    n = int(oos.get("n_events") or 0)
    # the scored events start where the data let them (the window's first triggers may
    # have no open interest): that day, and the count left out, by reason
    span = f"{scored_from(oos)} → {oos['end'][:10]}"
    cmd = skipped_text(oos) + f"; re-run: {backtest_command(oos, asset)}"
    if oos.get("scope") == CLOSED_BY:
        return (
            f"the {n} events whose 24 h closed by the market's time, {_hm(oos['scored_by'])} "
            f"UTC: from {scored_from(oos)} to the last event, {_hm(oos['end'])} UTC" + cmd
        )
    if oos.get("reads_after_market_date"):
        k = int(oos.get("n_events_by_market_date") or 0)
        return (
            f"the whole back-test, {n} events {span}: only {k} closed by the market's time, "
            f"{_hm(oos['scored_by'])} UTC, too few to score, so it reads data after the "
            "market date and was not knowable then" + cmd
        )
    return f"the whole back-test, {n} events {span}, every one closed by the market's time" + cmd


def _oos_text(oos: dict[str, Any]) -> str:
    """The calibrated cascade's out-of-sample line: MAE against both baselines.

    With the book split (:func:`liqcascade.cascade._clock.backtest_score`): how many of
    the events use a position book fitted after them, and the score of the events
    with both the book and the liquidity fitted before them beside the pooled one.
    """
    from liqcascade.cascade import move_verdicts, scored_from

    v = move_verdicts(oos)
    w = {"beats": "beats", "ties": "ties", "loses": "loses to"}
    said = (
        f" — {w[str(v['empirical'])]} the {_base('empirical')} baseline, "
        f"{w[str(v['trigger'])]} the {_base('trigger')} baseline (90 % interval of the error "
        "difference)"
        if None not in v.values()
        else ""
    )
    scope = oos.get("scope")
    head = f"{scope}, " if scope in ("package score", "store score") else ""
    tail = {CLOSED_BY: " closed by the market date"}.get(str(scope), "")
    if oos.get("reads_after_market_date"):
        tail = ", reading data after the market date"
    text = (
        f"{head}event back-test {scored_from(oos)} → {oos['end'][:10]} ({oos['n_events']} "
        f"events{tail}): MAE {oos['move_mae_pp']:.2f} pp vs {_base('empirical')} baseline "
        f"{oos['empirical_baseline_move_mae_pp']:.2f} pp, {_base('trigger')} "
        f"{oos['trigger_baseline_move_mae_pp']:.2f} pp"
        + said
        + f"; 80 % coverage {oos['coverage_80']:.2f}"
    )
    return text + _split_text(oos) + _beta_text(oos)


def _beta_text(oos: dict[str, Any]) -> str:
    """``". 3 of the 125 events use the assumed depth exponent beta …"``, or ``""``."""
    from liqcascade.cascade import beta_assumed_text

    said = beta_assumed_text(int(oos.get("n_beta_assumed") or 0), int(oos.get("n_events") or 0))
    return f". {said}" if said else ""


def _split_text(oos: dict[str, Any]) -> str:
    """``. 50 of the 125 events ... in sample; both out of sample (75 events ...): ...``."""
    k = oos.get("n_book_in_sample")
    strict = oos.get("metrics_book_out_of_sample")
    if k is None or not isinstance(strict, dict):
        return ""
    n, k = int(oos.get("n_events") or 0), int(k)
    if k == 0:
        return f". All {n} events are out of sample for the position book and the liquidity"
    first = oos.get("book_out_of_sample_from")
    before = f" (those before {first[:10]})" if first else ""
    ns = int(strict.get("n_events") or 0)
    text = (
        f". {k} of the {n} events{before} use a position book fitted after them (book in "
        "sample, liquidity out of sample)"
    )
    if ns == 0:
        return text + "; none has both out of sample"
    return text + f"; both out of sample ({ns} events): {subset_score_text(strict)}"


def _liq_score_text(oos: dict[str, Any]) -> str:
    """The liquidation prediction's back-test score, with its baselines (empty without one).

    ``liq_corr`` and ``liq_within_2x_share`` of the stored event back-test's events,
    beside the background baseline's and the static book + background's when they are
    stored for those events, and the events with both out of sample.
    """
    if oos.get("liq_corr") is None:
        return ""
    what = CLOSED_BY if oos.get("scope") == CLOSED_BY else "event back-test"
    if oos.get("reads_after_market_date"):
        what += ", reading data after the market date"
    text = (
        f"{what} ({oos['n_events']} events): log-corr {_f2(oos.get('liq_corr'))}, within 2x "
        f"{_f2(oos.get('liq_within_2x_share'))}"
    )
    if oos.get("background_baseline_liq_corr") is not None:
        text += (
            f" (background baseline {_f2(oos.get('background_baseline_liq_corr'))}, "
            f"{_f2(oos.get('background_baseline_liq_within_2x_share'))}; static book + "
            f"background {_f2(oos.get('book_background_liq_corr'))}, "
            f"{_f2(oos.get('book_background_liq_within_2x_share'))})"
        )
    else:
        text += " (the baselines' scores are not stored for these events)"
    strict = oos.get("metrics_book_out_of_sample")
    if (
        isinstance(strict, dict)
        and strict.get("liq_corr") is not None
        and oos.get("n_book_in_sample")
    ):
        text += (
            f"; both out of sample ({strict['n_events']} events): log-corr "
            f"{_f2(strict.get('liq_corr'))}, within 2x {_f2(strict.get('liq_within_2x_share'))}"
        )
        if strict.get("background_baseline_liq_corr") is not None:
            text += (
                f" (background baseline {_f2(strict.get('background_baseline_liq_corr'))}, "
                f"{_f2(strict.get('background_baseline_liq_within_2x_share'))})"
            )
    return text


#: The static book's extensions: the calibrated response carries its own refill
#: (resilience), withdrawal, mark, partial liquidation and fee, calibrated.
STATIC_ONLY: tuple[str, ...] = (
    "refill", "withdrawal", "mark_weight", "partial_liquidation", "liq_fee", "max_rounds",
)  # fmt: skip


def _static_only(kw: dict[str, Any], sig: inspect.Signature) -> None:
    """Refuse the static book's extensions on a calibrated run (they would be ignored).

    An extension counts as given when it differs from the command's own default.
    """
    given = [k for k in STATIC_ONLY if k in kw and kw[k] != sig.parameters[k].default]
    if given:
        flags = ", ".join("--" + k.replace("_", "-") for k in given)
        _common.fail(
            f"{flags} {'applies' if len(given) == 1 else 'apply'} to --liquidity static only: "
            "the calibrated response carries its own resilience, withdrawal, mark, partial "
            "liquidation and fee (it would be ignored here)"
        )


def calibrated_on_files(kw: dict[str, Any]) -> str:
    """Why ``cascade --liquidity calibrated`` refuses files, and what to give instead.

    Its answer is the estimated market's: the 24 h move on the asset's volatility at the
    bar, the interval over that market's position-book draws, the out-of-sample score of
    that market's back-test. None of it belongs to a user's book (``solvency`` runs the
    calibrated response on files: the index held at the shock, no score).
    """
    given = " ".join(f"--{k}" for k in ("positions", "book", "stops") if kw.get(k) is not None)
    return (
        f"--liquidity calibrated answers for the estimated market only (drop {given}): its "
        "interval and out-of-sample score are of that market's position book and its draws, "
        "on the asset's volatility at --as-of, not of files; with files use --liquidity "
        "static (the book as displayed: the upper bound on the cascade's own carry), or "
        "`liqcascade solvency --positions P --book B --liquidity calibrated --asset A` (the "
        "calibrated response with the index held at each shock, no score)"
    )


def _with_liquidity(cmd: Callable[..., None]) -> Callable[..., None]:
    """``cmd`` as a group callback with ``--liquidity static|calibrated`` in front."""
    import typing

    hints = typing.get_type_hints(cmd, include_extras=True)
    sig = inspect.signature(cmd)

    def callback(ctx: typer.Context, **kw: Any) -> None:
        if ctx.invoked_subcommand is not None:
            return
        mode = kw.pop("liquidity")
        # every mode: an unknown book model or a zero shock fails before any work
        _common.check_choice("--book-model", kw.get("book_model", "identified"),
                             ("identified", "legacy"))  # fmt: skip
        kw["shock"] = _common.parse_shock(kw.get("shock"))  # -0.05 or -5%
        if kw.get("shock") is not None and kw["shock"] == 0:  # as stress and solvency
            _common.fail("--shock must be non-zero (a fraction of mid: -0.05 = a 5 % fall)")
        files = any(kw.get(k) is not None for k in ("positions", "book", "stops"))
        if mode is None:
            mode = "static" if files else "calibrated"
        if mode not in ("static", "calibrated"):
            _common.fail(f"--liquidity must be static or calibrated (got {mode!r})")
        if mode == "calibrated":
            if files:
                _common.fail(calibrated_on_files(kw))
            if kw.get("total_move") is not None and not kw.get("fragility"):
                _common.fail(
                    "--total-move goes with --fragility (the move the critical shock is "
                    "found for); one cascade takes a shock"
                )
            _static_only(kw, sig)
            kw["asset"] = kw.get("asset") or "ETH"  # the command's defaults (None: not given)
            kw["total_move"] = -0.10 if kw.get("total_move") is None else kw["total_move"]
            if kw.get("fragility"):
                calibrated_fragility_cmd(kw)
                return
            extra = [n for n in ("shock_sell_usd", "shock_buy_usd", "mid") if kw.get(n) is not None]
            if extra:
                _common.fail(
                    "--liquidity calibrated takes --shock or --shock-price "
                    f"(got {', '.join('--' + e.replace('_', '-') for e in extra)})"
                )
            if (kw.get("shock") is None) == (kw.get("shock_price") is None):
                _common.fail("give exactly one of --shock, --shock-price")
            calibrated_cascade_cmd(
                kw["asset"],
                kw["as_of"],
                kw.get("shock"),
                kw.get("shock_price"),
                kw["insurance_fund"],
                kw["as_json"],
            )
            return
        cmd(**kw)

    liq_param = inspect.Parameter(
        "liquidity",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--liquidity",
                help="static (the book as displayed, instant: bounds the cascade's own "
                "carry) or calibrated (the calibrated liquidity response; default for the "
                "estimated market).",
            ),
        ],
    )
    ctx_param = inspect.Parameter(
        "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
    )
    params = [ctx_param, liq_param] + [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints[p.name])
        for p in sig.parameters.values()
    ]
    callback.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    callback.__annotations__ = {
        "ctx": typer.Context,
        "liquidity": liq_param.annotation,
        **{k: v for k, v in hints.items() if k != "return"},
        "return": None,
    }
    callback.__doc__ = cmd.__doc__
    return callback


def register_group(app: typer.Typer, cascade_cmd: Callable[..., None]) -> None:
    """Register ``cascade`` (``--liquidity``) and its subcommands.

    ``cascade backtest``, ``cascade calibrate`` and ``cascade follow-through``.
    """
    from liqcascade._cli.cascade_follow import follow_through_cmd

    group = typer.Typer(help=cascade_cmd.__doc__, no_args_is_help=False, rich_markup_mode="rich")
    group.command("backtest")(backtest_cmd)
    group.command("calibrate")(calibrate_cmd)
    group.command("follow-through")(follow_through_cmd)
    group.callback(invoke_without_command=True)(_with_liquidity(cascade_cmd))
    app.add_typer(group, name="cascade")
