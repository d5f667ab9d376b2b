"""CLI: ``liqcascade liqmap calibrate`` and ``liqmap backtest`` (being built)."""

from __future__ import annotations

import typer


def register(liqmap_app: typer.Typer) -> None:
    """Register the calibrate/backtest subcommands on the ``liqmap`` group."""
