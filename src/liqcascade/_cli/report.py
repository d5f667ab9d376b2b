"""CLI: ``liqcascade report`` — the main job."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common
from liqcascade._cli._common import (
    STATE,
    emit,
    esc,
    flag_names,
    info,
    line,
    parse_date,
    section_line,
    stderr,
)

#: The status line's clock (seconds; a test gives its own instead of the process's).
CLOCK: Callable[[], float] = time.monotonic

_AssetsOpt = Annotated[
    str,
    typer.Option(
        "--asset",
        help="Assets, comma-separated: ETH, BTC, or any asset of the store with its book "
        "and liquidity calibrations.",
    ),
]
_AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Market date (default: the latest bar every series of every asset's market "
        "reaches, the store's or the bundle's); with the "
        "validation section, from the first month the book has a fit for (2025-03-01 for "
        "the shipped ETH and BTC calibrations).",
    ),
]


def register(app: typer.Typer) -> None:
    """Register ``report`` on the root app."""

    @app.command("report")
    def report(
        out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("report"),
        asset: _AssetsOpt = "ETH,BTC",
        as_of: _AsOfOpt = None,
        section: Annotated[
            list[str] | None, typer.Option("--section", help="Only this section (repeatable).")
        ] = None,
        quick: Annotated[bool, typer.Option("--quick", help="Fewer paths, coarser grids.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the paths as JSON.")] = False,
        single_file: Annotated[
            bool,
            typer.Option(
                "--single-file",
                help="Put plotly.js inside report.html (+1.5 MB) so the page can be forwarded "
                "alone.",
            ),
        ] = False,
        refresh: Annotated[
            bool, typer.Option("--refresh", help="First fetch every series up to now (ccxt).")
        ] = False,
        exchange: Annotated[
            str, typer.Option("--exchange", help="With --refresh: the ccxt exchange.")
        ] = "binance",
    ) -> None:
        """Full analysis on the real data -> OUT/report.html and OUT/summary.json.

        Each series is read from the default store (LIQCASCADE_STORE) when it holds it,
        else from the bundled data; the front page says which.

        Example: liqcascade report --out report --asset ETH,BTC --as-of 2025-06-30
        """
        from liqcascade._paths import check_output_dir
        from liqcascade.report import report_options, run_report

        flag_names(sections="--section", out_dir="--out")
        check_output_dir(out, "--out", files=("report.html", "summary.json"))  # before the work
        parse_date(as_of, "--as-of")  # a readable date, or exit 2
        options = report_options(asset, as_of, section or None)  # checked once, here
        if refresh:
            _refresh(options.assets, exchange, out)  # exit 4, nothing written, if no venue
        if STATE.verbosity < 0:
            paths = run_report(
                out, options, quick=quick, single_file=single_file, refreshed=refresh
            )
        else:
            with _status() as (done, step):
                paths = run_report(out, options, quick=quick, on_section=done, on_step=step,
                                   single_file=single_file, refreshed=refresh)  # fmt: skip
        html, summary = paths["html"].resolve(), paths["summary"].resolve()
        if as_json:
            emit({"report": str(html), "summary": str(summary)}, True)
        else:
            info(f"summary: {summary}")
            line(f"report written to {html}")


def _refresh(assets: tuple[str, ...], exchange: str, out: Path) -> None:
    """``--refresh``: fetch every series of ``assets`` up to now into the store, first.

    A refresh that reached no venue (no network) ends the command (exit 4, the command
    line's "no live data", one ``error:`` line) before the report is built, so that the
    folder keeps its last report rather than a stale one presented as the night's; a
    refresh the venues answered with nothing newer goes on (its report's front page
    says the refresh found nothing newer).
    """
    from liqcascade.errors import VenueUnreachable
    from liqcascade.live import refresh as fetch_up_to_now

    for a in assets:
        try:
            added = fetch_up_to_now(a, [exchange], log=info)
        except VenueUnreachable as exc:
            raise VenueUnreachable(
                f"{exc}; no report was written (the folder {out} is as it was)", param="refresh"
            ) from exc
        info(f"refresh {a}: {added:,} rows added")


_Done = Callable[[str, float], None]
_Step = Callable[[str, str], None]

#: Seconds between two redraws of the terminal's status line for sub-steps (4 a second).
REDRAW_S = 0.25


def step_line(sid: str, what: str, seconds: float) -> str:
    """The plain line of sub-step ``what`` of section ``sid``, ``seconds`` into the section.

    ``report: cascade-btc: static book 3/5: running (12 s)``: a progress line of
    :data:`liqcascade._cli._common.PROGRESS_LINE`, which the tours leave out.
    """
    return f"report: {sid}: {what}: running ({seconds:,.0f} s)"


def _plain_status(every: float, clock: Callable[[], float]) -> tuple[_Done, _Step]:
    """``on_section`` and ``on_step`` writing plain lines (stderr no terminal).

    One line per section that ends (:func:`section_line`); a sub-step's line
    (:func:`step_line`) only when ``every`` seconds passed since the last line (or the
    start); nothing at all when ``every`` is ``inf``.

    Parameters
    ----------
    every : float
        Seconds (``$LIQCASCADE_PROGRESS_EVERY_S``).
    clock : callable
        Monotonic seconds.
    """
    last = {"line": clock(), "section": clock()}

    def say(text: str) -> None:
        stderr.print(text, markup=False, highlight=False, soft_wrap=True)
        last["line"] = clock()

    def done(sid: str, seconds: float) -> None:
        if math.isfinite(every):
            say(section_line(sid, seconds))
        last["section"] = clock()

    def step(sid: str, what: str) -> None:
        now = clock()
        if now - last["line"] >= every:
            say(step_line(sid, what, now - last["section"]))

    return done, step


@contextmanager
def _status() -> Iterator[tuple[_Done, _Step]]:
    """A status line on the terminal while the report runs; yields ``on_section, on_step``.

    Redrawn when a section ends and at a long section's sub-steps (``report
    cascade-btc: static book 3/5``; a new count of the same sub-step at most every
    :data:`REDRAW_S` seconds, a new sub-step at once), by no
    thread of its own: rich's ``status`` refreshes from a thread, and a running thread
    keeps the report from forking its second lane
    (:func:`liqcascade._procs.fork_refusal`), so every report on a terminal ran one.
    The forked lane's sections say no sub-step (the display is this process's).
    When stderr is no terminal (cron, a log), plain lines instead (:func:`_plain_status`):
    one per section that ends (``report: done: cascade-eth (41.2 s)``), a sub-step's
    when ``$LIQCASCADE_PROGRESS_EVERY_S`` seconds passed since the last line, no bar
    and no colour; none when that variable is ``inf``.
    """
    if not stderr.is_terminal:
        yield _plain_status(_common.PLAIN_EVERY_S, CLOCK)
        return
    from rich.live import Live
    from rich.spinner import Spinner

    spinner = Spinner("dots", "[bold blue]report[/] running sections", style="status.spinner")
    with Live(spinner, console=stderr, auto_refresh=False, transient=True) as live:
        drawn: dict[str, Any] = {"at": CLOCK(), "stage": None}

        def show(text: str, stage: str | None) -> None:
            """Draw ``text``; a new count of the stage drawn last at most every REDRAW_S."""
            now = CLOCK()
            if stage is not None and stage == drawn["stage"] and now - drawn["at"] < REDRAW_S:
                return
            spinner.update(text=f"[bold blue]report[/] {text}")
            live.refresh()
            drawn.update(at=now, stage=stage)

        yield (
            lambda sid, seconds: show(f"done: {esc(sid)} ({seconds:.1f}s)", None),
            lambda sid, what: show(f"{esc(sid)}: {esc(what)}", _stage(sid, what)),
        )


def _stage(sid: str, what: str) -> str:
    """A sub-step without its count: ``cascade: static book`` for ``static book 3/5``."""
    return sid + ": " + re.sub(r" \d+/\d+$", "", what)
