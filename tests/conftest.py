"""Shared fixtures: paths, the CLI runner, hypothesis profiles."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from liqcascade._blas import pin_blas

# One BLAS thread, as the command line runs (liqcascade._blas): the suite's fits end
# where the CLI's do, on any number of cores. Set before numpy loads (nothing above
# imports it; tests/test_blas.py checks that numpy's BLAS really runs on one thread).
pin_blas(override=True)

# Isolation from the developer's own data, before anything reads it: without this, a
# store the user filled with ``data ingest`` or ``watch`` (``$LIQCASCADE_STORE`` or
# ``~/.liqcascade/store.duckdb``) would be read by every default market, and the suite
# would test the user's data instead of the bundled files. A path that does not exist
# means "no store"; tests that need one pass their own (``store_env``, ``--store``,
# ``monkeypatch.setenv``). Set at import time so that session fixtures and subprocesses
# (which inherit ``os.environ``) see it too.
_ISOLATED = Path(tempfile.mkdtemp(prefix="liqcascade-tests-"))
os.environ["LIQCASCADE_STORE"] = str(_ISOLATED / "no-store.duckdb")
# The terminal's width, fixed: rich wraps tables and lines to $COLUMNS, else to the
# terminal pytest runs in (with -s) -- a developer's narrow window or an exported COLUMNS
# broke tests that read a line whole. 80 is what a run without a terminal (CI, pytest -n)
# gets; a test that wants another width passes its own (run_cli(..., env={"COLUMNS": ..})).
os.environ["COLUMNS"] = "80"
# Plain text, as in a pipe: FORCE_COLOR (a common CI setting) or TTY_COMPATIBLE made rich
# write colour and cursor codes into the captured output that tests read as text.
for _k in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "LINES"):
    os.environ.pop(_k, None)
for _k in ("LIQCASCADE_INGEST_CHUNK", "LIQCASCADE_MEMORY_LIMIT", "LIQCASCADE_POL_THREADS",
           "LIQCASCADE_POL_HASH", "LIQCASCADE_DEBUG", "LIQCASCADE_STORE_WAIT_S"):  # fmt: skip
    os.environ.pop(_k, None)

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from clihelpers import CliResult, run_cli, run_cli_subprocess  # noqa: E402
from profiles import EXPLORE_EXAMPLES, examples  # noqa: E402

__all__ = ["CliResult", "examples", "run_cli", "run_cli_subprocess"]

# ``make test`` checks the same examples on every machine (derandomised): a run is
# reproducible, and a property cannot fail on a newcomer's machine by the luck of a
# seed. ``LIQCASCADE_HYPOTHESIS=explore`` searches new random examples, more of them —
# the way to look for counterexamples before committing a property. A test that sets
# its own count writes ``@settings(max_examples=examples(n))`` (``profiles.py``): n by
# default, at least 200 under explore (a bare ``max_examples=n`` would stay n there).
settings.register_profile(
    "default",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile(
    "explore",
    deadline=None,
    max_examples=EXPLORE_EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("LIQCASCADE_HYPOTHESIS", "default"))

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


# the same for the commands the tests run in subprocesses (they inherit the environment)
os.environ["LIQCASCADE_PROGRESS_EVERY_S"] = "inf"


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ``duckdb.connect`` of this process from now on (its path): the store tests count
    the connections a command or a report opens."""
    from typing import Any

    import duckdb

    seen: list[str] = []
    real = duckdb.connect

    def counting(database: Any = ":memory:", *args: Any, **kw: Any) -> Any:
        seen.append(str(database))
        return real(database, *args, **kw)

    monkeypatch.setattr(duckdb, "connect", counting)
    return seen


@pytest.fixture(autouse=True)
def _no_plain_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """No plain progress lines in the tests' captured stderr.

    Where stderr is no terminal a stage of 10 s or more prints ``STAGE: done (12 s)``
    (``_common.PlainAdvance``): whether it does depends on the machine's load, and tests
    read stderr whole. tests/test_cli_plain_progress.py sets the interval back.
    """
    import math

    from liqcascade._cli import _common

    monkeypatch.setattr(_common, "PLAIN_EVERY_S", math.inf)


@pytest.fixture(scope="session")
def sol_stores(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The relabelled SOL store with BTC's calibrations, by file name, built once per worker.

    ``sol_stores("sol.duckdb")`` is ``copy_calibrations(relabelled_store(folder /
    "sol.duckdb"))`` (``newasset.py``): BTC's bundled series and shipped fits as SOLUSDT's.
    The any-asset tests of several packages read the same store (under the file name their
    output quotes); they only read it, so one build per name serves them all. A test that
    writes into a store copies this one or makes its own.
    """
    from newasset import copy_calibrations, relabelled_store

    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            folder = tmp_path_factory.mktemp("sol")
            made[name] = copy_calibrations(relabelled_store(folder / name))
        return made[name]

    return get


@pytest.fixture(scope="session")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The default report (ETH and BTC, every section; ``quick``), built once per run.

    Read by tests/test_report/test_report.py (the page end to end, in Chromium) and
    test_accessibility.py (the page as a screen reader and a keyboard meet it), and by the
    section tests that read one section of it (volatility, support, stress, solvency,
    protect and transparency, liqmap): each built a report of its own section, with the
    same section summary. A test that changes the files copies them first. Built once for
    all xdist workers (``sharedbuild.shared_build``).
    """
    from liqcascade.report import build_report
    from sharedbuild import shared_build

    return shared_build(
        tmp_path_factory, "report-default-quick", lambda out: build_report(out, quick=True)
    )
