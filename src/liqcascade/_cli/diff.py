"""CLI: ``liqcascade diff OLD NEW`` — what changed between two reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Register ``diff`` on the root app."""

    @app.command("diff")
    def diff(
        old: Annotated[Path, typer.Argument(help="Older report folder (with summary.json).")],
        new: Annotated[Path, typer.Argument(help="Newer report folder (with summary.json).")],
        alert: Annotated[
            list[str] | None,
            typer.Option(
                "--alert",
                help="KEY=VALUE (absolute) or KEY=VALUE% (relative): exit 1 when KEY moves "
                "by more. KEY: a headline key, or 'clusters' (new cluster near the price of at "
                "least VALUE USD). Repeatable.",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """Compare two report folders: critical shock, clusters near price, headline numbers.

        Exit code 1 when an --alert threshold is crossed, 0 otherwise, 2 on a bad folder.

        Example: liqcascade diff report-2025-07-30 report --alert critical_shock=0.005
        """
        from liqcascade.report._diff import diff_reports, load_summary, parse_alert

        alerts = [parse_alert(a) for a in alert or []]
        d = diff_reports(load_summary(old), load_summary(new), alerts)
        if as_json:
            typer.echo(json.dumps(d.to_dict(), indent=2, allow_nan=False))
        else:
            for line in d.lines():
                typer.echo(line)
        if d.fired:
            raise typer.Exit(1)
