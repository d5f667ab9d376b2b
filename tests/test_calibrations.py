"""Where calibrations are found: a store's own before the package's, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqcascade._calibrations import (
    calibrated_assets,
    find_calibration,
    shipped_assets,
    store_calibration_dir,
    store_calibration_path,
    write_calibration,
)
from liqcascade.errors import InputError


def test_store_calibration_dir_sits_beside_the_store(tmp_path: Path) -> None:
    store = tmp_path / "sol.duckdb"
    assert store_calibration_dir(store) == tmp_path / "sol.calibrations"
    assert store_calibration_path("book", "sol", store) == (
        tmp_path / "sol.calibrations" / "book" / "SOL.json"
    )
    assert store_calibration_dir(False) is None


def test_default_store_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIQCASCADE_STORE", str(tmp_path / "x" / "s.duckdb"))
    assert store_calibration_dir(None) == tmp_path / "x" / "s.calibrations"


def test_package_ships_eth_and_btc_for_both_kinds() -> None:
    for kind in ("book", "liquidity"):
        assert shipped_assets(kind) == ("BTC", "ETH")
        found = find_calibration(kind, "eth", store=False)
        assert found.source == "package:calibrated/ETH.json"
        assert found.doc


def test_store_calibration_wins_and_lists(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    with pytest.raises(InputError, match="SOL"):
        find_calibration("liquidity", "SOL", store)
    path = write_calibration("liquidity", "sol", {"asset": "SOL", "x": 1}, store)
    got = find_calibration("liquidity", "SOL", store)
    assert got.source == f"store:{path}" and got.doc["x"] == 1
    assert calibrated_assets("liquidity", store) == ("BTC", "ETH", "SOL")
    # a store's own ETH calibration is read before the package's
    write_calibration("liquidity", "ETH", {"asset": "ETH", "x": 2}, store)
    assert find_calibration("liquidity", "ETH", store).doc["x"] == 2
    assert find_calibration("liquidity", "ETH", False).source.startswith("package:")
    # rewriting is seen (the cache is per modification time)
    write_calibration("liquidity", "sol", {"asset": "SOL", "x": 3, "pad": "y" * 10}, store)
    assert find_calibration("liquidity", "SOL", store).doc["x"] == 3


def test_bad_documents_and_kinds_are_clear_errors(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    path = store_calibration_path("book", "SOL", store)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        find_calibration("book", "SOL", store)
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(InputError, match="JSON object"):
        find_calibration("book", "SOL", store)
    with pytest.raises(InputError, match="kind"):
        find_calibration("depth", "ETH", store)
    with pytest.raises(InputError, match="store"):
        write_calibration("book", "SOL", {}, False)


def test_a_latin1_store_calibration_exits_2_with_one_line(tmp_path: Path) -> None:
    from clihelpers import run_cli

    store = tmp_path / "s.duckdb"
    path = store_calibration_path("liquidity", "ETH", store)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_bytes('{"asset": "ETH", "note": "café"}'.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8 text"):
        find_calibration("liquidity", "ETH", store)
    r = run_cli("cascade", "backtest", "--asset", "ETH", env={"LIQCASCADE_STORE": str(store)})
    lines = r.stderr.splitlines()
    assert r.exit_code == 2 and len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: {path}: not a calibration file (not UTF-8 text"), lines


def test_an_absent_calibration_is_its_own_error_naming_what_exists(tmp_path: Path) -> None:
    from liqcascade.errors import CalibrationNotFound

    store = tmp_path / "s.duckdb"
    write_calibration("liquidity", "SOL", {"asset": "SOL"}, store)
    with pytest.raises(CalibrationNotFound) as got:
        find_calibration("liquidity", "xrp", store)
    folder = tmp_path / "s.calibrations" / "liquidity"
    assert str(got.value) == (
        "asset: no calibrated liquidity response for XRP in the package (shipped: BTC, ETH) "
        f"or in {folder} (the store's: SOL); fit one on the store's data first "
        "(`liqcascade cascade calibrate`, asset XRP)"
    )
    assert got.value.param == "asset"
    with pytest.raises(CalibrationNotFound) as got:
        find_calibration("book", "XRP", False)  # no store: the package's only
    assert str(got.value) == (
        "asset: no calibrated identified position book for XRP in the package (shipped: BTC, "
        "ETH); fit one on the store's data first (`liqcascade liqmap calibrate`, asset XRP)"
    )


def test_a_broken_calibration_is_not_read_as_absent(tmp_path: Path) -> None:
    from liqcascade.cascade._clock import liquidity_document_if_any
    from liqcascade.cascade._insample import stored_book_in_sample
    from liqcascade.errors import CalibrationNotFound

    store = tmp_path / "s.duckdb"
    assert liquidity_document_if_any("SOL", store) is None
    assert stored_book_in_sample("SOL", {"ts": []}, store) == (None, None)
    for kind in ("liquidity", "book"):
        path = store_calibration_path(kind, "SOL", store)
        assert path is not None
        path.parent.mkdir(parents=True)
        path.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON") as got:
        liquidity_document_if_any("SOL", store)
    assert not isinstance(got.value, CalibrationNotFound)
    with pytest.raises(InputError, match="not valid JSON"):
        stored_book_in_sample("SOL", {"ts": []}, store)


def test_cli_a_broken_calibration_is_not_told_to_fit_one(tmp_path: Path) -> None:
    from clihelpers import run_cli

    store = tmp_path / "s.duckdb"
    path = store_calibration_path("liquidity", "ETH", store)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    r = run_cli("cascade", "backtest", "--asset", "ETH", env={"LIQCASCADE_STORE": str(store)})
    assert r.exit_code == 2, r.stderr
    assert r.stderr == (
        f"error: {path}: not valid JSON (Expecting property name enclosed in double quotes, "
        "line 1)\n"
    )
