"""CLI command: ``liqcascade watch`` (keep the estimated market current, alert on risk)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade._prices import count_text, fmt_or_na, percent_text

_MAX_ITERATIONS_HELP = "Stop after N intervals (exit 4 if no venue answered in any of them)."
_Asset = Annotated[
    str,
    typer.Option(
        "--asset",
        help="Base asset with a book calibration (ETH, BTC, or the store's own: "
        "liqmap calibrate --asset).",
    ),
]
_Exchange = Annotated[
    list[str] | None,
    typer.Option("--exchange", help="ccxt exchange id (repeat; the first feeds the book)."),
]
_Alert = Annotated[
    list[str] | None,
    typer.Option(
        "--alert",
        help="Alert rule NAME OP VALUE, e.g. critical_shock>-0.02 (the calibrated figure) or "
        "static_critical_shock>-0.02 (the static book's); cluster_below_pct is a positive "
        "distance below the price (the line's -3.33 % is 3.33: cluster_below_pct<1 for a "
        "cluster within 1 %); or a move, NAME=VALUE as diff "
        "takes (critical_shock=0.005; NAME=VALUE% relative): a move by more than VALUE since "
        "the previous line that was not stale. With --positions: "
        "position_liq_within_pct<3 (the nearest position's liquidation within 3 %), "
        "position_stop_within_pct<1, position_stop_in_crowd>0 (a stop in the modelled crowd).",
    ),
]
_Positions = Annotated[
    Path | None,
    typer.Option(
        "--positions",
        help="Your positions file (CSV/Parquet, docs/data.md; the --asset's only; an "
        "optional stop_price column: your stop, USD): each line adds, per position, the "
        "distance to its liquidation price and to its stop and whether the stop sits in "
        "the modelled crowd; the position_* --alert rules.",
    ),
]
_Liquidity = Annotated[
    str,
    typer.Option(
        "--liquidity",
        help="The critical shock printed and alerted on as critical_shock: calibrated (the "
        "liquidity response's, computed in the idle time after a new bar) or static (the "
        "static book's, printed as the carry bound in either mode).",
    ),
]


def _shock_text(ln: dict[str, Any]) -> str:
    """The critical shock (what `critical_shock` alerts compare) and the static bound."""

    def fall(x: float | None) -> str:
        return "beyond -20 %" if x is None or x != x else percent_text(x, 2)

    static = f"{percent_text(ln['static_critical_shock'], 2)} [{_static_bracket(ln)}]"
    if ln.get("liquidity") == "static":
        return f"critical shock (static book) {static} (market {ln['market_as_of'][:16]})"
    lo, hi = ln["critical_shock_range"]
    when = f"market {ln['critical_shock_as_of'][:16]}"
    if not ln["critical_shock_current"]:
        when += ", the previous bar's: this bar's next interval"
    if ln.get("liquidity_prior"):
        when += "; liquidity: the prior, not a fit"
    return (
        f"critical shock {fall(ln['critical_shock'])} (paths 10-90 %: {fall(lo)} … {fall(hi)};"
        f" {when})  static-book carry bound {static}"
    )


def _static_bracket(ln: dict[str, Any]) -> str:
    """The static bound's p05-p95 over the refits, labelled when some are of an earlier bar.

    After a new 4-hour bar the fit's figure is the new bar's at once, the refits' only
    once the idle time has recomputed them: until then the bracket is (partly) of the
    bar ``static_critical_shock_interval_as_of``, and the fit's figure may lie outside it.
    """
    lo, hi = ln["static_critical_shock_p05"], ln["static_critical_shock_p95"]
    text = f"{percent_text(lo, 2)}, {percent_text(hi, 2)}"
    n, current = ln.get("n_draws", 0), ln.get("n_draws_current", 0)
    if current < n:
        text += (
            f"; {n - current} of {n} refits of market "
            f"{ln['static_critical_shock_interval_as_of'][:16]}: next interval"
        )
    return text


def _line(ln: dict[str, Any]) -> str:
    def pct(x: float) -> str:
        return fmt_or_na(x, lambda v: f"{v:.2f} %")  # already in percent

    shock = _shock_text(ln)
    if ln.get("figures_at_price") is False:
        # the price and the book are of different dates: nothing measured between them
        return (
            f"{ln['time'][:16]}Z {ln['asset']} {ln['price']:,.2f} (price {ln['price_as_of'][:16]})"
            f"  clusters n/a, within 2 %/5 % n/a (the book is of another date)  {shock}"
        )
    return (
        f"{ln['time'][:16]}Z {ln['asset']} {ln['price']:,.2f}"
        f"  clusters -{pct(ln['cluster_below_pct'])}"
        f" / +{pct(ln['cluster_above_pct'])}  within 2 % {ln['notional_2pct_usd'] / 1e6:,.1f}M"
        f" 5 % {ln['notional_5pct_usd'] / 1e6:,.1f}M {ln.get('book_dollars', 'feed')} USD"
        f"  {shock}"
    )


def legend(ln: dict[str, Any]) -> str:
    """The line printed once before the first: what the clusters and the amounts are."""
    feed = ln.get("book_dollars", "feed")
    return (
        "legend: clusters -a % / +b %: the nearest large liquidation cluster below (longs) / "
        "above (shorts) the price; within 2 % / 5 %: the estimated book's positions "
        f"liquidated by a move that far either way, in {feed} dollars (the scale of the "
        "liquidation record the book was fitted on, not market dollars: docs/watch.md)"
    )


def _alert_text(a: dict[str, Any]) -> str:
    if a["rule"] == "stale":
        held = "; ".join(a["rules_not_checked"])
        return f"ALERT stale: rules not checked on stale data ({held}): {a['stale_reason']}"
    rows = a.get("position_rows")
    which = f" (row{'s' * (len(rows) != 1)} {', '.join(map(str, rows))})" if rows else ""
    return f"ALERT {a['rule']}: {a['metric']} = {a['value']:.6g}{which}"


def _position_text(p: dict[str, Any]) -> str:
    """One watched position: its liquidation and stop, their distances, the crowd."""

    def away(x: float) -> str:
        return f"{x:.2f} % away" if x > 0 else f"reached, {x:.2f} %"

    s = (f"  row {p['row']} {p['side']} {p['size']:g} @ {p['entry_price']:,.2f}: liquidation "
         f"{p['liq_price']:,.2f} ({away(p['liq_within_pct'])})")  # fmt: skip
    if p["stop_price"] is None:
        return s + ", no stop"
    if p["stop_in_crowd"] is None:
        crowd = "not checked: the book is of another date" if p["stop_within_pct"] > 0 else ""
    elif p["stop_in_crowd"]:
        crowd = "IN THE CROWD: " + "; ".join(
            f"{z['kind']} {z['price_low']:,.2f}–{z['price_high']:,.2f}" for z in p["stop_zones"]
        )
    else:
        crowd = "clear of the crowd"
    crowd = f", {crowd}" if crowd else ""
    return f"{s}, stop {p['stop_price']:,.2f} ({away(p['stop_within_pct'])}{crowd})"


def positions_text(ln: dict[str, Any], shown: int = 5, nearest: int = 3) -> list[str]:
    """The lines printed after a watch line for its watched positions.

    A line per position up to ``shown``; more: the ``nearest`` to liquidation and a
    count of the others.
    """
    ps = ln.get("positions") or []
    if len(ps) <= shown:
        return [_position_text(p) for p in ps]
    order = sorted(ps, key=lambda p: p["liq_within_pct"])
    rest = len(ps) - nearest
    return [_position_text(p) for p in order[:nearest]] + [
        f"  … {count_text(rest, 'more position')}, farther from liquidation (--json: all)"
    ]


_Interval = Annotated[
    float | None, typer.Option("--interval", help="Seconds between polls (default 60).")
]
_Store = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="DuckDB store (default $LIQCASCADE_STORE); with --replay only read, never written.",
    ),
]
_OnAlert = Annotated[
    str | None,
    typer.Option(
        "--on-alert", help="Command run with each alert's JSON on stdin (waited for, up to 60 s)."
    ),
]
_Since = Annotated[
    str | None,
    typer.Option("--since", help="First bar fetched into an empty store (not future)."),
]
_Replay = Annotated[
    str | None,
    typer.Option(
        "--replay",
        help="START/END (UTC; a bare END date: its whole day; one date: that day): run the "
        "same watch over the recorded hourly bars of that window, one line per bar, no "
        "network or sleeping: the store's data if it holds the window, else the bundled "
        "data. Nothing is written to the store; lines and alerts carry replay: true. Not "
        "with --exchange, --interval or --since (the replay's own: one recorded venue, one "
        "bar per interval, 45 days of history).",
    ),
]


def register(app: typer.Typer) -> None:
    """Register ``liqcascade watch`` on the root app."""

    @app.command("watch")
    def watch(
        asset: _Asset = "ETH",
        exchange: _Exchange = None,
        interval: _Interval = None,
        alert: _Alert = None,
        store: _Store = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
        max_iterations: Annotated[
            int | None, typer.Option("--max-iterations", help=_MAX_ITERATIONS_HELP)
        ] = None,
        on_alert: _OnAlert = None,
        since: _Since = None,
        liquidity: _Liquidity = "calibrated",
        replay: _Replay = None,
        positions: _Positions = None,
    ) -> None:
        """Poll venues, append to the store, advance the estimated book, print risk each interval.

        The critical shock is the calibrated liquidity response's (as `cascade
        --fragility`); the static book's is beside it, the bound of the cascade's own
        carry. A new 4-hour bar's calibrated figure is computed after its line: that
        line carries the previous bar's, labelled.

        On a STALE line (no live price or book) no --alert rule is checked:
        one `stale` alert says why instead.

        With --replay START/END the same lines, alerts and --on-alert run over recorded
        bars (marked replay: true), then one summary line (intervals, where the store's
        data end, alerts per rule with first and last time; with --json one JSON object
        on stderr), also after Ctrl-C.

        Exit 0 at --max-iterations (or a replay's end); 4 when no venue answered in any
        interval (no live data); 2 on bad options; 5 when another process kept the
        store past $LIQCASCADE_STORE_WAIT_S (default 30 s) as the watch had to read it
        (an interval's write that finds it held is stored at the next interval); 130 on
        Ctrl-C, at any time, with one line saying how many intervals ran and how many
        rows were stored.

        Example: liqcascade watch --asset ETH --interval 60 --alert "critical_shock>-0.03"
        """
        try:  # a Ctrl-C while the library loads ends as one in the session does
            from liqcascade.live import WatchOptions, rule_warnings
        except KeyboardInterrupt:
            raise KeyboardInterrupt(_stopped_text(None)) from None

        _common.parse_date(since, "--since")  # the parser every command uses
        _common.flag_names(exchanges="--exchange")  # a replay's refusal names them
        opts = WatchOptions(
            asset=asset, exchanges=tuple(exchange) if exchange else None,
            interval=interval, rules=tuple(alert or ()),
            store=store, max_iterations=max_iterations, on_alert=on_alert, since=since,
            liquidity=liquidity, positions=positions,
        )  # fmt: skip
        for w in _quiet(rule_warnings, opts.rules):  # a bad rule: the session's check
            _common.warn(w)
        # run_watch checks the options first (bad ones: exit 2 before any network call),
        # inside its Ctrl-C handling, so an interrupt at any time ends the same way
        code = _run(opts, as_json) if replay is None else _run_replay(opts, replay, as_json)
        if code:
            raise typer.Exit(code)


def _quiet(fn: Any, *args: Any) -> list[str]:
    """``fn(*args)``, or nothing when it raises an InputError (reported by the session)."""
    from liqcascade.errors import InputError

    try:
        return list(fn(*args))
    except InputError:
        return []


def _run_replay(opts: Any, window: str, as_json: bool) -> int:
    """Replay ``window`` through the watcher, printing its lines; then the summary line.

    The summary is printed after a Ctrl-C too (then exit 130); with ``--json`` it is one
    JSON object on stderr (stdout holds the lines' objects only).
    """
    from liqcascade.live import run_replay

    faults = _Faults()
    res = run_replay(opts, window, emit=_emitter(faults, as_json), log=faults.add,
                     warn=_common.warn)  # fmt: skip
    faults.flush()
    if as_json:
        from liqcascade._json import dumps  # numpy: not for `liqcascade --help`

        _common.stderr.print(dumps(res.to_dict()), highlight=False, markup=False, soft_wrap=True)
    else:
        _common.line(_replay_summary(res))
    if res.interrupted:
        raise KeyboardInterrupt(
            "interrupted: the replay stopped after "
            f"{count_text(res.intervals, 'interval', grouped=True)}; nothing was stored"
        )
    return 0


def _replay_summary(res: Any) -> str:
    """One line: the intervals replayed, the data and its seams, each rule's alerts."""
    fired = [
        f"{rule} {len(t)}x (first {t[0][:16]}Z, last {t[-1][:16]}Z)"
        for rule, t in res.alerts.items()
    ]
    span = f" {res.span_text()}" if res.first is not None else ""
    seams = "".join(f"; {s}" for s in res.seams)
    alerts = "; ".join(fired) if fired else "none"
    return (
        f"replayed {count_text(res.intervals, 'hourly interval', grouped=True)}{span} of "
        f"{res.source}{seams}; alerts: {alerts}"
    )


def _emitter(faults: _Faults, as_json: bool) -> Any:
    """Each line printed (text or JSON), after its interval's faults."""
    from liqcascade._json import dumps  # numpy: not for `liqcascade --help`

    first = [True]  # the legend goes before the first text line only

    def emit(ln: dict[str, Any]) -> None:
        faults.flush()
        if ln.get("stale"):
            _common.warn(f"STALE: {ln['stale_reason']}; the figures are not current")
        if as_json:
            sys.stdout.write(dumps(ln) + "\n")
        else:
            if first[0]:
                _common.line(legend(ln))
                first[0] = False
            _common.line(_line(ln))
            for text in positions_text(ln):
                _common.line(text)
            if ln.get("stale"):
                _common.line(f"STALE {ln['stale_reason']}")
            for a in ln["alerts"]:
                _common.line(_alert_text(a))
        sys.stdout.flush()

    return emit


def _run(opts: Any, as_json: bool) -> int:
    """Run the watch, printing each line (text or JSON) and each interval's faults; exit code."""
    from liqcascade.live import EXIT_NO_LIVE_DATA, run_watch

    faults = _Faults()
    try:
        res = run_watch(opts, emit=_emitter(faults, as_json), log=faults.add)
    except Exception:
        faults.flush()  # the faults before an error say why
        raise
    if res.interrupted:
        # the unfinished interval's faults are dropped (-v prints them as they come);
        # the CLI's rule for Ctrl-C (cli.main) prints this one line and exits 130
        raise KeyboardInterrupt(_stopped_text(res))
    faults.flush()
    if res.no_live_data:
        _common.warn(f"no live data: no venue answered in {count_text(res.intervals, 'interval')}; "
                     f"exit {EXIT_NO_LIVE_DATA}")  # fmt: skip
        return EXIT_NO_LIVE_DATA
    return 0


def _stopped_text(res: Any) -> str:
    """What a Ctrl-C left: the intervals done and the rows the session stored.

    ``res``: the session's :class:`~liqcascade.live.WatchSummary` (None: stopped before
    the session began).
    """
    n = 0 if res is None else res.intervals
    done = f"after {count_text(n, 'interval', grouped=True)}" if n else "before its first line"
    rows = 0 if res is None else res.rows_stored
    write = None if res is None else res.interrupted_write
    parts = [f"interrupted: the watch stopped {done}"]
    if rows:
        parts.append(
            f"{rows:,} row{'s' * (rows != 1)} stored in {res.store} this session (each "
            "interval's in one transaction: none half-written)"
        )
    if write:  # what the interrupted write left (IngestInterrupted's line)
        parts.append(f"the interval being written: {write}")
    elif not rows:
        parts.append("nothing was stored")
    return "; ".join(parts)


class _Faults:
    """The venue faults of one interval, printed as one summary line (all with -v).

    Only the venues' own lines (:class:`liqcascade.live.VenueNote`) are gathered; any
    other (the store busy at a write, an ``--on-alert`` hook that failed) is printed at
    once on its own line, never counted among the venue faults.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        from liqcascade.live import VenueNote

        venue = isinstance(line, VenueNote)
        line = _common.leading_flag(line)  # the library's `on_alert exited 3`: --on-alert
        if _common.STATE.verbosity >= 1 or not venue:
            _common.warn(line)
        else:
            self.lines.append(line)

    def flush(self) -> None:
        lines, self.lines = self.lines, []
        if len(lines) == 1:
            _common.warn(lines[0])
        elif lines:
            _common.warn(f"{len(lines)} venue faults this interval, first: {lines[0]} (-v: all)")
