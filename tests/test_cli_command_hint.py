"""A library's hint at another command is printed as that command, runnable (session 25).

The library names parameters, never flags: its hint ``(`liqcascade liqmap calibrate`,
asset SOL)`` was printed as is, and copying the backticked part fitted ETH. Plain
``liqmap calibrate`` did not say which asset it fits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clihelpers import run_cli
from liqcascade._cli._common import command_hint
from liqcascade.errors import InputError


def test_the_hint_becomes_the_command_with_its_flag() -> None:
    said = "fit one first (`liqcascade liqmap calibrate`, asset SOL)"
    assert command_hint(said) == "fit one first (`liqcascade liqmap calibrate --asset SOL`)"
    other = "ingest it (`liqcascade data ingest FILE`)"  # no parameter: as it was
    assert command_hint(other) == other


def test_a_missing_calibration_names_the_runnable_command(tmp_path: Path) -> None:
    env = {"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")}
    r = run_cli("watch", "--asset", "XRP", "--max-iterations", "1", env=env)
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: --asset: no calibrated book for XRP")
    assert line.endswith("(`liqcascade liqmap calibrate --asset XRP`)")


def test_plain_liqmap_calibrate_says_the_asset_it_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    import liqcascade.positions as positions

    def stop(*_a: object, **_k: object) -> None:
        raise InputError("stopped before fitting")

    monkeypatch.setattr(positions, "calibrate", stop)
    r = run_cli("liqmap", "calibrate", "--bootstrap", "0")
    assert r.exit_code == 2 and "error: stopped before fitting" in r.stderr
    head = r.stderr.splitlines()[0]
    assert head.startswith("asset ETH (bundled): the cohort book's calibration, fit 2024-11-13")


def test_a_missing_report_asset_names_both_calibrations_with_the_asset(tmp_path: Path) -> None:
    """The hint said `liqcascade liqmap calibrate` alone, which fits ETH's legacy book."""
    env = {"LIQCASCADE_STORE": str(tmp_path / "none.duckdb")}
    r = run_cli("report", "--asset", "XRP", "--out", str(tmp_path / "r"), env=env)
    assert r.exit_code == 2
    (line,) = r.stderr.strip().splitlines()
    assert "(`liqcascade liqmap calibrate --asset XRP`)" in line
    assert "(`liqcascade cascade calibrate --asset XRP`)" in line
