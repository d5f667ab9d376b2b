"""The report's data fingerprint covers what it read (review #11).

The bundled files, each series as loaded (store rows or bundled ones) and the
calibration files used: a report built on a store's data prints another fingerprint
than the bundled one, the same data give the same fingerprint, and the sources list
names every series and both calibration files with where each came from.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from liqcascade.report._build import _sources_text, data_fingerprint
from liqcascade.report._data import frame_digest, read_sources
from newasset import copy_calibrations, relabelled_store


@pytest.fixture(scope="module")
def sol_store(sol_stores: Callable[[str], Path]) -> Path:
    return sol_stores("store.duckdb")  # built once per worker (conftest), read only


def test_bundled_btc_and_the_sol_store_differ(
    sol_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIQCASCADE_STORE", str(tmp_path / "none.duckdb"))  # no store
    btc = data_fingerprint(("BTC",))
    assert btc == data_fingerprint(("BTC",))  # the same inputs twice
    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    sol = data_fingerprint(("SOL",))
    assert len(sol) == 12 and sol != btc
    assert sol == data_fingerprint(("SOL",))
    # where the rows were read is not hashed, only what they hold: a copy of the store
    # (same rows, same calibrations) gives the same fingerprint
    other = tmp_path / "copy" / "store.duckdb"
    other.parent.mkdir()
    shutil.copy(sol_store, other)
    shutil.copytree(
        sol_store.with_name("store.calibrations"), other.with_name("store.calibrations")
    )
    monkeypatch.setenv("LIQCASCADE_STORE", str(other))
    assert data_fingerprint(("SOL",)) == sol


def test_a_changed_calibration_changes_the_fingerprint(
    sol_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqcascade._calibrations import find_calibration, write_calibration

    store = tmp_path / "s.duckdb"
    shutil.copy(sol_store, store)
    copy_calibrations(store)
    monkeypatch.setenv("LIQCASCADE_STORE", str(store))
    before = data_fingerprint(("SOL",))
    doc = find_calibration("book", "SOL", store).doc
    write_calibration("book", "SOL", {**doc, "fits": doc["fits"][1:]}, store)
    assert data_fingerprint(("SOL",)) != before


def test_a_store_cut_earlier_changes_the_fingerprint(
    sol_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    full = data_fingerprint(("SOL",))
    cut = copy_calibrations(relabelled_store(tmp_path / "cut.duckdb", end="2025-06-30"))
    monkeypatch.setenv("LIQCASCADE_STORE", str(cut))
    assert data_fingerprint(("SOL",)) != full


def test_sources_name_every_series_and_both_calibrations(
    sol_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIQCASCADE_STORE", str(sol_store))
    rows = read_sources(("SOL",))
    src = {r["series"]: r["source"] for r in rows}
    assert set(src) == {
        "open_interest 4h", "liquidations 4h", "ohlcv 1h", "ohlcv 1d", "funding 4h",
        "taker 4h", "book totals", "long/short", "book calibration", "liquidity calibration",
    }  # fmt: skip
    assert src["book totals"] == "store (store.duckdb)"
    assert src["long/short"] == "store (store.duckdb)"
    assert src["book calibration"] == "store (store.calibrations/book/SOL.json)"
    assert src["liquidity calibration"] == "store (store.calibrations/liquidity/SOL.json)"
    assert all(len(r["sha256"]) == 64 for r in rows)
    text = _sources_text(rows)
    assert (
        "SOL store (store.duckdb)" in text
        and "calibrations: SOL store (store.calibrations)" in text
    )
    monkeypatch.setenv("LIQCASCADE_STORE", str(tmp_path / "none.duckdb"))
    rows = read_sources(("ETH", "BTC"))
    cal = {(r["asset"], r["series"]): r["source"] for r in rows if "calibration" in r["series"]}
    assert cal[("ETH", "book calibration")] == "package (liqcascade/positions/calibrated/ETH.json)"
    assert (
        cal[("BTC", "liquidity calibration")] == "package (liqcascade/cascade/calibrated/BTC.json)"
    )
    assert (
        _sources_text(rows) == "every series from the bundled files; calibrations from the package"
    )


def test_frame_digest_sees_one_value() -> None:
    from liqcascade.report._data import series

    df = series("ohlcv", "ETH", "1d")
    d = frame_digest(df)
    assert d == frame_digest(df.copy())
    df2 = df.copy()
    df2.iloc[-1, df2.columns.get_loc("close")] += 0.01
    assert frame_digest(df2) != d
    assert frame_digest(df.iloc[:-1]) != d
