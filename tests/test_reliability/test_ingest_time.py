"""Time checks on ingest (issue 17, item 4): each refusal exits 2 with one line naming the
file and the data row (or option) at fault, and leaves the store byte-for-byte as it was."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from clihelpers import run_cli, run_cli_subprocess
from liqcascade.data import Store
from test_reliability._helpers import assert_refused, file_hash

HEADER = "ts,open,high,low,close,volume"
BAR = "2300,2310,2290,2305,10"  # near ETH's price: the files are labelled ETHUSDT
T0_S = 1_704_067_200  # 2024-01-01 00:00 UTC


def _csv(path: Path, stamps: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "\n" + "\n".join(f"{t},{BAR}" for t in stamps) + "\n")
    return path


def _hourly(n: int, unit: str = "s") -> list[str]:
    mult = {"s": 1, "ms": 1_000, "us": 1_000_000}[unit]
    return [str((T0_S + 3600 * i) * mult) for i in range(n)]


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """A store holding one good hourly series (written by a successful ingest)."""
    store = tmp_path / "store.duckdb"
    good = _csv(tmp_path / "good.csv", [f"2023-06-01 {h:02d}:00" for h in range(12)])
    r = run_cli("data", "ingest", str(good), "--store", str(store))
    assert r.exit_code == 0, r.stderr
    return store


def _mixed_units() -> list[str]:
    s = _hourly(6)
    s[3] = str(int(s[3]) * 1000)  # one row in milliseconds among seconds
    return s


def _bad_value_row4() -> list[str]:
    s = _hourly(6, "ms")
    s[3] = "abc"
    return s


def _text_then_epoch() -> list[str]:
    s = [f"2024-01-01 {h:02d}:00" for h in range(6)]
    s[4] = str(T0_S + 4 * 3600)
    return s


# (id, stamps, extra CLI args, substrings of the one error line after "FILE: ")
CASES = [
    (
        "mixed-seconds-ms",
        _mixed_units(),
        (),
        ("data row 4 (file line 5): ts", "is epoch milliseconds", "other times are epoch seconds"),
    ),
    (
        "epoch-1e13-ms-year-2286",
        [str(10**13), str(10**13 + 3_600_000)],
        (),
        (
            "data row 1 (file line 2): ts 10000000000000 (epoch milliseconds) is 2286-11-20",
            "plausible range",
        ),
    ),
    (
        "epoch-1970",
        [str(3600 * i + 100_000_000) for i in range(4)],
        (),
        (
            "data row 1 (file line 2):",
            "(epoch seconds) is 1973-03-03",
            "outside the plausible range 2009-01-01",
        ),
    ),
    (
        "text-date-1999",
        ["2024-01-01 00:00", "2024-01-01 01:00", "1999-01-01 02:00"],
        (),
        ("data row 3 (file line 4): ts 1999-01-01 02:00 is outside the plausible range",),
    ),
    (
        "text-date-future",
        ["2024-01-01 00:00", "2024-01-01 01:00", "2999-01-01 02:00"],
        (),
        ("data row 3 (file line 4): ts 2999-01-01 02:00 is outside the plausible range",),
    ),
    (
        "bad-value-row-4-among-epochs",
        _bad_value_row4(),
        (),
        ("data row 4 (file line 5): ts: 'abc' is not an epoch number",),
    ),
    (
        "epoch-among-text-times",
        _text_then_epoch(),
        (),
        (
            "data row 5 (file line 6): ts: '1704081600' is an epoch number",
            "one time format per file",
        ),
    ),
    (
        "bad-text-row-4",
        ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 02:00", "not-a-date"],
        (),
        ("data row 4 (file line 5): ts: not a time: 'not-a-date'",),
    ),
    (
        "day-first-and-month-first-rows",
        ["13/01/2024 00:00", "14/01/2024 00:00", "01/15/2024 00:00"],
        (),
        (
            "data row 3 (file line 4): ts '01/15/2024 00:00' can only be month-first "
            "(MM/DD/YYYY) but data row "
            "1's '13/01/2024 00:00' can only be day-first",
            "write ISO 8601 times",
        ),
    ),
    (
        "day-and-month-undecidable",
        ["02/01/2024 00:00", "03/01/2024 00:00", "05/01/2024 00:00"],  # uneven either way
        (),
        (
            "data row 1 (file line 2): ts '02/01/2024 00:00': day and month cannot be told apart",
            "neither reading gives sorted, evenly spaced times",
            "write ISO 8601 times",
        ),
    ),
    (
        "day-month-dates-among-iso-times",
        ["02/01/2024 00:00", "2024-01-02 01:00"],
        (),
        (
            "data row 2 (file line 3): ts: '2024-01-02 01:00' is not written like data row 1's "
            "'02/01/2024 00:00'",
        ),
    ),
    (
        "interval-0h",
        _hourly(6),
        ("--interval", "0h"),
        ("--interval must be longer than 0 (got '0h')",),
    ),
    (
        "interval-1d-on-hourly-bars",
        _hourly(48),
        ("--interval", "1d"),
        ("--interval 1d: the timestamps are 1h apart", "give 1h, or leave it out"),
    ),
    (  # was "--interval must be given: cannot infer the bar interval from a single timestamp"
        "time-column-empty",
        ["", "", ""],
        (),
        ("the time column 'ts' is empty: no row has a time",),
    ),
    (
        "time-column-empty-even-with-an-interval",
        ["", "", ""],
        ("--interval", "1h", "--drop-missing"),
        ("the time column 'ts' is empty: no row has a time",),
    ),
    (  # the rows without a time are the fault, not the interval they leave unknown
        "one-time-then-blanks",
        ["2024-01-01 00:00", "", ""],
        (),
        (
            "data row 2 (file line 3): ts is missing or not a time",
            "--drop-missing leaves such rows out",
        ),
    ),
    (
        "interval-1h-on-daily-bars",
        [str(T0_S + 86_400 * i) for i in range(10)],
        ("--interval", "1h"),
        ("--interval 1h: the timestamps are 1d apart",),
    ),
]


@pytest.mark.parametrize(
    ("stamps", "args", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_time_refusals_name_the_row_and_leave_the_store(
    tmp_path: Path, seeded: Path, stamps: list[str], args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    bad = _csv(tmp_path / "bad.csv", stamps)
    before = file_hash(seeded)
    r = run_cli("data", "ingest", str(bad), "--store", str(seeded), *args)
    line = assert_refused(r, *needles)
    if not args or args[1] != "0h":
        assert line.startswith(f"error: {bad}: "), line
    assert file_hash(seeded) == before
    with Store(seeded, read_only=True) as s:
        assert s.count() == 12


def test_bad_row_in_gzip_named_too(tmp_path: Path, seeded: Path) -> None:
    bad = tmp_path / "bad.csv.gz"
    rows = "\n".join(f"{t},{BAR}" for t in _mixed_units())
    bad.write_bytes(gzip.compress(f"{HEADER}\n{rows}\n".encode()))
    before = file_hash(seeded)
    assert_refused(run_cli("data", "ingest", str(bad), "--store", str(seeded)), "data row 4")
    assert file_hash(seeded) == before


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_one_unit_per_file_is_read_in_that_unit(tmp_path: Path, unit: str) -> None:
    store = tmp_path / "s.duckdb"
    f = _csv(tmp_path / f"{unit}.csv", _hourly(24, unit))
    r = run_cli("data", "ingest", str(f), "--store", str(store), "--json")
    assert r.exit_code == 0, r.stderr
    (series,) = r.json()["series"]
    assert series["interval"] == "1h" and series["rows"] == 24
    with Store(store, read_only=True) as s:
        ts = s.read("ohlcv")["ts"]
    assert ts.iloc[0] == pd.Timestamp("2024-01-01", tz="UTC")
    assert ts.iloc[-1] == pd.Timestamp("2024-01-01 23:00", tz="UTC")


def test_declared_interval_that_matches_is_stored(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    f = _csv(tmp_path / "h.csv", _hourly(24))
    r = run_cli("data", "ingest", str(f), "--store", str(store), "--interval", "60m", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["series"][0]["interval"] == "1h"  # stored under the canonical label


def test_real_entry_point_prints_one_line(tmp_path: Path, seeded: Path) -> None:
    bad = _csv(tmp_path / "bad_ts.csv", _bad_value_row4())
    before = file_hash(seeded)
    r = run_cli_subprocess("data", "ingest", str(bad), "--store", str(seeded))
    assert r.stderr == (
        f"error: {bad}: data row 4 (file line 5): ts: 'abc' is not an epoch number but the "
        f"file's other "
        "times are epoch numbers (one time format per file)\n"
    )
    assert r.exit_code == 2 and r.stdout == ""
    assert file_hash(seeded) == before


# -- dates with the day and the month as numbers: one reading for the whole column -------------
REAL_1H = Path(__file__).resolve().parents[1] / "data" / "ingest" / "ETHUSDT_1h_binance_spot.csv.gz"


def _rewritten(tmp_path: Path, fmt: str, name: str) -> tuple[Path, pd.Series]:
    """The real 46-bar hourly file with its times written as ``fmt``; and the true times."""
    e = pd.read_csv(REAL_1H)
    true = pd.to_datetime(e["ts"], utc=True)
    e["ts"] = true.dt.strftime(fmt)
    e.to_csv(tmp_path / name, index=False)
    return tmp_path / name, true.astype("datetime64[us, UTC]")


@pytest.mark.parametrize("fmt", ["%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d.%m.%y %H:%M"])
def test_day_month_dates_are_stored_at_their_true_times(tmp_path: Path, fmt: str) -> None:
    # 2023-12-30 .. 2024-01-02: `02/01/2024` was read as February 1 (one cell at a time)
    # while `30/12/2023` was read day-first; the bars of 2024-01-02 moved a month
    f, true = _rewritten(tmp_path, fmt, "dmy.csv")
    store = tmp_path / "s.duckdb"
    r = run_cli("data", "ingest", str(f), "--symbol", "ETHUSDT", "--store", str(store), "--json")
    assert r.exit_code == 0, r.stderr
    (series,) = r.json()["series"]
    assert (series["rows"], series["gaps"]) == (46, 1)  # the real 28 h seam, nothing else
    with Store(store, read_only=True) as s:
        stored = s.read("ohlcv")["ts"]
    pd.testing.assert_series_equal(
        stored.reset_index(drop=True), true.sort_values().reset_index(drop=True), check_names=False
    )


def test_day_first_reading_says_so_in_a_note() -> None:
    from liqcascade.data._time import parse_times

    notes: list[str] = []
    out = parse_times(pd.Series(["30/12/2023 23:00", "02/01/2024 00:00"]), "f.csv", "ts", notes)
    assert list(out) == [pd.Timestamp("2023-12-30 23:00", tz="UTC"),
                         pd.Timestamp("2024-01-02 00:00", tz="UTC")]  # fmt: skip
    assert notes == [
        "f.csv: ts read day-first (DD/MM/YYYY) for the whole column: data row 1's "
        "'30/12/2023 23:00' has a day above 12"
    ]
    notes.clear()  # month-first told by a second field above 12: nothing to note
    parse_times(pd.Series(["12/30/2023 23:00", "01/02/2024 00:00"]), "f.csv", "ts", notes)
    assert notes == []


@pytest.mark.parametrize(("fmt", "way"), [("%d/%m/%Y %H:%M", "day"), ("%m/%d/%Y %H:%M", "month")])
def test_every_field_at_most_12_is_read_by_its_even_spacing(fmt: str, way: str) -> None:
    from liqcascade.data._time import parse_times

    # 1..12 January hourly: both readings are dates; only the true one is evenly spaced
    true = pd.date_range("2024-01-01", periods=12 * 24, freq="h", tz="UTC")
    notes: list[str] = []
    out = parse_times(pd.Series(true.strftime(fmt)), "f.csv", "ts", notes)
    assert (pd.DatetimeIndex(out) == true).all()
    assert len(notes) == 1 and f"read {way}-first" in notes[0]
    assert "only this reading gives sorted, evenly spaced times" in notes[0]


def test_iso_times_are_never_ambiguous() -> None:
    from liqcascade.data._time import parse_times

    notes: list[str] = []
    out = parse_times(pd.Series(["2024-01-02 03:00", "2024/01/03 03:00"]), "f.csv", "ts", notes)
    assert list(out.dt.day) == [2, 3] and notes == []
