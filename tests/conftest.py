"""Shared fixtures: paths, the CLI runner, hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from clihelpers import CliResult, run_cli, run_cli_subprocess

__all__ = ["CliResult", "run_cli", "run_cli_subprocess"]

settings.register_profile(
    "default", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of small real excerpts and generated files (``tests/data``)."""
    return DATA


@pytest.fixture
def cli():
    """Callable running the CLI in-process: ``cli("margin", "liq-price", ...)``."""
    return run_cli


@pytest.fixture
def store_env(tmp_path: Path) -> dict[str, str]:
    """Environment pointing ``LIQCASCADE_STORE`` at a fresh store under ``tmp_path``."""
    return {"LIQCASCADE_STORE": str(tmp_path / "store.duckdb")}
