"""CLI: ``liqcascade diff OLD NEW`` — what changed between two reports."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli import _common

#: Exit status of ``liqcascade diff`` when an ``--alert`` threshold is crossed: the
#: status of a check that says no, as ``pol verify``'s for a proof that does not verify.
#: Not 1, the command line's status for an unexpected internal error: a script that
#: pages someone on an alert must tell an alert from a crash.
EXIT_ALERT = 3


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
                help="KEY=VALUE (absolute) or KEY=VALUE% (relative): exit 3 when KEY moves "
                "by more; or a level, KEY OP VALUE as watch takes (critical_shock>-0.06, OP "
                "<, <=, >, >=): exit 3 when the new report's KEY is past it. KEY: a headline "
                "key, or 'clusters' (clusters=VALUE: a new cluster near the price of at least "
                "VALUE USD). Repeatable.",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """Compare two report folders: critical shock, clusters near price, headline numbers.

        Exit code 3 when an --alert threshold is crossed, 0 otherwise, 2 on a bad folder
        (1 is an internal error).

        Example: liqcascade diff report-2025-07-30 report --alert critical_shock=0.005
        """
        from liqcascade.report import diff_reports, load_summary, parse_alert

        alerts = [parse_alert(a) for a in alert or []]
        so, sn = load_summary(old), load_summary(new)
        d = diff_reports(so, sn, alerts)
        for w in d.warnings:
            _common.warn(w)
        if as_json:
            typer.echo(json.dumps(d.to_dict(), indent=2, allow_nan=False))
        else:
            _label_assets(d, so, sn)
            for line in d.lines():
                _common.line(line)
        if d.fired:
            raise typer.Exit(EXIT_ALERT)


def _label_assets(d: Any, *summaries: dict[str, Any]) -> None:
    """Prefix each headline's label with its asset when the reports cover several.

    The BTC headlines carry the same labels as the ETH ones; without the asset the
    text view would print "How far a 5 % fall carries price ..." twice.
    """
    asset = {
        k: str(h.get("scope") or h.get("asset") or "")
        for s in summaries
        for k, h in (s.get("front", {}).get("headlines") or {}).items()
        if isinstance(h, dict)
    }
    if len({a for a in asset.values() if a}) < 2:
        return

    def labelled(ch: Any) -> Any:
        return replace(ch, label=f"{asset[ch.key]}: {ch.label}") if asset.get(ch.key) else ch

    d.changes = [labelled(ch) for ch in d.changes]
    d.gone = [labelled(ch) for ch in d.gone]
