"""Fixtures of the liquidity tests: SOL's liquidity calibration, fitted once per run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clihelpers import CliResult, run_cli


@pytest.fixture(scope="session")
def sol_liquidity_fit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CliResult]:
    """A SOL store after ``cascade calibrate --asset SOL --start 2024-12 --end 2025-01``.

    The store is BTC's bundled series relabelled as SOL (``newasset.relabelled_store``)
    with BTC's shipped position-book calibration as its own (``copy_calibrations``: the
    events' markets need one); the command runs on it once, with its default back-test
    and follow-through, and writes the store's liquidity calibration beside it
    (``sol.calibrations/liquidity/SOL.json``). test_calibrate_any_asset.py checks the
    command's output and answers from the store; test_scored_period.py the period its
    back-test scores. Each ran this fit on such a store of its own, the latter with
    ``--no-follow-through``: the fits and the back-test are computed and stored before
    the follow-through, which changes neither (the document is the one
    ``--no-follow-through`` writes, plus the ``follow_through`` record). Built once for
    every xdist worker (:func:`sharedbuild.shared_build`); the tests only read the store
    and its calibration.

    Returns
    -------
    (Path, CliResult)
        The store and the command's exit code, stdout and stderr.
    """
    from newasset import copy_calibrations, relabelled_store
    from sharedbuild import shared_build

    def build(folder: Path) -> dict[str, Path]:
        store = copy_calibrations(relabelled_store(folder / "sol.duckdb"), kinds=("book",))
        r = run_cli(
            "cascade", "calibrate", "--asset", "SOL", "--start", "2024-12", "--end", "2025-01",
            "--json", env={"LIQCASCADE_STORE": str(store)},
        )  # fmt: skip
        result = folder / "calibrate.json"
        result.write_text(json.dumps([r.exit_code, r.stdout, r.stderr]))
        return {"store": store, "calibrate": result}

    built = shared_build(tmp_path_factory, "liquidity-sol-calibrated-2024-12-2025-01", build)
    return built["store"], CliResult(*json.loads(built["calibrate"].read_text()))
