"""CLI commands: `liqcascade vol` (being built; see the issue tracker)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Register this module's commands on the root app."""
