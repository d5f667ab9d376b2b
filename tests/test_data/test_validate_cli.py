"""Every validation rule through the CLI: exit 2, one line naming file and row, store as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import Store, read_file

INGEST = Path(__file__).resolve().parents[1] / "data" / "ingest"
GOOD = INGEST / "ETHUSDT_1h_binance_spot.csv.gz"

HEADER = "timestamp,open,high,low,close,volume"
ROWS = [
    "2024-01-01 00:00:00,100,110,95,105,10",
    "2024-01-01 01:00:00,105,112,101,108,11",
    "2024-01-01 02:00:00,108,109,100,101,12",
    "2024-01-01 03:00:00,101,104,99,103,13",
    "2024-01-01 04:00:00,103,106,102,104,14",
    "2024-01-01 05:00:00,104,108,103,107,15",
]


def csv(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "bad.csv") -> Path:
    p = tmp_path / name
    p.write_text(header + "\n" + "\n".join(rows) + "\n")
    return p


def replace(i: int, row: str) -> list[str]:
    out = list(ROWS)
    out[i] = row
    return out


def snapshot(store: Path) -> pd.DataFrame:
    with Store(store, read_only=True) as s:
        return s.read("ohlcv")


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("seed") / "s.duckdb"
    with Store(store) as s:
        assert s.ingest(read_file(GOOD)).rows_added == 46
    return store


@pytest.fixture
def seeded(tmp_path: Path, seeded_template: Path) -> Path:
    store = tmp_path / "s.duckdb"
    shutil.copy(seeded_template, store)
    return store


CASES = [
    # (rows, header, kind option, expected message after "FILE: ")
    (
        replace(2, "2024-01-01 02:00:00,108,109,100,,12"),
        HEADER,
        None,
        "data row 3 (file line 4): close is missing, NaN or infinite",
    ),
    (
        replace(3, "2024-01-01 03:00:00,0,104,99,103,13"),
        HEADER,
        None,
        "data row 4 (file line 5): open must be > 0 (got 0)",
    ),
    (
        replace(4, "2024-01-01 04:00:00,103,103.5,102,104,14"),
        HEADER,
        None,
        "data row 5 (file line 6): high 103.5 is below max(open, close) = 104",
    ),
    (
        replace(1, "2024-01-01 01:00:00,105,112,106,108,11"),
        HEADER,
        None,
        "data row 2 (file line 3): low 106 is above min(open, close) = 105",
    ),
    (
        replace(5, "2024-01-01 05:00:00,104,108,103,107,-1"),
        HEADER,
        None,
        "data row 6 (file line 7): volume must be >= 0 (got -1)",
    ),
    (
        [*ROWS, "2024-01-01 02:00:00,108,109,100,102,12"],
        HEADER,
        None,
        "data row 7 (file line 8): duplicate timestamp 2024-01-01 02:00:00+00:00 with "
        "different values than data row 3",
    ),
    (
        replace(2, "not-a-time,108,109,100,101,12"),
        HEADER,
        None,
        "data row 3 (file line 4): timestamp: not a time: 'not-a-time'",
    ),
    (
        [r.rsplit(",", 1)[0] for r in ROWS],
        "timestamp,open,high,low,close",
        "ohlcv",
        "missing required ohlcv column: volume (columns seen: ts, open, high, low, close",
    ),
    (
        replace(3, "2024-01-01 03:00:00,101,104,99,103,13,99"),
        HEADER,
        None,
        "data row 4 (file line 5): malformed CSV",
    ),
    (
        replace(0, "2024-01-01 00:00:00,abc,110,95,105,10"),
        HEADER,
        None,
        "data row 1 (file line 2): open is missing, NaN or infinite",
    ),
]


@pytest.mark.parametrize(
    ("rows", "header", "kind", "message"),
    CASES,
    ids=[
        "nan",
        "price<=0",
        "high",
        "low",
        "volume<0",
        "conflict-dup",
        "bad-time",
        "missing-col",
        "ragged",
        "text-number",
    ],
)
def test_bad_file_rejected_store_unchanged(tmp_path, cli, seeded, rows, header, kind, message):
    before = snapshot(seeded)
    bad = csv(tmp_path, rows, header)
    good2 = tmp_path / "good2.csv"
    good2.write_text(
        HEADER + "\n2025-01-01 00:00:00,1,2,0.5,1.5,3\n2025-01-01 01:00:00,1,2,1,1,3\n"
    )
    args = ["data", "ingest", str(good2), str(bad), "--store", str(seeded)]
    if kind:
        args += ["--kind", kind]
    r = cli(*args)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: {bad}: "), lines[0]
    assert message in lines[0]
    assert "Traceback" not in r.stderr
    after = snapshot(seeded)
    pd.testing.assert_frame_equal(before, after)


def test_negative_sizes_in_other_kinds(tmp_path, cli, seeded):
    p = csv(
        tmp_path,
        ["1731528000000,-5,3", "1731542400000,1,2"],
        "time,aggregated_long_liquidation_usd,aggregated_short_liquidation_usd",
        "liq.csv",
    )
    r = cli("data", "ingest", str(p), "--store", str(seeded))
    assert r.exit_code == 2
    # the file's own column, not the canonical long_usd it is read as
    msg = (
        f"error: {p}: data row 1 (file line 2): aggregated_long_liquidation_usd must be >= 0 "
        "(got -5)"
    )
    assert r.stderr.strip() == msg
    depth = csv(
        tmp_path,
        ["2024-01-01 00:00:08,-1,100,230000", "2024-01-01 00:00:08,1,-3,5"],
        "timestamp,percentage,depth,notional",
        "depth.csv",
    )
    r = cli("data", "ingest", str(depth), "--store", str(seeded))
    assert r.exit_code == 2
    assert (
        r.stderr.strip() == f"error: {depth}: data row 2 (file line 3): depth must be >= 0 (got -3)"
    )
    with Store(seeded, read_only=True) as s:
        assert s.count() == 46


def test_agreeing_duplicates_dropped_with_warning(tmp_path, cli, store_path):
    p = csv(tmp_path, [*ROWS, ROWS[2], ROWS[4]])  # toy prices: a market with no bundled series
    r = cli("data", "ingest", str(p), "--symbol", "TESTUSDT", "--store", str(store_path), "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["rows_read"] == 6 and r.json()["rows_added"] == 6
    assert "dropped 2 duplicate rows that agree" in r.stderr


def test_unsorted_is_sorted_and_rows_refer_to_file_order(tmp_path, cli, store_path):
    rows = list(reversed(ROWS))
    p = csv(tmp_path, rows)
    r = cli("data", "ingest", str(p), "--symbol", "TESTUSDT", "--store", str(store_path), "--json")
    assert r.exit_code == 0
    assert "not sorted" in r.stderr
    with Store(store_path, read_only=True) as s:
        ts = s.read("ohlcv")["ts"]
    assert ts.is_monotonic_increasing and len(ts) == 6
    bad = list(rows)
    bad[1] = "2024-01-01 04:00:00,103,106,102,104,-2"  # 2nd line of the file as given
    b2 = str(csv(tmp_path, bad, name="b2.csv"))
    r = cli("data", "ingest", b2, "--symbol", "TESTUSDT", "--store", str(store_path))
    assert r.exit_code == 2 and "data row 2 (file line 3): volume must be >= 0" in r.stderr


def test_gaps_reported_not_filled(tmp_path, cli, store_path):
    rows = [r for i, r in enumerate(ROWS) if i not in (2, 3)]
    p = str(csv(tmp_path, rows))
    r = cli("data", "ingest", p, "--symbol", "TESTUSDT", "--store", str(store_path), "--json")
    s = r.json()["series"][0]
    # the longest step as ISO 8601 text and seconds (was pandas' "0 days 03:00:00")
    assert (s["gaps"], s["largest_gap"], s["rows"]) == (1, "PT3H", 4)
    assert s["largest_gap_s"] == pytest.approx(10_800.0, abs=1e-9)
    r = cli("data", "list", "--store", str(store_path), "--json")
    (row,) = r.json()["series"]
    assert (row["rows"], row["gaps"], row["interval"]) == (4, 1, "1h")
    assert (row["largest_gap"], row["largest_gap_s"]) == ("PT3H", pytest.approx(10_800.0))
    r = cli("data", "list", "--store", str(store_path))
    assert r.stdout.strip().endswith("4 rows 1 gap (largest 3 h)")


def test_unknown_kind_and_missing_file(tmp_path, cli, store_path):
    r = cli("data", "ingest", str(GOOD), "--kind", "prices", "--store", str(store_path))
    assert r.exit_code == 2 and "--kind must be one of" in r.stderr
    r = cli("data", "ingest", str(tmp_path / "nope.csv"), "--store", str(store_path))
    assert r.exit_code == 2 and "no such file" in r.stderr
    assert not store_path.exists()


def test_real_entry_point_one_line_no_traceback(tmp_path, seeded):
    import subprocess
    import sys

    bad = csv(tmp_path, replace(3, "2024-01-01 03:00:00,101,104,99,103,-13"))
    r = subprocess.run(
        [sys.executable, "-m", "liqcascade.cli", "data", "ingest", str(bad), "--store", seeded],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert (
        r.stderr.strip() == f"error: {bad}: data row 4 (file line 5): volume must be >= 0 (got -13)"
    )
    assert r.stdout == ""


def test_durations_as_iso_8601_and_for_people() -> None:
    from liqcascade.data._time import duration_iso, duration_text, gap_fields

    td = pd.Timedelta
    cases = [
        (td(days=1, hours=10), "P1DT10H", "1 d 10 h"),
        (td(hours=4), "PT4H", "4 h"),
        (td(days=2, minutes=15), "P2DT15M", "2 d 15 min"),
        (td(days=3), "P3D", "3 d"),
        (td(seconds=90), "PT1M30S", "1 min 30 s"),
        (td(0), "PT0S", "0 s"),
    ]
    for d, iso, text in cases:
        assert (duration_iso(d), duration_text(d)) == (iso, text)
        assert pd.Timedelta(iso) == d  # pandas reads it back
    assert gap_fields(None) == {"largest_gap": None, "largest_gap_s": None}
    assert gap_fields(td(days=1, hours=10))["largest_gap_s"] == pytest.approx(122_400.0)


def test_the_reports_stored_series_table_says_the_largest_step_plainly(
    tmp_path, store_path, monkeypatch
) -> None:
    from liqcascade.report._data_section import stored_series

    rows = [r for i, r in enumerate(ROWS) if i not in (2, 3)]
    with Store(store_path) as s:
        s.ingest(read_file(csv(tmp_path, rows), symbol="ETHUSDT", venue="binance"))
    monkeypatch.setenv("LIQCASCADE_STORE", str(store_path))
    table = stored_series(["ETH"])
    assert table is not None
    assert table["largest step"].tolist() == ["3 h"]  # was pandas' "0 days 03:00:00"
