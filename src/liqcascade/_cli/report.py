"""CLI: ``liqcascade report`` — the main job."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from liqcascade._cli._common import STATE, emit, info, stderr


def register(app: typer.Typer) -> None:
    """Register ``report`` on the root app."""

    @app.command("report")
    def report(
        out: Annotated[
            Path, typer.Option("--out", help="Output folder for report.html and summary.json.")
        ] = Path("report"),
        quick: Annotated[
            bool, typer.Option("--quick", help="Fewer paths and coarser grids (for tests).")
        ] = False,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the output paths as one JSON object.")
        ] = False,
        refresh: Annotated[
            bool, typer.Option("--refresh", help="First fetch every series up to now (ccxt).")
        ] = False,
        exchange: Annotated[
            str, typer.Option("--exchange", help="With --refresh: the ccxt exchange.")
        ] = "binance",
    ) -> None:
        """Full analysis on the bundled real data -> OUT/report.html and OUT/summary.json.

        Example: liqcascade report --out report
        """
        from liqcascade._paths import check_output_dir

        check_output_dir(out, "--out", files=("report.html", "summary.json"))  # before the work
        if refresh:
            from liqcascade.live import refresh as fetch_up_to_now

            info(f"refresh: {fetch_up_to_now('ETH', [exchange], log=info):,} rows added")

        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from liqcascade.report import SECTION_MODULES, build_report

        if STATE.verbosity < 0 or not stderr.is_terminal:
            paths = build_report(out, quick=quick)
        else:
            with Progress(
                TextColumn("[bold blue]report"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} sections"),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=stderr,
                transient=True,
            ) as bar:
                task = bar.add_task("", total=len(SECTION_MODULES))

                def advance(section_id: str, seconds: float) -> None:
                    bar.update(task, advance=1, description=f"done: {section_id} ({seconds:.1f}s)")

                paths = build_report(out, quick=quick, on_section=advance)
        if as_json:
            emit(
                {
                    "report": str(paths["html"].resolve()),
                    "summary": str(paths["summary"].resolve()),
                },
                True,
            )
        else:
            info(f"summary: {paths['summary'].resolve()}")
            typer.echo(f"report written to {paths['html'].resolve()}")
