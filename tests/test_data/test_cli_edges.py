"""``liqcascade data``: empty exports, missing stores, fetch kinds, file modes, plurals."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from clihelpers import run_cli

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
HOURLY = INGEST / "ETHUSDT_1h_binance_spot.csv.gz"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    s = tmp_path / "s1.duckdb"
    r = run_cli("data", "ingest", str(HOURLY), "--venue", "binance", "--store", str(s))
    assert r.exit_code == 0, r.stderr
    return s


def test_export_of_an_empty_range_says_so(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.csv"
    r = run_cli("data", "export", "--kind", "ohlcv", "--out", str(out), "--start", "2030-01-01",
                "--store", str(store), env={"COLUMNS": "200"})  # fmt: skip
    assert r.exit_code == 0, r.stderr  # an empty range is an answer: the header only
    assert "None" not in r.stdout
    line = next(ln for ln in r.stdout.splitlines() if "first / last" in ln)
    assert "no rows in the range (the series runs 2023-12-30 01:00 -> 2024-01-02 01:00 UTC)" in line
    assert "holds the header only" in r.stderr
    assert out.read_text().startswith("ts,venue,symbol,interval,")
    j = run_cli("data", "export", "--kind", "ohlcv", "--out", str(tmp_path / "e.parquet"),
                "--start", "2030-01-01", "--store", str(store), "--json").json()  # fmt: skip
    assert (
        j["rows"] == 0 and j["first"] is None and j["series_first"].startswith("2023-12-30T01:00")
    )


def test_exported_file_gets_the_umask_mode(store: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        for name in ("e.csv", "e.parquet"):
            r = run_cli("data", "export", "--kind", "ohlcv", "--out", str(tmp_path / name),
                        "--store", str(store))  # fmt: skip
            assert r.exit_code == 0, r.stderr
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
        os.umask(0o077)
        r = run_cli("data", "export", "--kind", "ohlcv", "--out", str(tmp_path / "p.csv"),
                    "--store", str(store))  # fmt: skip
        assert stat.S_IMODE((tmp_path / "p.csv").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_a_named_missing_store_is_refused_both_ways(tmp_path: Path) -> None:
    missing = tmp_path / "nonexist.duckdb"
    r = run_cli("data", "list", env={"LIQCASCADE_STORE": str(missing)})
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.strip() == (
        f"error: $LIQCASCADE_STORE: {missing}: no such store (nothing was ingested there)"
    )
    r = run_cli("data", "list", "--store", str(missing))
    assert r.exit_code == 2 and r.stderr.strip() == f"error: --store: {missing}: no such store"
    r = run_cli("data", "export", "--kind", "ohlcv", "--out", str(tmp_path / "x.csv"),
                env={"LIQCASCADE_STORE": str(missing)})  # fmt: skip
    assert r.exit_code == 2 and "error: $LIQCASCADE_STORE: " in r.stderr  # not "--store"


def test_the_absent_default_store_lists_as_not_yet_created(tmp_path: Path) -> None:
    r = run_cli("data", "list", env={"LIQCASCADE_STORE": "", "HOME": str(tmp_path)})
    assert r.exit_code == 0, r.stderr
    default = tmp_path / ".liqcascade" / "store.duckdb"
    assert r.stdout.strip() == f"{default}: no store yet (`liqcascade data ingest` creates it)"


@pytest.mark.parametrize("kind", ["bogus", "depth", "taker"])
def test_fetch_kinds_are_one_true_list(kind: str) -> None:
    r = run_cli("data", "fetch", "--exchange", "binance", "--symbol", "ETH/USDT:USDT",
                "--kind", kind, "--since", "2025-01-01")  # fmt: skip
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        f"error: --kind must be one of ohlcv, open_interest, funding (got {kind!r}); "
        "liquidations, depth, taker, long_short come from files (`liqcascade data ingest`)"
    )


def test_one_row_one_gap_in_the_singular(tmp_path: Path) -> None:
    f = tmp_path / "one.csv"
    f.write_text("ts,open,high,low,close,volume\n2025-01-01T00:00:00Z,1,2,0.5,1.5,3\n")
    s = str(tmp_path / "one.duckdb")
    r = run_cli("data", "ingest", str(f), "--interval", "1h", "--symbol", "TESTUSDT", "--store", s)
    assert r.exit_code == 0, r.stderr
    assert ", 1 row, 0 gaps" in r.stdout
    r = run_cli("data", "list", "--store", s)
    assert " 1 row 0 gaps" in r.stdout


def test_export_interval_is_checked_and_read_as_a_duration(store: Path, tmp_path: Path) -> None:
    """``--interval 7x`` said "no stored ohlcv series matches"; 60m found nothing either."""
    out = tmp_path / "e.csv"
    export = ("data", "export", "--kind", "ohlcv", "--out", str(out), "--store", str(store))
    r = run_cli(*export, "--interval", "7x")
    assert r.exit_code == 2 and r.stdout == "" and not out.exists()
    assert r.stderr.strip() == "error: --interval: not an interval like 1m, 4h, 1d: '7x'"
    r = run_cli(*export, "--interval", "60m", "--json")
    assert r.exit_code == 0, r.stderr
    assert (r.json()["interval"], r.json()["rows"]) == ("1h", 46)


def test_a_missing_ingest_file_is_named_without_a_placeholder(tmp_path: Path) -> None:
    """It read ``error: FILE: /tmp/nope.csv: no such file``."""
    store = tmp_path / "s.duckdb"
    nope = tmp_path / "nope.csv"
    r = run_cli("data", "ingest", str(nope), "--store", str(store))
    assert r.exit_code == 2 and r.stderr.strip() == f"error: {nope}: no such file"
    r = run_cli("data", "ingest", str(tmp_path), "--store", str(store))
    assert r.exit_code == 2 and r.stderr.strip() == f"error: {tmp_path}: not a file"
    assert not store.exists()


def test_a_liquidation_side_that_is_not_a_side_is_named(tmp_path: Path, gen: Any) -> None:
    """``side = HOLD`` said "side is missing": it is there, and not a side."""
    d = gen.liquidation_snapshot()
    d.loc[2, "side"] = "HOLD"
    f = tmp_path / "liq.csv"
    d.to_csv(f, index=False)
    r = run_cli("data", "ingest", str(f), "--store", str(tmp_path / "s.duckdb"))
    assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.strip() == (
        f"error: {f}: data row 3 (file line 4): side 'HOLD' is not a side (SELL, BUY, LONG or "
        f"SHORT)"
    )
    d.loc[2, "side"] = None  # an empty side is still a missing value
    d.to_csv(f, index=False)
    r = run_cli("data", "ingest", str(f), "--store", str(tmp_path / "s.duckdb"))
    assert r.exit_code == 2 and "side is missing" in r.stderr
